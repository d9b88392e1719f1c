package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"time"
)

// Row S3 reads the sales dashboard (GET /sales/dashboard: the current
// fiscal quarter, every pipeline, the previous quarter beside it) as the
// signed-in owner, one client, on the dataset S1 and S2 use.

const (
	s3Requests = 100
	s3Warmup   = 10
)

var genPasswordRE = regexp.MustCompile(`password\s+(\S+)\s+\(shown once`)

func rowS3(quick bool, d *salesData) Row {
	return Row{
		ID:       "S3",
		Workload: "sales dashboard, current quarter (GET /sales/dashboard as the owner: KPIs with the previous quarter, win rate by source, revenue by month, pipeline, time in stage, lost reasons and competitors)",
		Data:     sizeData(quick, "M"),
		Note: fmt.Sprintf("S3 runs one client with a web session, %d measured page loads after %d unmeasured ones (server-rendered HTML; the charts draw in the browser)",
			s3Requests, s3Warmup),
		Metrics: []Metric{{Name: "p95", Unit: "ms", Better: Lower, Target: map[string]float64{"sqlite": 300, "postgres": 300}}},
		Measure: func(ctx context.Context, env *Env) (map[string]float64, error) { return d.measureS3(ctx, env) },
	}
}

// webSession signs the owner in through the login form and returns the
// session cookie.
func (d *salesData) webSession(ctx context.Context, base string) (*http.Cookie, error) {
	if d.password == "" {
		return nil, fmt.Errorf("renkei gen printed no password")
	}
	form := url.Values{"email": {d.owner}, "password": {d.password}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/login", strings.NewReader(form.Encode()))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	client := &http.Client{Timeout: 30 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	io.Copy(io.Discard, res.Body)
	for _, c := range res.Cookies() {
		if c.Name == "renkei_session" && c.Value != "" {
			return c, nil
		}
	}
	return nil, fmt.Errorf("login as %s: status %d and no session cookie", d.owner, res.StatusCode)
}

func (d *salesData) measureS3(ctx context.Context, env *Env) (map[string]float64, error) {
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
	var lat []time.Duration
	var size int
	for i := 0; i < s3Warmup+s3Requests; i++ {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+"/sales/dashboard", nil)
		if err != nil {
			return nil, err
		}
		req.AddCookie(session)
		start := time.Now()
		res, err := client.Do(req)
		if err != nil {
			return nil, err
		}
		body, err := io.ReadAll(res.Body)
		res.Body.Close()
		took := time.Since(start)
		if err != nil {
			return nil, err
		}
		if res.StatusCode != http.StatusOK || !strings.Contains(string(body), `data-kpi="revenue"`) {
			return nil, fmt.Errorf("GET /sales/dashboard: status %d, no KPI cards (empty dashboard?): %.300s", res.StatusCode, body)
		}
		size = len(body)
		if i >= s3Warmup {
			lat = append(lat, took)
		}
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	fmt.Fprintf(env.Log, "    %d page loads (%d KB): p50 %s, p95 %s, max %s\n",
		len(lat), size/1024, percentile(lat, 50), percentile(lat, 95), lat[len(lat)-1])
	return map[string]float64{"p95": float64(percentile(lat, 95).Microseconds()) / 1000}, nil
}
