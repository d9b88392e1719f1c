package crm

import (
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Site is a web site the organisation owns and tracks: the tracker snippet
// names it by its public key; beacons are accepted only from its origins.
type Site struct {
	ID         int64
	Name       string
	Domain     string   // the organisation's domain, lower case, e.g. example.co.jp
	Key        string   // public site key (random, unguessable)
	Origins    []string // allowed origins, normalised scheme://host[:port]
	Cookieless bool     // daily rotating hashed ids: aggregate numbers only
	HonourGPC  bool     // drop events of browsers that send GPC or DNT
	CreatedAt  time.Time
	UpdatedAt  time.Time
	Version    int64
}

// MaxSiteOrigins bounds a site's allowed origins.
const MaxSiteOrigins = 20

// Normalize trims the fields and normalises the domain and the origins
// (invalid origins are kept as typed, for Validate to report).
func (s *Site) Normalize() {
	s.Name = strings.TrimSpace(s.Name)
	s.Domain = NormalizeDomain(s.Domain)
	var out []string
	seen := map[string]bool{}
	for _, o := range s.Origins {
		o = strings.TrimSpace(o)
		if o == "" {
			continue
		}
		if n, err := NormalizeOrigin(o); err == nil {
			o = n
		}
		if !seen[o] {
			seen[o] = true
			out = append(out, o)
		}
	}
	s.Origins = out
}

// Validate checks a normalised site.
func (s Site) Validate() error {
	v := &ValidationError{}
	switch {
	case s.Name == "":
		v.Add("name", "is required")
	case utf8.RuneCountInString(s.Name) > 200:
		v.Add("name", "is too long (200 characters at most)")
	case strings.ContainsAny(s.Name, "\r\n"):
		v.Add("name", "must be on one line")
	}
	if !validHostname(s.Domain) {
		v.Add("domain", "is not a web domain (e.g. example.co.jp)")
	}
	if len(s.Origins) > MaxSiteOrigins {
		v.Add("origins", "are too many (20 at most)")
	}
	for _, o := range s.Origins {
		if _, err := NormalizeOrigin(o); err != nil {
			v.Add("origins", "must be origins such as https://www.example.co.jp, one per line")
		}
	}
	return v.Err()
}

// validHostname reports whether h is a DNS name with at least two labels.
func validHostname(h string) bool {
	if len(h) == 0 || len(h) > 253 || !strings.Contains(h, ".") {
		return false
	}
	for _, label := range strings.Split(h, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for _, r := range label {
			if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r >= 0x80) {
				return false
			}
		}
	}
	return true
}

// NormalizeOrigin turns "HTTPS://WWW.Example.jp:443/" into
// "https://www.example.jp": scheme http or https, a host name or an IP
// address, a port only when it is not the scheme's default, and nothing
// else (no path, query, user or fragment).
func NormalizeOrigin(s string) (string, error) {
	u, err := url.Parse(strings.TrimSpace(s))
	if err != nil {
		return "", err
	}
	scheme := strings.ToLower(u.Scheme)
	if scheme != "http" && scheme != "https" {
		return "", errBadOrigin
	}
	if u.User != nil || u.RawQuery != "" || u.Fragment != "" || (u.Path != "" && u.Path != "/") || u.Opaque != "" {
		return "", errBadOrigin
	}
	host := strings.ToLower(u.Hostname())
	if host == "" {
		return "", errBadOrigin
	}
	if ip := net.ParseIP(host); ip == nil && host != "localhost" && !validHostname(host) {
		return "", errBadOrigin
	}
	port := u.Port()
	if port != "" {
		n, err := strconv.Atoi(port)
		if err != nil || n < 1 || n > 65535 {
			return "", errBadOrigin
		}
		if (scheme == "http" && n == 80) || (scheme == "https" && n == 443) {
			port = ""
		}
	}
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	if port != "" {
		return scheme + "://" + host + ":" + port, nil
	}
	return scheme + "://" + host, nil
}

type originError struct{}

func (originError) Error() string { return "not an origin" }

var errBadOrigin error = originError{}

// AllowsOrigin reports whether a browser's Origin header is one of the
// site's registered origins.
func (s Site) AllowsOrigin(origin string) bool {
	n, err := NormalizeOrigin(origin)
	if err != nil {
		return false
	}
	for _, o := range s.Origins {
		if o == n {
			return true
		}
	}
	return false
}
