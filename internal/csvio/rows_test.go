package csvio

import (
	"bytes"
	"errors"
	"io"
	"reflect"
	"strings"
	"testing"

	"renkei/internal/crm"
)

func TestContactRow(t *testing.T) {
	header := []string{"Email", "姓", "名", "氏名", "フリガナ", "電話番号", "携帯電話", "会社名", "Website URL", "郵便番号", "住所",
		"番地", "Lifecycle Stage", "Lead Status", "Tags", "Contact owner", "従業員数", "予算", "都道府県"}
	m := DetectMapping(ObjectContact, header, []string{"予算"})
	col := map[string]int{}
	for i, h := range header {
		col[h] = i
	}
	row := func(cells map[string]string) []string {
		r := make([]string, len(header))
		for h, v := range cells {
			r[col[h]] = v
		}
		return r
	}
	base := crm.Contact{Honorific: "様", Lifecycle: crm.StageLead, Consent: crm.ConsentUnknown, OriginalSource: crm.SourceManual}
	with := func(f func(c *crm.Contact)) crm.Contact {
		c := base
		f(&c)
		return c
	}
	tests := []struct {
		name     string
		cells    map[string]string
		want     ContactRow
		wantErrs []CellError
		has      []string
	}{
		{
			name:  "full-width e-mail and a Japanese name",
			cells: map[string]string{"Email": " ＴＡＲＯ＠ｅｘａｍｐｌｅ．ｊｐ ", "姓": "山田", "名": "太郎", "フリガナ": "ﾔﾏﾀﾞ ﾀﾛｳ"},
			want: ContactRow{Contact: with(func(c *crm.Contact) {
				c.Email, c.Family, c.Given, c.FamilyReading, c.GivenReading = "taro@example.jp", "山田", "太郎", "ヤマダ", "タロウ"
			})},
			has: []string{"email", "family_name", "given_name", "family_reading", "given_reading"},
		},
		{
			name:  "氏名 split on a full-width space, reading in hiragana",
			cells: map[string]string{"氏名": "佐藤　花子", "フリガナ": "さとう　はなこ", "会社名": "株式会社テスト"},
			want: ContactRow{
				Contact: with(func(c *crm.Contact) {
					c.Family, c.Given, c.FamilyReading, c.GivenReading = "佐藤", "花子", "サトウ", "ハナコ"
				}),
				Company: crm.Company{Name: "株式会社テスト", LegalForm: "株式会社"},
			},
			has: []string{"family_name", "given_name", "company_name"},
		},
		{
			name:  "氏名 in Latin script is given name first",
			cells: map[string]string{"Email": "mary@example.com", "氏名": "Mary Ann Smith"},
			want:  ContactRow{Contact: with(func(c *crm.Contact) { c.Email, c.Family, c.Given = "mary@example.com", "Smith", "Mary Ann" })},
		},
		{
			name:  "a name with script stays as text",
			cells: map[string]string{"Email": "x@example.jp", "姓": "<script>alert(1)</script>"},
			want:  ContactRow{Contact: with(func(c *crm.Contact) { c.Email, c.Family = "x@example.jp", "<script>alert(1)</script>" })},
		},
		{
			name: "stages, statuses, tags, owner, company, address, custom property",
			cells: map[string]string{"Email": "a@example.jp", "Lifecycle Stage": "商談", "Lead Status": "IN_PROGRESS",
				"Tags": "展示会2025, VIP；ＶＩＰ、セミナー;，展示会2025", "Contact owner": "Sales@Example.JP", "会社名": "テスト Co., Ltd.",
				"Website URL": "https://www.Example.co.jp/about?x=1", "郵便番号": "１０００００５", "住所": "東京都千代田区丸の内1-1-1",
				"番地": "", "従業員数": "1,200名", "予算": " 300万円 ", "携帯電話": "090-1234-5678"},
			want: ContactRow{
				Contact: with(func(c *crm.Contact) {
					c.Email, c.Lifecycle, c.LeadStatus, c.Tags, c.Phone = "a@example.jp", crm.StageOpportunity, crm.LeadWorking,
						[]string{"VIP", "セミナー", "展示会2025"}, "090-1234-5678"
				}),
				MobilePhone: "090-1234-5678",
				OwnerEmail:  "sales@example.jp",
				Company: crm.Company{Name: "テスト Co., Ltd.", LegalForm: "株式会社", Domain: "example.co.jp",
					Employees: 1200, PostalCode: "100-0005", Prefecture: "東京都", Street: "千代田区丸の内1-1-1"},
				Props: map[string]string{"予算": "300万円"},
			},
			has: []string{"lifecycle_stage", "lead_status", "tags", "owner", "phone", "mobile_phone", "company_domain"},
		},
		{
			name:  "HubSpot stage values and owner by name",
			cells: map[string]string{"Email": "b@example.jp", "Lifecycle Stage": "marketingqualifiedlead", "Contact owner": "Taro Yamada", "都道府県": "大阪"},
			want: ContactRow{
				Contact:   with(func(c *crm.Contact) { c.Email, c.Lifecycle = "b@example.jp", crm.StageMQL }),
				OwnerName: "Taro Yamada",
				Company:   crm.Company{Prefecture: "大阪府"},
			},
		},
		{
			name:  "bad e-mail, unknown stage, bad domain, bad employees",
			cells: map[string]string{"Email": "taro@@example", "Lifecycle Stage": "other", "Website URL": "not a site", "従業員数": "many"},
			want: ContactRow{Contact: with(func(c *crm.Contact) { c.Email = "taro@@example" }),
				Company: crm.Company{}},
			wantErrs: []CellError{
				{Column: "Email", Field: "email", Value: "taro@@example", Reason: "is not an e-mail address (e.g. taro@example.jp)"},
				{Column: "Website URL", Field: "company_domain", Value: "not a site", Reason: "is not a web domain (e.g. example.co.jp)"},
				{Column: "Lifecycle Stage", Field: "lifecycle_stage", Value: "other", Reason: "is not a lifecycle stage; use subscriber, lead, mql, sql, opportunity, customer or disqualified (リード, MQL, SQL, 商談, 顧客 and HubSpot's stages are understood too)"},
				{Column: "従業員数", Field: "employees", Value: "many", Reason: "must be a number of people"},
			},
		},
		{
			name:  "no e-mail: a name needs a company or a phone",
			cells: map[string]string{"姓": "山田"},
			want:  ContactRow{Contact: with(func(c *crm.Contact) { c.Family = "山田" })},
			wantErrs: []CellError{
				{Column: "会社名", Field: "company_name", Reason: "without an e-mail address, enter a company or a phone number"},
			},
		},
		{
			name:     "nothing at all",
			cells:    map[string]string{"Tags": "x"},
			want:     ContactRow{Contact: with(func(c *crm.Contact) { c.Tags = []string{"x"} })},
			wantErrs: []CellError{{Column: "Email", Field: "email", Reason: "enter an e-mail address, or a name with a company or phone"}},
		},
		{
			name:  "a bad phone number",
			cells: map[string]string{"Email": "c@example.jp", "電話番号": "12"},
			want:  ContactRow{Contact: with(func(c *crm.Contact) { c.Email, c.Phone = "c@example.jp", "12" })},
			wantErrs: []CellError{
				{Column: "電話番号", Field: "phone", Value: "12", Reason: "is not a phone number (e.g. 03-1234-5678)"},
			},
		},
		{
			name:  "a name over 200 characters",
			cells: map[string]string{"Email": "d@example.jp", "名": strings.Repeat("あ", 201)},
			want:  ContactRow{Contact: with(func(c *crm.Contact) { c.Email, c.Given = "d@example.jp", strings.Repeat("あ", 201) })},
			wantErrs: []CellError{
				{Column: "名", Field: "given_name", Value: strings.Repeat("あ", 100) + "…", Reason: "is too long (200 characters at most)"},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, errs := m.Contact(row(tt.cells))
			has := got.set
			got.set = 0
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("row =\n%+v\nwant\n%+v", got, tt.want)
			}
			if !reflect.DeepEqual(errs, tt.wantErrs) {
				t.Errorf("errors =\n%+v\nwant\n%+v", errs, tt.wantErrs)
			}
			got.set = has
			for _, f := range tt.has {
				if !got.Has(f) {
					t.Errorf("Has(%q) = false", f)
				}
			}
			if len(tt.has) > 0 && got.Has("honorific") {
				t.Error(`Has("honorific") = true for an empty cell`)
			}
		})
	}
}

func TestCompanyRow(t *testing.T) {
	header := []string{"会社名", "フリガナ", "電話番号", "URL", "従業員数", "住所", "建物名", "担当者", "Region"}
	m := DetectMapping(ObjectCompany, header, []string{"region"})
	tests := []struct {
		name     string
		row      []string
		want     CompanyRow
		wantErrs []CellError
	}{
		{
			name: "a Japanese company",
			row:  []string{"㈱サンプル", "ｻﾝﾌﾟﾙ", "０３−１２３４−５６７８", "sample.jp", "約300人", "〒100-0005 東京都千代田区丸の内1-1-1", "丸の内ビル5F", "owner@example.jp", "関東"},
			want: CompanyRow{
				Company: crm.Company{Name: "㈱サンプル", LegalForm: "株式会社", Reading: "サンプル", Phone: "03−1234−5678",
					Domain: "sample.jp", Employees: 300, PostalCode: "100-0005", Prefecture: "東京都", Street: "千代田区丸の内1-1-1 丸の内ビル5F"},
				OwnerEmail: "owner@example.jp",
				Props:      map[string]string{"region": "関東"},
			},
		},
		{
			name:     "no name, bad phone, bad owner address",
			row:      []string{"", "", "12", "", "", "", "", "owner@", ""},
			want:     CompanyRow{Company: crm.Company{Phone: "12"}, OwnerEmail: "owner@"},
			wantErrs: []CellError{{Column: "会社名", Field: "name", Reason: "is required"}, {Column: "電話番号", Field: "phone", Value: "12", Reason: "is not a phone number (e.g. 03-1234-5678)"}, {Column: "担当者", Field: "owner", Value: "owner@", Reason: "is not an e-mail address (e.g. taro@example.jp)"}},
		},
		{
			name: "a short row",
			row:  []string{"Acme Inc."},
			want: CompanyRow{Company: crm.Company{Name: "Acme Inc.", LegalForm: "Inc."}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, errs := m.Company(tt.row)
			got.set = 0
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("row =\n%+v\nwant\n%+v", got, tt.want)
			}
			if !reflect.DeepEqual(errs, tt.wantErrs) {
				t.Errorf("errors =\n%+v\nwant\n%+v", errs, tt.wantErrs)
			}
		})
	}
}

func TestChoices(t *testing.T) {
	stages := map[string]crm.Lifecycle{
		"lead": crm.StageLead, "Lead": crm.StageLead, "リード": crm.StageLead, "MQL": crm.StageMQL, "ＳＱＬ": crm.StageSQL,
		"Marketing Qualified Lead": crm.StageMQL, "salesqualifiedlead": crm.StageSQL, "opportunity": crm.StageOpportunity,
		"商談": crm.StageOpportunity, "顧客": crm.StageCustomer, "customer": crm.StageCustomer, "subscriber": crm.StageSubscriber,
		"購読者": crm.StageSubscriber, "evangelist": crm.StageCustomer, "対象外": crm.StageDisqualified,
	}
	for in, want := range stages {
		if got, ok := parseStage(in); !ok || got != want {
			t.Errorf("parseStage(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
	if _, ok := parseStage("other"); ok {
		t.Error(`parseStage("other") accepted`)
	}
	statuses := map[string]crm.LeadStatus{"NEW": crm.LeadNew, "ATTEMPTED_TO_CONTACT": crm.LeadWorking, "Open Deal": crm.LeadAccepted,
		"UNQUALIFIED": crm.LeadRejected, "BAD_TIMING": crm.LeadRecycled, "対応中": crm.LeadWorking, "Closed - Converted": crm.LeadAccepted}
	for in, want := range statuses {
		if got, ok := parseLeadStatus(in); !ok || got != want {
			t.Errorf("parseLeadStatus(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
}

func TestSplitName(t *testing.T) {
	tests := []struct{ in, family, given string }{
		{"山田 太郎", "山田", "太郎"},
		{"山田　太郎", "山田", "太郎"},
		{"山田太郎", "山田太郎", ""},
		{"Taro Yamada", "Yamada", "Taro"},
		{"Yamada, Taro", "Yamada", "Taro"},
		{"Madonna", "", "Madonna"},
		{"ﾔﾏﾀﾞ ﾀﾛｳ", "ﾔﾏﾀﾞ", "ﾀﾛｳ"},
	}
	for _, tt := range tests {
		if f, g := splitName(tt.in); f != tt.family || g != tt.given {
			t.Errorf("splitName(%q) = %q, %q; want %q, %q", tt.in, f, g, tt.family, tt.given)
		}
	}
}

func TestParseDomainAndPostal(t *testing.T) {
	domains := []struct {
		in, want string
		ok       bool
	}{
		{"https://www.example.co.jp/about", "example.co.jp", true},
		{"ＥＸＡＭＰＬＥ．ＪＰ", "example.jp", true},
		{"http://example.com:8080", "example.com", true},
		{"info@example.jp", "example.jp", true},
		{"日本語.jp", "日本語.jp", true},
		{"localhost", "", false},
		{"exa mple.jp", "", false},
		{"-bad.jp", "", false},
	}
	for _, tt := range domains {
		if got, ok := parseDomain(tt.in); got != tt.want || ok != tt.ok {
			t.Errorf("parseDomain(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
	postal := map[string]string{"1000005": "100-0005", "〒100-0005": "100-0005", "１００ー０００５": "100-0005", "SW1A 1AA": "SW1A 1AA", "94105": "94105"}
	for in, want := range postal {
		if got := normalizePostal(in); got != want {
			t.Errorf("normalizePostal(%q) = %q, want %q", in, got, want)
		}
	}
	prefs := map[string]string{"東京": "東京都", "京都": "京都府", "北海道": "北海道", "神奈川": "神奈川県", "Tokyo": "Tokyo"}
	for in, want := range prefs {
		if got := normalizePrefecture(in); got != want {
			t.Errorf("normalizePrefecture(%q) = %q, want %q", in, got, want)
		}
	}
}

// The import path end to end: a Shift_JIS file as Excel saves it, with
// full-width e-mail addresses and one bad row in the middle.
func TestImportShiftJISFile(t *testing.T) {
	file := sjis(t, "姓,名,セイ,メイ,メールアドレス,会社名,ライフサイクルステージ\r\n"+
		"山田,太郎,ヤマダ,タロウ,ｔａｒｏ＠ｅｘａｍｐｌｅ．ｊｐ,株式会社サンプル,リード\r\n"+
		"髙橋,花子,タカハシ,ハナコ,ｈａｎａｋｏ＠ｅｘａｍｐｌｅ,,顧客\r\n"+
		"鈴木,一郎,スズキ,イチロウ,ICHIRO@EXAMPLE.JP,,商談\r\n")
	r, err := NewReader(bytes.NewReader(file), EncodingAuto)
	if err != nil {
		t.Fatal(err)
	}
	if r.Encoding() != EncodingShiftJIS {
		t.Errorf("Encoding() = %q, want shift_jis", r.Encoding())
	}
	m := DetectMapping(ObjectContact, r.Header(), nil)
	if u := m.Unmapped(); len(u) != 0 {
		t.Errorf("Unmapped() = %q", u)
	}
	type result struct {
		Row   int
		Email string
		Name  string
		Stage crm.Lifecycle
		Errs  []CellError
	}
	var got []result
	for {
		row, rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		c, errs := m.Contact(rec)
		got = append(got, result{row, c.Contact.Email, c.Contact.Name(crm.LangJA), c.Contact.Lifecycle, errs})
	}
	want := []result{
		{2, "taro@example.jp", "山田 太郎", crm.StageLead, nil},
		{3, "hanako@example", "髙橋 花子", crm.StageCustomer, []CellError{{Column: "メールアドレス", Field: "email", Value: "ｈａｎａｋｏ＠ｅｘａｍｐｌｅ", Reason: "is not an e-mail address (e.g. taro@example.jp)"}}},
		{4, "ichiro@example.jp", "鈴木 一郎", crm.StageOpportunity, nil},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got\n%+v\nwant\n%+v", got, want)
	}
}
