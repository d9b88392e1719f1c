package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"renkei/internal/crm"
)

// Job is one unit of background work in the shared queue. Several processes
// claim jobs from the same table: PostgreSQL with FOR UPDATE SKIP LOCKED,
// SQLite through its single writer.
type Job struct {
	ID          int64
	Kind        string
	Payload     string // JSON
	Status      string // queued, running, done, failed
	RunAt       time.Time
	Attempts    int
	MaxAttempts int
	LockedBy    string
	LockedUntil time.Time
	LastError   string
	Progress    int
	Total       int
	DedupeKey   string
	CreatedAt   time.Time
	FinishedAt  time.Time
}

// Job states.
const (
	JobQueued  = "queued"
	JobRunning = "running"
	JobDone    = "done"
	JobFailed  = "failed"
)

const jobCols = `id, kind, payload, status, run_at, attempts, max_attempts, locked_by, locked_until,
	last_error, progress, total, COALESCE(dedupe_key, ''), created_at, finished_at`

func scanJob(sc interface{ Scan(...any) error }) (Job, error) {
	var j Job
	var runAt, locked, created int64
	var finished sql.NullInt64
	err := sc.Scan(&j.ID, &j.Kind, &j.Payload, &j.Status, &runAt, &j.Attempts, &j.MaxAttempts, &j.LockedBy, &locked,
		&j.LastError, &j.Progress, &j.Total, &j.DedupeKey, &created, &finished)
	if errors.Is(err, sql.ErrNoRows) {
		return j, crm.ErrNotFound
	}
	j.RunAt, j.LockedUntil, j.CreatedAt, j.FinishedAt = fromMS(runAt), fromMS(locked), fromMS(created), fromNullMS(finished)
	return j, err
}

// Enqueue adds a job inside the transaction that made it necessary, so the
// job exists exactly when the change does. A non-empty DedupeKey that is
// already queued returns the existing job's id and no error.
func (tx *Tx) Enqueue(ctx context.Context, j *Job) error {
	return enqueue(ctx, tx.s.d, tx.q(), j)
}

// Enqueue adds a job on its own.
func (s *Store) Enqueue(ctx context.Context, j *Job) error {
	return enqueue(ctx, s.d, s.w(), j)
}

func enqueue(ctx context.Context, d dialect, q querier, j *Job) error {
	if j.MaxAttempts <= 0 {
		j.MaxAttempts = 5
	}
	if j.Payload == "" {
		j.Payload = "{}"
	}
	var dedupe sql.NullString
	if j.DedupeKey != "" {
		dedupe = sql.NullString{String: j.DedupeKey, Valid: true}
	}
	j.Status = JobQueued
	err := q.QueryRowContext(ctx, `INSERT INTO jobs (kind, payload, status, run_at, max_attempts, dedupe_key, created_at)
		VALUES ($1, $2, 'queued', $3, $4, $5, $6)
		ON CONFLICT (dedupe_key) DO NOTHING RETURNING id`,
		j.Kind, j.Payload, ms(j.RunAt), j.MaxAttempts, dedupe, ms(j.CreatedAt)).Scan(&j.ID)
	if errors.Is(err, sql.ErrNoRows) && j.DedupeKey != "" {
		return q.QueryRowContext(ctx, "SELECT id FROM jobs WHERE dedupe_key = $1", j.DedupeKey).Scan(&j.ID)
	}
	return d.mapError(err)
}

// ClaimJobs marks up to n due jobs of the given kinds as running by worker,
// leased until now+lease, and returns them. A job whose lease ran out (its
// process died) is due again.
func (s *Store) ClaimJobs(ctx context.Context, worker string, kinds []string, n int, now time.Time, lease time.Duration) ([]Job, error) {
	if len(kinds) == 0 || n <= 0 {
		return nil, nil
	}
	args := []any{ms(now)}
	ph := make([]string, len(kinds))
	for i, k := range kinds {
		args = append(args, k)
		ph[i] = fmt.Sprintf("$%d", len(args))
	}
	args = append(args, ms(now.Add(lease)), worker)
	q := fmt.Sprintf(`UPDATE jobs SET status = 'running', attempts = attempts + 1, locked_until = $%d, locked_by = $%d
		WHERE id IN (
			SELECT id FROM jobs
			WHERE kind IN (%s) AND ((status = 'queued' AND run_at <= $1) OR (status = 'running' AND locked_until < $1))
			ORDER BY run_at, id LIMIT %d%s)
		RETURNING `+jobCols, len(args)-1, len(args), strings.Join(ph, ", "), n, s.d.skipLocked())
	rows, err := s.w().QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Job
	for rows.Next() {
		j, err := scanJob(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, j)
	}
	return out, rows.Err()
}

// FinishJob marks a claimed job done, if this worker still holds it.
func (s *Store) FinishJob(ctx context.Context, id int64, worker string, now time.Time) error {
	_, err := s.w().ExecContext(ctx, `UPDATE jobs SET status = 'done', finished_at = $1, last_error = ''
		WHERE id = $2 AND locked_by = $3`, ms(now), id, worker)
	return err
}

// RetryJob records a failure: the job runs again at retryAt, or is marked
// failed when it has used its attempts (retryAt zero = give up now).
func (s *Store) RetryJob(ctx context.Context, id int64, worker, msg string, now, retryAt time.Time) error {
	if len(msg) > 2000 {
		msg = msg[:2000]
	}
	_, err := s.w().ExecContext(ctx, `UPDATE jobs SET
		status = CASE WHEN attempts >= max_attempts OR CAST($1 AS BIGINT) = 0 THEN 'failed' ELSE 'queued' END,
		finished_at = CASE WHEN attempts >= max_attempts OR CAST($1 AS BIGINT) = 0 THEN CAST($2 AS BIGINT) ELSE NULL END,
		run_at = CAST($1 AS BIGINT), last_error = $3, locked_by = '', locked_until = 0
		WHERE id = $4 AND locked_by = $5`, ms(retryAt), ms(now), msg, id, worker)
	return err
}

// ExtendJob renews a running job's lease and records its progress.
func (s *Store) ExtendJob(ctx context.Context, id int64, worker string, until time.Time, progress, total int) error {
	res, err := s.w().ExecContext(ctx, `UPDATE jobs SET locked_until = $1, progress = $2, total = $3
		WHERE id = $4 AND locked_by = $5 AND status = 'running'`, ms(until), progress, total, id, worker)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("job %d: lease lost", id)
	}
	return nil
}

// Job returns one job.
func (s *Store) Job(ctx context.Context, id int64) (Job, error) {
	return scanJob(s.r().QueryRowContext(ctx, "SELECT "+jobCols+" FROM jobs WHERE id = $1", id))
}

// JobCounts returns the number of jobs per status, for /metrics.
func (s *Store) JobCounts(ctx context.Context) (map[string]int, error) {
	rows, err := s.r().QueryContext(ctx, "SELECT status, COUNT(*) FROM jobs GROUP BY status")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var st string
		var n int
		if err := rows.Scan(&st, &n); err != nil {
			return nil, err
		}
		out[st] = n
	}
	return out, rows.Err()
}

// DeleteFinishedJobs removes done and failed jobs finished before t.
func (s *Store) DeleteFinishedJobs(ctx context.Context, before time.Time) (int64, error) {
	res, err := s.w().ExecContext(ctx, "DELETE FROM jobs WHERE status IN ('done', 'failed') AND finished_at < $1", ms(before))
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}
