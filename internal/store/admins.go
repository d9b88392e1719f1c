package store

import "context"

// LockActiveAdmins returns how many active admins there are and, on
// PostgreSQL, locks their rows until the transaction ends. Two transactions
// that each demote or deactivate a different admin then run one after the
// other, so a race cannot remove the last active admin. (SQLite's single
// writer serialises write transactions already.)
func (tx *Tx) LockActiveAdmins(ctx context.Context) (int, error) {
	q := "SELECT id FROM users WHERE role = 'admin' AND status = 'active' ORDER BY id"
	if tx.s.d == postgres {
		q += " FOR UPDATE"
	}
	rows, err := tx.q().QueryContext(ctx, q)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		n++
	}
	return n, rows.Err()
}
