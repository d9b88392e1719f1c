package app

import (
	"context"
	"math"
	"sort"
	"time"

	"renkei/internal/crm"
	"renkei/internal/i18n"
)

// Converter turns amounts in other currencies into the workspace's base
// currency with the entered exchange rates, for reports that add them up.
type Converter struct {
	Base  string
	rates map[string][]crm.ExchangeRate // per currency, oldest first
}

// Converter loads the base currency and the rates.
func (a *App) Converter(ctx context.Context) (Converter, error) {
	ws, _, err := a.Workspace(ctx)
	if err != nil {
		return Converter{}, err
	}
	rates, err := a.Store.ExchangeRates(ctx)
	if err != nil {
		return Converter{}, err
	}
	return NewConverter(ws.BaseCurrency, rates), nil
}

// NewConverter builds a converter from a base currency and rates.
func NewConverter(base string, rates []crm.ExchangeRate) Converter {
	c := Converter{Base: base, rates: map[string][]crm.ExchangeRate{}}
	for _, r := range rates {
		c.rates[r.Currency] = append(c.rates[r.Currency], r)
	}
	for _, rs := range c.rates {
		sort.Slice(rs, func(i, j int) bool { return rs[i].ValidFrom.Before(rs[j].ValidFrom) })
	}
	return c
}

// ToBase converts amount (minor units of currency) into minor units of the
// base currency with the rate valid at `at` (the latest rate that starts on
// or before it; the earliest rate when at is before all of them). ok is
// false when the currency has no rate at all: callers leave the amount out
// and say so.
func (c Converter) ToBase(amount int64, currency string, at time.Time) (int64, bool) {
	if currency == c.Base || currency == "" {
		return amount, true
	}
	rs := c.rates[currency]
	if len(rs) == 0 {
		return 0, false
	}
	rate := rs[0].Rate
	for _, r := range rs {
		if r.ValidFrom.After(at) {
			break
		}
		rate = r.Rate
	}
	major := float64(amount) / math.Pow10(i18n.MinorDigits(currency))
	return int64(math.Round(major * rate * math.Pow10(i18n.MinorDigits(c.Base)))), true
}
