package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"sort"
	"sync"
	"time"
)

// Load is an HTTP load: Clients concurrent clients, each sending requests
// one after another for Duration (after an unmeasured Warmup).
type Load struct {
	Clients  int
	Duration time.Duration
	Warmup   time.Duration
	// Client sends the requests; nil means one with a keep-alive
	// connection per client.
	Client *http.Client
	// Request builds request i of client c.
	Request func(ctx context.Context, c, i int) (*http.Request, error)
	// OK says whether a response is a success; nil means any 2xx.
	OK func(*http.Response) bool
}

// LoadResult are the figures of one load run. Latencies cover every
// measured request, failed ones included.
type LoadResult struct {
	Requests   int
	Errors     int
	Elapsed    time.Duration
	Throughput float64 // successful requests per second
	P50        time.Duration
	P95        time.Duration
	P99        time.Duration
	Max        time.Duration
	FirstError string
}

func (r LoadResult) String() string {
	return fmt.Sprintf("%d requests, %d errors, %.0f req/s, p50 %s, p95 %s, p99 %s, max %s",
		r.Requests, r.Errors, r.Throughput, r.P50, r.P95, r.P99, r.Max)
}

// Run runs the load and returns its figures.
func (l Load) Run(ctx context.Context) (LoadResult, error) {
	if l.Clients < 1 || l.Duration <= 0 || l.Request == nil {
		return LoadResult{}, errors.New("load needs clients, a duration and a request")
	}
	client := l.Client
	if client == nil {
		client = &http.Client{
			Timeout: 30 * time.Second,
			Transport: &http.Transport{
				MaxIdleConns:        l.Clients,
				MaxIdleConnsPerHost: l.Clients,
				MaxConnsPerHost:     l.Clients,
			},
		}
		defer client.CloseIdleConnections()
	}
	ok := l.OK
	if ok == nil {
		ok = func(r *http.Response) bool { return r.StatusCode >= 200 && r.StatusCode < 300 }
	}
	start := time.Now()
	measureFrom := start.Add(l.Warmup)
	end := measureFrom.Add(l.Duration)
	type clientResult struct {
		lat      []time.Duration
		errs     int
		firstErr string
	}
	results := make([]clientResult, l.Clients)
	var wg sync.WaitGroup
	for c := 0; c < l.Clients; c++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res := &results[c]
			for i := 0; ; i++ {
				t0 := time.Now()
				if !t0.Before(end) || ctx.Err() != nil {
					return
				}
				failure := ""
				req, err := l.Request(ctx, c, i)
				if err != nil {
					failure = err.Error()
				} else {
					resp, err := client.Do(req)
					if err != nil {
						failure = err.Error()
					} else {
						io.Copy(io.Discard, resp.Body)
						resp.Body.Close()
						if !ok(resp) {
							failure = fmt.Sprintf("%s %s: %s", req.Method, req.URL.Path, resp.Status)
						}
					}
				}
				if t0.Before(measureFrom) {
					continue
				}
				res.lat = append(res.lat, time.Since(t0))
				if failure != "" {
					res.errs++
					if res.firstErr == "" {
						res.firstErr = failure
					}
				}
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(measureFrom)
	var all []time.Duration
	out := LoadResult{Elapsed: elapsed}
	for _, r := range results {
		all = append(all, r.lat...)
		out.Errors += r.errs
		if out.FirstError == "" {
			out.FirstError = r.firstErr
		}
	}
	if err := ctx.Err(); err != nil {
		return out, err
	}
	sort.Slice(all, func(i, j int) bool { return all[i] < all[j] })
	out.Requests = len(all)
	out.Throughput = float64(out.Requests-out.Errors) / elapsed.Seconds()
	out.P50, out.P95, out.P99 = percentile(all, 50), percentile(all, 95), percentile(all, 99)
	if len(all) > 0 {
		out.Max = all[len(all)-1]
	}
	return out, nil
}

// percentile returns the p-th percentile (nearest rank) of sorted values.
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	rank := int(math.Ceil(p/100*float64(len(sorted)))) - 1
	return sorted[min(max(rank, 0), len(sorted)-1)]
}
