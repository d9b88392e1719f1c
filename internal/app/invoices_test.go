package app

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"renkei/internal/crm"
)

func TestInvoiceFromAcceptedQuote(t *testing.T) {
	f := newQuoteFixture(t)
	if _, err := f.app.SetQuoteSettings(ctx, f.owner, crm.QuoteSettings{MaxDiscountBP: 10_00, ValidDays: 30,
		BankDetails: "みずほ銀行 丸の内支店 普通 1234567 カ）サンプル"}, 0); err != nil {
		t.Fatal(err)
	}
	in := f.input(t)
	in.Lines[0].UnitPrice = 100_000 // within the limit
	q, err := f.app.CreateQuote(ctx, f.sales, f.deal.ID, in)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.app.CreateInvoice(ctx, f.sales, q.ID, InvoiceInput{}); err == nil {
		t.Fatal("a draft quote became an invoice")
	}
	if q, _, err = f.app.SendQuote(ctx, f.sales, q.ID, q.Version, SendInput{}); err != nil {
		t.Fatal(err)
	}
	if q, err = f.app.AcceptQuote(ctx, f.sales, q.ID); err != nil {
		t.Fatal(err)
	}
	// Lines: 3 × 100,000 + 1.5 × 50,000 = 375,000 at 10%; 10 × 1,000 = 10,000 at 8%; ¥5,000 off:
	// 10% share 5,000 × 375,000 / 385,000 = 4,870.12 → 4,870; 8% 129.87 → 129, +1 (larger remainder) → 130.
	// 10%: 370,130, tax 37,013. 8%: 9,870, tax 789.6 → 789. Total 370,130 + 37,013 + 9,870 + 789 = 417,802.
	if q.Total != 417_802 {
		t.Fatalf("quote total = %d", q.Total)
	}
	inv, err := f.app.CreateInvoice(ctx, f.sales, q.ID, InvoiceInput{})
	if err != nil {
		t.Fatal(err)
	}
	// Issued on the clock's day, 2026-04-01 in Tokyo, due at the end of May.
	if inv.Number != "INV-2026-0001" || inv.IssueDate != "2026-04-01" || inv.DueDate != "2026-05-31" ||
		inv.Status != crm.InvoiceUnpaid || inv.Total != 417_802 || !strings.Contains(inv.BankDetails, "みずほ銀行") {
		t.Fatalf("invoice = %+v", inv)
	}
	if _, err := f.app.CreateInvoice(ctx, f.sales, q.ID, InvoiceInput{}); err == nil {
		t.Fatal("a second invoice for the same quote")
	}
	pdf, name, err := f.app.InvoicePDF(ctx, f.sales, inv.ID)
	if err != nil || name != "INV-2026-0001.pdf" {
		t.Fatalf("InvoicePDF: %q, %v", name, err)
	}
	path := filepath.Join(t.TempDir(), name)
	os.WriteFile(path, pdf, 0o600)
	out, err := exec.Command("pdftotext", "-layout", path, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	for _, want := range []string{"請求書", "INV-2026-0001", "¥417,802", "お支払期限", "2026年5月31日", "みずほ銀行", "¥37,013", "¥789", q.Number} {
		if !strings.Contains(string(out), want) {
			t.Errorf("invoice PDF lacks %q:\n%s", want, out)
		}
	}
	inv, err = f.app.SetInvoicePaid(ctx, f.sales, inv.ID, inv.Version, true)
	if err != nil || inv.Status != crm.InvoicePaid || inv.PaidAt.IsZero() {
		t.Fatalf("paid: %+v, %v", inv.Status, err)
	}
}
