package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// Row C3: 16 clients post a public form (JSON, as the embed script does)
// to `renkei serve` on a fresh generated database, each post a new person
// with consent, so every request upserts a contact, writes the consent
// ledger, the submission, a timeline entry and an event, and rescores the
// contact. The form's signed token is fetched once and aged past the
// minimum fill time before the load starts (tokens stay valid for a day).

const c3Clients = 16

func rowC3(quick bool) Row {
	duration, warmup := 10*time.Second, 2*time.Second
	if quick {
		duration, warmup = 5*time.Second, time.Second
	}
	return Row{
		ID:       "C3",
		Workload: "public form submission (upsert, consent, timeline, event, score), JSON post as the embed sends it",
		Data:     "S",
		Note: fmt.Sprintf("C3 runs %d clients for %s after a %s warm-up on a fresh `renkei gen --size S` database per run "+
			"(M is the table's dataset; the write path does not scan, so S is used to keep the suite short); rate limits off", c3Clients, duration, warmup),
		Metrics: []Metric{
			{Name: "throughput", Unit: "req/s", Better: Higher, Target: map[string]float64{"sqlite": 1500, "postgres": 1000}},
			{Name: "p99", Unit: "ms", Better: Lower},
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
			srv, err := env.StartServer(ctx, db, 60*time.Second, "--track-rate-ip", "0", "--track-rate-site", "0")
			if err != nil {
				return nil, err
			}
			defer srv.Stop()
			key, formTok, err := c3Form(ctx, srv.URL, strings.TrimSpace(tok))
			if err != nil {
				return nil, err
			}
			time.Sleep(3100 * time.Millisecond) // the minimum fill time
			run := randomHex(4)
			load := Load{
				Clients:  c3Clients,
				Duration: duration,
				Warmup:   warmup,
				Request: func(ctx context.Context, c, i int) (*http.Request, error) {
					body := fmt.Sprintf(`{"values":{"email":"c3-%s-%d-%d@bench.example.jp","family_name":"負荷","given_name":"花子%d",`+
						`"company":"株式会社ベンチ%d","consent":"yes"},"_t":%q,"website_url":"",`+
						`"page_url":"https://www.example.jp/download?utm_source=bench&utm_medium=load&utm_campaign=c3","lang":"ja"}`,
						run, c, i, i, c, formTok)
					req, err := http.NewRequestWithContext(ctx, http.MethodPost, srv.URL+"/f/"+key, strings.NewReader(body))
					if err != nil {
						return nil, err
					}
					req.Header.Set("Content-Type", "application/json")
					return req, nil
				},
				OK: func(r *http.Response) bool { return r.StatusCode == http.StatusOK },
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

// c3Form creates the benchmark's form through the API and fetches its
// signed token as the embed script does.
func c3Form(ctx context.Context, base, token string) (key, formToken string, err error) {
	body := `{"name":"C3 bench","title_ja":"資料請求","fields":[{"key":"email","label_ja":"メールアドレス"},` +
		`{"key":"family_name","label_ja":"姓","required":true},{"key":"given_name","label_ja":"名"},` +
		`{"key":"company","label_ja":"会社名"},{"key":"consent","label_ja":"メールでの情報提供に同意します。"}]}`
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/api/v1/forms", strings.NewReader(body))
	if err != nil {
		return "", "", err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	var form struct {
		Key string `json:"key"`
	}
	if err := c3Do(req, http.StatusCreated, &form); err != nil {
		return "", "", fmt.Errorf("create the form: %w", err)
	}
	req, err = http.NewRequestWithContext(ctx, http.MethodGet, base+"/f/embed/"+form.Key+"?lang=ja", nil)
	if err != nil {
		return "", "", err
	}
	var def struct {
		Token string `json:"token"`
	}
	if err := c3Do(req, http.StatusOK, &def); err != nil {
		return "", "", fmt.Errorf("form definition: %w", err)
	}
	return form.Key, def.Token, nil
}

func c3Do(req *http.Request, want int, v any) error {
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != want {
		return fmt.Errorf("%s %s: %d %s", req.Method, req.URL.Path, res.StatusCode, b)
	}
	return json.Unmarshal(b, v)
}
