package store

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"renkei/internal/crm"
)

// CreateTeam inserts a team; a taken name returns crm.ErrConflict.
func (tx *Tx) CreateTeam(ctx context.Context, t *crm.Team, now time.Time) error {
	err := tx.q().QueryRowContext(ctx, "INSERT INTO teams (name, created_at) VALUES ($1, $2) RETURNING id, version",
		t.Name, ms(now)).Scan(&t.ID, &t.Version)
	if err != nil {
		return tx.s.d.mapError(err)
	}
	t.CreatedAt = now
	return nil
}

// RenameTeam changes a team's name under optimistic concurrency.
func (tx *Tx) RenameTeam(ctx context.Context, t *crm.Team) error {
	res, err := tx.q().ExecContext(ctx, "UPDATE teams SET name = $1, version = version + 1 WHERE id = $2 AND version = $3",
		t.Name, t.ID, t.Version)
	if err != nil {
		return tx.s.d.mapError(err)
	}
	if err := staleOrMissing(ctx, tx, res, "teams", t.ID); err != nil {
		return err
	}
	t.Version++
	return nil
}

// DeleteTeam removes a team and its memberships.
func (tx *Tx) DeleteTeam(ctx context.Context, id int64) error {
	res, err := tx.q().ExecContext(ctx, "DELETE FROM teams WHERE id = $1", id)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return crm.ErrNotFound
	}
	return nil
}

// SetTeamMember adds a user to a team or changes their manager flag.
func (tx *Tx) SetTeamMember(ctx context.Context, teamID, userID int64, manager bool) error {
	_, err := tx.q().ExecContext(ctx, `INSERT INTO team_members (team_id, user_id, is_manager) VALUES ($1, $2, $3)
		ON CONFLICT (team_id, user_id) DO UPDATE SET is_manager = excluded.is_manager`, teamID, userID, manager)
	return tx.s.d.mapError(err)
}

// RemoveTeamMember takes a user out of a team.
func (tx *Tx) RemoveTeamMember(ctx context.Context, teamID, userID int64) error {
	_, err := tx.q().ExecContext(ctx, "DELETE FROM team_members WHERE team_id = $1 AND user_id = $2", teamID, userID)
	return err
}

// Team returns a team with its members.
func (s *Store) Team(ctx context.Context, id int64) (crm.Team, error) {
	var t crm.Team
	var created int64
	err := s.r().QueryRowContext(ctx, "SELECT id, name, created_at, version FROM teams WHERE id = $1", id).
		Scan(&t.ID, &t.Name, &created, &t.Version)
	if errors.Is(err, sql.ErrNoRows) {
		return t, crm.ErrNotFound
	}
	if err != nil {
		return t, err
	}
	t.CreatedAt = fromMS(created)
	t.Members, err = s.teamMembers(ctx, id)
	return t, err
}

func (s *Store) teamMembers(ctx context.Context, teamID int64) ([]crm.TeamMember, error) {
	rows, err := s.r().QueryContext(ctx, `SELECT u.id, u.name, u.email, m.is_manager FROM team_members m
		JOIN users u ON u.id = m.user_id WHERE m.team_id = $1 ORDER BY m.is_manager DESC, u.name`, teamID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []crm.TeamMember
	for rows.Next() {
		var m crm.TeamMember
		if err := rows.Scan(&m.UserID, &m.Name, &m.Email, &m.IsManager); err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// ListTeams returns all teams with their members, by name.
func (s *Store) ListTeams(ctx context.Context) ([]crm.Team, error) {
	rows, err := s.r().QueryContext(ctx, "SELECT id, name, created_at, version FROM teams ORDER BY name")
	if err != nil {
		return nil, err
	}
	var out []crm.Team
	for rows.Next() {
		var t crm.Team
		var created int64
		if err := rows.Scan(&t.ID, &t.Name, &created, &t.Version); err != nil {
			rows.Close()
			return nil, err
		}
		t.CreatedAt = fromMS(created)
		out = append(out, t)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for i := range out {
		if out[i].Members, err = s.teamMembers(ctx, out[i].ID); err != nil {
			return nil, err
		}
	}
	return out, nil
}
