package cli_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"renkei/internal/app"
	"renkei/internal/cli"
	"renkei/internal/config"
)

func TestUserAddReadsPasswordFromStdin(t *testing.T) {
	args, o := dbArgs(t)
	ok := runCLI(t, "correct horse battery\n", append([]string{"user", "add", "--email", "Hanako@Example.jp", "--name", "佐藤 花子", "--role", "sales"}, args...)...)
	if ok.code != 0 {
		t.Fatalf("user add: exit %d: %s", ok.code, ok.stderr)
	}
	if !strings.Contains(ok.stdout, "<hanako@example.jp> (sales)") {
		t.Errorf("user add said %q", ok.stdout)
	}
	tests := []struct {
		name  string
		stdin string
		args  []string
		code  int
		want  string
	}{
		{"short password", "short\n", []string{"--email", "a@example.jp", "--name", "A", "--role", "viewer"}, 1, "password use at least 10 characters"},
		{"no password", "", []string{"--email", "b@example.jp", "--name", "B", "--role", "viewer"}, 1, "read password from standard input"},
		{"bad email", "correct horse battery\n", []string{"--email", "not-an-address", "--name", "C", "--role", "viewer"}, 1, "email enter an e-mail address"},
		{"bad role", "correct horse battery\n", []string{"--email", "d@example.jp", "--name", "D", "--role", "boss"}, 1, "role"},
		{"blank name", "correct horse battery\n", []string{"--email", "e@example.jp", "--name", " ", "--role", "viewer"}, 1, "name is required"},
		{"taken email", "correct horse battery\n", []string{"--email", "hanako@example.jp", "--name", "F", "--role", "viewer"}, 1, "email a user with this e-mail address exists already"},
		{"missing role", "correct horse battery\n", []string{"--email", "g@example.jp", "--name", "G"}, 2, "usage: renkei user add"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runCLI(t, tt.stdin, append(append([]string{"user", "add"}, tt.args...), args...)...)
			if r.code != tt.code || !strings.Contains(r.stderr, tt.want) {
				t.Errorf("exit %d, stderr %q; want %d and %q", r.code, r.stderr, tt.code, tt.want)
			}
		})
	}
	s := openStore(t, o)
	if n, err := s.CountUsers(context.Background()); err != nil || n != 1 {
		t.Errorf("users after one good and %d bad commands: %d (err %v), want 1", len(tests), n, err)
	}
	// The password is the stdin line without its newline.
	a := app.New(app.Config{Store: s})
	if _, err := a.Login(context.Background(), "hanako@example.jp", "correct horse battery", "", ""); err != nil {
		t.Errorf("login with the password from stdin: %v", err)
	}
}

func TestTokenCreateGivesWorkingBearerToken(t *testing.T) {
	args, _ := dbArgs(t)
	if r := runCLI(t, "correct horse battery\n", append([]string{"user", "add", "--email", "ops@example.jp", "--name", "Ops", "--role", "admin"}, args...)...); r.code != 0 {
		t.Fatalf("user add: %s", r.stderr)
	}
	r := runCLI(t, "", append([]string{"token", "create", "--email", "ops@example.jp", "--name", "deploy script"}, args...)...)
	if r.code != 0 {
		t.Fatalf("token create: exit %d: %s", r.code, r.stderr)
	}
	token := strings.TrimSpace(r.stdout)
	if token == "" || strings.Contains(token, "\n") {
		t.Fatalf("token create printed %q, want one token line", r.stdout)
	}
	if r := runCLI(t, "", append([]string{"token", "create", "--email", "nobody@example.jp", "--name", "x"}, args...)...); r.code == 0 || r.stderr == "" {
		t.Errorf("token for an unknown user: exit %d, stderr %q", r.code, r.stderr)
	}

	c, _, err := config.Parse("serve", args, func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	srv, err := cli.NewServer(context.Background(), c, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	hs := httptest.NewServer(srv.Handler())
	defer hs.Close()
	tests := []struct {
		name   string
		header string
		status int
	}{
		{"printed token", "Bearer " + token, http.StatusOK},
		{"no token", "", http.StatusUnauthorized},
		{"altered token", "Bearer " + token + "x", http.StatusUnauthorized},
	}
	for _, tt := range tests {
		req, _ := http.NewRequest("GET", hs.URL+"/api/v1/users/me", nil)
		if tt.header != "" {
			req.Header.Set("Authorization", tt.header)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var me struct{ Email string }
		json.NewDecoder(resp.Body).Decode(&me)
		resp.Body.Close()
		if resp.StatusCode != tt.status {
			t.Errorf("%s: status %d, want %d", tt.name, resp.StatusCode, tt.status)
		}
		if tt.status == http.StatusOK && me.Email != "ops@example.jp" {
			t.Errorf("%s: /users/me is %q, want ops@example.jp", tt.name, me.Email)
		}
	}
	// The token is stored hashed: the database does not hold the secret.
	if _, err := srv.App.AuthenticateToken(context.Background(), token, ""); err != nil {
		t.Errorf("AuthenticateToken: %v", err)
	}
	var total, clear int
	if err := srv.Store.DB().QueryRow("SELECT COUNT(*), COUNT(CASE WHEN token_hash = $1 OR prefix = $1 THEN 1 END) FROM api_tokens", token).Scan(&total, &clear); err != nil {
		t.Fatal(err)
	}
	if total != 1 || clear != 0 {
		t.Errorf("api_tokens has %d rows, %d holding the secret in clear; want 1 and 0", total, clear)
	}
}

func TestServeRefusesNewerDatabase(t *testing.T) {
	args, o := dbArgs(t)
	s := openStore(t, o)
	if _, err := s.DB().Exec("INSERT INTO schema_migrations (version, applied_at) VALUES (999, 0)"); err != nil {
		t.Fatal(err)
	}
	r := runCLI(t, "", append([]string{"serve", "--addr", "127.0.0.1:0"}, args...)...)
	if r.code != 1 {
		t.Fatalf("serve on a newer database: exit %d, want 1; stderr %q", r.code, r.stderr)
	}
	for _, want := range []string{"schema version 999", "newer renkei"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr %q lacks %q", r.stderr, want)
		}
	}
	// Nothing was migrated or changed.
	var max int
	if err := s.DB().QueryRow("SELECT MAX(version) FROM schema_migrations").Scan(&max); err != nil || max != 999 {
		t.Errorf("schema version %d (err %v), want 999", max, err)
	}
}
