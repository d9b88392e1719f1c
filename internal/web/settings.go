package web

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"renkei/internal/app"
	"renkei/internal/crm"
	"renkei/internal/i18n"
	"renkei/internal/mail"
	"renkei/internal/store"
)

// recordTypes are the record types whose visibility the workspace sets.
func recordTypes() []string { return []string{"contacts", "companies", "deals"} }

// workspaceData is the content of the workspace settings page.
type workspaceData struct {
	Posted      string // "workspace" or "rates": where the form messages show
	Holidays    []holidayRow
	HolidayYear int
	Rates       []crm.ExchangeRate
	Base        string // base currency
	RecordTypes []string
}

// holidayRow is one Japanese national holiday of this year.
type holidayRow struct {
	Date time.Time
	Name string
}

// workspaceForm fills a form with the workspace settings.
func workspaceForm(ws crm.Workspace) *form {
	f := newForm()
	f.Version = ws.Version
	f.Set("name", ws.Name)
	f.Set("language", string(ws.Language))
	f.Set("time_zone", ws.TimeZone)
	f.Set("fiscal_year_start", strconv.Itoa(ws.FiscalYearStart))
	f.Set("base_currency", ws.BaseCurrency)
	f.Set("company_name", ws.CompanyName)
	f.Set("company_postal_code", ws.CompanyPostalCode)
	f.Set("company_address", ws.CompanyAddress)
	f.Set("company_phone", ws.CompanyPhone)
	f.Set("invoice_reg_number", ws.InvoiceRegNumber)
	for d, on := range ws.WorkingDays {
		if on {
			f.Values.Add("working_days", strconv.Itoa(d))
		}
	}
	f.Set("day_start", clock(ws.DayStartMinutes))
	f.Set("day_end", clock(ws.DayEndMinutes))
	if ws.JapaneseHolidays {
		f.Set("japanese_holidays", "on")
	}
	var days []string
	for _, h := range ws.Holidays {
		days = append(days, h.Format(time.DateOnly))
	}
	f.Set("holidays", strings.Join(days, "\n"))
	for _, t := range recordTypes() {
		v := ws.RecordVisibility[t]
		if v == "" {
			v = crm.VisibleWorkspace
		}
		f.Set("visibility_"+t, string(v))
	}
	return f
}

// clock formats minutes after midnight as HH:MM.
func clock(min int) string { return fmt.Sprintf("%02d:%02d", min/60, min%60) }

// parseClock reads HH:MM (24:00 allowed) as minutes after midnight.
func parseClock(s string) (int, bool) {
	h, m, ok := strings.Cut(strings.TrimSpace(s), ":")
	hh, err1 := strconv.Atoi(h)
	mm, err2 := strconv.Atoi(m)
	if !ok || err1 != nil || err2 != nil || hh < 0 || hh > 24 || mm < 0 || mm > 59 || (hh == 24 && mm != 0) {
		return 0, false
	}
	return hh*60 + mm, true
}

// parseWorkspace reads the posted settings over ws. Fields that cannot be
// parsed get messages in v.
func parseWorkspace(f *form, ws crm.Workspace, v *crm.ValidationError) crm.Workspace {
	ws.Name = f.Get("name")
	ws.Language = crm.Language(f.Get("language"))
	ws.TimeZone = f.Get("time_zone")
	if m, err := strconv.Atoi(f.Get("fiscal_year_start")); err == nil {
		ws.FiscalYearStart = m
	} else {
		v.Add("fiscal_year_start", "must be a month from 1 to 12")
	}
	ws.BaseCurrency = f.Get("base_currency")
	ws.CompanyName = strings.TrimSpace(f.Get("company_name"))
	ws.CompanyPostalCode = strings.TrimSpace(f.Get("company_postal_code"))
	ws.CompanyAddress = strings.TrimSpace(f.Get("company_address"))
	ws.CompanyPhone = strings.TrimSpace(f.Get("company_phone"))
	ws.InvoiceRegNumber = f.Get("invoice_reg_number")
	ws.WorkingDays = [7]bool{}
	for _, d := range f.Values["working_days"] {
		if n, err := strconv.Atoi(d); err == nil && n >= 0 && n < 7 {
			ws.WorkingDays[n] = true
		}
	}
	if m, ok := parseClock(f.Get("day_start")); ok {
		ws.DayStartMinutes = m
	} else {
		v.Add("day_start", "enter a time such as 09:00")
	}
	if m, ok := parseClock(f.Get("day_end")); ok {
		ws.DayEndMinutes = m
	} else {
		v.Add("day_end", "enter a time such as 18:00")
	}
	ws.JapaneseHolidays = f.Get("japanese_holidays") == "on"
	ws.Holidays = nil
	for _, line := range strings.Split(f.Get("holidays"), "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		d, err := time.Parse(time.DateOnly, strings.ReplaceAll(line, "/", "-"))
		if err != nil {
			v.Add("holidays", "write one date per line as YYYY-MM-DD")
			continue
		}
		ws.Holidays = append(ws.Holidays, d)
	}
	ws.RecordVisibility = map[string]crm.Visibility{}
	for _, t := range recordTypes() {
		ws.RecordVisibility[t] = crm.Visibility(f.Get("visibility_" + t))
	}
	return ws
}

// workspacePageData loads what the workspace page shows besides the form.
func (s *server) workspacePageData(r *http.Request, rq *req, ws crm.Workspace, posted string) (workspaceData, error) {
	d := workspaceData{Posted: posted, Base: ws.BaseCurrency, RecordTypes: recordTypes()}
	d.HolidayYear = s.app.Clock().In(ws.Location()).Year()
	for _, h := range crm.JapaneseHolidays(d.HolidayYear) {
		name := h.NameEN
		if rq.lang == crm.LangJA {
			name = h.NameJA
		}
		d.Holidays = append(d.Holidays, holidayRow{Date: h.Date, Name: name})
	}
	var err error
	d.Rates, err = s.app.ExchangeRates(r.Context(), rq.actor)
	return d, err
}

func (s *server) workspacePage(w http.ResponseWriter, r *http.Request, rq *req) error {
	ws, err := s.workspace(r.Context(), rq)
	if err != nil {
		return err
	}
	p := s.newPage(w, r, rq, "settings.workspace")
	p.Section, p.Sub = "settings", "workspace"
	p.Form = workspaceForm(ws)
	p.Form.Set("valid_from", s.app.Clock().In(ws.Location()).Format(time.DateOnly))
	if p.Data, err = s.workspacePageData(r, rq, ws, ""); err != nil {
		return err
	}
	s.render(w, r, rq, http.StatusOK, "workspace", p)
	return nil
}

func (s *server) workspacePost(w http.ResponseWriter, r *http.Request, rq *req) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	ctx := r.Context()
	ws, err := s.workspace(ctx, rq)
	if err != nil {
		return err
	}
	p := s.newPage(w, r, rq, "settings.workspace")
	p.Section, p.Sub = "settings", "workspace"
	p.Form = submitted(r)
	p.Form.Set("valid_from", s.app.Clock().In(ws.Location()).Format(time.DateOnly))
	if p.Data, err = s.workspacePageData(r, rq, ws, "workspace"); err != nil {
		return err
	}
	v := &crm.ValidationError{}
	next := parseWorkspace(p.Form, ws, v)
	if v.Err() != nil {
		// Show the parse errors together with the other checks.
		if ve, ok := crm.AsValidation(next.Validate()); ok {
			for f, m := range ve.Fields {
				v.Add(f, m)
			}
		}
		return again(v, "workspace", p)
	}
	if _, err := s.app.UpdateWorkspace(ctx, rq.actor, next, p.Form.Version); err != nil {
		return again(err, "workspace", p)
	}
	return s.redirect(w, r, rq, "/settings/workspace", "flash.saved")
}

func (s *server) ratePost(w http.ResponseWriter, r *http.Request, rq *req) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	ctx := r.Context()
	ws, err := s.workspace(ctx, rq)
	if err != nil {
		return err
	}
	p := s.newPage(w, r, rq, "settings.workspace")
	p.Section, p.Sub = "settings", "workspace"
	p.Form = workspaceForm(ws)
	for _, k := range []string{"currency", "rate", "valid_from"} {
		p.Form.Set(k, r.PostFormValue(k))
	}
	if p.Data, err = s.workspacePageData(r, rq, ws, "rates"); err != nil {
		return err
	}
	v := &crm.ValidationError{}
	rate := crm.ExchangeRate{Currency: r.PostFormValue("currency")}
	if rate.Rate, err = strconv.ParseFloat(strings.ReplaceAll(strings.TrimSpace(r.PostFormValue("rate")), ",", ""), 64); err != nil {
		v.Add("rate", "must be a positive number")
	}
	if rate.ValidFrom, err = time.Parse(time.DateOnly, strings.TrimSpace(r.PostFormValue("valid_from"))); err != nil {
		v.Add("valid_from", "enter a date such as 2026-04-01")
	}
	if v.Err() != nil {
		return again(v, "workspace", p)
	}
	if _, err := s.app.PutExchangeRate(ctx, rq.actor, rate); err != nil {
		return again(err, "workspace", p)
	}
	return s.redirect(w, r, rq, "/settings/workspace#rates", "flash.rate_saved")
}

func (s *server) rateDelete(w http.ResponseWriter, r *http.Request, rq *req) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.app.DeleteExchangeRate(r.Context(), rq.actor, id); err != nil {
		return err
	}
	return s.redirect(w, r, rq, "/settings/workspace#rates", "flash.rate_deleted")
}

// mailData is the content of the mail settings page.
type mailData struct {
	Posted      string // "smtp" or "test"
	HasPassword bool   // a password is stored (never shown)
	Configured  bool
	Test        *testMailStatus
}

// testMailStatus is the state of a test mail, polled by htmx.
type testMailStatus struct {
	JobID  int64
	To     string
	Status string // queued, running, done, failed
	Error  string // the last error, for failed and retried sends
	Final  bool   // nothing will change any more: stop polling
}

func mailForm(srv mail.Server, version int64) *form {
	f := newForm()
	f.Version = version
	f.Set("host", srv.Host)
	if srv.Port != 0 {
		f.Set("port", strconv.Itoa(srv.Port))
	}
	f.Set("security", string(srv.Security))
	f.Set("username", srv.Username)
	f.Set("from_address", srv.FromAddress)
	f.Set("from_name", srv.FromName)
	if srv.InsecureSkipVerify {
		f.Set("insecure_skip_verify", "on")
	}
	return f
}

func (s *server) mailPageData(w http.ResponseWriter, r *http.Request, rq *req) (*page, mail.Server, error) {
	srv, version, err := s.app.SMTPSettings(r.Context(), rq.actor)
	if err != nil {
		return nil, srv, err
	}
	p := s.newPage(w, r, rq, "settings.mail")
	p.Section, p.Sub = "settings", "mail"
	p.Form = mailForm(srv, version)
	p.Form.Set("to", rq.actor.User.Email)
	p.Data = mailData{HasPassword: srv.Password != "", Configured: srv.Configured()}
	return p, srv, nil
}

func (s *server) mailPage(w http.ResponseWriter, r *http.Request, rq *req) error {
	p, _, err := s.mailPageData(w, r, rq)
	if err != nil {
		return err
	}
	s.render(w, r, rq, http.StatusOK, "mail", p)
	return nil
}

func (s *server) mailPost(w http.ResponseWriter, r *http.Request, rq *req) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	p, _, err := s.mailPageData(w, r, rq)
	if err != nil {
		return err
	}
	d := p.Data.(mailData)
	d.Posted = "smtp"
	p.Data = d
	p.Form = submitted(r)
	p.Form.Set("to", rq.actor.User.Email)
	f := p.Form
	srv := mail.Server{
		Host:               strings.TrimSpace(f.Get("host")),
		Security:           mail.Security(f.Get("security")),
		Username:           strings.TrimSpace(f.Get("username")),
		Password:           r.PostFormValue("password"),
		FromAddress:        strings.TrimSpace(f.Get("from_address")),
		FromName:           strings.TrimSpace(f.Get("from_name")),
		InsecureSkipVerify: f.Get("insecure_skip_verify") == "on",
	}
	srv.Port, _ = strconv.Atoi(strings.TrimSpace(f.Get("port")))
	if _, err := s.app.UpdateSMTP(r.Context(), rq.actor, srv, f.Version); err != nil {
		return again(err, "mail", p)
	}
	return s.redirect(w, r, rq, "/settings/mail", "flash.saved")
}

// mailTest queues a test mail. With htmx it answers with the status
// fragment, which then polls mailTestStatus; without, with the whole page.
func (s *server) mailTest(w http.ResponseWriter, r *http.Request, rq *req) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	p, _, err := s.mailPageData(w, r, rq)
	if err != nil {
		return err
	}
	d := p.Data.(mailData)
	d.Posted = "test"
	to := strings.TrimSpace(r.PostFormValue("to"))
	p.Form.Set("to", to)
	id, err := s.app.SendTestMail(r.Context(), rq.actor, to)
	if err != nil {
		if r.Header.Get("HX-Request") == "true" && statusOf(err) == http.StatusUnprocessableEntity {
			d.Test = &testMailStatus{Status: "invalid", Final: true}
			if v, ok := crm.AsValidation(err); ok {
				var msgs []string
				for _, m := range v.Fields {
					msgs = append(msgs, i18n.Error(rq.lang, m))
				}
				d.Test.Error = strings.Join(msgs, " ")
			}
			p.Data = d
			s.renderPartialStatus(w, rq, http.StatusUnprocessableEntity, p)
			return nil
		}
		p.Data = d
		return again(err, "mail", p)
	}
	s.wake()
	d.Test = &testMailStatus{JobID: id, To: to, Status: store.JobQueued}
	if to == "" {
		d.Test.To = rq.actor.User.Email
	}
	p.Data = d
	if r.Header.Get("HX-Request") == "true" {
		s.renderPartialStatus(w, rq, http.StatusOK, p)
		return nil
	}
	s.render(w, r, rq, http.StatusOK, "mail", p)
	return nil
}

func (s *server) renderPartialStatus(w http.ResponseWriter, rq *req, code int, p *page) {
	s.renderTemplate(w, rq, code, "mail", "mail-test-status", p)
}

// mailTestStatus answers the htmx poll of a test mail's job.
func (s *server) mailTestStatus(w http.ResponseWriter, r *http.Request, rq *req) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	j, err := s.app.JobStatus(r.Context(), rq.actor, id)
	if err != nil {
		return err
	}
	if j.Kind != app.JobMailSend {
		return crm.ErrNotFound
	}
	// The address only labels the status; it comes back from the page
	// that asked (the job's payload is not kept after sending).
	st := &testMailStatus{JobID: j.ID, To: r.URL.Query().Get("to"), Status: j.Status, Error: j.LastError,
		Final: j.Status == store.JobDone || j.Status == store.JobFailed}
	p := s.newPage(nil, r, rq, "settings.mail")
	p.Data = mailData{Test: st}
	s.renderPartialStatus(w, rq, http.StatusOK, p)
	return nil
}
