package mail_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	netmail "net/mail"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/emersion/go-smtp"

	"renkei/internal/mail"
	"renkei/internal/mail/mailtest"
)

var ctx = context.Background()

// part is one decoded body part.
type part struct {
	contentType string
	charset     string
	body        string
}

// parseRaw reads a delivered message with the standard library only, so
// the test does not trust mailtest's decoder: the headers, and the decoded
// text parts in order.
func parseRaw(t *testing.T, raw []byte) (netmail.Header, string, []part) {
	t.Helper()
	for i, line := range strings.Split(string(raw), "\r\n") {
		if len(line) > 998 {
			t.Errorf("line %d is %d bytes long", i+1, len(line))
		}
		if line == "" {
			break // end of the header: it must be ASCII
		}
		for _, r := range line {
			if r > 127 {
				t.Errorf("header line %d is not ASCII: %q", i+1, line)
				break
			}
		}
	}
	msg, err := netmail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("net/mail cannot read the message: %v\n%s", err, raw)
	}
	mt, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil {
		t.Fatalf("Content-Type %q: %v", msg.Header.Get("Content-Type"), err)
	}
	var parts []part
	if strings.HasPrefix(mt, "multipart/") {
		mr := multipart.NewReader(msg.Body, params["boundary"])
		for {
			p, err := mr.NextRawPart()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("multipart: %v", err)
			}
			parts = append(parts, decodePart(t, p.Header.Get("Content-Type"), p.Header.Get("Content-Transfer-Encoding"), p))
		}
	} else {
		parts = append(parts, decodePart(t, msg.Header.Get("Content-Type"), msg.Header.Get("Content-Transfer-Encoding"), msg.Body))
	}
	return msg.Header, mt, parts
}

func decodePart(t *testing.T, contentType, encoding string, r io.Reader) part {
	t.Helper()
	mt, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		t.Fatalf("part Content-Type %q: %v", contentType, err)
	}
	switch strings.ToLower(encoding) {
	case "quoted-printable":
		r = quotedprintable.NewReader(r)
	case "base64":
		r = base64.NewDecoder(base64.StdEncoding, r)
	case "", "7bit", "8bit":
	default:
		t.Fatalf("unexpected transfer encoding %q", encoding)
	}
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatalf("decode %s part: %v", mt, err)
	}
	if !utf8.Valid(b) {
		t.Errorf("%s part is not valid UTF-8", mt)
	}
	// A message ends with a line break; a body that did not is given one.
	body := strings.TrimSuffix(strings.ReplaceAll(string(b), "\r\n", "\n"), "\n")
	return part{contentType: mt, charset: strings.ToUpper(params["charset"]), body: body}
}

func TestJapaneseMessageIsWellFormed(t *testing.T) {
	srv := mailtest.Start(t)
	longSubject := "【Renkei】" + strings.Repeat("株式会社サンプルの営業部からのお知らせです。", 4)
	tests := []struct {
		name     string
		msg      mail.Message
		wantType string
		want     []part
	}{
		{"text only", mail.Message{To: "hanako@example.jp", ToName: "山田 花子", Subject: "【Renkei】パスワードの再設定",
			Text: "山田 花子 様\n\n次のリンクから設定してください。\nhttps://crm.example.jp/reset/abc\n"},
			"text/plain", []part{{"text/plain", "UTF-8", "山田 花子 様\n\n次のリンクから設定してください。\nhttps://crm.example.jp/reset/abc"}}},
		{"text and HTML", mail.Message{To: "taro@example.jp", Subject: longSubject, Text: "本文です。", HTML: "<p>本文です。</p>"},
			"multipart/alternative", []part{{"text/plain", "UTF-8", "本文です。"}, {"text/html", "UTF-8", "<p>本文です。</p>"}}},
		{"long lines", mail.Message{To: "long@example.jp", Subject: "長い行", Text: strings.Repeat("あ", 2000)},
			"text/plain", []part{{"text/plain", "UTF-8", strings.Repeat("あ", 2000)}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := mail.Send(ctx, srv.Server(), tt.msg); err != nil {
				t.Fatalf("Send: %v", err)
			}
			got := srv.WaitFor(t, tt.msg.To, 5*time.Second)
			h, mt, parts := parseRaw(t, got.Raw)
			dec := new(mime.WordDecoder)
			subject, err := dec.DecodeHeader(h.Get("Subject"))
			if err != nil || subject != tt.msg.Subject {
				t.Errorf("subject = %q (%v), want %q; raw %q", subject, err, tt.msg.Subject, h.Get("Subject"))
			}
			to, err := h.AddressList("To")
			if err != nil || len(to) != 1 || to[0].Address != tt.msg.To || to[0].Name != tt.msg.ToName {
				t.Errorf("To = %v (%v), raw %q", to, err, h.Get("To"))
			}
			from, err := h.AddressList("From")
			if err != nil || len(from) != 1 || from[0].Address != "renkei@example.test" || from[0].Name != "Renkei" {
				t.Errorf("From = %v (%v)", from, err)
			}
			if _, err := h.Date(); err != nil {
				t.Errorf("Date: %v", err)
			}
			if id := h.Get("Message-Id"); !strings.HasPrefix(id, "<") || !strings.Contains(id, "@") {
				t.Errorf("Message-ID = %q", id)
			}
			if mt != tt.wantType {
				t.Errorf("Content-Type = %s, want %s", mt, tt.wantType)
			}
			if !reflect.DeepEqual(parts, tt.want) {
				t.Errorf("parts = %q\nwant    %q", parts, tt.want)
			}
		})
	}
}

// Line breaks in anything that ends up in a header would let a caller add
// headers (Bcc: …) or a second message. Send refuses them and nothing is
// delivered.
func TestHeaderInjectionIsRefused(t *testing.T) {
	srv := mailtest.Start(t)
	good := mail.Message{To: "hanako@example.jp", ToName: "山田 花子", Subject: "件名", Text: "本文"}
	tests := []struct {
		name string
		edit func(*mail.Server, *mail.Message)
	}{
		{"subject CRLF", func(_ *mail.Server, m *mail.Message) { m.Subject = "Hello\r\nBcc: victim@example.com" }},
		{"subject LF", func(_ *mail.Server, m *mail.Message) { m.Subject = "Hello\nBcc: victim@example.com" }},
		{"subject CR", func(_ *mail.Server, m *mail.Message) { m.Subject = "Hello\rBcc: victim@example.com" }},
		{"recipient name", func(_ *mail.Server, m *mail.Message) { m.ToName = "山田\r\nBcc: victim@example.com" }},
		{"recipient address", func(_ *mail.Server, m *mail.Message) { m.To = "hanako@example.jp\r\nBcc: victim@example.com" }},
		{"sender name in message", func(_ *mail.Server, m *mail.Message) { m.FromName = "Sales\nBcc: victim@example.com" }},
		{"sender name in settings", func(s *mail.Server, _ *mail.Message) { s.FromName = "Sales\r\nBcc: victim@example.com" }},
		{"sender address in settings", func(s *mail.Server, _ *mail.Message) { s.FromAddress = "crm@example.jp\r\nBcc: victim@example.com" }},
		{"reply-to", func(_ *mail.Server, m *mail.Message) { m.ReplyTo = "sales@example.jp\r\nBcc: victim@example.com" }},
		{"extra header value", func(_ *mail.Server, m *mail.Message) {
			m.Headers = map[string]string{"List-Unsubscribe": "<https://crm.example.jp/u>\r\nBcc: victim@example.com"}
		}},
		{"extra header name", func(_ *mail.Server, m *mail.Message) {
			m.Headers = map[string]string{"X-Campaign\r\nBcc": "victim@example.com"}
		}},
		{"extra header name with colon", func(_ *mail.Server, m *mail.Message) {
			m.Headers = map[string]string{"Bcc: victim@example.com\r\nX-A": "1"}
		}},
		{"extra header Bcc", func(_ *mail.Server, m *mail.Message) { m.Headers = map[string]string{"bcc": "victim@example.com"} }},
		{"extra header Content-Type", func(_ *mail.Server, m *mail.Message) {
			m.Headers = map[string]string{"Content-Type": "text/html; victim@example.com"}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, m := srv.Server(), good
			tt.edit(&s, &m)
			err := mail.Send(ctx, s, m)
			var perm mail.PermanentError
			if !errors.As(err, &perm) {
				t.Errorf("Send = %v, want a PermanentError", err)
				for _, m := range srv.Messages() {
					t.Logf("delivered:\n%s", m.Raw)
				}
			}
		})
	}
	// Nothing of the above reached the server; a good message does.
	if err := mail.Send(ctx, srv.Server(), mail.Message{To: "last@example.jp", Subject: "ok", Text: "ok",
		Headers: map[string]string{"List-Unsubscribe": "<https://crm.example.jp/u/1>"}}); err != nil {
		t.Fatal(err)
	}
	last := srv.WaitFor(t, "last@example.jp", 5*time.Second)
	if msgs := srv.Messages(); len(msgs) != 1 {
		for _, m := range msgs {
			t.Errorf("delivered: to %v subject %q", m.To, m.Subject)
		}
	}
	if bytes.Contains(bytes.ToLower(last.Raw), []byte("victim")) {
		t.Errorf("the good message mentions the victim:\n%s", last.Raw)
	}
	if got := last.Header.Get("List-Unsubscribe"); got != "<https://crm.example.jp/u/1>" {
		t.Errorf("List-Unsubscribe = %q", got)
	}
}

// 5xx answers are permanent (the job fails at once), 4xx answers and
// network trouble are worth retrying.
func TestSMTPAnswersAreClassified(t *testing.T) {
	srv := mailtest.Start(t)
	reply := func(code int, enh smtp.EnhancedCode, text string) *smtp.SMTPError {
		return &smtp.SMTPError{Code: code, EnhancedCode: enh, Message: text}
	}
	tests := []struct {
		name      string
		rcpt      error
		data      error
		permanent bool
	}{
		{"RCPT 550 no such user", reply(550, smtp.EnhancedCode{5, 1, 1}, "no such user"), nil, true},
		{"RCPT 553 bad address", reply(553, smtp.EnhancedCode{5, 1, 3}, "mailbox name not allowed"), nil, true},
		{"RCPT 421 closing", reply(421, smtp.EnhancedCode{4, 3, 0}, "service not available"), nil, false},
		{"RCPT 451 local error", reply(451, smtp.EnhancedCode{4, 3, 0}, "try again later"), nil, false},
		{"RCPT 452 mailbox full", reply(452, smtp.EnhancedCode{4, 2, 2}, "mailbox full"), nil, false},
		{"DATA 554 rejected", nil, reply(554, smtp.EnhancedCode{5, 7, 1}, "message rejected as spam"), true},
		{"DATA 552 too big", nil, reply(552, smtp.EnhancedCode{5, 3, 4}, "message too big"), true},
		{"DATA 451 greylisted", nil, reply(451, smtp.EnhancedCode{4, 7, 1}, "greylisted, try again"), false},
		{"DATA 421 shutting down", nil, reply(421, smtp.EnhancedCode{4, 3, 0}, "shutting down"), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv.FailRcpt(func(string) error { return tt.rcpt })
			srv.FailData(func([]string) error { return tt.data })
			defer srv.FailRcpt(nil)
			defer srv.FailData(nil)
			before := len(srv.Messages())
			err := mail.Send(ctx, srv.Server(), mail.Message{To: "x@example.jp", Subject: "s", Text: "t"})
			if err == nil {
				t.Fatal("Send succeeded")
			}
			var perm mail.PermanentError
			if got := errors.As(err, &perm); got != tt.permanent {
				t.Errorf("permanent = %t, want %t (err: %v)", got, tt.permanent, err)
			}
			if n := len(srv.Messages()); n != before {
				t.Errorf("a refused message was stored")
			}
		})
	}

	// Nobody listening: retry later.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := srv.Server()
	closed.Port = ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	err = mail.Send(ctx, closed, mail.Message{To: "x@example.jp", Subject: "s", Text: "t"})
	var perm mail.PermanentError
	if err == nil || errors.As(err, &perm) {
		t.Errorf("connection refused: %v, want a retryable error", err)
	}
}

// A server that greets with an error, or answers AUTH with an error,
// before any message is sent.
func TestSMTPGreetingAndAuthErrors(t *testing.T) {
	tests := []struct {
		name      string
		greeting  string
		authReply string // "" = no AUTH offered
		permanent bool
	}{
		{"greeting 554", "554 5.3.2 no service here", "", true},
		{"greeting 421", "421 4.3.2 too busy, try later", "", false},
		{"auth 535", "220 ready", "535 5.7.8 authentication credentials invalid", true},
		{"auth 454", "220 ready", "454 4.7.0 temporary authentication failure", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			addr := fakeSMTP(t, tt.greeting, tt.authReply)
			s := mail.Server{Host: "127.0.0.1", Port: addr.Port, Security: mail.SecurityNone, FromAddress: "crm@example.jp"}
			if tt.authReply != "" {
				s.Username, s.Password = "crm", "secret"
			}
			err := mail.Send(ctx, s, mail.Message{To: "x@example.jp", Subject: "s", Text: "t"})
			if err == nil {
				t.Fatal("Send succeeded")
			}
			var perm mail.PermanentError
			if got := errors.As(err, &perm); got != tt.permanent {
				t.Errorf("permanent = %t, want %t (err: %v)", got, tt.permanent, err)
			}
		})
	}
}

// fakeSMTP answers one connection with a scripted dialogue: the greeting,
// then EHLO (offering AUTH PLAIN when authReply is set), then authReply to
// AUTH and 221 to anything else.
func fakeSMTP(t *testing.T, greeting, authReply string) *net.TCPAddr {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				c.SetDeadline(time.Now().Add(10 * time.Second))
				write := func(s string) { io.WriteString(c, s+"\r\n") }
				write(greeting)
				buf := make([]byte, 4096)
				for {
					n, err := c.Read(buf)
					if err != nil {
						return
					}
					cmd := strings.ToUpper(string(buf[:n]))
					switch {
					case strings.HasPrefix(cmd, "EHLO"), strings.HasPrefix(cmd, "HELO"):
						if authReply != "" {
							write("250-fake.local")
							write("250 AUTH CRAM-MD5 PLAIN LOGIN")
						} else {
							write("250 fake.local")
						}
					case strings.HasPrefix(cmd, "AUTH"):
						write(authReply)
					case strings.HasPrefix(cmd, "QUIT"):
						write("221 bye")
						return
					default:
						write("503 5.5.1 bad sequence")
					}
				}
			}()
		}
	}()
	return ln.Addr().(*net.TCPAddr)
}

func TestServerValidate(t *testing.T) {
	good := mail.Server{Host: "smtp.example.jp", Port: 587, Security: mail.SecurityStartTLS, FromAddress: "info@example.jp", FromName: "株式会社サンプル"}
	if bad := good.Validate(); len(bad) != 0 {
		t.Fatalf("good settings: %v", bad)
	}
	tests := []struct {
		name string
		edit func(*mail.Server)
		want map[string]string
	}{
		{"empty", func(s *mail.Server) { *s = mail.Server{} }, map[string]string{
			"host":         "is required",
			"port":         "must be a port number such as 587",
			"security":     "choose starttls, tls or none",
			"from_address": "enter the sender's address, such as info@example.jp",
		}},
		{"host with a path", func(s *mail.Server) { s.Host = "smtp.example.jp/x" }, map[string]string{"host": "must be a host name or address"}},
		{"host with CRLF", func(s *mail.Server) { s.Host = "smtp.example.jp\r\nX" }, map[string]string{"host": "must be a host name or address"}},
		{"port too big", func(s *mail.Server) { s.Port = 70000 }, map[string]string{"port": "must be a port number such as 587"}},
		{"security ssl", func(s *mail.Server) { s.Security = "ssl" }, map[string]string{"security": "choose starttls, tls or none"}},
		{"from with name", func(s *mail.Server) { s.FromAddress = "Info <info@example.jp>" }, map[string]string{"from_address": "enter the sender's address, such as info@example.jp"}},
		{"from name on two lines", func(s *mail.Server) { s.FromName = "a\nb" }, map[string]string{"from_name": "must be on one line"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := good
			tt.edit(&s)
			if got := s.Validate(); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Validate = %v, want %v", got, tt.want)
			}
		})
	}
}
