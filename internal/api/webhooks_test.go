package api

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"renkei/internal/app"
)

// webhooksSamples are the permission walk's requests for the webhook and
// privacy routes: records of their own per role.
func (e *env) webhooksSamples(role string) map[string]sample {
	ctx := context.Background()
	admin := app.Actor{User: e.users["admin"]}
	newHook := func(name string) int64 {
		h, err := e.app.CreateWebhook(ctx, admin, app.WebhookInput{Name: name, URL: "https://hooks.example.com/" + name, Events: []string{app.EventContactCreated}})
		if err != nil {
			e.t.Fatal(err)
		}
		return h.ID
	}
	h := newHook("walk-" + role)
	doomed := newHook("doomed-" + role)
	d, err := e.app.SendTestWebhook(ctx, admin, h)
	if err != nil {
		e.t.Fatal(err)
	}
	stale := []string{"If-Match", `"999"`}
	return map[string]sample{
		"GET /webhooks":                                       {path: "/webhooks"},
		"POST /webhooks":                                      {path: "/webhooks", body: map[string]any{"url": "https://hooks.example.com/new-" + role, "events": []string{"lead.mql"}}},
		"GET /webhooks/{id}":                                  {path: fmt.Sprintf("/webhooks/%d", h)},
		"PATCH /webhooks/{id}":                                {path: fmt.Sprintf("/webhooks/%d", h), body: map[string]any{"name": "x"}, headers: stale},
		"DELETE /webhooks/{id}":                               {path: fmt.Sprintf("/webhooks/%d", doomed)},
		"POST /webhooks/{id}/secret":                          {path: fmt.Sprintf("/webhooks/%d/secret", h)},
		"POST /webhooks/{id}/test":                            {path: fmt.Sprintf("/webhooks/%d/test", h)},
		"GET /webhooks/{id}/deliveries":                       {path: fmt.Sprintf("/webhooks/%d/deliveries", h)},
		"GET /webhooks/{id}/deliveries/{delivery_id}":         {path: fmt.Sprintf("/webhooks/%d/deliveries/%d", h, d.ID)},
		"POST /webhooks/{id}/deliveries/{delivery_id}/resend": {path: fmt.Sprintf("/webhooks/%d/deliveries/%d/resend", h, d.ID)},
		"GET /settings/webhooks":                              {path: "/settings/webhooks"},
		"PUT /settings/webhooks":                              {path: "/settings/webhooks", body: map[string]any{"allow_private": false}, headers: stale},
		"GET /settings/privacy":                               {path: "/settings/privacy"},
		"PUT /settings/privacy":                               {path: "/settings/privacy", body: map[string]any{"tracking_days": 395, "ip_days": 30}, headers: stale},
	}
}

// happyWebhooks walks a webhook's life through the API (part of
// TestHappyPaths): created with its secret once, listed without it, changed
// with If-Match, tested, its log read and a delivery resent, then deleted;
// bad input is a 422 naming the field.
func (e *env) happyWebhooks() {
	t := e.t
	res := e.do("admin", http.MethodPost, Prefix+"/webhooks", map[string]any{"url": "https://127.0.0.1/hook", "events": []string{"contact.created"}})
	if res.status != http.StatusUnprocessableEntity || !strings.Contains(string(res.body), "private network") {
		t.Errorf("loopback URL: %d %s", res.status, res.body)
	}
	res = e.do("admin", http.MethodPost, Prefix+"/webhooks", map[string]any{"url": "https://hooks.example.com/a", "events": []string{"no.such"}})
	if res.status != http.StatusUnprocessableEntity || !strings.Contains(string(res.body), "events") {
		t.Errorf("unknown event: %d %s", res.status, res.body)
	}
	res = e.do("admin", http.MethodPost, Prefix+"/webhooks", map[string]any{"name": "Slack", "url": "https://hooks.example.com/a", "events": []string{"contact.created", "lead.mql"}})
	if res.status != http.StatusCreated {
		t.Fatalf("create: %d %s", res.status, res.body)
	}
	var created struct {
		ID      int64  `json:"id"`
		Secret  string `json:"secret"`
		Version int64  `json:"version"`
		Active  bool   `json:"active"`
	}
	res.decode(t, &created)
	if !strings.HasPrefix(created.Secret, "whsec_") || !created.Active {
		t.Errorf("created %+v", created)
	}
	path := fmt.Sprintf("%s/webhooks/%d", Prefix, created.ID)
	for _, p := range []string{path, Prefix + "/webhooks"} {
		if res = e.do("admin", http.MethodGet, p, nil); strings.Contains(string(res.body), created.Secret) || strings.Contains(string(res.body), `"secret"`) {
			t.Errorf("GET %s shows the secret", p)
		}
	}
	res = e.do("admin", http.MethodPatch, path, map[string]any{"active": false}, "If-Match", fmt.Sprintf(`"%d"`, created.Version))
	if res.status != http.StatusOK || !strings.Contains(string(res.body), `"active":false`) || !strings.Contains(string(res.body), `"name":"Slack"`) {
		t.Errorf("patch: %d %s", res.status, res.body)
	}
	res = e.do("admin", http.MethodPost, path+"/test", nil)
	if res.status != http.StatusAccepted || !strings.Contains(string(res.body), `"event":"ping"`) {
		t.Fatalf("test: %d %s", res.status, res.body)
	}
	res = e.do("admin", http.MethodGet, path+"/deliveries", nil)
	var log struct {
		Data []struct {
			ID     int64  `json:"id"`
			Status string `json:"status"`
		} `json:"data"`
	}
	res.decode(t, &log)
	if len(log.Data) != 1 || log.Data[0].Status != "pending" {
		t.Fatalf("log %s", res.body)
	}
	res = e.do("admin", http.MethodPost, fmt.Sprintf("%s/deliveries/%d/resend", path, log.Data[0].ID), nil)
	if res.status != http.StatusAccepted {
		t.Errorf("resend: %d %s", res.status, res.body)
	}
	res = e.do("admin", http.MethodPost, path+"/secret", nil)
	var again struct {
		Secret string `json:"secret"`
	}
	res.decode(t, &again)
	if again.Secret == "" || again.Secret == created.Secret {
		t.Errorf("regenerated secret %q", again.Secret)
	}
	res = e.do("admin", http.MethodGet, fmt.Sprintf("%s/deliveries/%d", path, log.Data[0].ID), nil)
	if res.status != http.StatusOK || !strings.Contains(string(res.body), `\"event\":\"ping\"`) {
		t.Errorf("delivery: %d %s", res.status, res.body)
	}
	e.do("admin", http.MethodDelete, path, nil).want(t, http.StatusNoContent)
	e.do("admin", http.MethodGet, path, nil).want(t, http.StatusNotFound)
	e.do("admin", http.MethodGet, Prefix+"/settings/webhooks", nil).want(t, http.StatusOK)
	res = e.do("admin", http.MethodPut, Prefix+"/settings/webhooks", map[string]any{"allow_private": true}, "If-Match", `"0"`).want(t, http.StatusOK)
	if res.header.Get("ETag") != `"1"` {
		t.Errorf("ETag %q", res.header.Get("ETag"))
	}
	e.do("admin", http.MethodGet, Prefix+"/settings/privacy", nil).want(t, http.StatusOK)
	res = e.do("admin", http.MethodPut, Prefix+"/settings/privacy", map[string]any{"tracking_days": -1, "ip_days": 30}, "If-Match", `"0"`)
	if res.status != http.StatusUnprocessableEntity || !strings.Contains(string(res.body), "tracking_days") {
		t.Errorf("bad retention: %d %s", res.status, res.body)
	}
	res = e.do("admin", http.MethodPut, Prefix+"/settings/privacy", map[string]any{"tracking_days": 90, "ip_days": 7}, "If-Match", `"0"`)
	if res.status != http.StatusOK || !strings.Contains(string(res.body), `"tracking_days":90`) {
		t.Errorf("retention: %d %s", res.status, res.body)
	}
}

// decode reads the body as JSON into v.
func (r result) decode(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("body: %v: %s", err, r.body)
	}
}
