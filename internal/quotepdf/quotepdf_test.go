package quotepdf

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"renkei/internal/crm"
)

func renderer(t testing.TB) *Renderer {
	t.Helper()
	path, err := FindFont(os.Getenv)
	if err != nil {
		t.Fatalf("%v (scripts/test-deps.sh installs it)", err)
	}
	r, err := NewRenderer(path)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func seal(t testing.TB) []byte {
	img := image.NewRGBA(image.Rect(0, 0, 64, 64))
	for x := 4; x < 60; x++ {
		for y := 4; y < 60; y++ {
			if x < 8 || x > 55 || y < 8 || y > 55 {
				img.Set(x, y, color.RGBA{200, 30, 30, 255})
			}
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// sample is a quote with 10% and 8% lines, a line discount and a quote
// discount, computed by crm.ComputeTax.
func sample(t testing.TB, lang crm.Language, n int) Doc {
	in := crm.TaxInput{Mode: crm.TaxExclusive, Rounding: crm.RoundFloor, Discount: crm.Discount{Value: 10000}}
	var lines []Line
	for i := range n {
		l := crm.TaxLine{Quantity: 200, UnitPrice: 120000, Category: crm.TaxStandard}
		name := fmt.Sprintf("クラウド会計 ライセンス <b>&\"年額\" %d", i+1)
		if i%2 == 1 {
			l = crm.TaxLine{Quantity: 1050, UnitPrice: 1500, Category: crm.TaxReduced, Discount: crm.Discount{Value: 750}}
			name = fmt.Sprintf("お茶菓子セット %d", i+1)
		}
		in.Lines = append(in.Lines, l)
		lines = append(lines, Line{Name: name, Quantity: l.Quantity, Unit: "式", UnitPrice: l.UnitPrice, Category: l.Category})
	}
	res, err := crm.ComputeTax(in)
	if err != nil {
		t.Fatal(err)
	}
	for i := range lines {
		lines[i].Discount, lines[i].Amount = res.Lines[i].Discount, res.Lines[i].Net
	}
	return Doc{Kind: KindQuote, Lang: lang, Number: "Q-2026-0001", Revision: 2, IssueDate: "2026年4月1日",
		ValidUntil: "2026年4月30日", Delivery: "ご発注後2週間", PaymentTerms: "月末締め翌月末払い",
		Subject: "会計システム導入", RecipientCompany: "株式会社さくら商事", Our: Party{Name: "連携ソフト株式会社",
			PostalCode: "100-0005", Address: "東京都千代田区丸の内1-1-1", Phone: "03-1234-5678",
			RegNumber: "T1234567890123", Seal: seal(t)},
		Currency: "JPY", Mode: crm.TaxExclusive, Lines: lines, Tax: res, Notes: "本見積の有効期限は発行日より30日です。"}
}

func pdfText(t *testing.T, pdf []byte) string {
	t.Helper()
	dir := t.TempDir()
	f := filepath.Join(dir, "q.pdf")
	if err := os.WriteFile(f, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("pdftotext", "-layout", f, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v (install poppler-utils)", err)
	}
	return string(out)
}

func pages(t *testing.T, pdf []byte) string {
	f := filepath.Join(t.TempDir(), "q.pdf")
	os.WriteFile(f, pdf, 0o600)
	out, err := exec.Command("pdfinfo", f).Output()
	if err != nil {
		t.Fatalf("pdfinfo: %v", err)
	}
	for _, l := range strings.Split(string(out), "\n") {
		if strings.HasPrefix(l, "Pages:") {
			return strings.TrimSpace(strings.TrimPrefix(l, "Pages:"))
		}
	}
	return ""
}

// screenshot writes page 1 as PNG into RENKEI_SCREENSHOTS when set.
func screenshot(t *testing.T, pdf []byte, name string) {
	dir := os.Getenv("RENKEI_SCREENSHOTS")
	if dir == "" {
		return
	}
	f := filepath.Join(dir, name+".pdf")
	os.WriteFile(f, pdf, 0o600)
	if out, err := exec.Command("pdftoppm", "-png", "-r", "80", "-f", "1", "-l", "1", "-singlefile", f,
		filepath.Join(dir, name)).CombinedOutput(); err != nil {
		t.Errorf("pdftoppm: %v %s", err, out)
	}
}

func TestRenderJapanese(t *testing.T) {
	doc := sample(t, crm.LangJA, 4)
	// Lines: 2 × 120,000 = 240,000 (twice, 10%); 10.5 × 1,500 = 15,750 − 750 = 15,000 (twice, 8%).
	// Subtotal 480,000 + 30,000 = 510,000; ¥10,000 off: 10% share 10,000 × 480,000 / 510,000 = 9,411.76 → 9,411,
	// 8% share 588.23 → 588, the yen left goes to the larger remainder (10%) → 9,412.
	// 10%: 480,000 − 9,412 = 470,588, tax 47,058.8 → 47,058. 8%: 30,000 − 588 = 29,412, tax 2,352.96 → 2,352.
	// Total 470,588 + 47,058 + 29,412 + 2,352 = 549,410.
	if doc.Tax.Total != 549410 {
		t.Fatalf("total = %d, want 549410", doc.Tax.Total)
	}
	pdf, err := renderer(t).Render(doc)
	if err != nil {
		t.Fatal(err)
	}
	txt := pdfText(t, pdf)
	for _, want := range []string{"御見積書", "株式会社さくら商事 御中", "Q-2026-0001", "有効期限", "2026年4月30日",
		"登録番号: T1234567890123", "¥549,410", "¥470,588", "¥47,058", "¥29,412", "¥2,352", "10%対象", "8%対象",
		"8%※", "¥240,000", "10.5", "<b>&\"年額\" 1", "お値引き", "-¥10,000"} {
		if !strings.Contains(txt, want) {
			t.Errorf("PDF text lacks %q:\n%s", want, txt)
		}
	}
	if p := pages(t, pdf); p != "1" {
		t.Errorf("pages = %s, want 1", p)
	}
	screenshot(t, pdf, "quote-ja")
}

func TestRenderEnglish(t *testing.T) {
	doc := sample(t, crm.LangEN, 4)
	doc.RecipientCompany, doc.RecipientPerson = "Sakura Trading Ltd.", "Hanako Sato"
	doc.Subject, doc.Delivery, doc.PaymentTerms = "Accounting system", "Two weeks after order", "Net 30"
	pdf, err := renderer(t).Render(doc)
	if err != nil {
		t.Fatal(err)
	}
	txt := pdfText(t, pdf)
	for _, want := range []string{"QUOTATION", "Sakura Trading Ltd. Hanako Sato", "Valid until", "Total (tax incl.)",
		"¥549,410", "Consumption tax (10%)", "Consumption tax (8%)", "Registration No.: T1234567890123"} {
		if !strings.Contains(txt, want) {
			t.Errorf("PDF text lacks %q:\n%s", want, txt)
		}
	}
	screenshot(t, pdf, "quote-en")
}

func TestRenderPaginates(t *testing.T) {
	doc := sample(t, crm.LangJA, 200)
	pdf, err := renderer(t).Render(doc)
	if err != nil {
		t.Fatal(err)
	}
	p := pages(t, pdf)
	if p == "1" || p == "" {
		t.Fatalf("a 200-line quote has %s page(s), want more than 1", p)
	}
	txt := pdfText(t, pdf)
	// The table header is repeated on every page.
	if n := strings.Count(txt, "品名"); fmt.Sprint(n) != p {
		t.Errorf("table header printed %d times on %s pages", n, p)
	}
	for _, want := range []string{"お茶菓子セット 200", "2 ページ"} {
		if !strings.Contains(txt, want) {
			t.Errorf("PDF text lacks %q", want)
		}
	}
	screenshot(t, pdf, "quote-200")
}

func TestFindFont(t *testing.T) {
	_, err := FindFont(func(string) string { return "/nonexistent/font.ttf" })
	if err == nil || !strings.Contains(err.Error(), "fonts-ipaexfont-gothic") {
		t.Errorf("err = %v, want ErrNoFont naming the package", err)
	}
}

func BenchmarkRender20(b *testing.B) {
	r, doc := renderer(b), sample(b, crm.LangJA, 20)
	for b.Loop() {
		if _, err := r.Render(doc); err != nil {
			b.Fatal(err)
		}
	}
}

func TestRenderInvoice(t *testing.T) {
	doc := sample(t, crm.LangJA, 4)
	doc.Kind, doc.Number, doc.Revision = KindInvoice, "INV-2026-0001", 0
	doc.ValidUntil, doc.Delivery = "2026年5月31日", ""
	doc.BankDetails = "みずほ銀行 丸の内支店\n普通 1234567 レンケイソフト（カ"
	pdf, err := renderer(t).Render(doc)
	if err != nil {
		t.Fatal(err)
	}
	txt := pdfText(t, pdf)
	for _, want := range []string{"請求書", "INV-2026-0001", "ご請求金額", "お支払期限", "2026年5月31日", "お振込先",
		"みずほ銀行 丸の内支店", "登録番号: T1234567890123", "10%対象", "8%対象", "¥549,410"} {
		if !strings.Contains(txt, want) {
			t.Errorf("invoice text lacks %q:\n%s", want, txt)
		}
	}
	screenshot(t, pdf, "invoice-ja")
}
