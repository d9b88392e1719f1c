package api

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"renkei/internal/app"
	"renkei/internal/crm"
)

// socialRoutes are the API endpoints of SNS and market listening (issue 9
// §2): posts (list, create a batch, which is also the webhook, and the
// sentiment correction) and the numbers behind the trend and share-of-voice
// charts. See docs/social-listening.md.
func (s *server) socialRoutes() []route {
	period := param{name: "period", desc: "A month (2026-04), a fiscal quarter (2026-Q1) or a fiscal year (2026); the current fiscal year when left out.",
		schema: pattern(`^\d{4}(-(0[1-9]|1[0-2])|-Q[1-4])?$`, "")}
	bucket := param{name: "bucket", desc: "Points of the series: day, week (from Monday) or month; day for a month, week otherwise when left out.",
		schema: enumOf(app.BucketDay, app.BucketWeek, app.BucketMonth)}
	day := js{"type": "string", "format": "date"}
	return []route{
		{method: http.MethodGet, path: "/social-posts", perm: crm.PermReadAll, id: "listSocialPosts", tag: "social",
			summary: "Social posts, newest first, with filters",
			query: pageParams(
				param{name: "from", desc: "Posted on or after this day (workspace time zone).", schema: day},
				param{name: "to", desc: "Posted on or before this day.", schema: day},
				param{name: "term", desc: "Has this term: a word, a #hashtag or an @mention (compared lower-cased, NFKC).", schema: js{"type": "string"}},
				param{name: "sentiment", desc: "Only posts of this sentiment.", schema: enumOf("positive", "neutral", "negative")},
				param{name: "network", desc: "Only posts of this network (x, instagram, …).", schema: js{"type": "string"}},
				param{name: "entity", desc: "Only posts that mention our brand (brand) or a competitor (competitor:<id>): the posts behind a share-of-voice number.",
					schema: pattern(`^(brand|competitor:[1-9][0-9]*)$`, "")}),
			status: 200, resp: "SocialPostList", handle: s.listSocialPosts},
		{method: http.MethodPost, path: "/social-posts", perm: crm.PermWriteMarketing, id: "createSocialPosts", tag: "social",
			summary: "Add or update up to 1,000 posts (also the webhook of listening tools): deduplicated by network and id; a bad post refuses the whole batch (422 naming posts[i].field); a corrected sentiment stays",
			body:    "SocialPostBatch", status: 200, resp: "SocialPostBatchResult", handle: s.createSocialPosts},
		{method: http.MethodGet, path: "/social-posts/{id}", perm: crm.PermReadAll, id: "getSocialPost", tag: "social",
			summary: "One post with its terms", status: 200, resp: "SocialPost", handle: s.getSocialPost},
		{method: http.MethodPatch, path: "/social-posts/{id}", perm: crm.PermWriteMarketing, id: "correctSocialSentiment", tag: "social",
			summary: "Correct a post's sentiment; the correction stays through later imports and is audited",
			body:    "SocialSentimentPatch", status: 200, resp: "SocialPost", handle: s.correctSocialSentiment},
		{method: http.MethodGet, path: "/reports/social-trends", perm: crm.PermReadAll, id: "socialTrendsReport", tag: "social",
			summary: "Posts per bucket and the counts of terms per bucket (the trend chart), with the period's top terms and hashtags",
			query: []param{period, bucket, {name: "terms", desc: "Terms to count, separated by commas (at most 10); the period's five top terms when left out.",
				schema: js{"type": "string"}}},
			status: 200, resp: "SocialTrends", handle: s.socialTrends},
		{method: http.MethodGet, path: "/reports/share-of-voice", perm: crm.PermReadAll, id: "shareOfVoiceReport", tag: "social",
			summary: "Mentions of our brand and of each competitor per bucket, with each one's share and the sentiment of the posts per bucket",
			query:   []param{period, bucket}, status: 200, resp: "ShareOfVoice", handle: s.shareOfVoice},
	}
}

type socialPostJSON struct {
	ID              int64     `json:"id"`
	Network         string    `json:"network"`
	ExternalID      string    `json:"external_id"`
	Author          string    `json:"author"`
	Text            string    `json:"text"`
	URL             string    `json:"url"`
	CreatedAt       time.Time `json:"created_at"`
	Likes           int64     `json:"likes"`
	Shares          int64     `json:"shares"`
	Sentiment       string    `json:"sentiment"`
	SentimentAuto   string    `json:"sentiment_auto"`
	Corrected       bool      `json:"sentiment_corrected"`
	Source          string    `json:"source"`
	Terms           []string  `json:"terms"`
	ImportedAt      time.Time `json:"imported_at"`
	UpdatedAt       time.Time `json:"updated_at"`
	CorrectedByUser *int64    `json:"sentiment_corrected_by"`
	CorrectedAt     *string   `json:"sentiment_corrected_at"`
}

func toSocialPost(p crm.SocialPost) socialPostJSON {
	out := socialPostJSON{ID: p.ID, Network: p.Network, ExternalID: p.ExternalID, Author: p.Author, Text: p.Text, URL: p.URL,
		CreatedAt: p.PostedAt, Likes: p.Likes, Shares: p.Shares, Sentiment: string(p.Sentiment), SentimentAuto: string(p.SentimentAuto),
		Corrected: p.Corrected, Source: p.Source, Terms: p.Terms, ImportedAt: p.CreatedAt, UpdatedAt: p.UpdatedAt}
	if out.Terms == nil {
		out.Terms = []string{}
	}
	if p.Corrected {
		out.CorrectedByUser = optID(p.CorrectedBy)
		at := p.CorrectedAt.Format(time.RFC3339Nano)
		out.CorrectedAt = &at
	}
	return out
}

func (s *server) listSocialPosts(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	limit, err := parseLimit(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	f := app.SocialPostFilter{From: q.Get("from"), To: q.Get("to"), Term: q.Get("term"), Sentiment: q.Get("sentiment"),
		Network: q.Get("network"), Entity: q.Get("entity"), Limit: limit + 1}
	if c := q.Get("cursor"); c != "" {
		parts, ok := decodeCursor(c, 2)
		if !ok || parts[1] <= 0 {
			return errBadCursor
		}
		f.AfterAt, f.AfterID = time.UnixMilli(parts[0]).UTC(), parts[1]
	}
	ps, err := s.app.SocialPosts(r.Context(), ac, f)
	if err != nil {
		return queryProblem(err)
	}
	items := make([]socialPostJSON, len(ps))
	for i, p := range ps {
		items[i] = toSocialPost(p)
	}
	return writeJSON(w, http.StatusOK, pageOf(items, limit, func(p socialPostJSON) string {
		return encodeCursor(p.CreatedAt.UnixMilli(), p.ID)
	}))
}

type socialPostInput struct {
	Network   string `json:"network"`
	ID        string `json:"id"`
	Author    string `json:"author"`
	Text      string `json:"text"`
	URL       string `json:"url"`
	CreatedAt string `json:"created_at"`
	Likes     int64  `json:"likes"`
	Shares    int64  `json:"shares"`
}

type socialBatchInput struct {
	Posts []socialPostInput `json:"posts"`
}

type socialBatchResult struct {
	Created int              `json:"created"`
	Updated int              `json:"updated"`
	Posts   []socialPostJSON `json:"posts"`
}

func (s *server) createSocialPosts(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	var in socialBatchInput
	if err := decodeJSON(r, &in, false); err != nil {
		return err
	}
	if len(in.Posts) > app.MaxSocialBatch {
		return badField("posts", fmt.Sprintf("send at most %d posts per request", app.MaxSocialBatch))
	}
	posts := make([]crm.SocialPost, len(in.Posts))
	v := &crm.ValidationError{}
	for i, p := range in.Posts {
		posts[i] = crm.SocialPost{Network: p.Network, ExternalID: p.ID, Author: p.Author, Text: p.Text, URL: p.URL,
			Likes: p.Likes, Shares: p.Shares}
		if strings.TrimSpace(p.CreatedAt) != "" {
			t, err := time.Parse(time.RFC3339Nano, strings.TrimSpace(p.CreatedAt))
			if err != nil {
				v.Add(fmt.Sprintf("posts[%d].created_at", i), "enter an RFC 3339 time such as 2026-04-30T09:15:00+09:00")
			}
			posts[i].PostedAt = t
		}
	}
	if err := v.Err(); err != nil {
		return err
	}
	out, created, err := s.app.CreateSocialPosts(r.Context(), ac, posts)
	if err != nil {
		return err
	}
	res := socialBatchResult{Created: created, Updated: len(out) - created, Posts: make([]socialPostJSON, len(out))}
	for i, p := range out {
		res.Posts[i] = toSocialPost(p)
	}
	return writeJSON(w, http.StatusOK, res)
}

func (s *server) getSocialPost(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	p, err := s.app.SocialPost(r.Context(), ac, id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, toSocialPost(p))
}

type socialSentimentPatch struct {
	Sentiment string `json:"sentiment"`
}

func (s *server) correctSocialSentiment(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in socialSentimentPatch
	if err := decodeJSON(r, &in, false); err != nil {
		return err
	}
	p, err := s.app.CorrectSentiment(r.Context(), ac, id, in.Sentiment)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, toSocialPost(p))
}

type socialBucketJSON struct {
	From string `json:"from"`
	To   string `json:"to"`
}

type socialSeriesJSON struct {
	Name   string `json:"name"`
	Counts []int  `json:"counts"`
	Total  int    `json:"total"`
}

type termCountJSON struct {
	Term  string `json:"term"`
	Count int    `json:"count"`
}

type socialTrendsJSON struct {
	Period      string             `json:"period"`
	Bucket      string             `json:"bucket"`
	Buckets     []socialBucketJSON `json:"buckets"`
	Posts       socialSeriesJSON   `json:"posts"`
	Terms       []socialSeriesJSON `json:"terms"`
	Sentiment   []socialSeriesJSON `json:"sentiment"`
	TopTerms    []termCountJSON    `json:"top_terms"`
	TopHashtags []termCountJSON    `json:"top_hashtags"`
}

func bucketsJSON(sp app.SocialPeriod) []socialBucketJSON {
	out := make([]socialBucketJSON, len(sp.Buckets))
	for i, b := range sp.Buckets {
		out[i] = socialBucketJSON{From: b.From, To: b.To}
	}
	return out
}

func seriesJSON(ss []app.SocialSeries) []socialSeriesJSON {
	out := make([]socialSeriesJSON, len(ss))
	for i, s := range ss {
		out[i] = socialSeriesJSON{Name: s.Name, Counts: s.Counts, Total: s.Total}
	}
	return out
}

func (s *server) socialPeriod(r *http.Request) (app.SocialPeriod, error) {
	q := r.URL.Query()
	sp, err := s.app.SocialPeriodOf(r.Context(), strings.TrimSpace(q.Get("period")), strings.TrimSpace(q.Get("bucket")))
	return sp, queryProblem(err)
}

func (s *server) socialTrends(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	sp, err := s.socialPeriod(r)
	if err != nil {
		return err
	}
	var terms []string
	if t := r.URL.Query().Get("terms"); t != "" {
		terms = crm.SplitTerms(t)
		if len(terms) > 10 {
			return badField("terms", "give at most 10 terms")
		}
	}
	tr, err := s.app.SocialTrends(r.Context(), ac, sp, terms)
	if err != nil {
		return err
	}
	ss, err := s.app.SentimentShare(r.Context(), ac, sp)
	if err != nil {
		return err
	}
	out := socialTrendsJSON{Period: sp.Period.Key(), Bucket: sp.Bucket, Buckets: bucketsJSON(sp),
		Posts: seriesJSON([]app.SocialSeries{tr.Volume})[0], Terms: seriesJSON(tr.Terms), Sentiment: seriesJSON(ss.Series),
		TopTerms: []termCountJSON{}, TopHashtags: []termCountJSON{}}
	for _, t := range tr.TopTerms {
		out.TopTerms = append(out.TopTerms, termCountJSON{Term: t.Term, Count: t.Count})
	}
	for _, t := range tr.TopHashtags {
		out.TopHashtags = append(out.TopHashtags, termCountJSON{Term: t.Term, Count: t.Count})
	}
	return writeJSON(w, http.StatusOK, out)
}

type voiceEntityJSON struct {
	Key          string    `json:"key"`
	Name         string    `json:"name"`
	CompetitorID *int64    `json:"competitor_id"`
	Names        []string  `json:"names"`
	Mentions     int       `json:"mentions"`
	Share        float64   `json:"share"`
	Positive     int       `json:"positive"`
	Negative     int       `json:"negative"`
	Counts       []int     `json:"counts"`
	Shares       []float64 `json:"shares"`
}

type shareOfVoiceJSON struct {
	Period   string             `json:"period"`
	Bucket   string             `json:"bucket"`
	Buckets  []socialBucketJSON `json:"buckets"`
	Total    int                `json:"total"`
	Totals   []int              `json:"totals"`
	Entities []voiceEntityJSON  `json:"entities"`
}

func (s *server) shareOfVoice(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	sp, err := s.socialPeriod(r)
	if err != nil {
		return err
	}
	sv, err := s.app.ShareOfVoice(r.Context(), ac, sp)
	if err != nil {
		return err
	}
	out := shareOfVoiceJSON{Period: sp.Period.Key(), Bucket: sp.Bucket, Buckets: bucketsJSON(sp), Total: sv.Total, Totals: sv.Totals,
		Entities: make([]voiceEntityJSON, len(sv.Entities))}
	for i, e := range sv.Entities {
		names := e.Names
		if names == nil {
			names = []string{}
		}
		out.Entities[i] = voiceEntityJSON{Key: e.Key, Name: e.Name, CompetitorID: optID(e.CompetitorID), Names: names,
			Mentions: e.Mentions, Share: e.Share, Positive: e.Positive, Negative: e.Negative, Counts: e.Counts, Shares: e.Shares}
	}
	return writeJSON(w, http.StatusOK, out)
}

func socialSchemas() js {
	series := record(js{"name": str("The term, sentiment or posts."), "counts": arrayOf(integer("")), "total": integer("")})
	bucket := record(js{"from": date("First day."), "to": date("Last day (included).")})
	term := record(js{"term": str(""), "count": integer("Posts with the term.")})
	return js{
		"SocialPost": record(js{"id": idSchema(""), "network": str("x, instagram, …"), "external_id": str("The network's id."),
			"author": str(""), "text": str(""), "url": str(""), "created_at": dateTime("When it was posted."),
			"likes": integer(""), "shares": integer("Retweets, reposts, shares."),
			"sentiment": enumOf("positive", "neutral", "negative"), "sentiment_auto": enumOf("positive", "neutral", "negative"),
			"sentiment_corrected": boolean("A person corrected the sentiment."), "source": enumOf("import", "api"),
			"terms": arrayOf(str("")), "imported_at": dateTime(""), "updated_at": dateTime(""),
			"sentiment_corrected_by": nullable(integer("The user who corrected it.")),
			"sentiment_corrected_at": nullable(dateTime(""))}),
		"SocialPostList": listOf("SocialPost"),
		"SocialPostInput": input([]string{"text", "created_at"}, js{
			"network": str("x, instagram, … (twitter is read as x); x when left out."),
			"id":      str("The network's id of the post; made from author, time and text when left out."),
			"author":  str(""), "text": str("At most 10,000 characters."), "url": str("https:// or http:// address."),
			"created_at": dateTime("When it was posted (RFC 3339)."),
			"likes":      integer(""), "shares": integer("")}),
		"SocialPostBatch": input([]string{"posts"}, js{"posts": arrayOf(ref("SocialPostInput"))}),
		"SocialPostBatchResult": record(js{"created": integer(""), "updated": integer(""),
			"posts": arrayOf(ref("SocialPost"))}),
		"SocialSentimentPatch": input([]string{"sentiment"}, js{"sentiment": enumOf("positive", "neutral", "negative")}),
		"SocialTrends": record(js{"period": str(""), "bucket": enumOf("day", "week", "month"), "buckets": arrayOf(bucket),
			"posts": series, "terms": arrayOf(series), "sentiment": arrayOf(series),
			"top_terms": arrayOf(term), "top_hashtags": arrayOf(term)}),
		"ShareOfVoice": record(js{"period": str(""), "bucket": enumOf("day", "week", "month"), "buckets": arrayOf(bucket),
			"total": integer("Σ mentions; a post naming two counts for each."), "totals": arrayOf(integer("")),
			"entities": arrayOf(record(js{"key": str("brand or competitor:<id>"), "name": str(""),
				"competitor_id": nullable(integer("")), "names": arrayOf(str("The names that count as a mention.")),
				"mentions": integer(""), "share": described(js{"type": "number"}, "mentions ÷ total, 0..1"),
				"positive": integer(""), "negative": integer(""), "counts": arrayOf(integer("")),
				"shares": arrayOf(js{"type": "number"})}))}),
	}
}
