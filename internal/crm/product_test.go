package crm

import "testing"

func TestProductValidateRefusesBadPricesAndTax(t *testing.T) {
	good := Product{SKU: "RK-1", NameJA: "名刺管理", ListPrice: 3000, Cost: 900}
	good.Normalize()
	if err := good.Validate(); err != nil {
		t.Fatalf("good product: %v", err)
	}
	cases := []struct {
		name  string
		edit  func(p *Product)
		field string
		msg   string
	}{
		{"zero price", func(p *Product) { p.ListPrice = 0 }, "list_price", "must be more than zero"},
		{"negative price", func(p *Product) { p.ListPrice = -1 }, "list_price", "must not be negative"},
		{"absurd price", func(p *Product) { p.ListPrice = MaxPrice + 1 }, "list_price", "is too large"},
		{"negative cost", func(p *Product) { p.Cost = -5 }, "cost", "must not be negative"},
		{"absurd cost", func(p *Product) { p.Cost = 1 << 62 }, "cost", "is too large"},
		{"unknown tax", func(p *Product) { p.TaxCategory = "luxury" }, "tax_category", "choose standard (10%), reduced (8%) or exempt"},
		{"no SKU", func(p *Product) { p.SKU = "" }, "sku", "is required"},
		{"SKU with a space", func(p *Product) { p.SKU = "A B" }, "sku", "use letters, digits and . _ / - only"},
		{"no name", func(p *Product) { p.NameJA, p.NameEN = "", "" }, "name_ja", "give a name in Japanese or English"},
		{"bad currency", func(p *Product) { p.Currency = "YEN!" }, "currency", "must be a three-letter currency code such as JPY"},
	}
	for _, c := range cases {
		p := good
		c.edit(&p)
		v, ok := AsValidation(p.Validate())
		if !ok || v.Fields[c.field] != c.msg {
			t.Errorf("%s: got %v; want %s: %s", c.name, p.Validate(), c.field, c.msg)
		}
	}
	if err := ValidateEntryPrice(0); err == nil {
		t.Error("a zero price book price passed")
	}
}

func TestMarginAndTaxRate(t *testing.T) {
	// (3000 − 900) ÷ 3000 = 0.7 → 700‰; (1000 − 1200) ÷ 1000 = −0.2 → −200‰;
	// (3 − 1) ÷ 3 = 0.6666… → 666‰ (toward zero)
	for _, c := range []struct{ price, cost, want int64 }{{3000, 900, 700}, {1000, 1200, -200}, {3, 1, 666}, {0, 5, 0}} {
		if got := MarginPermille(c.price, c.cost); got != c.want {
			t.Errorf("MarginPermille(%d, %d) = %d; want %d", c.price, c.cost, got, c.want)
		}
	}
	if TaxStandard.RatePercent() != 10 || TaxReduced.RatePercent() != 8 || TaxExempt.RatePercent() != 0 {
		t.Error("tax rates")
	}
}

func TestPriceBookValidOn(t *testing.T) {
	b := PriceBook{Name: "Spring", Kind: PriceBookCampaign, ValidFrom: "2026-04-01", ValidTo: "2026-04-30", Active: true}
	if b.ValidOn("2026-03-31") || !b.ValidOn("2026-04-01") || !b.ValidOn("2026-04-30") || b.ValidOn("2026-05-01") {
		t.Error("ValidOn bounds")
	}
	b.ValidTo = "2026-03-01"
	if v, ok := AsValidation(b.Validate()); !ok || v.Fields["valid_to"] == "" {
		t.Error("end before start passed")
	}
}
