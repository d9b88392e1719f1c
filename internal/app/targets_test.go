package app

import (
	"errors"
	"slices"
	"testing"
	"time"

	"renkei/internal/crm"
)

// targetsFixture: a Japanese workspace (Asia/Tokyo, fiscal year from
// April, JPY) with two teams:
//
//	team A: manager (manages it), sales1
//	team B: sales2
//
// and the deals of TestTargetReport.
type targetsFixture struct {
	*salesFixture
	teamA, teamB            crm.Team
	manager, sales1, sales2 Actor
}

func newTargetsFixture(t *testing.T) *targetsFixture {
	t.Helper()
	f := &targetsFixture{salesFixture: newSalesFixture(t)}
	a := f.app
	var err error
	if f.teamA, err = a.CreateTeam(ctx, f.owner, "A"); err != nil {
		t.Fatal(err)
	}
	if f.teamB, err = a.CreateTeam(ctx, f.owner, "B"); err != nil {
		t.Fatal(err)
	}
	join := func(ac Actor, team int64, manager bool) Actor {
		if err := a.SetTeamMember(ctx, f.owner, team, ac.User.ID, manager); err != nil {
			t.Fatal(err)
		}
		ac.User, _ = a.Store.User(ctx, ac.User.ID)
		return ac
	}
	f.sales1 = join(f.sales, f.teamA.ID, false)
	f.manager = join(f.addUser(t, "manager@example.jp", crm.RoleSales), f.teamA.ID, true)
	f.sales2 = join(f.addUser(t, "sales2@example.jp", crm.RoleSales), f.teamB.ID, false)
	if _, err := a.PutExchangeRate(ctx, f.owner, crm.ExchangeRate{Currency: "USD", Rate: 150,
		ValidFrom: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}); err != nil {
		t.Fatal(err)
	}
	return f
}

// at sets the clock.
func (f *targetsFixture) at(t time.Time) { f.clock.t = t }

// won creates a deal and moves it to Won at the time given (UTC).
func (f *targetsFixture) won(t *testing.T, at time.Time, owner Actor, team int64, amount int64, currency string) crm.Deal {
	t.Helper()
	f.at(at)
	d, err := f.app.CreateDeal(ctx, f.owner, crm.Deal{Name: "won " + currency, OwnerID: owner.User.ID, TeamID: team,
		Amount: amount, Currency: currency})
	if err != nil {
		t.Fatal(err)
	}
	if d, err = f.app.MoveDeal(ctx, f.owner, d.ID, d.Version, MoveInput{StageID: f.stages["Won"].ID}); err != nil {
		t.Fatal(err)
	}
	return d
}

// open creates an open deal in a stage with a forecast category.
func (f *targetsFixture) open(t *testing.T, owner Actor, team int64, amount int64, currency, stage, close string, cat crm.ForecastCategory) crm.Deal {
	t.Helper()
	d, err := f.app.CreateDeal(ctx, f.owner, crm.Deal{Name: "open " + stage, OwnerID: owner.User.ID, TeamID: team,
		Amount: amount, Currency: currency, StageID: f.stages[stage].ID, CloseDate: close, Forecast: cat,
		Budget: "300万円", Need: "営業管理"})
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func (f *targetsFixture) target(t *testing.T, ac Actor, tg crm.Target) crm.Target {
	t.Helper()
	tg, err := f.app.CreateTarget(ctx, ac, tg)
	if err != nil {
		t.Fatalf("CreateTarget %+v: %v", tg, err)
	}
	return tg
}

func utc(y int, m time.Month, d, h, min int) time.Time {
	return time.Date(y, m, d, h, min, 0, 0, time.UTC)
}

// seed writes the deals whose answers TestTargetReport computes by hand.
// Period: May 2026 (JST); previous: April 2026.
func (f *targetsFixture) seed(t *testing.T) {
	t.Helper()
	A, B := f.teamA.ID, f.teamB.ID
	// April (the previous period).
	f.won(t, utc(2026, 4, 10, 3, 0), f.sales1, A, 1_000_000, "JPY") // D1
	f.won(t, utc(2026, 4, 20, 3, 0), f.sales2, B, 500_000, "JPY")   // D2
	// May.
	f.won(t, utc(2026, 4, 30, 15, 0), f.sales2, B, 100_000, "JPY")  // D8: 2026-05-01 00:00 JST: May
	f.won(t, utc(2026, 5, 12, 3, 0), f.sales1, A, 800_000, "JPY")   // D3
	f.won(t, utc(2026, 5, 15, 3, 0), f.manager, A, 200_000, "USD")  // D4: $2,000.00 × 150 = ¥300,000
	f.won(t, utc(2026, 5, 20, 3, 0), f.sales2, B, 600_000, "JPY")   // D5
	f.won(t, utc(2026, 5, 21, 3, 0), f.sales2, B, 100_000, "EUR")   // D6: no EUR rate: left out
	f.won(t, utc(2026, 5, 31, 15, 30), f.sales1, A, 999_000, "JPY") // D7: 2026-06-01 00:30 JST: June
	// A lost deal counts nowhere.
	f.at(utc(2026, 5, 22, 3, 0))
	l := f.open(t, f.sales1, A, 777_000, "JPY", "Approach", "2026-05-22", crm.ForecastCommit)
	if _, err := f.app.MoveDeal(ctx, f.owner, l.ID, l.Version, MoveInput{StageID: f.stages["Lost"].ID, LostReason: "価格"}); err != nil {
		t.Fatal(err)
	}
	// Open deals; today is 2026-05-25.
	f.at(utc(2026, 5, 25, 3, 0))
	f.open(t, f.sales1, A, 1_000_000, "JPY", "Negotiation", "2026-05-28", crm.ForecastCommit) // O1: 60%
	f.open(t, f.sales1, A, 500_000, "JPY", "Proposal", "2026-05-30", crm.ForecastBestCase)    // O2: 40%
	f.open(t, f.sales2, B, 400_000, "JPY", "Discovery", "2026-05-31", crm.ForecastPipeline)   // O3: 20%
	f.open(t, f.sales2, B, 300_000, "JPY", "Negotiation", "2026-05-15", crm.ForecastOmitted)  // O4: omitted
	f.open(t, f.sales1, A, 700_000, "JPY", "Negotiation", "2026-06-01", crm.ForecastCommit)   // O5: June
	f.open(t, f.sales1, A, 900_000, "JPY", "Approach", "", crm.ForecastCommit)                // O6: no close date
	f.open(t, f.sales2, B, 100_000, "USD", "Approach", "2026-05-29", "")                      // O7: $1,000 → ¥150,000, 10%, pipeline
}

func TestTargetReport(t *testing.T) {
	f := newTargetsFixture(t)
	f.seed(t)
	a := f.app
	// Targets for May 2026.
	f.target(t, f.owner, crm.Target{Kind: crm.PeriodMonth, PeriodKey: "2026-05", Scope: crm.ScopeWorkspace, Amount: 2_000_000})
	f.target(t, f.manager, crm.Target{Kind: crm.PeriodMonth, PeriodKey: "2026-05", Scope: crm.ScopeTeam, ScopeID: f.teamA.ID, Percent: 110})
	f.target(t, f.manager, crm.Target{Kind: crm.PeriodMonth, PeriodKey: "2026-05", Scope: crm.ScopeUser, ScopeID: f.sales1.User.ID, Amount: 1_000_000})

	rep, err := a.TargetReport(ctx, f.owner, "2026-05")
	if err != nil {
		t.Fatal(err)
	}
	if rep.Period.Key() != "2026-05" || rep.Prev.Key() != "2026-04" || rep.Base != "JPY" {
		t.Fatalf("period %s prev %s base %s", rep.Period.Key(), rep.Prev.Key(), rep.Base)
	}
	// Left out: D6 (EUR has no rate).
	if rep.LeftOut != 1 || !slices.Equal(rep.Currencies, []string{"EUR"}) {
		t.Errorf("left out %d %v, want 1 [EUR]", rep.LeftOut, rep.Currencies)
	}
	type want struct {
		target, actual, prev int64
		att, vs              float64 // 0 = none
		f                    Forecast
	}
	cases := map[string]want{
		// actual = D3 800,000 + D4 300,000 + D5 600,000 + D8 100,000 = 1,800,000
		// previous = D1 1,000,000 + D2 500,000 = 1,500,000; vs previous 1.8M ÷ 1.5M = 1.2
		// attainment 1,800,000 ÷ 2,000,000 = 0.9
		// commit = 1,800,000 + O1 1,000,000 = 2,800,000; best case = 2,800,000 + O2 500,000 = 3,300,000
		// weighted = 1,800,000 + O1 600,000 + O2 200,000 + O3 80,000 + O7 15,000 = 2,695,000
		// pipeline = O1 1,000,000 + O2 500,000 + O3 400,000 + O7 150,000 = 2,050,000 (4 deals)
		"workspace": {2_000_000, 1_800_000, 1_500_000, 0.9, 1.2,
			Forecast{Won: 1_800_000, Commit: 2_800_000, BestCase: 3_300_000, Weighted: 2_695_000, Pipeline: 2_050_000, Open: 4}},
		// team A: actual D3 + D4 = 1,100,000; previous D1 1,000,000; vs 1.1
		// target 110% × 1,000,000 = 1,100,000; attainment 1.0
		// commit 1,100,000 + 1,000,000; best 2,100,000 + 500,000; weighted 1,100,000 + 600,000 + 200,000
		"team:A": {1_100_000, 1_100_000, 1_000_000, 1.0, 1.1,
			Forecast{Won: 1_100_000, Commit: 2_100_000, BestCase: 2_600_000, Weighted: 1_900_000, Pipeline: 1_500_000, Open: 2}},
		// team B: no target; actual D5 + D8 = 700,000; previous D2 500,000; vs 1.4
		// commit = best = 700,000; weighted 700,000 + 80,000 + 15,000; pipeline 400,000 + 150,000
		"team:B": {0, 700_000, 500_000, 0, 1.4,
			Forecast{Won: 700_000, Commit: 700_000, BestCase: 700_000, Weighted: 795_000, Pipeline: 550_000, Open: 2}},
		// sales1: actual D3 800,000 ÷ target 1,000,000 = 0.8; previous D1; vs 0.8
		"user:sales1": {1_000_000, 800_000, 1_000_000, 0.8, 0.8,
			Forecast{Won: 800_000, Commit: 1_800_000, BestCase: 2_300_000, Weighted: 1_600_000, Pipeline: 1_500_000, Open: 2}},
		// manager: D4 $2,000 → ¥300,000; no previous
		"user:manager": {0, 300_000, 0, 0, 0,
			Forecast{Won: 300_000, Commit: 300_000, BestCase: 300_000, Weighted: 300_000}},
	}
	ids := map[string][2]any{
		"workspace": {crm.ScopeWorkspace, int64(0)}, "team:A": {crm.ScopeTeam, f.teamA.ID}, "team:B": {crm.ScopeTeam, f.teamB.ID},
		"user:sales1": {crm.ScopeUser, f.sales1.User.ID}, "user:manager": {crm.ScopeUser, f.manager.User.ID},
	}
	for name, w := range cases {
		r, ok := rep.Row(ids[name][0].(crm.TargetScope), ids[name][1].(int64))
		if !ok {
			t.Errorf("%s: no row", name)
			continue
		}
		if r.TargetAmount != w.target || r.Actual != w.actual || r.Previous != w.prev {
			t.Errorf("%s: target %d actual %d previous %d, want %d %d %d", name, r.TargetAmount, r.Actual, r.Previous, w.target, w.actual, w.prev)
		}
		att, ok := r.Attainment()
		if (w.att == 0) == ok || (ok && !near(att, w.att)) {
			t.Errorf("%s: attainment %v %v, want %v", name, att, ok, w.att)
		}
		vs, ok := r.VsPrevious()
		if (w.vs == 0) == ok || (ok && !near(vs, w.vs)) {
			t.Errorf("%s: vs previous %v %v, want %v", name, vs, ok, w.vs)
		}
		if r.Forecast != w.f {
			t.Errorf("%s: forecast %+v, want %+v", name, r.Forecast, w.f)
		}
	}

	// A quarter: fiscal Q1 2026 is April–June; the previous quarter is
	// January–March (empty), so vs previous is none. Q1 actual = April
	// 1,500,000 + May 1,800,000 + June (D7 999,000) = 4,299,000.
	q, err := a.TargetReport(ctx, f.owner, "2026-Q1")
	if err != nil {
		t.Fatal(err)
	}
	if r := q.Rows[0]; r.Actual != 4_299_000 || r.Previous != 0 || q.Prev.Key() != "2025-Q4" {
		t.Errorf("2026-Q1: actual %d previous %d prev %s", r.Actual, r.Previous, q.Prev.Key())
	}
	// A percentage target over an empty previous period is 0: no attainment.
	f.target(t, f.owner, crm.Target{Kind: crm.PeriodQuarter, PeriodKey: "2026-Q1", Scope: crm.ScopeWorkspace, Percent: 110})
	q, _ = a.TargetReport(ctx, f.owner, "2026-Q1")
	if _, ok := q.Rows[0].Attainment(); ok || !q.Rows[0].HasTarget() {
		t.Errorf("110%% of nothing: %+v", q.Rows[0])
	}
}

func near(a, b float64) bool { return a-b < 1e-9 && b-a < 1e-9 }

// Team-private deals: the forecast counts only the deals the viewer may
// see; a target's actual counts its scope's deals. Rows follow who may
// see the target.
func TestTargetReportVisibility(t *testing.T) {
	f := newTargetsFixture(t)
	f.seed(t)
	a := f.app
	ws, v, _ := a.Workspace(ctx)
	ws.RecordVisibility = map[string]crm.Visibility{"deals": crm.VisibleTeam}
	if _, err := a.UpdateWorkspace(ctx, f.owner, ws, v); err != nil {
		t.Fatal(err)
	}
	rep, err := a.TargetReport(ctx, f.sales2, "2026-05")
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, r := range rep.Rows {
		keys = append(keys, r.Key())
	}
	want := []string{"workspace", ScopeKey(crm.ScopeTeam, f.teamB.ID), ScopeKey(crm.ScopeUser, f.sales2.User.ID)}
	if !slices.Equal(keys, want) {
		t.Errorf("sales2 sees rows %v, want %v", keys, want)
	}
	w := rep.Rows[0]
	// Actual: all 1,800,000. Forecast: team B's deals only: won D5 + D8 =
	// 700,000; pipeline O3 400,000 + O7 150,000.
	if w.Actual != 1_800_000 || w.Forecast.Won != 700_000 || w.Forecast.Pipeline != 550_000 {
		t.Errorf("sales2's workspace row: actual %d forecast %+v", w.Actual, w.Forecast)
	}
	for _, r := range rep.Rows {
		if r.CanSet {
			t.Errorf("sales2 may set %s", r.Key())
		}
	}
	// The manager of team A sees team A, themself and sales1, not team B
	// nor sales2.
	rep, _ = a.TargetReport(ctx, f.manager, "2026-05")
	keys = keys[:0]
	for _, r := range rep.Rows {
		keys = append(keys, r.Key())
		if r.CanSet != (r.Scope != crm.ScopeWorkspace) {
			t.Errorf("manager: %s CanSet %v", r.Key(), r.CanSet)
		}
	}
	slices.Sort(keys[1:])
	want = []string{"workspace", ScopeKey(crm.ScopeTeam, f.teamA.ID), ScopeKey(crm.ScopeUser, f.sales1.User.ID), ScopeKey(crm.ScopeUser, f.manager.User.ID)}
	slices.Sort(want[1:])
	if !slices.Equal(keys, want) {
		t.Errorf("manager sees rows %v, want %v", keys, want)
	}
}

func TestTargetPermissions(t *testing.T) {
	f := newTargetsFixture(t)
	a := f.app
	may := func(name string, ac Actor, tg crm.Target, want error) {
		t.Helper()
		tg.Kind, tg.PeriodKey = crm.PeriodMonth, "2026-05"
		got, err := a.CreateTarget(ctx, ac, tg)
		if !errors.Is(err, want) {
			t.Errorf("%s: %v, want %v", name, err, want)
		}
		if err == nil {
			if err := a.DeleteTarget(ctx, ac, got.ID); err != nil {
				t.Errorf("%s: delete: %v", name, err)
			}
		}
	}
	marketing := f.addUser(t, "mkt@example.jp", crm.RoleMarketing)
	team := func(id int64) crm.Target { return crm.Target{Scope: crm.ScopeTeam, ScopeID: id, Amount: 1000} }
	user := func(ac Actor) crm.Target { return crm.Target{Scope: crm.ScopeUser, ScopeID: ac.User.ID, Amount: 1000} }
	wsT := crm.Target{Scope: crm.ScopeWorkspace, Amount: 1000}
	may("sales sets own target", f.sales1, user(f.sales1), crm.ErrForbidden)
	may("sales sets own team's target", f.sales1, team(f.teamA.ID), crm.ErrForbidden)
	may("marketing sets workspace target", marketing, wsT, crm.ErrForbidden)
	may("manager sets workspace target", f.manager, wsT, crm.ErrForbidden)
	may("manager sets other team's target", f.manager, team(f.teamB.ID), crm.ErrForbidden)
	may("manager sets other team member's target", f.manager, user(f.sales2), crm.ErrForbidden)
	may("manager sets own team's target", f.manager, team(f.teamA.ID), nil)
	may("manager sets member's target", f.manager, user(f.sales1), nil)
	may("manager sets own target", f.manager, user(f.manager), nil)
	may("admin sets workspace target", f.owner, wsT, nil)
	may("admin sets any team's target", f.owner, team(f.teamB.ID), nil)

	// Nothing was written by the refused calls; the manager cannot change
	// or delete a target of team B.
	tb := f.target(t, f.owner, crm.Target{Kind: crm.PeriodMonth, PeriodKey: "2026-05", Scope: crm.ScopeTeam, ScopeID: f.teamB.ID, Amount: 5000})
	if _, err := a.UpdateTarget(ctx, f.manager, tb.ID, tb.Version, 6000, 0); !errors.Is(err, crm.ErrNotFound) {
		t.Errorf("manager changes team B's target: %v, want not found (it is not theirs to see)", err)
	}
	if err := a.DeleteTarget(ctx, f.sales2, tb.ID); !errors.Is(err, crm.ErrForbidden) {
		t.Errorf("sales2 deletes own team's target: %v, want forbidden", err)
	}
	if ts, _ := a.Targets(ctx, f.manager, "2026-05"); len(ts) != 0 {
		t.Errorf("manager lists %d targets of May, want 0 (only team B's exists)", len(ts))
	}
	if ts, _ := a.Targets(ctx, f.sales2, "2026-05"); len(ts) != 1 {
		t.Errorf("sales2 lists %d targets of May, want 1 (their team's)", len(ts))
	}
}

func TestTargetValidationAndVersions(t *testing.T) {
	f := newTargetsFixture(t)
	a := f.app
	bad := []struct {
		tg    crm.Target
		field string
	}{
		{crm.Target{Kind: "week", PeriodKey: "2026-05", Scope: crm.ScopeWorkspace, Amount: 1}, "period_kind"},
		{crm.Target{Kind: crm.PeriodMonth, PeriodKey: "2026-Q1", Scope: crm.ScopeWorkspace, Amount: 1}, "period"},
		{crm.Target{Kind: crm.PeriodQuarter, PeriodKey: "2026-13", Scope: crm.ScopeWorkspace, Amount: 1}, "period"},
		{crm.Target{Kind: crm.PeriodMonth, PeriodKey: "2026-05", Scope: "company", Amount: 1}, "scope"},
		{crm.Target{Kind: crm.PeriodMonth, PeriodKey: "2026-05", Scope: crm.ScopeTeam, Amount: 1}, "scope_id"},
		{crm.Target{Kind: crm.PeriodMonth, PeriodKey: "2026-05", Scope: crm.ScopeTeam, ScopeID: 999, Amount: 1}, "scope_id"},
		{crm.Target{Kind: crm.PeriodMonth, PeriodKey: "2026-05", Scope: crm.ScopeWorkspace}, "amount"},
		{crm.Target{Kind: crm.PeriodMonth, PeriodKey: "2026-05", Scope: crm.ScopeWorkspace, Amount: -5}, "amount"},
		{crm.Target{Kind: crm.PeriodMonth, PeriodKey: "2026-05", Scope: crm.ScopeWorkspace, Amount: 5, Percent: 110}, "amount"},
		{crm.Target{Kind: crm.PeriodMonth, PeriodKey: "2026-05", Scope: crm.ScopeWorkspace, Percent: 1001}, "percent"},
	}
	for _, b := range bad {
		_, err := a.CreateTarget(ctx, f.owner, b.tg)
		if v, ok := crm.AsValidation(err); !ok || v.Fields[b.field] == "" {
			t.Errorf("%+v: %v, want a message on %s", b.tg, err, b.field)
		}
	}
	if ts, _ := a.Targets(ctx, f.owner, ""); len(ts) != 0 {
		t.Fatalf("refused targets were written: %+v", ts)
	}
	tg := f.target(t, f.owner, crm.Target{Kind: crm.PeriodMonth, PeriodKey: "2026-05", Scope: crm.ScopeWorkspace, Amount: 100})
	_, err := a.CreateTarget(ctx, f.owner, crm.Target{Kind: crm.PeriodMonth, PeriodKey: "2026-05", Scope: crm.ScopeWorkspace, Amount: 200})
	if v, ok := crm.AsValidation(err); !ok || v.Fields["period"] == "" {
		t.Errorf("second target for the same period and scope: %v", err)
	}
	up, err := a.UpdateTarget(ctx, f.owner, tg.ID, tg.Version, 0, 110)
	if err != nil || up.Percent != 110 || up.Amount != 0 || up.Version != tg.Version+1 {
		t.Fatalf("update to 110%%: %+v %v", up, err)
	}
	if _, err := a.UpdateTarget(ctx, f.owner, tg.ID, tg.Version, 300, 0); !errors.Is(err, crm.ErrStale) {
		t.Errorf("update with an old version: %v, want stale", err)
	}
	got, _ := a.Target(ctx, f.owner, tg.ID)
	if got.Percent != 110 || got.Version != up.Version {
		t.Errorf("stored %+v", got)
	}
}
