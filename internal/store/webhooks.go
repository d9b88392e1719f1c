package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"renkei/internal/crm"
)

// Webhook is an outgoing webhook: a URL that receives the subscribed events.
type Webhook struct {
	ID     int64
	Name   string
	URL    string
	Events []string
	Secret string // signs deliveries; shown to users once
	Active bool
	// PausedUntil: after a failed attempt, no new attempt before this.
	PausedUntil time.Time
	CreatedBy   int64
	CreatedAt   time.Time
	UpdatedAt   time.Time
	Version     int64
}

const webhookCols = `id, name, url, events, secret, active, paused_until, COALESCE(created_by, 0), created_at, updated_at, version`

func scanWebhook(sc interface{ Scan(...any) error }) (Webhook, error) {
	var h Webhook
	var events string
	var active int
	var created, updated, paused int64
	err := sc.Scan(&h.ID, &h.Name, &h.URL, &events, &h.Secret, &active, &paused, &h.CreatedBy, &created, &updated, &h.Version)
	if errors.Is(err, sql.ErrNoRows) {
		return h, crm.ErrNotFound
	}
	if err != nil {
		return h, err
	}
	h.Active, h.PausedUntil, h.CreatedAt, h.UpdatedAt = active != 0, fromMS(paused), fromMS(created), fromMS(updated)
	if err := json.Unmarshal([]byte(events), &h.Events); err != nil {
		return h, fmt.Errorf("webhook %d events: %w", h.ID, err)
	}
	return h, nil
}

// Webhooks lists every webhook by id.
func (s *Store) Webhooks(ctx context.Context) ([]Webhook, error) {
	rows, err := s.r().QueryContext(ctx, "SELECT "+webhookCols+" FROM webhooks ORDER BY id")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Webhook
	for rows.Next() {
		h, err := scanWebhook(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, h)
	}
	return out, rows.Err()
}

// Webhook returns one webhook.
func (s *Store) Webhook(ctx context.Context, id int64) (Webhook, error) {
	return scanWebhook(s.r().QueryRowContext(ctx, "SELECT "+webhookCols+" FROM webhooks WHERE id = $1", id))
}

// ActiveWebhooks lists the active webhooks inside a transaction (the
// subscribers of an event being emitted).
func (tx *Tx) ActiveWebhooks(ctx context.Context) ([]Webhook, error) {
	rows, err := tx.q().QueryContext(ctx, "SELECT "+webhookCols+" FROM webhooks WHERE active = 1 ORDER BY id")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Webhook
	for rows.Next() {
		h, err := scanWebhook(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, h)
	}
	return out, rows.Err()
}

// CreateWebhook inserts a webhook.
func (tx *Tx) CreateWebhook(ctx context.Context, h *Webhook, now time.Time) error {
	events, _ := json.Marshal(nonNil(h.Events))
	err := tx.q().QueryRowContext(ctx, `INSERT INTO webhooks (name, url, events, secret, active, created_by, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING id, version`,
		h.Name, h.URL, string(events), h.Secret, boolInt(h.Active), nullID(h.CreatedBy), ms(now)).Scan(&h.ID, &h.Version)
	if err != nil {
		return tx.s.d.mapError(err)
	}
	h.CreatedAt, h.UpdatedAt = now, now
	return nil
}

// UpdateWebhook stores name, URL, events, secret and the active flag when
// the version matches. A changed webhook is no longer paused (its URL may
// have been fixed).
func (tx *Tx) UpdateWebhook(ctx context.Context, h *Webhook, now time.Time) error {
	events, _ := json.Marshal(nonNil(h.Events))
	res, err := tx.q().ExecContext(ctx, `UPDATE webhooks SET name = $1, url = $2, events = $3, secret = $4, active = $5,
		paused_until = 0, updated_at = $6, version = version + 1 WHERE id = $7 AND version = $8`,
		h.Name, h.URL, string(events), h.Secret, boolInt(h.Active), ms(now), h.ID, h.Version)
	if err != nil {
		return err
	}
	if err := staleOrMissing(ctx, tx, res, "webhooks", h.ID); err != nil {
		return err
	}
	h.Version++
	h.UpdatedAt = now
	return nil
}

// PauseWebhook sets or clears (zero time) the time before which the
// webhook's receiver is not called.
func (tx *Tx) PauseWebhook(ctx context.Context, id int64, until time.Time) error {
	_, err := tx.q().ExecContext(ctx, "UPDATE webhooks SET paused_until = $1 WHERE id = $2", ms(until), id)
	return err
}

// PostponeDelivery moves a delivery that was not attempted to a later time.
func (tx *Tx) PostponeDelivery(ctx context.Context, id int64, at time.Time) error {
	_, err := tx.q().ExecContext(ctx, "UPDATE webhook_deliveries SET next_attempt_at = $1 WHERE id = $2", ms(at), id)
	return err
}

// DeleteWebhook removes a webhook with its delivery log.
func (tx *Tx) DeleteWebhook(ctx context.Context, id int64) error {
	res, err := tx.q().ExecContext(ctx, "DELETE FROM webhooks WHERE id = $1", id)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return crm.ErrNotFound
	}
	return nil
}

// Delivery states.
const (
	DeliveryPending   = "pending"   // queued, not tried yet
	DeliveryRetrying  = "retrying"  // failed, another attempt is planned
	DeliveryDelivered = "delivered" // the receiver answered 2xx
	DeliveryFailed    = "failed"    // given up
)

// WebhookDelivery is one event sent (or to be sent) to one webhook.
type WebhookDelivery struct {
	ID            int64
	WebhookID     int64
	UID           string // X-Renkei-Delivery
	Event         string
	EventID       string
	ContactID     int64
	Payload       string
	Status        string
	Attempts      int
	NextAttemptAt time.Time
	LastAttemptAt time.Time
	ResponseCode  int
	ResponseBody  string
	Duration      time.Duration
	Error         string
	CreatedAt     time.Time
}

const deliveryCols = `id, webhook_id, uid, event, event_id, COALESCE(contact_id, 0), payload, status, attempts,
	next_attempt_at, last_attempt_at, response_code, response_body, duration_ms, error, created_at`

func scanDelivery(sc interface{ Scan(...any) error }) (WebhookDelivery, error) {
	var d WebhookDelivery
	var next, last, created, dur int64
	err := sc.Scan(&d.ID, &d.WebhookID, &d.UID, &d.Event, &d.EventID, &d.ContactID, &d.Payload, &d.Status, &d.Attempts,
		&next, &last, &d.ResponseCode, &d.ResponseBody, &dur, &d.Error, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return d, crm.ErrNotFound
	}
	d.NextAttemptAt, d.LastAttemptAt, d.CreatedAt = fromMS(next), fromMS(last), fromMS(created)
	d.Duration = time.Duration(dur) * time.Millisecond
	return d, err
}

// AddDelivery inserts a delivery.
func (tx *Tx) AddDelivery(ctx context.Context, d *WebhookDelivery) error {
	if d.Status == "" {
		d.Status = DeliveryPending
	}
	return tx.q().QueryRowContext(ctx, `INSERT INTO webhook_deliveries (webhook_id, uid, event, event_id, contact_id, payload,
		status, next_attempt_at, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
		d.WebhookID, d.UID, d.Event, d.EventID, nullID(d.ContactID), d.Payload, d.Status, ms(d.NextAttemptAt), ms(d.CreatedAt)).Scan(&d.ID)
}

// Delivery returns one delivery.
func (s *Store) Delivery(ctx context.Context, id int64) (WebhookDelivery, error) {
	return scanDelivery(s.r().QueryRowContext(ctx, "SELECT "+deliveryCols+" FROM webhook_deliveries WHERE id = $1", id))
}

// DeliveryForUpdate reads a delivery inside a write transaction.
func (tx *Tx) DeliveryForUpdate(ctx context.Context, id int64) (WebhookDelivery, error) {
	return scanDelivery(tx.q().QueryRowContext(ctx, "SELECT "+deliveryCols+" FROM webhook_deliveries WHERE id = $1", id))
}

// Deliveries lists a webhook's deliveries newest first; beforeID > 0 pages
// on to older ones.
func (s *Store) Deliveries(ctx context.Context, webhookID, beforeID int64, limit int) ([]WebhookDelivery, error) {
	if limit <= 0 || limit > 500 {
		limit = 50
	}
	if beforeID <= 0 {
		beforeID = 1 << 62
	}
	rows, err := s.r().QueryContext(ctx, fmt.Sprintf(`SELECT `+deliveryCols+` FROM webhook_deliveries
		WHERE webhook_id = $1 AND id < $2 ORDER BY id DESC LIMIT %d`, limit), webhookID, beforeID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []WebhookDelivery
	for rows.Next() {
		d, err := scanDelivery(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// RecordAttempt stores the outcome of one attempt.
func (tx *Tx) RecordAttempt(ctx context.Context, d WebhookDelivery) error {
	if len(d.ResponseBody) > 1024 {
		d.ResponseBody = d.ResponseBody[:1024]
	}
	if len(d.Error) > 1000 {
		d.Error = d.Error[:1000]
	}
	_, err := tx.q().ExecContext(ctx, `UPDATE webhook_deliveries SET status = $1, attempts = $2, next_attempt_at = $3,
		last_attempt_at = $4, response_code = $5, response_body = $6, duration_ms = $7, error = $8 WHERE id = $9`,
		d.Status, d.Attempts, ms(d.NextAttemptAt), ms(d.LastAttemptAt), d.ResponseCode, d.ResponseBody,
		d.Duration.Milliseconds(), d.Error, d.ID)
	return err
}

// DeleteDeliveriesBefore removes finished deliveries (delivered or failed)
// created before t: the log is not kept forever, its payloads hold
// personal data.
func (s *Store) DeleteDeliveriesBefore(ctx context.Context, t time.Time) (int64, error) {
	res, err := s.w().ExecContext(ctx, `DELETE FROM webhook_deliveries WHERE created_at < $1 AND status IN ('delivered', 'failed')`, ms(t))
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}
