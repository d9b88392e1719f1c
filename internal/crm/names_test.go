package crm

import (
	"strings"
	"testing"

	"golang.org/x/text/unicode/norm"
)

func TestPersonNameDisplay(t *testing.T) {
	tests := []struct {
		n    PersonName
		lang Language
		want string
	}{
		{PersonName{Family: "山田", Given: "太郎"}, LangJA, "山田 太郎"},
		{PersonName{Family: "山田", Given: "太郎"}, LangEN, "山田 太郎"},
		{PersonName{Family: "Yamada", Given: "Taro"}, LangEN, "Taro Yamada"},
		{PersonName{Family: "Yamada", Given: "Taro"}, LangJA, "Yamada Taro"},
		{PersonName{Given: "Taro"}, LangEN, "Taro"},
		{PersonName{Family: " 佐藤 "}, LangJA, "佐藤"},
	}
	for _, tt := range tests {
		if got := tt.n.Display(tt.lang); got != tt.want {
			t.Errorf("%+v.Display(%s) = %q, want %q", tt.n, tt.lang, got, tt.want)
		}
	}
}

func TestNormalizeReading(t *testing.T) {
	tests := []struct{ in, want string }{
		{"ﾔﾏﾀﾞ", "ヤマダ"},
		{"やまだ", "ヤマダ"},
		{" ヤマダ　 タロウ ", "ヤマダ タロウ"},
		{"ｻﾄｳ", "サトウ"},
		{"ゔぁ", "ヴァ"},
	}
	for _, tt := range tests {
		if got := NormalizeReading(tt.in); got != tt.want {
			t.Errorf("NormalizeReading(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestCompanyKeySameCompany(t *testing.T) {
	spellings := []string{
		"株式会社テスト商事", "テスト商事株式会社", "㈱テスト商事", "(株)テスト商事", "（株）テスト商事",
		"テスト商事 Co., Ltd.", "テスト商事 K.K.", "テスト商事", "ﾃｽﾄ商事株式会社",
	}
	_, _, want := CompanyKey(spellings[0])
	if want != "テスト商事" {
		t.Fatalf("key of %q = %q", spellings[0], want)
	}
	for _, s := range spellings[1:] {
		if _, _, got := CompanyKey(s); got != want {
			t.Errorf("CompanyKey(%q) = %q, want %q", s, got, want)
		}
	}
	en := []string{"Acme Co., Ltd.", "ACME K.K.", "acme", "Acme Ltd", "Acme Kabushiki Kaisha"}
	for _, s := range en {
		if _, _, got := CompanyKey(s); got != "acme" {
			t.Errorf("CompanyKey(%q) = %q, want acme", s, got)
		}
	}
	// Words that merely end like a form are not cut.
	if _, form, got := CompanyKey("Bankk"); got != "bankk" || form != "" {
		t.Errorf("CompanyKey(Bankk) = %q %q", got, form)
	}
	base, form, _ := CompanyKey("㈱テスト商事")
	if base != "テスト商事" || form != "株式会社" {
		t.Errorf("base, form = %q, %q", base, form)
	}
}

func TestLegalFormMarkersAreNormalized(t *testing.T) {
	for _, lf := range legalForms {
		if got := strings.ToLower(norm.NFKC.String(lf.marker)); got != lf.marker {
			t.Errorf("marker %q is not in NFKC lower-case form (%q): CompanyKey would never match it", lf.marker, got)
		}
	}
}
