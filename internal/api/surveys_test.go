package api

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"renkei/internal/app"
	"renkei/internal/crm"
)

// newSurvey creates an open survey as the admin: an NPS question and a
// single choice.
func (e *env) newSurvey(name string) crm.Survey {
	e.t.Helper()
	sv, err := e.app.CreateSurvey(context.Background(), e.admin(), crm.Survey{Name: name, TitleJA: name, Status: crm.SurveyOpen,
		Questions: []crm.SurveyQuestion{{ID: "nps", Kind: crm.QNPS, TextJA: "推奨度", Required: true},
			{ID: "why", Kind: crm.QSingle, TextJA: "理由", Choices: []crm.SurveyChoice{{LabelJA: "価格"}, {LabelJA: "機能"}}}}})
	if err != nil {
		e.t.Fatal(err)
	}
	return sv
}

// surveysSamples are the permission walk's requests for the surveys routes.
func (e *env) surveysSamples(role string) map[string]sample {
	sv := e.newSurvey("Walk " + role)
	doomed := e.newSurvey("Doomed " + role)
	c, err := e.app.CreateContact(context.Background(), e.admin(), app.ContactInput{Contact: crm.Contact{Email: "walk-survey-" + role + "@example.jp"}})
	if err != nil {
		e.t.Fatal(err)
	}
	stale := []string{"If-Match", `"999"`}
	in := map[string]any{"name": "New " + role, "title_ja": "新規", "questions": []any{map[string]any{"kind": "text", "text_ja": "ご意見"}}}
	return map[string]sample{
		"GET /surveys":              {path: "/surveys"},
		"POST /surveys":             {path: "/surveys", body: in},
		"GET /surveys/{id}":         {path: fmt.Sprintf("/surveys/%d", sv.ID)},
		"PATCH /surveys/{id}":       {path: fmt.Sprintf("/surveys/%d", sv.ID), body: map[string]any{"title_en": "x"}, headers: stale},
		"DELETE /surveys/{id}":      {path: fmt.Sprintf("/surveys/%d", doomed.ID)},
		"GET /surveys/{id}/results": {path: fmt.Sprintf("/surveys/%d/results?cross_by=stage", sv.ID)},
		"GET /surveys/{id}/link":    {path: fmt.Sprintf("/surveys/%d/link?contact_id=%d", sv.ID, c.ID)},
		"GET /survey-responses":     {path: fmt.Sprintf("/survey-responses?survey_id=%d", sv.ID)},
		"POST /survey-responses": {path: "/survey-responses", body: map[string]any{"survey_id": sv.ID, "contact_id": c.ID,
			"answers": map[string]any{"nps": 9}}},
	}
}

// happySurveys walks the surveys endpoints (TestHappyPaths).
func (e *env) happySurveys() {
	t := e.t
	in := map[string]any{"name": "NPS", "title_ja": "満足度", "status": "open", "questions": []any{
		map[string]any{"id": "nps", "kind": "nps", "text_ja": "推奨度", "required": true},
		map[string]any{"id": "why", "kind": "single", "text_ja": "理由", "choices": []any{
			map[string]any{"label_ja": "価格", "label_en": "Price"}, map[string]any{"label_ja": "機能", "goto": "end"}}},
		map[string]any{"id": "grid", "kind": "matrix", "text_ja": "評価", "scale_max": 5, "rows": []any{map[string]any{"label_ja": "価格"}}},
		map[string]any{"id": "comment", "kind": "text", "text_ja": "ご意見"},
	}}
	// Validation: a bad kind and a backwards branch, per field.
	bad := map[string]any{"name": "x", "title_ja": "x", "questions": []any{
		map[string]any{"id": "a", "kind": "slider", "text_ja": "?"},
		map[string]any{"id": "b", "kind": "single", "text_ja": "?", "choices": []any{map[string]any{"label_ja": "1", "goto": "a"}, map[string]any{"label_ja": "2"}}},
	}}
	fe := e.do("marketing", http.MethodPost, "/api/v1/surveys", bad).want(t, http.StatusUnprocessableEntity).fieldErrors(t)
	if fe["questions[0].kind"] == "" || fe["questions[1].choices[0].goto"] == "" {
		t.Errorf("field errors = %v", fe)
	}
	res := e.do("marketing", http.MethodPost, "/api/v1/surveys", in).want(t, http.StatusCreated)
	got := res.obj(t)
	id := int64(got["id"].(float64))
	if got["hosted_url"] != testBaseURL+"/s/"+got["key"].(string) {
		t.Errorf("hosted_url = %v", got["hosted_url"])
	}
	e.do("viewer", http.MethodGet, fmt.Sprintf("/api/v1/surveys/%d", id), nil).want(t, http.StatusOK)
	if l := e.do("viewer", http.MethodGet, "/api/v1/surveys", nil).want(t, http.StatusOK).obj(t); len(l["data"].([]any)) != 1 {
		t.Errorf("survey list = %v", l)
	}
	res = e.do("marketing", http.MethodPatch, fmt.Sprintf("/api/v1/surveys/%d", id), map[string]any{"title_en": "Satisfaction"},
		"If-Match", res.etag(t)).want(t, http.StatusOK)
	if res.obj(t)["title_en"] != "Satisfaction" {
		t.Errorf("patched = %v", res.obj(t))
	}
	c, err := e.app.CreateContact(context.Background(), e.admin(), app.ContactInput{Contact: crm.Contact{Email: "survey-api@example.jp"}})
	if err != nil {
		t.Fatal(err)
	}
	// Hostile answers: unknown question, a choice not offered, a row not
	// offered, an object where a number belongs.
	for name, answers := range map[string]map[string]any{
		"unknown":  {"nps": 9, "admin": "1"},
		"choice":   {"nps": 9, "why": "無料"},
		"row":      {"nps": 9, "grid": map[string]any{"品質": 3}},
		"type":     {"nps": map[string]any{"x": 1}},
		"fraction": {"nps": 9.5},
	} {
		res := e.do("sales", http.MethodPost, "/api/v1/survey-responses", map[string]any{"survey_id": id, "contact_id": c.ID, "answers": answers})
		if res.status != http.StatusUnprocessableEntity {
			t.Errorf("%s: %d %s", name, res.status, res.body)
		}
	}
	body := map[string]any{"survey_id": id, "contact_id": c.ID, "answers": map[string]any{"nps": 10, "why": "価格",
		"grid": map[string]any{"価格": 4}, "comment": "サポートが丁寧"}}
	res = e.do("sales", http.MethodPost, "/api/v1/survey-responses", body).want(t, http.StatusCreated)
	if r := res.obj(t); r["nps"] != float64(10) || r["contact_id"] != float64(c.ID) {
		t.Errorf("response = %v", r)
	}
	e.do("sales", http.MethodPost, "/api/v1/survey-responses", map[string]any{"survey_id": id, "answers": map[string]any{"nps": 2}}).
		want(t, http.StatusCreated)
	list := e.do("viewer", http.MethodGet, fmt.Sprintf("/api/v1/survey-responses?survey_id=%d&q=%s", id, "サポート"), nil).want(t, http.StatusOK).obj(t)
	if n := len(list["data"].([]any)); n != 1 {
		t.Errorf("search found %d responses, want 1", n)
	}
	r := e.do("viewer", http.MethodGet, fmt.Sprintf("/api/v1/surveys/%d/results?cross_by=stage&cross_q=nps", id), nil).want(t, http.StatusOK).obj(t)
	q0 := r["questions"].([]any)[0].(map[string]any)
	nps := q0["nps"].(map[string]any)
	if r["n"] != float64(2) || nps["score"] != float64(0) || nps["promoters"] != float64(1) || nps["detractors"] != float64(1) {
		t.Errorf("results = %v", r)
	}
	link := e.do("sales", http.MethodGet, fmt.Sprintf("/api/v1/surveys/%d/link?contact_id=%d", id, c.ID), nil).want(t, http.StatusOK).obj(t)
	if u, _ := link["url"].(string); !strings.Contains(u, fmt.Sprintf("c=%d&t=", c.ID)) {
		t.Errorf("link = %v", link)
	}
	e.do("marketing", http.MethodDelete, fmt.Sprintf("/api/v1/surveys/%d", id), nil).want(t, http.StatusNoContent)
}
