package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"renkei/internal/crm"
)

// nullID stores 0 as NULL for optional references.
func nullID(id int64) sql.NullInt64 {
	return sql.NullInt64{Int64: id, Valid: id != 0}
}

func nullText(s string) sql.NullString {
	return sql.NullString{String: s, Valid: s != ""}
}

func propsJSON(p map[string]any) (string, error) {
	if len(p) == 0 {
		return "{}", nil
	}
	b, err := json.Marshal(p)
	return string(b), err
}

func parseProps(s string) (map[string]any, error) {
	if s == "" || s == "{}" {
		return nil, nil
	}
	var p map[string]any
	err := json.Unmarshal([]byte(s), &p)
	return p, err
}

// readingKey and nameKey are the search and sort keys of a contact.
func readingKey(n crm.PersonName) string { return n.Reading() }

func nameKey(n crm.PersonName) string {
	return strings.ToLower(strings.TrimSpace(n.Family + " " + n.Given))
}

// ---- companies ----

const companyCols = `id, name, legal_form, reading, domain, industry, COALESCE(employees, 0), postal_code, prefecture,
	city, street, country, phone, COALESCE(owner_id, 0), COALESCE(team_id, 0), props, created_at, updated_at, version`

func scanCompany(sc interface{ Scan(...any) error }) (crm.Company, error) {
	var c crm.Company
	var props string
	var created, updated int64
	err := sc.Scan(&c.ID, &c.Name, &c.LegalForm, &c.Reading, &c.Domain, &c.Industry, &c.Employees, &c.PostalCode,
		&c.Prefecture, &c.City, &c.Street, &c.Country, &c.Phone, &c.OwnerID, &c.TeamID, &props, &created, &updated, &c.Version)
	if errors.Is(err, sql.ErrNoRows) {
		return c, crm.ErrNotFound
	}
	if err != nil {
		return c, err
	}
	c.CreatedAt, c.UpdatedAt = fromMS(created), fromMS(updated)
	c.Props, err = parseProps(props)
	return c, err
}

// CreateCompany inserts a normalised company.
func (tx *Tx) CreateCompany(ctx context.Context, c *crm.Company, now time.Time) error {
	props, err := propsJSON(c.Props)
	if err != nil {
		return err
	}
	var employees sql.NullInt64
	if c.Employees > 0 {
		employees = sql.NullInt64{Int64: int64(c.Employees), Valid: true}
	}
	err = tx.q().QueryRowContext(ctx, `INSERT INTO companies (name, name_key, legal_form, reading, domain, industry,
		employees, postal_code, prefecture, city, street, country, phone, owner_id, team_id, props, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $17) RETURNING id, version`,
		c.Name, c.Key(), c.LegalForm, c.Reading, c.Domain, c.Industry, employees, c.PostalCode, c.Prefecture, c.City,
		c.Street, c.Country, c.Phone, nullID(c.OwnerID), nullID(c.TeamID), props, ms(now)).Scan(&c.ID, &c.Version)
	if err != nil {
		return tx.s.d.mapError(err)
	}
	c.CreatedAt, c.UpdatedAt = now, now
	return nil
}

// UpdateCompany writes every field when the version matches.
func (tx *Tx) UpdateCompany(ctx context.Context, c *crm.Company, now time.Time) error {
	props, err := propsJSON(c.Props)
	if err != nil {
		return err
	}
	var employees sql.NullInt64
	if c.Employees > 0 {
		employees = sql.NullInt64{Int64: int64(c.Employees), Valid: true}
	}
	res, err := tx.q().ExecContext(ctx, `UPDATE companies SET name = $1, name_key = $2, legal_form = $3, reading = $4,
		domain = $5, industry = $6, employees = $7, postal_code = $8, prefecture = $9, city = $10, street = $11,
		country = $12, phone = $13, owner_id = $14, team_id = $15, props = $16, updated_at = $17, version = version + 1
		WHERE id = $18 AND version = $19`,
		c.Name, c.Key(), c.LegalForm, c.Reading, c.Domain, c.Industry, employees, c.PostalCode, c.Prefecture, c.City,
		c.Street, c.Country, c.Phone, nullID(c.OwnerID), nullID(c.TeamID), props, ms(now), c.ID, c.Version)
	if err != nil {
		return tx.s.d.mapError(err)
	}
	if err := staleOrMissing(ctx, tx, res, "companies", c.ID); err != nil {
		return err
	}
	c.Version++
	c.UpdatedAt = now
	return nil
}

// Company returns one company.
func (s *Store) Company(ctx context.Context, id int64) (crm.Company, error) {
	return scanCompany(s.r().QueryRowContext(ctx, "SELECT "+companyCols+" FROM companies WHERE id = $1", id))
}

// Company reads a company inside a write transaction.
func (tx *Tx) Company(ctx context.Context, id int64) (crm.Company, error) {
	return scanCompany(tx.q().QueryRowContext(ctx, "SELECT "+companyCols+" FROM companies WHERE id = $1", id))
}

// CompaniesByKey finds companies whose name has the same duplicate key
// (株式会社○○ = ○○株式会社 = ㈱○○ = ○○ Co., Ltd.).
func (tx *Tx) CompaniesByKey(ctx context.Context, key string) ([]crm.Company, error) {
	rows, err := tx.q().QueryContext(ctx, "SELECT "+companyCols+" FROM companies WHERE name_key = $1 ORDER BY id", key)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []crm.Company
	for rows.Next() {
		c, err := scanCompany(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// DeleteCompany removes a company; its contacts stay, unlinked.
func (tx *Tx) DeleteCompany(ctx context.Context, id int64) error {
	res, err := tx.q().ExecContext(ctx, "DELETE FROM companies WHERE id = $1", id)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return crm.ErrNotFound
	}
	return nil
}

// TeamExists reports whether a team exists, for checking a record's team
// before writing it (a missing one would be a foreign-key error).
func (tx *Tx) TeamExists(ctx context.Context, id int64) (bool, error) {
	var one int
	err := tx.q().QueryRowContext(ctx, "SELECT 1 FROM teams WHERE id = $1", id).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return err == nil, err
}

// ---- contacts ----

const contactCols = `c.id, COALESCE(c.email, ''), c.family_name, c.given_name, c.family_reading, c.given_reading,
	c.honorific, c.phone, c.job_title, c.department, COALESCE(c.company_id, 0), COALESCE(co.name, ''),
	COALESCE(c.owner_id, 0), COALESCE(c.team_id, 0), c.lifecycle_stage, c.lead_status, c.original_source,
	c.source_detail, c.consent, c.props, c.created_at, c.updated_at, c.version`

const contactFrom = ` FROM contacts c LEFT JOIN companies co ON co.id = c.company_id`

func scanContact(sc interface{ Scan(...any) error }) (crm.Contact, error) {
	var c crm.Contact
	var stage, status, source, consent, props string
	var created, updated int64
	err := sc.Scan(&c.ID, &c.Email, &c.Family, &c.Given, &c.FamilyReading, &c.GivenReading, &c.Honorific, &c.Phone,
		&c.JobTitle, &c.Department, &c.CompanyID, &c.CompanyName, &c.OwnerID, &c.TeamID, &stage, &status, &source,
		&c.SourceDetail, &consent, &props, &created, &updated, &c.Version)
	if errors.Is(err, sql.ErrNoRows) {
		return c, crm.ErrNotFound
	}
	if err != nil {
		return c, err
	}
	c.Lifecycle, c.LeadStatus, c.OriginalSource, c.Consent = crm.Lifecycle(stage), crm.LeadStatus(status), crm.Source(source), crm.Consent(consent)
	c.CreatedAt, c.UpdatedAt = fromMS(created), fromMS(updated)
	c.Props, err = parseProps(props)
	return c, err
}

// CreateContact inserts a normalised contact with its tags. A taken e-mail
// returns crm.ErrConflict.
func (tx *Tx) CreateContact(ctx context.Context, c *crm.Contact, now time.Time) error {
	props, err := propsJSON(c.Props)
	if err != nil {
		return err
	}
	err = tx.q().QueryRowContext(ctx, `INSERT INTO contacts (email, family_name, given_name, family_reading, given_reading,
		reading_key, name_key, honorific, phone, phone_key, job_title, department, company_id, owner_id, team_id,
		lifecycle_stage, lead_status, original_source, source_detail, consent, props, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $22)
		RETURNING id, version`,
		nullText(c.Email), c.Family, c.Given, c.FamilyReading, c.GivenReading, readingKey(c.PersonName), nameKey(c.PersonName),
		c.Honorific, c.Phone, crm.PhoneKey(c.Phone), c.JobTitle, c.Department, nullID(c.CompanyID), nullID(c.OwnerID),
		nullID(c.TeamID), string(c.Lifecycle), string(c.LeadStatus), string(c.OriginalSource), c.SourceDetail,
		string(c.Consent), props, ms(now)).Scan(&c.ID, &c.Version)
	if err != nil {
		return tx.s.d.mapError(err)
	}
	c.CreatedAt, c.UpdatedAt = now, now
	return tx.SetContactTags(ctx, c.ID, c.Tags)
}

// UpdateContact writes every field and the tags when the version matches.
func (tx *Tx) UpdateContact(ctx context.Context, c *crm.Contact, now time.Time) error {
	props, err := propsJSON(c.Props)
	if err != nil {
		return err
	}
	res, err := tx.q().ExecContext(ctx, `UPDATE contacts SET email = $1, family_name = $2, given_name = $3,
		family_reading = $4, given_reading = $5, reading_key = $6, name_key = $7, honorific = $8, phone = $9,
		phone_key = $10, job_title = $11, department = $12, company_id = $13, owner_id = $14, team_id = $15,
		lifecycle_stage = $16, lead_status = $17, original_source = $18, source_detail = $19, consent = $20,
		props = $21, updated_at = $22, version = version + 1
		WHERE id = $23 AND version = $24`,
		nullText(c.Email), c.Family, c.Given, c.FamilyReading, c.GivenReading, readingKey(c.PersonName), nameKey(c.PersonName),
		c.Honorific, c.Phone, crm.PhoneKey(c.Phone), c.JobTitle, c.Department, nullID(c.CompanyID), nullID(c.OwnerID),
		nullID(c.TeamID), string(c.Lifecycle), string(c.LeadStatus), string(c.OriginalSource), c.SourceDetail,
		string(c.Consent), props, ms(now), c.ID, c.Version)
	if err != nil {
		return tx.s.d.mapError(err)
	}
	if err := staleOrMissing(ctx, tx, res, "contacts", c.ID); err != nil {
		return err
	}
	c.Version++
	c.UpdatedAt = now
	return tx.SetContactTags(ctx, c.ID, c.Tags)
}

// SetContactTags replaces a contact's tags, creating unknown tag names.
func (tx *Tx) SetContactTags(ctx context.Context, contactID int64, names []string) error {
	if _, err := tx.q().ExecContext(ctx, "DELETE FROM contact_tags WHERE contact_id = $1", contactID); err != nil {
		return err
	}
	for _, name := range uniqueTags(names) {
		var tagID int64
		err := tx.q().QueryRowContext(ctx, `INSERT INTO tags (name) VALUES ($1)
			ON CONFLICT (name) DO UPDATE SET name = excluded.name RETURNING id`, name).Scan(&tagID)
		if err != nil {
			return err
		}
		if _, err := tx.q().ExecContext(ctx, `INSERT INTO contact_tags (tag_id, contact_id) VALUES ($1, $2)
			ON CONFLICT DO NOTHING`, tagID, contactID); err != nil {
			return err
		}
	}
	return nil
}

func uniqueTags(names []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, n := range names {
		n = strings.TrimSpace(n)
		if n != "" && !seen[n] {
			seen[n] = true
			out = append(out, n)
		}
	}
	sort.Strings(out)
	return out
}

// Contact returns one contact with its company name and tags.
func (s *Store) Contact(ctx context.Context, id int64) (crm.Contact, error) {
	return s.contactWhere(ctx, s.r(), "c.id = $1", id)
}

// Contact reads a contact inside a write transaction.
func (tx *Tx) Contact(ctx context.Context, id int64) (crm.Contact, error) {
	return tx.s.contactWhere(ctx, tx.q(), "c.id = $1", id)
}

// ContactByEmail finds a contact by normalised e-mail, inside a transaction
// (upserts).
func (tx *Tx) ContactByEmail(ctx context.Context, email string) (crm.Contact, error) {
	return tx.s.contactWhere(ctx, tx.q(), "c.email = $1", email)
}

func (s *Store) contactWhere(ctx context.Context, q querier, where string, arg any) (crm.Contact, error) {
	c, err := scanContact(q.QueryRowContext(ctx, "SELECT "+contactCols+contactFrom+" WHERE "+where, arg))
	if err != nil {
		return c, err
	}
	tags, err := s.tagsOf(ctx, q, []int64{c.ID})
	c.Tags = tags[c.ID]
	return c, err
}

// tagsOf returns the tag names of several contacts.
func (s *Store) tagsOf(ctx context.Context, q querier, ids []int64) (map[int64][]string, error) {
	out := map[int64][]string{}
	if len(ids) == 0 {
		return out, nil
	}
	ph := make([]string, len(ids))
	args := make([]any, len(ids))
	for i, id := range ids {
		ph[i] = fmt.Sprintf("$%d", i+1)
		args[i] = id
	}
	rows, err := q.QueryContext(ctx, `SELECT ct.contact_id, t.name FROM contact_tags ct JOIN tags t ON t.id = ct.tag_id
		WHERE ct.contact_id IN (`+strings.Join(ph, ", ")+`) ORDER BY t.name`, args...)
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
		out[id] = append(out[id], name)
	}
	return out, rows.Err()
}

// DeleteContact removes a contact with its tags, timeline and consent
// history (they cascade).
func (tx *Tx) DeleteContact(ctx context.Context, id int64) error {
	res, err := tx.q().ExecContext(ctx, "DELETE FROM contacts WHERE id = $1", id)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return crm.ErrNotFound
	}
	return nil
}

// ---- timeline ----

// TimelineEntry is one thing that happened to a contact or company.
type TimelineEntry struct {
	ID        int64
	At        time.Time
	ContactID int64
	CompanyID int64
	Kind      string // created, updated, imported, merged, emailed, consent, … (later: visit, form, deal, quote)
	ActorID   int64
	ActorName string // read only
	Data      map[string]any
	RefType   string
	RefID     int64
}

// AddTimeline appends an entry.
func (tx *Tx) AddTimeline(ctx context.Context, e *TimelineEntry) error {
	data, err := propsJSON(e.Data)
	if err != nil {
		return err
	}
	return tx.q().QueryRowContext(ctx, `INSERT INTO timeline (at, contact_id, company_id, kind, actor_id, data, ref_type, ref_id)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
		ms(e.At), nullID(e.ContactID), nullID(e.CompanyID), e.Kind, nullID(e.ActorID), data, e.RefType, nullID(e.RefID)).Scan(&e.ID)
}

// TimelineFilter selects entries of one contact or one company, newest
// first. Entries may be back-dated (an imported visit), so the order is by
// time and the cursor is the (At, ID) of the last entry seen.
type TimelineFilter struct {
	ContactID int64
	CompanyID int64 // entries of the company and of its contacts
	BeforeAt  time.Time
	BeforeID  int64
	Limit     int
	// Viewer and Visibility limit a company's timeline to the entries of
	// the contacts the viewer may see (DESIGN.md §8); the zero value does
	// not restrict.
	Viewer     crm.Viewer
	Visibility crm.Visibility
}

// visibleContacts returns " AND …" restricting contacts c to what the
// viewer may see (the SQL form of crm.Viewer.CanSee), appending its
// arguments; "" when nothing is hidden.
func visibleContacts(args *[]any, v crm.Viewer, mode crm.Visibility) string {
	if mode != crm.VisibleTeam || v.Role == crm.RoleAdmin {
		return ""
	}
	add := func(x any) string {
		*args = append(*args, x)
		return fmt.Sprintf("$%d", len(*args))
	}
	or := []string{"c.owner_id = " + add(v.UserID)}
	for _, id := range v.TeamIDs {
		or = append(or, "c.team_id = "+add(id))
	}
	return " AND (" + strings.Join(or, " OR ") + ")"
}

// Timeline lists entries newest first.
func (s *Store) Timeline(ctx context.Context, f TimelineFilter) ([]TimelineEntry, error) {
	limit := f.Limit
	if limit <= 0 || limit > 500 {
		limit = 50
	}
	beforeAt, beforeID := ms(f.BeforeAt), f.BeforeID
	if f.BeforeAt.IsZero() {
		beforeAt, beforeID = 1<<62, 0
	}
	var where string
	args := []any{nil, beforeAt, beforeID}
	switch {
	case f.ContactID != 0:
		where, args[0] = "t.contact_id = $1", f.ContactID
	case f.CompanyID != 0:
		where, args[0] = "(t.company_id = $1 OR t.contact_id IN (SELECT c.id FROM contacts c WHERE c.company_id = $1"+
			visibleContacts(&args, f.Viewer, f.Visibility)+"))", f.CompanyID
	default:
		return nil, errors.New("timeline: name a contact or a company")
	}
	rows, err := s.r().QueryContext(ctx, `SELECT t.id, t.at, COALESCE(t.contact_id, 0), COALESCE(t.company_id, 0), t.kind,
		COALESCE(t.actor_id, 0), COALESCE(u.name, ''), t.data, t.ref_type, COALESCE(t.ref_id, 0)
		FROM timeline t LEFT JOIN users u ON u.id = t.actor_id
		WHERE `+where+` AND (t.at < $2 OR (t.at = $2 AND t.id < $3))
		ORDER BY t.at DESC, t.id DESC LIMIT `+fmt.Sprint(limit), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []TimelineEntry
	for rows.Next() {
		var e TimelineEntry
		var at int64
		var data string
		if err := rows.Scan(&e.ID, &at, &e.ContactID, &e.CompanyID, &e.Kind, &e.ActorID, &e.ActorName, &data, &e.RefType, &e.RefID); err != nil {
			return nil, err
		}
		e.At = fromMS(at)
		if e.Data, err = parseProps(data); err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}
