package store

import (
	"context"
	"slices"
	"strings"
	"time"

	"golang.org/x/sync/errgroup"
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
// funnel, by original source. The cohort is counted from an index; the
// hand-offs and deals are read the other way round — grouped per contact
// from their own (contact_id, …) indexes, then joined to the contact by
// its key and kept when it belongs to the cohort — so the cost follows the
// number of hand-offs and deals, not the size of the cohort: a year of a
// million contacts took seconds joined from the cohort's side.
func (s *Store) LeadCohorts(ctx context.Context, from, to time.Time) ([]LeadCohort, error) {
	var leads, mqls, sqls, opps, won map[string]int
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() (err error) {
		leads, err = countBy(gctx, s.r(), `SELECT original_source, COUNT(*) FROM contacts WHERE created_at >= $1 AND created_at < $2
			GROUP BY original_source`, ms(from), ms(to))
		return err
	})
	g.Go(func() (err error) {
		mqls, sqls, err = countPairsBy(gctx, s.r(), `SELECT c.original_source, COUNT(*), SUM(h.accepted)
			FROM (SELECT contact_id, MAX(CASE WHEN status = 'accepted' THEN 1 ELSE 0 END) AS accepted
				FROM handoffs GROUP BY contact_id) h
			JOIN contacts c ON c.id = h.contact_id
			WHERE c.created_at >= $1 AND c.created_at < $2 GROUP BY c.original_source`, ms(from), ms(to))
		return err
	})
	g.Go(func() (err error) {
		opps, won, err = countPairsBy(gctx, s.r(), `SELECT c.original_source, COUNT(*), SUM(d.won)
			FROM (SELECT contact_id, MAX(CASE WHEN won_at IS NOT NULL THEN 1 ELSE 0 END) AS won
				FROM deals WHERE contact_id IS NOT NULL GROUP BY contact_id) d
			JOIN contacts c ON c.id = d.contact_id
			WHERE c.created_at >= $1 AND c.created_at < $2 GROUP BY c.original_source`, ms(from), ms(to))
		return err
	})
	if err := g.Wait(); err != nil {
		return nil, err
	}
	out := make([]LeadCohort, 0, len(leads))
	for src, n := range leads {
		out = append(out, LeadCohort{Source: src, Leads: n, MQLs: mqls[src], SQLs: sqls[src], Opps: opps[src], Won: won[src]})
	}
	slices.SortFunc(out, func(a, b LeadCohort) int { return strings.Compare(a.Source, b.Source) })
	return out, nil
}

// countPairsBy reads a query of (key, count, count) rows into two maps.
func countPairsBy(ctx context.Context, q querier, query string, args ...any) (a, b map[string]int, err error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	a, b = map[string]int{}, map[string]int{}
	for rows.Next() {
		var k string
		var x, y int
		if err := rows.Scan(&k, &x, &y); err != nil {
			return nil, nil, err
		}
		a[k], b[k] = x, y
	}
	return a, b, rows.Err()
}
