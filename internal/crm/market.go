package crm

import (
	"strings"
	"time"
	"unicode/utf8"
)

// MarketSize is what a market is worth in a period, as the user estimates
// it: the denominator of market share (issue 9 §6). SegmentID 0 is the
// whole market; otherwise the market of one saved segment. Period is a
// period key (2026, 2026-Q1, 2026-04) in the workspace's fiscal calendar;
// Amount is in minor units of the base currency.
type MarketSize struct {
	ID        int64
	SegmentID int64
	Period    string
	Amount    int64
	Note      string
	CreatedBy int64
	CreatedAt time.Time
	UpdatedAt time.Time
}

// maxMarketSize bounds an amount (10^15 minor units: a quadrillion yen).
const maxMarketSize = 1_000_000_000_000_000

// Validate checks the fields a person enters; the period key is checked
// against the workspace's calendar by the caller.
func (m *MarketSize) Validate() error {
	var v ValidationError
	m.Note = strings.TrimSpace(m.Note)
	if m.Amount <= 0 {
		v.Add("amount", "enter the market's size, more than zero")
	} else if m.Amount > maxMarketSize {
		v.Add("amount", "enter a size below 10^15")
	}
	if utf8.RuneCountInString(m.Note) > 500 {
		v.Add("note", "keep the note under 500 characters")
	}
	if m.SegmentID < 0 {
		v.Add("segment_id", "choose a segment or the whole market")
	}
	return v.Err()
}
