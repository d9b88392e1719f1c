package gen

import (
	"context"
	"testing"

	"renkei/internal/crm"
	"renkei/internal/store"
	"renkei/internal/store/storetest"
)

// TestCatalogueExtension loads the catalogue with the sales story and
// reads it back through the store: the products, the campaign valid today,
// each competitor's products and a price history for the positioning view.
func TestCatalogueExtension(t *testing.T) {
	s := storetest.Open(t)
	ctx := context.Background()
	w := newWorld(t, 7, "N=300", crm.LangJA)
	loadWorld(t, s, w, LoadOptions{Extensions: []Extension{salesExtension(w), catalogueExtension(w)}})

	page, err := s.ListProducts(ctx, store.ProductQuery{Limit: 100})
	if err != nil || page.Total != len(demoProducts) {
		t.Fatalf("products %d, %v; want %d", page.Total, err, len(demoProducts))
	}
	for _, p := range page.Products {
		p.Normalize()
		if err := p.Validate(); err != nil {
			t.Errorf("demo product %s is not valid: %v", p.SKU, err)
		}
	}
	// The campaign runs this quarter: onboarding at 70% of ¥500,000 = ¥350,000.
	today := w.Now().In(w.jst).Format("2006-01-02")
	var onboard int64
	for _, p := range page.Products {
		if p.SKU == "SV-ONBOARD" {
			onboard = p.ID
		}
	}
	if got, err := s.PriceFor(ctx, onboard, 2, today); err != nil || got != 350_000 {
		t.Errorf("campaign price today = %d, %v; want 350000", got, err)
	}
	cs, err := s.Competitors(ctx)
	if err != nil || len(cs) != 3 || cs[0].TalkTrack == "" {
		t.Fatalf("competitors %+v, %v", cs, err)
	}
	cps, err := s.CompetitorProducts(ctx, store.CompetitorProductQuery{})
	if err != nil || len(cps) != len(demoRivals) {
		t.Fatalf("competitor products %d, %v", len(cps), err)
	}
	for _, cp := range cps {
		if cp.LatestOn == "" || cp.LatestOn > today {
			t.Errorf("%s: latest price on %q", cp.Name, cp.LatestOn)
		}
	}
	prices, err := s.CompetitorPrices(ctx, store.CompetitorPriceQuery{Limit: 5000})
	if err != nil || len(prices) < len(demoRivals)*3 {
		t.Errorf("%d observed prices, %v", len(prices), err)
	}
	// New records after the load get fresh ids (PostgreSQL's sequences moved on).
	np := store.Product{SKU: "NEW-1", NameEN: "New", ListPrice: 100, Currency: "JPY", TaxCategory: crm.TaxStandard}
	if err := s.InTx(ctx, func(tx *store.Tx) error { return tx.CreateProduct(ctx, &np, w.Now()) }); err != nil {
		t.Errorf("a product after the load: %v", err)
	}
	for _, p := range prices {
		p.Normalize()
		if err := p.Validate(today); err != nil {
			t.Errorf("demo price %+v is not valid: %v", p, err)
			break
		}
	}
}
