package crm

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Segments (DESIGN.md §7): a filter tree over contacts, evaluated when read
// (a count, a send, a rule check for one contact), or a static list whose
// members are stored. This file holds the tree, its allow-list of fields,
// its operators per field type and its validation; the store compiles a
// validated tree to parameterised SQL.

// SegmentKind says whether a segment is a filter or a stored list.
type SegmentKind string

// Segment kinds.
const (
	SegmentDynamic SegmentKind = "dynamic" // the filter, evaluated when read
	SegmentStatic  SegmentKind = "static"  // stored members (segment_members)
)

// Segment is a named filter or static list of contacts.
type Segment struct {
	ID          int64
	Name        string
	Description string
	Kind        SegmentKind
	Filter      SegmentGroup // dynamic segments; static lists keep the filter they were saved from, if any
	OwnerID     int64
	CreatedAt   time.Time
	UpdatedAt   time.Time
	Version     int64
}

// Normalize trims the name and fills defaults.
func (s *Segment) Normalize() {
	s.Name = strings.TrimSpace(s.Name)
	s.Description = strings.TrimSpace(s.Description)
	if s.Kind == "" {
		s.Kind = SegmentDynamic
	}
	s.Filter.Normalize()
}

// Validate checks the name, the kind and (dynamic segments) the filter.
func (s Segment) Validate(sc SegmentSchema) error {
	v := &ValidationError{}
	switch n := utf8.RuneCountInString(s.Name); {
	case n == 0:
		v.Add("name", "enter a name")
	case n > 100:
		v.Add("name", "use at most 100 characters")
	}
	if utf8.RuneCountInString(s.Description) > 1000 {
		v.Add("description", "use at most 1,000 characters")
	}
	if s.Kind != SegmentDynamic && s.Kind != SegmentStatic {
		v.Add("kind", "choose dynamic or static")
	}
	if s.Kind == SegmentDynamic {
		s.Filter.validate(sc, "filter", 1, &segmentBudget{}, v)
	}
	return v.Err()
}

// SegmentGroup is a group of conditions and sub-groups joined by AND
// (match "all") or OR (match "any"). An empty root group matches every
// contact; an empty sub-group is refused.
type SegmentGroup struct {
	Match      string             `json:"match"` // all | any
	Conditions []SegmentCondition `json:"conditions,omitempty"`
	Groups     []SegmentGroup     `json:"groups,omitempty"`
}

// Group matches.
const (
	MatchAll = "all" // AND
	MatchAny = "any" // OR
)

// SegmentCondition is one test on one field of the allow-list.
type SegmentCondition struct {
	Field  string    `json:"field"`
	Op     SegmentOp `json:"op"`
	Value  string    `json:"value,omitempty"`
	Values []string  `json:"values,omitempty"` // in; between (low, high)
	// Days is "in the last N days": within_days, and the window of the
	// behaviour fields (visited_path needs it; submitted_form, 0 = ever).
	Days int `json:"days,omitempty"`
}

// SegmentOp is a condition's operator.
type SegmentOp string

// Operators. Which ones a field accepts depends on its type (SegmentField.Ops).
const (
	SegOpEq         SegmentOp = "eq"
	SegOpNeq        SegmentOp = "neq"
	SegOpIn         SegmentOp = "in"
	SegOpContains   SegmentOp = "contains"
	SegOpPrefix     SegmentOp = "prefix"
	SegOpGt         SegmentOp = "gt"
	SegOpGte        SegmentOp = "gte"
	SegOpLt         SegmentOp = "lt"
	SegOpLte        SegmentOp = "lte"
	SegOpBetween    SegmentOp = "between"
	SegOpIsSet      SegmentOp = "is_set"
	SegOpIsEmpty    SegmentOp = "is_empty"
	SegOpWithinDays SegmentOp = "within_days"
)

// SegmentFieldType is how a field compares.
type SegmentFieldType string

// Field types.
const (
	FieldText            SegmentFieldType = "text"
	FieldEnum            SegmentFieldType = "enum"   // one of Options
	FieldNumber          SegmentFieldType = "number" // also the scores (whole numbers)
	FieldDate            SegmentFieldType = "date"   // YYYY-MM-DD, in the workspace time zone
	FieldBool            SegmentFieldType = "bool"
	FieldMulti           SegmentFieldType = "multi" // multiple-choice custom property
	FieldTag             SegmentFieldType = "tag"
	FieldUser            SegmentFieldType = "user"  // a user id (owner)
	FieldVisit           SegmentFieldType = "visit" // a page path visited in the last N days
	FieldForm            SegmentFieldType = "form"  // a form submitted (in the last N days)
	FieldDeal            SegmentFieldType = "deal"  // has a deal that is open, won or lost
	FieldList            SegmentFieldType = "list"  // member of a static list
	FieldEmailEngagement SegmentFieldType = "email" // opened or clicked marketing e-mail in the last N days
)

// FieldSurvey is the type of answered_survey: a survey answered (in the
// last N days).
const FieldSurvey SegmentFieldType = "survey"

// segmentOps are the operators of each field type.
var segmentOps = map[SegmentFieldType][]SegmentOp{
	FieldText:            {SegOpEq, SegOpNeq, SegOpIn, SegOpContains, SegOpPrefix, SegOpIsSet, SegOpIsEmpty},
	FieldEnum:            {SegOpEq, SegOpNeq, SegOpIn},
	FieldNumber:          {SegOpEq, SegOpNeq, SegOpGt, SegOpGte, SegOpLt, SegOpLte, SegOpBetween},
	FieldDate:            {SegOpEq, SegOpGt, SegOpLt, SegOpBetween, SegOpWithinDays},
	FieldBool:            {SegOpEq, SegOpNeq},
	FieldMulti:           {SegOpContains, SegOpIn, SegOpIsSet, SegOpIsEmpty},
	FieldTag:             {SegOpEq, SegOpNeq, SegOpIn},
	FieldUser:            {SegOpEq, SegOpNeq, SegOpIn, SegOpIsSet, SegOpIsEmpty},
	FieldVisit:           {SegOpPrefix, SegOpEq},
	FieldForm:            {SegOpEq, SegOpIsSet},
	FieldDeal:            {SegOpEq, SegOpNeq, SegOpIn},
	FieldList:            {SegOpEq, SegOpNeq},
	FieldEmailEngagement: {SegOpEq},
	FieldSurvey:          {SegOpEq, SegOpIsSet},
}

// SegmentField is one field of the allow-list.
type SegmentField struct {
	Name    string // e.g. lifecycle_stage, company.industry, props.plan
	Type    SegmentFieldType
	Ops     []SegmentOp
	Options []string // enum values
	// Optional fields (custom properties, company columns that may be
	// blank) also take is_set and is_empty.
	Optional bool
}

// Values of the email_engagement field.
const (
	EmailOpened          = "opened"
	EmailClicked         = "clicked"
	EmailOpenedOrClicked = "opened_or_clicked"
)

// Deal statuses of the deal_status field.
const (
	DealOpen = "open"
	DealWon  = "won"
	DealLost = "lost"
)

// SegmentSchema is what validation needs beyond the built-in fields: the
// custom properties of contacts by key.
type SegmentSchema struct {
	Props map[string]PropertyType
}

// builtinSegmentFields is the allow-list of fields other than custom
// properties, in the order the filter builder shows them.
func builtinSegmentFields() []SegmentField {
	enum := func(name string, opts ...string) SegmentField {
		return SegmentField{Name: name, Type: FieldEnum, Options: opts}
	}
	stages := make([]string, len(Lifecycles))
	for i, l := range Lifecycles {
		stages[i] = string(l)
	}
	return []SegmentField{
		enum("lifecycle_stage", stages...),
		{Name: "lead_status", Type: FieldEnum, Optional: true, Options: []string{string(LeadNew), string(LeadWorking),
			string(LeadAccepted), string(LeadRejected), string(LeadRecycled)}},
		{Name: "fit_score", Type: FieldNumber},
		{Name: "engagement_score", Type: FieldNumber},
		{Name: "tag", Type: FieldTag},
		{Name: "email", Type: FieldText},
		{Name: "family_name", Type: FieldText},
		{Name: "given_name", Type: FieldText},
		{Name: "job_title", Type: FieldText},
		{Name: "department", Type: FieldText},
		{Name: "phone", Type: FieldText},
		enum("original_source", string(SourceWebForm), string(SourceTrackedVisit), string(SourceEmail), string(SourceCampaign),
			string(SourceEvent), string(SourceSurvey), string(SourceImportMkt), string(SourceManual), string(SourceImportSales),
			string(SourceBusinessCard), string(SourceAPI)),
		enum("consent", string(ConsentUnknown), string(ConsentGranted), string(ConsentWithdrawn), string(ConsentPending)),
		{Name: "owner", Type: FieldUser},
		{Name: "created_at", Type: FieldDate},
		{Name: "company.name", Type: FieldText},
		{Name: "company.industry", Type: FieldText},
		{Name: "company.prefecture", Type: FieldText},
		{Name: "company.city", Type: FieldText},
		{Name: "company.country", Type: FieldText},
		{Name: "company.employees", Type: FieldNumber, Optional: true},
		{Name: "visited_path", Type: FieldVisit},
		{Name: "submitted_form", Type: FieldForm},
		{Name: "deal_status", Type: FieldDeal, Options: []string{DealOpen, DealWon, DealLost}},
		{Name: "list", Type: FieldList},
		{Name: "email_engagement", Type: FieldEmailEngagement, Options: []string{EmailOpened, EmailClicked, EmailOpenedOrClicked}},
		{Name: "answered_survey", Type: FieldSurvey},           // surveys: a response tied to the contact
		{Name: "nps_score", Type: FieldNumber, Optional: true}, // surveys: the contact's latest NPS answer (0–10)
	}
}

// SegmentFields returns the allow-list: the built-in fields, then the
// custom properties (props.<key>) sorted by key. Each field's Ops are
// filled.
func SegmentFields(sc SegmentSchema) []SegmentField {
	fields := builtinSegmentFields()
	keys := make([]string, 0, len(sc.Props))
	for k := range sc.Props {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fields = append(fields, propSegmentField(k, sc.Props[k]))
	}
	for i := range fields {
		fields[i].Ops = fieldOps(fields[i])
	}
	return fields
}

func fieldOps(f SegmentField) []SegmentOp {
	ops := append([]SegmentOp(nil), segmentOps[f.Type]...)
	if f.Optional && f.Type != FieldText && f.Type != FieldMulti && f.Type != FieldUser {
		ops = append(ops, SegOpIsSet, SegOpIsEmpty)
	}
	return ops
}

// propSegmentField is the field of a custom property.
func propSegmentField(key string, t PropertyType) SegmentField {
	f := SegmentField{Name: "props." + key, Optional: true}
	switch t {
	case PropNumber:
		f.Type = FieldNumber
	case PropDate:
		f.Type = FieldDate
	case PropBool:
		f.Type = FieldBool
	case PropMultiChoice:
		f.Type = FieldMulti
	default: // text, url, choice
		f.Type = FieldText
	}
	return f
}

// LookupSegmentField finds a field of the allow-list by name.
func LookupSegmentField(sc SegmentSchema, name string) (SegmentField, bool) {
	if key, ok := strings.CutPrefix(name, "props."); ok {
		t, ok := sc.Props[key]
		if !ok {
			return SegmentField{}, false
		}
		f := propSegmentField(key, t)
		f.Ops = fieldOps(f)
		return f, true
	}
	for _, f := range builtinSegmentFields() {
		if f.Name == name {
			f.Ops = fieldOps(f)
			return f, true
		}
	}
	return SegmentField{}, false
}

// Limits of a filter tree: how deep groups nest, how many conditions and
// groups it holds, how many values a condition lists and how long a value
// is. They keep a hostile tree from making a huge query.
const (
	MaxSegmentDepth      = 4
	MaxSegmentConditions = 50
	MaxSegmentGroups     = 20
	MaxSegmentValues     = 200
	MaxSegmentValueLen   = 500
	MaxSegmentDays       = 3650
	// MaxSegmentJSON is the largest filter document accepted, in bytes.
	MaxSegmentJSON = 64 << 10
)

type segmentBudget struct{ conditions, groups int }

// Normalize trims values and fills the default match (all).
func (g *SegmentGroup) Normalize() {
	g.Match = strings.ToLower(strings.TrimSpace(g.Match))
	if g.Match == "" {
		g.Match = MatchAll
	}
	for i := range g.Conditions {
		c := &g.Conditions[i]
		c.Field = strings.TrimSpace(c.Field)
		c.Op = SegmentOp(strings.ToLower(strings.TrimSpace(string(c.Op))))
		c.Value = strings.TrimSpace(c.Value)
		for j := range c.Values {
			c.Values[j] = strings.TrimSpace(c.Values[j])
		}
		if c.Field == "tag" {
			c.Value = normalizeTag(c.Value)
			for j := range c.Values {
				c.Values[j] = normalizeTag(c.Values[j])
			}
		}
	}
	for i := range g.Groups {
		g.Groups[i].Normalize()
	}
}

func normalizeTag(s string) string {
	t := NormalizeTags([]string{s})
	if len(t) == 0 {
		return ""
	}
	return t[0]
}

// Validate checks a normalised tree against the allow-list; messages are
// keyed by the path of the part at fault, e.g.
// filter.groups[0].conditions[1].value.
func (g SegmentGroup) Validate(sc SegmentSchema) error {
	v := &ValidationError{}
	g.validate(sc, "filter", 1, &segmentBudget{}, v)
	return v.Err()
}

func (g SegmentGroup) validate(sc SegmentSchema, path string, depth int, b *segmentBudget, v *ValidationError) {
	if depth > MaxSegmentDepth {
		v.Add(path, fmt.Sprintf("groups nest at most %d levels deep", MaxSegmentDepth))
		return
	}
	if g.Match != MatchAll && g.Match != MatchAny {
		v.Add(path+".match", "choose all (AND) or any (OR)")
	}
	if depth > 1 && len(g.Conditions)+len(g.Groups) == 0 {
		v.Add(path, "add a condition to the group or remove it")
	}
	b.conditions += len(g.Conditions)
	b.groups += len(g.Groups)
	if b.conditions > MaxSegmentConditions {
		v.Add("filter", fmt.Sprintf("use at most %d conditions", MaxSegmentConditions))
		return
	}
	if b.groups > MaxSegmentGroups {
		v.Add("filter", fmt.Sprintf("use at most %d groups", MaxSegmentGroups))
		return
	}
	for i, c := range g.Conditions {
		c.validate(sc, fmt.Sprintf("%s.conditions[%d]", path, i), v)
	}
	for i, sub := range g.Groups {
		sub.validate(sc, fmt.Sprintf("%s.groups[%d]", path, i), depth+1, b, v)
	}
}

func (c SegmentCondition) validate(sc SegmentSchema, path string, v *ValidationError) {
	f, ok := LookupSegmentField(sc, c.Field)
	if !ok {
		name := c.Field
		if utf8.RuneCountInString(name) > 60 {
			name = string([]rune(name)[:60]) + "…"
		}
		v.Add(path+".field", fmt.Sprintf("%q is not a field segments can filter on", name))
		return
	}
	if !hasOp(f.Ops, c.Op) {
		names := make([]string, len(f.Ops))
		for i, op := range f.Ops {
			names[i] = string(op)
		}
		v.Add(path+".op", fmt.Sprintf("%s cannot be used with %s; choose %s", opName(c.Op), c.Field, strings.Join(names, ", ")))
		return
	}
	if len(c.Values) > MaxSegmentValues {
		v.Add(path+".values", fmt.Sprintf("list at most %d values", MaxSegmentValues))
		return
	}
	for _, s := range append([]string{c.Value}, c.Values...) {
		if utf8.RuneCountInString(s) > MaxSegmentValueLen || !utf8.ValidString(s) || strings.ContainsRune(s, 0) {
			v.Add(path+".value", fmt.Sprintf("use at most %d characters of text", MaxSegmentValueLen))
			return
		}
	}
	if c.Days < 0 || c.Days > MaxSegmentDays {
		v.Add(path+".days", fmt.Sprintf("enter a number of days from 1 to %d", MaxSegmentDays))
		return
	}
	if msg, at := c.checkValue(f); msg != "" {
		v.Add(path+"."+at, msg)
	}
}

func opName(op SegmentOp) string {
	if op == "" {
		return "no operator"
	}
	s := string(op)
	if utf8.RuneCountInString(s) > 30 {
		s = string([]rune(s)[:30]) + "…"
	}
	return strconv.Quote(s)
}

func hasOp(ops []SegmentOp, op SegmentOp) bool {
	for _, o := range ops {
		if o == op {
			return true
		}
	}
	return false
}

// checkValue checks the operands of a condition whose field and operator
// fit; it returns a message and the part it is about (value, values, days).
func (c SegmentCondition) checkValue(f SegmentField) (msg, at string) {
	switch c.Op {
	case SegOpIsSet, SegOpIsEmpty: // submitted_form is_set: any form (in the last N days)
		return "", ""
	case SegOpIn:
		if len(c.Values) == 0 {
			return "choose at least one value", "values"
		}
		for _, s := range c.Values {
			if m := checkOne(f, s); m != "" {
				return m, "values"
			}
		}
		return "", ""
	case SegOpBetween:
		if len(c.Values) != 2 {
			return "enter a lowest and a highest value", "values"
		}
		for _, s := range c.Values {
			if m := checkOne(f, s); m != "" {
				return m, "values"
			}
		}
		if f.Type == FieldNumber {
			lo, _ := strconv.ParseFloat(c.Values[0], 64)
			hi, _ := strconv.ParseFloat(c.Values[1], 64)
			if lo > hi {
				return "the lowest value is above the highest", "values"
			}
		} else if c.Values[0] > c.Values[1] {
			return "the first date is after the second", "values"
		}
		return "", ""
	case SegOpWithinDays:
		if c.Days < 1 {
			return fmt.Sprintf("enter a number of days from 1 to %d", MaxSegmentDays), "days"
		}
		return "", ""
	}
	if (f.Type == FieldVisit || f.Type == FieldEmailEngagement) && c.Days < 1 {
		return fmt.Sprintf("enter the number of days to look back, from 1 to %d", MaxSegmentDays), "days"
	}
	if m := checkOne(f, c.Value); m != "" {
		return m, "value"
	}
	return "", ""
}

// checkOne checks one operand against the field's type.
func checkOne(f SegmentField, s string) string {
	switch f.Type {
	case FieldText, FieldMulti, FieldTag:
		if s == "" {
			return "enter a value (to find blank values, use is empty)"
		}
	case FieldEnum, FieldDeal, FieldEmailEngagement:
		for _, o := range f.Options {
			if s == o {
				return ""
			}
		}
		return fmt.Sprintf("choose one of %s", strings.Join(f.Options, ", "))
	case FieldNumber:
		n, err := strconv.ParseFloat(s, 64)
		if err != nil || n != n || n > 1e15 || n < -1e15 {
			return fmt.Sprintf("%s is not a number", quoteShort(s))
		}
		if (f.Name == "fit_score" || f.Name == "engagement_score") && n != float64(int64(n)) {
			return "scores are whole numbers"
		}
	case FieldDate:
		if _, err := time.Parse(time.DateOnly, s); err != nil {
			return fmt.Sprintf("%s is not a date (e.g. 2026-04-01)", quoteShort(s))
		}
	case FieldBool:
		if _, err := strconv.ParseBool(s); err != nil {
			return "choose true or false"
		}
	case FieldUser, FieldForm, FieldList, FieldSurvey:
		if id, err := strconv.ParseInt(s, 10, 64); err != nil || id <= 0 {
			return fmt.Sprintf("%s is not an id", quoteShort(s))
		}
	case FieldVisit:
		if !strings.HasPrefix(s, "/") {
			return "enter a path that starts with /, e.g. /pricing"
		}
	}
	return ""
}

func quoteShort(s string) string {
	if utf8.RuneCountInString(s) > 40 {
		s = string([]rune(s)[:40]) + "…"
	}
	return strconv.Quote(s)
}

// ---- JSON ----

// ParseSegmentFilter reads a filter tree from JSON: at most
// MaxSegmentJSON bytes, no unknown keys; numbers and booleans are
// accepted where a value is text. The tree is normalised, not validated.
func ParseSegmentFilter(data []byte) (SegmentGroup, error) {
	var g SegmentGroup
	if len(bytes.TrimSpace(data)) == 0 {
		g.Normalize()
		return g, nil
	}
	if len(data) > MaxSegmentJSON {
		return g, Invalid("filter", fmt.Sprintf("the filter is larger than %d KB", MaxSegmentJSON>>10))
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&g); err != nil {
		return SegmentGroup{}, Invalid("filter", "is not a filter: "+jsonProblem(err))
	}
	if dec.More() {
		return SegmentGroup{}, Invalid("filter", "is not a filter: text after the JSON object")
	}
	g.Normalize()
	return g, nil
}

func jsonProblem(err error) string {
	msg := err.Error()
	msg = strings.TrimPrefix(msg, "json: ")
	if utf8.RuneCountInString(msg) > 120 {
		msg = string([]rune(msg)[:120]) + "…"
	}
	return msg
}

// UnmarshalJSON accepts value and values as text, numbers or booleans.
func (c *SegmentCondition) UnmarshalJSON(b []byte) error {
	var raw struct {
		Field  string            `json:"field"`
		Op     SegmentOp         `json:"op"`
		Value  json.RawMessage   `json:"value"`
		Values []json.RawMessage `json:"values"`
		Days   int               `json:"days"`
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&raw); err != nil {
		return err
	}
	c.Field, c.Op, c.Days = raw.Field, raw.Op, raw.Days
	var err error
	if c.Value, err = scalarText(raw.Value); err != nil {
		return fmt.Errorf("value: %w", err)
	}
	c.Values = nil
	for _, r := range raw.Values {
		s, err := scalarText(r)
		if err != nil {
			return fmt.Errorf("values: %w", err)
		}
		c.Values = append(c.Values, s)
	}
	return nil
}

// scalarText is a JSON string, number or boolean as text ("" for null or
// nothing).
func scalarText(r json.RawMessage) (string, error) {
	r = bytes.TrimSpace(r)
	if len(r) == 0 || string(r) == "null" {
		return "", nil
	}
	switch r[0] {
	case '"':
		var s string
		err := json.Unmarshal(r, &s)
		return s, err
	case 't', 'f':
		var b bool
		err := json.Unmarshal(r, &b)
		return strconv.FormatBool(b), err
	case '[', '{':
		return "", fmt.Errorf("expected text or a number")
	}
	var n json.Number
	if err := json.Unmarshal(r, &n); err != nil {
		return "", err
	}
	return n.String(), nil
}

// JSON returns the tree as compact JSON (as stored).
func (g SegmentGroup) JSON() string {
	b, _ := json.Marshal(g)
	return string(b)
}
