package gen

import "strings"

// romaji spells a katakana reading in the Hepburn style that Japanese
// e-mail addresses and domains use: long vowels are not written (サトウ →
// sato, オオタ → ota, ユウコ → yuko), ッ doubles the next consonant (ハットリ →
// hattori), ン is always n. A ウ or オ that starts a new syllable before a
// ア or エ stays (イノウエ → inoue).
func romaji(kana string) string {
	rs := []rune(kana)
	var b strings.Builder
	double := false
	lastVowel := byte(0)
	for i := 0; i < len(rs); i++ {
		r := rs[i]
		// Two-kana syllables: キャ, シュ, チョ, ファ, ティ, …
		var syl string
		if i+1 < len(rs) {
			if s, ok := kanaPairs[string(rs[i:i+2])]; ok {
				syl, i = s, i+1
			}
		}
		if syl == "" {
			switch r {
			case 'ッ':
				double = true
				continue
			case 'ー':
				continue
			}
			s, ok := kanaSingle[r]
			if !ok {
				// Not katakana (a space, a letter): keep ASCII letters.
				if r < 0x80 {
					b.WriteRune(r)
				}
				lastVowel = 0
				continue
			}
			syl = s
			// Long vowels: オウ, オオ, ウウ are one long o / u unless ア or エ
			// follows (then the kana starts a new word part: イノウエ).
			nextIsVowel := i+1 < len(rs) && strings.ContainsRune("アエ", rs[i+1])
			if (r == 'ウ' && (lastVowel == 'o' || lastVowel == 'u') || r == 'オ' && lastVowel == 'o') && !nextIsVowel {
				continue
			}
		}
		if double && syl[0] != 'a' && syl[0] != 'i' && syl[0] != 'u' && syl[0] != 'e' && syl[0] != 'o' {
			if strings.HasPrefix(syl, "ch") {
				b.WriteByte('t')
			} else {
				b.WriteByte(syl[0])
			}
		}
		double = false
		b.WriteString(syl)
		lastVowel = syl[len(syl)-1]
	}
	return b.String()
}

var kanaSingle = map[rune]string{
	'ア': "a", 'イ': "i", 'ウ': "u", 'エ': "e", 'オ': "o",
	'カ': "ka", 'キ': "ki", 'ク': "ku", 'ケ': "ke", 'コ': "ko",
	'ガ': "ga", 'ギ': "gi", 'グ': "gu", 'ゲ': "ge", 'ゴ': "go",
	'サ': "sa", 'シ': "shi", 'ス': "su", 'セ': "se", 'ソ': "so",
	'ザ': "za", 'ジ': "ji", 'ズ': "zu", 'ゼ': "ze", 'ゾ': "zo",
	'タ': "ta", 'チ': "chi", 'ツ': "tsu", 'テ': "te", 'ト': "to",
	'ダ': "da", 'ヂ': "ji", 'ヅ': "zu", 'デ': "de", 'ド': "do",
	'ナ': "na", 'ニ': "ni", 'ヌ': "nu", 'ネ': "ne", 'ノ': "no",
	'ハ': "ha", 'ヒ': "hi", 'フ': "fu", 'ヘ': "he", 'ホ': "ho",
	'バ': "ba", 'ビ': "bi", 'ブ': "bu", 'ベ': "be", 'ボ': "bo",
	'パ': "pa", 'ピ': "pi", 'プ': "pu", 'ペ': "pe", 'ポ': "po",
	'マ': "ma", 'ミ': "mi", 'ム': "mu", 'メ': "me", 'モ': "mo",
	'ヤ': "ya", 'ユ': "yu", 'ヨ': "yo",
	'ラ': "ra", 'リ': "ri", 'ル': "ru", 'レ': "re", 'ロ': "ro",
	'ワ': "wa", 'ヲ': "o", 'ン': "n", 'ヴ': "vu",
	'ァ': "a", 'ィ': "i", 'ゥ': "u", 'ェ': "e", 'ォ': "o",
}

var kanaPairs = map[string]string{
	"キャ": "kya", "キュ": "kyu", "キョ": "kyo", "ギャ": "gya", "ギュ": "gyu", "ギョ": "gyo",
	"シャ": "sha", "シュ": "shu", "ショ": "sho", "ジャ": "ja", "ジュ": "ju", "ジョ": "jo", "シェ": "she", "ジェ": "je",
	"チャ": "cha", "チュ": "chu", "チョ": "cho", "チェ": "che",
	"ニャ": "nya", "ニュ": "nyu", "ニョ": "nyo", "ヒャ": "hya", "ヒュ": "hyu", "ヒョ": "hyo",
	"ビャ": "bya", "ビュ": "byu", "ビョ": "byo", "ピャ": "pya", "ピュ": "pyu", "ピョ": "pyo",
	"ミャ": "mya", "ミュ": "myu", "ミョ": "myo", "リャ": "rya", "リュ": "ryu", "リョ": "ryo",
	"ファ": "fa", "フィ": "fi", "フェ": "fe", "フォ": "fo", "ティ": "ti", "ディ": "di", "デュ": "dyu",
	"ウィ": "wi", "ウェ": "we", "ウォ": "wo", "ヴァ": "va", "ヴィ": "vi", "ヴェ": "ve", "ヴォ": "vo",
}
