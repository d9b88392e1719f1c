package web

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"renkei/internal/app"
	"renkei/internal/crm"
	"renkei/internal/i18n"
	"renkei/internal/store"
)

// handoffRoutes are the UI routes of the marketing → sales hand-off: assignment rules, the Leads inbox, notifications.
func (s *server) handoffRoutes() []route {
	return []route{
		{"GET", "/sales/leads", crm.PermReadAll, s.leadsPage, false},
		{"POST", "/sales/leads/{id}/accept", crm.PermWriteSales, s.leadAccept, false},
		{"POST", "/sales/leads/{id}/reject", crm.PermWriteSales, s.leadReject, false},
		{"GET", "/inbox", crm.PermSignedIn, s.inboxPage, false},
		{"POST", "/inbox/read-all", crm.PermSignedIn, s.inboxReadAll, false},
		{"POST", "/inbox/{id}/read", crm.PermSignedIn, s.inboxRead, false},
		{"GET", "/settings/assignment", crm.PermSettings, s.assignmentPage, false},
		{"POST", "/settings/assignment", crm.PermSettings, s.assignmentCreate, false},
		{"POST", "/settings/assignment/sla", crm.PermSettings, s.assignmentSLA, false},
		{"POST", "/settings/assignment/{id}/move", crm.PermSettings, s.assignmentMove, false},
		{"POST", "/settings/assignment/{id}/delete", crm.PermSettings, s.assignmentDelete, false},
		{"GET", "/reports/leads", crm.PermReadAll, s.leadsReportPage, false},
	}
}

// Unread is the number of unread notifications of the signed-in user, for
// the bell in the top bar (0 when it cannot be read).
func (p *page) Unread() int {
	if p.unread == nil || !p.SignedIn {
		return 0
	}
	return p.unread()
}

// ---- the Leads inbox ----

type leadTab struct {
	Key, Href string
	Active    bool
}

type leadItem struct {
	app.LeadView
	Name    string
	Clock   string // time left / overdue, translated
	Visits  []store.Visit
	Reasons []option
}

type leadsData struct {
	Tab, Scope string
	Tabs       []leadTab
	Leads      []leadItem
	CanTeam    bool
	FailedID   int64 // the lead whose reject form is shown again
}

// businessLeft renders a business duration for the SLA clock.
func businessLeft(lang crm.Language, d time.Duration) string {
	neg := d < 0
	if neg {
		d = -d
	}
	h, m := int(d/time.Hour), int(d%time.Hour/time.Minute)
	var s string
	if h > 0 {
		s = i18n.T(lang, "leads.hm", h, m)
	} else {
		s = i18n.T(lang, "leads.m", max(m, 1))
	}
	if neg {
		return i18n.T(lang, "leads.overdue_by", s)
	}
	return i18n.T(lang, "leads.left", s)
}

func reasonOptions(lang crm.Language) []option {
	out := make([]option, 0, len(crm.RejectReasons))
	for _, r := range crm.RejectReasons {
		out = append(out, option{string(r), i18n.T(lang, "reason."+string(r))})
	}
	return out
}

func (s *server) leadsPageData(w http.ResponseWriter, r *http.Request, rq *req) (*page, *leadsData, error) {
	p := s.newPage(w, r, rq, "leads.title")
	p.Section, p.Sub = "sales", "leads"
	q := r.URL.Query()
	d := &leadsData{Tab: q.Get("tab"), Scope: q.Get("scope")}
	if d.Tab == "" {
		d.Tab = "new"
	}
	if d.Scope != "team" {
		d.Scope = "mine"
	}
	d.CanTeam = rq.actor.User.Role == crm.RoleAdmin
	for _, m := range rq.actor.User.Teams {
		d.CanTeam = d.CanTeam || m.IsManager
	}
	for _, tab := range app.LeadTabs {
		v := url.Values{"tab": {tab}}
		if d.Scope == "team" {
			v.Set("scope", "team")
		}
		d.Tabs = append(d.Tabs, leadTab{Key: tab, Href: "/sales/leads?" + v.Encode(), Active: tab == d.Tab})
	}
	leads, err := s.app.Leads(r.Context(), rq.actor, app.LeadQuery{Tab: d.Tab, Scope: d.Scope, Limit: 100, Visits: 5})
	if err != nil {
		return nil, nil, err
	}
	for _, l := range leads {
		it := leadItem{LeadView: l, Name: l.Contact.Name(rq.lang), Visits: l.Visits, Reasons: reasonOptions(rq.lang)}
		if strings.TrimSpace(it.Name) == "" {
			it.Name = l.Contact.Email
		}
		if l.Status == crm.HandoffNew {
			it.Clock = businessLeft(rq.lang, l.Left)
		}
		d.Leads = append(d.Leads, it)
	}
	p.Data = d
	p.Form = newForm()
	return p, d, nil
}

func (s *server) leadsPage(w http.ResponseWriter, r *http.Request, rq *req) error {
	p, _, err := s.leadsPageData(w, r, rq)
	if err != nil {
		return err
	}
	s.render(w, r, rq, http.StatusOK, "handoff_leads", p)
	return nil
}

func (s *server) leadAccept(w http.ResponseWriter, r *http.Request, rq *req) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	d, err := s.app.AcceptLead(r.Context(), rq.actor, id, r.PostFormValue("create_deal") == "true")
	if err != nil {
		return err
	}
	if d.DealID != 0 {
		return s.redirect(w, r, rq, fmt.Sprintf("/deals/%d", d.DealID), "flash.lead_accepted")
	}
	return s.redirect(w, r, rq, "/sales/leads?tab=accepted", "flash.lead_accepted")
}

func (s *server) leadReject(w http.ResponseWriter, r *http.Request, rq *req) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	_, err = s.app.RejectLead(r.Context(), rq.actor, id, app.RejectInput{Reason: r.PostFormValue("reason"),
		Note: r.PostFormValue("note"), Outcome: r.PostFormValue("outcome")})
	if _, ok := crm.AsValidation(err); ok {
		p, d, perr := s.leadsPageData(w, r, rq)
		if perr != nil {
			return perr
		}
		p.Form, d.FailedID = submitted(r), id
		return again(err, "handoff_leads", p)
	}
	if err != nil {
		return err
	}
	return s.redirect(w, r, rq, "/sales/leads?tab=rejected", "flash.lead_rejected")
}

// ---- the notification inbox ----

func (s *server) inboxPage(w http.ResponseWriter, r *http.Request, rq *req) error {
	p := s.newPage(w, r, rq, "inbox.title")
	ns, err := s.app.Notifications(r.Context(), rq.actor, r.URL.Query().Get("unread") == "true", 0, 100)
	if err != nil {
		return err
	}
	p.Data = ns
	s.render(w, r, rq, http.StatusOK, "handoff_inbox", p)
	return nil
}

func (s *server) inboxRead(w http.ResponseWriter, r *http.Request, rq *req) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.app.MarkNotificationsRead(r.Context(), rq.actor, id); err != nil {
		return err
	}
	return s.redirect(w, r, rq, localPath(r.PostFormValue("next"), "/inbox"), "")
}

func (s *server) inboxReadAll(w http.ResponseWriter, r *http.Request, rq *req) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	if err := s.app.MarkNotificationsRead(r.Context(), rq.actor, 0); err != nil {
		return err
	}
	return s.redirect(w, r, rq, "/inbox", "")
}

// ---- assignment settings ----

type assignRuleRow struct {
	crm.AssignmentRule
	Target string // the user or team it names
}

type assignmentData struct {
	Rules    []assignRuleRow
	Users    []option // users who may own leads
	Teams    []option
	Sources  []option
	Settings crm.HandoffSettings
	Version  int64
	SLAForm  *form
	Posted   string // create or sla
}

func (s *server) assignmentPageData(w http.ResponseWriter, r *http.Request, rq *req) (*page, *assignmentData, error) {
	ctx := r.Context()
	p := s.newPage(w, r, rq, "assignment.title")
	p.Section, p.Sub = "settings", "assignment"
	p.Form = newForm()
	d := &assignmentData{SLAForm: newForm()}
	users, err := s.app.ListUsers(ctx, rq.actor, store.UserFilter{Limit: 500})
	if err != nil {
		return nil, nil, err
	}
	names := map[string]string{}
	for _, u := range users {
		if u.CanOwnLeads() {
			d.Users = append(d.Users, option{strconv.FormatInt(u.ID, 10), u.Name})
		}
		names["u"+strconv.FormatInt(u.ID, 10)] = u.Name
	}
	teams, err := s.app.Teams(ctx, rq.actor)
	if err != nil {
		return nil, nil, err
	}
	for _, t := range teams {
		d.Teams = append(d.Teams, option{strconv.FormatInt(t.ID, 10), t.Name})
		names["t"+strconv.FormatInt(t.ID, 10)] = t.Name
	}
	for src := range crm.DefaultSourceGroups {
		d.Sources = append(d.Sources, option{string(src), i18n.T(rq.lang, "source."+string(src))})
	}
	sortByValue(d.Sources)
	rules, err := s.app.AssignmentRules(ctx, rq.actor)
	if err != nil {
		return nil, nil, err
	}
	for _, ru := range rules {
		row := assignRuleRow{AssignmentRule: ru}
		switch {
		case ru.UserID != 0:
			row.Target = names["u"+strconv.FormatInt(ru.UserID, 10)]
		case ru.TeamID != 0:
			row.Target = i18n.T(rq.lang, "assignment.team_turns", names["t"+strconv.FormatInt(ru.TeamID, 10)])
		}
		d.Rules = append(d.Rules, row)
	}
	if d.Settings, d.Version, err = s.app.HandoffSettings(ctx); err != nil {
		return nil, nil, err
	}
	d.SLAForm.Version = d.Version
	d.SLAForm.Set("sla_hours", strconv.Itoa(d.Settings.SLAHours))
	if d.Settings.FallbackUserID != 0 {
		d.SLAForm.Set("fallback", "u"+strconv.FormatInt(d.Settings.FallbackUserID, 10))
	} else if d.Settings.FallbackTeamID != 0 {
		d.SLAForm.Set("fallback", "t"+strconv.FormatInt(d.Settings.FallbackTeamID, 10))
	}
	p.Data = d
	return p, d, nil
}

func sortByValue(o []option) {
	slices.SortFunc(o, func(a, b option) int { return strings.Compare(a.Value, b.Value) })
}

func (s *server) assignmentPage(w http.ResponseWriter, r *http.Request, rq *req) error {
	p, _, err := s.assignmentPageData(w, r, rq)
	if err != nil {
		return err
	}
	s.render(w, r, rq, http.StatusOK, "handoff_assignment", p)
	return nil
}

// splitList reads a comma-, 、- or newline-separated list.
func splitList(s string) []string {
	f := strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == '、' || r == '，' || r == '\n' || r == '\r' })
	out := []string{}
	for _, x := range f {
		if x = strings.TrimSpace(x); x != "" {
			out = append(out, x)
		}
	}
	return out
}

func formID(r *http.Request, name string) int64 {
	id, _ := strconv.ParseInt(r.PostFormValue(name), 10, 64)
	return id
}

func (s *server) assignmentCreate(w http.ResponseWriter, r *http.Request, rq *req) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	p, d, err := s.assignmentPageData(w, r, rq)
	if err != nil {
		return err
	}
	p.Form, d.Posted = submitted(r), "create"
	ru := crm.AssignmentRule{Kind: crm.AssignKind(r.PostFormValue("kind")), Name: r.PostFormValue("name"), Active: true,
		Prefectures: splitList(r.PostFormValue("prefectures")), Countries: splitList(r.PostFormValue("countries")),
		UserID: formID(r, "user_id"), TeamID: formID(r, "team_id")}
	for _, src := range r.PostForm["sources"] {
		ru.Sources = append(ru.Sources, crm.Source(src))
	}
	if _, err := s.app.CreateAssignmentRule(r.Context(), rq.actor, ru); err != nil {
		return again(err, "handoff_assignment", p)
	}
	return s.redirect(w, r, rq, "/settings/assignment", "flash.rule_created")
}

func (s *server) assignmentSLA(w http.ResponseWriter, r *http.Request, rq *req) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	p, d, err := s.assignmentPageData(w, r, rq)
	if err != nil {
		return err
	}
	f := submitted(r)
	p.Form, d.SLAForm, d.Posted = f, f, "sla"
	set := crm.HandoffSettings{}
	set.SLAHours, _ = strconv.Atoi(strings.TrimSpace(f.Get("sla_hours")))
	if fb := f.Get("fallback"); len(fb) > 1 {
		id, _ := strconv.ParseInt(fb[1:], 10, 64)
		if fb[0] == 'u' {
			set.FallbackUserID = id
		} else if fb[0] == 't' {
			set.FallbackTeamID = id
		}
	}
	if _, _, err := s.app.UpdateHandoffSettings(r.Context(), rq.actor, set, f.Version); err != nil {
		return again(err, "handoff_assignment", p)
	}
	return s.redirect(w, r, rq, "/settings/assignment", "flash.settings_saved")
}

func (s *server) assignmentMove(w http.ResponseWriter, r *http.Request, rq *req) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	delta := 1
	if r.PostFormValue("dir") == "up" {
		delta = -1
	}
	if err := s.app.MoveAssignmentRule(r.Context(), rq.actor, id, delta); err != nil {
		return err
	}
	return s.redirect(w, r, rq, "/settings/assignment", "")
}

func (s *server) assignmentDelete(w http.ResponseWriter, r *http.Request, rq *req) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.app.DeleteAssignmentRule(r.Context(), rq.actor, id); err != nil {
		return err
	}
	return s.redirect(w, r, rq, "/settings/assignment", "flash.rule_deleted")
}

// ---- the leads report ----

// leadBar is one bar of a server-drawn SVG chart.
type leadBar struct {
	Label      string
	A, B       int // stacked values (marketing, outbound)
	X, W       int
	YA, HA     int
	YB, HB     int
	LabelX     int
	ShowLabel  bool
	Title      string
	Value, Pct string
	PctW       int
}

type leadsReportData struct {
	From, To string
	R        app.LeadsReport
	WeekBars []leadBar
	Reasons  []leadBar
	ChartH   int
	ChartW   int
	Empty    bool
	// FirstTouch is the median time to first touch, in business hours.
	FirstTouch string
}

func (s *server) leadsReportPage(w http.ResponseWriter, r *http.Request, rq *req) error {
	ctx := r.Context()
	p := s.newPage(w, r, rq, "leadsreport.title")
	p.Section = "reports"
	q := r.URL.Query()
	loc := p.Loc
	now := s.app.Clock().In(loc)
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, loc)
	to := today.AddDate(0, 0, 1)
	from := to.AddDate(0, 0, -84)
	if v := q.Get("from"); v != "" {
		t, err := time.ParseInLocation("2006-01-02", v, loc)
		if err != nil {
			return crm.Invalid("from", "enter a date such as 2026-04-01")
		}
		from = t
	}
	if v := q.Get("to"); v != "" {
		t, err := time.ParseInLocation("2006-01-02", v, loc)
		if err != nil {
			return crm.Invalid("to", "enter a date such as 2026-06-30")
		}
		to = t.AddDate(0, 0, 1)
	}
	rep, err := s.app.LeadsReport(ctx, rq.actor, from, to)
	if err != nil {
		return err
	}
	d := &leadsReportData{From: from.Format("2006-01-02"), To: to.AddDate(0, 0, -1).Format("2006-01-02"), R: rep,
		ChartH: 160, ChartW: 640, Empty: rep.MQLs == 0,
		FirstTouch: i18n.T(rq.lang, "leads.hm", int(rep.FirstTouch/time.Hour), int(rep.FirstTouch%time.Hour/time.Minute))}
	maxV := 1
	for _, wk := range rep.Weeks {
		maxV = max(maxV, wk.Marketing+wk.Outbound)
	}
	n := max(len(rep.Weeks), 1)
	slot := d.ChartW / n
	for i, wk := range rep.Weeks {
		b := leadBar{Label: wk.Week.Format("1/2"), A: wk.Marketing, B: wk.Outbound, X: i*slot + 2, W: max(slot-4, 2)}
		b.HA = wk.Marketing * (d.ChartH - 20) / maxV
		b.HB = wk.Outbound * (d.ChartH - 20) / maxV
		b.YA = d.ChartH - 20 - b.HA
		b.YB = b.YA - b.HB
		b.LabelX = b.X + b.W/2
		b.ShowLabel = n <= 16 || i%2 == 0
		b.Title = i18n.T(rq.lang, "leadsreport.week_title", b.Label, wk.Marketing, wk.Outbound)
		d.WeekBars = append(d.WeekBars, b)
	}
	total := 0
	for _, c := range rep.Reasons {
		total += c
	}
	for _, reason := range crm.RejectReasons {
		c := rep.Reasons[string(reason)]
		b := leadBar{Label: i18n.T(rq.lang, "reason."+string(reason)), A: c, Value: strconv.Itoa(c)}
		if total > 0 {
			b.PctW = c * 100 / total
			b.Pct = fmt.Sprintf("%d%%", b.PctW)
		}
		d.Reasons = append(d.Reasons, b)
	}
	p.Data = d
	s.render(w, r, rq, http.StatusOK, "handoff_report", p)
	return nil
}

// HasDeals reports whether deals exist (the sales work's pages are there),
// so "Accept and create deal" is offered.
func (p *page) HasDeals() bool {
	if p.pagePerm == nil {
		return false
	}
	_, ok := p.pagePerm("/sales/deals")
	return ok
}

// OutcomeOptions are the choices of a rejection's outcome.
func (p *page) OutcomeOptions() []option {
	return []option{{"", i18n.T(p.Lang, "outcome.default")}, {crm.OutcomeRecycled, i18n.T(p.Lang, "outcome.recycled")},
		{crm.OutcomeDisqualified, i18n.T(p.Lang, "outcome.disqualified")}}
}

// RuleKindOptions are the kinds of assignment rule.
func (p *page) RuleKindOptions() []option {
	out := []option{}
	for _, k := range crm.AssignKinds {
		out = append(out, option{string(k), i18n.T(p.Lang, "rule."+string(k))})
	}
	return out
}

// WithNone puts an empty choice before options.
func (p *page) WithNone(opts []option) []option {
	return append([]option{{"", i18n.T(p.Lang, "assignment.none")}}, opts...)
}

// FallbackOptions are users (u…) and teams' round-robins (t…).
func (p *page) FallbackOptions(users, teams []option) []option {
	out := []option{{"", i18n.T(p.Lang, "assignment.fallback_none")}}
	for _, u := range users {
		out = append(out, option{"u" + u.Value, u.Label})
	}
	for _, t := range teams {
		out = append(out, option{"t" + t.Value, i18n.T(p.Lang, "assignment.team_turns", t.Label)})
	}
	return out
}

// handoffTimelineDetail describes the hand-off's timeline entries.
func handoffTimelineDetail(lang crm.Language, e store.TimelineEntry, it *timelineItem) {
	str := func(k string) string {
		if v, ok := e.Data[k].(string); ok {
			return v
		}
		return ""
	}
	label := func(prefix, v string) string {
		if i18n.Has(lang, prefix+v) {
			return i18n.T(lang, prefix+v)
		}
		return v
	}
	switch e.Kind {
	case app.KindAssigned:
		it.Icon, it.Color = "ti-user-share", "bg-purple-lt"
		who := str("owner_name")
		if who == "" {
			who = "—"
		}
		it.Detail = i18n.T(lang, "timeline.assigned_to", who, label("why.", str("why")))
	case app.KindLeadAccepted:
		it.Icon, it.Color = "ti-circle-check", "bg-green-lt"
	case app.KindLeadRejected:
		it.Icon, it.Color = "ti-arrow-back-up", "bg-red-lt"
		it.Detail = label("reason.", str("reason")) + " · " + label("outcome.", str("outcome"))
		if n := str("note"); n != "" {
			it.Detail = i18n.T(lang, "timeline.rejected_because", it.Detail, n)
		}
	case app.KindLeadEscalated:
		it.Icon, it.Color = "ti-alarm", "bg-orange-lt"
	}
}

// FormIf is the page's form when ok, else nil (an empty form): a page
// with several forms shows the submitted values only in the one sent.
func (p *page) FormIf(ok bool) *form {
	if ok {
		return p.Form
	}
	return nil
}

// NotificationText says a notification in the page's language: the kinds
// the hand-off makes are worded from their data (the reader may have
// switched language since); others show their stored text.
func (p *page) NotificationText(n crm.Notification) string {
	name, _ := n.Data["name"].(string)
	dueText, _ := n.Data["due_at"].(string)
	due, err := time.Parse(time.RFC3339, dueText)
	if name == "" || err != nil {
		return n.Text
	}
	when := due.In(p.Loc).Format("2006-01-02 15:04")
	switch n.Kind {
	case app.NotifyLeadAssigned:
		return i18n.T(p.Lang, "notify.lead_assigned", name, when)
	case app.NotifyLeadEscalated:
		return i18n.T(p.Lang, "notify.lead_escalated", name, when)
	}
	return n.Text
}
