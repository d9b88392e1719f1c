package store

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"strings"
	"time"

	"renkei/internal/crm"
)

// ---- sales targets ----

const targetCols = `id, period_kind, period_key, scope, scope_id, amount, percent, COALESCE(created_by, 0),
	created_at, updated_at, version`

func scanTarget(sc interface{ Scan(...any) error }) (crm.Target, error) {
	var t crm.Target
	var created, updated int64
	err := sc.Scan(&t.ID, &t.Kind, &t.PeriodKey, &t.Scope, &t.ScopeID, &t.Amount, &t.Percent, &t.CreatedBy,
		&created, &updated, &t.Version)
	if errors.Is(err, sql.ErrNoRows) {
		return t, crm.ErrNotFound
	}
	t.CreatedAt, t.UpdatedAt = fromMS(created), fromMS(updated)
	return t, err
}

// TargetQuery selects targets: by period keys (any of them; none = all),
// scope and scope id (0 = any).
type TargetQuery struct {
	Keys    []string
	Scope   crm.TargetScope
	ScopeID int64
}

// Targets lists the targets matching q by period, scope and scope id.
func (s *Store) Targets(ctx context.Context, q TargetQuery) ([]crm.Target, error) {
	var args []any
	var w []string
	add := func(x any) string {
		args = append(args, x)
		return "$" + strconv.Itoa(len(args))
	}
	if len(q.Keys) > 0 {
		ph := make([]string, len(q.Keys))
		for i, k := range q.Keys {
			ph[i] = add(k)
		}
		w = append(w, "period_key IN ("+strings.Join(ph, ", ")+")")
	}
	if q.Scope != "" {
		w = append(w, "scope = "+add(string(q.Scope)))
	}
	if q.ScopeID != 0 {
		w = append(w, "scope_id = "+add(q.ScopeID))
	}
	where := ""
	if len(w) > 0 {
		where = " WHERE " + strings.Join(w, " AND ")
	}
	rows, err := s.r().QueryContext(ctx, "SELECT "+targetCols+" FROM sales_targets"+where+
		" ORDER BY period_key, CASE scope WHEN 'workspace' THEN 0 WHEN 'team' THEN 1 ELSE 2 END, scope_id", args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []crm.Target
	for rows.Next() {
		t, err := scanTarget(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// Target returns one target.
func (s *Store) Target(ctx context.Context, id int64) (crm.Target, error) {
	return scanTarget(s.r().QueryRowContext(ctx, "SELECT "+targetCols+" FROM sales_targets WHERE id = $1", id))
}

// Target reads a target inside a write transaction.
func (tx *Tx) Target(ctx context.Context, id int64) (crm.Target, error) {
	return scanTarget(tx.q().QueryRowContext(ctx, "SELECT "+targetCols+" FROM sales_targets WHERE id = $1", id))
}

// CreateTarget inserts a target; one for the same period and scope exists
// already: crm.ErrConflict.
func (tx *Tx) CreateTarget(ctx context.Context, t *crm.Target, now time.Time) error {
	err := tx.q().QueryRowContext(ctx, `INSERT INTO sales_targets (period_kind, period_key, scope, scope_id, amount,
		percent, created_by, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) RETURNING id, version`,
		string(t.Kind), t.PeriodKey, string(t.Scope), t.ScopeID, t.Amount, t.Percent, nullID(t.CreatedBy), ms(now)).
		Scan(&t.ID, &t.Version)
	if err != nil {
		return tx.s.d.mapError(err)
	}
	t.CreatedAt, t.UpdatedAt = now, now
	return nil
}

// UpdateTarget changes a target's amount or percentage when the version
// matches (its period and scope stay).
func (tx *Tx) UpdateTarget(ctx context.Context, t *crm.Target, now time.Time) error {
	res, err := tx.q().ExecContext(ctx, `UPDATE sales_targets SET amount = $1, percent = $2, updated_at = $3,
		version = version + 1 WHERE id = $4 AND version = $5`, t.Amount, t.Percent, ms(now), t.ID, t.Version)
	if err != nil {
		return tx.s.d.mapError(err)
	}
	if err := staleOrMissing(ctx, tx, res, "sales_targets", t.ID); err != nil {
		return err
	}
	t.Version++
	t.UpdatedAt = now
	return nil
}

// DeleteTarget removes a target.
func (tx *Tx) DeleteTarget(ctx context.Context, id int64) error {
	res, err := tx.q().ExecContext(ctx, "DELETE FROM sales_targets WHERE id = $1", id)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return crm.ErrNotFound
	}
	return nil
}

// TargetDeal is what attainment and the forecast need of a deal.
type TargetDeal struct {
	ID          int64
	OwnerID     int64
	TeamID      int64
	Amount      int64
	Currency    string
	WonAt       time.Time // zero for open deals
	CloseDate   string
	Probability int // the stage's
	Forecast    crm.ForecastCategory
}

// TargetDeals returns the deals won in [wonFrom, wonBefore) and the open
// deals expected to close in [closeFrom, closeBefore) (dates YYYY-MM-DD),
// in one list. Visibility is left to the caller: a target's attainment
// counts every deal of its scope.
func (s *Store) TargetDeals(ctx context.Context, wonFrom, wonBefore time.Time, closeFrom, closeBefore string) ([]TargetDeal, error) {
	rows, err := s.r().QueryContext(ctx, `SELECT d.id, COALESCE(d.owner_id, 0), COALESCE(d.team_id, 0), d.amount, d.currency,
			d.won_at, d.close_date, st.probability, d.forecast_category
		FROM deals d JOIN pipeline_stages st ON st.id = d.stage_id
		WHERE d.won_at >= $1 AND d.won_at < $2
		UNION ALL
		SELECT d.id, COALESCE(d.owner_id, 0), COALESCE(d.team_id, 0), d.amount, d.currency,
			d.won_at, d.close_date, st.probability, d.forecast_category
		FROM deals d JOIN pipeline_stages st ON st.id = d.stage_id
		WHERE d.close_date >= $3 AND d.close_date < $4 AND d.close_date <> '' AND d.closed_at IS NULL`,
		ms(wonFrom), ms(wonBefore), closeFrom, closeBefore)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []TargetDeal
	for rows.Next() {
		var d TargetDeal
		var won sql.NullInt64
		if err := rows.Scan(&d.ID, &d.OwnerID, &d.TeamID, &d.Amount, &d.Currency, &won, &d.CloseDate,
			&d.Probability, &d.Forecast); err != nil {
			return nil, err
		}
		d.WonAt = fromNullMS(won)
		out = append(out, d)
	}
	return out, rows.Err()
}
