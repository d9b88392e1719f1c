package crm

import (
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Lifecycle is where a person is in the funnel (DESIGN.md §7).
type Lifecycle string

// Lifecycle stages, in funnel order.
const (
	StageSubscriber   Lifecycle = "subscriber"
	StageLead         Lifecycle = "lead"
	StageMQL          Lifecycle = "mql"
	StageSQL          Lifecycle = "sql"
	StageOpportunity  Lifecycle = "opportunity"
	StageCustomer     Lifecycle = "customer"
	StageDisqualified Lifecycle = "disqualified"
)

// Lifecycles lists the stages in funnel order.
var Lifecycles = []Lifecycle{StageSubscriber, StageLead, StageMQL, StageSQL, StageOpportunity, StageCustomer, StageDisqualified}

// LeadStatus says what sales did with an MQL.
type LeadStatus string

// Lead statuses ("" = not handed to sales).
const (
	LeadNew      LeadStatus = "new"
	LeadWorking  LeadStatus = "working"
	LeadAccepted LeadStatus = "accepted"
	LeadRejected LeadStatus = "rejected"
	LeadRecycled LeadStatus = "recycled"
)

// Consent is whether a person may receive marketing.
type Consent string

// Consent states.
const (
	ConsentUnknown   Consent = "unknown"
	ConsentGranted   Consent = "granted"
	ConsentWithdrawn Consent = "withdrawn"
	ConsentPending   Consent = "pending" // double opt-in not yet confirmed
)

// Source is where a contact came from; SourceGroup maps it to marketing or
// outbound (DESIGN.md §7; the mapping is a workspace setting with these
// defaults).
type Source string

// Original sources.
const (
	SourceWebForm      Source = "web_form"
	SourceTrackedVisit Source = "tracked_visit"
	SourceEmail        Source = "email"
	SourceCampaign     Source = "campaign"
	SourceEvent        Source = "event"
	SourceSurvey       Source = "survey"
	SourceImportMkt    Source = "import_marketing"
	SourceManual       Source = "manual"
	SourceImportSales  Source = "import_sales"
	SourceBusinessCard Source = "business_card"
	SourceAPI          Source = "api"
)

// Source groups.
const (
	GroupMarketing = "marketing"
	GroupOutbound  = "outbound"
)

// DefaultSourceGroups is the default mapping of sources to groups.
var DefaultSourceGroups = map[Source]string{
	SourceWebForm: GroupMarketing, SourceTrackedVisit: GroupMarketing, SourceEmail: GroupMarketing,
	SourceCampaign: GroupMarketing, SourceEvent: GroupMarketing, SourceSurvey: GroupMarketing,
	SourceImportMkt: GroupMarketing,
	SourceManual:    GroupOutbound, SourceImportSales: GroupOutbound, SourceBusinessCard: GroupOutbound,
	SourceAPI: GroupOutbound,
}

// Contact is a person.
type Contact struct {
	ID int64
	PersonName
	Email          string // normalised; "" when unknown
	Honorific      string // 様 by default
	Phone          string
	JobTitle       string
	Department     string
	CompanyID      int64
	CompanyName    string // read only, joined
	OwnerID        int64
	TeamID         int64
	Tags           []string
	Lifecycle      Lifecycle
	LeadStatus     LeadStatus
	OriginalSource Source
	SourceDetail   string
	Consent        Consent
	Props          map[string]any // custom properties by key
	CreatedAt      time.Time
	UpdatedAt      time.Time
	Version        int64
}

// Name returns the display name in the language's order.
func (c Contact) Name(lang Language) string { return c.PersonName.Display(lang) }

// PhoneKey keeps only the digits of a phone number, for duplicate detection.
func PhoneKey(s string) string {
	s = norm.NFKC.String(s)
	var b strings.Builder
	for _, r := range s {
		if r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// Normalize cleans the contact's fields in place: NFKC where it matters
// (e-mail, readings, phone), trimmed text, defaults.
func (c *Contact) Normalize() {
	c.Email = NormalizeEmail(c.Email)
	c.Family = strings.TrimSpace(norm.NFC.String(c.Family))
	c.Given = strings.TrimSpace(norm.NFC.String(c.Given))
	c.FamilyReading = NormalizeReading(c.FamilyReading)
	c.GivenReading = NormalizeReading(c.GivenReading)
	c.Phone = strings.TrimSpace(norm.NFKC.String(c.Phone))
	c.JobTitle = strings.TrimSpace(c.JobTitle)
	c.Department = strings.TrimSpace(c.Department)
	if c.Honorific == "" {
		c.Honorific = "様"
	}
	if c.Lifecycle == "" {
		c.Lifecycle = StageLead
	}
	if c.Consent == "" {
		c.Consent = ConsentUnknown
	}
	if c.OriginalSource == "" {
		c.OriginalSource = SourceManual
	}
	c.Tags = NormalizeTags(c.Tags)
}

// NormalizeTags trims tags, drops empty ones and duplicates, and sorts them
// (a contact's tags are a set; the store returns them sorted too).
func NormalizeTags(tags []string) []string {
	var out []string
	for _, t := range tags {
		t = strings.TrimSpace(norm.NFC.String(t))
		if t != "" && !slices.Contains(out, t) {
			out = append(out, t)
		}
	}
	slices.Sort(out)
	return out
}

// Validate checks a normalised contact (DESIGN.md §7: an e-mail, or a name
// together with a company or phone). hasCompany says whether a company is
// linked or named.
func (c *Contact) Validate(hasCompany bool) error {
	v := &ValidationError{}
	if c.Email != "" && !ValidEmail(c.Email) {
		v.Add("email", "is not an e-mail address (e.g. taro@example.jp)")
	}
	name := c.Family + c.Given
	if c.Email == "" {
		switch {
		case name == "":
			v.Add("email", "enter an e-mail address, or a name with a company or phone")
		case !hasCompany && PhoneKey(c.Phone) == "":
			v.Add("company", "without an e-mail address, enter a company or a phone number")
		}
	}
	for field, s := range map[string]string{"family_name": c.Family, "given_name": c.Given,
		"family_reading": c.FamilyReading, "given_reading": c.GivenReading, "job_title": c.JobTitle,
		"department": c.Department, "honorific": c.Honorific} {
		if utf8.RuneCountInString(s) > 200 {
			v.Add(field, "is too long (200 characters at most)")
		} else if strings.ContainsAny(s, "\r\n\x00") {
			v.Add(field, "must be on one line")
		}
	}
	if c.Phone != "" && (len(PhoneKey(c.Phone)) < 6 || len(c.Phone) > 40) {
		v.Add("phone", "is not a phone number (e.g. 03-1234-5678)")
	}
	if !validLifecycle(c.Lifecycle) {
		v.Add("lifecycle_stage", "choose subscriber, lead, mql, sql, opportunity, customer or disqualified")
	}
	switch c.LeadStatus {
	case "", LeadNew, LeadWorking, LeadAccepted, LeadRejected, LeadRecycled:
	default:
		v.Add("lead_status", "choose new, working, accepted, rejected or recycled")
	}
	switch c.Consent {
	case ConsentUnknown, ConsentGranted, ConsentWithdrawn, ConsentPending:
	default:
		v.Add("consent", "choose unknown, granted, withdrawn or pending")
	}
	if _, ok := DefaultSourceGroups[c.OriginalSource]; !ok {
		v.Add("original_source", "is not a known source")
	}
	for _, t := range c.Tags {
		if strings.TrimSpace(t) == "" || utf8.RuneCountInString(t) > 50 {
			v.Add("tags", "tags must be 1 to 50 characters")
			break
		}
	}
	return v.Err()
}

func validLifecycle(l Lifecycle) bool {
	for _, x := range Lifecycles {
		if x == l {
			return true
		}
	}
	return false
}
