package web

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"renkei/internal/app"
	"renkei/internal/crm"
	"renkei/internal/i18n"
	"renkei/internal/store"
)

// activitiesRoutes are the UI routes of activities, tasks, the Today page
// and the week view.
func (s *server) activitiesRoutes() []route {
	return []route{
		{"GET", "/today", crm.PermSignedIn, s.todayPage, false},
		{"GET", "/activities/week", crm.PermReadAll, s.weekPage, false},
		{"GET", "/activities/panel", crm.PermReadAll, s.activityPanel, false},
		{"POST", "/activities", crm.PermWriteContacts, s.activityCreate, false},
		{"POST", "/activities/email", crm.PermWriteContacts, s.activityEmail, false},
		{"GET", "/activities/{file}", crm.PermReadAll, s.activityICS, false},
		{"POST", "/activities/{id}/delete", crm.PermWriteContacts, s.activityDelete, false},
		{"GET", "/tasks", crm.PermReadAll, s.tasksPage, false},
		{"POST", "/tasks", crm.PermWriteContacts, s.taskCreate, false},
		{"GET", "/tasks/{id}/edit", crm.PermWriteContacts, s.taskEdit, false},
		{"POST", "/tasks/{id}", crm.PermWriteContacts, s.taskUpdate, false},
		{"POST", "/tasks/{id}/complete", crm.PermWriteContacts, s.taskComplete, false},
		{"POST", "/tasks/{id}/delete", crm.PermWriteContacts, s.taskDelete, false},
		{"GET", "/settings/activities", crm.PermSettings, s.activitySettingsPage, false},
		{"POST", "/settings/activities", crm.PermSettings, s.activitySettingsSave, false},
	}
}

// localInput is the value of a datetime-local input for t in loc.
func localInput(t time.Time, loc *time.Location) string {
	if t.IsZero() {
		return ""
	}
	return t.In(loc).Format("2006-01-02T15:04")
}

// parseLocal reads a datetime-local value in loc ("" = zero time).
func parseLocal(v string, loc *time.Location) (time.Time, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return time.Time{}, true
	}
	for _, layout := range []string{"2006-01-02T15:04", "2006-01-02T15:04:05", "2006-01-02 15:04", time.DateOnly} {
		if t, err := time.ParseInLocation(layout, v, loc); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// ---- choices ----

func activityKindOptions(lang crm.Language) []option {
	out := make([]option, len(crm.ActivityKinds))
	for i, k := range crm.ActivityKinds {
		out[i] = option{string(k), i18n.T(lang, "activity.kind."+string(k))}
	}
	return out
}

func sideOptions(lang crm.Language, withDefault bool) []option {
	var out []option
	if withDefault {
		out = append(out, option{"", i18n.T(lang, "activity.side.default")})
	}
	return append(out, option{crm.SideSales, i18n.T(lang, "activity.side.sales")},
		option{crm.SideMarketing, i18n.T(lang, "activity.side.marketing")})
}

func outcomeOptions(lang crm.Language) []option {
	out := []option{{"", i18n.T(lang, "activity.outcome.none")}}
	for _, o := range crm.CallOutcomes {
		out = append(out, option{o, i18n.T(lang, "activity.outcome."+o)})
	}
	return out
}

func priorityOptions(lang crm.Language) []option {
	var out []option
	for _, p := range crm.Priorities {
		out = append(out, option{p, i18n.T(lang, "task.priority."+p)})
	}
	return out
}

func reminderOptions(lang crm.Language) []option {
	out := []option{{"-1", i18n.T(lang, "task.remind.none")}}
	for _, m := range []int{0, 10, 30, 60, 24 * 60} {
		out = append(out, option{strconv.Itoa(m), i18n.T(lang, fmt.Sprintf("task.remind.%d", m))})
	}
	return out
}

// ---- the panel on contact, company and deal pages ----

// recordRef names the record a panel or a form is about.
type recordRef struct {
	ContactID, CompanyID, DealID int64
}

func (r recordRef) Query() string {
	switch {
	case r.DealID != 0:
		return fmt.Sprintf("deal=%d", r.DealID)
	case r.ContactID != 0:
		return fmt.Sprintf("contact=%d", r.ContactID)
	default:
		return fmt.Sprintf("company=%d", r.CompanyID)
	}
}

func readRef(v url.Values) recordRef {
	var r recordRef
	r.ContactID, _ = strconv.ParseInt(v.Get("contact"), 10, 64)
	r.CompanyID, _ = strconv.ParseInt(v.Get("company"), 10, 64)
	r.DealID, _ = strconv.ParseInt(v.Get("deal"), 10, 64)
	switch { // one record per panel
	case r.DealID > 0:
		r.ContactID, r.CompanyID = 0, 0
	case r.ContactID > 0:
		r.CompanyID = 0
	}
	return r
}

// actItem is one activity as a list shows it.
type actItem struct {
	crm.Activity
	Icon, Color string
	Minutes     int
	MayChange   bool
}

func activityIcon(k crm.ActivityKind) (string, string) {
	switch k {
	case crm.ActCall:
		return "ti-phone", "bg-green-lt"
	case crm.ActVisit:
		return "ti-walk", "bg-orange-lt"
	case crm.ActMeeting:
		return "ti-users", "bg-blue-lt"
	case crm.ActEmail:
		return "ti-mail", "bg-cyan-lt"
	}
	return "ti-notes", "bg-secondary-lt"
}

func toItems(ac app.Actor, acts []crm.Activity) []actItem {
	out := make([]actItem, len(acts))
	for i, a := range acts {
		out[i] = actItem{Activity: a, Minutes: int(a.Duration() / time.Minute),
			MayChange: ac.User.Role == crm.RoleAdmin || ac.User.ID == a.OwnerID || ac.User.ID == a.CreatedBy}
		out[i].Icon, out[i].Color = activityIcon(a.Kind)
	}
	return out
}

// taskItem is one task as a list shows it.
type taskItem struct {
	crm.Task
	Overdue   bool
	MayChange bool
}

// RecordHref is the page of the task's linked record.
func (t taskItem) RecordHref() string {
	switch {
	case t.DealID != 0:
		return fmt.Sprintf("/deals/%d", t.DealID)
	case t.ContactID != 0:
		return fmt.Sprintf("/contacts/%d", t.ContactID)
	case t.CompanyID != 0:
		return fmt.Sprintf("/companies/%d", t.CompanyID)
	}
	return ""
}

// todayLead is a lead of the Today page with its SLA clock as text.
type todayLead struct {
	app.LeadView
	Clock string
}

func toTaskItems(ac app.Actor, ts []crm.Task, now time.Time) []taskItem {
	out := make([]taskItem, len(ts))
	for i, t := range ts {
		out[i] = taskItem{Task: t, Overdue: t.Overdue(now),
			MayChange: ac.User.Role == crm.RoleAdmin || ac.User.ID == t.OwnerID || ac.User.ID == t.CreatedBy}
	}
	return out
}

// panelData is the content of the activities card.
type panelData struct {
	Ref        recordRef
	Activities []actItem
	Tasks      []taskItem
	CanWrite   bool
	EmailTo    string // the contact's address, when e-mail can be written
	Act        *form
	Task       *form
	Mail       *form
	Sent       string // a translated confirmation after a save
	Kinds      []option
	Sides      []option
	Outcomes   []option
	Priorities []option
	Reminders  []option
}

func (s *server) newPanel(r *http.Request, rq *req, ref recordRef, loc *time.Location) (*panelData, error) {
	ctx := r.Context()
	now := s.app.Clock()
	d := &panelData{Ref: ref, CanWrite: rq.actor.Can(crm.PermWriteContacts), Kinds: activityKindOptions(rq.lang),
		Sides: sideOptions(rq.lang, false), Outcomes: outcomeOptions(rq.lang), Priorities: priorityOptions(rq.lang),
		Reminders: reminderOptions(rq.lang), Act: newForm(), Task: newForm(), Mail: newForm()}
	sides, _, err := s.app.ActivitySides(ctx)
	if err != nil {
		return nil, err
	}
	d.Act.Set("kind", string(crm.ActCall))
	d.Act.Set("side", sides.SideFor(crm.ActCall, rq.actor.User.Role))
	d.Act.Set("starts_at", localInput(now, loc))
	d.Task.Set("priority", crm.PriorityNormal)
	d.Task.Set("remind_minutes", "30")
	d.Task.Set("due_at", localInput(now.Add(24*time.Hour), loc))
	acts, _, err := s.app.ListActivities(ctx, rq.actor, store.ActivityQuery{ContactID: ref.ContactID,
		CompanyID: ref.CompanyID, DealID: ref.DealID, Limit: 50})
	if err != nil {
		return nil, err
	}
	d.Activities = toItems(rq.actor, acts)
	tasks, _, err := s.app.ListTasks(ctx, rq.actor, store.TaskQuery{ContactID: ref.ContactID, CompanyID: ref.CompanyID,
		DealID: ref.DealID, View: string(app.TasksOpen), Limit: 50})
	if err != nil {
		return nil, err
	}
	d.Tasks = toTaskItems(rq.actor, tasks, now)
	contactID := ref.ContactID
	if ref.DealID != 0 {
		if deal, err := s.app.Deal(ctx, rq.actor, ref.DealID); err == nil {
			contactID = deal.ContactID
		}
	}
	if contactID != 0 {
		if c, err := s.app.Contact(ctx, rq.actor, contactID); err == nil {
			d.EmailTo = c.Email
		}
	}
	return d, nil
}

// renderPanel writes the activities card (an htmx fragment).
func (s *server) renderPanel(w http.ResponseWriter, r *http.Request, rq *req, code int, d *panelData) {
	p := s.newPage(nil, r, rq, "")
	p.Data = d
	s.renderTemplate(w, rq, code, "activities_panel", "actpanel", p)
}

func (s *server) activityPanel(w http.ResponseWriter, r *http.Request, rq *req) error {
	ref := readRef(r.URL.Query())
	if ref == (recordRef{}) {
		return crm.ErrNotFound
	}
	p := s.newPage(nil, r, rq, "")
	d, err := s.newPanel(r, rq, ref, p.Loc)
	if err != nil {
		return err
	}
	s.renderPanel(w, r, rq, http.StatusOK, d)
	return nil
}

// panelFailure shows the panel again with the messages of one of its
// forms (422), or returns err when it is not about the input.
func (s *server) panelFailure(w http.ResponseWriter, r *http.Request, rq *req, ref recordRef, which string, err error, rename map[string]string) error {
	v, ok := crm.AsValidation(err)
	if !ok {
		return err
	}
	p := s.newPage(nil, r, rq, "")
	d, lerr := s.newPanel(r, rq, ref, p.Loc)
	if lerr != nil {
		return lerr
	}
	f := submitted(r)
	f.Alert = i18n.T(rq.lang, "form.invalid")
	for field, msg := range v.Fields {
		if n, ok := rename[field]; ok {
			field = n
		}
		if field == "" || field == "to" || field == "from" || field == "contact_id" {
			f.Alert = i18n.Error(rq.lang, msg)
			continue
		}
		f.setError(field, i18n.Error(rq.lang, msg))
	}
	switch which {
	case "task":
		d.Task = f
	case "mail":
		d.Mail = f
	default:
		d.Act = f
	}
	s.renderPanel(w, r, rq, http.StatusUnprocessableEntity, d)
	return nil
}

// panelDone answers a successful panel form: the fresh panel for htmx,
// a redirect to the record's page otherwise.
func (s *server) panelDone(w http.ResponseWriter, r *http.Request, rq *req, ref recordRef, flash string) error {
	if r.Header.Get("HX-Request") != "true" {
		return s.redirect(w, r, rq, refPage(ref, r.PostFormValue("back")), flash)
	}
	p := s.newPage(nil, r, rq, "")
	d, err := s.newPanel(r, rq, ref, p.Loc)
	if err != nil {
		return err
	}
	d.Sent = i18n.T(rq.lang, flash)
	s.renderPanel(w, r, rq, http.StatusOK, d)
	return nil
}

// refPage is the page of a record (or a local back path).
func refPage(ref recordRef, back string) string {
	switch {
	case ref.DealID != 0:
		return fmt.Sprintf("/deals/%d", ref.DealID)
	case ref.ContactID != 0:
		return fmt.Sprintf("/contacts/%d", ref.ContactID)
	case ref.CompanyID != 0:
		return fmt.Sprintf("/companies/%d", ref.CompanyID)
	}
	return localPath(back, "/today")
}

func postedRef(r *http.Request) recordRef {
	return readRef(url.Values{"contact": {r.PostFormValue("contact")}, "company": {r.PostFormValue("company")},
		"deal": {r.PostFormValue("deal")}})
}

func (s *server) activityCreate(w http.ResponseWriter, r *http.Request, rq *req) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	ref := postedRef(r)
	p := s.newPage(nil, r, rq, "")
	in := crm.Activity{Kind: crm.ActivityKind(r.PostFormValue("kind")), Side: r.PostFormValue("side"),
		Subject: r.PostFormValue("subject"), Body: r.PostFormValue("body"), Location: r.PostFormValue("location"),
		Outcome: r.PostFormValue("outcome"), ContactID: ref.ContactID, CompanyID: ref.CompanyID, DealID: ref.DealID}
	if in.Kind != crm.ActCall {
		in.Outcome = ""
	}
	v := &crm.ValidationError{}
	var ok bool
	if in.StartsAt, ok = parseLocal(r.PostFormValue("starts_at"), p.Loc); !ok {
		v.Add("starts_at", "enter a date and time")
	}
	if in.Kind.HasEnd() {
		if in.EndsAt, ok = parseLocal(r.PostFormValue("ends_at"), p.Loc); !ok {
			v.Add("ends_at", "enter a date and time")
		}
	}
	err := v.Err()
	if err == nil {
		_, err = s.app.CreateActivity(r.Context(), rq.actor, in)
	}
	if err != nil {
		return s.panelFailure(w, r, rq, ref, "act", err, nil)
	}
	return s.panelDone(w, r, rq, ref, "flash.activity_logged")
}

func (s *server) activityEmail(w http.ResponseWriter, r *http.Request, rq *req) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	ref := postedRef(r)
	in := app.EmailInput{ContactID: ref.ContactID, DealID: ref.DealID, Subject: r.PostFormValue("mail_subject"),
		Body: r.PostFormValue("mail_body")}
	if ref.DealID != 0 {
		deal, err := s.app.Deal(r.Context(), rq.actor, ref.DealID)
		if err != nil {
			return err
		}
		in.ContactID = deal.ContactID
	}
	if _, err := s.app.SendEmail(r.Context(), rq.actor, in); err != nil {
		return s.panelFailure(w, r, rq, ref, "mail", err, map[string]string{"subject": "mail_subject", "body": "mail_body"})
	}
	return s.panelDone(w, r, rq, ref, "flash.email_sent")
}

func (s *server) activityDelete(w http.ResponseWriter, r *http.Request, rq *req) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.app.DeleteActivity(r.Context(), rq.actor, id); err != nil {
		return err
	}
	return s.panelDone(w, r, rq, postedRef(r), "flash.activity_deleted")
}

// activityICS downloads a meeting or visit as /activities/{id}.ics.
func (s *server) activityICS(w http.ResponseWriter, r *http.Request, rq *req) error {
	name, ok := strings.CutSuffix(r.PathValue("file"), ".ics")
	id, err := strconv.ParseInt(name, 10, 64)
	if !ok || err != nil || id <= 0 {
		return crm.ErrNotFound
	}
	data, _, err := s.app.ActivityICS(r.Context(), rq.actor, id)
	if err != nil {
		return err
	}
	h := w.Header()
	h.Set("Content-Type", "text/calendar; charset=utf-8")
	h.Set("Content-Disposition", fmt.Sprintf(`attachment; filename="activity-%d.ics"`, id))
	h.Set("Cache-Control", "no-store")
	w.Write(data)
	return nil
}

// ---- tasks ----

func (s *server) taskInput(r *http.Request, loc *time.Location) (crm.Task, error) {
	t := crm.Task{Title: r.PostFormValue("title"), Notes: r.PostFormValue("notes"), Priority: r.PostFormValue("priority")}
	ref := postedRef(r)
	t.ContactID, t.CompanyID, t.DealID = ref.ContactID, ref.CompanyID, ref.DealID
	v := &crm.ValidationError{}
	var ok bool
	if t.DueAt, ok = parseLocal(r.PostFormValue("due_at"), loc); !ok {
		v.Add("due_at", "enter a date and time")
	}
	t.RemindMinutes = -1
	if m := r.PostFormValue("remind_minutes"); m != "" {
		n, err := strconv.Atoi(m)
		if err != nil {
			v.Add("remind_minutes", "choose a reminder")
		}
		t.RemindMinutes = n
	}
	if o := r.PostFormValue("owner_id"); o != "" {
		t.OwnerID, _ = strconv.ParseInt(o, 10, 64)
	}
	return t, v.Err()
}

func (s *server) taskCreate(w http.ResponseWriter, r *http.Request, rq *req) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	p := s.newPage(nil, r, rq, "")
	ref := postedRef(r)
	t, err := s.taskInput(r, p.Loc)
	if err == nil {
		_, err = s.app.CreateTask(r.Context(), rq.actor, t)
	}
	if err != nil {
		if ref == (recordRef{}) && r.PostFormValue("back") == "/today" {
			return s.todayAgain(w, r, rq, err)
		}
		return s.panelFailure(w, r, rq, ref, "task", err, nil)
	}
	if ref == (recordRef{}) {
		return s.redirect(w, r, rq, localPath(r.PostFormValue("back"), "/today"), "flash.task_added")
	}
	return s.panelDone(w, r, rq, ref, "flash.task_added")
}

func (s *server) taskComplete(w http.ResponseWriter, r *http.Request, rq *req) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	done := r.PostFormValue("done") != "0"
	if _, err := s.app.CompleteTask(r.Context(), rq.actor, id, 0, done); err != nil {
		return err
	}
	flash := "flash.task_done"
	if !done {
		flash = "flash.task_reopened"
	}
	ref := postedRef(r)
	if ref == (recordRef{}) {
		return s.redirect(w, r, rq, localPath(r.PostFormValue("back"), "/today"), flash)
	}
	return s.panelDone(w, r, rq, ref, flash)
}

func (s *server) taskDelete(w http.ResponseWriter, r *http.Request, rq *req) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.app.DeleteTask(r.Context(), rq.actor, id); err != nil {
		return err
	}
	return s.redirect(w, r, rq, localPath(r.PostFormValue("back"), "/tasks"), "flash.task_deleted")
}

// taskFormData is the content of the task edit page.
type taskFormData struct {
	Task       crm.Task
	Priorities []option
	Reminders  []option
	Owners     []option
}

func (s *server) taskFormPage(w http.ResponseWriter, r *http.Request, rq *req, t crm.Task) (*page, error) {
	p := s.newPage(w, r, rq, "task.edit")
	p.Section = "sales"
	dir, err := s.loadDirectory(r.Context(), rq)
	if err != nil {
		return nil, err
	}
	d := &taskFormData{Task: t, Priorities: priorityOptions(rq.lang), Reminders: reminderOptions(rq.lang)}
	for _, u := range dir.Users {
		d.Owners = append(d.Owners, option{strconv.FormatInt(u.ID, 10), u.Name})
	}
	p.Data = d
	return p, nil
}

func (s *server) taskEdit(w http.ResponseWriter, r *http.Request, rq *req) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	t, err := s.app.Task(r.Context(), rq.actor, id)
	if err != nil {
		return err
	}
	p, err := s.taskFormPage(w, r, rq, t)
	if err != nil {
		return err
	}
	f := newForm()
	f.Version = t.Version
	f.Set("title", t.Title)
	f.Set("notes", t.Notes)
	f.Set("due_at", localInput(t.DueAt, p.Loc))
	f.Set("priority", t.Priority)
	f.Set("remind_minutes", strconv.Itoa(t.RemindMinutes))
	f.Set("owner_id", strconv.FormatInt(t.OwnerID, 10))
	f.Set("back", localPath(r.URL.Query().Get("back"), "/tasks"))
	p.Form = f
	s.render(w, r, rq, http.StatusOK, "activities_task", p)
	return nil
}

func (s *server) taskUpdate(w http.ResponseWriter, r *http.Request, rq *req) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	old, err := s.app.Task(r.Context(), rq.actor, id)
	if err != nil {
		return err
	}
	p, err := s.taskFormPage(w, r, rq, old)
	if err != nil {
		return err
	}
	p.Form = submitted(r)
	t, err := s.taskInput(r, p.Loc)
	t.ContactID, t.CompanyID, t.DealID = old.ContactID, old.CompanyID, old.DealID
	if err == nil {
		_, err = s.app.UpdateTask(r.Context(), rq.actor, id, p.Form.Version, t)
	}
	if errors.Is(err, crm.ErrStale) {
		return again(err, "activities_task", p)
	}
	if err != nil {
		return again(err, "activities_task", p)
	}
	return s.redirect(w, r, rq, localPath(r.PostFormValue("back"), "/tasks"), "flash.saved")
}

// tasksData is the content of the task lists page.
type tasksData struct {
	View  string
	Views []string
	Tasks []taskItem
	More  bool
}

func (s *server) tasksPage(w http.ResponseWriter, r *http.Request, rq *req) error {
	view := r.URL.Query().Get("view")
	if view == "" {
		view = string(app.TasksOpen)
	}
	ts, more, err := s.app.ListTasks(r.Context(), rq.actor, store.TaskQuery{OwnerID: rq.actor.User.ID, View: view, Limit: 200})
	if err != nil {
		return err
	}
	p := s.newPage(w, r, rq, "tasks.title")
	p.Section = "sales"
	d := &tasksData{View: view, Tasks: toTaskItems(rq.actor, ts, s.app.Clock()), More: more}
	for _, v := range app.TaskViews {
		d.Views = append(d.Views, string(v))
	}
	p.Data = d
	s.render(w, r, rq, http.StatusOK, "activities_tasks", p)
	return nil
}

// ---- Today ----

// todayData is the content of the Today page.
type todayData struct {
	app.Today
	Overdue    []taskItem
	Due        []taskItem
	Priorities []option
	Reminders  []option
	Stages     map[int64]crm.Stage
	Week       weekChart
	LeadRows   []todayLead
}

func (s *server) todayPage(w http.ResponseWriter, r *http.Request, rq *req) error {
	return s.renderToday(w, r, rq, http.StatusOK, nil)
}

func (s *server) todayAgain(w http.ResponseWriter, r *http.Request, rq *req, err error) error {
	v, ok := crm.AsValidation(err)
	if !ok {
		return err
	}
	f := submitted(r)
	f.Alert = i18n.T(rq.lang, "form.invalid")
	for field, msg := range v.Fields {
		f.setError(field, i18n.Error(rq.lang, msg))
	}
	return s.renderToday(w, r, rq, http.StatusUnprocessableEntity, f)
}

func (s *server) todayPageData(w http.ResponseWriter, r *http.Request, rq *req, f *form) *page {
	p := s.newPage(w, r, rq, "today.title")
	p.Section = "home"
	if f == nil {
		f = newForm()
		f.Set("priority", crm.PriorityNormal)
		f.Set("remind_minutes", "30")
		f.Set("due_at", localInput(s.app.Clock().Add(2*time.Hour).Truncate(time.Hour), p.Loc))
	}
	p.Form = f
	return p
}

func (s *server) renderToday(w http.ResponseWriter, r *http.Request, rq *req, code int, f *form) error {
	ctx := r.Context()
	p := s.todayPageData(w, r, rq, f)
	td, err := s.app.Today(ctx, rq.actor)
	if err != nil {
		return err
	}
	now := s.app.Clock()
	d := &todayData{Today: td, Overdue: toTaskItems(rq.actor, td.Overdue, now), Due: toTaskItems(rq.actor, td.Due, now),
		Priorities: priorityOptions(rq.lang), Reminders: reminderOptions(rq.lang), Stages: map[int64]crm.Stage{}}
	for _, l := range td.Leads {
		left := l.Left
		if left < 0 {
			left = -left
		}
		d.LeadRows = append(d.LeadRows, todayLead{LeadView: l, Clock: businessLeft(rq.lang, left)})
	}
	ps, err := s.app.Pipelines(ctx, rq.actor)
	if err != nil {
		return err
	}
	for _, pl := range ps {
		for _, st := range pl.Stages {
			d.Stages[st.ID] = st
		}
	}
	wk, err := s.app.WeekSplit(ctx, rq.actor, rq.actor.User.ID, now)
	if err != nil {
		return err
	}
	d.Week = newWeekChart(rq.lang, wk)
	p.Data = d
	s.render(w, r, rq, code, "activities_today", p)
	return nil
}

// ---- the week view ----

// weekBar is one day of the week chart: two stacked bars.
type weekBar struct {
	Label                  string
	X, W                   int
	YM, HM, YS, HS         int // marketing and sales rectangles
	Marketing, Sales       app.SideDay
	MarketingTxt, SalesTxt string
}

// weekChart is the server-drawn SVG of a week's split.
type weekChart struct {
	app.Week
	W, H         int
	Bars         []weekBar
	ByMinutes    bool // bars show minutes when any activity had a length, counts otherwise
	MarketingPct int
	// MarketingTime and SalesTime are the week's hours, one decimal.
	MarketingTime, SalesTime string
	Prev, Next               string
	Label                    string
}

func newWeekChart(lang crm.Language, w app.Week) weekChart {
	c := weekChart{Week: w, W: 700, H: 200}
	c.ByMinutes = w.Marketing.Minutes+w.Sales.Minutes > 0
	val := func(d app.SideDay) int {
		if c.ByMinutes {
			return d.Minutes
		}
		return d.Count
	}
	top := 1
	for _, d := range w.Days {
		top = max(top, val(d.Marketing)+val(d.Sales))
	}
	if total := val(w.Marketing) + val(w.Sales); total > 0 {
		c.MarketingPct = val(w.Marketing) * 100 / total
	}
	const base, plot = 180, 160
	for i, d := range w.Days {
		b := weekBar{Label: i18n.DateWeekday(lang, d.Day), X: 20 + i*97, W: 60, Marketing: d.Marketing, Sales: d.Sales}
		b.HS = val(d.Sales) * plot / top
		b.HM = val(d.Marketing) * plot / top
		b.YS = base - b.HS
		b.YM = b.YS - b.HM
		c.Bars = append(c.Bars, b)
	}
	c.MarketingTime = strconv.FormatFloat(float64(w.Marketing.Minutes)/60, 'f', 1, 64)
	c.SalesTime = strconv.FormatFloat(float64(w.Sales.Minutes)/60, 'f', 1, 64)
	c.Prev = w.Start.AddDate(0, 0, -7).Format(time.DateOnly)
	c.Next = w.Start.AddDate(0, 0, 7).Format(time.DateOnly)
	c.Label = i18n.Date(lang, w.Start) + " – " + i18n.Date(lang, w.Start.AddDate(0, 0, 6))
	return c
}

// weekData is the content of the week page.
type weekData struct {
	Chart      weekChart
	Activities []actItem
	Owner      int64
	Owners     []option
}

func (s *server) weekPage(w http.ResponseWriter, r *http.Request, rq *req) error {
	ctx := r.Context()
	p := s.newPage(w, r, rq, "week.title")
	p.Section = "reports"
	day := s.app.Clock()
	if v := r.URL.Query().Get("week"); v != "" {
		t, err := time.ParseInLocation(time.DateOnly, v, p.Loc)
		if err != nil {
			return crm.Invalid("week", "choose a date such as 2026-04-06")
		}
		day = t.Add(12 * time.Hour)
	}
	owner := rq.actor.User.ID
	if v, err := strconv.ParseInt(r.URL.Query().Get("owner"), 10, 64); err == nil && v > 0 {
		owner = v
	}
	wk, err := s.app.WeekSplit(ctx, rq.actor, owner, day)
	if err != nil {
		return err
	}
	dir, err := s.loadDirectory(ctx, rq)
	if err != nil {
		return err
	}
	d := &weekData{Chart: newWeekChart(rq.lang, wk), Activities: toItems(rq.actor, wk.Activities), Owner: owner}
	for _, u := range dir.Users {
		d.Owners = append(d.Owners, option{strconv.FormatInt(u.ID, 10), u.Name})
	}
	p.Data = d
	s.render(w, r, rq, http.StatusOK, "activities_week", p)
	return nil
}

// ---- settings: the default side per kind ----

type sideSetting struct {
	Kind  string
	Label string
	Value string
}

func (s *server) activitySettingsPage(w http.ResponseWriter, r *http.Request, rq *req) error {
	sides, v, err := s.app.ActivitySides(r.Context())
	if err != nil {
		return err
	}
	p := s.newPage(w, r, rq, "activity.settings.title")
	p.Section, p.Sub = "settings", "activities"
	f := newForm()
	f.Version = v
	for _, k := range crm.ActivityKinds {
		f.Set("side_"+string(k), sides[k])
	}
	p.Form = f
	p.Data = s.sideSettings(rq)
	s.render(w, r, rq, http.StatusOK, "activities_settings", p)
	return nil
}

func (s *server) sideSettings(rq *req) map[string]any {
	var rows []sideSetting
	for _, k := range crm.ActivityKinds {
		rows = append(rows, sideSetting{Kind: "side_" + string(k), Label: i18n.T(rq.lang, "activity.kind."+string(k))})
	}
	return map[string]any{"Rows": rows, "Sides": sideOptions(rq.lang, true)}
}

func (s *server) activitySettingsSave(w http.ResponseWriter, r *http.Request, rq *req) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	f := submitted(r)
	sides := crm.ActivitySides{}
	for _, k := range crm.ActivityKinds {
		sides[k] = f.Get("side_" + string(k))
	}
	if _, err := s.app.UpdateActivitySides(r.Context(), rq.actor, sides, f.Version); err != nil {
		p := s.newPage(w, r, rq, "activity.settings.title")
		p.Section, p.Sub = "settings", "activities"
		p.Form = f
		p.Data = s.sideSettings(rq)
		return again(err, "activities_settings", p)
	}
	return s.redirect(w, r, rq, "/settings/activities", "flash.saved")
}

// activityTimeline describes a logged activity on a timeline: its kind as
// the title, the subject (and a call's outcome) as the detail.
func activityTimeline(lang crm.Language, e store.TimelineEntry, it *timelineItem) {
	str := func(k string) string {
		v, _ := e.Data[k].(string)
		return v
	}
	kind := crm.ActivityKind(str("kind"))
	it.Icon, it.Color = activityIcon(kind)
	if k := "activity.kind." + string(kind); i18n.Has(lang, k) {
		it.Title = i18n.T(lang, k)
	}
	if side := str("side"); side != "" {
		it.Title += " · " + i18n.T(lang, "activity.side."+side)
	}
	it.Detail = str("subject")
	if o := str("outcome"); o != "" && i18n.Has(lang, "activity.outcome."+o) {
		it.Detail += " (" + i18n.T(lang, "activity.outcome."+o) + ")"
	}
	if to := str("to"); to != "" {
		it.Detail += " → " + to
	}
}
