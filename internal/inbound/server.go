package inbound

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"strings"
	"time"

	"github.com/emersion/go-smtp"

	"renkei/internal/app"
	"renkei/internal/crm"
)

// Limits of the listener.
const (
	MaxMessageBytes = 2 << 20 // a DSN carries the original's headers (or all of it); 2 MiB is plenty
	MaxRecipients   = 10
)

// Config are the dependencies of Start.
type Config struct {
	App *app.App
	// Domains are the domains mail is accepted for (the sending domain);
	// any other recipient is refused, so the listener is never a relay.
	Domains []string
	Log     *slog.Logger
}

// Server is a running listener.
type Server struct {
	srv *smtp.Server
	ln  net.Listener
}

// Listen starts the listener on addr (host:port; port 0 picks one).
func Listen(addr string, c Config) (*Server, error) {
	if len(c.Domains) == 0 {
		return nil, errors.New("inbound SMTP: no domain to accept mail for; set RENKEI_INBOUND_DOMAINS")
	}
	if c.Log == nil {
		c.Log = slog.Default()
	}
	b := &backend{app: c.App, log: c.Log, domains: map[string]bool{}}
	for _, d := range c.Domains {
		b.domains[strings.ToLower(strings.TrimSpace(d))] = true
	}
	s := smtp.NewServer(b)
	s.Domain = c.Domains[0]
	s.MaxMessageBytes = MaxMessageBytes
	s.MaxRecipients = MaxRecipients
	s.ReadTimeout, s.WriteTimeout = 60*time.Second, 60*time.Second
	s.MaxLineLength = 2000
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	go s.Serve(ln)
	return &Server{srv: s, ln: ln}, nil
}

// Addr is the address the listener is on.
func (s *Server) Addr() string { return s.ln.Addr().String() }

// Close stops the listener.
func (s *Server) Close() error { return s.srv.Close() }

type backend struct {
	app     *app.App
	log     *slog.Logger
	domains map[string]bool
}

func (b *backend) NewSession(c *smtp.Conn) (smtp.Session, error) {
	return &session{b: b}, nil
}

type session struct {
	b    *backend
	to   []string
	from string
}

var errRelay = &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 7, 1}, Message: "relaying denied: this server only accepts mail for its own domain"}

func (s *session) Reset()        { s.to, s.from = nil, "" }
func (s *session) Logout() error { return nil }

func (s *session) Mail(from string, _ *smtp.MailOptions) error {
	s.from = from // DSNs come from the null sender <>
	return nil
}

func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	_, domain, ok := strings.Cut(strings.ToLower(to), "@")
	if !ok || !s.b.domains[domain] || strings.ContainsAny(to, "%!") {
		return errRelay
	}
	s.to = append(s.to, to)
	return nil
}

func (s *session) Data(r io.Reader) error {
	raw, err := io.ReadAll(io.LimitReader(r, MaxMessageBytes+1))
	if err != nil {
		return err
	}
	if len(raw) > MaxMessageBytes {
		return smtp.ErrDataTooLarge
	}
	p, err := Parse(raw, s.to)
	if err != nil {
		return &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 6, 0}, Message: "malformed message"}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := s.b.handle(ctx, p); err != nil {
		s.b.log.Error("inbound: handle", "kind", p.Kind, "err", err)
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "try again later"}
	}
	return nil
}

// handle acts on a parsed message. Anything it does not understand is
// accepted and dropped (answering an error would make the sender's server
// bounce to a null sender or retry for days).
func (b *backend) handle(ctx context.Context, p Parsed) error {
	switch p.Kind {
	case DSN, Feedback:
		if len(p.Notices) == 0 {
			return nil
		}
		_, err := b.app.RecordBounces(ctx, p.Notices)
		if _, bad := crm.AsValidation(err); bad {
			b.log.Warn("inbound: report with unusable recipients", "err", err)
			return nil
		}
		return err
	case Unsubscribe:
		if p.Token == "" {
			return nil
		}
		_, err := b.app.Unsubscribe(ctx, p.Token, "", app.UnsubscribeMailto)
		if errors.Is(err, crm.ErrNotFound) {
			b.log.Info("inbound: unsubscribe mail with an invalid token")
			return nil
		}
		return err
	case Reply:
		_, err := b.app.RecordReply(ctx, p.RefIDs, p.From, p.Subject)
		return err
	}
	return nil
}
