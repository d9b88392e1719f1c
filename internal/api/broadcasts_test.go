package api

import (
	"context"
	"fmt"
	"strings"

	"renkei/internal/crm"
)

// broadcastsSamples are the permission walk's requests for broadcasts and
// the sending settings.
func (e *env) broadcastsSamples(role string) map[string]sample {
	ctx := context.Background()
	g, err := e.app.CreateSegment(ctx, e.admin(), crm.Segment{Name: "walk bc " + role, Kind: crm.SegmentStatic})
	if err != nil {
		e.t.Fatal(err)
	}
	in := map[string]any{"name": "walk", "subject": "件名", "html": "<p>本文</p>", "include_ids": []int64{g.ID}}
	b, err := e.app.CreateBroadcast(ctx, e.admin(), crm.Broadcast{Name: "walk " + role, Subject: "件名", HTML: "<p>x</p>", IncludeIDs: []int64{g.ID}})
	if err != nil {
		e.t.Fatal(err)
	}
	at := fmt.Sprintf("/broadcasts/%d", b.ID)
	stale := []string{"If-Match", `"999"`}
	return map[string]sample{
		"GET /broadcasts":              {path: "/broadcasts"},
		"POST /broadcasts":             {path: "/broadcasts", body: in},
		"GET /broadcasts/{id}":         {path: at},
		"PUT /broadcasts/{id}":         {path: at, body: in, headers: stale},
		"DELETE /broadcasts/{id}":      {path: "/broadcasts/999999"},
		"POST /broadcasts/{id}/start":  {path: at + "/start"}, // 422: no compliance block yet
		"POST /broadcasts/{id}/pause":  {path: at + "/pause"},
		"POST /broadcasts/{id}/resume": {path: at + "/resume"},
		"POST /broadcasts/{id}/cancel": {path: at + "/cancel"},
		"GET /broadcasts/{id}/report":  {path: at + "/report"},
		"GET /settings/sending":        {path: "/settings/sending"},
		"PUT /settings/sending":        {path: "/settings/sending", body: map[string]any{"domain": "example.jp"}, headers: stale},
	}
}

// happyBroadcasts walks the broadcast endpoints (run by TestHappyPaths):
// settings with a generated DKIM key, a draft, the compliance refusal,
// the report.
func (e *env) happyBroadcasts() {
	t := e.t
	ctx := context.Background()
	g, err := e.app.CreateSegment(ctx, e.admin(), crm.Segment{Name: "happy bc", Kind: crm.SegmentStatic})
	if err != nil {
		t.Fatal(err)
	}
	set := e.do("admin", "GET", "/api/v1/settings/sending", nil).want(t, 200).obj(t)
	ver := fmt.Sprint(set["version"])
	put := map[string]any{"domain": "example.jp", "from_address": "news@example.jp", "dkim_selector": "renkei", "generate_dkim_key": true,
		"relays": []any{map[string]any{"host": "127.0.0.1", "port": 2525, "security": "none"}}}
	set = e.do("admin", "PUT", "/api/v1/settings/sending", put, "If-Match", `"`+ver+`"`).want(t, 200).obj(t)
	if !strings.HasPrefix(fmt.Sprint(set["dkim_record"]), "v=DKIM1; k=rsa; p=") || set["dkim_key"] != nil && set["dkim_key"] != "" {
		t.Errorf("settings: %v", set)
	}
	in := map[string]any{"name": "4月", "subject": "{{family_name}}様", "html": "<p>{{company | \"御社\"}}</p>", "include_ids": []int64{g.ID}}
	b := e.do("marketing", "POST", "/api/v1/broadcasts", in).want(t, 201).obj(t)
	id := fmt.Sprint(b["id"])
	res := e.do("marketing", "POST", "/api/v1/broadcasts/"+id+"/start", nil).want(t, 422).obj(t)
	if !strings.Contains(fmt.Sprint(res["errors"]), "compliance.sender_name") {
		t.Errorf("start without compliance: %v", res)
	}
	bad := map[string]any{"name": "", "subject": "x", "html": "{{nope}}", "include_ids": []int64{}}
	e.do("marketing", "POST", "/api/v1/broadcasts", bad).want(t, 422)
	// The topic must be one of the preference centre's.
	badTopic := map[string]any{"name": "topic", "subject": "x", "html": "<p>x</p>", "include_ids": []int64{g.ID}, "topic": "no_such_topic"}
	if errs := e.do("marketing", "POST", "/api/v1/broadcasts", badTopic).want(t, 422).fieldErrors(t); errs["topic"] == "" {
		t.Errorf("unknown topic: %v", errs)
	}
	rep := e.do("viewer", "GET", "/api/v1/broadcasts/"+id+"/report", nil).want(t, 200).obj(t)
	if rep["status"] != "draft" {
		t.Errorf("report: %v", rep)
	}
	e.do("viewer", "GET", "/api/v1/broadcasts", nil).want(t, 200)
	got := e.do("viewer", "GET", "/api/v1/broadcasts/"+id, nil).want(t, 200).obj(t)
	in["name"] = "4月のご案内"
	e.do("marketing", "PUT", "/api/v1/broadcasts/"+id, in, "If-Match", fmt.Sprintf(`"%v"`, got["version"])).want(t, 200)
	other := e.do("marketing", "POST", "/api/v1/broadcasts", in).want(t, 201).obj(t)
	e.do("marketing", "DELETE", fmt.Sprintf("/api/v1/broadcasts/%v", other["id"]), nil).want(t, 204)
	put["generate_dkim_key"] = false
	put["compliance"] = map[string]any{"sender_name": "株式会社サンプル", "postal_address": "東京都千代田区1-1", "contact_email": "info@example.jp"}
	e.do("admin", "PUT", "/api/v1/settings/sending", put, "If-Match", fmt.Sprintf(`"%v"`, set["version"])).want(t, 200)
	started := e.do("marketing", "POST", "/api/v1/broadcasts/"+id+"/start", nil).want(t, 200).obj(t)
	if started["status"] != "queueing" {
		t.Errorf("started: %v", started["status"])
	}
	e.do("marketing", "POST", "/api/v1/broadcasts/"+id+"/pause", nil).want(t, 204)
	e.do("marketing", "POST", "/api/v1/broadcasts/"+id+"/resume", nil).want(t, 204)
	e.do("marketing", "POST", "/api/v1/broadcasts/"+id+"/cancel", nil).want(t, 204)
	e.do("marketing", "PUT", "/api/v1/broadcasts/"+id, in, "If-Match", `"99"`).want(t, 422)
}
