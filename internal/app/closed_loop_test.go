package app

import (
	"fmt"
	"testing"
	"time"

	"renkei/internal/crm"
	"renkei/internal/store"
)

// TestClosedLoop checks the closed-loop report against the sales
// dashboard's hand-computed world (dashFixture) plus two scored leads.
func TestClosedLoop(t *testing.T) {
	f := newDashFixture(t)
	// Two outbound deals on scored contacts, closed in Q1: fit 45 won,
	// fit −5 lost.
	hi := f.contact(t, "hi@example.jp", "高橋")
	lo := f.contact(t, "lo@example.jp", "小林")
	f.story(t, "S1", f.sales, crm.Deal{Amount: 100_000, ContactID: hi.ID}, jst(4, 20), step{at: jst(6, 2), stage: "Won"})
	f.story(t, "S2", f.sales, crm.Deal{Amount: 100_000, ContactID: lo.ID}, jst(4, 20), step{at: jst(6, 3), stage: "Lost", reason: reasonBudget})
	f.clock.set(jst(6, 20))
	now := f.clock.Now()
	err := f.app.Store.InTx(ctx, func(tx *store.Tx) error {
		return tx.PutScores(ctx, []store.ScoreWrite{
			{Score: store.ContactScore{ContactID: hi.ID, Fit: 45, EngagementAt: now, UpdatedAt: now}},
			{Score: store.ContactScore{ContactID: lo.ID, Fit: -5, EngagementAt: now, UpdatedAt: now}},
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	ws, _, _ := f.app.Workspace(ctx)
	q1, err := ws.ParsePeriod("2026-Q1")
	if err != nil {
		t.Fatal(err)
	}
	r, err := f.app.ClosedLoop(ctx, f.sales, q1)
	if err != nil {
		t.Fatal(err)
	}
	rate := func(name string, got Rate, num, den int) {
		t.Helper()
		want := newRate(num, den)
		if got != want {
			t.Errorf("%s = %d/%d (%.4f, %.4f–%.4f), want %d/%d (%.4f–%.4f)", name, got.Num, got.Den, got.Value, got.Low, got.High,
				num, den, want.Low, want.High)
		}
	}
	// Q1 as f.sales sees it (H1 is another team's): marketing M1 M2 M4
	// won, M3 lost → 3/4; outbound O1 O5 S1 won, O2 O3 O4 S2 lost → 3/7.
	rate("marketing win rate", r.Cur.Marketing.WinRate, 3, 4)
	rate("outbound win rate", r.Cur.Outbound.WinRate, 3, 7)
	// 3/4 − 3/7 = 0.75 − 0.4286 = 32.1 points.
	if lift, ok := r.Cur.Lift(); !ok || lift < 0.3214 || lift > 0.3215 {
		t.Errorf("lift = %.4f (%v), want 0.3214", lift, ok)
	}
	// Marketing revenue = M1 2,000,000 + M2 1,000,000 + M4 $10,000 × 150.
	// Outbound = O1 600,000 + S1 100,000 (O5 is in EUR without a rate).
	m, o := r.Cur.Marketing, r.Cur.Outbound
	if m.Contracts != 3 || m.Revenue != 4_500_000 || m.AvgDealSize != 1_500_000 {
		t.Errorf("marketing: contracts %d revenue %d average %d; want 3, 4,500,000, 1,500,000", m.Contracts, m.Revenue, m.AvgDealSize)
	}
	if o.Contracts != 3 || o.Unconverted != 1 || o.Revenue != 700_000 || o.AvgDealSize != 350_000 {
		t.Errorf("outbound: contracts %d (unconverted %d) revenue %d average %d; want 3 (1), 700,000, 350,000",
			o.Contracts, o.Unconverted, o.Revenue, o.AvgDealSize)
	}
	// Cycle: M1 30 d, M2 20 d, M4 90 d → mean 46.7 d, median 30 d.
	day := 24 * time.Hour
	if m.CycleMedian != 30*day || m.CycleAvg != 140*day/3 {
		t.Errorf("marketing cycle mean %v median %v; want 46⅔ d, 30 d", m.CycleAvg, m.CycleMedian)
	}
	// The previous quarter: P1 outbound won, P2 marketing lost.
	rate("previous marketing", r.Prev.Marketing.WinRate, 0, 1)
	rate("previous outbound", r.Prev.Outbound.WinRate, 1, 1)
	if _, ok := r.Prev.Lift(); !ok {
		t.Error("previous lift unknown with both sides closed")
	}
	// Months: April M2 won, M3 lost; May M1 won, O1 O5 won, O2 O3 O4
	// lost; June M4 won, S1 won, S2 lost.
	if len(r.Months) != 3 {
		t.Fatalf("%d months, want 3", len(r.Months))
	}
	rate("April marketing", r.Months[0].Marketing.WinRate, 1, 2)
	rate("April outbound", r.Months[0].Outbound.WinRate, 0, 0)
	if _, ok := r.Months[0].Lift(); ok {
		t.Error("April lift known without outbound deals")
	}
	rate("May marketing", r.Months[1].Marketing.WinRate, 1, 1)
	rate("May outbound", r.Months[1].Outbound.WinRate, 2, 5)
	rate("June marketing", r.Months[2].Marketing.WinRate, 1, 1)
	rate("June outbound", r.Months[2].Outbound.WinRate, 1, 2)
	// Score bands: fit −5 (S2, lost) to 45 (S1, won) is 51 scores: five
	// bands of 15 from −15; the other 9 visible closed deals have no
	// primary contact.
	if r.Unscored != 9 {
		t.Errorf("unscored = %d, want 9", r.Unscored)
	}
	want := map[string][2]int{"-15–-1": {0, 1}, "0–14": {0, 0}, "15–29": {0, 0}, "30–44": {0, 0}, "45–59": {1, 1}}
	if len(r.Bands) != len(want) {
		t.Fatalf("%d bands, want %d", len(r.Bands), len(want))
	}
	for _, b := range r.Bands {
		w, ok := want[b.Label()]
		if !ok {
			t.Errorf("unexpected band %q", b.Label())
			continue
		}
		rate("band "+b.Label(), b.WinRate, w[0], w[1])
	}
	if r.Empty() {
		t.Error("report with closed deals says it is empty")
	}

	// A month without closed deals or hand-offs is empty; a zero period is refused.
	may, _ := ws.ParsePeriod("2025-07")
	e, err := f.app.ClosedLoop(ctx, f.sales, may)
	if err != nil {
		t.Fatal(err)
	}
	if !e.Empty() || len(e.Months) != 0 {
		t.Errorf("July 2025: empty %v, %d months; want empty and no months", e.Empty(), len(e.Months))
	}
	if _, err := f.app.ClosedLoop(ctx, f.sales, crm.Period{}); err == nil {
		t.Error("a zero period was accepted")
	}
}

// TestScoreBandEdges checks the bands' width and which band each fit
// score falls in.
func TestScoreBandEdges(t *testing.T) {
	cases := []struct {
		fits []int
		won  []bool
		want map[string][2]int
	}{
		// 0 … 39: 40 scores, bands of 10.
		{fits: []int{0, 9, 10, 39, 25}, won: []bool{true, false, true, true, false},
			want: map[string][2]int{"0–9": {1, 2}, "10–19": {1, 1}, "20–29": {0, 1}, "30–39": {1, 1}}},
		// One score: one band of 5.
		{fits: []int{12, 12}, won: []bool{true, false}, want: map[string][2]int{"10–14": {1, 2}}},
		// −1 … 1000: bands of 205 from −205 (six, as the start is rounded down).
		{fits: []int{-1, 0, 204, 205, 1000}, won: []bool{true, false, true, true, true},
			want: map[string][2]int{"-205–-1": {1, 1}, "0–204": {1, 2}, "205–409": {1, 1}, "410–614": {0, 0}, "615–819": {0, 0}, "820–1024": {1, 1}}},
	}
	for i, c := range cases {
		var fits []store.ClosedFit
		for k, f := range c.fits {
			fits = append(fits, store.ClosedFit{Fit: f, Won: c.won[k], Scored: true})
		}
		fits = append(fits, store.ClosedFit{Fit: 7, Won: true}) // not scored
		bands, unscored := scoreBands(fits)
		if unscored != 1 {
			t.Errorf("case %d: unscored = %d, want 1", i, unscored)
		}
		got := map[string][2]int{}
		for _, b := range bands {
			got[b.Label()] = [2]int{b.WinRate.Num, b.WinRate.Den}
		}
		if fmt.Sprint(got) != fmt.Sprint(c.want) {
			t.Errorf("case %d: bands %v, want %v", i, got, c.want)
		}
	}
	if bands, _ := scoreBands(nil); bands != nil {
		t.Errorf("no deals: bands %v", bands)
	}
}

// TestClosedLoopHandoff checks the hand-off health on real hand-offs: 4
// MQLs in April 2026; one accepted, one recycled, one disqualified, one
// still new.
func TestClosedLoopHandoff(t *testing.T) {
	f := newFixture(t, crm.LangJA)
	start := time.Date(2026, 4, 6, 9, 0, 0, 0, tokyo) // Monday
	f.clock.Add(start.Sub(f.clock.Now()))
	var ids []int64
	for i, src := range []crm.Source{crm.SourceWebForm, crm.SourceWebForm, crm.SourceEvent, crm.SourceManual} {
		c, err := f.app.CreateContact(ctx, f.owner, ContactInput{Contact: crm.Contact{Email: fmt.Sprintf("h%d@example.jp", i), OriginalSource: src, Lifecycle: crm.StageMQL}})
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
	if _, err := f.app.RejectLead(ctx, f.owner, ids[1], RejectInput{Reason: "bad_timing", Outcome: "recycled"}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.app.RejectLead(ctx, f.owner, ids[2], RejectInput{Reason: "spam", Outcome: "disqualified"}); err != nil {
		t.Fatal(err)
	}
	ws, _, _ := f.app.Workspace(ctx)
	april, err := ws.ParsePeriod("2026-04")
	if err != nil {
		t.Fatal(err)
	}
	r, err := f.app.ClosedLoop(ctx, f.owner, april)
	if err != nil {
		t.Fatal(err)
	}
	h := r.Handoff
	if h.MQLs != 4 || h.Pending != 1 || h.Acceptance != newRate(1, 3) || h.Recycled != newRate(1, 4) || h.Disqualify != newRate(1, 4) {
		t.Errorf("MQLs %d pending %d acceptance %+v recycled %+v disqualified %+v; want 4, 1, 1/3, 1/4, 1/4",
			h.MQLs, h.Pending, h.Acceptance, h.Recycled, h.Disqualify)
	}
	if h.FirstTouchN != 3 || h.FirstTouch != 2*time.Hour {
		t.Errorf("first touch %v over %d, want 2h over 3", h.FirstTouch, h.FirstTouchN)
	}
	if r.Empty() {
		t.Error("a month with hand-offs says it is empty")
	}
}
