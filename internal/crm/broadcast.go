package crm

import (
	"strings"
	"time"
	"unicode/utf8"
)

// BroadcastStatus is where a broadcast is in its life.
type BroadcastStatus string

// The states of a broadcast.
const (
	BroadcastDraft     BroadcastStatus = "draft"
	BroadcastScheduled BroadcastStatus = "scheduled"
	BroadcastQueueing  BroadcastStatus = "queueing"
	BroadcastSending   BroadcastStatus = "sending"
	BroadcastPaused    BroadcastStatus = "paused"
	BroadcastSent      BroadcastStatus = "sent"
	BroadcastCancelled BroadcastStatus = "cancelled"
)

// BroadcastStatuses lists every state in order.
var BroadcastStatuses = []BroadcastStatus{BroadcastDraft, BroadcastScheduled, BroadcastQueueing,
	BroadcastSending, BroadcastPaused, BroadcastSent, BroadcastCancelled}

// Editable reports whether the content may still change.
func (s BroadcastStatus) Editable() bool { return s == BroadcastDraft || s == BroadcastScheduled }

// Broadcast is one e-mail sent to segments and lists (一斉配信).
type Broadcast struct {
	ID         int64
	Name       string
	Status     BroadcastStatus
	IncludeIDs []int64 // segments and lists
	ExcludeIDs []int64
	Subject    string
	SubjectB   string // A/B test: the second subject ("" = no test)
	Preheader  string
	HTML       string
	// TemplateID takes the content (HTML, text, and the subject when Subject
	// is empty) from an e-mail template instead of HTML; 0 = none.
	TemplateID int64
	FromName   string
	AsOwner    bool // From = the contact's owner, Sender = the workspace
	Topic      string
	SendAt     time.Time // zero = when started
	PerSecond  int
	PerHour    int
	ABShare    int // percent of the recipients in the test, split between A and B
	ABWaitMin  int
	ABMetric   string // opens | clicks
	Winner     string // a | b
	Recipients int
	Error      string
	CreatedBy  int64
	CreatedAt  time.Time
	UpdatedAt  time.Time
	StartedAt  time.Time
	FinishedAt time.Time
	Version    int64
}

// ABTest reports whether the broadcast tests two subjects.
func (b Broadcast) ABTest() bool { return b.SubjectB != "" && b.ABShare > 0 }

// Limits of a broadcast.
const (
	MaxBroadcastHTML     = 512 << 10
	MaxBroadcastSegments = 20
)

// Normalize trims text and fills defaults.
func (b *Broadcast) Normalize() {
	b.Name = strings.TrimSpace(b.Name)
	b.Subject = strings.TrimSpace(b.Subject)
	b.SubjectB = strings.TrimSpace(b.SubjectB)
	b.Preheader = strings.TrimSpace(b.Preheader)
	b.FromName = strings.TrimSpace(b.FromName)
	b.Topic = strings.TrimSpace(b.Topic)
	if b.Status == "" {
		b.Status = BroadcastDraft
	}
	if b.ABMetric == "" {
		b.ABMetric = "opens"
	}
	if b.SubjectB == "" {
		b.ABShare, b.ABWaitMin = 0, 0
	}
	b.IncludeIDs, b.ExcludeIDs = uniqueIDs(b.IncludeIDs), uniqueIDs(b.ExcludeIDs)
}

// Validate checks the fields a user enters; templates are parsed by the app.
func (b Broadcast) Validate() error {
	v := &ValidationError{}
	switch n := utf8.RuneCountInString(b.Name); {
	case n == 0:
		v.Add("name", "is required")
	case n > 200:
		v.Add("name", "use at most 200 characters")
	}
	oneLine(v, "subject", b.Subject, 300)
	oneLine(v, "subject_b", b.SubjectB, 300)
	oneLine(v, "preheader", b.Preheader, 300)
	oneLine(v, "from_name", b.FromName, 100)
	oneLine(v, "topic", b.Topic, 100)
	if b.Subject == "" && b.TemplateID == 0 {
		v.Add("subject", "is required")
	}
	if strings.TrimSpace(b.HTML) == "" && b.TemplateID == 0 {
		v.Add("html", "is required, or choose a template")
	} else if len(b.HTML) > MaxBroadcastHTML {
		v.Add("html", "use at most 512 KB of HTML")
	}
	if len(b.IncludeIDs) == 0 {
		v.Add("include_ids", "choose at least one segment or list")
	}
	if len(b.IncludeIDs)+len(b.ExcludeIDs) > MaxBroadcastSegments {
		v.Add("include_ids", "use at most 20 segments and lists")
	}
	for _, id := range b.ExcludeIDs {
		for _, in := range b.IncludeIDs {
			if id == in {
				v.Add("exclude_ids", "a segment cannot be both included and excluded")
			}
		}
	}
	if b.PerSecond < 0 || b.PerSecond > 100000 {
		v.Add("per_second", "enter a number from 0 (no limit) to 100000")
	}
	if b.PerHour < 0 || b.PerHour > 100000000 {
		v.Add("per_hour", "enter a number from 0 (no limit) to 100000000")
	}
	if b.SubjectB != "" {
		if b.ABShare < 2 || b.ABShare > 100 {
			v.Add("ab_share", "enter a test share from 2 to 100 percent")
		}
		if b.ABShare < 100 && (b.ABWaitMin < 1 || b.ABWaitMin > 10080) {
			v.Add("ab_wait_min", "enter a wait from 1 minute to 7 days (10080 minutes)")
		}
		if b.ABMetric != "opens" && b.ABMetric != "clicks" {
			v.Add("ab_metric", "choose opens or clicks")
		}
	}
	return v.Err()
}

func oneLine(v *ValidationError, field, s string, max int) {
	if strings.ContainsAny(s, "\r\n") {
		v.Add(field, "must be on one line")
	} else if utf8.RuneCountInString(s) > max {
		v.Add(field, "is too long")
	}
}

func uniqueIDs(ids []int64) []int64 {
	out := []int64{}
	seen := map[int64]bool{}
	for _, id := range ids {
		if id > 0 && !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}
