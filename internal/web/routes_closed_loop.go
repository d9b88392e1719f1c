package web

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	"renkei/internal/app"
	"renkei/internal/crm"
	"renkei/internal/i18n"
)

// closedLoopRoutes are the UI routes of the closed-loop report.
func (s *server) closedLoopRoutes() []route {
	return []route{
		{"GET", "/reports/closed-loop", crm.PermReadAll, s.closedLoopPage, false},
	}
}

// loopCell is one number of the marketing-vs-outbound table.
type loopCell struct {
	Value string
	Sub   string // n, the interval or the previous period's value
	Href  string
}

// loopLine is one metric of the marketing-vs-outbound table.
type loopLine struct {
	Key                 string // test hook: data-metric
	Label               string
	Marketing, Outbound loopCell
	Diff                string // marketing − outbound, when both are known
}

// loopMonth is one month's win rates by source group.
type loopMonth struct {
	Label               string
	Marketing, Outbound app.Rate
	Lift                string
	Href                string
}

type closedLoopData struct {
	R          app.ClosedLoopReport
	Key, Kind  string
	Label      string
	PrevLabel  string
	PrevURL    string
	NextURL    string
	Lines      []loopLine
	Months     []loopMonth
	Bands      []app.ScoreBand
	Empty      bool
	ChartsJSON string
	FirstTouch string
	LeadsURL   string
	CSV        string // + a table name: that table as CSV
}

func (s *server) closedLoopPage(w http.ResponseWriter, r *http.Request, rq *req) error {
	ctx := r.Context()
	lang := rq.lang
	p := s.newPage(w, r, rq, "loop.title")
	p.Section, p.Sub = "reports", "closedloop"
	ws, err := s.workspace(ctx, rq)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	period, err := s.periodFromQuery(r, ws)
	if err != nil {
		return err
	}
	d := &closedLoopData{}
	if d.R, err = s.app.ClosedLoop(ctx, rq.actor, period); err != nil {
		return err
	}
	if q.Get("format") == "csv" {
		return writeReportCSV(w, r, "renkei-closed-loop-"+period.Key(), closedLoopTables(d.R))
	}
	d.CSV = "/reports/closed-loop?" + url.Values{"period": {period.Key()}, "format": {"csv"}}.Encode() + "&table="
	d.Key, d.Kind = period.Key(), string(period.Kind)
	d.Label, d.PrevLabel = periodLabel(lang, period), periodLabel(lang, period.Prev())
	p.Pretitle = d.Label
	nav := func(pp crm.Period) string {
		return "/reports/closed-loop?" + url.Values{"period": {pp.Key()}}.Encode()
	}
	d.PrevURL, d.NextURL = nav(period.Prev()), nav(period.Next())
	d.Empty = d.R.Empty()
	d.LeadsURL = "/reports/leads?" + url.Values{"from": {period.Start.In(ws.Location()).Format("2006-01-02")},
		"to": {period.End.In(ws.Location()).AddDate(0, 0, -1).Format("2006-01-02")}}.Encode()
	d.build(lang)
	p.Data = d
	s.render(w, r, rq, http.StatusOK, "reports_closed_loop", p)
	return nil
}

// loopDeals is the deal list closed in period key for a source group,
// optionally won only.
func loopDeals(key, group string, won bool) string {
	v := url.Values{"closed": {key}, "source": {group}}
	if won {
		v.Set("status", "won")
	}
	return "/sales/deals/list?" + v.Encode()
}

func (d *closedLoopData) build(lang crm.Language) {
	x := d.R
	money := func(n int64) string { return i18n.Money(lang, n, x.Base) }
	cur, prev := x.Cur, x.Prev
	key := cur.Period.Key()
	prevNote := func(s string) string { return i18n.T(lang, "loop.prev", s) }
	rateCell := func(r, pr app.Rate, href string) loopCell {
		c := loopCell{Value: r.Percent(), Href: href, Sub: i18n.T(lang, "loop.rate_n", r.Num, r.Den)}
		if iv := r.Interval(); iv != "" {
			c.Sub += " · " + i18n.T(lang, "loop.ci", iv)
		}
		c.Sub += " · " + prevNote(pr.Percent())
		return c
	}
	points := func(a, b app.Rate) string {
		if a.Den == 0 || b.Den == 0 {
			return "–"
		}
		return fmt.Sprintf("%+.1f pt", (a.Value-b.Value)*100)
	}
	ratio := func(a, b int64, na, nb int) string {
		if na == 0 || nb == 0 || b == 0 {
			return "–"
		}
		return fmt.Sprintf("×%.2f", float64(a)/float64(b))
	}
	converted := func(k app.SalesKPIs) int { return k.Contracts - k.Unconverted }
	m, o, pm, po := cur.Marketing, cur.Outbound, prev.Marketing, prev.Outbound
	d.Lines = []loopLine{
		{Key: "winrate", Label: i18n.T(lang, "dash.kpi.winrate"),
			Marketing: rateCell(m.WinRate, pm.WinRate, loopDeals(key, crm.GroupMarketing, false)),
			Outbound:  rateCell(o.WinRate, po.WinRate, loopDeals(key, crm.GroupOutbound, false)),
			Diff:      points(m.WinRate, o.WinRate)},
		{Key: "contracts", Label: i18n.T(lang, "dash.kpi.contracts"),
			Marketing: loopCell{Value: strconv.Itoa(m.Contracts), Sub: prevNote(strconv.Itoa(pm.Contracts)), Href: loopDeals(key, crm.GroupMarketing, true)},
			Outbound:  loopCell{Value: strconv.Itoa(o.Contracts), Sub: prevNote(strconv.Itoa(po.Contracts)), Href: loopDeals(key, crm.GroupOutbound, true)},
			Diff:      fmt.Sprintf("%+d", m.Contracts-o.Contracts)},
		{Key: "revenue", Label: i18n.T(lang, "dash.kpi.revenue"),
			Marketing: loopCell{Value: money(m.Revenue), Sub: prevNote(money(pm.Revenue)), Href: loopDeals(key, crm.GroupMarketing, true)},
			Outbound:  loopCell{Value: money(o.Revenue), Sub: prevNote(money(po.Revenue)), Href: loopDeals(key, crm.GroupOutbound, true)},
			Diff:      money(m.Revenue - o.Revenue)},
		{Key: "dealsize", Label: i18n.T(lang, "dash.kpi.dealsize"),
			Marketing: loopCell{Value: dashMoneyOrDash(lang, m.AvgDealSize, converted(m), x.Base), Sub: i18n.T(lang, "loop.n", converted(m))},
			Outbound:  loopCell{Value: dashMoneyOrDash(lang, o.AvgDealSize, converted(o), x.Base), Sub: i18n.T(lang, "loop.n", converted(o))},
			Diff:      ratio(m.AvgDealSize, o.AvgDealSize, converted(m), converted(o))},
		{Key: "cycle", Label: i18n.T(lang, "dash.kpi.cycle"),
			Marketing: loopCell{Value: daysOrDash(lang, m.CycleAvg, m.Contracts), Sub: i18n.T(lang, "loop.median", daysOrDash(lang, m.CycleMedian, m.Contracts), m.Contracts)},
			Outbound:  loopCell{Value: daysOrDash(lang, o.CycleAvg, o.Contracts), Sub: i18n.T(lang, "loop.median", daysOrDash(lang, o.CycleMedian, o.Contracts), o.Contracts)},
			Diff:      cycleDiff(lang, m, o)},
	}

	charts := map[string]dashChart{}
	// Win rate by month, marketing-sourced beside outbound.
	byMonth := dashChart{Percent: true}
	mk := dashSet{Label: i18n.T(lang, "deals.group.marketing"), Color: "#ae3ec9"}
	ob := dashSet{Label: i18n.T(lang, "deals.group.outbound"), Color: "#4299e1"}
	rows := x.Months
	if len(rows) == 0 {
		rows = []app.LoopRow{cur}
	}
	tip := func(r app.Rate) string {
		if r.Den == 0 {
			return i18n.T(lang, "dash.no_closed")
		}
		return i18n.T(lang, "loop.tip", r.Percent(), r.Num, r.Den, r.Interval())
	}
	for _, row := range rows {
		label := periodLabel(lang, row.Period)
		mr, or := row.Marketing.WinRate, row.Outbound.WinRate
		byMonth.Labels = append(byMonth.Labels, label)
		byMonth.URLs = append(byMonth.URLs, "/sales/deals/list?"+url.Values{"closed": {row.Period.Key()}}.Encode())
		mk.Data, mk.Tips = append(mk.Data, round1(mr.Value*100)), append(mk.Tips, tip(mr))
		ob.Data, ob.Tips = append(ob.Data, round1(or.Value*100)), append(ob.Tips, tip(or))
		d.Months = append(d.Months, loopMonth{Label: label, Marketing: mr, Outbound: or, Lift: points(mr, or),
			Href: "/sales/deals/list?" + url.Values{"closed": {row.Period.Key()}}.Encode()})
	}
	byMonth.Sets = []dashSet{mk, ob}
	charts["bymonth"] = byMonth

	// Score calibration: win rate by fit band with its interval.
	cal := dashChart{Percent: true}
	rate := dashSet{Label: i18n.T(lang, "dash.kpi.winrate"), Color: "#2fb344"}
	ci := dashSet{Label: i18n.T(lang, "dash.ci95"), Color: "rgba(47,179,68,.25)"}
	for _, b := range x.Bands {
		cal.Labels = append(cal.Labels, b.Label())
		rate.Data, rate.Tips = append(rate.Data, round1(b.WinRate.Value*100)), append(rate.Tips, tip(b.WinRate))
		ci.Range = append(ci.Range, []float64{round1(b.WinRate.Low * 100), round1(b.WinRate.High * 100)})
		ci.Tips = append(ci.Tips, i18n.T(lang, "dash.ci", b.WinRate.Interval(), b.WinRate.Den))
	}
	cal.Sets = []dashSet{rate, ci}
	charts["calibration"] = cal
	d.Bands = x.Bands
	b, _ := json.Marshal(charts)
	d.ChartsJSON = string(b)

	if h := x.Handoff; h.FirstTouchN > 0 {
		d.FirstTouch = i18n.T(lang, "loop.hours", strconv.FormatFloat(h.FirstTouch.Hours(), 'f', 1, 64))
	} else {
		d.FirstTouch = "–"
	}
}

// cycleDiff is the marketing cycle minus the outbound one in days.
func cycleDiff(lang crm.Language, m, o app.SalesKPIs) string {
	if m.Contracts == 0 || o.Contracts == 0 {
		return "–"
	}
	d := (m.CycleAvg - o.CycleAvg).Hours() / 24
	return i18n.T(lang, "loop.days_diff", fmt.Sprintf("%+.1f", d))
}
