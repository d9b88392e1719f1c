package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"renkei/internal/crm"
)

// Event is one tracked thing: a page view, a custom event, a form
// submission, an identify.
type Event struct {
	ID           int64
	SiteID       int64 // 0 = no site (API events without one)
	VisitorID    string
	ContactID    int64
	At           time.Time
	Kind         string // pageview | event | form | identify
	Name         string
	Host         string
	Path         string
	Title        string
	Referrer     string
	ReferrerHost string
	UTMSource    string
	UTMMedium    string
	UTMCampaign  string
	UTMTerm      string
	UTMContent   string
	Props        string // JSON object
}

// Event kinds.
const (
	EventPageview = "pageview"
	EventCustom   = "event"
	EventForm     = "form"
	EventIdentify = "identify"
)

// CookielessPrefix starts the visitor ids of cookieless sites: daily
// rotating hashes that never identify and get no visitors row.
const CookielessPrefix = "~"

// VisitorKey names one visitor of one site.
type VisitorKey struct {
	SiteID    int64
	VisitorID string
}

// TouchVisitors records that visitors were seen (first touch on their
// first event, last_seen always) and returns the contact each visitor is
// tied to (0 for anonymous). first holds each visitor's earliest event in
// the batch.
func (tx *Tx) TouchVisitors(ctx context.Context, first map[VisitorKey]*Event) (map[VisitorKey]int64, error) {
	return tx.TouchVisitorsCached(ctx, nil, first)
}

// TouchVisitorsCached is TouchVisitors through a statement cache.
func (tx *Tx) TouchVisitorsCached(ctx context.Context, c *StmtCache, first map[VisitorKey]*Event) (map[VisitorKey]int64, error) {
	keys := make([]VisitorKey, 0, len(first))
	for k := range first {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { // a fixed order: no deadlocks between PostgreSQL writers
		if keys[i].SiteID != keys[j].SiteID {
			return keys[i].SiteID < keys[j].SiteID
		}
		return keys[i].VisitorID < keys[j].VisitorID
	})
	out := make(map[VisitorKey]int64, len(keys))
	const width = 9
	start := 0
	for _, size := range chunks(len(keys)) {
		part := keys[start : start+size]
		start += size
		args := make([]any, 0, len(part)*width)
		for _, k := range part {
			e := first[k]
			args = append(args, k.SiteID, k.VisitorID, ms(e.At), ms(e.At), e.Path, e.Referrer, e.UTMSource, e.UTMMedium, e.UTMCampaign)
		}
		rows, err := tx.queryCached(ctx, c, `INSERT INTO visitors (site_id, visitor_id, first_seen, last_seen, first_path,
			first_referrer, first_utm_source, first_utm_medium, first_utm_campaign) VALUES `+tx.s.d.valuesList(len(part), width, 0)+`
			ON CONFLICT (site_id, visitor_id) DO UPDATE SET
			last_seen = CASE WHEN excluded.last_seen > visitors.last_seen THEN excluded.last_seen ELSE visitors.last_seen END
			RETURNING site_id, visitor_id, COALESCE(contact_id, 0)`, args...)
		if err != nil {
			return nil, tx.s.d.mapError(err)
		}
		for rows.Next() {
			var k VisitorKey
			var c int64
			if err := rows.Scan(&k.SiteID, &k.VisitorID, &c); err != nil {
				rows.Close()
				return nil, err
			}
			out[k] = c
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// InsertEvents appends events with multi-row statements.
func (tx *Tx) InsertEvents(ctx context.Context, es []Event) error {
	return tx.InsertEventsCached(ctx, nil, es)
}

// InsertEventsCached is InsertEvents through a statement cache.
func (tx *Tx) InsertEventsCached(ctx context.Context, c *StmtCache, es []Event) error {
	const width = 17
	args := make([]any, 0, min(len(es), chunkSizes[0])*width)
	start := 0
	for _, size := range chunks(len(es)) {
		part := es[start : start+size]
		start += size
		args = args[:0]
		for i := range part {
			e := &part[i]
			props := e.Props
			if props == "" {
				props = "{}"
			}
			args = append(args, nullID(e.SiteID), e.VisitorID, nullID(e.ContactID), ms(e.At), e.Kind, e.Name, e.Host, e.Path, e.Title,
				e.Referrer, e.ReferrerHost, e.UTMSource, e.UTMMedium, e.UTMCampaign, e.UTMTerm, e.UTMContent, props)
		}
		if err := tx.execCached(ctx, c, `INSERT INTO events (site_id, visitor_id, contact_id, at, kind, name, host, path, title,
			referrer, referrer_host, utm_source, utm_medium, utm_campaign, utm_term, utm_content, props) VALUES `+
			tx.s.d.valuesList(len(part), width, 0), args...); err != nil {
			return err
		}
	}
	return nil
}

// AddTimelineBatch appends timeline entries with multi-row statements.
func (tx *Tx) AddTimelineBatch(ctx context.Context, es []TimelineEntry) error {
	const width = 8
	per := min(maxStmtRows, maxStmtParams/width)
	for start := 0; start < len(es); start += per {
		part := es[start:min(len(es), start+per)]
		args := make([]any, 0, len(part)*width)
		for _, e := range part {
			data, err := propsJSON(e.Data)
			if err != nil {
				return err
			}
			args = append(args, ms(e.At), nullID(e.ContactID), nullID(e.CompanyID), e.Kind, nullID(e.ActorID), data, e.RefType, nullID(e.RefID))
		}
		if _, err := tx.q().ExecContext(ctx, `INSERT INTO timeline (at, contact_id, company_id, kind, actor_id, data, ref_type, ref_id) VALUES `+
			tx.s.d.valuesList(len(part), width, 0), args...); err != nil {
			return tx.s.d.mapError(err)
		}
	}
	return nil
}

// ---- identify ----

// TieVisitor ties a visitor to a contact (creating the visitor row when
// the visitor was never seen) and gives the visitor's events without a
// contact that contact. It returns those events, oldest first, for the
// contact's timeline.
func (tx *Tx) TieVisitor(ctx context.Context, siteID int64, visitorID string, contactID int64, now time.Time) ([]Event, error) {
	_, err := tx.q().ExecContext(ctx, `INSERT INTO visitors (site_id, visitor_id, contact_id, first_seen, last_seen) VALUES ($1, $2, $3, $4, $4)
		ON CONFLICT (site_id, visitor_id) DO UPDATE SET contact_id = excluded.contact_id`, siteID, visitorID, contactID, ms(now))
	if err != nil {
		return nil, tx.s.d.mapError(err)
	}
	rows, err := tx.q().QueryContext(ctx, `SELECT `+eventCols+` FROM events
		WHERE site_id = $1 AND visitor_id = $2 AND contact_id IS NULL ORDER BY at, id`, siteID, visitorID)
	if err != nil {
		return nil, err
	}
	evs, err := scanEvents(rows)
	if err != nil {
		return nil, err
	}
	if len(evs) > 0 {
		if _, err := tx.q().ExecContext(ctx, `UPDATE events SET contact_id = $3 WHERE site_id = $1 AND visitor_id = $2 AND contact_id IS NULL`,
			siteID, visitorID, contactID); err != nil {
			return nil, err
		}
		for i := range evs {
			evs[i].ContactID = contactID
		}
	}
	return evs, nil
}

const eventCols = `id, COALESCE(site_id, 0), visitor_id, COALESCE(contact_id, 0), at, kind, name, host, path, title,
	referrer, referrer_host, utm_source, utm_medium, utm_campaign, utm_term, utm_content, props`

func scanEvents(rows *sql.Rows) ([]Event, error) {
	defer rows.Close()
	var out []Event
	for rows.Next() {
		var e Event
		var at int64
		if err := rows.Scan(&e.ID, &e.SiteID, &e.VisitorID, &e.ContactID, &at, &e.Kind, &e.Name, &e.Host, &e.Path, &e.Title,
			&e.Referrer, &e.ReferrerHost, &e.UTMSource, &e.UTMMedium, &e.UTMCampaign, &e.UTMTerm, &e.UTMContent, &e.Props); err != nil {
			return nil, err
		}
		e.At = fromMS(at)
		out = append(out, e)
	}
	return out, rows.Err()
}

// EventFilter selects events for listing.
type EventFilter struct {
	SiteID    int64
	ContactID int64
	VisitorID string
	Limit     int
}

// Events lists events newest first.
func (s *Store) Events(ctx context.Context, f EventFilter) ([]Event, error) {
	var where []string
	var args []any
	add := func(cond string, v any) {
		args = append(args, v)
		where = append(where, fmt.Sprintf(cond, len(args)))
	}
	if f.SiteID != 0 {
		add("site_id = $%d", f.SiteID)
	}
	if f.ContactID != 0 {
		add("contact_id = $%d", f.ContactID)
	}
	if f.VisitorID != "" {
		add("visitor_id = $%d", f.VisitorID)
	}
	if len(where) == 0 {
		return nil, errors.New("events: name a site, contact or visitor")
	}
	limit := f.Limit
	if limit <= 0 || limit > 1000 {
		limit = 100
	}
	rows, err := s.r().QueryContext(ctx, "SELECT "+eventCols+" FROM events WHERE "+strings.Join(where, " AND ")+
		fmt.Sprintf(" ORDER BY at DESC, id DESC LIMIT %d", limit), args...)
	if err != nil {
		return nil, err
	}
	return scanEvents(rows)
}

// VisitorContact returns the contact a visitor is tied to (0 if none).
func (s *Store) VisitorContact(ctx context.Context, siteID int64, visitorID string) (int64, error) {
	var c int64
	err := s.r().QueryRowContext(ctx, "SELECT COALESCE(contact_id, 0) FROM visitors WHERE site_id = $1 AND visitor_id = $2", siteID, visitorID).Scan(&c)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, crm.ErrNotFound
	}
	return c, err
}

// ---- cookieless salts ----

// DailySalt returns the salt of a UTC day (yyyymmdd), creating it from
// fresh when missing and deleting the salts of days before the previous
// one, so yesterday's hashes cannot be recomputed for long.
func (tx *Tx) DailySalt(ctx context.Context, day int, fresh string) (string, error) {
	if _, err := tx.q().ExecContext(ctx, "INSERT INTO track_salts (day, salt) VALUES ($1, $2) ON CONFLICT (day) DO NOTHING", day, fresh); err != nil {
		return "", err
	}
	if _, err := tx.q().ExecContext(ctx, "DELETE FROM track_salts WHERE day < $1", day-1); err != nil {
		return "", err
	}
	var salt string
	err := tx.q().QueryRowContext(ctx, "SELECT salt FROM track_salts WHERE day = $1", day).Scan(&salt)
	return salt, err
}

// ContactByEmail finds a contact by e-mail (normalised as contacts store
// it) on the read pool.
func (s *Store) ContactByEmail(ctx context.Context, email string) (crm.Contact, error) {
	return s.contactWhere(ctx, s.r(), "c.email = $1", crm.NormalizeEmail(email))
}
