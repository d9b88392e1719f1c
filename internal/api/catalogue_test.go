package api

import (
	"context"
	"fmt"
	"testing"
	"time"

	"renkei/internal/app"
	"renkei/internal/crm"
	"renkei/internal/store"
)

// catalogueManagers makes every role's user a manager of a team, so that
// the walk of the permission table reaches the catalogue verbs (which
// need an admin or a manager besides the table's permission).
func (e *env) catalogueManagers() {
	ctx := context.Background()
	admin := app.Actor{User: e.users["admin"]}
	teams, err := e.app.Teams(ctx, admin)
	if err != nil {
		e.t.Fatal(err)
	}
	for _, t := range teams {
		if t.Name == "Catalogue managers" {
			return
		}
	}
	team, err := e.app.CreateTeam(ctx, admin, "Catalogue managers")
	if err != nil {
		e.t.Fatal(err)
	}
	for _, role := range []string{"marketing", "sales", "viewer"} {
		if err := e.app.SetTeamMember(ctx, admin, team.ID, e.users[role].ID, true); err != nil {
			e.t.Fatal(err)
		}
	}
}

func (e *env) catalogueSamples(role string) map[string]sample {
	e.catalogueManagers()
	ctx := context.Background()
	admin := app.Actor{User: e.users["admin"]}
	p, err := e.app.CreateProduct(ctx, admin, crm.Product{SKU: "WALK-" + role + "-" + fmt.Sprint(time.Now().UnixNano()), NameEN: "Walk", ListPrice: 1000})
	if err != nil {
		e.t.Fatal(err)
	}
	book, err := e.app.CreatePriceBook(ctx, admin, crm.PriceBook{Name: "Walk book " + role + p.SKU, Active: true})
	if err != nil {
		e.t.Fatal(err)
	}
	doomed, err := e.app.CreatePriceBook(ctx, admin, crm.PriceBook{Name: "Doomed book " + role + p.SKU, Active: true})
	if err != nil {
		e.t.Fatal(err)
	}
	if err := e.app.SetPriceBookEntry(ctx, admin, crm.PriceBookEntry{PriceBookID: book.ID, ProductID: p.ID, Price: 900}); err != nil {
		e.t.Fatal(err)
	}
	c, err := e.app.CreateCompetitor(ctx, admin, crm.Competitor{Name: "Walk rival " + p.SKU})
	if err != nil {
		e.t.Fatal(err)
	}
	cp, err := e.app.CreateCompetitorProduct(ctx, admin, crm.CompetitorProduct{CompetitorID: c.ID, Name: "Their walk", ProductID: p.ID})
	if err != nil {
		e.t.Fatal(err)
	}
	gone, err := e.app.CreateCompetitorProduct(ctx, admin, crm.CompetitorProduct{CompetitorID: c.ID, Name: "Their gone"})
	if err != nil {
		e.t.Fatal(err)
	}
	stale := []string{"If-Match", `"999"`}
	today := time.Now().UTC().Format(time.DateOnly)
	return map[string]sample{
		"GET /products":            {path: "/products?q=walk&active=true"},
		"POST /products":           {path: "/products", body: map[string]any{"sku": "NEW-" + p.SKU, "name_ja": "新商品", "list_price": 5000}},
		"GET /products/{id}":       {path: fmt.Sprintf("/products/%d", p.ID)},
		"PATCH /products/{id}":     {path: fmt.Sprintf("/products/%d", p.ID), body: map[string]any{"cost": 100}, headers: stale},
		"GET /products/{id}/price": {path: fmt.Sprintf("/products/%d/price?price_book_id=%d&date=%s", p.ID, book.ID, today)},
		"GET /price-books":         {path: "/price-books"},
		"POST /price-books":        {path: "/price-books", body: map[string]any{"name": "New book " + p.SKU, "kind": "partner"}},
		"GET /price-books/{id}":    {path: fmt.Sprintf("/price-books/%d", book.ID)},
		"PATCH /price-books/{id}":  {path: fmt.Sprintf("/price-books/%d", book.ID), body: map[string]any{"valid_to": "2030-12-31"}},
		"DELETE /price-books/{id}": {path: fmt.Sprintf("/price-books/%d", doomed.ID)},
		"PUT /price-books/{id}/entries/{product_id}": {path: fmt.Sprintf("/price-books/%d/entries/%d", book.ID, p.ID),
			body: map[string]any{"price": 850}},
		"DELETE /price-books/{id}/entries/{product_id}": {path: fmt.Sprintf("/price-books/%d/entries/%d", book.ID, p.ID)},
		"GET /competitors/{id}":                         {path: fmt.Sprintf("/competitors/%d", c.ID)},
		"PATCH /competitors/{id}":                       {path: fmt.Sprintf("/competitors/%d", c.ID), body: map[string]any{"talk_track": "速さ"}},
		"POST /competitors/{id}/products": {path: fmt.Sprintf("/competitors/%d/products", c.ID),
			body: map[string]any{"name": "Their new " + role}},
		"PATCH /competitors/{id}/products/{product_id}": {path: fmt.Sprintf("/competitors/%d/products/%d", c.ID, cp.ID),
			body: map[string]any{"notes": "x"}},
		"DELETE /competitors/{id}/products/{product_id}": {path: fmt.Sprintf("/competitors/%d/products/%d", c.ID, gone.ID)},
		"GET /competitor-prices":                         {path: fmt.Sprintf("/competitor-prices?competitor_id=%d", c.ID)},
		"POST /competitor-prices": {path: "/competitor-prices", body: map[string]any{"competitor_product_id": cp.ID,
			"observed_on": today, "price": 1100, "note": "walk"}},
	}
}

// happyCatalogue walks the catalogue endpoints (run by TestHappyPaths).
func (e *env) happyCatalogue() {
	t := e.t
	ctx := context.Background()
	res := e.do("admin", "POST", "/api/v1/products", map[string]any{"sku": "RK-CRM", "name_ja": "CRM スタンダード",
		"name_en": "CRM Standard", "unit": "user/month", "list_price": 3000, "cost": 900, "tax_category": "standard"}).want(t, 201)
	prod := res.obj(t)
	// (3,000 − 900) ÷ 3,000 = 700‰
	if prod["margin_permille"] != float64(700) || prod["tax_rate"] != float64(10) || prod["currency"] != "JPY" || prod["active"] != true {
		t.Errorf("product = %v", prod)
	}
	loc := res.header.Get("Location")
	id := int64(prod["id"].(float64))
	et := res.etag(t)
	res = e.do("viewer", "GET", loc, nil).want(t, 200)
	res = e.do("admin", "PATCH", loc, map[string]any{"tax_category": "reduced", "list_price": 3300}, "If-Match", et).want(t, 200)
	if m := res.obj(t); m["tax_rate"] != float64(8) || m["list_price"] != float64(3300) {
		t.Errorf("after PATCH %v", m)
	}
	e.do("admin", "PATCH", loc, map[string]any{"cost": 1}, "If-Match", et).want(t, 412)
	res = e.do("viewer", "GET", "/api/v1/products?q=crm&active=true&limit=1", nil).want(t, 200)
	if data := res.obj(t)["data"].([]any); len(data) != 1 {
		t.Errorf("products %v", data)
	}

	res = e.do("admin", "POST", "/api/v1/price-books", map[string]any{"name": "春のキャンペーン", "kind": "campaign",
		"valid_from": "2026-04-01", "valid_to": "2026-04-30"}).want(t, 201)
	bookLoc := res.header.Get("Location")
	book := int64(res.obj(t)["id"].(float64))
	e.do("viewer", "GET", bookLoc, nil).want(t, 200)
	res = e.do("admin", "PUT", fmt.Sprintf("%s/entries/%d", bookLoc, id), map[string]any{"price": 2640}).want(t, 200)
	if entries := res.obj(t)["entries"].([]any); len(entries) != 1 || entries[0].(map[string]any)["price"] != float64(2640) {
		t.Errorf("entries %v", entries)
	}
	for day, want := range map[string]float64{"2026-04-15": 2640, "2026-05-01": 3300} {
		res = e.do("viewer", "GET", fmt.Sprintf("%s/price?price_book_id=%d&date=%s", loc, book, day), nil).want(t, 200)
		if got := res.obj(t)["price"]; got != want {
			t.Errorf("price on %s = %v; want %v", day, got, want)
		}
	}
	res = e.do("admin", "PATCH", bookLoc, map[string]any{"valid_to": nil}).want(t, 200)
	if m := res.obj(t); m["valid_to"] != nil || m["valid_from"] != "2026-04-01" {
		t.Errorf("open end: %v", m)
	}
	e.do("viewer", "GET", "/api/v1/price-books", nil).want(t, 200)
	e.do("admin", "DELETE", fmt.Sprintf("%s/entries/%d", bookLoc, id), nil).want(t, 204)
	e.do("admin", "DELETE", bookLoc, nil).want(t, 204)
	e.do("admin", "GET", bookLoc, nil).want(t, 404)

	// Competitors: the battlecard, a product, prices; the record counts deals.
	res = e.do("sales", "POST", "/api/v1/competitors", map[string]any{"name": "カタログ競合社", "strengths": "知名度"}).want(t, 201)
	cid := int64(res.obj(t)["id"].(float64))
	cLoc := fmt.Sprintf("/api/v1/competitors/%d", cid)
	res = e.do("sales", "PATCH", cLoc, map[string]any{"talk_track": "導入の速さ", "weaknesses": "サポート"}).want(t, 200)
	if m := res.obj(t); m["talk_track"] != "導入の速さ" || m["strengths"] != "知名度" {
		t.Errorf("battlecard %v", m)
	}
	res = e.do("sales", "POST", cLoc+"/products", map[string]any{"name": "A CRM", "product_id": id}).want(t, 201)
	cp := int64(res.obj(t)["id"].(float64))
	res = e.do("sales", "PATCH", fmt.Sprintf("%s/products/%d", cLoc, cp), map[string]any{"product_id": nil}).want(t, 200)
	if res.obj(t)["product_id"] != nil {
		t.Error("null did not unmap the product")
	}
	e.do("sales", "PATCH", fmt.Sprintf("%s/products/%d", cLoc, cp), map[string]any{"product_id": id}).want(t, 200)
	for _, p := range []map[string]any{
		{"competitor_product_id": cp, "observed_on": "2026-01-10", "price": 2500, "note": "展示会"},
		{"competitor_product_id": cp, "observed_on": "2026-02-10", "price": 2700, "source_url": "https://a.example.com/pricing"},
		{"competitor_product_id": cp, "observed_on": "2026-03-10", "price": 2900, "note": "見積書"},
	} {
		e.do("marketing", "POST", "/api/v1/competitor-prices", p).want(t, 201)
	}
	// Two pages of two and one, oldest first.
	res = e.do("viewer", "GET", fmt.Sprintf("/api/v1/competitor-prices?product_id=%d&limit=2", id), nil).want(t, 200)
	page := res.obj(t)
	if data := page["data"].([]any); len(data) != 2 || data[0].(map[string]any)["price"] != float64(2500) || page["next_cursor"] == nil {
		t.Fatalf("first page %v", page)
	}
	res = e.do("viewer", "GET", fmt.Sprintf("/api/v1/competitor-prices?product_id=%d&limit=2&cursor=%s", id, page["next_cursor"]), nil).want(t, 200)
	if data := res.obj(t)["data"].([]any); len(data) != 1 || data[0].(map[string]any)["price"] != float64(2900) {
		t.Errorf("second page %v", data)
	}
	res = e.do("viewer", "GET", cLoc, nil).want(t, 200)
	card := res.obj(t)
	products := card["products"].([]any)
	if len(products) != 1 || products[0].(map[string]any)["latest_price"] != float64(2900) {
		t.Errorf("battlecard products %v", products)
	}
	if rec := card["record"].(map[string]any); rec["won"] != float64(0) || rec["win_rate"] != nil {
		t.Errorf("record without deals %v", rec)
	}
	other, err := e.app.CreateCompetitorProduct(ctx, app.Actor{User: e.users["admin"]}, crm.CompetitorProduct{CompetitorID: cid, Name: "A Lite"})
	if err != nil {
		t.Fatal(err)
	}
	e.do("sales", "DELETE", fmt.Sprintf("%s/products/%d", cLoc, other.ID), nil).want(t, 204)
	if ps, _ := e.st.CompetitorProducts(ctx, store.CompetitorProductQuery{CompetitorID: cid}); len(ps) != 1 {
		t.Errorf("after DELETE: %v", ps)
	}
}

// TestCatalogueAPIRefusesBadInput: per-field problems, nothing written.
func TestCatalogueAPIRefusesBadInput(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	good := func(over map[string]any) map[string]any {
		m := map[string]any{"sku": "RK-1", "name_ja": "商品", "list_price": 1000}
		for k, v := range over {
			m[k] = v
		}
		return m
	}
	for _, c := range []struct {
		name  string
		body  map[string]any
		field string
	}{
		{"zero price", good(map[string]any{"list_price": 0}), "list_price"},
		{"negative price", good(map[string]any{"list_price": -1}), "list_price"},
		{"absurd price", good(map[string]any{"list_price": 5_000_000_000_000}), "list_price"},
		{"negative cost", good(map[string]any{"cost": -1}), "cost"},
		{"unknown tax", good(map[string]any{"tax_category": "luxury"}), "tax_category"},
		{"bad SKU", good(map[string]any{"sku": "has space"}), "sku"},
	} {
		res := e.do("admin", "POST", "/api/v1/products", c.body).want(t, 422)
		if fe := res.fieldErrors(t); fe[c.field] == "" {
			t.Errorf("%s: errors %v; want one on %s", c.name, fe, c.field)
		}
	}
	e.do("admin", "POST", "/api/v1/products", good(nil)).want(t, 201)
	res := e.do("admin", "POST", "/api/v1/products", good(map[string]any{"name_ja": "別"})).want(t, 422)
	if fe := res.fieldErrors(t); fe["sku"] != "another product uses this SKU already" {
		t.Errorf("duplicate SKU: %v", fe)
	}
	// A salesperson who manages no team may not change the catalogue.
	e.do("sales", "POST", "/api/v1/products", good(map[string]any{"sku": "RK-2"})).want(t, 403)
	if page, _ := e.st.ListProducts(ctx, store.ProductQuery{}); page.Total != 1 {
		t.Errorf("%d products; want 1", page.Total)
	}
	c, err := e.app.CreateCompetitor(ctx, app.Actor{User: e.users["admin"]}, crm.Competitor{Name: "競合"})
	if err != nil {
		t.Fatal(err)
	}
	cp, err := e.app.CreateCompetitorProduct(ctx, app.Actor{User: e.users["admin"]}, crm.CompetitorProduct{CompetitorID: c.ID, Name: "X"})
	if err != nil {
		t.Fatal(err)
	}
	tomorrow := time.Now().UTC().AddDate(0, 0, 2).Format(time.DateOnly)
	for _, b := range []map[string]any{
		{"competitor_product_id": cp.ID, "observed_on": "2026-01-01", "price": 0, "note": "x"},
		{"competitor_product_id": cp.ID, "observed_on": "2026-01-01", "price": 100},
		{"competitor_product_id": cp.ID, "observed_on": tomorrow, "price": 100, "note": "x"},
		{"competitor_product_id": cp.ID, "observed_on": "2026-01-01", "price": 100, "source_url": "javascript:alert(1)"},
	} {
		e.do("sales", "POST", "/api/v1/competitor-prices", b).want(t, 422)
	}
	if ps, _ := e.st.CompetitorPrices(ctx, store.CompetitorPriceQuery{}); len(ps) != 0 {
		t.Errorf("refused prices were written: %v", ps)
	}
}
