package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"renkei/internal/crm"
)

// Settings are small JSON documents under a key ("workspace", "smtp"), each
// with a version for optimistic concurrency.

// Setting reads a settings document into v and returns its version. A
// missing key returns crm.ErrNotFound.
func (s *Store) Setting(ctx context.Context, key string, v any) (version int64, err error) {
	var raw string
	err = s.r().QueryRowContext(ctx, "SELECT value, version FROM settings WHERE key = $1", key).Scan(&raw, &version)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, crm.ErrNotFound
	}
	if err != nil {
		return 0, err
	}
	if err := json.Unmarshal([]byte(raw), v); err != nil {
		return 0, fmt.Errorf("settings %s: %w", key, err)
	}
	return version, nil
}

// PutSetting writes a settings document when the stored version equals
// version (0 = the key must not exist yet) and returns the new version.
func (tx *Tx) PutSetting(ctx context.Context, key string, v any, version int64, now time.Time) (int64, error) {
	raw, err := json.Marshal(v)
	if err != nil {
		return 0, err
	}
	if version == 0 {
		_, err := tx.q().ExecContext(ctx, "INSERT INTO settings (key, value, version, updated_at) VALUES ($1, $2, 1, $3)",
			key, string(raw), ms(now))
		if err != nil {
			if errors.Is(tx.s.d.mapError(err), crm.ErrConflict) {
				return 0, crm.ErrStale
			}
			return 0, err
		}
		return 1, nil
	}
	res, err := tx.q().ExecContext(ctx, "UPDATE settings SET value = $1, version = version + 1, updated_at = $2 WHERE key = $3 AND version = $4",
		string(raw), ms(now), key, version)
	if err != nil {
		return 0, err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return 0, crm.ErrStale
	}
	return version + 1, nil
}

// ExchangeRates lists all entered rates, newest first per currency.
func (s *Store) ExchangeRates(ctx context.Context) ([]crm.ExchangeRate, error) {
	rows, err := s.r().QueryContext(ctx, "SELECT id, currency, rate, valid_from FROM exchange_rates ORDER BY currency, valid_from DESC")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []crm.ExchangeRate
	for rows.Next() {
		var r crm.ExchangeRate
		var from int64
		if err := rows.Scan(&r.ID, &r.Currency, &r.Rate, &from); err != nil {
			return nil, err
		}
		r.ValidFrom = fromMS(from)
		out = append(out, r)
	}
	return out, rows.Err()
}

// PutExchangeRate inserts or replaces the rate of a currency from a date.
func (tx *Tx) PutExchangeRate(ctx context.Context, r *crm.ExchangeRate) error {
	return tx.q().QueryRowContext(ctx, `INSERT INTO exchange_rates (currency, rate, valid_from) VALUES ($1, $2, $3)
		ON CONFLICT (currency, valid_from) DO UPDATE SET rate = excluded.rate RETURNING id`,
		r.Currency, r.Rate, ms(r.ValidFrom)).Scan(&r.ID)
}

// DeleteExchangeRate removes one rate.
func (tx *Tx) DeleteExchangeRate(ctx context.Context, id int64) error {
	res, err := tx.q().ExecContext(ctx, "DELETE FROM exchange_rates WHERE id = $1", id)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return crm.ErrNotFound
	}
	return nil
}

// AuditEntry is one line of the audit log.
type AuditEntry struct {
	ID      int64
	At      time.Time
	UserID  int64 // 0 for the system or an anonymous actor
	Actor   string
	Action  string // e.g. login.ok, login.failed, user.invite, settings.update
	Target  string
	Details string
	IP      string
}

// Audit appends an entry inside the transaction that made the change.
func (tx *Tx) Audit(ctx context.Context, e AuditEntry) error {
	return audit(ctx, tx.q(), e)
}

// Audit appends an entry on its own (sign-in attempts).
func (s *Store) Audit(ctx context.Context, e AuditEntry) error {
	return audit(ctx, s.w(), e)
}

func audit(ctx context.Context, q querier, e AuditEntry) error {
	var uid sql.NullInt64
	if e.UserID != 0 {
		uid = sql.NullInt64{Int64: e.UserID, Valid: true}
	}
	_, err := q.ExecContext(ctx, `INSERT INTO audit_log (at, user_id, actor, action, target, details, ip)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`, ms(e.At), uid, e.Actor, e.Action, e.Target, e.Details, e.IP)
	return err
}

// AuditFilter narrows ListAudit.
type AuditFilter struct {
	Action   string // prefix match, e.g. "login"
	UserID   int64
	BeforeID int64 // cursor: entries older than this id
	Limit    int
}

// ListAudit returns entries newest first.
func (s *Store) ListAudit(ctx context.Context, f AuditFilter) ([]AuditEntry, error) {
	limit := f.Limit
	if limit <= 0 || limit > 500 {
		limit = 100
	}
	before := f.BeforeID
	if before <= 0 {
		before = 1 << 62
	}
	rows, err := s.r().QueryContext(ctx, fmt.Sprintf(`SELECT id, at, COALESCE(user_id, 0), actor, action, target, details, ip
		FROM audit_log WHERE id < $1 AND ($2 = '' OR action LIKE $2 || '%%') AND ($3 = 0 OR user_id = $3)
		ORDER BY id DESC LIMIT %d`, limit), before, f.Action, f.UserID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []AuditEntry
	for rows.Next() {
		var e AuditEntry
		var at int64
		if err := rows.Scan(&e.ID, &at, &e.UserID, &e.Actor, &e.Action, &e.Target, &e.Details, &e.IP); err != nil {
			return nil, err
		}
		e.At = fromMS(at)
		out = append(out, e)
	}
	return out, rows.Err()
}
