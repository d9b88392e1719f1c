package web

import (
	"bytes"
	"context"
	"fmt"
	"html"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"renkei/internal/app"
	"renkei/internal/crm"
	"renkei/internal/i18n"
	"renkei/internal/jobs"
	"renkei/internal/store"
)

// xss is a value that must show as text wherever it appears.
const xss = `<script>alert(1)</script>`

// people is a workspace with custom properties, companies and contacts.
type people struct {
	e                   *testEnv
	admin, sales, viewr string // sessions
	adminAc             app.Actor
	co                  crm.Company
	taro, hanako, evil  crm.Contact
}

// newPeople sets up a workspace with data for the people pages.
func newPeople(t *testing.T) *people {
	t.Helper()
	e := newEnv(t)
	p := &people{e: e, admin: e.setup()}
	p.sales = e.user(crm.RoleSales, "Sam Sales")
	p.viewr = e.user(crm.RoleViewer, "Vera Viewer")
	p.adminAc = actorOf(t, e, "admin@example.com")
	ctx := context.Background()
	for _, pr := range []crm.Property{
		{Object: "contact", Key: "budget", LabelJA: "予算", LabelEN: "Budget", Type: crm.PropNumber},
		{Object: "contact", Key: "rank", LabelJA: "ランク", LabelEN: "Rank", Type: crm.PropChoice, Options: []string{"A", "B", "C"}},
		{Object: "contact", Key: "interests", LabelJA: "関心", LabelEN: "Interests", Type: crm.PropMultiChoice, Options: []string{"CRM", "MA", xss}},
		{Object: "contact", Key: "renewal", LabelJA: "更新日", LabelEN: "Renewal", Type: crm.PropDate},
		{Object: "contact", Key: "vip", LabelJA: "VIP", LabelEN: "VIP", Type: crm.PropBool},
		{Object: "contact", Key: "site", LabelJA: "サイト", LabelEN: "Site", Type: crm.PropURL},
		{Object: "contact", Key: "memo", LabelJA: "メモ", LabelEN: "Memo", Type: crm.PropText},
		{Object: "company", Key: "tier", LabelJA: "区分", LabelEN: "Tier", Type: crm.PropChoice, Options: []string{"gold", "silver"}},
	} {
		if _, err := e.app.CreateProperty(ctx, p.adminAc, pr); err != nil {
			t.Fatal(err)
		}
	}
	var err error
	p.co, err = e.app.CreateCompany(ctx, p.adminAc, app.CompanyInput{Company: crm.Company{Name: "株式会社サンプル",
		Reading: "サンプル", Domain: "sample.co.jp", PostalCode: "100-0001", Prefecture: "東京都", City: "千代田区", Street: "千代田1-1"},
		Props: map[string]any{"tier": "gold"}}, false)
	if err != nil {
		t.Fatal(err)
	}
	p.taro = p.contact(t, app.ContactInput{Contact: crm.Contact{PersonName: crm.PersonName{Family: "山田", Given: "太郎",
		FamilyReading: "ヤマダ", GivenReading: "タロウ"}, Email: "taro@example.jp", CompanyID: p.co.ID, Tags: []string{"展示会"},
		Phone: "03-1234-5678"}, Props: map[string]any{"budget": "500000", "rank": "A", "interests": []string{"CRM"},
		"renewal": "2026-04-01", "vip": "true", "site": "https://example.jp", "memo": "hello"}})
	p.hanako = p.contact(t, app.ContactInput{Contact: crm.Contact{PersonName: crm.PersonName{Family: "佐藤", Given: "花子",
		FamilyReading: "サトウ", GivenReading: "ハナコ"}, Email: "hanako@example.jp", Lifecycle: crm.StageCustomer},
		Props: map[string]any{"budget": "100", "rank": "B"}})
	p.evil = p.contact(t, app.ContactInput{Contact: crm.Contact{PersonName: crm.PersonName{Family: xss, Given: xss},
		Email: "evil@example.jp", Tags: []string{xss}, JobTitle: xss, Department: xss}, CompanyName: xss + " Inc.",
		Props: map[string]any{"memo": xss, "interests": []string{xss}}})
	return p
}

func (p *people) contact(t *testing.T, in app.ContactInput) crm.Contact {
	t.Helper()
	c, err := p.e.app.CreateContact(context.Background(), p.adminAc, in)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// countContacts counts every contact in the database.
func (p *people) countContacts(t *testing.T) int {
	t.Helper()
	page, err := p.e.app.ListContacts(context.Background(), p.adminAc, store.ContactQuery{Limit: 1})
	if err != nil {
		t.Fatal(err)
	}
	return page.Total
}

// setLang sets the admin's language.
func (p *people) setLang(t *testing.T, lang string) {
	t.Helper()
	if _, err := p.e.app.UpdateUser(context.Background(), p.adminAc, p.adminAc.User.ID, 0, userPatchLang(lang)); err != nil {
		t.Fatal(err)
	}
}

// TestPeoplePagesRender opens every page of contacts, companies, custom
// properties and imports with data, in both languages: each answers 200,
// with no raw message key and nothing inline that the CSP would block.
func TestPeoplePagesRender(t *testing.T) {
	p := newPeople(t)
	e := p.e
	ctx := context.Background()
	// A timeline with an edit, a consent change and a merge.
	c := p.taro
	in := app.ContactInput{Contact: c, Props: map[string]any{"budget": "600000"}}
	in.Contact.JobTitle, in.Contact.OwnerID = "部長", p.adminAc.User.ID
	if _, err := e.app.UpdateContact(ctx, p.adminAc, c.ID, c.Version, in); err != nil {
		t.Fatal(err)
	}
	if err := e.app.SetConsent(ctx, p.adminAc, c.ID, crm.ConsentGranted, "manual", "ニュースレターの配信に同意"); err != nil {
		t.Fatal(err)
	}
	dup := p.contact(t, app.ContactInput{Contact: crm.Contact{PersonName: crm.PersonName{Family: "山田", Given: "太郎"},
		CompanyID: p.co.ID, Phone: "03-1234-5678"}})
	im, err := e.app.StartImport(ctx, p.adminAc, app.ImportRequest{Object: "contact", Filename: "list.csv",
		Data: []byte("Email,First Name,Last Name\nx@example.jp,Taro,Yamada\n"), Encoding: "auto"})
	if err != nil {
		t.Fatal(err)
	}
	view, err := e.app.SaveView(ctx, p.adminAc, "contact", "VIP", "pk=vip&po=eq&pv=true", true)
	if err != nil {
		t.Fatal(err)
	}
	props, err := e.app.Properties(ctx, p.adminAc, "contact")
	if err != nil {
		t.Fatal(err)
	}

	pages := []string{"/contacts", "/contacts?sort=reading", "/contacts?q=山田", "/contacts?q=nobody",
		"/contacts?stage=customer&lead=none&owner=me&tag=展示会&source=manual&consent=granted",
		"/contacts?pk=budget&po=gte&pv=100&pk=rank&po=in&pv=A,B", "/contacts?pk=budget&po=gt&pv=abc",
		fmt.Sprintf("/contacts?view=%d&pk=vip&po=eq&pv=true", view.ID), fmt.Sprintf("/contacts?company=%d", p.co.ID),
		"/contacts/new", fmt.Sprintf("/contacts/%d", c.ID), fmt.Sprintf("/contacts/%d/edit", c.ID),
		fmt.Sprintf("/contacts/%d/merge", c.ID), fmt.Sprintf("/contacts/%d/merge?q=佐藤", c.ID),
		fmt.Sprintf("/contacts/%d/merge?with=%d", c.ID, dup.ID), fmt.Sprintf("/contacts/%d/merge?with=%d&keep=other", c.ID, dup.ID),
		"/companies", "/companies?q=サンプル", "/companies/new", fmt.Sprintf("/companies/%d", p.co.ID),
		fmt.Sprintf("/companies/%d/edit", p.co.ID), fmt.Sprintf("/companies/%d/merge", p.co.ID),
		"/settings/properties", fmt.Sprintf("/settings/properties/%d", props[1].ID),
		"/imports", fmt.Sprintf("/imports/%d", im.ID)}
	check := pageChecker(t)
	for _, lang := range []string{"ja", "en"} {
		p.setLang(t, lang)
		for _, path := range pages {
			w := e.do(http.MethodGet, path, p.admin, nil)
			want := http.StatusOK
			if strings.Contains(path, "pv=abc") {
				want = http.StatusUnprocessableEntity
			}
			if w.Code != want {
				t.Errorf("%s %s: status %d, want %d:\n%.1500s", lang, path, w.Code, want, w.Body.String())
				continue
			}
			check(lang+" "+path, w.Body.String())
		}
	}
	// The fragments.
	w := e.do(http.MethodGet, fmt.Sprintf("/imports/%d/progress", im.ID), p.admin, nil, "HX-Request", "true")
	wantStatus(t, "progress", w, http.StatusOK)
	if !strings.Contains(w.Body.String(), `hx-trigger="every 1s"`) {
		t.Errorf("a queued import's progress does not poll:\n%s", w.Body.String())
	}
	w = e.do(http.MethodGet, "/companies/suggest?company=サン", p.admin, nil, "HX-Request", "true")
	wantStatus(t, "suggest", w, http.StatusOK)
	if got := strings.TrimSpace(w.Body.String()); got != `<option value="株式会社サンプル"></option>` {
		t.Errorf("suggestions = %q", got)
	}
}

// vals builds url.Values from name/value pairs.
func vals(pairs ...string) url.Values {
	v := url.Values{}
	for i := 0; i+1 < len(pairs); i += 2 {
		v.Add(pairs[i], pairs[i+1])
	}
	return v
}

// fieldError returns the message shown under the control with id, "" if
// none.
func fieldError(body, id string) string {
	m := regexp.MustCompile(`id="` + regexp.QuoteMeta(id) + `-error">([^<]*)<`).FindStringSubmatch(body)
	if m == nil {
		return ""
	}
	return html.UnescapeString(m[1])
}

// TestContactFormValidation: a form with errors comes back with 422, the
// messages under their fields and what was typed; nothing is written. The
// corrected form creates the contact.
func TestContactFormValidation(t *testing.T) {
	p := newPeople(t)
	e := p.e
	p.setLang(t, "en")
	before := p.countContacts(t)
	tests := []struct {
		name   string
		form   url.Values
		fields map[string]string // control id → part of the message
	}{
		{"nothing", vals("family_name", "", "lifecycle_stage", "lead", "consent", "unknown", "original_source", "manual"),
			map[string]string{"f-email": "Enter an e-mail address, or a name"}},
		{"bad e-mail and phone", vals("family_name", "鈴木", "email", "suzuki@", "phone", "12", "lifecycle_stage", "lead",
			"consent", "unknown", "original_source", "manual"),
			map[string]string{"f-email": "not an e-mail address", "f-phone": "not a phone number"}},
		{"name without company", vals("family_name", "鈴木", "lifecycle_stage", "lead", "consent", "unknown", "original_source", "manual"),
			map[string]string{"f-company": "enter a company or a phone number"}},
		{"bad custom properties", vals("email", "suzuki@example.jp", "props.budget", "lots", "props.renewal", "someday",
			"props.site", "javascript:alert(1)", "lifecycle_stage", "lead", "consent", "unknown", "original_source", "manual"),
			map[string]string{"f-prop-budget": "not a number", "f-prop-renewal": "not a date", "f-prop-site": "not a web address"}},
		{"taken e-mail", vals("email", "TARO@example.jp", "lifecycle_stage", "lead", "consent", "unknown", "original_source", "manual"),
			map[string]string{"f-email": "exists already"}},
		{"unknown stage", vals("email", "x@example.jp", "lifecycle_stage", "boss", "consent", "unknown", "original_source", "manual"),
			map[string]string{"f-lifecycle_stage": "lifecycle stage"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := e.do(http.MethodPost, "/contacts", p.admin, tt.form)
			wantStatus(t, tt.name, w, http.StatusUnprocessableEntity)
			body := w.Body.String()
			if !strings.Contains(body, "Some fields need your attention") {
				t.Error("no alert about the form")
			}
			for id, want := range tt.fields {
				if got := fieldError(body, id); !strings.Contains(got, want) {
					t.Errorf("message under %s = %q, want it to contain %q", id, got, want)
				}
			}
			// What was typed in the text fields is shown again.
			for _, k := range []string{"email", "family_name", "phone", "props.budget", "props.renewal", "props.site"} {
				if v := tt.form.Get(k); v != "" && !strings.Contains(body, `value="`+html.EscapeString(v)+`"`) {
					t.Errorf("the field %s lost its value %q", k, v)
				}
			}
			if n := p.countContacts(t); n != before {
				t.Errorf("contacts after a refused form: %d, want %d", n, before)
			}
		})
	}
	w := e.do(http.MethodPost, "/contacts", p.admin, vals("family_name", "鈴木", "given_name", "一郎", "company", "サンプル株式会社",
		"email", "ＳＵＺＵＫＩ@example.jp", "props.budget", "1,000", "props.interests", "CRM", "props.interests", "MA",
		"tags", "展示会, VIP", "lifecycle_stage", "mql", "consent", "granted", "original_source", "event"))
	wantStatus(t, "valid form", w, http.StatusSeeOther)
	id := strings.TrimPrefix(w.Header().Get("Location"), "/contacts/")
	c, err := e.app.Contact(context.Background(), p.adminAc, mustID(t, id))
	if err != nil {
		t.Fatal(err)
	}
	if c.Email != "suzuki@example.jp" || c.CompanyID != p.co.ID || c.Props["budget"] != float64(1000) ||
		len(c.Tags) != 2 || c.Lifecycle != crm.StageMQL || c.Consent != crm.ConsentGranted {
		t.Errorf("created %+v", c)
	}
}

func mustID(t *testing.T, s string) int64 {
	t.Helper()
	var id int64
	if _, err := fmt.Sscan(s, &id); err != nil || id <= 0 {
		t.Fatalf("not an id: %q", s)
	}
	return id
}

// TestContactEdit: an edit saves, lists what changed on the timeline with
// translated field names, and a stale version is refused with 409.
func TestContactEdit(t *testing.T) {
	p := newPeople(t)
	e := p.e
	c := p.taro
	path := fmt.Sprintf("/contacts/%d", c.ID)
	f := vals("version", fmt.Sprint(c.Version), "family_name", "山田", "given_name", "太郎", "email", "taro@example.jp",
		"company", "株式会社サンプル", "job_title", "部長", "lifecycle_stage", "sql", "props.budget", "700000", "props.rank", "A")
	wantStatus(t, "edit", e.do(http.MethodPost, path, p.admin, f), http.StatusSeeOther)
	p.setLang(t, "ja")
	body := e.do(http.MethodGet, path, p.admin, nil).Body.String()
	for _, want := range []string{"役職", "部長", "ライフサイクルステージ", "SQL", "予算", "700,000", "500,000"} {
		if !strings.Contains(body, want) {
			t.Errorf("the timeline does not show %q", want)
		}
	}
	// The same form again carries the old version.
	w := e.do(http.MethodPost, path, p.admin, f)
	wantStatus(t, "stale edit", w, http.StatusConflict)
	if !strings.Contains(w.Body.String(), i18n.T(crm.LangJA, "form.stale")) {
		t.Errorf("the stale form does not say so:\n%.3000s", w.Body.String())
	}
}

// TestPeopleViewerCannotWrite: a viewer's writes are refused with 403 and
// leave the database as it was.
func TestPeopleViewerCannotWrite(t *testing.T) {
	p := newPeople(t)
	e := p.e
	ctx := context.Background()
	c := p.taro
	snapshot := func() string {
		page, err := e.app.ListContacts(ctx, p.adminAc, store.ContactQuery{Limit: 200})
		if err != nil {
			t.Fatal(err)
		}
		props, err := e.app.Properties(ctx, p.adminAc, "")
		if err != nil {
			t.Fatal(err)
		}
		cos, err := e.app.ListCompanies(ctx, p.adminAc, store.CompanyQuery{})
		if err != nil {
			t.Fatal(err)
		}
		return fmt.Sprintf("%+v %+v %+v", page.Contacts, props, cos.Companies)
	}
	before := snapshot()
	id := fmt.Sprint(c.ID)
	tests := []struct{ path string }{
		{"/contacts"}, {"/contacts/" + id}, {"/contacts/" + id + "/delete"}, {"/contacts/" + id + "/consent"},
		{"/contacts/" + id + "/merge"}, {"/contacts/" + id + "/erase"}, {"/contacts/bulk"},
		{"/companies"}, {fmt.Sprintf("/companies/%d", p.co.ID)}, {fmt.Sprintf("/companies/%d/delete", p.co.ID)},
		{fmt.Sprintf("/companies/%d/merge", p.co.ID)}, {"/settings/properties"}, {"/settings/properties/1"},
		{"/settings/properties/1/delete"}, {"/imports"}, {"/imports/preview"},
	}
	f := vals("version", fmt.Sprint(c.Version), "email", "hacked@example.jp", "family_name", "Hacked", "name", "Hacked",
		"consent", "withdrawn", "keep_id", id, "drop_id", fmt.Sprint(p.hanako.ID), "confirm", c.Email, "ids", id,
		"op", "delete", "object", "contact", "key", "hacked", "label_en", "Hacked", "type", "text", "lifecycle_stage", "lead")
	for _, tt := range tests {
		w := e.do(http.MethodPost, tt.path, p.viewr, f)
		wantStatus(t, "viewer POST "+tt.path, w, http.StatusForbidden)
	}
	// Sales may not erase people or change properties either.
	for _, path := range []string{"/contacts/" + id + "/erase", "/settings/properties", "/settings/properties/1/delete"} {
		wantStatus(t, "sales POST "+path, e.do(http.MethodPost, path, p.sales, f), http.StatusForbidden)
	}
	if after := snapshot(); after != before {
		t.Errorf("the database changed:\nbefore %s\nafter  %s", before, after)
	}
	// Viewers see the lists without write controls.
	body := e.do(http.MethodGet, "/contacts", p.viewr, nil).Body.String()
	if strings.Contains(body, `name="ids"`) || strings.Contains(body, `href="/contacts/new"`) || !strings.Contains(body, "taro@example.jp") {
		t.Error("a viewer's contact list offers writing")
	}
}

// TestTeamPrivateContactsHidden: with team-only visibility, a sales user
// outside the owner's team gets 404 for the contact's pages and does not
// find it in the list.
func TestTeamPrivateContactsHidden(t *testing.T) {
	p := newPeople(t)
	e := p.e
	ctx := context.Background()
	ws, v, err := e.app.Workspace(ctx)
	if err != nil {
		t.Fatal(err)
	}
	ws.RecordVisibility = map[string]crm.Visibility{"contacts": crm.VisibleTeam, "companies": crm.VisibleWorkspace}
	if _, err := e.app.UpdateWorkspace(ctx, p.adminAc, ws, v); err != nil {
		t.Fatal(err)
	}
	team, err := e.app.CreateTeam(ctx, p.adminAc, "East")
	if err != nil {
		t.Fatal(err)
	}
	// Hanako belongs to the East team; the sales user is in no team.
	c := p.hanako
	in := app.ContactInput{Contact: c}
	in.Contact.TeamID, in.Contact.OwnerID = team.ID, p.adminAc.User.ID
	if _, err := e.app.UpdateContact(ctx, p.adminAc, c.ID, c.Version, in); err != nil {
		t.Fatal(err)
	}
	id := fmt.Sprint(c.ID)
	for _, path := range []string{"/contacts/" + id, "/contacts/" + id + "/edit", "/contacts/" + id + "/merge",
		"/contacts/" + id + "/export?format=json", fmt.Sprintf("/contacts/%d/merge?with=%d", p.taro.ID, c.ID)} {
		wantStatus(t, "sales GET "+path, e.do(http.MethodGet, path, p.sales, nil), http.StatusNotFound)
	}
	wantStatus(t, "sales edits a hidden contact", e.do(http.MethodPost, "/contacts/"+id, p.sales,
		vals("version", "2", "email", "x@example.jp")), http.StatusNotFound)
	wantStatus(t, "sales deletes a hidden contact", e.do(http.MethodPost, "/contacts/"+id+"/delete", p.sales, nil), http.StatusNotFound)
	w := e.do(http.MethodPost, "/contacts/bulk", p.sales, vals("ids", id, "op", "add_tag", "tag", "x", "back", "/contacts"))
	wantStatus(t, "sales bulk-tags a hidden contact", w, http.StatusNotFound)
	for _, path := range []string{"/contacts", "/contacts?q=佐藤", "/contacts?q=hanako@example.jp"} {
		body := e.do(http.MethodGet, path, p.sales, nil).Body.String()
		if strings.Contains(body, `href="/contacts/`+id+`"`) {
			t.Errorf("%s shows the team-private contact to an outsider", path)
		}
	}
	// The admin still sees it.
	wantStatus(t, "admin GET", e.do(http.MethodGet, "/contacts/"+id, p.admin, nil), http.StatusOK)
	if got, err := e.app.Contact(ctx, p.adminAc, c.ID); err != nil || len(got.Tags) != 0 {
		t.Errorf("hidden contact changed: %+v %v", got, err)
	}
}

// TestScriptNameIsText: a contact named <script>alert(1)</script> (and a
// company, tag, job title and property value of the same) shows as text on
// the list, detail, edit, timeline, merge and company pages.
func TestScriptNameIsText(t *testing.T) {
	p := newPeople(t)
	e := p.e
	c := p.evil
	// An edit puts the name on the timeline as old and new value.
	f := vals("version", fmt.Sprint(c.Version), "family_name", xss+"2", "given_name", xss, "email", c.Email,
		"company", c.CompanyName, "lifecycle_stage", "lead", "tags", xss, "props.memo", xss+"3")
	wantStatus(t, "edit", e.do(http.MethodPost, fmt.Sprintf("/contacts/%d", c.ID), p.admin, f), http.StatusSeeOther)
	escaped := html.EscapeString(xss)
	for _, path := range []string{"/contacts", "/contacts?q=" + url.QueryEscape(xss), fmt.Sprintf("/contacts/%d", c.ID),
		fmt.Sprintf("/contacts/%d/edit", c.ID), fmt.Sprintf("/contacts/%d/merge?with=%d", c.ID, p.taro.ID),
		fmt.Sprintf("/contacts/%d/merge?with=%d", p.taro.ID, c.ID), fmt.Sprintf("/companies/%d", c.CompanyID),
		"/companies", "/settings/properties"} {
		for _, lang := range []string{"ja", "en"} {
			p.setLang(t, lang)
			w := e.do(http.MethodGet, path, p.admin, nil)
			wantStatus(t, path, w, http.StatusOK)
			body := w.Body.String()
			if strings.Contains(body, "<script>alert") {
				t.Errorf("%s %s has the script unescaped", lang, path)
			}
			if !strings.Contains(body, escaped) && !strings.Contains(body, "&lt;script&gt;alert(1)&lt;/script&gt;") {
				t.Errorf("%s %s does not show the name as text", lang, path)
			}
		}
	}
	// The timeline shows the change of name.
	body := e.do(http.MethodGet, fmt.Sprintf("/contacts/%d", c.ID), p.admin, nil).Body.String()
	if !strings.Contains(body, escaped+"2") {
		t.Error("the timeline does not show the new name as text")
	}
	// The company suggestion fragment escapes too.
	w := e.do(http.MethodGet, "/companies/suggest?company="+url.QueryEscape("<script>"), p.admin, nil)
	if strings.Contains(w.Body.String(), "<script>") {
		t.Errorf("suggestions unescaped: %s", w.Body.String())
	}
}

// TestBulkActions tags, re-owns, re-stages and deletes selected contacts
// in one request each, and refuses a request without a selection.
func TestBulkActions(t *testing.T) {
	p := newPeople(t)
	e := p.e
	ctx := context.Background()
	ids := []string{fmt.Sprint(p.taro.ID), fmt.Sprint(p.hanako.ID)}
	post := func(pairs ...string) *httptest.ResponseRecorder {
		f := vals(append([]string{"back", "/contacts?sort=reading"}, pairs...)...)
		for _, id := range ids {
			f.Add("ids", id)
		}
		return e.do(http.MethodPost, "/contacts/bulk", p.admin, f)
	}
	salesID := actorOf(t, e, "sales@example.com").User.ID
	for _, tt := range []struct {
		name  string
		pairs []string
		check func(c crm.Contact) bool
	}{
		{"add tag", []string{"op", "add_tag", "tag", "秋の展示会"}, func(c crm.Contact) bool { return slices.Contains(c.Tags, "秋の展示会") }},
		{"set owner", []string{"op", "set_owner", "owner_id", fmt.Sprint(salesID)}, func(c crm.Contact) bool { return c.OwnerID == salesID }},
		{"set stage", []string{"op", "set_stage", "stage", "opportunity"}, func(c crm.Contact) bool { return c.Lifecycle == crm.StageOpportunity }},
		{"remove tag", []string{"op", "remove_tag", "tag", "秋の展示会"}, func(c crm.Contact) bool { return !slices.Contains(c.Tags, "秋の展示会") }},
	} {
		w := post(tt.pairs...)
		wantStatus(t, tt.name, w, http.StatusSeeOther)
		if loc := w.Header().Get("Location"); loc != "/contacts?sort=reading" {
			t.Errorf("%s went to %q", tt.name, loc)
		}
		for _, c := range []crm.Contact{p.taro, p.hanako} {
			got, err := e.app.Contact(ctx, p.adminAc, c.ID)
			if err != nil || !tt.check(got) {
				t.Errorf("%s: contact %d is %+v (%v)", tt.name, c.ID, got, err)
			}
		}
	}
	// The timeline says what the bulk edit changed.
	entries, err := e.app.Timeline(ctx, p.adminAc, store.TimelineFilter{ContactID: p.taro.ID, Limit: 10})
	if err != nil || len(entries) < 4 || entries[0].Kind != app.KindUpdated {
		t.Errorf("timeline after bulk edits: %+v %v", entries, err)
	}
	// Nothing selected: 422 on the list with a message.
	w := e.do(http.MethodPost, "/contacts/bulk", p.admin, vals("op", "add_tag", "tag", "x", "back", "/contacts"))
	wantStatus(t, "no selection", w, http.StatusUnprocessableEntity)
	if !strings.Contains(w.Body.String(), "Select at least one contact") && !strings.Contains(w.Body.String(), "コンタクトを1件以上選択") {
		t.Errorf("no message about the selection:\n%.3000s", w.Body.String())
	}
	before := p.countContacts(t)
	wantStatus(t, "delete", post("op", "delete"), http.StatusSeeOther)
	if n := p.countContacts(t); n != before-2 {
		t.Errorf("after deleting 2 of %d contacts: %d", before, n)
	}
}

// TestSavedViews saves the list's filters as a view, finds it in the menu
// and deletes it.
func TestSavedViews(t *testing.T) {
	p := newPeople(t)
	e := p.e
	w := e.do(http.MethodPost, "/contacts/views", p.admin, vals("view_name", "", "query", "stage=customer"))
	wantStatus(t, "view without a name", w, http.StatusUnprocessableEntity)
	w = e.do(http.MethodPost, "/contacts/views", p.admin, vals("view_name", "お客様", "query", "stage=customer&cursor=abc&sort=reading"))
	wantStatus(t, "save view", w, http.StatusSeeOther)
	loc := w.Header().Get("Location")
	if !strings.Contains(loc, "stage=customer") || strings.Contains(loc, "cursor") {
		t.Errorf("saved view opens %q", loc)
	}
	body := e.do(http.MethodGet, loc, p.admin, nil).Body.String()
	if !strings.Contains(body, "お客様") || !strings.Contains(body, "hanako@example.jp") || strings.Contains(body, "taro@example.jp") {
		t.Errorf("the view does not list just the customers:\n%.2000s", body)
	}
	// Others do not see a private view; its owner deletes it.
	if body := e.do(http.MethodGet, "/contacts", p.sales, nil).Body.String(); strings.Contains(body, "お客様") {
		t.Error("another user sees a private view")
	}
	id := regexp.MustCompile(`view=(\d+)`).FindStringSubmatch(loc)[1]
	wantStatus(t, "others delete", e.do(http.MethodPost, "/contacts/views/"+id+"/delete", p.sales, nil), http.StatusNotFound)
	wantStatus(t, "delete", e.do(http.MethodPost, "/contacts/views/"+id+"/delete", p.admin, nil), http.StatusSeeOther)
	if body := e.do(http.MethodGet, "/contacts", p.admin, nil).Body.String(); strings.Contains(body, "お客様") {
		t.Error("a deleted view is still listed")
	}
}

// TestFilterByCustomProperty filters the list by custom property
// conditions of several types; a bad value is a 422 naming the property.
func TestFilterByCustomProperty(t *testing.T) {
	p := newPeople(t)
	e := p.e
	tests := []struct {
		query      string
		want, not  []string
		wantStatus int
	}{
		{"pk=budget&po=gte&pv=1000", []string{"taro@"}, []string{"hanako@", "evil@"}, 200},
		{"pk=budget&po=lt&pv=1000", []string{"hanako@"}, []string{"taro@"}, 200},
		{"pk=rank&po=in&pv=A,B", []string{"taro@", "hanako@"}, []string{"evil@"}, 200},
		{"pk=rank&po=eq&pv=B&pk=budget&po=is_set&pv=", []string{"hanako@"}, []string{"taro@"}, 200},
		{"pk=vip&po=eq&pv=true", []string{"taro@"}, []string{"hanako@"}, 200},
		{"pk=interests&po=contains&pv=CRM", []string{"taro@"}, []string{"hanako@", "evil@"}, 200},
		{"pk=renewal&po=lte&pv=2026-12-31", []string{"taro@"}, []string{"hanako@"}, 200},
		{"pk=memo&po=not_set&pv=", []string{"hanako@"}, []string{"taro@", "evil@"}, 200},
		{"pk=budget&po=gt&pv=many", nil, []string{"taro@", "hanako@"}, 422},
		{"pk=nosuch&po=eq&pv=1", nil, []string{"taro@"}, 422},
	}
	for _, tt := range tests {
		w := e.do(http.MethodGet, "/contacts?"+tt.query, p.admin, nil)
		wantStatus(t, tt.query, w, tt.wantStatus)
		body := w.Body.String()
		for _, s := range tt.want {
			if !strings.Contains(body, s) {
				t.Errorf("%s does not list %s", tt.query, s)
			}
		}
		for _, s := range tt.not {
			if strings.Contains(body, s) {
				t.Errorf("%s lists %s", tt.query, s)
			}
		}
		if tt.wantStatus == 422 && !strings.Contains(body, "invalid-feedback") && !strings.Contains(body, "alert-danger") {
			t.Errorf("%s: no message", tt.query)
		}
	}
}

// TestCompanyDuplicateName: a company whose name looks like an existing
// one (サンプル株式会社 = 株式会社サンプル) is not created until the user
// says "create anyway".
func TestCompanyDuplicateName(t *testing.T) {
	p := newPeople(t)
	e := p.e
	p.setLang(t, "ja")
	f := vals("name", "サンプル株式会社", "employees", "12")
	w := e.do(http.MethodPost, "/companies", p.admin, f)
	wantStatus(t, "same name", w, http.StatusUnprocessableEntity)
	body := w.Body.String()
	if !strings.Contains(body, `id="same-company"`) || !strings.Contains(body, fmt.Sprintf(`href="/companies/%d"`, p.co.ID)) ||
		!strings.Contains(body, `name="force" value="1"`) {
		t.Fatalf("no warning with a link and create anyway:\n%.4000s", body)
	}
	wantStatus(t, "bad employees", e.do(http.MethodPost, "/companies", p.admin, vals("name", "別会社", "employees", "many")),
		http.StatusUnprocessableEntity)
	f.Set("force", "1")
	wantStatus(t, "create anyway", e.do(http.MethodPost, "/companies", p.admin, f), http.StatusSeeOther)
	page, err := e.app.ListCompanies(context.Background(), p.adminAc, store.CompanyQuery{Name: "サンプル"})
	if err != nil || page.Total != 2 {
		t.Errorf("companies named like サンプル: %d (%v), want 2", page.Total, err)
	}
}

// TestMergeScreen merges a duplicate into a contact through the merge
// screen: the result keeps both timelines and the other contact is gone.
func TestMergeScreen(t *testing.T) {
	p := newPeople(t)
	e := p.e
	ctx := context.Background()
	dup := p.contact(t, app.ContactInput{Contact: crm.Contact{PersonName: crm.PersonName{Family: "山田", Given: "太郎"},
		CompanyID: p.co.ID, Phone: "03-1234-5678", JobTitle: "課長", Tags: []string{"VIP"}}})
	// The contact's page offers the duplicate.
	body := e.do(http.MethodGet, fmt.Sprintf("/contacts/%d", p.taro.ID), p.admin, nil).Body.String()
	if !strings.Contains(body, fmt.Sprintf("/contacts/%d/merge?with=%d", p.taro.ID, dup.ID)) {
		t.Fatal("the possible duplicate is not offered")
	}
	w := e.do(http.MethodGet, fmt.Sprintf("/contacts/%d/merge?with=%d", p.taro.ID, dup.ID), p.admin, nil)
	wantStatus(t, "merge screen", w, http.StatusOK)
	if !strings.Contains(w.Body.String(), "課長") {
		t.Error("the merge screen does not show the other contact's values")
	}
	// keep_id must be one of the two on the screen.
	wantStatus(t, "merge unrelated", e.do(http.MethodPost, fmt.Sprintf("/contacts/%d/merge", p.taro.ID), p.admin,
		vals("keep_id", fmt.Sprint(p.hanako.ID), "drop_id", fmt.Sprint(dup.ID))), http.StatusUnprocessableEntity)
	w = e.do(http.MethodPost, fmt.Sprintf("/contacts/%d/merge", p.taro.ID), p.admin,
		vals("keep_id", fmt.Sprint(p.taro.ID), "drop_id", fmt.Sprint(dup.ID)))
	wantStatus(t, "merge", w, http.StatusSeeOther)
	if _, err := e.app.Contact(ctx, p.adminAc, dup.ID); err == nil {
		t.Error("the merged contact still exists")
	}
	kept, err := e.app.Contact(ctx, p.adminAc, p.taro.ID)
	if err != nil || kept.JobTitle != "課長" || !slices.Contains(kept.Tags, "VIP") {
		t.Errorf("kept contact %+v (%v)", kept, err)
	}
	body = e.do(http.MethodGet, fmt.Sprintf("/contacts/%d", p.taro.ID), p.admin, nil).Body.String()
	if !strings.Contains(body, "Merged") && !strings.Contains(body, "統合") {
		t.Error("the timeline does not show the merge")
	}
}

// TestErasePerson: erasing needs the admin to type the e-mail address;
// then the person is gone and cannot be added again.
func TestErasePerson(t *testing.T) {
	p := newPeople(t)
	e := p.e
	c := p.hanako
	path := fmt.Sprintf("/contacts/%d/erase", c.ID)
	w := e.do(http.MethodPost, path, p.admin, vals("confirm", "hanako"))
	wantStatus(t, "wrong confirmation", w, http.StatusUnprocessableEntity)
	if fieldError(w.Body.String(), "f-confirm") == "" {
		t.Error("no message under the confirmation")
	}
	wantStatus(t, "erase", e.do(http.MethodPost, path, p.admin, vals("confirm", c.Email)), http.StatusSeeOther)
	wantStatus(t, "erased page", e.do(http.MethodGet, fmt.Sprintf("/contacts/%d", c.ID), p.admin, nil), http.StatusNotFound)
	if body := e.do(http.MethodGet, "/contacts?q=hanako", p.admin, nil).Body.String(); strings.Contains(body, "hanako@example.jp") {
		t.Error("the erased person is still found")
	}
	w = e.do(http.MethodPost, "/contacts", p.admin, vals("email", c.Email, "lifecycle_stage", "lead", "consent", "unknown", "original_source", "manual"))
	wantStatus(t, "add again", w, http.StatusUnprocessableEntity)
}

// TestConsentForm records consent with its wording; it shows in the
// history on the contact's page.
func TestConsentForm(t *testing.T) {
	p := newPeople(t)
	e := p.e
	path := fmt.Sprintf("/contacts/%d", p.hanako.ID)
	wantStatus(t, "bad status", e.do(http.MethodPost, path+"/consent", p.admin, vals("consent", "maybe")), http.StatusUnprocessableEntity)
	wantStatus(t, "consent", e.do(http.MethodPost, path+"/consent", p.admin,
		vals("consent", "granted", "wording", "メールマガジンの受け取りに同意します")), http.StatusSeeOther)
	body := e.do(http.MethodGet, path, p.admin, nil).Body.String()
	if !strings.Contains(body, "メールマガジンの受け取りに同意します") {
		t.Error("the consent wording is not in the history")
	}
}

// TestPersonExport downloads everything about a person as JSON and CSV.
func TestPersonExport(t *testing.T) {
	p := newPeople(t)
	e := p.e
	w := e.do(http.MethodGet, fmt.Sprintf("/contacts/%d/export?format=json", p.evil.ID), p.admin, nil)
	wantStatus(t, "json", w, http.StatusOK)
	if ct := w.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") ||
		!strings.Contains(w.Header().Get("Content-Disposition"), "attachment") {
		t.Errorf("json headers: %v", w.Header())
	}
	if !strings.Contains(w.Body.String(), `"Email": "evil@example.jp"`) {
		t.Errorf("json export:\n%.1000s", w.Body.String())
	}
	w = e.do(http.MethodGet, fmt.Sprintf("/contacts/%d/export?format=csv", p.evil.ID), p.admin, nil)
	wantStatus(t, "csv", w, http.StatusOK)
	if body := w.Body.String(); !strings.HasPrefix(body, "\uFEFF") || !strings.Contains(body, "evil@example.jp") ||
		!strings.Contains(body, "timeline") {
		t.Errorf("csv export:\n%.1000s", body)
	}
}

// TestListExport downloads the filtered list as CSV, UTF-8 with a BOM or
// Shift_JIS.
func TestListExport(t *testing.T) {
	p := newPeople(t)
	e := p.e
	w := e.do(http.MethodGet, "/contacts/export?enc=utf-8&stage=customer", p.viewr, nil)
	wantStatus(t, "utf-8", w, http.StatusOK)
	body := w.Body.String()
	if !strings.HasPrefix(body, "\uFEFF") || !strings.Contains(body, "hanako@example.jp") || strings.Contains(body, "taro@example.jp") {
		t.Errorf("utf-8 export:\n%.1000s", body)
	}
	w = e.do(http.MethodGet, "/contacts/export?enc=shift_jis", p.admin, nil)
	wantStatus(t, "shift_jis", w, http.StatusOK)
	if !strings.Contains(w.Header().Get("Content-Type"), "Shift_JIS") || strings.HasPrefix(w.Body.String(), "\uFEFF") {
		t.Errorf("shift_jis export headers %v", w.Header())
	}
	wantStatus(t, "bad filter", e.do(http.MethodGet, "/contacts/export?pk=budget&po=gt&pv=x", p.admin, nil), http.StatusUnprocessableEntity)
	w = e.do(http.MethodGet, "/companies/export?enc=utf-8", p.admin, nil)
	wantStatus(t, "companies", w, http.StatusOK)
	if !strings.Contains(w.Body.String(), "株式会社サンプル") {
		t.Errorf("company export:\n%.500s", w.Body.String())
	}
}

// multipartForm encodes fields and one file as multipart/form-data.
func multipartForm(t *testing.T, fields map[string][]string, filename string, data []byte) (string, *bytes.Buffer) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, vs := range fields {
		for _, v := range vs {
			mw.WriteField(k, v)
		}
	}
	if filename != "" {
		fw, err := mw.CreateFormFile("file", filename)
		if err != nil {
			t.Fatal(err)
		}
		fw.Write(data)
	}
	mw.Close()
	return mw.FormDataContentType(), &buf
}

// upload posts a multipart form.
func (e *testEnv) upload(path, session, contentType string, body io.Reader, headers ...string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(http.MethodPost, "http://"+testHost+path, body)
	r.Header.Set("Content-Type", contentType)
	r.AddCookie(&http.Cookie{Name: sessionCookie, Value: session})
	for i := 0; i+1 < len(headers); i += 2 {
		r.Header.Set(headers[i], headers[i+1])
	}
	w := httptest.NewRecorder()
	e.h.ServeHTTP(w, r)
	return w
}

// TestImportWizard: the preview proposes a mapping with sample values, the
// start queues the import with the chosen mapping and options, and the
// progress page shows the result with the row errors once the job ran.
func TestImportWizard(t *testing.T) {
	p := newPeople(t)
	e := p.e
	p.setLang(t, "en")
	csv := []byte("メールアドレス,姓,名,会社名,Memo\nsuzuki@example.jp,鈴木,一郎,株式会社サンプル,first\nnot-an-email,佐藤,次郎,,second\n")

	// Preview.
	ct, body := multipartForm(t, map[string][]string{"object": {"contact"}, "encoding": {"auto"}}, "list.csv", csv)
	w := e.upload("/imports/preview", p.admin, ct, body, "HX-Request", "true")
	wantStatus(t, "preview", w, http.StatusOK)
	page := w.Body.String()
	for _, want := range []string{`value="メールアドレス"`, `<option value="email" selected>`, "suzuki@example.jp", `id="import-start"`} {
		if !strings.Contains(page, want) {
			t.Errorf("preview lacks %q:\n%.3000s", want, page)
		}
	}
	// An empty file is a message, not an error page.
	ct, body = multipartForm(t, map[string][]string{"object": {"contact"}, "encoding": {"auto"}}, "empty.csv", nil)
	w = e.upload("/imports/preview", p.admin, ct, body, "HX-Request", "true")
	wantStatus(t, "empty preview", w, http.StatusUnprocessableEntity)
	if !strings.Contains(w.Body.String(), "The file is empty") {
		t.Errorf("empty file: %s", w.Body.String())
	}
	// Changing the encoding before choosing a file previews nothing and
	// says nothing; the "next" button without a file says what is missing.
	ct, body = multipartForm(t, map[string][]string{"object": {"contact"}, "encoding": {"shift_jis"}}, "", nil)
	w = e.upload("/imports/preview", p.admin, ct, body, "HX-Request", "true", "HX-Trigger", "import-upload")
	wantStatus(t, "preview without a file", w, http.StatusOK)
	if !strings.Contains(w.Body.String(), `id="import-next"`) || strings.Contains(w.Body.String(), "alert") {
		t.Errorf("preview without a file:\n%s", w.Body.String())
	}
	ct, body = multipartForm(t, map[string][]string{"object": {"contact"}}, "", nil)
	w = e.upload("/imports/preview", p.admin, ct, body, "HX-Request", "true", "HX-Trigger", "import-next")
	wantStatus(t, "next without a file", w, http.StatusUnprocessableEntity)
	if !strings.Contains(w.Body.String(), "Choose a CSV file") {
		t.Errorf("next without a file:\n%s", w.Body.String())
	}
	// No file at all when starting: the wizard again with a message.
	ct, body = multipartForm(t, map[string][]string{"object": {"contact"}}, "", nil)
	wantStatus(t, "start without file", e.upload("/imports", p.admin, ct, body), http.StatusUnprocessableEntity)

	// Start, mapping Memo to the memo property and tagging the rows.
	ct, body = multipartForm(t, map[string][]string{"object": {"contact"}, "encoding": {"auto"}, "source": {"marketing"},
		"tags": {"名刺2026"}, "col_header": {"メールアドレス", "姓", "名", "会社名", "Memo"},
		"col_field": {"email", "family_name", "given_name", "company_name", "prop:memo"}}, "list.csv", csv)
	w = e.upload("/imports", p.admin, ct, body)
	wantStatus(t, "start", w, http.StatusSeeOther)
	loc := w.Header().Get("Location")
	if !regexp.MustCompile(`^/imports/\d+$`).MatchString(loc) {
		t.Fatalf("start went to %q", loc)
	}
	w = e.do(http.MethodGet, loc, p.admin, nil)
	wantStatus(t, "progress page", w, http.StatusOK)
	if !strings.Contains(w.Body.String(), `hx-trigger="every 1s"`) || !strings.Contains(w.Body.String(), "<progress") {
		t.Error("the progress page does not poll with a progress bar")
	}

	// Run the job and poll the fragment until it stops polling.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	runner := jobs.NewRunner(e.store, e.app.JobHandlers(), nil, e.app.Log)
	runner.Poll = 20 * time.Millisecond
	done := make(chan struct{})
	go func() { runner.Run(ctx); close(done) }()
	defer func() { cancel(); <-done }()
	deadline := time.Now().Add(15 * time.Second)
	var frag string
	for {
		w = e.do(http.MethodGet, loc+"/progress", p.admin, nil, "HX-Request", "true")
		wantStatus(t, "progress", w, http.StatusOK)
		frag = w.Body.String()
		if !strings.Contains(frag, "hx-trigger") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the import did not finish:\n%s", frag)
		}
		time.Sleep(20 * time.Millisecond)
	}
	for _, want := range []string{`id="count-created">1<`, `id="count-errors">1<`, `id="row-errors"`, "<td class=\"text-nowrap\">3</td>", "e-mail"} {
		if !strings.Contains(frag, want) {
			t.Errorf("the finished import does not show %q:\n%s", want, frag)
		}
	}
	c, err := e.app.ListContacts(context.Background(), p.adminAc, store.ContactQuery{Text: "suzuki@example.jp", Limit: 5})
	if err != nil || len(c.Contacts) != 1 {
		t.Fatalf("imported contact: %+v %v", c, err)
	}
	got := c.Contacts[0]
	if got.Props["memo"] != "first" || !slices.Contains(got.Tags, "名刺2026") || got.OriginalSource != crm.SourceImportMkt || got.CompanyID != p.co.ID {
		t.Errorf("imported contact %+v", got)
	}
	// The history lists it.
	if body := e.do(http.MethodGet, "/imports", p.admin, nil).Body.String(); !strings.Contains(body, "list.csv") {
		t.Error("the history does not list the import")
	}
}

// TestContactsPaging walks the list forward and back with keyset paging,
// and the timeline of a contact page by page.
func TestContactsPaging(t *testing.T) {
	p := newPeople(t)
	e := p.e
	ctx := context.Background()
	for i := range contactsPageSize + 5 {
		p.contact(t, app.ContactInput{Contact: crm.Contact{Email: fmt.Sprintf("page%02d@example.jp", i),
			PersonName: crm.PersonName{Family: "頁", Given: fmt.Sprint(i)}}})
	}
	next := regexp.MustCompile(`href="(/contacts\?[^"]*cursor=[^"]*)" class="btn btn-sm ms-auto"`)
	prev := regexp.MustCompile(`href="(/contacts[^"]*)" class="btn btn-sm"><i class="ti ti-chevron-left`)
	w := e.do(http.MethodGet, "/contacts?sort=email", p.admin, nil)
	wantStatus(t, "page 1", w, http.StatusOK)
	body := w.Body.String()
	if prev.MatchString(body) {
		t.Error("the first page has a previous link")
	}
	m := next.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no next link on page 1")
	}
	if !strings.Contains(body, "anna") && !strings.Contains(body, "evil@example.jp") {
		t.Error("page 1 does not start with the first e-mail addresses")
	}
	w = e.do(http.MethodGet, html.UnescapeString(m[1]), p.admin, nil)
	wantStatus(t, "page 2", w, http.StatusOK)
	body = w.Body.String()
	if !strings.Contains(body, "taro@example.jp") || strings.Contains(body, "evil@example.jp") || next.MatchString(body) {
		t.Errorf("page 2 is not the rest of the list")
	}
	m = prev.FindStringSubmatch(body)
	if m == nil {
		t.Fatal("no previous link on page 2")
	}
	w = e.do(http.MethodGet, html.UnescapeString(m[1]), p.admin, nil)
	if !strings.Contains(w.Body.String(), "evil@example.jp") || prev.MatchString(w.Body.String()) {
		t.Error("previous does not lead back to page 1")
	}

	// A timeline longer than a page.
	c := p.hanako
	for i := range timelinePageSize + 2 {
		st := crm.ConsentGranted
		if i%2 == 1 {
			st = crm.ConsentWithdrawn
		}
		if err := e.app.SetConsent(ctx, p.adminAc, c.ID, st, "manual", fmt.Sprint("wording ", i)); err != nil {
			t.Fatal(err)
		}
	}
	body = e.do(http.MethodGet, fmt.Sprintf("/contacts/%d", c.ID), p.admin, nil).Body.String()
	older := regexp.MustCompile(`href="(/contacts/\d+\?before=[0-9_]+)#timeline"`).FindStringSubmatch(body)
	if older == nil {
		t.Fatal("no link to older timeline entries")
	}
	body = e.do(http.MethodGet, older[1], p.admin, nil).Body.String()
	if n := strings.Count(body, `class="timeline-event"`); n != 3 {
		t.Errorf("the second timeline page has %d entries, want 3 (%d+2 consent changes and the creation)", n, timelinePageSize)
	}
}

// TestCompanyPages edits, merges and deletes companies through the UI.
func TestCompanyPages(t *testing.T) {
	p := newPeople(t)
	e := p.e
	ctx := context.Background()
	co := p.co
	path := fmt.Sprintf("/companies/%d", co.ID)
	f := vals("version", fmt.Sprint(co.Version), "name", "株式会社サンプル", "domain", "not a domain", "employees", "10", "props.tier", "gold",
		"postal_code", "100-0001", "prefecture", "東京都", "city", "千代田区", "street", "千代田1-1")
	w := e.do(http.MethodPost, path, p.admin, f)
	wantStatus(t, "bad domain", w, http.StatusUnprocessableEntity)
	if fieldError(w.Body.String(), "f-domain") == "" {
		t.Error("no message under the domain")
	}
	f.Set("domain", "https://www.sample.co.jp/")
	f.Set("props.tier", "silver")
	wantStatus(t, "edit", e.do(http.MethodPost, path, p.admin, f), http.StatusSeeOther)
	got, err := e.app.Company(ctx, p.adminAc, co.ID)
	if err != nil || got.Domain != "sample.co.jp" || got.Props["tier"] != "silver" || got.Employees != 10 {
		t.Errorf("edited company %+v (%v)", got, err)
	}
	// The address in Japanese order on the Japanese page.
	p.setLang(t, "ja")
	if body := e.do(http.MethodGet, path, p.admin, nil).Body.String(); !strings.Contains(body, "〒100-0001 東京都千代田区千代田1-1") {
		t.Error("the address is not in Japanese order")
	}
	other, err := e.app.CreateCompany(ctx, p.adminAc, app.CompanyInput{Company: crm.Company{Name: "サンプル株式会社", Phone: "03-0000-0000"}}, true)
	if err != nil {
		t.Fatal(err)
	}
	// The merge screen offers the look-alike.
	if body := e.do(http.MethodGet, path+"/merge", p.admin, nil).Body.String(); !strings.Contains(body, fmt.Sprintf("merge?with=%d", other.ID)) {
		t.Error("the merge screen does not offer the company with the same name")
	}
	wantStatus(t, "merge", e.do(http.MethodPost, path+"/merge", p.admin,
		vals("keep_id", fmt.Sprint(co.ID), "drop_id", fmt.Sprint(other.ID))), http.StatusSeeOther)
	if got, _ := e.app.Company(ctx, p.adminAc, co.ID); got.Phone != "03-0000-0000" {
		t.Errorf("merged company phone %q", got.Phone)
	}
	wantStatus(t, "delete", e.do(http.MethodPost, path+"/delete", p.admin, nil), http.StatusSeeOther)
	wantStatus(t, "deleted", e.do(http.MethodGet, path, p.admin, nil), http.StatusNotFound)
	// Its contacts stay.
	if c, err := e.app.Contact(ctx, p.adminAc, p.taro.ID); err != nil || c.CompanyID != 0 {
		t.Errorf("contact of a deleted company: %+v (%v)", c, err)
	}
	wantStatus(t, "delete contact", e.do(http.MethodPost, fmt.Sprintf("/contacts/%d/delete", p.taro.ID), p.admin, nil), http.StatusSeeOther)
	if _, err := e.app.Contact(ctx, p.adminAc, p.taro.ID); err == nil {
		t.Error("the deleted contact is still there")
	}
}

// TestPropertiesSettings adds, edits and deletes a custom property.
func TestPropertiesSettings(t *testing.T) {
	p := newPeople(t)
	e := p.e
	p.setLang(t, "en")
	w := e.do(http.MethodPost, "/settings/properties", p.admin, vals("object", "contact", "key", "Bad Key", "type", "choice"))
	wantStatus(t, "bad property", w, http.StatusUnprocessableEntity)
	body := w.Body.String()
	for id, want := range map[string]string{"f-key": "lower-case", "f-label_en": "label", "f-options": "choice"} {
		if got := fieldError(body, id); !strings.Contains(got, want) {
			t.Errorf("message under %s = %q, want %q", id, got, want)
		}
	}
	wantStatus(t, "taken key", e.do(http.MethodPost, "/settings/properties", p.admin,
		vals("object", "contact", "key", "budget", "label_en", "Budget", "type", "number")), http.StatusUnprocessableEntity)
	wantStatus(t, "create", e.do(http.MethodPost, "/settings/properties", p.admin,
		vals("object", "company", "key", "segment", "label_ja", "セグメント", "label_en", "Segment", "type", "choice", "options", "SMB\nEnterprise\n")),
		http.StatusSeeOther)
	props, err := e.app.Properties(context.Background(), p.adminAc, "company")
	if err != nil {
		t.Fatal(err)
	}
	var seg crm.Property
	for _, pr := range props {
		if pr.Key == "segment" {
			seg = pr
		}
	}
	if seg.ID == 0 || len(seg.Options) != 2 {
		t.Fatalf("created property %+v", seg)
	}
	path := fmt.Sprintf("/settings/properties/%d", seg.ID)
	f := vals("version", fmt.Sprint(seg.Version), "label_ja", "区分", "label_en", "Segment", "options", "SMB\nMid\nEnterprise")
	wantStatus(t, "edit", e.do(http.MethodPost, path, p.admin, f), http.StatusSeeOther)
	wantStatus(t, "stale edit", e.do(http.MethodPost, path, p.admin, f), http.StatusConflict)
	if body := e.do(http.MethodGet, fmt.Sprintf("/companies/%d/edit", p.co.ID), p.admin, nil).Body.String(); !strings.Contains(body, `<option value="Mid">`) {
		t.Error("the company form does not offer the new choice")
	}
	wantStatus(t, "delete", e.do(http.MethodPost, path+"/delete", p.admin, nil), http.StatusSeeOther)
	wantStatus(t, "deleted", e.do(http.MethodGet, path, p.admin, nil), http.StatusNotFound)
}

// TestEstimatedTotal: a list with more matches than are counted says
// "10,000+".
func TestEstimatedTotal(t *testing.T) {
	e := newEnv(t)
	e.setup()
	r := httptest.NewRequest(http.MethodGet, "/contacts", nil)
	for _, tt := range []struct {
		lang crm.Language
		want string
	}{{crm.LangEN, "10,000+ contacts"}, {crm.LangJA, "10,000+ 件のコンタクト"}} {
		rq := &req{lang: tt.lang}
		p := e.srv.newPage(nil, r, rq, "contacts.title")
		p.Form = newForm()
		p.Data = &contactsData{Dir: &directory{}, Page: store.ContactPage{Contacts: []crm.Contact{{ID: 1, Email: "a@example.jp"}},
			Total: store.ExactTotalUpTo, TotalExact: false}}
		w := httptest.NewRecorder()
		e.srv.render(w, r, rq, http.StatusOK, "contacts", p)
		if !strings.Contains(html.UnescapeString(w.Body.String()), tt.want) {
			t.Errorf("%s: the total does not read %q", tt.lang, tt.want)
		}
	}
}
