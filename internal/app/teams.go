package app

import (
	"context"
	"errors"
	"fmt"

	"renkei/internal/crm"
	"renkei/internal/store"
)

// Teams lists teams with their members.
func (a *App) Teams(ctx context.Context, ac Actor) ([]crm.Team, error) {
	if err := ac.require(crm.PermSignedIn); err != nil {
		return nil, err
	}
	return a.Store.ListTeams(ctx)
}

// Team returns one team.
func (a *App) Team(ctx context.Context, ac Actor, id int64) (crm.Team, error) {
	if err := ac.require(crm.PermSignedIn); err != nil {
		return crm.Team{}, err
	}
	return a.Store.Team(ctx, id)
}

// CreateTeam adds a team.
func (a *App) CreateTeam(ctx context.Context, ac Actor, name string) (crm.Team, error) {
	if err := ac.require(crm.PermManageUsers); err != nil {
		return crm.Team{}, err
	}
	v := &crm.ValidationError{}
	t := crm.Team{Name: crm.CleanName(v, "name", name, 100)}
	if err := v.Err(); err != nil {
		return t, err
	}
	err := a.Store.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.CreateTeam(ctx, &t, a.now()); err != nil {
			if errors.Is(err, crm.ErrConflict) {
				return crm.Invalid("name", "a team with this name exists already")
			}
			return err
		}
		return tx.Audit(ctx, a.audit(ac, "team.create", t.Name, ""))
	})
	return t, err
}

// RenameTeam changes a team's name; version must match.
func (a *App) RenameTeam(ctx context.Context, ac Actor, id, version int64, name string) (crm.Team, error) {
	if err := ac.require(crm.PermManageUsers); err != nil {
		return crm.Team{}, err
	}
	v := &crm.ValidationError{}
	t := crm.Team{ID: id, Version: version, Name: crm.CleanName(v, "name", name, 100)}
	if err := v.Err(); err != nil {
		return t, err
	}
	err := a.Store.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.RenameTeam(ctx, &t); err != nil {
			if errors.Is(err, crm.ErrConflict) {
				return crm.Invalid("name", "a team with this name exists already")
			}
			return err
		}
		return tx.Audit(ctx, a.audit(ac, "team.rename", t.Name, ""))
	})
	if err != nil {
		return t, err
	}
	return a.Store.Team(ctx, id)
}

// DeleteTeam removes a team (its members stay as users).
func (a *App) DeleteTeam(ctx context.Context, ac Actor, id int64) error {
	if err := ac.require(crm.PermManageUsers); err != nil {
		return err
	}
	return a.Store.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.DeleteTeam(ctx, id); err != nil {
			return err
		}
		return tx.Audit(ctx, a.audit(ac, "team.delete", fmt.Sprint(id), ""))
	})
}

// SetTeamMember adds a user to a team, or changes whether they manage it.
func (a *App) SetTeamMember(ctx context.Context, ac Actor, teamID, userID int64, manager bool) error {
	if err := ac.require(crm.PermManageUsers); err != nil {
		return err
	}
	return a.Store.InTx(ctx, func(tx *store.Tx) error {
		u, err := tx.User(ctx, userID)
		if err != nil {
			if errors.Is(err, crm.ErrNotFound) {
				return crm.Invalid("user_id", "this user does not exist")
			}
			return err
		}
		if err := tx.SetTeamMember(ctx, teamID, userID, manager); err != nil {
			return err
		}
		return tx.Audit(ctx, a.audit(ac, "team.member", u.Email, fmt.Sprintf("team=%d manager=%t", teamID, manager)))
	})
}

// RemoveTeamMember takes a user out of a team.
func (a *App) RemoveTeamMember(ctx context.Context, ac Actor, teamID, userID int64) error {
	if err := ac.require(crm.PermManageUsers); err != nil {
		return err
	}
	return a.Store.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.RemoveTeamMember(ctx, teamID, userID); err != nil {
			return err
		}
		return tx.Audit(ctx, a.audit(ac, "team.member_remove", fmt.Sprint(userID), fmt.Sprintf("team=%d", teamID)))
	})
}
