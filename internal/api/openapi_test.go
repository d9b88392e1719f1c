package api

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"renkei/internal/app"
	"renkei/internal/crm"
	"renkei/internal/store"
)

// TestOpenAPIMatchesServedRoutes checks both directions: every documented
// operation is served (it answers 401 without credentials, or 200 when
// public, rather than the mux's 404 or 405), and every other method on a
// documented path is a 405, so nothing is served that is not documented.
func TestOpenAPIMatchesServedRoutes(t *testing.T) {
	e := newEnv(t)
	paths := e.doc["paths"].(map[string]any)
	table := map[string]route{}
	for _, rt := range (&server{}).routeTable() {
		table[rt.method+" "+Prefix+rt.path] = rt
	}
	documented := 0
	for tmpl, item := range paths {
		concrete := regexp.MustCompile(`\{[a-z_]+\}`).ReplaceAllString(tmpl, "1")
		for _, method := range []string{"GET", "POST", "PUT", "PATCH", "DELETE"} {
			op, ok := item.(map[string]any)[strings.ToLower(method)].(map[string]any)
			res := e.do("", method, concrete, nil)
			if !ok {
				if res.status != http.StatusMethodNotAllowed {
					t.Errorf("%s %s is not documented but answers %d", method, tmpl, res.status)
				}
				continue
			}
			documented++
			rt, inTable := table[method+" "+tmpl]
			if !inTable {
				t.Errorf("%s %s is documented but not in the route table", method, tmpl)
				continue
			}
			want := http.StatusUnauthorized
			if rt.public {
				want = http.StatusOK
			}
			if res.status != want {
				t.Errorf("%s %s without credentials: %d, want %d", method, tmpl, res.status, want)
			}
			perm := string(rt.perm)
			if rt.public {
				perm = "public"
			}
			if op["x-permission"] != perm {
				t.Errorf("%s %s: x-permission %v, table %s", method, tmpl, op["x-permission"], perm)
			}
		}
	}
	if documented != len(table) {
		t.Errorf("%d operations documented, %d routes in the table", documented, len(table))
	}
}

// TestOpenAPIStructure checks the document the way a validator would, for
// the parts that matter to clients: the required fields of OpenAPI 3.1,
// unique operation ids, declared path parameters, known security schemes
// and tags, responses with descriptions, and $refs that all resolve (and
// schemas that are all used).
func TestOpenAPIStructure(t *testing.T) {
	e := newEnv(t)
	doc := e.doc
	if v, _ := doc["openapi"].(string); !strings.HasPrefix(v, "3.1.") {
		t.Errorf("openapi = %q, want 3.1.x", v)
	}
	info, _ := doc["info"].(map[string]any)
	if info["title"] == "" || info["version"] == "" || info["title"] == nil || info["version"] == nil {
		t.Errorf("info needs title and version: %v", info)
	}
	comps := doc["components"].(map[string]any)
	schemes := comps["securitySchemes"].(map[string]any)
	checkSecurity := func(where string, sec any) {
		for _, req := range sec.([]any) {
			for name := range req.(map[string]any) {
				if _, ok := schemes[name]; !ok {
					t.Errorf("%s: security scheme %q is not declared", where, name)
				}
			}
		}
	}
	checkSecurity("document", doc["security"])
	tags := map[string]bool{}
	for _, tg := range doc["tags"].([]any) {
		tags[tg.(map[string]any)["name"].(string)] = true
	}

	ids := map[string]string{}
	for tmpl, item := range doc["paths"].(map[string]any) {
		if !strings.HasPrefix(tmpl, "/api/v1/") {
			t.Errorf("path %s is not under /api/v1/", tmpl)
		}
		inPath := map[string]bool{}
		for _, m := range regexp.MustCompile(`\{([a-z_]+)\}`).FindAllStringSubmatch(tmpl, -1) {
			inPath[m[1]] = true
		}
		for method, o := range item.(map[string]any) {
			where := strings.ToUpper(method) + " " + tmpl
			if !slices.Contains([]string{"get", "put", "post", "delete", "patch"}, method) {
				t.Errorf("%s: unexpected key", where)
				continue
			}
			op := o.(map[string]any)
			id, _ := op["operationId"].(string)
			if id == "" {
				t.Errorf("%s: no operationId", where)
			} else if other, dup := ids[id]; dup {
				t.Errorf("%s: operationId %s is also used by %s", where, id, other)
			}
			ids[id] = where
			if s, _ := op["summary"].(string); s == "" {
				t.Errorf("%s: no summary", where)
			}
			for _, tg := range op["tags"].([]any) {
				if !tags[tg.(string)] {
					t.Errorf("%s: tag %v is not declared", where, tg)
				}
			}
			if sec, ok := op["security"]; ok {
				checkSecurity(where, sec)
			}
			declared := map[string]bool{}
			params, _ := op["parameters"].([]any)
			for _, p := range params {
				p := e.resolve(p.(map[string]any))
				if p["name"] == nil || p["schema"] == nil || !slices.Contains([]any{"path", "query", "header", "cookie"}, p["in"]) {
					t.Errorf("%s: bad parameter %v", where, p)
				}
				if p["in"] == "path" {
					declared[p["name"].(string)] = true
					if p["required"] != true {
						t.Errorf("%s: path parameter %v must be required", where, p["name"])
					}
				}
			}
			for name := range inPath {
				if !declared[name] {
					t.Errorf("%s: path parameter {%s} is not declared", where, name)
				}
			}
			for name := range declared {
				if !inPath[name] {
					t.Errorf("%s: parameter %s is not in the path", where, name)
				}
			}
			responses, _ := op["responses"].(map[string]any)
			if len(responses) == 0 {
				t.Errorf("%s: no responses", where)
			}
			success := false
			for code, r := range responses {
				n, err := strconv.Atoi(code)
				if err != nil || n < 100 || n > 599 {
					t.Errorf("%s: response key %q is not a status", where, code)
				}
				success = success || (n >= 200 && n < 300)
				if d, _ := e.resolve(r.(map[string]any))["description"].(string); d == "" {
					t.Errorf("%s %s: no description", where, code)
				}
			}
			if !success {
				t.Errorf("%s: no success response", where)
			}
		}
	}

	// Every $ref resolves, and every schema is used.
	used := map[string]bool{}
	var walk func(at string, v any)
	walk = func(at string, v any) {
		switch v := v.(type) {
		case map[string]any:
			if r, ok := v["$ref"].(string); ok {
				if _, err := pointer(doc, r); err != nil {
					t.Errorf("%s: %v", at, err)
				}
				used[r] = true
			}
			for k, x := range v {
				walk(at+"/"+k, x)
			}
		case []any:
			for i, x := range v {
				walk(fmt.Sprintf("%s/%d", at, i), x)
			}
		}
	}
	walk("#", doc)
	for name := range comps["schemas"].(map[string]any) {
		if !used["#/components/schemas/"+name] {
			t.Errorf("schema %s is never used", name)
		}
	}
	for name := range comps["responses"].(map[string]any) {
		if !used["#/components/responses/"+name] {
			t.Errorf("response %s is never used", name)
		}
	}
}

// TestValidatorCatchesMismatches makes sure the response check in env.do
// can fail: a user with a missing field, an extra field and a wrong type.
func TestValidatorCatchesMismatches(t *testing.T) {
	e := newEnv(t)
	good := e.do("admin", "GET", "/api/v1/users/me", nil).obj(t)
	if errs := e.validate(map[string]any{"$ref": "#/components/schemas/User"}, good, "user"); len(errs) != 0 {
		t.Fatalf("a real user does not validate: %v", errs)
	}
	bad := map[string]any{}
	for k, v := range good {
		bad[k] = v
	}
	delete(bad, "email")
	bad["password"] = "x"
	bad["role"] = "boss"
	bad["id"] = 1.5
	errs := e.validate(map[string]any{"$ref": "#/components/schemas/User"}, bad, "user")
	if len(errs) != 4 {
		t.Errorf("got %d errors, want 4: %v", len(errs), errs)
	}
}

// TestPagination walks every paged list with small pages and checks that
// each record comes exactly once, in order, and that filters hold across
// pages.
func TestPagination(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	admin := app.Actor{User: e.users["admin"]}
	roles := []string{"sales", "marketing", "viewer"}
	for i := range 23 {
		e.addUser(fmt.Sprintf("p%02d@example.com", i), fmt.Sprintf("Person %02d", i), crm.Role(roles[i%3]))
	}
	for i := range 5 {
		if _, err := e.app.CreateTeam(ctx, admin, fmt.Sprintf("Team %d", i)); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 4 {
		if _, _, err := e.app.CreateAPIToken(ctx, admin, fmt.Sprintf("extra %d", i)); err != nil {
			t.Fatal(err)
		}
	}
	walk := func(t *testing.T, url string) (ids []int64, pages int) {
		t.Helper()
		cursor := ""
		for pages = 1; pages < 100; pages++ {
			u := url
			if cursor != "" {
				u += "&cursor=" + cursor
			}
			m := e.sub(t).do("admin", "GET", u, nil).want(t, 200).obj(t)
			for _, d := range m["data"].([]any) {
				ids = append(ids, int64(d.(map[string]any)["id"].(float64)))
			}
			next, _ := m["next_cursor"].(string)
			if next == "" {
				return ids, pages
			}
			cursor = next
		}
		t.Fatal("pagination does not end")
		return nil, 0
	}
	users, _ := e.st.ListUsers(ctx, store.UserFilter{Limit: 500})
	var allUsers, salesUsers []int64
	for _, u := range users {
		allUsers = append(allUsers, u.ID)
		if u.Role == "sales" {
			salesUsers = append(salesUsers, u.ID)
		}
	}
	teams, _ := e.st.ListTeams(ctx)
	var allTeams []int64
	for _, tm := range teams {
		allTeams = append(allTeams, tm.ID)
	}
	slices.Sort(allTeams)
	tokens, _ := e.st.ListAPITokens(ctx, 0)
	var allTokens []int64
	for _, tk := range tokens {
		allTokens = append(allTokens, tk.ID)
	}
	audit, _ := e.st.ListAudit(ctx, store.AuditFilter{Limit: 500})
	var allAudit []int64
	for _, a := range audit {
		allAudit = append(allAudit, a.ID)
	}

	tests := []struct {
		name, url string
		want      []int64
		pages     int
	}{
		{"users by 5", "/api/v1/users?limit=5", allUsers, 6},
		{"users, one exact page", fmt.Sprintf("/api/v1/users?limit=%d", len(allUsers)), allUsers, 1},
		{"users, default page", "/api/v1/users?status=active", allUsers, 1},
		{"sales users by 2", "/api/v1/users?role=sales&limit=2", salesUsers, (len(salesUsers) + 1) / 2},
		{"teams by 2", "/api/v1/teams?limit=2", allTeams, 3},
		{"all tokens by 3, newest first", "/api/v1/tokens?all=true&limit=3", allTokens, 3},
		{"audit log by 4, newest first", "/api/v1/audit-log?limit=4", allAudit, (len(allAudit) + 3) / 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, pages := walk(t, tt.url)
			if fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("ids = %v, want %v", got, tt.want)
			}
			if pages != tt.pages {
				t.Errorf("%d pages, want %d", pages, tt.pages)
			}
		})
	}
	if len(allUsers) != 27 || len(allTokens) != 8 || len(allAudit) < 5 {
		t.Errorf("fixtures: %d users, %d tokens, %d audit entries", len(allUsers), len(allTokens), len(allAudit))
	}
}
