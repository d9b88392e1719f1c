package app

import (
	"bytes"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/encoding/japanese"

	"renkei/internal/crm"
	"renkei/internal/csvio"
	"renkei/internal/jobs"
	"renkei/internal/store"
)

// runImportJob claims the import's job and runs it to the end, as the job
// runner would; it returns the import as stored afterwards.
func runImportJob(t *testing.T, f *fixture, im store.Import) store.Import {
	t.Helper()
	return runImportJobWith(t, f, im, func(done, total int) error { return nil })
}

func runImportJobWith(t *testing.T, f *fixture, im store.Import, progress jobs.Progress) store.Import {
	t.Helper()
	js, err := f.app.Store.ClaimJobs(ctx, "test", []string{JobImportRun}, 10, f.clock.Now().Add(time.Hour), time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	var job *store.Job
	for i := range js {
		if js[i].ID == im.JobID {
			job = &js[i]
		}
	}
	if job == nil {
		t.Fatalf("job %d of import %d is not due (claimed %d jobs)", im.JobID, im.ID, len(js))
	}
	// Progress is recorded on the job as the runner does.
	extend := func(done, total int) error {
		if err := f.app.Store.ExtendJob(ctx, job.ID, "test", f.clock.Now().Add(time.Hour), done, total); err != nil {
			return err
		}
		return progress(done, total)
	}
	if err := f.app.handleImportRun(ctx, *job, extend); err != nil {
		t.Logf("import job: %v", err)
		retryAt := f.clock.Now()
		if errors.As(err, new(jobs.Permanent)) {
			retryAt = time.Time{}
		}
		if rerr := f.app.Store.RetryJob(ctx, job.ID, "test", err.Error(), f.clock.Now(), retryAt); rerr != nil {
			t.Fatal(rerr)
		}
	} else if err := f.app.Store.FinishJob(ctx, job.ID, "test", f.clock.Now()); err != nil {
		t.Fatal(err)
	}
	got, err := f.app.Store.Import(ctx, im.ID)
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// importCSV starts an import of text (UTF-8) and runs it.
func importCSV(t *testing.T, f *fixture, req ImportRequest, text string) store.Import {
	t.Helper()
	if req.Object == "" {
		req.Object = "contact"
	}
	if req.Filename == "" {
		req.Filename = "test.csv"
	}
	if req.Data == nil {
		req.Data = []byte(text)
	}
	im, err := f.app.StartImport(ctx, f.owner, req)
	if err != nil {
		t.Fatalf("StartImport: %v", err)
	}
	if im.Status != store.ImportQueued || im.JobID == 0 {
		t.Fatalf("StartImport returned %+v, want a queued import with a job", im)
	}
	got := runImportJob(t, f, im)
	if got.Status != store.ImportDone {
		t.Fatalf("import ended %q (%s), want done", got.Status, got.Message)
	}
	return got
}

type importCounts struct{ Done, Created, Updated, Skipped, Errors int }

func countsOf(im store.Import) importCounts {
	return importCounts{im.DoneRows, im.Created, im.Updated, im.Skipped, im.Errors}
}

func contactByEmail(t *testing.T, f *fixture, email string) crm.Contact {
	t.Helper()
	var c crm.Contact
	err := f.app.Store.InTx(ctx, func(tx *store.Tx) error {
		var err error
		c, err = tx.ContactByEmail(ctx, email)
		return err
	})
	if err != nil {
		t.Fatalf("contact %s: %v", email, err)
	}
	return c
}

func sjis(t *testing.T, s string) []byte {
	t.Helper()
	b, err := japanese.ShiftJIS.NewEncoder().Bytes([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestImportShiftJISWithFullWidthEmails(t *testing.T) {
	f := newFixture(t, crm.LangJA)
	text := "姓,名,セイ,メイ,メールアドレス,会社名,電話番号\r\n" +
		"山田,太郎,ﾔﾏﾀﾞ,ﾀﾛｳ,ＴＡＲＯ．ＹＡＭＡＤＡ＠ＥＸＡＭＰＬＥ．ＣＯ．ＪＰ,株式会社サンプル,０３－１２３４－５６７８\r\n" +
		"佐藤,花子,サトウ,ハナコ,hanako@example.jp,㈱サンプル,\r\n"
	data := sjis(t, text)

	p, err := f.app.PreviewImport(ctx, f.owner, "contact", data, "auto")
	if err != nil {
		t.Fatal(err)
	}
	wantMapping := map[string]string{"姓": "family_name", "名": "given_name", "セイ": "family_reading", "メイ": "given_reading",
		"メールアドレス": "email", "会社名": "company_name", "電話番号": "phone"}
	if p.Encoding != "shift_jis" || !reflect.DeepEqual(p.Mapping, wantMapping) || p.Rows != 2 || len(p.Sample) != 2 || p.Sample[1][0] != "佐藤" {
		t.Errorf("preview: encoding %q, mapping %v, rows %d, sample %q", p.Encoding, p.Mapping, p.Rows, p.Sample)
	}

	im := importCSV(t, f, ImportRequest{Data: data, Encoding: "auto"}, "")
	if got, want := countsOf(im), (importCounts{Done: 2, Created: 2}); got != want || im.Encoding != "shift_jis" {
		t.Errorf("counts %+v encoding %q, want %+v shift_jis", got, im.Encoding, want)
	}
	c := contactByEmail(t, f, "taro.yamada@example.co.jp")
	if c.Family != "山田" || c.Given != "太郎" || c.FamilyReading != "ヤマダ" || c.GivenReading != "タロウ" ||
		c.Phone != "03-1234-5678" || c.CompanyName != "株式会社サンプル" || c.OriginalSource != crm.SourceImportSales {
		t.Errorf("imported %+v", c)
	}
	// ㈱サンプル is the same company as 株式会社サンプル.
	h := contactByEmail(t, f, "hanako@example.jp")
	if h.CompanyID != c.CompanyID || count(t, f.app.Store, "SELECT COUNT(*) FROM companies") != 1 {
		t.Errorf("companies: taro %d, hanako %d, %d in all", c.CompanyID, h.CompanyID, count(t, f.app.Store, "SELECT COUNT(*) FROM companies"))
	}
}

func TestImportReportsBadRowAndImportsTheRest(t *testing.T) {
	f := newFixture(t, crm.LangEN)
	text := "First Name,Last Name,Email,Lifecycle Stage\n" +
		"Taro,Yamada,taro@example.jp,lead\n" +
		"Bad,Row,not-an-address,lead\n" +
		"\n" + // blank lines are skipped but keep Excel's row numbers
		"Hanako,Sato,hanako@example.jp,boss\n" +
		"Jiro,Suzuki,jiro@example.jp,customer\n"
	im := importCSV(t, f, ImportRequest{}, text)
	if got, want := countsOf(im), (importCounts{Done: 4, Created: 2, Errors: 2}); got != want {
		t.Errorf("counts %+v, want %+v", got, want)
	}
	errs, err := f.app.ImportErrors(ctx, f.owner, im.ID, 0)
	if err != nil {
		t.Fatal(err)
	}
	want := []store.ImportError{
		{Row: 3, Column: "Email", Reason: "is not an e-mail address (e.g. taro@example.jp)"},
		{Row: 5, Column: "Lifecycle Stage"},
	}
	if len(errs) != len(want) {
		t.Fatalf("errors %+v, want %+v", errs, want)
	}
	for i := range want {
		if errs[i].Row != want[i].Row || errs[i].Column != want[i].Column || !strings.HasPrefix(errs[i].Reason, want[i].Reason) || errs[i].Reason == "" {
			t.Errorf("error %d = %+v, want %+v", i, errs[i], want[i])
		}
	}
	for _, e := range []string{"taro@example.jp", "jiro@example.jp"} {
		contactByEmail(t, f, e)
	}
	if n := count(t, f.app.Store, "SELECT COUNT(*) FROM contacts"); n != 2 {
		t.Errorf("%d contacts, want 2", n)
	}
	if j, err := f.app.Store.Job(ctx, im.JobID); err != nil || j.Status != store.JobDone || j.Progress != 4 || j.Total != 4 {
		t.Errorf("job %+v (err %v), want done with progress 4/4", j, err)
	}
}

func TestImportTwiceCreatesNoDuplicates(t *testing.T) {
	f := newFixture(t, crm.LangJA)
	text := "Email,Last Name,First Name,Company,Phone,Tags\n" +
		"a@example.jp,山田,太郎,株式会社サンプル,,VIP\n" +
		"B@Example.jp,佐藤,花子,,,\n" +
		",鈴木,一郎,株式会社サンプル,03-1111-2222,\n" + // no e-mail: matched by name, company and phone
		"b@example.jp,佐藤,花子,サンプル工業,,展示会\n" // the same address twice in one file
	first := importCSV(t, f, ImportRequest{Tags: []string{"2026春"}}, text)
	if got, want := countsOf(first), (importCounts{Done: 4, Created: 3, Updated: 1}); got != want {
		t.Errorf("first run %+v, want %+v", got, want)
	}
	second := importCSV(t, f, ImportRequest{Tags: []string{"2026春"}}, text)
	if got, want := countsOf(second), (importCounts{Done: 4, Updated: 4}); got != want {
		t.Errorf("second run %+v, want %+v", got, want)
	}
	if n := count(t, f.app.Store, "SELECT COUNT(*) FROM contacts"); n != 3 {
		t.Errorf("%d contacts after two runs, want 3", n)
	}
	if n := count(t, f.app.Store, "SELECT COUNT(*) FROM companies"); n != 2 {
		t.Errorf("%d companies after two runs, want 2", n)
	}
	b := contactByEmail(t, f, "b@example.jp")
	if !reflect.DeepEqual(b.Tags, []string{"2026春", "展示会"}) || b.CompanyName != "サンプル工業" {
		t.Errorf("b: tags %q company %q", b.Tags, b.CompanyName)
	}
	// One "imported" entry per contact and run; the company's creation too.
	if n := count(t, f.app.Store, "SELECT COUNT(*) FROM timeline WHERE kind = 'imported' AND contact_id = $1", b.ID); n != 2 {
		t.Errorf("b has %d imported entries, want 2", n)
	}
}

func TestImportUpsertKeepsStoredValuesForEmptyCells(t *testing.T) {
	f := newFixture(t, crm.LangJA)
	orig, err := f.app.CreateContact(ctx, f.owner, ContactInput{Contact: crm.Contact{Email: "taro@example.jp",
		PersonName: crm.PersonName{Family: "山田", Given: "太郎"}, JobTitle: "部長", Phone: "03-1234-5678",
		Lifecycle: crm.StageCustomer, OwnerID: f.owner.User.ID}, CompanyName: "株式会社サンプル"})
	if err != nil {
		t.Fatal(err)
	}
	text := "メールアドレス,姓,名,役職,電話番号,ライフサイクルステージ,会社名,部署\n" +
		"TARO@example.jp,山本,,,,,,営業部\n"
	im := importCSV(t, f, ImportRequest{}, text)
	if got, want := countsOf(im), (importCounts{Done: 1, Updated: 1}); got != want {
		t.Fatalf("counts %+v, want %+v", got, want)
	}
	c := contactByEmail(t, f, "taro@example.jp")
	want := orig
	want.Family, want.Department = "山本", "営業部"
	want.Version, want.UpdatedAt = orig.Version+1, c.UpdatedAt
	c.Tags, want.Tags = nil, nil
	if len(want.Props) == 0 {
		want.Props = c.Props
	}
	if !reflect.DeepEqual(c, want) {
		t.Errorf("after import\n got %+v\nwant %+v", c, want)
	}
	tl, err := f.app.Store.Timeline(ctx, store.TimelineFilter{ContactID: c.ID})
	if err != nil {
		t.Fatal(err)
	}
	if len(tl) == 0 || tl[0].Kind != KindImported || tl[0].Data["action"] != "updated" ||
		fmt.Sprint(tl[0].Data["changes"]) != "map[department:[ 営業部] family_name:[山田 山本]]" {
		t.Errorf("newest timeline entry %+v", tl[0])
	}
}

func TestImportSkipsSuppressedAddresses(t *testing.T) {
	f := newFixture(t, crm.LangEN)
	c, err := f.app.CreateContact(ctx, f.owner, ContactInput{Contact: crm.Contact{Email: "gone@example.jp"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := f.app.ErasePerson(ctx, f.owner, c.ID); err != nil {
		t.Fatal(err)
	}
	im := importCSV(t, f, ImportRequest{}, "Email,First Name\nＧＯＮＥ@example.jp,Gone\nkept@example.jp,Kept\n")
	if got, want := countsOf(im), (importCounts{Done: 2, Created: 1, Skipped: 1}); got != want {
		t.Errorf("counts %+v, want %+v", got, want)
	}
	errs, err := f.app.ImportErrors(ctx, f.owner, im.ID, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(errs) != 1 || errs[0].Row != 2 || errs[0].Column != "Email" || !strings.Contains(errs[0].Reason, "suppression list (erased)") {
		t.Errorf("errors %+v, want row 2 on the suppression list", errs)
	}
	if n := count(t, f.app.Store, "SELECT COUNT(*) FROM contacts"); n != 1 {
		t.Errorf("%d contacts, want 1", n)
	}
}

func TestImportOptionsOwnerTagsSourceConsentProps(t *testing.T) {
	f := newFixture(t, crm.LangEN)
	sales := f.addUser(t, "sales@example.jp", crm.RoleSales)
	if _, err := f.app.CreateProperty(ctx, f.owner, crm.Property{Object: "contact", Key: "budget", LabelJA: "予算", LabelEN: "Budget", Type: crm.PropNumber}); err != nil {
		t.Fatal(err)
	}
	text := "Email,Contact owner,Tags,Consent,Budget\n" +
		"a@example.jp,sales@example.jp,Webinar; VIP,granted,\"1,200\"\n" +
		"b@example.jp,,,,\n" +
		"c@example.jp,nobody@example.jp,,,\n" +
		"d@example.jp,,,,lots\n"
	im := importCSV(t, f, ImportRequest{MarketingSource: true, OwnerID: f.owner.User.ID, Tags: []string{"Import"}}, text)
	if got, want := countsOf(im), (importCounts{Done: 4, Created: 2, Errors: 2}); got != want {
		t.Errorf("counts %+v, want %+v", got, want)
	}
	errs, _ := f.app.ImportErrors(ctx, f.owner, im.ID, 0)
	if len(errs) != 2 || errs[0].Row != 4 || errs[0].Column != "Contact owner" || errs[1].Row != 5 || errs[1].Column != "Budget" {
		t.Errorf("errors %+v", errs)
	}
	a := contactByEmail(t, f, "a@example.jp")
	if a.OwnerID != sales.User.ID || !reflect.DeepEqual(a.Tags, []string{"Import", "VIP", "Webinar"}) ||
		a.Consent != crm.ConsentGranted || a.OriginalSource != crm.SourceImportMkt || a.Props["budget"] != 1200.0 {
		t.Errorf("a = %+v", a)
	}
	b := contactByEmail(t, f, "b@example.jp")
	if b.OwnerID != f.owner.User.ID || !reflect.DeepEqual(b.Tags, []string{"Import"}) || b.Consent != crm.ConsentUnknown {
		t.Errorf("b = %+v", b)
	}
	hist, err := f.app.Store.ConsentHistory(ctx, a.ID)
	if err != nil || len(hist) != 1 || hist[0].Status != crm.ConsentGranted || hist[0].Source != "import" {
		t.Errorf("consent history of a: %+v (err %v)", hist, err)
	}
	if n := count(t, f.app.Store, "SELECT COUNT(*) FROM consent_events"); n != 1 {
		t.Errorf("%d consent events, want 1", n)
	}
}

func TestImportNameWithMarkupIsText(t *testing.T) {
	f := newFixture(t, crm.LangEN)
	name := "<script>alert(1)</script>"
	importCSV(t, f, ImportRequest{}, "Email,Last Name,Job Title\nx@example.jp,"+name+",\"=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\"\n")
	c := contactByEmail(t, f, "x@example.jp")
	if c.Family != name || c.JobTitle != `=HYPERLINK("http://x","y")` {
		t.Fatalf("stored name %q, title %q", c.Family, c.JobTitle)
	}
	var buf bytes.Buffer
	if err := f.app.ExportContacts(ctx, f.owner, store.ContactQuery{}, "", &buf); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	if !strings.Contains(out, ","+name+",") {
		t.Errorf("export does not hold the name as text:\n%s", out)
	}
	if !strings.Contains(out, `"'=HYPERLINK(""http://x"",""y"")"`) || strings.Contains(out, `,"=HYPERLINK`) {
		t.Errorf("export does not neutralise the formula:\n%s", out)
	}
}

func TestImportResumesAfterInterruption(t *testing.T) {
	f := newFixture(t, crm.LangEN)
	var b strings.Builder
	b.WriteString("Email,First Name,Last Name,Company\n")
	const rows = 2*importBatch + 500
	for i := 0; i < rows; i++ {
		fmt.Fprintf(&b, "user%d@example.jp,Taro,User%d,Company %d\n", i, i, i%7)
	}
	im, err := f.app.StartImport(ctx, f.owner, ImportRequest{Object: "contact", Filename: "big.csv", Data: []byte(b.String())})
	if err != nil {
		t.Fatal(err)
	}
	if im.TotalRows != rows {
		t.Errorf("estimated total %d, want %d", im.TotalRows, rows)
	}
	// The first run loses its lease after its first batch, as a process
	// that is killed would stop there.
	lost := errors.New("lease lost")
	got := runImportJobWith(t, f, im, func(done, total int) error {
		if done >= importBatch {
			return lost
		}
		return nil
	})
	if got.Status != store.ImportRunning || got.DoneRows != importBatch || got.Created != importBatch {
		t.Fatalf("after the first run: %+v", got)
	}
	if n := count(t, f.app.Store, "SELECT COUNT(*) FROM contacts"); n != importBatch {
		t.Fatalf("%d contacts after the first run, want %d", n, importBatch)
	}
	var seen []int
	f.clock.Add(time.Hour) // the retry is due
	got = runImportJobWith(t, f, got, func(done, total int) error {
		seen = append(seen, done)
		if total != rows {
			t.Errorf("progress total %d, want %d", total, rows)
		}
		return nil
	})
	if got.Status != store.ImportDone || countsOf(got) != (importCounts{Done: rows, Created: rows}) {
		t.Errorf("after the second run: %+v", got)
	}
	if want := []int{2 * importBatch, rows, rows}; !reflect.DeepEqual(seen, want) {
		t.Errorf("progress %v, want %v", seen, want)
	}
	if n := count(t, f.app.Store, "SELECT COUNT(DISTINCT email) FROM contacts"); n != rows {
		t.Errorf("%d distinct contacts, want %d", n, rows)
	}
	if n := count(t, f.app.Store, "SELECT COUNT(*) FROM timeline WHERE kind = 'imported'"); n != rows {
		t.Errorf("%d imported entries, want %d", n, rows)
	}
	if n := count(t, f.app.Store, "SELECT COUNT(*) FROM companies"); n != 7 {
		t.Errorf("%d companies, want 7", n)
	}
	if n := count(t, f.app.Store, "SELECT COUNT(*) FROM import_chunks"); n != 0 {
		t.Errorf("%d file chunks left after the import, want 0", n)
	}
}

func TestImportCompanies(t *testing.T) {
	f := newFixture(t, crm.LangJA)
	text := "会社名,ウェブサイト,従業員数,住所\n" +
		"株式会社サンプル,https://www.sample.co.jp/,約300名,〒100-0005 東京都千代田区丸の内1-1\n" +
		"テスト合同会社,test.example,,\n" +
		",,,\n" +
		"名無し,,たくさん,\n"
	first := importCSV(t, f, ImportRequest{Object: "company"}, text)
	if got, want := countsOf(first), (importCounts{Done: 3, Created: 2, Errors: 1}); got != want {
		t.Errorf("first run %+v, want %+v", got, want)
	}
	second := importCSV(t, f, ImportRequest{Object: "company"}, "Company Name,Industry\nサンプル株式会社,製造業\n")
	if got, want := countsOf(second), (importCounts{Done: 1, Updated: 1}); got != want {
		t.Errorf("second run %+v, want %+v", got, want)
	}
	page, err := f.app.ListCompanies(ctx, f.owner, store.CompanyQuery{Name: "サンプル"})
	if err != nil || len(page.Companies) != 1 {
		t.Fatalf("companies named サンプル: %+v (err %v)", page.Companies, err)
	}
	co := page.Companies[0]
	if co.Name != "株式会社サンプル" || co.Domain != "sample.co.jp" || co.Employees != 300 || co.PostalCode != "100-0005" ||
		co.Prefecture != "東京都" || co.Street != "千代田区丸の内1-1" || co.Industry != "製造業" {
		t.Errorf("company %+v", co)
	}
	if n := count(t, f.app.Store, "SELECT COUNT(*) FROM companies"); n != 2 {
		t.Errorf("%d companies, want 2", n)
	}
}

func TestStartImportRefusesBadRequests(t *testing.T) {
	f := newFixture(t, crm.LangEN)
	viewer := f.addUser(t, "viewer@example.jp", crm.RoleViewer)
	good := []byte("Email\na@example.jp\n")
	tests := []struct {
		name  string
		ac    Actor
		req   ImportRequest
		field string
		err   error
	}{
		{"viewer", viewer, ImportRequest{Object: "contact", Data: good}, "", crm.ErrForbidden},
		{"object", f.owner, ImportRequest{Object: "deal", Data: good}, "object", nil},
		{"encoding", f.owner, ImportRequest{Object: "contact", Data: good, Encoding: "latin1"}, "encoding", nil},
		{"empty", f.owner, ImportRequest{Object: "contact", Data: nil}, "file", nil},
		{"utf-16", f.owner, ImportRequest{Object: "contact", Data: []byte{0xFF, 0xFE, 'E', 0}}, "file", nil},
		{"nothing mapped", f.owner, ImportRequest{Object: "contact", Data: []byte("Foo,Bar\n1,2\n")}, "mapping", nil},
		{"mapping to nothing", f.owner, ImportRequest{Object: "contact", Data: good, Mapping: map[string]string{"Email": "shoe_size"}}, "Email", nil},
		{"owner", f.owner, ImportRequest{Object: "contact", Data: good, OwnerID: 999}, "owner_id", nil},
		{"tag", f.owner, ImportRequest{Object: "contact", Data: good, Tags: []string{strings.Repeat("x", 51)}}, "tags", nil},
	}
	before := count(t, f.app.Store, "SELECT COUNT(*) FROM jobs")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := f.app.StartImport(ctx, tt.ac, tt.req)
			if tt.err != nil {
				if !errors.Is(err, tt.err) {
					t.Errorf("err %v, want %v", err, tt.err)
				}
				return
			}
			v, ok := crm.AsValidation(err)
			if !ok || v.Fields[tt.field] == "" {
				t.Errorf("err %v, want a validation error on %q", err, tt.field)
			}
		})
	}
	if n := count(t, f.app.Store, "SELECT COUNT(*) FROM imports"); n != 0 {
		t.Errorf("%d imports stored by refused requests", n)
	}
	if n := count(t, f.app.Store, "SELECT COUNT(*) FROM jobs"); n != before {
		t.Errorf("jobs: %d → %d", before, n)
	}
}

func TestImportWithExplicitMapping(t *testing.T) {
	f := newFixture(t, crm.LangEN)
	text := "Mail,Surname,Notes\nq@example.jp,Queen,ignored\n"
	im := importCSV(t, f, ImportRequest{Mapping: map[string]string{"Mail": "email", "Surname": "family_name", "Notes": ""}}, text)
	if im.Created != 1 || !reflect.DeepEqual(im.Mapping, map[string]string{"Mail": "email", "Surname": "family_name"}) {
		t.Errorf("import %+v", im)
	}
	if c := contactByEmail(t, f, "q@example.jp"); c.Family != "Queen" {
		t.Errorf("contact %+v", c)
	}
	list, err := f.app.Imports(ctx, f.owner, 10)
	if err != nil || len(list) != 1 || list[0].ID != im.ID {
		t.Errorf("Imports: %+v (err %v)", list, err)
	}
}

func TestImportFailsOnMappingThatNoLongerFits(t *testing.T) {
	f := newFixture(t, crm.LangEN)
	p, err := f.app.CreateProperty(ctx, f.owner, crm.Property{Object: "contact", Key: "budget", LabelJA: "予算", LabelEN: "Budget", Type: crm.PropNumber})
	if err != nil {
		t.Fatal(err)
	}
	im, err := f.app.StartImport(ctx, f.owner, ImportRequest{Object: "contact", Data: []byte("Email,Budget\na@example.jp,5\n")})
	if err != nil {
		t.Fatal(err)
	}
	if im.Mapping["Budget"] != csvio.PropPrefix+"budget" {
		t.Fatalf("mapping %v", im.Mapping)
	}
	if err := f.app.DeleteProperty(ctx, f.owner, p.ID); err != nil {
		t.Fatal(err)
	}
	got := runImportJob(t, f, im)
	if got.Status != store.ImportFailed || !strings.Contains(got.Message, "mapping") {
		t.Errorf("import %+v, want failed with a message about the mapping", got)
	}
	if j, _ := f.app.Store.Job(ctx, im.JobID); j.Status != store.JobFailed {
		t.Errorf("job %+v, want failed", j)
	}
}
