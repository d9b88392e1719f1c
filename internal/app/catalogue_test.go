package app

import (
	"errors"
	"testing"

	"renkei/internal/crm"
	"renkei/internal/store"
)

// catalogueFixture: the owner (admin), a sales manager of a team, a
// salesperson who manages nothing, and a viewer.
type catalogueFixture struct {
	*salesFixture
	manager, viewer Actor
}

func newCatalogueFixture(t *testing.T) *catalogueFixture {
	t.Helper()
	f := &catalogueFixture{salesFixture: newSalesFixture(t)}
	team, err := f.app.CreateTeam(ctx, f.owner, "東日本営業")
	if err != nil {
		t.Fatal(err)
	}
	f.manager = f.addUser(t, "bucho@example.jp", crm.RoleSales)
	if err := f.app.SetTeamMember(ctx, f.owner, team.ID, f.manager.User.ID, true); err != nil {
		t.Fatal(err)
	}
	f.manager.User, _ = f.app.Store.User(ctx, f.manager.User.ID)
	f.viewer = f.addUser(t, "etsuran@example.jp", crm.RoleViewer)
	return f
}

func TestCatalogueRolesAndValidation(t *testing.T) {
	f := newCatalogueFixture(t)
	in := crm.Product{SKU: "RK-CRM", NameJA: "CRM", ListPrice: 3000, Cost: 900, Active: true}
	for _, c := range []struct {
		who  string
		ac   Actor
		want error
	}{{"viewer", f.viewer, crm.ErrForbidden}, {"salesperson without a team to manage", f.sales, crm.ErrForbidden}} {
		if _, err := f.app.CreateProduct(ctx, c.ac, in); !errors.Is(err, c.want) {
			t.Errorf("%s creating a product: %v; want %v", c.who, err, c.want)
		}
	}
	p, err := f.app.CreateProduct(ctx, f.manager, in)
	if err != nil {
		t.Fatalf("manager creating a product: %v", err)
	}
	if p.Currency != "JPY" || p.TaxCategory != crm.TaxStandard {
		t.Errorf("defaults: %+v", p)
	}
	// everyone reads
	if got, err := f.app.Product(ctx, f.viewer, p.ID); err != nil || got.SKU != "RK-CRM" {
		t.Errorf("viewer reading: %+v, %v", got, err)
	}

	before := count(t, f.app.Store, "SELECT COUNT(*) FROM audit_log")
	bad := []struct {
		name  string
		edit  func(p *crm.Product)
		field string
		msg   string
	}{
		{"SKU in use", func(p *crm.Product) {}, "sku", "another product uses this SKU already"},
		{"zero price", func(p *crm.Product) { p.SKU, p.ListPrice = "X-1", 0 }, "list_price", "must be more than zero"},
		{"negative price", func(p *crm.Product) { p.SKU, p.ListPrice = "X-2", -100 }, "list_price", "must not be negative"},
		{"absurd price", func(p *crm.Product) { p.SKU, p.ListPrice = "X-3", 5_000_000_000_000 }, "list_price", "is too large"},
		{"unknown tax category", func(p *crm.Product) { p.SKU, p.TaxCategory = "X-4", "luxury" }, "tax_category", "choose standard (10%), reduced (8%) or exempt"},
	}
	for _, c := range bad {
		q := in
		c.edit(&q)
		_, err := f.app.CreateProduct(ctx, f.owner, q)
		if v, ok := crm.AsValidation(err); !ok || v.Fields[c.field] != c.msg {
			t.Errorf("%s: %v; want %s: %s", c.name, err, c.field, c.msg)
		}
	}
	if n := count(t, f.app.Store, "SELECT COUNT(*) FROM products"); n != 1 {
		t.Errorf("products after refused input = %d; want 1", n)
	}
	if after := count(t, f.app.Store, "SELECT COUNT(*) FROM audit_log"); after != before {
		t.Errorf("refused input wrote %d audit rows", after-before)
	}

	// an edit with an old version is refused, the stored product unchanged
	p.ListPrice = 3300
	if p, err = f.app.UpdateProduct(ctx, f.owner, p.ID, p.Version, p); err != nil {
		t.Fatal(err)
	}
	if _, err := f.app.UpdateProduct(ctx, f.manager, p.ID, p.Version-1, p); !errors.Is(err, crm.ErrStale) {
		t.Errorf("stale edit: %v; want ErrStale", err)
	}
	// a second product may not take the first one's SKU on edit either
	q, err := f.app.CreateProduct(ctx, f.owner, crm.Product{SKU: "RK-SVC", NameEN: "Setup", ListPrice: 50000})
	if err != nil {
		t.Fatal(err)
	}
	q.SKU = "RK-CRM"
	if _, err := f.app.UpdateProduct(ctx, f.owner, q.ID, q.Version, q); err == nil {
		t.Error("taking a used SKU on edit passed")
	} else if v, ok := crm.AsValidation(err); !ok || v.Fields["sku"] == "" {
		t.Errorf("SKU clash on edit: %v", err)
	}
}

func TestPriceBooksAndPriceFor(t *testing.T) {
	f := newCatalogueFixture(t)
	p, err := f.app.CreateProduct(ctx, f.owner, crm.Product{SKU: "RK-CRM", NameJA: "CRM", ListPrice: 3000})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.app.CreatePriceBook(ctx, f.sales, crm.PriceBook{Name: "x"}); !errors.Is(err, crm.ErrForbidden) {
		t.Errorf("sales creating a price book: %v", err)
	}
	b, err := f.app.CreatePriceBook(ctx, f.manager, crm.PriceBook{Name: "春のキャンペーン", Kind: crm.PriceBookCampaign,
		ValidFrom: "2026-04-01", ValidTo: "2026-04-30", Active: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.app.CreatePriceBook(ctx, f.owner, crm.PriceBook{Name: "春のキャンペーン"}); err == nil {
		t.Error("duplicate price book name passed")
	}
	for _, price := range []int64{0, -1, crm.MaxPrice + 1} {
		err := f.app.SetPriceBookEntry(ctx, f.owner, crm.PriceBookEntry{PriceBookID: b.ID, ProductID: p.ID, Price: price})
		if _, ok := crm.AsValidation(err); !ok {
			t.Errorf("price %d: %v; want a validation error", price, err)
		}
	}
	err = f.app.SetPriceBookEntry(ctx, f.owner, crm.PriceBookEntry{PriceBookID: b.ID, ProductID: 987654, Price: 100})
	if v, ok := crm.AsValidation(err); !ok || v.Fields["product_id"] == "" {
		t.Errorf("unknown product: %v", err)
	}
	if err := f.app.SetPriceBookEntry(ctx, f.owner, crm.PriceBookEntry{PriceBookID: b.ID, ProductID: p.ID, Price: 2400}); err != nil {
		t.Fatal(err)
	}
	for day, want := range map[string]int64{"2026-04-15": 2400, "2026-05-01": 3000} {
		if got, err := f.app.PriceFor(ctx, f.viewer, p.ID, b.ID, day); err != nil || got != want {
			t.Errorf("PriceFor on %s = %d, %v; want %d", day, got, err, want)
		}
	}
	if _, err := f.app.PriceFor(ctx, f.viewer, p.ID, b.ID, "April"); err == nil {
		t.Error("a bad date passed")
	}
}

// TestCompetitorWinLoss: a small fixture counted by hand.
//
//	D1 names A on the deal, won            → A: won 1
//	D2 names A and B, lost to B            → A: lost 1; B: lost 1
//	D3 names nobody, lost to A             → A: lost 2
//	D4 names A, still open                 → A: open 1
//	D5 names B, won                        → B: won 1
//	D6 names nobody, lost (no competitor)  → nobody
//
// A: won 1, lost 2, open 1, win rate 1 ÷ (1 + 2) = 33.3%;
// B: won 1, lost 1, open 0, win rate 1 ÷ 2 = 50%.
func TestCompetitorWinLoss(t *testing.T) {
	f := newCatalogueFixture(t)
	comp := func(name string) crm.Competitor {
		c, err := f.app.CreateCompetitor(ctx, f.sales, crm.Competitor{Name: name})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	a, b := comp("競合A社"), comp("競合B社")
	mk := func(name string, names []int64, stage string, lostTo int64) {
		d := f.deal(t, crm.Deal{Name: name, Amount: 100000, Currency: "JPY", Competitors: names})
		if stage == "" {
			return
		}
		if _, err := f.app.MoveDeal(ctx, f.sales, d.ID, d.Version, MoveInput{StageID: f.stages[stage].ID,
			LostReason: "価格", LostToID: lostTo}); err != nil {
			t.Fatalf("move %s: %v", name, err)
		}
	}
	mk("D1", []int64{a.ID}, "Won", 0)
	mk("D2", []int64{a.ID, b.ID}, "Lost", b.ID)
	mk("D3", nil, "Lost", a.ID)
	mk("D4", []int64{a.ID}, "", 0)
	mk("D5", []int64{b.ID}, "Won", 0)
	mk("D6", nil, "Lost", 0)

	for _, c := range []struct {
		c    crm.Competitor
		want crm.WinLoss
		rate float64
	}{{a, crm.WinLoss{Won: 1, Lost: 2, Open: 1}, 1.0 / 3}, {b, crm.WinLoss{Won: 1, Lost: 1}, 0.5}} {
		card, err := f.app.Battlecard(ctx, f.viewer, c.c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if card.Record != c.want {
			t.Errorf("%s: record %+v; want %+v", c.c.Name, card.Record, c.want)
		}
		if rate, ok := card.Record.WinRate(); !ok || rate != c.rate {
			t.Errorf("%s: win rate %v; want %v", c.c.Name, rate, c.rate)
		}
		if n := c.want.Won + c.want.Lost + c.want.Open; len(card.Deals) != n {
			t.Errorf("%s: %d deals listed; want %d", c.c.Name, len(card.Deals), n)
		}
	}
}

func TestCompetitorProductsAndPrices(t *testing.T) {
	f := newCatalogueFixture(t) // the clock is at 2026-04-01 00:30 UTC (09:30 in Tokyo)
	p, err := f.app.CreateProduct(ctx, f.owner, crm.Product{SKU: "RK-CRM", NameJA: "CRM", ListPrice: 3000})
	if err != nil {
		t.Fatal(err)
	}
	c, err := f.app.CreateCompetitor(ctx, f.sales, crm.Competitor{Name: "競合A社"})
	if err != nil {
		t.Fatal(err)
	}
	c.Strengths, c.TalkTrack = "知名度", "<b>導入の速さ</b>で勝つ"
	if c, err = f.app.UpdateCompetitor(ctx, f.sales, c.ID, c); err != nil {
		t.Fatal(err)
	}
	if _, err := f.app.UpdateCompetitor(ctx, f.sales, c.ID, crm.Competitor{Name: "X", Website: "javascript:alert(1)"}); err == nil {
		t.Error("a javascript: website passed")
	}
	if _, err := f.app.CreateCompetitorProduct(ctx, f.sales, crm.CompetitorProduct{CompetitorID: c.ID, Name: "A CRM", ProductID: 424242}); err == nil {
		t.Error("mapping to an unknown product passed")
	}
	cp, err := f.app.CreateCompetitorProduct(ctx, f.sales, crm.CompetitorProduct{CompetitorID: c.ID, Name: "A CRM Pro", ProductID: p.ID})
	if err != nil {
		t.Fatal(err)
	}
	mkt := f.addUser(t, "mkt@example.jp", crm.RoleMarketing)
	bad := []struct {
		name  string
		in    crm.CompetitorPrice
		field string
	}{
		{"zero", crm.CompetitorPrice{CompetitorProductID: cp.ID, ObservedOn: "2026-03-01", Price: 0, Note: "展示会"}, "price"},
		{"negative", crm.CompetitorPrice{CompetitorProductID: cp.ID, ObservedOn: "2026-03-01", Price: -10, Note: "展示会"}, "price"},
		{"absurd", crm.CompetitorPrice{CompetitorProductID: cp.ID, ObservedOn: "2026-03-01", Price: 1 << 60, Note: "展示会"}, "price"},
		{"no source", crm.CompetitorPrice{CompetitorProductID: cp.ID, ObservedOn: "2026-03-01", Price: 2800}, "source_url"},
		{"bad URL", crm.CompetitorPrice{CompetitorProductID: cp.ID, ObservedOn: "2026-03-01", Price: 2800, SourceURL: "javascript:x"}, "source_url"},
		{"future", crm.CompetitorPrice{CompetitorProductID: cp.ID, ObservedOn: "2026-04-02", Price: 2800, Note: "噂"}, "observed_on"},
		{"unknown product", crm.CompetitorPrice{CompetitorProductID: 424242, ObservedOn: "2026-03-01", Price: 2800, Note: "x"}, "competitor_product_id"},
	}
	for _, c := range bad {
		_, err := f.app.AddCompetitorPrice(ctx, mkt, c.in)
		if v, ok := crm.AsValidation(err); !ok || v.Fields[c.field] == "" {
			t.Errorf("%s: %v; want a message on %s", c.name, err, c.field)
		}
	}
	if _, err := f.app.AddCompetitorPrice(ctx, f.viewer, crm.CompetitorPrice{CompetitorProductID: cp.ID,
		ObservedOn: "2026-03-01", Price: 2800, Note: "x"}); !errors.Is(err, crm.ErrForbidden) {
		t.Errorf("viewer recording a price: %v", err)
	}
	for _, in := range []crm.CompetitorPrice{
		{CompetitorProductID: cp.ID, ObservedOn: "2026-03-15", Price: 2700, SourceURL: "https://a.example.com/pricing"},
		{CompetitorProductID: cp.ID, ObservedOn: "2026-01-10", Price: 2500, Note: "展示会で聞いた"},
		{CompetitorProductID: cp.ID, ObservedOn: "2026-04-01", Price: 2900, Note: "today is allowed"},
	} {
		if _, err := f.app.AddCompetitorPrice(ctx, mkt, in); err != nil {
			t.Fatal(err)
		}
	}
	pos, err := f.app.Positioning(ctx, f.viewer, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(pos.Rivals) != 1 || pos.Rivals[0].LatestPrice != 2900 || pos.Rivals[0].LatestOn != "2026-04-01" {
		t.Errorf("rivals %+v", pos.Rivals)
	}
	var days []string
	for _, x := range pos.Prices {
		days = append(days, x.ObservedOn)
	}
	if len(days) != 3 || days[0] != "2026-01-10" || days[2] != "2026-04-01" {
		t.Errorf("history days %v; want oldest first, all three kept", days)
	}
	hist, err := f.app.CompetitorPrices(ctx, f.viewer, store.CompetitorPriceQuery{CompetitorID: c.ID, From: "2026-02-01"})
	if err != nil || len(hist) != 2 {
		t.Errorf("prices from February: %d, %v; want 2", len(hist), err)
	}
}
