package api

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"renkei/internal/app"
	"renkei/internal/crm"
)

// broadcastsRoutes are the API endpoints of broadcasts (一斉配信) and of
// the sending settings (issue 8 §3, §5).
func (s *server) broadcastsRoutes() []route {
	return []route{
		{method: http.MethodGet, path: "/broadcasts", perm: crm.PermReadAll, id: "listBroadcasts", tag: "broadcasts",
			summary: "Every broadcast, newest first (at most 500)", status: 200, resp: "BroadcastList", handle: s.listBroadcasts},
		{method: http.MethodPost, path: "/broadcasts", perm: crm.PermWriteMarketing, id: "createBroadcast", tag: "broadcasts",
			summary: "Create a draft broadcast", body: "BroadcastInput", status: 201, resp: "Broadcast", location: true,
			handle: s.createBroadcast},
		{method: http.MethodGet, path: "/broadcasts/{id}", perm: crm.PermReadAll, id: "getBroadcast", tag: "broadcasts",
			summary: "One broadcast", status: 200, resp: "Broadcast", handle: s.getBroadcast},
		{method: http.MethodPut, path: "/broadcasts/{id}", perm: crm.PermWriteMarketing, id: "updateBroadcast", tag: "broadcasts",
			summary: "Replace a draft's or a scheduled broadcast's content and settings", body: "BroadcastInput", ifMatch: true,
			status: 200, resp: "Broadcast", refused: true, handle: s.updateBroadcast},
		{method: http.MethodDelete, path: "/broadcasts/{id}", perm: crm.PermWriteMarketing, id: "deleteBroadcast", tag: "broadcasts",
			summary: "Delete a draft or scheduled broadcast", status: 204, refused: true, handle: s.deleteBroadcast},
		{method: http.MethodPost, path: "/broadcasts/{id}/start", perm: crm.PermWriteMarketing, id: "startBroadcast", tag: "broadcasts",
			summary: "Send now, or schedule with send_at in the future; refused (422) without the compliance block of the sending settings",
			body:    "BroadcastStart", bodyOptional: true, status: 200, resp: "Broadcast", refused: true, handle: s.startBroadcast},
		{method: http.MethodPost, path: "/broadcasts/{id}/pause", perm: crm.PermWriteMarketing, id: "pauseBroadcast", tag: "broadcasts",
			summary: "Pause a sending broadcast (messages already handed to a sender still go)", status: 204, refused: true,
			handle: s.broadcastAction((*app.App).PauseBroadcast)},
		{method: http.MethodPost, path: "/broadcasts/{id}/resume", perm: crm.PermWriteMarketing, id: "resumeBroadcast", tag: "broadcasts",
			summary: "Resume a paused broadcast", status: 204, refused: true, handle: s.broadcastAction((*app.App).ResumeBroadcast)},
		{method: http.MethodPost, path: "/broadcasts/{id}/cancel", perm: crm.PermWriteMarketing, id: "cancelBroadcast", tag: "broadcasts",
			summary: "Cancel a scheduled, sending or paused broadcast for good", status: 204, refused: true,
			handle: s.broadcastAction((*app.App).CancelBroadcast)},
		{method: http.MethodGet, path: "/broadcasts/{id}/report", perm: crm.PermReadAll, id: "getBroadcastReport", tag: "broadcasts",
			summary: "Progress and results: queued, sent, failed, bounced, opens, clicks per link, unsubscribes",
			status:  200, resp: "BroadcastReport", handle: s.broadcastReport},
		{method: http.MethodGet, path: "/settings/sending", perm: crm.PermSettings, id: "getSendingSettings", tag: "broadcasts",
			summary: "The sending settings of marketing mail (passwords and the DKIM private key are never returned)",
			status:  200, resp: "SendingSettings", handle: s.getSending},
		{method: http.MethodPut, path: "/settings/sending", perm: crm.PermSettings, id: "putSendingSettings", tag: "broadcasts",
			summary: "Replace the sending settings; an empty password or key keeps the stored one",
			body:    "SendingSettingsInput", ifMatch: true, status: 200, resp: "SendingSettings", handle: s.putSending},
	}
}

type broadcastJSON struct {
	ID         int64      `json:"id"`
	Name       string     `json:"name"`
	Status     string     `json:"status"`
	IncludeIDs []int64    `json:"include_ids"`
	ExcludeIDs []int64    `json:"exclude_ids"`
	Subject    string     `json:"subject"`
	SubjectB   string     `json:"subject_b"`
	Preheader  string     `json:"preheader"`
	HTML       string     `json:"html"`
	TemplateID int64      `json:"template_id"`
	FromName   string     `json:"from_name"`
	AsOwner    bool       `json:"as_owner"`
	Topic      string     `json:"topic"`
	SendAt     *time.Time `json:"send_at"`
	PerSecond  int        `json:"per_second"`
	PerHour    int        `json:"per_hour"`
	ABShare    int        `json:"ab_share"`
	ABWaitMin  int        `json:"ab_wait_min"`
	ABMetric   string     `json:"ab_metric"`
	Winner     string     `json:"winner"`
	Recipients int        `json:"recipients"`
	CreatedAt  time.Time  `json:"created_at"`
	UpdatedAt  time.Time  `json:"updated_at"`
	StartedAt  *time.Time `json:"started_at"`
	FinishedAt *time.Time `json:"finished_at"`
	Version    int64      `json:"version"`
}

func (b broadcastJSON) etag() int64 { return b.Version }

func toBroadcast(b crm.Broadcast) broadcastJSON {
	return broadcastJSON{ID: b.ID, Name: b.Name, Status: string(b.Status), IncludeIDs: append([]int64{}, b.IncludeIDs...),
		ExcludeIDs: append([]int64{}, b.ExcludeIDs...), Subject: b.Subject, SubjectB: b.SubjectB, Preheader: b.Preheader,
		HTML: b.HTML, TemplateID: b.TemplateID, FromName: b.FromName, AsOwner: b.AsOwner, Topic: b.Topic, SendAt: optTime(b.SendAt),
		PerSecond: b.PerSecond, PerHour: b.PerHour, ABShare: b.ABShare, ABWaitMin: b.ABWaitMin, ABMetric: b.ABMetric,
		Winner: b.Winner, Recipients: b.Recipients, CreatedAt: b.CreatedAt, UpdatedAt: b.UpdatedAt,
		StartedAt: optTime(b.StartedAt), FinishedAt: optTime(b.FinishedAt), Version: b.Version}
}

type broadcastInput struct {
	Name       string  `json:"name"`
	IncludeIDs []int64 `json:"include_ids"`
	ExcludeIDs []int64 `json:"exclude_ids"`
	Subject    string  `json:"subject"`
	SubjectB   string  `json:"subject_b"`
	Preheader  string  `json:"preheader"`
	HTML       string  `json:"html"`
	TemplateID int64   `json:"template_id"`
	FromName   string  `json:"from_name"`
	AsOwner    bool    `json:"as_owner"`
	Topic      string  `json:"topic"`
	PerSecond  int     `json:"per_second"`
	PerHour    int     `json:"per_hour"`
	ABShare    int     `json:"ab_share"`
	ABWaitMin  int     `json:"ab_wait_min"`
	ABMetric   string  `json:"ab_metric"`
}

func (in broadcastInput) broadcast() crm.Broadcast {
	return crm.Broadcast{Name: in.Name, IncludeIDs: in.IncludeIDs, ExcludeIDs: in.ExcludeIDs, Subject: in.Subject,
		SubjectB: in.SubjectB, Preheader: in.Preheader, HTML: in.HTML, TemplateID: in.TemplateID, FromName: in.FromName, AsOwner: in.AsOwner,
		Topic: in.Topic, PerSecond: in.PerSecond, PerHour: in.PerHour, ABShare: in.ABShare, ABWaitMin: in.ABWaitMin,
		ABMetric: in.ABMetric}
}

func (s *server) listBroadcasts(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	bs, err := s.app.Broadcasts(r.Context(), ac)
	if err != nil {
		return err
	}
	out := list[broadcastJSON]{Data: []broadcastJSON{}}
	for _, b := range bs {
		out.Data = append(out.Data, toBroadcast(b))
	}
	return writeJSON(w, http.StatusOK, out)
}

func (s *server) createBroadcast(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	var in broadcastInput
	if err := decodeJSON(r, &in, false); err != nil {
		return err
	}
	b, err := s.app.CreateBroadcast(r.Context(), ac, in.broadcast())
	if err != nil {
		return err
	}
	w.Header().Set("Location", fmt.Sprintf("%s/broadcasts/%d", Prefix, b.ID))
	return writeJSON(w, http.StatusCreated, toBroadcast(b))
}

func (s *server) getBroadcast(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	b, err := s.app.Broadcast(r.Context(), ac, id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, toBroadcast(b))
}

func (s *server) updateBroadcast(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	version, err := ifMatch(r)
	if err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in broadcastInput
	if err := decodeJSON(r, &in, false); err != nil {
		return err
	}
	if _, err := s.app.Broadcast(r.Context(), ac, id); err != nil {
		return err
	}
	b := in.broadcast()
	b.ID, b.Version = id, version
	if b, err = s.app.UpdateBroadcast(r.Context(), ac, b); err != nil {
		return err
	}
	b, err = s.app.Broadcast(r.Context(), ac, id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, toBroadcast(b))
}

func (s *server) deleteBroadcast(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.app.DeleteBroadcast(r.Context(), ac, id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *server) startBroadcast(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in struct {
		SendAt *time.Time `json:"send_at"`
	}
	if err := decodeJSON(r, &in, true); err != nil {
		return err
	}
	at := time.Time{}
	if in.SendAt != nil {
		at = *in.SendAt
	}
	b, err := s.app.StartBroadcast(r.Context(), ac, id, at)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, toBroadcast(b))
}

func (s *server) broadcastAction(fn func(*app.App, context.Context, app.Actor, int64) error) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
		id, err := pathID(r, "id")
		if err != nil {
			return err
		}
		if err := fn(s.app, r.Context(), ac, id); err != nil {
			return err
		}
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
}

func (s *server) broadcastReport(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	rep, err := s.app.BroadcastReport(r.Context(), ac, id)
	if err != nil {
		return err
	}
	type linkJSON struct {
		URL    string `json:"url"`
		Unique int    `json:"unique"`
		Total  int    `json:"total"`
	}
	links := []linkJSON{}
	for _, l := range rep.Links {
		links = append(links, linkJSON{l.URL, l.Unique, l.Total})
	}
	return writeJSON(w, http.StatusOK, map[string]any{
		"status": rep.Status, "recipients": rep.Recipients, "queued": rep.Queued, "sent": rep.Sent, "failed": rep.Failed,
		"bounced": rep.Bounced, "suppressed": rep.Suppressed, "cancelled": rep.Cancelled, "percent": rep.Percent,
		"delivered": rep.Delivered, "unique_opens": rep.UniqueOpens, "total_opens": rep.TotalOpens,
		"unique_clicks": rep.UniqueClicks, "total_clicks": rep.TotalClicks, "unsubscribes": rep.Unsubscribes,
		"complaints": rep.Complaints, "links": links, "winner": rep.Winner,
		"variant_opens":  map[string]int{"a": rep.VariantOpens["a"], "b": rep.VariantOpens["b"]},
		"variant_clicks": map[string]int{"a": rep.VariantClicks["a"], "b": rep.VariantClicks["b"]},
	})
}

type sendingJSON struct {
	crm.SendingSettings
	Version    int64  `json:"version"`
	HasKey     bool   `json:"dkim_key_stored"`
	DKIMRecord string `json:"dkim_record"`
	DKIMName   string `json:"dkim_record_name"`
}

func (s sendingJSON) etag() int64 { return s.Version }

func (s *server) getSending(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	v, err := s.app.SendingSettings(r.Context(), ac)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, toSending(v))
}

func toSending(v app.SendingView) sendingJSON {
	if v.Settings.Relays == nil {
		v.Settings.Relays = []crm.SMTPRelay{}
	}
	return sendingJSON{SendingSettings: v.Settings, Version: v.Version, HasKey: v.HasKey, DKIMRecord: v.DKIMRecord, DKIMName: v.DKIMName}
}

func (s *server) putSending(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	version, err := ifMatch(r)
	if err != nil {
		return err
	}
	var in struct {
		crm.SendingSettings
		GenerateDKIM bool `json:"generate_dkim_key"`
		RemoveDKIM   bool `json:"remove_dkim_key"`
	}
	if err := decodeJSON(r, &in, false); err != nil {
		return err
	}
	if _, err := s.app.UpdateSendingSettings(r.Context(), ac, app.SendingUpdate{Settings: in.SendingSettings, Version: version,
		GenerateDKIM: in.GenerateDKIM, RemoveDKIM: in.RemoveDKIM}); err != nil {
		return err
	}
	v, err := s.app.SendingSettings(r.Context(), ac)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, toSending(v))
}

// broadcastsSchemas are the OpenAPI components of broadcasts and sending.
func broadcastsSchemas() js {
	statuses := []string{}
	for _, st := range crm.BroadcastStatuses {
		statuses = append(statuses, string(st))
	}
	content := js{
		"name":        str("Up to 200 characters."),
		"include_ids": withDesc(arrayOf(idSchema("")), "Segments and static lists to send to (at least one)."),
		"exclude_ids": withDesc(arrayOf(idSchema("")), "Segments and static lists whose contacts are left out."),
		"subject":     str("Merge fields allowed, e.g. {{family_name}}様."),
		"subject_b":   str("A/B test: the second subject (empty: no test)."),
		"preheader":   str("The preview text shown after the subject."),
		"html":        str("The HTML body with merge fields ({{company | \"御社\"}}, {{#if x}}…{{/if}}); up to 512 KB. The text part is made from it."),
		"template_id": withDesc(js{"type": "integer", "minimum": 0}, "An e-mail template to take the content from instead of html (its subject too when subject is empty); 0: none."),
		"from_name":   str("Empty: the sending settings' name."),
		"as_owner":    boolean("From = the contact's owner; the workspace address stays the Sender and envelope sender."),
		"topic":       str("The key of a topic of the preference centre (GET /email-topics), or empty for none; another key is a 422."),
		"per_second":  integer("Throttle for this broadcast (0: the workspace's)."),
		"per_hour":    integer("Throttle per hour (0: none)."),
		"ab_share":    integer("A/B test: percent of the recipients in the test, split between A and B (2–100)."),
		"ab_wait_min": integer("A/B test: minutes before the winner goes to the rest."),
		"ab_metric":   enumOf("opens", "clicks"),
	}
	bc := js{}
	for k, v := range content {
		bc[k] = v
	}
	meta := js{
		"id": idSchema(""), "status": enumOf(statuses...), "send_at": nullable(dateTime("Scheduled time.")),
		"winner": withDesc(enumOf("", "a", "b"), "The A/B winner once chosen."), "recipients": integer("Messages queued."),
		"created_at": dateTime(""), "updated_at": dateTime(""), "started_at": nullable(dateTime("")),
		"finished_at": nullable(dateTime("")), "version": integer("Send it back as If-Match."),
	}
	for k, v := range meta {
		bc[k] = v
	}
	relayProps := js{
		"name": str(""), "host": str(""), "port": integer(""), "security": enumOf("starttls", "tls", "none"),
		"username":             str(""),
		"insecure_skip_verify": boolean("Accept any certificate (self-signed test relays)."),
		"weight":               integer("Share of the messages (1–100)."), "max_conns": integer("Persistent connections (1–50)."),
		"per_conn": integer("Messages per connection before reconnecting (1–10000)."),
	}
	relay := record(relayProps)
	relayIn := js{}
	for k, v := range relayProps {
		relayIn[k] = v
	}
	relayIn["password"] = str("Write only: never returned; empty keeps the stored one.")
	compliance := record(js{
		"sender_name":    str("Shown in every marketing e-mail's footer (特定電子メール法 / CAN-SPAM)."),
		"postal_address": str(""), "contact_email": str(""),
	})
	settings := js{
		"relays": arrayOf(relay), "domain": str("The sending domain (DKIM d=)."), "from_address": str("On the sending domain."),
		"from_name": str(""), "dkim_selector": str(""),
		"compliance": compliance, "per_second": integer("Throttle per process (0: none)."), "per_hour": integer(""),
	}
	out := js{}
	for k, v := range settings {
		out[k] = v
	}
	out["version"] = integer("")
	out["dkim_key_stored"] = boolean("")
	out["dkim_record"] = str("The TXT value to publish.")
	out["dkim_record_name"] = str("Where to publish it: selector._domainkey.domain.")
	in := js{}
	for k, v := range settings {
		in[k] = v
	}
	in["relays"] = arrayOf(input([]string{"host", "port"}, relayIn))
	in["compliance"] = input(nil, js{"sender_name": str("Shown in every marketing e-mail's footer (特定電子メール法 / CAN-SPAM)."),
		"postal_address": str(""), "contact_email": str("")})
	in["dkim_key"] = str("Write only: an RSA private key in PEM (empty keeps the stored one).")
	in["generate_dkim_key"] = boolean("Make a new RSA-2048 key.")
	in["remove_dkim_key"] = boolean("Stop signing (the relay signs).")
	counts := func(desc string) js { return withDesc(record(js{"a": integer(""), "b": integer("")}), desc) }
	return js{
		"Broadcast":      record(bc),
		"BroadcastList":  listOf("Broadcast"),
		"BroadcastInput": input([]string{"name", "subject", "html", "include_ids"}, content),
		"BroadcastStart": input(nil, js{"send_at": dateTime("In the future: schedule; absent or past: send now.")}),
		"BroadcastReport": record(js{
			"status": enumOf(statuses...), "recipients": integer(""), "queued": integer("Waiting, in flight, held or paused."),
			"sent": integer(""), "failed": integer(""), "bounced": integer(""), "suppressed": integer("Dropped at send time (unsubscribed meanwhile)."),
			"cancelled": integer(""), "percent": integer(""), "delivered": integer(""), "unique_opens": integer(""),
			"total_opens": integer(""), "unique_clicks": integer(""), "total_clicks": integer(""), "unsubscribes": integer(""),
			"complaints": integer(""), "links": arrayOf(record(js{"url": str(""), "unique": integer(""), "total": integer("")})),
			"winner": str(""), "variant_opens": counts("Unique opens per variant."), "variant_clicks": counts("Unique clicks per variant."),
		}),
		"SendingSettings":      record(out),
		"SendingSettingsInput": input(nil, in),
	}
}
