package app

import (
	"context"
	"fmt"
	"time"

	"golang.org/x/sync/errgroup"

	"renkei/internal/crm"
	"renkei/internal/store"
)

// The closed-loop report (issue 9 §5): the product's proof that marketing
// and sales work together. It puts marketing-sourced deals beside outbound
// ones (DESIGN.md §7: source groups, win rate over deals closed in the
// period, cycle and deal size over won deals), checks whether the lead
// score predicts wins, and shows the hand-off's health. Every rate carries
// its n and a Wilson 95% interval so small numbers are not oversold.

// LoopRow is one period's sales numbers for each source group.
type LoopRow struct {
	Period    crm.Period
	Marketing SalesKPIs
	Outbound  SalesKPIs
}

// Lift is the marketing-sourced win rate minus the outbound one, in
// points of rate (0.12 = 12 points); Known is false while either side has
// no closed deal.
func (r LoopRow) Lift() (float64, bool) {
	m, o := r.Marketing.WinRate, r.Outbound.WinRate
	if m.Den == 0 || o.Den == 0 {
		return 0, false
	}
	return m.Value - o.Value, true
}

// ScoreBand is the deals closed in the period whose primary contact's fit
// score falls in [Min, Max] (Max < Min means no upper bound).
type ScoreBand struct {
	Min, Max int
	Open     bool // the last band: Min and above
	Floor    bool // the first band: below Max+1
	WinRate  Rate
}

// Label is the band as a range, e.g. "20–39", "80+" or "< 0".
func (b ScoreBand) Label() string {
	switch {
	case b.Floor:
		return fmt.Sprintf("< %d", b.Max+1)
	case b.Open:
		return fmt.Sprintf("%d+", b.Min)
	}
	return fmt.Sprintf("%d–%d", b.Min, b.Max)
}

// scoreBandEdges are the fit score bands' lower edges: below 0, then 20
// points wide up to 80 and above.
var scoreBandEdges = []int{0, 20, 40, 60, 80}

// HandoffHealth is how the hand-off of the period's MQLs went.
type HandoffHealth struct {
	MQLs       int
	Acceptance Rate // accepted ÷ decided
	// FirstTouch is the median time from MQL to first touch in business
	// hours over FirstTouchN touched hand-offs.
	FirstTouch  time.Duration
	FirstTouchN int
	Recycled    Rate // sent back to nurture ÷ MQLs
	Disqualify  Rate // rejected and disqualified ÷ MQLs
	Pending     int
}

// ClosedLoopReport is the closed-loop report of one period.
type ClosedLoopReport struct {
	Period crm.Period
	Base   string
	Cur    LoopRow
	Prev   LoopRow
	// Months are the months of the period when it is longer than one.
	Months []LoopRow
	// Bands is the win rate by the primary contact's fit score; Unscored
	// counts closed deals without a scored primary contact.
	Bands    []ScoreBand
	Unscored int
	Handoff  HandoffHealth
}

// Empty reports whether no deal closed in the period and no lead was
// handed off: the page then says what to do first.
func (r ClosedLoopReport) Empty() bool {
	return r.Cur.Marketing.WinRate.Den+r.Cur.Outbound.WinRate.Den == 0 && r.Handoff.MQLs == 0
}

// ClosedLoop computes the closed-loop report of period p over the deals
// the actor may see.
func (a *App) ClosedLoop(ctx context.Context, ac Actor, p crm.Period) (ClosedLoopReport, error) {
	r := ClosedLoopReport{Period: p}
	if err := ac.require(crm.PermReadAll); err != nil {
		return r, err
	}
	if p.Start.IsZero() || !p.End.After(p.Start) {
		return r, crm.Invalid("period", "choose a month, a fiscal quarter or a fiscal year")
	}
	mode, err := a.visibility(ctx, "deals")
	if err != nil {
		return r, err
	}
	conv, err := a.Converter(ctx)
	if err != nil {
		return r, err
	}
	r.Base = conv.Base
	q := store.DealQuery{Viewer: ac.User.Viewer(), Visibility: mode}

	periods := []*LoopRow{&r.Cur, &r.Prev}
	r.Cur.Period, r.Prev.Period = p, p.Prev()
	if p.Kind != crm.PeriodMonth {
		for m := p.Start; m.Before(p.End); m = m.AddDate(0, 1, 0) {
			r.Months = append(r.Months, LoopRow{Period: crm.Period{Kind: crm.PeriodMonth, Start: m, End: m.AddDate(0, 1, 0), FiscalStart: p.FiscalStart}})
		}
		for i := range r.Months {
			periods = append(periods, &r.Months[i])
		}
	}

	var fits []store.ClosedFit
	var leads LeadsReport
	var outcomes map[string]int
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(4)
	for _, row := range periods {
		for _, side := range []struct {
			group string
			kpis  *SalesKPIs
		}{{crm.GroupMarketing, &row.Marketing}, {crm.GroupOutbound, &row.Outbound}} {
			g.Go(func() (err error) {
				gq := q
				gq.SourceGroup = side.group
				per := row.Period
				*side.kpis, err = a.salesKPIs(gctx, gq, conv, per, []time.Time{per.Start, per.End}, nil)
				return err
			})
		}
	}
	g.Go(func() (err error) { fits, err = a.Store.ClosedFits(gctx, q, p.Start, p.End); return err })
	g.Go(func() (err error) { leads, err = a.LeadsReport(gctx, ac, p.Start, p.End); return err })
	g.Go(func() (err error) { outcomes, err = a.Store.HandoffOutcomes(gctx, p.Start, p.End); return err })
	if err := g.Wait(); err != nil {
		return r, err
	}
	r.Bands, r.Unscored = scoreBands(fits)
	h := &r.Handoff
	h.MQLs, h.Acceptance, h.Pending = leads.MQLs, leads.Acceptance, leads.Pending
	h.FirstTouch, h.FirstTouchN = leads.FirstTouch, leads.FirstTouchN
	h.Recycled = newRate(outcomes[string(crm.HandoffRejected)+":recycled"], leads.MQLs)
	h.Disqualify = newRate(outcomes[string(crm.HandoffRejected)+":disqualified"], leads.MQLs)
	return r, nil
}

// scoreBands sorts closed deals into the fit score bands and computes
// each band's win rate.
func scoreBands(fits []store.ClosedFit) ([]ScoreBand, int) {
	edges := scoreBandEdges
	won := make([]int, len(edges)+1)
	all := make([]int, len(edges)+1)
	unscored := 0
	for _, f := range fits {
		if !f.Scored {
			unscored++
			continue
		}
		i := 0
		for i < len(edges) && f.Fit >= edges[i] {
			i++
		}
		all[i]++
		if f.Won {
			won[i]++
		}
	}
	out := make([]ScoreBand, 0, len(all))
	for i := range all {
		b := ScoreBand{WinRate: newRate(won[i], all[i])}
		switch {
		case i == 0:
			b.Floor, b.Max = true, edges[0]-1
		case i == len(edges):
			b.Open, b.Min = true, edges[i-1]
		default:
			b.Min, b.Max = edges[i-1], edges[i]-1
		}
		out = append(out, b)
	}
	return out, unscored
}
