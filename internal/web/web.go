// Package web is the server-rendered staff UI.
package web

import (
	"net/http"
	"net/netip"

	"renkei/internal/app"
)

// Config are the dependencies of the UI.
type Config struct {
	App            *app.App
	Assets         *Assets
	TrustedProxies []netip.Prefix
	Wake           func() // tells the job runner that a job was queued
}

// New builds the UI handler.
func New(c Config) (http.Handler, error) {
	mux := http.NewServeMux()
	mux.Handle("/static/", c.Assets.Handler())
	return mux, nil
}
