package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"renkei/internal/crm"
	"renkei/internal/mail"
)

func teamCount(t *testing.T, e *testEnv) int {
	t.Helper()
	teams, err := e.store.ListTeams(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return len(teams)
}

// TestCrossSitePostRejected: a form posted from another site is refused
// before anything is written (CSRF), whether the browser says so with
// Sec-Fetch-Site or only with Origin; the same form from our own pages
// works.
func TestCrossSitePostRejected(t *testing.T) {
	e := newEnv(t)
	admin := e.setup()
	form := url.Values{"name": {"Evil team"}}
	tests := []struct {
		name    string
		headers []string
	}{
		{"Sec-Fetch-Site cross-site", []string{"Sec-Fetch-Site", "cross-site", "Origin", "https://evil.example"}},
		{"Sec-Fetch-Site same-site", []string{"Sec-Fetch-Site", "same-site", "Origin", "https://sub." + testHost}},
		{"foreign Origin only", []string{"Origin", "https://evil.example"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := e.do(http.MethodPost, "/settings/teams", admin, form, tt.headers...)
			wantStatus(t, "cross-site POST", w, http.StatusForbidden)
			if n := teamCount(t, e); n != 0 {
				t.Fatalf("teams after a cross-site POST: %d, want 0", n)
			}
		})
	}
	// Signing in from another site (login CSRF) is refused as well.
	w := e.do(http.MethodPost, "/login", "", url.Values{"email": {"admin@example.com"}, "password": {testPassword}},
		"Sec-Fetch-Site", "cross-site")
	wantStatus(t, "cross-site login", w, http.StatusForbidden)
	if _, ok := cookie(w, sessionCookie); ok {
		t.Error("cross-site login set a session cookie")
	}

	// The control: the same post from our own page goes through.
	w = e.do(http.MethodPost, "/settings/teams", admin, form, "Sec-Fetch-Site", "same-origin", "Origin", "http://"+testHost)
	wantStatus(t, "same-origin POST", w, http.StatusSeeOther)
	if n := teamCount(t, e); n != 1 {
		t.Fatalf("teams after a same-origin POST: %d, want 1", n)
	}
}

// TestRolesCannotWrite: a viewer cannot write and a sales user cannot
// change settings; each attempt is 403 and the database is unchanged.
func TestRolesCannotWrite(t *testing.T) {
	e := newEnv(t)
	e.setup()
	viewer := e.user(crm.RoleViewer, "Vera Viewer")
	sales := e.user(crm.RoleSales, "Sam Sales")
	ctx := context.Background()

	countUsers := func() int {
		n, err := e.store.CountUsers(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	wsName := func() string {
		ws, _, err := e.app.Workspace(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return ws.Name
	}
	smtpHost := func() string {
		var srv mail.Server
		if _, err := e.store.Setting(ctx, "smtp", &srv); err != nil && err != crm.ErrNotFound {
			t.Fatal(err)
		}
		return srv.Host
	}
	rates := func() int {
		r, err := e.store.ExchangeRates(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return len(r)
	}
	users0 := countUsers()
	workspaceForm := url.Values{"version": {"1"}, "name": {"Hacked"}, "language": {"en"}, "time_zone": {"UTC"},
		"fiscal_year_start": {"1"}, "base_currency": {"USD"}, "working_days": {"1", "2"}, "day_start": {"09:00"},
		"day_end": {"17:00"}, "visibility_contacts": {"workspace"}, "visibility_companies": {"workspace"}, "visibility_deals": {"workspace"}}

	tests := []struct {
		name, session, path string
		form                url.Values
		unchanged           func() bool
	}{
		{"viewer invites a user", viewer, "/settings/users",
			url.Values{"email": {"new@example.com"}, "name": {"New"}, "role": {"admin"}},
			func() bool { return countUsers() == users0 }},
		{"viewer creates a team", viewer, "/settings/teams", url.Values{"name": {"Viewers"}},
			func() bool { return teamCount(t, e) == 0 }},
		{"viewer changes the workspace", viewer, "/settings/workspace", workspaceForm,
			func() bool { return wsName() == "Sample Inc." }},
		{"sales changes the workspace", sales, "/settings/workspace", workspaceForm,
			func() bool { return wsName() == "Sample Inc." }},
		{"sales sets up mail", sales, "/settings/mail",
			url.Values{"host": {"smtp.evil.example"}, "port": {"25"}, "security": {"none"}, "from_address": {"x@evil.example"}},
			func() bool { return smtpHost() == "" }},
		{"sales adds an exchange rate", sales, "/settings/rates",
			url.Values{"currency": {"USD"}, "rate": {"150"}, "valid_from": {"2026-04-01"}},
			func() bool { return rates() == 0 }},
		{"sales makes themselves admin", sales, "/settings/users/3",
			url.Values{"version": {"1"}, "name": {"Sam Sales"}, "role": {"admin"}, "language": {"en"}, "status": {"active"}},
			func() bool {
				u, err := e.store.UserByEmail(ctx, "sales@example.com")
				return err == nil && u.Role == crm.RoleSales
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := e.do(http.MethodPost, tt.path, tt.session, tt.form)
			wantStatus(t, tt.name, w, http.StatusForbidden)
			if !tt.unchanged() {
				t.Fatalf("%s: the database changed", tt.name)
			}
		})
	}
}

// TestSessionEndsOnPasswordChange: after a password change, a session
// opened before it (another device) no longer works; the session that
// changed it does.
func TestSessionEndsOnPasswordChange(t *testing.T) {
	e := newEnv(t)
	e.setup()
	here := e.login("admin@example.com")
	elsewhere := e.login("admin@example.com")
	wantStatus(t, "home on the other device", e.do(http.MethodGet, "/", elsewhere, nil), http.StatusOK)

	w := e.do(http.MethodPost, "/profile/password", here, url.Values{"current_password": {testPassword},
		"new_password": {"a brand new password"}, "new_password_confirm": {"a brand new password"}})
	wantStatus(t, "change password", w, http.StatusSeeOther)

	w = e.do(http.MethodGet, "/", elsewhere, nil)
	wantStatus(t, "home with the old session", w, http.StatusSeeOther)
	if loc := w.Header().Get("Location"); !strings.HasPrefix(loc, "/login") {
		t.Errorf("old session went to %q, want the sign-in page", loc)
	}
	if c, ok := cookie(w, sessionCookie); !ok || c.MaxAge >= 0 {
		t.Errorf("the dead session cookie was not removed: %+v", c)
	}
	wantStatus(t, "home with the current session", e.do(http.MethodGet, "/", here, nil), http.StatusOK)
}

// TestLogin covers signing in: a wrong password shows the message and
// sets no session; the right one sets a safe cookie and goes to ?next.
func TestLogin(t *testing.T) {
	e := newEnv(t)
	e.setup()

	w := e.do(http.MethodPost, "/login", "", url.Values{"email": {"admin@example.com"}, "password": {"wrong password"}})
	wantStatus(t, "wrong password", w, http.StatusUnprocessableEntity)
	if !strings.Contains(w.Body.String(), "The e-mail address or password is not right.") {
		t.Errorf("no message for a wrong password:\n%.2000s", w.Body.String())
	}
	if strings.Contains(w.Body.String(), "wrong password") {
		t.Error("the password was sent back to the browser")
	}
	if c, ok := cookie(w, sessionCookie); ok && c.Value != "" {
		t.Error("a wrong password set a session cookie")
	}

	w = e.do(http.MethodPost, "/login", "", url.Values{"email": {"ADMIN@example.com "}, "password": {testPassword},
		"next": {"/settings/teams"}})
	wantStatus(t, "right password", w, http.StatusSeeOther)
	if loc := w.Header().Get("Location"); loc != "/settings/teams" {
		t.Errorf("after sign-in went to %q, want /settings/teams", loc)
	}
	c, ok := cookie(w, sessionCookie)
	if !ok || c.Value == "" {
		t.Fatal("no session cookie")
	}
	if !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Secure || c.Path != "/" {
		t.Errorf("cookie flags: HttpOnly=%v SameSite=%v Secure=%v Path=%q", c.HttpOnly, c.SameSite, c.Secure, c.Path)
	}

	// Behind the trusted proxy over HTTPS the cookie is Secure.
	w = e.do(http.MethodPost, "/login", "", url.Values{"email": {"admin@example.com"}, "password": {testPassword}},
		"X-Forwarded-Proto", "https")
	if c, ok := cookie(w, sessionCookie); !ok || !c.Secure {
		t.Errorf("cookie over HTTPS is not Secure: %+v", c)
	}

	// ?next must stay on this site.
	for _, next := range []string{"https://evil.example/", "//evil.example/", "/\\evil.example"} {
		w = e.do(http.MethodPost, "/login", "", url.Values{"email": {"admin@example.com"}, "password": {testPassword},
			"next": {next}})
		if loc := w.Header().Get("Location"); loc != "/" {
			t.Errorf("next=%q went to %q, want /", next, loc)
		}
	}
}

// TestUserNameIsEscaped: a name with markup shows as text on the users
// page (and in the user menu), never as markup.
func TestUserNameIsEscaped(t *testing.T) {
	e := newEnv(t)
	admin := e.setup()
	evil := `<script>alert(1)</script>`
	if _, err := e.app.CreateUserCLI(context.Background(), "evil@example.com", evil, "sales", testPassword); err != nil {
		t.Fatal(err)
	}
	// A team, so the teams page lists the user in its add-member choice.
	if _, err := e.app.CreateTeam(context.Background(), actorOf(t, e, "admin@example.com"), "Sales"); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"/settings/users", "/settings/teams"} {
		w := e.do(http.MethodGet, path, admin, nil)
		wantStatus(t, path, w, http.StatusOK)
		body := w.Body.String()
		if strings.Contains(body, evil) {
			t.Errorf("%s contains the name unescaped", path)
		}
		if !strings.Contains(body, "&lt;script&gt;alert(1)&lt;/script&gt;") {
			t.Errorf("%s does not show the escaped name", path)
		}
	}
	w := e.do(http.MethodGet, "/", e.login("evil@example.com"), nil)
	if strings.Contains(w.Body.String(), evil) {
		t.Error("the user menu shows the name unescaped")
	}
}

// TestSecurityHeaders: every page, static files and error pages included,
// carries the strict policy.
func TestSecurityHeaders(t *testing.T) {
	e := newEnv(t)
	admin := e.setup()
	for _, path := range []string{"/", "/login", "/static/app.css", "/no-such-page"} {
		w := e.do(http.MethodGet, path, admin, nil)
		h := w.Header()
		csp := h.Get("Content-Security-Policy")
		for _, want := range []string{"default-src 'self'", "script-src 'self'", "frame-ancestors 'none'", "object-src 'none'"} {
			if !strings.Contains(csp, want) {
				t.Errorf("%s: CSP %q lacks %q", path, csp, want)
			}
		}
		if strings.Contains(csp, "unsafe-inline") || strings.Contains(csp, "unsafe-eval") {
			t.Errorf("%s: CSP allows unsafe code: %q", path, csp)
		}
		for name, want := range map[string]string{"X-Frame-Options": "DENY", "X-Content-Type-Options": "nosniff",
			"Referrer-Policy": "same-origin"} {
			if got := h.Get(name); got != want {
				t.Errorf("%s: %s = %q, want %q", path, name, got, want)
			}
		}
	}
}

// TestFirstRunSetup: before the first user exists every page leads to
// the setup; the setup signs the owner in; afterwards it is gone.
func TestFirstRunSetup(t *testing.T) {
	e := newEnv(t)
	for _, path := range []string{"/", "/login", "/settings/users", "/forgot"} {
		w := e.do(http.MethodGet, path, "", nil)
		wantStatus(t, path+" before setup", w, http.StatusSeeOther)
		if loc := w.Header().Get("Location"); loc != "/setup" {
			t.Errorf("%s before setup went to %q, want /setup", path, loc)
		}
	}
	wantStatus(t, "static before setup", e.do(http.MethodGet, "/static/app.css", "", nil), http.StatusOK)
	wantStatus(t, "setup page", e.do(http.MethodGet, "/setup", "", nil), http.StatusOK)

	bad := url.Values{"workspace_name": {""}, "language": {"ja"}, "time_zone": {"Mars/Olympus"}, "name": {"山田 太郎"},
		"email": {"not-an-address"}, "password": {"short"}, "password_confirm": {"short"}}
	w := e.do(http.MethodPost, "/setup", "", bad, "Accept-Language", "ja")
	wantStatus(t, "setup with bad input", w, http.StatusUnprocessableEntity)
	for _, want := range []string{"入力してください。", "不明なタイムゾーンです", "メールアドレスを入力してください", "10文字以上にしてください。", "山田 太郎"} {
		if !strings.Contains(w.Body.String(), want) {
			t.Errorf("setup errors do not show %q", want)
		}
	}
	if need, _ := e.app.NeedsSetup(context.Background()); !need {
		t.Fatal("a bad setup created a user")
	}

	good := url.Values{"workspace_name": {"株式会社サンプル"}, "language": {"ja"}, "time_zone": {"Asia/Tokyo"},
		"name": {"山田 太郎"}, "email": {"yamada@example.jp"}, "password": {testPassword}, "password_confirm": {testPassword}}
	w = e.do(http.MethodPost, "/setup", "", good)
	wantStatus(t, "setup", w, http.StatusSeeOther)
	c, ok := cookie(w, sessionCookie)
	if !ok || c.Value == "" {
		t.Fatal("setup did not sign the owner in")
	}
	w = e.do(http.MethodGet, "/", c.Value, nil)
	wantStatus(t, "home after setup", w, http.StatusOK)
	if !strings.Contains(w.Body.String(), "ようこそ、山田 太郎 さん") {
		t.Error("home is not in the owner's language")
	}
	wantStatus(t, "setup page after setup", e.do(http.MethodGet, "/setup", "", nil), http.StatusNotFound)
	wantStatus(t, "setup post after setup", e.do(http.MethodPost, "/setup", "", good), http.StatusNotFound)
}

// TestStaleSave: two people load the workspace settings; the second save
// with the old version gets 409 with the conflict message, and the first
// save stays.
func TestStaleSave(t *testing.T) {
	e := newEnv(t)
	admin := e.setup()
	ctx := context.Background()
	ws, version, err := e.app.Workspace(ctx)
	if err != nil {
		t.Fatal(err)
	}
	form := func(name string) url.Values {
		f := workspaceForm(ws)
		f.Values.Set("version", strconvI(version))
		f.Values.Set("name", name)
		return f.Values
	}
	wantStatus(t, "first save", e.do(http.MethodPost, "/settings/workspace", admin, form("First")), http.StatusSeeOther)
	w := e.do(http.MethodPost, "/settings/workspace", admin, form("Second"))
	wantStatus(t, "stale save", w, http.StatusConflict)
	if !strings.Contains(w.Body.String(), "Someone else changed this in the meantime") {
		t.Errorf("no conflict message:\n%.2000s", w.Body.String())
	}
	if !strings.Contains(w.Body.String(), `value="Second"`) {
		t.Error("the form lost what the user typed")
	}
	got, _, _ := e.app.Workspace(ctx)
	if got.Name != "First" {
		t.Errorf("workspace name = %q, want First", got.Name)
	}
}

// TestValidationMessages: invalid settings come back as 422 with a
// message at the field, in the user's language, and nothing is saved.
func TestValidationMessages(t *testing.T) {
	e := newEnv(t)
	admin := e.setup()
	ctx := context.Background()
	ws, version, _ := e.app.Workspace(ctx)
	f := workspaceForm(ws)
	f.Values.Set("version", strconvI(version))
	f.Values.Set("invoice_reg_number", "T123")
	f.Values.Set("day_start", "25:00")
	f.Values.Del("working_days")

	for _, tt := range []struct {
		lang  string
		wants []string
	}{
		{"en", []string{"Enter T followed by 13 digits.", "Enter a time such as 09:00.", "Choose at least one working day."}},
		{"ja", []string{"T に続けて13桁の数字を入力してください。", "09:00 のような形式で時刻を入力してください。", "営業日を1日以上選んでください。"}},
	} {
		lang := tt.lang
		if _, err := e.app.UpdateUser(ctx, actorOf(t, e, "admin@example.com"), 1, 0, userPatchLang(lang)); err != nil {
			t.Fatal(err)
		}
		w := e.do(http.MethodPost, "/settings/workspace", admin, f.Values)
		wantStatus(t, "invalid workspace "+lang, w, http.StatusUnprocessableEntity)
		body := w.Body.String()
		for _, want := range tt.wants {
			if !strings.Contains(body, want) {
				t.Errorf("%s: no message %q", lang, want)
			}
		}
		if !strings.Contains(body, `id="f-invoice_reg_number" name="invoice_reg_number" type="text" value="T123" class="form-control is-invalid"`) {
			t.Errorf("%s: the invalid field is not marked", lang)
		}
	}
	got, v2, _ := e.app.Workspace(ctx)
	if v2 != version || got.InvoiceRegNumber != "" {
		t.Errorf("invalid settings were saved: version %d → %d, %q", version, v2, got.InvoiceRegNumber)
	}
}
