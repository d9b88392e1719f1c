package app

import (
	"context"
	"errors"
	"net"
	"regexp"
	"strings"
	"time"

	"renkei/internal/crm"
)

// The sending-domain check (issue 8 §5): SPF, DKIM and DMARC records of
// the domain marketing mail is sent from, each with pass, warn or fail and
// a sentence saying what to fix (a message key of package i18n with its
// arguments, so the page and the API speak the reader's language).

// Check statuses.
const (
	CheckPass = "pass"
	CheckWarn = "warn"
	CheckFail = "fail"
)

// DomainCheck is the verdict on one record.
type DomainCheck struct {
	Name    string   // spf | dkim | dmarc
	Status  string   // pass | warn | fail
	Key     string   // i18n message key of the sentence
	Args    []string // its arguments
	Records []string // what was found
}

// DomainCheckInput names what to check. Selector and PublicKey are the
// DKIM key's (PublicKey: base64 of the key, as in p=; "" = do not compare).
type DomainCheckInput struct {
	Domain    string
	Selector  string
	PublicKey string
}

var (
	domainRE   = regexp.MustCompile(`^(?i)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$`)
	selectorRE = regexp.MustCompile(`^(?i)[a-z0-9](?:[a-z0-9.-]{0,61}[a-z0-9])?$`)
)

// resolver is the DNS client of the check: the configured server, or the
// system's.
func (a *App) resolver() *net.Resolver {
	if a.DNSResolver == "" {
		return &net.Resolver{PreferGo: true}
	}
	addr := a.DNSResolver
	return &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, network, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, network, addr)
	}}
}

// CheckSendingDomain looks up the domain's SPF, DKIM and DMARC records.
func (a *App) CheckSendingDomain(ctx context.Context, ac Actor, in DomainCheckInput) ([]DomainCheck, error) {
	if err := ac.require(crm.PermReadAll); err != nil {
		return nil, err
	}
	in.Domain = strings.TrimSuffix(strings.ToLower(strings.TrimSpace(in.Domain)), ".")
	in.Selector = strings.ToLower(strings.TrimSpace(in.Selector))
	in.PublicKey = strings.Join(strings.Fields(in.PublicKey), "")
	v := &crm.ValidationError{}
	if !domainRE.MatchString(in.Domain) || len(in.Domain) > 253 {
		v.Add("domain", "enter a domain such as example.jp")
	}
	if in.Selector != "" && !selectorRE.MatchString(in.Selector) {
		v.Add("selector", "enter a selector such as renkei (letters, digits, - and .)")
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	smtpHost := ""
	if srv, _, err := a.smtp(ctx); err == nil {
		smtpHost = strings.ToLower(srv.Host)
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	r := a.resolver()
	return []DomainCheck{
		checkSPF(ctx, r, in.Domain, smtpHost),
		checkDKIM(ctx, r, in.Domain, in.Selector, in.PublicKey),
		checkDMARC(ctx, r, in.Domain),
	}, nil
}

// txt returns the TXT records at name (nil when there are none) or a
// failed check when the lookup itself failed.
func txt(ctx context.Context, r *net.Resolver, name, check string) ([]string, *DomainCheck) {
	recs, err := r.LookupTXT(ctx, name)
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) && dnsErr.IsNotFound {
		return nil, nil
	}
	if err != nil {
		return nil, &DomainCheck{Name: check, Status: CheckFail, Key: "email.check.lookup_failed", Args: []string{name}}
	}
	return recs, nil
}

func withPrefix(recs []string, prefix string) []string {
	var out []string
	for _, s := range recs {
		if strings.HasPrefix(strings.ToLower(strings.TrimSpace(s)), prefix) {
			out = append(out, strings.TrimSpace(s))
		}
	}
	return out
}

func checkSPF(ctx context.Context, r *net.Resolver, domain, smtpHost string) DomainCheck {
	recs, failed := txt(ctx, r, domain, "spf")
	if failed != nil {
		return *failed
	}
	spf := withPrefix(recs, "v=spf1")
	c := DomainCheck{Name: "spf", Records: spf}
	switch {
	case len(spf) == 0:
		c.Status, c.Key, c.Args = CheckFail, "email.check.spf_missing", []string{domain}
		return c
	case len(spf) > 1:
		c.Status, c.Key = CheckFail, "email.check.spf_many"
		return c
	}
	terms := strings.Fields(strings.ToLower(spf[0]))
	last := terms[len(terms)-1]
	switch last {
	case "-all", "~all":
	case "+all", "all":
		c.Status, c.Key = CheckFail, "email.check.spf_plus_all"
		return c
	default:
		c.Status, c.Key = CheckWarn, "email.check.spf_no_all"
		return c
	}
	if smtpHost != "" && net.ParseIP(smtpHost) == nil && smtpHost != "localhost" && !spfNames(terms, smtpHost, domain) {
		c.Status, c.Key, c.Args = CheckWarn, "email.check.spf_host", []string{smtpHost}
		return c
	}
	c.Status, c.Key = CheckPass, "email.check.spf_ok"
	return c
}

// spfNames reports whether an SPF record's mechanisms name the SMTP host
// or its provider's domain (include:sendgrid.net for smtp.sendgrid.net),
// or the host is in the sending domain itself (covered by a or mx).
func spfNames(terms []string, host, domain string) bool {
	if host == domain || strings.HasSuffix(host, "."+domain) {
		return true
	}
	base := registered(host)
	for _, t := range terms {
		t = strings.TrimLeft(t, "+-~?")
		_, target, ok := strings.Cut(t, ":")
		if !ok {
			continue
		}
		target = strings.TrimSuffix(target, ".")
		if target == host || strings.HasSuffix(target, "."+base) || target == base {
			return true
		}
	}
	return false
}

// registered is the last two labels of a host (three under a two-letter
// second level such as co.jp): a guess at the provider's domain.
func registered(host string) string {
	labels := strings.Split(host, ".")
	n := 2
	if len(labels) >= 3 && len(labels[len(labels)-2]) <= 3 && len(labels[len(labels)-1]) == 2 {
		n = 3
	}
	if len(labels) <= n {
		return host
	}
	return strings.Join(labels[len(labels)-n:], ".")
}

// tags parses a tag=value; list (DKIM, DMARC).
func tags(rec string) map[string]string {
	out := map[string]string{}
	for _, part := range strings.Split(rec, ";") {
		k, v, ok := strings.Cut(part, "=")
		if ok {
			out[strings.ToLower(strings.TrimSpace(k))] = strings.Join(strings.Fields(v), "")
		}
	}
	return out
}

func checkDKIM(ctx context.Context, r *net.Resolver, domain, selector, publicKey string) DomainCheck {
	c := DomainCheck{Name: "dkim"}
	if selector == "" {
		c.Status, c.Key = CheckWarn, "email.check.dkim_no_selector"
		return c
	}
	name := selector + "._domainkey." + domain
	recs, failed := txt(ctx, r, name, "dkim")
	if failed != nil {
		return *failed
	}
	// A long key comes as several strings of one record; LookupTXT joins
	// them. Keep the records that look like DKIM keys.
	var keys []string
	for _, s := range recs {
		if t := tags(s); t["v"] == "DKIM1" || t["p"] != "" || strings.Contains(s, "p=") {
			keys = append(keys, s)
		}
	}
	c.Records = keys
	switch {
	case len(keys) == 0:
		c.Status, c.Key, c.Args = CheckFail, "email.check.dkim_missing", []string{name}
		return c
	case len(keys) > 1:
		c.Status, c.Key, c.Args = CheckFail, "email.check.dkim_many", []string{name}
		return c
	}
	t := tags(keys[0])
	switch {
	case t["v"] != "DKIM1":
		c.Status, c.Key = CheckFail, "email.check.dkim_version"
	case t["p"] == "":
		c.Status, c.Key = CheckFail, "email.check.dkim_revoked"
	case publicKey != "" && t["p"] != publicKey:
		c.Status, c.Key = CheckFail, "email.check.dkim_mismatch"
	default:
		c.Status, c.Key = CheckPass, "email.check.dkim_ok"
	}
	return c
}

func checkDMARC(ctx context.Context, r *net.Resolver, domain string) DomainCheck {
	name := "_dmarc." + domain
	recs, failed := txt(ctx, r, name, "dmarc")
	if failed != nil {
		return *failed
	}
	dm := withPrefix(recs, "v=dmarc1")
	c := DomainCheck{Name: "dmarc", Records: dm}
	switch {
	case len(dm) == 0:
		c.Status, c.Key, c.Args = CheckFail, "email.check.dmarc_missing", []string{name}
		return c
	case len(dm) > 1:
		c.Status, c.Key = CheckFail, "email.check.dmarc_many"
		return c
	}
	t := tags(dm[0])
	switch strings.ToLower(t["p"]) {
	case "quarantine", "reject":
	case "none":
		c.Status, c.Key = CheckWarn, "email.check.dmarc_none"
		return c
	default:
		c.Status, c.Key = CheckFail, "email.check.dmarc_policy"
		return c
	}
	if t["rua"] == "" {
		c.Status, c.Key = CheckWarn, "email.check.dmarc_rua"
		return c
	}
	c.Status, c.Key, c.Args = CheckPass, "email.check.dmarc_ok", []string{strings.ToLower(t["p"])}
	return c
}
