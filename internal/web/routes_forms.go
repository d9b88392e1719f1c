package web

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"renkei/internal/crm"
	"renkei/internal/i18n"
	"renkei/internal/store"
)

// formsRoutes are the UI routes of lead-capture forms. Reading is open to
// every role; building forms is marketing's work.
func (s *server) formsRoutes() []route {
	return []route{
		{"GET", "/marketing/forms", crm.PermReadAll, s.formsPage, false},
		{"POST", "/marketing/forms", crm.PermWriteMarketing, s.formCreate, false},
		{"GET", "/marketing/forms/new", crm.PermWriteMarketing, s.formNew, false},
		{"GET", "/marketing/forms/{id}", crm.PermReadAll, s.formPage, false},
		{"POST", "/marketing/forms/{id}", crm.PermWriteMarketing, s.formUpdate, false},
		{"GET", "/marketing/forms/{id}/edit", crm.PermWriteMarketing, s.formEdit, false},
		{"POST", "/marketing/forms/{id}/delete", crm.PermWriteMarketing, s.formDelete, false},
	}
}

// formsListData is the content of the list of forms.
type formsListData struct {
	Forms []store.FormSummary
}

func (s *server) formsPage(w http.ResponseWriter, r *http.Request, rq *req) error {
	forms, err := s.app.Forms(r.Context(), rq.actor)
	if err != nil {
		return err
	}
	p := s.newPage(w, r, rq, "forms.title")
	p.Section = "marketing"
	p.Data = formsListData{Forms: forms}
	s.render(w, r, rq, http.StatusOK, "forms_list", p)
	return nil
}

// builderRow is one possible field of the builder: a standard field or a
// custom property, on or off.
type builderRow struct {
	Key     string
	Name    string // what the field is, translated
	Fixed   bool   // e-mail: always on and required
	Consent bool
}

// formBuilderData is the content of the builder page.
type formBuilderData struct {
	Form    crm.Form // the stored form when editing
	Rows    []builderRow
	Users   []option
	Formats []option
	Origin  string
}

func (s *server) builderRows(r *http.Request, rq *req) ([]builderRow, error) {
	var rows []builderRow
	for _, k := range crm.FormFieldKeys {
		name := i18n.T(rq.lang, "forms.field."+k)
		rows = append(rows, builderRow{Key: k, Name: name, Fixed: k == crm.FieldEmail, Consent: k == crm.FieldConsent})
	}
	defs, err := s.app.Properties(r.Context(), rq.actor, "contact")
	if err != nil {
		return nil, err
	}
	for _, d := range defs {
		name := d.LabelEN
		if rq.lang == crm.LangJA && d.LabelJA != "" || name == "" {
			name = d.LabelJA
		}
		rows = append(rows, builderRow{Key: "props." + d.Key, Name: name})
	}
	return rows, nil
}

func (s *server) builderPage(w http.ResponseWriter, r *http.Request, rq *req, titleKey string) (*page, error) {
	p := s.newPage(w, r, rq, titleKey)
	p.Section = "marketing"
	rows, err := s.builderRows(r, rq)
	if err != nil {
		return nil, err
	}
	users, err := s.app.ListUsers(r.Context(), rq.actor, store.UserFilter{Status: crm.UserActive, Limit: 200})
	if err != nil {
		return nil, err
	}
	d := &formBuilderData{Rows: rows, Formats: []option{{"", i18n.T(rq.lang, "forms.format.none")},
		{crm.FormatEmail, i18n.T(rq.lang, "forms.format.email")}, {crm.FormatPhone, i18n.T(rq.lang, "forms.format.phone")},
		{crm.FormatURL, i18n.T(rq.lang, "forms.format.url")}}}
	for _, u := range users {
		d.Users = append(d.Users, option{strconv.FormatInt(u.ID, 10), u.Name + " <" + u.Email + ">"})
	}
	p.Data = d
	return p, nil
}

// formValues fills builder values from a stored form.
func formValues(fm crm.Form) *form {
	f := newForm()
	f.Version = fm.Version
	f.Set("name", fm.Name)
	f.Set("title_ja", fm.TitleJA)
	f.Set("title_en", fm.TitleEN)
	f.Set("thanks_ja", fm.ThanksJA)
	f.Set("thanks_en", fm.ThanksEN)
	f.Set("redirect_url", fm.RedirectURL)
	f.Set("notify_emails", strings.Join(fm.NotifyEmails, "\n"))
	for _, id := range fm.NotifyUsers {
		f.Values.Add("notify_users", strconv.FormatInt(id, 10))
	}
	if fm.DoubleOptIn {
		f.Set("double_optin", "on")
	}
	for i, fl := range fm.Fields {
		k := fl.Key
		f.Set("on."+k, "on")
		if fl.Required {
			f.Set("req."+k, "on")
		}
		f.Set("ja."+k, fl.LabelJA)
		f.Set("en."+k, fl.LabelEN)
		f.Set("fmt."+k, fl.Format)
		if fl.MaxLength > 0 {
			f.Set("max."+k, strconv.Itoa(fl.MaxLength))
		}
		f.Set("pat."+k, fl.Pattern)
		f.Set("pos."+k, strconv.Itoa((i+1)*10))
	}
	return f
}

// defaultLabels are the labels a new form starts with.
func defaultLabels() map[string][2]string {
	return map[string][2]string{
		crm.FieldEmail:         {"メールアドレス", "E-mail"},
		crm.FieldFamilyName:    {"姓", "Last name"},
		crm.FieldGivenName:     {"名", "First name"},
		crm.FieldFamilyReading: {"セイ", "Last name (reading)"},
		crm.FieldGivenReading:  {"メイ", "First name (reading)"},
		crm.FieldCompany:       {"会社名", "Company"},
		crm.FieldPhone:         {"電話番号", "Phone"},
		crm.FieldJobTitle:      {"役職", "Job title"},
		crm.FieldDepartment:    {"部署", "Department"},
		crm.FieldConsent:       {"お知らせやご案内をメールで受け取ることに同意します。", "I agree to receive news and offers by e-mail."},
	}
}

// newFormValues are the builder's values for a new form: e-mail, name and
// company on, every standard field labelled.
func newFormValues() *form {
	f := newForm()
	for i, k := range crm.FormFieldKeys {
		l := defaultLabels()[k]
		f.Set("ja."+k, l[0])
		f.Set("en."+k, l[1])
		f.Set("pos."+k, strconv.Itoa((i+1)*10))
		switch k {
		case crm.FieldEmail:
			f.Set("on."+k, "on")
			f.Set("req."+k, "on")
			f.Set("fmt."+k, crm.FormatEmail)
		case crm.FieldFamilyName, crm.FieldGivenName, crm.FieldCompany:
			f.Set("on."+k, "on")
		case crm.FieldPhone:
			f.Set("fmt."+k, crm.FormatPhone)
		}
	}
	return f
}

// parseBuilder reads the builder's form into a form definition. Fields are
// ordered by their position numbers, then by the builder's order.
func parseBuilder(f *form, rows []builderRow) (crm.Form, error) {
	fm := crm.Form{Name: f.Get("name"), TitleJA: strings.TrimSpace(f.Get("title_ja")), TitleEN: strings.TrimSpace(f.Get("title_en")),
		ThanksJA: strings.TrimSpace(f.Get("thanks_ja")), ThanksEN: strings.TrimSpace(f.Get("thanks_en")),
		RedirectURL: strings.TrimSpace(f.Get("redirect_url")), DoubleOptIn: f.Get("double_optin") != "",
		NotifyEmails: splitLines(strings.ReplaceAll(f.Get("notify_emails"), ",", "\n"))}
	v := &crm.ValidationError{}
	for _, id := range f.Values["notify_users"] {
		n, err := strconv.ParseInt(id, 10, 64)
		if err != nil {
			v.Add("notify_users", "choose active users to notify")
			continue
		}
		fm.NotifyUsers = append(fm.NotifyUsers, n)
	}
	type placed struct {
		pos, i int
		fl     crm.FormField
	}
	var list []placed
	for i, row := range rows {
		k := row.Key
		if f.Get("on."+k) == "" && !row.Fixed {
			continue
		}
		fl := crm.FormField{Key: k, LabelJA: strings.TrimSpace(f.Get("ja." + k)), LabelEN: strings.TrimSpace(f.Get("en." + k)),
			Required: f.Get("req."+k) != "" || row.Fixed, Format: f.Get("fmt." + k), Pattern: strings.TrimSpace(f.Get("pat." + k))}
		if m := strings.TrimSpace(f.Get("max." + k)); m != "" {
			n, err := strconv.Atoi(m)
			if err != nil {
				v.Add("max."+k, "must be a positive number")
			}
			fl.MaxLength = n
		}
		pos, err := strconv.Atoi(strings.TrimSpace(f.Get("pos." + k)))
		if err != nil {
			pos = (i + 1) * 10
		}
		list = append(list, placed{pos, i, fl})
	}
	for i := 1; i < len(list); i++ {
		for j := i; j > 0 && (list[j].pos < list[j-1].pos || list[j].pos == list[j-1].pos && list[j].i < list[j-1].i); j-- {
			list[j], list[j-1] = list[j-1], list[j]
		}
	}
	for _, x := range list {
		fm.Fields = append(fm.Fields, x.fl)
	}
	return fm, v.Err()
}

// builderErrors moves the app's field errors (fields.<key>.label, …) to
// the builder's input names.
func builderErrors(err error) error {
	v, ok := crm.AsValidation(err)
	if !ok {
		return err
	}
	out := &crm.ValidationError{}
	for f, m := range v.Fields {
		if rest, ok := strings.CutPrefix(f, "fields."); ok {
			key, attr, _ := strings.Cut(rest, ".")
			// Field keys of custom properties contain a dot themselves.
			if strings.HasPrefix(rest, "props.") {
				parts := strings.SplitN(rest, ".", 3)
				key, attr = parts[0]+"."+parts[1], ""
				if len(parts) == 3 {
					attr = parts[2]
				}
			}
			name := map[string]string{"": "on.", "label": "ja.", "format": "fmt.", "max_length": "max.", "pattern": "pat."}[attr]
			if name == "" {
				name = "on."
			}
			out.Add(name+key, m)
			continue
		}
		out.Add(f, m)
	}
	return out.Err()
}

func (s *server) formNew(w http.ResponseWriter, r *http.Request, rq *req) error {
	p, err := s.builderPage(w, r, rq, "forms.new")
	if err != nil {
		return err
	}
	p.Form = newFormValues()
	s.render(w, r, rq, http.StatusOK, "forms_builder", p)
	return nil
}

func (s *server) formCreate(w http.ResponseWriter, r *http.Request, rq *req) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	p, err := s.builderPage(w, r, rq, "forms.new")
	if err != nil {
		return err
	}
	f := submitted(r)
	p.Form = f
	fm, err := parseBuilder(f, p.Data.(*formBuilderData).Rows)
	if err != nil {
		return again(err, "forms_builder", p)
	}
	fm, err = s.app.CreateForm(r.Context(), rq.actor, fm)
	if err != nil {
		return again(builderErrors(err), "forms_builder", p)
	}
	return s.redirect(w, r, rq, fmt.Sprintf("/marketing/forms/%d", fm.ID), "forms.flash.created")
}

func (s *server) formEdit(w http.ResponseWriter, r *http.Request, rq *req) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	fm, err := s.app.Form(r.Context(), rq.actor, id)
	if err != nil {
		return err
	}
	p, err := s.builderPage(w, r, rq, "forms.edit")
	if err != nil {
		return err
	}
	p.Data.(*formBuilderData).Form = fm
	p.Form = formValues(fm)
	s.render(w, r, rq, http.StatusOK, "forms_builder", p)
	return nil
}

func (s *server) formUpdate(w http.ResponseWriter, r *http.Request, rq *req) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	old, err := s.app.Form(r.Context(), rq.actor, id)
	if err != nil {
		return err
	}
	p, err := s.builderPage(w, r, rq, "forms.edit")
	if err != nil {
		return err
	}
	p.Data.(*formBuilderData).Form = old
	f := submitted(r)
	p.Form = f
	fm, err := parseBuilder(f, p.Data.(*formBuilderData).Rows)
	if err != nil {
		return again(err, "forms_builder", p)
	}
	if _, err := s.app.UpdateForm(r.Context(), rq.actor, id, f.Version, fm); err != nil {
		return again(builderErrors(err), "forms_builder", p)
	}
	return s.redirect(w, r, rq, fmt.Sprintf("/marketing/forms/%d", id), "flash.saved")
}

func (s *server) formDelete(w http.ResponseWriter, r *http.Request, rq *req) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.app.DeleteForm(r.Context(), rq.actor, id); err != nil {
		return err
	}
	return s.redirect(w, r, rq, "/marketing/forms", "forms.flash.deleted")
}

// formPageData is the content of one form's page.
type formPageData struct {
	Form        crm.Form
	Hosted      string // the hosted page's URL
	Embed       string // the embed snippet
	Plain       string // the plain HTML form
	Submissions []submissionRow
	Days        []store.FormDay
	Bars        []bar // the days as an SVG bar chart (no inline styles: the CSP forbids them)
	Max         int64 // the largest daily number
	Views       int64 // last 30 days
	Count       int64
	Spam        int64
	Rate        string // submissions / views, "" without views
}

// bar is one rectangle of the daily chart, in a 100-high view box.
type bar struct {
	X, Y, W, H int
	Class      string
	Title      string
}

// dayBars draws views, submissions and spam per day side by side.
func dayBars(lang crm.Language, days []store.FormDay, top int64) []bar {
	var out []bar
	if top == 0 {
		top = 1
	}
	for i, d := range days {
		title := fmt.Sprintf("%s: %s %d / %s %d / %s %d", i18n.Date(lang, d.Day), i18n.T(lang, "forms.views"), d.Views,
			i18n.T(lang, "forms.submissions"), d.Submissions, i18n.T(lang, "forms.spam"), d.Spam)
		for j, x := range []struct {
			n     int64
			class string
		}{{d.Views, "text-azure"}, {d.Submissions, "text-green"}, {d.Spam, "text-orange"}} {
			h := int(x.n * 96 / top)
			if x.n > 0 && h == 0 {
				h = 1
			}
			out = append(out, bar{X: i*12 + j*3 + 1, Y: 100 - h, W: 3, H: h, Class: x.class, Title: title})
		}
	}
	return out
}

// submissionRow is one submission as the form page lists it.
type submissionRow struct {
	store.FormSubmission
	Values []valueRow
}

// valueRow is one submitted value with its field's label.
type valueRow struct{ Label, Value string }

func submittedValues(lang crm.Language, fm crm.Form, vals map[string]string) []valueRow {
	var out []valueRow
	seen := map[string]bool{}
	for _, f := range fm.Fields {
		if v, ok := vals[f.Key]; ok {
			label := f.Label(lang)
			if f.Key == crm.FieldConsent {
				label = i18n.T(lang, "forms.field.consent")
			}
			out = append(out, valueRow{label, v})
			seen[f.Key] = true
		}
	}
	for k, v := range vals { // fields removed from the form since
		if !seen[k] {
			out = append(out, valueRow{k, v})
		}
	}
	return out
}

func (s *server) formPage(w http.ResponseWriter, r *http.Request, rq *req) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	ctx := r.Context()
	fm, err := s.app.Form(ctx, rq.actor, id)
	if err != nil {
		return err
	}
	subs, err := s.app.FormSubmissions(ctx, rq.actor, store.SubmissionFilter{FormID: id, Limit: 50})
	if err != nil {
		return err
	}
	days, err := s.app.FormDays(ctx, rq.actor, id, 30)
	if err != nil {
		return err
	}
	base := s.app.BaseURL
	d := formPageData{Form: fm, Days: days, Hosted: base + "/f/" + fm.Key,
		Embed: fmt.Sprintf("<div data-renkei-form=\"%s\"></div>\n<script src=\"%s/f/embed.js\" async></script>", fm.Key, base)}
	d.Plain = plainSnippet(rq.lang, fm, base)
	for _, x := range days {
		d.Views += x.Views
		d.Count += x.Submissions
		d.Spam += x.Spam
		d.Max = max(d.Max, x.Views, x.Submissions, x.Spam)
	}
	d.Bars = dayBars(rq.lang, days, d.Max)
	if d.Views > 0 {
		d.Rate = fmt.Sprintf("%.1f%%", float64(d.Count)*100/float64(d.Views))
	}
	for _, sub := range subs {
		d.Submissions = append(d.Submissions, submissionRow{sub, submittedValues(rq.lang, fm, sub.Values)})
	}
	p := s.newPage(w, r, rq, "")
	p.Title = fm.Name
	p.Section = "marketing"
	p.Data = d
	s.render(w, r, rq, http.StatusOK, "forms_form", p)
	return nil
}

// plainSnippet is a form for sites without JavaScript.
func plainSnippet(lang crm.Language, fm crm.Form, base string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "<form method=\"post\" action=\"%s/f/%s\">\n", base, fm.Key)
	for _, f := range fm.Fields {
		label := htmlText(f.Label(lang))
		req := ""
		if f.Required {
			req = " required"
		}
		switch {
		case f.Key == crm.FieldConsent:
			fmt.Fprintf(&b, "  <label><input type=\"checkbox\" name=\"%s\" value=\"yes\"%s> %s</label>\n", f.Key, req, label)
		default:
			typ := map[string]string{crm.FormatEmail: "email", crm.FormatPhone: "tel", crm.FormatURL: "url"}[f.Format]
			if typ == "" {
				typ = "text"
			}
			fmt.Fprintf(&b, "  <label>%s <input type=\"%s\" name=\"%s\"%s></label>\n", label, typ, f.Key, req)
		}
	}
	b.WriteString("  <div style=\"position:absolute;left:-10000px\" aria-hidden=\"true\"><input type=\"text\" name=\"website_url\" tabindex=\"-1\" autocomplete=\"off\"></div>\n")
	b.WriteString("  <button type=\"submit\">" + htmlText(map[crm.Language]string{crm.LangJA: "送信", crm.LangEN: "Send"}[lang]) + "</button>\n</form>")
	return b.String()
}

// htmlText escapes text for the snippet (which is itself shown escaped).
func htmlText(s string) string {
	r := strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;")
	return r.Replace(s)
}

// formTimelineEntry describes a form submission on a contact's timeline:
// the form's name, the page, and every value as submitted.
func formTimelineEntry(lang crm.Language, e store.TimelineEntry, it *timelineItem) {
	it.Icon, it.Color = "ti-forms", "bg-green-lt"
	if name, _ := e.Data["form"].(string); name != "" {
		it.Detail = i18n.T(lang, "forms.timeline.detail", name)
	}
	vals, _ := e.Data["values"].(map[string]any)
	keys := make([]string, 0, len(vals))
	for k := range vals {
		keys = append(keys, k)
	}
	// Standard fields in their usual order, then custom properties.
	order := map[string]int{}
	for i, k := range crm.FormFieldKeys {
		order[k] = i + 1
	}
	slices.SortFunc(keys, func(a, b string) int {
		oa, ob := order[a], order[b]
		if oa == 0 {
			oa = 100
		}
		if ob == 0 {
			ob = 100
		}
		if oa != ob {
			return oa - ob
		}
		return strings.Compare(a, b)
	})
	for _, k := range keys {
		label := k
		if kk := "forms.field." + k; i18n.Has(lang, kk) {
			label = i18n.T(lang, kk)
		}
		it.Values = append(it.Values, valueRow{label, fmt.Sprint(vals[k])})
	}
	if page, _ := e.Data["page_url"].(string); page != "" {
		it.Values = append(it.Values, valueRow{i18n.T(lang, "forms.page_url"), page})
	}
}
