package api

import (
	"context"
	"fmt"
	"time"

	"renkei/internal/app"
	"renkei/internal/crm"
)

// activitiesSamples are the permission walk's requests for activities and tasks.
func (e *env) activitiesSamples(role string) map[string]sample {
	ctx := context.Background()
	d := e.newDeal(crm.Deal{Name: "Activities " + role})
	// Records of the role's own user (others may not change them), the
	// admin's for roles that cannot write.
	by := e.admin()
	if u, ok := e.users[role]; ok && crm.Role(role).Can(crm.PermWriteContacts) {
		by = app.Actor{User: u}
	}
	mk := func() crm.Activity {
		a, err := e.app.CreateActivity(ctx, by, crm.Activity{Kind: crm.ActCall, Subject: "walk", DealID: d.ID})
		if err != nil {
			e.t.Fatal(err)
		}
		return a
	}
	mkTask := func() crm.Task {
		t, err := e.app.CreateTask(ctx, by, crm.Task{Title: "walk", DueAt: time.Now().Add(time.Hour), DealID: d.ID, RemindMinutes: -1})
		if err != nil {
			e.t.Fatal(err)
		}
		return t
	}
	act, doomed := mk(), mk()
	task, doomedTask := mkTask(), mkTask()
	stale := []string{"If-Match", `"999"`}
	return map[string]sample{
		"GET /activities":           {path: fmt.Sprintf("/activities?deal_id=%d&owner_id=me", d.ID)},
		"POST /activities":          {path: "/activities", body: map[string]any{"kind": "note", "body": "walk " + role, "deal_id": d.ID}},
		"GET /activities/{id}":      {path: fmt.Sprintf("/activities/%d", act.ID)},
		"PATCH /activities/{id}":    {path: fmt.Sprintf("/activities/%d", act.ID), body: map[string]any{"subject": "x"}, headers: stale},
		"DELETE /activities/{id}":   {path: fmt.Sprintf("/activities/%d", doomed.ID)},
		"GET /tasks":                {path: "/tasks?view=overdue&owner_id=me"},
		"POST /tasks":               {path: "/tasks", body: map[string]any{"title": "walk " + role, "due_at": "2026-04-01T09:00:00+09:00"}},
		"GET /tasks/{id}":           {path: fmt.Sprintf("/tasks/%d", task.ID)},
		"PATCH /tasks/{id}":         {path: fmt.Sprintf("/tasks/%d", task.ID), body: map[string]any{"title": "x"}, headers: stale},
		"POST /tasks/{id}/complete": {path: fmt.Sprintf("/tasks/%d/complete", task.ID)},
		"DELETE /tasks/{id}":        {path: fmt.Sprintf("/tasks/%d", doomedTask.ID)},
	}
}

// happyActivities walks the activity and task endpoints (run by TestHappyPaths).
func (e *env) happyActivities() {
	t := e.t
	ctx := context.Background()
	ws, v, _ := e.app.Workspace(ctx)
	ws.RecordVisibility = map[string]crm.Visibility{"deals": crm.VisibleWorkspace}
	if _, err := e.app.UpdateWorkspace(ctx, e.admin(), ws, v); err != nil {
		t.Fatal(err)
	}
	c := e.newContact("act@example.jp", "田中")
	d := e.newDeal(crm.Deal{Name: "活動テスト", ContactID: c.ID})

	// Validation: per field, nothing written.
	res := e.do("sales", "POST", "/api/v1/activities", map[string]any{"kind": "call", "outcome": "busy",
		"starts_at": "2026-04-14T10:00:00+09:00", "ends_at": "2026-04-14T11:00:00+09:00"}).want(t, 422)
	if fe := res.fieldErrors(t); fe["subject"] == "" || fe["outcome"] == "" || fe["ends_at"] == "" || fe["contact_id"] == "" {
		t.Errorf("activity errors = %v", fe)
	}
	res = e.do("sales", "POST", "/api/v1/activities", map[string]any{"kind": "meeting", "subject": "<b>提案</b>",
		"body": "資料, 見積; 次回", "starts_at": "2026-04-14T10:00:00+09:00", "ends_at": "2026-04-14T11:30:00+09:00",
		"deal_id": d.ID}).want(t, 201)
	act := res.obj(t)
	if act["subject"] != "<b>提案</b>" || act["side"] != "sales" || act["contact_id"] != float64(c.ID) || act["starts_at"] != "2026-04-14T01:00:00Z" {
		t.Errorf("created activity = %v", act)
	}
	loc := res.header.Get("Location")
	et := res.etag(t)
	e.do("viewer", "GET", loc, nil).want(t, 200)
	e.do("sales", "PATCH", loc, map[string]any{"location": "本社"}, "If-Match", `"999"`).want(t, 412)
	res = e.do("sales", "PATCH", loc, map[string]any{"location": "本社"}, "If-Match", et).want(t, 200)
	if res.obj(t)["location"] != "本社" {
		t.Errorf("patched = %v", res.obj(t))
	}
	list := e.do("viewer", "GET", fmt.Sprintf("/api/v1/activities?deal_id=%d", d.ID), nil).want(t, 200).obj(t)
	if data, _ := list["data"].([]any); len(data) != 1 {
		t.Errorf("list = %v", list)
	}
	e.do("sales", "GET", "/api/v1/activities?owner_id=me&from=2026-04-13T00:00:00Z&to=2026-04-20T00:00:00Z", nil).want(t, 200)
	e.do("sales", "GET", "/api/v1/activities?from=yesterday", nil).want(t, 400)

	// Tasks.
	res = e.do("sales", "POST", "/api/v1/tasks", map[string]any{"title": "", "due_at": "2026-04-01T09:00:00+09:00",
		"priority": "urgent", "contact_id": c.ID, "deal_id": d.ID}).want(t, 422)
	if fe := res.fieldErrors(t); fe["title"] == "" || fe["priority"] == "" || fe["contact_id"] == "" {
		t.Errorf("task errors = %v", fe)
	}
	res = e.do("sales", "POST", "/api/v1/tasks", map[string]any{"title": "見積送付", "due_at": "2020-04-01T09:00:00+09:00",
		"remind_minutes": 30, "deal_id": d.ID}).want(t, 201)
	task := res.obj(t)
	if task["overdue"] != true || task["remind_minutes"] != float64(30) || task["done"] != false {
		t.Errorf("task = %v", task)
	}
	tloc := res.header.Get("Location")
	tet := res.etag(t)
	e.do("sales", "PATCH", tloc, map[string]any{"remind_minutes": nil, "priority": "high"}, "If-Match", tet).want(t, 200)
	over := e.do("sales", "GET", "/api/v1/tasks?view=overdue&owner_id=me", nil).want(t, 200).obj(t)
	if data, _ := over["data"].([]any); len(data) != 1 {
		t.Errorf("overdue = %v", over)
	}
	e.do("sales", "GET", tloc, nil).want(t, 200)
	done := e.do("sales", "POST", tloc+"/complete", nil).want(t, 200).obj(t)
	if done["done"] != true || done["overdue"] != false {
		t.Errorf("completed = %v", done)
	}
	e.do("viewer", "POST", tloc+"/complete", map[string]any{"done": false}).want(t, 403)
	e.do("sales", "DELETE", tloc, nil).want(t, 204)
	e.do("sales", "DELETE", loc, nil).want(t, 204)
	e.do("sales", "GET", loc, nil).want(t, 404)
	_ = time.Now
}
