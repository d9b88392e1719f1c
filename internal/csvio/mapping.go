package csvio

import (
	"encoding/json"
	"sort"
	"strings"

	"renkei/internal/crm"
)

// CustomProperty is a custom property a column may be mapped to, with the
// labels (Japanese, English) a header may carry instead of its key.
type CustomProperty struct {
	Key    string
	Labels []string
}

// Mapping says which field each column of a file goes to. Build it with
// DetectMapping, DetectMappingWith or NewMapping; the zero Mapping maps
// nothing. A Mapping is a value and safe for concurrent use.
type Mapping struct {
	object string
	header []string
	ids    []fieldID // per column; fNone when unmapped
	custom []string  // per column; the custom property key when ids[i] == fCustom
	colOf  [numFields]int
}

func newMapping(object string, header []string) Mapping {
	m := Mapping{object: object, header: header, ids: make([]fieldID, len(header)), custom: make([]string, len(header))}
	for i := range m.colOf {
		m.colOf[i] = -1
	}
	return m
}

func (m *Mapping) set(col int, id fieldID, custom string) {
	m.ids[col], m.custom[col] = id, custom
	if id != fCustom && m.colOf[id] < 0 {
		m.colOf[id] = col
	}
}

// DetectMapping maps the columns of a header to the fields of object
// ("contact" or "company") by their names, as HubSpot, Salesforce and
// Japanese tools write them (First Name, Email Address, 姓, メイ,
// 会社名, 郵便番号, …), comparing names without regard to case, spaces,
// punctuation, full or half width, or hiragana and katakana. A column whose
// name is a custom property key in customKeys goes to that property.
// When two columns name one field, the first wins; columns left over are
// listed by Unmapped.
func DetectMapping(object string, header []string, customKeys []string) Mapping {
	props := make([]CustomProperty, len(customKeys))
	for i, k := range customKeys {
		props[i] = CustomProperty{Key: k}
	}
	return DetectMappingWith(object, header, props)
}

// DetectMappingWith is DetectMapping with custom properties recognised by
// their labels too. Precedence: a built-in field's exact key (email,
// family_name), then a custom property's key or label, then the built-in
// fields' other names.
func DetectMappingWith(object string, header []string, props []CustomProperty) Mapping {
	m := newMapping(object, header)
	t := tableFor(object)
	if t == nil {
		return m
	}
	customs := map[string]string{}
	for _, p := range props {
		for _, s := range append([]string{p.Key}, p.Labels...) {
			if k := headerKey(s); k != "" {
				if _, ok := customs[k]; !ok {
					customs[k] = p.Key
				}
			}
		}
	}
	usedCustom := map[string]bool{}
	for col, h := range header {
		k := headerKey(h)
		if k == "" {
			continue
		}
		if id, ok := t.byKey[strings.TrimSpace(h)]; ok && m.colOf[id] < 0 {
			m.set(col, id, "")
			continue
		}
		if key, ok := customs[k]; ok {
			if !usedCustom[key] {
				usedCustom[key] = true
				m.set(col, fCustom, key)
			}
			continue
		}
		if id, ok := t.dict[k]; ok && m.colOf[id] < 0 {
			m.set(col, id, "")
		}
	}
	return m
}

// NewMapping builds a mapping given explicitly, as the API and the mapping
// screen send it: header name → field key (a built-in key of Fields,
// "prop:KEY" or a bare KEY from customKeys, or "" to skip the column).
// Header names are matched exactly, then trimmed and case-insensitively;
// when a file repeats a header name, the first such column is meant.
// Errors are a *crm.ValidationError keyed by header name (or "mapping").
func NewMapping(object string, header []string, byHeader map[string]string, customKeys []string) (Mapping, error) {
	m := newMapping(object, header)
	t := tableFor(object)
	if t == nil {
		return m, crm.Invalid("object", "choose contact or company")
	}
	custom := map[string]bool{}
	for _, k := range customKeys {
		custom[k] = true
	}
	v := &crm.ValidationError{}
	taken := map[string]bool{}
	names := make([]string, 0, len(byHeader))
	for h := range byHeader {
		names = append(names, h)
	}
	// File order, so that of two columns given one field the first keeps it.
	sort.Slice(names, func(i, j int) bool {
		ci, cj := findColumn(header, names[i]), findColumn(header, names[j])
		if ci != cj {
			return ci < cj
		}
		return names[i] < names[j]
	})
	for _, h := range names {
		field := strings.TrimSpace(byHeader[h])
		if field == "" || field == "-" {
			continue
		}
		col := findColumn(header, h)
		if col < 0 {
			v.Add(h, "is not a column of the file")
			continue
		}
		id, ck := fNone, ""
		switch {
		case t.byKey[field] != fNone:
			id = t.byKey[field]
		case strings.HasPrefix(field, PropPrefix) && custom[strings.TrimPrefix(field, PropPrefix)]:
			id, ck = fCustom, strings.TrimPrefix(field, PropPrefix)
		case custom[field]:
			id, ck = fCustom, field
		default:
			v.Add(h, "is mapped to a field that cannot be imported")
			continue
		}
		canon := t.keyOf[id]
		if id == fCustom {
			canon = PropPrefix + ck
		}
		if taken[canon] {
			v.Add(h, "is mapped to a field that another column is mapped to already")
			continue
		}
		taken[canon] = true
		m.set(col, id, ck)
	}
	if err := v.Err(); err != nil {
		return m, err
	}
	return m, m.Check()
}

func findColumn(header []string, h string) int {
	for i, x := range header {
		if x == h {
			return i
		}
	}
	for i, x := range header {
		if strings.EqualFold(strings.TrimSpace(x), strings.TrimSpace(h)) {
			return i
		}
	}
	return -1
}

// Check reports a mapping that cannot give a valid row: a contact needs an
// e-mail or a name column, a company a name column.
func (m Mapping) Check() error {
	switch m.object {
	case ObjectContact:
		if m.colOf[fEmail] < 0 && m.colOf[fFamily] < 0 && m.colOf[fGiven] < 0 && m.colOf[fFullName] < 0 {
			return crm.Invalid("mapping", "map a column to the e-mail address or to the name")
		}
	case ObjectCompany:
		if m.colOf[fCompany] < 0 {
			return crm.Invalid("mapping", "map a column to the company name")
		}
	default:
		return crm.Invalid("object", "choose contact or company")
	}
	return nil
}

// Object returns "contact" or "company".
func (m Mapping) Object() string { return m.object }

// Header returns the file's header. Do not change it.
func (m Mapping) Header() []string { return m.header }

// Field returns the field key of a column: a built-in key, "prop:KEY", or
// "" when the column is not mapped.
func (m Mapping) Field(col int) string {
	if col < 0 || col >= len(m.ids) {
		return ""
	}
	switch id := m.ids[col]; id {
	case fNone:
		return ""
	case fCustom:
		return PropPrefix + m.custom[col]
	default:
		return tableFor(m.object).keyOf[id]
	}
}

// Has reports whether some column is mapped to the field key.
func (m Mapping) Has(field string) bool {
	for col := range m.ids {
		if m.Field(col) == field {
			return true
		}
	}
	return false
}

// ByHeader returns the mapped columns as header name → field key, the
// form NewMapping takes and the API shows.
func (m Mapping) ByHeader() map[string]string {
	out := map[string]string{}
	for col, h := range m.header {
		if f := m.Field(col); f != "" {
			if _, dup := out[h]; !dup {
				out[h] = f
			}
		}
	}
	return out
}

// Unmapped returns the names of the columns not mapped to any field, in
// file order, so that the mapping screen can offer them. Columns without
// a name are left out.
func (m Mapping) Unmapped() []string {
	var out []string
	for col, h := range m.header {
		if m.ids[col] == fNone && strings.TrimSpace(h) != "" {
			out = append(out, h)
		}
	}
	return out
}

// MarshalJSON writes ByHeader.
func (m Mapping) MarshalJSON() ([]byte, error) { return json.Marshal(m.ByHeader()) }
