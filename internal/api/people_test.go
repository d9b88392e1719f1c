package api

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"renkei/internal/app"
	"renkei/internal/crm"
)

// peopleTables are the tables the people routes write to.
var peopleTables = []string{"companies", "contacts", "tags", "contact_tags", "properties", "timeline",
	"consent_events", "suppressions"}

// dumpPeople renders every row of the people tables, for "nothing
// changed" checks.
func (e *env) dumpPeople() map[string][]string {
	e.t.Helper()
	out := map[string][]string{}
	for _, table := range peopleTables {
		rows, err := e.st.DB().QueryContext(context.Background(), "SELECT * FROM "+table+" ORDER BY 1, 2")
		if err != nil {
			e.t.Fatalf("dump %s: %v", table, err)
		}
		cols, _ := rows.Columns()
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				e.t.Fatal(err)
			}
			parts := make([]string, len(cols))
			for i, v := range vals {
				if b, ok := v.([]byte); ok {
					v = string(b)
				}
				parts[i] = fmt.Sprintf("%s=%v", cols[i], v)
			}
			out[table] = append(out[table], strings.Join(parts, " "))
		}
		rows.Close()
	}
	return out
}

func (e *env) admin() app.Actor { return app.Actor{User: e.users["admin"]} }

// newContact creates a contact as the admin.
func (e *env) newContact(email, family string) crm.Contact {
	e.t.Helper()
	c, err := e.app.CreateContact(context.Background(), e.admin(), app.ContactInput{
		Contact: crm.Contact{Email: email, PersonName: crm.PersonName{Family: family}}})
	if err != nil {
		e.t.Fatal(err)
	}
	return c
}

// newCompany creates a company as the admin (duplicates allowed).
func (e *env) newCompany(name string) crm.Company {
	e.t.Helper()
	co, err := e.app.CreateCompany(context.Background(), e.admin(), app.CompanyInput{Company: crm.Company{Name: name}}, true)
	if err != nil {
		e.t.Fatal(err)
	}
	return co
}

// newProperty defines a custom property as the admin.
func (e *env) newProperty(object, key string, typ crm.PropertyType, options ...string) crm.Property {
	e.t.Helper()
	p, err := e.app.CreateProperty(context.Background(), e.admin(),
		crm.Property{Object: object, Key: key, LabelEN: key, Type: typ, Options: options})
	if err != nil {
		e.t.Fatal(err)
	}
	return p
}

// id reads the id of a created record.
func (r result) id(t *testing.T) int64 {
	t.Helper()
	id, ok := r.obj(t)["id"].(float64)
	if !ok {
		t.Fatalf("no id in %s", r.body)
	}
	return int64(id)
}

// peopleSamples are the permission walk's requests for the people routes;
// each role gets its own records to delete, merge and erase.
func (e *env) peopleSamples(role string) map[string]sample {
	c := e.newContact("walk-"+role+"@example.jp", "")
	doomed := e.newContact("doomed-"+role+"@example.jp", "")
	merged := e.newContact("merged-"+role+"@example.jp", "")
	erased := e.newContact("erased-"+role+"@example.jp", "")
	co := e.newCompany("Walk " + role + " 株式会社")
	doomedCo := e.newCompany("Doomed " + role)
	mergedCo := e.newCompany("Merged " + role)
	p := e.newProperty("contact", "walk_"+role, crm.PropText)
	doomedP := e.newProperty("company", "doomed_"+role, crm.PropText)
	stale := []string{"If-Match", `"999"`}
	return map[string]sample{
		"GET /contacts":                {path: "/contacts?lifecycle_stage=lead&sort=name"},
		"POST /contacts":               {path: "/contacts", body: map[string]any{"email": "new-" + role + "@example.jp", "family_name": "歩"}},
		"GET /contacts/{id}":           {path: fmt.Sprintf("/contacts/%d", c.ID)},
		"PATCH /contacts/{id}":         {path: fmt.Sprintf("/contacts/%d", c.ID), body: map[string]any{"job_title": "x"}, headers: stale},
		"DELETE /contacts/{id}":        {path: fmt.Sprintf("/contacts/%d", doomed.ID)},
		"GET /contacts/{id}/timeline":  {path: fmt.Sprintf("/contacts/%d/timeline", c.ID)},
		"POST /contacts/{id}/merge":    {path: fmt.Sprintf("/contacts/%d/merge", c.ID), body: map[string]any{"merge_id": merged.ID}},
		"PUT /contacts/{id}/consent":   {path: fmt.Sprintf("/contacts/%d/consent", c.ID), body: map[string]any{"status": "granted"}},
		"GET /contacts/{id}/export":    {path: fmt.Sprintf("/contacts/%d/export?format=csv", c.ID)},
		"POST /contacts/{id}/erase":    {path: fmt.Sprintf("/contacts/%d/erase", erased.ID)},
		"GET /companies":               {path: "/companies?q=walk"},
		"POST /companies":              {path: "/companies", body: map[string]any{"name": "New " + role + " 合同会社"}},
		"GET /companies/{id}":          {path: fmt.Sprintf("/companies/%d", co.ID)},
		"PATCH /companies/{id}":        {path: fmt.Sprintf("/companies/%d", co.ID), body: map[string]any{"city": "x"}, headers: stale},
		"DELETE /companies/{id}":       {path: fmt.Sprintf("/companies/%d", doomedCo.ID)},
		"GET /companies/{id}/timeline": {path: fmt.Sprintf("/companies/%d/timeline", co.ID)},
		"POST /companies/{id}/merge":   {path: fmt.Sprintf("/companies/%d/merge", co.ID), body: map[string]any{"merge_id": mergedCo.ID}},
		"GET /properties":              {path: "/properties?object=contact"},
		"POST /properties":             {path: "/properties", body: map[string]any{"object": "contact", "key": "new_" + role, "label_en": "New", "type": "text"}},
		"GET /properties/{id}":         {path: fmt.Sprintf("/properties/%d", p.ID)},
		"PATCH /properties/{id}":       {path: fmt.Sprintf("/properties/%d", p.ID), body: map[string]any{"label_en": "x"}, headers: stale},
		"DELETE /properties/{id}":      {path: fmt.Sprintf("/properties/%d", doomedP.ID)},
	}
}

// happyPeople uses every people route the way a client would, for
// TestHappyPaths.
func (e *env) happyPeople() {
	t := e.t
	ctx := context.Background()
	ja := []string{"Accept-Language", "ja"}

	// Custom properties.
	res := e.do("admin", "POST", "/api/v1/properties", map[string]any{"object": "contact", "key": "budget",
		"label_ja": "予算", "label_en": "Budget", "type": "number", "position": 1}).want(t, 201)
	budgetURL := res.header.Get("Location")
	if want := fmt.Sprintf("/api/v1/properties/%d", res.id(t)); budgetURL != want {
		t.Errorf("Location = %q, want %q", budgetURL, want)
	}
	e.do("admin", "POST", "/api/v1/properties", map[string]any{"object": "contact", "key": "region",
		"label_ja": "地域", "type": "multi_choice", "options": []string{"関東", "関西", "九州"}, "position": 2}).want(t, 201)
	e.do("admin", "POST", "/api/v1/properties", map[string]any{"object": "company", "key": "tier",
		"label_en": "Tier", "type": "choice", "options": []string{"A", "B"}}).want(t, 201)
	res = e.do("viewer", "GET", "/api/v1/properties?object=contact", nil).want(t, 200)
	var keys []string
	for _, d := range res.obj(t)["data"].([]any) {
		keys = append(keys, d.(map[string]any)["key"].(string))
	}
	if fmt.Sprint(keys) != "[budget region]" {
		t.Errorf("contact properties = %v", keys)
	}
	res = e.do("viewer", "GET", budgetURL, nil).want(t, 200)
	res = e.do("admin", "PATCH", budgetURL, map[string]any{"label_en": "Budget (JPY)"}, "If-Match", res.etag(t)).want(t, 200)
	if m := res.obj(t); m["label_en"] != "Budget (JPY)" || m["label_ja"] != "予算" || m["key"] != "budget" || m["type"] != "number" {
		t.Errorf("after PATCH: %v", m)
	}

	// Companies, with duplicate detection across legal forms.
	res = e.do("sales", "POST", "/api/v1/companies", map[string]any{"name": "株式会社サンプル", "reading": "さんぷる",
		"domain": "https://www.Sample.co.jp/about", "employees": 120, "postal_code": "100-0001", "prefecture": "東京都",
		"city": "千代田区", "street": "千代田1-1", "properties": map[string]any{"tier": "A"}}, ja...).want(t, 201)
	co := res.obj(t)
	coID := res.id(t)
	coURL := res.header.Get("Location")
	if co["legal_form"] != "株式会社" || co["reading"] != "サンプル" || co["domain"] != "sample.co.jp" ||
		co["address"] != "〒100-0001 東京都千代田区千代田1-1" || co["employees"] != float64(120) ||
		fmt.Sprint(co["properties"]) != "map[tier:A]" {
		t.Errorf("created company: %v", co)
	}
	res = e.do("sales", "POST", "/api/v1/companies", map[string]any{"name": "サンプル Co., Ltd."}).want(t, 422)
	if msg := res.fieldErrors(t)["name"]; !strings.Contains(msg, "株式会社サンプル") || !strings.Contains(msg, fmt.Sprint(coID)) {
		t.Errorf("duplicate name message = %q", msg)
	}
	res = e.do("sales", "POST", "/api/v1/companies?force=true", map[string]any{"name": "サンプル Co., Ltd.", "employees": 5}).want(t, 201)
	dupURL, dupID := res.header.Get("Location"), res.id(t)
	res = e.do("viewer", "GET", "/api/v1/companies?q=サンプル", nil).want(t, 200)
	if m := res.obj(t); m["total"] != float64(2) || m["total_is_estimate"] != false || len(m["data"].([]any)) != 2 {
		t.Errorf("company list: %v", m)
	}
	res = e.do("viewer", "GET", dupURL, nil).want(t, 200)
	res = e.do("sales", "PATCH", dupURL, map[string]any{"name": "サンプル合同会社", "employees": nil}, "If-Match", res.etag(t)).want(t, 200)
	if m := res.obj(t); m["legal_form"] != "合同会社" || m["employees"] != nil || m["name"] != "サンプル合同会社" {
		t.Errorf("after PATCH: %v", m)
	}

	// Contacts.
	sales := e.users["sales"]
	res = e.do("marketing", "POST", "/api/v1/contacts", map[string]any{
		"email": "ＴＡＲＯ@Example.jp", "family_name": "山田", "given_name": "太郎", "family_reading": "ﾔﾏﾀﾞ",
		"given_reading": "たろう", "company_name": "サンプル株式会社", "tags": []string{"展示会", "vip", "vip"},
		"lifecycle_stage": "mql", "owner_id": sales.ID, "properties": map[string]any{"budget": "1,200,000", "region": []string{"関東"}},
	}, ja...).want(t, 201)
	c := res.obj(t)
	taroURL, taroID := res.header.Get("Location"), res.id(t)
	if taroURL != fmt.Sprintf("/api/v1/contacts/%d", taroID) {
		t.Errorf("Location = %q", taroURL)
	}
	if c["email"] != "taro@example.jp" || c["family_reading"] != "ヤマダ" || c["given_reading"] != "タロウ" ||
		c["display_name"] != "山田 太郎" || c["honorific"] != "様" || c["original_source"] != "api" ||
		c["source_group"] != "outbound" || c["lifecycle_stage"] != "mql" || c["owner_id"] != float64(sales.ID) ||
		fmt.Sprint(c["company"]) != fmt.Sprintf("map[id:%d name:株式会社サンプル]", coID) ||
		fmt.Sprint(c["tags"]) != "[vip 展示会]" || fmt.Sprint(c["properties"]) != "map[budget:1.2e+06 region:[関東]]" {
		t.Errorf("created contact: %v", c)
	}
	if res.header.Get("Content-Language") != "ja" {
		t.Errorf("Content-Language = %q", res.header.Get("Content-Language"))
	}

	// Display names follow Accept-Language, else the user's language.
	res = e.do("sales", "POST", "/api/v1/contacts", map[string]any{"email": "taro@example.com", "family_name": "Yamada",
		"given_name": "Taro", "company_id": coID, "original_source": "web_form"}).want(t, 201)
	latinURL, latinID := res.header.Get("Location"), res.id(t)
	if m := res.obj(t); m["source_group"] != "marketing" {
		t.Errorf("source_group = %v", m["source_group"])
	}
	for _, tt := range []struct{ role, accept, want string }{
		{"viewer", "ja-JP,ja;q=0.9,en;q=0.8", "Yamada Taro"},
		{"viewer", "fr-FR, en-GB;q=0.8", "Taro Yamada"},
		{"viewer", "", "Taro Yamada"}, // the viewer's language is English
	} {
		res = e.do(tt.role, "GET", latinURL, nil, "Accept-Language", tt.accept).want(t, 200)
		if got := res.obj(t)["display_name"]; got != tt.want {
			t.Errorf("Accept-Language %q: display_name = %v, want %s", tt.accept, got, tt.want)
		}
	}

	// PATCH changes only what is sent.
	res = e.do("viewer", "GET", taroURL, nil).want(t, 200)
	before := res.obj(t)
	res = e.do("sales", "PATCH", taroURL, map[string]any{"job_title": "部長", "company_id": nil,
		"properties": map[string]any{"region": nil, "budget": 5}}, append([]string{"If-Match", res.etag(t)}, ja...)...).want(t, 200)
	after := res.obj(t)
	if after["job_title"] != "部長" || after["company"] != nil || fmt.Sprint(after["properties"]) != "map[budget:5]" ||
		after["version"] != before["version"].(float64)+1 {
		t.Errorf("after PATCH: %v", after)
	}
	for _, f := range []string{"email", "family_name", "given_name", "family_reading", "tags", "lifecycle_stage", "owner_id", "created_at"} {
		if fmt.Sprint(after[f]) != fmt.Sprint(before[f]) {
			t.Errorf("PATCH changed %s: %v → %v", f, before[f], after[f])
		}
	}
	stored, err := e.st.Contact(ctx, taroID)
	if err != nil || stored.JobTitle != "部長" || stored.CompanyID != 0 || stored.Email != "taro@example.jp" || len(stored.Tags) != 2 {
		t.Errorf("stored contact: %+v %v", stored, err)
	}

	// The timeline pages by (time, id).
	res = e.do("viewer", "GET", taroURL+"/timeline?limit=1", nil).want(t, 200)
	m := res.obj(t)
	first := m["data"].([]any)
	cursor, _ := m["next_cursor"].(string)
	if len(first) != 1 || first[0].(map[string]any)["kind"] != "updated" || cursor == "" {
		t.Fatalf("timeline page 1: %s", res.body)
	}
	if ch := first[0].(map[string]any)["data"].(map[string]any)["changes"].(map[string]any); ch["job_title"] == nil {
		t.Errorf("changes = %v", ch)
	}
	// (Created as an MQL, Taro was also handed to sales: "assigned".)
	res = e.do("viewer", "GET", taroURL+"/timeline?limit=2&cursor="+cursor, nil).want(t, 200)
	m = res.obj(t)
	if d := m["data"].([]any); len(d) != 2 || d[1].(map[string]any)["kind"] != "created" || m["next_cursor"] != nil {
		t.Errorf("timeline page 2: %s", res.body)
	}

	// Consent with its wording.
	res = e.do("marketing", "PUT", taroURL+"/consent", map[string]any{"status": "granted", "source": "web_form",
		"wording": "ニュースレターを受け取ります"}).want(t, 200)
	if res.obj(t)["consent"] != "granted" {
		t.Errorf("consent: %s", res.body)
	}
	history, _ := e.st.ConsentHistory(ctx, taroID)
	if len(history) != 1 || history[0].Wording != "ニュースレターを受け取ります" || history[0].Source != "web_form" {
		t.Errorf("consent history: %+v", history)
	}

	// Merge: the other contact's timeline and tags come over.
	res = e.do("sales", "POST", "/api/v1/contacts", map[string]any{"email": "t.yamada@example.jp", "phone": "03-1234-5678",
		"tags": []string{"セミナー"}}).want(t, 201)
	otherURL, otherID := res.header.Get("Location"), res.id(t)
	res = e.do("sales", "POST", taroURL+"/merge", map[string]any{"merge_id": otherID}).want(t, 200)
	if m := res.obj(t); m["phone"] != "03-1234-5678" || fmt.Sprint(m["tags"]) != "[vip セミナー 展示会]" || m["email"] != "taro@example.jp" {
		t.Errorf("merged: %v", m)
	}
	e.do("viewer", "GET", otherURL, nil).want(t, 404)
	res = e.do("viewer", "GET", taroURL+"/timeline", nil).want(t, 200)
	var kinds []string
	for _, d := range res.obj(t)["data"].([]any) {
		kinds = append(kinds, d.(map[string]any)["kind"].(string))
	}
	if slices.Sort(kinds); fmt.Sprint(kinds) != "[assigned consent created created merged updated]" {
		t.Errorf("timeline kinds after merge = %v", kinds)
	}

	// The list with filters.
	for _, tt := range []struct {
		query string
		want  []int64
	}{
		{"", []int64{latinID, taroID}},
		{"?lifecycle_stage=mql,sql", []int64{taroID}},
		{"?tag=vip&tag=セミナー", []int64{taroID}},
		{"?properties[budget]=gte:5", []int64{taroID}},
		{"?properties.budget=lt:5", nil},
		{"?q=ヤマダ", []int64{taroID}},
		{"?source_group=marketing", []int64{latinID}},
		{"?owner_id=" + fmt.Sprint(sales.ID) + "&consent=granted", []int64{taroID}},
		{"?company_id=" + fmt.Sprint(coID), []int64{latinID}},
		{"?sort=email", []int64{latinID, taroID}},
	} {
		res = e.do("viewer", "GET", "/api/v1/contacts"+tt.query, nil).want(t, 200)
		m := res.obj(t)
		var got []int64
		for _, d := range m["data"].([]any) {
			got = append(got, int64(d.(map[string]any)["id"].(float64)))
		}
		if fmt.Sprint(got) != fmt.Sprint(tt.want) || m["total"] != float64(len(tt.want)) {
			t.Errorf("GET /contacts%s: ids %v total %v, want %v", tt.query, got, m["total"], tt.want)
		}
	}

	// Export, JSON and CSV.
	res = e.do("viewer", "GET", latinURL+"/export", nil).want(t, 200)
	m = res.obj(t)
	if m["contact"].(map[string]any)["email"] != "taro@example.com" || m["company"].(map[string]any)["name"] != "株式会社サンプル" ||
		len(m["timeline"].([]any)) != 1 {
		t.Errorf("export: %s", res.body)
	}
	res = e.do("viewer", "GET", taroURL+"/export?format=csv", nil).want(t, 200)
	if ct := res.header.Get("Content-Type"); ct != "text/csv; charset=utf-8" || !bytes.HasPrefix(res.body, []byte("\uFEFFcontact\r\n")) ||
		!strings.Contains(string(res.body), "ニュースレターを受け取ります") {
		t.Errorf("CSV export: %s %q", ct, res.body)
	}

	// Company timeline, merge and delete.
	res = e.do("viewer", "GET", coURL+"/timeline", nil).want(t, 200)
	if n := len(res.obj(t)["data"].([]any)); n < 2 {
		t.Errorf("company timeline has %d entries, want the company's and its contact's", n)
	}
	res = e.do("sales", "POST", coURL+"/merge", map[string]any{"merge_id": dupID}).want(t, 200)
	if m := res.obj(t); m["employees"] != float64(120) || m["name"] != "株式会社サンプル" {
		t.Errorf("merged company: %v", m)
	}
	e.do("viewer", "GET", dupURL, nil).want(t, 404)

	// Delete and erase.
	e.do("sales", "DELETE", latinURL, nil).want(t, 204)
	e.do("viewer", "GET", latinURL, nil).want(t, 404)
	e.do("sales", "DELETE", coURL, nil).want(t, 204)
	e.do("admin", "POST", taroURL+"/erase", nil).want(t, 204)
	e.do("viewer", "GET", taroURL, nil).want(t, 404)
	var n int
	e.st.DB().QueryRowContext(ctx, "SELECT COUNT(*) FROM timeline WHERE contact_id = $1", taroID).Scan(&n)
	if n != 0 {
		t.Errorf("%d timeline entries survive the erasure", n)
	}
	e.do("admin", "DELETE", budgetURL, nil).want(t, 204)
	e.do("viewer", "GET", budgetURL, nil).want(t, 404)
}

// TestPeopleViewerCannotWrite: a viewer's writes are 403 and change
// nothing; so are sales' erasures and property definitions.
func TestPeopleViewerCannotWrite(t *testing.T) {
	e := newEnv(t)
	c := e.newContact("someone@example.jp", "")
	other := e.newContact("other@example.jp", "")
	co := e.newCompany("株式会社ビュー")
	p := e.newProperty("contact", "budget", crm.PropNumber)
	before := e.snapshot()
	tests := []struct {
		role, method, path string
		body               any
		headers            []string
	}{
		{"viewer", "POST", "/api/v1/contacts", map[string]any{"email": "x@example.jp"}, nil},
		{"viewer", "PATCH", fmt.Sprintf("/api/v1/contacts/%d", c.ID), map[string]any{"job_title": "x"}, []string{"If-Match", fmt.Sprintf(`"%d"`, c.Version)}},
		{"viewer", "DELETE", fmt.Sprintf("/api/v1/contacts/%d", c.ID), nil, nil},
		{"viewer", "POST", fmt.Sprintf("/api/v1/contacts/%d/merge", c.ID), map[string]any{"merge_id": other.ID}, nil},
		{"viewer", "PUT", fmt.Sprintf("/api/v1/contacts/%d/consent", c.ID), map[string]any{"status": "granted"}, nil},
		{"viewer", "POST", fmt.Sprintf("/api/v1/contacts/%d/erase", c.ID), nil, nil},
		{"viewer", "POST", "/api/v1/companies", map[string]any{"name": "x"}, nil},
		{"viewer", "PATCH", fmt.Sprintf("/api/v1/companies/%d", co.ID), map[string]any{"city": "x"}, []string{"If-Match", fmt.Sprintf(`"%d"`, co.Version)}},
		{"viewer", "DELETE", fmt.Sprintf("/api/v1/companies/%d", co.ID), nil, nil},
		{"viewer", "POST", "/api/v1/properties", map[string]any{"object": "contact", "key": "x", "label_en": "X", "type": "text"}, nil},
		{"viewer", "PATCH", fmt.Sprintf("/api/v1/properties/%d", p.ID), map[string]any{"label_en": "x"}, []string{"If-Match", `"1"`}},
		{"viewer", "DELETE", fmt.Sprintf("/api/v1/properties/%d", p.ID), nil, nil},
		{"sales", "POST", fmt.Sprintf("/api/v1/contacts/%d/erase", c.ID), nil, nil},
		{"marketing", "POST", "/api/v1/properties", map[string]any{"object": "contact", "key": "x", "label_en": "X", "type": "text"}, nil},
		{"sales", "DELETE", fmt.Sprintf("/api/v1/properties/%d", p.ID), nil, nil},
	}
	for _, tt := range tests {
		if res := e.do(tt.role, tt.method, tt.path, tt.body, tt.headers...); res.status != http.StatusForbidden {
			t.Errorf("%s %s %s: %d, want 403: %s", tt.role, tt.method, tt.path, res.status, res.body)
		}
	}
	if after := e.snapshot(); after != before {
		t.Errorf("the database changed:\nbefore %s\nafter  %s", before, after)
	}
}

// TestPeopleStalePatch: a PATCH with an old ETag is a 412 and writes nothing.
func TestPeopleStalePatch(t *testing.T) {
	e := newEnv(t)
	c := e.newContact("stale@example.jp", "古田")
	co := e.newCompany("株式会社ステイル")
	p := e.newProperty("contact", "budget", crm.PropNumber)
	for _, path := range []string{fmt.Sprintf("/api/v1/contacts/%d", c.ID), fmt.Sprintf("/api/v1/companies/%d", co.ID),
		fmt.Sprintf("/api/v1/properties/%d", p.ID)} {
		old := e.do("admin", "GET", path, nil).want(t, 200).etag(t)
		body := map[string]any{"job_title": "First"}
		second := map[string]any{"job_title": "Second", "family_name": "新田"}
		switch {
		case strings.Contains(path, "companies"):
			body, second = map[string]any{"city": "First"}, map[string]any{"city": "Second", "name": "Other"}
		case strings.Contains(path, "properties"):
			body, second = map[string]any{"label_en": "First"}, map[string]any{"label_en": "Second", "position": 9}
		}
		e.do("admin", "PATCH", path, body, "If-Match", old).want(t, 200)
		mid := e.snapshot()
		for _, et := range []string{old, `"0"`, `"77"`} {
			e.do("admin", "PATCH", path, second, "If-Match", et).want(t, http.StatusPreconditionFailed)
		}
		if after := e.snapshot(); after != mid {
			t.Errorf("%s: a stale PATCH changed the database:\nbefore %s\nafter  %s", path, mid, after)
		}
	}
	if got, _ := e.st.Contact(context.Background(), c.ID); got.JobTitle != "First" || got.Family != "古田" {
		t.Errorf("contact = %+v", got)
	}
}

// TestPeopleValidation: invalid values are 422s naming each field by its
// JSON name, and nothing is written.
func TestPeopleValidation(t *testing.T) {
	e := newEnv(t)
	e.newProperty("contact", "budget", crm.PropNumber)
	e.newProperty("contact", "region", crm.PropChoice, "関東", "関西")
	e.newProperty("company", "tier", crm.PropChoice, "A", "B")
	c := e.newContact("valid@example.jp", "")
	co := e.newCompany("株式会社既存")
	deactivated := e.addUser("gone@example.com", "Gone", crm.RoleSales)
	e.do("admin", "PATCH", fmt.Sprintf("/api/v1/users/%d", deactivated.ID), map[string]any{"status": "deactivated"},
		"If-Match", fmt.Sprintf(`"%d"`, deactivated.Version)).want(t, 200)
	prop := e.do("admin", "GET", "/api/v1/properties?object=contact", nil).want(t, 200).obj(t)["data"].([]any)[1].(map[string]any)
	contactURL := fmt.Sprintf("/api/v1/contacts/%d", c.ID)
	contactETag := []string{"If-Match", fmt.Sprintf(`"%d"`, c.Version)}
	before := e.snapshot()
	tests := []struct {
		name, method, path string
		body               any
		headers            []string
		fields             []string
	}{
		{"contact fields", "POST", "/api/v1/contacts", map[string]any{"email": "not-an-address", "phone": "12",
			"lifecycle_stage": "hot", "lead_status": "maybe", "consent": "yes", "original_source": "rumour",
			"tags": []string{strings.Repeat("t", 51)}, "owner_id": deactivated.ID, "team_id": 999999,
			"properties": map[string]any{"budget": "lots", "region": "北海道", "colour": "red"}}, nil,
			[]string{"consent", "email", "lead_status", "lifecycle_stage", "original_source", "owner_id", "phone",
				"properties.budget", "properties.colour", "properties.region", "tags", "team_id"}},
		{"no email, no company", "POST", "/api/v1/contacts", map[string]any{"family_name": "名無し"}, nil, []string{"company_name"}},
		{"nothing at all", "POST", "/api/v1/contacts", map[string]any{}, nil, []string{"email"}},
		{"taken email", "POST", "/api/v1/contacts", map[string]any{"email": "VALID@example.jp"}, nil, []string{"email"}},
		{"unknown company", "POST", "/api/v1/contacts", map[string]any{"email": "a@example.jp", "company_id": 999999}, nil, []string{"company_id"}},
		{"company twice", "POST", "/api/v1/contacts", map[string]any{"email": "a@example.jp", "company_id": co.ID, "company_name": "x"}, nil, []string{"company_name"}},
		{"too long", "PATCH", contactURL, map[string]any{"family_name": strings.Repeat("長", 201), "job_title": "a\nb"}, contactETag,
			[]string{"family_name", "job_title"}},
		{"patch property", "PATCH", contactURL, map[string]any{"properties": map[string]any{"budget": true}}, contactETag, []string{"properties.budget"}},
		{"company fields", "POST", "/api/v1/companies", map[string]any{"name": " ", "domain": "not a domain", "employees": -3,
			"properties": map[string]any{"tier": "Z"}}, nil, []string{"domain", "employees", "name", "properties.tier"}},
		{"duplicate company", "POST", "/api/v1/companies", map[string]any{"name": "既存 K.K."}, nil, []string{"name"}},
		{"property", "POST", "/api/v1/properties", map[string]any{"object": "deal", "key": "Bad Key", "type": "colour"}, nil,
			[]string{"key", "label_en", "object", "type"}},
		{"property key taken", "POST", "/api/v1/properties", map[string]any{"object": "contact", "key": "budget", "label_en": "B", "type": "number"}, nil,
			[]string{"key"}},
		{"property choices", "PATCH", fmt.Sprintf("/api/v1/properties/%v", prop["id"]), map[string]any{"options": []string{}},
			[]string{"If-Match", fmt.Sprintf(`"%v"`, prop["version"])}, []string{"options"}},
		{"consent", "PUT", contactURL + "/consent", map[string]any{"status": "sure"}, nil, []string{"status"}},
		{"merge nothing", "POST", contactURL + "/merge", map[string]any{"merge_id": 0}, nil, []string{"merge_id"}},
		{"merge unknown", "POST", contactURL + "/merge", map[string]any{"merge_id": 999999}, nil, []string{"merge_id"}},
		{"merge itself", "POST", contactURL + "/merge", map[string]any{"merge_id": c.ID}, nil, []string{"merge_id"}},
		{"merge unknown company", "POST", fmt.Sprintf("/api/v1/companies/%d/merge", co.ID), map[string]any{"merge_id": 999999}, nil, []string{"merge_id"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := e.sub(t)
			res := e.do("admin", tt.method, tt.path, tt.body, tt.headers...).want(t, http.StatusUnprocessableEntity)
			var got []string
			for f, m := range res.fieldErrors(t) {
				got = append(got, f)
				if m == "" {
					t.Errorf("field %s has no message", f)
				}
			}
			if fmt.Sprint(sortStrings(got)) != fmt.Sprint(tt.fields) {
				t.Errorf("fields = %v, want %v (%s)", got, tt.fields, res.body)
			}
		})
	}
	if after := e.snapshot(); after != before {
		t.Errorf("the database changed:\nbefore %s\nafter  %s", before, after)
	}
}

// TestPeopleBadQueries: list filters that cannot be read are 400s naming
// the parameter.
func TestPeopleBadQueries(t *testing.T) {
	e := newEnv(t)
	e.newProperty("contact", "budget", crm.PropNumber)
	tests := []struct{ query, field string }{
		{"lifecycle_stage=hot", "lifecycle_stage"},
		{"lead_status=maybe", "lead_status"},
		{"owner_id=boss", "owner_id"},
		{"team_id=x", "team_id"},
		{"consent=yes", "consent"},
		{"original_source=rumour", "original_source"},
		{"source_group=inbound", "source_group"},
		{"created_from=yesterday", "created_from"},
		{"created_from=2026-05-01&created_before=2026-04-01", "created_before"},
		{"sort=colour", "sort"},
		{"cursor=nonsense", "cursor"},
		{"limit=500", "limit"},
		{"stage=lead", "stage"},
		{"properties[colour]=red", "properties.colour"},
		{"properties.budget=gte:lots", "properties.budget"},
		{"properties.budget=contains:1", "properties.budget"},
	}
	for _, tt := range tests {
		res := e.do("viewer", "GET", "/api/v1/contacts?"+tt.query, nil)
		if res.status != http.StatusBadRequest || res.fieldErrors(t)[tt.field] == "" {
			t.Errorf("?%s: %d %s, want 400 naming %s", tt.query, res.status, res.body, tt.field)
		}
	}
	for _, q := range []string{"limit=0", "cursor=xyz", "owner_id=-1"} {
		if res := e.do("viewer", "GET", "/api/v1/companies?"+q, nil); res.status != http.StatusBadRequest {
			t.Errorf("companies ?%s: %d", q, res.status)
		}
	}
	for _, q := range []string{"object=deal"} {
		if res := e.do("viewer", "GET", "/api/v1/properties?"+q, nil); res.status != http.StatusBadRequest {
			t.Errorf("properties ?%s: %d", q, res.status)
		}
	}
	if res := e.do("viewer", "GET", "/api/v1/contacts/1/export?format=xml", nil); res.status != http.StatusBadRequest {
		t.Errorf("export ?format=xml: %d", res.status)
	}
}

// TestScriptNameIsData: a name that is HTML round-trips as data in JSON,
// never as markup.
func TestScriptNameIsData(t *testing.T) {
	e := newEnv(t)
	xss := `<script>alert(1)</script>`
	res := e.do("sales", "POST", "/api/v1/contacts", map[string]any{"email": "xss@example.jp", "family_name": xss,
		"given_name": `"><img src=x onerror=alert(2)>`, "company_name": xss + " 株式会社", "tags": []string{xss}}).want(t, 201)
	url := res.header.Get("Location")
	for _, path := range []string{url, "/api/v1/contacts?q=xss", url + "/export", url + "/timeline", "/api/v1/companies"} {
		res := e.do("viewer", "GET", path, nil).want(t, 200)
		if ct := res.header.Get("Content-Type"); ct != "application/json" {
			t.Errorf("%s: Content-Type %q", path, ct)
		}
		if res.header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("%s: no nosniff", path)
		}
		if bytes.Contains(res.body, []byte("<script")) || bytes.Contains(res.body, []byte("<img")) {
			t.Errorf("%s: markup appears unescaped: %s", path, res.body)
		}
	}
	c := e.do("viewer", "GET", url, nil).obj(t)
	if c["family_name"] != xss || !strings.Contains(c["display_name"].(string), xss) ||
		c["company"].(map[string]any)["name"] != xss+" 株式会社" || fmt.Sprint(c["tags"]) != "["+xss+"]" {
		t.Errorf("the name did not round-trip: %v", c)
	}
	res = e.do("viewer", "GET", url+"/export?format=csv", nil).want(t, 200)
	if ct := res.header.Get("Content-Type"); !strings.HasPrefix(ct, "text/csv") || !strings.Contains(string(res.body), xss) {
		t.Errorf("CSV: %s %s", ct, res.body)
	}
}

// TestExportNeutralisesFormulas: cells that a spreadsheet would run as
// formulas get an apostrophe; nothing else changes.
func TestExportNeutralisesFormulas(t *testing.T) {
	e := newEnv(t)
	e.newProperty("contact", "note", crm.PropText)
	formula := `=HYPERLINK("http://x","y")`
	res := e.do("sales", "POST", "/api/v1/contacts", map[string]any{"email": "formula@example.jp", "family_name": formula,
		"given_name": "+81 3", "job_title": "@SUM(A1)", "department": "-2+3", "tags": []string{"=1+1"},
		"properties": map[string]any{"note": "\t=cmd"}}).want(t, 201)
	url := res.header.Get("Location")
	res = e.do("viewer", "GET", url+"/export?format=csv", nil).want(t, 200)
	if !strings.HasPrefix(res.header.Get("Content-Disposition"), "attachment;") {
		t.Errorf("Content-Disposition = %q", res.header.Get("Content-Disposition"))
	}
	r := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(res.body, []byte("\uFEFF"))))
	r.FieldsPerRecord = -1
	rows, err := r.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	fields := map[string]string{}
	for _, row := range rows {
		if len(row) == 2 {
			fields[row[0]] = row[1]
		}
		for _, cell := range row {
			if cell != "" && strings.ContainsRune("=+-@\t\r", rune(cell[0])) {
				t.Errorf("cell %q starts a formula", cell)
			}
		}
	}
	for field, want := range map[string]string{"family_name": "'" + formula, "given_name": "'+81 3", "job_title": "'@SUM(A1)",
		"department": "'-2+3", "tags": "'=1+1", "properties.note": "'=cmd", "email": "formula@example.jp"} {
		if fields[field] != want {
			t.Errorf("%s = %q, want %q", field, fields[field], want)
		}
	}
	// The JSON export is data, not a spreadsheet: it keeps the value.
	if got := e.do("viewer", "GET", url+"/export", nil).obj(t)["contact"].(map[string]any)["family_name"]; got != formula {
		t.Errorf("JSON export family_name = %v", got)
	}
}

// TestEraseBlocksRecreation: after an erasure the address cannot be added
// again, however it is written, and the person is gone from lists.
func TestEraseBlocksRecreation(t *testing.T) {
	e := newEnv(t)
	res := e.do("sales", "POST", "/api/v1/contacts", map[string]any{"email": "hanako@example.jp", "family_name": "佐藤",
		"given_name": "花子", "tags": []string{"vip"}}).want(t, 201)
	url := res.header.Get("Location")
	e.do("marketing", "PUT", url+"/consent", map[string]any{"status": "granted", "wording": "OK"}).want(t, 200)
	e.do("admin", "POST", url+"/erase", nil).want(t, 204)
	e.do("admin", "GET", url, nil).want(t, 404)
	e.do("admin", "POST", url+"/erase", nil).want(t, 404)
	if m := e.do("admin", "GET", "/api/v1/contacts?q=佐藤", nil).want(t, 200).obj(t); m["total"] != float64(0) {
		t.Errorf("the erased contact is still listed: %v", m)
	}
	dump := fmt.Sprint(e.dumpPeople())
	if strings.Contains(dump, "hanako") || strings.Contains(dump, "花子") {
		t.Errorf("the person survives in the database: %s", dump)
	}
	before := e.snapshot()
	for _, email := range []string{"hanako@example.jp", "HANAKO@Example.JP", "ｈａｎａｋｏ@example.jp"} {
		res := e.do("sales", "POST", "/api/v1/contacts", map[string]any{"email": email, "family_name": "佐藤"}).want(t, 422)
		if msg := res.fieldErrors(t)["email"]; !strings.Contains(msg, "suppression") {
			t.Errorf("%s: email message %q", email, msg)
		}
	}
	if after := e.snapshot(); after != before {
		t.Errorf("a refused re-creation changed the database")
	}
}

// TestContactListPagesAndVisibility walks the list with small pages in
// several orders, and checks that team visibility applies to lists, reads
// and totals.
func TestContactListPagesAndVisibility(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	admin := e.admin()
	team, err := e.app.CreateTeam(ctx, admin, "営業1課")
	if err != nil {
		t.Fatal(err)
	}
	if err := e.app.SetTeamMember(ctx, admin, team.ID, e.users["sales"].ID, false); err != nil {
		t.Fatal(err)
	}
	sales := e.users["sales"]
	var all, teamOnes []int64
	readings := []string{"ア", "カ", "サ", "タ", "ナ", "ハ", "マ", "ヤ", "ラ", "ワ", "イ", "キ", "シ"}
	for i, rd := range readings {
		in := map[string]any{"email": fmt.Sprintf("p%02d@example.jp", i), "family_name": fmt.Sprintf("人%02d", i), "family_reading": rd}
		if i%3 == 0 {
			in["team_id"] = team.ID
		}
		id := e.do("admin", "POST", "/api/v1/contacts", in).want(t, 201).id(t)
		all = append(all, id)
		if i%3 == 0 {
			teamOnes = append(teamOnes, id)
		}
	}
	owned := e.do("admin", "POST", "/api/v1/contacts", map[string]any{"email": "mine@example.jp", "owner_id": sales.ID}).want(t, 201).id(t)
	all = append(all, owned)

	walk := func(t *testing.T, role, query string) (ids []int64, total any) {
		t.Helper()
		cursor := ""
		for range 50 {
			u := "/api/v1/contacts?limit=4&" + query
			if cursor != "" {
				u += "&cursor=" + url.QueryEscape(cursor)
			}
			m := e.sub(t).do(role, "GET", u, nil).want(t, 200).obj(t)
			if total == nil {
				total = m["total"]
			} else if m["total"] != total {
				t.Errorf("total changed between pages: %v, %v", total, m["total"])
			}
			for _, d := range m["data"].([]any) {
				ids = append(ids, int64(d.(map[string]any)["id"].(float64)))
			}
			next, _ := m["next_cursor"].(string)
			if next == "" {
				return ids, total
			}
			cursor = next
		}
		t.Fatal("the list does not end")
		return nil, nil
	}
	newestFirst := slices.Clone(all)
	slices.Reverse(newestFirst)
	ids, total := walk(t, "admin", "")
	if fmt.Sprint(ids) != fmt.Sprint(newestFirst) || total != float64(len(all)) {
		t.Errorf("newest first: %v (total %v), want %v", ids, total, newestFirst)
	}
	ids, _ = walk(t, "admin", "sort=created_asc")
	if fmt.Sprint(ids) != fmt.Sprint(all) {
		t.Errorf("oldest first: %v, want %v", ids, all)
	}
	ids, _ = walk(t, "admin", "sort=reading")
	var byReading []int64
	for _, rd := range []string{"ア", "イ", "カ", "キ", "サ", "シ", "タ", "ナ", "ハ", "マ", "ヤ", "ラ", "ワ"} {
		byReading = append(byReading, all[slices.Index(readings, rd)])
	}
	byReading = append(byReading, owned) // no reading: last
	if fmt.Sprint(ids) != fmt.Sprint(byReading) {
		t.Errorf("五十音: %v, want %v", ids, byReading)
	}

	// Team visibility: sales sees its team's contacts and its own.
	ws := e.do("admin", "GET", "/api/v1/settings", nil).want(t, 200)
	e.do("admin", "PATCH", "/api/v1/settings", map[string]any{"record_visibility": map[string]string{"contacts": "team"}},
		"If-Match", ws.etag(t)).want(t, 200)
	visible := append(slices.Clone(teamOnes), owned)
	slices.Sort(visible)
	ids, total = walk(t, "sales", "sort=created_asc")
	if fmt.Sprint(ids) != fmt.Sprint(visible) || total != float64(len(visible)) {
		t.Errorf("sales sees %v (total %v), want %v", ids, total, visible)
	}
	if ids, _ := walk(t, "viewer", ""); len(ids) != 0 {
		t.Errorf("a viewer outside the team sees %v", ids)
	}
	hidden := fmt.Sprintf("/api/v1/contacts/%d", all[1])
	for _, path := range []string{hidden, hidden + "/timeline", hidden + "/export"} {
		e.do("sales", "GET", path, nil).want(t, 404)
	}
	e.do("sales", "PATCH", hidden, map[string]any{"job_title": "x"}, "If-Match", `"1"`).want(t, 404)
	e.do("sales", "GET", fmt.Sprintf("/api/v1/contacts/%d", teamOnes[0]), nil).want(t, 200)
	if ids, _ := walk(t, "admin", "owner_id=none&team_id="+fmt.Sprint(team.ID)); fmt.Sprint(ids) != fmt.Sprint(reversed(teamOnes)) {
		t.Errorf("team filter: %v", ids)
	}
	if ids, _ := walk(t, "sales", "owner_id=me"); fmt.Sprint(ids) != fmt.Sprint([]int64{owned}) {
		t.Errorf("owner_id=me: %v", ids)
	}
}

func reversed(s []int64) []int64 {
	out := slices.Clone(s)
	slices.Reverse(out)
	return out
}

// TestCompanyListPages walks the company list and its name filter.
func TestCompanyListPages(t *testing.T) {
	e := newEnv(t)
	var all, sample []int64
	for i := range 7 {
		name := fmt.Sprintf("Firm %d Inc.", i)
		if i%2 == 0 {
			name = fmt.Sprintf("株式会社サンプル%d", i)
		}
		co := e.newCompany(name)
		all = append(all, co.ID)
		if i%2 == 0 {
			sample = append(sample, co.ID)
		}
	}
	walk := func(query string) []int64 {
		var ids []int64
		cursor := ""
		for range 20 {
			m := e.do("viewer", "GET", "/api/v1/companies?limit=2&"+query+"&cursor="+cursor, nil).want(t, 200).obj(t)
			for _, d := range m["data"].([]any) {
				ids = append(ids, int64(d.(map[string]any)["id"].(float64)))
			}
			next, _ := m["next_cursor"].(string)
			if next == "" {
				return ids
			}
			cursor = next
		}
		t.Fatal("the list does not end")
		return nil
	}
	if got := walk(""); fmt.Sprint(got) != fmt.Sprint(all) {
		t.Errorf("all: %v, want %v", got, all)
	}
	for _, q := range []string{"サンプル", "㈱サンプル", "ｻﾝﾌﾟﾙ"} {
		if got := walk("q=" + url.QueryEscape(q)); fmt.Sprint(got) != fmt.Sprint(sample) {
			t.Errorf("q=%s: %v, want %v", q, got, sample)
		}
	}
	if got := walk("q=firm"); len(got) != 3 {
		t.Errorf("q=firm: %v", got)
	}
}

// TestOptionalFieldDecoding: absent and null are told apart, and a wrong
// type names the field.
func TestOptionalFieldDecoding(t *testing.T) {
	var f contactFields
	if err := json.Unmarshal([]byte(`{"owner_id": null, "team_id": 4}`), &f); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		o    optional[int64]
		def  int64
		want int64
	}{
		{"null clears", f.OwnerID, 7, 0},
		{"value", f.TeamID, 7, 4},
		{"absent keeps", f.CompanyID, 7, 7},
	}
	for _, tt := range tests {
		if got := tt.o.or(tt.def); got != tt.want {
			t.Errorf("%s: got %d, want %d", tt.name, got, tt.want)
		}
	}
	e := newEnv(t)
	res := e.do("admin", "POST", "/api/v1/contacts", `{"email": "a@example.jp", "owner_id": "me"}`).want(t, 400)
	if res.fieldErrors(t)["owner_id"] == "" {
		t.Errorf("a wrong type does not name the field: %s", res.body)
	}
	if _, err := e.st.Contact(context.Background(), 1); err == nil {
		t.Errorf("a contact was created")
	}
}
