// Package track serves Renkei's public, cross-origin surface: the tracker
// script and its beacon, lead-capture forms (hosted, embedded and plain
// HTML posts) and, later, e-mail click redirects, unsubscribe links and
// surveys. Everything here assumes hostile input: bodies are size-limited,
// requests are rate-limited per client address and per site, and CORS is
// granted only to a site's registered origins. Handlers parse input, call
// one app method and write the answer.
package track

import (
	"log/slog"
	"net/http"
	"net/netip"
	"time"

	"renkei/internal/app"
)

// Config are the dependencies of New.
type Config struct {
	App            *app.App
	TrustedProxies []netip.Prefix
	Limits         Limits
	Log            *slog.Logger
}

// Server is the public handler.
type Server struct {
	app     *app.App
	proxies []netip.Prefix
	limits  Limits
	lim     *limiter
	log     *slog.Logger
	mux     *http.ServeMux
	script  script    // the tracker, t.js
	forms   formState // lead-capture forms (routes_forms.go)
}

// route is one public endpoint.
type route struct {
	pattern string // http.ServeMux pattern, with method
	h       http.HandlerFunc
}

// New builds the public handler.
func New(c Config) *Server {
	s := &Server{app: c.App, proxies: c.TrustedProxies, limits: c.Limits, lim: newLimiter(c.Limits), log: c.Log, mux: http.NewServeMux(),
		script: newScript()}
	if s.log == nil {
		s.log = slog.Default()
	}
	for _, r := range s.routes() {
		s.mux.HandleFunc(r.pattern, r.h)
	}
	return s
}

// Prefixes are the URL paths the public surface owns; the server mounts
// the handler on them.
var Prefixes = []string{"/t.js", "/t/", "/f/", "/e/", "/s/"}

func (s *Server) routes() []route {
	var rs []route
	rs = append(rs, s.trackingRoutes()...)
	rs = append(rs, s.formRoutes()...)
	rs = append(rs, s.surveyRoutes()...)
	rs = append(rs, s.emailRoutes()...)
	return rs
}

// now is the app's clock (injected in tests).
func (s *Server) now() time.Time { return s.app.Clock() }

// ServeHTTP serves the public surface.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }
