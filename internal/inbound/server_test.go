package inbound

import (
	"context"
	"log/slog"
	"net/smtp"
	"strings"
	"testing"
	"time"

	gosmtp "github.com/emersion/go-smtp"

	"renkei/internal/app"
	"renkei/internal/crm"
	"renkei/internal/mailtoken"
	"renkei/internal/store"
	"renkei/internal/store/storetest"
)

var ctx = context.Background()

type env struct {
	a       *app.App
	srv     *Server
	owner   app.Actor
	contact crm.Contact
	sent    store.RecipientMessage
	queued  store.RecipientMessage
}

const msgID = "20260401.abc123@mail.example.jp"

func newEnv(t *testing.T) *env {
	t.Helper()
	now := time.Date(2026, 4, 1, 1, 0, 0, 0, time.UTC)
	a := app.New(app.Config{Store: storetest.Open(t), Clock: func() time.Time { return now }, Log: slog.New(slog.DiscardHandler)})
	tok, _, err := a.Setup(ctx, app.SetupInput{WorkspaceName: "株式会社サンプル", Language: "ja", Name: "Owner",
		Email: "owner@example.jp", Password: "correct horse battery"}, "192.0.2.1", "test")
	if err != nil {
		t.Fatal(err)
	}
	e := &env{a: a}
	if e.owner, err = a.Authenticate(ctx, tok, ""); err != nil {
		t.Fatal(err)
	}
	if e.contact, err = a.CreateContact(ctx, e.owner, app.ContactInput{Contact: crm.Contact{PersonName: crm.PersonName{Family: "山田"},
		Email: "hanako@example.co.jp", Consent: crm.ConsentGranted}}); err != nil {
		t.Fatal(err)
	}
	e.sent = store.RecipientMessage{SourceType: "broadcast", SourceID: 1, ContactID: e.contact.ID, Email: e.contact.Email, Status: "sent", MessageID: "<" + msgID + ">"}
	e.queued = store.RecipientMessage{SourceType: "broadcast", SourceID: 2, ContactID: e.contact.ID, Email: e.contact.Email}
	if err := a.Store.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.QueueTestMessage(ctx, &e.sent, now); err != nil {
			return err
		}
		return tx.QueueTestMessage(ctx, &e.queued, now)
	}); err != nil {
		t.Fatal(err)
	}
	if e.srv, err = Listen("127.0.0.1:0", Config{App: a, Domains: []string{"mail.example.jp"}, Log: slog.New(slog.DiscardHandler)}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.srv.Close() })
	return e
}

// send delivers one message over SMTP and returns the server's answer.
func (e *env) send(from string, to []string, msg string) error {
	return smtp.SendMail(e.srv.Addr(), nil, from, to, []byte(strings.ReplaceAll(msg, "\n", "\r\n")))
}

func (e *env) events(t *testing.T) []store.EmailEvent {
	t.Helper()
	es, err := e.a.Store.EmailEvents(ctx, e.contact.ID)
	if err != nil {
		t.Fatal(err)
	}
	return es
}

const dsn = `From: Mail Delivery System <MAILER-DAEMON@mx.example.co.jp>
To: bounce@mail.example.jp
Subject: Undelivered Mail Returned to Sender
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="B1"

--B1
Content-Type: text/plain; charset=us-ascii

The mail system could not deliver your message.

--B1
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.example.co.jp
Arrival-Date: Wed, 1 Apr 2026 10:00:00 +0900

Final-Recipient: rfc822; hanako@example.co.jp
Original-Recipient: rfc822;hanako@example.co.jp
Action: %ACTION%
Status: %STATUS%
Diagnostic-Code: smtp; %STATUS% user unknown

--B1
Content-Type: text/rfc822-headers

From: news@mail.example.jp
To: hanako@example.co.jp
Subject: =?UTF-8?B?44GU5qGI5YaF?=
Message-ID: <` + msgID + `>

--B1--
`

func TestDSNBounces(t *testing.T) {
	e := newEnv(t)
	soft := strings.NewReplacer("%ACTION%", "delayed", "%STATUS%", "4.2.2").Replace(dsn)
	if err := e.send("", []string{"bounce@mail.example.jp"}, soft); err != nil {
		t.Fatal(err)
	}
	es := e.events(t)
	if len(es) != 1 || es[0].Kind != "bounce" || !strings.HasPrefix(es[0].Detail, "soft:") || es[0].MessageID != e.sent.ID {
		t.Fatalf("after a delayed DSN: %+v", es)
	}
	hard := strings.NewReplacer("%ACTION%", "failed", "%STATUS%", "5.1.1").Replace(dsn)
	if err := e.send("", []string{"bounce@mail.example.jp"}, hard); err != nil {
		t.Fatal(err)
	}
	got, _ := e.a.Marketable(ctx, []int64{e.contact.ID}, "")
	if got[e.contact.ID] != app.NotMarketableSuppressed {
		t.Errorf("after a failed DSN: %v", got)
	}
	var m store.RecipientMessage
	e.a.Store.InTx(ctx, func(tx *store.Tx) (err error) { m, err = tx.RecipientMessage(ctx, e.sent.ID); return })
	if m.Status != "bounced" {
		t.Errorf("message status = %s", m.Status)
	}
}

func TestARFComplaint(t *testing.T) {
	e := newEnv(t)
	arf := `From: <feedback@isp.example>
To: <abuse@mail.example.jp>
Subject: FW: ご案内
MIME-Version: 1.0
Content-Type: multipart/report; report-type=feedback-report; boundary="part1"

--part1
Content-Type: text/plain; charset="US-ASCII"

This is an email abuse report.

--part1
Content-Type: message/feedback-report

Feedback-Type: abuse
User-Agent: SomeGenerator/1.0
Version: 1
Original-Rcpt-To: <hanako@example.co.jp>

--part1
Content-Type: message/rfc822

From: <news@mail.example.jp>
To: <hanako@example.co.jp>
Subject: ご案内
Message-ID: <` + msgID + `>

Body
--part1--
`
	if err := e.send("feedback@isp.example", []string{"abuse@mail.example.jp"}, arf); err != nil {
		t.Fatal(err)
	}
	c, _ := e.a.Store.Contact(ctx, e.contact.ID)
	if c.Consent != crm.ConsentWithdrawn {
		t.Errorf("consent after a complaint = %s", c.Consent)
	}
	if es := e.events(t); len(es) != 1 || es[0].Kind != "complaint" {
		t.Errorf("events = %+v", es)
	}
}

func TestMailtoUnsubscribe(t *testing.T) {
	e := newEnv(t)
	secret, _ := e.a.MailSecret(ctx)
	bad := mailtoken.Sign(secret, mailtoken.Open, e.sent.ID, e.contact.ID, "")
	msg := "From: hanako@example.co.jp\nTo: unsubscribe@mail.example.jp\nSubject: unsubscribe %s\n\n\n"
	if err := e.send("hanako@example.co.jp", []string{"unsubscribe@mail.example.jp"}, strings.Replace(msg, "%s", bad, 1)); err != nil {
		t.Fatal(err)
	}
	if c, _ := e.a.Store.Contact(ctx, e.contact.ID); c.Consent != crm.ConsentGranted {
		t.Fatal("an open token unsubscribed by mail")
	}
	good := mailtoken.Sign(secret, mailtoken.Unsubscribe, e.sent.ID, e.contact.ID, "")
	if err := e.send("hanako@example.co.jp", []string{"unsubscribe@mail.example.jp"}, strings.Replace(msg, "%s", good, 1)); err != nil {
		t.Fatal(err)
	}
	if c, _ := e.a.Store.Contact(ctx, e.contact.ID); c.Consent != crm.ConsentWithdrawn {
		t.Errorf("consent = %s", c.Consent)
	}
	if es := e.events(t); len(es) != 1 || es[0].Kind != "unsubscribe" || es[0].Detail != app.UnsubscribeMailto {
		t.Errorf("events = %+v", es)
	}
}

func TestReply(t *testing.T) {
	e := newEnv(t)
	msg := `From: =?UTF-8?B?5bGx55Sw?= <hanako@example.co.jp>
To: news@mail.example.jp
Subject: =?UTF-8?B?UmU6IOOBlOahiOWGhQ==?=
In-Reply-To: <` + msgID + `>
References: <older@elsewhere.example> <` + msgID + `>

資料をお願いします。
`
	if err := e.send("hanako@example.co.jp", []string{"news@mail.example.jp"}, msg); err != nil {
		t.Fatal(err)
	}
	es := e.events(t)
	if len(es) != 1 || es[0].Kind != "reply" || es[0].Detail != "hanako@example.co.jp" {
		t.Fatalf("events = %+v", es)
	}
	tl, _ := e.a.Store.Timeline(ctx, store.TimelineFilter{ContactID: e.contact.ID, Limit: 10})
	if len(tl) == 0 || tl[0].Kind != app.KindEmailReplied || tl[0].Data["subject"] != "Re: ご案内" {
		t.Errorf("timeline = %+v", tl)
	}
	// A message that names nothing of ours is accepted and dropped.
	if err := e.send("x@example.org", []string{"news@mail.example.jp"}, "From: x@example.org\nSubject: hi\nIn-Reply-To: <nope@x>\n\nhi\n"); err != nil {
		t.Fatal(err)
	}
	if es := e.events(t); len(es) != 1 {
		t.Errorf("events after an unrelated mail = %d", len(es))
	}
}

func TestNoOpenRelayAndLimits(t *testing.T) {
	e := newEnv(t)
	for _, to := range []string{"victim@example.org", "someone@mail.example.jp.evil.example", "a%victim@example.org@mail.example.jp", "no-at-sign"} {
		err := e.send("spammer@example.org", []string{to}, "Subject: hi\n\nbuy\n")
		if err == nil || !strings.Contains(err.Error(), " \"5.") && !strings.HasPrefix(err.Error(), "5") {
			t.Errorf("relay to %q: %v, want a 5xx refusal", to, err)
		}
	}
	big := "Subject: big\n\n" + strings.Repeat("x", MaxMessageBytes+10) + "\n"
	// go-smtp answers 552 and may close the connection while the client
	// is still writing: either way the message is refused.
	if err := e.send("a@example.org", []string{"news@mail.example.jp"}, big); err == nil {
		t.Error("an oversized message was accepted")
	}
	// Too many recipients.
	c, err := gosmtp.Dial(e.srv.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Mail("a@example.org", nil); err != nil {
		t.Fatal(err)
	}
	var refused bool
	for i := range MaxRecipients + 2 {
		if err := c.Rcpt("r"+string(rune('a'+i))+"@mail.example.jp", nil); err != nil {
			refused = true
		}
	}
	if !refused {
		t.Error("more than MaxRecipients recipients accepted")
	}
}
