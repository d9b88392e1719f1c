package track

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"regexp"
	"strings"

	"renkei/internal/app"
	"renkei/internal/crm"
	"renkei/internal/httpx"
	"renkei/internal/store"
)

// trackingRoutes are the tracker script and the beacon.
func (s *Server) trackingRoutes() []route {
	return []route{
		{"GET /t.js", s.serveScript},
		{"POST /t/e", s.beacon},
		{"OPTIONS /t/e", s.beaconPreflight},
	}
}

// Beacon limits.
const (
	maxBeaconBody   = 64 << 10
	maxBeaconEvents = 50
)

// beaconEvent is one event in a beacon.
type beaconEvent struct {
	Type  string          `json:"type"`
	Name  string          `json:"name"`
	URL   string          `json:"url"`
	Title string          `json:"title"`
	Ref   string          `json:"ref"`
	Props json.RawMessage `json:"props"`
}

// beaconBody is what the tracker sends: the site key, the visitor id, and
// a batch of events, or the fields of one event inline.
type beaconBody struct {
	Site   string        `json:"site"`
	Vid    string        `json:"vid"`
	GPC    bool          `json:"gpc"`
	Events []beaconEvent `json:"events"`
	beaconEvent
}

// beaconAnswer tells the tracker the site's settings.
type beaconAnswer struct {
	Accepted   int  `json:"accepted"`
	Cookieless bool `json:"cookieless"`
	GPC        bool `json:"gpc"`
	Stop       bool `json:"stop,omitempty"`
}

var visitorIDPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{8,64}$`)

// botPattern matches the user agents of known crawlers, monitors, headless
// browsers and HTTP libraries.
var botPattern = regexp.MustCompile(`(?i)bot|crawl|spider|slurp|headless|phantomjs|selenium|puppeteer|playwright|lighthouse|` +
	`curl/|wget/|python-requests|python-urllib|aiohttp|httpx|go-http-client|java/|okhttp|libwww|scrapy|node-fetch|axios/|` +
	`facebookexternalhit|embedly|preview|monitor|pingdom|uptime|feedfetcher|mediapartners`)

// IsBot reports whether a user agent is a known bot (an empty one is).
func IsBot(ua string) bool { return strings.TrimSpace(ua) == "" || botPattern.MatchString(ua) }

// cors grants the site's registered origin, and only it.
func cors(w http.ResponseWriter, origin string) {
	h := w.Header()
	h.Set("Access-Control-Allow-Origin", origin)
	h.Add("Vary", "Origin")
}

// siteFor finds the site of a request's key (query s) and checks the
// Origin against its registered origins, answering the error itself.
func (s *Server) siteFor(w http.ResponseWriter, r *http.Request, key string) (crm.Site, bool) {
	if key == "" || len(key) > 100 {
		http.Error(w, "unknown site", http.StatusNotFound)
		return crm.Site{}, false
	}
	site, err := s.app.SiteForKey(r.Context(), key)
	if errors.Is(err, crm.ErrNotFound) {
		http.Error(w, "unknown site", http.StatusNotFound)
		return site, false
	}
	if err != nil {
		s.log.Error("tracking: site lookup", "err", err)
		http.Error(w, "unavailable", http.StatusServiceUnavailable)
		return site, false
	}
	origin := r.Header.Get("Origin")
	if !site.AllowsOrigin(origin) {
		http.Error(w, "origin not allowed", http.StatusForbidden)
		return site, false
	}
	cors(w, origin)
	return site, true
}

func (s *Server) beaconPreflight(w http.ResponseWriter, r *http.Request) {
	if _, ok := s.siteFor(w, r, r.URL.Query().Get("s")); !ok {
		return
	}
	h := w.Header()
	h.Set("Access-Control-Allow-Methods", "POST")
	h.Set("Access-Control-Allow-Headers", "Content-Type")
	h.Set("Access-Control-Max-Age", "86400")
	w.WriteHeader(http.StatusNoContent)
}

// beacon takes one event or a batch from the tracker. The answer is a 2xx
// only after the events are committed.
func (s *Server) beacon(w http.ResponseWriter, r *http.Request) {
	ip := httpx.ClientIP(r, s.proxies)
	key := r.URL.Query().Get("s")
	if s.limited(w, ip, key) {
		return
	}
	site, ok := s.siteFor(w, r, key)
	if !ok {
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBeaconBody))
	if err != nil {
		http.Error(w, "body too large (64 KB at most)", http.StatusRequestEntityTooLarge)
		return
	}
	var in beaconBody
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in); err != nil || dec.More() {
		http.Error(w, "malformed JSON", http.StatusBadRequest)
		return
	}
	if in.Site != "" && in.Site != key {
		http.Error(w, "site key mismatch", http.StatusBadRequest)
		return
	}
	answer := beaconAnswer{Cookieless: site.Cookieless, GPC: site.HonourGPC}
	if site.HonourGPC && (in.GPC || r.Header.Get("Sec-GPC") == "1" || r.Header.Get("DNT") == "1") {
		answer.Stop = true
		writeAnswer(w, answer)
		return
	}
	ua := r.Header.Get("User-Agent")
	if IsBot(ua) {
		if err := s.app.RecordBots(r.Context(), site.ID, 1); err != nil {
			s.log.Error("tracking: count bot", "err", err)
		}
		writeAnswer(w, answer)
		return
	}
	events := in.Events
	if events == nil {
		events = []beaconEvent{in.beaconEvent}
	}
	if len(events) == 0 || len(events) > maxBeaconEvents {
		http.Error(w, "send 1 to 50 events", http.StatusBadRequest)
		return
	}
	vid := in.Vid
	if site.Cookieless {
		if vid, err = s.app.CookielessID(r.Context(), site.ID, ip, ua); err != nil {
			s.log.Error("tracking: cookieless id", "err", err)
			http.Error(w, "unavailable", http.StatusServiceUnavailable)
			return
		}
	} else if !visitorIDPattern.MatchString(vid) {
		http.Error(w, "vid: not a visitor id", http.StatusBadRequest)
		return
	}
	now := s.app.Clock().UTC()
	evs := make([]store.Event, 0, len(events))
	for _, be := range events {
		e, err := app.BuildEvent(app.RawEvent{Kind: be.Type, Name: be.Name, URL: be.URL, Title: be.Title, Referrer: be.Ref, Props: be.Props},
			site.ID, vid, now, "")
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		evs = append(evs, e)
	}
	if err := s.app.RecordEvents(r.Context(), evs); err != nil {
		s.log.Error("tracking: record events", "err", err)
		http.Error(w, "unavailable", http.StatusServiceUnavailable)
		return
	}
	answer.Accepted = len(evs)
	writeAnswer(w, answer)
}

func writeAnswer(w http.ResponseWriter, a beaconAnswer) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	json.NewEncoder(w).Encode(a)
}
