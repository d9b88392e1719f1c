package app

import (
	"errors"
	"math"
	"testing"
	"time"

	"renkei/internal/crm"
	"renkei/internal/store"
)

// jst is a day at noon in Tokyo (the Japanese fixture's zone).
func jst(month time.Month, day int) time.Time {
	return time.Date(2026, month, day, 12, 0, 0, 0, time.FixedZone("JST", 9*3600))
}

func (c *testClock) set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t.UTC()
}

// dashFixture is the hand-computed sales world of TestSalesDashboard.
type dashFixture struct {
	*salesFixture
	compA, compB crm.Competitor
	team         crm.Team
	insider      Actor // in the team that owns the hidden deal
	ids          map[string]int64
}

// step is one move of a deal on a day.
type step struct {
	at     time.Time
	stage  string // English stage name
	reason string
	lostTo int64
}

// story creates a deal at created and moves it through steps.
func (f *dashFixture) story(t *testing.T, key string, ac Actor, d crm.Deal, created time.Time, steps ...step) {
	t.Helper()
	f.clock.set(created)
	d.Name = key
	d.Budget, d.Need, d.CloseDate = "予算あり", "営業管理", "2026-06-30"
	if d.OwnerID == 0 {
		d.OwnerID = ac.User.ID
	}
	d, err := f.app.CreateDeal(ctx, ac, d)
	if err != nil {
		t.Fatalf("%s: CreateDeal: %v", key, err)
	}
	for _, s := range steps {
		f.clock.set(s.at)
		if d, err = f.app.MoveDeal(ctx, ac, d.ID, d.Version, MoveInput{StageID: f.stages[s.stage].ID, LostReason: s.reason, LostToID: s.lostTo}); err != nil {
			t.Fatalf("%s: move to %s: %v", key, s.stage, err)
		}
	}
	f.ids[key] = d.ID
}

const (
	reasonPrice  = "価格が合わなかった"
	reasonBudget = "予算が凍結された"
)

func newDashFixture(t *testing.T) *dashFixture {
	f := &dashFixture{salesFixture: newSalesFixture(t), ids: map[string]int64{}}
	a := f.app
	var err error
	if f.compA, err = a.CreateCompetitor(ctx, f.sales, crm.Competitor{Name: "競合A社"}); err != nil {
		t.Fatal(err)
	}
	if f.compB, err = a.CreateCompetitor(ctx, f.sales, crm.Competitor{Name: "競合B社"}); err != nil {
		t.Fatal(err)
	}
	// 1 USD = 150 JPY from 2026-01-01; no rate for EUR.
	if _, err := a.PutExchangeRate(ctx, f.owner, crm.ExchangeRate{Currency: "USD", Rate: 150, ValidFrom: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}); err != nil {
		t.Fatal(err)
	}
	// Deals are team-private; the hidden deal belongs to a team f.sales is not in.
	if f.team, err = a.CreateTeam(ctx, f.owner, "東京営業"); err != nil {
		t.Fatal(err)
	}
	f.insider = f.addUser(t, "tokyo@example.jp", crm.RoleSales)
	if err := a.SetTeamMember(ctx, f.owner, f.team.ID, f.insider.User.ID, false); err != nil {
		t.Fatal(err)
	}
	f.insider.User, _ = a.Store.User(ctx, f.insider.User.ID)
	ws, v, _ := a.Workspace(ctx)
	ws.RecordVisibility = map[string]crm.Visibility{"deals": crm.VisibleTeam}
	if _, err := a.UpdateWorkspace(ctx, f.owner, ws, v); err != nil {
		t.Fatal(err)
	}
	mkt, out := crm.SourceWebForm, crm.SourceManual
	s := f.sales
	// The fiscal year starts in April (Japanese workspace): FY2026 Q1 is
	// April–June 2026, its previous period Q4 of FY2025 is January–March.
	// Previous period: one outbound win, one marketing loss.
	f.story(t, "P1", s, crm.Deal{Amount: 1_000_000, Source: out}, jst(1, 10), step{at: jst(2, 10), stage: "Won"})
	f.story(t, "P2", s, crm.Deal{Amount: 700_000, Source: mkt}, jst(1, 15), step{at: jst(3, 1), stage: "Lost", reason: reasonPrice})
	// Q1: marketing-sourced.
	f.story(t, "M1", s, crm.Deal{Amount: 2_000_000, Source: mkt}, jst(4, 1),
		step{at: jst(4, 6), stage: "Discovery"}, step{at: jst(4, 16), stage: "Proposal"}, step{at: jst(5, 1), stage: "Won"})
	f.story(t, "M2", s, crm.Deal{Amount: 1_000_000, Source: mkt}, jst(4, 2), step{at: jst(4, 22), stage: "Won"})
	f.story(t, "M3", s, crm.Deal{Amount: 500_000, Source: mkt}, jst(4, 3), step{at: jst(4, 13), stage: "Lost", reason: reasonPrice, lostTo: f.compA.ID})
	f.story(t, "M4", s, crm.Deal{Amount: 1_000_000, Currency: "USD", Source: mkt}, jst(3, 20), step{at: jst(6, 18), stage: "Won"}) // $10,000.00
	// Q1: outbound.
	f.story(t, "O1", s, crm.Deal{Amount: 600_000, Source: out}, jst(4, 5), step{at: jst(5, 5), stage: "Won"})
	f.story(t, "O2", s, crm.Deal{Amount: 400_000, Source: out}, jst(4, 6), step{at: jst(5, 6), stage: "Lost", reason: reasonBudget})
	f.story(t, "O3", s, crm.Deal{Amount: 300_000, Source: out}, jst(4, 7), step{at: jst(5, 7), stage: "Lost", reason: reasonPrice, lostTo: f.compA.ID})
	f.story(t, "O4", s, crm.Deal{Amount: 200_000, Source: out}, jst(4, 8), step{at: jst(5, 8), stage: "Lost", reason: reasonPrice, lostTo: f.compB.ID})
	f.story(t, "O5", s, crm.Deal{Amount: 500_000, Currency: "EUR", Source: out}, jst(4, 9), step{at: jst(5, 9), stage: "Won"}) // €5,000.00, no rate
	// Open now.
	f.story(t, "X1", s, crm.Deal{Amount: 1_000_000, Source: out}, jst(6, 1))
	f.story(t, "X2", s, crm.Deal{Amount: 2_000_000, Source: mkt}, jst(4, 10), step{at: jst(4, 20), stage: "Negotiation"})
	f.story(t, "X3", s, crm.Deal{Amount: 500_000, Source: out}, jst(6, 1), step{at: jst(6, 11), stage: "Negotiation"})
	// The team's private deal: won in Q1, invisible to f.sales.
	f.story(t, "H1", f.insider, crm.Deal{Amount: 9_000_000, Source: mkt, TeamID: f.team.ID}, jst(4, 1), step{at: jst(4, 11), stage: "Won"})
	f.clock.set(jst(6, 20))
	return f
}

func TestSalesDashboard(t *testing.T) {
	f := newDashFixture(t)
	ws, _, _ := f.app.Workspace(ctx)
	q1, err := ws.ParsePeriod("2026-Q1")
	if err != nil {
		t.Fatal(err)
	}
	if !q1.Start.Equal(jst(4, 1).Add(-12*time.Hour)) || !q1.End.Equal(jst(7, 1).Add(-12*time.Hour)) {
		t.Fatalf("2026-Q1 = %v – %v, want April to June in Tokyo", q1.Start, q1.End)
	}
	d, err := f.app.SalesDashboard(ctx, f.sales, q1, SalesFilter{})
	if err != nil {
		t.Fatal(err)
	}
	day := 24 * time.Hour
	k := d.Cur
	// Won in Q1 as f.sales sees it: M1, M2, M4, O1, O5 → 5 contracts; O5
	// (EUR, no rate) is left out of the sums.
	// Revenue = 2,000,000 + 1,000,000 + $10,000×150 + 600,000 = 5,100,000.
	// Average deal size = 5,100,000 ÷ 4 converted deals = 1,275,000.
	if k.Contracts != 5 || k.Unconverted != 1 || k.Revenue != 5_100_000 || k.AvgDealSize != 1_275_000 {
		t.Errorf("contracts %d, unconverted %d, revenue %d, average %d; want 5, 1, 5,100,000, 1,275,000",
			k.Contracts, k.Unconverted, k.Revenue, k.AvgDealSize)
	}
	// Cycle (won − created): M1 30 d, M2 20 d, M4 90 d (3/20 → 6/18), O1 30 d,
	// O5 30 d → mean 200/5 = 40 d; sorted 20 30 30 30 90 → median 30 d.
	if k.CycleAvg != 40*day || k.CycleMedian != 30*day {
		t.Errorf("cycle mean %v median %v, want 960h and 720h", k.CycleAvg, k.CycleMedian)
	}
	// Win rate over the deals closed in Q1: won 5, lost M3 O2 O3 O4 = 4 →
	// 5/9. Marketing: M1 M2 M4 won, M3 lost → 3/4; Wilson 95%:
	// n = 4, p = .75, z² = 3.8415: centre = (.75 + 3.8415/8) / (1 + 3.8415/4)
	// = 1.23019/1.96037 = .62753, half = (1.96/1.96037)·√(.1875/4 + 3.8415/64)
	// = .99978·.32695 = .32688 → .30064 – .95441. Outbound: O1 O5 won,
	// O2 O3 O4 lost → 2/5.
	if r := k.WinRate; r.Num != 5 || r.Den != 9 || k.Lost != 4 {
		t.Errorf("win rate %d/%d, lost %d; want 5/9, 4", r.Num, r.Den, k.Lost)
	}
	m, o := k.ByGroup[crm.GroupMarketing], k.ByGroup[crm.GroupOutbound]
	if m.Num != 3 || m.Den != 4 || !near(m.Value, .75) || math.Abs(m.Low-.30064) > 5e-5 || math.Abs(m.High-.95441) > 5e-5 {
		t.Errorf("marketing win rate %+v, want 3/4 with 30.06%%–95.44%%", m)
	}
	if o.Num != 2 || o.Den != 5 || !near(o.Value, .4) || math.Abs(o.Low-.11762) > 5e-5 || math.Abs(o.High-.76928) > 5e-5 {
		t.Errorf("outbound win rate %+v, want 2/5 with 11.76%%–76.93%%", o)
	}
	// Revenue by month: April M2 1,000,000 (marketing); May M1 2,000,000
	// (marketing) + O1 600,000 (outbound) (O5 counted, its amount left out);
	// June M4 1,500,000.
	wantMonths := []MonthRevenue{{Key: "2026-04", Marketing: 1_000_000, Count: 1}, {Key: "2026-05", Marketing: 2_000_000, Outbound: 600_000, Count: 3},
		{Key: "2026-06", Marketing: 1_500_000, Count: 1}}
	if len(d.Months) != 3 {
		t.Fatalf("months %+v", d.Months)
	}
	for i, w := range wantMonths {
		g := d.Months[i]
		if g.Key != w.Key || g.Marketing != w.Marketing || g.Outbound != w.Outbound || g.Count != w.Count {
			t.Errorf("month %d = %+v, want %+v", i, g, w)
		}
	}
	// Previous period (Q4 FY2025): P1 won (1,000,000, 31 days), P2 lost → 1/2.
	p := d.Prev
	if p.Period.Key() != "2025-Q4" || p.Contracts != 1 || p.Revenue != 1_000_000 || p.AvgDealSize != 1_000_000 ||
		p.WinRate.Num != 1 || p.WinRate.Den != 2 || p.CycleAvg != 31*day || p.CycleMedian != 31*day {
		t.Errorf("previous period %+v", p)
	}
	// Time in stage, stays that ended in Q1. Approach: M1 5, M2 20, M3 10,
	// M4 90, O1–O5 30 each, X2 10, X3 10 → 11 stays, 295 days.
	// Discovery: M1 10 days. Proposal: M1 15 days.
	wantStay := map[string]struct {
		n   int
		avg time.Duration
	}{"Approach": {11, 295 * day / 11 / time.Millisecond * time.Millisecond}, "Discovery": {1, 10 * day}, "Proposal": {1, 15 * day}}
	if len(d.Stays) != len(wantStay) {
		t.Errorf("stays %+v", d.Stays)
	}
	for _, s := range d.Stays {
		if w := wantStay[s.Stage.NameEN]; s.N != w.n || s.Avg != w.avg {
			t.Errorf("time in %s: %d stays, %v; want %d, %v", s.Stage.NameEN, s.N, s.Avg, w.n, w.avg)
		}
	}
	// Pipeline now: Approach X1 1,000,000 (10% → 100,000); Negotiation X2 +
	// X3 = 2,500,000 (60% → 1,500,000).
	if len(d.Pipeline) != 2 {
		t.Fatalf("pipeline %+v", d.Pipeline)
	}
	if s := d.Pipeline[0]; s.Stage.NameEN != "Approach" || s.Count != 1 || s.Amount != 1_000_000 || s.Weighted != 100_000 {
		t.Errorf("pipeline Approach %+v", s)
	}
	if s := d.Pipeline[1]; s.Stage.NameEN != "Negotiation" || s.Count != 2 || s.Amount != 2_500_000 || s.Weighted != 1_500_000 {
		t.Errorf("pipeline Negotiation %+v", s)
	}
	// Lost in Q1: price M3 500,000 + O3 300,000 + O4 200,000 = 3, 1,000,000;
	// budget O2 400,000. Competitors: A M3 and O3 = 2, B O4 = 1.
	if len(d.LostReasons) != 2 || d.LostReasons[0] != (LostReasonRow{reasonPrice, 3, 1_000_000}) ||
		d.LostReasons[1] != (LostReasonRow{reasonBudget, 1, 400_000}) {
		t.Errorf("lost reasons %+v", d.LostReasons)
	}
	if len(d.LostTo) != 2 || d.LostTo[0].Competitor.Name != "競合A社" || d.LostTo[0].Count != 2 ||
		d.LostTo[1].Competitor.Name != "競合B社" || d.LostTo[1].Count != 1 {
		t.Errorf("lost to %+v", d.LostTo)
	}

	// The admin sees the team's private win too (H1, 9,000,000, marketing).
	all, err := f.app.SalesDashboard(ctx, f.owner, q1, SalesFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if all.Cur.Contracts != 6 || all.Cur.Revenue != 14_100_000 || all.Cur.ByGroup[crm.GroupMarketing].Num != 4 {
		t.Errorf("admin: contracts %d revenue %d marketing %+v; want 6, 14,100,000, 4/5", all.Cur.Contracts, all.Cur.Revenue, all.Cur.ByGroup[crm.GroupMarketing])
	}
	// Filters: the team's dashboard is H1 alone (for its member).
	team, err := f.app.SalesDashboard(ctx, f.insider, q1, SalesFilter{TeamID: f.team.ID})
	if err != nil {
		t.Fatal(err)
	}
	if team.Cur.Contracts != 1 || team.Cur.Revenue != 9_000_000 || team.Cur.CycleAvg != 10*day {
		t.Errorf("team dashboard %+v", team.Cur)
	}
	// A month: May has M1, O1, O5 won and O2, O3, O4 lost.
	may, _ := ws.ParsePeriod("2026-05")
	md, err := f.app.SalesDashboard(ctx, f.sales, may, SalesFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if md.Cur.Contracts != 3 || md.Cur.WinRate.Den != 6 || md.Prev.Period.Key() != "2026-04" || md.Prev.Contracts != 1 {
		t.Errorf("May: %+v, previous %+v", md.Cur, md.Prev)
	}
}

// TestSalesDashboardDrillDown checks that each number's deal list holds
// as many deals as the number says.
func TestSalesDashboardDrillDown(t *testing.T) {
	f := newDashFixture(t)
	ws, _, _ := f.app.Workspace(ctx)
	q1, _ := ws.ParsePeriod("2026-Q1")
	d, err := f.app.SalesDashboard(ctx, f.sales, q1, SalesFilter{})
	if err != nil {
		t.Fatal(err)
	}
	closed := store.DealQuery{ClosedFrom: q1.Start, ClosedBefore: q1.End}
	list := func(q store.DealQuery) []string {
		q.Limit = 500
		page, err := f.app.ListDeals(ctx, f.sales, q)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, x := range page.Deals {
			names = append(names, x.Name)
		}
		return names
	}
	check := func(what string, q store.DealQuery, want int) {
		t.Helper()
		got := list(q)
		if len(got) != want {
			t.Errorf("%s: the drill-down lists %d deals %v, the dashboard says %d", what, len(got), got, want)
		}
		if n, err := f.app.CountDeals(ctx, f.sales, q); err != nil || n != want {
			t.Errorf("%s: CountDeals = %d, %v; want %d", what, n, err, want)
		}
	}
	won, lost := closed, closed
	won.Status, lost.Status = "won", "lost"
	check("contracts", won, d.Cur.Contracts)
	check("lost", lost, d.Cur.Lost)
	mw := won
	mw.SourceGroup = crm.GroupMarketing
	check("marketing won", mw, d.Cur.ByGroup[crm.GroupMarketing].Num)
	mc := closed
	mc.SourceGroup = crm.GroupMarketing
	check("marketing closed", mc, d.Cur.ByGroup[crm.GroupMarketing].Den)
	for _, r := range d.LostReasons {
		q := lost
		q.LostReason = r.Reason
		check("reason "+r.Reason, q, r.Count)
	}
	for _, c := range d.LostTo {
		q := lost
		q.LostToID = c.Competitor.ID
		check("lost to "+c.Competitor.Name, q, c.Count)
	}
	for _, s := range d.Pipeline {
		check("open in "+s.Stage.NameEN, store.DealQuery{Status: "open", StageIDs: []int64{s.Stage.ID}}, s.Count)
	}
	for _, s := range d.Stays {
		// Each deal left a stage at most once here, so stays = deals.
		check("left "+s.Stage.NameEN, store.DealQuery{LeftStageID: s.Stage.ID, LeftFrom: q1.Start, LeftBefore: q1.End}, s.N)
	}
	may := won
	may.ClosedFrom, may.ClosedBefore = d.Months[1].Start, d.Months[2].Start
	check("won in May", may, d.Months[1].Count)
	// The team's private deal is not in the outsider's lists either.
	if names := list(won); len(names) != 5 {
		t.Errorf("won deals for f.sales: %v", names)
	}
	// Roles: a viewer and a marketer may read the dashboard; no one else
	// lacks the read permission, so check that a deactivated-like actor
	// without a role is refused.
	for _, role := range []crm.Role{crm.RoleViewer, crm.RoleMarketing} {
		ac := f.addUser(t, string(role)+"@example.jp", role)
		if _, err := f.app.SalesDashboard(ctx, ac, q1, SalesFilter{}); err != nil {
			t.Errorf("%s: %v", role, err)
		}
	}
	if _, err := f.app.SalesDashboard(ctx, Actor{}, q1, SalesFilter{}); !errors.Is(err, crm.ErrForbidden) && !errors.Is(err, crm.ErrUnauthorized) {
		t.Errorf("no user: %v, want refused", err)
	}
	if _, err := f.app.SalesDashboard(ctx, f.sales, crm.Period{}, SalesFilter{}); err == nil {
		t.Error("an empty period was accepted")
	}
}

// near compares figures computed in floating point.
func near(a, b float64) bool { return math.Abs(a-b) < 1e-9 }
