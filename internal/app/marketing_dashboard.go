package app

import (
	"context"
	"sort"
	"time"

	"golang.org/x/sync/errgroup"

	"renkei/internal/crm"
	"renkei/internal/store"
)

// The marketing dashboard (issue 9 §6): marketing is measured by
// awareness, brand and market share, and by the leads it hands to sales.
// Each section reads the same numbers as the report it summarises (the
// awareness report, the hand-off report, market share), for a period with
// the previous one beside it.

// MarketingDashboard is the marketing dashboard of one period.
type MarketingDashboard struct {
	Period crm.Period
	Base   string
	// Awareness over every tracked site: visitors (the sum of each site's
	// distinct visitors over the period) and page views, by week or month.
	Sites                   int
	Visitors, PrevVisitors  int64
	Pageviews, PrevPageview int64
	Buckets                 []AwarenessBucket
	Sources                 []store.Count // top UTM sources and referrers, all sites
	// Leads created and MQLs handed off in the period.
	Leads, PrevLeads int
	MQLs, PrevMQLs   int
	Weeks            []WeekCount // MQLs per week by source group
	LeadsBySource    []store.Count
	// Market share of each market with a size for the period.
	Market []MarketShareRow
	// Share of voice in the period's social posts (our brand first), with
	// the brand's share in the previous period.
	Voice          []VoiceEntity
	VoiceTotal     int
	PrevBrandShare float64
	PrevVoiceTotal int
	// Brand: the NPS of each survey with an NPS question, in the period
	// and the one before.
	NPS []SurveyNPS
	// Campaigns running in the period (their dates overlap it) with their
	// numbers over their whole life.
	Campaigns []CampaignRow
}

// SurveyNPS is one NPS survey's score in a period and the one before.
type SurveyNPS struct {
	SurveyID int64
	Name     string
	Cur      crm.NPSResult
	Prev     crm.NPSResult
}

// CampaignRow is one campaign with its numbers.
type CampaignRow struct {
	Campaign crm.Campaign
	Numbers  CampaignNumbers
}

// Empty reports whether nothing was tracked, no lead came in and no
// market size was entered.
func (d MarketingDashboard) Empty() bool {
	return d.Visitors == 0 && d.Leads == 0 && d.MQLs == 0 && len(d.Market) == 0 && d.VoiceTotal == 0 &&
		len(d.NPS) == 0 && len(d.Campaigns) == 0
}

// MarketingDashboard computes the marketing dashboard of period p.
func (a *App) MarketingDashboard(ctx context.Context, ac Actor, p crm.Period) (MarketingDashboard, error) {
	d := MarketingDashboard{Period: p}
	if err := ac.require(crm.PermReadAll); err != nil {
		return d, err
	}
	if p.Start.IsZero() || !p.End.After(p.Start) {
		return d, crm.Invalid("period", "choose a month, a fiscal quarter or a fiscal year")
	}
	conv, err := a.Converter(ctx)
	if err != nil {
		return d, err
	}
	d.Base = conv.Base
	sites, err := a.Store.Sites(ctx)
	if err != nil {
		return d, err
	}
	d.Sites = len(sites)
	prev := p.Prev()
	group := GroupWeek
	if p.Kind == crm.PeriodYear {
		group = GroupMonth
	}
	last := func(per crm.Period) time.Time { return per.End.AddDate(0, 0, -1) }
	cur := make([]AwarenessReport, len(sites))
	old := make([]AwarenessReport, len(sites))
	var leads LeadsReport
	var leadsBy, prevLeads map[string]int
	var prevOutcomes map[string]int
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(4)
	for i, s := range sites {
		g.Go(func() (err error) {
			cur[i], err = a.Awareness(gctx, ac, AwarenessQuery{SiteID: s.ID, From: p.Start, To: last(p), Group: group, Top: 10})
			return err
		})
		g.Go(func() (err error) {
			old[i], err = a.Awareness(gctx, ac, AwarenessQuery{SiteID: s.ID, From: prev.Start, To: last(prev), Group: group, Top: 1})
			return err
		})
	}
	g.Go(func() (err error) { leads, err = a.leadsReport(gctx, ac, p.Start, p.End, false); return err })
	g.Go(func() (err error) { leadsBy, err = a.Store.LeadsBySource(gctx, p.Start, p.End); return err })
	g.Go(func() (err error) { prevLeads, err = a.Store.LeadsBySource(gctx, prev.Start, prev.End); return err })
	g.Go(func() (err error) {
		prevOutcomes, err = a.Store.HandoffOutcomes(gctx, prev.Start, prev.End)
		return err
	})
	g.Go(func() (err error) { d.Market, err = a.MarketShare(gctx, ac, p); return err })
	g.Go(func() error { return a.dashVoice(gctx, ac, p, &d) })
	g.Go(func() (err error) { d.NPS, err = a.dashNPS(gctx, ac, p); return err })
	g.Go(func() (err error) { d.Campaigns, err = a.dashCampaigns(gctx, ac, p); return err })
	if err := g.Wait(); err != nil {
		return d, err
	}

	buckets := map[time.Time]*AwarenessBucket{}
	sources := map[string]int64{}
	for i := range sites {
		c, o := cur[i], old[i]
		d.Visitors += c.Visitors
		d.Pageviews += c.Pageviews
		d.PrevVisitors += o.Visitors
		d.PrevPageview += o.Pageviews
		for _, b := range c.Buckets {
			x := buckets[b.Start]
			if x == nil {
				x = &AwarenessBucket{Start: b.Start}
				buckets[b.Start] = x
			}
			x.Visitors += b.Visitors
			x.Pageviews += b.Pageviews
			x.Events += b.Events
		}
		for _, s := range c.Sources {
			sources[s.Value] += s.Views
		}
	}
	for _, b := range buckets {
		d.Buckets = append(d.Buckets, *b)
	}
	sort.Slice(d.Buckets, func(i, j int) bool { return d.Buckets[i].Start.Before(d.Buckets[j].Start) })
	d.Sources = topCounts(sources, 8)

	for _, n := range leadsBy {
		d.Leads += n
	}
	for _, n := range prevLeads {
		d.PrevLeads += n
	}
	d.LeadsBySource = topCounts(toInt64(leadsBy), 20)
	d.MQLs, d.Weeks = leads.MQLs, leads.Weeks
	for _, n := range prevOutcomes {
		d.PrevMQLs += n
	}
	return d, nil
}

// dashVoice fills the share of voice of p and the brand's share in the
// period before.
func (a *App) dashVoice(ctx context.Context, ac Actor, p crm.Period, d *MarketingDashboard) error {
	sp, err := a.SocialPeriodOf(ctx, p.Key(), "")
	if err != nil {
		return err
	}
	sv, err := a.ShareOfVoice(ctx, ac, sp)
	if err != nil {
		return err
	}
	d.Voice, d.VoiceTotal = sv.Entities, sv.Total
	pp, err := a.SocialPeriodOf(ctx, p.Prev().Key(), "")
	if err != nil {
		return err
	}
	pv, err := a.ShareOfVoice(ctx, ac, pp)
	if err != nil {
		return err
	}
	d.PrevVoiceTotal = pv.Total
	for _, e := range pv.Entities {
		if e.CompetitorID == 0 {
			d.PrevBrandShare = e.Share
		}
	}
	return nil
}

// dashNPS computes the NPS of every survey with an NPS question in p and
// in the period before.
func (a *App) dashNPS(ctx context.Context, ac Actor, p crm.Period) ([]SurveyNPS, error) {
	surveys, err := a.Surveys(ctx, ac)
	if err != nil {
		return nil, err
	}
	mode, err := a.visibility(ctx, "contacts")
	if err != nil {
		return nil, err
	}
	var out []SurveyNPS
	for _, sv := range surveys {
		qid := ""
		for _, q := range sv.Questions {
			if q.Kind == crm.QNPS {
				qid = q.ID
				break
			}
		}
		if qid == "" || sv.Responses == 0 {
			continue
		}
		row := SurveyNPS{SurveyID: sv.ID, Name: sv.Name}
		for _, x := range []struct {
			per crm.Period
			dst *crm.NPSResult
		}{{p, &row.Cur}, {p.Prev(), &row.Prev}} {
			if mode != crm.VisibleTeam || ac.User.Role == crm.RoleAdmin {
				// Every response counts: the stored score of the survey's
				// first NPS question is all it takes.
				vs, err := a.Store.NPSValues(ctx, sv.ID, x.per.Start, x.per.End)
				if err != nil {
					return nil, err
				}
				*x.dst = crm.NPS(vs)
				continue
			}
			res, err := a.SurveyResults(ctx, ac, sv.ID, ResultsFilter{From: x.per.Start, To: x.per.End}, crm.LangEN)
			if err != nil {
				return nil, err
			}
			for _, q := range res.Questions {
				if q.Question.ID == qid && q.NPS != nil {
					*x.dst = *q.NPS
				}
			}
		}
		if row.Cur.N+row.Prev.N > 0 {
			out = append(out, row)
		}
	}
	return out, nil
}

// dashCampaigns lists the campaigns whose dates overlap p (a campaign
// without dates runs always) with their numbers.
func (a *App) dashCampaigns(ctx context.Context, ac Actor, p crm.Period) ([]CampaignRow, error) {
	cs, err := a.Campaigns(ctx, ac)
	if err != nil {
		return nil, err
	}
	loc := p.Start.Location()
	first, last := p.Start.In(loc).Format(time.DateOnly), p.End.In(loc).AddDate(0, 0, -1).Format(time.DateOnly)
	var in []crm.Campaign
	for _, c := range cs {
		if (c.StartsOn != "" && c.StartsOn > last) || (c.EndsOn != "" && c.EndsOn < first) {
			continue
		}
		in = append(in, c)
	}
	ns, err := a.CampaignNumbersOf(ctx, ac, in)
	if err != nil {
		return nil, err
	}
	var out []CampaignRow
	for i, c := range in {
		out = append(out, CampaignRow{Campaign: c, Numbers: ns[i]})
	}
	return out, nil
}

func toInt64(m map[string]int) map[string]int64 {
	out := make(map[string]int64, len(m))
	for k, v := range m {
		out[k] = int64(v)
	}
	return out
}

// topCounts returns the n largest counts, largest first (ties by key).
func topCounts(m map[string]int64, n int) []store.Count {
	out := make([]store.Count, 0, len(m))
	for k, v := range m {
		out = append(out, store.Count{Value: k, Views: v})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Views != out[j].Views {
			return out[i].Views > out[j].Views
		}
		return out[i].Value < out[j].Value
	})
	if len(out) > n {
		out = out[:n]
	}
	return out
}
