package csvio

import (
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"renkei/internal/crm"
)

// CellError is a problem with one cell of a row (or, with Column "", with
// the row as a whole). A row with any CellError should not be written.
type CellError struct {
	Column string // the header name as in the file; "" when the row as a whole is wrong
	Field  string // the field key (email, lifecycle_stage, prop:KEY, …)
	Value  string // the cell as read, cut to 100 characters
	// Reason is written in English in the style of crm's field messages
	// ("is not an e-mail address (e.g. taro@example.jp)") and holds no
	// values, so that internal/i18n can translate it by lookup.
	Reason string
}

func (e CellError) Error() string {
	if e.Column == "" {
		return e.Reason
	}
	return fmt.Sprintf("%s: %s", e.Column, e.Reason)
}

// ContactRow is one row of a contact file.
type ContactRow struct {
	// Contact is normalised (crm.Contact.Normalize) and valid when the row
	// has no CellError. Its Tags are set; its Props are left nil (see Props);
	// its Phone is the phone column, or the mobile column when that is empty.
	Contact     crm.Contact
	MobilePhone string
	// Company is the company the row names, normalised
	// (crm.Company.Normalize). Its Name is "" when the row names no
	// company; the other company cells are kept even then, but there is no
	// company to put them on. Key() finds the company by name.
	Company crm.Company
	// OwnerEmail is the owner column when it is an e-mail address,
	// OwnerName when it is anything else (HubSpot exports owners by name).
	OwnerEmail string
	OwnerName  string
	// Props holds the non-empty custom property cells by property key,
	// trimmed; the caller converts them by property type.
	Props map[string]string
	set   fieldSet
}

// Has reports whether the row had a non-empty cell for the contact field
// key (email, family_name, lifecycle_stage, tags, owner, …), so that an
// update can leave alone what the file does not give. A full name fills
// family_name and given_name; a full reading the two readings; a mobile
// number phone.
func (r ContactRow) Has(field string) bool {
	return r.set.has(contactTable.byKey[field])
}

// CompanyRow is one row of a company file.
type CompanyRow struct {
	// Company is normalised (crm.Company.Normalize) and valid
	// (crm.Company.Validate) when the row has no CellError.
	Company    crm.Company
	OwnerEmail string
	OwnerName  string
	Props      map[string]string
	set        fieldSet
}

// Has reports whether the row had a non-empty cell for the company field
// key (name, domain, employees, owner, …).
func (r CompanyRow) Has(field string) bool {
	return r.set.has(companyTable.byKey[field])
}

type fieldSet uint64

func (s *fieldSet) add(id fieldID)     { *s |= 1 << id }
func (s fieldSet) has(id fieldID) bool { return id != fNone && s&(1<<id) != 0 }

// Text limits for fields that crm does not check itself.
const (
	maxText  = 200
	maxProp  = 10000
	maxValue = 100 // of CellError.Value
)

// rowReader holds what is common to converting a contact or a company row.
type rowReader struct {
	m    *Mapping
	row  []string
	errs []CellError
	bad  fieldSet // fields with an error already
	set  fieldSet
}

// cell returns the trimmed cell of the column mapped to id, "" if none.
func (rr *rowReader) cell(id fieldID) string {
	col := rr.m.colOf[id]
	if col < 0 || col >= len(rr.row) {
		return ""
	}
	s := strings.TrimSpace(rr.row[col])
	if s != "" {
		rr.set.add(id)
	}
	return s
}

// fail records a problem with the cell of id (or of the first mapped of
// alts when id has no column).
func (rr *rowReader) fail(reason string, ids ...fieldID) {
	for _, id := range ids {
		if rr.bad.has(id) {
			return
		}
	}
	e := CellError{Reason: reason}
	for _, id := range ids {
		if col := rr.m.colOf[id]; col >= 0 {
			e.Column = rr.m.header[col]
			e.Field = tableFor(rr.m.object).keyOf[id]
			if col < len(rr.row) {
				e.Value = clip(rr.row[col])
			}
			break
		}
	}
	if e.Field == "" && len(ids) > 0 {
		e.Field = tableFor(rr.m.object).keyOf[ids[0]]
	}
	for _, id := range ids {
		rr.bad.add(id)
	}
	rr.errs = append(rr.errs, e)
}

func clip(s string) string {
	if utf8.RuneCountInString(s) <= maxValue {
		return s
	}
	r := []rune(s)
	return string(r[:maxValue]) + "…"
}

// text checks a one-line text cell and returns it in NFC.
func (rr *rowReader) text(id fieldID, max int) string {
	s := rr.cell(id)
	if s == "" {
		return ""
	}
	s = norm.NFC.String(s)
	switch {
	case utf8.RuneCountInString(s) > max:
		rr.fail(fmt.Sprintf("is too long (%d characters at most)", max), id)
	case strings.ContainsAny(s, "\r\n\x00"):
		rr.fail("must be on one line", id)
	}
	return s
}

// props collects the custom property cells.
func (rr *rowReader) props() map[string]string {
	var out map[string]string
	for col, id := range rr.m.ids {
		if id != fCustom || col >= len(rr.row) {
			continue
		}
		s := strings.TrimSpace(rr.row[col])
		if s == "" {
			continue
		}
		s = norm.NFC.String(s)
		if utf8.RuneCountInString(s) > maxProp {
			rr.errs = append(rr.errs, CellError{Column: rr.m.header[col], Field: PropPrefix + rr.m.custom[col],
				Value: clip(s), Reason: "is too long (10,000 characters at most)"})
			continue
		}
		if out == nil {
			out = make(map[string]string)
		}
		out[rr.m.custom[col]] = s
	}
	return out
}

// owner splits the owner cell into an e-mail address or a name.
func (rr *rowReader) owner() (email, name string) {
	s := rr.cell(fOwner)
	if s == "" {
		return "", ""
	}
	if strings.ContainsAny(norm.NFKC.String(s), "@") {
		e := crm.NormalizeEmail(s)
		if !crm.ValidEmail(e) {
			rr.fail("is not an e-mail address (e.g. taro@example.jp)", fOwner)
		}
		return e, ""
	}
	return "", rr.text(fOwner, maxText)
}

// company reads the company fields of the row, checking and normalising
// them beyond crm.Company.Normalize: postal codes as 123-4567, 東京 as
// 東京都, a 住所 column split into postal code, prefecture and the rest.
func (rr *rowReader) company(c *crm.Company) {
	c.Name = rr.text(fCompany, maxText)
	c.Reading = crm.NormalizeReading(rr.text(fCompanyReading, maxText))
	if s := rr.cell(fDomain); s != "" {
		if d, ok := parseDomain(s); ok {
			c.Domain = d
		} else {
			rr.fail("is not a web domain (e.g. example.co.jp)", fDomain)
		}
	}
	c.Industry = rr.text(fIndustry, maxText)
	if s := rr.cell(fEmployees); s != "" {
		if n, ok := parseEmployees(s); ok {
			c.Employees = n
		} else {
			rr.fail("must be a number of people", fEmployees)
		}
	}
	if s := rr.cell(fPostal); s != "" {
		c.PostalCode = normalizePostal(s)
		if len(c.PostalCode) > 20 || crm.PhoneKey(c.PostalCode) == "" {
			rr.fail("is not a postal code (e.g. 100-0001)", fPostal)
		}
	}
	c.Prefecture = normalizePrefecture(rr.text(fPrefecture, maxText))
	c.City = rr.text(fCity, maxText)
	c.Street = rr.text(fStreet, maxText)
	c.Country = rr.text(fCountry, maxText)
	if addr := rr.text(fAddress, 300); addr != "" {
		postal, pref, rest := splitAddress(addr)
		if c.PostalCode == "" {
			c.PostalCode = postal
		}
		if c.Prefecture == "" {
			c.Prefecture = pref
		}
		switch {
		case c.Street == "":
			c.Street = rest
		case c.City == "":
			c.City = rest
		}
	}
	if s2 := rr.text(fStreet2, maxText); s2 != "" {
		c.Street = strings.TrimSpace(c.Street + " " + s2)
	}
}

// validation turns a crm.ValidationError into CellErrors, naming the
// column each field came from; columns returns the candidates.
func (rr *rowReader) validation(err error, columns func(field string) []fieldID) {
	var v *crm.ValidationError
	if !errors.As(err, &v) {
		rr.fail(err.Error())
		return
	}
	fields := make([]string, 0, len(v.Fields))
	for f := range v.Fields {
		fields = append(fields, f)
	}
	sort.Strings(fields)
	for _, f := range fields {
		rr.fail(v.Fields[f], columns(f)...)
	}
}

// Contact converts a row of a contact file. The contact is normalised and
// checked by crm.Contact.Validate (an e-mail address, or a name with a
// company or phone); problems come back as CellErrors naming the column.
// Lifecycle stages and lead statuses are accepted as Renkei's keys, as
// HubSpot's values and labels (marketingqualifiedlead, Sales Qualified
// Lead), and in Japanese (リード, 商談, 顧客, …).
func (m Mapping) Contact(row []string) (ContactRow, []CellError) {
	rr := &rowReader{m: &m, row: row}
	var out ContactRow
	c := &out.Contact

	if s := rr.cell(fEmail); s != "" {
		c.Email = crm.NormalizeEmail(strings.TrimPrefix(s, "mailto:"))
		if !crm.ValidEmail(c.Email) {
			rr.fail("is not an e-mail address (e.g. taro@example.jp)", fEmail)
		}
	}

	c.Family, c.Given = rr.text(fFamily, maxText), rr.text(fGiven, maxText)
	if c.Family == "" && c.Given == "" {
		if full := rr.text(fFullName, maxText); full != "" {
			c.Family, c.Given = splitName(full)
			rr.set.add(fFamily)
			if c.Given != "" {
				rr.set.add(fGiven)
			}
		}
	}
	c.FamilyReading, c.GivenReading = rr.text(fFamilyReading, maxText), rr.text(fGivenReading, maxText)
	if c.FamilyReading == "" && c.GivenReading == "" {
		if full := rr.text(fFullReading, maxText); full != "" {
			c.FamilyReading, c.GivenReading = splitReading(full)
			rr.set.add(fFamilyReading)
			if c.GivenReading != "" {
				rr.set.add(fGivenReading)
			}
		}
	}
	c.Honorific = rr.text(fHonorific, maxText)
	c.Phone = rr.cell(fPhone)
	out.MobilePhone = strings.TrimSpace(norm.NFKC.String(rr.cell(fMobile)))
	if c.Phone == "" && out.MobilePhone != "" {
		c.Phone = out.MobilePhone
		rr.set.add(fPhone)
	}
	c.JobTitle = rr.text(fJobTitle, maxText)
	c.Department = rr.text(fDepartment, maxText)
	if s := rr.cell(fStage); s != "" {
		if st, ok := parseStage(s); ok {
			c.Lifecycle = st
		} else {
			rr.fail("is not a lifecycle stage; use subscriber, lead, mql, sql, opportunity, customer or disqualified (リード, MQL, SQL, 商談, 顧客 and HubSpot's stages are understood too)", fStage)
		}
	}
	if s := rr.cell(fLeadStatus); s != "" {
		if ls, ok := parseLeadStatus(s); ok {
			c.LeadStatus = ls
		} else {
			rr.fail("is not a lead status; use new, working, accepted, rejected or recycled (新規, 対応中, 受入, 却下, リサイクル and HubSpot's statuses are understood too)", fLeadStatus)
		}
	}
	if s := rr.cell(fConsent); s != "" {
		if cs, ok := parseConsent(s); ok {
			c.Consent = cs
		} else {
			rr.fail("is not a consent status; use granted, withdrawn, pending or unknown (同意, 拒否, 確認中, 不明)", fConsent)
		}
	}
	if s := rr.cell(fTags); s != "" {
		c.Tags = splitTags(s)
	}
	out.OwnerEmail, out.OwnerName = rr.owner()
	rr.company(&out.Company)
	out.Props = rr.props()

	out.Company.Normalize()

	c.Normalize()
	if err := c.Validate(out.Company.Name != ""); err != nil {
		rr.validation(err, contactColumns)
	}
	out.set = rr.set
	return out, sortErrors(&m, rr.errs)
}

// contactColumns names the columns that may have given a crm field.
func contactColumns(field string) []fieldID {
	switch field {
	case "email":
		return []fieldID{fEmail}
	case "company":
		return []fieldID{fCompany}
	case "family_name":
		return []fieldID{fFamily, fFullName}
	case "given_name":
		return []fieldID{fGiven, fFullName}
	case "family_reading":
		return []fieldID{fFamilyReading, fFullReading}
	case "given_reading":
		return []fieldID{fGivenReading, fFullReading}
	case "phone":
		return []fieldID{fPhone, fMobile}
	case "tags":
		return []fieldID{fTags}
	}
	if id := contactTable.byKey[field]; id != fNone {
		return []fieldID{id}
	}
	return nil
}

// Company converts a row of a company file: normalised and checked by
// crm.Company.Validate (the name is required), the other fields as in
// Contact.
func (m Mapping) Company(row []string) (CompanyRow, []CellError) {
	rr := &rowReader{m: &m, row: row}
	var out CompanyRow
	c := &out.Company
	rr.company(c)
	if s := rr.cell(fPhone); s != "" {
		c.Phone = s
		if len(crm.PhoneKey(s)) < 6 || len(s) > 40 {
			rr.fail("is not a phone number (e.g. 03-1234-5678)", fPhone)
		}
	}
	out.OwnerEmail, out.OwnerName = rr.owner()
	out.Props = rr.props()
	c.Normalize()
	if err := c.Validate(); err != nil {
		rr.validation(err, companyColumns)
	}
	out.set = rr.set
	return out, sortErrors(&m, rr.errs)
}

// companyColumns names the columns that may have given a crm field.
func companyColumns(field string) []fieldID {
	switch field {
	case "street":
		return []fieldID{fStreet, fAddress, fStreet2}
	case "city":
		return []fieldID{fCity, fAddress}
	case "prefecture":
		return []fieldID{fPrefecture, fAddress}
	case "postal_code":
		return []fieldID{fPostal, fAddress}
	}
	if id := companyTable.byKey[field]; id != fNone {
		return []fieldID{id}
	}
	return nil
}

// sortErrors puts errors in column order, row-level ones first.
func sortErrors(m *Mapping, errs []CellError) []CellError {
	if len(errs) < 2 {
		return errs
	}
	pos := func(e CellError) int { return findColumn(m.header, e.Column) }
	sort.SliceStable(errs, func(i, j int) bool {
		if errs[i].Column == "" || errs[j].Column == "" {
			return errs[i].Column == "" && errs[j].Column != ""
		}
		return pos(errs[i]) < pos(errs[j])
	})
	return errs
}

// splitName splits a full name on its first space (full-width too).
// Japanese names are family name first (山田 太郎); names in Latin script
// are given name first (Taro Yamada), or family name first before a comma
// (Yamada, Taro). A name without a space is kept whole: as the family name
// in Japanese script, as the given name otherwise.
func splitName(s string) (family, given string) {
	if f, g, ok := strings.Cut(s, ","); ok && !hasJapanese(s) {
		return strings.TrimSpace(f), strings.Join(strings.Fields(g), " ")
	}
	parts := strings.Fields(s)
	switch {
	case len(parts) == 0:
		return "", ""
	case hasJapanese(s):
		return parts[0], strings.Join(parts[1:], " ")
	case len(parts) == 1:
		return "", parts[0]
	default:
		return parts[len(parts)-1], strings.Join(parts[:len(parts)-1], " ")
	}
}

// splitReading splits a full reading, always family first (ヤマダ タロウ).
func splitReading(s string) (family, given string) {
	parts := strings.Fields(s)
	if len(parts) == 0 {
		return "", ""
	}
	return crm.NormalizeReading(parts[0]), crm.NormalizeReading(strings.Join(parts[1:], " "))
}

func hasJapanese(s string) bool {
	for _, r := range s {
		if r >= 0x3040 && r <= 0x30FF || r >= 0x3400 && r <= 0x9FFF || r >= 0xF900 && r <= 0xFAFF || r >= 0xFF66 && r <= 0xFF9F {
			return true
		}
	}
	return false
}

// splitTags splits a tag cell on , ; 、 ， ； and drops empty and repeated
// tags. Tags are NFKC-normalised (ＶＩＰ is VIP) and trimmed.
func splitTags(s string) []string {
	s = norm.NFKC.String(s) // ， and ； become , and ;
	parts := strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ';' || r == '、' })
	out := make([]string, 0, len(parts))
	for _, p := range parts {
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		dup := false
		for _, q := range out {
			if q == p {
				dup = true
				break
			}
		}
		if !dup {
			out = append(out, p)
		}
	}
	return out
}

// stageNames are the spellings of lifecycle stages, compared by foldKey.
var stageNames = choiceTable(map[string][]string{
	string(crm.StageSubscriber):   {"subscriber", "購読者", "サブスクライバー", "購読", "メルマガ購読者"},
	string(crm.StageLead):         {"lead", "リード", "見込み客", "見込客", "見込み顧客", "見込み"},
	string(crm.StageMQL):          {"mql", "marketingqualifiedlead", "marketing qualified lead", "マーケティング認定リード", "マーケティングクオリファイドリード"},
	string(crm.StageSQL):          {"sql", "salesqualifiedlead", "sales qualified lead", "セールス認定リード", "営業認定リード", "セールスクオリファイドリード"},
	string(crm.StageOpportunity):  {"opportunity", "商談", "商談中", "商談機会", "案件", "オポチュニティ", "オポチュニティー"},
	string(crm.StageCustomer):     {"customer", "顧客", "既存顧客", "カスタマー", "evangelist", "エバンジェリスト"},
	string(crm.StageDisqualified): {"disqualified", "対象外", "失格", "除外", "不適格"},
})

var leadStatusNames = choiceTable(map[string][]string{
	string(crm.LeadNew):      {"new", "open", "open - not contacted", "新規", "未対応", "未着手"},
	string(crm.LeadWorking):  {"working", "in progress", "attempted to contact", "connected", "working - contacted", "対応中", "進行中", "アプローチ中", "連絡済み", "接触済み"},
	string(crm.LeadAccepted): {"accepted", "open deal", "closed - converted", "受入", "受け入れ", "受入済み", "承認", "承認済み", "商談化"},
	string(crm.LeadRejected): {"rejected", "unqualified", "closed - not converted", "却下", "見送り"},
	string(crm.LeadRecycled): {"recycled", "bad timing", "リサイクル", "再育成", "ナーチャリング"},
})

var consentNames = choiceTable(map[string][]string{
	string(crm.ConsentGranted):   {"granted", "yes", "true", "opt-in", "opted in", "同意", "同意済み", "同意あり", "あり", "許諾"},
	string(crm.ConsentWithdrawn): {"withdrawn", "no", "false", "opt-out", "opted out", "unsubscribed", "拒否", "撤回", "同意なし", "なし", "配信停止"},
	string(crm.ConsentPending):   {"pending", "確認中", "未確認"},
	string(crm.ConsentUnknown):   {"unknown", "不明"},
})

func choiceTable(in map[string][]string) map[string]string {
	out := map[string]string{}
	for value, names := range in {
		for _, n := range names {
			out[foldKey(n)] = value
		}
	}
	return out
}

// choose looks s up in a choiceTable, trying s as it is first: most files
// hold the keys themselves (lead, customer), which need no folding.
func choose(table map[string]string, s string) (string, bool) {
	if v, ok := table[s]; ok {
		return v, true
	}
	v, ok := table[foldKey(s)]
	return v, ok
}

func parseStage(s string) (crm.Lifecycle, bool) {
	v, ok := choose(stageNames, s)
	return crm.Lifecycle(v), ok
}

func parseLeadStatus(s string) (crm.LeadStatus, bool) {
	v, ok := choose(leadStatusNames, s)
	return crm.LeadStatus(v), ok
}

func parseConsent(s string) (crm.Consent, bool) {
	v, ok := choose(consentNames, s)
	return crm.Consent(v), ok
}

// parseDomain reduces a web address to its host name: no scheme, path,
// port or leading www., lower case.
func parseDomain(s string) (string, bool) {
	s = strings.ToLower(strings.TrimSpace(norm.NFKC.String(s)))
	if i := strings.Index(s, "://"); i >= 0 {
		s = s[i+3:]
	}
	s = strings.TrimPrefix(s, "//")
	if i := strings.IndexAny(s, "/?#"); i >= 0 {
		s = s[:i]
	}
	if i := strings.LastIndexByte(s, '@'); i >= 0 {
		s = s[i+1:]
	}
	if i := strings.LastIndexByte(s, ':'); i >= 0 {
		s = s[:i]
	}
	s = strings.TrimSuffix(strings.TrimPrefix(s, "www."), ".")
	if len(s) > 253 || !strings.Contains(s, ".") {
		return "", false
	}
	for _, label := range strings.Split(s, ".") {
		if label == "" || label[0] == '-' || label[len(label)-1] == '-' {
			return "", false
		}
		for _, r := range label {
			if !(r == '-' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r >= utf8.RuneSelf && (unicode.IsLetter(r) || unicode.IsDigit(r))) {
				return "", false
			}
		}
	}
	return s, true
}

var (
	employeesNoise = strings.NewReplacer(",", "", " ", "", "約", "", "名", "", "人", "", "以上", "", "+", "")
	dashes         = strings.NewReplacer("ー", "-", "−", "-", "‐", "-", "―", "-", "‑", "-")
)

// parseEmployees reads 1,200 or 約300名 or ３００人.
func parseEmployees(s string) (int, bool) {
	s = norm.NFKC.String(s)
	s = employeesNoise.Replace(s)
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 || n > 10_000_000 {
		return 0, false
	}
	return n, true
}

// normalizePostal brings a postal code to NFKC without 〒, and a Japanese
// seven-digit code to 123-4567.
func normalizePostal(s string) string {
	if len(s) == 8 && s[3] == '-' && allDigits(s[:3]) && allDigits(s[4:]) {
		return s // the usual case, already in form
	}
	s = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(norm.NFKC.String(s)), "〒"))
	s = dashes.Replace(s)
	digits := strings.ReplaceAll(s, "-", "")
	if len(digits) == 7 && allDigits(digits) {
		return digits[:3] + "-" + digits[3:]
	}
	return s
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// prefectures are Japan's 47 prefectures.
var prefectures = []string{
	"北海道", "青森県", "岩手県", "宮城県", "秋田県", "山形県", "福島県", "茨城県", "栃木県", "群馬県",
	"埼玉県", "千葉県", "東京都", "神奈川県", "新潟県", "富山県", "石川県", "福井県", "山梨県", "長野県",
	"岐阜県", "静岡県", "愛知県", "三重県", "滋賀県", "京都府", "大阪府", "兵庫県", "奈良県", "和歌山県",
	"鳥取県", "島根県", "岡山県", "広島県", "山口県", "徳島県", "香川県", "愛媛県", "高知県", "福岡県",
	"佐賀県", "長崎県", "熊本県", "大分県", "宮崎県", "鹿児島県", "沖縄県",
}

// normalizePrefecture completes a Japanese prefecture written without its
// suffix (東京 → 東京都, 大阪 → 大阪府); anything else is kept.
func normalizePrefecture(s string) string {
	if s == "" {
		return ""
	}
	for _, p := range prefectures {
		// Each suffix 都, 道, 府, 県 is three bytes in UTF-8.
		if s == p || p != "北海道" && s == p[:len(p)-3] {
			return p
		}
	}
	return s
}

// splitAddress takes a leading postal code (〒100-0005) and prefecture off
// a Japanese address; the rest is returned whole, since a city cannot be
// told from a street reliably (市川市, 四日市市, 郡).
func splitAddress(s string) (postal, pref, rest string) {
	rest = strings.TrimSpace(s)
	if p := strings.TrimPrefix(rest, "〒"); p != rest || len(p) > 0 && p[0] >= '0' && p[0] <= '9' {
		k := strings.TrimSpace(norm.NFKC.String(p))
		end := 0
		for end < len(k) && (k[end] >= '0' && k[end] <= '9' || k[end] == '-') {
			end++
		}
		if code := normalizePostal(k[:end]); len(code) == 8 && code[3] == '-' {
			postal = code
			// Cut the same prefix from the NFC text: count runes consumed.
			consumed := utf8.RuneCountInString(k[:end])
			r := []rune(strings.TrimSpace(p))
			if consumed <= len(r) {
				rest = strings.TrimSpace(string(r[consumed:]))
			}
		}
	}
	for _, p := range prefectures {
		if strings.HasPrefix(rest, p) {
			return postal, p, strings.TrimSpace(rest[len(p):])
		}
	}
	return postal, "", rest
}
