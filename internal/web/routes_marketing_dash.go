package web

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"

	"renkei/internal/app"
	"renkei/internal/crm"
	"renkei/internal/i18n"
)

// marketingDashRoutes are the UI routes of the marketing dashboard.
func (s *server) marketingDashRoutes() []route {
	return []route{
		{"GET", "/reports/marketing", crm.PermReadAll, s.marketingDashPage, false},
	}
}

type marketingDashData struct {
	D          app.MarketingDashboard
	Key, Kind  string
	Label      string
	PrevLabel  string
	PrevURL    string
	NextURL    string
	KPIs       []dashKPI
	Sources    []dashRow
	LeadSrc    []dashRow
	Market     []marketRow
	Empty      bool
	ChartsJSON string
}

func (s *server) marketingDashPage(w http.ResponseWriter, r *http.Request, rq *req) error {
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
	d := &marketingDashData{}
	if d.D, err = s.app.MarketingDashboard(ctx, rq.actor, period); err != nil {
		return err
	}
	p := s.newPage(w, r, rq, "mdash.title")
	p.Section, p.Sub = "reports", "mdash"
	d.Key, d.Kind = period.Key(), string(period.Kind)
	d.Label, d.PrevLabel = periodLabel(lang, period), periodLabel(lang, period.Prev())
	p.Pretitle = d.Label
	nav := func(pp crm.Period) string { return "/reports/marketing?" + url.Values{"period": {pp.Key()}}.Encode() }
	d.PrevURL, d.NextURL = nav(period.Prev()), nav(period.Next())
	d.Empty = d.D.Empty()
	d.build(lang)
	p.Data = d
	s.render(w, r, rq, http.StatusOK, "reports_marketing", p)
	return nil
}

func (d *marketingDashData) build(lang crm.Language) {
	x := d.D
	kpi := func(k dashKPI, c, p float64) dashKPI {
		k.Delta, k.Good, k.Bad = change(c, p, false)
		return k
	}
	num := i18n.Number
	d.KPIs = []dashKPI{
		kpi(dashKPI{Key: "visitors", Label: i18n.T(lang, "mdash.visitors"), Value: num(x.Visitors), Prev: num(x.PrevVisitors),
			Sub: i18n.T(lang, "mdash.visitors_sub", x.Sites), Href: "/marketing/awareness"}, float64(x.Visitors), float64(x.PrevVisitors)),
		kpi(dashKPI{Key: "pageviews", Label: i18n.T(lang, "mdash.pageviews"), Value: num(x.Pageviews), Prev: num(x.PrevPageview),
			Sub: i18n.T(lang, "mdash.pageviews_sub"), Href: "/marketing/awareness"}, float64(x.Pageviews), float64(x.PrevPageview)),
		kpi(dashKPI{Key: "leads", Label: i18n.T(lang, "owner.leads"), Value: num(int64(x.Leads)), Prev: num(int64(x.PrevLeads)),
			Sub: i18n.T(lang, "mdash.leads_sub"), Href: "/contacts"}, float64(x.Leads), float64(x.PrevLeads)),
		kpi(dashKPI{Key: "mqls", Label: i18n.T(lang, "mdash.mqls"), Value: num(int64(x.MQLs)), Prev: num(int64(x.PrevMQLs)),
			Sub: i18n.T(lang, "mdash.mqls_sub"), Href: "/reports/leads"}, float64(x.MQLs), float64(x.PrevMQLs)),
	}

	charts := map[string]dashChart{}
	traffic := dashChart{}
	vs := dashSet{Label: i18n.T(lang, "mdash.visitors"), Color: "#206bc4"}
	for _, b := range x.Buckets {
		label := i18n.Date(lang, b.Start)
		traffic.Labels = append(traffic.Labels, label)
		vs.Data, vs.Tips = append(vs.Data, float64(b.Visitors)), append(vs.Tips, num(b.Visitors))
	}
	traffic.Sets = []dashSet{vs}
	charts["traffic"] = traffic

	mqls := dashChart{Stacked: true}
	mk := dashSet{Label: i18n.T(lang, "deals.group.marketing"), Color: "#ae3ec9"}
	ob := dashSet{Label: i18n.T(lang, "deals.group.outbound"), Color: "#adb5bd"}
	for _, w := range x.Weeks {
		mqls.Labels = append(mqls.Labels, i18n.Date(lang, w.Week))
		mk.Data, mk.Tips = append(mk.Data, float64(w.Marketing)), append(mk.Tips, strconv.Itoa(w.Marketing))
		ob.Data, ob.Tips = append(ob.Data, float64(w.Outbound)), append(ob.Tips, strconv.Itoa(w.Outbound))
	}
	mqls.Sets = []dashSet{mk, ob}
	charts["mqls"] = mqls

	src := dashChart{Horizontal: true}
	ls := dashSet{Label: i18n.T(lang, "owner.step.leads"), Color: "#2fb344"}
	for _, c := range x.LeadsBySource {
		label := sourceLabel(lang, c.Value)
		src.Labels = append(src.Labels, label)
		ls.Data, ls.Tips = append(ls.Data, float64(c.Views)), append(ls.Tips, num(c.Views))
		d.LeadSrc = append(d.LeadSrc, dashRow{Label: label, Count: int(c.Views)})
	}
	src.Sets = []dashSet{ls}
	charts["leadsources"] = src

	for _, c := range x.Sources {
		label := c.Value
		if label == "" {
			label = i18n.T(lang, "mdash.direct")
		}
		d.Sources = append(d.Sources, dashRow{Label: label, Count: int(c.Views)})
	}
	for _, m := range x.Market {
		d.Market = append(d.Market, newMarketRow(lang, x.Base, m))
	}
	b, _ := json.Marshal(charts)
	d.ChartsJSON = string(b)
}
