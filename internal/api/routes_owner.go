package api

import (
	"net/http"

	"renkei/internal/app"
	"renkei/internal/crm"
)

// ownerRoutes are the API endpoints of the owner dashboard.
func (s *server) ownerRoutes() []route {
	return []route{
		{method: http.MethodGet, path: "/reports/owner", perm: crm.PermReadAll, id: "ownerReport", tag: "reports",
			summary: "The owner dashboard of a period (default: the current fiscal quarter): visitors, the period's lead cohort through MQL, SQL, opportunity and won (in total, by source group and by source, with rates and 95% Wilson intervals), and the sales headline with the previous period",
			query: []param{
				{name: "period", desc: "A month (2026-04), a fiscal quarter (2026-Q1) or a fiscal year (2026).",
					schema: js{"type": "string", "pattern": `^\d{4}(-(0[1-9]|1[0-2]|Q[1-4]))?$`}},
			},
			status: 200, resp: "OwnerReport", handle: s.ownerReport},
	}
}

// ownerSchemas are the OpenAPI schemas of the owner dashboard.
func ownerSchemas() js {
	return js{
		"FunnelCohort": record(js{
			"key":              str("A source, marketing, outbound or total."),
			"leads":            integer("Contacts created in the period."),
			"mqls":             integer("Of them, handed off as MQLs since."),
			"sqls":             integer("Of them, accepted by sales."),
			"opportunities":    integer("Of them, primary contact of a deal."),
			"won":              integer("Of them, primary contact of a won deal."),
			"mql_rate":         withDesc(ref("WinRate"), "MQLs ÷ leads (won = numerator, closed = denominator)."),
			"sql_rate":         withDesc(ref("WinRate"), "SQLs ÷ MQLs."),
			"opportunity_rate": withDesc(ref("WinRate"), "Opportunities ÷ leads."),
			"win_rate":         withDesc(ref("WinRate"), "Won ÷ opportunities."),
			"lead_to_won":      withDesc(ref("WinRate"), "Won ÷ leads."),
		}),
		"OwnerReport": record(js{
			"base_currency":  str("Amounts are in this currency."),
			"period":         ref("ReportPeriod"),
			"visitors":       integer("Visitors first seen in the period."),
			"identified":     integer("Of them, tied to a contact."),
			"total":          ref("FunnelCohort"),
			"previous_total": ref("FunnelCohort"),
			"groups":         arrayOf(ref("FunnelCohort")),
			"sources":        arrayOf(ref("FunnelCohort")),
			"sales":          ref("SalesKPIs"),
			"previous_sales": ref("SalesKPIs"),
		}),
	}
}

type funnelJSON struct {
	Key       string      `json:"key"`
	Leads     int         `json:"leads"`
	MQLs      int         `json:"mqls"`
	SQLs      int         `json:"sqls"`
	Opps      int         `json:"opportunities"`
	Won       int         `json:"won"`
	MQLRate   winRateJSON `json:"mql_rate"`
	SQLRate   winRateJSON `json:"sql_rate"`
	OppRate   winRateJSON `json:"opportunity_rate"`
	WonRate   winRateJSON `json:"win_rate"`
	LeadToWon winRateJSON `json:"lead_to_won"`
}

func toFunnel(c app.FunnelCohort) funnelJSON {
	return funnelJSON{Key: c.Key, Leads: c.Leads, MQLs: c.MQLs, SQLs: c.SQLs, Opps: c.Opps, Won: c.Won,
		MQLRate: toWinRate(c.MQLRate), SQLRate: toWinRate(c.SQLRate), OppRate: toWinRate(c.OppRate),
		WonRate: toWinRate(c.WonRate), LeadToWon: toWinRate(c.LeadToWon)}
}

func (s *server) ownerReport(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	ctx := r.Context()
	p, err := s.reportPeriod(r)
	if err != nil {
		return err
	}
	d, err := s.app.OwnerDashboard(ctx, ac, p)
	if err != nil {
		return err
	}
	out := struct {
		Base       string       `json:"base_currency"`
		Period     periodJSON   `json:"period"`
		Visitors   int          `json:"visitors"`
		Identified int          `json:"identified"`
		Total      funnelJSON   `json:"total"`
		PrevTotal  funnelJSON   `json:"previous_total"`
		Groups     []funnelJSON `json:"groups"`
		Sources    []funnelJSON `json:"sources"`
		Sales      kpisJSON     `json:"sales"`
		PrevSales  kpisJSON     `json:"previous_sales"`
	}{Base: d.Base, Period: periodJSON{Key: p.Key(), Kind: string(p.Kind), Start: p.Start, End: p.End},
		Visitors: d.Visitors, Identified: d.Identified, Total: toFunnel(d.Total), PrevTotal: toFunnel(d.PrevTotal),
		Groups: []funnelJSON{}, Sources: []funnelJSON{}, Sales: toKPIs(d.Sales), PrevSales: toKPIs(d.PrevSales)}
	for _, g := range d.Groups {
		out.Groups = append(out.Groups, toFunnel(g))
	}
	for _, x := range d.BySource {
		out.Sources = append(out.Sources, toFunnel(x))
	}
	return writeJSON(w, http.StatusOK, out)
}
