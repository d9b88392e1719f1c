package main

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"sync"
	"time"
)

// Rows C1, C2 and C4 (web tracking) run on the dataset of F2 and F3 (M,
// or N=100,000 with -quick), which the generator fills with 90 days of
// visits, one or two sites and the awareness rollups. The server runs with
// the tracking rate limits off (--track-rate-ip 0 --track-rate-site 0), so
// loopback is not throttled.
//
// C1: 50 clients POST beacons to /t/e, one page view per request, then ten
// per request, each from its own anonymous visitor, with the site's
// registered Origin and a browser's User-Agent. A 2xx means committed.
// C2: while the beacon load of C1 runs, one client reads the contact list
// (GET /api/v1/contacts, first page of 50 with its total, the query behind
// the staff page) one request after another; the row is its p95.
// C4: the awareness report through the API: 30 days by day, the top 10
// pages, referrers and UTM tables, the first site; p95 of the requests.

const (
	c1Clients  = 50
	c4Requests = 30
	browserUA  = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0 Safari/537.36"
)

// trackSite is the generated site the rows use.
type trackSite struct {
	ID      int64    `json:"id"`
	Key     string   `json:"site_key"`
	Origins []string `json:"origins"`
}

// trackServer starts a server on the shared dataset without rate limits
// and finds the first site.
func trackServer(ctx context.Context, env *Env, d *searchData) (*Server, trackSite, error) {
	var site trackSite
	if err := d.prepare(ctx, env); err != nil {
		return nil, site, err
	}
	srv, err := env.StartServer(ctx, d.db, 60*time.Second, "--track-rate-ip", "0", "--track-rate-site", "0")
	if err != nil {
		return nil, site, err
	}
	c := &apiClient{base: srv.URL, token: d.token, http: &http.Client{Timeout: 30 * time.Second}}
	var page struct {
		Data []trackSite `json:"data"`
	}
	if err := c.get(ctx, "/api/v1/sites", &page); err != nil {
		srv.Stop()
		return nil, site, err
	}
	if len(page.Data) == 0 || len(page.Data[0].Origins) == 0 {
		srv.Stop()
		return nil, site, fmt.Errorf("the dataset has no tracked site with an origin")
	}
	return srv, page.Data[0], nil
}

// beaconLoad is C1's load: perReq page views per request.
func beaconLoad(srv *Server, site trackSite, perReq int, duration, warmup time.Duration) Load {
	run := randomHex(4)
	endpoint := srv.URL + "/t/e?s=" + url.QueryEscape(site.Key)
	origin := site.Origins[0]
	return Load{
		Clients:  c1Clients,
		Duration: duration,
		Warmup:   warmup,
		Request: func(ctx context.Context, c, i int) (*http.Request, error) {
			var sb strings.Builder
			fmt.Fprintf(&sb, `{"site":%q,"vid":"bench%s%04d%08d","events":[`, site.Key, run, c, i)
			for k := 0; k < perReq; k++ {
				if k > 0 {
					sb.WriteByte(',')
				}
				fmt.Fprintf(&sb, `{"type":"pageview","url":"%s/bench/%d?utm_source=bench&utm_campaign=c1","title":"Bench page %d","ref":"https://www.google.com/"}`,
					origin, (i+k)%20, (i+k)%20)
			}
			sb.WriteString("]}")
			req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, strings.NewReader(sb.String()))
			if err != nil {
				return nil, err
			}
			req.Header.Set("Content-Type", "text/plain")
			req.Header.Set("Origin", origin)
			req.Header.Set("User-Agent", browserUA)
			return req, nil
		},
	}
}

func rowsC(quick bool, d *searchData) []Row {
	duration, warmup := 10*time.Second, 2*time.Second
	if quick {
		duration, warmup = 5*time.Second, time.Second
	}
	data := sizeData(quick, "M")
	return []Row{{
		ID:       "C1",
		Workload: "tracking beacon (POST /t/e), one event per request; and 10 events per request",
		Data:     data,
		Note: fmt.Sprintf("C1 runs %d clients for %s after a %s warm-up, first with one page view per request, then with ten; "+
			"rate limits off; a 2xx means the events are committed (group commit)", c1Clients, duration, warmup),
		Metrics: []Metric{
			{Name: "throughput (1 event)", Unit: "req/s", Better: Higher, Target: map[string]float64{"sqlite": 10000, "postgres": 5000}},
			{Name: "p99 (1 event)", Unit: "ms", Better: Lower, Target: map[string]float64{"sqlite": 25}},
			{Name: "events/s (10 per request)", Unit: "events/s", Better: Higher, Target: map[string]float64{"sqlite": 30000}},
		},
		Measure: func(ctx context.Context, env *Env) (map[string]float64, error) {
			srv, site, err := trackServer(ctx, env, d)
			if err != nil {
				return nil, err
			}
			defer srv.Stop()
			one, err := beaconLoad(srv, site, 1, duration, warmup).Run(ctx)
			if err != nil {
				return nil, err
			}
			fmt.Fprintf(env.Log, "    1 event per request: %s\n", one)
			ten, err := beaconLoad(srv, site, 10, duration, warmup).Run(ctx)
			if err != nil {
				return nil, err
			}
			fmt.Fprintf(env.Log, "    10 events per request: %s\n", ten)
			for _, r := range []LoadResult{one, ten} {
				if r.Errors > 0 {
					return nil, fmt.Errorf("%d of %d beacons failed, first: %s", r.Errors, r.Requests, r.FirstError)
				}
			}
			return map[string]float64{
				"throughput (1 event)":      one.Throughput,
				"p99 (1 event)":             float64(one.P99.Microseconds()) / 1000,
				"events/s (10 per request)": ten.Throughput * 10,
			}, nil
		},
	}, {
		ID:       "C2",
		Workload: "a staff page (the contact list, first page of 50 with its total) while C1's beacon load runs",
		Data:     data,
		Note:     fmt.Sprintf("C2 reads GET /api/v1/contacts?limit=50 one request after another during %s of C1's one-event load (%d clients)", duration, c1Clients),
		Metrics:  []Metric{{Name: "p95", Unit: "ms", Better: Lower, Target: map[string]float64{"sqlite": 300, "postgres": 300}}},
		Measure: func(ctx context.Context, env *Env) (map[string]float64, error) {
			srv, site, err := trackServer(ctx, env, d)
			if err != nil {
				return nil, err
			}
			defer srv.Stop()
			c := &apiClient{base: srv.URL, token: d.token, http: &http.Client{Timeout: 30 * time.Second}}
			var (
				wg   sync.WaitGroup
				bg   LoadResult
				bErr error
			)
			wg.Add(1)
			go func() {
				defer wg.Done()
				bg, bErr = beaconLoad(srv, site, 1, duration, warmup).Run(ctx)
			}()
			time.Sleep(warmup)
			end := time.Now().Add(duration)
			var lat []time.Duration
			for time.Now().Before(end) {
				var page struct {
					Data []struct{} `json:"data"`
				}
				t0 := time.Now()
				if err := c.get(ctx, "/api/v1/contacts?limit=50", &page); err != nil {
					wg.Wait()
					return nil, err
				}
				lat = append(lat, time.Since(t0))
			}
			wg.Wait()
			if bErr != nil {
				return nil, bErr
			}
			fmt.Fprintf(env.Log, "    beacons meanwhile: %s\n", bg)
			sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
			fmt.Fprintf(env.Log, "    %d contact lists: p50 %s, p95 %s, max %s\n", len(lat), percentile(lat, 50), percentile(lat, 95), lat[len(lat)-1])
			return map[string]float64{"p95": float64(percentile(lat, 95).Microseconds()) / 1000}, nil
		},
	}, {
		ID:       "C4",
		Workload: "awareness report: 30 days by day, top 10 pages, referrers, UTM source / medium / campaign, one site",
		Data:     data,
		Note: fmt.Sprintf("C4 sends GET /api/v1/reports/awareness (the last 30 days, group=day, top=10) %d times after 3 unmeasured ones; "+
			"rollup tables, unique visitors merged from daily HyperLogLog sketches", c4Requests),
		Metrics: []Metric{{Name: "p95", Unit: "ms", Better: Lower, Target: map[string]float64{"sqlite": 1000, "postgres": 1000}}},
		Measure: func(ctx context.Context, env *Env) (map[string]float64, error) {
			srv, site, err := trackServer(ctx, env, d)
			if err != nil {
				return nil, err
			}
			defer srv.Stop()
			c := &apiClient{base: srv.URL, token: d.token, http: &http.Client{Timeout: 60 * time.Second}}
			path := fmt.Sprintf("/api/v1/reports/awareness?site_id=%d&group=day&top=10", site.ID)
			var lat []time.Duration
			var views int64
			for i := 0; i < 3+c4Requests; i++ {
				var rep struct {
					Pageviews int64 `json:"pageviews"`
				}
				t0 := time.Now()
				if err := c.get(ctx, path, &rep); err != nil {
					return nil, err
				}
				if i >= 3 {
					lat = append(lat, time.Since(t0))
				}
				views = rep.Pageviews
			}
			if views == 0 {
				return nil, fmt.Errorf("the report counts no page views: the dataset has no visits in the last 30 days")
			}
			sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
			fmt.Fprintf(env.Log, "    %d reports over %d page views: p50 %s, p95 %s\n", len(lat), views, percentile(lat, 50), percentile(lat, 95))
			return map[string]float64{"p95": float64(percentile(lat, 95).Microseconds()) / 1000}, nil
		},
	}}
}
