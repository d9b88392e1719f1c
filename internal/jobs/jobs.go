// Package jobs runs background work from the shared queue table. Every
// process runs a Runner; the store hands each due job to exactly one of them
// (FOR UPDATE SKIP LOCKED on PostgreSQL, the single writer on SQLite). A job
// whose process dies is picked up again when its lease runs out, so handlers
// must be idempotent.
package jobs

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"os"
	"sort"
	"sync"
	"time"

	"renkei/internal/store"
)

// Progress lets a long job report how far it is and keeps its lease alive.
type Progress func(done, total int) error

// Handler does one job. Returning a Permanent error fails the job at once;
// any other error retries it with backoff until MaxAttempts.
type Handler func(ctx context.Context, j store.Job, progress Progress) error

// Permanent wraps an error that retrying cannot fix.
type Permanent struct{ Err error }

func (p Permanent) Error() string { return p.Err.Error() }
func (p Permanent) Unwrap() error { return p.Err }

// Runner claims and runs jobs.
type Runner struct {
	store    *store.Store
	handlers map[string]Handler
	kinds    []string
	worker   string
	clock    func() time.Time
	log      *slog.Logger

	// Poll is how often the queue is checked when idle.
	Poll time.Duration
	// Lease is how long a claimed job is ours before others may retry it.
	Lease time.Duration
	// Concurrency is how many jobs run at once in this process.
	Concurrency int

	wake chan struct{}
	wg   sync.WaitGroup
}

// NewRunner builds a runner for the given handlers. The worker name is the
// host name, the process id and a random suffix.
func NewRunner(s *store.Store, handlers map[string]Handler, clock func() time.Time, log *slog.Logger) *Runner {
	host, _ := os.Hostname()
	b := make([]byte, 4)
	rand.Read(b)
	kinds := make([]string, 0, len(handlers))
	for k := range handlers {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	if clock == nil {
		clock = time.Now
	}
	if log == nil {
		log = slog.Default()
	}
	return &Runner{
		store: s, handlers: handlers, kinds: kinds, clock: clock, log: log,
		worker:      fmt.Sprintf("%s:%d:%s", host, os.Getpid(), hex.EncodeToString(b)),
		Poll:        time.Second,
		Lease:       5 * time.Minute,
		Concurrency: 4,
		wake:        make(chan struct{}, 1),
	}
}

// Worker returns this runner's name as recorded on claimed jobs.
func (r *Runner) Worker() string { return r.worker }

// Wake asks the runner to look at the queue now (after an enqueue in this
// process), instead of at the next poll.
func (r *Runner) Wake() {
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

// Run claims and runs jobs until ctx is cancelled, then waits for the jobs
// in flight to finish (they get a context that is not cancelled).
func (r *Runner) Run(ctx context.Context) {
	sem := make(chan struct{}, max(1, r.Concurrency))
	defer r.wg.Wait()
	for {
		free := cap(sem) - len(sem)
		claimed := 0
		if ctx.Err() != nil {
			return
		}
		if free > 0 {
			// Not cancelled midway: a claim that committed but whose rows
			// were cut off would leave its jobs "running" until the lease
			// ran out. Whatever is claimed is run, and waited for below.
			jobs, err := r.store.ClaimJobs(context.WithoutCancel(ctx), r.worker, r.kinds, free, r.clock(), r.Lease)
			if err != nil {
				r.log.Error("claim jobs", "err", err)
			}
			claimed = len(jobs)
			for _, j := range jobs {
				sem <- struct{}{}
				r.wg.Add(1)
				go func() {
					defer func() { <-sem; r.wg.Done() }()
					r.runOne(context.WithoutCancel(ctx), j)
				}()
			}
		}
		if claimed > 0 && claimed == free {
			// The queue may hold more; wait only for a slot.
			select {
			case <-ctx.Done():
				return
			case sem <- struct{}{}:
				<-sem
			}
			continue
		}
		select {
		case <-ctx.Done():
			return
		case <-r.wake:
		case <-time.After(r.Poll):
		}
	}
}

func (r *Runner) runOne(ctx context.Context, j store.Job) {
	h := r.handlers[j.Kind]
	progress := func(done, total int) error {
		return r.store.ExtendJob(ctx, j.ID, r.worker, r.clock().Add(r.Lease), done, total)
	}
	err := func() (err error) {
		defer func() {
			if p := recover(); p != nil {
				err = fmt.Errorf("panic: %v", p)
			}
		}()
		return h(ctx, j, progress)
	}()
	now := r.clock()
	if err == nil {
		if ferr := r.store.FinishJob(ctx, j.ID, r.worker, now); ferr != nil {
			r.log.Error("finish job", "id", j.ID, "err", ferr)
		}
		return
	}
	var retryAt time.Time
	var perm Permanent
	if !errors.As(err, &perm) {
		retryAt = now.Add(Backoff(j.Attempts))
	}
	r.log.Warn("job failed", "id", j.ID, "kind", j.Kind, "attempt", j.Attempts, "err", err)
	if rerr := r.store.RetryJob(ctx, j.ID, r.worker, err.Error(), now, retryAt); rerr != nil {
		r.log.Error("record job failure", "id", j.ID, "err", rerr)
	}
}

// Backoff is the wait before attempt n+1: 10 s, 40 s, 90 s, … capped at 6 h.
func Backoff(attempt int) time.Duration {
	d := time.Duration(10*math.Pow(float64(attempt), 2)) * time.Second
	return min(max(d, 10*time.Second), 6*time.Hour)
}
