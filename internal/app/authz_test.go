package app

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"renkei/internal/crm"
	"renkei/internal/mail"
	"renkei/internal/store"
)

// authzVerb is one write (or admin-only read) verb of the application for
// the authorization matrix. prepare sets up what the call needs (a fresh
// token to revoke, the current version) and returns the call itself, so the
// database snapshot is taken right before the call.
type authzVerb struct {
	name string
	perm crm.Perm
	// refused is the error of a refused call when it is not ErrForbidden.
	refused error
	prepare func(t *testing.T, n int) func(ac Actor) error
}

func TestAuthorizationMatrix(t *testing.T) {
	f := newFixture(t, crm.LangEN)
	a := f.app
	target := f.addUser(t, "target@example.jp", crm.RoleSales)
	team, err := a.CreateTeam(ctx, f.owner, "Tokyo")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.UpdateSMTP(ctx, f.owner, mail.Server{Host: "smtp.example.jp", Port: 587, Security: mail.SecurityStartTLS, FromAddress: "crm@example.jp"}, 0); err != nil {
		t.Fatal(err)
	}
	_, err = a.PutExchangeRate(ctx, f.owner, crm.ExchangeRate{Currency: "EUR", Rate: 160, ValidFrom: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	current := func(t *testing.T) crm.User {
		u, err := a.Store.User(ctx, target.User.ID)
		if err != nil {
			t.Fatal(err)
		}
		return u
	}

	verbs := []authzVerb{
		{name: "InviteUser", perm: crm.PermManageUsers, prepare: func(t *testing.T, n int) func(Actor) error {
			return func(ac Actor) error {
				_, _, err := a.InviteUser(ctx, ac, InviteInput{Email: fmt.Sprintf("invitee%d@example.jp", n), Name: "Invitee", Role: "viewer"})
				return err
			}
		}},
		{name: "UpdateUser name of someone else", perm: crm.PermManageUsers, prepare: func(t *testing.T, n int) func(Actor) error {
			u := current(t)
			return func(ac Actor) error {
				_, err := a.UpdateUser(ctx, ac, u.ID, u.Version, UserPatch{Name: ptr(fmt.Sprintf("Target %d", n))})
				return err
			}
		}},
		{name: "UpdateUser role of someone else", perm: crm.PermManageUsers, prepare: func(t *testing.T, n int) func(Actor) error {
			u := current(t)
			role := "marketing"
			if u.Role == crm.RoleMarketing {
				role = "sales"
			}
			return func(ac Actor) error {
				_, err := a.UpdateUser(ctx, ac, u.ID, u.Version, UserPatch{Role: &role})
				return err
			}
		}},
		{name: "UpdateUser status of someone else", perm: crm.PermManageUsers, prepare: func(t *testing.T, n int) func(Actor) error {
			u := current(t)
			status := "deactivated"
			if u.Status == crm.UserDeactivated {
				status = "active"
			}
			return func(ac Actor) error {
				_, err := a.UpdateUser(ctx, ac, u.ID, u.Version, UserPatch{Status: &status})
				return err
			}
		}},
		{name: "DisableTOTP of someone else", perm: crm.PermManageUsers, prepare: func(t *testing.T, n int) func(Actor) error {
			return func(ac Actor) error { return a.DisableTOTP(ctx, ac, target.User.ID) }
		}},
		{name: "CreateTeam", perm: crm.PermManageUsers, prepare: func(t *testing.T, n int) func(Actor) error {
			return func(ac Actor) error {
				_, err := a.CreateTeam(ctx, ac, fmt.Sprintf("Team %d", n))
				return err
			}
		}},
		{name: "RenameTeam", perm: crm.PermManageUsers, prepare: func(t *testing.T, n int) func(Actor) error {
			tm, err := a.Store.Team(ctx, team.ID)
			if err != nil {
				t.Fatal(err)
			}
			return func(ac Actor) error {
				_, err := a.RenameTeam(ctx, ac, tm.ID, tm.Version, fmt.Sprintf("Tokyo %d", n))
				return err
			}
		}},
		{name: "SetTeamMember", perm: crm.PermManageUsers, prepare: func(t *testing.T, n int) func(Actor) error {
			return func(ac Actor) error { return a.SetTeamMember(ctx, ac, team.ID, target.User.ID, n%2 == 0) }
		}},
		{name: "RemoveTeamMember", perm: crm.PermManageUsers, prepare: func(t *testing.T, n int) func(Actor) error {
			if err := a.SetTeamMember(ctx, f.owner, team.ID, target.User.ID, false); err != nil {
				t.Fatal(err)
			}
			return func(ac Actor) error { return a.RemoveTeamMember(ctx, ac, team.ID, target.User.ID) }
		}},
		{name: "DeleteTeam", perm: crm.PermManageUsers, prepare: func(t *testing.T, n int) func(Actor) error {
			tm, err := a.CreateTeam(ctx, f.owner, fmt.Sprintf("Doomed %d", n))
			if err != nil {
				t.Fatal(err)
			}
			return func(ac Actor) error { return a.DeleteTeam(ctx, ac, tm.ID) }
		}},
		{name: "UpdateWorkspace", perm: crm.PermSettings, prepare: func(t *testing.T, n int) func(Actor) error {
			ws, v, err := a.Workspace(ctx)
			if err != nil {
				t.Fatal(err)
			}
			ws.Name = fmt.Sprintf("Acme %d", n)
			return func(ac Actor) error {
				_, err := a.UpdateWorkspace(ctx, ac, ws, v)
				return err
			}
		}},
		{name: "SMTPSettings (holds the password)", perm: crm.PermSettings, prepare: func(t *testing.T, n int) func(Actor) error {
			return func(ac Actor) error {
				_, _, err := a.SMTPSettings(ctx, ac)
				return err
			}
		}},
		{name: "UpdateSMTP", perm: crm.PermSettings, prepare: func(t *testing.T, n int) func(Actor) error {
			_, v, err := a.smtp(ctx)
			if err != nil {
				t.Fatal(err)
			}
			return func(ac Actor) error {
				_, err := a.UpdateSMTP(ctx, ac, mail.Server{Host: fmt.Sprintf("smtp%d.example.jp", n), Port: 587, Security: mail.SecurityStartTLS, FromAddress: "crm@example.jp"}, v)
				return err
			}
		}},
		{name: "SendTestMail", perm: crm.PermSettings, prepare: func(t *testing.T, n int) func(Actor) error {
			return func(ac Actor) error {
				_, err := a.SendTestMail(ctx, ac, "someone@example.jp")
				return err
			}
		}},
		{name: "PutExchangeRate", perm: crm.PermSettings, prepare: func(t *testing.T, n int) func(Actor) error {
			return func(ac Actor) error {
				_, err := a.PutExchangeRate(ctx, ac, crm.ExchangeRate{Currency: "USD", Rate: 150 + float64(n), ValidFrom: time.Date(2026, 1, 1+n, 0, 0, 0, 0, time.UTC)})
				return err
			}
		}},
		{name: "DeleteExchangeRate", perm: crm.PermSettings, prepare: func(t *testing.T, n int) func(Actor) error {
			r, err := a.PutExchangeRate(ctx, f.owner, crm.ExchangeRate{Currency: "GBP", Rate: 190, ValidFrom: time.Date(2025, 1, 1+n, 0, 0, 0, 0, time.UTC)})
			if err != nil {
				t.Fatal(err)
			}
			return func(ac Actor) error { return a.DeleteExchangeRate(ctx, ac, r.ID) }
		}},
		{name: "AuditLog", perm: crm.PermAudit, prepare: func(t *testing.T, n int) func(Actor) error {
			return func(ac Actor) error {
				_, err := a.AuditLog(ctx, ac, store.AuditFilter{})
				return err
			}
		}},
		{name: "APITokens of everyone", perm: crm.PermManageUsers, prepare: func(t *testing.T, n int) func(Actor) error {
			return func(ac Actor) error {
				_, err := a.APITokens(ctx, ac, true)
				return err
			}
		}},
		// Other people's tokens are not even visible to non-admins: a refused
		// revocation says "not found" (app/tokens.go), so it does not tell
		// which token ids exist.
		{name: "RevokeAPIToken of someone else", perm: crm.PermManageUsers, refused: crm.ErrNotFound, prepare: func(t *testing.T, n int) func(Actor) error {
			tok, _, err := a.CreateAPIToken(ctx, target, fmt.Sprintf("token %d", n))
			if err != nil {
				t.Fatal(err)
			}
			return func(ac Actor) error { return a.RevokeAPIToken(ctx, ac, tok.ID) }
		}},
		{name: "ExchangeRates (read)", perm: crm.PermReadAll, prepare: func(t *testing.T, n int) func(Actor) error {
			return func(ac Actor) error {
				_, err := a.ExchangeRates(ctx, ac)
				return err
			}
		}},
	}

	// The actors: one active user per role, a deactivated admin (whose
	// request got through authentication a moment before) and nobody.
	type actor struct {
		name string
		ac   Actor
		can  func(crm.Perm) bool
		want error // what refusals return instead of the verb's own
	}
	var actors []actor
	for _, r := range crm.Roles {
		ac := f.addUser(t, string(r)+"@example.jp", r)
		actors = append(actors, actor{name: string(r), ac: ac, can: r.Can})
	}
	gone := f.addUser(t, "gone-admin@example.jp", crm.RoleAdmin)
	gone.User.Status = crm.UserDeactivated
	actors = append(actors,
		actor{name: "deactivated admin", ac: gone, can: func(crm.Perm) bool { return false }, want: crm.ErrForbidden},
		actor{name: "anonymous", ac: Actor{IP: "192.0.2.66"}, can: func(crm.Perm) bool { return false }, want: crm.ErrUnauthorized})

	n := 0
	for _, who := range actors {
		for _, v := range verbs {
			n++
			t.Run(who.name+"/"+v.name, func(t *testing.T) {
				call := v.prepare(t, n)
				before := snapshot(t, a.Store)
				err := call(who.ac)
				if who.can(v.perm) {
					if err != nil {
						t.Fatalf("allowed call failed: %v", err)
					}
					return
				}
				want := crm.ErrForbidden
				if v.refused != nil {
					want = v.refused
				}
				if who.want != nil {
					want = who.want
				}
				if !errors.Is(err, want) {
					t.Fatalf("refused call = %v, want %v", err, want)
				}
				if d := diffSnapshots(before, snapshot(t, a.Store)); d != "" {
					t.Errorf("a refused call changed the database:\n%s", d)
				}
			})
		}
	}
}

// Anyone may change their own name and language; nobody but an admin their
// own role or status.
func TestUpdateOwnProfile(t *testing.T) {
	f := newFixture(t, crm.LangEN)
	for _, r := range []crm.Role{crm.RoleMarketing, crm.RoleSales, crm.RoleViewer} {
		t.Run(string(r), func(t *testing.T) {
			me := f.addUser(t, string(r)+"@example.jp", r)
			u, err := f.app.UpdateUser(ctx, me, me.User.ID, me.User.Version, UserPatch{Name: ptr(" 佐藤 花子 "), Language: ptr("ja")})
			if err != nil {
				t.Fatalf("own name and language: %v", err)
			}
			if u.Name != "佐藤 花子" || u.Language != crm.LangJA || u.Version != me.User.Version+1 {
				t.Errorf("after own update: %+v", u)
			}
			before := snapshot(t, f.app.Store)
			for _, p := range []UserPatch{
				{Role: ptr("admin")},
				{Role: ptr(string(r))}, // even "no change" needs the permission
				{Status: ptr("deactivated")},
				{Name: ptr("X"), Role: ptr("admin")},
			} {
				if _, err := f.app.UpdateUser(ctx, me, me.User.ID, u.Version, p); !errors.Is(err, crm.ErrForbidden) {
					t.Errorf("own %+v = %v, want ErrForbidden", p, err)
				}
			}
			if _, err := f.app.UpdateUser(ctx, me, me.User.ID, u.Version, UserPatch{Language: ptr("fr")}); !hasField(err, "language") {
				t.Errorf("language fr = %v", err)
			}
			if _, err := f.app.UpdateUser(ctx, me, me.User.ID, u.Version, UserPatch{Name: ptr("  ")}); !hasField(err, "name") {
				t.Errorf("blank name = %v", err)
			}
			if d := diffSnapshots(before, snapshot(t, f.app.Store)); d != "" {
				t.Errorf("refused updates changed the database:\n%s", d)
			}
		})
	}
}

func TestLastActiveAdmin(t *testing.T) {
	f := newFixture(t, crm.LangEN)
	owner := f.owner.User.ID
	before := snapshot(t, f.app.Store)
	for _, tt := range []struct {
		patch UserPatch
		field string
	}{
		{UserPatch{Role: ptr("sales")}, "role"},
		{UserPatch{Status: ptr("deactivated")}, "status"},
		{UserPatch{Role: ptr("viewer"), Status: ptr("deactivated")}, "status"},
	} {
		if _, err := f.app.UpdateUser(ctx, f.owner, owner, 0, tt.patch); !hasField(err, tt.field) {
			t.Errorf("last admin %+v = %v, want a validation error on %s", tt.patch, err, tt.field)
		}
	}
	if d := diffSnapshots(before, snapshot(t, f.app.Store)); d != "" {
		t.Errorf("refused changes to the last admin changed the database:\n%s", d)
	}
	// An invited or deactivated admin does not count.
	if _, _, err := f.app.InviteUser(ctx, f.owner, InviteInput{Email: "admin2@example.jp", Name: "Admin 2", Role: "admin"}); err != nil {
		t.Fatal(err)
	}
	before = snapshot(t, f.app.Store)
	if _, err := f.app.UpdateUser(ctx, f.owner, owner, 0, UserPatch{Role: ptr("viewer")}); !hasField(err, "role") {
		t.Errorf("demote with only an invited second admin = %v", err)
	}
	if d := diffSnapshots(before, snapshot(t, f.app.Store)); d != "" {
		t.Errorf("refused demotion changed the database:\n%s", d)
	}
	// With a second active admin, the owner may step down; then the other is last.
	second := f.addUser(t, "admin3@example.jp", crm.RoleAdmin)
	if _, err := f.app.UpdateUser(ctx, f.owner, owner, 0, UserPatch{Role: ptr("sales")}); err != nil {
		t.Fatalf("demote with a second active admin: %v", err)
	}
	if _, err := f.app.UpdateUser(ctx, second, second.User.ID, 0, UserPatch{Status: ptr("deactivated")}); !hasField(err, "status") {
		t.Errorf("deactivate the new last admin = %v", err)
	}
	if n := count(t, f.app.Store, "SELECT COUNT(*) FROM users WHERE role = 'admin' AND status = 'active'"); n != 1 {
		t.Errorf("%d active admins, want 1", n)
	}
}

func TestStaleVersions(t *testing.T) {
	f := newFixture(t, crm.LangEN)
	a := f.app
	target := f.addUser(t, "target@example.jp", crm.RoleSales)

	ws, v1, err := a.Workspace(ctx)
	if err != nil {
		t.Fatal(err)
	}
	ws.Name = "Acme 2"
	if _, err := a.UpdateWorkspace(ctx, f.owner, ws, v1); err != nil {
		t.Fatal(err)
	}
	u1 := target.User
	if _, err := a.UpdateUser(ctx, f.owner, u1.ID, u1.Version, UserPatch{Name: ptr("Second")}); err != nil {
		t.Fatal(err)
	}
	team, err := a.CreateTeam(ctx, f.owner, "Osaka")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.RenameTeam(ctx, f.owner, team.ID, team.Version, "Osaka 2"); err != nil {
		t.Fatal(err)
	}

	before := snapshot(t, a.Store)
	tests := []struct {
		name string
		call func() error
	}{
		{"UpdateWorkspace", func() error {
			ws.Name = "Acme 3"
			_, err := a.UpdateWorkspace(ctx, f.owner, ws, v1)
			return err
		}},
		{"UpdateWorkspace version 0", func() error {
			_, err := a.UpdateWorkspace(ctx, f.owner, ws, 0)
			return err
		}},
		{"UpdateUser", func() error {
			_, err := a.UpdateUser(ctx, f.owner, u1.ID, u1.Version, UserPatch{Name: ptr("Third")})
			return err
		}},
		{"UpdateUser own", func() error {
			_, err := a.UpdateUser(ctx, target, u1.ID, u1.Version, UserPatch{Language: ptr("ja")})
			return err
		}},
		{"RenameTeam", func() error {
			_, err := a.RenameTeam(ctx, f.owner, team.ID, team.Version, "Osaka 3")
			return err
		}},
		{"UpdateSMTP", func() error {
			_, err := a.UpdateSMTP(ctx, f.owner, mail.Server{Host: "smtp.example.jp", Port: 25, Security: mail.SecurityNone, FromAddress: "a@example.jp"}, 7)
			return err
		}},
	}
	for _, tt := range tests {
		if err := tt.call(); !errors.Is(err, crm.ErrStale) {
			t.Errorf("%s with an old version = %v, want ErrStale", tt.name, err)
		}
	}
	if d := diffSnapshots(before, snapshot(t, a.Store)); d != "" {
		t.Errorf("stale updates changed the database:\n%s", d)
	}
	if got, _, _ := a.Workspace(ctx); got.Name != "Acme 2" {
		t.Errorf("workspace name = %q", got.Name)
	}
}

func TestUpdateWorkspaceValidation(t *testing.T) {
	f := newFixture(t, crm.LangJA)
	ws, v, err := f.app.Workspace(ctx)
	if err != nil {
		t.Fatal(err)
	}
	bad := ws
	bad.Name = ""
	bad.TimeZone = "Tokyo"
	bad.FiscalYearStart = 13
	bad.BaseCurrency = "円"
	bad.InvoiceRegNumber = "T123"
	bad.WorkingDays = [7]bool{}
	bad.DayStartMinutes, bad.DayEndMinutes = 18*60, 9*60
	bad.RecordVisibility = map[string]crm.Visibility{"deals": "private"}
	before := snapshot(t, f.app.Store)
	_, err = f.app.UpdateWorkspace(ctx, f.owner, bad, v)
	want := map[string]string{
		"name":               "is required",
		"time_zone":          "is not a known time zone (e.g. Asia/Tokyo)",
		"fiscal_year_start":  "must be a month from 1 to 12",
		"base_currency":      "must be a three-letter currency code such as JPY",
		"invoice_reg_number": "must be T followed by 13 digits",
		"working_days":       "choose at least one working day",
		"day_end":            "business hours must end after they start",
		"visibility_deals":   "choose workspace or team",
	}
	ve, ok := crm.AsValidation(err)
	if !ok {
		t.Fatalf("UpdateWorkspace(bad) = %v", err)
	}
	for k, m := range want {
		if ve.Fields[k] != m {
			t.Errorf("field %s = %q, want %q", k, ve.Fields[k], m)
		}
	}
	if len(ve.Fields) != len(want) {
		t.Errorf("fields = %v", ve.Fields)
	}
	if d := diffSnapshots(before, snapshot(t, f.app.Store)); d != "" {
		t.Errorf("a refused update changed the database:\n%s", d)
	}

	good := ws
	good.BaseCurrency = " usd "
	good.InvoiceRegNumber = "t1234567890123"
	got, err := f.app.UpdateWorkspace(ctx, f.owner, good, v)
	if err != nil {
		t.Fatal(err)
	}
	if got.BaseCurrency != "USD" || got.InvoiceRegNumber != "T1234567890123" || got.Version != v+1 {
		t.Errorf("normalised workspace = %+v", got)
	}
	stored, v2, _ := f.app.Workspace(ctx)
	if stored.BaseCurrency != "USD" || v2 != v+1 || stored.Version != v2 {
		t.Errorf("stored workspace = %+v (v%d)", stored, v2)
	}
}

// Two admins demote each other at the same moment: one of them must stay
// admin. (On PostgreSQL both transactions used to count two admins and
// both commit.)
func TestLastActiveAdminRace(t *testing.T) {
	f := newFixture(t, crm.LangEN)
	a, b := f.owner, f.addUser(t, "b@example.jp", crm.RoleAdmin)
	for round := 0; round < 30; round++ {
		start := make(chan struct{})
		errs := make([]error, 2)
		var wg sync.WaitGroup
		for i, pair := range [][2]Actor{{a, b}, {b, a}} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				_, errs[i] = f.app.UpdateUser(ctx, pair[0], pair[1].User.ID, 0, UserPatch{Role: ptr("sales")})
			}()
		}
		close(start)
		wg.Wait()
		if n := count(t, f.app.Store, "SELECT COUNT(*) FROM users WHERE role = 'admin' AND status = 'active'"); n != 1 {
			t.Fatalf("round %d: %d active admins after a mutual demotion (errors %v)", round, n, errs)
		}
		if (errs[0] == nil) == (errs[1] == nil) {
			t.Fatalf("round %d: errors %v; want exactly one refusal", round, errs)
		}
		// The one still admin promotes the other back.
		winner, loser := a, b
		if errs[0] != nil {
			winner, loser = b, a
		}
		if _, err := f.app.UpdateUser(ctx, winner, loser.User.ID, 0, UserPatch{Role: ptr("admin")}); err != nil {
			t.Fatal(err)
		}
	}
}
