package store_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"testing"
	"time"

	"renkei/internal/crm"
	"renkei/internal/store"
	"renkei/internal/store/storetest"
)

// bulkCompanies loads n companies with one contact and two timeline entries
// each, with buffers small enough that tables are flushed many times.
func bulkCompanies(ctx context.Context, t *testing.T, s *store.Store, o store.BulkOptions, n int) (*store.Bulk, error) {
	t.Helper()
	b, err := s.BeginBulk(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	cos, err := b.Table(ctx, "companies", "id", "name", "name_key", "created_at", "updated_at")
	if err != nil {
		t.Fatal(err)
	}
	cts, err := b.Table(ctx, "contacts", "id", "email", "family_name", "company_id", "created_at", "updated_at")
	if err != nil {
		t.Fatal(err)
	}
	tl, err := b.Table(ctx, "timeline", "at", "contact_id", "company_id", "kind", "data")
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= n; i++ {
		id := int64(i)
		name := fmt.Sprintf("株式会社テスト%d", i)
		if err := cos.Add(ctx, id, name, fmt.Sprintf("テスト%d", i), id, id); err != nil {
			return b, err
		}
		if err := cts.Add(ctx, id, fmt.Sprintf("p%d@example.jp", i), "山田", id, id, id); err != nil {
			return b, err
		}
		if err := tl.Add(ctx, id, id, nil, "created", `{"source":"manual"}`); err != nil {
			return b, err
		}
		if err := tl.Add(ctx, id+1, nil, id, "created", "{}"); err != nil {
			return b, err
		}
	}
	return b, nil
}

func TestBulkLoadsParentsBeforeChildren(t *testing.T) {
	options := []store.BulkOptions{
		{BatchRows: 7},                    // one transaction, foreign keys checked
		{BatchRows: 50, CommitEvery: 101}, // several transactions
		{BatchRows: 500, DropIndexes: true, Unsafe: true, CommitEvery: 1000, KeepIndexes: []string{"timeline_contact"}},
	}
	if storetest.IsPostgres() {
		options = append(options, store.BulkOptions{BatchRows: 7, InsertOnly: true})
	}
	for _, o := range options {
		t.Run(fmt.Sprintf("%+v", o), func(t *testing.T) {
			s := storetest.Open(t)
			ctx := context.Background()
			b, err := bulkCompanies(ctx, t, s, o, 600)
			if err != nil {
				t.Fatal(err)
			}
			if err := b.Commit(ctx, nil); err != nil {
				t.Fatal(err)
			}
			if b.Rows() != 2400 {
				t.Errorf("Rows() = %d, want 2400", b.Rows())
			}
			counts, err := s.CountRows(ctx, "companies", "contacts", "timeline")
			if err != nil {
				t.Fatal(err)
			}
			if want := map[string]int64{"companies": 600, "contacts": 600, "timeline": 1200}; !reflect.DeepEqual(counts, want) {
				t.Errorf("counts %v, want %v", counts, want)
			}
			c, err := s.Contact(ctx, 599)
			if err != nil || c.Email != "p599@example.jp" || c.CompanyName != "株式会社テスト599" || !c.CreatedAt.Equal(time.UnixMilli(599).UTC()) {
				t.Errorf("contact 599 = %+v (%v)", c, err)
			}
			// Ids continue after the loaded ones (PostgreSQL's sequences were moved).
			co := crm.Company{Name: "後から株式会社"}
			co.Normalize()
			if err := s.InTx(ctx, func(tx *store.Tx) error { return tx.CreateCompany(ctx, &co, time.Now()) }); err != nil || co.ID != 601 {
				t.Errorf("a company created after the load got id %d (%v), want 601", co.ID, err)
			}
		})
	}
}

func TestBulkRollbackLeavesNothingAndRestoresSettings(t *testing.T) {
	s := storetest.Open(t)
	ctx := context.Background()
	// One connection, so that the settings read below are those of the
	// connection the load used.
	s.DB().SetMaxOpenConns(1)
	before := pragmas(t, s)
	b, err := bulkCompanies(ctx, t, s, store.BulkOptions{BatchRows: 100, DropIndexes: true, Unsafe: true}, 300)
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Rollback(); err != nil {
		t.Fatal(err)
	}
	counts, err := s.CountRows(ctx, "companies", "contacts", "timeline")
	if err != nil {
		t.Fatal(err)
	}
	if counts["companies"]+counts["contacts"]+counts["timeline"] != 0 {
		t.Errorf("after rollback: %v", counts)
	}
	if after := pragmas(t, s); !reflect.DeepEqual(after, before) {
		t.Errorf("connection settings after the load %v, before %v", after, before)
	}
	if n := indexCount(t, s); n == 0 {
		t.Error("no indexes after rollback")
	}
	if err := b.Commit(ctx, nil); err == nil {
		t.Error("Commit after Rollback succeeded")
	}
}

func TestBulkFailingRowFailsTheLoad(t *testing.T) {
	s := storetest.Open(t)
	ctx := context.Background()
	b, err := s.BeginBulk(ctx, store.BulkOptions{})
	if err != nil {
		t.Fatal(err)
	}
	cts, err := b.Table(ctx, "contacts", "id", "email", "created_at", "updated_at")
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= 250; i++ {
		email := fmt.Sprintf("p%d@example.jp", i)
		if i == 200 {
			email = "p3@example.jp" // taken
		}
		if err := cts.Add(ctx, int64(i), email, int64(i), int64(i)); err != nil {
			t.Fatal(err)
		}
	}
	if err := cts.Add(ctx, 1, 2); err == nil {
		t.Error("a row with too few values was accepted")
	}
	err = b.Commit(ctx, nil)
	if !errors.Is(err, crm.ErrConflict) {
		t.Errorf("a duplicate e-mail: %v, want ErrConflict", err)
	}
	if counts, _ := s.CountRows(ctx, "contacts"); counts["contacts"] != 0 {
		t.Errorf("%d contacts after a failed load", counts["contacts"])
	}
	if _, err := s.BeginBulk(ctx, store.BulkOptions{}); err != nil {
		t.Errorf("a new load after a failed one: %v", err)
	}
}

func TestBulkRejectsBadNames(t *testing.T) {
	s := storetest.Open(t)
	ctx := context.Background()
	b, err := s.BeginBulk(ctx, store.BulkOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Rollback()
	for _, tc := range []struct {
		table string
		cols  []string
	}{{"contacts; DROP TABLE users", []string{"id"}}, {"contacts", []string{"id, email"}}, {"contacts", nil}} {
		if _, err := b.Table(ctx, tc.table, tc.cols...); err == nil {
			t.Errorf("Table(%q, %q) accepted", tc.table, tc.cols)
		}
	}
	if _, err := s.CountRows(ctx, "users where 1=1"); err == nil {
		t.Error("CountRows accepted a bad table name")
	}
}

func TestRestoreBulkIndexesAfterAnInterruptedLoad(t *testing.T) {
	ctx := context.Background()
	o := storetest.Options(t)
	s, other := openTwo(t, o)
	want := indexCount(t, s)
	// A load that committed part of its rows, its indexes dropped, and then
	// died: its committed transactions hold the drop and the note of what
	// to build again.
	b, err := bulkCompanies(ctx, t, s, store.BulkOptions{BatchRows: 100, CommitEvery: 100, DropIndexes: true}, 300)
	if err != nil {
		t.Fatal(err)
	}
	// Another process sees what the committed part of the load did: the
	// indexes gone and a note of what to build again.
	if n := indexCount(t, other); n >= want {
		t.Fatalf("%d indexes during the load, %d before", n, want)
	}
	var note string
	if err := other.DB().QueryRow("SELECT value FROM settings WHERE key = 'bulk_indexes'").Scan(&note); err != nil || note == "" {
		t.Fatalf("no note of dropped indexes (%v)", err)
	}
	if err := b.Rollback(); err != nil {
		t.Fatal(err)
	}
	if n := indexCount(t, s); n != want {
		t.Errorf("after Rollback: %d indexes, want %d", n, want)
	}

	// Now the crash itself: the indexes are gone and the note says so.
	if _, err := s.DB().Exec("DROP INDEX contacts_reading_key"); err != nil {
		t.Fatal(err)
	}
	ddl := `["CREATE INDEX contacts_reading_key ON contacts (reading_key)"]`
	if _, err := s.DB().Exec("INSERT INTO settings (key, value, version, updated_at) VALUES ('bulk_indexes', $1, 1, 0)", ddl); err != nil {
		t.Fatal(err)
	}
	n, err := s.RestoreBulkIndexes(ctx)
	if err != nil || n != 1 {
		t.Fatalf("RestoreBulkIndexes = %d, %v; want 1", n, err)
	}
	if got := indexCount(t, s); got != want {
		t.Errorf("%d indexes after the restore, want %d", got, want)
	}
	if n, err := s.RestoreBulkIndexes(ctx); n != 0 || err != nil {
		t.Errorf("second RestoreBulkIndexes = %d, %v; want 0", n, err)
	}
}

// openTwo opens two stores on one database, as two processes would.
func openTwo(t *testing.T, o store.Options) (*store.Store, *store.Store) {
	t.Helper()
	var out [2]*store.Store
	for i := range out {
		s, err := store.Open(context.Background(), o)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		if _, err := s.Migrate(context.Background()); err != nil {
			t.Fatal(err)
		}
		out[i] = s
	}
	return out[0], out[1]
}

func indexCount(t *testing.T, s *store.Store) int {
	t.Helper()
	q := "SELECT COUNT(*) FROM sqlite_schema WHERE type = 'index'"
	if s.IsPostgres() {
		q = "SELECT COUNT(*) FROM pg_indexes WHERE schemaname = current_schema()"
	}
	var n int
	if err := s.DB().QueryRow(q).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// pragmas reads the write connection's settings that Unsafe changes.
func pragmas(t *testing.T, s *store.Store) []string {
	t.Helper()
	qs := []string{"PRAGMA synchronous", "PRAGMA foreign_keys", "PRAGMA cache_size", "PRAGMA temp_store"}
	if s.IsPostgres() {
		qs = []string{"SHOW synchronous_commit", "SHOW session_replication_role"}
	}
	var out []string
	for _, q := range qs {
		var v string
		if err := s.DB().QueryRow(q).Scan(&v); err != nil {
			t.Fatal(err)
		}
		out = append(out, q+"="+v)
	}
	return out
}
