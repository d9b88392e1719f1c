package web

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"renkei/internal/app"
	"renkei/internal/crm"
	"renkei/internal/csvio"
	"renkei/internal/i18n"
	"renkei/internal/store"
)

// contactsPageSize is how many contacts one page of the list shows.
const contactsPageSize = 50

// maxPropFilters is how many custom property conditions the list form
// offers at once.
const maxPropFilters = 5

// listParams are the query parameters of the contact list that select and
// order contacts (the paging parameters cursor and hist are not among
// them): a saved view keeps these.
var listParams = []string{"q", "company", "segment", "stage", "lead", "owner", "tag", "source", "consent", "pk", "po", "pv", "sort"}

// listQuery returns the selecting parameters of v as a query string, in a
// stable order.
func listQuery(v url.Values) string {
	out := url.Values{}
	for _, k := range listParams {
		for _, x := range v[k] {
			out.Add(k, x)
		}
	}
	// Conditions come in triplets; drop empty ones.
	keys, ops, vals := out["pk"], out["po"], out["pv"]
	out.Del("pk")
	out.Del("po")
	out.Del("pv")
	for i, k := range keys {
		if k == "" {
			continue
		}
		out.Add("pk", k)
		out.Add("po", at(ops, i))
		out.Add("pv", at(vals, i))
	}
	for _, k := range listParams {
		if vs := out[k]; len(vs) == 1 && vs[0] == "" {
			out.Del(k)
		}
	}
	return out.Encode()
}

func at(list []string, i int) string {
	if i < len(list) {
		return list[i]
	}
	return ""
}

// contactQuery turns the list's query parameters into a store query.
// Unknown values are passed on, so the store names them in its messages.
func contactQuery(v url.Values, ac app.Actor) store.ContactQuery {
	q := store.ContactQuery{Text: strings.TrimSpace(v.Get("q")), Sort: store.ContactSort(v.Get("sort")),
		Cursor: v.Get("cursor"), Limit: contactsPageSize}
	if id, err := strconv.ParseInt(v.Get("company"), 10, 64); err == nil && id > 0 {
		q.CompanyID = id
	}
	if s := v.Get("segment"); s != "" {
		if q.SegmentID, _ = strconv.ParseInt(s, 10, 64); q.SegmentID <= 0 {
			q.SegmentID = -1 // the app reports it
		}
	}
	for _, s := range v["stage"] {
		if s != "" {
			q.Stages = append(q.Stages, crm.Lifecycle(s))
		}
	}
	for _, s := range v["lead"] {
		switch s {
		case "":
		case "none":
			q.LeadStatuses = append(q.LeadStatuses, "")
		default:
			q.LeadStatuses = append(q.LeadStatuses, crm.LeadStatus(s))
		}
	}
	for _, s := range v["owner"] {
		switch s {
		case "":
		case "me":
			q.OwnerIDs = append(q.OwnerIDs, ac.User.ID)
		case "none":
			q.OwnerIDs = append(q.OwnerIDs, 0)
		default:
			id, err := strconv.ParseInt(s, 10, 64)
			if err != nil || id <= 0 {
				id = -1 // the store reports it
			}
			q.OwnerIDs = append(q.OwnerIDs, id)
		}
	}
	for _, s := range v["tag"] {
		q.TagsAll = append(q.TagsAll, splitTags(s)...)
	}
	for _, s := range v["source"] {
		if s != "" {
			q.Sources = append(q.Sources, crm.Source(s))
		}
	}
	for _, s := range v["consent"] {
		if s != "" {
			q.Consents = append(q.Consents, crm.Consent(s))
		}
	}
	keys, ops, vals := v["pk"], v["po"], v["pv"]
	for i, k := range keys {
		if k == "" {
			continue
		}
		pc := store.PropCondition{Key: k, Op: store.PropOp(at(ops, i)), Value: strings.TrimSpace(at(vals, i))}
		if pc.Op == store.OpIn {
			pc.Values = splitTags(pc.Value)
		}
		q.Props = append(q.Props, pc)
	}
	return q
}

// propFilter is one custom property condition row of the filter form.
type propFilter struct {
	Index              int
	Key, Op, Value     string
	Error              string
	KeyID, OpID, ValID string
}

// contactsData is the content of the contact list.
type contactsData struct {
	Page       store.ContactPage
	Dir        *directory
	Props      []crm.Property
	PropRows   []propFilter
	Ops        []opOption
	Views      []viewLink
	ViewID     int64
	ViewName   string
	ViewOwn    bool // the active view is the user's own (they may delete it)
	ExportUTF8 string
	ExportSJIS string
	OwnerOpts  []option
	SegOpts    []option // segments and lists for the "in segment" filter
	Query      string   // the selecting parameters, for views, export and paging
	Back       string   // this page, to come back to after a bulk action
	NextURL    string
	PrevURL    string
	Filtered   bool // a filter or search is applied
	Advanced   bool // filters other than the search box are applied
	Sorts      []option
	Company    *crm.Company // the list is limited to this company's contacts
	Failed     bool         // the filters are invalid; the list is empty
	BulkFailed bool
	CanWrite   bool
}

// viewLink is a saved view in the views menu.
type viewLink struct {
	ID     int64
	Name   string
	URL    string
	Shared bool
	Active bool
}

// opOption is an operator of a custom property condition with the types
// it applies to (app.js hides the others).
type opOption struct {
	Value, Label, Types string
}

// propOps lists the operators of custom property conditions.
func propOps(lang crm.Language) []opOption {
	all := "text number date choice multi_choice bool url"
	return []opOption{
		{"eq", i18n.T(lang, "contacts.op.eq"), "text number date choice bool url"},
		{"ne", i18n.T(lang, "contacts.op.ne"), "text number date choice bool url"},
		{"contains", i18n.T(lang, "contacts.op.contains"), "text url multi_choice"},
		{"gt", i18n.T(lang, "contacts.op.gt"), "number date"},
		{"lt", i18n.T(lang, "contacts.op.lt"), "number date"},
		{"gte", i18n.T(lang, "contacts.op.gte"), "number date"},
		{"lte", i18n.T(lang, "contacts.op.lte"), "number date"},
		{"in", i18n.T(lang, "contacts.op.in"), "text choice multi_choice"},
		{"is_set", i18n.T(lang, "contacts.op.is_set"), all},
		{"not_set", i18n.T(lang, "contacts.op.not_set"), all},
	}
}

// sortOptions lists the orders of the contact list for a language:
// Japanese lists offer 五十音 by reading, English ones the name.
func sortOptions(lang crm.Language) []option {
	opts := []option{{"created_desc", i18n.T(lang, "contacts.sort.created_desc")},
		{"updated_desc", i18n.T(lang, "contacts.sort.updated_desc")}}
	if lang == crm.LangJA {
		opts = append(opts, option{"reading", i18n.T(lang, "contacts.sort.reading")}, option{"name", i18n.T(lang, "contacts.sort.name")})
	} else {
		opts = append(opts, option{"name", i18n.T(lang, "contacts.sort.name")}, option{"reading", i18n.T(lang, "contacts.sort.reading")})
	}
	return append(opts, option{"created_asc", i18n.T(lang, "contacts.sort.created_asc")},
		option{"email", i18n.T(lang, "contacts.sort.email")})
}

// pagingURL is the list URL for a page: cursor, and hist, the cursors of
// the pages before it ("0" for the first page), so "previous" works with
// keyset paging.
func pagingURL(base, query, cursor string, hist []string) string {
	v, _ := url.ParseQuery(query)
	if cursor != "" {
		v.Set("cursor", cursor)
	}
	if len(hist) > 0 {
		v.Set("hist", strings.Join(hist, ","))
	}
	if len(v) == 0 {
		return base
	}
	return base + "?" + v.Encode()
}

// maxHist bounds how many pages back "previous" remembers.
const maxHist = 100

// contactsListPage builds the contact list for the query parameters v.
func (s *server) contactsListPage(w http.ResponseWriter, r *http.Request, rq *req, v url.Values) (*page, *contactsData, error) {
	ctx := r.Context()
	p := s.newPage(w, r, rq, "contacts.title")
	p.Section = "contacts"
	d := &contactsData{Sorts: sortOptions(rq.lang), Ops: propOps(rq.lang), CanWrite: rq.actor.Can(crm.PermWriteContacts)}
	p.Data = d
	var err error
	if d.Dir, err = s.loadDirectory(ctx, rq); err != nil {
		return nil, nil, err
	}
	if d.Props, err = s.app.Properties(ctx, rq.actor, "contact"); err != nil {
		return nil, nil, err
	}
	views, err := s.app.SavedViews(ctx, rq.actor, "contact")
	if err != nil {
		return nil, nil, err
	}
	d.Query = listQuery(v)
	d.Back = "/contacts"
	if d.Query != "" {
		d.Back += "?" + d.Query
	}
	active, _ := strconv.ParseInt(v.Get("view"), 10, 64)
	for _, sv := range views {
		link := viewLink{ID: sv.ID, Name: sv.Name, Shared: sv.Shared, Active: sv.ID == active,
			URL: "/contacts?view=" + strconv.FormatInt(sv.ID, 10)}
		if sv.Query != "" {
			link.URL += "&" + sv.Query
		}
		if link.Active {
			d.ViewID, d.ViewName = sv.ID, sv.Name
			d.ViewOwn = sv.UserID == rq.actor.User.ID || rq.actor.Can(crm.PermSettings)
		}
		d.Views = append(d.Views, link)
	}
	for _, enc := range []string{"utf-8", "shift_jis"} {
		u := "/contacts/export?enc=" + enc
		if d.Query != "" {
			u += "&" + d.Query
		}
		if enc == "utf-8" {
			d.ExportUTF8 = u
		} else {
			d.ExportSJIS = u
		}
	}
	d.OwnerOpts = append([]option{{"", i18n.T(rq.lang, "contacts.filter.any")}, {"me", i18n.T(rq.lang, "contacts.filter.me")},
		{"none", i18n.T(rq.lang, "contacts.filter.no_owner")}}, d.Dir.ownerOptions(rq.lang, "contacts.filter.any")[1:]...)

	segs, err := s.app.Segments(ctx, rq.actor)
	if err != nil {
		return nil, nil, err
	}
	d.SegOpts = []option{{"", i18n.T(rq.lang, "contacts.filter.any")}}
	for _, g := range segs {
		d.SegOpts = append(d.SegOpts, option{strconv.FormatInt(g.ID, 10), g.Name})
	}

	// The filter form shows the parameters as given.
	f := newForm()
	for _, k := range listParams {
		if vs := v[k]; len(vs) > 0 {
			f.Values[k] = vs
		}
	}
	if f.Get("sort") == "" {
		f.Set("sort", string(store.SortCreatedDesc))
	}
	p.Form = f
	sel, _ := url.ParseQuery(d.Query)
	d.Filtered = len(sel) > 0 && !(len(sel) == 1 && sel.Has("sort"))
	for _, k := range []string{"segment", "stage", "lead", "owner", "tag", "source", "consent", "pk"} {
		d.Advanced = d.Advanced || sel.Has(k)
	}
	keys, ops, vals := v["pk"], v["po"], v["pv"]
	for i, k := range keys {
		if k != "" && len(d.PropRows) < maxPropFilters {
			d.PropRows = append(d.PropRows, propFilter{Key: k, Op: at(ops, i), Value: at(vals, i)})
		}
	}
	if len(d.PropRows) < maxPropFilters {
		d.PropRows = append(d.PropRows, propFilter{Op: "eq"})
	}
	for i := range d.PropRows {
		pr := &d.PropRows[i]
		pr.Index = i
		pr.KeyID, pr.OpID, pr.ValID = fmt.Sprintf("f-pk-%d", i), fmt.Sprintf("f-po-%d", i), fmt.Sprintf("f-pv-%d", i)
	}

	q := contactQuery(v, rq.actor)
	if q.CompanyID != 0 {
		co, err := s.app.Company(ctx, rq.actor, q.CompanyID)
		if err != nil {
			return nil, nil, err
		}
		d.Company = &co
	}
	d.Page, err = s.app.ListContacts(ctx, rq.actor, q)
	if err != nil {
		if ve, ok := crm.AsValidation(err); ok {
			d.Failed, d.Page = true, store.ContactPage{}
			for field, msg := range ve.Fields {
				if k, ok := strings.CutPrefix(field, "props."); ok {
					for i := range d.PropRows {
						if d.PropRows[i].Key == k && d.PropRows[i].Error == "" {
							d.PropRows[i].Error = i18n.Error(rq.lang, msg)
						}
					}
				}
			}
			return p, d, again(renameFields(err, map[string]string{"lifecycle_stage": "stage", "lead_status": "lead",
				"owner_id": "owner", "original_source": "source", "tags": "tag"}), "contacts", p)
		}
		return nil, nil, err
	}

	var hist []string
	if h := v.Get("hist"); h != "" {
		hist = strings.Split(h, ",")
	}
	if len(hist) > maxHist {
		hist = hist[len(hist)-maxHist:]
	}
	if d.Page.Next != "" {
		cur := v.Get("cursor")
		if cur == "" {
			cur = "0"
		}
		d.NextURL = pagingURL("/contacts", d.Query, d.Page.Next, append(slices.Clone(hist), cur))
	}
	if v.Get("cursor") != "" {
		prev := ""
		var rest []string
		if len(hist) > 0 {
			prev, rest = hist[len(hist)-1], hist[:len(hist)-1]
		}
		if prev == "0" {
			prev = ""
		}
		d.PrevURL = pagingURL("/contacts", d.Query, prev, rest)
	}
	return p, d, nil
}

func (s *server) contactsPage(w http.ResponseWriter, r *http.Request, rq *req) error {
	p, _, err := s.contactsListPage(w, r, rq, r.URL.Query())
	if err != nil {
		return err
	}
	s.render(w, r, rq, http.StatusOK, "contacts", p)
	return nil
}

// contactsBulk applies a bulk action to the selected contacts and goes
// back to the list.
func (s *server) contactsBulk(w http.ResponseWriter, r *http.Request, rq *req) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	back := localPath(r.PostFormValue("back"), "/contacts")
	if !strings.HasPrefix(back, "/contacts") {
		back = "/contacts"
	}
	var ids []int64
	for _, s := range r.PostForm["ids"] {
		if id, err := strconv.ParseInt(s, 10, 64); err == nil && id > 0 {
			ids = append(ids, id)
		}
	}
	act := app.BulkAction{Op: r.PostFormValue("op"), Tag: r.PostFormValue("tag"), Stage: crm.Lifecycle(r.PostFormValue("stage"))}
	act.OwnerID, _ = strconv.ParseInt(r.PostFormValue("owner_id"), 10, 64)
	if _, err := s.app.BulkUpdateContacts(r.Context(), rq.actor, ids, act); err != nil {
		if _, ok := crm.AsValidation(err); !ok {
			return err
		}
		u, _ := url.Parse(back)
		p, d, lerr := s.contactsListPage(w, r, rq, u.Query())
		if lerr != nil {
			return lerr
		}
		d.BulkFailed = true
		p.Form.Set("op", act.Op)
		p.Form.Set("tag", act.Tag)
		return again(err, "contacts", p)
	}
	flash := "flash.bulk_done"
	if act.Op == app.BulkDelete {
		flash = "flash.bulk_deleted"
	}
	return s.redirect(w, r, rq, back, flash)
}

// contactsExport downloads the contacts of the list's filters as CSV.
func (s *server) contactsExport(w http.ResponseWriter, r *http.Request, rq *req) error {
	v := r.URL.Query()
	q := contactQuery(v, rq.actor)
	q.Cursor, q.Limit = "", 0
	enc := exportEncoding(v.Get("enc"))
	// Validate the filters before any byte is written.
	check := q
	check.Limit, check.NoTotal = 1, true
	if _, err := s.app.ListContacts(r.Context(), rq.actor, check); err != nil {
		return err
	}
	dw := &download{w: w, enc: enc, name: "contacts"}
	if err := s.app.ExportContacts(r.Context(), rq.actor, q, string(enc), dw); err != nil {
		if !dw.started {
			return err
		}
		s.log.Error("web: contact export failed midway", "err", err)
	}
	return nil
}

// download sets the headers of a CSV download when the first byte is
// written, so that an error before that can still be shown as a page.
type download struct {
	w       http.ResponseWriter
	enc     csvio.Encoding
	name    string
	started bool
}

func (d *download) Write(p []byte) (int, error) {
	if !d.started {
		d.started = true
		setDownload(d.w, d.enc, d.name)
	}
	return d.w.Write(p)
}

// exportEncoding reads the encoding choice of an export (UTF-8 unless
// Shift_JIS is asked for).
func exportEncoding(s string) csvio.Encoding {
	if e, err := csvio.ParseEncoding(s); err == nil && e == csvio.EncodingShiftJIS {
		return e
	}
	return csvio.EncodingUTF8
}

// setDownload sets the headers of a CSV download named name-DATE.csv.
func setDownload(w http.ResponseWriter, enc csvio.Encoding, name string) {
	charset := "utf-8"
	if enc == csvio.EncodingShiftJIS {
		charset = "Shift_JIS"
	}
	h := w.Header()
	h.Set("Content-Type", "text/csv; charset="+charset)
	h.Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s-%s.csv"`, name, time.Now().UTC().Format("20060102-150405")))
	h.Set("Cache-Control", "no-store")
}

// ---- saved views ----

func (s *server) viewSave(w http.ResponseWriter, r *http.Request, rq *req) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	query := r.PostFormValue("query")
	parsed, err := url.ParseQuery(query)
	if err != nil {
		return crm.Invalid("view_query", "is not a list query")
	}
	query = listQuery(parsed)
	v, err := s.app.SaveView(r.Context(), rq.actor, "contact", r.PostFormValue("view_name"), query, r.PostFormValue("shared") == "on")
	if err != nil {
		if _, ok := crm.AsValidation(err); !ok {
			return err
		}
		p, _, lerr := s.contactsListPage(w, r, rq, parsed)
		if lerr != nil {
			return lerr
		}
		p.Form.Set("view_name", r.PostFormValue("view_name"))
		return again(err, "contacts", p)
	}
	to := "/contacts?view=" + strconv.FormatInt(v.ID, 10)
	if query != "" {
		to += "&" + query
	}
	return s.redirect(w, r, rq, to, "flash.view_saved")
}

func (s *server) viewDelete(w http.ResponseWriter, r *http.Request, rq *req) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.app.DeleteSavedView(r.Context(), rq.actor, id); err != nil {
		return err
	}
	return s.redirect(w, r, rq, "/contacts", "flash.view_deleted")
}

// ---- create and edit ----

// contactFormData is the content of the contact form.
type contactFormData struct {
	Contact crm.Contact // the stored contact when editing
	Edit    bool
	Dir     *directory
	Props   []propInput
	Action  string
}

// contactForm fills a form with a contact.
func contactForm(c crm.Contact, defs []crm.Property) *form {
	f := newForm()
	f.Version = c.Version
	for k, v := range map[string]string{"email": c.Email, "family_name": c.Family, "given_name": c.Given,
		"family_reading": c.FamilyReading, "given_reading": c.GivenReading, "honorific": c.Honorific,
		"phone": c.Phone, "job_title": c.JobTitle, "department": c.Department, "company": c.CompanyName,
		"lifecycle_stage": string(c.Lifecycle), "lead_status": string(c.LeadStatus), "consent": string(c.Consent),
		"original_source": string(c.OriginalSource), "tags": strings.Join(c.Tags, ", ")} {
		f.Set(k, v)
	}
	if c.OwnerID != 0 {
		f.Set("owner_id", strconv.FormatInt(c.OwnerID, 10))
	}
	if c.TeamID != 0 {
		f.Set("team_id", strconv.FormatInt(c.TeamID, 10))
	}
	setPropValues(f, defs, c.Props)
	return f
}

// contactInput reads a submitted contact form. old is the stored contact
// when editing (zero when creating).
func contactInput(f *form, defs []crm.Property, old crm.Contact) app.ContactInput {
	c := crm.Contact{
		PersonName: crm.PersonName{Family: f.Get("family_name"), Given: f.Get("given_name"),
			FamilyReading: f.Get("family_reading"), GivenReading: f.Get("given_reading")},
		Email: f.Get("email"), Honorific: strings.TrimSpace(f.Get("honorific")), Phone: f.Get("phone"),
		JobTitle: f.Get("job_title"), Department: f.Get("department"),
		Lifecycle: crm.Lifecycle(f.Get("lifecycle_stage")), LeadStatus: crm.LeadStatus(f.Get("lead_status")),
		Tags: splitTags(f.Get("tags")),
	}
	c.OwnerID, _ = strconv.ParseInt(f.Get("owner_id"), 10, 64)
	c.TeamID, _ = strconv.ParseInt(f.Get("team_id"), 10, 64)
	in := app.ContactInput{Contact: c, Props: propsFromForm(f, defs)}
	if old.ID == 0 {
		in.Contact.Consent = crm.Consent(f.Get("consent"))
		in.Contact.OriginalSource = crm.Source(f.Get("original_source"))
	} else {
		// Consent changes go through the consent form, with its wording;
		// the source is where the contact first came from.
		in.Contact.Consent = old.Consent
		in.Contact.OriginalSource, in.Contact.SourceDetail = old.OriginalSource, old.SourceDetail
	}
	name := strings.TrimSpace(f.Get("company"))
	if old.CompanyID != 0 && name == old.CompanyName {
		in.Contact.CompanyID = old.CompanyID
	} else {
		in.CompanyName = name
	}
	return in
}

// contactFormFields maps the domain's field names to the form's.
var contactFormFields = map[string]string{"company_id": "company"}

func (s *server) contactFormPage(w http.ResponseWriter, r *http.Request, rq *req, c crm.Contact) (*page, *contactFormData, []crm.Property, error) {
	ctx := r.Context()
	title := "contacts.new"
	if c.ID != 0 {
		title = "contacts.edit"
	}
	p := s.newPage(w, r, rq, title)
	p.Section = "contacts"
	defs, err := s.app.Properties(ctx, rq.actor, "contact")
	if err != nil {
		return nil, nil, nil, err
	}
	dir, err := s.loadDirectory(ctx, rq)
	if err != nil {
		return nil, nil, nil, err
	}
	d := &contactFormData{Contact: c, Edit: c.ID != 0, Dir: dir, Action: "/contacts"}
	if c.ID != 0 {
		d.Action = fmt.Sprintf("/contacts/%d", c.ID)
	}
	p.Data = d
	return p, d, defs, nil
}

func (s *server) contactNew(w http.ResponseWriter, r *http.Request, rq *req) error {
	p, d, defs, err := s.contactFormPage(w, r, rq, crm.Contact{})
	if err != nil {
		return err
	}
	c := crm.Contact{Honorific: "様", Lifecycle: crm.StageLead, Consent: crm.ConsentUnknown,
		OriginalSource: crm.SourceManual, OwnerID: rq.actor.User.ID}
	c.CompanyName = strings.TrimSpace(r.URL.Query().Get("company"))
	p.Form = contactForm(c, defs)
	d.Props = propInputs(rq.lang, p.Form, defs)
	s.render(w, r, rq, http.StatusOK, "contact_form", p)
	return nil
}

func (s *server) contactCreate(w http.ResponseWriter, r *http.Request, rq *req) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	p, d, defs, err := s.contactFormPage(w, r, rq, crm.Contact{})
	if err != nil {
		return err
	}
	p.Form = submitted(r)
	d.Props = propInputs(rq.lang, p.Form, defs)
	c, err := s.app.CreateContact(r.Context(), rq.actor, contactInput(p.Form, defs, crm.Contact{}))
	if err != nil {
		err = renameFields(err, contactFormFields)
		d.Props = propInputs(rq.lang, withErrors(p.Form, err, rq.lang), defs)
		return again(err, "contact_form", p)
	}
	return s.redirect(w, r, rq, fmt.Sprintf("/contacts/%d", c.ID), "flash.contact_created")
}

// withErrors puts the field messages of err into f ahead of fail, so that
// controls built before rendering (custom properties) show them.
func withErrors(f *form, err error, lang crm.Language) *form {
	if v, ok := crm.AsValidation(err); ok {
		for field, msg := range v.Fields {
			if field != "" {
				f.setError(field, i18n.Error(lang, msg))
			}
		}
	}
	return f
}

func (s *server) contactEdit(w http.ResponseWriter, r *http.Request, rq *req) error {
	c, err := s.contactFromPath(r, rq)
	if err != nil {
		return err
	}
	p, d, defs, err := s.contactFormPage(w, r, rq, c)
	if err != nil {
		return err
	}
	p.Form = contactForm(c, defs)
	d.Props = propInputs(rq.lang, p.Form, defs)
	s.render(w, r, rq, http.StatusOK, "contact_form", p)
	return nil
}

func (s *server) contactUpdate(w http.ResponseWriter, r *http.Request, rq *req) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	c, err := s.contactFromPath(r, rq)
	if err != nil {
		return err
	}
	p, d, defs, err := s.contactFormPage(w, r, rq, c)
	if err != nil {
		return err
	}
	p.Form = submitted(r)
	d.Props = propInputs(rq.lang, p.Form, defs)
	if _, err := s.app.UpdateContact(r.Context(), rq.actor, c.ID, p.Form.Version, contactInput(p.Form, defs, c)); err != nil {
		err = renameFields(err, contactFormFields)
		d.Props = propInputs(rq.lang, withErrors(p.Form, err, rq.lang), defs)
		return again(err, "contact_form", p)
	}
	return s.redirect(w, r, rq, fmt.Sprintf("/contacts/%d", c.ID), "flash.saved")
}

func (s *server) contactFromPath(r *http.Request, rq *req) (crm.Contact, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return crm.Contact{}, err
	}
	return s.app.Contact(r.Context(), rq.actor, id)
}

func (s *server) contactDelete(w http.ResponseWriter, r *http.Request, rq *req) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.app.DeleteContact(r.Context(), rq.actor, id); err != nil {
		return err
	}
	return s.redirect(w, r, rq, "/contacts", "flash.contact_deleted")
}

// ---- detail ----

// contactData is the content of a contact's page.
type contactData struct {
	C          crm.Contact
	Dir        *directory
	Props      []propRow
	Consent    []store.ConsentEvent
	Timeline   timelineView
	Duplicates []store.DuplicateMatch
	CanWrite   bool
	CanErase   bool
	// EraseWord is what must be typed to confirm an erasure.
	EraseWord string
	// Posted names the form that was sent back with messages: "consent"
	// or "erase".
	Posted string
}

func (s *server) contactPageData(w http.ResponseWriter, r *http.Request, rq *req) (*page, *contactData, error) {
	ctx := r.Context()
	c, err := s.contactFromPath(r, rq)
	if err != nil {
		return nil, nil, err
	}
	p := s.newPage(w, r, rq, "")
	p.Title = displayName(rq.lang, c)
	p.Pretitle = c.PersonName.Reading()
	p.Section = "contacts"
	d := &contactData{C: c, CanWrite: rq.actor.Can(crm.PermWriteContacts), CanErase: rq.actor.Can(crm.PermSettings)}
	d.EraseWord = c.Email
	if d.EraseWord == "" {
		d.EraseWord = c.Name(rq.lang)
	}
	p.Data = d
	if d.Dir, err = s.loadDirectory(ctx, rq); err != nil {
		return nil, nil, err
	}
	defs, err := s.app.Properties(ctx, rq.actor, "contact")
	if err != nil {
		return nil, nil, err
	}
	d.Props = propRows(rq.lang, defs, c.Props)
	if d.Consent, err = s.app.ConsentHistory(ctx, rq.actor, c.ID); err != nil {
		return nil, nil, err
	}
	if d.Timeline, err = s.timelineView(ctx, rq, store.TimelineFilter{ContactID: c.ID}, r.URL.Query(), defs, d.Dir); err != nil {
		return nil, nil, err
	}
	if d.Duplicates, err = s.app.DuplicatesOf(ctx, rq.actor, c.ID); err != nil {
		return nil, nil, err
	}
	f := newForm()
	f.Set("consent", string(c.Consent))
	p.Form = f
	return p, d, nil
}

func (s *server) contactPage(w http.ResponseWriter, r *http.Request, rq *req) error {
	p, _, err := s.contactPageData(w, r, rq)
	if err != nil {
		return err
	}
	s.render(w, r, rq, http.StatusOK, "contact", p)
	return nil
}

// contactConsent records a consent change with what the person agreed to.
func (s *server) contactConsent(w http.ResponseWriter, r *http.Request, rq *req) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	p, d, err := s.contactPageData(w, r, rq)
	if err != nil {
		return err
	}
	p.Form = submitted(r)
	d.Posted = "consent"
	err = s.app.SetConsent(r.Context(), rq.actor, d.C.ID, crm.Consent(p.Form.Get("consent")), "manual",
		strings.TrimSpace(p.Form.Get("wording")))
	if err != nil {
		return again(err, "contact", p)
	}
	return s.redirect(w, r, rq, fmt.Sprintf("/contacts/%d", d.C.ID), "flash.consent_saved")
}

// contactErase erases a person after the admin typed their e-mail address
// (or name) to confirm.
func (s *server) contactErase(w http.ResponseWriter, r *http.Request, rq *req) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	p, d, err := s.contactPageData(w, r, rq)
	if err != nil {
		return err
	}
	p.Form = submitted(r)
	d.Posted = "erase"
	if strings.TrimSpace(p.Form.Get("confirm")) != d.EraseWord {
		return again(crm.Invalid("confirm", "type it exactly as shown to confirm"), "contact", p)
	}
	if err := s.app.ErasePerson(r.Context(), rq.actor, d.C.ID); err != nil {
		return again(err, "contact", p)
	}
	return s.redirect(w, r, rq, "/contacts", "flash.person_erased")
}

// contactExportPerson downloads everything held about a person, as JSON
// (format=json) or CSV.
func (s *server) contactExportPerson(w http.ResponseWriter, r *http.Request, rq *req) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	data, err := s.app.ExportPerson(r.Context(), rq.actor, id)
	if err != nil {
		return err
	}
	name := fmt.Sprintf("person-%d", id)
	if r.URL.Query().Get("format") == "json" {
		h := w.Header()
		h.Set("Content-Type", "application/json; charset=utf-8")
		h.Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s.json"`, name))
		h.Set("Cache-Control", "no-store")
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(data)
	}
	setDownload(w, csvio.EncodingUTF8, name)
	cw := csvio.NewWriter(w, csvio.EncodingUTF8)
	writePersonCSV(cw, data)
	return cw.Flush()
}

// writePersonCSV writes a person export as rows of section, field and
// values.
func writePersonCSV(cw *csvio.Writer, d app.PersonData) {
	c := d.Contact
	cw.Write([]string{"section", "field", "value", "detail"})
	add := func(field, value string) { cw.Write([]string{"contact", field, value, ""}) }
	add("id", strconv.FormatInt(c.ID, 10))
	add("email", c.Email)
	add("family_name", c.Family)
	add("given_name", c.Given)
	add("family_reading", c.FamilyReading)
	add("given_reading", c.GivenReading)
	add("honorific", c.Honorific)
	add("phone", c.Phone)
	add("job_title", c.JobTitle)
	add("department", c.Department)
	add("company", c.CompanyName)
	add("lifecycle_stage", string(c.Lifecycle))
	add("lead_status", string(c.LeadStatus))
	add("original_source", string(c.OriginalSource))
	add("consent", string(c.Consent))
	add("tags", strings.Join(c.Tags, ";"))
	add("created_at", c.CreatedAt.Format(time.RFC3339))
	add("updated_at", c.UpdatedAt.Format(time.RFC3339))
	keys := make([]string, 0, len(c.Props))
	for k := range c.Props {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		b, _ := json.Marshal(c.Props[k])
		add("props."+k, strings.Trim(string(b), `"`))
	}
	for _, e := range d.Consent {
		cw.Write([]string{"consent", e.At.Format(time.RFC3339), string(e.Status), e.Source + " " + e.Wording})
	}
	for _, e := range d.Timeline {
		b, _ := json.Marshal(e.Data)
		cw.Write([]string{"timeline", e.At.Format(time.RFC3339), e.Kind, string(b)})
	}
	// Web tracking: visitor ids and their events.
	for _, v := range d.Visits {
		cw.Write([]string{"visit", v.FirstSeen.Format(time.RFC3339), v.VisitorID,
			strings.Join([]string{v.FirstPath, v.FirstReferrer, v.FirstUTMSource, v.FirstUTMMedium, v.FirstUTMCampaign}, " ")})
	}
	for _, e := range d.Events {
		cw.Write([]string{"event", e.At.Format(time.RFC3339), e.Kind, strings.TrimSpace(e.Name + " " + e.Host + e.Path + " " + e.UTMSource)})
	}
}

// ---- merge ----

// mergeData is the content of the merge screen.
type mergeData struct {
	C       crm.Contact // the contact the screen was opened from
	Other   crm.Contact // the one chosen to merge with (zero while searching)
	Keep    crm.Contact
	Drop    crm.Contact
	Result  crm.Contact
	Swapped bool
	Rows    []mergeRow
	Search  string
	Hits    []crm.Contact
	Dir     *directory
}

// mergeRow is one field of the side-by-side comparison.
type mergeRow struct {
	Label            string
	Keep, Drop, Kept string
	// FromDrop is set when the result takes the dropped record's value.
	FromDrop bool
	Differ   bool
}

func (s *server) contactMergeData(w http.ResponseWriter, r *http.Request, rq *req, v url.Values) (*page, *mergeData, error) {
	ctx := r.Context()
	c, err := s.contactFromPath(r, rq)
	if err != nil {
		return nil, nil, err
	}
	p := s.newPage(w, r, rq, "merge.title")
	p.Section = "contacts"
	d := &mergeData{C: c, Search: strings.TrimSpace(v.Get("q"))}
	p.Data = d
	if d.Dir, err = s.loadDirectory(ctx, rq); err != nil {
		return nil, nil, err
	}
	p.Form = newForm()
	p.Form.Set("q", d.Search)
	if otherID, _ := strconv.ParseInt(v.Get("with"), 10, 64); otherID > 0 {
		if otherID == c.ID {
			return nil, nil, crm.ErrNotFound
		}
		if d.Other, err = s.app.Contact(ctx, rq.actor, otherID); err != nil {
			return nil, nil, err
		}
		d.Swapped = v.Get("keep") == "other"
		d.Keep, d.Drop = c, d.Other
		if d.Swapped {
			d.Keep, d.Drop = d.Other, c
		}
		d.Result = app.MergePreview(d.Keep, d.Drop)
		defs, err := s.app.Properties(ctx, rq.actor, "contact")
		if err != nil {
			return nil, nil, err
		}
		d.Rows = mergeRows(rq.lang, d.Keep, d.Drop, d.Result, defs, d.Dir)
		return p, d, nil
	}
	if d.Search != "" {
		page, err := s.app.ListContacts(ctx, rq.actor, store.ContactQuery{Text: d.Search, Limit: 20, NoTotal: true})
		if err != nil {
			if _, ok := crm.AsValidation(err); ok {
				return p, d, again(err, "contact_merge", p)
			}
			return nil, nil, err
		}
		for _, h := range page.Contacts {
			if h.ID != c.ID {
				d.Hits = append(d.Hits, h)
			}
		}
	} else {
		// Offer the likely duplicates first.
		dups, err := s.app.DuplicatesOf(ctx, rq.actor, c.ID)
		if err != nil {
			return nil, nil, err
		}
		for _, m := range dups {
			d.Hits = append(d.Hits, m.Contact)
		}
	}
	return p, d, nil
}

// mergeRows compares two contacts field by field with the merged result.
func mergeRows(lang crm.Language, keep, drop, res crm.Contact, defs []crm.Property, dir *directory) []mergeRow {
	var rows []mergeRow
	add := func(labelKey, k, dr, out string) {
		row := mergeRow{Label: labelKey, Keep: k, Drop: dr, Kept: out}
		row.Differ = k != dr
		row.FromDrop = out != k && out == dr
		rows = append(rows, row)
	}
	t := func(key string) string { return i18n.T(lang, key) }
	add(t("field.email"), keep.Email, drop.Email, res.Email)
	add(t("field.family_name"), keep.Family, drop.Family, res.Family)
	add(t("field.given_name"), keep.Given, drop.Given, res.Given)
	add(t("field.family_reading"), keep.FamilyReading, drop.FamilyReading, res.FamilyReading)
	add(t("field.given_reading"), keep.GivenReading, drop.GivenReading, res.GivenReading)
	add(t("field.company"), keep.CompanyName, drop.CompanyName, res.CompanyName)
	add(t("field.job_title"), keep.JobTitle, drop.JobTitle, res.JobTitle)
	add(t("field.department"), keep.Department, drop.Department, res.Department)
	add(t("field.phone"), keep.Phone, drop.Phone, res.Phone)
	add(t("field.owner_id"), dir.UserName(keep.OwnerID), dir.UserName(drop.OwnerID), dir.UserName(res.OwnerID))
	add(t("field.team_id"), dir.TeamName(keep.TeamID), dir.TeamName(drop.TeamID), dir.TeamName(res.TeamID))
	stage := func(l crm.Lifecycle) string { return choiceLabel(lang, "lifecycle.", string(l)) }
	add(t("field.lifecycle_stage"), stage(keep.Lifecycle), stage(drop.Lifecycle), stage(res.Lifecycle))
	add(t("field.consent"), consentLabel(lang, string(keep.Consent)), consentLabel(lang, string(drop.Consent)), consentLabel(lang, string(res.Consent)))
	src := func(s crm.Source) string { return choiceLabel(lang, "source.", string(s)) }
	add(t("field.original_source"), src(keep.OriginalSource), src(drop.OriginalSource), src(res.OriginalSource))
	sep := listSep(lang)
	add(t("field.tags"), strings.Join(keep.Tags, sep), strings.Join(drop.Tags, sep), strings.Join(res.Tags, sep))
	for _, p := range defs {
		k, dr, out := propText(lang, p, keep.Props[p.Key]), propText(lang, p, drop.Props[p.Key]), propText(lang, p, res.Props[p.Key])
		if k == "" && dr == "" {
			continue
		}
		add(p.Label(lang), k, dr, out)
	}
	add(t("field.created_at"), i18n.Date(lang, keep.CreatedAt), i18n.Date(lang, drop.CreatedAt), i18n.Date(lang, res.CreatedAt))
	return rows
}

func (s *server) contactMergePage(w http.ResponseWriter, r *http.Request, rq *req) error {
	p, _, err := s.contactMergeData(w, r, rq, r.URL.Query())
	if err != nil {
		return err
	}
	s.render(w, r, rq, http.StatusOK, "contact_merge", p)
	return nil
}

// contactMerge merges the two contacts of the merge screen: keep_id stays,
// drop_id goes. One of them is the contact in the path.
func (s *server) contactMerge(w http.ResponseWriter, r *http.Request, rq *req) error {
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
		return crm.Invalid("merge_id", "choose two different contacts")
	}
	kept, err := s.app.MergeContacts(r.Context(), rq.actor, keepID, dropID)
	if err != nil {
		if errors.Is(err, crm.ErrStale) {
			return err
		}
		if _, ok := crm.AsValidation(err); ok {
			other := dropID
			if other == id {
				other = keepID
			}
			p, _, lerr := s.contactMergeData(w, r, rq, url.Values{"with": {strconv.FormatInt(other, 10)}})
			if lerr != nil {
				return lerr
			}
			return again(err, "contact_merge", p)
		}
		return err
	}
	return s.redirect(w, r, rq, fmt.Sprintf("/contacts/%d", kept.ID), "flash.merged")
}

// contactsOfCompany lists the first contacts of a company.
func (s *server) contactsOfCompany(ctx context.Context, rq *req, companyID int64) (store.ContactPage, error) {
	return s.app.ListContacts(ctx, rq.actor, store.ContactQuery{CompanyID: companyID, Sort: store.SortReading, Limit: 100})
}
