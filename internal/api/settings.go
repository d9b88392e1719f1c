package api

import (
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"renkei/internal/app"
	"renkei/internal/crm"
	"renkei/internal/mail"
)

func (s *server) getSettings(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	ws, _, err := s.app.Workspace(r.Context())
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, toWorkspace(ws))
}

func (s *server) updateSettings(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	version, err := ifMatch(r)
	if err != nil {
		return err
	}
	var in workspacePatch
	if err := decodeJSON(r, &in, false); err != nil {
		return err
	}
	ws, _, err := s.app.Workspace(r.Context())
	if err != nil {
		return err
	}
	v := &crm.ValidationError{}
	applyWorkspacePatch(&ws, in, v)
	if v.Err() != nil { // report the other fields' problems too
		mergeValidation(v, ws.Validate())
		return renameVisibilityFields(v)
	}
	ws, err = s.app.UpdateWorkspace(r.Context(), ac, ws, version)
	if err != nil {
		return renameVisibilityFields(err)
	}
	return writeJSON(w, http.StatusOK, toWorkspace(ws))
}

var hhmm = regexp.MustCompile(`^([01][0-9]|2[0-4]):([0-5][0-9])$`)

// applyWorkspacePatch copies the fields that were sent into ws, adding a
// message to v for each value that cannot be read.
func applyWorkspacePatch(ws *crm.Workspace, p workspacePatch, v *crm.ValidationError) {
	set := func(dst *string, src *string) {
		if src != nil {
			*dst = *src
		}
	}
	set(&ws.Name, p.Name)
	if p.Language != nil {
		ws.Language = crm.Language(*p.Language)
	}
	set(&ws.TimeZone, p.TimeZone)
	if p.FiscalYearStart != nil {
		ws.FiscalYearStart = *p.FiscalYearStart
	}
	set(&ws.BaseCurrency, p.BaseCurrency)
	set(&ws.CompanyName, p.CompanyName)
	set(&ws.CompanyPostalCode, p.CompanyPostalCode)
	set(&ws.CompanyAddress, p.CompanyAddress)
	set(&ws.CompanyPhone, p.CompanyPhone)
	set(&ws.InvoiceRegNumber, p.InvoiceRegNumber)
	if p.WorkingDays != nil {
		var days [7]bool
	next:
		for _, name := range *p.WorkingDays {
			for i, d := range weekdays {
				if strings.EqualFold(strings.TrimSpace(name), d) {
					days[i] = true
					continue next
				}
			}
			v.Add("working_days", "use the day names mon, tue, wed, thu, fri, sat and sun")
		}
		ws.WorkingDays = days
	}
	if p.DayStart != nil {
		ws.DayStartMinutes = parseClock(v, "day_start", *p.DayStart)
	}
	if p.DayEnd != nil {
		ws.DayEndMinutes = parseClock(v, "day_end", *p.DayEnd)
	}
	if p.JapaneseHolidays != nil {
		ws.JapaneseHolidays = *p.JapaneseHolidays
	}
	if p.Holidays != nil {
		ws.Holidays = nil
		for _, s := range *p.Holidays {
			d, err := time.Parse(time.DateOnly, strings.TrimSpace(s))
			if err != nil {
				v.Add("holidays", "use dates in the form 2026-12-29")
				continue
			}
			ws.Holidays = append(ws.Holidays, d)
		}
	}
	if p.RecordVisibility != nil {
		ws.RecordVisibility = *p.RecordVisibility
	}
}

// parseClock reads HH:MM as minutes after midnight (24:00 is the end of the day).
func parseClock(v *crm.ValidationError, field, s string) int {
	m := hhmm.FindStringSubmatch(strings.TrimSpace(s))
	if m == nil {
		v.Add(field, "use the 24-hour form HH:MM, such as 09:00")
		return 0
	}
	h, _ := strconv.Atoi(m[1])
	min, _ := strconv.Atoi(m[2])
	if h == 24 && min != 0 {
		v.Add(field, "must be 24:00 at the latest")
	}
	return h*60 + min
}

// mergeValidation adds the messages of err, if it is a validation error, to v.
func mergeValidation(v *crm.ValidationError, err error) {
	if other, ok := crm.AsValidation(err); ok {
		for f, m := range other.Fields {
			v.Add(f, m)
		}
	}
}

// renameVisibilityFields names record visibility messages after the JSON
// field (record_visibility.deals) rather than the form field
// (visibility_deals).
func renameVisibilityFields(err error) error {
	ve, ok := crm.AsValidation(err)
	if !ok {
		return err
	}
	out := &crm.ValidationError{}
	for f, m := range ve.Fields {
		if k, ok := strings.CutPrefix(f, "visibility_"); ok {
			f = "record_visibility." + k
		}
		out.Add(f, m)
	}
	return out
}

func (s *server) getMail(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	srv, version, err := s.app.SMTPSettings(r.Context(), ac)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, toMail(srv, version))
}

func (s *server) putMail(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	version, err := ifMatch(r)
	if err != nil {
		return err
	}
	var in mailInput
	if err := decodeJSON(r, &in, false); err != nil {
		return err
	}
	srv := mail.Server{Host: strings.TrimSpace(in.Host), Port: in.Port, Security: in.Security, Username: in.Username,
		Password: in.Password, FromAddress: strings.TrimSpace(in.FromAddress), FromName: in.FromName,
		InsecureSkipVerify: in.InsecureSkipVerify}
	if _, err := s.app.UpdateSMTP(r.Context(), ac, srv, version); err != nil {
		return err
	}
	return s.getMail(w, r, ac)
}

func (s *server) sendTestMail(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	var in testMailInput
	if err := decodeJSON(r, &in, true); err != nil {
		return err
	}
	id, err := s.app.SendTestMail(r.Context(), ac, in.To)
	if err != nil {
		return err
	}
	s.wake()
	w.Header().Set("Location", fmt.Sprintf("%s/jobs/%d", Prefix, id))
	return writeJSON(w, http.StatusAccepted, jobRefJSON{JobID: id})
}

func (s *server) listRates(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	rates, err := s.app.ExchangeRates(r.Context(), ac)
	if err != nil {
		return err
	}
	out := list[rateJSON]{Data: []rateJSON{}}
	for _, x := range rates {
		out.Data = append(out.Data, toRate(x))
	}
	return writeJSON(w, http.StatusOK, out)
}

func (s *server) putRate(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	var in rateInput
	if err := decodeJSON(r, &in, false); err != nil {
		return err
	}
	rate := crm.ExchangeRate{Currency: in.Currency, Rate: in.Rate}
	if in.ValidFrom != "" {
		d, err := time.Parse(time.DateOnly, strings.TrimSpace(in.ValidFrom))
		if err != nil {
			v := &crm.ValidationError{}
			v.Add("valid_from", "use a date in the form 2026-04-01")
			ws, _, err := s.app.Workspace(r.Context())
			if err != nil {
				return err
			}
			rate.ValidFrom = time.Now() // so that only the date's own message is reported for it
			mergeValidation(v, rate.Validate(ws.BaseCurrency))
			return v
		}
		rate.ValidFrom = d
	}
	rate, err := s.app.PutExchangeRate(r.Context(), ac, rate)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, toRate(rate))
}

func (s *server) deleteRate(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.app.DeleteExchangeRate(r.Context(), ac, id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
