package web

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"renkei/internal/app"
	"renkei/internal/crm"
	"renkei/internal/i18n"
	"renkei/internal/store"
)

// surveysRoutes are the UI routes of surveys (アンケート). Reading results is
// open to every role; building surveys is marketing's work.
func (s *server) surveysRoutes() []route {
	return []route{
		{"GET", "/marketing/surveys", crm.PermReadAll, s.surveysPage, false},
		{"POST", "/marketing/surveys", crm.PermWriteMarketing, s.surveyCreate, false},
		{"GET", "/marketing/surveys/new", crm.PermWriteMarketing, s.surveyNew, false},
		{"GET", "/marketing/surveys/{id}", crm.PermReadAll, s.surveyPage, false},
		{"POST", "/marketing/surveys/{id}", crm.PermWriteMarketing, s.surveyUpdate, false},
		{"GET", "/marketing/surveys/{id}/edit", crm.PermWriteMarketing, s.surveyEdit, false},
		{"POST", "/marketing/surveys/{id}/delete", crm.PermWriteMarketing, s.surveyDelete, false},
		{"GET", "/marketing/surveys/{id}/export", crm.PermReadAll, s.surveyExport, false},
	}
}

func (s *server) surveysPage(w http.ResponseWriter, r *http.Request, rq *req) error {
	list, err := s.app.Surveys(r.Context(), rq.actor)
	if err != nil {
		return err
	}
	p := s.newPage(w, r, rq, "surveys.title")
	p.Section = "marketing"
	p.Data = list
	s.render(w, r, rq, http.StatusOK, "surveys_list", p)
	return nil
}

// ---- the builder ----

// surveyBlock is one question of the builder: its input names end in .<I>.
type surveyBlock struct {
	I  int
	ID string
}

// surveyBuilderData is the content of the builder page.
type surveyBuilderData struct {
	Survey   crm.Survey // the stored survey when editing
	Blocks   []surveyBlock
	Kinds    []option
	Props    []option
	Statuses []option
	Triggers []option
	Scales   []option
}

func (s *server) surveyBuilderPage(w http.ResponseWriter, r *http.Request, rq *req, titleKey string, f *form) (*page, error) {
	p := s.newPage(w, r, rq, titleKey)
	p.Section = "marketing"
	lang := rq.lang
	d := &surveyBuilderData{Scales: []option{{"5", "1–5"}, {"7", "1–7"}}}
	for _, k := range crm.QuestionKinds {
		d.Kinds = append(d.Kinds, option{string(k), i18n.T(lang, "surveys.kind."+string(k))})
	}
	d.Props = []option{{"", i18n.T(lang, "surveys.prop.none")}}
	defs, err := s.app.Properties(r.Context(), rq.actor, "contact")
	if err != nil {
		return nil, err
	}
	for _, pd := range defs {
		d.Props = append(d.Props, option{pd.Key, pd.Label(lang) + " (" + string(pd.Type) + ")"})
	}
	for _, st := range []crm.SurveyStatus{crm.SurveyDraft, crm.SurveyOpen, crm.SurveyClosed} {
		d.Statuses = append(d.Statuses, option{string(st), i18n.T(lang, "surveys.status."+string(st))})
	}
	d.Triggers = []option{{"", i18n.T(lang, "surveys.trigger.none")}, {string(crm.TriggerContract), i18n.T(lang, "surveys.trigger.contract")},
		{string(crm.TriggerDealClosed), i18n.T(lang, "surveys.trigger.deal_closed")}}
	n, _ := strconv.Atoi(f.Get("n"))
	n = min(max(n, 0), crm.MaxSurveyQuestions)
	for i := range n {
		d.Blocks = append(d.Blocks, surveyBlock{I: i, ID: f.Get(fmt.Sprintf("qid.%d", i))})
	}
	p.Data = d
	p.Form = f
	return p, nil
}

// choiceLines renders choices as the builder's lines: 日本語 | English | goto.
func choiceLines(list []crm.SurveyChoice) string {
	var b strings.Builder
	for _, c := range list {
		b.WriteString(c.LabelJA + " | " + c.LabelEN)
		if c.Goto != "" {
			b.WriteString(" | " + c.Goto)
		}
		b.WriteString("\n")
	}
	return b.String()
}

// parseChoiceLines reads the builder's lines back.
func parseChoiceLines(s string) []crm.SurveyChoice {
	var out []crm.SurveyChoice
	for _, line := range strings.Split(strings.ReplaceAll(s, "\r", ""), "\n") {
		if strings.TrimSpace(line) == "" {
			continue
		}
		parts := strings.Split(strings.ReplaceAll(line, "｜", "|"), "|")
		c := crm.SurveyChoice{LabelJA: strings.TrimSpace(parts[0])}
		if len(parts) > 1 {
			c.LabelEN = strings.TrimSpace(parts[1])
		}
		if len(parts) > 2 {
			c.Goto = strings.ToLower(strings.TrimSpace(parts[2]))
			if c.Goto == "終了" {
				c.Goto = crm.GotoEnd
			}
		}
		out = append(out, c)
	}
	return out
}

// surveyValues fills the builder's values from a survey.
func surveyValues(sv crm.Survey) *form {
	f := newForm()
	f.Version = sv.Version
	for k, v := range map[string]string{"name": sv.Name, "title_ja": sv.TitleJA, "title_en": sv.TitleEN, "intro_ja": sv.IntroJA,
		"intro_en": sv.IntroEN, "thanks_ja": sv.ThanksJA, "thanks_en": sv.ThanksEN, "status": string(sv.Status),
		"trigger": string(sv.Trigger), "trigger_days": strconv.Itoa(sv.TriggerDays)} {
		f.Set(k, v)
	}
	f.Set("n", strconv.Itoa(len(sv.Questions)))
	for i, q := range sv.Questions {
		set := func(name, v string) { f.Set(fmt.Sprintf("%s.%d", name, i), v) }
		set("qid", q.ID)
		set("pos", strconv.Itoa((i+1)*10))
		set("kind", string(q.Kind))
		set("ja", q.TextJA)
		set("en", q.TextEN)
		if q.Required {
			set("req", "on")
		}
		set("choices", choiceLines(q.Choices))
		set("rows", choiceLines(q.Rows))
		if q.ScaleMax == 7 {
			set("scale", "7")
		} else {
			set("scale", "5")
		}
		set("low_ja", q.LowJA)
		set("low_en", q.LowEN)
		set("high_ja", q.HighJA)
		set("high_en", q.HighEN)
		set("prop", q.Property)
	}
	return f
}

// newSurveyValues start a new survey with an NPS question and a free-text
// question, the most common pair.
func newSurveyValues() *form {
	sv := crm.Survey{Status: crm.SurveyDraft, Questions: []crm.SurveyQuestion{
		{ID: "q1", Kind: crm.QNPS, TextJA: "この製品を友人や同僚に薦める可能性はどのくらいありますか？",
			TextEN: "How likely are you to recommend us to a friend or colleague?", Required: true,
			LowJA: "全く薦めない", LowEN: "Not at all likely", HighJA: "強く薦める", HighEN: "Extremely likely"},
		{ID: "q2", Kind: crm.QText, TextJA: "その理由を教えてください。", TextEN: "What is the main reason for your score?"},
	}}
	return surveyValues(sv)
}

var qidRE = regexp.MustCompile(`^q([0-9]+)$`)

// parseSurveyBuilder reads the builder into a survey; order follows the
// position numbers. It returns the block index of each question (to put
// errors next to the right block). Blocks ticked "delete" are dropped.
func parseSurveyBuilder(f *form) (crm.Survey, []int) {
	sv := crm.Survey{Name: f.Get("name"), TitleJA: f.Get("title_ja"), TitleEN: f.Get("title_en"), IntroJA: f.Get("intro_ja"),
		IntroEN: f.Get("intro_en"), ThanksJA: f.Get("thanks_ja"), ThanksEN: f.Get("thanks_en"),
		Status: crm.SurveyStatus(f.Get("status")), Trigger: crm.SurveyTrigger(f.Get("trigger"))}
	sv.TriggerDays, _ = strconv.Atoi(strings.TrimSpace(f.Get("trigger_days")))
	n, _ := strconv.Atoi(f.Get("n"))
	n = min(max(n, 0), crm.MaxSurveyQuestions)
	type placed struct {
		pos, i int
		q      crm.SurveyQuestion
	}
	var list []placed
	next := 0
	for i := range n {
		if m := qidRE.FindStringSubmatch(f.Get(fmt.Sprintf("qid.%d", i))); m != nil {
			k, _ := strconv.Atoi(m[1])
			next = max(next, k)
		}
	}
	for i := range n {
		get := func(name string) string { return f.Get(fmt.Sprintf("%s.%d", name, i)) }
		if get("del") != "" {
			continue
		}
		q := crm.SurveyQuestion{ID: get("qid"), Kind: crm.QuestionKind(get("kind")), TextJA: get("ja"), TextEN: get("en"),
			Required: get("req") != "", LowJA: strings.TrimSpace(get("low_ja")), LowEN: strings.TrimSpace(get("low_en")),
			HighJA: strings.TrimSpace(get("high_ja")), HighEN: strings.TrimSpace(get("high_en")), Property: get("prop")}
		if q.ID == "" {
			next++
			q.ID = "q" + strconv.Itoa(next)
		}
		switch q.Kind {
		case crm.QSingle, crm.QMultiple:
			q.Choices = parseChoiceLines(get("choices"))
		case crm.QMatrix:
			q.Rows = parseChoiceLines(get("rows"))
		}
		if q.Kind == crm.QScale || q.Kind == crm.QMatrix {
			q.ScaleMax, _ = strconv.Atoi(get("scale"))
		}
		pos, err := strconv.Atoi(strings.TrimSpace(get("pos")))
		if err != nil {
			pos = (i + 1) * 10
		}
		list = append(list, placed{pos, i, q})
	}
	slices.SortStableFunc(list, func(a, b placed) int { return a.pos - b.pos })
	blocks := make([]int, len(list))
	for k, x := range list {
		sv.Questions = append(sv.Questions, x.q)
		blocks[k] = x.i
	}
	return sv, blocks
}

var questionErrRE = regexp.MustCompile(`^questions\[([0-9]+)\]\.?([a-z_]*)`)

// surveyBuilderErrors moves the survey's field errors (questions[i].text,
// questions[i].choices[j].goto, …) to the builder's inputs.
func surveyBuilderErrors(err error, blocks []int) error {
	v, ok := crm.AsValidation(err)
	if !ok {
		return err
	}
	out := &crm.ValidationError{}
	for k, m := range v.Fields {
		mm := questionErrRE.FindStringSubmatch(k)
		if mm == nil {
			out.Add(k, m)
			continue
		}
		i, _ := strconv.Atoi(mm[1])
		if i < len(blocks) {
			i = blocks[i]
		}
		name := map[string]string{"text": "ja", "choices": "choices", "rows": "rows", "scale_max": "scale", "property": "prop",
			"labels": "low_ja", "kind": "kind", "id": "ja"}[mm[2]]
		if name == "" {
			name = "ja"
		}
		out.Add(fmt.Sprintf("%s.%d", name, i), m)
	}
	return out.Err()
}

// addBlock appends an empty question of a kind to the builder's values.
func addBlock(f *form, kind string) {
	n, _ := strconv.Atoi(f.Get("n"))
	if n >= crm.MaxSurveyQuestions {
		return
	}
	f.Set("n", strconv.Itoa(n+1))
	f.Set(fmt.Sprintf("kind.%d", n), kind)
	f.Set(fmt.Sprintf("pos.%d", n), strconv.Itoa((n+1)*10))
	f.Set(fmt.Sprintf("scale.%d", n), "5")
}

func (s *server) surveyNew(w http.ResponseWriter, r *http.Request, rq *req) error {
	p, err := s.surveyBuilderPage(w, r, rq, "surveys.new", newSurveyValues())
	if err != nil {
		return err
	}
	s.render(w, r, rq, http.StatusOK, "surveys_builder", p)
	return nil
}

// builderPost handles the builder's buttons: "add" shows the page again
// with one more question; otherwise save runs.
func (s *server) surveyBuilderPost(w http.ResponseWriter, r *http.Request, rq *req, titleKey string, old *crm.Survey,
	save func(f *form, sv crm.Survey) (crm.Survey, error)) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	f := submitted(r)
	if kind := f.Get("add"); kind != "" {
		addBlock(f, kind)
		p, err := s.surveyBuilderPage(w, r, rq, titleKey, f)
		if err != nil {
			return err
		}
		if old != nil {
			p.Data.(*surveyBuilderData).Survey = *old
		}
		s.render(w, r, rq, http.StatusOK, "surveys_builder", p)
		return nil
	}
	p, err := s.surveyBuilderPage(w, r, rq, titleKey, f)
	if err != nil {
		return err
	}
	if old != nil {
		p.Data.(*surveyBuilderData).Survey = *old
	}
	sv, blocks := parseSurveyBuilder(f)
	saved, err := save(f, sv)
	if err != nil {
		return again(surveyBuilderErrors(err, blocks), "surveys_builder", p)
	}
	flash := "flash.saved"
	if old == nil {
		flash = "surveys.flash.created"
	}
	return s.redirect(w, r, rq, fmt.Sprintf("/marketing/surveys/%d", saved.ID), flash)
}

func (s *server) surveyCreate(w http.ResponseWriter, r *http.Request, rq *req) error {
	return s.surveyBuilderPost(w, r, rq, "surveys.new", nil, func(f *form, sv crm.Survey) (crm.Survey, error) {
		return s.app.CreateSurvey(r.Context(), rq.actor, sv)
	})
}

func (s *server) surveyEdit(w http.ResponseWriter, r *http.Request, rq *req) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	sv, err := s.app.Survey(r.Context(), rq.actor, id)
	if err != nil {
		return err
	}
	p, err := s.surveyBuilderPage(w, r, rq, "surveys.edit", surveyValues(sv))
	if err != nil {
		return err
	}
	p.Data.(*surveyBuilderData).Survey = sv
	s.render(w, r, rq, http.StatusOK, "surveys_builder", p)
	return nil
}

func (s *server) surveyUpdate(w http.ResponseWriter, r *http.Request, rq *req) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	old, err := s.app.Survey(r.Context(), rq.actor, id)
	if err != nil {
		return err
	}
	return s.surveyBuilderPost(w, r, rq, "surveys.edit", &old, func(f *form, sv crm.Survey) (crm.Survey, error) {
		return s.app.UpdateSurvey(r.Context(), rq.actor, id, f.Version, sv)
	})
}

func (s *server) surveyDelete(w http.ResponseWriter, r *http.Request, rq *req) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.app.DeleteSurvey(r.Context(), rq.actor, id); err != nil {
		return err
	}
	return s.redirect(w, r, rq, "/marketing/surveys", "surveys.flash.deleted")
}

func (s *server) surveyExport(w http.ResponseWriter, r *http.Request, rq *req) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	sv, err := s.app.Survey(r.Context(), rq.actor, id)
	if err != nil {
		return err
	}
	enc := exportEncoding(r.URL.Query().Get("enc"))
	dw := &download{w: w, enc: enc, name: fmt.Sprintf("survey-%d", sv.ID)}
	if err := s.app.ExportSurveyCSV(r.Context(), rq.actor, id, enc, rq.lang, dw); err != nil {
		if !dw.started {
			return err
		}
		s.log.Error("web: survey export failed midway", "err", err)
	}
	return nil
}

// ---- results ----

// surveyChart is one Chart.js chart for surveys.js.
type surveyChart struct {
	Type    string           `json:"type"` // bar, line
	Labels  []string         `json:"labels"`
	Sets    []surveyChartSet `json:"sets"`
	Percent bool             `json:"percent,omitempty"`
	Stacked bool             `json:"stacked,omitempty"`
	Min     *float64         `json:"min,omitempty"`
	Max     *float64         `json:"max,omitempty"`
}

type surveyChartSet struct {
	Label string `json:"label"`
	Data  []any  `json:"data"` // numbers; null for a month without answers
	Color any    `json:"color"`
}

// surveyPageData is the content of one survey's page.
type surveyPageData struct {
	Survey     crm.Survey
	Results    app.SurveyResults
	NPS        *app.QuestionResult // the first NPS question
	Hosted     string
	Embed      string
	Link       string // a personal link asked for
	LinkFor    string // its contact's name
	LinkError  string
	Query      string
	CrossBy    string
	CrossQ     string
	CrossBys   []option
	CrossQs    []option
	Responses  []surveyResponseRow
	ChartsJSON string
}

// surveyResponseRow is one response as the page lists it.
type surveyResponseRow struct {
	store.SurveyResponse
	NPSBand string
	Summary string
}

var npsColors = []string{"#d63939", "#f59f00", "#2fb344"} // detractors, passives, promoters

func (s *server) surveyPage(w http.ResponseWriter, r *http.Request, rq *req) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	ctx := r.Context()
	lang := rq.lang
	q := r.URL.Query()
	sv, err := s.app.Survey(ctx, rq.actor, id)
	if err != nil {
		return err
	}
	d := surveyPageData{Survey: sv, Query: strings.TrimSpace(q.Get("q")), CrossBy: q.Get("cross_by"), CrossQ: q.Get("cross_q")}
	if d.CrossBy == "" {
		d.CrossBy = "stage"
	}
	base := s.app.BaseURL
	d.Hosted = base + "/s/" + sv.Key
	d.Embed = fmt.Sprintf("<iframe src=\"%s/s/%s\" title=\"%s\" style=\"width:100%%;min-height:720px;border:0\" loading=\"lazy\"></iframe>",
		base, sv.Key, htmlText(sv.Title(lang)))
	if c := strings.TrimSpace(q.Get("contact")); c != "" {
		cid, err := strconv.ParseInt(c, 10, 64)
		if err == nil {
			if ct, err := s.app.Contact(ctx, rq.actor, cid); err == nil {
				d.LinkFor = ct.Name(lang)
				d.Link, err = s.app.SurveyLink(ctx, rq.actor, id, cid)
				if err != nil {
					return err
				}
			}
		}
		if d.Link == "" {
			d.LinkError = i18n.T(lang, "surveys.link.not_found")
		}
	}
	res, err := s.app.SurveyResults(ctx, rq.actor, id, app.ResultsFilter{Query: d.Query, CrossBy: d.CrossBy, CrossQ: d.CrossQ}, lang)
	if v, ok := crm.AsValidation(err); ok {
		// A bad cross-tab choice: show the page without it.
		_ = v
		res, err = s.app.SurveyResults(ctx, rq.actor, id, app.ResultsFilter{Query: d.Query}, lang)
	}
	if err != nil {
		return err
	}
	d.Results = res
	d.CrossBys = []option{{"stage", i18n.T(lang, "surveys.cross.stage")}, {"industry", i18n.T(lang, "surveys.cross.industry")}}
	segs, err := s.app.Segments(ctx, rq.actor)
	if err != nil {
		return err
	}
	for _, g := range segs {
		d.CrossBys = append(d.CrossBys, option{fmt.Sprintf("segment:%d", g.ID), i18n.T(lang, "surveys.cross.segment", g.Name)})
	}
	for _, x := range sv.Questions {
		if x.Kind == crm.QSingle || x.Kind == crm.QMultiple || x.Kind == crm.QScale || x.Kind == crm.QNPS {
			d.CrossQs = append(d.CrossQs, option{x.ID, x.Text(lang)})
		}
	}
	if res.Cross != nil {
		d.CrossQ = res.Cross.QuestionID
	}
	charts := map[string]surveyChart{}
	for i := range res.Questions {
		qr := &res.Questions[i]
		if qr.NPS != nil && d.NPS == nil {
			d.NPS = qr
		}
		if len(qr.Counts) > 0 {
			c := surveyChart{Type: "bar"}
			set := surveyChartSet{Label: i18n.T(lang, "surveys.responses"), Color: "#206bc4"}
			var colors []string
			for _, x := range qr.Counts {
				c.Labels = append(c.Labels, x.Label)
				set.Data = append(set.Data, float64(x.Count))
				if qr.Question.Kind == crm.QNPS {
					v, _ := strconv.Atoi(x.Key)
					colors = append(colors, npsColors[map[string]int{"detractor": 0, "passive": 1, "promoter": 2}[crm.NPSBand(v)]])
				}
			}
			if colors != nil {
				set.Color = colors
			}
			c.Sets = []surveyChartSet{set}
			charts[qr.Question.ID] = c
		}
		if len(qr.Rows) > 0 {
			c := surveyChart{Type: "bar", Stacked: true, Percent: false}
			for _, row := range qr.Rows {
				c.Labels = append(c.Labels, row.Label)
			}
			palette := []string{"#d63939", "#f76707", "#f59f00", "#74b816", "#2fb344", "#0ca678", "#206bc4"}
			for v := 1; v <= qr.Question.ScaleMax; v++ {
				set := surveyChartSet{Label: strconv.Itoa(v), Color: palette[(v-1)*len(palette)/qr.Question.ScaleMax]}
				for _, row := range qr.Rows {
					set.Data = append(set.Data, float64(row.Counts[v-1]))
				}
				c.Sets = append(c.Sets, set)
			}
			charts[qr.Question.ID] = c
		}
	}
	if len(res.NPSTrend) > 0 {
		lo, hi := -100.0, 100.0
		c := surveyChart{Type: "line", Min: &lo, Max: &hi}
		set := surveyChartSet{Label: "NPS", Color: "#206bc4"}
		for _, m := range res.NPSTrend {
			c.Labels = append(c.Labels, m.Month.Format("2006-01"))
			if m.N == 0 {
				set.Data = append(set.Data, nil)
			} else {
				set.Data = append(set.Data, m.Score)
			}
		}
		c.Sets = []surveyChartSet{set}
		charts["_trend"] = c
	}
	if res.Cross != nil && len(res.Cross.Rows) > 0 {
		c := surveyChart{Type: "bar", Stacked: true, Percent: true}
		for _, row := range res.Cross.Rows {
			c.Labels = append(c.Labels, fmt.Sprintf("%s (n=%d)", row.Label, row.N))
		}
		palette := []string{"#206bc4", "#4299e1", "#2fb344", "#f59f00", "#d63939", "#ae3ec9", "#0ca678", "#f76707", "#74b816", "#667382"}
		for k, col := range res.Cross.Columns {
			color := palette[k%len(palette)]
			if len(res.Cross.Columns) == 3 && d.crossIsNPS() {
				color = npsColors[k]
			}
			set := surveyChartSet{Label: col, Color: color}
			for _, row := range res.Cross.Rows {
				v := 0.0
				if row.N > 0 {
					v = float64(row.Counts[k]) * 100 / float64(row.N)
				}
				set.Data = append(set.Data, float64(int(v*10+0.5))/10)
			}
			c.Sets = append(c.Sets, set)
		}
		charts["_cross"] = c
	}
	b, err := json.Marshal(charts)
	if err != nil {
		return err
	}
	d.ChartsJSON = string(b)
	rs, err := s.app.SurveyResponses(ctx, rq.actor, store.SurveyResponseFilter{SurveyID: id, Query: d.Query, Limit: 50})
	if err != nil {
		return err
	}
	for _, x := range rs {
		row := surveyResponseRow{SurveyResponse: x}
		if x.NPS != nil {
			row.NPSBand = crm.NPSBand(*x.NPS)
		}
		var parts []string
		for _, qq := range sv.Questions {
			if an, ok := x.Answers[qq.ID]; ok && qq.Kind != crm.QNPS {
				parts = append(parts, app.AnswerText(qq, an, lang))
			}
		}
		row.Summary = clipText(strings.Join(parts, " / "), 160)
		d.Responses = append(d.Responses, row)
	}
	p := s.newPage(w, r, rq, "")
	p.Title = sv.Name
	p.Section = "marketing"
	p.Data = d
	s.render(w, r, rq, http.StatusOK, "surveys_survey", p)
	return nil
}

func (d surveyPageData) crossIsNPS() bool {
	if d.Results.Cross == nil {
		return false
	}
	q, _, ok := d.Survey.Question(d.Results.Cross.QuestionID)
	return ok && q.Kind == crm.QNPS
}

// Pct is a percentage of n for templates.
func (d surveyPageData) Pct(k, n int) string {
	if n == 0 {
		return "–"
	}
	return fmt.Sprintf("%.1f%%", float64(k)*100/float64(n))
}

func clipText(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}

// surveyTimelineEntry describes a survey response on a contact's timeline.
func surveyTimelineEntry(lang crm.Language, e store.TimelineEntry, it *timelineItem) {
	it.Icon, it.Color = "ti-clipboard-list", "bg-purple-lt"
	if name, _ := e.Data["survey"].(string); name != "" {
		it.Detail = i18n.T(lang, "surveys.timeline.detail", name)
	}
	if n, ok := e.Data["nps"].(float64); ok {
		it.Values = append(it.Values, valueRow{"NPS", fmt.Sprintf("%d (%s)", int(n), i18n.T(lang, "surveys.nps."+crm.NPSBand(int(n))))})
	}
	pairs, _ := e.Data["answers"].([]any)
	for _, p := range pairs {
		if qa, ok := p.([]any); ok && len(qa) == 2 {
			it.Values = append(it.Values, valueRow{fmt.Sprint(qa[0]), fmt.Sprint(qa[1])})
		}
	}
}
