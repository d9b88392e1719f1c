package api

import (
	"fmt"
	"net/http"
	"strconv"
	"time"

	"renkei/internal/app"
	"renkei/internal/crm"
	"renkei/internal/store"
)

// invoicesRoutes are the API endpoints of invoices (issue 7 §4).
func (s *server) invoicesRoutes() []route {
	return []route{
		{method: http.MethodGet, path: "/invoices", perm: crm.PermReadAll, id: "listInvoices", tag: "invoices",
			summary: "Invoices, newest first (500 at most), by quote, deal or status",
			query: []param{
				{name: "quote_id", desc: "Of this quote.", schema: idSchema("")},
				{name: "deal_id", desc: "Of this deal.", schema: idSchema("")},
				{name: "status", desc: "paid or unpaid.", schema: enumOf(string(crm.InvoiceUnpaid), string(crm.InvoicePaid))},
			}, status: 200, resp: "InvoiceList", handle: s.listInvoices},
		{method: http.MethodPost, path: "/invoices", perm: crm.PermWriteSales, id: "createInvoice", tag: "invoices",
			summary: "Make the invoice of an accepted quote, with the next INV-YYYY-NNNN number; a quote has one invoice",
			body:    "InvoiceInput", status: 201, resp: "Invoice", location: true, handle: s.createInvoice},
		{method: http.MethodGet, path: "/invoices/{id}", perm: crm.PermReadAll, id: "getInvoice", tag: "invoices",
			summary: "One invoice", status: 200, resp: "Invoice", handle: s.getInvoice},
		{method: http.MethodGet, path: "/invoices/{id}/pdf", perm: crm.PermReadAll, id: "getInvoicePDF", tag: "invoices",
			summary: "The invoice as an A4 PDF (請求書 in the qualified-invoice format, or English)", status: 200, pdf: true,
			handle: s.getInvoicePDF},
		{method: http.MethodPost, path: "/invoices/{id}/paid", perm: crm.PermWriteSales, id: "setInvoicePaid", tag: "invoices",
			summary: "Mark the invoice paid (today) or unpaid", body: "InvoicePaid", ifMatch: true, status: 200,
			resp: "Invoice", handle: s.setInvoicePaid},
		{method: http.MethodPost, path: "/invoices/{id}/share", perm: crm.PermWriteSales, id: "shareInvoice", tag: "invoices",
			summary: "Make the invoice's share link for the customer (returned once; only its hash is stored); the previous link stops working",
			body:    "InvoiceShare", bodyOptional: true, status: 200, resp: "InvoiceShared", handle: s.shareInvoice},
		{method: http.MethodPost, path: "/invoices/{id}/send", perm: crm.PermWriteSales, id: "sendInvoice", tag: "invoices",
			summary: "E-mail the invoice PDF and a new share link to the customer through the workspace's SMTP server; the previous link stops working",
			body:    "InvoiceSend", status: 200, resp: "InvoiceShared", handle: s.sendInvoice},
	}
}

type invoiceJSON struct {
	ID             int64      `json:"id"`
	QuoteID        int64      `json:"quote_id"`
	QuoteNumber    string     `json:"quote_number"`
	DealID         int64      `json:"deal_id"`
	Number         string     `json:"number"`
	IssueDate      string     `json:"issue_date"`
	DueDate        string     `json:"due_date"`
	BankDetails    string     `json:"bank_details"`
	Status         string     `json:"status"`
	PaidAt         *time.Time `json:"paid_at"`
	Total          int64      `json:"total"`
	Currency       string     `json:"currency"`
	HasShareLink   bool       `json:"has_share_link"`
	ShareExpiresAt *time.Time `json:"share_expires_at"`
	CreatedAt      time.Time  `json:"created_at"`
	UpdatedAt      time.Time  `json:"updated_at"`
	Version        int64      `json:"version"`
}

func (i invoiceJSON) etag() int64 { return i.Version }

func toInvoice(in crm.Invoice) invoiceJSON {
	return invoiceJSON{ID: in.ID, QuoteID: in.QuoteID, QuoteNumber: in.QuoteNumber, DealID: in.DealID, Number: in.Number,
		IssueDate: in.IssueDate, DueDate: in.DueDate, BankDetails: in.BankDetails, Status: string(in.Status),
		PaidAt: optTime(in.PaidAt), Total: in.Total, Currency: in.Currency, HasShareLink: in.HasShareLink,
		ShareExpiresAt: optTime(in.ShareExpiresAt), CreatedAt: in.CreatedAt,
		UpdatedAt: in.UpdatedAt, Version: in.Version}
}

func (s *server) listInvoices(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	f := store.InvoiceQuery{Status: r.URL.Query().Get("status")}
	var err error
	if f.QuoteID, err = queryInt64(r, "quote_id"); err != nil {
		return err
	}
	if f.DealID, err = queryInt64(r, "deal_id"); err != nil {
		return err
	}
	ins, err := s.app.Invoices(r.Context(), ac, f)
	if err != nil {
		return err
	}
	out := make([]invoiceJSON, 0, len(ins))
	for _, in := range ins {
		out = append(out, toInvoice(in))
	}
	return writeJSON(w, http.StatusOK, newList(out, len(out), func(i invoiceJSON) int64 { return i.ID }))
}

type invoiceInputJSON struct {
	QuoteID     int64  `json:"quote_id"`
	IssueDate   string `json:"issue_date"`
	DueDate     string `json:"due_date"`
	BankDetails string `json:"bank_details"`
}

func (s *server) createInvoice(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	var body invoiceInputJSON
	if err := decodeJSON(r, &body, false); err != nil {
		return err
	}
	in, err := s.app.CreateInvoice(r.Context(), ac, body.QuoteID, app.InvoiceInput{IssueDate: body.IssueDate,
		DueDate: body.DueDate, BankDetails: body.BankDetails})
	if err != nil {
		return err
	}
	w.Header().Set("Location", fmt.Sprintf("%s/invoices/%d", Prefix, in.ID))
	return writeJSON(w, http.StatusCreated, toInvoice(in))
}

func (s *server) getInvoice(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	in, err := s.app.Invoice(r.Context(), ac, id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, toInvoice(in))
}

func (s *server) getInvoicePDF(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	b, name, err := s.app.InvoicePDF(r.Context(), ac, id)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/pdf")
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	_, err = w.Write(b)
	return err
}

type invoicePaidJSON struct {
	Paid bool `json:"paid"`
}

func (s *server) setInvoicePaid(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	version, err := ifMatch(r)
	if err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var body invoicePaidJSON
	if err := decodeJSON(r, &body, false); err != nil {
		return err
	}
	in, err := s.app.SetInvoicePaid(r.Context(), ac, id, version, body.Paid)
	if err != nil {
		return err
	}
	full, err := s.app.Invoice(r.Context(), ac, in.ID)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, toInvoice(full))
}

// invoicesSchemas are the OpenAPI components of invoices.
func invoicesSchemas() js {
	return js{
		"Invoice": record(js{
			"id": idSchema(""), "quote_id": idSchema("The accepted quote: its lines and totals are the invoice's."),
			"quote_number": str(""), "deal_id": idSchema(""), "number": str("INV-YYYY-NNNN."),
			"issue_date": date(""), "due_date": date(""), "bank_details": str("Printed under お振込先 / Bank transfer to."),
			"status": enumOf(string(crm.InvoiceUnpaid), string(crm.InvoicePaid)), "paid_at": nullable(dateTime("")),
			"total": integer("Minor units, tax included."), "currency": str(""),
			"has_share_link":   boolean("Whether the customer's share link exists."),
			"share_expires_at": nullable(dateTime("When the share link stops working; null: never.")),
			"created_at":       dateTime(""),
			"updated_at":       dateTime(""), "version": integer("Send it back as If-Match."),
		}),
		"InvoiceList": listOf("Invoice"),
		"InvoiceInput": input([]string{"quote_id"}, js{
			"quote_id":     idSchema("An accepted quote."),
			"issue_date":   date("Today by default."),
			"due_date":     date("The end of the next month by default (翌月末)."),
			"bank_details": str("The quote settings' bank details by default."),
		}),
		"InvoicePaid": input([]string{"paid"}, js{"paid": boolean("")}),
		"InvoiceShare": input(nil, js{"expires_days": js{"type": "integer", "minimum": 0, "maximum": 365,
			"description": "Days the link works; 0 or absent: no expiry."}}),
		"InvoiceSend": input([]string{"email"}, js{"expires_days": js{"type": "integer", "minimum": 0, "maximum": 365,
			"description": "Days the link works; 0 or absent: no expiry."},
			"email":   str("The customer's address."),
			"message": str("A note at the top of the e-mail, 2,000 characters at most.")}),
		"InvoiceShared": record(js{"invoice": ref("Invoice"), "share_url": str("The customer's link; shown only now (only its hash is stored).")}),
	}
}

type invoiceShareJSON struct {
	ExpiresDays int `json:"expires_days"`
}

type invoiceSendJSON struct {
	ExpiresDays int    `json:"expires_days"`
	Email       string `json:"email"`
	Message     string `json:"message"`
}

type invoiceSharedJSON struct {
	Invoice  invoiceJSON `json:"invoice"`
	ShareURL string      `json:"share_url"`
}

func (s *server) shareInvoice(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	return s.invoiceLink(w, r, ac, false)
}

func (s *server) sendInvoice(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	return s.invoiceLink(w, r, ac, true)
}

// invoiceLink makes the share link, or e-mails the invoice with a new one.
func (s *server) invoiceLink(w http.ResponseWriter, r *http.Request, ac app.Actor, send bool) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var link string
	if send {
		var body invoiceSendJSON
		if err := decodeJSON(r, &body, false); err != nil {
			return err
		}
		link, err = s.app.SendInvoice(r.Context(), ac, id, app.SendInput{ExpiresDays: body.ExpiresDays,
			Email: body.Email, Message: body.Message})
	} else {
		var body invoiceShareJSON
		if err := decodeJSON(r, &body, true); err != nil {
			return err
		}
		link, err = s.app.ShareInvoice(r.Context(), ac, id, body.ExpiresDays)
	}
	if err != nil {
		return err
	}
	in, err := s.app.Invoice(r.Context(), ac, id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, invoiceSharedJSON{Invoice: toInvoice(in), ShareURL: link})
}
