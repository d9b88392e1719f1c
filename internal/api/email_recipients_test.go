package api

import (
	"context"
	"fmt"
	"strings"

	"renkei/internal/store"
)

func (e *env) emailRecipientsSamples(role string) map[string]sample {
	ctx := context.Background()
	t, err := e.app.CreateEmailTopic(ctx, e.admin(), store.EmailTopic{Key: "walk_" + role, NameEN: "Walk " + role})
	if err != nil {
		e.t.Fatal(err)
	}
	addr := "walk-supp-" + role + "@example.jp"
	if _, err := e.app.AddSuppressions(ctx, e.admin(), []string{addr}); err != nil {
		e.t.Fatal(err)
	}
	return map[string]sample{
		"GET /email-topics":         {path: "/email-topics"},
		"POST /email-topics":        {path: "/email-topics", body: map[string]any{"key": "walk_new_" + role, "name_en": "New"}},
		"DELETE /email-topics/{id}": {path: fmt.Sprintf("/email-topics/%d", t.ID)},
		"GET /suppressions":         {path: "/suppressions"},
		"POST /suppressions":        {path: "/suppressions", body: map[string]any{"emails": []string{"walk-add-" + role + "@example.jp"}}},
		"POST /suppressions/check":  {path: "/suppressions/check", body: map[string]any{"email": addr}},
		"POST /suppressions/remove": {path: "/suppressions/remove", body: map[string]any{"email": addr}},
		"GET /email-bounce-webhook": {path: "/email-bounce-webhook"},
		"POST /email-domain-check":  {path: "/email-domain-check", body: map[string]any{"domain": "bad domain!"}},
	}
}

func (e *env) happyEmailRecipients() {
	t := e.t
	res := e.do("marketing", "POST", "/api/v1/email-topics", map[string]any{"key": "newsletter", "name_ja": "ニュースレター", "name_en": "Newsletter"}).want(t, 201)
	id := int64(res.obj(t)["id"].(float64))
	e.do("marketing", "POST", "/api/v1/email-topics", map[string]any{"key": "Bad Key"}).want(t, 422)
	if data := e.do("viewer", "GET", "/api/v1/email-topics", nil).want(t, 200).obj(t)["data"].([]any); len(data) != 1 {
		t.Errorf("topics: %v", data)
	}
	e.do("marketing", "DELETE", fmt.Sprintf("/api/v1/email-topics/%d", id), nil).want(t, 204)

	got := e.do("marketing", "POST", "/api/v1/suppressions", map[string]any{"emails": []string{"a@example.jp", "b@example.jp"}}).want(t, 200).obj(t)
	if got["added"] != float64(2) {
		t.Errorf("added: %v", got)
	}
	e.do("marketing", "POST", "/api/v1/suppressions", map[string]any{"emails": []string{"c@example.jp", "nope"}}).want(t, 422)
	if m := e.do("viewer", "GET", "/api/v1/suppressions", nil).want(t, 200).obj(t); m["by_reason"].(map[string]any)["manual"] != float64(2) {
		t.Errorf("counts: %v", m)
	}
	if m := e.do("viewer", "POST", "/api/v1/suppressions/check", map[string]any{"email": "A@example.jp"}).want(t, 200).obj(t); m["listed"] != true || m["reason"] != "manual" {
		t.Errorf("check: %v", m)
	}
	e.do("admin", "POST", "/api/v1/suppressions/remove", map[string]any{"email": "a@example.jp"}).want(t, 204)
	if m := e.do("viewer", "POST", "/api/v1/suppressions/check", map[string]any{"email": "a@example.jp"}).want(t, 200).obj(t); m["listed"] != false {
		t.Errorf("after remove: %v", m)
	}
	if m := e.do("admin", "GET", "/api/v1/email-bounce-webhook", nil).want(t, 200).obj(t); !strings.Contains(m["url"].(string), "/e/bounces/") {
		t.Errorf("webhook: %v", m)
	}
	e.app.DNSResolver = "127.0.0.1:9" // nothing answers: every lookup fails fast
	m := e.do("viewer", "POST", "/api/v1/email-domain-check", map[string]any{"domain": "example.jp", "selector": "renkei"}).want(t, 200).obj(t)
	if data := m["data"].([]any); len(data) != 3 || data[0].(map[string]any)["status"] != "fail" || data[0].(map[string]any)["message_ja"] == "" {
		t.Errorf("domain check: %v", m)
	}
	e.do("viewer", "POST", "/api/v1/email-domain-check", map[string]any{"domain": "not a domain"}).want(t, 422)
}
