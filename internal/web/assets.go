package web

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
)

// staticFS holds the static folder: our own app.css and app.js, and the
// vendor/ folder that scripts/assets.sh fills from node_modules. vendor/ is
// absent on a fresh clone; the embed still compiles because the folder
// itself always has app.css and app.js.
//
//go:embed static
var staticFS embed.FS

// assetsPrefix is the URL path under which the static files are served.
const assetsPrefix = "/static/"

// assetsHashLen is how many hex digits of a file's SHA-256 go into its URL.
const assetsHashLen = 10

// assetsContentTypes fixes the Content-Type of the file kinds we ship, so it
// does not depend on the machine's mime.types.
var assetsContentTypes = map[string]string{
	".css":   "text/css; charset=utf-8",
	".js":    "text/javascript; charset=utf-8",
	".woff2": "font/woff2",
	".woff":  "font/woff",
	".svg":   "image/svg+xml",
	".png":   "image/png",
	".ico":   "image/x-icon",
	".txt":   "text/plain; charset=utf-8",
}

// Assets serves the embedded static files with content-hashed URLs.
// It is built once at start by NewAssets and is safe for concurrent use.
type Assets struct {
	fsys   fs.FS             // the static folder
	hashes map[string]string // file name within static/ -> short hash
}

// NewAssets reads every embedded static file once and records a short
// content hash for it.
func NewAssets() (*Assets, error) {
	sub, err := fs.Sub(staticFS, "static")
	if err != nil {
		return nil, fmt.Errorf("assets: %w", err)
	}
	return assetsFromFS(sub)
}

// assetsFromFS builds Assets over fsys, whose root is the static folder.
func assetsFromFS(fsys fs.FS) (*Assets, error) {
	a := &Assets{fsys: fsys, hashes: make(map[string]string)}
	err := fs.WalkDir(fsys, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := fs.ReadFile(fsys, name)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(data)
		a.hashes[name] = hex.EncodeToString(sum[:])[:assetsHashLen]
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("assets: %w", err)
	}
	return a, nil
}

// URL returns the URL of the static file name (a path inside the static
// folder, such as "app.css" or "vendor/htmx.min.js") with its content hash:
// "/static/app.css?v=0123456789". For an unknown name it returns the plain
// path without a hash.
func (a *Assets) URL(name string) string {
	name = strings.TrimPrefix(name, "/")
	if hash, ok := a.hashes[name]; ok {
		return assetsPrefix + name + "?v=" + hash
	}
	return assetsPrefix + name
}

// Has reports whether the static file name exists, for example to warn at
// start when scripts/assets.sh was not run and vendor/ is missing.
func (a *Assets) Has(name string) bool {
	_, ok := a.hashes[strings.TrimPrefix(name, "/")]
	return ok
}

// Handler serves the static files. Mount it at "/static/":
//
//	mux.Handle("/static/", assets.Handler())
//
// A request whose v query parameter equals the file's current hash (a URL
// made by URL) may be cached for a year; any other is served with
// "Cache-Control: no-cache", so browsers revalidate it using the ETag.
// Directories and unknown files are 404.
func (a *Assets) Handler() http.Handler {
	return http.HandlerFunc(a.serve)
}

func (a *Assets) serve(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, http.StatusText(http.StatusMethodNotAllowed), http.StatusMethodNotAllowed)
		return
	}
	name, ok := strings.CutPrefix(r.URL.Path, assetsPrefix)
	hash, known := a.hashes[name]
	if !ok || !known {
		http.NotFound(w, r)
		return
	}

	h := w.Header()
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("ETag", `"`+hash+`"`)
	if r.URL.Query().Get("v") == hash {
		h.Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		h.Set("Cache-Control", "no-cache")
	}
	ext := path.Ext(name)
	if ct, ok := assetsContentTypes[ext]; ok {
		h.Set("Content-Type", ct)
	} else if ct := mime.TypeByExtension(ext); ct != "" {
		h.Set("Content-Type", ct)
	}
	http.ServeFileFS(w, r, a.fsys, name)
}
