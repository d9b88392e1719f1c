package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"time"

	"renkei/internal/crm"
)

// ---- custom property definitions ----

const propertyCols = `id, object, key, label_ja, label_en, type, options, position, created_at, version`

func scanProperty(sc interface{ Scan(...any) error }) (crm.Property, error) {
	var p crm.Property
	var typ, opts string
	var created int64
	err := sc.Scan(&p.ID, &p.Object, &p.Key, &p.LabelJA, &p.LabelEN, &typ, &opts, &p.Position, &created, &p.Version)
	if errors.Is(err, sql.ErrNoRows) {
		return p, crm.ErrNotFound
	}
	if err != nil {
		return p, err
	}
	p.Type, p.CreatedAt = crm.PropertyType(typ), fromMS(created)
	if err := json.Unmarshal([]byte(opts), &p.Options); err != nil {
		return p, err
	}
	return p, nil
}

// Properties lists the definitions of one object ("" = all) in display order.
func (s *Store) Properties(ctx context.Context, object string) ([]crm.Property, error) {
	rows, err := s.r().QueryContext(ctx, "SELECT "+propertyCols+" FROM properties WHERE $1 = '' OR object = $1 ORDER BY object, position, id", object)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []crm.Property
	for rows.Next() {
		p, err := scanProperty(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// Property returns one definition.
func (s *Store) Property(ctx context.Context, id int64) (crm.Property, error) {
	return scanProperty(s.r().QueryRowContext(ctx, "SELECT "+propertyCols+" FROM properties WHERE id = $1", id))
}

// CreateProperty inserts a definition; a taken key returns crm.ErrConflict.
func (tx *Tx) CreateProperty(ctx context.Context, p *crm.Property, now time.Time) error {
	opts, _ := json.Marshal(nonNil(p.Options))
	err := tx.q().QueryRowContext(ctx, `INSERT INTO properties (object, key, label_ja, label_en, type, options, position, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id, version`,
		p.Object, p.Key, p.LabelJA, p.LabelEN, string(p.Type), string(opts), p.Position, ms(now)).Scan(&p.ID, &p.Version)
	if err != nil {
		return tx.s.d.mapError(err)
	}
	p.CreatedAt = now
	return nil
}

// UpdateProperty changes labels, options and position (key, object and type
// are fixed once values exist) when the version matches.
func (tx *Tx) UpdateProperty(ctx context.Context, p *crm.Property) error {
	opts, _ := json.Marshal(nonNil(p.Options))
	res, err := tx.q().ExecContext(ctx, `UPDATE properties SET label_ja = $1, label_en = $2, options = $3, position = $4,
		version = version + 1 WHERE id = $5 AND version = $6`, p.LabelJA, p.LabelEN, string(opts), p.Position, p.ID, p.Version)
	if err != nil {
		return err
	}
	if err := staleOrMissing(ctx, tx, res, "properties", p.ID); err != nil {
		return err
	}
	p.Version++
	return nil
}

// DeleteProperty removes a definition (stored values stay in props but are
// no longer shown).
func (tx *Tx) DeleteProperty(ctx context.Context, id int64) error {
	res, err := tx.q().ExecContext(ctx, "DELETE FROM properties WHERE id = $1", id)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return crm.ErrNotFound
	}
	return nil
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// ---- consent ledger ----

// ConsentEvent is one change of a person's consent, with what they agreed to.
type ConsentEvent struct {
	ID        int64
	ContactID int64
	At        time.Time
	Status    crm.Consent
	Source    string
	Wording   string
	PageURL   string
	IP        string
	ActorID   int64
}

// AddConsentEvent appends to the ledger.
func (tx *Tx) AddConsentEvent(ctx context.Context, e *ConsentEvent) error {
	return tx.q().QueryRowContext(ctx, `INSERT INTO consent_events (contact_id, at, status, source, wording, page_url, ip, actor_id)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
		e.ContactID, ms(e.At), string(e.Status), e.Source, e.Wording, e.PageURL, e.IP, nullID(e.ActorID)).Scan(&e.ID)
}

// ConsentHistory lists a contact's consent events, newest first.
func (s *Store) ConsentHistory(ctx context.Context, contactID int64) ([]ConsentEvent, error) {
	rows, err := s.r().QueryContext(ctx, `SELECT id, contact_id, at, status, source, wording, page_url, ip, COALESCE(actor_id, 0)
		FROM consent_events WHERE contact_id = $1 ORDER BY at DESC, id DESC`, contactID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []ConsentEvent
	for rows.Next() {
		var e ConsentEvent
		var at int64
		var status string
		if err := rows.Scan(&e.ID, &e.ContactID, &at, &status, &e.Source, &e.Wording, &e.PageURL, &e.IP, &e.ActorID); err != nil {
			return nil, err
		}
		e.At, e.Status = fromMS(at), crm.Consent(status)
		out = append(out, e)
	}
	return out, rows.Err()
}

// LatestConsent returns a contact's newest consent event; ok is false when
// the ledger has none.
func (tx *Tx) LatestConsent(ctx context.Context, contactID int64) (e ConsentEvent, ok bool, err error) {
	var at int64
	var status string
	err = tx.q().QueryRowContext(ctx, `SELECT id, contact_id, at, status, source, wording, page_url, ip, COALESCE(actor_id, 0)
		FROM consent_events WHERE contact_id = $1 ORDER BY at DESC, id DESC LIMIT 1`, contactID).
		Scan(&e.ID, &e.ContactID, &at, &status, &e.Source, &e.Wording, &e.PageURL, &e.IP, &e.ActorID)
	if errors.Is(err, sql.ErrNoRows) {
		return e, false, nil
	}
	if err != nil {
		return e, false, err
	}
	e.At, e.Status = fromMS(at), crm.Consent(status)
	return e, true, nil
}

// ---- suppression list ----

// Suppress adds an e-mail hash to the suppression list (idempotent).
func (tx *Tx) Suppress(ctx context.Context, emailHash, reason string, now time.Time) error {
	_, err := tx.q().ExecContext(ctx, `INSERT INTO suppressions (email_hash, reason, created_at) VALUES ($1, $2, $3)
		ON CONFLICT (email_hash) DO NOTHING`, emailHash, reason, ms(now))
	return err
}

// IsSuppressed reports whether an e-mail hash is on the suppression list,
// and why.
func (tx *Tx) IsSuppressed(ctx context.Context, emailHash string) (reason string, ok bool, err error) {
	err = tx.q().QueryRowContext(ctx, "SELECT reason FROM suppressions WHERE email_hash = $1", emailHash).Scan(&reason)
	if errors.Is(err, sql.ErrNoRows) {
		return "", false, nil
	}
	return reason, err == nil, err
}

// ---- merge ----

// MoveContactRecords moves everything that belongs to contact from onto
// contact to: timeline entries, consent events and tags. Later features
// add their tables (deals, activities, …) here, so a merge never loses an
// association.
func (tx *Tx) MoveContactRecords(ctx context.Context, from, to int64) error {
	// Every statement uses both parameters: PostgreSQL refuses a call with
	// more arguments than the statement has placeholders.
	stmts := []string{
		"UPDATE timeline SET contact_id = $2 WHERE contact_id = $1",
		"UPDATE consent_events SET contact_id = $2 WHERE contact_id = $1",
		`INSERT INTO contact_tags (tag_id, contact_id) SELECT tag_id, $2 FROM contact_tags WHERE contact_id = $1
			ON CONFLICT DO NOTHING`,
		"DELETE FROM contact_tags WHERE contact_id = $1 AND contact_id <> $2",
		// Webhook deliveries about the person (so erasing the merged
		// contact erases them too).
		"UPDATE webhook_deliveries SET contact_id = $2 WHERE contact_id = $1",
		// Web tracking: the person's visitor ids and events.
		"UPDATE visitors SET contact_id = $2 WHERE contact_id = $1",
		"UPDATE events SET contact_id = $2 WHERE contact_id = $1",
		// forms
		"UPDATE form_submissions SET contact_id = $2 WHERE contact_id = $1",
		"UPDATE form_optins SET contact_id = $2 WHERE contact_id = $1",
		// sales: the deals the person is on.
		"UPDATE deals SET contact_id = $2 WHERE contact_id = $1",
		`INSERT INTO deal_contacts (deal_id, contact_id, role) SELECT deal_id, $2, role FROM deal_contacts WHERE contact_id = $1
			ON CONFLICT DO NOTHING`,
		"DELETE FROM deal_contacts WHERE contact_id = $1 AND contact_id <> $2",
		// activities and tasks about the person.
		"UPDATE activities SET contact_id = $2 WHERE contact_id = $1",
		"UPDATE tasks SET contact_id = $2 WHERE contact_id = $1",
		"UPDATE contracts SET contact_id = $2 WHERE contact_id = $1", // contracts
	}
	stmts = append(stmts, handoffMoveStmts...) // hand-off: handoffs, notifications
	stmts = append(stmts, emailMoveStmts...)   // marketing e-mail: outbox, events, topic opt-outs
	stmts = append(stmts, sequenceMoveStmts...)
	stmts = append(stmts, surveyMoveStmts...) // surveys: responses, invitations
	for _, q := range stmts {
		if _, err := tx.q().ExecContext(ctx, q, from, to); err != nil {
			return err
		}
	}
	return nil
}

// MoveCompanyRecords moves contacts and timeline entries from one company
// to another before the first is deleted in a merge.
func (tx *Tx) MoveCompanyRecords(ctx context.Context, from, to int64) error {
	for _, q := range []string{
		"UPDATE contacts SET company_id = $2 WHERE company_id = $1",
		"UPDATE timeline SET company_id = $2 WHERE company_id = $1",
		"UPDATE deals SET company_id = $2 WHERE company_id = $1", // sales
		"UPDATE activities SET company_id = $2 WHERE company_id = $1",
		"UPDATE tasks SET company_id = $2 WHERE company_id = $1",
	} {
		if _, err := tx.q().ExecContext(ctx, q, from, to); err != nil {
			return err
		}
	}
	return nil
}
