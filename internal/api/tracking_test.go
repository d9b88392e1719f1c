package api

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"renkei/internal/app"
	"renkei/internal/crm"
	"renkei/internal/store"
)

// trackingSamples are the permission walk's requests for web tracking.
func (e *env) trackingSamples(role string) map[string]sample {
	e.t.Helper()
	ctx := context.Background()
	site, err := e.app.CreateSite(ctx, e.admin(), app.SiteInput{Name: "Walk " + role, Domain: "walk.example"})
	if err != nil {
		e.t.Fatal(err)
	}
	doomed, err := e.app.CreateSite(ctx, e.admin(), app.SiteInput{Name: "Doomed " + role, Domain: "walk.example"})
	if err != nil {
		e.t.Fatal(err)
	}
	c := e.newContact(fmt.Sprintf("walk-track-%s@example.jp", role), "歩")
	return map[string]sample{
		"GET /sites":             {path: "/sites"},
		"POST /sites":            {path: "/sites", body: map[string]any{"name": "Site of " + role, "domain": "example.co.jp"}},
		"GET /sites/{id}":        {path: fmt.Sprintf("/sites/%d", site.ID)},
		"PATCH /sites/{id}":      {path: fmt.Sprintf("/sites/%d", site.ID), body: map[string]any{"name": "Renamed"}, headers: []string{"If-Match", `"999"`}},
		"DELETE /sites/{id}":     {path: fmt.Sprintf("/sites/%d", doomed.ID)},
		"POST /events":           {path: "/events", body: map[string]any{"events": []any{map[string]any{"type": "pageview", "url": "https://walk.example/", "site_id": site.ID, "visitor_id": "walk-visitor-1"}}}},
		"POST /events/identify":  {path: "/events/identify", body: map[string]any{"site_id": site.ID, "visitor_id": "walk-visitor-1", "contact_id": c.ID}},
		"GET /reports/awareness": {path: fmt.Sprintf("/reports/awareness?site_id=%d", site.ID)},
	}
}

// happyTracking runs the tracking endpoints' successful calls (TestAPI
// checks that every route was answered with a 2xx).
func (e *env) happyTracking() {
	e.sitesAPI(e.t)
	e.eventsAndAwarenessAPI(e.t)
}

func (e *env) sitesAPI(t *testing.T) {
	res := e.do("admin", "POST", Prefix+"/sites", map[string]any{"name": "Acme", "domain": "https://www.acme.example/", "origins": []string{"HTTPS://WWW.ACME.EXAMPLE:443"}})
	if res.status != 201 || !strings.Contains(string(res.body), `"https://www.acme.example"`) || !strings.Contains(string(res.body), `t.js\" data-site=\"rk_`) {
		t.Fatalf("create: %d %s", res.status, res.body)
	}
	id := res.id(t)
	res = e.do("admin", "POST", Prefix+"/sites", map[string]any{"name": "", "domain": "nope", "origins": []string{"ftp://x"}})
	if res.status != 422 || !strings.Contains(string(res.body), `"domain"`) || !strings.Contains(string(res.body), `"origins"`) || !strings.Contains(string(res.body), `"name"`) {
		t.Errorf("invalid create: %d %s", res.status, res.body)
	}
	res = e.do("admin", "PATCH", fmt.Sprintf("%s/sites/%d", Prefix, id), map[string]any{"cookieless": true}, "If-Match", `"1"`)
	if res.status != 200 || !strings.Contains(string(res.body), `"cookieless":true`) || !strings.Contains(string(res.body), `"name":"Acme"`) {
		t.Errorf("patch: %d %s", res.status, res.body)
	}
	if res := e.do("marketing", "POST", Prefix+"/sites", map[string]any{"name": "x", "domain": "x.example"}); res.status != 403 {
		t.Errorf("marketing created a site: %d", res.status)
	}
	if res := e.do("viewer", "GET", fmt.Sprintf("%s/sites/%d", Prefix, id), nil); res.status != 200 || !strings.Contains(string(res.body), `"snippet"`) {
		t.Errorf("get: %d %s", res.status, res.body)
	}
	if res := e.do("admin", "GET", Prefix+"/sites", nil); res.status != 200 || !strings.Contains(string(res.body), `"Acme"`) {
		t.Errorf("list: %d %s", res.status, res.body)
	}
	if res := e.do("admin", "DELETE", fmt.Sprintf("%s/sites/%d", Prefix, id), nil); res.status != 204 {
		t.Errorf("delete: %d %s", res.status, res.body)
	}
}

func (e *env) eventsAndAwarenessAPI(t *testing.T) {
	site, err := e.app.CreateSite(context.Background(), e.admin(), app.SiteInput{Name: "Acme", Domain: "acme.example"})
	if err != nil {
		t.Fatal(err)
	}
	c := e.newContact("api-visitor@example.jp", "山田")
	var evs []any
	for i, p := range []string{"/", "/pricing", "/pricing"} {
		evs = append(evs, map[string]any{"url": "https://acme.example" + p + "?utm_source=newsletter&utm_campaign=spring", "site_key": site.Key,
			"visitor_id": fmt.Sprintf("api-visitor-%d", i%2), "title": "<script>alert(1)</script>"})
	}
	res := e.do("sales", "POST", Prefix+"/events", map[string]any{"events": evs})
	if res.status != 200 || !strings.Contains(string(res.body), `"accepted":3`) {
		t.Fatalf("events: %d %s", res.status, res.body)
	}
	res = e.do("sales", "POST", Prefix+"/events", map[string]any{"events": []any{map[string]any{"type": "event", "site_id": site.ID, "visitor_id": "x y"}}})
	if res.status != 422 || !strings.Contains(string(res.body), "name") || !strings.Contains(string(res.body), "visitor_id") {
		t.Errorf("invalid event: %d %s", res.status, res.body)
	}
	res = e.do("sales", "POST", Prefix+"/events/identify", map[string]any{"site_id": site.ID, "visitor_id": "api-visitor-1", "email": "api-visitor@example.jp"})
	if res.status != 200 || !strings.Contains(string(res.body), fmt.Sprintf(`"contact_id":%d`, c.ID)) {
		t.Fatalf("identify: %d %s", res.status, res.body)
	}
	tl, _ := e.app.Timeline(context.Background(), e.admin(), store.TimelineFilter{ContactID: c.ID})
	visits := 0
	for _, en := range tl {
		if en.Kind == app.KindVisit {
			visits++
		}
	}
	if visits != 1 {
		t.Errorf("%d visits on the contact's timeline, want 1", visits)
	}
	res = e.do("viewer", "GET", fmt.Sprintf("%s/reports/awareness?site_id=%d&group=week", Prefix, site.ID), nil)
	if res.status != 200 || !strings.Contains(string(res.body), `"pageviews":3`) || !strings.Contains(string(res.body), `"unique_visitors":2`) ||
		!strings.Contains(string(res.body), `{"value":"/pricing","views":2}`) || !strings.Contains(string(res.body), `{"value":"newsletter","views":3}`) {
		t.Errorf("report: %d %s", res.status, res.body)
	}
	for _, q := range []string{"", "site_id=" + fmt.Sprint(site.ID) + "&from=yesterday", "site_id=" + fmt.Sprint(site.ID) + "&group=year"} {
		if res := e.do("viewer", "GET", Prefix+"/reports/awareness?"+q, nil); res.status != 400 {
			t.Errorf("report ?%s: %d %s", q, res.status, res.body)
		}
	}
	if res := e.do("viewer", "GET", Prefix+"/reports/awareness?site_id=999999", nil); res.status != http.StatusBadRequest {
		t.Errorf("unknown site: %d", res.status)
	}
	_ = crm.ErrNotFound
}
