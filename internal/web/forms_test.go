package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"renkei/internal/app"
	"renkei/internal/crm"
)

const formXSS = `<script>alert(1)</script><img src=x onerror=alert(2)>"'`

// TestFormPagesEscapeSubmittedValues submits a form whose every field and
// page URL carry an XSS payload, then renders every staff page that shows
// them: the payload must appear only as text.
func TestFormPagesEscapeSubmittedValues(t *testing.T) {
	e := newEnv(t)
	session := e.setup()
	owner := actorOf(t, e, "admin@example.com")
	ctx := context.Background()
	prop := crm.Property{Object: "contact", Key: "budget_note", LabelJA: "予算" + formXSS, LabelEN: "Budget" + formXSS, Type: crm.PropText}
	if _, err := e.app.CreateProperty(ctx, owner, prop); err != nil {
		t.Fatal(err)
	}
	fm, err := e.app.CreateForm(ctx, owner, crm.Form{Name: "Form " + formXSS, TitleJA: formXSS, TitleEN: formXSS, Fields: []crm.FormField{
		{Key: "email", LabelJA: "メール" + formXSS, LabelEN: "E-mail" + formXSS},
		{Key: "family_name", LabelJA: formXSS, LabelEN: formXSS}, {Key: "given_name", LabelJA: formXSS},
		{Key: "company", LabelJA: formXSS}, {Key: "job_title", LabelJA: formXSS}, {Key: "department", LabelJA: formXSS},
		{Key: "props.budget_note", LabelJA: formXSS}, {Key: "consent", LabelJA: "同意" + formXSS},
	}})
	if err != nil {
		t.Fatal(err)
	}
	out, err := e.app.SubmitForm(ctx, app.FormPost{Form: fm, Lang: crm.LangJA, Values: map[string]string{
		"email": "formxss@example.jp", "family_name": formXSS, "given_name": formXSS, "company": formXSS, "job_title": formXSS,
		"department": formXSS, "props.budget_note": formXSS, "consent": "yes"},
		PageURL: "https://www.example.jp/?utm_source=" + url.QueryEscape(formXSS), Referrer: "javascript:alert(3)", UserAgent: formXSS})
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"/marketing/forms", "/marketing/forms/" + strconvI(fm.ID), "/marketing/forms/" + strconvI(fm.ID) + "/edit",
		"/contacts/" + strconvI(out.ContactID), "/contacts"} {
		w := e.do("GET", path, session, nil)
		if w.Code != http.StatusOK {
			t.Errorf("GET %s: %d", path, w.Code)
			continue
		}
		body := w.Body.String()
		if strings.Contains(body, "<script>alert(1)") || strings.Contains(body, "<img src=x") || strings.Contains(body, `href="javascript:`) {
			t.Errorf("GET %s: the payload is not escaped", path)
		}
		if path != "/contacts" && !strings.Contains(body, "&lt;script&gt;alert(1)&lt;/script&gt;") {
			t.Errorf("GET %s: the payload does not show as text", path)
		}
	}
	// The contact's timeline shows the submitted values.
	w := e.do("GET", "/contacts/"+strconvI(out.ContactID), session, nil)
	if !strings.Contains(w.Body.String(), "Form submitted") || !strings.Contains(w.Body.String(), "formxss@example.jp") {
		t.Errorf("the timeline does not show the submission")
	}
}

// TestFormBuilder creates a form through the builder, refuses a redirect
// to a foreign domain with an inline message, and shows the snippets.
func TestFormBuilder(t *testing.T) {
	e := newEnv(t)
	session := e.setup()
	v := url.Values{"name": {"お問い合わせ"}, "title_ja": {"お問い合わせ"}, "title_en": {"Contact us"},
		"on.email": {"on"}, "ja.email": {"メール"}, "en.email": {"E-mail"},
		"on.family_name": {"on"}, "req.family_name": {"on"}, "ja.family_name": {"姓"}, "pos.family_name": {"5"},
		"on.consent": {"on"}, "ja.consent": {"同意します"}, "en.consent": {"I agree"},
		"redirect_url": {"https://evil.example.net/thanks"}, "double_optin": {"on"}}
	w := e.do("POST", "/marketing/forms", session, v)
	if w.Code != http.StatusUnprocessableEntity || !strings.Contains(w.Body.String(), "only go to a registered site") {
		t.Fatalf("foreign redirect: %d\n%.2000s", w.Code, w.Body)
	}
	v.Set("redirect_url", "")
	v.Set("pat.family_name", "([")
	w = e.do("POST", "/marketing/forms", session, v)
	if w.Code != http.StatusUnprocessableEntity || !strings.Contains(w.Body.String(), "not a valid regular expression") {
		t.Fatalf("bad pattern: %d", w.Code)
	}
	v.Del("pat.family_name")
	w = e.do("POST", "/marketing/forms", session, v)
	if w.Code != http.StatusSeeOther {
		t.Fatalf("create: %d\n%.3000s", w.Code, w.Body)
	}
	loc := w.Header().Get("Location")
	w = e.do("GET", loc, session, nil)
	body := w.Body.String()
	for _, want := range []string{"data-renkei-form=", "/f/embed.js", "&lt;form method=&#34;post&#34;", "/f/"} {
		if !strings.Contains(body, want) {
			t.Errorf("form page lacks %q", want)
		}
	}
	forms, _ := e.app.Forms(context.Background(), actorOf(t, e, "admin@example.com"))
	if len(forms) != 1 || len(forms[0].Fields) != 3 || forms[0].Fields[0].Key != "family_name" || !forms[0].DoubleOptIn {
		t.Errorf("stored form %+v", forms)
	}
	// A viewer sees the list but no builder.
	viewer := e.user(crm.RoleViewer, "Vera")
	if w := e.do("GET", "/marketing/forms", viewer, nil); w.Code != 200 || strings.Contains(w.Body.String(), "/marketing/forms/new") {
		t.Errorf("viewer list: %d", w.Code)
	}
}
