// Package mail sends e-mail through SMTP. It knows nothing of the rest of
// Renkei: callers build a Message and pass the server settings.
package mail

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/textproto"
	"strconv"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"
)

// Security is how the SMTP connection is protected.
type Security string

// Connection security modes.
const (
	SecurityStartTLS Security = "starttls" // plain connection upgraded with STARTTLS (port 587); required
	SecurityTLS      Security = "tls"      // implicit TLS (port 465)
	SecurityNone     Security = "none"     // no encryption: local relays and tests only
)

// Server are the settings of one SMTP server.
type Server struct {
	Host        string   `json:"host"`
	Port        int      `json:"port"`
	Security    Security `json:"security"`
	Username    string   `json:"username"`
	Password    string   `json:"password"`
	FromAddress string   `json:"from_address"`
	FromName    string   `json:"from_name"`
	// InsecureSkipVerify accepts any certificate (self-signed test relays).
	InsecureSkipVerify bool `json:"insecure_skip_verify"`
}

// Configured reports whether a host and a sender are set.
func (s Server) Configured() bool { return s.Host != "" && s.FromAddress != "" }

// Validate returns field → message for bad settings.
func (s Server) Validate() map[string]string {
	bad := map[string]string{}
	if strings.TrimSpace(s.Host) == "" {
		bad["host"] = "is required"
	} else if strings.ContainsAny(s.Host, " /\r\n") {
		bad["host"] = "must be a host name or address"
	}
	if s.Port < 1 || s.Port > 65535 {
		bad["port"] = "must be a port number such as 587"
	}
	switch s.Security {
	case SecurityStartTLS, SecurityTLS, SecurityNone:
	default:
		bad["security"] = "choose starttls, tls or none"
	}
	if !strings.Contains(s.FromAddress, "@") || strings.ContainsAny(s.FromAddress, " <>\r\n") {
		bad["from_address"] = "enter the sender's address, such as info@example.jp"
	}
	if strings.ContainsAny(s.FromName, "\r\n") {
		bad["from_name"] = "must be on one line"
	}
	return bad
}

// Message is one e-mail. Bodies are UTF-8; Text is required, HTML optional.
type Message struct {
	To       string            `json:"to"`
	ToName   string            `json:"to_name,omitempty"`
	Subject  string            `json:"subject"`
	Text     string            `json:"text"`
	HTML     string            `json:"html,omitempty"`
	ReplyTo  string            `json:"reply_to,omitempty"`
	Headers  map[string]string `json:"headers,omitempty"`
	FromName string            `json:"from_name,omitempty"` // overrides the server's
	// FromAddress sends on behalf of a person (a salesperson's 1:1 mail):
	// it becomes the From address, while the server's address stays the
	// Sender and the envelope sender, so SPF and bounces stay with the
	// workspace's domain.
	FromAddress string `json:"from_address,omitempty"`
	// Attachments are files sent with the message (a quote's PDF).
	Attachments []Attachment `json:"attachments,omitempty"`
	// MessageID is the Message-ID without angle brackets (local@domain);
	// "" makes a random one. A salesperson's e-mail carries one that names
	// its activity, so a reply can be logged on the contact's timeline.
	MessageID string `json:"message_id,omitempty"`
}

// Attachment is a file attached to a message.
type Attachment struct {
	Name        string `json:"name"`
	ContentType string `json:"content_type"`
	Data        []byte `json:"data"`
}

// PermanentError marks a failure that retrying cannot fix (a 5xx answer to
// the recipient, a malformed address).
type PermanentError struct{ Err error }

func (e PermanentError) Error() string { return e.Err.Error() }
func (e PermanentError) Unwrap() error { return e.Err }

// Send delivers one message. Header injection is impossible: addresses and
// names are encoded by the library and CR/LF in them is refused.
func Send(ctx context.Context, srv Server, m Message) error {
	if !srv.Configured() {
		return errors.New("mail is not set up: enter the SMTP server in Settings → Mail")
	}
	names := ""
	for _, a := range m.Attachments {
		names += a.Name + a.ContentType
	}
	if strings.ContainsAny(m.Subject+m.ToName+m.FromName+m.FromAddress+m.To+m.ReplyTo+srv.FromName+srv.FromAddress+names, "\r\n") {
		return PermanentError{errors.New("line breaks are not allowed in addresses, names or the subject")}
	}
	for k, v := range m.Headers {
		if err := checkHeader(k, v); err != nil {
			return PermanentError{err}
		}
	}
	if m.MessageID != "" && !validMessageID(m.MessageID) {
		return PermanentError{errors.New("the Message-ID must be local@domain in printable ASCII, without <>, spaces or line breaks")}
	}
	msg := gomail.NewMsg()
	fromName := srv.FromName
	if m.FromName != "" {
		fromName = m.FromName
	}
	if m.FromAddress != "" && !strings.EqualFold(m.FromAddress, srv.FromAddress) {
		if err := msg.FromFormat(fromName, m.FromAddress); err != nil {
			return PermanentError{fmt.Errorf("sender address: %w", err)}
		}
		msg.SetGenHeader(gomail.Header("Sender"), srv.FromAddress) // checked for line breaks above
		if err := msg.EnvelopeFrom(srv.FromAddress); err != nil {
			return PermanentError{fmt.Errorf("sender address: %w", err)}
		}
	} else if err := msg.FromFormat(fromName, srv.FromAddress); err != nil {
		return PermanentError{fmt.Errorf("sender address: %w", err)}
	}
	if err := msg.AddToFormat(m.ToName, m.To); err != nil {
		return PermanentError{fmt.Errorf("recipient address: %w", err)}
	}
	if m.ReplyTo != "" {
		if err := msg.ReplyTo(m.ReplyTo); err != nil {
			return PermanentError{fmt.Errorf("reply-to address: %w", err)}
		}
	}
	msg.Subject(m.Subject)
	if m.MessageID != "" {
		msg.SetMessageIDWithValue(m.MessageID) // checked above
	} else {
		msg.SetMessageID()
	}
	msg.SetDate()
	for k, v := range m.Headers {
		msg.SetGenHeader(gomail.Header(k), v)
	}
	msg.SetBodyString(gomail.TypeTextPlain, m.Text)
	if m.HTML != "" {
		msg.AddAlternativeString(gomail.TypeTextHTML, m.HTML)
	}
	for _, a := range m.Attachments {
		msg.AttachReadSeeker(a.Name, bytes.NewReader(a.Data), gomail.WithFileContentType(gomail.ContentType(a.ContentType)))
	}
	opts := []gomail.Option{
		gomail.WithPort(srv.Port),
		gomail.WithTimeout(30 * time.Second),
	}
	switch srv.Security {
	case SecurityTLS:
		opts = append(opts, gomail.WithSSL(), gomail.WithTLSPolicy(gomail.TLSMandatory))
	case SecurityNone:
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
	default:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	}
	if srv.Username != "" {
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthAutoDiscover),
			gomail.WithUsername(srv.Username), gomail.WithPassword(srv.Password))
	}
	c, err := gomail.NewClient(srv.Host, opts...)
	if err != nil {
		return fmt.Errorf("SMTP settings: %w", err)
	}
	if srv.InsecureSkipVerify {
		c.SetTLSConfig(insecureTLS(srv.Host))
	}
	if err := c.DialAndSendWithContext(ctx, msg); err != nil {
		return classify(err)
	}
	return nil
}

// reservedHeaders are set by Send itself; Message.Headers may not override them.
var reservedHeaders = map[string]bool{
	"From": true, "Sender": true, "To": true, "Cc": true, "Bcc": true, "Reply-To": true, "Subject": true,
	"Date": true, "Message-Id": true, "Mime-Version": true, "Content-Type": true, "Content-Transfer-Encoding": true,
}

// checkHeader refuses an extra header whose name is not a plain RFC 5322
// field name (printable ASCII without ':'), whose value holds a line break,
// or that Send sets itself. Without this, a name such as
// "Bcc: x@example.com\r\nX-A" would be written out verbatim.
func checkHeader(name, value string) error {
	if name == "" {
		return errors.New("extra header: empty name")
	}
	for i := 0; i < len(name); i++ {
		if c := name[i]; c < 33 || c > 126 || c == ':' {
			return fmt.Errorf("extra header %q: the name may hold only printable ASCII without ':'", name)
		}
	}
	if reservedHeaders[textproto.CanonicalMIMEHeaderKey(name)] {
		return fmt.Errorf("extra header %q: set by the mail service itself", name)
	}
	if strings.ContainsAny(value, "\r\n") {
		return fmt.Errorf("extra header %q: line breaks are not allowed in the value", name)
	}
	return nil
}

// classify marks 5xx SMTP answers as permanent; everything else (4xx,
// network errors, timeouts) is worth retrying.
func classify(err error) error {
	var se *gomail.SendError
	if errors.As(err, &se) {
		if code := se.ErrorCode(); code >= 500 && code < 600 {
			return PermanentError{err}
		}
		return err
	}
	var ne net.Error
	if errors.As(err, &ne) {
		return err
	}
	msg := err.Error()
	for _, code := range []int{550, 551, 552, 553, 554, 535} {
		if strings.Contains(msg, strconv.Itoa(code)+" ") {
			return PermanentError{err}
		}
	}
	return err
}

// validMessageID reports whether id is a plain local@domain Message-ID
// (RFC 5322 msg-id without the angle brackets): printable ASCII, one @,
// no spaces, brackets or line breaks, at most 250 bytes.
func validMessageID(id string) bool {
	if len(id) > 250 || strings.Count(id, "@") != 1 || strings.HasPrefix(id, "@") || strings.HasSuffix(id, "@") {
		return false
	}
	for i := 0; i < len(id); i++ {
		if c := id[i]; c <= ' ' || c >= 0x7f || c == '<' || c == '>' || c == '"' || c == '\\' {
			return false
		}
	}
	return true
}
