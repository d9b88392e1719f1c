package store

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// The sales dashboard's aggregates (DESIGN.md §7). Every query takes a
// DealQuery for the deals it may count (pipeline, owner, team and the
// viewer's visibility) and groups in SQL; amounts come back per currency
// so that the application converts them to the base currency. Deals in the
// base currency are summed together; deals in other currencies are
// grouped per closing moment (At) so that each converts with the rate
// valid when it was closed.

// WonGroup is the won deals of one month bucket, source group and
// currency (and, for a currency other than the base, one closing moment).
type WonGroup struct {
	Bucket      int // index of the month in the bounds given
	SourceGroup string
	Currency    string
	At          time.Time // zero for the base currency
	Count       int
	Amount      int64
	CycleMS     int64 // Σ (won − created) in milliseconds
}

func (q DealQuery) scope(args *[]any) string {
	return DealQuery{PipelineID: q.PipelineID, OwnerID: q.OwnerID, TeamID: q.TeamID, SourceGroup: q.SourceGroup,
		Viewer: q.Viewer, Visibility: q.Visibility}.where(args)
}

func arg(args *[]any, x any) string {
	*args = append(*args, x)
	return fmt.Sprintf("$%d", len(*args))
}

// bucketCase returns a CASE expression numbering the interval of bounds
// (bounds[i] ≤ col < bounds[i+1] → i) that col falls in.
func bucketCase(args *[]any, col string, bounds []time.Time) string {
	if len(bounds) < 3 {
		return "0"
	}
	var b strings.Builder
	b.WriteString("CASE")
	for i := 1; i < len(bounds)-1; i++ {
		fmt.Fprintf(&b, " WHEN %s < %s THEN %d", col, arg(args, ms(bounds[i])), i-1)
	}
	fmt.Fprintf(&b, " ELSE %d END", len(bounds)-2)
	return b.String()
}

// WonGroups sums the deals won in [bounds[0], bounds[last]) per month
// bucket (bounds are the buckets' edges, oldest first), source group and
// currency.
func (s *Store) WonGroups(ctx context.Context, q DealQuery, base string, bounds []time.Time) ([]WonGroup, error) {
	var args []any
	where := q.scope(&args)
	from, to := arg(&args, ms(bounds[0])), arg(&args, ms(bounds[len(bounds)-1]))
	bucket := bucketCase(&args, "d.closed_at", bounds)
	b := arg(&args, base)
	at := "CASE WHEN d.currency = " + b + " THEN 0 ELSE d.closed_at END"
	rows, err := s.r().QueryContext(ctx, `SELECT `+bucket+`, d.source_group, d.currency, `+at+`, COUNT(*),
		COALESCE(SUM(d.amount), 0), COALESCE(SUM(d.closed_at - d.created_at), 0)
		FROM deals d `+where+` AND d.won_at IS NOT NULL AND d.closed_at >= `+from+` AND d.closed_at < `+to+`
		GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []WonGroup
	for rows.Next() {
		var g WonGroup
		var at int64
		if err := rows.Scan(&g.Bucket, &g.SourceGroup, &g.Currency, &at, &g.Count, &g.Amount, &g.CycleMS); err != nil {
			return nil, err
		}
		g.At = fromMS(at)
		out = append(out, g)
	}
	return out, rows.Err()
}

// ClosedCount is the number of deals of a source group closed won or lost.
type ClosedCount struct {
	SourceGroup string
	Won         bool
	Count       int
}

// ClosedCounts counts the deals closed in [from, to) by source group and
// outcome: the win rate's numerators and denominators.
func (s *Store) ClosedCounts(ctx context.Context, q DealQuery, from, to time.Time) ([]ClosedCount, error) {
	var args []any
	where := q.scope(&args)
	rows, err := s.r().QueryContext(ctx, `SELECT d.source_group, CASE WHEN d.won_at IS NULL THEN 0 ELSE 1 END, COUNT(*)
		FROM deals d `+where+` AND d.closed_at >= `+arg(&args, ms(from))+` AND d.closed_at < `+arg(&args, ms(to))+`
		GROUP BY 1, 2 ORDER BY 1, 2`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []ClosedCount
	for rows.Next() {
		var c ClosedCount
		var won int
		if err := rows.Scan(&c.SourceGroup, &won, &c.Count); err != nil {
			return nil, err
		}
		c.Won = won == 1
		out = append(out, c)
	}
	return out, rows.Err()
}

// MedianCycle is the median of won − created over the n deals won in
// [from, to) (n as WonGroups counted them): the middle one, or the mean of
// the two middle ones.
func (s *Store) MedianCycle(ctx context.Context, q DealQuery, from, to time.Time, n int) (time.Duration, error) {
	if n <= 0 {
		return 0, nil
	}
	var args []any
	where := q.scope(&args)
	take := 2 - n%2
	rows, err := s.r().QueryContext(ctx, `SELECT d.closed_at - d.created_at AS c FROM deals d `+where+`
		AND d.won_at IS NOT NULL AND d.closed_at >= `+arg(&args, ms(from))+` AND d.closed_at < `+arg(&args, ms(to))+
		fmt.Sprintf(` ORDER BY c LIMIT %d OFFSET %d`, take, (n-1)/2), args...)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	var sum, k int64
	for rows.Next() {
		var c int64
		if err := rows.Scan(&c); err != nil {
			return 0, err
		}
		sum, k = sum+c, k+1
	}
	if k == 0 {
		return 0, rows.Err()
	}
	return time.Duration(sum/k) * time.Millisecond, rows.Err()
}

// StageTime is the time deals spent in one stage before leaving it.
type StageTime struct {
	StageID int64
	Count   int   // stays that ended in the period
	TotalMS int64 // their summed length
}

// TimeInStage sums, per stage, the stays that ended in [from, to): a
// history row entering a stage from from_stage_id ends the stay that began
// at entered_at. The deals are joined only when q narrows them.
func (s *Store) TimeInStage(ctx context.Context, q DealQuery, from, to time.Time) ([]StageTime, error) {
	var args []any
	where := q.scope(&args)
	join := "JOIN deals d ON d.id = n.deal_id " + where + " AND"
	if where == "WHERE 1 = 1" {
		join = "WHERE"
	}
	rows, err := s.r().QueryContext(ctx, `SELECT n.from_stage_id, COUNT(*), COALESCE(SUM(n.at - n.entered_at), 0)
		FROM deal_stage_history n `+join+` n.from_stage_id IS NOT NULL AND n.entered_at IS NOT NULL
		AND n.at >= `+arg(&args, ms(from))+` AND n.at < `+arg(&args, ms(to))+`
		GROUP BY n.from_stage_id ORDER BY n.from_stage_id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []StageTime
	for rows.Next() {
		var t StageTime
		if err := rows.Scan(&t.StageID, &t.Count, &t.TotalMS); err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// OpenGroup is the open deals of one stage and currency.
type OpenGroup struct {
	StageID  int64
	Currency string
	Count    int
	Amount   int64
}

// OpenByStage sums the deals open now per stage and currency.
func (s *Store) OpenByStage(ctx context.Context, q DealQuery) ([]OpenGroup, error) {
	var args []any
	where := q.scope(&args)
	rows, err := s.r().QueryContext(ctx, `SELECT d.stage_id, d.currency, COUNT(*), COALESCE(SUM(d.amount), 0)
		FROM deals d `+where+` AND d.closed_at IS NULL GROUP BY d.stage_id, d.currency ORDER BY d.stage_id, d.currency`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []OpenGroup
	for rows.Next() {
		var g OpenGroup
		if err := rows.Scan(&g.StageID, &g.Currency, &g.Count, &g.Amount); err != nil {
			return nil, err
		}
		out = append(out, g)
	}
	return out, rows.Err()
}

// LostGroup is the deals lost in a period for one reason and competitor,
// in one currency (and, outside the base currency, one closing moment).
type LostGroup struct {
	Reason   string
	LostToID int64
	Currency string
	At       time.Time
	Count    int
	Amount   int64
}

// LostGroups sums the deals lost in [from, to) per reason, competitor and
// currency.
func (s *Store) LostGroups(ctx context.Context, q DealQuery, base string, from, to time.Time) ([]LostGroup, error) {
	var args []any
	where := q.scope(&args)
	f, t := arg(&args, ms(from)), arg(&args, ms(to))
	at := "CASE WHEN d.currency = " + arg(&args, base) + " THEN 0 ELSE d.closed_at END"
	rows, err := s.r().QueryContext(ctx, `SELECT d.lost_reason, COALESCE(d.lost_to_id, 0), d.currency, `+at+`, COUNT(*),
		COALESCE(SUM(d.amount), 0) FROM deals d `+where+` AND d.won_at IS NULL AND d.closed_at >= `+f+` AND d.closed_at < `+t+`
		GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []LostGroup
	for rows.Next() {
		var g LostGroup
		var at int64
		if err := rows.Scan(&g.Reason, &g.LostToID, &g.Currency, &at, &g.Count, &g.Amount); err != nil {
			return nil, err
		}
		g.At = fromMS(at)
		out = append(out, g)
	}
	return out, rows.Err()
}
