package web

import (
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"renkei/internal/app"
	"renkei/internal/crm"
	"renkei/internal/i18n"
	"renkei/internal/store"
)

// dashboardRoutes are the UI routes of the sales dashboard.
func (s *server) dashboardRoutes() []route {
	return []route{
		{"GET", "/sales/dashboard", crm.PermReadAll, s.salesDashboardPage, false},
	}
}

// ---- the drill-down filters of the deal list ----

// drillFilter is what a dashboard number adds to the deal list's filter:
// the deals behind the number (the team is the targets area's "team"
// filter of dealFilter).
type drillFilter struct {
	Stage      int64
	Closed     string // period key: closed (won or lost) in it
	LostReason string
	LostTo     int64
	Competitor int64 // deals that named the competitor (the battlecard's record)
	LeftStage  int64
	Left       string // period key the stage was left in
}

func parseDrill(v url.Values) drillFilter {
	id := func(k string) int64 {
		n, _ := strconv.ParseInt(v.Get(k), 10, 64)
		return max(n, 0)
	}
	f := drillFilter{Stage: id("stage"), Closed: v.Get("closed"), LostReason: v.Get("lost_reason"),
		LostTo: id("lost_to"), Competitor: id("competitor"), LeftStage: id("left_stage"), Left: v.Get("left")}
	if len(f.Closed) > 7 {
		f.Closed = ""
	}
	if len(f.Left) > 7 {
		f.Left = ""
	}
	if len([]rune(f.LostReason)) > 500 {
		f.LostReason = ""
	}
	return f
}

// Active reports whether a drill-down filter is set.
func (f drillFilter) Active() bool { return f != drillFilter{} }

func (f drillFilter) encode(v url.Values) {
	set := func(k string, n int64) {
		if n != 0 {
			v.Set(k, strconv.FormatInt(n, 10))
		}
	}
	set("stage", f.Stage)
	set("lost_to", f.LostTo)
	set("competitor", f.Competitor)
	set("left_stage", f.LeftStage)
	for k, x := range map[string]string{"closed": f.Closed, "lost_reason": f.LostReason, "left": f.Left} {
		if x != "" {
			v.Set(k, x)
		}
	}
}

// apply adds the filter to a deal query; period keys are read in the
// workspace's calendar (an unknown key matches nothing rather than all).
func (f drillFilter) apply(rq *req, q *store.DealQuery) {
	var ws crm.Workspace
	if rq.ws != nil {
		ws = *rq.ws
	}
	period := func(key string) (time.Time, time.Time) {
		p, err := ws.ParsePeriod(key)
		if err != nil {
			return time.Unix(0, 0), time.Unix(0, 0) // an empty range
		}
		return p.Start, p.End
	}
	if f.Stage != 0 {
		q.StageIDs = []int64{f.Stage}
	}
	if f.Closed != "" {
		q.ClosedFrom, q.ClosedBefore = period(f.Closed)
	}
	q.LostReason, q.LostToID, q.CompetitorID = f.LostReason, f.LostTo, f.Competitor
	if f.LeftStage != 0 {
		q.LeftStageID = f.LeftStage
		if f.Left != "" {
			q.LeftFrom, q.LeftBefore = period(f.Left)
		}
	}
}

// ---- the dashboard ----

// dashKPI is one headline card.
type dashKPI struct {
	Key    string // test hook: data-kpi
	Label  string
	Value  string
	Sub    string
	Delta  string // change against the previous period
	Good   bool   // the change is for the better
	Bad    bool
	Prev   string // the previous period's value
	Href   string // drill-down
	PrevTo string // drill-down of the previous value
}

// dashSet is one data set of a chart.
type dashSet struct {
	Label string      `json:"label"`
	Data  []float64   `json:"data"`
	Range [][]float64 `json:"range,omitempty"` // floating bars: [low, high]
	Color string      `json:"color"`
	Tips  []string    `json:"tips"`
}

// dashChart is one Chart.js chart; sales_dashboard.js draws it and sends
// a click on a bar to URLs[index].
type dashChart struct {
	Labels     []string  `json:"labels"`
	Sets       []dashSet `json:"sets"`
	URLs       []string  `json:"urls"`
	Horizontal bool      `json:"horizontal"`
	Stacked    bool      `json:"stacked"`
	Percent    bool      `json:"percent"`
	Max        float64   `json:"max,omitempty"` // the value axis's end (percent charts end at 100 otherwise)
}

// rateRow is a win-rate line of the by-source table.
type rateRow struct {
	Label    string
	Rate     app.Rate
	Href     string
	WonHref  string
	Prev     app.Rate
	Interval string
}

// dashRow is one line of a chart's table (the same numbers, as links).
type dashRow struct {
	Label  string
	Count  int
	Amount string
	Extra  string
	Href   string
	Card   string // the competitor's battlecard (lost-to rows)
}

type dashboardData struct {
	D          app.SalesDashboard
	Key        string // the period's key
	Kind       string
	Label      string
	PrevLabel  string
	PrevURL    string
	NextURL    string
	Pipeline   int64
	Owner      int64
	Team       int64
	Pipelines  []crm.Pipeline
	Dir        *directory
	KPIs       []dashKPI
	Rates      []rateRow
	Charts     map[string]dashChart
	ChartsJSON string // Charts for sales_dashboard.js
	Months     []dashRow
	Stages     []dashRow
	Stays      []dashRow
	Reasons    []dashRow
	LostTo     []dashRow
	Empty      bool
	Unconv     string // note on deals left out for want of a rate
	CanWrite   bool
	ListURL    string
	WonURL     string
	ClosedURL  string
	PipeWeight string
	CSV        string // a table's CSV download is CSV + its name
}

func days(lang crm.Language, d time.Duration) string {
	return i18n.T(lang, "dash.days", strconv.FormatFloat(d.Hours()/24, 'f', 1, 64))
}

// change renders cur against prev: "+12%", "−3.5 pt", or "" without a base.
func change(cur, prev float64, points bool) (string, bool, bool) {
	if points {
		d := (cur - prev) * 100
		if math.Abs(d) < 0.05 {
			return "±0 pt", false, false
		}
		return fmt.Sprintf("%+.1f pt", d), d > 0, d < 0
	}
	if prev == 0 {
		return "", false, false
	}
	d := (cur - prev) / prev * 100
	if math.Abs(d) < 0.05 {
		return "±0%", false, false
	}
	return fmt.Sprintf("%+.1f%%", d), d > 0, d < 0
}

func (s *server) salesDashboardPage(w http.ResponseWriter, r *http.Request, rq *req) error {
	ctx := r.Context()
	lang := rq.lang
	p := s.newPage(w, r, rq, "dash.title")
	p.Section, p.Sub = "sales", "dashboard"
	ws, err := s.workspace(ctx, rq)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	d := &dashboardData{CanWrite: rq.actor.Can(crm.PermWriteSales)}
	period, err := s.periodFromQuery(r, ws)
	if err != nil {
		return err
	}
	id := func(k string) int64 {
		n, _ := strconv.ParseInt(q.Get(k), 10, 64)
		return max(n, 0)
	}
	d.Pipeline, d.Owner, d.Team = id("pipeline"), id("owner"), id("team")
	f := app.SalesFilter{PipelineID: d.Pipeline, OwnerID: d.Owner, TeamID: d.Team}
	if d.D, err = s.app.SalesDashboard(ctx, rq.actor, period, f); err != nil {
		return err
	}
	if q.Get("format") == "csv" {
		return writeReportCSV(w, r, "renkei-sales-"+period.Key(), salesTables(lang, d.D))
	}
	if d.Dir, err = s.loadDirectory(ctx, rq); err != nil {
		return err
	}
	d.Pipelines = d.D.Pipelines
	d.Key, d.Kind = period.Key(), string(period.Kind)
	d.Label, d.PrevLabel = periodLabel(lang, period), periodLabel(lang, period.Prev())
	p.Pretitle = d.Label
	nav := func(pp crm.Period) string {
		v := d.filterValues()
		v.Set("period", pp.Key())
		return "/sales/dashboard?" + v.Encode()
	}
	d.PrevURL, d.NextURL = nav(period.Prev()), nav(period.Next())
	cv := d.filterValues()
	cv.Set("period", period.Key())
	cv.Set("format", "csv")
	d.CSV = "/sales/dashboard?" + cv.Encode() + "&table="
	d.Empty = d.D.Empty()
	d.build(lang)
	p.Data = d
	s.render(w, r, rq, http.StatusOK, "sales_dashboard", p)
	return nil
}

// filterValues are the dashboard's filters as deal-list parameters.
func (d *dashboardData) filterValues() url.Values {
	v := url.Values{}
	if d.Pipeline != 0 {
		v.Set("pipeline", strconv.FormatInt(d.Pipeline, 10))
	}
	if d.Owner != 0 {
		v.Set("owner", strconv.FormatInt(d.Owner, 10))
	}
	if d.Team != 0 {
		v.Set("team", strconv.FormatInt(d.Team, 10))
	}
	return v
}

// list is the deal list's URL for the dashboard's filters plus kv.
func (d *dashboardData) list(kv ...string) string {
	v := d.filterValues()
	for i := 0; i+1 < len(kv); i += 2 {
		v.Set(kv[i], kv[i+1])
	}
	return "/sales/deals/list?" + v.Encode()
}

func (d *dashboardData) build(lang crm.Language) {
	x := d.D
	cur, prev := x.Cur, x.Prev
	key, pkey := cur.Period.Key(), prev.Period.Key()
	money := func(n int64) string { return i18n.Money(lang, n, x.Base) }
	d.WonURL = d.list("status", "won", "closed", key)
	d.ClosedURL = d.list("closed", key)
	prevWon := d.list("status", "won", "closed", pkey)

	kpi := func(k dashKPI, c, p float64, points, lowerIsBetter bool) dashKPI {
		k.Delta, k.Good, k.Bad = change(c, p, points)
		if lowerIsBetter {
			k.Good, k.Bad = k.Bad, k.Good
		}
		return k
	}
	d.KPIs = []dashKPI{
		kpi(dashKPI{Key: "revenue", Label: i18n.T(lang, "dash.kpi.revenue"), Value: money(cur.Revenue),
			Sub: i18n.T(lang, "dash.kpi.revenue_sub"), Prev: money(prev.Revenue), Href: d.WonURL, PrevTo: prevWon},
			float64(cur.Revenue), float64(prev.Revenue), false, false),
		kpi(dashKPI{Key: "contracts", Label: i18n.T(lang, "dash.kpi.contracts"), Value: strconv.Itoa(cur.Contracts),
			Sub: i18n.T(lang, "dash.kpi.contracts_sub"), Prev: strconv.Itoa(prev.Contracts), Href: d.WonURL, PrevTo: prevWon},
			float64(cur.Contracts), float64(prev.Contracts), false, false),
		kpi(dashKPI{Key: "winrate", Label: i18n.T(lang, "dash.kpi.winrate"), Value: cur.WinRate.Percent(),
			Sub: rateSub(lang, cur.WinRate), Prev: prev.WinRate.Percent(), Href: d.ClosedURL, PrevTo: d.list("closed", pkey)},
			cur.WinRate.Value, prev.WinRate.Value, true, false),
		kpi(dashKPI{Key: "dealsize", Label: i18n.T(lang, "dash.kpi.dealsize"), Value: dashMoneyOrDash(lang, cur.AvgDealSize, cur.Contracts-cur.Unconverted, x.Base),
			Sub: i18n.T(lang, "dash.kpi.dealsize_sub", cur.Contracts-cur.Unconverted), Prev: dashMoneyOrDash(lang, prev.AvgDealSize, prev.Contracts-prev.Unconverted, x.Base),
			Href: d.WonURL, PrevTo: prevWon},
			float64(cur.AvgDealSize), float64(prev.AvgDealSize), false, false),
		kpi(dashKPI{Key: "cycle", Label: i18n.T(lang, "dash.kpi.cycle"), Value: daysOrDash(lang, cur.CycleAvg, cur.Contracts),
			Sub:  i18n.T(lang, "dash.kpi.cycle_sub", daysOrDash(lang, cur.CycleMedian, cur.Contracts), cur.Contracts),
			Prev: daysOrDash(lang, prev.CycleAvg, prev.Contracts), Href: d.WonURL, PrevTo: prevWon},
			float64(cur.CycleAvg), float64(prev.CycleAvg), false, true),
	}
	if cur.WinRate.Den == 0 || prev.WinRate.Den == 0 {
		d.KPIs[2].Delta, d.KPIs[2].Good, d.KPIs[2].Bad = "", false, false
	}
	if cur.Contracts == 0 || prev.Contracts == 0 {
		d.KPIs[3].Delta, d.KPIs[4].Delta = "", ""
		d.KPIs[3].Good, d.KPIs[3].Bad, d.KPIs[4].Good, d.KPIs[4].Bad = false, false, false, false
	}
	if n := cur.Unconverted; n > 0 {
		d.Unconv = i18n.T(lang, "dash.unconverted", n, x.Base)
	}

	// Win rate by source.
	charts := map[string]dashChart{}
	wr := dashChart{Horizontal: true, Percent: true}
	rateSet := dashSet{Label: i18n.T(lang, "dash.kpi.winrate"), Color: "#206bc4"}
	ciSet := dashSet{Label: i18n.T(lang, "dash.ci95"), Color: "rgba(32,107,196,.25)"}
	add := func(label string, r, pr app.Rate, href, won string) {
		d.Rates = append(d.Rates, rateRow{Label: label, Rate: r, Prev: pr, Href: href, WonHref: won, Interval: r.Interval()})
		wr.Labels = append(wr.Labels, label)
		wr.URLs = append(wr.URLs, href)
		rateSet.Data = append(rateSet.Data, round1(r.Value*100))
		rateSet.Tips = append(rateSet.Tips, fmt.Sprintf("%s (%d/%d)", r.Percent(), r.Num, r.Den))
		ciSet.Range = append(ciSet.Range, []float64{round1(r.Low * 100), round1(r.High * 100)})
		ciSet.Tips = append(ciSet.Tips, i18n.T(lang, "dash.ci", r.Interval(), r.Den))
	}
	for _, g := range []string{crm.GroupMarketing, crm.GroupOutbound} {
		add(i18n.T(lang, "deals.group."+g), cur.ByGroup[g], prev.ByGroup[g], d.list("closed", key, "source", g),
			d.list("status", "won", "closed", key, "source", g))
	}
	add(i18n.T(lang, "dash.all"), cur.WinRate, prev.WinRate, d.ClosedURL, d.WonURL)
	wr.Sets = []dashSet{rateSet, ciSet}
	charts["winrate"] = wr

	// Revenue by month.
	rev := dashChart{Stacked: true}
	mk := dashSet{Label: i18n.T(lang, "deals.group.marketing"), Color: "#ae3ec9"}
	ob := dashSet{Label: i18n.T(lang, "deals.group.outbound"), Color: "#4299e1"}
	for _, m := range x.Months {
		label := periodLabel(lang, crm.Period{Kind: crm.PeriodMonth, Start: m.Start}) // routes_targets.go
		rev.Labels = append(rev.Labels, label)
		href := d.list("status", "won", "closed", m.Key)
		rev.URLs = append(rev.URLs, href)
		mk.Data, mk.Tips = append(mk.Data, float64(m.Marketing)), append(mk.Tips, money(m.Marketing))
		ob.Data, ob.Tips = append(ob.Data, float64(m.Outbound)), append(ob.Tips, money(m.Outbound))
		d.Months = append(d.Months, dashRow{Label: label, Count: m.Count, Amount: money(m.Marketing + m.Outbound),
			Extra: money(m.Marketing) + " / " + money(m.Outbound), Href: href})
	}
	rev.Sets = []dashSet{mk, ob}
	charts["revenue"] = rev

	// Pipeline by stage (open deals now).
	multi := len(x.Pipelines) > 1 && d.Pipeline == 0
	stageLabel := func(st crm.Stage, pl crm.Pipeline) string {
		if multi {
			return pl.Name(lang) + " · " + st.Name(lang)
		}
		return st.Name(lang)
	}
	pipe := dashChart{}
	amt := dashSet{Label: i18n.T(lang, "dash.amount"), Color: "#74b9ff"}
	wt := dashSet{Label: i18n.T(lang, "deals.weighted"), Color: "#206bc4"}
	var weighted int64
	for _, s := range x.Pipeline {
		label := stageLabel(s.Stage, s.Pipeline)
		href := d.list("status", "open", "stage", strconv.FormatInt(s.Stage.ID, 10))
		pipe.Labels, pipe.URLs = append(pipe.Labels, label), append(pipe.URLs, href)
		amt.Data, amt.Tips = append(amt.Data, float64(s.Amount)), append(amt.Tips, i18n.T(lang, "dash.deals_amount", s.Count, money(s.Amount)))
		wt.Data, wt.Tips = append(wt.Data, float64(s.Weighted)), append(wt.Tips, money(s.Weighted))
		d.Stages = append(d.Stages, dashRow{Label: label, Count: s.Count, Amount: money(s.Amount),
			Extra: money(s.Weighted) + fmt.Sprintf(" (%d%%)", s.Stage.Probability), Href: href})
		weighted += s.Weighted
	}
	pipe.Sets = []dashSet{amt, wt}
	charts["pipeline"] = pipe
	d.PipeWeight = money(weighted)

	// Time in stage.
	stay := dashChart{Horizontal: true}
	st := dashSet{Label: i18n.T(lang, "dash.avg_days"), Color: "#f59f00"}
	for _, s := range x.Stays {
		label := stageLabel(s.Stage, s.Pipeline)
		href := d.list("left_stage", strconv.FormatInt(s.Stage.ID, 10), "left", key)
		stay.Labels, stay.URLs = append(stay.Labels, label), append(stay.URLs, href)
		st.Data = append(st.Data, round1(s.Avg.Hours()/24))
		st.Tips = append(st.Tips, i18n.T(lang, "dash.stay_tip", days(lang, s.Avg), s.N))
		d.Stays = append(d.Stays, dashRow{Label: label, Count: s.N, Amount: days(lang, s.Avg), Href: href})
	}
	stay.Sets = []dashSet{st}
	charts["stays"] = stay

	// Lost reasons and competitors.
	lr := dashChart{Horizontal: true}
	ls := dashSet{Label: i18n.T(lang, "dash.lost_deals"), Color: "#d63939"}
	for _, r := range x.LostReasons {
		label := r.Reason
		if label == "" {
			label = i18n.T(lang, "dash.no_reason")
		}
		href := d.list("status", "lost", "closed", key, "lost_reason", r.Reason)
		lr.Labels, lr.URLs = append(lr.Labels, label), append(lr.URLs, href)
		ls.Data, ls.Tips = append(ls.Data, float64(r.Count)), append(ls.Tips, i18n.T(lang, "dash.deals_amount", r.Count, money(r.Amount)))
		d.Reasons = append(d.Reasons, dashRow{Label: label, Count: r.Count, Amount: money(r.Amount), Href: href})
	}
	lr.Sets = []dashSet{ls}
	charts["reasons"] = lr
	lt := dashChart{Horizontal: true}
	cs := dashSet{Label: i18n.T(lang, "dash.lost_deals"), Color: "#f76707"}
	for _, c := range x.LostTo {
		href := d.list("status", "lost", "closed", key, "lost_to", strconv.FormatInt(c.Competitor.ID, 10))
		lt.Labels, lt.URLs = append(lt.Labels, c.Competitor.Name), append(lt.URLs, href)
		cs.Data, cs.Tips = append(cs.Data, float64(c.Count)), append(cs.Tips, i18n.T(lang, "dash.n_deals", c.Count))
		d.LostTo = append(d.LostTo, dashRow{Label: c.Competitor.Name, Count: c.Count, Href: href,
			Card: fmt.Sprintf("/competitors/%d", c.Competitor.ID)})
	}
	lt.Sets = []dashSet{cs}
	charts["lostto"] = lt
	d.Charts = charts
	b, _ := json.Marshal(charts)
	d.ChartsJSON = string(b)
}

func round1(f float64) float64 { return math.Round(f*10) / 10 }

func rateSub(lang crm.Language, r app.Rate) string {
	if r.Den == 0 {
		return i18n.T(lang, "dash.no_closed")
	}
	return i18n.T(lang, "dash.rate_sub", r.Num, r.Den, r.Interval())
}

func daysOrDash(lang crm.Language, d time.Duration, n int) string {
	if n == 0 {
		return "–"
	}
	return days(lang, d)
}

func dashMoneyOrDash(lang crm.Language, v int64, n int, base string) string {
	if n <= 0 {
		return "–"
	}
	return i18n.Money(lang, v, base)
}

// DrillChips describes the active drill-down filters of the deal list for
// people, each with the list's URL without it.
func (d *dealListData) DrillChips(lang crm.Language) []dashRow {
	f := d.Filter
	if !f.Drill.Active() {
		return nil
	}
	without := func(change func(*dealFilter)) string {
		g := f
		change(&g)
		return "/sales/deals/list?" + string(g.Query())
	}
	var out []dashRow
	dr := f.Drill
	if dr.Closed != "" {
		out = append(out, dashRow{Label: i18n.T(lang, "dash.drill.closed", dr.Closed), Href: without(func(g *dealFilter) { g.Drill.Closed = "" })})
	}
	if dr.Stage != 0 {
		out = append(out, dashRow{Label: i18n.T(lang, "dash.drill.stage", stageName(lang, d.Stages[dr.Stage])), Href: without(func(g *dealFilter) { g.Drill.Stage = 0 })})
	}
	if dr.LostReason != "" {
		out = append(out, dashRow{Label: i18n.T(lang, "dash.drill.reason", dr.LostReason), Href: without(func(g *dealFilter) { g.Drill.LostReason = "" })})
	}
	if dr.LostTo != 0 {
		name := strconv.FormatInt(dr.LostTo, 10)
		for _, c := range d.Competitors {
			if c.ID == dr.LostTo {
				name = c.Name
			}
		}
		out = append(out, dashRow{Label: i18n.T(lang, "dash.drill.lost_to", name), Href: without(func(g *dealFilter) { g.Drill.LostTo = 0 })})
	}
	if dr.Competitor != 0 {
		name := strconv.FormatInt(dr.Competitor, 10)
		for _, c := range d.Competitors {
			if c.ID == dr.Competitor {
				name = c.Name
			}
		}
		out = append(out, dashRow{Label: i18n.T(lang, "dash.drill.competitor", name), Href: without(func(g *dealFilter) { g.Drill.Competitor = 0 })})
	}
	if dr.LeftStage != 0 {
		out = append(out, dashRow{Label: i18n.T(lang, "dash.drill.left", stageName(lang, d.Stages[dr.LeftStage]), dr.Left),
			Href: without(func(g *dealFilter) { g.Drill.LeftStage, g.Drill.Left = 0, "" })})
	}
	return out
}

func stageName(lang crm.Language, st crm.Stage) string {
	if st.ID == 0 {
		return "?"
	}
	return st.Name(lang)
}
