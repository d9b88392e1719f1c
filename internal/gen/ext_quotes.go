package gen

import (
	"context"
	"encoding/json"
	"maps"
	"slices"
	"time"

	"renkei/internal/crm"
	"renkei/internal/store"
)

// quotes adds two revisions of a quote to every won deal of the sales
// extension: revision 1 at list price, sent three weeks before the win,
// and revision 2 with the negotiated discount, accepted on the won day
// (the negotiation the quote pages and the discount report show). Totals
// come from crm's tax math. It draws no random numbers.
type quotes struct {
	w              *World
	sales          *sales
	quotes, lines  *store.BulkTable
	numbers, tl    *store.BulkTable
	invoices       *store.BulkTable
	next, nextLine int64
	perYear        map[int]int64
	invPerYear     map[int]int64
}

// quotesExtension follows the sales extension s (nil without it).
func quotesExtension(w *World, s Extension) Extension {
	sx, ok := s.(*sales)
	if !ok || sx == nil {
		return nil
	}
	return &quotes{w: w, sales: sx, perYear: map[int]int64{}, invPerYear: map[int]int64{}}
}

func (q *quotes) Tables(ctx context.Context, b *store.Bulk) (err error) {
	if q.quotes, err = b.Table(ctx, "quotes", "id", "deal_id", "number", "revision", "status", "language", "currency",
		"tax_mode", "rounding", "issue_date", "valid_until", "delivery", "payment_terms", "subject", "recipient_company",
		"recipient_person", "notes", "discount_percent", "discount_value", "list_total", "subtotal", "discount_total",
		"tax_total", "total", "discount_bp", "owner_id", "sent_at", "answered_at", "created_at", "updated_at",
		"version"); err != nil {
		return err
	}
	if q.lines, err = b.Table(ctx, "quote_lines", "id", "quote_id", "position", "name", "unit", "quantity",
		"unit_price", "list_price", "discount_percent", "discount_value", "tax_category", "amount"); err != nil {
		return err
	}
	if q.invoices, err = b.Table(ctx, "invoices", "id", "quote_id", "number", "issue_date", "due_date", "bank_details",
		"status", "paid_at", "created_at", "updated_at", "version"); err != nil {
		return err
	}
	if q.numbers, err = b.Table(ctx, "document_numbers", "kind", "year", "last"); err != nil {
		return err
	}
	q.tl, err = b.Table(ctx, "timeline", "at", "contact_id", "company_id", "kind", "actor_id", "data", "ref_type", "ref_id")
	return err
}

// demoDiscounts are the negotiated discounts (hundredths of a percent), by deal.
var demoDiscounts = []int64{5_00, 10_00, 8_00, 12_00, 0, 15_00}

func (q *quotes) Company(ctx context.Context, co *Company, people []Person) error {
	for _, d := range q.sales.won {
		p := d.person
		sent := d.at.Add(-21 * 24 * time.Hour).In(q.w.jst)
		year := sent.Year()
		q.perYear[year]++
		number := crm.QuoteNumber("Q", year, q.perYear[year])
		// Licences for ten users priced so that the accepted revision is
		// about the deal's amount, plus 1.5 days of set-up.
		unit := max(d.amount/10/100*100, 1000)
		disc := demoDiscounts[d.id%int64(len(demoDiscounts))]
		for rev := 1; rev <= 2; rev++ {
			price := unit
			status, issued, answered := crm.QuoteSent, sent, time.Time{}
			if rev == 2 {
				price = unit - unit*disc/100_00
				status, issued, answered = crm.QuoteAccepted, d.at.Add(-2*24*time.Hour).In(q.w.jst), d.at
			}
			qt := crm.Quote{Language: crm.LangJA, Currency: "JPY", TaxMode: crm.TaxExclusive, Rounding: crm.RoundFloor,
				IssueDate: issued.Format(time.DateOnly), ValidUntil: issued.AddDate(0, 0, 30).Format(time.DateOnly),
				RecipientCompany: co.Name, RecipientPerson: p.Family + " " + p.Given, Subject: co.Name + " 導入のお見積り",
				Lines: []crm.QuoteLine{
					{Name: "クラウドCRM 年間ライセンス", Unit: "ユーザー", Quantity: 1000, UnitPrice: price, ListPrice: unit, Category: crm.TaxStandard},
					{Name: "導入支援", Unit: "日", Quantity: 150, UnitPrice: 80_000, ListPrice: 80_000, Category: crm.TaxStandard},
				}}
			if err := qt.Compute(); err != nil {
				return err
			}
			q.next++
			if err := q.quotes.Add(ctx, q.next, d.id, number, rev, string(status), "ja", "JPY", "exclusive", "floor",
				qt.IssueDate, qt.ValidUntil, "ご発注後2週間", "月末締め翌月末払い", qt.Subject, qt.RecipientCompany,
				qt.RecipientPerson, "", 0, 0, qt.ListTotal, qt.Subtotal, qt.DiscountTotal, qt.TaxTotal, qt.Total,
				qt.DiscountBP, nullID(p.OwnerID), ms(issued), ms(answered), ms(issued), ms(issued), 1); err != nil {
				return err
			}
			for i, l := range qt.Lines {
				q.nextLine++
				if err := q.lines.Add(ctx, q.nextLine, q.next, i, l.Name, l.Unit, l.Quantity, l.UnitPrice, l.ListPrice,
					0, 0, string(l.Category), l.Amount); err != nil {
					return err
				}
			}
			if rev == 2 {
				if err := q.invoice(ctx, d.at.In(q.w.jst)); err != nil {
					return err
				}
			}
			kind, at := "quote_sent", issued
			if rev == 2 {
				kind, at = "quote_accepted", d.at
			}
			data, _ := json.Marshal(map[string]any{"number": number, "revision": rev, "total": qt.Total, "currency": "JPY"})
			if err := q.tl.Add(ctx, ms(at), int64(p.ID), int64(co.ID), kind, nullID(p.OwnerID), string(data), "quote", q.next); err != nil {
				return err
			}
		}
	}
	return nil
}

// invoice writes the invoice of the accepted quote q.next, issued on the
// won day and due at the end of the next month; paid once that is past.
func (q *quotes) invoice(ctx context.Context, won time.Time) error {
	year := won.Year()
	q.invPerYear[year]++
	issue := won.Format(time.DateOnly)
	due := crm.EndOfNextMonth(issue)
	status, paid := crm.InvoiceUnpaid, time.Time{}
	if dueAt, _ := time.ParseInLocation(time.DateOnly, due, q.w.jst); dueAt.Before(q.w.Now()) {
		status, paid = crm.InvoicePaid, dueAt.Add(-3*24*time.Hour)
	}
	return q.invoices.Add(ctx, q.next, q.next, crm.QuoteNumber("INV", year, q.invPerYear[year]), issue, due,
		"みずほ銀行 丸の内支店 普通 1234567", string(status), ms(paid), ms(won), ms(won), 1)
}

// Done writes the numbering counters, so that the next quote made in the
// app follows the demo's.
func (q *quotes) Done(ctx context.Context) error {
	for _, year := range slices.Sorted(maps.Keys(q.perYear)) {
		if err := q.numbers.Add(ctx, "Q", year, q.perYear[year]); err != nil {
			return err
		}
	}
	for _, year := range slices.Sorted(maps.Keys(q.invPerYear)) {
		if err := q.numbers.Add(ctx, "INV", year, q.invPerYear[year]); err != nil {
			return err
		}
	}
	return nil
}
