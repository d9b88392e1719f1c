package api

import (
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"renkei/internal/app"
	"renkei/internal/crm"
)

// segmentsRoutes are the API endpoints of segments and static lists
// (issue 8 §1).
func (s *server) segmentsRoutes() []route {
	return []route{
		{method: http.MethodGet, path: "/segments", perm: crm.PermReadAll, id: "listSegments", tag: "segments",
			summary: "Every segment and static list, by name", status: 200, resp: "SegmentList", handle: s.listSegments},
		{method: http.MethodPost, path: "/segments", perm: crm.PermWriteMarketing, id: "createSegment", tag: "segments",
			summary: "Create a dynamic segment (a filter evaluated when read), an empty static list (kind static without a filter), " +
				"or a static list holding the contacts a filter matches now (kind static with a filter)",
			body: "SegmentInput", status: 201, resp: "Segment", location: true, handle: s.createSegment},
		{method: http.MethodGet, path: "/segment-fields", perm: crm.PermReadAll, id: "listSegmentFields", tag: "segments",
			summary: "The fields a filter may test, with their operators (the allow-list, custom properties included)",
			status:  200, resp: "SegmentFieldList", handle: s.listSegmentFields},
		{method: http.MethodPost, path: "/segment-count", perm: crm.PermReadAll, id: "countSegmentFilter", tag: "segments",
			summary: "Count the contacts you may see that an unsaved filter matches (the builder's live count)",
			body:    "SegmentFilterInput", status: 200, resp: "SegmentCount", handle: s.countFilter},
		{method: http.MethodGet, path: "/segments/{id}", perm: crm.PermReadAll, id: "getSegment", tag: "segments",
			summary: "One segment", status: 200, resp: "Segment", handle: s.getSegment},
		{method: http.MethodPatch, path: "/segments/{id}", perm: crm.PermWriteMarketing, id: "updateSegment", tag: "segments",
			summary: "Change a segment's name, description or filter (a static list keeps its members; its filter cannot change)",
			body:    "SegmentPatch", ifMatch: true, status: 200, resp: "Segment", handle: s.updateSegment},
		{method: http.MethodDelete, path: "/segments/{id}", perm: crm.PermWriteMarketing, id: "deleteSegment", tag: "segments",
			summary: "Delete a segment (a static list with its members); refused while another segment's filter names the list",
			status:  204, handle: s.deleteSegment},
		{method: http.MethodGet, path: "/segments/{id}/count", perm: crm.PermReadAll, id: "countSegment", tag: "segments",
			summary: "The number of contacts in the segment now, among those you may see",
			status:  200, resp: "SegmentCount", handle: s.countSegment},
		{method: http.MethodGet, path: "/segments/{id}/contacts", perm: crm.PermReadAll, id: "listSegmentContacts", tag: "segments",
			summary: "The segment's contacts you may see, newest first, one page", query: pageParams(),
			status: 200, resp: "SegmentContactList", handle: s.segmentContacts},
		{method: http.MethodPost, path: "/segments/{id}/members/add", perm: crm.PermWriteMarketing, id: "addSegmentMembers",
			tag: "segments", summary: "Add contacts to a static list (up to 1,000 per call; members already there are skipped)",
			body: "SegmentMembersInput", status: 200, resp: "SegmentMembersResult", handle: s.addMembers},
		{method: http.MethodPost, path: "/segments/{id}/members/remove", perm: crm.PermWriteMarketing, id: "removeSegmentMembers",
			tag: "segments", summary: "Take contacts off a static list (up to 1,000 per call)",
			body: "SegmentMembersInput", status: 200, resp: "SegmentMembersResult", handle: s.removeMembers},
	}
}

type segmentJSON struct {
	ID          int64            `json:"id"`
	Name        string           `json:"name"`
	Description string           `json:"description"`
	Kind        string           `json:"kind"`
	Filter      crm.SegmentGroup `json:"filter"`
	OwnerID     *int64           `json:"owner_id"`
	CreatedAt   time.Time        `json:"created_at"`
	UpdatedAt   time.Time        `json:"updated_at"`
	Version     int64            `json:"version"`
}

func (g segmentJSON) etag() int64 { return g.Version }

func toSegment(g crm.Segment) segmentJSON {
	return segmentJSON{ID: g.ID, Name: g.Name, Description: g.Description, Kind: string(g.Kind), Filter: g.Filter,
		OwnerID: optID(g.OwnerID), CreatedAt: g.CreatedAt, UpdatedAt: g.UpdatedAt, Version: g.Version}
}

type segmentInput struct {
	Name        string          `json:"name"`
	Description string          `json:"description"`
	Kind        string          `json:"kind"`
	Filter      json.RawMessage `json:"filter"`
}

type segmentPatch struct {
	Name        *string         `json:"name"`
	Description *string         `json:"description"`
	Filter      json.RawMessage `json:"filter"`
}

type membersInput struct {
	ContactIDs []int64 `json:"contact_ids"`
}

func (s *server) listSegments(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	gs, err := s.app.Segments(r.Context(), ac)
	if err != nil {
		return err
	}
	out := list[segmentJSON]{Data: []segmentJSON{}}
	for _, g := range gs {
		out.Data = append(out.Data, toSegment(g))
	}
	return writeJSON(w, http.StatusOK, out)
}

func (s *server) listSegmentFields(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	fs, err := s.app.SegmentFields(r.Context(), ac)
	if err != nil {
		return err
	}
	type fieldJSON struct {
		Name    string          `json:"name"`
		Type    string          `json:"type"`
		Ops     []crm.SegmentOp `json:"ops"`
		Options []string        `json:"options"`
	}
	out := list[fieldJSON]{Data: []fieldJSON{}}
	for _, f := range fs {
		out.Data = append(out.Data, fieldJSON{Name: f.Name, Type: string(f.Type), Ops: f.Ops, Options: append([]string{}, f.Options...)})
	}
	return writeJSON(w, http.StatusOK, out)
}

func (s *server) createSegment(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	var in segmentInput
	if err := decodeJSON(r, &in, false); err != nil {
		return err
	}
	filter, err := crm.ParseSegmentFilter(in.Filter)
	if err != nil {
		return err
	}
	g := crm.Segment{Name: in.Name, Description: in.Description, Kind: crm.SegmentKind(in.Kind), Filter: filter}
	if g.Kind == crm.SegmentStatic && len(in.Filter) > 0 && string(in.Filter) != "null" {
		g, _, err = s.app.SaveAsStaticList(r.Context(), ac, in.Name, in.Description, filter)
	} else {
		g, err = s.app.CreateSegment(r.Context(), ac, g)
	}
	if err != nil {
		return err
	}
	w.Header().Set("Location", fmt.Sprintf("%s/segments/%d", Prefix, g.ID))
	return writeJSON(w, http.StatusCreated, toSegment(g))
}

func (s *server) getSegment(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	g, err := s.app.Segment(r.Context(), ac, id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, toSegment(g))
}

func (s *server) updateSegment(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	version, err := ifMatch(r)
	if err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in segmentPatch
	if err := decodeJSON(r, &in, false); err != nil {
		return err
	}
	g, err := s.app.Segment(r.Context(), ac, id)
	if err != nil {
		return err
	}
	if in.Name != nil {
		g.Name = *in.Name
	}
	if in.Description != nil {
		g.Description = *in.Description
	}
	if len(in.Filter) > 0 {
		if g.Kind == crm.SegmentStatic {
			return badField("filter", "cannot change on a static list: add or remove its members instead")
		}
		if g.Filter, err = crm.ParseSegmentFilter(in.Filter); err != nil {
			return err
		}
	}
	g, err = s.app.UpdateSegment(r.Context(), ac, id, version, g.Name, g.Description, g.Filter)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, toSegment(g))
}

func (s *server) deleteSegment(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.app.DeleteSegment(r.Context(), ac, id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

type segmentCountJSON struct {
	Count int `json:"count"`
}

func (s *server) countSegment(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	n, err := s.app.SegmentCount(r.Context(), ac, id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, segmentCountJSON{n})
}

func (s *server) countFilter(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	var in struct {
		Filter json.RawMessage `json:"filter"`
	}
	if err := decodeJSON(r, &in, false); err != nil {
		return err
	}
	filter, err := crm.ParseSegmentFilter(in.Filter)
	if err != nil {
		return err
	}
	n, _, err := s.app.SegmentPreview(r.Context(), ac, filter, 0)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, segmentCountJSON{n})
}

func (s *server) segmentContacts(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	pq, err := parsePage(r)
	if err != nil {
		return err
	}
	cs, next, err := s.app.SegmentContacts(r.Context(), ac, id, pq.after, pq.limit)
	if err != nil {
		return err
	}
	lang := displayLanguage(r, ac)
	setLanguage(w, lang)
	out := list[contactJSON]{Data: []contactJSON{}}
	for _, c := range cs {
		out.Data = append(out.Data, toContact(c, lang))
	}
	if next > 0 {
		cur := encodeCursor(next)
		out.NextCursor = &cur
	}
	return writeJSON(w, http.StatusOK, out)
}

type membersResult struct {
	Changed int `json:"changed"`
	Count   int `json:"count"`
}

func (s *server) changeMembers(w http.ResponseWriter, r *http.Request, ac app.Actor, add bool) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in membersInput
	if err := decodeJSON(r, &in, false); err != nil {
		return err
	}
	var n int
	if add {
		n, err = s.app.AddToList(r.Context(), ac, id, in.ContactIDs)
	} else {
		n, err = s.app.RemoveFromList(r.Context(), ac, id, in.ContactIDs)
	}
	if err != nil {
		return err
	}
	total, err := s.app.SegmentCount(r.Context(), ac, id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, membersResult{Changed: n, Count: total})
}

func (s *server) addMembers(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	return s.changeMembers(w, r, ac, true)
}

func (s *server) removeMembers(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	return s.changeMembers(w, r, ac, false)
}

// segmentsSchemas are the OpenAPI components of segments.
func segmentsSchemas() js {
	ops := []string{}
	for _, op := range []crm.SegmentOp{crm.SegOpEq, crm.SegOpNeq, crm.SegOpIn, crm.SegOpContains, crm.SegOpPrefix, crm.SegOpGt,
		crm.SegOpGte, crm.SegOpLt, crm.SegOpLte, crm.SegOpBetween, crm.SegOpIsSet, crm.SegOpIsEmpty, crm.SegOpWithinDays} {
		ops = append(ops, string(op))
	}
	scalar := js{"type": []string{"string", "number", "boolean"}}
	condition := js{"type": "object", "additionalProperties": false, "required": []string{"field", "op"},
		"description": "One test. GET /segment-fields lists the fields and the operators each accepts. See docs/segments.md.",
		"properties": js{
			"field":  str("lifecycle_stage, engagement_score, tag, company.industry, visited_path, props.<key>, …"),
			"op":     enumOf(ops...),
			"value":  withDesc(scalar, "The operand (eq, neq, contains, prefix, gt, gte, lt, lte): text, a number, a date (YYYY-MM-DD) or an id."),
			"values": withDesc(arrayOf(js{"type": []string{"string", "number", "boolean"}}), "in: any of these; between: the lowest and highest (inclusive)."),
			"days":   described(js{"type": "integer", "minimum": 0, "maximum": crm.MaxSegmentDays}, "In the last N days: within_days, visited_path and email_engagement (required), submitted_form (0 = ever)."),
		}}
	filter := js{"type": "object", "additionalProperties": false, "required": []string{"match"},
		"description": fmt.Sprintf("A group of conditions and sub-groups: match all (AND) or any (OR). At most %d levels, %d conditions, %d groups.",
			crm.MaxSegmentDepth, crm.MaxSegmentConditions, crm.MaxSegmentGroups),
		"properties": js{
			"match":      enumOf(crm.MatchAll, crm.MatchAny),
			"conditions": arrayOf(ref("SegmentCondition")),
			"groups":     arrayOf(ref("SegmentFilter")),
		}}
	return js{
		"SegmentCondition": condition,
		"SegmentFilter":    filter,
		"Segment": record(js{
			"id":          idSchema(""),
			"name":        str(""),
			"description": str(""),
			"kind":        withDesc(enumOf(string(crm.SegmentDynamic), string(crm.SegmentStatic)), "dynamic: evaluated when read; static: stored members."),
			"filter":      ref("SegmentFilter"),
			"owner_id":    nullable(idSchema("The user who made it.")),
			"created_at":  dateTime(""),
			"updated_at":  dateTime(""),
			"version":     integer("Increases with every change; send it back as If-Match."),
		}),
		"SegmentList": listOf("Segment"),
		"SegmentInput": input([]string{"name"}, js{
			"name":        str("Up to 100 characters."),
			"description": str(""),
			"kind":        enumOf(string(crm.SegmentDynamic), string(crm.SegmentStatic)),
			"filter":      ref("SegmentFilter"),
		}),
		"SegmentPatch":       input(nil, js{"name": str(""), "description": str(""), "filter": ref("SegmentFilter")}),
		"SegmentFilterInput": input([]string{"filter"}, js{"filter": ref("SegmentFilter")}),
		"SegmentCount":       record(js{"count": integer("Matching contacts you may see.")}),
		"SegmentContactList": record(js{"data": arrayOf(ref("Contact")), "next_cursor": nullable(str(cursorDesc))}),
		"SegmentMembersInput": input([]string{"contact_ids"}, js{
			"contact_ids": withDesc(arrayOf(idSchema("")), "1 to 1,000 contact ids."),
		}),
		"SegmentMembersResult": record(js{
			"changed": integer("Contacts added (or removed) by this call."),
			"count":   integer("Members you may see now."),
		}),
		"SegmentFieldList": record(js{"data": arrayOf(record(js{
			"name":    str(""),
			"type":    enumOf("text", "enum", "number", "date", "bool", "multi", "tag", "user", "visit", "form", "deal", "list", "email", "survey"),
			"ops":     arrayOf(enumOf(ops...)),
			"options": arrayOf(str("")),
		})), "next_cursor": nullable(str(cursorDesc))}),
	}
}
