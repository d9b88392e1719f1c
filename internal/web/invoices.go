package web

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"renkei/internal/app"
	"renkei/internal/crm"
	"renkei/internal/i18n"
	"renkei/internal/store"
)

// invoicesRoutes are the UI routes of invoices: made from an accepted
// quote on its page, downloaded, marked paid.
func (s *server) invoicesRoutes() []route {
	return []route{
		{"POST", "/quotes/{id}/invoice", crm.PermWriteSales, s.invoiceCreate, false},
		{"GET", "/invoices/{id}/pdf", crm.PermReadAll, s.invoicePDF, false},
		{"POST", "/invoices/{id}/paid", crm.PermWriteSales, s.invoicePaid, false},
		{"POST", "/invoices/{id}/share", crm.PermWriteSales, s.invoiceShare, false},
		{"POST", "/invoices/{id}/send", crm.PermWriteSales, s.invoiceSend, false},

		// The customer's share link: no session; a wrong, replaced or expired token is a plain 404.
		{"GET", "/i/{token}", public, s.sharedInvoicePage, false},
		{"GET", "/i/{token}/pdf", public, s.sharedInvoicePDF, false},
	}
}

// invoiceOf returns the invoice of a quote, nil if none.
func (s *server) invoiceOf(r *http.Request, rq *req, quoteID int64) *crm.Invoice {
	ins, err := s.app.Invoices(r.Context(), rq.actor, store.InvoiceQuery{QuoteID: quoteID, Limit: 1})
	if err != nil || len(ins) == 0 {
		return nil
	}
	return &ins[0]
}

func (s *server) invoiceCreate(w http.ResponseWriter, r *http.Request, rq *req) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	return s.quoteAction(w, r, rq, func(id, _ int64) (crm.Quote, error) {
		_, err := s.app.CreateInvoice(r.Context(), rq.actor, id, app.InvoiceInput{IssueDate: r.PostFormValue("issue_date"),
			DueDate: r.PostFormValue("due_date"), BankDetails: r.PostFormValue("bank_details")})
		return crm.Quote{}, err
	}, "flash.invoice.created")
}

func (s *server) invoicePDF(w http.ResponseWriter, r *http.Request, rq *req) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	b, name, err := s.app.InvoicePDF(r.Context(), rq.actor, id)
	return s.sendPDF(w, r, rq, b, name, err)
}

func (s *server) invoicePaid(w http.ResponseWriter, r *http.Request, rq *req) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	version, _ := strconv.ParseInt(r.PostFormValue("version"), 10, 64)
	in, err := s.app.SetInvoicePaid(r.Context(), rq.actor, id, version, r.PostFormValue("paid") == "1")
	if err != nil {
		return err
	}
	return s.redirect(w, r, rq, fmt.Sprintf("/quotes/%d", in.QuoteID), "flash.saved")
}

// invoiceShare makes a new share link (or, for invoiceSend, e-mails the
// invoice with one) and shows the link once on the quote's page.
func (s *server) invoiceShare(w http.ResponseWriter, r *http.Request, rq *req) error {
	return s.invoiceLink(w, r, rq, false)
}

func (s *server) invoiceSend(w http.ResponseWriter, r *http.Request, rq *req) error {
	return s.invoiceLink(w, r, rq, true)
}

func (s *server) invoiceLink(w http.ResponseWriter, r *http.Request, rq *req, send bool) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	inv, err := s.app.Invoice(r.Context(), rq.actor, id)
	if err != nil {
		return err
	}
	days, _ := strconv.Atoi(r.PostFormValue("expires_days"))
	var link string
	flash := "flash.invoice.shared"
	if send {
		flash = "flash.invoice.sent"
		link, err = s.app.SendInvoice(r.Context(), rq.actor, id, app.SendInput{ExpiresDays: days,
			Email: r.PostFormValue("email"), Message: r.PostFormValue("message")})
	} else {
		link, err = s.app.ShareInvoice(r.Context(), rq.actor, id, days)
	}
	q, lerr := s.app.Quote(r.Context(), rq.actor, inv.QuoteID)
	if lerr != nil {
		return lerr
	}
	p, perr := s.quoteView(w, r, rq, q)
	if perr != nil {
		return perr
	}
	if err != nil {
		p.Form.Set("email", r.PostFormValue("email"))
		p.Form.Set("message", r.PostFormValue("message"))
		p.Form.Set("expires_days", r.PostFormValue("expires_days"))
		return again(err, "quotes_view", p)
	}
	p.Data.(*quoteData).InvoiceLink = link
	p.Flash = i18n.T(rq.lang, flash)
	s.render(w, r, rq, http.StatusOK, "quotes_view", p)
	return nil
}

// ---- the customer's share link ----

type sharedInvoiceData struct {
	I     crm.Invoice
	Q     crm.Quote
	Tax   crm.TaxResult
	Our   string
	Token string
}

func (s *server) sharedInvoicePage(w http.ResponseWriter, r *http.Request, rq *req) error {
	token := r.PathValue("token")
	in, q, err := s.app.SharedInvoice(r.Context(), token)
	if err != nil {
		http.NotFound(w, r)
		return nil
	}
	if r.URL.Query().Get("lang") == "" && !rq.signedIn() {
		rq.lang = q.Language // the customer reads the invoice's language unless they chose one
	}
	p := s.newPage(w, r, rq, "")
	p.Title = in.Number
	p.Wide = true
	w.Header().Set("Referrer-Policy", "no-referrer")
	w.Header().Set("X-Robots-Tag", "noindex")
	tax, err := q.Tax()
	if err != nil {
		return err
	}
	ws, _, _ := s.app.Workspace(r.Context())
	our := ws.CompanyName
	if our == "" {
		our = ws.Name
	}
	p.Data = &sharedInvoiceData{I: in, Q: q, Tax: tax, Our: our, Token: token}
	s.render(w, r, rq, http.StatusOK, "invoices_public", p)
	return nil
}

func (s *server) sharedInvoicePDF(w http.ResponseWriter, r *http.Request, rq *req) error {
	b, name, err := s.app.SharedInvoicePDF(r.Context(), r.PathValue("token"))
	if errors.Is(err, crm.ErrNotFound) {
		http.NotFound(w, r)
		return nil
	}
	return s.sendPDF(w, r, rq, b, name, err)
}
