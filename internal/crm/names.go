package crm

import (
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// PersonName is a person's name in parts, as Japanese business records keep
// it: family and given names with their readings (フリガナ).
type PersonName struct {
	Family, Given               string
	FamilyReading, GivenReading string
}

// Display returns the name in the order of the language: 山田 太郎 in
// Japanese, Taro Yamada in English. Names written in Japanese script keep
// family-first order in English too, as Japanese business cards do.
func (n PersonName) Display(lang Language) string {
	f, g := strings.TrimSpace(n.Family), strings.TrimSpace(n.Given)
	switch {
	case f == "":
		return g
	case g == "":
		return f
	case lang == LangJA || hasJapaneseScript(f+g):
		return f + " " + g
	default:
		return g + " " + f
	}
}

// Reading returns the full reading, family first, in katakana.
func (n PersonName) Reading() string {
	f, g := NormalizeReading(n.FamilyReading), NormalizeReading(n.GivenReading)
	return strings.TrimSpace(f + " " + g)
}

// NormalizeReading brings a reading to one form for sorting and search:
// NFKC (half-width ｶﾀｶﾅ to full-width), hiragana to katakana, spaces folded.
func NormalizeReading(s string) string {
	s = norm.NFKC.String(strings.TrimSpace(s))
	var b strings.Builder
	b.Grow(len(s))
	space := false
	for _, r := range s {
		switch {
		case unicode.IsSpace(r):
			space = true
			continue
		case r >= 'ぁ' && r <= 'ゖ':
			r += 'ァ' - 'ぁ'
		}
		if space && b.Len() > 0 {
			b.WriteByte(' ')
		}
		space = false
		b.WriteRune(r)
	}
	return b.String()
}

func hasJapaneseScript(s string) bool {
	for _, r := range s {
		if unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana) {
			return true
		}
	}
	return false
}

// legalForms are the company-form markers recognised for duplicate
// detection, longest first within each group so that "Co., Ltd." wins over
// "Ltd.". Values are the canonical form. Markers are written in NFKC form
// (㈱ and （株） both become (株)), because names are normalised first.
var legalForms = []struct{ marker, form string }{
	{"株式会社", "株式会社"}, {"(株)", "株式会社"},
	{"有限会社", "有限会社"}, {"(有)", "有限会社"},
	{"合同会社", "合同会社"}, {"(同)", "合同会社"},
	{"合資会社", "合資会社"}, {"合名会社", "合名会社"},
	{"一般社団法人", "一般社団法人"}, {"一般財団法人", "一般財団法人"},
	{"特定非営利活動法人", "NPO法人"}, {"npo法人", "NPO法人"},
	{"co., ltd.", "株式会社"}, {"co.,ltd.", "株式会社"}, {"co., ltd", "株式会社"}, {"co.,ltd", "株式会社"},
	{"co. ltd.", "株式会社"}, {"company limited", "株式会社"}, {"kabushiki kaisha", "株式会社"},
	{"k.k.", "株式会社"}, {"kk", "株式会社"}, {"ltd.", "株式会社"}, {"ltd", "株式会社"},
	{"inc.", "Inc."}, {"inc", "Inc."}, {"corporation", "Corporation"}, {"corp.", "Corporation"},
	{"llc", "合同会社"}, {"g.k.", "合同会社"}, {"gk", "合同会社"},
}

// CompanyKey splits a company name into its base name and legal form and
// returns a key for duplicate detection, so that 株式会社○○, ○○株式会社,
// ㈱○○, ○○ Co., Ltd. and ○○ K.K. all share one key. The key is the base
// name in NFKC, lower case, without spaces and punctuation.
func CompanyKey(name string) (base, form, key string) {
	s := norm.NFKC.String(strings.TrimSpace(name))
	lower := strings.ToLower(s)
	for changed := true; changed; {
		changed = false
		for _, lf := range legalForms {
			m := lf.marker
			if strings.HasPrefix(lower, m) && (len(lower) == len(m) || !isWordByte(lower[len(m)]) || !isASCIIWord(m)) {
				s, lower, form, changed = strings.TrimSpace(s[len(m):]), strings.TrimSpace(lower[len(m):]), lf.form, true
				break
			}
			if strings.HasSuffix(lower, m) && (len(lower) == len(m) || !isWordByte(lower[len(lower)-len(m)-1]) || !isASCIIWord(m)) {
				s, lower, form, changed = strings.TrimSpace(s[:len(s)-len(m)]), strings.TrimSpace(lower[:len(lower)-len(m)]), lf.form, true
				break
			}
		}
		s, lower = strings.TrimRight(s, " ,"), strings.TrimRight(lower, " ,")
	}
	var k strings.Builder
	for _, r := range lower {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			k.WriteRune(r)
		}
	}
	return s, form, k.String()
}

func isWordByte(b byte) bool {
	return b >= 'a' && b <= 'z' || b >= '0' && b <= '9'
}

func isASCIIWord(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}
