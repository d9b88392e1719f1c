package crm

import (
	"strings"
	"time"
)

// InvoiceStatus says whether an invoice was paid.
type InvoiceStatus string

// Invoice statuses.
const (
	InvoiceUnpaid InvoiceStatus = "unpaid"
	InvoicePaid   InvoiceStatus = "paid"
)

// Invoice (請求書) is what an accepted quote becomes: its own number
// (INV-YYYY-NNNN), issue and due dates and the bank transfer details. Its
// lines and totals are the accepted quote's, which no longer changes.
type Invoice struct {
	ID          int64
	QuoteID     int64
	Number      string
	IssueDate   string
	DueDate     string
	BankDetails string
	Status      InvoiceStatus
	PaidAt      time.Time
	CreatedBy   int64

	// The public share link: only whether one exists and when it ends
	// (zero: never); the token itself is shown once, when made.
	HasShareLink   bool
	ShareExpiresAt time.Time

	CreatedAt time.Time
	UpdatedAt time.Time
	Version   int64

	// Read only: from the quote and its deal.
	QuoteNumber string
	DealID      int64
	DealName    string
	Total       int64
	Currency    string
	Recipient   string
	DealOwnerID int64
	DealTeamID  int64
}

// MaxBankDetails is the longest bank details text.
const MaxBankDetails = 1000

// Normalize trims the fields.
func (in *Invoice) Normalize() {
	in.IssueDate, in.DueDate = strings.TrimSpace(in.IssueDate), strings.TrimSpace(in.DueDate)
	in.BankDetails = strings.TrimSpace(in.BankDetails)
	if in.Status == "" {
		in.Status = InvoiceUnpaid
	}
}

// Validate checks the dates and the bank details.
func (in Invoice) Validate() error {
	v := &ValidationError{}
	issued, err := time.Parse(time.DateOnly, in.IssueDate)
	if err != nil {
		v.Add("issue_date", "give a date as YYYY-MM-DD")
	}
	if due, err2 := time.Parse(time.DateOnly, in.DueDate); err2 != nil {
		v.Add("due_date", "give a date as YYYY-MM-DD")
	} else if err == nil && due.Before(issued) {
		v.Add("due_date", "must not be before the issue date")
	}
	if len([]rune(in.BankDetails)) > MaxBankDetails {
		v.Add("bank_details", "is too long (1,000 characters at most)")
	}
	return v.Err()
}

// EndOfNextMonth is the usual Japanese due date (翌月末払い) for an
// invoice issued on day ('YYYY-MM-DD').
func EndOfNextMonth(day string) string {
	t, err := time.Parse(time.DateOnly, day)
	if err != nil {
		return ""
	}
	first := time.Date(t.Year(), t.Month()+2, 1, 0, 0, 0, 0, time.UTC)
	return first.AddDate(0, 0, -1).Format(time.DateOnly)
}
