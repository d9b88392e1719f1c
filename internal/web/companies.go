package web

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"renkei/internal/app"
	"renkei/internal/crm"
	"renkei/internal/i18n"
	"renkei/internal/store"
)

// companiesPageSize is how many companies one page of the list shows.
const companiesPageSize = 50

// companiesData is the content of the company list.
type companiesData struct {
	Page     store.CompanyPage
	Dir      *directory
	Query    string
	NextURL  string
	PrevURL  string
	Filtered bool
	CanWrite bool
}

// companyListQuery keeps the selecting parameters of the company list.
func companyListQuery(v url.Values) string {
	out := url.Values{}
	for _, k := range []string{"q", "owner"} {
		if x := strings.TrimSpace(v.Get(k)); x != "" {
			out.Set(k, x)
		}
	}
	return out.Encode()
}

func (s *server) companiesPage(w http.ResponseWriter, r *http.Request, rq *req) error {
	ctx := r.Context()
	v := r.URL.Query()
	p := s.newPage(w, r, rq, "companies.title")
	p.Section = "companies"
	d := &companiesData{Query: companyListQuery(v), CanWrite: rq.actor.Can(crm.PermWriteContacts)}
	p.Data = d
	p.Form = newForm()
	p.Form.Set("q", v.Get("q"))
	p.Form.Set("owner", v.Get("owner"))
	d.Filtered = d.Query != ""
	var err error
	if d.Dir, err = s.loadDirectory(ctx, rq); err != nil {
		return err
	}
	q := store.CompanyQuery{Name: strings.TrimSpace(v.Get("q")), Limit: companiesPageSize}
	q.AfterID, _ = strconv.ParseInt(v.Get("after"), 10, 64)
	switch o := v.Get("owner"); o {
	case "", "none":
	case "me":
		q.OwnerID = rq.actor.User.ID
	default:
		q.OwnerID, _ = strconv.ParseInt(o, 10, 64)
	}
	d.Page, err = s.app.ListCompanies(ctx, rq.actor, q)
	if err != nil {
		if _, ok := crm.AsValidation(err); ok {
			d.Page = store.CompanyPage{}
			return again(err, "companies", p)
		}
		return err
	}
	var hist []string
	if h := v.Get("hist"); h != "" {
		hist = strings.Split(h, ",")
	}
	if len(hist) > maxHist {
		hist = hist[len(hist)-maxHist:]
	}
	page := func(after string, hist []string) string {
		u, _ := url.ParseQuery(d.Query)
		if after != "" && after != "0" {
			u.Set("after", after)
		}
		if len(hist) > 0 {
			u.Set("hist", strings.Join(hist, ","))
		}
		if len(u) == 0 {
			return "/companies"
		}
		return "/companies?" + u.Encode()
	}
	if d.Page.More && len(d.Page.Companies) > 0 {
		cur := strconv.FormatInt(q.AfterID, 10)
		next := strconv.FormatInt(d.Page.Companies[len(d.Page.Companies)-1].ID, 10)
		d.NextURL = page(next, append(slices.Clone(hist), cur))
	}
	if q.AfterID > 0 {
		prev := ""
		var rest []string
		if len(hist) > 0 {
			prev, rest = hist[len(hist)-1], hist[:len(hist)-1]
		}
		d.PrevURL = page(prev, rest)
	}
	s.render(w, r, rq, http.StatusOK, "companies", p)
	return nil
}

// companySuggest answers the company field of the contact form with the
// names of matching companies (an htmx request filling a datalist).
func (s *server) companySuggest(w http.ResponseWriter, r *http.Request, rq *req) error {
	name := strings.TrimSpace(r.URL.Query().Get("company"))
	if name == "" {
		name = strings.TrimSpace(r.URL.Query().Get("q"))
	}
	p := s.newPage(nil, r, rq, "")
	var names []string
	if name != "" {
		page, err := s.app.ListCompanies(r.Context(), rq.actor, store.CompanyQuery{Name: name, Limit: 10})
		if err != nil {
			if _, ok := crm.AsValidation(err); !ok {
				return err
			}
		}
		for _, co := range page.Companies {
			names = append(names, co.Name)
		}
	}
	p.Data = names
	s.renderTemplate(w, rq, http.StatusOK, "companies", "company_options", p)
	return nil
}

// ---- detail ----

// companyData is the content of a company's page.
type companyData struct {
	Co       crm.Company
	Dir      *directory
	Props    []propRow
	Contacts store.ContactPage
	Timeline timelineView
	CanWrite bool
	// Contracts of the company (contracts area).
	Contracts []crm.Contract
}

func (s *server) companyFromPath(r *http.Request, rq *req) (crm.Company, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return crm.Company{}, err
	}
	return s.app.Company(r.Context(), rq.actor, id)
}

func (s *server) companyPage(w http.ResponseWriter, r *http.Request, rq *req) error {
	ctx := r.Context()
	co, err := s.companyFromPath(r, rq)
	if err != nil {
		return err
	}
	p := s.newPage(w, r, rq, "")
	p.Title = co.Name
	p.Pretitle = co.Reading
	p.Section = "companies"
	d := &companyData{Co: co, CanWrite: rq.actor.Can(crm.PermWriteContacts)}
	p.Data = d
	if d.Dir, err = s.loadDirectory(ctx, rq); err != nil {
		return err
	}
	defs, err := s.app.Properties(ctx, rq.actor, "company")
	if err != nil {
		return err
	}
	d.Props = propRows(rq.lang, defs, co.Props)
	if d.Contacts, err = s.contactsOfCompany(ctx, rq, co.ID); err != nil {
		return err
	}
	contactDefs, err := s.app.Properties(ctx, rq.actor, "contact")
	if err != nil {
		return err
	}
	if d.Timeline, err = s.timelineView(ctx, rq, store.TimelineFilter{CompanyID: co.ID}, r.URL.Query(),
		append(defs, contactDefs...), d.Dir); err != nil {
		return err
	}
	names := map[int64]string{}
	for _, c := range d.Contacts.Contacts {
		names[c.ID] = displayName(rq.lang, c)
	}
	for i := range d.Timeline.Items {
		d.Timeline.Items[i].ContactName = names[d.Timeline.Items[i].ContactID]
	}
	d.Contracts = s.contractsOf(ctx, rq, store.ContractQuery{CompanyID: co.ID}) // contracts
	s.render(w, r, rq, http.StatusOK, "company", p)
	return nil
}

// ---- create and edit ----

// companyFormData is the content of the company form.
type companyFormData struct {
	Co     crm.Company
	Edit   bool
	Dir    *directory
	Props  []propInput
	Action string
	// Same is the existing company whose name looks the same as the one
	// being created; the form then offers "create anyway".
	Same *crm.Company
}

func companyForm(co crm.Company, defs []crm.Property) *form {
	f := newForm()
	f.Version = co.Version
	for k, v := range map[string]string{"name": co.Name, "reading": co.Reading, "domain": co.Domain,
		"industry": co.Industry, "postal_code": co.PostalCode, "prefecture": co.Prefecture, "city": co.City,
		"street": co.Street, "country": co.Country, "phone": co.Phone} {
		f.Set(k, v)
	}
	if co.Employees != 0 {
		f.Set("employees", strconv.Itoa(co.Employees))
	}
	if co.OwnerID != 0 {
		f.Set("owner_id", strconv.FormatInt(co.OwnerID, 10))
	}
	if co.TeamID != 0 {
		f.Set("team_id", strconv.FormatInt(co.TeamID, 10))
	}
	setPropValues(f, defs, co.Props)
	return f
}

// companyInput reads a submitted company form; a number of employees that
// is not a number is a message on its field.
func companyInput(f *form, defs []crm.Property) (app.CompanyInput, error) {
	co := crm.Company{Name: f.Get("name"), Reading: f.Get("reading"), Domain: f.Get("domain"),
		Industry: f.Get("industry"), PostalCode: f.Get("postal_code"), Prefecture: f.Get("prefecture"),
		City: f.Get("city"), Street: f.Get("street"), Country: f.Get("country"), Phone: f.Get("phone")}
	co.OwnerID, _ = strconv.ParseInt(f.Get("owner_id"), 10, 64)
	co.TeamID, _ = strconv.ParseInt(f.Get("team_id"), 10, 64)
	in := app.CompanyInput{Company: co, Props: propsFromForm(f, defs)}
	if e := strings.TrimSpace(strings.ReplaceAll(f.Get("employees"), ",", "")); e != "" {
		n, err := strconv.Atoi(e)
		if err != nil {
			return in, crm.Invalid("employees", "must be a number of people")
		}
		in.Company.Employees = n
	}
	return in, nil
}

func (s *server) companyFormPage(w http.ResponseWriter, r *http.Request, rq *req, co crm.Company) (*page, *companyFormData, []crm.Property, error) {
	ctx := r.Context()
	title := "companies.new"
	if co.ID != 0 {
		title = "companies.edit"
	}
	p := s.newPage(w, r, rq, title)
	p.Section = "companies"
	defs, err := s.app.Properties(ctx, rq.actor, "company")
	if err != nil {
		return nil, nil, nil, err
	}
	dir, err := s.loadDirectory(ctx, rq)
	if err != nil {
		return nil, nil, nil, err
	}
	d := &companyFormData{Co: co, Edit: co.ID != 0, Dir: dir, Action: "/companies"}
	if co.ID != 0 {
		d.Action = fmt.Sprintf("/companies/%d", co.ID)
	}
	p.Data = d
	return p, d, defs, nil
}

func (s *server) companyNew(w http.ResponseWriter, r *http.Request, rq *req) error {
	p, d, defs, err := s.companyFormPage(w, r, rq, crm.Company{})
	if err != nil {
		return err
	}
	p.Form = companyForm(crm.Company{OwnerID: rq.actor.User.ID}, defs)
	d.Props = propInputs(rq.lang, p.Form, defs)
	s.render(w, r, rq, http.StatusOK, "company_form", p)
	return nil
}

// sameCompanyRe finds the id in CreateCompany's message about a company
// whose name looks the same.
var sameCompanyRe = regexp.MustCompile(`^looks like .*\(id (\d+)\)$`)

func (s *server) companyCreate(w http.ResponseWriter, r *http.Request, rq *req) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	p, d, defs, err := s.companyFormPage(w, r, rq, crm.Company{})
	if err != nil {
		return err
	}
	p.Form = submitted(r)
	d.Props = propInputs(rq.lang, p.Form, defs)
	in, err := companyInput(p.Form, defs)
	if err != nil {
		return again(err, "company_form", p)
	}
	co, err := s.app.CreateCompany(r.Context(), rq.actor, in, p.Form.Get("force") == "1")
	if err != nil {
		if v, ok := crm.AsValidation(err); ok {
			if m := sameCompanyRe.FindStringSubmatch(v.Fields["name"]); m != nil {
				id, _ := strconv.ParseInt(m[1], 10, 64)
				if same, serr := s.app.Company(r.Context(), rq.actor, id); serr == nil {
					d.Same = &same
					out := &crm.ValidationError{}
					for f, msg := range v.Fields {
						if f == "name" {
							msg = "a company with a name like this exists already"
						}
						out.Add(f, msg)
					}
					err = out.Err()
				}
			}
		}
		d.Props = propInputs(rq.lang, withErrors(p.Form, err, rq.lang), defs)
		return again(err, "company_form", p)
	}
	return s.redirect(w, r, rq, fmt.Sprintf("/companies/%d", co.ID), "flash.company_created")
}

func (s *server) companyEdit(w http.ResponseWriter, r *http.Request, rq *req) error {
	co, err := s.companyFromPath(r, rq)
	if err != nil {
		return err
	}
	p, d, defs, err := s.companyFormPage(w, r, rq, co)
	if err != nil {
		return err
	}
	p.Form = companyForm(co, defs)
	d.Props = propInputs(rq.lang, p.Form, defs)
	s.render(w, r, rq, http.StatusOK, "company_form", p)
	return nil
}

func (s *server) companyUpdate(w http.ResponseWriter, r *http.Request, rq *req) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	co, err := s.companyFromPath(r, rq)
	if err != nil {
		return err
	}
	p, d, defs, err := s.companyFormPage(w, r, rq, co)
	if err != nil {
		return err
	}
	p.Form = submitted(r)
	d.Props = propInputs(rq.lang, p.Form, defs)
	in, err := companyInput(p.Form, defs)
	if err == nil {
		_, err = s.app.UpdateCompany(r.Context(), rq.actor, co.ID, p.Form.Version, in)
	}
	if err != nil {
		d.Props = propInputs(rq.lang, withErrors(p.Form, err, rq.lang), defs)
		return again(err, "company_form", p)
	}
	return s.redirect(w, r, rq, fmt.Sprintf("/companies/%d", co.ID), "flash.saved")
}

func (s *server) companyDelete(w http.ResponseWriter, r *http.Request, rq *req) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.app.DeleteCompany(r.Context(), rq.actor, id); err != nil {
		return err
	}
	return s.redirect(w, r, rq, "/companies", "flash.company_deleted")
}

// ---- merge ----

// companyMergeData is the content of the company merge screen.
type companyMergeData struct {
	Co      crm.Company
	Other   crm.Company
	Keep    crm.Company
	Drop    crm.Company
	Swapped bool
	Rows    []mergeRow
	Search  string
	Hits    []crm.Company
}

func (s *server) companyMergeData(w http.ResponseWriter, r *http.Request, rq *req, v url.Values) (*page, *companyMergeData, error) {
	ctx := r.Context()
	co, err := s.companyFromPath(r, rq)
	if err != nil {
		return nil, nil, err
	}
	p := s.newPage(w, r, rq, "merge.company_title")
	p.Section = "companies"
	d := &companyMergeData{Co: co, Search: strings.TrimSpace(v.Get("q"))}
	p.Data = d
	p.Form = newForm()
	p.Form.Set("q", d.Search)
	if otherID, _ := strconv.ParseInt(v.Get("with"), 10, 64); otherID > 0 {
		if otherID == co.ID {
			return nil, nil, crm.ErrNotFound
		}
		if d.Other, err = s.app.Company(ctx, rq.actor, otherID); err != nil {
			return nil, nil, err
		}
		d.Swapped = v.Get("keep") == "other"
		d.Keep, d.Drop = co, d.Other
		if d.Swapped {
			d.Keep, d.Drop = d.Other, co
		}
		dir, err := s.loadDirectory(ctx, rq)
		if err != nil {
			return nil, nil, err
		}
		d.Rows = companyMergeRows(rq.lang, d.Keep, d.Drop, dir)
		return p, d, nil
	}
	name := d.Search
	if name == "" {
		// Companies whose names look the same come first.
		base, _, _ := crm.CompanyKey(co.Name)
		name = base
	}
	if name != "" {
		page, err := s.app.ListCompanies(ctx, rq.actor, store.CompanyQuery{Name: name, Limit: 20})
		if err != nil {
			if _, ok := crm.AsValidation(err); ok && d.Search != "" {
				return p, d, again(err, "company_merge", p)
			}
		}
		for _, h := range page.Companies {
			if h.ID != co.ID {
				d.Hits = append(d.Hits, h)
			}
		}
	}
	return p, d, nil
}

// companyMergeRows compares two companies; the kept one's values win and
// its empty fields are filled from the other, as MergeCompanies does.
func companyMergeRows(lang crm.Language, keep, drop crm.Company, dir *directory) []mergeRow {
	var rows []mergeRow
	add := func(label, k, dr string) {
		out := k
		if out == "" {
			out = dr
		}
		rows = append(rows, mergeRow{Label: label, Keep: k, Drop: dr, Kept: out, Differ: k != dr, FromDrop: k == "" && dr != ""})
	}
	t := func(key string) string { return i18n.T(lang, key) }
	add(t("field.company_name"), keep.Name, drop.Name)
	add(t("field.reading"), keep.Reading, drop.Reading)
	add(t("field.domain"), keep.Domain, drop.Domain)
	add(t("field.industry"), keep.Industry, drop.Industry)
	num := func(n int) string {
		if n == 0 {
			return ""
		}
		return i18n.Number(int64(n))
	}
	add(t("field.employees"), num(keep.Employees), num(drop.Employees))
	add(t("field.postal_code"), keep.PostalCode, drop.PostalCode)
	add(t("field.prefecture"), keep.Prefecture, drop.Prefecture)
	add(t("field.city"), keep.City, drop.City)
	add(t("field.street"), keep.Street, drop.Street)
	add(t("field.phone"), keep.Phone, drop.Phone)
	add(t("field.owner_id"), dir.UserName(keep.OwnerID), dir.UserName(drop.OwnerID))
	add(t("field.team_id"), dir.TeamName(keep.TeamID), dir.TeamName(drop.TeamID))
	return rows
}

func (s *server) companyMergePage(w http.ResponseWriter, r *http.Request, rq *req) error {
	p, _, err := s.companyMergeData(w, r, rq, r.URL.Query())
	if err != nil {
		return err
	}
	s.render(w, r, rq, http.StatusOK, "company_merge", p)
	return nil
}

func (s *server) companyMerge(w http.ResponseWriter, r *http.Request, rq *req) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	keepID, _ := strconv.ParseInt(r.PostFormValue("keep_id"), 10, 64)
	dropID, _ := strconv.ParseInt(r.PostFormValue("drop_id"), 10, 64)
	if keepID <= 0 || dropID <= 0 || (keepID != id && dropID != id) {
		return crm.Invalid("merge_id", "choose two different companies")
	}
	kept, err := s.app.MergeCompanies(r.Context(), rq.actor, keepID, dropID)
	if err != nil {
		return err
	}
	return s.redirect(w, r, rq, fmt.Sprintf("/companies/%d", kept.ID), "flash.merged")
}

// companiesExport downloads every company the user may see as CSV.
func (s *server) companiesExport(w http.ResponseWriter, r *http.Request, rq *req) error {
	enc := exportEncoding(r.URL.Query().Get("enc"))
	dw := &download{w: w, enc: enc, name: "companies"}
	if err := s.app.ExportCompanies(r.Context(), rq.actor, string(enc), dw); err != nil {
		if !dw.started {
			return err
		}
		s.log.Error("web: company export failed midway", "err", err)
	}
	return nil
}
