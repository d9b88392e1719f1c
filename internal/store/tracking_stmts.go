package store

import (
	"context"
	"database/sql"
	"sync"
)

// StmtCache keeps the tracking writer's multi-row statements prepared on
// SQLite, where parsing a statement of a few hundred placeholders costs
// more than running it. A statement is prepared after the transaction that
// first wanted it (the write connection is busy until then) and used from
// the next one on. Rows are written in chunks of a few fixed sizes, so a
// handful of statements cover every batch. PostgreSQL's driver caches
// statements by itself: there the cache stays empty.
type StmtCache struct {
	s      *Store
	mu     sync.Mutex
	ready  map[string]*sql.Stmt
	wanted map[string]bool
}

// NewStmtCache returns an empty cache for the store's write connection.
func (s *Store) NewStmtCache() *StmtCache {
	return &StmtCache{s: s, ready: map[string]*sql.Stmt{}, wanted: map[string]bool{}}
}

func (c *StmtCache) get(q string) *sql.Stmt {
	if c == nil || c.s.d != sqlite {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if st := c.ready[q]; st != nil {
		return st
	}
	if len(c.ready)+len(c.wanted) < 64 {
		c.wanted[q] = true
	}
	return nil
}

// PrepareWanted prepares the statements wanted since the last call; call it
// between transactions.
func (c *StmtCache) PrepareWanted(ctx context.Context) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for q := range c.wanted {
		if st, err := c.s.write.PrepareContext(ctx, q); err == nil {
			c.ready[q] = st
		}
		delete(c.wanted, q)
	}
}

// exec runs q through the cache.
func (tx *Tx) execCached(ctx context.Context, c *StmtCache, q string, args ...any) error {
	var err error
	if st := c.get(q); st != nil {
		_, err = tx.tx.StmtContext(ctx, st).ExecContext(ctx, args...)
	} else {
		_, err = tx.q().ExecContext(ctx, q, args...)
	}
	return tx.s.d.mapError(err)
}

// queryCached runs q through the cache.
func (tx *Tx) queryCached(ctx context.Context, c *StmtCache, q string, args ...any) (*sql.Rows, error) {
	if st := c.get(q); st != nil {
		return tx.tx.StmtContext(ctx, st).QueryContext(ctx, args...)
	}
	return tx.q().QueryContext(ctx, q, args...)
}

// chunkSizes are the row counts of cached multi-row statements.
var chunkSizes = []int{256, 64, 16, 4, 1}

// chunks splits n rows into pieces of chunkSizes, largest first.
func chunks(n int) []int {
	var out []int
	for _, size := range chunkSizes {
		for n >= size {
			out = append(out, size)
			n -= size
		}
	}
	return out
}
