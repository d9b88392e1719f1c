// Package sender turns rendered marketing e-mails into signed MIME
// messages and delivers them over persistent SMTP connections, within a
// throttle. It knows nothing of broadcasts or the outbox: the app claims
// messages, renders them and records what Send returned.
package sender

import (
	"bytes"
	"encoding/base64"
	"errors"
	"mime"
	"strings"
	"time"
)

// Message is one rendered e-mail to one recipient.
type Message struct {
	FromName    string
	FromAddress string // the author (the contact's owner when sending as the owner)
	Sender      string // the workspace address, when it differs from FromAddress ("" otherwise)
	To          string
	ToName      string
	Subject     string
	MessageID   string // without angle brackets: local@domain
	Date        time.Time
	// Unsubscribe headers (RFC 2369, RFC 8058); both empty on non-marketing mail.
	UnsubscribeURL    string
	UnsubscribeMailto string
	Text              string
	HTML              string
}

// ErrHeader is returned for a header value that holds a line break: a
// name or subject can never add a header.
var ErrHeader = errors.New("line breaks are not allowed in names, addresses or the subject")

// Build writes the message as RFC 5322 / MIME bytes: UTF-8 headers in
// RFC 2047 encoded words, a multipart/alternative body of a text and (when
// set) an HTML part, each base64-encoded.
func Build(m Message, boundary string) ([]byte, error) {
	for _, s := range []string{m.FromName, m.FromAddress, m.Sender, m.To, m.ToName, m.Subject, m.MessageID, m.UnsubscribeURL, m.UnsubscribeMailto} {
		if strings.ContainsAny(s, "\r\n") {
			return nil, ErrHeader
		}
	}
	for _, s := range []string{m.FromAddress, m.Sender, m.To, m.MessageID} {
		if strings.ContainsAny(s, "<>\" ,;()") {
			return nil, ErrHeader
		}
	}
	var b bytes.Buffer
	b.Grow(len(m.Text)*4/3 + len(m.HTML)*4/3 + 1024)
	header(&b, "From", address(m.FromName, m.FromAddress))
	if m.Sender != "" {
		header(&b, "Sender", "<"+m.Sender+">")
	}
	header(&b, "To", address(m.ToName, m.To))
	header(&b, "Subject", encodeWord(m.Subject))
	header(&b, "Date", m.Date.Format(time.RFC1123Z))
	header(&b, "Message-ID", "<"+m.MessageID+">")
	if m.UnsubscribeURL != "" {
		lu := "<" + m.UnsubscribeURL + ">"
		if m.UnsubscribeMailto != "" {
			lu += ",\r\n <" + m.UnsubscribeMailto + ">"
		}
		header(&b, "List-Unsubscribe", lu)
		header(&b, "List-Unsubscribe-Post", "List-Unsubscribe=One-Click")
	}
	header(&b, "MIME-Version", "1.0")
	if m.HTML == "" {
		header(&b, "Content-Type", "text/plain; charset=utf-8")
		header(&b, "Content-Transfer-Encoding", "base64")
		b.WriteString("\r\n")
		writeBase64(&b, m.Text)
		return b.Bytes(), nil
	}
	header(&b, "Content-Type", `multipart/alternative; boundary="`+boundary+`"`)
	b.WriteString("\r\n")
	part(&b, boundary, "text/plain; charset=utf-8", m.Text)
	part(&b, boundary, "text/html; charset=utf-8", m.HTML)
	b.WriteString("--" + boundary + "--\r\n")
	return b.Bytes(), nil
}

func header(b *bytes.Buffer, k, v string) {
	b.WriteString(k)
	b.WriteString(": ")
	b.WriteString(v)
	b.WriteString("\r\n")
}

func part(b *bytes.Buffer, boundary, ct, body string) {
	b.WriteString("--" + boundary + "\r\n")
	header(b, "Content-Type", ct)
	header(b, "Content-Transfer-Encoding", "base64")
	b.WriteString("\r\n")
	writeBase64(b, body)
}

// address formats "Name" <addr>, the name encoded when it is not plain ASCII.
func address(name, addr string) string {
	if name == "" {
		return "<" + addr + ">"
	}
	return encodePhrase(name) + " <" + addr + ">"
}

func encodePhrase(s string) string {
	if isPlainASCII(s) && !strings.ContainsAny(s, `"\`) {
		return `"` + s + `"`
	}
	return encodeWord(s)
}

// encodeWord encodes a header value as RFC 2047 words when it is not
// plain ASCII, folding between words so no line grows too long.
func encodeWord(s string) string {
	if isPlainASCII(s) {
		return s
	}
	return strings.ReplaceAll(mime.BEncoding.Encode("utf-8", s), "?= =?", "?=\r\n =?")
}

func isPlainASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return false
		}
	}
	return true
}

// writeBase64 writes s in base64 lines of 76 characters.
func writeBase64(b *bytes.Buffer, s string) {
	enc := make([]byte, base64.StdEncoding.EncodedLen(len(s)))
	base64.StdEncoding.Encode(enc, []byte(s))
	for len(enc) > 76 {
		b.Write(enc[:76])
		b.WriteString("\r\n")
		enc = enc[76:]
	}
	b.Write(enc)
	b.WriteString("\r\n")
}
