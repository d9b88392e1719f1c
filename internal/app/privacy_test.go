package app

import (
	"errors"
	"testing"
	"time"

	"renkei/internal/crm"
	"renkei/internal/store"
)

// addSite inserts a tracking site directly (the tracking verbs are another
// area's); returns its id.
func addSite(t *testing.T, s *store.Store, key string) int64 {
	t.Helper()
	var id int64
	err := s.DB().QueryRowContext(ctx, `INSERT INTO sites (name, domain, site_key, created_at, updated_at)
		VALUES ($1, 'example.com', $1, 0, 0) RETURNING id`, key).Scan(&id)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func addEvent(t *testing.T, s *store.Store, siteID int64, visitor string, contactID int64, at time.Time, path string) {
	t.Helper()
	var cid any
	if contactID != 0 {
		cid = contactID
	}
	_, err := s.DB().ExecContext(ctx, `INSERT INTO events (site_id, visitor_id, contact_id, at, kind, path) VALUES ($1, $2, $3, $4, 'pageview', $5)`,
		siteID, visitor, cid, at.UnixMilli(), path)
	if err != nil {
		t.Fatal(err)
	}
}

func addVisitor(t *testing.T, s *store.Store, siteID int64, visitor string, contactID int64, first, last time.Time) {
	t.Helper()
	var cid any
	if contactID != 0 {
		cid = contactID
	}
	_, err := s.DB().ExecContext(ctx, `INSERT INTO visitors (site_id, visitor_id, contact_id, first_seen, last_seen, first_path, first_utm_source)
		VALUES ($1, $2, $3, $4, $5, '/lp', 'newsletter')`, siteID, visitor, cid, first.UnixMilli(), last.UnixMilli())
	if err != nil {
		t.Fatal(err)
	}
}

func TestRetention(t *testing.T) {
	f := newFixture(t, crm.LangJA)
	s := f.app.Store
	now := f.clock.Now()
	day := 24 * time.Hour
	site := addSite(t, s, "site-a")
	addVisitor(t, s, site, "old-anon", 0, now.Add(-500*day), now.Add(-400*day))
	addVisitor(t, s, site, "recent-anon", 0, now.Add(-500*day), now.Add(-10*day))
	c, err := f.app.CreateContact(ctx, f.owner, ContactInput{Contact: crm.Contact{Email: "kept@example.jp", Consent: crm.ConsentGranted}})
	if err != nil {
		t.Fatal(err)
	}
	addVisitor(t, s, site, "old-known", c.ID, now.Add(-500*day), now.Add(-400*day))
	addEvent(t, s, site, "old-anon", 0, now.Add(-396*day), "/old")
	addEvent(t, s, site, "old-known", c.ID, now.Add(-395*day-time.Millisecond), "/old-known")
	addEvent(t, s, site, "recent-anon", 0, now.Add(-394*day), "/recent")
	addEvent(t, s, site, "recent-anon", 0, now.Add(-time.Hour), "/today")
	// IP addresses: the consent event of CreateContact is from now; an
	// old one is added 31 days back.
	err = s.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.AddConsentEvent(ctx, &store.ConsentEvent{ContactID: c.ID, At: now.Add(-31 * day), Status: crm.ConsentGranted, Source: "form", IP: "198.51.100.7"}); err != nil {
			return err
		}
		return tx.Audit(ctx, store.AuditEntry{At: now.Add(-31 * day), Actor: "x", Action: "login.ok", IP: "198.51.100.8"})
	})
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.DB().ExecContext(ctx, `INSERT INTO forms (id, name, form_key, created_at, updated_at) VALUES (1, 'f', 'k', 0, 0)`)
	if err != nil {
		t.Fatal(err)
	}
	for _, sub := range []struct {
		at time.Time
		ip string
	}{{now.Add(-31 * day), "198.51.100.9"}, {now.Add(-29 * day), "198.51.100.10"}} {
		if _, err := s.DB().ExecContext(ctx, `INSERT INTO form_submissions (form_id, contact_id, at, ip) VALUES (1, $1, $2, $3)`,
			c.ID, sub.at.UnixMilli(), sub.ip); err != nil {
			t.Fatal(err)
		}
	}
	// Keep everything: nothing changes.
	p, err := f.app.PrivacySettings(ctx, f.owner)
	if err != nil {
		t.Fatal(err)
	}
	if p.TrackingDays != 395 || p.IPDays != 30 {
		t.Errorf("defaults %+v, want 395 and 30 days", p)
	}
	p.TrackingDays, p.IPDays = 0, 0
	if p, err = f.app.UpdatePrivacySettings(ctx, f.owner, p); err != nil {
		t.Fatal(err)
	}
	if _, err := f.app.ApplyRetention(ctx); err != nil {
		t.Fatal(err)
	}
	if n := count(t, s, "SELECT COUNT(*) FROM events"); n != 4 {
		t.Errorf("keep forever: %d events left, want 4", n)
	}
	if n := count(t, s, "SELECT COUNT(*) FROM consent_events WHERE ip = '198.51.100.7'"); n != 1 {
		t.Errorf("keep forever: IP blanked")
	}
	// The defaults.
	p.TrackingDays, p.IPDays = 395, 30
	if _, err = f.app.UpdatePrivacySettings(ctx, f.owner, p); err != nil {
		t.Fatal(err)
	}
	counts, err := f.app.ApplyRetention(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if counts["events"] != 2 || counts["visitors"] != 1 {
		t.Errorf("counts %v", counts)
	}
	var paths []string
	rows, err := s.DB().QueryContext(ctx, "SELECT path FROM events ORDER BY at")
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var p string
		rows.Scan(&p)
		paths = append(paths, p)
	}
	rows.Close()
	if len(paths) != 2 || paths[0] != "/recent" || paths[1] != "/today" {
		t.Errorf("events left %v, want /recent and /today", paths)
	}
	if n := count(t, s, "SELECT COUNT(*) FROM visitors"); n != 2 {
		t.Errorf("%d visitors left, want the recent anonymous one and the identified one", n)
	}
	if n := count(t, s, "SELECT COUNT(*) FROM visitors WHERE visitor_id = 'old-anon'"); n != 0 {
		t.Error("the old anonymous visitor is kept")
	}
	if n := count(t, s, "SELECT COUNT(*) FROM consent_events WHERE ip = '198.51.100.7'"); n != 0 {
		t.Error("an IP address older than 30 days is kept in the consent ledger")
	}
	if n := count(t, s, "SELECT COUNT(*) FROM form_submissions WHERE ip = '198.51.100.9'"); n != 0 {
		t.Error("an IP address older than 30 days is kept in form submissions")
	}
	if n := count(t, s, "SELECT COUNT(*) FROM form_submissions WHERE ip = '198.51.100.10'"); n != 1 {
		t.Error("a recent form submission lost its IP address")
	}
	if n := count(t, s, "SELECT COUNT(*) FROM audit_log WHERE ip = '198.51.100.8'"); n != 0 {
		t.Error("an IP address older than 30 days is kept in the audit log")
	}
	if n := count(t, s, "SELECT COUNT(*) FROM consent_events WHERE ip <> ''") + count(t, s, "SELECT COUNT(*) FROM audit_log WHERE ip <> ''"); n == 0 {
		t.Error("recent IP addresses were blanked too")
	}

	// Bad settings are refused and change nothing.
	viewer := f.addUser(t, "viewer@example.jp", crm.RoleViewer)
	before := snapshot(t, s)
	for _, bad := range []PrivacySettings{{TrackingDays: -1, IPDays: 30}, {TrackingDays: 30, IPDays: 40000}} {
		bad.Version = p.Version + 1
		if _, err := f.app.UpdatePrivacySettings(ctx, f.owner, bad); err == nil {
			t.Errorf("%+v accepted", bad)
		}
	}
	if _, err := f.app.UpdatePrivacySettings(ctx, viewer, p); !errors.Is(err, crm.ErrForbidden) {
		t.Errorf("viewer changes retention: %v", err)
	}
	if d := diffSnapshots(before, snapshot(t, s)); d != "" {
		t.Errorf("refused changes wrote:\n%s", d)
	}
}

// TestRetentionJobRunsDaily checks the daily scheduling: one run a day
// however often the server starts, and each run queues the next.
func TestRetentionJobRunsDaily(t *testing.T) {
	f := newFixture(t, crm.LangEN)
	for range 3 {
		if err := f.app.ScheduleDailyJobs(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if n := count(t, f.app.Store, "SELECT COUNT(*) FROM jobs WHERE kind = $1", JobRetention); n != 1 {
		t.Fatalf("%d retention jobs after three starts, want 1", n)
	}
	// The clock says 00:30 UTC: the run is due at 03:00.
	run := func() int {
		js, err := f.app.Store.ClaimJobs(ctx, "test", []string{JobRetention}, 5, f.clock.Now(), time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		for _, j := range js {
			if err := f.app.handleRetention(ctx, j, nil); err != nil {
				t.Fatal(err)
			}
			f.app.Store.FinishJob(ctx, j.ID, "test", f.clock.Now())
		}
		return len(js)
	}
	if n := run(); n != 0 {
		t.Errorf("%d runs before 03:00", n)
	}
	f.clock.Add(3 * time.Hour)
	if n := run(); n != 1 {
		t.Errorf("%d runs at 03:30, want 1", n)
	}
	if n := run(); n != 0 {
		t.Errorf("ran again the same day")
	}
	f.app.ScheduleDailyJobs(ctx)
	if n := run(); n != 0 {
		t.Errorf("a restart ran it again the same day")
	}
	f.clock.Add(24 * time.Hour)
	if n := run(); n != 1 {
		t.Errorf("%d runs the next day, want 1", n)
	}
}

// TestErasePersonTracking: erasing a person deletes their events (tied to
// the contact, or made by their visitor ids before they identified), their
// visitor rows and the webhook deliveries about them; other people's stay.
// The export lists the same events and visits.
func TestErasePersonTracking(t *testing.T) {
	f := newFixture(t, crm.LangEN)
	s := f.app.Store
	now := f.clock.Now()
	site := addSite(t, s, "site-e")
	gone, err := f.app.CreateContact(ctx, f.owner, ContactInput{Contact: crm.Contact{Email: "gone@example.com"}})
	if err != nil {
		t.Fatal(err)
	}
	stay, err := f.app.CreateContact(ctx, f.owner, ContactInput{Contact: crm.Contact{Email: "stay@example.com"}})
	if err != nil {
		t.Fatal(err)
	}
	addVisitor(t, s, site, "v-gone", gone.ID, now.Add(-time.Hour), now)
	addVisitor(t, s, site, "v-stay", stay.ID, now.Add(-time.Hour), now)
	addVisitor(t, s, site, "v-anon", 0, now.Add(-time.Hour), now)
	addEvent(t, s, site, "v-gone", 0, now.Add(-50*time.Minute), "/before-identify")
	addEvent(t, s, site, "v-gone", gone.ID, now.Add(-40*time.Minute), "/pricing")
	addEvent(t, s, 0, "", gone.ID, now.Add(-30*time.Minute), "/api-event")
	addEvent(t, s, site, "v-stay", stay.ID, now.Add(-20*time.Minute), "/stay")
	addEvent(t, s, site, "v-anon", 0, now.Add(-10*time.Minute), "/anon")
	err = s.InTx(ctx, func(tx *store.Tx) error {
		h := store.Webhook{Name: "x", URL: "https://hooks.example.com", Events: []string{EventAll}, Secret: "s", Active: true}
		if err := tx.CreateWebhook(ctx, &h, now); err != nil {
			return err
		}
		if err := f.app.emitWebhook(ctx, tx, EventLeadMQL, map[string]any{"contact": map[string]any{"id": gone.ID}}); err != nil {
			return err
		}
		return f.app.emitWebhook(ctx, tx, EventLeadMQL, map[string]any{"contact_id": stay.ID})
	})
	if err != nil {
		t.Fatal(err)
	}

	d, err := f.app.ExportPerson(ctx, f.owner, gone.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Visits) != 1 || d.Visits[0].VisitorID != "v-gone" || d.Visits[0].FirstUTMSource != "newsletter" {
		t.Errorf("export visits %+v", d.Visits)
	}
	var paths []string
	for _, e := range d.Events {
		paths = append(paths, e.Path)
	}
	if len(paths) != 3 || paths[0] != "/before-identify" || paths[1] != "/pricing" || paths[2] != "/api-event" {
		t.Errorf("export events %v", paths)
	}

	if err := f.app.ErasePerson(ctx, f.owner, gone.ID); err != nil {
		t.Fatal(err)
	}
	if n := count(t, s, "SELECT COUNT(*) FROM events WHERE path IN ('/before-identify', '/pricing', '/api-event')"); n != 0 {
		t.Errorf("%d events of the erased person left", n)
	}
	if n := count(t, s, "SELECT COUNT(*) FROM visitors WHERE visitor_id = 'v-gone'"); n != 0 {
		t.Error("the erased person's visitor row is left")
	}
	if n := count(t, s, "SELECT COUNT(*) FROM webhook_deliveries WHERE contact_id = $1", gone.ID); n != 0 {
		t.Error("webhook deliveries about the erased person are left")
	}
	if n := count(t, s, "SELECT COUNT(*) FROM events"); n != 2 {
		t.Errorf("%d events left, want the other person's and the anonymous one", n)
	}
	if n := count(t, s, "SELECT COUNT(*) FROM visitors"); n != 2 {
		t.Errorf("%d visitors left, want 2", n)
	}
	if n := count(t, s, "SELECT COUNT(*) FROM webhook_deliveries WHERE contact_id = $1", stay.ID); n != 1 {
		t.Error("another person's delivery was erased")
	}
}

// TestRetentionDeletesInBatches: more old events than one batch all go.
func TestRetentionDeletesInBatches(t *testing.T) {
	f := newFixture(t, crm.LangEN)
	s := f.app.Store
	old := f.clock.Now().AddDate(0, 0, -400).UnixMilli()
	site := addSite(t, s, "site-b")
	for _, sid := range []any{nil, site} { // events without a site, and a site's
		_, err := s.DB().ExecContext(ctx, `INSERT INTO events (site_id, at, kind, path)
			WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 6172)
			SELECT $1, $2, 'pageview', '/old' FROM n`, sid, old)
		if err != nil {
			t.Fatal(err)
		}
	}
	addEvent(t, s, site, "v", 0, f.clock.Now(), "/new")
	addEvent(t, s, 0, "", 0, f.clock.Now(), "/new")
	counts, err := f.app.ApplyRetention(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if counts["events"] != 2*6172 {
		t.Errorf("deleted %d events, want %d", counts["events"], 2*6172)
	}
	if n := count(t, s, "SELECT COUNT(*) FROM events"); n != 2 {
		t.Errorf("%d events left, want 2", n)
	}
}

// TestMergeMovesWebhookDeliveries: after a merge, erasing the kept contact
// also erases the deliveries that were about the merged one.
func TestMergeMovesWebhookDeliveries(t *testing.T) {
	f := newFixture(t, crm.LangEN)
	s := f.app.Store
	if _, err := f.app.CreateWebhook(ctx, f.owner, WebhookInput{URL: "https://hooks.example.com/x", Events: []string{EventContactCreated}, Active: true}); err != nil {
		t.Fatal(err)
	}
	keep, err := f.app.CreateContact(ctx, f.owner, ContactInput{Contact: crm.Contact{Email: "keep@example.com"}})
	if err != nil {
		t.Fatal(err)
	}
	drop, err := f.app.CreateContact(ctx, f.owner, ContactInput{Contact: crm.Contact{Email: "drop@example.com"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.app.MergeContacts(ctx, f.owner, keep.ID, drop.ID); err != nil {
		t.Fatal(err)
	}
	if n := count(t, s, "SELECT COUNT(*) FROM webhook_deliveries WHERE contact_id = $1", keep.ID); n != 2 {
		t.Fatalf("%d deliveries on the kept contact after the merge, want 2", n)
	}
	if err := f.app.ErasePerson(ctx, f.owner, keep.ID); err != nil {
		t.Fatal(err)
	}
	if n := count(t, s, "SELECT COUNT(*) FROM webhook_deliveries"); n != 0 {
		t.Errorf("%d deliveries left after erasing the merged person", n)
	}
}
