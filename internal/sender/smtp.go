package sender

import (
	"context"
	"crypto/tls"
	"errors"
	"net"
	"strconv"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"renkei/internal/crm"
)

// Result is what became of one message.
type Result int

// The results of a send.
const (
	Sent    Result = iota // the server took it (2xx after DATA)
	Retry                 // a 4xx answer, a lost connection or a timeout: try again later
	Bounced               // a 5xx answer to RCPT: the address does not take mail (hard bounce)
	Failed                // a 5xx answer to MAIL or DATA: retrying will not help, the address is not to blame
)

// Outcome is the result of one send with the server's answer.
type Outcome struct {
	Result Result
	Code   int   // the SMTP reply code, 0 for network errors
	Err    error // nil when sent
}

// Conn is one persistent SMTP connection that sends many messages.
type Conn struct {
	Relay crm.SMTPRelay
	c     *smtp.Client
	sent  int
	dead  bool
}

// Timeouts of a connection; tests shorten them.
type Timeouts struct {
	Dial    time.Duration
	Command time.Duration
	Data    time.Duration // waiting for the answer after the final dot
}

// DefaultTimeouts are those of RFC 5321 §4.5.3.2, shortened for the final dot.
var DefaultTimeouts = Timeouts{Dial: 15 * time.Second, Command: 60 * time.Second, Data: 120 * time.Second}

// Dial connects to a relay, says EHLO as helo and authenticates.
func Dial(ctx context.Context, r crm.SMTPRelay, helo string, t Timeouts) (*Conn, error) {
	addr := net.JoinHostPort(r.Host, strconv.Itoa(r.Port))
	d := net.Dialer{Timeout: t.Dial}
	tcfg := &tls.Config{ServerName: r.Host, InsecureSkipVerify: r.InsecureSkipVerify, MinVersion: tls.VersionTLS12} //nolint:gosec // an admin's explicit choice for self-signed relays
	var (
		conn net.Conn
		err  error
	)
	if r.Security == "tls" {
		conn, err = (&tls.Dialer{NetDialer: &d, Config: tcfg}).DialContext(ctx, "tcp", addr)
	} else {
		conn, err = d.DialContext(ctx, "tcp", addr)
	}
	if err != nil {
		return nil, err
	}
	var c *smtp.Client
	if r.Security == "starttls" {
		c, err = smtp.NewClientStartTLS(conn, tcfg)
		if err != nil {
			conn.Close()
			return nil, err
		}
	} else {
		c = smtp.NewClient(conn)
	}
	c.CommandTimeout, c.SubmissionTimeout = t.Command, t.Data
	if err := c.Hello(helo); err != nil {
		c.Close()
		return nil, err
	}
	if r.Username != "" {
		if err := c.Auth(sasl.NewPlainClient("", r.Username, r.Password)); err != nil {
			c.Close()
			return nil, err
		}
	}
	return &Conn{Relay: r, c: c}, nil
}

// Usable reports whether the connection may send another message: it is
// alive and has not reached the relay's messages per connection.
func (c *Conn) Usable() bool { return !c.dead && c.sent < c.Relay.PerConn }

// Close ends the session politely (QUIT) or, on a dead one, just closes.
func (c *Conn) Close() {
	if !c.dead {
		c.c.Quit()
	}
	c.c.Close()
}

// Send delivers one message from the envelope sender to one recipient.
// After a refused transaction it sends RSET, so the connection is ready
// for the next message; after a network error, a timeout or 421 the
// connection is marked dead and the caller dials a new one.
func (c *Conn) Send(from, to string, data []byte) Outcome {
	c.sent++
	if err := c.c.Mail(from, nil); err != nil {
		return c.fail(err, Failed)
	}
	if err := c.c.Rcpt(to, nil); err != nil {
		return c.fail(err, Bounced)
	}
	w, err := c.c.Data()
	if err != nil {
		return c.fail(err, Failed)
	}
	if _, err := w.Write(data); err != nil {
		c.dead = true
		return Outcome{Result: Retry, Err: err}
	}
	if err := w.Close(); err != nil {
		// A timeout after the final dot is the one case where the server
		// may have taken the message: it is retried, which can duplicate.
		return c.fail(err, Failed)
	}
	return Outcome{Result: Sent}
}

// fail classifies an error; perm is the result of a 5xx answer at this step.
func (c *Conn) fail(err error, perm Result) Outcome {
	var se *smtp.SMTPError
	if !errors.As(err, &se) {
		c.dead = true
		return Outcome{Result: Retry, Err: err}
	}
	o := Outcome{Code: se.Code, Err: err, Result: Retry}
	if se.Code >= 500 && se.Code < 600 {
		o.Result = perm
	}
	if se.Code == 421 {
		c.dead = true
		return o
	}
	if rerr := c.c.Reset(); rerr != nil {
		c.dead = true
	}
	return o
}
