package api

import (
	"fmt"
	"net/http"
	"time"

	"renkei/internal/app"
	"renkei/internal/crm"
)

// handoffRoutes are the API endpoints of the marketing → sales hand-off: assignment rules, the Leads inbox, notifications.
func (s *server) handoffRoutes() []route {
	return []route{
		{method: http.MethodGet, path: "/assignment-rules", perm: crm.PermReadAll, id: "listAssignmentRules", tag: "leads",
			summary: "The assignment rules, in the order they are tried", status: 200, resp: "AssignmentRuleList", handle: s.listAssignmentRules},
		{method: http.MethodPost, path: "/assignment-rules", perm: crm.PermSettings, id: "createAssignmentRule", tag: "leads",
			summary: "Add an assignment rule (last unless a position is given)", body: "AssignmentRuleInput",
			status: 201, resp: "AssignmentRule", location: true, handle: s.createAssignmentRule},
		{method: http.MethodPatch, path: "/assignment-rules/{id}", perm: crm.PermSettings, id: "updateAssignmentRule", tag: "leads",
			summary: "Replace an assignment rule", body: "AssignmentRuleInput", ifMatch: true,
			status: 200, resp: "AssignmentRule", handle: s.updateAssignmentRule},
		{method: http.MethodDelete, path: "/assignment-rules/{id}", perm: crm.PermSettings, id: "deleteAssignmentRule", tag: "leads",
			summary: "Delete an assignment rule", status: 204, handle: s.deleteAssignmentRule},

		{method: http.MethodGet, path: "/leads", perm: crm.PermReadAll, id: "listLeads", tag: "leads",
			summary: "Hand-offs to sales (the Leads inbox), newest first",
			query: pageParams(
				param{name: "status", desc: "new (clock running), overdue (clock ran out), open (both), accepted or rejected; all when left out.",
					schema: enumOf("new", "overdue", "open", "accepted", "rejected")},
				param{name: "scope", desc: "mine (default): your own leads; team: also the teams you manage (admins: every lead).",
					schema: enumOf("mine", "team")}),
			status: 200, resp: "LeadList", handle: s.listLeads},
		{method: http.MethodGet, path: "/leads/{contact_id}", perm: crm.PermReadAll, id: "getLead", tag: "leads",
			summary: "A contact's latest hand-off with the visits before the conversion", status: 200, resp: "Lead", handle: s.getLead},
		{method: http.MethodPost, path: "/leads/{contact_id}/accept", perm: crm.PermWriteSales, id: "acceptLead", tag: "leads",
			summary: "Accept an MQL (owner, team manager or admin): the contact becomes an SQL; optionally open a deal",
			body:    "AcceptLeadInput", bodyOptional: true, status: 200, resp: "Lead", handle: s.acceptLead},
		{method: http.MethodPost, path: "/leads/{contact_id}/reject", perm: crm.PermWriteSales, id: "rejectLead", tag: "leads",
			summary: "Reject an MQL with a reason: recycled to nurture or disqualified", body: "RejectLeadInput",
			status: 200, resp: "Lead", handle: s.rejectLead},

		{method: http.MethodGet, path: "/notifications", perm: crm.PermSignedIn, id: "listNotifications", tag: "leads",
			summary: "Your in-app notifications, newest first",
			query:   pageParams(param{name: "unread", desc: "Only unread ones.", schema: js{"type": "boolean"}}),
			status:  200, resp: "NotificationList", handle: s.listNotifications},
		{method: http.MethodPost, path: "/notifications/{id}/read", perm: crm.PermSignedIn, id: "readNotification", tag: "leads",
			summary: "Mark one of your notifications read", status: 204, handle: s.readNotification},
		{method: http.MethodPost, path: "/notifications/read-all", perm: crm.PermSignedIn, id: "readAllNotifications", tag: "leads",
			summary: "Mark all your notifications read", status: 204, handle: s.readAllNotifications},
	}
}

// handoffSchemas are the OpenAPI schemas those endpoints use.
func handoffSchemas() js {
	sources := sourceNames()
	rule := js{
		"position":    integer("Place in the order (1 = tried first)."),
		"kind":        withDesc(enumOf("round_robin", "territory", "company_owner", "person"), "How the rule picks the owner."),
		"name":        str("Label."),
		"prefectures": withDesc(arrayOf(js{"type": "string"}), "Territory: the company's prefecture is one of these (e.g. 東京都)."),
		"countries":   withDesc(arrayOf(js{"type": "string"}), "Territory: the company's country is one of these (e.g. JP)."),
		"sources":     withDesc(arrayOf(enumOf(sources...)), "Only leads from these original sources; empty = every lead."),
		"user_id":     nullable(idSchema("person: this user; territory: this user.")),
		"team_id":     nullable(idSchema("round_robin: this team's members in turn; territory: this team's round-robin.")),
		"active":      boolean("Inactive rules are skipped."),
	}
	out := js{"id": idSchema(""), "created_at": dateTime(""), "updated_at": dateTime(""),
		"version": idSchema("Version for If-Match; also the ETag.")}
	for k, v := range rule {
		out[k] = v
	}
	in := js{}
	for k, v := range rule {
		in[k] = v
	}
	at := func(desc string) js { return nullable(dateTime(desc)) }
	nullEnum := func(vals ...string) js {
		e := make([]any, 0, len(vals)+1)
		for _, v := range vals {
			e = append(e, v)
		}
		return js{"type": []string{"string", "null"}, "enum": append(e, nil)}
	}
	visit := record(js{"at": dateTime(""), "host": str(""), "path": str(""), "title": str(""), "referrer_host": str(""),
		"utm_source": str(""), "utm_campaign": str("")})
	return js{
		"AssignmentRule":      record(out),
		"AssignmentRuleList":  listOf("AssignmentRule"),
		"AssignmentRuleInput": input([]string{"kind"}, in),
		"Lead": record(js{
			"handoff_id": idSchema(""), "contact_id": idSchema(""), "name": str("The contact's name."), "email": str(""),
			"company": str(""), "lifecycle_stage": str(""), "lead_status": str(""),
			"owner_id": nullable(idSchema("The sales owner.")), "owner_name": str(""),
			"team_id": nullable(idSchema("")), "assigned_why": str("Which rule chose the owner: existing_owner, round_robin, territory, company_owner, person, fallback, everyone, only_user or none."),
			"mql_reason": str("Why the contact became an MQL."), "mql_at": dateTime(""),
			"due_at":                dateTime("The first-touch deadline (business hours on the workspace calendar)."),
			"status":                enumOf("new", "accepted", "rejected"),
			"overdue":               boolean("Still new after the deadline."),
			"business_minutes_left": nullable(integer("Business minutes left on the first-touch clock (negative: overdue); null once decided.")),
			"accepted_at":           at(""), "rejected_at": at(""), "first_touch_at": at(""), "escalated_at": at(""),
			"reason":       nullEnum("not_a_fit", "no_budget", "bad_timing", "duplicate", "spam", "other"),
			"note":         str("The rejection note."),
			"outcome":      nullEnum("recycled", "disqualified"),
			"deal_id":      nullable(idSchema("The deal opened on acceptance.")),
			"source":       str("The contact's original source at MQL time."),
			"source_group": enumOf("marketing", "outbound", ""),
			"campaign":     str("First-touch UTM campaign."),
			"visits":       withDesc(arrayOf(visit), "Page views before the conversion, newest first (single lead: up to 20; list: up to 5)."),
		}),
		"LeadList":        listOf("Lead"),
		"AcceptLeadInput": input(nil, js{"create_deal": boolean("Also open a deal in the default pipeline (when deals exist).")}),
		"RejectLeadInput": input([]string{"reason"}, js{
			"reason":  enumOf("not_a_fit", "no_budget", "bad_timing", "duplicate", "spam", "other"),
			"note":    str("Free text (required with other), up to 2,000 characters."),
			"outcome": withDesc(enumOf("recycled", "disqualified"), "Default: disqualified for spam and duplicate, recycled otherwise."),
		}),
		"Notification": record(js{"id": idSchema(""), "kind": str("lead_assigned, lead_escalated, …"), "text": str("In your language."),
			"link": str("Path in the web UI."), "contact_id": nullable(idSchema("")), "created_at": dateTime(""), "read_at": at("")}),
		"NotificationList": listOf("Notification"),
	}
}

type ruleJSON struct {
	ID          int64          `json:"id"`
	Position    int            `json:"position"`
	Kind        crm.AssignKind `json:"kind"`
	Name        string         `json:"name"`
	Prefectures []string       `json:"prefectures"`
	Countries   []string       `json:"countries"`
	Sources     []crm.Source   `json:"sources"`
	UserID      *int64         `json:"user_id"`
	TeamID      *int64         `json:"team_id"`
	Active      bool           `json:"active"`
	CreatedAt   time.Time      `json:"created_at"`
	UpdatedAt   time.Time      `json:"updated_at"`
	Version     int64          `json:"version"`
}

func (r ruleJSON) etag() int64 { return r.Version }

func optStr(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func toRule(r crm.AssignmentRule) ruleJSON {
	out := ruleJSON{ID: r.ID, Position: r.Position, Kind: r.Kind, Name: r.Name, Prefectures: r.Prefectures, Countries: r.Countries,
		Sources: r.Sources, UserID: optID(r.UserID), TeamID: optID(r.TeamID), Active: r.Active,
		CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt, Version: r.Version}
	if out.Prefectures == nil {
		out.Prefectures = []string{}
	}
	if out.Countries == nil {
		out.Countries = []string{}
	}
	if out.Sources == nil {
		out.Sources = []crm.Source{}
	}
	return out
}

type ruleInput struct {
	Position    int            `json:"position"`
	Kind        crm.AssignKind `json:"kind"`
	Name        string         `json:"name"`
	Prefectures []string       `json:"prefectures"`
	Countries   []string       `json:"countries"`
	Sources     []crm.Source   `json:"sources"`
	UserID      *int64         `json:"user_id"`
	TeamID      *int64         `json:"team_id"`
	Active      *bool          `json:"active"`
}

func (in ruleInput) rule() crm.AssignmentRule {
	r := crm.AssignmentRule{Position: in.Position, Kind: in.Kind, Name: in.Name, Prefectures: in.Prefectures,
		Countries: in.Countries, Sources: in.Sources, Active: in.Active == nil || *in.Active}
	if in.UserID != nil {
		r.UserID = *in.UserID
	}
	if in.TeamID != nil {
		r.TeamID = *in.TeamID
	}
	return r
}

func (s *server) listAssignmentRules(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	p, err := parsePage(r)
	if err != nil {
		return err
	}
	rules, err := s.app.AssignmentRules(r.Context(), ac)
	if err != nil {
		return err
	}
	// Few rules: paged in memory, in their order (the cursor is the index).
	out := []ruleJSON{}
	for i, x := range rules {
		if int64(i) >= p.after && len(out) <= p.limit {
			out = append(out, toRule(x))
		}
	}
	l := newList(out, p.limit, func(x ruleJSON) int64 { return p.after + int64(p.limit) })
	return writeJSON(w, http.StatusOK, l)
}

func (s *server) createAssignmentRule(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	var in ruleInput
	if err := decodeJSON(r, &in, false); err != nil {
		return err
	}
	rule, err := s.app.CreateAssignmentRule(r.Context(), ac, in.rule())
	if err != nil {
		return err
	}
	w.Header().Set("Location", fmt.Sprintf("%s/assignment-rules/%d", Prefix, rule.ID))
	return writeJSON(w, http.StatusCreated, toRule(rule))
}

func (s *server) updateAssignmentRule(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	version, err := ifMatch(r)
	if err != nil {
		return err
	}
	var in ruleInput
	if err := decodeJSON(r, &in, false); err != nil {
		return err
	}
	rule, err := s.app.UpdateAssignmentRule(r.Context(), ac, id, version, in.rule())
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, toRule(rule))
}

func (s *server) deleteAssignmentRule(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.app.DeleteAssignmentRule(r.Context(), ac, id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

type visitJSON struct {
	At          time.Time `json:"at"`
	Host        string    `json:"host"`
	Path        string    `json:"path"`
	Title       string    `json:"title"`
	Referrer    string    `json:"referrer_host"`
	UTMSource   string    `json:"utm_source"`
	UTMCampaign string    `json:"utm_campaign"`
}

type leadJSON struct {
	HandoffID   int64       `json:"handoff_id"`
	ContactID   int64       `json:"contact_id"`
	Name        string      `json:"name"`
	Email       string      `json:"email"`
	Company     string      `json:"company"`
	Stage       string      `json:"lifecycle_stage"`
	LeadStatus  string      `json:"lead_status"`
	OwnerID     *int64      `json:"owner_id"`
	OwnerName   string      `json:"owner_name"`
	TeamID      *int64      `json:"team_id"`
	AssignedWhy string      `json:"assigned_why"`
	MQLReason   string      `json:"mql_reason"`
	MQLAt       time.Time   `json:"mql_at"`
	DueAt       time.Time   `json:"due_at"`
	Status      string      `json:"status"`
	Overdue     bool        `json:"overdue"`
	MinutesLeft *int64      `json:"business_minutes_left"`
	AcceptedAt  *time.Time  `json:"accepted_at"`
	RejectedAt  *time.Time  `json:"rejected_at"`
	FirstTouch  *time.Time  `json:"first_touch_at"`
	EscalatedAt *time.Time  `json:"escalated_at"`
	Reason      *string     `json:"reason"`
	Note        string      `json:"note"`
	Outcome     *string     `json:"outcome"`
	DealID      *int64      `json:"deal_id"`
	Source      string      `json:"source"`
	SourceGroup string      `json:"source_group"`
	Campaign    string      `json:"campaign"`
	Visits      []visitJSON `json:"visits"`
}

func toLead(v app.LeadView) leadJSON {
	h, c := v.Handoff, v.Contact
	out := leadJSON{HandoffID: h.ID, ContactID: h.ContactID, Name: c.Name(crm.LangJA), Email: c.Email, Company: c.CompanyName,
		Stage: string(c.Lifecycle), LeadStatus: string(c.LeadStatus), OwnerID: optID(h.OwnerID), OwnerName: v.OwnerName,
		TeamID: optID(h.TeamID), AssignedWhy: h.AssignedWhy, MQLReason: h.MQLReason, MQLAt: h.MQLAt, DueAt: h.DueAt,
		Status: string(h.Status), Overdue: v.Overdue, AcceptedAt: optTime(h.AcceptedAt), RejectedAt: optTime(h.RejectedAt),
		FirstTouch: optTime(h.FirstTouchAt), EscalatedAt: optTime(h.EscalatedAt), Reason: optStr(string(h.ReasonCode)),
		Note: h.ReasonNote, Outcome: optStr(h.Outcome), DealID: optID(h.DealID), Source: string(h.Source),
		SourceGroup: h.SourceGroup, Campaign: h.Campaign, Visits: []visitJSON{}}
	if h.Status == crm.HandoffNew {
		m := int64(v.Left / time.Minute)
		out.MinutesLeft = &m
	}
	for _, x := range v.Visits {
		out.Visits = append(out.Visits, visitJSON{At: x.At, Host: x.Host, Path: x.Path, Title: x.Title, Referrer: x.Referrer,
			UTMSource: x.UTMSource, UTMCampaign: x.UTMCampaign})
	}
	return out
}

func (s *server) listLeads(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	p, err := parsePage(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	leads, err := s.app.Leads(r.Context(), ac, app.LeadQuery{Tab: q.Get("status"), Scope: q.Get("scope"),
		AfterID: p.after, Limit: p.limit + 1, Visits: 5})
	if err != nil {
		return err
	}
	out := make([]leadJSON, 0, len(leads))
	for _, l := range leads {
		out = append(out, toLead(l))
	}
	return writeJSON(w, http.StatusOK, newList(out, p.limit, func(l leadJSON) int64 { return l.HandoffID }))
}

func (s *server) getLead(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	id, err := pathID(r, "contact_id")
	if err != nil {
		return err
	}
	v, err := s.app.Lead(r.Context(), ac, id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, toLead(v))
}

func (s *server) acceptLead(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	id, err := pathID(r, "contact_id")
	if err != nil {
		return err
	}
	var in struct {
		CreateDeal bool `json:"create_deal"`
	}
	if err := decodeJSON(r, &in, true); err != nil {
		return err
	}
	if _, err := s.app.AcceptLead(r.Context(), ac, id, in.CreateDeal); err != nil {
		return err
	}
	return s.getLead(w, r, ac)
}

func (s *server) rejectLead(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	id, err := pathID(r, "contact_id")
	if err != nil {
		return err
	}
	var in struct {
		Reason  string `json:"reason"`
		Note    string `json:"note"`
		Outcome string `json:"outcome"`
	}
	if err := decodeJSON(r, &in, false); err != nil {
		return err
	}
	if _, err := s.app.RejectLead(r.Context(), ac, id, app.RejectInput{Reason: in.Reason, Note: in.Note, Outcome: in.Outcome}); err != nil {
		return err
	}
	return s.getLead(w, r, ac)
}

type notificationJSON struct {
	ID        int64      `json:"id"`
	Kind      string     `json:"kind"`
	Text      string     `json:"text"`
	Link      string     `json:"link"`
	ContactID *int64     `json:"contact_id"`
	CreatedAt time.Time  `json:"created_at"`
	ReadAt    *time.Time `json:"read_at"`
}

func (s *server) listNotifications(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	p, err := parsePage(r)
	if err != nil {
		return err
	}
	unread := false
	switch r.URL.Query().Get("unread") {
	case "", "false":
	case "true":
		unread = true
	default:
		return badField("unread", "must be true or false")
	}
	ns, err := s.app.Notifications(r.Context(), ac, unread, p.after, p.limit+1)
	if err != nil {
		return err
	}
	out := make([]notificationJSON, 0, len(ns))
	for _, n := range ns {
		out = append(out, notificationJSON{ID: n.ID, Kind: n.Kind, Text: n.Text, Link: n.Link, ContactID: optID(n.ContactID),
			CreatedAt: n.CreatedAt, ReadAt: optTime(n.ReadAt)})
	}
	return writeJSON(w, http.StatusOK, newList(out, p.limit, func(n notificationJSON) int64 { return n.ID }))
}

func (s *server) readNotification(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.app.MarkNotificationsRead(r.Context(), ac, id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *server) readAllNotifications(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	if err := s.app.MarkNotificationsRead(r.Context(), ac, 0); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
