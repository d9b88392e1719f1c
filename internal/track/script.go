package track

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"net/http"
	"strings"
)

//go:embed t.js
var trackerJS []byte

// script is the tracker with its gzipped form and ETag, computed once.
type script struct {
	raw, gz []byte
	etag    string
}

func newScript() script {
	var b bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&b, gzip.BestCompression)
	zw.Write(trackerJS)
	zw.Close()
	sum := sha256.Sum256(trackerJS)
	return script{raw: trackerJS, gz: b.Bytes(), etag: `"` + hex.EncodeToString(sum[:8]) + `"`}
}

// serveScript serves GET /t.js: cacheable for an hour, revalidated by
// ETag, gzipped when the client takes it.
func (s *Server) serveScript(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Type", "text/javascript; charset=utf-8")
	h.Set("Cache-Control", "public, max-age=3600")
	h.Set("ETag", s.script.etag)
	h.Set("Vary", "Accept-Encoding")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cross-Origin-Resource-Policy", "cross-origin")
	if match := r.Header.Get("If-None-Match"); match != "" && strings.Contains(match, s.script.etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	body := s.script.raw
	if strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") {
		h.Set("Content-Encoding", "gzip")
		body = s.script.gz
	}
	if r.Method == http.MethodHead {
		return
	}
	w.Write(body)
}
