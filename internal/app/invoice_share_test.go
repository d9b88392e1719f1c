package app

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"renkei/internal/crm"
)

// invoiced makes the fixture's quote within the limit, sends it, accepts
// it and bills it: total 417,802 (the arithmetic is in TestInvoiceFromAcceptedQuote).
func (f *quoteFixture) invoiced(t *testing.T) crm.Invoice {
	t.Helper()
	in := f.input(t)
	in.Lines[0].UnitPrice = 100_000
	q, err := f.app.CreateQuote(ctx, f.sales, f.deal.ID, in)
	if err != nil {
		t.Fatal(err)
	}
	if q, _, err = f.app.SendQuote(ctx, f.sales, q.ID, q.Version, SendInput{}); err != nil {
		t.Fatal(err)
	}
	if q, err = f.app.AcceptQuote(ctx, f.sales, q.ID); err != nil {
		t.Fatal(err)
	}
	inv, err := f.app.CreateInvoice(ctx, f.sales, q.ID, InvoiceInput{BankDetails: "三井住友銀行 本店 普通 7654321"})
	if err != nil {
		t.Fatal(err)
	}
	return inv
}

func TestInvoiceShareLink(t *testing.T) {
	f := newQuoteFixture(t)
	inv := f.invoiced(t)
	if _, _, err := f.app.SharedInvoice(ctx, "i_wrong"); !errors.Is(err, crm.ErrNotFound) {
		t.Fatalf("wrong token: %v", err)
	}
	if _, err := f.app.ShareInvoice(ctx, f.sales, inv.ID, 400); err == nil {
		t.Fatal("400 days accepted")
	}
	viewer := f.addUser(t, "viewer@example.jp", crm.RoleViewer)
	if _, err := f.app.ShareInvoice(ctx, viewer, inv.ID, 0); !errors.Is(err, crm.ErrForbidden) {
		t.Fatalf("viewer sharing: %v", err)
	}
	link, err := f.app.ShareInvoice(ctx, f.sales, inv.ID, 7)
	if err != nil || !strings.HasPrefix(link, testBaseURL+"/i/i_") {
		t.Fatalf("link %q, %v", link, err)
	}
	token := strings.TrimPrefix(link, testBaseURL+"/i/")
	if n := count(t, f.app.Store, "SELECT COUNT(*) FROM invoices WHERE share_token_hash = '"+hashToken(token)+"'"); n != 1 {
		t.Fatalf("stored hashes = %d", n)
	}
	got, _, err := f.app.SharedInvoice(ctx, token)
	if err != nil || got.ID != inv.ID {
		t.Fatalf("shared invoice: %v", err)
	}
	pdf, name, err := f.app.SharedInvoicePDF(ctx, token)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("pdftotext", "-layout", path, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	for _, want := range []string{"INV-2026-0001", "¥417,802", "三井住友銀行"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("shared PDF lacks %q", want)
		}
	}
	// Day 6 of 7 the link works, day 7 it is gone.
	f.clock.Add(6 * 24 * time.Hour)
	if _, _, err := f.app.SharedInvoice(ctx, token); err != nil {
		t.Fatalf("day 6: %v", err)
	}
	f.clock.Add(24 * time.Hour)
	if _, _, err := f.app.SharedInvoice(ctx, token); !errors.Is(err, crm.ErrNotFound) {
		t.Fatalf("day 7: %v, want not found", err)
	}
	if _, _, err := f.app.SharedInvoicePDF(ctx, token); !errors.Is(err, crm.ErrNotFound) {
		t.Fatalf("expired PDF: %v", err)
	}
	// A new link replaces the old one.
	link2, err := f.app.ShareInvoice(ctx, f.sales, inv.ID, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.clock.Add(400 * 24 * time.Hour)
	if _, _, err := f.app.SharedInvoice(ctx, strings.TrimPrefix(link2, testBaseURL+"/i/")); err != nil {
		t.Fatalf("link without expiry: %v", err)
	}
	old, err := f.app.ShareInvoice(ctx, f.sales, inv.ID, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.app.SharedInvoice(ctx, strings.TrimPrefix(link2, testBaseURL+"/i/")); !errors.Is(err, crm.ErrNotFound) {
		t.Fatalf("replaced token: %v", err)
	}
	if _, _, err := f.app.SharedInvoice(ctx, strings.TrimPrefix(old, testBaseURL+"/i/")); err != nil {
		t.Fatalf("newest token: %v", err)
	}
}

func TestInvoiceEmailCarriesThePDFAndLink(t *testing.T) {
	f := newQuoteFixture(t)
	srv := startMail(t, f.fixture)
	inv := f.invoiced(t)
	before := count(t, f.app.Store, "SELECT COUNT(*) FROM timeline")
	_, err := f.app.SendInvoice(ctx, f.sales, inv.ID, SendInput{Email: "not an address"})
	if v, ok := crm.AsValidation(err); !ok || v.Fields["email"] == "" {
		t.Fatalf("bad address: %v", err)
	}
	if n := count(t, f.app.Store, "SELECT COUNT(*) FROM invoices WHERE share_token_hash IS NOT NULL"); n != 0 {
		t.Fatalf("a refused send made a link")
	}
	link, err := f.app.SendInvoice(ctx, f.sales, inv.ID, SendInput{Email: "keiri@example.jp", Message: "よろしくお願いいたします。"})
	if err != nil {
		t.Fatal(err)
	}
	m := srv.WaitFor(t, "keiri@example.jp", 10*time.Second)
	if !strings.Contains(m.Subject, "請求書") || !strings.Contains(m.Subject, inv.Number) ||
		!strings.Contains(m.Text, link) || !strings.Contains(m.Text, "よろしくお願いいたします。") {
		t.Errorf("mail: %q\n%s", m.Subject, m.Text)
	}
	if len(m.Attachments) != 1 || m.Attachments[0].Name != "INV-2026-0001.pdf" ||
		m.Attachments[0].ContentType != "application/pdf" || !strings.HasPrefix(string(m.Attachments[0].Data), "%PDF") {
		t.Fatalf("attachments = %d", len(m.Attachments))
	}
	if _, _, err := f.app.SharedInvoice(ctx, strings.TrimPrefix(link, testBaseURL+"/i/")); err != nil {
		t.Fatalf("the mailed link: %v", err)
	}
	if n := count(t, f.app.Store, "SELECT COUNT(*) FROM timeline WHERE kind = 'invoice_sent'"); n != 1 {
		t.Fatalf("timeline entries = %d (before %d)", n, before)
	}
}
