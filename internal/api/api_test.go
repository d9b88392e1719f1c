package api

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"renkei/internal/app"
	"renkei/internal/crm"
)

// TestHappyPaths uses every route once the way a client would, checks the
// answers (and, through env.do, that they fit the OpenAPI document), reads
// the database back where it matters, and fails if a route of the table
// was never answered with a 2xx.
func TestHappyPaths(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	admin := e.users["admin"]

	t.Run("openapi", func(t *testing.T) {
		e := e.sub(t)
		res := e.do("", "GET", "/api/v1/openapi.json", nil).want(t, 200)
		if got := res.obj(t)["openapi"]; got != "3.1.0" {
			t.Errorf("openapi = %v", got)
		}
	})

	t.Run("me", func(t *testing.T) {
		e := e.sub(t)
		res := e.do("sales", "GET", "/api/v1/users/me", nil).want(t, 200)
		if got := res.obj(t)["email"]; got != "sales@example.com" {
			t.Errorf("email = %v", got)
		}
		et := res.etag(t)
		res = e.do("sales", "PATCH", "/api/v1/users/me", map[string]any{"name": "佐藤 花子", "language": "ja"}, "If-Match", et).want(t, 200)
		if m := res.obj(t); m["name"] != "佐藤 花子" || m["language"] != "ja" {
			t.Errorf("after PATCH: %v", m)
		}
		if res.etag(t) == et {
			t.Errorf("ETag did not change")
		}
		u, _ := e.st.User(ctx, e.users["sales"].ID)
		if u.Name != "佐藤 花子" || u.Language != crm.LangJA {
			t.Errorf("stored user = %+v", u)
		}
	})

	var invited int64
	t.Run("users", func(t *testing.T) {
		e := e.sub(t)
		res := e.do("viewer", "GET", "/api/v1/users", nil).want(t, 200)
		if n := len(res.obj(t)["data"].([]any)); n != 4 {
			t.Errorf("%d users, want 4", n)
		}
		res = e.do("viewer", "GET", "/api/v1/users?role=sales&status=active", nil).want(t, 200)
		if data := res.obj(t)["data"].([]any); len(data) != 1 || data[0].(map[string]any)["role"] != "sales" {
			t.Errorf("role filter: %v", data)
		}

		wakes := e.wakes.Load()
		res = e.do("admin", "POST", "/api/v1/users", map[string]any{
			"email": "ＮＥＷ@Example.com", "name": "New Person", "role": "marketing", "language": "ja"}).want(t, 201)
		m := res.obj(t)
		invited = int64(m["id"].(float64))
		if m["email"] != "new@example.com" || m["status"] != "invited" || m["role"] != "marketing" {
			t.Errorf("invited: %v", m)
		}
		if url, _ := m["invite_url"].(string); !strings.HasPrefix(url, testBaseURL+"/invite/") {
			t.Errorf("invite_url = %q", url)
		}
		if got, want := res.header.Get("Location"), fmt.Sprintf("/api/v1/users/%d", invited); got != want {
			t.Errorf("Location = %q, want %q", got, want)
		}
		if e.wakes.Load() != wakes+1 {
			t.Errorf("the job runner was not woken for the invitation mail")
		}

		res = e.do("viewer", "GET", res.header.Get("Location"), nil).want(t, 200)
		et := res.etag(t)
		res = e.do("admin", "PATCH", fmt.Sprintf("/api/v1/users/%d", invited),
			map[string]any{"role": "sales", "status": "deactivated", "name": "Renamed"}, "If-Match", et).want(t, 200)
		if m := res.obj(t); m["role"] != "sales" || m["status"] != "deactivated" || m["name"] != "Renamed" {
			t.Errorf("after PATCH: %v", m)
		}
		u, _ := e.st.User(ctx, invited)
		if u.Role != crm.RoleSales || u.Status != crm.UserDeactivated {
			t.Errorf("stored: %+v", u)
		}
	})

	t.Run("teams", func(t *testing.T) {
		e := e.sub(t)
		res := e.do("admin", "POST", "/api/v1/teams", map[string]any{"name": "営業1課"}).want(t, 201)
		loc := res.header.Get("Location")
		id := int64(res.obj(t)["id"].(float64))
		res = e.do("viewer", "GET", loc, nil).want(t, 200)
		res = e.do("admin", "PATCH", loc, map[string]any{"name": "営業第一課"}, "If-Match", res.etag(t)).want(t, 200)
		if got := res.obj(t)["name"]; got != "営業第一課" {
			t.Errorf("renamed to %v", got)
		}
		member := fmt.Sprintf("%s/members/%d", loc, e.users["sales"].ID)
		res = e.do("admin", "PUT", member, map[string]any{"is_manager": true}).want(t, 200)
		members := res.obj(t)["members"].([]any)
		if len(members) != 1 || members[0].(map[string]any)["is_manager"] != true {
			t.Errorf("members = %v", members)
		}
		e.do("admin", "PUT", fmt.Sprintf("%s/members/%d", loc, e.users["viewer"].ID), nil).want(t, 200)
		u, _ := e.st.User(ctx, e.users["sales"].ID)
		if !u.ManagesTeam(id) {
			t.Errorf("sales user does not manage the team: %+v", u.Teams)
		}
		res = e.do("sales", "GET", "/api/v1/teams", nil).want(t, 200)
		if n := len(res.obj(t)["data"].([]any)); n != 1 {
			t.Errorf("%d teams", n)
		}
		e.do("admin", "DELETE", member, nil).want(t, 204)
		if team, _ := e.st.Team(ctx, id); len(team.Members) != 1 {
			t.Errorf("after removing a member: %+v", team.Members)
		}
		e.do("admin", "DELETE", loc, nil).want(t, 204)
		e.do("admin", "GET", loc, nil).want(t, 404)
	})

	t.Run("tokens", func(t *testing.T) {
		e := e.sub(t)
		res := e.do("viewer", "POST", "/api/v1/tokens", map[string]any{"name": "report script"}).want(t, 201)
		m := res.obj(t)
		secret, _ := m["secret"].(string)
		if !strings.HasPrefix(secret, "rk_") || !strings.HasPrefix(secret, m["prefix"].(string)) {
			t.Fatalf("created token: %v", m)
		}
		me := e.send("GET", "/api/v1/users/me", nil, map[string]string{"Authorization": "Bearer " + secret}).want(t, 200)
		if me.obj(t)["role"] != "viewer" {
			t.Errorf("the token does not act as its user")
		}
		res = e.do("viewer", "GET", "/api/v1/tokens", nil).want(t, 200)
		if data := res.obj(t)["data"].([]any); len(data) != 2 || strings.Contains(string(res.body), secret) {
			t.Errorf("own tokens: %s", res.body)
		}
		res = e.do("admin", "GET", "/api/v1/tokens?all=true", nil).want(t, 200)
		if n := len(res.obj(t)["data"].([]any)); n != 5 {
			t.Errorf("all tokens: %d, want 5", n)
		}
		e.do("viewer", "DELETE", fmt.Sprintf("/api/v1/tokens/%d", int64(m["id"].(float64))), nil).want(t, 204)
		e.send("GET", "/api/v1/users/me", nil, map[string]string{"Authorization": "Bearer " + secret}).want(t, 401)
	})

	t.Run("settings", func(t *testing.T) {
		e := e.sub(t)
		res := e.do("viewer", "GET", "/api/v1/settings", nil).want(t, 200)
		patch := map[string]any{
			"name": "株式会社テスト", "time_zone": "Asia/Tokyo", "fiscal_year_start": 4, "base_currency": "JPY",
			"company_name": "株式会社テスト", "company_postal_code": "100-0001", "company_address": "東京都千代田区",
			"company_phone": "03-0000-0000", "invoice_reg_number": "T1234567890123",
			"working_days": []string{"mon", "tue", "wed", "thu"}, "day_start": "09:30", "day_end": "24:00",
			"japanese_holidays": false, "holidays": []string{"2026-12-29", "2026-12-30"},
			"record_visibility": map[string]string{"deals": "team"}, "language": "ja",
		}
		res = e.do("admin", "PATCH", "/api/v1/settings", patch, "If-Match", res.etag(t)).want(t, 200)
		m := res.obj(t)
		if m["day_start"] != "09:30" || m["day_end"] != "24:00" || m["fiscal_year_start"] != float64(4) ||
			fmt.Sprint(m["working_days"]) != "[mon tue wed thu]" || fmt.Sprint(m["holidays"]) != "[2026-12-29 2026-12-30]" {
			t.Errorf("after PATCH: %v", m)
		}
		ws, _, _ := e.app.Workspace(ctx)
		if ws.TimeZone != "Asia/Tokyo" || ws.FiscalYearStart != 4 || ws.InvoiceRegNumber != "T1234567890123" ||
			ws.WorkingDays != [7]bool{false, true, true, true, true, false, false} || ws.DayStartMinutes != 570 ||
			ws.DayEndMinutes != 1440 || ws.JapaneseHolidays || len(ws.Holidays) != 2 || ws.RecordVisibility["deals"] != crm.VisibleTeam {
			t.Errorf("stored workspace: %+v", ws)
		}
		// A partial PATCH leaves the other fields alone.
		res = e.do("admin", "PATCH", "/api/v1/settings", map[string]any{"company_phone": "03-1111-1111"}, "If-Match", res.etag(t)).want(t, 200)
		if m := res.obj(t); m["company_phone"] != "03-1111-1111" || m["time_zone"] != "Asia/Tokyo" {
			t.Errorf("after a partial PATCH: %v", m)
		}
	})

	t.Run("mail", func(t *testing.T) {
		e := e.sub(t)
		res := e.do("admin", "GET", "/api/v1/settings/mail", nil).want(t, 200)
		if m := res.obj(t); m["version"] != float64(0) || m["password_set"] != false {
			t.Errorf("before setup: %v", m)
		}
		in := map[string]any{"host": "smtp.example.com", "port": 587, "security": "starttls", "username": "renkei",
			"password": "s3cret-pass", "from_address": "crm@example.com", "from_name": "Renkei"}
		res = e.do("admin", "PUT", "/api/v1/settings/mail", in, "If-Match", res.etag(t)).want(t, 200)
		if m := res.obj(t); m["password_set"] != true || m["host"] != "smtp.example.com" || strings.Contains(string(res.body), "s3cret") {
			t.Errorf("after PUT: %s", res.body)
		}
		delete(in, "password") // keeps the stored one
		in["port"] = 2525
		res = e.do("admin", "PUT", "/api/v1/settings/mail", in, "If-Match", res.etag(t)).want(t, 200)
		srv, _, _ := e.app.SMTPSettings(ctx, app.Actor{User: admin})
		if srv.Password != "s3cret-pass" || srv.Port != 2525 {
			t.Errorf("stored: %+v", srv)
		}

		wakes := e.wakes.Load()
		res = e.do("admin", "POST", "/api/v1/settings/mail/test", map[string]any{"to": "someone@example.com"}).want(t, 202)
		job := res.header.Get("Location")
		if e.wakes.Load() != wakes+1 {
			t.Errorf("the job runner was not woken")
		}
		res = e.do("admin", "GET", job, nil).want(t, 200)
		if m := res.obj(t); m["kind"] != "mail.send" || m["status"] != "queued" {
			t.Errorf("job: %v", m)
		}
		e.do("admin", "POST", "/api/v1/settings/mail/test", nil).want(t, 202) // to yourself
	})

	t.Run("exchange rates", func(t *testing.T) {
		e := e.sub(t)
		res := e.do("admin", "POST", "/api/v1/exchange-rates",
			map[string]any{"currency": "usd", "rate": 151.25, "valid_from": "2026-04-01"}).want(t, 201)
		m := res.obj(t)
		if m["currency"] != "USD" || m["valid_from"] != "2026-04-01" || m["rate"] != 151.25 {
			t.Errorf("created: %v", m)
		}
		res = e.do("viewer", "GET", "/api/v1/exchange-rates", nil).want(t, 200)
		if data := res.obj(t)["data"].([]any); len(data) != 1 {
			t.Errorf("rates: %v", data)
		}
		e.do("admin", "DELETE", fmt.Sprintf("/api/v1/exchange-rates/%d", int64(m["id"].(float64))), nil).want(t, 204)
		if rates, _ := e.st.ExchangeRates(ctx); len(rates) != 0 {
			t.Errorf("after DELETE: %v", rates)
		}
	})

	t.Run("audit log", func(t *testing.T) {
		e := e.sub(t)
		res := e.do("admin", "GET", "/api/v1/audit-log?action=team.", nil).want(t, 200)
		data := res.obj(t)["data"].([]any)
		if len(data) == 0 {
			t.Fatal("no team.* entries")
		}
		for _, d := range data {
			if a := d.(map[string]any)["action"].(string); !strings.HasPrefix(a, "team.") {
				t.Errorf("action %q does not match the filter", a)
			}
		}
		res = e.do("admin", "GET", fmt.Sprintf("/api/v1/audit-log?user_id=%d&limit=200", admin.ID), nil).want(t, 200)
		for _, d := range res.obj(t)["data"].([]any) {
			if uid := d.(map[string]any)["user_id"]; uid != float64(admin.ID) {
				t.Errorf("user_id %v does not match the filter", uid)
			}
		}
	})

	t.Run("dashboard", func(t *testing.T) { e.sub(t).happyDashboard() })
	t.Run("closed loop", func(t *testing.T) { e.sub(t).happyClosedLoop() })
	t.Run("people", func(t *testing.T) { e.sub(t).happyPeople() })
	t.Run("webhooks", func(t *testing.T) { e.sub(t).happyWebhooks() })
	t.Run("tracking", func(t *testing.T) { e.sub(t).happyTracking() })
	t.Run("scoring", func(t *testing.T) { e.sub(t).happyScoring() })
	t.Run("handoff", func(t *testing.T) { e.sub(t).happyHandoff() })
	t.Run("forms", func(t *testing.T) { e.sub(t).happyForms() })
	t.Run("sales", func(t *testing.T) { e.sub(t).happySales() })
	t.Run("activities", func(t *testing.T) { e.sub(t).happyActivities() })
	t.Run("contracts", func(t *testing.T) { e.sub(t).happyContracts() })
	t.Run("quotes", func(t *testing.T) { e.sub(t).happyQuotes() })
	t.Run("invoices", func(t *testing.T) { e.sub(t).happyInvoices() })
	t.Run("targets", func(t *testing.T) { e.sub(t).happyTargets() })
	t.Run("catalogue", func(t *testing.T) { e.sub(t).happyCatalogue() })
	t.Run("segments", func(t *testing.T) { e.sub(t).happySegments() })
	t.Run("email-templates", func(t *testing.T) { e.sub(t).happyEmailTemplates() })
	t.Run("broadcasts", func(t *testing.T) { e.sub(t).happyBroadcasts() })
	t.Run("email recipients", func(t *testing.T) { e.sub(t).happyEmailRecipients() })
	t.Run("sequences", func(t *testing.T) { e.sub(t).happySequences() })
	t.Run("campaigns", func(t *testing.T) { e.sub(t).happyCampaigns() })
	t.Run("surveys", func(t *testing.T) { e.sub(t).happySurveys() })
	t.Run("social", func(t *testing.T) { e.sub(t).happySocial() })

	for _, rt := range (&server{}).routeTable() {
		if key := rt.method + " " + Prefix + rt.path; !e.ok[key] {
			t.Errorf("%s was never answered with a 2xx here", key)
		}
	}
}
