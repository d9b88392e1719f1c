package api

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"maps"
	"mime"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"renkei/internal/app"
	"renkei/internal/crm"
	"renkei/internal/store"
	"renkei/internal/store/storetest"
)

// The roles of the test workspace, and "" for a request without credentials.
var testRoles = []string{"admin", "marketing", "sales", "viewer", ""}

const (
	testBaseURL  = "https://crm.example.com"
	testPassword = "correct horse battery"
)

// env is one workspace on a fresh database with the API in front of it: a
// user and an API token for each role. Every response that passes through
// do is checked against the OpenAPI document.
type env struct {
	t      *testing.T
	st     *store.Store
	app    *app.App
	h      http.Handler
	doc    js
	users  map[string]crm.User // by role
	tokens map[string]string   // Bearer secrets by role
	wakes  *atomic.Int64
	ok     map[string]bool // "METHOD /path/{template}" answered with 2xx
}

func newEnv(t *testing.T) *env {
	t.Helper()
	ctx := context.Background()
	st := storetest.Open(t)
	a := app.New(app.Config{Store: st, BaseURL: testBaseURL, Log: slog.New(slog.DiscardHandler), ServerTZ: "UTC"})
	e := &env{t: t, st: st, app: a, users: map[string]crm.User{}, tokens: map[string]string{}, ok: map[string]bool{},
		wakes: new(atomic.Int64)}
	e.h = New(Config{App: a, Wake: func() { e.wakes.Add(1) }})

	// The admin has a password (for session tests); the others need only
	// tokens, so they are created without one to keep the suite fast.
	admin, err := a.CreateUserCLI(ctx, "admin@example.com", "Ada Admin", "admin", testPassword)
	if err != nil {
		t.Fatal(err)
	}
	e.users["admin"] = admin
	for _, role := range []crm.Role{crm.RoleMarketing, crm.RoleSales, crm.RoleViewer} {
		e.users[string(role)] = e.addUser(string(role)+"@example.com", "Test "+string(role), role)
	}
	for role, u := range e.users {
		_, secret, err := a.CreateAPITokenCLI(ctx, u.Email, "test "+role)
		if err != nil {
			t.Fatal(err)
		}
		e.tokens[role] = secret
	}
	res := e.do("", http.MethodGet, "/api/v1/openapi.json", nil)
	if res.status != http.StatusOK {
		t.Fatalf("GET openapi.json: %d %s", res.status, res.body)
	}
	if err := json.Unmarshal(res.body, &e.doc); err != nil {
		t.Fatalf("openapi.json is not JSON: %v", err)
	}
	return e
}

// sub returns the env for a subtest: the same workspace, reporting to t.
func (e *env) sub(t *testing.T) *env {
	c := *e
	c.t = t
	return &c
}

// addUser creates an active user directly in the store (no password).
func (e *env) addUser(email, name string, role crm.Role) crm.User {
	e.t.Helper()
	u := crm.User{Email: email, Name: name, Role: role, Status: crm.UserActive, Language: crm.LangEN}
	err := e.st.InTx(context.Background(), func(tx *store.Tx) error {
		return tx.CreateUser(context.Background(), &u, "", time.Now())
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return u
}

// login signs the admin in and returns the session cookie's value.
func (e *env) login() string {
	e.t.Helper()
	res, err := e.app.Login(context.Background(), "admin@example.com", testPassword, "192.0.2.1", "test")
	if err != nil {
		e.t.Fatal(err)
	}
	return res.SessionToken
}

// result is a response, read.
type result struct {
	status int
	header http.Header
	body   []byte
}

// obj decodes the body as a JSON object.
func (r result) obj(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("body is not a JSON object: %v: %s", err, r.body)
	}
	return m
}

// want fails the test unless the status is as expected.
func (r result) want(t *testing.T, status int) result {
	t.Helper()
	if r.status != status {
		t.Fatalf("status = %d, want %d; body: %s", r.status, status, r.body)
	}
	return r
}

// fieldErrors returns the problem's errors as field → message.
func (r result) fieldErrors(t *testing.T) map[string]string {
	t.Helper()
	var p problem
	if err := json.Unmarshal(r.body, &p); err != nil {
		t.Fatalf("not a problem document: %s", r.body)
	}
	out := map[string]string{}
	for _, f := range p.Errors {
		out[f.Field] = f.Message
	}
	return out
}

// do sends a request as a role ("" = no credentials) and checks the
// response against the OpenAPI document. body is nil (none), a string (sent
// as is) or a value (sent as JSON); headers are name, value pairs.
func (e *env) do(role, method, path string, body any, headers ...string) result {
	e.t.Helper()
	h := map[string]string{}
	if role != "" {
		h["Authorization"] = "Bearer " + e.tokens[role]
	}
	for i := 0; i+1 < len(headers); i += 2 {
		h[headers[i]] = headers[i+1]
	}
	return e.send(method, path, body, h)
}

func (e *env) send(method, path string, body any, headers map[string]string) result {
	e.t.Helper()
	var raw []byte
	switch b := body.(type) {
	case nil:
	case string:
		raw = []byte(b)
	default:
		var err error
		if raw, err = json.Marshal(b); err != nil {
			e.t.Fatal(err)
		}
	}
	req := httptest.NewRequest(method, path, bytes.NewReader(raw))
	if raw != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range headers {
		if v == "" {
			req.Header.Del(k)
		} else {
			req.Header.Set(k, v)
		}
	}
	rec := httptest.NewRecorder()
	e.h.ServeHTTP(rec, req)
	res := result{status: rec.Code, header: rec.Header(), body: rec.Body.Bytes()}
	e.checkResponse(req.Method, req.URL.Path, raw, res)
	return res
}

// checkResponse holds every response to the document: problems are
// problem+json with the right status; a documented operation answers only
// with documented statuses and bodies that fit their schemas; a 2xx
// request body fits the request schema.
func (e *env) checkResponse(method, path string, reqBody []byte, res result) {
	e.t.Helper()
	ct := res.header.Get("Content-Type")
	if res.status >= 400 {
		if ct != "application/problem+json" {
			e.t.Errorf("%s %s: %d with Content-Type %q, want application/problem+json", method, path, res.status, ct)
		}
		var p problem
		if err := json.Unmarshal(res.body, &p); err != nil || p.Status != res.status || p.Type != "about:blank" ||
			p.Title != http.StatusText(res.status) || p.Detail == "" {
			e.t.Errorf("%s %s: bad problem document for %d: %s", method, path, res.status, res.body)
		}
	}
	if e.doc == nil {
		return
	}
	tmpl, op := e.operation(method, path)
	if op == nil {
		return // unknown routes are checked by their own tests
	}
	key := method + " " + tmpl
	resp, ok := op["responses"].(map[string]any)[strconv.Itoa(res.status)].(map[string]any)
	if !ok {
		e.t.Errorf("%s: answered %d, which the OpenAPI document does not list; body: %s", key, res.status, res.body)
		return
	}
	resp = e.resolve(resp)
	if res.status >= 200 && res.status < 300 {
		e.ok[key] = true
		if rb, ok := op["requestBody"].(map[string]any); ok && len(reqBody) > 0 {
			var v any
			if err := json.Unmarshal(reqBody, &v); err == nil {
				schema := rb["content"].(map[string]any)["application/json"].(map[string]any)["schema"]
				for _, msg := range e.validate(schema, v, "request") {
					e.t.Errorf("%s: request accepted but does not fit the document: %s", key, msg)
				}
			}
		}
	}
	content, _ := resp["content"].(map[string]any)
	if len(content) == 0 {
		if len(res.body) > 0 {
			e.t.Errorf("%s: %d has a body the document does not describe", key, res.status)
		}
		return
	}
	mt, _, _ := mime.ParseMediaType(ct)
	media, ok := content[mt].(map[string]any)
	if !ok {
		e.t.Errorf("%s: %d has Content-Type %q; the document says %v", key, res.status, ct, slices.Collect(maps.Keys(content)))
		return
	}
	if mt != "application/json" && mt != "application/problem+json" {
		return // text/csv and the like: checked by the tests of the route
	}
	var v any
	if err := json.Unmarshal(res.body, &v); err != nil {
		e.t.Errorf("%s: body is not JSON: %s", key, res.body)
		return
	}
	for _, msg := range e.validate(media["schema"], v, "response") {
		e.t.Errorf("%s %d: %s", key, res.status, msg)
	}
	if hs, _ := resp["headers"].(map[string]any); hs != nil {
		for name := range hs {
			if name != "WWW-Authenticate" && res.header.Get(name) == "" {
				e.t.Errorf("%s: %d lacks the documented header %s", key, res.status, name)
			}
		}
	}
}

// operation finds the documented operation for a concrete path, preferring
// literal segments (/users/me) over parameters (/users/{id}).
func (e *env) operation(method, path string) (string, map[string]any) {
	best, bestScore := "", -1
	for tmpl := range e.doc["paths"].(map[string]any) {
		if !matchPath(tmpl, path) {
			continue
		}
		if score := strings.Count(tmpl, "/") - strings.Count(tmpl, "{"); score > bestScore {
			best, bestScore = tmpl, score
		}
	}
	if best == "" {
		return "", nil
	}
	op, _ := e.doc["paths"].(map[string]any)[best].(map[string]any)[strings.ToLower(method)].(map[string]any)
	if op == nil && method == http.MethodHead {
		op, _ = e.doc["paths"].(map[string]any)[best].(map[string]any)["get"].(map[string]any)
	}
	return best, op
}

// resolve follows a $ref inside the document.
func (e *env) resolve(node map[string]any) map[string]any {
	for {
		r, ok := node["$ref"].(string)
		if !ok {
			return node
		}
		target, err := pointer(e.doc, r)
		if err != nil {
			e.t.Fatalf("%v", err)
		}
		node = target.(map[string]any)
	}
}

// pointer resolves a local JSON pointer such as #/components/schemas/User.
func pointer(doc any, ref string) (any, error) {
	rest, ok := strings.CutPrefix(ref, "#/")
	if !ok {
		return nil, fmt.Errorf("$ref %q is not local", ref)
	}
	cur := doc
	for _, part := range strings.Split(rest, "/") {
		part = strings.ReplaceAll(strings.ReplaceAll(part, "~1", "/"), "~0", "~")
		m, ok := cur.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("$ref %q: %q is not inside an object", ref, part)
		}
		if cur, ok = m[part]; !ok {
			return nil, fmt.Errorf("$ref %q does not resolve (no %q)", ref, part)
		}
	}
	return cur, nil
}

// knownKeywords are the JSON Schema keywords the document may use; validate
// checks all of those that constrain values.
var knownKeywords = map[string]bool{"type": true, "properties": true, "required": true, "additionalProperties": true,
	"items": true, "enum": true, "$ref": true, "minimum": true, "maximum": true, "pattern": true, "format": true,
	"description": true, "default": true, "writeOnly": true}

// validate checks a decoded JSON value against the subset of JSON Schema
// that the document uses, and reports every mismatch.
func (e *env) validate(schema any, v any, at string) []string {
	s, ok := schema.(map[string]any)
	if !ok {
		return []string{at + ": schema is not an object"}
	}
	s = e.resolve(s)
	var errs []string
	bad := func(format string, args ...any) { errs = append(errs, at+": "+fmt.Sprintf(format, args...)) }
	for k := range s {
		if !knownKeywords[k] {
			bad("schema uses %q, which the test validator does not check", k)
		}
	}
	if t, ok := s["type"]; ok {
		var types []string
		switch t := t.(type) {
		case string:
			types = []string{t}
		case []any:
			for _, x := range t {
				types = append(types, x.(string))
			}
		}
		if !slices.ContainsFunc(types, func(t string) bool { return hasType(v, t) }) {
			bad("%s is not of type %v", short(v), types)
			return errs
		}
	}
	if enum, ok := s["enum"].([]any); ok && !slices.Contains(enum, v) {
		bad("%s is not one of %v", short(v), enum)
	}
	switch v := v.(type) {
	case map[string]any:
		props, _ := s["properties"].(map[string]any)
		for _, r := range asStrings(s["required"]) {
			if _, ok := v[r]; !ok {
				bad("required property %q is missing", r)
			}
		}
		for k, x := range v {
			if ps, ok := props[k]; ok {
				errs = append(errs, e.validate(ps, x, at+"."+k)...)
			} else if ap, ok := s["additionalProperties"]; ok {
				if ap == false {
					bad("property %q is not in the schema", k)
				} else if aps, ok := ap.(map[string]any); ok {
					errs = append(errs, e.validate(aps, x, at+"."+k)...)
				}
			}
		}
	case []any:
		if items, ok := s["items"]; ok {
			for i, x := range v {
				errs = append(errs, e.validate(items, x, fmt.Sprintf("%s[%d]", at, i))...)
			}
		}
	case float64:
		if min, ok := s["minimum"].(float64); ok && v < min {
			bad("%v is below the minimum %v", v, min)
		}
		if max, ok := s["maximum"].(float64); ok && v > max {
			bad("%v is above the maximum %v", v, max)
		}
	case string:
		if p, ok := s["pattern"].(string); ok && !regexp.MustCompile(p).MatchString(v) {
			bad("%q does not match %s", v, p)
		}
		switch s["format"] {
		case "date-time":
			if _, err := time.Parse(time.RFC3339Nano, v); err != nil {
				bad("%q is not a date-time", v)
			}
		case "date":
			if _, err := time.Parse(time.DateOnly, v); err != nil {
				bad("%q is not a date", v)
			}
		}
	}
	return errs
}

func hasType(v any, t string) bool {
	switch t {
	case "null":
		return v == nil
	case "object":
		_, ok := v.(map[string]any)
		return ok
	case "array":
		_, ok := v.([]any)
		return ok
	case "string":
		_, ok := v.(string)
		return ok
	case "boolean":
		_, ok := v.(bool)
		return ok
	case "number":
		_, ok := v.(float64)
		return ok
	case "integer":
		f, ok := v.(float64)
		return ok && f == float64(int64(f))
	}
	return false
}

func asStrings(v any) []string {
	var out []string
	if l, ok := v.([]any); ok {
		for _, x := range l {
			out = append(out, x.(string))
		}
	}
	return out
}

func short(v any) string {
	b, _ := json.Marshal(v)
	if len(b) > 60 {
		return string(b[:60]) + "…"
	}
	return string(b)
}

// etag returns the ETag of a response, failing if there is none.
func (r result) etag(t *testing.T) string {
	t.Helper()
	et := r.header.Get("ETag")
	if et == "" {
		t.Fatalf("no ETag in a %d response: %s", r.status, r.body)
	}
	return et
}
