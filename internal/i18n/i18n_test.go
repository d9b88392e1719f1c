package i18n

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"renkei/internal/crm"
)

// verbRe finds fmt verbs. T formats only when given arguments, so a
// message without any may contain a bare % ("110%").
var verbRe = regexp.MustCompile(`%(\[\d+\])?[-+#0]*\d*(\.\d+)?[a-zA-Z%]`)

// verbs returns the fmt verbs of a message, sorted by argument: a
// translation may reorder arguments with %[n]s, but must take the same
// ones.
func verbs(msg string) []string {
	var out []string
	n := 0
	for _, v := range verbRe.FindAllString(msg, -1) {
		if v == "%%" {
			continue
		}
		arg := n + 1
		if m := regexp.MustCompile(`\[(\d+)\]`).FindStringSubmatch(v); m != nil {
			arg = int(m[1][0] - '0')
		}
		n = arg
		for len(out) < arg {
			out = append(out, "")
		}
		out[arg-1] = v[len(v)-1:]
	}
	return out
}

// TestCatalogues: both languages have exactly the same keys, no empty
// message, and the same fmt arguments for each key.
func TestCatalogues(t *testing.T) {
	ja, en := Keys(crm.LangJA), Keys(crm.LangEN)
	inJA := map[string]bool{}
	for _, k := range ja {
		inJA[k] = true
	}
	for _, k := range en {
		if !inJA[k] {
			t.Errorf("key %q is in English only", k)
		}
		delete(inJA, k)
	}
	for k := range inJA {
		t.Errorf("key %q is in Japanese only", k)
	}
	for _, k := range en {
		m1, m2 := catalogEN[k], catalogJA[k]
		if strings.TrimSpace(m1) == "" || strings.TrimSpace(m2) == "" {
			t.Errorf("key %q has an empty message", k)
		}
		if a, b := strings.Join(verbs(m1), ","), strings.Join(verbs(m2), ","); a != b {
			t.Errorf("key %q: English takes (%s), Japanese takes (%s)", k, a, b)
		}
	}
}

// TestJapaneseVocabulary: the UI uses the vocabulary of the article the
// product is built from.
func TestJapaneseVocabulary(t *testing.T) {
	for key, want := range map[string]string{
		"nav.marketing": "マーケティング", "nav.sales": "セールス", "nav.reports": "レポート", "nav.settings": "設定",
		"stage.approach": "アプローチ", "stage.discovery": "ヒアリング", "stage.proposal": "提案",
		"stage.negotiation": "交渉", "stage.won": "受注", "stage.after_follow": "アフターフォロー",
		"section.reports.point1.title": "成約率",
	} {
		if got := T(crm.LangJA, key); got != want {
			t.Errorf("T(ja, %q) = %q, want %q", key, got, want)
		}
	}
}

func TestT(t *testing.T) {
	tests := []struct {
		lang crm.Language
		key  string
		args []any
		want string
	}{
		{crm.LangJA, "home.welcome", []any{"山田 太郎"}, "ようこそ、山田 太郎 さん"},
		{crm.LangEN, "home.welcome", []any{"Taro"}, "Welcome, Taro"},
		{crm.LangJA, "teams.remove_confirm", []any{"佐藤", "営業部"}, "佐藤 さんを 営業部 から外しますか？"},
		{crm.LangEN, "teams.remove_confirm", []any{"Sato", "Sales"}, "Remove Sato from Sales?"},
		{"fr", "nav.sales", nil, "Sales"}, // unknown language: English
		{crm.LangJA, "no.such.key", nil, "no.such.key"},
	}
	for _, tt := range tests {
		if got := T(tt.lang, tt.key, tt.args...); got != tt.want {
			t.Errorf("T(%s, %s) = %q, want %q", tt.lang, tt.key, got, tt.want)
		}
	}
}

func TestDateAndTime(t *testing.T) {
	tokyo, err := time.LoadLocation("Asia/Tokyo")
	if err != nil {
		t.Fatal(err)
	}
	d := time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)
	at := time.Date(2026, 3, 31, 23, 5, 0, 0, time.UTC) // 08:05 on April 1 in Tokyo
	tests := []struct {
		name, got, want string
	}{
		{"date ja", Date(crm.LangJA, d), "2026年4月1日"},
		{"date en", Date(crm.LangEN, d), "Apr 1, 2026"},
		{"weekday ja", DateWeekday(crm.LangJA, d), "2026年4月1日(水)"},
		{"weekday en", DateWeekday(crm.LangEN, d), "Wed, Apr 1, 2026"},
		{"datetime ja", DateTime(crm.LangJA, at, tokyo), "2026年4月1日 08:05"},
		{"datetime en", DateTime(crm.LangEN, at, tokyo), "Apr 1, 2026, 08:05"},
		{"datetime UTC", DateTime(crm.LangEN, at, time.UTC), "Mar 31, 2026, 23:05"},
		{"zero", Date(crm.LangJA, time.Time{}), ""},
		{"month ja", Month(crm.LangJA, 4), "4月"},
		{"month en", Month(crm.LangEN, 4), "April"},
		{"weekday name ja", Weekday(crm.LangJA, time.Monday), "月曜日"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s = %q, want %q", tt.name, tt.got, tt.want)
		}
	}
}

func TestMoney(t *testing.T) {
	tests := []struct {
		lang     crm.Language
		minor    int64
		currency string
		want     string
	}{
		{crm.LangJA, 1234, "JPY", "¥1,234"},
		{crm.LangEN, 1234, "jpy", "¥1,234"},
		{crm.LangJA, 0, "JPY", "¥0"},
		{crm.LangJA, -1234567, "JPY", "-¥1,234,567"},
		{crm.LangEN, 123450, "USD", "$1,234.50"},
		{crm.LangEN, 5, "EUR", "€0.05"},
		{crm.LangEN, 100000, "CHF", "1,000.00 CHF"},
		{crm.LangJA, 999, "KRW", "₩999"},
	}
	for _, tt := range tests {
		if got := Money(tt.lang, tt.minor, tt.currency); got != tt.want {
			t.Errorf("Money(%s, %d, %s) = %q, want %q", tt.lang, tt.minor, tt.currency, got, tt.want)
		}
	}
	for n, want := range map[int64]string{0: "0", 999: "999", 1000: "1,000", -1000: "-1,000", 1234567890: "1,234,567,890"} {
		if got := Number(n); got != want {
			t.Errorf("Number(%d) = %q, want %q", n, got, want)
		}
	}
}

func TestFromAcceptLanguage(t *testing.T) {
	tests := []struct {
		header string
		want   crm.Language
		ok     bool
	}{
		{"ja,en-US;q=0.9,en;q=0.8", crm.LangJA, true},
		{"ja-JP", crm.LangJA, true},
		{"en-US,en;q=0.9", crm.LangEN, true},
		{"en-GB;q=0.5, ja;q=0.8", crm.LangJA, true},
		{"fr-FR", "", false},
		{"", "", false},
	}
	for _, tt := range tests {
		got, ok := FromAcceptLanguage(tt.header)
		if got != tt.want || ok != tt.ok {
			t.Errorf("FromAcceptLanguage(%q) = %q, %v; want %q, %v", tt.header, got, ok, tt.want, tt.ok)
		}
	}
}

func TestError(t *testing.T) {
	tests := []struct {
		lang      crm.Language
		msg, want string
	}{
		{crm.LangJA, "is required", "入力してください。"},
		{crm.LangEN, "is required", "Please fill this in."},
		{crm.LangEN, "the current password is not right", "The current password is not right."},
		{crm.LangJA, "a message nobody translated", "A message nobody translated."},
	}
	for _, tt := range tests {
		if got := Error(tt.lang, tt.msg); got != tt.want {
			t.Errorf("Error(%s, %q) = %q, want %q", tt.lang, tt.msg, got, tt.want)
		}
	}
	for _, m := range ErrorMessages() {
		if ja := Error(crm.LangJA, m); ja == sentence(m) || !strings.HasSuffix(ja, "。") && !strings.HasSuffix(ja, "）") {
			t.Errorf("Japanese for %q is %q: not translated, or not a sentence", m, ja)
		}
	}
}
