// Package storetest opens a fresh, migrated database for a test: SQLite in a
// temporary directory by default, or PostgreSQL when
// RENKEI_TEST_DATABASE_URL is set (each test then gets its own schema, which
// is dropped afterwards). The whole suite runs once per database.
package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	"renkei/internal/store"
)

// EnvURL names the variable that selects PostgreSQL for tests.
const EnvURL = "RENKEI_TEST_DATABASE_URL"

// Open returns a migrated store and closes it when the test ends.
func Open(t testing.TB) *store.Store {
	t.Helper()
	o := Options(t)
	s, err := store.Open(context.Background(), o)
	if err != nil {
		t.Fatalf("open test database: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	if _, err := s.Migrate(context.Background()); err != nil {
		t.Fatalf("migrate test database: %v", err)
	}
	return s
}

// Options returns store options for a new, empty database that is removed
// when the test ends. Several stores opened with the same options share one
// database (as several processes would).
func Options(t testing.TB) store.Options {
	t.Helper()
	base := os.Getenv(EnvURL)
	if base == "" {
		return store.Options{DataDir: filepath.Join(t.TempDir(), "data")}
	}
	schema := "t_" + randomHex(8)
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatalf("open %s: %v", EnvURL, err)
	}
	if _, err := admin.Exec("CREATE SCHEMA " + schema); err != nil {
		admin.Close()
		t.Fatalf("create test schema (is PostgreSQL running at %s?): %v", base, err)
	}
	t.Cleanup(func() {
		admin.Exec("DROP SCHEMA " + schema + " CASCADE")
		admin.Close()
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("parse %s: %v", EnvURL, err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return store.Options{DatabaseURL: u.String()}
}

// IsPostgres reports whether tests run on PostgreSQL.
func IsPostgres() bool { return os.Getenv(EnvURL) != "" }

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}
