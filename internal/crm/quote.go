package crm

import (
	"regexp"
	"strconv"
	"strings"
	"time"
)

// QuoteStatus is where a quote is in its life.
type QuoteStatus string

// Quote statuses. A draft above the discount limit goes to
// pending_approval; a manager approves it (approved) or sends it back
// (draft). Only a draft within the limit or an approved quote is sent.
// The customer accepts or rejects a sent quote; a sent quote past its
// validity reads as expired.
const (
	QuoteDraft           QuoteStatus = "draft"
	QuotePendingApproval QuoteStatus = "pending_approval"
	QuoteApproved        QuoteStatus = "approved"
	QuoteSent            QuoteStatus = "sent"
	QuoteAccepted        QuoteStatus = "accepted"
	QuoteRejected        QuoteStatus = "rejected"
	QuoteExpired         QuoteStatus = "expired"
)

// QuoteStatuses lists the statuses in order.
var QuoteStatuses = []QuoteStatus{QuoteDraft, QuotePendingApproval, QuoteApproved, QuoteSent, QuoteAccepted,
	QuoteRejected, QuoteExpired}

// Editable reports whether the quote's content may change in place; a
// sent quote changes by a new revision, an answered one not at all.
func (s QuoteStatus) Editable() bool {
	return s == QuoteDraft || s == QuotePendingApproval || s == QuoteApproved
}

// QuoteLine is one line of a quote.
type QuoteLine struct {
	ID        int64
	ProductID int64 // 0: free text
	Name      string
	Unit      string
	Quantity  int64 // hundredths
	UnitPrice int64
	ListPrice int64 // the catalogue price at the time; 0: same as UnitPrice
	Discount  Discount
	Category  TaxCategory
	Amount    int64 // computed: the line's net
}

// List returns the list price used for the negotiation view.
func (l QuoteLine) List() int64 {
	if l.ListPrice > 0 {
		return l.ListPrice
	}
	return l.UnitPrice
}

// Quote is a priced offer on a deal (見積書).
type Quote struct {
	ID               int64
	DealID           int64
	Number           string
	Revision         int
	Status           QuoteStatus
	Language         Language
	Currency         string
	TaxMode          TaxMode
	Rounding         Rounding
	IssueDate        string
	ValidUntil       string
	Delivery         string
	PaymentTerms     string
	Subject          string
	RecipientCompany string
	RecipientPerson  string
	Notes            string
	Discount         Discount
	Lines            []QuoteLine

	// Computed by Compute and cached in the row.
	ListTotal     int64
	Subtotal      int64
	DiscountTotal int64
	TaxTotal      int64
	Total         int64
	DiscountBP    int64 // how far below list, hundredths of a percent

	OwnerID        int64
	ApprovedBy     int64
	ShareExpiresAt time.Time
	HasShareLink   bool
	SentAt         time.Time
	AnsweredAt     time.Time
	CreatedAt      time.Time
	UpdatedAt      time.Time
	Version        int64

	// Read only: from the deal.
	DealName    string
	DealOwnerID int64
	DealTeamID  int64
	OwnerName   string
}

// MaxQuoteText is the longest notes text; header fields are shorter.
const MaxQuoteText = 5000

var quoteNumberRe = regexp.MustCompile(`^[A-Z]+-[0-9]{4}-[0-9]{4,}$`)

// QuoteNumber formats a document number: QuoteNumber("Q", 2026, 1) is
// "Q-2026-0001".
func QuoteNumber(prefix string, year int, n int64) string {
	s := strconv.FormatInt(n, 10)
	if len(s) < 4 {
		s = strings.Repeat("0", 4-len(s)) + s
	}
	return prefix + "-" + strconv.Itoa(year) + "-" + s
}

// ValidQuoteNumber reports whether s looks like a document number.
func ValidQuoteNumber(s string) bool { return quoteNumberRe.MatchString(s) }

// Normalize trims the text fields and fills defaults.
func (q *Quote) Normalize() {
	for _, p := range []*string{&q.IssueDate, &q.ValidUntil, &q.Delivery, &q.PaymentTerms, &q.Subject,
		&q.RecipientCompany, &q.RecipientPerson, &q.Notes} {
		*p = strings.TrimSpace(*p)
	}
	q.Currency = strings.ToUpper(strings.TrimSpace(q.Currency))
	if q.Currency == "" {
		q.Currency = "JPY"
	}
	if q.TaxMode == "" {
		q.TaxMode = TaxExclusive
	}
	if q.Rounding == "" {
		q.Rounding = RoundFloor
	}
	if q.Status == "" {
		q.Status = QuoteDraft
	}
	for i := range q.Lines {
		l := &q.Lines[i]
		l.Name, l.Unit = strings.TrimSpace(l.Name), strings.TrimSpace(l.Unit)
		if l.Category == "" {
			l.Category = TaxStandard
		}
	}
}

// Compute validates the quote and fills the lines' amounts and the cached
// totals. Field names of errors are those of the form and the API.
func (q *Quote) Compute() error {
	v := &ValidationError{}
	if _, err := time.Parse(time.DateOnly, q.IssueDate); err != nil {
		v.Add("issue_date", "give a date as YYYY-MM-DD")
	}
	if q.ValidUntil != "" {
		if vu, err := time.Parse(time.DateOnly, q.ValidUntil); err != nil {
			v.Add("valid_until", "give a date as YYYY-MM-DD")
		} else if is, err := time.Parse(time.DateOnly, q.IssueDate); err == nil && vu.Before(is) {
			v.Add("valid_until", "must not be before the issue date")
		}
	}
	if !currencyRe.MatchString(q.Currency) {
		v.Add("currency", "must be a three-letter currency code such as JPY")
	}
	if _, ok := ParseLanguage(string(q.Language)); !ok {
		v.Add("language", "choose ja or en")
	}
	for f, s := range map[string]string{"delivery": q.Delivery, "payment_terms": q.PaymentTerms,
		"subject": q.Subject, "recipient_company": q.RecipientCompany, "recipient_person": q.RecipientPerson} {
		if len([]rune(s)) > 200 {
			v.Add(f, "is too long (200 characters at most)")
		} else if strings.ContainsAny(s, "\r\n\x00") {
			v.Add(f, "must be on one line")
		}
	}
	if q.RecipientCompany == "" && q.RecipientPerson == "" {
		v.Add("recipient_company", "name the company or the person the quote is for")
	}
	if len([]rune(q.Notes)) > MaxQuoteText {
		v.Add("notes", "is too long (5,000 characters at most)")
	}
	in := TaxInput{Mode: q.TaxMode, Rounding: q.Rounding, Discount: q.Discount}
	for i, l := range q.Lines {
		f := "lines." + strconv.Itoa(i) + "."
		if l.Name == "" {
			v.Add(f+"name", "is required")
		} else if len([]rune(l.Name)) > 200 {
			v.Add(f+"name", "is too long (200 characters at most)")
		}
		if len([]rune(l.Unit)) > 20 {
			v.Add(f+"unit", "is too long (20 characters at most)")
		}
		if l.ListPrice < 0 || l.ListPrice > MaxUnitPrice {
			v.Add(f+"list_price", "must not be negative")
		}
		in.Lines = append(in.Lines, TaxLine{Quantity: l.Quantity, UnitPrice: l.UnitPrice, Discount: l.Discount,
			Category: l.Category})
	}
	res, err := ComputeTax(in)
	if ve, ok := AsValidation(err); ok {
		for f, m := range ve.Fields {
			v.Add(f, m)
		}
	} else if err != nil {
		return err
	}
	if err := v.Err(); err != nil {
		return err
	}
	q.ListTotal = 0
	for i := range q.Lines {
		q.Lines[i].Amount = res.Lines[i].Net
		lt, _ := mulDiv(q.Lines[i].Quantity, q.Lines[i].List(), QtyScale, q.Rounding)
		q.ListTotal += lt
	}
	q.Subtotal, q.DiscountTotal, q.TaxTotal, q.Total = res.Subtotal, res.Discount, res.Tax, res.Total
	q.DiscountBP = ListDiscountBP(q.ListTotal, q.Subtotal-q.DiscountTotal)
	return nil
}

// Tax recomputes the per-rate figures of a stored quote for documents.
func (q Quote) Tax() (TaxResult, error) {
	in := TaxInput{Mode: q.TaxMode, Rounding: q.Rounding, Discount: q.Discount}
	for _, l := range q.Lines {
		in.Lines = append(in.Lines, TaxLine{Quantity: l.Quantity, UnitPrice: l.UnitPrice, Discount: l.Discount,
			Category: l.Category})
	}
	return ComputeTax(in)
}

// Base is the quote's value without tax: what a won deal is worth.
func (q Quote) Base() int64 {
	if q.TaxMode == TaxInclusive {
		return q.Total - q.TaxTotal
	}
	return q.Subtotal - q.DiscountTotal
}

// DisplayStatus is the status as people read it: a sent quote past its
// validity on day today ('YYYY-MM-DD') is expired.
func (q Quote) DisplayStatus(today string) QuoteStatus {
	if q.Status == QuoteSent && q.ValidUntil != "" && q.ValidUntil < today {
		return QuoteExpired
	}
	return q.Status
}

// QuoteApproval is one entry of the guardrail's log.
type QuoteApproval struct {
	ID         int64
	QuoteID    int64
	Action     string // requested, approved, rejected
	UserID     int64
	UserName   string
	DiscountBP int64
	LimitBP    int64
	Note       string
	At         time.Time
}

// Approval log actions.
const (
	ApprovalRequested = "requested"
	ApprovalApproved  = "approved"
	ApprovalRejected  = "rejected"
)

// QuoteSettings are the workspace's quote settings.
type QuoteSettings struct {
	MaxDiscountBP int64  `json:"max_discount_bp"` // above it a manager approves; hundredths of a percent
	AcceptStageID int64  `json:"accept_stage_id"` // stage an accepted quote moves its deal to; 0: the pipeline's won stage
	ValidDays     int    `json:"valid_days"`      // default validity of a new quote
	PaymentTerms  string `json:"payment_terms"`   // default payment terms
	BankDetails   string `json:"bank_details"`    // printed on invoices (お振込先)
}

// DefaultQuoteSettings: 10% without approval, valid 30 days.
func DefaultQuoteSettings() QuoteSettings {
	return QuoteSettings{MaxDiscountBP: 10_00, ValidDays: 30}
}
