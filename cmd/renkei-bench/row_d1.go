package main

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Row D1: `renkei demo` into an empty database, from exec to exit; and the
// scale generator, `renkei gen --size M` (N=100,000 with -quick) into an
// empty database, rows written per second of the whole process (opening
// and migrating the database and rebuilding the indexes included).

// genSize is the dataset the generator-based rows use: M, or N=100000
// in the quick run.
func genSize(quick bool) string {
	if quick {
		return "N=100000"
	}
	return "M"
}

// sizeData labels a row's data: "M", or "N=100,000 (-quick, not M)".
func sizeData(quick bool, full string) string {
	if quick {
		return "N=100,000 contacts (-quick; the full run uses " + full + ")"
	}
	return full
}

func rowD1(quick bool, search *searchData) Row {
	size := genSize(quick)
	return Row{
		ID:       "D1",
		Workload: "`renkei demo` into an empty database; `renkei gen --size " + size + "` rows/s",
		Data:     sizeData(quick, "M"),
		Note: "D1 times each command from exec to exit on a database without tables (migrations included); " +
			"the gen rate is all rows written (companies, contacts, timeline, tags, consent) over that whole time, index rebuild included, " +
			"less the scoring of every contact that gen runs after the load (derived data, shown apart as \"scores\"); " +
			"one of the runs is the generation of the dataset the search rows use" + d1RunsNote(quick),
		Runs: d1Runs(quick),
		Metrics: []Metric{
			{Name: "demo wall time", Unit: "s", Better: Lower, Target: map[string]float64{"sqlite": 30, "postgres": 30}},
			{Name: "gen rate", Unit: "rows/s", Better: Higher, Target: map[string]float64{"sqlite": 200000, "postgres": 100000}},
			{Name: "scores", Unit: "s", Better: Lower},
		},
		Measure: func(ctx context.Context, env *Env) (map[string]float64, error) {
			demo, err := emptyDatabase(ctx, env, "")
			if err != nil {
				return nil, err
			}
			defer demo.Close()
			start := time.Now()
			if _, err := runRenkei(ctx, env, demo, "demo"); err != nil {
				return nil, err
			}
			demoTime := time.Since(start)
			demo.Close()

			var run genRun
			if search.gen != nil && search.kind == env.DB.Kind && search.size == size {
				run, search.gen = *search.gen, nil // the search rows' generation, timed when it ran
			} else {
				db, err := emptyDatabase(ctx, env, "")
				if err != nil {
					return nil, err
				}
				defer db.Close()
				start = time.Now()
				out, err := runRenkei(ctx, env, db, "gen", "--size", size)
				if err != nil {
					return nil, err
				}
				run.took = time.Since(start)
				if run.out, err = parseGen(out); err != nil {
					return nil, err
				}
			}
			fmt.Fprintf(env.Log, "    gen: %s\n", run.out.done)
			load := run.took - run.out.scores
			return map[string]float64{
				"demo wall time": demoTime.Seconds(),
				"gen rate":       float64(run.out.rows) / load.Seconds(),
				"scores":         run.out.scores.Seconds(),
			}, nil
		},
	}
}

// emptyDatabase makes a database without tables: a new data directory on
// SQLite, a new schema on PostgreSQL (named schema, dropped first if it
// exists, or a random one when schema is empty). Close removes it.
func emptyDatabase(ctx context.Context, env *Env, schema string) (*Database, error) {
	if env.DB.Kind == "sqlite" {
		dir, err := os.MkdirTemp(env.Work, "data-")
		if err != nil {
			return nil, err
		}
		return &Database{Args: []string{"--data", dir}, close: func() { os.RemoveAll(dir) }}, nil
	}
	if schema == "" {
		schema = "bench_" + randomHex(6)
	}
	admin, err := sql.Open("pgx", env.DB.URL)
	if err != nil {
		return nil, err
	}
	for _, q := range []string{"DROP SCHEMA IF EXISTS " + schema + " CASCADE", "CREATE SCHEMA " + schema} {
		if _, err := admin.ExecContext(ctx, q); err != nil {
			admin.Close()
			return nil, fmt.Errorf("%s on %s: %w", q, redactURL(env.DB.URL), err)
		}
	}
	u, err := url.Parse(env.DB.URL)
	if err != nil {
		admin.Close()
		return nil, err
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	done := false
	return &Database{Args: []string{"--database-url", u.String()}, close: func() {
		if !done {
			done = true
			admin.Exec("DROP SCHEMA " + schema + " CASCADE")
			admin.Close()
		}
	}}, nil
}

// runRenkei runs `renkei ARGS… DATABASE-ARGS` and returns its output.
func runRenkei(ctx context.Context, env *Env, db *Database, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, env.Bin, append(args, db.Args...)...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("renkei %s: %v: %s", strings.Join(args, " "), err, tail(out.String(), 2000))
	}
	return out.String(), nil
}

// genOutput is what `renkei gen` printed that the rows use.
type genOutput struct {
	owner string // the owner's e-mail address
	rows  int64  // rows written
	done  string // the "done in …" line
	// scores is how long gen spent scoring the contacts after the load.
	scores time.Duration
}

var (
	genOwnerRE = regexp.MustCompile(`workspace and owner\s+.*<([^>]+)>`)
	genDoneRE  = regexp.MustCompile(`done in [0-9.]+ s: ([0-9,]+) rows`)
	genScoreRE = regexp.MustCompile(`scores ([0-9.]+) s\)`)
)

func parseGen(out string) (genOutput, error) {
	var g genOutput
	m := genOwnerRE.FindStringSubmatch(out)
	d := genDoneRE.FindStringSubmatch(out)
	if m == nil || d == nil {
		return g, fmt.Errorf("renkei gen printed no owner or no row count: %s", tail(out, 2000))
	}
	g.owner = m[1]
	n, err := strconv.ParseInt(strings.ReplaceAll(d[1], ",", ""), 10, 64)
	if err != nil {
		return g, err
	}
	g.rows = n
	for _, line := range strings.Split(out, "\n") {
		if strings.HasPrefix(line, "done in ") {
			g.done = line
			if m := genScoreRE.FindStringSubmatch(line); m != nil {
				sec, _ := strconv.ParseFloat(m[1], 64)
				g.scores = time.Duration(sec * float64(time.Second))
			}
		}
	}
	return g, nil
}

// d1Runs is D1's number of runs: one in the full run, where generating M
// takes six to eight minutes per database and three runs would not fit
// the suite's hour; the suite's default with -quick.
func d1Runs(quick bool) int {
	if quick {
		return 0
	}
	return 1
}

func d1RunsNote(quick bool) string {
	if quick {
		return ""
	}
	return "; the full run measures D1 once per database (generating M takes 6–8 minutes, three runs would not fit the hour)"
}
