package web

import (
	"testing"

	"renkei/internal/crm"
	"renkei/internal/i18n"
)

func TestParseAmount(t *testing.T) {
	for _, tt := range []struct {
		in, cur string
		want    int64
		bad     bool
	}{
		{"1,200,000", "JPY", 1_200_000, false},
		{"¥1,200,000", "JPY", 1_200_000, false},
		{"１２０万", "JPY", 0, true},
		{"1200000円", "JPY", 1_200_000, false},
		{"12.5", "JPY", 0, true},
		{"1,234.50", "USD", 123_450, false},
		{"$1234.5", "USD", 123_450, false},
		{"1234", "USD", 123_400, false},
		{"1.234", "USD", 0, true},
		{"-5", "JPY", 0, true},
		{"", "JPY", 0, false},
	} {
		got, err := parseAmount(tt.in, tt.cur)
		if (err != nil) != tt.bad || got != tt.want {
			t.Errorf("parseAmount(%q, %s) = %d, %v; want %d (error %v)", tt.in, tt.cur, got, err, tt.want, tt.bad)
		}
		if err == nil && tt.in != "" {
			// What the form shows reads back to the same amount.
			if back, err := parseAmount(amountInput(got, tt.cur), tt.cur); err != nil || back != got {
				t.Errorf("amountInput(%d) = %q reads back as %d, %v", got, amountInput(got, tt.cur), back, err)
			}
		}
	}
	// JPY has no decimals on screen, in either language.
	for _, lang := range []crm.Language{crm.LangJA, crm.LangEN} {
		if got := i18n.Money(lang, 1_200_000, "JPY"); got != "¥1,200,000" {
			t.Errorf("Money(%s, JPY) = %q", lang, got)
		}
		if got := i18n.Money(lang, 123_450, "USD"); got != "$1,234.50" {
			t.Errorf("Money(%s, USD) = %q", lang, got)
		}
	}
}
