package app

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"renkei/internal/crm"
	"renkei/internal/store"
)

// Session lifetimes.
const (
	SessionIdle    = 14 * 24 * time.Hour // sliding expiry
	mfaWindow      = 10 * time.Minute    // to enter the second factor
	inviteLifetime = 7 * 24 * time.Hour
	resetLifetime  = time.Hour
)

// Login throttling: after freeFailures failures for a key, each further
// attempt must wait 2^(n-freeFailures) seconds, at most maxBlock. Failures
// older than failureMemory are forgotten. The real user is therefore slowed
// for minutes at most, never locked out for good.
const (
	freeFailuresEmail = 5
	freeFailuresIP    = 20
	maxBlock          = 15 * time.Minute
	failureMemory     = time.Hour
)

// SetupInput is the first-run form: the owner account and the workspace.
type SetupInput struct {
	WorkspaceName string
	Language      string
	TimeZone      string
	Name          string
	Email         string
	Password      string
}

// NeedsSetup reports whether no user exists yet.
func (a *App) NeedsSetup(ctx context.Context) (bool, error) {
	n, err := a.Store.CountUsers(ctx)
	return n == 0, err
}

// Setup creates the workspace and its first admin. It fails with
// crm.ErrConflict once any user exists.
func (a *App) Setup(ctx context.Context, in SetupInput, ip, userAgent string) (sessionToken string, u crm.User, err error) {
	v := &crm.ValidationError{}
	lang, ok := crm.ParseLanguage(in.Language)
	if !ok {
		v.Add("language", "choose ja or en")
		lang = crm.LangEN
	}
	ws := crm.DefaultWorkspace(in.WorkspaceName, lang, a.ServerTZ)
	if in.TimeZone != "" {
		ws.TimeZone = in.TimeZone
	}
	if err := ws.Validate(); err != nil {
		if wv, ok := crm.AsValidation(err); ok {
			for f, m := range wv.Fields {
				if f == "name" {
					f = "workspace_name"
				}
				v.Add(f, m)
			}
		}
	}
	u = crm.User{Role: crm.RoleAdmin, Status: crm.UserActive, Language: lang}
	u.Name = crm.CleanName(v, "name", in.Name, 100)
	u.Email = crm.NormalizeEmail(in.Email)
	if !crm.ValidEmail(u.Email) {
		v.Add("email", "enter an e-mail address such as you@example.com")
	}
	if err := crm.ValidatePassword("password", in.Password); err != nil {
		ve, _ := crm.AsValidation(err)
		v.Add("password", ve.Fields["password"])
	}
	if err := v.Err(); err != nil {
		return "", u, err
	}
	hash := hashPassword(in.Password)
	now := a.now()
	secret, tokenHash := newToken("")
	err = a.Store.InTx(ctx, func(tx *store.Tx) error {
		n, err := tx.CountUsersTx(ctx)
		if err != nil {
			return err
		}
		if n > 0 {
			return fmt.Errorf("setup is already done: %w", crm.ErrConflict)
		}
		if _, err := tx.PutSetting(ctx, "workspace", ws, 0, now); err != nil {
			// A concurrent Setup committed the workspace first (PostgreSQL
			// under READ COMMITTED sees no users yet, then hits the key).
			if errors.Is(err, crm.ErrStale) {
				return fmt.Errorf("setup is already done: %w", crm.ErrConflict)
			}
			return err
		}
		if err := tx.CreateUser(ctx, &u, hash, now); err != nil {
			if errors.Is(err, crm.ErrConflict) {
				return fmt.Errorf("setup is already done: %w", crm.ErrConflict)
			}
			return err
		}
		sess := store.Session{UserID: u.ID, CreatedAt: now, ExpiresAt: now.Add(SessionIdle), IP: ip, UserAgent: clip(userAgent, 300)}
		if err := tx.CreateSession(ctx, tokenHash, &sess); err != nil {
			return err
		}
		return tx.Audit(ctx, store.AuditEntry{At: now, UserID: u.ID, Actor: u.Email, Action: "setup", Target: ws.Name, IP: ip})
	})
	if err != nil {
		return "", u, err
	}
	return secret, u, nil
}

// LoginResult says what a sign-in produced.
type LoginResult struct {
	SessionToken string // set the cookie to this
	NeedsTOTP    bool   // the session is waiting for a second factor
	User         crm.User
}

// ErrBadLogin is the one message for a wrong e-mail or password, so that
// sign-in does not reveal which accounts exist.
var ErrBadLogin = errors.New("the e-mail address or password is not right")

// Login checks a password and opens a session (pending a second factor when
// the user has TOTP on).
func (a *App) Login(ctx context.Context, email, password, ip, userAgent string) (LoginResult, error) {
	email = crm.NormalizeEmail(email)
	now := a.now()
	// The address first: an attempt refused because the address is blocked
	// does not count against the account.
	var keys []string
	if ip != "" {
		keys = append(keys, "ip:"+ip)
	}
	emailKey := "email:" + email
	keys = append(keys, emailKey)
	for _, k := range keys {
		if err := a.reserveAttempt(ctx, k, now); err != nil {
			return LoginResult{}, err
		}
	}
	u, err := a.Store.UserByEmail(ctx, email)
	hash := dummyHash()
	if err == nil {
		hash, _, err = a.Store.PasswordHash(ctx, u.ID)
	}
	if err != nil && !errors.Is(err, crm.ErrNotFound) {
		return LoginResult{}, err
	}
	ok := checkPassword(hash, password) && err == nil && u.Status == crm.UserActive
	if !ok {
		// The failure is counted already (reserveAttempt).
		_ = a.Store.Audit(ctx, store.AuditEntry{At: now, UserID: u.ID, Actor: email, Action: "login.failed", IP: ip})
		return LoginResult{}, ErrBadLogin
	}
	if err := a.Store.ClearLoginAttempt(ctx, emailKey); err != nil {
		return LoginResult{}, err
	}
	if ip != "" {
		if err := a.releaseAttempt(ctx, "ip:"+ip); err != nil {
			return LoginResult{}, err
		}
	}
	secret, tokenHash := newToken("")
	sess := store.Session{UserID: u.ID, MFAPending: u.TOTPEnabled, CreatedAt: now, ExpiresAt: now.Add(SessionIdle),
		IP: ip, UserAgent: clip(userAgent, 300)}
	if u.TOTPEnabled {
		sess.ExpiresAt = now.Add(mfaWindow)
	}
	err = a.Store.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.CreateSession(ctx, tokenHash, &sess); err != nil {
			return err
		}
		if u.TOTPEnabled {
			return nil
		}
		if err := tx.TouchLogin(ctx, u.ID, now); err != nil {
			return err
		}
		return tx.Audit(ctx, store.AuditEntry{At: now, UserID: u.ID, Actor: u.Email, Action: "login.ok", IP: ip})
	})
	if err != nil {
		return LoginResult{}, err
	}
	return LoginResult{SessionToken: secret, NeedsTOTP: u.TOTPEnabled, User: u}, nil
}

// reserveAttempt counts an attempt against a throttling key before the
// secret is checked, and returns crm.ErrThrottled when the key must wait.
// Counting first (atomically, in the store) means a burst of parallel
// guesses cannot all pass the check before the first failure is recorded.
// A right secret takes the attempt back (ClearLoginAttempt or
// releaseAttempt).
func (a *App) reserveAttempt(ctx context.Context, key string, now time.Time) error {
	// A cheap read first, so a blocked client costs no write.
	att, err := a.Store.LoginAttempt(ctx, key)
	if err != nil {
		return err
	}
	if now.Before(att.BlockedUntil) {
		return crm.ErrThrottled
	}
	blocked := false
	_, err = a.Store.UpdateLoginAttempt(ctx, key, func(att store.LoginAttempt) store.LoginAttempt {
		if now.Before(att.BlockedUntil) {
			blocked = true
			return att
		}
		return addFailure(att, key, now)
	})
	if err != nil {
		return err
	}
	if blocked {
		return crm.ErrThrottled
	}
	return nil
}

// releaseAttempt takes back an attempt reserved for a shared key (an IP
// address) after the secret proved right, so that the colleagues behind one
// office address do not throttle each other by signing in.
func (a *App) releaseAttempt(ctx context.Context, key string) error {
	_, err := a.Store.UpdateLoginAttempt(ctx, key, func(att store.LoginAttempt) store.LoginAttempt {
		att.Failures = max(0, att.Failures-1)
		if att.Failures < freeFailures(key) {
			att.BlockedUntil = time.Time{}
		}
		return att
	})
	return err
}

func freeFailures(key string) int {
	if strings.HasPrefix(key, "ip:") {
		return freeFailuresIP
	}
	return freeFailuresEmail
}

// addFailure records one failure in a key's record: failures older than
// failureMemory are forgotten; beyond the free ones each failure blocks the
// key for 2^(n-free) seconds, at most maxBlock.
func addFailure(att store.LoginAttempt, key string, now time.Time) store.LoginAttempt {
	if now.Sub(att.LastFailureAt) > failureMemory {
		att.Failures = 0
	}
	att.Failures++
	att.LastFailureAt = now
	if over := att.Failures - freeFailures(key); over >= 0 {
		wait := time.Duration(math.Min(math.Pow(2, float64(over)), maxBlock.Seconds())) * time.Second
		att.BlockedUntil = now.Add(wait)
	}
	return att
}

// VerifyTOTP completes a sign-in that waits for a second factor. A wrong
// code counts as a failed sign-in for throttling.
func (a *App) VerifyTOTP(ctx context.Context, sessionToken, code, ip string) (crm.User, error) {
	now := a.now()
	sess, err := a.Store.SessionByHash(ctx, hashToken(sessionToken), now)
	if err != nil || !sess.MFAPending {
		return crm.User{}, crm.ErrUnauthorized
	}
	u, err := a.Store.User(ctx, sess.UserID)
	if err != nil {
		return crm.User{}, err
	}
	key := "email:" + u.Email
	if err := a.reserveAttempt(ctx, key, now); err != nil {
		return u, err
	}
	_, secret, err := a.Store.PasswordHash(ctx, u.ID)
	if err != nil {
		return u, err
	}
	if !checkTOTP(secret, code, now) {
		_ = a.Store.Audit(ctx, store.AuditEntry{At: now, UserID: u.ID, Actor: u.Email, Action: "login.totp_failed", IP: ip})
		return u, crm.Invalid("code", "the code is not right; use the current 6-digit code from your app")
	}
	if err := a.Store.ClearLoginAttempt(ctx, key); err != nil {
		return u, err
	}
	err = a.Store.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.CompleteMFA(ctx, sess.ID); err != nil {
			return err
		}
		if err := tx.TouchLogin(ctx, u.ID, now); err != nil {
			return err
		}
		return tx.Audit(ctx, store.AuditEntry{At: now, UserID: u.ID, Actor: u.Email, Action: "login.ok", Details: "totp", IP: ip})
	})
	if err == nil {
		err = a.Store.TouchSession(ctx, sess.ID, now, now.Add(SessionIdle))
	}
	return u, err
}

// Authenticate resolves a session cookie to an actor. Sessions waiting for a
// second factor, expired sessions and inactive users are refused.
func (a *App) Authenticate(ctx context.Context, sessionToken, ip string) (Actor, error) {
	if sessionToken == "" {
		return Actor{}, crm.ErrUnauthorized
	}
	now := a.now()
	sess, err := a.Store.SessionByHash(ctx, hashToken(sessionToken), now)
	if errors.Is(err, crm.ErrNotFound) || (err == nil && sess.MFAPending) {
		return Actor{}, crm.ErrUnauthorized
	}
	if err != nil {
		return Actor{}, err
	}
	u, err := a.Store.User(ctx, sess.UserID)
	if err != nil {
		return Actor{}, err
	}
	if u.Status != crm.UserActive {
		return Actor{}, crm.ErrUnauthorized
	}
	// Slide the expiry at most once an hour to spare the writer.
	if sess.ExpiresAt.Sub(now) < SessionIdle-time.Hour {
		if err := a.Store.TouchSession(ctx, sess.ID, now, now.Add(SessionIdle)); err != nil {
			return Actor{}, err
		}
	}
	return Actor{User: u, SessionID: sess.ID, IP: ip}, nil
}

// AuthenticateToken resolves a Bearer API token to an actor.
func (a *App) AuthenticateToken(ctx context.Context, token, ip string) (Actor, error) {
	if token == "" {
		return Actor{}, crm.ErrUnauthorized
	}
	t, err := a.Store.APITokenByHash(ctx, hashToken(token))
	if errors.Is(err, crm.ErrNotFound) {
		return Actor{}, crm.ErrUnauthorized
	}
	if err != nil {
		return Actor{}, err
	}
	u, err := a.Store.User(ctx, t.UserID)
	if err != nil {
		return Actor{}, err
	}
	if u.Status != crm.UserActive {
		return Actor{}, crm.ErrUnauthorized
	}
	// Last use is kept to the minute: most requests skip the write (and,
	// on SQLite, the single writer) entirely.
	if now := a.now(); t.LastUsedAt.IsZero() || now.Sub(t.LastUsedAt) >= time.Minute {
		if err := a.Store.TouchAPIToken(ctx, t.ID, now); err != nil {
			return Actor{}, err
		}
	}
	return Actor{User: u, TokenID: t.ID, IP: ip}, nil
}

// Logout ends the actor's session.
func (a *App) Logout(ctx context.Context, ac Actor) error {
	if ac.SessionID == 0 {
		return nil
	}
	return a.Store.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.DeleteSession(ctx, ac.SessionID); err != nil {
			return err
		}
		return tx.Audit(ctx, a.audit(ac, "logout", "", ""))
	})
}

// ChangePassword replaces the actor's password after checking the current
// one, and signs out every other session of the user. Wrong current
// passwords are throttled like failed sign-ins, so a stolen session cannot
// be used to guess the password.
func (a *App) ChangePassword(ctx context.Context, ac Actor, current, next string) error {
	if err := ac.require(crm.PermSignedIn); err != nil {
		return err
	}
	now := a.now()
	key := "email:" + ac.User.Email
	if err := a.reserveAttempt(ctx, key, now); err != nil {
		return err
	}
	hash, _, err := a.Store.PasswordHash(ctx, ac.User.ID)
	if err != nil {
		return err
	}
	if !checkPassword(hash, current) {
		return crm.Invalid("current_password", "the current password is not right")
	}
	if err := a.Store.ClearLoginAttempt(ctx, key); err != nil {
		return err
	}
	if err := crm.ValidatePassword("new_password", next); err != nil {
		return err
	}
	newHash := hashPassword(next)
	return a.Store.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.SetPassword(ctx, ac.User.ID, newHash, a.now()); err != nil {
			return err
		}
		if err := tx.DeleteUserSessions(ctx, ac.User.ID, ac.SessionID); err != nil {
			return err
		}
		return tx.Audit(ctx, a.audit(ac, "password.change", ac.User.Email, "other sessions signed out"))
	})
}

// BeginTOTP creates a new secret for the actor (not yet enabled) and returns
// it with the otpauth URL for an authenticator app.
func (a *App) BeginTOTP(ctx context.Context, ac Actor) (secret, otpURL string, err error) {
	if err := ac.require(crm.PermSignedIn); err != nil {
		return "", "", err
	}
	secret = newTOTPSecret()
	err = a.Store.InTx(ctx, func(tx *store.Tx) error {
		return tx.SetTOTP(ctx, ac.User.ID, secret, false, a.now())
	})
	return secret, totpURL("Renkei", ac.User.Email, secret), err
}

// EnableTOTP turns two-factor sign-in on after the user proves their app
// produces the right code.
func (a *App) EnableTOTP(ctx context.Context, ac Actor, code string) error {
	if err := ac.require(crm.PermSignedIn); err != nil {
		return err
	}
	_, secret, err := a.Store.PasswordHash(ctx, ac.User.ID)
	if err != nil {
		return err
	}
	if secret == "" {
		return crm.Invalid("code", "start the set-up first")
	}
	if !checkTOTP(secret, code, a.now()) {
		return crm.Invalid("code", "the code is not right; check your device's clock and try the current code")
	}
	return a.Store.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.SetTOTP(ctx, ac.User.ID, secret, true, a.now()); err != nil {
			return err
		}
		return tx.Audit(ctx, a.audit(ac, "totp.enable", ac.User.Email, ""))
	})
}

// DisableTOTP turns two-factor sign-in off for a user: their own, or anyone's
// for an admin (a user who lost their device).
func (a *App) DisableTOTP(ctx context.Context, ac Actor, userID int64) error {
	if userID != ac.User.ID {
		if err := ac.require(crm.PermManageUsers); err != nil {
			return err
		}
	} else if err := ac.require(crm.PermSignedIn); err != nil {
		return err
	}
	return a.Store.InTx(ctx, func(tx *store.Tx) error {
		u, err := tx.User(ctx, userID)
		if err != nil {
			return err
		}
		if err := tx.SetTOTP(ctx, userID, "", false, a.now()); err != nil {
			return err
		}
		return tx.Audit(ctx, a.audit(ac, "totp.disable", u.Email, ""))
	})
}
