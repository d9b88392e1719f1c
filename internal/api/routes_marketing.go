package api

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"renkei/internal/app"
	"renkei/internal/crm"
)

// marketingRoutes are the API endpoints of the marketing dashboard and of
// market sizes (issue 9 §6).
func (s *server) marketingRoutes() []route {
	return []route{
		{method: http.MethodGet, path: "/reports/marketing", perm: crm.PermReadAll, id: "marketingReport", tag: "reports",
			summary: "The marketing dashboard of a period (default: the current fiscal quarter): visitors and page views of every tracked site by week (by month for a year), top sources, leads by source, MQLs by week and source group, and market share, each with the previous period",
			query: []param{
				{name: "period", desc: "A month (2026-04), a fiscal quarter (2026-Q1) or a fiscal year (2026).",
					schema: js{"type": "string", "pattern": `^\d{4}(-(0[1-9]|1[0-2]|Q[1-4]))?$`}},
			},
			status: 200, resp: "MarketingReport", handle: s.marketingReport},
		{method: http.MethodGet, path: "/market-sizes", perm: crm.PermReadAll, id: "listMarketSizes", tag: "reports",
			summary: "The market sizes entered, newest period first", status: 200, resp: "MarketSizeList", handle: s.listMarketSizes},
		{method: http.MethodPost, path: "/market-sizes", perm: crm.PermWriteMarketing, id: "putMarketSize", tag: "reports",
			summary: "Enter the size of the whole market (no segment_id) or of a segment's market in a period; an earlier figure for the same market and period is replaced",
			body:    "MarketSizeInput", status: 201, resp: "MarketSize", location: true, handle: s.putMarketSize},
		{method: http.MethodDelete, path: "/market-sizes/{id}", perm: crm.PermWriteMarketing, id: "deleteMarketSize", tag: "reports",
			summary: "Delete an entered market size", status: 204, handle: s.deleteMarketSize},
	}
}

// marketingSchemas are the OpenAPI schemas of the marketing dashboard and
// market sizes.
func marketingSchemas() js {
	count := record(js{"key": str(""), "count": integer("")})
	size := record(js{
		"id":         idSchema(""),
		"segment_id": nullable(idSchema("The segment whose market it is; null for the whole market.")),
		"period":     str("2026, 2026-Q1 or 2026-04."),
		"amount":     integer("In minor units of the base currency."),
		"note":       str("Where the figure comes from."),
		"updated_at": dateTime(""),
	})
	return js{
		"MarketSize":     size,
		"MarketSizeList": listOf("MarketSize"),
		"MarketSizeInput": input([]string{"period", "amount"}, js{
			"segment_id": idSchema("A segment; leave out for the whole market."),
			"period":     str("2026, 2026-Q1 or 2026-04."),
			"amount":     integer("In minor units of the base currency; more than zero."),
			"note":       str("Where the figure comes from (at most 500 characters)."),
		}),
		"MarketShare": record(js{
			"segment_id":  nullable(idSchema("null for the whole market.")),
			"segment":     str("The segment's name; empty for the whole market."),
			"size":        integer("The market's size in the period (minor units), pro rata from the fiscal year when pro_rata."),
			"size_period": str("The period of the entered figure."),
			"pro_rata":    described(js{"type": "boolean"}, "The size is the year's spread over the months of the period."),
			"revenue":     integer("Our won revenue in the period (minor units of the base currency)."),
			"won_deals":   integer("Won deals counted."),
			"unconverted": integer("Won deals left out for want of an exchange rate."),
			"share":       described(js{"type": "number"}, "revenue ÷ size."),
		}),
		"MarketingReport": record(js{
			"base_currency":      str(""),
			"period":             ref("ReportPeriod"),
			"sites":              integer("Tracked sites."),
			"visitors":           integer("Sum of each site's daily distinct visitors."),
			"previous_visitors":  integer(""),
			"pageviews":          integer(""),
			"previous_pageviews": integer(""),
			"traffic":            arrayOf(record(js{"start": dateTime(""), "visitors": integer(""), "pageviews": integer("")})),
			"sources":            arrayOf(count),
			"leads":              integer("Contacts created in the period."),
			"previous_leads":     integer(""),
			"leads_by_source":    arrayOf(count),
			"mqls":               integer("Hand-offs in the period."),
			"previous_mqls":      integer(""),
			"mqls_by_week":       arrayOf(record(js{"week": dateTime("Monday, workspace time zone."), "marketing": integer(""), "outbound": integer("")})),
			"market_share":       arrayOf(ref("MarketShare")),
			"share_of_voice": withDesc(arrayOf(record(js{"key": str("brand or competitor:<id>"), "name": str(""),
				"competitor_id": nullable(idSchema("")), "mentions": integer(""), "share": described(js{"type": "number"}, "0..1")})),
				"Our brand and each competitor in the period's social posts."),
			"mentions":             integer("Σ mentions of all entities in the period."),
			"previous_mentions":    integer(""),
			"previous_brand_share": described(js{"type": "number"}, "Our brand's share in the previous period."),
			"nps": withDesc(arrayOf(record(js{"survey_id": idSchema(""), "name": str(""),
				"current":  record(js{"n": integer(""), "promoters": integer(""), "passives": integer(""), "detractors": integer(""), "score": described(js{"type": "number"}, "% promoters − % detractors")}),
				"previous": record(js{"n": integer(""), "promoters": integer(""), "passives": integer(""), "detractors": integer(""), "score": described(js{"type": "number"}, "")})})),
				"Each survey with an NPS question."),
			"campaigns": withDesc(arrayOf(record(js{"id": idSchema(""), "name": str(""), "cost": integer(""), "leads": integer(""),
				"mqls": integer(""), "won_revenue": integer(""), "cost_per_lead": nullable(integer("")), "cost_per_mql": nullable(integer("")),
				"roi": nullable(described(js{"type": "number"}, "(won revenue − cost) ÷ cost"))})), "Campaigns whose dates overlap the period, numbers over their whole life."),
		}),
	}
}

type marketSizeJSON struct {
	ID        int64     `json:"id"`
	SegmentID *int64    `json:"segment_id"`
	Period    string    `json:"period"`
	Amount    int64     `json:"amount"`
	Note      string    `json:"note"`
	UpdatedAt time.Time `json:"updated_at"`
}

func toMarketSize(m crm.MarketSize) marketSizeJSON {
	return marketSizeJSON{ID: m.ID, SegmentID: optID(m.SegmentID), Period: m.Period, Amount: m.Amount, Note: m.Note, UpdatedAt: m.UpdatedAt}
}

func (s *server) listMarketSizes(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	ms, err := s.app.MarketSizes(r.Context(), ac)
	if err != nil {
		return err
	}
	out := list[marketSizeJSON]{Data: []marketSizeJSON{}}
	for _, m := range ms {
		out.Data = append(out.Data, toMarketSize(m))
	}
	return writeJSON(w, http.StatusOK, out)
}

func (s *server) putMarketSize(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	var in struct {
		SegmentID int64  `json:"segment_id"`
		Period    string `json:"period"`
		Amount    int64  `json:"amount"`
		Note      string `json:"note"`
	}
	if err := decodeJSON(r, &in, false); err != nil {
		return err
	}
	m, err := s.app.PutMarketSize(r.Context(), ac, crm.MarketSize{SegmentID: in.SegmentID, Period: strings.TrimSpace(in.Period), Amount: in.Amount, Note: in.Note})
	if err != nil {
		return err
	}
	w.Header().Set("Location", fmt.Sprintf("%s/market-sizes/%d", Prefix, m.ID))
	return writeJSON(w, http.StatusCreated, toMarketSize(m))
}

func (s *server) deleteMarketSize(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.app.DeleteMarketSize(r.Context(), ac, id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

type keyCountJSON struct {
	Key   string `json:"key"`
	Count int64  `json:"count"`
}

func (s *server) marketingReport(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	ctx := r.Context()
	p, err := s.reportPeriod(r)
	if err != nil {
		return err
	}
	d, err := s.app.MarketingDashboard(ctx, ac, p)
	if err != nil {
		return err
	}
	type bucket struct {
		Start     time.Time `json:"start"`
		Visitors  int64     `json:"visitors"`
		Pageviews int64     `json:"pageviews"`
	}
	type week struct {
		Week      time.Time `json:"week"`
		Marketing int       `json:"marketing"`
		Outbound  int       `json:"outbound"`
	}
	type voice struct {
		Key          string  `json:"key"`
		Name         string  `json:"name"`
		CompetitorID *int64  `json:"competitor_id"`
		Mentions     int     `json:"mentions"`
		Share        float64 `json:"share"`
	}
	type npsValue struct {
		N          int     `json:"n"`
		Promoters  int     `json:"promoters"`
		Passives   int     `json:"passives"`
		Detractors int     `json:"detractors"`
		Score      float64 `json:"score"`
	}
	type npsJSON struct {
		SurveyID int64    `json:"survey_id"`
		Name     string   `json:"name"`
		Current  npsValue `json:"current"`
		Previous npsValue `json:"previous"`
	}
	type campJSON struct {
		ID         int64    `json:"id"`
		Name       string   `json:"name"`
		Cost       int64    `json:"cost"`
		Leads      int      `json:"leads"`
		MQLs       int      `json:"mqls"`
		WonRevenue int64    `json:"won_revenue"`
		CostPerLd  *int64   `json:"cost_per_lead"`
		CostPerMQL *int64   `json:"cost_per_mql"`
		ROI        *float64 `json:"roi"`
	}
	type share struct {
		SegmentID   *int64  `json:"segment_id"`
		Segment     string  `json:"segment"`
		Size        int64   `json:"size"`
		SizePeriod  string  `json:"size_period"`
		ProRata     bool    `json:"pro_rata"`
		Revenue     int64   `json:"revenue"`
		Deals       int     `json:"won_deals"`
		Unconverted int     `json:"unconverted"`
		Share       float64 `json:"share"`
	}
	out := struct {
		Base          string         `json:"base_currency"`
		Period        periodJSON     `json:"period"`
		Sites         int            `json:"sites"`
		Visitors      int64          `json:"visitors"`
		PrevVisitors  int64          `json:"previous_visitors"`
		Pageviews     int64          `json:"pageviews"`
		PrevPageviews int64          `json:"previous_pageviews"`
		Traffic       []bucket       `json:"traffic"`
		Sources       []keyCountJSON `json:"sources"`
		Leads         int            `json:"leads"`
		PrevLeads     int            `json:"previous_leads"`
		LeadsBySource []keyCountJSON `json:"leads_by_source"`
		MQLs          int            `json:"mqls"`
		PrevMQLs      int            `json:"previous_mqls"`
		Weeks         []week         `json:"mqls_by_week"`
		Market        []share        `json:"market_share"`
		Voice         []voice        `json:"share_of_voice"`
		VoiceTotal    int            `json:"mentions"`
		PrevMentions  int            `json:"previous_mentions"`
		PrevBrand     float64        `json:"previous_brand_share"`
		NPS           []npsJSON      `json:"nps"`
		Campaigns     []campJSON     `json:"campaigns"`
	}{Base: d.Base, Period: periodJSON{Key: p.Key(), Kind: string(p.Kind), Start: p.Start, End: p.End}, Sites: d.Sites,
		Visitors: d.Visitors, PrevVisitors: d.PrevVisitors, Pageviews: d.Pageviews, PrevPageviews: d.PrevPageview,
		Traffic: []bucket{}, Sources: []keyCountJSON{}, Leads: d.Leads, PrevLeads: d.PrevLeads, LeadsBySource: []keyCountJSON{},
		MQLs: d.MQLs, PrevMQLs: d.PrevMQLs, Weeks: []week{}, Market: []share{}, Voice: []voice{}, VoiceTotal: d.VoiceTotal,
		PrevMentions: d.PrevVoiceTotal, PrevBrand: d.PrevBrandShare, NPS: []npsJSON{}, Campaigns: []campJSON{}}
	for _, e := range d.Voice {
		out.Voice = append(out.Voice, voice{Key: e.Key, Name: e.Name, CompetitorID: optID(e.CompetitorID), Mentions: e.Mentions, Share: e.Share})
	}
	nv := func(r crm.NPSResult) npsValue {
		return npsValue{N: r.N, Promoters: r.Promoters, Passives: r.Passives, Detractors: r.Detractors, Score: r.Score}
	}
	for _, n := range d.NPS {
		out.NPS = append(out.NPS, npsJSON{SurveyID: n.SurveyID, Name: n.Name, Current: nv(n.Cur), Previous: nv(n.Prev)})
	}
	for _, c := range d.Campaigns {
		n := c.Numbers
		j := campJSON{ID: c.Campaign.ID, Name: c.Campaign.Name, Cost: n.Cost, Leads: n.Leads, MQLs: n.MQLs, WonRevenue: n.WonRevenue}
		if v, ok := n.CostPerLead(); ok {
			j.CostPerLd = &v
		}
		if v, ok := n.CostPerMQL(); ok {
			j.CostPerMQL = &v
		}
		if v, ok := n.ROI(); ok {
			j.ROI = &v
		}
		out.Campaigns = append(out.Campaigns, j)
	}
	for _, b := range d.Buckets {
		out.Traffic = append(out.Traffic, bucket{Start: b.Start, Visitors: b.Visitors, Pageviews: b.Pageviews})
	}
	for _, c := range d.Sources {
		out.Sources = append(out.Sources, keyCountJSON{Key: c.Value, Count: c.Views})
	}
	for _, c := range d.LeadsBySource {
		out.LeadsBySource = append(out.LeadsBySource, keyCountJSON{Key: c.Value, Count: c.Views})
	}
	for _, wk := range d.Weeks {
		out.Weeks = append(out.Weeks, week{Week: wk.Week, Marketing: wk.Marketing, Outbound: wk.Outbound})
	}
	for _, m := range d.Market {
		out.Market = append(out.Market, share{SegmentID: optID(m.SegmentID), Segment: m.SegmentName, Size: m.Size, SizePeriod: m.SizePeriod,
			ProRata: m.ProRata, Revenue: m.Revenue, Deals: m.Deals, Unconverted: m.Unconverted, Share: m.Share})
	}
	return writeJSON(w, http.StatusOK, out)
}
