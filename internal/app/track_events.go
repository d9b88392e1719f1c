package app

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"renkei/internal/crm"
	"renkei/internal/store"
)

// RawEvent is an event as a tracker or a backend sends it, before it is
// checked and clamped.
type RawEvent struct {
	Kind     string // pageview (default) or event
	Name     string // custom event name (kind event)
	URL      string // the page's full URL; UTM parameters are read from it
	Path     string // used when URL is empty
	Title    string
	Referrer string
	UTM      map[string]string // utm_source, … (override the URL's)
	Props    json.RawMessage   // a JSON object
	At       time.Time         // zero = now
}

// Field clamps: longer values are cut (at a character boundary).
const (
	maxEventName  = 100
	maxEventPath  = 1000
	maxEventTitle = 300
	maxEventRef   = 1000
	maxEventUTM   = 200
	maxEventHost  = 253
	maxEventProps = 4096
)

var utmKeys = []string{"utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content"}

// clamp cuts s to at most n bytes on a character boundary and drops
// control characters.
func clamp(s string, n int) string {
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return -1
		}
		return r
	}, s)
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// BuildEvent checks and clamps a raw event of a site (siteID 0 for none).
// Field names in errors are prefixed (e.g. "events[3].").
func BuildEvent(raw RawEvent, siteID int64, visitorID string, now time.Time, prefix string) (store.Event, error) {
	v := &crm.ValidationError{}
	e := store.Event{SiteID: siteID, VisitorID: visitorID, At: now}
	switch raw.Kind {
	case "", store.EventPageview:
		e.Kind = store.EventPageview
	case store.EventCustom:
		e.Kind = store.EventCustom
		if e.Name = clamp(strings.TrimSpace(raw.Name), maxEventName); e.Name == "" {
			v.Add(prefix+"name", "is required")
		}
	default:
		v.Add(prefix+"kind", "choose pageview or event")
	}
	if !raw.At.IsZero() {
		if raw.At.Before(now.AddDate(0, 0, -30)) || raw.At.After(now.Add(5*time.Minute)) {
			v.Add(prefix+"at", "must be within the last 30 days")
		} else {
			e.At = raw.At.UTC().Truncate(time.Millisecond)
		}
	}
	var q url.Values
	if raw.URL != "" {
		u, err := url.Parse(raw.URL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			v.Add(prefix+"url", "is not a web address (http or https)")
		} else {
			e.Host = clamp(strings.ToLower(u.Hostname()), maxEventHost)
			e.Path = u.EscapedPath()
			q = u.Query()
		}
	} else {
		e.Path = raw.Path
	}
	if e.Path == "" {
		e.Path = "/"
	}
	e.Path = clamp(e.Path, maxEventPath)
	e.Title = clamp(strings.TrimSpace(raw.Title), maxEventTitle)
	if raw.Referrer != "" {
		if u, err := url.Parse(raw.Referrer); err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" {
			e.Referrer = clamp(raw.Referrer, maxEventRef)
			e.ReferrerHost = clamp(strings.TrimPrefix(strings.ToLower(u.Hostname()), "www."), maxEventHost)
		}
	}
	utm := [5]string{}
	for i, k := range utmKeys {
		val := q.Get(k)
		if o, ok := raw.UTM[k]; ok {
			val = o
		}
		utm[i] = clamp(strings.TrimSpace(val), maxEventUTM)
	}
	e.UTMSource, e.UTMMedium, e.UTMCampaign, e.UTMTerm, e.UTMContent = utm[0], utm[1], utm[2], utm[3], utm[4]
	if len(raw.Props) > 0 && string(raw.Props) != "null" {
		var m map[string]any
		if len(raw.Props) > maxEventProps {
			v.Add(prefix+"props", "is too large (4 KB at most)")
		} else if err := json.Unmarshal(raw.Props, &m); err != nil {
			v.Add(prefix+"props", "must be a JSON object")
		} else {
			b, _ := json.Marshal(m)
			e.Props = string(b)
		}
	}
	if e.Host != "" {
		e.ReferrerHost = strings.TrimSpace(e.ReferrerHost)
		if e.ReferrerHost == strings.TrimPrefix(e.Host, "www.") {
			e.ReferrerHost = e.Host // internal navigation: not an outside referrer
		}
	}
	return e, v.Err()
}

// ServerEvent is an event sent by a backend through the API: a site (id or
// key), a visitor id and/or a contact (id or e-mail).
type ServerEvent struct {
	RawEvent
	SiteID    int64
	SiteKey   string
	VisitorID string
	ContactID int64
	Email     string
}

// MaxServerEvents bounds one API call.
const MaxServerEvents = 100

// TrackServerEvents records events sent by a backend; it returns when
// they are committed.
func (a *App) TrackServerEvents(ctx context.Context, ac Actor, in []ServerEvent) (int, error) {
	if err := ac.require(crm.PermWriteContacts); err != nil {
		return 0, err
	}
	if len(in) == 0 || len(in) > MaxServerEvents {
		return 0, crm.Invalid("events", fmt.Sprintf("send 1 to %d events", MaxServerEvents))
	}
	now := a.now()
	v := &crm.ValidationError{}
	evs := make([]store.Event, 0, len(in))
	for i, se := range in {
		prefix := ""
		if len(in) > 1 {
			prefix = fmt.Sprintf("events[%d].", i)
		}
		siteID, contactID, visitor := a.resolveServerRefs(ctx, v, prefix, se.SiteID, se.SiteKey, se.ContactID, se.Email, se.VisitorID)
		if visitor == "" && contactID == 0 && !hasFieldPrefix(v, prefix) {
			v.Add(prefix+"visitor_id", "name a visitor or a contact")
		}
		e, err := BuildEvent(se.RawEvent, siteID, visitor, now, prefix)
		if ve, ok := crm.AsValidation(err); ok {
			for f, m := range ve.Fields {
				v.Add(f, m)
			}
		}
		e.ContactID = contactID
		evs = append(evs, e)
	}
	if err := v.Err(); err != nil {
		return 0, err
	}
	return len(evs), a.RecordEvents(ctx, evs)
}

func hasFieldPrefix(v *crm.ValidationError, prefix string) bool {
	for f := range v.Fields {
		if strings.HasPrefix(f, prefix) {
			return true
		}
	}
	return false
}

// resolveServerRefs checks a site (id or key), a contact (id or e-mail)
// and a visitor id, adding errors to v.
func (a *App) resolveServerRefs(ctx context.Context, v *crm.ValidationError, prefix string, siteID int64, siteKey string, contactID int64, email, visitor string) (int64, int64, string) {
	switch {
	case siteID != 0:
		if _, err := a.Store.Site(ctx, siteID); err != nil {
			v.Add(prefix+"site_id", "is not a site")
			siteID = 0
		}
	case siteKey != "":
		s, err := a.SiteForKey(ctx, siteKey)
		if err != nil {
			v.Add(prefix+"site_key", "is not a site key")
		}
		siteID = s.ID
	}
	if visitor = strings.TrimSpace(visitor); visitor != "" {
		if len(visitor) > maxVisitorID || strings.HasPrefix(visitor, store.CookielessPrefix) || strings.ContainsAny(visitor, " \t\r\n") {
			v.Add(prefix+"visitor_id", "is not a visitor id")
		} else if siteID == 0 {
			v.Add(prefix+"site_id", "a visitor id needs its site (site_id or site_key)")
		}
	}
	switch {
	case contactID != 0:
		if _, err := a.Store.Contact(ctx, contactID); err != nil {
			v.Add(prefix+"contact_id", "is not a contact")
			contactID = 0
		}
	case email != "":
		c, err := a.Store.ContactByEmail(ctx, email)
		if err != nil {
			v.Add(prefix+"email", "no contact has this e-mail address")
		}
		contactID = c.ID
	}
	return siteID, contactID, visitor
}

// IdentifyInput ties a visitor to a contact through the API.
type IdentifyInput struct {
	SiteID    int64
	SiteKey   string
	VisitorID string
	ContactID int64
	Email     string
}

// IdentifyVisitor ties a site's visitor to a contact (through the
// group-commit writer): the visitor's earlier events join the contact's
// timeline, later ones get the contact as they arrive. It returns the
// contact's id.
func (a *App) IdentifyVisitor(ctx context.Context, ac Actor, in IdentifyInput) (int64, error) {
	if err := ac.require(crm.PermWriteContacts); err != nil {
		return 0, err
	}
	v := &crm.ValidationError{}
	siteID, contactID, visitor := a.resolveServerRefs(ctx, v, "", in.SiteID, in.SiteKey, in.ContactID, in.Email, in.VisitorID)
	if siteID == 0 && !hasFieldPrefix(v, "site") {
		v.Add("site_id", "is required (or site_key)")
	}
	if visitor == "" && !hasFieldPrefix(v, "visitor_id") {
		v.Add("visitor_id", "is required")
	}
	if contactID == 0 && !hasFieldPrefix(v, "contact_id") && !hasFieldPrefix(v, "email") {
		v.Add("contact_id", "is required (or email)")
	}
	if err := v.Err(); err != nil {
		return 0, err
	}
	if s, err := a.Store.Site(ctx, siteID); err == nil && s.Cookieless {
		return 0, crm.Invalid("site_id", "the site is cookieless: its visitors stay anonymous")
	}
	ev := store.Event{SiteID: siteID, VisitorID: visitor, ContactID: contactID, At: a.now(), Kind: store.EventIdentify}
	err := a.submit(ctx, &trackReq{identify: []identifyOp{{siteID, visitor, contactID}}, events: []store.Event{ev}})
	return contactID, err
}
