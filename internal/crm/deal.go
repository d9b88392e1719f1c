package crm

import (
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// StageKind says whether a pipeline stage is still open or closes the deal.
type StageKind string

// Stage kinds.
const (
	StageOpen StageKind = "open"
	StageWon  StageKind = "won"
	StageLost StageKind = "lost"
)

// Stage is one column of a pipeline.
type Stage struct {
	ID          int64
	PipelineID  int64
	NameJA      string
	NameEN      string
	Kind        StageKind
	Probability int // win probability, percent
	Position    int
	// Required lists the deal fields (DealFields) that must be filled in
	// before a deal may enter this stage.
	Required []string
	Version  int64
}

// Name returns the stage's name in a language.
func (s Stage) Name(lang Language) string {
	if lang == LangEN && s.NameEN != "" {
		return s.NameEN
	}
	if s.NameJA == "" {
		return s.NameEN
	}
	return s.NameJA
}

// Pipeline is a sequence of stages deals move through.
type Pipeline struct {
	ID        int64
	NameJA    string
	NameEN    string
	Position  int
	IsDefault bool
	Stages    []Stage
	CreatedAt time.Time
	UpdatedAt time.Time
	Version   int64
}

// Name returns the pipeline's name in a language.
func (p Pipeline) Name(lang Language) string {
	return Stage{NameJA: p.NameJA, NameEN: p.NameEN}.Name(lang)
}

// Stage returns the pipeline's stage with the id.
func (p Pipeline) Stage(id int64) (Stage, bool) {
	for _, s := range p.Stages {
		if s.ID == id {
			return s, true
		}
	}
	return Stage{}, false
}

// FirstOpen returns the first open stage: where new deals start.
func (p Pipeline) FirstOpen() (Stage, bool) {
	for _, s := range p.Stages {
		if s.Kind == StageOpen {
			return s, true
		}
	}
	return Stage{}, false
}

// Deal contact roles.
const (
	RoleDecisionMaker = "decision_maker"
	RoleInfluencer    = "influencer"
	RoleUser          = "user"
)

// DealRoles lists the roles a contact can have on a deal.
var DealRoles = []string{RoleDecisionMaker, RoleInfluencer, RoleUser}

// DealContact is a person on a deal with their role.
type DealContact struct {
	ContactID int64
	Role      string
	Name      string // read only: the contact's display name
	Email     string // read only
}

// Competitor is a named competitor; deals list the ones they meet and name
// the one a lost deal went to.
type Competitor struct {
	ID      int64
	Name    string
	Website string
	Notes   string
	// The battlecard (competitor.go).
	Strengths  string
	Weaknesses string
	TalkTrack  string
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// Deal is a sales opportunity (案件).
type Deal struct {
	ID           int64
	Name         string
	PipelineID   int64
	StageID      int64
	Amount       int64 // minor units of Currency
	Currency     string
	CloseDate    string // YYYY-MM-DD, expected close
	OwnerID      int64
	TeamID       int64
	CompanyID    int64
	CompanyName  string // read only
	ContactID    int64  // primary contact: the lead it came from
	Source       Source
	SourceGroup  string
	NextStep     string
	NextStepDate string // YYYY-MM-DD
	Budget       string // BANT
	Authority    string
	Need         string
	Timeline     string
	Notes        string // hearing notes, free text
	LostReason   string
	LostToID     int64
	// Forecast is the owner's forecast category of an open deal
	// (pipeline by default).
	Forecast     ForecastCategory
	WonAt        time.Time
	ClosedAt     time.Time
	StageEntered time.Time
	Contacts     []DealContact
	Competitors  []int64
	CreatedAt    time.Time
	UpdatedAt    time.Time
	Version      int64
}

// DealFields are the fields a stage can require, in form order.
var DealFields = []string{"amount", "close_date", "company_id", "contacts", "next_step",
	"bant_budget", "bant_authority", "bant_need", "bant_timeline", "notes"}

// Missing returns the fields among required that the deal leaves empty.
func (d Deal) Missing(required []string) []string {
	var out []string
	for _, f := range required {
		empty := false
		switch f {
		case "amount":
			empty = d.Amount <= 0
		case "close_date":
			empty = d.CloseDate == ""
		case "company_id":
			empty = d.CompanyID == 0
		case "contacts":
			empty = len(d.Contacts) == 0 && d.ContactID == 0
		case "next_step":
			empty = d.NextStep == ""
		case "bant_budget":
			empty = d.Budget == ""
		case "bant_authority":
			empty = d.Authority == ""
		case "bant_need":
			empty = d.Need == ""
		case "bant_timeline":
			empty = d.Timeline == ""
		case "notes":
			empty = d.Notes == ""
		}
		if empty {
			out = append(out, f)
		}
	}
	return out
}

// Closed reports whether the deal is won or lost.
func (d Deal) Closed() bool { return !d.ClosedAt.IsZero() }

// Weighted is the amount times the stage's probability.
func Weighted(amount int64, probability int) int64 { return amount * int64(probability) / 100 }

var dateRe = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`)

// ValidDate reports whether s is a calendar date YYYY-MM-DD.
func ValidDate(s string) bool {
	if !dateRe.MatchString(s) {
		return false
	}
	_, err := time.Parse(time.DateOnly, s)
	return err == nil
}

func clean(s string) string { return strings.TrimSpace(norm.NFC.String(s)) }

// Normalize trims the deal's text fields and fills defaults.
func (d *Deal) Normalize() {
	d.Name = clean(d.Name)
	d.Currency = strings.ToUpper(strings.TrimSpace(d.Currency))
	if d.Currency == "" {
		d.Currency = "JPY"
	}
	d.CloseDate = strings.TrimSpace(d.CloseDate)
	d.NextStep = clean(d.NextStep)
	d.NextStepDate = strings.TrimSpace(d.NextStepDate)
	d.Budget, d.Authority, d.Need, d.Timeline = clean(d.Budget), clean(d.Authority), clean(d.Need), clean(d.Timeline)
	d.Notes = strings.TrimSpace(norm.NFC.String(d.Notes))
	d.LostReason = clean(d.LostReason)
	if d.Source == "" {
		d.Source = SourceManual
	}
	d.SourceGroup = DefaultSourceGroups[d.Source]
	if d.Forecast == "" {
		d.Forecast = ForecastPipeline
	}
	for i := range d.Contacts {
		if d.Contacts[i].Role == "" {
			d.Contacts[i].Role = RoleUser
		}
	}
}

// Validate checks a normalised deal's own fields (references are checked
// by the application against the database).
func (d *Deal) Validate() error {
	v := &ValidationError{}
	switch n := utf8.RuneCountInString(d.Name); {
	case n == 0:
		v.Add("name", "is required")
	case n > 200:
		v.Add("name", "is too long (200 characters at most)")
	case strings.ContainsAny(d.Name, "\r\n\x00"):
		v.Add("name", "must be on one line")
	}
	if d.Amount < 0 {
		v.Add("amount", "must not be negative")
	} else if d.Amount > 1e15 {
		v.Add("amount", "is too large")
	}
	if !currencyRe.MatchString(d.Currency) {
		v.Add("currency", "must be a three-letter currency code such as JPY")
	}
	if d.CloseDate != "" && !ValidDate(d.CloseDate) {
		v.Add("close_date", "enter a date such as 2026-04-30")
	}
	if d.NextStepDate != "" && !ValidDate(d.NextStepDate) {
		v.Add("next_step_date", "enter a date such as 2026-04-30")
	}
	for field, s := range map[string]string{"next_step": d.NextStep, "bant_budget": d.Budget,
		"bant_authority": d.Authority, "bant_need": d.Need, "bant_timeline": d.Timeline, "lost_reason": d.LostReason} {
		if utf8.RuneCountInString(s) > 500 {
			v.Add(field, "is too long (500 characters at most)")
		}
	}
	if utf8.RuneCountInString(d.Notes) > 10000 {
		v.Add("notes", "is too long (10,000 characters at most)")
	}
	if _, ok := DefaultSourceGroups[d.Source]; !ok {
		v.Add("source", "is not a known source")
	}
	if !ValidForecastCategory(d.Forecast) {
		v.Add("forecast_category", "choose pipeline, best_case, commit or omitted")
	}
	seen := map[int64]bool{}
	for _, c := range d.Contacts {
		if !slices.Contains(DealRoles, c.Role) {
			v.Add("contacts", "choose decision_maker, influencer or user as role")
		}
		if seen[c.ContactID] {
			v.Add("contacts", "a person is on the deal twice")
		}
		seen[c.ContactID] = true
	}
	return v.Err()
}

// ValidateStage checks a stage's fields.
func (s *Stage) Validate() error {
	v := &ValidationError{}
	s.NameJA, s.NameEN = clean(s.NameJA), clean(s.NameEN)
	if s.NameJA == "" && s.NameEN == "" {
		v.Add("name_ja", "is required")
	}
	if utf8.RuneCountInString(s.NameJA) > 100 || utf8.RuneCountInString(s.NameEN) > 100 {
		v.Add("name_en", "is too long (100 characters at most)")
	}
	switch s.Kind {
	case StageOpen, StageWon, StageLost:
	default:
		v.Add("kind", "choose open, won or lost")
	}
	if s.Probability < 0 || s.Probability > 100 {
		v.Add("probability", "must be a percentage from 0 to 100")
	}
	for _, f := range s.Required {
		if !slices.Contains(DealFields, f) {
			v.Add("required_fields", "is not a deal field: "+f)
		}
	}
	return v.Err()
}

// Validate checks a pipeline's own fields.
func (p *Pipeline) Validate() error {
	v := &ValidationError{}
	p.NameJA, p.NameEN = clean(p.NameJA), clean(p.NameEN)
	if p.NameJA == "" && p.NameEN == "" {
		v.Add("name_ja", "is required")
	}
	if utf8.RuneCountInString(p.NameJA) > 100 || utf8.RuneCountInString(p.NameEN) > 100 {
		v.Add("name_en", "is too long (100 characters at most)")
	}
	return v.Err()
}
