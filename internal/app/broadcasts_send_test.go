package app

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-msgauth/dkim"
	"github.com/emersion/go-smtp"

	"renkei/internal/crm"
	"renkei/internal/jobs"
	"renkei/internal/mail/mailtest"
	"renkei/internal/mailtoken"
	"renkei/internal/sender"
	"renkei/internal/store"
)

// sendFixture is a workspace with sending set up against an in-process
// SMTP server, n consented contacts in a static list, and the job runner
// and the sending engine running.
type sendFixture struct {
	*fixture
	smtp   *mailtest.Server
	list   crm.Segment
	emails []string
	ids    []int64
	engine *Engine
	dkim   string // the TXT record
}

func newSendFixture(t *testing.T, n int, mod func(*crm.SendingSettings)) *sendFixture {
	t.Helper()
	f := &sendFixture{fixture: newFixture(t, crm.LangJA), smtp: mailtest.Start(t)}
	a := f.app
	port := f.smtp.Server().Port
	s := crm.SendingSettings{
		Relays: []crm.SMTPRelay{{Name: "local", Host: "127.0.0.1", Port: port, Security: "none", MaxConns: 4}},
		Domain: "example.jp", FromAddress: "news@example.jp", FromName: "連携ニュース", DKIMSelector: "renkei",
		Compliance: crm.Compliance{SenderName: "株式会社サンプル", PostalAddress: "東京都千代田区丸の内1-1-1", ContactEmail: "info@example.jp"},
	}
	if mod != nil {
		mod(&s)
	}
	if _, err := a.UpdateSendingSettings(ctx, f.owner, SendingUpdate{Settings: s, GenerateDKIM: true}); err != nil {
		t.Fatal(err)
	}
	view, err := a.SendingSettings(ctx, f.owner)
	if err != nil || view.DKIMRecord == "" || view.DKIMName != "renkei._domainkey.example.jp" {
		t.Fatalf("settings view: %+v %v", view, err)
	}
	f.dkim = view.DKIMRecord
	list, err := a.CreateSegment(ctx, f.owner, crm.Segment{Name: "ニュースレター", Kind: crm.SegmentStatic})
	if err != nil {
		t.Fatal(err)
	}
	f.list = list
	for i := range n {
		email := fmt.Sprintf("p%03d@example.com", i)
		c, err := a.CreateContact(ctx, f.owner, ContactInput{Contact: crm.Contact{Email: email,
			PersonName: crm.PersonName{Family: "山田", Given: fmt.Sprintf("太郎%d", i)}, OwnerID: f.owner.User.ID}, CompanyName: "山田商事"})
		if err != nil {
			t.Fatal(err)
		}
		f.emails, f.ids = append(f.emails, email), append(f.ids, c.ID)
	}
	// Consent as a form's opt-in records it (the consent code is tested elsewhere).
	if _, err := a.Store.DB().ExecContext(ctx, "UPDATE contacts SET consent = 'granted'"); err != nil {
		t.Fatal(err)
	}
	if n > 0 {
		if _, err := a.AddToList(ctx, f.owner, list.ID, f.ids); err != nil {
			t.Fatal(err)
		}
	}
	return f
}

// run starts the job runner and the engine until the test ends.
func (f *sendFixture) run(t *testing.T, tune func(*Engine)) {
	t.Helper()
	rctx, cancel := context.WithCancel(context.Background())
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	r := jobs.NewRunner(f.app.Store, f.app.JobHandlers(), f.clock.Now, log)
	f.app.Wake = r.Wake
	f.app.Log = log
	f.engine = f.app.NewEngine()
	f.engine.Poll = 50 * time.Millisecond
	if tune != nil {
		tune(f.engine)
	}
	done := make(chan struct{}, 2)
	go func() { r.Run(rctx); done <- struct{}{} }()
	go func() { f.engine.Run(rctx); done <- struct{}{} }()
	t.Cleanup(func() { cancel(); <-done; <-done })
}

func (f *sendFixture) broadcast(t *testing.T, mod func(*crm.Broadcast)) crm.Broadcast {
	t.Helper()
	b := crm.Broadcast{Name: "4月のご案内", IncludeIDs: []int64{f.list.ID},
		Subject: "{{family_name}}様、新製品セミナーのご案内", Preheader: "東京・大阪で開催",
		HTML: `<html><body><p>{{company | "御社"}} {{family_name}} {{honorific}}</p>` +
			`<p><a href="https://example.jp/seminar?id=1&amp;x=y">お申し込み</a></p></body></html>`}
	if mod != nil {
		mod(&b)
	}
	b, err := f.app.CreateBroadcast(ctx, f.owner, b)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// waitStatus waits until the broadcast reaches a state.
func (f *sendFixture) waitStatus(t *testing.T, id int64, want crm.BroadcastStatus, within time.Duration) crm.Broadcast {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		b, err := f.app.Store.Broadcast(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if b.Status == want {
			return b
		}
		if time.Now().After(deadline) {
			p, _ := f.app.BroadcastProgress(ctx, f.owner, id)
			t.Fatalf("broadcast %d is %s after %s, want %s (progress %+v)", id, b.Status, within, want, p)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func msgStatus(t *testing.T, s *store.Store, bid int64, email string) (status string, attempts int) {
	t.Helper()
	if err := s.DB().QueryRowContext(ctx, "SELECT status, attempts FROM email_messages WHERE source_id = $1 AND email = $2",
		bid, email).Scan(&status, &attempts); err != nil {
		t.Fatalf("message to %s: %v", email, err)
	}
	return status, attempts
}

// TestBroadcastSends: a broadcast goes to every recipient once, through a
// real SMTP exchange; each message is well-formed, personalised, carries
// the footer and both unsubscribe headers, its links are signed click
// links, and its DKIM signature verifies and covers those headers.
func TestBroadcastSends(t *testing.T) {
	f := newSendFixture(t, 12, nil)
	f.run(t, nil)
	b := f.broadcast(t, nil)
	if _, err := f.app.StartBroadcast(ctx, f.owner, b.ID, time.Time{}); err != nil {
		t.Fatal(err)
	}
	f.waitStatus(t, b.ID, crm.BroadcastSent, 20*time.Second)
	p, err := f.app.BroadcastProgress(ctx, f.owner, b.ID)
	if err != nil || p.Sent != 12 || p.Queued != 0 || p.Percent != 100 {
		t.Fatalf("progress = %+v, %v", p, err)
	}
	secret, _ := f.app.MailSecret(ctx)
	lookup := func(domain string) ([]string, error) {
		if domain == "renkei._domainkey.example.jp" {
			return []string{f.dkim}, nil
		}
		return nil, errors.New("no record")
	}
	for i, email := range f.emails {
		if n := f.smtp.Count(email); n != 1 {
			t.Errorf("%s received %d messages", email, n)
		}
		m := f.smtp.WaitFor(t, email, time.Second)
		if want := "山田様、新製品セミナーのご案内"; m.Subject != want {
			t.Errorf("subject = %q", m.Subject)
		}
		if m.From != "news@example.jp" {
			t.Errorf("envelope from = %q", m.From)
		}
		if !strings.Contains(m.HTML, "山田商事 山田 様") || !strings.Contains(m.Text, "山田商事 山田 様") {
			t.Errorf("not personalised:\n%s\n%s", m.HTML, m.Text)
		}
		for _, part := range []string{m.HTML, m.Text} {
			for _, want := range []string{"株式会社サンプル", "東京都千代田区丸の内1-1-1", "info@example.jp", testBaseURL + "/e/u/", "配信停止"} {
				if !strings.Contains(part, want) {
					t.Errorf("%s: footer lacks %q", email, want)
				}
			}
		}
		if !strings.Contains(m.HTML, "東京・大阪で開催") {
			t.Error("no preheader")
		}
		lu := m.Header.Get("List-Unsubscribe")
		if !strings.HasPrefix(lu, "<"+testBaseURL+"/e/u/") || !strings.Contains(lu, "<mailto:unsubscribe@example.jp?subject=unsubscribe%20") {
			t.Errorf("List-Unsubscribe = %q", lu)
		}
		if m.Header.Get("List-Unsubscribe-Post") != "List-Unsubscribe=One-Click" {
			t.Error("no List-Unsubscribe-Post")
		}
		// The unsubscribe token names this recipient.
		tok := strings.TrimSuffix(strings.TrimPrefix(strings.SplitN(lu, ",", 2)[0], "<"+testBaseURL+"/e/u/"), ">")
		if _, cid, ok := mailtoken.Verify(secret, mailtoken.Unsubscribe, tok, ""); !ok || cid != f.ids[i] {
			t.Errorf("unsubscribe token names contact %d (ok %v), want %d", cid, ok, f.ids[i])
		}
		// The link is a signed click link bound to its target.
		link := mailtest.FindLink(m.HTML, testBaseURL+"/e/c/")
		u, err := url.Parse(strings.ReplaceAll(link, "&amp;", "&"))
		if err != nil || u.Query().Get("u") != "https://example.jp/seminar?id=1&x=y" {
			t.Fatalf("click link %q: %v", link, err)
		}
		if _, cid, ok := mailtoken.Verify(secret, mailtoken.Click, strings.TrimPrefix(u.Path, "/e/c/"), u.Query().Get("u")); !ok || cid != f.ids[i] {
			t.Errorf("click token does not verify for contact %d", f.ids[i])
		}
		if !strings.Contains(m.HTML, testBaseURL+"/e/o/") {
			t.Error("no open pixel")
		}
		vs, err := dkim.VerifyWithOptions(bytes.NewReader(m.Raw), &dkim.VerifyOptions{LookupTXT: lookup})
		if err != nil || len(vs) != 1 || vs[0].Err != nil {
			t.Fatalf("DKIM: %v %+v", err, vs)
		}
		h := strings.ToLower(":" + strings.Join(vs[0].HeaderKeys, ":") + ":")
		if !strings.Contains(h, ":list-unsubscribe:") || !strings.Contains(h, ":list-unsubscribe-post:") {
			t.Errorf("DKIM h= %s", h)
		}
	}
	// Sending again is impossible; the report adds up.
	if _, err := f.app.StartBroadcast(ctx, f.owner, b.ID, time.Time{}); !isField(err, "status") {
		t.Errorf("second start: %v", err)
	}
	r, err := f.app.BroadcastReport(ctx, f.owner, b.ID)
	if err != nil || r.Sent != 12 || r.Delivered != 12 {
		t.Errorf("report = %+v, %v", r, err)
	}
}

// TestBroadcastNeedsCompliance: without the sender name, postal address
// and contact address no broadcast starts, and nothing is queued.
func TestBroadcastNeedsCompliance(t *testing.T) {
	f := newSendFixture(t, 2, func(s *crm.SendingSettings) { s.Compliance.PostalAddress = "" })
	b := f.broadcast(t, nil)
	_, err := f.app.StartBroadcast(ctx, f.owner, b.ID, time.Time{})
	if !isField(err, "compliance.postal_address") {
		t.Fatalf("start without postal address: %v", err)
	}
	if n := count(t, f.app.Store, "SELECT COUNT(*) FROM email_messages"); n != 0 {
		t.Errorf("%d messages queued", n)
	}
	if n := count(t, f.app.Store, "SELECT COUNT(*) FROM jobs WHERE kind = $1", JobBroadcastQueue); n != 0 {
		t.Errorf("%d queue jobs", n)
	}
	b, _ = f.app.Store.Broadcast(ctx, b.ID)
	if b.Status != crm.BroadcastDraft {
		t.Errorf("status = %s", b.Status)
	}
}

// TestBroadcastValidation: bad input gets a message per field and saves nothing.
func TestBroadcastValidation(t *testing.T) {
	f := newSendFixture(t, 0, nil)
	_, err := f.app.CreateBroadcast(ctx, f.owner, crm.Broadcast{Name: "", Subject: "a\r\nBcc: x@example.com",
		FromName: "x\nBcc: y", HTML: "{{#if secret}}{{env.PATH}}{{/if}}", IncludeIDs: []int64{999}})
	v, ok := crm.AsValidation(err)
	if !ok {
		t.Fatalf("err = %v", err)
	}
	for _, field := range []string{"name", "subject", "from_name", "html", "include_ids"} {
		if v.Fields[field] == "" {
			t.Errorf("no message for %s: %v", field, v.Fields)
		}
	}
	if n := count(t, f.app.Store, "SELECT COUNT(*) FROM broadcasts"); n != 0 {
		t.Errorf("%d broadcasts saved", n)
	}
	// A viewer may not create one.
	viewer := f.addUser(t, "viewer@example.jp", crm.RoleViewer)
	if _, err := f.app.CreateBroadcast(ctx, viewer, crm.Broadcast{Name: "x"}); !errors.Is(err, crm.ErrForbidden) {
		t.Errorf("viewer: %v", err)
	}
}

// TestSMTPAnswers: 550 to RCPT bounces and suppresses the address; 451
// and 421 are retried later (421 on a new connection); a timeout after
// DATA is retried; the other recipients are not held up.
func TestSMTPAnswers(t *testing.T) {
	f := newSendFixture(t, 8, nil)
	bounce, busy, closing, slow := f.emails[1], f.emails[2], f.emails[3], f.emails[4]
	f.smtp.FailRcpt(func(to string) error {
		switch to {
		case bounce:
			return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such user"}
		case busy:
			return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "try later"}
		case closing:
			return &smtp.SMTPError{Code: 421, EnhancedCode: smtp.EnhancedCode{4, 3, 2}, Message: "closing"}
		}
		return nil
	})
	f.smtp.DelayData(func(to []string) time.Duration {
		if len(to) == 1 && to[0] == slow {
			return 1500 * time.Millisecond
		}
		return 0
	})
	f.run(t, func(e *Engine) { e.Timeouts.Data = 300 * time.Millisecond })
	b := f.broadcast(t, nil)
	if _, err := f.app.StartBroadcast(ctx, f.owner, b.ID, time.Time{}); err != nil {
		t.Fatal(err)
	}
	// Wait until every message has a first outcome.
	deadline := time.Now().Add(20 * time.Second)
	// (All rows first: a pending count of 0 before queueing means nothing.)
	for count(t, f.app.Store, "SELECT COUNT(*) FROM email_messages") < 8 ||
		count(t, f.app.Store, "SELECT COUNT(*) FROM email_messages WHERE attempts = 0 OR status = 'sending'") > 0 {
		if time.Now().After(deadline) {
			t.Fatal("messages still unsent")
		}
		time.Sleep(20 * time.Millisecond)
	}
	for _, tc := range []struct {
		email, status string
	}{{bounce, "bounced"}, {busy, "queued"}, {closing, "queued"}, {slow, "queued"}, {f.emails[0], "sent"}, {f.emails[7], "sent"}} {
		if st, n := msgStatus(t, f.app.Store, b.ID, tc.email); st != tc.status || n != 1 {
			t.Errorf("%s: status %s after %d attempts, want %s", tc.email, st, n, tc.status)
		}
	}
	if n := count(t, f.app.Store, "SELECT COUNT(*) FROM suppressions WHERE email_hash = $1", EmailHash(bounce)); n != 1 {
		t.Error("the hard bounce is not suppressed")
	}
	if n := count(t, f.app.Store, "SELECT COUNT(*) FROM email_events WHERE kind = 'bounce' AND source_id = $1", b.ID); n != 1 {
		t.Error("no bounce event")
	}
	if n := count(t, f.app.Store, "SELECT COUNT(*) FROM email_messages WHERE status = 'queued' AND next_at <= $1", f.clock.Now().UnixMilli()); n != 0 {
		t.Error("a retry is due at once; want backoff")
	}
	// After the backoff, with the server well again, the retries go out.
	f.smtp.FailRcpt(nil)
	f.smtp.DelayData(nil)
	f.clock.Add(time.Hour)
	f.engine.Wake()
	f.waitStatus(t, b.ID, crm.BroadcastSent, 20*time.Second)
	for _, e := range []string{busy, closing} {
		if st, n := msgStatus(t, f.app.Store, b.ID, e); st != "sent" || n != 2 || f.smtp.Count(e) != 1 {
			t.Errorf("%s: %s after %d attempts, %d received", e, st, n, f.smtp.Count(e))
		}
	}
	// The timeout after DATA is the one case that can duplicate: the
	// server had taken the first copy.
	if st, _ := msgStatus(t, f.app.Store, b.ID, slow); st != "sent" || f.smtp.Count(slow) != 2 {
		t.Errorf("slow: %s, %d received", st, f.smtp.Count(slow))
	}
	if f.smtp.Count(bounce) != 0 {
		t.Error("the bounced address received mail")
	}
}

// TestUnsubscribeDuringSend: a recipient who unsubscribes while a
// broadcast is going out gets none of the messages not yet claimed.
func TestUnsubscribeDuringSend(t *testing.T) {
	f := newSendFixture(t, 30, func(s *crm.SendingSettings) { s.PerSecond = 20 })
	f.run(t, func(e *Engine) { e.Batch = 4 }) // a claim holds a few messages, not the whole send
	b := f.broadcast(t, nil)
	if _, err := f.app.StartBroadcast(ctx, f.owner, b.ID, time.Time{}); err != nil {
		t.Fatal(err)
	}
	f.smtp.WaitFor(t, f.emails[0], 10*time.Second)
	last := f.emails[29]
	// What the unsubscribe endpoint writes: the suppression and the consent.
	err := f.app.Store.InTx(ctx, func(tx *store.Tx) error {
		return tx.Suppress(ctx, EmailHash(last), "unsubscribed", f.clock.Now())
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.app.Store.DB().ExecContext(ctx, "UPDATE contacts SET consent = 'withdrawn' WHERE id = $1", f.ids[29]); err != nil {
		t.Fatal(err)
	}
	f.waitStatus(t, b.ID, crm.BroadcastSent, 30*time.Second)
	if n := f.smtp.Count(last); n != 0 {
		t.Errorf("the unsubscribed recipient received %d messages", n)
	}
	if st, _ := msgStatus(t, f.app.Store, b.ID, last); st != "suppressed" {
		t.Errorf("status = %s", st)
	}
	if n := len(f.smtp.Messages()); n != 29 {
		t.Errorf("%d messages sent, want 29", n)
	}
}

// TestBroadcastPauseResumeCancel: paused messages wait, resume sends them,
// cancel stops the rest.
func TestBroadcastPauseResumeCancel(t *testing.T) {
	f := newSendFixture(t, 20, func(s *crm.SendingSettings) { s.PerSecond = 10 })
	f.run(t, func(e *Engine) { e.Batch = 4 })
	b := f.broadcast(t, nil)
	if _, err := f.app.StartBroadcast(ctx, f.owner, b.ID, time.Time{}); err != nil {
		t.Fatal(err)
	}
	f.smtp.WaitFor(t, f.emails[0], 10*time.Second)
	f.waitStatus(t, b.ID, crm.BroadcastSending, 5*time.Second)
	if err := f.app.PauseBroadcast(ctx, f.owner, b.ID); err != nil {
		t.Fatal(err)
	}
	time.Sleep(1500 * time.Millisecond) // the claimed batch drains
	n1 := len(f.smtp.Messages())
	time.Sleep(700 * time.Millisecond)
	if n2 := len(f.smtp.Messages()); n2 != n1 || n1 == 20 {
		t.Fatalf("paused broadcast went on: %d then %d", n1, n2)
	}
	if err := f.app.ResumeBroadcast(ctx, f.owner, b.ID); err != nil {
		t.Fatal(err)
	}
	f.waitStatus(t, b.ID, crm.BroadcastSent, 20*time.Second)
	if n := len(f.smtp.Messages()); n != 20 {
		t.Errorf("%d sent after resume", n)
	}
	if err := f.app.CancelBroadcast(ctx, f.owner, b.ID); !isField(err, "status") {
		t.Errorf("cancel a sent broadcast: %v", err)
	}
}

// TestBroadcastABTest: a share goes out as A and B; after the wait the
// subject with more unique opens goes to the rest.
func TestBroadcastABTest(t *testing.T) {
	f := newSendFixture(t, 40, nil)
	f.run(t, nil)
	b := f.broadcast(t, func(b *crm.Broadcast) {
		b.Subject, b.SubjectB, b.ABShare, b.ABWaitMin = "件名A", "件名B", 50, 60
	})
	if _, err := f.app.StartBroadcast(ctx, f.owner, b.ID, time.Time{}); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(15 * time.Second)
	for count(t, f.app.Store, "SELECT COUNT(*) FROM email_messages") < 40 ||
		count(t, f.app.Store, "SELECT COUNT(*) FROM email_messages WHERE status IN ('queued', 'sending')") > 0 {
		if time.Now().After(deadline) {
			t.Fatal("the test share is not sent")
		}
		time.Sleep(20 * time.Millisecond)
	}
	held := count(t, f.app.Store, "SELECT COUNT(*) FROM email_messages WHERE status = 'held'")
	na, nb := 0, 0
	for _, m := range f.smtp.Messages() {
		switch m.Subject {
		case "件名A":
			na++
		case "件名B":
			nb++
		}
	}
	if held == 0 || na == 0 || nb == 0 || na+nb+held != 40 {
		t.Fatalf("a=%d b=%d held=%d", na, nb, held)
	}
	// B's recipients open it.
	if _, err := f.app.Store.DB().ExecContext(ctx, `INSERT INTO email_events (message_id, contact_id, source_type, source_id, kind, at)
		SELECT id, contact_id, source_type, source_id, 'open', $1 FROM email_messages WHERE variant = 'b'`, f.clock.Now().UnixMilli()); err != nil {
		t.Fatal(err)
	}
	f.clock.Add(61 * time.Minute)
	f.engine.Wake()
	b = f.waitStatus(t, b.ID, crm.BroadcastSent, 20*time.Second)
	if b.Winner != "b" {
		t.Errorf("winner = %q", b.Winner)
	}
	nb2 := 0
	for _, m := range f.smtp.Messages() {
		if m.Subject == "件名B" {
			nb2++
		}
	}
	if len(f.smtp.Messages()) != 40 || nb2 != nb+held {
		t.Errorf("%d messages, %d with B (want %d)", len(f.smtp.Messages()), nb2, nb+held)
	}
}

// TestBroadcastExclusions: excluded segments, contacts without consent and
// suppressed addresses are not queued; a contact in two segments once.
func TestBroadcastExclusions(t *testing.T) {
	f := newSendFixture(t, 6, nil)
	a := f.app
	other, err := a.CreateSegment(ctx, f.owner, crm.Segment{Name: "除外", Kind: crm.SegmentStatic})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.AddToList(ctx, f.owner, other.ID, f.ids[:1]); err != nil {
		t.Fatal(err)
	}
	dup, _ := a.CreateSegment(ctx, f.owner, crm.Segment{Name: "重複", Kind: crm.SegmentStatic})
	if _, err := a.AddToList(ctx, f.owner, dup.ID, f.ids[1:3]); err != nil {
		t.Fatal(err)
	}
	a.Store.DB().ExecContext(ctx, "UPDATE contacts SET consent = 'unknown' WHERE id = $1", f.ids[3])
	a.Store.InTx(ctx, func(tx *store.Tx) error { return tx.Suppress(ctx, EmailHash(f.emails[4]), "complained", f.clock.Now()) })
	b := f.broadcast(t, func(b *crm.Broadcast) { b.IncludeIDs, b.ExcludeIDs = []int64{f.list.ID, dup.ID}, []int64{other.ID} })
	b.Status = crm.BroadcastQueueing
	n, err := a.QueueBroadcast(ctx, b, nil)
	if err != nil || n != 3 {
		t.Fatalf("queued %d, %v; want 3 (p001, p002, p005)", n, err)
	}
	// Queueing again adds nothing (a queueing job that died and re-ran).
	if n, err := a.QueueBroadcast(ctx, b, nil); err != nil || n != 0 {
		t.Errorf("re-queue: %d, %v", n, err)
	}
	got := count(t, a.Store, "SELECT COUNT(*) FROM email_messages WHERE email IN ($1, $2, $3)", f.emails[1], f.emails[2], f.emails[5])
	if got != 3 {
		t.Errorf("the right recipients were not queued (%d)", got)
	}
}

// TestSendingSettingsValidation: relays, addresses, the DKIM key and the
// compliance address are checked; secrets are kept and never shown.
func TestSendingSettingsValidation(t *testing.T) {
	f := newSendFixture(t, 0, func(s *crm.SendingSettings) { s.Relays[0].Username, s.Relays[0].Password = "u", "secret-pw" })
	a := f.app
	view, _ := a.SendingSettings(ctx, f.owner)
	if view.Settings.Relays[0].Password != "" || view.Settings.DKIMKey != "" || !view.HasKey {
		t.Fatalf("view leaks secrets: %+v", view)
	}
	// Saving the view back keeps the password and the key.
	if _, err := a.UpdateSendingSettings(ctx, f.owner, SendingUpdate{Settings: view.Settings, Version: view.Version}); err != nil {
		t.Fatal(err)
	}
	stored, _, _ := a.sending(ctx)
	if stored.Relays[0].Password != "secret-pw" || stored.DKIMKey == "" {
		t.Error("secrets lost on save")
	}
	bad := view.Settings
	bad.Relays = []crm.SMTPRelay{{Host: "a b", Port: 0, Security: "ssl", MaxConns: 99}}
	bad.FromAddress = "news@other.example"
	bad.Compliance.ContactEmail = "x\r\nBcc: y@example.com"
	_, err := a.UpdateSendingSettings(ctx, f.owner, SendingUpdate{Settings: bad, Version: view.Version + 1})
	v, ok := crm.AsValidation(err)
	if !ok {
		t.Fatalf("err = %v", err)
	}
	for _, k := range []string{"relays.0.host", "relays.0.port", "relays.0.security", "relays.0.max_conns", "from_address", "compliance.contact_email"} {
		if v.Fields[k] == "" {
			t.Errorf("no message for %s: %v", k, v.Fields)
		}
	}
	bad = view.Settings
	bad.DKIMKey = "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----"
	if _, err := a.UpdateSendingSettings(ctx, f.owner, SendingUpdate{Settings: bad, Version: view.Version + 1}); !isField(err, "dkim_key") {
		t.Errorf("bad key: %v", err)
	}
	mkt := f.addUser(t, "m@example.jp", crm.RoleMarketing)
	if _, err := a.SendingSettings(ctx, mkt); !errors.Is(err, crm.ErrForbidden) {
		t.Errorf("marketing reads the settings: %v", err)
	}
	if _, err := sender.ParseKey(stored.DKIMKey); err != nil {
		t.Error(err)
	}
}

// TestBroadcastFromTemplate: a broadcast that takes its content from a
// block template sends the template rendered for each recipient (the
// owner's signature included, its lines kept), the template's subject
// when the broadcast has none, and still the footer and tracked links.
func TestBroadcastFromTemplate(t *testing.T) {
	f := newSendFixture(t, 3, nil)
	f.run(t, nil)
	if err := f.app.SetSignature(ctx, f.owner, "営業部 田中\n03-0000-0000"); err != nil {
		t.Fatal(err)
	}
	tpl, err := f.app.CreateEmailTemplate(ctx, f.owner, crm.EmailTemplate{Name: "セミナー案内", Locale: crm.LangJA,
		Subject: "{{family_name}}様へセミナーのご案内", Editor: crm.EditorBlocks, Blocks: []crm.EmailBlock{
			{Type: crm.BlockHeading, Text: "新製品セミナー", Level: 1},
			{Type: crm.BlockText, Text: "{{company}} {{family_name}} {{honorific}}\n\n{{owner_signature}}"},
			{Type: crm.BlockButton, Label: "申し込む", URL: "https://example.jp/apply?who={{email}}"},
		}})
	if err != nil {
		t.Fatal(err)
	}
	// Without HTML or subject, the template is required.
	if _, err := f.app.CreateBroadcast(ctx, f.owner, crm.Broadcast{Name: "x", IncludeIDs: []int64{f.list.ID}}); !isField(err, "html") || !isField(err, "subject") {
		t.Fatalf("no content: %v", err)
	}
	if _, err := f.app.CreateBroadcast(ctx, f.owner, crm.Broadcast{Name: "x", IncludeIDs: []int64{f.list.ID}, TemplateID: tpl.ID + 1000}); !isField(err, "template_id") {
		t.Fatalf("unknown template: %v", err)
	}
	b := f.broadcast(t, func(b *crm.Broadcast) { b.Subject, b.Preheader, b.HTML, b.TemplateID = "", "", "", tpl.ID })
	if _, err := f.app.StartBroadcast(ctx, f.owner, b.ID, time.Time{}); err != nil {
		t.Fatal(err)
	}
	f.waitStatus(t, b.ID, crm.BroadcastSent, 20*time.Second)
	for _, email := range f.emails {
		m := f.smtp.WaitFor(t, email, time.Second)
		if m.Subject != "山田様へセミナーのご案内" {
			t.Errorf("subject = %q", m.Subject)
		}
		for _, want := range []string{"新製品セミナー", "山田商事 山田 様", "営業部 田中<br>", "配信停止", testBaseURL + "/e/c/", testBaseURL + "/e/o/"} {
			if !strings.Contains(m.HTML, want) {
				t.Errorf("%s: HTML lacks %q", email, want)
			}
		}
		if !strings.Contains(m.Text, "営業部 田中\n03-0000-0000") || !strings.Contains(m.Text, "山田商事 山田 様") {
			t.Errorf("%s: text part:\n%s", email, m.Text)
		}
		// The button's URL carries the recipient's address, query-escaped,
		// inside the signed click link.
		link := mailtest.FindLink(m.HTML, testBaseURL+"/e/c/")
		u, err := url.Parse(strings.ReplaceAll(link, "&amp;", "&"))
		if err != nil || u.Query().Get("u") != "https://example.jp/apply?who="+url.QueryEscape(email) {
			t.Errorf("click link %q (%v)", link, err)
		}
	}
}
