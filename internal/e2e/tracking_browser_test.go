package e2e

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"renkei/internal/app"
	"renkei/internal/crm"
	"renkei/internal/store"
)

// browserUA is a desktop Chrome's user agent: headless Chromium says
// "HeadlessChrome", which the beacon drops as a bot.
const browserUA = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36"

// asPerson makes the tab look like a person's browser to the tracker.
func (tb *tab) asPerson() {
	tb.t.Helper()
	if _, err := chromedp.Call(tb.ctx, emulation.SetUserAgentOverride, emulation.SetUserAgentOverrideParams{UserAgent: browserUA}); err != nil {
		tb.t.Fatal(err)
	}
}

// demoSite is a small web site on another port whose pages carry the
// tracker snippet (set once the site exists in Renkei).
type demoSite struct {
	mu      sync.Mutex
	snippet string
}

func (d *demoSite) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	d.mu.Lock()
	snippet := d.snippet
	d.mu.Unlock()
	var title, body string
	switch r.URL.Path {
	case "/":
		title, body = "Home", `<h1>Home</h1><a id="next" href="/features">Features</a>`
	case "/features":
		title, body = "Features", `<h1>Features</h1><a id="next" href="/app">App</a>`
	case "/app":
		title, body = "App", `<h1>Single-page app</h1>`
	default:
		http.NotFound(w, r)
		return
	}
	fmt.Fprintf(w, `<!doctype html><html><head><meta charset="utf-8"><title>%s</title>%s</head><body>%s</body></html>`, title, snippet, body)
}

// waitEvents waits until the site has n events.
func waitEvents(t *testing.T, a *app.App, siteID int64, n int) []store.Event {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		evs, err := a.Store.Events(context.Background(), store.EventFilter{SiteID: siteID})
		if err != nil {
			t.Fatal(err)
		}
		if len(evs) >= n {
			return evs
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d events after 10 s, want %d: %+v", len(evs), n, evs)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestTrackerInBrowser: Chromium visits a site on another origin that
// carries the snippet: page views with UTM parameters, a click, SPA
// navigation and a custom event arrive; the visitor id stays in
// localStorage; identifying the visitor puts the visits on the contact's
// timeline; the report and the site page show them.
func TestTrackerInBrowser(t *testing.T) {
	h := start(t)
	ctx := context.Background()
	a := h.srv.App
	_, u, err := a.Setup(ctx, app.SetupInput{WorkspaceName: "Sample Inc.", Language: "en", TimeZone: "Asia/Tokyo",
		Name: adminName, Email: adminEmail, Password: adminPassword}, "", "")
	if err != nil {
		t.Fatal(err)
	}
	ac := app.Actor{User: u}
	demo := &demoSite{}
	ds := httptest.NewServer(demo)
	t.Cleanup(ds.Close)

	admin := h.newTab(t)
	admin.signIn(adminEmail, adminPassword)
	admin.open("/marketing/awareness")
	admin.wantPage("/marketing/awareness", "No site is tracked yet")
	admin.shot("tracking-en-awareness-no-sites")

	// The site is added in the UI, with the demo site's origin.
	admin.open("/settings/sites")
	admin.wantPage("/settings/sites", "No site is tracked yet")
	admin.fill("f-name", "Demo site", "f-domain", "demo.example.jp", "f-origins", ds.URL)
	admin.submit(`form[action="/settings/sites"] button[type=submit]`)
	sitePath := admin.path()
	admin.wantPage(sitePath, "No visits yet")
	admin.shot("tracking-en-site-new")
	snippet := eval[string](admin, `document.getElementById("site-snippet").value`)
	if !strings.Contains(snippet, h.base+"/t.js") {
		t.Fatalf("snippet %q", snippet)
	}
	demo.mu.Lock()
	demo.snippet = snippet
	demo.mu.Unlock()
	sites, err := a.Sites(ctx, ac)
	if err != nil || len(sites) != 1 {
		t.Fatalf("sites %v %v", sites, err)
	}
	site := sites[0]

	visitor := h.newTab(t)
	visitor.asPerson()
	visitor.navigate(chromedp.NavigateResponse(ds.URL + "/?utm_source=newsletter&utm_medium=email&utm_campaign=spring_webinar"))
	waitEvents(t, a, site.ID, 1)
	visitor.run("click", chromedp.Click(chromedp.ID("next"), chromedp.NodeVisible), chromedp.WaitVisible(chromedp.ID("next")))
	waitEvents(t, a, site.ID, 2)
	visitor.run("click", chromedp.Click(chromedp.ID("next"), chromedp.NodeVisible))
	waitEvents(t, a, site.ID, 3)
	eval[chromedp.Void](visitor, `history.pushState({}, "", "/app/settings"); renkei.track("pricing_viewed", {plan: "pro"})`)
	evs := waitEvents(t, a, site.ID, 5)
	vid := eval[string](visitor, `localStorage.getItem("rk_vid")`)
	if got := eval[string](visitor, `renkei.visitorId()`); got != vid || len(vid) < 16 {
		t.Fatalf("visitor id %q, localStorage %q", got, vid)
	}
	paths := map[string]bool{}
	for _, e := range evs {
		if e.VisitorID != vid {
			t.Errorf("event %s of visitor %q, want %q", e.Path, e.VisitorID, vid)
		}
		paths[e.Kind+" "+e.Path] = true
	}
	for _, want := range []string{"pageview /", "pageview /features", "pageview /app", "pageview /app/settings", "event /app/settings"} {
		if !paths[want] {
			t.Errorf("no %s among %v", want, paths)
		}
	}
	first := evs[len(evs)-1]
	if first.UTMCampaign != "spring_webinar" || first.UTMSource != "newsletter" || first.Title != "Home" {
		t.Errorf("first page view %+v", first)
	}

	// The visitor fills in a form somewhere: identify ties the visits to a contact.
	c, err := a.CreateContact(ctx, ac, app.ContactInput{Contact: crm.Contact{PersonName: crm.PersonName{Family: "山田", Given: "花子"},
		Email: "hanako@example.jp"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.IdentifyVisitor(ctx, ac, app.IdentifyInput{SiteID: site.ID, VisitorID: vid, ContactID: c.ID}); err != nil {
		t.Fatal(err)
	}
	admin.open(fmt.Sprintf("/contacts/%d", c.ID))
	admin.wantPage(fmt.Sprintf("/contacts/%d", c.ID), "Visited a page")
	if body := admin.text("#timeline"); !strings.Contains(body, "spring_webinar") || !strings.Contains(body, "/features") {
		t.Errorf("timeline: %s", body)
	}
	admin.shot("tracking-en-contact-timeline")

	admin.open("/marketing/awareness")
	admin.wantPage("/marketing/awareness", "Top pages")
	if got := admin.text("main"); !strings.Contains(got, "spring_webinar") || !strings.Contains(got, "/features") {
		t.Errorf("report: %s", got)
	}
	if n := eval[int](admin, `document.querySelectorAll("#awareness-chart").length`); n != 1 {
		t.Error("no chart")
	}
	admin.shot("tracking-en-awareness")
	admin.open(sitePath)
	admin.wantPage(sitePath, "Latest events")
	admin.shot("tracking-en-site")

	// Japanese.
	lang := "ja"
	if _, err := a.UpdateUser(ctx, ac, u.ID, u.Version, app.UserPatch{Language: &lang}); err != nil {
		t.Fatal(err)
	}
	admin.open("/marketing/awareness?range=7d&group=day")
	admin.wantPage("/marketing/awareness?range=7d&group=day", "ユニーク訪問者")
	admin.shot("tracking-ja-awareness")
	admin.open(sitePath)
	admin.wantPage(sitePath, "計測スニペット")
	admin.shot("tracking-ja-site")
}
