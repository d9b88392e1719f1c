package web

import (
	"fmt"
	"net/http"
	"strings"

	"renkei/internal/crm"
	"renkei/internal/i18n"
)

// propertiesData is the content of the custom properties settings page.
type propertiesData struct {
	Contact []crm.Property
	Company []crm.Property
	Types   []option
}

// typeOptions lists the property types.
func typeOptions(lang crm.Language) []option {
	out := make([]option, len(crm.PropertyTypes))
	for i, t := range crm.PropertyTypes {
		out[i] = option{string(t), i18n.T(lang, "properties.type."+string(t))}
	}
	return out
}

// objectOptions lists the kinds of record that have custom properties.
func objectOptions(lang crm.Language) []option {
	return []option{{"contact", i18n.T(lang, "properties.object.contact")}, {"company", i18n.T(lang, "properties.object.company")}}
}

func (s *server) propertiesPageData(w http.ResponseWriter, r *http.Request, rq *req) (*page, error) {
	p := s.newPage(w, r, rq, "settings.properties")
	p.Section, p.Sub = "settings", "properties"
	all, err := s.app.Properties(r.Context(), rq.actor, "")
	if err != nil {
		return nil, err
	}
	d := &propertiesData{Types: typeOptions(rq.lang)}
	for _, pr := range all {
		if pr.Object == "company" {
			d.Company = append(d.Company, pr)
		} else {
			d.Contact = append(d.Contact, pr)
		}
	}
	p.Data = d
	p.Form = newForm()
	p.Form.Set("object", "contact")
	p.Form.Set("type", string(crm.PropText))
	if o := r.URL.Query().Get("object"); o == "company" {
		p.Form.Set("object", o)
	}
	return p, nil
}

func (s *server) propertiesPage(w http.ResponseWriter, r *http.Request, rq *req) error {
	p, err := s.propertiesPageData(w, r, rq)
	if err != nil {
		return err
	}
	s.render(w, r, rq, http.StatusOK, "properties", p)
	return nil
}

// splitLines reads one choice per line.
func splitLines(s string) []string {
	var out []string
	for _, l := range strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

func (s *server) propertyCreate(w http.ResponseWriter, r *http.Request, rq *req) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	p, err := s.propertiesPageData(w, r, rq)
	if err != nil {
		return err
	}
	f := submitted(r)
	p.Form = f
	pr := crm.Property{Object: f.Get("object"), Key: f.Get("key"), LabelJA: f.Get("label_ja"), LabelEN: f.Get("label_en"),
		Type: crm.PropertyType(f.Get("type")), Options: splitLines(f.Get("options"))}
	if _, err := s.app.CreateProperty(r.Context(), rq.actor, pr); err != nil {
		return again(err, "properties", p)
	}
	return s.redirect(w, r, rq, "/settings/properties", "flash.property_created")
}

// propertyData is the content of the page that edits one property.
type propertyData struct {
	P crm.Property
}

func (s *server) propertyForm(w http.ResponseWriter, r *http.Request, rq *req) (*page, crm.Property, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return nil, crm.Property{}, err
	}
	all, err := s.app.Properties(r.Context(), rq.actor, "")
	if err != nil {
		return nil, crm.Property{}, err
	}
	for _, pr := range all {
		if pr.ID == id {
			p := s.newPage(w, r, rq, "properties.edit")
			p.Section, p.Sub = "settings", "properties"
			f := newForm()
			f.Version = pr.Version
			f.Set("label_ja", pr.LabelJA)
			f.Set("label_en", pr.LabelEN)
			f.Set("options", strings.Join(pr.Options, "\n"))
			p.Form = f
			p.Data = propertyData{P: pr}
			return p, pr, nil
		}
	}
	return nil, crm.Property{}, crm.ErrNotFound
}

func (s *server) propertyPage(w http.ResponseWriter, r *http.Request, rq *req) error {
	p, _, err := s.propertyForm(w, r, rq)
	if err != nil {
		return err
	}
	s.render(w, r, rq, http.StatusOK, "property", p)
	return nil
}

func (s *server) propertyUpdate(w http.ResponseWriter, r *http.Request, rq *req) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	p, pr, err := s.propertyForm(w, r, rq)
	if err != nil {
		return err
	}
	f := submitted(r)
	p.Form = f
	next := crm.Property{LabelJA: f.Get("label_ja"), LabelEN: f.Get("label_en"), Options: splitLines(f.Get("options")), Position: pr.Position}
	if _, err := s.app.UpdateProperty(r.Context(), rq.actor, pr.ID, f.Version, next); err != nil {
		return again(err, "property", p)
	}
	return s.redirect(w, r, rq, fmt.Sprintf("/settings/properties?object=%s", pr.Object), "flash.saved")
}

func (s *server) propertyDelete(w http.ResponseWriter, r *http.Request, rq *req) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.app.DeleteProperty(r.Context(), rq.actor, id); err != nil {
		return err
	}
	return s.redirect(w, r, rq, "/settings/properties", "flash.property_deleted")
}
