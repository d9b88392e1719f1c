package web

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"renkei/internal/app"
	"renkei/internal/crm"
	"renkei/internal/store"
	"renkei/internal/store/storetest"
)

// testHost is the Host of every test request; CrossOriginProtection
// compares Origin with it.
const testHost = "renkei.test"

// testPassword is the password of every test user.
const testPassword = "correct horse battery"

// testEnv is the UI over a real, migrated database.
type testEnv struct {
	t     *testing.T
	app   *app.App
	store *store.Store
	srv   *server
	h     http.Handler
}

// newEnv builds the UI on a fresh database (SQLite, or PostgreSQL when
// RENKEI_TEST_DATABASE_URL is set). Requests come from 192.0.2.1
// (httptest's address), which is a trusted proxy here.
func newEnv(t *testing.T) *testEnv {
	t.Helper()
	st := storetest.Open(t)
	a := app.New(app.Config{Store: st, BaseURL: "http://" + testHost, ServerTZ: "UTC",
		Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	assets, err := NewAssets()
	if err != nil {
		t.Fatal(err)
	}
	s, err := newServer(Config{App: a, Assets: assets,
		TrustedProxies: []netip.Prefix{netip.MustParsePrefix("192.0.2.0/24")}})
	if err != nil {
		t.Fatal(err)
	}
	h, err := s.handler()
	if err != nil {
		t.Fatal(err)
	}
	return &testEnv{t: t, app: a, store: st, srv: s, h: h}
}

// setup runs the first-run setup (English workspace) and returns the
// admin's session token.
func (e *testEnv) setup() string {
	e.t.Helper()
	token, _, err := e.app.Setup(context.Background(), app.SetupInput{WorkspaceName: "Sample Inc.", Language: "en",
		TimeZone: "Asia/Tokyo", Name: "Ada Admin", Email: "admin@example.com", Password: testPassword}, "", "")
	if err != nil {
		e.t.Fatal(err)
	}
	return token
}

// user creates an active user with a role and returns their session.
func (e *testEnv) user(role crm.Role, name string) string {
	e.t.Helper()
	email := string(role) + "@example.com"
	if _, err := e.app.CreateUserCLI(context.Background(), email, name, string(role), testPassword); err != nil {
		e.t.Fatal(err)
	}
	return e.login(email)
}

// login signs in and returns the session token.
func (e *testEnv) login(email string) string {
	e.t.Helper()
	res, err := e.app.Login(context.Background(), email, testPassword, "", "")
	if err != nil {
		e.t.Fatalf("login %s: %v", email, err)
	}
	return res.SessionToken
}

// do sends a request with an optional session and form and returns the
// response. headers are name/value pairs.
func (e *testEnv) do(method, path, session string, form url.Values, headers ...string) *httptest.ResponseRecorder {
	e.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	r := httptest.NewRequest(method, "http://"+testHost+path, body)
	if form != nil {
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if session != "" {
		r.AddCookie(&http.Cookie{Name: sessionCookie, Value: session})
	}
	for i := 0; i+1 < len(headers); i += 2 {
		r.Header.Set(headers[i], headers[i+1])
	}
	w := httptest.NewRecorder()
	e.h.ServeHTTP(w, r)
	return w
}

// cookie returns the value a response sets for a cookie, and whether it
// sets it at all.
func cookie(w *httptest.ResponseRecorder, name string) (*http.Cookie, bool) {
	for _, c := range w.Result().Cookies() {
		if c.Name == name {
			return c, true
		}
	}
	return nil, false
}

// wantStatus fails the test when the status differs.
func wantStatus(t *testing.T, what string, w *httptest.ResponseRecorder, want int) {
	t.Helper()
	if w.Code != want {
		t.Fatalf("%s: status %d, want %d; Location %q; body:\n%.2000s", what, w.Code, want, w.Header().Get("Location"), w.Body.String())
	}
}

func strconvI(n int64) string { return strconv.FormatInt(n, 10) }

// actorOf returns the actor of a user, to call app methods directly.
func actorOf(t *testing.T, e *testEnv, email string) app.Actor {
	t.Helper()
	u, err := e.store.UserByEmail(context.Background(), email)
	if err != nil {
		t.Fatal(err)
	}
	return app.Actor{User: u}
}

func userPatchLang(lang string) app.UserPatch { return app.UserPatch{Language: &lang} }
