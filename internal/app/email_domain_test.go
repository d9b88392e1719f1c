package app

import (
	"net"
	"strings"
	"testing"

	"github.com/miekg/dns"

	"renkei/internal/crm"
	"renkei/internal/i18n"
)

// dnsServer answers TXT queries from a map (name → records; a record with
// "|" is split into several strings, as long DKIM keys are published) on a
// local UDP port, and SERVFAIL for names under "broken.".
func dnsServer(t *testing.T, zone map[string][]string) string {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &dns.Server{PacketConn: pc, Handler: dns.HandlerFunc(func(w dns.ResponseWriter, q *dns.Msg) {
		m := new(dns.Msg)
		m.SetReply(q)
		name := strings.TrimSuffix(strings.ToLower(q.Question[0].Name), ".")
		recs, ok := zone[name]
		switch {
		case strings.HasSuffix(name, "broken.example"):
			m.Rcode = dns.RcodeServerFailure
		case !ok:
			m.Rcode = dns.RcodeNameError
		case q.Question[0].Qtype == dns.TypeTXT:
			for _, r := range recs {
				m.Answer = append(m.Answer, &dns.TXT{Hdr: dns.RR_Header{Name: q.Question[0].Name, Rrtype: dns.TypeTXT,
					Class: dns.ClassINET, Ttl: 60}, Txt: strings.Split(r, "|")})
			}
		}
		w.WriteMsg(m)
	})}
	go srv.ActivateAndServe()
	t.Cleanup(func() { srv.Shutdown() })
	return pc.LocalAddr().String()
}

func TestCheckSendingDomain(t *testing.T) {
	f := newFixture(t, crm.LangJA)
	const key = "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAtest"
	f.app.DNSResolver = dnsServer(t, map[string][]string{
		"good.example":                   {"google-site-verification=abc", "v=spf1 include:_spf.mailservice.example -all"},
		"renkei._domainkey.good.example": {"v=DKIM1; k=rsa; |p=MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAtest"},
		"_dmarc.good.example":            {"v=DMARC1; p=reject; rua=mailto:dmarc@good.example"},
		"bad.example":                    {"v=spf1 a mx", "v=spf1 include:x.example ~all"},
		"renkei._domainkey.bad.example":  {"v=DKIM1; k=rsa; p="},
		"_dmarc.bad.example":             {"v=DMARC1; p=none"},
		"open.example":                   {"v=spf1 +all"},
		"renkei._domainkey.open.example": {"v=DKIM1; p=OTHERKEY"},
		"_dmarc.open.example":            {"v=DMARC1; p=quarantine"},
		"soft.example":                   {"v=spf1 include:spf.other.example"},
	})
	run := func(domain, selector, pub string) map[string]DomainCheck {
		t.Helper()
		cs, err := f.app.CheckSendingDomain(ctx, f.owner, DomainCheckInput{Domain: domain, Selector: selector, PublicKey: pub})
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]DomainCheck{}
		for _, c := range cs {
			out[c.Name] = c
			if !i18n.Has(crm.LangJA, c.Key) || !i18n.Has(crm.LangEN, c.Key) {
				t.Errorf("%s %s: message %q missing", domain, c.Name, c.Key)
			}
		}
		return out
	}
	want := func(domain string, got map[string]DomainCheck, spf, dkim, dmarc string) {
		t.Helper()
		for name, w := range map[string]string{"spf": spf, "dkim": dkim, "dmarc": dmarc} {
			if got[name].Key != w {
				t.Errorf("%s %s = %s (%s), want %s", domain, name, got[name].Key, got[name].Status, w)
			}
		}
	}
	g := run("Good.Example.", "renkei", key)
	want("good", g, "email.check.spf_ok", "email.check.dkim_ok", "email.check.dmarc_ok")
	for _, c := range g {
		if c.Status != CheckPass {
			t.Errorf("good %s = %s", c.Name, c.Status)
		}
	}
	want("bad", run("bad.example", "renkei", ""), "email.check.spf_many", "email.check.dkim_revoked", "email.check.dmarc_none")
	want("open", run("open.example", "renkei", key), "email.check.spf_plus_all", "email.check.dkim_mismatch", "email.check.dmarc_rua")
	want("soft", run("soft.example", "", ""), "email.check.spf_no_all", "email.check.dkim_no_selector", "email.check.dmarc_missing")
	want("none", run("nothing.example", "renkei", ""), "email.check.spf_missing", "email.check.dkim_missing", "email.check.dmarc_missing")
	want("broken", run("broken.example", "renkei", ""), "email.check.lookup_failed", "email.check.lookup_failed", "email.check.lookup_failed")

	for _, bad := range []DomainCheckInput{{Domain: ""}, {Domain: "not a domain"}, {Domain: "example.jp; rm -rf"}, {Domain: "good.example", Selector: "bad selector!"}} {
		if _, err := f.app.CheckSendingDomain(ctx, f.owner, bad); err == nil {
			t.Errorf("%+v accepted", bad)
		}
	}
}

func TestSPFNamesHost(t *testing.T) {
	for _, c := range []struct {
		rec, host string
		want      bool
	}{
		{"v=spf1 include:sendgrid.net -all", "smtp.sendgrid.net", true},
		{"v=spf1 include:amazonses.com ~all", "email-smtp.ap-northeast-1.amazonaws.com", false},
		{"v=spf1 include:_spf.google.com ~all", "smtp.gmail.com", false},
		{"v=spf1 a:mail.example.co.jp -all", "mail.example.co.jp", true},
		{"v=spf1 include:spf.example.co.jp -all", "smtp.example.co.jp", true},
		{"v=spf1 mx -all", "mx1.good.example", true}, // inside the sending domain
	} {
		if got := spfNames(strings.Fields(c.rec), c.host, "good.example"); got != c.want {
			t.Errorf("spfNames(%q, %q) = %v", c.rec, c.host, got)
		}
	}
}
