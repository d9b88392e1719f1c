package api

import (
	"context"
	"fmt"

	"renkei/internal/app"
	"renkei/internal/crm"
)

// closedLoopSamples are the permission walk's requests of the closed-loop report.
func (e *env) closedLoopSamples(string) map[string]sample {
	return map[string]sample{
		"GET /reports/closed-loop":  {path: "/reports/closed-loop?period=2026-Q1"},
		"GET /reports/owner":        {path: "/reports/owner?period=2026-Q1"},
		"GET /reports/marketing":    {path: "/reports/marketing?period=2026-Q1"},
		"GET /market-sizes":         {path: "/market-sizes"},
		"POST /market-sizes":        {path: "/market-sizes", body: map[string]any{"period": "2026", "amount": 1000000}},
		"DELETE /market-sizes/{id}": {path: "/market-sizes/999999"},
	}
}

// happyClosedLoop closes deals this month and reads the closed-loop
// report. Other subtests close deals in the same month, so its win rates
// by source are checked against the sales report's for the same period
// (DESIGN.md §7: the two must agree).
func (e *env) happyClosedLoop() {
	t := e.t
	ctx := context.Background()
	ac := e.admin()
	p, err := e.app.CreatePipeline(ctx, ac, crm.Pipeline{NameJA: "ループ", NameEN: "Loop"})
	if err != nil {
		t.Fatal(err)
	}
	stage := map[string]int64{}
	for _, st := range p.Stages {
		stage[st.NameEN] = st.ID
	}
	mk := func(src crm.Source, to string) {
		d := e.newDeal(crm.Deal{Name: "Loop deal", PipelineID: p.ID, Amount: 100_000, Source: src})
		if _, err := e.app.MoveDeal(ctx, ac, d.ID, d.Version, app.MoveInput{StageID: stage[to], LostReason: "Price"}); err != nil {
			t.Fatal(err)
		}
	}
	mk(crm.SourceWebForm, "Won")
	mk(crm.SourceEmail, "Won")
	mk(crm.SourceWebForm, "Lost")
	mk(crm.SourceManual, "Won")

	month := e.app.Clock().Format("2006-01")
	loop := e.do("admin", "GET", "/api/v1/reports/closed-loop?period="+month, nil).want(t, 200).obj(t)
	sales := e.do("admin", "GET", "/api/v1/reports/sales?period="+month, nil).want(t, 200).obj(t)
	by := sales["current"].(map[string]any)["win_rate_by_source"].(map[string]any)
	cur := loop["current"].(map[string]any)
	for _, g := range []string{"marketing", "outbound"} {
		got := cur[g].(map[string]any)["win_rate"].(map[string]any)
		want := by[g].(map[string]any)
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%s: closed loop says %v, the sales report %v", g, got, want)
		}
		if got["closed"].(float64) < 1 {
			t.Errorf("%s: nothing closed: %v", g, got)
		}
	}
	if months := loop["months"].([]any); len(months) != 0 {
		t.Errorf("a month has %d month rows, want 0", len(months))
	}
	if _, ok := loop["score_bands"].([]any); !ok {
		t.Errorf("score bands = %v", loop["score_bands"])
	}
	q := e.do("viewer", "GET", "/api/v1/reports/closed-loop?period=2026-Q1", nil).want(t, 200).obj(t)
	if n := len(q["months"].([]any)); n != 3 {
		t.Errorf("a quarter has %d month rows, want 3", n)
	}
	for _, report := range []string{"closed-loop", "owner", "marketing"} {
		for qs, field := range map[string]string{"period=2026-Q5": "period", "period=x": "period", "since=2026": "since"} {
			res := e.do("sales", "GET", "/api/v1/reports/"+report+"?"+qs, nil).want(t, 400)
			if fe := res.fieldErrors(t); fe[field] == "" {
				t.Errorf("%s?%s: errors %v, want one on %s", report, qs, fe, field)
			}
		}
	}
	// Market sizes: per-field errors, then a size whose share shows in
	// the marketing report.
	bad := e.do("marketing", "POST", "/api/v1/market-sizes", map[string]any{"period": "2026-Q9", "amount": -1, "segment_id": 999999}).want(t, 422)
	if fe := bad.fieldErrors(t); fe["period"] == "" || fe["amount"] == "" || fe["segment_id"] == "" {
		t.Errorf("bad market size: %v", fe)
	}
	e.do("sales", "POST", "/api/v1/market-sizes", map[string]any{"period": month, "amount": 1000}).want(t, 403)
	made := e.do("marketing", "POST", "/api/v1/market-sizes", map[string]any{"period": month, "amount": 100_000_000, "note": "調査会社"}).want(t, 201).obj(t)
	if sizes := e.do("viewer", "GET", "/api/v1/market-sizes", nil).want(t, 200).obj(t)["data"].([]any); len(sizes) == 0 {
		t.Error("no market sizes listed")
	}
	mkt := e.do("viewer", "GET", "/api/v1/reports/marketing?period="+month, nil).want(t, 200).obj(t)
	shares := mkt["market_share"].([]any)
	if len(shares) != 1 || shares[0].(map[string]any)["size"] != 100_000_000.0 || shares[0].(map[string]any)["segment_id"] != nil {
		t.Errorf("market share = %v", shares)
	}
	e.do("marketing", "DELETE", fmt.Sprintf("/api/v1/market-sizes/%v", made["id"]), nil).want(t, 204)
	e.do("marketing", "DELETE", fmt.Sprintf("/api/v1/market-sizes/%v", made["id"]), nil).want(t, 404)
	// The owner report's sales headline is the sales report's.
	owner := e.do("admin", "GET", "/api/v1/reports/owner?period="+month, nil).want(t, 200).obj(t)
	if got, want := fmt.Sprint(owner["sales"].(map[string]any)["win_rate"]), fmt.Sprint(sales["current"].(map[string]any)["win_rate"]); got != want {
		t.Errorf("owner win rate %s, sales report %s", got, want)
	}
	if tot := owner["total"].(map[string]any); tot["key"] != "total" || len(owner["groups"].([]any)) != 2 {
		t.Errorf("owner report: total %v, groups %v", tot, owner["groups"])
	}
}
