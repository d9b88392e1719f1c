package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"sort"
	"time"
)

// Row R1 opens every dashboard and report page as the signed-in owner,
// one client, on the dataset the S rows use (M, or N=100,000 with -quick):
// each page r1Loads times after one unmeasured load. The row's figure is
// the slowest page's p95; the log lists every page.

const r1Loads = 10

// r1Pages are the report pages R1 measures. A later report adds its page
// here.
var r1Pages = []string{
	"/sales/dashboard",
	"/sales/dashboard?kind=year",
	"/reports/closed-loop",
	"/reports/closed-loop?kind=year",
	"/reports/owner",
	"/reports/owner?kind=year",
	"/reports/marketing",
	"/reports/marketing?kind=year",
	"/marketing/market-share",
	"/reports/attribution",
	"/reports/attribution?kind=year",
	"/marketing/campaigns",
	"/marketing/campaigns/1", // the generator's brand search ads
	"/marketing/social",
	"/marketing/surveys/1", // the generator's after-follow NPS survey
	"/marketing/surveys/2",
	"/reports/leads",
	"/reports/quotes",
	"/sales/targets",
	"/activities/week",
	"/marketing/awareness",
}

func rowR1(quick bool, search *searchData) Row {
	d := &salesData{size: search.size, search: search}
	return Row{
		ID:       "R1",
		Workload: "every dashboard and report (GET each report page as the owner, one client)",
		Data:     sizeData(quick, "M"),
		Note: fmt.Sprintf("R1 loads each of %d report pages %d times after one unmeasured load and reports the slowest page's p95 (server-rendered HTML; charts draw in the browser)",
			len(r1Pages), r1Loads),
		Metrics: []Metric{{Name: "slowest p95", Unit: "ms", Better: Lower, Target: map[string]float64{"sqlite": 1000, "postgres": 1000}}},
		Measure: func(ctx context.Context, env *Env) (map[string]float64, error) { return d.measureR1(ctx, env) },
	}
}

func (d *salesData) measureR1(ctx context.Context, env *Env) (map[string]float64, error) {
	srv, _, err := d.start(ctx, env)
	if err != nil {
		return nil, err
	}
	defer srv.Stop()
	session, err := d.webSession(ctx, srv.URL)
	if err != nil {
		return nil, err
	}
	client := &http.Client{Timeout: 60 * time.Second}
	var worst time.Duration
	for _, page := range r1Pages {
		var lat []time.Duration
		for i := 0; i <= r1Loads; i++ {
			req, err := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+page, nil)
			if err != nil {
				return nil, err
			}
			req.AddCookie(session)
			start := time.Now()
			res, err := client.Do(req)
			if err != nil {
				return nil, err
			}
			_, err = io.Copy(io.Discard, res.Body)
			res.Body.Close()
			took := time.Since(start)
			if err != nil {
				return nil, err
			}
			if res.StatusCode != http.StatusOK {
				return nil, fmt.Errorf("GET %s: status %d", page, res.StatusCode)
			}
			if i > 0 {
				lat = append(lat, took)
			}
		}
		sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
		p95 := percentile(lat, 95)
		fmt.Fprintf(env.Log, "    %-34s p50 %s, p95 %s\n", page, percentile(lat, 50).Round(100*time.Microsecond), p95.Round(100*time.Microsecond))
		worst = max(worst, p95)
	}
	return map[string]float64{"slowest p95": float64(worst.Microseconds()) / 1000}, nil
}
