// Package web is the server-rendered staff UI.
//
// Layout of the package:
//   - routes.go: the one table of every route with the permission it needs;
//     the mux is built from it and nothing else.
//   - middleware.go: security headers, cross-origin protection, sessions,
//     language, first-run redirect, the permission check.
//   - errors.go: domain errors to HTTP statuses, in one function.
//   - render.go, forms.go: templates (embedded, one set per language) and
//     form helpers.
//   - auth.go, pages.go, profile.go, settings.go, users.go, teams.go,
//     tokens.go, contacts.go, companies.go, properties.go, imports.go:
//     handlers, grouped by aggregate. Each parses input, calls one app
//     method and renders.
//   - people.go: what the contact and company pages share (choices,
//     names, custom property inputs and values, the timeline).
package web

import (
	"errors"
	"log/slog"
	"net/http"
	"net/netip"
	"sync/atomic"

	"renkei/internal/app"
)

// Config are the dependencies of the UI.
type Config struct {
	App            *app.App
	Assets         *Assets
	TrustedProxies []netip.Prefix
	Wake           func() // tells the job runner that a job was queued
}

// server is the UI: its dependencies and the parsed templates.
type server struct {
	app     *app.App
	assets  *Assets
	trusted []netip.Prefix
	wake    func()
	log     *slog.Logger
	// tmpl holds the template set of every page in every language.
	tmpl *templates
	// setupDone caches that the first-run setup has happened; once true it
	// stays true, so the check costs a query only until then.
	setupDone atomic.Bool
}

// New builds the UI handler.
func New(c Config) (http.Handler, error) {
	s, err := newServer(c)
	if err != nil {
		return nil, err
	}
	return s.handler()
}

func newServer(c Config) (*server, error) {
	if c.App == nil || c.Assets == nil {
		return nil, errors.New("web: App and Assets are required")
	}
	s := &server{app: c.App, assets: c.Assets, trusted: c.TrustedProxies, wake: c.Wake, log: c.App.Log}
	if s.wake == nil {
		s.wake = func() {}
	}
	if !s.assets.Has("vendor/tabler.min.css") {
		s.log.Warn("web: front-end libraries are missing; run `bash scripts/assets.sh` before building")
	}
	if err := s.parseTemplates(); err != nil {
		return nil, err
	}
	return s, nil
}
