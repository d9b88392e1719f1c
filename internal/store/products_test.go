package store_test

import (
	"errors"
	"testing"
	"time"

	"renkei/internal/crm"
	"renkei/internal/store"
	"renkei/internal/store/storetest"
)

func mustProduct(t *testing.T, s *store.Store, p store.Product) store.Product {
	t.Helper()
	p.Normalize()
	if err := p.Validate(); err != nil {
		t.Fatal(err)
	}
	if err := s.InTx(ctx, func(tx *store.Tx) error { return tx.CreateProduct(ctx, &p, time.Now()) }); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestProductCreateUpdateAndUniqueSKU(t *testing.T) {
	s := storetest.Open(t)
	now := time.Date(2026, 4, 1, 9, 0, 0, 0, time.UTC)
	p := store.Product{SKU: "RK-CRM-STD", NameJA: "CRM スタンダード", NameEN: "CRM Standard", Unit: "user/month",
		ListPrice: 3000, Cost: 900, Currency: "JPY", TaxCategory: crm.TaxStandard, Active: true}
	if err := s.InTx(ctx, func(tx *store.Tx) error { return tx.CreateProduct(ctx, &p, now) }); err != nil {
		t.Fatal(err)
	}
	got, err := s.GetProduct(ctx, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.SKU != "RK-CRM-STD" || got.NameJA != "CRM スタンダード" || got.ListPrice != 3000 || got.Cost != 900 ||
		got.TaxCategory != crm.TaxStandard || !got.Active || got.Version != 1 || !got.CreatedAt.Equal(now) {
		t.Fatalf("read back %+v", got)
	}
	dup := store.Product{SKU: "RK-CRM-STD", NameEN: "Copy", ListPrice: 1, Currency: "JPY", TaxCategory: crm.TaxStandard}
	err = s.InTx(ctx, func(tx *store.Tx) error { return tx.CreateProduct(ctx, &dup, now) })
	if !errors.Is(err, crm.ErrConflict) {
		t.Fatalf("duplicate SKU: %v; want ErrConflict", err)
	}

	stale := got
	got.ListPrice, got.Active, got.TaxCategory = 3300, false, crm.TaxReduced
	if err := s.InTx(ctx, func(tx *store.Tx) error { return tx.UpdateProduct(ctx, &got, now.Add(time.Hour)) }); err != nil {
		t.Fatal(err)
	}
	if got.Version != 2 {
		t.Fatalf("version after update = %d; want 2", got.Version)
	}
	stale.NameEN = "lost write"
	err = s.InTx(ctx, func(tx *store.Tx) error { return tx.UpdateProduct(ctx, &stale, now) })
	if !errors.Is(err, crm.ErrStale) {
		t.Fatalf("stale update: %v; want ErrStale", err)
	}
	again, _ := s.GetProduct(ctx, p.ID)
	if again.ListPrice != 3300 || again.Active || again.TaxCategory != crm.TaxReduced || again.NameEN != "CRM Standard" {
		t.Fatalf("after updates %+v", again)
	}
	missing := again
	missing.ID = 999999
	err = s.InTx(ctx, func(tx *store.Tx) error { return tx.UpdateProduct(ctx, &missing, now) })
	if !errors.Is(err, crm.ErrNotFound) {
		t.Fatalf("update of unknown id: %v; want ErrNotFound", err)
	}
	if _, err := s.GetProduct(ctx, 999999); !errors.Is(err, crm.ErrNotFound) {
		t.Fatalf("GetProduct unknown: %v", err)
	}
}

func TestListProductsFiltersAndPages(t *testing.T) {
	s := storetest.Open(t)
	mustProduct(t, s, store.Product{SKU: "A-1", NameJA: "名刺管理", NameEN: "Card scanner", ListPrice: 100, Active: true})
	mustProduct(t, s, store.Product{SKU: "B-2", NameJA: "導入支援", NameEN: "Onboarding", ListPrice: 200, Active: false})
	mustProduct(t, s, store.Product{SKU: "C-3", NameJA: "研修", NameEN: "Training CARD", ListPrice: 300, Active: true})

	skus := func(pg store.ProductPage) (out []string) {
		for _, p := range pg.Products {
			out = append(out, p.SKU)
		}
		return out
	}
	cases := []struct {
		q     store.ProductQuery
		want  []string
		total int
	}{
		{store.ProductQuery{}, []string{"A-1", "B-2", "C-3"}, 3},
		{store.ProductQuery{ActiveOnly: true}, []string{"A-1", "C-3"}, 2},
		{store.ProductQuery{Q: "card"}, []string{"A-1", "C-3"}, 2},    // English name, any case
		{store.ProductQuery{Q: "導入"}, []string{"B-2"}, 1},             // Japanese name
		{store.ProductQuery{Q: "b-"}, []string{"B-2"}, 1},             // SKU
		{store.ProductQuery{Q: "b-", ActiveOnly: true}, nil, 0},       // both filters
		{store.ProductQuery{Limit: 2}, []string{"A-1", "B-2"}, 3},     // first page
		{store.ProductQuery{Limit: 2, Offset: 2}, []string{"C-3"}, 3}, // second page
	}
	for _, c := range cases {
		pg, err := s.ListProducts(ctx, c.q)
		if err != nil {
			t.Fatal(err)
		}
		if got := skus(pg); !equalStrings(got, c.want) || pg.Total != c.total {
			t.Errorf("%+v: got %v (total %d); want %v (total %d)", c.q, got, pg.Total, c.want, c.total)
		}
	}
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestPriceForUsesTheValidBookOrTheListPrice(t *testing.T) {
	s := storetest.Open(t)
	now := time.Now()
	p := mustProduct(t, s, store.Product{SKU: "P", NameEN: "Product", ListPrice: 10000, Active: true})
	other := mustProduct(t, s, store.Product{SKU: "Q", NameEN: "Other", ListPrice: 500, Active: true})
	campaign := store.PriceBook{Name: "Spring campaign", Kind: crm.PriceBookCampaign, ValidFrom: "2026-04-01",
		ValidTo: "2026-04-30", Active: true}
	partner := store.PriceBook{Name: "Partners", Kind: crm.PriceBookPartner, Active: true}
	retired := store.PriceBook{Name: "Old", Kind: crm.PriceBookPartner, Active: false}
	err := s.InTx(ctx, func(tx *store.Tx) error {
		for _, b := range []*store.PriceBook{&campaign, &partner, &retired} {
			if err := tx.CreatePriceBook(ctx, b, now); err != nil {
				return err
			}
		}
		for _, e := range []crm.PriceBookEntry{{PriceBookID: campaign.ID, ProductID: p.ID, Price: 8000},
			{PriceBookID: partner.ID, ProductID: p.ID, Price: 7000}, {PriceBookID: retired.ID, ProductID: p.ID, Price: 1}} {
			if err := tx.SetPriceBookEntry(ctx, e); err != nil {
				return err
			}
		}
		// setting again replaces the price
		return tx.SetPriceBookEntry(ctx, crm.PriceBookEntry{PriceBookID: partner.ID, ProductID: p.ID, Price: 7500})
	})
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name          string
		product, book int64
		day           string
		want          int64
	}{
		{"no book: list price", p.ID, 0, "2026-04-10", 10000},
		{"campaign on its first day", p.ID, campaign.ID, "2026-04-01", 8000},
		{"campaign on its last day", p.ID, campaign.ID, "2026-04-30", 8000},
		{"campaign before it starts", p.ID, campaign.ID, "2026-03-31", 10000},
		{"campaign after it ends", p.ID, campaign.ID, "2026-05-01", 10000},
		{"open-ended partner book, replaced price", p.ID, partner.ID, "2030-01-01", 7500},
		{"inactive book", p.ID, retired.ID, "2026-04-10", 10000},
		{"product not in the book", other.ID, partner.ID, "2026-04-10", 500},
		{"unknown book", p.ID, 424242, "2026-04-10", 10000},
	}
	for _, c := range cases {
		got, err := s.PriceFor(ctx, c.product, c.book, c.day)
		if err != nil || got != c.want {
			t.Errorf("%s: PriceFor = %d, %v; want %d", c.name, got, err, c.want)
		}
	}
	if _, err := s.PriceFor(ctx, 424242, 0, "2026-04-10"); !errors.Is(err, crm.ErrNotFound) {
		t.Errorf("unknown product: %v; want ErrNotFound", err)
	}

	entries, err := s.PriceBookEntries(ctx, partner.ID)
	if err != nil || len(entries) != 1 || entries[0].Price != 7500 || entries[0].SKU != "P" || entries[0].ListPrice != 10000 {
		t.Fatalf("entries = %+v, %v", entries, err)
	}
	books, err := s.PriceBooks(ctx)
	if err != nil || len(books) != 3 || books[0].Name != "Old" || books[1].EntryCount != 1 {
		t.Fatalf("books = %+v, %v", books, err)
	}
	err = s.InTx(ctx, func(tx *store.Tx) error {
		return tx.SetPriceBookEntry(ctx, crm.PriceBookEntry{PriceBookID: partner.ID, ProductID: 424242, Price: 1})
	})
	if !errors.Is(err, crm.ErrNotFound) {
		t.Errorf("entry for an unknown product: %v; want ErrNotFound", err)
	}
	// deleting the book deletes its entries
	if err := s.InTx(ctx, func(tx *store.Tx) error { return tx.DeletePriceBook(ctx, partner.ID) }); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.PriceFor(ctx, p.ID, partner.ID, "2026-04-10"); got != 10000 {
		t.Errorf("after deleting the book: %d; want the list price 10000", got)
	}
}
