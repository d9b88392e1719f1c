package crm

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// Sequences (drip, 育成シナリオ, issue 8 §4): an ordered list of steps that
// each enrolled contact walks through at its own pace: e-mails, waits,
// conditions that branch, tasks for sales and property updates.

// SequenceStatus is where a sequence is in its life.
type SequenceStatus string

// The states of a sequence.
const (
	SequenceDraft    SequenceStatus = "draft"
	SequenceActive   SequenceStatus = "active"
	SequencePaused   SequenceStatus = "paused"
	SequenceArchived SequenceStatus = "archived"
)

// SequenceStatuses lists every state in order.
var SequenceStatuses = []SequenceStatus{SequenceDraft, SequenceActive, SequencePaused, SequenceArchived}

// StepsEditable reports whether the steps may change: not while contacts
// are walking through them.
func (s SequenceStatus) StepsEditable() bool { return s == SequenceDraft || s == SequencePaused }

// Step kinds.
const (
	StepEmail     = "email"
	StepWait      = "wait"
	StepCondition = "condition"
	StepTask      = "task"
	StepProperty  = "property"
)

// StepKinds lists the kinds of step in the order the editor offers them.
var StepKinds = []string{StepEmail, StepWait, StepCondition, StepTask, StepProperty}

// Condition kinds of a condition step.
const (
	CondOpened  = "opened"  // opened the previous e-mail of the sequence
	CondClicked = "clicked" // clicked a link in the previous e-mail
	CondVisited = "visited" // visited a page (path prefix) in the last Days days
	CondScore   = "score"   // engagement score ≥ Value
	CondSegment = "segment" // in segment SegmentID now
)

// CondKinds lists the condition kinds.
var CondKinds = []string{CondOpened, CondClicked, CondVisited, CondScore, CondSegment}

// Branch targets of a condition: a step number (1-based position, always
// after the condition) or one of these.
const (
	GoNext = 0  // the step after the condition
	GoExit = -1 // leave the sequence (completed)
)

// SequenceStep is one step of a sequence. Which fields count depends on
// the kind.
type SequenceStep struct {
	ID       int64
	Position int // 1-based
	Kind     string
	// email
	Subject    string
	HTML       string
	TemplateID int64
	// wait
	WaitDays, WaitHours int
	// condition
	Cond      string
	CondValue string // visited: the path; score: the minimum
	CondDays  int    // visited: the window in days
	SegmentID int64  // segment
	Then      int    // target when true (GoNext, GoExit or a step number)
	Else      int    // target when false
	// task
	TaskTitle string
	TaskDays  int // due in N business days
	// property
	PropKey   string
	PropValue string
}

// Wait is the duration of a wait step.
func (s SequenceStep) Wait() time.Duration {
	return time.Duration(s.WaitDays)*24*time.Hour + time.Duration(s.WaitHours)*time.Hour
}

// Sequence is a nurture sequence with its steps.
type Sequence struct {
	ID         int64
	Name       string
	Status     SequenceStatus
	Topic      string
	FromName   string
	AsOwner    bool
	HoldoutPct int // 0–50: the share of enrolments held out (they get nothing) to measure lift
	// Exit rules.
	ExitOnReply       bool
	ExitOnMQL         bool
	ExitOnUnsubscribe bool
	ExitOnDeal        bool
	// Enrolment.
	SegmentID   int64 // contacts matching this segment are enrolled while active (0 = none)
	FormID      int64 // contacts submitting this form are enrolled (0 = none)
	Steps       []SequenceStep
	CreatedBy   int64
	CreatedAt   time.Time
	UpdatedAt   time.Time
	ActivatedAt time.Time
	Version     int64
}

// Limits of a sequence.
const (
	MaxSequenceSteps = 50
	MaxStepHTML      = 512 << 10
)

// Exit reasons of an enrolment.
const (
	ExitReplied      = "replied"
	ExitMQL          = "mql"
	ExitUnsubscribed = "unsubscribed"
	ExitDeal         = "deal_created"
	ExitCondition    = "condition" // a condition's branch said exit
	ExitManual       = "manual"
	ExitArchived     = "archived"
)

// ExitReasons lists the exit reasons in report order.
var ExitReasons = []string{ExitReplied, ExitMQL, ExitUnsubscribed, ExitDeal, ExitCondition, ExitManual, ExitArchived}

// Enrolment states.
const (
	EnrolActive    = "active"
	EnrolCompleted = "completed"
	EnrolExited    = "exited"
)

// Enrolment is one contact in one sequence.
type Enrolment struct {
	ID         int64
	SequenceID int64
	ContactID  int64
	Holdout    bool
	Position   int // the next step to run (1-based)
	NextAt     time.Time
	Status     string
	ExitReason string
	Source     string // segment | form | manual | api
	EnrolledAt time.Time
	ExitedAt   time.Time
	// Read only, for lists.
	SequenceName string
	ContactName  string
	ContactEmail string
}

// Normalize trims text and fills defaults.
func (q *Sequence) Normalize() {
	q.Name = strings.TrimSpace(q.Name)
	q.Topic = strings.TrimSpace(q.Topic)
	q.FromName = strings.TrimSpace(q.FromName)
	if q.Status == "" {
		q.Status = SequenceDraft
	}
	for i := range q.Steps {
		st := &q.Steps[i]
		st.Position = i + 1
		st.Kind = strings.TrimSpace(st.Kind)
		st.Subject = strings.TrimSpace(st.Subject)
		st.Cond = strings.TrimSpace(st.Cond)
		st.CondValue = strings.TrimSpace(st.CondValue)
		st.TaskTitle = strings.TrimSpace(st.TaskTitle)
		st.PropKey = strings.TrimSpace(st.PropKey)
		st.PropValue = strings.TrimSpace(st.PropValue)
	}
}

// Validate checks the fields a user enters. Step fields are reported as
// steps.<n>.<field> (n 1-based). Templates, segments, forms and properties
// are checked against the store by the app.
func (q Sequence) Validate() error {
	v := &ValidationError{}
	switch n := utf8.RuneCountInString(q.Name); {
	case n == 0:
		v.Add("name", "is required")
	case n > 200:
		v.Add("name", "use at most 200 characters")
	}
	oneLine(v, "from_name", q.FromName, 100)
	oneLine(v, "topic", q.Topic, 100)
	if q.HoldoutPct < 0 || q.HoldoutPct > 50 {
		v.Add("holdout_pct", "enter a share from 0 to 50 percent")
	}
	valid := false
	for _, s := range SequenceStatuses {
		valid = valid || s == q.Status
	}
	if !valid {
		v.Add("status", "choose draft, active, paused or archived")
	}
	if len(q.Steps) > MaxSequenceSteps {
		v.Add("steps", fmt.Sprintf("use at most %d steps", MaxSequenceSteps))
		return v.Err()
	}
	for i, st := range q.Steps {
		st.validate(v, fmt.Sprintf("steps.%d.", i+1), i+1, len(q.Steps))
	}
	return v.Err()
}

func (st SequenceStep) validate(v *ValidationError, p string, pos, n int) {
	switch st.Kind {
	case StepEmail:
		oneLine(v, p+"subject", st.Subject, 300)
		if st.Subject == "" && st.TemplateID == 0 {
			v.Add(p+"subject", "is required")
		}
		if strings.TrimSpace(st.HTML) == "" && st.TemplateID == 0 {
			v.Add(p+"html", "is required, or choose a template")
		} else if len(st.HTML) > MaxStepHTML {
			v.Add(p+"html", "use at most 512 KB of HTML")
		}
		if st.TemplateID < 0 {
			v.Add(p+"template_id", "choose a template from the list")
		}
	case StepWait:
		if st.WaitDays < 0 || st.WaitDays > 365 {
			v.Add(p+"wait_days", "enter 0 to 365 days")
		}
		if st.WaitHours < 0 || st.WaitHours > 23*24 {
			v.Add(p+"wait_hours", "enter 0 to 552 hours")
		}
		if st.WaitDays == 0 && st.WaitHours == 0 {
			v.Add(p+"wait_days", "enter how long to wait")
		}
	case StepCondition:
		switch st.Cond {
		case CondOpened, CondClicked:
			if pos == 1 {
				v.Add(p+"cond", "needs an e-mail step before it")
			}
		case CondVisited:
			if !strings.HasPrefix(st.CondValue, "/") || len(st.CondValue) > 500 || strings.ContainsAny(st.CondValue, " \r\n") {
				v.Add(p+"cond_value", "enter a page path starting with /")
			}
			if st.CondDays < 1 || st.CondDays > 365 {
				v.Add(p+"cond_days", "enter 1 to 365 days")
			}
		case CondScore:
			var x int
			if _, err := fmt.Sscanf(st.CondValue, "%d", &x); err != nil || fmt.Sprint(x) != st.CondValue || x < 0 || x > 100000 {
				v.Add(p+"cond_value", "enter a whole number from 0")
			}
		case CondSegment:
			if st.SegmentID <= 0 {
				v.Add(p+"segment_id", "choose a segment")
			}
		default:
			v.Add(p+"cond", "choose opened, clicked, visited, score or segment")
		}
		for field, t := range map[string]int{"then": st.Then, "else": st.Else} {
			switch {
			case t == GoNext || t == GoExit:
			case t <= pos:
				v.Add(p+field, "can only go forward: choose a later step (no loops)")
			case t > n:
				v.Add(p+field, "there is no such step")
			}
		}
	case StepTask:
		switch l := utf8.RuneCountInString(st.TaskTitle); {
		case l == 0:
			v.Add(p+"task_title", "is required")
		case l > 200 || strings.ContainsAny(st.TaskTitle, "\r\n"):
			v.Add(p+"task_title", "use one line of at most 200 characters")
		}
		if st.TaskDays < 0 || st.TaskDays > 60 {
			v.Add(p+"task_days", "enter 0 to 60 business days")
		}
	case StepProperty:
		if st.PropKey == "" {
			v.Add(p+"prop_key", "choose a property")
		}
		if utf8.RuneCountInString(st.PropValue) > 1000 {
			v.Add(p+"prop_value", "use at most 1,000 characters")
		}
	default:
		v.Add(p+"kind", "choose email, wait, condition, task or property")
	}
}

// SequenceHoldout says whether a contact is held out of a sequence: a
// hash of the sequence and contact ids, so the choice is the same on every
// run and in every process, and about pct percent of contacts are held out.
func SequenceHoldout(sequenceID, contactID int64, pct int) bool {
	if pct <= 0 {
		return false
	}
	// FNV-1a over the two ids, then a final mix so close ids spread.
	h := uint64(14695981039346656037)
	for _, x := range []int64{sequenceID, contactID} {
		for i := 0; i < 8; i++ {
			h ^= uint64(x>>(8*i)) & 0xff
			h *= 1099511628211
		}
	}
	h ^= h >> 33
	h *= 0xff51afd7ed558ccd
	h ^= h >> 33
	return int(h%100) < pct
}
