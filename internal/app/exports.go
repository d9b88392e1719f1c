package app

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"renkei/internal/crm"
	"renkei/internal/csvio"
	"renkei/internal/store"
)

// CSV exports. The headers are csvio's field labels in the user's
// language, which DetectMapping recognises, so an exported file imports
// again without a manual mapping; custom properties follow under their
// labels, then read-only columns (record id, source, dates) that an import
// leaves unmapped. Rows are read page by page (keyset) and written as they
// come, so memory stays flat however many rows there are; every cell goes
// through csvio's formula neutralisation.

// contactExportFields are the importable contact fields an export writes,
// in order (csvio field keys).
var contactExportFields = []string{"email", "family_name", "given_name", "family_reading", "given_reading", "honorific",
	"phone", "job_title", "department", "lifecycle_stage", "lead_status", "consent", "owner", "tags", "company_name",
	"company_reading", "company_domain", "industry", "employees", "postal_code", "prefecture", "city", "street", "country"}

// companyExportFields are the importable company fields an export writes.
var companyExportFields = []string{"name", "reading", "domain", "phone", "industry", "employees", "postal_code",
	"prefecture", "city", "street", "country", "owner"}

// exportHeader returns the labels of fields, then of the custom
// properties, then of the read-only columns.
func exportHeader(object string, fields []string, props []crm.Property, lang crm.Language) []string {
	labels := map[string]csvio.Field{}
	for _, f := range csvio.Fields(object) {
		labels[f.Key] = f
	}
	label := func(f csvio.Field) string {
		if lang == crm.LangJA && f.LabelJA != "" {
			return f.LabelJA
		}
		if f.LabelEN != "" {
			return f.LabelEN
		}
		return f.Key
	}
	out := make([]string, 0, len(fields)+len(props)+4)
	for _, k := range fields {
		f, ok := labels[k]
		if !ok {
			f = csvio.Field{Key: k}
		}
		out = append(out, label(f))
	}
	for _, p := range props {
		out = append(out, label(csvio.Field{Key: p.Key, LabelEN: p.LabelEN, LabelJA: p.LabelJA}))
	}
	var extra []string
	switch {
	case lang == crm.LangJA && object == csvio.ObjectContact:
		extra = []string{"レコードID", "流入元", "作成日時", "更新日時"}
	case lang == crm.LangJA:
		extra = []string{"レコードID", "作成日時", "更新日時"}
	case object == csvio.ObjectContact:
		extra = []string{"Record ID", "Original Source", "Create Date", "Last Modified Date"}
	default:
		extra = []string{"Record ID", "Create Date", "Last Modified Date"}
	}
	return append(out, extra...)
}

// propCell writes a custom property value as an import reads it back.
func propCell(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(x)
	case []any:
		parts := make([]string, len(x))
		for i, p := range x {
			parts[i] = fmt.Sprint(p)
		}
		return strings.Join(parts, "; ")
	case []string:
		return strings.Join(x, "; ")
	}
	return fmt.Sprint(v)
}

func exportEncoding(s string) (csvio.Encoding, error) {
	enc, err := csvio.ParseEncoding(s)
	if err != nil {
		return "", crm.Invalid("encoding", "choose utf-8 or shift_jis")
	}
	if enc == csvio.EncodingAuto {
		enc = csvio.EncodingUTF8
	}
	return enc, nil
}

// exportEnv is what both exports need: owners' e-mail addresses, the
// workspace's zone for dates, the properties and the user's language.
type exportEnv struct {
	owners map[int64]string
	loc    *time.Location
	props  []crm.Property
	lang   crm.Language
}

func (a *App) exportEnv(ctx context.Context, ac Actor, object string) (exportEnv, error) {
	env := exportEnv{owners: map[int64]string{}, lang: ac.User.Language}
	ws, _, err := a.Workspace(ctx)
	if err != nil {
		return env, err
	}
	env.loc = ws.Location()
	if env.props, err = a.Store.Properties(ctx, object); err != nil {
		return env, err
	}
	for after := int64(0); ; {
		us, err := a.Store.ListUsers(ctx, store.UserFilter{AfterID: after, Limit: 500})
		if err != nil {
			return env, err
		}
		for _, u := range us {
			env.owners[u.ID], after = u.Email, u.ID
		}
		if len(us) < 500 {
			return env, nil
		}
	}
}

func (env exportEnv) date(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(env.loc).Format("2006-01-02 15:04:05")
}

func itoaNonZero(n int) string {
	if n == 0 {
		return ""
	}
	return strconv.Itoa(n)
}

// ExportContacts writes every contact that matches q and that the actor
// may see as CSV to w: UTF-8 with a byte-order mark (encoding "" or
// "utf-8") or Shift_JIS ("shift_jis"). q's sort is kept; its cursor,
// limit and total are ignored. The export is audited.
func (a *App) ExportContacts(ctx context.Context, ac Actor, q store.ContactQuery, encoding string, w io.Writer) error {
	if err := ac.require(crm.PermReadAll); err != nil {
		return err
	}
	enc, err := exportEncoding(encoding)
	if err != nil {
		return err
	}
	env, err := a.exportEnv(ctx, ac, "contact")
	if err != nil {
		return err
	}
	cw := csvio.NewWriter(w, enc)
	if err := cw.Write(exportHeader(csvio.ObjectContact, contactExportFields, env.props, env.lang)); err != nil {
		return err
	}
	q.Cursor, q.Limit, q.NoTotal = "", store.MaxContactPage, true
	n := 0
	rec := make([]string, 0, len(contactExportFields)+len(env.props)+4)
	for {
		page, err := a.ListContacts(ctx, ac, q)
		if err != nil {
			return err
		}
		var ids []int64
		for _, c := range page.Contacts {
			if c.CompanyID != 0 {
				ids = append(ids, c.CompanyID)
			}
		}
		companies, err := a.Store.CompaniesByIDs(ctx, ids)
		if err != nil {
			return err
		}
		for _, c := range page.Contacts {
			co := companies[c.CompanyID]
			rec = append(rec[:0], c.Email, c.Family, c.Given, c.FamilyReading, c.GivenReading, c.Honorific, c.Phone,
				c.JobTitle, c.Department, string(c.Lifecycle), string(c.LeadStatus), string(c.Consent), env.owners[c.OwnerID],
				strings.Join(c.Tags, "; "), co.Name, co.Reading, co.Domain, co.Industry, itoaNonZero(co.Employees),
				co.PostalCode, co.Prefecture, co.City, co.Street, co.Country)
			for _, p := range env.props {
				rec = append(rec, propCell(c.Props[p.Key]))
			}
			rec = append(rec, strconv.FormatInt(c.ID, 10), string(c.OriginalSource), env.date(c.CreatedAt), env.date(c.UpdatedAt))
			if err := cw.Write(rec); err != nil {
				return err
			}
			n++
		}
		if page.Next == "" {
			break
		}
		q.Cursor = page.Next
	}
	if err := cw.Flush(); err != nil {
		return err
	}
	return a.Store.Audit(ctx, a.audit(ac, "contacts.export", fmt.Sprintf("%d contacts", n), string(enc)))
}

// ExportCompanies writes every company the actor may see as CSV to w, as
// ExportContacts does.
func (a *App) ExportCompanies(ctx context.Context, ac Actor, encoding string, w io.Writer) error {
	if err := ac.require(crm.PermReadAll); err != nil {
		return err
	}
	enc, err := exportEncoding(encoding)
	if err != nil {
		return err
	}
	env, err := a.exportEnv(ctx, ac, "company")
	if err != nil {
		return err
	}
	cw := csvio.NewWriter(w, enc)
	if err := cw.Write(exportHeader(csvio.ObjectCompany, companyExportFields, env.props, env.lang)); err != nil {
		return err
	}
	q := store.CompanyQuery{Limit: store.MaxContactPage}
	n := 0
	rec := make([]string, 0, len(companyExportFields)+len(env.props)+3)
	for {
		page, err := a.ListCompanies(ctx, ac, q)
		if err != nil {
			return err
		}
		for _, co := range page.Companies {
			rec = append(rec[:0], co.Name, co.Reading, co.Domain, co.Phone, co.Industry, itoaNonZero(co.Employees),
				co.PostalCode, co.Prefecture, co.City, co.Street, co.Country, env.owners[co.OwnerID])
			for _, p := range env.props {
				rec = append(rec, propCell(co.Props[p.Key]))
			}
			rec = append(rec, strconv.FormatInt(co.ID, 10), env.date(co.CreatedAt), env.date(co.UpdatedAt))
			if err := cw.Write(rec); err != nil {
				return err
			}
			n++
		}
		if !page.More || len(page.Companies) == 0 {
			break
		}
		q.AfterID = page.Companies[len(page.Companies)-1].ID
	}
	if err := cw.Flush(); err != nil {
		return err
	}
	return a.Store.Audit(ctx, a.audit(ac, "companies.export", fmt.Sprintf("%d companies", n), string(enc)))
}
