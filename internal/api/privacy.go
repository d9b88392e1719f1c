package api

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"renkei/internal/app"
	"renkei/internal/crm"
)

func (s *server) putConsent(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in consentInput
	if err := decodeJSON(r, &in, false); err != nil {
		return err
	}
	source := strings.TrimSpace(in.Source)
	if source == "" {
		source = "api"
	}
	status := crm.Consent(strings.TrimSpace(in.Status))
	if err := s.app.SetConsent(r.Context(), ac, id, status, source, in.Wording); err != nil {
		return renameFields(err, map[string]string{"consent": "status"})
	}
	c, err := s.app.Contact(r.Context(), ac, id)
	if err != nil {
		return err
	}
	lang := displayLanguage(r, ac)
	setLanguage(w, lang)
	return writeJSON(w, http.StatusOK, toContact(c, lang))
}

func (s *server) exportPerson(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	format := r.URL.Query().Get("format")
	if format != "" && format != "json" && format != "csv" {
		return badField("format", "must be json or csv")
	}
	d, err := s.app.ExportPerson(r.Context(), ac, id)
	if err != nil {
		return err
	}
	lang := displayLanguage(r, ac)
	setLanguage(w, lang)
	out := personExportJSON{Contact: toContact(d.Contact, lang), Timeline: []timelineJSON{}, Consent: []consentEventJSON{},
		Visits: toPersonVisits(d.Visits), Events: toPersonEvents(d.Events),
		ExportedAt: s.app.Clock().UTC().Truncate(time.Millisecond)}
	if d.Company != nil {
		co := toCompany(*d.Company, lang)
		out.Company = &co
	}
	for _, e := range d.Timeline {
		out.Timeline = append(out.Timeline, toTimeline(e))
	}
	for _, e := range d.Consent {
		out.Consent = append(out.Consent, toConsentEvent(e))
	}
	out.Contracts = []contractJSON{} // contracts
	for _, k := range d.Contracts {
		out.Contracts = append(out.Contracts, toContract(k))
	}
	out.Deals = []dealJSON{} // sales
	for _, x := range d.Deals {
		out.Deals = append(out.Deals, toDeal(x, lang))
	}
	if format != "csv" {
		return writeJSON(w, http.StatusOK, out)
	}
	b, err := personCSV(out)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="contact-%d.csv"`, id))
	w.WriteHeader(http.StatusOK)
	w.Write(b)
	return nil
}

func (s *server) erasePerson(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.app.ErasePerson(r.Context(), ac, id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// personCSV writes a person export as CSV, UTF-8 with a byte-order mark so
// that Excel reads it as UTF-8. Each section (contact, company, timeline,
// consent) starts with a row holding its name, then a header row; a blank
// row separates sections. The contact and company are field/value pairs;
// the timeline and consent history have one row per entry. Every cell is
// neutralised against formula injection.
func personCSV(d personExportJSON) ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteString("\uFEFF")
	cw := csv.NewWriter(&buf)
	cw.UseCRLF = true
	write := func(cells ...string) {
		for i, c := range cells {
			cells[i] = neutralizeCell(c)
		}
		cw.Write(cells)
	}
	pairs := func(section string, v any) error {
		var m map[string]any
		b, err := json.Marshal(v)
		if err != nil {
			return err
		}
		if err := json.Unmarshal(b, &m); err != nil {
			return err
		}
		write(section)
		write("field", "value")
		props, _ := m["properties"].(map[string]any)
		delete(m, "properties")
		for _, k := range sortedKeys(m) {
			write(k, cellText(m[k]))
		}
		for _, k := range sortedKeys(props) {
			write("properties."+k, cellText(props[k]))
		}
		return nil
	}
	if err := pairs("contact", d.Contact); err != nil {
		return nil, err
	}
	if d.Company != nil {
		write()
		if err := pairs("company", *d.Company); err != nil {
			return nil, err
		}
	}
	write()
	write("timeline")
	write("id", "at", "kind", "actor_name", "data")
	for _, e := range d.Timeline {
		write(strconv.FormatInt(e.ID, 10), e.At.Format(time.RFC3339Nano), e.Kind, e.ActorName, cellText(e.Data))
	}
	write()
	write("consent")
	write("id", "at", "status", "source", "wording", "page_url", "ip")
	for _, e := range d.Consent {
		write(strconv.FormatInt(e.ID, 10), e.At.Format(time.RFC3339Nano), string(e.Status), e.Source, e.Wording, e.PageURL, e.IP)
	}
	writeTrackingCSV(write, d)
	if len(d.Deals) > 0 { // sales
		write()
		write("deals")
		write("id", "name", "stage_id", "amount", "currency", "source", "next_step", "notes", "lost_reason", "created_at")
		for _, x := range d.Deals {
			write(strconv.FormatInt(x.ID, 10), x.Name, strconv.FormatInt(x.StageID, 10), strconv.FormatInt(x.Amount, 10),
				x.Currency, x.Source, x.NextStep, x.Notes, x.LostReason, x.CreatedAt.Format(time.RFC3339Nano))
		}
	}
	cw.Flush()
	return buf.Bytes(), cw.Error()
}

// cellText is how a JSON value reads in a cell: text as is, null empty,
// lists joined with "; ", objects and numbers as JSON.
func cellText(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case string:
		return v
	case []any:
		parts := make([]string, len(v))
		for i, x := range v {
			parts[i] = cellText(x)
		}
		return strings.Join(parts, "; ")
	case map[string]any:
		if len(v) == 0 {
			return ""
		}
	}
	b, _ := json.Marshal(v)
	return string(b)
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// neutralizeCell keeps a spreadsheet from reading a cell as a formula: a
// cell that starts with =, +, -, @, a tab or a carriage return gets a
// leading apostrophe (OWASP's advice on CSV injection).
func neutralizeCell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
