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

// TestSequencePages: the editor adds, moves and removes steps without
// saving, shows bad input per field and saves nothing then; a saved
// sequence is activated from its page, a contact is enrolled from the
// contact page, and the report shows the enrolment.
func TestSequencePages(t *testing.T) {
	e := newEnv(t)
	admin := e.setup()
	ctx := context.Background()
	check := pageChecker(t)
	for _, p := range []string{"/marketing/sequences", "/marketing/sequences/new"} {
		w := e.do(http.MethodGet, p, admin, nil)
		wantStatus(t, p, w, http.StatusOK)
		check(p, w.Body.String())
	}
	if w := e.do(http.MethodGet, "/marketing/sequences", admin, nil); !strings.Contains(w.Body.String(), "No sequences yet") {
		t.Error("no empty state")
	}
	base := url.Values{"name": {"育成"}, "exit_on_reply": {"1"}, "steps.1.kind": {"task"}, "steps.1.task_title": {"電話"},
		"steps.1.task_days": {"2"}}
	with := func(extra url.Values) url.Values {
		v := url.Values{}
		for k, x := range base {
			v[k] = x
		}
		for k, x := range extra {
			v[k] = x
		}
		return v
	}
	// Add a wait: the editor comes back with two steps, nothing saved.
	w := e.do(http.MethodPost, "/marketing/sequences", admin, with(url.Values{"op": {"add"}, "new_kind": {"wait"}}))
	wantStatus(t, "add", w, http.StatusOK)
	if !strings.Contains(w.Body.String(), `data-step="2" data-kind="wait"`) {
		t.Errorf("the added step is not shown:\n%.2000s", w.Body.String())
	}
	// Move the wait up: it becomes step 1.
	w = e.do(http.MethodPost, "/marketing/sequences", admin, with(url.Values{"op": {"up:2"}, "steps.2.kind": {"wait"}, "steps.2.wait_days": {"3"}}))
	if !strings.Contains(w.Body.String(), `data-step="1" data-kind="wait"`) || !strings.Contains(w.Body.String(), `data-step="2" data-kind="task"`) {
		t.Error("the steps did not move")
	}
	// Remove step 1.
	w = e.do(http.MethodPost, "/marketing/sequences", admin, with(url.Values{"op": {"remove:1"}}))
	if strings.Contains(w.Body.String(), `data-step=`) || !strings.Contains(w.Body.String(), "No steps yet") {
		t.Error("the step was not removed")
	}
	// Bad input: a loop and an unknown step kind, shown per field.
	w = e.do(http.MethodPost, "/marketing/sequences", admin, with(url.Values{"op": {"save"}, "name": {""}, "steps.2.kind": {"condition"},
		"steps.2.cond": {"score"}, "steps.2.cond_value": {"abc"}, "holdout_pct": {"x"}}))
	wantStatus(t, "bad sequence", w, http.StatusUnprocessableEntity)
	for _, want := range []string{"is-invalid", "Enter a whole number from 0", "Enter a whole number"} {
		if !strings.Contains(w.Body.String(), want) {
			t.Errorf("bad form lacks %q", want)
		}
	}
	if qs, _ := e.app.Sequences(ctx, actorOf(t, e, "admin@example.com")); len(qs) != 0 {
		t.Fatalf("refused input saved %d sequences", len(qs))
	}
	// Save.
	w = e.do(http.MethodPost, "/marketing/sequences", admin, with(url.Values{"op": {"save"}}))
	wantStatus(t, "create", w, http.StatusSeeOther)
	loc := w.Header().Get("Location")
	w = e.do(http.MethodGet, loc, admin, nil)
	wantStatus(t, loc, w, http.StatusOK)
	check(loc, w.Body.String())
	w = e.do(http.MethodPost, loc+"/activate", admin, url.Values{})
	wantStatus(t, "activate", w, http.StatusSeeOther)
	w = e.do(http.MethodGet, loc+"/edit", admin, nil)
	wantStatus(t, "edit", w, http.StatusOK)
	check(loc+"/edit", w.Body.String())
	// Enrol a contact from its page.
	ac := actorOf(t, e, "admin@example.com")
	c, err := e.app.CreateContact(ctx, ac, app.ContactInput{Contact: crm.Contact{Email: "yamada@example.jp", PersonName: crm.PersonName{Family: "山田"}}})
	if err != nil {
		t.Fatal(err)
	}
	qs, _ := e.app.Sequences(ctx, ac)
	w = e.do(http.MethodGet, "/contacts/"+strconvI(c.ID)+"/sequences", admin, nil)
	wantStatus(t, "card", w, http.StatusOK)
	if !strings.Contains(w.Body.String(), "Not in any sequence") || !strings.Contains(w.Body.String(), `name="sequence_id"`) {
		t.Errorf("card:\n%s", w.Body.String())
	}
	w = e.do(http.MethodPost, "/contacts/"+strconvI(c.ID)+"/sequences", admin, url.Values{"sequence_id": {strconvI(qs[0].ID)}})
	wantStatus(t, "enrol", w, http.StatusSeeOther)
	w = e.do(http.MethodGet, "/contacts/"+strconvI(c.ID)+"/sequences", admin, nil)
	if !strings.Contains(w.Body.String(), "育成") {
		t.Errorf("card after enrolling:\n%s", w.Body.String())
	}
	w = e.do(http.MethodGet, loc+"?days=14", admin, nil)
	check(loc, w.Body.String())
	if !strings.Contains(w.Body.String(), `data-k="enrolled">1<`) && !strings.Contains(w.Body.String(), `data-k="holdout">1<`) {
		t.Errorf("the report does not count the enrolment")
	}
	if !strings.Contains(w.Body.String(), "What followed") || !strings.Contains(w.Body.String(), `value="14"`) {
		t.Error("no what-followed section for 14 days")
	}
}
