package web

import (
	"fmt"
	"net/http"
	"strconv"

	"renkei/internal/app"
	"renkei/internal/crm"
	"renkei/internal/store"
)

// invoicesRoutes are the UI routes of invoices: made from an accepted
// quote on its page, downloaded, marked paid.
func (s *server) invoicesRoutes() []route {
	return []route{
		{"POST", "/quotes/{id}/invoice", crm.PermWriteSales, s.invoiceCreate, false},
		{"GET", "/invoices/{id}/pdf", crm.PermReadAll, s.invoicePDF, false},
		{"POST", "/invoices/{id}/paid", crm.PermWriteSales, s.invoicePaid, false},
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
