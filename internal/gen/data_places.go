package gen

// Places. One line per prefecture: its name in Japanese and English, its
// population in units of 10,000 (2020 census, rounded; the weight with which
// companies are placed there) and whether it is served by the eastern or the
// western field-sales team. Then one line per city:
//
//	  市区町村 City | postal prefixes | area code | towns 町名 Town, …
//
// Postal codes start with one of the city's real three-digit prefixes; the
// last four digits are made up. Phone numbers use the city's area code.

const placesData = `
北海道 Hokkaido 522 E
  札幌市中央区 Chuo-ku, Sapporo | 060 064 | 011 | 大通西 Odori-nishi, 北一条西 Kita-ichijo-nishi
  旭川市 Asahikawa | 070 | 0166 |
  函館市 Hakodate | 040 | 0138 |
青森県 Aomori 124 E
  青森市 Aomori | 030 | 017 |
  八戸市 Hachinohe | 031 | 0178 |
岩手県 Iwate 121 E
  盛岡市 Morioka | 020 | 019 |
宮城県 Miyagi 230 E
  仙台市青葉区 Aoba-ku, Sendai | 980 | 022 | 一番町 Ichibancho, 中央 Chuo
  仙台市宮城野区 Miyagino-ku, Sendai | 983 | 022 |
秋田県 Akita 96 E
  秋田市 Akita | 010 | 018 |
山形県 Yamagata 107 E
  山形市 Yamagata | 990 | 023 |
福島県 Fukushima 183 E
  福島市 Fukushima | 960 | 024 |
  郡山市 Koriyama | 963 | 024 |
茨城県 Ibaraki 287 E
  水戸市 Mito | 310 | 029 |
  つくば市 Tsukuba | 305 | 029 | 竹園 Takezono, 吾妻 Azuma
栃木県 Tochigi 193 E
  宇都宮市 Utsunomiya | 320 | 028 |
群馬県 Gunma 194 E
  前橋市 Maebashi | 371 | 027 |
  高崎市 Takasaki | 370 | 027 |
埼玉県 Saitama 734 E
  さいたま市大宮区 Omiya-ku, Saitama | 330 | 048 | 桜木町 Sakuragicho, 大門町 Daimoncho
  川口市 Kawaguchi | 332 | 048 |
  川越市 Kawagoe | 350 | 049 |
千葉県 Chiba 628 E
  千葉市中央区 Chuo-ku, Chiba | 260 | 043 | 富士見 Fujimi, 新町 Shinmachi
  船橋市 Funabashi | 273 | 047 |
  柏市 Kashiwa | 277 | 04 |
  千葉市美浜区 Mihama-ku, Chiba | 261 | 043 | 中瀬 Nakase
東京都 Tokyo 1405 E
  千代田区 Chiyoda-ku | 100 101 102 | 03 | 丸の内 Marunouchi, 大手町 Otemachi, 神田 Kanda, 麹町 Kojimachi
  中央区 Chuo-ku | 103 104 | 03 | 日本橋 Nihonbashi, 銀座 Ginza, 八重洲 Yaesu, 京橋 Kyobashi
  港区 Minato-ku | 105 106 107 108 | 03 | 芝 Shiba, 赤坂 Akasaka, 六本木 Roppongi, 港南 Konan, 虎ノ門 Toranomon
  新宿区 Shinjuku-ku | 160 162 169 | 03 | 西新宿 Nishi-Shinjuku, 新宿 Shinjuku, 四谷 Yotsuya
  渋谷区 Shibuya-ku | 150 151 | 03 | 渋谷 Shibuya, 恵比寿 Ebisu, 代々木 Yoyogi
  品川区 Shinagawa-ku | 140 141 142 | 03 | 大崎 Osaki, 東品川 Higashi-Shinagawa, 西五反田 Nishi-Gotanda
  豊島区 Toshima-ku | 170 171 | 03 | 東池袋 Higashi-Ikebukuro, 南池袋 Minami-Ikebukuro
  文京区 Bunkyo-ku | 112 113 | 03 | 本郷 Hongo, 小石川 Koishikawa
  台東区 Taito-ku | 110 111 | 03 | 上野 Ueno, 浅草橋 Asakusabashi
  江東区 Koto-ku | 135 136 | 03 | 豊洲 Toyosu, 有明 Ariake
  目黒区 Meguro-ku | 152 153 | 03 | 目黒 Meguro, 中目黒 Naka-Meguro
  大田区 Ota-ku | 143 144 146 | 03 | 蒲田 Kamata, 大森北 Omori-kita
  世田谷区 Setagaya-ku | 154 155 156 157 158 | 03 | 三軒茶屋 Sangenjaya, 用賀 Yoga
  八王子市 Hachioji | 192 | 042 |
  立川市 Tachikawa | 190 | 042 | 曙町 Akebonocho
  武蔵野市 Musashino | 180 | 0422 | 吉祥寺本町 Kichijoji-honcho
神奈川県 Kanagawa 924 E
  横浜市西区 Nishi-ku, Yokohama | 220 | 045 | みなとみらい Minatomirai, 高島 Takashima
  横浜市中区 Naka-ku, Yokohama | 231 | 045 | 山下町 Yamashitacho, 本町 Honcho
  横浜市港北区 Kohoku-ku, Yokohama | 222 | 045 | 新横浜 Shin-Yokohama
  川崎市川崎区 Kawasaki-ku, Kawasaki | 210 | 044 | 駅前本町 Ekimae-honcho
  川崎市中原区 Nakahara-ku, Kawasaki | 211 | 044 | 小杉町 Kosugicho
  相模原市中央区 Chuo-ku, Sagamihara | 252 | 042 |
  藤沢市 Fujisawa | 251 | 0466 |
新潟県 Niigata 220 E
  新潟市中央区 Chuo-ku, Niigata | 950 951 | 025 | 万代 Bandai
  長岡市 Nagaoka | 940 | 0258 |
富山県 Toyama 103 E
  富山市 Toyama | 930 | 076 |
石川県 Ishikawa 113 W
  金沢市 Kanazawa | 920 | 076 |
福井県 Fukui 77 W
  福井市 Fukui | 910 | 0776 |
山梨県 Yamanashi 81 E
  甲府市 Kofu | 400 | 055 |
長野県 Nagano 205 E
  長野市 Nagano | 380 | 026 |
  松本市 Matsumoto | 390 | 0263 |
岐阜県 Gifu 198 W
  岐阜市 Gifu | 500 | 058 |
静岡県 Shizuoka 363 E
  静岡市葵区 Aoi-ku, Shizuoka | 420 | 054 | 紺屋町 Konyamachi
  浜松市中央区 Chuo-ku, Hamamatsu | 430 | 053 | 砂山町 Sunayamacho
愛知県 Aichi 754 W
  名古屋市中区 Naka-ku, Nagoya | 460 | 052 | 栄 Sakae, 錦 Nishiki, 丸の内 Marunouchi
  名古屋市中村区 Nakamura-ku, Nagoya | 450 453 | 052 | 名駅 Meieki, 椿町 Tsubakicho
  名古屋市東区 Higashi-ku, Nagoya | 461 | 052 | 東桜 Higashi-Sakura
  豊田市 Toyota | 471 | 0565 |
  岡崎市 Okazaki | 444 | 0564 |
三重県 Mie 177 W
  津市 Tsu | 514 | 059 |
  四日市市 Yokkaichi | 510 | 059 |
滋賀県 Shiga 141 W
  大津市 Otsu | 520 | 077 |
京都府 Kyoto 258 W
  京都市下京区 Shimogyo-ku, Kyoto | 600 | 075 | 烏丸通 Karasuma-dori
  京都市中京区 Nakagyo-ku, Kyoto | 604 | 075 | 河原町 Kawaramachi
大阪府 Osaka 884 W
  大阪市北区 Kita-ku, Osaka | 530 | 06 | 梅田 Umeda, 中之島 Nakanoshima, 堂島 Dojima
  大阪市中央区 Chuo-ku, Osaka | 540 541 542 | 06 | 本町 Honmachi, 北浜 Kitahama, 心斎橋筋 Shinsaibashisuji
  大阪市西区 Nishi-ku, Osaka | 550 | 06 | 靱本町 Utsubo-honmachi, 江戸堀 Edobori
  大阪市淀川区 Yodogawa-ku, Osaka | 532 | 06 | 西中島 Nishinakajima, 宮原 Miyahara
  堺市堺区 Sakai-ku, Sakai | 590 | 072 |
  東大阪市 Higashiosaka | 577 | 06 |
兵庫県 Hyogo 547 W
  神戸市中央区 Chuo-ku, Kobe | 650 651 | 078 | 三宮町 Sannomiyacho, 港島 Minatojima
  姫路市 Himeji | 670 | 079 |
  尼崎市 Amagasaki | 660 | 06 |
  西宮市 Nishinomiya | 662 | 0798 |
奈良県 Nara 132 W
  奈良市 Nara | 630 | 0742 |
和歌山県 Wakayama 92 W
  和歌山市 Wakayama | 640 | 073 |
鳥取県 Tottori 55 W
  鳥取市 Tottori | 680 | 0857 |
島根県 Shimane 67 W
  松江市 Matsue | 690 | 0852 |
岡山県 Okayama 189 W
  岡山市北区 Kita-ku, Okayama | 700 | 086 | 駅元町 Ekimotomachi
広島県 Hiroshima 280 W
  広島市中区 Naka-ku, Hiroshima | 730 | 082 | 紙屋町 Kamiyacho, 八丁堀 Hatchobori
  福山市 Fukuyama | 720 | 084 |
山口県 Yamaguchi 134 W
  山口市 Yamaguchi | 753 | 083 |
  下関市 Shimonoseki | 750 | 083 |
徳島県 Tokushima 72 W
  徳島市 Tokushima | 770 | 088 |
香川県 Kagawa 95 W
  高松市 Takamatsu | 760 | 087 |
愛媛県 Ehime 133 W
  松山市 Matsuyama | 790 | 089 |
高知県 Kochi 69 W
  高知市 Kochi | 780 | 088 |
福岡県 Fukuoka 510 W
  福岡市博多区 Hakata-ku, Fukuoka | 812 | 092 | 博多駅前 Hakataekimae, 博多駅東 Hakataekihigashi
  福岡市中央区 Chuo-ku, Fukuoka | 810 | 092 | 天神 Tenjin, 大名 Daimyo
  北九州市小倉北区 Kokurakita-ku, Kitakyushu | 802 | 093 | 浅野 Asano
  久留米市 Kurume | 830 | 0942 |
佐賀県 Saga 81 W
  佐賀市 Saga | 840 | 0952 |
長崎県 Nagasaki 131 W
  長崎市 Nagasaki | 850 | 095 |
熊本県 Kumamoto 174 W
  熊本市中央区 Chuo-ku, Kumamoto | 860 | 096 | 花畑町 Hanabatacho
大分県 Oita 112 W
  大分市 Oita | 870 | 097 |
宮崎県 Miyazaki 107 W
  宮崎市 Miyazaki | 880 | 0985 |
鹿児島県 Kagoshima 159 W
  鹿児島市 Kagoshima | 890 892 | 099 |
沖縄県 Okinawa 147 W
  那覇市 Naha | 900 | 098 | 久茂地 Kumoji, おもろまち Omoromachi
`

// genericTowns are used for cities without a town list. 町名 Town.
const genericTownsData = `本町 Honcho, 中央 Chuo, 栄町 Sakaemachi, 駅前 Ekimae, 緑町 Midoricho, 旭町 Asahimachi,
幸町 Saiwaicho, 元町 Motomachi, 新町 Shinmachi, 東町 Higashimachi, 西町 Nishimachi, 南町 Minamimachi,
北町 Kitamachi, 大手町 Otemachi, 桜町 Sakuramachi, 若葉 Wakaba, 昭和町 Showacho, 錦町 Nishikicho`

// buildingsData are office-building name parts: ○○ビル, ○○タワー.
const buildingsData = `第一 Daiichi, 第二 Daini, 中央 Chuo, 日興 Nikko, 朝日 Asahi, 三和 Sanwa, 明治 Meiji,
大和 Yamato, 平和 Heiwa, 太陽 Taiyo, 新光 Shinko, 丸善 Maruzen, 興和 Kowa, 協和 Kyowa, 富士 Fuji`
