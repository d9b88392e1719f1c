package main

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Rows S1 and S2 (and S3, row_s3.go) run on a generated dataset (M, or N=100,000 with -quick)
// whose deals come from the generator's sales story.
//
// S1 reads the board of the default pipeline (GET
// /api/v1/pipelines/{id}/board) filtered by owner and close month, one
// client; the (owner, month) pairs are those of real open deals.
//
// S2 moves deals between two open stages (POST /api/v1/deals/{id}/move
// with If-Match), 8 clients, each on its own deals, each move sending the
// version the previous answer's ETag gave.

const (
	s1Requests    = 300
	s1Warmup      = 30
	s2Clients     = 8
	s2DealsPerCli = 25
)

// salesData is the dataset S1 and S2 share, made once per database kind.
type salesData struct {
	size     string
	search   *searchData // whose database this is
	kind     string
	db       *Database
	token    string
	owner    string // the owner's e-mail and password, for S3's web session
	password string
	pipeline int64
	stages   [2]int64 // the first two open stages
	s1       []url.Values
	s2       [][]movable // per client
}

// movable is a deal S2 moves back and forth.
type movable struct {
	id      int64
	version int64
	stage   int64
}

func rowsS1S2(quick bool, search *searchData) []Row {
	d := &salesData{size: search.size, search: search}
	data := sizeData(quick, "M")
	duration, warmup := 10*time.Second, 2*time.Second
	if quick {
		duration, warmup = 5*time.Second, time.Second
	}
	return []Row{{
		ID:       "S1",
		Workload: "pipeline board (GET /api/v1/pipelines/{id}/board) filtered by pipeline, owner and close month: per-stage totals and the first 50 cards",
		Data:     data,
		Note: fmt.Sprintf("S1 runs one client, %d measured requests after %d unmeasured ones; the (owner, month) pairs are those of real open deals",
			s1Requests, s1Warmup),
		Metrics: []Metric{{Name: "p95", Unit: "ms", Better: Lower, Target: map[string]float64{"sqlite": 100, "postgres": 100}}},
		Measure: func(ctx context.Context, env *Env) (map[string]float64, error) { return d.measureS1(ctx, env) },
	}, {
		ID:       "S2",
		Workload: "move a deal to another stage (POST /api/v1/deals/{id}/move with If-Match)",
		Data:     data,
		Note: fmt.Sprintf("S2 runs %d clients for %s after a %s warm-up, each moving its own %d open deals between the first two stages",
			s2Clients, duration, warmup, s2DealsPerCli),
		Metrics: []Metric{
			{Name: "p95", Unit: "ms", Better: Lower, Target: map[string]float64{"sqlite": 20, "postgres": 20}},
			{Name: "throughput", Unit: "req/s", Better: Higher},
		},
		Measure: func(ctx context.Context, env *Env) (map[string]float64, error) {
			return d.measureS2(ctx, env, duration, warmup)
		},
	}, rowS3(quick, d)}
}

// prepare takes the dataset of F2 and F3 (generated there on the first
// run on a database kind): one M per database keeps the full run within
// its hour. The search rows run first and only read; the C rows add
// events, which the sales rows do not touch.
func (d *salesData) prepare(ctx context.Context, env *Env) error {
	if err := d.search.prepare(ctx, env); err != nil {
		return err
	}
	if d.db == d.search.db && d.kind == env.DB.Kind {
		return nil
	}
	*d = salesData{size: d.size, search: d.search}
	d.db, d.kind, d.token = d.search.db, d.search.kind, d.search.token
	d.owner, d.password = d.search.owner, d.search.password
	return nil
}

type benchDeal struct {
	ID        int64   `json:"id"`
	StageID   int64   `json:"stage_id"`
	OwnerID   *int64  `json:"owner_id"`
	CloseDate *string `json:"close_date"`
	Version   int64   `json:"version"`
}

// samples reads the pipeline and open deals and derives the requests.
func (d *salesData) samples(ctx context.Context, c *apiClient) error {
	if len(d.s1) > 0 {
		return nil
	}
	var pl struct {
		Data []struct {
			ID        int64 `json:"id"`
			IsDefault bool  `json:"is_default"`
			Stages    []struct {
				ID   int64  `json:"id"`
				Kind string `json:"kind"`
			} `json:"stages"`
		} `json:"data"`
	}
	if err := c.get(ctx, "/api/v1/pipelines", &pl); err != nil {
		return err
	}
	for _, p := range pl.Data {
		if !p.IsDefault {
			continue
		}
		d.pipeline = p.ID
		n := 0
		for _, st := range p.Stages {
			if st.Kind == "open" && n < 2 {
				d.stages[n] = st.ID
				n++
			}
		}
	}
	if d.pipeline == 0 || d.stages[1] == 0 {
		return fmt.Errorf("no default pipeline with two open stages")
	}
	seen := map[string]bool{}
	var open []benchDeal
	cursor := ""
	for page := 0; page < 20 && len(open) < 4000; page++ {
		var res struct {
			Data       []benchDeal `json:"data"`
			NextCursor *string     `json:"next_cursor"`
		}
		q := fmt.Sprintf("/api/v1/deals?status=open&pipeline_id=%d&limit=200", d.pipeline)
		if cursor != "" {
			q += "&cursor=" + url.QueryEscape(cursor)
		}
		if err := c.get(ctx, q, &res); err != nil {
			return err
		}
		open = append(open, res.Data...)
		if res.NextCursor == nil {
			break
		}
		cursor = *res.NextCursor
	}
	for _, x := range open {
		if x.OwnerID == nil || x.CloseDate == nil || len(*x.CloseDate) < 7 {
			continue
		}
		key := fmt.Sprintf("%d %s", *x.OwnerID, (*x.CloseDate)[:7])
		if !seen[key] {
			seen[key] = true
			d.s1 = append(d.s1, url.Values{"owner_id": {strconv.FormatInt(*x.OwnerID, 10)}, "close_month": {(*x.CloseDate)[:7]}})
		}
	}
	d.s2 = make([][]movable, s2Clients)
	i := 0
	for _, x := range open {
		if x.StageID != d.stages[0] && x.StageID != d.stages[1] {
			continue
		}
		c := i % s2Clients
		if len(d.s2[c]) < s2DealsPerCli {
			d.s2[c] = append(d.s2[c], movable{id: x.ID, version: x.Version, stage: x.StageID})
		}
		i++
	}
	if len(d.s1) == 0 || len(d.s2[s2Clients-1]) == 0 {
		return fmt.Errorf("too few open deals (%d) for S1 and S2", len(open))
	}
	return nil
}

func (d *salesData) start(ctx context.Context, env *Env) (*Server, *apiClient, error) {
	if err := d.prepare(ctx, env); err != nil {
		return nil, nil, err
	}
	srv, err := env.StartServer(ctx, d.db, 60*time.Second)
	if err != nil {
		return nil, nil, err
	}
	c := &apiClient{base: srv.URL, token: d.token, http: &http.Client{Timeout: 30 * time.Second}}
	if err := d.samples(ctx, c); err != nil {
		srv.Stop()
		return nil, nil, err
	}
	return srv, c, nil
}

func (d *salesData) measureS1(ctx context.Context, env *Env) (map[string]float64, error) {
	srv, c, err := d.start(ctx, env)
	if err != nil {
		return nil, err
	}
	defer srv.Stop()
	var lat []time.Duration
	empty := 0
	for i := 0; i < s1Warmup+s1Requests; i++ {
		var board struct {
			Columns []struct {
				Count int `json:"count"`
			} `json:"columns"`
		}
		q := d.s1[i%len(d.s1)]
		start := time.Now()
		if err := c.get(ctx, fmt.Sprintf("/api/v1/pipelines/%d/board?%s", d.pipeline, q.Encode()), &board); err != nil {
			return nil, err
		}
		took := time.Since(start)
		if i < s1Warmup {
			continue
		}
		lat = append(lat, took)
		n := 0
		for _, col := range board.Columns {
			n += col.Count
		}
		if n == 0 {
			empty++
		}
	}
	if empty > len(lat)/2 {
		return nil, fmt.Errorf("%d of %d boards were empty: the sample filters are wrong", empty, len(lat))
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	fmt.Fprintf(env.Log, "    %d requests over %d (owner, month) pairs: p50 %s, p95 %s, max %s\n",
		len(lat), len(d.s1), percentile(lat, 50), percentile(lat, 95), lat[len(lat)-1])
	return map[string]float64{"p95": float64(percentile(lat, 95).Microseconds()) / 1000}, nil
}

func (d *salesData) measureS2(ctx context.Context, env *Env, duration, warmup time.Duration) (map[string]float64, error) {
	srv, _, err := d.start(ctx, env)
	if err != nil {
		return nil, err
	}
	defer srv.Stop()
	var mu sync.Mutex
	byID := map[int64]*movable{}
	for c := range d.s2 {
		for i := range d.s2[c] {
			byID[d.s2[c][i].id] = &d.s2[c][i]
		}
	}
	load := Load{
		Clients:  s2Clients,
		Duration: duration,
		Warmup:   warmup,
		Request: func(ctx context.Context, c, i int) (*http.Request, error) {
			pool := d.s2[c]
			mu.Lock()
			m := pool[i%len(pool)]
			mu.Unlock()
			to := d.stages[0]
			if m.stage == to {
				to = d.stages[1]
			}
			body := fmt.Sprintf(`{"stage_id":%d}`, to)
			req, err := http.NewRequestWithContext(ctx, http.MethodPost, fmt.Sprintf("%s/api/v1/deals/%d/move", srv.URL, m.id), strings.NewReader(body))
			if err != nil {
				return nil, err
			}
			req.Header.Set("Authorization", "Bearer "+d.token)
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("If-Match", fmt.Sprintf(`"%d"`, m.version))
			req.Header.Set("X-Bench-Deal", strconv.FormatInt(m.id, 10))
			req.Header.Set("X-Bench-Stage", strconv.FormatInt(to, 10))
			return req, nil
		},
		OK: func(r *http.Response) bool {
			if r.StatusCode != http.StatusOK {
				return false
			}
			id, _ := strconv.ParseInt(r.Request.Header.Get("X-Bench-Deal"), 10, 64)
			stage, _ := strconv.ParseInt(r.Request.Header.Get("X-Bench-Stage"), 10, 64)
			v, err := strconv.ParseInt(strings.Trim(r.Header.Get("ETag"), `"`), 10, 64)
			if err != nil {
				return false
			}
			mu.Lock()
			if m := byID[id]; m != nil {
				m.version, m.stage = v, stage
			}
			mu.Unlock()
			return true
		},
	}
	res, err := load.Run(ctx)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(env.Log, "    %s\n", res)
	if res.Errors > 0 {
		return nil, fmt.Errorf("%d of %d moves failed, first: %s", res.Errors, res.Requests, res.FirstError)
	}
	return map[string]float64{
		"p95":        float64(res.P95.Microseconds()) / 1000,
		"throughput": res.Throughput,
	}, nil
}
