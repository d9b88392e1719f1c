package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// ErrBackupOnPostgres is returned by Backup on PostgreSQL, whose own tools
// (pg_dump, pg_restore) do the job.
var ErrBackupOnPostgres = errors.New("backup and restore of PostgreSQL are done with pg_dump and pg_restore")

// BackupInfo describes a written or restored backup.
type BackupInfo struct {
	Path          string // the backup file (Backup) or the restored database (RestoreSQLite)
	Bytes         int64
	SchemaVersion int
	// Previous is where RestoreSQLite moved the database it replaced; empty
	// when the data directory held none.
	Previous string
}

// Backup writes a consistent copy of the SQLite database to dest while the
// database stays in use: VACUUM INTO reads one snapshot into a temporary
// file in dest's directory, which is synced and then renamed to dest. It
// runs on this Store's write connection (the read pool is query-only), so
// this Store's own writes wait for it; other processes, such as the running
// server when `renkei backup` calls it, keep reading and writing (WAL). An
// existing dest is replaced only when overwrite is set.
func (s *Store) Backup(ctx context.Context, dest string, overwrite bool) (BackupInfo, error) {
	if s.d == postgres {
		return BackupInfo{}, ErrBackupOnPostgres
	}
	dest, err := filepath.Abs(dest)
	if err != nil {
		return BackupInfo{}, err
	}
	if st, err := os.Stat(dest); err == nil {
		if st.IsDir() {
			return BackupInfo{}, fmt.Errorf("%s is a directory; name the backup file", dest)
		}
		if !overwrite {
			return BackupInfo{}, fmt.Errorf("%s exists already; choose another name or use --force to replace it", dest)
		}
	}
	if same, _ := sameFile(dest, s.path); same {
		return BackupInfo{}, errors.New("the backup file cannot be the database itself")
	}
	var version int
	if err := s.write.QueryRowContext(ctx, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations").Scan(&version); err != nil {
		return BackupInfo{}, fmt.Errorf("read schema version: %w", err)
	}
	dir := filepath.Dir(dest)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(dest)+".tmp-*")
	if err != nil {
		return BackupInfo{}, fmt.Errorf("create backup file: %w", err)
	}
	tmpPath := tmp.Name()
	tmp.Close()
	done := false
	defer func() {
		if !done {
			os.Remove(tmpPath)
		}
	}()
	// VACUUM INTO accepts an empty existing file as its target.
	if _, err := s.write.ExecContext(ctx, "VACUUM INTO $1", tmpPath); err != nil {
		return BackupInfo{}, fmt.Errorf("copy the database: %w", err)
	}
	if err := syncFile(tmpPath); err != nil {
		return BackupInfo{}, err
	}
	if overwrite {
		err = os.Rename(tmpPath, dest)
	} else {
		// A hard link does not replace a file that appeared meanwhile.
		if err = os.Link(tmpPath, dest); err == nil {
			os.Remove(tmpPath)
		} else if errors.Is(err, fs.ErrExist) {
			err = fmt.Errorf("%s exists already; choose another name or use --force to replace it", dest)
		} else if _, serr := os.Lstat(dest); errors.Is(serr, fs.ErrNotExist) {
			// File systems without hard links.
			err = os.Rename(tmpPath, dest)
		}
	}
	if err != nil {
		return BackupInfo{}, err
	}
	done = true
	if err := syncDir(dir); err != nil {
		return BackupInfo{}, err
	}
	st, err := os.Stat(dest)
	if err != nil {
		return BackupInfo{}, err
	}
	return BackupInfo{Path: dest, Bytes: st.Size(), SchemaVersion: version}, nil
}

// BackupCheckError says why a file cannot be restored.
type BackupCheckError struct {
	File   string
	Reason string
}

func (e *BackupCheckError) Error() string {
	return fmt.Sprintf("%s cannot be restored: %s; nothing was changed", e.File, e.Reason)
}

// CheckBackup opens an SQLite file and checks that it can be restored:
// PRAGMA integrity_check and foreign_key_check pass, it is a Renkei
// database (it has schema_migrations) and not newer than this binary. It
// returns the file's schema version. The file is opened read-write (SQLite
// may need to replay its WAL), so check a copy when the original matters.
func CheckBackup(ctx context.Context, path string) (int, error) {
	bad := func(format string, args ...any) error {
		return &BackupCheckError{File: path, Reason: fmt.Sprintf(format, args...)}
	}
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	header := make([]byte, 16)
	_, err = io.ReadFull(f, header)
	f.Close()
	if err != nil || string(header) != "SQLite format 3\x00" {
		return 0, bad("it is not an SQLite database file")
	}
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(5000)")
	if err != nil {
		return 0, err
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	rows, err := db.QueryContext(ctx, "PRAGMA integrity_check(20)")
	if err != nil {
		return 0, bad("the integrity check failed: %v", err)
	}
	var problems []string
	for rows.Next() {
		var msg string
		if err := rows.Scan(&msg); err != nil {
			rows.Close()
			return 0, bad("the integrity check failed: %v", err)
		}
		if msg != "ok" {
			problems = append(problems, msg)
		}
	}
	if err := rows.Close(); err != nil {
		return 0, bad("the integrity check failed: %v", err)
	}
	if err := rows.Err(); err != nil {
		return 0, bad("the integrity check failed: %v", err)
	}
	if len(problems) > 0 {
		return 0, bad("the integrity check found damage: %s", strings.Join(problems, "; "))
	}
	var n int
	if err := db.QueryRowContext(ctx, "SELECT COUNT(*) FROM sqlite_schema WHERE type = 'table' AND name = 'schema_migrations'").Scan(&n); err != nil {
		return 0, bad("reading its tables failed: %v", err)
	}
	if n == 0 {
		return 0, bad("it is not a Renkei database (it has no schema_migrations table)")
	}
	var version int
	if err := db.QueryRowContext(ctx, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations").Scan(&version); err != nil {
		return 0, bad("reading its schema version failed: %v", err)
	}
	ms, err := sqlite.migrations()
	if err != nil {
		return 0, err
	}
	if version > len(ms) {
		return 0, bad("it was made by a newer renkei (schema version %d; this renkei knows up to %d): restore it with that version", version, len(ms))
	}
	fk, err := db.QueryContext(ctx, "PRAGMA foreign_key_check")
	if err != nil {
		return 0, bad("the foreign key check failed: %v", err)
	}
	violations := 0
	for fk.Next() {
		violations++
	}
	fk.Close()
	if violations > 0 {
		return 0, bad("the foreign key check found %d broken reference(s)", violations)
	}
	return version, nil
}

// RestoreSQLite puts the SQLite backup src in place as the database of
// dataDir. The server must be stopped (hold LockDataDir while calling).
// The backup is first copied into dataDir and checked with CheckBackup;
// only then is the current database (with its -wal file) moved aside as
// renkei.db.before-restore-<time> and the copy renamed into place. On any
// error the data directory is left as it was.
func RestoreSQLite(ctx context.Context, dataDir, src string, now time.Time) (BackupInfo, error) {
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return BackupInfo{}, fmt.Errorf("create data directory: %w", err)
	}
	st, err := os.Stat(src)
	if err != nil {
		return BackupInfo{}, err
	}
	if !st.Mode().IsRegular() {
		return BackupInfo{}, &BackupCheckError{File: src, Reason: "it is not a regular file"}
	}
	dbPath := filepath.Join(dataDir, SQLiteFile)
	if same, _ := sameFile(src, dbPath); same {
		return BackupInfo{}, errors.New("the backup file is the database itself")
	}
	tmp, err := os.CreateTemp(dataDir, ".restore-*.db")
	if err != nil {
		return BackupInfo{}, err
	}
	tmpPath := tmp.Name()
	done := false
	defer func() {
		if !done {
			os.Remove(tmpPath)
			os.Remove(tmpPath + "-wal")
			os.Remove(tmpPath + "-shm")
		}
	}()
	in, err := os.Open(src)
	if err != nil {
		tmp.Close()
		return BackupInfo{}, err
	}
	_, err = io.Copy(tmp, in)
	in.Close()
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return BackupInfo{}, fmt.Errorf("copy the backup into %s: %w", dataDir, err)
	}
	version, err := CheckBackup(ctx, tmpPath)
	if err != nil {
		var ce *BackupCheckError
		if errors.As(err, &ce) {
			ce.File = src
		}
		return BackupInfo{}, err
	}
	// A clean close checkpoints and removes the WAL; a leftover would be
	// stale next to the renamed file.
	os.Remove(tmpPath + "-wal")
	os.Remove(tmpPath + "-shm")

	info := BackupInfo{Path: dbPath, SchemaVersion: version}
	if _, err := os.Stat(dbPath); err == nil {
		aside := fmt.Sprintf("%s.before-restore-%s", dbPath, now.UTC().Format("20060102-150405"))
		for i := 2; fileExists(aside); i++ {
			aside = fmt.Sprintf("%s.before-restore-%s-%d", dbPath, now.UTC().Format("20060102-150405"), i)
		}
		if err := os.Rename(dbPath, aside); err != nil {
			return BackupInfo{}, fmt.Errorf("move the current database aside: %w", err)
		}
		// The -wal file may hold committed changes: keep it with the old
		// database so the moved copy stays complete. The -shm is only an index.
		if err := os.Rename(dbPath+"-wal", aside+"-wal"); err != nil && !errors.Is(err, fs.ErrNotExist) {
			os.Rename(aside, dbPath)
			return BackupInfo{}, fmt.Errorf("move the current database's WAL aside: %w", err)
		}
		os.Remove(dbPath + "-shm")
		info.Previous = aside
	} else if !errors.Is(err, fs.ErrNotExist) {
		return BackupInfo{}, err
	} else {
		os.Remove(dbPath + "-wal")
		os.Remove(dbPath + "-shm")
	}
	if err := os.Rename(tmpPath, dbPath); err != nil {
		if info.Previous != "" {
			os.Rename(info.Previous, dbPath)
			os.Rename(info.Previous+"-wal", dbPath+"-wal")
		}
		return BackupInfo{}, fmt.Errorf("put the backup in place: %w", err)
	}
	done = true
	if err := syncDir(dataDir); err != nil {
		return info, err
	}
	if st, err := os.Stat(dbPath); err == nil {
		info.Bytes = st.Size()
	}
	return info, nil
}

// IntegrityCheck runs PRAGMA integrity_check on SQLite (PostgreSQL has no
// equivalent; it returns nil there) and returns the problems it reports.
func (s *Store) IntegrityCheck(ctx context.Context) error {
	if s.d == postgres {
		return nil
	}
	rows, err := s.read.QueryContext(ctx, "PRAGMA integrity_check(20)")
	if err != nil {
		return err
	}
	defer rows.Close()
	var problems []string
	for rows.Next() {
		var msg string
		if err := rows.Scan(&msg); err != nil {
			return err
		}
		if msg != "ok" {
			problems = append(problems, msg)
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if len(problems) > 0 {
		return fmt.Errorf("integrity check: %s", strings.Join(problems, "; "))
	}
	return nil
}

func fileExists(path string) bool {
	_, err := os.Lstat(path)
	return err == nil
}

func sameFile(a, b string) (bool, error) {
	sa, err := os.Stat(a)
	if err != nil {
		return false, err
	}
	sb, err := os.Stat(b)
	if err != nil {
		return false, err
	}
	return os.SameFile(sa, sb), nil
}

func syncFile(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	err = f.Sync()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// syncDir makes a rename in dir durable. Some systems cannot sync a
// directory; that is not an error.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, syscall.EINVAL) && !errors.Is(err, errors.ErrUnsupported) {
		return fmt.Errorf("sync %s: %w", dir, err)
	}
	return nil
}
