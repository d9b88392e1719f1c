package crm

import (
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// AssignKind is how an assignment rule picks the sales owner of a new MQL.
type AssignKind string

// Assignment rule kinds.
const (
	RuleRoundRobin   AssignKind = "round_robin"   // the next member of a team, in turn
	RuleTerritory    AssignKind = "territory"     // by the company's prefecture or country
	RuleCompanyOwner AssignKind = "company_owner" // the owner of the contact's company
	RulePerson       AssignKind = "person"        // one named user
)

// AssignKinds lists the kinds in the order the settings page offers them.
var AssignKinds = []AssignKind{RuleRoundRobin, RuleTerritory, RuleCompanyOwner, RulePerson}

// AssignmentRule is one line of the ordered rule list. The first rule that
// matches the lead and yields an active sales-capable user wins.
type AssignmentRule struct {
	ID          int64
	Position    int
	Kind        AssignKind
	Name        string
	Prefectures []string // territory: the company's prefecture is one of these
	Countries   []string // territory: the company's country is one of these
	Sources     []Source // only leads from these original sources; empty = every lead
	UserID      int64    // person; territory → this user
	TeamID      int64    // round_robin; territory → this team's round-robin
	Active      bool
	CreatedAt   time.Time
	UpdatedAt   time.Time
	Version     int64
}

// Normalize trims and de-duplicates the lists.
func (r *AssignmentRule) Normalize() {
	r.Name = strings.TrimSpace(r.Name)
	clean := func(in []string) []string {
		out := []string{}
		for _, s := range in {
			s = strings.TrimSpace(s)
			if s != "" && !slices.Contains(out, s) {
				out = append(out, s)
			}
		}
		return out
	}
	r.Prefectures = clean(r.Prefectures)
	r.Countries = clean(r.Countries)
	for i, c := range r.Countries {
		if utf8.RuneCountInString(c) == 2 {
			r.Countries[i] = strings.ToUpper(c)
		}
	}
	var src []Source
	for _, s := range r.Sources {
		if !slices.Contains(src, s) {
			src = append(src, s)
		}
	}
	r.Sources = src
}

// Validate checks the rule's shape; whether the user and team exist is the
// caller's job.
func (r *AssignmentRule) Validate() error {
	v := &ValidationError{}
	if utf8.RuneCountInString(r.Name) > 200 {
		v.Add("name", "must be at most 200 characters")
	}
	for _, s := range r.Sources {
		if _, ok := DefaultSourceGroups[s]; !ok {
			v.Add("sources", "unknown source "+string(s))
			break
		}
	}
	if len(r.Prefectures)+len(r.Countries) > 100 {
		v.Add("prefectures", "at most 100 prefectures and countries")
	}
	switch r.Kind {
	case RuleRoundRobin:
		if r.TeamID == 0 {
			v.Add("team_id", "choose the team whose members take turns")
		}
	case RuleTerritory:
		if len(r.Prefectures) == 0 && len(r.Countries) == 0 {
			v.Add("prefectures", "name at least one prefecture or country")
		}
		if (r.UserID == 0) == (r.TeamID == 0) {
			v.Add("user_id", "choose either a person or a team for this territory")
		}
	case RuleCompanyOwner:
	case RulePerson:
		if r.UserID == 0 {
			v.Add("user_id", "choose the person who gets these leads")
		}
	default:
		v.Add("kind", "choose round_robin, territory, company_owner or person")
	}
	return v.Err()
}

// CanOwnLeads reports whether a user may be assigned leads: active, with a
// role that works sales objects.
func (u User) CanOwnLeads() bool {
	return u.Status == UserActive && u.Role.Can(PermWriteSales)
}

// HandoffStatus is where a hand-off stands.
type HandoffStatus string

// Hand-off states.
const (
	HandoffNew      HandoffStatus = "new"
	HandoffAccepted HandoffStatus = "accepted"
	HandoffRejected HandoffStatus = "rejected"
)

// RejectReason says why sales sent a lead back.
type RejectReason string

// Rejection reasons.
const (
	ReasonNotAFit   RejectReason = "not_a_fit"
	ReasonNoBudget  RejectReason = "no_budget"
	ReasonBadTiming RejectReason = "bad_timing"
	ReasonDuplicate RejectReason = "duplicate"
	ReasonSpam      RejectReason = "spam"
	ReasonOther     RejectReason = "other"
)

// RejectReasons lists the reasons in display order.
var RejectReasons = []RejectReason{ReasonNotAFit, ReasonNoBudget, ReasonBadTiming, ReasonDuplicate, ReasonSpam, ReasonOther}

// Rejection outcomes.
const (
	OutcomeRecycled     = "recycled"     // back to nurture (stage lead, status recycled)
	OutcomeDisqualified = "disqualified" // out of the funnel
)

// DefaultOutcome is what a reason does unless the user chooses: spam and
// duplicates are disqualified, everything else goes back to nurture.
func (r RejectReason) DefaultOutcome() string {
	if r == ReasonSpam || r == ReasonDuplicate {
		return OutcomeDisqualified
	}
	return OutcomeRecycled
}

// ValidRejectReason reports whether s is one of RejectReasons.
func ValidRejectReason(s string) bool { return slices.Contains(RejectReasons, RejectReason(s)) }

// Handoff is one MQL handed to sales: who owns it, the first-touch clock
// and what sales did with it.
type Handoff struct {
	ID           int64
	ContactID    int64
	OwnerID      int64
	TeamID       int64
	RuleID       int64
	AssignedWhy  string
	MQLReason    string
	MQLAt        time.Time
	DueAt        time.Time
	Status       HandoffStatus
	AcceptedAt   time.Time
	RejectedAt   time.Time
	ReasonCode   RejectReason
	ReasonNote   string
	Outcome      string
	RecycledAt   time.Time
	FirstTouchAt time.Time
	EscalatedAt  time.Time
	EscalatedTo  int64
	DecidedBy    int64
	DealID       int64
	Source       Source
	SourceGroup  string
	Campaign     string
}

// Overdue reports whether the first-touch clock ran out at now.
func (h Handoff) Overdue(now time.Time) bool {
	return h.Status == HandoffNew && !h.DueAt.IsZero() && now.After(h.DueAt)
}

// HandoffSettings are the workspace's hand-off options.
type HandoffSettings struct {
	// SLAHours is the first-touch time in business hours (default 4).
	SLAHours int `json:"sla_hours"`
	// FallbackUserID gets a lead no rule placed (0 = none).
	FallbackUserID int64 `json:"fallback_user_id"`
	// FallbackTeamID's round-robin gets a lead no rule placed (0 = none).
	FallbackTeamID int64 `json:"fallback_team_id"`
}

// DefaultSLAHours is the first-touch clock when nothing is configured.
const DefaultSLAHours = 4

// Validate checks the settings.
func (s *HandoffSettings) Validate() error {
	v := &ValidationError{}
	if s.SLAHours < 1 || s.SLAHours > 200 {
		v.Add("sla_hours", "must be between 1 and 200 business hours")
	}
	if s.FallbackUserID != 0 && s.FallbackTeamID != 0 {
		v.Add("fallback_user_id", "choose either a person or a team as the fallback")
	}
	return v.Err()
}

// Notification is one entry of a user's in-app inbox.
type Notification struct {
	ID        int64
	UserID    int64
	Kind      string
	Text      string
	Data      map[string]any
	Link      string
	ContactID int64
	CreatedAt time.Time
	ReadAt    time.Time
}
