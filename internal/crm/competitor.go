package crm

import (
	"net/url"
	"strings"
	"time"
	"unicode/utf8"
)

// MaxBattlecardText is the longest strengths, weaknesses or talk track.
const MaxBattlecardText = 10000

// Normalize trims a competitor's text fields.
func (c *Competitor) Normalize() {
	c.Name, c.Website, c.Notes = strings.TrimSpace(c.Name), strings.TrimSpace(c.Website), strings.TrimSpace(c.Notes)
	c.Strengths, c.Weaknesses = strings.TrimSpace(c.Strengths), strings.TrimSpace(c.Weaknesses)
	c.TalkTrack = strings.TrimSpace(c.TalkTrack)
}

// Validate checks a normalised competitor's fields.
func (c *Competitor) Validate() error {
	v := &ValidationError{}
	if c.Name == "" {
		v.Add("name", "is required")
	}
	checkLine(v, "name", c.Name, 200)
	if c.Website != "" && !ValidWebURL(c.Website) {
		v.Add("website", "enter an address starting with https:// or http://")
	} else if len(c.Website) > 500 {
		v.Add("website", "is too long")
	}
	for field, s := range map[string]string{"notes": c.Notes, "strengths": c.Strengths,
		"weaknesses": c.Weaknesses, "talk_track": c.TalkTrack} {
		if utf8.RuneCountInString(s) > MaxBattlecardText {
			v.Add(field, "is too long (10,000 characters at most)")
		}
	}
	return v.Err()
}

// ValidWebURL reports whether s is an absolute http or https address (so
// that a link to it can never run script).
func ValidWebURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != "" &&
		!strings.ContainsAny(s, " \t\r\n\x00")
}

// CompetitorProduct is a product a competitor sells, mapped to the one of
// ours it competes with (ProductID 0: not mapped).
type CompetitorProduct struct {
	ID           int64
	CompetitorID int64
	Name         string
	ProductID    int64
	Notes        string
	CreatedAt    time.Time

	// Read only, for pages and the API.
	CompetitorName string
	ProductSKU     string
	ProductNameJA  string
	ProductNameEN  string
	LatestPrice    int64 // the most recent observed price, 0 when none
	LatestCurrency string
	LatestOn       string
}

// Normalize trims the text fields.
func (p *CompetitorProduct) Normalize() {
	p.Name, p.Notes = strings.TrimSpace(p.Name), strings.TrimSpace(p.Notes)
}

// Validate checks a normalised competitor product's fields.
func (p *CompetitorProduct) Validate() error {
	v := &ValidationError{}
	if p.Name == "" {
		v.Add("name", "is required")
	}
	checkLine(v, "name", p.Name, 200)
	if utf8.RuneCountInString(p.Notes) > 2000 {
		v.Add("notes", "is too long")
	}
	return v.Err()
}

// CompetitorPrice is a price of a competitor's product we observed on a
// day, with where we saw it (an address, a note, or both).
type CompetitorPrice struct {
	ID                  int64
	CompetitorProductID int64
	ObservedOn          string // YYYY-MM-DD
	Price               int64  // minor units, tax-exclusive as quoted
	Currency            string
	SourceURL           string
	Note                string
	CreatedBy           int64
	CreatedAt           time.Time

	// Read only, for pages and the API.
	CompetitorID          int64
	CompetitorName        string
	CompetitorProductName string
	ProductID             int64 // our product the competitor's product is mapped to
}

// Normalize trims the text fields and fills the currency.
func (p *CompetitorPrice) Normalize() {
	p.ObservedOn = strings.TrimSpace(p.ObservedOn)
	p.SourceURL, p.Note = strings.TrimSpace(p.SourceURL), strings.TrimSpace(p.Note)
	p.Currency = strings.ToUpper(strings.TrimSpace(p.Currency))
	if p.Currency == "" {
		p.Currency = "JPY"
	}
}

// Validate checks a normalised observed price; today (YYYY-MM-DD in the
// workspace's time zone) bounds the day.
func (p *CompetitorPrice) Validate(today string) error {
	v := &ValidationError{}
	if p.CompetitorProductID <= 0 {
		v.Add("competitor_product_id", "choose the competitor's product")
	}
	switch {
	case !ValidDate(p.ObservedOn):
		v.Add("observed_on", "enter a date such as 2026-04-30")
	case p.ObservedOn > today:
		v.Add("observed_on", "must not be in the future")
	case p.ObservedOn < "2000-01-01":
		v.Add("observed_on", "is too far in the past")
	}
	checkPrice(v, "price", p.Price)
	if !currencyRe.MatchString(p.Currency) {
		v.Add("currency", "must be a three-letter currency code such as JPY")
	}
	switch {
	case p.SourceURL == "" && p.Note == "":
		v.Add("source_url", "give the address where you saw the price, or a note")
	case p.SourceURL != "" && !ValidWebURL(p.SourceURL):
		v.Add("source_url", "enter an address starting with https:// or http://")
	case len(p.SourceURL) > 1000:
		v.Add("source_url", "is too long")
	}
	if utf8.RuneCountInString(p.Note) > 1000 {
		v.Add("note", "is too long")
	}
	return v.Err()
}

// WinLoss is a competitor's record over the deals that named it (as a
// competitor on the deal, or as the one a lost deal went to). Won, lost
// and open follow the deal's own state (won_at, closed_at).
type WinLoss struct {
	Won, Lost, Open int
}

// WinRate is won ÷ (won + lost); ok is false before any deal closed.
func (w WinLoss) WinRate() (rate float64, ok bool) {
	if w.Won+w.Lost == 0 {
		return 0, false
	}
	return float64(w.Won) / float64(w.Won+w.Lost), true
}
