package crm

import (
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// CampaignKind says what a campaign (広告宣伝, ブランディング) is.
type CampaignKind string

// Campaign kinds.
const (
	CampaignEmail   CampaignKind = "email"   // newsletters, e-mail programmes
	CampaignWeb     CampaignKind = "web"     // web and search ads
	CampaignEvent   CampaignKind = "event"   // trade shows (展示会), seminars, webinars
	CampaignSocial  CampaignKind = "social"  // social media
	CampaignContent CampaignKind = "content" // articles, white papers
	CampaignOther   CampaignKind = "other"
)

// CampaignKinds lists the kinds in form order.
var CampaignKinds = []CampaignKind{CampaignEmail, CampaignWeb, CampaignEvent, CampaignSocial, CampaignContent, CampaignOther}

// CampaignStatus is where a campaign is in its life.
type CampaignStatus string

// Campaign states.
const (
	CampaignPlanned   CampaignStatus = "planned"
	CampaignActive    CampaignStatus = "active"
	CampaignFinished  CampaignStatus = "finished"
	CampaignCancelled CampaignStatus = "cancelled"
)

// CampaignStatuses lists the states in form order.
var CampaignStatuses = []CampaignStatus{CampaignPlanned, CampaignActive, CampaignFinished, CampaignCancelled}

// MaxMoney is the largest amount (minor units) a budget or cost may have.
const MaxMoney = 1_000_000_000_000_000

// Campaign groups the channels and assets of one marketing effort: its UTM
// tag (what tracked visits and form submissions carry as utm_campaign), its
// forms and e-mails, the people who attended its event, and its costs.
type Campaign struct {
	ID        int64
	Name      string
	Kind      CampaignKind
	Status    CampaignStatus
	StartsOn  string // YYYY-MM-DD or ""
	EndsOn    string // YYYY-MM-DD or ""
	Budget    int64  // minor units of the workspace's base currency
	Goal      string // what the campaign is for, in words
	GoalLeads int    // target number of leads; 0 = none
	OwnerID   int64
	Tag       string // the UTM campaign tag: unique, a slug
	CreatedBy int64
	CreatedAt time.Time
	UpdatedAt time.Time
	Version   int64
}

var utmTagRE = regexp.MustCompile(`^[a-z0-9][a-z0-9_.-]{0,79}$`)

// NormalizeTag trims a UTM tag and puts it in lower case.
func NormalizeTag(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// SuggestTag makes a tag from a campaign name's ASCII letters and digits
// (spaces become hyphens); "" when the name has none (a Japanese name).
func SuggestTag(name string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(name) {
		switch {
		case r < utf8.RuneSelf && (unicode.IsLetter(r) || unicode.IsDigit(r)):
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			dash = false
			b.WriteRune(r)
		default:
			dash = true
		}
		if b.Len() >= 60 {
			break
		}
	}
	return b.String()
}

// Normalize trims the campaign's text and defaults its kind and status.
func (c *Campaign) Normalize() {
	c.Name = strings.TrimSpace(c.Name)
	c.Goal = strings.TrimSpace(c.Goal)
	c.StartsOn, c.EndsOn = strings.TrimSpace(c.StartsOn), strings.TrimSpace(c.EndsOn)
	c.Tag = NormalizeTag(c.Tag)
	if c.Status == "" {
		c.Status = CampaignPlanned
	}
}

// Validate checks the campaign's own fields (the owner's existence and the
// tag's uniqueness are checked by the application).
func (c *Campaign) Validate() error {
	v := &ValidationError{}
	if c.Name == "" {
		v.Add("name", "is required")
	} else {
		oneLine(v, "name", c.Name, 200)
	}
	if !slices.Contains(CampaignKinds, c.Kind) {
		v.Add("kind", "choose e-mail, web/ads, event, social, content or other")
	}
	if !slices.Contains(CampaignStatuses, c.Status) {
		v.Add("status", "choose planned, active, finished or cancelled")
	}
	switch {
	case c.Tag == "":
		v.Add("tag", "is required")
	case !utmTagRE.MatchString(c.Tag):
		v.Add("tag", "use lower-case letters, digits, -, _ and . (e.g. expo-2026), starting with a letter or digit")
	}
	start, okStart := checkDate(v, "starts_on", c.StartsOn)
	end, okEnd := checkDate(v, "ends_on", c.EndsOn)
	if okStart && okEnd && c.StartsOn != "" && c.EndsOn != "" && end.Before(start) {
		v.Add("ends_on", "must not be before the start")
	}
	if c.Budget < 0 {
		v.Add("budget", "must not be negative")
	} else if c.Budget > MaxMoney {
		v.Add("budget", "is too large")
	}
	if utf8.RuneCountInString(c.Goal) > 2000 {
		v.Add("goal", "is too long")
	}
	if c.GoalLeads < 0 || c.GoalLeads > 100_000_000 {
		v.Add("goal_leads", "enter a number of leads from 0 to 100000000")
	}
	return v.Err()
}

// checkDate accepts "" or a date YYYY-MM-DD.
func checkDate(v *ValidationError, field, s string) (time.Time, bool) {
	if s == "" {
		return time.Time{}, true
	}
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		v.Add(field, "is not a date (use 2026-04-01)")
		return t, false
	}
	return t, true
}

// CampaignCost is one actual cost of a campaign: an ad bill, a booth, a
// print run. Channel says where the money went (google / cpc, 展示会).
type CampaignCost struct {
	ID         int64
	CampaignID int64
	SpentOn    string // YYYY-MM-DD
	Amount     int64  // minor units of the base currency
	Channel    string
	Note       string
	CreatedBy  int64
	CreatedAt  time.Time
}

// Normalize trims the cost's text.
func (c *CampaignCost) Normalize() {
	c.SpentOn, c.Channel, c.Note = strings.TrimSpace(c.SpentOn), strings.TrimSpace(c.Channel), strings.TrimSpace(c.Note)
}

// Validate checks a cost entry.
func (c *CampaignCost) Validate() error {
	v := &ValidationError{}
	if c.SpentOn == "" {
		v.Add("spent_on", "is required")
	} else {
		checkDate(v, "spent_on", c.SpentOn)
	}
	switch {
	case c.Amount <= 0:
		v.Add("amount", "enter an amount above zero")
	case c.Amount > MaxMoney:
		v.Add("amount", "is too large")
	}
	oneLine(v, "channel", c.Channel, 100)
	if utf8.RuneCountInString(c.Note) > 500 {
		v.Add("note", "use at most 500 characters")
	}
	return v.Err()
}

// AssetType names what kind of record a campaign groups. The link is
// generic (type + id) so later kinds (sequences) need no new table.
type AssetType string

// Asset types.
const (
	AssetForm      AssetType = "form"
	AssetBroadcast AssetType = "broadcast"
	AssetSequence  AssetType = "sequence"
)

// AssetTypes lists the asset types a campaign may group.
var AssetTypes = []AssetType{AssetForm, AssetBroadcast, AssetSequence}

// UTMLink is what the UTM link builder takes: a landing page and the five
// utm_* parameters.
type UTMLink struct {
	Landing  string
	Source   string
	Medium   string
	Campaign string
	Term     string
	Content  string
}

// hasControl reports whether s holds a control character (CR, LF, tab,
// NUL…), which never belongs in a link.
func hasControl(s string) bool {
	return strings.IndexFunc(s, unicode.IsControl) >= 0
}

// Normalize trims the builder's fields; source, medium and campaign are
// put in lower case so that reports do not split "Google" from "google".
func (l *UTMLink) Normalize() {
	l.Landing = strings.TrimSpace(l.Landing)
	l.Source = strings.ToLower(strings.TrimSpace(l.Source))
	l.Medium = strings.ToLower(strings.TrimSpace(l.Medium))
	l.Campaign = NormalizeTag(l.Campaign)
	l.Term = strings.TrimSpace(l.Term)
	l.Content = strings.TrimSpace(l.Content)
}

// Build validates the link and returns the landing page with the utm_*
// parameters set (existing utm_* parameters of the landing page are
// replaced; other parameters and the fragment stay). Only absolute http and
// https addresses are accepted: no javascript:, data:, relative paths or
// line breaks.
func (l UTMLink) Build() (string, error) {
	v := &ValidationError{}
	var u *url.URL
	switch {
	case l.Landing == "":
		v.Add("landing", "is required")
	case hasControl(l.Landing):
		v.Add("landing", "must be on one line, without control characters")
	case len(l.Landing) > 2000:
		v.Add("landing", "is too long")
	default:
		p, err := url.Parse(l.Landing)
		switch {
		case err != nil:
			v.Add("landing", "is not a web address (https://…)")
		case p.Scheme != "http" && p.Scheme != "https":
			v.Add("landing", "use an http:// or https:// address")
		case p.Host == "" || p.Hostname() == "" || p.Opaque != "":
			v.Add("landing", "use a full address with a host, such as https://example.jp/lp")
		case p.User != nil:
			v.Add("landing", "must not contain a user name or password")
		default:
			u = p
		}
	}
	for _, f := range []struct {
		name, val string
		required  bool
	}{{"source", l.Source, true}, {"medium", l.Medium, true}, {"campaign", l.Campaign, true},
		{"term", l.Term, false}, {"content", l.Content, false}} {
		switch {
		case f.val == "" && f.required:
			v.Add(f.name, "is required")
		case hasControl(f.val):
			v.Add(f.name, "must be on one line, without control characters")
		case utf8.RuneCountInString(f.val) > 200:
			v.Add(f.name, "use at most 200 characters")
		}
	}
	if l.Campaign != "" && !hasControl(l.Campaign) && !utmTagRE.MatchString(l.Campaign) {
		v.Add("campaign", "use lower-case letters, digits, -, _ and . (e.g. expo-2026), starting with a letter or digit")
	}
	if err := v.Err(); err != nil {
		return "", err
	}
	q := u.Query()
	for k := range q {
		if strings.HasPrefix(strings.ToLower(k), "utm_") {
			delete(q, k)
		}
	}
	for k, val := range map[string]string{"utm_source": l.Source, "utm_medium": l.Medium, "utm_campaign": l.Campaign,
		"utm_term": l.Term, "utm_content": l.Content} {
		if val != "" {
			q.Set(k, val)
		}
	}
	u.RawQuery = q.Encode()
	return u.String(), nil
}
