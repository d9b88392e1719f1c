package track

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"renkei/internal/app"
	"renkei/internal/crm"
	"renkei/internal/store"
	"renkei/internal/store/storetest"
)

var ctx = context.Background()

const (
	origin  = "https://www.acme.example"
	browser = "Mozilla/5.0 (X11; Linux x86_64) Gecko/20100101 Firefox/130.0"
)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

type env struct {
	a     *app.App
	srv   *Server
	clock *clock
	site  crm.Site
}

func newEnv(t *testing.T, l Limits, mod func(*crm.Site)) *env {
	t.Helper()
	c := &clock{t: time.Date(2026, 4, 1, 3, 0, 0, 0, time.UTC)}
	a := app.New(app.Config{Store: storetest.Open(t), Clock: c.now})
	site := crm.Site{Name: "Acme", Domain: "acme.example", Key: "rk_testkey", Origins: []string{origin}}
	if mod != nil {
		mod(&site)
	}
	if err := a.Store.InTx(ctx, func(tx *store.Tx) error { return tx.CreateSite(ctx, &site, c.now()) }); err != nil {
		t.Fatal(err)
	}
	return &env{a: a, srv: New(Config{App: a, Limits: l}), clock: c, site: site}
}

func (e *env) post(body string, hdr ...string) *httptest.ResponseRecorder {
	r := httptest.NewRequest("POST", "/t/e?s="+e.site.Key, strings.NewReader(body))
	r.RemoteAddr = "192.0.2.10:5555"
	r.Header.Set("Content-Type", "text/plain")
	r.Header.Set("Origin", origin)
	r.Header.Set("User-Agent", browser)
	for i := 0; i+1 < len(hdr); i += 2 {
		r.Header.Set(hdr[i], hdr[i+1])
	}
	w := httptest.NewRecorder()
	e.srv.ServeHTTP(w, r)
	return w
}

func (e *env) events(t *testing.T) int64 {
	t.Helper()
	n, err := e.a.Store.CountRows(ctx, "events")
	if err != nil {
		t.Fatal(err)
	}
	return n["events"]
}

const oneView = `{"site":"rk_testkey","vid":"visitor-0001","type":"pageview","url":"https://www.acme.example/pricing?utm_source=news","title":"Pricing","ref":"https://google.com/"}`

func TestScriptSmallAndCacheable(t *testing.T) {
	e := newEnv(t, Limits{}, nil)
	r := httptest.NewRequest("GET", "/t.js", nil)
	w := httptest.NewRecorder()
	e.srv.ServeHTTP(w, r)
	if w.Code != 200 || !strings.Contains(w.Header().Get("Content-Type"), "javascript") || w.Header().Get("ETag") == "" ||
		!strings.Contains(w.Header().Get("Cache-Control"), "max-age") {
		t.Fatalf("GET /t.js: %d %v", w.Code, w.Header())
	}
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(w.Body.Bytes())
	zw.Close()
	if gz.Len() > 5*1024 {
		t.Errorf("t.js is %d bytes gzipped, want ≤ 5 KB", gz.Len())
	}
	for _, want := range []string{"sendBeacon", "keepalive", "pushState", "popstate", "globalPrivacyControl", "rk_vid", "visitorId"} {
		if !strings.Contains(w.Body.String(), want) {
			t.Errorf("t.js lacks %s", want)
		}
	}
	r = httptest.NewRequest("GET", "/t.js", nil)
	r.Header.Set("If-None-Match", w.Header().Get("ETag"))
	r.Header.Set("Accept-Encoding", "gzip")
	w2 := httptest.NewRecorder()
	e.srv.ServeHTTP(w2, r)
	if w2.Code != http.StatusNotModified {
		t.Errorf("revalidation answered %d, want 304", w2.Code)
	}
	r.Header.Del("If-None-Match")
	w3 := httptest.NewRecorder()
	e.srv.ServeHTTP(w3, r)
	zr, err := gzip.NewReader(w3.Body)
	if err != nil {
		t.Fatal(err)
	}
	plain, _ := io.ReadAll(zr)
	if !bytes.Equal(plain, w.Body.Bytes()) || w3.Header().Get("Content-Encoding") != "gzip" {
		t.Error("the gzipped script differs from the plain one")
	}
}

func TestBeaconStoresAndAnswersCORS(t *testing.T) {
	e := newEnv(t, Limits{}, nil)
	w := e.post(oneView)
	if w.Code != 200 || w.Header().Get("Access-Control-Allow-Origin") != origin {
		t.Fatalf("beacon: %d %s %v", w.Code, w.Body, w.Header())
	}
	batch := `{"site":"rk_testkey","vid":"visitor-0001","events":[` +
		strings.TrimSuffix(strings.Repeat(`{"type":"pageview","url":"https://www.acme.example/a"},`, 9), ",") +
		`,{"type":"event","name":"signup","url":"https://www.acme.example/a","props":{"plan":"pro"}}]}`
	if w := e.post(batch); w.Code != 200 || !strings.Contains(w.Body.String(), `"accepted":10`) {
		t.Fatalf("batch: %d %s", w.Code, w.Body)
	}
	if n := e.events(t); n != 11 {
		t.Errorf("%d events stored, want 11", n)
	}
	evs, _ := e.a.Store.Events(ctx, store.EventFilter{SiteID: e.site.ID, Limit: 100})
	last := evs[len(evs)-1]
	if last.Path != "/pricing" || last.UTMSource != "news" || last.ReferrerHost != "google.com" || last.Title != "Pricing" {
		t.Errorf("stored event %+v", last)
	}
	// Preflight.
	r := httptest.NewRequest("OPTIONS", "/t/e?s=rk_testkey", nil)
	r.Header.Set("Origin", origin)
	pw := httptest.NewRecorder()
	e.srv.ServeHTTP(pw, r)
	if pw.Code != 204 || pw.Header().Get("Access-Control-Allow-Origin") != origin || pw.Header().Get("Access-Control-Allow-Methods") == "" {
		t.Errorf("preflight: %d %v", pw.Code, pw.Header())
	}
	r.Header.Set("Origin", "https://evil.example")
	pw = httptest.NewRecorder()
	e.srv.ServeHTTP(pw, r)
	if pw.Code != 403 || pw.Header().Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("preflight from a foreign origin: %d %v", pw.Code, pw.Header())
	}
}

func TestBeaconRefusals(t *testing.T) {
	e := newEnv(t, Limits{}, nil)
	tooMany := `{"site":"rk_testkey","vid":"visitor-0001","events":[` + strings.TrimSuffix(strings.Repeat(`{"url":"https://www.acme.example/"},`, 51), ",") + `]}`
	big := `{"site":"rk_testkey","vid":"visitor-0001","title":"` + strings.Repeat("x", 70<<10) + `"}`
	for _, tc := range []struct {
		name string
		body string
		hdr  []string
		code int
	}{
		{"foreign origin", oneView, []string{"Origin", "https://evil.example"}, 403},
		{"no origin", oneView, []string{"Origin", ""}, 403},
		{"unknown field", `{"site":"rk_testkey","vid":"visitor-0001","extra":1}`, nil, 400},
		{"not JSON", `site=rk_testkey`, nil, 400},
		{"trailing data", oneView + `{}`, nil, 400},
		{"more than 50 events", tooMany, nil, 400},
		{"body over 64 KB", big, nil, 413},
		{"bad visitor id", `{"site":"rk_testkey","vid":"<script>","url":"https://www.acme.example/"}`, nil, 400},
		{"other site's key in the body", `{"site":"rk_other","vid":"visitor-0001"}`, nil, 400},
		{"bad url", `{"site":"rk_testkey","vid":"visitor-0001","url":"javascript:alert(1)"}`, nil, 400},
	} {
		if w := e.post(tc.body, tc.hdr...); w.Code != tc.code {
			t.Errorf("%s: %d %s, want %d", tc.name, w.Code, w.Body, tc.code)
		}
	}
	r := httptest.NewRequest("POST", "/t/e?s=rk_unknown", strings.NewReader(oneView))
	r.Header.Set("Origin", origin)
	w := httptest.NewRecorder()
	e.srv.ServeHTTP(w, r)
	if w.Code != 404 {
		t.Errorf("unknown site: %d", w.Code)
	}
	if n := e.events(t); n != 0 {
		t.Errorf("refused beacons stored %d events", n)
	}
}

func TestBotsDroppedAndCounted(t *testing.T) {
	e := newEnv(t, Limits{}, nil)
	for _, ua := range []string{"Googlebot/2.1", "Mozilla/5.0 HeadlessChrome/120", "curl/8.5", "python-requests/2.31", "", "AhrefsBot", "Mozilla/5.0 (compatible; bingbot/2.0)"} {
		if w := e.post(oneView, "User-Agent", ua); w.Code != 200 {
			t.Errorf("bot %q: %d", ua, w.Code)
		}
	}
	if n := e.events(t); n != 0 {
		t.Errorf("bots stored %d events", n)
	}
	days, _ := e.a.Store.TrackDays(ctx, e.site.ID, 0, 99999999)
	if len(days) != 1 || days[0].Bots != 7 || days[0].Pageviews != 0 {
		t.Errorf("bot counts %+v", days)
	}
}

func TestGPCHonouredWhenTheSiteSaysSo(t *testing.T) {
	e := newEnv(t, Limits{}, func(s *crm.Site) { s.HonourGPC = true })
	for _, hdr := range [][]string{{"Sec-GPC", "1"}, {"DNT", "1"}} {
		if w := e.post(oneView, hdr...); w.Code != 200 || !strings.Contains(w.Body.String(), `"stop":true`) {
			t.Errorf("%v: %d %s", hdr, w.Code, w.Body)
		}
	}
	if w := e.post(strings.Replace(oneView, `"vid"`, `"gpc":true,"vid"`, 1)); !strings.Contains(w.Body.String(), `"stop":true`) {
		t.Errorf("gpc in the body: %s", w.Body)
	}
	if n := e.events(t); n != 0 {
		t.Errorf("%d events stored despite GPC", n)
	}
	if w := e.post(oneView); w.Code != 200 || e.events(t) != 1 {
		t.Errorf("without GPC: %d, %d events", w.Code, e.events(t))
	}
	off := newEnv(t, Limits{}, nil)
	if w := off.post(oneView, "Sec-GPC", "1"); w.Code != 200 || off.events(t) != 1 {
		t.Errorf("a site that does not honour GPC dropped the event: %d", w.Code)
	}
}

func TestCookielessSiteStoresHashedIDs(t *testing.T) {
	e := newEnv(t, Limits{}, func(s *crm.Site) { s.Cookieless = true })
	if w := e.post(strings.Replace(oneView, `"visitor-0001"`, `""`, 1)); w.Code != 200 || !strings.Contains(w.Body.String(), `"cookieless":true`) {
		t.Fatalf("cookieless beacon: %d %s", w.Code, w.Body)
	}
	e.post(oneView) // a client-sent id is ignored
	evs, _ := e.a.Store.Events(ctx, store.EventFilter{SiteID: e.site.ID})
	if len(evs) != 2 || evs[0].VisitorID != evs[1].VisitorID || !strings.HasPrefix(evs[0].VisitorID, store.CookielessPrefix) ||
		strings.Contains(evs[0].VisitorID, "192.0.2.10") {
		t.Errorf("cookieless events %+v", evs)
	}
	n, _ := e.a.Store.CountRows(ctx, "visitors")
	if n["visitors"] != 0 {
		t.Errorf("cookieless visitors were stored: %v", n)
	}
}

func TestRateLimitPerIP(t *testing.T) {
	e := newEnv(t, Limits{PerIP: 3}, nil)
	for i := 0; i < 3; i++ {
		if w := e.post(oneView); w.Code != 200 {
			t.Fatalf("request %d: %d", i, w.Code)
		}
	}
	w := e.post(oneView)
	if w.Code != 429 || w.Header().Get("Retry-After") != "20" {
		t.Errorf("4th request: %d, Retry-After %q; want 429, 20", w.Code, w.Header().Get("Retry-After"))
	}
	r := httptest.NewRequest("POST", "/t/e?s="+e.site.Key, strings.NewReader(oneView))
	r.RemoteAddr = "192.0.2.99:1"
	r.Header.Set("Origin", origin)
	r.Header.Set("User-Agent", browser)
	other := httptest.NewRecorder()
	e.srv.ServeHTTP(other, r)
	if other.Code != 200 {
		t.Errorf("another address was throttled: %d", other.Code)
	}
	e.clock.add(20 * time.Second)
	if w := e.post(oneView); w.Code != 200 {
		t.Errorf("after waiting: %d", w.Code)
	}
	// X-Forwarded-For is believed only from a trusted proxy.
	if w := e.post(oneView, "X-Forwarded-For", "198.51.100.7"); w.Code != 429 {
		t.Errorf("a forged X-Forwarded-For escaped the limit: %d", w.Code)
	}
}

func TestRateLimitPerSite(t *testing.T) {
	e := newEnv(t, Limits{PerSite: 2}, nil)
	for i := 0; i < 4; i++ {
		r := httptest.NewRequest("POST", "/t/e?s="+e.site.Key, strings.NewReader(oneView))
		r.RemoteAddr = fmt.Sprintf("192.0.2.%d:1", i+1)
		r.Header.Set("Origin", origin)
		r.Header.Set("User-Agent", browser)
		w := httptest.NewRecorder()
		e.srv.ServeHTTP(w, r)
		want := 200
		if i >= 2 {
			want = 429
		}
		if w.Code != want || (want == 429 && w.Header().Get("Retry-After") != "30") {
			t.Errorf("request %d from its own address: %d (Retry-After %q), want %d", i, w.Code, w.Header().Get("Retry-After"), want)
		}
	}
	if !e.srv.allow("192.0.2.50", "another-key") {
		t.Error("another key was throttled")
	}
	off := newEnv(t, Limits{}, nil)
	for i := 0; i < 1000; i++ {
		if !off.srv.allow("192.0.2.1", "k") {
			t.Fatal("limits of 0 throttled")
		}
	}
}

// An IPv6 client usually holds a whole /64: the per-address limit counts
// the /64, or rotating the low bits would escape it.
func TestRateLimitPerIPv6Prefix(t *testing.T) {
	e := newEnv(t, Limits{PerIP: 3}, nil)
	send := func(addr string) int {
		r := httptest.NewRequest("POST", "/t/e?s="+e.site.Key, strings.NewReader(oneView))
		r.RemoteAddr = addr
		r.Header.Set("Origin", origin)
		r.Header.Set("User-Agent", browser)
		w := httptest.NewRecorder()
		e.srv.ServeHTTP(w, r)
		return w.Code
	}
	for i := 1; i <= 3; i++ {
		if code := send(fmt.Sprintf("[2001:db8:1:2::%x]:1", i)); code != 200 {
			t.Fatalf("request %d: %d", i, code)
		}
	}
	if code := send("[2001:db8:1:2:ffff:ffff:ffff:ffff]:1"); code != 429 {
		t.Errorf("another address of the same /64: %d, want 429", code)
	}
	if code := send("[2001:db8:1:3::1]:1"); code != 200 {
		t.Errorf("another /64 was throttled: %d", code)
	}
}
