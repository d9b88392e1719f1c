package cli_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"renkei/internal/app"
	"renkei/internal/mail"
	"renkei/internal/mail/mailtest"
	"renkei/internal/store"
	"renkei/internal/store/storetest"
)

// TestTwoServersShareOnePostgres starts two real `renkei serve` processes
// on one PostgreSQL schema, as behind a load balancer: what one writes the
// other reads, and every queued job runs exactly once across both runners.
func TestTwoServersShareOnePostgres(t *testing.T) {
	if !storetest.IsPostgres() {
		t.Skip("several processes share a database only on PostgreSQL: this runs in the PostgreSQL pass (" + storetest.EnvURL + ")")
	}
	ctx := context.Background()
	args, o := dbArgs(t)
	// The admin and the token come from their own processes too.
	if r := runBin(t, "correct horse battery\n", append([]string{"user", "add", "--email", "ops@example.jp", "--name", "Ops", "--role", "admin"}, args...)...); r.code != 0 {
		t.Fatalf("renkei user add: exit %d: %s", r.code, r.stderr)
	}
	r := runBin(t, "", append([]string{"token", "create", "--email", "ops@example.jp", "--name", "two servers"}, args...)...)
	if r.code != 0 {
		t.Fatalf("renkei token create: exit %d: %s", r.code, r.stderr)
	}
	token := strings.TrimSpace(r.stdout)

	pa := startServe(t, args...)
	pb := startServe(t, args...)

	// What one writes, the other reads — both ways.
	for _, tt := range []struct {
		name           string
		writer, reader *proc
	}{
		{"東京営業部", pa, pb},
		{"Osaka marketing", pb, pa},
	} {
		var created struct {
			ID   int64
			Name string
		}
		if st := apiDo(t, "POST", tt.writer.URL+"/api/v1/teams", token, map[string]string{"name": tt.name}, &created); st != http.StatusCreated {
			t.Fatalf("create team %q on pid %d: status %d", tt.name, tt.writer.pid(), st)
		}
		var read struct {
			ID   int64
			Name string
		}
		if st := apiDo(t, "GET", fmt.Sprintf("%s/api/v1/teams/%d", tt.reader.URL, created.ID), token, nil, &read); st != http.StatusOK || read.Name != tt.name {
			t.Errorf("team %d read on pid %d: status %d, name %q; want 200 and %q", created.ID, tt.reader.pid(), st, read.Name, tt.name)
		}
	}
	// A session made on one process (an API token here) is known to the other.
	for _, p := range []*proc{pa, pb} {
		var me struct{ Email string }
		if st := apiDo(t, "GET", p.URL+"/api/v1/users/me", token, nil, &me); st != http.StatusOK || me.Email != "ops@example.jp" {
			t.Errorf("users/me on pid %d: %d %q", p.pid(), st, me.Email)
		}
	}

	// Jobs: 200 mails to an SMTP sink that takes 40 ms per message, so the
	// work outlasts a runner's poll interval, both runners take part and
	// they claim jobs at the same moments often (a claim that does not lock
	// properly then runs jobs twice: this test catches a missing SKIP LOCKED).
	sink := mailtest.Start(t)
	sink.FailData(func([]string) error { time.Sleep(40 * time.Millisecond); return nil })
	s := openStore(t, o)
	admin, err := s.UserByEmail(ctx, "ops@example.jp")
	if err != nil {
		t.Fatal(err)
	}
	a := app.New(app.Config{Store: s})
	if _, err := a.UpdateSMTP(ctx, app.Actor{User: admin}, sink.Server(), 0); err != nil {
		t.Fatal(err)
	}
	const n = 200
	for i := range n {
		payload, _ := json.Marshal(mail.Message{To: fmt.Sprintf("r%03d@example.jp", i), Subject: fmt.Sprintf("job %d", i), Text: "一度だけ届くこと\n"})
		now := time.Now()
		// One attempt: a failure shows up as failed, not as a quiet retry.
		j := store.Job{Kind: app.JobMailSend, Payload: string(payload), RunAt: now, CreatedAt: now, MaxAttempts: 1}
		if err := s.Enqueue(ctx, &j); err != nil {
			t.Fatal(err)
		}
	}
	type jobRow struct {
		status, lockedBy, lastError string
		attempts                    int
	}
	jobs := func() []jobRow {
		rows, err := s.DB().QueryContext(ctx, "SELECT status, locked_by, attempts, last_error FROM jobs WHERE kind = $1", app.JobMailSend)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var out []jobRow
		for rows.Next() {
			var j jobRow
			if err := rows.Scan(&j.status, &j.lockedBy, &j.attempts, &j.lastError); err != nil {
				t.Fatal(err)
			}
			out = append(out, j)
		}
		return out
	}
	waitUntil(t, 60*time.Second, "every mail job to finish", func() bool {
		for _, j := range jobs() {
			if j.status == store.JobQueued || j.status == store.JobRunning {
				return false
			}
		}
		return true
	})
	// A job claimed twice would still be sending: let such a send land.
	time.Sleep(500 * time.Millisecond)

	host, _ := os.Hostname()
	byProc := map[string]int{}
	for _, j := range jobs() {
		if j.status != store.JobDone || j.attempts != 1 {
			t.Errorf("job %s after %d attempt(s) (%s), want done after 1", j.status, j.attempts, j.lastError)
		}
		switch {
		case strings.HasPrefix(j.lockedBy, fmt.Sprintf("%s:%d:", host, pa.pid())):
			byProc["A"]++
		case strings.HasPrefix(j.lockedBy, fmt.Sprintf("%s:%d:", host, pb.pid())):
			byProc["B"]++
		default:
			t.Errorf("job run by %q, neither server process", j.lockedBy)
		}
	}
	t.Logf("jobs run: process A %d, process B %d", byProc["A"], byProc["B"])
	if byProc["A"] == 0 || byProc["B"] == 0 {
		t.Errorf("jobs per process %v: both runners should have taken part", byProc)
	}
	got := map[string]int{}
	for _, m := range sink.Messages() {
		for _, to := range m.To {
			got[to]++
		}
	}
	for i := range n {
		if to := fmt.Sprintf("r%03d@example.jp", i); got[to] != 1 {
			t.Errorf("%s received %d message(s), want exactly 1", to, got[to])
		}
	}
	if len(sink.Messages()) != n {
		t.Errorf("%d messages delivered, want %d", len(sink.Messages()), n)
	}

	for _, p := range []*proc{pa, pb} {
		if code := p.stop(20 * time.Second); code != 0 {
			t.Errorf("pid %d exited with %d after SIGTERM, want 0", p.pid(), code)
		}
	}
}
