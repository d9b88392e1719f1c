package crm

import (
	"strings"
	"testing"
)

func TestNPSBoundaries(t *testing.T) {
	// Hand-computed: 0, 6 detractors; 7, 8 passives; 9, 10 promoters.
	r := NPS([]int{0, 6, 7, 8, 9, 10, 10, 11, -1})
	if r.N != 7 || r.Detractors != 2 || r.Passives != 2 || r.Promoters != 3 {
		t.Fatalf("NPS bands = %+v", r)
	}
	// (3 − 2) / 7 = 14.2857…% → 14.3
	if r.Score != 14.3 {
		t.Errorf("score = %v, want 14.3", r.Score)
	}
	for v, want := range map[int]string{0: "detractor", 6: "detractor", 7: "passive", 8: "passive", 9: "promoter", 10: "promoter"} {
		if got := NPSBand(v); got != want {
			t.Errorf("NPSBand(%d) = %s, want %s", v, got, want)
		}
	}
	if r := NPS(nil); r.N != 0 || r.Score != 0 {
		t.Errorf("empty NPS = %+v", r)
	}
	if r := NPS([]int{0, 1, 2}); r.Score != -100 {
		t.Errorf("all detractors = %v", r.Score)
	}
	if r := NPS([]int{9, 10}); r.Score != 100 {
		t.Errorf("all promoters = %v", r.Score)
	}
}

func testSurvey() Survey {
	s := Survey{Name: "s", TitleJA: "調査", Questions: []SurveyQuestion{
		{ID: "use", Kind: QSingle, TextJA: "使っていますか", Required: true, Choices: []SurveyChoice{
			{ID: "yes", LabelJA: "はい"}, {ID: "no", LabelJA: "いいえ", Goto: "why"}, {ID: "never", LabelJA: "知らない", Goto: GotoEnd}}},
		{ID: "nps", Kind: QNPS, TextJA: "推奨度", Required: true},
		{ID: "feat", Kind: QMultiple, TextJA: "機能", Choices: []SurveyChoice{{ID: "a", LabelJA: "A"}, {ID: "b", LabelJA: "B"}}},
		{ID: "grid", Kind: QMatrix, TextJA: "評価", ScaleMax: 5, Required: true, Rows: []SurveyChoice{{ID: "price", LabelJA: "価格"}, {ID: "support", LabelJA: "サポート"}}},
		{ID: "why", Kind: QText, TextJA: "理由"},
	}}
	s.Normalize()
	return s
}

func TestSurveyValidate(t *testing.T) {
	s := testSurvey()
	if err := s.Validate(nil); err != nil {
		t.Fatalf("valid survey refused: %v", err)
	}
	bad := testSurvey()
	bad.Questions[0].Choices[0].Goto = "use" // backwards
	bad.Questions[2].Choices[0].Goto = "why" // branching on a multiple choice
	bad.Questions[3].ScaleMax = 6
	bad.Questions[4].Property = "nope"
	bad.Questions = append(bad.Questions, SurveyQuestion{ID: "nps", Kind: QNPS, TextEN: "again"})
	err := bad.Validate(map[string]Property{})
	v, ok := AsValidation(err)
	if !ok {
		t.Fatalf("err = %v", err)
	}
	for _, k := range []string{"questions[0].choices[0].goto", "questions[2].choices[0].goto", "questions[3].scale_max",
		"questions[4].property", "questions[5].id"} {
		if v.Fields[k] == "" {
			t.Errorf("no message for %s (got %v)", k, v.Fields)
		}
	}
	// A choice question fills a choice property only with its options.
	pr := map[string]Property{"plan": {Key: "plan", Type: PropChoice, Options: []string{"yes", "no"}}}
	s.Questions[0].Property = "plan"
	if err := s.Validate(pr); err == nil || !strings.Contains(err.Error(), "never") {
		t.Errorf("choice value not among the property's options accepted: %v", err)
	}
}

func TestSurveyAnswersBranchingAndRequired(t *testing.T) {
	s := testSurvey()
	// "no" skips to why: nps and grid are not required any more, and an
	// answer to a skipped question is dropped.
	ans, err := s.ParseSurveyAnswers(map[string][]string{"use": {"no"}, "nps": {"3"}, "why": {"高い"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := ans["nps"]; ok || ans["why"].Text != "高い" || ans["use"].Choice != "no" {
		t.Errorf("answers = %+v", ans)
	}
	// "never" ends the survey.
	ans, err = s.ParseSurveyAnswers(map[string][]string{"use": {"never"}, "why": {"x"}})
	if err != nil || len(ans) != 1 {
		t.Errorf("end: %v %v", ans, err)
	}
	// "yes" goes on: nps and every row of the grid are required.
	_, err = s.ParseSurveyAnswers(map[string][]string{"use": {"yes"}, "grid.price": {"3"}})
	v, _ := AsValidation(err)
	if v == nil || v.Fields["nps"] == "" || v.Fields["grid"] == "" {
		t.Errorf("required not enforced: %v", err)
	}
	ans, err = s.ParseSurveyAnswers(map[string][]string{"use": {"yes"}, "nps": {"10"}, "grid.price": {"3"}, "grid.support": {"5"},
		"feat": {"b", "a", "b"}})
	if err != nil {
		t.Fatal(err)
	}
	if *ans["nps"].Value != 10 || ans["grid"].Rows["support"] != 5 || strings.Join(ans["feat"].Choices, ",") != "a,b" {
		t.Errorf("answers = %+v", ans)
	}
}

func TestSurveyAnswersHostile(t *testing.T) {
	s := testSurvey()
	base := func() map[string][]string {
		return map[string][]string{"use": {"yes"}, "nps": {"9"}, "grid.price": {"3"}, "grid.support": {"4"}}
	}
	cases := map[string]struct {
		change func(m map[string][]string)
		field  string
	}{
		"unknown question":     {func(m map[string][]string) { m["admin"] = []string{"1"} }, "answers"},
		"choice not offered":   {func(m map[string][]string) { m["use"] = []string{"maybe"} }, "use"},
		"two single answers":   {func(m map[string][]string) { m["use"] = []string{"yes", "no"} }, "use"},
		"nps out of range":     {func(m map[string][]string) { m["nps"] = []string{"11"} }, "nps"},
		"nps not a number":     {func(m map[string][]string) { m["nps"] = []string{"9; DROP"} }, "nps"},
		"huge text":            {func(m map[string][]string) { m["why"] = []string{strings.Repeat("あ", MaxSurveyText+1)} }, "why"},
		"unknown row":          {func(m map[string][]string) { m["grid.quality"] = []string{"3"} }, "grid"},
		"row of a non-matrix":  {func(m map[string][]string) { m["nps.x"] = []string{"3"} }, "answers"},
		"scale out of range":   {func(m map[string][]string) { m["grid.price"] = []string{"6"} }, "grid"},
		"multiple not offered": {func(m map[string][]string) { m["feat"] = []string{"a", "z"} }, "feat"},
		"nul byte":             {func(m map[string][]string) { m["why"] = []string{"a\x00b"} }, "why"},
	}
	for name, c := range cases {
		m := base()
		c.change(m)
		ans, err := s.ParseSurveyAnswers(m)
		v, ok := AsValidation(err)
		if !ok || v.Fields[c.field] == "" || ans != nil {
			t.Errorf("%s: got %v, %v; want a message on %s", name, ans, err, c.field)
		}
	}
}
