package mailtest_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"renkei/internal/mail"
	"renkei/internal/mail/mailtest"
)

func TestDeliversJapaneseMultipart(t *testing.T) {
	srv := mailtest.Start(t)
	m := mail.Message{To: "hanako@example.jp", ToName: "山田 花子", Subject: "【Renkei】ご案内", Text: "本文です https://crm.example/invite/abc", HTML: "<p>本文です</p>"}
	if err := mail.Send(context.Background(), srv.Server(), m); err != nil {
		t.Fatal(err)
	}
	got := srv.WaitFor(t, "hanako@example.jp", 5*time.Second)
	if got.Subject != m.Subject {
		t.Errorf("subject = %q, want %q", got.Subject, m.Subject)
	}
	if !strings.Contains(got.Text, "本文です") || !strings.Contains(got.HTML, "<p>本文です</p>") {
		t.Errorf("text %q html %q", got.Text, got.HTML)
	}
	if link := mailtest.FindLink(got.Text, "https://crm.example/invite/"); link != "https://crm.example/invite/abc" {
		t.Errorf("FindLink = %q", link)
	}
	if got.Header.Get("Message-ID") == "" {
		t.Error("no Message-ID")
	}
}
