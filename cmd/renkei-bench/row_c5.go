package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sort"
	"strings"
	"time"

	"renkei/internal/app"
	"renkei/internal/crm"
	"renkei/internal/store"
)

// Row C5: rescoring one contact after an event. The row runs in process on
// a fresh database: the suggested rule set (12 rules), contacts each with a
// company and a 90-day history of page views, custom events and forms,
// then, per measured run, one new event for a random contact followed by
// the rescore hook for that contact (read contact, company, rules,
// settings and the contact's events; compute; write scores and points in
// one transaction and commit). The row reports the p95 of the whole
// rescore and, apart, of its compute part (reads and arithmetic) and its
// commit part (the write transaction; on SQLite synchronous=FULL, one fsync
// per commit).

const (
	c5Requests      = 500
	c5Warmup        = 50
	c5EventsPerHead = 60 // events per contact over 90 days
)

func rowC5(quick bool) Row {
	contacts := 20_000
	if quick {
		contacts = 2_000
	}
	target := map[string]float64{"sqlite": 5, "postgres": 5}
	return Row{
		ID:       "C5",
		Workload: "rescoring one contact after an event",
		Data: fmt.Sprintf("%s contacts with %d events each over 90 days (%s events), 12 rules", thousandsC5(contacts),
			c5EventsPerHead, thousandsC5(contacts*c5EventsPerHead)),
		Note: "C5 runs in process (the rescore hook called directly, as tracking and forms call it after their commit), " +
			fmt.Sprint(c5Requests) + " measured rescorings after " + fmt.Sprint(c5Warmup) + " unmeasured ones, each after one new event; " +
			"not on M: rescoring reads one contact's rows through indexes, so its cost follows that contact's history, not the table sizes",
		Metrics: []Metric{
			{Name: "p95", Unit: "ms", Better: Lower, Target: target},
			{Name: "p95 compute", Unit: "ms", Better: Lower},
			{Name: "p95 commit", Unit: "ms", Better: Lower},
		},
		Measure: func(ctx context.Context, env *Env) (map[string]float64, error) {
			return measureC5(ctx, env, contacts)
		},
	}
}

func thousandsC5(n int) string {
	s := fmt.Sprint(n)
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// openInProcess opens a Database made by FreshDatabase in this process.
func openInProcess(ctx context.Context, db *Database) (*store.Store, error) {
	var o store.Options
	for i := 0; i+1 < len(db.Args); i += 2 {
		switch db.Args[i] {
		case "--data":
			o.DataDir = db.Args[i+1]
		case "--database-url":
			o.DatabaseURL = db.Args[i+1]
		}
	}
	st, err := store.Open(ctx, o)
	if err != nil {
		return nil, err
	}
	if _, err := st.Migrate(ctx); err != nil {
		st.Close()
		return nil, err
	}
	return st, nil
}

func measureC5(ctx context.Context, env *Env, contacts int) (map[string]float64, error) {
	db, err := env.FreshDatabase(ctx)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	st, err := openInProcess(ctx, db)
	if err != nil {
		return nil, err
	}
	defer st.Close()
	now := time.Now().UTC()
	r := rand.New(rand.NewPCG(5, 5))
	began := time.Now()
	ids, err := seedC5(ctx, st, r, contacts, now)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(env.Log, "    seeded %d contacts and %d events in %.1f s\n", len(ids), len(ids)*c5EventsPerHead, time.Since(began).Seconds())
	a := app.New(app.Config{Store: st})
	var total, compute, commit []time.Duration
	for i := 0; i < c5Warmup+c5Requests; i++ {
		id := ids[r.IntN(len(ids))]
		if _, err := st.DB().ExecContext(ctx, "INSERT INTO events (contact_id, at, kind, name, path) VALUES ($1, $2, 'pageview', '', '/pricing')",
			id, time.Now().UnixMilli()); err != nil {
			return nil, err
		}
		start := time.Now()
		t, err := a.RescoreTimed(ctx, []int64{id})
		took := time.Since(start)
		if err != nil {
			return nil, err
		}
		if i >= c5Warmup {
			total, compute, commit = append(total, took), append(compute, t.Compute), append(commit, t.Commit)
		}
	}
	ms := func(d []time.Duration) float64 {
		sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
		return float64(percentile(d, 95).Microseconds()) / 1000
	}
	out := map[string]float64{"p95": ms(total), "p95 compute": ms(compute), "p95 commit": ms(commit)}
	fmt.Fprintf(env.Log, "    %d rescorings: p50 %s, p95 %.2f ms (compute %.2f ms, commit %.2f ms)\n", len(total),
		percentile(total, 50), out["p95"], out["p95 compute"], out["p95 commit"])
	return out, nil
}

// seedC5 writes the rules, contacts with companies, and their events.
func seedC5(ctx context.Context, st *store.Store, r *rand.Rand, n int, now time.Time) ([]int64, error) {
	err := st.InTx(ctx, func(tx *store.Tx) error {
		for _, rule := range crm.SuggestedScoringRules(crm.LangJA) {
			if err := tx.CreateScoringRule(ctx, &rule, now); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	titles := []string{"営業部長", "マーケティング課長", "担当", "Manager", "エンジニア", "代表取締役社長", ""}
	prefs := []string{"東京都", "大阪府", "福岡県", "北海道", "愛知県"}
	paths := []string{"/", "/pricing", "/product/crm", "/blog/ma-basics", "/cases/retail", "/careers", "/features"}
	var ids []int64
	const batch = 500
	for done := 0; done < n; done += batch {
		err := st.InTx(ctx, func(tx *store.Tx) error {
			for i := done; i < min(n, done+batch); i++ {
				co := crm.Company{Name: fmt.Sprintf("ベンチ%d株式会社", i), Employees: 10 + r.IntN(3000), Prefecture: prefs[r.IntN(len(prefs))]}
				co.Normalize()
				if err := tx.CreateCompany(ctx, &co, now); err != nil {
					return err
				}
				c := crm.Contact{Email: fmt.Sprintf("c5-%d@example.jp", i), PersonName: crm.PersonName{Family: "山田", Given: "太郎"},
					JobTitle: titles[r.IntN(len(titles))], CompanyID: co.ID}
				c.Normalize()
				if err := tx.CreateContact(ctx, &c, now); err != nil {
					return err
				}
				ids = append(ids, c.ID)
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	// Events in multi-row inserts of 100.
	span := int64(90 * 24 * time.Hour / time.Millisecond)
	sqlTx, err := st.DB().BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	defer sqlTx.Rollback()
	var rows []string
	var args []any
	flush := func() error {
		if len(rows) == 0 {
			return nil
		}
		_, err := sqlTx.ExecContext(ctx, "INSERT INTO events (contact_id, at, kind, name, path) VALUES "+strings.Join(rows, ", "), args...)
		rows, args = rows[:0], args[:0]
		return err
	}
	for _, id := range ids {
		for range c5EventsPerHead {
			at := now.UnixMilli() - r.Int64N(span)
			kind, name, path := "pageview", "", paths[r.IntN(len(paths))]
			switch x := r.IntN(100); {
			case x < 3:
				kind, name, path = "form", "contact", ""
			case x < 8:
				kind, name, path = "event", "whitepaper_download", ""
			}
			n := len(args)
			rows = append(rows, fmt.Sprintf("($%d, $%d, $%d, $%d, $%d)", n+1, n+2, n+3, n+4, n+5))
			args = append(args, id, at, kind, name, path)
			if len(rows) == 100 {
				if err := flush(); err != nil {
					return nil, err
				}
			}
		}
	}
	if err := flush(); err != nil {
		return nil, err
	}
	return ids, sqlTx.Commit()
}
