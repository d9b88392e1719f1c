package store

import (
	"context"
	"database/sql"
	"errors"
	"time"
)

// RecentFormOptIn reports whether a contact has an unconfirmed opt-in
// created at or after since (its confirmation mail went out recently).
func (tx *Tx) RecentFormOptIn(ctx context.Context, contactID int64, since time.Time) (bool, error) {
	var one int
	err := tx.q().QueryRowContext(ctx, `SELECT 1 FROM form_optins
		WHERE contact_id = $1 AND confirmed_at IS NULL AND created_at >= $2 LIMIT 1`, contactID, ms(since)).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return err == nil, err
}
