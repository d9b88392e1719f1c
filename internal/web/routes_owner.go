package web

import (
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"strconv"

	"renkei/internal/app"
	"renkei/internal/crm"
	"renkei/internal/csvio"
	"renkei/internal/i18n"
)

// ownerRoutes are the UI routes of the owner dashboard.
func (s *server) ownerRoutes() []route {
	return []route{
		{"GET", "/reports/owner", crm.PermReadAll, s.ownerPage, false},
	}
}

// funnelLine is one row of a funnel table, labelled for people.
type funnelLine struct {
	Label string
	C     app.FunnelCohort
}

type ownerData struct {
	D          app.OwnerDashboard
	Key, Kind  string
	Label      string
	PrevLabel  string
	PrevURL    string
	NextURL    string
	CSVURL     string
	KPIs       []dashKPI
	Steps      []dashRow
	Groups     []funnelLine
	Sources    []funnelLine
	Total      funnelLine
	Empty      bool
	ChartsJSON string
}

// periodFromQuery reads ?period= and ?kind= in the workspace's calendar
// (default: the current fiscal quarter).
func (s *server) periodFromQuery(r *http.Request, ws crm.Workspace) (crm.Period, error) {
	q := r.URL.Query()
	kind, ok := crm.ParsePeriodKind(q.Get("kind"))
	if !ok {
		kind = crm.PeriodQuarter
	}
	period := ws.PeriodOf(kind, s.app.Clock())
	if key := q.Get("period"); key != "" {
		pp, err := ws.ParsePeriod(key)
		if err != nil {
			return period, err
		}
		period = pp
		if k, ok := crm.ParsePeriodKind(q.Get("kind")); ok && k != pp.Kind {
			period = ws.PeriodOf(k, pp.Start)
		}
	}
	return period, nil
}

func (s *server) ownerPage(w http.ResponseWriter, r *http.Request, rq *req) error {
	ctx := r.Context()
	lang := rq.lang
	ws, err := s.workspace(ctx, rq)
	if err != nil {
		return err
	}
	period, err := s.periodFromQuery(r, ws)
	if err != nil {
		return err
	}
	d := &ownerData{}
	if d.D, err = s.app.OwnerDashboard(ctx, rq.actor, period); err != nil {
		return err
	}
	d.build(lang)
	if r.URL.Query().Get("format") == "csv" {
		return writeFunnelCSV(w, "renkei-funnel-"+period.Key(), append(append([]funnelLine{d.Total}, d.Groups...), d.Sources...))
	}
	p := s.newPage(w, r, rq, "owner.title")
	p.Section, p.Sub = "reports", "owner"
	d.Key, d.Kind = period.Key(), string(period.Kind)
	d.Label, d.PrevLabel = periodLabel(lang, period), periodLabel(lang, period.Prev())
	p.Pretitle = d.Label
	nav := func(pp crm.Period) string { return "/reports/owner?" + url.Values{"period": {pp.Key()}}.Encode() }
	d.PrevURL, d.NextURL = nav(period.Prev()), nav(period.Next())
	d.CSVURL = "/reports/owner?" + url.Values{"period": {period.Key()}, "format": {"csv"}}.Encode()
	d.Empty = d.D.Empty()
	p.Data = d
	s.render(w, r, rq, http.StatusOK, "reports_owner", p)
	return nil
}

// sourceLabel names a source or a source group for people.
func sourceLabel(lang crm.Language, key string) string {
	switch key {
	case "total":
		return i18n.T(lang, "owner.total")
	case crm.GroupMarketing, crm.GroupOutbound:
		return i18n.T(lang, "deals.group."+key)
	}
	return i18n.T(lang, "source."+key)
}

func (d *ownerData) build(lang crm.Language) {
	x := d.D
	money := func(n int64) string { return i18n.Money(lang, n, x.Base) }
	cur, prev := x.Sales, x.PrevSales
	kpi := func(k dashKPI, c, p float64, points bool) dashKPI {
		k.Delta, k.Good, k.Bad = change(c, p, points)
		return k
	}
	d.KPIs = []dashKPI{
		kpi(dashKPI{Key: "revenue", Label: i18n.T(lang, "dash.kpi.revenue"), Value: money(cur.Revenue), Prev: money(prev.Revenue),
			Sub: i18n.T(lang, "dash.kpi.revenue_sub")}, float64(cur.Revenue), float64(prev.Revenue), false),
		kpi(dashKPI{Key: "contracts", Label: i18n.T(lang, "dash.kpi.contracts"), Value: strconv.Itoa(cur.Contracts), Prev: strconv.Itoa(prev.Contracts),
			Sub: i18n.T(lang, "dash.kpi.contracts_sub")}, float64(cur.Contracts), float64(prev.Contracts), false),
		kpi(dashKPI{Key: "winrate", Label: i18n.T(lang, "dash.kpi.winrate"), Value: cur.WinRate.Percent(), Prev: prev.WinRate.Percent(),
			Sub: rateSub(lang, cur.WinRate)}, cur.WinRate.Value, prev.WinRate.Value, true),
		kpi(dashKPI{Key: "leads", Label: i18n.T(lang, "owner.leads"), Value: strconv.Itoa(x.Total.Leads), Prev: strconv.Itoa(x.PrevTotal.Leads),
			Sub: i18n.T(lang, "owner.leads_sub", x.Total.MQLs)}, float64(x.Total.Leads), float64(x.PrevTotal.Leads), false),
	}
	if cur.WinRate.Den == 0 || prev.WinRate.Den == 0 {
		d.KPIs[2].Delta, d.KPIs[2].Good, d.KPIs[2].Bad = "", false, false
	}

	// The funnel: visitors, then the period's lead cohort.
	t := x.Total
	step := func(key string, n int, r app.Rate, note string) {
		row := dashRow{Label: i18n.T(lang, "owner.step."+key), Count: n, Extra: note}
		if r.Den > 0 {
			row.Amount = r.Percent()
		}
		d.Steps = append(d.Steps, row)
	}
	step("visitors", x.Visitors, app.Rate{}, "")
	step("identified", x.Identified, x.VisitorRate, i18n.T(lang, "owner.of_visitors"))
	step("leads", t.Leads, app.Rate{}, i18n.T(lang, "owner.all_sources"))
	step("mqls", t.MQLs, t.MQLRate, i18n.T(lang, "owner.of_leads"))
	step("sqls", t.SQLs, t.SQLRate, i18n.T(lang, "owner.of_mqls"))
	step("opps", t.Opps, t.OppRate, i18n.T(lang, "owner.of_leads"))
	step("won", t.Won, t.WonRate, i18n.T(lang, "owner.of_opps"))
	funnel := dashChart{Horizontal: true}
	set := dashSet{Label: i18n.T(lang, "owner.count"), Color: "#206bc4"}
	for _, s := range d.Steps {
		funnel.Labels = append(funnel.Labels, s.Label)
		set.Data = append(set.Data, float64(s.Count))
		tip := strconv.Itoa(s.Count)
		if s.Amount != "" {
			tip += " (" + s.Amount + " " + s.Extra + ")"
		}
		set.Tips = append(set.Tips, tip)
	}
	funnel.Sets = []dashSet{set}

	d.Total = funnelLine{Label: sourceLabel(lang, "total"), C: t}
	for _, g := range x.Groups {
		d.Groups = append(d.Groups, funnelLine{Label: sourceLabel(lang, g.Key), C: g})
	}
	for _, s := range x.BySource {
		d.Sources = append(d.Sources, funnelLine{Label: sourceLabel(lang, s.Key), C: s})
	}
	// Lead → won by source group, as bars with their intervals.
	conv := dashChart{Horizontal: true, Percent: true}
	rate := dashSet{Label: i18n.T(lang, "owner.lead_to_won"), Color: "#ae3ec9"}
	ci := dashSet{Label: i18n.T(lang, "dash.ci95"), Color: "rgba(174,62,201,.25)"}
	for _, l := range append(append([]funnelLine{}, d.Groups...), d.Total) {
		r := l.C.LeadToWon
		conv.Labels = append(conv.Labels, l.Label)
		rate.Data = append(rate.Data, round1(r.Value*100))
		rate.Tips = append(rate.Tips, fmt.Sprintf("%s (%d/%d)", r.Percent(), r.Num, r.Den))
		ci.Range = append(ci.Range, []float64{round1(r.Low * 100), round1(r.High * 100)})
		ci.Tips = append(ci.Tips, i18n.T(lang, "dash.ci", r.Interval(), r.Den))
	}
	conv.Sets = []dashSet{rate, ci}
	// The axis ends a little above the highest interval, not at 100%:
	// lead → won shares are small.
	top := 0.0
	for _, r := range ci.Range {
		top = max(top, r[1])
	}
	conv.Max = min(100, math.Ceil(top*1.2/10)*10)
	b, _ := json.Marshal(map[string]dashChart{"funnel": funnel, "conversion": conv})
	d.ChartsJSON = string(b)
}

// writeFunnelCSV writes funnel rows as a CSV download: counts and rates
// (rates as fractions, intervals beside them).
func writeFunnelCSV(w http.ResponseWriter, name string, lines []funnelLine) error {
	setDownload(w, csvio.EncodingUTF8, name)
	cw := csvio.NewWriter(w, csvio.EncodingUTF8)
	cw.Write([]string{"source", "leads", "mqls", "mql_rate", "sqls", "sql_rate", "opportunities", "opportunity_rate",
		"won", "win_rate", "win_rate_ci_low", "win_rate_ci_high", "lead_to_won"})
	f := func(r app.Rate) string {
		if r.Den == 0 {
			return ""
		}
		return strconv.FormatFloat(r.Value, 'f', 4, 64)
	}
	ci := func(v float64, r app.Rate) string {
		if r.Den == 0 {
			return ""
		}
		return strconv.FormatFloat(v, 'f', 4, 64)
	}
	for _, l := range lines {
		c := l.C
		cw.Write([]string{l.Label, strconv.Itoa(c.Leads), strconv.Itoa(c.MQLs), f(c.MQLRate), strconv.Itoa(c.SQLs), f(c.SQLRate),
			strconv.Itoa(c.Opps), f(c.OppRate), strconv.Itoa(c.Won), f(c.WonRate), ci(c.WonRate.Low, c.WonRate), ci(c.WonRate.High, c.WonRate),
			f(c.LeadToWon)})
	}
	return cw.Flush()
}
