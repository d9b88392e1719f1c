package api

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"renkei/internal/app"
	"renkei/internal/crm"
)

// newLead creates an MQL owned by the role's user (who keeps it when they
// may own leads).
func (e *env) newLead(email, role string) crm.Contact {
	e.t.Helper()
	c, err := e.app.CreateContact(context.Background(), e.admin(), app.ContactInput{
		Contact: crm.Contact{Email: email, OwnerID: e.users[role].ID, Lifecycle: crm.StageMQL, OriginalSource: crm.SourceWebForm}})
	if err != nil {
		e.t.Fatal(err)
	}
	return c
}

// handoffSamples are the permission walk's requests for the hand-off
// routes; each role gets its own leads and rules.
func (e *env) handoffSamples(role string) map[string]sample {
	ctx := context.Background()
	accept := e.newLead("accept-"+role+"@example.jp", role)
	reject := e.newLead("reject-"+role+"@example.jp", role)
	rule, err := e.app.CreateAssignmentRule(ctx, e.admin(), crm.AssignmentRule{Kind: crm.RuleCompanyOwner, Active: true})
	if err != nil {
		e.t.Fatal(err)
	}
	doomed, err := e.app.CreateAssignmentRule(ctx, e.admin(), crm.AssignmentRule{Kind: crm.RuleCompanyOwner, Active: true})
	if err != nil {
		e.t.Fatal(err)
	}
	var note int64
	if u, ok := e.users[role]; ok {
		ns, err := e.app.Notifications(ctx, app.Actor{User: u}, false, 0, 1)
		if err != nil {
			e.t.Fatal(err)
		}
		if len(ns) > 0 {
			note = ns[0].ID
		}
	}
	if note == 0 {
		note = 999999 // no notification of one's own: a 404, which is still "allowed"
	}
	return map[string]sample{
		"GET /assignment-rules":           {path: "/assignment-rules"},
		"POST /assignment-rules":          {path: "/assignment-rules", body: map[string]any{"kind": "company_owner"}},
		"PATCH /assignment-rules/{id}":    {path: fmt.Sprintf("/assignment-rules/%d", rule.ID), body: map[string]any{"kind": "company_owner"}, headers: []string{"If-Match", fmt.Sprintf(`"%d"`, rule.Version)}},
		"DELETE /assignment-rules/{id}":   {path: fmt.Sprintf("/assignment-rules/%d", doomed.ID)},
		"GET /leads":                      {path: "/leads?status=new&scope=team"},
		"GET /leads/{contact_id}":         {path: fmt.Sprintf("/leads/%d", accept.ID)},
		"POST /leads/{contact_id}/accept": {path: fmt.Sprintf("/leads/%d/accept", accept.ID), body: map[string]any{"create_deal": false}},
		"POST /leads/{contact_id}/reject": {path: fmt.Sprintf("/leads/%d/reject", reject.ID), body: map[string]any{"reason": "no_budget", "note": "来期"}},
		"GET /notifications":              {path: "/notifications?unread=true"},
		"POST /notifications/{id}/read":   {path: fmt.Sprintf("/notifications/%d/read", note)},
		"POST /notifications/read-all":    {path: "/notifications/read-all"},
	}
}

// TestLeadsAPI walks the hand-off as a client: the sales user's lead is in
// the list, another salesperson may not accept it (403, nothing written),
// a bad reason is a 422 naming the field, the owner rejects it.
func TestLeadsAPI(t *testing.T) {
	e := newEnv(t)
	c := e.newLead("api-lead@example.jp", "sales")
	other := e.addUser("other-sales@example.com", "Other", crm.RoleSales)
	_, secret, err := e.app.CreateAPITokenCLI(context.Background(), other.Email, "other")
	if err != nil {
		t.Fatal(err)
	}
	e.tokens["other"] = secret

	res := e.do("sales", http.MethodGet, Prefix+"/leads?status=new", nil)
	if res.status != 200 || !strings.Contains(string(res.body), fmt.Sprintf(`"contact_id":%d`, c.ID)) {
		t.Fatalf("list: %d %s", res.status, res.body)
	}
	if res := e.do("other", http.MethodPost, Prefix+fmt.Sprintf("/leads/%d/accept", c.ID), nil); res.status != http.StatusForbidden {
		t.Errorf("accept by another salesperson: %d %s", res.status, res.body)
	}
	if res := e.do("sales", http.MethodPost, Prefix+fmt.Sprintf("/leads/%d/reject", c.ID), map[string]any{"reason": "nope"}); res.status != 422 || !strings.Contains(string(res.body), "reason") {
		t.Errorf("bad reason: %d %s", res.status, res.body)
	}
	got, _ := e.app.Store.Contact(context.Background(), c.ID)
	if got.LeadStatus != crm.LeadNew {
		t.Errorf("refused calls changed the lead status to %q", got.LeadStatus)
	}
	res = e.do("sales", http.MethodPost, Prefix+fmt.Sprintf("/leads/%d/reject", c.ID), map[string]any{"reason": "duplicate", "note": "<b>x</b>"})
	if res.status != 200 || !strings.Contains(string(res.body), `"outcome":"disqualified"`) {
		t.Errorf("reject: %d %s", res.status, res.body)
	}
	if res := e.do("sales", http.MethodPost, Prefix+fmt.Sprintf("/leads/%d/accept", c.ID), nil); res.status != 422 {
		t.Errorf("accept after reject: %d %s", res.status, res.body)
	}
	res = e.do("sales", http.MethodGet, Prefix+"/notifications", nil)
	if res.status != 200 || !strings.Contains(string(res.body), "lead_assigned") {
		t.Errorf("notifications: %d %s", res.status, res.body)
	}
}

// happyHandoff uses every hand-off route the way a client would.
func (e *env) happyHandoff() {
	t := e.t
	team := e.do("admin", "POST", Prefix+"/teams", map[string]any{"name": "Happy hand-off"}).want(t, 201)
	teamID := team.id(t)
	e.do("admin", "PUT", fmt.Sprintf("%s/teams/%d/members/%d", Prefix, teamID, e.users["sales"].ID), map[string]any{"is_manager": false}).want(t, 200)
	res := e.do("admin", "POST", Prefix+"/assignment-rules", map[string]any{"kind": "round_robin", "team_id": teamID, "name": "東日本"}).want(t, 201)
	ruleURL := res.header.Get("Location")
	res = e.do("admin", "PATCH", ruleURL, map[string]any{"kind": "territory", "prefectures": []string{"東京都"}, "team_id": teamID},
		"If-Match", res.header.Get("ETag")).want(t, 200)
	if m := res.obj(t); fmt.Sprint(m["prefectures"]) != "[東京都]" {
		t.Errorf("patched rule: %s", res.body)
	}
	e.do("viewer", "GET", Prefix+"/assignment-rules", nil).want(t, 200)
	e.do("admin", "DELETE", ruleURL, nil).want(t, 204)

	a := e.newLead("happy-a@example.jp", "sales")
	b := e.newLead("happy-b@example.jp", "sales")
	res = e.do("sales", "GET", Prefix+"/leads?status=new&limit=1", nil).want(t, 200)
	if c, _ := res.obj(t)["next_cursor"].(string); c == "" {
		t.Errorf("no next page: %s", res.body)
	}
	e.do("sales", "GET", fmt.Sprintf("%s/leads/%d", Prefix, a.ID), nil).want(t, 200)
	res = e.do("sales", "POST", fmt.Sprintf("%s/leads/%d/accept", Prefix, a.ID), nil).want(t, 200)
	if m := res.obj(t); m["status"] != "accepted" || m["lifecycle_stage"] != "sql" {
		t.Errorf("accepted: %s", res.body)
	}
	res = e.do("sales", "POST", fmt.Sprintf("%s/leads/%d/reject", Prefix, b.ID), map[string]any{"reason": "bad_timing"}).want(t, 200)
	if m := res.obj(t); m["outcome"] != "recycled" || m["lead_status"] != "recycled" {
		t.Errorf("rejected: %s", res.body)
	}
	res = e.do("sales", "GET", Prefix+"/notifications?unread=true", nil).want(t, 200)
	data := res.obj(t)["data"].([]any)
	if len(data) == 0 {
		t.Fatal("no notifications")
	}
	id := int64(data[0].(map[string]any)["id"].(float64))
	e.do("sales", "POST", fmt.Sprintf("%s/notifications/%d/read", Prefix, id), nil).want(t, 204)
	e.do("sales", "POST", Prefix+"/notifications/read-all", nil).want(t, 204)
}
