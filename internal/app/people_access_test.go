package app

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"testing"

	"renkei/internal/crm"
	"renkei/internal/store"
)

// peopleVerb is one write verb on people, companies or properties.
// prepare makes the records the n-th call needs (as the owner) and returns
// the call, so a database snapshot can be taken right before it.
type peopleVerb struct {
	name    string
	admin   bool // only admins may
	prepare func(t *testing.T, n int) func(ac Actor) error
}

func TestPeopleAuthorization(t *testing.T) {
	f := newPeopleFixture(t)
	a := f.app
	users := map[crm.Role]Actor{
		crm.RoleAdmin:     f.owner,
		crm.RoleViewer:    f.addUser(t, "viewer@example.jp", crm.RoleViewer),
		crm.RoleMarketing: f.addUser(t, "marketing@example.jp", crm.RoleMarketing),
		crm.RoleSales:     f.addUser(t, "sales@example.jp", crm.RoleSales),
	}
	newContact := func(t *testing.T, n int) crm.Contact {
		return f.create(t, ContactInput{Contact: crm.Contact{Email: fmt.Sprintf("target%d@example.jp", n), Consent: crm.ConsentGranted}})
	}
	newCompany := func(t *testing.T, n int) crm.Company {
		co, err := a.CreateCompany(ctx, f.owner, CompanyInput{Company: crm.Company{Name: fmt.Sprintf("会社%d", n)}}, false)
		if err != nil {
			t.Fatal(err)
		}
		return co
	}
	newProperty := func(t *testing.T, n int) crm.Property {
		p, err := a.CreateProperty(ctx, f.owner, crm.Property{Object: "company", Key: fmt.Sprintf("p%d", n), LabelEN: "P", Type: crm.PropText})
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	verbs := []peopleVerb{
		{name: "CreateContact", prepare: func(t *testing.T, n int) func(Actor) error {
			return func(ac Actor) error {
				_, err := a.CreateContact(ctx, ac, ContactInput{Contact: crm.Contact{Email: fmt.Sprintf("new%d@example.jp", n)},
					CompanyName: fmt.Sprintf("新社%d", n), Props: map[string]any{"budget": n}})
				return err
			}
		}},
		{name: "UpdateContact", prepare: func(t *testing.T, n int) func(Actor) error {
			c := newContact(t, n)
			c.JobTitle, c.Consent = "部長", crm.ConsentWithdrawn
			return func(ac Actor) error {
				_, err := a.UpdateContact(ctx, ac, c.ID, c.Version, ContactInput{Contact: c, Props: map[string]any{"budget": 1}})
				return err
			}
		}},
		{name: "SetConsent", prepare: func(t *testing.T, n int) func(Actor) error {
			c := newContact(t, n)
			return func(ac Actor) error { return a.SetConsent(ctx, ac, c.ID, crm.ConsentWithdrawn, "phone", "") }
		}},
		{name: "DeleteContact", prepare: func(t *testing.T, n int) func(Actor) error {
			c := newContact(t, n)
			return func(ac Actor) error { return a.DeleteContact(ctx, ac, c.ID) }
		}},
		{name: "MergeContacts", prepare: func(t *testing.T, n int) func(Actor) error {
			keep, drop := newContact(t, 1000+n), newContact(t, 2000+n)
			return func(ac Actor) error {
				_, err := a.MergeContacts(ctx, ac, keep.ID, drop.ID)
				return err
			}
		}},
		{name: "CreateCompany", prepare: func(t *testing.T, n int) func(Actor) error {
			return func(ac Actor) error {
				_, err := a.CreateCompany(ctx, ac, CompanyInput{Company: crm.Company{Name: fmt.Sprintf("新会社%d", n)}}, false)
				return err
			}
		}},
		{name: "UpdateCompany", prepare: func(t *testing.T, n int) func(Actor) error {
			co := newCompany(t, n)
			co.City = "千代田区"
			return func(ac Actor) error {
				_, err := a.UpdateCompany(ctx, ac, co.ID, co.Version, CompanyInput{Company: co})
				return err
			}
		}},
		{name: "DeleteCompany", prepare: func(t *testing.T, n int) func(Actor) error {
			co := newCompany(t, n)
			return func(ac Actor) error { return a.DeleteCompany(ctx, ac, co.ID) }
		}},
		{name: "MergeCompanies", prepare: func(t *testing.T, n int) func(Actor) error {
			keep, drop := newCompany(t, 1000+n), newCompany(t, 2000+n)
			return func(ac Actor) error {
				_, err := a.MergeCompanies(ctx, ac, keep.ID, drop.ID)
				return err
			}
		}},
		{name: "CreateProperty", admin: true, prepare: func(t *testing.T, n int) func(Actor) error {
			return func(ac Actor) error {
				_, err := a.CreateProperty(ctx, ac, crm.Property{Object: "contact", Key: fmt.Sprintf("q%d", n), LabelEN: "Q", Type: crm.PropText})
				return err
			}
		}},
		{name: "UpdateProperty", admin: true, prepare: func(t *testing.T, n int) func(Actor) error {
			p := newProperty(t, n)
			p.LabelEN = "Renamed"
			return func(ac Actor) error {
				_, err := a.UpdateProperty(ctx, ac, p.ID, p.Version, p)
				return err
			}
		}},
		{name: "DeleteProperty", admin: true, prepare: func(t *testing.T, n int) func(Actor) error {
			p := newProperty(t, n)
			return func(ac Actor) error { return a.DeleteProperty(ctx, ac, p.ID) }
		}},
		{name: "ErasePerson", admin: true, prepare: func(t *testing.T, n int) func(Actor) error {
			c := newContact(t, n)
			return func(ac Actor) error { return a.ErasePerson(ctx, ac, c.ID) }
		}},
	}
	n := 0
	for _, role := range []crm.Role{crm.RoleViewer, crm.RoleMarketing, crm.RoleSales, crm.RoleAdmin} {
		ac := users[role]
		for _, v := range verbs {
			allowed := role == crm.RoleAdmin || (!v.admin && role != crm.RoleViewer)
			t.Run(string(role)+"/"+v.name, func(t *testing.T) {
				n++
				call := v.prepare(t, n)
				if allowed {
					if err := call(ac); err != nil {
						t.Errorf("%s as %s: %v; want success", v.name, role, err)
					}
					return
				}
				if err := unchanged(t, f.s, func() error { return call(ac) }); !errors.Is(err, crm.ErrForbidden) {
					t.Errorf("%s as %s: %v; want ErrForbidden", v.name, role, err)
				}
			})
		}
	}
	// Reading is open to every role, the viewer included.
	c := f.create(t, ContactInput{Contact: crm.Contact{Email: "read@example.jp"}})
	if _, err := a.Contact(ctx, users[crm.RoleViewer], c.ID); err != nil {
		t.Errorf("viewer reads a contact: %v", err)
	}
	if _, err := a.Timeline(ctx, users[crm.RoleViewer], store.TimelineFilter{ContactID: c.ID}); err != nil {
		t.Errorf("viewer reads a timeline: %v", err)
	}
	// No actor at all is unauthorized, not forbidden.
	if _, err := a.CreateContact(ctx, Actor{}, ContactInput{Contact: crm.Contact{Email: "anon@example.jp"}}); !errors.Is(err, crm.ErrUnauthorized) {
		t.Errorf("CreateContact without a user: %v; want ErrUnauthorized", err)
	}
}

func TestPeopleVisibility(t *testing.T) {
	f := newPeopleFixture(t)
	a := f.app
	team, err := a.CreateTeam(ctx, f.owner, "東京営業")
	if err != nil {
		t.Fatal(err)
	}
	otherTeam, err := a.CreateTeam(ctx, f.owner, "大阪営業")
	if err != nil {
		t.Fatal(err)
	}
	join := func(ac Actor, teamID int64, manager bool) Actor {
		if err := a.SetTeamMember(ctx, f.owner, teamID, ac.User.ID, manager); err != nil {
			t.Fatal(err)
		}
		u, err := a.Store.User(ctx, ac.User.ID)
		if err != nil {
			t.Fatal(err)
		}
		ac.User = u
		return ac
	}
	outsider := join(f.addUser(t, "outsider@example.jp", crm.RoleSales), otherTeam.ID, true)
	member := join(f.addUser(t, "member@example.jp", crm.RoleSales), team.ID, false)
	manager := join(f.addUser(t, "manager@example.jp", crm.RoleMarketing), team.ID, true)

	ws, v, err := a.Workspace(ctx)
	if err != nil {
		t.Fatal(err)
	}
	ws.RecordVisibility = map[string]crm.Visibility{"contacts": crm.VisibleTeam, "companies": crm.VisibleTeam}
	if ws, err = a.UpdateWorkspace(ctx, f.owner, ws, v); err != nil {
		t.Fatal(err)
	}

	co, err := a.CreateCompany(ctx, f.owner, CompanyInput{Company: crm.Company{Name: "非公開株式会社", TeamID: team.ID}}, false)
	if err != nil {
		t.Fatal(err)
	}
	hidden := f.create(t, ContactInput{Contact: crm.Contact{Email: "hidden@example.jp", OwnerID: f.owner.User.ID, TeamID: team.ID,
		CompanyID: co.ID}})
	own := f.create(t, ContactInput{Contact: crm.Contact{Email: "own@example.jp", OwnerID: outsider.User.ID}})
	otherCo, err := a.CreateCompany(ctx, f.owner, CompanyInput{Company: crm.Company{Name: "公開会社", OwnerID: outsider.User.ID}}, false)
	if err != nil {
		t.Fatal(err)
	}

	// A company the outsider sees shows only the entries of its contacts the
	// outsider sees too.
	secret := f.create(t, ContactInput{Contact: crm.Contact{Email: "secret@example.jp", TeamID: team.ID, CompanyID: otherCo.ID}})
	mine := f.create(t, ContactInput{Contact: crm.Contact{Email: "mine@example.jp", OwnerID: outsider.User.ID, CompanyID: otherCo.ID}})
	for _, tt := range []struct {
		ac   Actor
		want []int64 // contact ids with entries, besides the company's own
	}{
		{outsider, []int64{mine.ID}},
		{f.owner, []int64{secret.ID, mine.ID}},
	} {
		tl, err := a.Timeline(ctx, tt.ac, store.TimelineFilter{CompanyID: otherCo.ID})
		if err != nil {
			t.Fatal(err)
		}
		var got []int64
		for _, e := range tl {
			if e.ContactID != 0 {
				got = append(got, e.ContactID)
			}
		}
		slices.Sort(got)
		if !reflect.DeepEqual(got, tt.want) || len(tl) != len(tt.want)+1 {
			t.Errorf("%s: company timeline has entries of contacts %v (%d entries); want %v and the company's", tt.ac.User.Email, got, len(tl), tt.want)
		}
	}

	if _, err := a.Timeline(ctx, member, store.TimelineFilter{CompanyID: otherCo.ID}); !errors.Is(err, crm.ErrNotFound) {
		t.Errorf("member: timeline of a company outside the team = %v; want ErrNotFound", err)
	}

	// The outsider gets "not found" for everything about the hidden records,
	// exactly as for a record that does not exist, and changes nothing.
	refused := []struct {
		name string
		call func(ac Actor, id int64) error
	}{
		{"Contact", func(ac Actor, id int64) error { _, err := a.Contact(ctx, ac, id); return err }},
		{"Timeline", func(ac Actor, id int64) error {
			_, err := a.Timeline(ctx, ac, store.TimelineFilter{ContactID: id})
			return err
		}},
		{"UpdateContact", func(ac Actor, id int64) error {
			c := hidden
			c.OwnerID, c.TeamID = ac.User.ID, 0
			_, err := a.UpdateContact(ctx, ac, id, hidden.Version, ContactInput{Contact: c})
			return err
		}},
		{"DeleteContact", func(ac Actor, id int64) error { return a.DeleteContact(ctx, ac, id) }},
		{"SetConsent", func(ac Actor, id int64) error { return a.SetConsent(ctx, ac, id, crm.ConsentGranted, "phone", "") }},
		{"MergeContacts into own", func(ac Actor, id int64) error { _, err := a.MergeContacts(ctx, ac, own.ID, id); return err }},
		{"MergeContacts from own", func(ac Actor, id int64) error { _, err := a.MergeContacts(ctx, ac, id, own.ID); return err }},
		{"ExportPerson", func(ac Actor, id int64) error { _, err := a.ExportPerson(ctx, ac, id); return err }},
		{"Company", func(ac Actor, _ int64) error { _, err := a.Company(ctx, ac, co.ID); return err }},
		{"company Timeline", func(ac Actor, _ int64) error {
			_, err := a.Timeline(ctx, ac, store.TimelineFilter{CompanyID: co.ID})
			return err
		}},
		{"UpdateCompany", func(ac Actor, _ int64) error {
			c := co
			c.TeamID = 0
			_, err := a.UpdateCompany(ctx, ac, co.ID, co.Version, CompanyInput{Company: c})
			return err
		}},
		{"DeleteCompany", func(ac Actor, _ int64) error { return a.DeleteCompany(ctx, ac, co.ID) }},
		{"MergeCompanies into own", func(ac Actor, _ int64) error { _, err := a.MergeCompanies(ctx, ac, otherCo.ID, co.ID); return err }},
		{"MergeCompanies from own", func(ac Actor, _ int64) error { _, err := a.MergeCompanies(ctx, ac, co.ID, otherCo.ID); return err }},
	}
	for _, tt := range refused {
		t.Run("outsider/"+tt.name, func(t *testing.T) {
			err := unchanged(t, f.s, func() error { return tt.call(outsider, hidden.ID) })
			if !errors.Is(err, crm.ErrNotFound) {
				t.Errorf("%s of a hidden record: %v; want ErrNotFound", tt.name, err)
			}
		})
	}

	// The team's members and managers, and admins, see the hidden contact.
	for _, ac := range []Actor{member, manager, f.owner} {
		if _, err := a.Contact(ctx, ac, hidden.ID); err != nil {
			t.Errorf("%s: Contact = %v", ac.User.Email, err)
		}
		if tl, err := a.Timeline(ctx, ac, store.TimelineFilter{ContactID: hidden.ID}); err != nil || len(tl) != 1 {
			t.Errorf("%s: Timeline = %v, %v", ac.User.Email, tl, err)
		}
		if _, err := a.Company(ctx, ac, co.ID); err != nil {
			t.Errorf("%s: Company = %v", ac.User.Email, err)
		}
	}
	// The outsider sees what they own, and the admin everything.
	if _, err := a.Contact(ctx, outsider, own.ID); err != nil {
		t.Errorf("outsider: own contact = %v", err)
	}
	if _, err := a.Contact(ctx, member, own.ID); !errors.Is(err, crm.ErrNotFound) {
		t.Errorf("member: the outsider's contact without a team = %v; want ErrNotFound", err)
	}
	if _, err := a.Contact(ctx, f.owner, own.ID); err != nil {
		t.Errorf("admin: the outsider's contact = %v", err)
	}
	// A member of the team may change the contact.
	c := hidden
	c.JobTitle = "課長"
	if _, err := a.UpdateContact(ctx, member, hidden.ID, hidden.Version, ContactInput{Contact: c}); err != nil {
		t.Errorf("member: UpdateContact = %v", err)
	}

	// With workspace-wide visibility the outsider sees the contact.
	ws.RecordVisibility = nil
	if _, err := a.UpdateWorkspace(ctx, f.owner, ws, ws.Version); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Contact(ctx, outsider, hidden.ID); err != nil {
		t.Errorf("workspace visibility: outsider Contact = %v", err)
	}
}
