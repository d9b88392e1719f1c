package cli_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"renkei/internal/store/storetest"
)

// apiToken creates an admin with `renkei user add` and returns a token
// from `renkei token create`, both run in this process.
func apiToken(t *testing.T, args []string, email string) string {
	t.Helper()
	if r := runCLI(t, "correct horse battery\n", append([]string{"user", "add", "--email", email, "--name", "運用 担当", "--role", "admin"}, args...)...); r.code != 0 {
		t.Fatalf("user add: exit %d: %s", r.code, r.stderr)
	}
	r := runCLI(t, "", append([]string{"token", "create", "--email", email, "--name", "tests"}, args...)...)
	if r.code != 0 {
		t.Fatalf("token create: exit %d: %s", r.code, r.stderr)
	}
	return strings.TrimSpace(r.stdout)
}

// apiDo sends one API request with the token and decodes the JSON answer
// into out (when not nil); it returns the status.
func apiDo(t *testing.T, method, url, token string, body any, out any) int {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if out != nil && resp.StatusCode < 300 {
		if err := json.Unmarshal(raw, out); err != nil {
			t.Fatalf("%s %s: %v in %s", method, url, err, raw)
		}
	}
	if resp.StatusCode >= 300 {
		t.Logf("%s %s: %d %s", method, url, resp.StatusCode, raw)
	}
	return resp.StatusCode
}

func TestServeFinishesInFlightRequestOnSIGTERM(t *testing.T) {
	args, o := dbArgs(t)
	token := apiToken(t, args, "ops@example.jp")
	p := startServe(t, args...)
	host := strings.TrimPrefix(p.URL, "http://")

	// A request whose body is still arriving when the signal comes.
	body := `{"name":"大阪営業部"}`
	conn, err := net.Dial("tcp", host)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "POST /api/v1/teams HTTP/1.1\r\nHost: %s\r\nAuthorization: Bearer %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s",
		host, token, len(body), body[:5])
	// Wait until it is in its handler (/metrics counts itself too).
	waitUntil(t, 5*time.Second, "the request to reach its handler", func() bool { return inFlight(t, p.URL) >= 2 })

	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	p.waitLog("shutting down", 10*time.Second)
	// It stops accepting connections …
	waitUntil(t, 10*time.Second, "the listener to close", func() bool {
		c, err := net.DialTimeout("tcp", host, time.Second)
		if err != nil {
			return true
		}
		c.Close()
		return false
	})
	// … but finishes the request in flight.
	if _, err := io.WriteString(conn, body[5:]); err != nil {
		t.Fatal(err)
	}
	conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("no answer to the in-flight request: %v", err)
	}
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("in-flight request: %s %s", resp.Status, raw)
	}
	if code := p.wait(15 * time.Second); code != 0 {
		t.Fatalf("renkei serve exited with %d after SIGTERM, want 0", code)
	}
	s := openStore(t, o)
	if names := teamNames(t, s); len(names) != 1 || names[0] != "大阪営業部" {
		t.Errorf("teams after shutdown: %q, want the one created in flight", names)
	}
}

// inFlight reads renkei_http_requests_in_flight from /metrics.
func inFlight(t *testing.T, base string) int {
	t.Helper()
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "renkei_http_requests_in_flight "); ok {
			n, _ := strconv.Atoi(v)
			return n
		}
	}
	t.Fatal("no renkei_http_requests_in_flight in /metrics")
	return 0
}

// TestAcknowledgedWritesSurviveKill9 checks the durability promise: a
// write answered with 2xx is in the database after the process is killed
// without warning, with either SQLite synchronous setting (FULL adds power
// loss, which a test cannot simulate). A killed server also leaves no lock
// behind: the next one starts.
func TestAcknowledgedWritesSurviveKill9(t *testing.T) {
	settings := []string{"FULL", "NORMAL"}
	if storetest.IsPostgres() {
		settings = []string{"FULL"} // the setting is SQLite's; PostgreSQL commits durably
	}
	for _, sync := range settings {
		t.Run(sync, func(t *testing.T) {
			args, o := dbArgs(t)
			token := apiToken(t, args, "ops@example.jp")
			p := startServe(t, append(args, "--sqlite-synchronous", sync)...)
			const n = 25
			for i := range n {
				if st := apiDo(t, "POST", p.URL+"/api/v1/teams", token, map[string]string{"name": fmt.Sprintf("team %02d", i)}, nil); st != http.StatusCreated {
					t.Fatalf("create team %d: status %d", i, st)
				}
			}
			if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
				t.Fatal(err)
			}
			p.wait(10 * time.Second)
			if got := len(teamNames(t, openStore(t, o))); got != n {
				t.Errorf("%d teams after kill -9, want all %d acknowledged ones", got, n)
			}
			// The next server starts on the same data and serves them.
			p2 := startServe(t, args...)
			var list struct{ Data []struct{ Name string } }
			if st := apiDo(t, "GET", p2.URL+"/api/v1/teams?limit=100", token, nil, &list); st != http.StatusOK || len(list.Data) != n {
				t.Errorf("teams listed by the restarted server: status %d, %d teams; want 200 and %d", st, len(list.Data), n)
			}
			if code := p2.stop(15 * time.Second); code != 0 {
				t.Errorf("restarted server exited with %d", code)
			}
		})
	}
}
