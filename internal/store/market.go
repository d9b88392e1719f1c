package store

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"renkei/internal/crm"
)

const marketCols = `id, COALESCE(segment_id, 0), period, amount, note, COALESCE(created_by, 0), created_at, updated_at`

func scanMarketSize(sc interface{ Scan(...any) error }) (crm.MarketSize, error) {
	var m crm.MarketSize
	var created, updated int64
	err := sc.Scan(&m.ID, &m.SegmentID, &m.Period, &m.Amount, &m.Note, &m.CreatedBy, &created, &updated)
	if errors.Is(err, sql.ErrNoRows) {
		return m, crm.ErrNotFound
	}
	m.CreatedAt, m.UpdatedAt = fromMS(created), fromMS(updated)
	return m, err
}

// MarketSizes lists the market sizes, newest period first.
func (s *Store) MarketSizes(ctx context.Context) ([]crm.MarketSize, error) {
	rows, err := s.r().QueryContext(ctx, `SELECT `+marketCols+` FROM market_sizes ORDER BY period DESC, COALESCE(segment_id, 0), id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []crm.MarketSize
	for rows.Next() {
		m, err := scanMarketSize(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// MarketSize returns one market size.
func (tx *Tx) MarketSize(ctx context.Context, id int64) (crm.MarketSize, error) {
	return scanMarketSize(tx.q().QueryRowContext(ctx, `SELECT `+marketCols+` FROM market_sizes WHERE id = $1`, id))
}

// PutMarketSize stores the size of a segment's (or the whole) market in a
// period, replacing an earlier figure for the same segment and period.
func (tx *Tx) PutMarketSize(ctx context.Context, m *crm.MarketSize, now time.Time) error {
	var id int64
	err := tx.q().QueryRowContext(ctx, `SELECT id FROM market_sizes WHERE COALESCE(segment_id, 0) = $1 AND period = $2`,
		m.SegmentID, m.Period).Scan(&id)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		m.CreatedAt, m.UpdatedAt = now, now
		return tx.q().QueryRowContext(ctx, `INSERT INTO market_sizes (segment_id, period, amount, note, created_by, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING id`, nullID(m.SegmentID), m.Period, m.Amount, m.Note, nullID(m.CreatedBy), ms(now)).Scan(&m.ID)
	case err != nil:
		return err
	}
	m.ID, m.UpdatedAt = id, now
	_, err = tx.q().ExecContext(ctx, `UPDATE market_sizes SET amount = $1, note = $2, updated_at = $3 WHERE id = $4`,
		m.Amount, m.Note, ms(now), id)
	return err
}

// DeleteMarketSize removes a market size.
func (tx *Tx) DeleteMarketSize(ctx context.Context, id int64) error {
	res, err := tx.q().ExecContext(ctx, `DELETE FROM market_sizes WHERE id = $1`, id)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return crm.ErrNotFound
	}
	return nil
}

// WonAmounts returns the deals of q won in [from, to).
func (s *Store) WonAmounts(ctx context.Context, q DealQuery, from, to time.Time) ([]WonAmount, error) {
	var args []any
	where := q.scope(&args)
	rows, err := s.r().QueryContext(ctx, `SELECT COALESCE(d.contact_id, 0), d.amount, d.currency, d.won_at FROM deals d `+where+
		` AND d.won_at >= `+arg(&args, ms(from))+` AND d.won_at < `+arg(&args, ms(to)), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []WonAmount
	for rows.Next() {
		var w WonAmount
		var at int64
		if err := rows.Scan(&w.ContactID, &w.Amount, &w.Currency, &at); err != nil {
			return nil, err
		}
		w.WonAt = fromMS(at)
		out = append(out, w)
	}
	return out, rows.Err()
}

// SegmentHasAny returns which of the contacts ids are in segment g now.
func (s *Store) SegmentHasAny(ctx context.Context, g crm.Segment, env SegmentEnv, ids []int64) (map[int64]bool, error) {
	out := map[int64]bool{}
	for len(ids) > 0 {
		chunk := ids[:min(len(ids), 500)]
		ids = ids[len(chunk):]
		a := &sqlArgs{}
		where, err := compileSegment(s.d, a, g, env)
		if err != nil {
			return nil, err
		}
		// The ids must drive the query. PostgreSQL does that with an IN
		// list (and hashes a VALUES list against a scan of every contact);
		// SQLite starts from an index the segment's conditions suggest,
		// which reads a large part of the contacts for each chunk, unless a
		// CROSS JOIN fixes the order.
		q := "SELECT c.id FROM contacts c WHERE c.id IN (" + idList(chunk) + ") AND " + where
		if s.d == sqlite {
			q = "WITH ids (id) AS (VALUES (" + strings.ReplaceAll(idList(chunk), ",", "),(") +
				")) SELECT c.id FROM ids CROSS JOIN contacts c WHERE c.id = ids.id AND " + where
		}
		rows, err := s.r().QueryContext(ctx, q, a.vals...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return nil, err
			}
			out[id] = true
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}
