package app

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"renkei/internal/crm"
	"renkei/internal/store"
)

func newSite(t *testing.T, f *fixture, in SiteInput) crm.Site {
	t.Helper()
	s, err := f.app.CreateSite(ctx, f.owner, in)
	if err != nil {
		t.Fatalf("CreateSite: %v", err)
	}
	return s
}

func TestSiteValidationAndNormalisation(t *testing.T) {
	f := newFixture(t, crm.LangEN)
	s := newSite(t, f, SiteInput{Name: " Acme ", Domain: "https://WWW.Acme.example/about", Origins: []string{"HTTPS://www.acme.example:443/", "http://localhost:3000", "https://www.acme.example"}})
	if s.Domain != "acme.example" || len(s.Origins) != 2 || s.Origins[0] != "https://www.acme.example" || s.Origins[1] != "http://localhost:3000" {
		t.Errorf("normalised site = %q %q", s.Domain, s.Origins)
	}
	if len(s.Key) < 20 {
		t.Errorf("site key %q is too short to be unguessable", s.Key)
	}
	for _, tc := range []struct {
		in    SiteInput
		field string
	}{
		{SiteInput{Name: "", Domain: "acme.example"}, "name"},
		{SiteInput{Name: "x", Domain: "not a domain"}, "domain"},
		{SiteInput{Name: "x", Domain: "acme.example", Origins: []string{"javascript:alert(1)"}}, "origins"},
		{SiteInput{Name: "x", Domain: "acme.example", Origins: []string{"https://acme.example/path"}}, "origins"},
		{SiteInput{Name: "x", Domain: "acme.example", Origins: []string{"https://user@acme.example"}}, "origins"},
	} {
		_, err := f.app.CreateSite(ctx, f.owner, tc.in)
		if v, ok := crm.AsValidation(err); !ok || v.Fields[tc.field] == "" {
			t.Errorf("CreateSite(%+v) = %v, want an error on %s", tc.in, err, tc.field)
		}
	}
	sites, _ := f.app.Sites(ctx, f.owner)
	if len(sites) != 1 {
		t.Errorf("%d sites after refused creates, want 1", len(sites))
	}
	mk := f.addUser(t, "mk@example.jp", crm.RoleMarketing)
	if _, err := f.app.CreateSite(ctx, mk, SiteInput{Name: "x", Domain: "acme.example"}); !errors.Is(err, crm.ErrForbidden) {
		t.Errorf("marketing user created a site: %v", err)
	}
}

func pageview(site crm.Site, vid, path string, at time.Time) store.Event {
	e, err := BuildEvent(RawEvent{URL: "https://www.acme.example" + path + "?utm_source=google&utm_medium=cpc&utm_campaign=spring",
		Title: "Page " + path, Referrer: "https://www.google.com/search?q=x"}, site.ID, vid, at, "")
	if err != nil {
		panic(err)
	}
	return e
}

// TestGroupCommitAndRollups sends events from many goroutines at once and
// checks that every event is stored and that the rollups the writer kept
// agree with rollups rebuilt from the events, and with exact counts.
func TestGroupCommitAndRollups(t *testing.T) {
	f := newFixture(t, crm.LangEN)
	site := newSite(t, f, SiteInput{Name: "Acme", Domain: "acme.example", Origins: []string{"https://www.acme.example"}})
	now := f.clock.Now()
	const clients, each = 20, 15
	var wg sync.WaitGroup
	errs := make(chan error, clients)
	for c := 0; c < clients; c++ {
		wg.Add(1)
		go func(c int) {
			defer wg.Done()
			var evs []store.Event
			for i := 0; i < each; i++ {
				// Visitors v0..v9; two days (the second a day later).
				at := now.Add(time.Duration(c%2) * 24 * time.Hour)
				evs = append(evs, pageview(site, fmt.Sprintf("visitor%04d", (c*each+i)%10), fmt.Sprintf("/p%d", i%3), at))
			}
			errs <- f.app.RecordEvents(ctx, evs)
		}(c)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	counts, _ := f.app.Store.CountRows(ctx, "events", "visitors")
	if counts["events"] != clients*each || counts["visitors"] != 10 {
		t.Fatalf("stored %v, want %d events of 10 visitors", counts, clients*each)
	}
	q := AwarenessQuery{SiteID: site.ID, From: now, To: now.Add(48 * time.Hour), Group: GroupDay}
	rep, err := f.app.Awareness(ctx, f.owner, q)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Pageviews != clients*each || rep.Unique != 10 || rep.Visitors != 20 || len(rep.Buckets) != 3 {
		t.Errorf("report: %d views, %d unique, %d visitors, %d buckets; want 300, 10, 20, 3", rep.Pageviews, rep.Unique, rep.Visitors, len(rep.Buckets))
	}
	if len(rep.Pages) != 3 || rep.Pages[0].Views != 100 || len(rep.Sources) != 1 || rep.Sources[0].Value != "google" || rep.Sources[0].Views != 300 ||
		len(rep.Referrers) != 1 || rep.Referrers[0].Value != "google.com" {
		t.Errorf("tables: pages %v sources %v referrers %v", rep.Pages, rep.Sources, rep.Referrers)
	}
	if err := f.app.Store.RebuildRollups(ctx, site.ID, time.UTC); err != nil {
		t.Fatal(err)
	}
	loc, _ := f.app.Location(ctx)
	if err := f.app.Store.RebuildRollups(ctx, site.ID, loc); err != nil {
		t.Fatal(err)
	}
	again, err := f.app.Awareness(ctx, f.owner, q)
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(again.Buckets, again.Pages, again.Sources, again.Unique) != fmt.Sprint(rep.Buckets, rep.Pages, rep.Sources, rep.Unique) {
		t.Errorf("rebuilt rollups differ:\n%v\n%v", again.Buckets, rep.Buckets)
	}
	week, err := f.app.Awareness(ctx, f.owner, AwarenessQuery{SiteID: site.ID, From: now, To: now.Add(48 * time.Hour), Group: GroupMonth})
	if err != nil || len(week.Buckets) != 1 || week.Buckets[0].Unique != 10 || week.Buckets[0].Visitors != 20 {
		t.Errorf("month buckets %+v, %v", week.Buckets, err)
	}
	if _, err := f.app.Awareness(ctx, f.owner, AwarenessQuery{SiteID: site.ID, From: now, To: now.Add(-48 * time.Hour)}); err == nil {
		t.Error("a range ending before it starts was accepted")
	}
}

// TestIdentifyJoinsEarlierVisits: a visitor's anonymous page views join
// the contact's timeline when the visitor identifies, and later ones
// arrive with the contact.
func TestIdentifyJoinsEarlierVisits(t *testing.T) {
	f := newFixture(t, crm.LangEN)
	site := newSite(t, f, SiteInput{Name: "Acme", Domain: "acme.example"})
	c, err := f.app.CreateContact(ctx, f.owner, ContactInput{Contact: crm.Contact{Email: "hanako@example.jp"}})
	if err != nil {
		t.Fatal(err)
	}
	now := f.clock.Now()
	var evs []store.Event
	for i, p := range []string{"/", "/features", "/pricing"} {
		evs = append(evs, pageview(site, "visitor-abc123", p, now.Add(time.Duration(i)*time.Minute)))
	}
	evs = append(evs, pageview(site, "someone-else", "/", now))
	if err := f.app.RecordEvents(ctx, evs); err != nil {
		t.Fatal(err)
	}
	visits := func() []store.TimelineEntry {
		tl, err := f.app.Timeline(ctx, f.owner, store.TimelineFilter{ContactID: c.ID, Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		var out []store.TimelineEntry
		for _, e := range tl {
			if e.Kind == KindVisit || e.Kind == KindWebEvent {
				out = append(out, e)
			}
		}
		return out
	}
	if n := len(visits()); n != 0 {
		t.Fatalf("%d visits on the timeline before identifying", n)
	}
	if _, err := f.app.IdentifyVisitor(ctx, f.owner, IdentifyInput{SiteKey: site.Key, VisitorID: "visitor-abc123", Email: "HANAKO@example.jp"}); err != nil {
		t.Fatal(err)
	}
	v := visits()
	if len(v) != 3 || v[0].Data["path"] != "/pricing" || v[0].Data["utm_source"] != "google" {
		t.Fatalf("timeline after identify: %+v", v)
	}
	later, _ := BuildEvent(RawEvent{Kind: "event", Name: "demo_requested", URL: "https://www.acme.example/demo"}, site.ID, "visitor-abc123", now.Add(time.Hour), "")
	if err := f.app.RecordEvents(ctx, []store.Event{later}); err != nil {
		t.Fatal(err)
	}
	v = visits()
	if len(v) != 4 || v[0].Kind != KindWebEvent || v[0].Data["name"] != "demo_requested" {
		t.Fatalf("timeline after a later event: %+v", v)
	}
	evsOf, _ := f.app.Store.Events(ctx, store.EventFilter{ContactID: c.ID})
	if len(evsOf) != 5 { // 3 views, the identify, the custom event
		t.Errorf("%d events carry the contact, want 5", len(evsOf))
	}
	other, _ := f.app.Store.Events(ctx, store.EventFilter{SiteID: site.ID, VisitorID: "someone-else"})
	if len(other) != 1 || other[0].ContactID != 0 {
		t.Errorf("another visitor's events: %+v", other)
	}
	// Cookieless sites never identify.
	cl := newSite(t, f, SiteInput{Name: "Anon", Domain: "anon.example", Cookieless: true})
	if _, err := f.app.IdentifyVisitor(ctx, f.owner, IdentifyInput{SiteID: cl.ID, VisitorID: "visitor-xyz789", ContactID: c.ID}); err == nil {
		t.Error("a cookieless site's visitor was identified")
	}
}

func TestCookielessIDRotatesDaily(t *testing.T) {
	f := newFixture(t, crm.LangEN)
	a1, _ := f.app.CookielessID(ctx, 1, "192.0.2.1", "Firefox")
	a2, _ := f.app.CookielessID(ctx, 1, "192.0.2.1", "Firefox")
	b, _ := f.app.CookielessID(ctx, 1, "192.0.2.2", "Firefox")
	s2, _ := f.app.CookielessID(ctx, 2, "192.0.2.1", "Firefox")
	if a1 != a2 || a1 == b || a1 == s2 || a1[:1] != store.CookielessPrefix {
		t.Errorf("ids %q %q %q %q", a1, a2, b, s2)
	}
	f.clock.Add(24 * time.Hour)
	next, _ := f.app.CookielessID(ctx, 1, "192.0.2.1", "Firefox")
	if next == a1 {
		t.Error("the cookieless id did not change the next day")
	}
	var n int
	f.app.Store.DB().QueryRowContext(ctx, "SELECT COUNT(*) FROM track_salts").Scan(&n)
	if n > 2 {
		t.Errorf("%d salts kept, want at most 2", n)
	}
}

func TestServerEventsValidation(t *testing.T) {
	f := newFixture(t, crm.LangEN)
	site := newSite(t, f, SiteInput{Name: "Acme", Domain: "acme.example"})
	before, _ := f.app.Store.CountRows(ctx, "events")
	_, err := f.app.TrackServerEvents(ctx, f.owner, []ServerEvent{
		{RawEvent: RawEvent{URL: "https://acme.example/"}, SiteID: site.ID, VisitorID: "visitor-ok-1"},
		{RawEvent: RawEvent{Kind: "event"}, SiteID: site.ID, VisitorID: "visitor-ok-1"},
		{RawEvent: RawEvent{URL: "javascript:alert(1)"}, SiteKey: "nope", VisitorID: "v"},
	})
	v, ok := crm.AsValidation(err)
	if !ok || v.Fields["events[1].name"] == "" || v.Fields["events[2].site_key"] == "" || v.Fields["events[2].url"] == "" {
		t.Fatalf("errors = %v", err)
	}
	after, _ := f.app.Store.CountRows(ctx, "events")
	if after["events"] != before["events"] {
		t.Error("a refused batch wrote events")
	}
	n, err := f.app.TrackServerEvents(ctx, f.owner, []ServerEvent{{RawEvent: RawEvent{Kind: "event", Name: "signup", Path: "/api"}, SiteID: site.ID, VisitorID: "visitor-ok-1"}})
	if err != nil || n != 1 {
		t.Fatalf("TrackServerEvents = %d, %v", n, err)
	}
}

func TestBuildEventClamps(t *testing.T) {
	long := strings.Repeat("a", 5000)
	e, err := BuildEvent(RawEvent{URL: "https://x.example/" + "あ" + long, Title: "t\x00\n" + long}, 1, "visitor1", time.Now(), "")
	if err != nil {
		t.Fatal(err)
	}
	if len(e.Path) > maxEventPath || len(e.Title) > maxEventTitle {
		t.Errorf("not clamped: path %d, title %d", len(e.Path), len(e.Title))
	}
}

// TestTrackingFollowsMergeAndErasure: a merge moves a person's visitor ids
// and events to the surviving contact; erasure deletes them (the rollups
// keep their counts).
func TestTrackingFollowsMergeAndErasure(t *testing.T) {
	f := newFixture(t, crm.LangEN)
	site := newSite(t, f, SiteInput{Name: "Acme", Domain: "acme.example"})
	a, _ := f.app.CreateContact(ctx, f.owner, ContactInput{Contact: crm.Contact{Email: "a@example.jp"}})
	b, _ := f.app.CreateContact(ctx, f.owner, ContactInput{Contact: crm.Contact{Email: "b@example.jp"}})
	now := f.clock.Now()
	if err := f.app.RecordEvents(ctx, []store.Event{pageview(site, "visitor-merge-1", "/", now), pageview(site, "visitor-merge-1", "/x", now)}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.app.IdentifyVisitor(ctx, f.owner, IdentifyInput{SiteID: site.ID, VisitorID: "visitor-merge-1", ContactID: b.ID}); err != nil {
		t.Fatal(err)
	}
	if err := f.app.Store.InTx(ctx, func(tx *store.Tx) error { return tx.MoveContactRecords(ctx, b.ID, a.ID) }); err != nil {
		t.Fatal(err)
	}
	if c, _ := f.app.Store.VisitorContact(ctx, site.ID, "visitor-merge-1"); c != a.ID {
		t.Errorf("after the merge the visitor belongs to %d, want %d", c, a.ID)
	}
	if evs, _ := f.app.Store.Events(ctx, store.EventFilter{ContactID: a.ID}); len(evs) != 3 {
		t.Errorf("%d events moved, want 3", len(evs))
	}
	if err := f.app.ErasePerson(ctx, f.owner, a.ID); err != nil {
		t.Fatal(err)
	}
	n, _ := f.app.Store.CountRows(ctx, "events", "visitors")
	if n["events"] != 0 || n["visitors"] != 0 {
		t.Errorf("after erasure: %v", n)
	}
	days, _ := f.app.Store.TrackDays(ctx, site.ID, 0, 99999999)
	if len(days) != 1 || days[0].Pageviews != 2 {
		t.Errorf("rollups after erasure: %+v", days)
	}
}
