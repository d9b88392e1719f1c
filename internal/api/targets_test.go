package api

import (
	"context"
	"fmt"
	"time"

	"renkei/internal/app"
	"renkei/internal/crm"
)

// targetsSamples are the permission walk's requests for the target routes.
// The writes are sent so that they stop before the target is looked at
// (unknown field: 400; a target that does not exist: 404): the walk checks
// the table, TestTargetsAPI who may set which target.
func (e *env) targetsSamples(role string) map[string]sample {
	tg, err := e.app.CreateTarget(context.Background(), e.admin(), crm.Target{Kind: crm.PeriodMonth,
		PeriodKey: fmt.Sprintf("2020-%02d", 1+map[string]int{"admin": 1, "marketing": 2, "sales": 3, "viewer": 4}[role]), Scope: crm.ScopeWorkspace, Amount: 1000})
	if err != nil {
		e.t.Fatal(err)
	}
	return map[string]sample{
		"GET /targets":         {path: "/targets?period=2020-01"},
		"POST /targets":        {path: "/targets", body: map[string]any{"period": "2020-01", "scope": "workspace", "walk": true}},
		"GET /attainment":      {path: "/attainment?period=2020-Q1&scope=workspace"},
		"GET /targets/{id}":    {path: fmt.Sprintf("/targets/%d", tg.ID)},
		"PATCH /targets/{id}":  {path: fmt.Sprintf("/targets/%d", tg.ID), body: map[string]any{"walk": 1}, headers: []string{"If-Match", `"999"`}},
		"DELETE /targets/{id}": {path: "/targets/999999"},
	}
}

// happyTargets walks the target endpoints (run by TestHappyPaths): bad
// input with per-field errors, a stale version, attainment of a won deal.
func (e *env) happyTargets() {
	t := e.t
	ctx := context.Background()
	now := time.Now().UTC()
	month := now.Format("2006-01")
	// A won deal of ¥300,000 this month (the workspace is in UTC).
	var won int64
	for _, st := range e.defaultPipeline().Stages {
		if st.Kind == crm.StageWon {
			won = st.ID
		}
	}
	d := e.newDeal(crm.Deal{Name: "目標テスト", Amount: 300_000})
	if _, err := e.app.MoveDeal(ctx, e.admin(), d.ID, d.Version, app.MoveInput{StageID: won}); err != nil {
		t.Fatal(err)
	}

	// Bad input: per-field messages, nothing written.
	for _, bad := range []struct {
		body  map[string]any
		field string
	}{
		{map[string]any{"period": "2026-13", "scope": "workspace", "amount": 1}, "period"},
		{map[string]any{"period": month, "scope": "company", "amount": 1}, "scope"},
		{map[string]any{"period": month, "scope": "team", "amount": 1}, "scope_id"},
		{map[string]any{"period": month, "scope": "team", "scope_id": 999999, "amount": 1}, "scope_id"},
		{map[string]any{"period": month, "scope": "workspace"}, "amount"},
		{map[string]any{"period": month, "scope": "workspace", "amount": -1}, "amount"},
		{map[string]any{"period": month, "scope": "workspace", "amount": 1, "percent": 110}, "amount"},
		{map[string]any{"period": month, "scope": "workspace", "percent": 5000}, "percent"},
	} {
		res := e.do("admin", "POST", "/api/v1/targets", bad.body).want(t, 422)
		if fe := res.fieldErrors(t); fe[bad.field] == "" {
			t.Errorf("%v: errors %v, want one on %s", bad.body, fe, bad.field)
		}
	}
	e.do("admin", "POST", "/api/v1/targets", map[string]any{"period": month, "scope": "workspace", "amount": "lots"}).want(t, 400)
	e.do("admin", "POST", "/api/v1/targets", map[string]any{"period": month, "scope": "workspace", "amount": 1, "x": 1}).want(t, 400)
	e.do("admin", "POST", "/api/v1/targets", `{"period": "`+month+`"} {}`).want(t, 400)
	if l := e.do("admin", "GET", "/api/v1/targets?period="+month, nil).want(t, 200).obj(t); len(l["data"].([]any)) != 0 {
		t.Fatalf("refused targets were written: %v", l)
	}
	// Salespeople who manage no team, marketing and viewers may not.
	for _, role := range []string{"sales", "marketing", "viewer"} {
		e.do(role, "POST", "/api/v1/targets", map[string]any{"period": month, "scope": "workspace", "amount": 100}).want(t, 403)
	}

	// ¥400,000 for this month: attainment 300,000 ÷ 400,000 = 0.75.
	res := e.do("admin", "POST", "/api/v1/targets", map[string]any{"period": month, "scope": "workspace", "amount": 400_000}).want(t, 201)
	tg := res.obj(t)
	loc := res.header.Get("Location")
	if tg["amount"] != float64(400_000) || tg["percent"] != nil || tg["period_kind"] != "month" || loc == "" {
		t.Errorf("created %v at %q", tg, loc)
	}
	e.do("admin", "POST", "/api/v1/targets", map[string]any{"period": month, "scope": "workspace", "amount": 1}).want(t, 422)
	att := e.do("viewer", "GET", "/api/v1/attainment?period="+month+"&scope=workspace", nil).want(t, 200).obj(t)
	rows := att["rows"].([]any)
	if len(rows) != 1 {
		t.Fatalf("attainment rows %v", att)
	}
	row := rows[0].(map[string]any)
	if row["target"] != float64(400_000) || row["actual"].(float64) < 300_000 || row["can_set"] != false {
		t.Errorf("attainment row %v", row)
	}
	if a, _ := row["attainment"].(float64); row["actual"] == float64(300_000) && a != 0.75 {
		t.Errorf("attainment %v, want 0.75", row["attainment"])
	}
	e.do("viewer", "GET", "/api/v1/attainment?period=2026-99", nil).want(t, 400)
	e.do("viewer", "GET", "/api/v1/attainment?scope=team:999999", nil).want(t, 400)
	e.do("viewer", "GET", "/api/v1/attainment?scope=everyone", nil).want(t, 400)

	// Change to 110% of last month; the old version is refused.
	got := e.do("viewer", "GET", loc, nil).want(t, 200)
	et := got.etag(t)
	e.do("admin", "PATCH", loc, map[string]any{"percent": 110}, "If-Match", `"999"`).want(t, 412)
	e.do("admin", "PATCH", loc, map[string]any{"percent": 110, "amount": 5}, "If-Match", et).want(t, 422)
	e.do("admin", "PATCH", loc, map[string]any{"percent": 110}).want(t, 428)
	p := e.do("admin", "PATCH", loc, map[string]any{"percent": 110}, "If-Match", et).want(t, 200).obj(t)
	if p["percent"] != float64(110) || p["amount"] != nil {
		t.Errorf("patched %v", p)
	}
	e.do("admin", "PATCH", loc, map[string]any{"amount": 1}, "If-Match", et).want(t, 412)
	e.do("sales", "DELETE", loc, nil).want(t, 403)
	e.do("admin", "DELETE", loc, nil).want(t, 204)
	e.do("admin", "GET", loc, nil).want(t, 404)

	// The deal's forecast category through the API.
	dl := e.do("sales", "POST", "/api/v1/deals", map[string]any{"name": "予測", "forecast_category": "commit"}).want(t, 201).obj(t)
	if dl["forecast_category"] != "commit" {
		t.Errorf("deal %v", dl)
	}
	res = e.do("sales", "POST", "/api/v1/deals", map[string]any{"name": "予測", "forecast_category": "maybe"}).want(t, 422)
	if fe := res.fieldErrors(t); fe["forecast_category"] == "" {
		t.Errorf("bad category: %v", fe)
	}
}
