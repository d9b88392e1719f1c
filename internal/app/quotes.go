package app

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"renkei/internal/crm"
	"renkei/internal/i18n"
	"renkei/internal/mail"
	"renkei/internal/quotepdf"
	"renkei/internal/store"
)

// Timeline kinds of quotes, on the deal's contact and company.
const (
	KindQuoteSent     = "quote_sent"
	KindQuoteAccepted = "quote_accepted"
)

// Webhook-free by design: accepting a quote moves the deal, and the deal's
// events (deal.stage, deal.won) are what integrations already listen to.

const keyQuotes = "quotes"

// QuoteSettings returns the workspace's quote settings and their version.
func (a *App) QuoteSettings(ctx context.Context) (crm.QuoteSettings, int64, error) {
	s := crm.DefaultQuoteSettings()
	v, err := a.Store.Setting(ctx, keyQuotes, &s)
	if errors.Is(err, crm.ErrNotFound) {
		return crm.DefaultQuoteSettings(), 0, nil
	}
	return s, v, err
}

// SetQuoteSettings replaces the quote settings (admins).
func (a *App) SetQuoteSettings(ctx context.Context, ac Actor, s crm.QuoteSettings, version int64) (crm.QuoteSettings, error) {
	if err := ac.require(crm.PermSettings); err != nil {
		return s, err
	}
	v := &crm.ValidationError{}
	if s.MaxDiscountBP < 0 || s.MaxDiscountBP > crm.MaxPercent {
		v.Add("max_discount", "must be between 0% and 100%")
	}
	if s.ValidDays < 1 || s.ValidDays > 365 {
		v.Add("valid_days", "must be between 1 and 365 days")
	}
	s.PaymentTerms = strings.TrimSpace(s.PaymentTerms)
	if len([]rune(s.PaymentTerms)) > 200 {
		v.Add("payment_terms", "is too long (200 characters at most)")
	}
	s.BankDetails = strings.TrimSpace(s.BankDetails)
	if len([]rune(s.BankDetails)) > crm.MaxBankDetails {
		v.Add("bank_details", "is too long (1,000 characters at most)")
	}
	if s.AcceptStageID != 0 {
		if st, err := a.Store.Stage(ctx, s.AcceptStageID); err != nil || st.Kind != crm.StageWon {
			v.Add("accept_stage_id", "choose a won stage")
		}
	}
	if err := v.Err(); err != nil {
		return s, err
	}
	err := a.Store.InTx(ctx, func(tx *store.Tx) error {
		if _, err := tx.PutSetting(ctx, keyQuotes, s, version, a.now()); err != nil {
			return err
		}
		return tx.Audit(ctx, a.audit(ac, "settings.quotes", fmt.Sprintf("max discount %d bp", s.MaxDiscountBP), ""))
	})
	return s, err
}

// ---- reading ----

func (a *App) canSeeQuote(ctx context.Context, ac Actor, q crm.Quote) error {
	return a.canSeeDeal(ctx, ac, crm.Deal{OwnerID: q.DealOwnerID, TeamID: q.DealTeamID})
}

// Quote returns one quote with its lines.
func (a *App) Quote(ctx context.Context, ac Actor, id int64) (crm.Quote, error) {
	if err := ac.require(crm.PermReadAll); err != nil {
		return crm.Quote{}, err
	}
	q, err := a.Store.Quote(ctx, id)
	if err != nil {
		return q, err
	}
	return q, a.canSeeQuote(ctx, ac, q)
}

// Quotes lists the quotes the actor may see.
func (a *App) Quotes(ctx context.Context, ac Actor, f store.QuoteQuery) ([]crm.Quote, error) {
	if err := ac.require(crm.PermReadAll); err != nil {
		return nil, err
	}
	if f.Status != "" && !validQuoteStatus(f.Status) {
		return nil, crm.Invalid("status", "choose a quote status from the list")
	}
	qs, err := a.Store.Quotes(ctx, f)
	if err != nil {
		return nil, err
	}
	canSee, err := a.dealSeer(ctx, ac)
	if err != nil {
		return nil, err
	}
	out := qs[:0]
	for _, q := range qs {
		if canSee(q.DealOwnerID, q.DealTeamID) {
			out = append(out, q)
		}
	}
	return out, nil
}

func validQuoteStatus(s string) bool {
	for _, x := range crm.QuoteStatuses {
		if string(x) == s {
			return true
		}
	}
	return false
}

// QuoteRevisions returns every revision of a quote's number, newest first,
// with lines: the negotiation (list → offered → final per revision).
func (a *App) QuoteRevisions(ctx context.Context, ac Actor, id int64) ([]crm.Quote, error) {
	q, err := a.Quote(ctx, ac, id)
	if err != nil {
		return nil, err
	}
	qs, err := a.Store.Quotes(ctx, store.QuoteQuery{Number: q.Number})
	if err != nil {
		return nil, err
	}
	for i := range qs {
		if qs[i], err = a.Store.Quote(ctx, qs[i].ID); err != nil {
			return nil, err
		}
	}
	return qs, nil
}

// QuoteApprovals returns the guardrail log of a quote's number.
func (a *App) QuoteApprovals(ctx context.Context, ac Actor, id int64) ([]crm.QuoteApproval, error) {
	q, err := a.Quote(ctx, ac, id)
	if err != nil {
		return nil, err
	}
	return a.Store.QuoteApprovals(ctx, q.Number)
}

// quoteDay returns the workspace's current civil date.
func (a *App) quoteDay(ctx context.Context) (string, crm.Workspace, error) {
	ws, _, err := a.Workspace(ctx)
	if err != nil {
		return "", ws, err
	}
	return a.now().In(ws.Location()).Format(time.DateOnly), ws, nil
}

// QuoteToday returns the workspace's date, to read a quote's status as
// people do (DisplayStatus).
func (a *App) QuoteToday(ctx context.Context) string {
	d, _, _ := a.quoteDay(ctx)
	return d
}

// ---- writing ----

// QuoteInput is the editable part of a quote.
type QuoteInput struct {
	Language         crm.Language
	Currency         string
	TaxMode          crm.TaxMode
	Rounding         crm.Rounding
	IssueDate        string
	ValidUntil       string
	Delivery         string
	PaymentTerms     string
	Subject          string
	RecipientCompany string
	RecipientPerson  string
	Notes            string
	Discount         crm.Discount
	Lines            []crm.QuoteLine
}

func (in QuoteInput) apply(q *crm.Quote) {
	q.Language, q.Currency, q.TaxMode, q.Rounding = in.Language, in.Currency, in.TaxMode, in.Rounding
	q.IssueDate, q.ValidUntil, q.Delivery, q.PaymentTerms = in.IssueDate, in.ValidUntil, in.Delivery, in.PaymentTerms
	q.Subject, q.RecipientCompany, q.RecipientPerson = in.Subject, in.RecipientCompany, in.RecipientPerson
	q.Notes, q.Discount, q.Lines = in.Notes, in.Discount, in.Lines
}

// NewQuoteInput returns the starting values of a new quote on a deal: the
// deal's company and contact as recipient, today, the default validity
// and payment terms, the deal's currency.
func (a *App) NewQuoteInput(ctx context.Context, ac Actor, dealID int64) (QuoteInput, error) {
	d, err := a.Deal(ctx, ac, dealID)
	if err != nil {
		return QuoteInput{}, err
	}
	today, ws, err := a.quoteDay(ctx)
	if err != nil {
		return QuoteInput{}, err
	}
	s, _, err := a.QuoteSettings(ctx)
	if err != nil {
		return QuoteInput{}, err
	}
	day, _ := time.Parse(time.DateOnly, today)
	in := QuoteInput{Language: ws.Language, Currency: d.Currency, TaxMode: crm.TaxExclusive, Rounding: crm.RoundFloor,
		IssueDate: today, ValidUntil: day.AddDate(0, 0, s.ValidDays).Format(time.DateOnly),
		PaymentTerms: s.PaymentTerms, Subject: d.Name}
	if d.CompanyID != 0 {
		if co, err := a.Store.Company(ctx, d.CompanyID); err == nil {
			in.RecipientCompany = co.Name
		}
	}
	if d.ContactID != 0 {
		if c, err := a.Store.Contact(ctx, d.ContactID); err == nil {
			in.RecipientPerson = c.Name(ws.Language)
		}
	}
	return in, nil
}

// fillProducts completes catalogue lines: the product must exist; its
// name, unit and tax category fill what the line leaves empty, and its
// price on the issue day is the line's list price (the negotiation view).
func (a *App) fillProducts(ctx context.Context, tx *store.Tx, q *crm.Quote) error {
	v := &crm.ValidationError{}
	for i := range q.Lines {
		l := &q.Lines[i]
		if l.ProductID == 0 {
			continue
		}
		p, err := tx.GetProduct(ctx, l.ProductID)
		if errors.Is(err, crm.ErrNotFound) {
			v.Add("lines."+strconv.Itoa(i)+".product_id", "this product does not exist")
			continue
		} else if err != nil {
			return err
		}
		if l.Name == "" {
			l.Name = p.NameJA
			if q.Language == crm.LangEN && p.NameEN != "" {
				l.Name = p.NameEN
			}
		}
		if l.Unit == "" {
			l.Unit = p.Unit
		}
		if l.Category == "" {
			l.Category = p.TaxCategory
		}
		if p.Currency == q.Currency {
			l.ListPrice = p.ListPrice
		}
	}
	return v.Err()
}

// CreateQuote adds a draft quote to a deal with the next number.
func (a *App) CreateQuote(ctx context.Context, ac Actor, dealID int64, in QuoteInput) (crm.Quote, error) {
	if err := ac.require(crm.PermWriteSales); err != nil {
		return crm.Quote{}, err
	}
	q := crm.Quote{DealID: dealID, Revision: 1, Status: crm.QuoteDraft, OwnerID: ac.User.ID}
	in.apply(&q)
	err := a.Store.InTx(ctx, func(tx *store.Tx) error {
		d, err := tx.Deal(ctx, dealID)
		if errors.Is(err, crm.ErrNotFound) {
			return crm.Invalid("deal_id", "this deal does not exist")
		} else if err != nil {
			return err
		}
		if err := a.canSeeDeal(ctx, ac, d); err != nil {
			return crm.Invalid("deal_id", "this deal does not exist")
		}
		if err := a.prepareQuote(ctx, tx, &q); err != nil {
			return err
		}
		year, _ := strconv.Atoi(q.IssueDate[:4])
		n, err := tx.NextDocumentNumber(ctx, "Q", year)
		if err != nil {
			return err
		}
		q.Number = crm.QuoteNumber("Q", year, n)
		if err := tx.CreateQuote(ctx, &q, a.now()); err != nil {
			return err
		}
		return tx.Audit(ctx, a.audit(ac, "quote.create", q.Number, ""))
	})
	if err != nil {
		return q, err
	}
	return a.Store.Quote(ctx, q.ID)
}

func (a *App) prepareQuote(ctx context.Context, tx *store.Tx, q *crm.Quote) error {
	q.Normalize()
	if err := a.fillProducts(ctx, tx, q); err != nil {
		return err
	}
	q.Normalize()
	return q.Compute()
}

// UpdateQuote changes a quote when version matches. A draft (or one
// waiting for or holding an approval) changes in place and goes back to
// draft, since an approval covers the content it saw. A sent quote is not
// changed: the change becomes a new revision with the same number, which
// is returned. An answered quote does not change.
func (a *App) UpdateQuote(ctx context.Context, ac Actor, id, version int64, in QuoteInput) (crm.Quote, error) {
	if err := ac.require(crm.PermWriteSales); err != nil {
		return crm.Quote{}, err
	}
	var q crm.Quote
	err := a.Store.InTx(ctx, func(tx *store.Tx) error {
		old, err := tx.Quote(ctx, id)
		if err != nil {
			return err
		}
		if err := a.canSeeQuote(ctx, ac, old); err != nil {
			return err
		}
		if version != old.Version {
			return crm.ErrStale
		}
		q = old
		in.apply(&q)
		if err := a.prepareQuote(ctx, tx, &q); err != nil {
			return err
		}
		switch {
		case old.Status.Editable():
			q.Status, q.ApprovedBy = crm.QuoteDraft, 0
			if err := tx.UpdateQuote(ctx, &q, a.now()); err != nil {
				return err
			}
			if old.Status != crm.QuoteDraft {
				return tx.SetQuoteState(ctx, &q, a.now())
			}
			return nil
		case old.Status == crm.QuoteSent:
			return a.newRevision(ctx, tx, ac, old, &q)
		default:
			return crm.Invalid("status", "an answered quote cannot change; make a new quote")
		}
	})
	if err != nil {
		return q, err
	}
	return a.Store.Quote(ctx, q.ID)
}

// newRevision writes q as the next revision of old's number, a draft.
func (a *App) newRevision(ctx context.Context, tx *store.Tx, ac Actor, old crm.Quote, q *crm.Quote) error {
	revs, err := tx.Store().Quotes(ctx, store.QuoteQuery{Number: old.Number, Limit: 1})
	if err != nil {
		return err
	}
	latest := old.Revision
	if len(revs) > 0 {
		latest = max(latest, revs[0].Revision)
	}
	if latest != old.Revision {
		return crm.Invalid("revision", "a newer revision exists; edit that one")
	}
	q.ID, q.Revision, q.Status, q.ApprovedBy, q.OwnerID = 0, old.Revision+1, crm.QuoteDraft, 0, ac.User.ID
	q.SentAt, q.AnsweredAt = time.Time{}, time.Time{}
	if err := tx.CreateQuote(ctx, q, a.now()); err != nil {
		return err
	}
	return tx.Audit(ctx, a.audit(ac, "quote.revise", fmt.Sprintf("%s rev %d", q.Number, q.Revision), ""))
}

// DeleteQuote removes a draft quote.
func (a *App) DeleteQuote(ctx context.Context, ac Actor, id int64) error {
	if err := ac.require(crm.PermWriteSales); err != nil {
		return err
	}
	return a.Store.InTx(ctx, func(tx *store.Tx) error {
		q, err := tx.Quote(ctx, id)
		if err != nil {
			return err
		}
		if err := a.canSeeQuote(ctx, ac, q); err != nil {
			return err
		}
		if !q.Status.Editable() {
			return crm.Invalid("status", "only a quote not sent yet can be deleted")
		}
		if err := tx.DeleteQuote(ctx, id); err != nil {
			return err
		}
		return tx.Audit(ctx, a.audit(ac, "quote.delete", fmt.Sprintf("%s rev %d", q.Number, q.Revision), ""))
	})
}

// ---- the discount guardrail ----

// NeedsApproval reports whether a quote's discount is above the limit.
func (a *App) NeedsApproval(ctx context.Context, q crm.Quote) (bool, int64, error) {
	s, _, err := a.QuoteSettings(ctx)
	return q.DiscountBP > s.MaxDiscountBP, s.MaxDiscountBP, err
}

// changeQuote runs fn on a quote the actor may see, at version, in one
// transaction, and writes its new state.
func (a *App) changeQuote(ctx context.Context, ac Actor, id, version int64, fn func(tx *store.Tx, q *crm.Quote) error) (crm.Quote, error) {
	if err := ac.require(crm.PermWriteSales); err != nil {
		return crm.Quote{}, err
	}
	var q crm.Quote
	err := a.Store.InTx(ctx, func(tx *store.Tx) error {
		var err error
		if q, err = tx.Quote(ctx, id); err != nil {
			return err
		}
		if err := a.canSeeQuote(ctx, ac, q); err != nil {
			return err
		}
		if version != q.Version {
			return crm.ErrStale
		}
		if err := fn(tx, &q); err != nil {
			return err
		}
		return tx.SetQuoteState(ctx, &q, a.now())
	})
	return q, err
}

// RequestQuoteApproval asks a manager to approve a draft whose discount is
// above the limit.
func (a *App) RequestQuoteApproval(ctx context.Context, ac Actor, id, version int64, note string) (crm.Quote, error) {
	return a.changeQuote(ctx, ac, id, version, func(tx *store.Tx, q *crm.Quote) error {
		need, limit, err := a.NeedsApproval(ctx, *q)
		if err != nil {
			return err
		}
		if q.Status != crm.QuoteDraft {
			return crm.Invalid("status", "only a draft can be sent for approval")
		}
		if !need {
			return crm.Invalid("status", "this discount is within the limit; send the quote directly")
		}
		q.Status = crm.QuotePendingApproval
		return tx.AddQuoteApproval(ctx, &crm.QuoteApproval{QuoteID: q.ID, Action: crm.ApprovalRequested,
			UserID: ac.User.ID, DiscountBP: q.DiscountBP, LimitBP: limit, Note: clip(strings.TrimSpace(note), 500), At: a.now()})
	})
}

// canApprove: admins, and managers of the deal's team or of a team the
// quote's owner belongs to. Nobody approves their own quote but an admin.
func (a *App) canApprove(ctx context.Context, ac Actor, q crm.Quote) error {
	if ac.User.Role == crm.RoleAdmin {
		return nil
	}
	if q.OwnerID == ac.User.ID {
		return crm.Invalid("status", "another manager must approve your own quote")
	}
	if q.DealTeamID != 0 && ac.User.ManagesTeam(q.DealTeamID) {
		return nil
	}
	if q.OwnerID != 0 {
		owner, err := a.Store.User(ctx, q.OwnerID)
		if err != nil && !errors.Is(err, crm.ErrNotFound) {
			return err
		}
		for _, m := range owner.Teams {
			if ac.User.ManagesTeam(m.TeamID) {
				return nil
			}
		}
	}
	return crm.ErrForbidden
}

// ApproveQuote approves a quote waiting for approval (approve) or sends it
// back to draft (approve false); both are logged with the note.
func (a *App) ApproveQuote(ctx context.Context, ac Actor, id, version int64, approve bool, note string) (crm.Quote, error) {
	return a.changeQuote(ctx, ac, id, version, func(tx *store.Tx, q *crm.Quote) error {
		if err := a.canApprove(ctx, ac, *q); err != nil {
			return err
		}
		if q.Status != crm.QuotePendingApproval {
			return crm.Invalid("status", "this quote is not waiting for approval")
		}
		_, limit, err := a.NeedsApproval(ctx, *q)
		if err != nil {
			return err
		}
		action := crm.ApprovalRejected
		q.Status = crm.QuoteDraft
		if approve {
			action, q.Status, q.ApprovedBy = crm.ApprovalApproved, crm.QuoteApproved, ac.User.ID
		}
		return tx.AddQuoteApproval(ctx, &crm.QuoteApproval{QuoteID: q.ID, Action: action, UserID: ac.User.ID,
			DiscountBP: q.DiscountBP, LimitBP: limit, Note: clip(strings.TrimSpace(note), 500), At: a.now()})
	})
}

// ---- sending and the share link ----

// SendInput is how a quote is sent: the share link's validity in days (0:
// no expiry) and, optionally, an e-mail to the customer with the PDF
// attached and the link, through the workspace's SMTP server.
type SendInput struct {
	ExpiresDays int
	Email       string // "" = no e-mail: the salesperson downloads the PDF or passes the link on
	Message     string // a personal note at the top of the e-mail
}

// SendQuote marks a quote sent and makes its share link, which is
// returned once (only its hash is stored). A draft above the discount
// limit must be approved first. The share links of the number's other
// revisions stop working. The e-mail, if asked for, is queued in the same
// transaction: it goes out exactly when the quote is marked sent.
func (a *App) SendQuote(ctx context.Context, ac Actor, id, version int64, in SendInput) (crm.Quote, string, error) {
	v := &crm.ValidationError{}
	if in.ExpiresDays < 0 || in.ExpiresDays > 365 {
		v.Add("expires_days", "must be between 0 and 365 days")
	}
	in.Email = crm.NormalizeEmail(in.Email)
	if in.Email != "" && !crm.ValidEmail(in.Email) {
		v.Add("email", "enter an e-mail address such as taro@example.jp")
	}
	in.Message = clip(strings.TrimSpace(in.Message), 2000)
	if err := v.Err(); err != nil {
		return crm.Quote{}, "", err
	}
	var pdf []byte
	var pdfName string
	if in.Email != "" {
		q, err := a.Quote(ctx, ac, id)
		if err != nil {
			return q, "", err
		}
		if pdf, pdfName, err = a.quotePDF(ctx, q); err != nil {
			return q, "", err
		}
	}
	var link string
	q, err := a.changeQuote(ctx, ac, id, version, func(tx *store.Tx, q *crm.Quote) error {
		need, _, err := a.NeedsApproval(ctx, *q)
		if err != nil {
			return err
		}
		switch {
		case q.Status == crm.QuoteDraft && need:
			return crm.Invalid("status", "this discount is above the limit: a manager must approve the quote before it is sent")
		case q.Status != crm.QuoteDraft && q.Status != crm.QuoteApproved:
			return crm.Invalid("status", "only a draft or an approved quote can be sent")
		}
		q.Status, q.SentAt = crm.QuoteSent, a.now()
		if link, err = a.share(ctx, tx, *q, in.ExpiresDays); err != nil {
			return err
		}
		if in.Email != "" {
			ws, _, err := a.Workspace(ctx)
			if err != nil {
				return err
			}
			if err := a.queueMail(ctx, tx, quoteMail(*q, ws, ac.User, in, link, pdf, pdfName)); err != nil {
				return err
			}
		}
		d, err := tx.Deal(ctx, q.DealID)
		if err != nil {
			return err
		}
		if d.ContactID != 0 || d.CompanyID != 0 {
			if err := tx.AddTimeline(ctx, &store.TimelineEntry{At: a.now(), ContactID: d.ContactID,
				CompanyID: d.CompanyID, Kind: KindQuoteSent, ActorID: ac.User.ID, RefType: "quote", RefID: q.ID,
				Data: map[string]any{"number": q.Number, "revision": q.Revision, "total": q.Total,
					"currency": q.Currency, "deal": d.Name, "email": in.Email}}); err != nil {
				return err
			}
		}
		return tx.Audit(ctx, a.audit(ac, "quote.send", fmt.Sprintf("%s rev %d", q.Number, q.Revision), in.Email))
	})
	return q, link, err
}

// quoteMail is the e-mail that carries a quote: the note, the link, the
// PDF attached, in the quote's language; replies go to the salesperson.
func quoteMail(q crm.Quote, ws crm.Workspace, from crm.User, in SendInput, link string, pdf []byte, name string) mail.Message {
	d := documentMail{
		subjectJA: "【御見積書】" + q.Number + " " + q.Subject,
		subjectEN: "Quotation " + q.Number + " " + q.Subject,
		bodyJA:    fmt.Sprintf("御見積書（%s）をお送りいたします。PDFを添付しております。\n下記のページから内容のご確認・ダウンロード・ご承諾ができます。", q.Number),
		bodyEN:    fmt.Sprintf("Please find our quotation %s attached as PDF.\nYou can also view, download and accept it here:", q.Number),
	}
	return d.message(q, ws, from, in, link, pdf, name)
}

// documentMail is the text of an e-mail that carries a quote or an invoice
// in both languages; message adds what the two share: the recipient's
// name (御中 / 様), the salesperson's note, the link, the signature and the
// PDF attached.
type documentMail struct {
	subjectJA, subjectEN string
	bodyJA, bodyEN       string // the sentences before the link
}

func (d documentMail) message(q crm.Quote, ws crm.Workspace, from crm.User, in SendInput, link string, pdf []byte, name string) mail.Message {
	company := ws.CompanyName
	if company == "" {
		company = ws.Name
	}
	to := q.RecipientPerson
	var subject string
	var b strings.Builder
	if q.Language == crm.LangJA {
		subject = d.subjectJA
		if q.RecipientCompany != "" {
			b.WriteString(q.RecipientCompany + "\n")
		}
		if to != "" {
			b.WriteString(to + " 様\n\n")
		}
		if in.Message != "" {
			b.WriteString(in.Message + "\n\n")
		}
		fmt.Fprintf(&b, "%s\n\n%s\n\n%s\n%s\n", d.bodyJA, link, company, from.Name)
	} else {
		subject = d.subjectEN
		if to != "" {
			b.WriteString("Dear " + to + ",\n\n")
		}
		if in.Message != "" {
			b.WriteString(in.Message + "\n\n")
		}
		fmt.Fprintf(&b, "%s\n\n%s\n\n%s\n%s\n", d.bodyEN, link, from.Name, company)
	}
	return mail.Message{To: in.Email, ToName: to, Subject: strings.TrimSpace(subject), Text: b.String(),
		ReplyTo: from.Email, FromName: company,
		Attachments: []mail.Attachment{{Name: name, ContentType: "application/pdf", Data: pdf}}}
}

// ShareQuote makes a new share link for a sent quote (the old one stops
// working) and returns it.
func (a *App) ShareQuote(ctx context.Context, ac Actor, id int64, expiresDays int) (string, error) {
	if expiresDays < 0 || expiresDays > 365 {
		return "", crm.Invalid("expires_days", "must be between 0 and 365 days")
	}
	if err := ac.require(crm.PermWriteSales); err != nil {
		return "", err
	}
	var link string
	err := a.Store.InTx(ctx, func(tx *store.Tx) error {
		q, err := tx.Quote(ctx, id)
		if err != nil {
			return err
		}
		if err := a.canSeeQuote(ctx, ac, q); err != nil {
			return err
		}
		if q.Status != crm.QuoteSent && q.Status != crm.QuoteAccepted {
			return crm.Invalid("status", "send the quote first")
		}
		link, err = a.share(ctx, tx, q, expiresDays)
		return err
	})
	return link, err
}

func (a *App) share(ctx context.Context, tx *store.Tx, q crm.Quote, expiresDays int) (string, error) {
	secret, hash := newToken("q_")
	var exp time.Time
	if expiresDays > 0 {
		exp = a.now().AddDate(0, 0, expiresDays)
	}
	if err := tx.SetQuoteShare(ctx, q.ID, hash, exp); err != nil {
		return "", err
	}
	if err := tx.RevokeQuoteShares(ctx, q.Number, q.ID); err != nil {
		return "", err
	}
	return a.BaseURL + "/q/" + secret, nil
}

// SharedQuote returns the quote of a share token. A wrong, revoked or
// expired token, or a quote no longer on offer, is crm.ErrNotFound.
func (a *App) SharedQuote(ctx context.Context, token string) (crm.Quote, error) {
	if !strings.HasPrefix(token, "q_") || len(token) > 100 {
		return crm.Quote{}, crm.ErrNotFound
	}
	q, err := a.Store.QuoteByShareHash(ctx, hashToken(token))
	if err != nil {
		return q, err
	}
	if !q.ShareExpiresAt.IsZero() && !a.now().Before(q.ShareExpiresAt) {
		return crm.Quote{}, crm.ErrNotFound
	}
	if q.Status != crm.QuoteSent && q.Status != crm.QuoteAccepted {
		return crm.Quote{}, crm.ErrNotFound
	}
	return q, nil
}

// AcceptSharedQuote is the customer accepting through the share link.
func (a *App) AcceptSharedQuote(ctx context.Context, token, ip string) (crm.Quote, error) {
	q, err := a.SharedQuote(ctx, token)
	if err != nil {
		return q, err
	}
	return a.acceptQuote(ctx, q.ID, 0, "customer "+ip)
}

// AcceptQuote records a customer's acceptance told to a salesperson.
func (a *App) AcceptQuote(ctx context.Context, ac Actor, id int64) (crm.Quote, error) {
	if _, err := a.Quote(ctx, ac, id); err != nil {
		return crm.Quote{}, err
	}
	if err := ac.require(crm.PermWriteSales); err != nil {
		return crm.Quote{}, err
	}
	return a.acceptQuote(ctx, id, ac.User.ID, ac.label())
}

// acceptQuote marks a sent quote accepted and, in the same transaction,
// sets its deal's value to the quote's (without tax) and moves an open
// deal to the accept stage (the settings' stage, or the pipeline's won
// stage) through the deal-move path: contract, playbook, timeline and
// webhooks follow. actorID 0 is the customer; the moves are then
// attributed to the quote's owner.
func (a *App) acceptQuote(ctx context.Context, id, actorID int64, who string) (crm.Quote, error) {
	today, ws, err := a.quoteDay(ctx)
	if err != nil {
		return crm.Quote{}, err
	}
	settings, _, err := a.QuoteSettings(ctx)
	if err != nil {
		return crm.Quote{}, err
	}
	var q crm.Quote
	err = a.Store.InTx(ctx, func(tx *store.Tx) error {
		if q, err = tx.Quote(ctx, id); err != nil {
			return err
		}
		switch q.DisplayStatus(today) {
		case crm.QuoteAccepted:
			return nil // accepted twice: nothing more to do
		case crm.QuoteSent:
		case crm.QuoteExpired:
			return crm.Invalid("status", "this quote has expired; ask for a new one")
		default:
			return crm.Invalid("status", "only a sent quote can be accepted")
		}
		by := actorID
		if by == 0 {
			by = q.OwnerID
		}
		q.Status, q.AnsweredAt = crm.QuoteAccepted, a.now()
		if err := tx.SetQuoteState(ctx, &q, a.now()); err != nil {
			return err
		}
		d, err := tx.Deal(ctx, q.DealID)
		if err != nil {
			return err
		}
		if err := a.winFromQuote(ctx, tx, by, &d, q, settings, ws); err != nil {
			return err
		}
		if d.ContactID != 0 || d.CompanyID != 0 {
			if err := tx.AddTimeline(ctx, &store.TimelineEntry{At: a.now(), ContactID: d.ContactID,
				CompanyID: d.CompanyID, Kind: KindQuoteAccepted, ActorID: actorID, RefType: "quote", RefID: q.ID,
				Data: map[string]any{"number": q.Number, "revision": q.Revision, "total": q.Total,
					"currency": q.Currency, "deal": d.Name, "by": who}}); err != nil {
				return err
			}
		}
		return tx.Audit(ctx, store.AuditEntry{At: a.now(), UserID: actorID, Actor: who, Action: "quote.accept",
			Target: fmt.Sprintf("%s rev %d", q.Number, q.Revision)})
	})
	return q, err
}

// winFromQuote gives the deal the quote's value and moves it to the accept
// stage when it is still open.
func (a *App) winFromQuote(ctx context.Context, tx *store.Tx, by int64, d *crm.Deal, q crm.Quote,
	s crm.QuoteSettings, ws crm.Workspace) error {
	p, err := tx.Pipeline(ctx, d.PipelineID)
	if err != nil {
		return err
	}
	cur, _ := p.Stage(d.StageID)
	if cur.Kind != crm.StageOpen {
		return nil // already won or lost: the acceptance is recorded, the deal stays
	}
	var st crm.Stage
	found := false
	for _, x := range p.Stages {
		if (s.AcceptStageID != 0 && x.ID == s.AcceptStageID) || (s.AcceptStageID == 0 && x.Kind == crm.StageWon && !found) {
			st, found = x, true
		}
	}
	if !found {
		return nil // the deal's pipeline has no such stage
	}
	d.Amount, d.Currency = q.Base(), q.Currency
	if err := tx.UpdateDeal(ctx, d, a.now()); err != nil {
		return err
	}
	if missing := d.Missing(st.Required); len(missing) > 0 {
		return requiredError(st, missing)
	}
	if err := a.closing(d, st); err != nil {
		return err
	}
	return a.moveInTx(ctx, tx, by, d, st, ws)
}

// RejectQuote records that the customer declined a sent quote.
func (a *App) RejectQuote(ctx context.Context, ac Actor, id, version int64) (crm.Quote, error) {
	return a.changeQuote(ctx, ac, id, version, func(tx *store.Tx, q *crm.Quote) error {
		if q.Status != crm.QuoteSent {
			return crm.Invalid("status", "only a sent quote can be declined")
		}
		q.Status, q.AnsweredAt = crm.QuoteRejected, a.now()
		return nil
	})
}

// ---- documents ----

// pdfRenderer holds the PDF renderer, made on first use: the font is read
// once per process.
type pdfRenderer struct {
	once sync.Once
	r    *quotepdf.Renderer
	err  error
}

func (a *App) renderer() (*quotepdf.Renderer, error) {
	a.pdf.once.Do(func() {
		getenv := a.Getenv
		if getenv == nil {
			getenv = os.Getenv
		}
		path, err := quotepdf.FindFont(getenv)
		if err != nil {
			a.pdf.err = err
			return
		}
		a.pdf.r, a.pdf.err = quotepdf.NewRenderer(path)
	})
	return a.pdf.r, a.pdf.err
}

// QuotePDF renders a quote the actor may see; it returns the file name.
func (a *App) QuotePDF(ctx context.Context, ac Actor, id int64) ([]byte, string, error) {
	q, err := a.Quote(ctx, ac, id)
	if err != nil {
		return nil, "", err
	}
	return a.quotePDF(ctx, q)
}

// SharedQuotePDF renders the quote of a share token.
func (a *App) SharedQuotePDF(ctx context.Context, token string) ([]byte, string, error) {
	q, err := a.SharedQuote(ctx, token)
	if err != nil {
		return nil, "", err
	}
	return a.quotePDF(ctx, q)
}

func (a *App) quotePDF(ctx context.Context, q crm.Quote) ([]byte, string, error) {
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
	b, err := r.Render(doc)
	name := q.Number
	if q.Revision > 1 {
		name += fmt.Sprintf("-r%d", q.Revision)
	}
	return b, name + ".pdf", err
}

// QuoteDocument is what the PDF of a quote prints.
func QuoteDocument(q crm.Quote, ws crm.Workspace) (quotepdf.Doc, error) {
	tax, err := q.Tax()
	if err != nil {
		return quotepdf.Doc{}, err
	}
	date := func(s string) string {
		t, err := time.Parse(time.DateOnly, s)
		if err != nil {
			return s
		}
		return i18n.Date(q.Language, t)
	}
	doc := quotepdf.Doc{Kind: quotepdf.KindQuote, Lang: q.Language, Number: q.Number, Revision: q.Revision,
		IssueDate: date(q.IssueDate), ValidUntil: date(q.ValidUntil), Delivery: q.Delivery,
		PaymentTerms: q.PaymentTerms, Subject: q.Subject, RecipientCompany: q.RecipientCompany,
		RecipientPerson: q.RecipientPerson, Currency: q.Currency, Mode: q.TaxMode, Tax: tax, Notes: q.Notes,
		Our: quotepdf.Party{Name: ws.CompanyName, PostalCode: ws.CompanyPostalCode, Address: ws.CompanyAddress,
			Phone: ws.CompanyPhone, RegNumber: ws.InvoiceRegNumber}}
	if doc.Our.Name == "" {
		doc.Our.Name = ws.Name
	}
	for i, l := range q.Lines {
		doc.Lines = append(doc.Lines, quotepdf.Line{Name: l.Name, Quantity: l.Quantity, Unit: l.Unit,
			UnitPrice: l.UnitPrice, Discount: tax.Lines[i].Discount, Amount: tax.Lines[i].Net, Category: l.Category})
	}
	return doc, nil
}

// ---- reports and the Today page ----

// WaitingQuotes are the actor's sent quotes waiting for the customer's
// answer, oldest first.
func (a *App) WaitingQuotes(ctx context.Context, ac Actor) ([]crm.Quote, error) {
	qs, err := a.Quotes(ctx, ac, store.QuoteQuery{Status: string(crm.QuoteSent), OwnerID: ac.User.ID, Limit: 50})
	for i, j := 0, len(qs)-1; i < j; i, j = i+1, j-1 {
		qs[i], qs[j] = qs[j], qs[i]
	}
	return qs, err
}

// DiscountReport is the average discount below list by product and by
// person, over sent and answered quotes in one currency.
type DiscountReport struct {
	Currency  string
	ByProduct []store.DiscountRow
	ByOwner   []store.DiscountRow
}

// QuoteDiscountReport builds the discount report.
func (a *App) QuoteDiscountReport(ctx context.Context, ac Actor, currency string) (DiscountReport, error) {
	if err := ac.require(crm.PermReadAll); err != nil {
		return DiscountReport{}, err
	}
	if currency == "" {
		ws, _, err := a.Workspace(ctx)
		if err != nil {
			return DiscountReport{}, err
		}
		currency = ws.BaseCurrency
	}
	currency = strings.ToUpper(currency)
	r := DiscountReport{Currency: currency}
	var err error
	if r.ByProduct, err = a.Store.DiscountByProduct(ctx, currency); err != nil {
		return r, err
	}
	r.ByOwner, err = a.Store.DiscountByOwner(ctx, currency)
	return r, err
}

// PreviewQuote computes a quote's figures without writing anything: the
// editor's live totals.
func (a *App) PreviewQuote(ctx context.Context, in QuoteInput) (crm.Quote, error) {
	var q crm.Quote
	in.apply(&q)
	q.Normalize()
	return q, q.Compute()
}

// CanApproveQuote reports whether the actor may approve the quote now.
func (a *App) CanApproveQuote(ctx context.Context, ac Actor, q crm.Quote) bool {
	if q.Status != crm.QuotePendingApproval || !ac.Can(crm.PermWriteSales) {
		return false
	}
	return a.canApprove(ctx, ac, q) == nil
}
