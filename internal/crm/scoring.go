package crm

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Lead scoring (issue 5 §3). A contact has two explainable scores: fit, from
// rules on its properties and its company's, and engagement, from rules on
// its events, each with a cap and a time decay. The rules here are pure: the
// app reads the contact, its company and its events, calls Score, and stores
// the points behind the scores so that the contact page can say why.

// RuleKind says which score a rule feeds.
type RuleKind string

// Rule kinds.
const (
	RuleFit        RuleKind = "fit"
	RuleEngagement RuleKind = "engagement"
)

// Fit fields a condition may test. Custom contact properties are "prop.KEY".
var FitFields = []string{"job_title", "department", "email_domain", "tag", "lifecycle", "source",
	"company_size", "industry", "prefecture", "country", "company_name"}

// Engagement event kinds a condition may test (the events table's kind).
var EngagementEvents = []string{"pageview", "event", "form", "email_open", "email_click", "survey"}

// Condition operators.
const (
	OpContains   = "contains"     // text contains any value (case-insensitive, NFKC)
	OpEquals     = "eq"           // text equals any value (case-insensitive, NFKC)
	OpPrefix     = "prefix"       // text starts with any value
	OpGTE        = "gte"          // number ≥ value
	OpLTE        = "lte"          // number ≤ value
	OpIsSet      = "is_set"       // field has a value
	OpAny        = "any"          // engagement: every event of the kind
	OpNotContain = "not_contains" // text contains none of the values
)

var fitOps = []string{OpContains, OpNotContain, OpEquals, OpPrefix, OpGTE, OpLTE, OpIsSet}
var engagementOps = []string{OpAny, OpEquals, OpPrefix, OpContains}

// Condition is what a rule tests. For a fit rule, Field is a property and
// Values are alternatives (any one matches). For an engagement rule, Field
// is an event kind and Values are matched against the page path (pageview),
// the event name (event), the form key (form) or the e-mail's name.
type Condition struct {
	Field  string   `json:"field"`
	Op     string   `json:"op"`
	Values []string `json:"values,omitempty"`
}

// ScoringRule is one line of the rule set.
type ScoringRule struct {
	ID        int64
	Kind      RuleKind
	Name      string
	Condition Condition
	Points    int // may be negative
	Cap       int // engagement: the most points (in magnitude) the rule gives; 0 = no cap
	Active    bool
	Position  int
	CreatedAt time.Time
	UpdatedAt time.Time
	Version   int64
}

// Normalize trims the rule's text.
func (r *ScoringRule) Normalize() {
	r.Name = strings.TrimSpace(norm.NFC.String(r.Name))
	r.Condition.Field = strings.TrimSpace(r.Condition.Field)
	r.Condition.Op = strings.TrimSpace(r.Condition.Op)
	var vals []string
	for _, v := range r.Condition.Values {
		if v = strings.TrimSpace(norm.NFC.String(v)); v != "" && !slices.Contains(vals, v) {
			vals = append(vals, v)
		}
	}
	r.Condition.Values = vals
	if r.Kind == RuleFit {
		r.Cap = 0
	}
}

// Validate checks the rule field by field.
func (r ScoringRule) Validate() error {
	v := &ValidationError{}
	switch n := utf8.RuneCountInString(r.Name); {
	case n == 0:
		v.Add("name", "enter a name that says what the rule rewards")
	case n > 120:
		v.Add("name", "keep the name to 120 characters")
	}
	c := r.Condition
	switch r.Kind {
	case RuleFit:
		if !isFitField(c.Field) {
			v.Add("field", "choose a property from the list, or prop.KEY for a custom property")
		}
		if !slices.Contains(fitOps, c.Op) {
			v.Add("op", "choose contains, not_contains, eq, prefix, gte, lte or is_set")
		}
	case RuleEngagement:
		if !slices.Contains(EngagementEvents, c.Field) {
			v.Add("field", "choose an event from the list: pageview, event, form, email_open or email_click")
		}
		if !slices.Contains(engagementOps, c.Op) {
			v.Add("op", "choose any, eq, prefix or contains")
		}
	default:
		v.Add("kind", "must be fit or engagement")
	}
	switch {
	case len(c.Values) > 50:
		v.Add("values", "at most 50 values")
	case c.Op == OpIsSet || c.Op == OpAny:
		if len(c.Values) > 0 {
			v.Add("values", "leave the values empty with "+c.Op)
		}
	case c.Op == OpGTE || c.Op == OpLTE:
		if len(c.Values) != 1 {
			v.Add("values", "enter one number")
		} else if _, err := strconv.ParseFloat(c.Values[0], 64); err != nil {
			v.Add("values", "enter a number, e.g. 100")
		}
	case c.Op != "" && len(c.Values) == 0:
		v.Add("values", "enter at least one value")
	}
	for _, x := range c.Values {
		if utf8.RuneCountInString(x) > 200 {
			v.Add("values", "keep each value to 200 characters")
			break
		}
	}
	if r.Points == 0 || r.Points < -1000 || r.Points > 1000 {
		v.Add("points", "enter points between -1000 and 1000, not 0")
	}
	if r.Cap < 0 || r.Cap > 100000 {
		v.Add("cap", "enter a cap between 0 (no cap) and 100000")
	} else if r.Kind == RuleEngagement && r.Cap != 0 && r.Cap < abs(r.Points) {
		v.Add("cap", "the cap must be at least the points of one event")
	}
	return v.Err()
}

func isFitField(f string) bool {
	if key, ok := strings.CutPrefix(f, "prop."); ok {
		return PropertyKeyRe.MatchString(key)
	}
	return slices.Contains(FitFields, f)
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

// Describe renders the condition as a sentence for previews and the score
// explanation, e.g. `job_title contains "部長" or "manager"`.
func (c Condition) Describe() string {
	quoted := make([]string, len(c.Values))
	for i, v := range c.Values {
		quoted[i] = strconv.Quote(v)
	}
	vals := strings.Join(quoted, " or ")
	switch c.Op {
	case OpIsSet:
		return c.Field + " is set"
	case OpAny:
		return "any " + c.Field
	case OpGTE:
		return c.Field + " ≥ " + strings.Join(c.Values, "")
	case OpLTE:
		return c.Field + " ≤ " + strings.Join(c.Values, "")
	case OpNotContain:
		return c.Field + " contains none of " + vals
	case OpEquals:
		return c.Field + " is " + vals
	}
	return c.Field + " " + c.Op + " " + vals
}

// fold makes text comparable: NFKC (full-width Ｍａｎａｇｅｒ = Manager) and
// lower case.
func fold(s string) string { return strings.ToLower(norm.NFKC.String(s)) }

// matchText applies a text operator.
func matchText(op, s string, values []string) bool {
	s = fold(strings.TrimSpace(s))
	switch op {
	case OpIsSet:
		return s != ""
	case OpAny:
		return true
	case OpNotContain:
		for _, v := range values {
			if strings.Contains(s, fold(v)) {
				return false
			}
		}
		return true
	case OpGTE, OpLTE:
		if len(values) != 1 {
			return false
		}
		n, err := strconv.ParseFloat(strings.ReplaceAll(s, ",", ""), 64)
		lim, err2 := strconv.ParseFloat(values[0], 64)
		if err != nil || err2 != nil {
			return false
		}
		if op == OpGTE {
			return n >= lim
		}
		return n <= lim
	}
	for _, v := range values {
		v = fold(v)
		switch op {
		case OpContains:
			if strings.Contains(s, v) {
				return true
			}
		case OpEquals:
			if s == v {
				return true
			}
		case OpPrefix:
			if strings.HasPrefix(s, v) {
				return true
			}
		}
	}
	return false
}

// FitSubject is what fit rules look at: a contact with its company (zero
// when it has none).
type FitSubject struct {
	Contact Contact
	Company Company
}

// fieldValues returns the values of one field (several for tags and
// multiple-choice properties).
func (s FitSubject) fieldValues(field string) []string {
	c, co := s.Contact, s.Company
	switch field {
	case "job_title":
		return []string{c.JobTitle}
	case "department":
		return []string{c.Department}
	case "email_domain":
		_, d, _ := strings.Cut(c.Email, "@")
		return []string{d}
	case "tag":
		return c.Tags
	case "lifecycle":
		return []string{string(c.Lifecycle)}
	case "source":
		return []string{string(c.OriginalSource)}
	case "company_size":
		if co.Employees <= 0 {
			return nil
		}
		return []string{strconv.Itoa(co.Employees)}
	case "industry":
		return []string{co.Industry}
	case "prefecture":
		return []string{co.Prefecture}
	case "country":
		return []string{co.Country}
	case "company_name":
		return []string{co.Name, c.CompanyName}
	}
	if key, ok := strings.CutPrefix(field, "prop."); ok {
		return propStrings(c.Props[key])
	}
	return nil
}

func propStrings(v any) []string {
	switch x := v.(type) {
	case nil:
		return nil
	case string:
		return []string{x}
	case []any:
		out := make([]string, 0, len(x))
		for _, e := range x {
			out = append(out, propStrings(e)...)
		}
		return out
	case []string:
		return x
	case float64:
		return []string{strconv.FormatFloat(x, 'f', -1, 64)}
	case bool:
		return []string{strconv.FormatBool(x)}
	}
	return []string{fmt.Sprint(v)}
}

// MatchFit reports whether a fit condition holds for the subject. With
// several values of a field (tags), not_contains needs all to pass and the
// other operators any.
func (c Condition) MatchFit(s FitSubject) bool {
	vals := s.fieldValues(c.Field)
	if c.Op == OpNotContain {
		for _, v := range vals {
			if !matchText(c.Op, v, c.Values) {
				return false
			}
		}
		return true
	}
	for _, v := range vals {
		if matchText(c.Op, v, c.Values) {
			return true
		}
	}
	return false
}

// ScoreEvent is what engagement rules look at.
type ScoreEvent struct {
	At   time.Time
	Kind string // pageview, event, form, email_open, email_click
	Name string // custom event name, form key, e-mail name
	Path string // page path
}

// MatchEvent reports whether an engagement condition holds for an event.
func (c Condition) MatchEvent(e ScoreEvent) bool {
	if e.Kind != c.Field {
		return false
	}
	subject := e.Name
	if e.Kind == "pageview" {
		subject = e.Path
	}
	return matchText(c.Op, subject, c.Values)
}

// Decay is the factor by which points earned dt ago have shrunk under a
// half-life (0 = no decay): 0.5^(dt/halfLife).
func Decay(dt, halfLife time.Duration) float64 {
	if halfLife <= 0 || dt <= 0 {
		return 1
	}
	return math.Pow(0.5, float64(dt)/float64(halfLife))
}

// RulePoints are the points one rule gives one contact, with the facts
// behind them. Value is the (capped, decayed) worth at LastAt; ValueAt
// decays it further to any later time.
type RulePoints struct {
	RuleID     int64
	Count      int       // events matched (1 for a fit rule that holds)
	Raw        int       // points before decay: count × points, capped
	Value      float64   // worth at LastAt (after cap and decay)
	LastAt     time.Time // the last matching event (fit: when scored)
	CapReached bool
}

// ValueAt is the rule's worth at time now.
func (p RulePoints) ValueAt(now time.Time, halfLife time.Duration) float64 {
	return p.Value * Decay(now.Sub(p.LastAt), halfLife)
}

// clampCap limits v to ±limit (limit 0 = no cap).
func clampCap(v float64, limit int) (float64, bool) {
	if limit <= 0 {
		return v, false
	}
	l := float64(limit)
	switch {
	case v > l:
		return l, true
	case v < -l:
		return -l, true
	}
	return v, false
}

// Score computes every rule's points for one contact. events must be in
// time order. Engagement points accumulate like a bucket that leaks with
// the half-life and never holds more than the cap: each matching event
// decays what the rule held, adds its points and clips to the cap. Read at
// a later time, the whole bucket decays by one factor, so the score needs
// no recomputation as time passes (DESIGN.md §7: evaluated when read).
func Score(rules []ScoringRule, subject FitSubject, events []ScoreEvent, halfLife time.Duration, now time.Time) []RulePoints {
	var out []RulePoints
	for _, r := range rules {
		if !r.Active {
			continue
		}
		switch r.Kind {
		case RuleFit:
			if r.Condition.MatchFit(subject) {
				out = append(out, RulePoints{RuleID: r.ID, Count: 1, Raw: r.Points, Value: float64(r.Points), LastAt: now})
			}
		case RuleEngagement:
			p := RulePoints{RuleID: r.ID}
			for _, e := range events {
				if !r.Condition.MatchEvent(e) {
					continue
				}
				v := p.Value
				if p.Count > 0 {
					v *= Decay(e.At.Sub(p.LastAt), halfLife)
				}
				var capped bool
				p.Value, capped = clampCap(v+float64(r.Points), r.Cap)
				p.CapReached = p.CapReached || capped
				p.Count++
				p.LastAt = e.At
			}
			if p.Count == 0 {
				continue
			}
			raw, capped := clampCap(float64(p.Count*r.Points), r.Cap)
			p.Raw = int(raw)
			p.CapReached = p.CapReached || capped
			out = append(out, p)
		}
	}
	return out
}

// Totals sums the points into the two scores at time now, rounded to whole
// points.
func Totals(rules []ScoringRule, points []RulePoints, halfLife time.Duration, now time.Time) (fit, engagement int) {
	kind := map[int64]RuleKind{}
	for _, r := range rules {
		kind[r.ID] = r.Kind
	}
	var f, e float64
	for _, p := range points {
		if kind[p.RuleID] == RuleFit {
			f += p.Value
		} else {
			e += p.ValueAt(now, halfLife)
		}
	}
	return int(math.Round(f)), int(math.Round(e))
}

// ScoringSettings are the workspace's scoring settings: the half-life of
// engagement and the stage rules.
type ScoringSettings struct {
	HalfLifeDays  int  `json:"half_life_days"`     // 0 = no decay
	MQLEnabled    bool `json:"mql_enabled"`        // move leads to MQL by the thresholds
	MQLFitMin     int  `json:"mql_fit_min"`        // fit ≥ this …
	MQLEngageMin  int  `json:"mql_engagement_min"` // … and engagement ≥ this → MQL
	FormMakesLead bool `json:"form_makes_lead"`    // a subscriber who submits a form becomes a lead
}

// DefaultScoringSettings are the settings of a new workspace.
func DefaultScoringSettings() ScoringSettings {
	return ScoringSettings{HalfLifeDays: 30, MQLEnabled: true, MQLFitMin: 30, MQLEngageMin: 40, FormMakesLead: true}
}

// HalfLife returns the half-life as a duration.
func (s ScoringSettings) HalfLife() time.Duration {
	return time.Duration(s.HalfLifeDays) * 24 * time.Hour
}

// Validate checks the settings field by field.
func (s ScoringSettings) Validate() error {
	v := &ValidationError{}
	if s.HalfLifeDays < 0 || s.HalfLifeDays > 3650 {
		v.Add("half_life_days", "enter 0 (no decay) to 3650 days")
	}
	if s.MQLFitMin < -100000 || s.MQLFitMin > 100000 {
		v.Add("mql_fit_min", "enter a score between -100000 and 100000")
	}
	if s.MQLEngageMin < -100000 || s.MQLEngageMin > 100000 {
		v.Add("mql_engagement_min", "enter a score between -100000 and 100000")
	}
	return v.Err()
}

// StageInput is what the stage rules look at.
type StageInput struct {
	Stage      Lifecycle
	LeadStatus LeadStatus
	Fit        int
	Engagement int
	// FormSubmitted: the contact has a form submission among its events.
	FormSubmitted bool
	// EngagedAfterRecycle: a recycled lead has engagement events after it
	// was recycled (only those may bring it back).
	EngagedAfterRecycle bool
}

// NextStage applies the stage rules: forward moves only, never out of
// disqualified, never past MQL, and a recycled lead only after new
// engagement. It returns the new stage and the reason, or ok false.
func (s ScoringSettings) NextStage(in StageInput) (to Lifecycle, reason string, ok bool) {
	stage := in.Stage
	if stage == StageSubscriber && s.FormMakesLead && in.FormSubmitted {
		to, reason, ok = StageLead, "form submitted", true
		stage = StageLead
	}
	if (stage != StageLead && stage != StageSubscriber) || !s.MQLEnabled {
		return to, reason, ok
	}
	if in.Fit < s.MQLFitMin || in.Engagement < s.MQLEngageMin {
		return to, reason, ok
	}
	if in.LeadStatus == LeadRecycled && !in.EngagedAfterRecycle {
		return to, reason, ok
	}
	if in.LeadStatus == LeadRejected {
		return to, reason, ok
	}
	return StageMQL, fmt.Sprintf("fit %d ≥ %d and engagement %d ≥ %d", in.Fit, s.MQLFitMin, in.Engagement, s.MQLEngageMin), true
}
