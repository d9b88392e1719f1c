package sender

import (
	"bytes"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/mail"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-msgauth/dkim"
)

func testMessage() Message {
	return Message{
		FromName: "連携株式会社 マーケティング", FromAddress: "news@example.jp",
		To: "taro@example.com", ToName: "山田 太郎",
		Subject:   "【ご案内】山田様、新製品セミナーのお知らせ — 東京・大阪で開催します（参加無料）",
		MessageID: "42.abcd@example.jp", Date: time.Date(2026, 4, 1, 9, 0, 0, 0, time.UTC),
		UnsubscribeURL:    "https://crm.example.jp/e/u/TOKEN",
		UnsubscribeMailto: "mailto:unsubscribe@example.jp?subject=unsubscribe%20TOKEN",
		Text:              "山田 様\n\nセミナーのご案内です。\n",
		HTML:              "<html><body><p>山田 様</p><p>セミナーのご案内です。</p></body></html>",
	}
}

// TestBuildParsesBack: the message is well-formed MIME that net/mail and
// mime/multipart read back: UTF-8 Japanese subject and names, a text and
// an HTML part, the headers of a marketing message.
func TestBuildParsesBack(t *testing.T) {
	m := testMessage()
	raw, err := Build(m, "b0undary")
	if err != nil {
		t.Fatal(err)
	}
	for i, line := range strings.Split(string(raw), "\r\n") {
		if len(line) > 998 {
			t.Errorf("line %d is %d bytes long", i, len(line))
		}
	}
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	dec := new(mime.WordDecoder)
	subj, err := dec.DecodeHeader(msg.Header.Get("Subject"))
	if err != nil || subj != m.Subject {
		t.Errorf("subject = %q, %v; want %q", subj, err, m.Subject)
	}
	from, err := (&mail.AddressParser{WordDecoder: dec}).Parse(msg.Header.Get("From"))
	if err != nil || from.Name != m.FromName || from.Address != m.FromAddress {
		t.Errorf("from = %+v, %v", from, err)
	}
	to, err := (&mail.AddressParser{WordDecoder: dec}).Parse(msg.Header.Get("To"))
	if err != nil || to.Name != "山田 太郎" {
		t.Errorf("to = %+v, %v", to, err)
	}
	if got := msg.Header.Get("Message-ID"); got != "<42.abcd@example.jp>" {
		t.Errorf("Message-ID = %q", got)
	}
	if d, err := msg.Header.Date(); err != nil || !d.Equal(m.Date) {
		t.Errorf("Date = %v, %v", d, err)
	}
	if got := msg.Header.Get("List-Unsubscribe"); got != "<https://crm.example.jp/e/u/TOKEN>, <mailto:unsubscribe@example.jp?subject=unsubscribe%20TOKEN>" {
		t.Errorf("List-Unsubscribe = %q", got)
	}
	if got := msg.Header.Get("List-Unsubscribe-Post"); got != "List-Unsubscribe=One-Click" {
		t.Errorf("List-Unsubscribe-Post = %q", got)
	}
	mt, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/alternative" {
		t.Fatalf("Content-Type = %q, %v", mt, err)
	}
	mr := multipart.NewReader(msg.Body, params["boundary"])
	parts := map[string]string{}
	for {
		p, err := mr.NextRawPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		ct, cp, _ := mime.ParseMediaType(p.Header.Get("Content-Type"))
		if cp["charset"] != "utf-8" || p.Header.Get("Content-Transfer-Encoding") != "base64" {
			t.Errorf("part %s: %v", ct, p.Header)
		}
		body, _ := io.ReadAll(base64.NewDecoder(base64.StdEncoding, p))
		parts[ct] = string(body)
	}
	if parts["text/plain"] != m.Text || parts["text/html"] != m.HTML {
		t.Errorf("parts = %q", parts)
	}
}

// TestBuildRefusesLineBreaks: a name, address or subject with CR/LF cannot
// add a header.
func TestBuildRefusesLineBreaks(t *testing.T) {
	for name, mod := range map[string]func(*Message){
		"to name":   func(m *Message) { m.ToName = "山田\r\nBcc: victim@example.com" },
		"from name": func(m *Message) { m.FromName = "x\nBcc: victim@example.com" },
		"subject":   func(m *Message) { m.Subject = "hi\r\nBcc: victim@example.com" },
		"to":        func(m *Message) { m.To = "a@example.com>\r\nBcc: <victim@example.com" },
		"address":   func(m *Message) { m.To = "a@example.com>, <victim@example.com" },
	} {
		m := testMessage()
		mod(&m)
		raw, err := Build(m, "b")
		if !errors.Is(err, ErrHeader) || strings.Contains(string(raw), "victim") {
			t.Errorf("%s: err = %v", name, err)
		}
	}
}

// TestDKIMVerifies: the signature verifies with the published public key
// and covers From, Subject, Date, Message-ID and both unsubscribe headers.
func TestDKIMVerifies(t *testing.T) {
	key, err := GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	sg, err := NewSigner("example.jp", "renkei", key)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := Build(testMessage(), "b0undary")
	signed, err := sg.Sign(raw)
	if err != nil {
		t.Fatal(err)
	}
	rec, err := DNSRecord(key)
	if err != nil {
		t.Fatal(err)
	}
	lookup := func(domain string) ([]string, error) {
		if domain != "renkei._domainkey.example.jp" {
			return nil, errors.New("no such record " + domain)
		}
		return []string{rec}, nil
	}
	vs, err := dkim.VerifyWithOptions(bytes.NewReader(signed), &dkim.VerifyOptions{LookupTXT: lookup})
	if err != nil || len(vs) != 1 || vs[0].Err != nil {
		t.Fatalf("verify: %v %+v", err, vs)
	}
	covered := strings.Join(vs[0].HeaderKeys, ":")
	for _, h := range []string{"From", "Subject", "Date", "Message-ID", "List-Unsubscribe", "List-Unsubscribe-Post"} {
		if !strings.Contains(":"+strings.ToLower(covered)+":", ":"+strings.ToLower(h)+":") {
			t.Errorf("signature does not cover %s (h=%s)", h, covered)
		}
	}
	// A changed unsubscribe header breaks the signature.
	tampered := bytes.Replace(signed, []byte("/e/u/TOKEN>"), []byte("/e/u/OTHER>"), 1)
	vs, err = dkim.VerifyWithOptions(bytes.NewReader(tampered), &dkim.VerifyOptions{LookupTXT: lookup})
	if err != nil || len(vs) != 1 || vs[0].Err == nil {
		t.Errorf("tampered List-Unsubscribe still verifies: %v %+v", err, vs)
	}
	// The record carries the key's public half.
	p := strings.TrimPrefix(rec, "v=DKIM1; k=rsa; p=")
	der, _ := base64.StdEncoding.DecodeString(p)
	if _, err := x509.ParsePKIXPublicKey(der); err != nil {
		t.Errorf("DNS record: %v", err)
	}
	if _, err := ParseKey("not a key"); err == nil {
		t.Error("a bad key was accepted")
	}
}

func TestRewriteLinks(t *testing.T) {
	in := `<a href="https://example.jp/a?x=1&amp;y=2">A</a> <a class="b" href='http://example.jp/b'>B</a>
<a href="mailto:x@example.jp">M</a> <a href="https://crm.example.jp/e/u/T">U</a> <a href="#top">T</a>`
	out := RewriteLinks(in, func(u string) bool { return strings.HasPrefix(u, "https://crm.example.jp/e/u/") },
		func(u string) string { return "https://t/?u=" + u })
	for _, want := range []string{`href="https://t/?u=https://example.jp/a?x=1&amp;y=2"`, `href='https://t/?u=http://example.jp/b'`,
		`href="mailto:x@example.jp"`, `href="https://crm.example.jp/e/u/T"`, `href="#top"`} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %s in\n%s", want, out)
		}
	}
}

func TestThrottleRate(t *testing.T) {
	if testing.Short() {
		t.Skip("timing")
	}
	th := NewThrottle(200, 0)
	start := time.Now()
	for range 201 {
		th.Wait(t.Context())
	}
	el := time.Since(start)
	if el < 950*time.Millisecond || el > 1100*time.Millisecond {
		t.Errorf("200 messages at 200/s took %v", el)
	}
}
