package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"renkei/internal/crm"
)

// Segments: the segments table, static list members, and the evaluator
// that compiles a crm.SegmentGroup to SQL. Every field goes through the
// allow-list (crm.LookupSegmentField) to a column or subquery written here;
// every value a user gave is a bound parameter. Nothing is cached: a
// dynamic segment is evaluated on each read (DESIGN.md §7).

// ---- the segments table ----

const segmentCols = `id, name, description, kind, definition, COALESCE(owner_id, 0), created_at, updated_at, version`

func scanSegment(sc interface{ Scan(...any) error }) (crm.Segment, error) {
	var g crm.Segment
	var def string
	var created, updated int64
	err := sc.Scan(&g.ID, &g.Name, &g.Description, &g.Kind, &def, &g.OwnerID, &created, &updated, &g.Version)
	if errors.Is(err, sql.ErrNoRows) {
		return g, crm.ErrNotFound
	}
	if err != nil {
		return g, err
	}
	g.CreatedAt, g.UpdatedAt = fromMS(created), fromMS(updated)
	f, err := crm.ParseSegmentFilter([]byte(def))
	if err != nil {
		return g, fmt.Errorf("segment %d: stored definition: %w", g.ID, err)
	}
	g.Filter = f
	return g, nil
}

// Segments lists every segment by name.
func (s *Store) Segments(ctx context.Context) ([]crm.Segment, error) {
	rows, err := s.r().QueryContext(ctx, "SELECT "+segmentCols+" FROM segments ORDER BY name, id")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []crm.Segment
	for rows.Next() {
		g, err := scanSegment(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, g)
	}
	return out, rows.Err()
}

// Segment returns one segment.
func (s *Store) Segment(ctx context.Context, id int64) (crm.Segment, error) {
	return scanSegment(s.r().QueryRowContext(ctx, "SELECT "+segmentCols+" FROM segments WHERE id = $1", id))
}

// Segment reads a segment inside a write transaction.
func (tx *Tx) Segment(ctx context.Context, id int64) (crm.Segment, error) {
	return scanSegment(tx.q().QueryRowContext(ctx, "SELECT "+segmentCols+" FROM segments WHERE id = $1", id))
}

// CreateSegment inserts a segment.
func (tx *Tx) CreateSegment(ctx context.Context, g *crm.Segment, now time.Time) error {
	err := tx.q().QueryRowContext(ctx, `INSERT INTO segments (name, description, kind, definition, owner_id, created_at,
		updated_at) VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING id, version`,
		g.Name, g.Description, string(g.Kind), g.Filter.JSON(), nullID(g.OwnerID), ms(now)).Scan(&g.ID, &g.Version)
	if err != nil {
		return tx.s.d.mapError(err)
	}
	g.CreatedAt, g.UpdatedAt = now, now
	return nil
}

// UpdateSegment changes a segment's name, description and filter when
// its version matches (the kind stays).
func (tx *Tx) UpdateSegment(ctx context.Context, g *crm.Segment, now time.Time) error {
	res, err := tx.q().ExecContext(ctx, `UPDATE segments SET name = $1, description = $2, definition = $3, updated_at = $4,
		version = version + 1 WHERE id = $5 AND version = $6`, g.Name, g.Description, g.Filter.JSON(), ms(now), g.ID, g.Version)
	if err != nil {
		return tx.s.d.mapError(err)
	}
	if err := staleOrMissing(ctx, tx, res, "segments", g.ID); err != nil {
		return err
	}
	g.Version++
	g.UpdatedAt = now
	return nil
}

// DeleteSegment removes a segment and, for a static list, its members.
func (tx *Tx) DeleteSegment(ctx context.Context, id int64) error {
	res, err := tx.q().ExecContext(ctx, "DELETE FROM segments WHERE id = $1", id)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return crm.ErrNotFound
	}
	return nil
}

// AddSegmentMembers adds existing contacts to a static list (ids of
// missing contacts and members already there are skipped) and returns how
// many were added.
func (tx *Tx) AddSegmentMembers(ctx context.Context, segmentID int64, contactIDs []int64, now time.Time) (int, error) {
	added := 0
	for len(contactIDs) > 0 {
		chunk := contactIDs[:min(len(contactIDs), 500)]
		contactIDs = contactIDs[len(chunk):]
		a := &sqlArgs{}
		seg, at := a.add(segmentID), a.add(ms(now))
		res, err := tx.q().ExecContext(ctx, "INSERT INTO segment_members (segment_id, contact_id, added_at) SELECT "+seg+", c.id, "+at+
			" FROM contacts c WHERE "+anyOf(a, "c.id", chunk)+" ON CONFLICT (segment_id, contact_id) DO NOTHING", a.vals...)
		if err != nil {
			return added, tx.s.d.mapError(err)
		}
		n, _ := res.RowsAffected()
		added += int(n)
	}
	return added, nil
}

// RemoveSegmentMembers takes contacts off a static list and returns how
// many were members.
func (tx *Tx) RemoveSegmentMembers(ctx context.Context, segmentID int64, contactIDs []int64) (int, error) {
	removed := 0
	for len(contactIDs) > 0 {
		chunk := contactIDs[:min(len(contactIDs), 500)]
		contactIDs = contactIDs[len(chunk):]
		a := &sqlArgs{}
		seg := a.add(segmentID)
		res, err := tx.q().ExecContext(ctx, "DELETE FROM segment_members WHERE segment_id = "+seg+" AND "+
			anyOf(a, "contact_id", chunk), a.vals...)
		if err != nil {
			return removed, err
		}
		n, _ := res.RowsAffected()
		removed += int(n)
	}
	return removed, nil
}

// FillStaticList adds every contact that matches the filter (as env sees
// them) to the static list segmentID, in one statement, and returns how
// many were added.
func (tx *Tx) FillStaticList(ctx context.Context, segmentID int64, filter crm.SegmentGroup, env SegmentEnv, now time.Time) (int, error) {
	a := &sqlArgs{}
	seg, at := a.add(segmentID), a.add(ms(now))
	where, err := compileSegment(tx.s.d, a, crm.Segment{Kind: crm.SegmentDynamic, Filter: filter}, env)
	if err != nil {
		return 0, err
	}
	res, err := tx.q().ExecContext(ctx, "INSERT INTO segment_members (segment_id, contact_id, added_at) SELECT "+seg+", c.id, "+at+
		" FROM contacts c WHERE "+where+" ON CONFLICT (segment_id, contact_id) DO NOTHING", a.vals...)
	if err != nil {
		return 0, tx.s.d.mapError(err)
	}
	n, _ := res.RowsAffected()
	return int(n), nil
}

// ---- the evaluator ----

// SegmentEnv is what evaluating a segment needs besides its filter: the
// time (for "in the last N days" and the decay of engagement), the
// workspace's time zone (dates), the scoring half-life, the custom
// property types, and whose eyes the contacts are seen through.
type SegmentEnv struct {
	Now      time.Time
	Loc      *time.Location // nil = UTC
	HalfLife time.Duration  // engagement decay; 0 = none
	Schema   crm.SegmentSchema
	// Viewer and Visibility apply DESIGN.md §8 as contact lists do; the
	// zero Visibility sees every contact (system use: a send, a rule).
	Viewer     crm.Viewer
	Visibility crm.Visibility
}

// MaxSegmentPage is the largest page of SegmentContactIDs and
// SegmentContacts.
const MaxSegmentPage = 1000

// CountSegment returns the number of contacts in a segment.
func (s *Store) CountSegment(ctx context.Context, g crm.Segment, env SegmentEnv) (int, error) {
	a := &sqlArgs{}
	from, where, err := planSegment(s.d, a, g, env, true)
	if err != nil {
		return 0, err
	}
	query := "SELECT COUNT(*)" + from + " WHERE " + where
	var n int
	if s.d != postgres {
		err = s.read.QueryRowContext(ctx, query, a.vals...).Scan(&n)
		return n, err
	}
	// PostgreSQL plans parallel workers for the scan of the driving set;
	// starting them costs more than they save on a few thousand rows
	// (row E3 at 100,000 contacts on 2 cores: 126 ms with them, 40 ms
	// without), so a count runs without.
	tx, err := s.read.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, "SET LOCAL max_parallel_workers_per_gather = 0"); err != nil {
		return 0, err
	}
	if err := tx.QueryRowContext(ctx, query, a.vals...).Scan(&n); err != nil {
		return 0, err
	}
	return n, tx.Commit()
}

// SegmentContactIDs returns up to limit ids of the segment's contacts
// above after, in ascending order: a keyset page for a send (pass the last
// id of a page to get the next; an empty page is the end).
func (s *Store) SegmentContactIDs(ctx context.Context, g crm.Segment, env SegmentEnv, after int64, limit int) ([]int64, error) {
	if limit < 1 || limit > MaxSegmentPage {
		return nil, crm.Invalid("limit", fmt.Sprintf("must be a whole number from 1 to %d", MaxSegmentPage))
	}
	a := &sqlArgs{}
	where, err := compileSegment(s.d, a, g, env)
	if err != nil {
		return nil, err
	}
	q := "SELECT c.id FROM contacts c WHERE c.id > " + a.add(after) + " AND " + where + " ORDER BY c.id LIMIT " + strconv.Itoa(limit)
	rows, err := s.r().QueryContext(ctx, q, a.vals...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// SegmentContacts returns a page of the segment's contacts, newest first
// (highest id first): those below before (0 = from the top), with company
// names and tags. Pass the last contact's id as before for the next page.
func (s *Store) SegmentContacts(ctx context.Context, g crm.Segment, env SegmentEnv, before int64, limit int) ([]crm.Contact, error) {
	if limit < 1 || limit > MaxSegmentPage {
		return nil, crm.Invalid("limit", fmt.Sprintf("must be a whole number from 1 to %d", MaxSegmentPage))
	}
	a := &sqlArgs{}
	where, err := compileSegment(s.d, a, g, env)
	if err != nil {
		return nil, err
	}
	if before > 0 {
		where = "c.id < " + a.add(before) + " AND " + where
	}
	rows, err := s.r().QueryContext(ctx, "SELECT "+contactCols+contactFrom+" WHERE "+where+" ORDER BY c.id DESC LIMIT "+
		strconv.Itoa(limit), a.vals...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []crm.Contact
	var ids []int64
	for rows.Next() {
		c, err := scanContact(rows)
		if err != nil {
			return nil, err
		}
		out, ids = append(out, c), append(ids, c.ID)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	tags, err := s.tagsOf(ctx, s.r(), ids)
	if err != nil {
		return nil, err
	}
	for i := range out {
		out[i].Tags = tags[out[i].ID]
	}
	return out, nil
}

// SegmentHas reports whether one contact is in the segment (for sequences,
// scoring and assignment rules).
func (s *Store) SegmentHas(ctx context.Context, g crm.Segment, env SegmentEnv, contactID int64) (bool, error) {
	a := &sqlArgs{}
	where, err := compileSegment(s.d, a, g, env)
	if err != nil {
		return false, err
	}
	var one int
	err = s.r().QueryRowContext(ctx, "SELECT 1 FROM contacts c WHERE c.id = "+a.add(contactID)+" AND "+where, a.vals...).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return err == nil, err
}

// ExplainSegmentCount returns the plan of CountSegment's query (for
// checking the indexes); on PostgreSQL it runs the query (EXPLAIN ANALYZE).
func (s *Store) ExplainSegmentCount(ctx context.Context, g crm.Segment, env SegmentEnv) (string, error) {
	a := &sqlArgs{}
	from, where, err := planSegment(s.d, a, g, env, true)
	if err != nil {
		return "", err
	}
	q := s.d.explain("SELECT COUNT(*)" + from + " WHERE " + where)
	if s.d == postgres {
		q = "EXPLAIN ANALYZE SELECT COUNT(*)" + from + " WHERE " + where
	}
	rows, err := s.r().QueryContext(ctx, q, a.vals...)
	if err != nil {
		return "", err
	}
	defer rows.Close()
	cols, _ := rows.Columns()
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
		fmt.Fprintln(&b, vals...)
	}
	return b.String(), rows.Err()
}

// compileSegment is the WHERE condition (on contacts c) of a segment:
// membership for a static list, the compiled filter for a dynamic one,
// and the viewer's visibility. The filter is validated again here, so
// nothing unchecked reaches SQL whatever the caller did.
func compileSegment(d dialect, a *sqlArgs, g crm.Segment, env SegmentEnv) (string, error) {
	_, where, err := planSegment(d, a, g, env, false)
	return where, err
}

// planSegment is compileSegment with a FROM clause. With drive, a set of
// contact ids that an AND of the filter requires (a static list's
// members, a form's submitters, the visitors of a page) is read first and
// the contacts joined to it, rather than every contact of the other
// conditions tested against it: the count of "leads who viewed /pricing"
// then reads the few thousand viewers, not the hundreds of thousands of
// leads (row E3).
func planSegment(d dialect, a *sqlArgs, g crm.Segment, env SegmentEnv, drive bool) (from, where string, err error) {
	from = " FROM contacts c"
	var cond string
	c := segCompiler{d: d, a: a, env: env}
	if c.env.Loc == nil {
		c.env.Loc = time.UTC
	}
	if g.Kind == crm.SegmentStatic {
		ids := listIDs(a, g.ID)
		if drive {
			from, cond = " FROM "+d.drivingJoin("("+ids+") drv", "c.id = drv.cid"), "(1 = 1)"
		} else {
			cond = "c.id IN (" + ids + ")"
		}
	} else {
		if err := g.Filter.Validate(env.Schema); err != nil {
			return "", "", err
		}
		f := g.Filter
		lb, engaged := engagementFloor(f)
		if at, ok := drivingCondition(f); drive && ok {
			cd := f.Conditions[at]
			var ids string
			switch cd.Field {
			case "list":
				ids = listIDs(a, idOf(cd.Value))
			case "submitted_form":
				ids = c.formIDs(cd)
			default:
				ids = c.visitedIDs(cd)
			}
			drv := "SELECT DISTINCT x.cid FROM (" + ids + ") x"
			if engaged {
				// IN, not EXISTS: the scores are read once into a set
				// (a scan of the narrow score table) instead of looked up
				// one viewer at a time, which at M costs ten times more.
				drv += " WHERE x.cid IN (SELECT cs.contact_id FROM contact_scores cs WHERE cs.engagement >= " +
					(&floatArgs{a}).add(lb) + ")"
			}
			from = " FROM " + d.drivingJoin("("+drv+") drv", "c.id = drv.cid")
			f.Conditions = append(append([]crm.SegmentCondition(nil), f.Conditions[:at]...), f.Conditions[at+1:]...)
		} else if drive && engaged {
			from = " FROM " + d.drivingJoin("(SELECT cs.contact_id AS cid FROM contact_scores cs WHERE cs.engagement >= "+
				(&floatArgs{a}).add(lb)+") drv", "c.id = drv.cid")
		}
		if cond, err = c.group(f); err != nil {
			return "", "", err
		}
	}
	if vis := visibilityCond(a, env.Viewer, env.Visibility); vis != "" {
		cond = vis + " AND " + cond
	}
	return from, cond, nil
}

// engagementFloor finds, in an AND at the top of the filter, an
// engagement condition that needs a positive score now, and returns the
// least stored engagement that can meet it. Decay only lowers the stored
// value, so contacts stored below it are out before any decay is
// computed: the count of row E3 then looks up the contacts of the few
// engaged viewers, not of every viewer. The condition itself stays in the
// filter, which still decides.
func engagementFloor(g crm.SegmentGroup) (float64, bool) {
	if g.Match != crm.MatchAll {
		return 0, false
	}
	floor, ok := 0.0, false
	for _, cd := range g.Conditions {
		if cd.Field != "engagement_score" {
			continue
		}
		var lb float64
		switch cd.Op {
		case crm.SegOpGte, crm.SegOpEq:
			lb = num(cd.Value) - 0.5
		case crm.SegOpGt:
			lb = num(cd.Value) + 0.5
		case crm.SegOpBetween:
			if len(cd.Values) == 2 {
				lb = num(cd.Values[0]) - 0.5
			}
		}
		if lb > 0 && lb > floor {
			floor, ok = lb, true
		}
	}
	return floor, ok
}

// drivingCondition finds a condition of an AND at the top of the filter
// that names a set of contact ids: a static list, then a form, then a
// page visited.
func drivingCondition(g crm.SegmentGroup) (int, bool) {
	if g.Match != crm.MatchAll {
		return 0, false
	}
	for _, field := range []string{"list", "submitted_form", "visited_path"} {
		for i, cd := range g.Conditions {
			if cd.Field == field && (cd.Op == crm.SegOpEq || cd.Op == crm.SegOpPrefix || cd.Op == crm.SegOpIsSet) {
				return i, true
			}
		}
	}
	return 0, false
}

type segCompiler struct {
	d   dialect
	a   *sqlArgs
	env SegmentEnv
}

func (c segCompiler) group(g crm.SegmentGroup) (string, error) {
	var parts []string
	for _, cond := range g.Conditions {
		s, err := c.condition(cond)
		if err != nil {
			return "", err
		}
		parts = append(parts, "("+s+")")
	}
	for _, sub := range g.Groups {
		s, err := c.group(sub)
		if err != nil {
			return "", err
		}
		parts = append(parts, s)
	}
	if len(parts) == 0 {
		return "(1 = 1)", nil
	}
	join := " AND "
	if g.Match == crm.MatchAny {
		join = " OR "
	}
	return "(" + strings.Join(parts, join) + ")", nil
}

// textCols are the contact columns of text fields; email is NULL when
// unknown, the others ”.
var textCols = map[string]string{
	"email": "COALESCE(c.email, '')", "family_name": "c.family_name", "given_name": "c.given_name",
	"job_title": "c.job_title", "department": "c.department", "phone": "c.phone",
	"lifecycle_stage": "c.lifecycle_stage", "lead_status": "c.lead_status", "original_source": "c.original_source",
	"consent": "c.consent",
}

// segCompanyCols are the company columns of company.* fields.
var segCompanyCols = map[string]string{
	"company.name": "co.name", "company.industry": "co.industry", "company.prefecture": "co.prefecture",
	"company.city": "co.city", "company.country": "co.country", "company.employees": "co.employees",
}

func (c segCompiler) condition(cd crm.SegmentCondition) (string, error) {
	f, ok := crm.LookupSegmentField(c.env.Schema, cd.Field)
	if !ok {
		return "", crm.Invalid("filter", fmt.Sprintf("%q is not a field segments can filter on", cd.Field))
	}
	if key, ok := strings.CutPrefix(cd.Field, "props."); ok {
		return c.prop(key, c.env.Schema.Props[key], cd)
	}
	if col, ok := textCols[cd.Field]; ok {
		return c.text(col, cd)
	}
	if col, ok := segCompanyCols[cd.Field]; ok {
		return c.company(col, f, cd)
	}
	switch cd.Field {
	case "fit_score":
		return c.score("COALESCE((SELECT cs.fit FROM contact_scores cs WHERE cs.contact_id = c.id), 0)", cd)
	case "engagement_score":
		return c.score(c.engagementExpr(), cd)
	case "tag":
		return c.tag(cd)
	case "owner":
		return c.owner(cd)
	case "created_at":
		return c.date("c.created_at", cd)
	case "visited_path":
		return c.visited(cd)
	case "submitted_form":
		return c.form(cd)
	case "email_engagement":
		return c.emailEngaged(cd)
	case "answered_survey": // surveys
		return c.survey(cd)
	case "nps_score": // surveys
		return c.npsScore(cd)
	case "deal_status":
		return c.deal(cd)
	case "list":
		in := "c.id IN (" + listIDs(c.a, idOf(cd.Value)) + ")"
		if cd.Op == crm.SegOpNeq {
			return "NOT " + in, nil
		}
		return in, nil
	}
	return "", crm.Invalid("filter", fmt.Sprintf("%q is not a field segments can filter on", cd.Field))
}

func idOf(s string) int64 {
	id, _ := strconv.ParseInt(s, 10, 64)
	return id
}

// text compares a text column (never NULL as written).
func (c segCompiler) text(col string, cd crm.SegmentCondition) (string, error) {
	a := c.a
	switch cd.Op {
	case crm.SegOpEq:
		return col + " = " + a.add(cd.Value), nil
	case crm.SegOpNeq:
		return col + " <> " + a.add(cd.Value), nil
	case crm.SegOpIn:
		return anyOf(a, col, cd.Values), nil
	case crm.SegOpContains:
		return c.d.containsFold(col, a.add(asciiLower(cd.Value))), nil
	case crm.SegOpPrefix:
		return prefixRange(a, col, cd.Value), nil
	case crm.SegOpIsSet:
		return col + " <> ''", nil
	case crm.SegOpIsEmpty:
		return col + " = ''", nil
	}
	return "", badOp(cd)
}

func badOp(cd crm.SegmentCondition) error {
	return crm.Invalid("filter", fmt.Sprintf("%s cannot be used with %s", cd.Op, cd.Field))
}

// company tests a column of the contact's company. A contact without a
// company has every company field empty: it matches neq and is_empty.
func (c segCompiler) company(col string, f crm.SegmentField, cd crm.SegmentCondition) (string, error) {
	exists := func(cond string) string {
		return "EXISTS (SELECT 1 FROM companies co WHERE co.id = c.company_id AND " + cond + ")"
	}
	if f.Type == crm.FieldNumber {
		switch cd.Op {
		case crm.SegOpIsSet:
			return exists(col + " IS NOT NULL"), nil
		case crm.SegOpIsEmpty:
			return "NOT " + exists(col+" IS NOT NULL"), nil
		case crm.SegOpNeq:
			return "NOT " + exists(col+" = "+c.a.add(num(cd.Value))), nil
		}
		cond, err := c.numeric(col, cd, 0)
		if err != nil {
			return "", err
		}
		return exists(cond), nil
	}
	switch cd.Op {
	case crm.SegOpNeq:
		return "NOT " + exists(col+" = "+c.a.add(cd.Value)), nil
	case crm.SegOpIsEmpty:
		return "NOT " + exists(col+" <> ''"), nil
	}
	cond, err := c.text(col, cd)
	if err != nil {
		return "", err
	}
	return exists(cond), nil
}

func num(s string) float64 {
	f, _ := strconv.ParseFloat(s, 64)
	return f
}

// numeric compares a number expression; half widens each bound (scores
// compare as the whole numbers people see: round(x) ≥ 20 is x ≥ 19.5).
func (c segCompiler) numeric(x string, cd crm.SegmentCondition, half float64) (string, error) {
	a := &floatArgs{c.a}
	v := num(cd.Value)
	switch cd.Op {
	case crm.SegOpEq:
		if half == 0 {
			return x + " = " + a.add(v), nil
		}
		return x + " >= " + a.add(v-half) + " AND " + x + " < " + a.add(v+half), nil
	case crm.SegOpNeq:
		if half == 0 {
			return x + " <> " + a.add(v), nil
		}
		return "(" + x + " < " + a.add(v-half) + " OR " + x + " >= " + a.add(v+half) + ")", nil
	case crm.SegOpGt:
		if half == 0 {
			return x + " > " + a.add(v), nil
		}
		return x + " >= " + a.add(v+half), nil
	case crm.SegOpGte:
		return x + " >= " + a.add(v-half), nil
	case crm.SegOpLt:
		return x + " < " + a.add(v-half), nil
	case crm.SegOpLte:
		if half == 0 {
			return x + " <= " + a.add(v), nil
		}
		return x + " < " + a.add(v+half), nil
	case crm.SegOpBetween:
		lo, hi := num(cd.Values[0]), num(cd.Values[1])
		if half == 0 {
			return x + " >= " + a.add(lo) + " AND " + x + " <= " + a.add(hi), nil
		}
		return x + " >= " + a.add(lo-half) + " AND " + x + " < " + a.add(hi+half), nil
	}
	return "", badOp(cd)
}

// floatArgs binds numbers as DOUBLE PRECISION, so that PostgreSQL does not
// take 10.5 compared with an INTEGER column for an integer.
type floatArgs struct{ a *sqlArgs }

func (f *floatArgs) add(v float64) string { return "CAST(" + f.a.add(v) + " AS DOUBLE PRECISION)" }

// score compares a score as shown (rounded to a whole number).
func (c segCompiler) score(x string, cd crm.SegmentCondition) (string, error) {
	return c.numeric(x, cd, 0.5)
}

// engagementExpr is a contact's engagement now: the stored value decayed
// by 0.5^((now - engagement_at) / half-life), as app.ScoresOf computes it
// (crm.Decay); 0 for a contact never scored.
func (c segCompiler) engagementExpr() string {
	if c.env.HalfLife <= 0 {
		return "COALESCE((SELECT cs.engagement FROM contact_scores cs WHERE cs.contact_id = c.id), 0)"
	}
	// Typed placeholders: PostgreSQL cannot infer the type of a parameter
	// in arithmetic.
	now := "CAST(" + c.a.add(ms(c.env.Now)) + " AS BIGINT)"
	hl := "CAST(" + c.a.add(float64(c.env.HalfLife.Milliseconds())) + " AS DOUBLE PRECISION)"
	return "COALESCE((SELECT CASE WHEN cs.engagement_at >= " + now + " THEN cs.engagement ELSE cs.engagement * " +
		c.d.pow("0.5", "CAST("+now+" - cs.engagement_at AS DOUBLE PRECISION) / "+hl) +
		" END FROM contact_scores cs WHERE cs.contact_id = c.id), 0)"
}

func (c segCompiler) tag(cd crm.SegmentCondition) (string, error) {
	has := func(cond string) string {
		return "EXISTS (SELECT 1 FROM contact_tags ct JOIN tags t ON t.id = ct.tag_id WHERE ct.contact_id = c.id AND " + cond + ")"
	}
	switch cd.Op {
	case crm.SegOpEq:
		return has("t.name = " + c.a.add(cd.Value)), nil
	case crm.SegOpNeq:
		return "NOT " + has("t.name = "+c.a.add(cd.Value)), nil
	case crm.SegOpIn:
		return has(anyOf(c.a, "t.name", cd.Values)), nil
	}
	return "", badOp(cd)
}

func (c segCompiler) owner(cd crm.SegmentCondition) (string, error) {
	switch cd.Op {
	case crm.SegOpEq:
		return "c.owner_id = " + c.a.add(idOf(cd.Value)), nil
	case crm.SegOpNeq:
		return "(c.owner_id IS NULL OR c.owner_id <> " + c.a.add(idOf(cd.Value)) + ")", nil
	case crm.SegOpIn:
		ids := make([]int64, len(cd.Values))
		for i, v := range cd.Values {
			ids[i] = idOf(v)
		}
		return anyOf(c.a, "c.owner_id", ids), nil
	case crm.SegOpIsSet:
		return "c.owner_id IS NOT NULL", nil
	case crm.SegOpIsEmpty:
		return "c.owner_id IS NULL", nil
	}
	return "", badOp(cd)
}

// dayStart is the start of a YYYY-MM-DD day in the workspace's zone.
func (c segCompiler) dayStart(s string) time.Time {
	t, _ := time.ParseInLocation(time.DateOnly, s, c.env.Loc)
	return t
}

// since is the start of "the last n days": n × 24 hours before now.
func (c segCompiler) since(days int) time.Time {
	return c.env.Now.Add(-time.Duration(days) * 24 * time.Hour)
}

// date compares a Unix-ms column by days of the workspace's zone: eq is
// that day, gt after it, lt before it, between both days inclusive.
func (c segCompiler) date(col string, cd crm.SegmentCondition) (string, error) {
	a := c.a
	switch cd.Op {
	case crm.SegOpEq:
		d := c.dayStart(cd.Value)
		return col + " >= " + a.add(ms(d)) + " AND " + col + " < " + a.add(ms(d.AddDate(0, 0, 1))), nil
	case crm.SegOpGt:
		return col + " >= " + a.add(ms(c.dayStart(cd.Value).AddDate(0, 0, 1))), nil
	case crm.SegOpLt:
		return col + " < " + a.add(ms(c.dayStart(cd.Value))), nil
	case crm.SegOpBetween:
		return col + " >= " + a.add(ms(c.dayStart(cd.Values[0]))) + " AND " + col + " < " +
			a.add(ms(c.dayStart(cd.Values[1]).AddDate(0, 0, 1))), nil
	case crm.SegOpWithinDays:
		return col + " >= " + a.add(ms(c.since(cd.Days))), nil
	}
	return "", badOp(cd)
}

// visited: the contact viewed a page whose path equals or starts with the
// value in the last Days days (events of identified visitors).
func (c segCompiler) visited(cd crm.SegmentCondition) (string, error) {
	return "c.id IN (" + c.visitedIDs(cd) + ")", nil
}

// visitedIDs is the subquery of the contacts (column cid) that viewed the
// page in the window: the events_contact_path index reads it.
func (c segCompiler) visitedIDs(cd crm.SegmentCondition) string {
	a := c.a
	sel := "SELECT e.contact_id AS cid FROM events e WHERE e.contact_id IS NOT NULL AND e.kind = 'pageview' AND "
	since := " AND e.at >= " + a.add(ms(c.since(cd.Days)))
	exact := sel + "e.path = " + a.add(cd.Value) + since
	if cd.Op != crm.SegOpPrefix {
		return exact
	}
	// The page itself, then the paths below it, apart: on the index
	// (path, at, contact_id) the exact path reads only its days in range,
	// where one range over every path with the prefix would read all of
	// /pricing's 90 days to keep the last 14 (row E3).
	return exact + " UNION ALL " + sel + "e.path > " + a.add(cd.Value) + " AND e.path < " + a.add(cd.Value+maxRune) + since
}

// emailEngaged: the contact opened, clicked, or did either with a
// marketing e-mail in the last Days days (email_events, every event kept;
// scanners' clicks are marked in detail and left out).
func (c segCompiler) emailEngaged(cd crm.SegmentCondition) (string, error) {
	kinds := map[string]string{crm.EmailOpened: "'open'", crm.EmailClicked: "'click'", crm.EmailOpenedOrClicked: "'open', 'click'"}[cd.Value]
	if kinds == "" {
		return "", badOp(cd)
	}
	return "c.id IN (SELECT ee.contact_id AS cid FROM email_events ee WHERE ee.contact_id IS NOT NULL AND ee.kind IN (" + kinds +
		") AND ee.detail <> 'scanner' AND ee.at >= " + c.a.add(ms(c.since(cd.Days))) + ")", nil
}

// form: the contact submitted the form (eq) or any form (is_set), in the
// last Days days when Days > 0.
func (c segCompiler) form(cd crm.SegmentCondition) (string, error) {
	return "c.id IN (" + c.formIDs(cd) + ")", nil
}

// formIDs is the subquery of the contacts (column cid) that submitted.
func (c segCompiler) formIDs(cd crm.SegmentCondition) string {
	q := "SELECT fs.contact_id AS cid FROM form_submissions fs WHERE fs.contact_id IS NOT NULL"
	if cd.Op == crm.SegOpEq {
		q += " AND fs.form_id = " + c.a.add(idOf(cd.Value))
	}
	if cd.Days > 0 {
		q += " AND fs.at >= " + c.a.add(ms(c.since(cd.Days)))
	}
	return q
}

func listIDs(a *sqlArgs, id int64) string {
	return "SELECT sm.contact_id AS cid FROM segment_members sm WHERE sm.segment_id = " + a.add(id)
}

// dealStatusCond is the SQL of a deal status on deals d.
var dealStatusCond = map[string]string{
	crm.DealOpen: "d.closed_at IS NULL",
	crm.DealWon:  "d.won_at IS NOT NULL",
	crm.DealLost: "d.closed_at IS NOT NULL AND d.won_at IS NULL",
}

// deal: the contact is the primary contact of, or a contact on, a deal
// with the status (neq: no such deal).
func (c segCompiler) deal(cd crm.SegmentCondition) (string, error) {
	vals := cd.Values
	if cd.Op != crm.SegOpIn {
		vals = []string{cd.Value}
	}
	var or []string
	for _, v := range vals {
		or = append(or, "("+dealStatusCond[v]+")")
	}
	st := "(" + strings.Join(or, " OR ") + ")"
	in := "c.id IN (SELECT d.contact_id FROM deals d WHERE d.contact_id IS NOT NULL AND " + st +
		" UNION SELECT dc.contact_id FROM deal_contacts dc JOIN deals d ON d.id = dc.deal_id WHERE " + st + ")"
	if cd.Op == crm.SegOpNeq {
		return "NOT " + in, nil
	}
	return in, nil
}

// prop compares a custom property through propCond (contact_list.go).
func (c segCompiler) prop(key string, t crm.PropertyType, cd crm.SegmentCondition) (string, error) {
	pc := PropCondition{Key: key, Type: PropType(t), Value: cd.Value, Values: cd.Values}
	one := func(op PropOp, v string) (string, error) {
		pc.Op, pc.Value = op, v
		s, err := c.d.propCond(c.a, "c.props", pc)
		if err != nil {
			return "", crm.Invalid("filter", err.Error())
		}
		return s, nil
	}
	if t != crm.PropNumber && t != crm.PropDate && t != crm.PropBool && t != crm.PropMultiChoice {
		// text, url and choice compare like text columns; unset is NULL.
		// (Every placeholder added must appear in the SQL: PostgreSQL
		// cannot type an unused one.)
		x := func() string { return c.d.propText("c.props", c.d.propKey(c.a.add(c.d.propKeyArg(key)))) }
		switch cd.Op {
		case crm.SegOpEq, crm.SegOpIn, crm.SegOpContains, crm.SegOpPrefix:
			return c.text(x(), cd)
		case crm.SegOpNeq:
			col := x()
			return "(" + col + " IS NULL OR " + col + " <> " + c.a.add(cd.Value) + ")", nil
		}
	}
	switch cd.Op {
	case crm.SegOpEq:
		return one(OpEq, cd.Value)
	case crm.SegOpNeq:
		return one(OpNe, cd.Value)
	case crm.SegOpIn:
		return one(OpIn, "")
	case crm.SegOpContains:
		return one(OpContains, cd.Value)
	case crm.SegOpPrefix:
		return "", badOp(cd)
	case crm.SegOpGt:
		return one(OpGt, cd.Value)
	case crm.SegOpGte:
		return one(OpGte, cd.Value)
	case crm.SegOpLt:
		return one(OpLt, cd.Value)
	case crm.SegOpLte:
		return one(OpLte, cd.Value)
	case crm.SegOpIsSet:
		return one(OpIsSet, "")
	case crm.SegOpIsEmpty:
		return one(OpNotSet, "")
	case crm.SegOpBetween:
		lo, err := one(OpGte, cd.Values[0])
		if err != nil {
			return "", err
		}
		hi, err := one(OpLte, cd.Values[1])
		if err != nil {
			return "", err
		}
		return lo + " AND " + hi, nil
	case crm.SegOpWithinDays:
		day := c.since(cd.Days).In(c.env.Loc).Format(time.DateOnly)
		return one(OpGte, day)
	}
	return "", badOp(cd)
}

// pow is base^exp in SQL (SQLite's math functions, PostgreSQL's power).
func (d dialect) pow(base, exp string) string {
	if d == postgres {
		return "power(" + base + ", " + exp + ")"
	}
	return "pow(" + base + ", " + exp + ")"
}

// VisibleContactIDs returns those of ids that exist and that the viewer
// may see under the visibility mode.
func (s *Store) VisibleContactIDs(ctx context.Context, ids []int64, v crm.Viewer, mode crm.Visibility) (map[int64]bool, error) {
	out := map[int64]bool{}
	for len(ids) > 0 {
		chunk := ids[:min(len(ids), 500)]
		ids = ids[len(chunk):]
		a := &sqlArgs{}
		where := anyOf(a, "c.id", chunk)
		if vis := visibilityCond(a, v, mode); vis != "" {
			where += " AND " + vis
		}
		rows, err := s.r().QueryContext(ctx, "SELECT c.id FROM contacts c WHERE "+where, a.vals...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return nil, err
			}
			out[id] = true
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// survey: the contact answered the survey (is_set: any survey), in the
// last Days days when given.
func (c segCompiler) survey(cd crm.SegmentCondition) (string, error) {
	q := "SELECT sr.contact_id FROM survey_responses sr WHERE sr.contact_id IS NOT NULL"
	if cd.Op == crm.SegOpEq {
		q += " AND sr.survey_id = " + c.a.add(idOf(cd.Value))
	}
	if cd.Days > 0 {
		q += " AND sr.updated_at >= " + c.a.add(ms(c.since(cd.Days)))
	}
	return "c.id IN (" + q + ")", nil
}

// npsScore compares the contact's latest NPS answer (of any survey); a
// contact who never gave one matches only is_empty.
func (c segCompiler) npsScore(cd crm.SegmentCondition) (string, error) {
	latest := "(SELECT sr.nps FROM survey_responses sr WHERE sr.contact_id = c.id AND sr.nps IS NOT NULL " +
		"ORDER BY sr.updated_at DESC, sr.id DESC LIMIT 1)"
	switch cd.Op {
	case crm.SegOpIsSet:
		return "EXISTS (SELECT 1 FROM survey_responses sr WHERE sr.contact_id = c.id AND sr.nps IS NOT NULL)", nil
	case crm.SegOpIsEmpty:
		return "NOT EXISTS (SELECT 1 FROM survey_responses sr WHERE sr.contact_id = c.id AND sr.nps IS NOT NULL)", nil
	}
	return c.numeric(latest, cd, 0)
}
