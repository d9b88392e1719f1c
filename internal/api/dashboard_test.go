package api

import (
	"context"
	"fmt"

	"renkei/internal/app"
	"renkei/internal/crm"
)

// dashboardSamples are the permission walk's requests of the sales report.
func (e *env) dashboardSamples(string) map[string]sample {
	return map[string]sample{
		"GET /reports/sales": {path: "/reports/sales?period=2026-Q1"},
	}
}

// happyDashboard closes deals in a pipeline of their own and reads the
// report for the current quarter: revenue 500,000 (300,000 + 200,000), 2
// contracts, win rate 2/3 (marketing 1/2, outbound 1/1), one lost to the
// competitor; one deal open in Approach (1,000,000, 10% → 100,000).
func (e *env) happyDashboard() {
	t := e.t
	ctx := context.Background()
	ac := e.admin()
	p, err := e.app.CreatePipeline(ctx, ac, crm.Pipeline{NameJA: "ダッシュボード", NameEN: "Dashboard"})
	if err != nil {
		t.Fatal(err)
	}
	stage := map[string]int64{}
	for _, st := range p.Stages {
		stage[st.NameEN] = st.ID
	}
	comp, err := e.app.CreateCompetitor(ctx, ac, crm.Competitor{Name: "Rival KK"})
	if err != nil {
		t.Fatal(err)
	}
	mk := func(amount int64, src crm.Source, to string, lostTo int64) {
		d := e.newDeal(crm.Deal{Name: "Report deal", PipelineID: p.ID, Amount: amount, Source: src})
		if to == "" {
			return
		}
		if _, err := e.app.MoveDeal(ctx, ac, d.ID, d.Version, app.MoveInput{StageID: stage[to], LostReason: "Price", LostToID: lostTo}); err != nil {
			t.Fatal(err)
		}
	}
	mk(300_000, crm.SourceWebForm, "Won", 0)
	mk(200_000, crm.SourceManual, "Won", 0)
	mk(90_000, crm.SourceWebForm, "Lost", comp.ID)
	mk(1_000_000, crm.SourceManual, "", 0)

	// The admin sees every deal (the permission walk may have made deals team-private).
	res := e.do("admin", "GET", fmt.Sprintf("/api/v1/reports/sales?pipeline_id=%d", p.ID), nil).want(t, 200)
	r := res.obj(t)
	cur := r["current"].(map[string]any)
	wr := cur["win_rate"].(map[string]any)
	by := cur["win_rate_by_source"].(map[string]any)
	mkt, out := by["marketing"].(map[string]any), by["outbound"].(map[string]any)
	if cur["revenue"] != 500000.0 || cur["contracts"] != 2.0 || cur["lost"] != 1.0 || cur["average_deal_size"] != 250000.0 ||
		wr["won"] != 2.0 || wr["closed"] != 3.0 || mkt["won"] != 1.0 || mkt["closed"] != 2.0 || out["won"] != 1.0 || out["closed"] != 1.0 {
		t.Errorf("current = %v", cur)
	}
	if lo, hi := wr["ci_low"], wr["ci_high"]; lo == nil || hi == nil || !(lo.(float64) > 0.207 && lo.(float64) < 0.208 && hi.(float64) > 0.938 && hi.(float64) < 0.939) {
		t.Errorf("2/3 interval = %v – %v, want about 0.208 – 0.939", lo, hi) // Wilson, n = 3
	}
	if prev := r["previous"].(map[string]any); prev["contracts"] != 0.0 || prev["win_rate"].(map[string]any)["rate"] != nil {
		t.Errorf("previous = %v", prev)
	}
	pipe := r["pipeline"].([]any)
	if len(pipe) != 1 || pipe[0].(map[string]any)["weighted"] != 100000.0 || pipe[0].(map[string]any)["stage"] != "Approach" {
		t.Errorf("pipeline = %v", pipe)
	}
	lostTo := r["lost_to"].([]any)
	if len(lostTo) != 1 || lostTo[0].(map[string]any)["name"] != "Rival KK" {
		t.Errorf("lost_to = %v", lostTo)
	}
	e.do("viewer", "GET", "/api/v1/reports/sales", nil).want(t, 200)
	// A named period and the previous one.
	res = e.do("sales", "GET", "/api/v1/reports/sales?period=2025-04", nil).want(t, 200)
	if per := res.obj(t)["previous"].(map[string]any)["period"].(map[string]any); per["key"] != "2025-03" || per["kind"] != "month" {
		t.Errorf("previous period of 2025-04 = %v", per)
	}
	// Bad input: 400 naming the parameter.
	for q, field := range map[string]string{"period=2026-Q5": "period", "period=x": "period", "owner_id=-1": "owner_id",
		"team_id=abc": "team_id", "since=2026": "since"} {
		res := e.do("sales", "GET", "/api/v1/reports/sales?"+q, nil).want(t, 400)
		if fe := res.fieldErrors(t); fe[field] == "" {
			t.Errorf("%s: errors %v, want one on %s", q, fe, field)
		}
	}
}
