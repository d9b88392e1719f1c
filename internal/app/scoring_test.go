package app

import (
	"errors"
	"testing"
	"time"

	"renkei/internal/crm"
	"renkei/internal/store"
)

const scoreDay = 24 * time.Hour

// addEvent inserts a tracked event for a contact as the tracking work
// would (its writer is not this area's), at the clock's time plus dt.
func addScoringEvent(t *testing.T, f *fixture, contactID int64, at time.Time, kind, name, path string) {
	t.Helper()
	_, err := f.app.Store.DB().ExecContext(ctx, `INSERT INTO events (contact_id, at, kind, name, path) VALUES ($1, $2, $3, $4, $5)`,
		contactID, at.UnixMilli(), kind, name, path)
	if err != nil {
		t.Fatal(err)
	}
}

func addRule(t *testing.T, f *fixture, r crm.ScoringRule) crm.ScoringRule {
	t.Helper()
	r.Active = true
	r, err := f.app.CreateScoringRule(ctx, f.owner, r)
	if err != nil {
		t.Fatalf("create rule %q: %v", r.Name, err)
	}
	return r
}

// standardRules: job title (15) + company of 100 or more (10) + Tokyo (5)
// for fit; pricing pages (+10, cap 30) and forms (+20) for engagement.
func standardRules(t *testing.T, f *fixture) {
	addRule(t, f, crm.ScoringRule{Kind: crm.RuleFit, Name: "役職: 部長・マネージャー", Points: 15,
		Condition: crm.Condition{Field: "job_title", Op: crm.OpContains, Values: []string{"部長", "manager", "director"}}})
	addRule(t, f, crm.ScoringRule{Kind: crm.RuleFit, Name: "従業員100名以上", Points: 10,
		Condition: crm.Condition{Field: "company_size", Op: crm.OpGTE, Values: []string{"100"}}})
	addRule(t, f, crm.ScoringRule{Kind: crm.RuleFit, Name: "予算 大", Points: 5,
		Condition: crm.Condition{Field: "prop.budget", Op: crm.OpGTE, Values: []string{"1000000"}}})
	addRule(t, f, crm.ScoringRule{Kind: crm.RuleEngagement, Name: "料金ページ", Points: 10, Cap: 30,
		Condition: crm.Condition{Field: "pageview", Op: crm.OpPrefix, Values: []string{"/pricing"}}})
	addRule(t, f, crm.ScoringRule{Kind: crm.RuleEngagement, Name: "フォーム送信", Points: 20,
		Condition: crm.Condition{Field: "form", Op: crm.OpAny}})
}

func newScoredContact(t *testing.T, f *fixture, email, title string, employees int, props map[string]any) crm.Contact {
	t.Helper()
	co, err := f.app.CreateCompany(ctx, f.owner, CompanyInput{Company: crm.Company{Name: "株式会社" + email[:3], Employees: employees}}, true)
	if err != nil {
		t.Fatal(err)
	}
	c, err := f.app.CreateContact(ctx, f.owner, ContactInput{Contact: crm.Contact{Email: email,
		PersonName: crm.PersonName{Family: "山田", Given: "太郎"}, JobTitle: title, CompanyID: co.ID}, Props: props})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestScoringDecayUnderInjectedClock(t *testing.T) {
	f := newFixture(t, crm.LangJA)
	addRule(t, f, crm.ScoringRule{Kind: crm.RuleEngagement, Name: "form", Points: 20, Condition: crm.Condition{Field: "form", Op: crm.OpAny}})
	c := newScoredContact(t, f, "decay@example.jp", "", 0, nil)
	addScoringEvent(t, f, c.ID, f.clock.Now(), "form", "contact", "")
	if err := f.app.rescoreContacts(ctx, []int64{c.ID}); err != nil {
		t.Fatal(err)
	}
	for _, step := range []struct {
		after time.Duration
		want  int
	}{{0, 20}, {30 * scoreDay, 10}, {30 * scoreDay, 5}} {
		f.clock.Add(step.after)
		v, err := f.app.ContactScore(ctx, f.owner, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if v.Engagement != step.want || len(v.Points) != 1 || v.Points[0].Now != float64(step.want) || v.Points[0].Raw != 20 {
			t.Errorf("at %s: engagement %d, points %+v; want %d", f.clock.Now().Format(time.DateOnly), v.Engagement, v.Points, step.want)
		}
		scores, err := f.app.ScoresOf(ctx, []int64{c.ID})
		if err != nil || scores[c.ID][1] != step.want {
			t.Errorf("list score %v, %v; want %d", scores, err, step.want)
		}
	}
	// Half-life 0: no decay at all.
	if _, err := f.app.PutScoringSettings(ctx, f.owner, crm.ScoringSettings{HalfLifeDays: 0}, 0); err != nil {
		t.Fatal(err)
	}
	if err := f.app.rescoreContacts(ctx, []int64{c.ID}); err != nil {
		t.Fatal(err)
	}
	f.clock.Add(365 * scoreDay)
	if v, _ := f.app.ContactScore(ctx, f.owner, c.ID); v.Engagement != 20 {
		t.Errorf("without decay a year later: %d, want 20", v.Engagement)
	}
}

func TestScoringCapFitAndMQL(t *testing.T) {
	f := newFixture(t, crm.LangJA)
	if _, err := f.app.CreateProperty(ctx, f.owner, crm.Property{Object: "contact", Key: "budget", LabelJA: "予算", Type: crm.PropNumber}); err != nil {
		t.Fatal(err)
	}
	standardRules(t, f)
	c := newScoredContact(t, f, "buchou@example.jp", "営業部長", 250, map[string]any{"budget": 3000000})
	v, err := f.app.ContactScore(ctx, f.owner, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if v.Fit != 30 || v.Engagement != 0 {
		t.Fatalf("after create: fit %d engagement %d, want 30 and 0 (%+v)", v.Fit, v.Engagement, v.Points)
	}
	now := f.clock.Now()
	for i := range 5 {
		addScoringEvent(t, f, c.ID, now.Add(time.Duration(i)*time.Minute), "pageview", "", "/pricing/")
	}
	if err := f.app.rescoreContacts(ctx, []int64{c.ID}); err != nil {
		t.Fatal(err)
	}
	v, _ = f.app.ContactScore(ctx, f.owner, c.ID)
	var pricing PointView
	for _, p := range v.Points {
		if p.RuleName == "料金ページ" {
			pricing = p
		}
	}
	if v.Engagement != 30 || pricing.Count != 5 || pricing.Raw != 30 || !pricing.CapReached {
		t.Fatalf("five pricing views: engagement %d, %+v; want 30 capped", v.Engagement, pricing)
	}
	if got, _ := f.app.Contact(ctx, f.owner, c.ID); got.Lifecycle != crm.StageLead {
		t.Fatalf("engagement 30 < 40 but stage is %s", got.Lifecycle)
	}
	// A form makes it fit 30 ≥ 30 and engagement 50 ≥ 40: MQL, on the timeline.
	addScoringEvent(t, f, c.ID, now.Add(10*time.Minute), "form", "contact", "")
	if err := f.app.rescoreContacts(ctx, []int64{c.ID}); err != nil {
		t.Fatal(err)
	}
	got, _ := f.app.Contact(ctx, f.owner, c.ID)
	if got.Lifecycle != crm.StageMQL {
		t.Fatalf("stage %s, want mql", got.Lifecycle)
	}
	tl, err := f.app.Store.Timeline(ctx, store.TimelineFilter{ContactID: c.ID})
	if err != nil {
		t.Fatal(err)
	}
	// The stage move with its reason, then the hand-off's assignment
	// (leadBecameMQL, in the same transaction).
	var stage, assigned *store.TimelineEntry
	for i := range tl {
		switch {
		case tl[i].Kind == KindStage && stage == nil:
			stage = &tl[i]
		case tl[i].Kind == "assigned" && assigned == nil:
			assigned = &tl[i]
		}
	}
	if stage == nil || stage.Data["reason"] != "fit 30 ≥ 30 and engagement 50 ≥ 40" || stage.Data["to"] != "mql" {
		t.Errorf("timeline %+v: want the stage move with its reason", tl)
	}
	if assigned == nil || assigned.Data["reason"] != "fit 30 ≥ 30 and engagement 50 ≥ 40" {
		t.Errorf("timeline %+v: want the MQL assigned by the hand-off with the same reason", tl)
	}
	// Rescoring again moves nothing and adds nothing (moves go forward only).
	if err := f.app.rescoreContacts(ctx, []int64{c.ID}); err != nil {
		t.Fatal(err)
	}
	tl2, _ := f.app.Store.Timeline(ctx, store.TimelineFilter{ContactID: c.ID})
	if len(tl2) != len(tl) {
		t.Errorf("a second rescore added %d timeline entries", len(tl2)-len(tl))
	}
	// A fit rule change applies at the next scoring: the title stops counting.
	rules, _ := f.app.ScoringRules(ctx, f.owner)
	r := rules[0]
	r.Condition.Values = []string{"社長"}
	if _, err := f.app.UpdateScoringRule(ctx, f.owner, r.ID, r.Version, r); err != nil {
		t.Fatal(err)
	}
	if err := f.app.rescoreContacts(ctx, []int64{c.ID}); err != nil {
		t.Fatal(err)
	}
	if v, _ := f.app.ContactScore(ctx, f.owner, c.ID); v.Fit != 15 {
		t.Errorf("after the rule change fit is %d, want 15", v.Fit)
	}
	if got, _ := f.app.Contact(ctx, f.owner, c.ID); got.Lifecycle != crm.StageMQL {
		t.Errorf("a lower score demoted the contact to %s", got.Lifecycle)
	}
}

// setLead sets a contact's stage and lead status as the hand-off would.
func setLead(t *testing.T, f *fixture, id int64, stage crm.Lifecycle, status crm.LeadStatus) {
	t.Helper()
	_, err := f.app.Store.DB().ExecContext(ctx, "UPDATE contacts SET lifecycle_stage = $1, lead_status = $2, updated_at = $3 WHERE id = $4",
		string(stage), string(status), f.clock.Now().UnixMilli(), id)
	if err != nil {
		t.Fatal(err)
	}
}

func TestRecycledLeadWaitsForNewEngagement(t *testing.T) {
	f := newFixture(t, crm.LangJA)
	standardRules(t, f)
	set := crm.DefaultScoringSettings()
	set.MQLFitMin = 20
	if _, err := f.app.PutScoringSettings(ctx, f.owner, set, 0); err != nil {
		t.Fatal(err)
	}
	c := newScoredContact(t, f, "recycle@example.jp", "Marketing Manager", 500, nil)
	addScoringEvent(t, f, c.ID, f.clock.Now(), "form", "contact", "")
	addScoringEvent(t, f, c.ID, f.clock.Now(), "pageview", "", "/pricing")
	addScoringEvent(t, f, c.ID, f.clock.Now(), "pageview", "", "/pricing")
	if err := f.app.rescoreContacts(ctx, []int64{c.ID}); err != nil {
		t.Fatal(err)
	}
	if got, _ := f.app.Contact(ctx, f.owner, c.ID); got.Lifecycle != crm.StageMQL {
		t.Fatalf("stage %s, want mql", got.Lifecycle)
	}
	// Sales rejects: back to lead, recycled. The scores still qualify.
	f.clock.Add(time.Hour)
	setLead(t, f, c.ID, crm.StageLead, crm.LeadRecycled)
	f.clock.Add(time.Hour)
	for range 3 {
		if err := f.app.rescoreContacts(ctx, []int64{c.ID}); err != nil {
			t.Fatal(err)
		}
		if got, _ := f.app.Contact(ctx, f.owner, c.ID); got.Lifecycle != crm.StageLead {
			t.Fatalf("recycled lead re-MQLed without new engagement: %s", got.Lifecycle)
		}
	}
	// An edit that changes nothing about engagement does not bring it back either.
	f.clock.Add(time.Hour)
	got, _ := f.app.Contact(ctx, f.owner, c.ID)
	got.Department = "営業部"
	if _, err := f.app.UpdateContact(ctx, f.owner, c.ID, got.Version, ContactInput{Contact: got}); err != nil {
		t.Fatal(err)
	}
	if got, _ := f.app.Contact(ctx, f.owner, c.ID); got.Lifecycle != crm.StageLead {
		t.Fatalf("an edit re-MQLed the recycled lead: %s", got.Lifecycle)
	}
	// New engagement after the recycle: MQL again.
	f.clock.Add(time.Hour)
	addScoringEvent(t, f, c.ID, f.clock.Now(), "pageview", "", "/pricing/enterprise")
	if err := f.app.rescoreContacts(ctx, []int64{c.ID}); err != nil {
		t.Fatal(err)
	}
	if got, _ := f.app.Contact(ctx, f.owner, c.ID); got.Lifecycle != crm.StageMQL {
		t.Fatalf("recycled lead with new engagement: %s, want mql", got.Lifecycle)
	}
	// Disqualified never comes back on its own.
	setLead(t, f, c.ID, crm.StageDisqualified, crm.LeadRejected)
	f.clock.Add(time.Hour)
	addScoringEvent(t, f, c.ID, f.clock.Now(), "form", "demo", "")
	if err := f.app.rescoreContacts(ctx, []int64{c.ID}); err != nil {
		t.Fatal(err)
	}
	if got, _ := f.app.Contact(ctx, f.owner, c.ID); got.Lifecycle != crm.StageDisqualified {
		t.Fatalf("disqualified contact moved to %s", got.Lifecycle)
	}
}

func TestSubscriberBecomesLeadOnForm(t *testing.T) {
	f := newFixture(t, crm.LangEN)
	c, err := f.app.CreateContact(ctx, f.owner, ContactInput{Contact: crm.Contact{Email: "sub@example.com", Lifecycle: crm.StageSubscriber}})
	if err != nil {
		t.Fatal(err)
	}
	addScoringEvent(t, f, c.ID, f.clock.Now(), "form", "newsletter", "")
	if err := f.app.rescoreContacts(ctx, []int64{c.ID}); err != nil {
		t.Fatal(err)
	}
	got, _ := f.app.Contact(ctx, f.owner, c.ID)
	if got.Lifecycle != crm.StageLead {
		t.Fatalf("subscriber with a form: %s, want lead", got.Lifecycle)
	}
	tl, _ := f.app.Store.Timeline(ctx, store.TimelineFilter{ContactID: c.ID})
	if tl[0].Kind != KindStage || tl[0].Data["reason"] != "form submitted" {
		t.Errorf("timeline %+v", tl[0])
	}
}

func TestRescoreAllJob(t *testing.T) {
	f := newFixture(t, crm.LangJA)
	var ids []int64
	for i := range 450 {
		c, err := f.app.CreateContact(ctx, f.owner, ContactInput{Contact: crm.Contact{Email: "p" + string(rune('a'+i%26)) + time.Duration(i).String() + "@example.jp"}})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, c.ID)
		if i%3 == 0 {
			addScoringEvent(t, f, c.ID, f.clock.Now(), "pageview", "", "/pricing")
		}
	}
	// The rule comes after the events: only the job applies it to them.
	addRule(t, f, crm.ScoringRule{Kind: crm.RuleEngagement, Name: "pricing", Points: 10, Condition: crm.Condition{Field: "pageview", Op: crm.OpPrefix, Values: []string{"/pricing"}}})
	viewer := f.addUser(t, "viewer@example.jp", crm.RoleViewer)
	if _, err := f.app.StartRescoreAll(ctx, viewer); !errors.Is(err, crm.ErrForbidden) {
		t.Fatalf("viewer started a rescore: %v", err)
	}
	id, err := f.app.StartRescoreAll(ctx, f.owner)
	if err != nil {
		t.Fatal(err)
	}
	if again, _ := f.app.StartRescoreAll(ctx, f.owner); again != id {
		t.Errorf("a second start queued job %d beside the waiting %d", again, id)
	}
	js, err := f.app.Store.ClaimJobs(ctx, "test", []string{JobRescoreAll}, 1, f.clock.Now(), time.Minute)
	if err != nil || len(js) != 1 {
		t.Fatalf("claim: %v %v", js, err)
	}
	var seen [][2]int
	err = f.app.handleRescoreAll(ctx, js[0], func(done, total int) error {
		seen = append(seen, [2]int{done, total})
		return f.app.Store.ExtendJob(ctx, js[0].ID, "test", f.clock.Now().Add(time.Hour), done, total)
	})
	if err != nil {
		t.Fatal(err)
	}
	want := [][2]int{{0, 450}, {200, 450}, {400, 450}, {450, 450}}
	if len(seen) != len(want) {
		t.Fatalf("progress %v, want %v", seen, want)
	}
	for i := range want {
		if seen[i] != want[i] {
			t.Errorf("progress %v, want %v", seen, want)
			break
		}
	}
	j, _ := f.app.JobStatus(ctx, f.owner, id)
	if j.Progress != 450 || j.Total != 450 {
		t.Errorf("job progress %d/%d", j.Progress, j.Total)
	}
	scores, err := f.app.ScoresOf(ctx, ids)
	if err != nil {
		t.Fatal(err)
	}
	for i, cid := range ids {
		want := 0
		if i%3 == 0 {
			want = 10
		}
		if scores[cid][1] != want {
			t.Fatalf("contact %d: engagement %d, want %d", i, scores[cid][1], want)
		}
	}
}

func TestScoringRuleValidationAndRoles(t *testing.T) {
	f := newFixture(t, crm.LangJA)
	_, err := f.app.CreateScoringRule(ctx, f.owner, crm.ScoringRule{Kind: crm.RuleEngagement, Name: "", Points: 0,
		Condition: crm.Condition{Field: "nothing", Op: "prefix"}})
	ve, ok := crm.AsValidation(err)
	if !ok {
		t.Fatalf("got %v, want a validation error", err)
	}
	for _, k := range []string{"name", "field", "points", "values"} {
		if ve.Fields[k] == "" {
			t.Errorf("no message for %s: %v", k, ve.Fields)
		}
	}
	if rules, _ := f.app.ScoringRules(ctx, f.owner); len(rules) != 0 {
		t.Errorf("a refused rule was stored: %+v", rules)
	}
	ok1 := crm.ScoringRule{Kind: crm.RuleFit, Name: "部長", Points: 10, Condition: crm.Condition{Field: "job_title", Op: crm.OpContains, Values: []string{"部長"}}}
	mkt := f.addUser(t, "mkt@example.jp", crm.RoleMarketing)
	if _, err := f.app.CreateScoringRule(ctx, mkt, ok1); err != nil {
		t.Errorf("marketing may edit rules: %v", err)
	}
	sales := f.addUser(t, "sales@example.jp", crm.RoleSales)
	if _, err := f.app.CreateScoringRule(ctx, sales, ok1); !errors.Is(err, crm.ErrForbidden) {
		t.Errorf("sales created a rule: %v", err)
	}
	if _, err := f.app.PutScoringSettings(ctx, f.owner, crm.ScoringSettings{HalfLifeDays: -1}, 0); err == nil {
		t.Error("a negative half-life was accepted")
	}
}
