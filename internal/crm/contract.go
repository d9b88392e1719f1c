package crm

import (
	"slices"
	"strconv"
	"strings"
	"time"
)

// ContractStatus is where a contract is in its life.
type ContractStatus string

// Contract statuses.
const (
	ContractActive  ContractStatus = "active"
	ContractEnded   ContractStatus = "ended"
	ContractRenewed ContractStatus = "renewed"
)

// ContractStatuses lists the statuses in order.
var ContractStatuses = []ContractStatus{ContractActive, ContractEnded, ContractRenewed}

// Contract is what a won deal becomes (issue 6 §3): its value, a start
// (the won day) and an end, which is also the renewal day. Dates are
// 'YYYY-MM-DD'.
type Contract struct {
	ID            int64
	DealID        int64
	CompanyID     int64
	ContactID     int64
	OwnerID       int64
	Amount        int64
	Currency      string
	StartDate     string
	EndDate       string
	Terms         string
	Status        ContractStatus
	RenewalDealID int64
	CreatedAt     time.Time
	UpdatedAt     time.Time
	Version       int64

	// Read only: names for pages and lists.
	DealName    string
	CompanyName string
	ContactName string
	PipelineID  int64
	DealOwnerID int64 // who may see it follows the deal
	DealTeamID  int64
}

// MaxContractTerms is the longest terms text.
const MaxContractTerms = 10000

// Normalize trims the text fields.
func (c *Contract) Normalize() {
	c.Terms = strings.TrimSpace(c.Terms)
	c.StartDate, c.EndDate = strings.TrimSpace(c.StartDate), strings.TrimSpace(c.EndDate)
	c.Currency = strings.ToUpper(strings.TrimSpace(c.Currency))
	if c.Status == "" {
		c.Status = ContractActive
	}
}

// Validate checks the fields that need no database.
func (c Contract) Validate() error {
	v := &ValidationError{}
	start, errS := time.Parse(time.DateOnly, c.StartDate)
	if errS != nil {
		v.Add("start_date", "give a date as YYYY-MM-DD")
	}
	end, errE := time.Parse(time.DateOnly, c.EndDate)
	if errE != nil {
		v.Add("end_date", "give a date as YYYY-MM-DD")
	}
	if errS == nil && errE == nil && !end.After(start) {
		v.Add("end_date", "must be after the start date")
	}
	if c.Amount < 0 {
		v.Add("amount", "must not be negative")
	}
	if len(c.Currency) != 3 {
		v.Add("currency", "give a three-letter currency code")
	}
	if len([]rune(c.Terms)) > MaxContractTerms {
		v.Add("terms", "is too long (10,000 characters at most)")
	}
	if !slices.Contains(ContractStatuses, c.Status) {
		v.Add("status", "choose active, ended or renewed")
	}
	return v.Err()
}

// Playbook anchors: a task is due days after the start or before the end.
const (
	AnchorStart = "start"
	AnchorEnd   = "end"
)

// PlaybookTask is one task template of the after-follow playbook.
type PlaybookTask struct {
	ID      int64
	TitleJA string
	TitleEN string
	Anchor  string
	Days    int
}

// Due returns the day the task is due for a contract from start to end.
func (p PlaybookTask) Due(start, end time.Time) time.Time {
	if p.Anchor == AnchorEnd {
		return end.AddDate(0, 0, -p.Days)
	}
	return start.AddDate(0, 0, p.Days)
}

// ValidatePlaybook checks a playbook; field names carry the row index
// (tasks.0.title_ja).
func ValidatePlaybook(ps []PlaybookTask) error {
	v := &ValidationError{}
	if len(ps) > 20 {
		v.Add("tasks", "20 tasks at most")
	}
	for i, p := range ps {
		f := func(s string) string { return "tasks." + strconv.Itoa(i) + "." + s }
		if strings.TrimSpace(p.TitleJA) == "" {
			v.Add(f("title_ja"), "is required")
		} else if len([]rune(p.TitleJA)) > 200 {
			v.Add(f("title_ja"), "is too long (200 characters at most)")
		}
		if strings.TrimSpace(p.TitleEN) == "" {
			v.Add(f("title_en"), "is required")
		} else if len([]rune(p.TitleEN)) > 200 {
			v.Add(f("title_en"), "is too long (200 characters at most)")
		}
		if p.Anchor != AnchorStart && p.Anchor != AnchorEnd {
			v.Add(f("anchor"), "choose start or end")
		}
		if p.Days < 0 || p.Days > 3650 {
			v.Add(f("days"), "must be between 0 and 3650")
		}
	}
	return v.Err()
}
