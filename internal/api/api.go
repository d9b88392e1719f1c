// Package api is the REST JSON API under /api/v1.
package api

import (
	"net/http"
	"net/netip"

	"renkei/internal/app"
)

// Config are the dependencies of the API.
type Config struct {
	App            *app.App
	TrustedProxies []netip.Prefix
	Wake           func() // tells the job runner that a job was queued
}

// New builds the API handler; it serves paths under /api/v1/.
func New(c Config) http.Handler {
	return http.NotFoundHandler()
}
