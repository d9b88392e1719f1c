package web

import (
	"strings"
	"testing"
	"time"

	"renkei/internal/app"
	"renkei/internal/crm"
)

// The section pages and the settings menu lead to each area's pages, to
// the users who may open them, and to no page that does not exist.
func TestAreaLinks(t *testing.T) {
	e := newEnv(t)
	admin := e.setup()
	viewer := e.user(crm.RoleViewer, "Vera Viewer")
	sales := e.user(crm.RoleSales, "Sam Sales")

	has := func(session, page, href string) bool {
		t.Helper()
		w := e.do("GET", page, session, nil)
		wantStatus(t, "GET "+page, w, 200)
		return strings.Contains(w.Body.String(), `href="`+href+`"`)
	}
	for _, c := range []struct {
		session, who, page, href string
		want                     bool
	}{
		{admin, "admin", "/marketing", "/marketing/awareness", true},
		{admin, "admin", "/marketing", "/marketing/forms", true},
		{admin, "admin", "/sales", "/sales/leads", true},
		{admin, "admin", "/sales", "/sales/deals", true},
		{admin, "admin", "/reports", "/reports/leads", true},
		{admin, "admin", "/settings/workspace", "/settings/sites", true},
		{admin, "admin", "/settings/workspace", "/settings/webhooks", true},
		{admin, "admin", "/settings/workspace", "/settings/assignment", true},
		{viewer, "viewer", "/marketing", "/marketing/awareness", true},
		{sales, "sales", "/sales", "/sales/leads", true},
		{sales, "sales", "/settings/tokens", "/settings/webhooks", false},
		{sales, "sales", "/settings/tokens", "/settings/tokens", true},
		{viewer, "viewer", "/settings/tokens", "/settings/sites", false},
	} {
		if got := has(c.session, c.page, c.href); got != c.want {
			t.Errorf("%s on %s: link to %s shown = %v, want %v", c.who, c.page, c.href, got, c.want)
		}
	}
	// Every link of the table leads to a page the route table serves.
	s := &server{}
	for _, l := range areaLinks {
		if _, ok := s.pagePerm(l.Path); !ok {
			t.Errorf("area link %s → %s: no such page", l.Section, l.Path)
		}
	}
}

// A hand-off notification is worded in the reader's current language,
// whatever language it was stored in.
func TestNotificationTextFollowsPageLanguage(t *testing.T) {
	tokyo, _ := time.LoadLocation("Asia/Tokyo")
	n := crm.Notification{Kind: app.NotifyLeadAssigned, Text: "stored English text",
		Data: map[string]any{"name": "山田 太郎", "due_at": "2026-11-25T04:00:00Z"}}
	ja := (&page{Lang: crm.LangJA, Loc: tokyo}).NotificationText(n)
	if !strings.Contains(ja, "山田 太郎 さんがMQLになり") || !strings.Contains(ja, "2026-11-25 13:00") {
		t.Errorf("Japanese text %q", ja)
	}
	en := (&page{Lang: crm.LangEN, Loc: tokyo}).NotificationText(n)
	if !strings.Contains(en, "山田 太郎 became an MQL") {
		t.Errorf("English text %q", en)
	}
	n.Kind = "something_else"
	if got := (&page{Lang: crm.LangJA, Loc: tokyo}).NotificationText(n); got != "stored English text" {
		t.Errorf("other kinds show their stored text, got %q", got)
	}
}
