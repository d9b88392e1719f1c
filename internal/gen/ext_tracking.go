package gen

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"sort"
	"time"

	"renkei/internal/crm"
	"renkei/internal/store"
)

// streamTracking is the random stream of the visits.
const streamTracking = 10

// TrackingWindow is how far back the generated visits go.
const TrackingWindow = 90 * 24 * time.Hour

// trackingExtension adds web tracking to the generated world: the
// company's web site (and, for large worlds, its blog), 90 days of visits
// by a share of the contacts (hotter people come more often, and look at
// the pricing page) and by anonymous visitors, with UTM campaigns and
// referrers; identified visits on the contacts' timelines; and the rollups
// of the awareness report, computed while the events are made.
func trackingExtension(w *World) Extension {
	loc := time.Local // the server's zone, as app.Setup gives an English workspace
	if w.cfg.Lang == crm.LangJA {
		loc = w.jst
	}
	t := &tracking{w: w, roll: store.NewRollups(loc)}
	t.sites = []genSite{{ID: 1, Name: "Corporate site", Host: "www." + w.Domain}}
	if w.cfg.Lang == crm.LangJA {
		t.sites[0].Name = "コーポレートサイト"
	}
	if w.Contacts() >= 100_000 {
		t.sites = append(t.sites, genSite{ID: 2, Name: "Blog", Host: "blog." + w.Domain})
	}
	return t
}

type genSite struct {
	ID   int64
	Name string
	Host string
}

type tracking struct {
	w        *World
	sites    []genSite
	roll     *store.Rollups
	events   *store.BulkTable
	visitors *store.BulkTable
	timeline *store.BulkTable
	days     *store.BulkTable
	pages    *store.BulkTable
	refs     *store.BulkTable
	utm      *store.BulkTable
	ev       store.Event // reused
}

// The site's pages; hot people look at pricing.
var (
	genPages = []struct{ path, en, ja string }{
		{"/", "Renkei Trading — marketing and sales, together", "レンケイ商事 — マーケティングと営業をひとつに"},
		{"/features", "Features", "機能"},
		{"/case-studies", "Case studies", "導入事例"},
		{"/blog/marketing-vs-sales", "Marketing vs sales: what is the difference?", "マーケティングとセールスの違いとは"},
		{"/blog/lead-scoring", "Lead scoring in five steps", "5ステップで始めるリードスコアリング"},
		{"/blog/mql-handoff", "Handing MQLs to sales", "MQLを営業に渡すコツ"},
		{"/webinar/spring", "Spring webinar", "春のウェビナー"},
		{"/about", "About us", "会社概要"},
		{"/contact", "Contact", "お問い合わせ"},
		{"/docs/getting-started", "Getting started", "はじめに"},
	}
	genPricing = struct{ path, en, ja string }{"/pricing", "Pricing", "料金"}
	// campaigns: source, medium, campaign, referrer host ("" = none).
	genCampaigns = [][4]string{
		{"google", "cpc", "brand_search", "www.google.com"},
		{"newsletter", "email", "monthly_news", ""},
		{"linkedin", "social", "spring_webinar", "www.linkedin.com"},
		{"facebook", "social", "spring_webinar", "www.facebook.com"},
		{"yahoo", "cpc", "generic_search", "search.yahoo.co.jp"},
	}
	genReferrers = []string{"www.google.com", "www.google.co.jp", "search.yahoo.co.jp", "www.bing.com", "t.co", "news.example.jp", "", "", ""}
)

func (t *tracking) Tables(ctx context.Context, b *store.Bulk) error {
	var err error
	sites, err := b.Table(ctx, "sites", "id", "name", "domain", "site_key", "origins", "cookieless", "honour_gpc", "created_at", "updated_at", "version")
	if err != nil {
		return err
	}
	r := t.w.Rand(streamTracking, 1<<30)
	created := ms(t.w.Start())
	for _, s := range t.sites {
		key := fmt.Sprintf("rk_demo%016x", r.Uint64())
		if err := sites.Add(ctx, s.ID, s.Name, t.w.Domain, key, fmt.Sprintf(`["https://%s"]`, s.Host), 0, 1, created, created, 1); err != nil {
			return err
		}
	}
	specs := []struct {
		t    **store.BulkTable
		name string
		cols []string
	}{
		{&t.visitors, "visitors", []string{"site_id", "visitor_id", "contact_id", "first_seen", "last_seen", "first_path", "first_referrer",
			"first_utm_source", "first_utm_medium", "first_utm_campaign"}},
		{&t.events, "events", []string{"site_id", "visitor_id", "contact_id", "at", "kind", "name", "host", "path", "title",
			"referrer", "referrer_host", "utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content", "props"}},
		{&t.timeline, "timeline", []string{"at", "contact_id", "company_id", "kind", "actor_id", "data"}},
		{&t.days, "track_days", []string{"site_id", "day", "pageviews", "events", "visitors", "bots", "hll"}},
		{&t.pages, "track_pages", []string{"site_id", "day", "path", "views"}},
		{&t.refs, "track_referrers", []string{"site_id", "day", "host", "views"}},
		{&t.utm, "track_utm", []string{"site_id", "day", "dim", "value", "views"}},
	}
	for _, sp := range specs {
		if *sp.t, err = b.Table(ctx, sp.name, sp.cols...); err != nil {
			return err
		}
	}
	return nil
}

// session is one visit: a few page views in a row.
type session struct {
	site     genSite
	at       time.Time
	campaign int // index in genCampaigns, -1 = none
	referrer string
	pages    int
	pricing  bool
	demo     bool // ends with a custom event
}

func (t *tracking) Company(ctx context.Context, co *Company, people []Person) error {
	w := t.w
	r := w.Rand(streamTracking, co.Index)
	from := w.Now().Add(-TrackingWindow)
	for i := range people {
		p := &people[i]
		if p.CreatedAt.After(w.Now()) || r.Float64() > 0.15+0.55*p.Temperature {
			continue
		}
		n := 1 + int(p.Temperature*6*r.Float64())
		earliest := maxTime(from, p.CreatedAt.Add(-21*24*time.Hour))
		vid := fmt.Sprintf("%016x", r.Uint64())
		var ss []session
		for k := 0; k < n; k++ {
			s := t.newSession(r, earliest, p.Temperature)
			if k == 0 && p.Group == crm.GroupMarketing && r.Float64() < 0.6 {
				s.campaign = r.IntN(len(genCampaigns))
				s.referrer = genCampaigns[s.campaign][3]
			}
			ss = append(ss, s)
		}
		if err := t.visitor(ctx, r, vid, p.ID, co.ID, ss); err != nil {
			return err
		}
	}
	// Anonymous visitors: about one and a half per person, colder.
	anon := len(people) + r.IntN(len(people)+1)
	for k := 0; k < anon; k++ {
		vid := fmt.Sprintf("%016x", r.Uint64())
		ss := []session{t.newSession(r, from, 0.2*r.Float64())}
		if r.Float64() < 0.3 {
			ss = append(ss, t.newSession(r, from, 0.2))
		}
		if r.Float64() < 0.15 {
			ss[0].campaign = r.IntN(len(genCampaigns))
			ss[0].referrer = genCampaigns[ss[0].campaign][3]
		}
		if err := t.visitor(ctx, r, vid, 0, 0, ss); err != nil {
			return err
		}
	}
	return nil
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// newSession draws a visit between earliest and the story's end, in
// working hours (Japan) more often than not.
func (t *tracking) newSession(r *rand.Rand, earliest time.Time, temp float64) session {
	end := t.w.Now()
	span := end.Sub(earliest)
	if span <= 0 {
		span = time.Hour
		earliest = end.Add(-span)
	}
	at := earliest.Add(time.Duration(r.Int64N(int64(span))))
	if r.Float64() < 0.7 { // move into 9:00–19:00 JST of that day
		y, m, d := at.In(t.w.jst).Date()
		at = time.Date(y, m, d, 9+r.IntN(10), r.IntN(60), r.IntN(60), 0, t.w.jst)
		if at.After(end) || at.Before(earliest) {
			at = earliest.Add(time.Duration(r.Int64N(int64(span))))
		}
	}
	s := session{site: t.sites[0], at: at.UTC().Truncate(time.Millisecond), campaign: -1, pages: 1 + r.IntN(2+int(temp*4))}
	if len(t.sites) > 1 && r.Float64() < 0.35 {
		s.site = t.sites[1]
	}
	s.referrer = genReferrers[r.IntN(len(genReferrers))]
	s.pricing = r.Float64() < temp*temp
	s.demo = s.pricing && r.Float64() < temp*0.5
	return s
}

// visitor writes one visitor's sessions: the visitors row, the events, the
// contact's timeline entries and the rollups.
func (t *tracking) visitor(ctx context.Context, r *rand.Rand, vid string, contactID, companyID int64, ss []session) error {
	sort.Slice(ss, func(i, j int) bool { return ss[i].at.Before(ss[j].at) })
	ja := t.w.cfg.Lang == crm.LangJA
	first := map[int64]*store.Event{}
	last := map[int64]time.Time{}
	for _, s := range ss {
		at := s.at
		prev := ""
		for k := 0; k < s.pages; k++ {
			pg := genPages[r.IntN(len(genPages))]
			if k == 0 && r.Float64() < 0.5 {
				pg = genPages[0]
			}
			if s.pricing && k == s.pages-1 {
				pg = genPricing
			}
			title := pg.en
			if ja {
				title = pg.ja
			}
			e := &t.ev
			*e = store.Event{SiteID: s.site.ID, VisitorID: vid, ContactID: contactID, At: at, Kind: store.EventPageview,
				Host: s.site.Host, Path: pg.path, Title: title, Props: "{}"}
			if k == 0 {
				if s.referrer != "" {
					e.Referrer, e.ReferrerHost = "https://"+s.referrer+"/", trimWWW(s.referrer)
				}
				if s.campaign >= 0 {
					c := genCampaigns[s.campaign]
					e.UTMSource, e.UTMMedium, e.UTMCampaign = c[0], c[1], c[2]
				}
			} else {
				e.Referrer, e.ReferrerHost = "https://"+s.site.Host+prev, s.site.Host
			}
			if err := t.write(ctx, e, companyID); err != nil {
				return err
			}
			if first[s.site.ID] == nil {
				cp := *e
				first[s.site.ID] = &cp
			}
			last[s.site.ID] = at
			prev = pg.path
			at = at.Add(time.Duration(20+r.IntN(160)) * time.Second)
		}
		if s.demo {
			e := &t.ev
			*e = store.Event{SiteID: s.site.ID, VisitorID: vid, ContactID: contactID, At: at, Kind: store.EventCustom, Name: "demo_requested",
				Host: s.site.Host, Path: genPricing.path, Title: genPricing.en, Props: `{"plan":"standard"}`}
			if err := t.write(ctx, e, companyID); err != nil {
				return err
			}
		}
	}
	for site, f := range first {
		if err := t.visitors.Add(ctx, site, vid, nullID(contactID), ms(f.At), ms(last[site]), f.Path, f.Referrer,
			f.UTMSource, f.UTMMedium, f.UTMCampaign); err != nil {
			return err
		}
	}
	return nil
}

func trimWWW(h string) string {
	if len(h) > 4 && h[:4] == "www." {
		return h[4:]
	}
	return h
}

// write adds one event, its timeline entry (identified visitors) and its
// rollup counts.
func (t *tracking) write(ctx context.Context, e *store.Event, companyID int64) error {
	t.roll.Add(e)
	if err := t.events.Add(ctx, e.SiteID, e.VisitorID, nullID(e.ContactID), ms(e.At), e.Kind, e.Name, e.Host, e.Path, e.Title,
		e.Referrer, e.ReferrerHost, e.UTMSource, e.UTMMedium, e.UTMCampaign, e.UTMTerm, e.UTMContent, e.Props); err != nil {
		return err
	}
	if e.ContactID == 0 {
		return nil
	}
	data := map[string]any{"host": e.Host, "path": e.Path, "title": e.Title, "site_id": e.SiteID}
	kind := "visit"
	if e.Kind == store.EventCustom {
		kind, data["name"] = "web_event", e.Name
	}
	for k, v := range map[string]string{"referrer": e.Referrer, "utm_source": e.UTMSource, "utm_medium": e.UTMMedium, "utm_campaign": e.UTMCampaign} {
		if v != "" {
			data[k] = v
		}
	}
	b, err := json.Marshal(data)
	if err != nil {
		return err
	}
	_ = companyID // visits belong to the person; the company's timeline shows its people's entries
	return t.timeline.Add(ctx, ms(e.At), e.ContactID, nil, kind, nil, string(b))
}

// Done writes the rollups of the awareness report.
func (t *tracking) Done(ctx context.Context) error {
	keys := make([]store.SiteDay, 0, len(t.roll.Days))
	for k := range t.roll.Days {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].SiteID != keys[j].SiteID {
			return keys[i].SiteID < keys[j].SiteID
		}
		return keys[i].Day < keys[j].Day
	})
	for _, k := range keys {
		d := t.roll.Days[k]
		sketch, _ := d.Visitors.MarshalBinary()
		if err := t.days.Add(ctx, k.SiteID, k.Day, d.Pageviews, d.Events, d.Visitors.Estimate(), d.Bots, sketch); err != nil {
			return err
		}
		for _, m := range []struct {
			t *store.BulkTable
			m map[string]int64
		}{{t.pages, d.Pages}, {t.refs, d.Referrers}} {
			for v, n := range m.m {
				if err := m.t.Add(ctx, k.SiteID, k.Day, v, n); err != nil {
					return err
				}
			}
		}
		for u, n := range d.UTM {
			if err := t.utm.Add(ctx, k.SiteID, k.Day, u[0], u[1], n); err != nil {
				return err
			}
		}
	}
	return nil
}
