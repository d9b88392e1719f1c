package api

import (
	"fmt"
	"testing"
	"time"

	"renkei/internal/app"
	"renkei/internal/crm"
)

func (e *env) newScoringRule(name string) crm.ScoringRule {
	e.t.Helper()
	r, err := e.app.CreateScoringRule(e.t.Context(), e.admin(), crm.ScoringRule{Kind: crm.RuleFit, Name: name, Points: 10, Active: true,
		Condition: crm.Condition{Field: "job_title", Op: crm.OpContains, Values: []string{"部長"}}})
	if err != nil {
		e.t.Fatal(err)
	}
	return r
}

// scoringSamples are the permission walk's requests for the scoring routes.
func (e *env) scoringSamples(role string) map[string]sample {
	r := e.newScoringRule("walk " + role)
	doomed := e.newScoringRule("doomed " + role)
	c := e.newContact("scored-"+role+"@example.jp", "")
	stale := []string{"If-Match", `"999"`}
	ruleIn := map[string]any{"kind": "engagement", "name": "pricing " + role, "points": 10, "cap": 30,
		"condition": map[string]any{"field": "pageview", "op": "prefix", "values": []string{"/pricing"}}}
	setIn := map[string]any{"half_life_days": 30, "mql_enabled": true, "mql_fit_min": 30, "mql_engagement_min": 40, "form_makes_lead": true}
	return map[string]sample{
		"GET /scoring-rules":         {path: "/scoring-rules"},
		"POST /scoring-rules":        {path: "/scoring-rules", body: ruleIn},
		"GET /scoring-rules/{id}":    {path: fmt.Sprintf("/scoring-rules/%d", r.ID)},
		"PATCH /scoring-rules/{id}":  {path: fmt.Sprintf("/scoring-rules/%d", r.ID), body: map[string]any{"points": 5}, headers: stale},
		"DELETE /scoring-rules/{id}": {path: fmt.Sprintf("/scoring-rules/%d", doomed.ID)},
		"GET /scoring-settings":      {path: "/scoring-settings"},
		"PUT /scoring-settings":      {path: "/scoring-settings", body: setIn, headers: stale},
		"GET /contacts/{id}/score":   {path: fmt.Sprintf("/contacts/%d/score", c.ID)},
		"POST /scoring/rescore":      {path: "/scoring/rescore"},
	}
}

// happyScoring walks the scoring endpoints on their success paths and
// checks what they answer.
func (e *env) happyScoring() {
	t := e.t
	res := e.do("marketing", "POST", "/api/v1/scoring-rules", map[string]any{"kind": "fit", "name": "<script>alert(1)</script> 部長",
		"points": 15, "condition": map[string]any{"field": "job_title", "op": "contains", "values": []string{"部長", "manager"}}}).want(t, 201)
	rule := res.obj(t)
	id := int64(rule["id"].(float64))
	if rule["description"] != `job_title contains "部長" or "manager"` || rule["active"] != true {
		t.Errorf("created rule %v", rule)
	}
	e.do("marketing", "POST", "/api/v1/scoring-rules", map[string]any{"kind": "engagement", "name": "form", "points": 20,
		"condition": map[string]any{"field": "form", "op": "any"}}).want(t, 201)
	e.do("viewer", "GET", "/api/v1/scoring-rules", nil).want(t, 200)
	e.do("viewer", "GET", fmt.Sprintf("/api/v1/scoring-rules/%d", id), nil).want(t, 200)
	res = e.do("marketing", "PATCH", fmt.Sprintf("/api/v1/scoring-rules/%d", id), map[string]any{"points": 25}, "If-Match", `"1"`).want(t, 200)
	if res.obj(t)["points"] != float64(25) {
		t.Errorf("patched %s", res.body)
	}

	// Per-field errors, nothing written.
	before := e.snapshot()
	res = e.do("admin", "POST", "/api/v1/scoring-rules", map[string]any{"kind": "engagement", "name": "", "points": 0, "cap": 5,
		"condition": map[string]any{"field": "visit", "op": "like"}}).want(t, 422)
	errs := res.fieldErrors(t)
	for _, f := range []string{"name", "points", "field", "op"} {
		if errs[f] == "" {
			t.Errorf("no error for %s: %v", f, errs)
		}
	}
	if e.snapshot() != before {
		t.Error("a refused rule changed the database")
	}

	res = e.do("viewer", "GET", "/api/v1/scoring-settings", nil).want(t, 200)
	if res.obj(t)["version"] != float64(0) || res.obj(t)["half_life_days"] != float64(30) {
		t.Errorf("default settings %s", res.body)
	}
	set := map[string]any{"half_life_days": 14, "mql_enabled": true, "mql_fit_min": 20, "mql_engagement_min": 20, "form_makes_lead": true}
	e.do("marketing", "PUT", "/api/v1/scoring-settings", set, "If-Match", `"0"`).want(t, 200)
	set["half_life_days"] = -3
	e.do("marketing", "PUT", "/api/v1/scoring-settings", set, "If-Match", `"1"`).want(t, 422)

	c := e.newContact("buchou@example.jp", "")
	c.JobTitle = "営業部長"
	c, err := e.app.UpdateContact(t.Context(), e.admin(), c.ID, c.Version, app.ContactInput{Contact: c})
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.st.DB().ExecContext(t.Context(), "INSERT INTO events (contact_id, at, kind, name) VALUES ($1, $2, 'form', 'contact')",
		c.ID, time.Now().UnixMilli())
	if err != nil {
		t.Fatal(err)
	}
	res = e.do("admin", "POST", "/api/v1/scoring/rescore", nil).want(t, 202)
	if res.header.Get("Location") == "" {
		t.Error("no Location for the job")
	}
	res = e.do("sales", "GET", fmt.Sprintf("/api/v1/contacts/%d/score", c.ID), nil).want(t, 200)
	sc := res.obj(t)
	if sc["fit"] != float64(25) || len(sc["points"].([]any)) != 1 {
		t.Errorf("score before the rescore job ran: %s", res.body)
	}
	e.do("marketing", "DELETE", fmt.Sprintf("/api/v1/scoring-rules/%d", id), nil).want(t, 204)
	e.do("marketing", "GET", fmt.Sprintf("/api/v1/scoring-rules/%d", id), nil).want(t, 404)
}

func TestScoringAPI(t *testing.T) {
	newEnv(t).happyScoring()
}
