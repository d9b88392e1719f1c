package store

import (
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"renkei/internal/crm"
)

// Contact lists: filters, sorts, keyset pagination and totals (search is in
// contact_search.go). Everything here reads through index range scans that
// both databases plan the same way; see migrations/*/0003_contact_search.sql.

// ContactSort names the order of a contact list.
type ContactSort string

// Contact list orders. Sorts by a text key list the contacts without that
// key (no name, no reading, no e-mail) last, oldest id first.
const (
	SortCreatedDesc ContactSort = "created_desc" // newest first (the default)
	SortCreatedAsc  ContactSort = "created_asc"
	SortUpdatedDesc ContactSort = "updated_desc"
	SortName        ContactSort = "name"    // name_key A→Z (lower-case family then given name)
	SortReading     ContactSort = "reading" // 五十音 on the katakana reading_key
	SortEmail       ContactSort = "email"
)

// ContactSorts lists the sorts, default first.
func ContactSorts() []ContactSort {
	return []ContactSort{SortCreatedDesc, SortCreatedAsc, SortUpdatedDesc, SortName, SortReading, SortEmail}
}

// PropType is the type of a custom property, as in the properties table.
type PropType string

// Custom property types.
const (
	PropText        PropType = "text"
	PropNumber      PropType = "number"
	PropDate        PropType = "date" // stored as "2006-01-02"
	PropChoice      PropType = "choice"
	PropMultiChoice PropType = "multi_choice" // stored as a JSON array of strings
	PropBool        PropType = "bool"
	PropURL         PropType = "url"
)

// PropOp is the operator of a custom property condition.
type PropOp string

// Custom property operators. Which ones a type accepts is checked by
// ListContacts: gt/lt/gte/lte for numbers and dates, contains for text, URLs
// and multiple choice (has the value), in for text, choices and multiple
// choice (any of the values), eq/ne for all but multiple choice, is_set and
// not_set for all. ne also matches records where the property is not set.
const (
	OpEq       PropOp = "eq"
	OpNe       PropOp = "ne"
	OpContains PropOp = "contains"
	OpGt       PropOp = "gt"
	OpLt       PropOp = "lt"
	OpGte      PropOp = "gte"
	OpLte      PropOp = "lte"
	OpIsSet    PropOp = "is_set"
	OpNotSet   PropOp = "not_set"
	OpIn       PropOp = "in"
)

// PropCondition filters on one custom property in the props column. A
// property counts as set when it is present and not null, "" or [].
type PropCondition struct {
	Key    string   // [a-z][a-z0-9_]{0,62}
	Type   PropType // from the property's definition; "" means text
	Op     PropOp
	Value  string   // the operand as text: "100", "2026-05-01", "true", "東京"
	Values []string // the operands of in
}

// ContactQuery selects, orders and pages contacts. Zero fields do not
// filter. Lists of values match any of them.
type ContactQuery struct {
	// Viewer and Visibility apply DESIGN.md §8: in team mode a non-admin
	// sees only contacts they own or whose team they belong to.
	Viewer     crm.Viewer
	Visibility crm.Visibility

	Stages       []crm.Lifecycle
	LeadStatuses []crm.LeadStatus // "" matches contacts without a lead status
	OwnerIDs     []int64          // 0 matches contacts without an owner
	TeamID       int64
	CompanyID    int64
	TagsAll      []string // has every one of these tags
	TagsAny      []string // has at least one of these tags
	Sources      []crm.Source
	Consents     []crm.Consent
	// Time ranges are half-open: From ≤ t < Before.
	CreatedFrom, CreatedBefore time.Time
	UpdatedFrom, UpdatedBefore time.Time
	// Text matches like SearchContacts does (name, reading, e-mail, phone,
	// company and tag), as a filter.
	Text  string
	Props []PropCondition
	// InSegment keeps the contacts of a segment (or static list), as
	// evaluated in SegmentEnv; the list's own visibility applies.
	// SegmentID is a segment the app resolves into InSegment.
	SegmentID  int64
	InSegment  *crm.Segment
	SegmentEnv SegmentEnv

	Sort   ContactSort // "" = SortCreatedDesc
	Cursor string      // ContactPage.Next of the previous page; "" = first page
	Limit  int         // 1 to MaxContactPage; 0 = 50
	// NoTotal skips counting (for the pages after the first).
	NoTotal bool
}

// MaxContactPage is the largest page ListContacts returns.
const MaxContactPage = 200

// ExactTotalUpTo is how far ListContacts counts. Above it, the total is
// reported as ExactTotalUpTo with TotalExact false, to be shown as
// "10,000+": counting stops at the 10,001st match (a LIMIT'ed subquery), so
// a total costs the same on both databases however large the list is.
const ExactTotalUpTo = 10_000

// ContactPage is one page of a contact list.
type ContactPage struct {
	Contacts []crm.Contact // with company name and tags
	// Next is the cursor of the following page, "" on the last page.
	Next string
	// Total is the number of matching contacts when TotalExact; otherwise
	// there are more than ExactTotalUpTo. Both are zero with NoTotal.
	Total      int
	TotalExact bool
}

// ---- SQL building ----

// sqlArgs collects bound values and hands out their $N placeholders.
type sqlArgs struct{ vals []any }

func (a *sqlArgs) add(v any) string {
	a.vals = append(a.vals, v)
	return "$" + strconv.Itoa(len(a.vals))
}

func (a *sqlArgs) list(n int, v func(i int) any) string {
	ph := make([]string, n)
	for i := range ph {
		ph[i] = a.add(v(i))
	}
	return strings.Join(ph, ", ")
}

// maxRune ends prefix ranges: in byte (code point) order every string that
// starts with p lies in [p, p+maxRune).
const maxRune = "\U0010FFFF"

// prefixRange is "col starts with p" written as a range an index can scan
// on both databases (LIKE would need text_pattern_ops on PostgreSQL and is
// case-insensitive, so unindexed, on SQLite).
func prefixRange(a *sqlArgs, col, p string) string {
	return col + " >= " + a.add(p) + " AND " + col + " < " + a.add(p+maxRune)
}

func anyOf[T any](a *sqlArgs, col string, vs []T) string {
	if len(vs) == 1 {
		return col + " = " + a.add(vs[0])
	}
	return col + " IN (" + a.list(len(vs), func(i int) any { return vs[i] }) + ")"
}

// visibilityCond restricts contacts c to what the viewer may see; "" when
// there is no restriction. It is the SQL form of crm.Viewer.CanSee.
func visibilityCond(a *sqlArgs, v crm.Viewer, mode crm.Visibility) string {
	if mode != crm.VisibleTeam || v.Role == crm.RoleAdmin {
		return ""
	}
	var or []string
	if v.UserID != 0 {
		or = append(or, "c.owner_id = "+a.add(v.UserID))
	}
	if len(v.TeamIDs) > 0 {
		or = append(or, anyOf(a, "c.team_id", v.TeamIDs))
	}
	if len(or) == 0 {
		return "1 = 0"
	}
	return "(" + strings.Join(or, " OR ") + ")"
}

func checkVisibility(mode crm.Visibility) error {
	switch mode {
	case "", crm.VisibleWorkspace, crm.VisibleTeam:
		return nil
	}
	return crm.Invalid("visibility", "choose workspace or team")
}

// ---- ListContacts ----

// sortSpec says how one ContactSort reads: its column, direction, and for
// text keys which rows have a key (listed first) and which have none
// (listed last, by id).
type sortSpec struct {
	col    string
	desc   bool
	text   bool
	has    string
	empty  string
	unique bool // the key alone orders the rows (e-mail)
}

func sortSpecOf(s ContactSort) (sortSpec, bool) {
	switch s {
	case SortCreatedDesc, "":
		return sortSpec{col: "c.created_at", desc: true}, true
	case SortCreatedAsc:
		return sortSpec{col: "c.created_at"}, true
	case SortUpdatedDesc:
		return sortSpec{col: "c.updated_at", desc: true}, true
	case SortName:
		return sortSpec{col: "c.name_key", text: true, has: "c.name_key > ''", empty: "c.name_key = ''"}, true
	case SortReading:
		return sortSpec{col: "c.reading_key", text: true, has: "c.reading_key > ''", empty: "c.reading_key = ''"}, true
	case SortEmail:
		return sortSpec{col: "c.email", text: true, has: "c.email IS NOT NULL", empty: "c.email IS NULL", unique: true}, true
	}
	return sortSpec{}, false
}

// contactCursor is the position after the last row of a page: the sort key
// and id of that row, and whether it was among the rows without a key.
type contactCursor struct {
	Sort  ContactSort `json:"s"`
	Empty bool        `json:"e,omitempty"`
	Num   int64       `json:"n,omitempty"`
	Text  string      `json:"t,omitempty"`
	ID    int64       `json:"i"`
}

func (c contactCursor) encode() string {
	b, _ := json.Marshal(c)
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeContactCursor(s string, sort ContactSort) (contactCursor, error) {
	var c contactCursor
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err == nil {
		err = json.Unmarshal(b, &c)
	}
	if err != nil || c.ID <= 0 || c.Sort != sort {
		return c, crm.Invalid("cursor", "is not a cursor of this list; start again from the first page")
	}
	return c, nil
}

// ListContacts returns one page of the contacts that match q, in q.Sort
// order, with a total. The page is found by keyset (the cursor holds the
// sort key and id of the previous page's last row), so every page costs
// the same and a walk through a list sees every row once even while rows
// are added. Bad filters return a *crm.ValidationError naming the field.
func (s *Store) ListContacts(ctx context.Context, q ContactQuery) (ContactPage, error) {
	var page ContactPage
	l, err := s.planList(ctx, q)
	if err != nil || l.none {
		page.TotalExact = !q.NoTotal
		return page, err
	}
	if !q.NoTotal {
		query, args := l.countSQL()
		var n int
		if err := s.r().QueryRowContext(ctx, query, args...).Scan(&n); err != nil {
			return page, err
		}
		page.Total, page.TotalExact = min(n, ExactTotalUpTo), n <= ExactTotalUpTo
		// A search with few matches reads them by id and sorts them;
		// walking the sort's index would pass most of the table first.
		if l.countWhere != nil && n <= searchByIDUpTo {
			l.where = l.countWhere
		}
	}

	// Rows with a sort key first, then (text sorts) the rows without one.
	var rows []listedContact
	if !l.cur.Empty {
		query, args := l.keyedSQL()
		if rows, err = s.listRows(ctx, query, args, l.spec.text); err != nil {
			return page, err
		}
	}
	if l.spec.empty != "" && len(rows) <= l.limit {
		query, args := l.keylessSQL(l.limit + 1 - len(rows))
		more, err := s.listRows(ctx, query, args, false)
		if err != nil {
			return page, err
		}
		for i := range more {
			more[i].empty = true
		}
		rows = append(rows, more...)
	}

	if len(rows) > l.limit {
		last := rows[l.limit-1]
		next := contactCursor{Sort: l.sort, Empty: last.empty, ID: last.c.ID}
		if !last.empty {
			next.Num, next.Text = last.num, last.text
		}
		page.Next = next.encode()
		rows = rows[:l.limit]
	}
	page.Contacts = make([]crm.Contact, len(rows))
	ids := make([]int64, len(rows))
	for i, r := range rows {
		page.Contacts[i], ids[i] = r.c, r.c.ID
	}
	tags, err := s.tagsOf(ctx, s.r(), ids)
	if err != nil {
		return page, err
	}
	for i := range page.Contacts {
		page.Contacts[i].Tags = tags[page.Contacts[i].ID]
	}
	return page, nil
}

// companyJoin adds the company name to contacts c (contactCols).
const companyJoin = " LEFT JOIN companies co ON co.id = c.company_id"

// listPlan is a validated ContactQuery turned into SQL pieces.
type listPlan struct {
	d     dialect
	sort  ContactSort
	spec  sortSpec
	cur   contactCursor
	seek  bool // a cursor was given
	limit int
	where []string
	// countWhere, when set, is where for the count (see contactFilter.textIDs).
	countWhere []string
	args       []any
	none       bool // nothing can match
	// A required tag with few contacts drives the query (see drivePageUpTo).
	tag                   tagFilter
	driveCount, drivePage bool
}

// tagFilter is the rarest tag of TagsAll: where[at] is its probe
// condition, ph the placeholder of its id, size its number of contacts
// (counted up to a bound).
type tagFilter struct {
	at   int
	ph   string
	size int
}

// Tag-driven plans. Without per-value statistics SQLite cannot tell a tag
// on 1% of the contacts from one on 30%, so ListContacts counts the rarest
// required tag's contacts (up to a bound, on the (tag_id, contact_id) key)
// and reads a tag with few contacts first, joining contacts to it, instead
// of probing the tag for each contact in index order, which reads most of
// the table before it finds enough rows of a rare tag. The bounds come
// from the costs at 1,000,000 contacts: a page stops after limit+1
// matches, so probing wins unless the tag has under ~5,000 contacts; a
// count stops after 10,001 matches, so reading the tag wins up to
// ~100,000 contacts, unless an owner, team or company filter already
// narrows the contacts to an index range.
const (
	drivePageUpTo     = 5_000
	driveCountUpTo    = 100_000
	driveNarrowedUpTo = 5_000
)

// planList validates q, builds its conditions and picks the plan for its
// tags.
func (s *Store) planList(ctx context.Context, q ContactQuery) (listPlan, error) {
	l := listPlan{d: s.d, sort: q.Sort, limit: q.Limit}
	if l.sort == "" {
		l.sort = SortCreatedDesc
	}
	var ok bool
	if l.spec, ok = sortSpecOf(l.sort); !ok {
		return l, crm.Invalid("sort", "choose created_desc, created_asc, updated_desc, name, reading or email")
	}
	if l.limit == 0 {
		l.limit = 50
	}
	if l.limit < 1 || l.limit > MaxContactPage {
		return l, crm.Invalid("limit", fmt.Sprintf("must be a whole number from 1 to %d", MaxContactPage))
	}
	if q.Cursor != "" {
		var err error
		if l.cur, err = decodeContactCursor(q.Cursor, l.sort); err != nil {
			return l, err
		}
		l.seek = true
	}
	a := &sqlArgs{}
	f, err := s.contactFilter(ctx, a, q)
	if err != nil {
		return l, err
	}
	l.where, l.none, l.args = f.where, f.none, a.vals
	if f.textIDs != "" {
		l.countWhere = append([]string(nil), f.where...)
		l.countWhere[f.textAt] = f.textIDs
	}
	if len(f.tags) == 0 || l.none {
		return l, nil
	}
	countUpTo := driveCountUpTo
	if f.narrowed {
		countUpTo = driveNarrowedUpTo
	}
	l.tag.size = -1
	for _, t := range f.tags {
		var n int
		err := s.r().QueryRowContext(ctx, "SELECT COUNT(*) FROM (SELECT 1 FROM contact_tags WHERE tag_id = $1 LIMIT "+
			strconv.Itoa(countUpTo+1)+") AS t", t.id).Scan(&n)
		if err != nil {
			return l, err
		}
		if l.tag.size < 0 || n < l.tag.size {
			l.tag = tagFilter{at: t.at, ph: t.ph, size: n}
		}
	}
	l.driveCount = l.tag.size <= countUpTo
	l.drivePage = l.tag.size <= drivePageUpTo
	return l, nil
}

// from returns the FROM clause and the conditions of a query: contacts
// alone, or driven by the rarest tag (its probe becomes the join).
func (l listPlan) from(drive bool, where []string) (string, []string) {
	if !drive {
		return " FROM contacts c", where
	}
	where = append([]string(nil), where...)
	where[l.tag.at] = "dt.tag_id = " + l.tag.ph
	return " FROM " + l.d.drivingJoin("contact_tags dt", "c.id = dt.contact_id"), where
}

// with returns the plan's conditions and arguments plus more of both.
func (l listPlan) with() ([]string, *sqlArgs) {
	return append([]string(nil), l.where...), &sqlArgs{vals: append([]any(nil), l.args...)}
}

// countSQL counts matching contacts, stopping at ExactTotalUpTo+1.
func (l listPlan) countSQL() (string, []any) {
	where := l.where
	if l.countWhere != nil {
		where = l.countWhere
	}
	from, where := l.from(l.driveCount, where)
	return "SELECT COUNT(*) FROM (SELECT 1" + from + whereSQL(where) +
		" LIMIT " + strconv.Itoa(ExactTotalUpTo+1) + ") AS m", l.args
}

// keyedSQL reads the next limit+1 rows that have a sort key, after the
// cursor, in index order.
func (l listPlan) keyedSQL() (string, []any) {
	w, a := l.with()
	if l.spec.has != "" {
		w = append(w, l.spec.has)
	}
	if l.seek {
		w = append(w, seekCond(a, l.spec, l.cur))
	}
	order := l.spec.col + dir(l.spec.desc)
	if !l.spec.unique {
		order += ", c.id" + dir(l.spec.desc)
	}
	from, w := l.from(l.drivePage, w)
	return "SELECT " + contactCols + ", " + l.spec.col + from + companyJoin + whereSQL(w) +
		" ORDER BY " + order + " LIMIT " + strconv.Itoa(l.limit+1), a.vals
}

// keylessSQL reads up to n rows without a sort key (listed last), by id.
func (l listPlan) keylessSQL(n int) (string, []any) {
	w, a := l.with()
	w = append(w, l.spec.empty)
	if l.cur.Empty {
		w = append(w, "c.id > "+a.add(l.cur.ID))
	}
	from, w := l.from(l.drivePage, w)
	return "SELECT " + contactCols + ", 0" + from + companyJoin + whereSQL(w) +
		" ORDER BY c.id LIMIT " + strconv.Itoa(n), a.vals
}

// ExplainContactList returns the database's plan for the count and the
// first page query of a contact list (EXPLAIN QUERY PLAN on SQLite, EXPLAIN
// on PostgreSQL), to check that lists run on indexes.
func (s *Store) ExplainContactList(ctx context.Context, q ContactQuery) (string, error) {
	l, err := s.planList(ctx, q)
	if err != nil || l.none {
		return "", err
	}
	var b strings.Builder
	for _, f := range []func() (string, []any){l.countSQL, l.keyedSQL} {
		query, args := f()
		plan, err := s.explain(ctx, query, args)
		if err != nil {
			return "", err
		}
		b.WriteString(plan + "\n")
	}
	return b.String(), nil
}

// explain returns a query's plan, one line per node.
func (s *Store) explain(ctx context.Context, query string, args []any) (string, error) {
	rows, err := s.r().QueryContext(ctx, s.d.explain(query), args...)
	if err != nil {
		return "", err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return "", err
	}
	var b strings.Builder
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return "", err
		}
		fmt.Fprintf(&b, "%v\n", vals[len(vals)-1]) // SQLite: detail; PostgreSQL: QUERY PLAN
	}
	return b.String(), rows.Err()
}

func dir(desc bool) string {
	if desc {
		return " DESC"
	}
	return ""
}

// seekCond selects the rows after the cursor in the sort order. Row values
// compare as a whole, and both databases use them as index range bounds.
func seekCond(a *sqlArgs, spec sortSpec, cur contactCursor) string {
	var key any = cur.Num
	if spec.text {
		key = cur.Text
	}
	switch {
	case spec.unique:
		return spec.col + " > " + a.add(key)
	case spec.desc:
		return "(" + spec.col + ", c.id) < (" + a.add(key) + ", " + a.add(cur.ID) + ")"
	default:
		return "(" + spec.col + ", c.id) > (" + a.add(key) + ", " + a.add(cur.ID) + ")"
	}
}

// listedContact is a row of a list with its sort key, for the cursor.
type listedContact struct {
	c     crm.Contact
	num   int64
	text  string
	empty bool
}

// withExtra scans the contact columns followed by extra columns.
type withExtra struct {
	rows  *sql.Rows
	extra []any
}

func (w withExtra) Scan(dest ...any) error { return w.rows.Scan(append(dest, w.extra...)...) }

func (s *Store) listRows(ctx context.Context, query string, args []any, textKey bool) ([]listedContact, error) {
	rows, err := s.r().QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []listedContact
	for rows.Next() {
		var l listedContact
		var text sql.NullString
		var extra any = &l.num
		if textKey {
			extra = &text
		}
		if l.c, err = scanContact(withExtra{rows, []any{extra}}); err != nil {
			return nil, err
		}
		l.text = text.String
		out = append(out, l)
	}
	return out, rows.Err()
}

func whereSQL(conds []string) string {
	if len(conds) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(conds, " AND ")
}

// contactFilter is the filters of a ContactQuery as conditions on
// contacts c.
type contactFilter struct {
	where    []string
	none     bool // nothing can match (a required tag does not exist)
	tags     []requiredTag
	narrowed bool // an owner, team or company filter (or team visibility) limits the rows to an index range
	// PostgreSQL counts search matches from the ids of the search's index
	// range scans (textIDs replaces where[textAt] in the count; see textIDs).
	textAt  int
	textIDs string
}

// requiredTag is a TagsAll tag: where[at] is its probe condition.
type requiredTag struct {
	id int64
	at int
	ph string
}

// contactFilter turns the filters of q into conditions on contacts c.
func (s *Store) contactFilter(ctx context.Context, a *sqlArgs, q ContactQuery) (contactFilter, error) {
	var f contactFilter
	var where []string
	v := &crm.ValidationError{}
	if err := checkVisibility(q.Visibility); err != nil {
		return f, err
	}
	if vis := visibilityCond(a, q.Viewer, q.Visibility); vis != "" {
		where = append(where, vis)
		f.narrowed = true
	}
	f.narrowed = f.narrowed || len(q.OwnerIDs) > 0 || q.TeamID != 0 || q.CompanyID != 0
	for _, st := range q.Stages {
		if !isLifecycle(st) {
			v.Add("lifecycle_stage", "choose subscriber, lead, mql, sql, opportunity, customer or disqualified")
		}
	}
	if len(q.Stages) > 0 {
		where = append(where, anyOf(a, "c.lifecycle_stage", strs(q.Stages)))
	}
	for _, ls := range q.LeadStatuses {
		switch ls {
		case "", crm.LeadNew, crm.LeadWorking, crm.LeadAccepted, crm.LeadRejected, crm.LeadRecycled:
		default:
			v.Add("lead_status", "choose new, working, accepted, rejected or recycled")
		}
	}
	if len(q.LeadStatuses) > 0 {
		where = append(where, anyOf(a, "c.lead_status", strs(q.LeadStatuses)))
	}
	if len(q.OwnerIDs) > 0 {
		var ids []int64
		unowned := false
		for _, id := range q.OwnerIDs {
			switch {
			case id == 0:
				unowned = true
			case id < 0:
				v.Add("owner_id", "is not a user id")
			default:
				ids = append(ids, id)
			}
		}
		var or []string
		if len(ids) > 0 {
			or = append(or, anyOf(a, "c.owner_id", ids))
		}
		if unowned {
			or = append(or, "c.owner_id IS NULL")
		}
		if len(or) > 0 {
			where = append(where, "("+strings.Join(or, " OR ")+")")
		}
	}
	if q.TeamID != 0 {
		where = append(where, "c.team_id = "+a.add(q.TeamID))
	}
	if q.InSegment != nil {
		env := q.SegmentEnv
		env.Visibility = "" // the list applies it
		cond, err := compileSegment(s.d, a, *q.InSegment, env)
		if err != nil {
			return f, err
		}
		where = append(where, cond)
	}
	if q.CompanyID != 0 {
		where = append(where, "c.company_id = "+a.add(q.CompanyID))
	}
	for _, src := range q.Sources {
		if _, ok := crm.DefaultSourceGroups[src]; !ok {
			v.Add("original_source", "is not a known source")
		}
	}
	if len(q.Sources) > 0 {
		where = append(where, anyOf(a, "c.original_source", strs(q.Sources)))
	}
	for _, cs := range q.Consents {
		switch cs {
		case crm.ConsentUnknown, crm.ConsentGranted, crm.ConsentWithdrawn, crm.ConsentPending:
		default:
			v.Add("consent", "choose unknown, granted, withdrawn or pending")
		}
	}
	if len(q.Consents) > 0 {
		where = append(where, anyOf(a, "c.consent", strs(q.Consents)))
	}
	for _, r := range []struct {
		field, col   string
		from, before time.Time
	}{{"created", "c.created_at", q.CreatedFrom, q.CreatedBefore}, {"updated", "c.updated_at", q.UpdatedFrom, q.UpdatedBefore}} {
		if !r.from.IsZero() {
			where = append(where, r.col+" >= "+a.add(ms(r.from)))
		}
		if !r.before.IsZero() {
			where = append(where, r.col+" < "+a.add(ms(r.before)))
		}
		if !r.from.IsZero() && !r.before.IsZero() && !r.from.Before(r.before) {
			v.Add(r.field+"_before", "must be later than "+r.field+"_from")
		}
	}
	if len(q.TagsAll)+len(q.TagsAny) > 50 {
		v.Add("tags", "filter on 50 tags at most")
	}
	if len(q.Props) > 20 {
		v.Add("props", "filter on 20 properties at most")
	}
	for _, pc := range q.Props {
		cond, err := s.d.propCond(a, "c.props", pc)
		if err != nil {
			field, msg := "props", err.Error()
			if validPropKey(pc.Key) {
				field = "props." + pc.Key
			}
			v.Add(field, msg)
			continue
		}
		where = append(where, cond)
	}
	if text := strings.TrimSpace(q.Text); text != "" {
		if utf8.RuneCountInString(text) > 200 {
			v.Add("q", "is too long (200 characters at most)")
		}
		terms := searchTerms(s.d, a, text)
		if s.d == postgres {
			f.textAt, f.textIDs = len(where), textIDs(terms)
		}
		where = append(where, textOr(terms))
	}
	if err := v.Err(); err != nil {
		return f, err
	}

	// Tags are looked up first, so that the list query probes the
	// (tag_id, contact_id) key with a constant.
	if len(q.TagsAll)+len(q.TagsAny) > 0 {
		ids, err := s.tagIDs(ctx, append(append([]string(nil), q.TagsAll...), q.TagsAny...))
		if err != nil {
			return f, err
		}
		for _, name := range uniqueTags(q.TagsAll) {
			id, ok := ids[name]
			if !ok {
				f.none = true
				return f, nil
			}
			ph := a.add(id)
			f.tags = append(f.tags, requiredTag{id: id, at: len(where), ph: ph})
			// A scalar subquery, not EXISTS: PostgreSQL turns EXISTS into a
			// semi-join and hashes every contact of a common tag (300,000
			// of them at 1,000,000 contacts) where probing the key for each
			// contact of an owner is twice as fast; SQLite probes either way.
			// Rare tags drive the query instead (see drivePageUpTo).
			where = append(where, "(SELECT 1 FROM contact_tags ct WHERE ct.tag_id = "+ph+" AND ct.contact_id = c.id) IS NOT NULL")
		}
		if len(q.TagsAny) > 0 {
			var known []int64
			for _, name := range uniqueTags(q.TagsAny) {
				if id, ok := ids[name]; ok {
					known = append(known, id)
				}
			}
			if len(known) == 0 {
				f.none = true
				return f, nil
			}
			where = append(where, "EXISTS (SELECT 1 FROM contact_tags ct WHERE "+anyOf(a, "ct.tag_id", known)+" AND ct.contact_id = c.id)")
		}
	}
	f.where = where
	return f, nil
}

func strs[T ~string](vs []T) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = string(v)
	}
	return out
}

func isLifecycle(l crm.Lifecycle) bool {
	for _, x := range crm.Lifecycles {
		if x == l {
			return true
		}
	}
	return false
}

// tagIDs maps the existing names among names to their ids.
func (s *Store) tagIDs(ctx context.Context, names []string) (map[string]int64, error) {
	names = uniqueTags(names)
	out := map[string]int64{}
	if len(names) == 0 {
		return out, nil
	}
	a := &sqlArgs{}
	rows, err := s.r().QueryContext(ctx, "SELECT id, name FROM tags WHERE "+anyOf(a, "name", names), a.vals...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var name string
		if err := rows.Scan(&id, &name); err != nil {
			return nil, err
		}
		out[name] = id
	}
	return out, rows.Err()
}

// ---- custom property conditions ----

// validPropKey checks a custom property key: [a-z][a-z0-9_]{0,62}.
func validPropKey(k string) bool {
	if len(k) == 0 || len(k) > 63 || k[0] < 'a' || k[0] > 'z' {
		return false
	}
	for i := 1; i < len(k); i++ {
		if c := k[i]; !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

// propCond is the SQL condition of one custom property filter on the JSON
// column col. The key and every operand are bound values.
func (d dialect) propCond(a *sqlArgs, col string, pc PropCondition) (string, error) {
	if !validPropKey(pc.Key) {
		return "", fmt.Errorf("property key %q is not valid: keys are a lower-case letter followed by up to 62 lower-case letters, digits or _", pc.Key)
	}
	typ := pc.Type
	if typ == "" {
		typ = PropText
	}
	key := d.propKey(a.add(d.propKeyArg(pc.Key)))
	switch pc.Op {
	case OpIsSet:
		return "COALESCE(" + d.propJSON(col, key) + ", 'null') NOT IN ('null', '\"\"', '[]')", nil
	case OpNotSet:
		return "COALESCE(" + d.propJSON(col, key) + ", 'null') IN ('null', '\"\"', '[]')", nil
	}
	bad := func() (string, error) {
		return "", fmt.Errorf("a %s property cannot be filtered with %q", typ, pc.Op)
	}
	switch typ {
	case PropText, PropURL, PropChoice:
		x := d.propText(col, key)
		switch pc.Op {
		case OpEq:
			return x + " = " + a.add(pc.Value), nil
		case OpNe:
			return "(" + x + " IS NULL OR " + x + " <> " + a.add(pc.Value) + ")", nil
		case OpIn:
			if len(pc.Values) == 0 {
				return "", fmt.Errorf("choose at least one value")
			}
			return anyOf(a, x, pc.Values), nil
		case OpContains:
			if typ == PropChoice {
				return bad()
			}
			return d.containsFold(x, a.add(asciiLower(pc.Value))), nil
		}
		return bad()
	case PropMultiChoice:
		switch pc.Op {
		case OpContains:
			return d.propHasAny(col, key, a.add(pc.Value)), nil
		case OpIn:
			if len(pc.Values) == 0 {
				return "", fmt.Errorf("choose at least one value")
			}
			return d.propHasAny(col, key, a.list(len(pc.Values), func(i int) any { return pc.Values[i] })), nil
		}
		return bad()
	case PropNumber:
		x := d.propNumber(col, key)
		nums := make([]float64, 0, len(pc.Values))
		for _, s := range append([]string{pc.Value}, pc.Values...) {
			if s == "" && pc.Op == OpIn {
				continue
			}
			f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
			if err != nil {
				return "", fmt.Errorf("%q is not a number", s)
			}
			nums = append(nums, f)
		}
		if pc.Op == OpIn {
			if len(nums) == 0 {
				return "", fmt.Errorf("choose at least one value")
			}
			return anyOf(a, x, nums), nil
		}
		return compareCond(a, x, pc.Op, nums[0], bad)
	case PropDate:
		day, err := time.Parse(time.DateOnly, strings.TrimSpace(pc.Value))
		if err != nil {
			return "", fmt.Errorf("%q is not a date (e.g. 2026-04-01)", pc.Value)
		}
		return compareCond(a, d.propText(col, key), pc.Op, day.Format(time.DateOnly), bad)
	case PropBool:
		b, err := strconv.ParseBool(strings.TrimSpace(pc.Value))
		if err != nil {
			return "", fmt.Errorf("%q is not true or false", pc.Value)
		}
		n := 0
		if b {
			n = 1
		}
		x := d.propBool(col, key)
		switch pc.Op {
		case OpEq:
			return x + " = " + a.add(n), nil
		case OpNe:
			return "(" + x + " IS NULL OR " + x + " <> " + a.add(n) + ")", nil
		}
		return bad()
	}
	return "", fmt.Errorf("unknown property type %q", pc.Type)
}

func compareCond(a *sqlArgs, x string, op PropOp, v any, bad func() (string, error)) (string, error) {
	switch op {
	case OpEq:
		return x + " = " + a.add(v), nil
	case OpNe:
		return "(" + x + " IS NULL OR " + x + " <> " + a.add(v) + ")", nil
	case OpGt:
		return x + " > " + a.add(v), nil
	case OpLt:
		return x + " < " + a.add(v), nil
	case OpGte:
		return x + " >= " + a.add(v), nil
	case OpLte:
		return x + " <= " + a.add(v), nil
	}
	return bad()
}

// asciiLower lower-cases ASCII letters only, as dialect.lowerASCII does.
func asciiLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

// searchByIDUpTo is the number of search matches up to which PostgreSQL
// reads a page of them by id (textIDs) rather than in the sort's order.
const searchByIDUpTo = 3_000

// textOr is the search filter of a list: any of the ways a query can
// match (searchTerms). Both databases walk the sort's index and test it on
// each row, which finds a page of a common prefix quickly.
func textOr(terms []searchTerm) string {
	parts := make([]string, len(terms))
	for i, t := range terms {
		parts[i] = "(" + t.where + ")"
	}
	return "(" + strings.Join(parts, " OR ") + ")"
}

// textIDs is the same filter as the union of each term's own index range
// scan. PostgreSQL counts with it: testing the OR on every contact reads
// the whole table, and the company and tag terms (subqueries) keep it from
// combining the indexes by itself.
func textIDs(terms []searchTerm) string {
	parts := make([]string, len(terms))
	for i, t := range terms {
		parts[i] = "SELECT c.id FROM " + t.from + " WHERE " + t.cond
	}
	return "c.id = ANY(ARRAY(" + strings.Join(parts, " UNION ") + "))"
}
