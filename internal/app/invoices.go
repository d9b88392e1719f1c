package app

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"renkei/internal/crm"
	"renkei/internal/i18n"
	"renkei/internal/quotepdf"
	"renkei/internal/store"
)

func (a *App) canSeeInvoice(ctx context.Context, ac Actor, in crm.Invoice) error {
	return a.canSeeDeal(ctx, ac, crm.Deal{OwnerID: in.DealOwnerID, TeamID: in.DealTeamID})
}

// Invoice returns one invoice the actor may see (the deal's visibility).
func (a *App) Invoice(ctx context.Context, ac Actor, id int64) (crm.Invoice, error) {
	if err := ac.require(crm.PermReadAll); err != nil {
		return crm.Invoice{}, err
	}
	in, err := a.Store.Invoice(ctx, id)
	if err != nil {
		return in, err
	}
	return in, a.canSeeInvoice(ctx, ac, in)
}

// Invoices lists the invoices the actor may see.
func (a *App) Invoices(ctx context.Context, ac Actor, f store.InvoiceQuery) ([]crm.Invoice, error) {
	if err := ac.require(crm.PermReadAll); err != nil {
		return nil, err
	}
	if f.Status != "" && f.Status != string(crm.InvoicePaid) && f.Status != string(crm.InvoiceUnpaid) {
		return nil, crm.Invalid("status", "choose paid or unpaid")
	}
	ins, err := a.Store.Invoices(ctx, f)
	if err != nil {
		return nil, err
	}
	canSee, err := a.dealSeer(ctx, ac)
	if err != nil {
		return nil, err
	}
	out := ins[:0]
	for _, in := range ins {
		if canSee(in.DealOwnerID, in.DealTeamID) {
			out = append(out, in)
		}
	}
	return out, nil
}

// InvoiceInput is what an invoice adds to its quote; empty dates take
// today and the end of next month, empty bank details the settings'.
type InvoiceInput struct {
	IssueDate   string
	DueDate     string
	BankDetails string
}

// CreateInvoice turns an accepted quote into its invoice, in one step,
// with the next INV-YYYY-NNNN number of the issue year.
func (a *App) CreateInvoice(ctx context.Context, ac Actor, quoteID int64, in InvoiceInput) (crm.Invoice, error) {
	if err := ac.require(crm.PermWriteSales); err != nil {
		return crm.Invoice{}, err
	}
	today, _, err := a.quoteDay(ctx)
	if err != nil {
		return crm.Invoice{}, err
	}
	settings, _, err := a.QuoteSettings(ctx)
	if err != nil {
		return crm.Invoice{}, err
	}
	inv := crm.Invoice{QuoteID: quoteID, IssueDate: in.IssueDate, DueDate: in.DueDate, BankDetails: in.BankDetails,
		Status: crm.InvoiceUnpaid, CreatedBy: ac.User.ID}
	if inv.IssueDate == "" {
		inv.IssueDate = today
	}
	if inv.DueDate == "" {
		inv.DueDate = crm.EndOfNextMonth(inv.IssueDate)
	}
	if inv.BankDetails == "" {
		inv.BankDetails = settings.BankDetails
	}
	inv.Normalize()
	if err := inv.Validate(); err != nil {
		return inv, err
	}
	err = a.Store.InTx(ctx, func(tx *store.Tx) error {
		q, err := tx.Quote(ctx, quoteID)
		if errors.Is(err, crm.ErrNotFound) {
			return crm.Invalid("quote_id", "this quote does not exist")
		} else if err != nil {
			return err
		}
		if err := a.canSeeQuote(ctx, ac, q); err != nil {
			return crm.Invalid("quote_id", "this quote does not exist")
		}
		if q.Status != crm.QuoteAccepted {
			return crm.Invalid("quote_id", "only an accepted quote becomes an invoice")
		}
		year, _ := strconv.Atoi(inv.IssueDate[:4])
		n, err := tx.NextDocumentNumber(ctx, "INV", year)
		if err != nil {
			return err
		}
		inv.Number = crm.QuoteNumber("INV", year, n)
		if err := tx.CreateInvoice(ctx, &inv, a.now()); errors.Is(err, crm.ErrConflict) {
			return crm.Invalid("quote_id", "this quote has an invoice already")
		} else if err != nil {
			return err
		}
		return tx.Audit(ctx, a.audit(ac, "invoice.create", inv.Number, q.Number))
	})
	if err != nil {
		return inv, err
	}
	return a.Store.Invoice(ctx, inv.ID)
}

// SetInvoicePaid marks an invoice paid (today) or unpaid when version matches.
func (a *App) SetInvoicePaid(ctx context.Context, ac Actor, id, version int64, paid bool) (crm.Invoice, error) {
	if err := ac.require(crm.PermWriteSales); err != nil {
		return crm.Invoice{}, err
	}
	var in crm.Invoice
	err := a.Store.InTx(ctx, func(tx *store.Tx) error {
		var err error
		if in, err = tx.Invoice(ctx, id); err != nil {
			return err
		}
		if err := a.canSeeInvoice(ctx, ac, in); err != nil {
			return err
		}
		if version != in.Version {
			return crm.ErrStale
		}
		in.Status, in.PaidAt = crm.InvoiceUnpaid, time.Time{}
		if paid {
			in.Status, in.PaidAt = crm.InvoicePaid, a.now()
		}
		if err := tx.SetInvoiceStatus(ctx, &in, a.now()); err != nil {
			return err
		}
		return tx.Audit(ctx, a.audit(ac, "invoice."+string(in.Status), in.Number, ""))
	})
	return in, err
}

// InvoicePDF renders an invoice: the accepted quote's lines and per-rate
// totals, the invoice's number, dates and bank details.
func (a *App) InvoicePDF(ctx context.Context, ac Actor, id int64) ([]byte, string, error) {
	in, err := a.Invoice(ctx, ac, id)
	if err != nil {
		return nil, "", err
	}
	return a.invoicePDF(ctx, in)
}

// SharedInvoicePDF renders the invoice of a share token.
func (a *App) SharedInvoicePDF(ctx context.Context, token string) ([]byte, string, error) {
	in, _, err := a.SharedInvoice(ctx, token)
	if err != nil {
		return nil, "", err
	}
	return a.invoicePDF(ctx, in)
}

func (a *App) invoicePDF(ctx context.Context, in crm.Invoice) ([]byte, string, error) {
	q, err := a.Store.Quote(ctx, in.QuoteID)
	if err != nil {
		return nil, "", err
	}
	r, err := a.renderer()
	if err != nil {
		return nil, "", err
	}
	ws, _, err := a.Workspace(ctx)
	if err != nil {
		return nil, "", err
	}
	doc, err := QuoteDocument(q, ws)
	if err != nil {
		return nil, "", err
	}
	doc.Kind, doc.Number, doc.Revision = quotepdf.KindInvoice, in.Number, 0
	doc.ValidUntil = ""
	doc.BankDetails = in.BankDetails
	if t, err := time.Parse(time.DateOnly, in.IssueDate); err == nil {
		doc.IssueDate = i18n.Date(q.Language, t)
	}
	if t, err := time.Parse(time.DateOnly, in.DueDate); err == nil {
		doc.ValidUntil = i18n.Date(q.Language, t)
	}
	doc.Delivery = ""
	if q.Number != "" {
		doc.Notes = fmt.Sprintf("%s %s\n%s", labelQuote(q.Language), q.Number, q.Notes)
	}
	b, err := r.Render(doc)
	return b, in.Number + ".pdf", err
}

func labelQuote(l crm.Language) string {
	if l == crm.LangJA {
		return "御見積書番号:"
	}
	return "Quotation:"
}
