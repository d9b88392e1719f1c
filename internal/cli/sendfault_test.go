package cli_test

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"renkei/internal/app"
	"renkei/internal/crm"
	"renkei/internal/store"
)

// countSink is an SMTP server that counts the messages each recipient got.
type countSink struct {
	mu    sync.Mutex
	got   map[string]int
	total int
}

func (s *countSink) NewSession(*smtp.Conn) (smtp.Session, error) { return &countSession{s: s}, nil }

type countSession struct {
	s  *countSink
	to []string
}

func (x *countSession) Reset()                               { x.to = nil }
func (x *countSession) Logout() error                        { return nil }
func (x *countSession) Mail(string, *smtp.MailOptions) error { return nil }
func (x *countSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	x.to = append(x.to, to)
	return nil
}
func (x *countSession) Data(r io.Reader) error {
	if _, err := io.Copy(io.Discard, r); err != nil {
		return err
	}
	x.s.mu.Lock()
	for _, to := range x.to {
		x.s.got[to]++
		x.s.total++
	}
	x.s.mu.Unlock()
	return nil
}

func (s *countSink) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.total
}

// TestSendSurvivesKill9 is the fault test of the sender: a real `renkei
// serve` sends a broadcast to RENKEI_FAULT_N recipients (default 100,000)
// through an SMTP sink, is killed with SIGKILL mid-send and started again.
// Every recipient gets the message, and no more messages arrive twice than
// were in flight (claimed, not recorded) at the kill. The lease of the
// dead process's claims (10 minutes) is made to run out by moving the
// claims' expiry into the past, as the clock would.
//
// It takes minutes: run it with RENKEI_FAULT_TEST=1 (not in -short).
func TestSendSurvivesKill9(t *testing.T) {
	if testing.Short() || os.Getenv("RENKEI_FAULT_TEST") == "" {
		t.Skip("slow: set RENKEI_FAULT_TEST=1 (and optionally RENKEI_FAULT_N) to run")
	}
	n := 100_000
	if v, err := strconv.Atoi(os.Getenv("RENKEI_FAULT_N")); err == nil && v > 0 {
		n = v
	}
	ctx := context.Background()
	sink := &countSink{got: map[string]int{}}
	srv := smtp.NewServer(sink)
	srv.Domain = "sink.local"
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })

	args, o := dbArgs(t)
	s := openStore(t, o)
	began := time.Now()
	bid := seedFaultBroadcast(t, s, n, ln.Addr().(*net.TCPAddr).Port)
	t.Logf("%s: %d recipients seeded and queued in %s", s.DriverName(), n, time.Since(began).Round(time.Millisecond))

	began = time.Now()
	p := startServe(t, args...)
	waitUntil(t, 5*time.Minute, "a third of the messages", func() bool { return sink.count() >= n/3 })
	if err := p.cmd.Process.Kill(); err != nil { // SIGKILL: no shutdown, no last record
		t.Fatal(err)
	}
	<-p.exited
	var inFlight int
	if err := s.DB().QueryRowContext(ctx, "SELECT COUNT(*) FROM email_messages WHERE status = 'sending'").Scan(&inFlight); err != nil {
		t.Fatal(err)
	}
	atKill := sink.count()
	t.Logf("killed after %d of %d messages (%s after the start); %d claimed and not recorded", atKill, n,
		time.Since(began).Round(time.Millisecond), inFlight)
	if _, err := s.DB().ExecContext(ctx, "UPDATE email_messages SET claimed_until = 1 WHERE status = 'sending'"); err != nil {
		t.Fatal(err)
	}

	restarted := time.Now()
	p2 := startServe(t, args...)
	// Poll cheaply: the sink's count first, the outbox only once it is
	// complete (counting 100,000 rows every few milliseconds would take
	// the CPU the server needs on a small machine).
	deadline := time.Now().Add(10 * time.Minute)
	for {
		if sink.count() >= n {
			var left int
			s.DB().QueryRowContext(ctx, "SELECT COUNT(*) FROM email_messages WHERE source_id = $1 AND status IN ('queued', 'sending')", bid).Scan(&left)
			if left == 0 {
				break
			}
		}
		if time.Now().After(deadline) {
			rows, err := s.DB().QueryContext(ctx, "SELECT status, COUNT(*), MIN(next_at), MAX(attempts) FROM email_messages WHERE source_id = $1 GROUP BY status", bid)
			if err == nil {
				for rows.Next() {
					var st string
					var c, next, att int64
					rows.Scan(&st, &c, &next, &att)
					t.Logf("outbox: %d %s (earliest next_at %s, most attempts %d)", c, st, time.UnixMilli(next).UTC().Format(time.RFC3339), att)
				}
				rows.Close()
			}
			t.Fatalf("timed out after 10m waiting for every recipient: the sink has %d messages of %d", sink.count(), n)
		}
		time.Sleep(250 * time.Millisecond)
	}
	rest, whole := time.Since(restarted), time.Since(began)
	p2.stop(30 * time.Second)

	sink.mu.Lock()
	defer sink.mu.Unlock()
	missing, dups := 0, 0
	for i := range n {
		switch c := sink.got[faultEmail(i)]; {
		case c == 0:
			missing++
		case c > 1:
			dups += c - 1
		}
	}
	t.Logf("after restart: %d messages, %d recipients missing, %d duplicates (bound %d); the rest took %s, the whole send %s",
		sink.total, missing, dups, inFlight, rest.Round(time.Millisecond), whole.Round(time.Millisecond))
	if missing > 0 {
		t.Errorf("%d recipients never got the message", missing)
	}
	if dups > inFlight {
		t.Errorf("%d duplicates, more than the %d messages in flight at the kill", dups, inFlight)
	}
	var sent int
	s.DB().QueryRowContext(ctx, "SELECT COUNT(*) FROM email_messages WHERE source_id = $1 AND status = 'sent'", bid).Scan(&sent)
	if sent != n {
		t.Errorf("%d rows sent, want %d", sent, n)
	}
}

func faultEmail(i int) string { return fmt.Sprintf("f%06d@example.com", i) }

// seedFaultBroadcast writes n consented contacts in a list, the sending
// settings pointing at the sink and a broadcast whose outbox rows are
// queued (as its queueing job would), and returns the broadcast's id.
func seedFaultBroadcast(t *testing.T, s *store.Store, n, port int) int64 {
	t.Helper()
	ctx := context.Background()
	now := time.Now().UTC()
	for start := 0; start < n; start += 500 {
		var b strings.Builder
		b.WriteString("INSERT INTO contacts (email, family_name, given_name, consent, created_at, updated_at) VALUES ")
		for i := start; i < min(n, start+500); i++ {
			if i > start {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "('%s', '山田', '太郎%d', 'granted', %d, %d)", faultEmail(i), i, now.UnixMilli(), now.UnixMilli())
		}
		if _, err := s.DB().ExecContext(ctx, b.String()); err != nil {
			t.Fatal(err)
		}
	}
	a := app.New(app.Config{Store: s})
	set := crm.SendingSettings{
		Relays: []crm.SMTPRelay{{Host: "127.0.0.1", Port: port, Security: "none", Weight: 1, MaxConns: 8, PerConn: 10000}},
		Domain: "example.jp", FromAddress: "news@example.jp", FromName: "障害試験",
		Compliance: crm.Compliance{SenderName: "株式会社サンプル", PostalAddress: "東京都千代田区1-1", ContactEmail: "info@example.jp"},
	}
	list := crm.Segment{Name: "fault", Kind: crm.SegmentStatic}
	b := crm.Broadcast{Name: "fault", Status: crm.BroadcastDraft, Subject: "{{family_name}}様", HTML: "<p>{{given_name}}</p>", ABMetric: "opens"}
	err := s.InTx(ctx, func(tx *store.Tx) error {
		if _, err := tx.PutSetting(ctx, app.SendingSettingsKey, set, 0, now); err != nil {
			return err
		}
		if err := tx.CreateSegment(ctx, &list, now); err != nil {
			return err
		}
		b.IncludeIDs = []int64{list.ID}
		return tx.CreateBroadcast(ctx, &b, now)
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.DB().ExecContext(ctx, "INSERT INTO segment_members (segment_id, contact_id, added_at) SELECT $1, id, $2 FROM contacts",
		list.ID, now.UnixMilli()); err != nil {
		t.Fatal(err)
	}
	got, err := a.QueueBroadcast(ctx, b, nil)
	if err != nil || got != n {
		t.Fatalf("queued %d, %v; want %d", got, err, n)
	}
	err = s.InTx(ctx, func(tx *store.Tx) error {
		return tx.SetBroadcastStatus(ctx, b.ID, []crm.BroadcastStatus{crm.BroadcastDraft}, crm.BroadcastSending, now)
	})
	if err != nil {
		t.Fatal(err)
	}
	return b.ID
}
