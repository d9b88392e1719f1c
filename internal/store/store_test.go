package store_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"sync"
	"testing"
	"time"

	"renkei/internal/crm"
	"renkei/internal/store"
	"renkei/internal/store/storetest"
)

var ctx = context.Background()

func TestMigrateIsIdempotentAndRefusesNewerDatabase(t *testing.T) {
	s := storetest.Open(t)
	n, err := s.Migrate(ctx)
	if err != nil || n != 0 {
		t.Fatalf("second Migrate = %d, %v; want 0, nil", n, err)
	}
	if _, err := s.DB().Exec("INSERT INTO schema_migrations (version, applied_at) VALUES ($1, 0)", s.SchemaVersion()+1); err != nil {
		t.Fatal(err)
	}
	_, err = s.Migrate(ctx)
	var tooNew store.ErrDatabaseTooNew
	if !errors.As(err, &tooNew) {
		t.Fatalf("Migrate on newer database = %v; want ErrDatabaseTooNew", err)
	}
}

// TestSchemaParity migrates both dialects and compares tables and columns.
// It runs in the PostgreSQL pass of the suite (make test runs both passes,
// and under CI a missing PostgreSQL fails the run before the tests start).
func TestSchemaParity(t *testing.T) {
	if os.Getenv(storetest.EnvURL) == "" {
		t.Skip("runs in the PostgreSQL pass (set " + storetest.EnvURL + ")")
	}
	lite, err := store.Open(ctx, store.Options{DataDir: filepath.Join(t.TempDir(), "d")})
	if err != nil {
		t.Fatal(err)
	}
	defer lite.Close()
	if _, err := lite.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	pg := storetest.Open(t)
	a, err := lite.Columns(ctx)
	if err != nil {
		t.Fatal(err)
	}
	b, err := pg.Columns(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(a, b) {
		t.Errorf("schemas differ:\nsqlite:   %v\npostgres: %v", a, b)
	}
}

func TestUserVersionAndUniqueEmail(t *testing.T) {
	s := storetest.Open(t)
	now := time.Date(2026, 4, 1, 9, 0, 0, 0, time.UTC)
	u := crm.User{Email: "a@example.jp", Name: "山田 太郎", Role: crm.RoleSales, Status: crm.UserActive, Language: crm.LangJA}
	if err := s.InTx(ctx, func(tx *store.Tx) error { return tx.CreateUser(ctx, &u, "h", now) }); err != nil {
		t.Fatal(err)
	}
	dup := u
	err := s.InTx(ctx, func(tx *store.Tx) error { return tx.CreateUser(ctx, &dup, "h", now) })
	if !errors.Is(err, crm.ErrConflict) {
		t.Fatalf("duplicate email: got %v, want ErrConflict", err)
	}
	stale := u
	u.Name = "新しい名前"
	if err := s.InTx(ctx, func(tx *store.Tx) error { return tx.UpdateUser(ctx, &u, now) }); err != nil {
		t.Fatal(err)
	}
	stale.Name = "古い"
	err = s.InTx(ctx, func(tx *store.Tx) error { return tx.UpdateUser(ctx, &stale, now) })
	if !errors.Is(err, crm.ErrStale) {
		t.Fatalf("stale update: got %v, want ErrStale", err)
	}
	got, err := s.User(ctx, u.ID)
	if err != nil || got.Name != "新しい名前" || got.Version != 2 || !got.CreatedAt.Equal(now) {
		t.Fatalf("User = %+v, %v", got, err)
	}
}

func TestSettingsOptimisticConcurrency(t *testing.T) {
	s := storetest.Open(t)
	now := time.Now()
	type doc struct{ A string }
	var v int64
	err := s.InTx(ctx, func(tx *store.Tx) (err error) { v, err = tx.PutSetting(ctx, "x", doc{"one"}, 0, now); return })
	if err != nil || v != 1 {
		t.Fatalf("first put = %d, %v", v, err)
	}
	err = s.InTx(ctx, func(tx *store.Tx) error { _, err := tx.PutSetting(ctx, "x", doc{"two"}, 0, now); return err })
	if !errors.Is(err, crm.ErrStale) {
		t.Fatalf("second create: %v, want ErrStale", err)
	}
	err = s.InTx(ctx, func(tx *store.Tx) (err error) { v, err = tx.PutSetting(ctx, "x", doc{"two"}, 1, now); return })
	if err != nil || v != 2 {
		t.Fatalf("update = %d, %v", v, err)
	}
	var got doc
	if v, err := s.Setting(ctx, "x", &got); err != nil || v != 2 || got.A != "two" {
		t.Fatalf("Setting = %v %d %v", got, v, err)
	}
}

// TestClaimJobsOnce claims from two stores on the same database at once (as
// two processes would) and checks every job is claimed exactly once.
func TestClaimJobsOnce(t *testing.T) {
	opts := storetest.Options(t)
	a, err := store.Open(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	if _, err := a.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	b, err := store.Open(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	now := time.Now()
	const n = 200
	for i := 0; i < n; i++ {
		if err := a.Enqueue(ctx, &store.Job{Kind: "k", RunAt: now, CreatedAt: now}); err != nil {
			t.Fatal(err)
		}
	}
	var mu sync.Mutex
	seen := map[int64]int{}
	var wg sync.WaitGroup
	for w, s := range []*store.Store{a, b, a, b} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				jobs, err := s.ClaimJobs(ctx, string(rune('a'+w)), []string{"k"}, 7, time.Now(), time.Minute)
				if err != nil {
					t.Error(err)
					return
				}
				if len(jobs) == 0 {
					return
				}
				mu.Lock()
				for _, j := range jobs {
					seen[j.ID]++
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if len(seen) != n {
		t.Fatalf("claimed %d distinct jobs, want %d", len(seen), n)
	}
	for id, c := range seen {
		if c != 1 {
			t.Errorf("job %d claimed %d times", id, c)
		}
	}
}

func TestJobDedupeAndRetry(t *testing.T) {
	s := storetest.Open(t)
	now := time.Now()
	j1 := store.Job{Kind: "k", DedupeKey: "once", RunAt: now, CreatedAt: now, MaxAttempts: 2}
	j2 := j1
	if err := s.Enqueue(ctx, &j1); err != nil {
		t.Fatal(err)
	}
	if err := s.Enqueue(ctx, &j2); err != nil || j2.ID != j1.ID {
		t.Fatalf("dedupe: id %d vs %d, %v", j2.ID, j1.ID, err)
	}
	for attempt := 1; attempt <= 2; attempt++ {
		got, err := s.ClaimJobs(ctx, "w", []string{"k"}, 10, now.Add(time.Duration(attempt)*time.Hour), time.Minute)
		if err != nil || len(got) != 1 {
			t.Fatalf("attempt %d: claimed %v, %v", attempt, got, err)
		}
		if err := s.RetryJob(ctx, got[0].ID, "w", "boom", now, now.Add(time.Duration(attempt)*time.Hour)); err != nil {
			t.Fatal(err)
		}
	}
	j, err := s.Job(ctx, j1.ID)
	if err != nil || j.Status != store.JobFailed || j.Attempts != 2 || j.LastError != "boom" {
		t.Fatalf("after max attempts: %+v, %v", j, err)
	}
}
