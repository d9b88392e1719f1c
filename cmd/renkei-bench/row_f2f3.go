package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"
	"unicode/utf8"
)

// Rows F2 and F3: one client sends GET /api/v1/contacts requests one after
// another to `renkei serve` on a generated dataset (M, or N=100,000 with
// -quick) and the row reports their p95. F2 searches (q = a reading
// prefix, an e-mail prefix or a company name, all taken from the data);
// F3 lists leads of one owner with one tag, newest first, with a total.
// Both rows share one dataset per database, generated on the first run
// (the PostgreSQL schema bench_search is dropped and made anew then, and
// left for the next suite run to drop); every run starts its own server.

const (
	searchRequests = 300 // measured requests per run
	searchWarmup   = 30
	searchSchema   = "bench_search"
)

// searchData is the dataset F2 and F3 share, made once per database.
type searchData struct {
	size  string
	kind  string // the database kind it was made on
	db    *Database
	token string
	// owner and password sign in to the web pages (S3's session).
	owner, password string
	f2              []string // q values
	f2As            []string // what each q value is: reading, e-mail or company
	f3              []url.Values
	// gen is the timing of the generation that made db, until row D1
	// counts it as one of its runs (so a full run generates M once less).
	gen *genRun
}

// genRun is one timed `renkei gen`.
type genRun struct {
	took time.Duration
	out  genOutput
}

func rowsF2F3(quick bool, d *searchData) []Row {
	data := sizeData(quick, "M")
	note := "F2 and F3 run with one client, " + fmt.Sprint(searchRequests) + " measured requests per run after " +
		fmt.Sprint(searchWarmup) + " unmeasured ones, signed in with an API token of the workspace owner"
	p95 := func() []Metric {
		return []Metric{{Name: "p95", Unit: "ms", Better: Lower, Target: map[string]float64{"sqlite": 50, "postgres": 50}}}
	}
	return []Row{{
		ID:       "F2",
		Workload: "contact search: reading prefix, e-mail prefix or company name; first page of 50",
		Data:     data,
		Note:     note + "; F2's queries cycle through readings (2 kana), e-mail prefixes (5 characters) and company names of real contacts",
		Metrics:  p95(),
		Measure: func(ctx context.Context, env *Env) (map[string]float64, error) {
			return d.measure(ctx, env, func(i int) (url.Values, string) {
				return url.Values{"q": {d.f2[i%len(d.f2)]}, "limit": {"50"}}, d.f2As[i%len(d.f2)]
			})
		},
	}, {
		ID:       "F3",
		Workload: "contact list: lifecycle = lead AND owner = X AND tag = Y, newest first, page of 50 with a total",
		Data:     data,
		Note:     note + "; F3's (owner, tag) pairs are those of real leads",
		Metrics:  p95(),
		Measure: func(ctx context.Context, env *Env) (map[string]float64, error) {
			return d.measure(ctx, env, func(i int) (url.Values, string) { return d.f3[i%len(d.f3)], "" })
		},
	}}
}

// measure starts a server on the dataset and times the requests query(i);
// the log shows the p95 per kind of query too.
func (d *searchData) measure(ctx context.Context, env *Env, query func(i int) (url.Values, string)) (map[string]float64, error) {
	if err := d.prepare(ctx, env); err != nil {
		return nil, err
	}
	srv, err := env.StartServer(ctx, d.db, 60*time.Second)
	if err != nil {
		return nil, err
	}
	defer srv.Stop()
	c := &apiClient{base: srv.URL, token: d.token, http: &http.Client{Timeout: 30 * time.Second}}
	if err := d.samples(ctx, c); err != nil {
		return nil, err
	}
	var lat []time.Duration
	byKind := map[string][]time.Duration{}
	empty := 0
	for i := 0; i < searchWarmup+searchRequests; i++ {
		var page struct {
			Data  []json.RawMessage `json:"data"`
			Total *int              `json:"total"`
		}
		q, kind := query(i)
		start := time.Now()
		if err := c.get(ctx, "/api/v1/contacts?"+q.Encode(), &page); err != nil {
			return nil, err
		}
		took := time.Since(start)
		if page.Total == nil {
			return nil, fmt.Errorf("GET /api/v1/contacts?%s: no total", q.Encode())
		}
		if i >= searchWarmup {
			lat = append(lat, took)
			if kind != "" {
				byKind[kind] = append(byKind[kind], took)
			}
			if len(page.Data) == 0 {
				empty++
			}
		}
	}
	if empty > len(lat)/2 {
		return nil, fmt.Errorf("%d of %d requests found nothing: the sample queries are wrong", empty, len(lat))
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	fmt.Fprintf(env.Log, "    %d requests: p50 %s, p95 %s, max %s\n", len(lat), percentile(lat, 50), percentile(lat, 95), lat[len(lat)-1])
	for _, kind := range []string{"reading", "e-mail", "company"} {
		if ks := byKind[kind]; len(ks) > 0 {
			sort.Slice(ks, func(i, j int) bool { return ks[i] < ks[j] })
			fmt.Fprintf(env.Log, "      %s: %d requests, p50 %s, p95 %s\n", kind, len(ks), percentile(ks, 50), percentile(ks, 95))
		}
	}
	return map[string]float64{"p95": float64(percentile(lat, 95).Microseconds()) / 1000}, nil
}

// prepare generates the dataset and an API token on the first run on a
// database kind.
func (d *searchData) prepare(ctx context.Context, env *Env) error {
	if d.db != nil && d.kind == env.DB.Kind {
		return nil
	}
	if d.db != nil {
		d.db.Close()
	}
	*d = searchData{size: d.size}
	db, err := emptyDatabase(ctx, env, searchSchema)
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Log, "    generating the dataset (renkei gen --size %s) for F2, F3, the C rows and the S rows\n", d.size)
	start := time.Now()
	out, err := runRenkei(ctx, env, db, "gen", "--size", d.size)
	if err != nil {
		db.Close()
		return err
	}
	took := time.Since(start)
	g, err := parseGen(out)
	if err != nil {
		db.Close()
		return err
	}
	fmt.Fprintf(env.Log, "    gen: %s\n", g.done)
	tok, err := runRenkei(ctx, env, db, "token", "create", "--email", g.owner, "--name", "bench")
	if err != nil {
		db.Close()
		return err
	}
	d.db, d.kind, d.token = db, env.DB.Kind, strings.TrimSpace(tok)
	d.gen = &genRun{took: took, out: g}
	d.owner = g.owner
	if m := genPasswordRE.FindStringSubmatch(out); m != nil {
		d.password = m[1]
	}
	return nil
}

// samples reads contacts through the API and derives the queries of F2
// and F3 from them, once per dataset.
func (d *searchData) samples(ctx context.Context, c *apiClient) error {
	if len(d.f2) > 0 {
		return nil
	}
	type contact struct {
		Email          string   `json:"email"`
		FamilyReading  string   `json:"family_reading"`
		OwnerID        *int64   `json:"owner_id"`
		Tags           []string `json:"tags"`
		LifecycleStage string   `json:"lifecycle_stage"`
		Company        *struct {
			Name string `json:"name"`
		} `json:"company"`
	}
	var all []contact
	for _, s := range []string{"created_desc", "created_asc", "email", "reading", "name", "updated_desc"} {
		var page struct {
			Data []contact `json:"data"`
		}
		if err := c.get(ctx, "/api/v1/contacts?limit=100&sort="+s, &page); err != nil {
			return err
		}
		all = append(all, page.Data...)
	}
	var leads []contact
	for _, s := range []string{"created_desc", "created_asc", "updated_desc"} {
		var page struct {
			Data []contact `json:"data"`
		}
		if err := c.get(ctx, "/api/v1/contacts?limit=100&lifecycle_stage=lead&sort="+s, &page); err != nil {
			return err
		}
		leads = append(leads, page.Data...)
	}
	kinds := []string{"reading", "e-mail", "company"}
	byKind := map[string][]string{}
	seen := map[string]bool{}
	add := func(kind, q string) {
		if q != "" && !seen[q] {
			seen[q] = true
			byKind[kind] = append(byKind[kind], q)
		}
	}
	for _, ct := range all {
		add("reading", runePrefix(ct.FamilyReading, 2))
		add("e-mail", runePrefix(ct.Email, 5))
		if ct.Company != nil {
			add("company", ct.Company.Name)
		}
	}
	// The kinds take turns, so each is a third of the requests.
	longest := 0
	for _, k := range kinds {
		if len(byKind[k]) == 0 {
			return fmt.Errorf("no %s queries from the data", k)
		}
		longest = max(longest, len(byKind[k]))
	}
	for i := 0; i < longest; i++ {
		for _, k := range kinds {
			d.f2, d.f2As = append(d.f2, byKind[k][i%len(byKind[k])]), append(d.f2As, k)
		}
	}
	pairs := map[string]bool{}
	for _, ct := range leads {
		if ct.OwnerID == nil {
			continue
		}
		for _, tag := range ct.Tags {
			key := fmt.Sprint(*ct.OwnerID, "\x00", tag)
			if pairs[key] {
				continue
			}
			pairs[key] = true
			d.f3 = append(d.f3, url.Values{"lifecycle_stage": {"lead"}, "owner_id": {fmt.Sprint(*ct.OwnerID)},
				"tag": {tag}, "sort": {"created_desc"}, "limit": {"50"}})
		}
	}
	if len(d.f2) < 10 || len(d.f3) == 0 {
		return fmt.Errorf("too few sample queries from the data: %d searches, %d (owner, tag) pairs of leads", len(d.f2), len(d.f3))
	}
	return nil
}

func runePrefix(s string, n int) string {
	if utf8.RuneCountInString(s) < n {
		return ""
	}
	return string([]rune(s)[:n])
}

// apiClient calls the API with a bearer token.
type apiClient struct {
	base, token string
	http        *http.Client
}

// do sends a request and decodes a JSON answer into out (if not nil);
// anything but want is an error.
func (c *apiClient) do(ctx context.Context, method, path string, body io.Reader, want int, out any) error {
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, body)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != want {
		return fmt.Errorf("%s %s: %s: %s", method, path, resp.Status, tail(string(b), 500))
	}
	if out != nil {
		return json.Unmarshal(b, out)
	}
	return nil
}

func (c *apiClient) get(ctx context.Context, path string, out any) error {
	return c.do(ctx, http.MethodGet, path, nil, http.StatusOK, out)
}
