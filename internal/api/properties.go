package api

import (
	"context"
	"fmt"
	"net/http"

	"renkei/internal/app"
	"renkei/internal/crm"
)

func (s *server) listProperties(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	object := r.URL.Query().Get("object")
	if object != "" && object != "contact" && object != "company" {
		return badField("object", "must be contact or company")
	}
	props, err := s.app.Properties(r.Context(), ac, object)
	if err != nil {
		return err
	}
	out := list[propertyJSON]{Data: []propertyJSON{}}
	for _, p := range props {
		out.Data = append(out.Data, toProperty(p))
	}
	return writeJSON(w, http.StatusOK, out)
}

// property finds one definition; there are few, so they are read as a list.
func (s *server) property(ctx context.Context, ac app.Actor, id int64) (crm.Property, error) {
	props, err := s.app.Properties(ctx, ac, "")
	if err != nil {
		return crm.Property{}, err
	}
	for _, p := range props {
		if p.ID == id {
			return p, nil
		}
	}
	return crm.Property{}, crm.ErrNotFound
}

func (s *server) getProperty(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	p, err := s.property(r.Context(), ac, id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, toProperty(p))
}

func (s *server) createProperty(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	var in propertyInput
	if err := decodeJSON(r, &in, false); err != nil {
		return err
	}
	p, err := s.app.CreateProperty(r.Context(), ac, crm.Property{Object: in.Object, Key: in.Key, LabelJA: in.LabelJA,
		LabelEN: in.LabelEN, Type: crm.PropertyType(in.Type), Options: in.Options, Position: in.Position})
	if err != nil {
		return err
	}
	w.Header().Set("Location", fmt.Sprintf("%s/properties/%d", Prefix, p.ID))
	return writeJSON(w, http.StatusCreated, toProperty(p))
}

func (s *server) updateProperty(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	version, err := ifMatch(r)
	if err != nil {
		return err
	}
	var in propertyPatch
	if err := decodeJSON(r, &in, false); err != nil {
		return err
	}
	p, err := s.property(r.Context(), ac, id)
	if err != nil {
		return err
	}
	if version != p.Version {
		return crm.ErrStale
	}
	if in.LabelJA != nil {
		p.LabelJA = *in.LabelJA
	}
	if in.LabelEN != nil {
		p.LabelEN = *in.LabelEN
	}
	if in.Options != nil {
		p.Options = *in.Options
	}
	if in.Position != nil {
		p.Position = *in.Position
	}
	if p, err = s.app.UpdateProperty(r.Context(), ac, id, version, p); err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, toProperty(p))
}

func (s *server) deleteProperty(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.app.DeleteProperty(r.Context(), ac, id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
