package crm

import (
	"fmt"
	"math"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Surveys (アンケート, 市場調査): a questionnaire answered on a hosted page,
// an embed, or through a personal link tied to one contact. This file holds
// the definition, its validation, the checking of one set of answers
// (branching, required questions, allowed choices) and the NPS arithmetic.

// SurveyStatus says whether a survey takes answers.
type SurveyStatus string

// Survey statuses: only an open survey takes answers.
const (
	SurveyDraft  SurveyStatus = "draft"
	SurveyOpen   SurveyStatus = "open"
	SurveyClosed SurveyStatus = "closed"
)

// SurveyTrigger makes the product send a survey by itself.
type SurveyTrigger string

// Survey triggers.
const (
	TriggerNone SurveyTrigger = ""
	// TriggerContract: an after-follow NPS survey, TriggerDays after a
	// contract starts (0 = on the start day).
	TriggerContract SurveyTrigger = "contract"
	// TriggerDealClosed: a win / loss survey when a deal is won or lost.
	TriggerDealClosed SurveyTrigger = "deal_closed"
)

// QuestionKind is the kind of a survey question.
type QuestionKind string

// Question kinds.
const (
	QSingle   QuestionKind = "single"   // one of Choices
	QMultiple QuestionKind = "multiple" // any of Choices
	QScale    QuestionKind = "scale"    // 1..ScaleMax (5 or 7)
	QNPS      QuestionKind = "nps"      // 0..10
	QText     QuestionKind = "text"     // free text
	QMatrix   QuestionKind = "matrix"   // each of Rows on 1..ScaleMax
)

// QuestionKinds lists the kinds in the builder's order.
var QuestionKinds = []QuestionKind{QSingle, QMultiple, QScale, QNPS, QText, QMatrix}

// GotoEnd as a choice's Goto ends the survey after that answer.
const GotoEnd = "end"

// Limits of a survey.
const (
	MaxSurveyQuestions = 60
	MaxSurveyChoices   = 30
	MaxSurveyRows      = 20
	MaxSurveyText      = 5000 // characters of one free-text answer
	MaxSurveyLabel     = 500
)

// SurveyChoice is one choice of a choice question, or one row of a matrix.
type SurveyChoice struct {
	ID      string `json:"id"` // stable value posted and stored; also the value written to a mapped property
	LabelJA string `json:"label_ja"`
	LabelEN string `json:"label_en"`
	// Goto (single choice only): after this answer go to the question with
	// this id (a later one), or GotoEnd; "" = the next question.
	Goto string `json:"goto,omitempty"`
}

// Label returns the choice's label in lang.
func (c SurveyChoice) Label(lang Language) string { return pick(lang, c.LabelJA, c.LabelEN, c.ID) }

// SurveyQuestion is one question.
type SurveyQuestion struct {
	ID       string         `json:"id"`
	Kind     QuestionKind   `json:"kind"`
	TextJA   string         `json:"text_ja"`
	TextEN   string         `json:"text_en"`
	Required bool           `json:"required,omitempty"`
	Choices  []SurveyChoice `json:"choices,omitempty"`   // single, multiple
	Rows     []SurveyChoice `json:"rows,omitempty"`      // matrix
	ScaleMax int            `json:"scale_max,omitempty"` // scale, matrix: 5 or 7
	LowJA    string         `json:"low_ja,omitempty"`    // label of the scale's low end (scale, matrix, nps)
	LowEN    string         `json:"low_en,omitempty"`
	HighJA   string         `json:"high_ja,omitempty"`
	HighEN   string         `json:"high_en,omitempty"`
	// Property is the key of a custom contact property the answer fills
	// when the response is tied to a contact ("" = none).
	Property string `json:"property,omitempty"`
}

// Text returns the question in lang.
func (q SurveyQuestion) Text(lang Language) string { return pick(lang, q.TextJA, q.TextEN, q.ID) }

// Low and High return the scale's end labels in lang.
func (q SurveyQuestion) Low(lang Language) string  { return pick(lang, q.LowJA, q.LowEN, "") }
func (q SurveyQuestion) High(lang Language) string { return pick(lang, q.HighJA, q.HighEN, "") }

// Scale returns the values a scale, matrix or NPS question offers.
func (q SurveyQuestion) Scale() []int {
	lo, hi := 1, q.ScaleMax
	if q.Kind == QNPS {
		lo, hi = 0, 10
	}
	out := make([]int, 0, hi-lo+1)
	for i := lo; i <= hi; i++ {
		out = append(out, i)
	}
	return out
}

// Choice finds a choice by id.
func (q SurveyQuestion) Choice(id string) (SurveyChoice, bool) {
	for _, c := range q.Choices {
		if c.ID == id {
			return c, true
		}
	}
	return SurveyChoice{}, false
}

// Survey is a questionnaire.
type Survey struct {
	ID          int64
	Name        string // for staff
	Key         string // public, unguessable key in /s/{key}
	TitleJA     string
	TitleEN     string
	IntroJA     string
	IntroEN     string
	ThanksJA    string
	ThanksEN    string
	Status      SurveyStatus
	Trigger     SurveyTrigger
	TriggerDays int
	Questions   []SurveyQuestion
	CreatedAt   time.Time
	UpdatedAt   time.Time
	Version     int64
}

// Title returns the survey's title in lang.
func (s Survey) Title(lang Language) string { return pick(lang, s.TitleJA, s.TitleEN, s.Name) }

// Intro returns the introduction in lang.
func (s Survey) Intro(lang Language) string { return pick(lang, s.IntroJA, s.IntroEN, "") }

// Thanks returns the thank-you message in lang.
func (s Survey) Thanks(lang Language) string {
	def := "Thank you for your answers."
	if lang == LangJA {
		def = "ご回答ありがとうございました。"
	}
	return pick(lang, s.ThanksJA, s.ThanksEN, def)
}

// Question finds a question by id.
func (s Survey) Question(id string) (SurveyQuestion, int, bool) {
	for i, q := range s.Questions {
		if q.ID == id {
			return q, i, true
		}
	}
	return SurveyQuestion{}, -1, false
}

var surveyIDRE = regexp.MustCompile(`^[a-z0-9_]{1,30}$`)

// Normalize trims texts and fills defaults.
func (s *Survey) Normalize() {
	s.Name = strings.TrimSpace(s.Name)
	for _, p := range []*string{&s.TitleJA, &s.TitleEN, &s.IntroJA, &s.IntroEN, &s.ThanksJA, &s.ThanksEN} {
		*p = strings.TrimSpace(*p)
	}
	if s.Status == "" {
		s.Status = SurveyDraft
	}
	for i := range s.Questions {
		q := &s.Questions[i]
		q.ID = strings.TrimSpace(q.ID)
		if q.ID == "" {
			q.ID = "q" + strconv.Itoa(i+1)
		}
		q.TextJA, q.TextEN = strings.TrimSpace(q.TextJA), strings.TrimSpace(q.TextEN)
		q.Property = strings.TrimSpace(q.Property)
		if (q.Kind == QScale || q.Kind == QMatrix) && q.ScaleMax == 0 {
			q.ScaleMax = 5
		}
		if q.Kind == QNPS {
			q.ScaleMax = 10
		}
		for _, list := range [][]SurveyChoice{q.Choices, q.Rows} {
			for j := range list {
				c := &list[j]
				c.LabelJA, c.LabelEN, c.Goto = strings.TrimSpace(c.LabelJA), strings.TrimSpace(c.LabelEN), strings.TrimSpace(c.Goto)
				c.ID = strings.TrimSpace(c.ID)
				if c.ID == "" {
					c.ID = pick(LangJA, c.LabelJA, c.LabelEN, strconv.Itoa(j+1))
				}
			}
		}
	}
}

// Validate checks a normalised survey. props are the custom contact
// properties by key (a question may fill one of a fitting type). Messages
// are keyed questions[i].<part>.
func (s Survey) Validate(props map[string]Property) error {
	v := &ValidationError{}
	if s.Name == "" || utf8.RuneCountInString(s.Name) > 100 {
		v.Add("name", "enter a name of 1 to 100 characters")
	}
	for f, t := range map[string]string{"title_ja": s.TitleJA, "title_en": s.TitleEN} {
		if utf8.RuneCountInString(t) > 200 {
			v.Add(f, "is too long (200 characters at most)")
		}
	}
	if s.TitleJA == "" && s.TitleEN == "" {
		v.Add("title_ja", "enter a title in Japanese or English")
	}
	for f, t := range map[string]string{"intro_ja": s.IntroJA, "intro_en": s.IntroEN, "thanks_ja": s.ThanksJA, "thanks_en": s.ThanksEN} {
		if utf8.RuneCountInString(t) > 2000 {
			v.Add(f, "is too long (2,000 characters at most)")
		}
	}
	switch s.Status {
	case SurveyDraft, SurveyOpen, SurveyClosed:
	default:
		v.Add("status", "choose draft, open or closed")
	}
	switch s.Trigger {
	case TriggerNone, TriggerDealClosed:
	case TriggerContract:
		if s.TriggerDays < 0 || s.TriggerDays > 730 {
			v.Add("trigger_days", "enter a number of days from 0 to 730")
		}
	default:
		v.Add("trigger", "choose none, contract or deal_closed")
	}
	if len(s.Questions) == 0 {
		v.Add("questions", "add at least one question")
	}
	if len(s.Questions) > MaxSurveyQuestions {
		v.Add("questions", fmt.Sprintf("a survey has at most %d questions", MaxSurveyQuestions))
		return v.Err()
	}
	if s.Trigger == TriggerContract {
		hasNPS := false
		for _, q := range s.Questions {
			hasNPS = hasNPS || q.Kind == QNPS
		}
		if !hasNPS {
			v.Add("trigger", "an after-follow survey needs an NPS question")
		}
	}
	index := map[string]int{}
	for i, q := range s.Questions {
		if _, dup := index[q.ID]; dup {
			v.Add(fmt.Sprintf("questions[%d].id", i), "appears twice")
		}
		index[q.ID] = i
	}
	usedProps := map[string]bool{}
	for i, q := range s.Questions {
		at := fmt.Sprintf("questions[%d]", i)
		if !surveyIDRE.MatchString(q.ID) {
			v.Add(at+".id", "use 1 to 30 lower-case letters, digits or _")
		}
		if q.TextJA == "" && q.TextEN == "" {
			v.Add(at+".text", "enter the question in Japanese or English")
		}
		if utf8.RuneCountInString(q.TextJA) > 1000 || utf8.RuneCountInString(q.TextEN) > 1000 {
			v.Add(at+".text", "is too long (1,000 characters at most)")
		}
		for _, t := range []string{q.LowJA, q.LowEN, q.HighJA, q.HighEN} {
			if utf8.RuneCountInString(t) > 100 {
				v.Add(at+".labels", "scale labels are at most 100 characters")
			}
		}
		switch q.Kind {
		case QSingle, QMultiple:
			if len(q.Choices) < 2 || len(q.Choices) > MaxSurveyChoices {
				v.Add(at+".choices", fmt.Sprintf("give 2 to %d choices", MaxSurveyChoices))
			}
			checkChoices(v, at+".choices", q.Choices)
			for j, c := range q.Choices {
				if c.Goto == "" {
					continue
				}
				if q.Kind != QSingle {
					v.Add(fmt.Sprintf("%s.choices[%d].goto", at, j), "only a single-choice question can branch")
					continue
				}
				if c.Goto == GotoEnd {
					continue
				}
				if k, ok := index[c.Goto]; !ok || k <= i {
					v.Add(fmt.Sprintf("%s.choices[%d].goto", at, j), "skip to a later question or to the end")
				}
			}
		case QScale, QMatrix:
			if q.ScaleMax != 5 && q.ScaleMax != 7 {
				v.Add(at+".scale_max", "choose a scale of 1–5 or 1–7")
			}
			if q.Kind == QMatrix {
				if len(q.Rows) < 1 || len(q.Rows) > MaxSurveyRows {
					v.Add(at+".rows", fmt.Sprintf("give 1 to %d rows", MaxSurveyRows))
				}
				checkChoices(v, at+".rows", q.Rows)
			}
		case QNPS, QText:
		default:
			v.Add(at+".kind", "choose single, multiple, scale, nps, text or matrix")
		}
		if q.Kind != QSingle && q.Kind != QMultiple && len(q.Choices) > 0 {
			v.Add(at+".choices", "only choice questions have choices")
		}
		if q.Kind != QMatrix && len(q.Rows) > 0 {
			v.Add(at+".rows", "only a matrix has rows")
		}
		if q.Property != "" {
			if usedProps[q.Property] {
				v.Add(at+".property", "another question already fills this property")
			}
			usedProps[q.Property] = true
			if msg := propertyFits(q, props); msg != "" {
				v.Add(at+".property", msg)
			}
		}
	}
	return v.Err()
}

func checkChoices(v *ValidationError, at string, list []SurveyChoice) {
	seen := map[string]bool{}
	for j, c := range list {
		p := fmt.Sprintf("%s[%d]", at, j)
		switch {
		case c.ID == "" || utf8.RuneCountInString(c.ID) > 60 || strings.ContainsAny(c.ID, "\x00\r\n\t;"):
			v.Add(p+".id", "use 1 to 60 characters, without line breaks or ;")
		case seen[c.ID]:
			v.Add(p+".id", "appears twice")
		}
		seen[c.ID] = true
		if c.LabelJA == "" && c.LabelEN == "" {
			v.Add(p+".label", "enter a label in Japanese or English")
		}
		if utf8.RuneCountInString(c.LabelJA) > MaxSurveyLabel || utf8.RuneCountInString(c.LabelEN) > MaxSurveyLabel {
			v.Add(p+".label", fmt.Sprintf("is too long (%d characters at most)", MaxSurveyLabel))
		}
	}
}

// propertyFits says why a question cannot fill a property ("" = it can).
func propertyFits(q SurveyQuestion, props map[string]Property) string {
	p, ok := props[q.Property]
	if !ok {
		return "is not a custom contact property; define it in Settings → Properties first"
	}
	switch q.Kind {
	case QScale, QNPS:
		if p.Type == PropNumber || p.Type == PropText {
			return ""
		}
		return "a scale or NPS answer fills a number or text property"
	case QText:
		if p.Type == PropText {
			return ""
		}
		return "a free-text answer fills a text property"
	case QSingle, QMultiple:
		switch {
		case p.Type == PropText && q.Kind == QSingle:
			return ""
		case p.Type == PropChoice && q.Kind == QSingle, p.Type == PropMultiChoice:
			for _, c := range q.Choices {
				if !contains(p.Options, c.ID) {
					return fmt.Sprintf("the choice value %q is not one of the property's choices", c.ID)
				}
			}
			return ""
		}
		return "a single choice fills a text or choice property; a multiple choice fills a multiple-choice property"
	}
	return "a matrix cannot fill a property"
}

// ---- answers ----

// SurveyAnswer is the answer to one question; which part is set depends on
// the kind.
type SurveyAnswer struct {
	Choice  string         `json:"choice,omitempty"`  // single
	Choices []string       `json:"choices,omitempty"` // multiple
	Value   *int           `json:"value,omitempty"`   // scale, nps
	Text    string         `json:"text,omitempty"`    // text
	Rows    map[string]int `json:"rows,omitempty"`    // matrix: row id → value
}

// SurveyAnswers are the answers of one response by question id.
type SurveyAnswers map[string]SurveyAnswer

// Path returns the questions a respondent sees given the answers so far:
// each single-choice answer with a Goto skips ahead.
func (s Survey) Path(ans SurveyAnswers) []SurveyQuestion {
	var out []SurveyQuestion
	for i := 0; i < len(s.Questions); {
		q := s.Questions[i]
		out = append(out, q)
		next := i + 1
		if q.Kind == QSingle {
			if a, ok := ans[q.ID]; ok {
				if c, ok := q.Choice(a.Choice); ok && c.Goto != "" {
					if c.Goto == GotoEnd {
						break
					}
					if _, k, ok := s.Question(c.Goto); ok && k > i {
						next = k
					}
				}
			}
		}
		i = next
	}
	return out
}

// ParseSurveyAnswers checks raw answers as posted: by question id one or
// more values ("q1" → ["a"]; a multiple choice lists several), and a
// matrix's rows as "<question>.<row>". Only the survey's questions, its
// choices and its scale values are accepted; answers to questions the
// branching skipped are dropped; a required question on the path must be
// answered. Messages are keyed by question id; nothing is returned with an
// error.
func (s Survey) ParseSurveyAnswers(raw map[string][]string) (SurveyAnswers, error) {
	v := &ValidationError{}
	ans := SurveyAnswers{}
	for key := range raw {
		qid, row, isRow := strings.Cut(key, ".")
		q, _, ok := s.Question(qid)
		if !ok || isRow != (q.Kind == QMatrix) {
			v.Add("answers", "answer only the questions of this survey")
			continue
		}
		if isRow && !hasRow(q, row) {
			v.Add(qid, "answer only the rows of this question")
		}
	}
	if v.Err() != nil {
		return nil, v
	}
	for _, q := range s.Questions {
		a, msg := parseOne(q, raw)
		if msg != "" {
			v.Add(q.ID, msg)
			continue
		}
		if a != nil {
			ans[q.ID] = *a
		}
	}
	if v.Err() != nil {
		return nil, v
	}
	out := SurveyAnswers{}
	for _, q := range s.Path(ans) {
		a, ok := ans[q.ID]
		if ok {
			out[q.ID] = a
		} else if q.Required {
			v.Add(q.ID, "please answer this question")
		}
		if ok && q.Kind == QMatrix && q.Required && len(a.Rows) < len(q.Rows) {
			v.Add(q.ID, "please answer every row")
		}
	}
	if v.Err() != nil {
		return nil, v
	}
	return out, nil
}

func hasRow(q SurveyQuestion, id string) bool {
	for _, r := range q.Rows {
		if r.ID == id {
			return true
		}
	}
	return false
}

func cleanValue(s string) (string, bool) {
	s = strings.TrimSpace(s)
	if !utf8.ValidString(s) || strings.ContainsRune(s, 0) {
		return "", false
	}
	return s, true
}

// parseOne reads one question's answer; nil when it is not answered.
func parseOne(q SurveyQuestion, raw map[string][]string) (*SurveyAnswer, string) {
	var vals []string
	for _, x := range raw[q.ID] {
		s, ok := cleanValue(x)
		if !ok {
			return nil, "contains characters that are not allowed"
		}
		if s != "" {
			vals = append(vals, s)
		}
	}
	scale := func(s string) (*int, string) {
		n, err := strconv.Atoi(s)
		if err != nil || n < q.Scale()[0] || n > q.Scale()[len(q.Scale())-1] {
			return nil, fmt.Sprintf("choose a value from %d to %d", q.Scale()[0], q.Scale()[len(q.Scale())-1])
		}
		return &n, ""
	}
	switch q.Kind {
	case QSingle:
		if len(vals) == 0 {
			return nil, ""
		}
		if len(vals) > 1 {
			return nil, "choose one answer"
		}
		if _, ok := q.Choice(vals[0]); !ok {
			return nil, "choose one of the answers offered"
		}
		return &SurveyAnswer{Choice: vals[0]}, ""
	case QMultiple:
		if len(vals) == 0 {
			return nil, ""
		}
		seen := map[string]bool{}
		var out []string
		for _, x := range vals {
			if _, ok := q.Choice(x); !ok {
				return nil, "choose among the answers offered"
			}
			if !seen[x] {
				seen[x] = true
				out = append(out, x)
			}
		}
		// Keep the survey's order.
		sort.SliceStable(out, func(i, j int) bool { return choiceIndex(q, out[i]) < choiceIndex(q, out[j]) })
		return &SurveyAnswer{Choices: out}, ""
	case QScale, QNPS:
		if len(vals) == 0 {
			return nil, ""
		}
		if len(vals) > 1 {
			return nil, "choose one value"
		}
		n, msg := scale(vals[0])
		if msg != "" {
			return nil, msg
		}
		return &SurveyAnswer{Value: n}, ""
	case QText:
		if len(vals) == 0 {
			return nil, ""
		}
		if len(vals) > 1 {
			return nil, "send one text"
		}
		if utf8.RuneCountInString(vals[0]) > MaxSurveyText {
			return nil, fmt.Sprintf("is too long (%d characters at most)", MaxSurveyText)
		}
		return &SurveyAnswer{Text: vals[0]}, ""
	case QMatrix:
		rows := map[string]int{}
		for _, r := range q.Rows {
			xs := raw[q.ID+"."+r.ID]
			if len(xs) == 0 || strings.TrimSpace(xs[0]) == "" {
				continue
			}
			if len(xs) > 1 {
				return nil, "choose one value per row"
			}
			n, msg := scale(strings.TrimSpace(xs[0]))
			if msg != "" {
				return nil, msg
			}
			rows[r.ID] = *n
		}
		if len(rows) == 0 {
			return nil, ""
		}
		return &SurveyAnswer{Rows: rows}, ""
	}
	return nil, "cannot be answered"
}

func choiceIndex(q SurveyQuestion, id string) int {
	for i, c := range q.Choices {
		if c.ID == id {
			return i
		}
	}
	return len(q.Choices)
}

// AnswerValues turns answers back into the raw form ParseSurveyAnswers
// reads (to show a page again, or to re-check stored answers).
func (s Survey) AnswerValues(ans SurveyAnswers) map[string][]string {
	out := map[string][]string{}
	for id, a := range ans {
		switch {
		case a.Choice != "":
			out[id] = []string{a.Choice}
		case len(a.Choices) > 0:
			out[id] = append([]string(nil), a.Choices...)
		case a.Value != nil:
			out[id] = []string{strconv.Itoa(*a.Value)}
		case a.Text != "":
			out[id] = []string{a.Text}
		case len(a.Rows) > 0:
			for r, n := range a.Rows {
				out[id+"."+r] = []string{strconv.Itoa(n)}
			}
		}
	}
	return out
}

// ---- NPS ----

// NPSResult is the Net Promoter Score of a set of 0–10 answers:
// promoters answered 9–10, passives 7–8, detractors 0–6; Score =
// %promoters − %detractors, from −100 to 100.
type NPSResult struct {
	N          int
	Promoters  int
	Passives   int
	Detractors int
	Score      float64 // rounded to one decimal; 0 when N is 0
}

// NPSBand names the band of one answer: promoter, passive or detractor.
func NPSBand(v int) string {
	switch {
	case v >= 9:
		return "promoter"
	case v >= 7:
		return "passive"
	}
	return "detractor"
}

// NPS computes the score of 0–10 answers (values outside are ignored).
func NPS(values []int) NPSResult {
	var r NPSResult
	for _, v := range values {
		if v < 0 || v > 10 {
			continue
		}
		r.N++
		switch NPSBand(v) {
		case "promoter":
			r.Promoters++
		case "passive":
			r.Passives++
		default:
			r.Detractors++
		}
	}
	if r.N > 0 {
		r.Score = math.Round(float64(r.Promoters-r.Detractors)*1000/float64(r.N)) / 10
	}
	return r
}

// FoldSearch folds text for the free-text search of survey answers: NFKC
// (full-width Latin letters and digits become ASCII, half-width katakana
// become full-width) and lower case. Stored text and the query are folded
// the same way, so a simple substring test finds 「ｻﾎﾟｰﾄ」 in 「サポート」
// and "Price" in "PRICE".
func FoldSearch(s string) string { return strings.ToLower(norm.NFKC.String(s)) }

// SearchText is the folded free text of a response's answers, one answer
// per line.
func (s Survey) SearchText(ans SurveyAnswers) string {
	var parts []string
	for _, q := range s.Questions {
		if a, ok := ans[q.ID]; ok && a.Text != "" {
			parts = append(parts, FoldSearch(a.Text))
		}
	}
	return strings.Join(parts, "\n")
}

// NPSOf returns the answer to the survey's first NPS question.
func (s Survey) NPSOf(ans SurveyAnswers) (int, bool) {
	for _, q := range s.Questions {
		if q.Kind == QNPS {
			if a, ok := ans[q.ID]; ok && a.Value != nil {
				return *a.Value, true
			}
			return 0, false
		}
	}
	return 0, false
}
