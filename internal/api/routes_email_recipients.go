package api

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"renkei/internal/app"
	"renkei/internal/crm"
	"renkei/internal/i18n"
	"renkei/internal/store"
)

// emailRecipientsRoutes are the API endpoints of the recipient side of
// marketing e-mail (issue 8 §5–§7): topics, the suppression list, the
// bounce webhook's address and the sending-domain check. The public links
// (unsubscribe, preferences, pixel, clicks, the bounce webhook) are served
// by package track.
func (s *server) emailRecipientsRoutes() []route {
	return []route{
		{method: http.MethodGet, path: "/email-topics", perm: crm.PermReadAll, id: "listEmailTopics", tag: "email",
			summary: "The topics recipients can opt out of in the preference centre", status: 200, resp: "EmailTopicList", handle: s.listEmailTopics},
		{method: http.MethodPost, path: "/email-topics", perm: crm.PermWriteMarketing, id: "createEmailTopic", tag: "email",
			summary: "Add a topic", body: "EmailTopicInput", status: 201, resp: "EmailTopic", handle: s.createEmailTopic},
		{method: http.MethodDelete, path: "/email-topics/{id}", perm: crm.PermWriteMarketing, id: "deleteEmailTopic", tag: "email",
			summary: "Delete a topic with everyone's choices about it", status: 204, handle: s.deleteEmailTopic},
		{method: http.MethodGet, path: "/suppressions", perm: crm.PermReadAll, id: "countSuppressions", tag: "email",
			summary: "The suppression list counted by reason (only hashes of addresses are kept, so it cannot be listed)",
			status:  200, resp: "SuppressionCounts", handle: s.countSuppressions},
		{method: http.MethodPost, path: "/suppressions", perm: crm.PermWriteMarketing, id: "addSuppressions", tag: "email",
			summary: "Put addresses on the suppression list (reason manual); a bad address fails the whole call",
			body:    "SuppressionsInput", status: 200, resp: "SuppressionsAdded", handle: s.addSuppressions},
		{method: http.MethodPost, path: "/suppressions/check", perm: crm.PermReadAll, id: "checkSuppression", tag: "email",
			summary: "Whether an address is on the suppression list, why and since when",
			body:    "SuppressionAddress", status: 200, resp: "SuppressionStatus", handle: s.checkSuppression},
		{method: http.MethodPost, path: "/suppressions/remove", perm: crm.PermSettings, id: "removeSuppression", tag: "email",
			summary: "Take an address off the suppression list (admins; audited)",
			body:    "SuppressionAddress", status: 204, handle: s.removeSuppression},
		{method: http.MethodGet, path: "/email-bounce-webhook", perm: crm.PermSettings, id: "getBounceWebhook", tag: "email",
			summary: "The secret URL e-mail services post bounces and complaints to", status: 200, resp: "BounceWebhook", handle: s.bounceWebhook},
		{method: http.MethodPost, path: "/email-domain-check", perm: crm.PermReadAll, id: "checkEmailDomain", tag: "email",
			summary: "Look up a sending domain's SPF, DKIM and DMARC records and say what to fix",
			body:    "DomainCheckInput", status: 200, resp: "DomainCheckResult", handle: s.checkDomain},
	}
}

type emailTopicJSON struct {
	ID            int64     `json:"id"`
	Key           string    `json:"key"`
	NameJA        string    `json:"name_ja"`
	NameEN        string    `json:"name_en"`
	DescriptionJA string    `json:"description_ja"`
	DescriptionEN string    `json:"description_en"`
	Position      int       `json:"position"`
	CreatedAt     time.Time `json:"created_at"`
}

func toTopic(t store.EmailTopic) emailTopicJSON {
	return emailTopicJSON{ID: t.ID, Key: t.Key, NameJA: t.NameJA, NameEN: t.NameEN, DescriptionJA: t.DescriptionJA,
		DescriptionEN: t.DescriptionEN, Position: t.Position, CreatedAt: t.CreatedAt}
}

func (s *server) listEmailTopics(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	ts, err := s.app.EmailTopics(r.Context(), ac)
	if err != nil {
		return err
	}
	out := list[emailTopicJSON]{Data: []emailTopicJSON{}}
	for _, t := range ts {
		out.Data = append(out.Data, toTopic(t))
	}
	return writeJSON(w, http.StatusOK, out)
}

func (s *server) createEmailTopic(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	var in struct {
		Key           string `json:"key"`
		NameJA        string `json:"name_ja"`
		NameEN        string `json:"name_en"`
		DescriptionJA string `json:"description_ja"`
		DescriptionEN string `json:"description_en"`
		Position      int    `json:"position"`
	}
	if err := decodeJSON(r, &in, false); err != nil {
		return err
	}
	t, err := s.app.CreateEmailTopic(r.Context(), ac, store.EmailTopic{Key: in.Key, NameJA: in.NameJA, NameEN: in.NameEN,
		DescriptionJA: in.DescriptionJA, DescriptionEN: in.DescriptionEN, Position: in.Position})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, toTopic(t))
}

func (s *server) deleteEmailTopic(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return crm.ErrNotFound
	}
	if err := s.app.DeleteEmailTopic(r.Context(), ac, id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *server) countSuppressions(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	counts, err := s.app.SuppressionCounts(r.Context(), ac)
	if err != nil {
		return err
	}
	var total int64
	for _, n := range counts {
		total += n
	}
	return writeJSON(w, http.StatusOK, map[string]any{"by_reason": counts, "total": total})
}

func (s *server) addSuppressions(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	var in struct {
		Emails []string `json:"emails"`
	}
	if err := decodeJSON(r, &in, false); err != nil {
		return err
	}
	n, err := s.app.AddSuppressions(r.Context(), ac, in.Emails)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]int{"added": n})
}

func (s *server) checkSuppression(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	var in struct {
		Email string `json:"email"`
	}
	if err := decodeJSON(r, &in, false); err != nil {
		return err
	}
	sp, err := s.app.CheckSuppression(r.Context(), ac, in.Email)
	if errors.Is(err, crm.ErrNotFound) {
		return writeJSON(w, http.StatusOK, map[string]any{"listed": false, "reason": nil, "since": nil})
	}
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"listed": true, "reason": sp.Reason, "since": sp.CreatedAt})
}

func (s *server) removeSuppression(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	var in struct {
		Email string `json:"email"`
	}
	if err := decodeJSON(r, &in, false); err != nil {
		return err
	}
	if err := s.app.RemoveSuppression(r.Context(), ac, in.Email); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *server) bounceWebhook(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	key, err := s.app.BounceWebhookKey(r.Context(), ac)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]string{"url": s.app.BaseURL + "/e/bounces/" + key})
}

func (s *server) checkDomain(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	var in struct {
		Domain    string `json:"domain"`
		Selector  string `json:"selector"`
		PublicKey string `json:"public_key"`
	}
	if err := decodeJSON(r, &in, false); err != nil {
		return err
	}
	cs, err := s.app.CheckSendingDomain(r.Context(), ac, app.DomainCheckInput{Domain: in.Domain, Selector: in.Selector, PublicKey: in.PublicKey})
	if err != nil {
		return err
	}
	type checkJSON struct {
		Name      string   `json:"name"`
		Status    string   `json:"status"`
		MessageEN string   `json:"message_en"`
		MessageJA string   `json:"message_ja"`
		Records   []string `json:"records"`
	}
	out := list[checkJSON]{Data: []checkJSON{}}
	for _, c := range cs {
		args := make([]any, len(c.Args))
		for i, a := range c.Args {
			args[i] = a
		}
		out.Data = append(out.Data, checkJSON{Name: c.Name, Status: c.Status, MessageEN: i18n.T(crm.LangEN, c.Key, args...),
			MessageJA: i18n.T(crm.LangJA, c.Key, args...), Records: append([]string{}, c.Records...)})
	}
	return writeJSON(w, http.StatusOK, out)
}

// emailRecipientsSchemas are the OpenAPI components of these endpoints.
func emailRecipientsSchemas() js {
	topic := js{
		"key":            str("lower-case letters, digits and _; fixed once created"),
		"name_ja":        str(""),
		"name_en":        str(""),
		"description_ja": str(""),
		"description_en": str(""),
		"position":       integer("Display order."),
	}
	full := js{"id": idSchema(""), "created_at": dateTime("")}
	for k, v := range topic {
		full[k] = v
	}
	return js{
		"EmailTopic":         record(full),
		"EmailTopicList":     listOf("EmailTopic"),
		"EmailTopicInput":    input([]string{"key"}, topic),
		"SuppressionCounts":  record(js{"by_reason": js{"type": "object", "additionalProperties": js{"type": "integer"}}, "total": integer("")}),
		"SuppressionsInput":  input([]string{"emails"}, js{"emails": withDesc(arrayOf(str("")), "1 to 10,000 addresses.")}),
		"SuppressionsAdded":  record(js{"added": integer("Addresses that were not listed before.")}),
		"SuppressionAddress": input([]string{"email"}, js{"email": str("")}),
		"SuppressionStatus":  record(js{"listed": boolean(""), "reason": nullable(withDesc(str(""), "unsubscribed, bounced, complained, manual or erased.")), "since": nullable(dateTime(""))}),
		"BounceWebhook":      record(js{"url": str(fmt.Sprintf("POST bounce notices here (JSON, at most %d per request); see docs/email-recipients.md.", 1000))}),
		"DomainCheckInput": input([]string{"domain"}, js{"domain": str("e.g. example.jp"), "selector": str("The DKIM selector."),
			"public_key": str("The DKIM public key (p= value) to compare with; optional.")}),
		"DomainCheckResult": record(js{"data": arrayOf(record(js{
			"name":       enumOf("spf", "dkim", "dmarc"),
			"status":     enumOf(app.CheckPass, app.CheckWarn, app.CheckFail),
			"message_en": str("What to fix, in English."),
			"message_ja": str("What to fix, in Japanese."),
			"records":    arrayOf(str("")),
		})), "next_cursor": nullable(str(cursorDesc))}),
	}
}
