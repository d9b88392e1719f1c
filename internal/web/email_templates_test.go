package web

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"renkei/internal/crm"
)

// TestEmailTemplatePages: a refused save shows each message in the user's
// language with nothing written; a good one is saved; the live preview
// answers JSON; the editor's policy lets the sandboxed preview show
// inline-styled mail but still no inline scripts; sales cannot save.
func TestEmailTemplatePages(t *testing.T) {
	e := newEnv(t)
	admin := e.setup()
	if _, err := e.app.UpdateUser(context.Background(), actorOf(t, e, "admin@example.com"), 1, 0, userPatchLang("ja")); err != nil {
		t.Fatal(err)
	}
	sales := e.user(crm.RoleSales, "Sam Sales")
	blocks := `[{"type":"text","text":"{{family_name}} 様"},{"type":"button","label":"申込","url":"javascript:alert(1)"}]`
	form := url.Values{"name": {"案内"}, "locale": {"ja"}, "subject": {"{{ readFile \"x\" }}"}, "editor": {"blocks"}, "blocks": {blocks}}
	w := e.do(http.MethodPost, "/marketing/email/templates", admin, form)
	wantStatus(t, "bad template", w, http.StatusUnprocessableEntity)
	body := w.Body.String()
	for _, want := range []string{"http://、https://、mailto: のいずれかのアドレスを使ってください。", "差し込み項目ではありません"} {
		if !strings.Contains(body, want) {
			t.Errorf("refused page lacks %q", want)
		}
	}
	if ts, _ := e.app.Store.EmailTemplates(context.Background()); len(ts) != 0 {
		t.Fatalf("%d templates written by a refused save", len(ts))
	}
	form.Set("subject", "{{family_name}} 様へ")
	form.Set("blocks", strings.Replace(blocks, "javascript:alert(1)", "https://example.jp/?e={{email}}", 1))
	w = e.do(http.MethodPost, "/marketing/email/templates", sales, form)
	wantStatus(t, "sales saves", w, http.StatusForbidden)
	w = e.do(http.MethodPost, "/marketing/email/templates", admin, form)
	wantStatus(t, "good template", w, http.StatusSeeOther)
	loc := w.Header().Get("Location")
	w = e.do(http.MethodGet, loc, admin, nil)
	wantStatus(t, "editor", w, http.StatusOK)
	csp := w.Header().Get("Content-Security-Policy")
	if !strings.Contains(csp, "style-src 'self' 'unsafe-inline'") || !strings.Contains(csp, "script-src 'self';") {
		t.Errorf("editor CSP %q", csp)
	}
	if !strings.Contains(w.Body.String(), `<iframe id="etpl-preview" sandbox title=`) {
		t.Error("the preview frame is not sandboxed")
	}
	w = e.do(http.MethodPost, "/marketing/email/templates/preview", sales, form)
	wantStatus(t, "preview", w, http.StatusOK)
	var p emailPreviewJSON
	if err := json.Unmarshal(w.Body.Bytes(), &p); err != nil || p.Subject != "山田 様へ" || !strings.Contains(p.Text, "山田 様") {
		t.Errorf("preview %+v, %v", p, err)
	}
	form.Set("contact_id", "999999")
	w = e.do(http.MethodPost, "/marketing/email/templates/preview", sales, form)
	wantStatus(t, "preview as a missing contact", w, http.StatusUnprocessableEntity)
	w = e.do(http.MethodGet, "/marketing/email/templates", sales, nil)
	if wantStatus(t, "list", w, http.StatusOK); !strings.Contains(w.Body.String(), "案内") {
		t.Error("the list lacks the template")
	}
	w = e.do(http.MethodPost, "/profile/signature", sales, url.Values{"signature": {"Sam\nSales"}})
	wantStatus(t, "signature", w, http.StatusSeeOther)
}
