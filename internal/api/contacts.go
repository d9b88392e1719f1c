package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"golang.org/x/text/language"

	"renkei/internal/app"
	"renkei/internal/crm"
	"renkei/internal/store"
)

// displayLanguage picks the language of display names and addresses: the
// first of Japanese and English that Accept-Language asks for, otherwise
// the user's own language.
func displayLanguage(r *http.Request, ac app.Actor) crm.Language {
	if tags, _, err := language.ParseAcceptLanguage(r.Header.Get("Accept-Language")); err == nil {
		for _, t := range tags {
			if base, _ := t.Base(); base.String() == "ja" || base.String() == "en" {
				return crm.Language(base.String())
			}
		}
	}
	if ac.User.Language == crm.LangEN {
		return crm.LangEN
	}
	return crm.LangJA
}

// setLanguage says which language the response's names are in.
func setLanguage(w http.ResponseWriter, lang crm.Language) {
	w.Header().Set("Content-Language", string(lang))
	w.Header().Add("Vary", "Accept-Language")
}

// input builds the full input of the app verb from base (the stored
// contact, or a new one with its defaults) and the fields that were sent.
func (f contactFields) input(base crm.Contact) (app.ContactInput, error) {
	c := base
	set := func(dst *string, src *string) {
		if src != nil {
			*dst = *src
		}
	}
	set(&c.Email, f.Email)
	set(&c.Family, f.FamilyName)
	set(&c.Given, f.GivenName)
	set(&c.FamilyReading, f.FamilyReading)
	set(&c.GivenReading, f.GivenReading)
	set(&c.Honorific, f.Honorific)
	set(&c.Phone, f.Phone)
	set(&c.JobTitle, f.JobTitle)
	set(&c.Department, f.Department)
	in := app.ContactInput{Props: f.Properties}
	switch {
	case f.CompanyID.Set && f.CompanyName != nil:
		return in, crm.Invalid("company_name", "give company_id or company_name, not both")
	case f.CompanyID.Set:
		c.CompanyID = f.CompanyID.or(0)
	case f.CompanyName != nil:
		c.CompanyID, in.CompanyName = 0, *f.CompanyName
	}
	if c.CompanyID != base.CompanyID {
		c.CompanyName = ""
	}
	c.OwnerID = f.OwnerID.or(c.OwnerID)
	c.TeamID = f.TeamID.or(c.TeamID)
	if f.Tags != nil {
		c.Tags = *f.Tags
	}
	if f.LifecycleStage != nil {
		c.Lifecycle = crm.Lifecycle(*f.LifecycleStage)
	}
	if f.LeadStatus != nil {
		c.LeadStatus = crm.LeadStatus(*f.LeadStatus)
	}
	if f.OriginalSource != nil {
		c.OriginalSource = crm.Source(*f.OriginalSource)
	}
	if f.Consent != nil {
		c.Consent = crm.Consent(*f.Consent)
	}
	in.Contact = c
	return in, nil
}

// renameFields names validation messages after the JSON fields: the app
// says props.budget for the custom property that the JSON calls
// properties.budget, and so on through renames.
func renameFields(err error, renames map[string]string) error {
	ve, ok := crm.AsValidation(err)
	if !ok {
		return err
	}
	out := &crm.ValidationError{}
	for f, m := range ve.Fields {
		if k, ok := strings.CutPrefix(f, "props."); ok {
			f = "properties." + k
		} else if to, ok := renames[f]; ok {
			f = to
		}
		out.Add(f, m)
	}
	return out
}

var contactRenames = map[string]string{"company": "company_name"}

// contactAfterWrite reads a contact back as stored (tags sorted, company
// name joined). A contact the actor may no longer see after the write (it
// went to another team) is answered with what was written.
func (s *server) contactAfterWrite(ctx context.Context, ac app.Actor, c crm.Contact) (crm.Contact, error) {
	got, err := s.app.Contact(ctx, ac, c.ID)
	if errors.Is(err, crm.ErrNotFound) {
		return c, nil
	}
	return got, err
}

func (s *server) createContact(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	var f contactFields
	if err := decodeJSON(r, &f, false); err != nil {
		return err
	}
	in, err := f.input(crm.Contact{OriginalSource: crm.SourceAPI})
	if err != nil {
		return err
	}
	c, err := s.app.CreateContact(r.Context(), ac, in)
	if err != nil {
		return renameFields(err, contactRenames)
	}
	if c, err = s.contactAfterWrite(r.Context(), ac, c); err != nil {
		return err
	}
	lang := displayLanguage(r, ac)
	setLanguage(w, lang)
	w.Header().Set("Location", fmt.Sprintf("%s/contacts/%d", Prefix, c.ID))
	return writeJSON(w, http.StatusCreated, toContact(c, lang))
}

func (s *server) getContact(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	c, err := s.app.Contact(r.Context(), ac, id)
	if err != nil {
		return err
	}
	lang := displayLanguage(r, ac)
	setLanguage(w, lang)
	return writeJSON(w, http.StatusOK, toContact(c, lang))
}

func (s *server) updateContact(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	version, err := ifMatch(r)
	if err != nil {
		return err
	}
	var f contactFields
	if err := decodeJSON(r, &f, false); err != nil {
		return err
	}
	old, err := s.app.Contact(r.Context(), ac, id)
	if err != nil {
		return err
	}
	if version != old.Version {
		return crm.ErrStale
	}
	in, err := f.input(old)
	if err != nil {
		return err
	}
	c, err := s.app.UpdateContact(r.Context(), ac, id, version, in)
	if err != nil {
		return renameFields(err, contactRenames)
	}
	if c, err = s.contactAfterWrite(r.Context(), ac, c); err != nil {
		return err
	}
	lang := displayLanguage(r, ac)
	setLanguage(w, lang)
	return writeJSON(w, http.StatusOK, toContact(c, lang))
}

func (s *server) deleteContact(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.app.DeleteContact(r.Context(), ac, id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *server) contactTimeline(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	return s.timeline(w, r, ac, store.TimelineFilter{ContactID: id})
}

// timeline answers a page of a contact's or company's timeline, newest
// first. The cursor is the time and id of the last entry shown, since
// entries may be back-dated.
func (s *server) timeline(w http.ResponseWriter, r *http.Request, ac app.Actor, f store.TimelineFilter) error {
	limit, err := parseLimit(r)
	if err != nil {
		return err
	}
	if c := r.URL.Query().Get("cursor"); c != "" {
		parts, ok := decodeCursor(c, 2)
		if !ok || parts[0] <= 0 || parts[1] <= 0 {
			return errBadCursor
		}
		f.BeforeAt, f.BeforeID = time.UnixMilli(parts[0]).UTC(), parts[1]
	}
	f.Limit = limit + 1
	entries, err := s.app.Timeline(r.Context(), ac, f)
	if err != nil {
		return err
	}
	out := make([]timelineJSON, len(entries))
	for i, e := range entries {
		out[i] = toTimeline(e)
	}
	return writeJSON(w, http.StatusOK, pageOf(out, limit, func(e timelineJSON) string {
		return encodeCursor(e.At.UnixMilli(), e.ID)
	}))
}

func (s *server) mergeContact(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in mergeInput
	if err := decodeJSON(r, &in, false); err != nil {
		return err
	}
	if _, err := s.app.Contact(r.Context(), ac, id); err != nil {
		return err
	}
	if in.MergeID <= 0 {
		return crm.Invalid("merge_id", "give the id of the contact to merge into this one")
	}
	if _, err := s.app.Contact(r.Context(), ac, in.MergeID); errors.Is(err, crm.ErrNotFound) {
		return crm.Invalid("merge_id", "this contact does not exist")
	} else if err != nil {
		return err
	}
	c, err := s.app.MergeContacts(r.Context(), ac, id, in.MergeID)
	if err != nil {
		return err
	}
	if c, err = s.contactAfterWrite(r.Context(), ac, c); err != nil {
		return err
	}
	lang := displayLanguage(r, ac)
	setLanguage(w, lang)
	return writeJSON(w, http.StatusOK, toContact(c, lang))
}

// contactListJSON is a page of contacts with the number of matches.
type contactListJSON struct {
	Data            []contactJSON `json:"data"`
	NextCursor      *string       `json:"next_cursor"`
	Total           int           `json:"total"`
	TotalIsEstimate bool          `json:"total_is_estimate"`
}

// contactListParams are the query parameters GET /contacts understands,
// besides properties.<key>; anything else is refused, so that a misspelt
// filter does not silently list everything.
var contactListParams = map[string]bool{"limit": true, "cursor": true, "sort": true, "q": true,
	"lifecycle_stage": true, "lead_status": true, "owner_id": true, "team_id": true, "company_id": true,
	"tag": true, "tag_any": true, "original_source": true, "source_group": true, "consent": true,
	"created_from": true, "created_before": true, "updated_from": true, "updated_before": true}

// propOps are the operators of properties.<key> conditions.
var propOps = []store.PropOp{store.OpEq, store.OpNe, store.OpContains, store.OpGt, store.OpLt, store.OpGte,
	store.OpLte, store.OpIsSet, store.OpNotSet, store.OpIn}

func (s *server) listContacts(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	q, err := s.contactQuery(r, ac)
	if err != nil {
		return err
	}
	page, err := s.app.ListContacts(r.Context(), ac, q)
	if err != nil {
		return asQueryProblem(err, map[string]string{"tags": "tag", "props": "properties"})
	}
	lang := displayLanguage(r, ac)
	setLanguage(w, lang)
	out := contactListJSON{Data: make([]contactJSON, len(page.Contacts)), Total: page.Total, TotalIsEstimate: !page.TotalExact}
	for i, c := range page.Contacts {
		out.Data[i] = toContact(c, lang)
	}
	if page.Next != "" {
		out.NextCursor = &page.Next
	}
	return writeJSON(w, http.StatusOK, out)
}

// contactQuery reads the filters of GET /contacts. Lists of values may be
// given by repeating the parameter or separated by commas (tags only by
// repeating, since a tag may hold a comma).
func (s *server) contactQuery(r *http.Request, ac app.Actor) (store.ContactQuery, error) {
	vals := r.URL.Query()
	q := store.ContactQuery{Sort: store.ContactSort(vals.Get("sort")), Cursor: vals.Get("cursor"), Text: vals.Get("q")}
	bad := &crm.ValidationError{}
	for name := range vals {
		if _, isProp := propParam(name); !contactListParams[name] && !isProp {
			bad.Add(name, "is not a filter of this list; the OpenAPI document lists them")
		}
	}
	var err error
	if q.Limit, err = parseLimit(r); err != nil {
		return q, err
	}
	for _, v := range queryList(r, "lifecycle_stage") {
		q.Stages = append(q.Stages, crm.Lifecycle(v))
	}
	for _, v := range queryList(r, "lead_status") {
		if v == "none" {
			v = ""
		}
		q.LeadStatuses = append(q.LeadStatuses, crm.LeadStatus(v))
	}
	for _, v := range queryList(r, "owner_id") {
		switch v {
		case "me":
			q.OwnerIDs = append(q.OwnerIDs, ac.User.ID)
		case "none":
			q.OwnerIDs = append(q.OwnerIDs, 0)
		default:
			id, err := strconv.ParseInt(v, 10, 64)
			if err != nil || id <= 0 {
				bad.Add("owner_id", "must be user ids, me or none")
			}
			q.OwnerIDs = append(q.OwnerIDs, id)
		}
	}
	if q.TeamID, err = queryInt64(r, "team_id"); err != nil {
		return q, err
	}
	if q.CompanyID, err = queryInt64(r, "company_id"); err != nil {
		return q, err
	}
	q.TagsAll, q.TagsAny = queryRepeated(r, "tag"), queryRepeated(r, "tag_any")
	for _, v := range queryList(r, "original_source") {
		q.Sources = append(q.Sources, crm.Source(v))
	}
	if groups := queryList(r, "source_group"); len(groups) > 0 {
		if len(q.Sources) > 0 {
			bad.Add("source_group", "use original_source or source_group, not both")
		}
		for _, g := range groups {
			if g != crm.GroupMarketing && g != crm.GroupOutbound {
				bad.Add("source_group", "must be marketing or outbound")
			}
			for src, group := range crm.DefaultSourceGroups {
				if group == g {
					q.Sources = append(q.Sources, src)
				}
			}
		}
	}
	for _, v := range queryList(r, "consent") {
		q.Consents = append(q.Consents, crm.Consent(v))
	}
	var loc *time.Location
	for _, t := range []struct {
		name string
		dst  *time.Time
	}{{"created_from", &q.CreatedFrom}, {"created_before", &q.CreatedBefore},
		{"updated_from", &q.UpdatedFrom}, {"updated_before", &q.UpdatedBefore}} {
		v := strings.TrimSpace(vals.Get(t.name))
		if v == "" {
			continue
		}
		if ts, err := time.Parse(time.RFC3339Nano, v); err == nil {
			*t.dst = ts
			continue
		}
		if loc == nil {
			if loc, err = s.workspaceLocation(r.Context()); err != nil {
				return q, err
			}
		}
		d, err := time.ParseInLocation(time.DateOnly, v, loc)
		if err != nil {
			bad.Add(t.name, "must be a date (2026-04-01, the start of that day in the workspace time zone) or an RFC 3339 time")
		}
		*t.dst = d
	}
	for name, vs := range vals {
		key, ok := propParam(name)
		if !ok {
			continue
		}
		for _, v := range vs {
			q.Props = append(q.Props, propCondition(key, v))
		}
	}
	if err := bad.Err(); err != nil {
		return q, asQueryProblem(err, nil)
	}
	return q, nil
}

// propParam reads the key of a custom property condition from a parameter
// name: properties.budget, or properties[budget] (OpenAPI's deepObject).
func propParam(name string) (key string, ok bool) {
	if key, ok = strings.CutPrefix(name, "properties."); ok {
		return key, true
	}
	if rest, ok := strings.CutPrefix(name, "properties["); ok && strings.HasSuffix(rest, "]") {
		return strings.TrimSuffix(rest, "]"), true
	}
	return "", false
}

// propCondition reads properties.<key>=<op>:<value>: eq when there is no
// operator, is_set and not_set alone, in with values separated by commas.
func propCondition(key, v string) store.PropCondition {
	pc := store.PropCondition{Key: key, Op: store.OpEq, Value: v}
	op, rest, found := strings.Cut(v, ":")
	for _, o := range propOps {
		if string(o) == op && (found || o == store.OpIsSet || o == store.OpNotSet) {
			pc.Op, pc.Value = o, rest
		}
	}
	if pc.Op == store.OpIn {
		for _, x := range strings.Split(pc.Value, ",") {
			pc.Values = append(pc.Values, strings.TrimSpace(x))
		}
		pc.Value = ""
	}
	return pc
}

// workspaceLocation is the workspace's time zone, for dates in filters.
func (s *server) workspaceLocation(ctx context.Context) (*time.Location, error) {
	ws, _, err := s.app.Workspace(ctx)
	if err != nil {
		return nil, err
	}
	loc, err := time.LoadLocation(ws.TimeZone)
	if err != nil {
		return time.UTC, nil
	}
	return loc, nil
}

// queryList reads a parameter that may be repeated and may hold several
// values separated by commas.
func queryList(r *http.Request, name string) []string {
	var out []string
	for _, v := range r.URL.Query()[name] {
		for _, x := range strings.Split(v, ",") {
			if x = strings.TrimSpace(x); x != "" {
				out = append(out, x)
			}
		}
	}
	return out
}

// queryRepeated reads a parameter that may be repeated, one value each time.
func queryRepeated(r *http.Request, name string) []string {
	var out []string
	for _, v := range r.URL.Query()[name] {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}

// asQueryProblem turns a validation error about query parameters into a
// 400 naming each parameter (props.<key> becomes properties.<key>).
func asQueryProblem(err error, renames map[string]string) error {
	ve, ok := crm.AsValidation(renameFields(err, renames))
	if !ok {
		return err
	}
	p := &problem{Status: http.StatusBadRequest, Detail: "Some query parameters are not valid; see errors for each one."}
	for f, m := range ve.Fields {
		p.Errors = append(p.Errors, fieldError{Field: f, Message: m})
	}
	slices.SortFunc(p.Errors, func(a, b fieldError) int { return strings.Compare(a.Field, b.Field) })
	return p
}
