package web

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"renkei/internal/app"
	"renkei/internal/crm"
)

// broadcastsRoutes are the UI routes of broadcasts (Marketing → E-mail →
// Broadcasts) and of the sending settings.
func (s *server) broadcastsRoutes() []route {
	return []route{
		{"GET", "/marketing/broadcasts", crm.PermReadAll, s.broadcastsPage, false},
		{"POST", "/marketing/broadcasts", crm.PermWriteMarketing, s.broadcastCreate, false},
		{"GET", "/marketing/broadcasts/new", crm.PermWriteMarketing, s.broadcastNew, false},
		{"GET", "/marketing/broadcasts/{id}", crm.PermReadAll, s.broadcastPage, false},
		{"GET", "/marketing/broadcasts/{id}/progress", crm.PermReadAll, s.broadcastProgress, false},
		{"POST", "/marketing/broadcasts/{id}", crm.PermWriteMarketing, s.broadcastUpdate, false},
		{"GET", "/marketing/broadcasts/{id}/edit", crm.PermWriteMarketing, s.broadcastEdit, false},
		{"POST", "/marketing/broadcasts/{id}/start", crm.PermWriteMarketing, s.broadcastStart, false},
		{"POST", "/marketing/broadcasts/{id}/pause", crm.PermWriteMarketing, s.broadcastMove((*app.App).PauseBroadcast), false},
		{"POST", "/marketing/broadcasts/{id}/resume", crm.PermWriteMarketing, s.broadcastMove((*app.App).ResumeBroadcast), false},
		{"POST", "/marketing/broadcasts/{id}/cancel", crm.PermWriteMarketing, s.broadcastMove((*app.App).CancelBroadcast), false},
		{"POST", "/marketing/broadcasts/{id}/delete", crm.PermWriteMarketing, s.broadcastDelete, false},
		{"GET", "/settings/sending", crm.PermSettings, s.sendingPage, false},
		{"POST", "/settings/sending", crm.PermSettings, s.sendingSave, false},
	}
}

type broadcastRow struct {
	crm.Broadcast
	Progress app.BroadcastProgress
}

func (s *server) broadcastsPage(w http.ResponseWriter, r *http.Request, rq *req) error {
	bs, err := s.app.Broadcasts(r.Context(), rq.actor)
	if err != nil {
		return err
	}
	rows := []broadcastRow{}
	for _, b := range bs {
		p, err := s.app.BroadcastProgress(r.Context(), rq.actor, b.ID)
		if err != nil {
			return err
		}
		rows = append(rows, broadcastRow{Broadcast: b, Progress: p})
	}
	p := s.newPage(w, r, rq, "broadcasts.title")
	p.Section = "marketing"
	p.Data = rows
	s.render(w, r, rq, http.StatusOK, "broadcasts_list", p)
	return nil
}

// broadcastFormData are the choices of the broadcast form.
type broadcastFormData struct {
	ID        int64
	Segments  []option
	Templates []option // e-mail templates the content can come from
	Topics    []option // topics of the preference centre (value = key)
}

func (s *server) broadcastFormPage(w http.ResponseWriter, r *http.Request, rq *req, id int64, f *form) (*page, error) {
	gs, err := s.app.Segments(r.Context(), rq.actor)
	if err != nil {
		return nil, err
	}
	d := broadcastFormData{ID: id}
	for _, g := range gs {
		d.Segments = append(d.Segments, option{Value: strconv.FormatInt(g.ID, 10), Label: g.Name})
	}
	ts, err := s.app.EmailTemplates(r.Context(), rq.actor)
	if err != nil {
		return nil, err
	}
	for _, t := range ts {
		d.Templates = append(d.Templates, option{Value: strconv.FormatInt(t.ID, 10), Label: t.Name})
	}
	tps, err := s.app.EmailTopics(r.Context(), rq.actor)
	if err != nil {
		return nil, err
	}
	cur, known := f.Get("topic"), false
	for _, t := range tps {
		label := t.Name(rq.lang)
		if label == "" {
			label = t.Name(crm.LangJA) // only a Japanese name was given
		}
		d.Topics = append(d.Topics, option{Value: t.Key, Label: label})
		known = known || t.Key == cur
	}
	if cur != "" && !known { // deleted since it was chosen: shown, and refused on saving
		d.Topics = append(d.Topics, option{Value: cur, Label: cur})
	}
	title := "broadcasts.new"
	if id != 0 {
		title = "broadcasts.edit"
	}
	p := s.newPage(w, r, rq, title)
	p.Section = "marketing"
	p.Form = f
	p.Data = d
	return p, nil
}

func (s *server) broadcastNew(w http.ResponseWriter, r *http.Request, rq *req) error {
	f := newForm()
	f.Set("ab_share", "20")
	f.Set("ab_wait_min", "240")
	f.Set("ab_metric", "opens")
	f.Set("html", "<p>{{company | \"御社\"}}<br>{{family_name}} {{honorific}}</p>\n<p></p>")
	p, err := s.broadcastFormPage(w, r, rq, 0, f)
	if err != nil {
		return err
	}
	s.render(w, r, rq, http.StatusOK, "broadcasts_form", p)
	return nil
}

func (s *server) broadcastEdit(w http.ResponseWriter, r *http.Request, rq *req) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	b, err := s.app.Broadcast(r.Context(), rq.actor, id)
	if err != nil {
		return err
	}
	f := broadcastForm(b)
	p, err := s.broadcastFormPage(w, r, rq, id, f)
	if err != nil {
		return err
	}
	s.render(w, r, rq, http.StatusOK, "broadcasts_form", p)
	return nil
}

func broadcastForm(b crm.Broadcast) *form {
	f := newForm()
	f.Version = b.Version
	f.Set("name", b.Name)
	for _, id := range b.IncludeIDs {
		f.Values.Add("include_ids", strconv.FormatInt(id, 10))
	}
	for _, id := range b.ExcludeIDs {
		f.Values.Add("exclude_ids", strconv.FormatInt(id, 10))
	}
	for k, v := range map[string]string{"subject": b.Subject, "subject_b": b.SubjectB, "preheader": b.Preheader, "html": b.HTML,
		"from_name": b.FromName, "topic": b.Topic, "ab_metric": b.ABMetric} {
		f.Set(k, v)
	}
	for k, v := range map[string]int{"per_second": b.PerSecond, "per_hour": b.PerHour, "ab_share": b.ABShare, "ab_wait_min": b.ABWaitMin} {
		if v != 0 {
			f.Set(k, strconv.Itoa(v))
		}
	}
	if b.AsOwner {
		f.Set("as_owner", "1")
	}
	if b.TemplateID != 0 {
		f.Set("template_id", strconv.FormatInt(b.TemplateID, 10))
	}
	return f
}

// postedBroadcast reads the form; numbers that do not parse are reported
// per field.
func postedBroadcast(f *form) (crm.Broadcast, *crm.ValidationError) {
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
	ids := func(k string) []int64 {
		var out []int64
		for _, s := range f.Values[k] {
			if n, err := strconv.ParseInt(s, 10, 64); err == nil {
				out = append(out, n)
			}
		}
		return out
	}
	b := crm.Broadcast{Name: f.Get("name"), IncludeIDs: ids("include_ids"), ExcludeIDs: ids("exclude_ids"),
		Subject: f.Get("subject"), SubjectB: f.Get("subject_b"), Preheader: f.Get("preheader"), HTML: f.Get("html"),
		FromName: f.Get("from_name"), AsOwner: f.Get("as_owner") != "", Topic: f.Get("topic"),
		PerSecond: num("per_second"), PerHour: num("per_hour"), ABShare: num("ab_share"), ABWaitMin: num("ab_wait_min"),
		ABMetric: f.Get("ab_metric"), Version: f.Version}
	if s := strings.TrimSpace(f.Get("template_id")); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n <= 0 {
			v.Add("template_id", "choose a template from the list")
		}
		b.TemplateID = n
	}
	return b, v
}

// withFieldErrors adds the broadcast's own field messages to those of the
// form's numbers, so a form with both shows all of them at once.
func withFieldErrors(v *crm.ValidationError, b crm.Broadcast) error {
	if len(v.Fields) == 0 {
		return nil
	}
	b.Normalize()
	if ve, ok := crm.AsValidation(b.Validate()); ok {
		for k, m := range ve.Fields {
			v.Add(k, m)
		}
	}
	return v
}

func (s *server) broadcastCreate(w http.ResponseWriter, r *http.Request, rq *req) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	f := submitted(r)
	b, v := postedBroadcast(f)
	var err error = withFieldErrors(v, b)
	if err == nil {
		b, err = s.app.CreateBroadcast(r.Context(), rq.actor, b)
	}
	if err != nil {
		p, perr := s.broadcastFormPage(w, r, rq, 0, f)
		if perr != nil {
			return perr
		}
		return again(err, "broadcasts_form", p)
	}
	return s.redirect(w, r, rq, fmt.Sprintf("/marketing/broadcasts/%d", b.ID), "flash.broadcast_saved")
}

func (s *server) broadcastUpdate(w http.ResponseWriter, r *http.Request, rq *req) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	f := submitted(r)
	b, v := postedBroadcast(f)
	b.ID = id
	err = withFieldErrors(v, b)
	if err == nil {
		_, err = s.app.UpdateBroadcast(r.Context(), rq.actor, b)
	}
	if err != nil {
		p, perr := s.broadcastFormPage(w, r, rq, id, f)
		if perr != nil {
			return perr
		}
		return again(err, "broadcasts_form", p)
	}
	return s.redirect(w, r, rq, fmt.Sprintf("/marketing/broadcasts/%d", id), "flash.broadcast_saved")
}

type broadcastPageData struct {
	B      crm.Broadcast
	Report app.BroadcastReport
	Ready  string // what sending still needs ("" when ready)
}

func (s *server) broadcastPage(w http.ResponseWriter, r *http.Request, rq *req) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	b, err := s.app.Broadcast(r.Context(), rq.actor, id)
	if err != nil {
		return err
	}
	rep, err := s.app.BroadcastReport(r.Context(), rq.actor, id)
	if err != nil {
		return err
	}
	d := broadcastPageData{B: b, Report: rep}
	if err := s.app.CheckSendingReady(r.Context()); err != nil {
		d.Ready = "broadcasts.not_ready"
	}
	p := s.newPage(w, r, rq, "broadcasts.title")
	p.Title = b.Name
	p.Section = "marketing"
	p.Form = newForm()
	p.Data = d
	s.render(w, r, rq, http.StatusOK, "broadcasts_broadcast", p)
	return nil
}

// broadcastProgress is the progress card alone, polled while sending.
func (s *server) broadcastProgress(w http.ResponseWriter, r *http.Request, rq *req) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	b, err := s.app.Broadcast(r.Context(), rq.actor, id)
	if err != nil {
		return err
	}
	rep, err := s.app.BroadcastReport(r.Context(), rq.actor, id)
	if err != nil {
		return err
	}
	p := s.newPage(w, r, rq, "broadcasts.title")
	p.Data = broadcastPageData{B: b, Report: rep}
	s.render(w, r, rq, http.StatusOK, "broadcasts_progress", p)
	return nil
}

func (s *server) broadcastStart(w http.ResponseWriter, r *http.Request, rq *req) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	at := time.Time{}
	if v := strings.TrimSpace(r.PostFormValue("send_at")); v != "" {
		ws, _, err := s.app.Workspace(r.Context())
		if err != nil {
			return err
		}
		if at, err = time.ParseInLocation("2006-01-02T15:04", v, ws.Location()); err != nil {
			return s.broadcastAgain(w, r, rq, id, crm.Invalid("send_at", "enter a date and time"))
		}
	}
	if _, err := s.app.StartBroadcast(r.Context(), rq.actor, id, at); err != nil {
		return s.broadcastAgain(w, r, rq, id, err)
	}
	return s.redirect(w, r, rq, fmt.Sprintf("/marketing/broadcasts/%d", id), "flash.broadcast_started")
}

// broadcastAgain shows the broadcast page with the messages of err.
func (s *server) broadcastAgain(w http.ResponseWriter, r *http.Request, rq *req, id int64, err error) error {
	if _, ok := crm.AsValidation(err); !ok {
		return err
	}
	b, berr := s.app.Broadcast(r.Context(), rq.actor, id)
	if berr != nil {
		return berr
	}
	rep, rerr := s.app.BroadcastReport(r.Context(), rq.actor, id)
	if rerr != nil {
		return rerr
	}
	p := s.newPage(w, r, rq, "broadcasts.title")
	p.Title, p.Section, p.Form = b.Name, "marketing", newForm()
	p.Data = broadcastPageData{B: b, Report: rep}
	return again(err, "broadcasts_broadcast", p)
}

func (s *server) broadcastMove(fn func(*app.App, context.Context, app.Actor, int64) error) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request, rq *req) error {
		if err := parseForm(w, r); err != nil {
			return err
		}
		id, err := pathID(r, "id")
		if err != nil {
			return err
		}
		if err := fn(s.app, r.Context(), rq.actor, id); err != nil {
			return s.broadcastAgain(w, r, rq, id, err)
		}
		return s.redirect(w, r, rq, fmt.Sprintf("/marketing/broadcasts/%d", id), "flash.broadcast_changed")
	}
}

func (s *server) broadcastDelete(w http.ResponseWriter, r *http.Request, rq *req) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.app.DeleteBroadcast(r.Context(), rq.actor, id); err != nil {
		return s.broadcastAgain(w, r, rq, id, err)
	}
	return s.redirect(w, r, rq, "/marketing/broadcasts", "flash.broadcast_deleted")
}

// ---- sending settings ----

type sendingPageData struct {
	View   app.SendingView
	Relays []int // indexes of the relay rows (the stored ones and one blank)
}

func sendingForm(v app.SendingView) *form {
	f := newForm()
	f.Version = v.Version
	st := v.Settings
	for k, val := range map[string]string{"domain": st.Domain, "from_address": st.FromAddress, "from_name": st.FromName,
		"dkim_selector": st.DKIMSelector, "compliance.sender_name": st.Compliance.SenderName,
		"compliance.postal_address": st.Compliance.PostalAddress, "compliance.contact_email": st.Compliance.ContactEmail} {
		f.Set(k, val)
	}
	if st.PerSecond > 0 {
		f.Set("per_second", strconv.Itoa(st.PerSecond))
	}
	if st.PerHour > 0 {
		f.Set("per_hour", strconv.Itoa(st.PerHour))
	}
	for i, r := range st.Relays {
		p := fmt.Sprintf("relays.%d.", i)
		f.Set(p+"host", r.Host)
		f.Set(p+"port", strconv.Itoa(r.Port))
		f.Set(p+"security", r.Security)
		f.Set(p+"username", r.Username)
		f.Set(p+"weight", strconv.Itoa(r.Weight))
		f.Set(p+"max_conns", strconv.Itoa(r.MaxConns))
		f.Set(p+"per_conn", strconv.Itoa(r.PerConn))
	}
	return f
}

func (s *server) sendingPageOf(w http.ResponseWriter, r *http.Request, rq *req, v app.SendingView, f *form) *page {
	p := s.newPage(w, r, rq, "sending.title")
	p.Section, p.Sub = "settings", "sending"
	p.Form = f
	n := len(v.Settings.Relays)
	for i := 0; i < len(f.Values); i++ {
		if f.Get(fmt.Sprintf("relays.%d.host", i)) != "" && i >= n {
			n = i + 1
		}
	}
	d := sendingPageData{View: v}
	for i := 0; i <= n && i < crm.MaxRelays; i++ {
		d.Relays = append(d.Relays, i)
	}
	p.Data = d
	return p
}

func (s *server) sendingPage(w http.ResponseWriter, r *http.Request, rq *req) error {
	v, err := s.app.SendingSettings(r.Context(), rq.actor)
	if err != nil {
		return err
	}
	s.render(w, r, rq, http.StatusOK, "sending_settings", s.sendingPageOf(w, r, rq, v, sendingForm(v)))
	return nil
}

func (s *server) sendingSave(w http.ResponseWriter, r *http.Request, rq *req) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	f := submitted(r)
	v := &crm.ValidationError{}
	num := func(k string, def int) int {
		s := strings.TrimSpace(f.Get(k))
		if s == "" {
			return def
		}
		n, err := strconv.Atoi(s)
		if err != nil {
			v.Add(k, "enter a whole number")
		}
		return n
	}
	st := crm.SendingSettings{Domain: f.Get("domain"), FromAddress: f.Get("from_address"), FromName: f.Get("from_name"),
		DKIMSelector: f.Get("dkim_selector"), DKIMKey: r.PostFormValue("dkim_key"),
		Compliance: crm.Compliance{SenderName: f.Get("compliance.sender_name"), PostalAddress: f.Get("compliance.postal_address"),
			ContactEmail: f.Get("compliance.contact_email")},
		PerSecond: num("per_second", 0), PerHour: num("per_hour", 0)}
	for i := 0; i < crm.MaxRelays; i++ {
		p := fmt.Sprintf("relays.%d.", i)
		if strings.TrimSpace(f.Get(p+"host")) == "" {
			continue
		}
		st.Relays = append(st.Relays, crm.SMTPRelay{Host: f.Get(p + "host"), Port: num(p+"port", 587), Security: f.Get(p + "security"),
			Username: f.Get(p + "username"), Password: r.PostFormValue(p + "password"), Weight: num(p+"weight", 1),
			MaxConns: num(p+"max_conns", 4), PerConn: num(p+"per_conn", 1000)})
	}
	f.Values.Del("dkim_key")
	err := v.Err()
	if err == nil {
		_, err = s.app.UpdateSendingSettings(r.Context(), rq.actor, app.SendingUpdate{Settings: st, Version: f.Version,
			GenerateDKIM: f.Get("generate_dkim") != "", RemoveDKIM: f.Get("remove_dkim") != ""})
	}
	if err != nil {
		view, verr := s.app.SendingSettings(r.Context(), rq.actor)
		if verr != nil {
			return verr
		}
		return again(err, "sending_settings", s.sendingPageOf(w, r, rq, view, f))
	}
	return s.redirect(w, r, rq, "/settings/sending", "flash.sending_saved")
}
