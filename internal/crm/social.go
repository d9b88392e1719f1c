package crm

import (
	"crypto/sha256"
	"encoding/hex"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"
)

// SNS and market listening (issue 9 §2): posts from social networks,
// imported from the export files of X, Instagram and similar tools or sent
// to the API, with the terms found in them and a sentiment a person may
// correct.

// Sentiment is the tone of a post.
type Sentiment string

// The three sentiments.
const (
	SentimentPositive Sentiment = "positive"
	SentimentNegative Sentiment = "negative"
	SentimentNeutral  Sentiment = "neutral"
)

// Sentiments lists them in the order reports show them.
var Sentiments = []Sentiment{SentimentPositive, SentimentNeutral, SentimentNegative}

// ParseSentiment accepts positive, negative or neutral.
func ParseSentiment(s string) (Sentiment, bool) {
	switch v := Sentiment(strings.ToLower(strings.TrimSpace(s))); v {
	case SentimentPositive, SentimentNegative, SentimentNeutral:
		return v, true
	}
	return "", false
}

// SentimentOf labels a word-list score: above zero positive, below
// negative, zero neutral.
func SentimentOf(score int) Sentiment {
	switch {
	case score > 0:
		return SentimentPositive
	case score < 0:
		return SentimentNegative
	}
	return SentimentNeutral
}

// Limits of a social post's fields.
const (
	MaxSocialText   = 10000 // characters; X allows 280 (25,000 for long posts), Instagram captions 2,200
	MaxSocialAuthor = 200
	MaxSocialID     = 200
	MaxSocialURL    = 2000
)

// SocialPost is one post of a social network.
type SocialPost struct {
	ID         int64
	Network    string // x, instagram, facebook, … (lower case, [a-z0-9_-])
	ExternalID string // the network's id; with Network the key that deduplicates
	Author     string
	Text       string
	URL        string
	PostedAt   time.Time
	Likes      int64
	Shares     int64 // retweets, reposts, shares

	// Sentiment is what reports count: SentimentAuto until a person
	// corrects it (Corrected), and then what they chose.
	Sentiment     Sentiment
	SentimentAuto Sentiment
	Corrected     bool
	CorrectedBy   int64
	CorrectedAt   time.Time

	Source    string // import or api
	CreatedAt time.Time
	UpdatedAt time.Time

	// Terms are the post's terms (read only; filled when asked for).
	Terms []string
}

var networkRe = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,29}$`)

// networkAliases maps the names exports use to ours.
var networkAliases = map[string]string{"twitter": "x", "x.com": "x", "twitter.com": "x", "ig": "instagram",
	"instagram.com": "instagram", "fb": "facebook", "facebook.com": "facebook", "threads.net": "threads"}

// NormalizeNetwork lower-cases a network name and maps common aliases
// (twitter → x).
func NormalizeNetwork(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	if v, ok := networkAliases[s]; ok {
		return v
	}
	return s
}

// cleanText drops what no database keeps well: invalid UTF-8 and NUL.
func cleanText(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	return strings.ReplaceAll(s, "\x00", "")
}

// Normalize trims and cleans the fields; a post without an external id
// gets one derived from its author, time and text (so the same post
// imported twice is still one post).
func (p *SocialPost) Normalize() {
	p.Network = NormalizeNetwork(cleanText(p.Network))
	p.ExternalID = strings.TrimSpace(cleanText(p.ExternalID))
	p.Author = strings.TrimPrefix(strings.TrimSpace(cleanText(p.Author)), "@")
	p.Text = strings.TrimSpace(cleanText(p.Text))
	p.URL = strings.TrimSpace(cleanText(p.URL))
	if !p.PostedAt.IsZero() {
		p.PostedAt = p.PostedAt.UTC().Truncate(time.Millisecond)
	}
	if p.ExternalID == "" && p.Text != "" && !p.PostedAt.IsZero() {
		h := sha256.Sum256([]byte(p.Author + "\x00" + p.PostedAt.Format(time.RFC3339) + "\x00" + p.Text))
		p.ExternalID = "h:" + hex.EncodeToString(h[:12])
	}
}

// Validate checks a normalised post; now bounds its time (a post may be
// up to a day in the future, for clocks and time zones that disagree).
func (p *SocialPost) Validate(now time.Time) error {
	v := &ValidationError{}
	if !networkRe.MatchString(p.Network) {
		v.Add("network", "use a network name such as x or instagram (letters, digits, - and _)")
	}
	switch {
	case p.ExternalID == "":
		v.Add("id", "is required")
	case utf8.RuneCountInString(p.ExternalID) > MaxSocialID:
		v.Add("id", "is too long")
	case strings.ContainsAny(p.ExternalID, "\r\n"):
		v.Add("id", "must be on one line")
	}
	switch {
	case p.Text == "":
		v.Add("text", "is required")
	case utf8.RuneCountInString(p.Text) > MaxSocialText:
		v.Add("text", "is too long (10,000 characters at most)")
	}
	checkLine(v, "author", p.Author, MaxSocialAuthor)
	if p.URL != "" && !ValidWebURL(p.URL) {
		v.Add("url", "enter an address starting with https:// or http://")
	} else if len(p.URL) > MaxSocialURL {
		v.Add("url", "is too long")
	}
	switch {
	case p.PostedAt.IsZero():
		v.Add("created_at", "is required: the time the post was published")
	case p.PostedAt.Before(time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)):
		v.Add("created_at", "is too far in the past")
	case p.PostedAt.After(now.Add(24 * time.Hour)):
		v.Add("created_at", "must not be in the future")
	}
	if p.Likes < 0 || p.Likes > 1e12 {
		v.Add("likes", "must be a whole number from 0")
	}
	if p.Shares < 0 || p.Shares > 1e12 {
		v.Add("shares", "must be a whole number from 0")
	}
	return v.Err()
}

// Key is the post's deduplication key.
func (p *SocialPost) Key() string { return p.Network + "\x00" + p.ExternalID }

// SocialSettings are the listening settings: our brand's names, other
// names of each competitor, and words added to the sentiment word list.
type SocialSettings struct {
	BrandTerms []string           `json:"brand_terms"`
	Aliases    map[int64][]string `json:"aliases,omitempty"` // competitor id → other names
	Positive   []string           `json:"positive,omitempty"`
	Negative   []string           `json:"negative,omitempty"`
	Version    int64              `json:"-"`
}

// splitTerms splits a list typed as lines or separated by commas (、 too).
func splitTerms(list []string) []string {
	var out []string
	seen := map[string]bool{}
	for _, item := range list {
		for _, t := range strings.FieldsFunc(item, func(r rune) bool { return r == ',' || r == '\n' || r == '、' || r == '，' || r == '\r' }) {
			t = strings.TrimSpace(cleanText(t))
			if t == "" || seen[strings.ToLower(t)] {
				continue
			}
			seen[strings.ToLower(t)] = true
			out = append(out, t)
		}
	}
	return out
}

// SplitTerms splits one text box of names or words (one per line or
// separated by commas) into a list without blanks or repeats.
func SplitTerms(s string) []string { return splitTerms([]string{s}) }

// Normalize cleans the lists.
func (s *SocialSettings) Normalize() {
	s.BrandTerms, s.Positive, s.Negative = splitTerms(s.BrandTerms), splitTerms(s.Positive), splitTerms(s.Negative)
	for id, names := range s.Aliases {
		if s.Aliases[id] = splitTerms(names); len(s.Aliases[id]) == 0 {
			delete(s.Aliases, id)
		}
	}
}

// Validate checks the normalised lists' sizes.
func (s *SocialSettings) Validate() error {
	v := &ValidationError{}
	check := func(field string, list []string, max int) {
		if len(list) > max {
			v.Add(field, "has too many entries")
		}
		for _, t := range list {
			if utf8.RuneCountInString(t) > 100 {
				v.Add(field, "each entry must be 100 characters at most")
			}
		}
	}
	check("brand_terms", s.BrandTerms, 50)
	check("positive", s.Positive, 500)
	check("negative", s.Negative, 500)
	for _, names := range s.Aliases {
		check("aliases", names, 50)
	}
	return v.Err()
}
