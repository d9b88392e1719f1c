package jobs_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"renkei/internal/jobs"
	"renkei/internal/store"
	"renkei/internal/store/storetest"
)

var ctx = context.Background()

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// clock is the injected clock: it stands still until the test moves it.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2026, 4, 1, 9, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// counter counts handler calls per job id.
type counter struct {
	mu sync.Mutex
	n  map[int64]int
}

func (c *counter) inc(id int64) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.n == nil {
		c.n = map[int64]int{}
	}
	c.n[id]++
	return c.n[id]
}

func (c *counter) get(id int64) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n[id]
}

// start runs a runner until the test ends (or stop is called) and returns
// a function that stops it and waits for Run to return.
func start(t *testing.T, s *store.Store, h map[string]jobs.Handler, now func() time.Time) (*jobs.Runner, func()) {
	t.Helper()
	if h["barrier"] == nil {
		h["barrier"] = func(context.Context, store.Job, jobs.Progress) error { return nil }
	}
	r := jobs.NewRunner(s, h, now, quiet)
	r.Poll = 5 * time.Millisecond
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		r.Run(runCtx)
		close(done)
	}()
	var once sync.Once
	stop := func() {
		once.Do(func() {
			cancel()
			select {
			case <-done:
			case <-time.After(10 * time.Second):
				t.Error("Run did not return after cancel")
			}
		})
	}
	t.Cleanup(stop)
	return r, stop
}

func enqueue(t *testing.T, s *store.Store, now time.Time, kind, payload string, maxAttempts int) int64 {
	t.Helper()
	j := store.Job{Kind: kind, Payload: payload, RunAt: now, CreatedAt: now, MaxAttempts: maxAttempts}
	if err := s.Enqueue(ctx, &j); err != nil {
		t.Fatalf("Enqueue: %v", err)
	}
	return j.ID
}

// waitJob polls until the job satisfies ok and returns it.
func waitJob(t *testing.T, s *store.Store, id int64, what string, ok func(store.Job) bool) store.Job {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		j, err := s.Job(ctx, id)
		if err != nil {
			t.Fatalf("Job(%d): %v", id, err)
		}
		if ok(j) {
			return j
		}
		if time.Now().After(deadline) {
			t.Fatalf("job %d never became %s; last state %+v", id, what, j)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func isStatus(st string) func(store.Job) bool {
	return func(j store.Job) bool { return j.Status == st }
}

// barrier enqueues a no-op job due now and waits until it is done: every
// job that was due at that moment has been claimed by then, because claims
// go by run_at and id.
func barrier(t *testing.T, s *store.Store, now time.Time) {
	t.Helper()
	id := enqueue(t, s, now, "barrier", "", 1)
	waitJob(t, s, id, "done", isStatus(store.JobDone))
}

func TestJobRunsOnce(t *testing.T) {
	s := storetest.Open(t)
	c := newClock()
	var calls counter
	var payload string
	h := map[string]jobs.Handler{"greet": func(_ context.Context, j store.Job, _ jobs.Progress) error {
		calls.inc(j.ID)
		payload = j.Payload
		return nil
	}}
	start(t, s, h, c.Now)
	id := enqueue(t, s, c.Now(), "greet", `{"name":"花子"}`, 3)
	other := enqueue(t, s, c.Now(), "someone-elses-kind", "", 3)
	j := waitJob(t, s, id, "done", isStatus(store.JobDone))
	barrier(t, s, c.Now())
	barrier(t, s, c.Now())
	if got := calls.get(id); got != 1 {
		t.Errorf("handler ran %d times, want 1", got)
	}
	if payload != `{"name":"花子"}` {
		t.Errorf("payload = %q", payload)
	}
	if j.Attempts != 1 || !j.FinishedAt.Equal(c.Now()) || j.LastError != "" {
		t.Errorf("done job = %+v", j)
	}
	if o, _ := s.Job(ctx, other); o.Status != store.JobQueued || o.Attempts != 0 {
		t.Errorf("a job of an unknown kind was touched: %+v", o)
	}
}

func TestBackoff(t *testing.T) {
	tests := []struct {
		attempt int
		want    time.Duration
	}{
		{0, 10 * time.Second},
		{1, 10 * time.Second},
		{2, 40 * time.Second},
		{3, 90 * time.Second},
		{10, 1000 * time.Second},
		{146, 6 * time.Hour},
		{1000, 6 * time.Hour},
	}
	for _, tt := range tests {
		if got := jobs.Backoff(tt.attempt); got != tt.want {
			t.Errorf("Backoff(%d) = %v, want %v", tt.attempt, got, tt.want)
		}
	}
}

func TestJobRetriesWithBackoff(t *testing.T) {
	s := storetest.Open(t)
	c := newClock()
	var calls counter
	h := map[string]jobs.Handler{"flaky": func(_ context.Context, j store.Job, _ jobs.Progress) error {
		n := calls.inc(j.ID)
		return fmt.Errorf("451 try again later (call %d)", n)
	}}
	start(t, s, h, c.Now)
	t0 := c.Now()
	id := enqueue(t, s, t0, "flaky", "", 3)

	wantRunAt := t0
	for attempt := 1; attempt <= 2; attempt++ {
		j := waitJob(t, s, id, fmt.Sprintf("queued after attempt %d", attempt), func(j store.Job) bool {
			return j.Attempts == attempt && j.Status == store.JobQueued
		})
		wantRunAt = wantRunAt.Add(jobs.Backoff(attempt))
		if !j.RunAt.Equal(wantRunAt) {
			t.Errorf("after attempt %d: run_at = %v, want %v", attempt, j.RunAt, wantRunAt)
		}
		if want := fmt.Sprintf("451 try again later (call %d)", attempt); j.LastError != want || j.LockedBy != "" {
			t.Errorf("after attempt %d: last_error %q, locked_by %q", attempt, j.LastError, j.LockedBy)
		}
		// Not before its time.
		c.Add(wantRunAt.Sub(c.Now()) - time.Millisecond)
		barrier(t, s, c.Now())
		if got := calls.get(id); got != attempt {
			t.Fatalf("ran %d times 1 ms before the retry is due, want %d", got, attempt)
		}
		c.Add(time.Millisecond)
	}
	j := waitJob(t, s, id, "failed", isStatus(store.JobFailed))
	if j.Attempts != 3 || calls.get(id) != 3 || !j.FinishedAt.Equal(c.Now()) || !strings.Contains(j.LastError, "call 3") {
		t.Errorf("failed job = %+v after %d calls", j, calls.get(id))
	}
	c.Add(24 * time.Hour)
	barrier(t, s, c.Now())
	if got := calls.get(id); got != 3 {
		t.Errorf("a failed job ran again: %d calls", got)
	}
}

func TestPermanentErrorFailsAtOnce(t *testing.T) {
	s := storetest.Open(t)
	c := newClock()
	var calls counter
	h := map[string]jobs.Handler{
		"bad": func(_ context.Context, j store.Job, _ jobs.Progress) error {
			calls.inc(j.ID)
			return jobs.Permanent{Err: errors.New("550 no such user")}
		},
		"wrapped": func(_ context.Context, j store.Job, _ jobs.Progress) error {
			calls.inc(j.ID)
			return fmt.Errorf("send: %w", jobs.Permanent{Err: errors.New("553 bad address")})
		},
	}
	start(t, s, h, c.Now)
	for _, kind := range []string{"bad", "wrapped"} {
		id := enqueue(t, s, c.Now(), kind, "", 8)
		j := waitJob(t, s, id, "failed", isStatus(store.JobFailed))
		if j.Attempts != 1 || !j.FinishedAt.Equal(c.Now()) || !strings.Contains(j.LastError, "55") {
			t.Errorf("%s: failed job = %+v", kind, j)
		}
		c.Add(time.Hour)
		barrier(t, s, c.Now())
		if got := calls.get(id); got != 1 {
			t.Errorf("%s: handler ran %d times, want 1", kind, got)
		}
	}
}

func TestPanicIsCaughtAndRetried(t *testing.T) {
	s := storetest.Open(t)
	c := newClock()
	var calls counter
	h := map[string]jobs.Handler{"fragile": func(_ context.Context, j store.Job, _ jobs.Progress) error {
		if calls.inc(j.ID) == 1 {
			var m map[string]int
			m["boom"]++ // nil map: panics
		}
		return nil
	}}
	start(t, s, h, c.Now)
	id := enqueue(t, s, c.Now(), "fragile", "", 3)
	j := waitJob(t, s, id, "queued after the panic", func(j store.Job) bool { return j.Attempts == 1 && j.Status == store.JobQueued })
	if !strings.Contains(j.LastError, "panic") || !j.RunAt.Equal(c.Now().Add(jobs.Backoff(1))) {
		t.Errorf("after a panic: %+v", j)
	}
	c.Add(jobs.Backoff(1))
	j = waitJob(t, s, id, "done", isStatus(store.JobDone))
	if j.Attempts != 2 || j.LastError != "" {
		t.Errorf("after the retry: %+v", j)
	}
}

func TestProgressAndLeaseExpiry(t *testing.T) {
	s := storetest.Open(t)
	c := newClock()
	var calls counter
	h := map[string]jobs.Handler{"long": func(_ context.Context, j store.Job, progress jobs.Progress) error {
		calls.inc(j.ID)
		return progress(3, 10)
	}}
	// A process claims a job and dies.
	id := enqueue(t, s, c.Now(), "long", "", 3)
	claimed, err := s.ClaimJobs(ctx, "dead-process", []string{"long"}, 10, c.Now(), time.Minute)
	if err != nil || len(claimed) != 1 {
		t.Fatalf("ClaimJobs = %v, %v", claimed, err)
	}
	r, _ := start(t, s, h, c.Now)
	barrier(t, s, c.Now())
	if got := calls.get(id); got != 0 {
		t.Fatalf("a leased job ran %d times before its lease ran out", got)
	}
	c.Add(time.Minute + time.Millisecond)
	j := waitJob(t, s, id, "done", isStatus(store.JobDone))
	if j.Attempts != 2 || j.Progress != 3 || j.Total != 10 || j.LockedBy != r.Worker() {
		t.Errorf("job after the lease ran out = %+v", j)
	}
	// The dead process wakes up: it holds nothing any more.
	if err := s.FinishJob(ctx, id, "dead-process", c.Now()); err != nil {
		t.Fatal(err)
	}
	if err := s.RetryJob(ctx, id, "dead-process", "late", c.Now(), c.Now()); err != nil {
		t.Fatal(err)
	}
	if j2, _ := s.Job(ctx, id); j2.Status != store.JobDone || j2.LastError != "" {
		t.Errorf("a late worker changed the job: %+v", j2)
	}
}

// Wake makes an idle runner look at the queue at once instead of at the
// next poll (an hour here).
func TestWake(t *testing.T) {
	s := storetest.Open(t)
	c := newClock()
	r := jobs.NewRunner(s, map[string]jobs.Handler{"now": func(context.Context, store.Job, jobs.Progress) error { return nil }}, c.Now, quiet)
	r.Poll = time.Hour
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		r.Run(runCtx)
		close(done)
	}()
	defer func() { cancel(); <-done }()
	for range 2 {
		id := enqueue(t, s, c.Now(), "now", "", 1)
		r.Wake()
		waitJob(t, s, id, "done", isStatus(store.JobDone))
	}
}

// Two processes on one database share a queue: each job runs exactly once.
func TestTwoRunnersRunEachJobOnce(t *testing.T) {
	o := storetest.Options(t)
	stores := make([]*store.Store, 2)
	for i := range stores {
		s, err := store.Open(ctx, o)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		stores[i] = s
	}
	if _, err := stores[0].Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	c := newClock()
	var calls counter
	var mu sync.Mutex
	byWorker := map[string]int{}
	runners := make([]*jobs.Runner, 2)
	for i, s := range stores {
		var r *jobs.Runner
		h := map[string]jobs.Handler{"work": func(_ context.Context, j store.Job, _ jobs.Progress) error {
			calls.inc(j.ID)
			mu.Lock()
			byWorker[j.LockedBy]++
			mu.Unlock()
			time.Sleep(time.Millisecond)
			return nil
		}}
		r, _ = start(t, s, h, c.Now)
		runners[i] = r
	}
	const n = 100
	ids := make([]int64, n)
	for i := range ids {
		ids[i] = enqueue(t, stores[i%2], c.Now(), "work", fmt.Sprintf(`{"n":%d}`, i), 3)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		var done int
		if err := stores[0].DB().QueryRowContext(ctx, "SELECT COUNT(*) FROM jobs WHERE kind = 'work' AND status = 'done'").Scan(&done); err != nil {
			t.Fatal(err)
		}
		if done == n {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("only %d of %d jobs done", done, n)
		}
		time.Sleep(5 * time.Millisecond)
	}
	for _, id := range ids {
		if got := calls.get(id); got != 1 {
			t.Errorf("job %d ran %d times", id, got)
		}
		if j, _ := stores[1].Job(ctx, id); j.Attempts != 1 {
			t.Errorf("job %d: attempts %d", id, j.Attempts)
		}
	}
	t.Logf("jobs per runner: %v", byWorker)
	if byWorker[runners[0].Worker()]+byWorker[runners[1].Worker()] != n {
		t.Errorf("jobs by worker = %v", byWorker)
	}
}

// Cancelling Run stops claiming, but the job in flight finishes (with a
// context that is not cancelled) before Run returns.
func TestRunFinishesInFlightJobOnCancel(t *testing.T) {
	s := storetest.Open(t)
	c := newClock()
	started := make(chan struct{})
	release := make(chan struct{})
	var handlerCtxErr error
	h := map[string]jobs.Handler{
		"slow": func(hctx context.Context, j store.Job, _ jobs.Progress) error {
			close(started)
			<-release
			handlerCtxErr = hctx.Err()
			return nil
		},
		"later": func(context.Context, store.Job, jobs.Progress) error { return nil },
	}
	r := jobs.NewRunner(s, h, c.Now, quiet)
	r.Poll = 5 * time.Millisecond
	id := enqueue(t, s, c.Now(), "slow", "", 3)
	runCtx, cancel := context.WithCancel(ctx)
	returned := make(chan struct{})
	go func() {
		r.Run(runCtx)
		close(returned)
	}()
	<-started
	cancel()
	later := enqueue(t, s, c.Now(), "later", "", 3)
	select {
	case <-returned:
		t.Fatal("Run returned while a job was still running")
	case <-time.After(100 * time.Millisecond):
	}
	close(release)
	select {
	case <-returned:
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not return after the job finished")
	}
	j, err := s.Job(ctx, id)
	if err != nil || j.Status != store.JobDone {
		t.Errorf("when Run returned the job was %+v (%v), want done", j, err)
	}
	if handlerCtxErr != nil {
		t.Errorf("the handler's context was cancelled: %v", handlerCtxErr)
	}
	if l, _ := s.Job(ctx, later); l.Status != store.JobQueued {
		t.Errorf("a job enqueued after cancel was claimed: %+v", l)
	}
}
