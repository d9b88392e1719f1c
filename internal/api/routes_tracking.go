package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"time"

	"renkei/internal/app"
	"renkei/internal/crm"
	"renkei/internal/store"
)

// trackingRoutes are the API endpoints of web tracking: sites, server-side
// events, identify, the awareness report.
func (s *server) trackingRoutes() []route {
	return []route{
		{method: http.MethodGet, path: "/sites", perm: crm.PermReadAll, id: "listSites", tag: "tracking",
			summary: "List tracked sites by id", query: pageParams(), status: 200, resp: "SiteList", handle: s.listSites},
		{method: http.MethodPost, path: "/sites", perm: crm.PermSettings, id: "createSite", tag: "tracking",
			summary: "Add a site (its public key is generated)", body: "SiteInput", status: 201, resp: "Site", location: true, handle: s.createSite},
		{method: http.MethodGet, path: "/sites/{id}", perm: crm.PermReadAll, id: "getSite", tag: "tracking",
			summary: "One site with its tracker snippet", status: 200, resp: "Site", handle: s.getSite},
		{method: http.MethodPatch, path: "/sites/{id}", perm: crm.PermSettings, id: "updateSite", tag: "tracking",
			summary: "Change a site's settings", body: "SitePatch", ifMatch: true, status: 200, resp: "Site", handle: s.updateSite},
		{method: http.MethodDelete, path: "/sites/{id}", perm: crm.PermSettings, id: "deleteSite", tag: "tracking",
			summary: "Delete a site with its visitors and report data", status: 204, handle: s.deleteSite},
		{method: http.MethodPost, path: "/events", perm: crm.PermWriteContacts, id: "trackEvents", tag: "tracking",
			summary: "Record events from a backend (answered after they are committed)", body: "EventBatch", status: 200, resp: "EventsAccepted", handle: s.trackEvents},
		{method: http.MethodPost, path: "/events/identify", perm: crm.PermWriteContacts, id: "identifyVisitor", tag: "tracking",
			summary: "Tie a visitor to a contact: earlier visits join the contact's timeline", body: "IdentifyInput", status: 200, resp: "Identified", handle: s.identify},
		{method: http.MethodGet, path: "/reports/awareness", perm: crm.PermReadAll, id: "awarenessReport", tag: "reports",
			summary: "Awareness report of one site: visitors, page views, top pages, referrers, UTM",
			query: []param{
				{name: "site_id", desc: "The site (required).", schema: js{"type": "integer", "minimum": 1}},
				{name: "from", desc: "First day, YYYY-MM-DD in the workspace time zone (default: 29 days before to).", schema: js{"type": "string", "format": "date"}},
				{name: "to", desc: "Last day, inclusive (default: today).", schema: js{"type": "string", "format": "date"}},
				{name: "group", desc: "Bucket size of the series.", schema: enumOf(app.GroupDay, app.GroupWeek, app.GroupMonth)},
				{name: "top", desc: "Rows of each table (default 10).", schema: js{"type": "integer", "minimum": 1, "maximum": 100}},
			},
			status: 200, resp: "AwarenessReport", handle: s.awareness},
	}
}

// trackingSchemas are the OpenAPI schemas those endpoints use.
func trackingSchemas() js {
	siteProps := js{
		"name":       str("Label of the site."),
		"domain":     str("The organisation's own domain, e.g. example.co.jp."),
		"origins":    withDesc(arrayOf(js{"type": "string"}), "Origins allowed to send beacons (scheme://host[:port]), normalised."),
		"cookieless": boolean("Daily rotating hashed visitor ids: aggregate numbers only, visitors never identify."),
		"honour_gpc": boolean("Drop events of browsers that send Global Privacy Control or Do Not Track."),
	}
	site := merge(record(siteProps), js{
		"id":         idSchema(""),
		"site_key":   str("Public key for the tracker snippet."),
		"snippet":    str("The script tag for the site's pages."),
		"created_at": dateTime(""),
		"updated_at": dateTime(""),
		"version":    idSchema("Version for If-Match; also the ETag."),
	}, "id", "site_key", "snippet", "created_at", "updated_at", "version")
	event := input(nil, js{
		"type":       withDesc(enumOf("pageview", "event"), "Default pageview."),
		"name":       str("Custom event name (type event), e.g. pricing_viewed."),
		"url":        str("The page's full URL; utm_* parameters are read from it."),
		"path":       str("The page's path when there is no URL."),
		"title":      str(""),
		"referrer":   str("Full referrer URL."),
		"utm":        js{"type": "object", "additionalProperties": js{"type": "string"}, "description": "utm_source, utm_medium, … (override the URL's)."},
		"props":      js{"type": "object", "description": "Custom properties (4 KB at most)."},
		"at":         dateTime("When it happened (default now; at most 30 days ago)."),
		"site_id":    integer("The site (or site_key)."),
		"site_key":   str("The site's public key (or site_id)."),
		"visitor_id": str("The tracker's visitor id (window.renkei.visitorId()); needs the site."),
		"contact_id": integer("The contact (or email)."),
		"email":      str("The contact's e-mail address (or contact_id)."),
	})
	count := record(js{"value": str(""), "views": integer("Page views.")})
	bucket := record(js{"start": date("First day of the bucket."), "visitors": integer("Sum of each day's distinct visitors."),
		"unique_visitors": integer("Distinct visitors over the bucket (estimate, ≤ 2% error)."), "pageviews": integer(""), "events": integer("Custom events.")})
	return js{
		"Site":           site,
		"SiteList":       listOf("Site"),
		"SiteInput":      input([]string{"name", "domain"}, siteProps),
		"SitePatch":      input(nil, siteProps),
		"TrackEvent":     event,
		"EventBatch":     input([]string{"events"}, js{"events": withDesc(arrayOf(ref("TrackEvent")), fmt.Sprintf("1 to %d events.", app.MaxServerEvents))}),
		"EventsAccepted": record(js{"accepted": integer("Events committed.")}),
		"IdentifyInput": input([]string{"visitor_id"}, js{
			"site_id": integer("The site (or site_key)."), "site_key": str(""), "visitor_id": str(""),
			"contact_id": integer("The contact (or email)."), "email": str(""),
		}),
		"Identified":      record(js{"contact_id": idSchema("")}),
		"AwarenessCount":  count,
		"AwarenessBucket": bucket,
		"AwarenessReport": record(js{
			"site_id": idSchema(""), "from": date(""), "to": date(""), "group": enumOf(app.GroupDay, app.GroupWeek, app.GroupMonth),
			"visitors":        integer("Sum of each day's distinct visitors."),
			"unique_visitors": integer("Distinct visitors over the whole range (HyperLogLog estimate, ≤ 2% error)."),
			"pageviews":       integer(""), "events": integer("Custom events."), "bots": integer("Requests dropped as bots."),
			"series":    arrayOf(ref("AwarenessBucket")),
			"top_pages": arrayOf(ref("AwarenessCount")), "referrers": arrayOf(ref("AwarenessCount")),
			"utm_sources": arrayOf(ref("AwarenessCount")), "utm_mediums": arrayOf(ref("AwarenessCount")), "utm_campaigns": arrayOf(ref("AwarenessCount")),
		}),
	}
}

type siteJSON struct {
	ID         int64     `json:"id"`
	Name       string    `json:"name"`
	Domain     string    `json:"domain"`
	Origins    []string  `json:"origins"`
	Cookieless bool      `json:"cookieless"`
	HonourGPC  bool      `json:"honour_gpc"`
	Key        string    `json:"site_key"`
	Snippet    string    `json:"snippet"`
	CreatedAt  time.Time `json:"created_at"`
	UpdatedAt  time.Time `json:"updated_at"`
	Version    int64     `json:"version"`
}

func (v siteJSON) etag() int64 { return v.Version }

func (s *server) toSite(st crm.Site) siteJSON {
	o := st.Origins
	if o == nil {
		o = []string{}
	}
	return siteJSON{ID: st.ID, Name: st.Name, Domain: st.Domain, Origins: o, Cookieless: st.Cookieless, HonourGPC: st.HonourGPC,
		Key: st.Key, Snippet: s.app.Snippet(st), CreatedAt: st.CreatedAt, UpdatedAt: st.UpdatedAt, Version: st.Version}
}

type siteInput struct {
	Name       optional[string]   `json:"name"`
	Domain     optional[string]   `json:"domain"`
	Origins    optional[[]string] `json:"origins"`
	Cookieless optional[bool]     `json:"cookieless"`
	HonourGPC  optional[bool]     `json:"honour_gpc"`
}

func (in siteInput) apply(st crm.Site) app.SiteInput {
	return app.SiteInput{Name: in.Name.or(st.Name), Domain: in.Domain.or(st.Domain), Origins: in.Origins.or(st.Origins),
		Cookieless: in.Cookieless.or(st.Cookieless), HonourGPC: in.HonourGPC.or(st.HonourGPC)}
}

func (s *server) listSites(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	p, err := parsePage(r)
	if err != nil {
		return err
	}
	sites, err := s.app.Sites(r.Context(), ac) // a workspace has few sites: page in memory
	if err != nil {
		return err
	}
	sort.Slice(sites, func(i, j int) bool { return sites[i].ID < sites[j].ID })
	out := []siteJSON{}
	for _, st := range sites {
		if st.ID > p.after && len(out) <= p.limit {
			out = append(out, s.toSite(st))
		}
	}
	return writeJSON(w, http.StatusOK, newList(out, p.limit, func(v siteJSON) int64 { return v.ID }))
}

func (s *server) createSite(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	var in siteInput
	if err := decodeJSON(r, &in, false); err != nil {
		return err
	}
	st, err := s.app.CreateSite(r.Context(), ac, in.apply(crm.Site{}))
	if err != nil {
		return err
	}
	w.Header().Set("Location", fmt.Sprintf("%s/sites/%d", Prefix, st.ID))
	return writeJSON(w, http.StatusCreated, s.toSite(st))
}

func (s *server) getSite(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	st, err := s.app.Site(r.Context(), ac, id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, s.toSite(st))
}

func (s *server) updateSite(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	version, err := ifMatch(r)
	if err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in siteInput
	if err := decodeJSON(r, &in, false); err != nil {
		return err
	}
	cur, err := s.app.Site(r.Context(), ac, id)
	if err != nil {
		return err
	}
	st, err := s.app.UpdateSite(r.Context(), ac, id, version, in.apply(cur))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, s.toSite(st))
}

func (s *server) deleteSite(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.app.DeleteSite(r.Context(), ac, id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

type eventJSON struct {
	Type      string            `json:"type"`
	Name      string            `json:"name"`
	URL       string            `json:"url"`
	Path      string            `json:"path"`
	Title     string            `json:"title"`
	Referrer  string            `json:"referrer"`
	UTM       map[string]string `json:"utm"`
	Props     json.RawMessage   `json:"props"`
	At        *time.Time        `json:"at"`
	SiteID    int64             `json:"site_id"`
	SiteKey   string            `json:"site_key"`
	VisitorID string            `json:"visitor_id"`
	ContactID int64             `json:"contact_id"`
	Email     string            `json:"email"`
}

func (s *server) trackEvents(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	var in struct {
		Events []eventJSON `json:"events"`
	}
	if err := decodeJSON(r, &in, false); err != nil {
		return err
	}
	evs := make([]app.ServerEvent, len(in.Events))
	for i, e := range in.Events {
		raw := app.RawEvent{Kind: e.Type, Name: e.Name, URL: e.URL, Path: e.Path, Title: e.Title, Referrer: e.Referrer, UTM: e.UTM, Props: e.Props}
		if e.At != nil {
			raw.At = *e.At
		}
		evs[i] = app.ServerEvent{RawEvent: raw, SiteID: e.SiteID, SiteKey: e.SiteKey, VisitorID: e.VisitorID, ContactID: e.ContactID, Email: e.Email}
	}
	n, err := s.app.TrackServerEvents(r.Context(), ac, evs)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]int{"accepted": n})
}

func (s *server) identify(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	var in struct {
		SiteID    int64  `json:"site_id"`
		SiteKey   string `json:"site_key"`
		VisitorID string `json:"visitor_id"`
		ContactID int64  `json:"contact_id"`
		Email     string `json:"email"`
	}
	if err := decodeJSON(r, &in, false); err != nil {
		return err
	}
	id, err := s.app.IdentifyVisitor(r.Context(), ac, app.IdentifyInput{SiteID: in.SiteID, SiteKey: in.SiteKey, VisitorID: in.VisitorID,
		ContactID: in.ContactID, Email: in.Email})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]int64{"contact_id": id})
}

// queryProblem turns the validation errors of query parameters into a 400
// problem naming each parameter; other errors pass.
func queryProblem(err error) error {
	ve, ok := crm.AsValidation(err)
	if !ok {
		return err
	}
	p := &problem{Status: http.StatusBadRequest, Detail: "The request is malformed; see errors for each query parameter."}
	for f, m := range ve.Fields {
		p.Errors = append(p.Errors, fieldError{Field: f, Message: m})
	}
	sort.Slice(p.Errors, func(i, j int) bool { return p.Errors[i].Field < p.Errors[j].Field })
	return p
}

type countJSON struct {
	Value string `json:"value"`
	Views int64  `json:"views"`
}

func counts(cs []store.Count) []countJSON {
	out := make([]countJSON, len(cs))
	for i, c := range cs {
		out[i] = countJSON{c.Value, c.Views}
	}
	return out
}

type bucketJSON struct {
	Start     string `json:"start"`
	Visitors  int64  `json:"visitors"`
	Unique    int64  `json:"unique_visitors"`
	Pageviews int64  `json:"pageviews"`
	Events    int64  `json:"events"`
}

func (s *server) awareness(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	v := &crm.ValidationError{}
	siteID, err := queryInt64(r, "site_id")
	if err != nil {
		return err
	}
	if siteID == 0 {
		v.Add("site_id", "is required")
	}
	top, err := queryInt64(r, "top")
	if err != nil {
		return err
	}
	loc, err := s.app.Location(r.Context())
	if err != nil {
		return err
	}
	day := func(name string, def time.Time) time.Time {
		val := strings.TrimSpace(r.URL.Query().Get(name))
		if val == "" {
			return def
		}
		t, err := time.ParseInLocation("2006-01-02", val, loc)
		if err != nil {
			v.Add(name, "must be a date such as 2026-04-01")
		}
		return t
	}
	now := s.app.Clock().In(loc)
	to := day("to", time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, loc))
	from := day("from", to.AddDate(0, 0, -29))
	if err := v.Err(); err != nil {
		return queryProblem(err)
	}
	rep, err := s.app.Awareness(r.Context(), ac, app.AwarenessQuery{SiteID: siteID, From: from, To: to, Group: r.URL.Query().Get("group"), Top: int(min(max(top, 0), 100))})
	if errors.Is(err, crm.ErrNotFound) {
		return badField("site_id", "is not a site")
	}
	if err != nil {
		return queryProblem(err)
	}
	series := make([]bucketJSON, len(rep.Buckets))
	for i, b := range rep.Buckets {
		series[i] = bucketJSON{b.Start.Format("2006-01-02"), b.Visitors, b.Unique, b.Pageviews, b.Events}
	}
	return writeJSON(w, http.StatusOK, map[string]any{
		"site_id": rep.Site.ID, "from": rep.From.Format("2006-01-02"), "to": rep.To.Format("2006-01-02"), "group": rep.Group,
		"visitors": rep.Visitors, "unique_visitors": rep.Unique, "pageviews": rep.Pageviews, "events": rep.Events, "bots": rep.Bots,
		"series": series, "top_pages": counts(rep.Pages), "referrers": counts(rep.Referrers),
		"utm_sources": counts(rep.Sources), "utm_mediums": counts(rep.Mediums), "utm_campaigns": counts(rep.Campaigns),
	})
}
