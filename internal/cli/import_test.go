package cli_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// addAdmin creates the admin the import runs as.
func addAdmin(t *testing.T, args []string) {
	t.Helper()
	r := runCLI(t, "correct horse battery\n", append([]string{"user", "add", "--email", "admin@example.jp", "--name", "Admin", "--role", "admin"}, args...)...)
	if r.code != 0 {
		t.Fatalf("user add: %s", r.stderr)
	}
}

func TestImportCommand(t *testing.T) {
	args, o := dbArgs(t)
	addAdmin(t, args)
	dir := t.TempDir()
	file := filepath.Join(dir, "people.csv")
	text := "Email,Last Name,First Name,Company\n" +
		"a@example.jp,山田,太郎,株式会社サンプル\n" +
		"not-an-address,Bad,Row,\n" +
		"b@example.jp,佐藤,花子,\n"
	if err := os.WriteFile(file, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	r := runCLI(t, "", append([]string{"import", "contacts", file, "--tag", "CLI", "--marketing"}, args...)...)
	if r.code != 0 {
		t.Fatalf("import: exit %d: %s %s", r.code, r.stdout, r.stderr)
	}
	for _, want := range []string{"stored (about 3 rows), importing as admin@example.jp", "3 rows", "2 created, 0 updated, 0 skipped, 1 errors",
		"row 3 Email: is not an e-mail address"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, r.stdout)
		}
	}
	s := openStore(t, o)
	var n int
	if err := s.DB().QueryRow("SELECT COUNT(*) FROM contacts c JOIN contact_tags ct ON ct.contact_id = c.id JOIN tags t ON t.id = ct.tag_id WHERE t.name = 'CLI' AND c.original_source = 'import_marketing'").Scan(&n); err != nil || n != 2 {
		t.Errorf("%d tagged marketing contacts (err %v), want 2", n, err)
	}

	tests := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"no file", []string{"import", "contacts"}, 2, "usage: renkei import"},
		{"bad object", []string{"import", "deals", file}, 2, "usage: renkei import"},
		{"missing file", []string{"import", "contacts", filepath.Join(dir, "nope.csv")}, 1, "no such file"},
		{"bad encoding", []string{"import", "contacts", file, "--encoding", "latin1"}, 1, "encoding"},
		{"unknown user", []string{"import", "contacts", file, "--as", "nobody@example.jp"}, 1, "as is not an active user"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runCLI(t, "", append(tt.args, args...)...)
			if r.code != tt.code || !strings.Contains(r.stderr, tt.want) {
				t.Errorf("exit %d, stderr %q; want %d and %q", r.code, r.stderr, tt.code, tt.want)
			}
		})
	}
}

func TestImportCommandWithoutAdmin(t *testing.T) {
	args, _ := dbArgs(t)
	file := filepath.Join(t.TempDir(), "a.csv")
	os.WriteFile(file, []byte("Email\na@example.jp\n"), 0o644)
	r := runCLI(t, "", append([]string{"import", "contacts", file}, args...)...)
	if r.code != 1 || !strings.Contains(r.stderr, "no active admin") {
		t.Errorf("exit %d, stderr %q", r.code, r.stderr)
	}
}

var progressLine = regexp.MustCompile(`^progress: (\d+)/(\d+) rows \((\d+)%\)`)

// TestImportSurvivesKill9 kills `renkei import` midway through 100,000 rows
// and runs it again: every row is there once.
func TestImportSurvivesKill9(t *testing.T) {
	if testing.Short() {
		t.Skip("imports 200,000 rows")
	}
	args, o := dbArgs(t)
	addAdmin(t, args)
	const rows = 100_000
	file := filepath.Join(t.TempDir(), "big.csv")
	f, err := os.Create(file)
	if err != nil {
		t.Fatal(err)
	}
	w := bufio.NewWriter(f)
	w.WriteString("First Name,Last Name,Email,Company Name,Phone Number\r\n")
	for i := 0; i < rows; i++ {
		fmt.Fprintf(w, "太郎%d,山田,user%06d@example.jp,株式会社サンプル%d,03-%04d-%04d\r\n", i%100, i, i%997, i%10000, i/10)
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	f.Close()

	// First run: killed once the progress shows 30–60%.
	cmd := exec.Command(renkeiBinary(t), append([]string{"import", "contacts", file}, args...)...)
	cmd.Env = cleanEnv()
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	killedAt := -1
	sc := bufio.NewScanner(stdout)
	var seen []string
	for sc.Scan() {
		line := sc.Text()
		seen = append(seen, line)
		m := progressLine.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		pct, _ := strconv.Atoi(m[3])
		if pct >= 30 && pct <= 60 {
			killedAt, _ = strconv.Atoi(m[1])
			if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
				t.Fatal(err)
			}
			break
		}
		if pct > 60 {
			break
		}
	}
	io.Copy(io.Discard, stdout)
	err = cmd.Wait()
	if killedAt < 0 {
		t.Fatalf("the import was not killed between 30%% and 60%% (exit %v):\n%s\n%s", err, strings.Join(seen, "\n"), stderr.String())
	}
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
		t.Fatalf("the first run was not killed by SIGKILL: %v", cmd.ProcessState)
	}
	s := openStore(t, o)
	count := func(q string) int {
		t.Helper()
		var n int
		if err := s.DB().QueryRowContext(context.Background(), q).Scan(&n); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		return n
	}
	partial := count("SELECT COUNT(*) FROM contacts")
	if partial < killedAt || partial >= rows {
		t.Errorf("after the kill at %d rows: %d contacts", killedAt, partial)
	}
	// Whole batches only: every contact has its timeline entry.
	if n := count("SELECT COUNT(*) FROM timeline WHERE kind = 'imported'"); n != partial {
		t.Errorf("after the kill: %d contacts but %d imported entries", partial, n)
	}
	t.Logf("killed at %d rows shown; %d contacts committed", killedAt, partial)

	// Second run: the same command.
	start := time.Now()
	r := runBin(t, "", append([]string{"import", "contacts", file}, args...)...)
	if r.code != 0 {
		t.Fatalf("second run: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	want := fmt.Sprintf("%d rows", rows)
	if !strings.Contains(r.stdout, want) || !strings.Contains(r.stdout, fmt.Sprintf("%d created, %d updated", rows-partial, partial)) {
		t.Errorf("second run said:\n%s", r.stdout)
	}
	t.Logf("second run took %v", time.Since(start))
	if n, d := count("SELECT COUNT(*) FROM contacts"), count("SELECT COUNT(DISTINCT email) FROM contacts"); n != rows || d != rows {
		t.Errorf("%d contacts, %d distinct e-mails; want %d of each", n, d, rows)
	}
	if n := count("SELECT COUNT(*) FROM companies"); n != 997 {
		t.Errorf("%d companies, want 997", n)
	}
}
