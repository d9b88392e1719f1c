package store

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"renkei/internal/crm"
)

// Session is a signed-in browser.
type Session struct {
	ID         int64
	UserID     int64
	MFAPending bool // password checked, second factor not yet
	CreatedAt  time.Time
	LastSeenAt time.Time
	ExpiresAt  time.Time
	IP         string
	UserAgent  string
}

// CreateSession stores a session under the hash of its token.
func (tx *Tx) CreateSession(ctx context.Context, tokenHash string, sess *Session) error {
	return tx.q().QueryRowContext(ctx, `INSERT INTO sessions
		(token_hash, user_id, mfa_pending, created_at, last_seen_at, expires_at, ip, user_agent)
		VALUES ($1, $2, $3, $4, $4, $5, $6, $7) RETURNING id`,
		tokenHash, sess.UserID, sess.MFAPending, ms(sess.CreatedAt), ms(sess.ExpiresAt), sess.IP, sess.UserAgent).Scan(&sess.ID)
}

// SessionByHash finds a live session; expired ones are not found.
func (s *Store) SessionByHash(ctx context.Context, tokenHash string, now time.Time) (Session, error) {
	var sess Session
	var created, seen, exp int64
	err := s.r().QueryRowContext(ctx, `SELECT id, user_id, mfa_pending, created_at, last_seen_at, expires_at, ip, user_agent
		FROM sessions WHERE token_hash = $1 AND expires_at > $2`, tokenHash, ms(now)).
		Scan(&sess.ID, &sess.UserID, &sess.MFAPending, &created, &seen, &exp, &sess.IP, &sess.UserAgent)
	if errors.Is(err, sql.ErrNoRows) {
		return sess, crm.ErrNotFound
	}
	sess.CreatedAt, sess.LastSeenAt, sess.ExpiresAt = fromMS(created), fromMS(seen), fromMS(exp)
	return sess, err
}

// TouchSession extends a session's expiry (sliding window).
func (s *Store) TouchSession(ctx context.Context, id int64, now, expires time.Time) error {
	_, err := s.w().ExecContext(ctx, "UPDATE sessions SET last_seen_at = $1, expires_at = $2 WHERE id = $3", ms(now), ms(expires), id)
	return err
}

// CompleteMFA marks a session's second factor as passed.
func (tx *Tx) CompleteMFA(ctx context.Context, id int64) error {
	_, err := tx.q().ExecContext(ctx, "UPDATE sessions SET mfa_pending = FALSE WHERE id = $1", id)
	return err
}

// DeleteSession signs one session out.
func (tx *Tx) DeleteSession(ctx context.Context, id int64) error {
	_, err := tx.q().ExecContext(ctx, "DELETE FROM sessions WHERE id = $1", id)
	return err
}

// DeleteUserSessions revokes every session of a user except keepID (0 = all).
func (tx *Tx) DeleteUserSessions(ctx context.Context, userID, keepID int64) error {
	_, err := tx.q().ExecContext(ctx, "DELETE FROM sessions WHERE user_id = $1 AND id <> $2", userID, keepID)
	return err
}

// DeleteExpiredSessions removes sessions past their expiry.
func (s *Store) DeleteExpiredSessions(ctx context.Context, now time.Time) (int64, error) {
	res, err := s.w().ExecContext(ctx, "DELETE FROM sessions WHERE expires_at <= $1", ms(now))
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// APIToken is a bearer token's record; the secret itself is never stored.
type APIToken struct {
	ID         int64
	UserID     int64
	UserEmail  string
	Name       string
	Prefix     string // first characters, to recognise a token in the UI
	CreatedAt  time.Time
	LastUsedAt time.Time
	RevokedAt  time.Time
}

// CreateAPIToken stores a token hash.
func (tx *Tx) CreateAPIToken(ctx context.Context, tokenHash string, t *APIToken) error {
	return tx.q().QueryRowContext(ctx, `INSERT INTO api_tokens (user_id, name, token_hash, prefix, created_at)
		VALUES ($1, $2, $3, $4, $5) RETURNING id`, t.UserID, t.Name, tokenHash, t.Prefix, ms(t.CreatedAt)).Scan(&t.ID)
}

// APITokenByHash finds a token that is not revoked.
func (s *Store) APITokenByHash(ctx context.Context, tokenHash string) (APIToken, error) {
	rows, err := s.listTokens(ctx, "t.token_hash = $1 AND t.revoked_at IS NULL", tokenHash)
	if err != nil {
		return APIToken{}, err
	}
	if len(rows) == 0 {
		return APIToken{}, crm.ErrNotFound
	}
	return rows[0], nil
}

// APIToken returns one token by id.
func (s *Store) APIToken(ctx context.Context, id int64) (APIToken, error) {
	rows, err := s.listTokens(ctx, "t.id = $1", id)
	if err != nil {
		return APIToken{}, err
	}
	if len(rows) == 0 {
		return APIToken{}, crm.ErrNotFound
	}
	return rows[0], nil
}

// ListAPITokens lists tokens of one user, or of everyone with userID 0.
func (s *Store) ListAPITokens(ctx context.Context, userID int64) ([]APIToken, error) {
	if userID == 0 {
		return s.listTokens(ctx, "$1 = 0", 0)
	}
	return s.listTokens(ctx, "t.user_id = $1", userID)
}

func (s *Store) listTokens(ctx context.Context, where string, arg any) ([]APIToken, error) {
	rows, err := s.r().QueryContext(ctx, `SELECT t.id, t.user_id, u.email, t.name, t.prefix, t.created_at, t.last_used_at, t.revoked_at
		FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE `+where+` ORDER BY t.id DESC`, arg)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []APIToken
	for rows.Next() {
		var t APIToken
		var created int64
		var used, revoked sql.NullInt64
		if err := rows.Scan(&t.ID, &t.UserID, &t.UserEmail, &t.Name, &t.Prefix, &created, &used, &revoked); err != nil {
			return nil, err
		}
		t.CreatedAt, t.LastUsedAt, t.RevokedAt = fromMS(created), fromNullMS(used), fromNullMS(revoked)
		out = append(out, t)
	}
	return out, rows.Err()
}

// TouchAPIToken records use, at most once a minute to spare the writer.
func (s *Store) TouchAPIToken(ctx context.Context, id int64, now time.Time) error {
	_, err := s.w().ExecContext(ctx, `UPDATE api_tokens SET last_used_at = $1
		WHERE id = $2 AND (last_used_at IS NULL OR last_used_at < $3)`, ms(now), id, ms(now.Add(-time.Minute)))
	return err
}

// RevokeAPIToken marks a token revoked.
func (tx *Tx) RevokeAPIToken(ctx context.Context, id int64, now time.Time) error {
	res, err := tx.q().ExecContext(ctx, "UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL", ms(now), id)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return crm.ErrNotFound
	}
	return nil
}

// Kinds of one-time user tokens.
const (
	TokenInvite = "invite"
	TokenReset  = "reset"
)

// CreateUserToken stores a one-time link token, replacing older unused ones
// of the same kind for that user.
func (tx *Tx) CreateUserToken(ctx context.Context, userID int64, kind, tokenHash string, now, expires time.Time) error {
	if _, err := tx.q().ExecContext(ctx, "DELETE FROM user_tokens WHERE user_id = $1 AND kind = $2 AND used_at IS NULL", userID, kind); err != nil {
		return err
	}
	_, err := tx.q().ExecContext(ctx, `INSERT INTO user_tokens (user_id, kind, token_hash, created_at, expires_at)
		VALUES ($1, $2, $3, $4, $5)`, userID, kind, tokenHash, ms(now), ms(expires))
	return err
}

// UseUserToken consumes a live one-time token and returns its user. A used,
// expired or unknown token returns crm.ErrNotFound.
func (tx *Tx) UseUserToken(ctx context.Context, kind, tokenHash string, now time.Time) (int64, error) {
	var userID int64
	err := tx.q().QueryRowContext(ctx, `UPDATE user_tokens SET used_at = $1
		WHERE kind = $2 AND token_hash = $3 AND used_at IS NULL AND expires_at > $1 RETURNING user_id`,
		ms(now), kind, tokenHash).Scan(&userID)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, crm.ErrNotFound
	}
	return userID, err
}

// PeekUserToken checks a token without consuming it (to show the form).
func (s *Store) PeekUserToken(ctx context.Context, kind, tokenHash string, now time.Time) (int64, error) {
	var userID int64
	err := s.r().QueryRowContext(ctx, `SELECT user_id FROM user_tokens
		WHERE kind = $1 AND token_hash = $2 AND used_at IS NULL AND expires_at > $3`, kind, tokenHash, ms(now)).Scan(&userID)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, crm.ErrNotFound
	}
	return userID, err
}

// LoginAttempt is the failure record of one throttling key.
type LoginAttempt struct {
	Failures      int
	LastFailureAt time.Time
	BlockedUntil  time.Time
}

// LoginAttempt reads the record for a key; a missing key is a zero record.
func (s *Store) LoginAttempt(ctx context.Context, key string) (LoginAttempt, error) {
	var a LoginAttempt
	var last, blocked int64
	err := s.w().QueryRowContext(ctx, "SELECT failures, last_failure_at, blocked_until FROM login_attempts WHERE key = $1", key).
		Scan(&a.Failures, &last, &blocked)
	if errors.Is(err, sql.ErrNoRows) {
		return a, nil
	}
	a.LastFailureAt, a.BlockedUntil = fromMS(last), fromMS(blocked)
	return a, err
}

// SetLoginAttempt writes the record for a key.
func (s *Store) SetLoginAttempt(ctx context.Context, key string, a LoginAttempt) error {
	_, err := s.w().ExecContext(ctx, `INSERT INTO login_attempts (key, failures, last_failure_at, blocked_until)
		VALUES ($1, $2, $3, $4) ON CONFLICT (key) DO UPDATE SET failures = excluded.failures,
		last_failure_at = excluded.last_failure_at, blocked_until = excluded.blocked_until`,
		key, a.Failures, ms(a.LastFailureAt), ms(a.BlockedUntil))
	return err
}

// ClearLoginAttempt forgets a key's failures (after a good sign-in).
func (s *Store) ClearLoginAttempt(ctx context.Context, key string) error {
	_, err := s.w().ExecContext(ctx, "DELETE FROM login_attempts WHERE key = $1", key)
	return err
}
