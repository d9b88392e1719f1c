package app

import (
	"bytes"
	"encoding/csv"
	"errors"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/encoding/japanese"

	"renkei/internal/crm"
	"renkei/internal/store"
)

// exportProps are the custom properties both workspaces of a round trip
// define.
var exportProps = []crm.Property{
	{Object: "contact", Key: "budget", LabelJA: "予算", LabelEN: "Budget", Type: crm.PropNumber},
	{Object: "contact", Key: "interests", LabelJA: "関心", LabelEN: "Interests", Type: crm.PropMultiChoice, Options: []string{"CRM", "MA", "SFA"}},
	{Object: "contact", Key: "newsletter", LabelJA: "メルマガ", LabelEN: "Newsletter", Type: crm.PropBool},
	{Object: "contact", Key: "met_on", LabelJA: "初回面談日", LabelEN: "First Meeting", Type: crm.PropDate},
	{Object: "company", Key: "rank", LabelJA: "ランク", LabelEN: "Rank", Type: crm.PropChoice, Options: []string{"A", "B"}},
}

func defineProps(t *testing.T, f *fixture) {
	t.Helper()
	for _, p := range exportProps {
		if _, err := f.app.CreateProperty(ctx, f.owner, p); err != nil {
			t.Fatal(err)
		}
	}
}

// comparable strips what differs between two workspaces holding the same
// people: ids, times, versions, the source an import gives.
func comparable(c crm.Contact) crm.Contact {
	c.ID, c.CompanyID, c.Version = 0, 0, 0
	c.CreatedAt, c.UpdatedAt = time.Time{}, time.Time{}
	c.OriginalSource, c.SourceDetail = "", ""
	if len(c.Props) == 0 {
		c.Props = nil
	}
	return c
}

func allContacts(t *testing.T, f *fixture) []crm.Contact {
	t.Helper()
	page, err := f.app.ListContacts(ctx, f.owner, store.ContactQuery{Sort: store.SortEmail, Limit: 200})
	if err != nil {
		t.Fatal(err)
	}
	return page.Contacts
}

func TestExportThenImportRoundTrips(t *testing.T) {
	for _, tc := range []struct {
		lang crm.Language
		enc  string
	}{{crm.LangJA, "utf-8"}, {crm.LangEN, "shift_jis"}} {
		t.Run(string(tc.lang)+" "+tc.enc, func(t *testing.T) {
			src := newFixture(t, tc.lang)
			defineProps(t, src)
			src.owner.User.Language = tc.lang
			co, err := src.app.CreateCompany(ctx, src.owner, CompanyInput{Company: crm.Company{Name: "株式会社サンプル",
				Reading: "サンプル", Domain: "sample.co.jp", Industry: "製造業", Employees: 120, PostalCode: "100-0005",
				Prefecture: "東京都", City: "千代田区", Street: "丸の内1-1", Country: "日本"}, Props: map[string]any{"rank": "A"}}, false)
			if err != nil {
				t.Fatal(err)
			}
			inputs := []ContactInput{
				{Contact: crm.Contact{Email: "taro@example.jp", PersonName: crm.PersonName{Family: "山田", Given: "太郎",
					FamilyReading: "ヤマダ", GivenReading: "タロウ"}, Honorific: "様", Phone: "+81 3-1234-5678", JobTitle: "部長",
					Department: "営業部", CompanyID: co.ID, OwnerID: src.owner.User.ID, Tags: []string{"VIP", "展示会2026"},
					Lifecycle: crm.StageMQL, LeadStatus: crm.LeadWorking, Consent: crm.ConsentGranted},
					Props: map[string]any{"budget": 1500000, "interests": []string{"CRM", "SFA"}, "newsletter": true, "met_on": "2026-03-31"}},
				{Contact: crm.Contact{Email: "jane@example.com", PersonName: crm.PersonName{Family: "Doe", Given: "Jane"},
					Honorific: "Ms.", Lifecycle: crm.StageCustomer, Consent: crm.ConsentWithdrawn},
					Props: map[string]any{"budget": -5.5, "newsletter": false}},
				{Contact: crm.Contact{PersonName: crm.PersonName{Family: "鈴木", Given: "一郎"}, Phone: "090-1111-2222",
					Lifecycle: crm.StageLead}},
			}
			for _, in := range inputs {
				if _, err := src.app.CreateContact(ctx, src.owner, in); err != nil {
					t.Fatal(err)
				}
			}
			var buf bytes.Buffer
			if err := src.app.ExportContacts(ctx, src.owner, store.ContactQuery{}, tc.enc, &buf); err != nil {
				t.Fatal(err)
			}
			file := buf.Bytes()
			if tc.enc == "utf-8" && !bytes.HasPrefix(file, []byte("\uFEFF")) {
				t.Errorf("UTF-8 export without a byte-order mark: %q", file[:min(len(file), 20)])
			}
			if tc.enc == "shift_jis" {
				utf, err := japanese.ShiftJIS.NewDecoder().Bytes(file)
				if err != nil || !strings.Contains(string(utf), "山田") {
					t.Errorf("Shift_JIS export does not decode to the names (err %v)", err)
				}
			}

			dst := newFixture(t, tc.lang)
			defineProps(t, dst)
			p, err := dst.app.PreviewImport(ctx, dst.owner, "contact", file, "auto")
			if err != nil {
				t.Fatal(err)
			}
			wantUnmapped := []string{"Record ID", "Original Source", "Create Date", "Last Modified Date"}
			if tc.lang == crm.LangJA {
				wantUnmapped = []string{"レコードID", "流入元", "作成日時", "更新日時"}
			}
			if !reflect.DeepEqual(p.Unmapped, wantUnmapped) || len(p.Mapping) != len(contactExportFields)+4 {
				t.Errorf("re-import mapping %v, unmapped %q", p.Mapping, p.Unmapped)
			}
			// The owner is matched by e-mail address: the same person.
			im := importCSV(t, dst, ImportRequest{Data: file}, "")
			if im.Created != 3 || im.Errors != 0 {
				errs, _ := dst.app.ImportErrors(ctx, dst.owner, im.ID, 0)
				t.Fatalf("re-import %+v, errors %+v", im, errs)
			}
			got, want := allContacts(t, dst), allContacts(t, src)
			if len(got) != len(want) {
				t.Fatalf("%d contacts after the round trip, want %d", len(got), len(want))
			}
			for i := range want {
				g, w := comparable(got[i]), comparable(want[i])
				if !reflect.DeepEqual(g, w) {
					t.Errorf("contact %d after the round trip\n got %+v\nwant %+v", i, g, w)
				}
			}
			gotCo, _ := dst.app.ListCompanies(ctx, dst.owner, store.CompanyQuery{})
			if len(gotCo.Companies) != 1 || gotCo.Companies[0].Domain != "sample.co.jp" || gotCo.Companies[0].Employees != 120 ||
				gotCo.Companies[0].Street != "丸の内1-1" || gotCo.Companies[0].Country != "日本" {
				t.Errorf("company after the round trip: %+v", gotCo.Companies)
			}
		})
	}
}

func TestExportCompaniesRoundTrips(t *testing.T) {
	src := newFixture(t, crm.LangJA)
	defineProps(t, src)
	src.owner.User.Language = crm.LangJA
	for _, co := range []CompanyInput{
		{Company: crm.Company{Name: "株式会社サンプル", Reading: "サンプル", Domain: "sample.co.jp", Phone: "03-1234-5678",
			Industry: "製造業", Employees: 120, PostalCode: "100-0005", Prefecture: "東京都", City: "千代田区", Street: "丸の内1-1",
			OwnerID: src.owner.User.ID}, Props: map[string]any{"rank": "B"}},
		{Company: crm.Company{Name: "=cmd|' /C calc'!A0"}},
	} {
		if _, err := src.app.CreateCompany(ctx, src.owner, co, false); err != nil {
			t.Fatal(err)
		}
	}
	var buf bytes.Buffer
	if err := src.app.ExportCompanies(ctx, src.owner, "", &buf); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(buf.Bytes(), []byte("\uFEFF")))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	wantHeader := []string{"会社名", "会社名（フリガナ）", "ウェブサイト", "電話番号", "業種", "従業員数", "郵便番号", "都道府県",
		"市区町村", "番地", "国", "担当者", "ランク", "レコードID", "作成日時", "更新日時"}
	if len(rows) != 3 || !reflect.DeepEqual(rows[0], wantHeader) {
		t.Fatalf("export:\n%q", rows)
	}
	if rows[2][0] != "'=cmd|' /C calc'!A0" {
		t.Errorf("formula cell exported as %q", rows[2][0])
	}
	dst := newFixture(t, crm.LangJA)
	defineProps(t, dst)
	im := importCSV(t, dst, ImportRequest{Object: "company", Data: buf.Bytes()}, "")
	if im.Created != 2 || im.Errors != 0 {
		t.Fatalf("re-import %+v", im)
	}
	page, err := dst.app.ListCompanies(ctx, dst.owner, store.CompanyQuery{Name: "サンプル"})
	if err != nil || len(page.Companies) != 1 {
		t.Fatalf("%+v %v", page, err)
	}
	got := page.Companies[0]
	if got.Phone != "03-1234-5678" || got.Employees != 120 || got.City != "千代田区" || got.Props["rank"] != "B" ||
		got.OwnerID != dst.owner.User.ID {
		t.Errorf("company after the round trip: %+v", got)
	}
}

func TestExportFollowsTheQueryAndPermissions(t *testing.T) {
	f := newFixture(t, crm.LangEN)
	for i, stage := range []crm.Lifecycle{crm.StageLead, crm.StageCustomer, crm.StageLead} {
		if _, err := f.app.CreateContact(ctx, f.owner, ContactInput{Contact: crm.Contact{
			Email: string(rune('a'+i)) + "@example.jp", Lifecycle: stage}}); err != nil {
			t.Fatal(err)
		}
	}
	var buf bytes.Buffer
	if err := f.app.ExportContacts(ctx, f.owner, store.ContactQuery{Stages: []crm.Lifecycle{crm.StageLead}, Sort: store.SortEmail}, "utf-8", &buf); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(buf.Bytes(), []byte("\uFEFF")))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var emails []string
	for _, r := range rows[1:] {
		emails = append(emails, r[0])
	}
	sort.Strings(emails)
	if !reflect.DeepEqual(emails, []string{"a@example.jp", "c@example.jp"}) {
		t.Errorf("exported %q", emails)
	}
	if n := count(t, f.app.Store, "SELECT COUNT(*) FROM audit_log WHERE action = 'contacts.export'"); n != 1 {
		t.Errorf("%d audit entries for the export, want 1", n)
	}
	if err := f.app.ExportContacts(ctx, f.owner, store.ContactQuery{}, "latin1", &buf); err == nil {
		t.Error("export in latin1 was not refused")
	}
	if err := f.app.ExportContacts(ctx, Actor{}, store.ContactQuery{}, "", &buf); !errors.Is(err, crm.ErrUnauthorized) {
		t.Errorf("anonymous export: %v", err)
	}
	viewer := f.addUser(t, "viewer@example.jp", crm.RoleViewer)
	if err := f.app.ExportCompanies(ctx, viewer, "", &buf); err != nil {
		t.Errorf("a viewer may export: %v", err)
	}
}
