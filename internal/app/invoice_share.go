package app

import (
	"context"
	"fmt"
	"strings"
	"time"

	"renkei/internal/crm"
	"renkei/internal/mail"
	"renkei/internal/store"
)

// KindInvoiceSent is the timeline kind of an invoice e-mailed to the customer.
const KindInvoiceSent = "invoice_sent"

// validShareDays is the rule of a share link's validity: 0 (no expiry) to a year.
func validShareDays(days int) error {
	if days < 0 || days > 365 {
		return crm.Invalid("expires_days", "must be between 0 and 365 days")
	}
	return nil
}

// ShareInvoice makes a new share link for an invoice (the old one stops
// working) and returns it; only the token's hash is stored.
func (a *App) ShareInvoice(ctx context.Context, ac Actor, id int64, expiresDays int) (string, error) {
	if err := validShareDays(expiresDays); err != nil {
		return "", err
	}
	if err := ac.require(crm.PermWriteSales); err != nil {
		return "", err
	}
	var link string
	err := a.Store.InTx(ctx, func(tx *store.Tx) error {
		in, err := tx.Invoice(ctx, id)
		if err != nil {
			return err
		}
		if err := a.canSeeInvoice(ctx, ac, in); err != nil {
			return err
		}
		if link, err = a.shareInvoice(ctx, tx, in, expiresDays); err != nil {
			return err
		}
		return tx.Audit(ctx, a.audit(ac, "invoice.share", in.Number, ""))
	})
	return link, err
}

func (a *App) shareInvoice(ctx context.Context, tx *store.Tx, in crm.Invoice, expiresDays int) (string, error) {
	secret, hash := newToken("i_")
	var exp time.Time
	if expiresDays > 0 {
		exp = a.now().AddDate(0, 0, expiresDays)
	}
	if err := tx.SetInvoiceShare(ctx, in.ID, hash, exp); err != nil {
		return "", err
	}
	return a.BaseURL + "/i/" + secret, nil
}

// SharedInvoice returns the invoice of a share token and the quote it
// bills. A wrong, replaced or expired token is crm.ErrNotFound.
func (a *App) SharedInvoice(ctx context.Context, token string) (crm.Invoice, crm.Quote, error) {
	if !strings.HasPrefix(token, "i_") || len(token) > 100 {
		return crm.Invoice{}, crm.Quote{}, crm.ErrNotFound
	}
	in, err := a.Store.InvoiceByShareHash(ctx, hashToken(token))
	if err != nil {
		return crm.Invoice{}, crm.Quote{}, err
	}
	if !in.ShareExpiresAt.IsZero() && !a.now().Before(in.ShareExpiresAt) {
		return crm.Invoice{}, crm.Quote{}, crm.ErrNotFound
	}
	q, err := a.Store.Quote(ctx, in.QuoteID)
	if err != nil {
		return crm.Invoice{}, crm.Quote{}, err
	}
	return in, q, nil
}

// SendInvoice e-mails an invoice to the customer through the workspace's
// SMTP server: the PDF attached and a new share link (the old one stops
// working). The mail is queued in the same transaction as the link and
// the timeline entry. It returns the link.
func (a *App) SendInvoice(ctx context.Context, ac Actor, id int64, in SendInput) (string, error) {
	v := &crm.ValidationError{}
	if validShareDays(in.ExpiresDays) != nil {
		v.Add("expires_days", "must be between 0 and 365 days")
	}
	in.Email = crm.NormalizeEmail(in.Email)
	if in.Email == "" {
		v.Add("email", "enter the customer's e-mail address")
	} else if !crm.ValidEmail(in.Email) {
		v.Add("email", "enter an e-mail address such as taro@example.jp")
	}
	in.Message = clip(strings.TrimSpace(in.Message), 2000)
	if err := v.Err(); err != nil {
		return "", err
	}
	if err := ac.require(crm.PermWriteSales); err != nil {
		return "", err
	}
	inv, err := a.Invoice(ctx, ac, id)
	if err != nil {
		return "", err
	}
	pdf, name, err := a.invoicePDF(ctx, inv)
	if err != nil {
		return "", err
	}
	q, err := a.Store.Quote(ctx, inv.QuoteID)
	if err != nil {
		return "", err
	}
	ws, _, err := a.Workspace(ctx)
	if err != nil {
		return "", err
	}
	var link string
	err = a.Store.InTx(ctx, func(tx *store.Tx) error {
		if link, err = a.shareInvoice(ctx, tx, inv, in.ExpiresDays); err != nil {
			return err
		}
		if err := a.queueMail(ctx, tx, invoiceMail(inv, q, ws, ac.User, in, link, pdf, name)); err != nil {
			return err
		}
		d, err := tx.Deal(ctx, q.DealID)
		if err != nil {
			return err
		}
		if d.ContactID != 0 || d.CompanyID != 0 {
			if err := tx.AddTimeline(ctx, &store.TimelineEntry{At: a.now(), ContactID: d.ContactID,
				CompanyID: d.CompanyID, Kind: KindInvoiceSent, ActorID: ac.User.ID, RefType: "invoice", RefID: inv.ID,
				Data: map[string]any{"number": inv.Number, "total": inv.Total, "currency": inv.Currency,
					"deal": d.Name, "email": in.Email}}); err != nil {
				return err
			}
		}
		return tx.Audit(ctx, a.audit(ac, "invoice.send", inv.Number, in.Email))
	})
	return link, err
}

// invoiceMail is the e-mail that carries an invoice, in the quote's
// language; replies go to the salesperson.
func invoiceMail(inv crm.Invoice, q crm.Quote, ws crm.Workspace, from crm.User, in SendInput, link string,
	pdf []byte, name string) mail.Message {
	d := documentMail{
		subjectJA: "【請求書】" + inv.Number + " " + q.Subject,
		subjectEN: "Invoice " + inv.Number + " " + q.Subject,
		bodyJA: fmt.Sprintf("請求書（%s）をお送りいたします。PDFを添付しております。\nお支払期限: %s\n下記のページから内容のご確認・ダウンロードができます。",
			inv.Number, inv.DueDate),
		bodyEN: fmt.Sprintf("Please find our invoice %s attached as PDF, due %s.\nYou can also view and download it here:",
			inv.Number, inv.DueDate),
	}
	return d.message(q, ws, from, in, link, pdf, name)
}
