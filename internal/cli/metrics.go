package cli

import (
	"context"
	"fmt"
	"net/http"
	"runtime"
	"sort"
	"sync"
	"sync/atomic"
	"time"
)

// metrics counts requests by status class and reports them with job and
// runtime figures in the Prometheus text format at /metrics.
type metrics struct {
	mu       sync.Mutex
	requests map[string]*atomic.Int64 // "2xx", "4xx", …
	inFlight atomic.Int64
}

func newMetrics() *metrics { return &metrics{requests: map[string]*atomic.Int64{}} }

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (m *metrics) wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		m.inFlight.Add(1)
		sw := &statusWriter{ResponseWriter: w}
		defer func() {
			m.inFlight.Add(-1)
			status := sw.status
			if status == 0 {
				status = http.StatusOK
			}
			m.counter(fmt.Sprintf("%dxx", status/100)).Add(1)
		}()
		h.ServeHTTP(sw, r)
	})
}

func (m *metrics) counter(class string) *atomic.Int64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	c, ok := m.requests[class]
	if !ok {
		c = new(atomic.Int64)
		m.requests[class] = c
	}
	return c
}

func (srv *Server) serveMetrics(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
	m := srv.metrics
	fmt.Fprintln(w, "# HELP renkei_http_requests_total HTTP requests served, by status class.")
	fmt.Fprintln(w, "# TYPE renkei_http_requests_total counter")
	m.mu.Lock()
	classes := make([]string, 0, len(m.requests))
	for k := range m.requests {
		classes = append(classes, k)
	}
	m.mu.Unlock()
	sort.Strings(classes)
	for _, k := range classes {
		fmt.Fprintf(w, "renkei_http_requests_total{code=%q} %d\n", k, m.counter(k).Load())
	}
	fmt.Fprintln(w, "# HELP renkei_http_requests_in_flight Requests being served now.")
	fmt.Fprintln(w, "# TYPE renkei_http_requests_in_flight gauge")
	fmt.Fprintf(w, "renkei_http_requests_in_flight %d\n", m.inFlight.Load())
	if counts, err := srv.Store.JobCounts(ctx); err == nil {
		fmt.Fprintln(w, "# HELP renkei_jobs Background jobs in the shared queue, by status.")
		fmt.Fprintln(w, "# TYPE renkei_jobs gauge")
		for _, st := range []string{"queued", "running", "done", "failed"} {
			fmt.Fprintf(w, "renkei_jobs{status=%q} %d\n", st, counts[st])
		}
	}
	srv.App.WriteScoringMetrics(w) // scoring: renkei_scoring_rescore_seconds
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	fmt.Fprintln(w, "# TYPE renkei_go_heap_bytes gauge")
	fmt.Fprintf(w, "renkei_go_heap_bytes %d\n", ms.HeapAlloc)
	fmt.Fprintln(w, "# TYPE renkei_go_goroutines gauge")
	fmt.Fprintf(w, "renkei_go_goroutines %d\n", runtime.NumGoroutine())
	fmt.Fprintln(w, "# TYPE renkei_uptime_seconds gauge")
	fmt.Fprintf(w, "renkei_uptime_seconds %.0f\n", time.Since(srv.started).Seconds())
	fmt.Fprintf(w, "# TYPE renkei_database_info gauge\nrenkei_database_info{driver=%q} 1\n", srv.Store.DriverName())
}
