package web

import (
	"context"
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base32"
	"encoding/binary"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"renkei/internal/mail"
)

// totpCode is RFC 6238 (6 digits, 30 s, SHA-1), as an authenticator app
// computes it.
func totpCode(secret string, at time.Time) string {
	key, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(secret)
	if err != nil {
		return ""
	}
	var msg [8]byte
	binary.BigEndian.PutUint64(msg[:], uint64(at.Unix()/30))
	m := hmac.New(sha1.New, key)
	m.Write(msg[:])
	sum := m.Sum(nil)
	off := sum[len(sum)-1] & 0x0f
	return fmt.Sprintf("%06d", (binary.BigEndian.Uint32(sum[off:off+4])&0x7fffffff)%1000000)
}

// TestTwoStepSignIn sets up TOTP on the profile page and signs in with it.
func TestTwoStepSignIn(t *testing.T) {
	e := newEnv(t)
	admin := e.setup()

	w := e.do(http.MethodPost, "/profile/totp/begin", admin, url.Values{})
	wantStatus(t, "begin", w, http.StatusOK)
	m := regexp.MustCompile(`id="totp-secret">([A-Z2-7]+)<`).FindStringSubmatch(w.Body.String())
	if m == nil {
		t.Fatalf("no secret on the page:\n%.3000s", w.Body.String())
	}
	secret := m[1]
	if !strings.Contains(html.UnescapeString(w.Body.String()), "otpauth://totp/") {
		t.Error("no otpauth URL on the page")
	}

	form := url.Values{"secret": {secret}, "code": {"000000"}}
	if totpCode(secret, time.Now()) == "000000" {
		form.Set("code", "111111")
	}
	w = e.do(http.MethodPost, "/profile/totp/enable", admin, form)
	wantStatus(t, "enable with a wrong code", w, http.StatusUnprocessableEntity)
	if !strings.Contains(w.Body.String(), secret) || !strings.Contains(w.Body.String(), "The code is not right") {
		t.Error("a wrong code does not show the message and the secret again")
	}
	form.Set("code", totpCode(secret, time.Now()))
	wantStatus(t, "enable", e.do(http.MethodPost, "/profile/totp/enable", admin, form), http.StatusSeeOther)

	// Signing in now needs the code.
	w = e.do(http.MethodPost, "/login", "", url.Values{"email": {"admin@example.com"}, "password": {testPassword}})
	wantStatus(t, "password step", w, http.StatusSeeOther)
	if loc := w.Header().Get("Location"); loc != "/login/totp?next=%2F" {
		t.Errorf("password step went to %q", loc)
	}
	if c, ok := cookie(w, sessionCookie); ok && c.Value != "" {
		t.Fatal("the password alone set a session cookie")
	}
	mfa, ok := cookie(w, mfaCookie)
	if !ok || mfa.Value == "" {
		t.Fatal("no cookie for the second step")
	}
	// The half-done session opens nothing.
	w = e.do(http.MethodGet, "/", mfa.Value, nil)
	wantStatus(t, "home with a half-done session", w, http.StatusSeeOther)

	mfaHeader := []string{"Cookie", mfaCookie + "=" + mfa.Value}
	wantStatus(t, "code page", e.do(http.MethodGet, "/login/totp", "", nil, mfaHeader...), http.StatusOK)
	w = e.do(http.MethodPost, "/login/totp", "", url.Values{"code": {form.Get("code")[:5] + "x"}, "next": {"/"}}, mfaHeader...)
	wantStatus(t, "wrong code", w, http.StatusUnprocessableEntity)
	w = e.do(http.MethodPost, "/login/totp", "", url.Values{"code": {totpCode(secret, time.Now())}, "next": {"/profile"}}, mfaHeader...)
	wantStatus(t, "right code", w, http.StatusSeeOther)
	if loc := w.Header().Get("Location"); loc != "/profile" {
		t.Errorf("after the code went to %q", loc)
	}
	c, ok := cookie(w, sessionCookie)
	if !ok || c.Value == "" {
		t.Fatal("no session after the code")
	}
	w = e.do(http.MethodGet, "/profile", c.Value, nil)
	wantStatus(t, "profile", w, http.StatusOK)

	wantStatus(t, "disable", e.do(http.MethodPost, "/profile/totp/disable", c.Value, url.Values{}), http.StatusSeeOther)
	u, _ := e.store.UserByEmail(context.Background(), "admin@example.com")
	if u.TOTPEnabled {
		t.Error("TOTP still on after disabling it")
	}
}

// TestLoginThrottled: after repeated wrong passwords the sign-in page
// answers 429 with a message, even for the right password.
func TestLoginThrottled(t *testing.T) {
	e := newEnv(t)
	e.setup()
	wrong := url.Values{"email": {"admin@example.com"}, "password": {"wrong password"}}
	for i := range 5 {
		wantStatus(t, fmt.Sprintf("wrong password %d", i+1), e.do(http.MethodPost, "/login", "", wrong), http.StatusUnprocessableEntity)
	}
	w := e.do(http.MethodPost, "/login", "", url.Values{"email": {"admin@example.com"}, "password": {testPassword}})
	wantStatus(t, "after 5 failures", w, http.StatusTooManyRequests)
	if !strings.Contains(w.Body.String(), "Too many attempts") {
		t.Errorf("no throttling message:\n%.2000s", w.Body.String())
	}
	if c, ok := cookie(w, sessionCookie); ok && c.Value != "" {
		t.Error("a throttled sign-in set a session")
	}
}

// TestMailSettings: the SMTP password is never sent back to the browser,
// and an empty password field keeps the stored one; the test mail answers
// htmx with a status fragment that polls its job.
func TestMailSettings(t *testing.T) {
	e := newEnv(t)
	admin := e.setup()
	ctx := context.Background()

	// Before SMTP is set up, a test mail is refused with a message.
	w := e.do(http.MethodPost, "/settings/mail/test", admin, url.Values{"to": {"admin@example.com"}}, "HX-Request", "true")
	wantStatus(t, "test mail without SMTP", w, http.StatusUnprocessableEntity)
	if !strings.Contains(w.Body.String(), "Save the SMTP settings first.") || strings.Contains(w.Body.String(), "<html") {
		t.Errorf("unexpected answer:\n%.1000s", w.Body.String())
	}

	form := url.Values{"version": {"0"}, "host": {"smtp.example.jp"}, "port": {"587"}, "security": {"starttls"},
		"username": {"renkei"}, "password": {"s3cret-smtp-pass"}, "from_address": {"info@example.jp"}, "from_name": {"Sample"}}
	wantStatus(t, "save SMTP", e.do(http.MethodPost, "/settings/mail", admin, form), http.StatusSeeOther)
	w = e.do(http.MethodGet, "/settings/mail", admin, nil)
	wantStatus(t, "mail page", w, http.StatusOK)
	if strings.Contains(w.Body.String(), "s3cret-smtp-pass") {
		t.Fatal("the SMTP password is on the page")
	}
	if !strings.Contains(w.Body.String(), "A password is saved.") {
		t.Error("the page does not say a password is saved")
	}

	form.Set("version", "1")
	form.Set("password", "")
	form.Set("from_name", "Sample Inc.")
	wantStatus(t, "save without password", e.do(http.MethodPost, "/settings/mail", admin, form), http.StatusSeeOther)
	var srv mail.Server
	if _, err := e.store.Setting(ctx, "smtp", &srv); err != nil {
		t.Fatal(err)
	}
	if srv.Password != "s3cret-smtp-pass" || srv.FromName != "Sample Inc." {
		t.Errorf("stored settings: password kept = %v, from name %q", srv.Password == "s3cret-smtp-pass", srv.FromName)
	}

	w = e.do(http.MethodPost, "/settings/mail/test", admin, url.Values{"to": {"admin@example.com"}}, "HX-Request", "true")
	wantStatus(t, "test mail", w, http.StatusOK)
	m := regexp.MustCompile(`hx-get="(/settings/mail/test/\d+[^"]*)"`).FindStringSubmatch(w.Body.String())
	if m == nil || strings.Contains(w.Body.String(), "<html") {
		t.Fatalf("the answer is not a polling fragment:\n%.1000s", w.Body.String())
	}
	w = e.do(http.MethodGet, html.UnescapeString(m[1]), admin, nil, "HX-Request", "true")
	wantStatus(t, "poll", w, http.StatusOK)
	if !strings.Contains(w.Body.String(), "Sending to admin@example.com") || !strings.Contains(w.Body.String(), "hx-get=") {
		t.Errorf("a queued job does not keep polling:\n%.1000s", w.Body.String())
	}
}

// TestAuditLog: the log filters by kind of action and pages back.
func TestAuditLog(t *testing.T) {
	e := newEnv(t)
	admin := e.setup()
	ac := actorOf(t, e, "admin@example.com")
	for i := range 55 {
		if _, err := e.app.CreateTeam(context.Background(), ac, fmt.Sprintf("Team %02d", i)); err != nil {
			t.Fatal(err)
		}
	}
	w := e.do(http.MethodGet, "/settings/audit?action=setup", admin, nil)
	wantStatus(t, "filtered", w, http.StatusOK)
	if body := w.Body.String(); !strings.Contains(body, "Workspace created") || strings.Contains(body, "Team created") {
		t.Error("the filter does not show exactly the setup")
	}

	w = e.do(http.MethodGet, "/settings/audit", admin, nil)
	wantStatus(t, "first page", w, http.StatusOK)
	if n := strings.Count(w.Body.String(), "Team created"); n != 50 {
		t.Errorf("first page shows %d team entries, want 50", n)
	}
	m := regexp.MustCompile(`href="(/settings/audit\?before=\d+)"`).FindStringSubmatch(w.Body.String())
	if m == nil {
		t.Fatal("no link to older entries")
	}
	w = e.do(http.MethodGet, m[1], admin, nil)
	body := w.Body.String()
	if n := strings.Count(body, "Team created"); n != 5 || !strings.Contains(body, "Workspace created") {
		t.Errorf("second page shows %d team entries (want 5) and the setup: %v", n, strings.Contains(body, "Workspace created"))
	}
}

// TestInviteShowsLink: inviting shows the link on the page and queues
// the e-mail; the link opens the set-password page for that person.
func TestInviteShowsLink(t *testing.T) {
	e := newEnv(t)
	admin := e.setup()
	woken := 0
	e.srv.wake = func() { woken++ }
	w := e.do(http.MethodPost, "/settings/users", admin, url.Values{"name": {"佐藤 花子"}, "email": {"hanako@example.jp"},
		"role": {"sales"}, "language": {"ja"}, "team_id": {""}})
	wantStatus(t, "invite", w, http.StatusOK)
	m := regexp.MustCompile(`value="(http://` + testHost + `/invite/[^"]+)"`).FindStringSubmatch(w.Body.String())
	if m == nil {
		t.Fatalf("no invitation link on the page:\n%.3000s", w.Body.String())
	}
	if woken != 1 {
		t.Errorf("job runner woken %d times, want 1", woken)
	}
	w = e.do(http.MethodGet, strings.TrimPrefix(m[1], "http://"+testHost), "", nil)
	wantStatus(t, "invite link", w, http.StatusOK)
	if !strings.Contains(w.Body.String(), "ようこそ、佐藤 花子 さん") {
		t.Error("the invitation page is not for the invited person, in their language")
	}

	// The same address again: a message at the field, no second user.
	w = e.do(http.MethodPost, "/settings/users", admin, url.Values{"name": {"Again"}, "email": {"hanako@example.jp"}, "role": {"sales"}})
	wantStatus(t, "invite twice", w, http.StatusUnprocessableEntity)
	if !strings.Contains(w.Body.String(), "A user with this e-mail address exists already.") {
		t.Error("no message for a duplicate address")
	}
}
