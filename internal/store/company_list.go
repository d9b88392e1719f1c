package store

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"renkei/internal/crm"
)

// CompanyQuery selects a page of companies in id order. Zero fields do not
// filter.
type CompanyQuery struct {
	// Viewer and Visibility apply DESIGN.md §8 as for contacts.
	Viewer     crm.Viewer
	Visibility crm.Visibility

	// Name matches companies whose name starts with it, the legal form
	// ignored on both sides (株式会社サンプル, サンプル Co., Ltd. and ㈱サンプル
	// all match "サンプル"), or whose reading starts with it.
	Name    string
	OwnerID int64
	TeamID  int64

	AfterID int64 // the last id of the previous page; 0 = first page
	Limit   int   // 1 to MaxContactPage; 0 = 50
}

// CompanyPage is one page of companies, with the number of matches
// counted as ListContacts counts them.
type CompanyPage struct {
	Companies []crm.Company
	More      bool // there are companies after this page
	Total     int
	// TotalExact is false when there are more than ExactTotalUpTo
	// matches; Total is then ExactTotalUpTo.
	TotalExact bool
}

// ListCompanies returns a page of companies by id (keyset).
func (s *Store) ListCompanies(ctx context.Context, q CompanyQuery) (CompanyPage, error) {
	var page CompanyPage
	limit := q.Limit
	if limit == 0 {
		limit = 50
	}
	if limit < 1 || limit > MaxContactPage {
		return page, crm.Invalid("limit", fmt.Sprintf("must be a whole number from 1 to %d", MaxContactPage))
	}
	if err := checkVisibility(q.Visibility); err != nil {
		return page, err
	}
	a := &sqlArgs{}
	var where []string
	if vis := visibilityCond(a, q.Viewer, q.Visibility); vis != "" {
		where = append(where, vis)
	}
	if q.Name != "" {
		_, _, key := crm.CompanyKey(q.Name)
		reading := crm.NormalizeReading(q.Name)
		var or []string
		if key != "" {
			or = append(or, "("+prefixRange(a, "c.name_key", key)+")")
		}
		if reading != "" {
			or = append(or, "("+prefixRange(a, "c.reading", reading)+")")
		}
		if len(or) == 0 {
			return page, crm.Invalid("q", "give part of a company name")
		}
		where = append(where, "("+strings.Join(or, " OR ")+")")
	}
	if q.OwnerID != 0 {
		where = append(where, "c.owner_id = "+a.add(q.OwnerID))
	}
	if q.TeamID != 0 {
		where = append(where, "c.team_id = "+a.add(q.TeamID))
	}

	var n int
	err := s.r().QueryRowContext(ctx, "SELECT COUNT(*) FROM (SELECT 1 FROM companies c"+whereSQL(where)+
		" LIMIT "+strconv.Itoa(ExactTotalUpTo+1)+") AS m", a.vals...).Scan(&n)
	if err != nil {
		return page, err
	}
	page.Total, page.TotalExact = min(n, ExactTotalUpTo), n <= ExactTotalUpTo

	if q.AfterID > 0 {
		where = append(where, "c.id > "+a.add(q.AfterID))
	}
	rows, err := s.r().QueryContext(ctx, "SELECT "+companyCols+" FROM companies c"+whereSQL(where)+
		" ORDER BY c.id LIMIT "+strconv.Itoa(limit+1), a.vals...)
	if err != nil {
		return page, err
	}
	defer rows.Close()
	for rows.Next() {
		co, err := scanCompany(rows)
		if err != nil {
			return page, err
		}
		page.Companies = append(page.Companies, co)
	}
	if err := rows.Err(); err != nil {
		return page, err
	}
	if len(page.Companies) > limit {
		page.Companies, page.More = page.Companies[:limit], true
	}
	return page, nil
}
