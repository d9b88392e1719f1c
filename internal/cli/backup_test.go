package cli_test

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"renkei/internal/app"
	"renkei/internal/store"
	"renkei/internal/store/storetest"
)

// Backup and restore are SQLite features: these tests use their own SQLite
// data directories and so run in both passes of the suite. On PostgreSQL
// the commands point to pg_dump (TestBackupOnPostgresPointsToPgDump).

// newSQLite opens a migrated SQLite database in a new data directory with
// an admin, and returns the app on it.
func newSQLite(t *testing.T) (dir string, s *store.Store, a *app.App, ac app.Actor) {
	t.Helper()
	dir = filepath.Join(t.TempDir(), "data")
	s = openStore(t, store.Options{DataDir: dir})
	a = app.New(app.Config{Store: s})
	u, err := a.CreateUserCLI(context.Background(), "owner@example.jp", "山田 太郎", "admin", "correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	return dir, s, a, app.Actor{User: u}
}

func teamNames(t *testing.T, s *store.Store) []string {
	t.Helper()
	teams, err := s.ListTeams(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, tm := range teams {
		names = append(names, tm.Name)
	}
	return names
}

func TestBackupWhileWritingThenRestore(t *testing.T) {
	ctx := context.Background()
	dir, s, a, ac := newSQLite(t)

	// A writer creates teams "team 00001", "team 00002", … until stopped.
	var committed atomic.Int64
	stop := make(chan struct{})
	writerDone := make(chan error, 1)
	go func() {
		for i := int64(1); ; i++ {
			select {
			case <-stop:
				writerDone <- nil
				return
			default:
			}
			if _, err := a.CreateTeam(ctx, ac, fmt.Sprintf("team %05d", i)); err != nil {
				writerDone <- err
				return
			}
			committed.Store(i)
		}
	}()
	waitUntil(t, 10*time.Second, "the first writes", func() bool { return committed.Load() >= 20 })

	file := filepath.Join(t.TempDir(), "renkei-backup.db")
	before := committed.Load()
	r := runCLI(t, "", "backup", file, "--data", dir)
	after := committed.Load()
	if r.code != 0 {
		t.Fatalf("backup: exit %d: %s", r.code, r.stderr)
	}
	if !strings.Contains(r.stdout, "backup written to "+file) {
		t.Errorf("backup said %q", r.stdout)
	}
	// The writer goes on after the backup: it was never blocked.
	waitUntil(t, 10*time.Second, "writes after the backup", func() bool { return committed.Load() >= after+10 })
	close(stop)
	if err := <-writerDone; err != nil {
		t.Fatalf("writer: %v", err)
	}
	total := committed.Load()

	// A second backup to the same name is refused without --force.
	r = runCLI(t, "", "backup", "--data", dir, file)
	if r.code == 0 || !strings.Contains(r.stderr, "exists already") || !strings.Contains(r.stderr, "--force") {
		t.Errorf("backup over an existing file: exit %d, stderr %q; want a refusal naming --force", r.code, r.stderr)
	}
	forced := filepath.Join(t.TempDir(), "forced.db")
	os.WriteFile(forced, []byte("old"), 0o600)
	if r = runCLI(t, "", "backup", forced, "--force", "--data", dir); r.code != 0 {
		t.Errorf("backup --force: exit %d: %s", r.code, r.stderr)
	}

	// Restore into a new, stopped data directory.
	restored := filepath.Join(t.TempDir(), "restored")
	r = runCLI(t, "", "restore", file, "--data", restored)
	if r.code != 0 {
		t.Fatalf("restore: exit %d: %s", r.code, r.stderr)
	}
	if !strings.Contains(r.stdout, "integrity check passed") {
		t.Errorf("restore said %q", r.stdout)
	}
	rs := openStore(t, store.Options{DataDir: restored})
	if err := rs.IntegrityCheck(ctx); err != nil {
		t.Fatalf("restored database: %v", err)
	}
	names := teamNames(t, rs)
	n := int64(len(names))
	t.Logf("teams: %d committed when the backup started, %d in the backup, %d when it ended, %d in all", before, n, after, total)
	// The backup is one snapshot: every team committed before it started,
	// none after it ended, and no gaps.
	if n < before || n > after {
		t.Errorf("restored %d teams; want between %d (committed before the backup) and %d (after it)", n, before, after)
	}
	for i, name := range names {
		if want := fmt.Sprintf("team %05d", i+1); name != want {
			t.Fatalf("restored team %d is %q, want %q (the copy is not one snapshot)", i, name, want)
		}
	}
	if n >= total {
		t.Errorf("restored %d teams but %d were written in all: the writer did not continue past the backup", n, total)
	}
	if _, err := app.New(app.Config{Store: rs}).Login(ctx, "owner@example.jp", "correct horse battery", "", ""); err != nil {
		t.Errorf("owner cannot sign in to the restored database: %v", err)
	}

	// Restore over the original data directory once it is stopped: the
	// current database is moved aside, complete.
	s.Close()
	r = runCLI(t, "", "restore", file, "--data", dir)
	if r.code != 0 {
		t.Fatalf("restore over the old database: exit %d: %s", r.code, r.stderr)
	}
	aside, _ := filepath.Glob(filepath.Join(dir, "renkei.db.before-restore-*"))
	if len(aside) != 1 || strings.HasSuffix(aside[0], "-wal") {
		t.Fatalf("moved-aside database: %v", aside)
	}
	if !strings.Contains(r.stdout, aside[0]) {
		t.Errorf("restore did not say where the old database went: %q", r.stdout)
	}
	if _, err := os.Stat(filepath.Join(dir, "renkei.db-wal")); err == nil {
		t.Error("a stale renkei.db-wal is left next to the restored database")
	}
	if got := int64(len(teamNames(t, openStore(t, store.Options{DataDir: dir})))); got != n {
		t.Errorf("restored data directory has %d teams, want %d", got, n)
	}
	old, err := store.OpenSQLiteFile(ctx, aside[0], "")
	if err != nil {
		t.Fatal(err)
	}
	defer old.Close()
	if got := int64(len(teamNames(t, old))); got != total {
		t.Errorf("the moved-aside database has %d teams, want all %d", got, total)
	}
}

func TestRestoreRefusesBadFiles(t *testing.T) {
	ctx := context.Background()
	dir, s, a, ac := newSQLite(t)
	if _, err := a.CreateTeam(ctx, ac, "Tokyo"); err != nil {
		t.Fatal(err)
	}
	tmp := t.TempDir()
	good := filepath.Join(tmp, "good.db")
	if _, err := s.Backup(ctx, good, false); err != nil {
		t.Fatal(err)
	}
	s.Close()
	goodBytes, err := os.ReadFile(good)
	if err != nil {
		t.Fatal(err)
	}

	write := func(name string, b []byte) string {
		p := filepath.Join(tmp, name)
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	// Damage: overwrite the header of every b-tree page after the first.
	damaged := bytes.Clone(goodBytes)
	for off := 4096; off+64 <= len(damaged); off += 4096 {
		copy(damaged[off:off+64], bytes.Repeat([]byte{0xA5}, 64))
	}
	// An SQLite database that is not Renkei's.
	foreign := filepath.Join(tmp, "foreign.db")
	func() {
		db, err := sql.Open("sqlite", foreign)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		if _, err := db.Exec("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT); INSERT INTO notes (body) VALUES ('hello')"); err != nil {
			t.Fatal(err)
		}
	}()
	// A Renkei database from a newer version.
	newer := write("newer.db", goodBytes)
	func() {
		ns, err := store.OpenSQLiteFile(ctx, newer, "")
		if err != nil {
			t.Fatal(err)
		}
		defer ns.Close()
		if _, err := ns.DB().Exec("INSERT INTO schema_migrations (version, applied_at) VALUES (999, 0)"); err != nil {
			t.Fatal(err)
		}
	}()

	tests := []struct {
		name, file, want string
	}{
		{"text file", write("notes.txt", []byte("これはバックアップではありません\n")), "not an SQLite database"},
		{"empty file", write("empty.db", nil), "not an SQLite database"},
		{"truncated backup", write("truncated.db", goodBytes[:len(goodBytes)/3]), "integrity check"},
		{"damaged backup", write("damaged.db", damaged), "integrity check"},
		{"other application's database", foreign, "not a Renkei database"},
		{"newer renkei", newer, "newer renkei"},
		{"missing file", filepath.Join(tmp, "nope.db"), "no such file"},
	}
	dbFile := filepath.Join(dir, store.SQLiteFile)
	want, err := os.ReadFile(dbFile)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runCLI(t, "", "restore", tt.file, "--data", dir)
			if r.code == 0 {
				t.Fatalf("restore of %s succeeded: %s", tt.name, r.stdout)
			}
			if !strings.Contains(r.stderr, tt.want) {
				t.Errorf("stderr %q does not say %q", r.stderr, tt.want)
			}
			got, err := os.ReadFile(dbFile)
			if err != nil || !bytes.Equal(got, want) {
				t.Errorf("the database changed after a refused restore (err %v)", err)
			}
			entries, _ := os.ReadDir(dir)
			for _, e := range entries {
				if n := e.Name(); n != store.SQLiteFile && n != store.LockFile && !strings.HasPrefix(n, store.SQLiteFile+"-") {
					t.Errorf("a refused restore left %s in the data directory", n)
				}
			}
		})
	}
}

func TestRestoreRefusesWhileServing(t *testing.T) {
	dir, s, _, _ := newSQLite(t)
	file := filepath.Join(t.TempDir(), "b.db")
	if _, err := s.Backup(context.Background(), file, false); err != nil {
		t.Fatal(err)
	}
	s.Close()
	p := startServe(t, "--data", dir)
	r := runCLI(t, "", "restore", file, "--data", dir)
	if r.code == 0 || !strings.Contains(r.stderr, "server is running") || !strings.Contains(r.stderr, "stop it first") {
		t.Errorf("restore while serving: exit %d, stderr %q; want a refusal", r.code, r.stderr)
	}
	// A backup works while it serves.
	if r := runCLI(t, "", "backup", filepath.Join(t.TempDir(), "live.db"), "--data", dir); r.code != 0 {
		t.Errorf("backup while serving: exit %d: %s", r.code, r.stderr)
	}
	if code := p.stop(15 * time.Second); code != 0 {
		t.Fatalf("serve exited with %d", code)
	}
	if r := runCLI(t, "", "restore", file, "--data", dir); r.code != 0 {
		t.Errorf("restore after the server stopped: exit %d: %s", r.code, r.stderr)
	}
}

func TestBackupCommandErrors(t *testing.T) {
	tests := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"no file", []string{"backup"}, 2, "usage: renkei backup FILE"},
		{"two files", []string{"backup", "a.db", "b.db"}, 2, "usage: renkei backup FILE"},
		{"no database", []string{"backup", "x.db", "--data", filepath.Join(t.TempDir(), "none")}, 1, "no database at"},
		{"restore without file", []string{"restore"}, 2, "usage: renkei restore FILE"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runCLI(t, "", tt.args...)
			if r.code != tt.code || !strings.Contains(r.stderr, tt.want) {
				t.Errorf("exit %d, stderr %q; want %d and %q", r.code, r.stderr, tt.code, tt.want)
			}
		})
	}
}

func TestBackupOnPostgresPointsToPgDump(t *testing.T) {
	if !storetest.IsPostgres() {
		t.Skip("PostgreSQL only: set " + storetest.EnvURL)
	}
	args, _ := dbArgs(t)
	tests := []struct {
		cmd  string
		want []string
	}{
		{"backup", []string{"pg_dump --format=custom --file='/srv/backups/renkei 1.dump'", "pg_restore"}},
		{"restore", []string{"pg_restore --clean --if-exists", "'/srv/backups/renkei 1.dump'"}},
	}
	for _, tt := range tests {
		r := runCLI(t, "", append([]string{tt.cmd, "/srv/backups/renkei 1.dump"}, args...)...)
		if r.code == 0 {
			t.Errorf("%s on PostgreSQL exited 0", tt.cmd)
		}
		for _, w := range tt.want {
			if !strings.Contains(r.stderr, w) {
				t.Errorf("%s on PostgreSQL: stderr %q lacks %q", tt.cmd, r.stderr, w)
			}
		}
	}
}
