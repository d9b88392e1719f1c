package web

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"renkei/internal/crm"
	"renkei/internal/store"
)

func TestActivitiesPanelAndPages(t *testing.T) {
	s := newSales(t)
	e := s.e
	ctx := context.Background()
	deal := fmt.Sprint(s.deal.ID)

	// Log a visit with hostile text on the deal, through the htmx form.
	w := e.do(http.MethodPost, "/activities", s.admin, vals("deal", deal, "kind", "visit", "side", "sales",
		"subject", xss, "body", xss+"\n2行目", "location", xss, "starts_at", "2026-04-14T10:00", "ends_at", "2026-04-14T11:30"),
		"HX-Request", "true")
	wantStatus(t, "log", w, http.StatusOK)
	body := w.Body.String()
	if strings.Contains(body, xss) || !strings.Contains(body, "&lt;script&gt;alert(1)&lt;/script&gt;") || strings.Contains(body, "<html") {
		t.Errorf("panel does not escape or is not a fragment:\n%.2000s", body)
	}
	acts, _, err := e.app.ListActivities(ctx, s.adminAc, store.ActivityQuery{DealID: s.deal.ID})
	if err != nil || len(acts) != 1 || acts[0].Duration().Minutes() != 90 || acts[0].ContactID != s.evil.ID {
		t.Fatalf("activities %+v, %v", acts, err)
	}
	if !strings.Contains(body, fmt.Sprintf(`href="/activities/%d.ics"`, acts[0].ID)) {
		t.Errorf("no .ics link")
	}
	// Inline validation: 422 with the message next to the field, nothing written.
	w = e.do(http.MethodPost, "/activities", s.admin, vals("deal", deal, "kind", "call", "subject", "", "outcome", "busy",
		"starts_at", "soon"), "HX-Request", "true")
	wantStatus(t, "bad activity", w, http.StatusUnprocessableEntity)
	if b := w.Body.String(); !strings.Contains(b, `id="f-starts_at-error"`) || !strings.Contains(b, "is-invalid") {
		t.Errorf("no inline messages:\n%.3000s", b)
	}
	if n, _, _ := e.app.ListActivities(ctx, s.adminAc, store.ActivityQuery{DealID: s.deal.ID}); len(n) != 1 {
		t.Errorf("bad activity written")
	}
	// The viewer reads but may not log.
	wantStatus(t, "viewer logs", e.do(http.MethodPost, "/activities", s.viewr, vals("deal", deal, "kind", "note", "body", "x")), http.StatusForbidden)
	w = e.do(http.MethodGet, "/activities/panel?deal="+deal, s.viewr, nil, "HX-Request", "true")
	wantStatus(t, "viewer panel", w, http.StatusOK)
	if strings.Contains(w.Body.String(), `action="/activities"`) {
		t.Errorf("viewer sees the log form")
	}

	// The .ics download.
	w = e.do(http.MethodGet, fmt.Sprintf("/activities/%d.ics", acts[0].ID), s.sales, nil)
	wantStatus(t, "ics", w, http.StatusOK)
	if ct := w.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/calendar") || !strings.Contains(w.Body.String(), "BEGIN:VEVENT\r\n") {
		t.Errorf("ics %q:\n%s", ct, w.Body.String())
	}
	wantStatus(t, "ics of nothing", e.do(http.MethodGet, "/activities/abc.ics", s.sales, nil), http.StatusNotFound)

	// A task from the contact's panel, then the Today page and the lists.
	w = e.do(http.MethodPost, "/tasks", s.admin, vals("contact", fmt.Sprint(s.evil.ID), "title", xss, "due_at", "2020-01-01T09:00",
		"remind_minutes", "-1", "priority", "high"), "HX-Request", "true")
	wantStatus(t, "task", w, http.StatusOK)
	for _, path := range []string{"/today", "/tasks?view=overdue", "/activities/week", "/activities/week?week=2026-04-13", "/settings/activities"} {
		w = e.do(http.MethodGet, path, s.admin, nil)
		wantStatus(t, path, w, http.StatusOK)
		if strings.Contains(w.Body.String(), xss) {
			t.Errorf("%s shows raw HTML", path)
		}
	}
	if b := e.do(http.MethodGet, "/today", s.admin, nil).Body.String(); !strings.Contains(b, "&lt;script&gt;") || !strings.Contains(b, "today-leads") {
		t.Errorf("Today lacks the overdue task:\n%.3000s", b)
	}
	if b := e.do(http.MethodGet, "/activities/week?week=2026-04-13", s.admin, nil).Body.String(); !strings.Contains(b, "<rect") {
		t.Errorf("week view has no chart")
	}
	// The contact's timeline shows the activity, escaped.
	if b := e.do(http.MethodGet, fmt.Sprintf("/contacts/%d", s.evil.ID), s.admin, nil).Body.String(); !strings.Contains(b, "訪問") && !strings.Contains(b, "Visit") {
		t.Errorf("timeline has no activity entry")
	}
	// Settings: the side per kind.
	w = e.do(http.MethodPost, "/settings/activities", s.admin, vals("version", "0", "side_note", "marketing", "side_call", "nonsense"))
	wantStatus(t, "bad sides", w, http.StatusUnprocessableEntity)
	w = e.do(http.MethodPost, "/settings/activities", s.admin, vals("version", "0", "side_note", "marketing", "side_call", "sales"))
	wantStatus(t, "sides", w, http.StatusSeeOther)
	if sides, _, _ := e.app.ActivitySides(ctx); sides[crm.ActNote] != crm.SideMarketing {
		t.Errorf("sides %v", sides)
	}
}
