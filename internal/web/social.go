package web

import (
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"renkei/internal/app"
	"renkei/internal/crm"
	"renkei/internal/i18n"
	"renkei/internal/store"
)

// socialRoutes are the UI routes of SNS and market listening: the
// listening report (trends, sentiment, share of voice), the posts behind
// it with the sentiment correction, the import and the settings.
func (s *server) socialRoutes() []route {
	return []route{
		{"GET", "/marketing/social", crm.PermReadAll, s.socialPage, false},
		{"GET", "/marketing/social/posts", crm.PermReadAll, s.socialPostsPage, false},
		{"POST", "/marketing/social/posts/{id}/sentiment", crm.PermWriteMarketing, s.socialSentimentPost, false},
		{"GET", "/marketing/social/import", crm.PermWriteMarketing, s.socialImportPage, false},
		{"POST", "/marketing/social/import", crm.PermWriteMarketing, s.socialImportPost, false},
		{"GET", "/marketing/social/imports/{id}", crm.PermWriteMarketing, s.socialImportStatusPage, false},
		{"GET", "/marketing/social/imports/{id}/progress", crm.PermWriteMarketing, s.socialImportProgress, false},
		{"GET", "/marketing/social/settings", crm.PermWriteMarketing, s.socialSettingsPage, false},
		{"POST", "/marketing/social/settings", crm.PermWriteMarketing, s.socialSettingsPost, false},
	}
}

// ---- the listening report ----

// socialChart is the JSON the charts are drawn from (social.js).
type socialChart struct {
	Labels []string       `json:"labels"`
	Links  [][]string     `json:"links"` // per series, per point: the posts behind it
	Series []socialLine   `json:"series"`
	Stack  bool           `json:"stack,omitempty"`
	Pct    bool           `json:"pct,omitempty"`
	Names  map[string]any `json:"names,omitempty"`
}

type socialLine struct {
	Label string    `json:"label"`
	Data  []float64 `json:"data"`
	Color string    `json:"color,omitempty"`
}

var socialColors = []string{"#206bc4", "#d63939", "#2fb344", "#f76707", "#ae3ec9", "#17a2b8", "#f59f00", "#4263eb", "#74b816", "#868e96"}

// socialRow is one line of a table under a chart.
type socialRow struct {
	Name     string
	Href     string // the posts behind the row
	N        int
	Share    string // "42.9%"
	Positive int
	Negative int
	Counts   []socialCell
}

type socialCell struct {
	N    int
	Href string
}

type socialPageData struct {
	Period      string // key
	PeriodLabel string
	Prev, Next  string // keys
	Kind        string // month, quarter, year
	Bucket      string
	Kinds       []option
	Buckets     []option
	Terms       string // the terms asked for, as typed
	Error       string
	Total       int // posts in the whole database
	Posts       int // posts in the period
	KPIs        []socialKPI
	BucketNames []string
	Trend       socialChart
	TrendRows   []socialRow
	Sentiment   socialChart
	SentRows    []socialRow
	Voice       socialChart
	VoiceRows   []socialRow
	VoiceTotal  int
	TopTerms    []socialRow
	TopTags     []socialRow
	CanWrite    bool
	NoBrand     bool // brand terms are not set (the workspace's name is used)
}

type socialKPI struct {
	Label, Value, Help string
}

func sharePct(n, of int) string {
	if of == 0 {
		return "–"
	}
	return strconv.FormatFloat(math.Round(float64(n)*1000/float64(of))/10, 'f', 1, 64) + "%"
}

// postsLink is the address of the posts list with the given filters.
func postsLink(kv ...string) string {
	v := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] != "" {
			v.Set(kv[i], kv[i+1])
		}
	}
	return "/marketing/social/posts?" + v.Encode()
}

func (s *server) socialPage(w http.ResponseWriter, r *http.Request, rq *req) error {
	ctx := r.Context()
	q := r.URL.Query()
	p := s.newPage(w, r, rq, "social.title")
	p.Section = "marketing"
	d := &socialPageData{CanWrite: rq.actor.Can(crm.PermWriteMarketing), Terms: q.Get("terms")}
	p.Data = d
	total, err := s.app.SocialPostsTotal(ctx, rq.actor)
	if err != nil {
		return err
	}
	d.Total = total
	key, kind := strings.TrimSpace(q.Get("period")), q.Get("kind")
	if key == "" && kind != "" {
		ws, err := s.workspace(ctx, rq)
		if err != nil {
			return err
		}
		if k, ok := crm.ParsePeriodKind(kind); ok {
			key = ws.PeriodOf(k, time.Now()).Key()
		}
	}
	sp, err := s.app.SocialPeriodOf(ctx, key, q.Get("bucket"))
	if err != nil {
		if v, ok := crm.AsValidation(err); ok {
			d.Error = i18n.Error(rq.lang, v.Error())
			for _, m := range v.Fields {
				d.Error = i18n.Error(rq.lang, m)
			}
			sp, err = s.app.SocialPeriodOf(ctx, "", "")
		}
		if err != nil {
			return err
		}
	}
	per := sp.Period
	d.Period, d.Kind, d.Bucket = per.Key(), string(per.Kind), sp.Bucket
	d.PeriodLabel = socialPeriodLabel(rq.lang, per)
	d.Prev, d.Next = per.Prev().Key(), per.Next().Key()
	for _, k := range []crm.PeriodKind{crm.PeriodMonth, crm.PeriodQuarter, crm.PeriodYear} {
		d.Kinds = append(d.Kinds, option{Value: string(k), Label: i18n.T(rq.lang, "social.kind."+string(k))})
	}
	for _, b := range []string{app.BucketDay, app.BucketWeek, app.BucketMonth} {
		d.Buckets = append(d.Buckets, option{Value: b, Label: i18n.T(rq.lang, "social.bucket."+b)})
	}
	for _, b := range sp.Buckets {
		label := b.From
		if sp.Bucket == app.BucketMonth {
			label = b.From[:7]
		} else if sp.Bucket == app.BucketWeek {
			label = b.From[5:] + "–" + b.To[5:]
		}
		d.BucketNames = append(d.BucketNames, label)
	}
	var terms []string
	if d.Terms != "" {
		terms = crm.SplitTerms(d.Terms)
	}
	rep, err := s.app.SocialReport(ctx, rq.actor, sp, terms)
	if err != nil {
		return err
	}
	tr, ss, sv := rep.Trends, rep.Sentiment, rep.Voice
	st, err := s.app.SocialSettings(ctx, rq.actor)
	if err != nil {
		return err
	}
	d.NoBrand = len(st.BrandTerms) == 0
	d.Posts = tr.Posts

	// Trend: one line per term; a point links to its posts.
	d.Trend = socialChart{Labels: d.BucketNames}
	for i, ser := range tr.Terms {
		line := socialLine{Label: ser.Name, Color: socialColors[i%len(socialColors)]}
		var links []string
		row := socialRow{Name: ser.Name, N: ser.Total, Href: postsLink("term", ser.Name, "from", sp.Buckets[0].From, "to", sp.Buckets[len(sp.Buckets)-1].To)}
		for b, n := range ser.Counts {
			line.Data = append(line.Data, float64(n))
			href := postsLink("term", ser.Name, "from", sp.Buckets[b].From, "to", sp.Buckets[b].To)
			links = append(links, href)
			row.Counts = append(row.Counts, socialCell{N: n, Href: href})
		}
		d.Trend.Series = append(d.Trend.Series, line)
		d.Trend.Links = append(d.Trend.Links, links)
		d.TrendRows = append(d.TrendRows, row)
	}
	if len(terms) == 0 {
		var names []string
		for _, ser := range tr.Terms {
			names = append(names, ser.Name)
		}
		d.Terms = strings.Join(names, ", ")
	}

	// Sentiment: stacked bars per bucket.
	d.Sentiment = socialChart{Labels: d.BucketNames, Stack: true}
	colors := map[string]string{"positive": "#2fb344", "neutral": "#adb5bd", "negative": "#d63939"}
	for _, ser := range ss.Series {
		line := socialLine{Label: i18n.T(rq.lang, "social.sentiment."+ser.Name), Color: colors[ser.Name]}
		var links []string
		for b, n := range ser.Counts {
			line.Data = append(line.Data, float64(n))
			links = append(links, postsLink("sentiment", ser.Name, "from", sp.Buckets[b].From, "to", sp.Buckets[b].To))
		}
		d.Sentiment.Series = append(d.Sentiment.Series, line)
		d.Sentiment.Links = append(d.Sentiment.Links, links)
		d.SentRows = append(d.SentRows, socialRow{Name: line.Label, N: ser.Total, Share: sharePct(ser.Total, ss.Total),
			Href: postsLink("sentiment", ser.Name, "from", sp.Buckets[0].From, "to", sp.Buckets[len(sp.Buckets)-1].To)})
	}

	// Share of voice: share % per bucket, one line per entity.
	d.Voice = socialChart{Labels: d.BucketNames, Pct: true}
	d.VoiceTotal = sv.Total
	for i, e := range sv.Entities {
		name := e.Name
		if e.Key == "brand" {
			name = i18n.T(rq.lang, "social.brand", e.Name)
		}
		line := socialLine{Label: name, Color: socialColors[i%len(socialColors)]}
		var links []string
		row := socialRow{Name: name, N: e.Mentions, Share: sharePct(e.Mentions, sv.Total), Positive: e.Positive, Negative: e.Negative,
			Href: postsLink("entity", e.Key, "from", sp.Buckets[0].From, "to", sp.Buckets[len(sp.Buckets)-1].To)}
		for b := range e.Counts {
			line.Data = append(line.Data, math.Round(e.Shares[b]*1000)/10)
			links = append(links, postsLink("entity", e.Key, "from", sp.Buckets[b].From, "to", sp.Buckets[b].To))
		}
		d.Voice.Series = append(d.Voice.Series, line)
		d.Voice.Links = append(d.Voice.Links, links)
		d.VoiceRows = append(d.VoiceRows, row)
	}

	from, to := sp.Buckets[0].From, sp.Buckets[len(sp.Buckets)-1].To
	for _, t := range tr.TopTerms {
		d.TopTerms = append(d.TopTerms, socialRow{Name: t.Term, N: t.Count, Href: postsLink("term", t.Term, "from", from, "to", to)})
	}
	for _, t := range tr.TopHashtags {
		d.TopTags = append(d.TopTags, socialRow{Name: t.Term, N: t.Count, Href: postsLink("term", t.Term, "from", from, "to", to)})
	}
	var pos, neg int
	for _, ser := range ss.Series {
		switch ser.Name {
		case "positive":
			pos = ser.Total
		case "negative":
			neg = ser.Total
		}
	}
	brand := "–"
	if len(sv.Entities) > 0 && sv.Total > 0 {
		brand = sharePct(sv.Entities[0].Mentions, sv.Total)
	}
	d.KPIs = []socialKPI{
		{i18n.T(rq.lang, "social.kpi.posts"), i18n.Number(int64(tr.Posts)), ""},
		{i18n.T(rq.lang, "social.kpi.positive"), sharePct(pos, ss.Total), i18n.T(rq.lang, "social.kpi.n", i18n.Number(int64(pos)))},
		{i18n.T(rq.lang, "social.kpi.negative"), sharePct(neg, ss.Total), i18n.T(rq.lang, "social.kpi.n", i18n.Number(int64(neg)))},
		{i18n.T(rq.lang, "social.kpi.voice"), brand, i18n.T(rq.lang, "social.kpi.mentions", i18n.Number(int64(sv.Total)))},
	}
	s.render(w, r, rq, http.StatusOK, "social_overview", p)
	return nil
}

// socialPeriodLabel names a period: "2026-04", "FY2026 Q1 (2026-04–2026-06)", "FY2026".
func socialPeriodLabel(lang crm.Language, p crm.Period) string {
	y, q := p.FiscalYear()
	last := p.End.AddDate(0, 0, -1)
	switch p.Kind {
	case crm.PeriodQuarter:
		return i18n.T(lang, "social.period.quarter", y, q, p.Start.Format("2006-01"), last.Format("2006-01"))
	case crm.PeriodYear:
		return i18n.T(lang, "social.period.year", y, p.Start.Format("2006-01"), last.Format("2006-01"))
	}
	return p.Start.Format("2006-01")
}

// ---- the posts ----

type socialPostRow struct {
	P         crm.SocialPost
	Sentiment string
	Badge     string
	Auto      string // the word list's verdict, when corrected
	When      string
	Options   []option
}

type socialPostsData struct {
	Filter   app.SocialPostFilter
	Entities []option
	Rows     []socialPostRow
	Next     string // link to the next page
	Error    string
	CanWrite bool
	Back     string // this page, for the correction form
	Any      bool   // any filter is set
}

func sentimentBadge(s crm.Sentiment) string {
	switch s {
	case crm.SentimentPositive:
		return "bg-green-lt"
	case crm.SentimentNegative:
		return "bg-red-lt"
	}
	return "bg-secondary-lt"
}

const socialPageSize = 50

func (s *server) socialPostsPage(w http.ResponseWriter, r *http.Request, rq *req) error {
	ctx := r.Context()
	q := r.URL.Query()
	p := s.newPage(w, r, rq, "social.posts.title")
	p.Section = "marketing"
	f := app.SocialPostFilter{From: q.Get("from"), To: q.Get("to"), Term: q.Get("term"), Sentiment: q.Get("sentiment"),
		Network: q.Get("network"), Entity: q.Get("entity"), Limit: socialPageSize + 1}
	d := &socialPostsData{Filter: f, CanWrite: rq.actor.Can(crm.PermWriteMarketing), Back: r.URL.RequestURI(),
		Any: f.From != "" || f.To != "" || f.Term != "" || f.Sentiment != "" || f.Network != "" || f.Entity != ""}
	p.Data = d
	if c := q.Get("after"); c != "" {
		at, id, ok := strings.Cut(c, ".")
		ms, err1 := strconv.ParseInt(at, 10, 64)
		n, err2 := strconv.ParseInt(id, 10, 64)
		if ok && err1 == nil && err2 == nil {
			f.AfterAt, f.AfterID = time.UnixMilli(ms).UTC(), n
		}
	}
	brands, err := s.app.SocialBrands(ctx, rq.actor)
	if err != nil {
		return err
	}
	d.Entities = append(d.Entities, option{Value: "", Label: i18n.T(rq.lang, "social.posts.any_entity")})
	{
		for _, e := range brands {
			name := e.Name
			if e.Key == "brand" {
				name = i18n.T(rq.lang, "social.brand", e.Name)
			}
			d.Entities = append(d.Entities, option{Value: e.Key, Label: name})
		}
	}
	posts, err := s.app.SocialPosts(ctx, rq.actor, f)
	if v, ok := crm.AsValidation(err); ok {
		for _, m := range v.Fields {
			d.Error = i18n.Error(rq.lang, m)
		}
		posts, err = nil, nil
	}
	if err != nil {
		return err
	}
	if len(posts) > socialPageSize {
		last := posts[socialPageSize-1]
		v := r.URL.Query()
		v.Set("after", fmt.Sprintf("%d.%d", last.PostedAt.UnixMilli(), last.ID))
		d.Next = "/marketing/social/posts?" + v.Encode()
		posts = posts[:socialPageSize]
	}
	for _, sp := range posts {
		row := socialPostRow{P: sp, Sentiment: i18n.T(rq.lang, "social.sentiment."+string(sp.Sentiment)), Badge: sentimentBadge(sp.Sentiment),
			When: i18n.DateTime(rq.lang, sp.PostedAt, p.Loc)}
		if sp.Corrected {
			row.Auto = i18n.T(rq.lang, "social.sentiment."+string(sp.SentimentAuto))
		}
		for _, st := range crm.Sentiments {
			row.Options = append(row.Options, option{Value: string(st), Label: i18n.T(rq.lang, "social.sentiment."+string(st))})
		}
		d.Rows = append(d.Rows, row)
	}
	s.render(w, r, rq, http.StatusOK, "social_posts", p)
	return nil
}

func (s *server) socialSentimentPost(w http.ResponseWriter, r *http.Request, rq *req) error {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return crm.ErrNotFound
	}
	if err := parseForm(w, r); err != nil {
		return err
	}
	f := submitted(r)
	if _, err := s.app.CorrectSentiment(r.Context(), rq.actor, id, f.Get("sentiment")); err != nil {
		return err
	}
	return s.redirect(w, r, rq, localPath(f.Get("back"), "/marketing/social/posts"), "flash.saved")
}

// ---- the import ----

type socialImportData struct {
	History []store.Import
}

func (s *server) socialImportView(w http.ResponseWriter, r *http.Request, rq *req) (*page, error) {
	p := s.newPage(w, r, rq, "social.import.title")
	p.Section = "marketing"
	hist, err := s.app.SocialImports(r.Context(), rq.actor, 20)
	if err != nil {
		return nil, err
	}
	p.Data = &socialImportData{History: hist}
	return p, nil
}

func (s *server) socialImportPage(w http.ResponseWriter, r *http.Request, rq *req) error {
	p, err := s.socialImportView(w, r, rq)
	if err != nil {
		return err
	}
	f := newForm()
	f.Set("network", "x")
	f.Set("format", "auto")
	f.Set("encoding", "auto")
	p.Form = f
	s.render(w, r, rq, http.StatusOK, "social_import", p)
	return nil
}

func (s *server) socialImportPost(w http.ResponseWriter, r *http.Request, rq *req) error {
	p, err := s.socialImportView(w, r, rq)
	if err != nil {
		return err
	}
	r.Body = http.MaxBytesReader(w, r.Body, app.MaxSocialImportBytes+1<<20)
	f := newForm()
	p.Form = f
	if err := r.ParseMultipartForm(8 << 20); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return again(crm.Invalid("file", "is larger than 100 MB; split it into several files"), "social_import", p)
		}
		return again(crm.Invalid("file", "choose a CSV or JSON file"), "social_import", p)
	}
	for k, vs := range r.MultipartForm.Value {
		f.Values[k] = vs
	}
	file, hdr, err := r.FormFile("file")
	if err != nil {
		return again(crm.Invalid("file", "choose a CSV or JSON file"), "social_import", p)
	}
	defer file.Close()
	format := f.Get("format")
	if format == "auto" {
		format = ""
	}
	im, err := s.app.StartSocialImport(r.Context(), rq.actor, app.SocialImportRequest{Filename: hdr.Filename,
		Network: f.Get("network"), Format: format, Encoding: f.Get("encoding")}, file)
	if err != nil {
		return again(err, "social_import", p)
	}
	s.wake()
	return s.redirect(w, r, rq, fmt.Sprintf("/marketing/social/imports/%d", im.ID), "")
}

type socialImportStatus struct {
	Im      store.Import
	Errors  []store.ImportError
	Done    bool
	Failed  bool
	Percent int
}

func (s *server) socialImportStatusData(r *http.Request, rq *req) (*socialImportStatus, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return nil, crm.ErrNotFound
	}
	im, errs, err := s.app.SocialImport(r.Context(), rq.actor, id)
	if err != nil {
		return nil, err
	}
	d := &socialImportStatus{Im: im, Errors: errs, Done: im.Status == store.ImportDone || im.Status == store.ImportFailed,
		Failed: im.Status == store.ImportFailed}
	switch {
	case d.Done:
		d.Percent = 100
	case im.TotalRows > 0:
		d.Percent = min(99, im.DoneRows*100/im.TotalRows)
	}
	return d, nil
}

func (s *server) socialImportStatusPage(w http.ResponseWriter, r *http.Request, rq *req) error {
	d, err := s.socialImportStatusData(r, rq)
	if err != nil {
		return err
	}
	p := s.newPage(w, r, rq, "social.import.progress_title")
	p.Section = "marketing"
	p.Data = d
	s.render(w, r, rq, http.StatusOK, "social_import_status", p)
	return nil
}

func (s *server) socialImportProgress(w http.ResponseWriter, r *http.Request, rq *req) error {
	d, err := s.socialImportStatusData(r, rq)
	if err != nil {
		return err
	}
	p := s.newPage(nil, r, rq, "")
	p.Data = d
	s.renderTemplate(w, rq, http.StatusOK, "social_import_status", "social_import_progress", p)
	return nil
}

// ---- settings ----

type socialAliasRow struct {
	ID    int64
	Name  string
	Field string
}

type socialSettingsData struct {
	Competitors []socialAliasRow
}

func (s *server) socialSettingsView(w http.ResponseWriter, r *http.Request, rq *req) (*page, *socialSettingsData, error) {
	p := s.newPage(w, r, rq, "social.settings.title")
	p.Section = "marketing"
	cs, err := s.app.Competitors(r.Context(), rq.actor)
	if err != nil {
		return nil, nil, err
	}
	d := &socialSettingsData{}
	for _, c := range cs {
		d.Competitors = append(d.Competitors, socialAliasRow{ID: c.ID, Name: c.Name, Field: fmt.Sprintf("alias_%d", c.ID)})
	}
	p.Data = d
	return p, d, nil
}

func (s *server) socialSettingsPage(w http.ResponseWriter, r *http.Request, rq *req) error {
	p, d, err := s.socialSettingsView(w, r, rq)
	if err != nil {
		return err
	}
	st, err := s.app.SocialSettings(r.Context(), rq.actor)
	if err != nil {
		return err
	}
	f := newForm()
	f.Set("version", strconv.FormatInt(st.Version, 10))
	f.Set("brand_terms", strings.Join(st.BrandTerms, "\n"))
	f.Set("positive", strings.Join(st.Positive, "\n"))
	f.Set("negative", strings.Join(st.Negative, "\n"))
	for _, c := range d.Competitors {
		f.Set(c.Field, strings.Join(st.Aliases[c.ID], "\n"))
	}
	p.Form = f
	s.render(w, r, rq, http.StatusOK, "social_settings", p)
	return nil
}

func (s *server) socialSettingsPost(w http.ResponseWriter, r *http.Request, rq *req) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	p, d, err := s.socialSettingsView(w, r, rq)
	if err != nil {
		return err
	}
	f := submitted(r)
	p.Form = f
	version, _ := strconv.ParseInt(f.Get("version"), 10, 64)
	st := crm.SocialSettings{Version: version, BrandTerms: []string{f.Get("brand_terms")},
		Positive: []string{f.Get("positive")}, Negative: []string{f.Get("negative")}, Aliases: map[int64][]string{}}
	for _, c := range d.Competitors {
		st.Aliases[c.ID] = []string{f.Get(c.Field)}
	}
	if _, err := s.app.UpdateSocialSettings(r.Context(), rq.actor, st); err != nil {
		return again(err, "social_settings", p)
	}
	return s.redirect(w, r, rq, "/marketing/social", "flash.saved")
}
