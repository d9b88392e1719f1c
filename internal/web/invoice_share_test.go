package web

import (
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"
)

// TestInvoiceSharePages: the invoice's share link and e-mail buttons on
// the quote page, the public /i/{token} page in both languages with every
// user text escaped, its PDF, and a plain 404 for a wrong or replaced token.
func TestInvoiceSharePages(t *testing.T) {
	s := newSales(t)
	e := s.e
	w := e.do(http.MethodPost, fmt.Sprintf("/deals/%d/quotes", s.deal.ID), s.sales, vals(quoteForm(e)...))
	wantStatus(t, "create", w, http.StatusSeeOther)
	path := w.Header().Get("Location")
	body := e.do(http.MethodGet, path, s.sales, nil).Body.String()
	version := regexp.MustCompile(`name="version" value="(\d+)"`).FindStringSubmatch(body)[1]
	w = e.do(http.MethodPost, path+"/send", s.sales, vals("version", version))
	wantStatus(t, "send quote", w, http.StatusOK)
	qtoken := regexp.MustCompile(`/q/(q_[A-Za-z0-9_-]+)`).FindStringSubmatch(w.Body.String())[1]
	wantStatus(t, "accept", e.do(http.MethodPost, "/q/"+qtoken+"/accept", "", vals()), http.StatusOK)
	wantStatus(t, "invoice", e.do(http.MethodPost, path+"/invoice", s.sales,
		vals("issue_date", "", "due_date", "", "bank_details", "ゆうちょ銀行 "+xss)), http.StatusSeeOther)
	body = e.do(http.MethodGet, path, s.sales, nil).Body.String()
	id := regexp.MustCompile(`/invoices/(\d+)/pdf`).FindStringSubmatch(body)[1]
	for _, want := range []string{`action="/invoices/` + id + `/share"`, `action="/invoices/` + id + `/send"`} {
		if !strings.Contains(body, want) {
			t.Fatalf("quote page lacks %s", want)
		}
	}

	wantStatus(t, "viewer share", e.do(http.MethodPost, "/invoices/"+id+"/share", s.viewr, vals()), http.StatusForbidden)
	w = e.do(http.MethodPost, "/invoices/"+id+"/send", s.sales, vals("email", "not an address"))
	if w.Code != http.StatusUnprocessableEntity || !strings.Contains(w.Body.String(), "taro@example.jp") {
		t.Fatalf("bad address: status %d", w.Code)
	}
	if n := countRows(t, e, "SELECT COUNT(*) FROM invoices WHERE share_token_hash IS NOT NULL"); n != 0 {
		t.Fatalf("a refused send made a link")
	}
	w = e.do(http.MethodPost, "/invoices/"+id+"/send", s.sales, vals("email", "keiri@example.jp", "expires_days", "30"))
	wantStatus(t, "send invoice", w, http.StatusOK)
	m := regexp.MustCompile(`/i/(i_[A-Za-z0-9_-]+)`).FindStringSubmatch(w.Body.String())
	if m == nil || !strings.Contains(w.Body.String(), `id="invoice-share-link"`) {
		t.Fatalf("no share link after sending:\n%.2000s", w.Body.String())
	}
	sent := m[1]
	if n := countRows(t, e, "SELECT COUNT(*) FROM jobs WHERE kind = 'mail.send'"); n < 1 {
		t.Errorf("no mail queued")
	}

	// A new link replaces the mailed one.
	w = e.do(http.MethodPost, "/invoices/"+id+"/share", s.sales, vals("expires_days", ""))
	wantStatus(t, "share", w, http.StatusOK)
	token := regexp.MustCompile(`/i/(i_[A-Za-z0-9_-]+)`).FindStringSubmatch(w.Body.String())[1]
	if token == sent {
		t.Fatal("the new link is the old one")
	}
	check := pageChecker(t)
	for _, lang := range []string{"ja", "en"} {
		pub := e.do(http.MethodGet, "/i/"+token+"?lang="+lang, "", nil)
		wantStatus(t, "public "+lang, pub, http.StatusOK)
		b := pub.Body.String()
		check("public "+lang, b)
		// 2 × 50,000 less 10% = 90,000; tax 10% 9,000; total 99,000.
		for _, want := range []string{"INV-", "¥99,000", "ゆうちょ銀行", "&lt;script&gt;alert(1)&lt;/script&gt;", `href="/i/` + token + `/pdf"`} {
			if !strings.Contains(b, want) {
				t.Errorf("public %s page lacks %q", lang, want)
			}
		}
		if strings.Contains(b, "<script>alert") {
			t.Errorf("public %s page: user text reached the page as HTML", lang)
		}
	}
	if b := e.do(http.MethodGet, "/i/"+token+"?lang=en", "", nil).Body.String(); !strings.Contains(b, "Bank transfer to") {
		t.Errorf("the English page is not in English")
	}
	if b := e.do(http.MethodGet, "/i/"+token+"?lang=ja", "", nil).Body.String(); !strings.Contains(b, "お振込先") {
		t.Errorf("the Japanese page is not in Japanese")
	}
	pdf := e.do(http.MethodGet, "/i/"+token+"/pdf", "", nil)
	if pdf.Code != http.StatusOK || pdf.Header().Get("Content-Type") != "application/pdf" || !strings.HasPrefix(pdf.Body.String(), "%PDF") {
		t.Fatalf("public pdf: %d %s", pdf.Code, pdf.Header().Get("Content-Type"))
	}
	for _, bad := range []string{"/i/" + sent, "/i/" + sent + "/pdf", "/i/" + token + "x", "/i/nope", "/i/" + qtoken} {
		w := e.do(http.MethodGet, bad, "", nil)
		if w.Code != http.StatusNotFound || strings.Contains(w.Body.String(), "<html") {
			t.Errorf("%s: status %d, want a plain 404", bad, w.Code)
		}
	}
}
