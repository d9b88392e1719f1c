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
// score lies in [Min, Max].
type ScoreBand struct {
	Min, Max int
	WinRate  Rate
}

// Label is the band as a range, e.g. "20–29".
func (b ScoreBand) Label() string { return fmt.Sprintf("%d–%d", b.Min, b.Max) }

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
	// Sequences are the sequences with a holdout: what followed within
	// DefaultFollowDays of enrolment for the enrolled and the held out,
	// and the lift (over each sequence's whole life, not the period).
	Sequences []SequenceLift
}

// SequenceLift is one sequence's outcome against its holdout.
type SequenceLift struct {
	Sequence crm.Sequence
	Followed Followed
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
	g.Go(func() (err error) { leads, err = a.leadsReport(gctx, ac, p.Start, p.End, false); return err })
	g.Go(func() (err error) { outcomes, err = a.Store.HandoffOutcomes(gctx, p.Start, p.End); return err })
	g.Go(func() (err error) { r.Sequences, err = a.sequenceLifts(gctx, ac); return err })
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

// scoreBands sorts closed deals into about five fit score bands of equal
// width, a multiple of 5, spanning the scores that occur (a fit
// score's scale depends on the workspace's rules, so fixed bands would
// put everyone in one), and computes each band's win rate.
func scoreBands(fits []store.ClosedFit) ([]ScoreBand, int) {
	unscored := 0
	lo, hi, any := 0, 0, false
	for _, f := range fits {
		if !f.Scored {
			unscored++
			continue
		}
		if !any || f.Fit < lo {
			lo = f.Fit
		}
		if !any || f.Fit > hi {
			hi = f.Fit
		}
		any = true
	}
	if !any {
		return nil, unscored
	}
	width := (hi - lo + 1 + 4) / 5 // five bands cover the hi − lo + 1 scores …
	width = (width + 4) / 5 * 5    // … rounded up to a multiple of 5
	start := floorTo(lo, width)
	n := (hi-start)/width + 1
	won, all := make([]int, n), make([]int, n)
	for _, f := range fits {
		if !f.Scored {
			continue
		}
		i := (f.Fit - start) / width
		all[i]++
		if f.Won {
			won[i]++
		}
	}
	out := make([]ScoreBand, n)
	for i := range out {
		min := start + i*width
		out[i] = ScoreBand{Min: min, Max: min + width - 1, WinRate: newRate(won[i], all[i])}
	}
	return out, unscored
}

// floorTo rounds n down to a multiple of m (m > 0), negative numbers too.
func floorTo(n, m int) int {
	q := n / m
	if n%m != 0 && n < 0 {
		q--
	}
	return q * m
}

// sequenceLifts computes what followed each sequence that holds out part
// of its enrolments.
func (a *App) sequenceLifts(ctx context.Context, ac Actor) ([]SequenceLift, error) {
	seqs, err := a.Sequences(ctx, ac)
	if err != nil {
		return nil, err
	}
	var out []SequenceLift
	for _, q := range seqs {
		if q.HoldoutPct == 0 {
			continue
		}
		hold := store.SequenceCohort(q.ID, true)
		f, err := a.followed(ctx, store.SequenceCohort(q.ID, false), &hold, DefaultFollowDays)
		if err != nil {
			return nil, err
		}
		if f.Enrolled.N+f.Holdout.N > 0 {
			out = append(out, SequenceLift{Sequence: q, Followed: f})
		}
	}
	return out, nil
}
