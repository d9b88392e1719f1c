package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"renkei/internal/app"
	"renkei/internal/crm"
	"renkei/internal/store"
)

// input builds the full input of the app verb from base (the stored
// company, or a new one) and the fields that were sent.
func (f companyFields) input(base crm.Company) app.CompanyInput {
	co := base
	set := func(dst *string, src *string) {
		if src != nil {
			*dst = *src
		}
	}
	if f.Name != nil && *f.Name != co.Name {
		co.Name, co.LegalForm = *f.Name, "" // recognised again from the new name
	}
	set(&co.Reading, f.Reading)
	set(&co.Domain, f.Domain)
	set(&co.Industry, f.Industry)
	co.Employees = f.Employees.or(co.Employees)
	set(&co.PostalCode, f.PostalCode)
	set(&co.Prefecture, f.Prefecture)
	set(&co.City, f.City)
	set(&co.Street, f.Street)
	set(&co.Country, f.Country)
	set(&co.Phone, f.Phone)
	co.OwnerID = f.OwnerID.or(co.OwnerID)
	co.TeamID = f.TeamID.or(co.TeamID)
	return app.CompanyInput{Company: co, Props: f.Properties}
}

// companyAfterWrite reads a company back as stored, or answers with what
// was written when the actor can no longer see it.
func (s *server) companyAfterWrite(ctx context.Context, ac app.Actor, co crm.Company) (crm.Company, error) {
	got, err := s.app.Company(ctx, ac, co.ID)
	if errors.Is(err, crm.ErrNotFound) {
		return co, nil
	}
	return got, err
}

func (s *server) writeCompany(w http.ResponseWriter, r *http.Request, ac app.Actor, status int, co crm.Company) error {
	lang := displayLanguage(r, ac)
	setLanguage(w, lang)
	return writeJSON(w, status, toCompany(co, lang))
}

func (s *server) createCompany(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	force, err := queryBool(r, "force")
	if err != nil {
		return err
	}
	var f companyFields
	if err := decodeJSON(r, &f, false); err != nil {
		return err
	}
	in := f.input(crm.Company{})
	co, err := s.app.CreateCompany(r.Context(), ac, in, force)
	if err != nil {
		return renameFields(err, nil)
	}
	if co, err = s.companyAfterWrite(r.Context(), ac, co); err != nil {
		return err
	}
	w.Header().Set("Location", fmt.Sprintf("%s/companies/%d", Prefix, co.ID))
	return s.writeCompany(w, r, ac, http.StatusCreated, co)
}

func (s *server) getCompany(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	co, err := s.app.Company(r.Context(), ac, id)
	if err != nil {
		return err
	}
	return s.writeCompany(w, r, ac, http.StatusOK, co)
}

func (s *server) updateCompany(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	version, err := ifMatch(r)
	if err != nil {
		return err
	}
	var f companyFields
	if err := decodeJSON(r, &f, false); err != nil {
		return err
	}
	old, err := s.app.Company(r.Context(), ac, id)
	if err != nil {
		return err
	}
	if version != old.Version {
		return crm.ErrStale
	}
	in := f.input(old)
	co, err := s.app.UpdateCompany(r.Context(), ac, id, version, in)
	if err != nil {
		return renameFields(err, nil)
	}
	if co, err = s.companyAfterWrite(r.Context(), ac, co); err != nil {
		return err
	}
	return s.writeCompany(w, r, ac, http.StatusOK, co)
}

func (s *server) deleteCompany(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.app.DeleteCompany(r.Context(), ac, id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *server) companyTimeline(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	return s.timeline(w, r, ac, store.TimelineFilter{CompanyID: id})
}

func (s *server) mergeCompany(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in mergeInput
	if err := decodeJSON(r, &in, false); err != nil {
		return err
	}
	// Both companies must be visible to the actor.
	if _, err := s.app.Company(r.Context(), ac, id); err != nil {
		return err
	}
	if in.MergeID <= 0 {
		return crm.Invalid("merge_id", "give the id of the company to merge into this one")
	}
	if _, err := s.app.Company(r.Context(), ac, in.MergeID); errors.Is(err, crm.ErrNotFound) {
		return crm.Invalid("merge_id", "this company does not exist")
	} else if err != nil {
		return err
	}
	co, err := s.app.MergeCompanies(r.Context(), ac, id, in.MergeID)
	if err != nil {
		return err
	}
	if co, err = s.companyAfterWrite(r.Context(), ac, co); err != nil {
		return err
	}
	return s.writeCompany(w, r, ac, http.StatusOK, co)
}

// companyListJSON is a page of companies with the number of matches.
type companyListJSON struct {
	Data            []companyJSON `json:"data"`
	NextCursor      *string       `json:"next_cursor"`
	Total           int           `json:"total"`
	TotalIsEstimate bool          `json:"total_is_estimate"`
}

func (s *server) listCompanies(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	p, err := parsePage(r)
	if err != nil {
		return err
	}
	q := store.CompanyQuery{Name: strings.TrimSpace(r.URL.Query().Get("q")), AfterID: p.after, Limit: p.limit}
	if q.OwnerID, err = queryInt64(r, "owner_id"); err != nil {
		return err
	}
	if q.TeamID, err = queryInt64(r, "team_id"); err != nil {
		return err
	}
	page, err := s.app.ListCompanies(r.Context(), ac, q)
	if err != nil {
		return asQueryProblem(err, nil)
	}
	lang := displayLanguage(r, ac)
	setLanguage(w, lang)
	out := companyListJSON{Data: make([]companyJSON, len(page.Companies)), Total: page.Total, TotalIsEstimate: !page.TotalExact}
	for i, co := range page.Companies {
		out.Data[i] = toCompany(co, lang)
	}
	if page.More {
		c := encodeCursor(page.Companies[len(page.Companies)-1].ID)
		out.NextCursor = &c
	}
	return writeJSON(w, http.StatusOK, out)
}
