package api

import (
	"context"
	"fmt"
	"strings"

	"renkei/internal/app"
	"renkei/internal/crm"
)

func (e *env) segmentsSamples(role string) map[string]sample {
	ctx := context.Background()
	g, err := e.app.CreateSegment(ctx, e.admin(), crm.Segment{Name: "walk " + role, Kind: crm.SegmentStatic})
	if err != nil {
		e.t.Fatal(err)
	}
	c := e.newContact("walk-seg-"+role+"@example.jp", "歩")
	filter := map[string]any{"match": "all", "conditions": []any{map[string]any{"field": "lifecycle_stage", "op": "eq", "value": "lead"}}}
	members := map[string]any{"contact_ids": []int64{c.ID}}
	at := fmt.Sprintf("/segments/%d", g.ID)
	return map[string]sample{
		"GET /segments":                      {path: "/segments"},
		"POST /segments":                     {path: "/segments", body: map[string]any{"name": "walk", "filter": filter, "walk": 1}},
		"GET /segment-fields":                {path: "/segment-fields"},
		"POST /segment-count":                {path: "/segment-count", body: map[string]any{"filter": filter}},
		"GET /segments/{id}":                 {path: at},
		"PATCH /segments/{id}":               {path: at, body: map[string]any{"walk": 1}, headers: []string{"If-Match", `"999"`}},
		"DELETE /segments/{id}":              {path: "/segments/999999"},
		"GET /segments/{id}/count":           {path: at + "/count"},
		"GET /segments/{id}/contacts":        {path: at + "/contacts"},
		"POST /segments/{id}/members/add":    {path: at + "/members/add", body: members},
		"POST /segments/{id}/members/remove": {path: at + "/members/remove", body: members},
	}
}

// happySegments walks the segment endpoints (run by TestHappyPaths): a
// dynamic segment with a live count, a static list's members, bad filters
// refused per field with nothing written.
func (e *env) happySegments() {
	t := e.t
	a := e.newContact("seg-a@example.jp", "甲")
	b, err := e.app.CreateContact(context.Background(), e.admin(), app.ContactInput{
		Contact: crm.Contact{Email: "seg-b@example.jp", PersonName: crm.PersonName{Family: "乙"}, Tags: []string{"seg-vip"}}})
	if err != nil {
		t.Fatal(err)
	}
	fields := e.do("viewer", "GET", "/api/v1/segment-fields", nil).want(t, 200).obj(t)
	if !strings.Contains(fmt.Sprint(fields["data"]), "visited_path") {
		t.Errorf("fields %v", fields)
	}
	vip := map[string]any{"match": "all", "conditions": []any{map[string]any{"field": "tag", "op": "eq", "value": "seg-vip"}}}
	if n := e.do("viewer", "POST", "/api/v1/segment-count", map[string]any{"filter": vip}).want(t, 200).obj(t)["count"]; n != float64(1) {
		t.Errorf("live count %v, want 1 (b)", n)
	}

	before := len(e.do("admin", "GET", "/api/v1/segments", nil).want(t, 200).obj(t)["data"].([]any))
	for _, bad := range []struct {
		filter any
		field  string
	}{
		{map[string]any{"match": "all", "conditions": []any{map[string]any{"field": "password", "op": "eq", "value": "x"}}}, "filter.conditions[0].field"},
		{map[string]any{"match": "all", "conditions": []any{map[string]any{"field": "engagement_score", "op": "gte", "value": "1; DROP TABLE contacts"}}}, "filter.conditions[0].value"},
		{map[string]any{"match": "any", "groups": []any{map[string]any{"match": "all", "conditions": []any{map[string]any{"field": "lifecycle_stage", "op": "contains", "value": "le"}}}}}, "filter.groups[0].conditions[0].op"},
		{map[string]any{"match": "all", "raw_sql": "1=1"}, "filter"},
	} {
		res := e.do("marketing", "POST", "/api/v1/segments", map[string]any{"name": "bad", "filter": bad.filter}).want(t, 422)
		if fe := res.fieldErrors(t); fe[bad.field] == "" {
			t.Errorf("%v: errors %v, want one on %s", bad.filter, fe, bad.field)
		}
		e.do("viewer", "POST", "/api/v1/segment-count", map[string]any{"filter": bad.filter}).want(t, 422)
	}
	if n := len(e.do("admin", "GET", "/api/v1/segments", nil).want(t, 200).obj(t)["data"].([]any)); n != before {
		t.Errorf("refused segments were written: %d → %d", before, n)
	}
	e.do("sales", "POST", "/api/v1/segments", map[string]any{"name": "VIP", "filter": vip}).want(t, 403)

	res := e.do("marketing", "POST", "/api/v1/segments", map[string]any{"name": "VIP", "filter": vip}).want(t, 201)
	loc := res.header.Get("Location")
	if g := res.obj(t); g["kind"] != "dynamic" || loc == "" {
		t.Errorf("created %v at %q", g, loc)
	}
	if n := e.do("viewer", "GET", loc+"/count", nil).want(t, 200).obj(t)["count"]; n != float64(1) {
		t.Errorf("count %v, want 1", n)
	}
	page := e.do("viewer", "GET", loc+"/contacts?limit=1", nil).want(t, 200).obj(t)
	if d := page["data"].([]any); len(d) != 1 || d[0].(map[string]any)["id"] != float64(b.ID) || page["next_cursor"] != nil {
		t.Errorf("contacts %v", page)
	}
	et := e.do("viewer", "GET", loc, nil).want(t, 200).etag(t)
	all := map[string]any{"match": "any", "conditions": []any{map[string]any{"field": "email", "op": "prefix", "value": "seg-"}}}
	p := e.do("marketing", "PATCH", loc, map[string]any{"filter": all}, "If-Match", et).want(t, 200).obj(t)
	if p["version"] != float64(2) {
		t.Errorf("patched %v", p)
	}
	e.do("marketing", "PATCH", loc, map[string]any{"name": "x"}, "If-Match", et).want(t, 412)
	// Two contacts, pages of one: b then a.
	p1 := e.do("viewer", "GET", loc+"/contacts?limit=1", nil).want(t, 200).obj(t)
	cur, _ := p1["next_cursor"].(string)
	p2 := e.do("viewer", "GET", loc+"/contacts?limit=1&cursor="+cur, nil).want(t, 200).obj(t)
	if cur == "" || p2["data"].([]any)[0].(map[string]any)["id"] != float64(a.ID) {
		t.Errorf("pages %v then %v", p1, p2)
	}
	e.do("viewer", "POST", loc+"/members/add", map[string]any{"contact_ids": []int64{a.ID}}).want(t, 403)
	e.do("marketing", "POST", loc+"/members/add", map[string]any{"contact_ids": []int64{a.ID}}).want(t, 422)

	// A static list saved from the filter holds a and b; members change by hand.
	st := e.do("marketing", "POST", "/api/v1/segments", map[string]any{"name": "保存", "kind": "static", "filter": all}).want(t, 201)
	sloc := st.header.Get("Location")
	if n := e.do("viewer", "GET", sloc+"/count", nil).want(t, 200).obj(t)["count"]; n != float64(2) {
		t.Errorf("saved list count %v, want 2", n)
	}
	r := e.do("marketing", "POST", sloc+"/members/remove", map[string]any{"contact_ids": []int64{a.ID}}).want(t, 200).obj(t)
	if r["changed"] != float64(1) || r["count"] != float64(1) {
		t.Errorf("remove %v", r)
	}
	r = e.do("marketing", "POST", sloc+"/members/add", map[string]any{"contact_ids": []int64{a.ID, b.ID}}).want(t, 200).obj(t)
	if r["changed"] != float64(1) || r["count"] != float64(2) {
		t.Errorf("add %v", r)
	}
	res = e.do("marketing", "POST", sloc+"/members/add", map[string]any{"contact_ids": []int64{999999}}).want(t, 422)
	if fe := res.fieldErrors(t); fe["contact_ids"] == "" {
		t.Errorf("missing contact: %v", fe)
	}
	set := e.do("viewer", "GET", sloc, nil).want(t, 200).etag(t)
	e.do("marketing", "PATCH", sloc, map[string]any{"filter": vip}, "If-Match", set).want(t, 400)
	e.do("marketing", "DELETE", sloc, nil).want(t, 204)
	e.do("marketing", "DELETE", loc, nil).want(t, 204)
	e.do("viewer", "GET", loc, nil).want(t, 404)
}
