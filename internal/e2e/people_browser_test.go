package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"renkei/internal/app"
	"renkei/internal/crm"
	"renkei/internal/store"
)

// peopleWorld is the data the people scenarios start from.
type peopleWorld struct {
	ac               app.Actor
	co               crm.Company
	taro, dup, other crm.Contact
}

// seedPeople defines custom properties and adds a company and contacts,
// two of them duplicates (same name at the same company).
func seedPeople(t *testing.T, a *app.App, ac app.Actor) peopleWorld {
	t.Helper()
	ctx := context.Background()
	w := peopleWorld{ac: ac}
	for _, p := range []crm.Property{
		{Object: "contact", Key: "rank", LabelJA: "ランク", LabelEN: "Rank", Type: crm.PropChoice, Options: []string{"A", "B", "C"}},
		{Object: "contact", Key: "budget", LabelJA: "予算（万円）", LabelEN: "Budget (10k yen)", Type: crm.PropNumber},
		{Object: "contact", Key: "interests", LabelJA: "関心のある製品", LabelEN: "Interested in", Type: crm.PropMultiChoice, Options: []string{"MA", "SFA", "CRM"}},
		{Object: "company", Key: "plan", LabelJA: "契約プラン", LabelEN: "Plan", Type: crm.PropChoice, Options: []string{"ライト", "スタンダード"}},
	} {
		if _, err := a.CreateProperty(ctx, ac, p); err != nil {
			t.Fatal(err)
		}
	}
	var err error
	w.co, err = a.CreateCompany(ctx, ac, app.CompanyInput{Company: crm.Company{Name: "株式会社サンプル商事", Reading: "サンプルショウジ",
		Domain: "sample-shoji.example.jp", Industry: "卸売業", Employees: 120, PostalCode: "100-0005", Prefecture: "東京都",
		City: "千代田区", Street: "丸の内1-1-1 サンプルビル5F", Phone: "03-1234-5678"}, Props: map[string]any{"plan": "スタンダード"}}, false)
	if err != nil {
		t.Fatal(err)
	}
	add := func(in app.ContactInput) crm.Contact {
		c, err := a.CreateContact(ctx, ac, in)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	w.taro = add(app.ContactInput{Contact: crm.Contact{PersonName: crm.PersonName{Family: "山田", Given: "太郎", FamilyReading: "ヤマダ",
		GivenReading: "タロウ"}, Email: "taro.yamada@sample-shoji.example.jp", CompanyID: w.co.ID, JobTitle: "部長", Department: "営業部",
		Tags: []string{"展示会2026"}, Lifecycle: crm.StageSQL, OwnerID: ac.User.ID, Consent: crm.ConsentGranted},
		Props: map[string]any{"rank": "A", "budget": "300", "interests": []string{"MA", "CRM"}}})
	w.dup = add(app.ContactInput{Contact: crm.Contact{PersonName: crm.PersonName{Family: "山田", Given: "太郎"}, CompanyID: w.co.ID,
		Phone: "090-1111-2222", JobTitle: "営業部長", Tags: []string{"名刺"}}, Props: map[string]any{"budget": "500"}})
	w.other = add(app.ContactInput{Contact: crm.Contact{PersonName: crm.PersonName{Family: "佐藤", Given: "花子", FamilyReading: "サトウ",
		GivenReading: "ハナコ"}, Email: "hanako.sato@example.jp", Lifecycle: crm.StageCustomer},
		CompanyName: "合同会社テスト", Props: map[string]any{"rank": "B"}})
	add(app.ContactInput{Contact: crm.Contact{PersonName: crm.PersonName{Family: "田中", Given: "健太", FamilyReading: "タナカ",
		GivenReading: "ケンタ"}, Email: "kenta@example.com", Lifecycle: crm.StageMQL},
		CompanyName: "Example Co., Ltd.", Props: map[string]any{"rank": "A"}})
	add(app.ContactInput{Contact: crm.Contact{PersonName: crm.PersonName{Family: "Smith", Given: "Anna"}, Email: "anna@example.com",
		Lifecycle: crm.StageLead}})
	// An edit, for the timeline.
	in := app.ContactInput{Contact: w.taro, Props: map[string]any{"budget": "350"}}
	in.Contact.JobTitle = "本部長"
	if w.taro, err = a.UpdateContact(ctx, ac, w.taro.ID, w.taro.Version, in); err != nil {
		t.Fatal(err)
	}
	return w
}

// signIn signs a tab in.
func (tb *tab) signIn(email, password string) {
	tb.t.Helper()
	tb.open("/login")
	tb.fill("f-email", email, "f-password", password)
	tb.submit(`form[action="/login"] button[type=submit]`)
}

// eval runs JavaScript in the page and returns its result.
func eval[T any](tb *tab, js string) T {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, 10*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js))
	if err != nil {
		tb.t.Fatalf("eval %s: %v", js, err)
	}
	return v
}

// choose sets a select's value and fires change, as a person choosing does.
func (tb *tab) choose(id, value string) {
	tb.t.Helper()
	tb.run("choose "+id, chromedp.SetValue(chromedp.ID(id), value),
		chromedp.Evaluate[chromedp.Void](`document.getElementById(`+jsString(id)+`).dispatchEvent(new Event("change", {bubbles: true}))`))
}

func jsString(s string) string { return fmt.Sprintf("%q", s) }

// TestPeopleBrowser runs the contact and company scenarios in Chromium:
// a form with a validation error, a filter on a custom property, a CSV
// import with a bad row, and a merge of two duplicates.
func TestPeopleBrowser(t *testing.T) {
	h := start(t)
	ctx := context.Background()
	a := h.srv.App
	_, u, err := a.Setup(ctx, app.SetupInput{WorkspaceName: "株式会社サンプル", Language: "ja", TimeZone: "Asia/Tokyo",
		Name: adminName, Email: adminEmail, Password: adminPassword}, "", "")
	if err != nil {
		t.Fatal(err)
	}
	ac := app.Actor{User: u}
	admin := h.newTab(t)
	admin.signIn(adminEmail, adminPassword)
	admin.wantPage("/", adminName)

	// Before there is anyone: the empty list says what to do next.
	admin.open("/contacts")
	admin.wantPage("/contacts", "コンタクトはまだありません")
	if got := admin.text("main .empty"); !strings.Contains(got, "コンタクトを追加") || !strings.Contains(got, "CSV ファイルをインポート") {
		t.Errorf("empty state = %q", got)
	}
	admin.shot("people-ja-contacts-empty")

	w := seedPeople(t, a, ac)

	t.Run("create a contact with a validation error", func(t *testing.T) {
		admin.t = t
		admin.open("/contacts/new")
		admin.fill("f-family_name", "鈴木", "f-given_name", "一郎", "f-family_reading", "ｽｽﾞｷ", "f-prop-budget", "たくさん")
		if code := admin.submit(`form[action="/contacts"] button[type=submit]`); code != 422 {
			t.Errorf("invalid contact: status %d, want 422", code)
		}
		if got := admin.text("#f-company-error"); !strings.Contains(got, "会社名か電話番号") {
			t.Errorf("message under company = %q", got)
		}
		if got := admin.text("#f-prop-budget-error"); !strings.Contains(got, "数値ではありません") {
			t.Errorf("message under budget = %q", got)
		}
		// What was typed is still there.
		if got := eval[string](admin, `document.getElementById("f-family_name").value`); got != "鈴木" {
			t.Errorf("family name after the error = %q", got)
		}
		admin.shot("people-ja-contact-new-errors")

		admin.fill("f-email", "ｓｕｚｕｋｉ@example.jp", "f-company", "株式会社サンプル商事", "f-prop-budget", "250")
		if code := admin.submit(`form[action="/contacts"] button[type=submit]`); code != 200 {
			t.Errorf("valid contact: status %d", code)
		}
		if !strings.HasPrefix(admin.path(), "/contacts/") {
			t.Fatalf("after saving: %s", admin.path())
		}
		body := admin.text("body")
		for _, want := range []string{"鈴木 一郎 様", "スズキ", "suzuki@example.jp", "株式会社サンプル商事", "250", "コンタクトを追加しました"} {
			if !strings.Contains(body, want) {
				t.Errorf("the new contact's page does not show %q", want)
			}
		}
		admin.shot("people-ja-contact-created")
	})

	t.Run("filter a list by a custom property", func(t *testing.T) {
		admin.t = t
		admin.open("/contacts")
		admin.run("open filters", chromedp.Click(chromedp.CSS(`button[data-bs-target="#more-filters"]`), chromedp.NodeVisible),
			chromedp.WaitVisible(chromedp.CSS("#more-filters.collapse.show")), chromedp.WaitVisible(chromedp.ID("f-pk-0")))
		admin.choose("f-pk-0", "rank")
		// A choice property has no "greater than".
		if !eval[bool](admin, `document.querySelector('#f-po-0 option[value="gt"]').disabled`) {
			t.Error("'greater than' is offered for a choice property")
		}
		admin.choose("f-po-0", "eq")
		admin.fill("f-pv-0", "A")
		admin.submit(`#more-filters button[type=submit]`)
		if p := admin.path(); !strings.Contains(p, "pk=rank") || !strings.Contains(p, "pv=A") {
			t.Errorf("filtered list at %s", p)
		}
		list := admin.text("table.rk-contacts tbody")
		for _, want := range []string{"山田 太郎", "田中 健太"} {
			if !strings.Contains(list, want) {
				t.Errorf("the list filtered by rank A lacks %s:\n%s", want, list)
			}
		}
		for _, not := range []string{"佐藤 花子", "鈴木 一郎", "Smith"} {
			if strings.Contains(list, not) {
				t.Errorf("the list filtered by rank A shows %s", not)
			}
		}
		if got := admin.text("#contacts-total"); !strings.Contains(got, "2 件") {
			t.Errorf("total = %q, want 2", got)
		}
		admin.shot("people-ja-contacts-filtered")
	})

	t.Run("import a CSV with one bad row", func(t *testing.T) {
		admin.t = t
		file := filepath.Join(t.TempDir(), "名刺リスト.csv")
		csv := "\uFEFFメールアドレス,姓,名,セイ,メイ,会社名,ランク\r\n" +
			"kimura@example.jp,木村,恵子,キムラ,ケイコ,株式会社サンプル商事,A\r\n" +
			"not-an-address,井上,拓也,イノウエ,タクヤ,合同会社テスト,B\r\n" +
			"matsumoto@example.jp,松本,彩,マツモト,アヤ,,C\r\n"
		if err := os.WriteFile(file, []byte(csv), 0o644); err != nil {
			t.Fatal(err)
		}
		admin.open("/imports")
		admin.run("choose the file", chromedp.SetUploadFiles(chromedp.ID("f-file"), []string{file}),
			chromedp.WaitVisible(chromedp.ID("import-start")))
		if got := eval[string](admin, `document.getElementById("f-col-0").value`); got != "email" {
			t.Errorf("the e-mail column is mapped to %q", got)
		}
		if got := eval[string](admin, `document.getElementById("f-col-6").value`); got != "prop:rank" {
			t.Errorf("the rank column is mapped to %q", got)
		}
		admin.fill("f-tags", "名刺交換会")
		admin.shot("people-ja-import-mapping")
		admin.submit("#import-start")
		if !strings.HasPrefix(admin.path(), "/imports/") {
			t.Fatalf("after starting: %s", admin.path())
		}
		admin.run("wait for the report", chromedp.WaitVisible(chromedp.ID("row-errors")))
		if got := admin.text("#count-created"); got != "2" {
			t.Errorf("created = %q, want 2", got)
		}
		report := admin.text("#row-errors tbody")
		if !strings.Contains(report, "3") || !strings.Contains(report, "メールアドレス") {
			t.Errorf("row report = %q", report)
		}
		admin.shot("people-ja-import-report")
		// The imported contacts are there, with their property.
		admin.open("/contacts?q=" + "kimura@example.jp")
		if got := admin.text("table.rk-contacts tbody"); !strings.Contains(got, "木村 恵子") {
			t.Errorf("imported contact not found: %q", got)
		}
	})

	t.Run("merge two duplicates", func(t *testing.T) {
		admin.t = t
		admin.open(fmt.Sprintf("/contacts/%d", w.taro.ID))
		if got := admin.text("#duplicates"); !strings.Contains(got, "氏名と会社") {
			t.Errorf("duplicates box = %q", got)
		}
		admin.run("open the merge screen", chromedp.Click(chromedp.CSS(`#duplicates a[href*="/merge?with="]`), chromedp.NodeVisible),
			chromedp.WaitVisible(chromedp.CSS("table.rk-merge")))
		if got := admin.text("table.rk-merge"); !strings.Contains(got, "090-1111-2222") || !strings.Contains(got, "本部長") {
			t.Errorf("merge screen = %q", got)
		}
		admin.shot("people-ja-contact-merge")
		admin.run("accept the confirmation", chromedp.Evaluate[chromedp.Void](`window.confirm = function () { return true; }`))
		admin.submit(`form[action$="/merge"] button[type=submit]`)
		admin.wantPage(fmt.Sprintf("/contacts/%d", w.taro.ID), "統合しました")
		body := admin.text("body")
		for _, want := range []string{"090-1111-2222", "名刺", "展示会2026", "統合"} {
			if !strings.Contains(body, want) {
				t.Errorf("the merged contact does not show %q", want)
			}
		}
		admin.shot("people-ja-contact-merged")
		if code := admin.open(fmt.Sprintf("/contacts/%d", w.dup.ID)); code != 404 {
			t.Errorf("the merged-away contact: status %d, want 404", code)
		}
		if n, err := h.srv.Store.ListContacts(ctx, store.ContactQuery{Text: "山田"}); err != nil || n.Total != 1 {
			t.Errorf("contacts named 山田 after the merge: %d (%v)", n.Total, err)
		}
	})

	if h.shots != "" {
		t.Run("screenshots", func(t *testing.T) {
			admin.t = t
			peopleScreenshots(t, h, admin, w)
		})
	}
}

// peopleScreenshots saves every people page in both languages, on a
// laptop and on a phone, and checks that no phone page scrolls sideways.
func peopleScreenshots(t *testing.T, h *harness, admin *tab, w peopleWorld) {
	a := h.srv.App
	ctx := context.Background()
	imports, err := a.Imports(ctx, w.ac, 1)
	if err != nil || len(imports) == 0 {
		t.Fatalf("imports: %v", err)
	}
	props, err := a.Properties(ctx, w.ac, "contact")
	if err != nil {
		t.Fatal(err)
	}
	pages := []struct{ name, path string }{
		{"contacts", "/contacts"},
		{"contacts-filters", "/contacts?stage=sql&pk=budget&po=gte&pv=100"},
		{"contacts-none", "/contacts?q=" + "誰もいない"},
		{"contact", fmt.Sprintf("/contacts/%d", w.taro.ID)},
		{"contact-edit", fmt.Sprintf("/contacts/%d/edit", w.taro.ID)},
		{"contact-new", "/contacts/new"},
		{"contact-merge-pick", fmt.Sprintf("/contacts/%d/merge", w.other.ID)},
		{"contact-merge", fmt.Sprintf("/contacts/%d/merge?with=%d", w.taro.ID, w.other.ID)},
		{"companies", "/companies"},
		{"company", fmt.Sprintf("/companies/%d", w.co.ID)},
		{"company-edit", fmt.Sprintf("/companies/%d/edit", w.co.ID)},
		{"company-merge-pick", fmt.Sprintf("/companies/%d/merge", w.co.ID)},
		{"company-merge", fmt.Sprintf("/companies/%d/merge?with=%d", w.co.ID, w.other.CompanyID)},
		{"company-new", "/companies/new"},
		{"properties", "/settings/properties"},
		{"property", fmt.Sprintf("/settings/properties/%d", props[0].ID)},
		{"imports", "/imports"},
		{"import", fmt.Sprintf("/imports/%d", imports[0].ID)},
	}
	sizes := []struct {
		name   string
		w, h   int64
		mobile bool
	}{{"", 1280, 900, false}, {"phone-", 390, 844, true}}
	for _, lang := range []string{"ja", "en"} {
		if _, err := a.UpdateUser(ctx, w.ac, w.ac.User.ID, 0, app.UserPatch{Language: &lang}); err != nil {
			t.Fatal(err)
		}
		for _, size := range sizes {
			admin.viewport(size.w, size.h, size.mobile)
			prefix := "people-" + size.name + lang + "-"
			for _, p := range pages {
				admin.open(p.path)
				if size.mobile {
					admin.noSidewaysScroll()
				}
				admin.shot(prefix + p.name)
			}
			// Pages in a state: a form with errors, the duplicate company
			// warning, the import's mapping step.
			admin.open("/contacts/new")
			admin.fill("f-family_name", "鈴木", "f-email", "suzuki@", "f-prop-budget", "x")
			admin.submit(`form[action="/contacts"] button[type=submit]`)
			admin.shot(prefix + "contact-new-errors")
			admin.open("/companies/new")
			admin.fill("f-name", "サンプル商事株式会社")
			admin.submit(`form[action="/companies"] button[type=submit]`)
			if size.mobile {
				admin.noSidewaysScroll()
			}
			admin.shot(prefix + "company-same-name")
			file := filepath.Join(t.TempDir(), "companies.csv")
			os.WriteFile(file, []byte("会社名,郵便番号,都道府県,住所,業種,メモ\n株式会社テスト,100-0001,東京都,千代田区1-1,製造業,x\n"), 0o644)
			admin.open("/imports?object=company")
			admin.run("choose the file", chromedp.SetUploadFiles(chromedp.ID("f-file"), []string{file}),
				chromedp.WaitVisible(chromedp.ID("import-start")))
			if size.mobile {
				admin.noSidewaysScroll()
			}
			admin.shot(prefix + "import-mapping")
		}
	}
	admin.viewport(1280, 900, false)
	lang := "ja"
	if _, err := a.UpdateUser(ctx, w.ac, w.ac.User.ID, 0, app.UserPatch{Language: &lang}); err != nil {
		t.Fatal(err)
	}
}
