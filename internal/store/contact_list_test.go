package store_test

import (
	"database/sql"
	"fmt"
	"math/rand/v2"
	"os"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"renkei/internal/crm"
	"renkei/internal/store"
	"renkei/internal/store/storetest"
)

// listFixture is a small hand-made set of contacts, named by letter.
type listFixture struct {
	s             *store.Store
	id            map[string]int64 // letter → contact id
	name          map[int64]string // contact id → letter
	u1, u2, admin crm.User
	t1, t2        crm.Team
	acme, test    crm.Company // test = ㈱テスト商事
	testAlt       crm.Company // テスト商事株式会社: another row with the same key
	base          time.Time
}

// newListFixture creates contacts a…h, created an hour apart in that order
// (so newest first is h…a), and updates c and a later (so updated_desc
// starts a, c).
//
//	a 山田 太郎 ヤマダ タロウ  taro@yamada.jp  03-1234-5678  ㈱テスト商事  u1/T1 lead new web_form granted  [VIP 展示会]
//	b 山本 花子 ヤマモト ハナコ hanako@yamamoto.jp                ACME Inc.   u2/T2 mql                         [VIP]
//	c Smith John (no reading)  john@smith.com                            u1/-  lead                          [展示会]
//	d 佐藤 一郎 サトウ イチロウ (no e-mail) 090-1111-2222 テスト商事株式会社 -/T1 customer import_sales withdrawn
//	e (no name)                zed@example.com                           u2/-  lead
//	f 伊藤 健 イトウ ケン       ken@ito.jp                                u1/T1 lead working               [VIP]
//	g Yamada Ken (no reading)  yamada@ken.jp                             -/-   subscriber event pending
//	h 小林 愛 こばやし あい      ai@kobayashi.jp 0312345678 (same digits as a) u2/T2 sql
func newListFixture(t *testing.T) *listFixture {
	t.Helper()
	s := storetest.Open(t)
	f := &listFixture{s: s, id: map[string]int64{}, name: map[int64]string{},
		base: time.Date(2026, 4, 1, 9, 0, 0, 0, time.UTC)}
	err := s.InTx(ctx, func(tx *store.Tx) error {
		for _, u := range []*crm.User{&f.u1, &f.u2, &f.admin} {
			u.Status, u.Language, u.Role = crm.UserActive, crm.LangJA, crm.RoleSales
		}
		f.admin.Role = crm.RoleAdmin
		f.u1.Email, f.u2.Email, f.admin.Email = "u1@renkei.test", "u2@renkei.test", "admin@renkei.test"
		for _, u := range []*crm.User{&f.u1, &f.u2, &f.admin} {
			u.Name = u.Email
			if err := tx.CreateUser(ctx, u, "x", f.base); err != nil {
				return err
			}
		}
		f.t1.Name, f.t2.Name = "東京営業", "大阪営業"
		for _, tm := range []*crm.Team{&f.t1, &f.t2} {
			if err := tx.CreateTeam(ctx, tm, f.base); err != nil {
				return err
			}
		}
		if err := tx.SetTeamMember(ctx, f.t1.ID, f.u1.ID, false); err != nil {
			return err
		}
		f.test = crm.Company{Name: "㈱テスト商事", Reading: "テストショウジ"}
		f.testAlt = crm.Company{Name: "テスト商事株式会社"}
		f.acme = crm.Company{Name: "ACME Inc."}
		for _, co := range []*crm.Company{&f.test, &f.testAlt, &f.acme} {
			co.Normalize()
			if err := tx.CreateCompany(ctx, co, f.base); err != nil {
				return err
			}
		}
		contacts := []struct {
			letter string
			c      crm.Contact
		}{
			{"a", crm.Contact{PersonName: crm.PersonName{Family: "山田", Given: "太郎", FamilyReading: "ヤマダ", GivenReading: "タロウ"},
				Email: "taro@yamada.jp", Phone: "03-1234-5678", CompanyID: f.test.ID, OwnerID: f.u1.ID, TeamID: f.t1.ID,
				Lifecycle: crm.StageLead, LeadStatus: crm.LeadNew, OriginalSource: crm.SourceWebForm, Consent: crm.ConsentGranted,
				Tags:  []string{"VIP", "展示会"},
				Props: map[string]any{"budget": 120, "region": "東京", "since": "2025-04-01", "interests": []string{"crm", "ma"}, "active": true}}},
			{"b", crm.Contact{PersonName: crm.PersonName{Family: "山本", Given: "花子", FamilyReading: "ヤマモト", GivenReading: "ハナコ"},
				Email: "hanako@yamamoto.jp", CompanyID: f.acme.ID, OwnerID: f.u2.ID, TeamID: f.t2.ID, Lifecycle: crm.StageMQL,
				Tags:  []string{"VIP"},
				Props: map[string]any{"budget": 80.5, "region": "大阪", "since": "2026-01-15", "interests": []string{"ma"}, "active": false}}},
			{"c", crm.Contact{PersonName: crm.PersonName{Family: "Smith", Given: "John"}, Email: "john@smith.com",
				OwnerID: f.u1.ID, Lifecycle: crm.StageLead, Tags: []string{"展示会"},
				Props: map[string]any{"budget": "n/a", "region": "Tokyo Area", "interests": "crm"}}},
			{"d", crm.Contact{PersonName: crm.PersonName{Family: "佐藤", Given: "一郎", FamilyReading: "サトウ", GivenReading: "イチロウ"},
				Phone: "090-1111-2222", CompanyID: f.testAlt.ID, TeamID: f.t1.ID, Lifecycle: crm.StageCustomer,
				OriginalSource: crm.SourceImportSales, Consent: crm.ConsentWithdrawn}},
			{"e", crm.Contact{Email: "zed@example.com", OwnerID: f.u2.ID, Lifecycle: crm.StageLead,
				Props: map[string]any{"budget": 200, "interests": []string{}}}},
			{"f", crm.Contact{PersonName: crm.PersonName{Family: "伊藤", Given: "健", FamilyReading: "イトウ", GivenReading: "ケン"},
				Email: "ken@ito.jp", OwnerID: f.u1.ID, TeamID: f.t1.ID, Lifecycle: crm.StageLead, LeadStatus: crm.LeadWorking,
				Tags: []string{"VIP"}, Props: map[string]any{"region": "", "since": "2024-12-31"}}},
			{"g", crm.Contact{PersonName: crm.PersonName{Family: "Yamada", Given: "Ken"}, Email: "yamada@ken.jp",
				Lifecycle: crm.StageSubscriber, OriginalSource: crm.SourceEvent, Consent: crm.ConsentPending,
				Props: map[string]any{"region": nil}}},
			{"h", crm.Contact{PersonName: crm.PersonName{Family: "小林", Given: "愛", FamilyReading: "こばやし", GivenReading: "あい"},
				Email: "ai@kobayashi.jp", Phone: "0312345678", OwnerID: f.u2.ID, TeamID: f.t2.ID, Lifecycle: crm.StageSQL}},
		}
		for i, x := range contacts {
			c := x.c
			c.Normalize()
			if err := c.Validate(c.CompanyID != 0); err != nil {
				return fmt.Errorf("%s: %w", x.letter, err)
			}
			if err := tx.CreateContact(ctx, &c, f.base.Add(time.Duration(i)*time.Hour)); err != nil {
				return fmt.Errorf("%s: %w", x.letter, err)
			}
			f.id[x.letter], f.name[c.ID] = c.ID, x.letter
		}
		for i, letter := range []string{"c", "a"} {
			c, err := tx.Contact(ctx, f.id[letter])
			if err != nil {
				return err
			}
			c.JobTitle = "部長"
			if err := tx.UpdateContact(ctx, &c, f.base.Add(time.Duration(24+i)*time.Hour)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// letters names the contacts of a page.
func (f *listFixture) letters(cs []crm.Contact) string {
	var b strings.Builder
	for _, c := range cs {
		if l, ok := f.name[c.ID]; ok {
			b.WriteString(l)
		} else {
			b.WriteString("?")
		}
	}
	return b.String()
}

func (f *listFixture) list(t *testing.T, q store.ContactQuery) store.ContactPage {
	t.Helper()
	p, err := f.s.ListContacts(ctx, q)
	if err != nil {
		t.Fatalf("ListContacts(%+v): %v", q, err)
	}
	return p
}

func TestListContactsFilters(t *testing.T) {
	f := newListFixture(t)
	day := func(h int) time.Time { return f.base.Add(time.Duration(h) * time.Hour) }
	tests := []struct {
		name string
		q    store.ContactQuery
		want string // newest first
	}{
		{"all", store.ContactQuery{}, "hgfedcba"},
		{"stage lead", store.ContactQuery{Stages: []crm.Lifecycle{crm.StageLead}}, "feca"},
		{"stages lead or sql", store.ContactQuery{Stages: []crm.Lifecycle{crm.StageLead, crm.StageSQL}}, "hfeca"},
		{"lead status working", store.ContactQuery{LeadStatuses: []crm.LeadStatus{crm.LeadWorking}}, "f"},
		{"lead status new or working", store.ContactQuery{LeadStatuses: []crm.LeadStatus{crm.LeadNew, crm.LeadWorking}}, "fa"},
		{"owner u1", store.ContactQuery{OwnerIDs: []int64{f.u1.ID}}, "fca"},
		{"owner u2 or nobody", store.ContactQuery{OwnerIDs: []int64{f.u2.ID, 0}}, "hgedb"},
		{"team T1", store.ContactQuery{TeamID: f.t1.ID}, "fda"},
		{"company", store.ContactQuery{CompanyID: f.test.ID}, "a"},
		{"tags all VIP 展示会", store.ContactQuery{TagsAll: []string{"VIP", "展示会"}}, "a"},
		{"tags all VIP", store.ContactQuery{TagsAll: []string{"VIP"}}, "fba"},
		{"tags any VIP 展示会", store.ContactQuery{TagsAny: []string{"展示会", "VIP"}}, "fcba"},
		{"tags any with an unknown tag", store.ContactQuery{TagsAny: []string{"nope", "展示会"}}, "ca"},
		{"tags all with an unknown tag", store.ContactQuery{TagsAll: []string{"VIP", "nope"}}, ""},
		{"source", store.ContactQuery{Sources: []crm.Source{crm.SourceImportSales, crm.SourceEvent}}, "gd"},
		{"consent", store.ContactQuery{Consents: []crm.Consent{crm.ConsentGranted, crm.ConsentPending}}, "ga"},
		{"created from", store.ContactQuery{CreatedFrom: day(5)}, "hgf"},
		{"created range", store.ContactQuery{CreatedFrom: day(1), CreatedBefore: day(3)}, "cb"},
		{"updated from", store.ContactQuery{UpdatedFrom: day(24)}, "ca"},
		{"updated before", store.ContactQuery{UpdatedBefore: day(24)}, "hgfedb"},
		{"lead, owner u1, tag VIP (the F3 shape)", store.ContactQuery{Stages: []crm.Lifecycle{crm.StageLead},
			OwnerIDs: []int64{f.u1.ID}, TagsAll: []string{"VIP"}}, "fa"},
		{"text: family name", store.ContactQuery{Text: "山"}, "ba"}, // 山田, 山本
		{"text: company", store.ContactQuery{Text: "株式会社テスト"}, "da"},
		{"text: tag", store.ContactQuery{Text: "展示会"}, "ca"},
		{"text: e-mail and name", store.ContactQuery{Text: "yamada"}, "g"},
		{"text: phone", store.ContactQuery{Text: "03-1234"}, "ha"},
		{"text and stage", store.ContactQuery{Text: "やま", Stages: []crm.Lifecycle{crm.StageMQL}}, "b"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := f.list(t, tt.q)
			if got := f.letters(p.Contacts); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
			if p.Total != len(tt.want) || !p.TotalExact || p.Next != "" {
				t.Errorf("total %d (exact %v), next %q; want %d, exact, no next", p.Total, p.TotalExact, p.Next, len(tt.want))
			}
		})
	}
}

func TestListContactsRows(t *testing.T) {
	f := newListFixture(t)
	p := f.list(t, store.ContactQuery{TagsAll: []string{"展示会"}, Sort: store.SortReading})
	if got := f.letters(p.Contacts); got != "ac" {
		t.Fatalf("got %q", got)
	}
	a := p.Contacts[0]
	if a.CompanyName != "㈱テスト商事" || !reflect.DeepEqual(a.Tags, []string{"VIP", "展示会"}) || a.Props["budget"] != 120.0 ||
		a.Reading() != "ヤマダ タロウ" || a.JobTitle != "部長" || a.Version != 2 {
		t.Errorf("contact a = %+v", a)
	}
	if c := p.Contacts[1]; !reflect.DeepEqual(c.Tags, []string{"展示会"}) || c.CompanyName != "" {
		t.Errorf("contact c = %+v", c)
	}
}

func TestListContactsSorts(t *testing.T) {
	f := newListFixture(t)
	tests := []struct {
		sort store.ContactSort
		want string
	}{
		{"", "hgfedcba"},
		{store.SortCreatedDesc, "hgfedcba"},
		{store.SortCreatedAsc, "abcdefgh"},
		{store.SortUpdatedDesc, "achgfedb"},
		// name_key in byte order: smith john, yamada ken, 伊藤 健, 佐藤 一郎, 小林 愛, 山本 花子, 山田 太郎; e has no name.
		{store.SortName, "cgfdhbae"},
		// 五十音: イトウ, コバヤシ, サトウ, ヤマダ, ヤマモト; then c, e, g without a reading, by id.
		{store.SortReading, "fhdabceg"},
		// ai@, hanako@, john@, ken@, taro@, yamada@, zed@; d has no e-mail.
		{store.SortEmail, "hbcfaged"},
	}
	for _, tt := range tests {
		t.Run(string(tt.sort), func(t *testing.T) {
			p := f.list(t, store.ContactQuery{Sort: tt.sort})
			if got := f.letters(p.Contacts); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
			// Walking one row at a time gives the same order, each row once.
			var walked []crm.Contact
			q := store.ContactQuery{Sort: tt.sort, Limit: 1, NoTotal: true}
			for i := 0; i < 20; i++ {
				p := f.list(t, q)
				walked = append(walked, p.Contacts...)
				if p.Next == "" {
					break
				}
				q.Cursor = p.Next
			}
			if got := f.letters(walked); got != tt.want {
				t.Errorf("walk by 1: got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestListContactsKeysetWalk(t *testing.T) {
	f := newListFixture(t)
	// A filtered list walked two at a time, with rows added between pages
	// (new rows go to the top of newest-first lists, so the walk misses
	// them and repeats nothing).
	for _, sort := range store.ContactSorts() {
		t.Run(string(sort), func(t *testing.T) {
			q := store.ContactQuery{Stages: []crm.Lifecycle{crm.StageLead, crm.StageSubscriber, crm.StageCustomer}, Sort: sort, Limit: 2}
			want := f.letters(f.list(t, store.ContactQuery{Stages: q.Stages, Sort: sort}).Contacts)
			var got []crm.Contact
			pages := 0
			for {
				p := f.list(t, q)
				pages++
				got = append(got, p.Contacts...)
				if pages == 1 && (p.Total != 6 || !p.TotalExact) {
					t.Errorf("total = %d, %v", p.Total, p.TotalExact)
				}
				if p.Next == "" {
					break
				}
				if pages > 10 {
					t.Fatal("walk does not end")
				}
				q.Cursor, q.NoTotal = p.Next, true
			}
			if f.letters(got) != want || len(want) != 6 || pages != 3 {
				t.Errorf("walk = %q in %d pages, want %q in 3", f.letters(got), pages, want)
			}
		})
	}

	// A new newest contact between pages is not seen by a walk that
	// started earlier; nothing repeats.
	q := store.ContactQuery{Limit: 3}
	p1 := f.list(t, q)
	c := crm.Contact{Email: "new@example.jp"}
	c.Normalize()
	if err := f.s.InTx(ctx, func(tx *store.Tx) error { return tx.CreateContact(ctx, &c, f.base.Add(48*time.Hour)) }); err != nil {
		t.Fatal(err)
	}
	q.Cursor = p1.Next
	p2 := f.list(t, q)
	q.Cursor = p2.Next
	p3 := f.list(t, q)
	if got := f.letters(p1.Contacts) + f.letters(p2.Contacts) + f.letters(p3.Contacts); got != "hgfedcba" || p3.Next != "" {
		t.Errorf("walk with an insert = %q", got)
	}
}

func TestListContactsBadInput(t *testing.T) {
	f := newListFixture(t)
	next := f.list(t, store.ContactQuery{Limit: 1}).Next
	tests := []struct {
		name  string
		q     store.ContactQuery
		field string
	}{
		{"sort", store.ContactQuery{Sort: "id; DROP TABLE contacts"}, "sort"},
		{"limit", store.ContactQuery{Limit: 201}, "limit"},
		{"negative limit", store.ContactQuery{Limit: -1}, "limit"},
		{"cursor garbage", store.ContactQuery{Cursor: "not-a-cursor"}, "cursor"},
		{"cursor of another sort", store.ContactQuery{Cursor: next, Sort: store.SortName}, "cursor"},
		{"stage", store.ContactQuery{Stages: []crm.Lifecycle{"lead' OR '1'='1"}}, "lifecycle_stage"},
		{"lead status", store.ContactQuery{LeadStatuses: []crm.LeadStatus{"maybe"}}, "lead_status"},
		{"source", store.ContactQuery{Sources: []crm.Source{"fax"}}, "original_source"},
		{"consent", store.ContactQuery{Consents: []crm.Consent{"yes"}}, "consent"},
		{"created range", store.ContactQuery{CreatedFrom: f.base, CreatedBefore: f.base}, "created_before"},
		{"visibility", store.ContactQuery{Visibility: "secret"}, "visibility"},
		{"property key injection", store.ContactQuery{Props: []store.PropCondition{{Key: "budget') OR 1=1 --", Op: store.OpIsSet}}}, "props"},
		{"property key with a dot", store.ContactQuery{Props: []store.PropCondition{{Key: "a.b", Op: store.OpIsSet}}}, "props"},
		{"property key upper case", store.ContactQuery{Props: []store.PropCondition{{Key: "Budget", Op: store.OpIsSet}}}, "props"},
		{"property key too long", store.ContactQuery{Props: []store.PropCondition{{Key: "a" + strings.Repeat("b", 63), Op: store.OpIsSet}}}, "props"},
		{"number operand", store.ContactQuery{Props: []store.PropCondition{{Key: "budget", Type: store.PropNumber, Op: store.OpGt, Value: "1; --"}}}, "props.budget"},
		{"date operand", store.ContactQuery{Props: []store.PropCondition{{Key: "since", Type: store.PropDate, Op: store.OpGt, Value: "2026-13-01"}}}, "props.since"},
		{"operator for the type", store.ContactQuery{Props: []store.PropCondition{{Key: "region", Type: store.PropChoice, Op: store.OpGt, Value: "a"}}}, "props.region"},
		{"unknown operator", store.ContactQuery{Props: []store.PropCondition{{Key: "region", Op: "like", Value: "a"}}}, "props.region"},
		{"unknown type", store.ContactQuery{Props: []store.PropCondition{{Key: "region", Type: "blob", Op: store.OpEq, Value: "a"}}}, "props.region"},
		{"in without values", store.ContactQuery{Props: []store.PropCondition{{Key: "region", Type: store.PropChoice, Op: store.OpIn}}}, "props.region"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := f.s.ListContacts(ctx, tt.q)
			v, ok := crm.AsValidation(err)
			if !ok || v.Fields[tt.field] == "" {
				t.Fatalf("err = %v, want a validation error on %q", err, tt.field)
			}
		})
	}
	_, err := f.s.ListContacts(ctx, store.ContactQuery{Props: []store.PropCondition{{Key: "x'); DELETE FROM contacts; --", Op: store.OpIsSet}}})
	if err == nil || !strings.Contains(err.Error(), "is not valid") {
		t.Errorf("injection error = %v, want a clear message", err)
	}
	if p := f.list(t, store.ContactQuery{}); len(p.Contacts) != 8 {
		t.Errorf("after bad queries %d contacts", len(p.Contacts))
	}
}

func TestListContactsCustomProperties(t *testing.T) {
	f := newListFixture(t)
	prop := func(key string, typ store.PropType, op store.PropOp, v string, vs ...string) []store.PropCondition {
		return []store.PropCondition{{Key: key, Type: typ, Op: op, Value: v, Values: vs}}
	}
	tests := []struct {
		name  string
		props []store.PropCondition
		want  string
	}{
		// a 120, b 80.5, c "n/a" (a string: never a number, never an error), e 200.
		{"number gt", prop("budget", store.PropNumber, store.OpGt, "100"), "ea"},
		{"number gte", prop("budget", store.PropNumber, store.OpGte, "120"), "ea"},
		{"number lt", prop("budget", store.PropNumber, store.OpLt, "120"), "b"},
		{"number lte decimal", prop("budget", store.PropNumber, store.OpLte, "80.5"), "b"},
		{"number eq", prop("budget", store.PropNumber, store.OpEq, "200"), "e"},
		{"number ne (includes not set)", prop("budget", store.PropNumber, store.OpNe, "200"), "hgfdcba"},
		{"number in", prop("budget", store.PropNumber, store.OpIn, "", "80.5", "200"), "eb"},
		{"text contains, ASCII case folded", prop("region", store.PropText, store.OpContains, "TOKYO"), "c"},
		{"text contains Japanese", prop("region", "", store.OpContains, "京"), "a"},
		{"text eq", prop("region", store.PropText, store.OpEq, "大阪"), "b"},
		{"text ne", prop("region", store.PropText, store.OpNe, "大阪"), "hgfedca"},
		{"choice in", prop("region", store.PropChoice, store.OpIn, "", "東京", "大阪"), "ba"},
		{"date gte", prop("since", store.PropDate, store.OpGte, "2025-04-01"), "ba"},
		{"date range", append(prop("since", store.PropDate, store.OpGte, "2025-01-01"),
			prop("since", store.PropDate, store.OpLt, "2026-01-01")...), "a"},
		{"date lte", prop("since", store.PropDate, store.OpLte, "2025-04-01"), "fa"},
		// region: a, b, c set; f "" and g null count as not set.
		{"is_set", prop("region", "", store.OpIsSet, ""), "cba"},
		{"not_set", prop("region", "", store.OpNotSet, ""), "hgfed"},
		// interests: a [crm ma], b [ma], c "crm", e [] (not set).
		{"multi is_set", prop("interests", store.PropMultiChoice, store.OpIsSet, ""), "cba"},
		{"multi contains", prop("interests", store.PropMultiChoice, store.OpContains, "ma"), "ba"},
		{"multi in", prop("interests", store.PropMultiChoice, store.OpIn, "", "crm", "x"), "ca"},
		{"bool true", prop("active", store.PropBool, store.OpEq, "true"), "a"},
		{"bool false", prop("active", store.PropBool, store.OpEq, "false"), "b"},
		{"bool ne true", prop("active", store.PropBool, store.OpNe, "true"), "hgfedcb"},
		{"unknown key", prop("nothing", "", store.OpIsSet, ""), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := f.list(t, store.ContactQuery{Props: tt.props})
			if got := f.letters(p.Contacts); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestListContactsTeamVisibility(t *testing.T) {
	f := newListFixture(t)
	team := crm.VisibleTeam
	tests := []struct {
		name   string
		viewer crm.Viewer
		mode   crm.Visibility
		want   string
	}{
		{"workspace mode", crm.Viewer{UserID: f.u2.ID, Role: crm.RoleSales}, crm.VisibleWorkspace, "hgfedcba"},
		{"default mode", crm.Viewer{UserID: f.u2.ID, Role: crm.RoleSales}, "", "hgfedcba"},
		{"admin in team mode", crm.Viewer{UserID: f.admin.ID, Role: crm.RoleAdmin}, team, "hgfedcba"},
		// u1 owns a, c, f; team T1 holds a, d, f.
		{"member of T1", crm.Viewer{UserID: f.u1.ID, Role: crm.RoleSales, TeamIDs: []int64{f.t1.ID}}, team, "fdca"},
		{"owner only", crm.Viewer{UserID: f.u2.ID, Role: crm.RoleSales}, team, "heb"},
		{"member of T1 and T2", crm.Viewer{UserID: f.admin.ID + 100, Role: crm.RoleViewer, TeamIDs: []int64{f.t1.ID, f.t2.ID}}, team, "hfdba"},
		{"nobody", crm.Viewer{Role: crm.RoleViewer}, team, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := f.list(t, store.ContactQuery{Viewer: tt.viewer, Visibility: tt.mode})
			if got := f.letters(p.Contacts); got != tt.want {
				t.Errorf("list: got %q, want %q", got, tt.want)
			}
			// Every contact listed is one CanSee allows, and none is missing.
			all := f.list(t, store.ContactQuery{})
			var want []crm.Contact
			for _, c := range all.Contacts {
				if tt.viewer.CanSee(tt.mode, c.OwnerID, c.TeamID) {
					want = append(want, c)
				}
			}
			if f.letters(want) != tt.want {
				t.Errorf("CanSee says %q", f.letters(want))
			}
			hits, err := f.s.SearchContacts(ctx, "山", tt.viewer, tt.mode, 50)
			if err != nil {
				t.Fatal(err)
			}
			for _, h := range hits {
				if !tt.viewer.CanSee(tt.mode, h.OwnerID, h.TeamID) {
					t.Errorf("search shows %s", f.name[h.ID])
				}
			}
		})
	}
}

func TestSearchContacts(t *testing.T) {
	f := newListFixture(t)
	all := crm.Viewer{Role: crm.RoleAdmin}
	tests := []struct {
		name, q string
		want    string // letters in result order
		match   []store.SearchMatch
	}{
		{"family name prefix", "山", "ab", []store.SearchMatch{store.MatchName, store.MatchName}},
		{"full name with space", "山田 太", "a", []store.SearchMatch{store.MatchName}},
		{"full name without space", "山田太郎", "a", []store.SearchMatch{store.MatchName}},
		{"given name", "太郎", "a", []store.SearchMatch{store.MatchName}},
		{"given name, case-insensitive", "JOHN", "c", []store.SearchMatch{store.MatchName}},
		{"English order", "john smith", "c", []store.SearchMatch{store.MatchName}},
		{"name beats e-mail", "yamada", "g", []store.SearchMatch{store.MatchName}},
		{"reading in katakana", "ヤマ", "ab", []store.SearchMatch{store.MatchReading, store.MatchReading}},
		{"reading in hiragana", "やまだ", "a", []store.SearchMatch{store.MatchReading}},
		{"reading in half-width kana", "ﾔﾏﾓﾄ", "b", []store.SearchMatch{store.MatchReading}},
		{"full reading without space", "やまだたろう", "a", []store.SearchMatch{store.MatchReading}},
		{"reading typed in hiragana at entry", "コバ", "h", []store.SearchMatch{store.MatchReading}},
		{"e-mail prefix", "hanako@", "b", []store.SearchMatch{store.MatchEmail}},
		{"full-width e-mail", "ＴＡＲＯ＠ＹＡＭＡＤＡ", "a", []store.SearchMatch{store.MatchEmail}},
		{"phone digits", "090-1111", "d", []store.SearchMatch{store.MatchPhone}},
		{"phone, any punctuation", "(03) 1234 56", "ha", []store.SearchMatch{store.MatchPhone, store.MatchPhone}},
		{"company by name with legal form", "株式会社テスト", "da", []store.SearchMatch{store.MatchCompany, store.MatchCompany}},
		{"company by other spelling", "テスト商事 K.K.", "da", []store.SearchMatch{store.MatchCompany, store.MatchCompany}},
		{"company, ASCII", "acme", "b", []store.SearchMatch{store.MatchCompany}},
		{"company reading", "てすとしょう", "a", []store.SearchMatch{store.MatchCompany}},
		{"tag", "展示会", "ac", []store.SearchMatch{store.MatchTag, store.MatchTag}},
		{"tag is exact", "展示", "", nil},
		{"nothing", "zzz", "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hits, err := f.s.SearchContacts(ctx, tt.q, all, crm.VisibleTeam, 20)
			if err != nil {
				t.Fatal(err)
			}
			var got []crm.Contact
			var match []store.SearchMatch
			for _, h := range hits {
				got = append(got, h.Contact)
				match = append(match, h.Match)
			}
			if f.letters(got) != tt.want || !slices.Equal(match, tt.match) {
				t.Errorf("got %q %v, want %q %v", f.letters(got), match, tt.want, tt.match)
			}
		})
	}

	hits, err := f.s.SearchContacts(ctx, "展示会", all, "", 20)
	if err != nil || len(hits) != 2 || hits[0].CompanyName != "㈱テスト商事" || !reflect.DeepEqual(hits[0].Tags, []string{"VIP", "展示会"}) {
		t.Errorf("hit rows = %+v, %v", hits, err)
	}
	// Limit cuts after ordering by match: 山 matches two names and a
	// phone number could not match at all.
	hits, err = f.s.SearchContacts(ctx, "山", all, "", 1)
	if err != nil || len(hits) != 1 || hits[0].Match != store.MatchName {
		t.Errorf("limit 1 = %+v, %v", hits, err)
	}
	if _, err := f.s.SearchContacts(ctx, "x", all, "", 201); err == nil {
		t.Error("limit 201 accepted")
	}
	if hits, err := f.s.SearchContacts(ctx, "  ", all, "", 20); err != nil || len(hits) != 0 {
		t.Errorf("empty query = %v, %v", hits, err)
	}
}

// TestContactListsAtScale loads 20,000 generated contacts and checks
// totals above ExactTotalUpTo, that lists return what a plain reference
// query returns whichever plan ListContacts picks (tag-driven or not), and
// that the shapes of benchmarks F2 and F3 run on index range scans. On
// PostgreSQL, sequential scans are disabled for the plan checks: with
// 20,000 rows a full scan is what PostgreSQL rightly prefers, and the
// question here is whether an index plan exists (BenchmarkListContacts
// shows it is chosen at scale).
func TestContactListsAtScale(t *testing.T) {
	if testing.Short() {
		t.Skip("loads 20,000 contacts")
	}
	opts := storetest.Options(t)
	if opts.DatabaseURL != "" {
		opts.DatabaseURL += "&options=-c%20enable_seqscan%3Doff"
	}
	s, err := store.Open(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	fx := loadContacts(t, s, 20_000, 2)
	if s.IsPostgres() {
		if _, err := s.DB().Exec("ANALYZE"); err != nil {
			t.Fatal(err)
		}
	}
	// tag00 is on ~6,000 contacts, tag29 on ~200: the first is probed per
	// contact, the second drives the query.
	common, rare := fx.tags[0], fx.tags[29]
	lead := []crm.Lifecycle{crm.StageLead}
	owner := fx.owners[3]

	t.Run("totals", func(t *testing.T) {
		p, err := s.ListContacts(ctx, store.ContactQuery{})
		if err != nil {
			t.Fatal(err)
		}
		if p.Total != store.ExactTotalUpTo || p.TotalExact || len(p.Contacts) != 50 || p.Next == "" {
			t.Errorf("total %d exact %v, %d rows", p.Total, p.TotalExact, len(p.Contacts))
		}
	})

	// ref is the first page and the total by a query without tricks.
	ref := func(t *testing.T, where string, args ...any) (ids []int64, total int) {
		t.Helper()
		rows, err := s.DB().Query("SELECT c.id FROM contacts c WHERE "+where+" ORDER BY c.created_at DESC, c.id DESC", args...)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		for rows.Next() {
			var id int64
			rows.Scan(&id)
			if total++; total <= 50 {
				ids = append(ids, id)
			}
		}
		return ids, total
	}
	tagged := func(tag string) string {
		return "c.id IN (SELECT ct.contact_id FROM contact_tags ct JOIN tags t ON t.id = ct.tag_id WHERE t.name = '" + tag + "')"
	}
	same := []struct {
		name  string
		q     store.ContactQuery
		where string
		args  []any
	}{
		{"rare tag", store.ContactQuery{TagsAll: []string{rare}}, tagged(rare), nil},
		{"rare tag, lead", store.ContactQuery{TagsAll: []string{rare}, Stages: lead}, tagged(rare) + " AND c.lifecycle_stage = 'lead'", nil},
		{"rare and common tag", store.ContactQuery{TagsAll: []string{common, rare}}, tagged(rare) + " AND " + tagged(common), nil},
		{"common tag", store.ContactQuery{TagsAll: []string{common}}, tagged(common), nil},
		{"F3: lead, owner, common tag", store.ContactQuery{TagsAll: []string{common}, Stages: lead, OwnerIDs: []int64{owner}},
			tagged(common) + " AND c.lifecycle_stage = 'lead' AND c.owner_id = $1", []any{owner}},
		{"F3: lead, owner, rare tag", store.ContactQuery{TagsAll: []string{rare}, Stages: lead, OwnerIDs: []int64{owner}},
			tagged(rare) + " AND c.lifecycle_stage = 'lead' AND c.owner_id = $1", []any{owner}},
	}
	for _, tt := range same {
		t.Run(tt.name, func(t *testing.T) {
			p, err := s.ListContacts(ctx, tt.q)
			if err != nil {
				t.Fatal(err)
			}
			var got []int64
			for _, c := range p.Contacts {
				got = append(got, c.ID)
			}
			want, total := ref(t, tt.where, tt.args...)
			if !slices.Equal(got, want) || p.Total != min(total, store.ExactTotalUpTo) || p.TotalExact != (total <= store.ExactTotalUpTo) {
				t.Errorf("got %d rows, total %d; want %d rows, total %d", len(got), p.Total, len(want), total)
			}
			if total < 2 {
				t.Errorf("fixture too thin: %d rows", total)
			}
		})
	}

	f3 := store.ContactQuery{Stages: lead, OwnerIDs: []int64{owner}, TagsAll: []string{common}}
	lists := []struct {
		name  string
		q     store.ContactQuery
		index string
	}{
		{"F3 lead+owner+tag newest first", f3, "contacts_owner_stage"},
		{"F3 next page", withCursor(t, s, f3), "contacts_owner_stage"},
		{"rare tag", store.ContactQuery{TagsAll: []string{rare}}, "contact_tags"},
		{"newest first", store.ContactQuery{}, "contacts_created"},
		{"reading", store.ContactQuery{Sort: store.SortReading}, "contacts_reading_key"},
		{"updated", store.ContactQuery{Sort: store.SortUpdatedDesc}, "contacts_updated"},
		{"team", store.ContactQuery{TeamID: fx.teams[0]}, "contacts_team"},
	}
	for _, tt := range lists {
		t.Run("plan "+tt.name, func(t *testing.T) {
			plan, err := s.ExplainContactList(ctx, tt.q)
			if err != nil {
				t.Fatal(err)
			}
			checkPlan(t, s, plan, tt.index)
		})
	}
	searches := []struct{ name, q, index string }{
		{"F2 reading prefix", "ヤマ", "contacts_reading_key"},
		{"F2 e-mail prefix", "taro.", "email"},
		{"F2 company name", "テクノ", "companies_name_key"},
		{"name", "山田", "contacts_name_key"},
		{"given name", "taro", "contacts_given_key"},
		{"phone", "03-55", "contacts_phone_key"},
	}
	for _, tt := range searches {
		t.Run("plan "+tt.name, func(t *testing.T) {
			plan, err := s.ExplainContactSearch(ctx, tt.q, crm.Viewer{}, "", 50)
			if err != nil {
				t.Fatal(err)
			}
			checkPlan(t, s, plan, tt.index)
		})
	}
}

func withCursor(t *testing.T, s *store.Store, q store.ContactQuery) store.ContactQuery {
	p, err := s.ListContacts(ctx, store.ContactQuery{Stages: q.Stages, OwnerIDs: q.OwnerIDs, TagsAll: q.TagsAll, Limit: 5})
	if err != nil || p.Next == "" {
		t.Fatalf("first page: %v, next %q", err, p.Next)
	}
	q.Cursor = p.Next
	return q
}

// checkPlan fails when a plan scans the contacts table or does not use the
// expected index (on PostgreSQL the unique e-mail index is contacts_email_key).
func checkPlan(t *testing.T, s *store.Store, plan, index string) {
	t.Helper()
	if index == "email" {
		index = "contacts_email_key"
		if !s.IsPostgres() {
			index = "sqlite_autoindex_contacts_1"
		}
	}
	full := "SCAN c\n"
	if s.IsPostgres() {
		full = "Seq Scan on contacts"
	}
	if strings.Contains(plan, full) || !strings.Contains(plan, index) {
		t.Errorf("plan does not use %s:\n%s", index, plan)
	}
}

// ---- bulk loading for tests and benchmarks ----

// benchFixture names what loadContacts created.
type benchFixture struct {
	owners []int64
	teams  []int64
	tags   []string
}

const (
	benchOwners = 20
	benchTeams  = 5
	benchTags   = 30
)

// loadContacts inserts n generated contacts (with n/10 companies, 20
// owners in 5 teams, 30 tags) in one transaction with multi-row INSERTs.
// Half the people have Japanese names with readings. Tag i is on about
// 30/(i+1) % of the contacts.
func loadContacts(tb testing.TB, s *store.Store, n int, seed uint64) benchFixture {
	tb.Helper()
	rng := rand.New(rand.NewPCG(seed, 42))
	// Name parts: kanji, katakana reading, romaji.
	var (
		benchFamilies = [][3]string{{"佐藤", "サトウ", "sato"}, {"鈴木", "スズキ", "suzuki"}, {"高橋", "タカハシ", "takahashi"},
			{"田中", "タナカ", "tanaka"}, {"伊藤", "イトウ", "ito"}, {"渡辺", "ワタナベ", "watanabe"}, {"山本", "ヤマモト", "yamamoto"},
			{"中村", "ナカムラ", "nakamura"}, {"小林", "コバヤシ", "kobayashi"}, {"加藤", "カトウ", "kato"}, {"吉田", "ヨシダ", "yoshida"},
			{"山田", "ヤマダ", "yamada"}, {"佐々木", "ササキ", "sasaki"}, {"山口", "ヤマグチ", "yamaguchi"}, {"松本", "マツモト", "matsumoto"},
			{"井上", "イノウエ", "inoue"}, {"木村", "キムラ", "kimura"}, {"林", "ハヤシ", "hayashi"}, {"斎藤", "サイトウ", "saito"},
			{"清水", "シミズ", "shimizu"}, {"山崎", "ヤマザキ", "yamazaki"}, {"森", "モリ", "mori"}, {"池田", "イケダ", "ikeda"},
			{"橋本", "ハシモト", "hashimoto"}, {"阿部", "アベ", "abe"}, {"石川", "イシカワ", "ishikawa"}, {"山下", "ヤマシタ", "yamashita"},
			{"中島", "ナカジマ", "nakajima"}, {"石井", "イシイ", "ishii"}, {"小川", "オガワ", "ogawa"}}
		benchGivens = [][3]string{{"太郎", "タロウ", "taro"}, {"花子", "ハナコ", "hanako"}, {"一郎", "イチロウ", "ichiro"},
			{"健", "ケン", "ken"}, {"翔", "ショウ", "sho"}, {"陽菜", "ヒナ", "hina"}, {"結衣", "ユイ", "yui"}, {"大輔", "ダイスケ", "daisuke"},
			{"直樹", "ナオキ", "naoki"}, {"美咲", "ミサキ", "misaki"}, {"拓也", "タクヤ", "takuya"}, {"愛", "アイ", "ai"},
			{"誠", "マコト", "makoto"}, {"由美", "ユミ", "yumi"}, {"隆", "タカシ", "takashi"}, {"恵", "メグミ", "megumi"},
			{"亮", "リョウ", "ryo"}, {"彩", "アヤ", "aya"}, {"健太", "ケンタ", "kenta"}, {"真由美", "マユミ", "mayumi"}}
		benchFirst = []string{"James", "Mary", "John", "Patricia", "Robert", "Jennifer", "Michael", "Linda", "David", "Elizabeth",
			"William", "Susan", "Richard", "Jessica", "Joseph", "Sarah", "Thomas", "Karen", "Daniel", "Emily"}
		benchLast = []string{"Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez", "Martinez",
			"Wilson", "Anderson", "Taylor", "Thomas", "Moore", "Jackson", "Martin", "Lee", "Thompson", "White"}
		benchWords = [][2]string{{"テクノ", "テクノ"}, {"日本", "ニホン"}, {"東京", "トウキョウ"}, {"サン", "サン"}, {"アジア", "アジア"},
			{"グローバル", "グローバル"}, {"未来", "ミライ"}, {"光", "ヒカリ"}, {"大和", "ヤマト"}, {"富士", "フジ"}, {"桜", "サクラ"},
			{"北斗", "ホクト"}, {"中央", "チュウオウ"}, {"第一", "ダイイチ"}, {"新星", "シンセイ"}, {"丸の内", "マルノウチ"}}
		benchTrades = [][2]string{{"商事", "ショウジ"}, {"製作所", "セイサクショ"}, {"システムズ", "システムズ"}, {"物産", "ブッサン"},
			{"電機", "デンキ"}, {"建設", "ケンセツ"}, {"ソリューションズ", "ソリューションズ"}, {"食品", "ショクヒン"}}
		benchStages = []struct {
			stage  crm.Lifecycle
			weight int
		}{{crm.StageSubscriber, 20}, {crm.StageLead, 40}, {crm.StageMQL, 15}, {crm.StageSQL, 8},
			{crm.StageOpportunity, 5}, {crm.StageCustomer, 10}, {crm.StageDisqualified, 2}}
		benchRegions = []string{"東京都", "大阪府", "神奈川県", "愛知県", "福岡県", "北海道"}
	)

	now := time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)
	var fx benchFixture
	err := s.InTx(ctx, func(tx *store.Tx) error {
		for i := 0; i < benchTeams; i++ {
			tm := crm.Team{Name: fmt.Sprintf("bench team %d-%d", seed, i)}
			if err := tx.CreateTeam(ctx, &tm, now); err != nil {
				return err
			}
			fx.teams = append(fx.teams, tm.ID)
		}
		for i := 0; i < benchOwners; i++ {
			u := crm.User{Email: fmt.Sprintf("owner%d-%d@bench.example", seed, i), Name: fmt.Sprintf("Owner %d", i),
				Role: crm.RoleSales, Status: crm.UserActive, Language: crm.LangJA}
			if err := tx.CreateUser(ctx, &u, "x", now); err != nil {
				return err
			}
			if err := tx.SetTeamMember(ctx, fx.teams[i%benchTeams], u.ID, false); err != nil {
				return err
			}
			fx.owners = append(fx.owners, u.ID)
		}
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
	for i := 0; i < benchTags; i++ {
		fx.tags = append(fx.tags, fmt.Sprintf("tag%02d-%d", i, seed))
	}

	db := s.DB()
	sqlTx, err := db.Begin()
	if err != nil {
		tb.Fatal(err)
	}
	defer sqlTx.Rollback()
	next := func(table string) int64 {
		var id int64
		if err := sqlTx.QueryRow("SELECT COALESCE(MAX(id), 0) + 1 FROM " + table).Scan(&id); err != nil {
			tb.Fatal(err)
		}
		return id
	}
	firstCompany, firstContact, firstTag := next("companies"), next("contacts"), next("tags")
	ins := &bulkInsert{tb: tb, tx: sqlTx, pg: s.IsPostgres()}

	nCompanies := max(n/10, 1)
	for i := 0; i < nCompanies; i++ {
		w, tr := benchWords[rng.IntN(len(benchWords))], benchTrades[rng.IntN(len(benchTrades))]
		name := w[0] + tr[0] + strconv.Itoa(i)
		switch i % 3 {
		case 0:
			name = "株式会社" + name
		case 1:
			name += "株式会社"
		default:
			name = fmt.Sprintf("Bench %s %d Co., Ltd.", benchLast[i%len(benchLast)], i)
		}
		_, _, key := crm.CompanyKey(name)
		ins.row("companies (id, name, name_key, reading, created_at, updated_at)",
			firstCompany+int64(i), name, key, w[1]+tr[1], now.UnixMilli(), now.UnixMilli())
	}
	ins.flush()
	for i, name := range fx.tags {
		ins.row("tags (id, name)", firstTag+int64(i), name)
	}
	ins.flush()

	span := int64(3 * 365 * 24 * time.Hour / time.Millisecond)
	start := now.UnixMilli() - span
	for i := 0; i < n; i++ {
		id := firstContact + int64(i)
		var pn crm.PersonName
		var local string
		if i%2 == 0 {
			f, g := benchFamilies[rng.IntN(len(benchFamilies))], benchGivens[rng.IntN(len(benchGivens))]
			pn = crm.PersonName{Family: f[0], Given: g[0], FamilyReading: f[1], GivenReading: g[1]}
			local = g[2] + "." + f[2]
		} else {
			f, g := benchLast[rng.IntN(len(benchLast))], benchFirst[rng.IntN(len(benchFirst))]
			pn = crm.PersonName{Family: f, Given: g}
			local = strings.ToLower(g + "." + f)
		}
		var email any
		if rng.IntN(10) > 0 {
			email = fmt.Sprintf("%s%d@example%d.jp", local, id, rng.IntN(500))
		}
		phone := ""
		if rng.IntN(10) < 6 {
			phone = fmt.Sprintf("0%d-%04d-%04d", 3+rng.IntN(7), rng.IntN(10000), rng.IntN(10000))
		}
		var company, owner, team any
		if rng.IntN(10) < 8 {
			company = firstCompany + int64(rng.IntN(nCompanies))
		}
		if rng.IntN(20) > 0 {
			o := rng.IntN(benchOwners)
			owner, team = fx.owners[o], fx.teams[o%benchTeams]
		}
		stage, w := crm.StageLead, rng.IntN(100)
		for _, st := range benchStages {
			if w < st.weight {
				stage = st.stage
				break
			}
			w -= st.weight
		}
		props := map[string]any{}
		if rng.IntN(10) < 7 {
			props["budget"] = rng.IntN(1000)
		}
		if rng.IntN(2) == 0 {
			props["region"] = benchRegions[rng.IntN(len(benchRegions))]
		}
		propsJSON := "{}"
		if len(props) > 0 {
			propsJSON = mustJSON(props)
		}
		created := start + span*int64(i)/int64(n) + rng.Int64N(86_400_000)
		updated := created + rng.Int64N(30*86_400_000)
		readingKey := pn.Reading()
		nameKey := strings.ToLower(strings.TrimSpace(pn.Family + " " + pn.Given))
		ins.row(`contacts (id, email, family_name, given_name, family_reading, given_reading, reading_key, name_key,
			phone, phone_key, company_id, owner_id, team_id, lifecycle_stage, original_source, consent, props, created_at, updated_at)`,
			id, email, pn.Family, pn.Given, pn.FamilyReading, pn.GivenReading, readingKey, nameKey, phone, crm.PhoneKey(phone),
			company, owner, team, string(stage), "manual", "unknown", propsJSON, created, updated)
	}
	ins.flush()
	for i := 0; i < n; i++ {
		id := firstContact + int64(i)
		for tg := 0; tg < benchTags; tg++ {
			if rng.IntN(100*(tg+1)) < 30 {
				ins.row("contact_tags (tag_id, contact_id)", firstTag+int64(tg), id)
			}
		}
	}
	ins.flush()
	if s.IsPostgres() {
		for _, table := range []string{"companies", "contacts", "tags"} {
			if _, err := sqlTx.Exec("SELECT setval(pg_get_serial_sequence('" + table + "', 'id'), (SELECT MAX(id) FROM " + table + "))"); err != nil {
				tb.Fatal(err)
			}
		}
	}
	if err := sqlTx.Commit(); err != nil {
		tb.Fatal(err)
	}
	return fx
}

// bulkInsert batches rows of one table into multi-row INSERTs. On SQLite
// it writes ? placeholders: modernc looks $N names up in a list, which
// costs O(n²) in a statement with thousands of them.
type bulkInsert struct {
	tb    testing.TB
	tx    *sql.Tx
	pg    bool
	table string
	rows  int
	vals  []any
	width int
}

func (b *bulkInsert) row(table string, vals ...any) {
	if table != b.table {
		b.flush()
		b.table, b.width = table, len(vals)
	}
	b.vals = append(b.vals, vals...)
	b.rows++
	if len(b.vals) >= 8000 {
		b.flush()
	}
}

func (b *bulkInsert) flush() {
	if b.rows == 0 {
		return
	}
	var q strings.Builder
	q.WriteString("INSERT INTO " + b.table + " VALUES ")
	for r := 0; r < b.rows; r++ {
		if r > 0 {
			q.WriteString(", ")
		}
		q.WriteString("(")
		for c := 0; c < b.width; c++ {
			if c > 0 {
				q.WriteString(", ")
			}
			if b.pg {
				q.WriteString("$" + strconv.Itoa(r*b.width+c+1))
			} else {
				q.WriteString("?")
			}
		}
		q.WriteString(")")
	}
	if _, err := b.tx.Exec(q.String(), b.vals...); err != nil {
		b.tb.Fatalf("insert into %s: %v", b.table, err)
	}
	b.rows, b.vals = 0, b.vals[:0]
}

func mustJSON(v map[string]any) string {
	keys := make([]string, 0, len(v))
	for k := range v {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	b.WriteString("{")
	for i, k := range keys {
		if i > 0 {
			b.WriteString(",")
		}
		switch x := v[k].(type) {
		case int:
			fmt.Fprintf(&b, "%q:%d", k, x)
		default:
			fmt.Fprintf(&b, "%q:%q", k, fmt.Sprint(x))
		}
	}
	b.WriteString("}")
	return b.String()
}

// ---- benchmarks (F2, F3) ----

// benchStore returns a store with RENKEI_BENCH_CONTACTS (default 100,000)
// generated contacts. By default it is a fresh test database, loaded
// first. With RENKEI_BENCH_DB set (a directory for SQLite, or a
// postgres:// URL) the database there is loaded once and reused by later
// runs, which is how the 1,000,000-row figures are taken.
func benchStore(b *testing.B) (*store.Store, benchFixture) {
	n := 100_000
	if v := os.Getenv("RENKEI_BENCH_CONTACTS"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil || n < 1000 {
			b.Fatalf("RENKEI_BENCH_CONTACTS=%q: want a number ≥ 1000", v)
		}
	}
	var s *store.Store
	dbAt := os.Getenv("RENKEI_BENCH_DB")
	if dbAt == "" {
		s = storetest.Open(b)
	} else {
		o := store.Options{DataDir: dbAt}
		if strings.HasPrefix(dbAt, "postgres") {
			o = store.Options{DatabaseURL: dbAt}
		}
		var err error
		if s, err = store.Open(ctx, o); err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { s.Close() })
		if _, err := s.Migrate(ctx); err != nil {
			b.Fatal(err)
		}
	}
	var have int
	if err := s.DB().QueryRow("SELECT COUNT(*) FROM contacts").Scan(&have); err != nil {
		b.Fatal(err)
	}
	if have == 0 {
		t0 := time.Now()
		loadContacts(b, s, n, 7)
		if s.IsPostgres() {
			// What autovacuum does soon after a load: statistics for the
			// planner, and the visibility map for index-only scans.
			if _, err := s.DB().Exec("VACUUM ANALYZE"); err != nil {
				b.Fatal(err)
			}
		}
		b.Logf("loaded %d contacts on %s in %v", n, s.DriverName(), time.Since(t0).Round(time.Millisecond))
	} else if have != n {
		b.Fatalf("%s holds %d contacts, not RENKEI_BENCH_CONTACTS=%d: empty it or set the count", dbAt, have, n)
	}
	// The fixture's ids, as loadContacts made them.
	var fx benchFixture
	rows, err := s.DB().Query("SELECT id FROM users WHERE email LIKE 'owner7-%' ORDER BY id")
	if err != nil {
		b.Fatal(err)
	}
	for rows.Next() {
		var id int64
		rows.Scan(&id)
		fx.owners = append(fx.owners, id)
	}
	rows.Close()
	for i := 0; i < benchTags; i++ {
		fx.tags = append(fx.tags, fmt.Sprintf("tag%02d-7", i))
	}
	return s, fx
}

// timings collects per-operation durations and reports p50 and p95.
type timings []time.Duration

func (ts timings) report(b *testing.B) {
	if len(ts) == 0 {
		return
	}
	slices.Sort(ts)
	q := func(p float64) float64 { return float64(ts[int(p*float64(len(ts)-1))].Microseconds()) / 1000 }
	b.ReportMetric(q(0.50), "p50-ms")
	b.ReportMetric(q(0.95), "p95-ms")
}

// BenchmarkListContacts is F3: lifecycle = lead AND owner = X AND tag = Y,
// newest first, a page of 50 with a total, over varying owners and tags.
func BenchmarkListContacts(b *testing.B) {
	s, fx := benchStore(b)
	shapes := []struct {
		name string
		q    func(i int) store.ContactQuery
	}{
		{"F3_lead_owner_tag", func(i int) store.ContactQuery {
			return store.ContactQuery{Stages: []crm.Lifecycle{crm.StageLead}, OwnerIDs: []int64{fx.owners[i%benchOwners]},
				TagsAll: []string{fx.tags[i%10]}, Limit: 50}
		}},
		{"newest_first", func(i int) store.ContactQuery { return store.ContactQuery{Limit: 50} }},
		{"reading_order", func(i int) store.ContactQuery { return store.ContactQuery{Sort: store.SortReading, Limit: 50} }},
		{"prop_budget_gt", func(i int) store.ContactQuery {
			return store.ContactQuery{OwnerIDs: []int64{fx.owners[i%benchOwners]}, Stages: []crm.Lifecycle{crm.StageLead},
				Props: []store.PropCondition{{Key: "budget", Type: store.PropNumber, Op: store.OpGt, Value: "900"}}, Limit: 50}
		}},
	}
	for _, sh := range shapes {
		b.Run(sh.name, func(b *testing.B) {
			var ts timings
			i := 0
			for b.Loop() {
				t0 := time.Now()
				p, err := s.ListContacts(ctx, sh.q(i))
				ts = append(ts, time.Since(t0))
				if err != nil {
					b.Fatal(err)
				}
				if len(p.Contacts) == 0 {
					b.Fatalf("empty page for %+v", sh.q(i))
				}
				i++
			}
			ts.report(b)
		})
	}
}

// BenchmarkSearchContacts is F2: a reading prefix, an e-mail prefix or a
// company name; the first 50.
func BenchmarkSearchContacts(b *testing.B) {
	s, _ := benchStore(b)
	queries := map[string][]string{
		"F2_reading":  {"ヤマ", "さとう", "ﾀﾅｶ", "イトウ ケン", "すずきはな", "コバヤシ"},
		"F2_email":    {"taro.", "hanako.suzuki", "james.sm", "ken.ito1", "ＭＡＲＹ．", "yui."},
		"F2_company":  {"テクノ", "株式会社日本", "東京商事", "bench smith", "サクラ電機", "未来"},
		"name_kanji":  {"山田", "佐藤 健", "田中太郎", "小", "伊藤美咲", "林"},
		"name_latin":  {"smith", "Mary", "john lee", "davis", "Em", "thomas"},
		"phone_digit": {"03-12", "0412", "090", "05-9999"},
	}
	names := make([]string, 0, len(queries))
	for k := range queries {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, name := range names {
		qs := queries[name]
		b.Run(name, func(b *testing.B) {
			var ts timings
			i := 0
			for b.Loop() {
				t0 := time.Now()
				_, err := s.SearchContacts(ctx, qs[i%len(qs)], crm.Viewer{}, "", 50)
				ts = append(ts, time.Since(t0))
				if err != nil {
					b.Fatal(err)
				}
				i++
			}
			ts.report(b)
		})
	}
}
