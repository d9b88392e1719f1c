package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"time"
	"unsafe"

	"renkei/internal/crm"
)

// CSV imports: the imports row with its file in chunks (import_chunks), the
// row errors, and the set-based statements an import batch is made of. An
// import job writes one batch of rows per transaction: a few queries that
// look up every row of the batch at once, multi-row INSERTs and UPDATEs,
// and the import's progress (AdvanceImport) in the same transaction, so a
// crash loses at most the open batch and a restarted job resumes where the
// last commit left off.

// Import states.
const (
	ImportQueued  = "queued"
	ImportRunning = "running"
	ImportDone    = "done"
	ImportFailed  = "failed"
)

// ImportChunkSize is the size of the pieces the file is stored in.
const ImportChunkSize = 1 << 20

// Import is one CSV import.
type Import struct {
	ID, JobID, UserID int64
	Object            string            // "contact" | "company"
	Filename          string            // as uploaded
	Encoding          string            // detected or chosen: "utf-8" | "shift_jis"
	Mapping           map[string]string // header → field key (csvio field keys, "prop:KEY" for custom properties)
	Status            string            // "queued" | "running" | "done" | "failed"
	Message           string            // failure reason a person understands

	// TotalRows is an estimate until the import is done; DoneRows are the
	// data rows read so far (blank rows aside), every one of them counted
	// once as created, updated, skipped or error.
	TotalRows, DoneRows, Created, Updated, Skipped, Errors int

	CreatedAt, FinishedAt time.Time

	// Options is the JSON document of the import's options, kept for the
	// job (owner, tags, source, the encoding asked for).
	Options string
}

// ImportError is one problem with one row of an import.
type ImportError struct {
	Row    int // as Excel shows it (header = 1)
	Column string
	Reason string
}

// ImportCounts is what one batch adds to an import's counters.
type ImportCounts struct {
	Rows, Created, Updated, Skipped, Errors int
}

const importCols = `id, COALESCE(job_id, 0), COALESCE(user_id, 0), object, filename, encoding, mapping, options, status,
	total_rows, done_rows, created_n, updated_n, skipped_n, error_n, message, created_at, COALESCE(finished_at, 0)`

func scanImport(sc interface{ Scan(...any) error }) (Import, error) {
	var im Import
	var mapping string
	var created, finished int64
	err := sc.Scan(&im.ID, &im.JobID, &im.UserID, &im.Object, &im.Filename, &im.Encoding, &mapping, &im.Options, &im.Status,
		&im.TotalRows, &im.DoneRows, &im.Created, &im.Updated, &im.Skipped, &im.Errors, &im.Message, &created, &finished)
	if errors.Is(err, sql.ErrNoRows) {
		return im, crm.ErrNotFound
	}
	if err != nil {
		return im, err
	}
	im.CreatedAt, im.FinishedAt = fromMS(created), fromMS(finished)
	if err := json.Unmarshal([]byte(mapping), &im.Mapping); err != nil {
		return im, fmt.Errorf("import %d: mapping: %w", im.ID, err)
	}
	return im, nil
}

// CreateImport inserts an import in state queued and stores its file,
// read from file in chunks of ImportChunkSize (the whole file is never in
// memory). It sets im.ID, im.Status and im.CreatedAt.
func (tx *Tx) CreateImport(ctx context.Context, im *Import, file io.Reader, now time.Time) error {
	mapping, err := json.Marshal(nonNilMap(im.Mapping))
	if err != nil {
		return err
	}
	if im.Options == "" {
		im.Options = "{}"
	}
	err = tx.q().QueryRowContext(ctx, `INSERT INTO imports (object, filename, encoding, mapping, options, status,
		total_rows, user_id, file, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id`,
		im.Object, im.Filename, im.Encoding, string(mapping), im.Options, ImportQueued, im.TotalRows, nullID(im.UserID),
		[]byte{}, ms(now)).Scan(&im.ID)
	if err != nil {
		return tx.s.d.mapError(err)
	}
	im.Status, im.CreatedAt = ImportQueued, now
	buf := make([]byte, ImportChunkSize)
	for seq := 0; ; seq++ {
		n, err := io.ReadFull(file, buf)
		if n > 0 {
			if _, err := tx.q().ExecContext(ctx, "INSERT INTO import_chunks (import_id, seq, data) VALUES ($1, $2, $3)",
				im.ID, seq, buf[:n]); err != nil {
				return err
			}
		}
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

func nonNilMap(m map[string]string) map[string]string {
	if m == nil {
		return map[string]string{}
	}
	return m
}

// SetImportJob records the job that runs an import and the estimated
// number of rows.
func (tx *Tx) SetImportJob(ctx context.Context, id, jobID int64, totalRows int) error {
	_, err := tx.q().ExecContext(ctx, "UPDATE imports SET job_id = $1, total_rows = $2 WHERE id = $3", jobID, totalRows, id)
	return err
}

// Import returns one import.
func (s *Store) Import(ctx context.Context, id int64) (Import, error) {
	return scanImport(s.r().QueryRowContext(ctx, "SELECT "+importCols+" FROM imports WHERE id = $1", id))
}

// Imports returns the newest imports first.
func (s *Store) Imports(ctx context.Context, limit int) ([]Import, error) {
	if limit <= 0 || limit > 500 {
		limit = 50
	}
	rows, err := s.r().QueryContext(ctx, "SELECT "+importCols+" FROM imports ORDER BY id DESC LIMIT "+strconv.Itoa(limit))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Import
	for rows.Next() {
		im, err := scanImport(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, im)
	}
	return out, rows.Err()
}

// ImportErrors returns an import's row errors in row order.
func (s *Store) ImportErrors(ctx context.Context, id int64, limit int) ([]ImportError, error) {
	if limit <= 0 {
		limit = 1000
	}
	rows, err := s.r().QueryContext(ctx, `SELECT row_num, col, reason FROM import_errors WHERE import_id = $1
		ORDER BY row_num, col LIMIT `+strconv.Itoa(limit), id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []ImportError
	for rows.Next() {
		var e ImportError
		if err := rows.Scan(&e.Row, &e.Column, &e.Reason); err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// ImportFile returns a reader of an import's stored file, which fetches
// one chunk at a time.
func (s *Store) ImportFile(ctx context.Context, id int64) io.Reader {
	return &chunkReader{ctx: ctx, s: s, id: id}
}

type chunkReader struct {
	ctx  context.Context
	s    *Store
	id   int64
	seq  int
	buf  []byte
	done bool
}

func (r *chunkReader) Read(p []byte) (int, error) {
	for len(r.buf) == 0 {
		if r.done {
			return 0, io.EOF
		}
		var data []byte
		err := r.s.r().QueryRowContext(r.ctx, "SELECT data FROM import_chunks WHERE import_id = $1 AND seq = $2", r.id, r.seq).Scan(&data)
		if errors.Is(err, sql.ErrNoRows) {
			r.done = true
			continue
		}
		if err != nil {
			return 0, fmt.Errorf("read import file: %w", err)
		}
		r.seq++
		r.buf = data
	}
	n := copy(p, r.buf)
	r.buf = r.buf[n:]
	return n, nil
}

// StartImportRun marks a queued import as running.
func (s *Store) StartImportRun(ctx context.Context, id int64) error {
	_, err := s.w().ExecContext(ctx, "UPDATE imports SET status = $1 WHERE id = $2 AND status = $3", ImportRunning, id, ImportQueued)
	return err
}

// FinishImport ends an import as done or failed with a message, records
// the encoding that was used and, when done, sets the total to the rows
// read. The stored file is deleted: it is not needed any more.
func (s *Store) FinishImport(ctx context.Context, id int64, status, message, encoding string, now time.Time) error {
	return s.InTx(ctx, func(tx *Tx) error {
		q := `UPDATE imports SET status = $1, message = $2, finished_at = $3,
			encoding = CASE WHEN $4 = '' THEN encoding ELSE $4 END`
		if status == ImportDone {
			q += ", total_rows = done_rows"
		}
		res, err := tx.q().ExecContext(ctx, q+" WHERE id = $5", status, message, ms(now), encoding, id)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return crm.ErrNotFound
		}
		_, err = tx.q().ExecContext(ctx, "DELETE FROM import_chunks WHERE import_id = $1", id)
		return err
	})
}

// LockImport reads how many rows of an import are done, at the start of a
// batch's transaction. On PostgreSQL the import's row stays locked until the
// batch commits, so a second run of the same import (a job whose lease ran
// out while it was still working) waits here and then sees the rows the
// first one did; SQLite's single writer gives the same order. The caller
// compares the count with its own and stops when another run moved on.
func (tx *Tx) LockImport(ctx context.Context, id int64) (doneRows int, err error) {
	err = tx.q().QueryRowContext(ctx, "SELECT done_rows FROM imports WHERE id = $1"+tx.s.d.forUpdate("imports"), id).Scan(&doneRows)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, crm.ErrNotFound
	}
	return doneRows, err
}

// AdvanceImport adds one batch's counts to an import, in the batch's
// transaction (after LockImport). The estimated total grows when the rows
// done pass it.
func (tx *Tx) AdvanceImport(ctx context.Context, id int64, c ImportCounts) error {
	_, err := tx.q().ExecContext(ctx, `UPDATE imports SET done_rows = done_rows + $1, created_n = created_n + $2,
		updated_n = updated_n + $3, skipped_n = skipped_n + $4, error_n = error_n + $5,
		total_rows = CASE WHEN total_rows < done_rows + $1 THEN done_rows + $1 ELSE total_rows END
		WHERE id = $6`, c.Rows, c.Created, c.Updated, c.Skipped, c.Errors, id)
	return err
}

// AddImportErrors records row errors; a second error for the same row and
// column is dropped.
func (tx *BatchTx) AddImportErrors(ctx context.Context, id int64, errs []ImportError) error {
	if len(errs) == 0 {
		return nil
	}
	return tx.insertRows(ctx, "INSERT INTO import_errors (import_id, row_num, col, reason) VALUES ", 4, len(errs),
		func(i int, args []any) []any {
			e := errs[i]
			reason := e.Reason
			if len(reason) > 1000 {
				reason = reason[:1000]
			}
			return append(args, id, e.Row, e.Column, reason)
		}, " ON CONFLICT DO NOTHING", nil)
}

// ---- set-based statements for import batches ----

// BatchTx is a write transaction of an import batch: the Tx, with a cache
// of prepared multi-row statements that outlives it (see BatchStmts).
type BatchTx struct {
	*Tx
	stmts *BatchStmts
}

// BatchStmts keeps the multi-row statements of import batches prepared
// across transactions, on SQLite, where parsing a statement of a thousand
// rows costs about as much as running it. (pgx caches prepared statements
// by itself.) A statement is prepared after the transaction that first
// wanted it, when the write connection is free again, and used from the
// next batch on. Close it when the import ends.
type BatchStmts struct {
	s          *Store
	mu         sync.Mutex
	ready      map[string]*sql.Stmt
	wanted     map[string]bool
	checkpoint int // the wal_autocheckpoint to restore; 0 = none
}

// batchCheckpointPages is the WAL size (pages) at which SQLite
// checkpoints while an import runs (the default is 1,000). Batches rewrite
// the same index pages again and again; a larger WAL copies such a page
// into the database once per checkpoint rather than once per batch.
const batchCheckpointPages = 16384

// NewBatchStmts returns an empty statement cache for one import. On
// SQLite it also lets the WAL grow to batchCheckpointPages before a
// checkpoint until Close (a setting of the write connection, which the
// whole process shares).
func (s *Store) NewBatchStmts(ctx context.Context) *BatchStmts {
	b := &BatchStmts{s: s, ready: map[string]*sql.Stmt{}, wanted: map[string]bool{}}
	if s.d == sqlite {
		if err := s.write.QueryRowContext(ctx, "PRAGMA wal_autocheckpoint").Scan(&b.checkpoint); err == nil && b.checkpoint < batchCheckpointPages {
			if _, err := s.write.ExecContext(ctx, fmt.Sprintf("PRAGMA wal_autocheckpoint = %d", batchCheckpointPages)); err != nil {
				b.checkpoint = 0
			}
		} else {
			b.checkpoint = 0
		}
	}
	return b
}

// Close closes the prepared statements and restores the checkpoint
// setting.
func (b *BatchStmts) Close() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	var err error
	for q, st := range b.ready {
		err = errors.Join(err, st.Close())
		delete(b.ready, q)
	}
	if b.checkpoint > 0 {
		_, cerr := b.s.write.ExecContext(context.Background(), fmt.Sprintf("PRAGMA wal_autocheckpoint = %d", b.checkpoint))
		err = errors.Join(err, cerr)
		b.checkpoint = 0
	}
	return err
}

// stmt returns the prepared statement for q, or nil, noting that q is
// wanted.
func (b *BatchStmts) stmt(q string) *sql.Stmt {
	if b == nil || b.s.d != sqlite {
		return nil
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if st := b.ready[q]; st != nil {
		return st
	}
	if len(b.wanted)+len(b.ready) < 32 {
		b.wanted[q] = true
	}
	return nil
}

// prepareWanted prepares the statements wanted so far, outside any
// transaction. A statement that does not prepare is not retried.
func (b *BatchStmts) prepareWanted(ctx context.Context) {
	if b == nil {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	for q := range b.wanted {
		delete(b.wanted, q)
		if st, err := b.s.write.PrepareContext(ctx, q); err == nil {
			b.ready[q] = st
		}
	}
}

// InBatchTx runs fn in one write transaction as InTx does, with stmts (may
// be nil) caching the batch's multi-row statements.
//
// On SQLite a batch runs with foreign key checks off and its statements
// are INSERT OR FAIL and UPDATE OR FAIL. SQLite keeps a statement journal
// (a copy of every page a statement changes) for a multi-row statement that
// may abort halfway, as foreign key checks and ABORT constraint checks make
// it; in a batch that journal costs about as much as the writes. fn must
// therefore refer only to rows it has read or written in the transaction,
// which SQLite's single writer keeps from changing until the commit. A
// failing statement still fails fn, and the transaction is rolled back.
// (Calling a function in an INSERT or UPDATE, such as an index on
// lower(given_name), also makes SQLite keep that journal.)
func (s *Store) InBatchTx(ctx context.Context, stmts *BatchStmts, fn func(tx *BatchTx) error) error {
	var err error
	if s.d == sqlite {
		err = s.inTxNoFK(ctx, func(tx *Tx) error { return fn(&BatchTx{Tx: tx, stmts: stmts}) })
	} else {
		err = s.InTx(ctx, func(tx *Tx) error { return fn(&BatchTx{Tx: tx, stmts: stmts}) })
	}
	if err == nil {
		stmts.prepareWanted(ctx)
	}
	return err
}

// inTxNoFK is InTx on SQLite with foreign key checks off for the
// transaction (PRAGMA foreign_keys cannot change inside one).
func (s *Store) inTxNoFK(ctx context.Context, fn func(tx *Tx) error) (err error) {
	conn, err := s.write.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	defer func() {
		if _, ferr := conn.ExecContext(context.WithoutCancel(ctx), "PRAGMA foreign_keys = ON"); ferr != nil {
			// Never hand a connection without foreign keys back to the pool.
			conn.Raw(func(any) error { return driver.ErrBadConn })
			err = errors.Join(err, ferr)
		}
	}()
	if _, err := conn.ExecContext(ctx, "PRAGMA foreign_keys = OFF"); err != nil {
		return err
	}
	sqlTx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	if err := fn(&Tx{s: s, tx: sqlTx}); err != nil {
		_ = sqlTx.Rollback()
		return err
	}
	if err := sqlTx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", s.d.mapError(err))
	}
	return nil
}

// run executes one statement, through a prepared statement when full (a
// statement of the full size, which recurs) and one is ready. With scan
// it is a query whose rows scan reads; without, an exec.
func (tx *BatchTx) run(ctx context.Context, q string, full bool, args []any, scan func(rows *sql.Rows) error) (sql.Result, error) {
	var st *sql.Stmt
	if full {
		if p := tx.stmts.stmt(q); p != nil {
			st = tx.tx.StmtContext(ctx, p)
			defer st.Close()
		}
	}
	if scan == nil {
		var res sql.Result
		var err error
		if st != nil {
			res, err = st.ExecContext(ctx, args...)
		} else {
			res, err = tx.q().ExecContext(ctx, q, args...)
		}
		return res, tx.s.d.mapError(err)
	}
	var rows *sql.Rows
	var err error
	if st != nil {
		rows, err = st.QueryContext(ctx, args...)
	} else {
		rows, err = tx.q().QueryContext(ctx, q, args...)
	}
	if err != nil {
		return nil, tx.s.d.mapError(err)
	}
	err = scan(rows)
	rows.Close()
	if err == nil {
		err = rows.Err()
	}
	return nil, tx.s.d.mapError(err)
}

// maxStmtRows bounds the rows of one multi-row statement; maxStmtParams
// stays under SQLite's 32,766 bound parameters (PostgreSQL allows 65,535).
const (
	maxStmtRows   = 1000
	maxStmtParams = 32000
)

// insertRows runs head + "(…), (…)" + tail for n rows of width values each,
// split into statements within the parameter limits. vals appends row i's
// values to args. scan, when set, reads the rows each statement returns
// (RETURNING), given the index of the statement's first row. On SQLite the
// placeholders are anonymous (?), which the driver binds in order without
// a search by name per parameter.
func (tx *BatchTx) insertRows(ctx context.Context, head string, width, n int, vals func(i int, args []any) []any, tail string,
	scan func(first int, rows *sql.Rows) error) error {
	per := max(1, min(maxStmtRows, maxStmtParams/width))
	args := make([]any, 0, min(n, per)*width)
	for start := 0; start < n; start += per {
		k := min(per, n-start)
		args = args[:0]
		for i := start; i < start+k; i++ {
			args = vals(i, args)
		}
		var each func(rows *sql.Rows) error
		if scan != nil {
			each = func(rows *sql.Rows) error { return scan(start, rows) }
		}
		if _, err := tx.run(ctx, tx.s.d.orFail(head)+tx.s.d.valuesList(k, width, 0)+tail, k == per, args, each); err != nil {
			return err
		}
	}
	return nil
}

// insertIDs is insertRows for a table with an integer id that the database
// assigns, calling setID with each row's id.
//
// PostgreSQL returns the ids: RETURNING gives the rows of a multi-row
// INSERT in the order of its VALUES list. SQLite gives a row without an id
// the largest id so far plus one, so the rows of one statement in a write
// transaction get consecutive ids ending at LastInsertId; reading them
// back through RETURNING costs more than the check that they are (the
// statement's rows are all the rows in that range).
func (tx *BatchTx) insertIDs(ctx context.Context, table, head string, width, n int, vals func(i int, args []any) []any,
	setID func(i int, id int64)) error {
	if tx.s.d == postgres {
		got := 0
		err := tx.insertRows(ctx, head, width, n, vals, " RETURNING id", func(first int, rows *sql.Rows) error {
			for i := first; rows.Next(); i++ {
				if i >= n {
					return errors.New("insert: more ids than rows")
				}
				var id int64
				if err := rows.Scan(&id); err != nil {
					return err
				}
				setID(i, id)
				got++
			}
			return nil
		})
		if err == nil && got != n {
			err = fmt.Errorf("insert into %s: %d ids for %d rows", table, got, n)
		}
		return err
	}
	per := max(1, min(maxStmtRows, maxStmtParams/width))
	args := make([]any, 0, min(n, per)*width)
	for start := 0; start < n; start += per {
		k := min(per, n-start)
		args = args[:0]
		for i := start; i < start+k; i++ {
			args = vals(i, args)
		}
		res, err := tx.run(ctx, tx.s.d.orFail(head)+tx.s.d.valuesList(k, width, 0), k == per, args, nil)
		if err != nil {
			return err
		}
		last, err := res.LastInsertId()
		if err != nil {
			return err
		}
		first := last - int64(k) + 1
		var inRange int
		if err := tx.q().QueryRowContext(ctx, "SELECT COUNT(*) FROM "+table+" WHERE id BETWEEN $1 AND $2", first, last).Scan(&inRange); err != nil {
			return err
		}
		if inRange != k {
			return fmt.Errorf("insert into %s: the ids of %d new rows are not %d to %d", table, k, first, last)
		}
		for i := 0; i < k; i++ {
			setID(start+i, first+int64(i))
		}
	}
	return nil
}

// orFail turns "INSERT INTO" or "UPDATE" at the start of a statement into
// SQLite's INSERT OR FAIL and UPDATE OR FAIL (see InBatchTx).
func (d dialect) orFail(q string) string {
	if d != sqlite {
		return q
	}
	if rest, ok := strings.CutPrefix(q, "INSERT INTO "); ok {
		return "INSERT OR FAIL INTO " + rest
	}
	if rest, ok := strings.CutPrefix(q, "UPDATE "); ok {
		return "UPDATE OR FAIL " + rest
	}
	return q
}

// valuesList writes "(p, p, …), (…)" for rows × width placeholders, the
// first numbered after offset; casts, when given, wrap the first row's
// placeholders (CAST(p AS type), "" for none) so that PostgreSQL knows the
// types of a VALUES list in FROM.
func (d dialect) valuesList(rows, width, offset int, casts ...string) string {
	var sb strings.Builder
	sb.Grow(rows * width * 6)
	p := offset
	for r := 0; r < rows; r++ {
		if r > 0 {
			sb.WriteString(", ")
		}
		sb.WriteByte('(')
		for c := 0; c < width; c++ {
			if c > 0 {
				sb.WriteString(", ")
			}
			p++
			ph := "?"
			if d == postgres {
				ph = "$" + strconv.Itoa(p)
			}
			if r == 0 && c < len(casts) && casts[c] != "" {
				ph = "CAST(" + ph + " AS " + casts[c] + ")"
			}
			sb.WriteString(ph)
		}
		sb.WriteByte(')')
	}
	return sb.String()
}

// inList returns "p, p, …" for n values; see valuesList.
func (d dialect) inList(n int) string {
	if d == postgres {
		var sb strings.Builder
		for i := 1; i <= n; i++ {
			if i > 1 {
				sb.WriteString(", ")
			}
			sb.WriteByte('$')
			sb.WriteString(strconv.Itoa(i))
		}
		return sb.String()
	}
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}

// forUpdate locks the rows a batch read, on PostgreSQL, until the batch
// commits, so that no edit made meanwhile is overwritten; SQLite's single
// writer already excludes one.
func (d dialect) forUpdate(table string) string {
	if d == postgres {
		return " FOR UPDATE OF " + table
	}
	return ""
}

// queryIn runs a query with an IN list of the given values in pieces of
// at most maxStmtRows; q has one %s for the list.
func (tx *Tx) queryIn(ctx context.Context, q string, vals []string, each func(rows *sql.Rows) error) error {
	return queryIn(ctx, tx.q(), tx.s.d, q, vals, each)
}

// queryIn is Tx.queryIn on any querier (a transaction or a pool).
func queryIn(ctx context.Context, qr querier, d dialect, q string, vals []string, each func(rows *sql.Rows) error) error {
	for start := 0; start < len(vals); start += maxStmtRows {
		part := vals[start:min(len(vals), start+maxStmtRows)]
		args := make([]any, len(part))
		for i, v := range part {
			args[i] = v
		}
		rows, err := qr.QueryContext(ctx, fmt.Sprintf(q, d.inList(len(part))), args...)
		if err != nil {
			return err
		}
		for rows.Next() {
			if err := each(rows); err != nil {
				rows.Close()
				return err
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
	}
	return nil
}

// ContactsByEmails returns the contacts with the given normalised e-mail
// addresses, by address, without their tags. On PostgreSQL the rows stay
// locked until the transaction ends.
func (tx *Tx) ContactsByEmails(ctx context.Context, emails []string) (map[string]crm.Contact, error) {
	out := make(map[string]crm.Contact, len(emails))
	err := tx.queryIn(ctx, "SELECT "+contactCols+contactFrom+" WHERE c.email IN (%s)"+tx.s.d.forUpdate("c"), emails,
		func(rows *sql.Rows) error {
			c, err := scanContact(rows)
			out[c.Email] = c
			return err
		})
	return out, err
}

// ContactsWithoutEmail returns the contacts without an e-mail address whose
// name_key (see ContactKeys) is one of keys, without their tags; duplicate
// detection then compares company and phone. Locked as ContactsByEmails.
func (tx *Tx) ContactsWithoutEmail(ctx context.Context, nameKeys []string) ([]crm.Contact, error) {
	var out []crm.Contact
	err := tx.queryIn(ctx, "SELECT "+contactCols+contactFrom+" WHERE c.email IS NULL AND c.name_key IN (%s) ORDER BY c.id"+
		tx.s.d.forUpdate("c"), nameKeys, func(rows *sql.Rows) error {
		c, err := scanContact(rows)
		out = append(out, c)
		return err
	})
	return out, err
}

// HasSuppressions reports whether the suppression list holds any address,
// so that a batch can skip hashing its addresses when it is empty.
func (tx *Tx) HasSuppressions(ctx context.Context) (bool, error) {
	var one int
	err := tx.q().QueryRowContext(ctx, "SELECT 1 FROM suppressions LIMIT 1").Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return err == nil, err
}

// SuppressedHashes returns which of the e-mail hashes are on the
// suppression list, with the reason. It reads the read pool: the callers
// (queueing, the sender's claim check, imports, Marketable) need no write
// transaction for it, and on SQLite a read inside one would hold the single
// writer.
func (s *Store) SuppressedHashes(ctx context.Context, hashes []string) (map[string]string, error) {
	out := map[string]string{}
	err := queryIn(ctx, s.r(), s.d, "SELECT email_hash, reason FROM suppressions WHERE email_hash IN (%s)", hashes,
		func(rows *sql.Rows) error {
			var h, reason string
			err := rows.Scan(&h, &reason)
			out[h] = reason
			return err
		})
	return out, err
}

// CompaniesByKeys returns, for each duplicate key (crm.CompanyKey) that a
// company has, the oldest such company.
func (tx *Tx) CompaniesByKeys(ctx context.Context, keys []string) (map[string]crm.Company, error) {
	out := map[string]crm.Company{}
	err := tx.queryIn(ctx, "SELECT "+companyCols+", name_key FROM companies WHERE name_key IN (%s)", keys,
		func(rows *sql.Rows) error {
			var key string
			co, err := scanCompany(withExtra{rows, []any{&key}})
			if old, seen := out[key]; err == nil && (!seen || co.ID < old.ID) {
				out[key] = co
			}
			return err
		})
	return out, err
}

// CompanyIDsByKeys is CompaniesByKeys returning only ids.
func (tx *Tx) CompanyIDsByKeys(ctx context.Context, keys []string) (map[string]int64, error) {
	out := map[string]int64{}
	err := tx.queryIn(ctx, "SELECT id, name_key FROM companies WHERE name_key IN (%s)", keys,
		func(rows *sql.Rows) error {
			var id int64
			var key string
			err := rows.Scan(&id, &key)
			if old, seen := out[key]; !seen || id < old {
				out[key] = id
			}
			return err
		})
	return out, err
}

// InsertCompanies inserts normalised companies with multi-row statements
// and sets their ids.
func (tx *BatchTx) InsertCompanies(ctx context.Context, cos []*crm.Company, now time.Time) error {
	props := make([]string, len(cos))
	for i, c := range cos {
		var err error
		if props[i], err = propsJSON(c.Props); err != nil {
			return err
		}
	}
	return tx.insertIDs(ctx, "companies", `INSERT INTO companies (name, name_key, legal_form, reading, domain, industry, employees,
		postal_code, prefecture, city, street, country, phone, owner_id, team_id, props, created_at, updated_at) VALUES `,
		18, len(cos), func(i int, args []any) []any {
			c := cos[i]
			return append(args, c.Name, c.Key(), c.LegalForm, c.Reading, c.Domain, c.Industry, nullInt(c.Employees),
				c.PostalCode, c.Prefecture, c.City, c.Street, c.Country, c.Phone, nullID(c.OwnerID), nullID(c.TeamID),
				props[i], ms(now), ms(now))
		}, func(i int, id int64) {
			cos[i].ID, cos[i].Version, cos[i].CreatedAt, cos[i].UpdatedAt = id, 1, now, now
		})
}

func nullInt(n int) sql.NullInt64 {
	return sql.NullInt64{Int64: int64(n), Valid: n > 0}
}

// InsertContacts inserts normalised contacts (not their tags) with
// multi-row statements and sets their ids. A taken e-mail address fails
// the statement with crm.ErrConflict.
func (tx *BatchTx) InsertContacts(ctx context.Context, cs []*crm.Contact, now time.Time) error {
	props := make([]string, len(cs))
	for i, c := range cs {
		var err error
		if props[i], err = propsJSON(c.Props); err != nil {
			return err
		}
	}
	at := ms(now)
	return tx.insertIDs(ctx, "contacts", `INSERT INTO contacts (email, family_name, given_name, family_reading, given_reading,
		reading_key, name_key, honorific, phone, phone_key, job_title, department, company_id, owner_id, team_id,
		lifecycle_stage, lead_status, original_source, source_detail, consent, props, created_at, updated_at) VALUES `,
		23, len(cs), func(i int, args []any) []any {
			c := cs[i]
			return append(args, nullText(c.Email), c.Family, c.Given, c.FamilyReading, c.GivenReading,
				readingKey(c.PersonName), nameKey(c.PersonName), c.Honorific, c.Phone, crm.PhoneKey(c.Phone), c.JobTitle,
				c.Department, nullID(c.CompanyID), nullID(c.OwnerID), nullID(c.TeamID), string(c.Lifecycle),
				string(c.LeadStatus), string(c.OriginalSource), c.SourceDetail, string(c.Consent), props[i], at, at)
		}, func(i int, id int64) {
			cs[i].ID, cs[i].Version, cs[i].CreatedAt, cs[i].UpdatedAt = id, 1, now, now
		})
}

// contactUpdateCols are the columns UpdateContacts may write, with the
// types PostgreSQL needs for them in a VALUES list.
var contactUpdateCols = []struct{ name, cast string }{
	{"family_name", "TEXT"}, {"given_name", "TEXT"}, {"family_reading", "TEXT"}, {"given_reading", "TEXT"},
	{"reading_key", "TEXT"}, {"name_key", "TEXT"}, {"honorific", "TEXT"}, {"phone", "TEXT"}, {"phone_key", "TEXT"},
	{"job_title", "TEXT"}, {"department", "TEXT"}, {"company_id", "BIGINT"}, {"owner_id", "BIGINT"},
	{"team_id", "BIGINT"}, {"lifecycle_stage", "TEXT"}, {"lead_status", "TEXT"}, {"consent", "TEXT"}, {"props", "TEXT"},
}

// contactUpdateValues returns a contact's values of contactUpdateCols.
func contactUpdateValues(c *crm.Contact) ([]any, error) {
	props, err := propsJSON(c.Props)
	if err != nil {
		return nil, err
	}
	return []any{c.Family, c.Given, c.FamilyReading, c.GivenReading, readingKey(c.PersonName), nameKey(c.PersonName),
		c.Honorific, c.Phone, crm.PhoneKey(c.Phone), c.JobTitle, c.Department, nullID(c.CompanyID), nullID(c.OwnerID),
		nullID(c.TeamID), string(c.Lifecycle), string(c.LeadStatus), string(c.Consent), props}, nil
}

// ContactUpdate is a contact as read in the batch's transaction (Before)
// and as it is to be written (After).
type ContactUpdate struct {
	Before crm.Contact
	After  *crm.Contact
}

// UpdateContacts writes what changed of existing contacts (not the e-mail,
// source or tags) with multi-row statements and bumps their versions. The
// contacts must have been read in the same transaction (ContactsByEmails),
// so no version check is needed. Only the columns that changed are written,
// with contacts grouped by them: an UPDATE rewrites the index entries of
// every column it sets, changed or not. A contact without a changed column
// is left alone.
func (tx *BatchTx) UpdateContacts(ctx context.Context, us []ContactUpdate, now time.Time) error {
	type group struct {
		cols []int
		rows [][]any // id, then the values of cols
		cs   []*crm.Contact
	}
	var order []uint32
	groups := map[uint32]*group{}
	for _, u := range us {
		before, err := contactUpdateValues(&u.Before)
		if err != nil {
			return err
		}
		after, err := contactUpdateValues(u.After)
		if err != nil {
			return err
		}
		var mask uint32
		for i := range after {
			if after[i] != before[i] {
				mask |= 1 << i
			}
		}
		if mask == 0 {
			continue
		}
		g := groups[mask]
		if g == nil {
			g = &group{}
			for i := range after {
				if mask&(1<<i) != 0 {
					g.cols = append(g.cols, i)
				}
			}
			groups[mask] = g
			order = append(order, mask)
		}
		row := append(make([]any, 0, 1+len(g.cols)), u.After.ID)
		for _, i := range g.cols {
			row = append(row, after[i])
		}
		g.rows = append(g.rows, row)
		g.cs = append(g.cs, u.After)
	}
	at := "?"
	if tx.s.d == postgres {
		at = "$1"
	}
	for _, mask := range order {
		g := groups[mask]
		width := 1 + len(g.cols)
		casts := []string{"BIGINT"}
		var set strings.Builder
		for k, i := range g.cols {
			fmt.Fprintf(&set, "%s = v.column%d, ", contactUpdateCols[i].name, k+2)
			casts = append(casts, contactUpdateCols[i].cast)
		}
		per := max(1, min(maxStmtRows, maxStmtParams/width))
		for start := 0; start < len(g.rows); start += per {
			k := min(per, len(g.rows)-start)
			// The time comes first: anonymous placeholders (SQLite) are
			// bound in the order they appear in the statement.
			args := make([]any, 0, 1+k*width)
			args = append(args, ms(now))
			for _, row := range g.rows[start : start+k] {
				args = append(args, row...)
			}
			q := tx.s.d.orFail("UPDATE contacts SET ") + set.String() + "updated_at = " + at +
				", version = contacts.version + 1 FROM (VALUES " + tx.s.d.valuesList(k, width, 1, casts...) +
				") AS v WHERE contacts.id = v.column1"
			res, err := tx.run(ctx, q, k == per, args, nil)
			if err != nil {
				return err
			}
			if n, err := res.RowsAffected(); err != nil {
				return err
			} else if int(n) != k {
				return fmt.Errorf("update contacts: %d of %d rows found", n, k)
			}
		}
		for _, c := range g.cs {
			c.Version++
			c.UpdatedAt = now
		}
	}
	return nil
}

// EnsureTags returns the ids of the tag names, creating the missing tags.
func (tx *BatchTx) EnsureTags(ctx context.Context, names []string) (map[string]int64, error) {
	names = uniqueTags(names)
	out := make(map[string]int64, len(names))
	if len(names) == 0 {
		return out, nil
	}
	read := func(names []string) error {
		return tx.queryIn(ctx, "SELECT id, name FROM tags WHERE name IN (%s)", names, func(rows *sql.Rows) error {
			var id int64
			var name string
			err := rows.Scan(&id, &name)
			out[name] = id
			return err
		})
	}
	if err := read(names); err != nil {
		return nil, err
	}
	var missing []string
	for _, n := range names {
		if out[n] == 0 {
			missing = append(missing, n)
		}
	}
	if len(missing) == 0 {
		return out, nil
	}
	// Another transaction may add one of them first (PostgreSQL): read
	// what the insert did not return.
	if err := tx.insertRows(ctx, "INSERT INTO tags (name) VALUES ", 1, len(missing), func(i int, args []any) []any {
		return append(args, missing[i])
	}, " ON CONFLICT (name) DO NOTHING", nil); err != nil {
		return nil, err
	}
	return out, read(missing)
}

// UserNames returns every user's id, e-mail address, name and status,
// for resolving owner cells.
func (tx *BatchTx) UserNames(ctx context.Context) ([]crm.User, error) {
	rows, err := tx.q().QueryContext(ctx, "SELECT id, email, name, status FROM users ORDER BY id")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []crm.User
	for rows.Next() {
		var u crm.User
		var status string
		if err := rows.Scan(&u.ID, &u.Email, &u.Name, &status); err != nil {
			return nil, err
		}
		u.Status = crm.UserStatus(status)
		out = append(out, u)
	}
	return out, rows.Err()
}

// ContactTag links a contact to a tag.
type ContactTag struct{ ContactID, TagID int64 }

// AddContactTags links contacts to tags; links that exist are kept.
func (tx *BatchTx) AddContactTags(ctx context.Context, links []ContactTag) error {
	if len(links) == 0 {
		return nil
	}
	return tx.insertRows(ctx, "INSERT INTO contact_tags (tag_id, contact_id) VALUES ", 2, len(links),
		func(i int, args []any) []any { return append(args, links[i].TagID, links[i].ContactID) },
		" ON CONFLICT DO NOTHING", nil)
}

// AddTimelineEntries appends entries with multi-row statements (their ids
// are not read back).
func (tx *BatchTx) AddTimelineEntries(ctx context.Context, es []TimelineEntry) error {
	if len(es) == 0 {
		return nil
	}
	// Entries often share one Data map (every "created" entry of an
	// import): it is encoded once.
	data := make([]string, len(es))
	var lastMap unsafe.Pointer
	for i, e := range es {
		p := reflect.ValueOf(e.Data).UnsafePointer()
		if i > 0 && p != nil && p == lastMap {
			data[i] = data[i-1]
			continue
		}
		var err error
		if data[i], err = propsJSON(e.Data); err != nil {
			return err
		}
		lastMap = p
	}
	return tx.insertRows(ctx, "INSERT INTO timeline (at, contact_id, company_id, kind, actor_id, data, ref_type, ref_id) VALUES ",
		8, len(es), func(i int, args []any) []any {
			e := es[i]
			return append(args, ms(e.At), nullID(e.ContactID), nullID(e.CompanyID), e.Kind, nullID(e.ActorID), data[i],
				e.RefType, nullID(e.RefID))
		}, "", nil)
}

// AddConsentEvents appends to the consent ledger with multi-row
// statements (ids are not read back).
func (tx *BatchTx) AddConsentEvents(ctx context.Context, es []ConsentEvent) error {
	if len(es) == 0 {
		return nil
	}
	return tx.insertRows(ctx, "INSERT INTO consent_events (contact_id, at, status, source, wording, page_url, ip, actor_id) VALUES ",
		8, len(es), func(i int, args []any) []any {
			e := es[i]
			return append(args, e.ContactID, ms(e.At), string(e.Status), e.Source, e.Wording, e.PageURL, e.IP, nullID(e.ActorID))
		}, "", nil)
}

// CompaniesByIDs returns companies by id (for exports).
func (s *Store) CompaniesByIDs(ctx context.Context, ids []int64) (map[int64]crm.Company, error) {
	out := make(map[int64]crm.Company, len(ids))
	for start := 0; start < len(ids); start += maxStmtRows {
		part := ids[start:min(len(ids), start+maxStmtRows)]
		args := make([]any, len(part))
		for i, id := range part {
			args[i] = id
		}
		rows, err := s.r().QueryContext(ctx, "SELECT "+companyCols+" FROM companies WHERE id IN ("+s.d.inList(len(part))+")", args...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			co, err := scanCompany(rows)
			if err != nil {
				rows.Close()
				return nil, err
			}
			out[co.ID] = co
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}
