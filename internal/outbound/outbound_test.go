package outbound

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync/atomic"
	"testing"
)

// resolver answers from a fixed table, so tests never ask real DNS.
func resolver(table map[string][]string) func(context.Context, string, string) ([]net.IP, error) {
	return func(_ context.Context, _, host string) ([]net.IP, error) {
		addrs, ok := table[host]
		if !ok {
			return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
		}
		var out []net.IP
		for _, a := range addrs {
			out = append(out, net.ParseIP(a))
		}
		return out, nil
	}
}

// TestRefusedTargets sends requests to addresses that must never be
// reached, in the spellings used to sneak past naive checks. A receiver
// listens on 127.0.0.1 so that a missed check would show as a delivery.
func TestRefusedTargets(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	defer srv.Close()
	_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())

	c := New(Options{LookupIP: resolver(map[string][]string{
		"localhost":               {"127.0.0.1", "::1"},
		"loopback.example.com":    {"127.0.0.1"},
		"mixed.example.com":       {"93.184.216.34", "10.0.0.5"},
		"metadata.example.com":    {"169.254.169.254"},
		"mapped.example.com":      {"::ffff:127.0.0.1"},
		"cgnat.example.com":       {"100.64.1.1"},
		"ula.example.com":         {"fd12:3456::1"},
		"nat64.example.com":       {"64:ff9b::7f00:1"},
		"unspecified.example.com": {"0.0.0.0"},
	})})
	cases := []struct {
		url, want string
	}{
		{"https://127.0.0.1:" + port + "/", "loopback"},
		{"https://localhost:" + port + "/", "loopback"},
		{"https://169.254.169.254/latest/meta-data/", "link-local"},
		{"https://0177.0.0.1:" + port + "/", "127.0.0.1"},
		{"https://0x7f.0.0.1:" + port + "/", "127.0.0.1"},
		{"https://0x7f000001:" + port + "/", "127.0.0.1"},
		{"https://2130706433:" + port + "/", "127.0.0.1"},
		{"https://127.1:" + port + "/", "127.0.0.1"},
		{"https://0:" + port + "/", "0.0.0.0"},
		{"https://[::1]:" + port + "/", "loopback"},
		{"https://[::ffff:127.0.0.1]:" + port + "/", "loopback"},
		{"https://[::ffff:7f00:1]:" + port + "/", "loopback"},
		{"https://[fe80::1]/", "link-local"},
		{"https://10.1.2.3/", "private"},
		{"https://172.16.0.1/", "private"},
		{"https://192.168.1.1/", "private"},
		{"https://100.100.100.100/", "CGNAT"},
		{"https://224.0.0.1/", "multicast"},
		{"https://loopback.example.com:" + port + "/", "loopback"},
		{"https://mixed.example.com/", "private"},
		{"https://metadata.example.com/", "link-local"},
		{"https://mapped.example.com:" + port + "/", "loopback"},
		{"https://cgnat.example.com/", "CGNAT"},
		{"https://ula.example.com/", "private"},
		{"https://nat64.example.com/", "loopback"},
		{"https://unspecified.example.com:" + port + "/", "unspecified"},
		{"http://93.184.216.34/", "plain http"},
		{"ftp://example.com/", "only http and https"},
		{"https://user:pw@example.com/", "user names"},
	}
	for _, tc := range cases {
		req, err := http.NewRequest("POST", tc.url, strings.NewReader("{}"))
		if err != nil {
			t.Fatalf("%s: %v", tc.url, err)
		}
		_, err = c.Do(req)
		if !IsBlocked(err) {
			t.Errorf("%s: got error %v, want a refusal", tc.url, err)
			continue
		}
		if !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %q does not say %q", tc.url, err, tc.want)
		}
	}
	if n := hits.Load(); n != 0 {
		t.Errorf("the loopback receiver got %d requests", n)
	}
}

// TestAllowPrivate reaches a local receiver when the admin allows it, and
// does not follow its redirect.
func TestAllowPrivate(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		if r.URL.Path == "/redirect" {
			http.Redirect(w, r, "http://169.254.169.254/", http.StatusFound)
			return
		}
		w.WriteHeader(http.StatusAccepted)
		w.Write([]byte(strings.Repeat("x", 5000)))
	}))
	defer srv.Close()
	c := New(Options{AllowPrivate: true, MaxBody: 100})
	req, _ := http.NewRequest("POST", srv.URL+"/hook", strings.NewReader("{}"))
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != http.StatusAccepted || len(res.Body) != 100 {
		t.Errorf("got status %d and %d bytes, want 202 and the first 100", res.Status, len(res.Body))
	}
	req, _ = http.NewRequest("POST", srv.URL+"/redirect", strings.NewReader("{}"))
	res, err = c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != http.StatusFound || hits.Load() != 2 {
		t.Errorf("redirect: status %d after %d requests, want 302 after 2 (not followed)", res.Status, hits.Load())
	}

	// The same receiver is refused when private targets are not allowed,
	// even over https.
	strict := New(Options{})
	req, _ = http.NewRequest("POST", strings.Replace(srv.URL, "http:", "https:", 1), nil)
	if _, err := strict.Do(req); !IsBlocked(err) {
		t.Errorf("strict client: got %v, want a refusal", err)
	}
}

// TestControlChecksDialledAddress checks the last line of defence on its
// own: the socket-level check refuses a loopback address whatever path led
// there.
func TestControlChecksDialledAddress(t *testing.T) {
	c := New(Options{})
	for _, addr := range []string{"127.0.0.1:80", "[::1]:443", "[::ffff:10.0.0.1]:443", "169.254.169.254:80"} {
		var b *BlockedError
		if err := c.control("tcp", addr, nil); !errors.As(err, &b) {
			t.Errorf("control(%s) = %v, want a refusal", addr, err)
		}
	}
	if err := c.control("tcp", "93.184.216.34:443", nil); err != nil {
		t.Errorf("control(public) = %v", err)
	}
}

func TestParseLegacyIPv4(t *testing.T) {
	cases := map[string]string{
		"0177.0.0.1": "127.0.0.1", "0x7f.0.0.1": "127.0.0.1", "0x7f000001": "127.0.0.1",
		"2130706433": "127.0.0.1", "127.1": "127.0.0.1", "127.0.1": "127.0.0.1", "0": "0.0.0.0",
		"0xa9.0xfe.0xa9.0xfe": "169.254.169.254", "10.0.0.1.": "10.0.0.1",
		"example.com": "", "1.2.3.4.5": "", "256.1.1.1": "", "08.1.1.1": "", "0x": "0.0.0.0", "1..1": "",
	}
	for in, want := range cases {
		a, ok := parseLegacyIPv4(in)
		got := ""
		if ok {
			got = a.String()
		}
		if got != want {
			t.Errorf("parseLegacyIPv4(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestBlocked(t *testing.T) {
	public := []string{"93.184.216.34", "8.8.8.8", "2606:4700:4700::1111", "100.63.255.255", "100.128.0.0", "2002:5db8:d822::1"}
	for _, s := range public {
		if r := Blocked(netip.MustParseAddr(s)); r != "" {
			t.Errorf("Blocked(%s) = %q, want public", s, r)
		}
	}
	private := []string{"127.0.0.1", "10.0.0.1", "192.168.0.1", "172.31.255.255", "169.254.169.254", "100.64.0.1",
		"::1", "::", "fc00::1", "fe80::1", "ff02::1", "::ffff:192.168.0.1", "2002:7f00:1::1", "255.255.255.255", "0.1.2.3",
		"fec0::1", "::ffff:0:7f00:1", "::ffff:0:a00:1", "100::1"}
	for _, s := range private {
		if r := Blocked(netip.MustParseAddr(s)); r == "" {
			t.Errorf("Blocked(%s) = public, want refused", s)
		}
	}
}
