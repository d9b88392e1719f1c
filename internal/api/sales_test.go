package api

import (
	"context"
	"fmt"
	"net/http"
	"testing"

	"renkei/internal/app"
	"renkei/internal/crm"
)

// newDeal creates a deal as the admin.
func (e *env) newDeal(d crm.Deal) crm.Deal {
	e.t.Helper()
	d, err := e.app.CreateDeal(context.Background(), e.admin(), d)
	if err != nil {
		e.t.Fatal(err)
	}
	return d
}

// defaultPipeline returns the pipeline the migration creates.
func (e *env) defaultPipeline() crm.Pipeline {
	e.t.Helper()
	ps, err := e.app.Pipelines(context.Background(), e.admin())
	if err != nil || len(ps) == 0 {
		e.t.Fatalf("pipelines: %v %v", ps, err)
	}
	return ps[0]
}

// salesSamples are the permission walk's requests for the sales routes.
func (e *env) salesSamples(role string) map[string]sample {
	p := e.defaultPipeline()
	d := e.newDeal(crm.Deal{Name: "Walk " + role})
	doomed := e.newDeal(crm.Deal{Name: "Doomed " + role})
	extra, err := e.app.SaveStage(context.Background(), e.admin(), crm.Stage{PipelineID: p.ID, NameEN: "Extra " + role, Kind: crm.StageOpen})
	if err != nil {
		e.t.Fatal(err)
	}
	stale := []string{"If-Match", `"999"`}
	return map[string]sample{
		"GET /pipelines":                           {path: "/pipelines"},
		"POST /pipelines":                          {path: "/pipelines", body: map[string]any{"name_en": "Walk " + role}},
		"GET /pipelines/{id}":                      {path: fmt.Sprintf("/pipelines/%d", p.ID)},
		"GET /pipelines/{id}/board":                {path: fmt.Sprintf("/pipelines/%d/board?owner_id=me&close_month=2026-04", p.ID)},
		"PATCH /pipelines/{id}":                    {path: fmt.Sprintf("/pipelines/%d", p.ID), body: map[string]any{"name_en": "x"}, headers: stale},
		"POST /pipelines/{id}/stages":              {path: fmt.Sprintf("/pipelines/%d/stages", p.ID), body: map[string]any{"name_en": "Walk"}},
		"PATCH /pipelines/{id}/stages/{stage_id}":  {path: fmt.Sprintf("/pipelines/%d/stages/%d", p.ID, extra.ID), body: map[string]any{"probability": 30}},
		"DELETE /pipelines/{id}/stages/{stage_id}": {path: fmt.Sprintf("/pipelines/%d/stages/%d", p.ID, extra.ID)},
		"GET /deals":                               {path: "/deals?owner_id=me&close_month=2026-04&status=open"},
		"POST /deals":                              {path: "/deals", body: map[string]any{"name": "New " + role}},
		"GET /deals/{id}":                          {path: fmt.Sprintf("/deals/%d", d.ID)},
		"PATCH /deals/{id}":                        {path: fmt.Sprintf("/deals/%d", d.ID), body: map[string]any{"next_step": "x"}, headers: stale},
		"DELETE /deals/{id}":                       {path: fmt.Sprintf("/deals/%d", doomed.ID)},
		"POST /deals/{id}/move":                    {path: fmt.Sprintf("/deals/%d/move", d.ID), body: map[string]any{"stage_id": p.Stages[1].ID}, headers: stale},
		"GET /deals/{id}/history":                  {path: fmt.Sprintf("/deals/%d/history", d.ID)},
		"GET /competitors":                         {path: "/competitors"},
		"POST /competitors":                        {path: "/competitors", body: map[string]any{"name": "Rival " + role}},
	}
}

// happySales walks the sales endpoints (run by TestHappyPaths).
func (e *env) happySales() {
	t := e.t
	// Deals visible to the whole workspace (the settings walk made them team-private).
	ctx := context.Background()
	ws, v, _ := e.app.Workspace(ctx)
	ws.RecordVisibility = map[string]crm.Visibility{"deals": crm.VisibleWorkspace}
	if _, err := e.app.UpdateWorkspace(ctx, e.admin(), ws, v); err != nil {
		t.Fatal(err)
	}
	p := e.defaultPipeline()
	stage := map[string]int64{}
	for _, st := range p.Stages {
		stage[st.NameEN] = st.ID
	}
	c := e.newContact("lead@example.jp", "山田")

	res := e.do("sales", "POST", "/api/v1/deals", map[string]any{"name": "<script>alert(1)</script>", "amount": 1234567,
		"contact_id": c.ID, "close_date": "2026-04-30", "contacts": []map[string]any{{"contact_id": c.ID, "role": "decision_maker"}}}).want(t, 201)
	deal := res.obj(t)
	if deal["amount_formatted"] != "¥1,234,567" || deal["currency"] != "JPY" || deal["name"] != "<script>alert(1)</script>" {
		t.Errorf("created deal = %v", deal)
	}
	loc := res.header.Get("Location")
	et := res.etag(t)

	// Proposal needs the hearing notes: 422 naming them.
	res = e.do("sales", "POST", loc+"/move", map[string]any{"stage_id": stage["Proposal"]}, "If-Match", et).want(t, 422)
	if fe := res.fieldErrors(t); fe["bant_budget"] == "" || fe["bant_need"] == "" || fe["stage_id"] == "" {
		t.Errorf("required fields errors = %v", fe)
	}
	// Lost needs a reason.
	res = e.do("sales", "POST", loc+"/move", map[string]any{"stage_id": stage["Lost"]}, "If-Match", et).want(t, 422)
	if fe := res.fieldErrors(t); fe["lost_reason"] == "" {
		t.Errorf("lost errors = %v", fe)
	}
	// Two moves from the same read: the second gets 412, and nothing is lost.
	e.do("sales", "POST", loc+"/move", map[string]any{"stage_id": stage["Discovery"]}, "If-Match", et).want(t, 200)
	e.do("admin", "POST", loc+"/move", map[string]any{"stage_id": stage["Negotiation"]}, "If-Match", et).want(t, 412)
	res = e.do("admin", "GET", loc, nil).want(t, 200)
	if got := res.obj(t)["stage_id"]; got != float64(stage["Discovery"]) {
		t.Errorf("stage after the conflict = %v", got)
	}
	e.do("sales", "POST", loc+"/move", map[string]any{"stage_id": stage["Negotiation"]}).want(t, 428)
	e.do("admin", "PATCH", loc, map[string]any{"bant_budget": "300万円"}, "If-Match", res.etag(t)).want(t, 200)
	res = e.do("admin", "GET", loc+"/history", nil).want(t, 200)
	if n := len(res.obj(t)["data"].([]any)); n != 2 {
		t.Errorf("history has %d entries, want 2", n)
	}
	// Viewers read but do not write.
	e.do("viewer", "GET", loc, nil).want(t, 200)
	e.do("viewer", "DELETE", loc, nil).want(t, 403)
	// Filters.
	res = e.do("viewer", "GET", "/api/v1/deals?close_month=2026-04&source_group=outbound", nil).want(t, 200)
	if n := len(res.obj(t)["data"].([]any)); n != 1 {
		t.Errorf("April outbound deals = %d, want 1", n)
	}
	res = e.do("viewer", "GET", "/api/v1/deals?close_month=2026-05", nil).want(t, 200)
	if n := len(res.obj(t)["data"].([]any)); n != 0 {
		t.Errorf("May deals = %d, want 0", n)
	}
	e.do("viewer", "GET", "/api/v1/deals?close_month=2026-13", nil).want(t, 400)

	// The board: totals per stage.
	res = e.do("viewer", "GET", fmt.Sprintf("/api/v1/pipelines/%d/board?close_month=2026-04", p.ID), nil).want(t, 200)
	cols := res.obj(t)["columns"].([]any)
	if n := cols[1].(map[string]any)["count"]; n != float64(1) {
		t.Errorf("Discovery column counts %v deals, want 1", n)
	}

	// Pipelines and stages.
	e.do("viewer", "GET", "/api/v1/pipelines", nil).want(t, 200)
	res = e.do("admin", "POST", "/api/v1/pipelines", map[string]any{"name_ja": "更新", "name_en": "Renewals"}).want(t, 201)
	ploc := res.header.Get("Location")
	res = e.do("admin", "PATCH", ploc, map[string]any{"name_en": "Renewal deals"}, "If-Match", res.etag(t)).want(t, 200)
	if got := res.obj(t); got["name_en"] != "Renewal deals" || len(got["stages"].([]any)) != 6 {
		t.Errorf("renamed pipeline = %v", got)
	}
	e.do("viewer", "GET", ploc, nil).want(t, 200)
	res = e.do("admin", "POST", ploc+"/stages", map[string]any{"name_ja": "検証", "name_en": "Trial", "probability": 50,
		"required_fields": []string{"bant_need"}}).want(t, 201)
	sid := int64(res.obj(t)["id"].(float64))
	e.do("admin", "PATCH", fmt.Sprintf("%s/stages/%d", ploc, sid), map[string]any{"probability": 55}).want(t, 200)
	e.do("admin", "PATCH", fmt.Sprintf("%s/stages/%d", ploc, sid), map[string]any{"required_fields": []string{"shoe_size"}}).want(t, 422)
	e.do("admin", "DELETE", fmt.Sprintf("%s/stages/%d", ploc, sid), nil).want(t, 204)

	// Competitors, and a lost deal naming one.
	res = e.do("sales", "POST", "/api/v1/competitors", map[string]any{"name": "競合A社"}).want(t, 201)
	comp := int64(res.obj(t)["id"].(float64))
	e.do("sales", "POST", "/api/v1/competitors", map[string]any{"name": "競合A社"}).want(t, 422)
	e.do("viewer", "GET", "/api/v1/competitors", nil).want(t, 200)
	res = e.do("sales", "GET", loc, nil).want(t, 200)
	res = e.do("sales", "POST", loc+"/move", map[string]any{"stage_id": stage["Lost"], "lost_reason": "価格", "lost_to_id": comp},
		"If-Match", res.etag(t)).want(t, 200)
	if got := res.obj(t); got["lost_reason"] != "価格" || got["closed_at"] == nil || got["lost_to_id"] != float64(comp) {
		t.Errorf("lost deal = %v", got)
	}
	e.do("sales", "DELETE", loc, nil).want(t, 204)
	e.do("sales", "GET", loc, nil).want(t, 404)
}

func TestDealsAPITeamPrivate(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	admin := e.admin()
	team, err := e.app.CreateTeam(ctx, admin, "東京")
	if err != nil {
		t.Fatal(err)
	}
	ws, v, _ := e.app.Workspace(ctx)
	ws.RecordVisibility = map[string]crm.Visibility{"deals": crm.VisibleTeam}
	if _, err := e.app.UpdateWorkspace(ctx, admin, ws, v); err != nil {
		t.Fatal(err)
	}
	d := e.newDeal(crm.Deal{Name: "Private", TeamID: team.ID, OwnerID: admin.User.ID})
	p := e.defaultPipeline()
	loc := fmt.Sprintf("/api/v1/deals/%d", d.ID)
	e.do("sales", "GET", loc, nil).want(t, 404)
	e.do("sales", "POST", loc+"/move", map[string]any{"stage_id": p.Stages[1].ID}, "If-Match", fmt.Sprintf(`"%d"`, d.Version)).want(t, 404)
	res := e.do("sales", "GET", "/api/v1/deals", nil).want(t, 200)
	if n := len(res.obj(t)["data"].([]any)); n != 0 {
		t.Errorf("sales outside the team lists %d deals", n)
	}
	got, _ := e.app.Deal(ctx, app.Actor{User: e.users["admin"]}, d.ID)
	if got.Version != d.Version {
		t.Error("the refused move changed the deal")
	}
	_ = http.StatusOK
}
