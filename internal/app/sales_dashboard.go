package app

import (
	"context"
	"sort"
	"time"

	"golang.org/x/sync/errgroup"

	"renkei/internal/crm"
	"renkei/internal/store"
)

// SalesFilter narrows the sales dashboard to a pipeline, an owner or a
// team (0 = all).
type SalesFilter struct {
	PipelineID int64
	OwnerID    int64
	TeamID     int64
}

// SalesKPIs are the headline numbers of one period (DESIGN.md §7).
type SalesKPIs struct {
	Period crm.Period
	// Revenue is Σ amount of the deals won in the period, in the base
	// currency; Unconverted won deals (a currency without a rate) are
	// left out of it and of AvgDealSize.
	Revenue     int64
	Contracts   int // deals won in the period
	Unconverted int
	Lost        int // deals lost in the period
	// WinRate is won ÷ (won + lost) over the deals closed in the period;
	// ByGroup splits it by source group (marketing, outbound).
	WinRate Rate
	ByGroup map[string]Rate
	// AvgDealSize is the mean amount of the won deals converted.
	AvgDealSize int64
	// Cycle is won date − created date over the won deals: mean and median.
	CycleAvg    time.Duration
	CycleMedian time.Duration
}

// MonthRevenue is the revenue of one month of the period by source group.
type MonthRevenue struct {
	Start     time.Time
	Key       string // period key of the month, for drill-down
	Marketing int64
	Outbound  int64
	Count     int // deals won, converted or not
}

// StageOpen is one stage's open deals now.
type StageOpen struct {
	Stage    crm.Stage
	Pipeline crm.Pipeline
	Count    int
	Amount   int64 // base currency
	Weighted int64 // amount × the stage's probability
}

// StageStay is the mean time deals spent in one stage, over the stays
// that ended in the period.
type StageStay struct {
	Stage    crm.Stage
	Pipeline crm.Pipeline
	N        int
	Avg      time.Duration
}

// LostReasonRow is the deals lost in the period for one reason.
type LostReasonRow struct {
	Reason string
	Count  int
	Amount int64 // base currency, converted deals only
}

// LostToRow is the deals lost in the period to one competitor.
type LostToRow struct {
	Competitor crm.Competitor
	Count      int
}

// SalesDashboard is the sales dashboard of one period.
type SalesDashboard struct {
	Filter   SalesFilter
	Base     string
	Now      time.Time
	Cur      SalesKPIs
	Prev     SalesKPIs
	Months   []MonthRevenue
	Pipeline []StageOpen
	// PipelineUnconverted counts open deals left out of the amounts.
	PipelineUnconverted int
	Stays               []StageStay
	LostReasons         []LostReasonRow
	LostTo              []LostToRow
	LostUnconverted     int
	Pipelines           []crm.Pipeline
}

// Empty reports whether no deal was closed in the period and none is
// open: the page then says what to do first.
func (d SalesDashboard) Empty() bool {
	return d.Cur.Contracts+d.Cur.Lost == 0 && len(d.Pipeline) == 0
}

// SalesDashboard computes the dashboard of period p for the deals the
// actor may see that match f, with the previous period beside it.
func (a *App) SalesDashboard(ctx context.Context, ac Actor, p crm.Period, f SalesFilter) (SalesDashboard, error) {
	d := SalesDashboard{Filter: f, Now: a.now()}
	if err := ac.require(crm.PermReadAll); err != nil {
		return d, err
	}
	if p.Start.IsZero() || !p.End.After(p.Start) {
		return d, crm.Invalid("period", "choose a month, a fiscal quarter or a fiscal year")
	}
	mode, err := a.visibility(ctx, "deals")
	if err != nil {
		return d, err
	}
	conv, err := a.Converter(ctx)
	if err != nil {
		return d, err
	}
	d.Base = conv.Base
	if d.Pipelines, err = a.Store.Pipelines(ctx); err != nil {
		return d, err
	}
	stages := map[int64]StageOpen{}
	for _, pl := range d.Pipelines {
		for _, st := range pl.Stages {
			stages[st.ID] = StageOpen{Stage: st, Pipeline: pl}
		}
	}
	q := store.DealQuery{PipelineID: f.PipelineID, OwnerID: f.OwnerID, TeamID: f.TeamID, Viewer: ac.User.Viewer(), Visibility: mode}

	// Month edges of the period: revenue by month.
	bounds := []time.Time{p.Start}
	for m := p.Start.AddDate(0, 1, 0); m.Before(p.End); m = m.AddDate(0, 1, 0) {
		bounds = append(bounds, m)
	}
	bounds = append(bounds, p.End)
	for i := 0; i+1 < len(bounds); i++ {
		d.Months = append(d.Months, MonthRevenue{Start: bounds[i], Key: bounds[i].Format("2006-01")})
	}
	// The aggregates are independent reads: they run side by side (on
	// SQLite each on its own reader connection).
	prev := p.Prev()
	var (
		open  []store.OpenGroup
		stays []store.StageTime
		lost  []store.LostGroup
	)
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() (err error) { d.Cur, err = a.salesKPIs(gctx, q, conv, p, bounds, d.Months); return err })
	g.Go(func() (err error) {
		d.Prev, err = a.salesKPIs(gctx, q, conv, prev, []time.Time{prev.Start, prev.End}, nil)
		return err
	})
	g.Go(func() (err error) { open, err = a.Store.OpenByStage(gctx, q); return err })
	g.Go(func() (err error) { stays, err = a.Store.TimeInStage(gctx, q, p.Start, p.End); return err })
	g.Go(func() (err error) { lost, err = a.Store.LostGroups(gctx, q, conv.Base, p.Start, p.End); return err })
	if err := g.Wait(); err != nil {
		return d, err
	}

	// Pipeline by stage: the open deals now.
	byStage := map[int64]*StageOpen{}
	for _, g := range open {
		row := byStage[g.StageID]
		if row == nil {
			s, ok := stages[g.StageID]
			if !ok {
				continue
			}
			row = &s
			byStage[g.StageID] = row
		}
		row.Count += g.Count
		amt, ok := conv.ToBase(g.Amount, g.Currency, d.Now)
		if !ok {
			d.PipelineUnconverted += g.Count
			continue
		}
		row.Amount += amt
		row.Weighted += crm.Weighted(amt, row.Stage.Probability)
	}
	for _, pl := range d.Pipelines { // in pipeline and stage order
		for _, st := range pl.Stages {
			if row := byStage[st.ID]; row != nil {
				d.Pipeline = append(d.Pipeline, *row)
			}
		}
	}

	// Time in stage: the stays that ended in the period.
	stayBy := map[int64]store.StageTime{}
	for _, t := range stays {
		stayBy[t.StageID] = t
	}
	for _, pl := range d.Pipelines {
		for _, st := range pl.Stages {
			if t, ok := stayBy[st.ID]; ok && t.Count > 0 {
				d.Stays = append(d.Stays, StageStay{Stage: st, Pipeline: pl, N: t.Count,
					Avg: time.Duration(t.TotalMS/int64(t.Count)) * time.Millisecond})
			}
		}
	}

	// Lost reasons and competitors.
	comps, err := a.Store.Competitors(ctx)
	if err != nil {
		return d, err
	}
	compBy := map[int64]crm.Competitor{}
	for _, c := range comps {
		compBy[c.ID] = c
	}
	reasons, to := map[string]*LostReasonRow{}, map[int64]*LostToRow{}
	for _, g := range lost {
		r := reasons[g.Reason]
		if r == nil {
			r = &LostReasonRow{Reason: g.Reason}
			reasons[g.Reason] = r
		}
		r.Count += g.Count
		if amt, ok := conv.ToBase(g.Amount, g.Currency, g.At); ok {
			r.Amount += amt
		} else {
			d.LostUnconverted += g.Count
		}
		if g.LostToID != 0 {
			t := to[g.LostToID]
			if t == nil {
				t = &LostToRow{Competitor: compBy[g.LostToID]}
				t.Competitor.ID = g.LostToID
				to[g.LostToID] = t
			}
			t.Count += g.Count
		}
	}
	for _, r := range reasons {
		d.LostReasons = append(d.LostReasons, *r)
	}
	sort.Slice(d.LostReasons, func(i, j int) bool {
		x, y := d.LostReasons[i], d.LostReasons[j]
		if x.Count != y.Count {
			return x.Count > y.Count
		}
		return x.Reason < y.Reason
	})
	for _, t := range to {
		d.LostTo = append(d.LostTo, *t)
	}
	sort.Slice(d.LostTo, func(i, j int) bool {
		x, y := d.LostTo[i], d.LostTo[j]
		if x.Count != y.Count {
			return x.Count > y.Count
		}
		return x.Competitor.Name < y.Competitor.Name
	})
	return d, nil
}

// salesKPIs computes the headline numbers of p; months (when given) gets
// the revenue per bucket of bounds.
func (a *App) salesKPIs(ctx context.Context, q store.DealQuery, conv Converter, p crm.Period, bounds []time.Time, months []MonthRevenue) (SalesKPIs, error) {
	k := SalesKPIs{Period: p, ByGroup: map[string]Rate{}}
	won, err := a.Store.WonGroups(ctx, q, conv.Base, bounds)
	if err != nil {
		return k, err
	}
	var cycle int64
	converted := 0
	for _, g := range won {
		k.Contracts += g.Count
		cycle += g.CycleMS
		at := g.At
		if at.IsZero() {
			at = p.Start
		}
		inMonth := g.Bucket >= 0 && g.Bucket < len(months)
		if inMonth {
			months[g.Bucket].Count += g.Count
		}
		amt, ok := conv.ToBase(g.Amount, g.Currency, at)
		if !ok {
			k.Unconverted += g.Count
			continue
		}
		converted += g.Count
		k.Revenue += amt
		if inMonth {
			if g.SourceGroup == crm.GroupMarketing {
				months[g.Bucket].Marketing += amt
			} else {
				months[g.Bucket].Outbound += amt
			}
		}
	}
	if converted > 0 {
		k.AvgDealSize = k.Revenue / int64(converted)
	}
	if k.Contracts > 0 {
		k.CycleAvg = time.Duration(cycle/int64(k.Contracts)) * time.Millisecond
		if k.CycleMedian, err = a.Store.MedianCycle(ctx, q, p.Start, p.End, k.Contracts); err != nil {
			return k, err
		}
	}
	closed, err := a.Store.ClosedCounts(ctx, q, p.Start, p.End)
	if err != nil {
		return k, err
	}
	won2, all := map[string]int{}, map[string]int{}
	tw, ta := 0, 0
	for _, c := range closed {
		g := c.SourceGroup
		if g != crm.GroupMarketing {
			g = crm.GroupOutbound
		}
		all[g] += c.Count
		ta += c.Count
		if c.Won {
			won2[g] += c.Count
			tw += c.Count
		} else {
			k.Lost += c.Count
		}
	}
	k.WinRate = newRate(tw, ta)
	for _, g := range []string{crm.GroupMarketing, crm.GroupOutbound} {
		k.ByGroup[g] = newRate(won2[g], all[g])
	}
	return k, nil
}

// CountDeals counts the deals the actor may see that match q: the size of
// a dashboard number's drill-down list.
func (a *App) CountDeals(ctx context.Context, ac Actor, q store.DealQuery) (int, error) {
	if err := ac.require(crm.PermReadAll); err != nil {
		return 0, err
	}
	mode, err := a.visibility(ctx, "deals")
	if err != nil {
		return 0, err
	}
	q.Viewer, q.Visibility = ac.User.Viewer(), mode
	return a.Store.CountDeals(ctx, q)
}
