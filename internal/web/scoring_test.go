package web

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"renkei/internal/app"
)

func TestScoringSettingsPage(t *testing.T) {
	p := newPeople(t)
	e := p.e
	p.setLang(t, "en")
	ctx := context.Background()

	// Empty state: says what to do next and offers the suggested rules.
	body := e.do(http.MethodGet, "/settings/scoring", p.admin, nil).Body.String()
	if !strings.Contains(body, "/settings/scoring/suggested") {
		t.Error("the empty page does not offer the suggested rules")
	}

	// Per-field errors, nothing stored.
	w := e.do(http.MethodPost, "/settings/scoring/rules", p.admin, vals("kind", "engagement", "name", "", "field", "visit", "op", "prefix", "points", "0", "cap", "x"))
	wantStatus(t, "bad rule", w, http.StatusUnprocessableEntity)
	body = w.Body.String()
	for id, want := range map[string]string{"f-cap": "whole number"} {
		if got := fieldError(body, id); !strings.Contains(got, want) {
			t.Errorf("message under %s = %q, want %q", id, got, want)
		}
	}
	w = e.do(http.MethodPost, "/settings/scoring/rules", p.admin, vals("kind", "engagement", "name", "", "field", "visit", "op", "prefix", "points", "0"))
	body = w.Body.String()
	for id, want := range map[string]string{"f-name": "name", "f-field": "event", "f-points": "points", "f-values": "value"} {
		if got := fieldError(body, id); !strings.Contains(got, want) {
			t.Errorf("message under %s = %q, want %q", id, got, want)
		}
	}
	if rules, _ := e.app.ScoringRules(ctx, p.adminAc); len(rules) != 0 {
		t.Fatalf("a refused rule was stored: %+v", rules)
	}

	// A rule whose name is an XSS payload shows as text on the page, in
	// the preview and on the contact's score card.
	wantStatus(t, "create", e.do(http.MethodPost, "/settings/scoring/rules", p.admin,
		vals("kind", "fit", "name", xss, "field", "job_title", "op", "contains", "values", "部長\nmanager", "points", "15", "active", "1")), http.StatusSeeOther)
	body = e.do(http.MethodGet, "/settings/scoring", p.sales, nil).Body.String()
	if strings.Contains(body, xss) || !strings.Contains(body, "job title contains “部長” or “manager”") {
		t.Errorf("rule list: raw payload or no description")
	}
	if strings.Contains(body, `action="/settings/scoring/rules/`) {
		t.Error("sales sees the edit controls")
	}
	wantStatus(t, "sales may not add rules", e.do(http.MethodPost, "/settings/scoring/rules", p.sales,
		vals("kind", "fit", "name", "x", "field", "job_title", "op", "contains", "values", "x", "points", "1")), http.StatusForbidden)
	w = e.do(http.MethodPost, "/settings/scoring/preview", p.admin, vals("kind", "engagement", "name", xss, "field", "pageview", "op", "prefix", "values", "/pricing", "points", "10", "cap", "30"))
	if got := w.Body.String(); !strings.Contains(got, "page view starts with “/pricing”") || !strings.Contains(got, "at most 30") {
		t.Errorf("preview: %s", got)
	}

	c := p.taro
	c.JobTitle = "営業部長"
	if _, err := e.app.UpdateContact(ctx, p.adminAc, c.ID, c.Version, app.ContactInput{Contact: c}); err != nil {
		t.Fatal(err)
	}
	body = e.do(http.MethodGet, fmt.Sprintf("/contacts/%d/score", c.ID), p.viewr, nil).Body.String()
	if strings.Contains(body, xss) || !strings.Contains(body, `data-score="fit">15<`) {
		t.Errorf("score card: %s", body)
	}
	if page := e.do(http.MethodGet, fmt.Sprintf("/contacts/%d", c.ID), p.viewr, nil).Body.String(); !strings.Contains(page, `hx-get="/contacts/`+fmt.Sprint(c.ID)+`/score"`) {
		t.Error("the contact page does not load the score card")
	}

	// Settings: per-field errors, then a save; rescore-all queues a job
	// whose progress shows.
	w = e.do(http.MethodPost, "/settings/scoring", p.admin, vals("version", "0", "half_life_days", "-1", "mql_fit_min", "30", "mql_engagement_min", "x"))
	wantStatus(t, "bad settings", w, http.StatusUnprocessableEntity)
	if got := fieldError(w.Body.String(), "f-mql_engagement_min"); got == "" {
		t.Error("no message under the engagement threshold")
	}
	wantStatus(t, "settings", e.do(http.MethodPost, "/settings/scoring", p.admin,
		vals("version", "0", "half_life_days", "14", "mql_fit_min", "20", "mql_engagement_min", "30", "mql_enabled", "1")), http.StatusSeeOther)
	if set, v, _ := e.app.ScoringSettings(ctx); v != 1 || set.HalfLifeDays != 14 || set.FormMakesLead || !set.MQLEnabled {
		t.Errorf("saved settings %+v v%d", set, v)
	}
	wantStatus(t, "rescore", e.do(http.MethodPost, "/settings/scoring/rescore", p.admin, nil), http.StatusSeeOther)
	if got := e.do(http.MethodGet, "/settings/scoring/progress", p.admin, nil).Body.String(); !strings.Contains(got, `hx-trigger="every 1s"`) {
		t.Errorf("progress of a queued job does not poll: %s", got)
	}
}
