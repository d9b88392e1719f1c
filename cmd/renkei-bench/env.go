package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // PostgreSQL driver for creating bench schemas
)

// DB is one database the suite runs on.
type DB struct {
	Name string // SQLite, PostgreSQL
	Kind string // sqlite, postgres (the key of Metric.Target)
	URL  string // PostgreSQL server URL; empty for SQLite
}

// Env is what a row's Measure gets: the renkei binary, the database kind
// and a scratch directory.
type Env struct {
	Bin  string
	DB   DB
	Work string
	Log  io.Writer
}

// Database is one fresh, migrated database for one run.
type Database struct {
	// Args select it on a renkei command line (--data DIR or --database-url URL).
	Args  []string
	close func()
}

// Close removes the database.
func (d *Database) Close() {
	if d.close != nil {
		d.close()
	}
}

// FreshDatabase creates an empty database (a new data directory on SQLite,
// a new schema on PostgreSQL) and migrates it with `renkei migrate`.
func (e *Env) FreshDatabase(ctx context.Context) (*Database, error) {
	d := &Database{}
	if e.DB.Kind == "sqlite" {
		dir, err := os.MkdirTemp(e.Work, "data-")
		if err != nil {
			return nil, err
		}
		d.Args = []string{"--data", dir}
		d.close = func() { os.RemoveAll(dir) }
	} else {
		schema := "bench_" + randomHex(6)
		admin, err := sql.Open("pgx", e.DB.URL)
		if err != nil {
			return nil, err
		}
		if _, err := admin.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
			admin.Close()
			return nil, fmt.Errorf("create schema on %s: %w", redactURL(e.DB.URL), err)
		}
		u, err := url.Parse(e.DB.URL)
		if err != nil {
			admin.Close()
			return nil, err
		}
		q := u.Query()
		q.Set("search_path", schema)
		u.RawQuery = q.Encode()
		d.Args = []string{"--database-url", u.String()}
		d.close = func() {
			admin.Exec("DROP SCHEMA " + schema + " CASCADE")
			admin.Close()
		}
	}
	cmd := exec.CommandContext(ctx, e.Bin, append([]string{"migrate"}, d.Args...)...)
	if out, err := cmd.CombinedOutput(); err != nil {
		d.Close()
		return nil, fmt.Errorf("renkei migrate: %v: %s", err, bytes.TrimSpace(out))
	}
	return d, nil
}

// Server is a running `renkei serve` process.
type Server struct {
	Cmd     *exec.Cmd
	URL     string    // http://127.0.0.1:PORT
	Started time.Time // just before exec
	Ready   time.Time // first 200 from /healthz
	logPath string
	logFile *os.File
	exited  chan struct{}
}

// StartServer starts `renkei serve` on a free loopback port with the given
// database and extra arguments, and waits (up to timeout) until /healthz
// answers 200. Its output goes to a log file in the work directory.
func (e *Env) StartServer(ctx context.Context, db *Database, timeout time.Duration, extra ...string) (*Server, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	logFile, err := os.CreateTemp(e.Work, "server-*.log")
	if err != nil {
		return nil, err
	}
	args := append([]string{"serve", "--addr", addr}, db.Args...)
	args = append(args, extra...)
	cmd := exec.Command(e.Bin, args...)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	s := &Server{Cmd: cmd, URL: "http://" + addr, logPath: logFile.Name(), logFile: logFile}
	client := &http.Client{Timeout: time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	s.Started = time.Now()
	if err := cmd.Start(); err != nil {
		logFile.Close()
		return nil, err
	}
	exited := make(chan struct{})
	s.exited = exited
	go func() { cmd.Wait(); close(exited) }()
	deadline := s.Started.Add(timeout)
	for {
		resp, err := client.Get(s.URL + "/healthz")
		if err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				s.Ready = time.Now()
				break
			}
		}
		select {
		case <-exited:
			s.logFile.Close()
			return nil, fmt.Errorf("renkei serve exited before it was ready: %s", s.tail())
		case <-ctx.Done():
			s.Stop()
			return nil, ctx.Err()
		case <-time.After(2 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			s.Stop()
			return nil, fmt.Errorf("renkei serve was not ready after %s: %s", timeout, s.tail())
		}
	}
	return s, nil
}

// PID is the server's process id.
func (s *Server) PID() int { return s.Cmd.Process.Pid }

// Stop sends SIGTERM and waits up to 15 seconds, then kills the process.
func (s *Server) Stop() {
	s.Cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.exited:
	case <-time.After(15 * time.Second):
		s.Cmd.Process.Kill()
		<-s.exited
	}
	s.logFile.Close()
}

// tail returns the end of the server's log.
func (s *Server) tail() string {
	b, _ := os.ReadFile(s.logPath)
	if len(b) > 2000 {
		b = b[len(b)-2000:]
	}
	return strings.TrimSpace(string(b))
}

// Mem is a process's memory from /proc/PID/status, in bytes.
type Mem struct {
	RSS  uint64 // VmRSS: resident now
	Peak uint64 // VmHWM: the highest resident size so far
}

// ReadMem reads VmRSS and VmHWM of a process (Linux).
func ReadMem(pid int) (Mem, error) {
	b, err := os.ReadFile(filepath.Join("/proc", fmt.Sprint(pid), "status"))
	if err != nil {
		return Mem{}, err
	}
	var m Mem
	for _, line := range strings.Split(string(b), "\n") {
		name, rest, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		var kb uint64
		if _, err := fmt.Sscanf(strings.TrimSpace(rest), "%d kB", &kb); err != nil {
			continue
		}
		switch name {
		case "VmRSS":
			m.RSS = kb * 1024
		case "VmHWM":
			m.Peak = kb * 1024
		}
	}
	if m.RSS == 0 {
		return m, errors.New("no VmRSS in /proc/" + fmt.Sprint(pid) + "/status")
	}
	return m, nil
}

// MemSampler polls a process's memory while a workload runs, for rows
// with a peak-RSS target. VmHWM already holds the kernel's peak; the
// samples add the peak within the sampled window.
type MemSampler struct {
	pid  int
	stop chan struct{}
	done chan Mem
}

// SampleMem starts polling pid every interval.
func SampleMem(pid int, interval time.Duration) *MemSampler {
	s := &MemSampler{pid: pid, stop: make(chan struct{}), done: make(chan Mem, 1)}
	go func() {
		var peak Mem
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			if m, err := ReadMem(pid); err == nil {
				peak.RSS = max(peak.RSS, m.RSS)
				peak.Peak = max(peak.Peak, m.Peak)
			}
			select {
			case <-s.stop:
				s.done <- peak
				return
			case <-t.C:
			}
		}
	}()
	return s
}

// Stop ends sampling and returns the highest VmRSS seen (RSS) and the
// process's VmHWM (Peak).
func (s *MemSampler) Stop() Mem {
	close(s.stop)
	return <-s.done
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// redactURL hides a password in a database URL.
func redactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return "(unparsable URL)"
	}
	return u.Redacted()
}
