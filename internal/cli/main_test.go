package cli_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"renkei/internal/cli"
	"renkei/internal/store"
	"renkei/internal/store/storetest"
)

// The renkei binary for tests that need real processes (signals, several
// servers): built once, on first use, into a directory removed at the end.
var (
	binOnce sync.Once
	binPath string
	binErr  error
	binDir  string
)

func TestMain(m *testing.M) {
	code := m.Run()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}

// renkeiBinary builds cmd/renkei as the Makefile does (once per test run).
func renkeiBinary(t *testing.T) string {
	t.Helper()
	binOnce.Do(func() {
		binDir, binErr = os.MkdirTemp("", "renkei-cli-test-")
		if binErr != nil {
			return
		}
		goTool := filepath.Join(runtime.GOROOT(), "bin", "go")
		if _, err := os.Stat(goTool); err != nil {
			goTool = "go"
		}
		binPath = filepath.Join(binDir, "renkei")
		cmd := exec.Command(goTool, "build", "-trimpath", "-o", binPath, "renkei/cmd/renkei")
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			binErr = fmt.Errorf("go build ./cmd/renkei: %v\n%s", err, out)
		}
	})
	if binErr != nil {
		t.Fatal(binErr)
	}
	return binPath
}

// dbArgs returns flags selecting a fresh, empty database for this test:
// a data directory on SQLite, a schema of RENKEI_TEST_DATABASE_URL on
// PostgreSQL. The options open the same database in the test.
func dbArgs(t *testing.T) ([]string, store.Options) {
	t.Helper()
	o := storetest.Options(t)
	if o.DatabaseURL != "" {
		return []string{"--database-url", o.DatabaseURL}, o
	}
	return []string{"--data", o.DataDir}, o
}

// openStore opens (and migrates) the database behind o, as another process would.
func openStore(t *testing.T, o store.Options) *store.Store {
	t.Helper()
	s, err := store.Open(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if _, err := s.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return s
}

// result is what a command printed and returned.
type result struct {
	code           int
	stdout, stderr string
}

// runCLI runs one renkei command in this process with an empty
// environment (so the tester's RENKEI_* variables do not leak in) and
// standard input stdin.
func runCLI(t *testing.T, stdin string, args ...string) result {
	t.Helper()
	var out, errOut bytes.Buffer
	// A command that wrongly keeps running (serve) ends instead of hanging the suite.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	code := cli.Run(ctx, args, cli.Env{
		Getenv: func(string) string { return "" },
		Stdin:  strings.NewReader(stdin),
		Stdout: &out,
		Stderr: &errOut,
	})
	return result{code, out.String(), errOut.String()}
}

// proc is a `renkei serve` process started from the built binary.
type proc struct {
	t      *testing.T
	cmd    *exec.Cmd
	URL    string // http://127.0.0.1:PORT once listening
	exited chan struct{}
	code   int

	mu    sync.Mutex
	lines []string // JSON log lines from stderr
	wake  chan struct{}
}

// startServe starts `renkei serve` on a free port with JSON logs and waits
// until it says where it listens and /healthz answers.
func startServe(t *testing.T, args ...string) *proc {
	t.Helper()
	bin := renkeiBinary(t)
	full := append([]string{"serve", "--addr", "127.0.0.1:0", "--log-format", "json"}, args...)
	cmd := exec.Command(bin, full...)
	cmd.Env = cleanEnv()
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	p := &proc{t: t, cmd: cmd, exited: make(chan struct{}), wake: make(chan struct{}, 1)}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			p.mu.Lock()
			p.lines = append(p.lines, sc.Text())
			p.mu.Unlock()
			select {
			case p.wake <- struct{}{}:
			default:
			}
		}
		io.Copy(io.Discard, stderr)
		err := cmd.Wait()
		p.code = cmd.ProcessState.ExitCode()
		if err != nil && p.code == 0 {
			p.code = -1
		}
		close(p.exited)
	}()
	t.Cleanup(func() {
		select {
		case <-p.exited:
		default:
			cmd.Process.Kill()
			<-p.exited
		}
		if t.Failed() {
			t.Logf("log of renkei serve (pid %d):\n%s", cmd.Process.Pid, strings.Join(p.logLines(), "\n"))
		}
	})
	line := p.waitLog("renkei is listening", 20*time.Second)
	var rec struct{ URL string }
	if err := json.Unmarshal([]byte(line), &rec); err != nil || rec.URL == "" {
		t.Fatalf("no URL in log line %q", line)
	}
	p.URL = rec.URL
	return p
}

// cleanEnv is the test's environment without RENKEI_* settings.
func cleanEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "RENKEI_") {
			env = append(env, kv)
		}
	}
	return env
}

func (p *proc) logLines() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.lines...)
}

// waitLog waits for a log line containing msg and returns it.
func (p *proc) waitLog(msg string, timeout time.Duration) string {
	p.t.Helper()
	deadline := time.After(timeout)
	for {
		for _, l := range p.logLines() {
			if strings.Contains(l, msg) {
				return l
			}
		}
		select {
		case <-p.wake:
		case <-p.exited:
			// Read what is left, then fail.
			for _, l := range p.logLines() {
				if strings.Contains(l, msg) {
					return l
				}
			}
			p.t.Fatalf("renkei serve exited (code %d) before logging %q:\n%s", p.code, msg, strings.Join(p.logLines(), "\n"))
		case <-deadline:
			p.t.Fatalf("renkei serve did not log %q within %s:\n%s", msg, timeout, strings.Join(p.logLines(), "\n"))
		}
	}
}

// pid is the process id.
func (p *proc) pid() int { return p.cmd.Process.Pid }

// stop sends SIGTERM and returns the exit code (failing after timeout).
func (p *proc) stop(timeout time.Duration) int {
	p.t.Helper()
	p.cmd.Process.Signal(syscall.SIGTERM)
	return p.wait(timeout)
}

// wait waits for the process to exit and returns its code.
func (p *proc) wait(timeout time.Duration) int {
	p.t.Helper()
	select {
	case <-p.exited:
		return p.code
	case <-time.After(timeout):
		p.t.Fatalf("renkei serve (pid %d) did not exit within %s", p.pid(), timeout)
		return -1
	}
}

// runBin runs a renkei command as its own process and returns its output.
func runBin(t *testing.T, stdin string, args ...string) result {
	t.Helper()
	cmd := exec.Command(renkeiBinary(t), args...)
	cmd.Env = cleanEnv()
	cmd.Stdin = strings.NewReader(stdin)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	code := 0
	if err != nil {
		code = cmd.ProcessState.ExitCode()
		if code == 0 {
			t.Fatalf("renkei %s: %v", strings.Join(args, " "), err)
		}
	}
	return result{code, out.String(), errOut.String()}
}

// waitUntil polls cond until it holds or fails the test after timeout.
func waitUntil(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", timeout, what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
