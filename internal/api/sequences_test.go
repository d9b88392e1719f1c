package api

import (
	"context"
	"fmt"
	"testing"

	"renkei/internal/app"
	"renkei/internal/crm"
)

func appContact(email string) app.ContactInput {
	return app.ContactInput{Contact: crm.Contact{Email: email}}
}

// sequencesSamples are the permission walk's requests for sequences.
func (e *env) sequencesSamples(role string) map[string]sample {
	ctx := context.Background()
	q, err := e.app.CreateSequence(ctx, e.admin(), crm.Sequence{Name: "walk " + role,
		Steps: []crm.SequenceStep{{Kind: crm.StepTask, TaskTitle: "電話", TaskDays: 1}}})
	if err != nil {
		e.t.Fatal(err)
	}
	c, err := e.app.CreateContact(ctx, e.admin(), appContact("walk-seq-"+role+"@example.jp"))
	if err != nil {
		e.t.Fatal(err)
	}
	in := map[string]any{"name": "walk", "steps": []any{map[string]any{"kind": "wait", "wait_days": 2}}}
	at := fmt.Sprintf("/sequences/%d", q.ID)
	stale := []string{"If-Match", `"999"`}
	return map[string]sample{
		"GET /sequences":                  {path: "/sequences"},
		"POST /sequences":                 {path: "/sequences", body: in},
		"GET /sequences/{id}":             {path: at},
		"PUT /sequences/{id}":             {path: at, body: in, headers: stale},
		"DELETE /sequences/{id}":          {path: "/sequences/999999"},
		"POST /sequences/{id}/activate":   {path: at + "/activate"},
		"POST /sequences/{id}/pause":      {path: at + "/pause"},
		"POST /sequences/{id}/archive":    {path: at + "/archive"},
		"POST /sequences/{id}/enrolments": {path: at + "/enrolments", body: map[string]any{"contact_ids": []int64{c.ID}}},
		"GET /sequences/{id}/report":      {path: at + "/report?days=14"},
	}
}

// happySequences walks every sequence endpoint (run by TestHappyPaths).
func (e *env) happySequences() {
	t := e.t
	ctx := context.Background()
	c, err := e.app.CreateContact(ctx, e.admin(), appContact("happy-seq@example.jp"))
	if err != nil {
		t.Fatal(err)
	}
	in := map[string]any{"name": "育成", "holdout_pct": 10, "steps": []any{
		map[string]any{"kind": "wait", "wait_days": 1},
		map[string]any{"kind": "condition", "cond": "score", "cond_value": "10", "then": 4, "else": 0},
		map[string]any{"kind": "task", "task_title": "電話でフォロー", "task_days": 2},
		map[string]any{"kind": "wait", "wait_hours": 5},
	}}
	q := e.do("marketing", "POST", "/api/v1/sequences", in).want(t, 201).obj(t)
	id := fmt.Sprint(q["id"])
	steps := q["steps"].([]any)
	if len(steps) != 4 || q["exit_on_reply"] != true || q["status"] != "draft" {
		t.Fatalf("created: %v", q)
	}
	e.do("viewer", "GET", "/api/v1/sequences", nil).want(t, 200)
	got := e.do("viewer", "GET", "/api/v1/sequences/"+id, nil).want(t, 200).obj(t)
	// Move the task first: keep the step ids.
	first := steps[0].(map[string]any)
	in["steps"] = []any{first, map[string]any{"kind": "wait", "wait_days": 3}}
	in["exit_on_deal"] = false
	upd := e.do("marketing", "PUT", "/api/v1/sequences/"+id, in, "If-Match", fmt.Sprintf(`"%v"`, got["version"])).want(t, 200).obj(t)
	if s := upd["steps"].([]any); len(s) != 2 || fmt.Sprint(s[0].(map[string]any)["id"]) != fmt.Sprint(first["id"]) || upd["exit_on_deal"] != false {
		t.Errorf("updated: %v", upd)
	}
	e.do("marketing", "POST", "/api/v1/sequences/"+id+"/activate", nil).want(t, 200)
	res := e.do("marketing", "POST", "/api/v1/sequences/"+id+"/enrolments", map[string]any{"contact_ids": []int64{c.ID, c.ID}}).want(t, 200).obj(t)
	if fmt.Sprint(res["enrolled"]) != "1" {
		t.Errorf("enrol: %v", res)
	}
	rep := e.do("viewer", "GET", "/api/v1/sequences/"+id+"/report?days=7", nil).want(t, 200).obj(t)
	if fmt.Sprint(rep["enrolled"].(float64)+rep["holdout"].(float64)) != "1" {
		t.Errorf("report: %v", rep)
	}
	e.do("viewer", "GET", "/api/v1/sequences/"+id+"/report?days=0", nil).want(t, 400)
	e.do("marketing", "POST", "/api/v1/sequences/"+id+"/pause", nil).want(t, 204)
	e.do("marketing", "POST", "/api/v1/sequences/"+id+"/archive", nil).want(t, 204)
	draft := e.do("marketing", "POST", "/api/v1/sequences", map[string]any{"name": "消す"}).want(t, 201).obj(t)
	e.do("marketing", "DELETE", fmt.Sprintf("/api/v1/sequences/%v", draft["id"]), nil).want(t, 204)
	e.do("sales", "POST", "/api/v1/sequences", in).want(t, 403)
}

// TestSequencesHostileInput: bad step types, loops, unknown templates and
// foreign segments get one message per field and write nothing.
func TestSequencesHostileInput(t *testing.T) {
	e := newEnv(t)
	for _, tc := range []struct {
		name   string
		body   any
		field  string
		status int
	}{
		{"bad step type", map[string]any{"name": "x", "steps": []any{map[string]any{"kind": "exec"}}}, "steps.1.kind", 422},
		{"loop", map[string]any{"name": "x", "steps": []any{map[string]any{"kind": "wait", "wait_days": 1},
			map[string]any{"kind": "condition", "cond": "score", "cond_value": "5", "then": 1}}}, "steps.2.then", 422},
		{"unknown template", map[string]any{"name": "x", "steps": []any{map[string]any{"kind": "email", "template_id": 4242}}}, "steps.1.template_id", 422},
		{"foreign segment", map[string]any{"name": "x", "segment_id": 987654}, "segment_id", 422},
		{"foreign condition segment", map[string]any{"name": "x", "steps": []any{map[string]any{"kind": "condition", "cond": "segment", "segment_id": 987654}}}, "steps.1.segment_id", 422},
		{"holdout", map[string]any{"name": "x", "holdout_pct": 99}, "holdout_pct", 422},
		{"header injection", map[string]any{"name": "x", "steps": []any{map[string]any{"kind": "email", "subject": "a\r\nBcc: x@evil.example", "html": "<p>x</p>"}}}, "steps.1.subject", 422},
		{"unknown field", map[string]any{"name": "x", "sql": "DROP TABLE contacts"}, "", 400},
		{"not json", "{", "", 400},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := e.do("marketing", "POST", "/api/v1/sequences", tc.body).want(t, tc.status)
			if tc.field != "" {
				if fe := res.fieldErrors(t); fe[tc.field] == "" {
					t.Errorf("no message for %s: %v", tc.field, fe)
				}
			}
		})
	}
	var n int
	if err := e.st.DB().QueryRow("SELECT (SELECT COUNT(*) FROM sequences) + (SELECT COUNT(*) FROM sequence_steps)").Scan(&n); err != nil || n != 0 {
		t.Errorf("%d rows written by refused input (%v)", n, err)
	}
	e.do("marketing", "POST", "/api/v1/sequences/999/enrolments", map[string]any{"contact_ids": []int64{1}}).want(t, 404)
}
