package store

import (
	"context"
	"sort"
	"strconv"
	"strings"

	"renkei/internal/crm"
)

// DuplicateReason says why two contacts may be one person.
type DuplicateReason string

// Duplicate reasons.
const (
	// DupEmail: the same e-mail address after normalisation (NFKC, trimmed,
	// lower case). The unique index keeps stored contacts apart, so this
	// finds the stored twin of a contact about to be saved.
	DupEmail DuplicateReason = "email"
	// DupNameCompany: the same name (name_key) at the same company, or at
	// a company whose name has the same key (株式会社○○ = ○○ Co., Ltd.).
	DupNameCompany DuplicateReason = "name_company"
	// DupPhone: the same phone digits, at least 6 of them.
	DupPhone DuplicateReason = "phone"
)

// DuplicateMatch is a stored contact that may be the same person.
type DuplicateMatch struct {
	Contact crm.Contact
	Reasons []DuplicateReason
}

// maxDuplicates bounds each kind of duplicate lookup.
const maxDuplicates = 50

// FindDuplicates returns the contacts that may be the same person as the
// stored contact id, most reasons first. It does not apply visibility; the
// caller decides who may merge.
func (s *Store) FindDuplicates(ctx context.Context, contactID int64) ([]DuplicateMatch, error) {
	c, err := s.Contact(ctx, contactID)
	if err != nil {
		return nil, err
	}
	return s.FindDuplicatesOf(ctx, c)
}

// FindDuplicatesOf returns the stored contacts that may be the same person
// as c, which need not be saved (a form or an import row; c.CompanyName is
// used when c.CompanyID is 0). c.ID, when set, is left out.
func (s *Store) FindDuplicatesOf(ctx context.Context, c crm.Contact) ([]DuplicateMatch, error) {
	a := &sqlArgs{}
	var parts []string
	part := func(r DuplicateReason, cond string) {
		parts = append(parts, "SELECT '"+string(r)+"' AS r, id FROM (SELECT c.id FROM contacts c WHERE "+cond+
			" AND c.id <> "+a.add(c.ID)+" ORDER BY c.id LIMIT "+strconv.Itoa(maxDuplicates)+") AS d"+strconv.Itoa(len(parts)))
	}
	if email := crm.NormalizeEmail(c.Email); email != "" {
		part(DupEmail, "c.email = "+a.add(email))
	}
	if nk := nameKey(c.PersonName); nk != "" {
		switch {
		case c.CompanyID != 0:
			part(DupNameCompany, "c.name_key = "+a.add(nk)+" AND c.company_id IN (SELECT o.id FROM companies o WHERE o.name_key = "+
				"(SELECT k.name_key FROM companies k WHERE k.id = "+a.add(c.CompanyID)+"))")
		case strings.TrimSpace(c.CompanyName) != "":
			if _, _, key := crm.CompanyKey(c.CompanyName); key != "" {
				part(DupNameCompany, "c.name_key = "+a.add(nk)+" AND c.company_id IN (SELECT o.id FROM companies o WHERE o.name_key = "+a.add(key)+")")
			}
		}
	}
	if pk := crm.PhoneKey(c.Phone); len(pk) >= 6 {
		part(DupPhone, "c.phone_key = "+a.add(pk))
	}
	if len(parts) == 0 {
		return nil, nil
	}
	rows, err := s.r().QueryContext(ctx, strings.Join(parts, " UNION ALL "), a.vals...)
	if err != nil {
		return nil, err
	}
	reasons := map[int64][]DuplicateReason{}
	var ids []int64
	for rows.Next() {
		var r string
		var id int64
		if err := rows.Scan(&r, &id); err != nil {
			rows.Close()
			return nil, err
		}
		if reasons[id] == nil {
			ids = append(ids, id)
		}
		reasons[id] = append(reasons[id], DuplicateReason(r))
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	byID, err := s.contactsByID(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := make([]DuplicateMatch, 0, len(ids))
	for _, id := range ids {
		if ct, ok := byID[id]; ok {
			out = append(out, DuplicateMatch{Contact: ct, Reasons: sortedReasons(reasons[id])})
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		if len(out[i].Reasons) != len(out[j].Reasons) {
			return len(out[i].Reasons) > len(out[j].Reasons)
		}
		return out[i].Contact.ID < out[j].Contact.ID
	})
	return out, nil
}

func sortedReasons(rs []DuplicateReason) []DuplicateReason {
	order := map[DuplicateReason]int{DupEmail: 0, DupNameCompany: 1, DupPhone: 2}
	sort.Slice(rs, func(i, j int) bool { return order[rs[i]] < order[rs[j]] })
	return rs
}

// DuplicatePair is two contacts that may be one person; A has the lower id.
type DuplicatePair struct {
	A, B    crm.Contact
	Reasons []DuplicateReason
}

// MaxSharedPhone is the largest group of contacts with one phone number
// that DuplicatePairs reports; a number shared by more people is taken for
// a switchboard (代表番号), not for duplicates.
const MaxSharedPhone = 5

// DuplicatePairs lists up to limit (1 to 500) pairs of contacts across the
// workspace that may be one person: the same name at the same company, or
// the same phone number. (Stored e-mails are unique, so they never pair.)
// Each group of look-alikes is read with GROUP BY … HAVING COUNT(*) > 1
// over an index, which stops once enough groups are found; a group of n
// contacts gives n-1 pairs, each with the oldest of them. Pairs with more
// reasons come first.
func (s *Store) DuplicatePairs(ctx context.Context, limit int) ([]DuplicatePair, error) {
	if limit < 1 || limit > 500 {
		return nil, crm.Invalid("limit", "must be a whole number from 1 to 500")
	}
	type pairKey struct{ a, b int64 }
	reasons := map[pairKey][]DuplicateReason{}
	var order []pairKey
	addGroup := func(r DuplicateReason, ids []int64) {
		sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
		for _, id := range ids[1:] {
			k := pairKey{ids[0], id}
			if reasons[k] == nil {
				order = append(order, k)
			}
			reasons[k] = append(reasons[k], r)
		}
	}

	// Same name at the same company: read from the (company_id, name_key) index.
	groups, err := s.groupMembers(ctx,
		`SELECT company_id, name_key FROM contacts WHERE company_id IS NOT NULL AND name_key > ''
		 GROUP BY company_id, name_key HAVING COUNT(*) > 1 ORDER BY company_id, name_key LIMIT `+strconv.Itoa(limit),
		"company_id", "name_key")
	if err != nil {
		return nil, err
	}
	for _, ids := range groups {
		addGroup(DupNameCompany, ids)
	}
	// Same phone digits: read from the phone_key index.
	groups, err = s.groupMembers(ctx,
		`SELECT phone_key, '' FROM contacts WHERE phone_key >= '0' AND length(phone_key) >= 6
		 GROUP BY phone_key HAVING COUNT(*) BETWEEN 2 AND `+strconv.Itoa(MaxSharedPhone)+` ORDER BY phone_key LIMIT `+strconv.Itoa(limit),
		"phone_key", "")
	if err != nil {
		return nil, err
	}
	for _, ids := range groups {
		addGroup(DupPhone, ids)
	}

	sort.SliceStable(order, func(i, j int) bool {
		x, y := order[i], order[j]
		if len(reasons[x]) != len(reasons[y]) {
			return len(reasons[x]) > len(reasons[y])
		}
		if x.a != y.a {
			return x.a < y.a
		}
		return x.b < y.b
	})
	if len(order) > limit {
		order = order[:limit]
	}
	var ids []int64
	for _, k := range order {
		ids = append(ids, k.a, k.b)
	}
	byID, err := s.contactsByID(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := make([]DuplicatePair, 0, len(order))
	for _, k := range order {
		a, okA := byID[k.a]
		b, okB := byID[k.b]
		if okA && okB {
			out = append(out, DuplicatePair{A: a, B: b, Reasons: sortedReasons(reasons[k])})
		}
	}
	return out, nil
}

// groupMembers runs a grouping query that returns the keys (one or two
// columns; the second is ” when unused) of groups of look-alikes, then
// reads the ids of each group's contacts.
func (s *Store) groupMembers(ctx context.Context, groupQuery, col1, col2 string) ([][]int64, error) {
	rows, err := s.r().QueryContext(ctx, groupQuery)
	if err != nil {
		return nil, err
	}
	type key struct{ k1, k2 any } // int64 or string, as the driver returns them
	var keys []key
	for rows.Next() {
		var k key
		if err := rows.Scan(&k.k1, &k.k2); err != nil {
			rows.Close()
			return nil, err
		}
		keys = append(keys, k)
	}
	rows.Close()
	if err := rows.Err(); err != nil || len(keys) == 0 {
		return nil, err
	}
	a := &sqlArgs{}
	or := make([]string, len(keys))
	for i, k := range keys {
		or[i] = col1 + " = " + a.add(k.k1)
		if col2 != "" {
			or[i] = "(" + or[i] + " AND " + col2 + " = " + a.add(k.k2) + ")"
		}
	}
	sel := col1 + ", ''"
	if col2 != "" {
		sel = col1 + ", " + col2
	}
	rows, err = s.r().QueryContext(ctx, "SELECT id, "+sel+" FROM contacts WHERE "+strings.Join(or, " OR ")+" ORDER BY id", a.vals...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	idx := map[key]int{}
	for i, k := range keys {
		idx[k] = i
	}
	out := make([][]int64, len(keys))
	for rows.Next() {
		var id int64
		var k key
		if err := rows.Scan(&id, &k.k1, &k.k2); err != nil {
			return nil, err
		}
		if i, ok := idx[k]; ok {
			out[i] = append(out[i], id)
		}
	}
	return out, rows.Err()
}
