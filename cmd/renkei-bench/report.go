package main

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"time"
)

// Run describes one invocation of the suite, printed above its figures.
type Run struct {
	Date    time.Time
	Commit  string
	Command string
	Machine string
	Runs    int
	Extra   string // e.g. the PostgreSQL server version
}

// machine describes the computer: CPU model, cores, memory, kernel.
func machine() string {
	cpu := "unknown CPU"
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				cpu = strings.TrimSpace(v)
				break
			}
		}
	}
	mem := "unknown memory"
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if strings.HasPrefix(line, "MemTotal:") {
				if kb, err := strconv.ParseFloat(strings.Fields(line)[1], 64); err == nil {
					mem = fmt.Sprintf("%.1f GiB memory", kb/(1<<20))
				}
			}
		}
	}
	kernel := runtime.GOOS
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		kernel = "Linux " + strings.TrimSpace(string(b))
	}
	return fmt.Sprintf("%s, %d cores (nproc), %s, %s, %s", cpu, runtime.NumCPU(), mem, kernel, runtime.Version())
}

// commit returns the checked-out commit, marked when the tree has changes.
func commit() string {
	out, err := exec.Command("git", "rev-parse", "--short=12", "HEAD").Output()
	if err != nil {
		return "unknown (not a git checkout)"
	}
	c := strings.TrimSpace(string(out))
	if st, err := exec.Command("git", "status", "--porcelain", "--untracked-files=no").Output(); err == nil && len(strings.TrimSpace(string(st))) > 0 {
		c += " with uncommitted changes"
	}
	return c
}

// postgresVersion asks the server for its version.
func postgresVersion(ctx context.Context, url string) string {
	db, err := sql.Open("pgx", url)
	if err != nil {
		return "PostgreSQL (version unknown)"
	}
	defer db.Close()
	var v string
	if err := db.QueryRowContext(ctx, "SHOW server_version").Scan(&v); err != nil {
		return "PostgreSQL (version unknown)"
	}
	return "PostgreSQL " + v + " on the same machine, default settings"
}

const docHeader = `# Benchmarks

Figures measured by the benchmark suite (` + "`cmd/renkei-bench`" + `) against the project's
performance targets (BENCHMARKS.md in the design notes, ids F1–R2). ` + "`make bench`" + ` is the
quick run on SQLite; ` + "`make bench-full`" + ` runs every row on SQLite and PostgreSQL. Each section
below is rewritten by the latest run on that database; the other stays as it was.

How to read it: every figure is the **median of N runs** (all runs are listed too). The load
generator, the benchmark driver and PostgreSQL run on the **same machine** as the server and take
CPU from it, so throughput is a floor, not a ceiling. MB = 10^6 bytes. RSS is the server process's
VmRSS from /proc (PostgreSQL's own memory is not counted). "met" compares the median with the target.
`

func sectionMarkers(kind string) (string, string) {
	return "<!-- bench:" + kind + ":begin -->", "<!-- bench:" + kind + ":end -->"
}

// section renders one database's results.
func section(db DB, run Run, results []Result) string {
	var b strings.Builder
	begin, end := sectionMarkers(db.Kind)
	b.WriteString(begin + "\n")
	fmt.Fprintf(&b, "## %s\n\n", db.Name)
	fmt.Fprintf(&b, "- Date: %s\n", run.Date.UTC().Format("2006-01-02 15:04 UTC"))
	fmt.Fprintf(&b, "- Commit: `%s`\n", run.Commit)
	fmt.Fprintf(&b, "- Command: `%s`\n", run.Command)
	fmt.Fprintf(&b, "- Machine: %s\n", run.Machine)
	if run.Extra != "" {
		fmt.Fprintf(&b, "- Database: %s\n", run.Extra)
	}
	b.WriteString("- The load generator and the benchmark driver share this machine with the server.\n\n")
	fmt.Fprintf(&b, "| row | database | data | metric | median of %d runs | runs | target | result |\n", run.Runs)
	b.WriteString("|---|---|---|---|---|---|---|---|\n")
	for _, r := range results {
		median, runs, verdict := "–", "–", "–"
		if r.Err != nil {
			verdict = "error: " + strings.ReplaceAll(r.Err.Error(), "|", "/")
		} else {
			median = formatValue(r.Median) + " " + r.Metric.Unit
			vs := make([]string, len(r.Runs))
			for i, v := range r.Runs {
				vs[i] = formatValue(v)
			}
			runs = strings.Join(vs, ", ")
			if met, ok := r.Metric.met(db.Kind, r.Median); ok {
				verdict = "missed"
				if met {
					verdict = "met"
				}
			}
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s | %s | %s |\n",
			r.Row.ID, db.Name, r.Row.Data, r.Metric.Name, median, runs, r.Metric.targetText(db.Kind), verdict)
	}
	seen := map[string]bool{}
	for _, r := range results {
		if r.Row.Note != "" && !seen[r.Row.ID] {
			seen[r.Row.ID] = true
			fmt.Fprintf(&b, "\n%s: %s.\n", r.Row.ID, r.Row.Note)
		}
	}
	b.WriteString(end + "\n")
	return b.String()
}

// writeDoc writes path with the header and one section per database kind:
// the new sections replace those of the same kind; others are kept from
// the existing file.
func writeDoc(path string, kinds []DB, fresh map[string]string) error {
	old, _ := os.ReadFile(path)
	var b strings.Builder
	b.WriteString(docHeader)
	if n := docNotes(string(old)); n != "" {
		b.WriteString("\n" + n + "\n")
	}
	for _, db := range kinds {
		b.WriteString("\n")
		if s, ok := fresh[db.Kind]; ok {
			prev, _ := extractSection(string(old), db.Kind)
			b.WriteString(withCarryOver(s, prev))
			continue
		}
		if s, ok := extractSection(string(old), db.Kind); ok {
			b.WriteString(s)
			continue
		}
		begin, end := sectionMarkers(db.Kind)
		fmt.Fprintf(&b, "%s\n## %s\n\nNot measured yet: run `make bench-full`.\n%s\n", begin, db.Name, end)
	}
	return os.WriteFile(path, []byte(b.String()), 0o644)
}

// docNotes returns the hand-written notes between the header and the
// first section (figures measured apart, runs that were stopped), which a
// run keeps as they are.
func docNotes(doc string) string {
	rest, ok := strings.CutPrefix(doc, docHeader)
	if !ok {
		return ""
	}
	i := strings.Index(rest, "<!-- bench:")
	if i < 0 {
		return ""
	}
	return strings.TrimSpace(rest[:i])
}

func extractSection(doc, kind string) (string, bool) {
	begin, end := sectionMarkers(kind)
	i := strings.Index(doc, begin)
	if i < 0 {
		return "", false
	}
	j := strings.Index(doc[i:], end)
	if j < 0 {
		return "", false
	}
	return doc[i:i+j+len(end)] + "\n", true
}

// withCarryOver appends to a fresh section the rows of the previous one
// that the fresh run did not measure (see carryover.go).
func withCarryOver(fresh, prev string) string {
	measured := map[string]bool{}
	for _, line := range strings.Split(fresh, "\n") {
		if strings.HasPrefix(line, "| ") && !strings.HasPrefix(line, "| row ") {
			measured[rowID(line)] = true
		}
	}
	carried := carryOver(prev, measured)
	if carried == "" {
		return fresh
	}
	_, end := sectionMarkers(sectionKind(fresh))
	return strings.Replace(fresh, end, strings.TrimPrefix(carried, "\n")+end, 1)
}

// sectionKind reads the database kind from a section's begin marker.
func sectionKind(sec string) string {
	s := strings.TrimPrefix(sec, "<!-- bench:")
	if i := strings.Index(s, ":"); i >= 0 {
		return s[:i]
	}
	return ""
}
