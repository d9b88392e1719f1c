package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"

	"renkei/internal/crm"
)

// Bulk loading: the scale generator (`renkei gen`, `renkei demo`) writes
// millions of rows into an empty database. Regular code never uses this; it
// goes through the typed methods and their transactions.
//
// How it is fast:
//   - Rows are buffered per table and written parents first, so foreign keys
//     always find their row even though tables are flushed in batches.
//   - SQLite: prepared INSERT statements of 100 rows with anonymous
//     parameters (see insertSQL), in large transactions on the one write
//     connection.
//   - PostgreSQL: COPY FROM STDIN in binary form through pgx's CopyFrom,
//     about 1.4× as fast as multi-row INSERT here (200,000 narrow rows:
//     1.3 s against 1.8 s); BulkOptions.InsertOnly switches to multi-row
//     INSERT (1,000 rows, 65,535 parameters at most) for comparison.
//   - DropIndexes drops the tables' secondary (non-unique) indexes before
//     loading and builds them again at Commit, with the DDL read back from
//     sqlite_schema or pg_index, so it always matches the migrations. The
//     DDL is kept in the settings row "bulk_indexes" while the indexes are
//     gone, so that RestoreBulkIndexes can rebuild them after a crash.
//   - Unsafe (SQLite) sets synchronous=OFF and foreign_keys=OFF and a larger
//     page cache (64 MB) on the write connection for the duration of the
//     load and restores the previous values at Commit or Rollback. A power
//     loss during such a load can corrupt the database; it is meant for
//     filling a new, empty database with generated data, which can simply be
//     made again. On PostgreSQL it sets synchronous_commit=off and, when the
//     role may (a superuser), session_replication_role=replica, which skips
//     the foreign-key triggers: they cost two thirds of a load's time here.
//     The generator's rows are consistent by construction (its tests check).

// BulkOptions tune a bulk load.
type BulkOptions struct {
	// CommitEvery commits after about this many rows and begins a new
	// transaction; 0 loads everything in one transaction (all or nothing).
	CommitEvery int
	// BatchRows is how many rows are buffered (over all tables) before they
	// are written; 0 means 20,000.
	BatchRows int
	// DropIndexes drops the secondary indexes of every table the load
	// writes and builds them again at Commit.
	DropIndexes bool
	// KeepIndexes names indexes that DropIndexes leaves in place: those
	// whose keys arrive in order cost less to keep than to build afterwards.
	KeepIndexes []string
	// Unsafe trades durability for speed during the load (see above).
	Unsafe bool
	// InsertOnly makes PostgreSQL use multi-row INSERT instead of COPY.
	InsertOnly bool
}

// Bulk is one bulk load: rows go to tables registered with Table, in the
// order of registration (parents before children). It holds the write
// connection until Commit or Rollback.
type Bulk struct {
	s       *Store
	o       BulkOptions
	conn    *sql.Conn
	tx      *sql.Tx // SQLite's open transaction
	pgOpen  bool    // PostgreSQL: a transaction is open on conn
	tables  []*BulkTable
	pending int // rows buffered
	since   int // rows written since the last commit
	total   int64
	dropped []string // DDL of dropped indexes
	restore []string // SQLite pragmas that undo Unsafe
	done    bool
}

// BulkTable buffers rows for one table.
type BulkTable struct {
	b     *Bulk
	name  string
	cols  []string
	vals  []any // rows, flattened
	n     int   // rows in vals
	rows  int64 // rows written
	hasID bool
	stmtN *sql.Stmt // SQLite: INSERT of bulkStmtRows rows
	stmt1 *sql.Stmt // SQLite: INSERT of one row
}

// SQLite's and PostgreSQL's limits on bound parameters per statement.
const (
	sqliteMaxParams = 32766
	pgMaxParams     = 65535
)

// bulkStmtRows is how many rows one SQLite INSERT carries: beyond about a
// hundred, longer statements were not faster.
const bulkStmtRows = 100

// bulkIndexesKey is the settings key that remembers dropped indexes.
const bulkIndexesKey = "bulk_indexes"

var identRe = regexp.MustCompile(`^[a-z_][a-z0-9_]*$`)

// BeginBulk starts a bulk load. Call Commit to finish it or Rollback to
// abandon what was not committed yet.
func (s *Store) BeginBulk(ctx context.Context, o BulkOptions) (*Bulk, error) {
	if o.BatchRows <= 0 {
		o.BatchRows = 20_000
	}
	conn, err := s.write.Conn(ctx)
	if err != nil {
		return nil, err
	}
	b := &Bulk{s: s, o: o, conn: conn}
	if o.Unsafe {
		if err := b.goUnsafe(ctx); err != nil {
			b.release()
			return nil, err
		}
	}
	if err := b.begin(ctx); err != nil {
		b.release()
		return nil, err
	}
	return b, nil
}

// goUnsafe relaxes durability for the load and remembers how to undo it.
func (b *Bulk) goUnsafe(ctx context.Context) error {
	if b.s.d == postgres {
		if _, err := b.conn.ExecContext(ctx, "SET synchronous_commit = off"); err != nil {
			return err
		}
		b.restore = append(b.restore, "RESET synchronous_commit")
		// Only a superuser may; for others the foreign keys stay checked.
		if _, err := b.conn.ExecContext(ctx, "SET session_replication_role = replica"); err == nil {
			b.restore = append(b.restore, "RESET session_replication_role")
		}
		return nil
	}
	for _, p := range []struct{ name, value string }{
		{"synchronous", "OFF"}, {"foreign_keys", "OFF"}, {"cache_size", "-65536"},
	} {
		var old string
		if err := b.conn.QueryRowContext(ctx, "PRAGMA "+p.name).Scan(&old); err != nil {
			return err
		}
		b.restore = append(b.restore, fmt.Sprintf("PRAGMA %s = %s", p.name, old))
		if _, err := b.conn.ExecContext(ctx, fmt.Sprintf("PRAGMA %s = %s", p.name, p.value)); err != nil {
			return err
		}
	}
	return nil
}

func (b *Bulk) begin(ctx context.Context) error {
	if b.s.d == postgres {
		if err := b.pgExec(ctx, "BEGIN"); err != nil {
			return err
		}
		b.pgOpen = true
		return nil
	}
	// The transaction outlives the context of the Add or Flush that opens
	// it (database/sql would roll it back when that context ends); the
	// statements in it still honour their contexts.
	tx, err := b.conn.BeginTx(context.WithoutCancel(ctx), nil)
	if err != nil {
		return err
	}
	b.tx = tx
	return nil
}

// pg runs fn with the connection's *pgx.Conn.
func (b *Bulk) pg(fn func(c *pgx.Conn) error) error {
	return b.conn.Raw(func(dc any) error {
		sc, ok := dc.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("bulk: unexpected PostgreSQL driver connection %T", dc)
		}
		return fn(sc.Conn())
	})
}

func (b *Bulk) pgExec(ctx context.Context, sql string, args ...any) error {
	return b.pg(func(c *pgx.Conn) error {
		_, err := c.Exec(ctx, sql, args...)
		return err
	})
}

// exec runs one statement inside the load's transaction.
func (b *Bulk) exec(ctx context.Context, query string, args ...any) error {
	if b.s.d == postgres {
		return b.pgExec(ctx, query, args...)
	}
	_, err := b.tx.ExecContext(ctx, query, args...)
	return err
}

// Table registers a table and its columns; rows added to it are written
// after those of tables registered earlier. With DropIndexes, the table's
// secondary indexes are dropped now.
func (b *Bulk) Table(ctx context.Context, name string, cols ...string) (*BulkTable, error) {
	if b.done {
		return nil, errors.New("bulk: load already finished")
	}
	if !identRe.MatchString(name) || len(cols) == 0 {
		return nil, fmt.Errorf("bulk: bad table %q", name)
	}
	t := &BulkTable{b: b, name: name, cols: cols}
	for _, c := range cols {
		if !identRe.MatchString(c) {
			return nil, fmt.Errorf("bulk: bad column %q of %s", c, name)
		}
		t.hasID = t.hasID || c == "id"
	}
	if b.o.DropIndexes {
		if err := b.dropIndexes(ctx, name); err != nil {
			return nil, fmt.Errorf("bulk: drop indexes of %s: %w", name, err)
		}
	}
	b.tables = append(b.tables, t)
	return t, nil
}

// secondaryIndexes returns name → DDL of a table's indexes that back no
// constraint (not primary key, not unique).
func (b *Bulk) secondaryIndexes(ctx context.Context, table string) ([][2]string, error) {
	var out [][2]string
	if b.s.d == postgres {
		err := b.pg(func(c *pgx.Conn) error {
			rows, err := c.Query(ctx, `SELECT ic.relname, pg_get_indexdef(i.indexrelid)
				FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid
				WHERE i.indrelid = $1::regclass AND NOT i.indisprimary AND NOT i.indisunique
				ORDER BY ic.relname`, table)
			if err != nil {
				return err
			}
			for rows.Next() {
				var name, ddl string
				if err := rows.Scan(&name, &ddl); err != nil {
					rows.Close()
					return err
				}
				out = append(out, [2]string{name, ddl})
			}
			rows.Close()
			return rows.Err()
		})
		return out, err
	}
	rows, err := b.tx.QueryContext(ctx, `SELECT name, sql FROM sqlite_schema
		WHERE type = 'index' AND tbl_name = $1 AND sql IS NOT NULL AND sql NOT LIKE 'CREATE UNIQUE%' ORDER BY name`, table)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var name, ddl string
		if err := rows.Scan(&name, &ddl); err != nil {
			return nil, err
		}
		out = append(out, [2]string{name, ddl})
	}
	return out, rows.Err()
}

func (b *Bulk) dropIndexes(ctx context.Context, table string) error {
	idx, err := b.secondaryIndexes(ctx, table)
	if err != nil || len(idx) == 0 {
		return err
	}
	for _, ix := range idx {
		if slices.Contains(b.o.KeepIndexes, ix[0]) {
			continue
		}
		if err := b.exec(ctx, "DROP INDEX "+ix[0]); err != nil {
			return err
		}
		b.dropped = append(b.dropped, ix[1])
	}
	// Remember them in the same transaction, for RestoreBulkIndexes.
	raw, err := json.Marshal(b.dropped)
	if err != nil {
		return err
	}
	return b.exec(ctx, `INSERT INTO settings (key, value, version, updated_at) VALUES ($1, $2, 1, $3)
		ON CONFLICT (key) DO UPDATE SET value = excluded.value, version = settings.version + 1, updated_at = excluded.updated_at`,
		bulkIndexesKey, string(raw), time.Now().UnixMilli())
}

// Add buffers one row; values are in the order of the table's columns
// (string, int64, int, float64, bool, []byte or nil for NULL). The buffer is
// written when it is full.
func (t *BulkTable) Add(ctx context.Context, vals ...any) error {
	if len(vals) != len(t.cols) {
		return fmt.Errorf("bulk: %s takes %d values, got %d", t.name, len(t.cols), len(vals))
	}
	t.vals = append(t.vals, vals...)
	t.n++
	b := t.b
	b.pending++
	if b.pending >= b.o.BatchRows {
		return b.Flush(ctx)
	}
	return nil
}

// Rows returns how many rows of this table were written so far.
func (t *BulkTable) Rows() int64 { return t.rows }

// Rows returns how many rows were written so far, over all tables.
func (b *Bulk) Rows() int64 { return b.total }

// Buffered returns how many rows were added but not written yet.
func (b *Bulk) Buffered() int { return b.pending }

// Flush writes every buffered row, tables in the order of registration,
// and commits when CommitEvery rows have been written since the last commit.
func (b *Bulk) Flush(ctx context.Context) error {
	if b.done {
		return errors.New("bulk: load already finished")
	}
	if err := b.flushTables(ctx); err != nil {
		return err
	}
	for _, t := range b.tables {
		b.total += int64(t.n)
		b.since += t.n
		t.rows += int64(t.n)
		t.vals, t.n = t.vals[:0], 0
	}
	b.pending = 0
	if b.o.CommitEvery > 0 && b.since >= b.o.CommitEvery {
		if err := b.commitTx(); err != nil {
			return err
		}
		b.since = 0
		return b.begin(ctx)
	}
	return nil
}

// flushTables writes the buffered rows of every table, parents first.
func (b *Bulk) flushTables(ctx context.Context) error {
	for _, t := range b.tables {
		if t.n == 0 {
			continue
		}
		if err := t.flush(ctx); err != nil {
			return fmt.Errorf("bulk: write %s: %w", t.name, b.s.d.mapError(err))
		}
	}
	return nil
}

func (t *BulkTable) flush(ctx context.Context) error {
	b := t.b
	if b.s.d == postgres && !b.o.InsertOnly {
		return b.pg(func(c *pgx.Conn) error {
			n, err := c.CopyFrom(ctx, pgx.Identifier{t.name}, t.cols, &flatRows{vals: t.vals, width: len(t.cols), i: -1})
			if err == nil && n != int64(t.n) {
				err = fmt.Errorf("copied %d of %d rows", n, t.n)
			}
			return err
		})
	}
	w := len(t.cols)
	if b.s.d == postgres {
		per := max(1, min(pgMaxParams/w, 1000))
		for start := 0; start < t.n; start += per {
			n := min(per, t.n-start)
			if err := b.pgExec(ctx, insertSQL(t.name, t.cols, n, false), t.vals[start*w:(start+n)*w]...); err != nil {
				return err
			}
		}
		return nil
	}
	// SQLite: statements of bulkStmtRows rows, the rest one row at a time,
	// both prepared once per transaction.
	per := max(1, min(sqliteMaxParams/w, bulkStmtRows))
	i := 0
	for ; i+per <= t.n; i += per {
		if t.stmtN == nil {
			st, err := b.tx.PrepareContext(ctx, insertSQL(t.name, t.cols, per, true))
			if err != nil {
				return err
			}
			t.stmtN = st
		}
		if _, err := t.stmtN.ExecContext(ctx, t.vals[i*w:(i+per)*w]...); err != nil {
			return err
		}
	}
	for ; i < t.n; i++ {
		if t.stmt1 == nil {
			st, err := b.tx.PrepareContext(ctx, insertSQL(t.name, t.cols, 1, true))
			if err != nil {
				return err
			}
			t.stmt1 = st
		}
		if _, err := t.stmt1.ExecContext(ctx, t.vals[i*w:(i+1)*w]...); err != nil {
			return err
		}
	}
	return nil
}

// insertSQL is INSERT INTO t (cols) VALUES ($1, …), (…) for n rows.
//
// On SQLite (anon) the parameters are anonymous (?): binding $N makes
// SQLite scan the statement's parameter names once per parameter, which is
// quadratic in their number (100,000 rows of 4 columns: 3.5 s in
// statements of 1,000 rows, 0.5 s in statements of 10). And it is INSERT OR FAIL: a failing row still fails the load
// (which is then rolled back as a whole), but SQLite need not keep a
// statement journal to undo the earlier rows of the statement; that journal
// took a fifth of the insert time.
func insertSQL(table string, cols []string, n int, anon bool) string {
	var sb strings.Builder
	sb.Grow(40 + n*len(cols)*8)
	if anon {
		sb.WriteString("INSERT OR FAIL INTO ")
	} else {
		sb.WriteString("INSERT INTO ")
	}
	sb.WriteString(table)
	sb.WriteString(" (")
	sb.WriteString(strings.Join(cols, ", "))
	sb.WriteString(") VALUES ")
	p := 1
	for r := 0; r < n; r++ {
		if r > 0 {
			sb.WriteByte(',')
		}
		sb.WriteByte('(')
		for c := range cols {
			if c > 0 {
				sb.WriteByte(',')
			}
			if anon {
				sb.WriteByte('?')
			} else {
				sb.WriteByte('$')
				sb.WriteString(strconv.Itoa(p))
			}
			p++
		}
		sb.WriteByte(')')
	}
	return sb.String()
}

// flatRows is a pgx.CopyFromSource over a flattened row buffer.
type flatRows struct {
	vals  []any
	width int
	i     int
}

func (f *flatRows) Next() bool { f.i++; return (f.i+1)*f.width <= len(f.vals) }
func (f *flatRows) Values() ([]any, error) {
	return f.vals[f.i*f.width : (f.i+1)*f.width], nil
}
func (f *flatRows) Err() error { return nil }

// commitTx commits the open transaction (statements prepared in it end).
func (b *Bulk) commitTx() error {
	for _, t := range b.tables {
		for _, st := range []**sql.Stmt{&t.stmtN, &t.stmt1} {
			if *st != nil {
				(*st).Close()
				*st = nil
			}
		}
	}
	if b.s.d == postgres {
		b.pgOpen = false
		return b.pgExec(context.Background(), "COMMIT")
	}
	tx := b.tx
	b.tx = nil
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("bulk: commit: %w", b.s.d.mapError(err))
	}
	return nil
}

// Commit writes what is buffered, commits, moves PostgreSQL's id sequences
// past the loaded ids, builds dropped indexes again and undoes Unsafe. The
// index build is reported by progress (may be nil) before it starts.
func (b *Bulk) Commit(ctx context.Context, progress func(indexes int)) error {
	if b.done {
		return errors.New("bulk: load already finished")
	}
	if err := b.Flush(ctx); err != nil {
		b.Rollback()
		return err
	}
	if b.s.d == postgres {
		for _, t := range b.tables {
			if !t.hasID {
				continue
			}
			err := b.pgExec(ctx, fmt.Sprintf(`SELECT setval(pg_get_serial_sequence('%[1]s', 'id'),
				COALESCE((SELECT MAX(id) FROM %[1]s), 1), (SELECT MAX(id) FROM %[1]s) IS NOT NULL)`, t.name))
			if err != nil {
				b.Rollback()
				return fmt.Errorf("bulk: sequence of %s: %w", t.name, err)
			}
		}
	}
	if err := b.commitTx(); err != nil {
		b.Rollback()
		return err
	}
	if progress != nil && len(b.dropped) > 0 {
		progress(len(b.dropped))
	}
	err := b.s.rebuildIndexes(ctx, b.conn, b.dropped)
	b.dropped = nil
	if err == nil && b.s.d == postgres {
		// Fresh statistics: until autovacuum gets to the new rows, the
		// planner would guess (searches then hash-joined the whole
		// contacts table). SQLite's plans do not use ANALYZE statistics
		// here (see drivePageUpTo), so it is left alone.
		for _, t := range b.tables {
			if err = b.pgExec(ctx, "ANALYZE "+t.name); err != nil {
				err = fmt.Errorf("bulk: analyze %s: %w", t.name, err)
				break
			}
		}
	}
	return errors.Join(err, b.finish())
}

// Rollback abandons what was not committed yet and undoes Unsafe. Indexes
// dropped in a committed transaction are built again.
func (b *Bulk) Rollback() error {
	if b.done {
		return nil
	}
	ctx := context.Background()
	var err error
	if b.tx != nil {
		err = b.tx.Rollback()
		b.tx = nil
	}
	if b.pgOpen {
		err = b.pgExec(ctx, "ROLLBACK")
		b.pgOpen = false
	}
	// Dropped indexes come back with the rollback unless a CommitEvery
	// commit made the drop durable; RestoreBulkIndexes handles both.
	_, rerr := b.s.restoreBulkIndexes(ctx, b.conn)
	return errors.Join(err, rerr, b.finish())
}

// finish undoes Unsafe and gives the connection back.
func (b *Bulk) finish() error {
	b.done = true
	var err error
	for _, q := range b.restore {
		if _, e := b.conn.ExecContext(context.Background(), q); e != nil {
			err = errors.Join(err, e)
		}
	}
	b.release()
	return err
}

func (b *Bulk) release() {
	if b.conn != nil {
		b.conn.Close()
		b.conn = nil
	}
}

// rebuildIndexes creates indexes from their DDL and forgets the crash
// record, in one transaction.
func (s *Store) rebuildIndexes(ctx context.Context, conn *sql.Conn, ddl []string) error {
	if len(ddl) == 0 {
		return nil
	}
	if s.d == sqlite {
		// Sorting millions of keys in memory (temp_store=MEMORY) would keep
		// them all in the process; let SQLite spill to temporary files.
		var old string
		if err := conn.QueryRowContext(ctx, "PRAGMA temp_store").Scan(&old); err != nil {
			return err
		}
		if _, err := conn.ExecContext(ctx, "PRAGMA temp_store = FILE"); err != nil {
			return err
		}
		defer conn.ExecContext(context.WithoutCancel(ctx), "PRAGMA temp_store = "+old)
	}
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if s.d == postgres {
		// More sort memory for the server while it builds them (this
		// transaction only).
		if _, err := tx.ExecContext(ctx, "SET LOCAL maintenance_work_mem = '256MB'"); err != nil {
			tx.Rollback()
			return err
		}
	}
	for _, q := range ddl {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			tx.Rollback()
			return fmt.Errorf("bulk: rebuild index (%s): %w", q, err)
		}
	}
	if _, err := tx.ExecContext(ctx, "DELETE FROM settings WHERE key = $1", bulkIndexesKey); err != nil {
		tx.Rollback()
		return err
	}
	return tx.Commit()
}

// RestoreBulkIndexes builds indexes that a bulk load dropped and could not
// build again because it was interrupted (a crash, a kill). It returns how
// many it built; 0 when nothing was pending.
func (s *Store) RestoreBulkIndexes(ctx context.Context) (int, error) {
	conn, err := s.write.Conn(ctx)
	if err != nil {
		return 0, err
	}
	defer conn.Close()
	return s.restoreBulkIndexes(ctx, conn)
}

func (s *Store) restoreBulkIndexes(ctx context.Context, conn *sql.Conn) (int, error) {
	var raw string
	err := conn.QueryRowContext(ctx, "SELECT value FROM settings WHERE key = $1", bulkIndexesKey).Scan(&raw)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	var ddl []string
	if err := json.Unmarshal([]byte(raw), &ddl); err != nil {
		return 0, fmt.Errorf("settings %s: %w", bulkIndexesKey, err)
	}
	return len(ddl), s.rebuildIndexes(ctx, conn, ddl)
}

// ContactKeys returns the search and sort keys the contacts table keeps
// beside a name (reading_key, name_key), for loaders that write contact rows
// themselves.
func ContactKeys(n crm.PersonName) (reading, name string) {
	return readingKey(n), nameKey(n)
}

// CountRows returns the number of rows of each named table, e.g. to check
// that a workspace is empty before generating data into it.
func (s *Store) CountRows(ctx context.Context, tables ...string) (map[string]int64, error) {
	out := make(map[string]int64, len(tables))
	for _, t := range tables {
		if !identRe.MatchString(t) {
			return nil, fmt.Errorf("count rows: bad table name %q", t)
		}
		var n int64
		if err := s.write.QueryRowContext(ctx, "SELECT COUNT(*) FROM "+t).Scan(&n); err != nil {
			return nil, err
		}
		out[t] = n
	}
	return out, nil
}
