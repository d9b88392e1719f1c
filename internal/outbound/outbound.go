// Package outbound is the HTTP client for requests that Renkei makes to
// addresses its users typed in (webhooks). It refuses to reach the machine
// it runs on or its private network (SSRF): every address is checked when
// the connection is dialled, after name resolution, so a host name that
// resolves to 127.0.0.1 or a DNS answer that changes between a check and
// the request cannot get through. Redirects are not followed, the request
// has a time limit and only the first bytes of the response are read.
package outbound

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Options configure a Client.
type Options struct {
	// AllowPrivate lets requests reach loopback, private and link-local
	// addresses (an admin's choice, for receivers on the same network).
	AllowPrivate bool
	// Timeout bounds a whole request, response body included (default 10 s).
	Timeout time.Duration
	// MaxBody is how many bytes of the response are kept (default 1024).
	MaxBody int64
	// LookupIP resolves host names (default net.DefaultResolver.LookupIP
	// with "ip"). Tests put a resolver of their own here.
	LookupIP func(ctx context.Context, network, host string) ([]net.IP, error)
}

// Client sends requests to user-given URLs.
type Client struct {
	o    Options
	http *http.Client
}

// New builds a Client.
func New(o Options) *Client {
	if o.Timeout <= 0 {
		o.Timeout = 10 * time.Second
	}
	if o.MaxBody <= 0 {
		o.MaxBody = 1024
	}
	if o.LookupIP == nil {
		o.LookupIP = net.DefaultResolver.LookupIP
	}
	c := &Client{o: o}
	dialer := &net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second, Control: c.control}
	tr := &http.Transport{
		Proxy: nil, // never through a proxy from the environment: it would dial for us
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			return c.dial(ctx, dialer, network, addr)
		},
		ForceAttemptHTTP2:      true,
		MaxIdleConns:           20,
		IdleConnTimeout:        60 * time.Second,
		TLSHandshakeTimeout:    5 * time.Second,
		ResponseHeaderTimeout:  o.Timeout,
		MaxResponseHeaderBytes: 16 << 10,
	}
	c.http = &http.Client{
		Transport: tr,
		Timeout:   o.Timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
	return c
}

// BlockedError says why an address may not be reached.
type BlockedError struct {
	Host   string // as written in the URL
	Addr   string // the address it stands for, when known
	Reason string
}

func (e *BlockedError) Error() string {
	switch {
	case e.Addr != "" && e.Addr != e.Host:
		return fmt.Sprintf("refused: %s is %s, which is %s (private network targets are not allowed)", e.Host, e.Addr, e.Reason)
	case e.Addr != "":
		return fmt.Sprintf("refused: %s is %s (private network targets are not allowed)", e.Host, e.Reason)
	}
	return fmt.Sprintf("refused: %s: %s", e.Host, e.Reason)
}

// IsBlocked reports whether err comes from the address check.
func IsBlocked(err error) bool {
	var b *BlockedError
	return errors.As(err, &b)
}

// Response is what is kept of an answer.
type Response struct {
	Status   int
	Body     []byte // the first MaxBody bytes
	Duration time.Duration
}

// Do sends req and reads at most MaxBody bytes of the answer. A redirect is
// returned as it is (its status), not followed.
func (c *Client) Do(req *http.Request) (Response, error) {
	start := time.Now()
	if err := c.CheckURL(req.URL); err != nil {
		return Response{}, err
	}
	res, err := c.http.Do(req)
	if err != nil {
		return Response{Duration: time.Since(start)}, unwrapBlocked(err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(io.LimitReader(res.Body, c.o.MaxBody))
	// Drain a little more so the connection can be reused, never much.
	io.CopyN(io.Discard, res.Body, 64<<10)
	return Response{Status: res.StatusCode, Body: body, Duration: time.Since(start)}, err
}

// unwrapBlocked returns the BlockedError inside a transport error, so the
// message says why and not only which URL failed.
func unwrapBlocked(err error) error {
	var b *BlockedError
	if errors.As(err, &b) {
		return b
	}
	return err
}

// CheckURL checks what can be checked before dialling: the scheme, and a
// host written as an IP address (in any spelling). Host names are checked
// when they are resolved.
func (c *Client) CheckURL(u *url.URL) error {
	if u.Scheme != "https" && u.Scheme != "http" {
		return &BlockedError{Host: u.Host, Reason: "only http and https URLs can be called"}
	}
	if u.Scheme == "http" && !c.o.AllowPrivate {
		return &BlockedError{Host: u.Host, Reason: "plain http is allowed only together with private network targets; use https"}
	}
	host := u.Hostname()
	if host == "" {
		return &BlockedError{Host: u.Host, Reason: "the URL has no host"}
	}
	if u.User != nil {
		return &BlockedError{Host: u.Host, Reason: "user names and passwords in the URL are not allowed"}
	}
	_, err := c.literal(host)
	return err
}

// literal parses a host written as an IP address, including the legacy
// spellings that C resolvers accept (0177.0.0.1, 0x7f.1, 2130706433, 127.1).
// Those are refused outright: they serve no purpose but to hide an address.
// ok is false for a host name.
func (c *Client) literal(host string) (ok bool, err error) {
	h := strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	if a, perr := netip.ParseAddr(h); perr == nil {
		return true, c.check(host, a)
	}
	if a, legacy := parseLegacyIPv4(h); legacy {
		if err := c.check(host, a); err != nil {
			return true, err
		}
		return true, &BlockedError{Host: host, Addr: a.String(), Reason: "an IP address in a non-standard spelling; write it as " + a.String()}
	}
	return false, nil
}

// parseLegacyIPv4 reads an IPv4 address the way inet_aton does: one to
// four parts, each decimal, octal (leading 0) or hexadecimal (0x), the last
// part filling the remaining bytes. It reports false for anything else,
// host names included.
func parseLegacyIPv4(s string) (netip.Addr, bool) {
	if s == "" || strings.HasSuffix(s, ".") {
		s = strings.TrimSuffix(s, ".")
		if s == "" {
			return netip.Addr{}, false
		}
	}
	parts := strings.Split(s, ".")
	if len(parts) > 4 {
		return netip.Addr{}, false
	}
	vals := make([]uint64, len(parts))
	for i, p := range parts {
		base := 10
		switch {
		case strings.HasPrefix(p, "0x") || strings.HasPrefix(p, "0X"):
			base, p = 16, p[2:]
			if p == "" {
				p = "0"
			}
		case len(p) > 1 && p[0] == '0':
			base, p = 8, p[1:]
		}
		v, err := strconv.ParseUint(p, base, 32)
		if err != nil || p == "" {
			return netip.Addr{}, false
		}
		vals[i] = v
	}
	var n uint64
	last := len(vals) - 1
	for i := 0; i < last; i++ {
		if vals[i] > 255 {
			return netip.Addr{}, false
		}
		n |= vals[i] << (24 - 8*uint(i))
	}
	if vals[last] >= 1<<(8*uint(4-last)) {
		return netip.Addr{}, false
	}
	n |= vals[last]
	return netip.AddrFrom4([4]byte{byte(n >> 24), byte(n >> 16), byte(n >> 8), byte(n)}), true
}

// dial resolves the host, checks every address it resolves to, and
// connects to the first one that answers, by address: the name is not
// resolved again between the check and the connection.
func (c *Client) dial(ctx context.Context, d *net.Dialer, network, addr string) (net.Conn, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	var addrs []netip.Addr
	if ok, err := c.literal(host); ok {
		if err != nil {
			return nil, err
		}
		a, _ := netip.ParseAddr(strings.Trim(host, "[]"))
		addrs = []netip.Addr{a}
	} else {
		ips, err := c.o.LookupIP(ctx, "ip", host)
		if err != nil {
			return nil, fmt.Errorf("resolve %s: %w", host, err)
		}
		for _, ip := range ips {
			a, ok := netip.AddrFromSlice(ip)
			if !ok {
				continue
			}
			// Every address must pass, not only the one we would use:
			// a name with one public and one private address is refused.
			if err := c.check(host, a.Unmap()); err != nil {
				return nil, err
			}
			addrs = append(addrs, a.Unmap())
		}
		if len(addrs) == 0 {
			return nil, fmt.Errorf("resolve %s: no addresses", host)
		}
	}
	var lastErr error
	for _, a := range addrs {
		conn, err := d.DialContext(ctx, network, net.JoinHostPort(a.String(), port))
		if err == nil {
			return conn, nil
		}
		lastErr = err
	}
	return nil, lastErr
}

// control runs on the socket about to connect: the last check, on the
// address the kernel is given.
func (c *Client) control(network, address string, _ syscall.RawConn) error {
	host, _, err := net.SplitHostPort(address)
	if err != nil {
		return err
	}
	a, err := netip.ParseAddr(host)
	if err != nil {
		return &BlockedError{Host: host, Reason: "not an IP address at dial time"}
	}
	return c.check(host, a)
}

// check refuses an address that is not on the public internet, unless
// private targets are allowed.
func (c *Client) check(host string, a netip.Addr) error {
	if c.o.AllowPrivate {
		return nil
	}
	if reason := Blocked(a); reason != "" {
		return &BlockedError{Host: host, Addr: a.String(), Reason: reason}
	}
	return nil
}

var (
	cgnat      = netip.MustParsePrefix("100.64.0.0/10")
	thisNet    = netip.MustParsePrefix("0.0.0.0/8")
	reserved   = netip.MustParsePrefix("240.0.0.0/4")
	benchmark  = netip.MustParsePrefix("198.18.0.0/15")
	ietf       = netip.MustParsePrefix("192.0.0.0/24")
	nat64      = netip.MustParsePrefix("64:ff9b::/96")
	nat64Local = netip.MustParsePrefix("64:ff9b:1::/48")
	v4compat   = netip.MustParsePrefix("::/96")
	sixToFour  = netip.MustParsePrefix("2002::/16")
	translated = netip.MustParsePrefix("::ffff:0:0:0/96") // SIIT, RFC 2765
	siteLocal  = netip.MustParsePrefix("fec0::/10")       // deprecated, still routed locally by some stacks
	discard    = netip.MustParsePrefix("100::/64")
)

// Blocked names the kind of a non-public address ("loopback", "private",
// …), or returns "" for an address on the public internet. IPv6 forms that
// carry an IPv4 address (mapped, translated, NAT64, 6to4) are judged by
// that address.
func Blocked(a netip.Addr) string {
	a = a.Unmap()
	if a.Is6() {
		b := a.As16()
		switch {
		case nat64.Contains(a) || v4compat.Contains(a) && !a.IsUnspecified() && !a.IsLoopback():
			return blockedEmbedded(netip.AddrFrom4([4]byte(b[12:16])))
		case translated.Contains(a):
			return blockedEmbedded(netip.AddrFrom4([4]byte(b[12:16])))
		case sixToFour.Contains(a):
			return blockedEmbedded(netip.AddrFrom4([4]byte(b[2:6])))
		case siteLocal.Contains(a):
			return "site-local"
		case discard.Contains(a):
			return "reserved for special use"
		case nat64Local.Contains(a):
			return "a local NAT64 address"
		}
	}
	switch {
	case a.IsLoopback():
		return "loopback"
	case a.IsUnspecified():
		return "unspecified"
	case a.IsPrivate():
		return "private"
	case a.IsLinkLocalUnicast():
		return "link-local (e.g. a cloud metadata service)"
	case a.IsMulticast(), a.IsLinkLocalMulticast(), a.IsInterfaceLocalMulticast():
		return "multicast"
	case cgnat.Contains(a):
		return "shared address space (CGNAT 100.64.0.0/10)"
	case thisNet.Contains(a):
		return "this-network (0.0.0.0/8)"
	case reserved.Contains(a):
		return "reserved or broadcast"
	case benchmark.Contains(a), ietf.Contains(a):
		return "reserved for special use"
	}
	return ""
}

func blockedEmbedded(v4 netip.Addr) string {
	if r := Blocked(v4); r != "" {
		return r + " (" + v4.String() + " inside an IPv6 address)"
	}
	return ""
}
