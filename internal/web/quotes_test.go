package web

import (
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"
)

// quoteForm is the editor's post for the sales env's deal: 2 × ¥50,000
// with 10% off the line (within the default 10% limit is 10.00%: allowed),
// and a free-text line whose name is markup.
func quoteForm(e *testEnv, extra ...string) []string {
	now := e.app.Clock()
	f := []string{"language", "ja", "currency", "JPY", "tax_mode", "exclusive", "rounding", "floor",
		"issue_date", now.Format(time.DateOnly), "valid_until", now.AddDate(0, 0, 30).Format(time.DateOnly), "recipient_company", "株式会社テスト" + xss,
		"subject", "導入", "lines.0.name", "ライセンス", "lines.0.quantity", "2", "lines.0.unit_price", "50,000",
		"lines.0.discount", "10", "lines.0.discount_kind", "percent", "lines.0.tax_category", "standard",
		"lines.2.name", xss, "lines.2.quantity", "1", "lines.2.unit_price", "0", "lines.2.tax_category", "exempt"}
	return append(f, extra...)
}

func TestQuotePages(t *testing.T) {
	s := newSales(t)
	e := s.e
	newPath := fmt.Sprintf("/deals/%d/quotes/new", s.deal.ID)
	wantStatus(t, "viewer new", e.do(http.MethodGet, newPath, s.viewr, nil), http.StatusForbidden)
	w := e.do(http.MethodGet, newPath, s.sales, nil)
	wantStatus(t, "new", w, http.StatusOK)
	if !strings.Contains(w.Body.String(), `name="lines.0.quantity"`) {
		t.Fatal("the editor has no line rows")
	}

	// Bad input: messages per line field, nothing written.
	create := fmt.Sprintf("/deals/%d/quotes", s.deal.ID)
	w = e.do(http.MethodPost, create, s.sales, vals(quoteForm(e, "lines.1.name", "x", "lines.1.quantity", "0", "lines.1.unit_price", "abc")...))
	if w.Code != http.StatusUnprocessableEntity {
		t.Fatalf("bad quote: status %d", w.Code)
	}
	if !strings.Contains(w.Body.String(), "1,200,000 のような金額") && !strings.Contains(w.Body.String(), "such as 1,200,000") {
		t.Errorf("bad unit price has no message:\n%.3000s", w.Body.String())
	}
	if n := countRows(t, e, "SELECT COUNT(*) FROM quotes"); n != 0 {
		t.Fatalf("a refused quote wrote %d rows", n)
	}

	// The live totals: 2 × 50,000 = 100,000, 10% off = 90,000; tax 9,000; total 99,000.
	w = e.do(http.MethodPost, "/quotes/preview", s.sales, vals(quoteForm(e)...))
	wantStatus(t, "preview", w, http.StatusOK)
	if !strings.Contains(w.Body.String(), "¥99,000") || strings.Contains(w.Body.String(), "<html") {
		t.Fatalf("preview:\n%s", w.Body.String())
	}

	w = e.do(http.MethodPost, create, s.sales, vals(quoteForm(e)...))
	wantStatus(t, "create", w, http.StatusSeeOther)
	path := w.Header().Get("Location")
	if !regexp.MustCompile(`^/quotes/\d+$`).MatchString(path) {
		t.Fatalf("create redirects to %q", path)
	}
	check := pageChecker(t)
	for _, lang := range []string{"ja", "en"} {
		s.setLang(t, lang)
		for _, p := range []string{path, path + "/edit", fmt.Sprintf("/deals/%d", s.deal.ID), "/today", "/reports/quotes", "/settings/quotes"} {
			w := e.do(http.MethodGet, p, s.admin, nil)
			if w.Code != http.StatusOK {
				t.Fatalf("%s %s: status %d:\n%.1500s", lang, p, w.Code, w.Body.String())
			}
			body := w.Body.String()
			check(lang+" "+p, body)
			if strings.Contains(body, "<script>alert") {
				t.Errorf("%s %s: text reached the page as HTML", lang, p)
			}
		}
	}
	body := e.do(http.MethodGet, path, s.sales, nil).Body.String()
	for _, want := range []string{fmt.Sprintf("Q-%d-0001", e.app.Clock().Year()), "¥99,000", "&lt;script&gt;alert(1)&lt;/script&gt;"} {
		if !strings.Contains(body, want) {
			t.Errorf("quote page lacks %q", want)
		}
	}
	pdf := e.do(http.MethodGet, path+"/pdf", s.viewr, nil)
	if pdf.Code != http.StatusOK || pdf.Header().Get("Content-Type") != "application/pdf" || !strings.HasPrefix(pdf.Body.String(), "%PDF") {
		t.Fatalf("pdf: %d %s", pdf.Code, pdf.Header().Get("Content-Type"))
	}

	// Send: the share link is shown once; the public page works without a session.
	version := regexp.MustCompile(`name="version" value="(\d+)"`).FindStringSubmatch(body)[1]
	w = e.do(http.MethodPost, path+"/send", s.sales, vals("version", version, "expires_days", "7"))
	wantStatus(t, "send", w, http.StatusOK)
	m := regexp.MustCompile(`/q/(q_[A-Za-z0-9_-]+)`).FindStringSubmatch(w.Body.String())
	if m == nil {
		t.Fatalf("no share link after sending:\n%.2000s", w.Body.String())
	}
	token := m[1]
	pub := e.do(http.MethodGet, "/q/"+token, "", nil)
	wantStatus(t, "public", pub, http.StatusOK)
	if !strings.Contains(pub.Body.String(), `id="shared-accept"`) || strings.Contains(pub.Body.String(), "<script>alert") {
		t.Fatalf("public page:\n%.2000s", pub.Body.String())
	}
	for _, bad := range []string{"/q/" + token + "x", "/q/nope", "/q/" + token + "x/pdf"} {
		w := e.do(http.MethodGet, bad, "", nil)
		if w.Code != http.StatusNotFound || strings.Contains(w.Body.String(), "<html") {
			t.Errorf("%s: status %d, want a plain 404", bad, w.Code)
		}
	}
	w = e.do(http.MethodPost, "/q/"+token+"/accept", "", vals())
	wantStatus(t, "accept", w, http.StatusOK)
	if !strings.Contains(w.Body.String(), `id="shared-thanks"`) {
		t.Fatalf("accept page:\n%.2000s", w.Body.String())
	}
	// The accepted quote becomes its invoice; its PDF downloads; it is marked paid.
	wantStatus(t, "viewer invoice", e.do(http.MethodPost, path+"/invoice", s.viewr, vals()), http.StatusForbidden)
	wantStatus(t, "invoice", e.do(http.MethodPost, path+"/invoice", s.sales, vals("issue_date", "", "due_date", "")), http.StatusSeeOther)
	body = e.do(http.MethodGet, path, s.sales, nil).Body.String()
	m = regexp.MustCompile(`/invoices/(\d+)/pdf`).FindStringSubmatch(body)
	if m == nil || !strings.Contains(body, `id="invoice-number">INV-`) {
		t.Fatalf("quote page after the invoice:\n%.3000s", body)
	}
	ipdf := e.do(http.MethodGet, "/invoices/"+m[1]+"/pdf", s.viewr, nil)
	if ipdf.Code != http.StatusOK || !strings.HasPrefix(ipdf.Body.String(), "%PDF") {
		t.Fatalf("invoice pdf: %d", ipdf.Code)
	}
	iv := regexp.MustCompile(`action="/invoices/\d+/paid"><input type="hidden" name="version" value="(\d+)"`).FindStringSubmatch(body)
	if iv == nil {
		t.Fatal("no paid button")
	}
	wantStatus(t, "paid", e.do(http.MethodPost, "/invoices/"+m[1]+"/paid", s.sales, vals("version", iv[1], "paid", "1")), http.StatusSeeOther)
	if body = e.do(http.MethodGet, path, s.sales, nil).Body.String(); !strings.Contains(body, `id="invoice-unpaid"`) {
		t.Errorf("the invoice is not shown paid")
	}
	d := e.do(http.MethodGet, fmt.Sprintf("/deals/%d", s.deal.ID), s.admin, nil).Body.String()
	if !strings.Contains(d, `id="contracts"`) {
		t.Errorf("the accepted quote's deal has no contract")
	}
}

func countRows(t *testing.T, e *testEnv, q string) int {
	t.Helper()
	var n int
	if err := e.store.DB().QueryRow(q).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}
