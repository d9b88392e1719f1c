package crm

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// ActivityKind is what happened: a call, a visit (訪問), a meeting, an
// e-mail or a note.
type ActivityKind string

// Activity kinds.
const (
	ActCall    ActivityKind = "call"
	ActVisit   ActivityKind = "visit"
	ActMeeting ActivityKind = "meeting"
	ActEmail   ActivityKind = "email"
	ActNote    ActivityKind = "note"
)

// ActivityKinds lists every kind, in the order forms offer them.
var ActivityKinds = []ActivityKind{ActCall, ActVisit, ActMeeting, ActEmail, ActNote}

// HasEnd reports whether the kind has an end time (meetings and visits),
// and so can be downloaded as an iCalendar event.
func (k ActivityKind) HasEnd() bool { return k == ActMeeting || k == ActVisit }

// Sides of an activity: which of the two jobs it served (DESIGN.md §1).
const (
	SideMarketing = "marketing"
	SideSales     = "sales"
)

// Call outcomes.
const (
	OutcomeConnected = "connected"
	OutcomeNoAnswer  = "no_answer"
	OutcomeVoicemail = "voicemail"
)

// CallOutcomes lists the outcomes of a call.
var CallOutcomes = []string{OutcomeConnected, OutcomeNoAnswer, OutcomeVoicemail}

// ActivitySides is the workspace's default side per kind. An empty side
// means "as the user's role": marketing users log marketing activities,
// everybody else sales ones.
type ActivitySides map[ActivityKind]string

// DefaultActivitySides are the defaults: notes and e-mails follow the
// user's role, calls, visits and meetings are sales.
func DefaultActivitySides() ActivitySides {
	return ActivitySides{ActCall: SideSales, ActVisit: SideSales, ActMeeting: SideSales, ActEmail: "", ActNote: ""}
}

// SideFor is the default side of an activity of kind k logged by a user
// with role r.
func (s ActivitySides) SideFor(k ActivityKind, r Role) string {
	if side := s[k]; side == SideMarketing || side == SideSales {
		return side
	}
	if r == RoleMarketing {
		return SideMarketing
	}
	return SideSales
}

// Activity is one logged call, visit, meeting, e-mail or note.
type Activity struct {
	ID        int64
	Kind      ActivityKind
	Side      string
	Subject   string
	Body      string
	Location  string
	Outcome   string
	StartsAt  time.Time
	EndsAt    time.Time // zero unless a meeting or visit
	ContactID int64
	CompanyID int64
	DealID    int64
	OwnerID   int64
	CreatedBy int64
	EmailTo   string // 1:1 e-mails: the address it went to
	CreatedAt time.Time
	UpdatedAt time.Time
	Version   int64

	// Read only: names for lists.
	OwnerName   string
	ContactName string
	CompanyName string
	DealName    string
}

// Normalize trims the text fields.
func (a *Activity) Normalize() {
	a.Subject, a.Body = strings.TrimSpace(a.Subject), strings.TrimSpace(a.Body)
	a.Location, a.Outcome = strings.TrimSpace(a.Location), strings.TrimSpace(a.Outcome)
}

// Duration is the time an activity took (0 without an end).
func (a Activity) Duration() time.Duration {
	if a.EndsAt.IsZero() || a.EndsAt.Before(a.StartsAt) {
		return 0
	}
	return a.EndsAt.Sub(a.StartsAt)
}

// Validate checks the fields that need no database.
func (a Activity) Validate() error {
	v := &ValidationError{}
	if !slices.Contains(ActivityKinds, a.Kind) {
		v.Add("kind", "choose call, visit, meeting, email or note")
	}
	if a.Side != SideMarketing && a.Side != SideSales {
		v.Add("side", "choose marketing or sales")
	}
	if a.Subject == "" && a.Kind != ActNote {
		v.Add("subject", "is required")
	} else if n := len([]rune(a.Subject)); n > 200 {
		v.Add("subject", "is too long (200 characters at most)")
	}
	if a.Kind == ActNote && a.Subject == "" && a.Body == "" {
		v.Add("body", "write the note")
	}
	if len([]rune(a.Body)) > 20000 {
		v.Add("body", "is too long (20,000 characters at most)")
	}
	if len([]rune(a.Location)) > 300 {
		v.Add("location", "is too long (300 characters at most)")
	}
	switch {
	case a.Outcome == "":
	case a.Kind != ActCall:
		v.Add("outcome", "only calls have an outcome")
	case !slices.Contains(CallOutcomes, a.Outcome):
		v.Add("outcome", "choose connected, no answer or left voicemail")
	}
	if a.StartsAt.IsZero() {
		v.Add("starts_at", "is required")
	}
	if !a.EndsAt.IsZero() {
		if !a.Kind.HasEnd() {
			v.Add("ends_at", "only meetings and visits have an end")
		} else if a.EndsAt.Before(a.StartsAt) {
			v.Add("ends_at", "must not be before the start")
		} else if a.EndsAt.Sub(a.StartsAt) > 24*time.Hour {
			v.Add("ends_at", "must be within 24 hours of the start")
		}
	}
	if a.ContactID == 0 && a.CompanyID == 0 && a.DealID == 0 {
		v.Add("contact_id", "link the activity to a contact, a company or a deal")
	}
	return v.Err()
}

// Task priorities.
const (
	PriorityLow    = "low"
	PriorityNormal = "normal"
	PriorityHigh   = "high"
)

// Priorities lists the priorities, lowest first.
var Priorities = []string{PriorityLow, PriorityNormal, PriorityHigh}

// Task is something a person has to do by a time, about one record.
type Task struct {
	ID       int64
	Title    string
	Notes    string
	DueAt    time.Time
	OwnerID  int64
	Priority string
	// RemindMinutes is how long before DueAt the reminder goes out; -1
	// for none.
	RemindMinutes int
	RemindAt      time.Time
	RemindedAt    time.Time
	ContactID     int64
	CompanyID     int64
	DealID        int64
	DoneAt        time.Time
	CreatedBy     int64
	CreatedAt     time.Time
	UpdatedAt     time.Time
	Version       int64

	// Read only: names for lists.
	OwnerName string
	Record    string // the linked record's name
}

// Done reports whether the task is completed.
func (t Task) Done() bool { return !t.DoneAt.IsZero() }

// Overdue reports whether the task is open past its due time.
func (t Task) Overdue(now time.Time) bool { return !t.Done() && t.DueAt.Before(now) }

// Normalize trims the text fields and fills the defaults.
func (t *Task) Normalize() {
	t.Title, t.Notes = strings.TrimSpace(t.Title), strings.TrimSpace(t.Notes)
	if t.Priority == "" {
		t.Priority = PriorityNormal
	}
	t.RemindAt = time.Time{}
	if t.RemindMinutes >= 0 && !t.DueAt.IsZero() {
		t.RemindAt = t.DueAt.Add(-time.Duration(t.RemindMinutes) * time.Minute)
	}
}

// MaxRemindMinutes is the longest reminder: two weeks before.
const MaxRemindMinutes = 14 * 24 * 60

// Validate checks the fields that need no database.
func (t Task) Validate() error {
	v := &ValidationError{}
	if t.Title == "" {
		v.Add("title", "is required")
	} else if len([]rune(t.Title)) > 200 {
		v.Add("title", "is too long (200 characters at most)")
	}
	if len([]rune(t.Notes)) > 5000 {
		v.Add("notes", "is too long (5,000 characters at most)")
	}
	if t.DueAt.IsZero() {
		v.Add("due_at", "is required")
	}
	if !slices.Contains(Priorities, t.Priority) {
		v.Add("priority", "choose low, normal or high")
	}
	if t.RemindMinutes > MaxRemindMinutes || t.RemindMinutes < -1 {
		v.Add("remind_minutes", fmt.Sprintf("must be between 0 and %d minutes", MaxRemindMinutes))
	}
	linked := 0
	for _, id := range []int64{t.ContactID, t.CompanyID, t.DealID} {
		if id != 0 {
			linked++
		}
	}
	if linked > 1 {
		v.Add("contact_id", "link the task to one record: a contact, a company or a deal")
	}
	return v.Err()
}
