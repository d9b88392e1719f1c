package api

import (
	"context"
	"fmt"
	"strings"

	"renkei/internal/crm"
)

func (e *env) emailTemplatesSamples(role string) map[string]sample {
	t, err := e.app.CreateEmailTemplate(context.Background(), e.admin(), crm.EmailTemplate{Name: "walk " + role, Subject: "s",
		Blocks: []crm.EmailBlock{{Type: crm.BlockText, Text: "{{family_name}} 様"}}})
	if err != nil {
		e.t.Fatal(err)
	}
	body := map[string]any{"name": "walk", "subject": "件名", "blocks": []any{map[string]any{"type": "text", "text": "x"}}}
	at := fmt.Sprintf("/email-templates/%d", t.ID)
	return map[string]sample{
		"GET /email-templates":                 {path: "/email-templates"},
		"POST /email-templates":                {path: "/email-templates", body: body},
		"POST /email-template-preview":         {path: "/email-template-preview", body: map[string]any{"template": body}},
		"GET /email-templates/{id}":            {path: at},
		"PUT /email-templates/{id}":            {path: at, body: body, headers: []string{"If-Match", `"999"`}},
		"DELETE /email-templates/{id}":         {path: "/email-templates/999999"},
		"POST /email-templates/{id}/duplicate": {path: at + "/duplicate"},
		"GET /email-templates/{id}/preview":    {path: at + "/preview"},
	}
}

// happyEmailTemplates walks the template endpoints (run by TestHappyPaths):
// create, read, preview as a contact, update with its version, refuse bad
// content per field with nothing written, duplicate, delete.
func (e *env) happyEmailTemplates() {
	t := e.t
	c := e.newContact("tpl-a@example.jp", "鈴木")
	body := map[string]any{"name": "ご案内", "locale": "ja", "subject": "{{family_name}} 様へ", "preheader": "お知らせ",
		"blocks": []any{
			map[string]any{"type": "heading", "text": "{{company | \"御社\"}}の皆様"},
			map[string]any{"type": "text", "text": "{{family_name}} 様\n\n[詳しく](https://example.jp/?e={{email}})"},
			map[string]any{"type": "columns", "columns": []any{
				[]any{map[string]any{"type": "button", "label": "申込", "url": "https://example.jp/apply"}},
				[]any{map[string]any{"type": "divider"}},
			}},
		}}
	before := len(e.do("admin", "GET", "/api/v1/email-templates", nil).want(t, 200).obj(t)["data"].([]any))
	for _, bad := range []struct {
		edit  func(map[string]any)
		field string
	}{
		{func(b map[string]any) { b["subject"] = "{{.Env}}" }, "subject"},
		{func(b map[string]any) {
			b["blocks"] = []any{map[string]any{"type": "button", "label": "x", "url": "javascript:alert(1)"}}
		}, "blocks[0].url"},
		{func(b map[string]any) {
			b["blocks"] = []any{map[string]any{"type": "text", "text": `{{ readFile "/etc/passwd" }}`}}
		}, "blocks[0].text"},
		{func(b map[string]any) { b["editor"] = "html"; b["html"] = `<p>{{ http "https://evil.example" }}</p>` }, "html"},
	} {
		b := map[string]any{}
		for k, v := range body {
			b[k] = v
		}
		bad.edit(b)
		res := e.do("marketing", "POST", "/api/v1/email-templates", b).want(t, 422)
		if fe := res.fieldErrors(t); fe[bad.field] == "" {
			t.Errorf("%v: errors %v, want one on %s", b, fe, bad.field)
		}
	}
	if n := len(e.do("admin", "GET", "/api/v1/email-templates", nil).want(t, 200).obj(t)["data"].([]any)); n != before {
		t.Errorf("refused templates were written: %d → %d", before, n)
	}
	e.do("sales", "POST", "/api/v1/email-templates", body).want(t, 403)
	res := e.do("marketing", "POST", "/api/v1/email-templates", body).want(t, 201)
	loc := res.header.Get("Location")
	if got := res.obj(t); got["version"] != float64(1) || got["editor"] != "blocks" || loc == "" {
		t.Errorf("created %v at %q", got, loc)
	}
	p := e.do("sales", "GET", fmt.Sprintf("%s/preview?contact_id=%d", loc, c.ID), nil).want(t, 200).obj(t)
	if p["subject"] != "鈴木 様へ" || !strings.Contains(p["html"].(string), "鈴木 様") ||
		!strings.Contains(p["text"].(string), "詳しく (https://example.jp/?e=tpl-a%40example.jp)") {
		t.Errorf("preview %v", p)
	}
	e.do("viewer", "GET", loc+"/preview?contact_id=999999", nil).want(t, 404)
	e.do("viewer", "GET", loc+"/preview?contact_id=x", nil).want(t, 400)
	d := e.do("viewer", "POST", "/api/v1/email-template-preview", map[string]any{"template": body}).want(t, 200).obj(t)
	if d["subject"] != "山田 様へ" {
		t.Errorf("draft preview %v", d)
	}
	et := e.do("viewer", "GET", loc, nil).want(t, 200).etag(t)
	body["name"] = "ご案内（改）"
	if u := e.do("marketing", "PUT", loc, body, "If-Match", et).want(t, 200).obj(t); u["version"] != float64(2) || u["name"] != "ご案内（改）" {
		t.Errorf("updated %v", u)
	}
	e.do("marketing", "PUT", loc, body, "If-Match", et).want(t, 412)
	dup := e.do("marketing", "POST", loc+"/duplicate", nil).want(t, 201)
	if !strings.HasPrefix(dup.obj(t)["name"].(string), "ご案内（改）") {
		t.Errorf("duplicate %v", dup.obj(t))
	}
	e.do("marketing", "DELETE", dup.header.Get("Location"), nil).want(t, 204)
	e.do("marketing", "DELETE", loc, nil).want(t, 204)
	e.do("viewer", "GET", loc, nil).want(t, 404)
}
