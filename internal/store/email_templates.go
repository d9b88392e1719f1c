package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"renkei/internal/crm"
)

// E-mail templates (issue 8 §2) and users' e-mail signatures. The blocks
// of a template are stored as JSON text; the store does not look inside.

const emailTemplateCols = `id, name, locale, subject, preheader, editor, blocks, html, COALESCE(created_by, 0), created_at, updated_at, version`

func scanEmailTemplate(sc interface{ Scan(...any) error }) (crm.EmailTemplate, error) {
	var t crm.EmailTemplate
	var blocks string
	var created, updated int64
	err := sc.Scan(&t.ID, &t.Name, &t.Locale, &t.Subject, &t.Preheader, &t.Editor, &blocks, &t.HTML, &t.CreatedBy, &created, &updated, &t.Version)
	if errors.Is(err, sql.ErrNoRows) {
		return t, crm.ErrNotFound
	}
	if err != nil {
		return t, err
	}
	t.CreatedAt, t.UpdatedAt = fromMS(created), fromMS(updated)
	if t.Blocks, err = crm.ParseEmailBlocks([]byte(blocks)); err != nil {
		return t, fmt.Errorf("email template %d: stored blocks: %w", t.ID, err)
	}
	return t, nil
}

// EmailTemplates lists every template by name.
func (s *Store) EmailTemplates(ctx context.Context) ([]crm.EmailTemplate, error) {
	rows, err := s.r().QueryContext(ctx, "SELECT "+emailTemplateCols+" FROM email_templates ORDER BY name, id")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []crm.EmailTemplate
	for rows.Next() {
		t, err := scanEmailTemplate(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// EmailTemplate returns one template.
func (s *Store) EmailTemplate(ctx context.Context, id int64) (crm.EmailTemplate, error) {
	return scanEmailTemplate(s.r().QueryRowContext(ctx, "SELECT "+emailTemplateCols+" FROM email_templates WHERE id = $1", id))
}

// EmailTemplate reads a template inside a write transaction.
func (tx *Tx) EmailTemplate(ctx context.Context, id int64) (crm.EmailTemplate, error) {
	return scanEmailTemplate(tx.q().QueryRowContext(ctx, "SELECT "+emailTemplateCols+" FROM email_templates WHERE id = $1", id))
}

// CreateEmailTemplate inserts a template.
func (tx *Tx) CreateEmailTemplate(ctx context.Context, t *crm.EmailTemplate, now time.Time) error {
	err := tx.q().QueryRowContext(ctx, `INSERT INTO email_templates (name, locale, subject, preheader, editor, blocks, html,
		created_by, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) RETURNING id, version`,
		t.Name, string(t.Locale), t.Subject, t.Preheader, string(t.Editor), crm.BlocksJSON(t.Blocks), t.HTML,
		nullID(t.CreatedBy), ms(now)).Scan(&t.ID, &t.Version)
	if err != nil {
		return tx.s.d.mapError(err)
	}
	t.CreatedAt, t.UpdatedAt = now, now
	return nil
}

// UpdateEmailTemplate writes a template when its version matches.
func (tx *Tx) UpdateEmailTemplate(ctx context.Context, t *crm.EmailTemplate, now time.Time) error {
	res, err := tx.q().ExecContext(ctx, `UPDATE email_templates SET name = $1, locale = $2, subject = $3, preheader = $4,
		editor = $5, blocks = $6, html = $7, updated_at = $8, version = version + 1 WHERE id = $9 AND version = $10`,
		t.Name, string(t.Locale), t.Subject, t.Preheader, string(t.Editor), crm.BlocksJSON(t.Blocks), t.HTML, ms(now), t.ID, t.Version)
	if err != nil {
		return tx.s.d.mapError(err)
	}
	if err := staleOrMissing(ctx, tx, res, "email_templates", t.ID); err != nil {
		return err
	}
	t.Version++
	t.UpdatedAt = now
	return nil
}

// DeleteEmailTemplate removes a template.
func (tx *Tx) DeleteEmailTemplate(ctx context.Context, id int64) error {
	res, err := tx.q().ExecContext(ctx, "DELETE FROM email_templates WHERE id = $1", id)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return crm.ErrNotFound
	}
	return nil
}

// UserSignature returns a user's e-mail signature ("" for none or no user).
func (s *Store) UserSignature(ctx context.Context, userID int64) (string, error) {
	var sig string
	err := s.r().QueryRowContext(ctx, "SELECT signature FROM users WHERE id = $1", userID).Scan(&sig)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return sig, err
}

// SetUserSignature stores a user's e-mail signature.
func (tx *Tx) SetUserSignature(ctx context.Context, userID int64, sig string, now time.Time) error {
	res, err := tx.q().ExecContext(ctx, "UPDATE users SET signature = $1, updated_at = $2 WHERE id = $3", sig, ms(now), userID)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return crm.ErrNotFound
	}
	return nil
}
