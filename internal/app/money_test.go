package app

import (
	"testing"
	"time"

	"renkei/internal/crm"
)

func TestConverter(t *testing.T) {
	day := func(m time.Month, d int) time.Time { return time.Date(2026, m, d, 0, 0, 0, 0, time.UTC) }
	c := NewConverter("JPY", []crm.ExchangeRate{
		{Currency: "USD", Rate: 150, ValidFrom: day(4, 1)},
		{Currency: "USD", Rate: 140, ValidFrom: day(1, 1)},
		{Currency: "EUR", Rate: 160.5, ValidFrom: day(1, 1)},
	})
	cases := []struct {
		amount   int64
		currency string
		at       time.Time
		want     int64
		ok       bool
	}{
		{1_200_000, "JPY", day(5, 1), 1_200_000, true},
		{123_450, "USD", day(5, 1), 185_175, true},           // $1,234.50 × 150 = ¥185,175
		{123_450, "USD", day(2, 1), 172_830, true},           // × 140 before April
		{100, "USD", day(1, 1).AddDate(0, 0, -5), 140, true}, // before all rates: the earliest
		{1_000, "EUR", day(6, 1), 1_605, true},               // €10.00 × 160.5
		{5_000, "GBP", day(6, 1), 0, false},
	}
	for _, k := range cases {
		got, ok := c.ToBase(k.amount, k.currency, k.at)
		if got != k.want || ok != k.ok {
			t.Errorf("ToBase(%d %s, %s) = %d, %v; want %d, %v", k.amount, k.currency, k.at.Format("01-02"), got, ok, k.want, k.ok)
		}
	}
	usd := NewConverter("USD", []crm.ExchangeRate{{Currency: "JPY", Rate: 0.0067, ValidFrom: day(1, 1)}})
	if got, _ := usd.ToBase(1_000_000, "JPY", day(3, 1)); got != 670_000 { // ¥1,000,000 × 0.0067 = $6,700.00
		t.Errorf("JPY to USD = %d, want 670000", got)
	}
}
