package app

import (
	"context"
	"sort"
	"time"

	"golang.org/x/sync/errgroup"

	"renkei/internal/crm"
	"renkei/internal/store"
)

// The owner dashboard (issue 9 §6): the whole funnel, visitor → lead →
// MQL → SQL → opportunity → won, on one page with the conversion rates by
// source, beside the period's sales headline. The funnel follows cohorts:
// the leads created in the period and how far each has come since, so
// every rate is a share (never above 100%) and comparable between
// sources. A recent period's leads have had less time to convert; the
// page says so.

// FunnelCohort is one cohort of leads through the funnel. Outbound leads
// often become opportunities without a hand-off (a salesperson opens a
// deal for a contact they found), so opportunities are a share of leads,
// not of SQLs.
type FunnelCohort struct {
	Key                          string // a source, a source group or "total"
	Leads, MQLs, SQLs, Opps, Won int
	MQLRate                      Rate // MQLs ÷ leads
	SQLRate                      Rate // SQLs ÷ MQLs: sales accepted
	OppRate                      Rate // opportunities ÷ leads
	WonRate                      Rate // won ÷ opportunities: the cohort's win rate so far
	LeadToWon                    Rate // won ÷ leads
}

func (c *FunnelCohort) add(x store.LeadCohort) {
	c.Leads += x.Leads
	c.MQLs += x.MQLs
	c.SQLs += x.SQLs
	c.Opps += x.Opps
	c.Won += x.Won
}

func (c *FunnelCohort) rates() {
	c.MQLRate, c.SQLRate = newRate(c.MQLs, c.Leads), newRate(c.SQLs, c.MQLs)
	c.OppRate, c.WonRate = newRate(c.Opps, c.Leads), newRate(c.Won, c.Opps)
	c.LeadToWon = newRate(c.Won, c.Leads)
}

// OwnerDashboard is the owner's one-page view of a period.
type OwnerDashboard struct {
	Period crm.Period
	Base   string
	// Visitors first seen in the period and how many of them became
	// known contacts.
	Visitors, Identified int
	VisitorRate          Rate
	Total, PrevTotal     FunnelCohort
	Groups               []FunnelCohort // marketing, outbound
	BySource             []FunnelCohort // by original source, largest first
	Sales, PrevSales     SalesKPIs
}

// Empty reports whether the period has no visitors, leads or closed deals.
func (d OwnerDashboard) Empty() bool {
	return d.Visitors == 0 && d.Total.Leads == 0 && d.Sales.WinRate.Den == 0
}

// OwnerDashboard computes the owner dashboard of period p.
func (a *App) OwnerDashboard(ctx context.Context, ac Actor, p crm.Period) (OwnerDashboard, error) {
	d := OwnerDashboard{Period: p}
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
	q := store.DealQuery{Viewer: ac.User.Viewer(), Visibility: mode}
	prev := p.Prev()
	var cur, old []store.LeadCohort
	var visitors, identified map[string]int
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() (err error) { cur, err = a.Store.LeadCohorts(gctx, p.Start, p.End); return err })
	g.Go(func() (err error) { old, err = a.Store.LeadCohorts(gctx, prev.Start, prev.End); return err })
	g.Go(func() (err error) {
		visitors, identified, err = a.Store.VisitorsByCampaign(gctx, p.Start, p.End)
		return err
	})
	g.Go(func() (err error) {
		d.Sales, err = a.salesKPIs(gctx, q, conv, p, []time.Time{p.Start, p.End}, nil)
		return err
	})
	g.Go(func() (err error) {
		d.PrevSales, err = a.salesKPIs(gctx, q, conv, prev, []time.Time{prev.Start, prev.End}, nil)
		return err
	})
	if err := g.Wait(); err != nil {
		return d, err
	}
	for _, n := range visitors {
		d.Visitors += n
	}
	for _, n := range identified {
		d.Identified += n
	}
	d.VisitorRate = newRate(d.Identified, d.Visitors)

	d.Total, d.PrevTotal = FunnelCohort{Key: "total"}, FunnelCohort{Key: "total"}
	groups := map[string]*FunnelCohort{crm.GroupMarketing: {Key: crm.GroupMarketing}, crm.GroupOutbound: {Key: crm.GroupOutbound}}
	for _, x := range cur {
		d.Total.add(x)
		grp := crm.DefaultSourceGroups[crm.Source(x.Source)]
		if grp != crm.GroupMarketing {
			grp = crm.GroupOutbound
		}
		groups[grp].add(x)
		row := FunnelCohort{Key: x.Source}
		row.add(x)
		row.rates()
		d.BySource = append(d.BySource, row)
	}
	for _, x := range old {
		d.PrevTotal.add(x)
	}
	d.Total.rates()
	d.PrevTotal.rates()
	for _, k := range []string{crm.GroupMarketing, crm.GroupOutbound} {
		groups[k].rates()
		d.Groups = append(d.Groups, *groups[k])
	}
	sort.SliceStable(d.BySource, func(i, j int) bool { return d.BySource[i].Leads > d.BySource[j].Leads })
	return d, nil
}
