package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"renkei/internal/app"
	"renkei/internal/crm"
	"renkei/internal/store"
)

// quotesRoutes are the API endpoints of quotes (issue 7 §3).
func (s *server) quotesRoutes() []route {
	return []route{
		{method: http.MethodGet, path: "/quotes", perm: crm.PermReadAll, id: "listQuotes", tag: "quotes",
			summary: "Quotes, newest number and revision first (500 at most), by deal or status; quotes of deals you may not see are left out",
			query: []param{
				{name: "deal_id", desc: "Of this deal.", schema: idSchema("")},
				{name: "status", desc: "Stored status (a sent quote past its validity is still sent here).", schema: enumOf(quoteStatuses()...)},
			}, status: 200, resp: "QuoteList", handle: s.listQuotes},
		{method: http.MethodPost, path: "/quotes", perm: crm.PermWriteSales, id: "createQuote", tag: "quotes",
			summary: "Create a draft quote on a deal; it takes the next number (Q-YYYY-NNNN) of its issue year",
			body:    "QuoteInput", status: 201, resp: "Quote", location: true, handle: s.createQuote},
		{method: http.MethodGet, path: "/quotes/{id}", perm: crm.PermReadAll, id: "getQuote", tag: "quotes",
			summary: "One quote with its lines and per-rate totals", status: 200, resp: "Quote", handle: s.getQuote},
		{method: http.MethodPut, path: "/quotes/{id}", perm: crm.PermWriteSales, id: "updateQuote", tag: "quotes",
			summary: "Replace a quote's content. A draft changes in place (an approval is dropped); a sent quote is kept and the content becomes a new revision with the same number, which is returned",
			body:    "QuoteUpdate", ifMatch: true, status: 200, resp: "Quote", handle: s.updateQuote},
		{method: http.MethodDelete, path: "/quotes/{id}", perm: crm.PermWriteSales, id: "deleteQuote", tag: "quotes",
			summary: "Delete a quote that was not sent", status: 204, refused: true, handle: s.deleteQuote},
		{method: http.MethodGet, path: "/quotes/{id}/pdf", perm: crm.PermReadAll, id: "getQuotePDF", tag: "quotes",
			summary: "The quote as an A4 PDF (御見積書 or quotation, in the quote's language)", status: 200, pdf: true,
			handle: s.getQuotePDF},
		{method: http.MethodGet, path: "/quotes/{id}/revisions", perm: crm.PermReadAll, id: "listQuoteRevisions", tag: "quotes",
			summary: "Every revision of the quote's number, newest first: the negotiation (list → offered → final)",
			status:  200, resp: "QuoteList", handle: s.listQuoteRevisions},
		{method: http.MethodGet, path: "/quotes/{id}/approvals", perm: crm.PermReadAll, id: "listQuoteApprovals", tag: "quotes",
			summary: "The discount guardrail's log of the quote's number, oldest first", status: 200,
			resp: "QuoteApprovalList", handle: s.listQuoteApprovals},
		{method: http.MethodPost, path: "/quotes/{id}/request-approval", perm: crm.PermWriteSales, id: "requestQuoteApproval", tag: "quotes",
			summary: "Ask a manager to approve a draft whose discount is above the workspace's limit",
			body:    "QuoteNote", bodyOptional: true, ifMatch: true, status: 200, resp: "Quote", handle: s.requestQuoteApproval},
		{method: http.MethodPost, path: "/quotes/{id}/approve", perm: crm.PermWriteSales, id: "approveQuote", tag: "quotes",
			summary: "Approve (or send back with approve false) a quote waiting for approval: admins and managers of the deal's or the owner's team, not the owner",
			body:    "QuoteApproval", ifMatch: true, status: 200, resp: "Quote", handle: s.approveQuote},
		{method: http.MethodPost, path: "/quotes/{id}/send", perm: crm.PermWriteSales, id: "sendQuote", tag: "quotes",
			summary: "Mark a draft within the limit, or an approved quote, as sent and make its share link (returned once); with email, the PDF and the link are e-mailed",
			body:    "QuoteSend", bodyOptional: true, ifMatch: true, status: 200, resp: "QuoteSent", handle: s.sendQuote},
		{method: http.MethodPost, path: "/quotes/{id}/accept", perm: crm.PermWriteSales, id: "acceptQuote", tag: "quotes",
			summary: "Record the customer's acceptance of a sent quote: the deal takes the quote's value (without tax) and moves to won, with its contract",
			status:  200, resp: "Quote", refused: true, handle: s.acceptQuote},
		{method: http.MethodGet, path: "/reports/quote-discounts", perm: crm.PermReadAll, id: "quoteDiscountReport", tag: "quotes",
			summary: "Average discount below list by product and by person, over sent and answered quotes",
			query:   []param{{name: "currency", desc: "ISO 4217 code; the base currency by default.", schema: pattern("^[A-Za-z]{3}$", "")}},
			status:  200, resp: "QuoteDiscountReport", handle: s.quoteDiscountReport},
	}
}

func quoteStatuses() []string {
	out := make([]string, len(crm.QuoteStatuses))
	for i, s := range crm.QuoteStatuses {
		out[i] = string(s)
	}
	return out
}

// ---- JSON shapes ----

type discountJSON struct {
	Type  string      `json:"type"`  // amount or percent
	Value json.Number `json:"value"` // minor units, or a percentage with up to two decimals
}

type quoteLineJSON struct {
	ID        int64        `json:"id"`
	ProductID *int64       `json:"product_id"`
	Name      string       `json:"name"`
	Unit      string       `json:"unit"`
	Quantity  json.Number  `json:"quantity"`
	UnitPrice int64        `json:"unit_price"`
	ListPrice int64        `json:"list_price"`
	Discount  discountJSON `json:"discount"`
	TaxCat    string       `json:"tax_category"`
	Amount    int64        `json:"amount"`
}

type taxRateJSON struct {
	Category string `json:"category"`
	Rate     int64  `json:"rate"`
	Base     int64  `json:"base"`
	Tax      int64  `json:"tax"`
}

type quoteJSON struct {
	ID               int64           `json:"id"`
	DealID           int64           `json:"deal_id"`
	DealName         string          `json:"deal_name"`
	Number           string          `json:"number"`
	Revision         int             `json:"revision"`
	Status           string          `json:"status"`
	Language         string          `json:"language"`
	Currency         string          `json:"currency"`
	TaxMode          string          `json:"tax_mode"`
	Rounding         string          `json:"rounding"`
	IssueDate        string          `json:"issue_date"`
	ValidUntil       string          `json:"valid_until"`
	Delivery         string          `json:"delivery"`
	PaymentTerms     string          `json:"payment_terms"`
	Subject          string          `json:"subject"`
	RecipientCompany string          `json:"recipient_company"`
	RecipientPerson  string          `json:"recipient_person"`
	Notes            string          `json:"notes"`
	Discount         discountJSON    `json:"discount"`
	Lines            []quoteLineJSON `json:"lines"`
	Rates            []taxRateJSON   `json:"rates"`
	ListTotal        int64           `json:"list_total"`
	Subtotal         int64           `json:"subtotal"`
	DiscountTotal    int64           `json:"discount_total"`
	TaxTotal         int64           `json:"tax_total"`
	Total            int64           `json:"total"`
	DiscountPercent  json.Number     `json:"discount_percent"`
	OwnerID          *int64          `json:"owner_id"`
	ApprovedBy       *int64          `json:"approved_by"`
	HasShareLink     bool            `json:"has_share_link"`
	ShareExpiresAt   *time.Time      `json:"share_expires_at"`
	SentAt           *time.Time      `json:"sent_at"`
	AnsweredAt       *time.Time      `json:"answered_at"`
	CreatedAt        time.Time       `json:"created_at"`
	UpdatedAt        time.Time       `json:"updated_at"`
	Version          int64           `json:"version"`
}

func (q quoteJSON) etag() int64 { return q.Version }

func toDiscount(d crm.Discount) discountJSON {
	if d.Percent {
		return discountJSON{Type: "percent", Value: json.Number(crm.FormatFixed(d.Value, 2))}
	}
	return discountJSON{Type: "amount", Value: json.Number(strconv.FormatInt(d.Value, 10))}
}

func toQuote(q crm.Quote) quoteJSON {
	out := quoteJSON{ID: q.ID, DealID: q.DealID, DealName: q.DealName, Number: q.Number, Revision: q.Revision,
		Status: string(q.Status), Language: string(q.Language), Currency: q.Currency, TaxMode: string(q.TaxMode),
		Rounding: string(q.Rounding), IssueDate: q.IssueDate, ValidUntil: q.ValidUntil, Delivery: q.Delivery,
		PaymentTerms: q.PaymentTerms, Subject: q.Subject, RecipientCompany: q.RecipientCompany,
		RecipientPerson: q.RecipientPerson, Notes: q.Notes, Discount: toDiscount(q.Discount),
		Lines: []quoteLineJSON{}, Rates: []taxRateJSON{}, ListTotal: q.ListTotal, Subtotal: q.Subtotal,
		DiscountTotal: q.DiscountTotal, TaxTotal: q.TaxTotal, Total: q.Total,
		DiscountPercent: json.Number(crm.FormatFixed(q.DiscountBP, 2)), OwnerID: optID(q.OwnerID),
		ApprovedBy: optID(q.ApprovedBy), HasShareLink: q.HasShareLink, ShareExpiresAt: optTime(q.ShareExpiresAt),
		SentAt: optTime(q.SentAt), AnsweredAt: optTime(q.AnsweredAt), CreatedAt: q.CreatedAt,
		UpdatedAt: q.UpdatedAt, Version: q.Version}
	for _, l := range q.Lines {
		out.Lines = append(out.Lines, quoteLineJSON{ID: l.ID, ProductID: optID(l.ProductID), Name: l.Name,
			Unit: l.Unit, Quantity: json.Number(crm.FormatFixed(l.Quantity, 2)), UnitPrice: l.UnitPrice,
			ListPrice: l.ListPrice, Discount: toDiscount(l.Discount), TaxCat: string(l.Category), Amount: l.Amount})
	}
	if tax, err := q.Tax(); err == nil {
		for _, r := range tax.Rates {
			out.Rates = append(out.Rates, taxRateJSON{Category: string(r.Category), Rate: r.Rate, Base: r.Base, Tax: r.Tax})
		}
	}
	return out
}

type quoteLineInput struct {
	ProductID   *int64        `json:"product_id"`
	Name        string        `json:"name"`
	Unit        string        `json:"unit"`
	Quantity    json.Number   `json:"quantity"`
	UnitPrice   int64         `json:"unit_price"`
	Discount    *discountJSON `json:"discount"`
	TaxCategory string        `json:"tax_category"`
}

type quoteInputJSON struct {
	DealID           int64            `json:"deal_id"`
	Language         string           `json:"language"`
	Currency         string           `json:"currency"`
	TaxMode          string           `json:"tax_mode"`
	Rounding         string           `json:"rounding"`
	IssueDate        string           `json:"issue_date"`
	ValidUntil       string           `json:"valid_until"`
	Delivery         string           `json:"delivery"`
	PaymentTerms     string           `json:"payment_terms"`
	Subject          string           `json:"subject"`
	RecipientCompany string           `json:"recipient_company"`
	RecipientPerson  string           `json:"recipient_person"`
	Notes            string           `json:"notes"`
	Discount         *discountJSON    `json:"discount"`
	Lines            []quoteLineInput `json:"lines"`
}

// parseDiscount reads a discount; field names the error.
func parseDiscount(v *crm.ValidationError, field string, d *discountJSON) crm.Discount {
	if d == nil || d.Value == "" {
		return crm.Discount{}
	}
	switch d.Type {
	case "percent":
		n, ok := crm.ParseFixed(d.Value.String(), 2)
		if !ok {
			v.Add(field, "enter a percentage such as 5 or 12.5")
		}
		return crm.Discount{Percent: true, Value: n}
	case "amount", "":
		n, ok := crm.ParseFixed(d.Value.String(), 0)
		if !ok {
			v.Add(field, "enter an amount in minor units (a whole number)")
		}
		return crm.Discount{Value: n}
	}
	v.Add(field, "choose amount or percent")
	return crm.Discount{}
}

// input turns the body into an app input; defaults fill what is left out.
func (in quoteInputJSON) input(def app.QuoteInput) (app.QuoteInput, error) {
	v := &crm.ValidationError{}
	out := def
	for dst, src := range map[*string]string{&out.Currency: in.Currency, &out.IssueDate: in.IssueDate,
		&out.ValidUntil: in.ValidUntil, &out.Delivery: in.Delivery, &out.PaymentTerms: in.PaymentTerms,
		&out.Subject: in.Subject, &out.RecipientCompany: in.RecipientCompany,
		&out.RecipientPerson: in.RecipientPerson, &out.Notes: in.Notes} {
		if src != "" {
			*dst = src
		}
	}
	if in.Language != "" {
		out.Language = crm.Language(in.Language)
	}
	if in.TaxMode != "" {
		out.TaxMode = crm.TaxMode(in.TaxMode)
	}
	if in.Rounding != "" {
		out.Rounding = crm.Rounding(in.Rounding)
	}
	out.Discount = parseDiscount(v, "discount", in.Discount)
	out.Lines = nil
	for i, l := range in.Lines {
		f := "lines." + strconv.Itoa(i) + "."
		ql := crm.QuoteLine{Name: l.Name, Unit: l.Unit, UnitPrice: l.UnitPrice, Category: crm.TaxCategory(l.TaxCategory)}
		if l.ProductID != nil {
			ql.ProductID = *l.ProductID
		}
		var ok bool
		if ql.Quantity, ok = crm.ParseFixed(l.Quantity.String(), 2); !ok {
			v.Add(f+"quantity", "enter a number such as 1 or 1.5")
		}
		ql.Discount = parseDiscount(v, f+"discount", l.Discount)
		out.Lines = append(out.Lines, ql)
	}
	return out, v.Err()
}

// ---- handlers ----

func (s *server) listQuotes(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	dealID, err := queryInt64(r, "deal_id")
	if err != nil {
		return err
	}
	qs, err := s.app.Quotes(r.Context(), ac, store.QuoteQuery{DealID: dealID, Status: r.URL.Query().Get("status")})
	if err != nil {
		return err
	}
	return s.writeQuotes(w, r, ac, qs)
}

// writeQuotes writes a list of quotes with their lines.
func (s *server) writeQuotes(w http.ResponseWriter, r *http.Request, ac app.Actor, qs []crm.Quote) error {
	out := make([]quoteJSON, 0, len(qs))
	for _, q := range qs {
		if len(q.Lines) == 0 {
			full, err := s.app.Quote(r.Context(), ac, q.ID)
			if err != nil {
				return err
			}
			q = full
		}
		out = append(out, toQuote(q))
	}
	return writeJSON(w, http.StatusOK, newList(out, len(out), func(q quoteJSON) int64 { return q.ID }))
}

func (s *server) createQuote(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	var body quoteInputJSON
	if err := decodeJSON(r, &body, false); err != nil {
		return err
	}
	if body.DealID <= 0 {
		return crm.Invalid("deal_id", "is required")
	}
	def, err := s.app.NewQuoteInput(r.Context(), ac, body.DealID)
	if err != nil {
		if errors.Is(err, crm.ErrNotFound) {
			return crm.Invalid("deal_id", "this deal does not exist")
		}
		return err
	}
	in, err := body.input(def)
	if err != nil {
		return err
	}
	q, err := s.app.CreateQuote(r.Context(), ac, body.DealID, in)
	if err != nil {
		return err
	}
	w.Header().Set("Location", fmt.Sprintf("%s/quotes/%d", Prefix, q.ID))
	return writeJSON(w, http.StatusCreated, toQuote(q))
}

func (s *server) getQuote(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	q, err := s.app.Quote(r.Context(), ac, id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, toQuote(q))
}

func (s *server) updateQuote(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	version, err := ifMatch(r)
	if err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var body quoteInputJSON
	if err := decodeJSON(r, &body, false); err != nil {
		return err
	}
	old, err := s.app.Quote(r.Context(), ac, id)
	if err != nil {
		return err
	}
	def := app.QuoteInput{Language: old.Language, Currency: old.Currency, TaxMode: old.TaxMode, Rounding: old.Rounding,
		IssueDate: old.IssueDate, ValidUntil: old.ValidUntil, Delivery: old.Delivery, PaymentTerms: old.PaymentTerms,
		Subject: old.Subject, RecipientCompany: old.RecipientCompany, RecipientPerson: old.RecipientPerson, Notes: old.Notes}
	in, err := body.input(def)
	if err != nil {
		return err
	}
	q, err := s.app.UpdateQuote(r.Context(), ac, id, version, in)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, toQuote(q))
}

func (s *server) deleteQuote(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.app.DeleteQuote(r.Context(), ac, id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *server) getQuotePDF(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	b, name, err := s.app.QuotePDF(r.Context(), ac, id)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/pdf")
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	_, err = w.Write(b)
	return err
}

func (s *server) listQuoteRevisions(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	qs, err := s.app.QuoteRevisions(r.Context(), ac, id)
	if err != nil {
		return err
	}
	return s.writeQuotes(w, r, ac, qs)
}

type approvalJSON struct {
	ID              int64       `json:"id"`
	QuoteID         int64       `json:"quote_id"`
	Action          string      `json:"action"`
	UserID          *int64      `json:"user_id"`
	DiscountPercent json.Number `json:"discount_percent"`
	LimitPercent    json.Number `json:"limit_percent"`
	Note            string      `json:"note"`
	At              time.Time   `json:"at"`
}

func (s *server) listQuoteApprovals(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	as, err := s.app.QuoteApprovals(r.Context(), ac, id)
	if err != nil {
		return err
	}
	out := make([]approvalJSON, 0, len(as))
	for _, a := range as {
		out = append(out, approvalJSON{ID: a.ID, QuoteID: a.QuoteID, Action: a.Action, UserID: optID(a.UserID),
			DiscountPercent: json.Number(crm.FormatFixed(a.DiscountBP, 2)),
			LimitPercent:    json.Number(crm.FormatFixed(a.LimitBP, 2)), Note: a.Note, At: a.At})
	}
	return writeJSON(w, http.StatusOK, newList(out, len(out), func(a approvalJSON) int64 { return a.ID }))
}

type quoteNoteJSON struct {
	Note string `json:"note"`
}

func (s *server) requestQuoteApproval(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	return s.quoteStep(w, r, func(id, version int64) (crm.Quote, error) {
		var body quoteNoteJSON
		if err := decodeJSON(r, &body, true); err != nil {
			return crm.Quote{}, err
		}
		return s.app.RequestQuoteApproval(r.Context(), ac, id, version, body.Note)
	})
}

type quoteApprovalJSON struct {
	Approve bool   `json:"approve"`
	Note    string `json:"note"`
}

func (s *server) approveQuote(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	return s.quoteStep(w, r, func(id, version int64) (crm.Quote, error) {
		var body quoteApprovalJSON
		if err := decodeJSON(r, &body, false); err != nil {
			return crm.Quote{}, err
		}
		return s.app.ApproveQuote(r.Context(), ac, id, version, body.Approve, body.Note)
	})
}

// quoteStep runs a versioned state change and writes the quote.
func (s *server) quoteStep(w http.ResponseWriter, r *http.Request, fn func(id, version int64) (crm.Quote, error)) error {
	version, err := ifMatch(r)
	if err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	q, err := fn(id, version)
	if err != nil {
		return err
	}
	full, err := s.app.Store.Quote(r.Context(), q.ID)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, toQuote(full))
}

type quoteSendJSON struct {
	ExpiresDays int    `json:"expires_days"`
	Email       string `json:"email"`
	Message     string `json:"message"`
}

type quoteSentJSON struct {
	Quote    quoteJSON `json:"quote"`
	ShareURL string    `json:"share_url"`
}

func (s *server) sendQuote(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	version, err := ifMatch(r)
	if err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var body quoteSendJSON
	if err := decodeJSON(r, &body, true); err != nil {
		return err
	}
	q, link, err := s.app.SendQuote(r.Context(), ac, id, version, app.SendInput{ExpiresDays: body.ExpiresDays,
		Email: body.Email, Message: body.Message})
	if err != nil {
		return err
	}
	full, err := s.app.Store.Quote(r.Context(), q.ID)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, quoteSentJSON{Quote: toQuote(full), ShareURL: link})
}

func (s *server) acceptQuote(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	q, err := s.app.AcceptQuote(r.Context(), ac, id)
	if err != nil {
		return err
	}
	full, err := s.app.Store.Quote(r.Context(), q.ID)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, toQuote(full))
}

type discountRowJSON struct {
	ID         *int64  `json:"id"`
	Name       string  `json:"name"`
	Count      int64   `json:"count"`
	ListTotal  int64   `json:"list_total"`
	Offered    int64   `json:"offered"`
	AvgPercent float64 `json:"average_discount_percent"`
}

type discountReportJSON struct {
	Currency  string            `json:"currency"`
	ByProduct []discountRowJSON `json:"by_product"`
	ByOwner   []discountRowJSON `json:"by_owner"`
}

func (s *server) quoteDiscountReport(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	rep, err := s.app.QuoteDiscountReport(r.Context(), ac, r.URL.Query().Get("currency"))
	if err != nil {
		return err
	}
	conv := func(rows []store.DiscountRow) []discountRowJSON {
		out := []discountRowJSON{}
		for _, x := range rows {
			out = append(out, discountRowJSON{ID: optID(x.ID), Name: x.Name, Count: x.Count, ListTotal: x.ListTotal,
				Offered: x.Offered, AvgPercent: x.AvgPercent})
		}
		return out
	}
	return writeJSON(w, http.StatusOK, discountReportJSON{Currency: rep.Currency, ByProduct: conv(rep.ByProduct),
		ByOwner: conv(rep.ByOwner)})
}

// ---- OpenAPI components ----

func quotesSchemas() js {
	optID := func(desc string) js { return nullable(idSchema(desc)) }
	optTime := func(desc string) js { return nullable(dateTime(desc)) }
	discount := input([]string{"type", "value"}, js{
		"type":  enumOf("amount", "percent"),
		"value": described(js{"type": "number", "minimum": 0}, "Minor units for an amount; a percentage with up to two decimals (12.5)."),
	})
	line := js{
		"id":           idSchema(""),
		"product_id":   optID("The catalogue product; null for a free-text line."),
		"name":         str(""),
		"unit":         str(""),
		"quantity":     described(js{"type": "number"}, "Up to two decimals."),
		"unit_price":   integer("Minor units, with or without tax per the quote's tax_mode."),
		"list_price":   integer("The catalogue's price when the line was written; 0 for free text."),
		"discount":     ref("QuoteDiscount"),
		"tax_category": enumOf(string(crm.TaxStandard), string(crm.TaxReduced), string(crm.TaxExempt)),
		"amount":       integer("The line's net: quantity × unit price − its discount."),
	}
	lineIn := input([]string{"quantity", "unit_price"}, js{
		"product_id":   optID("A catalogue product: its name, unit and tax category fill what is left empty, its list price is kept."),
		"name":         str("Required for free text."),
		"unit":         str(""),
		"quantity":     described(js{"type": "number", "minimum": 0.01}, "Up to two decimals."),
		"unit_price":   js{"type": "integer", "minimum": 0},
		"discount":     ref("QuoteDiscount"),
		"tax_category": enumOf(string(crm.TaxStandard), string(crm.TaxReduced), string(crm.TaxExempt)),
	})
	fields := js{
		"language":          enumOf("ja", "en"),
		"currency":          pattern("^[A-Za-z]{3}$", "The deal's currency by default."),
		"tax_mode":          enumOf(string(crm.TaxExclusive), string(crm.TaxInclusive)),
		"rounding":          enumOf(string(crm.RoundFloor), string(crm.RoundHalfUp), string(crm.RoundCeil)),
		"issue_date":        date("Today by default."),
		"valid_until":       date("Issue date plus the workspace's validity by default."),
		"delivery":          str(""),
		"payment_terms":     str(""),
		"subject":           str("The deal's name by default."),
		"recipient_company": str("The deal's company by default (printed with 御中)."),
		"recipient_person":  str("The deal's contact by default (printed with 様)."),
		"notes":             str(""),
		"discount":          ref("QuoteDiscount"),
		"lines":             arrayOf(ref("QuoteLineInput")),
	}
	create := js{"deal_id": idSchema("")}
	for k, v := range fields {
		create[k] = v
	}
	rate := record(js{"category": str(""), "rate": integer("Percent."), "base": integer("Without tax, after the quote discount's share."),
		"tax": integer("Computed once per rate and rounded by the quote's rule.")})
	quote := js{
		"id": idSchema(""), "deal_id": idSchema(""), "deal_name": str(""),
		"number": str("Q-YYYY-NNNN, shared by the revisions."), "revision": integer(""),
		"status": enumOf(quoteStatuses()...), "language": enumOf("ja", "en"), "currency": str(""),
		"tax_mode":   enumOf(string(crm.TaxExclusive), string(crm.TaxInclusive)),
		"rounding":   enumOf(string(crm.RoundFloor), string(crm.RoundHalfUp), string(crm.RoundCeil)),
		"issue_date": date(""), "valid_until": str("YYYY-MM-DD or empty."), "delivery": str(""),
		"payment_terms": str(""), "subject": str(""), "recipient_company": str(""), "recipient_person": str(""),
		"notes": str(""), "discount": ref("QuoteDiscount"), "lines": arrayOf(record(line)), "rates": arrayOf(ref("QuoteRate")),
		"list_total": integer("The lines at list price."), "subtotal": integer("Sum of the line nets."),
		"discount_total": integer("The quote-level discount."), "tax_total": integer(""), "total": integer("What the customer pays."),
		"discount_percent": described(js{"type": "number"}, "How far the offer is below list."),
		"owner_id":         optID(""), "approved_by": optID(""), "has_share_link": boolean(""),
		"share_expires_at": optTime(""), "sent_at": optTime(""), "answered_at": optTime(""),
		"created_at": dateTime(""), "updated_at": dateTime(""),
		"version": integer("Increases with every change; send it back as If-Match."),
	}
	approval := record(js{"id": idSchema(""), "quote_id": idSchema(""), "action": enumOf("requested", "approved", "rejected"),
		"user_id": optID(""), "discount_percent": js{"type": "number"}, "limit_percent": js{"type": "number"},
		"note": str(""), "at": dateTime("")})
	row := record(js{"id": optID(""), "name": str(""), "count": integer(""), "list_total": integer(""),
		"offered": integer(""), "average_discount_percent": js{"type": "number"}})
	return js{
		"QuoteDiscount":      discount,
		"QuoteLineInput":     lineIn,
		"QuoteInput":         input([]string{"deal_id", "lines"}, create),
		"QuoteUpdate":        input([]string{"lines"}, fields),
		"QuoteRate":          rate,
		"Quote":              record(quote),
		"QuoteList":          listOf("Quote"),
		"QuoteNote":          input(nil, js{"note": str("500 characters at most.")}),
		"QuoteApproval":      input([]string{"approve"}, js{"approve": boolean("false sends the quote back to draft."), "note": str("")}),
		"QuoteApprovalEntry": approval,
		"QuoteApprovalList":  listOf("QuoteApprovalEntry"),
		"QuoteSend": input(nil, js{"expires_days": js{"type": "integer", "minimum": 0, "maximum": 365},
			"email":   str("Also e-mail the customer the PDF and the link, through the workspace's SMTP server."),
			"message": str("A note at the top of the e-mail, 2,000 characters at most.")}),
		"QuoteSent":           record(js{"quote": ref("Quote"), "share_url": str("The customer's link; shown only now (only its hash is stored).")}),
		"QuoteDiscountRow":    row,
		"QuoteDiscountReport": record(js{"currency": str(""), "by_product": arrayOf(ref("QuoteDiscountRow")), "by_owner": arrayOf(ref("QuoteDiscountRow"))}),
	}
}
