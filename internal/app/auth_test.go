package app

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base32"
	"encoding/binary"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"renkei/internal/crm"
)

// rfcTOTP computes an RFC 6238 code (HMAC-SHA1, 30-second steps) from a
// raw key, written here independently of totp.go.
func rfcTOTP(key []byte, t time.Time, digits int) string {
	counter := make([]byte, 8)
	binary.BigEndian.PutUint64(counter, uint64(t.Unix())/30)
	mac := hmac.New(sha1.New, key)
	mac.Write(counter)
	h := mac.Sum(nil)
	o := int(h[19] & 0xf)
	bin := (int(h[o])&0x7f)<<24 | int(h[o+1])<<16 | int(h[o+2])<<8 | int(h[o+3])
	mod := 1
	for range digits {
		mod *= 10
	}
	return fmt.Sprintf("%0*d", digits, bin%mod)
}

// codeFor is what an authenticator app shows for a base32 secret.
func codeFor(t *testing.T, secret string, at time.Time) string {
	t.Helper()
	key, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(secret)
	if err != nil {
		t.Fatalf("secret %q is not base32: %v", secret, err)
	}
	return rfcTOTP(key, at, 6)
}

// The test vectors of RFC 6238 appendix B (SHA-1), cut to 6 digits as
// authenticator apps show them.
func TestTOTPRFC6238Vectors(t *testing.T) {
	key := []byte("12345678901234567890")
	secret := base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(key)
	tests := []struct {
		unix int64
		want string // 8 digits, from the RFC
	}{
		{59, "94287082"},
		{1111111109, "07081804"},
		{1111111111, "14050471"},
		{1234567890, "89005924"},
		{2000000000, "69279037"},
		{20000000000, "65353130"},
	}
	for _, tt := range tests {
		at := time.Unix(tt.unix, 0)
		if got := rfcTOTP(key, at, 8); got != tt.want {
			t.Errorf("test helper at %d = %s, want %s", tt.unix, got, tt.want)
		}
		if got, want := totpCode(secret, at), tt.want[2:]; got != want {
			t.Errorf("totpCode at %d = %s, want %s", tt.unix, got, want)
		}
		if got, want := totpCode(strings.ToLower(secret), at), tt.want[2:]; got != want {
			t.Errorf("totpCode of lower-case secret at %d = %s, want %s", tt.unix, got, want)
		}
	}
	at := time.Unix(1111111111, 0)
	for _, tt := range []struct {
		code string
		want bool
	}{
		{"050471", true},
		{" 050471 ", true},
		{totpCode(secret, at.Add(-30*time.Second)), true},
		{totpCode(secret, at.Add(30*time.Second)), true},
		{totpCode(secret, at.Add(-60*time.Second)), false},
		{totpCode(secret, at.Add(60*time.Second)), false},
		{"50471", false},
		{"", false},
	} {
		if got := checkTOTP(secret, tt.code, at); got != tt.want {
			t.Errorf("checkTOTP(%q) = %t, want %t", tt.code, got, tt.want)
		}
	}
	if checkTOTP("", "000000", at) {
		t.Error("checkTOTP accepts a code without a secret")
	}
}

func TestLogin(t *testing.T) {
	f := newFixture(t, crm.LangEN)
	sales := f.addUser(t, "sales@example.jp", crm.RoleSales)
	gone := f.addUser(t, "gone@example.jp", crm.RoleSales)
	if _, err := f.app.UpdateUser(ctx, f.owner, gone.User.ID, 0, UserPatch{Status: ptr("deactivated")}); err != nil {
		t.Fatal(err)
	}
	invited, _, err := f.app.InviteUser(ctx, f.owner, InviteInput{Email: "new@example.jp", Name: "New", Role: "viewer"})
	if err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name, email, password string
		wantErr               error
	}{
		{"right password", "sales@example.jp", testPassword, nil},
		{"address normalised", "  SALES@Example.JP ", testPassword, nil},
		{"wrong password", "sales@example.jp", testPassword + "x", ErrBadLogin},
		{"unknown address", "nobody@example.jp", testPassword, ErrBadLogin},
		{"deactivated user", "gone@example.jp", testPassword, ErrBadLogin},
		{"invited user without password", invited.Email, "", ErrBadLogin},
		{"empty password", "sales@example.jp", "", ErrBadLogin},
	}
	tokens := map[string]bool{}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := f.app.Login(ctx, tt.email, tt.password, "", "agent")
			if err != tt.wantErr { // the very same error for every failure
				t.Fatalf("Login = %v, want %v", err, tt.wantErr)
			}
			if err != nil {
				if res.SessionToken != "" {
					t.Error("a failed login returned a session")
				}
				return
			}
			if res.NeedsTOTP || res.User.ID != sales.User.ID {
				t.Errorf("Login result = %+v", res)
			}
			if len(res.SessionToken) < 40 || tokens[res.SessionToken] {
				t.Errorf("session token %q is short or reused", res.SessionToken)
			}
			tokens[res.SessionToken] = true
			ac, err := f.app.Authenticate(ctx, res.SessionToken, "")
			if err != nil || ac.User.ID != sales.User.ID || ac.SessionID == 0 {
				t.Errorf("Authenticate = %+v, %v", ac, err)
			}
		})
	}
	u, _ := f.app.Store.User(ctx, sales.User.ID)
	if !u.LastLoginAt.Equal(f.clock.Now()) {
		t.Errorf("LastLoginAt = %v, want %v", u.LastLoginAt, f.clock.Now())
	}
	if n := count(t, f.app.Store, "SELECT COUNT(*) FROM audit_log WHERE action = 'login.failed'"); n != 5 {
		t.Errorf("%d login.failed audit entries, want 5", n)
	}
	if _, err := f.app.Authenticate(ctx, "", ""); !errors.Is(err, crm.ErrUnauthorized) {
		t.Errorf("Authenticate(\"\") = %v", err)
	}
	if _, err := f.app.Authenticate(ctx, "made-up-token", ""); !errors.Is(err, crm.ErrUnauthorized) {
		t.Errorf("Authenticate(made up) = %v", err)
	}
}

func ptr[T any](v T) *T { return &v }

// blockedFor returns how long the e-mail key is blocked from now on.
func blockedFor(t *testing.T, f *fixture, email string) time.Duration {
	t.Helper()
	att, err := f.app.Store.LoginAttempt(ctx, "email:"+email)
	if err != nil {
		t.Fatal(err)
	}
	return max(0, att.BlockedUntil.Sub(f.clock.Now()))
}

func TestLoginThrottling(t *testing.T) {
	f := newFixture(t, crm.LangEN)
	const email = "sales@example.jp"
	f.addUser(t, email, crm.RoleSales)
	login := func(password string) error {
		_, err := f.app.Login(ctx, email, password, "", "")
		return err
	}

	// Five free failures.
	for i := 1; i <= 5; i++ {
		if err := login("wrong password"); err != ErrBadLogin {
			t.Fatalf("failure %d: %v, want ErrBadLogin", i, err)
		}
		if i < 5 {
			if d := blockedFor(t, f, email); d != 0 {
				t.Fatalf("blocked for %v after %d failures, want not blocked", d, i)
			}
		}
	}
	// Then every attempt waits, the right password too; waits double up to 15 minutes.
	wantWaits := []time.Duration{1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 900, 900}
	for i, want := range wantWaits {
		want *= time.Second
		got := blockedFor(t, f, email)
		if got != want {
			t.Fatalf("after failure %d: blocked for %v, want %v", 5+i, got, want)
		}
		if err := login(testPassword); !errors.Is(err, crm.ErrThrottled) {
			t.Fatalf("right password while blocked: %v, want ErrThrottled", err)
		}
		f.clock.Add(got - time.Millisecond)
		if err := login(testPassword); !errors.Is(err, crm.ErrThrottled) {
			t.Fatalf("right password 1 ms before the wait ends: %v, want ErrThrottled", err)
		}
		f.clock.Add(time.Millisecond)
		if i == len(wantWaits)-1 {
			break
		}
		if err := login("wrong again"); err != ErrBadLogin {
			t.Fatalf("wrong password after the wait: %v, want ErrBadLogin", err)
		}
	}
	// The wait has passed: the real user gets in and the slate is clean.
	if err := login(testPassword); err != nil {
		t.Fatalf("right password after the wait: %v", err)
	}
	for i := 1; i <= 5; i++ {
		if err := login("wrong password"); err != ErrBadLogin {
			t.Fatalf("after a good login, failure %d: %v, want ErrBadLogin", i, err)
		}
	}
	if d := blockedFor(t, f, email); d != time.Second {
		t.Errorf("after a good login and 5 new failures: blocked for %v, want 1s", d)
	}

	// Failures older than an hour are forgotten.
	f.clock.Add(failureMemory + time.Second)
	if err := login("wrong password"); err != ErrBadLogin {
		t.Fatalf("after an hour: %v, want ErrBadLogin", err)
	}
	if d := blockedFor(t, f, email); d != 0 {
		t.Errorf("one failure an hour after the last: blocked for %v, want 0", d)
	}
}

// One address tries many accounts: after 20 failures the address waits,
// whichever account it tries, while the accounts' owners elsewhere do not.
// Good sign-ins from the address (an office behind one NAT) do not count.
func TestLoginThrottlingByIP(t *testing.T) {
	f := newFixture(t, crm.LangEN)
	f.addUser(t, "sales@example.jp", crm.RoleSales)
	const office = "198.51.100.7"
	for range 3 {
		if _, err := f.app.Login(ctx, "sales@example.jp", testPassword, office, ""); err != nil {
			t.Fatal(err)
		}
	}
	fail := func(i int) error {
		email := fmt.Sprintf("guess%d@example.jp", i%5) // 4 failures each: no account is blocked
		_, err := f.app.Login(ctx, email, "wrong password", office, "")
		return err
	}
	for i := range freeFailuresIP - 1 {
		if err := fail(i); err != ErrBadLogin {
			t.Fatalf("failure %d: %v", i+1, err)
		}
	}
	if _, err := f.app.Login(ctx, "sales@example.jp", testPassword, office, ""); err != nil {
		t.Fatalf("after 3 good sign-ins and 19 failures from the address: %v", err)
	}
	if err := fail(freeFailuresIP - 1); err != ErrBadLogin {
		t.Fatalf("failure 20: %v", err)
	}
	if _, err := f.app.Login(ctx, "sales@example.jp", testPassword, office, ""); !errors.Is(err, crm.ErrThrottled) {
		t.Errorf("attempt after 20 failures from the address = %v, want ErrThrottled", err)
	}
	if _, err := f.app.Login(ctx, "sales@example.jp", testPassword, "192.0.2.50", ""); err != nil {
		t.Errorf("the real user from another address = %v, want nil", err)
	}
	if att, _ := f.app.Store.LoginAttempt(ctx, "email:sales@example.jp"); att.Failures != 0 {
		t.Errorf("attempts refused for the address counted against the account: %+v", att)
	}
}

func TestTOTPLogin(t *testing.T) {
	f := newFixture(t, crm.LangEN)
	const email = "sales@example.jp"
	f.addUser(t, email, crm.RoleSales)
	_, ac := f.login(t, email)

	// Set-up: a wrong code is refused, the current one turns it on.
	if err := f.app.EnableTOTP(ctx, ac, "123456"); !hasField(err, "code") {
		t.Fatalf("EnableTOTP before BeginTOTP = %v, want a code error", err)
	}
	secret, otpURL, err := f.app.BeginTOTP(ctx, ac)
	if err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(otpURL)
	if err != nil || u.Scheme != "otpauth" || u.Host != "totp" || u.Query().Get("secret") != secret || u.Query().Get("issuer") != "Renkei" ||
		!strings.Contains(u.Path, email) {
		t.Errorf("otpauth URL = %q (%v)", otpURL, err)
	}
	now := f.clock.Now()
	wrong := codeFor(t, secret, now.Add(5*time.Minute))
	if err := f.app.EnableTOTP(ctx, ac, wrong); !hasField(err, "code") {
		t.Fatalf("EnableTOTP(wrong) = %v, want a code error", err)
	}
	if err := f.app.EnableTOTP(ctx, ac, codeFor(t, secret, now)); err != nil {
		t.Fatalf("EnableTOTP(right) = %v", err)
	}

	// A password alone gives a session that is not signed in yet.
	res, err := f.app.Login(ctx, email, testPassword, "", "")
	if err != nil || !res.NeedsTOTP {
		t.Fatalf("Login with TOTP on = %+v, %v; want NeedsTOTP", res, err)
	}
	if _, err := f.app.Authenticate(ctx, res.SessionToken, ""); !errors.Is(err, crm.ErrUnauthorized) {
		t.Fatalf("Authenticate on a pending session = %v, want ErrUnauthorized", err)
	}
	// Wrong codes count as failed sign-ins: five, then a wait, the right code too.
	for i := 1; i <= 5; i++ {
		if _, err := f.app.VerifyTOTP(ctx, res.SessionToken, wrong, ""); !hasField(err, "code") {
			t.Fatalf("wrong code %d = %v, want a code error", i, err)
		}
	}
	if _, err := f.app.VerifyTOTP(ctx, res.SessionToken, codeFor(t, secret, f.clock.Now()), ""); !errors.Is(err, crm.ErrThrottled) {
		t.Fatalf("right code after five wrong ones = %v, want ErrThrottled", err)
	}
	if _, err := f.app.Authenticate(ctx, res.SessionToken, ""); !errors.Is(err, crm.ErrUnauthorized) {
		t.Fatalf("Authenticate after wrong codes = %v, want ErrUnauthorized", err)
	}
	f.clock.Add(time.Second)
	got, err := f.app.VerifyTOTP(ctx, res.SessionToken, codeFor(t, secret, f.clock.Now()), "")
	if err != nil || got.Email != email {
		t.Fatalf("VerifyTOTP(right) = %+v, %v", got, err)
	}
	if _, err := f.app.Authenticate(ctx, res.SessionToken, ""); err != nil {
		t.Fatalf("Authenticate after the second factor = %v", err)
	}
	if _, err := f.app.VerifyTOTP(ctx, res.SessionToken, codeFor(t, secret, f.clock.Now()), ""); !errors.Is(err, crm.ErrUnauthorized) {
		t.Errorf("VerifyTOTP on a complete session = %v, want ErrUnauthorized", err)
	}
	// The completed session lives as long as any other.
	f.clock.Add(SessionIdle - 2*time.Hour)
	if _, err := f.app.Authenticate(ctx, res.SessionToken, ""); err != nil {
		t.Errorf("Authenticate 14 days less 2 h after the second factor = %v", err)
	}

	// A pending session expires after the second-factor window.
	res, err = f.app.Login(ctx, email, testPassword, "", "")
	if err != nil {
		t.Fatal(err)
	}
	f.clock.Add(mfaWindow)
	if _, err := f.app.VerifyTOTP(ctx, res.SessionToken, codeFor(t, secret, f.clock.Now()), ""); !errors.Is(err, crm.ErrUnauthorized) {
		t.Errorf("VerifyTOTP after the window = %v, want ErrUnauthorized", err)
	}

	// An admin turns it off for a user who lost the device.
	if err := f.app.DisableTOTP(ctx, f.owner, ac.User.ID); err != nil {
		t.Fatal(err)
	}
	if res, err := f.app.Login(ctx, email, testPassword, "", ""); err != nil || res.NeedsTOTP {
		t.Errorf("Login after DisableTOTP = %+v, %v", res, err)
	}
}

func hasField(err error, field string) bool {
	v, ok := crm.AsValidation(err)
	return ok && v.Fields[field] != ""
}

func TestSessions(t *testing.T) {
	f := newFixture(t, crm.LangEN)
	const email = "sales@example.jp"
	sales := f.addUser(t, email, crm.RoleSales)

	t.Run("password change keeps this session only", func(t *testing.T) {
		tokA, acA := f.login(t, email)
		tokB, _ := f.login(t, email)
		before := snapshot(t, f.app.Store)
		if err := f.app.ChangePassword(ctx, acA, "not the password", "a new password 1"); !hasField(err, "current_password") {
			t.Fatalf("ChangePassword with a wrong current password = %v", err)
		}
		if err := f.app.ChangePassword(ctx, acA, testPassword, "short"); !hasField(err, "new_password") {
			t.Fatalf("ChangePassword to a short password = %v", err)
		}
		after := snapshot(t, f.app.Store)
		delete(before, "login_attempts") // the wrong password counts for throttling
		delete(after, "login_attempts")
		if d := diffSnapshots(before, after); d != "" {
			t.Fatalf("refused password changes changed the database:\n%s", d)
		}
		if err := f.app.ChangePassword(ctx, acA, testPassword, "a new password 1"); err != nil {
			t.Fatal(err)
		}
		if _, err := f.app.Authenticate(ctx, tokB, ""); !errors.Is(err, crm.ErrUnauthorized) {
			t.Errorf("other session after the change = %v, want ErrUnauthorized", err)
		}
		if _, err := f.app.Authenticate(ctx, tokA, ""); err != nil {
			t.Errorf("current session after the change = %v", err)
		}
		if _, err := f.app.Login(ctx, email, testPassword, "", ""); err != ErrBadLogin {
			t.Errorf("old password = %v, want ErrBadLogin", err)
		}
		if _, err := f.app.Login(ctx, email, "a new password 1", "", ""); err != nil {
			t.Errorf("new password = %v", err)
		}
		if err := f.app.ChangePassword(ctx, acA, "a new password 1", testPassword); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("wrong current passwords are throttled", func(t *testing.T) {
		tok, ac := f.login(t, email)
		for i := 1; i <= 5; i++ {
			if err := f.app.ChangePassword(ctx, ac, fmt.Sprintf("guess %d", i), "a new password 2"); !hasField(err, "current_password") {
				t.Fatalf("guess %d = %v", i, err)
			}
		}
		if err := f.app.ChangePassword(ctx, ac, testPassword, "a new password 2"); !errors.Is(err, crm.ErrThrottled) {
			t.Fatalf("right password after five wrong ones = %v, want ErrThrottled", err)
		}
		if _, err := f.app.Login(ctx, email, testPassword, "", ""); !errors.Is(err, crm.ErrThrottled) {
			t.Errorf("sign-in after five wrong passwords = %v, want ErrThrottled", err)
		}
		f.clock.Add(time.Second)
		if err := f.app.ChangePassword(ctx, ac, testPassword, testPassword+"!"); err != nil {
			t.Fatalf("after the wait = %v", err)
		}
		if att, _ := f.app.Store.LoginAttempt(ctx, "email:"+email); att.Failures != 0 {
			t.Errorf("failures after a right current password = %d, want 0", att.Failures)
		}
		if _, err := f.app.Authenticate(ctx, tok, ""); err != nil {
			t.Errorf("the current session after the change = %v", err)
		}
		if err := f.app.ChangePassword(ctx, ac, testPassword+"!", testPassword); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("logout", func(t *testing.T) {
		tok, ac := f.login(t, email)
		if err := f.app.Logout(ctx, ac); err != nil {
			t.Fatal(err)
		}
		if _, err := f.app.Authenticate(ctx, tok, ""); !errors.Is(err, crm.ErrUnauthorized) {
			t.Errorf("after Logout = %v", err)
		}
	})

	t.Run("sessions slide and expire", func(t *testing.T) {
		tok, _ := f.login(t, email)
		f.clock.Add(13 * 24 * time.Hour)
		if _, err := f.app.Authenticate(ctx, tok, ""); err != nil {
			t.Fatalf("after 13 days = %v", err)
		}
		f.clock.Add(13 * 24 * time.Hour) // 26 days, but used 13 days ago
		if _, err := f.app.Authenticate(ctx, tok, ""); err != nil {
			t.Fatalf("13 days after the last use = %v", err)
		}
		f.clock.Add(SessionIdle)
		if _, err := f.app.Authenticate(ctx, tok, ""); !errors.Is(err, crm.ErrUnauthorized) {
			t.Errorf("14 days unused = %v, want ErrUnauthorized", err)
		}
	})

	t.Run("deactivation signs out everywhere", func(t *testing.T) {
		tok1, _ := f.login(t, email)
		tok2, ac := f.login(t, email)
		_, apiToken, err := f.app.CreateAPIToken(ctx, ac, "script")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.app.AuthenticateToken(ctx, apiToken, ""); err != nil {
			t.Fatalf("AuthenticateToken = %v", err)
		}
		u, _ := f.app.Store.User(ctx, sales.User.ID)
		if _, err := f.app.UpdateUser(ctx, f.owner, u.ID, u.Version, UserPatch{Status: ptr("deactivated")}); err != nil {
			t.Fatal(err)
		}
		for _, tok := range []string{tok1, tok2} {
			if _, err := f.app.Authenticate(ctx, tok, ""); !errors.Is(err, crm.ErrUnauthorized) {
				t.Errorf("session of a deactivated user = %v", err)
			}
		}
		if n := count(t, f.app.Store, "SELECT COUNT(*) FROM sessions WHERE user_id = $1", u.ID); n != 0 {
			t.Errorf("%d sessions left after deactivation", n)
		}
		if _, err := f.app.AuthenticateToken(ctx, apiToken, ""); !errors.Is(err, crm.ErrUnauthorized) {
			t.Errorf("API token of a deactivated user = %v", err)
		}
	})
}

func TestAPITokens(t *testing.T) {
	f := newFixture(t, crm.LangEN)
	viewer := f.addUser(t, "viewer@example.jp", crm.RoleViewer)
	tok, secret, err := f.app.CreateAPIToken(ctx, viewer, "  reports script ")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(secret, TokenPrefix) || !strings.HasPrefix(secret, tok.Prefix) || tok.Name != "reports script" {
		t.Errorf("token = %+v, secret %q", tok, secret)
	}
	if n := count(t, f.app.Store, "SELECT COUNT(*) FROM api_tokens WHERE token_hash LIKE $1", "%"+secret+"%"); n != 0 {
		t.Error("the token secret is stored in clear")
	}
	ac, err := f.app.AuthenticateToken(ctx, secret, "192.0.2.3")
	if err != nil || ac.User.ID != viewer.User.ID || ac.TokenID != tok.ID || ac.SessionID != 0 {
		t.Fatalf("AuthenticateToken = %+v, %v", ac, err)
	}
	if _, err := f.app.CreateTeam(ctx, ac, "x"); !errors.Is(err, crm.ErrForbidden) {
		t.Errorf("a viewer's token wrote: %v", err)
	}
	if err := f.app.RevokeAPIToken(ctx, ac, tok.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.app.AuthenticateToken(ctx, secret, ""); !errors.Is(err, crm.ErrUnauthorized) {
		t.Errorf("revoked token = %v", err)
	}
	if err := f.app.RevokeAPIToken(ctx, viewer, tok.ID); !errors.Is(err, crm.ErrNotFound) {
		t.Errorf("revoking twice = %v, want ErrNotFound", err)
	}
	if _, _, err := f.app.CreateAPIToken(ctx, viewer, ""); !hasField(err, "name") {
		t.Errorf("token without a name = %v", err)
	}
	if _, err := f.app.AuthenticateToken(ctx, "rk_made-up", ""); !errors.Is(err, crm.ErrUnauthorized) {
		t.Errorf("made-up token = %v", err)
	}
}

// Guesses sent all at once must not slip past the throttle: each attempt is
// counted before the password is checked, so of twenty parallel guesses only
// the five free ones are checked.
func TestLoginThrottlingParallelGuesses(t *testing.T) {
	f := newFixture(t, crm.LangEN)
	const email = "sales@example.jp"
	f.addUser(t, email, crm.RoleSales)
	const n = 20
	errs := make([]error, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			_, errs[i] = f.app.Login(ctx, email, fmt.Sprintf("guess %d", i), "", "")
		}()
	}
	close(start)
	wg.Wait()
	checked, throttled := 0, 0
	for _, err := range errs {
		switch {
		case err == ErrBadLogin:
			checked++
		case errors.Is(err, crm.ErrThrottled):
			throttled++
		default:
			t.Errorf("Login = %v", err)
		}
	}
	if checked != freeFailuresEmail || throttled != n-freeFailuresEmail {
		t.Errorf("%d guesses checked, %d throttled; want %d and %d", checked, throttled, freeFailuresEmail, n-freeFailuresEmail)
	}
	if att, _ := f.app.Store.LoginAttempt(ctx, "email:"+email); att.Failures != freeFailuresEmail {
		t.Errorf("failures recorded = %d, want %d", att.Failures, freeFailuresEmail)
	}
}

// The same for second-factor codes, which are cheap to check.
func TestTOTPParallelGuesses(t *testing.T) {
	f := newFixture(t, crm.LangEN)
	const email = "sales@example.jp"
	f.addUser(t, email, crm.RoleSales)
	_, ac := f.login(t, email)
	secret, _, err := f.app.BeginTOTP(ctx, ac)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.app.EnableTOTP(ctx, ac, codeFor(t, secret, f.clock.Now())); err != nil {
		t.Fatal(err)
	}
	res, err := f.app.Login(ctx, email, testPassword, "", "")
	if err != nil {
		t.Fatal(err)
	}
	right := codeFor(t, secret, f.clock.Now())
	const n = 20
	errs := make([]error, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			code := fmt.Sprintf("%06d", i)
			if code == right {
				code = "999999"
			}
			_, errs[i] = f.app.VerifyTOTP(ctx, res.SessionToken, code, "")
		}()
	}
	close(start)
	wg.Wait()
	checked := 0
	for _, err := range errs {
		if hasField(err, "code") {
			checked++
		} else if !errors.Is(err, crm.ErrThrottled) {
			t.Errorf("VerifyTOTP = %v", err)
		}
	}
	if checked != freeFailuresEmail {
		t.Errorf("%d of %d parallel codes were checked, want %d", checked, n, freeFailuresEmail)
	}
}
