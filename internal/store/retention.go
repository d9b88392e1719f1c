package store

import (
	"context"
	"time"
)

// Retention: tracking events and IP addresses are kept for a set number of
// days (workspace privacy settings); a daily job applies the limits.
// Aggregates (rollups) are kept: they name no one.

// retentionStep is one statement of the retention job. Its only parameter
// ($1) is the cut-off in Unix ms: rows older than that go. Deleting steps
// work in batches (the statement deletes at most retentionBatch rows and is
// repeated until it deletes fewer), so SQLite's single writer is never
// held for long.
type retentionStep struct {
	name   string
	cutoff string // "events" (tracking data) or "ips" (IP addresses)
	sql    string
	batch  bool
}

const retentionBatch = 5000

// retentionSteps is THE list of what the retention job deletes or blanks.
// An area that stores tracking data or IP addresses adds its statement
// here.
func retentionSteps() []retentionStep {
	return []retentionStep{
		// Per site (and once for events without a site), so that the
		// (site_id, at) index finds the old events without reading the
		// recent ones.
		{"events", "events", `DELETE FROM events WHERE id IN (SELECT id FROM events
			WHERE site_id IN (SELECT id FROM sites) AND at < $1 ORDER BY site_id LIMIT 5000)`, true},
		{"events", "events", `DELETE FROM events WHERE id IN (SELECT id FROM events WHERE site_id IS NULL AND at < $1 LIMIT 5000)`, true},
		// Anonymous visitors not seen since the cut-off: nothing is left
		// about them but their first touch. Identified visitors stay with
		// their contact.
		{"visitors", "events", `DELETE FROM visitors WHERE contact_id IS NULL AND last_seen < $1`, false},
		{"consent_events.ip", "ips", `UPDATE consent_events SET ip = '' WHERE at < $1 AND ip <> ''`, false},
		{"form_submissions.ip", "ips", `UPDATE form_submissions SET ip = '' WHERE at < $1 AND ip <> ''`, false},
		{"audit_log.ip", "ips", `UPDATE audit_log SET ip = '' WHERE at < $1 AND ip <> ''`, false},
		{"sessions.ip", "ips", `UPDATE sessions SET ip = '' WHERE last_seen_at < $1 AND ip <> ''`, false},
	}
}

// RetentionCutoffs say which rows are old enough to go; a zero time keeps
// everything of that kind.
type RetentionCutoffs struct {
	Events time.Time
	IPs    time.Time
}

// ApplyRetention runs every retention step and returns how many rows each
// deleted or changed.
func (s *Store) ApplyRetention(ctx context.Context, c RetentionCutoffs) (map[string]int64, error) {
	out := map[string]int64{}
	for _, st := range retentionSteps() {
		cut := c.Events
		if st.cutoff == "ips" {
			cut = c.IPs
		}
		if cut.IsZero() {
			continue
		}
		for {
			res, err := s.w().ExecContext(ctx, st.sql, ms(cut))
			if err != nil {
				return out, err
			}
			n, _ := res.RowsAffected()
			out[st.name] += n
			if !st.batch || n < retentionBatch || ctx.Err() != nil {
				break
			}
		}
	}
	return out, ctx.Err()
}
