package api

import (
	"context"
	"fmt"
	"net/http"

	"renkei/internal/app"
	"renkei/internal/crm"
)

// newForm creates a form as the admin.
func (e *env) newForm(name string) crm.Form {
	e.t.Helper()
	f, err := e.app.CreateForm(context.Background(), e.admin(), crm.Form{Name: name,
		Fields: []crm.FormField{{Key: "email", LabelJA: "メール", LabelEN: "E-mail"}}})
	if err != nil {
		e.t.Fatal(err)
	}
	return f
}

// formsSamples are the permission walk's requests for the forms routes.
func (e *env) formsSamples(role string) map[string]sample {
	f := e.newForm("Walk " + role)
	doomed := e.newForm("Doomed " + role)
	stale := []string{"If-Match", `"999"`}
	in := map[string]any{"name": "New " + role, "fields": []any{map[string]any{"key": "email", "label_en": "E-mail"}}}
	return map[string]sample{
		"GET /forms":                  {path: "/forms"},
		"POST /forms":                 {path: "/forms", body: in},
		"GET /forms/{id}":             {path: fmt.Sprintf("/forms/%d", f.ID)},
		"PATCH /forms/{id}":           {path: fmt.Sprintf("/forms/%d", f.ID), body: map[string]any{"title_en": "x"}, headers: stale},
		"DELETE /forms/{id}":          {path: fmt.Sprintf("/forms/%d", doomed.ID)},
		"GET /forms/{id}/submissions": {path: fmt.Sprintf("/forms/%d/submissions", f.ID)},
	}
}

// happyForms walks the forms endpoints (TestHappyPaths).
func (e *env) happyForms() {
	t := e.t
	ctx := context.Background()
	in := map[string]any{"name": "資料請求", "title_ja": "資料請求", "title_en": "Download the guide",
		"fields": []any{
			map[string]any{"key": "email", "label_ja": "メールアドレス", "label_en": "E-mail"},
			map[string]any{"key": "family_name", "label_ja": "姓", "label_en": "Last name", "required": true, "max_length": 50},
			map[string]any{"key": "consent", "label_ja": "同意します", "label_en": "I agree"},
		},
		"double_opt_in": true, "notify_emails": []any{"sales@example.jp"}}
	res := e.do("marketing", http.MethodPost, "/api/v1/forms", in).want(t, http.StatusCreated)
	got := res.obj(t)
	if got["key"] == "" || got["hosted_url"] != testBaseURL+"/f/"+got["key"].(string) {
		t.Errorf("key %v, hosted_url %v", got["key"], got["hosted_url"])
	}
	id := int64(got["id"].(float64))

	// A redirect to a foreign domain is refused with a per-field message.
	res = e.do("marketing", http.MethodPatch, fmt.Sprintf("/api/v1/forms/%d", id), map[string]any{"redirect_url": "https://evil.example.net/x"},
		"If-Match", res.etag(t)).want(t, http.StatusUnprocessableEntity)
	if fe := res.fieldErrors(t); fe["redirect_url"] == "" {
		t.Errorf("redirect to a foreign domain: errors %v, want one on redirect_url", fe)
	}
	// The workspace's own host is fine.
	cur := e.do("marketing", http.MethodGet, fmt.Sprintf("/api/v1/forms/%d", id), nil).want(t, http.StatusOK)
	e.do("marketing", http.MethodPatch, fmt.Sprintf("/api/v1/forms/%d", id), map[string]any{"redirect_url": testBaseURL + "/thanks"},
		"If-Match", cur.etag(t)).want(t, http.StatusOK)

	// Sales may read forms but not build them.
	e.do("sales", http.MethodPost, "/api/v1/forms", in).want(t, http.StatusForbidden)

	// A submission shows in the list with its values.
	fm, err := e.app.Form(ctx, e.admin(), id)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.app.SubmitForm(ctx, app.FormPost{Form: fm, Lang: crm.LangJA, Values: map[string]string{"email": "Hanako@Example.jp",
		"family_name": "<b>山田</b>", "consent": "yes"}, PageURL: "https://www.example.jp/lp?utm_source=google&utm_medium=cpc", IP: "192.0.2.5"}); err != nil {
		t.Fatal(err)
	}
	res = e.do("viewer", http.MethodGet, fmt.Sprintf("/api/v1/forms/%d/submissions?limit=1", id), nil).want(t, http.StatusOK)
	data := res.obj(t)["data"].([]any)
	if len(data) != 1 {
		t.Fatalf("submissions: %d, want 1", len(data))
	}
	s := data[0].(map[string]any)
	if v := s["values"].(map[string]any); v["family_name"] != "<b>山田</b>" || v["email"] != "Hanako@Example.jp" {
		t.Errorf("values %v", v)
	}
	if u := s["utm"].(map[string]any); u["source"] != "google" || u["medium"] != "cpc" {
		t.Errorf("utm %v", u)
	}
	e.do("viewer", http.MethodGet, "/api/v1/forms", nil).want(t, http.StatusOK)
	e.do("admin", http.MethodDelete, fmt.Sprintf("/api/v1/forms/%d", id), nil).want(t, http.StatusNoContent)
	e.do("admin", http.MethodGet, fmt.Sprintf("/api/v1/forms/%d", id), nil).want(t, http.StatusNotFound)
}
