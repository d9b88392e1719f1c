// Package bounce reads the bounce and complaint notices that e-mail
// services post to a webhook: a generic JSON form of our own, Amazon SES
// (through an SNS notification, or posted directly), the SendGrid event
// webhook, Mailgun webhooks and Postmark bounce and spam-complaint
// webhooks. It only parses; the app decides what a notice does.
package bounce

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// Types of notice.
const (
	Hard      = "hard"      // permanent failure: suppress the address
	Soft      = "soft"      // temporary: record only
	Complaint = "complaint" // marked as spam: suppress and withdraw consent
)

// Notice is one bounce or complaint for one address.
type Notice struct {
	Email     string
	Type      string // hard | soft | complaint
	MessageID string // the Message-ID header of our message, when the service gives it
	Reason    string
	Format    string // generic | ses | sendgrid | mailgun | postmark | dsn | arf
}

// MaxNotices bounds one post.
const MaxNotices = 1000

// ErrBadInput is wrapped by every parse error; its text says what is wrong.
var ErrBadInput = errors.New("bad bounce notice")

func bad(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrBadInput, fmt.Sprintf(format, args...))
}

// Parse reads a webhook body in any of the supported formats. Events that
// are not bounces or complaints (deliveries, opens in a SendGrid batch)
// are skipped. SubscribeURL is set for an SNS subscription confirmation,
// which carries no notices.
func Parse(body []byte) (notices []Notice, subscribeURL string, err error) {
	body = bytes.TrimSpace(body)
	if len(body) == 0 {
		return nil, "", bad("the body is empty; send a JSON object or list")
	}
	if body[0] == '[' {
		var items []json.RawMessage
		if err := json.Unmarshal(body, &items); err != nil {
			return nil, "", bad("the body is not valid JSON: %v", err)
		}
		if len(items) > MaxNotices {
			return nil, "", bad("at most %d notices per request", MaxNotices)
		}
		for i, it := range items {
			ns, err := parseOne(it)
			if err != nil {
				return nil, "", fmt.Errorf("item %d: %w", i, err)
			}
			notices = append(notices, ns...)
		}
		return notices, "", nil
	}
	var probe map[string]json.RawMessage
	if err := json.Unmarshal(body, &probe); err != nil {
		return nil, "", bad("the body is not valid JSON: %v", err)
	}
	if _, ok := probe["TopicArn"]; ok {
		return parseSNS(body)
	}
	notices, err = parseOne(body)
	return notices, "", err
}

// parseOne reads one JSON object of any format.
func parseOne(b json.RawMessage) ([]Notice, error) {
	var probe map[string]json.RawMessage
	if err := json.Unmarshal(b, &probe); err != nil {
		return nil, bad("each notice must be a JSON object")
	}
	switch {
	case has(probe, "notificationType") || has(probe, "eventType"):
		return parseSES(b)
	case has(probe, "event-data"):
		return parseMailgun(b)
	case has(probe, "RecordType"):
		return parsePostmark(b)
	case has(probe, "sg_event_id") || has(probe, "event"):
		return parseSendGrid(b)
	case has(probe, "email"):
		n, err := parseGeneric(b)
		return []Notice{n}, err
	}
	return nil, bad("unknown format: expected {\"email\", \"type\"} or the webhook of SES, SendGrid, Mailgun or Postmark")
}

func has(m map[string]json.RawMessage, k string) bool { _, ok := m[k]; return ok }

// ---- generic ----

func parseGeneric(b json.RawMessage) (Notice, error) {
	var g struct {
		Email     string `json:"email"`
		Type      string `json:"type"`
		MessageID string `json:"message_id"`
		Reason    string `json:"reason"`
	}
	if err := json.Unmarshal(b, &g); err != nil {
		return Notice{}, bad("generic notice: %v", err)
	}
	n := Notice{Email: strings.TrimSpace(g.Email), Type: strings.ToLower(strings.TrimSpace(g.Type)), MessageID: g.MessageID,
		Reason: g.Reason, Format: "generic"}
	if n.Email == "" {
		return n, bad("email: enter the address that bounced")
	}
	switch n.Type {
	case Hard, Soft, Complaint:
	default:
		return n, bad("type: choose hard, soft or complaint")
	}
	return n, nil
}

// ---- Amazon SES (SNS) ----

func parseSNS(body []byte) ([]Notice, string, error) {
	var env struct {
		Type         string `json:"Type"`
		Message      string `json:"Message"`
		SubscribeURL string `json:"SubscribeURL"`
	}
	if err := json.Unmarshal(body, &env); err != nil {
		return nil, "", bad("SNS envelope: %v", err)
	}
	switch env.Type {
	case "SubscriptionConfirmation":
		return nil, env.SubscribeURL, nil
	case "Notification":
		ns, err := parseSES(json.RawMessage(env.Message))
		return ns, "", err
	}
	return nil, "", nil // UnsubscribeConfirmation and others: nothing to do
}

func parseSES(b json.RawMessage) ([]Notice, error) {
	var s struct {
		NotificationType string `json:"notificationType"`
		EventType        string `json:"eventType"`
		Bounce           struct {
			BounceType        string `json:"bounceType"`
			BounceSubType     string `json:"bounceSubType"`
			BouncedRecipients []struct {
				EmailAddress   string `json:"emailAddress"`
				DiagnosticCode string `json:"diagnosticCode"`
			} `json:"bouncedRecipients"`
		} `json:"bounce"`
		Complaint struct {
			ComplainedRecipients []struct {
				EmailAddress string `json:"emailAddress"`
			} `json:"complainedRecipients"`
			ComplaintFeedbackType string `json:"complaintFeedbackType"`
		} `json:"complaint"`
		Mail struct {
			Headers []struct {
				Name  string `json:"name"`
				Value string `json:"value"`
			} `json:"headers"`
			CommonHeaders struct {
				MessageID string `json:"messageId"`
			} `json:"commonHeaders"`
		} `json:"mail"`
	}
	if err := json.Unmarshal(b, &s); err != nil {
		return nil, bad("SES notification: %v", err)
	}
	msgID := s.Mail.CommonHeaders.MessageID
	for _, h := range s.Mail.Headers {
		if strings.EqualFold(h.Name, "Message-ID") {
			msgID = h.Value
		}
	}
	kind := s.NotificationType
	if kind == "" {
		kind = s.EventType
	}
	var out []Notice
	switch kind {
	case "Bounce":
		typ := Soft
		if s.Bounce.BounceType == "Permanent" {
			typ = Hard
		}
		for _, r := range s.Bounce.BouncedRecipients {
			reason := r.DiagnosticCode
			if reason == "" {
				reason = s.Bounce.BounceType + "/" + s.Bounce.BounceSubType
			}
			out = append(out, Notice{Email: r.EmailAddress, Type: typ, MessageID: msgID, Reason: reason, Format: "ses"})
		}
	case "Complaint":
		for _, r := range s.Complaint.ComplainedRecipients {
			out = append(out, Notice{Email: r.EmailAddress, Type: Complaint, MessageID: msgID,
				Reason: s.Complaint.ComplaintFeedbackType, Format: "ses"})
		}
	}
	return out, nil
}

// ---- SendGrid event webhook ----

func parseSendGrid(b json.RawMessage) ([]Notice, error) {
	var e struct {
		Email  string `json:"email"`
		Event  string `json:"event"`
		Type   string `json:"type"`
		Reason string `json:"reason"`
		Status string `json:"status"`
		SMTPID string `json:"smtp-id"`
	}
	if err := json.Unmarshal(b, &e); err != nil {
		return nil, bad("SendGrid event: %v", err)
	}
	n := Notice{Email: e.Email, MessageID: e.SMTPID, Reason: strings.TrimSpace(e.Status + " " + e.Reason), Format: "sendgrid"}
	switch {
	case e.Event == "bounce" && e.Type == "blocked":
		n.Type = Soft // blocked: a temporary refusal, SendGrid retries
	case e.Event == "bounce":
		n.Type = Hard
	case e.Event == "deferred":
		n.Type = Soft
	case e.Event == "spamreport":
		n.Type = Complaint
	default:
		return nil, nil // processed, delivered, open, click, …
	}
	return []Notice{n}, nil
}

// ---- Mailgun ----

func parseMailgun(b json.RawMessage) ([]Notice, error) {
	var m struct {
		EventData struct {
			Event     string `json:"event"`
			Severity  string `json:"severity"`
			Recipient string `json:"recipient"`
			Reason    string `json:"reason"`
			Message   struct {
				Headers struct {
					MessageID string `json:"message-id"`
				} `json:"headers"`
			} `json:"message"`
			DeliveryStatus struct {
				Message     string `json:"message"`
				Description string `json:"description"`
				Code        int    `json:"code"`
			} `json:"delivery-status"`
		} `json:"event-data"`
	}
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, bad("Mailgun webhook: %v", err)
	}
	d := m.EventData
	n := Notice{Email: d.Recipient, MessageID: d.Message.Headers.MessageID, Format: "mailgun",
		Reason: strings.TrimSpace(fmt.Sprint(d.DeliveryStatus.Code) + " " + d.DeliveryStatus.Message + " " + d.DeliveryStatus.Description)}
	switch {
	case d.Event == "failed" && d.Severity == "permanent":
		n.Type = Hard
	case d.Event == "failed":
		n.Type = Soft
	case d.Event == "complained":
		n.Type, n.Reason = Complaint, "complained"
	default:
		return nil, nil
	}
	return []Notice{n}, nil
}

// ---- Postmark ----

func parsePostmark(b json.RawMessage) ([]Notice, error) {
	var p struct {
		RecordType  string `json:"RecordType"`
		Type        string `json:"Type"`
		Email       string `json:"Email"`
		Description string `json:"Description"`
		Details     string `json:"Details"`
	}
	if err := json.Unmarshal(b, &p); err != nil {
		return nil, bad("Postmark webhook: %v", err)
	}
	n := Notice{Email: p.Email, Reason: strings.TrimSpace(p.Type + ": " + p.Description), Format: "postmark"}
	switch {
	case p.RecordType == "SpamComplaint" || p.Type == "SpamComplaint":
		n.Type = Complaint
	case p.RecordType != "Bounce":
		return nil, nil
	case p.Type == "HardBounce" || p.Type == "BadEmailAddress" || p.Type == "ManuallyDeactivated":
		n.Type = Hard
	default:
		n.Type = Soft // SoftBounce, Transient, DnsError, AutoResponder, …
	}
	return []Notice{n}, nil
}
