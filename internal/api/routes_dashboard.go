package api

import (
	"net/http"
	"time"

	"renkei/internal/app"
	"renkei/internal/crm"
)

// dashboardRoutes are the API endpoints of the sales dashboard.
func (s *server) dashboardRoutes() []route {
	return []route{
		{method: http.MethodGet, path: "/reports/sales", perm: crm.PermReadAll, id: "salesReport", tag: "deals",
			summary: "The sales dashboard's numbers for a period (default: the current fiscal quarter) with the previous period: revenue, contracts, win rate overall and by source with 95% Wilson intervals, deal size, cycle, revenue by month, pipeline by stage, time in stage, lost reasons and competitors",
			query: []param{
				{name: "period", desc: "A month (2026-04), a fiscal quarter (2026-Q1) or a fiscal year (2026); fiscal labels are the calendar year the fiscal year starts in.",
					schema: js{"type": "string", "pattern": `^\d{4}(-(0[1-9]|1[0-2]|Q[1-4]))?$`}},
				{name: "pipeline_id", desc: "Only this pipeline's deals.", schema: idSchema("")},
				{name: "owner_id", desc: "Only deals owned by this user.", schema: idSchema("")},
				{name: "team_id", desc: "Only this team's deals.", schema: idSchema("")},
			},
			status: 200, resp: "SalesReport", handle: s.salesReport},
	}
}

// dashboardSchemas are the OpenAPI schemas of the sales report.
func dashboardSchemas() js {
	num := func(desc string) js { return described(js{"type": "number"}, desc) }
	money := func(desc string) js { return integer(desc + " In minor units of base_currency.") }
	rate := record(js{
		"won":     integer("Deals won."),
		"closed":  integer("Deals closed (won + lost): n."),
		"rate":    nullable(num("won ÷ closed; null when nothing closed.")),
		"ci_low":  nullable(num("Wilson score interval at 95%, lower bound.")),
		"ci_high": nullable(num("Wilson score interval at 95%, upper bound.")),
	})
	kpis := record(js{
		"period":      ref("ReportPeriod"),
		"revenue":     money("Σ amount of the deals won in the period, converted at the won date."),
		"contracts":   integer("Deals won in the period."),
		"unconverted": integer("Won deals in a currency without an exchange rate: counted as contracts, left out of revenue and average_deal_size."),
		"lost":        integer("Deals lost in the period."),
		"win_rate":    ref("WinRate"),
		"win_rate_by_source": record(js{
			"marketing": ref("WinRate"), "outbound": ref("WinRate"),
		}),
		"average_deal_size": nullable(money("Mean amount of the won deals converted; null without any.")),
		"cycle_days_mean":   nullable(num("Mean days from created to won; null without won deals.")),
		"cycle_days_median": nullable(num("Median days from created to won; null without won deals.")),
	})
	return js{
		"ReportPeriod": record(js{"key": str("2026-Q1, 2026-04 or 2026."), "kind": enumOf("month", "quarter", "year"),
			"start": dateTime("First instant, in the workspace's time zone."), "end": dateTime("First instant after the period.")}),
		"WinRate":   rate,
		"SalesKPIs": kpis,
		"SalesReport": record(js{
			"base_currency": str("Amounts are in this currency."),
			"filter": record(js{"pipeline_id": nullable(idSchema("")), "owner_id": nullable(idSchema("")),
				"team_id": nullable(idSchema(""))}),
			"current":  ref("SalesKPIs"),
			"previous": ref("SalesKPIs"),
			"revenue_by_month": arrayOf(record(js{"month": str("YYYY-MM."), "start": dateTime(""),
				"contracts": integer("Deals won in the month."), "marketing": money("Revenue from marketing-sourced deals."),
				"outbound": money("Revenue from outbound deals.")})),
			"pipeline": withDesc(arrayOf(record(js{"pipeline_id": idSchema(""), "stage_id": idSchema(""), "stage": str("English name."),
				"stage_ja": str("Japanese name."), "probability": integer("Percent."), "count": integer("Open deals now."),
				"amount": money(""), "weighted": money("amount × probability.")})), "Open deals now, per stage in pipeline order."),
			"pipeline_unconverted": integer("Open deals left out of the amounts (no exchange rate)."),
			"time_in_stage": withDesc(arrayOf(record(js{"pipeline_id": idSchema(""), "stage_id": idSchema(""), "stage": str(""),
				"stage_ja": str(""), "stays": integer("Stays in the stage that ended in the period."),
				"average_days": num("Their mean length in days.")})), "Per stage, the stays that ended in the period."),
			"lost_reasons":     arrayOf(record(js{"reason": str(""), "count": integer(""), "amount": money("Converted deals only.")})),
			"lost_to":          arrayOf(record(js{"competitor_id": idSchema(""), "name": str(""), "count": integer("")})),
			"lost_unconverted": integer("Lost deals left out of lost_reasons' amounts (no exchange rate)."),
		}),
	}
}

type periodJSON struct {
	Key   string    `json:"key"`
	Kind  string    `json:"kind"`
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
}

type winRateJSON struct {
	Won    int      `json:"won"`
	Closed int      `json:"closed"`
	Rate   *float64 `json:"rate"`
	Low    *float64 `json:"ci_low"`
	High   *float64 `json:"ci_high"`
}

func toWinRate(r app.Rate) winRateJSON {
	out := winRateJSON{Won: r.Num, Closed: r.Den}
	if r.Den > 0 {
		out.Rate, out.Low, out.High = &r.Value, &r.Low, &r.High
	}
	return out
}

type kpisJSON struct {
	Period      periodJSON             `json:"period"`
	Revenue     int64                  `json:"revenue"`
	Contracts   int                    `json:"contracts"`
	Unconverted int                    `json:"unconverted"`
	Lost        int                    `json:"lost"`
	WinRate     winRateJSON            `json:"win_rate"`
	BySource    map[string]winRateJSON `json:"win_rate_by_source"`
	AvgSize     *int64                 `json:"average_deal_size"`
	CycleMean   *float64               `json:"cycle_days_mean"`
	CycleMedian *float64               `json:"cycle_days_median"`
}

func toKPIs(k app.SalesKPIs) kpisJSON {
	p := k.Period
	out := kpisJSON{Period: periodJSON{Key: p.Key(), Kind: string(p.Kind), Start: p.Start, End: p.End},
		Revenue: k.Revenue, Contracts: k.Contracts, Unconverted: k.Unconverted, Lost: k.Lost, WinRate: toWinRate(k.WinRate),
		BySource: map[string]winRateJSON{}}
	for _, g := range []string{crm.GroupMarketing, crm.GroupOutbound} {
		out.BySource[g] = toWinRate(k.ByGroup[g])
	}
	if k.Contracts-k.Unconverted > 0 {
		out.AvgSize = &k.AvgDealSize
	}
	if k.Contracts > 0 {
		m, md := k.CycleAvg.Hours()/24, k.CycleMedian.Hours()/24
		out.CycleMean, out.CycleMedian = &m, &md
	}
	return out
}

type monthJSON struct {
	Month     string    `json:"month"`
	Start     time.Time `json:"start"`
	Contracts int       `json:"contracts"`
	Marketing int64     `json:"marketing"`
	Outbound  int64     `json:"outbound"`
}

type stageOpenJSON struct {
	PipelineID  int64  `json:"pipeline_id"`
	StageID     int64  `json:"stage_id"`
	Stage       string `json:"stage"`
	StageJA     string `json:"stage_ja"`
	Probability int    `json:"probability"`
	Count       int    `json:"count"`
	Amount      int64  `json:"amount"`
	Weighted    int64  `json:"weighted"`
}

type stayJSON struct {
	PipelineID int64   `json:"pipeline_id"`
	StageID    int64   `json:"stage_id"`
	Stage      string  `json:"stage"`
	StageJA    string  `json:"stage_ja"`
	Stays      int     `json:"stays"`
	Days       float64 `json:"average_days"`
}

type lostReasonJSON struct {
	Reason string `json:"reason"`
	Count  int    `json:"count"`
	Amount int64  `json:"amount"`
}

type lostToJSON struct {
	ID    int64  `json:"competitor_id"`
	Name  string `json:"name"`
	Count int    `json:"count"`
}

type salesReportJSON struct {
	Base   string `json:"base_currency"`
	Filter struct {
		PipelineID *int64 `json:"pipeline_id"`
		OwnerID    *int64 `json:"owner_id"`
		TeamID     *int64 `json:"team_id"`
	} `json:"filter"`
	Current      kpisJSON         `json:"current"`
	Previous     kpisJSON         `json:"previous"`
	Months       []monthJSON      `json:"revenue_by_month"`
	Pipeline     []stageOpenJSON  `json:"pipeline"`
	PipelineUnc  int              `json:"pipeline_unconverted"`
	Stays        []stayJSON       `json:"time_in_stage"`
	LostReasons  []lostReasonJSON `json:"lost_reasons"`
	LostTo       []lostToJSON     `json:"lost_to"`
	LostUnconvtd int              `json:"lost_unconverted"`
}

func (s *server) salesReport(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	q := r.URL.Query()
	for k := range q {
		switch k {
		case "period", "pipeline_id", "owner_id", "team_id":
		default:
			return badField(k, "is not a parameter of this report (use period, pipeline_id, owner_id, team_id)")
		}
	}
	ctx := r.Context()
	var f app.SalesFilter
	var err error
	if f.PipelineID, err = queryInt64(r, "pipeline_id"); err != nil {
		return err
	}
	if f.OwnerID, err = queryInt64(r, "owner_id"); err != nil {
		return err
	}
	if f.TeamID, err = queryInt64(r, "team_id"); err != nil {
		return err
	}
	ws, _, err := s.app.Workspace(ctx)
	if err != nil {
		return err
	}
	p := ws.PeriodOf(crm.PeriodQuarter, s.app.Clock())
	if key := q.Get("period"); key != "" {
		if p, err = ws.ParsePeriod(key); err != nil {
			return asQueryProblem(err, nil)
		}
	}
	d, err := s.app.SalesDashboard(ctx, ac, p, f)
	if err != nil {
		return err
	}
	out := salesReportJSON{Base: d.Base, Current: toKPIs(d.Cur), Previous: toKPIs(d.Prev), PipelineUnc: d.PipelineUnconverted,
		LostUnconvtd: d.LostUnconverted, Months: []monthJSON{}, Pipeline: []stageOpenJSON{}, Stays: []stayJSON{},
		LostReasons: []lostReasonJSON{}, LostTo: []lostToJSON{}}
	out.Filter.PipelineID, out.Filter.OwnerID, out.Filter.TeamID = optID(f.PipelineID), optID(f.OwnerID), optID(f.TeamID)
	for _, m := range d.Months {
		out.Months = append(out.Months, monthJSON{Month: m.Key, Start: m.Start, Contracts: m.Count, Marketing: m.Marketing, Outbound: m.Outbound})
	}
	for _, x := range d.Pipeline {
		out.Pipeline = append(out.Pipeline, stageOpenJSON{PipelineID: x.Pipeline.ID, StageID: x.Stage.ID, Stage: x.Stage.NameEN,
			StageJA: x.Stage.NameJA, Probability: x.Stage.Probability, Count: x.Count, Amount: x.Amount, Weighted: x.Weighted})
	}
	for _, x := range d.Stays {
		out.Stays = append(out.Stays, stayJSON{PipelineID: x.Pipeline.ID, StageID: x.Stage.ID, Stage: x.Stage.NameEN,
			StageJA: x.Stage.NameJA, Stays: x.N, Days: x.Avg.Hours() / 24})
	}
	for _, x := range d.LostReasons {
		out.LostReasons = append(out.LostReasons, lostReasonJSON{Reason: x.Reason, Count: x.Count, Amount: x.Amount})
	}
	for _, x := range d.LostTo {
		out.LostTo = append(out.LostTo, lostToJSON{ID: x.Competitor.ID, Name: x.Competitor.Name, Count: x.Count})
	}
	return writeJSON(w, http.StatusOK, out)
}
