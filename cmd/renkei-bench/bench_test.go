package main

import (
	"context"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestMedian(t *testing.T) {
	tests := []struct {
		in   []float64
		want float64
	}{
		{[]float64{3}, 3},
		{[]float64{5, 1, 3}, 3},
		{[]float64{4, 1, 3, 2}, 2.5},
		{[]float64{10, 10, 1000}, 10},
	}
	for _, tt := range tests {
		if got := median(tt.in); got != tt.want {
			t.Errorf("median(%v) = %v, want %v", tt.in, got, tt.want)
		}
	}
	if got := median(nil); !math.IsNaN(got) {
		t.Errorf("median(nil) = %v, want NaN", got)
	}
}

func TestPercentile(t *testing.T) {
	var xs []time.Duration
	for i := 1; i <= 100; i++ {
		xs = append(xs, time.Duration(i)*time.Millisecond)
	}
	tests := []struct {
		p    float64
		want time.Duration
	}{
		{50, 50 * time.Millisecond},
		{95, 95 * time.Millisecond},
		{99, 99 * time.Millisecond},
		{100, 100 * time.Millisecond},
		{0, 1 * time.Millisecond},
	}
	for _, tt := range tests {
		if got := percentile(xs, tt.p); got != tt.want {
			t.Errorf("percentile(1..100ms, %v) = %v, want %v", tt.p, got, tt.want)
		}
	}
	if got := percentile([]time.Duration{7}, 99); got != 7 {
		t.Errorf("percentile of one value = %v, want 7", got)
	}
}

func TestMetricMet(t *testing.T) {
	lower := Metric{Name: "rss", Unit: "MB", Better: Lower, Target: map[string]float64{"sqlite": 60}}
	higher := Metric{Name: "rate", Unit: "req/s", Better: Higher, Target: map[string]float64{"sqlite": 2000}}
	tests := []struct {
		m       Metric
		kind    string
		v       float64
		met, ok bool
	}{
		{lower, "sqlite", 59.9, true, true},
		{lower, "sqlite", 60, true, true},
		{lower, "sqlite", 60.1, false, true},
		{lower, "postgres", 1, false, false},
		{higher, "sqlite", 2500, true, true},
		{higher, "sqlite", 1999, false, true},
	}
	for _, tt := range tests {
		met, ok := tt.m.met(tt.kind, tt.v)
		if met != tt.met || ok != tt.ok {
			t.Errorf("%s %s %v: met, ok = %v, %v; want %v, %v", tt.m.Name, tt.kind, tt.v, met, ok, tt.met, tt.ok)
		}
	}
	if got, want := lower.targetText("sqlite"), "≤ 60 MB"; got != want {
		t.Errorf("targetText = %q, want %q", got, want)
	}
}

func TestLoadCountsRequestsAndErrors(t *testing.T) {
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1)%4 == 0 {
			http.Error(w, "every fourth fails", http.StatusInternalServerError)
			return
		}
		w.Write([]byte("ok"))
	}))
	defer srv.Close()
	res, err := Load{
		Clients:  4,
		Duration: 200 * time.Millisecond,
		Request: func(ctx context.Context, c, i int) (*http.Request, error) {
			return http.NewRequestWithContext(ctx, "GET", srv.URL, nil)
		},
	}.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if res.Requests < 20 {
		t.Fatalf("only %d requests in 200 ms", res.Requests)
	}
	// Every fourth request of the server fails; the clients see about a quarter.
	if frac := float64(res.Errors) / float64(res.Requests); frac < 0.15 || frac > 0.35 {
		t.Errorf("errors %d of %d (%.2f), want about 0.25", res.Errors, res.Requests, frac)
	}
	if !strings.Contains(res.FirstError, "500") {
		t.Errorf("first error %q does not name the status", res.FirstError)
	}
	if res.P50 <= 0 || res.P50 > res.P95 || res.P95 > res.P99 || res.P99 > res.Max {
		t.Errorf("percentiles out of order: %s", res)
	}
	if want := float64(res.Requests-res.Errors) / res.Elapsed.Seconds(); math.Abs(res.Throughput-want) > 1e-6 {
		t.Errorf("throughput %v, want %v", res.Throughput, want)
	}
}

func TestSectionAndDocKeepOtherDatabase(t *testing.T) {
	path := t.TempDir() + "/benchmarks.md"
	row := Row{ID: "F5", Data: "empty", Metrics: []Metric{{Name: "binary size", Unit: "MB", Target: map[string]float64{"sqlite": 50, "postgres": 50}}}}
	dbs := []DB{{Name: "SQLite", Kind: "sqlite"}, {Name: "PostgreSQL", Kind: "postgres"}}
	run := Run{Date: time.Date(2026, 1, 2, 3, 4, 0, 0, time.UTC), Commit: "abc", Command: "go run ./cmd/renkei-bench", Machine: "test", Runs: 3}
	pg := section(dbs[1], run, []Result{{Row: row, DB: dbs[1], Metric: row.Metrics[0], Runs: []float64{60, 61, 62}, Median: 61}})
	if err := writeDoc(path, dbs, map[string]string{"postgres": pg}); err != nil {
		t.Fatal(err)
	}
	lite := section(dbs[0], run, []Result{{Row: row, DB: dbs[0], Metric: row.Metrics[0], Runs: []float64{20, 21, 22}, Median: 21}})
	if err := writeDoc(path, dbs, map[string]string{"sqlite": lite}); err != nil {
		t.Fatal(err)
	}
	doc := readFile(t, path)
	for _, want := range []string{
		"| F5 | SQLite | empty | binary size | 21 MB | 20, 21, 22 | ≤ 50 MB | met |",
		"| F5 | PostgreSQL | empty | binary size | 61 MB | 60, 61, 62 | ≤ 50 MB | missed |",
	} {
		if !strings.Contains(doc, want) {
			t.Errorf("document lacks %q:\n%s", want, doc)
		}
	}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// A run of some rows keeps the other rows of the previous run, with where
// they came from; a later full run drops them again.
func TestDocKeepsRowsNotMeasured(t *testing.T) {
	path := filepath.Join(t.TempDir(), "b.md")
	db := DB{Name: "SQLite", Kind: "sqlite"}
	all := []DB{db, {Name: "PostgreSQL", Kind: "postgres"}}
	mk := func(id string, v float64) Result {
		return Result{Row: Row{ID: id, Data: "S", Note: id + " note"}, Metric: Metric{Name: "p95", Unit: "ms"}, Median: v, Runs: []float64{v, v, v}}
	}
	run1 := Run{Date: time.Date(2026, 11, 24, 8, 0, 0, 0, time.UTC), Commit: "aaa", Command: "bench all", Runs: 3}
	if err := writeDoc(path, all, map[string]string{"sqlite": section(db, run1, []Result{mk("F1", 1), mk("F2", 2)})}); err != nil {
		t.Fatal(err)
	}
	run2 := Run{Date: time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC), Commit: "bbb", Command: "bench -rows F2", Runs: 3}
	if err := writeDoc(path, all, map[string]string{"sqlite": section(db, run2, []Result{mk("F2", 5)})}); err != nil {
		t.Fatal(err)
	}
	run3 := Run{Date: time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC), Commit: "ccc", Command: "bench -rows C1", Runs: 3}
	if err := writeDoc(path, all, map[string]string{"sqlite": section(db, run3, []Result{mk("C1", 7)})}); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(path)
	doc := string(b)
	for _, want := range []string{"| C1 | SQLite | S | p95 | 7 ms", "Measured by 2026-11-24 09:00 UTC, commit `bbb`, `bench -rows F2`",
		"| F2 | SQLite | S | p95 | 5 ms", "Measured by 2026-11-24 08:00 UTC, commit `aaa`, `bench all`", "| F1 | SQLite | S | p95 | 1 ms", "F1: F1 note"} {
		if !strings.Contains(doc, want) {
			t.Errorf("doc lacks %q:\n%s", want, doc)
		}
	}
	if strings.Contains(doc, "| F2 | SQLite | S | p95 | 2 ms") {
		t.Errorf("the older F2 figure was kept:\n%s", doc)
	}
	// A full run replaces everything.
	if err := writeDoc(path, all, map[string]string{"sqlite": section(db, run1, []Result{mk("F1", 1), mk("F2", 2), mk("C1", 3)})}); err != nil {
		t.Fatal(err)
	}
	b, _ = os.ReadFile(path)
	if strings.Contains(string(b), earlierHeading) {
		t.Errorf("a full run kept earlier rows:\n%s", b)
	}
}

// TestDocKeepsNotes: the hand-written notes between the header and the
// first section survive a run, once, and the sections follow them.
func TestDocKeepsNotes(t *testing.T) {
	path := filepath.Join(t.TempDir(), "b.md")
	db := DB{Name: "SQLite", Kind: "sqlite"}
	all := []DB{db, {Name: "PostgreSQL", Kind: "postgres"}}
	res := []Result{{Row: Row{ID: "F1", Data: "S"}, Metric: Metric{Name: "p95", Unit: "ms"}, Median: 1, Runs: []float64{1, 1, 1}}}
	run := Run{Date: time.Date(2026, 11, 24, 8, 0, 0, 0, time.UTC), Commit: "aaa", Command: "bench", Runs: 3}
	if err := writeDoc(path, all, map[string]string{"sqlite": section(db, run, res)}); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(path)
	begin, _ := sectionMarkers("sqlite")
	note := "- **E9** measured apart: 1 ms."
	doc := strings.Replace(string(b), begin, note+"\n\n"+begin, 1)
	if err := os.WriteFile(path, []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if err := writeDoc(path, all, map[string]string{"sqlite": section(db, run, res)}); err != nil {
			t.Fatal(err)
		}
	}
	b, _ = os.ReadFile(path)
	got := string(b)
	if strings.Count(got, note) != 1 || strings.Index(got, note) > strings.Index(got, begin) {
		t.Errorf("the note is not kept once before the sections:\n%s", got)
	}
}
