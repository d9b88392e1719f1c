package api

import (
	"fmt"
	"net/http"
	"time"

	"renkei/internal/app"
	"renkei/internal/crm"
	"renkei/internal/store"
)

// webhooksRoutes are the API endpoints of outgoing webhooks and their
// delivery log, and of the privacy (retention) settings.
func (s *server) webhooksRoutes() []route {
	return []route{
		{method: http.MethodGet, path: "/webhooks", perm: crm.PermSettings, id: "listWebhooks", tag: "webhooks",
			summary: "Outgoing webhooks by id (secrets are never listed)", query: pageParams(),
			status: 200, resp: "WebhookList", handle: s.listWebhooks},
		{method: http.MethodPost, path: "/webhooks", perm: crm.PermSettings, id: "createWebhook", tag: "webhooks",
			summary: "Add a webhook; its signing secret is shown only in this response",
			body:    "WebhookInput", status: 201, resp: "CreatedWebhook", location: true, handle: s.createWebhook},
		{method: http.MethodGet, path: "/webhooks/{id}", perm: crm.PermSettings, id: "getWebhook", tag: "webhooks",
			summary: "One webhook", status: 200, resp: "Webhook", handle: s.getWebhook},
		{method: http.MethodPatch, path: "/webhooks/{id}", perm: crm.PermSettings, id: "updateWebhook", tag: "webhooks",
			summary: "Change the fields sent (the secret stays; regenerate it with POST …/secret)",
			body:    "WebhookPatch", ifMatch: true, status: 200, resp: "Webhook", handle: s.updateWebhook},
		{method: http.MethodDelete, path: "/webhooks/{id}", perm: crm.PermSettings, id: "deleteWebhook", tag: "webhooks",
			summary: "Delete a webhook with its delivery log", status: 204, handle: s.deleteWebhook},
		{method: http.MethodPost, path: "/webhooks/{id}/secret", perm: crm.PermSettings, id: "regenerateWebhookSecret", tag: "webhooks",
			summary: "Give the webhook a new signing secret, shown only in this response; the old one stops working at once",
			status:  200, resp: "CreatedWebhook", handle: s.regenerateWebhookSecret},
		{method: http.MethodPost, path: "/webhooks/{id}/test", perm: crm.PermSettings, id: "testWebhook", tag: "webhooks",
			summary: "Queue a ping event to the webhook (whatever it subscribes to); follow the delivery for the outcome",
			status:  202, resp: "WebhookDelivery", location: true, handle: s.testWebhook},
		{method: http.MethodGet, path: "/webhooks/{id}/deliveries", perm: crm.PermSettings, id: "listWebhookDeliveries", tag: "webhooks",
			summary: "The delivery log, newest first (kept 30 days)", query: pageParams(),
			status: 200, resp: "WebhookDeliveryList", handle: s.listDeliveries},
		{method: http.MethodGet, path: "/webhooks/{id}/deliveries/{delivery_id}", perm: crm.PermSettings, id: "getWebhookDelivery",
			tag: "webhooks", summary: "One delivery with its payload", status: 200, resp: "WebhookDelivery", handle: s.getDelivery},
		{method: http.MethodPost, path: "/webhooks/{id}/deliveries/{delivery_id}/resend", perm: crm.PermSettings, id: "resendWebhookDelivery",
			tag: "webhooks", summary: "Send a delivery's payload again, as a new delivery with the same event id",
			status: 202, resp: "WebhookDelivery", location: true, handle: s.resendDelivery},
		{method: http.MethodGet, path: "/settings/webhooks", perm: crm.PermSettings, id: "getWebhookSettings", tag: "settings",
			summary: "Webhook settings", status: 200, resp: "WebhookSettings", handle: s.getWebhookSettings},
		{method: http.MethodPut, path: "/settings/webhooks", perm: crm.PermSettings, id: "putWebhookSettings", tag: "settings",
			summary: "Replace the webhook settings (If-Match: \"0\" before the first save)", body: "WebhookSettingsInput",
			ifMatch: true, status: 200, resp: "WebhookSettings", handle: s.putWebhookSettings},
		{method: http.MethodGet, path: "/settings/privacy", perm: crm.PermSettings, id: "getPrivacySettings", tag: "settings",
			summary: "Retention of tracking events and IP addresses", status: 200, resp: "PrivacySettings", handle: s.getPrivacySettings},
		{method: http.MethodPut, path: "/settings/privacy", perm: crm.PermSettings, id: "putPrivacySettings", tag: "settings",
			summary: "Replace the retention settings (If-Match: \"0\" before the first save); applied by the daily run",
			body:    "PrivacySettingsInput", ifMatch: true, status: 200, resp: "PrivacySettings", handle: s.putPrivacySettings},
	}
}

// webhooksSchemas are the OpenAPI schemas those endpoints use.
func webhooksSchemas() js {
	events := append(app.WebhookEvents(), app.EventAll)
	eventList := withDesc(arrayOf(enumOf(events...)), `Events to receive; "*" is every event, including ones added later.`)
	hook := record(js{
		"id":           idSchema("Webhook id."),
		"name":         str("Label."),
		"url":          str("Where deliveries are POSTed: https, or http when private network targets are allowed."),
		"events":       eventList,
		"active":       boolean("Inactive webhooks receive nothing but test events."),
		"paused_until": nullable(dateTime("After a failed attempt, deliveries wait until the retry at this time; null when the receiver is fine.")),
		"created_at":   dateTime(""),
		"updated_at":   dateTime(""),
		"version":      idSchema("Version for If-Match; also the ETag."),
	})
	hookIn := js{
		"name":   str("Label (default: the URL's host)."),
		"url":    str("https://… (http only when private network targets are allowed)."),
		"events": eventList,
		"active": withDesc(js{"type": "boolean", "default": true}, "Send events (default true)."),
	}
	delivery := record(js{
		"id":              idSchema("Delivery id."),
		"webhook_id":      idSchema(""),
		"uid":             str("Sent as X-Renkei-Delivery."),
		"event":           str("Event name (ping for test events)."),
		"event_id":        str("The payload's id: the same for every webhook and every resend of the event."),
		"status":          withDesc(enumOf(store.DeliveryPending, store.DeliveryRetrying, store.DeliveryDelivered, store.DeliveryFailed), "pending: not tried yet; retrying: failed, next_attempt_at is planned; delivered: answered 2xx; failed: given up."),
		"attempts":        integer("Attempts made (at most 6)."),
		"next_attempt_at": nullable(dateTime("When the next attempt is planned.")),
		"last_attempt_at": nullable(dateTime("")),
		"response_code":   nullable(integer("HTTP status of the last answer; null when there was none.")),
		"response_body":   str("The first 1 KiB of the last answer."),
		"duration_ms":     integer("How long the last attempt took."),
		"error":           str("Why the last attempt failed (a refused address, a timeout, a non-2xx status)."),
		"payload":         str("The JSON body sent (see docs/webhooks.md)."),
		"created_at":      dateTime(""),
	})
	days := func(desc string) js { return described(js{"type": "integer", "minimum": 0, "maximum": 36500}, desc) }
	whSettings := js{"allow_private": boolean("Allow loopback, private and link-local targets and plain http (receivers inside your network). Off by default.")}
	privacy := js{
		"tracking_days": days("Tracking events older than this many days are deleted; 0 keeps them. Aggregates are kept. Default 395."),
		"ip_days":       days("IP addresses older than this many days are blanked (consent ledger, audit log, sessions, form submissions); 0 keeps them. Default 30."),
	}
	withVersion := func(props js) js {
		out := js{"version": integer("Version for If-Match (0 before the first save); also the ETag.")}
		for k, v := range props {
			out[k] = v
		}
		return record(out)
	}
	return js{
		"Webhook":              hook,
		"WebhookList":          listOf("Webhook"),
		"CreatedWebhook":       merge(hook, js{"secret": str("The signing secret (whsec_…). Shown only here: store it now.")}, "secret"),
		"WebhookInput":         input([]string{"url", "events"}, hookIn),
		"WebhookPatch":         input(nil, hookIn),
		"WebhookDelivery":      delivery,
		"WebhookDeliveryList":  listOf("WebhookDelivery"),
		"WebhookSettings":      withVersion(whSettings),
		"WebhookSettingsInput": input([]string{"allow_private"}, whSettings),
		"PrivacySettings":      withVersion(privacy),
		"PrivacySettingsInput": input([]string{"tracking_days", "ip_days"}, privacy),
	}
}

type webhookJSON struct {
	ID        int64      `json:"id"`
	Name      string     `json:"name"`
	URL       string     `json:"url"`
	Events    []string   `json:"events"`
	Active    bool       `json:"active"`
	Paused    *time.Time `json:"paused_until"`
	CreatedAt time.Time  `json:"created_at"`
	UpdatedAt time.Time  `json:"updated_at"`
	Version   int64      `json:"version"`
}

func (h webhookJSON) etag() int64 { return h.Version }

func toWebhook(h store.Webhook) webhookJSON {
	ev := h.Events
	if ev == nil {
		ev = []string{}
	}
	return webhookJSON{ID: h.ID, Name: h.Name, URL: h.URL, Events: ev, Active: h.Active, Paused: optTime(h.PausedUntil),
		CreatedAt: h.CreatedAt, UpdatedAt: h.UpdatedAt, Version: h.Version}
}

type createdWebhookJSON struct {
	webhookJSON
	Secret string `json:"secret"`
}

type webhookInput struct {
	Name   *string   `json:"name"`
	URL    *string   `json:"url"`
	Events *[]string `json:"events"`
	Active *bool     `json:"active"`
}

// apply copies the sent fields over in.
func (p webhookInput) apply(in *app.WebhookInput) {
	if p.Name != nil {
		in.Name = *p.Name
	}
	if p.URL != nil {
		in.URL = *p.URL
	}
	if p.Events != nil {
		in.Events = *p.Events
	}
	if p.Active != nil {
		in.Active = *p.Active
	}
}

type deliveryJSON struct {
	ID            int64      `json:"id"`
	WebhookID     int64      `json:"webhook_id"`
	UID           string     `json:"uid"`
	Event         string     `json:"event"`
	EventID       string     `json:"event_id"`
	Status        string     `json:"status"`
	Attempts      int        `json:"attempts"`
	NextAttemptAt *time.Time `json:"next_attempt_at"`
	LastAttemptAt *time.Time `json:"last_attempt_at"`
	ResponseCode  *int       `json:"response_code"`
	ResponseBody  string     `json:"response_body"`
	DurationMS    int64      `json:"duration_ms"`
	Error         string     `json:"error"`
	Payload       string     `json:"payload"`
	CreatedAt     time.Time  `json:"created_at"`
}

func toDelivery(d store.WebhookDelivery) deliveryJSON {
	out := deliveryJSON{ID: d.ID, WebhookID: d.WebhookID, UID: d.UID, Event: d.Event, EventID: d.EventID, Status: d.Status,
		Attempts: d.Attempts, NextAttemptAt: optTime(d.NextAttemptAt), LastAttemptAt: optTime(d.LastAttemptAt),
		ResponseBody: d.ResponseBody, DurationMS: d.Duration.Milliseconds(), Error: d.Error, Payload: d.Payload, CreatedAt: d.CreatedAt}
	if d.ResponseCode != 0 {
		code := d.ResponseCode
		out.ResponseCode = &code
	}
	return out
}

func (s *server) listWebhooks(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	p, err := parsePage(r)
	if err != nil {
		return err
	}
	hooks, err := s.app.Webhooks(r.Context(), ac) // a handful: page in memory
	if err != nil {
		return err
	}
	out := []webhookJSON{}
	for _, h := range hooks {
		if h.ID > p.after && len(out) <= p.limit {
			out = append(out, toWebhook(h))
		}
	}
	return writeJSON(w, http.StatusOK, newList(out, p.limit, func(h webhookJSON) int64 { return h.ID }))
}

func (s *server) createWebhook(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	var p webhookInput
	if err := decodeJSON(r, &p, false); err != nil {
		return err
	}
	in := app.WebhookInput{Active: true}
	p.apply(&in)
	h, err := s.app.CreateWebhook(r.Context(), ac, in)
	if err != nil {
		return err
	}
	w.Header().Set("Location", fmt.Sprintf("%s/webhooks/%d", Prefix, h.ID))
	return writeJSON(w, http.StatusCreated, createdWebhookJSON{webhookJSON: toWebhook(h), Secret: h.Secret})
}

func (s *server) getWebhook(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	h, err := s.app.Webhook(r.Context(), ac, id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, toWebhook(h))
}

func (s *server) updateWebhook(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	version, err := ifMatch(r)
	if err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var p webhookInput
	if err := decodeJSON(r, &p, false); err != nil {
		return err
	}
	h, err := s.app.Webhook(r.Context(), ac, id)
	if err != nil {
		return err
	}
	in := app.WebhookInput{Name: h.Name, URL: h.URL, Events: h.Events, Active: h.Active}
	p.apply(&in)
	if h, err = s.app.UpdateWebhook(r.Context(), ac, id, version, in); err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, toWebhook(h))
}

func (s *server) deleteWebhook(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.app.DeleteWebhook(r.Context(), ac, id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *server) regenerateWebhookSecret(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	h, err := s.app.RegenerateWebhookSecret(r.Context(), ac, id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, createdWebhookJSON{webhookJSON: toWebhook(h), Secret: h.Secret})
}

func (s *server) testWebhook(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	d, err := s.app.SendTestWebhook(r.Context(), ac, id)
	if err != nil {
		return err
	}
	s.wake()
	w.Header().Set("Location", fmt.Sprintf("%s/webhooks/%d/deliveries/%d", Prefix, id, d.ID))
	return writeJSON(w, http.StatusAccepted, toDelivery(d))
}

func (s *server) listDeliveries(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	p, err := parsePage(r)
	if err != nil {
		return err
	}
	ds, err := s.app.WebhookDeliveries(r.Context(), ac, id, p.after, p.limit+1)
	if err != nil {
		return err
	}
	out := make([]deliveryJSON, len(ds))
	for i, d := range ds {
		out[i] = toDelivery(d)
	}
	return writeJSON(w, http.StatusOK, newList(out, p.limit, func(d deliveryJSON) int64 { return d.ID }))
}

func (s *server) getDelivery(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	did, err := pathID(r, "delivery_id")
	if err != nil {
		return err
	}
	d, err := s.app.WebhookDelivery(r.Context(), ac, id, did)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, toDelivery(d))
}

func (s *server) resendDelivery(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	did, err := pathID(r, "delivery_id")
	if err != nil {
		return err
	}
	d, err := s.app.RedeliverWebhook(r.Context(), ac, id, did)
	if err != nil {
		return err
	}
	s.wake()
	w.Header().Set("Location", fmt.Sprintf("%s/webhooks/%d/deliveries/%d", Prefix, id, d.ID))
	return writeJSON(w, http.StatusAccepted, toDelivery(d))
}

type webhookSettingsJSON struct {
	AllowPrivate bool  `json:"allow_private"`
	Version      int64 `json:"version"`
}

func (v webhookSettingsJSON) etag() int64 { return v.Version }

type webhookSettingsInput struct {
	AllowPrivate *bool `json:"allow_private"`
}

func (s *server) getWebhookSettings(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	st, err := s.app.WebhookSettings(r.Context(), ac)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, webhookSettingsJSON{AllowPrivate: st.AllowPrivate, Version: st.Version})
}

func (s *server) putWebhookSettings(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	version, err := ifMatch(r)
	if err != nil {
		return err
	}
	var in webhookSettingsInput
	if err := decodeJSON(r, &in, false); err != nil {
		return err
	}
	if in.AllowPrivate == nil {
		return crm.Invalid("allow_private", "is required")
	}
	st, err := s.app.UpdateWebhookSettings(r.Context(), ac, app.WebhookSettings{AllowPrivate: *in.AllowPrivate, Version: version})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, webhookSettingsJSON{AllowPrivate: st.AllowPrivate, Version: st.Version})
}

type privacySettingsJSON struct {
	TrackingDays int   `json:"tracking_days"`
	IPDays       int   `json:"ip_days"`
	Version      int64 `json:"version"`
}

func (v privacySettingsJSON) etag() int64 { return v.Version }

type privacySettingsInput struct {
	TrackingDays *int `json:"tracking_days"`
	IPDays       *int `json:"ip_days"`
}

func (s *server) getPrivacySettings(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	p, err := s.app.PrivacySettings(r.Context(), ac)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, privacySettingsJSON{TrackingDays: p.TrackingDays, IPDays: p.IPDays, Version: p.Version})
}

func (s *server) putPrivacySettings(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	version, err := ifMatch(r)
	if err != nil {
		return err
	}
	var in privacySettingsInput
	if err := decodeJSON(r, &in, false); err != nil {
		return err
	}
	v := &crm.ValidationError{}
	if in.TrackingDays == nil {
		v.Add("tracking_days", "is required")
	}
	if in.IPDays == nil {
		v.Add("ip_days", "is required")
	}
	if v.Err() != nil {
		return v
	}
	p, err := s.app.UpdatePrivacySettings(r.Context(), ac, app.PrivacySettings{TrackingDays: *in.TrackingDays, IPDays: *in.IPDays, Version: version})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, privacySettingsJSON{TrackingDays: p.TrackingDays, IPDays: p.IPDays, Version: p.Version})
}
