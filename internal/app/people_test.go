package app

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"sort"
	"strings"
	"testing"

	"renkei/internal/crm"
	"renkei/internal/store"
)

// peopleTables are the tables the people verbs write to, besides the
// foundation's snapshotTables.
var peopleTables = []string{"companies", "contacts", "tags", "contact_tags", "properties", "timeline",
	"consent_events", "suppressions"}

// dumpTable renders every row of a table as text.
func dumpTable(t *testing.T, s *store.Store, table string) []string {
	t.Helper()
	rows, err := s.DB().QueryContext(ctx, "SELECT * FROM "+table+" ORDER BY 1, 2")
	if err != nil {
		t.Fatalf("dump %s: %v", table, err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var out []string
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
		out = append(out, strings.Join(parts, " "))
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// snapshotPeople is snapshot plus the people tables.
func snapshotPeople(t *testing.T, s *store.Store) map[string][]string {
	t.Helper()
	out := snapshot(t, s)
	for _, table := range peopleTables {
		out[table] = dumpTable(t, s, table)
	}
	return out
}

// diffPeople describes the differences of two snapshotPeople, "" if none.
func diffPeople(before, after map[string][]string) string {
	var b strings.Builder
	for _, table := range append(append([]string(nil), snapshotTables...), peopleTables...) {
		x, y := before[table], after[table]
		if strings.Join(x, "\n") != strings.Join(y, "\n") {
			fmt.Fprintf(&b, "%s:\n  before: %q\n  after:  %q\n", table, x, y)
		}
	}
	return b.String()
}

// unchanged runs call and reports any change of the database it made.
func unchanged(t *testing.T, s *store.Store, call func() error) error {
	t.Helper()
	before := snapshotPeople(t, s)
	err := call()
	if d := diffPeople(before, snapshotPeople(t, s)); d != "" {
		t.Errorf("the database changed although the call returned %v:\n%s", err, d)
	}
	return err
}

// fieldsOf returns the sorted field names of a validation error, or nil.
func fieldsOf(err error) []string {
	ve, ok := crm.AsValidation(err)
	if !ok {
		return nil
	}
	var out []string
	for f := range ve.Fields {
		out = append(out, f)
	}
	sort.Strings(out)
	return out
}

// peopleFixture is a Japanese workspace with custom contact properties.
type peopleFixture struct {
	*fixture
	s *store.Store
}

// contactProps are the custom properties every people test has.
var contactProps = []crm.Property{
	{Object: "contact", Key: "budget", LabelJA: "予算", Type: crm.PropNumber},
	{Object: "contact", Key: "region", LabelJA: "地域", Type: crm.PropChoice, Options: []string{"東京", "大阪"}},
	{Object: "contact", Key: "interests", LabelEN: "Interests", Type: crm.PropMultiChoice, Options: []string{"crm", "ma", "sfa"}},
	{Object: "contact", Key: "since", LabelEN: "Customer since", Type: crm.PropDate},
	{Object: "contact", Key: "vip", LabelEN: "VIP", Type: crm.PropBool},
	{Object: "contact", Key: "site", LabelEN: "Site", Type: crm.PropURL},
	{Object: "contact", Key: "memo", LabelEN: "Memo", Type: crm.PropText},
}

func newPeopleFixture(t *testing.T) *peopleFixture {
	t.Helper()
	f := newFixture(t, crm.LangJA)
	for _, p := range contactProps {
		if _, err := f.app.CreateProperty(ctx, f.owner, p); err != nil {
			t.Fatalf("CreateProperty %s: %v", p.Key, err)
		}
	}
	return &peopleFixture{fixture: f, s: f.app.Store}
}

// create adds a contact as the owner and fails the test on error.
func (f *peopleFixture) create(t *testing.T, in ContactInput) crm.Contact {
	t.Helper()
	c, err := f.app.CreateContact(ctx, f.owner, in)
	if err != nil {
		t.Fatalf("CreateContact(%+v): %v", in.Contact, err)
	}
	return c
}

// stored reads a contact straight from the store.
func (f *peopleFixture) stored(t *testing.T, id int64) crm.Contact {
	t.Helper()
	c, err := f.s.Contact(ctx, id)
	if err != nil {
		t.Fatalf("store.Contact(%d): %v", id, err)
	}
	return c
}

// timeline returns every timeline entry of a contact, newest first.
func (f *peopleFixture) timeline(t *testing.T, contactID int64) []store.TimelineEntry {
	t.Helper()
	var out []store.TimelineEntry
	flt := store.TimelineFilter{ContactID: contactID, Limit: 500}
	for {
		page, err := f.s.Timeline(ctx, flt)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, page...)
		if len(page) < flt.Limit {
			return out
		}
		flt.BeforeAt, flt.BeforeID = page[len(page)-1].At, page[len(page)-1].ID
	}
}

func kinds(es []store.TimelineEntry) []string {
	var out []string
	for _, e := range es {
		out = append(out, e.Kind)
	}
	return out
}

func person(family, given string) crm.PersonName { return crm.PersonName{Family: family, Given: given} }

// TestContacts runs the contacts: create, update, validation tests on one database: a fresh one per test costs
// most of a second on PostgreSQL. The tests use their own records and
// compare counts before and after.
func TestContacts(t *testing.T) {
	f := newPeopleFixture(t)
	for _, tt := range []struct {
		name string
		run  func(*testing.T, *peopleFixture)
	}{
		{"CreateContactValidation", testCreateContactValidation},
		{"CreateContactNormalisesAndStoresTyped", testCreateContactNormalisesAndStoresTyped},
		{"CreateContactDuplicateEmail", testCreateContactDuplicateEmail},
		{"CreateContactLinksCompanyByKey", testCreateContactLinksCompanyByKey},
		{"ContactScriptNameStoredVerbatim", testContactScriptNameStoredVerbatim},
		{"UpdateContact", testUpdateContact},
	} {
		t.Run(tt.name, func(t *testing.T) { tt.run(t, f) })
	}
}

func testCreateContactValidation(t *testing.T, f *peopleFixture) {
	gone := f.addUser(t, "gone@example.jp", crm.RoleSales)
	gone.User.Status = crm.UserDeactivated
	if err := f.s.InTx(ctx, func(tx *store.Tx) error { return tx.UpdateUser(ctx, &gone.User, f.clock.Now()) }); err != nil {
		t.Fatal(err)
	}
	long := strings.Repeat("長", 201)
	tests := []struct {
		name string
		in   ContactInput
		want []string // fields with an error; nil = accepted
	}{
		{"nothing", ContactInput{}, []string{"email"}},
		{"name only", ContactInput{Contact: crm.Contact{PersonName: person("山田", "太郎")}}, []string{"company"}},
		{"name and phone", ContactInput{Contact: crm.Contact{PersonName: person("山田", "一郎"), Phone: "03-1234-5678"}}, nil},
		{"name and company", ContactInput{Contact: crm.Contact{PersonName: person("山田", "二郎")}, CompanyName: "株式会社サンプル"}, nil},
		{"e-mail only", ContactInput{Contact: crm.Contact{Email: "only@example.jp"}}, nil},
		{"bad e-mail", ContactInput{Contact: crm.Contact{Email: "taro@", PersonName: person("山田", "太郎"), Phone: "03-1234-5678"}}, []string{"email"}},
		{"bad phone", ContactInput{Contact: crm.Contact{PersonName: person("山田", "太郎"), Phone: "12"}}, []string{"phone"}},
		{"long family name", ContactInput{Contact: crm.Contact{Email: "a@example.jp", PersonName: person(long, "")}}, []string{"family_name"}},
		{"two-line job title", ContactInput{Contact: crm.Contact{Email: "a@example.jp", JobTitle: "部長\n課長"}}, []string{"job_title"}},
		{"bad stage", ContactInput{Contact: crm.Contact{Email: "a@example.jp", Lifecycle: "vip"}}, []string{"lifecycle_stage"}},
		{"bad lead status", ContactInput{Contact: crm.Contact{Email: "a@example.jp", LeadStatus: "maybe"}}, []string{"lead_status"}},
		{"bad consent", ContactInput{Contact: crm.Contact{Email: "a@example.jp", Consent: "yes"}}, []string{"consent"}},
		{"bad source", ContactInput{Contact: crm.Contact{Email: "a@example.jp", OriginalSource: "rumour"}}, []string{"original_source"}},
		{"missing owner", ContactInput{Contact: crm.Contact{Email: "a@example.jp", OwnerID: 9999}}, []string{"owner_id"}},
		{"deactivated owner", ContactInput{Contact: crm.Contact{Email: "a@example.jp", OwnerID: gone.User.ID}}, []string{"owner_id"}},
		{"missing team", ContactInput{Contact: crm.Contact{Email: "a@example.jp", TeamID: 9999}}, []string{"team_id"}},
		{"missing company", ContactInput{Contact: crm.Contact{Email: "a@example.jp", CompanyID: 9999}}, []string{"company_id"}},
		{"company name too long", ContactInput{Contact: crm.Contact{Email: "a@example.jp"}, CompanyName: long}, []string{"company"}},
		{"unknown property", ContactInput{Contact: crm.Contact{Email: "a@example.jp"}, Props: map[string]any{"nope": "x"}}, []string{"props.nope"}},
		{"bad number", ContactInput{Contact: crm.Contact{Email: "a@example.jp"}, Props: map[string]any{"budget": "百"}}, []string{"props.budget"}},
		{"not a number", ContactInput{Contact: crm.Contact{Email: "a@example.jp"}, Props: map[string]any{"budget": "NaN"}}, []string{"props.budget"}},
		{"infinite number", ContactInput{Contact: crm.Contact{Email: "a@example.jp"}, Props: map[string]any{"budget": "-Inf"}}, []string{"props.budget"}},
		{"bad choice", ContactInput{Contact: crm.Contact{Email: "a@example.jp"}, Props: map[string]any{"region": "福岡"}}, []string{"props.region"}},
		{"bad multiple choice", ContactInput{Contact: crm.Contact{Email: "a@example.jp"}, Props: map[string]any{"interests": "crm;erp"}}, []string{"props.interests"}},
		{"bad date", ContactInput{Contact: crm.Contact{Email: "a@example.jp"}, Props: map[string]any{"since": "yesterday"}}, []string{"props.since"}},
		{"bad yes/no", ContactInput{Contact: crm.Contact{Email: "a@example.jp"}, Props: map[string]any{"vip": "maybe"}}, []string{"props.vip"}},
		{"script URL", ContactInput{Contact: crm.Contact{Email: "a@example.jp"}, Props: map[string]any{"site": "javascript:alert(1)"}}, []string{"props.site"}},
		{"every error at once", ContactInput{Contact: crm.Contact{Consent: "yes"}, CompanyName: long,
			Props: map[string]any{"budget": "x", "region": "y", "nope": 1}},
			[]string{"company", "consent", "email", "props.budget", "props.nope", "props.region"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var c crm.Contact
			call := func() error {
				var err error
				c, err = f.app.CreateContact(ctx, f.owner, tt.in)
				return err
			}
			if tt.want == nil {
				if err := call(); err != nil {
					t.Fatalf("CreateContact: %v", err)
				}
				if got := f.stored(t, c.ID); got.ID == 0 {
					t.Errorf("contact %d not stored", c.ID)
				}
				return
			}
			err := unchanged(t, f.s, call)
			if got := fieldsOf(err); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("error fields = %v (%v); want %v", got, err, tt.want)
			}
		})
	}
}

func testCreateContactNormalisesAndStoresTyped(t *testing.T, f *peopleFixture) {
	f.owner.IP = "203.0.113.7"
	c := f.create(t, ContactInput{
		Contact: crm.Contact{Email: " ＴＡＲＯ．Yamada＠Example．JP ", PersonName: crm.PersonName{Family: "山田", Given: "太郎",
			FamilyReading: "ﾔﾏﾀﾞ", GivenReading: "たろう"}, Phone: "０３-１２３４-５６７８", Consent: crm.ConsentGranted,
			Tags: []string{" 展示会 ", "VIP", "展示会", ""}},
		Props: map[string]any{"budget": "1,200", "region": "東京", "interests": "crm、ma", "since": "2026/4/1",
			"vip": "はい", "site": "https://example.jp/", "memo": "  メモ  "},
	})
	got := f.stored(t, c.ID)
	if got.Email != "taro.yamada@example.jp" || got.FamilyReading != "ヤマダ" || got.GivenReading != "タロウ" ||
		got.Phone != "03-1234-5678" || got.Honorific != "様" || got.Lifecycle != crm.StageLead ||
		got.OriginalSource != crm.SourceManual || got.Consent != crm.ConsentGranted || got.Version != 1 {
		t.Errorf("stored contact = %+v", got)
	}
	if want := []string{"VIP", "展示会"}; !reflect.DeepEqual(got.Tags, want) || !reflect.DeepEqual(c.Tags, want) {
		t.Errorf("tags: returned %q, stored %q; want %q", c.Tags, got.Tags, want)
	}
	// The values are stored as JSON of their type, not as the strings typed.
	var raw string
	if err := f.s.DB().QueryRowContext(ctx, "SELECT props FROM contacts WHERE id = $1", c.ID).Scan(&raw); err != nil {
		t.Fatal(err)
	}
	var props map[string]json.RawMessage
	if err := json.Unmarshal([]byte(raw), &props); err != nil {
		t.Fatalf("props %q: %v", raw, err)
	}
	wantProps := map[string]string{"budget": `1200`, "region": `"東京"`, "interests": `["crm","ma"]`, "since": `"2026-04-01"`,
		"vip": `true`, "site": `"https://example.jp/"`, "memo": `"メモ"`}
	gotProps := map[string]string{}
	for k, v := range props {
		gotProps[k] = string(v)
	}
	if !reflect.DeepEqual(gotProps, wantProps) {
		t.Errorf("stored props = %v; want %v", gotProps, wantProps)
	}
	// Values given as Go values (numbers, lists, booleans) are accepted too.
	c2 := f.create(t, ContactInput{Contact: crm.Contact{Email: "hanako@example.jp"},
		Props: map[string]any{"budget": 1500, "interests": []string{"sfa"}, "vip": false}})
	if p := f.stored(t, c2.ID).Props; p["budget"] != 1500.0 || !reflect.DeepEqual(p["interests"], []any{"sfa"}) || p["vip"] != false {
		t.Errorf("props from Go values = %#v", p)
	}

	// Consent given → one ledger entry with who, when and from where.
	hist, err := f.s.ConsentHistory(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(hist) != 1 || hist[0].Status != crm.ConsentGranted || hist[0].ActorID != f.owner.User.ID ||
		hist[0].IP != "203.0.113.7" || !hist[0].At.Equal(f.clock.Now()) {
		t.Errorf("consent history = %+v", hist)
	}
	if hist, _ := f.s.ConsentHistory(ctx, c2.ID); len(hist) != 0 {
		t.Errorf("no consent given, but the ledger has %+v", hist)
	}
	tl := f.timeline(t, c.ID)
	if len(tl) != 1 || tl[0].Kind != KindCreated || tl[0].ActorID != f.owner.User.ID || tl[0].ActorName != "Owner" ||
		tl[0].Data["source"] != "manual" {
		t.Errorf("timeline = %+v", tl)
	}
}

func testCreateContactDuplicateEmail(t *testing.T, f *peopleFixture) {
	first := f.create(t, ContactInput{Contact: crm.Contact{Email: "taro@example.jp"}})
	contacts := count(t, f.s, "SELECT COUNT(*) FROM contacts")
	for _, email := range []string{"taro@example.jp", "TARO@Example.JP", "ｔａｒｏ＠ｅｘａｍｐｌｅ．ｊｐ", " taro@example.jp\t"} {
		t.Run(email, func(t *testing.T) {
			// The new company named here must not be left behind either.
			err := unchanged(t, f.s, func() error {
				_, err := f.app.CreateContact(ctx, f.owner, ContactInput{Contact: crm.Contact{Email: email, PersonName: person("山田", "太郎"),
					Tags: []string{"新規タグ"}}, CompanyName: "新しい会社", Props: map[string]any{"budget": 1}})
				return err
			})
			if got := fieldsOf(err); !reflect.DeepEqual(got, []string{"email"}) {
				t.Errorf("error = %v; want an e-mail field error", err)
			}
		})
	}
	if n := count(t, f.s, "SELECT COUNT(*) FROM contacts WHERE email = 'taro@example.jp'"); n != 1 || contacts != count(t, f.s, "SELECT COUNT(*) FROM contacts") {
		t.Errorf("%d contacts with the address, want 1 (%d)", n, first.ID)
	}
}

func testCreateContactLinksCompanyByKey(t *testing.T, f *peopleFixture) {
	co, err := f.app.CreateCompany(ctx, f.owner, CompanyInput{Company: crm.Company{Name: "㈱テスト"}}, false)
	if err != nil {
		t.Fatal(err)
	}
	companies := count(t, f.s, "SELECT COUNT(*) FROM companies")
	for i, name := range []string{"テスト株式会社", "テスト Co., Ltd.", "株式会社テスト", "テスト K.K.", " ㈱テスト "} {
		c := f.create(t, ContactInput{Contact: crm.Contact{PersonName: person("山田", fmt.Sprint(i))}, CompanyName: name})
		if c.CompanyID != co.ID || c.CompanyName != "㈱テスト" {
			t.Errorf("company %q: linked to %d %q; want %d ㈱テスト", name, c.CompanyID, c.CompanyName, co.ID)
		}
	}
	if n := count(t, f.s, "SELECT COUNT(*) FROM companies"); n != companies {
		t.Errorf("%d companies, want %d", n, companies)
	}
	// Creating the company again is refused with a pointer to the existing one,
	// unless forced.
	err = unchanged(t, f.s, func() error {
		_, err := f.app.CreateCompany(ctx, f.owner, CompanyInput{Company: crm.Company{Name: "テスト株式会社"}}, false)
		return err
	})
	if got := fieldsOf(err); !reflect.DeepEqual(got, []string{"name"}) {
		t.Errorf("duplicate company: %v", err)
	}
	if _, err := f.app.CreateCompany(ctx, f.owner, CompanyInput{Company: crm.Company{Name: "テスト株式会社"}}, true); err != nil {
		t.Errorf("forced duplicate company: %v", err)
	}
	// A new name creates the company, with a timeline entry.
	c := f.create(t, ContactInput{Contact: crm.Contact{Email: "new@example.jp"}, CompanyName: "新会社合同会社"})
	nco, err := f.s.Company(ctx, c.CompanyID)
	if err != nil || nco.Name != "新会社合同会社" || nco.LegalForm != "合同会社" {
		t.Fatalf("created company = %+v, %v", nco, err)
	}
	if n := count(t, f.s, "SELECT COUNT(*) FROM timeline WHERE company_id = $1 AND kind = 'created'", nco.ID); n != 1 {
		t.Errorf("%d created entries on the new company's timeline, want 1", n)
	}
}

func testContactScriptNameStoredVerbatim(t *testing.T, f *peopleFixture) {
	const script = `<script>alert(1)</script>`
	c := f.create(t, ContactInput{Contact: crm.Contact{Email: "x@example.jp", PersonName: person(script, `"><img src=x onerror=alert(2)>`),
		JobTitle: "&amp; <b>"}, CompanyName: script + " 株式会社", Props: map[string]any{"memo": script}})
	got := f.stored(t, c.ID)
	if got.Family != script || got.Given != `"><img src=x onerror=alert(2)>` || got.JobTitle != "&amp; <b>" ||
		got.CompanyName != script+" 株式会社" || got.Props["memo"] != script {
		t.Errorf("stored = %+v; want the raw text back", got)
	}
	if got.Name(crm.LangEN) != `"><img src=x onerror=alert(2)> `+script {
		t.Errorf("Name = %q", got.Name(crm.LangEN))
	}
}

func testUpdateContact(t *testing.T, f *peopleFixture) {
	c := f.create(t, ContactInput{Contact: crm.Contact{Email: "upd.taro@example.jp", PersonName: person("山田", "太郎"),
		Tags: []string{"VIP"}}, Props: map[string]any{"budget": 1200, "interests": "crm;ma", "region": "東京"}})
	other := f.create(t, ContactInput{Contact: crm.Contact{Email: "upd.hanako@example.jp"}})
	f.clock.Add(60_000_000_000)

	// A stale version is refused and nothing is written.
	next := c
	next.Family = "佐藤"
	err := unchanged(t, f.s, func() error {
		_, err := f.app.UpdateContact(ctx, f.owner, c.ID, c.Version-1, ContactInput{Contact: next})
		return err
	})
	if !errors.Is(err, crm.ErrStale) {
		t.Errorf("stale version: %v; want ErrStale", err)
	}
	// Taking another contact's e-mail is a field error.
	dup := c
	dup.Email = "ＵＰＤ.ＨＡＮＡＫＯ@example.jp"
	err = unchanged(t, f.s, func() error {
		_, err := f.app.UpdateContact(ctx, f.owner, c.ID, c.Version, ContactInput{Contact: dup})
		return err
	})
	if got := fieldsOf(err); !reflect.DeepEqual(got, []string{"email"}) {
		t.Errorf("duplicate e-mail: %v", err)
	}
	// Bad properties are field errors too.
	err = unchanged(t, f.s, func() error {
		_, err := f.app.UpdateContact(ctx, f.owner, c.ID, c.Version, ContactInput{Contact: c, Props: map[string]any{"budget": "many"}})
		return err
	})
	if got := fieldsOf(err); !reflect.DeepEqual(got, []string{"props.budget"}) {
		t.Errorf("bad property: %v", err)
	}
	if _, err := f.app.UpdateContact(ctx, f.owner, 9999, 1, ContactInput{Contact: c}); !errors.Is(err, crm.ErrNotFound) {
		t.Errorf("missing contact: %v; want ErrNotFound", err)
	}

	// Saving the contact as read, with the tags and choices in another order
	// and the values typed differently, is no change: no timeline entry.
	same := f.stored(t, c.ID)
	same.Tags = []string{" VIP", "VIP"}
	saved, err := f.app.UpdateContact(ctx, f.owner, c.ID, same.Version, ContactInput{Contact: same,
		Props: map[string]any{"interests": []string{"crm", "ma", "crm"}, "budget": "1,200", "region": "東京"}})
	if err != nil {
		t.Fatal(err)
	}
	if tl := f.timeline(t, c.ID); len(tl) != 1 {
		t.Errorf("an update without changes put %v on the timeline", kinds(tl))
	}

	// A real edit: every change with its old and new value, consent in the ledger.
	cur := f.stored(t, c.ID)
	if saved.Version != cur.Version || cur.Version != same.Version+1 {
		t.Errorf("version: returned %d, stored %d; want %d", saved.Version, cur.Version, same.Version+1)
	}
	edit := cur
	edit.Family, edit.Email, edit.Tags, edit.Consent, edit.Lifecycle = "佐藤", "Taro.Sato@Example.jp", []string{"展示会", "VIP"}, crm.ConsentGranted, crm.StageSQL // (MQL would start a hand-off: see handoff_test.go)
	f.owner.IP = "198.51.100.4"
	got, err := f.app.UpdateContact(ctx, f.owner, c.ID, cur.Version, ContactInput{Contact: edit,
		Props: map[string]any{"budget": "1500", "region": nil, "vip": true}})
	if err != nil {
		t.Fatal(err)
	}
	if got.Version != cur.Version+1 || got.Email != "taro.sato@example.jp" {
		t.Errorf("returned %+v", got)
	}
	stored := f.stored(t, c.ID)
	if stored.Family != "佐藤" || stored.Consent != crm.ConsentGranted || stored.Props["budget"] != 1500.0 ||
		stored.Props["region"] != nil || stored.Props["vip"] != true || !reflect.DeepEqual(stored.Tags, []string{"VIP", "展示会"}) {
		t.Errorf("stored = %+v", stored)
	}
	tl := f.timeline(t, c.ID)
	if len(tl) != 2 || tl[0].Kind != KindUpdated || tl[0].ActorID != f.owner.User.ID {
		t.Fatalf("timeline = %v", kinds(tl))
	}
	wantChanges := map[string]any{
		"family_name":     []any{"山田", "佐藤"},
		"email":           []any{"upd.taro@example.jp", "taro.sato@example.jp"},
		"tags":            []any{"VIP", "VIP, 展示会"},
		"consent":         []any{"unknown", "granted"},
		"lifecycle_stage": []any{"lead", "sql"},
		"props.budget":    []any{1200.0, 1500.0},
		"props.region":    []any{"東京", nil},
		"props.vip":       []any{nil, true},
	}
	if got := tl[0].Data["changes"]; !reflect.DeepEqual(got, wantChanges) {
		t.Errorf("changes = %#v\nwant      %#v", got, wantChanges)
	}
	hist, err := f.s.ConsentHistory(ctx, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(hist) != 1 || hist[0].Status != crm.ConsentGranted || hist[0].IP != "198.51.100.4" || hist[0].ActorID != f.owner.User.ID {
		t.Errorf("consent history = %+v", hist)
	}
	// The old e-mail is free again; the other contact is untouched.
	if o := f.stored(t, other.ID); o.Version != 1 {
		t.Errorf("other contact changed: %+v", o)
	}
	if _, err := f.app.CreateContact(ctx, f.owner, ContactInput{Contact: crm.Contact{Email: "upd.taro@example.jp"}}); err != nil {
		t.Errorf("the old e-mail cannot be reused: %v", err)
	}
}
