package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strconv"
	"time"

	"renkei/internal/crm"
)

const broadcastCols = `id, name, status, include_ids, exclude_ids, subject, subject_b, preheader, html, COALESCE(template_id, 0), from_name,
	as_owner, topic, send_at, per_second, per_hour, ab_share, ab_wait_min, ab_metric, winner, recipients, error,
	COALESCE(created_by, 0), created_at, updated_at, started_at, finished_at, version`

func scanBroadcast(sc interface{ Scan(...any) error }) (crm.Broadcast, error) {
	var b crm.Broadcast
	var status, inc, exc string
	var asOwner int
	var sendAt, started, finished sql.NullInt64
	var created, updated int64
	err := sc.Scan(&b.ID, &b.Name, &status, &inc, &exc, &b.Subject, &b.SubjectB, &b.Preheader, &b.HTML, &b.TemplateID, &b.FromName,
		&asOwner, &b.Topic, &sendAt, &b.PerSecond, &b.PerHour, &b.ABShare, &b.ABWaitMin, &b.ABMetric, &b.Winner,
		&b.Recipients, &b.Error, &b.CreatedBy, &created, &updated, &started, &finished, &b.Version)
	if errors.Is(err, sql.ErrNoRows) {
		return b, crm.ErrNotFound
	}
	if err != nil {
		return b, err
	}
	b.Status, b.AsOwner = crm.BroadcastStatus(status), asOwner == 1
	b.SendAt, b.StartedAt, b.FinishedAt = fromNullMS(sendAt), fromNullMS(started), fromNullMS(finished)
	b.CreatedAt, b.UpdatedAt = fromMS(created), fromMS(updated)
	if err := json.Unmarshal([]byte(inc), &b.IncludeIDs); err != nil {
		return b, err
	}
	return b, json.Unmarshal([]byte(exc), &b.ExcludeIDs)
}

func idsJSON(ids []int64) string {
	if len(ids) == 0 {
		return "[]"
	}
	raw, _ := json.Marshal(ids)
	return string(raw)
}

// CreateBroadcast inserts a broadcast and sets its id.
func (tx *Tx) CreateBroadcast(ctx context.Context, b *crm.Broadcast, now time.Time) error {
	b.CreatedAt, b.UpdatedAt, b.Version = now, now, 1
	return tx.q().QueryRowContext(ctx, `INSERT INTO broadcasts (name, status, include_ids, exclude_ids, subject, subject_b,
		preheader, html, from_name, as_owner, topic, send_at, per_second, per_hour, ab_share, ab_wait_min, ab_metric,
		created_by, created_at, updated_at, template_id)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $19, $20) RETURNING id`,
		b.Name, string(b.Status), idsJSON(b.IncludeIDs), idsJSON(b.ExcludeIDs), b.Subject, b.SubjectB, b.Preheader, b.HTML,
		b.FromName, boolInt(b.AsOwner), b.Topic, nullMS(b.SendAt), b.PerSecond, b.PerHour, b.ABShare, b.ABWaitMin,
		b.ABMetric, nullID(b.CreatedBy), ms(now), nullID(b.TemplateID)).Scan(&b.ID)
}

// UpdateBroadcast writes the content and settings of a broadcast when its
// version matches (crm.ErrStale otherwise).
func (tx *Tx) UpdateBroadcast(ctx context.Context, b *crm.Broadcast, now time.Time) error {
	res, err := tx.q().ExecContext(ctx, `UPDATE broadcasts SET name = $1, include_ids = $2, exclude_ids = $3, subject = $4,
		subject_b = $5, preheader = $6, html = $7, from_name = $8, as_owner = $9, topic = $10, send_at = $11,
		per_second = $12, per_hour = $13, ab_share = $14, ab_wait_min = $15, ab_metric = $16, updated_at = $17,
		template_id = $20, version = version + 1
		WHERE id = $18 AND version = $19`,
		b.Name, idsJSON(b.IncludeIDs), idsJSON(b.ExcludeIDs), b.Subject, b.SubjectB, b.Preheader, b.HTML, b.FromName,
		boolInt(b.AsOwner), b.Topic, nullMS(b.SendAt), b.PerSecond, b.PerHour, b.ABShare, b.ABWaitMin, b.ABMetric,
		ms(now), b.ID, b.Version, nullID(b.TemplateID))
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return crm.ErrStale
	}
	b.Version++
	b.UpdatedAt = now
	return nil
}

// SetBroadcastStatus moves a broadcast from one of the states in from to
// to; it returns crm.ErrConflict when the broadcast is in another state.
func (tx *Tx) SetBroadcastStatus(ctx context.Context, id int64, from []crm.BroadcastStatus, to crm.BroadcastStatus, now time.Time) error {
	args := []any{string(to), ms(now), id}
	in := ""
	for i, s := range from {
		if i > 0 {
			in += ", "
		}
		args = append(args, string(s))
		in += "$" + strconv.Itoa(len(args))
	}
	q := `UPDATE broadcasts SET status = $1, updated_at = $2, version = version + 1,
		started_at = CASE WHEN $1 IN ('queueing', 'sending') AND started_at IS NULL THEN $2 ELSE started_at END,
		finished_at = CASE WHEN $1 IN ('sent', 'cancelled') THEN $2 ELSE finished_at END
		WHERE id = $3 AND status IN (` + in + `)`
	res, err := tx.q().ExecContext(ctx, q, args...)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return crm.ErrConflict
	}
	return nil
}

// SetBroadcastRecipients records how many recipients were queued.
func (s *Store) SetBroadcastRecipients(ctx context.Context, id int64, n int, now time.Time) error {
	_, err := s.w().ExecContext(ctx, "UPDATE broadcasts SET recipients = $1, updated_at = $2 WHERE id = $3", n, ms(now), id)
	return err
}

// SetBroadcastWinner records the winning subject of an A/B test.
func (tx *Tx) SetBroadcastWinner(ctx context.Context, id int64, winner string, now time.Time) error {
	_, err := tx.q().ExecContext(ctx, "UPDATE broadcasts SET winner = $1, updated_at = $2 WHERE id = $3", winner, ms(now), id)
	return err
}

// Broadcast reads one broadcast.
func (s *Store) Broadcast(ctx context.Context, id int64) (crm.Broadcast, error) {
	return scanBroadcast(s.r().QueryRowContext(ctx, "SELECT "+broadcastCols+" FROM broadcasts WHERE id = $1", id))
}

// Broadcast reads one broadcast inside a transaction.
func (tx *Tx) Broadcast(ctx context.Context, id int64) (crm.Broadcast, error) {
	return scanBroadcast(tx.q().QueryRowContext(ctx, "SELECT "+broadcastCols+" FROM broadcasts WHERE id = $1", id))
}

// Broadcasts lists broadcasts, newest first (at most 500).
func (s *Store) Broadcasts(ctx context.Context) ([]crm.Broadcast, error) {
	return s.broadcastsWhere(ctx, "1 = 1 ORDER BY id DESC LIMIT 500")
}

// DueBroadcasts lists scheduled broadcasts whose time has come.
func (s *Store) DueBroadcasts(ctx context.Context, now time.Time) ([]crm.Broadcast, error) {
	return s.broadcastsWhere(ctx, "status = 'scheduled' AND send_at <= $1 ORDER BY send_at LIMIT 20", ms(now))
}

func (s *Store) broadcastsWhere(ctx context.Context, where string, args ...any) ([]crm.Broadcast, error) {
	rows, err := s.r().QueryContext(ctx, "SELECT "+broadcastCols+" FROM broadcasts WHERE "+where, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []crm.Broadcast{}
	for rows.Next() {
		b, err := scanBroadcast(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, b)
	}
	return out, rows.Err()
}

// DeleteBroadcast removes a draft or scheduled broadcast.
func (tx *Tx) DeleteBroadcast(ctx context.Context, id int64) error {
	res, err := tx.q().ExecContext(ctx, "DELETE FROM broadcasts WHERE id = $1 AND status IN ('draft', 'scheduled')", id)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return crm.ErrConflict
	}
	return nil
}
