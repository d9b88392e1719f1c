package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"

	"renkei/internal/crm"
	"renkei/internal/csvio"
	"renkei/internal/i18n"
	"renkei/internal/store"
)

// SurveyCount is one answer option with how many chose it.
type SurveyCount struct {
	Key   string // choice id or scale value
	Label string
	Count int
	Pct   float64 // of the question's respondents, one decimal
}

// SurveyMatrixRow is one row of a matrix question.
type SurveyMatrixRow struct {
	Label  string
	Counts []int // by scale value, 1..ScaleMax
	N      int
	Mean   float64
}

// SurveyText is one free-text answer.
type SurveyText struct {
	ResponseID int64
	ContactID  int64
	At         time.Time
	Text       string
}

// QuestionResult is the summary of one question.
type QuestionResult struct {
	Question crm.SurveyQuestion
	Answered int
	Counts   []SurveyCount     // choices, scale values, NPS 0–10
	Mean     float64           // scale and NPS
	NPS      *crm.NPSResult    // NPS questions
	Rows     []SurveyMatrixRow // matrix
	Texts    []SurveyText      // free text, newest first (at most MaxResultTexts)
}

// MaxResultTexts is how many free-text answers a result page lists.
const MaxResultTexts = 200

// NPSPoint is the NPS of one month.
type NPSPoint struct {
	Month time.Time
	crm.NPSResult
}

// CrossTab splits one question's answers by a dimension.
type CrossTab struct {
	By         string // stage, industry, segment:<id>
	QuestionID string
	Columns    []string // answer labels (choices, scale values, or NPS bands)
	Rows       []CrossRow
}

// CrossRow is one value of the dimension.
type CrossRow struct {
	Label  string
	N      int
	Counts []int // by column
	NPS    *crm.NPSResult
}

// SurveyResults are the numbers of one survey's responses.
type SurveyResults struct {
	Survey    crm.Survey
	N         int
	Questions []QuestionResult
	NPSTrend  []NPSPoint // by month, when the survey has an NPS question
	Cross     *CrossTab
}

// ResultsFilter narrows and splits the results.
type ResultsFilter struct {
	From, To time.Time
	Query    string // free-text search: only responses whose text contains it
	CrossBy  string // stage, industry, segment:<id>; "" = no cross-tab
	CrossQ   string // the question to split; "" = the first choice, scale or NPS question
}

// SurveyResults counts a survey's responses per question, the NPS by
// month, and a cross-tab. Responses of contacts the actor may not see are
// left out.
func (a *App) SurveyResults(ctx context.Context, ac Actor, id int64, f ResultsFilter, lang crm.Language) (SurveyResults, error) {
	var out SurveyResults
	s, err := a.Survey(ctx, ac, id)
	if err != nil {
		return out, err
	}
	out.Survey = s
	rs, err := a.SurveyResponses(ctx, ac, store.SurveyResponseFilter{SurveyID: id, Query: f.Query, From: f.From, To: f.To})
	if err != nil {
		return out, err
	}
	out.N = len(rs)
	out.Questions = summarise(s, rs, lang)
	out.NPSTrend = npsTrend(s, rs, a.location(ctx))
	if f.CrossBy != "" {
		ct, err := a.crossTab(ctx, ac, s, rs, f.CrossBy, f.CrossQ, lang)
		if err != nil {
			return out, err
		}
		out.Cross = &ct
	}
	return out, nil
}

func pct(n, of int) float64 {
	if of == 0 {
		return 0
	}
	return math.Round(float64(n)*1000/float64(of)) / 10
}

// summarise counts each question's answers.
func summarise(s crm.Survey, rs []store.SurveyResponse, lang crm.Language) []QuestionResult {
	out := make([]QuestionResult, len(s.Questions))
	for i, q := range s.Questions {
		qr := QuestionResult{Question: q}
		switch q.Kind {
		case crm.QSingle, crm.QMultiple:
			for _, c := range q.Choices {
				qr.Counts = append(qr.Counts, SurveyCount{Key: c.ID, Label: c.Label(lang)})
			}
		case crm.QScale, crm.QNPS:
			for _, v := range q.Scale() {
				qr.Counts = append(qr.Counts, SurveyCount{Key: strconv.Itoa(v), Label: strconv.Itoa(v)})
			}
		case crm.QMatrix:
			for _, r := range q.Rows {
				qr.Rows = append(qr.Rows, SurveyMatrixRow{Label: r.Label(lang), Counts: make([]int, q.ScaleMax)})
			}
		}
		var sum float64
		var nps []int
		for _, r := range rs {
			an, ok := r.Answers[q.ID]
			if !ok {
				continue
			}
			switch q.Kind {
			case crm.QSingle:
				if k := choiceAt(q, an.Choice); k >= 0 {
					qr.Counts[k].Count++
					qr.Answered++
				}
			case crm.QMultiple:
				hit := false
				for _, id := range an.Choices {
					if k := choiceAt(q, id); k >= 0 {
						qr.Counts[k].Count++
						hit = true
					}
				}
				if hit {
					qr.Answered++
				}
			case crm.QScale, crm.QNPS:
				if an.Value == nil {
					continue
				}
				v := *an.Value
				k := v - q.Scale()[0]
				if k < 0 || k >= len(qr.Counts) {
					continue
				}
				qr.Counts[k].Count++
				qr.Answered++
				sum += float64(v)
				nps = append(nps, v)
			case crm.QText:
				if an.Text == "" {
					continue
				}
				qr.Answered++
				if len(qr.Texts) < MaxResultTexts {
					qr.Texts = append(qr.Texts, SurveyText{ResponseID: r.ID, ContactID: r.ContactID, At: r.UpdatedAt, Text: an.Text})
				}
			case crm.QMatrix:
				hit := false
				for j, row := range q.Rows {
					v, ok := an.Rows[row.ID]
					if !ok || v < 1 || v > q.ScaleMax {
						continue
					}
					qr.Rows[j].Counts[v-1]++
					qr.Rows[j].N++
					qr.Rows[j].Mean += float64(v)
					hit = true
				}
				if hit {
					qr.Answered++
				}
			}
		}
		for k := range qr.Counts {
			qr.Counts[k].Pct = pct(qr.Counts[k].Count, qr.Answered)
		}
		for j := range qr.Rows {
			if qr.Rows[j].N > 0 {
				qr.Rows[j].Mean = math.Round(qr.Rows[j].Mean*100/float64(qr.Rows[j].N)) / 100
			}
		}
		if (q.Kind == crm.QScale || q.Kind == crm.QNPS) && qr.Answered > 0 {
			qr.Mean = math.Round(sum*100/float64(qr.Answered)) / 100
		}
		if q.Kind == crm.QNPS {
			n := crm.NPS(nps)
			qr.NPS = &n
		}
		out[i] = qr
	}
	return out
}

func choiceAt(q crm.SurveyQuestion, id string) int {
	for i, c := range q.Choices {
		if c.ID == id {
			return i
		}
	}
	return -1
}

// npsTrend is the NPS of each month (workspace time zone) from the first
// response to the last, months without answers included with N = 0.
func npsTrend(s crm.Survey, rs []store.SurveyResponse, loc *time.Location) []NPSPoint {
	byMonth := map[time.Time][]int{}
	var first, last time.Time
	for _, r := range rs {
		n, ok := s.NPSOf(r.Answers)
		if !ok {
			continue
		}
		t := r.UpdatedAt.In(loc)
		m := time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, loc)
		byMonth[m] = append(byMonth[m], n)
		if first.IsZero() || m.Before(first) {
			first = m
		}
		if m.After(last) {
			last = m
		}
	}
	if first.IsZero() {
		return nil
	}
	var out []NPSPoint
	for m := first; !m.After(last) && len(out) < 120; m = m.AddDate(0, 1, 0) {
		out = append(out, NPSPoint{Month: m, NPSResult: crm.NPS(byMonth[m])})
	}
	return out
}

// crossTab splits one question's answers by the contacts' lifecycle stage,
// their company's industry, or membership of a segment. Anonymous
// responses form their own row.
func (a *App) crossTab(ctx context.Context, ac Actor, s crm.Survey, rs []store.SurveyResponse, by, qid string, lang crm.Language) (CrossTab, error) {
	ct := CrossTab{By: by}
	var q crm.SurveyQuestion
	found := false
	for _, x := range s.Questions {
		if (qid == "" || x.ID == qid) && (x.Kind == crm.QSingle || x.Kind == crm.QMultiple || x.Kind == crm.QScale || x.Kind == crm.QNPS) {
			q, found = x, true
			break
		}
	}
	if !found {
		return ct, crm.Invalid("cross_q", "choose a choice, scale or NPS question to split")
	}
	ct.QuestionID = q.ID
	column := func(an crm.SurveyAnswer) []int { return nil }
	switch q.Kind {
	case crm.QSingle, crm.QMultiple:
		for _, c := range q.Choices {
			ct.Columns = append(ct.Columns, c.Label(lang))
		}
		column = func(an crm.SurveyAnswer) []int {
			var ks []int
			if an.Choice != "" {
				ks = append(ks, choiceAt(q, an.Choice))
			}
			for _, id := range an.Choices {
				ks = append(ks, choiceAt(q, id))
			}
			return ks
		}
	case crm.QNPS:
		ct.Columns = []string{i18n.T(lang, "surveys.nps.detractors"), i18n.T(lang, "surveys.nps.passives"), i18n.T(lang, "surveys.nps.promoters")}
		column = func(an crm.SurveyAnswer) []int {
			if an.Value == nil {
				return nil
			}
			return []int{map[string]int{"detractor": 0, "passive": 1, "promoter": 2}[crm.NPSBand(*an.Value)]}
		}
	case crm.QScale:
		for _, v := range q.Scale() {
			ct.Columns = append(ct.Columns, strconv.Itoa(v))
		}
		column = func(an crm.SurveyAnswer) []int {
			if an.Value == nil {
				return nil
			}
			return []int{*an.Value - 1}
		}
	}
	// The dimension's value of each response.
	anon := i18n.T(lang, "surveys.cross.anonymous")
	var label func(r store.SurveyResponse) string
	var order []string
	switch {
	case by == "stage":
		for _, l := range crm.Lifecycles {
			order = append(order, i18n.T(lang, "lifecycle."+string(l)))
		}
		label = func(r store.SurveyResponse) string {
			if r.ContactID == 0 {
				return anon
			}
			return i18n.T(lang, "lifecycle."+r.Lifecycle)
		}
	case by == "industry":
		none := i18n.T(lang, "surveys.cross.no_industry")
		label = func(r store.SurveyResponse) string {
			switch {
			case r.ContactID == 0:
				return anon
			case strings.TrimSpace(r.Industry) == "":
				return none
			}
			return strings.TrimSpace(r.Industry)
		}
	case strings.HasPrefix(by, "segment:"):
		segID, err := strconv.ParseInt(strings.TrimPrefix(by, "segment:"), 10, 64)
		if err != nil || segID <= 0 {
			return ct, crm.Invalid("cross_by", "choose stage, industry or a segment")
		}
		g, err := a.Segment(ctx, ac, segID)
		if errors.Is(err, crm.ErrNotFound) {
			return ct, crm.Invalid("cross_by", "choose stage, industry or a segment")
		} else if err != nil {
			return ct, err
		}
		members := map[int64]bool{}
		var after int64
		for {
			ids, err := a.SegmentContactIDs(ctx, ac, segID, after, 10000)
			if err != nil {
				return ct, err
			}
			for _, id := range ids {
				members[id] = true
			}
			if len(ids) < 10000 {
				break
			}
			after = ids[len(ids)-1]
		}
		in, out := i18n.T(lang, "surveys.cross.in_segment", g.Name), i18n.T(lang, "surveys.cross.not_in_segment", g.Name)
		order = []string{in, out}
		label = func(r store.SurveyResponse) string {
			switch {
			case r.ContactID == 0:
				return anon
			case members[r.ContactID]:
				return in
			}
			return out
		}
	default:
		return ct, crm.Invalid("cross_by", "choose stage, industry or a segment")
	}
	rows := map[string]*CrossRow{}
	var seen []string
	npsOf := map[string][]int{}
	for _, r := range rs {
		an, ok := r.Answers[q.ID]
		if !ok {
			continue
		}
		ks := column(an)
		if len(ks) == 0 {
			continue
		}
		l := label(r)
		row := rows[l]
		if row == nil {
			row = &CrossRow{Label: l, Counts: make([]int, len(ct.Columns))}
			rows[l] = row
			seen = append(seen, l)
		}
		row.N++
		for _, k := range ks {
			if k >= 0 && k < len(row.Counts) {
				row.Counts[k]++
			}
		}
		if q.Kind == crm.QNPS && an.Value != nil {
			npsOf[l] = append(npsOf[l], *an.Value)
		}
	}
	// Known values in their order, then the others by size, anonymous last.
	done := map[string]bool{}
	add := func(l string) {
		if row := rows[l]; row != nil && !done[l] {
			if q.Kind == crm.QNPS {
				n := crm.NPS(npsOf[l])
				row.NPS = &n
			}
			ct.Rows = append(ct.Rows, *row)
			done[l] = true
		}
	}
	for _, l := range order {
		add(l)
	}
	var rest []string
	for _, l := range seen {
		if !done[l] && l != anon {
			rest = append(rest, l)
		}
	}
	for i := 1; i < len(rest); i++ {
		for j := i; j > 0 && (rows[rest[j]].N > rows[rest[j-1]].N || rows[rest[j]].N == rows[rest[j-1]].N && rest[j] < rest[j-1]); j-- {
			rest[j], rest[j-1] = rest[j-1], rest[j]
		}
	}
	for _, l := range rest {
		add(l)
	}
	add(anon)
	return ct, nil
}

// ExportSurveyCSV writes a survey's responses as CSV (UTF-8 with BOM or
// Shift_JIS): one row per response, one column per question (a matrix: one
// per row), answers as text in lang. Every cell goes through csvio's
// formula neutralisation.
func (a *App) ExportSurveyCSV(ctx context.Context, ac Actor, id int64, enc csvio.Encoding, lang crm.Language, w io.Writer) error {
	s, err := a.Survey(ctx, ac, id)
	if err != nil {
		return err
	}
	rs, err := a.SurveyResponses(ctx, ac, store.SurveyResponseFilter{SurveyID: id})
	if err != nil {
		return err
	}
	cw := csvio.NewWriter(w, enc)
	head := []string{"response_id", "answered_at", "contact_id", "email", "name", "lifecycle_stage", "industry", "nps"}
	for _, q := range s.Questions {
		if q.Kind == crm.QMatrix {
			for _, r := range q.Rows {
				head = append(head, q.Text(lang)+" / "+r.Label(lang))
			}
			continue
		}
		head = append(head, q.Text(lang))
	}
	if err := cw.Write(head); err != nil {
		return err
	}
	loc := a.location(ctx)
	for _, r := range rs {
		row := []string{strconv.FormatInt(r.ID, 10), r.UpdatedAt.In(loc).Format("2006-01-02 15:04"), "", r.ContactEmail,
			r.ContactName, r.Lifecycle, r.Industry, ""}
		if r.ContactID != 0 {
			row[2] = strconv.FormatInt(r.ContactID, 10)
		}
		if r.NPS != nil {
			row[7] = strconv.Itoa(*r.NPS)
		}
		for _, q := range s.Questions {
			an := r.Answers[q.ID]
			if q.Kind == crm.QMatrix {
				for _, x := range q.Rows {
					v := ""
					if n, ok := an.Rows[x.ID]; ok {
						v = strconv.Itoa(n)
					}
					row = append(row, v)
				}
				continue
			}
			row = append(row, AnswerText(q, an, lang))
		}
		if err := cw.Write(row); err != nil {
			return err
		}
	}
	return cw.Flush()
}

// SurveyFileName is the export's file name.
func SurveyFileName(s crm.Survey, now time.Time) string {
	return fmt.Sprintf("survey-%d-%s.csv", s.ID, now.Format("20060102"))
}
