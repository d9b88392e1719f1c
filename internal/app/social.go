package app

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"sort"
	"strings"
	"time"

	"golang.org/x/sync/errgroup"

	"renkei/internal/crm"
	"renkei/internal/store"
	"renkei/internal/textseg"
)

// SNS and market listening (issue 9 §2; docs/social-listening.md). Posts
// come from export files (social_import.go) or the API; each is segmented
// into terms (textseg: Japanese by the morphological analyser, loaded on
// first use) and tagged positive, negative or neutral by a word list, which
// a person may correct. Reports count posts per local day in SQL and group
// the days into day, week or month buckets of a DESIGN §7 period here.
//
// Everyone signed in reads; marketing (and admins) import, correct and
// change the listening settings.

const keySocial = "social"

// MaxSocialBatch is the most posts one API request may send.
const MaxSocialBatch = 1000

// SocialSettings returns the listening settings (brand terms, competitor
// aliases, extra sentiment words).
func (a *App) SocialSettings(ctx context.Context, ac Actor) (crm.SocialSettings, error) {
	if err := ac.require(crm.PermReadAll); err != nil {
		return crm.SocialSettings{}, err
	}
	return a.socialSettings(ctx)
}

func (a *App) socialSettings(ctx context.Context) (crm.SocialSettings, error) {
	var s crm.SocialSettings
	v, err := a.Store.Setting(ctx, keySocial, &s)
	if errors.Is(err, crm.ErrNotFound) {
		return crm.SocialSettings{}, nil
	}
	s.Version = v
	return s, err
}

// UpdateSocialSettings replaces the listening settings; version must be
// the one read (0 before the first save).
func (a *App) UpdateSocialSettings(ctx context.Context, ac Actor, s crm.SocialSettings) (crm.SocialSettings, error) {
	if err := ac.require(crm.PermWriteMarketing); err != nil {
		return s, err
	}
	s.Normalize()
	if err := s.Validate(); err != nil {
		return s, err
	}
	err := a.Store.InTx(ctx, func(tx *store.Tx) error {
		v, err := tx.PutSetting(ctx, keySocial, s, s.Version, a.now())
		if err != nil {
			return err
		}
		s.Version = v
		return tx.Audit(ctx, a.audit(ac, "settings.social", strings.Join(s.BrandTerms, ", "), ""))
	})
	return s, err
}

// socialLexicon is the sentiment word list with the workspace's words.
func (a *App) socialLexicon(ctx context.Context) (*textseg.Lexicon, error) {
	s, err := a.socialSettings(ctx)
	if err != nil {
		return nil, err
	}
	if len(s.Positive)+len(s.Negative) == 0 {
		return textseg.Default(), nil
	}
	return textseg.NewLexicon(s.Positive, s.Negative), nil
}

// analyzePosts segments and scores posts side by side (the analyser is
// safe for concurrent use), filling the writes' terms and sentiment.
func analyzePosts(ctx context.Context, ws []store.SocialPostWrite, lex *textseg.Lexicon) error {
	g, _ := errgroup.WithContext(ctx)
	workers := max(1, runtime.GOMAXPROCS(0))
	per := (len(ws) + workers - 1) / workers
	for start := 0; start < len(ws); start += max(1, per) {
		part := ws[start:min(len(ws), start+max(1, per))]
		g.Go(func() error {
			for i := range part {
				r, err := textseg.Analyze(part[i].Post.Text, lex)
				if err != nil {
					return err
				}
				part[i].Norm, part[i].Terms = r.Norm, r.Terms
				part[i].Post.SentimentAuto = crm.SentimentOf(r.Score)
				part[i].Post.Sentiment = part[i].Post.SentimentAuto
			}
			return nil
		})
	}
	return g.Wait()
}

// CreateSocialPosts writes a batch of posts (the API and webhooks): every
// post is checked first and a bad one refuses the whole batch (fields
// named posts[i].field); a post whose network and id are known updates it
// (a corrected sentiment stays). It returns the posts as stored and how
// many were new.
func (a *App) CreateSocialPosts(ctx context.Context, ac Actor, posts []crm.SocialPost) ([]crm.SocialPost, int, error) {
	if err := ac.require(crm.PermWriteMarketing); err != nil {
		return nil, 0, err
	}
	if len(posts) == 0 {
		return nil, 0, crm.Invalid("posts", "send at least one post")
	}
	if len(posts) > MaxSocialBatch {
		return nil, 0, crm.Invalid("posts", fmt.Sprintf("send at most %d posts per request", MaxSocialBatch))
	}
	now := a.now()
	v := &crm.ValidationError{}
	last := map[string]int{}
	for i := range posts {
		p := &posts[i]
		p.ID, p.Source = 0, "api"
		p.Normalize()
		if err := p.Validate(now); err != nil {
			if fv, ok := crm.AsValidation(err); ok {
				for f, msg := range fv.Fields {
					v.Add(fmt.Sprintf("posts[%d].%s", i, f), msg)
				}
			} else {
				return nil, 0, err
			}
			continue
		}
		last[p.Key()] = i
	}
	if err := v.Err(); err != nil {
		return nil, 0, err
	}
	ws := make([]store.SocialPostWrite, 0, len(last))
	for i := range posts {
		if last[posts[i].Key()] == i {
			ws = append(ws, store.SocialPostWrite{Post: &posts[i]})
		}
	}
	lex, err := a.socialLexicon(ctx)
	if err != nil {
		return nil, 0, err
	}
	if err := analyzePosts(ctx, ws, lex); err != nil {
		return nil, 0, err
	}
	stmts := a.Store.NewBatchStmts(ctx)
	defer stmts.Close()
	var created int
	err = a.Store.InBatchTx(ctx, stmts, func(tx *store.BatchTx) error {
		var err error
		created, _, err = tx.UpsertSocialPosts(ctx, ws, now)
		return err
	})
	if err != nil {
		return nil, 0, err
	}
	out := make([]crm.SocialPost, 0, len(ws))
	for _, w := range ws {
		p, err := a.Store.SocialPost(ctx, w.Post.ID)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, p)
	}
	return out, created, nil
}

// SocialPostsTotal counts every post (the report's empty state).
func (a *App) SocialPostsTotal(ctx context.Context, ac Actor) (int, error) {
	if err := ac.require(crm.PermReadAll); err != nil {
		return 0, err
	}
	return a.Store.SocialPostsTotal(ctx)
}

// SocialPost returns one post with its terms.
func (a *App) SocialPost(ctx context.Context, ac Actor, id int64) (crm.SocialPost, error) {
	if err := ac.require(crm.PermReadAll); err != nil {
		return crm.SocialPost{}, err
	}
	return a.Store.SocialPost(ctx, id)
}

// CorrectSentiment records a person's verdict on a post's sentiment; it
// sticks through later imports of the same post and is audited.
func (a *App) CorrectSentiment(ctx context.Context, ac Actor, id int64, sentiment string) (crm.SocialPost, error) {
	if err := ac.require(crm.PermWriteMarketing); err != nil {
		return crm.SocialPost{}, err
	}
	s, ok := crm.ParseSentiment(sentiment)
	if !ok {
		return crm.SocialPost{}, crm.Invalid("sentiment", "choose positive, neutral or negative")
	}
	err := a.Store.InTx(ctx, func(tx *store.Tx) error {
		p, err := tx.SocialPostForUpdate(ctx, id)
		if err != nil {
			return err
		}
		if err := tx.SetSocialSentiment(ctx, id, s, ac.User.ID, a.now()); err != nil {
			return err
		}
		return tx.Audit(ctx, a.audit(ac, "social_post.sentiment", fmt.Sprintf("%d %s/%s", id, p.Network, p.ExternalID),
			fmt.Sprintf("%s → %s", p.Sentiment, s)))
	})
	if err != nil {
		return crm.SocialPost{}, err
	}
	return a.Store.SocialPost(ctx, id)
}

// SocialPostFilter selects posts for the list (dates are days in the
// workspace's time zone, To included).
type SocialPostFilter struct {
	From, To  string // YYYY-MM-DD
	Term      string
	Sentiment string
	Network   string
	// Entity is "brand" or "competitor:<id>": the posts that mention it
	// (the posts behind a share-of-voice number).
	Entity  string
	AfterAt time.Time
	AfterID int64
	Limit   int
}

// SocialPosts lists posts newest first.
func (a *App) SocialPosts(ctx context.Context, ac Actor, f SocialPostFilter) ([]crm.SocialPost, error) {
	if err := ac.require(crm.PermReadAll); err != nil {
		return nil, err
	}
	loc := a.location(ctx)
	q := store.SocialPostQuery{Network: crm.NormalizeNetwork(f.Network), AfterAt: f.AfterAt, AfterID: f.AfterID, Limit: f.Limit}
	v := &crm.ValidationError{}
	if f.From != "" {
		t, err := time.ParseInLocation(time.DateOnly, f.From, loc)
		if err != nil {
			v.Add("from", "enter a date such as 2026-04-30")
		}
		q.From = t
	}
	if f.To != "" {
		t, err := time.ParseInLocation(time.DateOnly, f.To, loc)
		if err != nil {
			v.Add("to", "enter a date such as 2026-04-30")
		}
		q.To = t.AddDate(0, 0, 1)
	}
	if f.Sentiment != "" {
		s, ok := crm.ParseSentiment(f.Sentiment)
		if !ok {
			v.Add("sentiment", "choose positive, neutral or negative")
		}
		q.Sentiment = s
	}
	if t := strings.TrimSpace(f.Term); t != "" {
		q.Term = textseg.Normalize(t)
	}
	if f.Entity != "" {
		ents, err := a.socialEntities(ctx)
		if err != nil {
			return nil, err
		}
		found := false
		for _, e := range ents {
			if e.Key == f.Entity {
				q.Contains, found = e.Match, true
			}
		}
		if !found {
			v.Add("entity", "choose brand or competitor:<id> of a known competitor")
		}
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	return a.Store.SocialPosts(ctx, q)
}

// ---- reports ----

// Social report buckets.
const (
	BucketDay   = "day"
	BucketWeek  = "week"
	BucketMonth = "month"
)

// SocialBucketSpan is one point of a social chart: [Start, End) in the
// workspace's zone.
type SocialBucketSpan struct {
	Start, End time.Time
	From, To   string // the days it covers (To included), for links to its posts
	startDay   int64
}

// SocialPeriod is the period and bucketing of a social report.
type SocialPeriod struct {
	Period  crm.Period
	Bucket  string
	Buckets []SocialBucketSpan
	loc     *time.Location
}

// index returns the bucket of a local day (-1 outside).
func (sp SocialPeriod) index(day int64) int {
	i := sort.Search(len(sp.Buckets), func(i int) bool { return sp.Buckets[i].startDay > day }) - 1
	if i < 0 || day >= store.DayOf(sp.Buckets[len(sp.Buckets)-1].End, sp.loc) {
		return -1
	}
	return i
}

func (sp SocialPeriod) rng() store.SocialRange {
	return store.SocialRange{From: sp.Period.Start, To: sp.Period.End, Loc: sp.loc}
}

// SocialPeriodOf reads a period key (2026-04, 2026-Q1, 2026; "" = the
// current fiscal year) and a bucket (day, week, month; "" = day for a
// month, week otherwise) into the report's buckets.
func (a *App) SocialPeriodOf(ctx context.Context, key, bucket string) (SocialPeriod, error) {
	ws, _, err := a.Workspace(ctx)
	if err != nil {
		return SocialPeriod{}, err
	}
	var p crm.Period
	if key == "" {
		p = ws.PeriodOf(crm.PeriodYear, a.now())
	} else if p, err = ws.ParsePeriod(key); err != nil {
		return SocialPeriod{}, err
	}
	if bucket == "" {
		bucket = BucketWeek
		if p.Kind == crm.PeriodMonth {
			bucket = BucketDay
		}
	}
	sp := SocialPeriod{Period: p, Bucket: bucket, loc: ws.Location()}
	var next func(t time.Time) time.Time
	switch bucket {
	case BucketDay:
		next = func(t time.Time) time.Time { return t.AddDate(0, 0, 1) }
	case BucketWeek: // weeks start on Monday; the first and last may be partial
		next = func(t time.Time) time.Time {
			d := (int(t.Weekday()) + 6) % 7 // days since Monday
			return t.AddDate(0, 0, 7-d)
		}
	case BucketMonth:
		next = func(t time.Time) time.Time { return time.Date(t.Year(), t.Month()+1, 1, 0, 0, 0, 0, t.Location()) }
	default:
		return SocialPeriod{}, crm.Invalid("bucket", "choose day, week or month")
	}
	// Points after today are left out: a period still under way ends today.
	now := a.now()
	for t := p.Start; t.Before(p.End) && (len(sp.Buckets) == 0 || !t.After(now)); {
		end := next(t)
		if end.After(p.End) {
			end = p.End
		}
		sp.Buckets = append(sp.Buckets, SocialBucketSpan{Start: t, End: end, From: t.Format(time.DateOnly),
			To: end.AddDate(0, 0, -1).Format(time.DateOnly), startDay: store.DayOf(t, sp.loc)})
		t = end
	}
	return sp, nil
}

// SocialSeries is one line of a chart: a count per bucket and the total.
type SocialSeries struct {
	Name   string
	Counts []int
	Total  int
}

// SocialTrends is the trend report: posts per bucket, and the chosen terms'
// counts per bucket, with the period's top terms and hashtags.
type SocialTrends struct {
	SocialPeriod
	Posts       int
	Volume      SocialSeries
	Terms       []SocialSeries
	TopTerms    []store.TermCount
	TopHashtags []store.TermCount
}

// SocialTrends counts the posts of the period per bucket, and of the terms
// given (normalised; none = the period's five top terms) per bucket.
func (a *App) SocialTrends(ctx context.Context, ac Actor, sp SocialPeriod, terms []string) (SocialTrends, error) {
	tr := SocialTrends{SocialPeriod: sp}
	if err := ac.require(crm.PermReadAll); err != nil {
		return tr, err
	}
	r := sp.rng()
	var err error
	if tr.TopTerms, err = a.Store.TopTerms(ctx, r, "", 20); err != nil {
		return tr, err
	}
	if tr.TopHashtags, err = a.Store.TopTerms(ctx, r, "hashtag", 10); err != nil {
		return tr, err
	}
	var want []string
	for _, t := range terms {
		if t = textseg.Normalize(strings.TrimSpace(t)); t != "" && !slices.Contains(want, t) && len(want) < 10 {
			want = append(want, t)
		}
	}
	if len(terms) == 0 {
		for _, t := range tr.TopTerms {
			if len(want) < 5 {
				want = append(want, t.Term)
			}
		}
	}
	tr.Terms = make([]SocialSeries, len(want))
	idx := map[string]int{}
	for i, t := range want {
		tr.Terms[i] = SocialSeries{Name: t, Counts: make([]int, len(sp.Buckets))}
		idx[t] = i
	}
	counts, err := a.Store.TermDayCounts(ctx, r, want)
	if err != nil {
		return tr, err
	}
	for _, c := range counts {
		if b := sp.index(c.Day); b >= 0 {
			s := &tr.Terms[idx[c.Key]]
			s.Counts[b] += c.Count
			s.Total += c.Count
		}
	}
	tr.Volume = SocialSeries{Name: "posts", Counts: make([]int, len(sp.Buckets))}
	sent, err := a.Store.SentimentDayCounts(ctx, r)
	if err != nil {
		return tr, err
	}
	for _, c := range sent {
		if b := sp.index(c.Day); b >= 0 {
			tr.Volume.Counts[b] += c.Count
			tr.Volume.Total += c.Count
		}
	}
	tr.Posts = tr.Volume.Total
	return tr, nil
}

// socialEntity is our brand or one competitor, with the names that count
// as a mention of it.
type socialEntity struct {
	Key          string // brand, competitor:<id>
	Name         string
	CompetitorID int64
	Names        []string // as entered
	Match        []string // normalised
}

// socialEntities returns our brand (the brand terms, or the workspace's
// name before any are set) and every competitor (its name and aliases).
func (a *App) socialEntities(ctx context.Context) ([]socialEntity, error) {
	st, err := a.socialSettings(ctx)
	if err != nil {
		return nil, err
	}
	ws, _, err := a.Workspace(ctx)
	if err != nil {
		return nil, err
	}
	brand := st.BrandTerms
	if len(brand) == 0 && strings.TrimSpace(ws.Name) != "" {
		brand = []string{strings.TrimSpace(ws.Name)}
	}
	out := []socialEntity{{Key: "brand", Name: strings.Join(brand, " / "), Names: brand}}
	cs, err := a.Store.Competitors(ctx)
	if err != nil {
		return nil, err
	}
	for _, c := range cs {
		names := append([]string{c.Name}, st.Aliases[c.ID]...)
		out = append(out, socialEntity{Key: fmt.Sprintf("competitor:%d", c.ID), Name: c.Name, CompetitorID: c.ID, Names: names})
	}
	for i := range out {
		for _, n := range out[i].Names {
			if m := textseg.Normalize(strings.TrimSpace(n)); m != "" && !slices.Contains(out[i].Match, m) {
				out[i].Match = append(out[i].Match, m)
			}
		}
	}
	return out, nil
}

// SocialBrands lists our brand and the competitors with the names that
// count as their mentions (the choices of the posts filter).
func (a *App) SocialBrands(ctx context.Context, ac Actor) ([]VoiceEntity, error) {
	if err := ac.require(crm.PermReadAll); err != nil {
		return nil, err
	}
	ents, err := a.socialEntities(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]VoiceEntity, len(ents))
	for i, e := range ents {
		out[i] = VoiceEntity{Key: e.Key, Name: e.Name, CompetitorID: e.CompetitorID, Names: e.Names}
	}
	return out, nil
}

// VoiceEntity is one line of the share-of-voice report.
type VoiceEntity struct {
	Key          string // brand or competitor:<id>
	Name         string
	CompetitorID int64 // 0 for our brand
	Names        []string
	Mentions     int     // posts that mention it in the period
	Share        float64 // Mentions ÷ Σ mentions of all entities (0..1); 0 when there are none
	Positive     int
	Negative     int
	Counts       []int     // mentions per bucket
	Shares       []float64 // share per bucket
}

// ShareOfVoice is the share-of-voice report of a period.
type ShareOfVoice struct {
	SocialPeriod
	Entities []VoiceEntity
	Total    int   // Σ mentions (a post naming two entities counts for each)
	Totals   []int // Σ mentions per bucket
}

// ShareOfVoice counts, per bucket, the posts that mention our brand and
// each competitor, and each one's share of all those mentions.
func (a *App) ShareOfVoice(ctx context.Context, ac Actor, sp SocialPeriod) (ShareOfVoice, error) {
	sv := ShareOfVoice{SocialPeriod: sp, Totals: make([]int, len(sp.Buckets))}
	if err := ac.require(crm.PermReadAll); err != nil {
		return sv, err
	}
	ents, err := a.socialEntities(ctx)
	if err != nil {
		return sv, err
	}
	match := make([][]string, len(ents))
	for i, e := range ents {
		match[i] = e.Match
		sv.Entities = append(sv.Entities, VoiceEntity{Key: e.Key, Name: e.Name, CompetitorID: e.CompetitorID, Names: e.Names,
			Counts: make([]int, len(sp.Buckets)), Shares: make([]float64, len(sp.Buckets))})
	}
	counts, err := a.Store.MentionDayCounts(ctx, sp.rng(), match)
	if err != nil {
		return sv, err
	}
	for _, c := range counts {
		b := sp.index(c.Day)
		if b < 0 {
			continue
		}
		var ent int
		var kind string
		if _, err := fmt.Sscanf(strings.Replace(c.Key, ":", " ", 1), "%d %s", &ent, &kind); err != nil || ent >= len(sv.Entities) {
			return sv, fmt.Errorf("share of voice: bad key %q", c.Key)
		}
		e := &sv.Entities[ent]
		switch kind {
		case "all":
			e.Counts[b] += c.Count
			e.Mentions += c.Count
			sv.Totals[b] += c.Count
			sv.Total += c.Count
		case "positive":
			e.Positive += c.Count
		case "negative":
			e.Negative += c.Count
		}
	}
	for i := range sv.Entities {
		e := &sv.Entities[i]
		if sv.Total > 0 {
			e.Share = float64(e.Mentions) / float64(sv.Total)
		}
		for b := range e.Counts {
			if sv.Totals[b] > 0 {
				e.Shares[b] = float64(e.Counts[b]) / float64(sv.Totals[b])
			}
		}
	}
	return sv, nil
}

// SentimentShare is the sentiment of the period's posts per bucket.
type SentimentShare struct {
	SocialPeriod
	Series []SocialSeries // positive, neutral, negative (crm.Sentiments)
	Total  int
}

// SentimentShare counts the period's posts per sentiment and bucket
// (corrections count as corrected).
func (a *App) SentimentShare(ctx context.Context, ac Actor, sp SocialPeriod) (SentimentShare, error) {
	ss := SentimentShare{SocialPeriod: sp}
	if err := ac.require(crm.PermReadAll); err != nil {
		return ss, err
	}
	idx := map[string]int{}
	for i, s := range crm.Sentiments {
		ss.Series = append(ss.Series, SocialSeries{Name: string(s), Counts: make([]int, len(sp.Buckets))})
		idx[string(s)] = i
	}
	counts, err := a.Store.SentimentDayCounts(ctx, sp.rng())
	if err != nil {
		return ss, err
	}
	for _, c := range counts {
		i, ok := idx[c.Key]
		b := sp.index(c.Day)
		if !ok || b < 0 {
			continue
		}
		ss.Series[i].Counts[b] += c.Count
		ss.Series[i].Total += c.Count
		ss.Total += c.Count
	}
	return ss, nil
}

// SocialReport is the whole listening report of a period: the trend of
// the terms, the sentiment and the share of voice, read side by side.
type SocialReport struct {
	Trends    SocialTrends
	Sentiment SentimentShare
	Voice     ShareOfVoice
}

// SocialReport computes the three parts of the report concurrently (on
// SQLite each on its own reader connection).
func (a *App) SocialReport(ctx context.Context, ac Actor, sp SocialPeriod, terms []string) (SocialReport, error) {
	var r SocialReport
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() (err error) { r.Trends, err = a.SocialTrends(gctx, ac, sp, terms); return err })
	g.Go(func() (err error) { r.Sentiment, err = a.SentimentShare(gctx, ac, sp); return err })
	g.Go(func() (err error) { r.Voice, err = a.ShareOfVoice(gctx, ac, sp); return err })
	return r, g.Wait()
}
