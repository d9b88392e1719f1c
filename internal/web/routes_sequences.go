package web

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"renkei/internal/app"
	"renkei/internal/crm"
	"renkei/internal/i18n"
)

// sequencesRoutes are the UI routes of sequences (Marketing → Sequences,
// 育成シナリオ) and the sequences card of the contact page.
func (s *server) sequencesRoutes() []route {
	return []route{
		{"GET", "/marketing/sequences", crm.PermReadAll, s.sequencesPage, false},
		{"POST", "/marketing/sequences", crm.PermWriteMarketing, s.sequenceCreate, false},
		{"GET", "/marketing/sequences/new", crm.PermWriteMarketing, s.sequenceNew, false},
		{"GET", "/marketing/sequences/{id}", crm.PermReadAll, s.sequencePage, false},
		{"POST", "/marketing/sequences/{id}", crm.PermWriteMarketing, s.sequenceUpdate, false},
		{"GET", "/marketing/sequences/{id}/edit", crm.PermWriteMarketing, s.sequenceEdit, false},
		{"POST", "/marketing/sequences/{id}/activate", crm.PermWriteMarketing, s.sequenceActivate, false},
		{"POST", "/marketing/sequences/{id}/pause", crm.PermWriteMarketing, s.sequenceMove((*app.App).PauseSequence), false},
		{"POST", "/marketing/sequences/{id}/archive", crm.PermWriteMarketing, s.sequenceMove((*app.App).ArchiveSequence), false},
		{"POST", "/marketing/sequences/{id}/delete", crm.PermWriteMarketing, s.sequenceDelete, false},
		{"GET", "/contacts/{id}/sequences", crm.PermReadAll, s.contactSequencesPanel, false},
		{"POST", "/contacts/{id}/sequences", crm.PermWriteMarketing, s.contactEnrol, false},
		{"GET", "/marketing/broadcasts/{id}/followed", crm.PermReadAll, s.broadcastFollowed, false},
	}
}

type sequenceRow struct {
	crm.Sequence
	Enrolled, Active, Holdout int
}

func (s *server) sequencesPage(w http.ResponseWriter, r *http.Request, rq *req) error {
	qs, err := s.app.Sequences(r.Context(), rq.actor)
	if err != nil {
		return err
	}
	rows := []sequenceRow{}
	for _, q := range qs {
		c, err := s.app.SequenceCounts(r.Context(), rq.actor, q.ID)
		if err != nil {
			return err
		}
		rows = append(rows, sequenceRow{Sequence: q, Enrolled: c.Enrolled, Active: c.Active, Holdout: c.Holdout})
	}
	p := s.newPage(w, r, rq, "sequences.title")
	p.Section = "marketing"
	p.Data = rows
	s.render(w, r, rq, http.StatusOK, "sequences_list", p)
	return nil
}

// ---- the editor ----

// stepRow is one step of the editor: its number and the branch targets a
// condition may choose (the later steps).
type stepRow struct {
	N       int
	Kind    string
	Last    bool
	Targets []option
}

// sequenceFormData are the choices of the editor.
type sequenceFormData struct {
	ID        int64
	Status    crm.SequenceStatus
	Steps     []stepRow
	Kinds     []option
	Conds     []option
	Segments  []option
	Forms     []option
	Templates []option
	Props     []option
}

func (s *server) sequenceFormPage(w http.ResponseWriter, r *http.Request, rq *req, id int64, status crm.SequenceStatus, f *form) (*page, error) {
	ctx := r.Context()
	d := sequenceFormData{ID: id, Status: status}
	gs, err := s.app.Segments(ctx, rq.actor)
	if err != nil {
		return nil, err
	}
	for _, g := range gs {
		d.Segments = append(d.Segments, option{Value: strconv.FormatInt(g.ID, 10), Label: g.Name})
	}
	ts, err := s.app.EmailTemplates(ctx, rq.actor)
	if err != nil {
		return nil, err
	}
	for _, t := range ts {
		d.Templates = append(d.Templates, option{Value: strconv.FormatInt(t.ID, 10), Label: t.Name})
	}
	fs, err := s.app.Forms(ctx, rq.actor)
	if err != nil {
		return nil, err
	}
	for _, fm := range fs {
		d.Forms = append(d.Forms, option{Value: strconv.FormatInt(fm.ID, 10), Label: fm.Name})
	}
	defs, err := s.app.Properties(ctx, rq.actor, "contact")
	if err != nil {
		return nil, err
	}
	for _, p := range defs {
		d.Props = append(d.Props, option{Value: p.Key, Label: p.Key})
	}
	for _, k := range crm.StepKinds {
		d.Kinds = append(d.Kinds, option{Value: k, Label: i18n.T(rq.lang, "sequences.step."+k)})
	}
	for _, c := range crm.CondKinds {
		d.Conds = append(d.Conds, option{Value: c, Label: i18n.T(rq.lang, "sequences.cond."+c)})
	}
	n := stepCount(f)
	for i := 1; i <= n; i++ {
		row := stepRow{N: i, Kind: f.Get(fmt.Sprintf("steps.%d.kind", i)), Last: i == n}
		row.Targets = []option{{"0", i18n.T(rq.lang, "sequences.go_next")}, {"-1", i18n.T(rq.lang, "sequences.go_exit")}}
		for j := i + 1; j <= n; j++ {
			row.Targets = append(row.Targets, option{strconv.Itoa(j), i18n.T(rq.lang, "sequences.go_step", j)})
		}
		d.Steps = append(d.Steps, row)
	}
	title := "sequences.new"
	if id != 0 {
		title = "sequences.edit"
	}
	p := s.newPage(w, r, rq, title)
	p.Section = "marketing"
	p.Form = f
	p.Data = d
	return p, nil
}

// stepCount is the number of steps in the form (steps.1.kind, steps.2.kind, …).
func stepCount(f *form) int {
	n := 0
	for n < crm.MaxSequenceSteps+1 && f.Get(fmt.Sprintf("steps.%d.kind", n+1)) != "" {
		n++
	}
	return n
}

func sequenceForm(q crm.Sequence) *form {
	f := newForm()
	f.Version = q.Version
	f.Set("name", q.Name)
	f.Set("from_name", q.FromName)
	f.Set("topic", q.Topic)
	f.Set("holdout_pct", strconv.Itoa(q.HoldoutPct))
	for k, on := range map[string]bool{"as_owner": q.AsOwner, "exit_on_reply": q.ExitOnReply, "exit_on_mql": q.ExitOnMQL,
		"exit_on_unsubscribe": q.ExitOnUnsubscribe, "exit_on_deal": q.ExitOnDeal} {
		if on {
			f.Set(k, "1")
		}
	}
	if q.SegmentID != 0 {
		f.Set("segment_id", strconv.FormatInt(q.SegmentID, 10))
	}
	if q.FormID != 0 {
		f.Set("form_id", strconv.FormatInt(q.FormID, 10))
	}
	setSteps(f, q.Steps)
	return f
}

// setSteps writes the steps into the form, replacing those there.
func setSteps(f *form, steps []crm.SequenceStep) {
	for k := range f.Values {
		if strings.HasPrefix(k, "steps.") {
			delete(f.Values, k)
		}
	}
	for i, st := range steps {
		p := fmt.Sprintf("steps.%d.", i+1)
		id := func(v int64) string {
			if v == 0 {
				return ""
			}
			return strconv.FormatInt(v, 10)
		}
		num := func(v int) string {
			if v == 0 {
				return ""
			}
			return strconv.Itoa(v)
		}
		for k, v := range map[string]string{"id": id(st.ID), "kind": st.Kind, "subject": st.Subject, "html": st.HTML,
			"template_id": id(st.TemplateID), "wait_days": num(st.WaitDays), "wait_hours": num(st.WaitHours), "cond": st.Cond,
			"cond_value": st.CondValue, "cond_days": num(st.CondDays), "segment_id": id(st.SegmentID),
			"then": strconv.Itoa(st.Then), "else": strconv.Itoa(st.Else), "task_title": st.TaskTitle, "task_days": num(st.TaskDays),
			"prop_key": st.PropKey, "prop_value": st.PropValue} {
			f.Set(p+k, v)
		}
	}
}

// postedSequence reads the editor; numbers that do not parse are reported
// per field.
func postedSequence(f *form) (crm.Sequence, *crm.ValidationError) {
	v := &crm.ValidationError{}
	num := func(k string) int {
		s := strings.TrimSpace(f.Get(k))
		if s == "" {
			return 0
		}
		n, err := strconv.Atoi(s)
		if err != nil {
			v.Add(k, "enter a whole number")
		}
		return n
	}
	id := func(k string) int64 {
		s := strings.TrimSpace(f.Get(k))
		if s == "" {
			return 0
		}
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n < 0 {
			v.Add(k, "choose from the list")
		}
		return n
	}
	q := crm.Sequence{Name: f.Get("name"), FromName: f.Get("from_name"), Topic: f.Get("topic"), HoldoutPct: num("holdout_pct"),
		AsOwner: f.Get("as_owner") != "", ExitOnReply: f.Get("exit_on_reply") != "", ExitOnMQL: f.Get("exit_on_mql") != "",
		ExitOnUnsubscribe: f.Get("exit_on_unsubscribe") != "", ExitOnDeal: f.Get("exit_on_deal") != "",
		SegmentID: id("segment_id"), FormID: id("form_id"), Version: f.Version}
	for i := 1; i <= stepCount(f); i++ {
		p := fmt.Sprintf("steps.%d.", i)
		q.Steps = append(q.Steps, crm.SequenceStep{ID: id(p + "id"), Kind: f.Get(p + "kind"), Subject: f.Get(p + "subject"),
			HTML: f.Get(p + "html"), TemplateID: id(p + "template_id"), WaitDays: num(p + "wait_days"), WaitHours: num(p + "wait_hours"),
			Cond: f.Get(p + "cond"), CondValue: f.Get(p + "cond_value"), CondDays: num(p + "cond_days"), SegmentID: id(p + "segment_id"),
			Then: num(p + "then"), Else: num(p + "else"), TaskTitle: f.Get(p + "task_title"), TaskDays: num(p + "task_days"),
			PropKey: f.Get(p + "prop_key"), PropValue: f.Get(p + "prop_value")})
	}
	return q, v
}

// editSteps applies an editor button (op): add a step of a kind, move a
// step up or down, or remove it. Branch targets follow the steps they
// name; a target that would point backwards becomes "next". It reports
// whether op was an edit (false: save).
func editSteps(steps []crm.SequenceStep, op, newKind string) ([]crm.SequenceStep, bool) {
	verb, arg, _ := strings.Cut(op, ":")
	n, _ := strconv.Atoi(arg)
	remap := func(fn func(t int) int) {
		for i := range steps {
			if steps[i].Kind != crm.StepCondition {
				continue
			}
			for _, t := range []*int{&steps[i].Then, &steps[i].Else} {
				if *t > 0 {
					*t = fn(*t)
					if *t <= i+1 {
						*t = crm.GoNext
					}
				}
			}
		}
	}
	switch verb {
	case "add":
		if len(steps) >= crm.MaxSequenceSteps {
			return steps, true
		}
		st := crm.SequenceStep{Kind: newKind}
		switch newKind {
		case crm.StepWait:
			st.WaitDays = 3
		case crm.StepCondition:
			st.Cond, st.Then, st.Else = crm.CondOpened, crm.GoNext, crm.GoNext
		case crm.StepTask:
			st.TaskDays = 1
		case crm.StepEmail, crm.StepProperty:
		default:
			st.Kind = crm.StepEmail
		}
		return append(steps, st), true
	case "up", "down":
		i := n - 1
		j := i - 1
		if verb == "down" {
			j = i + 1
		}
		if i < 0 || j < 0 || i >= len(steps) || j >= len(steps) {
			return steps, true
		}
		steps[i], steps[j] = steps[j], steps[i]
		a, b := i+1, j+1
		remap(func(t int) int {
			switch t {
			case a:
				return b
			case b:
				return a
			}
			return t
		})
		return steps, true
	case "remove":
		i := n - 1
		if i < 0 || i >= len(steps) {
			return steps, true
		}
		steps = append(steps[:i], steps[i+1:]...)
		remap(func(t int) int {
			switch {
			case t == n:
				return crm.GoNext
			case t > n:
				return t - 1
			}
			return t
		})
		return steps, true
	}
	return steps, false
}

func (s *server) sequenceNew(w http.ResponseWriter, r *http.Request, rq *req) error {
	f := sequenceForm(crm.Sequence{ExitOnReply: true, ExitOnMQL: true, ExitOnUnsubscribe: true, ExitOnDeal: true,
		Steps: []crm.SequenceStep{{Kind: crm.StepEmail, HTML: "<p>{{company | \"御社\"}}<br>{{family_name}} {{honorific}}</p>\n<p></p>"}}})
	p, err := s.sequenceFormPage(w, r, rq, 0, crm.SequenceDraft, f)
	if err != nil {
		return err
	}
	s.render(w, r, rq, http.StatusOK, "sequences_form", p)
	return nil
}

func (s *server) sequenceEdit(w http.ResponseWriter, r *http.Request, rq *req) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	q, err := s.app.Sequence(r.Context(), rq.actor, id)
	if err != nil {
		return err
	}
	p, err := s.sequenceFormPage(w, r, rq, id, q.Status, sequenceForm(q))
	if err != nil {
		return err
	}
	s.render(w, r, rq, http.StatusOK, "sequences_form", p)
	return nil
}

// sequenceSave handles the editor's posts: a step button re-renders the
// editor with the change (nothing is saved), the save button saves.
func (s *server) sequenceSave(w http.ResponseWriter, r *http.Request, rq *req, id int64) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	f := submitted(r)
	q, v := postedSequence(f)
	status := crm.SequenceDraft
	if id != 0 {
		old, err := s.app.Sequence(r.Context(), rq.actor, id)
		if err != nil {
			return err
		}
		status = old.Status
	}
	if steps, edited := editSteps(q.Steps, f.Get("op"), f.Get("new_kind")); edited {
		setSteps(f, steps)
		f.Values.Del("op")
		p, err := s.sequenceFormPage(w, r, rq, id, status, f)
		if err != nil {
			return err
		}
		s.render(w, r, rq, http.StatusOK, "sequences_form", p)
		return nil
	}
	var err error
	if len(v.Fields) > 0 {
		q.Normalize()
		if ve, ok := crm.AsValidation(q.Validate()); ok {
			for k, m := range ve.Fields {
				v.Add(k, m)
			}
		}
		err = v
	} else if id == 0 {
		q, err = s.app.CreateSequence(r.Context(), rq.actor, q)
	} else {
		q.ID = id
		q, err = s.app.UpdateSequence(r.Context(), rq.actor, q)
	}
	if err != nil {
		p, perr := s.sequenceFormPage(w, r, rq, id, status, f)
		if perr != nil {
			return perr
		}
		return again(err, "sequences_form", p)
	}
	return s.redirect(w, r, rq, fmt.Sprintf("/marketing/sequences/%d", q.ID), "flash.sequence_saved")
}

func (s *server) sequenceCreate(w http.ResponseWriter, r *http.Request, rq *req) error {
	return s.sequenceSave(w, r, rq, 0)
}

func (s *server) sequenceUpdate(w http.ResponseWriter, r *http.Request, rq *req) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	return s.sequenceSave(w, r, rq, id)
}

// ---- the report ----

type sequencePageData struct {
	Q          crm.Sequence
	Report     app.SequenceReport
	Enrolments []crm.Enrolment
	Reasons    []reasonCount
	Ready      string // what sending still needs ("" when ready)
	ChartJSON  string
	Days       int
}

type reasonCount struct {
	Reason string
	N      int
}

func (s *server) sequencePageOf(w http.ResponseWriter, r *http.Request, rq *req, id int64) (*page, error) {
	ctx := r.Context()
	q, err := s.app.Sequence(ctx, rq.actor, id)
	if err != nil {
		return nil, err
	}
	days := followedDays(r)
	rep, err := s.app.SequenceReport(ctx, rq.actor, id, days)
	if err != nil {
		return nil, err
	}
	es, err := s.app.SequenceEnrolments(ctx, rq.actor, id)
	if err != nil {
		return nil, err
	}
	d := sequencePageData{Q: q, Report: rep, Enrolments: es, Days: days}
	for _, reason := range crm.ExitReasons {
		if n := rep.ByReason[reason]; n > 0 {
			d.Reasons = append(d.Reasons, reasonCount{reason, n})
		}
	}
	if s.app.CheckSendingReady(ctx) != nil {
		d.Ready = "broadcasts.not_ready"
	}
	chart := map[string]any{"labels": []string{}, "enrolled": []float64{}, "holdout": []float64{},
		"enrolledLabel": i18n.T(rq.lang, "sequences.group_enrolled"), "holdoutLabel": i18n.T(rq.lang, "sequences.group_holdout")}
	for _, row := range rep.Followed.Rows {
		chart["labels"] = append(chart["labels"].([]string), i18n.T(rq.lang, "sequences.outcome."+row.Key))
		chart["enrolled"] = append(chart["enrolled"].([]float64), ratePct(row.Enrolled.Value))
		chart["holdout"] = append(chart["holdout"].([]float64), ratePct(row.Holdout.Value))
	}
	raw, _ := json.Marshal(chart)
	d.ChartJSON = string(raw)
	p := s.newPage(w, r, rq, "sequences.title")
	p.Title = q.Name
	p.Section = "marketing"
	p.Form = newForm()
	p.Data = d
	return p, nil
}

func ratePct(x float64) float64 { return float64(int(x*1000+0.5)) / 10 }

func (s *server) sequencePage(w http.ResponseWriter, r *http.Request, rq *req) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	p, err := s.sequencePageOf(w, r, rq, id)
	if err != nil {
		return err
	}
	s.render(w, r, rq, http.StatusOK, "sequences_sequence", p)
	return nil
}

// sequenceAgain shows the sequence page with the messages of err.
func (s *server) sequenceAgain(w http.ResponseWriter, r *http.Request, rq *req, id int64, err error) error {
	if _, ok := crm.AsValidation(err); !ok {
		return err
	}
	p, perr := s.sequencePageOf(w, r, rq, id)
	if perr != nil {
		return perr
	}
	return again(err, "sequences_sequence", p)
}

func (s *server) sequenceActivate(w http.ResponseWriter, r *http.Request, rq *req) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if _, err := s.app.ActivateSequence(r.Context(), rq.actor, id); err != nil {
		return s.sequenceAgain(w, r, rq, id, err)
	}
	return s.redirect(w, r, rq, fmt.Sprintf("/marketing/sequences/%d", id), "flash.sequence_activated")
}

func (s *server) sequenceMove(fn func(*app.App, context.Context, app.Actor, int64) error) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request, rq *req) error {
		if err := parseForm(w, r); err != nil {
			return err
		}
		id, err := pathID(r, "id")
		if err != nil {
			return err
		}
		if err := fn(s.app, r.Context(), rq.actor, id); err != nil {
			return s.sequenceAgain(w, r, rq, id, err)
		}
		return s.redirect(w, r, rq, fmt.Sprintf("/marketing/sequences/%d", id), "flash.sequence_changed")
	}
}

func (s *server) sequenceDelete(w http.ResponseWriter, r *http.Request, rq *req) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.app.DeleteSequence(r.Context(), rq.actor, id); err != nil {
		return s.sequenceAgain(w, r, rq, id, err)
	}
	return s.redirect(w, r, rq, "/marketing/sequences", "flash.sequence_deleted")
}

// ---- the contact page's card ----

type contactSequences struct {
	ContactID  int64
	Enrolments []crm.Enrolment
	Choices    []option // sequences the contact can be enrolled in
	CanEnrol   bool
}

func (s *server) contactSequencesPanel(w http.ResponseWriter, r *http.Request, rq *req) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	es, err := s.app.ContactSequences(r.Context(), rq.actor, id)
	if err != nil {
		return err
	}
	d := contactSequences{ContactID: id, Enrolments: es, CanEnrol: rq.actor.Can(crm.PermWriteMarketing)}
	if d.CanEnrol {
		qs, err := s.app.Sequences(r.Context(), rq.actor)
		if err != nil {
			return err
		}
		in := map[int64]bool{}
		for _, e := range es {
			in[e.SequenceID] = true
		}
		for _, q := range qs {
			if q.Status != crm.SequenceArchived && !in[q.ID] {
				d.Choices = append(d.Choices, option{Value: strconv.FormatInt(q.ID, 10), Label: q.Name})
			}
		}
	}
	p := s.newPage(nil, r, rq, "")
	p.Data = d
	s.renderTemplate(w, rq, http.StatusOK, "sequences_list", "contact_sequences", p)
	return nil
}

func (s *server) contactEnrol(w http.ResponseWriter, r *http.Request, rq *req) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	seqID, err := strconv.ParseInt(r.PostFormValue("sequence_id"), 10, 64)
	if err != nil || seqID <= 0 {
		return crm.ErrNotFound
	}
	if _, err := s.app.EnrolContacts(r.Context(), rq.actor, seqID, []int64{id}); err != nil {
		if _, ok := crm.AsValidation(err); ok {
			return s.redirect(w, r, rq, fmt.Sprintf("/contacts/%d", id), "flash.sequence_not_enrolled")
		}
		return err
	}
	return s.redirect(w, r, rq, fmt.Sprintf("/contacts/%d", id), "flash.sequence_enrolled")
}

// sequencesFuncs are the template functions of the sequence report: a
// rate as a percentage with one decimal, and a difference of rates in
// percentage points with its sign.
func sequencesFuncs() map[string]any {
	return map[string]any{
		"percent1": func(x float64) string { return strconv.FormatFloat(x*100, 'f', 1, 64) + "%" },
		"signedPoints": func(x float64) string {
			s := strconv.FormatFloat(x*100, 'f', 1, 64)
			if x >= 0 {
				s = "+" + s
			}
			return s + "pt"
		},
	}
}

// followedDays reads the window of "what followed" (?days=), 30 by default.
func followedDays(r *http.Request) int {
	if n, err := strconv.Atoi(r.URL.Query().Get("days")); err == nil && n >= 1 && n <= app.MaxFollowDays {
		return n
	}
	return app.DefaultFollowDays
}

type broadcastFollowedData struct {
	ID       int64
	Followed app.Followed
}

// broadcastFollowed is the "what followed" card of a broadcast's report,
// loaded by htmx: what its recipients did within N days of the message.
func (s *server) broadcastFollowed(w http.ResponseWriter, r *http.Request, rq *req) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	fo, err := s.app.BroadcastFollowed(r.Context(), rq.actor, id, followedDays(r))
	if err != nil {
		return err
	}
	p := s.newPage(nil, r, rq, "")
	p.Data = broadcastFollowedData{ID: id, Followed: fo}
	s.renderTemplate(w, rq, http.StatusOK, "sequences_list", "broadcast_followed", p)
	return nil
}
