package crm

import (
	"testing"
)

// mixed is the document of the rounding tests: 10% and 8% lines with line
// discounts, an exempt line and a 5% quote-level discount.
func mixed(r Rounding) TaxInput {
	return TaxInput{Mode: TaxExclusive, Rounding: r, Discount: Discount{Percent: true, Value: 500},
		Lines: []TaxLine{
			{Quantity: 300, UnitPrice: 12345, Discount: Discount{Percent: true, Value: 1000}, Category: TaxStandard},
			{Quantity: 250, UnitPrice: 1001, Discount: Discount{Value: 100}, Category: TaxReduced},
			{Quantity: 100, UnitPrice: 5000, Category: TaxExempt},
		}}
}

func TestComputeTaxRounding(t *testing.T) {
	tests := []struct {
		name  string
		in    TaxInput
		lines []int64 // line nets
		disc  int64
		rates []RateTotal
		tax   int64
		total int64
	}{
		{
			// Line 1: 3 × 12,345 = 37,035; 10% off = 3,703.5 → 3,703; net 33,332.
			// Line 2: 2.5 × 1,001 = 2,502.5 → 2,502; − 100 = 2,402.
			// Line 3: 1 × 5,000 = 5,000.
			// Subtotal 33,332 + 2,402 + 5,000 = 40,734; 5% = 2,036.7 → 2,036.
			// Shares: 2,036 × 33,332 / 40,734 = 1,666.03 → 1,666; × 2,402 / 40,734 = 120.06 → 120;
			// × 5,000 / 40,734 = 249.91 → 249; 1 yen left goes to the largest remainder (exempt) → 250.
			// 10%: 33,332 − 1,666 = 31,666; tax 3,166.6 → 3,166.
			// 8%: 2,402 − 120 = 2,282; tax 182.56 → 182. Exempt: 5,000 − 250 = 4,750.
			// Total 31,666 + 3,166 + 2,282 + 182 + 4,750 = 42,046.
			name: "floor", in: mixed(RoundFloor), lines: []int64{33332, 2402, 5000}, disc: 2036,
			rates: []RateTotal{
				{Category: TaxStandard, Rate: 10, Lines: 33332, Discount: 1666, Base: 31666, Tax: 3166, Total: 34832},
				{Category: TaxReduced, Rate: 8, Lines: 2402, Discount: 120, Base: 2282, Tax: 182, Total: 2464},
				{Category: TaxExempt, Rate: 0, Lines: 5000, Discount: 250, Base: 4750, Tax: 0, Total: 4750},
			},
			tax: 3348, total: 42046,
		},
		{
			// Line 1: 3,703.5 → 3,704; net 33,331. Line 2: 2,502.5 → 2,503; net 2,403.
			// Subtotal 33,331 + 2,403 + 5,000 = 40,734; 5% = 2,036.7 → 2,037.
			// Shares: 2,037 × 33,331 / 40,734 = 1,666.79 → 1,666; × 2,403 / 40,734 = 120.17 → 120;
			// × 5,000 / 40,734 = 250.04 → 250; 1 yen left → largest remainder (10%) → 1,667.
			// 10%: 33,331 − 1,667 = 31,664; tax 3,166.4 → 3,166.
			// 8%: 2,403 − 120 = 2,283; tax 182.64 → 183. Exempt 4,750.
			// Total 31,664 + 3,166 + 2,283 + 183 + 4,750 = 42,046.
			name: "half-up", in: mixed(RoundHalfUp), lines: []int64{33331, 2403, 5000}, disc: 2037,
			rates: []RateTotal{
				{Category: TaxStandard, Rate: 10, Lines: 33331, Discount: 1667, Base: 31664, Tax: 3166, Total: 34830},
				{Category: TaxReduced, Rate: 8, Lines: 2403, Discount: 120, Base: 2283, Tax: 183, Total: 2466},
				{Category: TaxExempt, Rate: 0, Lines: 5000, Discount: 250, Base: 4750, Tax: 0, Total: 4750},
			},
			tax: 3349, total: 42046,
		},
		{
			// As half-up for the lines and the discount (each fraction rounds up);
			// 10% tax 3,166.4 → 3,167; 8% tax 182.64 → 183.
			// Total 31,664 + 3,167 + 2,283 + 183 + 4,750 = 42,047.
			name: "ceiling", in: mixed(RoundCeil), lines: []int64{33331, 2403, 5000}, disc: 2037,
			rates: []RateTotal{
				{Category: TaxStandard, Rate: 10, Lines: 33331, Discount: 1667, Base: 31664, Tax: 3167, Total: 34831},
				{Category: TaxReduced, Rate: 8, Lines: 2403, Discount: 120, Base: 2283, Tax: 183, Total: 2466},
				{Category: TaxExempt, Rate: 0, Lines: 5000, Discount: 250, Base: 4750, Tax: 0, Total: 4750},
			},
			tax: 3350, total: 42047,
		},
		{
			// Tax-inclusive prices, half-up. Line 1: 2 × 11,000 = 22,000.
			// Line 2: 3 × 1,080 = 3,240; 5% off = 162; net 3,078. Subtotal 25,078; ¥1,000 off.
			// Shares: 1,000 × 22,000 / 25,078 = 877.26 → 877; 1,000 × 3,078 / 25,078 = 122.74 → 122;
			// 1 yen left → 8% (larger remainder) → 123.
			// 10%: 22,000 − 877 = 21,123 with tax; tax = 21,123 × 10 / 110 = 1,920.27 → 1,920; base 19,203.
			// 8%: 3,078 − 123 = 2,955; tax = 2,955 × 8 / 108 = 218.89 → 219; base 2,736.
			// Total 21,123 + 2,955 = 24,078; tax 1,920 + 219 = 2,139.
			name: "tax-inclusive",
			in: TaxInput{Mode: TaxInclusive, Rounding: RoundHalfUp, Discount: Discount{Value: 1000}, Lines: []TaxLine{
				{Quantity: 200, UnitPrice: 11000, Category: TaxStandard},
				{Quantity: 300, UnitPrice: 1080, Discount: Discount{Percent: true, Value: 500}, Category: TaxReduced},
			}},
			lines: []int64{22000, 3078}, disc: 1000,
			rates: []RateTotal{
				{Category: TaxStandard, Rate: 10, Lines: 22000, Discount: 877, Base: 19203, Tax: 1920, Total: 21123},
				{Category: TaxReduced, Rate: 8, Lines: 3078, Discount: 123, Base: 2736, Tax: 219, Total: 2955},
			},
			tax: 2139, total: 24078,
		},
		{
			// Large quantities, floor. 1,000,000 × 999,999 = 999,999,000,000; tax 99,999,900,000.
			// 123,456,789 × 8 = 987,654,312; 8% = 79,012,344.96 → 79,012,344.
			// Total 999,999,000,000 + 99,999,900,000 + 987,654,312 + 79,012,344 = 1,101,065,566,656.
			name: "large quantities",
			in: TaxInput{Mode: TaxExclusive, Rounding: RoundFloor, Lines: []TaxLine{
				{Quantity: 1_000_000_00, UnitPrice: 999_999, Category: TaxStandard},
				{Quantity: 123_456_789_00, UnitPrice: 8, Category: TaxReduced},
			}},
			lines: []int64{999_999_000_000, 987_654_312},
			rates: []RateTotal{
				{Category: TaxStandard, Rate: 10, Lines: 999_999_000_000, Base: 999_999_000_000, Tax: 99_999_900_000, Total: 1_099_998_900_000},
				{Category: TaxReduced, Rate: 8, Lines: 987_654_312, Base: 987_654_312, Tax: 79_012_344, Total: 1_066_666_656},
			},
			tax: 100_078_912_344, total: 1_101_065_566_656,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ComputeTax(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			for i, want := range tt.lines {
				if got.Lines[i].Net != want {
					t.Errorf("line %d net = %d, want %d", i, got.Lines[i].Net, want)
				}
			}
			if got.Discount != tt.disc {
				t.Errorf("discount = %d, want %d", got.Discount, tt.disc)
			}
			if len(got.Rates) != len(tt.rates) {
				t.Fatalf("rates = %+v, want %+v", got.Rates, tt.rates)
			}
			for i := range tt.rates {
				if got.Rates[i] != tt.rates[i] {
					t.Errorf("rate %d = %+v, want %+v", i, got.Rates[i], tt.rates[i])
				}
			}
			if got.Tax != tt.tax || got.Total != tt.total {
				t.Errorf("tax, total = %d, %d; want %d, %d", got.Tax, got.Total, tt.tax, tt.total)
			}
		})
	}
}

func TestComputeTaxRefuses(t *testing.T) {
	ok := TaxLine{Quantity: 100, UnitPrice: 1000, Category: TaxStandard}
	doc := func(ls ...TaxLine) TaxInput {
		return TaxInput{Mode: TaxExclusive, Rounding: RoundFloor, Lines: ls}
	}
	tests := []struct {
		name  string
		in    TaxInput
		field string
		msg   string
	}{
		{"no lines", doc(), "lines", "add at least one line"},
		{"zero quantity", doc(TaxLine{Quantity: 0, UnitPrice: 1000, Category: TaxStandard}), "lines.0.quantity", "must be more than zero"},
		{"negative quantity", doc(ok, TaxLine{Quantity: -100, UnitPrice: 1000, Category: TaxStandard}), "lines.1.quantity", "must be more than zero"},
		{"absurd quantity", doc(TaxLine{Quantity: MaxQuantity + 1, UnitPrice: 1, Category: TaxStandard}), "lines.0.quantity", "is too large (one billion at most)"},
		{"negative price", doc(TaxLine{Quantity: 100, UnitPrice: -1, Category: TaxStandard}), "lines.0.unit_price", "must not be negative"},
		{"absurd price", doc(TaxLine{Quantity: 100, UnitPrice: MaxUnitPrice + 1, Category: TaxStandard}), "lines.0.unit_price", "is too large"},
		// 1,000,000,000 × 10^14 = 10^23 > 10^15.
		{"product too large", doc(TaxLine{Quantity: MaxQuantity, UnitPrice: MaxUnitPrice, Category: TaxStandard}), "lines.0.quantity", "quantity × unit price is too large"},
		{"unknown tax", doc(TaxLine{Quantity: 100, UnitPrice: 1, Category: "luxury"}), "lines.0.tax_category", "choose 10%, 8% or exempt"},
		{"negative line discount", doc(TaxLine{Quantity: 100, UnitPrice: 1000, Discount: Discount{Value: -1}, Category: TaxStandard}), "lines.0.discount", "must not be negative"},
		{"line discount above amount", doc(TaxLine{Quantity: 100, UnitPrice: 1000, Discount: Discount{Value: 1001}, Category: TaxStandard}), "lines.0.discount", "must not be more than the amount it is taken from"},
		{"percent above 100", doc(TaxLine{Quantity: 100, UnitPrice: 1000, Discount: Discount{Percent: true, Value: 100_01}, Category: TaxStandard}), "lines.0.discount", "must be 100% or less"},
		{"quote discount above subtotal", TaxInput{Mode: TaxExclusive, Rounding: RoundFloor, Lines: []TaxLine{ok}, Discount: Discount{Value: 1001}}, "discount", "must not be more than the amount it is taken from"},
		{"bad rounding", TaxInput{Mode: TaxExclusive, Rounding: "up", Lines: []TaxLine{ok}}, "rounding", "choose floor, half-up or ceiling rounding"},
		{"bad mode", TaxInput{Mode: "gross", Rounding: RoundFloor, Lines: []TaxLine{ok}}, "tax_mode", "choose tax-exclusive or tax-inclusive prices"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ComputeTax(tt.in)
			v, ok := AsValidation(err)
			if !ok {
				t.Fatalf("err = %v, want a validation error", err)
			}
			if v.Fields[tt.field] != tt.msg {
				t.Errorf("fields = %v, want %s: %q", v.Fields, tt.field, tt.msg)
			}
		})
	}
}

func TestListDiscountBP(t *testing.T) {
	// (10,000 − 8,750) / 10,000 = 12.5% = 1250; (3 − 2) / 3 = 33.333…% → 3333.
	for _, tt := range []struct{ list, offered, want int64 }{{10000, 8750, 1250}, {3, 2, 3333}, {0, 5, 0}, {100, 120, 0}} {
		if got := ListDiscountBP(tt.list, tt.offered); got != tt.want {
			t.Errorf("ListDiscountBP(%d, %d) = %d, want %d", tt.list, tt.offered, got, tt.want)
		}
	}
}

func TestParseFixed(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want int64
		ok   bool
	}{{"1.5", 150, true}, {"1,200", 120000, true}, {"0.25", 25, true}, {"3", 300, true}, {"1.234", 0, false}, {"abc", 0, false}, {"", 0, false}, {"-2", -200, true}, {"1e9", 0, false}} {
		got, ok := ParseFixed(tt.in, 2)
		if got != tt.want || ok != tt.ok {
			t.Errorf("ParseFixed(%q) = %d, %v; want %d, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
	if s := FormatFixed(150, 2); s != "1.5" {
		t.Errorf("FormatFixed(150) = %q", s)
	}
	if s := FormatFixed(200, 2); s != "2" {
		t.Errorf("FormatFixed(200) = %q", s)
	}
}
