package api

import (
	"net/http"

	"renkei/internal/app"
	"renkei/internal/crm"
)

// closedLoopRoutes are the API endpoints of the closed-loop report.
func (s *server) closedLoopRoutes() []route {
	return []route{
		{method: http.MethodGet, path: "/reports/closed-loop", perm: crm.PermReadAll, id: "closedLoopReport", tag: "reports",
			summary: "The closed-loop report of a period (default: the current fiscal quarter): marketing-sourced deals against outbound ones (win rate with 95% Wilson intervals, contracts, revenue, deal size, cycle) for the period, the previous period and each month, win rate by fit score band, and hand-off health",
			query: []param{
				{name: "period", desc: "A month (2026-04), a fiscal quarter (2026-Q1) or a fiscal year (2026).",
					schema: js{"type": "string", "pattern": `^\d{4}(-(0[1-9]|1[0-2]|Q[1-4]))?$`}},
			},
			status: 200, resp: "ClosedLoopReport", handle: s.closedLoopReport},
	}
}

// closedLoopSchemas are the OpenAPI schemas of the closed-loop report.
func closedLoopSchemas() js {
	row := record(js{"period": ref("ReportPeriod"), "marketing": ref("SalesKPIs"), "outbound": ref("SalesKPIs")})
	return js{
		"ClosedLoopRow": row,
		"ClosedLoopReport": record(js{
			"base_currency": str("Amounts are in this currency."),
			"current":       ref("ClosedLoopRow"),
			"previous":      ref("ClosedLoopRow"),
			"months":        withDesc(arrayOf(ref("ClosedLoopRow")), "The months of the period (empty when the period is one month)."),
			"score_bands": withDesc(arrayOf(record(js{
				"min":      integer("Lowest fit score of the band."),
				"max":      integer("Highest fit score of the band."),
				"win_rate": ref("WinRate"),
			})), "Deals closed in the period by their primary contact's fit score now, in about five bands of equal width (a multiple of 5) over the scores that occur; empty without scored contacts."),
			"unscored": integer("Closed deals without a scored primary contact (left out of score_bands)."),
			"sequences": withDesc(arrayOf(record(js{
				"id": idSchema(""), "name": str(""), "holdout_pct": integer("Share of enrolments held out."),
				"followed": described(js{"type": "object"}, "What followed within 30 days of enrolment for the enrolled and the holdout, with the lift: the same object as the sequence report's followed."),
			})), "Sequences with a holdout, over their whole life."),
			"handoff": record(js{
				"mqls":              integer("Hand-offs whose MQL time lies in the period."),
				"acceptance":        ref("WinRate"),
				"first_touch_hours": nullable(described(js{"type": "number"}, "Median business hours from MQL to first touch; null without touched hand-offs.")),
				"first_touch_n":     integer("Touched hand-offs behind the median."),
				"recycled":          ref("WinRate"),
				"disqualified":      ref("WinRate"),
				"pending":           integer("Hand-offs still new."),
			}),
		}),
	}
}

type loopRowJSON struct {
	Period    periodJSON `json:"period"`
	Marketing kpisJSON   `json:"marketing"`
	Outbound  kpisJSON   `json:"outbound"`
}

type scoreBandJSON struct {
	Min     int         `json:"min"`
	Max     int         `json:"max"`
	WinRate winRateJSON `json:"win_rate"`
}

type loopSequenceJSON struct {
	ID         int64        `json:"id"`
	Name       string       `json:"name"`
	HoldoutPct int          `json:"holdout_pct"`
	Followed   app.Followed `json:"followed"`
}

type closedLoopJSON struct {
	Base      string             `json:"base_currency"`
	Current   loopRowJSON        `json:"current"`
	Previous  loopRowJSON        `json:"previous"`
	Months    []loopRowJSON      `json:"months"`
	Bands     []scoreBandJSON    `json:"score_bands"`
	Unscored  int                `json:"unscored"`
	Sequences []loopSequenceJSON `json:"sequences"`
	Handoff   struct {
		MQLs         int         `json:"mqls"`
		Acceptance   winRateJSON `json:"acceptance"`
		FirstTouch   *float64    `json:"first_touch_hours"`
		FirstTouchN  int         `json:"first_touch_n"`
		Recycled     winRateJSON `json:"recycled"`
		Disqualified winRateJSON `json:"disqualified"`
		Pending      int         `json:"pending"`
	} `json:"handoff"`
}

func toLoopRow(r app.LoopRow) loopRowJSON {
	p := r.Period
	return loopRowJSON{Period: periodJSON{Key: p.Key(), Kind: string(p.Kind), Start: p.Start, End: p.End},
		Marketing: toKPIs(r.Marketing), Outbound: toKPIs(r.Outbound)}
}

func (s *server) closedLoopReport(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	ctx := r.Context()
	p, err := s.reportPeriod(r)
	if err != nil {
		return err
	}
	rep, err := s.app.ClosedLoop(ctx, ac, p)
	if err != nil {
		return err
	}
	out := closedLoopJSON{Base: rep.Base, Current: toLoopRow(rep.Cur), Previous: toLoopRow(rep.Prev),
		Months: []loopRowJSON{}, Bands: []scoreBandJSON{}, Unscored: rep.Unscored, Sequences: []loopSequenceJSON{}}
	for _, q := range rep.Sequences {
		out.Sequences = append(out.Sequences, loopSequenceJSON{ID: q.Sequence.ID, Name: q.Sequence.Name, HoldoutPct: q.Sequence.HoldoutPct, Followed: q.Followed})
	}
	for _, m := range rep.Months {
		out.Months = append(out.Months, toLoopRow(m))
	}
	for _, b := range rep.Bands {
		out.Bands = append(out.Bands, scoreBandJSON{Min: b.Min, Max: b.Max, WinRate: toWinRate(b.WinRate)})
	}
	h := rep.Handoff
	out.Handoff.MQLs, out.Handoff.FirstTouchN, out.Handoff.Pending = h.MQLs, h.FirstTouchN, h.Pending
	out.Handoff.Acceptance, out.Handoff.Recycled, out.Handoff.Disqualified = toWinRate(h.Acceptance), toWinRate(h.Recycled), toWinRate(h.Disqualify)
	if h.FirstTouchN > 0 {
		hours := h.FirstTouch.Hours()
		out.Handoff.FirstTouch = &hours
	}
	return writeJSON(w, http.StatusOK, out)
}

// reportPeriod reads the only parameter of the period reports: period, a
// month, fiscal quarter or fiscal year (default: the current fiscal
// quarter). Any other parameter is a 400 naming it.
func (s *server) reportPeriod(r *http.Request) (crm.Period, error) {
	q := r.URL.Query()
	for k := range q {
		if k != "period" {
			return crm.Period{}, badField(k, "is not a parameter of this report (use period)")
		}
	}
	ws, _, err := s.app.Workspace(r.Context())
	if err != nil {
		return crm.Period{}, err
	}
	if key := q.Get("period"); key != "" {
		p, err := ws.ParsePeriod(key)
		if err != nil {
			return p, asQueryProblem(err, nil)
		}
		return p, nil
	}
	return ws.PeriodOf(crm.PeriodQuarter, s.app.Clock()), nil
}
