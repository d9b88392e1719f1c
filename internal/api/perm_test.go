package api

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"renkei/internal/app"
	"renkei/internal/crm"
	"renkei/internal/store"
)

// sample is a request for one route that would succeed (or fail for a
// reason other than permission) when the role may use the route.
type sample struct {
	path    string
	body    any
	headers []string
}

// TestPermissionTable walks the route table for every role and for a
// request without credentials: 401 without credentials, 403 exactly when
// the table's permission is not held by the role, and neither (nor a 5xx)
// otherwise. Requests are valid enough to reach the app verb, so a verb
// that demands more than the table says shows up as an unexpected 403.
func TestPermissionTable(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	admin := app.Actor{User: e.users["admin"]}
	team, err := e.app.CreateTeam(ctx, admin, "Walk team")
	if err != nil {
		t.Fatal(err)
	}
	doomed, err := e.app.CreateTeam(ctx, admin, "Doomed team")
	if err != nil {
		t.Fatal(err)
	}
	rate, err := e.app.PutExchangeRate(ctx, admin, crm.ExchangeRate{Currency: "EUR", Rate: 160, ValidFrom: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	job := store.Job{Kind: "walk", RunAt: time.Now(), CreatedAt: time.Now()}
	if err := e.st.Enqueue(ctx, &job); err != nil {
		t.Fatal(err)
	}
	spare := map[string]int64{} // a token each role may revoke
	for role, u := range e.users {
		tok, _, err := e.app.CreateAPIToken(ctx, app.Actor{User: u}, "spare")
		if err != nil {
			t.Fatal(err)
		}
		spare[role] = tok.ID
	}
	spare[""] = spare["admin"]
	target := e.users["marketing"].ID
	stale := []string{"If-Match", `"999"`}
	mailIn := map[string]any{"host": "smtp.example.com", "port": 587, "security": "starttls", "from_address": "crm@example.com"}

	samples := func(role string) map[string]sample {
		out := e.peopleSamples(role)
		maps.Copy(out, e.dashboardSamples(role))
		maps.Copy(out, e.closedLoopSamples(role))
		maps.Copy(out, e.webhooksSamples(role))
		maps.Copy(out, e.trackingSamples(role))
		maps.Copy(out, e.scoringSamples(role))
		maps.Copy(out, e.handoffSamples(role))
		maps.Copy(out, e.formsSamples(role))
		maps.Copy(out, e.salesSamples(role))
		maps.Copy(out, e.activitiesSamples(role))
		maps.Copy(out, e.contractsSamples(role))
		maps.Copy(out, e.targetsSamples(role))
		maps.Copy(out, e.catalogueSamples(role))
		maps.Copy(out, e.quotesSamples(role))
		maps.Copy(out, e.invoicesSamples(role))
		maps.Copy(out, e.segmentsSamples(role))
		maps.Copy(out, e.emailTemplatesSamples(role))
		maps.Copy(out, e.broadcastsSamples(role))
		maps.Copy(out, e.emailRecipientsSamples(role))
		maps.Copy(out, e.sequencesSamples(role))
		maps.Copy(out, e.campaignsSamples(role))
		maps.Copy(out, e.surveysSamples(role))
		maps.Copy(out, e.socialSamples(role))
		for k, v := range map[string]sample{
			"GET /openapi.json":                    {path: "/openapi.json"},
			"GET /users":                           {path: "/users?role=sales"},
			"POST /users":                          {path: "/users", body: map[string]any{"email": "walk-" + role + "@example.com", "name": "Walk", "role": "viewer"}},
			"GET /users/me":                        {path: "/users/me"},
			"PATCH /users/me":                      {path: "/users/me", body: map[string]any{"name": "Walker"}, headers: stale},
			"GET /users/{id}":                      {path: fmt.Sprintf("/users/%d", target)},
			"PATCH /users/{id}":                    {path: fmt.Sprintf("/users/%d", target), body: map[string]any{"name": "Walked"}, headers: stale},
			"GET /teams":                           {path: "/teams"},
			"POST /teams":                          {path: "/teams", body: map[string]any{"name": "Team of " + role}},
			"GET /teams/{id}":                      {path: fmt.Sprintf("/teams/%d", team.ID)},
			"PATCH /teams/{id}":                    {path: fmt.Sprintf("/teams/%d", team.ID), body: map[string]any{"name": "Renamed"}, headers: stale},
			"DELETE /teams/{id}":                   {path: fmt.Sprintf("/teams/%d", doomed.ID)},
			"PUT /teams/{id}/members/{user_id}":    {path: fmt.Sprintf("/teams/%d/members/%d", team.ID, target), body: map[string]any{"is_manager": true}},
			"DELETE /teams/{id}/members/{user_id}": {path: fmt.Sprintf("/teams/%d/members/%d", team.ID, e.users["viewer"].ID)},
			"GET /tokens":                          {path: "/tokens"},
			"POST /tokens":                         {path: "/tokens", body: map[string]any{"name": "walk"}},
			"DELETE /tokens/{id}":                  {path: fmt.Sprintf("/tokens/%d", spare[role])},
			"GET /settings":                        {path: "/settings"},
			"PATCH /settings":                      {path: "/settings", body: map[string]any{"company_phone": "03"}, headers: stale},
			"GET /settings/mail":                   {path: "/settings/mail"},
			"PUT /settings/mail":                   {path: "/settings/mail", body: mailIn, headers: stale},
			"POST /settings/mail/test":             {path: "/settings/mail/test"},
			"GET /exchange-rates":                  {path: "/exchange-rates"},
			"POST /exchange-rates":                 {path: "/exchange-rates", body: map[string]any{"currency": "USD", "rate": 150, "valid_from": "2026-04-01"}},
			"DELETE /exchange-rates/{id}":          {path: fmt.Sprintf("/exchange-rates/%d", rate.ID)},
			"GET /audit-log":                       {path: "/audit-log?action=login"},
			"GET /jobs/{id}":                       {path: fmt.Sprintf("/jobs/%d", job.ID)},
		} {
			out[k] = v
		}
		return out
	}

	routes := (&server{}).routeTable()
	for _, role := range testRoles {
		all := samples(role)
		for _, rt := range routes {
			key := rt.method + " " + rt.path
			s, ok := all[key]
			if !ok {
				t.Errorf("%s has no sample request in this test; add one", key)
				continue
			}
			delete(all, key)
			res := e.do(role, rt.method, Prefix+s.path, s.body, s.headers...)
			var want string
			switch {
			case rt.public:
				want = "allowed"
			case role == "":
				want = "401"
			case crm.Role(role).Can(rt.perm):
				want = "allowed"
			default:
				want = "403"
			}
			got := "allowed"
			switch {
			case res.status == http.StatusUnauthorized:
				got = "401"
			case res.status == http.StatusForbidden:
				got = "403"
			case res.status >= 500:
				got = fmt.Sprintf("%d", res.status)
			}
			if got != want {
				t.Errorf("%s as %q: got %s (%d %s), want %s (table: %s)", key, role, got, res.status, res.body, want, rt.perm)
			}
		}
		for key := range all {
			t.Errorf("sample %s names no route of the table", key)
		}
	}
}

// TestRouteTableDeniesByDefault checks that every route names a known
// permission or is marked public, and that a route whose permission is
// missing is refused to everyone, admins included.
func TestRouteTableDeniesByDefault(t *testing.T) {
	for _, rt := range (&server{}).routeTable() {
		if !rt.public && !slices.Contains(crm.Perms(), rt.perm) {
			t.Errorf("%s %s: permission %q is not one of crm.Perms()", rt.method, rt.path, rt.perm)
		}
	}
	e := newEnv(t)
	s := e.h.(*server)
	h := s.wrap(route{method: "GET", path: "/x", handle: func(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
		w.WriteHeader(http.StatusOK)
		return nil
	}})
	for _, role := range []string{"admin", "viewer"} {
		req := httptest.NewRequest("GET", "/api/v1/x", nil)
		req.Header.Set("Authorization", "Bearer "+e.tokens[role])
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusForbidden {
			t.Errorf("a route without a permission answered %d to %s, want 403", rec.Code, role)
		}
	}
}
