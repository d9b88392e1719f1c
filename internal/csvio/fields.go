package csvio

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Objects that can be imported.
const (
	ObjectContact = "contact"
	ObjectCompany = "company"
)

// PropPrefix starts the field key of a custom property in a Mapping:
// "prop:budget" is the custom property with key budget.
const PropPrefix = "prop:"

// fieldID identifies a built-in field. The same id serves both objects;
// its key differs where the object differs (company_name on a contact,
// name on a company).
type fieldID uint8

const (
	fNone fieldID = iota
	fEmail
	fFamily
	fGiven
	fFullName
	fFamilyReading
	fGivenReading
	fFullReading
	fHonorific
	fPhone
	fMobile
	fJobTitle
	fDepartment
	fStage
	fLeadStatus
	fConsent
	fOwner
	fTags
	fCompany
	fCompanyReading
	fDomain
	fIndustry
	fEmployees
	fPostal
	fPrefecture
	fCity
	fAddress
	fStreet
	fStreet2
	fCountry
	fCustom
	numFields
)

// Field describes a built-in field a column can be mapped to, with the
// labels the UI shows and an export may use as headers. Every label and
// key is recognised by DetectMapping.
type Field struct {
	Key     string
	LabelEN string
	LabelJA string
}

type fieldDef struct {
	id       fieldID
	Field    Field
	synonyms []string // header spellings, compared after headerKey
}

// Address and company synonyms shared by both objects.
var (
	synIndustry   = []string{"industry", "業種", "業界", "業種名"}
	synEmployees  = []string{"number of employees", "employees", "employee count", "no. of employees", "従業員数", "従業員", "社員数", "従業員規模"}
	synPostal     = []string{"postal code", "zip", "zip code", "zip/postal code", "postcode", "post code", "mailing zip/postal code", "mailing postal code", "billing zip/postal code", "郵便番号", "〒"}
	synPrefecture = []string{"state/region", "state", "region", "province", "state/province", "mailing state/province", "mailing state", "billing state/province", "都道府県", "都道府県名", "県"}
	synCity       = []string{"city", "mailing city", "billing city", "市区町村", "市町村", "市区郡", "市区町村名"}
	synAddress    = []string{"address", "full address", "住所", "住所1", "所在地", "本社所在地", "所在地住所"}
	synStreet     = []string{"street address", "street", "address 1", "address line 1", "street address 1", "mailing street", "billing street", "番地", "町名番地", "町域番地", "丁目番地", "町域", "番地以降"}
	synStreet2    = []string{"address 2", "address line 2", "street address 2", "住所2", "建物名", "ビル名", "建物", "建物名部屋番号", "ビル名部屋番号", "マンション名"}
	synCountry    = []string{"country/region", "country", "mailing country", "billing country", "国", "国名", "国地域"}
	synDomain     = []string{"website url", "website", "web site", "url", "web", "homepage", "home page", "company domain name", "domain", "domain name", "ウェブサイト", "webサイト", "ホームページ", "ホームページurl", "サイトurl", "ウェブサイトurl", "hp", "ドメイン"}
	synOwner      = []string{"owner", "owner email", "owner name", "record owner", "担当者", "担当", "担当営業", "営業担当", "営業担当者", "所有者", "オーナー", "担当者メールアドレス"}
)

var contactDefs = []fieldDef{
	{fEmail, Field{"email", "Email", "メールアドレス"}, []string{"email", "email address", "e-mail", "e-mail address", "mail", "mail address", "primary email", "メール", "メールアドレス", "eメール", "eメールアドレス", "電子メール", "電子メールアドレス", "メアド", "pcメールアドレス"}},
	{fFamily, Field{"family_name", "Last Name", "姓"}, []string{"last name", "lastname", "family name", "surname", "姓", "苗字", "名字", "氏", "姓漢字", "氏名姓", "お名前姓"}},
	{fGiven, Field{"given_name", "First Name", "名"}, []string{"first name", "firstname", "given name", "名", "名漢字", "氏名名", "お名前名", "下の名前"}},
	{fFullName, Field{"full_name", "Full Name", "氏名"}, []string{"name", "full name", "contact name", "氏名", "名前", "お名前", "氏名漢字", "フルネーム"}},
	{fFamilyReading, Field{"family_reading", "Last Name Reading", "セイ"}, []string{"last name reading", "family name reading", "last name kana", "last name furigana", "セイ", "姓フリガナ", "姓カナ", "姓よみ", "姓読み", "姓よみがな", "フリガナ姓", "カナ姓", "よみがな姓", "氏名フリガナ姓", "氏名カナ姓"}},
	{fGivenReading, Field{"given_reading", "First Name Reading", "メイ"}, []string{"first name reading", "given name reading", "first name kana", "first name furigana", "メイ", "名フリガナ", "名カナ", "名よみ", "名読み", "名よみがな", "フリガナ名", "カナ名", "よみがな名", "氏名フリガナ名", "氏名カナ名"}},
	{fFullReading, Field{"full_reading", "Name Reading", "フリガナ"}, []string{"name reading", "reading", "furigana", "kana", "フリガナ", "よみがな", "読み仮名", "読みがな", "よみ", "読み", "カナ", "カナ氏名", "氏名フリガナ", "氏名カナ", "氏名よみ", "氏名よみがな", "フリガナ氏名", "お名前フリガナ", "お名前カナ", "名前フリガナ"}},
	{fHonorific, Field{"honorific", "Honorific", "敬称"}, []string{"honorific", "salutation", "敬称"}},
	{fPhone, Field{"phone", "Phone Number", "電話番号"}, []string{"phone", "phone number", "telephone", "tel", "business phone", "work phone", "office phone", "電話", "電話番号", "会社電話番号", "直通電話", "直通電話番号", "勤務先電話番号", "tel会社", "連絡先電話番号"}},
	{fMobile, Field{"mobile_phone", "Mobile Phone", "携帯電話"}, []string{"mobile phone", "mobile", "mobile phone number", "cell phone", "cellphone", "携帯", "携帯電話", "携帯電話番号", "携帯番号"}},
	{fJobTitle, Field{"job_title", "Job Title", "役職"}, []string{"job title", "title", "position", "役職", "役職名", "肩書", "肩書き"}},
	{fDepartment, Field{"department", "Department", "部署"}, []string{"department", "部署", "部署名", "所属", "所属部署", "部門", "部課", "部課名"}},
	{fStage, Field{"lifecycle_stage", "Lifecycle Stage", "ライフサイクルステージ"}, []string{"lifecycle stage", "lifecyclestage", "lifecycle", "stage", "ライフサイクルステージ", "ライフサイクル", "ステージ"}},
	{fLeadStatus, Field{"lead_status", "Lead Status", "リードステータス"}, []string{"lead status", "hs_lead_status", "リードステータス"}},
	{fConsent, Field{"consent", "Consent", "配信同意"}, []string{"consent", "marketing consent", "同意", "配信同意", "メール配信同意", "同意状況"}},
	{fOwner, Field{"owner", "Contact Owner", "担当者"}, append([]string{"contact owner", "lead owner", "contact owner email"}, synOwner...)},
	{fTags, Field{"tags", "Tags", "タグ"}, []string{"tags", "tag", "labels", "タグ", "ラベル"}},
	{fCompany, Field{"company_name", "Company Name", "会社名"}, []string{"company", "company name", "associated company", "account name", "account", "organization", "organisation", "会社名", "会社", "企業名", "法人名", "社名", "勤務先", "勤務先名", "取引先名", "所属会社", "所属企業"}},
	{fCompanyReading, Field{"company_reading", "Company Name Reading", "会社名（フリガナ）"}, []string{"company name reading", "company reading", "会社名フリガナ", "会社名カナ", "会社名よみがな", "会社フリガナ", "企業名フリガナ", "企業名カナ", "法人名フリガナ", "法人名カナ", "社名フリガナ", "社名カナ"}},
	{fDomain, Field{"company_domain", "Website URL", "ウェブサイト"}, synDomain},
	{fIndustry, Field{"industry", "Industry", "業種"}, synIndustry},
	{fEmployees, Field{"employees", "Number of Employees", "従業員数"}, synEmployees},
	{fPostal, Field{"postal_code", "Postal Code", "郵便番号"}, synPostal},
	{fPrefecture, Field{"prefecture", "State/Region", "都道府県"}, synPrefecture},
	{fCity, Field{"city", "City", "市区町村"}, synCity},
	{fAddress, Field{"address", "Address", "住所"}, synAddress},
	{fStreet, Field{"street", "Street Address", "番地"}, synStreet},
	{fStreet2, Field{"street2", "Address Line 2", "建物名"}, synStreet2},
	{fCountry, Field{"country", "Country/Region", "国"}, synCountry},
}

var companyDefs = []fieldDef{
	{fCompany, Field{"name", "Company Name", "会社名"}, []string{"name", "company", "company name", "account name", "account", "organization", "organisation", "会社名", "会社", "企業名", "法人名", "社名", "取引先名", "商号"}},
	{fCompanyReading, Field{"reading", "Company Name Reading", "会社名（フリガナ）"}, []string{"reading", "name reading", "company name reading", "furigana", "kana", "フリガナ", "よみがな", "読み仮名", "読み", "よみ", "カナ", "会社名フリガナ", "会社名カナ", "会社名よみがな", "企業名フリガナ", "企業名カナ", "法人名フリガナ", "法人名カナ", "社名フリガナ", "社名カナ", "商号フリガナ"}},
	{fDomain, Field{"domain", "Website URL", "ウェブサイト"}, synDomain},
	{fPhone, Field{"phone", "Phone Number", "電話番号"}, []string{"phone", "phone number", "telephone", "tel", "main phone", "電話", "電話番号", "代表電話", "代表電話番号", "代表番号", "会社電話番号"}},
	{fIndustry, Field{"industry", "Industry", "業種"}, synIndustry},
	{fEmployees, Field{"employees", "Number of Employees", "従業員数"}, synEmployees},
	{fPostal, Field{"postal_code", "Postal Code", "郵便番号"}, synPostal},
	{fPrefecture, Field{"prefecture", "State/Region", "都道府県"}, synPrefecture},
	{fCity, Field{"city", "City", "市区町村"}, synCity},
	{fAddress, Field{"address", "Address", "住所"}, synAddress},
	{fStreet, Field{"street", "Street Address", "番地"}, synStreet},
	{fStreet2, Field{"street2", "Address Line 2", "建物名"}, synStreet2},
	{fCountry, Field{"country", "Country/Region", "国"}, synCountry},
	{fOwner, Field{"owner", "Company Owner", "担当者"}, append([]string{"company owner", "account owner"}, synOwner...)},
}

// fieldTable is one object's fields, indexed for lookup.
type fieldTable struct {
	defs  []fieldDef
	byKey map[string]fieldID // exact field key
	keyOf [numFields]string
	dict  map[string]fieldID // headerKey of keys, labels and synonyms
	dups  []string           // spellings claimed by two fields (a test keeps it empty)
}

func newFieldTable(defs []fieldDef) *fieldTable {
	t := &fieldTable{defs: defs, byKey: map[string]fieldID{}, dict: map[string]fieldID{}}
	for _, d := range defs {
		t.byKey[d.Field.Key] = d.id
		t.keyOf[d.id] = d.Field.Key
	}
	for _, d := range defs {
		for _, s := range append([]string{d.Field.Key, d.Field.LabelEN, d.Field.LabelJA}, d.synonyms...) {
			k := headerKey(s)
			if old, ok := t.dict[k]; ok && old != d.id {
				t.dups = append(t.dups, s)
				continue
			}
			t.dict[k] = d.id
		}
	}
	return t
}

var (
	contactTable = newFieldTable(contactDefs)
	companyTable = newFieldTable(companyDefs)
)

func tableFor(object string) *fieldTable {
	switch object {
	case ObjectContact:
		return contactTable
	case ObjectCompany:
		return companyTable
	}
	return nil
}

// Fields lists the built-in fields of an object ("contact" or "company")
// in the order a mapping screen or an export shows them.
func Fields(object string) []Field {
	t := tableFor(object)
	if t == nil {
		return nil
	}
	out := make([]Field, len(t.defs))
	for i, d := range t.defs {
		out[i] = d.Field
	}
	return out
}

// headerKey folds a header name for comparison: foldKey, and a trailing
// 必須/任意/required/optional dropped ("メールアドレス（必須）").
func headerKey(s string) string {
	k := foldKey(strings.ReplaceAll(s, "〒", "郵便番号"))
	for _, suffix := range []string{"必須", "任意", "required", "optional"} {
		if len(k) > len(suffix) && strings.HasSuffix(k, suffix) {
			k = strings.TrimSuffix(k, suffix)
		}
	}
	return k
}

// foldKey folds a name or a choice for comparison: NFKC (full-width and
// half-width forms), lower case, hiragana as katakana, and only letters
// and digits kept, so "Lead Status", "lead_status" and "ＬＥＡＤ　ＳＴＡＴＵＳ"
// are one.
func foldKey(s string) string {
	s = norm.NFKC.String(s)
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch {
		case r >= 'A' && r <= 'Z':
			b.WriteRune(r + 'a' - 'A')
		case r < utf8.RuneSelf:
			if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
				b.WriteRune(r)
			}
		case r >= 'ぁ' && r <= 'ゖ':
			b.WriteRune(r + 'ァ' - 'ぁ')
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteRune(unicode.ToLower(r))
		}
	}
	return b.String()
}
