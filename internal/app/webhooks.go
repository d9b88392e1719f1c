package app

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"renkei/internal/crm"
	"renkei/internal/jobs"
	"renkei/internal/outbound"
	"renkei/internal/store"
)

// Webhook events. Areas emit them with emitWebhook; users subscribe to them.
const (
	EventContactCreated  = "contact.created"
	EventFormSubmitted   = "form.submitted"
	EventLeadMQL         = "lead.mql"
	EventLeadAccepted    = "lead.accepted"
	EventLeadRejected    = "lead.rejected"
	EventDealCreated     = "deal.created"
	EventDealStage       = "deal.stage_changed"
	EventDealWon         = "deal.won"
	EventDealLost        = "deal.lost"
	EventImportCompleted = "import.completed"
	// EventPing is the test event; every webhook receives it on request,
	// whatever it subscribes to.
	EventPing = "ping"
	// EventAll subscribes to every event, including ones added later.
	EventAll = "*"
)

// WebhookEvents lists the events a webhook can subscribe to, in display order.
func WebhookEvents() []string {
	return []string{EventContactCreated, EventFormSubmitted, EventLeadMQL, EventLeadAccepted, EventLeadRejected,
		EventDealCreated, EventDealStage, EventDealWon, EventDealLost, EventImportCompleted}
}

// JobWebhookDeliver is the job kind that makes one delivery attempt.
const JobWebhookDeliver = "webhook.deliver"

// MaxDeliveryAttempts is how often a delivery is tried before it fails.
const MaxDeliveryAttempts = 6

// DeliveryBackoff is the wait after failed attempt n (1-based): 1 minute,
// then four times longer each time (4, 16, 64, 256 minutes): six attempts
// over about five and a half hours.
func DeliveryBackoff(attempt int) time.Duration {
	d := time.Minute
	for i := 1; i < attempt && d < 24*time.Hour; i++ {
		d *= 4
	}
	return d
}

// keyWebhooks is the settings document of webhooks.
const keyWebhooks = "webhooks"

// WebhookSettings are the workspace's webhook settings.
type WebhookSettings struct {
	// AllowPrivate lets webhooks reach loopback, private and link-local
	// addresses (and plain http): for receivers inside the organisation's
	// network. Off by default.
	AllowPrivate bool  `json:"allow_private"`
	Version      int64 `json:"-"`
}

// WebhookSettings returns the webhook settings (admins only).
func (a *App) WebhookSettings(ctx context.Context, ac Actor) (WebhookSettings, error) {
	if err := ac.require(crm.PermSettings); err != nil {
		return WebhookSettings{}, err
	}
	return a.webhookSettings(ctx)
}

func (a *App) webhookSettings(ctx context.Context) (WebhookSettings, error) {
	var s WebhookSettings
	v, err := a.Store.Setting(ctx, keyWebhooks, &s)
	if errors.Is(err, crm.ErrNotFound) {
		return WebhookSettings{}, nil
	}
	s.Version = v
	return s, err
}

// UpdateWebhookSettings stores the webhook settings; version must match
// (0 before the first save).
func (a *App) UpdateWebhookSettings(ctx context.Context, ac Actor, s WebhookSettings) (WebhookSettings, error) {
	if err := ac.require(crm.PermSettings); err != nil {
		return s, err
	}
	err := a.Store.InTx(ctx, func(tx *store.Tx) error {
		v, err := tx.PutSetting(ctx, keyWebhooks, s, s.Version, a.now())
		if err != nil {
			return err
		}
		s.Version = v
		return tx.Audit(ctx, a.audit(ac, "settings.webhooks", "", fmt.Sprintf("allow_private=%v", s.AllowPrivate)))
	})
	return s, err
}

// outboundClients are the two HTTP clients of deliveries, built once.
type outboundClients struct {
	once            sync.Once
	strict, private *outbound.Client
}

func (a *App) outboundClient(allowPrivate bool) *outbound.Client {
	a.outbound.once.Do(func() {
		a.outbound.strict = outbound.New(outbound.Options{Timeout: 10 * time.Second, MaxBody: 1024})
		a.outbound.private = outbound.New(outbound.Options{Timeout: 10 * time.Second, MaxBody: 1024, AllowPrivate: true})
	})
	if allowPrivate {
		return a.outbound.private
	}
	return a.outbound.strict
}

// WebhookInput is what a user enters for a webhook.
type WebhookInput struct {
	Name   string
	URL    string
	Events []string
	Active bool
}

// validate cleans the input and checks it against the settings.
func (in *WebhookInput) validate(s WebhookSettings) error {
	v := &crm.ValidationError{}
	in.Name = strings.TrimSpace(in.Name)
	in.URL = strings.TrimSpace(in.URL)
	if utf8.RuneCountInString(in.Name) > 100 {
		v.Add("name", "must be at most 100 characters")
	}
	switch u, err := url.Parse(in.URL); {
	case in.URL == "":
		v.Add("url", "is required")
	case len(in.URL) > 2000:
		v.Add("url", "must be at most 2000 characters")
	case err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http"):
		v.Add("url", "enter a full URL such as https://example.com/hooks/renkei")
	case u.Fragment != "":
		v.Add("url", "must not contain a # fragment")
	default:
		c := outbound.New(outbound.Options{AllowPrivate: s.AllowPrivate})
		if err := c.CheckURL(u); err != nil {
			v.Add("url", urlRefusal(err, u))
		}
		if in.Name == "" {
			in.Name = u.Hostname()
		}
	}
	if len(in.Events) == 0 {
		v.Add("events", "choose at least one event")
	}
	known := append(WebhookEvents(), EventAll)
	seen := map[string]bool{}
	var events []string
	for _, e := range in.Events {
		e = strings.TrimSpace(e)
		if !slices.Contains(known, e) {
			v.Add("events", "choose events from the list")
			continue
		}
		if !seen[e] {
			seen[e] = true
			events = append(events, e)
		}
	}
	if seen[EventAll] {
		events = []string{EventAll}
	}
	in.Events = events
	return v.Err()
}

// urlRefusal turns the outbound client's refusal of a URL into a field
// message (fixed texts, so they can be translated).
func urlRefusal(err error, u *url.URL) string {
	var b *outbound.BlockedError
	switch {
	case u.User != nil:
		return "must not contain a user name or password"
	case u.Scheme == "http" && errors.As(err, &b) && b.Addr == "":
		return "must start with https:// (plain http only when private network targets are allowed)"
	case errors.As(err, &b) && strings.Contains(b.Reason, "non-standard"):
		return "write the IP address in the usual dotted form, such as 203.0.113.10"
	}
	return "points to a loopback, private or link-local address; allow private network targets to use it"
}

// newWebhookSecret returns a signing secret of 256 bits.
func newWebhookSecret() string {
	b := make([]byte, 32)
	rand.Read(b)
	return "whsec_" + base64.RawURLEncoding.EncodeToString(b)
}

// Webhooks lists the webhooks (admins only). Secrets are left out.
func (a *App) Webhooks(ctx context.Context, ac Actor) ([]store.Webhook, error) {
	if err := ac.require(crm.PermSettings); err != nil {
		return nil, err
	}
	hooks, err := a.Store.Webhooks(ctx)
	for i := range hooks {
		hooks[i].Secret = ""
	}
	return hooks, err
}

// Webhook returns one webhook without its secret (admins only).
func (a *App) Webhook(ctx context.Context, ac Actor, id int64) (store.Webhook, error) {
	if err := ac.require(crm.PermSettings); err != nil {
		return store.Webhook{}, err
	}
	h, err := a.Store.Webhook(ctx, id)
	h.Secret = ""
	return h, err
}

// CreateWebhook adds a webhook and returns it with its secret, which is
// shown this once.
func (a *App) CreateWebhook(ctx context.Context, ac Actor, in WebhookInput) (store.Webhook, error) {
	if err := ac.require(crm.PermSettings); err != nil {
		return store.Webhook{}, err
	}
	s, err := a.webhookSettings(ctx)
	if err != nil {
		return store.Webhook{}, err
	}
	if err := in.validate(s); err != nil {
		return store.Webhook{}, err
	}
	h := store.Webhook{Name: in.Name, URL: in.URL, Events: in.Events, Active: in.Active, Secret: newWebhookSecret(), CreatedBy: ac.User.ID}
	err = a.Store.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.CreateWebhook(ctx, &h, a.now()); err != nil {
			return err
		}
		return tx.Audit(ctx, a.audit(ac, "settings.webhook_create", fmt.Sprintf("webhook %d", h.ID), h.URL))
	})
	return h, err
}

// UpdateWebhook changes a webhook when version matches. The secret stays.
func (a *App) UpdateWebhook(ctx context.Context, ac Actor, id, version int64, in WebhookInput) (store.Webhook, error) {
	if err := ac.require(crm.PermSettings); err != nil {
		return store.Webhook{}, err
	}
	s, err := a.webhookSettings(ctx)
	if err != nil {
		return store.Webhook{}, err
	}
	if err := in.validate(s); err != nil {
		return store.Webhook{}, err
	}
	var h store.Webhook
	err = a.Store.InTx(ctx, func(tx *store.Tx) error {
		var err error
		if h, err = a.Store.Webhook(ctx, id); err != nil {
			return err
		}
		h.Name, h.URL, h.Events, h.Active, h.Version = in.Name, in.URL, in.Events, in.Active, version
		if err := tx.UpdateWebhook(ctx, &h, a.now()); err != nil {
			return err
		}
		return tx.Audit(ctx, a.audit(ac, "settings.webhook_update", fmt.Sprintf("webhook %d", h.ID), h.URL))
	})
	h.Secret = ""
	return h, err
}

// RegenerateWebhookSecret gives a webhook a new secret and returns it
// (shown this once). Deliveries already queued are signed with the new one.
func (a *App) RegenerateWebhookSecret(ctx context.Context, ac Actor, id int64) (store.Webhook, error) {
	if err := ac.require(crm.PermSettings); err != nil {
		return store.Webhook{}, err
	}
	var h store.Webhook
	err := a.Store.InTx(ctx, func(tx *store.Tx) error {
		var err error
		if h, err = a.Store.Webhook(ctx, id); err != nil {
			return err
		}
		h.Secret = newWebhookSecret()
		if err := tx.UpdateWebhook(ctx, &h, a.now()); err != nil {
			return err
		}
		return tx.Audit(ctx, a.audit(ac, "settings.webhook_secret", fmt.Sprintf("webhook %d", h.ID), ""))
	})
	return h, err
}

// DeleteWebhook removes a webhook and its delivery log.
func (a *App) DeleteWebhook(ctx context.Context, ac Actor, id int64) error {
	if err := ac.require(crm.PermSettings); err != nil {
		return err
	}
	return a.Store.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.DeleteWebhook(ctx, id); err != nil {
			return err
		}
		return tx.Audit(ctx, a.audit(ac, "settings.webhook_delete", fmt.Sprintf("webhook %d", id), ""))
	})
}

// WebhookDeliveries lists a webhook's delivery log, newest first.
func (a *App) WebhookDeliveries(ctx context.Context, ac Actor, webhookID, beforeID int64, limit int) ([]store.WebhookDelivery, error) {
	if err := ac.require(crm.PermSettings); err != nil {
		return nil, err
	}
	if _, err := a.Store.Webhook(ctx, webhookID); err != nil {
		return nil, err
	}
	return a.Store.Deliveries(ctx, webhookID, beforeID, limit)
}

// WebhookDelivery returns one delivery of a webhook.
func (a *App) WebhookDelivery(ctx context.Context, ac Actor, webhookID, id int64) (store.WebhookDelivery, error) {
	if err := ac.require(crm.PermSettings); err != nil {
		return store.WebhookDelivery{}, err
	}
	d, err := a.Store.Delivery(ctx, id)
	if err == nil && d.WebhookID != webhookID {
		err = crm.ErrNotFound
	}
	return d, err
}

// payload is the JSON body of every delivery.
type payload struct {
	ID        string          `json:"id"`
	Event     string          `json:"event"`
	CreatedAt string          `json:"created_at"`
	Data      json.RawMessage `json:"data"`
}

func randomID(prefix string) string {
	b := make([]byte, 12)
	rand.Read(b)
	return prefix + hex.EncodeToString(b)
}

// contactOf finds the person a payload is about: data.contact_id, or
// data.contact.id.
func contactOf(data []byte) int64 {
	var d struct {
		ContactID any `json:"contact_id"`
		Contact   struct {
			ID any `json:"id"`
		} `json:"contact"`
	}
	if json.Unmarshal(data, &d) != nil {
		return 0
	}
	for _, v := range []any{d.ContactID, d.Contact.ID} {
		if f, ok := v.(float64); ok && f > 0 {
			return int64(f)
		}
	}
	return 0
}

// subscribed reports whether a webhook wants an event.
func subscribed(h store.Webhook, event string) bool {
	return slices.Contains(h.Events, event) || slices.Contains(h.Events, EventAll)
}

// queueDelivery adds one delivery and the job that sends it.
func (a *App) queueDelivery(ctx context.Context, tx *store.Tx, d *store.WebhookDelivery) error {
	now := a.now()
	d.UID, d.CreatedAt, d.NextAttemptAt, d.Status = randomID("dlv_"), now, now, store.DeliveryPending
	if err := tx.AddDelivery(ctx, d); err != nil {
		return err
	}
	return tx.Enqueue(ctx, deliveryJob(d.ID, now))
}

func deliveryJob(deliveryID int64, at time.Time) *store.Job {
	return &store.Job{Kind: JobWebhookDeliver, Payload: fmt.Sprintf(`{"delivery_id":%d}`, deliveryID),
		RunAt: at, CreatedAt: at, MaxAttempts: 3}
}

// newPayload builds the body of an event.
func (a *App) newPayload(event string, data any) (body []byte, contactID int64, eventID string, err error) {
	raw, err := json.Marshal(data)
	if err != nil {
		return nil, 0, "", fmt.Errorf("webhook %s: %w", event, err)
	}
	eventID = randomID("evt_")
	body, err = json.Marshal(payload{ID: eventID, Event: event, CreatedAt: a.now().Format(time.RFC3339Nano), Data: raw})
	return body, contactOf(raw), eventID, err
}

// SendTestWebhook queues a ping event to one webhook (whatever it
// subscribes to, active or not) and returns the delivery.
func (a *App) SendTestWebhook(ctx context.Context, ac Actor, id int64) (store.WebhookDelivery, error) {
	if err := ac.require(crm.PermSettings); err != nil {
		return store.WebhookDelivery{}, err
	}
	var d store.WebhookDelivery
	err := a.Store.InTx(ctx, func(tx *store.Tx) error {
		h, err := a.Store.Webhook(ctx, id)
		if err != nil {
			return err
		}
		body, _, eventID, err := a.newPayload(EventPing, map[string]any{"webhook_id": h.ID,
			"message": "This is a test event from Renkei.", "sent_by": ac.User.Email})
		if err != nil {
			return err
		}
		d = store.WebhookDelivery{WebhookID: h.ID, Event: EventPing, EventID: eventID, Payload: string(body)}
		return a.queueDelivery(ctx, tx, &d)
	})
	return d, err
}

// RedeliverWebhook sends a delivery's payload again, as a new delivery with
// the same event id (receivers can tell it is the same event).
func (a *App) RedeliverWebhook(ctx context.Context, ac Actor, webhookID, deliveryID int64) (store.WebhookDelivery, error) {
	if err := ac.require(crm.PermSettings); err != nil {
		return store.WebhookDelivery{}, err
	}
	var d store.WebhookDelivery
	err := a.Store.InTx(ctx, func(tx *store.Tx) error {
		old, err := tx.DeliveryForUpdate(ctx, deliveryID)
		if err != nil {
			return err
		}
		if old.WebhookID != webhookID {
			return crm.ErrNotFound
		}
		d = store.WebhookDelivery{WebhookID: old.WebhookID, Event: old.Event, EventID: old.EventID, ContactID: old.ContactID, Payload: old.Payload}
		if err := a.queueDelivery(ctx, tx, &d); err != nil {
			return err
		}
		return tx.Audit(ctx, a.audit(ac, "settings.webhook_resend", fmt.Sprintf("webhook %d", webhookID), old.UID))
	})
	return d, err
}

// Sign returns the X-Renkei-Signature value of a body sent at t:
// t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>" with the secret>.
func Sign(secret string, t time.Time, body []byte) string {
	ts := strconv.FormatInt(t.Unix(), 10)
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(ts))
	m.Write([]byte("."))
	m.Write(body)
	return "t=" + ts + ",v1=" + hex.EncodeToString(m.Sum(nil))
}

// handleWebhookDeliver makes one attempt of one delivery, records it, and
// plans the next attempt when it failed and may be retried. Errors of the
// database are returned (the job retries); outcomes of the receiver are
// recorded on the delivery and end the job.
func (a *App) handleWebhookDeliver(ctx context.Context, j store.Job, _ jobs.Progress) error {
	var p struct {
		DeliveryID int64 `json:"delivery_id"`
	}
	if err := json.Unmarshal([]byte(j.Payload), &p); err != nil {
		return jobs.Permanent{Err: fmt.Errorf("bad webhook job payload: %w", err)}
	}
	d, err := a.Store.Delivery(ctx, p.DeliveryID)
	if errors.Is(err, crm.ErrNotFound) {
		return nil // deleted with its webhook or its person
	}
	if err != nil {
		return err
	}
	if d.Status == store.DeliveryDelivered || d.Status == store.DeliveryFailed {
		return nil // a job run twice: the outcome is recorded already
	}
	h, err := a.Store.Webhook(ctx, d.WebhookID)
	if errors.Is(err, crm.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	settings, err := a.webhookSettings(ctx)
	if err != nil {
		return err
	}
	now := a.now()
	if h.PausedUntil.After(now) && d.Event != EventPing {
		// The receiver failed a moment ago and is retried at PausedUntil:
		// wait with it rather than spend a job slot (and up to the time
		// limit) on a receiver that is most likely still down.
		return a.Store.InTx(ctx, func(tx *store.Tx) error {
			if err := tx.PostponeDelivery(ctx, d.ID, h.PausedUntil); err != nil {
				return err
			}
			return tx.Enqueue(ctx, deliveryJob(d.ID, h.PausedUntil))
		})
	}
	d.Attempts++
	d.LastAttemptAt = now
	d.NextAttemptAt = time.Time{}
	d.ResponseCode, d.ResponseBody, d.Error, d.Duration = 0, "", "", 0
	retry := false
	if !h.Active && d.Event != EventPing {
		d.Status, d.Error = store.DeliveryFailed, "the webhook is turned off"
	} else {
		res, err := a.post(ctx, settings, h, d, now)
		d.ResponseCode, d.ResponseBody, d.Duration = res.Status, string(res.Body), res.Duration
		switch {
		case err != nil && outbound.IsBlocked(err):
			d.Status, d.Error = store.DeliveryFailed, err.Error()
		case err != nil:
			d.Error, retry = err.Error(), true
		case res.Status >= 200 && res.Status < 300:
			d.Status = store.DeliveryDelivered
		default:
			d.Error, retry = fmt.Sprintf("the receiver answered %d %s", res.Status, http.StatusText(res.Status)), true
		}
	}
	if retry {
		d.Status = store.DeliveryFailed
		if d.Attempts < MaxDeliveryAttempts {
			d.Status, d.NextAttemptAt = store.DeliveryRetrying, now.Add(DeliveryBackoff(d.Attempts))
		}
	}
	if !utf8.ValidString(d.ResponseBody) {
		d.ResponseBody = strings.ToValidUTF8(d.ResponseBody, "�")
	}
	return a.Store.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.RecordAttempt(ctx, d); err != nil {
			return err
		}
		switch {
		case d.Status == store.DeliveryRetrying:
			if err := tx.PauseWebhook(ctx, h.ID, d.NextAttemptAt); err != nil {
				return err
			}
			return tx.Enqueue(ctx, deliveryJob(d.ID, d.NextAttemptAt))
		case d.Status == store.DeliveryDelivered && !h.PausedUntil.IsZero():
			return tx.PauseWebhook(ctx, h.ID, time.Time{})
		}
		return nil
	})
}

// post sends one delivery with its signature headers.
func (a *App) post(ctx context.Context, s WebhookSettings, h store.Webhook, d store.WebhookDelivery, now time.Time) (outbound.Response, error) {
	body := []byte(d.Payload)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, h.URL, bytes.NewReader(body))
	if err != nil {
		return outbound.Response{}, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Renkei-Webhooks/1")
	req.Header.Set("X-Renkei-Event", d.Event)
	req.Header.Set("X-Renkei-Delivery", d.UID)
	req.Header.Set("X-Renkei-Signature", Sign(h.Secret, now, body))
	return a.outboundClient(s.AllowPrivate).Do(req)
}

// ContactPayload is how a contact appears in webhook payloads (the
// documented shape; see docs/webhooks.md). Areas put it under "contact".
func ContactPayload(c crm.Contact) map[string]any {
	tags := c.Tags
	if tags == nil {
		tags = []string{}
	}
	return map[string]any{
		"id": c.ID, "email": c.Email,
		"family_name": c.Family, "given_name": c.Given, "family_reading": c.FamilyReading, "given_reading": c.GivenReading,
		"phone": c.Phone, "job_title": c.JobTitle, "department": c.Department,
		"company_id": c.CompanyID, "company_name": c.CompanyName, "owner_id": c.OwnerID,
		"lifecycle_stage": string(c.Lifecycle), "lead_status": string(c.LeadStatus),
		"original_source": string(c.OriginalSource), "consent": string(c.Consent), "tags": tags,
		"created_at": c.CreatedAt.UTC().Format(time.RFC3339Nano),
	}
}

// via says through which surface an actor acts, for payloads: api or ui.
func (ac Actor) via() string {
	if ac.TokenID != 0 {
		return "api"
	}
	return "ui"
}

// emitImportCompleted sends import.completed for a finished import. An
// import sends this one event instead of one contact.created per row: a
// 100,000-row file must not become 100,000 deliveries per webhook. It runs
// just after the import is marked done (a job that runs again after that
// returns early, so the event is not sent twice; a crash in between loses
// it).
func (a *App) emitImportCompleted(ctx context.Context, importID int64) error {
	im, err := a.Store.Import(ctx, importID)
	if err != nil {
		return err
	}
	return a.Store.InTx(ctx, func(tx *store.Tx) error {
		return a.emitWebhook(ctx, tx, EventImportCompleted, map[string]any{
			"import_id": im.ID, "object": im.Object, "filename": im.Filename, "user_id": im.UserID,
			"rows": im.DoneRows, "created": im.Created, "updated": im.Updated, "skipped": im.Skipped, "errors": im.Errors,
			"finished_at": im.FinishedAt.UTC().Format(time.RFC3339Nano),
		})
	})
}
