package app

import (
	"context"
	"time"

	"renkei/internal/crm"
	"renkei/internal/store"
)

// Awareness report groupings.
const (
	GroupDay   = "day"
	GroupWeek  = "week"
	GroupMonth = "month"
)

// MaxReportDays bounds a report's range.
const MaxReportDays = 731

// AwarenessQuery selects an awareness report: a site, a range of whole
// days in the workspace's time zone (From and To inclusive, as dates) and
// a grouping.
type AwarenessQuery struct {
	SiteID int64
	From   time.Time
	To     time.Time
	Group  string
	Top    int // rows per table (default 10)
}

// AwarenessBucket is one day, week or month of the report.
type AwarenessBucket struct {
	Start     time.Time
	Visitors  int64 // sum of each day's distinct visitors
	Unique    int64 // distinct visitors over the bucket (estimate)
	Pageviews int64
	Events    int64
}

// AwarenessReport is the awareness report of one site over a range.
type AwarenessReport struct {
	Site      crm.Site
	From, To  time.Time
	Group     string
	Visitors  int64 // sum of daily distinct visitors
	Unique    int64 // distinct visitors over the range (HyperLogLog, ≤ 2% error)
	Pageviews int64
	Events    int64
	Bots      int64
	Buckets   []AwarenessBucket
	Pages     []store.Count
	Referrers []store.Count
	Sources   []store.Count
	Mediums   []store.Count
	Campaigns []store.Count
}

// Location returns the workspace's time zone.
func (a *App) Location(ctx context.Context) (*time.Location, error) {
	ws, _, err := a.Workspace(ctx)
	if err != nil {
		return nil, err
	}
	return ws.Location(), nil
}

// Awareness builds the awareness report from the rollup tables.
func (a *App) Awareness(ctx context.Context, ac Actor, q AwarenessQuery) (AwarenessReport, error) {
	var rep AwarenessReport
	if err := ac.require(crm.PermReadAll); err != nil {
		return rep, err
	}
	v := &crm.ValidationError{}
	switch q.Group {
	case "":
		q.Group = GroupDay
	case GroupDay, GroupWeek, GroupMonth:
	default:
		v.Add("group", "choose day, week or month")
	}
	loc, err := a.Location(ctx)
	if err != nil {
		return rep, err
	}
	from, to := store.Day(q.From, loc), store.Day(q.To, loc)
	if q.From.IsZero() || q.To.IsZero() {
		v.Add("from", "choose a range of dates")
	} else if to < from {
		v.Add("to", "must not be before the start")
	} else if store.DayTime(to, loc).Sub(store.DayTime(from, loc)) > MaxReportDays*24*time.Hour {
		v.Add("to", "the range is too long (two years at most)")
	}
	if err := v.Err(); err != nil {
		return rep, err
	}
	site, err := a.Store.Site(ctx, q.SiteID)
	if err != nil {
		return rep, err
	}
	rep = AwarenessReport{Site: site, From: store.DayTime(from, loc), To: store.DayTime(to, loc), Group: q.Group}
	days, err := a.Store.TrackDays(ctx, site.ID, from, to)
	if err != nil {
		return rep, err
	}
	byDay := map[int]*store.TrackDay{}
	for i := range days {
		byDay[days[i].Day] = &days[i]
	}
	var all crm.HLL
	var cur *AwarenessBucket
	var sketch crm.HLL
	flush := func() {
		if cur != nil {
			cur.Unique = sketch.Estimate()
			rep.Buckets = append(rep.Buckets, *cur)
		}
	}
	for t := rep.From; !t.After(rep.To); t = t.AddDate(0, 0, 1) {
		start := bucketStart(t, q.Group)
		if cur == nil || !cur.Start.Equal(start) {
			flush()
			cur = &AwarenessBucket{Start: start}
			sketch = crm.HLL{}
		}
		d := byDay[store.Day(t, loc)]
		if d == nil {
			continue
		}
		cur.Visitors += d.Visitors
		cur.Pageviews += d.Pageviews
		cur.Events += d.Events
		sketch.Merge(&d.Sketch)
		all.Merge(&d.Sketch)
		rep.Visitors += d.Visitors
		rep.Pageviews += d.Pageviews
		rep.Events += d.Events
		rep.Bots += d.Bots
	}
	flush()
	rep.Unique = all.Estimate()
	top := q.Top
	if top <= 0 {
		top = 10
	}
	for _, t := range []struct {
		dim string
		out *[]store.Count
	}{{"page", &rep.Pages}, {"referrer", &rep.Referrers}, {"utm_source", &rep.Sources}, {"utm_medium", &rep.Mediums}, {"utm_campaign", &rep.Campaigns}} {
		if *t.out, err = a.Store.TrackTop(ctx, site.ID, from, to, t.dim, top); err != nil {
			return rep, err
		}
	}
	return rep, nil
}

// bucketStart is the first day of the day, week (Monday) or month of t.
func bucketStart(t time.Time, group string) time.Time {
	switch group {
	case GroupWeek:
		wd := (int(t.Weekday()) + 6) % 7 // Monday = 0
		return t.AddDate(0, 0, -wd)
	case GroupMonth:
		return time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, t.Location())
	}
	return t
}
