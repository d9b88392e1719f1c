package csvio

import (
	"encoding/json"
	"errors"
	"reflect"
	"testing"

	"renkei/internal/crm"
)

func TestDetectMapping(t *testing.T) {
	tests := []struct {
		name     string
		object   string
		header   []string
		custom   []string
		want     map[string]string
		unmapped []string
	}{
		{
			name:   "HubSpot contacts export",
			object: ObjectContact,
			header: []string{"Record ID", "First Name", "Last Name", "Email", "Phone Number", "Mobile Phone Number", "Job Title",
				"Lifecycle Stage", "Lead Status", "Contact owner", "Associated Company", "Street Address", "City",
				"State/Region", "Postal Code", "Country/Region", "Website URL", "Industry", "Number of Employees", "Create Date"},
			want: map[string]string{"First Name": "given_name", "Last Name": "family_name", "Email": "email",
				"Phone Number": "phone", "Mobile Phone Number": "mobile_phone", "Job Title": "job_title",
				"Lifecycle Stage": "lifecycle_stage", "Lead Status": "lead_status", "Contact owner": "owner",
				"Associated Company": "company_name", "Street Address": "street", "City": "city",
				"State/Region": "prefecture", "Postal Code": "postal_code", "Country/Region": "country",
				"Website URL": "company_domain", "Industry": "industry", "Number of Employees": "employees"},
			unmapped: []string{"Record ID", "Create Date"},
		},
		{
			name:   "Salesforce report and API names",
			object: ObjectContact,
			header: []string{"Salutation", "FirstName", "LastName", "Title", "Account Name", "Email Address", "Phone", "Mobile", "Department", "Mailing Zip/Postal Code", "Lead Source"},
			want: map[string]string{"Salutation": "honorific", "FirstName": "given_name", "LastName": "family_name", "Title": "job_title",
				"Account Name": "company_name", "Email Address": "email", "Phone": "phone", "Mobile": "mobile_phone",
				"Department": "department", "Mailing Zip/Postal Code": "postal_code"},
			unmapped: []string{"Lead Source"},
		},
		{
			name:   "Japanese business-card export",
			object: ObjectContact,
			header: []string{"姓", "名", "セイ", "めい", "会社名", "部署名", "役職", "Eメール", "電話番号", "携帯電話", "〒", "都道府県", "市区町村", "番地", "建物名", "タグ", "敬称", "担当者", "名刺交換日"},
			want: map[string]string{"姓": "family_name", "名": "given_name", "セイ": "family_reading", "めい": "given_reading",
				"会社名": "company_name", "部署名": "department", "役職": "job_title", "Eメール": "email", "電話番号": "phone",
				"携帯電話": "mobile_phone", "〒": "postal_code", "都道府県": "prefecture", "市区町村": "city", "番地": "street",
				"建物名": "street2", "タグ": "tags", "敬称": "honorific", "担当者": "owner"},
			unmapped: []string{"名刺交換日"},
		},
		{
			name:   "Japanese list with full names, widths and markers",
			object: ObjectContact,
			header: []string{"氏名", "フリガナ", "ﾒｰﾙｱﾄﾞﾚｽ", "企業名", "姓（フリガナ）", "ＵＲＬ", "住所", "従業員数", "業種", "ライフサイクルステージ", " メールアドレス（必須） "},
			want: map[string]string{"氏名": "full_name", "フリガナ": "full_reading", "ﾒｰﾙｱﾄﾞﾚｽ": "email", "企業名": "company_name",
				"姓（フリガナ）": "family_reading", "ＵＲＬ": "company_domain", "住所": "address", "従業員数": "employees",
				"業種": "industry", "ライフサイクルステージ": "lifecycle_stage"},
			unmapped: []string{" メールアドレス（必須） "}, // e-mail is taken by the first column
		},
		{
			name:     "custom property keys and a field key beats a synonym",
			object:   ObjectContact,
			header:   []string{"email", "budget", "Company", "Stage", "名（フリガナ）"},
			custom:   []string{"budget", "stage"},
			want:     map[string]string{"email": "email", "budget": "prop:budget", "Company": "company_name", "Stage": "prop:stage", "名（フリガナ）": "given_reading"},
			unmapped: nil,
		},
		{
			name:   "HubSpot companies export",
			object: ObjectCompany,
			header: []string{"Record ID", "Company name", "Company Domain Name", "Phone Number", "Industry", "Number of Employees", "City", "State/Region", "Postal Code", "Company owner"},
			want: map[string]string{"Company name": "name", "Company Domain Name": "domain", "Phone Number": "phone",
				"Industry": "industry", "Number of Employees": "employees", "City": "city", "State/Region": "prefecture",
				"Postal Code": "postal_code", "Company owner": "owner"},
			unmapped: []string{"Record ID"},
		},
		{
			name:   "Japanese company list",
			object: ObjectCompany,
			header: []string{"法人名", "フリガナ", "代表電話番号", "郵便番号", "住所", "ホームページ", "業種", "従業員数"},
			want: map[string]string{"法人名": "name", "フリガナ": "reading", "代表電話番号": "phone", "郵便番号": "postal_code",
				"住所": "address", "ホームページ": "domain", "業種": "industry", "従業員数": "employees"},
		},
		{
			name:     "unknown object maps nothing",
			object:   "deal",
			header:   []string{"Email"},
			want:     map[string]string{},
			unmapped: []string{"Email"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := DetectMapping(tt.object, tt.header, tt.custom)
			if got := m.ByHeader(); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("ByHeader() =\n%v\nwant\n%v", got, tt.want)
			}
			if got := m.Unmapped(); !reflect.DeepEqual(got, tt.unmapped) {
				t.Errorf("Unmapped() = %q, want %q", got, tt.unmapped)
			}
		})
	}
}

func TestDetectMappingWithLabels(t *testing.T) {
	props := []CustomProperty{{Key: "budget", Labels: []string{"予算", "Budget"}}, {Key: "industry_detail", Labels: []string{"業種"}}}
	m := DetectMappingWith(ObjectContact, []string{"メール", "予算", "業種"}, props)
	want := map[string]string{"メール": "email", "予算": "prop:budget", "業種": "prop:industry_detail"}
	if got := m.ByHeader(); !reflect.DeepEqual(got, want) {
		t.Errorf("ByHeader() = %v, want %v", got, want)
	}
}

// Every key and label of Fields must come back as its own field, so that
// Renkei's own exports import again without a manual mapping, and no
// spelling may be claimed by two fields.
func TestFieldLabelsRoundTrip(t *testing.T) {
	for _, object := range []string{ObjectContact, ObjectCompany} {
		if d := tableFor(object).dups; len(d) > 0 {
			t.Errorf("%s: spellings claimed by two fields: %q", object, d)
		}
		for _, f := range Fields(object) {
			for _, h := range []string{f.Key, f.LabelEN, f.LabelJA} {
				m := DetectMapping(object, []string{h}, nil)
				if got := m.Field(0); got != f.Key {
					t.Errorf("%s: header %q maps to %q, want %q", object, h, got, f.Key)
				}
			}
		}
	}
}

func TestNewMapping(t *testing.T) {
	header := []string{"Mail", "Name", "予算", "Memo", "Mail2"}
	tests := []struct {
		name    string
		object  string
		given   map[string]string
		want    map[string]string
		wantErr map[string]string
	}{
		{
			name:   "keys, a bare custom key, prop: prefix and skipped columns",
			object: ObjectContact,
			given:  map[string]string{"Mail": "email", " name ": "full_name", "予算": "budget", "Memo": "", "Mail2": "-"},
			want:   map[string]string{"Mail": "email", "Name": "full_name", "予算": "prop:budget"},
		},
		{
			name:   "prop: prefix",
			object: ObjectContact,
			given:  map[string]string{"Mail": "email", "Memo": "prop:memo"},
			want:   map[string]string{"Mail": "email", "Memo": "prop:memo"},
		},
		{
			name:    "unknown column, unknown field, field twice",
			object:  ObjectContact,
			given:   map[string]string{"Mail": "email", "Fax": "phone", "Name": "nickname", "Mail2": "email"},
			wantErr: map[string]string{"Fax": "is not a column of the file", "Name": "is mapped to a field that cannot be imported", "Mail2": "is mapped to a field that another column is mapped to already"},
		},
		{
			name:    "a contact without e-mail or name",
			object:  ObjectContact,
			given:   map[string]string{"予算": "prop:budget"},
			wantErr: map[string]string{"mapping": "map a column to the e-mail address or to the name"},
		},
		{
			name:    "a company without a name",
			object:  ObjectCompany,
			given:   map[string]string{"Mail": "domain"},
			wantErr: map[string]string{"mapping": "map a column to the company name"},
		},
		{
			name:    "unknown object",
			object:  "deal",
			given:   map[string]string{},
			wantErr: map[string]string{"object": "choose contact or company"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := NewMapping(tt.object, header, tt.given, []string{"budget", "memo"})
			var v *crm.ValidationError
			switch {
			case tt.wantErr != nil:
				if !errors.As(err, &v) || !reflect.DeepEqual(v.Fields, tt.wantErr) {
					t.Fatalf("err = %v, want %v", err, tt.wantErr)
				}
			case err != nil:
				t.Fatal(err)
			default:
				if got := m.ByHeader(); !reflect.DeepEqual(got, tt.want) {
					t.Errorf("ByHeader() = %v, want %v", got, tt.want)
				}
				js, _ := json.Marshal(m)
				var back map[string]string
				if err := json.Unmarshal(js, &back); err != nil || !reflect.DeepEqual(back, tt.want) {
					t.Errorf("JSON = %s, want %v", js, tt.want)
				}
			}
		})
	}
}

func TestHeaderKey(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Email Address", "emailaddress"},
		{"ＥＭＡＩＬ　ＡＤＤＲＥＳＳ", "emailaddress"},
		{"e_mail-address", "emailaddress"},
		{"ﾒｰﾙｱﾄﾞﾚｽ", "メールアドレス"},
		{"めーるあどれす", "メールアドレス"},
		{"姓（フリガナ）", "姓フリガナ"},
		{"*メールアドレス(必須)", "メールアドレス"},
		{"State/Region", "stateregion"},
		{"〒", "郵便番号"},
		{"必須", "必須"},
	}
	for _, tt := range tests {
		if got := headerKey(tt.in); got != tt.want {
			t.Errorf("headerKey(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
