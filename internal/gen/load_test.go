package gen

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"fmt"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"renkei/internal/crm"
	"renkei/internal/store"
	"renkei/internal/store/storetest"
)

// loadWorld makes the owner as app.Setup would and loads the world.
func loadWorld(t *testing.T, s *store.Store, w *World, o LoadOptions) Stats {
	t.Helper()
	ctx := context.Background()
	owner := w.Users[0]
	u := crm.User{Email: owner.Email, Name: owner.Name, Role: owner.Role, Status: crm.UserActive, Language: w.Lang()}
	if err := s.InTx(ctx, func(tx *store.Tx) error { return tx.CreateUser(ctx, &u, "hash", storyEnd) }); err != nil {
		t.Fatal(err)
	}
	o.OwnerID, o.PasswordHash = u.ID, "hash"
	st, err := Load(ctx, s, w, o)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// dump hashes the rows the generator writes, in a fixed order.
func dump(t *testing.T, db *sql.DB) string {
	t.Helper()
	h := sha256.New()
	for _, q := range []string{
		"SELECT id, email, name, role, status, language, password_hash, created_at FROM users ORDER BY id",
		"SELECT id, name FROM teams ORDER BY id",
		"SELECT team_id, user_id, is_manager FROM team_members ORDER BY team_id, user_id",
		"SELECT id, name FROM tags ORDER BY id",
		"SELECT object, key, label_ja, label_en, type, options, position, created_at FROM properties ORDER BY object, key",
		"SELECT * FROM companies ORDER BY id",
		"SELECT * FROM contacts ORDER BY id",
		"SELECT tag_id, contact_id FROM contact_tags ORDER BY contact_id, tag_id",
		"SELECT at, contact_id, company_id, kind, actor_id, data FROM timeline ORDER BY id",
		"SELECT contact_id, at, status, source, wording, page_url, ip, actor_id FROM consent_events ORDER BY id",
	} {
		rows, err := db.Query(q)
		if err != nil {
			t.Fatal(err)
		}
		cols, _ := rows.Columns()
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		for rows.Next() {
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			for _, v := range vals {
				if b, ok := v.([]byte); ok {
					v = string(b)
				}
				fmt.Fprintf(h, "%v|", v)
			}
			h.Write([]byte{'\n'})
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		rows.Close()
	}
	return fmt.Sprintf("%x", h.Sum(nil))
}

func TestLoadSameSeedSameDatabase(t *testing.T) {
	a, b := storetest.Open(t), storetest.Open(t)
	loadWorld(t, a, newWorld(t, 5, "N=400", crm.LangJA), LoadOptions{})
	// The second load is the fast one: the same rows however they are written.
	loadWorld(t, b, newWorld(t, 5, "N=400", crm.LangJA), LoadOptions{Bulk: store.BulkOptions{
		DropIndexes: true, Unsafe: true, CommitEvery: 1000, BatchRows: 333}})
	if da, db := dump(t, a.DB()), dump(t, b.DB()); da != db {
		t.Errorf("the same world loaded twice gives different databases: %s vs %s", da, db)
	}
}

// counter is an Extension that counts what it sees and writes one row per
// company to a table of its own, as later generators will.
type counter struct {
	companies, people int
	done              bool
	t                 *store.BulkTable
}

func (c *counter) Tables(ctx context.Context, b *store.Bulk) (err error) {
	c.t, err = b.Table(ctx, "audit_log", "at", "actor", "action", "target")
	return err
}

func (c *counter) Company(ctx context.Context, co *Company, people []Person) error {
	c.companies++
	c.people += len(people)
	return c.t.Add(ctx, ms(co.CreatedAt), "gen", "test.company", co.Name)
}

func (c *counter) Done(context.Context) error { c.done = true; return nil }

func TestLoadWritesTheWorld(t *testing.T) {
	s := storetest.Open(t)
	ctx := context.Background()
	w := newWorld(t, 1, "N=500", crm.LangJA)
	ext := &counter{}
	var phases []string
	st := loadWorld(t, s, w, LoadOptions{Extensions: []Extension{ext}, Progress: func(p Progress) {
		if len(phases) == 0 || phases[len(phases)-1] != p.Phase {
			phases = append(phases, p.Phase)
		}
	}})
	if ext.companies != w.Companies() || ext.people != 500 || !ext.done {
		t.Errorf("extension saw %d companies, %d people, done %v", ext.companies, ext.people, ext.done)
	}
	if !reflect.DeepEqual(phases, []string{"companies", "done"}) {
		t.Errorf("progress phases %v", phases)
	}
	counts, err := s.CountRows(ctx, "users", "teams", "team_members", "tags", "properties", "companies", "contacts",
		"contact_tags", "timeline", "consent_events")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]int64{"users": int64(len(w.Users)), "teams": 4, "team_members": 12, "tags": 10, "properties": 5,
		"companies": int64(w.Companies()), "contacts": 500}
	for table, n := range want {
		if counts[table] != n {
			t.Errorf("%s: %d rows, want %d", table, counts[table], n)
		}
	}
	var total int64
	for table, n := range counts {
		if table != "users" && st.Rows[table] != n {
			t.Errorf("%s: %d rows, stats say %d", table, n, st.Rows[table])
		}
		total += n
	}
	if st.Total != total-1+int64(w.Companies()) { // the owner is not the loader's; the audit rows are
		t.Errorf("stats total %d, tables hold %d", st.Total, total)
	}

	// Every reference points at a row.
	for _, q := range []string{
		"SELECT COUNT(*) FROM contacts c LEFT JOIN companies co ON co.id = c.company_id WHERE co.id IS NULL",
		"SELECT COUNT(*) FROM contacts c WHERE owner_id IS NOT NULL AND owner_id NOT IN (SELECT id FROM users)",
		"SELECT COUNT(*) FROM contacts c WHERE team_id IS NOT NULL AND team_id NOT IN (SELECT id FROM teams)",
		"SELECT COUNT(*) FROM companies WHERE owner_id IS NULL OR owner_id NOT IN (SELECT id FROM users)",
		"SELECT COUNT(*) FROM timeline WHERE (contact_id IS NULL) = (company_id IS NULL)",
		"SELECT COUNT(*) FROM timeline WHERE contact_id IS NOT NULL AND contact_id NOT IN (SELECT id FROM contacts)",
		"SELECT COUNT(*) FROM timeline WHERE actor_id IS NOT NULL AND actor_id NOT IN (SELECT id FROM users)",
		"SELECT COUNT(*) FROM contact_tags WHERE tag_id NOT IN (SELECT id FROM tags) OR contact_id NOT IN (SELECT id FROM contacts)",
		"SELECT COUNT(*) FROM consent_events WHERE contact_id NOT IN (SELECT id FROM contacts)",
		"SELECT COUNT(*) FROM team_members WHERE user_id NOT IN (SELECT id FROM users)",
	} {
		var n int
		if err := s.DB().QueryRow(q).Scan(&n); err != nil || n != 0 {
			t.Errorf("%s: %d (%v), want 0", q, n, err)
		}
	}

	// The store reads what the generator wrote, as the app will.
	var buf []Person
	co, people := w.Company(3, buf)
	p := people[0]
	got, err := s.Contact(ctx, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	wantTags := append([]string(nil), p.Tags...)
	sort.Strings(wantTags)
	if got.Email != p.Email || got.PersonName != p.PersonName || got.CompanyName != co.Name || got.Lifecycle != p.Lifecycle ||
		got.OwnerID != p.OwnerID || !got.CreatedAt.Equal(p.CreatedAt) || len(got.Tags) != len(wantTags) ||
		(len(wantTags) > 0 && !reflect.DeepEqual(got.Tags, wantTags)) {
		t.Errorf("store.Contact = %+v\nwant %+v", got, p.Contact)
	}
	tl, err := s.Timeline(ctx, store.TimelineFilter{ContactID: p.ID})
	if err != nil || len(tl) != len(p.Timeline) {
		t.Fatalf("timeline of %d: %d entries (%v), want %d", p.ID, len(tl), err, len(p.Timeline))
	}
	if last := tl[0]; last.Kind != p.Timeline[len(p.Timeline)-1].Kind || !last.At.Equal(p.Timeline[len(p.Timeline)-1].At) {
		t.Errorf("newest entry %+v, want %+v", last, p.Timeline[len(p.Timeline)-1])
	}
	props, err := s.Properties(ctx, "contact")
	if err != nil || len(props) != 3 || props[1].Key != "product_interest" || len(props[1].Options) != 6 {
		t.Errorf("contact properties %+v (%v)", props, err)
	}
	for i := range people {
		if people[i].PropsJSON != "{}" {
			c, err := s.Contact(ctx, people[i].ID)
			if err != nil || len(c.Props) == 0 {
				t.Errorf("contact %d: props %v (%v), generated %s", people[i].ID, c.Props, err, people[i].PropsJSON)
			}
			break
		}
	}
}

func TestLoadRebuildsDroppedIndexes(t *testing.T) {
	s := storetest.Open(t)
	before := indexes(t, s)
	if !strings.Contains(strings.Join(before, "\n"), "contacts_reading_key") {
		t.Fatalf("no contacts_reading_key among %v", before)
	}
	loadWorld(t, s, newWorld(t, 1, "N=300", crm.LangEN), LoadOptions{Bulk: store.BulkOptions{DropIndexes: true, Unsafe: true, CommitEvery: 500}})
	if after := indexes(t, s); !reflect.DeepEqual(after, before) {
		t.Errorf("indexes after the load:\n%v\nbefore:\n%v", after, before)
	}
	if n, err := s.RestoreBulkIndexes(context.Background()); n != 0 || err != nil {
		t.Errorf("RestoreBulkIndexes after a finished load = %d, %v", n, err)
	}
}

// indexes lists the database's index names.
func indexes(t *testing.T, s *store.Store) []string {
	t.Helper()
	q := "SELECT name FROM sqlite_schema WHERE type = 'index' ORDER BY name"
	if s.IsPostgres() {
		q = "SELECT indexname FROM pg_indexes WHERE schemaname = current_schema() ORDER BY indexname"
	}
	rows, err := s.DB().Query(q)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var n string
		rows.Scan(&n)
		out = append(out, n)
	}
	return out
}

func TestLoadStopsWhenCancelled(t *testing.T) {
	s := storetest.Open(t)
	w := newWorld(t, 1, "N=3000", crm.LangJA)
	owner := crm.User{Email: w.Users[0].Email, Name: "o", Role: crm.RoleAdmin, Status: crm.UserActive, Language: crm.LangJA}
	ctx, cancel := context.WithCancel(context.Background())
	if err := s.InTx(ctx, func(tx *store.Tx) error { return tx.CreateUser(ctx, &owner, "", time.Now()) }); err != nil {
		t.Fatal(err)
	}
	_, err := Load(ctx, s, w, LoadOptions{OwnerID: owner.ID, Bulk: store.BulkOptions{BatchRows: 100}, Progress: func(p Progress) {
		if p.Done > 1000 {
			cancel()
		}
	}})
	if err == nil {
		t.Fatal("a cancelled load succeeded")
	}
	// One transaction: nothing of it stays.
	counts, err := s.CountRows(context.Background(), "users", "companies", "contacts", "timeline")
	if err != nil {
		t.Fatal(err)
	}
	if counts["users"] != 1 || counts["companies"]+counts["contacts"]+counts["timeline"] != 0 {
		t.Errorf("after a cancelled load: %v", counts)
	}
}
