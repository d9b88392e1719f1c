package app

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"renkei/internal/crm"
	"renkei/internal/store"
	"renkei/internal/store/storetest"
)

var ctx = context.Background()

// The password every test user has. Its argon2id hash is computed once:
// hashing costs ~50 ms, so tests insert users with this hash instead of
// hashing per user.
const testPassword = "correct horse battery"

var testHash = sync.OnceValue(func() string { return hashPassword(testPassword) })

// testClock is the injected clock: it stands still until a test moves it.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *testClock {
	return &testClock{t: time.Date(2026, 4, 1, 0, 30, 0, 0, time.UTC)}
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// fixture is a set-up workspace with its owner signed in.
type fixture struct {
	app        *App
	clock      *testClock
	owner      Actor
	ownerToken string
}

const testBaseURL = "https://crm.example.jp"

// newFixture runs Setup on a fresh database.
func newFixture(t *testing.T, lang crm.Language) *fixture {
	t.Helper()
	c := newClock()
	a := New(Config{Store: storetest.Open(t), Clock: c.Now, BaseURL: testBaseURL + "/", ServerTZ: "Europe/Berlin"})
	ws := "Acme"
	if lang == crm.LangJA {
		ws = "株式会社サンプル"
	}
	tok, u, err := a.Setup(ctx, SetupInput{WorkspaceName: ws, Language: string(lang), Name: "Owner", Email: "owner@example.jp", Password: testPassword}, "192.0.2.1", "test")
	if err != nil {
		t.Fatalf("Setup: %v", err)
	}
	ac, err := a.Authenticate(ctx, tok, "192.0.2.1")
	if err != nil {
		t.Fatalf("Authenticate owner: %v", err)
	}
	if ac.User.ID != u.ID {
		t.Fatalf("owner session is user %d, want %d", ac.User.ID, u.ID)
	}
	return &fixture{app: a, clock: c, owner: ac, ownerToken: tok}
}

// addUser inserts an active user with testPassword and returns it as an
// actor (without a session).
func (f *fixture) addUser(t *testing.T, email string, role crm.Role) Actor {
	t.Helper()
	u := crm.User{Email: email, Name: "User " + email, Role: role, Status: crm.UserActive, Language: crm.LangEN}
	err := f.app.Store.InTx(ctx, func(tx *store.Tx) error { return tx.CreateUser(ctx, &u, testHash(), f.clock.Now()) })
	if err != nil {
		t.Fatalf("create user %s: %v", email, err)
	}
	u, err = f.app.Store.User(ctx, u.ID)
	if err != nil {
		t.Fatal(err)
	}
	return Actor{User: u, IP: "192.0.2.9"}
}

// login signs a user in with testPassword and returns the session token and
// the authenticated actor.
func (f *fixture) login(t *testing.T, email string) (string, Actor) {
	t.Helper()
	res, err := f.app.Login(ctx, email, testPassword, "", "test")
	if err != nil {
		t.Fatalf("Login %s: %v", email, err)
	}
	ac, err := f.app.Authenticate(ctx, res.SessionToken, "")
	if err != nil {
		t.Fatalf("Authenticate %s: %v", email, err)
	}
	return res.SessionToken, ac
}

// snapshotTables are the tables the verbs under test write to.
var snapshotTables = []string{"users", "teams", "team_members", "sessions", "api_tokens", "user_tokens",
	"settings", "exchange_rates", "audit_log", "jobs", "login_attempts"}

// snapshot renders every row of the written tables as text, for comparing
// the database before and after a refused call.
func snapshot(t *testing.T, s *store.Store) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	for _, table := range snapshotTables {
		rows, err := s.DB().QueryContext(ctx, "SELECT * FROM "+table+" ORDER BY 1, 2")
		if err != nil {
			t.Fatalf("snapshot %s: %v", table, err)
		}
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			parts := make([]string, len(cols))
			for i, v := range vals {
				if b, ok := v.([]byte); ok {
					v = string(b)
				}
				parts[i] = fmt.Sprintf("%s=%v", cols[i], v)
			}
			out[table] = append(out[table], strings.Join(parts, " "))
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		rows.Close()
	}
	return out
}

// diffSnapshots returns a description of the differences, "" if none.
func diffSnapshots(before, after map[string][]string) string {
	var b strings.Builder
	for _, table := range snapshotTables {
		x, y := before[table], after[table]
		if strings.Join(x, "\n") != strings.Join(y, "\n") {
			fmt.Fprintf(&b, "%s:\n  before: %q\n  after:  %q\n", table, x, y)
		}
	}
	return b.String()
}

// count returns the number of rows of a query.
func count(t *testing.T, s *store.Store, query string, args ...any) int {
	t.Helper()
	var n int
	if err := s.DB().QueryRowContext(ctx, query, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}
