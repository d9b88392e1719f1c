package crm

import (
	"net/mail"
	"strings"
)

// SMTPRelay is one SMTP server that marketing mail may go through. Several
// relays share the load by weight; each keeps up to MaxConns persistent
// connections and sends up to PerConn messages on one before it reconnects.
type SMTPRelay struct {
	Name               string `json:"name"`
	Host               string `json:"host"`
	Port               int    `json:"port"`
	Security           string `json:"security"` // starttls | tls | none
	Username           string `json:"username"`
	Password           string `json:"password,omitempty"`
	InsecureSkipVerify bool   `json:"insecure_skip_verify"`
	Weight             int    `json:"weight"`    // share of the messages (1–100)
	MaxConns           int    `json:"max_conns"` // persistent connections (1–50)
	PerConn            int    `json:"per_conn"`  // messages per connection before reconnecting (1–10000)
}

// Compliance is what every marketing message must say about its sender
// (特定電子メール法 / CAN-SPAM): who sends it, a postal address and an
// address to write to. No broadcast starts without it.
type Compliance struct {
	SenderName    string `json:"sender_name"`
	PostalAddress string `json:"postal_address"`
	ContactEmail  string `json:"contact_email"`
}

// Complete reports whether every part of the block is filled in.
func (c Compliance) Complete() bool {
	return strings.TrimSpace(c.SenderName) != "" && strings.TrimSpace(c.PostalAddress) != "" && strings.TrimSpace(c.ContactEmail) != ""
}

// SendingSettings are the workspace's settings for marketing mail.
type SendingSettings struct {
	Relays      []SMTPRelay `json:"relays"`
	Domain      string      `json:"domain"`       // the sending domain (DKIM d=, the mailto unsubscribe)
	FromAddress string      `json:"from_address"` // the workspace's sender address, on the domain
	FromName    string      `json:"from_name"`
	// DKIM: the selector and the RSA private key (PKCS#1 or PKCS#8 PEM);
	// an empty key means the relay signs.
	DKIMSelector string     `json:"dkim_selector"`
	DKIMKey      string     `json:"dkim_key,omitempty"`
	Compliance   Compliance `json:"compliance"`
	// Throttle for the whole workspace (0 = no limit); a broadcast may set a lower one.
	PerSecond int `json:"per_second"`
	PerHour   int `json:"per_hour"`
}

// Limits of the sending settings.
const (
	MaxRelays   = 10
	MaxPerConn  = 10000
	MaxConns    = 50
	MaxDKIMSize = 16 << 10
)

// Normalize trims text and fills the relays' defaults.
func (s *SendingSettings) Normalize() {
	s.Domain = strings.ToLower(strings.TrimSpace(s.Domain))
	s.FromAddress = strings.TrimSpace(s.FromAddress)
	s.FromName = strings.TrimSpace(s.FromName)
	s.DKIMSelector = strings.TrimSpace(s.DKIMSelector)
	s.DKIMKey = strings.TrimSpace(s.DKIMKey)
	s.Compliance.SenderName = strings.TrimSpace(s.Compliance.SenderName)
	s.Compliance.PostalAddress = strings.TrimSpace(s.Compliance.PostalAddress)
	s.Compliance.ContactEmail = strings.TrimSpace(s.Compliance.ContactEmail)
	for i := range s.Relays {
		r := &s.Relays[i]
		r.Name, r.Host = strings.TrimSpace(r.Name), strings.TrimSpace(r.Host)
		if r.Security == "" {
			r.Security = "starttls"
		}
		if r.Weight == 0 {
			r.Weight = 1
		}
		if r.MaxConns == 0 {
			r.MaxConns = 4
		}
		if r.PerConn == 0 {
			r.PerConn = 1000
		}
	}
}

// Validate returns one message per bad field; relay fields are named
// relays.N.field.
func (s SendingSettings) Validate() error {
	v := &ValidationError{}
	if len(s.Relays) > MaxRelays {
		v.Add("relays", "use at most 10 SMTP servers")
	}
	for i, r := range s.Relays {
		validRelay(v, "relays."+itoa(i)+".", r)
	}
	if s.Domain != "" && !validDomain(s.Domain) {
		v.Add("domain", "enter a domain such as mail.example.jp")
	}
	if s.FromAddress != "" {
		if !oneLineEmail(s.FromAddress) {
			v.Add("from_address", "enter the sender's address, such as info@example.jp")
		} else if s.Domain != "" && !strings.HasSuffix(strings.ToLower(s.FromAddress), "@"+s.Domain) &&
			!strings.HasSuffix(strings.ToLower(s.FromAddress), "."+s.Domain) {
			v.Add("from_address", "use an address on the sending domain")
		}
	}
	if strings.ContainsAny(s.FromName+s.Compliance.SenderName, "\r\n") {
		v.Add("from_name", "must be on one line")
	}
	if s.DKIMKey != "" {
		if s.DKIMSelector == "" || !validLabel(s.DKIMSelector) {
			v.Add("dkim_selector", "enter a selector such as renkei (letters, digits and hyphens)")
		}
		if s.Domain == "" {
			v.Add("domain", "is required for DKIM")
		}
		if len(s.DKIMKey) > MaxDKIMSize {
			v.Add("dkim_key", "is too long for an RSA key")
		}
	}
	if s.Compliance.ContactEmail != "" && !oneLineEmail(s.Compliance.ContactEmail) {
		v.Add("compliance.contact_email", "enter a valid e-mail address")
	}
	if len(s.Compliance.PostalAddress) > 500 {
		v.Add("compliance.postal_address", "use at most 500 characters")
	}
	if s.PerSecond < 0 || s.PerSecond > 100000 {
		v.Add("per_second", "enter a number from 0 (no limit) to 100000")
	}
	if s.PerHour < 0 || s.PerHour > 100000000 {
		v.Add("per_hour", "enter a number from 0 (no limit) to 100000000")
	}
	return v.Err()
}

func validRelay(v *ValidationError, p string, r SMTPRelay) {
	if r.Host == "" {
		v.Add(p+"host", "is required")
	} else if strings.ContainsAny(r.Host, " /\r\n") {
		v.Add(p+"host", "must be a host name or address")
	}
	if r.Port < 1 || r.Port > 65535 {
		v.Add(p+"port", "must be a port number such as 587")
	}
	switch r.Security {
	case "starttls", "tls", "none":
	default:
		v.Add(p+"security", "choose starttls, tls or none")
	}
	if strings.ContainsAny(r.Username+r.Password+r.Name, "\r\n") {
		v.Add(p+"username", "must be on one line")
	}
	if r.Weight < 1 || r.Weight > 100 {
		v.Add(p+"weight", "enter a weight from 1 to 100")
	}
	if r.MaxConns < 1 || r.MaxConns > MaxConns {
		v.Add(p+"max_conns", "enter from 1 to 50 connections")
	}
	if r.PerConn < 1 || r.PerConn > MaxPerConn {
		v.Add(p+"per_conn", "enter from 1 to 10000 messages per connection")
	}
}

// ComplianceError is the error of a send without the compliance block.
func ComplianceError(c Compliance) error {
	v := &ValidationError{}
	if c.SenderName == "" {
		v.Add("compliance.sender_name", "enter the sender name that every marketing e-mail must show (Settings → E-mail sending)")
	}
	if c.PostalAddress == "" {
		v.Add("compliance.postal_address", "enter the postal address that every marketing e-mail must show (Settings → E-mail sending)")
	}
	if c.ContactEmail == "" {
		v.Add("compliance.contact_email", "enter the contact address that every marketing e-mail must show (Settings → E-mail sending)")
	}
	return v.Err()
}

func oneLineEmail(s string) bool {
	if strings.ContainsAny(s, "\r\n <>\"") {
		return false
	}
	a, err := mail.ParseAddress(s)
	return err == nil && a.Address == s && strings.Contains(s, "@")
}

func validDomain(d string) bool {
	if len(d) > 253 || !strings.Contains(d, ".") {
		return false
	}
	for _, l := range strings.Split(d, ".") {
		if !validLabel(l) {
			return false
		}
	}
	return true
}

func validLabel(l string) bool {
	if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
		return false
	}
	for i := 0; i < len(l); i++ {
		c := l[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

func itoa(i int) string {
	if i < 10 {
		return string(rune('0' + i))
	}
	return itoa(i/10) + string(rune('0'+i%10))
}
