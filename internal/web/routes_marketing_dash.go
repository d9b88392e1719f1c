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
	Voice      []voiceRow
	BrandShare string
	BrandDelta string
	NPS        []npsRow
	Campaigns  []campaignLine
	CSV        string // + a table name: that table as CSV
	Empty      bool
	ChartsJSON string
}

// voiceRow is one entity's share of voice.
type voiceRow struct {
	Label    string
	Mentions int
	Share    string
	Brand    bool
	Href     string
}

// npsRow is one NPS survey's score now and before.
type npsRow struct {
	Name     string
	Href     string
	Score    string
	N        int
	Prev     string
	PrevN    int
	Delta    string
	Good     bool
	Bad      bool
	Promoter string
	Detract  string
}

// campaignLine is one campaign's numbers, formatted.
type campaignLine struct {
	Name     string
	Href     string
	Cost     string
	Leads    int
	CPL      string
	MQLs     int
	CPMQL    string
	Revenue  string
	ROI      string
	Positive bool
	Negative bool
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
	if r.URL.Query().Get("format") == "csv" {
		return writeReportCSV(w, r, "renkei-marketing-"+period.Key(), marketingTables(d.D))
	}
	d.CSV = "/reports/marketing?" + url.Values{"period": {period.Key()}, "format": {"csv"}}.Encode() + "&table="
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

	// Share of voice: our brand against the competitors.
	sov := dashChart{Horizontal: true, Percent: true}
	vs2 := dashSet{Label: i18n.T(lang, "mdash.share_of_voice"), Color: "#f76707"}
	for _, e := range x.Voice {
		label := e.Name
		href := "/marketing/social/posts?" + url.Values{"entity": {e.Key}, "period": {d.Key}}.Encode()
		share := strconv.FormatFloat(e.Share*100, 'f', 1, 64) + "%"
		d.Voice = append(d.Voice, voiceRow{Label: label, Mentions: e.Mentions, Share: share, Brand: e.CompetitorID == 0, Href: href})
		sov.Labels, sov.URLs = append(sov.Labels, label), append(sov.URLs, href)
		vs2.Data = append(vs2.Data, round1(e.Share*100))
		vs2.Tips = append(vs2.Tips, i18n.T(lang, "mdash.mentions", share, e.Mentions))
		if e.CompetitorID == 0 {
			d.BrandShare = share
			if x.PrevVoiceTotal > 0 {
				d.BrandDelta, _, _ = change(e.Share, x.PrevBrandShare, true)
			}
		}
	}
	sov.Sets = []dashSet{vs2}
	charts["voice"] = sov

	// Brand: NPS per survey.
	nps := func(r crm.NPSResult) string {
		if r.N == 0 {
			return "–"
		}
		return strconv.FormatFloat(r.Score, 'f', 1, 64)
	}
	for _, n := range x.NPS {
		row := npsRow{Name: n.Name, Href: fmt.Sprintf("/marketing/surveys/%d", n.SurveyID), Score: nps(n.Cur), N: n.Cur.N,
			Prev: nps(n.Prev), PrevN: n.Prev.N}
		if n.Cur.N > 0 {
			row.Promoter = strconv.FormatFloat(float64(n.Cur.Promoters)*100/float64(n.Cur.N), 'f', 0, 64) + "%"
			row.Detract = strconv.FormatFloat(float64(n.Cur.Detractors)*100/float64(n.Cur.N), 'f', 0, 64) + "%"
		}
		if n.Cur.N > 0 && n.Prev.N > 0 {
			diff := n.Cur.Score - n.Prev.Score
			row.Delta, row.Good, row.Bad = fmt.Sprintf("%+.1f", diff), diff > 0, diff < 0
		}
		d.NPS = append(d.NPS, row)
	}

	// Campaigns running in the period.
	money := func(n int64) string { return i18n.Money(lang, n, x.Base) }
	for _, c := range x.Campaigns {
		n := c.Numbers
		line := campaignLine{Name: c.Campaign.Name, Href: fmt.Sprintf("/marketing/campaigns/%d", c.Campaign.ID), Cost: money(n.Cost),
			Leads: n.Leads, MQLs: n.MQLs, Revenue: money(n.WonRevenue), CPL: "–", CPMQL: "–", ROI: "–"}
		if v, ok := n.CostPerLead(); ok {
			line.CPL = money(v)
		}
		if v, ok := n.CostPerMQL(); ok {
			line.CPMQL = money(v)
		}
		if v, ok := n.ROI(); ok {
			line.ROI = strconv.FormatFloat(v*100, 'f', 0, 64) + "%"
			line.Positive, line.Negative = v > 0, v < 0
		}
		d.Campaigns = append(d.Campaigns, line)
	}
	b, _ := json.Marshal(charts)
	d.ChartsJSON = string(b)
}
