package app

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"renkei/internal/crm"
)

// discardSink is an SMTP server that only counts messages.
type discardSink struct{ n atomic.Int64 }

func (d *discardSink) NewSession(*smtp.Conn) (smtp.Session, error) { return discardSession{d}, nil }

type discardSession struct{ d *discardSink }

func (x discardSession) Reset()                               {}
func (x discardSession) Logout() error                        { return nil }
func (x discardSession) Mail(string, *smtp.MailOptions) error { return nil }
func (x discardSession) Rcpt(string, *smtp.RcptOptions) error { return nil }
func (x discardSession) Data(r io.Reader) error {
	io.Copy(io.Discard, r)
	x.d.n.Add(1)
	return nil
}

// TestEngineThroughput sends RENKEI_SEND_BENCH messages in process to a
// discarding sink and prints the rate; for profiling the engine
// (go test -run EngineThroughput -cpuprofile). Skipped without the variable.
func TestEngineThroughput(t *testing.T) {
	n, _ := strconv.Atoi(os.Getenv("RENKEI_SEND_BENCH"))
	if n == 0 {
		t.Skip("set RENKEI_SEND_BENCH=5000 to run")
	}
	sk := &discardSink{}
	srv := smtp.NewServer(sk)
	srv.Domain = "sink"
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	go srv.Serve(ln)
	defer srv.Close()
	f := newSendFixture(t, 0, func(s *crm.SendingSettings) {
		s.Relays[0].Port = ln.Addr().(*net.TCPAddr).Port
		s.Relays[0].MaxConns = 8
		s.Relays[0].PerConn = 10000
	})
	a := f.app
	if os.Getenv("RENKEI_SEND_BENCH_DKIM") == "" { // E1: the relay signs
		view, _ := a.SendingSettings(ctx, f.owner)
		if _, err := a.UpdateSendingSettings(ctx, f.owner, SendingUpdate{Settings: view.Settings, Version: view.Version, RemoveDKIM: true}); err != nil {
			t.Fatal(err)
		}
	}
	db := a.Store.DB()
	now := f.clock.Now().UnixMilli()
	tx, _ := db.Begin()
	for i := range n {
		if _, err := tx.Exec(`INSERT INTO contacts (email, family_name, given_name, consent, created_at, updated_at) VALUES ($1, '山田', '太郎', 'granted', $2, $2)`,
			fmt.Sprintf("b%06d@example.com", i), now); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := tx.Exec(`INSERT INTO segment_members (segment_id, contact_id, added_at) SELECT $1, id, $2 FROM contacts`, f.list.ID, now); err != nil {
		t.Fatal(err)
	}
	tx.Commit()
	f.run(t, nil)
	f.app.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	b := f.broadcast(t, nil)
	start := time.Now()
	if _, err := a.StartBroadcast(context.Background(), f.owner, b.ID, time.Time{}); err != nil {
		t.Fatal(err)
	}
	for sk.n.Load() < int64(n) {
		if time.Since(start) > 5*time.Minute {
			t.Fatalf("%d of %d in 5 minutes", sk.n.Load(), n)
		}
		time.Sleep(5 * time.Millisecond)
	}
	el := time.Since(start)
	t.Logf("%d messages in %s: %.0f msg/s", n, el, float64(n)/el.Seconds())
}
