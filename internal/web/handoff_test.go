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

// TestLeadsInboxFlow: a salesperson sees their MQL in the inbox with the
// bell's count, another salesperson may not accept it (403, nothing
// changes), the owner rejects it with a note holding markup, and the note
// shows as text in the inbox and on the contact's timeline.
func TestLeadsInboxFlow(t *testing.T) {
	e := newEnv(t)
	admin := e.setup()
	sales := e.user(crm.RoleSales, "Sato Sales")
	if _, err := e.app.CreateUserCLI(context.Background(), "other@example.com", "Other Sales", "sales", testPassword); err != nil {
		t.Fatal(err)
	}
	other := e.login("other@example.com")
	rep := actorOf(t, e, "sales@example.com")
	ctx := context.Background()
	if _, err := e.app.CreateAssignmentRule(ctx, actorOf(t, e, "admin@example.com"), crm.AssignmentRule{Kind: crm.RulePerson, UserID: rep.User.ID, Active: true}); err != nil {
		t.Fatal(err)
	}
	c, err := e.app.CreateContact(ctx, actorOf(t, e, "admin@example.com"), app.ContactInput{Contact: crm.Contact{
		Email: "xss@example.jp", PersonName: crm.PersonName{Family: "<img src=x onerror=alert(1)>"}, Lifecycle: crm.StageMQL,
		OriginalSource: crm.SourceWebForm}})
	if err != nil {
		t.Fatal(err)
	}

	w := e.do(http.MethodGet, "/sales/leads", sales, nil)
	wantStatus(t, "inbox", w, http.StatusOK)
	body := w.Body.String()
	if !strings.Contains(body, `id="lead-`) || !strings.Contains(body, "/sales/leads/"+strconvI(c.ID)+"/accept") {
		t.Fatalf("the lead or its accept button is missing:\n%.2000s", body)
	}
	if !strings.Contains(body, `data-unread="1"`) {
		t.Error("the bell does not show one unread notification")
	}
	if strings.Contains(body, "<img src=x") {
		t.Error("the contact's name is not escaped")
	}

	w = e.do(http.MethodPost, "/sales/leads/"+strconvI(c.ID)+"/accept", other, url.Values{})
	wantStatus(t, "accept by another salesperson", w, http.StatusForbidden)
	if got, _ := e.app.Store.Contact(ctx, c.ID); got.LeadStatus != crm.LeadNew {
		t.Fatalf("lead status %q after a refused accept", got.LeadStatus)
	}

	w = e.do(http.MethodPost, "/sales/leads/"+strconvI(c.ID)+"/reject", sales, url.Values{"reason": {"other"}})
	wantStatus(t, "reject without a note", w, http.StatusUnprocessableEntity)

	note := `<script>alert("x")</script>来期に再検討`
	w = e.do(http.MethodPost, "/sales/leads/"+strconvI(c.ID)+"/reject", sales, url.Values{"reason": {"bad_timing"}, "note": {note}})
	wantStatus(t, "reject", w, http.StatusSeeOther)
	for _, page := range []string{"/sales/leads?tab=rejected", "/contacts/" + strconvI(c.ID)} {
		w = e.do(http.MethodGet, page, sales, nil)
		wantStatus(t, page, w, http.StatusOK)
		body = w.Body.String()
		if strings.Contains(body, `<script>alert("x")`) || !strings.Contains(body, "&lt;script&gt;") {
			t.Errorf("%s: the note is not shown as text", page)
		}
	}

	w = e.do(http.MethodGet, "/inbox", sales, nil)
	wantStatus(t, "notifications", w, http.StatusOK)
	if !strings.Contains(w.Body.String(), "/inbox/") {
		t.Error("no mark-read button in the notifications")
	}
	wantStatus(t, "read all", e.do(http.MethodPost, "/inbox/read-all", sales, url.Values{}), http.StatusSeeOther)
	if n, _ := e.app.UnreadNotifications(ctx, rep); n != 0 {
		t.Errorf("%d unread after reading all", n)
	}

	for _, p := range []string{"/reports/leads", "/settings/assignment"} {
		w = e.do(http.MethodGet, p, admin, nil)
		wantStatus(t, p, w, http.StatusOK)
	}
	w = e.do(http.MethodPost, "/settings/assignment", admin, url.Values{"kind": {"person"}})
	wantStatus(t, "rule without a person", w, http.StatusUnprocessableEntity)
	w = e.do(http.MethodPost, "/settings/assignment/sla", admin, url.Values{"sla_hours": {"8"}, "version": {"0"}})
	wantStatus(t, "SLA", w, http.StatusSeeOther)
	if set, _, _ := e.app.HandoffSettings(ctx); set.SLAHours != 8 {
		t.Errorf("SLA hours %d, want 8", set.SLAHours)
	}
}
