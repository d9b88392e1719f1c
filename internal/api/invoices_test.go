package api

import (
	"context"
	"fmt"
	"strings"

	"renkei/internal/app"
	"renkei/internal/crm"
)

// acceptedQuote makes a quote (as admin), sends it and records its acceptance.
func (e *env) acceptedQuote(name string) crm.Quote {
	e.t.Helper()
	ctx := context.Background()
	q := e.newQuote(name)
	q, _, err := e.app.SendQuote(ctx, e.admin(), q.ID, q.Version, app.SendInput{})
	if err != nil {
		e.t.Fatal(err)
	}
	if q, err = e.app.AcceptQuote(ctx, e.admin(), q.ID); err != nil {
		e.t.Fatal(err)
	}
	return q
}

// invoicesSamples are the permission walk's requests for the invoice routes.
func (e *env) invoicesSamples(role string) map[string]sample {
	q := e.acceptedQuote("Invoice " + role)
	inv, err := e.app.CreateInvoice(context.Background(), e.admin(), q.ID, app.InvoiceInput{})
	if err != nil {
		e.t.Fatal(err)
	}
	other := e.acceptedQuote("Invoice 2 " + role)
	p := fmt.Sprintf("/invoices/%d", inv.ID)
	return map[string]sample{
		"GET /invoices":             {path: "/invoices?status=unpaid"},
		"POST /invoices":            {path: "/invoices", body: map[string]any{"quote_id": other.ID}},
		"GET /invoices/{id}":        {path: p},
		"GET /invoices/{id}/pdf":    {path: p + "/pdf"},
		"POST /invoices/{id}/paid":  {path: p + "/paid", body: map[string]any{"paid": true}, headers: []string{"If-Match", `"999"`}},
		"POST /invoices/{id}/share": {path: p + "/share", body: map[string]any{"expires_days": 7}},
		"POST /invoices/{id}/send":  {path: p + "/send", body: map[string]any{"email": "keiri@example.jp"}},
	}
}

// happyInvoices walks the invoice endpoints (run by TestHappyPaths).
func (e *env) happyInvoices() {
	t := e.t
	q := e.acceptedQuote("請求API")
	draft := e.newQuote("請求API 下書き")
	res := e.do("sales", "POST", "/api/v1/invoices", map[string]any{"quote_id": draft.ID}).want(t, 422)
	if fe := res.fieldErrors(t); fe["quote_id"] == "" {
		t.Errorf("draft quote: %v", fe)
	}
	e.do("viewer", "POST", "/api/v1/invoices", map[string]any{"quote_id": q.ID}).want(t, 403)
	res = e.do("sales", "POST", "/api/v1/invoices", map[string]any{"quote_id": q.ID, "due_date": "2099-12-31",
		"bank_details": "みずほ銀行 本店 普通 7654321"}).want(t, 201)
	inv := res.obj(t)
	// 3 × 10,000 = 30,000 at 10%: tax 3,000, total 33,000.
	if !strings.HasPrefix(inv["number"].(string), "INV-") || inv["total"] != float64(33_000) || inv["status"] != "unpaid" ||
		inv["due_date"] != "2099-12-31" {
		t.Fatalf("invoice = %v", inv)
	}
	e.do("sales", "POST", "/api/v1/invoices", map[string]any{"quote_id": q.ID}).want(t, 422)
	loc := fmt.Sprintf("/api/v1/invoices/%v", inv["id"])
	if got := e.do("viewer", "GET", loc, nil).want(t, 200).obj(t); got["bank_details"] != "みずほ銀行 本店 普通 7654321" {
		t.Errorf("invoice = %v", got)
	}
	pdf := e.do("viewer", "GET", loc+"/pdf", nil).want(t, 200)
	if !strings.HasPrefix(string(pdf.body), "%PDF") {
		t.Errorf("pdf starts %q", pdf.body[:8])
	}
	paid := e.do("sales", "POST", loc+"/paid", map[string]any{"paid": true}, "If-Match", res.etag(t)).want(t, 200).obj(t)
	if paid["status"] != "paid" || paid["paid_at"] == nil {
		t.Errorf("paid = %v", paid)
	}
	// The share link: made, replaced by the e-mail's, the old one a plain 404 on the public page.
	e.do("viewer", "POST", loc+"/share", nil).want(t, 403)
	bad := e.do("sales", "POST", loc+"/share", map[string]any{"expires_days": 400}).want(t, 422)
	if fe := bad.fieldErrors(t); fe["expires_days"] == "" {
		t.Errorf("400 days: %v", fe)
	}
	shared := e.do("sales", "POST", loc+"/share", map[string]any{"expires_days": 7}).want(t, 200).obj(t)
	first, _ := shared["share_url"].(string)
	if !strings.Contains(first, "/i/i_") || shared["invoice"].(map[string]any)["has_share_link"] != true ||
		shared["invoice"].(map[string]any)["share_expires_at"] == nil {
		t.Fatalf("shared = %v", shared)
	}
	bad = e.do("sales", "POST", loc+"/send", map[string]any{"email": "nope"}).want(t, 422)
	if fe := bad.fieldErrors(t); fe["email"] == "" {
		t.Errorf("bad address: %v", fe)
	}
	sent := e.do("sales", "POST", loc+"/send", map[string]any{"email": "keiri@example.jp", "message": "<b>x</b>"}).want(t, 200).obj(t)
	second, _ := sent["share_url"].(string)
	if !strings.Contains(second, "/i/i_") || second == first {
		t.Fatalf("sent = %v", sent)
	}
	if _, _, err := e.app.SharedInvoice(context.Background(), first[strings.Index(first, "/i/")+3:]); err == nil {
		t.Errorf("the replaced link still works")
	}
	if _, _, err := e.app.SharedInvoice(context.Background(), second[strings.Index(second, "/i/")+3:]); err != nil {
		t.Errorf("the mailed link: %v", err)
	}
	list := e.do("viewer", "GET", fmt.Sprintf("/api/v1/invoices?quote_id=%d", q.ID), nil).want(t, 200).obj(t)["data"].([]any)
	if len(list) != 1 {
		t.Errorf("invoices of the quote = %d", len(list))
	}
}
