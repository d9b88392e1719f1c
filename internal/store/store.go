// Package store holds all SQL of Renkei. One Store type works on SQLite and
// on PostgreSQL; the few differences between them are named in dialect.go.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // PostgreSQL driver "pgx"
	_ "modernc.org/sqlite"             // pure-Go SQLite driver "sqlite"
)

// Store is the database. Reads may go to a separate pool (SQLite: many
// readers, one writer); writes always go through the write pool.
type Store struct {
	d     dialect
	write *sql.DB
	read  *sql.DB
	path  string      // SQLite file path; empty for PostgreSQL
	group groupCommit // SQLite's write transactions (groupcommit.go)
}

// Options configure Open.
type Options struct {
	// DatabaseURL selects PostgreSQL when it starts with postgres:// or
	// postgresql://. Empty means SQLite in DataDir.
	DatabaseURL string
	// DataDir holds renkei.db for SQLite.
	DataDir string
	// Synchronous is SQLite's synchronous pragma: FULL (default: a 2xx
	// survives power loss) or NORMAL (survives a process crash only).
	Synchronous string
}

// SQLiteFile is the database file name inside the data directory.
const SQLiteFile = "renkei.db"

// Open connects to the database and checks that it answers. It does not
// migrate; call Migrate.
func Open(ctx context.Context, o Options) (*Store, error) {
	if o.DatabaseURL != "" {
		if !strings.HasPrefix(o.DatabaseURL, "postgres://") && !strings.HasPrefix(o.DatabaseURL, "postgresql://") {
			return nil, errors.New("database URL must start with postgres:// (leave it empty for SQLite)")
		}
		return openPostgres(ctx, o.DatabaseURL)
	}
	dir := o.DataDir
	if dir == "" {
		dir = "renkei-data"
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create data directory: %w", err)
	}
	return OpenSQLiteFile(ctx, filepath.Join(dir, SQLiteFile), o.Synchronous)
}

func openPostgres(ctx context.Context, dsn string) (*Store, error) {
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(max(8, 4*runtime.GOMAXPROCS(0)))
	db.SetMaxIdleConns(max(8, 4*runtime.GOMAXPROCS(0)))
	db.SetConnMaxIdleTime(5 * time.Minute)
	s := &Store{d: postgres, write: db, read: db}
	if err := s.Ping(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("connect to PostgreSQL: %w", err)
	}
	return s, nil
}

// OpenSQLiteFile opens (creating if needed) one SQLite database file in WAL
// mode with one writer connection and a pool of read-only readers.
func OpenSQLiteFile(ctx context.Context, path, synchronous string) (*Store, error) {
	switch strings.ToUpper(synchronous) {
	case "":
		synchronous = "FULL"
	case "FULL", "NORMAL":
		synchronous = strings.ToUpper(synchronous)
	default:
		return nil, fmt.Errorf("synchronous must be FULL or NORMAL, not %q", synchronous)
	}
	pragmas := []string{
		"busy_timeout(10000)",
		"foreign_keys(ON)",
		"journal_mode(WAL)",
		"synchronous(" + synchronous + ")",
		"cache_size(-32000)",
		"temp_store(MEMORY)",
	}
	q := url.Values{}
	for _, p := range pragmas {
		q.Add("_pragma", p)
	}
	q.Set("_txlock", "immediate")
	dsn := "file:" + path + "?" + q.Encode()
	write, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, err
	}
	write.SetMaxOpenConns(1)
	write.SetMaxIdleConns(1)
	write.SetConnMaxLifetime(0)
	write.SetConnMaxIdleTime(0)

	rq := url.Values{}
	for _, p := range pragmas {
		rq.Add("_pragma", p)
	}
	rq.Add("_pragma", "query_only(ON)")
	read, err := sql.Open("sqlite", "file:"+path+"?"+rq.Encode())
	if err != nil {
		write.Close()
		return nil, err
	}
	n := max(4, runtime.GOMAXPROCS(0)*2)
	read.SetMaxOpenConns(n)
	read.SetMaxIdleConns(n)
	read.SetConnMaxIdleTime(0)
	s := &Store{d: sqlite, write: write, read: read, path: path}
	// The first write connection creates the file and switches it to WAL.
	if err := s.Ping(ctx); err != nil {
		s.Close()
		return nil, fmt.Errorf("open SQLite database %s: %w", path, err)
	}
	return s, nil
}

// Ping checks that the database answers a query.
func (s *Store) Ping(ctx context.Context) error {
	var one int
	if err := s.write.QueryRowContext(ctx, "SELECT 1").Scan(&one); err != nil {
		return err
	}
	if s.read != s.write {
		return s.read.QueryRowContext(ctx, "SELECT 1").Scan(&one)
	}
	return nil
}

// Close closes both pools.
func (s *Store) Close() error {
	err := s.write.Close()
	if s.read != s.write {
		err = errors.Join(err, s.read.Close())
	}
	return err
}

// IsPostgres reports whether the store is on PostgreSQL.
func (s *Store) IsPostgres() bool { return s.d == postgres }

// DriverName names the database kind for logs and metrics: sqlite or postgres.
func (s *Store) DriverName() string { return s.d.String() }

// SQLitePath returns the database file path, or "" on PostgreSQL.
func (s *Store) SQLitePath() string { return s.path }

// querier is what both *sql.DB and *sql.Tx offer.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// Tx is a write transaction. Its methods are the same store methods that
// need to run together; see InTx.
type Tx struct {
	s  *Store
	tx *sql.Tx
}

// InTx runs fn in one write transaction, committing when fn returns nil and
// rolling back otherwise.
func (s *Store) InTx(ctx context.Context, fn func(tx *Tx) error) error {
	if s.d == sqlite {
		return s.inTxGrouped(ctx, fn)
	}
	sqlTx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	tx := &Tx{s: s, tx: sqlTx}
	defer func() {
		if p := recover(); p != nil {
			_ = sqlTx.Rollback() // give the connection back to the pool
			panic(p)
		}
	}()
	if err := fn(tx); err != nil {
		_ = sqlTx.Rollback()
		return err
	}
	if err := sqlTx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", s.d.mapError(err))
	}
	return nil
}

// Store returns the Store the transaction belongs to.
func (tx *Tx) Store() *Store { return tx.s }

// q returns the write transaction as a querier.
func (tx *Tx) q() querier { return tx.tx }

// r returns the read pool.
func (s *Store) r() querier { return s.read }

// w returns the write pool.
func (s *Store) w() querier { return s.write }

// DB exposes the raw write pool for maintenance (backup, tests). Regular
// code uses the typed methods.
func (s *Store) DB() *sql.DB { return s.write }
