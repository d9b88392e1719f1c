package web

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"
)

func assetsForTest(t *testing.T) *Assets {
	t.Helper()
	a, err := NewAssets()
	if err != nil {
		t.Fatalf("NewAssets: %v", err)
	}
	return a
}

func assetsGet(t *testing.T, a *Assets, target string) *httptest.ResponseRecorder {
	t.Helper()
	rec := httptest.NewRecorder()
	a.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, target, nil))
	return rec
}

func TestAssetsURLHasContentHash(t *testing.T) {
	a := assetsForTest(t)
	data, err := staticFS.ReadFile("static/app.css")
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(data)
	want := "/static/app.css?v=" + hex.EncodeToString(sum[:])[:10]
	if got := a.URL("app.css"); got != want {
		t.Errorf("URL(app.css) = %q, want %q", got, want)
	}
	if got := a.URL("/app.css"); got != want {
		t.Errorf("URL(/app.css) = %q, want %q", got, want)
	}
	if got := a.URL("nope.js"); got != "/static/nope.js" {
		t.Errorf("URL(nope.js) = %q, want the plain path", got)
	}
	if !a.Has("app.js") || a.Has("nope.js") {
		t.Errorf("Has: app.js should exist, nope.js should not")
	}
}

func TestAssetsHandlerImmutableForCurrentHash(t *testing.T) {
	a := assetsForTest(t)
	rec := assetsGet(t, a, a.URL("app.css"))
	if rec.Code != http.StatusOK {
		t.Fatalf("status = %d, want 200", rec.Code)
	}
	if got := rec.Header().Get("Cache-Control"); got != "public, max-age=31536000, immutable" {
		t.Errorf("Cache-Control = %q", got)
	}
	if got := rec.Header().Get("Content-Type"); got != "text/css; charset=utf-8" {
		t.Errorf("Content-Type = %q", got)
	}
	if got := rec.Header().Get("X-Content-Type-Options"); got != "nosniff" {
		t.Errorf("X-Content-Type-Options = %q", got)
	}
	if !strings.Contains(rec.Body.String(), "--tblr-font-sans-serif") {
		t.Errorf("body is not app.css")
	}
}

func TestAssetsHandlerNoCacheForOtherVersion(t *testing.T) {
	a := assetsForTest(t)
	for _, target := range []string{"/static/app.css?v=0000000000", "/static/app.css"} {
		rec := assetsGet(t, a, target)
		if rec.Code != http.StatusOK {
			t.Fatalf("%s: status = %d, want 200", target, rec.Code)
		}
		if got := rec.Header().Get("Cache-Control"); got != "no-cache" {
			t.Errorf("%s: Cache-Control = %q, want no-cache", target, got)
		}
	}
}

func TestAssetsHandlerRevalidatesWithETag(t *testing.T) {
	a := assetsForTest(t)
	rec := assetsGet(t, a, "/static/app.js")
	etag := rec.Header().Get("ETag")
	if etag == "" {
		t.Fatal("no ETag")
	}
	req := httptest.NewRequest(http.MethodGet, "/static/app.js", nil)
	req.Header.Set("If-None-Match", etag)
	rec = httptest.NewRecorder()
	a.Handler().ServeHTTP(rec, req)
	if rec.Code != http.StatusNotModified {
		t.Errorf("status = %d, want 304", rec.Code)
	}
}

func TestAssetsHandlerNotFound(t *testing.T) {
	a := assetsForTest(t)
	for _, target := range []string{"/static/missing.css", "/static/", "/static/../assets.go", "/other/app.css"} {
		if rec := assetsGet(t, a, target); rec.Code != http.StatusNotFound {
			t.Errorf("%s: status = %d, want 404", target, rec.Code)
		}
	}
}

func TestAssetsHandlerFontContentType(t *testing.T) {
	// vendor/ exists only after scripts/assets.sh, so use a stand-in FS.
	a, err := assetsFromFS(fstest.MapFS{
		"vendor/fonts/tabler-icons.woff2": {Data: []byte("wOF2")},
		"vendor/htmx.min.js":              {Data: []byte("var htmx")},
	})
	if err != nil {
		t.Fatal(err)
	}
	for target, want := range map[string]string{
		a.URL("vendor/fonts/tabler-icons.woff2"): "font/woff2",
		a.URL("vendor/htmx.min.js"):              "text/javascript; charset=utf-8",
	} {
		rec := assetsGet(t, a, target)
		if rec.Code != http.StatusOK {
			t.Fatalf("%s: status = %d, want 200", target, rec.Code)
		}
		if got := rec.Header().Get("Content-Type"); got != want {
			t.Errorf("%s: Content-Type = %q, want %q", target, got, want)
		}
	}
	if rec := assetsGet(t, a, "/static/vendor"); rec.Code != http.StatusNotFound {
		t.Errorf("directory: status = %d, want 404", rec.Code)
	}
}
