// Package mailtest runs a real SMTP server inside a test process, so tests
// exercise the whole SMTP exchange and read back what was delivered.
package mailtest

import (
	"bytes"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net"
	"net/mail"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
	"golang.org/x/text/encoding/japanese"
	"golang.org/x/text/transform"

	rmail "renkei/internal/mail"
)

// Message is one delivered e-mail, decoded for assertions.
type Message struct {
	From    string
	To      []string
	Subject string // decoded
	Text    string // the text/plain part, decoded
	HTML    string // the text/html part, decoded ("" when absent)
	// Attachments are the parts sent as attachments (a quote's PDF).
	Attachments []Attachment
	Header      mail.Header
	Raw         []byte
}

// Attachment is one attached file, decoded.
type Attachment struct {
	Name        string
	ContentType string
	Data        []byte
}

// Server is an SMTP server on 127.0.0.1 that accepts every message.
type Server struct {
	srv  *smtp.Server
	addr *net.TCPAddr

	mu      sync.Mutex
	msgs    []Message
	arrived chan struct{}
	rcptErr func(to string) error
	dataErr func(to []string) error
	delay   func(to []string) time.Duration
}

// Start starts a server and stops it when the test ends.
func Start(t testing.TB) *Server {
	t.Helper()
	s := &Server{arrived: make(chan struct{}, 1)}
	s.srv = smtp.NewServer(backend{s})
	s.srv.Domain = "mailtest.local"
	s.srv.AllowInsecureAuth = true
	s.srv.MaxMessageBytes = 32 << 20
	s.srv.ReadTimeout = 30 * time.Second
	s.srv.WriteTimeout = 30 * time.Second
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("mailtest: listen: %v", err)
	}
	s.addr = ln.Addr().(*net.TCPAddr)
	go s.srv.Serve(ln)
	t.Cleanup(func() { s.srv.Close() })
	return s
}

// Server returns mail settings that deliver to this server.
func (s *Server) Server() rmail.Server {
	return rmail.Server{
		Host:        "127.0.0.1",
		Port:        s.addr.Port,
		Security:    rmail.SecurityNone,
		FromAddress: "renkei@example.test",
		FromName:    "Renkei",
	}
}

// Addr returns host:port.
func (s *Server) Addr() string { return "127.0.0.1:" + strconv.Itoa(s.addr.Port) }

// FailRcpt makes RCPT TO answer with the given error for matching
// recipients (nil function: accept all). Use *smtp.SMTPError for a code.
func (s *Server) FailRcpt(f func(to string) error) {
	s.mu.Lock()
	s.rcptErr = f
	s.mu.Unlock()
}

// FailData makes DATA answer with an error (nil function: accept all).
func (s *Server) FailData(f func(to []string) error) {
	s.mu.Lock()
	s.dataErr = f
	s.mu.Unlock()
}

// DelayData makes the answer to the final dot wait (a slow or stuck
// server: the client's timeout after DATA). The message is still stored,
// as a real server that answers late would have taken it.
func (s *Server) DelayData(f func(to []string) time.Duration) {
	s.mu.Lock()
	s.delay = f
	s.mu.Unlock()
}

// Count returns how many messages were delivered to an address.
func (s *Server) Count(to string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, m := range s.msgs {
		for _, r := range m.To {
			if strings.EqualFold(r, to) {
				n++
			}
		}
	}
	return n
}

// Messages returns every message delivered so far.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.msgs...)
}

// WaitFor waits until a message to the address arrives and returns the
// newest one; it fails the test after timeout.
func (s *Server) WaitFor(t testing.TB, to string, timeout time.Duration) Message {
	t.Helper()
	deadline := time.After(timeout)
	for {
		msgs := s.Messages()
		for i := len(msgs) - 1; i >= 0; i-- {
			for _, rcpt := range msgs[i].To {
				if strings.EqualFold(rcpt, to) {
					return msgs[i]
				}
			}
		}
		select {
		case <-s.arrived:
		case <-time.After(50 * time.Millisecond):
		case <-deadline:
			t.Fatalf("mailtest: no message to %s within %s (%d other messages)", to, timeout, len(msgs))
			return Message{}
		}
	}
}

var linkRe = regexp.MustCompile(`https?://[^\s<>"']+`)

// FindLink returns the first URL in text that starts with prefix, or "".
func FindLink(text, prefix string) string {
	for _, l := range linkRe.FindAllString(text, -1) {
		if strings.HasPrefix(l, prefix) {
			return l
		}
	}
	return ""
}

type backend struct{ s *Server }

func (b backend) NewSession(*smtp.Conn) (smtp.Session, error) { return &session{s: b.s}, nil }

type session struct {
	s    *Server
	from string
	to   []string
}

func (x *session) AuthPlain(username, password string) error { return nil }
func (x *session) Reset()                                    { x.from, x.to = "", nil }
func (x *session) Logout() error                             { return nil }

func (x *session) Mail(from string, _ *smtp.MailOptions) error {
	x.from = from
	return nil
}

func (x *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	x.s.mu.Lock()
	f := x.s.rcptErr
	x.s.mu.Unlock()
	if f != nil {
		if err := f(to); err != nil {
			return err
		}
	}
	x.to = append(x.to, to)
	return nil
}

func (x *session) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	x.s.mu.Lock()
	f := x.s.dataErr
	x.s.mu.Unlock()
	if f != nil {
		if err := f(x.to); err != nil {
			return err
		}
	}
	m, err := Parse(raw)
	if err != nil {
		return &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 6, 0}, Message: "mailtest: malformed message: " + err.Error()}
	}
	m.From, m.To = x.from, append([]string(nil), x.to...)
	x.s.mu.Lock()
	x.s.msgs = append(x.s.msgs, m)
	delay := x.s.delay
	x.s.mu.Unlock()
	if delay != nil {
		time.Sleep(delay(x.to))
	}
	select {
	case x.s.arrived <- struct{}{}:
	default:
	}
	return nil
}

var wordDecoder = &mime.WordDecoder{CharsetReader: charsetReader}

func charsetReader(charset string, r io.Reader) (io.Reader, error) {
	switch strings.ToLower(charset) {
	case "utf-8", "us-ascii", "":
		return r, nil
	case "iso-2022-jp":
		return transform.NewReader(r, japanese.ISO2022JP.NewDecoder()), nil
	case "shift_jis":
		return transform.NewReader(r, japanese.ShiftJIS.NewDecoder()), nil
	}
	return nil, errors.New("mailtest: unknown charset " + charset)
}

// Parse decodes a raw RFC 5322 message: the subject, and the text and HTML
// parts of a single-part or multipart (mixed/alternative, nested) body.
func Parse(raw []byte) (Message, error) {
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return Message{}, err
	}
	m := Message{Header: msg.Header, Raw: raw}
	if m.Subject, err = wordDecoder.DecodeHeader(msg.Header.Get("Subject")); err != nil {
		return m, err
	}
	err = walkPart(msg.Header.Get("Content-Type"), msg.Header.Get("Content-Transfer-Encoding"), msg.Body, &m)
	return m, err
}

func walkPart(contentType, encoding string, body io.Reader, m *Message) error {
	if contentType == "" {
		contentType = "text/plain; charset=utf-8"
	}
	mt, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		return err
	}
	if strings.HasPrefix(mt, "multipart/") {
		mr := multipart.NewReader(body, params["boundary"])
		for {
			p, err := mr.NextRawPart()
			if errors.Is(err, io.EOF) {
				return nil
			}
			if err != nil {
				return err
			}
			if disp, dp, _ := mime.ParseMediaType(p.Header.Get("Content-Disposition")); disp == "attachment" {
				data, err := decodeBody(p.Header.Get("Content-Transfer-Encoding"), p)
				if err != nil {
					return err
				}
				ct, _, _ := mime.ParseMediaType(p.Header.Get("Content-Type"))
				m.Attachments = append(m.Attachments, Attachment{Name: dp["filename"], ContentType: ct, Data: data})
				continue
			}
			if err := walkPart(p.Header.Get("Content-Type"), p.Header.Get("Content-Transfer-Encoding"), p, m); err != nil {
				return err
			}
		}
	}
	decoded, err := decodeBody(encoding, body)
	if err != nil {
		return err
	}
	r, err := charsetReader(params["charset"], bytes.NewReader(decoded))
	if err != nil {
		return err
	}
	text, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	switch mt {
	case "text/plain":
		if m.Text == "" {
			m.Text = string(text)
		}
	case "text/html":
		if m.HTML == "" {
			m.HTML = string(text)
		}
	}
	return nil
}
