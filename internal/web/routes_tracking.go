package web

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"renkei/internal/app"
	"renkei/internal/crm"
	"renkei/internal/i18n"
	"renkei/internal/store"
)

// trackingRoutes are the UI routes of web tracking: sites, the awareness report.
func (s *server) trackingRoutes() []route {
	return []route{
		{"GET", "/settings/sites", crm.PermSettings, s.sitesPage, false},
		{"POST", "/settings/sites", crm.PermSettings, s.siteCreate, false},
		{"GET", "/settings/sites/{id}", crm.PermSettings, s.sitePage, false},
		{"POST", "/settings/sites/{id}", crm.PermSettings, s.siteUpdate, false},
		{"POST", "/settings/sites/{id}/delete", crm.PermSettings, s.siteDelete, false},
		{"GET", "/marketing/awareness", crm.PermReadAll, s.awarenessPage, false},
	}
}

// sitesData is the content of the sites list.
type sitesData struct {
	Sites []crm.Site
}

func (s *server) sitesPageData(w http.ResponseWriter, r *http.Request, rq *req) (*page, error) {
	p := s.newPage(w, r, rq, "sites.title")
	p.Section, p.Sub = "settings", "sites"
	sites, err := s.app.Sites(r.Context(), rq.actor)
	if err != nil {
		return nil, err
	}
	p.Data = &sitesData{Sites: sites}
	return p, nil
}

func (s *server) sitesPage(w http.ResponseWriter, r *http.Request, rq *req) error {
	p, err := s.sitesPageData(w, r, rq)
	if err != nil {
		return err
	}
	p.Form = newForm()
	p.Form.Set("honour_gpc", "on")
	s.render(w, r, rq, http.StatusOK, "tracking_sites", p)
	return nil
}

// siteInput reads the site form: origins one per line (or separated by
// spaces or commas), checkboxes as "on".
func siteInput(f *form) app.SiteInput {
	origins := strings.FieldsFunc(f.Get("origins"), func(r rune) bool { return r == '\n' || r == '\r' || r == ',' || r == ' ' })
	return app.SiteInput{Name: f.Get("name"), Domain: f.Get("domain"), Origins: origins,
		Cookieless: f.Get("cookieless") == "on", HonourGPC: f.Get("honour_gpc") == "on"}
}

func (s *server) siteCreate(w http.ResponseWriter, r *http.Request, rq *req) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	p, err := s.sitesPageData(w, r, rq)
	if err != nil {
		return err
	}
	p.Form = submitted(r)
	site, err := s.app.CreateSite(r.Context(), rq.actor, siteInput(p.Form))
	if err != nil {
		return again(err, "tracking_sites", p)
	}
	return s.redirect(w, r, rq, "/settings/sites/"+strconv.FormatInt(site.ID, 10), "flash.site_created")
}

// siteData is the content of one site's page.
type siteData struct {
	Site    crm.Site
	Snippet string
	Events  []store.Event // the latest events, newest first
	Today   store.TrackDay
}

func (s *server) sitePageData(w http.ResponseWriter, r *http.Request, rq *req) (*page, *siteData, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return nil, nil, err
	}
	site, err := s.app.Site(r.Context(), rq.actor, id)
	if err != nil {
		return nil, nil, err
	}
	p := s.newPage(w, r, rq, "")
	p.Title = site.Name
	p.Section, p.Sub = "settings", "sites"
	d := &siteData{Site: site, Snippet: s.app.Snippet(site)}
	if d.Events, err = s.app.Store.Events(r.Context(), store.EventFilter{SiteID: site.ID, Limit: 20}); err != nil {
		return nil, nil, err
	}
	p.Data = d
	f := newForm()
	f.Version = site.Version
	f.Set("name", site.Name)
	f.Set("domain", site.Domain)
	f.Set("origins", strings.Join(site.Origins, "\n"))
	if site.Cookieless {
		f.Set("cookieless", "on")
	}
	if site.HonourGPC {
		f.Set("honour_gpc", "on")
	}
	p.Form = f
	return p, d, nil
}

func (s *server) sitePage(w http.ResponseWriter, r *http.Request, rq *req) error {
	p, _, err := s.sitePageData(w, r, rq)
	if err != nil {
		return err
	}
	s.render(w, r, rq, http.StatusOK, "tracking_site", p)
	return nil
}

func (s *server) siteUpdate(w http.ResponseWriter, r *http.Request, rq *req) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	p, d, err := s.sitePageData(w, r, rq)
	if err != nil {
		return err
	}
	p.Form = submitted(r)
	if _, err := s.app.UpdateSite(r.Context(), rq.actor, d.Site.ID, p.Form.Version, siteInput(p.Form)); err != nil {
		return again(err, "tracking_site", p)
	}
	return s.redirect(w, r, rq, "/settings/sites/"+strconv.FormatInt(d.Site.ID, 10), "flash.saved")
}

func (s *server) siteDelete(w http.ResponseWriter, r *http.Request, rq *req) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.app.DeleteSite(r.Context(), rq.actor, id); err != nil {
		return err
	}
	return s.redirect(w, r, rq, "/settings/sites", "flash.site_deleted")
}

// ---- the awareness report ----

// awarenessData is the content of the awareness report page.
type awarenessData struct {
	Sites   []crm.Site
	SiteID  int64
	Range   string // 7d, 30d, 90d, month, custom
	From    string // YYYY-MM-DD
	To      string
	Group   string
	Ranges  []option
	Groups  []option
	Report  *app.AwarenessReport
	Chart   awarenessChart
	Snippet string
	Error   string
	KPIs    []kpi
	Tables  []countTable
}

// kpi is one headline number.
type kpi struct{ Label, Value, Help string }

// countTable is one "value / views" table (top pages, referrers, UTM).
type countTable struct {
	Title string
	Rows  []store.Count
	Empty string
}

// awarenessChart is the data of the line chart, passed to awareness.js as
// JSON (no inline scripts under the CSP).
type awarenessChart struct {
	Labels    []string `json:"labels"`
	Visitors  []int64  `json:"visitors"`
	Pageviews []int64  `json:"pageviews"`
	Names     []string `json:"names"`
}

// awarenessRange turns the range choice into dates in loc.
func awarenessRange(choice, from, to string, now time.Time, loc *time.Location) (time.Time, time.Time, bool) {
	today := time.Date(now.In(loc).Year(), now.In(loc).Month(), now.In(loc).Day(), 0, 0, 0, 0, loc)
	switch choice {
	case "7d":
		return today.AddDate(0, 0, -6), today, true
	case "90d":
		return today.AddDate(0, 0, -89), today, true
	case "month":
		return time.Date(today.Year(), today.Month(), 1, 0, 0, 0, 0, loc), today, true
	case "custom":
		f, err1 := time.ParseInLocation(time.DateOnly, from, loc)
		t, err2 := time.ParseInLocation(time.DateOnly, to, loc)
		return f, t, err1 == nil && err2 == nil
	}
	return today.AddDate(0, 0, -29), today, true
}

func (s *server) awarenessPage(w http.ResponseWriter, r *http.Request, rq *req) error {
	ctx := r.Context()
	p := s.newPage(w, r, rq, "awareness.title")
	p.Section = "marketing"
	lang := rq.lang
	q := r.URL.Query()
	sites, err := s.app.Sites(ctx, rq.actor)
	if err != nil {
		return err
	}
	d := &awarenessData{Sites: sites, Range: q.Get("range"), Group: q.Get("group"), From: q.Get("from"), To: q.Get("to")}
	p.Data = d
	for _, k := range []string{"7d", "30d", "90d", "month", "custom"} {
		d.Ranges = append(d.Ranges, option{k, i18n.T(lang, "awareness.range."+k)})
	}
	for _, k := range []string{app.GroupDay, app.GroupWeek, app.GroupMonth} {
		d.Groups = append(d.Groups, option{k, i18n.T(lang, "awareness.group."+k)})
	}
	if d.Range == "" {
		d.Range = "30d"
	}
	if d.Group == "" {
		d.Group = app.GroupDay
	}
	if len(sites) == 0 {
		s.render(w, r, rq, http.StatusOK, "tracking_awareness", p)
		return nil
	}
	d.SiteID = sites[0].ID
	if id, err := strconv.ParseInt(q.Get("site"), 10, 64); err == nil {
		d.SiteID = id
	}
	from, to, ok := awarenessRange(d.Range, d.From, d.To, s.app.Clock(), p.Loc)
	if !ok {
		d.Error = i18n.T(lang, "awareness.bad_dates")
		s.render(w, r, rq, http.StatusUnprocessableEntity, "tracking_awareness", p)
		return nil
	}
	d.From, d.To = from.Format(time.DateOnly), to.Format(time.DateOnly)
	rep, err := s.app.Awareness(ctx, rq.actor, app.AwarenessQuery{SiteID: d.SiteID, From: from, To: to, Group: d.Group})
	if v, isV := crm.AsValidation(err); isV {
		for _, m := range v.Fields {
			d.Error = i18n.Error(lang, m)
		}
		s.render(w, r, rq, http.StatusUnprocessableEntity, "tracking_awareness", p)
		return nil
	}
	if err != nil {
		return err
	}
	d.Report = &rep
	num := func(n int64) string { return i18n.Number(n) }
	d.KPIs = []kpi{
		{i18n.T(lang, "awareness.unique"), num(rep.Unique), i18n.T(lang, "awareness.unique_help")},
		{i18n.T(lang, "awareness.visitors"), num(rep.Visitors), i18n.T(lang, "awareness.visitors_help")},
		{i18n.T(lang, "awareness.pageviews"), num(rep.Pageviews), ""},
		{i18n.T(lang, "awareness.events"), num(rep.Events), i18n.T(lang, "awareness.bots", num(rep.Bots))},
	}
	empty := i18n.T(lang, "awareness.none")
	for _, t := range []struct {
		key  string
		rows []store.Count
	}{{"awareness.top_pages", rep.Pages}, {"awareness.referrers", rep.Referrers}, {"awareness.utm_source", rep.Sources},
		{"awareness.utm_medium", rep.Mediums}, {"awareness.utm_campaign", rep.Campaigns}} {
		d.Tables = append(d.Tables, countTable{i18n.T(lang, t.key), t.rows, empty})
	}
	d.Snippet = s.app.Snippet(rep.Site)
	d.Chart.Names = []string{i18n.T(lang, "awareness.visitors"), i18n.T(lang, "awareness.pageviews")}
	for _, b := range rep.Buckets {
		label := i18n.Date(lang, b.Start)
		if d.Group == app.GroupMonth {
			label = b.Start.Format("2006-01")
		}
		d.Chart.Labels = append(d.Chart.Labels, label)
		d.Chart.Visitors = append(d.Chart.Visitors, b.Unique)
		d.Chart.Pageviews = append(d.Chart.Pageviews, b.Pageviews)
	}
	s.render(w, r, rq, http.StatusOK, "tracking_awareness", p)
	return nil
}

// visitItem fills a timeline item for a visit or a custom event.
func visitItem(lang crm.Language, e store.TimelineEntry, it *timelineItem) {
	str := func(k string) string {
		if v, ok := e.Data[k].(string); ok {
			return v
		}
		return ""
	}
	it.Icon, it.Color = "ti-world", "bg-teal-lt"
	if e.Kind == app.KindWebEvent {
		it.Icon = "ti-bolt"
		it.Title = i18n.T(lang, "timeline.kind.web_event") + ": " + str("name")
	}
	var parts []string
	if t := str("title"); t != "" {
		parts = append(parts, t)
	}
	parts = append(parts, str("host")+str("path"))
	if ref := str("referrer"); ref != "" {
		parts = append(parts, i18n.T(lang, "timeline.visit_from", ref))
	}
	var utm []string
	for _, k := range []string{"utm_source", "utm_medium", "utm_campaign"} {
		if v := str(k); v != "" {
			utm = append(utm, v)
		}
	}
	if len(utm) > 0 {
		parts = append(parts, "UTM: "+strings.Join(utm, " / "))
	}
	it.Detail = strings.Join(parts, " · ")
}
