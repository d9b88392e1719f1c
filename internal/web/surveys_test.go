package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"renkei/internal/app"
	"renkei/internal/crm"
)

// TestSurveyBuilderAndResults builds a survey through the builder (adding
// a question, branching, a bad branch refused inline), answers it, and
// reads the results page, the cross-tab, the search and the CSV export;
// answers carrying markup show as text.
func TestSurveyBuilderAndResults(t *testing.T) {
	e := newEnv(t)
	session := e.setup()
	ctx := context.Background()
	owner := actorOf(t, e, "admin@example.com")

	// The new-survey page starts with an NPS and a free-text question.
	w := e.do("GET", "/marketing/surveys/new", session, nil)
	if w.Code != 200 || !strings.Contains(w.Body.String(), `name="kind.0"`) || !strings.Contains(w.Body.String(), `name="kind.1"`) {
		t.Fatalf("new survey page: %d", w.Code)
	}
	v := url.Values{"name": {"満足度"}, "title_ja": {"満足度調査"}, "status": {"open"}, "n": {"2"},
		"qid.0": {"q1"}, "kind.0": {"nps"}, "ja.0": {"推奨度"}, "req.0": {"on"}, "pos.0": {"10"},
		"qid.1": {"q2"}, "kind.1": {"text"}, "ja.1": {"ご意見"}, "pos.1": {"20"}}
	// "Add a question" shows the page again with a third block.
	v.Set("add", "single")
	w = e.do("POST", "/marketing/surveys", session, v)
	if w.Code != 200 || !strings.Contains(w.Body.String(), `name="kind.2"`) {
		t.Fatalf("add a question: %d", w.Code)
	}
	v.Del("add")
	v.Set("n", "3")
	v.Set("kind.2", "single")
	v.Set("ja.2", "業種")
	v.Set("pos.2", "5") // moved to the front
	v.Set("choices.2", "製造業 | Manufacturing\n小売業 | Retail | q9\n")
	w = e.do("POST", "/marketing/surveys", session, v)
	if w.Code != http.StatusUnprocessableEntity || !strings.Contains(w.Body.String(), "kip to a later question") {
		t.Fatalf("bad branch: %d\n%.3000s", w.Code, w.Body)
	}
	v.Set("choices.2", "製造業 | Manufacturing\n小売業 | Retail | end\n")
	w = e.do("POST", "/marketing/surveys", session, v)
	if w.Code != http.StatusSeeOther {
		t.Fatalf("create: %d\n%.3000s", w.Code, w.Body)
	}
	list, err := e.app.Surveys(ctx, owner)
	if err != nil || len(list) != 1 {
		t.Fatalf("surveys = %v, %v", list, err)
	}
	sv := list[0].Survey
	if len(sv.Questions) != 3 || sv.Questions[0].Kind != crm.QSingle || sv.Questions[0].ID != "q3" ||
		sv.Questions[0].Choices[1].Goto != crm.GotoEnd || sv.Questions[1].ID != "q1" {
		t.Fatalf("stored survey = %+v", sv.Questions)
	}
	const xss = `<script>alert(1)</script>`
	for _, a := range []map[string][]string{
		{"q3": {"製造業"}, "q1": {"10"}, "q2": {"サポートが良い" + xss}},
		{"q3": {"製造業"}, "q1": {"3"}},
		{"q3": {"小売業"}},
	} {
		if _, err := e.app.SubmitSurvey(ctx, app.SurveyPost{Survey: sv, Values: a}); err != nil {
			t.Fatal(err)
		}
	}
	loc := "/marketing/surveys/" + strconvI(sv.ID)
	w = e.do("GET", loc+"?cross_by=stage&cross_q=q1", session, nil)
	body := w.Body.String()
	if w.Code != 200 {
		t.Fatalf("results: %d", w.Code)
	}
	for _, want := range []string{`data-testid="survey-nps">&#43;0.0<`, "n = 2", "サポートが良い&lt;script&gt;", `data-chart="q1"`, `data-testid="crosstab"`, "/s/" + sv.Key} {
		if !strings.Contains(body, want) {
			t.Errorf("results page lacks %q", want)
		}
	}
	if strings.Contains(body, "<script>alert(1)") {
		t.Error("an answer's markup is not escaped")
	}
	// Search: only the response with the comment.
	w = e.do("GET", loc+"?q="+url.QueryEscape("ｻﾎﾟｰﾄ"), session, nil)
	if !strings.Contains(w.Body.String(), `data-testid="survey-n">1<`) {
		t.Errorf("search did not narrow to one response")
	}
	// CSV export.
	w = e.do("GET", loc+"/export", session, nil)
	if w.Code != 200 || !strings.Contains(w.Header().Get("Content-Type"), "text/csv") || !strings.Contains(w.Body.String(), "推奨度") {
		t.Errorf("export: %d %s", w.Code, w.Header())
	}
	// A personal link for a contact.
	c, err := e.app.CreateContact(ctx, owner, app.ContactInput{Contact: crm.Contact{Email: "taro@example.jp"}})
	if err != nil {
		t.Fatal(err)
	}
	w = e.do("GET", loc+"?contact="+strconvI(c.ID), session, nil)
	if !strings.Contains(w.Body.String(), `data-testid="personal-link"`) || !strings.Contains(w.Body.String(), "c="+strconvI(c.ID)) {
		t.Errorf("no personal link on the page")
	}
	// A viewer reads the results but may not build.
	viewer := e.user(crm.RoleViewer, "Vera")
	if w := e.do("GET", "/marketing/surveys", viewer, nil); w.Code != 200 || strings.Contains(w.Body.String(), "/marketing/surveys/new") {
		t.Errorf("viewer list: %d", w.Code)
	}
	if w := e.do("GET", loc+"/edit", viewer, nil); w.Code != http.StatusForbidden {
		t.Errorf("viewer edit: %d", w.Code)
	}
}
