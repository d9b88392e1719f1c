package app

import (
	"bytes"
	"errors"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"renkei/internal/crm"
	"renkei/internal/csvio"
	"renkei/internal/store"
)

// surveyFixture is a workspace with an open survey: an NPS question that
// fills a number property, a single choice that branches and fills a
// choice property, and a free-text question.
type surveyFixture struct {
	*fixture
	survey crm.Survey
}

func newSurveyFixture(t *testing.T) *surveyFixture {
	t.Helper()
	f := &surveyFixture{fixture: newFixture(t, crm.LangJA)}
	for _, p := range []crm.Property{
		{Object: "contact", Key: "nps_latest", LabelJA: "NPS", LabelEN: "NPS", Type: crm.PropNumber},
		{Object: "contact", Key: "interest", LabelJA: "関心", LabelEN: "Interest", Type: crm.PropChoice, Options: []string{"価格", "機能", "サポート"}},
	} {
		if _, err := f.app.CreateProperty(ctx, f.owner, p); err != nil {
			t.Fatalf("CreateProperty %s: %v", p.Key, err)
		}
	}
	sv, err := f.app.CreateSurvey(ctx, f.owner, crm.Survey{Name: "顧客満足度", TitleJA: "満足度調査", TitleEN: "Satisfaction",
		Status: crm.SurveyOpen, Questions: []crm.SurveyQuestion{
			{ID: "nps", Kind: crm.QNPS, TextJA: "推奨度", Required: true, Property: "nps_latest"},
			{ID: "why", Kind: crm.QSingle, TextJA: "一番の理由", Property: "interest", Choices: []crm.SurveyChoice{
				{LabelJA: "価格", LabelEN: "Price"}, {LabelJA: "機能", LabelEN: "Features"},
				{LabelJA: "サポート", LabelEN: "Support", Goto: crm.GotoEnd}}},
			{ID: "comment", Kind: crm.QText, TextJA: "ご意見"},
		}})
	if err != nil {
		t.Fatalf("CreateSurvey: %v", err)
	}
	f.survey = sv
	return f
}

func (f *surveyFixture) contact(t *testing.T, email, stage, company, industry string) crm.Contact {
	t.Helper()
	in := ContactInput{Contact: crm.Contact{Email: email, Lifecycle: crm.Lifecycle(stage)}}
	if company != "" {
		co, err := f.app.CreateCompany(ctx, f.owner, CompanyInput{Company: crm.Company{Name: company, Industry: industry}}, false)
		if err != nil {
			t.Fatal(err)
		}
		in.Contact.CompanyID = co.ID
	}
	c, err := f.app.CreateContact(ctx, f.owner, in)
	if err != nil {
		t.Fatalf("CreateContact %s: %v", email, err)
	}
	return c
}

func (f *surveyFixture) submit(t *testing.T, contactID int64, vals map[string][]string) SurveyOutcome {
	t.Helper()
	out, err := f.app.SubmitSurvey(ctx, SurveyPost{Survey: f.survey, Values: vals, ContactID: contactID, Lang: crm.LangJA})
	if err != nil {
		t.Fatalf("SubmitSurvey %v: %v", vals, err)
	}
	return out
}

// linkParts reads ?c= and &t= of a personal link.
func linkParts(t *testing.T, link string) (string, string) {
	t.Helper()
	u, err := url.Parse(link)
	if err != nil {
		t.Fatal(err)
	}
	return u.Query().Get("c"), u.Query().Get("t")
}

func TestSurveyValidationThroughApp(t *testing.T) {
	f := newSurveyFixture(t)
	_, err := f.app.CreateSurvey(ctx, f.owner, crm.Survey{Name: "", Questions: []crm.SurveyQuestion{
		{Kind: crm.QSingle, TextJA: "x", Property: "interest", Choices: []crm.SurveyChoice{{LabelJA: "安い"}, {LabelJA: "高い"}}},
		{Kind: "slider", TextJA: "y"},
	}})
	v, ok := crm.AsValidation(err)
	if !ok || v.Fields["name"] == "" || v.Fields["title_ja"] == "" || v.Fields["questions[0].property"] == "" || v.Fields["questions[1].kind"] == "" {
		t.Fatalf("CreateSurvey errors = %v", err)
	}
	// A viewer may not build surveys.
	viewer := f.addUser(t, "viewer@example.jp", crm.RoleViewer)
	if _, err := f.app.CreateSurvey(ctx, viewer, f.survey); !errors.Is(err, crm.ErrForbidden) {
		t.Errorf("viewer CreateSurvey = %v, want forbidden", err)
	}
	if n := count(t, f.app.Store, "SELECT COUNT(*) FROM surveys"); n != 1 {
		t.Errorf("%d surveys stored, want 1", n)
	}
}

func TestSurveyPersonalLinkAndHostileAnswers(t *testing.T) {
	f := newSurveyFixture(t)
	taro := f.contact(t, "taro@example.jp", "customer", "", "")
	hanako := f.contact(t, "hanako@example.jp", "customer", "", "")
	link, err := f.app.SurveyLink(ctx, f.owner, f.survey.ID, taro.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(link, testBaseURL+"/s/"+f.survey.Key+"?") {
		t.Fatalf("link = %s", link)
	}
	c, tok := linkParts(t, link)
	got, err := f.app.SurveyContact(ctx, f.survey, c, tok)
	if err != nil || got != taro.ID {
		t.Fatalf("SurveyContact = %d, %v; want taro %d", got, err, taro.ID)
	}
	other, _ := f.app.SurveyLink(ctx, f.owner, f.survey.ID, hanako.ID)
	_, hanakoTok := linkParts(t, other)
	second, err := f.app.CreateSurvey(ctx, f.owner, crm.Survey{Name: "別", TitleJA: "別", Questions: []crm.SurveyQuestion{{Kind: crm.QText, TextJA: "?"}}})
	if err != nil {
		t.Fatal(err)
	}
	otherSurvey, _ := f.app.SurveyLink(ctx, f.owner, second.ID, taro.ID)
	_, otherSurveyTok := linkParts(t, otherSurvey)
	for name, pair := range map[string][2]string{
		"token of another contact": {c, hanakoTok},
		"token of another survey":  {c, otherSurveyTok},
		"forged token":             {c, tok[:len(tok)-2] + "AA"},
		"no token":                 {c, ""},
		"not a number":             {"1 OR 1=1", tok},
	} {
		if id, err := f.app.SurveyContact(ctx, f.survey, pair[0], pair[1]); err == nil {
			t.Errorf("%s: accepted as contact %d", name, id)
		} else if v, ok := crm.AsValidation(err); !ok || v.Fields["token"] == "" {
			t.Errorf("%s: err = %v, want a token error", name, err)
		}
	}

	before := snapshot(t, f.app.Store)
	for name, vals := range map[string]map[string][]string{
		"unknown question":   {"nps": {"9"}, "admin": {"1"}},
		"choice not offered": {"nps": {"9"}, "why": {"無料"}},
		"huge text":          {"nps": {"9"}, "comment": {strings.Repeat("長", crm.MaxSurveyText+1)}},
		"required missing":   {"why": {"価格"}},
		"nps out of range":   {"nps": {"-1"}},
	} {
		_, err := f.app.SubmitSurvey(ctx, SurveyPost{Survey: f.survey, Values: vals, ContactID: taro.ID})
		if _, ok := crm.AsValidation(err); !ok {
			t.Errorf("%s: err = %v, want a validation error", name, err)
		}
	}
	if d := diffSnapshots(before, snapshot(t, f.app.Store)); d != "" {
		t.Errorf("refused answers wrote something:\n%s", d)
	}

	// A closed survey takes nothing.
	closed := f.survey
	closed.Status = crm.SurveyClosed
	if _, err := f.app.SubmitSurvey(ctx, SurveyPost{Survey: closed, Values: map[string][]string{"nps": {"9"}}}); err != ErrSurveyClosed {
		t.Errorf("closed survey: err = %v", err)
	}
}

func TestSurveyResponseTiedToContactFillsPropertiesAndTimeline(t *testing.T) {
	f := newSurveyFixture(t)
	taro := f.contact(t, "taro@example.jp", "customer", "", "")
	first := f.submit(t, taro.ID, map[string][]string{"nps": {"6"}, "why": {"価格"}, "comment": {"高い"}})
	c, err := f.app.Contact(ctx, f.owner, taro.ID)
	if err != nil {
		t.Fatal(err)
	}
	if c.Props["nps_latest"] != 6.0 || c.Props["interest"] != "価格" {
		t.Fatalf("props after the first response = %v", c.Props)
	}
	// Answering again replaces the response (one per contact and survey);
	// "サポート" ends the survey, so the comment is dropped.
	second := f.submit(t, taro.ID, map[string][]string{"nps": {"10"}, "why": {"サポート"}, "comment": {"skipped"}})
	if !second.Replaced || second.ResponseID != first.ResponseID {
		t.Errorf("second response = %+v, want a replacement of %d", second, first.ResponseID)
	}
	rs, err := f.app.SurveyResponses(ctx, f.owner, store.SurveyResponseFilter{SurveyID: f.survey.ID})
	if err != nil || len(rs) != 1 {
		t.Fatalf("responses = %v, %v; want one", rs, err)
	}
	if _, ok := rs[0].Answers["comment"]; ok || *rs[0].NPS != 10 || rs[0].ContactID != taro.ID {
		t.Errorf("stored response = %+v", rs[0])
	}
	c, _ = f.app.Contact(ctx, f.owner, taro.ID)
	if c.Props["nps_latest"] != 10.0 || c.Props["interest"] != "サポート" {
		t.Errorf("props after the second response = %v", c.Props)
	}
	tl, err := f.app.Timeline(ctx, f.owner, store.TimelineFilter{ContactID: taro.ID, Limit: 50})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range tl {
		if e.Kind == KindSurvey {
			n++
			if e.Data["survey"] != "顧客満足度" {
				t.Errorf("timeline data = %v", e.Data)
			}
		}
	}
	if n != 2 {
		t.Errorf("%d survey entries on the timeline, want 2", n)
	}
	if got := count(t, f.app.Store, "SELECT COUNT(*) FROM events WHERE kind = 'survey' AND contact_id = $1", taro.ID); got != 2 {
		t.Errorf("%d survey events for scoring, want 2", got)
	}
	// Anonymous responses are not tied to anyone and do not replace each other.
	f.submit(t, 0, map[string][]string{"nps": {"3"}})
	f.submit(t, 0, map[string][]string{"nps": {"4"}})
	if got := count(t, f.app.Store, "SELECT COUNT(*) FROM survey_responses WHERE contact_id IS NULL"); got != 2 {
		t.Errorf("%d anonymous responses, want 2", got)
	}
}

// The NPS, the cross-tabs, the search and the segment fields on a
// hand-made fixture.
func TestSurveyResultsCrossTabsSearchAndSegments(t *testing.T) {
	f := newSurveyFixture(t)
	type person struct {
		email, stage, company, industry string
		nps                             int
		why, comment                    string
	}
	people := []person{
		{"a@example.jp", "customer", "甲社", "製造業", 0, "価格", "価格が高い"},
		{"b@example.jp", "customer", "乙社", "製造業", 6, "機能", ""},
		{"c@example.jp", "customer", "丙社", "小売業", 7, "価格", "PRICE is fine"},
		{"d@example.jp", "lead", "丁社", "小売業", 8, "", ""},
		{"e@example.jp", "lead", "", "", 9, "機能", "サポートが丁寧"},
		{"f@example.jp", "customer", "戊社", "製造業", 10, "サポート", ""},
	}
	ids := map[string]int64{}
	for _, p := range people {
		c := f.contact(t, p.email, p.stage, p.company, p.industry)
		ids[p.email] = c.ID
		vals := map[string][]string{"nps": {strconv.Itoa(p.nps)}}
		if p.why != "" {
			vals["why"] = []string{p.why}
		}
		if p.comment != "" {
			vals["comment"] = []string{p.comment}
		}
		f.submit(t, c.ID, vals)
	}
	f.submit(t, 0, map[string][]string{"nps": {"10"}}) // anonymous promoter

	res, err := f.app.SurveyResults(ctx, f.owner, f.survey.ID, ResultsFilter{CrossBy: "stage", CrossQ: "nps"}, crm.LangEN)
	if err != nil {
		t.Fatal(err)
	}
	// 7 answers: detractors 0, 6; passives 7, 8; promoters 9, 10, 10.
	// (3 − 2) / 7 = 14.3.
	nps := res.Questions[0].NPS
	if res.N != 7 || nps == nil || nps.N != 7 || nps.Promoters != 3 || nps.Passives != 2 || nps.Detractors != 2 || nps.Score != 14.3 {
		t.Fatalf("NPS = %+v (n %d)", nps, res.N)
	}
	if res.Questions[0].Counts[0].Count != 1 || res.Questions[0].Counts[10].Count != 2 || res.Questions[0].Mean != 7.14 {
		t.Errorf("NPS counts = %+v mean %v", res.Questions[0].Counts, res.Questions[0].Mean)
	}
	why := res.Questions[1]
	if why.Answered != 5 || why.Counts[0].Count != 2 || why.Counts[1].Count != 2 || why.Counts[2].Count != 1 || why.Counts[0].Pct != 40 {
		t.Errorf("why = %+v", why)
	}
	if len(res.NPSTrend) != 1 || res.NPSTrend[0].Score != 14.3 {
		t.Errorf("trend = %+v", res.NPSTrend)
	}
	// By stage: leads (8, 9): 0 detractors, 1 passive, 1 promoter → +50;
	// customers (0, 6, 7, 10): 2, 1, 1 → −25; anonymous last (10).
	ct := res.Cross
	if ct == nil || len(ct.Rows) != 3 {
		t.Fatalf("cross = %+v", ct)
	}
	want := []struct {
		label  string
		n      int
		counts [3]int
		score  float64
	}{{"Lead", 2, [3]int{0, 1, 1}, 50}, {"Customer", 4, [3]int{2, 1, 1}, -25}, {"Anonymous", 1, [3]int{0, 0, 1}, 100}}
	for i, w := range want {
		r := ct.Rows[i]
		if r.Label != w.label || r.N != w.n || [3]int(r.Counts) != w.counts || r.NPS.Score != w.score {
			t.Errorf("cross row %d = %+v %+v, want %+v", i, r, r.NPS, w)
		}
	}
	// By industry, on the choice question: 製造業 (価格, 機能, サポート),
	// 小売業 (価格), no industry (機能).
	res, err = f.app.SurveyResults(ctx, f.owner, f.survey.ID, ResultsFilter{CrossBy: "industry", CrossQ: "why"}, crm.LangEN)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string][]int{}
	for _, r := range res.Cross.Rows {
		got[r.Label] = r.Counts
	}
	if len(res.Cross.Rows) != 3 || res.Cross.Rows[0].Label != "製造業" || !equalInts(got["製造業"], []int{1, 1, 1}) ||
		!equalInts(got["小売業"], []int{1, 0, 0}) || !equalInts(got["(no industry)"], []int{0, 1, 0}) {
		t.Errorf("by industry = %+v", res.Cross.Rows)
	}
	if _, err := f.app.SurveyResults(ctx, f.owner, f.survey.ID, ResultsFilter{CrossBy: "owner; DROP"}, crm.LangEN); err == nil {
		t.Error("a bad cross_by was accepted")
	}

	// Free-text search: NFKC-folded and case-insensitive.
	for q, n := range map[string]int{"ｻﾎﾟｰﾄ": 1, "price": 1, "ＰＲＩＣＥ": 1, "価格": 1, "存在しない": 0} {
		rs, err := f.app.SurveyResponses(ctx, f.owner, store.SurveyResponseFilter{SurveyID: f.survey.ID, Query: q})
		if err != nil || len(rs) != n {
			t.Errorf("search %q = %d responses, %v; want %d", q, len(rs), err, n)
		}
	}

	// Segments: answered the survey; latest NPS ≥ 9; NPS set.
	seg := func(conds ...crm.SegmentCondition) int {
		t.Helper()
		n, _, err := f.app.SegmentPreview(ctx, f.owner, crm.SegmentGroup{Match: crm.MatchAll, Conditions: conds}, 0)
		if err != nil {
			t.Fatalf("SegmentPreview %v: %v", conds, err)
		}
		return n
	}
	sid := strconv.FormatInt(f.survey.ID, 10)
	if n := seg(crm.SegmentCondition{Field: "answered_survey", Op: crm.SegOpEq, Value: sid}); n != 6 {
		t.Errorf("answered the survey = %d, want 6", n)
	}
	if n := seg(crm.SegmentCondition{Field: "nps_score", Op: crm.SegOpGte, Value: "9"}); n != 2 {
		t.Errorf("NPS ≥ 9 = %d, want 2", n)
	}
	if n := seg(crm.SegmentCondition{Field: "nps_score", Op: crm.SegOpBetween, Values: []string{"0", "6"}},
		crm.SegmentCondition{Field: "lifecycle_stage", Op: crm.SegOpEq, Value: "customer"}); n != 2 {
		t.Errorf("detractor customers = %d, want 2", n)
	}
	f.contact(t, "none@example.jp", "lead", "", "")
	if n := seg(crm.SegmentCondition{Field: "nps_score", Op: crm.SegOpIsEmpty}); n != 1 {
		t.Errorf("without an NPS = %d, want 1", n)
	}
	if n := seg(crm.SegmentCondition{Field: "answered_survey", Op: crm.SegOpIsSet, Days: 30}); n != 6 {
		t.Errorf("answered any survey in 30 days = %d, want 6", n)
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestSurveyCSVNeutralisesFormulas(t *testing.T) {
	f := newSurveyFixture(t)
	c := f.contact(t, "x@example.jp", "lead", "", "")
	f.submit(t, c.ID, map[string][]string{"nps": {"9"}, "comment": {"=HYPERLINK(\"http://evil\")"}})
	var buf bytes.Buffer
	if err := f.app.ExportSurveyCSV(ctx, f.owner, f.survey.ID, csvio.EncodingUTF8, crm.LangJA, &buf); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	if !strings.Contains(out, "推奨度") || !strings.Contains(out, "x@example.jp") || strings.Contains(out, ",=HYPERLINK") ||
		!strings.Contains(out, "'=HYPERLINK") {
		t.Errorf("csv = %q", out)
	}
}

// Closing a deal makes the win / loss survey's task with the contact's
// personal link; a new contract makes the after-follow one, once.
func TestAutomaticSurveysMakeTasksWithPersonalLinks(t *testing.T) {
	f := newSalesFixture(t)
	mk := func(name string, trig crm.SurveyTrigger, days int) crm.Survey {
		sv, err := f.app.CreateSurvey(ctx, f.owner, crm.Survey{Name: name, TitleJA: name, Status: crm.SurveyOpen, Trigger: trig,
			TriggerDays: days, Questions: []crm.SurveyQuestion{{Kind: crm.QNPS, TextJA: "推奨度"}}})
		if err != nil {
			t.Fatalf("CreateSurvey %s: %v", name, err)
		}
		return sv
	}
	after := mk("アフターフォロー", crm.TriggerContract, 30)
	winloss := mk("受注・失注", crm.TriggerDealClosed, 0)
	d, c := f.negotiating(t)
	d = f.move(t, d, "Won")
	tasks, _, err := f.app.ListTasks(ctx, f.sales, store.TaskQuery{DealID: d.ID, View: string(TasksOpen)})
	if err != nil {
		t.Fatal(err)
	}
	found := map[int64]crm.Task{}
	for _, tk := range tasks {
		for _, sv := range []crm.Survey{after, winloss} {
			if strings.Contains(tk.Notes, "/s/"+sv.Key+"?c="+strconv.FormatInt(c.ID, 10)) {
				found[sv.ID] = tk
			}
		}
	}
	if len(found) != 2 {
		t.Fatalf("survey tasks = %v (all tasks %v)", found, tasks)
	}
	// The after-follow task is due 30 days after the start, at 10:00 Tokyo.
	if due := found[after.ID].DueAt; due.UTC().Format("2006-01-02 15:04") != "2026-05-01 01:00" {
		t.Errorf("after-follow due = %v", due)
	}
	if found[winloss.ID].OwnerID != f.sales.User.ID || !strings.Contains(found[winloss.ID].Title, "受注アンケート") {
		t.Errorf("win task = %+v", found[winloss.ID])
	}
	// The link in the task is a working personal link.
	tk := found[winloss.ID]
	link := tk.Notes[strings.Index(tk.Notes, "https://"):]
	cs, tok := linkParts(t, strings.TrimSpace(link))
	if id, err := f.app.SurveyContact(ctx, winloss, cs, tok); err != nil || id != c.ID {
		t.Errorf("task link contact = %d, %v", id, err)
	}
	links, err := f.app.DealSurveyLinks(ctx, f.sales, d.ID)
	if err != nil || len(links) != 2 {
		t.Errorf("DealSurveyLinks = %v, %v", links, err)
	}
	// Out of won and back: no second invitation.
	d = f.move(t, d, "Negotiation")
	d = f.move(t, d, "Won")
	if n := count(t, f.app.Store, "SELECT COUNT(*) FROM survey_invites"); n != 2 {
		t.Errorf("%d invitations after winning twice, want 2", n)
	}
}

// Merging two contacts who both answered keeps one response: the newer.
func TestSurveyResponsesFollowAMerge(t *testing.T) {
	f := newSurveyFixture(t)
	keep := f.contact(t, "keep@example.jp", "customer", "", "")
	drop := f.contact(t, "drop@example.jp", "customer", "", "")
	f.submit(t, keep.ID, map[string][]string{"nps": {"4"}})
	f.clock.Add(time.Hour)
	f.submit(t, drop.ID, map[string][]string{"nps": {"9"}})
	if _, err := f.app.MergeContacts(ctx, f.owner, keep.ID, drop.ID); err != nil {
		t.Fatal(err)
	}
	rs, err := f.app.SurveyResponses(ctx, f.owner, store.SurveyResponseFilter{SurveyID: f.survey.ID})
	if err != nil || len(rs) != 1 || rs[0].ContactID != keep.ID || *rs[0].NPS != 9 {
		t.Fatalf("responses after the merge = %+v, %v", rs, err)
	}
}
