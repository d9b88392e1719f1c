package app

import (
	"context"
	"math"
	"slices"
	"sort"
	"strconv"
	"time"

	"renkei/internal/crm"
	"renkei/internal/store"
)

// LeadQuery selects the Leads inbox.
type LeadQuery struct {
	// Tab: new, overdue, open (both), accepted, rejected; "" = all.
	Tab string
	// Scope: mine (default) or team (managers: their teams and their own
	// leads; admins: every lead).
	Scope   string
	AfterID int64
	Limit   int
	// Visits is how many page views before the conversion to load per
	// lead (0 = none).
	Visits int
}

// LeadView is one lead of the inbox.
type LeadView struct {
	store.LeadRow
	Overdue bool
	// Left is the business time left on the first-touch clock (negative
	// when overdue), for open leads.
	Left      time.Duration
	Score     LeadScore
	Visits    []store.Visit
	MayDecide bool
}

// LeadTabs are the inbox tabs.
var LeadTabs = []string{"new", "overdue", "accepted", "rejected"}

// Leads lists the actor's leads (or their teams'), newest first, with
// the SLA clock, the score and the visits before the conversion.
func (a *App) Leads(ctx context.Context, ac Actor, q LeadQuery) ([]LeadView, error) {
	if err := ac.require(crm.PermReadAll); err != nil {
		return nil, err
	}
	switch q.Tab {
	case "", "new", "overdue", "open", "accepted", "rejected":
	default:
		return nil, crm.Invalid("status", "choose new, overdue, open, accepted or rejected")
	}
	switch q.Scope {
	case "", "mine", "team":
	default:
		return nil, crm.Invalid("scope", "choose mine or team")
	}
	now := a.now()
	f := store.LeadFilter{Tab: q.Tab, Now: now, AfterID: q.AfterID, Limit: q.Limit}
	if q.Scope != "team" || ac.User.Role != crm.RoleAdmin {
		f.OwnerIDs = []int64{ac.User.ID}
		if q.Scope == "team" {
			for _, m := range ac.User.Teams {
				if m.IsManager {
					f.TeamIDs = append(f.TeamIDs, m.TeamID)
				}
			}
		}
	}
	rows, err := a.Store.Leads(ctx, f)
	if err != nil {
		return nil, err
	}
	ws, _, err := a.Workspace(ctx)
	if err != nil {
		return nil, err
	}
	mode, err := a.visibility(ctx, "contacts")
	if err != nil {
		return nil, err
	}
	cal := ws.Calendar()
	viewer := ac.User.Viewer()
	out := make([]LeadView, 0, len(rows))
	for _, r := range rows {
		if !viewer.CanSee(mode, r.Contact.OwnerID, r.Contact.TeamID) {
			continue
		}
		v := LeadView{LeadRow: r, Overdue: r.Handoff.Overdue(now), MayDecide: r.Status == crm.HandoffNew && MayDecide(ac, r.Handoff)}
		if r.Status == crm.HandoffNew {
			v.Left = cal.BusinessHoursBetween(now, r.DueAt)
			if v.Overdue && v.Left >= 0 {
				v.Left = -time.Minute // past due outside business hours
			}
		}
		if v.Score, err = a.leadScore(ctx, r.ContactID); err != nil {
			return nil, err
		}
		if q.Visits > 0 {
			if v.Visits, err = a.Store.VisitsBefore(ctx, r.ContactID, r.MQLAt, q.Visits); err != nil {
				return nil, err
			}
		}
		out = append(out, v)
	}
	return out, nil
}

// Lead returns the inbox view of one contact's latest hand-off.
func (a *App) Lead(ctx context.Context, ac Actor, contactID int64) (LeadView, error) {
	c, err := a.Contact(ctx, ac, contactID)
	if err != nil {
		return LeadView{}, err
	}
	h, err := a.Store.LatestHandoff(ctx, contactID)
	if err != nil {
		return LeadView{}, err
	}
	now := a.now()
	v := LeadView{LeadRow: store.LeadRow{Handoff: h, Contact: c}, Overdue: h.Overdue(now),
		MayDecide: h.Status == crm.HandoffNew && MayDecide(ac, h)}
	if h.OwnerID != 0 {
		if u, err := a.Store.User(ctx, h.OwnerID); err == nil {
			v.OwnerName = u.Name
		}
	}
	ws, _, err := a.Workspace(ctx)
	if err != nil {
		return v, err
	}
	if h.Status == crm.HandoffNew {
		v.Left = ws.Calendar().BusinessHoursBetween(now, h.DueAt)
	}
	if v.Score, err = a.leadScore(ctx, contactID); err != nil {
		return v, err
	}
	v.Visits, err = a.Store.VisitsBefore(ctx, contactID, h.MQLAt, 20)
	return v, err
}

// ---- reports ----

// Rate is a share with its denominator and a 95% Wilson interval
// (DESIGN.md §7).
type Rate struct {
	Num, Den int
	Value    float64 // Num/Den, 0 when Den is 0
	Low      float64
	High     float64
}

// newRate computes a rate with its Wilson score interval at 95%.
func newRate(num, den int) Rate {
	r := Rate{Num: num, Den: den}
	if den == 0 {
		return r
	}
	n, p, z := float64(den), float64(num)/float64(den), 1.959963984540054
	r.Value = p
	centre := (p + z*z/(2*n)) / (1 + z*z/n)
	half := z / (1 + z*z/n) * math.Sqrt(p*(1-p)/n+z*z/(4*n*n))
	r.Low, r.High = math.Max(0, centre-half), math.Min(1, centre+half)
	return r
}

// WeekCount is the MQLs of one week (Monday start, workspace zone) by
// source group.
type WeekCount struct {
	Week      time.Time
	Marketing int
	Outbound  int
}

// FunnelRow is one line of the conversion table: visitors → leads → MQL →
// SQL for a source or a campaign. Visitors is -1 where it does not apply
// (sources other than tracked visits carry no visitor count).
type FunnelRow struct {
	Key      string
	Visitors int
	Leads    int
	MQLs     int
	SQLs     int
	LeadRate Rate // leads ÷ visitors
	MQLRate  Rate // MQLs ÷ leads
	SQLRate  Rate // SQLs ÷ MQLs
}

// LeadsReport is the hand-off report of one period.
type LeadsReport struct {
	From, To time.Time
	Weeks    []WeekCount
	MQLs     int
	// Acceptance is accepted ÷ decided (accepted + rejected), overall and
	// by source group.
	Acceptance        Rate
	AcceptanceByGroup map[string]Rate
	Pending           int // still new
	// FirstTouch is the median time from MQL to first touch in business
	// hours, over the hand-offs touched (n = FirstTouchN).
	FirstTouch  time.Duration
	FirstTouchN int
	Reasons     map[string]int
	BySource    []FunnelRow
	ByCampaign  []FunnelRow
	Total       FunnelRow
}

// LeadsReport computes the hand-off report for [from, to).
func (a *App) LeadsReport(ctx context.Context, ac Actor, from, to time.Time) (LeadsReport, error) {
	return a.leadsReport(ctx, ac, from, to, true)
}

// leadsReport computes the hand-off report; without funnels it leaves out
// the tables by source and by campaign (and their visitor and lead counts,
// the costly part on a large site), which the dashboards do not show.
func (a *App) leadsReport(ctx context.Context, ac Actor, from, to time.Time, funnels bool) (LeadsReport, error) {
	r := LeadsReport{From: from, To: to, AcceptanceByGroup: map[string]Rate{}, Reasons: map[string]int{}}
	if err := ac.require(crm.PermReadAll); err != nil {
		return r, err
	}
	if !to.After(from) {
		return r, crm.Invalid("to", "must be after from")
	}
	if to.Sub(from) > 3*366*24*time.Hour {
		return r, crm.Invalid("from", "choose a period of at most three years")
	}
	ws, _, err := a.Workspace(ctx)
	if err != nil {
		return r, err
	}
	facts, err := a.Store.HandoffFacts(ctx, from, to)
	if err != nil {
		return r, err
	}
	cal, loc := ws.Calendar(), ws.Location()
	weeks := map[time.Time]*WeekCount{}
	for w := weekStart(from, loc); w.Before(to); w = w.AddDate(0, 0, 7) {
		weeks[w] = &WeekCount{Week: w}
	}
	acc, dec := map[string]int{}, map[string]int{}
	var touches []time.Duration
	bySource := map[string]*FunnelRow{}
	byCampaign := map[string]*FunnelRow{}
	row := func(m map[string]*FunnelRow, k string) *FunnelRow {
		if m[k] == nil {
			m[k] = &FunnelRow{Key: k}
		}
		return m[k]
	}
	for _, f := range facts {
		r.MQLs++
		if w := weeks[weekStart(f.MQLAt, loc)]; w != nil {
			if f.SourceGroup == crm.GroupMarketing {
				w.Marketing++
			} else {
				w.Outbound++
			}
		}
		src, camp := row(bySource, f.Source), row(byCampaign, f.Campaign)
		src.MQLs++
		camp.MQLs++
		switch crm.HandoffStatus(f.Status) {
		case crm.HandoffAccepted:
			acc[f.SourceGroup]++
			dec[f.SourceGroup]++
			src.SQLs++
			camp.SQLs++
		case crm.HandoffRejected:
			dec[f.SourceGroup]++
			r.Reasons[f.ReasonCode]++
		default:
			r.Pending++
		}
		if !f.FirstTouchAt.IsZero() {
			touches = append(touches, cal.BusinessHoursBetween(f.MQLAt, f.FirstTouchAt))
		}
	}
	for _, w := range weeks {
		r.Weeks = append(r.Weeks, *w)
	}
	sort.Slice(r.Weeks, func(i, j int) bool { return r.Weeks[i].Week.Before(r.Weeks[j].Week) })
	ta, td := 0, 0
	for g, d := range dec {
		r.AcceptanceByGroup[g] = newRate(acc[g], d)
		ta, td = ta+acc[g], td+d
	}
	r.Acceptance = newRate(ta, td)
	r.FirstTouchN = len(touches)
	if len(touches) > 0 {
		slices.Sort(touches)
		mid := len(touches) / 2
		r.FirstTouch = touches[mid]
		if len(touches)%2 == 0 {
			r.FirstTouch = (touches[mid-1] + touches[mid]) / 2
		}
	}
	if !funnels {
		return r, nil
	}
	leads, err := a.Store.LeadsBySource(ctx, from, to)
	if err != nil {
		return r, err
	}
	for k, n := range leads {
		row(bySource, k).Leads = n
	}
	visitors, identified, err := a.Store.VisitorsByCampaign(ctx, from, to)
	if err != nil {
		return r, err
	}
	for k, n := range visitors {
		row(byCampaign, k).Visitors = n
	}
	for k, n := range identified {
		row(byCampaign, k).Leads = n
	}
	r.Total = FunnelRow{Key: "total"}
	for _, v := range visitors {
		r.Total.Visitors += v
	}
	// The total row heads the campaign table: its leads are the visitors
	// who identified, as in the rows below (contacts created without a
	// tracked visit would make visitor → lead exceed 100%).
	for _, n := range identified {
		r.Total.Leads += n
	}
	r.Total.MQLs = r.MQLs
	r.Total.SQLs = ta
	r.Total.rates()
	r.BySource = funnelRows(bySource, -1)
	r.ByCampaign = funnelRows(byCampaign, 0)
	return r, nil
}

func (f *FunnelRow) rates() {
	if f.Visitors >= 0 {
		f.LeadRate = newRate(f.Leads, f.Visitors)
	}
	f.MQLRate = newRate(f.MQLs, f.Leads)
	f.SQLRate = newRate(f.SQLs, f.MQLs)
}

// funnelRows sorts rows by MQLs then leads; visitors is the value rows
// without a visitor count get (-1 = not applicable).
func funnelRows(m map[string]*FunnelRow, visitors int) []FunnelRow {
	out := make([]FunnelRow, 0, len(m))
	for _, r := range m {
		if visitors < 0 {
			r.Visitors = -1
		}
		r.rates()
		out = append(out, *r)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].MQLs != out[j].MQLs {
			return out[i].MQLs > out[j].MQLs
		}
		if out[i].Leads != out[j].Leads {
			return out[i].Leads > out[j].Leads
		}
		return out[i].Key < out[j].Key
	})
	return out
}

// weekStart returns midnight of the Monday of t's week in loc.
func weekStart(t time.Time, loc *time.Location) time.Time {
	t = t.In(loc)
	d := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, loc)
	off := (int(d.Weekday()) + 6) % 7
	return d.AddDate(0, 0, -off)
}

// Percent renders the rate for people: "62.5%", or "–" without a
// denominator.
func (r Rate) Percent() string {
	if r.Den == 0 {
		return "–"
	}
	return strconv.FormatFloat(r.Value*100, 'f', 1, 64) + "%"
}

// Interval renders the 95% interval: "31–86%".
func (r Rate) Interval() string {
	if r.Den == 0 {
		return ""
	}
	return strconv.FormatFloat(r.Low*100, 'f', 0, 64) + "–" + strconv.FormatFloat(r.High*100, 'f', 0, 64) + "%"
}
