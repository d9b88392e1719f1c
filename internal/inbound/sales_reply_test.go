package inbound

import (
	"context"
	"fmt"
	"log/slog"
	"mime"
	"strings"
	"testing"
	"time"

	"renkei/internal/app"
	"renkei/internal/jobs"
	"renkei/internal/mail/mailtest"
	"renkei/internal/store"
)

// TestReplyToSalesEmail: a salesperson's e-mail sent from Renkei (the
// contact page's "send e-mail") carries a Message-ID that names its
// activity; a reply quoting it, redirected to the listener, is logged on
// the contact's timeline (issue 8 §6). A Message-ID of the same shape
// naming another activity (its signature does not fit) is accepted and
// dropped.
func TestReplyToSalesEmail(t *testing.T) {
	e := newEnv(t)
	sink := mailtest.Start(t)
	if _, err := e.a.UpdateSMTP(ctx, e.owner, sink.Server(), 0); err != nil {
		t.Fatal(err)
	}
	act, err := e.a.SendEmail(ctx, e.owner, app.EmailInput{ContactID: e.contact.ID, Subject: "お見積りの件",
		Body: "山田様\n\nお見積りをお送りします。"})
	if err != nil {
		t.Fatal(err)
	}
	rctx, cancel := context.WithCancel(context.Background())
	r := jobs.NewRunner(e.a.Store, e.a.JobHandlers(), e.a.Clock, slog.New(slog.DiscardHandler))
	done := make(chan struct{})
	go func() { r.Run(rctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	sent := sink.WaitFor(t, "hanako@example.co.jp", 30*time.Second)
	mid := sent.Header.Get("Message-Id")
	prefix := fmt.Sprintf("<rk-act-%d-", act.ID)
	if !strings.HasPrefix(mid, prefix) || !strings.HasSuffix(mid, "@example.test>") {
		t.Fatalf("Message-ID of the sales e-mail = %q, want %s…@example.test>", mid, prefix)
	}
	reply := func(ref string) string {
		return "From: " + mime.BEncoding.Encode("UTF-8", "山田") + " <hanako@example.co.jp>\n" +
			"To: sales@mail.example.jp\n" +
			"Subject: " + mime.BEncoding.Encode("UTF-8", "Re: お見積りの件") + "\n" +
			"In-Reply-To: " + ref + "\nReferences: " + ref + "\n\nありがとうございます。検討します。\n"
	}
	replies := func() []store.TimelineEntry {
		t.Helper()
		tl, err := e.a.Store.Timeline(ctx, store.TimelineFilter{ContactID: e.contact.ID, Limit: 50})
		if err != nil {
			t.Fatal(err)
		}
		var out []store.TimelineEntry
		for _, x := range tl {
			if x.Kind == app.KindEmailReplied {
				out = append(out, x)
			}
		}
		return out
	}
	forged := strings.Replace(mid, prefix, fmt.Sprintf("<rk-act-%d-", act.ID+1), 1)
	if err := e.send("hanako@example.co.jp", []string{"sales@mail.example.jp"}, reply(forged)); err != nil {
		t.Fatal(err)
	}
	if got := replies(); len(got) != 0 {
		t.Fatalf("a reply to a forged Message-ID was logged: %+v", got)
	}
	if err := e.send("hanako@example.co.jp", []string{"sales@mail.example.jp"}, reply(mid)); err != nil {
		t.Fatal(err)
	}
	got := replies()
	if len(got) != 1 || got[0].Data["subject"] != "Re: お見積りの件" || got[0].Data["from"] != "hanako@example.co.jp" ||
		got[0].RefType != "activity" || got[0].RefID != act.ID {
		t.Fatalf("timeline replies = %+v", got)
	}
	if es := e.events(t); len(es) != 0 {
		t.Errorf("a sales reply wrote marketing e-mail events: %+v", es)
	}
}
