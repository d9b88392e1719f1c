package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"renkei/internal/config"
	"renkei/internal/store"
)

// backup writes a consistent copy of the SQLite database while the server
// may keep running: `renkei backup FILE [--force]`.
func backup(ctx context.Context, args []string, env Env) error {
	var force bool
	c, file, err := parseFileCommand("backup", args, env, func(fs *flag.FlagSet) {
		fs.BoolVar(&force, "force", false, "replace FILE if it exists")
	})
	if err != nil {
		return err
	}
	if c.DatabaseURL != "" {
		return pgBackupHelp("backup", file)
	}
	dbPath := filepath.Join(c.DataDir, store.SQLiteFile)
	if _, err := os.Stat(dbPath); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("no database at %s: is --data (RENKEI_DATA_DIR) right?", dbPath)
		}
		return err
	}
	// Open without migrating: the server owns the schema.
	s, err := store.Open(ctx, store.Options{DataDir: c.DataDir, Synchronous: c.Synchronous})
	if err != nil {
		return err
	}
	defer s.Close()
	info, err := s.Backup(ctx, file, force)
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	fmt.Fprintf(env.Stdout, "backup written to %s (%s, schema version %d)\n", info.Path, humanBytes(info.Bytes), info.SchemaVersion)
	return nil
}

// restore puts a backup in place of the SQLite database after checking it:
// `renkei restore FILE`. The server must be stopped.
func restore(ctx context.Context, args []string, env Env) error {
	c, file, err := parseFileCommand("restore", args, env, nil)
	if err != nil {
		return err
	}
	if c.DatabaseURL != "" {
		return pgBackupHelp("restore", file)
	}
	release, err := store.LockDataDir(c.DataDir)
	if err != nil {
		if errors.Is(err, store.ErrDataDirInUse) {
			return fmt.Errorf("restore: a renkei server is running on %s: stop it first (nothing was changed)", c.DataDir)
		}
		return fmt.Errorf("restore: %w", err)
	}
	defer release()
	info, err := store.RestoreSQLite(ctx, c.DataDir, file, time.Now())
	if err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	fmt.Fprintf(env.Stdout, "integrity check passed; restored %s to %s (schema version %d)\n", file, info.Path, info.SchemaVersion)
	if info.Previous != "" {
		fmt.Fprintf(env.Stdout, "the previous database was moved to %s\n", info.Previous)
	}
	fmt.Fprintln(env.Stdout, "start the server with renkei serve; it applies any newer migrations")
	return nil
}

// parseFileCommand parses `name FILE [flags]`, with flags before or after FILE.
func parseFileCommand(name string, args []string, env Env, extra func(*flag.FlagSet)) (config.Config, string, error) {
	use := usageError("renkei " + name + " FILE [--data DIR | --database-url URL]")
	if name == "backup" {
		use = usageError("renkei backup FILE [--force] [--data DIR | --database-url URL]")
	}
	c, fs, err := config.ParseWith(name, args, env.Getenv, extra)
	if err != nil {
		return c, "", err
	}
	if fs.NArg() == 0 {
		return c, "", use
	}
	if fs.NArg() > 1 {
		// Flags after FILE: parse again without FILE.
		at := len(args) - fs.NArg()
		rest := append(append([]string{}, args[:at]...), args[at+1:]...)
		file := fs.Arg(0)
		c, fs, err = config.ParseWith(name, rest, env.Getenv, extra)
		if err != nil {
			return c, "", err
		}
		if fs.NArg() > 0 {
			return c, "", use
		}
		return c, file, nil
	}
	return c, fs.Arg(0), nil
}

// pgBackupHelp is the answer of backup and restore on PostgreSQL.
func pgBackupHelp(cmd, file string) error {
	q := shellQuote(file)
	var b strings.Builder
	fmt.Fprintf(&b, "%s: this renkei uses PostgreSQL, which is backed up and restored with its own tools.\n", cmd)
	b.WriteString("  back up (while renkei runs):\n")
	fmt.Fprintf(&b, "    pg_dump --format=custom --file=%s \"$RENKEI_DATABASE_URL\"\n", q)
	b.WriteString("  restore (renkei processes stopped; into the same, emptied or a new database):\n")
	fmt.Fprintf(&b, "    pg_restore --clean --if-exists --no-owner --exit-on-error --dbname=\"$RENKEI_DATABASE_URL\" %s\n", q)
	b.WriteString("  where RENKEI_DATABASE_URL is the postgres:// URL renkei runs with; see docs/backup.md")
	return errors.New(b.String())
}

func shellQuote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./:@=+", r))
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

func humanBytes(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d bytes", n)
}
