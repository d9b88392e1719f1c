package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"renkei/internal/crm"
)

const userCols = `id, email, name, role, status, language, totp_enabled, created_at, updated_at, last_login_at, version`

func scanUser(sc interface{ Scan(...any) error }) (crm.User, error) {
	var u crm.User
	var role, status, lang string
	var created, updated int64
	var lastLogin sql.NullInt64
	err := sc.Scan(&u.ID, &u.Email, &u.Name, &role, &status, &lang, &u.TOTPEnabled, &created, &updated, &lastLogin, &u.Version)
	if errors.Is(err, sql.ErrNoRows) {
		return u, crm.ErrNotFound
	}
	if err != nil {
		return u, err
	}
	u.Role, u.Status, u.Language = crm.Role(role), crm.UserStatus(status), crm.Language(lang)
	u.CreatedAt, u.UpdatedAt, u.LastLoginAt = fromMS(created), fromMS(updated), fromNullMS(lastLogin)
	return u, nil
}

// CountUsers returns how many accounts exist (0 means first run).
func (s *Store) CountUsers(ctx context.Context) (int, error) {
	var n int
	err := s.r().QueryRowContext(ctx, "SELECT COUNT(*) FROM users").Scan(&n)
	return n, err
}

// CreateUser inserts a user; the email must be normalised. A taken email
// returns crm.ErrConflict.
func (tx *Tx) CreateUser(ctx context.Context, u *crm.User, passwordHash string, now time.Time) error {
	err := tx.q().QueryRowContext(ctx, `INSERT INTO users
		(email, name, role, status, language, password_hash, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING id, version`,
		u.Email, u.Name, string(u.Role), string(u.Status), string(u.Language), passwordHash, ms(now)).Scan(&u.ID, &u.Version)
	if err != nil {
		return tx.s.d.mapError(err)
	}
	u.CreatedAt, u.UpdatedAt = now.UTC().Truncate(time.Millisecond), now.UTC().Truncate(time.Millisecond)
	return nil
}

// User returns one user with their team memberships.
func (s *Store) User(ctx context.Context, id int64) (crm.User, error) {
	return s.userWhere(ctx, s.r(), "id = $1", id)
}

// UserByEmail finds a user by normalised email.
func (s *Store) UserByEmail(ctx context.Context, email string) (crm.User, error) {
	return s.userWhere(ctx, s.r(), "email = $1", email)
}

// User reads a user inside a write transaction.
func (tx *Tx) User(ctx context.Context, id int64) (crm.User, error) {
	return tx.s.userWhere(ctx, tx.q(), "id = $1", id)
}

func (s *Store) userWhere(ctx context.Context, q querier, where string, arg any) (crm.User, error) {
	u, err := scanUser(q.QueryRowContext(ctx, "SELECT "+userCols+" FROM users WHERE "+where, arg))
	if err != nil {
		return u, err
	}
	u.Teams, err = s.memberships(ctx, q, u.ID)
	return u, err
}

func (s *Store) memberships(ctx context.Context, q querier, userID int64) ([]crm.TeamMembership, error) {
	rows, err := q.QueryContext(ctx, `SELECT t.id, t.name, m.is_manager FROM team_members m
		JOIN teams t ON t.id = m.team_id WHERE m.user_id = $1 ORDER BY t.name`, userID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []crm.TeamMembership
	for rows.Next() {
		var m crm.TeamMembership
		if err := rows.Scan(&m.TeamID, &m.TeamName, &m.IsManager); err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// PasswordHash returns the stored hash and TOTP secret of a user.
func (s *Store) PasswordHash(ctx context.Context, userID int64) (hash, totpSecret string, err error) {
	err = s.w().QueryRowContext(ctx, "SELECT password_hash, totp_secret FROM users WHERE id = $1", userID).Scan(&hash, &totpSecret)
	if errors.Is(err, sql.ErrNoRows) {
		err = crm.ErrNotFound
	}
	return hash, totpSecret, err
}

// UserFilter narrows ListUsers.
type UserFilter struct {
	Status  crm.UserStatus // "" = any
	Role    crm.Role       // "" = any
	AfterID int64          // cursor: users with a larger id
	Limit   int            // 0 = 100
}

// ListUsers returns users ordered by id.
func (s *Store) ListUsers(ctx context.Context, f UserFilter) ([]crm.User, error) {
	var where []string
	var args []any
	add := func(cond string, v any) {
		args = append(args, v)
		where = append(where, fmt.Sprintf(cond, len(args)))
	}
	add("id > $%d", f.AfterID)
	if f.Status != "" {
		add("status = $%d", string(f.Status))
	}
	if f.Role != "" {
		add("role = $%d", string(f.Role))
	}
	limit := f.Limit
	if limit <= 0 || limit > 500 {
		limit = 100
	}
	rows, err := s.r().QueryContext(ctx, "SELECT "+userCols+" FROM users WHERE "+strings.Join(where, " AND ")+
		fmt.Sprintf(" ORDER BY id LIMIT %d", limit), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []crm.User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for i := range out {
		if out[i].Teams, err = s.memberships(ctx, s.r(), out[i].ID); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// UpdateUser writes name, role, status and language when the stored version
// equals u.Version, and bumps the version. A stale version returns
// crm.ErrStale.
func (tx *Tx) UpdateUser(ctx context.Context, u *crm.User, now time.Time) error {
	res, err := tx.q().ExecContext(ctx, `UPDATE users SET name = $1, role = $2, status = $3, language = $4,
		updated_at = $5, version = version + 1 WHERE id = $6 AND version = $7`,
		u.Name, string(u.Role), string(u.Status), string(u.Language), ms(now), u.ID, u.Version)
	if err != nil {
		return tx.s.d.mapError(err)
	}
	if err := staleOrMissing(ctx, tx, res, "users", u.ID); err != nil {
		return err
	}
	u.Version++
	u.UpdatedAt = now
	return nil
}

// staleOrMissing turns "no row updated" into ErrNotFound or ErrStale.
func staleOrMissing(ctx context.Context, tx *Tx, res sql.Result, table string, id int64) error {
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n > 0 {
		return nil
	}
	var one int
	err = tx.q().QueryRowContext(ctx, "SELECT 1 FROM "+table+" WHERE id = $1", id).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return crm.ErrNotFound
	}
	if err != nil {
		return err
	}
	return crm.ErrStale
}

// SetPassword stores a new hash, activates an invited user, and bumps the
// version.
func (tx *Tx) SetPassword(ctx context.Context, userID int64, hash string, now time.Time) error {
	res, err := tx.q().ExecContext(ctx, `UPDATE users SET password_hash = $1, updated_at = $2, version = version + 1,
		status = CASE WHEN status = 'invited' THEN 'active' ELSE status END WHERE id = $3`, hash, ms(now), userID)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return crm.ErrNotFound
	}
	return nil
}

// SetTOTP stores (or clears, with "") the TOTP secret and its enabled flag.
func (tx *Tx) SetTOTP(ctx context.Context, userID int64, secret string, enabled bool, now time.Time) error {
	_, err := tx.q().ExecContext(ctx, `UPDATE users SET totp_secret = $1, totp_enabled = $2, updated_at = $3,
		version = version + 1 WHERE id = $4`, secret, enabled, ms(now), userID)
	return err
}

// TouchLogin records a successful sign-in.
func (tx *Tx) TouchLogin(ctx context.Context, userID int64, now time.Time) error {
	_, err := tx.q().ExecContext(ctx, "UPDATE users SET last_login_at = $1 WHERE id = $2", ms(now), userID)
	return err
}

// CountActiveAdmins counts active admins, to keep the last one from being
// demoted or deactivated.
func (tx *Tx) CountActiveAdmins(ctx context.Context) (int, error) {
	var n int
	err := tx.q().QueryRowContext(ctx, "SELECT COUNT(*) FROM users WHERE role = 'admin' AND status = 'active'").Scan(&n)
	return n, err
}

// CountUsersTx counts users inside a write transaction (first-run setup).
func (tx *Tx) CountUsersTx(ctx context.Context) (int, error) {
	var n int
	err := tx.q().QueryRowContext(ctx, "SELECT COUNT(*) FROM users").Scan(&n)
	return n, err
}
