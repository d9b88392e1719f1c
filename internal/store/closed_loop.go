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
// funnel, by original source.
func (s *Store) LeadCohorts(ctx context.Context, from, to time.Time) ([]LeadCohort, error) {
	rows, err := s.r().QueryContext(ctx, `SELECT c.original_source, COUNT(*),
		SUM(CASE WHEN EXISTS (SELECT 1 FROM handoffs h WHERE h.contact_id = c.id) THEN 1 ELSE 0 END),
		SUM(CASE WHEN EXISTS (SELECT 1 FROM handoffs h WHERE h.contact_id = c.id AND h.status = 'accepted') THEN 1 ELSE 0 END),
		SUM(CASE WHEN EXISTS (SELECT 1 FROM deals d WHERE d.contact_id = c.id) THEN 1 ELSE 0 END),
		SUM(CASE WHEN EXISTS (SELECT 1 FROM deals d WHERE d.contact_id = c.id AND d.won_at IS NOT NULL) THEN 1 ELSE 0 END)
		FROM contacts c WHERE c.created_at >= $1 AND c.created_at < $2
		GROUP BY c.original_source ORDER BY c.original_source`, ms(from), ms(to))
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
