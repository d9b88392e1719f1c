// Command renkei-bench is Renkei's benchmark suite. It measures the rows of
// the performance targets table (BENCHMARKS.md) that exist so far against
// a real `renkei serve` process, on SQLite and optionally on PostgreSQL,
// and writes the medians with the machine, commit, command and date to
// docs/benchmarks.md.
//
//	go run ./cmd/renkei-bench -quick                    # make bench: SQLite
//	go run ./cmd/renkei-bench -postgres postgres://…    # make bench-full: SQLite and PostgreSQL
//
// A row is a Row in rows.go. Rows with traffic use Load (loadgen.go), an
// HTTP load generator, and rows with a memory target read /proc through
// ReadMem or SampleMem (env.go).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "renkei-bench:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("renkei-bench", flag.ContinueOnError)
	quick := fs.Bool("quick", false, "the quick run (make bench): smaller generated datasets")
	runs := fs.Int("runs", 0, "runs per row (default 3, at least 3)")
	pgURL := fs.String("postgres", "", "also run on this PostgreSQL server (a schema per run is created and dropped)")
	noSQLite := fs.Bool("no-sqlite", false, "skip SQLite (with -postgres)")
	only := fs.String("rows", "", "comma-separated row ids to run (default: all)")
	bin := fs.String("bin", "bin/renkei", "renkei binary; when not given, bin/renkei is built from this checkout first")
	outPath := fs.String("out", "docs/benchmarks.md", "Markdown file to update (empty: print only)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	// Three runs per row, quick or full: BENCHMARKS.md asks for medians of
	// at least three, and with five the full run on M (F1 imports a million
	// rows) does not fit in its hour; D1 generates M once per database in
	// the full run (Row.Runs).
	n := *runs
	if n == 0 {
		n = 3
	}
	if n < 3 {
		return errors.New("-runs must be at least 3 (the figures are medians)")
	}
	root, err := moduleRoot()
	if err != nil {
		return err
	}
	if err := os.Chdir(root); err != nil {
		return err
	}
	var dbs []DB
	if !*noSQLite {
		dbs = append(dbs, DB{Name: "SQLite", Kind: "sqlite"})
	}
	if *pgURL != "" {
		dbs = append(dbs, DB{Name: "PostgreSQL", Kind: "postgres", URL: *pgURL})
	}
	if len(dbs) == 0 {
		return errors.New("no database to run on")
	}
	rows, err := selectRows(allRows(*quick), *only)
	if err != nil {
		return err
	}
	binPath, err := filepath.Abs(*bin)
	if err != nil {
		return err
	}
	// The default binary is always built (go build is incremental): a
	// binary left from an older checkout would measure the wrong code.
	binGiven := false
	fs.Visit(func(f *flag.Flag) { binGiven = binGiven || f.Name == "bin" })
	if _, err := os.Stat(binPath); !binGiven || errors.Is(err, os.ErrNotExist) {
		fmt.Fprintf(out, "building %s with the Makefile's flags\n", *bin)
		if err := buildRenkei(ctx, binPath); err != nil {
			return err
		}
	}
	work, err := os.MkdirTemp("", "renkei-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)

	meta := Run{Date: time.Now(), Commit: commit(), Command: commandLine(args), Machine: machine(), Runs: n}
	fmt.Fprintf(out, "renkei-bench: %d run(s) per row; %s\n", n, meta.Machine)
	fresh := map[string]string{}
	failed := false
	begin := time.Now()
	for _, db := range dbs {
		dbStart := time.Now()
		env := &Env{Bin: binPath, DB: db, Work: work, Log: out}
		m := meta
		if db.Kind == "postgres" {
			m.Extra = postgresVersion(ctx, db.URL)
		}
		var results []Result
		for _, row := range rows {
			fmt.Fprintf(out, "%s on %s: %s\n", row.ID, db.Name, row.Workload)
			rs := runRow(ctx, row, env, n, out)
			for _, r := range rs {
				if r.Err != nil {
					failed = true
				}
			}
			results = append(results, rs...)
			if ctx.Err() != nil {
				return ctx.Err()
			}
		}
		s := section(db, m, results)
		fresh[db.Kind] = s
		fmt.Fprintln(out)
		fmt.Fprint(out, s)
		fmt.Fprintf(out, "%s done in %s (%s since the start)\n", db.Name, time.Since(dbStart).Round(time.Second), time.Since(begin).Round(time.Second))
		// Each database's section is written as soon as it is done, so an
		// interrupted full run keeps what it measured.
		if *outPath != "" {
			all := []DB{{Name: "SQLite", Kind: "sqlite"}, {Name: "PostgreSQL", Kind: "postgres"}}
			if err := writeDoc(*outPath, all, fresh); err != nil {
				return err
			}
			fmt.Fprintf(out, "wrote %s\n", *outPath)
		}
	}
	if failed {
		return errors.New("some rows failed; see above")
	}
	return nil
}

func selectRows(all []Row, only string) ([]Row, error) {
	if only == "" {
		return all, nil
	}
	var out []Row
	for _, id := range strings.Split(only, ",") {
		id = strings.TrimSpace(id)
		found := false
		for _, r := range all {
			if strings.EqualFold(r.ID, id) {
				out = append(out, r)
				found = true
			}
		}
		if !found {
			return nil, fmt.Errorf("no row %q (rows: %s)", id, rowIDs(all))
		}
	}
	return out, nil
}

func rowIDs(rows []Row) string {
	ids := make([]string, len(rows))
	for i, r := range rows {
		ids[i] = r.ID
	}
	return strings.Join(ids, ", ")
}

// commandLine is the command as a user would type it, without passwords.
func commandLine(args []string) string {
	parts := []string{"go run ./cmd/renkei-bench"}
	for _, a := range args {
		if strings.HasPrefix(a, "postgres://") || strings.HasPrefix(a, "postgresql://") {
			a = redactURL(a)
		} else if k, v, ok := strings.Cut(a, "="); ok && strings.TrimLeft(k, "-") == "postgres" {
			a = k + "=" + redactURL(v)
		}
		parts = append(parts, a)
	}
	return strings.Join(parts, " ")
}

// moduleRoot finds the directory with go.mod, so paths are repo-relative.
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("run renkei-bench inside the renkei repository")
		}
		dir = parent
	}
}

// buildRenkei builds the binary as `make build` does.
func buildRenkei(ctx context.Context, out string) error {
	version := "dev"
	if b, err := exec.Command("git", "describe", "--tags", "--always", "--dirty").Output(); err == nil {
		version = strings.TrimSpace(string(b))
	}
	cmd := exec.CommandContext(ctx, "go", "build", "-trimpath",
		"-ldflags", "-s -w -X renkei/internal/cli.Version="+version, "-o", out, "./cmd/renkei")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	return cmd.Run()
}
