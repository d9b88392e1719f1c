package e2e

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// The accounts the scenarios create.
const (
	adminEmail    = "yamada@example.jp"
	adminName     = "山田 太郎"
	adminPassword = "correct horse battery"
	userEmail     = "hanako@example.jp"
	userName      = "佐藤 花子"
	userPassword  = "hanako's first password"
	userPassword2 = "hanako's second password"
)

// TestBrowser runs the scenarios in order on one server: each builds on the
// workspace the earlier ones made (setup first), as a real one would.
func TestBrowser(t *testing.T) {
	h := start(t)
	admin := h.newTab(t)

	t.Run("first-run setup", func(t *testing.T) {
		admin.t = t
		// Every page leads to the setup while there is no user.
		admin.open("/settings/users")
		admin.wantPage("/setup", "Set up Renkei")
		admin.shot("setup")

		// Passwords that differ: the form comes back with the message.
		admin.fill("f-workspace_name", "株式会社サンプル", "f-language", "ja", "f-time_zone", "Asia/Tokyo",
			"f-name", adminName, "f-email", adminEmail, "f-password", adminPassword, "f-password_confirm", "something else")
		if code := admin.submit(`form[action="/setup"] button[type=submit]`); code != 422 {
			t.Errorf("setup with differing passwords: status %d, want 422", code)
		}
		admin.wantPage("/setup", "The two passwords are not the same.")
		admin.shot("setup-errors")

		admin.fill("f-password", adminPassword, "f-password_confirm", adminPassword)
		admin.submit(`form[action="/setup"] button[type=submit]`)
		admin.wantPage("/", "ようこそ、"+adminName+" さん")
		if got := admin.text("body"); !strings.Contains(got, "ワークスペースの準備ができました") {
			t.Errorf("no welcome message after setup:\n%.500s", got)
		}
		admin.shot("home-after-setup")

		// The setup page is gone now.
		if code := admin.open("/setup"); code != 404 {
			t.Errorf("GET /setup after setup: status %d, want 404", code)
		}
	})

	t.Run("mail settings and test mail", func(t *testing.T) {
		admin.t = t
		srv := h.mail.Server()
		admin.open("/settings/mail")
		admin.fill("f-host", srv.Host, "f-port", fmt.Sprint(srv.Port), "f-security", string(srv.Security),
			"f-from_address", srv.FromAddress, "f-from_name", "株式会社サンプル")
		admin.submit(`form[action="/settings/mail"] button[type=submit]`)
		admin.wantPage("/settings/mail", "保存しました")

		// The test mail is sent with htmx; its status updates in place.
		admin.run("send test mail",
			chromedp.Click(chromedp.CSS(`form[action="/settings/mail/test"] button[type=submit]`), chromedp.NodeVisible),
			chromedp.WaitVisible(chromedp.CSS(`#mail-test-status .alert-success`)),
		)
		if got := admin.text("#mail-test-status"); !strings.Contains(got, adminEmail) {
			t.Errorf("test mail status = %q, want the address", got)
		}
		m := h.mail.WaitFor(t, adminEmail, 10*time.Second)
		if !strings.Contains(m.Subject, "テストメール") {
			t.Errorf("test mail subject = %q", m.Subject)
		}
		admin.shot("settings-mail")
	})

	t.Run("invite a user who sets a password from the e-mail", func(t *testing.T) {
		admin.t = t
		admin.open("/settings/users")
		admin.fill("f-name", userName, "f-email", userEmail, "f-role", "sales", "f-language", "ja")
		admin.submit(`form[action="/settings/users"] button[type=submit]`)
		admin.wantPage("/settings/users", userEmail)
		if got := admin.text(".alert-success"); !strings.Contains(got, "招待しました") {
			t.Errorf("no invitation notice: %q", got)
		}
		admin.shot("settings-users-invited")

		link := h.waitLink(t, userEmail, h.base+"/invite/")
		user := h.newTab(t)
		user.open(strings.TrimPrefix(link, h.base))
		user.wantPage(strings.TrimPrefix(link, h.base), "ようこそ、"+userName+" さん")
		user.shot("invite")
		user.fill("f-password", userPassword, "f-password_confirm", userPassword)
		user.submit(`form button[type=submit]`)
		user.wantPage("/", "ようこそ、"+userName+" さん")
		// The link works once.
		if code := user.open(strings.TrimPrefix(link, h.base)); code != 404 {
			t.Errorf("used invitation link: status %d, want 404", code)
		}
		user.wantPage(strings.TrimPrefix(link, h.base), "このリンクは使用できません")
		user.shot("invite-used")
	})

	t.Run("wrong password", func(t *testing.T) {
		tb := h.newTab(t)
		tb.open("/login")
		tb.fill("f-email", adminEmail, "f-password", "not my password")
		if code := tb.submit(`form[action="/login"] button[type=submit]`); code != 422 {
			t.Errorf("wrong password: status %d, want 422", code)
		}
		tb.wantPage("/login", "The e-mail address or password is not right.")
		tb.shot("login-wrong-password")
		// Still signed out.
		tb.open("/")
		if got := tb.path(); !strings.HasPrefix(got, "/login") {
			t.Errorf("after a wrong password, / went to %s", got)
		}
	})

	t.Run("login and logout", func(t *testing.T) {
		tb := h.newTab(t)
		tb.open("/settings/workspace")
		if got := tb.path(); got != "/login?next=%2Fsettings%2Fworkspace" {
			t.Fatalf("signed out, /settings/workspace went to %s", got)
		}
		tb.shot("login")
		tb.fill("f-email", adminEmail, "f-password", adminPassword)
		tb.submit(`form[action="/login"] button[type=submit]`)
		tb.wantPage("/settings/workspace", "株式会社サンプル")

		// Sign out from the user menu.
		tb.run("open user menu", chromedp.Click(chromedp.CSS(`header .dropdown > a`), chromedp.NodeVisible))
		tb.submit(`header form[action="/logout"] button`)
		tb.wantPage("/login", "You are signed out.")
		tb.open("/")
		if got := tb.path(); !strings.HasPrefix(got, "/login") {
			t.Errorf("after signing out, / went to %s", got)
		}
	})

	t.Run("password reset", func(t *testing.T) {
		tb := h.newTab(t)
		tb.open("/login")
		tb.run("follow forgot link", chromedp.Click(chromedp.CSS(`a[href="/forgot"]`), chromedp.NodeVisible),
			chromedp.WaitVisible(chromedp.ID("f-email")))
		tb.shot("forgot")
		tb.fill("f-email", userEmail)
		tb.submit(`form[action="/forgot"] button[type=submit]`)
		tb.wantPage("/forgot", "Check your inbox")
		tb.shot("forgot-sent")

		link := h.waitLink(t, userEmail, h.base+"/reset/")
		path := strings.TrimPrefix(link, h.base)
		tb.open(path)
		tb.wantPage(path, "新しいパスワードの設定") // the user's language is Japanese
		tb.shot("reset")
		tb.fill("f-password", userPassword2, "f-password_confirm", userPassword2)
		tb.submit(`form button[type=submit]`)
		tb.wantPage("/", "新しいパスワードを設定し、ログインしました")

		// The new password works, the old one does not.
		other := h.newTab(t)
		other.open("/login")
		other.fill("f-email", userEmail, "f-password", userPassword)
		other.submit(`form[action="/login"] button[type=submit]`)
		other.wantPage("/login", "The e-mail address or password is not right.")
		other.fill("f-password", userPassword2)
		other.submit(`form[action="/login"] button[type=submit]`)
		other.wantPage("/", userName)
	})

	t.Run("switch language", func(t *testing.T) {
		admin.t = t
		// Signed in: the user menu switches and the choice is saved.
		admin.open("/marketing")
		admin.wantPage("/marketing", "見込み客を集める準備をしましょう")
		admin.run("open user menu", chromedp.Click(chromedp.CSS(`header .dropdown > a`), chromedp.NodeVisible))
		admin.submit(`header form[action="/profile/language"] button[value="en"]`)
		admin.wantPage("/marketing", "Get ready to attract customers")
		if nav := admin.text("aside"); !strings.Contains(nav, "Sales") || strings.Contains(nav, "セールス") {
			t.Errorf("navigation not in English: %q", nav)
		}
		admin.open("/profile")
		admin.wantPage("/profile", "Change password")
		admin.submit(`main form[action="/profile/language"] button[value="ja"]`)
		admin.wantPage("/profile", "パスワードの変更")

		// Signed out: the switch on the sign-in page, kept in a cookie.
		tb := h.newTab(t)
		tb.open("/login")
		tb.wantPage("/login", "Sign in")
		tb.run("switch to Japanese", chromedp.Click(chromedp.CSS(`a[hreflang="ja"]`), chromedp.NodeVisible),
			chromedp.WaitVisible(chromedp.CSS(`a[hreflang="en"]`)))
		tb.wantPage("/login?lang=ja", "パスワードをお忘れの方")
		tb.open("/forgot")
		tb.wantPage("/forgot", "パスワードの再設定")
	})

	if h.shots != "" {
		t.Run("screenshots", func(t *testing.T) {
			admin.t = t
			screenshots(h, admin)
		})
	}
}

// screenshots saves every page of the UI in both languages, and the main
// ones at phone size, for a person to look at.
func screenshots(h *harness, admin *tab) {
	t := admin.t
	// Some content to show: a team with members, a token, a rate.
	admin.open("/settings/teams")
	admin.fill("f-name", "東日本営業部")
	admin.submit(`form[action="/settings/teams"] button[type=submit]`)
	admin.run("add member", chromedp.SetValue(chromedp.CSS(`select[name="user_id"]`), "2"))
	admin.submit(`form[action$="/members"] button[type=submit]`)
	admin.open("/settings/tokens")
	admin.fill("f-name", "BI ツール")
	admin.submit(`form[action="/settings/tokens"] button[type=submit]`)
	admin.shot("ja-settings-tokens-created")
	admin.open("/settings/workspace")
	admin.fill("f-currency", "USD", "f-rate", "151.3", "f-valid_from", "2026-04-01")
	admin.submit(`form[action="/settings/rates"] button[type=submit]`)
	// A validation error on the workspace form.
	admin.open("/settings/workspace")
	admin.fill("f-invoice_reg_number", "T123")
	admin.submit(`form[action="/settings/workspace"] button[type=submit]`)
	admin.shot("ja-settings-workspace-invalid")
	// The TOTP set-up step.
	admin.open("/profile")
	admin.submit(`form[action="/profile/totp/begin"] button`)
	admin.shot("ja-profile-totp-setup")

	pages := []string{"/", "/marketing", "/sales", "/reports", "/profile", "/settings/workspace",
		"/settings/users", "/settings/users/2", "/settings/teams", "/settings/tokens", "/settings/mail",
		"/settings/audit", "/nowhere"}
	for _, lang := range []string{"ja", "en"} {
		if lang == "en" {
			admin.open("/profile")
			admin.submit(`main form[action="/profile/language"] button[value="en"]`)
		}
		for _, p := range pages {
			admin.open(p)
			admin.shot(lang + "-" + shotName(p))
		}
	}
	admin.open("/profile")
	admin.submit(`main form[action="/profile/language"] button[value="ja"]`)

	// Phone size.
	admin.viewport(390, 844, true)
	for _, p := range []string{"/", "/sales", "/settings/users", "/settings/workspace", "/settings/teams",
		"/settings/tokens", "/settings/mail", "/settings/audit", "/profile"} {
		admin.open(p)
		admin.noSidewaysScroll()
		admin.shot("phone-ja-" + shotName(p))
	}
	admin.open("/")
	admin.run("open menu", chromedp.Click(chromedp.CSS(`.navbar-toggler`), chromedp.NodeVisible),
		chromedp.WaitVisible(chromedp.CSS(`#sidebar-menu.collapse.show`)))
	admin.shot("phone-ja-menu")
	admin.viewport(1280, 900, false)

	anon := h.newTab(t)
	anon.viewport(390, 844, true)
	anon.open("/login")
	anon.noSidewaysScroll()
	anon.shot("phone-en-login")
	anon.open("/login?lang=ja")
	anon.shot("phone-ja-login")
	anon.viewport(1280, 900, false)
	anon.shot("ja-login")
	anon.open("/forgot")
	anon.shot("ja-forgot")
	anon.open("/reset/not-a-token")
	anon.shot("ja-reset-invalid")
	anon.open("/settings")
	anon.shot("ja-login-next")
}

func shotName(path string) string {
	if path == "/" {
		return "home"
	}
	return strings.ReplaceAll(strings.Trim(path, "/"), "/", "-")
}
