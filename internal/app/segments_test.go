package app

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"renkei/internal/crm"
	"renkei/internal/store"
)

// segmentFixture: a Japanese workspace (Asia/Tokyo, engagement half-life
// 30 days), the clock at 2026-04-01 00:30 UTC (t0), and five contacts:
//
//	A lead         owner mkt; company Alpha (IT, 東京都, 50 people); tag seminar; plan=pro
//	               fit 40, engagement 30 at t0; viewed /pricing 3 days ago
//	B mql          owner (admin); company Beta (製造, 大阪府, 500 people); tags seminar, vip
//	               fit 10, engagement 44 at t0−30 days (22 at t0); viewed /pricing/enterprise
//	               20 days ago and /blog 2 days ago
//	C customer     no owner, no company; never scored; primary contact of a won deal;
//	               submitted the form 5 days ago
//	D lead         owner sales1, team East; engagement 25 at t0; viewed /pricing 1 day ago
//	E subscriber   e-mail only; tag vip; on an open deal (deal_contacts, not primary)
type segmentFixture struct {
	*salesFixture
	mkt, sales1 Actor
	east        crm.Team
	form        int64
	ids         map[string]int64 // A..E
	names       map[int64]string
	t0          time.Time
}

func newSegmentFixture(t *testing.T) *segmentFixture {
	t.Helper()
	f := &segmentFixture{salesFixture: newSalesFixture(t), ids: map[string]int64{}, names: map[int64]string{}}
	a := f.app
	f.t0 = f.clock.Now()
	var err error
	if f.east, err = a.CreateTeam(ctx, f.owner, "East"); err != nil {
		t.Fatal(err)
	}
	f.mkt = f.addUser(t, "mkt@example.jp", crm.RoleMarketing)
	f.sales1 = f.addUser(t, "sales1@example.jp", crm.RoleSales)
	if err := a.SetTeamMember(ctx, f.owner, f.east.ID, f.sales1.User.ID, false); err != nil {
		t.Fatal(err)
	}
	f.sales1.User, _ = a.Store.User(ctx, f.sales1.User.ID)
	if _, err := a.CreateProperty(ctx, f.owner, crm.Property{Object: "contact", Key: "plan", LabelJA: "プラン",
		LabelEN: "Plan", Type: crm.PropText}); err != nil {
		t.Fatal(err)
	}
	company := func(name, industry, pref string, n int) int64 {
		co, err := a.CreateCompany(ctx, f.owner, CompanyInput{Company: crm.Company{Name: name, Industry: industry,
			Prefecture: pref, Employees: n}}, false)
		if err != nil {
			t.Fatal(err)
		}
		return co.ID
	}
	alpha, beta := company("Alpha株式会社", "IT", "東京都", 50), company("Beta工業", "製造", "大阪府", 500)
	add := func(key string, in ContactInput) {
		c, err := a.CreateContact(ctx, f.owner, in)
		if err != nil {
			t.Fatalf("contact %s: %v", key, err)
		}
		f.ids[key], f.names[c.ID] = c.ID, key
	}
	add("A", ContactInput{Contact: crm.Contact{Email: "a@example.jp", Lifecycle: crm.StageLead, OwnerID: f.mkt.User.ID,
		CompanyID: alpha, Tags: []string{"seminar"}}, Props: map[string]any{"plan": "pro"}})
	add("B", ContactInput{Contact: crm.Contact{Email: "b@example.jp", Lifecycle: crm.StageMQL, OwnerID: f.owner.User.ID,
		CompanyID: beta, Tags: []string{"seminar", "vip"}}})
	add("C", ContactInput{Contact: crm.Contact{Email: "c@example.jp", Lifecycle: crm.StageCustomer}})
	add("D", ContactInput{Contact: crm.Contact{Email: "d@example.jp", Lifecycle: crm.StageLead, OwnerID: f.sales1.User.ID,
		TeamID: f.east.ID}})
	add("E", ContactInput{Contact: crm.Contact{Email: "e@example.jp", Lifecycle: crm.StageSubscriber, Tags: []string{"vip"}}})

	day := 24 * time.Hour
	err = a.Store.InTx(ctx, func(tx *store.Tx) error {
		for _, s := range []store.ContactScore{
			{ContactID: f.ids["A"], Fit: 40, Engagement: 30, EngagementAt: f.t0},
			{ContactID: f.ids["B"], Fit: 10, Engagement: 44, EngagementAt: f.t0.Add(-30 * day)},
			{ContactID: f.ids["D"], Fit: 0, Engagement: 25, EngagementAt: f.t0},
		} {
			s.UpdatedAt = f.t0
			if err := tx.PutScore(ctx, store.ScoreWrite{Score: s}); err != nil {
				return err
			}
		}
		view := func(key, path string, ago time.Duration) store.Event {
			return store.Event{ContactID: f.ids[key], VisitorID: "v" + key, At: f.t0.Add(-ago), Kind: store.EventPageview, Path: path}
		}
		return tx.InsertEvents(ctx, []store.Event{
			view("A", "/pricing", 3*day), view("B", "/pricing/enterprise", 20*day), view("B", "/blog", 2*day),
			view("D", "/pricing", 1*day),
			// An anonymous view of /pricing and another site's kind of event.
			{VisitorID: "anon", At: f.t0.Add(-day), Kind: store.EventPageview, Path: "/pricing"},
			{ContactID: f.ids["E"], VisitorID: "vE", At: f.t0.Add(-day), Kind: store.EventCustom, Name: "demo", Path: "/pricing"},
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Store.DB().QueryRowContext(ctx, `INSERT INTO forms (name, form_key, created_at, updated_at)
		VALUES ('資料請求', 'key-seg-test', 1, 1) RETURNING id`).Scan(&f.form); err != nil {
		t.Fatal(err)
	}
	err = a.Store.InTx(ctx, func(tx *store.Tx) error {
		return tx.AddFormSubmission(ctx, &store.FormSubmission{FormID: f.form, ContactID: f.ids["C"], At: f.t0.Add(-5 * day)})
	})
	if err != nil {
		t.Fatal(err)
	}
	won := f.deal(t, crm.Deal{Name: "won", ContactID: f.ids["C"], Amount: 100})
	if _, err := a.MoveDeal(ctx, f.owner, won.ID, won.Version, MoveInput{StageID: f.stages["Won"].ID}); err != nil {
		t.Fatal(err)
	}
	f.deal(t, crm.Deal{Name: "open", Amount: 100, Contacts: []crm.DealContact{{ContactID: f.ids["E"], Role: "user"}}})
	return f
}

// match returns the keys of the contacts in a filter for an actor, sorted.
func (f *segmentFixture) match(t *testing.T, ac Actor, g crm.SegmentGroup) string {
	t.Helper()
	n, cs, err := f.app.SegmentPreview(ctx, ac, g, 50)
	if err != nil {
		t.Fatalf("SegmentPreview(%s): %v", g.JSON(), err)
	}
	var keys []string
	for _, c := range cs {
		keys = append(keys, f.names[c.ID])
	}
	slices.Sort(keys)
	if n != len(keys) {
		t.Errorf("%s: count %d but %d contacts listed", g.JSON(), n, len(keys))
	}
	return strings.Join(keys, "")
}

func cond(field string, op crm.SegmentOp, value string, more ...string) crm.SegmentCondition {
	return crm.SegmentCondition{Field: field, Op: op, Value: value, Values: more}
}

func all(cs ...crm.SegmentCondition) crm.SegmentGroup {
	return crm.SegmentGroup{Match: crm.MatchAll, Conditions: cs}
}

func anyOf(cs ...crm.SegmentCondition) crm.SegmentGroup {
	return crm.SegmentGroup{Match: crm.MatchAny, Conditions: cs}
}

func visited(path string, days int) crm.SegmentCondition {
	return crm.SegmentCondition{Field: "visited_path", Op: crm.SegOpPrefix, Value: path, Days: days}
}

// e3 is the benchmark's segment: lifecycle in (lead, mql) AND engagement
// ≥ 20 AND visited /pricing in the last 14 days.
func e3() crm.SegmentGroup {
	return all(cond("lifecycle_stage", crm.SegOpIn, "", "lead", "mql"), cond("engagement_score", crm.SegOpGte, "20"),
		visited("/pricing", 14))
}

func TestSegmentConditions(t *testing.T) {
	f := newSegmentFixture(t)
	form := fmt.Sprint(f.form)
	cases := []struct {
		name string
		g    crm.SegmentGroup
		want string
	}{
		// A: lead, 30, /pricing 3 d ago ✓. B: mql, 44·0.5^(30/30) = 22 ✓, but
		// /pricing/enterprise 20 d ago ✗. D: lead, 25, /pricing 1 d ago ✓.
		{"E3", e3(), "AD"},
		{"everyone", crm.SegmentGroup{}, "ABCDE"},
		// vip: B, E; Tokyo with fit ≥ 30: A (40).
		{"OR with a nested AND", crm.SegmentGroup{Match: crm.MatchAny, Conditions: []crm.SegmentCondition{cond("tag", crm.SegOpEq, "vip")},
			Groups: []crm.SegmentGroup{all(cond("company.prefecture", crm.SegOpEq, "東京都"), cond("fit_score", crm.SegOpGte, "30"))}}, "ABE"},
		// AND of two ORs: (lead or customer) and (seminar or won deal): A (lead, seminar), C (customer, won).
		{"AND of ORs", crm.SegmentGroup{Match: crm.MatchAll, Groups: []crm.SegmentGroup{
			anyOf(cond("lifecycle_stage", crm.SegOpEq, "lead"), cond("lifecycle_stage", crm.SegOpEq, "customer")),
			anyOf(cond("tag", crm.SegOpEq, "seminar"), cond("deal_status", crm.SegOpEq, "won"))}}, "AC"},
		{"engagement ≥ 20 (decayed)", all(cond("engagement_score", crm.SegOpGte, "20")), "ABD"},
		// Rounded as shown: 22 and 25 are in 21..25, 30 is not.
		{"engagement between", all(cond("engagement_score", crm.SegOpBetween, "", "21", "25")), "BD"},
		// Never scored counts as 0: C and E.
		{"engagement < 1", all(cond("engagement_score", crm.SegOpLt, "1")), "CE"},
		{"fit > 10", all(cond("fit_score", crm.SegOpGt, "10")), "A"},
		{"visited /pricing exactly, 2 days", all(crm.SegmentCondition{Field: "visited_path", Op: crm.SegOpEq, Value: "/pricing", Days: 2}), "D"},
		{"visited /pricing, 30 days", all(visited("/pricing", 30)), "ABD"},
		{"tag not seminar", all(cond("tag", crm.SegOpNeq, "seminar")), "CDE"},
		{"tag in", all(cond("tag", crm.SegOpIn, "", "vip", "none")), "BE"},
		{"deal open", all(cond("deal_status", crm.SegOpEq, "open")), "E"},
		{"no won deal", all(cond("deal_status", crm.SegOpNeq, "won")), "ABDE"},
		{"form in 7 days", all(crm.SegmentCondition{Field: "submitted_form", Op: crm.SegOpEq, Value: form, Days: 7}), "C"},
		{"form in 3 days", all(crm.SegmentCondition{Field: "submitted_form", Op: crm.SegOpEq, Value: form, Days: 3}), ""},
		{"any form ever", all(crm.SegmentCondition{Field: "submitted_form", Op: crm.SegOpIsSet}), "C"},
		{"plan = pro", all(cond("props.plan", crm.SegOpEq, "pro")), "A"},
		{"plan empty", all(cond("props.plan", crm.SegOpIsEmpty, "")), "BCDE"},
		{"plan prefix", all(cond("props.plan", crm.SegOpPrefix, "pr")), "A"},
		{"employees 100..1000", all(cond("company.employees", crm.SegOpBetween, "", "100", "1000")), "B"},
		// Contacts without a company are not IT either.
		{"industry not IT", all(cond("company.industry", crm.SegOpNeq, "IT")), "BCDE"},
		{"company name contains", all(cond("company.name", crm.SegOpContains, "alpha")), "A"},
		{"owner", all(cond("owner", crm.SegOpEq, fmt.Sprint(f.mkt.User.ID))), "A"},
		{"no owner", all(cond("owner", crm.SegOpIsEmpty, "")), "CE"},
		{"email prefix", all(cond("email", crm.SegOpPrefix, "d@")), "D"},
		{"created today", all(crm.SegmentCondition{Field: "created_at", Op: crm.SegOpWithinDays, Days: 1}), "ABCDE"},
		{"created before today", all(cond("created_at", crm.SegOpLt, "2026-04-01")), ""},
		// An MQL enters the sales inbox with lead status new.
		{"lead status empty", all(cond("lead_status", crm.SegOpIsEmpty, "")), "ACDE"},
		{"lead status new", all(cond("lead_status", crm.SegOpEq, "new")), "B"},
		// Values that look like SQL are values.
		{"SQL-ish value", all(cond("family_name", crm.SegOpEq, "'; DROP TABLE contacts; --")), ""},
		{"SQL-ish prefix", all(cond("email", crm.SegOpContains, "%' OR 1=1 --")), ""},
	}
	for _, c := range cases {
		if got := f.match(t, f.owner, c.g); got != c.want {
			t.Errorf("%s: got %q, want %q", c.name, got, c.want)
		}
	}
	if n := count(t, f.app.Store, "SELECT COUNT(*) FROM contacts"); n != 5 {
		t.Errorf("%d contacts after the SQL-ish values, want 5", n)
	}
}

// TestSegmentTime: a saved segment is evaluated when read, so moving the
// clock changes its contacts without any rebuild.
func TestSegmentTime(t *testing.T) {
	f := newSegmentFixture(t)
	a := f.app
	day := 24 * time.Hour
	eng, err := a.CreateSegment(ctx, f.mkt, crm.Segment{Name: "温度感が高い", Filter: all(cond("engagement_score", crm.SegOpGte, "20"))})
	if err != nil {
		t.Fatal(err)
	}
	pricing, err := a.CreateSegment(ctx, f.mkt, crm.Segment{Name: "料金ページ", Filter: all(visited("/pricing", 14))})
	if err != nil {
		t.Fatal(err)
	}
	counts := func() (int, int) {
		t.Helper()
		n1, err := a.SegmentCount(ctx, f.owner, eng.ID)
		if err != nil {
			t.Fatal(err)
		}
		n2, err := a.SegmentCount(ctx, f.owner, pricing.ID)
		if err != nil {
			t.Fatal(err)
		}
		return n1, n2
	}
	// t0: engagement A 30, B 22, D 25 → 3; /pricing in 14 days: A (3 d), D (1 d) → 2.
	if e, p := counts(); e != 3 || p != 2 {
		t.Errorf("at t0: %d, %d; want 3, 2", e, p)
	}
	// t0+12 d: A 30·0.5^(12/30) = 22.7, B 44·0.5^(42/30) = 16.7, D 25·0.5^(12/30) = 18.9 → A only;
	// /pricing: A 15 d ago ✗, D 13 d ago ✓ → 1.
	f.clock.Add(12 * day)
	if e, p := counts(); e != 1 || p != 1 {
		t.Errorf("at t0+12d: %d, %d; want 1, 1", e, p)
	}
	if ok, err := a.SegmentHas(ctx, pricing.ID, f.ids["D"]); err != nil || !ok {
		t.Errorf("SegmentHas(D) at t0+12d = %v, %v; want true", ok, err)
	}
	if ok, err := a.SegmentHas(ctx, pricing.ID, f.ids["A"]); err != nil || ok {
		t.Errorf("SegmentHas(A) at t0+12d = %v, %v; want false", ok, err)
	}
	// t0+30 d: A 15, D 12.5 → 0; no /pricing view in 14 days.
	f.clock.Add(18 * day)
	if e, p := counts(); e != 0 || p != 0 {
		t.Errorf("at t0+30d: %d, %d; want 0, 0", e, p)
	}
}

func TestSegmentVisibility(t *testing.T) {
	f := newSegmentFixture(t)
	a := f.app
	ws, v, err := a.Workspace(ctx)
	if err != nil {
		t.Fatal(err)
	}
	ws.RecordVisibility = map[string]crm.Visibility{"contacts": crm.VisibleTeam}
	if _, err := a.UpdateWorkspace(ctx, f.owner, ws, v); err != nil {
		t.Fatal(err)
	}
	seg, err := a.CreateSegment(ctx, f.mkt, crm.Segment{Name: "E3", Filter: e3()})
	if err != nil {
		t.Fatal(err)
	}
	// E3 is A and D: the admin sees both, mkt owns A, sales1 is in D's team.
	for _, c := range []struct {
		ac   Actor
		want string
	}{{f.owner, "AD"}, {f.mkt, "A"}, {f.sales1, "D"}} {
		if got := f.match(t, c.ac, e3()); got != c.want {
			t.Errorf("%s sees %q, want %q", c.ac.User.Email, got, c.want)
		}
		n, err := a.SegmentCount(ctx, c.ac, seg.ID)
		if err != nil || n != len(c.want) {
			t.Errorf("%s: SegmentCount = %d, %v; want %d", c.ac.User.Email, n, err, len(c.want))
		}
		ids, err := a.SegmentContactIDs(ctx, c.ac, seg.ID, 0, 10)
		if err != nil || len(ids) != len(c.want) {
			t.Errorf("%s: SegmentContactIDs = %v, %v", c.ac.User.Email, ids, err)
		}
	}
	// A rule check runs for the whole workspace.
	if ok, err := a.SegmentHas(ctx, seg.ID, f.ids["D"]); err != nil || !ok {
		t.Errorf("SegmentHas(D) = %v, %v", ok, err)
	}
	// mkt cannot put D (not visible) on a list.
	list, err := a.CreateSegment(ctx, f.mkt, crm.Segment{Name: "list", Kind: crm.SegmentStatic})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.AddToList(ctx, f.mkt, list.ID, []int64{f.ids["A"], f.ids["D"]}); err == nil {
		t.Error("mkt added a contact they cannot see")
	}
	if n := count(t, a.Store, "SELECT COUNT(*) FROM segment_members"); n != 0 {
		t.Errorf("%d members after a refused add, want 0", n)
	}
}

func TestSegmentPages(t *testing.T) {
	f := newSegmentFixture(t)
	a := f.app
	seg, err := a.CreateSegment(ctx, f.mkt, crm.Segment{Name: "all", Filter: crm.SegmentGroup{}})
	if err != nil {
		t.Fatal(err)
	}
	// Keyset pages of 2 ids walk all five, ascending, each once.
	var walked []int64
	var after int64
	for i := 0; i < 10; i++ {
		ids, err := a.SegmentContactIDs(ctx, f.owner, seg.ID, after, 2)
		if err != nil {
			t.Fatal(err)
		}
		if len(ids) == 0 {
			break
		}
		walked = append(walked, ids...)
		after = ids[len(ids)-1]
	}
	want := []int64{f.ids["A"], f.ids["B"], f.ids["C"], f.ids["D"], f.ids["E"]}
	if !slices.Equal(walked, want) {
		t.Errorf("walked %v, want %v", walked, want)
	}
	// Newest first, pages of 3: E D C, then B A.
	p1, next, err := a.SegmentContacts(ctx, f.owner, seg.ID, 0, 3)
	if err != nil || len(p1) != 3 || p1[0].ID != f.ids["E"] || next != f.ids["C"] {
		t.Fatalf("page 1 = %d contacts, next %d, %v", len(p1), next, err)
	}
	p2, next, err := a.SegmentContacts(ctx, f.owner, seg.ID, next, 3)
	if err != nil || len(p2) != 2 || p2[1].ID != f.ids["A"] || next != 0 {
		t.Errorf("page 2 = %d contacts, next %d, %v", len(p2), next, err)
	}
}

func TestStaticLists(t *testing.T) {
	f := newSegmentFixture(t)
	a := f.app
	list, err := a.CreateSegment(ctx, f.mkt, crm.Segment{Name: "展示会 2026", Kind: crm.SegmentStatic})
	if err != nil {
		t.Fatal(err)
	}
	members := func() string {
		t.Helper()
		cs, _, err := a.SegmentContacts(ctx, f.owner, list.ID, 0, 50)
		if err != nil {
			t.Fatal(err)
		}
		var keys []string
		for _, c := range cs {
			keys = append(keys, f.names[c.ID])
		}
		slices.Sort(keys)
		return strings.Join(keys, "")
	}
	if n, err := a.AddToList(ctx, f.mkt, list.ID, []int64{f.ids["A"], f.ids["C"], f.ids["A"]}); err != nil || n != 2 {
		t.Fatalf("AddToList = %d, %v; want 2", n, err)
	}
	if n, err := a.AddToList(ctx, f.mkt, list.ID, []int64{f.ids["C"], f.ids["E"]}); err != nil || n != 1 {
		t.Errorf("AddToList again = %d, %v; want 1 (E)", n, err)
	}
	if n, err := a.RemoveFromList(ctx, f.mkt, list.ID, []int64{f.ids["A"]}); err != nil || n != 1 {
		t.Errorf("RemoveFromList = %d, %v", n, err)
	}
	if got := members(); got != "CE" {
		t.Errorf("members %q, want CE", got)
	}
	// A missing contact: refused, nothing written.
	if _, err := a.AddToList(ctx, f.mkt, list.ID, []int64{f.ids["B"], 999999}); !isField(err, "contact_ids") {
		t.Errorf("adding a missing contact: %v", err)
	}
	if got := members(); got != "CE" {
		t.Errorf("members after a refused add %q, want CE", got)
	}
	// Sales may read but not change lists; dynamic segments take no members.
	if _, err := a.AddToList(ctx, f.sales, list.ID, []int64{f.ids["B"]}); !errors.Is(err, crm.ErrForbidden) {
		t.Errorf("sales adds to a list: %v", err)
	}
	dyn, err := a.CreateSegment(ctx, f.mkt, crm.Segment{Name: "dyn", Filter: e3()})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.AddToList(ctx, f.mkt, dyn.ID, []int64{f.ids["B"]}); !isField(err, "segment") {
		t.Errorf("adding to a dynamic segment: %v", err)
	}
	// A list condition: on the list and a customer → C.
	inList := all(cond("list", crm.SegOpEq, fmt.Sprint(list.ID)), cond("lifecycle_stage", crm.SegOpEq, "customer"))
	if got := f.match(t, f.owner, inList); got != "C" {
		t.Errorf("in list and customer: %q, want C", got)
	}
	if got := f.match(t, f.owner, all(cond("list", crm.SegOpNeq, fmt.Sprint(list.ID)))); got != "ABD" {
		t.Errorf("not in list: %q, want ABD", got)
	}
	if _, err := a.CreateSegment(ctx, f.mkt, crm.Segment{Name: "bad", Filter: all(cond("list", crm.SegOpEq, fmt.Sprint(dyn.ID)))}); !isField(err, "filter.conditions[0].value") {
		t.Errorf("a list condition naming a dynamic segment: %v", err)
	}
	user, err := a.CreateSegment(ctx, f.mkt, crm.Segment{Name: "uses the list", Filter: inList})
	if err != nil {
		t.Fatal(err)
	}
	if err := a.DeleteSegment(ctx, f.mkt, list.ID); !isField(err, "segment") {
		t.Errorf("deleting a list in use: %v", err)
	}
	if err := a.DeleteSegment(ctx, f.mkt, user.ID); err != nil {
		t.Fatal(err)
	}
	if err := a.DeleteSegment(ctx, f.mkt, list.ID); err != nil {
		t.Fatal(err)
	}
	if n := count(t, a.Store, "SELECT COUNT(*) FROM segment_members"); n != 0 {
		t.Errorf("%d members left after deleting the list", n)
	}

	// Save the current result of a filter as a list: vip or Tokyo → A B E.
	// Later changes to the data do not change the list.
	g := anyOf(cond("tag", crm.SegOpEq, "vip"), cond("company.prefecture", crm.SegOpEq, "東京都"))
	saved, n, err := a.SaveAsStaticList(ctx, f.mkt, "VIP 4月", "", g)
	if err != nil || n != 3 || saved.Kind != crm.SegmentStatic {
		t.Fatalf("SaveAsStaticList = %+v, %d, %v", saved, n, err)
	}
	list = saved
	f.clock.Add(time.Hour)
	if _, err := a.CreateContact(ctx, f.owner, ContactInput{Contact: crm.Contact{Email: "f@example.jp", Tags: []string{"vip"}}}); err != nil {
		t.Fatal(err)
	}
	if got := members(); got != "ABE" {
		t.Errorf("saved list %q, want ABE", got)
	}
	if got, _ := a.SegmentCount(ctx, f.owner, saved.ID); got != 3 {
		t.Errorf("saved list count %d, want 3", got)
	}
}

func isField(err error, field string) bool {
	v, ok := crm.AsValidation(err)
	return ok && v.Fields[field] != ""
}

// TestSegmentHostile: bad trees are refused with a message on the part at
// fault, and nothing is written.
func TestSegmentHostile(t *testing.T) {
	f := newSegmentFixture(t)
	a := f.app
	deep := crm.SegmentGroup{Conditions: []crm.SegmentCondition{cond("tag", crm.SegOpEq, "x")}}
	for i := 0; i < 10; i++ {
		deep = crm.SegmentGroup{Groups: []crm.SegmentGroup{deep}}
	}
	var wide crm.SegmentGroup
	for i := 0; i < crm.MaxSegmentConditions+1; i++ {
		wide.Conditions = append(wide.Conditions, cond("tag", crm.SegOpEq, fmt.Sprint(i)))
	}
	many := make([]string, crm.MaxSegmentValues+1)
	for i := range many {
		many[i] = "x"
	}
	cases := []struct {
		name  string
		g     crm.SegmentGroup
		field string
		msg   string
	}{
		{"unknown field", all(cond("password_hash", crm.SegOpEq, "x")), "filter.conditions[0].field", "is not a field"},
		{"SQL as a field", all(cond("1=1) OR (1", crm.SegOpEq, "x")), "filter.conditions[0].field", "is not a field"},
		{"unknown property", all(cond("props.nope", crm.SegOpEq, "x")), "filter.conditions[0].field", "is not a field"},
		{"wrong operator", all(cond("lifecycle_stage", crm.SegOpGt, "lead")), "filter.conditions[0].op", "cannot be used"},
		{"SQL as an operator", all(cond("email", "= 1 OR 1", "x")), "filter.conditions[0].op", "cannot be used"},
		{"bad enum", all(cond("lifecycle_stage", crm.SegOpEq, "boss")), "filter.conditions[0].value", "choose one of"},
		{"not a number", all(cond("engagement_score", crm.SegOpGte, "20 OR 1=1")), "filter.conditions[0].value", "not a number"},
		{"not a whole score", all(cond("fit_score", crm.SegOpGte, "2.5")), "filter.conditions[0].value", "whole numbers"},
		{"between reversed", all(cond("fit_score", crm.SegOpBetween, "", "30", "10")), "filter.conditions[0].values", "above"},
		{"visit without days", all(cond("visited_path", crm.SegOpPrefix, "/pricing")), "filter.conditions[0].days", "days"},
		{"visit not a path", all(crm.SegmentCondition{Field: "visited_path", Op: crm.SegOpPrefix, Value: "pricing", Days: 3}), "filter.conditions[0].value", "starts with /"},
		{"too many days", all(crm.SegmentCondition{Field: "visited_path", Op: crm.SegOpPrefix, Value: "/", Days: 99999}), "filter.conditions[0].days", "days"},
		{"bad date", all(cond("created_at", crm.SegOpLt, "2026-13-01")), "filter.conditions[0].value", "not a date"},
		{"empty text", all(cond("email", crm.SegOpEq, "")), "filter.conditions[0].value", "is empty"},
		{"bad match", crm.SegmentGroup{Match: "xor"}, "filter.match", "all (AND) or any"},
		{"empty sub-group", crm.SegmentGroup{Groups: []crm.SegmentGroup{{}}}, "filter.groups[0]", "add a condition"},
		{"nested error path", crm.SegmentGroup{Groups: []crm.SegmentGroup{all(cond("tag", crm.SegOpEq, "x"), cond("nope", crm.SegOpEq, "x"))}}, "filter.groups[0].conditions[1].field", "is not a field"},
		{"too deep", deep, "filter.groups[0].groups[0].groups[0].groups[0]", "nest at most"},
		{"too many conditions", wide, "filter", "at most 50 conditions"},
		{"too many values", all(cond("tag", crm.SegOpIn, "", many...)), "filter.conditions[0].values", "at most 200"},
		{"too long", all(cond("email", crm.SegOpEq, strings.Repeat("x", 501))), "filter.conditions[0].value", "at most 500"},
	}
	before := snapshotSegments(t, a.Store)
	for _, c := range cases {
		_, err := a.CreateSegment(ctx, f.mkt, crm.Segment{Name: c.name, Filter: c.g})
		v, ok := crm.AsValidation(err)
		if !ok || !strings.Contains(v.Fields[c.field], c.msg) {
			t.Errorf("%s: got %v, want %s: …%s…", c.name, err, c.field, c.msg)
		}
		if _, _, err := a.SegmentPreview(ctx, f.mkt, c.g, 10); err == nil {
			t.Errorf("%s: the preview accepted it", c.name)
		}
	}
	if _, err := a.CreateSegment(ctx, f.mkt, crm.Segment{Name: "  ", Filter: e3()}); !isField(err, "name") {
		t.Errorf("blank name: %v", err)
	}
	if _, err := a.CreateSegment(ctx, f.sales, crm.Segment{Name: "sales", Filter: e3()}); !errors.Is(err, crm.ErrForbidden) {
		t.Errorf("sales creates a segment: %v", err)
	}
	if after := snapshotSegments(t, a.Store); after != before {
		t.Errorf("refused input wrote something: %s → %s", before, after)
	}

	// JSON: unknown keys, wrong shapes and oversize documents.
	for _, doc := range []string{
		`{"match":"all","conditions":[{"field":"email","op":"eq","value":"x","sql":"1=1"}]}`,
		`{"match":"all","where":"1=1"}`,
		`{"match":"all","conditions":[{"field":"email","op":"eq","value":{"$gt":""}}]}`,
		`{"match":"all"} {"match":"any"}`,
		`[1,2,3]`,
		`{"match":"all","conditions":[{"field":"email","op":"eq","value":"` + strings.Repeat("x", crm.MaxSegmentJSON) + `"}]}`,
	} {
		if _, err := crm.ParseSegmentFilter([]byte(doc)); !isField(err, "filter") {
			t.Errorf("ParseSegmentFilter(%.60s…) = %v, want a filter error", doc, err)
		}
	}
	g, err := crm.ParseSegmentFilter([]byte(`{"match":"any","conditions":[{"field":"engagement_score","op":"gte","value":20},
		{"field":"consent","op":"in","values":["granted"]}]}`))
	if err != nil || g.Conditions[0].Value != "20" || g.Conditions[1].Values[0] != "granted" {
		t.Errorf("ParseSegmentFilter with a number = %+v, %v", g, err)
	}
}

func snapshotSegments(t *testing.T, s *store.Store) string {
	t.Helper()
	return fmt.Sprint(count(t, s, "SELECT COUNT(*) FROM segments"), "/", count(t, s, "SELECT COUNT(*) FROM segment_members"),
		"/", count(t, s, "SELECT COUNT(*) FROM audit_log"), "/", count(t, s, "SELECT COUNT(*) FROM contacts"))
}

func TestSegmentUpdate(t *testing.T) {
	f := newSegmentFixture(t)
	a := f.app
	g, err := a.CreateSegment(ctx, f.mkt, crm.Segment{Name: "E3", Filter: e3()})
	if err != nil {
		t.Fatal(err)
	}
	up, err := a.UpdateSegment(ctx, f.mkt, g.ID, g.Version, "VIP", "説明", all(cond("tag", crm.SegOpEq, "vip")))
	if err != nil || up.Version != g.Version+1 {
		t.Fatalf("UpdateSegment = %+v, %v", up, err)
	}
	if n, _ := a.SegmentCount(ctx, f.owner, g.ID); n != 2 { // B, E
		t.Errorf("count after the update %d, want 2", n)
	}
	if _, err := a.UpdateSegment(ctx, f.mkt, g.ID, g.Version, "stale", "", e3()); !errors.Is(err, crm.ErrStale) {
		t.Errorf("stale update: %v", err)
	}
	if _, err := a.UpdateSegment(ctx, f.mkt, g.ID, up.Version, "bad", "", all(cond("nope", crm.SegOpEq, "x"))); !isField(err, "filter.conditions[0].field") {
		t.Errorf("bad update: %v", err)
	}
	got, _ := a.Segment(ctx, f.owner, g.ID)
	if got.Name != "VIP" || got.Filter.JSON() != all(cond("tag", crm.SegOpEq, "vip")).JSON() {
		t.Errorf("stored %q %s", got.Name, got.Filter.JSON())
	}
}

// TestContactListInSegment: the contact list filters by a segment or a
// list, together with its own filters and its visibility.
func TestContactListInSegment(t *testing.T) {
	f := newSegmentFixture(t)
	a := f.app
	seg, err := a.CreateSegment(ctx, f.mkt, crm.Segment{Name: "E3", Filter: e3()})
	if err != nil {
		t.Fatal(err)
	}
	keys := func(ac Actor, q store.ContactQuery) string {
		t.Helper()
		page, err := a.ListContacts(ctx, ac, q)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, c := range page.Contacts {
			out = append(out, f.names[c.ID])
		}
		slices.Sort(out)
		return strings.Join(out, "")
	}
	// E3 is A and D; with owner = mkt, A.
	if got := keys(f.owner, store.ContactQuery{SegmentID: seg.ID}); got != "AD" {
		t.Errorf("in E3: %q, want AD", got)
	}
	if got := keys(f.owner, store.ContactQuery{SegmentID: seg.ID, OwnerIDs: []int64{f.mkt.User.ID}}); got != "A" {
		t.Errorf("in E3, owned by mkt: %q, want A", got)
	}
	if _, err := a.ListContacts(ctx, f.owner, store.ContactQuery{SegmentID: 999999}); !isField(err, "segment") {
		t.Errorf("unknown segment: %v", err)
	}
}
