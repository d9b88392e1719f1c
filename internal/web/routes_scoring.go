package web

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"renkei/internal/app"
	"renkei/internal/crm"
	"renkei/internal/i18n"
	"renkei/internal/store"
)

// scoringRoutes are the UI routes of lead scoring and lifecycle stage rules.
// Every role may read the rules (score explanations refer to them);
// marketing and admins edit them (crm.PermWriteMarketing: "scoring").
func (s *server) scoringRoutes() []route {
	return []route{
		{"GET", "/settings/scoring", crm.PermReadAll, s.scoringPage, false},
		{"POST", "/settings/scoring", crm.PermWriteMarketing, s.scoringSettingsPost, false},
		{"POST", "/settings/scoring/rules", crm.PermWriteMarketing, s.scoringRuleCreate, false},
		{"POST", "/settings/scoring/preview", crm.PermWriteMarketing, s.scoringPreview, false},
		{"POST", "/settings/scoring/suggested", crm.PermWriteMarketing, s.scoringSuggested, false},
		{"GET", "/settings/scoring/rules/{id}", crm.PermReadAll, s.scoringRulePage, false},
		{"POST", "/settings/scoring/rules/{id}", crm.PermWriteMarketing, s.scoringRuleUpdate, false},
		{"POST", "/settings/scoring/rules/{id}/delete", crm.PermWriteMarketing, s.scoringRuleDelete, false},
		{"POST", "/settings/scoring/rescore", crm.PermWriteMarketing, s.scoringRescore, false},
		{"GET", "/settings/scoring/progress", crm.PermReadAll, s.scoringProgress, false},
		{"GET", "/contacts/{id}/score", crm.PermReadAll, s.contactScorePanel, false},
	}
}

// scoringData is the content of the scoring settings page.
type scoringData struct {
	Fit, Engagement []ruleRow
	Settings        crm.ScoringSettings
	SettingsForm    *form
	Job             *jobView
	Posted          string // which form was posted: settings or rule
	Preview         string
}

// ruleRow is one rule as the table shows it.
type ruleRow struct {
	crm.ScoringRule
	Text string // the condition in words, in the page's language
}

// jobView is the rescore-all job for its progress bar.
type jobView struct {
	ID            int64
	Done, Running bool
	Failed        bool
	Progress      int
	Total         int
	Percent       int
}

func toJobView(j store.Job) *jobView {
	v := &jobView{ID: j.ID, Progress: j.Progress, Total: j.Total, Done: j.Status == store.JobDone, Failed: j.Status == store.JobFailed}
	v.Running = !v.Done && !v.Failed
	if j.Total > 0 {
		v.Percent = min(100, j.Progress*100/j.Total)
	}
	if v.Done {
		v.Percent = 100
	}
	return v
}

// ruleText describes a condition in the user's language, e.g.
// 役職 に「部長」または「manager」を含む.
func ruleText(lang crm.Language, c crm.Condition) string {
	field := c.Field
	if k := "scoring.field." + c.Field; i18n.Has(lang, k) {
		field = i18n.T(lang, k)
	} else if key, ok := strings.CutPrefix(c.Field, "prop."); ok {
		field = i18n.T(lang, "scoring.field.prop", key)
	}
	quoted := make([]string, len(c.Values))
	for i, v := range c.Values {
		quoted[i] = i18n.T(lang, "scoring.quote", v)
	}
	vals := strings.Join(quoted, i18n.T(lang, "scoring.or"))
	if c.Op == crm.OpGTE || c.Op == crm.OpLTE {
		vals = strings.Join(c.Values, "")
	}
	key := "scoring.text." + c.Op
	if !i18n.Has(lang, key) {
		return c.Describe()
	}
	return i18n.T(lang, key, field, vals)
}

func (s *server) scoringPageData(w http.ResponseWriter, r *http.Request, rq *req) (*page, *scoringData, error) {
	p := s.newPage(w, r, rq, "scoring.title")
	p.Section, p.Sub = "settings", "scoring"
	rules, err := s.app.ScoringRules(r.Context(), rq.actor)
	if err != nil {
		return nil, nil, err
	}
	set, version, err := s.app.ScoringSettings(r.Context())
	if err != nil {
		return nil, nil, err
	}
	d := &scoringData{Settings: set}
	for _, x := range rules {
		row := ruleRow{ScoringRule: x, Text: ruleText(rq.lang, x.Condition)}
		if x.Kind == crm.RuleFit {
			d.Fit = append(d.Fit, row)
		} else {
			d.Engagement = append(d.Engagement, row)
		}
	}
	if j, err := s.app.LatestRescoreAll(r.Context(), rq.actor); err == nil {
		d.Job = toJobView(j)
	} else if !errors.Is(err, crm.ErrNotFound) {
		return nil, nil, err
	}
	sf := newForm()
	sf.Version = version
	sf.Set("half_life_days", strconv.Itoa(set.HalfLifeDays))
	sf.Set("mql_fit_min", strconv.Itoa(set.MQLFitMin))
	sf.Set("mql_engagement_min", strconv.Itoa(set.MQLEngageMin))
	if set.MQLEnabled {
		sf.Set("mql_enabled", "1")
	}
	if set.FormMakesLead {
		sf.Set("form_makes_lead", "1")
	}
	d.SettingsForm = sf
	p.Form = newForm()
	p.Form.Set("kind", string(crm.RuleEngagement))
	p.Form.Set("field", "pageview")
	p.Form.Set("op", crm.OpPrefix)
	p.Form.Set("active", "1")
	p.Data = d
	return p, d, nil
}

func (s *server) scoringPage(w http.ResponseWriter, r *http.Request, rq *req) error {
	p, _, err := s.scoringPageData(w, r, rq)
	if err != nil {
		return err
	}
	s.render(w, r, rq, http.StatusOK, "scoring", p)
	return nil
}

// atoiField parses a whole number; a bad one is a validation error of its
// field (so the form shows it there).
func atoiField(v *crm.ValidationError, f *form, name string) int {
	raw := strings.TrimSpace(f.Get(name))
	if raw == "" {
		return 0
	}
	n, err := strconv.Atoi(raw)
	if err != nil {
		v.Add(name, "enter a whole number")
	}
	return n
}

func (s *server) scoringSettingsPost(w http.ResponseWriter, r *http.Request, rq *req) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	p, d, err := s.scoringPageData(w, r, rq)
	if err != nil {
		return err
	}
	f := submitted(r)
	d.SettingsForm, d.Posted = f, "settings"
	// The settings form's messages show on it, not on the rule form.
	p.Form = f
	v := &crm.ValidationError{}
	set := crm.ScoringSettings{HalfLifeDays: atoiField(v, f, "half_life_days"), MQLFitMin: atoiField(v, f, "mql_fit_min"),
		MQLEngageMin: atoiField(v, f, "mql_engagement_min"), MQLEnabled: f.Get("mql_enabled") != "", FormMakesLead: f.Get("form_makes_lead") != ""}
	if err := v.Err(); err != nil {
		return again(err, "scoring", p)
	}
	if _, err := s.app.PutScoringSettings(r.Context(), rq.actor, set, f.Version); err != nil {
		return again(err, "scoring", p)
	}
	return s.redirect(w, r, rq, "/settings/scoring", "flash.saved")
}

// ruleFromForm reads a rule from the rule form.
func ruleFromForm(f *form, v *crm.ValidationError) crm.ScoringRule {
	return crm.ScoringRule{Kind: crm.RuleKind(f.Get("kind")), Name: f.Get("name"), Points: atoiField(v, f, "points"),
		Cap: atoiField(v, f, "cap"), Active: f.Get("active") != "", Position: atoiField(v, f, "position"),
		Condition: crm.Condition{Field: strings.TrimSpace(f.Get("field")), Op: f.Get("op"), Values: splitLines(f.Get("values"))}}
}

func (s *server) scoringRuleCreate(w http.ResponseWriter, r *http.Request, rq *req) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	p, d, err := s.scoringPageData(w, r, rq)
	if err != nil {
		return err
	}
	f := submitted(r)
	p.Form, d.Posted = f, "rule"
	v := &crm.ValidationError{}
	rule := ruleFromForm(f, v)
	if err := v.Err(); err != nil {
		return again(err, "scoring", p)
	}
	if _, err := s.app.CreateScoringRule(r.Context(), rq.actor, rule); err != nil {
		return again(err, "scoring", p)
	}
	return s.redirect(w, r, rq, "/settings/scoring", "flash.scoring_rule_created")
}

// scoringPreview renders the condition of the rule being typed in words,
// or what is still wrong with it (htmx, on every change of the form).
func (s *server) scoringPreview(w http.ResponseWriter, r *http.Request, rq *req) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	f := submitted(r)
	v := &crm.ValidationError{}
	rule := ruleFromForm(f, v)
	rule.Normalize()
	if rule.Name == "" {
		rule.Name = "-"
	}
	p := s.newPage(nil, r, rq, "")
	d := &scoringData{}
	if err := errors.Join(v.Err(), rule.Validate()); err != nil {
		if ve, ok := crm.AsValidation(rule.Validate()); ok {
			for _, k := range []string{"kind", "field", "op", "values", "points", "cap"} {
				if m := ve.Fields[k]; m != "" {
					d.Preview = i18n.Error(rq.lang, m)
					break
				}
			}
		}
	}
	p.Data = struct {
		Text, Problem string
		Points, Cap   int
		Kind          crm.RuleKind
	}{Text: ruleText(rq.lang, rule.Condition), Problem: d.Preview, Points: rule.Points, Cap: rule.Cap, Kind: rule.Kind}
	s.renderTemplate(w, rq, http.StatusOK, "scoring", "scoring_preview", p)
	return nil
}

// scoringSuggested adds the suggested rule set (an empty workspace's
// starting point).
func (s *server) scoringSuggested(w http.ResponseWriter, r *http.Request, rq *req) error {
	for _, x := range crm.SuggestedScoringRules(rq.lang) {
		if _, err := s.app.CreateScoringRule(r.Context(), rq.actor, x); err != nil {
			return err
		}
	}
	return s.redirect(w, r, rq, "/settings/scoring", "flash.scoring_suggested")
}

// ruleForm fills the edit form of a rule.
func ruleForm(x crm.ScoringRule) *form {
	f := newForm()
	f.Version = x.Version
	f.Set("kind", string(x.Kind))
	f.Set("name", x.Name)
	f.Set("field", x.Condition.Field)
	f.Set("op", x.Condition.Op)
	f.Set("values", strings.Join(x.Condition.Values, "\n"))
	f.Set("points", strconv.Itoa(x.Points))
	f.Set("cap", strconv.Itoa(x.Cap))
	f.Set("position", strconv.Itoa(x.Position))
	if x.Active {
		f.Set("active", "1")
	}
	return f
}

func (s *server) scoringRuleForm(w http.ResponseWriter, r *http.Request, rq *req) (*page, crm.ScoringRule, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return nil, crm.ScoringRule{}, err
	}
	x, err := s.app.ScoringRule(r.Context(), rq.actor, id)
	if err != nil {
		return nil, x, err
	}
	p := s.newPage(w, r, rq, "scoring.edit")
	p.Section, p.Sub = "settings", "scoring"
	p.Form = ruleForm(x)
	p.Data = ruleRow{ScoringRule: x, Text: ruleText(rq.lang, x.Condition)}
	return p, x, nil
}

func (s *server) scoringRulePage(w http.ResponseWriter, r *http.Request, rq *req) error {
	p, _, err := s.scoringRuleForm(w, r, rq)
	if err != nil {
		return err
	}
	s.render(w, r, rq, http.StatusOK, "scoring_rule", p)
	return nil
}

func (s *server) scoringRuleUpdate(w http.ResponseWriter, r *http.Request, rq *req) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	p, x, err := s.scoringRuleForm(w, r, rq)
	if err != nil {
		return err
	}
	f := submitted(r)
	p.Form = f
	v := &crm.ValidationError{}
	next := ruleFromForm(f, v)
	if err := v.Err(); err != nil {
		return again(err, "scoring_rule", p)
	}
	if _, err := s.app.UpdateScoringRule(r.Context(), rq.actor, x.ID, f.Version, next); err != nil {
		return again(err, "scoring_rule", p)
	}
	return s.redirect(w, r, rq, "/settings/scoring", "flash.saved")
}

func (s *server) scoringRuleDelete(w http.ResponseWriter, r *http.Request, rq *req) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.app.DeleteScoringRule(r.Context(), rq.actor, id); err != nil {
		return err
	}
	return s.redirect(w, r, rq, "/settings/scoring", "flash.scoring_rule_deleted")
}

func (s *server) scoringRescore(w http.ResponseWriter, r *http.Request, rq *req) error {
	if _, err := s.app.StartRescoreAll(r.Context(), rq.actor); err != nil {
		return err
	}
	if s.wake != nil {
		s.wake()
	}
	return s.redirect(w, r, rq, "/settings/scoring#rescore", "flash.scoring_rescore_started")
}

// scoringProgress is the progress bar htmx reloads while the job runs.
func (s *server) scoringProgress(w http.ResponseWriter, r *http.Request, rq *req) error {
	p := s.newPage(nil, r, rq, "")
	d := &scoringData{}
	if j, err := s.app.LatestRescoreAll(r.Context(), rq.actor); err == nil {
		d.Job = toJobView(j)
	} else if !errors.Is(err, crm.ErrNotFound) {
		return err
	}
	p.Data = d
	s.renderTemplate(w, rq, http.StatusOK, "scoring", "scoring_progress", p)
	return nil
}

// scorePanel is the content of the score card on the contact page.
type scorePanel struct {
	ContactID int64
	V         app.ScoreView
	Fit       []scoreLine
	Eng       []scoreLine
	Loc       any
}

type scoreLine struct {
	app.PointView
	Text string
}

// contactScorePanel renders the score card of a contact (loaded by htmx
// from the contact page).
func (s *server) contactScorePanel(w http.ResponseWriter, r *http.Request, rq *req) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	v, err := s.app.ContactScore(r.Context(), rq.actor, id)
	if err != nil {
		return err
	}
	rules, err := s.app.ScoringRules(r.Context(), rq.actor)
	if err != nil {
		return err
	}
	conds := map[int64]crm.Condition{}
	for _, x := range rules {
		conds[x.ID] = x.Condition
	}
	d := scorePanel{ContactID: id, V: v}
	for _, pt := range v.Points {
		line := scoreLine{PointView: pt, Text: ruleText(rq.lang, conds[pt.RuleID])}
		if pt.Kind == crm.RuleFit {
			d.Fit = append(d.Fit, line)
		} else {
			d.Eng = append(d.Eng, line)
		}
	}
	p := s.newPage(nil, r, rq, "")
	p.Data = d
	s.renderTemplate(w, rq, http.StatusOK, "scoring", "score_panel", p)
	return nil
}

// stageTimeline describes a stage move on the timeline: from → to, and why.
func stageTimeline(lang crm.Language, e store.TimelineEntry, it *timelineItem) {
	it.Icon, it.Color = "ti-stairs-up", "bg-orange-lt"
	label := func(k string) string {
		v, _ := e.Data[k].(string)
		return choiceLabel(lang, "lifecycle.", v)
	}
	reason, _ := e.Data["reason"].(string)
	it.Detail = i18n.T(lang, "timeline.stage_detail", label("from"), label("to"), stageReason(lang, reason))
}

// fieldOptions are the fields a rule can test, for the datalist of the form.
func fieldOptions(lang crm.Language) []option {
	var out []option
	for _, f := range crm.EngagementEvents {
		out = append(out, option{f, i18n.T(lang, "scoring.field."+f)})
	}
	for _, f := range crm.FitFields {
		out = append(out, option{f, i18n.T(lang, "scoring.field."+f)})
	}
	return out
}

func opOptions(lang crm.Language) []option {
	var out []option
	for _, o := range []string{crm.OpAny, crm.OpPrefix, crm.OpContains, crm.OpNotContain, crm.OpEquals, crm.OpGTE, crm.OpLTE, crm.OpIsSet} {
		out = append(out, option{o, i18n.T(lang, "scoring.op."+o)})
	}
	return out
}

func kindOptions(lang crm.Language) []option {
	return []option{{string(crm.RuleEngagement), i18n.T(lang, "scoring.kind.engagement")}, {string(crm.RuleFit), i18n.T(lang, "scoring.kind.fit")}}
}

// scoringFuncs are the template functions of the scoring pages.
func scoringFuncs(lang crm.Language) map[string]any {
	return map[string]any{
		"scoringFields": func() []option { return fieldOptions(lang) },
		"scoringOps":    func() []option { return opOptions(lang) },
		"scoringKinds":  func() []option { return kindOptions(lang) },
		"float":         func(n int) float64 { return float64(n) },
		"stageReason":   func(r string) string { return stageReason(lang, r) },
		"points": func(n float64) string {
			if n == float64(int(n)) {
				return fmt.Sprintf("%+d", int(n))
			}
			return fmt.Sprintf("%+.1f", n)
		},
	}
}
