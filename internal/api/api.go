// Package api is the REST JSON API under /api/v1.
//
// One route table (routes.go) lists every endpoint with the permission it
// needs; the same table builds the mux and the OpenAPI document served at
// /api/v1/openapi.json. Handlers parse input, call one app verb and render
// the result; every error goes through writeError (problem.go), the one
// place where domain errors become HTTP statuses.
package api

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"net/url"
	"runtime/debug"
	"strings"

	"renkei/internal/app"
	"renkei/internal/crm"
	"renkei/internal/httpx"
)

// Prefix is where the API lives.
const Prefix = "/api/v1"

// SessionCookie is the name of the browser session cookie set by the web UI.
const SessionCookie = "renkei_session"

// maxBody is the largest request body accepted (1 MiB).
const maxBody = 1 << 20

// Config are the dependencies of the API.
type Config struct {
	App            *app.App
	TrustedProxies []netip.Prefix
	Wake           func() // tells the job runner that a job was queued
}

type server struct {
	app     *app.App
	log     *slog.Logger
	trusted []netip.Prefix
	wake    func()
	csrf    *http.CrossOriginProtection
	mux     *http.ServeMux
	routes  []route
	openapi []byte // the OpenAPI document, built once
}

// New builds the API handler; it serves paths under /api/v1/.
func New(c Config) http.Handler {
	s := &server{app: c.App, log: c.App.Log, trusted: c.TrustedProxies, wake: c.Wake,
		csrf: http.NewCrossOriginProtection(), mux: http.NewServeMux()}
	if s.wake == nil {
		s.wake = func() {}
	}
	// Requests from the configured public origin are same-origin even when a
	// proxy rewrites the Host header.
	if u, err := url.Parse(c.App.BaseURL); err == nil && u.Scheme != "" && u.Host != "" {
		if err := s.csrf.AddTrustedOrigin(u.Scheme + "://" + u.Host); err != nil {
			s.log.Warn("api: base URL is not a valid origin", "base_url", c.App.BaseURL, "err", err)
		}
	}
	s.routes = s.routeTable()
	for _, rt := range s.routes {
		s.mux.Handle(rt.method+" "+Prefix+rt.path, s.wrap(rt))
	}
	doc, err := json.MarshalIndent(openAPIDocument(s.routes, c.App.BaseURL), "", "  ")
	if err != nil {
		panic(fmt.Sprintf("api: build OpenAPI document: %v", err)) // a programming error in openapi.go
	}
	s.openapi = doc
	return s
}

// ServeHTTP dispatches through the mux, answering unknown paths and methods
// with problem documents instead of the mux's plain-text replies.
func (s *server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	if _, pattern := s.mux.Handler(r); pattern != "" {
		s.mux.ServeHTTP(w, r)
		return
	}
	var allow []string
	for _, rt := range s.routes {
		if matchPath(Prefix+rt.path, r.URL.Path) {
			allow = append(allow, rt.method)
			if rt.method == http.MethodGet {
				allow = append(allow, http.MethodHead)
			}
		}
	}
	if len(allow) == 0 {
		s.writeError(w, r, problemf(http.StatusNotFound, "There is no API endpoint at %s; see %s/openapi.json.", r.URL.Path, Prefix))
		return
	}
	h.Set("Allow", strings.Join(allow, ", "))
	s.writeError(w, r, problemf(http.StatusMethodNotAllowed, "%s is not allowed here; use %s.", r.Method, strings.Join(allow, ", ")))
}

// matchPath reports whether a concrete path fits a pattern such as
// /api/v1/users/{id}.
func matchPath(pattern, path string) bool {
	ps, xs := strings.Split(pattern, "/"), strings.Split(path, "/")
	if len(ps) != len(xs) {
		return false
	}
	for i, p := range ps {
		if strings.HasPrefix(p, "{") {
			if xs[i] == "" {
				return false
			}
		} else if p != xs[i] {
			return false
		}
	}
	return true
}

// handlerFunc is an API handler: it writes a success response or returns an
// error for writeError.
type handlerFunc func(w http.ResponseWriter, r *http.Request, ac app.Actor) error

// wrap adds to a route's handler what every route needs: panic recovery,
// the body size limit, authentication, CSRF protection for cookie
// sessions, and the permission check of the route table.
func (s *server) wrap(rt route) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				s.writeError(w, r, fmt.Errorf("panic: %v\n%s", p, debug.Stack()))
			}
		}()
		if r.ContentLength > maxBody {
			s.writeError(w, r, errTooLarge)
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, maxBody)
		var ac app.Actor
		if !rt.public {
			var err error
			if ac, err = s.authenticate(r); err != nil {
				s.writeError(w, r, err)
				return
			}
			if !ac.Can(rt.perm) { // an empty or unknown perm is denied
				s.writeError(w, r, crm.ErrForbidden)
				return
			}
		}
		if err := rt.handle(w, r, ac); err != nil {
			s.writeError(w, r, err)
		}
	})
}

// errCrossOrigin rejects a cookie-authenticated write from another site.
var errCrossOrigin = &problem{Status: http.StatusForbidden,
	Detail: "Cross-origin request rejected: a request signed in with the session cookie must come from Renkei's own pages. Scripts should use an API token (Authorization: Bearer rk_…)."}

// authenticate finds the actor: a Bearer token when the Authorization header
// is present, otherwise the session cookie. Unsafe requests signed in with
// the cookie must pass the cross-origin check, since a browser sends the
// cookie along with requests that other sites make.
func (s *server) authenticate(r *http.Request) (app.Actor, error) {
	ip := httpx.ClientIP(r, s.trusted)
	if h := r.Header.Get("Authorization"); h != "" {
		scheme, token, ok := strings.Cut(h, " ")
		if !ok || !strings.EqualFold(scheme, "Bearer") {
			return app.Actor{}, &problem{Status: http.StatusUnauthorized,
				Detail: "Use the header Authorization: Bearer rk_… with an API token."}
		}
		return s.app.AuthenticateToken(r.Context(), strings.TrimSpace(token), ip)
	}
	c, err := r.Cookie(SessionCookie)
	if err != nil || c.Value == "" {
		return app.Actor{}, crm.ErrUnauthorized
	}
	if err := s.csrf.Check(r); err != nil {
		return app.Actor{}, errCrossOrigin
	}
	return s.app.Authenticate(r.Context(), c.Value, ip)
}

// writeJSON writes v as JSON with the given status. A resource with a
// version gets an ETag carrying it. Encoding happens before anything is
// written, so an encoding error can still become a problem response; a
// failed write means the client has gone and is not reported.
func writeJSON(w http.ResponseWriter, status int, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	if e, ok := v.(interface{ etag() int64 }); ok {
		w.Header().Set("ETag", fmt.Sprintf(`"%d"`, e.etag()))
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(append(b, '\n'))
	return nil
}
