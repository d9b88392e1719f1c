package api

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"time"

	"renkei/internal/app"
	"renkei/internal/crm"
	"renkei/internal/store"
)

// surveysRoutes are the API endpoints of surveys and their responses.
func (s *server) surveysRoutes() []route {
	return []route{
		{method: http.MethodGet, path: "/surveys", perm: crm.PermReadAll, id: "listSurveys", tag: "surveys",
			summary: "Surveys by name with their response counts (one page)", status: 200, resp: "SurveyList", handle: s.listSurveys},
		{method: http.MethodPost, path: "/surveys", perm: crm.PermWriteMarketing, id: "createSurvey", tag: "surveys",
			summary: "Create a survey; its public key is made by the server", body: "SurveyInput", status: 201, resp: "Survey",
			location: true, handle: s.createSurvey},
		{method: http.MethodGet, path: "/surveys/{id}", perm: crm.PermReadAll, id: "getSurvey", tag: "surveys",
			summary: "One survey", status: 200, resp: "Survey", handle: s.getSurvey},
		{method: http.MethodPatch, path: "/surveys/{id}", perm: crm.PermWriteMarketing, id: "updateSurvey", tag: "surveys",
			summary: "Change the members sent (questions replace the whole list); the key stays", body: "SurveyPatch", ifMatch: true,
			status: 200, resp: "Survey", handle: s.updateSurvey},
		{method: http.MethodDelete, path: "/surveys/{id}", perm: crm.PermWriteMarketing, id: "deleteSurvey", tag: "surveys",
			summary: "Delete a survey with its responses", status: 204, handle: s.deleteSurvey},
		{method: http.MethodGet, path: "/surveys/{id}/results", perm: crm.PermReadAll, id: "getSurveyResults", tag: "surveys",
			summary: "Counts per question, NPS (promoters 9–10, passives 7–8, detractors 0–6; score = %promoters − %detractors) by month, and a cross-tab",
			query: []param{
				{name: "q", desc: "Only responses whose free-text answers contain this (NFKC-folded, case-insensitive).", schema: js{"type": "string"}},
				{name: "cross_by", desc: "stage, industry or segment:<id>.", schema: js{"type": "string", "pattern": "^(stage|industry|segment:[1-9][0-9]*)$"}},
				{name: "cross_q", desc: "The question to split (default: the first choice, scale or NPS question).", schema: js{"type": "string"}},
			}, status: 200, resp: "SurveyResults", handle: s.surveyResults},
		{method: http.MethodGet, path: "/surveys/{id}/link", perm: crm.PermReadAll, id: "getSurveyLink", tag: "surveys",
			summary: "A contact's personal link: answers sent through it are tied to the contact",
			query:   []param{{name: "contact_id", desc: "The contact.", schema: js{"type": "integer", "minimum": 1}}},
			status:  200, resp: "SurveyLink", handle: s.surveyLink},
		{method: http.MethodGet, path: "/survey-responses", perm: crm.PermReadAll, id: "listSurveyResponses", tag: "surveys",
			summary: "Responses newest first, of a survey or of a contact",
			query: pageParams(
				param{name: "survey_id", desc: "The survey (this or contact_id is required).", schema: js{"type": "integer", "minimum": 1}},
				param{name: "contact_id", desc: "The contact.", schema: js{"type": "integer", "minimum": 1}},
				param{name: "q", desc: "Free-text search.", schema: js{"type": "string"}}),
			status: 200, resp: "SurveyResponseList", handle: s.listSurveyResponses},
		{method: http.MethodPost, path: "/survey-responses", perm: crm.PermWriteContacts, id: "submitSurveyResponse", tag: "surveys",
			summary: "Submit answers for a contact (or anonymously without contact_id); a contact's earlier response is replaced. Errors are keyed by question id",
			body:    "SurveyResponseInput", status: 201, resp: "SurveyResponse", refused: true, handle: s.submitSurveyResponse},
	}
}

// surveysSchemas are the OpenAPI schemas of those endpoints.
func surveysSchemas() js {
	choice := input([]string{"label_ja"}, js{
		"id":       str("Stored value; defaults to the Japanese label (the English one when there is none)."),
		"label_ja": str(""),
		"label_en": str(""),
		"goto":     str("Single choice only: after this answer skip to the question with this id, or \"end\"."),
	})
	question := input([]string{"kind"}, js{
		"id":        pattern("^[a-z0-9_]{1,30}$", "Stable id; q1, q2… when left out."),
		"kind":      enumOf("single", "multiple", "scale", "nps", "text", "matrix"),
		"text_ja":   str(""),
		"text_en":   str(""),
		"required":  boolean(""),
		"choices":   arrayOf(ref("SurveyChoice")),
		"rows":      withDesc(arrayOf(ref("SurveyChoice")), "Matrix rows."),
		"scale_max": described(js{"type": "integer", "minimum": 0, "maximum": 10}, "Scale and matrix: 5 or 7."),
		"low_ja":    str("Label of the low end."),
		"low_en":    str(""),
		"high_ja":   str("Label of the high end."),
		"high_en":   str(""),
		"property":  str("Key of a custom contact property the answer fills (responses tied to a contact)."),
	})
	in := js{
		"name":         str("Internal name."),
		"title_ja":     str(""),
		"title_en":     str(""),
		"intro_ja":     str(""),
		"intro_en":     str(""),
		"thanks_ja":    str(""),
		"thanks_en":    str(""),
		"status":       enumOf("draft", "open", "closed"),
		"trigger":      withDesc(enumOf("", "contract", "deal_closed"), "Sent automatically: after-follow (contract) or win / loss (deal_closed)."),
		"trigger_days": described(js{"type": "integer", "minimum": 0, "maximum": 730}, "After-follow: days after the contract starts."),
		"questions":    arrayOf(ref("SurveyQuestion")),
	}
	out := js{
		"id":         idSchema(""),
		"key":        str("The public key in /s/{key}."),
		"hosted_url": str("The hosted page."),
		"responses":  integer("Number of responses."),
		"created_at": dateTime(""),
		"updated_at": dateTime(""),
		"version":    integer("Send as If-Match to change the survey."),
	}
	for k, v := range in {
		out[k] = v
	}
	nps := record(js{"n": integer(""), "promoters": integer(""), "passives": integer(""), "detractors": integer(""),
		"score": js{"type": "number", "description": "%promoters − %detractors, one decimal."}})
	count := record(js{"key": str(""), "label": str(""), "count": integer(""), "pct": js{"type": "number"}})
	qres := record(js{
		"question_id": str(""),
		"kind":        str(""),
		"answered":    integer(""),
		"counts":      arrayOf(count),
		"mean":        js{"type": "number"},
		"nps":         nullable(js{"type": "object"}),
		"rows":        arrayOf(record(js{"label": str(""), "counts": arrayOf(integer("")), "n": integer(""), "mean": js{"type": "number"}})),
		"texts":       arrayOf(record(js{"response_id": idSchema(""), "contact_id": nullable(integer("")), "at": dateTime(""), "text": str("")})),
	})
	cross := record(js{
		"by":          str(""),
		"question_id": str(""),
		"columns":     arrayOf(str("")),
		"rows":        arrayOf(record(js{"label": str(""), "n": integer(""), "counts": arrayOf(integer("")), "nps": nullable(js{"type": "object"})})),
	})
	resp := record(js{
		"id":          idSchema(""),
		"survey_id":   idSchema(""),
		"contact_id":  nullable(integer("Null for an anonymous response.")),
		"answered_at": dateTime("First answered."),
		"updated_at":  dateTime("Last replaced."),
		"answers":     withDesc(js{"type": "object"}, "By question id: {choice}, {choices}, {value}, {text} or {rows}."),
		"nps":         nullable(integer("The answer to the first NPS question.")),
		"lang":        str(""),
	})
	return js{
		"SurveyChoice":   choice,
		"SurveyQuestion": question,
		"Survey":         record(out),
		"SurveyInput":    input([]string{"name", "questions"}, in),
		"SurveyPatch":    input(nil, in),
		"SurveyList":     listOf("Survey"),
		"SurveyResults": record(js{"survey_id": idSchema(""), "n": integer("Responses counted."), "questions": arrayOf(qres),
			"nps_trend": arrayOf(merge(nps, js{"month": str("YYYY-MM")}, "month")), "cross": nullable(js{"type": "object"}),
			"cross_detail": nullable(cross)}),
		"SurveyLink":         record(js{"url": str("")}),
		"SurveyResponse":     resp,
		"SurveyResponseList": listOf("SurveyResponse"),
		"SurveyResponseInput": input([]string{"survey_id", "answers"}, js{
			"survey_id":  idSchema(""),
			"contact_id": idSchema("Tie the response to this contact; leave out for an anonymous one."),
			"answers": withDesc(js{"type": "object"},
				"By question id: a choice id (string), choice ids (array), a number (scale, NPS), text, or for a matrix an object row id → number."),
		}),
	}
}

type surveyJSON struct {
	ID          int64                `json:"id"`
	Key         string               `json:"key"`
	HostedURL   string               `json:"hosted_url"`
	Responses   int64                `json:"responses"`
	Name        string               `json:"name"`
	TitleJA     string               `json:"title_ja"`
	TitleEN     string               `json:"title_en"`
	IntroJA     string               `json:"intro_ja"`
	IntroEN     string               `json:"intro_en"`
	ThanksJA    string               `json:"thanks_ja"`
	ThanksEN    string               `json:"thanks_en"`
	Status      crm.SurveyStatus     `json:"status"`
	Trigger     crm.SurveyTrigger    `json:"trigger"`
	TriggerDays int                  `json:"trigger_days"`
	Questions   []crm.SurveyQuestion `json:"questions"`
	CreatedAt   time.Time            `json:"created_at"`
	UpdatedAt   time.Time            `json:"updated_at"`
	Version     int64                `json:"version"`
}

func (x surveyJSON) etag() int64 { return x.Version }

func (s *server) toSurvey(sv crm.Survey, n int64) surveyJSON {
	out := surveyJSON{ID: sv.ID, Key: sv.Key, HostedURL: s.app.BaseURL + "/s/" + sv.Key, Responses: n, Name: sv.Name,
		TitleJA: sv.TitleJA, TitleEN: sv.TitleEN, IntroJA: sv.IntroJA, IntroEN: sv.IntroEN, ThanksJA: sv.ThanksJA,
		ThanksEN: sv.ThanksEN, Status: sv.Status, Trigger: sv.Trigger, TriggerDays: sv.TriggerDays, Questions: sv.Questions,
		CreatedAt: sv.CreatedAt, UpdatedAt: sv.UpdatedAt, Version: sv.Version}
	if out.Questions == nil {
		out.Questions = []crm.SurveyQuestion{}
	}
	return out
}

// surveyPatchJSON is a survey's members to change.
type surveyPatchJSON struct {
	Name        *string               `json:"name"`
	TitleJA     *string               `json:"title_ja"`
	TitleEN     *string               `json:"title_en"`
	IntroJA     *string               `json:"intro_ja"`
	IntroEN     *string               `json:"intro_en"`
	ThanksJA    *string               `json:"thanks_ja"`
	ThanksEN    *string               `json:"thanks_en"`
	Status      *crm.SurveyStatus     `json:"status"`
	Trigger     *crm.SurveyTrigger    `json:"trigger"`
	TriggerDays *int                  `json:"trigger_days"`
	Questions   *[]crm.SurveyQuestion `json:"questions"`
}

func (p surveyPatchJSON) apply(sv *crm.Survey) {
	set := func(dst *string, v *string) {
		if v != nil {
			*dst = *v
		}
	}
	set(&sv.Name, p.Name)
	set(&sv.TitleJA, p.TitleJA)
	set(&sv.TitleEN, p.TitleEN)
	set(&sv.IntroJA, p.IntroJA)
	set(&sv.IntroEN, p.IntroEN)
	set(&sv.ThanksJA, p.ThanksJA)
	set(&sv.ThanksEN, p.ThanksEN)
	if p.Status != nil {
		sv.Status = *p.Status
	}
	if p.Trigger != nil {
		sv.Trigger = *p.Trigger
	}
	if p.TriggerDays != nil {
		sv.TriggerDays = *p.TriggerDays
	}
	if p.Questions != nil {
		sv.Questions = *p.Questions
	}
}

func (s *server) listSurveys(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	list0, err := s.app.Surveys(r.Context(), ac)
	if err != nil {
		return err
	}
	out := list[surveyJSON]{Data: []surveyJSON{}}
	for _, x := range list0 {
		out.Data = append(out.Data, s.toSurvey(x.Survey, x.Responses))
	}
	return writeJSON(w, http.StatusOK, out)
}

func (s *server) surveyCount(r *http.Request, ac app.Actor, id int64) int64 {
	all, err := s.app.Surveys(r.Context(), ac)
	if err != nil {
		return 0
	}
	for _, x := range all {
		if x.ID == id {
			return x.Responses
		}
	}
	return 0
}

func (s *server) getSurvey(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	sv, err := s.app.Survey(r.Context(), ac, id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, s.toSurvey(sv, s.surveyCount(r, ac, id)))
}

func (s *server) createSurvey(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	var in surveyPatchJSON
	if err := decodeJSON(r, &in, false); err != nil {
		return err
	}
	var sv crm.Survey
	in.apply(&sv)
	sv, err := s.app.CreateSurvey(r.Context(), ac, sv)
	if err != nil {
		return err
	}
	w.Header().Set("Location", fmt.Sprintf("%s/surveys/%d", Prefix, sv.ID))
	return writeJSON(w, http.StatusCreated, s.toSurvey(sv, 0))
}

func (s *server) updateSurvey(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	version, err := ifMatch(r)
	if err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in surveyPatchJSON
	if err := decodeJSON(r, &in, false); err != nil {
		return err
	}
	sv, err := s.app.Survey(r.Context(), ac, id)
	if err != nil {
		return err
	}
	in.apply(&sv)
	if sv, err = s.app.UpdateSurvey(r.Context(), ac, id, version, sv); err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, s.toSurvey(sv, s.surveyCount(r, ac, id)))
}

func (s *server) deleteSurvey(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.app.DeleteSurvey(r.Context(), ac, id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

type surveyNPSJSON struct {
	N          int     `json:"n"`
	Promoters  int     `json:"promoters"`
	Passives   int     `json:"passives"`
	Detractors int     `json:"detractors"`
	Score      float64 `json:"score"`
}

func toNPS(r crm.NPSResult) surveyNPSJSON {
	return surveyNPSJSON{r.N, r.Promoters, r.Passives, r.Detractors, r.Score}
}

type surveyCountJSON struct {
	Key   string  `json:"key"`
	Label string  `json:"label"`
	Count int     `json:"count"`
	Pct   float64 `json:"pct"`
}

type surveyMatrixRowJSON struct {
	Label  string  `json:"label"`
	Counts []int   `json:"counts"`
	N      int     `json:"n"`
	Mean   float64 `json:"mean"`
}

type surveyTextJSON struct {
	ResponseID int64     `json:"response_id"`
	ContactID  *int64    `json:"contact_id"`
	At         time.Time `json:"at"`
	Text       string    `json:"text"`
}

type surveyQuestionResultJSON struct {
	QuestionID string                `json:"question_id"`
	Kind       string                `json:"kind"`
	Answered   int                   `json:"answered"`
	Counts     []surveyCountJSON     `json:"counts"`
	Mean       float64               `json:"mean"`
	NPS        *surveyNPSJSON        `json:"nps"`
	Rows       []surveyMatrixRowJSON `json:"rows"`
	Texts      []surveyTextJSON      `json:"texts"`
}

type surveyNPSMonthJSON struct {
	Month string `json:"month"`
	surveyNPSJSON
}

type surveyCrossRowJSON struct {
	Label  string         `json:"label"`
	N      int            `json:"n"`
	Counts []int          `json:"counts"`
	NPS    *surveyNPSJSON `json:"nps"`
}

type surveyCrossJSON struct {
	By         string               `json:"by"`
	QuestionID string               `json:"question_id"`
	Columns    []string             `json:"columns"`
	Rows       []surveyCrossRowJSON `json:"rows"`
}

type surveyResultsJSON struct {
	SurveyID    int64                      `json:"survey_id"`
	N           int                        `json:"n"`
	Questions   []surveyQuestionResultJSON `json:"questions"`
	NPSTrend    []surveyNPSMonthJSON       `json:"nps_trend"`
	Cross       any                        `json:"cross"`
	CrossDetail *surveyCrossJSON           `json:"cross_detail"`
}

func (s *server) surveyResults(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	q := r.URL.Query()
	res, err := s.app.SurveyResults(r.Context(), ac, id, app.ResultsFilter{Query: q.Get("q"), CrossBy: q.Get("cross_by"),
		CrossQ: q.Get("cross_q")}, ac.User.Language)
	if err != nil {
		return err
	}
	out := surveyResultsJSON{SurveyID: id, N: res.N, Questions: []surveyQuestionResultJSON{}, NPSTrend: []surveyNPSMonthJSON{}}
	for _, qr := range res.Questions {
		x := surveyQuestionResultJSON{QuestionID: qr.Question.ID, Kind: string(qr.Question.Kind), Answered: qr.Answered, Mean: qr.Mean,
			Counts: []surveyCountJSON{}, Rows: []surveyMatrixRowJSON{}, Texts: []surveyTextJSON{}}
		for _, c := range qr.Counts {
			x.Counts = append(x.Counts, surveyCountJSON(c))
		}
		if qr.NPS != nil {
			n := toNPS(*qr.NPS)
			x.NPS = &n
		}
		for _, row := range qr.Rows {
			x.Rows = append(x.Rows, surveyMatrixRowJSON{row.Label, row.Counts, row.N, row.Mean})
		}
		for _, t := range qr.Texts {
			x.Texts = append(x.Texts, surveyTextJSON{t.ResponseID, optID(t.ContactID), t.At, t.Text})
		}
		out.Questions = append(out.Questions, x)
	}
	for _, m := range res.NPSTrend {
		out.NPSTrend = append(out.NPSTrend, surveyNPSMonthJSON{m.Month.Format("2006-01"), toNPS(m.NPSResult)})
	}
	if c := res.Cross; c != nil {
		cj := &surveyCrossJSON{By: c.By, QuestionID: c.QuestionID, Columns: c.Columns, Rows: []surveyCrossRowJSON{}}
		for _, row := range c.Rows {
			x := surveyCrossRowJSON{Label: row.Label, N: row.N, Counts: row.Counts}
			if row.NPS != nil {
				n := toNPS(*row.NPS)
				x.NPS = &n
			}
			cj.Rows = append(cj.Rows, x)
		}
		if cj.Columns == nil {
			cj.Columns = []string{}
		}
		out.CrossDetail = cj
		out.Cross = map[string]any{"by": c.By, "question_id": c.QuestionID}
	}
	return writeJSON(w, http.StatusOK, out)
}

func (s *server) surveyLink(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	cid, err := queryInt64(r, "contact_id")
	if err != nil {
		return err
	}
	if cid == 0 {
		return crm.Invalid("contact_id", "is required")
	}
	link, err := s.app.SurveyLink(r.Context(), ac, id, cid)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]string{"url": link})
}

type surveyResponseJSON struct {
	ID        int64             `json:"id"`
	SurveyID  int64             `json:"survey_id"`
	ContactID *int64            `json:"contact_id"`
	At        time.Time         `json:"answered_at"`
	UpdatedAt time.Time         `json:"updated_at"`
	Answers   crm.SurveyAnswers `json:"answers"`
	NPS       *int              `json:"nps"`
	Lang      string            `json:"lang"`
}

func toSurveyResponse(x store.SurveyResponse) surveyResponseJSON {
	out := surveyResponseJSON{ID: x.ID, SurveyID: x.SurveyID, ContactID: optID(x.ContactID), At: x.At, UpdatedAt: x.UpdatedAt,
		Answers: x.Answers, NPS: x.NPS, Lang: x.Lang}
	if out.Answers == nil {
		out.Answers = crm.SurveyAnswers{}
	}
	return out
}

func (s *server) listSurveyResponses(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	pq, err := parsePage(r)
	if err != nil {
		return err
	}
	sid, err := queryInt64(r, "survey_id")
	if err != nil {
		return err
	}
	cid, err := queryInt64(r, "contact_id")
	if err != nil {
		return err
	}
	if sid == 0 && cid == 0 {
		return crm.Invalid("survey_id", "give survey_id or contact_id")
	}
	rs, err := s.app.SurveyResponses(r.Context(), ac, store.SurveyResponseFilter{SurveyID: sid, ContactID: cid,
		Query: r.URL.Query().Get("q"), BeforeID: pq.after, Limit: pq.limit + 1})
	if err != nil {
		return err
	}
	out := make([]surveyResponseJSON, len(rs))
	for i, x := range rs {
		out[i] = toSurveyResponse(x)
	}
	return writeJSON(w, http.StatusOK, newList(out, pq.limit, func(x surveyResponseJSON) int64 { return x.ID }))
}

// surveyAnswersIn turns the API's answers into the posted form: strings,
// numbers, arrays of strings, and matrix objects (row → number).
func surveyAnswersIn(raw map[string]json.RawMessage) (map[string][]string, error) {
	out := map[string][]string{}
	v := &crm.ValidationError{}
	for qid, m := range raw {
		var x any
		dec := json.NewDecoder(bytes.NewReader(m))
		dec.UseNumber()
		if err := dec.Decode(&x); err != nil {
			v.Add(qid, "is not an answer")
			continue
		}
		switch t := x.(type) {
		case string:
			out[qid] = []string{t}
		case json.Number:
			f, err := t.Float64()
			if err != nil || f != math.Trunc(f) || math.Abs(f) > 1e6 {
				v.Add(qid, "enter a whole number")
				continue
			}
			out[qid] = []string{strconv.FormatInt(int64(f), 10)}
		case []any:
			for _, e := range t {
				str, ok := e.(string)
				if !ok {
					v.Add(qid, "list the choice ids as strings")
					break
				}
				out[qid] = append(out[qid], str)
			}
		case map[string]any:
			for row, e := range t {
				n, ok := e.(json.Number)
				if !ok {
					v.Add(qid, "give each row a number")
					break
				}
				out[qid+"."+row] = []string{n.String()}
			}
		case nil:
		default:
			v.Add(qid, "is not an answer")
		}
	}
	return out, v.Err()
}

func (s *server) submitSurveyResponse(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	var in struct {
		SurveyID  int64                      `json:"survey_id"`
		ContactID int64                      `json:"contact_id"`
		Answers   map[string]json.RawMessage `json:"answers"`
	}
	if err := decodeJSON(r, &in, false); err != nil {
		return err
	}
	if in.SurveyID <= 0 {
		return crm.Invalid("survey_id", "is required")
	}
	vals, err := surveyAnswersIn(in.Answers)
	if err != nil {
		return err
	}
	out, err := s.app.SubmitSurveyFor(r.Context(), ac, in.SurveyID, in.ContactID, vals)
	if err != nil {
		return err
	}
	rs, err := s.app.SurveyResponses(r.Context(), ac, store.SurveyResponseFilter{SurveyID: in.SurveyID, BeforeID: out.ResponseID + 1, Limit: 1})
	if err != nil {
		return err
	}
	if len(rs) == 0 || rs[0].ID != out.ResponseID {
		return crm.ErrNotFound
	}
	w.Header().Set("Location", fmt.Sprintf("%s/survey-responses?survey_id=%d", Prefix, in.SurveyID))
	return writeJSON(w, http.StatusCreated, toSurveyResponse(rs[0]))
}
