package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/emersion/go-smtp"

	"renkei/internal/app"
	"renkei/internal/crm"
	"renkei/internal/sender"
	"renkei/internal/store"
)

// Rows E1, E2 and E4 send a broadcast through `renkei serve` to an SMTP
// sink in the bench process. E1: 100,000 recipients (a static list of the
// dataset's contacts), 4–5 KB personalised messages, DKIM off; E2 the same
// with RSA-2048 DKIM; E4 a throttle of 100 msg/s, measured at the sink.

const (
	e1Recipients = 100_000
	e4Rate       = 100
)

func rowsE1E2E4(quick bool, d *searchData) []Row {
	// E2 signs every message (about 1 ms of CPU each), so it sends 20,000,
	// quick or full: its target is a rate, steady after a few seconds, and
	// 100,000 signed messages three times per database took 13 of the full
	// run's 60 minutes.
	e4n, e2n := 1000, 20_000
	if quick {
		e4n = 500
	}
	same := func(v float64) map[string]float64 { return map[string]float64{"sqlite": v, "postgres": v} }
	note := "E1/E2 send one broadcast to a static list of 100,000 contacts of the dataset of F2/F3 (consent set to granted) " +
		"through `renkei serve` (16 persistent connections) to an SMTP sink in the bench process, which also takes CPU; msg/s = " +
		"recipients ÷ (last message at the sink − the start request), so queueing is included; first message = start request → " +
		"first message at the sink; peak RSS = the server's VmHWM"
	return []Row{
		{
			ID: "E1", Workload: "broadcast to 100,000 recipients through a local SMTP sink, 4–5 KB personalised messages, DKIM off",
			Data: sizeData(quick, "M"), Note: note,
			Metrics: []Metric{
				{Name: "msg/s", Unit: "msg/s", Better: Higher, Target: map[string]float64{"sqlite": 10000, "postgres": 8000}},
				{Name: "first message", Unit: "ms", Better: Lower, Target: same(1000)},
				{Name: "peak RSS", Unit: "MB", Better: Lower, Target: same(200)},
				{Name: "message size", Unit: "KB", Better: Lower},
			},
			Measure: func(ctx context.Context, env *Env) (map[string]float64, error) {
				return d.measureSend(ctx, env, "E1", e1Recipients, false, 0)
			},
		},
		{
			ID: "E2", Workload: "the same with RSA-2048 DKIM signing", Data: sizeData(quick, "M"),
			Note: fmt.Sprintf("E2 sends to %d recipients, otherwise as E1", e2n),
			Metrics: []Metric{
				{Name: "msg/s", Unit: "msg/s", Better: Higher, Target: same(700)},
				{Name: "peak RSS", Unit: "MB", Better: Lower},
			},
			Measure: func(ctx context.Context, env *Env) (map[string]float64, error) {
				return d.measureSend(ctx, env, "E2", e2n, true, 0)
			},
		},
		{
			ID: "E4", Workload: "throttle set to 100 msg/s", Data: sizeData(quick, "M"),
			Note: fmt.Sprintf("E4 sends %d messages with the workspace throttle at %d msg/s; rate = (messages − 1) ÷ (last − first arrival at the sink)", e4n, e4Rate),
			Metrics: []Metric{
				{Name: "rate", Unit: "msg/s", Better: Lower},
				{Name: "error", Unit: "%", Better: Lower, Target: same(5)},
			},
			Measure: func(ctx context.Context, env *Env) (map[string]float64, error) {
				return d.measureSend(ctx, env, "E4", e4n, false, e4Rate)
			},
		},
	}
}

// sink is an SMTP server that counts what it receives.
type sink struct {
	srv         *smtp.Server
	addr        *net.TCPAddr
	n, bytes    atomic.Int64
	mu          sync.Mutex
	first, last time.Time
}

func startSink() (*sink, error) {
	s := &sink{}
	s.srv = smtp.NewServer(sinkBackend{s})
	s.srv.Domain = "sink.local"
	s.srv.MaxMessageBytes = 1 << 20
	s.srv.ReadTimeout, s.srv.WriteTimeout = time.Minute, time.Minute
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s.addr = ln.Addr().(*net.TCPAddr)
	go s.srv.Serve(ln)
	return s, nil
}

type sinkBackend struct{ s *sink }

func (b sinkBackend) NewSession(*smtp.Conn) (smtp.Session, error) { return sinkSession{b.s}, nil }

type sinkSession struct{ s *sink }

func (x sinkSession) Reset()                               {}
func (x sinkSession) Logout() error                        { return nil }
func (x sinkSession) Mail(string, *smtp.MailOptions) error { return nil }
func (x sinkSession) Rcpt(string, *smtp.RcptOptions) error { return nil }
func (x sinkSession) Data(r io.Reader) error {
	n, err := io.Copy(io.Discard, r)
	if err != nil {
		return err
	}
	now := time.Now()
	x.s.mu.Lock()
	if x.s.first.IsZero() {
		x.s.first = now
	}
	x.s.last = now
	x.s.mu.Unlock()
	x.s.bytes.Add(n)
	x.s.n.Add(1)
	return nil
}

// benchHTML is a newsletter of about 2.5 KB with merge fields: with the
// text part, the footer and base64, a message is 4–5 KB.
var benchHTML = `<html><body><div style="font-family:sans-serif;max-width:600px">
<p>{{company | "御社"}}<br>{{family_name}} {{given_name}} {{honorific}}</p>
<p>いつもお世話になっております。{{workspace_name}}の{{owner_name | "営業部"}}です。</p>` +
	strings.Repeat(`<p>このたび、営業とマーケティングの連携を強化する新しい機能を公開いたしました。見込み客の行動履歴とスコアにもとづいて、`+
		`最適なタイミングでご案内を差し上げることができます。導入事例やご利用料金の詳細は、下記のページをご覧ください。</p>
`, 2) + `<p><a href="https://example.jp/seminar?utm_source=mail">セミナーのお申し込み</a> ・ <a href="https://example.jp/pricing">料金</a></p>
<p>今後ともよろしくお願い申し上げます。</p></div></body></html>`

// measureSend prepares the recipients and the settings in the database,
// starts the server, starts the broadcast and watches the sink.
func (d *searchData) measureSend(ctx context.Context, env *Env, row string, n int, dkim bool, rate int) (map[string]float64, error) {
	if err := d.prepare(ctx, env); err != nil {
		return nil, err
	}
	sk, err := startSink()
	if err != nil {
		return nil, err
	}
	defer sk.srv.Close()
	id, got, err := seedBroadcast(ctx, d.db, row, n, sk.addr.Port, dkim, rate)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(env.Log, "    %s: %d recipients queued for broadcast %d\n", row, got, id)
	srv, err := env.StartServer(ctx, d.db, 60*time.Second)
	if err != nil {
		return nil, err
	}
	defer srv.Stop()
	c := &apiClient{base: srv.URL, token: d.token, http: &http.Client{Timeout: 60 * time.Second}}
	start := time.Now()
	if err := c.do(ctx, http.MethodPost, fmt.Sprintf("/api/v1/broadcasts/%d/start", id), nil, http.StatusOK, nil); err != nil {
		return nil, err
	}
	deadline := start.Add(10 * time.Minute)
	for sk.n.Load() < int64(got) {
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("%d of %d messages arrived in 10 minutes", sk.n.Load(), got)
		}
		time.Sleep(5 * time.Millisecond)
	}
	mem, err := ReadMem(srv.PID())
	if err != nil {
		return nil, err
	}
	sk.mu.Lock()
	first, last := sk.first, sk.last
	sk.mu.Unlock()
	total := sk.n.Load()
	res := map[string]float64{"peak RSS": float64(mem.Peak) / mb}
	if rate > 0 {
		r := float64(total-1) / last.Sub(first).Seconds()
		res["rate"] = r
		res["error"] = 100 * abs(r-float64(rate)) / float64(rate)
	} else {
		res["msg/s"] = float64(total) / last.Sub(start).Seconds()
		res["first message"] = float64(first.Sub(start).Microseconds()) / 1000
		res["message size"] = float64(sk.bytes.Load()) / float64(total) / 1000
	}
	fmt.Fprintf(env.Log, "    %s: %d messages, first after %s, last after %s, %.0f bytes each, peak RSS %.0f MB\n", row, total,
		first.Sub(start).Round(time.Millisecond), last.Sub(start).Round(time.Millisecond), float64(sk.bytes.Load())/float64(total), res["peak RSS"])
	return res, nil
}

func abs(f float64) float64 {
	if f < 0 {
		return -f
	}
	return f
}

// seedBroadcast writes, with the server stopped: consent for the first n
// contacts with an e-mail, a static list of them, the sending settings
// pointing at the sink and a draft broadcast. It returns the broadcast
// and the list's size.
func seedBroadcast(ctx context.Context, db *Database, row string, n, port int, dkim bool, rate int) (int64, int, error) {
	st, err := openInProcess(ctx, db)
	if err != nil {
		return 0, 0, err
	}
	defer st.Close()
	now := time.Now().UTC()
	sel := fmt.Sprintf("SELECT id FROM contacts WHERE email IS NOT NULL ORDER BY id LIMIT %d", n)
	if _, err := st.DB().ExecContext(ctx, "UPDATE contacts SET consent = 'granted' WHERE id IN ("+sel+")"); err != nil {
		return 0, 0, err
	}
	if _, err := st.DB().ExecContext(ctx, "DELETE FROM suppressions"); err != nil {
		return 0, 0, err
	}
	s := crm.SendingSettings{
		Relays: []crm.SMTPRelay{{Name: "sink", Host: "127.0.0.1", Port: port, Security: "none", Weight: 1, MaxConns: 16, PerConn: 10000}},
		Domain: "bench.example.jp", FromAddress: "news@bench.example.jp", FromName: "Renkei ベンチ", DKIMSelector: "renkei",
		Compliance: crm.Compliance{SenderName: "株式会社ベンチ", PostalAddress: "東京都千代田区丸の内1-1-1", ContactEmail: "info@bench.example.jp"},
		PerSecond:  rate,
	}
	if dkim {
		if s.DKIMKey, err = sender.GenerateKey(); err != nil {
			return 0, 0, err
		}
	}
	var list crm.Segment
	var b crm.Broadcast
	err = st.InTx(ctx, func(tx *store.Tx) error {
		var cur json.RawMessage
		ver, err := st.Setting(ctx, app.SendingSettingsKey, &cur)
		if err != nil && err != crm.ErrNotFound {
			return err
		}
		if _, err := tx.PutSetting(ctx, app.SendingSettingsKey, s, ver, now); err != nil {
			return err
		}
		list = crm.Segment{Name: fmt.Sprintf("%s bench %d", row, now.UnixNano()), Kind: crm.SegmentStatic}
		if err := tx.CreateSegment(ctx, &list, now); err != nil {
			return err
		}
		b = crm.Broadcast{Name: row + " bench", Status: crm.BroadcastDraft, IncludeIDs: []int64{list.ID},
			Subject: "{{family_name}}様、新機能のご案内", Preheader: "営業とマーケティングをつなぐ", HTML: benchHTML, ABMetric: "opens"}
		return tx.CreateBroadcast(ctx, &b, now)
	})
	if err != nil {
		return 0, 0, err
	}
	res, err := st.DB().ExecContext(ctx, "INSERT INTO segment_members (segment_id, contact_id, added_at) SELECT $1, id, $2 FROM ("+sel+") x",
		list.ID, now.UnixMilli())
	if err != nil {
		return 0, 0, err
	}
	got, _ := res.RowsAffected()
	return b.ID, int(got), nil
}
