package api

import (
	"strconv"
	"time"

	"renkei/internal/store"
)

// A person's tracking data in the privacy export (visits and events).

type personVisitJSON struct {
	SiteID           int64     `json:"site_id"`
	VisitorID        string    `json:"visitor_id"`
	FirstSeen        time.Time `json:"first_seen"`
	LastSeen         time.Time `json:"last_seen"`
	FirstPath        string    `json:"first_path"`
	FirstReferrer    string    `json:"first_referrer"`
	FirstUTMSource   string    `json:"first_utm_source"`
	FirstUTMMedium   string    `json:"first_utm_medium"`
	FirstUTMCampaign string    `json:"first_utm_campaign"`
}

type personEventJSON struct {
	ID          int64     `json:"id"`
	SiteID      *int64    `json:"site_id"`
	VisitorID   string    `json:"visitor_id"`
	At          time.Time `json:"at"`
	Kind        string    `json:"kind"`
	Name        string    `json:"name"`
	Host        string    `json:"host"`
	Path        string    `json:"path"`
	Title       string    `json:"title"`
	Referrer    string    `json:"referrer"`
	UTMSource   string    `json:"utm_source"`
	UTMMedium   string    `json:"utm_medium"`
	UTMCampaign string    `json:"utm_campaign"`
	UTMTerm     string    `json:"utm_term"`
	UTMContent  string    `json:"utm_content"`
	Props       string    `json:"props"`
}

func toPersonVisits(vs []store.PersonVisit) []personVisitJSON {
	out := make([]personVisitJSON, len(vs))
	for i, v := range vs {
		out[i] = personVisitJSON{SiteID: v.SiteID, VisitorID: v.VisitorID, FirstSeen: v.FirstSeen, LastSeen: v.LastSeen,
			FirstPath: v.FirstPath, FirstReferrer: v.FirstReferrer, FirstUTMSource: v.FirstUTMSource,
			FirstUTMMedium: v.FirstUTMMedium, FirstUTMCampaign: v.FirstUTMCampaign}
	}
	return out
}

func toPersonEvents(es []store.PersonEvent) []personEventJSON {
	out := make([]personEventJSON, len(es))
	for i, e := range es {
		out[i] = personEventJSON{ID: e.ID, SiteID: optID(e.SiteID), VisitorID: e.VisitorID, At: e.At, Kind: e.Kind, Name: e.Name,
			Host: e.Host, Path: e.Path, Title: e.Title, Referrer: e.Referrer, UTMSource: e.UTMSource, UTMMedium: e.UTMMedium,
			UTMCampaign: e.UTMCampaign, UTMTerm: e.UTMTerm, UTMContent: e.UTMContent, Props: e.Props}
	}
	return out
}

// personTrackingSchemas are the export's visit and event shapes.
func personTrackingSchemas() js {
	return js{
		"PersonVisit": record(js{
			"site_id": idSchema(""), "visitor_id": str("First-party visitor id."),
			"first_seen": dateTime(""), "last_seen": dateTime(""), "first_path": str(""), "first_referrer": str(""),
			"first_utm_source": str(""), "first_utm_medium": str(""), "first_utm_campaign": str(""),
		}),
		"PersonEvent": record(js{
			"id": idSchema(""), "site_id": nullable(integer("null for events without a site (API, hosted form page).")),
			"visitor_id": str(""), "at": dateTime(""), "kind": str("pageview, event, form, identify, …"), "name": str("Custom event name."),
			"host": str(""), "path": str(""), "title": str(""), "referrer": str(""),
			"utm_source": str(""), "utm_medium": str(""), "utm_campaign": str(""), "utm_term": str(""), "utm_content": str(""),
			"props": str("The event's properties, JSON text."),
		}),
	}
}

// writeTrackingCSV adds the visits and events sections to a person CSV.
func writeTrackingCSV(write func(...string), d personExportJSON) {
	write()
	write("visits")
	write("site_id", "visitor_id", "first_seen", "last_seen", "first_path", "first_referrer", "first_utm_source", "first_utm_medium", "first_utm_campaign")
	for _, v := range d.Visits {
		write(strconv.FormatInt(v.SiteID, 10), v.VisitorID, v.FirstSeen.Format(time.RFC3339Nano), v.LastSeen.Format(time.RFC3339Nano),
			v.FirstPath, v.FirstReferrer, v.FirstUTMSource, v.FirstUTMMedium, v.FirstUTMCampaign)
	}
	write()
	write("events")
	write("id", "at", "kind", "name", "site_id", "visitor_id", "host", "path", "title", "referrer", "utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content", "props")
	for _, e := range d.Events {
		site := ""
		if e.SiteID != nil {
			site = strconv.FormatInt(*e.SiteID, 10)
		}
		write(strconv.FormatInt(e.ID, 10), e.At.Format(time.RFC3339Nano), e.Kind, e.Name, site, e.VisitorID, e.Host, e.Path, e.Title,
			e.Referrer, e.UTMSource, e.UTMMedium, e.UTMCampaign, e.UTMTerm, e.UTMContent, e.Props)
	}
}
