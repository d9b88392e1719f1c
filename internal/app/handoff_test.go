package app

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"renkei/internal/crm"
	"renkei/internal/store"
)

var tokyo = func() *time.Location {
	loc, err := time.LoadLocation("Asia/Tokyo")
	if err != nil {
		panic(err)
	}
	return loc
}()

// newMQL creates a contact and makes it an MQL by hand (the path a user
// takes; scoring calls the same hook).
func newMQL(t *testing.T, f *fixture, email string, companyID int64) crm.Contact {
	t.Helper()
	c, err := f.app.CreateContact(ctx, f.owner, ContactInput{Contact: crm.Contact{Email: email, CompanyID: companyID,
		OriginalSource: crm.SourceWebForm}})
	if err != nil {
		t.Fatalf("create %s: %v", email, err)
	}
	c.Lifecycle = crm.StageMQL
	c, err = f.app.UpdateContact(ctx, f.owner, c.ID, c.Version, ContactInput{Contact: c})
	if err != nil {
		t.Fatalf("make %s an MQL: %v", email, err)
	}
	return c
}

func handoffOf(t *testing.T, f *fixture, contactID int64) crm.Handoff {
	t.Helper()
	h, err := f.app.Store.LatestHandoff(ctx, contactID)
	if err != nil {
		t.Fatalf("hand-off of %d: %v", contactID, err)
	}
	return h
}

// salesTeam creates a team of n sales users (the first is its manager when
// manager is true) and returns the members, reloaded with their teams.
func salesTeam(t *testing.T, f *fixture, name string, n int, manager bool) (crm.Team, []Actor) {
	t.Helper()
	team, err := f.app.CreateTeam(ctx, f.owner, name)
	if err != nil {
		t.Fatal(err)
	}
	var out []Actor
	for i := range n {
		ac := f.addUser(t, fmt.Sprintf("%s-%d@example.jp", strings.ToLower(name), i), crm.RoleSales)
		if err := f.app.SetTeamMember(ctx, f.owner, team.ID, ac.User.ID, manager && i == 0); err != nil {
			t.Fatal(err)
		}
		if ac.User, err = f.app.Store.User(ctx, ac.User.ID); err != nil {
			t.Fatal(err)
		}
		out = append(out, ac)
	}
	return team, out
}

func TestOnePersonWorkspaceAssignsToThatPerson(t *testing.T) {
	f := newFixture(t, crm.LangJA)
	// 2026-04-01 09:30 JST, a Wednesday: 4 business hours later is 13:30.
	c := newMQL(t, f, "solo@example.jp", 0)
	if c.OwnerID != f.owner.User.ID || c.LeadStatus != crm.LeadNew || c.Lifecycle != crm.StageMQL {
		t.Fatalf("contact after MQL: owner %d status %q stage %q, want owner %d, new, mql", c.OwnerID, c.LeadStatus, c.Lifecycle, f.owner.User.ID)
	}
	h := handoffOf(t, f, c.ID)
	if want := time.Date(2026, 4, 1, 13, 30, 0, 0, tokyo); !h.DueAt.Equal(want) {
		t.Errorf("due %v, want %v", h.DueAt.In(tokyo), want)
	}
	if h.AssignedWhy != "only_user" || h.SourceGroup != crm.GroupMarketing || h.Status != crm.HandoffNew {
		t.Errorf("hand-off %+v", h)
	}
	if n := count(t, f.app.Store, "SELECT COUNT(*) FROM notifications WHERE user_id = $1 AND kind = $2", f.owner.User.ID, NotifyLeadAssigned); n != 1 {
		t.Errorf("%d notifications, want 1", n)
	}
	if n := count(t, f.app.Store, "SELECT COUNT(*) FROM timeline WHERE contact_id = $1 AND kind = $2", c.ID, KindAssigned); n != 1 {
		t.Errorf("%d timeline entries, want 1", n)
	}
	if n := count(t, f.app.Store, "SELECT COUNT(*) FROM jobs WHERE kind = $1 AND run_at = $2", JobHandoffEscalate, h.DueAt.UnixMilli()); n != 1 {
		t.Errorf("%d escalation jobs at the due time, want 1", n)
	}
	// No mail server: no mail job.
	if n := mailJobs(t, f); n != 0 {
		t.Errorf("%d mail jobs without mail settings", n)
	}
	// Setting MQL again while the hand-off is open changes nothing.
	err := f.app.Store.InTx(ctx, func(tx *store.Tx) error { return f.app.leadBecameMQL(ctx, tx, c.ID, "again") })
	if err != nil {
		t.Fatal(err)
	}
	if n := count(t, f.app.Store, "SELECT COUNT(*) FROM handoffs WHERE contact_id = $1", c.ID); n != 1 {
		t.Errorf("%d hand-offs after a second MQL, want 1", n)
	}
}

func TestSLADueTimeOnTheBusinessCalendar(t *testing.T) {
	for _, tc := range []struct {
		name     string
		start    time.Time
		want     time.Time
		slaHours int
	}{
		{"same day", time.Date(2026, 4, 1, 10, 0, 0, 0, tokyo), time.Date(2026, 4, 1, 14, 0, 0, 0, tokyo), 4},
		{"across a weekend", time.Date(2026, 4, 10, 17, 0, 0, 0, tokyo), time.Date(2026, 4, 13, 12, 0, 0, 0, tokyo), 4},
		// Fri 1 May 16:00 → 2 h on Friday, then Golden Week: 3 (Sun,
		// 憲法記念日), 4, 5 and the substitute holiday on Wed 6 May.
		{"across Golden Week", time.Date(2026, 5, 1, 16, 0, 0, 0, tokyo), time.Date(2026, 5, 7, 11, 0, 0, 0, tokyo), 4},
		{"on a holiday", time.Date(2026, 4, 29, 10, 0, 0, 0, tokyo), time.Date(2026, 4, 30, 17, 0, 0, 0, tokyo), 8},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, crm.LangJA)
			if tc.slaHours != crm.DefaultSLAHours {
				if _, _, err := f.app.UpdateHandoffSettings(ctx, f.owner, crm.HandoffSettings{SLAHours: tc.slaHours}, 0); err != nil {
					t.Fatal(err)
				}
			}
			f.clock.Add(tc.start.Sub(f.clock.Now()))
			h := handoffOf(t, f, newMQL(t, f, "sla@example.jp", 0).ID)
			if !h.DueAt.Equal(tc.want) {
				t.Errorf("due %v, want %v", h.DueAt.In(tokyo), tc.want)
			}
		})
	}
}

func TestRoundRobinIsFairAndPersisted(t *testing.T) {
	f := newFixture(t, crm.LangJA)
	team, members := salesTeam(t, f, "East", 3, false)
	// Not in turn: a marketing user and a deactivated salesperson.
	mkt := f.addUser(t, "mkt@example.jp", crm.RoleMarketing)
	gone := f.addUser(t, "gone@example.jp", crm.RoleSales)
	for _, id := range []int64{mkt.User.ID, gone.User.ID} {
		if err := f.app.SetTeamMember(ctx, f.owner, team.ID, id, false); err != nil {
			t.Fatal(err)
		}
	}
	gone.User.Status = crm.UserDeactivated
	if err := f.app.Store.InTx(ctx, func(tx *store.Tx) error { return tx.UpdateUser(ctx, &gone.User, f.clock.Now()) }); err != nil {
		t.Fatal(err)
	}
	if _, err := f.app.CreateAssignmentRule(ctx, f.owner, crm.AssignmentRule{Kind: crm.RuleRoundRobin, TeamID: team.ID, Active: true}); err != nil {
		t.Fatal(err)
	}
	got := map[int64]int{}
	var order []int64
	for i := range 6 {
		c := newMQL(t, f, fmt.Sprintf("rr%d@example.jp", i), 0)
		got[c.OwnerID]++
		order = append(order, c.OwnerID)
		if h := handoffOf(t, f, c.ID); h.TeamID != team.ID || h.AssignedWhy != "round_robin" {
			t.Errorf("hand-off %d: team %d why %q", i, h.TeamID, h.AssignedWhy)
		}
	}
	for _, m := range members {
		if got[m.User.ID] != 2 {
			t.Errorf("%s got %d leads, want 2 (order %v)", m.User.Email, got[m.User.ID], order)
		}
	}
	if got[mkt.User.ID]+got[gone.User.ID] != 0 {
		t.Errorf("ineligible users got leads: %v", got)
	}
	for i := 3; i < 6; i++ {
		if order[i] != order[i-3] {
			t.Errorf("turns are not in a fixed cycle: %v", order)
		}
	}
	// A restart (a new App on the same database) continues the turns.
	a2 := New(Config{Store: f.app.Store, Clock: f.clock.Now, ServerTZ: "UTC"})
	f2 := &fixture{app: a2, clock: f.clock, owner: f.owner}
	if c := newMQL(t, f2, "after-restart@example.jp", 0); c.OwnerID != order[0] {
		t.Errorf("after a restart the lead went to %d, want %d (order %v)", c.OwnerID, order[0], order)
	}
}

func TestTerritoryAndCompanyOwnerRules(t *testing.T) {
	f := newFixture(t, crm.LangJA)
	osaka := f.addUser(t, "osaka@example.jp", crm.RoleSales)
	owner := f.addUser(t, "account@example.jp", crm.RoleSales)
	kanto, members := salesTeam(t, f, "Kanto", 2, false)
	for _, r := range []crm.AssignmentRule{
		{Kind: crm.RuleCompanyOwner, Active: true},
		{Kind: crm.RuleTerritory, Prefectures: []string{"大阪府", "京都府"}, UserID: osaka.User.ID, Active: true},
		{Kind: crm.RuleTerritory, Prefectures: []string{"東京都"}, Countries: []string{"jp"}, TeamID: kanto.ID, Active: true},
	} {
		if _, err := f.app.CreateAssignmentRule(ctx, f.owner, r); err != nil {
			t.Fatal(err)
		}
	}
	company := func(name, pref, country string, ownerID int64) int64 {
		co, err := f.app.CreateCompany(ctx, f.owner, CompanyInput{Company: crm.Company{Name: name, Prefecture: pref, Country: country, OwnerID: ownerID}}, true)
		if err != nil {
			t.Fatal(err)
		}
		return co.ID
	}
	cases := []struct {
		email   string
		company int64
		want    []int64
		why     string
	}{
		{"a@osaka.jp", company("大阪商事", "大阪府", "", 0), []int64{osaka.User.ID}, "territory"},
		{"b@tokyo.jp", company("東京物産", "東京都", "", 0), []int64{members[0].User.ID, members[1].User.ID}, "territory"},
		{"c@japan.jp", company("日本工業", "", "JP", 0), []int64{members[0].User.ID, members[1].User.ID}, "territory"},
		{"d@owned.jp", company("大阪顧客", "大阪府", "", owner.User.ID), []int64{owner.User.ID}, "company_owner"},
		{"e@nowhere.jp", 0, []int64{f.owner.User.ID, osaka.User.ID, owner.User.ID, members[0].User.ID, members[1].User.ID}, "everyone"},
	}
	for _, tc := range cases {
		c := newMQL(t, f, tc.email, tc.company)
		h := handoffOf(t, f, c.ID)
		ok := false
		for _, id := range tc.want {
			ok = ok || c.OwnerID == id
		}
		if !ok || h.AssignedWhy != tc.why {
			t.Errorf("%s: owner %d (%s), want one of %v (%s)", tc.email, c.OwnerID, h.AssignedWhy, tc.want, tc.why)
		}
	}
	// A rule naming a user who may not own leads is refused.
	mkt := f.addUser(t, "mkt@example.jp", crm.RoleMarketing)
	_, err := f.app.CreateAssignmentRule(ctx, f.owner, crm.AssignmentRule{Kind: crm.RulePerson, UserID: mkt.User.ID, Active: true})
	if ve, ok := crm.AsValidation(err); !ok || ve.Fields["user_id"] == "" {
		t.Errorf("rule for a marketing user: %v, want a user_id error", err)
	}
	if _, err := f.app.CreateAssignmentRule(ctx, osaka, crm.AssignmentRule{Kind: crm.RulePerson, UserID: osaka.User.ID}); !errors.Is(err, crm.ErrForbidden) {
		t.Errorf("a salesperson creating a rule: %v, want forbidden", err)
	}
}

func TestEscalationHappensOnce(t *testing.T) {
	f := newFixture(t, crm.LangJA)
	team, members := salesTeam(t, f, "West", 2, true)
	manager, rep := members[0], members[1]
	if _, err := f.app.CreateAssignmentRule(ctx, f.owner, crm.AssignmentRule{Kind: crm.RulePerson, UserID: rep.User.ID, Active: true}); err != nil {
		t.Fatal(err)
	}
	// Friday 17:00 JST: due Monday 12:00.
	f.clock.Add(time.Date(2026, 4, 10, 17, 0, 0, 0, tokyo).Sub(f.clock.Now()))
	c := newMQL(t, f, "late@example.jp", 0)
	h := handoffOf(t, f, c.ID)
	if h.TeamID != team.ID {
		t.Fatalf("hand-off team %d, want %d", h.TeamID, team.ID)
	}
	// Saturday, Sunday and Monday morning: not overdue yet.
	f.clock.Add(66 * time.Hour) // Mon 11:00
	if n, err := f.app.EscalateOverdue(ctx); err != nil || n != 0 {
		t.Fatalf("before the due time: %d escalated, %v", n, err)
	}
	f.clock.Add(90 * time.Minute) // Mon 12:30
	for i, want := range []int{1, 0} {
		if n, err := f.app.EscalateOverdue(ctx); err != nil || n != want {
			t.Fatalf("run %d: %d escalated, %v; want %d", i, n, err, want)
		}
	}
	if n := count(t, f.app.Store, "SELECT COUNT(*) FROM notifications WHERE user_id = $1 AND kind = $2", manager.User.ID, NotifyLeadEscalated); n != 1 {
		t.Errorf("manager has %d escalations, want 1", n)
	}
	if n := count(t, f.app.Store, "SELECT COUNT(*) FROM notifications WHERE kind = $1", NotifyLeadEscalated); n != 1 {
		t.Errorf("%d escalation notifications in all, want 1", n)
	}
	if h := handoffOf(t, f, c.ID); h.EscalatedAt.IsZero() || h.EscalatedTo != manager.User.ID {
		t.Errorf("hand-off after escalation: %+v", h)
	}
	leads, err := f.app.Leads(ctx, manager, LeadQuery{Tab: "overdue", Scope: "team"})
	if err != nil || len(leads) != 1 || !leads[0].Overdue || leads[0].Left >= 0 || !leads[0].MayDecide {
		t.Errorf("manager's overdue tab: %+v, %v", leads, err)
	}
	if leads, _ := f.app.Leads(ctx, manager, LeadQuery{Tab: "overdue"}); len(leads) != 0 {
		t.Errorf("manager's own overdue leads: %d, want 0", len(leads))
	}
}

// handoffTables are what accept and reject write.
var handoffTables = []string{"handoffs", "contacts", "timeline", "notifications", "jobs"}

func TestAcceptAndRejectPermissions(t *testing.T) {
	f := newFixture(t, crm.LangJA)
	team, members := salesTeam(t, f, "North", 2, true)
	manager, rep := members[0], members[1]
	other := f.addUser(t, "other@example.jp", crm.RoleSales)
	viewer := f.addUser(t, "viewer@example.jp", crm.RoleViewer)
	if _, err := f.app.CreateAssignmentRule(ctx, f.owner, crm.AssignmentRule{Kind: crm.RuleRoundRobin, TeamID: team.ID, Active: true}); err != nil {
		t.Fatal(err)
	}
	// The manager is in the team too: make sure the lead goes to rep.
	var c crm.Contact
	for i := 0; c.OwnerID != rep.User.ID; i++ {
		c = newMQL(t, f, fmt.Sprintf("lead%d@example.jp", i), 0)
	}
	before := snapshotOf(t, f.app.Store, handoffTables)
	for _, ac := range []Actor{other, viewer} {
		if _, err := f.app.AcceptLead(ctx, ac, c.ID, false); !errors.Is(err, crm.ErrForbidden) {
			t.Errorf("accept by %s: %v, want forbidden", ac.User.Email, err)
		}
		if _, err := f.app.RejectLead(ctx, ac, c.ID, RejectInput{Reason: "no_budget"}); !errors.Is(err, crm.ErrForbidden) {
			t.Errorf("reject by %s: %v, want forbidden", ac.User.Email, err)
		}
	}
	if _, err := f.app.RejectLead(ctx, rep, c.ID, RejectInput{Reason: "other"}); err == nil {
		t.Error("reject for another reason without a note was accepted")
	}
	if _, err := f.app.RejectLead(ctx, rep, c.ID, RejectInput{Reason: "because"}); err == nil {
		t.Error("an unknown reason was accepted")
	}
	if d := diffSnapshotsOf(before, snapshotOf(t, f.app.Store, handoffTables), handoffTables); d != "" {
		t.Errorf("refused calls changed the database:\n%s", d)
	}
	f.clock.Add(30 * time.Minute)
	d, err := f.app.AcceptLead(ctx, rep, c.ID, true)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := f.app.Store.Contact(ctx, c.ID)
	if got.Lifecycle != crm.StageSQL || got.LeadStatus != crm.LeadAccepted || d.Handoff.FirstTouchAt.IsZero() {
		t.Errorf("after accept: stage %q status %q first touch %v", got.Lifecycle, got.LeadStatus, d.Handoff.FirstTouchAt)
	}
	if _, err := f.app.AcceptLead(ctx, rep, c.ID, false); err == nil || errors.Is(err, crm.ErrForbidden) {
		t.Errorf("second accept: %v, want a validation error", err)
	}

	// The manager may decide the team's leads: recycle one, disqualify one.
	var c2, c3 crm.Contact
	for i := 0; c2.ID == 0 || c3.ID == 0; i++ {
		x := newMQL(t, f, fmt.Sprintf("more%d@example.jp", i), 0)
		if x.OwnerID == rep.User.ID {
			if c2.ID == 0 {
				c2 = x
			} else {
				c3 = x
			}
		}
	}
	if _, err := f.app.RejectLead(ctx, manager, c2.ID, RejectInput{Reason: "bad_timing", Note: "<script>alert(1)</script> 来期に再検討"}); err != nil {
		t.Fatal(err)
	}
	got, _ = f.app.Store.Contact(ctx, c2.ID)
	h2 := handoffOf(t, f, c2.ID)
	if got.Lifecycle != crm.StageLead || got.LeadStatus != crm.LeadRecycled || h2.RecycledAt.IsZero() || h2.Outcome != crm.OutcomeRecycled {
		t.Errorf("after recycling: stage %q status %q hand-off %+v", got.Lifecycle, got.LeadStatus, h2)
	}
	if at, _ := f.app.RecycledAt(ctx, c2.ID); !at.Equal(h2.RecycledAt) {
		t.Errorf("RecycledAt %v, want %v", at, h2.RecycledAt)
	}
	if _, err := f.app.RejectLead(ctx, rep, c3.ID, RejectInput{Reason: "spam"}); err != nil {
		t.Fatal(err)
	}
	got, _ = f.app.Store.Contact(ctx, c3.ID)
	if got.Lifecycle != crm.StageDisqualified || got.LeadStatus != crm.LeadRejected {
		t.Errorf("after spam: stage %q status %q", got.Lifecycle, got.LeadStatus)
	}
	// A recycled lead that becomes an MQL again gets a new hand-off.
	got, _ = f.app.Store.Contact(ctx, c2.ID)
	got.Lifecycle = crm.StageMQL
	if _, err := f.app.UpdateContact(ctx, f.owner, got.ID, got.Version, ContactInput{Contact: got}); err != nil {
		t.Fatal(err)
	}
	if n := count(t, f.app.Store, "SELECT COUNT(*) FROM handoffs WHERE contact_id = $1", c2.ID); n != 2 {
		t.Errorf("%d hand-offs after a second MQL, want 2", n)
	}

	// The reasons are reportable.
	from := time.Date(2026, 3, 1, 0, 0, 0, 0, tokyo)
	r, err := f.app.LeadsReport(ctx, viewer, from, from.AddDate(0, 2, 0))
	if err != nil {
		t.Fatal(err)
	}
	if r.Reasons["bad_timing"] != 1 || r.Reasons["spam"] != 1 || r.Acceptance.Num != 1 || r.Acceptance.Den != 3 {
		t.Errorf("report: reasons %v acceptance %+v", r.Reasons, r.Acceptance)
	}
	if r.FirstTouchN != 3 || r.FirstTouch != 0 && r.FirstTouch > 30*time.Minute {
		t.Errorf("first touch: median %v over %d", r.FirstTouch, r.FirstTouchN)
	}
}

func TestLeadsReportNumbers(t *testing.T) {
	f := newFixture(t, crm.LangJA)
	// Hand-computed: 4 MQLs (3 marketing, 1 outbound); accepted 2 of 3
	// decided; first touch after 1 h, 2 h and 5 h (business) → median 2 h.
	start := time.Date(2026, 4, 6, 9, 0, 0, 0, tokyo) // Monday
	f.clock.Add(start.Sub(f.clock.Now()))
	var ids []int64
	for i, src := range []crm.Source{crm.SourceWebForm, crm.SourceWebForm, crm.SourceEvent, crm.SourceManual} {
		c, err := f.app.CreateContact(ctx, f.owner, ContactInput{Contact: crm.Contact{Email: fmt.Sprintf("r%d@example.jp", i), OriginalSource: src, Lifecycle: crm.StageMQL}})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, c.ID)
	}
	f.clock.Add(time.Hour)
	if _, err := f.app.AcceptLead(ctx, f.owner, ids[0], false); err != nil {
		t.Fatal(err)
	}
	f.clock.Add(time.Hour)
	if _, err := f.app.RejectLead(ctx, f.owner, ids[1], RejectInput{Reason: "no_budget"}); err != nil {
		t.Fatal(err)
	}
	f.clock.Add(3 * time.Hour)
	if _, err := f.app.AcceptLead(ctx, f.owner, ids[3], false); err != nil {
		t.Fatal(err)
	}
	r, err := f.app.LeadsReport(ctx, f.owner, start.AddDate(0, 0, -14), start.AddDate(0, 0, 14))
	if err != nil {
		t.Fatal(err)
	}
	if r.MQLs != 4 || r.Pending != 1 || r.Acceptance.Num != 2 || r.Acceptance.Den != 3 || r.FirstTouch != 2*time.Hour {
		t.Errorf("MQLs %d pending %d acceptance %+v first touch %v", r.MQLs, r.Pending, r.Acceptance, r.FirstTouch)
	}
	if m := r.AcceptanceByGroup[crm.GroupMarketing]; m.Num != 1 || m.Den != 2 {
		t.Errorf("marketing acceptance %+v", m)
	}
	if o := r.AcceptanceByGroup[crm.GroupOutbound]; o.Num != 1 || o.Den != 1 {
		t.Errorf("outbound acceptance %+v", o)
	}
	weeks := 0
	for _, w := range r.Weeks {
		if w.Marketing+w.Outbound > 0 {
			weeks++
			if !w.Week.Equal(time.Date(2026, 4, 6, 0, 0, 0, 0, tokyo)) || w.Marketing != 3 || w.Outbound != 1 {
				t.Errorf("week %+v", w)
			}
		}
	}
	if weeks != 1 || len(r.Weeks) != 5 { // weeks of 23 Mar … 20 Apr
		t.Errorf("%d weeks with MQLs of %d", weeks, len(r.Weeks))
	}
	// Wilson interval of 2/3 at 95%: 0.2077 … 0.9385.
	if a := r.Acceptance; a.Low < 0.207 || a.Low > 0.208 || a.High < 0.938 || a.High > 0.939 {
		t.Errorf("Wilson interval %.4f … %.4f", a.Low, a.High)
	}
	for _, row := range r.BySource {
		if row.Key == string(crm.SourceWebForm) && (row.Leads != 2 || row.MQLs != 2 || row.SQLs != 1 || row.Visitors != -1) {
			t.Errorf("web form row %+v", row)
		}
	}
}

func TestLeadNotificationByMail(t *testing.T) {
	f := newFixture(t, crm.LangEN)
	srv := startMail(t, f)
	rep := f.addUser(t, "rep@example.jp", crm.RoleSales)
	if _, err := f.app.CreateAssignmentRule(ctx, f.owner, crm.AssignmentRule{Kind: crm.RulePerson, UserID: rep.User.ID, Active: true}); err != nil {
		t.Fatal(err)
	}
	c, err := f.app.CreateContact(ctx, f.owner, ContactInput{Contact: crm.Contact{Email: "hot@example.com", PersonName: crm.PersonName{Family: "Tanaka", Given: "Yui"}, Lifecycle: crm.StageMQL}})
	if err != nil {
		t.Fatal(err)
	}
	msg := srv.WaitFor(t, rep.User.Email, 10*time.Second)
	if !strings.Contains(msg.Subject, "New lead") || !strings.Contains(msg.Text, testBaseURL+"/sales/leads?tab=new#lead-") {
		t.Errorf("mail %q: %q", msg.Subject, msg.Text)
	}
	ns, err := f.app.Notifications(ctx, rep, true, 0, 10)
	if err != nil || len(ns) != 1 || ns[0].ContactID != c.ID {
		t.Fatalf("notifications %+v, %v", ns, err)
	}
	if n, _ := f.app.UnreadNotifications(ctx, rep); n != 1 {
		t.Errorf("unread %d, want 1", n)
	}
	// Another user cannot mark it read.
	if err := f.app.MarkNotificationsRead(ctx, f.owner, ns[0].ID); !errors.Is(err, crm.ErrNotFound) {
		t.Errorf("mark another's notification: %v", err)
	}
	if err := f.app.MarkNotificationsRead(ctx, rep, ns[0].ID); err != nil {
		t.Fatal(err)
	}
	if n, _ := f.app.UnreadNotifications(ctx, rep); n != 0 {
		t.Errorf("unread %d after marking, want 0", n)
	}
}

func TestHandoffFollowsMergeAndErasure(t *testing.T) {
	f := newFixture(t, crm.LangJA)
	c := newMQL(t, f, "merge@example.jp", 0)
	keep, err := f.app.CreateContact(ctx, f.owner, ContactInput{Contact: crm.Contact{Email: "keep@example.jp"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.app.MergeContacts(ctx, f.owner, keep.ID, c.ID); err != nil {
		t.Fatal(err)
	}
	if n := count(t, f.app.Store, "SELECT COUNT(*) FROM handoffs WHERE contact_id = $1", keep.ID); n != 1 {
		t.Errorf("%d hand-offs moved, want 1", n)
	}
	if err := f.app.ErasePerson(ctx, f.owner, keep.ID); err != nil {
		t.Fatal(err)
	}
	for _, table := range []string{"handoffs", "notifications"} {
		if n := count(t, f.app.Store, "SELECT COUNT(*) FROM "+table); n != 0 {
			t.Errorf("%d rows left in %s after erasure", n, table)
		}
	}
}

// snapshotOf renders the rows of some tables as text.
func snapshotOf(t *testing.T, s *store.Store, tables []string) map[string][]string {
	t.Helper()
	saved := snapshotTables
	snapshotTables = tables
	defer func() { snapshotTables = saved }()
	return snapshot(t, s)
}

func diffSnapshotsOf(before, after map[string][]string, tables []string) string {
	saved := snapshotTables
	snapshotTables = tables
	defer func() { snapshotTables = saved }()
	return diffSnapshots(before, after)
}
