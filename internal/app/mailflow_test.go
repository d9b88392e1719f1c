package app

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"renkei/internal/crm"
	"renkei/internal/jobs"
	"renkei/internal/mail/mailtest"
	"renkei/internal/store"
)

// startMail points the workspace's SMTP settings at an in-process server
// and runs the real job runner until the test ends.
func startMail(t *testing.T, f *fixture) *mailtest.Server {
	t.Helper()
	srv := mailtest.Start(t)
	if _, err := f.app.UpdateSMTP(ctx, f.owner, srv.Server(), 0); err != nil {
		t.Fatalf("UpdateSMTP: %v", err)
	}
	startRunner(t, f)
	return srv
}

func startRunner(t *testing.T, f *fixture) {
	t.Helper()
	r := jobs.NewRunner(f.app.Store, f.app.JobHandlers(), f.clock.Now, slog.New(slog.NewTextHandler(io.Discard, nil)))
	r.Poll = 5 * time.Millisecond
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		r.Run(runCtx)
		close(done)
	}()
	t.Cleanup(func() {
		cancel()
		<-done
	})
}

// waitJob polls a job until ok says yes.
func waitJob(t *testing.T, f *fixture, id int64, what string, ok func(store.Job) bool) store.Job {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		j, err := f.app.JobStatus(ctx, f.owner, id)
		if err != nil {
			t.Fatal(err)
		}
		if ok(j) {
			return j
		}
		if time.Now().After(deadline) {
			t.Fatalf("job %d never became %s: %+v", id, what, j)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// lastMailJob returns the newest mail job.
func lastMailJob(t *testing.T, f *fixture) int64 {
	t.Helper()
	var id int64
	if err := f.app.Store.DB().QueryRowContext(ctx, "SELECT MAX(id) FROM jobs WHERE kind = $1", JobMailSend).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}

func mailJobs(t *testing.T, f *fixture) int {
	return count(t, f.app.Store, "SELECT COUNT(*) FROM jobs WHERE kind = $1", JobMailSend)
}

func TestInvitation(t *testing.T) {
	f := newFixture(t, crm.LangJA)
	srv := startMail(t, f)
	team, err := f.app.CreateTeam(ctx, f.owner, "東京営業部")
	if err != nil {
		t.Fatal(err)
	}

	u, link, err := f.app.InviteUser(ctx, f.owner, InviteInput{Email: " Hanako@Example.JP ", Name: "山田 花子", Role: "sales", TeamID: team.ID})
	if err != nil {
		t.Fatalf("InviteUser: %v", err)
	}
	if u.Status != crm.UserInvited || u.Language != crm.LangJA || u.Email != "hanako@example.jp" || u.Role != crm.RoleSales {
		t.Errorf("invited user = %+v", u)
	}
	if tm, _ := f.app.Store.Team(ctx, team.ID); len(tm.Members) != 1 || tm.Members[0].UserID != u.ID {
		t.Errorf("team members = %+v", tm.Members)
	}
	msg := srv.WaitFor(t, "hanako@example.jp", 10*time.Second)
	if want := "【Renkei】株式会社サンプル への招待"; msg.Subject != want {
		t.Errorf("subject = %q, want %q", msg.Subject, want)
	}
	if !strings.HasPrefix(msg.Text, "山田 花子 様") || !strings.Contains(msg.Text, "Owner さんから") {
		t.Errorf("text = %q", msg.Text)
	}
	got := mailtest.FindLink(msg.Text, testBaseURL+"/invite/")
	if got == "" || got != link {
		t.Fatalf("link in the mail = %q, returned link = %q", got, link)
	}
	token := strings.TrimPrefix(got, testBaseURL+"/invite/")
	if len(token) < 40 {
		t.Errorf("invitation token %q is short", token)
	}
	if n := count(t, f.app.Store, "SELECT COUNT(*) FROM user_tokens WHERE token_hash LIKE $1", "%"+token+"%"); n != 0 {
		t.Error("the invitation token is stored in clear")
	}

	// Before accepting, the account cannot sign in.
	if _, err := f.app.Login(ctx, "hanako@example.jp", "", "", ""); err != ErrBadLogin {
		t.Errorf("Login before accepting = %v", err)
	}
	if cu, err := f.app.CheckInvite(ctx, token); err != nil || cu.ID != u.ID {
		t.Errorf("CheckInvite = %+v, %v", cu, err)
	}
	if _, _, err := f.app.AcceptInvite(ctx, token, "short", "", ""); !hasField(err, "password") {
		t.Errorf("AcceptInvite with a short password = %v", err)
	}
	const pw = "はなこのパスワード123"
	sess, au, err := f.app.AcceptInvite(ctx, token, pw, "192.0.2.4", "test")
	if err != nil {
		t.Fatalf("AcceptInvite: %v", err)
	}
	stored, _ := f.app.Store.User(ctx, u.ID)
	if au.Status != crm.UserActive || stored.Status != crm.UserActive || au.Version != stored.Version {
		t.Errorf("accepted user = %+v, stored %+v", au, stored)
	}
	if ac, err := f.app.Authenticate(ctx, sess, ""); err != nil || ac.User.ID != u.ID {
		t.Errorf("the new session = %+v, %v", ac, err)
	}
	if _, _, err := f.app.AcceptInvite(ctx, token, "another password 1", "", ""); !errors.Is(err, crm.ErrNotFound) {
		t.Errorf("second AcceptInvite = %v, want ErrNotFound", err)
	}
	if _, err := f.app.CheckInvite(ctx, token); !errors.Is(err, crm.ErrNotFound) {
		t.Errorf("CheckInvite after use = %v", err)
	}
	if _, err := f.app.Login(ctx, "hanako@example.jp", pw, "", ""); err != nil {
		t.Errorf("Login with the chosen password = %v", err)
	}

	// An English-speaking invitee in a Japanese workspace gets English mail.
	_, link, err = f.app.InviteUser(ctx, f.owner, InviteInput{Email: "john@example.com", Name: "John", Role: "viewer", Language: "en"})
	if err != nil {
		t.Fatal(err)
	}
	msg = srv.WaitFor(t, "john@example.com", 10*time.Second)
	if want := "You're invited to 株式会社サンプル on Renkei"; msg.Subject != want || mailtest.FindLink(msg.Text, testBaseURL+"/invite/") != link {
		t.Errorf("English invitation: subject %q, text %q", msg.Subject, msg.Text)
	}

	// Links expire after 7 days.
	late, link, err := f.app.InviteUser(ctx, f.owner, InviteInput{Email: "late@example.jp", Name: "遅刻", Role: "viewer"})
	if err != nil {
		t.Fatal(err)
	}
	token = strings.TrimPrefix(link, testBaseURL+"/invite/")
	f.clock.Add(7 * 24 * time.Hour)
	if _, err := f.app.CheckInvite(ctx, token); !errors.Is(err, crm.ErrNotFound) {
		t.Errorf("CheckInvite after 7 days = %v", err)
	}
	if _, _, err := f.app.AcceptInvite(ctx, token, pw, "", ""); !errors.Is(err, crm.ErrNotFound) {
		t.Errorf("AcceptInvite after 7 days = %v", err)
	}
	if u, _ := f.app.Store.User(ctx, late.ID); u.Status != crm.UserInvited {
		t.Errorf("status after an expired link = %s", u.Status)
	}
}

func TestInviteValidation(t *testing.T) {
	f := newFixture(t, crm.LangEN)
	f.addUser(t, "taken@example.jp", crm.RoleSales)
	tests := []struct {
		name string
		in   InviteInput
		want map[string]string
	}{
		{"all wrong", InviteInput{Email: "taro", Name: " ", Role: "boss", Language: "de"}, map[string]string{
			"email":    "enter an e-mail address such as taro@example.jp",
			"name":     "is required",
			"role":     "choose admin, marketing, sales or viewer",
			"language": "choose ja or en",
		}},
		{"address taken", InviteInput{Email: "TAKEN@example.jp", Name: "Taken", Role: "sales"},
			map[string]string{"email": "a user with this e-mail address exists already"}},
		{"no such team", InviteInput{Email: "new@example.jp", Name: "New", Role: "sales", TeamID: 9999},
			map[string]string{"team_id": "this team does not exist"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := snapshot(t, f.app.Store)
			_, link, err := f.app.InviteUser(ctx, f.owner, tt.in)
			v, ok := crm.AsValidation(err)
			if !ok || link != "" {
				t.Fatalf("InviteUser = %q, %v; want a validation error", link, err)
			}
			if len(v.Fields) != len(tt.want) {
				t.Errorf("fields = %v, want %v", v.Fields, tt.want)
			}
			for k, m := range tt.want {
				if v.Fields[k] != m {
					t.Errorf("%s = %q, want %q", k, v.Fields[k], m)
				}
			}
			if d := diffSnapshots(before, snapshot(t, f.app.Store)); d != "" {
				t.Errorf("a refused invitation changed the database:\n%s", d)
			}
		})
	}
}

func TestPasswordReset(t *testing.T) {
	f := newFixture(t, crm.LangEN)
	srv := startMail(t, f)
	const email = "sales@example.jp"
	f.addUser(t, email, crm.RoleSales)
	tokA, _ := f.login(t, email)
	tokB, _ := f.login(t, email)

	// Unknown and inactive addresses: the same answer, no mail.
	gone := f.addUser(t, "gone@example.jp", crm.RoleSales)
	if _, err := f.app.UpdateUser(ctx, f.owner, gone.User.ID, 0, UserPatch{Status: ptr("deactivated")}); err != nil {
		t.Fatal(err)
	}
	jobsBefore := mailJobs(t, f)
	for _, addr := range []string{"nobody@example.jp", "gone@example.jp"} {
		if err := f.app.RequestPasswordReset(ctx, addr, ""); err != nil {
			t.Errorf("RequestPasswordReset(%s) = %v, want nil", addr, err)
		}
	}
	if err := f.app.RequestPasswordReset(ctx, "not an address", ""); !hasField(err, "email") {
		t.Errorf("RequestPasswordReset(bad) = %v", err)
	}
	if n := mailJobs(t, f); n != jobsBefore {
		t.Errorf("%d mail jobs queued for unknown or inactive addresses", n-jobsBefore)
	}

	if err := f.app.RequestPasswordReset(ctx, " Sales@Example.jp ", "192.0.2.8"); err != nil {
		t.Fatal(err)
	}
	msg := srv.WaitFor(t, email, 10*time.Second)
	if msg.Subject != "Reset your Renkei password" {
		t.Errorf("subject = %q", msg.Subject)
	}
	link := mailtest.FindLink(msg.Text, testBaseURL+"/reset/")
	if link == "" {
		t.Fatalf("no reset link in %q", msg.Text)
	}
	token := strings.TrimPrefix(link, testBaseURL+"/reset/")
	// A second request within a minute sends nothing.
	n := mailJobs(t, f)
	if err := f.app.RequestPasswordReset(ctx, email, ""); err != nil || mailJobs(t, f) != n {
		t.Errorf("second request within a minute: %v, %d new jobs", err, mailJobs(t, f)-n)
	}
	if got := srv.Messages(); len(got) != 1 {
		t.Errorf("%d messages delivered, want only the one reset mail", len(got))
	}
	// Nor do requests sent all at once.
	f.clock.Add(time.Minute)
	n = mailJobs(t, f)
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := f.app.RequestPasswordReset(ctx, email, ""); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if got := mailJobs(t, f) - n; got != 1 {
		t.Errorf("8 parallel requests queued %d mails, want 1", got)
	}
	waitJob(t, f, lastMailJob(t, f), "done", func(j store.Job) bool { return j.Status == store.JobDone })
	// Only the newest link works.
	newest := mailtest.FindLink(srv.WaitFor(t, email, time.Second).Text, testBaseURL+"/reset/")
	if _, err := f.app.CheckReset(ctx, token); !errors.Is(err, crm.ErrNotFound) {
		t.Errorf("the first link after a newer one = %v", err)
	}
	token = strings.TrimPrefix(newest, testBaseURL+"/reset/")

	if _, err := f.app.CheckReset(ctx, token); err != nil {
		t.Errorf("CheckReset = %v", err)
	}
	if _, _, err := f.app.ResetPassword(ctx, "made-up", "a brand new password", "", ""); !errors.Is(err, crm.ErrNotFound) {
		t.Errorf("ResetPassword(made up) = %v", err)
	}
	sess, u, err := f.app.ResetPassword(ctx, token, "a brand new password", "", "")
	if err != nil {
		t.Fatalf("ResetPassword: %v", err)
	}
	for _, old := range []string{tokA, tokB} {
		if _, err := f.app.Authenticate(ctx, old, ""); !errors.Is(err, crm.ErrUnauthorized) {
			t.Errorf("a session from before the reset = %v, want ErrUnauthorized", err)
		}
	}
	if ac, err := f.app.Authenticate(ctx, sess, ""); err != nil || ac.User.ID != u.ID {
		t.Errorf("the session from the reset = %v", err)
	}
	if _, _, err := f.app.ResetPassword(ctx, token, "yet another password", "", ""); !errors.Is(err, crm.ErrNotFound) {
		t.Errorf("second ResetPassword = %v, want ErrNotFound", err)
	}
	if _, err := f.app.Login(ctx, email, testPassword, "", ""); err != ErrBadLogin {
		t.Errorf("old password = %v", err)
	}
	if _, err := f.app.Login(ctx, email, "a brand new password", "", ""); err != nil {
		t.Errorf("new password = %v", err)
	}

	// A newer link replaces an older one; links live an hour.
	f.clock.Add(time.Minute)
	if err := f.app.RequestPasswordReset(ctx, email, ""); err != nil {
		t.Fatal(err)
	}
	waitJob(t, f, lastMailJob(t, f), "done", func(j store.Job) bool { return j.Status == store.JobDone })
	first := mailtest.FindLink(srv.WaitFor(t, email, time.Second).Text, testBaseURL+"/reset/")
	f.clock.Add(time.Minute)
	if err := f.app.RequestPasswordReset(ctx, email, ""); err != nil {
		t.Fatal(err)
	}
	waitJob(t, f, lastMailJob(t, f), "done", func(j store.Job) bool { return j.Status == store.JobDone })
	second := mailtest.FindLink(srv.WaitFor(t, email, time.Second).Text, testBaseURL+"/reset/")
	if first == second {
		t.Fatal("two requests gave the same link")
	}
	if _, err := f.app.CheckReset(ctx, strings.TrimPrefix(first, testBaseURL+"/reset/")); !errors.Is(err, crm.ErrNotFound) {
		t.Errorf("the older link after a newer one = %v", err)
	}
	f.clock.Add(time.Hour)
	if _, _, err := f.app.ResetPassword(ctx, strings.TrimPrefix(second, testBaseURL+"/reset/"), "a brand new password 2", "", ""); !errors.Is(err, crm.ErrNotFound) {
		t.Errorf("ResetPassword after an hour = %v", err)
	}
}

// A reset for a user with two-factor sign-in on still asks for the code.
func TestPasswordResetKeepsSecondFactor(t *testing.T) {
	f := newFixture(t, crm.LangEN)
	srv := startMail(t, f)
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
	if err := f.app.RequestPasswordReset(ctx, email, ""); err != nil {
		t.Fatal(err)
	}
	link := mailtest.FindLink(srv.WaitFor(t, email, 10*time.Second).Text, testBaseURL+"/reset/")
	sess, u, err := f.app.ResetPassword(ctx, strings.TrimPrefix(link, testBaseURL+"/reset/"), "a brand new password", "", "")
	if err != nil {
		t.Fatal(err)
	}
	if !u.TOTPEnabled {
		t.Error("ResetPassword does not tell that a second factor is due")
	}
	if _, err := f.app.Authenticate(ctx, sess, ""); !errors.Is(err, crm.ErrUnauthorized) {
		t.Errorf("the session from a reset skips the second factor: %v", err)
	}
	f.clock.Add(mfaWindow)
	if _, err := f.app.VerifyTOTP(ctx, sess, codeFor(t, secret, f.clock.Now()), ""); !errors.Is(err, crm.ErrUnauthorized) {
		t.Errorf("VerifyTOTP after the second-factor window = %v, want ErrUnauthorized", err)
	}
}

// Mail goes through the queue: it waits for SMTP settings, retries on 4xx
// answers and gives up at once on 5xx answers.
func TestMailJobs(t *testing.T) {
	f := newFixture(t, crm.LangJA)
	startRunner(t, f)

	// No SMTP settings yet: the invitation waits.
	if _, _, err := f.app.InviteUser(ctx, f.owner, InviteInput{Email: "early@example.jp", Name: "早い", Role: "viewer"}); err != nil {
		t.Fatal(err)
	}
	id := lastMailJob(t, f)
	j := waitJob(t, f, id, "retrying", func(j store.Job) bool { return j.Attempts == 1 && j.Status == store.JobQueued })
	if !strings.Contains(j.LastError, "SMTP") || !j.RunAt.Equal(f.clock.Now().Add(jobs.Backoff(1))) {
		t.Errorf("job without SMTP settings = %+v", j)
	}
	if _, _, err := f.app.SMTPSettings(ctx, f.owner); err != nil {
		t.Fatal(err)
	}
	if _, err := f.app.SendTestMail(ctx, f.owner, ""); !hasField(err, "host") {
		t.Errorf("SendTestMail without settings = %v", err)
	}
	srv := mailtest.Start(t)
	if _, err := f.app.UpdateSMTP(ctx, f.owner, srv.Server(), 0); err != nil {
		t.Fatal(err)
	}
	f.clock.Add(jobs.Backoff(1))
	if msg := srv.WaitFor(t, "early@example.jp", 10*time.Second); !strings.Contains(msg.Subject, "招待") {
		t.Errorf("subject = %q", msg.Subject)
	}
	j = waitJob(t, f, id, "done", func(j store.Job) bool { return j.Status == store.JobDone })
	if j.Attempts != 2 {
		t.Errorf("attempts = %d, want 2", j.Attempts)
	}

	// The test mail: to the admin by default, in the admin's language.
	tid, err := f.app.SendTestMail(ctx, f.owner, "")
	if err != nil {
		t.Fatal(err)
	}
	if msg := srv.WaitFor(t, "owner@example.jp", 10*time.Second); msg.Subject != "【Renkei】テストメール" {
		t.Errorf("test mail subject = %q", msg.Subject)
	}
	waitJob(t, f, tid, "done", func(j store.Job) bool { return j.Status == store.JobDone })
	if _, err := f.app.SendTestMail(ctx, f.owner, "not-an-address"); !hasField(err, "to") {
		t.Errorf("SendTestMail(bad) = %v", err)
	}

	// 451: retried later; 550: failed at once.
	srv.FailRcpt(func(to string) error {
		if strings.HasPrefix(to, "grey") {
			return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 7, 1}, Message: "greylisted"}
		}
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such user"}
	})
	if _, _, err := f.app.InviteUser(ctx, f.owner, InviteInput{Email: "grey@example.jp", Name: "灰色", Role: "viewer"}); err != nil {
		t.Fatal(err)
	}
	grey := lastMailJob(t, f)
	if _, _, err := f.app.InviteUser(ctx, f.owner, InviteInput{Email: "nobody@example.jp", Name: "不在", Role: "viewer"}); err != nil {
		t.Fatal(err)
	}
	bounced := lastMailJob(t, f)
	j = waitJob(t, f, bounced, "failed", func(j store.Job) bool { return j.Status == store.JobFailed })
	if j.Attempts != 1 || !strings.Contains(j.LastError, "550") {
		t.Errorf("job after a 550 = %+v", j)
	}
	j = waitJob(t, f, grey, "retrying", func(j store.Job) bool { return j.Attempts == 1 && j.Status == store.JobQueued })
	if !strings.Contains(j.LastError, "451") {
		t.Errorf("job after a 451 = %+v", j)
	}
	srv.FailRcpt(nil)
	f.clock.Add(jobs.Backoff(1))
	srv.WaitFor(t, "grey@example.jp", 10*time.Second)
	if j := waitJob(t, f, grey, "done", func(j store.Job) bool { return j.Status == store.JobDone }); j.Attempts != 2 {
		t.Errorf("greylisted job = %+v", j)
	}
}
