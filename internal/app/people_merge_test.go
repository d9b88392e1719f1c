package app

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"testing"
	"time"

	"renkei/internal/crm"
	"renkei/internal/store"
)

// TestPeopleMerge runs the merging contacts and companies tests on one database: a fresh one per test costs
// most of a second on PostgreSQL. The tests use their own records and
// compare counts before and after.
func TestPeopleMerge(t *testing.T) {
	f := newPeopleFixture(t)
	for _, tt := range []struct {
		name string
		run  func(*testing.T, *peopleFixture)
	}{
		{"MergeContacts", testMergeContacts},
		{"MergeContactsKeepsEmailOfKept", testMergeContactsKeepsEmailOfKept},
		{"MergeCompanies", testMergeCompanies},
	} {
		t.Run(tt.name, func(t *testing.T) { tt.run(t, f) })
	}
}

func testMergeContacts(t *testing.T, f *peopleFixture) {
	a := f.app
	// keep: no e-mail, a company-less name with a phone, older.
	keep := f.create(t, ContactInput{Contact: crm.Contact{PersonName: person("山田", "太郎"), Phone: "03-1234-5678",
		Tags: []string{"VIP", "展示会"}, Lifecycle: crm.StageSQL}, Props: map[string]any{"budget": 100, "interests": "crm"}})
	f.clock.Add(time.Hour)
	keep.JobTitle = "部長"
	keep, err := a.UpdateContact(ctx, f.owner, keep.ID, keep.Version, ContactInput{Contact: keep})
	if err != nil {
		t.Fatal(err)
	}
	// drop: the e-mail, a company, other tags and props, consent given then withdrawn.
	f.clock.Add(time.Hour)
	drop := f.create(t, ContactInput{Contact: crm.Contact{Email: "taro@example.jp", PersonName: crm.PersonName{Family: "山田",
		FamilyReading: "ヤマダ"}, Department: "営業部", Tags: []string{"展示会", "セミナー"}, Consent: crm.ConsentGranted,
		OriginalSource: crm.SourceWebForm, Lifecycle: crm.StageLead},
		CompanyName: "株式会社テスト", Props: map[string]any{"budget": 999, "region": "大阪"}})
	f.clock.Add(time.Hour)
	if err := a.SetConsent(ctx, f.owner, drop.ID, crm.ConsentWithdrawn, "unsubscribe", ""); err != nil {
		t.Fatal(err)
	}
	keepTL, dropTL := f.timeline(t, keep.ID), f.timeline(t, drop.ID)
	keepHist, _ := f.s.ConsentHistory(ctx, keep.ID)
	dropHist, _ := f.s.ConsentHistory(ctx, drop.ID)
	if len(keepTL) != 2 || len(dropTL) != 2 || len(dropHist) != 2 {
		t.Fatalf("setup: timelines %v / %v, consent %d", kinds(keepTL), kinds(dropTL), len(dropHist))
	}

	// Merging a contact with itself, or with one that does not exist, is refused.
	err = unchanged(t, f.s, func() error { _, err := a.MergeContacts(ctx, f.owner, keep.ID, keep.ID); return err })
	if fieldsOf(err) == nil {
		t.Errorf("merge with itself: %v; want a validation error", err)
	}
	err = unchanged(t, f.s, func() error { _, err := a.MergeContacts(ctx, f.owner, keep.ID, 9999); return err })
	if !errors.Is(err, crm.ErrNotFound) {
		t.Errorf("merge with a missing contact: %v; want ErrNotFound", err)
	}

	f.clock.Add(time.Hour)
	got, err := a.MergeContacts(ctx, f.owner, keep.ID, drop.ID)
	if err != nil {
		t.Fatalf("MergeContacts: %v", err)
	}
	if _, err := f.s.Contact(ctx, drop.ID); !errors.Is(err, crm.ErrNotFound) {
		t.Errorf("dropped contact still there: %v", err)
	}
	stored := f.stored(t, keep.ID)
	if !reflect.DeepEqual(got, stored) {
		t.Errorf("returned %+v\nstored   %+v", got, stored)
	}
	// Empty fields filled, set ones kept; the e-mail moved over although it
	// is unique (the dropped row is gone first).
	if stored.Email != "taro@example.jp" || stored.Given != "太郎" || stored.FamilyReading != "ヤマダ" ||
		stored.JobTitle != "部長" || stored.Department != "営業部" || stored.Phone != "03-1234-5678" ||
		stored.CompanyID != drop.CompanyID || stored.CompanyName != "株式会社テスト" || stored.Lifecycle != crm.StageSQL ||
		stored.OriginalSource != crm.SourceManual || stored.Version != keep.Version+1 {
		t.Errorf("merged contact = %+v", stored)
	}
	if want := []string{"VIP", "セミナー", "展示会"}; !reflect.DeepEqual(stored.Tags, want) {
		t.Errorf("tags = %q; want %q", stored.Tags, want)
	}
	if want := map[string]any{"budget": 100.0, "interests": []any{"crm"}, "region": "大阪"}; !reflect.DeepEqual(stored.Props, want) {
		t.Errorf("props = %#v; want %#v", stored.Props, want)
	}
	// The newest consent event (the withdrawal on the dropped contact) decides.
	if stored.Consent != crm.ConsentWithdrawn {
		t.Errorf("consent = %s; want withdrawn, as last recorded", stored.Consent)
	}

	// Every timeline entry and consent event of both is on the kept contact.
	tl := f.timeline(t, keep.ID)
	var ids []int64
	for _, e := range tl[1:] {
		ids = append(ids, e.ID)
	}
	var want []int64
	for _, e := range append(keepTL, dropTL...) {
		want = append(want, e.ID)
	}
	slices.Sort(ids)
	slices.Sort(want)
	if !reflect.DeepEqual(ids, want) {
		t.Errorf("timeline ids after merge = %v; want %v", ids, want)
	}
	m := tl[0]
	if m.Kind != KindMerged || m.ActorID != f.owner.User.ID || m.Data["merged_id"] != float64(drop.ID) || m.Data["merged_email"] != "taro@example.jp" {
		t.Errorf("newest entry = %+v; want the merge", m)
	}
	changes, _ := m.Data["changes"].(map[string]any)
	for _, k := range []string{"email", "department", "company", "tags", "consent", "props.region"} {
		if _, ok := changes[k]; !ok {
			t.Errorf("merge entry does not list the change of %s: %v", k, changes)
		}
	}
	if _, ok := changes["props.budget"]; ok {
		t.Errorf("merge entry lists props.budget, which the kept contact kept: %v", changes)
	}
	hist, err := f.s.ConsentHistory(ctx, keep.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(hist) != len(keepHist)+len(dropHist) {
		t.Errorf("consent history after merge has %d events; want %d", len(hist), len(keepHist)+len(dropHist))
	}
	if n := count(t, f.s, "SELECT COUNT(*) FROM contact_tags WHERE contact_id = $1", drop.ID); n != 0 {
		t.Errorf("%d tag links left on the dropped contact", n)
	}
	if n := count(t, f.s, "SELECT COUNT(*) FROM audit_log WHERE action = 'contact.merge' AND target = $1",
		fmt.Sprintf("contact %d ← %d", keep.ID, drop.ID)); n != 1 {
		t.Errorf("%d audit entries for the merge; want 1", n)
	}
	// The e-mail still belongs to exactly one contact.
	if _, err := a.CreateContact(ctx, f.owner, ContactInput{Contact: crm.Contact{Email: "TARO@example.jp"}}); fieldsOf(err) == nil {
		t.Errorf("the merged e-mail can be added again: %v", err)
	}
}

func testMergeContactsKeepsEmailOfKept(t *testing.T, f *peopleFixture) {
	keep := f.create(t, ContactInput{Contact: crm.Contact{Email: "keep@example.jp"}})
	drop := f.create(t, ContactInput{Contact: crm.Contact{Email: "drop@example.jp", Consent: crm.ConsentGranted}})
	got, err := f.app.MergeContacts(ctx, f.owner, keep.ID, drop.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Email != "keep@example.jp" || got.Consent != crm.ConsentGranted {
		t.Errorf("merged = %+v", got)
	}
	// The dropped address is free again: the person behind it is now known
	// by the kept one.
	if _, err := f.app.CreateContact(ctx, f.owner, ContactInput{Contact: crm.Contact{Email: "drop@example.jp"}}); err != nil {
		t.Errorf("re-adding the dropped address: %v", err)
	}
}

func testMergeCompanies(t *testing.T, f *peopleFixture) {
	a := f.app
	keep, err := a.CreateCompany(ctx, f.owner, CompanyInput{Company: crm.Company{Name: "合併株式会社", City: "千代田区"}}, false)
	if err != nil {
		t.Fatal(err)
	}
	drop, err := a.CreateCompany(ctx, f.owner, CompanyInput{Company: crm.Company{Name: "㈱合併", Domain: "test.co.jp",
		City: "大阪市", Employees: 50, OwnerID: f.owner.User.ID}}, true)
	if err != nil {
		t.Fatal(err)
	}
	var contacts []crm.Contact
	for _, email := range []string{"a@test.co.jp", "b@test.co.jp"} {
		contacts = append(contacts, f.create(t, ContactInput{Contact: crm.Contact{Email: email, CompanyID: drop.ID}}))
	}
	drop.Industry = "製造業"
	if _, err := a.UpdateCompany(ctx, f.owner, drop.ID, drop.Version, CompanyInput{Company: drop}); err != nil {
		t.Fatal(err)
	}
	dropEntries := count(t, f.s, "SELECT COUNT(*) FROM timeline WHERE company_id = $1", drop.ID)
	if dropEntries != 2 {
		t.Fatalf("setup: %d entries on the dropped company", dropEntries)
	}

	if _, err := a.MergeCompanies(ctx, f.owner, keep.ID, keep.ID); fieldsOf(err) == nil {
		t.Errorf("merging a company with itself: %v", err)
	}
	f.clock.Add(time.Minute)
	got, err := a.MergeCompanies(ctx, f.owner, keep.ID, drop.ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.Company(ctx, drop.ID); !errors.Is(err, crm.ErrNotFound) {
		t.Errorf("dropped company still there: %v", err)
	}
	if got.City != "千代田区" || got.Domain != "test.co.jp" || got.Employees != 50 || got.Industry != "製造業" || got.OwnerID != f.owner.User.ID {
		t.Errorf("merged company = %+v", got)
	}
	for _, c := range contacts {
		if s := f.stored(t, c.ID); s.CompanyID != keep.ID || s.CompanyName != "合併株式会社" {
			t.Errorf("contact %d is at company %d %q; want %d", c.ID, s.CompanyID, s.CompanyName, keep.ID)
		}
	}
	if n := count(t, f.s, "SELECT COUNT(*) FROM timeline WHERE company_id = $1", keep.ID); n != 1+dropEntries+1 {
		t.Errorf("%d entries on the kept company; want its own, the dropped one's %d and the merge", n, dropEntries)
	}
	// The company's timeline shows its own entries and its contacts'.
	tl, err := a.Timeline(ctx, f.owner, store.TimelineFilter{CompanyID: keep.ID, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	if len(tl) != 1+dropEntries+1+len(contacts) || tl[0].Kind != KindMerged || tl[0].Data["merged_name"] != "㈱合併" {
		t.Errorf("company timeline = %v", kinds(tl))
	}
}
