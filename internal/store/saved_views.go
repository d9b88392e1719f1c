package store

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"renkei/internal/crm"
)

// SavedView is a named list query (filters and sort, as the list page's
// query string) that a user keeps for one kind of record.
type SavedView struct {
	ID        int64
	UserID    int64
	Object    string // "contact" or "company"
	Name      string
	Query     string // the list's query string, e.g. "stage=lead&sort=reading"
	Shared    bool   // everyone in the workspace sees it in their list
	CreatedAt time.Time
}

// CreateSavedView stores a view.
func (tx *Tx) CreateSavedView(ctx context.Context, v *SavedView, now time.Time) error {
	err := tx.q().QueryRowContext(ctx, `INSERT INTO saved_views (user_id, object, name, query, shared, created_at)
		VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`, v.UserID, v.Object, v.Name, v.Query, v.Shared, ms(now)).Scan(&v.ID)
	if err != nil {
		return tx.s.d.mapError(err)
	}
	v.CreatedAt = now
	return nil
}

// SavedView returns one view.
func (s *Store) SavedView(ctx context.Context, id int64) (SavedView, error) {
	var v SavedView
	var created int64
	err := s.r().QueryRowContext(ctx, `SELECT id, user_id, object, name, query, shared, created_at
		FROM saved_views WHERE id = $1`, id).Scan(&v.ID, &v.UserID, &v.Object, &v.Name, &v.Query, &v.Shared, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return v, crm.ErrNotFound
	}
	v.CreatedAt = fromMS(created)
	return v, err
}

// SavedViews lists the views of one object that a user sees: their own
// and the shared ones, by name.
func (s *Store) SavedViews(ctx context.Context, userID int64, object string) ([]SavedView, error) {
	rows, err := s.r().QueryContext(ctx, `SELECT id, user_id, object, name, query, shared, created_at
		FROM saved_views WHERE object = $1 AND (user_id = $2 OR shared) ORDER BY name, id`, object, userID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []SavedView
	for rows.Next() {
		var v SavedView
		var created int64
		if err := rows.Scan(&v.ID, &v.UserID, &v.Object, &v.Name, &v.Query, &v.Shared, &created); err != nil {
			return nil, err
		}
		v.CreatedAt = fromMS(created)
		out = append(out, v)
	}
	return out, rows.Err()
}

// DeleteSavedView removes a view.
func (tx *Tx) DeleteSavedView(ctx context.Context, id int64) error {
	res, err := tx.q().ExecContext(ctx, "DELETE FROM saved_views WHERE id = $1", id)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return crm.ErrNotFound
	}
	return nil
}
