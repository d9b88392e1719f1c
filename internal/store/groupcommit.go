package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
)

// Group commit for SQLite (DESIGN.md §3). SQLite has one writer, and with
// synchronous=FULL every commit waits for the disk. Write transactions that
// arrive while another batch is committing are run back to back in one
// SQLite transaction, each inside its own SAVEPOINT, and committed
// together: one disk wait for the whole batch. A transaction that fails is
// rolled back to its savepoint and gets its error; the others still commit.
// InTx returns only after the batch's COMMIT, so a nil error still means
// "durably committed". PostgreSQL commits each transaction on its own
// connection, in parallel, and does not use this.

// maxBatch bounds the transactions committed together, and so how long the
// last of them waits for the first.
const maxBatch = 64

// writeReq is one InTx call waiting in the queue.
type writeReq struct {
	ctx   context.Context
	fn    func(tx *Tx) error
	err   error
	panic any
	done  chan bool // true: the caller leads the next batch; false: finished
}

// groupCommit is the queue of write transactions and whether a leader is
// running a batch. The caller that finds no leader becomes it; when its
// batch is done, it hands the lead to the first one still waiting.
type groupCommit struct {
	mu      sync.Mutex
	queue   []*writeReq
	leading bool
}

// inTxGrouped is InTx on SQLite.
func (s *Store) inTxGrouped(ctx context.Context, fn func(tx *Tx) error) error {
	r := &writeReq{ctx: ctx, fn: fn, done: make(chan bool, 1)}
	g := &s.group
	g.mu.Lock()
	g.queue = append(g.queue, r)
	lead := !g.leading
	g.leading = true
	g.mu.Unlock()

	if !lead {
		lead = <-r.done
	}
	if lead {
		g.mu.Lock()
		n := min(len(g.queue), maxBatch)
		batch := append([]*writeReq(nil), g.queue[:n]...)
		g.queue = g.queue[n:]
		g.mu.Unlock()

		s.runBatch(batch)

		g.mu.Lock()
		var next *writeReq
		if len(g.queue) > 0 {
			next = g.queue[0]
		} else {
			g.leading = false
		}
		g.mu.Unlock()
		for _, b := range batch {
			if b != r {
				b.done <- false
			}
		}
		if next != nil {
			next.done <- true
		}
	}
	if r.panic != nil {
		panic(r.panic)
	}
	return r.err
}

// runBatch runs the transactions of a batch in one SQLite transaction and
// sets each one's err (and panic).
func (s *Store) runBatch(batch []*writeReq) {
	// The batch's own context: one caller giving up must not roll back
	// the others' work.
	bg := context.Background()
	sqlTx, err := s.write.BeginTx(bg, nil)
	if err != nil {
		for _, r := range batch {
			r.err = fmt.Errorf("begin: %w", err)
		}
		return
	}
	var committed []*writeReq
	for i, r := range batch {
		if err := r.ctx.Err(); err != nil {
			r.err = err
			continue
		}
		if _, err := sqlTx.ExecContext(bg, "SAVEPOINT rk_tx"); err != nil {
			s.abortBatch(sqlTx, batch[i:], committed, err)
			return
		}
		r.err, r.panic = runFn(&Tx{s: s, tx: sqlTx}, r.fn)
		if r.err == nil && r.panic == nil {
			if _, err := sqlTx.ExecContext(bg, "RELEASE rk_tx"); err != nil {
				s.abortBatch(sqlTx, batch[i:], committed, err)
				return
			}
			committed = append(committed, r)
			continue
		}
		if _, err := sqlTx.ExecContext(bg, "ROLLBACK TO rk_tx; RELEASE rk_tx"); err != nil {
			s.abortBatch(sqlTx, batch[i+1:], committed, err)
			return
		}
	}
	if err := sqlTx.Commit(); err != nil {
		err = fmt.Errorf("commit: %w", s.d.mapError(err))
		for _, r := range committed {
			r.err = err
		}
	}
}

// abortBatch rolls the whole batch back when a savepoint itself failed
// (the transaction is then in an unknown state): every transaction of the
// batch that had succeeded, and every one not run yet, gets the error.
func (s *Store) abortBatch(sqlTx *sql.Tx, rest, committed []*writeReq, cause error) {
	_ = sqlTx.Rollback()
	err := fmt.Errorf("write transaction: %w", cause)
	for _, r := range committed {
		r.err = err
	}
	for _, r := range rest {
		if r.err == nil && r.panic == nil {
			r.err = err
		}
	}
}

// runFn calls fn, turning a panic into a value for the caller's goroutine.
func runFn(tx *Tx, fn func(tx *Tx) error) (err error, p any) {
	defer func() {
		if v := recover(); v != nil {
			p = v
			if err == nil {
				err = errors.New("panic in write transaction")
			}
		}
	}()
	return fn(tx), nil
}
