// Package inbound is the optional inbound SMTP listener of marketing
// e-mail (RENKEI_INBOUND_SMTP_ADDR): it accepts mail for the sending
// domain only and turns delivery status notifications (RFC 3464) into
// bounces, feedback reports (ARF, RFC 5965) into complaints, mail to
// unsubscribe@ into unsubscribes, and replies to messages we sent into
// timeline entries. It is not a relay: every other recipient is refused.
package inbound

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/mail"
	"net/textproto"
	"strings"

	"renkei/internal/bounce"
)

// Kind is what an inbound message is.
type Kind int

// Kinds of inbound message.
const (
	Other       Kind = iota // nothing we act on
	DSN                     // a delivery status notification
	Feedback                // an ARF complaint
	Unsubscribe             // mail to unsubscribe@ with a token in the subject
	Reply                   // a reply to a message we sent
)

// Parsed is what the listener understood of a message.
type Parsed struct {
	Kind    Kind
	Notices []bounce.Notice // DSN, Feedback
	Token   string          // Unsubscribe
	RefIDs  []string        // Reply: In-Reply-To and References, newest first
	From    string
	Subject string
}

// maxParts bounds the MIME parts read of one message.
const maxParts = 20

// Parse reads a raw message delivered to rcpts.
func Parse(raw []byte, rcpts []string) (Parsed, error) {
	var p Parsed
	m, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return p, err
	}
	dec := new(mime.WordDecoder)
	p.Subject = m.Header.Get("Subject")
	if s, err := dec.DecodeHeader(p.Subject); err == nil {
		p.Subject = s
	}
	if a, err := mail.ParseAddress(m.Header.Get("From")); err == nil {
		p.From = a.Address
	}
	mt, params, _ := mime.ParseMediaType(m.Header.Get("Content-Type"))
	if mt == "multipart/report" {
		switch strings.ToLower(params["report-type"]) {
		case "delivery-status":
			p.Kind = DSN
			p.Notices, err = parseReport(m.Body, params["boundary"], parseDSNPart)
			return p, err
		case "feedback-report":
			p.Kind = Feedback
			p.Notices, err = parseReport(m.Body, params["boundary"], parseARFPart)
			return p, err
		}
	}
	for _, r := range rcpts {
		if local, _, _ := strings.Cut(strings.ToLower(r), "@"); local == "unsubscribe" {
			p.Kind = Unsubscribe
			f := strings.Fields(p.Subject)
			if len(f) == 2 && strings.EqualFold(f[0], "unsubscribe") {
				p.Token = f[1]
			}
			return p, nil
		}
	}
	p.RefIDs = messageIDs(m.Header.Get("In-Reply-To"))
	refs := messageIDs(m.Header.Get("References"))
	for i := len(refs) - 1; i >= 0; i-- { // the newest reference is last
		p.RefIDs = append(p.RefIDs, refs[i])
	}
	if len(p.RefIDs) > 0 {
		p.Kind = Reply
	}
	return p, nil
}

// messageIDs splits a header of <id> tokens.
func messageIDs(h string) []string {
	var out []string
	for _, f := range strings.Fields(h) {
		f = strings.Trim(f, "<>,")
		if f != "" && len(f) < 250 && len(out) < 50 {
			out = append(out, f)
		}
	}
	return out
}

// report is what a report's parts give: the original message's
// Message-ID (from its headers) and the notices.
type report struct {
	msgID   string
	notices []bounce.Notice
}

func parseReport(body io.Reader, boundary string, machine func(textproto.MIMEHeader, []byte, *report) error) ([]bounce.Notice, error) {
	if boundary == "" {
		return nil, errors.New("a report without a MIME boundary")
	}
	mr := multipart.NewReader(body, boundary)
	var rep report
	for range maxParts {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		b, err := io.ReadAll(io.LimitReader(part, 1<<20))
		if err != nil {
			return nil, err
		}
		if err := machine(part.Header, b, &rep); err != nil {
			return nil, err
		}
	}
	for i := range rep.notices {
		rep.notices[i].MessageID = rep.msgID
	}
	return rep.notices, nil
}

// originalHeaders reads the Message-ID of the returned original (a
// message/rfc822 or text/rfc822-headers part).
func originalHeaders(ct string, b []byte, rep *report) bool {
	mt, _, _ := mime.ParseMediaType(ct)
	if mt != "message/rfc822" && mt != "text/rfc822-headers" {
		return false
	}
	if !bytes.Contains(b, []byte("\r\n\r\n")) && !bytes.Contains(b, []byte("\n\n")) {
		b = append(b, "\r\n\r\n"...) // headers only
	}
	if m, err := mail.ReadMessage(bytes.NewReader(b)); err == nil {
		if id := strings.Trim(strings.TrimSpace(m.Header.Get("Message-ID")), "<>"); id != "" {
			rep.msgID = id
		}
	}
	return true
}

// fieldBlocks reads the header-like blocks of a machine-readable part
// (the per-message block, then one per recipient).
func fieldBlocks(b []byte) []textproto.MIMEHeader {
	r := textproto.NewReader(bufio.NewReader(bytes.NewReader(b)))
	var out []textproto.MIMEHeader
	for range 100 {
		h, err := r.ReadMIMEHeader()
		if len(h) > 0 {
			out = append(out, h)
		}
		if err != nil {
			break
		}
	}
	return out
}

// addrOf strips the address type of a DSN field ("rfc822; a@b").
func addrOf(v string) string {
	if _, a, ok := strings.Cut(v, ";"); ok {
		v = a
	}
	return strings.Trim(strings.TrimSpace(v), "<>")
}

// parseDSNPart reads the message/delivery-status part of a DSN: each
// recipient's Action and Status; failed with a 5.x.x status is hard,
// delayed or 4.x.x is soft; delivered, relayed and expanded are skipped.
func parseDSNPart(h textproto.MIMEHeader, b []byte, rep *report) error {
	ct := h.Get("Content-Type")
	if originalHeaders(ct, b, rep) {
		return nil
	}
	if mt, _, _ := mime.ParseMediaType(ct); mt != "message/delivery-status" && mt != "message/global-delivery-status" {
		return nil
	}
	blocks := fieldBlocks(b)
	for _, blk := range blocks {
		rcpt := addrOf(blk.Get("Final-Recipient"))
		if rcpt == "" {
			rcpt = addrOf(blk.Get("Original-Recipient"))
		}
		action := strings.ToLower(strings.TrimSpace(blk.Get("Action")))
		if rcpt == "" || action == "" {
			continue // the per-message block
		}
		status := strings.TrimSpace(blk.Get("Status"))
		reason := strings.TrimSpace(status + " " + blk.Get("Diagnostic-Code"))
		switch {
		case action == "failed" && strings.HasPrefix(status, "5"):
			rep.notices = append(rep.notices, bounce.Notice{Email: rcpt, Type: bounce.Hard, Reason: reason, Format: "dsn"})
		case action == "failed" || action == "delayed":
			rep.notices = append(rep.notices, bounce.Notice{Email: rcpt, Type: bounce.Soft, Reason: reason, Format: "dsn"})
		}
	}
	return nil
}

// parseARFPart reads a feedback report: the complaining recipient is
// Original-Rcpt-To, or the To of the returned message.
func parseARFPart(h textproto.MIMEHeader, b []byte, rep *report) error {
	ct := h.Get("Content-Type")
	mt, _, _ := mime.ParseMediaType(ct)
	if mt == "message/rfc822" || mt == "text/rfc822-headers" {
		originalHeaders(ct, b, rep)
		if len(rep.notices) == 0 {
			if m, err := mail.ReadMessage(bytes.NewReader(append(b, "\r\n\r\n"...))); err == nil {
				if a, err := mail.ParseAddress(m.Header.Get("To")); err == nil {
					rep.notices = append(rep.notices, bounce.Notice{Email: a.Address, Type: bounce.Complaint, Reason: "abuse", Format: "arf"})
				}
			}
		}
		return nil
	}
	if mt != "message/feedback-report" {
		return nil
	}
	for _, blk := range fieldBlocks(b) {
		typ := strings.TrimSpace(blk.Get("Feedback-Type"))
		if rcpt := addrOf(blk.Get("Original-Rcpt-To")); rcpt != "" {
			rep.notices = []bounce.Notice{{Email: rcpt, Type: bounce.Complaint, Reason: typ, Format: "arf"}}
		}
	}
	return nil
}
