// Package config reads Renkei's settings from flags and environment
// variables. A flag wins over its variable; the variable over the default.
package config

import (
	"errors"
	"flag"
	"fmt"
	"net/netip"
	"net/url"
	"strconv"
	"strings"

	"renkei/internal/httpx"
)

// Config is what `renkei serve` needs.
type Config struct {
	Addr           string // RENKEI_ADDR, default 127.0.0.1:8080
	DataDir        string // RENKEI_DATA_DIR, default ./renkei-data
	DatabaseURL    string // RENKEI_DATABASE_URL: postgres://… switches to PostgreSQL
	BaseURL        string // RENKEI_BASE_URL: public URL, for links in e-mails
	TrustedProxies []netip.Prefix
	Synchronous    string // RENKEI_SQLITE_SYNCHRONOUS: FULL (default) or NORMAL
	LogFormat      string // RENKEI_LOG_FORMAT: text (default) or json
	Demo           bool   // --demo: fill an empty workspace with demo data
	TrackRateIP    int    // RENKEI_TRACK_RATE_IP: beacons per client address per minute, 0 = no limit
	TrackRateSite  int    // RENKEI_TRACK_RATE_SITE: beacons per site per minute, 0 = no limit
	// E-mail recipients (docs/email-recipients.md).
	InboundSMTPAddr string   // RENKEI_INBOUND_SMTP_ADDR: the inbound SMTP listener (bounces, replies); "" = off
	InboundDomains  []string // RENKEI_INBOUND_DOMAINS: the domains it accepts mail for
	DNSResolver     string   // RENKEI_DNS_RESOLVER: host:port of the resolver of the domain check; "" = the system's
}

// Var describes one setting, for `renkei help` and the README table.
type Var struct{ Flag, Env, Default, Help string }

// Vars lists every setting.
var Vars = []Var{
	{"--addr", "RENKEI_ADDR", "127.0.0.1:8080", "address to listen on"},
	{"--data", "RENKEI_DATA_DIR", "./renkei-data", "directory of the SQLite database"},
	{"--database-url", "RENKEI_DATABASE_URL", "", "postgres://user@host/db switches to PostgreSQL"},
	{"--base-url", "RENKEI_BASE_URL", "http://<addr>", "public URL, used in links in e-mails"},
	{"--trusted-proxies", "RENKEI_TRUSTED_PROXIES", "", "proxies whose X-Forwarded-For is believed (IPs or CIDRs, comma-separated)"},
	{"--sqlite-synchronous", "RENKEI_SQLITE_SYNCHRONOUS", "FULL", "FULL: a 2xx survives power loss; NORMAL: survives a crash of renkei only"},
	{"--log-format", "RENKEI_LOG_FORMAT", "text", "text or json"},
	{"--track-rate-ip", "RENKEI_TRACK_RATE_IP", "600", "tracking beacons and form posts per client address per minute (0 = no limit)"},
	{"--track-rate-site", "RENKEI_TRACK_RATE_SITE", "60000", "tracking beacons per site (and posts per form) per minute (0 = no limit)"},
	{"--inbound-smtp-addr", "RENKEI_INBOUND_SMTP_ADDR", "", "inbound SMTP listener for bounces, complaints and replies, e.g. 127.0.0.1:2525 (empty = off)"},
	{"--inbound-domains", "RENKEI_INBOUND_DOMAINS", "", "domains the inbound listener accepts mail for (comma-separated; it relays nothing)"},
	{"--dns-resolver", "RENKEI_DNS_RESOLVER", "", "DNS server (host:port) of the sending-domain check (empty = the system's)"},
}

// Parse reads flags (args after the subcommand) and the environment.
func Parse(name string, args []string, getenv func(string) string) (Config, *flag.FlagSet, error) {
	return ParseWith(name, args, getenv, nil)
}

// ParseWith is Parse with extra command-specific flags added by extra.
func ParseWith(name string, args []string, getenv func(string) string, extra func(*flag.FlagSet)) (Config, *flag.FlagSet, error) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	if extra != nil {
		extra(fs)
	}
	def := func(env, d string) string {
		if v := getenv(env); v != "" {
			return v
		}
		return d
	}
	var c Config
	var proxies string
	fs.StringVar(&c.Addr, "addr", def("RENKEI_ADDR", "127.0.0.1:8080"), "address to listen on")
	fs.StringVar(&c.DataDir, "data", def("RENKEI_DATA_DIR", "renkei-data"), "directory of the SQLite database")
	fs.StringVar(&c.DatabaseURL, "database-url", def("RENKEI_DATABASE_URL", ""), "PostgreSQL URL (postgres://…); empty = SQLite")
	fs.StringVar(&c.BaseURL, "base-url", def("RENKEI_BASE_URL", ""), "public URL of this server")
	fs.StringVar(&proxies, "trusted-proxies", def("RENKEI_TRUSTED_PROXIES", ""), "trusted proxies (IPs or CIDRs)")
	fs.StringVar(&c.Synchronous, "sqlite-synchronous", def("RENKEI_SQLITE_SYNCHRONOUS", "FULL"), "FULL or NORMAL")
	fs.StringVar(&c.LogFormat, "log-format", def("RENKEI_LOG_FORMAT", "text"), "text or json")
	var rateIP, rateSite string
	fs.StringVar(&rateIP, "track-rate-ip", def("RENKEI_TRACK_RATE_IP", "600"), "beacons per client address per minute (0 = no limit)")
	fs.StringVar(&rateSite, "track-rate-site", def("RENKEI_TRACK_RATE_SITE", "60000"), "beacons per site per minute (0 = no limit)")
	var domains string
	fs.StringVar(&c.InboundSMTPAddr, "inbound-smtp-addr", def("RENKEI_INBOUND_SMTP_ADDR", ""), "inbound SMTP listener address (empty = off)")
	fs.StringVar(&domains, "inbound-domains", def("RENKEI_INBOUND_DOMAINS", ""), "domains the inbound listener accepts mail for")
	fs.StringVar(&c.DNSResolver, "dns-resolver", def("RENKEI_DNS_RESOLVER", ""), "DNS server (host:port) of the domain check")
	fs.BoolVar(&c.Demo, "demo", false, "fill an empty workspace with demo data")
	if err := fs.Parse(args); err != nil {
		return c, fs, err
	}
	var err error
	if c.TrackRateIP, err = strconv.Atoi(strings.TrimSpace(rateIP)); err != nil || c.TrackRateIP < 0 {
		return c, fs, fmt.Errorf("track rate per IP %q must be a whole number ≥ 0", rateIP)
	}
	if c.TrackRateSite, err = strconv.Atoi(strings.TrimSpace(rateSite)); err != nil || c.TrackRateSite < 0 {
		return c, fs, fmt.Errorf("track rate per site %q must be a whole number ≥ 0", rateSite)
	}
	for _, d := range strings.Split(domains, ",") {
		if d = strings.ToLower(strings.TrimSpace(d)); d != "" {
			c.InboundDomains = append(c.InboundDomains, d)
		}
	}
	if c.InboundSMTPAddr != "" && len(c.InboundDomains) == 0 {
		return c, fs, errors.New("the inbound SMTP listener needs RENKEI_INBOUND_DOMAINS (the sending domain)")
	}
	if c.TrustedProxies, err = httpx.ParsePrefixes(proxies); err != nil {
		return c, fs, err
	}
	if c.BaseURL == "" {
		c.BaseURL = "http://" + c.Addr
	}
	u, err := url.Parse(c.BaseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return c, fs, fmt.Errorf("base URL %q must look like https://crm.example.com", c.BaseURL)
	}
	c.BaseURL = strings.TrimRight(c.BaseURL, "/")
	if c.LogFormat != "text" && c.LogFormat != "json" {
		return c, fs, errors.New("log format must be text or json")
	}
	return c, fs, nil
}
