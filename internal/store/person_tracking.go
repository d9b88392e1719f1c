package store

import (
	"context"
	"time"
)

// A person's tracking data, for privacy exports and erasure. Events keep no
// foreign key (they may move to a column store), so erasing a person deletes
// them explicitly: the events tied to the contact and the events of the
// visitor ids that identified as the contact.

// PersonVisit is one visitor id of a person on one site.
type PersonVisit struct {
	SiteID           int64
	VisitorID        string
	FirstSeen        time.Time
	LastSeen         time.Time
	FirstPath        string
	FirstReferrer    string
	FirstUTMSource   string
	FirstUTMMedium   string
	FirstUTMCampaign string
}

// PersonEvent is one tracked event of a person.
type PersonEvent struct {
	ID          int64
	SiteID      int64
	VisitorID   string
	At          time.Time
	Kind        string
	Name        string
	Host        string
	Path        string
	Title       string
	Referrer    string
	UTMSource   string
	UTMMedium   string
	UTMCampaign string
	UTMTerm     string
	UTMContent  string
	Props       string // JSON
}

// PersonVisits lists the visitor ids that identified as the contact.
func (s *Store) PersonVisits(ctx context.Context, contactID int64) ([]PersonVisit, error) {
	rows, err := s.r().QueryContext(ctx, `SELECT site_id, visitor_id, first_seen, last_seen, first_path, first_referrer,
		first_utm_source, first_utm_medium, first_utm_campaign FROM visitors WHERE contact_id = $1 ORDER BY first_seen, site_id`, contactID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []PersonVisit
	for rows.Next() {
		var v PersonVisit
		var first, last int64
		if err := rows.Scan(&v.SiteID, &v.VisitorID, &first, &last, &v.FirstPath, &v.FirstReferrer,
			&v.FirstUTMSource, &v.FirstUTMMedium, &v.FirstUTMCampaign); err != nil {
			return nil, err
		}
		v.FirstSeen, v.LastSeen = fromMS(first), fromMS(last)
		out = append(out, v)
	}
	return out, rows.Err()
}

// personEventsWhere selects a person's events: tied to the contact, or made
// by one of the visitor ids that identified as the contact.
const personEventsWhere = `contact_id = $1 OR EXISTS (SELECT 1 FROM visitors v
	WHERE v.contact_id = $1 AND v.site_id = events.site_id AND v.visitor_id = events.visitor_id)`

// PersonEvents lists a person's events, oldest first, up to limit.
func (s *Store) PersonEvents(ctx context.Context, contactID int64, limit int) ([]PersonEvent, error) {
	rows, err := s.r().QueryContext(ctx, `SELECT id, COALESCE(site_id, 0), visitor_id, at, kind, name, host, path, title, referrer,
		utm_source, utm_medium, utm_campaign, utm_term, utm_content, props FROM events
		WHERE `+personEventsWhere+` ORDER BY at, id LIMIT $2`, contactID, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []PersonEvent
	for rows.Next() {
		var e PersonEvent
		var at int64
		if err := rows.Scan(&e.ID, &e.SiteID, &e.VisitorID, &at, &e.Kind, &e.Name, &e.Host, &e.Path, &e.Title, &e.Referrer,
			&e.UTMSource, &e.UTMMedium, &e.UTMCampaign, &e.UTMTerm, &e.UTMContent, &e.Props); err != nil {
			return nil, err
		}
		e.At = fromMS(at)
		out = append(out, e)
	}
	return out, rows.Err()
}

// ErasePersonTracking deletes a person's events and visitor rows, and the
// webhook deliveries about them, inside the erasure's transaction (before
// the contact row goes: visitors would otherwise only lose the link).
func (tx *Tx) ErasePersonTracking(ctx context.Context, contactID int64) error {
	for _, q := range []string{
		`DELETE FROM events WHERE ` + personEventsWhere,
		`DELETE FROM visitors WHERE contact_id = $1`,
		`DELETE FROM webhook_deliveries WHERE contact_id = $1`,
	} {
		if _, err := tx.q().ExecContext(ctx, q, contactID); err != nil {
			return err
		}
	}
	return nil
}
