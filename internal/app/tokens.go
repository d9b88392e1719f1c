package app

import (
	"context"
	"errors"
	"fmt"

	"renkei/internal/crm"
	"renkei/internal/store"
)

// TokenPrefix starts every API token, so leaked tokens are easy to spot.
const TokenPrefix = "rk_"

// APITokens lists the actor's own tokens, or everyone's for an admin when
// all is set.
func (a *App) APITokens(ctx context.Context, ac Actor, all bool) ([]store.APIToken, error) {
	if all {
		if err := ac.require(crm.PermManageUsers); err != nil {
			return nil, err
		}
		return a.Store.ListAPITokens(ctx, 0)
	}
	if err := ac.require(crm.PermSignedIn); err != nil {
		return nil, err
	}
	return a.Store.ListAPITokens(ctx, ac.User.ID)
}

// CreateAPIToken makes a token for the actor and returns its secret, which
// is shown once and stored only as a hash. Viewers may create tokens: the
// token carries its user's role, so a viewer's token can only read.
func (a *App) CreateAPIToken(ctx context.Context, ac Actor, name string) (store.APIToken, string, error) {
	if err := ac.require(crm.PermSignedIn); err != nil {
		return store.APIToken{}, "", err
	}
	return a.createToken(ctx, ac.User, name, ac)
}

// CreateAPITokenCLI makes a token for the user with the given e-mail from the
// command line (`renkei token create`).
func (a *App) CreateAPITokenCLI(ctx context.Context, email, name string) (store.APIToken, string, error) {
	u, err := a.Store.UserByEmail(ctx, crm.NormalizeEmail(email))
	if errors.Is(err, crm.ErrNotFound) {
		return store.APIToken{}, "", crm.Invalid("email", "no user has this e-mail address")
	}
	if err != nil {
		return store.APIToken{}, "", err
	}
	if u.Status != crm.UserActive {
		return store.APIToken{}, "", crm.Invalid("email", "this user is not active")
	}
	return a.createToken(ctx, u, name, Actor{})
}

func (a *App) createToken(ctx context.Context, u crm.User, name string, ac Actor) (store.APIToken, string, error) {
	v := &crm.ValidationError{}
	name = crm.CleanName(v, "name", name, 100)
	if err := v.Err(); err != nil {
		return store.APIToken{}, "", err
	}
	secret, hash := newToken(TokenPrefix)
	t := store.APIToken{UserID: u.ID, UserEmail: u.Email, Name: name, Prefix: secret[:len(TokenPrefix)+6], CreatedAt: a.now()}
	err := a.Store.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.CreateAPIToken(ctx, hash, &t); err != nil {
			return err
		}
		e := a.audit(ac, "token.create", u.Email, name)
		if ac.User.ID == 0 {
			e.Actor = "cli"
		}
		return tx.Audit(ctx, e)
	})
	return t, secret, err
}

// RevokeAPIToken revokes the actor's own token, or anyone's for an admin.
func (a *App) RevokeAPIToken(ctx context.Context, ac Actor, id int64) error {
	if err := ac.require(crm.PermSignedIn); err != nil {
		return err
	}
	t, err := a.Store.APIToken(ctx, id)
	if err != nil {
		return err
	}
	if t.UserID != ac.User.ID && !ac.Can(crm.PermManageUsers) {
		return crm.ErrNotFound // other people's tokens are not visible
	}
	return a.Store.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.RevokeAPIToken(ctx, id, a.now()); err != nil {
			return err
		}
		return tx.Audit(ctx, a.audit(ac, "token.revoke", t.UserEmail, fmt.Sprintf("%s (%s…)", t.Name, t.Prefix)))
	})
}
