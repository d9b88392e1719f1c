package api

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"renkei/internal/app"
	"renkei/internal/crm"
	"renkei/internal/mail"
	"renkei/internal/store"
)

// snapshot reads what writes could change, for "nothing changed" checks.
func (e *env) snapshot() string {
	e.t.Helper()
	ctx := context.Background()
	users, err1 := e.st.ListUsers(ctx, store.UserFilter{Limit: 500})
	teams, err2 := e.st.ListTeams(ctx)
	ws, wv, err3 := e.app.Workspace(ctx)
	var srv mail.Server
	sv, _ := e.st.Setting(ctx, "smtp", &srv)
	rates, err4 := e.st.ExchangeRates(ctx)
	tokens, err5 := e.st.ListAPITokens(ctx, 0)
	for i := range tokens {
		tokens[i].LastUsedAt = time.Time{} // using a token is not a change
	}
	for _, err := range []error{err1, err2, err3, err4, err5} {
		if err != nil {
			e.t.Fatal(err)
		}
	}
	b, _ := json.Marshal([]any{users, teams, ws, wv, srv, sv, rates, tokens, e.dumpPeople()})
	return string(b)
}

func TestViewerCannotWrite(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	team, _ := e.app.CreateTeam(ctx, app.Actor{User: e.users["admin"]}, "Sales")
	rate, _ := e.app.PutExchangeRate(ctx, app.Actor{User: e.users["admin"]}, crm.ExchangeRate{Currency: "USD", Rate: 150, ValidFrom: time.Now()})
	adminTokens, _ := e.st.ListAPITokens(ctx, e.users["admin"].ID)
	me := e.users["viewer"]
	before := e.snapshot()
	tests := []struct {
		method, path string
		body         any
		headers      []string
		want         int
	}{
		{"POST", "/api/v1/users", map[string]any{"email": "x@example.com", "name": "X", "role": "admin"}, nil, 403},
		{"PATCH", fmt.Sprintf("/api/v1/users/%d", me.ID), map[string]any{"role": "admin"}, []string{"If-Match", fmt.Sprintf(`"%d"`, me.Version)}, 403},
		{"PATCH", "/api/v1/users/me", map[string]any{"role": "admin"}, []string{"If-Match", fmt.Sprintf(`"%d"`, me.Version)}, 400},
		{"POST", "/api/v1/teams", map[string]any{"name": "Mine"}, nil, 403},
		{"PATCH", fmt.Sprintf("/api/v1/teams/%d", team.ID), map[string]any{"name": "Mine"}, []string{"If-Match", `"1"`}, 403},
		{"DELETE", fmt.Sprintf("/api/v1/teams/%d", team.ID), nil, nil, 403},
		{"PUT", fmt.Sprintf("/api/v1/teams/%d/members/%d", team.ID, me.ID), map[string]any{"is_manager": true}, nil, 403},
		{"PATCH", "/api/v1/settings", map[string]any{"name": "Taken over"}, []string{"If-Match", `"1"`}, 403},
		{"PUT", "/api/v1/settings/mail", map[string]any{"host": "evil.example", "port": 25, "security": "none", "from_address": "a@evil.example"}, []string{"If-Match", `"0"`}, 403},
		{"POST", "/api/v1/settings/mail/test", nil, nil, 403},
		{"POST", "/api/v1/exchange-rates", map[string]any{"currency": "EUR", "rate": 1, "valid_from": "2026-01-01"}, nil, 403},
		{"DELETE", fmt.Sprintf("/api/v1/exchange-rates/%d", rate.ID), nil, nil, 403},
		{"DELETE", fmt.Sprintf("/api/v1/tokens/%d", adminTokens[0].ID), nil, nil, 404}, // other people's tokens are invisible
	}
	for _, tt := range tests {
		res := e.do("viewer", tt.method, tt.path, tt.body, tt.headers...)
		if res.status != tt.want {
			t.Errorf("%s %s: %d, want %d: %s", tt.method, tt.path, res.status, tt.want, res.body)
		}
	}
	if after := e.snapshot(); after != before {
		t.Errorf("the database changed:\nbefore %s\nafter  %s", before, after)
	}
}

func TestSalesCannotChangeSettings(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	rate, _ := e.app.PutExchangeRate(ctx, app.Actor{User: e.users["admin"]}, crm.ExchangeRate{Currency: "USD", Rate: 150, ValidFrom: time.Now()})
	ws := e.do("sales", "GET", "/api/v1/settings", nil).want(t, 200) // sales may read them
	before := e.snapshot()
	tests := []struct {
		method, path string
		body         any
		headers      []string
	}{
		{"PATCH", "/api/v1/settings", map[string]any{"base_currency": "USD", "fiscal_year_start": 1}, []string{"If-Match", ws.etag(t)}},
		{"GET", "/api/v1/settings/mail", nil, nil},
		{"PUT", "/api/v1/settings/mail", map[string]any{"host": "smtp.example.com", "port": 587, "security": "starttls", "from_address": "a@example.com"}, []string{"If-Match", `"0"`}},
		{"POST", "/api/v1/settings/mail/test", map[string]any{"to": "a@example.com"}, nil},
		{"POST", "/api/v1/exchange-rates", map[string]any{"currency": "EUR", "rate": 1, "valid_from": "2026-01-01"}, nil},
		{"DELETE", fmt.Sprintf("/api/v1/exchange-rates/%d", rate.ID), nil, nil},
		{"GET", "/api/v1/audit-log", nil, nil},
		{"GET", "/api/v1/tokens?all=true", nil, nil}, // everyone's tokens: admins only
	}
	for _, tt := range tests {
		res := e.do("sales", tt.method, tt.path, tt.body, tt.headers...)
		if res.status != http.StatusForbidden {
			t.Errorf("%s %s: %d, want 403: %s", tt.method, tt.path, res.status, res.body)
		}
	}
	if after := e.snapshot(); after != before {
		t.Errorf("the database changed:\nbefore %s\nafter  %s", before, after)
	}
}

func TestStaleWritesChangeNothing(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	team, _ := e.app.CreateTeam(ctx, app.Actor{User: e.users["admin"]}, "Sales")
	user := fmt.Sprintf("/api/v1/users/%d", e.users["marketing"].ID)

	// Two clients read the user; the first writes; the second's write is stale.
	old := e.do("admin", "GET", user, nil).want(t, 200).etag(t)
	e.do("admin", "PATCH", user, map[string]any{"name": "First"}, "If-Match", old).want(t, 200)
	mid := e.snapshot()
	tests := []struct {
		method, path string
		body         any
		ifMatch      string
	}{
		{"PATCH", user, map[string]any{"name": "Second", "role": "viewer"}, old},
		{"PATCH", user, map[string]any{"name": "Second"}, `"0"`},
		{"PATCH", "/api/v1/users/me", map[string]any{"name": "Second"}, `"0"`},
		{"PATCH", fmt.Sprintf("/api/v1/teams/%d", team.ID), map[string]any{"name": "Second"}, fmt.Sprintf(`"%d"`, team.Version+1)},
		{"PATCH", "/api/v1/settings", map[string]any{"name": "Second"}, `"7"`},
		{"PUT", "/api/v1/settings/mail", map[string]any{"host": "smtp.example.com", "port": 587, "security": "starttls", "from_address": "a@example.com"}, `"3"`},
	}
	for _, tt := range tests {
		res := e.do("admin", tt.method, tt.path, tt.body, "If-Match", tt.ifMatch)
		if res.status != http.StatusPreconditionFailed {
			t.Errorf("%s %s If-Match %s: %d, want 412: %s", tt.method, tt.path, tt.ifMatch, res.status, res.body)
		}
	}
	if after := e.snapshot(); after != mid {
		t.Errorf("a stale write changed the database:\nbefore %s\nafter  %s", mid, after)
	}
	if u, _ := e.st.User(ctx, e.users["marketing"].ID); u.Name != "First" || u.Role != crm.RoleMarketing {
		t.Errorf("user = %+v", u)
	}
}

func TestIfMatchRequired(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	team, _ := e.app.CreateTeam(ctx, app.Actor{User: e.users["admin"]}, "Sales")
	contact := e.newContact("ifmatch@example.jp", "")
	company := e.newCompany("IfMatch 株式会社")
	prop := e.newProperty("contact", "ifmatch", crm.PropText)
	paths := map[string]string{"/users/{id}": fmt.Sprintf("/users/%d", e.users["sales"].ID), "/teams/{id}": fmt.Sprintf("/teams/%d", team.ID),
		"/contacts/{id}": fmt.Sprintf("/contacts/%d", contact.ID), "/companies/{id}": fmt.Sprintf("/companies/%d", company.ID),
		"/properties/{id}": fmt.Sprintf("/properties/%d", prop.ID)}
	if rule, err := e.app.CreateAssignmentRule(ctx, app.Actor{User: e.users["admin"]}, crm.AssignmentRule{Kind: crm.RuleCompanyOwner}); err == nil { // hand-off
		paths["/assignment-rules/{id}"] = fmt.Sprintf("/assignment-rules/%d", rule.ID)
	}
	before := e.snapshot()
	n := 0
	for _, rt := range (&server{}).routeTable() {
		if !rt.ifMatch {
			continue
		}
		n++
		path := rt.path
		if p, ok := paths[path]; ok {
			path = p
		}
		res := e.do("admin", rt.method, Prefix+path, map[string]any{"name": "No precondition"})
		if res.status != http.StatusPreconditionRequired {
			t.Errorf("%s %s without If-Match: %d, want 428: %s", rt.method, rt.path, res.status, res.body)
		}
		res = e.do("admin", rt.method, Prefix+path, map[string]any{"name": "No precondition"}, "If-Match", "yesterday")
		if fe := res.fieldErrors(t); res.status != http.StatusBadRequest || fe["If-Match"] == "" {
			t.Errorf("%s %s with a malformed If-Match: %d, want 400 naming If-Match: %s", rt.method, rt.path, res.status, res.body)
		}
	}
	if n < 5 {
		t.Errorf("only %d routes require If-Match", n)
	}
	if after := e.snapshot(); after != before {
		t.Errorf("the database changed")
	}
}

func TestMalformedRequests(t *testing.T) {
	e := newEnv(t)
	before := e.snapshot()
	settings := e.do("admin", "GET", "/api/v1/settings", nil).etag(t)
	tests := []struct {
		name, method, path, body string
		headers                  []string
		status                   int
		detail                   string // part of the detail
		field                    string // named in errors, if any
	}{
		{"truncated", "POST", "/api/v1/teams", `{"name": `, nil, 400, "not valid JSON", ""},
		{"syntax", "POST", "/api/v1/teams", `{name: "x"}`, nil, 400, "not valid JSON", ""},
		{"unknown field", "POST", "/api/v1/teams", `{"name": "x", "colour": "red"}`, nil, 400, `"colour" is not accepted`, "colour"},
		{"wrong type", "POST", "/api/v1/teams", `{"name": 5}`, nil, 400, `"name" must be a string, not a number`, "name"},
		{"fraction", "PATCH", "/api/v1/settings", `{"fiscal_year_start": 4.5}`, []string{"If-Match", settings}, 400, "whole number", "fiscal_year_start"},
		{"nested wrong type", "PATCH", "/api/v1/settings", `{"working_days": "mon"}`, []string{"If-Match", settings}, 400, "must be an array", "working_days"},
		{"array body", "POST", "/api/v1/teams", `[{"name": "x"}]`, nil, 400, "must be a JSON object", ""},
		{"empty body", "POST", "/api/v1/teams", ``, nil, 400, "empty", ""},
		{"two objects", "POST", "/api/v1/teams", `{"name": "a"} {"name": "b"}`, nil, 400, "nothing after it", ""},
		{"not JSON content type", "POST", "/api/v1/teams", `{"name": "x"}`, []string{"Content-Type", "text/plain"}, 415, "Content-Type: application/json", ""},
		{"form post", "POST", "/api/v1/teams", `name=x`, []string{"Content-Type", "application/x-www-form-urlencoded"}, 415, "application/json", ""},
		{"too large", "POST", "/api/v1/teams", `{"name": "` + strings.Repeat("x", 1<<20) + `"}`, nil, 413, "1 MiB", ""},
		{"bad limit", "GET", "/api/v1/users?limit=0", "", nil, 400, "limit", "limit"},
		{"limit too big", "GET", "/api/v1/users?limit=201", "", nil, 400, "200", "limit"},
		{"bad cursor", "GET", "/api/v1/users?cursor=%21%21", "", nil, 400, "cursor", "cursor"},
		{"bad role filter", "GET", "/api/v1/users?role=boss", "", nil, 400, "role", "role"},
		{"bad user_id filter", "GET", "/api/v1/audit-log?user_id=me", "", nil, 400, "user_id", "user_id"},
		{"bad all", "GET", "/api/v1/tokens?all=maybe", "", nil, 400, "true or false", "all"},
		{"non-numeric id", "GET", "/api/v1/users/abc", "", nil, 404, "does not exist", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := e.sub(t)
			var body any
			if tt.body != "" || tt.method != "GET" {
				body = tt.body
			}
			res := e.do("admin", tt.method, tt.path, body, tt.headers...)
			var p problem
			json.Unmarshal(res.body, &p)
			if res.status != tt.status || !strings.Contains(p.Detail, tt.detail) {
				t.Errorf("got %d %q, want %d with %q", res.status, p.Detail, tt.status, tt.detail)
			}
			if tt.field != "" && res.fieldErrors(t)[tt.field] == "" {
				t.Errorf("errors do not name %q: %s", tt.field, res.body)
			}
		})
	}
	t.Run("too large without Content-Length", func(t *testing.T) {
		req := httptest.NewRequest("POST", "/api/v1/teams", strings.NewReader(`{"name": "`+strings.Repeat("x", 1<<20)+`"}`))
		req.ContentLength = -1
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+e.tokens["admin"])
		rec := httptest.NewRecorder()
		e.h.ServeHTTP(rec, req)
		if rec.Code != http.StatusRequestEntityTooLarge || rec.Header().Get("Content-Type") != "application/problem+json" {
			t.Errorf("got %d %s", rec.Code, rec.Header().Get("Content-Type"))
		}
	})
	if after := e.snapshot(); after != before {
		t.Errorf("the database changed")
	}
}

func TestValidationErrors(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	e.app.CreateTeam(ctx, app.Actor{User: e.users["admin"]}, "Taken")
	settings := e.do("admin", "GET", "/api/v1/settings", nil).etag(t)
	before := e.snapshot()
	tests := []struct {
		name, method, path string
		body               any
		headers            []string
		fields             []string
	}{
		{"invite", "POST", "/api/v1/users", map[string]any{"email": "not an address", "name": " ", "role": "boss", "language": "fr"}, nil,
			[]string{"email", "language", "name", "role"}},
		{"invite taken email", "POST", "/api/v1/users", map[string]any{"email": "SALES@example.com", "name": "Dup", "role": "sales"}, nil,
			[]string{"email"}},
		{"team name taken", "POST", "/api/v1/teams", map[string]any{"name": "Taken"}, nil, []string{"name"}},
		{"settings", "PATCH", "/api/v1/settings", map[string]any{
			"time_zone": "Mars/Olympus", "fiscal_year_start": 13, "base_currency": "yen!", "invoice_reg_number": "T123",
			"working_days": []string{"mon", "funday"}, "day_start": "9am", "holidays": []string{"tomorrow"},
			"record_visibility": map[string]string{"deals": "secret"}}, []string{"If-Match", settings},
			[]string{"base_currency", "day_start", "fiscal_year_start", "holidays", "invoice_reg_number", "record_visibility.deals", "time_zone", "working_days"}},
		{"business hours", "PATCH", "/api/v1/settings", map[string]any{"day_start": "18:00", "day_end": "09:00"}, []string{"If-Match", settings},
			[]string{"day_end"}},
		{"no working day", "PATCH", "/api/v1/settings", map[string]any{"working_days": []string{}, "record_visibility": map[string]string{"deals": "secret"}},
			[]string{"If-Match", settings}, []string{"record_visibility.deals", "working_days"}},
		{"mail", "PUT", "/api/v1/settings/mail", map[string]any{"host": "", "port": 0, "security": "ssl", "from_address": "nobody"}, []string{"If-Match", `"0"`},
			[]string{"from_address", "host", "port", "security"}},
		{"test mail before setup", "POST", "/api/v1/settings/mail/test", nil, nil, []string{"host"}},
		{"rate", "POST", "/api/v1/exchange-rates", map[string]any{"currency": "JPY", "rate": -1, "valid_from": "1 April"}, nil,
			[]string{"currency", "rate", "valid_from"}},
		{"token name", "POST", "/api/v1/tokens", map[string]any{"name": ""}, nil, []string{"name"}},
		{"self patch", "PATCH", "/api/v1/users/me", map[string]any{"language": "de"}, []string{"If-Match", fmt.Sprintf(`"%d"`, e.users["admin"].Version)},
			[]string{"language"}},
		{"last admin", "PATCH", fmt.Sprintf("/api/v1/users/%d", e.users["admin"].ID), map[string]any{"role": "viewer"},
			[]string{"If-Match", fmt.Sprintf(`"%d"`, e.users["admin"].Version)}, []string{"role"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := e.sub(t)
			res := e.do("admin", tt.method, tt.path, tt.body, tt.headers...).want(t, http.StatusUnprocessableEntity)
			fe := res.fieldErrors(t)
			var got []string
			for f, m := range fe {
				got = append(got, f)
				if m == "" {
					t.Errorf("field %s has no message", f)
				}
			}
			if fmt.Sprint(sortStrings(got)) != fmt.Sprint(tt.fields) {
				t.Errorf("fields = %v, want %v (%s)", got, tt.fields, res.body)
			}
		})
	}
	if after := e.snapshot(); after != before {
		t.Errorf("the database changed:\nbefore %s\nafter  %s", before, after)
	}
}

func TestAuthentication(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	revoked, secret, _ := e.app.CreateAPIToken(ctx, app.Actor{User: e.users["sales"]}, "old")
	if err := e.app.RevokeAPIToken(ctx, app.Actor{User: e.users["sales"]}, revoked.ID); err != nil {
		t.Fatal(err)
	}
	_, gone, _ := e.app.CreateAPIToken(ctx, app.Actor{User: e.users["marketing"]}, "leaver")
	e.do("admin", "PATCH", fmt.Sprintf("/api/v1/users/%d", e.users["marketing"].ID), map[string]any{"status": "deactivated"},
		"If-Match", fmt.Sprintf(`"%d"`, e.users["marketing"].Version)).want(t, 200)
	tests := []struct{ name, authorization string }{
		{"none", ""},
		{"basic", "Basic YWRtaW46cGFzc3dvcmQ="},
		{"unknown token", "Bearer rk_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"},
		{"empty bearer", "Bearer "},
		{"revoked token", "Bearer " + secret},
		{"deactivated user", "Bearer " + gone},
		{"deactivated user's first token", "Bearer " + e.tokens["marketing"]},
	}
	for _, tt := range tests {
		res := e.send("GET", "/api/v1/users/me", nil, map[string]string{"Authorization": tt.authorization})
		if res.status != http.StatusUnauthorized || !strings.HasPrefix(res.header.Get("WWW-Authenticate"), "Bearer") {
			t.Errorf("%s: %d, WWW-Authenticate %q; want 401 with a Bearer challenge", tt.name, res.status, res.header.Get("WWW-Authenticate"))
		}
	}
	e.send("GET", "/api/v1/users/me", nil, map[string]string{"Authorization": "bearer " + e.tokens["sales"]}).want(t, 200)
}

func TestCrossSiteCookieRequests(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	cookie := SessionCookie + "=" + e.login()
	teams := func() int {
		ts, err := e.st.ListTeams(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return len(ts)
	}
	post := func(name string, headers map[string]string) result {
		return e.send("POST", "/api/v1/teams", map[string]any{"name": name}, headers)
	}

	// Cross-site writes with the cookie are refused and change nothing.
	for _, h := range []map[string]string{
		{"Cookie": cookie, "Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"},
		{"Cookie": cookie, "Sec-Fetch-Site": "same-site", "Origin": "https://other.example.com"},
		{"Cookie": cookie, "Origin": "https://evil.example"}, // older browsers: no Sec-Fetch-Site
	} {
		res := post("CSRF", h).want(t, http.StatusForbidden)
		var p problem
		json.Unmarshal(res.body, &p)
		if !strings.Contains(p.Detail, "Cross-origin") {
			t.Errorf("detail = %q", p.Detail)
		}
	}
	if n := teams(); n != 0 {
		t.Fatalf("a cross-site request created %d teams", n)
	}
	// The UI's own requests go through; so does the configured public origin
	// behind a proxy that rewrites Host, and a safe cross-site read.
	post("From the UI", map[string]string{"Cookie": cookie, "Sec-Fetch-Site": "same-origin", "Origin": "http://example.com"}).want(t, 201)
	post("Via the proxy", map[string]string{"Cookie": cookie, "Origin": testBaseURL}).want(t, 201)
	post("Curl with a cookie", map[string]string{"Cookie": cookie}).want(t, 201)
	e.send("GET", "/api/v1/users/me", nil, map[string]string{"Cookie": cookie, "Sec-Fetch-Site": "cross-site"}).want(t, 200)
	// Bearer requests are not subject to the check: browsers never add the header by themselves.
	post("Script", map[string]string{"Authorization": "Bearer " + e.tokens["admin"], "Sec-Fetch-Site": "cross-site"}).want(t, 201)
	if n := teams(); n != 4 {
		t.Errorf("%d teams, want 4", n)
	}
	// A session that does not exist is a 401.
	e.send("GET", "/api/v1/users/me", nil, map[string]string{"Cookie": SessionCookie + "=nonsense"}).want(t, 401)
}

func TestUnknownRoutes(t *testing.T) {
	e := newEnv(t)
	res := e.do("admin", "GET", "/api/v1/nowhere", nil).want(t, 404)
	if !strings.Contains(string(res.body), "openapi.json") {
		t.Errorf("404 does not point to the document: %s", res.body)
	}
	res = e.do("admin", "DELETE", "/api/v1/users", nil).want(t, 405)
	if got := res.header.Get("Allow"); got != "GET, HEAD, POST" {
		t.Errorf("Allow = %q", got)
	}
	e.do("admin", "PUT", "/api/v1/users/me", nil).want(t, 405)
	e.do("admin", "POST", "/api/v1/users/7", nil).want(t, 405)
}

func TestServerErrorsAreLoggedNotShown(t *testing.T) {
	e := newEnv(t)
	var logged bytes.Buffer
	a := app.New(app.Config{Store: e.st, Log: slog.New(slog.NewTextHandler(&logged, nil))})
	h := New(Config{App: a})
	e.st.Close() // every query now fails
	req := httptest.NewRequest("GET", "/api/v1/users", nil)
	req.Header.Set("Authorization", "Bearer "+e.tokens["admin"])
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	body := rec.Body.String()
	if rec.Code != 500 || rec.Header().Get("Content-Type") != "application/problem+json" {
		t.Fatalf("got %d %s", rec.Code, body)
	}
	if strings.Contains(body, "sql") || strings.Contains(body, "closed") {
		t.Errorf("the 500 leaks internals: %s", body)
	}
	if !strings.Contains(logged.String(), "closed") {
		t.Errorf("the cause was not logged: %q", logged.String())
	}

	// A panic is a 500 too.
	s := h.(*server)
	rec = httptest.NewRecorder()
	s.wrap(route{public: true, handle: func(http.ResponseWriter, *http.Request, app.Actor) error { panic("boom") }}).
		ServeHTTP(rec, httptest.NewRequest("GET", "/api/v1/x", nil))
	if rec.Code != 500 || strings.Contains(rec.Body.String(), "boom") || !strings.Contains(logged.String(), "boom") {
		t.Errorf("panic: %d %s", rec.Code, rec.Body.String())
	}
}
