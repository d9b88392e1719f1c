package app

import (
	"context"
	"errors"
	"fmt"
	"sort"

	"renkei/internal/crm"
	"renkei/internal/store"
)

// Market share (issue 9 §6): our won revenue in a period ÷ the size of the
// market the user entered for that period, for the whole market and for
// saved segments. A size entered for a fiscal year also serves its
// quarters and months, pro rata by months, until a figure for the shorter
// period is entered.

// MarketSizes lists the entered market sizes.
func (a *App) MarketSizes(ctx context.Context, ac Actor) ([]crm.MarketSize, error) {
	if err := ac.require(crm.PermReadAll); err != nil {
		return nil, err
	}
	return a.Store.MarketSizes(ctx)
}

// PutMarketSize enters (or replaces) the size of the whole market or of a
// segment's market in one period.
func (a *App) PutMarketSize(ctx context.Context, ac Actor, m crm.MarketSize) (crm.MarketSize, error) {
	if err := ac.require(crm.PermWriteMarketing); err != nil {
		return m, err
	}
	if err := a.CheckMarketSize(ctx, &m); err != nil {
		return m, err
	}
	m.CreatedBy = ac.User.ID
	err := a.Store.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.PutMarketSize(ctx, &m, a.now()); err != nil {
			return err
		}
		return tx.Audit(ctx, a.audit(ac, "market_size.put", fmt.Sprintf("%d %s", m.SegmentID, m.Period), fmt.Sprint(m.Amount)))
	})
	return m, err
}

// CheckMarketSize validates a market size field by field (the period in
// the workspace's calendar, the segment's existence) and normalises its
// period key, without writing anything.
func (a *App) CheckMarketSize(ctx context.Context, m *crm.MarketSize) error {
	var v crm.ValidationError
	if ve, ok := crm.AsValidation(m.Validate()); ok {
		v = *ve
	}
	ws, _, err := a.Workspace(ctx)
	if err != nil {
		return err
	}
	if p, err := ws.ParsePeriod(m.Period); err != nil {
		v.Add("period", "enter a fiscal year (2026), a quarter (2026-Q1) or a month (2026-04)")
	} else {
		m.Period = p.Key()
	}
	if m.SegmentID > 0 {
		if _, err := a.Store.Segment(ctx, m.SegmentID); errors.Is(err, crm.ErrNotFound) {
			v.Add("segment_id", "choose a segment that exists")
		} else if err != nil {
			return err
		}
	}
	return v.Err()
}

// DeleteMarketSize removes an entered market size.
func (a *App) DeleteMarketSize(ctx context.Context, ac Actor, id int64) error {
	if err := ac.require(crm.PermWriteMarketing); err != nil {
		return err
	}
	return a.Store.InTx(ctx, func(tx *store.Tx) error {
		m, err := tx.MarketSize(ctx, id)
		if err != nil {
			return err
		}
		if err := tx.DeleteMarketSize(ctx, id); err != nil {
			return err
		}
		return tx.Audit(ctx, a.audit(ac, "market_size.delete", fmt.Sprintf("%d %s", m.SegmentID, m.Period), ""))
	})
}

// MarketShareRow is our share of one market in a period.
type MarketShareRow struct {
	SegmentID   int64  // 0 = the whole market
	SegmentName string // "" for the whole market
	SizeID      int64  // the entered figure it comes from
	SizePeriod  string // that figure's period key
	Size        int64  // the market's size in the period (pro rata from a year)
	ProRata     bool
	Revenue     int64 // our won revenue in the period, base currency
	Deals       int
	Unconverted int // won deals without an exchange rate, left out
	Share       float64
}

// MarketShare computes our share of every market with a size for period
// p (or for the fiscal year containing it), over the won deals the actor
// may see.
func (a *App) MarketShare(ctx context.Context, ac Actor, p crm.Period) ([]MarketShareRow, error) {
	if err := ac.require(crm.PermReadAll); err != nil {
		return nil, err
	}
	sizes, err := a.Store.MarketSizes(ctx)
	if err != nil || len(sizes) == 0 {
		return nil, err
	}
	ws, _, err := a.Workspace(ctx)
	if err != nil {
		return nil, err
	}
	year := ws.PeriodOf(crm.PeriodYear, p.Start)
	months := 0
	for m := p.Start; m.Before(p.End); m = m.AddDate(0, 1, 0) {
		months++
	}
	// Per segment: the exact period's figure, else the year's pro rata.
	pick := map[int64]*MarketShareRow{}
	for _, m := range sizes {
		switch m.Period {
		case p.Key():
			pick[m.SegmentID] = &MarketShareRow{SegmentID: m.SegmentID, SizeID: m.ID, SizePeriod: m.Period, Size: m.Amount}
		case year.Key():
			if r := pick[m.SegmentID]; r == nil || r.ProRata {
				pick[m.SegmentID] = &MarketShareRow{SegmentID: m.SegmentID, SizeID: m.ID, SizePeriod: m.Period,
					Size: m.Amount * int64(months) / 12, ProRata: p.Kind != crm.PeriodYear}
			}
		}
	}
	if len(pick) == 0 {
		return nil, nil
	}
	mode, err := a.visibility(ctx, "deals")
	if err != nil {
		return nil, err
	}
	conv, err := a.Converter(ctx)
	if err != nil {
		return nil, err
	}
	won, err := a.Store.WonAmounts(ctx, store.DealQuery{Viewer: ac.User.Viewer(), Visibility: mode}, p.Start, p.End)
	if err != nil {
		return nil, err
	}
	var contacts []int64
	seen := map[int64]bool{}
	for _, w := range won {
		if w.ContactID != 0 && !seen[w.ContactID] {
			seen[w.ContactID] = true
			contacts = append(contacts, w.ContactID)
		}
	}
	env, err := a.segmentEnv(ctx, &ac)
	if err != nil {
		return nil, err
	}
	var out []MarketShareRow
	for segID, r := range pick {
		var members map[int64]bool // nil: the whole market
		if segID != 0 {
			g, err := a.Store.Segment(ctx, segID)
			if err != nil {
				return nil, err
			}
			r.SegmentName = g.Name
			if members, err = a.Store.SegmentHasAny(ctx, g, env, contacts); err != nil {
				return nil, err
			}
		}
		for _, w := range won {
			if members != nil && !members[w.ContactID] {
				continue
			}
			amt, ok := conv.ToBase(w.Amount, w.Currency, w.WonAt)
			if !ok {
				r.Unconverted++
				continue
			}
			r.Deals++
			r.Revenue += amt
		}
		if r.Size > 0 {
			r.Share = float64(r.Revenue) / float64(r.Size)
		}
		out = append(out, *r)
	}
	sort.Slice(out, func(i, j int) bool {
		if (out[i].SegmentID == 0) != (out[j].SegmentID == 0) {
			return out[i].SegmentID == 0
		}
		return out[i].SegmentName < out[j].SegmentName
	})
	return out, nil
}
