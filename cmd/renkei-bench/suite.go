package main

import (
	"context"
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Row is one line of the performance targets table (BENCHMARKS.md): an id,
// the workload, the data it runs on, the metrics it reports with their
// targets, and Measure, which does one run and returns a value per metric.
// Later issues add rows to allRows.
type Row struct {
	ID       string
	Workload string
	// Data says what the row ran on, e.g. "M" or, until the scale
	// generator exists, "empty migrated database".
	Data string
	// Note is printed under the table, e.g. why the data is not the row's.
	Note    string
	Metrics []Metric
	// Measure does one run on env's database and returns metric name → value.
	Measure func(ctx context.Context, env *Env) (map[string]float64, error)
	// Runs, when not zero, replaces the suite's runs per row for a row
	// too slow to repeat within the run's time limit (say why in Note).
	Runs int
}

// Better says which direction of a metric is good.
type Better int

const (
	Lower Better = iota
	Higher
)

// Metric is one figure a row reports and its targets.
type Metric struct {
	Name   string
	Unit   string // shown after values: "MB", "ms", "req/s"
	Better Better
	// Target per database kind ("sqlite", "postgres"); a missing kind has
	// no target.
	Target map[string]float64
}

// targetText renders a target such as "≤ 50 MB".
func (m Metric) targetText(kind string) string {
	t, ok := m.Target[kind]
	if !ok {
		return "–"
	}
	op := "≤"
	if m.Better == Higher {
		op = "≥"
	}
	return op + " " + formatValue(t) + " " + m.Unit
}

// met reports whether v reaches the target; ok is false without a target.
func (m Metric) met(kind string, v float64) (met, ok bool) {
	t, ok := m.Target[kind]
	if !ok {
		return false, false
	}
	if m.Better == Higher {
		return v >= t, true
	}
	return v <= t, true
}

// Result is one metric of one row on one database over all runs.
type Result struct {
	Row    Row
	DB     DB
	Metric Metric
	Runs   []float64
	Median float64
	Err    error
}

// runRow measures row n times on env's database and returns one Result per
// metric. A failing run fails the row; its error is kept in the results.
func runRow(ctx context.Context, row Row, env *Env, n int, log io.Writer) []Result {
	if row.Runs > 0 {
		n = row.Runs
	}
	values := map[string][]float64{}
	var err error
	for i := 0; i < n; i++ {
		start := time.Now()
		var got map[string]float64
		got, err = row.Measure(ctx, env)
		if err != nil {
			fmt.Fprintf(log, "  %s on %s, run %d/%d: %v\n", row.ID, env.DB.Name, i+1, n, err)
			break
		}
		var parts []string
		for _, m := range row.Metrics {
			v, ok := got[m.Name]
			if !ok {
				err = fmt.Errorf("run %d did not report %q", i+1, m.Name)
				break
			}
			values[m.Name] = append(values[m.Name], v)
			parts = append(parts, fmt.Sprintf("%s %s %s", m.Name, formatValue(v), m.Unit))
		}
		if err != nil {
			break
		}
		fmt.Fprintf(log, "  %s on %s, run %d/%d (%.1fs): %s\n", row.ID, env.DB.Name, i+1, n, time.Since(start).Seconds(), strings.Join(parts, ", "))
	}
	out := make([]Result, 0, len(row.Metrics))
	for _, m := range row.Metrics {
		r := Result{Row: row, DB: env.DB, Metric: m, Runs: values[m.Name], Err: err}
		if err == nil {
			r.Median = median(r.Runs)
		}
		out = append(out, r)
	}
	return out
}

// median returns the middle value (the mean of the two middle ones for an
// even count); NaN for none.
func median(xs []float64) float64 {
	if len(xs) == 0 {
		return math.NaN()
	}
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// formatValue prints a figure with three significant digits or so.
func formatValue(v float64) string {
	switch a := math.Abs(v); {
	case math.IsNaN(v):
		return "–"
	case a >= 1000 || a == math.Trunc(a):
		return strconv.FormatFloat(v, 'f', 0, 64)
	case a >= 100:
		return strconv.FormatFloat(v, 'f', 0, 64)
	case a >= 10:
		return strconv.FormatFloat(v, 'f', 1, 64)
	case a >= 1:
		return strconv.FormatFloat(v, 'f', 2, 64)
	default:
		return strconv.FormatFloat(v, 'f', 3, 64)
	}
}
