package gen

// Company names are a stem and a business word. Japanese lines are
// "漢字 カタカナ [romaji]" (romaji only where the reading does not give the
// usual spelling of a domain); business words add the industry key.
// English lines are "Word カタカナ".

const companyStemsJA = `
東洋 トウヨウ
日本 ニホン
大和 ヤマト
富士 フジ
三光 サンコウ
中央 チュウオウ
協和 キョウワ
太平洋 タイヘイヨウ
北斗 ホクト
東亜 トウア
昭和 ショウワ
明星 メイセイ
旭 アサヒ
朝日 アサヒ
光 ヒカリ
青葉 アオバ
若葉 ワカバ
白鳥 シラトリ
桜 サクラ
さくら サクラ
ひかり ヒカリ
みらい ミライ
あおぞら アオゾラ
大同 ダイドウ
共栄 キョウエイ
共進 キョウシン
第一 ダイイチ
日進 ニッシン
日興 ニッコウ
三和 サンワ
丸山 マルヤマ
山田 ヤマダ
高橋 タカハシ
松本 マツモト
中村 ナカムラ
西日本 ニシニホン
東日本 ヒガシニホン
関東 カントウ
関西 カンサイ
九州 キュウシュウ
北海道 ホッカイドウ
中部 チュウブ
湘南 ショウナン
瀬戸内 セトウチ
信州 シンシュウ
京浜 ケイヒン
阪神 ハンシン
千代田 チヨダ
浪速 ナニワ
常盤 トキワ
栄光 エイコウ
創和 ソウワ
誠和 セイワ
和光 ワコウ
興和 コウワ
正和 セイワ
泰平 タイヘイ
晴海 ハルミ
葵 アオイ
銀河 ギンガ
星光 セイコウ
翔栄 ショウエイ
錦 ニシキ
国際 コクサイ
新光 シンコウ
日東 ニットウ
東邦 トウホウ
南海 ナンカイ
北陸 ホクリク
三栄 サンエイ
八洲 ヤシマ
大洋 タイヨウ
双葉 フタバ
緑 ミドリ
富士見 フジミ
琴平 コトヒラ
岩瀬 イワセ
武蔵 ムサシ
相模 サガミ
出雲 イズモ
`

const companyWordsJA = `
電機 デンキ manufacturing
工業 コウギョウ manufacturing
製作所 セイサクショ manufacturing
精機 セイキ manufacturing
化学 カガク manufacturing
電子 デンシ manufacturing
産業 サンギョウ manufacturing
機械 キカイ manufacturing
電工 デンコウ manufacturing
計器 ケイキ manufacturing
化成 カセイ manufacturing
繊維 センイ manufacturing
製紙 セイシ manufacturing
印刷 インサツ manufacturing
自動車部品 ジドウシャブヒン manufacturing
商事 ショウジ wholesale
物産 ブッサン wholesale
商会 ショウカイ wholesale
興産 コウサン wholesale
トレーディング トレーディング wholesale trading
建設 ケンセツ construction
工務店 コウムテン construction
設計 セッケイ construction
電設 デンセツ construction
不動産 フドウサン realestate
地所 ジショ realestate
運輸 ウンユ logistics
物流 ブツリュウ logistics
倉庫 ソウコ logistics
ロジスティクス ロジスティクス logistics logistics
食品 ショクヒン food
酒造 シュゾウ food
水産 スイサン food
製菓 セイカ food
製薬 セイヤク healthcare
薬品 ヤクヒン healthcare
メディカル メディカル healthcare medical
介護サービス カイゴサービス healthcare kaigo
システム システム it system
ソフト ソフト it soft
情報システム ジョウホウシステム it joho-system
ネットワークス ネットワークス it networks
テクノロジー テクノロジー it technology
ソリューションズ ソリューションズ it solutions
データ データ it data
通信 ツウシン it
広告 コウコク services
コンサルティング コンサルティング services consulting
人材サービス ジンザイサービス services jinzai
企画 キカク services
教育 キョウイク education
学習社 ガクシュウシャ education
保険サービス ホケンサービス finance hoken
ファイナンス ファイナンス finance finance
リース リース finance lease
`

const companyStemsEN = `
Northwind ノースウィンド
Blue_Ocean ブルーオーシャン
Summit サミット
Pioneer パイオニア
Apex エイペックス
Crescent クレセント
Evergreen エバーグリーン
Silverline シルバーライン
Horizon ホライズン
Nova ノヴァ
Vertex バーテックス
Atlas アトラス
Sakura サクラ
Kaizen カイゼン
Zenith ゼニス
Redwood レッドウッド
Brightpath ブライトパス
Cobalt コバルト
Meridian メリディアン
Orchid オーキッド
Polaris ポラリス
Quantum クオンタム
Riverside リバーサイド
Sunrise サンライズ
Tidewater タイドウォーター
Unity ユニティ
Granite グラナイト
Harbor ハーバー
Lumen ルーメン
Falcon ファルコン
Aurora オーロラ
Cedar シーダー
Pacific_Rim パシフィックリム
Keystone キーストーン
Bluebird ブルーバード
Maple メープル
Starlight スターライト
Nimbus ニンバス
Oakridge オークリッジ
Kite カイト
`

const companyWordsEN = `
Systems システムズ it
Technologies テクノロジーズ it
Software ソフトウェア it
Networks ネットワークス it
Analytics アナリティクス it
Labs ラボ it
Cloud クラウド it
Solutions ソリューションズ services
Consulting コンサルティング services
Partners パートナーズ services
Media メディア services
Trading トレーディング wholesale
Imports インポーツ wholesale
Logistics ロジスティクス logistics
Freight フレイト logistics
Manufacturing マニュファクチャリング manufacturing
Robotics ロボティクス manufacturing
Materials マテリアルズ manufacturing
Devices デバイシズ manufacturing
Foods フーズ food
Beverages ビバレッジズ food
Medical メディカル healthcare
Health ヘルス healthcare
Capital キャピタル finance
Insurance インシュアランス finance
Realty リアルティ realestate
Properties プロパティーズ realestate
Builders ビルダーズ construction
Learning ラーニング education
Academy アカデミー education
`

// industriesData: key | 日本語 | English | fit with the ideal customer (0–1) | employees scale.
const industriesData = `
it | 情報通信業 | IT & Telecom | 0.9 | 1.0
manufacturing | 製造業 | Manufacturing | 0.75 | 1.6
wholesale | 卸売・小売業 | Wholesale & Retail | 0.6 | 1.0
services | サービス業 | Professional Services | 0.7 | 0.8
construction | 建設業 | Construction | 0.4 | 1.0
realestate | 不動産業 | Real Estate | 0.45 | 0.6
logistics | 運輸・物流業 | Transport & Logistics | 0.5 | 1.2
food | 食品 | Food & Beverage | 0.45 | 1.1
healthcare | 医療・福祉 | Healthcare | 0.4 | 1.2
education | 教育・学習支援 | Education | 0.35 | 0.7
finance | 金融・保険業 | Finance & Insurance | 0.55 | 1.4
`

// Job titles: title | seniority (1 staff … 5 executive) | weight.
const titlesJA = `
 | 1 | 22
主任 | 2 | 12
係長 | 2 | 7
リーダー | 2 | 6
課長代理 | 3 | 5
課長 | 3 | 14
マネージャー | 3 | 8
次長 | 3 | 3
室長 | 4 | 2
部長 | 4 | 11
本部長 | 4 | 3
執行役員 | 5 | 2
取締役 | 5 | 3
代表取締役 | 5 | 2
代表取締役社長 | 5 | 1
`

const titlesEN = `
Account Executive | 1 | 8
Business Analyst | 1 | 6
Software Engineer | 1 | 6
Marketing Specialist | 1 | 7
Sales Representative | 1 | 7
Team Lead | 2 | 6
Product Manager | 3 | 6
Marketing Manager | 3 | 9
Sales Manager | 3 | 9
IT Manager | 3 | 7
Operations Manager | 3 | 5
Procurement Manager | 3 | 4
Director of Sales | 4 | 4
Head of Marketing | 4 | 4
General Manager | 4 | 4
VP Sales | 5 | 2
CTO | 5 | 2
COO | 5 | 1
CEO | 5 | 2
Founder | 5 | 1
`

// Departments: 日本語 | English | weight.
const departmentsData = `
営業部 | Sales | 20
営業企画部 | Sales Planning | 6
マーケティング部 | Marketing | 14
販売促進部 | Sales Promotion | 4
広報部 | Public Relations | 3
情報システム部 | IT | 12
DX推進室 | Digital Transformation | 5
経営企画部 | Corporate Planning | 7
総務部 | General Affairs | 6
人事部 | Human Resources | 4
経理部 | Finance | 4
購買部 | Procurement | 4
製造部 | Production | 4
開発部 | Engineering | 6
カスタマーサクセス部 | Customer Success | 4
事業開発部 | Business Development | 5
`

// Tags: key | 日本語 | English.
const tagsData = `
tradeshow | 展示会 | Trade show
webinar | ウェビナー | Webinar
vip | VIP | VIP
customer | 既存顧客 | Existing customer
materials | 資料請求 | Requested materials
decision_maker | 決裁者 | Decision maker
competitor | 競合利用中 | Uses a competitor
newsletter | ニュースレター | Newsletter
follow_up | 要フォロー | Follow up
partner | パートナー | Partner
`

// Sales notes, in the words of the reference article on marketing and
// sales: group | 日本語 | English. Groups: handoff (an MQL from marketing),
// early (sales' own new lead), mid (being worked), late (proposal, negotiation), won (after the contract).
const notesData = `
handoff | マーケティング部からの引き継ぎ。資料請求の内容を確認済み。 | Handed over by marketing; read what they downloaded.
handoff | MQLとして受領。まずは電話でヒアリングの日程を調整。 | Received as an MQL; setting up a discovery call.
handoff | 資料ダウンロードの後、料金ページを何度も閲覧している。温度感は高め。 | Visited the pricing page several times after the download; seems keen.
early | 初回の電話。担当者は不在のため、来週あらためて連絡。 | First call; not available, will call again next week.
early | メールで挨拶と会社紹介を送付。 | Sent an introduction e-mail.
early | 温度感はまだ低め。ナーチャリングを継続。 | Still lukewarm; keep nurturing.
early | 展示会ブースで名刺交換。製品デモに関心あり。 | Exchanged cards at the booth; interested in a demo.
mid | ヒアリング実施。課題は見込み客の管理が属人化していること。 | Discovery call: leads are tracked in personal spreadsheets.
mid | 現在は競合製品を利用中。更新時期は来年3月。 | Uses a competitor today; renewal next March.
mid | オンラインでデモを実施。マーケティング部長も同席。 | Ran an online demo; their head of marketing joined.
mid | 予算は下期で確保予定とのこと。 | Budget expected in the second half.
mid | 温度感高め。導入事例を送付。 | Warm lead; sent customer stories.
late | 提案書を送付。来週の定例で検討いただく。 | Sent the proposal; they discuss it at next week's meeting.
late | 価格交渉中。年間契約での割引を相談。 | Negotiating price; asked about an annual-contract discount.
late | 決裁は来月の役員会。稟議書の作成を支援。 | Decision at next month's board; helping with the approval memo.
late | 見積を再提出。ユーザー数を50から80に変更。 | Re-sent the quote: 80 users instead of 50.
won | 契約締結。キックオフを来週に設定。 | Contract signed; kickoff next week.
won | アフターフォローの初回訪問。運用は順調。 | First follow-up visit; everything runs well.
won | 追加ライセンスの相談あり。 | Asked about additional licences.
lost | 今回は見送り。予算が確保できなかったため。半年後に再連絡。 | Not now: no budget. Call again in six months.
lost | 競合製品に決定とのこと。理由は価格。 | Chose a competitor, on price.
`

// Where marketing found people. Trade shows and webinars get a date in the
// story; forms are pages of the company's site.
const eventsData = `
DX総合展 春 | DX Expo Spring
営業支援EXPO | Sales Tech Expo
マーケティングWeek 秋 | Marketing Week Autumn
地方創生ITフェア | Regional IT Fair
`

const webinarsData = `
インサイドセールス立ち上げ実践講座 | Building an inside-sales team
MAツール選定のポイント | Choosing a marketing automation tool
営業とマーケティングの連携で成約率を上げる | Better win rates when sales and marketing work together
見積業務の効率化 | Faster quotes
名刺管理からはじめる顧客データ活用 | From business cards to customer data
`

const formsData = `
資料請求 | Request materials | /download/catalog
お問い合わせ | Contact us | /contact
ホワイトペーパー「BtoBマーケティング入門」 | White paper: B2B marketing basics | /whitepaper/b2b-marketing
無料トライアル申込 | Free trial | /trial
料金表ダウンロード | Price list | /pricing
`

// Custom property choices: 日本語 | English.
const productInterestData = `
MA | Marketing automation
SFA | Sales force automation
顧客管理 | CRM
見積・請求 | Quotes & invoices
メール配信 | E-mail marketing
アンケート | Surveys
`

const purchaseTimingData = `
3か月以内 | Within 3 months
半年以内 | Within 6 months
1年以内 | Within a year
未定 | Undecided
`

const plansData = `
ライト | Lite
スタンダード | Standard
エンタープライズ | Enterprise
`

// Why sales turns an MQL down: 日本語 | English.
const rejectReasonsData = `
予算なし | No budget
対象外の業種 | Not our market
連絡がつかない | Unreachable
情報収集のみ | Just researching
`

// Original sources and how often each brings people in (55% marketing,
// 45% outbound): source | weight.
const sourcesData = `
web_form | 22
event | 11
campaign | 8
email | 4
tracked_visit | 3
survey | 2
import_marketing | 5
manual | 18
business_card | 15
import_sales | 9
api | 3
`
