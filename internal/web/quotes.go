package web

import (
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"strconv"
	"strings"

	"renkei/internal/app"
	"renkei/internal/crm"
	"renkei/internal/i18n"
	"renkei/internal/quotepdf"
	"renkei/internal/store"
)

// quotesRoutes are the UI routes of quotes (見積書), their public share
// link, the discount report and the guardrail setting.
func (s *server) quotesRoutes() []route {
	return []route{
		{"GET", "/deals/{id}/quotes/new", crm.PermWriteSales, s.quoteNew, false},
		{"POST", "/deals/{id}/quotes", crm.PermWriteSales, s.quoteCreate, false},
		{"POST", "/quotes/preview", crm.PermWriteSales, s.quotePreview, false},
		{"GET", "/quotes/{id}", crm.PermReadAll, s.quotePage, false},
		{"GET", "/quotes/{id}/edit", crm.PermWriteSales, s.quoteEdit, false},
		{"POST", "/quotes/{id}", crm.PermWriteSales, s.quoteUpdate, false},
		{"GET", "/quotes/{id}/pdf", crm.PermReadAll, s.quotePDF, false},
		{"POST", "/quotes/{id}/request-approval", crm.PermWriteSales, s.quoteRequestApproval, false},
		{"POST", "/quotes/{id}/approve", crm.PermWriteSales, s.quoteApprove, false},
		{"POST", "/quotes/{id}/send", crm.PermWriteSales, s.quoteSend, false},
		{"POST", "/quotes/{id}/accept", crm.PermWriteSales, s.quoteAccept, false},
		{"POST", "/quotes/{id}/decline", crm.PermWriteSales, s.quoteDecline, false},
		{"POST", "/quotes/{id}/delete", crm.PermWriteSales, s.quoteDelete, false},
		{"GET", "/reports/quotes", crm.PermReadAll, s.quoteReport, false},
		{"GET", "/settings/quotes", crm.PermSettings, s.quoteSettingsPage, false},
		{"POST", "/settings/quotes", crm.PermSettings, s.quoteSettingsSave, false},

		// The customer's share link: no session; a wrong or expired token is a plain 404.
		{"GET", "/q/{token}", public, s.sharedQuotePage, false},
		{"GET", "/q/{token}/pdf", public, s.sharedQuotePDF, false},
		{"POST", "/q/{token}/accept", public, s.sharedQuoteAccept, false},
	}
}

// quoteAndInvoiceRoutes are the quote routes and the invoice routes.
func (s *server) quoteAndInvoiceRoutes() []route {
	return append(s.quotesRoutes(), s.invoicesRoutes()...)
}

// quoteFuncs are the template functions of quote pages.
func quoteFuncs(lang crm.Language) template.FuncMap {
	return template.FuncMap{
		"qty": func(n int64) string { return crm.FormatFixed(n, 2) },
		"pct": func(bp int64) string { return crm.FormatFixed(bp, 2) + "%" },
		"pctf": func(f float64) string {
			return strconv.FormatFloat(f, 'f', 1, 64) + "%"
		},
		"quoteStatus": func(s crm.QuoteStatus) string { return i18n.T(lang, "quote.status."+string(s)) },
		"quoteBadge": func(s crm.QuoteStatus) string {
			switch s {
			case crm.QuoteAccepted:
				return "bg-green-lt"
			case crm.QuoteSent:
				return "bg-blue-lt"
			case crm.QuotePendingApproval:
				return "bg-orange-lt"
			case crm.QuoteApproved:
				return "bg-teal-lt"
			case crm.QuoteRejected, crm.QuoteExpired:
				return "bg-red-lt"
			}
			return "bg-secondary-lt"
		},
		"taxLabel": func(c crm.TaxCategory) string { return i18n.T(lang, "quote.tax."+string(c)) },
		"lineList": func(l crm.QuoteLine) int64 { return lineTotal(l.Quantity, l.List()) },
		"amountIn": amountInput,
		"offered":  func(q crm.Quote) int64 { return q.Subtotal - q.DiscountTotal },
		"quoteTaxModes": func() []option {
			return []option{{string(crm.TaxExclusive), i18n.T(lang, "quote.mode.exclusive")},
				{string(crm.TaxInclusive), i18n.T(lang, "quote.mode.inclusive")}}
		},
		"quoteRoundings": func() []option {
			out := make([]option, len(crm.Roundings))
			for i, r := range crm.Roundings {
				out[i] = option{string(r), i18n.T(lang, "quote.rounding."+string(r))}
			}
			return out
		},
		"quoteTaxes": func() []option {
			out := make([]option, len(crm.TaxCategories))
			for i, c := range crm.TaxCategories {
				out[i] = option{string(c), i18n.T(lang, "quote.tax."+string(c))}
			}
			return out
		},
		"quoteDiscountKinds": func() []option {
			return []option{{"amount", i18n.T(lang, "quote.kind.amount_long")}, {"percent", i18n.T(lang, "quote.kind.percent_long")}}
		},
		"lineOffer": func(l crm.QuoteLine) int64 { return lineTotal(l.Quantity, l.UnitPrice) },
	}
}

// lineTotal is quantity × price for the negotiation view (floored).
func lineTotal(qty, price int64) int64 {
	if qty > 0 && price > crm.MaxAmount/qty {
		return 0
	}
	return qty * price / crm.QtyScale
}

// ---- the editor ----

// quoteLineRows is how many empty rows the editor offers beyond the lines.
const quoteLineRows = 3

type quoteLineRow struct {
	I                                                string
	ProductID, Name, Unit, Quantity, Price, Discount string
	DiscountPercent                                  bool
	Category                                         string
}

type quoteFormData struct {
	Deal     crm.Deal
	Quote    *crm.Quote // nil for a new quote
	Rows     []quoteLineRow
	Products []crm.Product
	Preview  *quotePreviewData
	Action   string
}

type quotePreviewData struct {
	Q        crm.Quote
	Tax      crm.TaxResult
	Error    string
	NeedsOK  bool
	LimitBP  int64
	Currency string
}

func quoteInputForm(in app.QuoteInput, version int64) *form {
	f := newForm()
	f.Version = version
	f.Set("language", string(in.Language))
	f.Set("currency", in.Currency)
	f.Set("tax_mode", string(in.TaxMode))
	f.Set("rounding", string(in.Rounding))
	f.Set("issue_date", in.IssueDate)
	f.Set("valid_until", in.ValidUntil)
	f.Set("delivery", in.Delivery)
	f.Set("payment_terms", in.PaymentTerms)
	f.Set("subject", in.Subject)
	f.Set("recipient_company", in.RecipientCompany)
	f.Set("recipient_person", in.RecipientPerson)
	f.Set("notes", in.Notes)
	f.Set("discount", discountInput(in.Discount, in.Currency))
	if in.Discount.Percent {
		f.Set("discount_kind", "percent")
	}
	for i, l := range in.Lines {
		p := "lines." + strconv.Itoa(i) + "."
		if l.ProductID != 0 {
			f.Set(p+"product_id", strconv.FormatInt(l.ProductID, 10))
		}
		f.Set(p+"name", l.Name)
		f.Set(p+"unit", l.Unit)
		f.Set(p+"quantity", crm.FormatFixed(l.Quantity, 2))
		f.Set(p+"unit_price", amountInput(l.UnitPrice, in.Currency))
		f.Set(p+"discount", discountInput(l.Discount, in.Currency))
		if l.Discount.Percent {
			f.Set(p+"discount_kind", "percent")
		}
		f.Set(p+"tax_category", string(l.Category))
		f.Set(p+"list_price", amountInput(l.ListPrice, in.Currency))
	}
	return f
}

func discountInput(d crm.Discount, currency string) string {
	if d.Value == 0 {
		return ""
	}
	if d.Percent {
		return crm.FormatFixed(d.Value, 2)
	}
	return amountInput(d.Value, currency)
}

// rows lists the form's line rows plus quoteLineRows empty ones.
func quoteRows(f *form) []quoteLineRow {
	n := 0
	for k := range f.Values {
		if rest, ok := strings.CutPrefix(k, "lines."); ok {
			i, _, _ := strings.Cut(rest, ".")
			if v, err := strconv.Atoi(i); err == nil && v+1 > n && v < crm.MaxLines {
				n = v + 1
			}
		}
	}
	var out []quoteLineRow
	for i := range n + quoteLineRows {
		p := "lines." + strconv.Itoa(i) + "."
		out = append(out, quoteLineRow{I: strconv.Itoa(i), ProductID: f.Get(p + "product_id"), Name: f.Get(p + "name"),
			Unit: f.Get(p + "unit"), Quantity: f.Get(p + "quantity"), Price: f.Get(p + "unit_price"),
			Discount: f.Get(p + "discount"), DiscountPercent: f.Get(p+"discount_kind") == "percent",
			Category: f.Get(p + "tax_category")})
	}
	return out
}

// parseQuoteForm reads the editor into an input; every field that does not
// parse gets its message.
func parseQuoteForm(f *form) (app.QuoteInput, error) {
	v := &crm.ValidationError{}
	cur := strings.ToUpper(strings.TrimSpace(f.Get("currency")))
	in := app.QuoteInput{Language: crm.Language(f.Get("language")), Currency: cur,
		TaxMode: crm.TaxMode(f.Get("tax_mode")), Rounding: crm.Rounding(f.Get("rounding")),
		IssueDate: f.Get("issue_date"), ValidUntil: f.Get("valid_until"), Delivery: f.Get("delivery"),
		PaymentTerms: f.Get("payment_terms"), Subject: f.Get("subject"),
		RecipientCompany: f.Get("recipient_company"), RecipientPerson: f.Get("recipient_person"),
		Notes: f.Get("notes")}
	in.Discount = parseDiscount(v, "discount", f.Get("discount"), f.Get("discount_kind"), cur)
	for _, row := range quoteRows(f) {
		if strings.TrimSpace(row.Name+row.ProductID+row.Price+row.Quantity) == "" {
			continue
		}
		i := len(in.Lines)
		p := "lines." + strconv.Itoa(i) + "."
		l := crm.QuoteLine{Name: row.Name, Unit: row.Unit, Category: crm.TaxCategory(row.Category)}
		l.ProductID, _ = strconv.ParseInt(row.ProductID, 10, 64)
		var ok bool
		if l.Quantity, ok = crm.ParseFixed(row.Quantity, 2); !ok {
			v.Add(p+"quantity", "enter a number such as 1 or 1.5")
		}
		l.UnitPrice = parseMoney(v, p+"unit_price", row.Price, cur)
		l.ListPrice = parseMoney(v, p+"list_price", f.Get("lines."+row.I+".list_price"), cur)
		l.Discount = parseDiscount(v, p+"discount", row.Discount, map[bool]string{true: "percent"}[row.DiscountPercent], cur)
		in.Lines = append(in.Lines, l)
		// Messages name the line by its place among the kept lines; keep
		// the form's values in the same places.
		if row.I != strconv.Itoa(i) {
			for _, k := range []string{"product_id", "name", "unit", "quantity", "unit_price", "discount", "discount_kind", "tax_category", "list_price"} {
				f.Set(p+k, f.Get("lines."+row.I+"."+k))
				f.Values.Del("lines." + row.I + "." + k)
			}
		}
	}
	return in, v.Err()
}

// parseMoney reads an amount in minor units; empty is 0.
func parseMoney(v *crm.ValidationError, field, s, cur string) int64 {
	s = strings.TrimSpace(s)
	for _, cut := range []string{",", "，", "¥", "￥", "$", "€", "£", " ", "円"} {
		s = strings.ReplaceAll(s, cut, "")
	}
	if s == "" {
		return 0
	}
	n, ok := crm.ParseFixed(s, i18n.MinorDigits(cur))
	if !ok {
		if i18n.MinorDigits(cur) == 0 && strings.Contains(s, ".") {
			v.Add(field, "enter whole yen without decimals")
		} else {
			v.Add(field, "enter an amount such as 1,200,000")
		}
	}
	return n
}

func parseDiscount(v *crm.ValidationError, field, s, kind, cur string) crm.Discount {
	if strings.TrimSpace(s) == "" {
		return crm.Discount{}
	}
	if kind == "percent" {
		n, ok := crm.ParseFixed(strings.TrimSuffix(strings.TrimSpace(s), "%"), 2)
		if !ok {
			v.Add(field, "enter a percentage such as 5 or 12.5")
		}
		return crm.Discount{Percent: true, Value: n}
	}
	return crm.Discount{Value: parseMoney(v, field, s, cur)}
}

func (s *server) quoteFormPage(w http.ResponseWriter, r *http.Request, rq *req, d crm.Deal, q *crm.Quote, f *form) (*page, error) {
	p := s.newPage(w, r, rq, "quote.new")
	p.Section = "sales"
	p.Pretitle = d.Name
	data := &quoteFormData{Deal: d, Quote: q, Action: fmt.Sprintf("/deals/%d/quotes", d.ID)}
	if q != nil {
		p.Title = i18n.T(rq.lang, "quote.edit_of", q.Number)
		data.Action = fmt.Sprintf("/quotes/%d", q.ID)
	}
	page, err := s.app.Products(r.Context(), rq.actor, store.ProductQuery{ActiveOnly: true, Limit: 500})
	if err != nil {
		return nil, err
	}
	data.Products = page.Products
	data.Rows = quoteRows(f)
	if in, err := parseQuoteForm(f); err == nil {
		data.Preview = s.preview(r, rq, in)
	}
	p.Form, p.Data = f, data
	return p, nil
}

func (s *server) preview(r *http.Request, rq *req, in app.QuoteInput) *quotePreviewData {
	q, err := s.app.PreviewQuote(r.Context(), in)
	out := &quotePreviewData{Q: q, Currency: q.Currency}
	if err != nil {
		if v, ok := crm.AsValidation(err); ok {
			for _, m := range v.Fields {
				out.Error = i18n.Error(rq.lang, m)
				break
			}
		}
		return out
	}
	out.Tax, _ = q.Tax()
	need, limit, _ := s.app.NeedsApproval(r.Context(), q)
	out.NeedsOK, out.LimitBP = need, limit
	return out
}

func (s *server) quoteNew(w http.ResponseWriter, r *http.Request, rq *req) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	d, err := s.app.Deal(r.Context(), rq.actor, id)
	if err != nil {
		return err
	}
	in, err := s.app.NewQuoteInput(r.Context(), rq.actor, id)
	if err != nil {
		return err
	}
	p, err := s.quoteFormPage(w, r, rq, d, nil, quoteInputForm(in, 0))
	if err != nil {
		return err
	}
	s.render(w, r, rq, http.StatusOK, "quotes_form", p)
	return nil
}

func (s *server) quoteCreate(w http.ResponseWriter, r *http.Request, rq *req) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	d, err := s.app.Deal(r.Context(), rq.actor, id)
	if err != nil {
		return err
	}
	f := submitted(r)
	in, err := parseQuoteForm(f)
	var q crm.Quote
	if err == nil {
		q, err = s.app.CreateQuote(r.Context(), rq.actor, id, in)
	}
	if err != nil {
		p, perr := s.quoteFormPage(w, r, rq, d, nil, f)
		if perr != nil {
			return perr
		}
		return again(err, "quotes_form", p)
	}
	return s.redirect(w, r, rq, fmt.Sprintf("/quotes/%d", q.ID), "flash.quote.saved")
}

func (s *server) quoteEdit(w http.ResponseWriter, r *http.Request, rq *req) error {
	q, d, err := s.loadQuote(r, rq)
	if err != nil {
		return err
	}
	in := app.QuoteInput{Language: q.Language, Currency: q.Currency, TaxMode: q.TaxMode, Rounding: q.Rounding,
		IssueDate: q.IssueDate, ValidUntil: q.ValidUntil, Delivery: q.Delivery, PaymentTerms: q.PaymentTerms,
		Subject: q.Subject, RecipientCompany: q.RecipientCompany, RecipientPerson: q.RecipientPerson,
		Notes: q.Notes, Discount: q.Discount, Lines: q.Lines}
	p, err := s.quoteFormPage(w, r, rq, d, &q, quoteInputForm(in, q.Version))
	if err != nil {
		return err
	}
	s.render(w, r, rq, http.StatusOK, "quotes_form", p)
	return nil
}

func (s *server) quoteUpdate(w http.ResponseWriter, r *http.Request, rq *req) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	q, d, err := s.loadQuote(r, rq)
	if err != nil {
		return err
	}
	f := submitted(r)
	in, err := parseQuoteForm(f)
	var nq crm.Quote
	if err == nil {
		nq, err = s.app.UpdateQuote(r.Context(), rq.actor, q.ID, f.Version, in)
	}
	if err != nil {
		p, perr := s.quoteFormPage(w, r, rq, d, &q, f)
		if perr != nil {
			return perr
		}
		return again(err, "quotes_form", p)
	}
	flash := "flash.quote.saved"
	if nq.ID != q.ID {
		flash = "flash.quote.revised"
	}
	return s.redirect(w, r, rq, fmt.Sprintf("/quotes/%d", nq.ID), flash)
}

// quotePreview renders the live totals of the editor (htmx).
func (s *server) quotePreview(w http.ResponseWriter, r *http.Request, rq *req) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	f := submitted(r)
	p := s.newPage(w, r, rq, "")
	in, err := parseQuoteForm(f)
	pd := &quotePreviewData{Currency: in.Currency}
	if err != nil {
		if v, ok := crm.AsValidation(err); ok {
			for _, m := range v.Fields {
				pd.Error = i18n.Error(rq.lang, m)
				break
			}
		}
	} else {
		pd = s.preview(r, rq, in)
	}
	p.Data = &quoteFormData{Preview: pd}
	s.renderTemplate(w, rq, http.StatusOK, "quotes_form", "quotetotals", p)
	return nil
}

// ---- the quote page ----

type quoteData struct {
	Q           crm.Quote
	Tax         crm.TaxResult
	Status      crm.QuoteStatus
	Revisions   []crm.Quote
	Approvals   []crm.QuoteApproval
	CanWrite    bool
	CanApprove  bool
	NeedsOK     bool
	LimitBP     int64
	ShareLink   string // right after sending: shown once
	InvoiceLink string // right after sharing or e-mailing the invoice: shown once
	Latest      bool
	Invoice     *crm.Invoice // the accepted quote's invoice, once made
	Today       string
	DueDefault  string
}

func (s *server) loadQuote(r *http.Request, rq *req) (crm.Quote, crm.Deal, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return crm.Quote{}, crm.Deal{}, err
	}
	q, err := s.app.Quote(r.Context(), rq.actor, id)
	if err != nil {
		return q, crm.Deal{}, err
	}
	d, err := s.app.Deal(r.Context(), rq.actor, q.DealID)
	return q, d, err
}

func (s *server) quoteView(w http.ResponseWriter, r *http.Request, rq *req, q crm.Quote) (*page, error) {
	ctx := r.Context()
	p := s.newPage(w, r, rq, "")
	p.Title = q.Number
	p.Pretitle = q.DealName
	p.Section = "sales"
	d := &quoteData{Q: q, Status: q.DisplayStatus(s.app.QuoteToday(ctx)), CanWrite: rq.actor.Can(crm.PermWriteSales)}
	var err error
	if d.Tax, err = q.Tax(); err != nil {
		return nil, err
	}
	if d.Revisions, err = s.app.QuoteRevisions(ctx, rq.actor, q.ID); err != nil {
		return nil, err
	}
	d.Latest = len(d.Revisions) == 0 || d.Revisions[0].ID == q.ID
	if d.Approvals, err = s.app.QuoteApprovals(ctx, rq.actor, q.ID); err != nil {
		return nil, err
	}
	d.NeedsOK, d.LimitBP, _ = s.app.NeedsApproval(ctx, q)
	d.CanApprove = s.app.CanApproveQuote(ctx, rq.actor, q)
	if q.Status == crm.QuoteAccepted {
		d.Invoice = s.invoiceOf(r, rq, q.ID)
		d.Today = s.app.QuoteToday(ctx)
		d.DueDefault = crm.EndOfNextMonth(d.Today)
	}
	p.Data = d
	p.Form = newForm()
	p.Form.Version = q.Version
	if d.Invoice != nil {
		p.Form.Set("email", s.dealContactEmail(r, rq, q.DealID))
	}
	return p, nil
}

// dealContactEmail is the address of the deal's contact, the invoice
// e-mail's default recipient; "" when there is none the actor may see.
func (s *server) dealContactEmail(r *http.Request, rq *req, dealID int64) string {
	d, err := s.app.Deal(r.Context(), rq.actor, dealID)
	if err != nil || d.ContactID == 0 {
		return ""
	}
	c, err := s.app.Contact(r.Context(), rq.actor, d.ContactID)
	if err != nil {
		return ""
	}
	return c.Email
}

func (s *server) quotePage(w http.ResponseWriter, r *http.Request, rq *req) error {
	q, _, err := s.loadQuote(r, rq)
	if err != nil {
		return err
	}
	p, err := s.quoteView(w, r, rq, q)
	if err != nil {
		return err
	}
	s.render(w, r, rq, http.StatusOK, "quotes_view", p)
	return nil
}

// quoteAction runs a state change from the quote page and shows the page
// again with the result: a message for an error the user can act on.
func (s *server) quoteAction(w http.ResponseWriter, r *http.Request, rq *req,
	fn func(id, version int64) (crm.Quote, error), flash string) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	version, _ := strconv.ParseInt(r.PostFormValue("version"), 10, 64)
	if _, err = fn(id, version); err != nil {
		q, lerr := s.app.Quote(r.Context(), rq.actor, id)
		if lerr != nil {
			return lerr
		}
		p, perr := s.quoteView(w, r, rq, q)
		if perr != nil {
			return perr
		}
		return again(err, "quotes_view", p)
	}
	return s.redirect(w, r, rq, fmt.Sprintf("/quotes/%d", id), flash)
}

func (s *server) quoteRequestApproval(w http.ResponseWriter, r *http.Request, rq *req) error {
	return s.quoteAction(w, r, rq, func(id, v int64) (crm.Quote, error) {
		return s.app.RequestQuoteApproval(r.Context(), rq.actor, id, v, r.PostFormValue("note"))
	}, "flash.quote.approval_requested")
}

func (s *server) quoteApprove(w http.ResponseWriter, r *http.Request, rq *req) error {
	ok := r.PostFormValue("decision") != "reject"
	flash := "flash.quote.approved"
	if !ok {
		flash = "flash.quote.returned"
	}
	return s.quoteAction(w, r, rq, func(id, v int64) (crm.Quote, error) {
		return s.app.ApproveQuote(r.Context(), rq.actor, id, v, ok, r.PostFormValue("note"))
	}, flash)
}

func (s *server) quoteAccept(w http.ResponseWriter, r *http.Request, rq *req) error {
	return s.quoteAction(w, r, rq, func(id, _ int64) (crm.Quote, error) {
		return s.app.AcceptQuote(r.Context(), rq.actor, id)
	}, "flash.quote.accepted")
}

func (s *server) quoteDecline(w http.ResponseWriter, r *http.Request, rq *req) error {
	return s.quoteAction(w, r, rq, func(id, v int64) (crm.Quote, error) {
		return s.app.RejectQuote(r.Context(), rq.actor, id, v)
	}, "flash.quote.declined")
}

func (s *server) quoteDelete(w http.ResponseWriter, r *http.Request, rq *req) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	q, _, err := s.loadQuote(r, rq)
	if err != nil {
		return err
	}
	if err := s.app.DeleteQuote(r.Context(), rq.actor, q.ID); err != nil {
		return err
	}
	return s.redirect(w, r, rq, fmt.Sprintf("/deals/%d", q.DealID), "flash.quote.deleted")
}

// quoteSend sends the quote and shows its share link once, on the page
// itself (it is not stored and not put in a URL).
func (s *server) quoteSend(w http.ResponseWriter, r *http.Request, rq *req) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	version, _ := strconv.ParseInt(r.PostFormValue("version"), 10, 64)
	days, _ := strconv.Atoi(r.PostFormValue("expires_days"))
	var link string
	if r.PostFormValue("relink") == "1" {
		link, err = s.app.ShareQuote(r.Context(), rq.actor, id, days)
	} else {
		_, link, err = s.app.SendQuote(r.Context(), rq.actor, id, version, app.SendInput{ExpiresDays: days,
			Email: r.PostFormValue("email"), Message: r.PostFormValue("message")})
	}
	q, lerr := s.app.Quote(r.Context(), rq.actor, id)
	if lerr != nil {
		return lerr
	}
	p, perr := s.quoteView(w, r, rq, q)
	if perr != nil {
		return perr
	}
	if err != nil {
		return again(err, "quotes_view", p)
	}
	p.Data.(*quoteData).ShareLink = link
	p.Flash = i18n.T(rq.lang, "flash.quote.sent")
	s.render(w, r, rq, http.StatusOK, "quotes_view", p)
	return nil
}

func (s *server) quotePDF(w http.ResponseWriter, r *http.Request, rq *req) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	b, name, err := s.app.QuotePDF(r.Context(), rq.actor, id)
	return s.sendPDF(w, r, rq, b, name, err)
}

// sendPDF writes a PDF download, or the page that says how to install the
// font when there is none.
func (s *server) sendPDF(w http.ResponseWriter, r *http.Request, rq *req, b []byte, name string, err error) error {
	if errors.Is(err, quotepdf.ErrNoFont) {
		p := s.newPage(w, r, rq, "quote.pdf_font.title")
		p.HideHeader = true
		p.Data = errorData{Code: http.StatusServiceUnavailable, Title: p.Title, Text: i18n.T(rq.lang, "quote.pdf_font.text")}
		s.render(w, r, rq, http.StatusServiceUnavailable, "error", p)
		return nil
	}
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/pdf")
	w.Header().Set("Content-Disposition", `inline; filename="`+name+`"`)
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	_, err = w.Write(b)
	return err
}

// ---- the customer's share link ----

type sharedQuoteData struct {
	Q      crm.Quote
	Tax    crm.TaxResult
	Token  string
	Status crm.QuoteStatus
	Our    string
}

func (s *server) sharedQuotePage(w http.ResponseWriter, r *http.Request, rq *req) error {
	token := r.PathValue("token")
	q, err := s.app.SharedQuote(r.Context(), token)
	if err != nil {
		http.NotFound(w, r)
		return nil
	}
	return s.renderShared(w, r, rq, q, token, http.StatusOK)
}

func (s *server) renderShared(w http.ResponseWriter, r *http.Request, rq *req, q crm.Quote, token string, code int) error {
	if r.URL.Query().Get("lang") == "" && !rq.signedIn() {
		rq.lang = q.Language // the customer reads the quote's language unless they chose one
	}
	p := s.newPage(w, r, rq, "")
	p.Title = q.Number
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
	p.Data = &sharedQuoteData{Q: q, Tax: tax, Token: token, Status: q.DisplayStatus(s.app.QuoteToday(r.Context())), Our: our}
	s.render(w, r, rq, code, "quotes_public", p)
	return nil
}

func (s *server) sharedQuotePDF(w http.ResponseWriter, r *http.Request, rq *req) error {
	b, name, err := s.app.SharedQuotePDF(r.Context(), r.PathValue("token"))
	if errors.Is(err, crm.ErrNotFound) {
		http.NotFound(w, r)
		return nil
	}
	return s.sendPDF(w, r, rq, b, name, err)
}

func (s *server) sharedQuoteAccept(w http.ResponseWriter, r *http.Request, rq *req) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	token := r.PathValue("token")
	q, err := s.app.AcceptSharedQuote(r.Context(), token, rq.ip)
	if errors.Is(err, crm.ErrNotFound) {
		http.NotFound(w, r)
		return nil
	}
	if err != nil {
		if _, ok := crm.AsValidation(err); !ok {
			return err
		}
		if q, err = s.app.SharedQuote(r.Context(), token); err != nil {
			http.NotFound(w, r)
			return nil
		}
		return s.renderShared(w, r, rq, q, token, http.StatusUnprocessableEntity)
	}
	return s.renderShared(w, r, rq, q, token, http.StatusOK)
}

// ---- the discount report and the guardrail setting ----

type quoteReportData struct {
	R app.DiscountReport
}

func (s *server) quoteReport(w http.ResponseWriter, r *http.Request, rq *req) error {
	rep, err := s.app.QuoteDiscountReport(r.Context(), rq.actor, r.URL.Query().Get("currency"))
	if err != nil {
		return err
	}
	p := s.newPage(w, r, rq, "quote.report.title")
	p.Section = "reports"
	p.Data = &quoteReportData{R: rep}
	s.render(w, r, rq, http.StatusOK, "quotes_report", p)
	return nil
}

func (s *server) quoteSettingsView(w http.ResponseWriter, r *http.Request, rq *req, f *form) *page {
	p := s.newPage(w, r, rq, "quote.settings.title")
	p.Section, p.Sub = "settings", "quotes"
	p.Form = f
	return p
}

func (s *server) quoteSettingsPage(w http.ResponseWriter, r *http.Request, rq *req) error {
	qs, v, err := s.app.QuoteSettings(r.Context())
	if err != nil {
		return err
	}
	f := newForm()
	f.Version = v
	f.Set("max_discount", crm.FormatFixed(qs.MaxDiscountBP, 2))
	f.Set("valid_days", strconv.Itoa(qs.ValidDays))
	f.Set("payment_terms", qs.PaymentTerms)
	f.Set("bank_details", qs.BankDetails)
	s.render(w, r, rq, http.StatusOK, "quotes_settings", s.quoteSettingsView(w, r, rq, f))
	return nil
}

func (s *server) quoteSettingsSave(w http.ResponseWriter, r *http.Request, rq *req) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	f := submitted(r)
	p := s.quoteSettingsView(w, r, rq, f)
	cur, _, err := s.app.QuoteSettings(r.Context())
	if err != nil {
		return err
	}
	v := &crm.ValidationError{}
	bp, ok := crm.ParseFixed(strings.TrimSuffix(strings.TrimSpace(f.Get("max_discount")), "%"), 2)
	if !ok {
		v.Add("max_discount", "enter a percentage such as 5 or 12.5")
	}
	days, err := strconv.Atoi(strings.TrimSpace(f.Get("valid_days")))
	if err != nil {
		v.Add("valid_days", "must be between 1 and 365 days")
	}
	if err := v.Err(); err != nil {
		return again(err, "quotes_settings", p)
	}
	cur.MaxDiscountBP, cur.ValidDays, cur.PaymentTerms = bp, days, f.Get("payment_terms")
	cur.BankDetails = f.Get("bank_details")
	if _, err := s.app.SetQuoteSettings(r.Context(), rq.actor, cur, f.Version); err != nil {
		return again(err, "quotes_settings", p)
	}
	return s.redirect(w, r, rq, "/settings/quotes", "flash.saved")
}
