package api

import (
	"fmt"
	"net/http"
	"time"

	"renkei/internal/app"
	"renkei/internal/crm"
	"renkei/internal/store"
)

// activitiesRoutes are the API endpoints of activities and tasks.
func (s *server) activitiesRoutes() []route {
	return []route{
		{method: http.MethodGet, path: "/activities", perm: crm.PermReadAll, id: "listActivities", tag: "activities",
			summary: "Activities, newest first, by contact, company, deal or owner; activities of deals you may not see are left out",
			query:   activityListQuery(), status: 200, resp: "ActivityList", handle: s.listActivities},
		{method: http.MethodPost, path: "/activities", perm: crm.PermWriteContacts, id: "createActivity", tag: "activities",
			summary: "Log a call, visit, meeting, e-mail or note; a deal's contact and company are linked too, and it goes on their timelines",
			body:    "ActivityInput", status: 201, resp: "Activity", location: true, handle: s.createActivity},
		{method: http.MethodGet, path: "/activities/{id}", perm: crm.PermReadAll, id: "getActivity", tag: "activities",
			summary: "One activity", status: 200, resp: "Activity", handle: s.getActivity},
		{method: http.MethodPatch, path: "/activities/{id}", perm: crm.PermWriteContacts, id: "updateActivity", tag: "activities",
			summary: "Change the fields sent (its owner, its author or an admin)", body: "ActivityPatch", ifMatch: true,
			status: 200, resp: "Activity", handle: s.updateActivity},
		{method: http.MethodDelete, path: "/activities/{id}", perm: crm.PermWriteContacts, id: "deleteActivity", tag: "activities",
			summary: "Delete an activity and its timeline entry", status: 204, handle: s.deleteActivity},

		{method: http.MethodGet, path: "/tasks", perm: crm.PermReadAll, id: "listTasks", tag: "tasks",
			summary: "Tasks by due time: mine (owner_id=me), overdue, today, upcoming, done, or of one record",
			query:   taskListQuery(), status: 200, resp: "TaskList", handle: s.listTasks},
		{method: http.MethodPost, path: "/tasks", perm: crm.PermWriteContacts, id: "createTask", tag: "tasks",
			summary: "Add a task (yours unless owner_id is given); a reminder sends a notification and, with mail set up, an e-mail",
			body:    "TaskInput", status: 201, resp: "Task", location: true, handle: s.createTask},
		{method: http.MethodGet, path: "/tasks/{id}", perm: crm.PermReadAll, id: "getTask", tag: "tasks",
			summary: "One task", status: 200, resp: "Task", handle: s.getTask},
		{method: http.MethodPatch, path: "/tasks/{id}", perm: crm.PermWriteContacts, id: "updateTask", tag: "tasks",
			summary: "Change the fields sent; a new due or reminder time re-arms the reminder", body: "TaskPatch", ifMatch: true,
			status: 200, resp: "Task", handle: s.updateTask},
		{method: http.MethodPost, path: "/tasks/{id}/complete", perm: crm.PermWriteContacts, id: "completeTask", tag: "tasks",
			summary: "Mark a task done, or open again with {\"done\": false}", body: "TaskComplete", bodyOptional: true,
			status: 200, resp: "Task", handle: s.completeTask},
		{method: http.MethodDelete, path: "/tasks/{id}", perm: crm.PermWriteContacts, id: "deleteTask", tag: "tasks",
			summary: "Delete a task", status: 204, handle: s.deleteTask},
	}
}

func activityListQuery() []param {
	return pageParams(
		param{name: "contact_id", desc: "About this contact.", schema: idSchema("")},
		param{name: "company_id", desc: "About this company.", schema: idSchema("")},
		param{name: "deal_id", desc: "About this deal.", schema: idSchema("")},
		param{name: "owner_id", desc: "Owned by this user; me for yourself.", schema: js{"type": "string", "pattern": "^([1-9][0-9]*|me)$"}},
		param{name: "from", desc: "Starting at or after this time.", schema: dateTime("")},
		param{name: "to", desc: "Starting before this time.", schema: dateTime("")},
	)
}

func taskListQuery() []param {
	return pageParams(
		param{name: "view", desc: "open (default), overdue, today (the workspace's day), upcoming (after today), done, or all.",
			schema: enumOf("open", "overdue", "today", "upcoming", "done", "all")},
		param{name: "owner_id", desc: "Owned by this user; me for yourself.", schema: js{"type": "string", "pattern": "^([1-9][0-9]*|me)$"}},
		param{name: "contact_id", desc: "Linked to this contact.", schema: idSchema("")},
		param{name: "company_id", desc: "Linked to this company.", schema: idSchema("")},
		param{name: "deal_id", desc: "Linked to this deal.", schema: idSchema("")},
	)
}

// ---- JSON shapes ----

type activityJSON struct {
	ID        int64      `json:"id"`
	Kind      string     `json:"kind"`
	Side      string     `json:"side"`
	Subject   string     `json:"subject"`
	Body      string     `json:"body"`
	Location  string     `json:"location"`
	Outcome   *string    `json:"outcome"`
	StartsAt  time.Time  `json:"starts_at"`
	EndsAt    *time.Time `json:"ends_at"`
	ContactID *int64     `json:"contact_id"`
	CompanyID *int64     `json:"company_id"`
	DealID    *int64     `json:"deal_id"`
	OwnerID   *int64     `json:"owner_id"`
	CreatedBy *int64     `json:"created_by"`
	EmailTo   *string    `json:"email_to"`
	CreatedAt time.Time  `json:"created_at"`
	UpdatedAt time.Time  `json:"updated_at"`
	Version   int64      `json:"version"`
}

func (a activityJSON) etag() int64 { return a.Version }

func toActivity(a crm.Activity) activityJSON {
	return activityJSON{ID: a.ID, Kind: string(a.Kind), Side: a.Side, Subject: a.Subject, Body: a.Body,
		Location: a.Location, Outcome: optText(a.Outcome), StartsAt: a.StartsAt, EndsAt: optTime(a.EndsAt),
		ContactID: optID(a.ContactID), CompanyID: optID(a.CompanyID), DealID: optID(a.DealID), OwnerID: optID(a.OwnerID),
		CreatedBy: optID(a.CreatedBy), EmailTo: optText(a.EmailTo), CreatedAt: a.CreatedAt, UpdatedAt: a.UpdatedAt,
		Version: a.Version}
}

// activityFields are the writable fields of an activity.
type activityFields struct {
	Kind      *string             `json:"kind"`
	Side      *string             `json:"side"`
	Subject   *string             `json:"subject"`
	Body      *string             `json:"body"`
	Location  *string             `json:"location"`
	Outcome   optional[string]    `json:"outcome"`
	StartsAt  *time.Time          `json:"starts_at"`
	EndsAt    optional[time.Time] `json:"ends_at"`
	ContactID optional[int64]     `json:"contact_id"`
	CompanyID optional[int64]     `json:"company_id"`
	DealID    optional[int64]     `json:"deal_id"`
	OwnerID   optional[int64]     `json:"owner_id"`
}

func (f activityFields) apply(a crm.Activity) crm.Activity {
	set := func(dst *string, src *string) {
		if src != nil {
			*dst = *src
		}
	}
	if f.Kind != nil {
		a.Kind = crm.ActivityKind(*f.Kind)
	}
	set(&a.Side, f.Side)
	set(&a.Subject, f.Subject)
	set(&a.Body, f.Body)
	set(&a.Location, f.Location)
	a.Outcome = f.Outcome.or(a.Outcome)
	if f.StartsAt != nil {
		a.StartsAt = *f.StartsAt
	}
	a.EndsAt = f.EndsAt.or(a.EndsAt)
	a.ContactID = f.ContactID.or(a.ContactID)
	a.CompanyID = f.CompanyID.or(a.CompanyID)
	a.DealID = f.DealID.or(a.DealID)
	a.OwnerID = f.OwnerID.or(a.OwnerID)
	return a
}

type taskJSON struct {
	ID            int64      `json:"id"`
	Title         string     `json:"title"`
	Notes         string     `json:"notes"`
	DueAt         time.Time  `json:"due_at"`
	OwnerID       *int64     `json:"owner_id"`
	Priority      string     `json:"priority"`
	RemindMinutes *int       `json:"remind_minutes"`
	RemindAt      *time.Time `json:"remind_at"`
	RemindedAt    *time.Time `json:"reminded_at"`
	ContactID     *int64     `json:"contact_id"`
	CompanyID     *int64     `json:"company_id"`
	DealID        *int64     `json:"deal_id"`
	Done          bool       `json:"done"`
	DoneAt        *time.Time `json:"done_at"`
	Overdue       bool       `json:"overdue"`
	CreatedBy     *int64     `json:"created_by"`
	CreatedAt     time.Time  `json:"created_at"`
	UpdatedAt     time.Time  `json:"updated_at"`
	Version       int64      `json:"version"`
}

func (t taskJSON) etag() int64 { return t.Version }

func toTask(t crm.Task, now time.Time) taskJSON {
	out := taskJSON{ID: t.ID, Title: t.Title, Notes: t.Notes, DueAt: t.DueAt, OwnerID: optID(t.OwnerID), Priority: t.Priority,
		RemindAt: optTime(t.RemindAt), RemindedAt: optTime(t.RemindedAt), ContactID: optID(t.ContactID),
		CompanyID: optID(t.CompanyID), DealID: optID(t.DealID), Done: t.Done(), DoneAt: optTime(t.DoneAt),
		Overdue: t.Overdue(now), CreatedBy: optID(t.CreatedBy), CreatedAt: t.CreatedAt, UpdatedAt: t.UpdatedAt, Version: t.Version}
	if t.RemindMinutes >= 0 {
		m := t.RemindMinutes
		out.RemindMinutes = &m
	}
	return out
}

// taskFields are the writable fields of a task.
type taskFields struct {
	Title         *string         `json:"title"`
	Notes         *string         `json:"notes"`
	DueAt         *time.Time      `json:"due_at"`
	OwnerID       optional[int64] `json:"owner_id"`
	Priority      *string         `json:"priority"`
	RemindMinutes optional[int]   `json:"remind_minutes"`
	ContactID     optional[int64] `json:"contact_id"`
	CompanyID     optional[int64] `json:"company_id"`
	DealID        optional[int64] `json:"deal_id"`
}

func (f taskFields) apply(t crm.Task) crm.Task {
	if f.Title != nil {
		t.Title = *f.Title
	}
	if f.Notes != nil {
		t.Notes = *f.Notes
	}
	if f.DueAt != nil {
		t.DueAt = *f.DueAt
	}
	t.OwnerID = f.OwnerID.or(t.OwnerID)
	if f.Priority != nil {
		t.Priority = *f.Priority
	}
	if f.RemindMinutes.Set {
		t.RemindMinutes = -1
		if !f.RemindMinutes.Null {
			t.RemindMinutes = f.RemindMinutes.V
		}
	}
	t.ContactID = f.ContactID.or(t.ContactID)
	t.CompanyID = f.CompanyID.or(t.CompanyID)
	t.DealID = f.DealID.or(t.DealID)
	return t
}

// ---- handlers: activities ----

// ownerQuery reads owner_id: a user id or me.
func ownerQuery(r *http.Request, ac app.Actor) (int64, error) {
	if r.URL.Query().Get("owner_id") == "me" {
		return ac.User.ID, nil
	}
	id, err := queryInt64(r, "owner_id")
	if err != nil {
		return 0, badField("owner_id", "must be a user id or me")
	}
	return id, nil
}

func queryTime(r *http.Request, name string) (time.Time, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return t, badField(name, "must be a time such as 2026-04-01T09:00:00+09:00")
	}
	return t, nil
}

func (s *server) listActivities(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	limit, err := parseLimit(r)
	if err != nil {
		return err
	}
	q := store.ActivityQuery{Limit: limit}
	if c := r.URL.Query().Get("cursor"); c != "" {
		parts, ok := decodeCursor(c, 2)
		if !ok || parts[1] <= 0 {
			return errBadCursor
		}
		q.BeforeAt, q.BeforeID = time.UnixMilli(parts[0]).UTC(), parts[1]
	}
	for name, dst := range map[string]*int64{"contact_id": &q.ContactID, "company_id": &q.CompanyID, "deal_id": &q.DealID} {
		if *dst, err = queryInt64(r, name); err != nil {
			return err
		}
	}
	if q.OwnerID, err = ownerQuery(r, ac); err != nil {
		return err
	}
	if q.From, err = queryTime(r, "from"); err != nil {
		return err
	}
	if q.Before, err = queryTime(r, "to"); err != nil {
		return err
	}
	acts, more, err := s.app.ListActivities(r.Context(), ac, q)
	if err != nil {
		return err
	}
	out := list[activityJSON]{Data: []activityJSON{}}
	for _, a := range acts {
		out.Data = append(out.Data, toActivity(a))
	}
	if more && len(acts) > 0 {
		last := acts[len(acts)-1]
		c := encodeCursor(last.StartsAt.UnixMilli(), last.ID)
		out.NextCursor = &c
	}
	return writeJSON(w, http.StatusOK, out)
}

func (s *server) createActivity(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	var f activityFields
	if err := decodeJSON(r, &f, false); err != nil {
		return err
	}
	a, err := s.app.CreateActivity(r.Context(), ac, f.apply(crm.Activity{}))
	if err != nil {
		return err
	}
	w.Header().Set("Location", fmt.Sprintf("%s/activities/%d", Prefix, a.ID))
	return writeJSON(w, http.StatusCreated, toActivity(a))
}

func (s *server) getActivity(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	a, err := s.app.Activity(r.Context(), ac, id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, toActivity(a))
}

func (s *server) updateActivity(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	version, err := ifMatch(r)
	if err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var f activityFields
	if err := decodeJSON(r, &f, false); err != nil {
		return err
	}
	old, err := s.app.Activity(r.Context(), ac, id)
	if err != nil {
		return err
	}
	if version != old.Version {
		return crm.ErrStale
	}
	a, err := s.app.UpdateActivity(r.Context(), ac, id, version, f.apply(old))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, toActivity(a))
}

func (s *server) deleteActivity(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.app.DeleteActivity(r.Context(), ac, id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// ---- handlers: tasks ----

func (s *server) listTasks(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	limit, err := parseLimit(r)
	if err != nil {
		return err
	}
	q := store.TaskQuery{Limit: limit}
	if c := r.URL.Query().Get("cursor"); c != "" {
		parts, ok := decodeCursor(c, 1)
		if !ok || parts[0] <= 0 {
			return errBadCursor
		}
		q.Offset = int(parts[0])
	}
	switch v := r.URL.Query().Get("view"); v {
	case "":
		q.View = string(app.TasksOpen)
	case "all":
		q.View = ""
	case "open", "overdue", "today", "upcoming", "done":
		q.View = v
	default:
		return badField("view", "must be open, overdue, today, upcoming, done or all")
	}
	for name, dst := range map[string]*int64{"contact_id": &q.ContactID, "company_id": &q.CompanyID, "deal_id": &q.DealID} {
		if *dst, err = queryInt64(r, name); err != nil {
			return err
		}
	}
	if q.OwnerID, err = ownerQuery(r, ac); err != nil {
		return err
	}
	ts, more, err := s.app.ListTasks(r.Context(), ac, q)
	if err != nil {
		return err
	}
	now := s.app.Clock()
	out := list[taskJSON]{Data: []taskJSON{}}
	for _, t := range ts {
		out.Data = append(out.Data, toTask(t, now))
	}
	if more {
		c := encodeCursor(int64(q.Offset + len(ts)))
		out.NextCursor = &c
	}
	return writeJSON(w, http.StatusOK, out)
}

func (s *server) createTask(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	var f taskFields
	if err := decodeJSON(r, &f, false); err != nil {
		return err
	}
	t, err := s.app.CreateTask(r.Context(), ac, f.apply(crm.Task{RemindMinutes: -1}))
	if err != nil {
		return err
	}
	w.Header().Set("Location", fmt.Sprintf("%s/tasks/%d", Prefix, t.ID))
	return writeJSON(w, http.StatusCreated, toTask(t, s.app.Clock()))
}

func (s *server) getTask(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	t, err := s.app.Task(r.Context(), ac, id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, toTask(t, s.app.Clock()))
}

func (s *server) updateTask(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	version, err := ifMatch(r)
	if err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var f taskFields
	if err := decodeJSON(r, &f, false); err != nil {
		return err
	}
	old, err := s.app.Task(r.Context(), ac, id)
	if err != nil {
		return err
	}
	if version != old.Version {
		return crm.ErrStale
	}
	t, err := s.app.UpdateTask(r.Context(), ac, id, version, f.apply(old))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, toTask(t, s.app.Clock()))
}

func (s *server) completeTask(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in struct {
		Done *bool `json:"done"`
	}
	if err := decodeJSON(r, &in, true); err != nil {
		return err
	}
	done := in.Done == nil || *in.Done
	t, err := s.app.CompleteTask(r.Context(), ac, id, 0, done)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, toTask(t, s.app.Clock()))
}

func (s *server) deleteTask(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.app.DeleteTask(r.Context(), ac, id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// activitiesSchemas are the OpenAPI components of activities and tasks.
func activitiesSchemas() js {
	version := integer("Increases with every change; send it back as If-Match.")
	optRef := func(desc string) js { return nullable(idSchema(desc)) }
	kinds := make([]string, len(crm.ActivityKinds))
	for i, k := range crm.ActivityKinds {
		kinds[i] = string(k)
	}
	activity := js{
		"id":         idSchema(""),
		"kind":       enumOf(kinds...),
		"side":       withDesc(enumOf(crm.SideMarketing, crm.SideSales), "Which job it served; the workspace's default per kind when left out."),
		"subject":    str(""),
		"body":       str("Notes, plain text."),
		"location":   str("Where a visit or meeting takes place."),
		"outcome":    nullable(str("Calls: connected, no_answer or voicemail.")),
		"starts_at":  dateTime(""),
		"ends_at":    nullable(dateTime("Meetings and visits.")),
		"contact_id": optRef(""),
		"company_id": optRef(""),
		"deal_id":    optRef(""),
		"owner_id":   optRef("Who did it; you by default."),
		"created_by": optRef(""),
		"email_to":   nullable(str("1:1 e-mails: the address it went to.")),
		"created_at": dateTime(""),
		"updated_at": dateTime(""),
		"version":    version,
	}
	activityIn := js{
		"kind":       enumOf(kinds...),
		"side":       enumOf(crm.SideMarketing, crm.SideSales),
		"subject":    str("Required except for notes."),
		"body":       str(""),
		"location":   str(""),
		"outcome":    nullable(js{"type": "string"}),
		"starts_at":  dateTime("Now when left out."),
		"ends_at":    nullable(dateTime("")),
		"contact_id": optRef(""),
		"company_id": optRef(""),
		"deal_id":    optRef("The deal's contact and company are linked when not given."),
		"owner_id":   optRef(""),
	}
	task := js{
		"id":             idSchema(""),
		"title":          str(""),
		"notes":          str(""),
		"due_at":         dateTime(""),
		"owner_id":       optRef(""),
		"priority":       enumOf(crm.Priorities...),
		"remind_minutes": nullable(js{"type": "integer", "minimum": 0, "maximum": crm.MaxRemindMinutes}),
		"remind_at":      nullable(dateTime("")),
		"reminded_at":    nullable(dateTime("When the reminder went out.")),
		"contact_id":     optRef(""),
		"company_id":     optRef(""),
		"deal_id":        optRef(""),
		"done":           boolean(""),
		"done_at":        nullable(dateTime("")),
		"overdue":        boolean("Open and past its due time."),
		"created_by":     optRef(""),
		"created_at":     dateTime(""),
		"updated_at":     dateTime(""),
		"version":        version,
	}
	taskIn := js{
		"title":          str(""),
		"notes":          str(""),
		"due_at":         dateTime(""),
		"owner_id":       optRef("You when left out."),
		"priority":       enumOf(crm.Priorities...),
		"remind_minutes": nullable(js{"type": "integer"}),
		"contact_id":     optRef("At most one of contact_id, company_id and deal_id."),
		"company_id":     optRef(""),
		"deal_id":        optRef(""),
	}
	return js{
		"Activity":      record(activity),
		"ActivityInput": input([]string{"kind"}, activityIn),
		"ActivityPatch": input(nil, activityIn),
		"ActivityList":  listOf("Activity"),
		"Task":          record(task),
		"TaskInput":     input([]string{"title", "due_at"}, taskIn),
		"TaskPatch":     input(nil, taskIn),
		"TaskList":      listOf("Task"),
		"TaskComplete":  input(nil, js{"done": boolean("false opens the task again; true by default.")}),
	}
}
