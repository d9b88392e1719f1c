package api

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"renkei/internal/app"
	"renkei/internal/crm"
)

// targetsRoutes are the API endpoints of sales targets, attainment and the
// forecast (issue 6 §4).
func (s *server) targetsRoutes() []route {
	periodParam := param{name: "period", desc: "A month (2026-04), a fiscal quarter (2026-Q1) or a fiscal year (2026); the current month when left out.",
		schema: pattern(`^\d{4}(-(0[1-9]|1[0-2])|-Q[1-4])?$`, "")}
	return []route{
		{method: http.MethodGet, path: "/targets", perm: crm.PermReadAll, id: "listTargets", tag: "targets",
			summary: "The targets you may see (admins: all; others: the workspace's, their own and their teams'; managers also their members'), of one period or all",
			query:   []param{{name: "period", desc: "Only the targets of this period (2026-04, 2026-Q1, 2026).", schema: periodParam.schema}},
			status:  200, resp: "TargetList", handle: s.listTargets},
		{method: http.MethodPost, path: "/targets", perm: crm.PermWriteSales, id: "createTarget", tag: "targets",
			summary: "Set the target of a period and scope: an amount in the base currency, or a percentage of the previous period's actual. Admins set any target; team managers those of their teams and members; others get 403",
			body:    "TargetInput", status: 201, resp: "Target", location: true, handle: s.createTarget},
		{method: http.MethodGet, path: "/attainment", perm: crm.PermReadAll, id: "targetAttainment", tag: "targets",
			summary: "Attainment, vs previous period and the forecast (won, commit, best case, weighted, pipeline) of every scope you may see, for one period",
			query: []param{periodParam, {name: "scope", desc: "Only this scope: workspace, team:<id> or user:<id>.",
				schema: pattern(`^(workspace|team:[1-9][0-9]*|user:[1-9][0-9]*)$`, "")}},
			status: 200, resp: "Attainment", handle: s.targetAttainment},
		{method: http.MethodGet, path: "/targets/{id}", perm: crm.PermReadAll, id: "getTarget", tag: "targets",
			summary: "One target", status: 200, resp: "Target", handle: s.getTarget},
		{method: http.MethodPatch, path: "/targets/{id}", perm: crm.PermWriteSales, id: "updateTarget", tag: "targets",
			summary: "Change a target to an amount or to a percentage of the previous period (send one of them)", body: "TargetPatch",
			ifMatch: true, status: 200, resp: "Target", handle: s.updateTarget},
		{method: http.MethodDelete, path: "/targets/{id}", perm: crm.PermWriteSales, id: "deleteTarget", tag: "targets",
			summary: "Delete a target", status: 204, handle: s.deleteTarget},
	}
}

type targetJSON struct {
	ID         int64     `json:"id"`
	PeriodKind string    `json:"period_kind"`
	Period     string    `json:"period"`
	Scope      string    `json:"scope"`
	ScopeID    *int64    `json:"scope_id"`
	Amount     *int64    `json:"amount"`
	Percent    *int      `json:"percent"`
	CreatedAt  time.Time `json:"created_at"`
	UpdatedAt  time.Time `json:"updated_at"`
	Version    int64     `json:"version"`
}

func (t targetJSON) etag() int64 { return t.Version }

func toTarget(t crm.Target) targetJSON {
	out := targetJSON{ID: t.ID, PeriodKind: string(t.Kind), Period: t.PeriodKey, Scope: string(t.Scope), ScopeID: optID(t.ScopeID),
		CreatedAt: t.CreatedAt, UpdatedAt: t.UpdatedAt, Version: t.Version}
	if t.Relative() {
		p := t.Percent
		out.Percent = &p
	} else {
		a := t.Amount
		out.Amount = &a
	}
	return out
}

type targetInput struct {
	Period  string `json:"period"`
	Scope   string `json:"scope"`
	ScopeID int64  `json:"scope_id"`
	Amount  *int64 `json:"amount"`
	Percent *int   `json:"percent"`
}

type targetPatch struct {
	Amount  *int64 `json:"amount"`
	Percent *int   `json:"percent"`
}

func (s *server) listTargets(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	ts, err := s.app.Targets(r.Context(), ac, r.URL.Query().Get("period"))
	if err != nil {
		return err
	}
	out := list[targetJSON]{Data: []targetJSON{}}
	for _, t := range ts {
		out.Data = append(out.Data, toTarget(t))
	}
	return writeJSON(w, http.StatusOK, out)
}

func (s *server) createTarget(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	var in targetInput
	if err := decodeJSON(r, &in, false); err != nil {
		return err
	}
	t := crm.Target{PeriodKey: in.Period, Scope: crm.TargetScope(in.Scope), ScopeID: in.ScopeID}
	if p, err := s.app.TargetPeriod(r.Context(), strings.TrimSpace(in.Period)); err == nil && in.Period != "" {
		t.Kind, t.PeriodKey = p.Kind, p.Key()
	} else {
		return crm.Invalid("period", "use a month such as 2026-04, a fiscal quarter such as 2026-Q1 or a fiscal year such as 2026")
	}
	if in.Amount != nil {
		t.Amount = *in.Amount
	}
	if in.Percent != nil {
		t.Percent = *in.Percent
	}
	t, err := s.app.CreateTarget(r.Context(), ac, t)
	if err != nil {
		return err
	}
	w.Header().Set("Location", fmt.Sprintf("%s/targets/%d", Prefix, t.ID))
	return writeJSON(w, http.StatusCreated, toTarget(t))
}

func (s *server) getTarget(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	t, err := s.app.Target(r.Context(), ac, id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, toTarget(t))
}

func (s *server) updateTarget(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	version, err := ifMatch(r)
	if err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in targetPatch
	if err := decodeJSON(r, &in, false); err != nil {
		return err
	}
	var amount int64
	var percent int
	if in.Amount != nil {
		amount = *in.Amount
	}
	if in.Percent != nil {
		percent = *in.Percent
	}
	t, err := s.app.UpdateTarget(r.Context(), ac, id, version, amount, percent)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, toTarget(t))
}

func (s *server) deleteTarget(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.app.DeleteTarget(r.Context(), ac, id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

type forecastJSON struct {
	Won       int64 `json:"won"`
	Commit    int64 `json:"commit"`
	BestCase  int64 `json:"best_case"`
	Weighted  int64 `json:"weighted"`
	Pipeline  int64 `json:"pipeline"`
	OpenDeals int   `json:"open_deals"`
}

type attainmentRowJSON struct {
	Scope         string       `json:"scope"`
	ScopeID       *int64       `json:"scope_id"`
	Name          string       `json:"name"`
	TargetID      *int64       `json:"target_id"`
	Target        *int64       `json:"target"`
	TargetPercent *int         `json:"target_percent"`
	Actual        int64        `json:"actual"`
	Previous      int64        `json:"previous"`
	WonDeals      int          `json:"won_deals"`
	Attainment    *float64     `json:"attainment"`
	VsPrevious    *float64     `json:"vs_previous"`
	CanSet        bool         `json:"can_set"`
	Forecast      forecastJSON `json:"forecast"`
}

type leftOutJSON struct {
	Deals      int      `json:"deals"`
	Currencies []string `json:"currencies"`
}

type attainmentJSON struct {
	Period         string              `json:"period"`
	PeriodKind     string              `json:"period_kind"`
	Start          string              `json:"start"`
	End            string              `json:"end"`
	PreviousPeriod string              `json:"previous_period"`
	Currency       string              `json:"currency"`
	LeftOut        leftOutJSON         `json:"left_out"`
	Rows           []attainmentRowJSON `json:"rows"`
}

// ratio rounds a ratio to four decimals (0.9 = 90%).
func ratio(v float64, ok bool) *float64 {
	if !ok {
		return nil
	}
	x, _ := strconv.ParseFloat(strconv.FormatFloat(v, 'f', 4, 64), 64)
	return &x
}

func (s *server) targetAttainment(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	scope := r.URL.Query().Get("scope")
	if scope != "" && scope != "workspace" && !strings.HasPrefix(scope, "team:") && !strings.HasPrefix(scope, "user:") {
		return badField("scope", "must be workspace, team:<id> or user:<id>")
	}
	if _, err := s.app.TargetPeriod(r.Context(), r.URL.Query().Get("period")); err != nil {
		return badField("period", "must be a month such as 2026-04, a fiscal quarter such as 2026-Q1 or a fiscal year such as 2026")
	}
	rep, err := s.app.TargetReport(r.Context(), ac, r.URL.Query().Get("period"))
	if err != nil {
		return err
	}
	p := rep.Period
	out := attainmentJSON{Period: p.Key(), PeriodKind: string(p.Kind), Start: p.Start.Format(time.DateOnly),
		End: p.End.Format(time.DateOnly), PreviousPeriod: rep.Prev.Key(), Currency: rep.Base,
		LeftOut: leftOutJSON{Deals: rep.LeftOut, Currencies: append([]string{}, rep.Currencies...)}, Rows: []attainmentRowJSON{}}
	for _, row := range rep.Rows {
		if scope != "" && row.Key() != scope {
			continue
		}
		j := attainmentRowJSON{Scope: string(row.Scope), ScopeID: optID(row.ScopeID), Name: row.Name, Actual: row.Actual,
			Previous: row.Previous, WonDeals: row.Won, CanSet: row.CanSet,
			Forecast: forecastJSON{Won: row.Forecast.Won, Commit: row.Forecast.Commit, BestCase: row.Forecast.BestCase,
				Weighted: row.Forecast.Weighted, Pipeline: row.Forecast.Pipeline, OpenDeals: row.Forecast.Open}}
		if t := row.Target; t != nil {
			j.TargetID = optID(t.ID)
			amount := row.TargetAmount
			j.Target = &amount
			if t.Relative() {
				pc := t.Percent
				j.TargetPercent = &pc
			}
		}
		j.Attainment = ratio(row.Attainment())
		j.VsPrevious = ratio(row.VsPrevious())
		out.Rows = append(out.Rows, j)
	}
	if scope != "" && len(out.Rows) == 0 {
		return badField("scope", "names no team or user whose numbers you may see")
	}
	return writeJSON(w, http.StatusOK, out)
}

// targetsSchemas are the OpenAPI components of targets.
func targetsSchemas() js {
	scope := withDesc(enumOf(string(crm.ScopeWorkspace), string(crm.ScopeTeam), string(crm.ScopeUser)),
		"workspace: every deal; team: deals whose team is the team; user: deals the user owns.")
	amount := described(js{"type": "integer", "minimum": 1}, "In minor units of the workspace's base currency (yen for JPY).")
	percent := described(js{"type": "integer", "minimum": 1, "maximum": crm.MaxTargetPercent},
		"A percentage of the same scope's actual in the previous period: 110 = 110% of last month.")
	target := js{
		"id":          idSchema(""),
		"period_kind": enumOf("month", "quarter", "year"),
		"period":      str("2026-04, 2026-Q1 (fiscal quarter) or 2026 (fiscal year)."),
		"scope":       scope,
		"scope_id":    nullable(idSchema("The team or user; null for the workspace.")),
		"amount":      nullable(withDesc(js{"type": "integer"}, "The target amount in minor units of the base currency; null for a percentage target.")),
		"percent":     nullable(withDesc(js{"type": "integer"}, "% of the previous period's actual; null for an amount.")),
		"created_at":  dateTime(""),
		"updated_at":  dateTime(""),
		"version":     integer("Increases with every change; send it back as If-Match."),
	}
	money := func(desc string) js { return integer(desc + " Minor units of the base currency.") }
	row := js{
		"scope":          scope,
		"scope_id":       nullable(idSchema("")),
		"name":           str("The workspace's, team's or user's name."),
		"target_id":      nullable(idSchema("")),
		"target":         nullable(withDesc(js{"type": "integer"}, "The target amount (a percentage target's computed amount); null without a target.")),
		"target_percent": nullable(withDesc(js{"type": "integer"}, "Set for a percentage target.")),
		"actual":         money("Deals of the scope won in the period, converted at the won day's rate."),
		"previous":       money("The same for the previous period."),
		"won_deals":      integer("Number of deals won in the period."),
		"attainment":     nullable(withDesc(js{"type": "number"}, "actual ÷ target (0.9 = 90%); null without a target or with a target of 0.")),
		"vs_previous":    nullable(withDesc(js{"type": "number"}, "actual ÷ previous (1.1 = 110% of last period); null when previous is 0.")),
		"can_set":        boolean("You may set or change this scope's target."),
		"forecast": record(js{
			"won":        money("Won in the period (deals you may see)."),
			"commit":     money("won + open deals in commit closing in the period."),
			"best_case":  money("commit + open deals in best_case."),
			"weighted":   money("won + Σ amount × stage probability of open deals not omitted."),
			"pipeline":   money("Σ amount of open deals not omitted closing in the period."),
			"open_deals": integer("Open deals not omitted closing in the period."),
		}),
	}
	return js{
		"Target":     record(target),
		"TargetList": listOf("Target"),
		"TargetInput": input([]string{"period", "scope"}, js{
			"period":   str("2026-04, 2026-Q1 or 2026."),
			"scope":    scope,
			"scope_id": idSchema("Required for team and user."),
			"amount":   amount,
			"percent":  percent,
		}),
		"TargetPatch": input(nil, js{"amount": amount, "percent": percent}),
		"Attainment": record(js{
			"period":          str(""),
			"period_kind":     enumOf("month", "quarter", "year"),
			"start":           date("First day, in the workspace's time zone."),
			"end":             date("The day after the last."),
			"previous_period": str(""),
			"currency":        str("The base currency of every amount."),
			"left_out": record(js{"deals": integer("Deals left out: their currency has no exchange rate."),
				"currencies": arrayOf(str(""))}),
			"rows": withDesc(arrayOf(record(row)), "The workspace, then teams, then people."),
		}),
	}
}
