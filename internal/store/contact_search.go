package store

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"renkei/internal/crm"
)

// Contact search: one LIMIT'ed index range scan per way a query can match
// (name, reading, e-mail, phone, company, tag), run as one UNION ALL query.

// SearchMatch says why a contact matched a search. The constants are in
// order of relevance.
type SearchMatch string

// Kinds of search match.
const (
	MatchName    SearchMatch = "name"    // family or given name, prefix
	MatchReading SearchMatch = "reading" // フリガナ, prefix
	MatchEmail   SearchMatch = "email"   // prefix
	MatchPhone   SearchMatch = "phone"   // digits, prefix
	MatchCompany SearchMatch = "company" // company name (legal form ignored) or reading, prefix
	MatchTag     SearchMatch = "tag"     // tag name, exact
)

// searchMatches lists the kinds of match, most relevant first.
func searchMatches() []SearchMatch {
	return []SearchMatch{MatchName, MatchReading, MatchEmail, MatchPhone, MatchCompany, MatchTag}
}

// ContactHit is one search result.
type ContactHit struct {
	crm.Contact
	Match SearchMatch
}

// searchTerm is one way a query can match: a condition on contacts c for
// list filters, and a LIMIT'ed index range scan for SearchContacts.
type searchTerm struct {
	match SearchMatch
	where string // condition on contacts c
	from  string // FROM clause of the scan ("contacts c" unless a join drives it)
	cond  string // condition of the scan
	order string // the indexed order of the scan
}

// searchTerms splits a query into index range scans. Names and readings are
// also tried with a space at each of their first positions, so that
// 山田太郎 and ヤマダタロウ find 山田 太郎 (ヤマダ タロウ).
func searchTerms(d dialect, a *sqlArgs, q string) []searchTerm {
	var out []searchTerm
	words := strings.Fields(norm.NFC.String(q))
	if len(words) == 0 {
		return nil
	}
	scan := func(m SearchMatch, col, p string) {
		c := prefixRange(a, col, p)
		out = append(out, searchTerm{match: m, where: c, from: "contacts c", cond: c, order: col})
	}

	// Names: name_key is lower(family + " " + given).
	name := strings.ToLower(strings.Join(words, " "))
	for _, p := range spaceVariants(name, words, 6) {
		scan(MatchName, "c.name_key", p)
	}
	if len(words) == 1 {
		scan(MatchName, d.lowerASCII("c.given_name"), asciiLower(words[0]))
	}

	// Readings, when the query is written in kana.
	reading := crm.NormalizeReading(q)
	if isKana(reading) {
		for _, p := range spaceVariants(reading, strings.Fields(reading), 8) {
			scan(MatchReading, "c.reading_key", p)
		}
	}

	// E-mail addresses, full-width input folded.
	if email := crm.NormalizeEmail(q); len(words) == 1 && !hasJapanese(email) {
		scan(MatchEmail, "c.email", email)
	}

	// Phone numbers: the digits, when the query is a number.
	if digits := crm.PhoneKey(q); len(digits) >= 4 && isPhoneLike(q) {
		scan(MatchPhone, "c.phone_key", digits)
	}

	// Companies by their duplicate key (legal form dropped) or reading.
	companyScan := func(col, p string) {
		c := prefixRange(a, col, p)
		out = append(out, searchTerm{match: MatchCompany,
			where: "c.company_id IN (SELECT co.id FROM companies co WHERE " + c + ")",
			from:  "companies co JOIN contacts c ON c.company_id = co.id", cond: c, order: col})
	}
	if _, _, key := crm.CompanyKey(q); key != "" {
		companyScan("co.name_key", key)
	}
	if isKana(reading) {
		companyScan("co.reading", reading)
	}

	// Tags, by exact name.
	tag := strings.TrimSpace(q)
	tagID := "(SELECT t.id FROM tags t WHERE t.name = " + a.add(tag) + ")"
	out = append(out, searchTerm{match: MatchTag,
		where: "c.id IN (SELECT ct.contact_id FROM contact_tags ct WHERE ct.tag_id = " + tagID + ")",
		from:  "contact_tags ct JOIN contacts c ON c.id = ct.contact_id", cond: "ct.tag_id = " + tagID,
		order: "ct.contact_id DESC"})
	return out
}

// spaceVariants returns s, and for a two-word s the words swapped (Taro
// Yamada → yamada taro), and for one word in Japanese script s with a space
// after each of its first max-1 characters.
func spaceVariants(s string, words []string, max int) []string {
	out := []string{s}
	switch {
	case len(words) == 2:
		out = append(out, words[1]+" "+words[0])
	case len(words) == 1 && hasJapanese(s):
		r := []rune(s)
		for i := 1; i < len(r) && i < max; i++ {
			out = append(out, string(r[:i])+" "+string(r[i:]))
		}
	}
	return out
}

func hasJapanese(s string) bool {
	for _, r := range s {
		if unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana) {
			return true
		}
	}
	return false
}

// isKana reports whether a normalised reading is katakana (with ー, ・ and
// spaces), the only script reading_key holds.
func isKana(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if !unicode.Is(unicode.Katakana, r) && r != 'ー' && r != ' ' && r != '・' {
			return false
		}
	}
	return true
}

func isPhoneLike(q string) bool {
	for _, r := range norm.NFKC.String(q) {
		if !unicode.IsDigit(r) && !strings.ContainsRune(" +-().ー−", r) {
			return false
		}
	}
	return true
}

// SearchContacts finds up to limit contacts (1 to MaxContactPage; 0 = 20)
// that the viewer may see by name, reading, e-mail, phone, company or tag
// (see SearchMatch). Each way of matching is one LIMIT'ed index range scan;
// the scans run as one UNION ALL query. A contact matched several ways is
// listed once, under its most relevant match; hits are ordered by match,
// then by reading (contacts without one last).
func (s *Store) SearchContacts(ctx context.Context, q string, viewer crm.Viewer, mode crm.Visibility, limit int) ([]ContactHit, error) {
	q = strings.TrimSpace(q)
	if limit == 0 {
		limit = 20
	}
	switch {
	case limit < 1 || limit > MaxContactPage:
		return nil, crm.Invalid("limit", fmt.Sprintf("must be a whole number from 1 to %d", MaxContactPage))
	case utf8.RuneCountInString(q) > 200:
		return nil, crm.Invalid("q", "is too long (200 characters at most)")
	case q == "":
		return nil, nil
	}
	query, args, err := searchSQL(s.d, q, viewer, mode, limit)
	if err != nil {
		return nil, err
	}
	rows, err := s.r().QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	type hit struct {
		rank    int
		id      int64
		reading string
	}
	best := map[int64]hit{}
	for rows.Next() {
		var h hit
		if err := rows.Scan(&h.rank, &h.id, &h.reading); err != nil {
			rows.Close()
			return nil, err
		}
		if b, ok := best[h.id]; !ok || h.rank < b.rank {
			best[h.id] = h
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	hits := make([]hit, 0, len(best))
	for _, h := range best {
		hits = append(hits, h)
	}
	sort.Slice(hits, func(i, j int) bool {
		x, y := hits[i], hits[j]
		switch {
		case x.rank != y.rank:
			return x.rank < y.rank
		case (x.reading == "") != (y.reading == ""):
			return y.reading == ""
		case x.reading != y.reading:
			return x.reading < y.reading
		}
		return x.id < y.id
	})
	if len(hits) > limit {
		hits = hits[:limit]
	}
	ids := make([]int64, len(hits))
	for i, h := range hits {
		ids[i] = h.id
	}
	byID, err := s.contactsByID(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := make([]ContactHit, 0, len(hits))
	for _, h := range hits {
		if c, ok := byID[h.id]; ok {
			out = append(out, ContactHit{Contact: c, Match: searchMatches()[h.rank]})
		}
	}
	return out, nil
}

// searchSQL is the UNION ALL of one LIMIT'ed index scan per search term,
// each returning (rank, id, reading_key).
func searchSQL(d dialect, q string, viewer crm.Viewer, mode crm.Visibility, limit int) (string, []any, error) {
	if err := checkVisibility(mode); err != nil {
		return "", nil, err
	}
	a := &sqlArgs{}
	vis := visibilityCond(a, viewer, mode)
	if vis != "" {
		vis = " AND " + vis
	}
	terms := searchTerms(d, a, q)
	parts := make([]string, len(terms))
	for i, t := range terms {
		parts[i] = fmt.Sprintf("SELECT k, id, rk FROM (SELECT %d AS k, c.id AS id, c.reading_key AS rk FROM %s WHERE %s%s ORDER BY %s LIMIT %d) AS s%d",
			matchRank(t.match), t.from, t.cond, vis, t.order, limit, i)
	}
	return strings.Join(parts, " UNION ALL "), a.vals, nil
}

// ExplainContactSearch returns the database's plan for SearchContacts.
func (s *Store) ExplainContactSearch(ctx context.Context, q string, viewer crm.Viewer, mode crm.Visibility, limit int) (string, error) {
	query, args, err := searchSQL(s.d, strings.TrimSpace(q), viewer, mode, limit)
	if err != nil {
		return "", err
	}
	return s.explain(ctx, query, args)
}

func matchRank(m SearchMatch) int {
	for i, x := range searchMatches() {
		if x == m {
			return i
		}
	}
	return len(searchMatches())
}

// contactsByID loads contacts with company names and tags in two queries.
func (s *Store) contactsByID(ctx context.Context, ids []int64) (map[int64]crm.Contact, error) {
	out := make(map[int64]crm.Contact, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	a := &sqlArgs{}
	rows, err := s.r().QueryContext(ctx, "SELECT "+contactCols+contactFrom+" WHERE "+anyOf(a, "c.id", ids), a.vals...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		c, err := scanContact(rows)
		if err != nil {
			return nil, err
		}
		out[c.ID] = c
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	tags, err := s.tagsOf(ctx, s.r(), ids)
	if err != nil {
		return nil, err
	}
	for id, c := range out {
		c.Tags = tags[id]
		out[id] = c
	}
	return out, nil
}
