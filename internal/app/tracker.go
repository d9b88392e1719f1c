package app

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"renkei/internal/crm"
	"renkei/internal/store"
)

// The group-commit writer (DESIGN.md §3). Beacons and API calls hand their
// events to one writer goroutine, which commits whatever has queued up in
// one transaction (events, visitors, rollups, timeline entries) and then
// answers every waiting request: a 2xx means committed. Under load many
// requests share one commit; alone, a request commits at once.

// Timeline kinds written by web tracking.
const (
	KindVisit    = "visit"     // a page view of an identified visitor
	KindWebEvent = "web_event" // a custom event (renkei.track) of an identified visitor
)

// maxCommitEvents bounds one group commit.
const maxCommitEvents = 5000

// tracking is the App's tracking state: the writer, and caches of what
// every beacon needs (sites by key, the workspace's time zone, the day's
// cookieless salt). Caches are only caches: several processes may run.
type tracking struct {
	once  sync.Once
	in    chan *trackReq
	re    chan []int64
	stmts *store.StmtCache // the writer's prepared statements (SQLite)

	mu       sync.Mutex
	sites    map[string]siteEntry
	loc      *time.Location
	locUntil time.Time
	saltDay  int
	salt     string
}

type siteEntry struct {
	site  crm.Site
	err   error
	until time.Time
}

// identifyOp ties a visitor to a contact in the writer's transaction.
type identifyOp struct {
	siteID    int64
	visitorID string
	contactID int64
}

type trackReq struct {
	events   []store.Event
	identify []identifyOp
	bots     map[int64]int64 // site → requests dropped as bots
	done     chan error
}

func (t *tracking) forgetSites() {
	t.mu.Lock()
	t.sites = nil
	t.mu.Unlock()
}

// SiteForKey returns the site with a public key, from a cache that lives a
// few seconds (crm.ErrNotFound for an unknown key, cached as well).
func (a *App) SiteForKey(ctx context.Context, key string) (crm.Site, error) {
	t := &a.tracking
	now := time.Now()
	t.mu.Lock()
	e, ok := t.sites[key]
	t.mu.Unlock()
	if ok && now.Before(e.until) {
		return e.site, e.err
	}
	s, err := a.Store.SiteByKey(ctx, key)
	if err != nil && !errors.Is(err, crm.ErrNotFound) {
		return s, err
	}
	t.mu.Lock()
	if t.sites == nil || len(t.sites) > 10000 {
		t.sites = map[string]siteEntry{}
	}
	t.sites[key] = siteEntry{site: s, err: err, until: now.Add(10 * time.Second)}
	t.mu.Unlock()
	return s, err
}

// trackLoc returns the workspace's time zone (cached for a minute).
func (a *App) trackLoc(ctx context.Context) (*time.Location, error) {
	t := &a.tracking
	now := time.Now()
	t.mu.Lock()
	loc, until := t.loc, t.locUntil
	t.mu.Unlock()
	if loc != nil && now.Before(until) {
		return loc, nil
	}
	ws, _, err := a.Workspace(ctx)
	if err != nil {
		return nil, err
	}
	loc = ws.Location()
	t.mu.Lock()
	t.loc, t.locUntil = loc, now.Add(time.Minute)
	t.mu.Unlock()
	return loc, nil
}

// CookielessID returns the visitor id of a cookieless site's visitor: a
// hash of the day's salt, the site, the client address and the user agent.
// The salt changes every UTC day and old salts are deleted, so the id
// rotates daily and cannot be traced back; neither address nor agent is
// stored.
func (a *App) CookielessID(ctx context.Context, siteID int64, ip, ua string) (string, error) {
	now := a.now()
	day := store.Day(now, time.UTC)
	t := &a.tracking
	t.mu.Lock()
	salt := ""
	if t.saltDay == day {
		salt = t.salt
	}
	t.mu.Unlock()
	if salt == "" {
		b := make([]byte, 32)
		rand.Read(b)
		err := a.Store.InTx(ctx, func(tx *store.Tx) error {
			var err error
			salt, err = tx.DailySalt(ctx, day, hex.EncodeToString(b))
			return err
		})
		if err != nil {
			return "", err
		}
		t.mu.Lock()
		t.saltDay, t.salt = day, salt
		t.mu.Unlock()
	}
	h := sha256.Sum256([]byte(fmt.Sprintf("%s\x00%d\x00%d\x00%s\x00%s", salt, siteID, day, ip, ua)))
	return store.CookielessPrefix + hex.EncodeToString(h[:12]), nil
}

// RecordEvents writes events through the group-commit writer and returns
// once they are committed (or the commit failed). Events must be parsed
// and clamped already; contact ids, when set, must exist.
func (a *App) RecordEvents(ctx context.Context, evs []store.Event) error {
	if len(evs) == 0 {
		return nil
	}
	return a.submit(ctx, &trackReq{events: evs})
}

// RecordBots counts requests of a site dropped as bots.
func (a *App) RecordBots(ctx context.Context, siteID int64, n int64) error {
	return a.submit(ctx, &trackReq{bots: map[int64]int64{siteID: n}})
}

func (a *App) submit(ctx context.Context, r *trackReq) error {
	t := &a.tracking
	t.once.Do(func() {
		t.in = make(chan *trackReq, 4096)
		t.stmts = a.Store.NewStmtCache()
		t.re = make(chan []int64, 256)
		go a.writeLoop()
		go a.rescoreLoop()
	})
	r.done = make(chan error, 1)
	select {
	case t.in <- r:
	case <-ctx.Done():
		return ctx.Err()
	}
	// Once queued, the request is committed or failed by the writer; the
	// caller waits for the answer even if its context ends, so that a
	// 2xx is never sent for an uncommitted event nor an error for a
	// committed one.
	return <-r.done
}

// writeLoop is the writer goroutine: it takes what has queued, commits it
// in one transaction and answers the requests.
func (a *App) writeLoop() {
	t := &a.tracking
	for first := range t.in {
		batch := []*trackReq{first}
		n := len(first.events)
	drain:
		for n < maxCommitEvents {
			select {
			case r := <-t.in:
				batch = append(batch, r)
				n += len(r.events)
			default:
				break drain
			}
		}
		contacts, err := a.commitTracking(context.Background(), batch)
		t.stmts.PrepareWanted(context.Background())
		for _, r := range batch {
			r.done <- err
		}
		if err != nil {
			a.Log.Error("tracking: commit failed", "events", n, "err", err)
			continue
		}
		if len(contacts) > 0 {
			select {
			case t.re <- contacts:
			default: // the scorer is behind: it catches up with the next batch's contacts
				a.Log.Warn("tracking: rescoring queue full", "contacts", len(contacts))
			}
		}
	}
}

// rescoreLoop calls the scoring hook for contacts with new events, after
// their commit, off the writer's path.
func (a *App) rescoreLoop() {
	for ids := range a.tracking.re {
		seen := map[int64]bool{}
		var all []int64
		add := func(ids []int64) {
			for _, id := range ids {
				if !seen[id] {
					seen[id] = true
					all = append(all, id)
				}
			}
		}
		add(ids)
	more:
		for {
			select {
			case ids := <-a.tracking.re:
				add(ids)
			default:
				break more
			}
		}
		if err := a.rescoreContacts(context.Background(), all); err != nil {
			a.Log.Error("tracking: rescoring failed", "contacts", len(all), "err", err)
		}
	}
}

// commitTracking writes one group commit and returns the contacts that
// got events.
func (a *App) commitTracking(ctx context.Context, batch []*trackReq) ([]int64, error) {
	loc, err := a.trackLoc(ctx)
	if err != nil {
		return nil, err
	}
	var contacts []int64
	err = a.Store.InTx(ctx, func(tx *store.Tx) error {
		contacts = contacts[:0]
		seen := map[int64]bool{}
		touch := func(id int64) {
			if id != 0 && !seen[id] {
				seen[id] = true
				contacts = append(contacts, id)
			}
		}
		for _, r := range batch {
			for _, op := range r.identify {
				if err := a.identifyVisitor(ctx, tx, op.siteID, op.visitorID, op.contactID); err != nil {
					return err
				}
				touch(op.contactID)
			}
		}
		var evs []store.Event
		for _, r := range batch {
			evs = append(evs, r.events...)
		}
		first := map[store.VisitorKey]*store.Event{}
		for i := range evs {
			e := &evs[i]
			if e.SiteID == 0 || e.VisitorID == "" || strings.HasPrefix(e.VisitorID, store.CookielessPrefix) {
				continue
			}
			k := store.VisitorKey{SiteID: e.SiteID, VisitorID: e.VisitorID}
			if f := first[k]; f == nil || e.At.Before(f.At) {
				first[k] = e
			}
		}
		tied, err := tx.TouchVisitorsCached(ctx, a.tracking.stmts, first)
		if err != nil {
			return err
		}
		roll := store.NewRollups(loc)
		var tl []store.TimelineEntry
		for i := range evs {
			e := &evs[i]
			if e.ContactID == 0 && e.SiteID != 0 {
				e.ContactID = tied[store.VisitorKey{SiteID: e.SiteID, VisitorID: e.VisitorID}]
			}
			roll.Add(e)
			if e.ContactID != 0 {
				touch(e.ContactID)
				if te, ok := visitEntry(e); ok {
					tl = append(tl, te)
				}
			}
		}
		for _, r := range batch {
			for site, n := range r.bots {
				roll.AddBots(site, a.now(), n)
			}
		}
		if err := tx.InsertEventsCached(ctx, a.tracking.stmts, evs); err != nil {
			return err
		}
		if err := tx.ApplyRollupsCached(ctx, a.tracking.stmts, roll); err != nil {
			return err
		}
		return tx.AddTimelineBatch(ctx, tl)
	})
	return contacts, err
}

// visitEntry is the timeline entry of an identified visitor's page view or
// custom event.
func visitEntry(e *store.Event) (store.TimelineEntry, bool) {
	data := map[string]any{}
	set := func(k, v string) {
		if v != "" {
			data[k] = v
		}
	}
	kind := KindVisit
	switch e.Kind {
	case store.EventPageview:
	case store.EventCustom:
		kind = KindWebEvent
		set("name", e.Name)
	default:
		return store.TimelineEntry{}, false
	}
	set("host", e.Host)
	set("path", e.Path)
	set("title", e.Title)
	set("referrer", e.Referrer)
	set("utm_source", e.UTMSource)
	set("utm_medium", e.UTMMedium)
	set("utm_campaign", e.UTMCampaign)
	set("utm_term", e.UTMTerm)
	set("utm_content", e.UTMContent)
	if e.SiteID != 0 {
		data["site_id"] = e.SiteID
	}
	return store.TimelineEntry{At: e.At, ContactID: e.ContactID, Kind: kind, Data: data, RefType: "event", RefID: e.ID}, true
}
