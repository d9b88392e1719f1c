package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"time"
)

// Row E3 counts a segment: lifecycle in (lead, mql) AND engagement ≥ 20
// AND visited /pricing in the last 14 days (GET
// /api/v1/segments/{id}/count as the owner), one client, on the dataset of
// F2 and F3. Segments are evaluated when read, so every request runs the
// whole query: nothing is cached between them.
//
// Engagement comes from the scoring `renkei gen` runs before it exits; the
// row still waits for any rescore-all job (none is expected), so the count
// is always that of scored data.

const (
	e3Requests = 50
	e3Warmup   = 5
)

// e3Filter is the segment of the row, as the API takes it.
var e3Filter = map[string]any{"match": "all", "conditions": []any{
	map[string]any{"field": "lifecycle_stage", "op": "in", "values": []string{"lead", "mql"}},
	map[string]any{"field": "engagement_score", "op": "gte", "value": 20},
	map[string]any{"field": "visited_path", "op": "prefix", "value": "/pricing", "days": 14},
}}

func rowE3(quick bool, d *searchData) Row {
	return Row{
		ID:       "E3",
		Workload: "segment count: lifecycle in (lead, mql) AND engagement ≥ 20 AND visited /pricing in the last 14 days (GET /api/v1/segments/{id}/count)",
		Data:     sizeData(quick, "M"),
		Note: fmt.Sprintf("E3 runs one client, %d measured counts after %d unmeasured ones, on the data gen scored; "+
			"engagement decays at read time, so each count evaluates the decay for its candidates", e3Requests, e3Warmup),
		Metrics: []Metric{{Name: "p95", Unit: "ms", Better: Lower, Target: map[string]float64{"sqlite": 200, "postgres": 200}}},
		Measure: func(ctx context.Context, env *Env) (map[string]float64, error) { return d.measureE3(ctx, env) },
	}
}

func (d *searchData) measureE3(ctx context.Context, env *Env) (map[string]float64, error) {
	if err := d.prepare(ctx, env); err != nil {
		return nil, err
	}
	srv, err := env.StartServer(ctx, d.db, 60*time.Second)
	if err != nil {
		return nil, err
	}
	defer srv.Stop()
	c := &apiClient{base: srv.URL, token: d.token, http: &http.Client{Timeout: 60 * time.Second}}
	if err := waitForScores(ctx, env, c); err != nil {
		return nil, err
	}
	body, _ := json.Marshal(map[string]any{"name": fmt.Sprintf("E3 bench %d", time.Now().UnixNano()), "filter": e3Filter})
	var seg struct {
		ID int64 `json:"id"`
	}
	if err := c.do(ctx, http.MethodPost, "/api/v1/segments", bytes.NewReader(body), http.StatusCreated, &seg); err != nil {
		return nil, err
	}
	defer c.do(context.WithoutCancel(ctx), http.MethodDelete, fmt.Sprintf("/api/v1/segments/%d", seg.ID), nil, http.StatusNoContent, nil)
	var lat []time.Duration
	var n int
	for i := 0; i < e3Warmup+e3Requests; i++ {
		var res struct {
			Count int `json:"count"`
		}
		start := time.Now()
		if err := c.get(ctx, fmt.Sprintf("/api/v1/segments/%d/count", seg.ID), &res); err != nil {
			return nil, err
		}
		if i >= e3Warmup {
			lat = append(lat, time.Since(start))
		}
		n = res.Count
	}
	if n == 0 {
		return nil, fmt.Errorf("the E3 segment is empty: no scored lead or MQL viewed /pricing in the last 14 days")
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	fmt.Fprintf(env.Log, "    %d counts (%d contacts match): p50 %s, p95 %s, max %s\n",
		len(lat), n, percentile(lat, 50), percentile(lat, 95), lat[len(lat)-1])
	return map[string]float64{"p95": float64(percentile(lat, 95).Microseconds()) / 1000}, nil
}

// waitForScores waits until no rescore-all job is queued or running: the
// generator queues one, and the server started here runs it. Job ids are
// small in a generated database, so the first ones are looked at.
func waitForScores(ctx context.Context, env *Env, c *apiClient) error {
	type job struct {
		ID       int64  `json:"id"`
		Kind     string `json:"kind"`
		Status   string `json:"status"`
		Progress int    `json:"progress"`
		Total    int    `json:"total"`
	}
	pending := func() (*job, error) {
		for id := 1; id <= 50; id++ {
			var j job
			err := c.get(ctx, fmt.Sprintf("/api/v1/jobs/%d", id), &j)
			if err != nil {
				break // past the last job (404)
			}
			if j.Kind == "scoring.rescore_all" && (j.Status == "queued" || j.Status == "running") {
				return &j, nil
			}
		}
		return nil, nil
	}
	deadline := time.Now().Add(45 * time.Minute)
	said := false
	for time.Now().Before(deadline) {
		j, err := pending()
		if err != nil || j == nil {
			return err
		}
		if !said {
			fmt.Fprintf(env.Log, "    waiting for the rescore-all job %d (%d of %d contacts)\n", j.ID, j.Progress, j.Total)
			said = true
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(2 * time.Second):
		}
	}
	return fmt.Errorf("the rescore-all job did not finish in 45 minutes")
}
