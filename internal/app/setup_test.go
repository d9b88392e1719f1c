package app

import (
	"errors"
	"reflect"
	"strings"
	"sync"
	"testing"

	"renkei/internal/crm"
	"renkei/internal/store/storetest"
)

func TestSetupCreatesOwnerAndWorkspace(t *testing.T) {
	tests := []struct {
		lang       crm.Language
		tz         string // SetupInput.TimeZone
		wantTZ     string
		wantFiscal int
	}{
		{crm.LangJA, "", "Asia/Tokyo", 4},
		{crm.LangEN, "", "Europe/Berlin", 1}, // the server's zone
		{crm.LangEN, "America/New_York", "America/New_York", 1},
	}
	for _, tt := range tests {
		t.Run(string(tt.lang)+"/"+tt.tz, func(t *testing.T) {
			c := newClock()
			a := New(Config{Store: storetest.Open(t), Clock: c.Now, ServerTZ: "Europe/Berlin"})
			if need, err := a.NeedsSetup(ctx); err != nil || !need {
				t.Fatalf("NeedsSetup before = %v, %v; want true", need, err)
			}
			in := SetupInput{WorkspaceName: " 株式会社サンプル ", Language: string(tt.lang), TimeZone: tt.tz,
				Name: "山田 太郎", Email: " Taro@Example.JP ", Password: testPassword}
			tok, u, err := a.Setup(ctx, in, "192.0.2.1", "test")
			if err != nil {
				t.Fatalf("Setup: %v", err)
			}
			if need, _ := a.NeedsSetup(ctx); need {
				t.Error("NeedsSetup after = true")
			}
			got, err := a.Store.User(ctx, u.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.Email != "taro@example.jp" || got.Role != crm.RoleAdmin || got.Status != crm.UserActive || got.Language != tt.lang || got.Name != "山田 太郎" {
				t.Errorf("owner = %+v", got)
			}
			ws, v, err := a.Workspace(ctx)
			if err != nil || v != 1 {
				t.Fatalf("Workspace = v%d, %v", v, err)
			}
			if ws.Name != "株式会社サンプル" || ws.TimeZone != tt.wantTZ || ws.FiscalYearStart != tt.wantFiscal || ws.Language != tt.lang || ws.BaseCurrency != "JPY" {
				t.Errorf("workspace = %+v; want tz %s, fiscal %d", ws, tt.wantTZ, tt.wantFiscal)
			}
			ac, err := a.Authenticate(ctx, tok, "")
			if err != nil || ac.User.ID != u.ID {
				t.Errorf("the setup session does not sign the owner in: %v", err)
			}
			if _, err := a.Login(ctx, "taro@example.jp", testPassword, "", ""); err != nil {
				t.Errorf("owner cannot sign in with the chosen password: %v", err)
			}

			// A second setup is refused and changes nothing.
			before := snapshot(t, a.Store)
			in2 := SetupInput{WorkspaceName: "Other", Language: "en", Name: "Mallory", Email: "mallory@example.com", Password: testPassword}
			if _, _, err := a.Setup(ctx, in2, "", ""); !errors.Is(err, crm.ErrConflict) {
				t.Errorf("second Setup = %v; want ErrConflict", err)
			}
			if d := diffSnapshots(before, snapshot(t, a.Store)); d != "" {
				t.Errorf("second Setup changed the database:\n%s", d)
			}
		})
	}
}

func TestSetupValidation(t *testing.T) {
	good := SetupInput{WorkspaceName: "Acme", Language: "en", TimeZone: "Asia/Tokyo", Name: "Ann", Email: "ann@example.com", Password: testPassword}
	tests := []struct {
		name string
		edit func(*SetupInput)
		want map[string]string
	}{
		{"everything wrong", func(in *SetupInput) {
			*in = SetupInput{WorkspaceName: " ", Language: "fr", TimeZone: "Mars/Olympus", Name: "", Email: "ann", Password: "short"}
		}, map[string]string{
			"workspace_name": "is required",
			"language":       "choose ja or en",
			"time_zone":      "is not a known time zone (e.g. Asia/Tokyo)",
			"name":           "is required",
			"email":          "enter an e-mail address such as you@example.com",
			"password":       "use at least 10 characters",
		}},
		{"email with display name", func(in *SetupInput) { in.Email = "Ann <ann@example.com>" },
			map[string]string{"email": "enter an e-mail address such as you@example.com"}},
		{"name on two lines", func(in *SetupInput) { in.Name = "Ann\nBob" },
			map[string]string{"name": "must be on one line"}},
		{"workspace name too long", func(in *SetupInput) {
			in.WorkspaceName = strings.Repeat("あ", 201)
		}, map[string]string{"workspace_name": "is too long"}},
		{"nine-character password", func(in *SetupInput) { in.Password = "パスワード1234" },
			map[string]string{"password": "use at least 10 characters"}},
	}
	a := New(Config{Store: storetest.Open(t)})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := good
			tt.edit(&in)
			_, _, err := a.Setup(ctx, in, "", "")
			v, ok := crm.AsValidation(err)
			if !ok {
				t.Fatalf("Setup = %v; want a validation error", err)
			}
			if !reflect.DeepEqual(v.Fields, tt.want) {
				t.Errorf("fields = %v\nwant     %v", v.Fields, tt.want)
			}
			if need, _ := a.NeedsSetup(ctx); !need {
				t.Fatal("a refused Setup created a user")
			}
			if n := count(t, a.Store, "SELECT COUNT(*) FROM settings"); n != 0 {
				t.Errorf("a refused Setup wrote %d settings", n)
			}
		})
	}
}

// Two first-run forms submitted at once: exactly one becomes the owner, the
// other is told setup is done (ErrConflict, not a stale-version error). The
// race window is a few milliseconds, so the test runs several rounds.
func TestSetupConcurrent(t *testing.T) {
	for round := 0; round < 6; round++ {
		a := New(Config{Store: storetest.Open(t)})
		errs := make([]error, 2)
		var wg sync.WaitGroup
		for i := range errs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				in := SetupInput{WorkspaceName: "Acme", Language: "en", Name: "Ann", Email: []string{"a@example.com", "b@example.com"}[i], Password: testPassword}
				_, _, errs[i] = a.Setup(ctx, in, "", "")
			}()
		}
		wg.Wait()
		ok, conflict := 0, 0
		for _, err := range errs {
			switch {
			case err == nil:
				ok++
			case errors.Is(err, crm.ErrConflict):
				conflict++
			default:
				t.Errorf("round %d: Setup = %v; want nil or ErrConflict", round, err)
			}
		}
		if ok != 1 || conflict != 1 {
			t.Errorf("round %d: %d succeeded, %d conflicted; want 1 and 1", round, ok, conflict)
		}
		if n := count(t, a.Store, "SELECT COUNT(*) FROM users"); n != 1 {
			t.Errorf("round %d: %d users after concurrent setup, want 1", round, n)
		}
	}
}
