package store

import (
	"context"
	"database/sql"
)

// Exec runs a raw statement in the transaction (tests only).
func (tx *Tx) Exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return tx.q().ExecContext(ctx, query, args...)
}
