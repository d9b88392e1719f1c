package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"time"

	"renkei/internal/crm"
)

const siteCols = "id, name, domain, site_key, origins, cookieless, honour_gpc, created_at, updated_at, version"

func scanSite(row interface{ Scan(...any) error }) (crm.Site, error) {
	var s crm.Site
	var origins string
	var cookieless, gpc int
	var created, updated int64
	if err := row.Scan(&s.ID, &s.Name, &s.Domain, &s.Key, &origins, &cookieless, &gpc, &created, &updated, &s.Version); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return s, crm.ErrNotFound
		}
		return s, err
	}
	if err := json.Unmarshal([]byte(origins), &s.Origins); err != nil {
		return s, err
	}
	s.Cookieless, s.HonourGPC = cookieless == 1, gpc == 1
	s.CreatedAt, s.UpdatedAt = fromMS(created), fromMS(updated)
	return s, nil
}

func originsJSON(o []string) string {
	if o == nil {
		o = []string{}
	}
	b, _ := json.Marshal(o)
	return string(b)
}

// CreateSite inserts a site; a taken key returns crm.ErrConflict.
func (tx *Tx) CreateSite(ctx context.Context, s *crm.Site, now time.Time) error {
	err := tx.q().QueryRowContext(ctx, `INSERT INTO sites (name, domain, site_key, origins, cookieless, honour_gpc, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING id, version`,
		s.Name, s.Domain, s.Key, originsJSON(s.Origins), boolInt(s.Cookieless), boolInt(s.HonourGPC), ms(now)).Scan(&s.ID, &s.Version)
	if err != nil {
		return tx.s.d.mapError(err)
	}
	s.CreatedAt, s.UpdatedAt = now, now
	return nil
}

// UpdateSite saves a site's settings (not its key) under optimistic
// concurrency.
func (tx *Tx) UpdateSite(ctx context.Context, s *crm.Site, now time.Time) error {
	res, err := tx.q().ExecContext(ctx, `UPDATE sites SET name = $1, domain = $2, origins = $3, cookieless = $4, honour_gpc = $5,
		updated_at = $6, version = version + 1 WHERE id = $7 AND version = $8`,
		s.Name, s.Domain, originsJSON(s.Origins), boolInt(s.Cookieless), boolInt(s.HonourGPC), ms(now), s.ID, s.Version)
	if err != nil {
		return tx.s.d.mapError(err)
	}
	if err := staleOrMissing(ctx, tx, res, "sites", s.ID); err != nil {
		return err
	}
	s.Version++
	s.UpdatedAt = now
	return nil
}

// DeleteSite removes a site with its visitors and rollups; its events
// stay (without a site they no longer show in reports) until retention.
func (tx *Tx) DeleteSite(ctx context.Context, id int64) error {
	if _, err := tx.q().ExecContext(ctx, "UPDATE events SET site_id = NULL WHERE site_id = $1", id); err != nil {
		return err
	}
	res, err := tx.q().ExecContext(ctx, "DELETE FROM sites WHERE id = $1", id)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return crm.ErrNotFound
	}
	return nil
}

// Site returns a site by id.
func (s *Store) Site(ctx context.Context, id int64) (crm.Site, error) {
	return scanSite(s.r().QueryRowContext(ctx, "SELECT "+siteCols+" FROM sites WHERE id = $1", id))
}

// SiteByKey returns a site by its public key.
func (s *Store) SiteByKey(ctx context.Context, key string) (crm.Site, error) {
	return scanSite(s.r().QueryRowContext(ctx, "SELECT "+siteCols+" FROM sites WHERE site_key = $1", key))
}

// Sites lists every site by name.
func (s *Store) Sites(ctx context.Context) ([]crm.Site, error) {
	rows, err := s.r().QueryContext(ctx, "SELECT "+siteCols+" FROM sites ORDER BY name, id")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []crm.Site
	for rows.Next() {
		st, err := scanSite(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, st)
	}
	return out, rows.Err()
}
