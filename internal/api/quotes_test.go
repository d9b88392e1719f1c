package api

import (
	"context"
	"fmt"
	"strings"

	"renkei/internal/app"
	"renkei/internal/crm"
)

// newQuote makes a draft quote (as admin) on a new open deal: 3 × ¥10,000
// at 10% tax, no discount.
func (e *env) newQuote(name string) crm.Quote {
	e.t.Helper()
	d := e.newDeal(crm.Deal{Name: name, Amount: 30_000})
	ctx := context.Background()
	in, err := e.app.NewQuoteInput(ctx, e.admin(), d.ID)
	if err != nil {
		e.t.Fatal(err)
	}
	in.RecipientCompany = "株式会社ミツモリ"
	in.Lines = []crm.QuoteLine{{Name: "保守", Quantity: 300, UnitPrice: 10_000, Category: crm.TaxStandard}}
	q, err := e.app.CreateQuote(ctx, e.admin(), d.ID, in)
	if err != nil {
		e.t.Fatal(err)
	}
	return q
}

// quotesSamples are the permission walk's requests for the quote routes.
func (e *env) quotesSamples(role string) map[string]sample {
	q := e.newQuote("Quote " + role)
	stale := []string{"If-Match", `"999"`}
	p := fmt.Sprintf("/quotes/%d", q.ID)
	line := []map[string]any{{"name": "x", "quantity": 1, "unit_price": 100}}
	return map[string]sample{
		"GET /quotes":                        {path: fmt.Sprintf("/quotes?deal_id=%d", q.DealID)},
		"POST /quotes":                       {path: "/quotes", body: map[string]any{"deal_id": q.DealID, "recipient_company": "X", "lines": line}},
		"GET /quotes/{id}":                   {path: p},
		"PUT /quotes/{id}":                   {path: p, body: map[string]any{"lines": line}, headers: stale},
		"DELETE /quotes/{id}":                {path: p},
		"GET /quotes/{id}/pdf":               {path: p + "/pdf"},
		"GET /quotes/{id}/revisions":         {path: p + "/revisions"},
		"GET /quotes/{id}/approvals":         {path: p + "/approvals"},
		"POST /quotes/{id}/request-approval": {path: p + "/request-approval", headers: stale},
		"POST /quotes/{id}/approve":          {path: p + "/approve", body: map[string]any{"approve": true}, headers: stale},
		"POST /quotes/{id}/send":             {path: p + "/send", headers: stale},
		"POST /quotes/{id}/accept":           {path: p + "/accept"},
		"GET /reports/quote-discounts":       {path: "/reports/quote-discounts?currency=JPY"},
	}
}

// happyQuotes walks the quote endpoints (run by TestHappyPaths): create with
// mixed rates, refuse bad lines per field, exceed the limit, approve as a
// manager, send, revise, accept.
func (e *env) happyQuotes() {
	t := e.t
	ctx := context.Background()
	d := e.newDeal(crm.Deal{Name: "見積API", Amount: 1, OwnerID: e.users["sales"].ID})
	// 2 × 10,000 (10%) and 1.5 × 1,000 (8%) with 12.5% off the first line: 20,000 − 2,500 = 17,500;
	// 1,500. Tax 1,750 and 120; total 17,500 + 1,750 + 1,500 + 120 = 20,870.
	// List 20,000 + 1,500 = 21,500; offered 19,000; (21,500 − 19,000) / 21,500 = 11.627% → 11.62 (above 10%).
	body := map[string]any{"deal_id": d.ID, "recipient_company": "<b>株式会社</b>", "lines": []map[string]any{
		{"name": "ライセンス", "quantity": 2, "unit_price": 10_000, "discount": map[string]any{"type": "percent", "value": 12.5}},
		{"name": "お茶", "quantity": 1.5, "unit_price": 1_000, "tax_category": "reduced"},
	}}
	bad := map[string]any{"deal_id": d.ID, "recipient_company": "X", "lines": []map[string]any{
		{"name": "x", "quantity": 0, "unit_price": 1}, {"name": "y", "quantity": 1, "unit_price": 1, "tax_category": "luxury"}}}
	res := e.do("sales", "POST", "/api/v1/quotes", bad).want(t, 422)
	if fe := res.fieldErrors(t); fe["lines.0.quantity"] == "" || fe["lines.1.tax_category"] == "" {
		t.Errorf("bad lines: %v", fe)
	}
	e.do("viewer", "POST", "/api/v1/quotes", body).want(t, 403)
	res = e.do("sales", "POST", "/api/v1/quotes", body).want(t, 201)
	q := res.obj(t)
	if q["total"] != float64(20_870) || q["tax_total"] != float64(1_870) || q["discount_percent"] != 11.62 ||
		!strings.HasPrefix(q["number"].(string), "Q-") || q["recipient_company"] != "<b>株式会社</b>" {
		t.Fatalf("quote = %v", q)
	}
	loc := fmt.Sprintf("/api/v1/quotes/%v", q["id"])
	et := res.etag(t)
	res = e.do("sales", "POST", loc+"/send", nil, "If-Match", et).want(t, 422)
	if fe := res.fieldErrors(t); !strings.Contains(fe["status"], "approve") {
		t.Errorf("send above the limit: %v", fe)
	}
	res = e.do("sales", "POST", loc+"/request-approval", map[string]any{"note": "競合対抗"}, "If-Match", et).want(t, 200)
	et = res.etag(t)
	e.do("sales", "POST", loc+"/approve", map[string]any{"approve": true}, "If-Match", et).want(t, 422)
	res = e.do("admin", "POST", loc+"/approve", map[string]any{"approve": true, "note": "OK"}, "If-Match", et).want(t, 200)
	if s := res.obj(t)["status"]; s != "approved" {
		t.Fatalf("status after approval = %v", s)
	}
	log := e.do("viewer", "GET", loc+"/approvals", nil).want(t, 200).obj(t)["data"].([]any)
	if len(log) != 2 || log[1].(map[string]any)["action"] != "approved" {
		t.Errorf("approvals = %v", log)
	}
	res = e.do("sales", "POST", loc+"/send", map[string]any{"expires_days": 30}, "If-Match", res.etag(t)).want(t, 200)
	sent := res.obj(t)
	if u, _ := sent["share_url"].(string); !strings.Contains(u, "/q/q_") {
		t.Fatalf("sent = %v", sent)
	}
	pdf := e.do("viewer", "GET", loc+"/pdf", nil).want(t, 200)
	if !strings.HasPrefix(string(pdf.body), "%PDF") {
		t.Errorf("pdf body starts %q", pdf.body[:8])
	}
	// Revising the sent quote makes revision 2 with the same number.
	cur := e.do("sales", "GET", loc, nil).want(t, 200)
	rev := e.do("sales", "PUT", loc, map[string]any{"lines": []map[string]any{{"name": "ライセンス", "quantity": 2, "unit_price": 9_800}}},
		"If-Match", cur.etag(t)).want(t, 200).obj(t)
	if rev["number"] != q["number"] || rev["revision"] != float64(2) || rev["id"] == q["id"] {
		t.Fatalf("revision = %v", rev)
	}
	revs := e.do("viewer", "GET", loc+"/revisions", nil).want(t, 200).obj(t)["data"].([]any)
	if len(revs) != 2 {
		t.Errorf("revisions = %d", len(revs))
	}
	// The first revision is still sent: the customer accepts it by phone.
	e.do("viewer", "POST", loc+"/accept", nil).want(t, 403)
	acc := e.do("sales", "POST", loc+"/accept", nil).want(t, 200).obj(t)
	if acc["status"] != "accepted" {
		t.Fatalf("accepted = %v", acc)
	}
	won, err := e.app.Deal(ctx, app.Actor{User: e.users["admin"]}, d.ID)
	if err != nil || won.WonAt.IsZero() || won.Amount != 19_000 {
		t.Fatalf("deal after acceptance: won %v amount %d, %v", won.WonAt, won.Amount, err)
	}
	list := e.do("viewer", "GET", fmt.Sprintf("/api/v1/quotes?deal_id=%d", d.ID), nil).want(t, 200).obj(t)["data"].([]any)
	if len(list) != 2 {
		t.Errorf("quotes of the deal = %d", len(list))
	}
	// A draft can be deleted; a sent or answered one cannot.
	e.do("sales", "DELETE", fmt.Sprintf("/api/v1/quotes/%v", rev["id"]), nil).want(t, 204)
	e.do("sales", "DELETE", loc, nil).want(t, 422)
	rep := e.do("viewer", "GET", "/api/v1/reports/quote-discounts", nil).want(t, 200).obj(t)
	if owners, _ := rep["by_owner"].([]any); len(owners) == 0 {
		t.Errorf("report = %v", rep)
	}
}
