package crm

import (
	"testing"
	"time"
)

var day = 24 * time.Hour

func TestDecayExact(t *testing.T) {
	t0 := time.Date(2026, 4, 1, 9, 0, 0, 0, time.UTC)
	form := ScoringRule{ID: 1, Kind: RuleEngagement, Name: "form", Active: true, Points: 20,
		Condition: Condition{Field: "form", Op: OpAny}}
	pts := Score([]ScoringRule{form}, FitSubject{}, []ScoreEvent{{At: t0, Kind: "form", Name: "contact"}}, 30*day, t0)
	for _, c := range []struct {
		after time.Duration
		want  float64
	}{{0, 20}, {30 * day, 10}, {60 * day, 5}, {90 * day, 2.5}} {
		if got := pts[0].ValueAt(t0.Add(c.after), 30*day); got != c.want {
			t.Errorf("after %v: %v, want %v", c.after, got, c.want)
		}
	}
	// No decay with half-life 0.
	if got := pts[0].ValueAt(t0.Add(400*day), 0); got != 20 {
		t.Errorf("half-life 0: %v, want 20", got)
	}
	// Two events 30 days apart: 20 decays to 10, plus 20 → 30 at the second.
	pts = Score([]ScoringRule{form}, FitSubject{}, []ScoreEvent{{At: t0, Kind: "form"}, {At: t0.Add(30 * day), Kind: "form"}}, 30*day, t0)
	if pts[0].Value != 30 || pts[0].Count != 2 || pts[0].Raw != 40 {
		t.Errorf("two forms: %+v, want value 30, count 2, raw 40", pts[0])
	}
	if _, e := Totals([]ScoringRule{form}, pts, 30*day, t0.Add(60*day)); e != 15 {
		t.Errorf("engagement 60 days on: %d, want 15", e)
	}
}

func TestCapPerRule(t *testing.T) {
	t0 := time.Date(2026, 4, 1, 9, 0, 0, 0, time.UTC)
	pricing := ScoringRule{ID: 7, Kind: RuleEngagement, Name: "pricing", Active: true, Points: 10, Cap: 30,
		Condition: Condition{Field: "pageview", Op: OpPrefix, Values: []string{"/pricing"}}}
	var evs []ScoreEvent
	for i := range 5 {
		evs = append(evs, ScoreEvent{At: t0.Add(time.Duration(i) * time.Minute), Kind: "pageview", Path: "/pricing/enterprise"})
	}
	evs = append(evs, ScoreEvent{At: t0, Kind: "pageview", Path: "/blog/pricing"})
	pts := Score([]ScoringRule{pricing}, FitSubject{}, evs, 0, t0)
	if len(pts) != 1 || pts[0].Value != 30 || pts[0].Raw != 30 || pts[0].Count != 5 || !pts[0].CapReached {
		t.Fatalf("got %+v, want 5 views capped at 30", pts)
	}
	two := Score([]ScoringRule{pricing}, FitSubject{}, evs[:2], 0, t0)
	if two[0].Value != 20 || two[0].CapReached {
		t.Errorf("two views: %+v, want 20 without cap", two[0])
	}
	pricing.Active = false
	if got := Score([]ScoringRule{pricing}, FitSubject{}, evs, 0, t0); len(got) != 0 {
		t.Errorf("inactive rule scored %+v", got)
	}
}

func TestFitRules(t *testing.T) {
	rules := []ScoringRule{
		{ID: 1, Kind: RuleFit, Active: true, Points: 15, Condition: Condition{Field: "job_title", Op: OpContains, Values: []string{"部長", "manager", "director"}}},
		{ID: 2, Kind: RuleFit, Active: true, Points: 10, Condition: Condition{Field: "company_size", Op: OpGTE, Values: []string{"100"}}},
		{ID: 3, Kind: RuleFit, Active: true, Points: 5, Condition: Condition{Field: "prefecture", Op: OpEquals, Values: []string{"東京都", "大阪府"}}},
		{ID: 4, Kind: RuleFit, Active: true, Points: 8, Condition: Condition{Field: "prop.budget_band", Op: OpEquals, Values: []string{"large"}}},
		{ID: 5, Kind: RuleFit, Active: true, Points: -20, Condition: Condition{Field: "email_domain", Op: OpEquals, Values: []string{"gmail.com"}}},
		{ID: 6, Kind: RuleFit, Active: true, Points: 3, Condition: Condition{Field: "prop.interests", Op: OpContains, Values: []string{"crm"}}},
	}
	cases := []struct {
		name string
		s    FitSubject
		want int
	}{
		{"営業部長 at a large Tokyo company", FitSubject{Contact: Contact{JobTitle: "営業部長", Email: "a@example.co.jp"},
			Company: Company{Employees: 250, Prefecture: "東京都"}}, 30},
		{"full-width Ｍａｎａｇｅｒ", FitSubject{Contact: Contact{JobTitle: "Sales Ｍａｎａｇｅｒ"}}, 15},
		{"custom properties", FitSubject{Contact: Contact{Props: map[string]any{"budget_band": "Large", "interests": []any{"MA", "CRM"}}}}, 11},
		{"free mail, small company", FitSubject{Contact: Contact{JobTitle: "担当", Email: "x@gmail.com"}, Company: Company{Employees: 20}}, -20},
		{"unknown size does not match gte", FitSubject{Contact: Contact{}}, 0},
	}
	for _, c := range cases {
		pts := Score(rules, c.s, nil, 30*day, time.Now())
		if fit, _ := Totals(rules, pts, 30*day, time.Now()); fit != c.want {
			t.Errorf("%s: fit %d, want %d (%+v)", c.name, fit, c.want, pts)
		}
	}
}

func TestRuleValidation(t *testing.T) {
	r := ScoringRule{Kind: RuleEngagement, Name: "  ", Points: 0, Cap: -1, Condition: Condition{Field: "visit", Op: "like"}}
	r.Normalize()
	ve, ok := AsValidation(r.Validate())
	if !ok {
		t.Fatal("no validation error")
	}
	for _, f := range []string{"name", "field", "op", "points", "cap"} {
		if ve.Fields[f] == "" {
			t.Errorf("no message for %s: %v", f, ve.Fields)
		}
	}
	r = ScoringRule{Kind: RuleFit, Name: "size", Points: 5, Condition: Condition{Field: "company_size", Op: OpGTE, Values: []string{"many"}}}
	if ve, _ := AsValidation(r.Validate()); ve == nil || ve.Fields["values"] == "" {
		t.Errorf("a non-number for gte was accepted")
	}
	r = ScoringRule{Kind: RuleEngagement, Name: "pricing", Points: 10, Cap: 5, Condition: Condition{Field: "pageview", Op: OpPrefix, Values: []string{"/pricing"}}}
	if ve, _ := AsValidation(r.Validate()); ve == nil || ve.Fields["cap"] == "" {
		t.Errorf("a cap below one event's points was accepted")
	}
	r.Cap = 30
	if err := r.Validate(); err != nil {
		t.Errorf("valid rule refused: %v", err)
	}
}

func TestNextStage(t *testing.T) {
	s := DefaultScoringSettings()
	cases := []struct {
		in     StageInput
		want   Lifecycle
		wantOK bool
	}{
		{StageInput{Stage: StageLead, Fit: 35, Engagement: 42}, StageMQL, true},
		{StageInput{Stage: StageLead, Fit: 29, Engagement: 99}, "", false},
		{StageInput{Stage: StageSubscriber, FormSubmitted: true}, StageLead, true},
		{StageInput{Stage: StageSubscriber, FormSubmitted: true, Fit: 30, Engagement: 40}, StageMQL, true},
		{StageInput{Stage: StageSQL, Fit: 90, Engagement: 90}, "", false},
		{StageInput{Stage: StageDisqualified, Fit: 90, Engagement: 90}, "", false},
		{StageInput{Stage: StageLead, LeadStatus: LeadRecycled, Fit: 90, Engagement: 90}, "", false},
		{StageInput{Stage: StageLead, LeadStatus: LeadRecycled, Fit: 90, Engagement: 90, EngagedAfterRecycle: true}, StageMQL, true},
	}
	for i, c := range cases {
		got, reason, ok := s.NextStage(c.in)
		if got != c.want || ok != c.wantOK {
			t.Errorf("%d: %+v → %q %v (%s), want %q %v", i, c.in, got, ok, reason, c.want, c.wantOK)
		}
	}
	_, reason, _ := s.NextStage(StageInput{Stage: StageLead, Fit: 35, Engagement: 42})
	if reason != "fit 35 ≥ 30 and engagement 42 ≥ 40" {
		t.Errorf("reason %q", reason)
	}
}
