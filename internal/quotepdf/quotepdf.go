// Package quotepdf renders quotes (御見積書 / quotation) and invoices
// (請求書 / invoice) as A4 PDF documents with a Japanese TrueType font
// embedded as a subset (github.com/signintech/gopdf: pure Go, subsets
// fonts, no cgo).
//
// The font is found at run time, not compiled in: RENKEI_PDF_FONT names a
// TrueType file, else the known paths of IPAex Gothic (Debian's
// fonts-ipaexfont-gothic) are tried. This keeps the binary small and the
// font's licence with its package; a server without it gets ErrNoFont, and
// the pages say how to install it.
package quotepdf

import (
	"bytes"
	"errors"
	"fmt"
	"image"
	_ "image/jpeg" // seal images
	_ "image/png"
	"os"
	"strings"

	"github.com/signintech/gopdf"

	"renkei/internal/crm"
	"renkei/internal/i18n"
)

// FontEnv names the environment variable that points at the font file.
const FontEnv = "RENKEI_PDF_FONT"

// KnownFontPaths are tried in order when FontEnv is not set.
var KnownFontPaths = []string{
	"/usr/share/fonts/opentype/ipaexfont-gothic/ipaexg.ttf",
	"/usr/share/fonts/truetype/fonts-japanese-gothic.ttf",
	"/usr/share/fonts/truetype/ipaexfont-gothic/ipaexg.ttf",
	"/usr/local/share/fonts/ipaexg.ttf",
	"/Library/Fonts/ipaexg.ttf",
}

// ErrNoFont means no Japanese font was found for PDF documents.
var ErrNoFont = errors.New("no font for PDF documents: install fonts-ipaexfont-gothic or set RENKEI_PDF_FONT to a TrueType file")

// FindFont returns the path of the font to embed.
func FindFont(getenv func(string) string) (string, error) {
	if p := strings.TrimSpace(getenv(FontEnv)); p != "" {
		if _, err := os.Stat(p); err != nil {
			return "", fmt.Errorf("%s=%s: %w", FontEnv, p, ErrNoFont)
		}
		return p, nil
	}
	for _, p := range KnownFontPaths {
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	return "", ErrNoFont
}

// Renderer renders documents; it parses the font once and is safe for
// concurrent use.
type Renderer struct {
	fonts *gopdf.FontContainer
}

const family = "jp"

// NewRenderer parses the font at path.
func NewRenderer(path string) (*Renderer, error) {
	fc := &gopdf.FontContainer{}
	if err := fc.AddTTFFont(family, path); err != nil {
		return nil, fmt.Errorf("read PDF font %s: %w", path, err)
	}
	return &Renderer{fonts: fc}, nil
}

// Kind is the type of document.
type Kind string

// Document kinds.
const (
	KindQuote   Kind = "quote"
	KindInvoice Kind = "invoice"
)

// Line is one row of the item table.
type Line struct {
	Name      string
	Quantity  int64 // hundredths
	Unit      string
	UnitPrice int64
	Discount  int64 // minor units taken off the line
	Amount    int64 // the line's net
	Category  crm.TaxCategory
}

// Party is our company block.
type Party struct {
	Name, PostalCode, Address, Phone string
	RegNumber                        string // T + 13 digits
	Seal                             []byte // PNG or JPEG, optional
}

// Doc is everything printed on a document. Dates are already formatted.
type Doc struct {
	Kind             Kind
	Lang             crm.Language
	Number           string
	Revision         int
	IssueDate        string
	ValidUntil       string // quotes: 有効期限; invoices: due date
	Delivery         string
	PaymentTerms     string
	Subject          string
	RecipientCompany string
	RecipientPerson  string
	Our              Party
	BankDetails      string // invoices
	Currency         string
	Mode             crm.TaxMode
	Lines            []Line
	Tax              crm.TaxResult
	Notes            string
}

// A4 in points and the layout's measures.
const (
	pageW, pageH = 595.28, 841.89
	margin       = 40.0
	rowH         = 18.0
	bottom       = pageH - 50
)

// table columns: name, quantity, unit, unit price, discount, amount, tax.
var colW = []float64{185, 50, 35, 75, 65, 80, 25.28}

type page struct {
	pdf  *gopdf.GoPdf
	doc  Doc
	y    float64
	num  int
	text map[string]string
}

// Render writes the document as PDF bytes.
func (r *Renderer) Render(doc Doc) ([]byte, error) {
	pdf := &gopdf.GoPdf{}
	pdf.Start(gopdf.Config{PageSize: *gopdf.PageSizeA4})
	pdf.SetCompressLevel(1) // speed over a few KB: renders are on the request path
	if err := pdf.AddTTFFontFromFontContainer(family, r.fonts); err != nil {
		return nil, err
	}
	pdf.SetInfo(gopdf.PdfInfo{Title: label(doc, "title") + " " + doc.Number, Creator: "Renkei"})
	p := &page{pdf: pdf, doc: doc, text: labels(doc)}
	p.newPage()
	if err := p.header(); err != nil {
		return nil, err
	}
	p.tableHeader()
	for _, l := range doc.Lines {
		if p.y+rowH > bottom {
			p.newPage()
			p.tableHeader()
		}
		p.line(l)
	}
	p.summary()
	p.notes()
	return pdf.GetBytesPdfReturnErr()
}

func (p *page) font(size float64) {
	_ = p.pdf.SetFont(family, "", size)
}

func (p *page) newPage() {
	p.pdf.AddPage()
	p.num++
	p.y = margin
	if p.num > 1 {
		p.font(8)
		p.pdf.SetTextColor(110, 110, 110)
		p.at(margin, 22, clean(p.doc.Number), 0)
		p.right(pageW-margin, 22, fmt.Sprintf(p.text["page"], p.num))
		p.pdf.SetTextColor(0, 0, 0)
	}
}

// at writes text at x, y clipped to width w (0: no clipping).
func (p *page) at(x, y float64, s string, w float64) {
	if w > 0 {
		s = p.fit(s, w)
	}
	p.pdf.SetXY(x, y)
	_ = p.pdf.Text(s)
}

// right writes text ending at x.
func (p *page) right(x, y float64, s string) {
	w, _ := p.pdf.MeasureTextWidth(s)
	p.pdf.SetXY(x-w, y)
	_ = p.pdf.Text(s)
}

// fit shortens s with "…" until it is narrower than w.
func (p *page) fit(s string, w float64) string {
	if tw, _ := p.pdf.MeasureTextWidth(s); tw <= w {
		return s
	}
	r := []rune(s)
	for len(r) > 0 {
		r = r[:len(r)-1]
		if tw, _ := p.pdf.MeasureTextWidth(string(r) + "…"); tw <= w {
			break
		}
	}
	return string(r) + "…"
}

func (p *page) header() error {
	d, t := p.doc, p.text
	p.font(20)
	title := t["title"]
	tw, _ := p.pdf.MeasureTextWidth(title)
	p.at((pageW-tw)/2, 58, title, 0)
	p.pdf.SetLineWidth(0.8)
	p.pdf.Line((pageW-tw)/2-10, 64, (pageW+tw)/2+10, 64)

	p.font(9)
	num := clean(d.Number)
	if d.Revision > 1 {
		num += fmt.Sprintf(" (%s %d)", t["revision"], d.Revision)
	}
	p.right(pageW-margin, 90, t["number"]+": "+num)
	p.right(pageW-margin, 103, t["issued"]+": "+clean(d.IssueDate))

	// The recipient.
	p.font(13)
	to := clean(d.RecipientCompany)
	switch {
	case to != "" && d.RecipientPerson != "":
		to += " " + clean(d.RecipientPerson) + t["sama"]
	case to != "":
		to += t["onchu"]
	case d.RecipientPerson != "":
		to = clean(d.RecipientPerson) + t["sama"]
	}
	p.at(margin, 125, to, 280)
	p.pdf.SetLineWidth(0.5)
	p.pdf.Line(margin, 130, margin+280, 130)
	p.font(9)
	p.at(margin, 146, t["intro"], 280)

	// Header fields.
	y := 164.0
	for _, f := range [][2]string{{t["subject"], d.Subject}, {t["valid"], d.ValidUntil},
		{t["delivery"], d.Delivery}, {t["terms"], d.PaymentTerms}} {
		if strings.TrimSpace(f[1]) == "" {
			continue
		}
		p.pdf.SetTextColor(90, 90, 90)
		p.at(margin, y, f[0], 70)
		p.pdf.SetTextColor(0, 0, 0)
		p.at(margin+72, y, clean(f[1]), 208)
		y += 14
	}

	// The total box.
	y += 6
	p.pdf.SetFillColor(235, 240, 248)
	p.pdf.RectFromUpperLeftWithStyle(margin, y, 280, 30, "FD")
	p.font(11)
	p.at(margin+8, y+19, t["amount"], 0)
	p.font(15)
	p.right(margin+272, y+20, i18n.Money(d.Lang, d.Tax.Total, d.Currency)+" "+t["taxin"])
	p.font(9)

	if err := p.ourBlock(); err != nil {
		return err
	}
	p.y = max(y+48, 250)
	return nil
}

func (p *page) ourBlock() error {
	o, t := p.doc.Our, p.text
	x, y := 350.0, 130.0
	p.font(11)
	p.at(x, y, clean(o.Name), pageW-margin-x)
	p.font(8.5)
	y += 14
	if o.PostalCode != "" {
		p.at(x, y, "〒"+clean(o.PostalCode), 0)
		y += 12
	}
	for _, l := range strings.Split(o.Address, "\n") {
		if l = clean(l); l != "" {
			p.at(x, y, l, pageW-margin-x)
			y += 12
		}
	}
	if o.Phone != "" {
		p.at(x, y, "TEL "+clean(o.Phone), 0)
		y += 12
	}
	if o.RegNumber != "" {
		p.at(x, y, t["reg"]+": "+clean(o.RegNumber), 0)
	}
	if len(o.Seal) == 0 {
		return nil
	}
	img, _, err := image.Decode(bytes.NewReader(o.Seal))
	if err != nil {
		return nil // a broken seal image is left out, not fatal
	}
	return p.pdf.ImageFrom(img, pageW-margin-52, 112, &gopdf.Rect{W: 52, H: 52})
}

func (p *page) tableHeader() {
	t := p.text
	p.pdf.SetFillColor(60, 72, 88)
	p.pdf.RectFromUpperLeftWithStyle(margin, p.y, pageW-2*margin, rowH, "F")
	p.pdf.SetTextColor(255, 255, 255)
	p.font(8.5)
	heads := []string{t["item"], t["qty"], t["unit"], t["price"], t["disc"], t["lineamount"], t["rate"]}
	x := margin
	for i, h := range heads {
		if i == 0 {
			p.at(x+4, p.y+12.5, h, 0)
		} else {
			w, _ := p.pdf.MeasureTextWidth(h)
			p.at(x+(colW[i]-w)/2, p.y+12.5, h, 0)
		}
		x += colW[i]
	}
	p.pdf.SetTextColor(0, 0, 0)
	p.y += rowH
}

func (p *page) line(l Line) {
	d := p.doc
	p.font(8.5)
	cells := []string{clean(l.Name), qty(l.Quantity), clean(l.Unit), i18n.Money(d.Lang, l.UnitPrice, d.Currency),
		discount(d, l.Discount), i18n.Money(d.Lang, l.Amount, d.Currency), rateMark(l.Category)}
	x := margin
	for i, c := range cells {
		switch i {
		case 0:
			p.at(x+4, p.y+12.5, c, colW[0]-8)
		case 2:
			p.at(x+3, p.y+12.5, c, colW[2]-6)
		default:
			p.right(x+colW[i]-4, p.y+12.5, c)
		}
		x += colW[i]
	}
	p.pdf.SetStrokeColor(200, 200, 200)
	p.pdf.SetLineWidth(0.4)
	p.pdf.Line(margin, p.y+rowH, pageW-margin, p.y+rowH)
	p.pdf.SetStrokeColor(0, 0, 0)
	p.y += rowH
}

func discount(d Doc, v int64) string {
	if v == 0 {
		return ""
	}
	return "-" + i18n.Money(d.Lang, v, d.Currency)
}

func rateMark(c crm.TaxCategory) string {
	switch c {
	case crm.TaxReduced:
		return "8%※"
	case crm.TaxStandard:
		return "10%"
	}
	return "-"
}

// summary writes the totals: subtotal, quote discount, per rate the base
// and its tax (the qualified invoice system's 10% and 8% apart), total.
func (p *page) summary() {
	d, t := p.doc, p.text
	rows := [][2]string{{t["subtotal"], i18n.Money(d.Lang, d.Tax.Subtotal, d.Currency)}}
	if d.Tax.Discount > 0 {
		rows = append(rows, [2]string{t["qdisc"], "-" + i18n.Money(d.Lang, d.Tax.Discount, d.Currency)})
	}
	for _, r := range d.Tax.Rates {
		name := t["base_"+string(r.Category)]
		rows = append(rows, [2]string{name, i18n.Money(d.Lang, r.Base, d.Currency)})
		if r.Category != crm.TaxExempt {
			rows = append(rows, [2]string{fmt.Sprintf(t["taxof"], r.Rate), i18n.Money(d.Lang, r.Tax, d.Currency)})
		}
	}
	need := float64(len(rows)+1)*16 + 40
	if p.y+need > bottom {
		p.newPage()
	}
	y := p.y + 10
	x0, x1 := 330.0, pageW-margin
	p.font(9)
	for _, r := range rows {
		p.at(x0, y+11, r[0], 140)
		p.right(x1-4, y+11, r[1])
		p.pdf.SetStrokeColor(210, 210, 210)
		p.pdf.Line(x0, y+16, x1, y+16)
		y += 16
	}
	p.pdf.SetStrokeColor(0, 0, 0)
	p.pdf.SetFillColor(235, 240, 248)
	p.pdf.RectFromUpperLeftWithStyle(x0, y+2, x1-x0, 20, "FD")
	p.font(10.5)
	p.at(x0+4, y+16, t["total"], 0)
	p.right(x1-4, y+16, i18n.Money(d.Lang, d.Tax.Total, d.Currency))
	p.font(7.5)
	ny := p.y + 22
	if hasReduced(d.Tax) {
		p.at(margin, ny, t["reduced"], 280)
		ny += 11
	}
	p.at(margin, ny, t["modenote_"+string(d.Mode)], 280)
	p.y = y + 34
}

func hasReduced(r crm.TaxResult) bool {
	for _, x := range r.Rates {
		if x.Category == crm.TaxReduced {
			return true
		}
	}
	return false
}

func (p *page) notes() {
	d, t := p.doc, p.text
	var ls []string
	if d.Kind == KindInvoice && strings.TrimSpace(d.BankDetails) != "" {
		ls = append(ls, t["bank"])
		ls = append(ls, strings.Split(d.BankDetails, "\n")...)
	}
	if strings.TrimSpace(d.Notes) != "" {
		ls = append(ls, t["notes"])
		ls = append(ls, strings.Split(d.Notes, "\n")...)
	}
	p.font(8.5)
	for _, l := range ls {
		if p.y+14 > bottom {
			p.newPage()
		}
		p.at(margin, p.y+10, clean(l), pageW-2*margin)
		p.y += 13
	}
}

// clean drops control characters: they have no glyph and PDF text has no
// markup to escape.
func clean(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return -1
		}
		return r
	}, strings.TrimSpace(s))
}

// qty formats a quantity in hundredths with thousands separators.
func qty(n int64) string {
	s := crm.FormatFixed(n, 2)
	whole, frac, ok := strings.Cut(s, ".")
	var w int64
	fmt.Sscan(whole, &w)
	out := i18n.Number(w)
	if ok {
		out += "." + frac
	}
	return out
}
