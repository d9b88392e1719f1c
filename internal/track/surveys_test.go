package track

import (
	"html"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"renkei/internal/app"
	"renkei/internal/crm"
)

// senv is fenv with an open survey: an NPS question (required), a single
// choice that can end the survey, a free-text question.
type senv struct {
	*fenv
	survey crm.Survey
}

func newSenv(t *testing.T) *senv {
	t.Helper()
	e := &senv{fenv: newFenv(t, nil)}
	sv, err := e.app.CreateSurvey(ctx, e.owner, crm.Survey{Name: "NPS", TitleJA: "満足度調査", TitleEN: "How are we doing?",
		Status: crm.SurveyOpen, Questions: []crm.SurveyQuestion{
			{ID: "nps", Kind: crm.QNPS, TextJA: "推奨度", TextEN: "Recommend?", Required: true},
			{ID: "why", Kind: crm.QSingle, TextJA: "理由", Choices: []crm.SurveyChoice{{LabelJA: "価格"}, {LabelJA: "機能", Goto: crm.GotoEnd}}},
			{ID: "comment", Kind: crm.QText, TextJA: "ご意見"},
		}})
	if err != nil {
		t.Fatal(err)
	}
	e.survey = sv
	return e
}

// page renders a survey page and returns its signed token.
func (e *senv) page(query string) string {
	e.t.Helper()
	w := e.do("GET", "/s/"+e.survey.Key+query, nil)
	if w.Code != 200 {
		e.t.Fatalf("GET survey page: %d %s", w.Code, w.Body)
	}
	m := regexp.MustCompile(`name="_t" value="([^"]+)"`).FindStringSubmatch(w.Body.String())
	if m == nil {
		e.t.Fatalf("no _t in the page:\n%s", w.Body)
	}
	return html.UnescapeString(m[1])
}

func (e *senv) post(vals url.Values) (int, string) {
	w := e.do("POST", "/s/"+e.survey.Key, strings.NewReader(vals.Encode()), "Content-Type", "application/x-www-form-urlencoded")
	return w.Code, w.Body.String()
}

func (e *senv) responses() int {
	var n int
	if err := e.st.DB().QueryRow("SELECT COUNT(*) FROM survey_responses").Scan(&n); err != nil {
		e.t.Fatal(err)
	}
	return n
}

func TestSurveyHostedPageAnonymousAndHostile(t *testing.T) {
	e := newSenv(t)
	tok := e.page("?lang=ja")
	e.formClock.Add(5 * time.Second)
	base := func() url.Values {
		return url.Values{"_t": {tok}, "lang": {"ja"}, "q.nps": {"9"}, "q.why": {"価格"}, "q.comment": {"良い"}}
	}
	cases := []struct {
		name   string
		change func(v url.Values)
		code   int
		want   string
	}{
		{"unknown question", func(v url.Values) { v.Set("q.admin", "1") }, 422, "このアンケートの質問にだけ回答してください"},
		{"choice not offered", func(v url.Values) { v.Set("q.why", "無料") }, 422, "表示された選択肢から選んでください"},
		{"huge text", func(v url.Values) { v.Set("q.comment", strings.Repeat("あ", crm.MaxSurveyText+1)) }, 422, "長すぎます"},
		{"required missing", func(v url.Values) { v.Del("q.nps") }, 422, "この質問にお答えください"},
		{"wrong token", func(v url.Values) { v.Set("c", "1"); v.Set("t", "AAAAAAAAAAAAAAAAAAAAAAAAAA") }, 403, "専用リンクは無効"},
		{"no timing token", func(v url.Values) { v.Del("_t") }, 422, ""},
	}
	for _, c := range cases {
		v := base()
		c.change(v)
		code, body := e.post(v)
		if code != c.code || !strings.Contains(body, c.want) {
			t.Errorf("%s: %d, want %d with %q\n%s", c.name, code, c.code, c.want, body)
		}
	}
	if n := e.responses(); n != 0 {
		t.Fatalf("%d responses stored after refused posts", n)
	}
	// The page shows what was typed again next to the error.
	v := base()
	v.Set("q.why", "無料")
	_, body := e.post(v)
	if !strings.Contains(body, `value="9" class="form-selectgroup-input" checked`) || !strings.Contains(body, "良い") {
		t.Errorf("the refused page lost the answers:\n%s", body)
	}
	e.formClock.Add(time.Minute) // the per-address post limit refills
	code, body := e.post(base())
	if code != 200 || !strings.Contains(body, "ご回答ありがとうございました") {
		t.Fatalf("good post: %d %s", code, body)
	}
	if n := e.responses(); n != 1 {
		t.Fatalf("%d responses, want 1", n)
	}
	// The honeypot is thanked and not stored.
	v = base()
	v.Set("website_url", "http://spam")
	if code, _ := e.post(v); code != 200 || e.responses() != 1 {
		t.Errorf("honeypot post stored something: %d, %d responses", code, e.responses())
	}
	// A foreign origin is refused.
	w := e.do("POST", "/s/"+e.survey.Key, strings.NewReader(base().Encode()), "Content-Type", "application/x-www-form-urlencoded",
		"Origin", "https://evil.example")
	if w.Code != 403 {
		t.Errorf("foreign origin: %d", w.Code)
	}
	// The page may be framed by the registered site only.
	w = e.do("GET", "/s/"+e.survey.Key, nil)
	if csp := w.Header().Get("Content-Security-Policy"); !strings.Contains(csp, "frame-ancestors 'self' "+siteOrigin) ||
		strings.Contains(csp, "script-src") || w.Header().Get("Referrer-Policy") != "same-origin" {
		t.Errorf("headers: %v", w.Header())
	}
}

func TestSurveyPersonalLinkTiesTheContact(t *testing.T) {
	e := newSenv(t)
	taro, err := e.app.CreateContact(ctx, e.owner, app.ContactInput{Contact: crm.Contact{Email: "taro@example.jp"}})
	if err != nil {
		t.Fatal(err)
	}
	hanako, err := e.app.CreateContact(ctx, e.owner, app.ContactInput{Contact: crm.Contact{Email: "hanako@example.jp"}})
	if err != nil {
		t.Fatal(err)
	}
	link, err := e.app.SurveyLink(ctx, e.owner, e.survey.ID, taro.ID)
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(link)
	q := u.Query()
	// Hanako's id with Taro's token: refused on the page and in a post.
	w := e.do("GET", "/s/"+e.survey.Key+"?c="+strconv.FormatInt(hanako.ID, 10)+"&t="+url.QueryEscape(q.Get("t")), nil)
	if w.Code != 403 {
		t.Errorf("another contact's token: %d", w.Code)
	}
	tok := e.page("?" + u.RawQuery)
	e.formClock.Add(5 * time.Second)
	v := url.Values{"_t": {tok}, "c": {strconv.FormatInt(hanako.ID, 10)}, "t": {q.Get("t")}, "q.nps": {"3"}}
	if code, _ := e.post(v); code != 403 || e.responses() != 0 {
		t.Fatalf("token of another contact: %d, %d responses", code, e.responses())
	}
	v.Set("c", q.Get("c"))
	if code, body := e.post(v); code != 200 {
		t.Fatalf("personal post: %d %s", code, body)
	}
	var cid int64
	if err := e.st.DB().QueryRow("SELECT contact_id FROM survey_responses").Scan(&cid); err != nil || cid != taro.ID {
		t.Fatalf("response contact = %d, %v; want taro %d", cid, err, taro.ID)
	}
	// Answering again replaces the answer.
	v.Set("q.nps", "10")
	if code, _ := e.post(v); code != 200 || e.responses() != 1 {
		t.Fatalf("second answer: %d, %d responses", code, e.responses())
	}
	var nps int
	e.st.DB().QueryRow("SELECT nps FROM survey_responses").Scan(&nps)
	if nps != 10 {
		t.Errorf("nps after replacing = %d", nps)
	}
}

func TestSurveyClosedAndUnknown(t *testing.T) {
	e := newSenv(t)
	if w := e.do("GET", "/s/nope", nil); w.Code != 404 {
		t.Errorf("unknown survey: %d", w.Code)
	}
	sv := e.survey
	sv.Status = crm.SurveyClosed
	if _, err := e.app.UpdateSurvey(ctx, e.owner, sv.ID, sv.Version, sv); err != nil {
		t.Fatal(err)
	}
	w := e.do("GET", "/s/"+e.survey.Key+"?lang=en", nil)
	if w.Code != 200 || !strings.Contains(w.Body.String(), "not taking answers") || strings.Contains(w.Body.String(), "<form") {
		t.Errorf("closed survey page: %d %s", w.Code, w.Body)
	}
}
