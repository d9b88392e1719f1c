package app

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"renkei/internal/crm"
	"renkei/internal/store"
)

// rowsMentioning lists the rows of every table the people verbs write to
// (and the audit log) that contain s.
func rowsMentioning(t *testing.T, s *store.Store, needle string) []string {
	t.Helper()
	var out []string
	for table, rows := range snapshotPeople(t, s) {
		for _, r := range rows {
			if strings.Contains(strings.ToLower(r), strings.ToLower(needle)) {
				out = append(out, table+": "+r)
			}
		}
	}
	return out
}

// TestPeoplePrivacy runs the erasure, suppression and export tests on one database: a fresh one per test costs
// most of a second on PostgreSQL. The tests use their own records and
// compare counts before and after.
func TestPeoplePrivacy(t *testing.T) {
	f := newPeopleFixture(t)
	for _, tt := range []struct {
		name string
		run  func(*testing.T, *peopleFixture)
	}{
		{"ErasePerson", testErasePerson},
		{"SuppressedContactCanBeEdited", testSuppressedContactCanBeEdited},
		{"ExportPerson", testExportPerson},
	} {
		t.Run(tt.name, func(t *testing.T) { tt.run(t, f) })
	}
}

func testErasePerson(t *testing.T, f *peopleFixture) {
	a := f.app
	co, err := a.CreateCompany(ctx, f.owner, CompanyInput{Company: crm.Company{Name: "株式会社テスト"}}, false)
	if err != nil {
		t.Fatal(err)
	}
	c := f.create(t, ContactInput{Contact: crm.Contact{Email: "Erase.Me@Example.jp", PersonName: person("消去", "花子"),
		Consent: crm.ConsentGranted, CompanyID: co.ID, Tags: []string{"消す"}}, Props: map[string]any{"memo": "秘密のメモ"}})
	other := f.create(t, ContactInput{Contact: crm.Contact{Email: "stay@example.jp", Tags: []string{"消す"}}})
	if err := a.SetConsent(ctx, f.owner, c.ID, crm.ConsentWithdrawn, "form", "メールを受け取りません"); err != nil {
		t.Fatal(err)
	}
	cur := f.stored(t, c.ID)
	cur.JobTitle = "部長"
	if _, err := a.UpdateContact(ctx, f.owner, c.ID, cur.Version, ContactInput{Contact: cur}); err != nil {
		t.Fatal(err)
	}
	if _, err := a.ExportPerson(ctx, f.owner, c.ID); err != nil {
		t.Fatal(err)
	}
	// Merge a duplicate in first: its timeline names the address too.
	dup := f.create(t, ContactInput{Contact: crm.Contact{PersonName: person("消去", "花子"), Phone: "090-1111-2222"}})
	if _, err := a.MergeContacts(ctx, f.owner, c.ID, dup.ID); err != nil {
		t.Fatal(err)
	}
	f.owner.IP = "192.0.2.50"
	if err := a.ErasePerson(ctx, f.owner, c.ID); err != nil {
		t.Fatalf("ErasePerson: %v", err)
	}

	if _, err := f.s.Contact(ctx, c.ID); !errors.Is(err, crm.ErrNotFound) {
		t.Errorf("contact after erasure: %v", err)
	}
	for _, q := range []string{
		"SELECT COUNT(*) FROM contacts WHERE id = $1",
		"SELECT COUNT(*) FROM timeline WHERE contact_id = $1",
		"SELECT COUNT(*) FROM consent_events WHERE contact_id = $1",
		"SELECT COUNT(*) FROM contact_tags WHERE contact_id = $1",
	} {
		if n := count(t, f.s, q, c.ID); n != 0 {
			t.Errorf("%s = %d; want 0", q, n)
		}
	}
	// Nothing names the person any more: not the address, the name or the memo.
	for _, needle := range []string{"erase.me@example.jp", "消去", "秘密のメモ", "メールを受け取りません"} {
		if rows := rowsMentioning(t, f.s, needle); len(rows) > 0 {
			t.Errorf("%q is still stored:\n%s", needle, strings.Join(rows, "\n"))
		}
	}
	// Only a hash of the address is kept.
	sum := sha256.Sum256([]byte("erase.me@example.jp"))
	if got, want := dumpTable(t, f.s, "suppressions"), []string{fmt.Sprintf("email_hash=%s reason=erased created_at=%d",
		hex.EncodeToString(sum[:]), f.clock.Now().UnixMilli())}; !reflect.DeepEqual(got, want) {
		t.Errorf("suppressions = %q; want %q", got, want)
	}
	// The erasure is audited, without naming the person.
	entries, err := a.AuditLog(ctx, f.owner, store.AuditFilter{})
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, e := range entries {
		actions = append(actions, e.Action)
		if e.Action == "person.erase" && (e.Target != fmt.Sprintf("contact %d", c.ID) || e.IP != "192.0.2.50" || e.UserID != f.owner.User.ID) {
			t.Errorf("erase audit entry = %+v", e)
		}
	}
	if !strings.Contains(strings.Join(actions, " "), "person.erase") || !strings.Contains(strings.Join(actions, " "), "person.export") {
		t.Errorf("audit actions = %v; want person.export and person.erase", actions)
	}
	// The company and the other contact stay.
	if _, err := f.s.Company(ctx, co.ID); err != nil {
		t.Errorf("company after erasure: %v", err)
	}
	if o := f.stored(t, other.ID); !reflect.DeepEqual(o.Tags, []string{"消す"}) {
		t.Errorf("other contact after erasure: %+v", o)
	}

	// The address cannot come back, however it is written, neither as a new
	// contact nor by editing another one; nothing is written.
	for _, email := range []string{"erase.me@example.jp", "ERASE.ME@EXAMPLE.JP", "ｅｒａｓｅ．ｍｅ＠ｅｘａｍｐｌｅ．ｊｐ", " Erase.Me@Example.jp "} {
		t.Run(email, func(t *testing.T) {
			err := unchanged(t, f.s, func() error {
				_, err := a.CreateContact(ctx, f.owner, ContactInput{Contact: crm.Contact{Email: email}, CompanyName: "新しい会社"})
				return err
			})
			ve, ok := crm.AsValidation(err)
			if !ok || !strings.Contains(ve.Fields["email"], "suppression") {
				t.Errorf("CreateContact(%q) = %v; want a suppression error on email", email, err)
			}
			o := f.stored(t, other.ID)
			o.Email = email
			err = unchanged(t, f.s, func() error {
				_, err := a.UpdateContact(ctx, f.owner, o.ID, o.Version, ContactInput{Contact: o})
				return err
			})
			if got := fieldsOf(err); !reflect.DeepEqual(got, []string{"email"}) {
				t.Errorf("UpdateContact to %q = %v; want an e-mail error", email, err)
			}
		})
	}
	// Erasing again is "not found".
	if err := a.ErasePerson(ctx, f.owner, c.ID); !errors.Is(err, crm.ErrNotFound) {
		t.Errorf("second erasure: %v", err)
	}
}

// A contact whose own address is on the suppression list (as unsubscribed
// people will be) can still be edited.
func testSuppressedContactCanBeEdited(t *testing.T, f *peopleFixture) {
	c := f.create(t, ContactInput{Contact: crm.Contact{Email: "quiet@example.jp"}})
	if err := f.s.InTx(ctx, func(tx *store.Tx) error {
		return tx.Suppress(ctx, EmailHash("quiet@example.jp"), "unsubscribed", f.clock.Now())
	}); err != nil {
		t.Fatal(err)
	}
	c.JobTitle = "部長"
	if _, err := f.app.UpdateContact(ctx, f.owner, c.ID, c.Version, ContactInput{Contact: c}); err != nil {
		t.Errorf("editing a suppressed contact: %v", err)
	}
}

func testExportPerson(t *testing.T, f *peopleFixture) {
	a := f.app
	c := f.create(t, ContactInput{Contact: crm.Contact{Email: "export@example.jp", PersonName: person("出力", "太郎"),
		Consent: crm.ConsentGranted}, CompanyName: "株式会社エクスポート", Props: map[string]any{"budget": 10}})
	if err := a.SetConsent(ctx, f.owner, c.ID, crm.ConsentWithdrawn, "form", "配信停止"); err != nil {
		t.Fatal(err)
	}
	// More entries than one page of the timeline, all at the same instant
	// (the cursor must not skip or repeat any).
	const extra = 620
	at := f.clock.Now().Add(-time.Hour)
	err := f.s.InTx(ctx, func(tx *store.Tx) error {
		for i := range extra {
			if err := tx.AddTimeline(ctx, &store.TimelineEntry{At: at, ContactID: c.ID, Kind: "emailed", Data: map[string]any{"n": i}}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	other := f.create(t, ContactInput{Contact: crm.Contact{Email: "other@example.jp"}})

	d, err := a.ExportPerson(ctx, f.owner, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if d.Contact.ID != c.ID || d.Contact.Email != "export@example.jp" || d.Contact.Props["budget"] != 10.0 {
		t.Errorf("contact = %+v", d.Contact)
	}
	if d.Company == nil || d.Company.Name != "株式会社エクスポート" {
		t.Errorf("company = %+v", d.Company)
	}
	// created + consent + 620 e-mails, each once, newest first.
	if len(d.Timeline) != extra+2 {
		t.Fatalf("timeline has %d entries; want %d", len(d.Timeline), extra+2)
	}
	seen := map[int64]bool{}
	for i, e := range d.Timeline {
		if seen[e.ID] || e.ContactID != c.ID {
			t.Fatalf("entry %d (%+v) repeated or foreign", i, e)
		}
		seen[e.ID] = true
		if i > 0 {
			p := d.Timeline[i-1]
			if e.At.After(p.At) || (e.At.Equal(p.At) && e.ID > p.ID) {
				t.Fatalf("entries %d and %d out of order", i-1, i)
			}
		}
	}
	if len(d.Consent) != 2 || d.Consent[0].Status != crm.ConsentWithdrawn || d.Consent[0].Wording != "配信停止" || d.Consent[1].Status != crm.ConsentGranted {
		t.Errorf("consent history = %+v", d.Consent)
	}
	entries, err := a.AuditLog(ctx, f.owner, store.AuditFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) == 0 || entries[0].Action != "person.export" || entries[0].Target != fmt.Sprintf("contact %d", c.ID) {
		t.Errorf("newest audit entry = %+v; want the export", entries)
	}
	// A contact without a company exports without one.
	d, err = a.ExportPerson(ctx, f.owner, other.ID)
	if err != nil || d.Company != nil || len(d.Timeline) != 1 || len(d.Consent) != 0 {
		t.Errorf("export of a plain contact = %+v, %v", d, err)
	}
	if _, err := a.ExportPerson(ctx, f.owner, 9999); !errors.Is(err, crm.ErrNotFound) {
		t.Errorf("export of a missing contact: %v", err)
	}
}
