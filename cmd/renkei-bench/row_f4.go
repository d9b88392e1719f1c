package main

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// Row F4: 16 clients send POST /api/v1/contacts one after another, each
// with a new e-mail address, to `renkei serve` on a fresh S dataset, for
// a fixed time after a short unmeasured warm-up. The row reports the
// successful requests per second and the p99 of all requests.

const f4Clients = 16

func rowF4(quick bool) Row {
	duration, warmup := 10*time.Second, 2*time.Second
	if quick {
		duration, warmup = 5*time.Second, time.Second
	}
	return Row{
		ID:       "F4",
		Workload: "API create contact (POST /api/v1/contacts, a new e-mail per request)",
		Data:     "S",
		Note: fmt.Sprintf("F4 runs %d clients for %s after a %s warm-up on a fresh `renkei gen --size S` database per run, "+
			"signed in with an API token of the workspace owner", f4Clients, duration, warmup),
		Metrics: []Metric{
			{Name: "throughput", Unit: "req/s", Better: Higher, Target: map[string]float64{"sqlite": 2000, "postgres": 1500}},
			{Name: "p99", Unit: "ms", Better: Lower, Target: map[string]float64{"sqlite": 30}},
		},
		Measure: func(ctx context.Context, env *Env) (map[string]float64, error) {
			db, err := emptyDatabase(ctx, env, "")
			if err != nil {
				return nil, err
			}
			defer db.Close()
			out, err := runRenkei(ctx, env, db, "gen", "--size", "S")
			if err != nil {
				return nil, err
			}
			g, err := parseGen(out)
			if err != nil {
				return nil, err
			}
			tok, err := runRenkei(ctx, env, db, "token", "create", "--email", g.owner, "--name", "bench")
			if err != nil {
				return nil, err
			}
			token := strings.TrimSpace(tok)
			srv, err := env.StartServer(ctx, db, 60*time.Second)
			if err != nil {
				return nil, err
			}
			defer srv.Stop()
			run := randomHex(4)
			load := Load{
				Clients:  f4Clients,
				Duration: duration,
				Warmup:   warmup,
				Request: func(ctx context.Context, c, i int) (*http.Request, error) {
					body := fmt.Sprintf(`{"email":"f4-%s-%d-%d@bench.example.jp","family_name":"負荷","given_name":"太郎%d","lifecycle_stage":"lead"}`,
						run, c, i, i)
					req, err := http.NewRequestWithContext(ctx, http.MethodPost, srv.URL+"/api/v1/contacts", strings.NewReader(body))
					if err != nil {
						return nil, err
					}
					req.Header.Set("Authorization", "Bearer "+token)
					req.Header.Set("Content-Type", "application/json")
					return req, nil
				},
				OK: func(r *http.Response) bool { return r.StatusCode == http.StatusCreated },
			}
			res, err := load.Run(ctx)
			if err != nil {
				return nil, err
			}
			fmt.Fprintf(env.Log, "    %s\n", res)
			if res.Errors > 0 {
				return nil, fmt.Errorf("%d of %d requests failed, first: %s", res.Errors, res.Requests, res.FirstError)
			}
			return map[string]float64{
				"throughput": res.Throughput,
				"p99":        float64(res.P99.Microseconds()) / 1000,
			}, nil
		},
	}
}
