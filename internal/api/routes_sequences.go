package api

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"renkei/internal/app"
	"renkei/internal/crm"
)

// sequencesRoutes are the API endpoints of sequences (drip, 育成シナリオ,
// issue 8 §4).
func (s *server) sequencesRoutes() []route {
	return []route{
		{method: http.MethodGet, path: "/sequences", perm: crm.PermReadAll, id: "listSequences", tag: "sequences",
			summary: "Every sequence with its steps, newest first (at most 500)", status: 200, resp: "SequenceList", handle: s.listSequences},
		{method: http.MethodPost, path: "/sequences", perm: crm.PermWriteMarketing, id: "createSequence", tag: "sequences",
			summary: "Create a draft sequence with its steps", body: "SequenceInput", status: 201, resp: "Sequence", location: true,
			handle: s.createSequence},
		{method: http.MethodGet, path: "/sequences/{id}", perm: crm.PermReadAll, id: "getSequence", tag: "sequences",
			summary: "One sequence with its steps", status: 200, resp: "Sequence", handle: s.getSequence},
		{method: http.MethodPut, path: "/sequences/{id}", perm: crm.PermWriteMarketing, id: "updateSequence", tag: "sequences",
			summary: "Replace a sequence's settings and steps (steps change only while draft or paused; send a step's id to keep it)",
			body:    "SequenceInput", ifMatch: true, status: 200, resp: "Sequence", refused: true, handle: s.updateSequence},
		{method: http.MethodDelete, path: "/sequences/{id}", perm: crm.PermWriteMarketing, id: "deleteSequence", tag: "sequences",
			summary: "Delete a draft sequence", status: 204, refused: true, handle: s.deleteSequence},
		{method: http.MethodPost, path: "/sequences/{id}/activate", perm: crm.PermWriteMarketing, id: "activateSequence", tag: "sequences",
			summary: "Start or resume a sequence; refused (422) without steps, or with e-mail steps before sending is set up",
			status:  200, resp: "Sequence", refused: true, handle: s.activateSequence},
		{method: http.MethodPost, path: "/sequences/{id}/pause", perm: crm.PermWriteMarketing, id: "pauseSequence", tag: "sequences",
			summary: "Pause an active sequence (enrolments wait where they are)", status: 204, refused: true,
			handle: s.sequenceAction((*app.App).PauseSequence)},
		{method: http.MethodPost, path: "/sequences/{id}/archive", perm: crm.PermWriteMarketing, id: "archiveSequence", tag: "sequences",
			summary: "End a sequence for good; its active enrolments exit", status: 204, refused: true,
			handle: s.sequenceAction((*app.App).ArchiveSequence)},
		{method: http.MethodPost, path: "/sequences/{id}/enrolments", perm: crm.PermWriteMarketing, id: "enrolContacts", tag: "sequences",
			summary: "Enrol contacts by hand (a contact goes through a sequence once; a share may be held out)",
			body:    "SequenceEnrol", status: 200, resp: "SequenceEnrolResult", refused: true, handle: s.enrolContacts},
		{method: http.MethodGet, path: "/sequences/{id}/report", perm: crm.PermReadAll, id: "getSequenceReport", tag: "sequences",
			summary: "Enrolments by state and exit reason, each e-mail step's results, and what followed within days for the enrolled and the holdout with the lift",
			query:   []param{{name: "days", desc: "The window of what followed, 1–365 (default 30).", schema: js{"type": "integer", "minimum": 1, "maximum": 365}}},
			status:  200, resp: "SequenceReport", handle: s.sequenceReport},
	}
}

type stepJSON struct {
	ID         int64  `json:"id"`
	Kind       string `json:"kind"`
	Subject    string `json:"subject"`
	HTML       string `json:"html"`
	TemplateID int64  `json:"template_id"`
	WaitDays   int    `json:"wait_days"`
	WaitHours  int    `json:"wait_hours"`
	Cond       string `json:"cond"`
	CondValue  string `json:"cond_value"`
	CondDays   int    `json:"cond_days"`
	SegmentID  int64  `json:"segment_id"`
	Then       int    `json:"then"`
	Else       int    `json:"else"`
	TaskTitle  string `json:"task_title"`
	TaskDays   int    `json:"task_days"`
	PropKey    string `json:"prop_key"`
	PropValue  string `json:"prop_value"`
}

type sequenceJSON struct {
	ID                int64      `json:"id"`
	Name              string     `json:"name"`
	Status            string     `json:"status"`
	Topic             string     `json:"topic"`
	FromName          string     `json:"from_name"`
	AsOwner           bool       `json:"as_owner"`
	HoldoutPct        int        `json:"holdout_pct"`
	ExitOnReply       bool       `json:"exit_on_reply"`
	ExitOnMQL         bool       `json:"exit_on_mql"`
	ExitOnUnsubscribe bool       `json:"exit_on_unsubscribe"`
	ExitOnDeal        bool       `json:"exit_on_deal"`
	SegmentID         int64      `json:"segment_id"`
	FormID            int64      `json:"form_id"`
	Steps             []stepJSON `json:"steps"`
	CreatedAt         time.Time  `json:"created_at"`
	UpdatedAt         time.Time  `json:"updated_at"`
	ActivatedAt       *time.Time `json:"activated_at"`
	Version           int64      `json:"version"`
}

func (q sequenceJSON) etag() int64 { return q.Version }

func toSequence(q crm.Sequence) sequenceJSON {
	out := sequenceJSON{ID: q.ID, Name: q.Name, Status: string(q.Status), Topic: q.Topic, FromName: q.FromName, AsOwner: q.AsOwner,
		HoldoutPct: q.HoldoutPct, ExitOnReply: q.ExitOnReply, ExitOnMQL: q.ExitOnMQL, ExitOnUnsubscribe: q.ExitOnUnsubscribe,
		ExitOnDeal: q.ExitOnDeal, SegmentID: q.SegmentID, FormID: q.FormID, Steps: []stepJSON{}, CreatedAt: q.CreatedAt,
		UpdatedAt: q.UpdatedAt, ActivatedAt: optTime(q.ActivatedAt), Version: q.Version}
	for _, st := range q.Steps {
		out.Steps = append(out.Steps, stepJSON(stepIn{ID: st.ID, Kind: st.Kind, Subject: st.Subject, HTML: st.HTML,
			TemplateID: st.TemplateID, WaitDays: st.WaitDays, WaitHours: st.WaitHours, Cond: st.Cond, CondValue: st.CondValue,
			CondDays: st.CondDays, SegmentID: st.SegmentID, Then: st.Then, Else: st.Else, TaskTitle: st.TaskTitle,
			TaskDays: st.TaskDays, PropKey: st.PropKey, PropValue: st.PropValue}))
	}
	return out
}

type stepIn stepJSON

type sequenceInput struct {
	Name              string     `json:"name"`
	Topic             string     `json:"topic"`
	FromName          string     `json:"from_name"`
	AsOwner           bool       `json:"as_owner"`
	HoldoutPct        int        `json:"holdout_pct"`
	ExitOnReply       *bool      `json:"exit_on_reply"`
	ExitOnMQL         *bool      `json:"exit_on_mql"`
	ExitOnUnsubscribe *bool      `json:"exit_on_unsubscribe"`
	ExitOnDeal        *bool      `json:"exit_on_deal"`
	SegmentID         int64      `json:"segment_id"`
	FormID            int64      `json:"form_id"`
	Steps             []stepJSON `json:"steps"`
}

// sequence converts the input; the exit rules are on unless set to false.
func (in sequenceInput) sequence() crm.Sequence {
	on := func(b *bool) bool { return b == nil || *b }
	q := crm.Sequence{Name: in.Name, Topic: in.Topic, FromName: in.FromName, AsOwner: in.AsOwner, HoldoutPct: in.HoldoutPct,
		ExitOnReply: on(in.ExitOnReply), ExitOnMQL: on(in.ExitOnMQL), ExitOnUnsubscribe: on(in.ExitOnUnsubscribe),
		ExitOnDeal: on(in.ExitOnDeal), SegmentID: in.SegmentID, FormID: in.FormID}
	for _, st := range in.Steps {
		q.Steps = append(q.Steps, crm.SequenceStep{ID: st.ID, Kind: st.Kind, Subject: st.Subject, HTML: st.HTML,
			TemplateID: st.TemplateID, WaitDays: st.WaitDays, WaitHours: st.WaitHours, Cond: st.Cond, CondValue: st.CondValue,
			CondDays: st.CondDays, SegmentID: st.SegmentID, Then: st.Then, Else: st.Else, TaskTitle: st.TaskTitle,
			TaskDays: st.TaskDays, PropKey: st.PropKey, PropValue: st.PropValue})
	}
	return q
}

func (s *server) listSequences(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	qs, err := s.app.Sequences(r.Context(), ac)
	if err != nil {
		return err
	}
	out := list[sequenceJSON]{Data: []sequenceJSON{}}
	for _, q := range qs {
		full, err := s.app.Sequence(r.Context(), ac, q.ID)
		if err != nil {
			return err
		}
		out.Data = append(out.Data, toSequence(full))
	}
	return writeJSON(w, http.StatusOK, out)
}

func (s *server) createSequence(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	var in sequenceInput
	if err := decodeJSON(r, &in, false); err != nil {
		return err
	}
	q, err := s.app.CreateSequence(r.Context(), ac, in.sequence())
	if err != nil {
		return err
	}
	if q, err = s.app.Sequence(r.Context(), ac, q.ID); err != nil {
		return err
	}
	w.Header().Set("Location", fmt.Sprintf("%s/sequences/%d", Prefix, q.ID))
	return writeJSON(w, http.StatusCreated, toSequence(q))
}

func (s *server) getSequence(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	q, err := s.app.Sequence(r.Context(), ac, id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, toSequence(q))
}

func (s *server) updateSequence(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	version, err := ifMatch(r)
	if err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in sequenceInput
	if err := decodeJSON(r, &in, false); err != nil {
		return err
	}
	if _, err := s.app.Sequence(r.Context(), ac, id); err != nil {
		return err
	}
	q := in.sequence()
	q.ID, q.Version = id, version
	if q, err = s.app.UpdateSequence(r.Context(), ac, q); err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, toSequence(q))
}

func (s *server) deleteSequence(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.app.DeleteSequence(r.Context(), ac, id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *server) activateSequence(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	q, err := s.app.ActivateSequence(r.Context(), ac, id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, toSequence(q))
}

func (s *server) sequenceAction(fn func(*app.App, context.Context, app.Actor, int64) error) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
		id, err := pathID(r, "id")
		if err != nil {
			return err
		}
		if err := fn(s.app, r.Context(), ac, id); err != nil {
			return err
		}
		w.WriteHeader(http.StatusNoContent)
		return nil
	}
}

func (s *server) enrolContacts(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in struct {
		ContactIDs []int64 `json:"contact_ids"`
	}
	if err := decodeJSON(r, &in, false); err != nil {
		return err
	}
	res, err := s.app.EnrolContacts(r.Context(), ac, id, in.ContactIDs)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, res)
}

func (s *server) sequenceReport(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	days, err := queryInt64(r, "days")
	if err != nil {
		return err
	}
	if days == 0 {
		days = app.DefaultFollowDays
	}
	if days > app.MaxFollowDays {
		return badField("days", "enter 1 to 365 days")
	}
	rep, err := s.app.SequenceReport(r.Context(), ac, id, int(days))
	if err != nil {
		return err
	}
	if rep.ByReason == nil {
		rep.ByReason = map[string]int{}
	}
	return writeJSON(w, http.StatusOK, rep)
}

// sequencesSchemas are the OpenAPI components of sequences.
func sequencesSchemas() js {
	statuses := []string{}
	for _, st := range crm.SequenceStatuses {
		statuses = append(statuses, string(st))
	}
	step := js{
		"kind":        enumOf(crm.StepKinds...),
		"subject":     str("email: merge fields allowed."),
		"html":        str("email: the HTML body with merge fields; up to 512 KB."),
		"template_id": withDesc(js{"type": "integer", "minimum": 0}, "email: an e-mail template to take the content from instead of html; 0: none."),
		"wait_days":   integer("wait: days (0–365)."),
		"wait_hours":  integer("wait: hours."),
		"cond":        withDesc(enumOf(append([]string{""}, crm.CondKinds...)...), "condition: opened or clicked the previous e-mail, visited a page, engagement score at least, in a segment."),
		"cond_value":  str("condition: the path (visited) or the minimum score (score)."),
		"cond_days":   integer("condition visited: the window in days."),
		"segment_id":  withDesc(js{"type": "integer", "minimum": 0}, "condition segment: the segment."),
		"then":        integer("condition: where to go when true: 0 the next step, -1 exit, n step n (always a later step)."),
		"else":        integer("condition: where to go when false (as then)."),
		"task_title":  str("task: the title of the task for the contact's owner."),
		"task_days":   integer("task: due in N business days (0–60)."),
		"prop_key":    str("property: the key of a contact custom property."),
		"prop_value":  str("property: the value to set."),
	}
	stepOut := js{"id": idSchema("")}
	stepIn := js{"id": withDesc(js{"type": "integer", "minimum": 0}, "Keep this stored step (its e-mail results stay with it); 0 or absent: a new step.")}
	for k, v := range step {
		stepOut[k], stepIn[k] = v, v
	}
	content := js{
		"name":                str("Up to 200 characters."),
		"topic":               str("Topic key for the preference centre."),
		"from_name":           str("Empty: the sending settings' name."),
		"as_owner":            boolean("From = the contact's owner."),
		"holdout_pct":         integer("0–50: the share of enrolments held out (they get nothing) to measure the lift."),
		"exit_on_reply":       boolean("Exit when the contact replies (default true)."),
		"exit_on_mql":         boolean("Exit when the contact becomes an MQL (default true)."),
		"exit_on_unsubscribe": boolean("Exit when the contact unsubscribes (default true)."),
		"exit_on_deal":        boolean("Exit when a deal is created for the contact (default true)."),
		"segment_id":          withDesc(js{"type": "integer", "minimum": 0}, "Enrol the contacts of this segment while active, new matches too; 0: none."),
		"form_id":             withDesc(js{"type": "integer", "minimum": 0}, "Enrol who submits this form while active; 0: none."),
	}
	seq := js{}
	in := js{}
	for k, v := range content {
		seq[k], in[k] = v, v
	}
	seq["steps"] = arrayOf(record(stepOut))
	in["steps"] = arrayOf(input([]string{"kind"}, stepIn))
	meta := js{"id": idSchema(""), "status": enumOf(statuses...), "created_at": dateTime(""), "updated_at": dateTime(""),
		"activated_at": nullable(dateTime("")), "version": integer("Send it back as If-Match.")}
	for k, v := range meta {
		seq[k] = v
	}
	number := func(desc string) js { return described(js{"type": "number"}, desc) }
	rate := record(js{"Num": integer(""), "Den": integer(""), "Value": number(""), "Low": number("95% Wilson interval."), "High": number("")})
	group := record(js{"n": integer(""), "forms": rate, "mqls": rate, "deals": rate, "won": rate,
		"revenue": integer("Won amounts in the base currency (minor units)."), "unconverted": integer("Won deals without an exchange rate, left out of revenue.")})
	return js{
		"Sequence":            record(seq),
		"SequenceList":        listOf("Sequence"),
		"SequenceInput":       input([]string{"name"}, in),
		"SequenceEnrol":       input([]string{"contact_ids"}, js{"contact_ids": arrayOf(idSchema(""))}),
		"SequenceEnrolResult": record(js{"enrolled": integer("New enrolments, the holdout included."), "holdout": integer(""), "already": integer("Enrolled before.")}),
		"SequenceReport": record(js{
			"enrolled": integer("Not held out."), "holdout": integer(""), "active": integer(""), "completed": integer(""), "exited": integer(""),
			"exited_by_reason": withDesc(js{"type": "object", "additionalProperties": js{"type": "integer"}}, "replied, mql, unsubscribed, deal_created, condition, manual, archived."),
			"email_steps": arrayOf(record(js{"step_id": idSchema(""), "position": integer(""), "subject": str(""), "queued": integer(""),
				"sent": integer(""), "delivered": integer(""), "bounced": integer(""), "suppressed": integer("Not mailable when the step ran."),
				"unique_opens": integer(""), "unique_clicks": integer(""), "unsubscribes": integer("")})),
			"followed": record(js{"days": integer(""), "currency": str(""), "enrolled": group, "holdout": group,
				"rows": arrayOf(record(js{"key": enumOf("forms", "mqls", "deals", "won"), "enrolled": rate, "holdout": rate,
					"lift": record(js{"value": number("Enrolled rate − holdout rate."), "low": number("95% interval (Newcombe, from the Wilson intervals)."),
						"high": number(""), "known": boolean("False when a group is empty.")})}))}),
		}),
	}
}
