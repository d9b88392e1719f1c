package mail_test

import (
	"errors"
	"testing"
	"time"

	"renkei/internal/mail"
	"renkei/internal/mail/mailtest"
)

// TestMessageID: a given Message-ID is sent as it is (in angle brackets);
// one that could break the header or is not local@domain is refused before
// anything reaches the server; without one, a random one is made.
func TestMessageID(t *testing.T) {
	srv := mailtest.Start(t)
	for _, bad := range []string{"a\r\nBcc: victim@example.org", "<x@example.jp>", "no-at-sign", "two@at@example.jp",
		"sp ace@example.jp", "@example.jp", "x@", "日本@example.jp"} {
		err := mail.Send(ctx, srv.Server(), mail.Message{To: "victim@example.org", Subject: "s", Text: "t", MessageID: bad})
		var perm mail.PermanentError
		if !errors.As(err, &perm) {
			t.Errorf("MessageID %q: Send = %v, want a PermanentError", bad, err)
		}
	}
	if err := mail.Send(ctx, srv.Server(), mail.Message{To: "a@example.jp", Subject: "s", Text: "t", MessageID: "rk-act-7-abc@example.jp"}); err != nil {
		t.Fatal(err)
	}
	if err := mail.Send(ctx, srv.Server(), mail.Message{To: "b@example.jp", Subject: "s", Text: "t"}); err != nil {
		t.Fatal(err)
	}
	if got := srv.WaitFor(t, "a@example.jp", 5*time.Second).Header.Get("Message-Id"); got != "<rk-act-7-abc@example.jp>" {
		t.Errorf("Message-ID = %q", got)
	}
	if got := srv.WaitFor(t, "b@example.jp", 5*time.Second).Header.Get("Message-Id"); got == "" || got == "<rk-act-7-abc@example.jp>" {
		t.Errorf("random Message-ID = %q", got)
	}
	if n := srv.Count("victim@example.org"); n != 0 {
		t.Errorf("%d refused messages were delivered", n)
	}
}
