package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"renkei/internal/crm"
)

// ---- SNS and market listening (0026): posts, their terms, the counts
// behind the trend, share-of-voice and sentiment charts ----

// SocialPostWrite is a post ready to be written: the post, its normalised
// text and its terms.
type SocialPostWrite struct {
	Post  *crm.SocialPost
	Norm  string
	Terms []string
}

const socialInsertHead = `INSERT INTO social_posts (network, external_id, author, body, norm_text, url, posted_at, likes, shares,
	sentiment, sentiment_auto, source, created_at, updated_at) VALUES `

// UpsertSocialPosts writes a batch of posts with distinct keys (network,
// external id): new ones are inserted, known ones updated (text, counts,
// terms and the automatic sentiment; a sentiment a person corrected
// stays). It sets each post's ID and returns how many were created and
// updated.
func (tx *BatchTx) UpsertSocialPosts(ctx context.Context, ps []SocialPostWrite, now time.Time) (created, updated int, err error) {
	if len(ps) == 0 {
		return 0, 0, nil
	}
	byKey := make(map[string]int, len(ps))
	ids := make([]string, 0, len(ps))
	for i, p := range ps {
		byKey[p.Post.Key()] = i
		ids = append(ids, p.Post.ExternalID)
	}
	existing := map[int]int64{} // index → id
	err = tx.queryIn(ctx, "SELECT id, network, external_id FROM social_posts WHERE external_id IN (%s)"+tx.s.d.forUpdate("social_posts"),
		ids, func(rows *sql.Rows) error {
			var id int64
			var network, ext string
			if err := rows.Scan(&id, &network, &ext); err != nil {
				return err
			}
			if i, ok := byKey[network+"\x00"+ext]; ok {
				existing[i] = id
			}
			return nil
		})
	if err != nil {
		return 0, 0, err
	}
	var fresh []int
	for i := range ps {
		if id, ok := existing[i]; ok {
			ps[i].Post.ID = id
		} else {
			fresh = append(fresh, i)
		}
	}
	nowMS := ms(now)
	err = tx.insertIDs(ctx, "social_posts", socialInsertHead, 14, len(fresh), func(k int, args []any) []any {
		p := ps[fresh[k]]
		sp := p.Post
		return append(args, sp.Network, sp.ExternalID, sp.Author, sp.Text, p.Norm, sp.URL, ms(sp.PostedAt), sp.Likes, sp.Shares,
			string(sp.SentimentAuto), string(sp.SentimentAuto), sp.Source, nowMS, nowMS)
	}, func(k int, id int64) { ps[fresh[k]].Post.ID = id })
	if err != nil {
		return 0, 0, tx.s.d.mapError(err)
	}
	if len(existing) > 0 {
		old := make([]string, 0, len(existing))
		for i, id := range existing {
			p := ps[i]
			sp := p.Post
			res, err := tx.q().ExecContext(ctx, tx.s.d.orFail(`UPDATE social_posts SET author = $1, body = $2, norm_text = $3, url = $4,
				posted_at = $5, likes = $6, shares = $7, sentiment_auto = $8,
				sentiment = CASE WHEN sentiment_at IS NULL THEN $8 ELSE sentiment END, updated_at = $9 WHERE id = $10`),
				sp.Author, sp.Text, p.Norm, sp.URL, ms(sp.PostedAt), sp.Likes, sp.Shares, string(sp.SentimentAuto), nowMS, id)
			if err != nil {
				return 0, 0, err
			}
			if n, err := res.RowsAffected(); err != nil || n != 1 {
				return 0, 0, errors.Join(fmt.Errorf("update social post %d: %d rows", id, n), err)
			}
			old = append(old, strconv.FormatInt(id, 10))
		}
		if err := tx.execIn(ctx, "DELETE FROM social_post_terms WHERE post_id IN (%s)", old); err != nil {
			return 0, 0, err
		}
	}
	type termRow struct {
		post int64
		term string
		at   int64
	}
	var terms []termRow
	for _, p := range ps {
		for _, t := range p.Terms {
			terms = append(terms, termRow{p.Post.ID, t, ms(p.Post.PostedAt)})
		}
	}
	err = tx.insertRows(ctx, "INSERT INTO social_post_terms (post_id, term, posted_at) VALUES ", 3, len(terms),
		func(i int, args []any) []any { return append(args, terms[i].post, terms[i].term, terms[i].at) }, "", nil)
	if err != nil {
		return 0, 0, tx.s.d.mapError(err)
	}
	for _, p := range ps {
		p.Post.CreatedAt, p.Post.UpdatedAt = now, now
	}
	return len(fresh), len(existing), nil
}

// execIn runs a statement with an IN list of ids, in pieces.
func (tx *Tx) execIn(ctx context.Context, q string, vals []string) error {
	for start := 0; start < len(vals); start += maxStmtRows {
		part := vals[start:min(len(vals), start+maxStmtRows)]
		args := make([]any, len(part))
		for i, v := range part {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				return err
			}
			args[i] = n
		}
		if _, err := tx.q().ExecContext(ctx, fmt.Sprintf(q, tx.s.d.inList(len(part))), args...); err != nil {
			return err
		}
	}
	return nil
}

const socialPostCols = `p.id, p.network, p.external_id, p.author, p.body, p.url, p.posted_at, p.likes, p.shares, p.sentiment,
	p.sentiment_auto, COALESCE(p.sentiment_by, 0), COALESCE(p.sentiment_at, 0), p.source, p.created_at, p.updated_at`

func scanSocialPost(sc interface{ Scan(...any) error }) (crm.SocialPost, error) {
	var p crm.SocialPost
	var posted, by, at, created, updated int64
	var sent, auto string
	err := sc.Scan(&p.ID, &p.Network, &p.ExternalID, &p.Author, &p.Text, &p.URL, &posted, &p.Likes, &p.Shares, &sent, &auto,
		&by, &at, &p.Source, &created, &updated)
	if errors.Is(err, sql.ErrNoRows) {
		return p, crm.ErrNotFound
	}
	p.Sentiment, p.SentimentAuto = crm.Sentiment(sent), crm.Sentiment(auto)
	p.PostedAt, p.CreatedAt, p.UpdatedAt = fromMS(posted), fromMS(created), fromMS(updated)
	p.CorrectedBy, p.CorrectedAt, p.Corrected = by, fromMS(at), at != 0
	return p, err
}

// SocialPost returns one post with its terms.
func (s *Store) SocialPost(ctx context.Context, id int64) (crm.SocialPost, error) {
	p, err := scanSocialPost(s.r().QueryRowContext(ctx, "SELECT "+socialPostCols+" FROM social_posts p WHERE p.id = $1", id))
	if err != nil {
		return p, err
	}
	rows, err := s.r().QueryContext(ctx, "SELECT term FROM social_post_terms WHERE post_id = $1 ORDER BY term", id)
	if err != nil {
		return p, err
	}
	defer rows.Close()
	for rows.Next() {
		var t string
		if err := rows.Scan(&t); err != nil {
			return p, err
		}
		p.Terms = append(p.Terms, t)
	}
	return p, rows.Err()
}

// SocialPostQuery selects posts. Times are [From, To); zero = open.
type SocialPostQuery struct {
	From, To  time.Time
	Term      string        // has this term (normalised)
	Sentiment crm.Sentiment // "" = any
	Network   string
	// Contains: the normalised text contains any of these (normalised)
	// names: the posts behind a share-of-voice number.
	Contains []string
	// AfterAt and AfterID page on: posts before (AfterAt, AfterID) in the
	// list's order, newest first.
	AfterAt time.Time
	AfterID int64
	Limit   int // 1..500; 0 = 50
}

// SocialPosts lists posts newest first.
func (s *Store) SocialPosts(ctx context.Context, q SocialPostQuery) ([]crm.SocialPost, error) {
	var args []any
	w := []string{"1 = 1"}
	if !q.From.IsZero() {
		w = append(w, "p.posted_at >= "+arg(&args, ms(q.From)))
	}
	if !q.To.IsZero() {
		w = append(w, "p.posted_at < "+arg(&args, ms(q.To)))
	}
	if q.Term != "" {
		w = append(w, "EXISTS (SELECT 1 FROM social_post_terms t WHERE t.post_id = p.id AND t.term = "+arg(&args, q.Term)+")")
	}
	if q.Sentiment != "" {
		w = append(w, "p.sentiment = "+arg(&args, string(q.Sentiment)))
	}
	if q.Network != "" {
		w = append(w, "p.network = "+arg(&args, q.Network))
	}
	if len(q.Contains) > 0 {
		w = append(w, s.d.containsAny("p.norm_text", &args, q.Contains))
	}
	if !q.AfterAt.IsZero() {
		at, id := arg(&args, ms(q.AfterAt)), arg(&args, q.AfterID)
		w = append(w, fmt.Sprintf("(p.posted_at < %s OR (p.posted_at = %s AND p.id < %s))", at, at, id))
	}
	limit := q.Limit
	if limit <= 0 || limit > 500 {
		limit = 50
	}
	rows, err := s.r().QueryContext(ctx, "SELECT "+socialPostCols+" FROM social_posts p WHERE "+strings.Join(w, " AND ")+
		fmt.Sprintf(" ORDER BY p.posted_at DESC, p.id DESC LIMIT %d", limit), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []crm.SocialPost
	for rows.Next() {
		p, err := scanSocialPost(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// SetSocialSentiment records a person's correction of a post's sentiment.
func (tx *Tx) SetSocialSentiment(ctx context.Context, id int64, s crm.Sentiment, userID int64, now time.Time) error {
	res, err := tx.q().ExecContext(ctx, `UPDATE social_posts SET sentiment = $1, sentiment_by = $2, sentiment_at = $3, updated_at = $3
		WHERE id = $4`, string(s), nullID(userID), ms(now), id)
	if err != nil {
		return tx.s.d.mapError(err)
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return errors.Join(crm.ErrNotFound, err)
	}
	return nil
}

// SocialPostForUpdate reads one post in a write transaction.
func (tx *Tx) SocialPostForUpdate(ctx context.Context, id int64) (crm.SocialPost, error) {
	return scanSocialPost(tx.q().QueryRowContext(ctx, "SELECT "+socialPostCols+" FROM social_posts p WHERE p.id = $1"+
		tx.s.d.forUpdate("p"), id))
}

// containsAny is true when the text expression contains any of the
// values (already normalised as the column is).
func (d dialect) containsAny(expr string, args *[]any, vals []string) string {
	parts := make([]string, 0, len(vals))
	for _, v := range vals {
		if d == postgres {
			parts = append(parts, "strpos("+expr+", "+arg(args, v)+") > 0")
		} else {
			parts = append(parts, "instr("+expr+", "+arg(args, v)+") > 0")
		}
	}
	if len(parts) == 0 {
		return "1 = 0"
	}
	return "(" + strings.Join(parts, " OR ") + ")"
}

// ---- local days: the one bucketing helper of the social reports ----

// ZoneShift is a time zone's offset from UTC from a moment on.
type ZoneShift struct {
	From   time.Time
	Offset time.Duration
}

// ZoneShifts lists the offsets of loc over [from, to): the offset at from,
// then one entry per change (daylight saving) in the range.
func ZoneShifts(loc *time.Location, from, to time.Time) []ZoneShift {
	t := from.In(loc)
	_, off := t.Zone()
	out := []ZoneShift{{From: from, Offset: time.Duration(off) * time.Second}}
	for len(out) < 200 {
		_, end := t.ZoneBounds()
		if end.IsZero() || !end.Before(to) {
			break
		}
		t = end.In(loc)
		_, off = t.Zone()
		out = append(out, ZoneShift{From: end, Offset: time.Duration(off) * time.Second})
	}
	return out
}

// localDay is the number of the local day (days since 1970-01-01 in the
// zone) of a millisecond timestamp column, with the zone's offsets in the
// range given as shifts. Both databases divide BIGINTs the same way
// (truncating; timestamps here are after 2000, so positive); the casts
// tell PostgreSQL the parameters' type.
func (d dialect) localDay(col string, args *[]any, shifts []ZoneShift) string {
	off := "CAST(" + arg(args, shifts[0].Offset.Milliseconds()) + " AS BIGINT)"
	if len(shifts) > 1 {
		var b strings.Builder
		b.WriteString("CASE")
		for i := 1; i < len(shifts); i++ {
			fmt.Fprintf(&b, " WHEN %s < %s THEN CAST(%s AS BIGINT)", col, arg(args, ms(shifts[i].From)), arg(args, shifts[i-1].Offset.Milliseconds()))
		}
		fmt.Fprintf(&b, " ELSE CAST(%s AS BIGINT) END", arg(args, shifts[len(shifts)-1].Offset.Milliseconds()))
		off = b.String()
	}
	return "((" + col + " + " + off + ") / 86400000)"
}

// DayOf is the local day number of t (as localDay computes it in SQL).
func DayOf(t time.Time, loc *time.Location) int64 {
	_, off := t.In(loc).Zone()
	return (t.UnixMilli() + int64(off)*1000) / 86400000
}

// DayCount is a count on one local day (days since 1970-01-01).
type DayCount struct {
	Day   int64
	Key   string // a term, a sentiment or an entity index
	Count int
}

// SocialRange is the time range and zone of a social report.
type SocialRange struct {
	From, To time.Time
	Loc      *time.Location
}

func (r SocialRange) where(col string, args *[]any) string {
	return col + " >= " + arg(args, ms(r.From)) + " AND " + col + " < " + arg(args, ms(r.To))
}

func scanDayCounts(rows *sql.Rows, err error) ([]DayCount, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []DayCount
	for rows.Next() {
		var c DayCount
		if err := rows.Scan(&c.Day, &c.Key, &c.Count); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// TermDayCounts counts the posts with each of the terms per local day.
func (s *Store) TermDayCounts(ctx context.Context, r SocialRange, terms []string) ([]DayCount, error) {
	if len(terms) == 0 {
		return nil, nil
	}
	var args []any
	day := s.d.localDay("t.posted_at", &args, ZoneShifts(r.Loc, r.From, r.To))
	in := make([]string, len(terms))
	for i, t := range terms {
		in[i] = arg(&args, t)
	}
	return scanDayCounts(s.r().QueryContext(ctx, "SELECT "+day+", t.term, COUNT(*) FROM social_post_terms t WHERE t.term IN ("+
		strings.Join(in, ", ")+") AND "+r.where("t.posted_at", &args)+" GROUP BY 1, 2 ORDER BY 1, 2", args...))
}

// SentimentDayCounts counts the posts per local day and sentiment.
func (s *Store) SentimentDayCounts(ctx context.Context, r SocialRange) ([]DayCount, error) {
	var args []any
	day := s.d.localDay("p.posted_at", &args, ZoneShifts(r.Loc, r.From, r.To))
	return scanDayCounts(s.r().QueryContext(ctx, "SELECT "+day+", p.sentiment, COUNT(*) FROM social_posts p WHERE "+
		r.where("p.posted_at", &args)+" GROUP BY 1, 2 ORDER BY 1, 2", args...))
}

// MentionDayCounts counts, per local day, the posts that mention each
// entity (any of its normalised names in the normalised text), and of
// those the positive and the negative ones. Key is the entity's index,
// then ":all", ":positive" or ":negative".
func (s *Store) MentionDayCounts(ctx context.Context, r SocialRange, entities [][]string) ([]DayCount, error) {
	if len(entities) == 0 {
		return nil, nil
	}
	var args []any
	day := s.d.localDay("p.posted_at", &args, ZoneShifts(r.Loc, r.From, r.To))
	cols := make([]string, 0, 3*len(entities))
	for _, names := range entities {
		m := s.d.containsAny("p.norm_text", &args, names)
		cols = append(cols, "SUM(CASE WHEN "+m+" THEN 1 ELSE 0 END)",
			"SUM(CASE WHEN p.sentiment = 'positive' AND "+m+" THEN 1 ELSE 0 END)",
			"SUM(CASE WHEN p.sentiment = 'negative' AND "+m+" THEN 1 ELSE 0 END)")
	}
	rows, err := s.r().QueryContext(ctx, "SELECT "+day+", "+strings.Join(cols, ", ")+" FROM social_posts p WHERE "+
		r.where("p.posted_at", &args)+" GROUP BY 1 ORDER BY 1", args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []DayCount
	vals := make([]sql.NullInt64, len(cols))
	dest := make([]any, len(cols)+1)
	var d int64
	dest[0] = &d
	for i := range vals {
		dest[i+1] = &vals[i]
	}
	kinds := []string{"all", "positive", "negative"}
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return nil, err
		}
		for i, v := range vals {
			if v.Int64 > 0 {
				out = append(out, DayCount{Day: d, Key: strconv.Itoa(i/3) + ":" + kinds[i%3], Count: int(v.Int64)})
			}
		}
	}
	return out, rows.Err()
}

// TermCount is a term with its number of posts.
type TermCount struct {
	Term  string
	Count int
}

// TopTerms returns the terms of the most posts in the range: all terms,
// only hashtags (kind "hashtag"), only words ("word", no # or @).
func (s *Store) TopTerms(ctx context.Context, r SocialRange, kind string, limit int) ([]TermCount, error) {
	var args []any
	w := r.where("t.posted_at", &args)
	switch kind {
	case "hashtag":
		w += " AND t.term LIKE '#%'"
	case "word":
		w += " AND t.term NOT LIKE '#%' AND t.term NOT LIKE '@%'"
	}
	if limit <= 0 || limit > 200 {
		limit = 20
	}
	rows, err := s.r().QueryContext(ctx, "SELECT t.term, COUNT(*) FROM social_post_terms t WHERE "+w+
		fmt.Sprintf(" GROUP BY t.term ORDER BY 2 DESC, 1 LIMIT %d", limit), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []TermCount
	for rows.Next() {
		var c TermCount
		if err := rows.Scan(&c.Term, &c.Count); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// SocialPostCount counts the posts in the range.
func (s *Store) SocialPostCount(ctx context.Context, r SocialRange) (int, error) {
	var args []any
	var n int
	err := s.r().QueryRowContext(ctx, "SELECT COUNT(*) FROM social_posts p WHERE "+r.where("p.posted_at", &args), args...).Scan(&n)
	return n, err
}

// SocialPostsTotal counts every post.
func (s *Store) SocialPostsTotal(ctx context.Context) (int, error) {
	var n int
	err := s.r().QueryRowContext(ctx, "SELECT COUNT(*) FROM social_posts").Scan(&n)
	return n, err
}
