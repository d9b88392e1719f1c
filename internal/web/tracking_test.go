package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"renkei/internal/app"
	"renkei/internal/crm"
	"renkei/internal/store"
)

func TestSitesPages(t *testing.T) {
	e := newEnv(t)
	admin := e.setup()
	w := e.do("GET", "/settings/sites", admin, nil)
	wantStatus(t, "sites page", w, 200)
	if !strings.Contains(w.Body.String(), "No site is tracked yet") {
		t.Error("the empty sites page does not say what to do")
	}
	same := []string{"Sec-Fetch-Site", "same-origin"}
	w = e.do("POST", "/settings/sites", admin, url.Values{"name": {"Corp"}, "domain": {"not a domain"}, "origins": {"ftp://x"}}, same...)
	wantStatus(t, "invalid site", w, http.StatusUnprocessableEntity)
	if body := w.Body.String(); !strings.Contains(body, "not a web domain") || !strings.Contains(body, "origins such as https://www.example.co.jp") {
		t.Errorf("inline messages missing:\n%s", body)
	}
	if sites, _ := e.store.Sites(context.Background()); len(sites) != 0 {
		t.Fatal("an invalid site was stored")
	}
	w = e.do("POST", "/settings/sites", admin, url.Values{"name": {"Corp"}, "domain": {"example.co.jp"},
		"origins": {"https://www.example.co.jp\nhttp://localhost:8000"}, "honour_gpc": {"on"}}, same...)
	wantStatus(t, "create site", w, http.StatusSeeOther)
	loc := w.Header().Get("Location")
	w = e.do("GET", loc, admin, nil)
	wantStatus(t, "site page", w, 200)
	body := w.Body.String()
	if !strings.Contains(body, `&lt;script src=&#34;http://renkei.test/t.js&#34; data-site=&#34;rk_`) || !strings.Contains(body, "No visits yet") ||
		!strings.Contains(body, "http://localhost:8000") {
		t.Errorf("site page lacks the snippet, the empty state or the origins:\n%s", body)
	}
	sites, _ := e.store.Sites(context.Background())
	if len(sites) != 1 || !sites[0].HonourGPC || sites[0].Cookieless || len(sites[0].Origins) != 2 {
		t.Fatalf("stored %+v", sites)
	}
	w = e.do("POST", loc, admin, url.Values{"version": {"1"}, "name": {"Corp site"}, "domain": {"example.co.jp"}, "cookieless": {"on"}}, same...)
	wantStatus(t, "update site", w, http.StatusSeeOther)
	if s, _ := e.store.Site(context.Background(), sites[0].ID); s.Name != "Corp site" || !s.Cookieless || s.HonourGPC {
		t.Errorf("after update: %+v", s)
	}
	mk := e.user(crm.RoleMarketing, "Mika")
	wantStatus(t, "sites as marketing", e.do("GET", "/settings/sites", mk, nil), http.StatusForbidden)
	w = e.do("GET", "/marketing/awareness", mk, nil)
	wantStatus(t, "awareness as marketing", w, 200)
	if !strings.Contains(w.Body.String(), "No page views in this period") {
		t.Error("the empty report does not explain how to add the snippet")
	}
	wantStatus(t, "delete site", e.do("POST", loc+"/delete", admin, url.Values{}, same...), http.StatusSeeOther)
	w = e.do("GET", "/marketing/awareness", mk, nil)
	if !strings.Contains(w.Body.String(), "No site is tracked yet") {
		t.Error("the report without sites does not say what to do")
	}
}

// TestTrackingPayloadsShowAsText: XSS payloads in page URL, title,
// referrer and UTM values are shown as text on the awareness report, the
// contact's timeline and the site page.
func TestTrackingPayloadsShowAsText(t *testing.T) {
	e := newEnv(t)
	admin := e.setup()
	ctx := context.Background()
	ac := actorOf(t, e, "admin@example.com")
	site, err := e.app.CreateSite(ctx, ac, app.SiteInput{Name: "Corp", Domain: "example.co.jp"})
	if err != nil {
		t.Fatal(err)
	}
	c, err := e.app.CreateContact(ctx, ac, app.ContactInput{Contact: crm.Contact{Email: "xss@example.jp"}})
	if err != nil {
		t.Fatal(err)
	}
	const payload = `<script>alert(1)</script>`
	const attr = `"><img src=x onerror=alert(2)>`
	raw := app.RawEvent{
		URL:      "https://www.example.co.jp/" + payload + "?utm_source=" + url.QueryEscape(payload) + "&utm_medium=" + url.QueryEscape(attr) + "&utm_campaign=" + url.QueryEscape(payload),
		Title:    payload + attr,
		Referrer: "https://evil.example/" + payload,
	}
	ev, err := app.BuildEvent(raw, site.ID, "visitor-xss-1", time.Now(), "")
	if err != nil {
		t.Fatal(err)
	}
	custom, _ := app.BuildEvent(app.RawEvent{Kind: "event", Name: payload, URL: "https://www.example.co.jp/"}, site.ID, "visitor-xss-1", time.Now(), "")
	if err := e.app.RecordEvents(ctx, []store.Event{ev, custom}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.app.IdentifyVisitor(ctx, ac, app.IdentifyInput{SiteID: site.ID, VisitorID: "visitor-xss-1", ContactID: c.ID}); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"/marketing/awareness", "/contacts/" + strconvI(c.ID), "/settings/sites/" + strconvI(site.ID)} {
		w := e.do("GET", path, admin, nil)
		wantStatus(t, path, w, 200)
		body := w.Body.String()
		if strings.Contains(body, payload) || strings.Contains(body, "<img src=x") {
			t.Errorf("%s renders a payload as HTML", path)
		}
		if !strings.Contains(body, "&lt;script&gt;alert(1)&lt;/script&gt;") {
			t.Errorf("%s does not show the payload as text", path)
		}
	}
}
