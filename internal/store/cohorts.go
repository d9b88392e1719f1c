package store

import (
	"context"
	"strconv"
	"time"
)

// Cohort is a group of contacts, each with the moment it entered the
// group: SQL is a SELECT of two columns, contact_id and start_at (unix ms),
// whose parameters are Args, numbered from $1. Each contact should appear
// once.
type Cohort struct {
	SQL  string
	Args []any
}

// BroadcastCohort is the recipients of a broadcast with a sent message,
// from the time it was sent.
func BroadcastCohort(broadcastID int64) Cohort {
	return Cohort{SQL: `SELECT contact_id, sent_at AS start_at FROM email_messages
		WHERE source_type = 'broadcast' AND source_id = $1 AND status = 'sent' AND contact_id IS NOT NULL AND sent_at IS NOT NULL`,
		Args: []any{broadcastID}}
}

// SequenceCohort is the contacts enrolled in a sequence (holdout false) or
// held out of it (true), from the time of the enrolment.
func SequenceCohort(sequenceID int64, holdout bool) Cohort {
	return Cohort{SQL: `SELECT contact_id, enrolled_at AS start_at FROM sequence_enrolments
		WHERE sequence_id = $1 AND holdout = $2`, Args: []any{sequenceID, boolInt(holdout)}}
}

// WonAmount is one won deal's amount, for sums in the base currency
// (cohorts, campaigns, market share); ContactID is its primary contact
// where the reader needs it.
type WonAmount struct {
	ContactID int64
	Amount    int64
	Currency  string
	WonAt     time.Time
}

// CohortOutcome is what followed for a cohort within a window after each
// contact's start: how many contacts submitted a form, became an MQL (a
// hand-off started), became the primary contact of a new deal, or of a
// deal won, and the won deals themselves.
type CohortOutcome struct {
	N        int
	Forms    int
	MQLs     int
	Deals    int
	Won      int
	WonDeals []WonAmount
}

// CohortOutcomes counts what followed for a cohort within window of each
// contact's start (start ≤ at < start + window). Deals count through
// their primary contact (DESIGN.md §7: a deal's source is its primary
// contact's).
func (s *Store) CohortOutcomes(ctx context.Context, c Cohort, window time.Duration) (CohortOutcome, error) {
	var out CohortOutcome
	args := append(append([]any{}, c.Args...), window.Milliseconds())
	w := "$" + strconv.Itoa(len(args))
	in := func(col string) string { return col + " >= k.start_at AND " + col + " < k.start_at + " + w }
	q := `WITH k AS (` + c.SQL + `)
		SELECT COUNT(*),
			COALESCE(SUM(CASE WHEN EXISTS (SELECT 1 FROM form_submissions f WHERE f.contact_id = k.contact_id AND ` + in("f.at") + `) THEN 1 ELSE 0 END), 0),
			COALESCE(SUM(CASE WHEN EXISTS (SELECT 1 FROM handoffs h WHERE h.contact_id = k.contact_id AND ` + in("h.mql_at") + `) THEN 1 ELSE 0 END), 0),
			COALESCE(SUM(CASE WHEN EXISTS (SELECT 1 FROM deals d WHERE d.contact_id = k.contact_id AND ` + in("d.created_at") + `) THEN 1 ELSE 0 END), 0),
			COALESCE(SUM(CASE WHEN EXISTS (SELECT 1 FROM deals d WHERE d.contact_id = k.contact_id AND ` + in("d.won_at") + `) THEN 1 ELSE 0 END), 0)
		FROM k`
	if err := s.r().QueryRowContext(ctx, q, args...).Scan(&out.N, &out.Forms, &out.MQLs, &out.Deals, &out.Won); err != nil {
		return out, err
	}
	rows, err := s.r().QueryContext(ctx, `WITH k AS (`+c.SQL+`)
		SELECT d.currency, d.amount, d.won_at FROM k JOIN deals d ON d.contact_id = k.contact_id
		WHERE `+in("d.won_at")+` ORDER BY d.id`, args...)
	if err != nil {
		return out, err
	}
	defer rows.Close()
	for rows.Next() {
		var wa WonAmount
		var at int64
		if err := rows.Scan(&wa.Currency, &wa.Amount, &at); err != nil {
			return out, err
		}
		wa.WonAt = fromMS(at)
		out.WonDeals = append(out.WonDeals, wa)
	}
	return out, rows.Err()
}
