package cli_test

import (
	"context"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"renkei/internal/app"
	"renkei/internal/gen"
)

// demoPassword finds the printed password in demo's output.
func demoPassword(t *testing.T, out string) string {
	t.Helper()
	m := regexp.MustCompile(`password\s+([a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{4})`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no password in the output:\n%s", out)
	}
	return m[1]
}

func TestDemoFillsAnEmptyWorkspaceOnce(t *testing.T) {
	args, o := dbArgs(t)
	began := time.Now()
	r := runCLI(t, "", append([]string{"demo"}, args...)...)
	if r.code != 0 {
		t.Fatalf("demo: exit %d\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
	}
	t.Logf("renkei demo took %s:\n%s", time.Since(began).Round(time.Millisecond), r.stdout)
	for _, want := range []string{"株式会社レンケイ商事", "taro.yamada@renkei-shoji.example.jp", "companies and contacts 100%",
		"2,000 / 2,000 contacts", "done in", "kenta.tanaka@renkei-shoji.example.jp"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("output lacks %q", want)
		}
	}
	password := demoPassword(t, r.stdout)

	s := openStore(t, o)
	ctx := context.Background()
	counts, err := s.CountRows(ctx, "users", "teams", "companies", "contacts", "timeline", "consent_events", "contact_tags")
	if err != nil {
		t.Fatal(err)
	}
	if counts["users"] != 14 || counts["teams"] != 4 || counts["companies"] != 300 || counts["contacts"] != 2000 ||
		counts["timeline"] < 4000 || counts["consent_events"] < 500 || counts["contact_tags"] < 1000 {
		t.Errorf("after demo: %v", counts)
	}
	a := app.New(app.Config{Store: s})
	ws, _, err := a.Workspace(ctx)
	if err != nil || ws.Name != "株式会社レンケイ商事" || ws.Language != "ja" || ws.TimeZone != "Asia/Tokyo" {
		t.Errorf("workspace %+v (%v)", ws, err)
	}
	// The owner and every other demo user sign in with the printed password.
	for _, email := range []string{"taro.yamada@renkei-shoji.example.jp", "kenta.tanaka@renkei-shoji.example.jp"} {
		res, err := a.Login(ctx, email, password, "", "")
		if err != nil {
			t.Errorf("login as %s: %v", email, err)
			continue
		}
		ac, err := a.Authenticate(ctx, res.SessionToken, "")
		if err != nil {
			t.Errorf("session of %s: %v", email, err)
			continue
		}
		if c, err := a.Contact(ctx, ac, 1); err != nil || c.Email == "" {
			t.Errorf("%s reads contact 1: %+v, %v", email, c, err)
		}
	}

	// A second run refuses and changes nothing.
	again := runCLI(t, "", append([]string{"demo"}, args...)...)
	if again.code != 1 || !strings.Contains(again.stderr, "not empty") || !strings.Contains(again.stderr, "2000 contacts") {
		t.Errorf("second demo: exit %d, stderr %q", again.code, again.stderr)
	}
	if after, _ := s.CountRows(ctx, "users", "teams", "companies", "contacts", "timeline", "consent_events", "contact_tags"); after["contacts"] != counts["contacts"] || after["users"] != counts["users"] || after["timeline"] != counts["timeline"] {
		t.Errorf("the refused demo changed the database: %v → %v", counts, after)
	}
}

func TestDemoRefusesAWorkspaceWithUsers(t *testing.T) {
	args, o := dbArgs(t)
	if r := runCLI(t, "correct horse battery\n", append([]string{"user", "add", "--email", "a@example.jp", "--name", "A", "--role", "admin"}, args...)...); r.code != 0 {
		t.Fatalf("user add: %s", r.stderr)
	}
	r := runCLI(t, "", append([]string{"demo", "--lang", "en"}, args...)...)
	if r.code != 1 || !strings.Contains(r.stderr, "the workspace is not empty (1 users, 0 companies, 0 contacts)") {
		t.Errorf("demo into a workspace with a user: exit %d, stderr %q", r.code, r.stderr)
	}
	counts, err := openStore(t, o).CountRows(context.Background(), "users", "companies", "contacts")
	if err != nil || counts["users"] != 1 || counts["companies"]+counts["contacts"] != 0 {
		t.Errorf("after the refusal: %v (%v)", counts, err)
	}
}

func TestDemoArguments(t *testing.T) {
	args, o := dbArgs(t)
	tests := []struct {
		name  string
		stdin string
		args  []string
		code  int
		want  string
	}{
		{"short password", "short\n", []string{"demo", "--password-stdin"}, 1, "password use at least 10 characters"},
		{"unknown language", "", []string{"demo", "--lang", "fr"}, 1, "lang choose ja or en"},
		{"gen without a size", "", []string{"gen"}, 2, "usage: renkei gen --size"},
		{"gen with a bad size", "", []string{"gen", "--size", "XL"}, 1, "size size \"XL\""},
		{"stray argument", "", []string{"demo", "now"}, 2, "usage: renkei demo"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runCLI(t, tt.stdin, append(tt.args, args...)...)
			if r.code != tt.code || !strings.Contains(r.stderr, tt.want) {
				t.Errorf("exit %d, stderr %q; want %d and %q", r.code, r.stderr, tt.code, tt.want)
			}
		})
	}
	counts, err := openStore(t, o).CountRows(context.Background(), "users", "companies", "contacts")
	if err != nil || counts["users"]+counts["companies"]+counts["contacts"] != 0 {
		t.Errorf("after bad arguments: %v (%v)", counts, err)
	}
}

func TestDemoInEnglishWithAChosenPassword(t *testing.T) {
	args, o := dbArgs(t)
	r := runCLI(t, "a long enough password\n", append([]string{"demo", "--lang", "en", "--password-stdin", "--seed", "9"}, args...)...)
	if r.code != 0 {
		t.Fatalf("demo --lang en: exit %d: %s", r.code, r.stderr)
	}
	if strings.Contains(r.stdout, "a long enough password") || strings.Contains(r.stdout, "shown once") {
		t.Errorf("a password from standard input was printed:\n%s", r.stdout)
	}
	s := openStore(t, o)
	a := app.New(app.Config{Store: s})
	ws, _, err := a.Workspace(context.Background())
	if err != nil || ws.Name != "Renkei Trading" || ws.Language != "en" {
		t.Errorf("workspace %+v (%v)", ws, err)
	}
	if _, err := a.Login(context.Background(), "emily.carter@renkei-trading.example.com", "a long enough password", "", ""); err != nil {
		t.Errorf("login with the chosen password: %v", err)
	}
}

func TestGenReportsRowsPerSecond(t *testing.T) {
	args, o := dbArgs(t)
	r := runCLI(t, "", append([]string{"gen", "--size", "N=5000", "--seed", "2"}, args...)...)
	if r.code != 0 {
		t.Fatalf("gen: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	t.Logf("%s", r.stdout)
	m := regexp.MustCompile(`([\d,]+) rows, ([\d,]+) rows/s`).FindStringSubmatch(r.stdout)
	if m == nil {
		t.Fatalf("no rows/s in:\n%s", r.stdout)
	}
	rows, _ := strconv.Atoi(strings.ReplaceAll(m[1], ",", ""))
	perSecond, _ := strconv.Atoi(strings.ReplaceAll(m[2], ",", ""))
	if rows < 5000*3 || perSecond <= 0 {
		t.Errorf("%d rows at %d rows/s", rows, perSecond)
	}
	s := openStore(t, o)
	counts, err := s.CountRows(context.Background(), "contacts", "companies")
	if err != nil || counts["contacts"] != 5000 || counts["companies"] != 500 {
		t.Errorf("after gen N=5000: %v (%v)", counts, err)
	}
	// The indexes dropped for the load are back.
	if n, err := s.RestoreBulkIndexes(context.Background()); n != 0 || err != nil {
		t.Errorf("indexes left to rebuild after gen: %d (%v)", n, err)
	}
}

func TestGeneratorWritesAppsTimelineKinds(t *testing.T) {
	for _, k := range [][2]string{{gen.KindCreated, app.KindCreated}, {gen.KindUpdated, app.KindUpdated},
		{gen.KindImported, app.KindImported}, {gen.KindConsent, app.KindConsent}} {
		if k[0] != k[1] {
			t.Errorf("gen writes timeline kind %q where app writes %q", k[0], k[1])
		}
	}
}
