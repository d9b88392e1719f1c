package web

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"renkei/internal/app"
	"renkei/internal/crm"
	"renkei/internal/i18n"
	"renkei/internal/store"
)

func productVals(pairs ...string) map[string]string {
	v := map[string]string{"sku": "RK-CRM", "name_ja": "CRM スタンダード", "name_en": "CRM Standard", "unit": "user/month",
		"list_price": "3,000", "cost": "900", "currency": "JPY", "tax_category": "standard", "active": "1"}
	for i := 0; i+1 < len(pairs); i += 2 {
		v[pairs[i]] = pairs[i+1]
	}
	return v
}

func flat(m map[string]string) []string {
	var out []string
	for k, v := range m {
		out = append(out, k, v)
	}
	return out
}

func TestProductPages(t *testing.T) {
	s := newSales(t)
	e := s.e
	ctx := context.Background()

	// A salesperson who manages no team reads but does not change the catalogue.
	w := e.do(http.MethodGet, "/products/new", s.sales, nil)
	wantStatus(t, "sales opens the new-product page", w, http.StatusOK)
	if !strings.Contains(w.Body.String(), i18n.T(crm.LangEN, "catalogue.editors_only")) || strings.Contains(w.Body.String(), `id="product-save"`) {
		t.Error("a salesperson without a team sees the product form")
	}
	wantStatus(t, "sales creates a product", e.do(http.MethodPost, "/products", s.sales, vals(flat(productVals())...)), http.StatusForbidden)
	wantStatus(t, "viewer creates a product", e.do(http.MethodPost, "/products", s.viewr, vals(flat(productVals())...)), http.StatusForbidden)

	// Bad prices and tax: one message per field, nothing written.
	for _, c := range []struct {
		name, field, value, msg string
	}{
		{"zero price", "list_price", "0", "Must be more than zero."},
		{"negative price", "list_price", "-5", "Enter an amount such as 1,200,000."},
		{"decimals in yen", "list_price", "3000.5", "Enter whole yen without decimals."},
		{"absurd price", "list_price", "9,999,999,999,999", "Is too large."},
		{"unknown tax", "tax_category", "luxury", "Choose standard (10%), reduced (8%) or exempt."},
	} {
		w := e.do(http.MethodPost, "/products", s.admin, vals(flat(productVals(c.field, c.value))...))
		wantStatus(t, c.name, w, http.StatusUnprocessableEntity)
		if got := fieldError(w.Body.String(), "f-"+c.field); got != c.msg {
			t.Errorf("%s: message %q; want %q", c.name, got, c.msg)
		}
	}
	if n, _ := e.store.ListProducts(ctx, store.ProductQuery{}); n.Total != 0 {
		t.Fatalf("refused input wrote %d products", n.Total)
	}

	// A good product; its SKU cannot be taken again.
	w = e.do(http.MethodPost, "/products", s.admin, vals(flat(productVals("description", xss))...))
	wantStatus(t, "create", w, http.StatusSeeOther)
	path := w.Header().Get("Location")
	w = e.do(http.MethodPost, "/products", s.admin, vals(flat(productVals("name_en", "Copy"))...))
	if got := fieldError(w.Body.String(), "f-sku"); got != "Another product uses this SKU already." {
		t.Errorf("duplicate SKU: status %d, message %q", w.Code, got)
	}

	// The page shows the margin (3,000 − 900) ÷ 3,000 = 70.0% and escapes the text.
	body := e.do(http.MethodGet, path, s.viewr, nil).Body.String()
	if !strings.Contains(body, `id="product-margin">70.0%<`) {
		t.Error("margin 70.0% not shown")
	}
	if strings.Contains(body, xss) || !strings.Contains(body, "&lt;script&gt;") {
		t.Error("description not escaped")
	}
	if !strings.Contains(body, i18n.T(crm.LangEN, "competitors.no_prices")) {
		t.Error("no empty state for the positioning")
	}

	// The list searches and filters.
	body = e.do(http.MethodGet, "/products?q=crm", s.viewr, nil).Body.String()
	if !strings.Contains(body, "RK-CRM") || !strings.Contains(body, "¥3,000") {
		t.Error("search by name does not find the product")
	}
	body = e.do(http.MethodGet, "/products?q=nothing-like-this", s.viewr, nil).Body.String()
	if !strings.Contains(body, i18n.T(crm.LangEN, "catalogue.no_match")) {
		t.Error("no empty state for a search without results")
	}
}

func TestPriceBookPages(t *testing.T) {
	s := newSales(t)
	e := s.e
	ctx := context.Background()
	p, err := e.app.CreateProduct(ctx, s.adminAc, crm.Product{SKU: "RK-SVC", NameJA: "導入支援", ListPrice: 500_000, Active: true})
	if err != nil {
		t.Fatal(err)
	}
	w := e.do(http.MethodPost, "/price-books", s.admin, vals("name", "パートナー価格", "kind", "partner",
		"valid_from", "2026-04-01", "valid_to", "2026-03-01", "active", "1"))
	wantStatus(t, "end before start", w, http.StatusUnprocessableEntity)
	if got := fieldError(w.Body.String(), "f-valid_to"); got != "Must not be before the start date." {
		t.Errorf("end before start: %q", got)
	}
	w = e.do(http.MethodPost, "/price-books", s.admin, vals("name", "パートナー価格", "kind", "partner", "active", "1"))
	wantStatus(t, "create book", w, http.StatusSeeOther)
	book := w.Header().Get("Location")
	w = e.do(http.MethodPost, book+"/entries", s.admin, vals("product_id", strconvI(p.ID), "price", "0"))
	if got := fieldError(w.Body.String(), "f-price"); w.Code != http.StatusUnprocessableEntity || got != "Must be more than zero." {
		t.Errorf("zero entry price: %d %q", w.Code, got)
	}
	wantStatus(t, "entry", e.do(http.MethodPost, book+"/entries", s.admin, vals("product_id", strconvI(p.ID), "price", "400,000")), http.StatusSeeOther)
	body := e.do(http.MethodGet, book, s.viewr, nil).Body.String()
	// (500,000 − 400,000) ÷ 500,000 = 20.0% off the list price
	if !strings.Contains(body, "¥400,000") || !strings.Contains(body, "20.0%") {
		t.Error("the book does not show the price and the discount")
	}
	var bookID int64
	fmt.Sscanf(book, "/price-books/%d", &bookID)
	if got, _ := e.store.PriceFor(ctx, p.ID, bookID, "2026-04-01"); got != 400_000 {
		t.Errorf("PriceFor = %d; want 400000", got)
	}
	wantStatus(t, "viewer deletes", e.do(http.MethodPost, book+"/delete", s.viewr, vals()), http.StatusForbidden)
	wantStatus(t, "delete", e.do(http.MethodPost, book+"/delete", s.admin, vals()), http.StatusSeeOther)
}

func TestBattlecardPage(t *testing.T) {
	s := newSales(t) // its deal names a competitor called xss
	e := s.e
	ctx := context.Background()
	cs, err := e.app.Competitors(ctx, s.adminAc)
	if err != nil || len(cs) != 1 {
		t.Fatalf("competitors %v, %v", cs, err)
	}
	c := cs[0]
	prod, err := e.app.CreateProduct(ctx, s.adminAc, crm.Product{SKU: "RK-CRM", NameJA: "CRM", ListPrice: 3000, Active: true})
	if err != nil {
		t.Fatal(err)
	}
	path := fmt.Sprintf("/competitors/%d", c.ID)
	w := e.do(http.MethodPost, path, s.sales, vals("name", c.Name, "strengths", xss, "weaknesses", "サポートが弱い",
		"talk_track", "導入の速さを訴求", "website", "javascript:alert(1)"))
	if got := fieldError(w.Body.String(), "f-website"); w.Code != http.StatusUnprocessableEntity || got == "" {
		t.Errorf("javascript: website: %d %q", w.Code, got)
	}
	wantStatus(t, "battlecard", e.do(http.MethodPost, path, s.sales, vals("name", c.Name, "strengths", xss,
		"weaknesses", "サポートが弱い", "talk_track", "導入の速さを訴求", "website", "https://rival.example.com")), http.StatusSeeOther)
	wantStatus(t, "viewer adds a product", e.do(http.MethodPost, path+"/products", s.viewr, vals("cp_name", "X")), http.StatusForbidden)
	wantStatus(t, "product", e.do(http.MethodPost, path+"/products", s.sales, vals("cp_name", "Rival CRM",
		"cp_product_id", strconvI(prod.ID))), http.StatusSeeOther)
	cps, _ := e.store.CompetitorProducts(ctx, store.CompetitorProductQuery{CompetitorID: c.ID})
	if len(cps) != 1 {
		t.Fatalf("competitor products %v", cps)
	}
	w = e.do(http.MethodPost, path+"/prices", s.sales, vals("competitor_product_id", strconvI(cps[0].ID),
		"observed_on", "2026-01-15", "price", "-1", "currency", "JPY", "note", "展示会"))
	if got := fieldError(w.Body.String(), "f-price"); w.Code != http.StatusUnprocessableEntity || got == "" {
		t.Errorf("negative observed price: %d %q", w.Code, got)
	}
	w = e.do(http.MethodPost, path+"/prices", s.sales, vals("competitor_product_id", strconvI(cps[0].ID),
		"observed_on", "2026-01-15", "price", "2,500", "currency", "JPY"))
	if got := fieldError(w.Body.String(), "f-source_url"); w.Code != http.StatusUnprocessableEntity || got == "" {
		t.Errorf("no source: %d %q", w.Code, got)
	}
	wantStatus(t, "price", e.do(http.MethodPost, path+"/prices", s.sales, vals("competitor_product_id", strconvI(cps[0].ID),
		"observed_on", "2026-01-15", "price", "2,500", "currency", "JPY", "source_url", "https://rival.example.com/pricing")), http.StatusSeeOther)

	body := e.do(http.MethodGet, path, s.viewr, nil).Body.String()
	if strings.Contains(body, xss) {
		t.Error("the battlecard shows markup unescaped")
	}
	for _, want := range []string{"サポートが弱い", "導入の速さを訴求", "¥2,500", `data-record="open">1<`, `href="https://rival.example.com/pricing"`} {
		if !strings.Contains(body, want) {
			t.Errorf("battlecard lacks %q", want)
		}
	}
	// The product's positioning chart has our price and theirs.
	body = e.do(http.MethodGet, fmt.Sprintf("/products/%d", prod.ID), s.viewr, nil).Body.String()
	if !strings.Contains(body, `id="positioning-data"`) || !strings.Contains(body, "2026-01-15") {
		t.Error("no positioning chart data")
	}
	// The deal page links the competitor to its battlecard.
	body = e.do(http.MethodGet, fmt.Sprintf("/deals/%d", s.deal.ID), s.viewr, nil).Body.String()
	if !strings.Contains(body, `href="`+path+`"`) {
		t.Error("the deal page does not link the competitor's battlecard")
	}
	// Every catalogue page with data, in both languages: no raw key, nothing inline.
	check := pageChecker(t)
	_, err = e.app.CreatePriceBook(ctx, s.adminAc, crm.PriceBook{Name: "キャンペーン", Kind: crm.PriceBookCampaign, Active: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, lang := range i18n.Languages() {
		l := string(lang)
		if _, err := e.app.UpdateUser(ctx, s.adminAc, s.adminAc.User.ID, 0, userPatchLang(l)); err != nil {
			t.Fatal(err)
		}
		for _, p := range []string{"/products", "/products/new", fmt.Sprintf("/products/%d", prod.ID), "/price-books",
			"/price-books/1", "/competitors", path} {
			w := e.do(http.MethodGet, p, s.admin, nil)
			wantStatus(t, l+" "+p, w, http.StatusOK)
			check(l+" "+p, w.Body.String())
			if !strings.Contains(w.Body.String(), `<html lang="`+l+`">`) {
				t.Errorf("%s %s: not in %s", l, p, l)
			}
		}
	}
	// The battlecard's deal list link filters the deal list.
	body = e.do(http.MethodGet, fmt.Sprintf("/sales/deals/list?competitor=%d", c.ID), s.viewr, nil).Body.String()
	if !strings.Contains(body, "&lt;script&gt;") || strings.Contains(body, "基幹システム刷新") {
		t.Error("the competitor filter of the deal list does not select the deal that named it")
	}
	// Lost to the competitor: the deal page and the dashboard's lost-to table link the battlecard.
	if _, err := e.app.MoveDeal(ctx, s.adminAc, s.deal.ID, s.deal.Version, app.MoveInput{StageID: s.stages["Lost"].ID,
		LostReason: "価格", LostToID: c.ID}); err != nil {
		t.Fatal(err)
	}
	body = e.do(http.MethodGet, fmt.Sprintf("/deals/%d", s.deal.ID), s.viewr, nil).Body.String()
	if !strings.Contains(body, `<a href="`+path+`" id="deal-lost-to">`) {
		t.Error("the deal page does not link the competitor it was lost to")
	}
	body = e.do(http.MethodGet, "/sales/dashboard", s.viewr, nil).Body.String()
	if !strings.Contains(body, `<a href="`+path+`" title=`) {
		t.Error("the dashboard's lost-to table does not link the battlecard")
	}
}

// TestCatalogueKeysExist: the keys the catalogue pages build from a family.
func TestCatalogueKeysExist(t *testing.T) {
	var keys []string
	for _, c := range crm.TaxCategories {
		keys = append(keys, "catalogue.tax."+string(c))
	}
	for _, k := range crm.PriceBookKinds {
		keys = append(keys, "catalogue.book_kind."+string(k))
	}
	keys = append(keys, "catalogue.field.active", "nav.catalogue")
	for _, l := range areaLinks {
		keys = append(keys, "link."+l.Key+".title", "link."+l.Key+".text")
	}
	for _, k := range keys {
		for _, lang := range i18n.Languages() {
			if !i18n.Has(lang, k) {
				t.Errorf("%s: no %q", lang, k)
			}
		}
	}
	// Japanese messages for the catalogue's validation.
	if got := i18n.Error(crm.LangJA, "another product uses this SKU already"); got != "この品番はすでに別の商品で使われています。" {
		t.Errorf("ja SKU message %q", got)
	}
}
