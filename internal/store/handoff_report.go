package store

import (
	"context"
	"database/sql"
	"time"
)

// HandoffFact is one hand-off as the lead reports need it.
type HandoffFact struct {
	MQLAt        time.Time
	Source       string
	SourceGroup  string
	Campaign     string
	Status       string
	ReasonCode   string
	FirstTouchAt time.Time
}

// HandoffFacts returns the hand-offs whose MQL time lies in [from, to).
func (s *Store) HandoffFacts(ctx context.Context, from, to time.Time) ([]HandoffFact, error) {
	rows, err := s.r().QueryContext(ctx, `SELECT mql_at, source, source_group, campaign, status, reason_code, first_touch_at
		FROM handoffs WHERE mql_at >= $1 AND mql_at < $2 ORDER BY mql_at`, ms(from), ms(to))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []HandoffFact
	for rows.Next() {
		var f HandoffFact
		var at int64
		var touch sql.NullInt64
		if err := rows.Scan(&at, &f.Source, &f.SourceGroup, &f.Campaign, &f.Status, &f.ReasonCode, &touch); err != nil {
			return nil, err
		}
		f.MQLAt, f.FirstTouchAt = fromMS(at), fromNullMS(touch)
		out = append(out, f)
	}
	return out, rows.Err()
}

// LeadsBySource counts contacts created in [from, to) by original source.
func (s *Store) LeadsBySource(ctx context.Context, from, to time.Time) (map[string]int, error) {
	return countBy(ctx, s.r(), `SELECT original_source, COUNT(*) FROM contacts WHERE created_at >= $1 AND created_at < $2
		GROUP BY original_source`, ms(from), ms(to))
}

// VisitorsByCampaign counts visitors first seen in [from, to) by their
// first UTM campaign ("" = none), and how many of them identified.
func (s *Store) VisitorsByCampaign(ctx context.Context, from, to time.Time) (visitors, identified map[string]int, err error) {
	visitors, identified, err = countPairsBy(ctx, s.r(), `SELECT first_utm_campaign, COUNT(*), COUNT(contact_id)
		FROM visitors WHERE first_seen >= $1 AND first_seen < $2 GROUP BY first_utm_campaign`, ms(from), ms(to))
	for k, n := range identified {
		if n == 0 {
			delete(identified, k)
		}
	}
	return visitors, identified, err
}

func countBy(ctx context.Context, q querier, query string, args ...any) (map[string]int, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var k string
		var n int
		if err := rows.Scan(&k, &n); err != nil {
			return nil, err
		}
		out[k] += n
	}
	return out, rows.Err()
}
