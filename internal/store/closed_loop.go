package store

import (
	"context"
	"time"
)

// ClosedFit is one deal closed in a period with its primary contact's fit
// score: the closed-loop report's score calibration (does the lead score
// predict wins?). Deals without a primary contact, or whose contact was
// never scored, come back with Scored false.
type ClosedFit struct {
	Won    bool
	Fit    int
	Scored bool
}

// ClosedFits returns the deals of q closed in [from, to) with their
// primary contact's fit score.
func (s *Store) ClosedFits(ctx context.Context, q DealQuery, from, to time.Time) ([]ClosedFit, error) {
	var args []any
	where := q.scope(&args)
	rows, err := s.r().QueryContext(ctx, `SELECT CASE WHEN d.won_at IS NULL THEN 0 ELSE 1 END, COALESCE(cs.fit, 0),
		CASE WHEN cs.contact_id IS NULL THEN 0 ELSE 1 END
		FROM deals d LEFT JOIN contact_scores cs ON cs.contact_id = d.contact_id `+where+`
		AND d.closed_at >= `+arg(&args, ms(from))+` AND d.closed_at < `+arg(&args, ms(to)), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []ClosedFit
	for rows.Next() {
		var f ClosedFit
		var won, scored int
		if err := rows.Scan(&won, &f.Fit, &scored); err != nil {
			return nil, err
		}
		f.Won, f.Scored = won == 1, scored == 1
		out = append(out, f)
	}
	return out, rows.Err()
}

// HandoffOutcomes counts the hand-offs whose MQL time lies in [from, to)
// by status and, for rejected ones, outcome (recycled or disqualified):
// the hand-off health's recycle rate.
func (s *Store) HandoffOutcomes(ctx context.Context, from, to time.Time) (map[string]int, error) {
	return countBy(ctx, s.r(), `SELECT status || ':' || outcome, COUNT(*) FROM handoffs WHERE mql_at >= $1 AND mql_at < $2
		GROUP BY status, outcome`, ms(from), ms(to))
}

// LeadCohort is how far the contacts created in a period with one
// original source have come: ever handed off as MQLs, accepted by sales
// (SQL), primary contact of a deal (opportunity), of a won deal.
type LeadCohort struct {
	Source                       string
	Leads, MQLs, SQLs, Opps, Won int
}

// LeadCohorts follows the contacts created in [from, to) through the
// funnel, by original source. Each contact's hand-offs and deals are
// reduced to flags first and joined once: correlated EXISTS subqueries
// with a status filter led SQLite to scan every accepted hand-off per
// contact (minutes at 100,000 contacts).
func (s *Store) LeadCohorts(ctx context.Context, from, to time.Time) ([]LeadCohort, error) {
	rows, err := s.r().QueryContext(ctx, `WITH cohort AS (
			SELECT id, original_source FROM contacts WHERE created_at >= $1 AND created_at < $2),
		hs AS (SELECT h.contact_id, MAX(CASE WHEN h.status = 'accepted' THEN 1 ELSE 0 END) AS accepted
			FROM handoffs h WHERE h.contact_id IN (SELECT id FROM cohort) GROUP BY h.contact_id),
		ds AS (SELECT d.contact_id, MAX(CASE WHEN d.won_at IS NOT NULL THEN 1 ELSE 0 END) AS won
			FROM deals d WHERE d.contact_id IN (SELECT id FROM cohort) GROUP BY d.contact_id)
		SELECT cohort.original_source, COUNT(*), COUNT(hs.contact_id), COALESCE(SUM(hs.accepted), 0),
			COUNT(ds.contact_id), COALESCE(SUM(ds.won), 0)
		FROM cohort LEFT JOIN hs ON hs.contact_id = cohort.id LEFT JOIN ds ON ds.contact_id = cohort.id
		GROUP BY cohort.original_source ORDER BY cohort.original_source`, ms(from), ms(to))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []LeadCohort
	for rows.Next() {
		var c LeadCohort
		if err := rows.Scan(&c.Source, &c.Leads, &c.MQLs, &c.SQLs, &c.Opps, &c.Won); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}
