package store

import (
	"context"
	"time"
)

// UpdateLoginAttempt reads the record of a throttling key, passes it to fn
// and stores what fn returns, all in one transaction that holds the key's
// row: concurrent callers for one key run one after the other, so no
// failure is lost and a burst of parallel attempts cannot all see the key
// unblocked. A missing key starts as a zero record. It returns the stored
// record.
func (s *Store) UpdateLoginAttempt(ctx context.Context, key string, fn func(LoginAttempt) LoginAttempt) (LoginAttempt, error) {
	var out LoginAttempt
	err := s.InTx(ctx, func(tx *Tx) error {
		if _, err := tx.q().ExecContext(ctx, `INSERT INTO login_attempts (key, failures, last_failure_at, blocked_until)
			VALUES ($1, 0, 0, 0) ON CONFLICT (key) DO NOTHING`, key); err != nil {
			return err
		}
		lock := "" // SQLite: the write transaction is exclusive already
		if s.d == postgres {
			lock = " FOR UPDATE"
		}
		var a LoginAttempt
		var last, blocked int64
		if err := tx.q().QueryRowContext(ctx, "SELECT failures, last_failure_at, blocked_until FROM login_attempts WHERE key = $1"+lock, key).
			Scan(&a.Failures, &last, &blocked); err != nil {
			return err
		}
		a.LastFailureAt, a.BlockedUntil = fromMS(last), fromMS(blocked)
		out = fn(a)
		out.LastFailureAt, out.BlockedUntil = out.LastFailureAt.UTC().Truncate(time.Millisecond), out.BlockedUntil.UTC().Truncate(time.Millisecond)
		_, err := tx.q().ExecContext(ctx, "UPDATE login_attempts SET failures = $1, last_failure_at = $2, blocked_until = $3 WHERE key = $4",
			out.Failures, ms(out.LastFailureAt), ms(out.BlockedUntil), key)
		return err
	})
	return out, err
}
