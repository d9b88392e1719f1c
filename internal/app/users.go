package app

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"renkei/internal/crm"
	"renkei/internal/store"
)

// InviteInput is the invitation form.
type InviteInput struct {
	Email    string
	Name     string
	Role     string
	Language string // "" = the workspace default
	TeamID   int64  // 0 = no team
}

// InviteUser creates an invited account and e-mails its set-password link.
// The link is also returned, for an admin who wants to pass it on by hand
// (for example before mail is set up).
func (a *App) InviteUser(ctx context.Context, ac Actor, in InviteInput) (crm.User, string, error) {
	if err := ac.require(crm.PermManageUsers); err != nil {
		return crm.User{}, "", err
	}
	ws, _, err := a.Workspace(ctx)
	if err != nil {
		return crm.User{}, "", err
	}
	v := &crm.ValidationError{}
	u := crm.User{Status: crm.UserInvited, Language: ws.Language}
	u.Email = crm.NormalizeEmail(in.Email)
	if !crm.ValidEmail(u.Email) {
		v.Add("email", "enter an e-mail address such as taro@example.jp")
	}
	u.Name = crm.CleanName(v, "name", in.Name, 100)
	role, err := crm.ParseRole(in.Role)
	if err != nil {
		v.Add("role", "choose admin, marketing, sales or viewer")
	}
	u.Role = role
	if in.Language != "" {
		lang, ok := crm.ParseLanguage(in.Language)
		if !ok {
			v.Add("language", "choose ja or en")
		}
		u.Language = lang
	}
	if err := v.Err(); err != nil {
		return u, "", err
	}
	secret, hash := newToken("")
	link := a.BaseURL + "/invite/" + secret
	now := a.now()
	err = a.Store.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.CreateUser(ctx, &u, "", now); err != nil {
			if errors.Is(err, crm.ErrConflict) {
				return crm.Invalid("email", "a user with this e-mail address exists already")
			}
			return err
		}
		if in.TeamID != 0 {
			if err := tx.SetTeamMember(ctx, in.TeamID, u.ID, false); err != nil {
				if errors.Is(err, crm.ErrNotFound) {
					return crm.Invalid("team_id", "this team does not exist")
				}
				return err
			}
		}
		if err := tx.CreateUserToken(ctx, u.ID, store.TokenInvite, hash, now, now.Add(inviteLifetime)); err != nil {
			return err
		}
		msg := inviteMail(u, ac.User.Name, ws.Name, link)
		if err := a.queueMail(ctx, tx, msg); err != nil {
			return err
		}
		return tx.Audit(ctx, a.audit(ac, "user.invite", u.Email, "role="+string(u.Role)))
	})
	if err != nil {
		return u, "", err
	}
	return u, link, nil
}

// CheckInvite reports whether an invitation link is still valid, and for whom.
func (a *App) CheckInvite(ctx context.Context, token string) (crm.User, error) {
	id, err := a.Store.PeekUserToken(ctx, store.TokenInvite, hashToken(token), a.now())
	if err != nil {
		return crm.User{}, err
	}
	return a.Store.User(ctx, id)
}

// AcceptInvite sets the invited user's password, activates the account and
// signs them in.
func (a *App) AcceptInvite(ctx context.Context, token, password, ip, userAgent string) (string, crm.User, error) {
	return a.useLink(ctx, store.TokenInvite, token, password, ip, userAgent)
}

// CheckReset reports whether a reset link is still valid.
func (a *App) CheckReset(ctx context.Context, token string) (crm.User, error) {
	id, err := a.Store.PeekUserToken(ctx, store.TokenReset, hashToken(token), a.now())
	if err != nil {
		return crm.User{}, err
	}
	return a.Store.User(ctx, id)
}

// ResetPassword sets a new password from a reset link, signs out every
// session of the user and opens a new one.
func (a *App) ResetPassword(ctx context.Context, token, password, ip, userAgent string) (string, crm.User, error) {
	return a.useLink(ctx, store.TokenReset, token, password, ip, userAgent)
}

func (a *App) useLink(ctx context.Context, kind, token, password, ip, userAgent string) (string, crm.User, error) {
	if err := crm.ValidatePassword("password", password); err != nil {
		return "", crm.User{}, err
	}
	hash := hashPassword(password)
	now := a.now()
	secret, sessHash := newToken("")
	var u crm.User
	err := a.Store.InTx(ctx, func(tx *store.Tx) error {
		id, err := tx.UseUserToken(ctx, kind, hashToken(token), now)
		if err != nil {
			return err
		}
		if u, err = tx.User(ctx, id); err != nil {
			return err
		}
		if u.Status == crm.UserDeactivated {
			return crm.ErrNotFound
		}
		if err := tx.SetPassword(ctx, id, hash, now); err != nil {
			return err
		}
		if err := tx.DeleteUserSessions(ctx, id, 0); err != nil {
			return err
		}
		// Re-read: SetPassword activated the user and bumped the version.
		if u, err = tx.User(ctx, id); err != nil {
			return err
		}
		sess := store.Session{UserID: id, MFAPending: u.TOTPEnabled, CreatedAt: now, ExpiresAt: now.Add(SessionIdle), IP: ip, UserAgent: clip(userAgent, 300)}
		if u.TOTPEnabled {
			sess.ExpiresAt = now.Add(mfaWindow) // like Login: the second factor is still due
		}
		if err := tx.CreateSession(ctx, sessHash, &sess); err != nil {
			return err
		}
		action := "invite.accept"
		if kind == store.TokenReset {
			action = "password.reset"
		}
		return tx.Audit(ctx, store.AuditEntry{At: now, UserID: id, Actor: u.Email, Action: action, Target: u.Email, IP: ip})
	})
	if err != nil {
		return "", u, err
	}
	return secret, u, nil
}

// RequestPasswordReset e-mails a reset link when the address belongs to an
// active user. It answers the same way either way, so it does not reveal
// which addresses have accounts.
func (a *App) RequestPasswordReset(ctx context.Context, email, ip string) error {
	email = crm.NormalizeEmail(email)
	if !crm.ValidEmail(email) {
		return crm.Invalid("email", "enter the e-mail address you sign in with")
	}
	now := a.now()
	key := "reset:" + email
	// At most one mail a minute per address, also for requests sent at once.
	due := false
	_, err := a.Store.UpdateLoginAttempt(ctx, key, func(att store.LoginAttempt) store.LoginAttempt {
		if now.Before(att.BlockedUntil) {
			return att
		}
		due = true
		att.BlockedUntil = now.Add(time.Minute)
		att.LastFailureAt = now
		return att
	})
	if err != nil {
		return err
	}
	if !due {
		return nil // quietly
	}
	u, err := a.Store.UserByEmail(ctx, email)
	if errors.Is(err, crm.ErrNotFound) || (err == nil && u.Status != crm.UserActive) {
		return nil
	}
	if err != nil {
		return err
	}
	secret, hash := newToken("")
	link := a.BaseURL + "/reset/" + secret
	return a.Store.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.CreateUserToken(ctx, u.ID, store.TokenReset, hash, now, now.Add(resetLifetime)); err != nil {
			return err
		}
		if err := a.queueMail(ctx, tx, resetMail(u, link)); err != nil {
			return err
		}
		return tx.Audit(ctx, store.AuditEntry{At: now, UserID: u.ID, Actor: u.Email, Action: "password.reset_requested", IP: ip})
	})
}

// ListUsers lists accounts for anyone signed in (owners are picked from it).
func (a *App) ListUsers(ctx context.Context, ac Actor, f store.UserFilter) ([]crm.User, error) {
	if err := ac.require(crm.PermSignedIn); err != nil {
		return nil, err
	}
	return a.Store.ListUsers(ctx, f)
}

// User returns one account.
func (a *App) User(ctx context.Context, ac Actor, id int64) (crm.User, error) {
	if err := ac.require(crm.PermSignedIn); err != nil {
		return crm.User{}, err
	}
	return a.Store.User(ctx, id)
}

// UserPatch holds the fields to change; nil fields stay as they are.
type UserPatch struct {
	Name     *string
	Role     *string
	Status   *string
	Language *string
}

// UpdateUser changes an account. Users may change their own name and
// language; role and status need PermManageUsers. version must match the
// stored version (crm.ErrStale otherwise). Deactivation signs the user out
// everywhere. The last active admin cannot be demoted or deactivated.
func (a *App) UpdateUser(ctx context.Context, ac Actor, id int64, version int64, p UserPatch) (crm.User, error) {
	self := id == ac.User.ID
	needsAdmin := !self || p.Role != nil || p.Status != nil
	if needsAdmin {
		if err := ac.require(crm.PermManageUsers); err != nil {
			return crm.User{}, err
		}
	} else if err := ac.require(crm.PermSignedIn); err != nil {
		return crm.User{}, err
	}
	var u crm.User
	err := a.Store.InTx(ctx, func(tx *store.Tx) error {
		var err error
		if u, err = tx.User(ctx, id); err != nil {
			return err
		}
		if version != 0 && version != u.Version {
			return crm.ErrStale
		}
		before := u
		v := &crm.ValidationError{}
		if p.Name != nil {
			u.Name = crm.CleanName(v, "name", *p.Name, 100)
		}
		if p.Role != nil {
			r, err := crm.ParseRole(*p.Role)
			if err != nil {
				v.Add("role", "choose admin, marketing, sales or viewer")
			}
			u.Role = r
		}
		if p.Status != nil {
			switch s := crm.UserStatus(*p.Status); s {
			case crm.UserActive, crm.UserDeactivated:
				if s == crm.UserActive && u.Status == crm.UserInvited {
					v.Add("status", "an invited user becomes active by accepting the invitation")
				}
				u.Status = s
			default:
				v.Add("status", "choose active or deactivated")
			}
		}
		if p.Language != nil {
			l, ok := crm.ParseLanguage(*p.Language)
			if !ok {
				v.Add("language", "choose ja or en")
			}
			u.Language = l
		}
		if err := v.Err(); err != nil {
			return err
		}
		if before.Role == crm.RoleAdmin && before.Status == crm.UserActive && (u.Role != crm.RoleAdmin || u.Status != crm.UserActive) {
			n, err := tx.LockActiveAdmins(ctx)
			if err != nil {
				return err
			}
			if n <= 1 {
				field := "role"
				if u.Status != crm.UserActive {
					field = "status"
				}
				return crm.Invalid(field, "this is the last active admin; make someone else admin first")
			}
		}
		if err := tx.UpdateUser(ctx, &u, a.now()); err != nil {
			return err
		}
		if u.Status == crm.UserDeactivated && before.Status != crm.UserDeactivated {
			if err := tx.DeleteUserSessions(ctx, u.ID, 0); err != nil {
				return err
			}
		}
		if changes := userChanges(before, u); changes != "" && needsAdmin {
			return tx.Audit(ctx, a.audit(ac, "user.update", u.Email, changes))
		}
		return nil
	})
	return u, err
}

func userChanges(a, b crm.User) string {
	var out []string
	if a.Name != b.Name {
		out = append(out, fmt.Sprintf("name: %s → %s", a.Name, b.Name))
	}
	if a.Role != b.Role {
		out = append(out, fmt.Sprintf("role: %s → %s", a.Role, b.Role))
	}
	if a.Status != b.Status {
		out = append(out, fmt.Sprintf("status: %s → %s", a.Status, b.Status))
	}
	if a.Language != b.Language {
		out = append(out, fmt.Sprintf("language: %s → %s", a.Language, b.Language))
	}
	return strings.Join(out, "; ")
}

// CreateUserCLI creates an active user from the command line (`renkei user
// add`), with no actor: whoever runs the binary on the server is trusted.
func (a *App) CreateUserCLI(ctx context.Context, email, name, role, password string) (crm.User, error) {
	v := &crm.ValidationError{}
	u := crm.User{Status: crm.UserActive}
	u.Email = crm.NormalizeEmail(email)
	if !crm.ValidEmail(u.Email) {
		v.Add("email", "enter an e-mail address such as taro@example.jp")
	}
	u.Name = crm.CleanName(v, "name", name, 100)
	r, err := crm.ParseRole(role)
	if err != nil {
		v.Add("role", err.Error())
	}
	u.Role = r
	if err := crm.ValidatePassword("password", password); err != nil {
		ve, _ := crm.AsValidation(err)
		v.Add("password", ve.Fields["password"])
	}
	if err := v.Err(); err != nil {
		return u, err
	}
	hash := hashPassword(password)
	now := a.now()
	err = a.Store.InTx(ctx, func(tx *store.Tx) error {
		n, err := tx.CountUsersTx(ctx)
		if err != nil {
			return err
		}
		var ws crm.Workspace
		if _, err := a.Store.Setting(ctx, "workspace", &ws); errors.Is(err, crm.ErrNotFound) || n == 0 {
			lang := crm.LangEN
			ws = crm.DefaultWorkspace("Renkei", lang, a.ServerTZ)
			if _, err := tx.PutSetting(ctx, "workspace", ws, 0, now); err != nil && !errors.Is(err, crm.ErrStale) {
				return err
			}
		} else if err != nil {
			return err
		}
		u.Language = ws.Language
		if err := tx.CreateUser(ctx, &u, hash, now); err != nil {
			if errors.Is(err, crm.ErrConflict) {
				return crm.Invalid("email", "a user with this e-mail address exists already")
			}
			return err
		}
		return tx.Audit(ctx, store.AuditEntry{At: now, UserID: u.ID, Actor: "cli", Action: "user.create", Target: u.Email, Details: "role=" + string(u.Role)})
	})
	return u, err
}
