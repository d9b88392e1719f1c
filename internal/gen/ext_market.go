package gen

import (
	"context"

	"renkei/internal/crm"
	"renkei/internal/store"
)

// marketExtension adds the market sizes of the story (issue 9 §6): for
// every fiscal year the history touches, the whole market is worth about
// 30 times the company's yearly won revenue (a share of roughly 3%), and
// the market of large customers (the segment "Large customers and
// accounts in play") about 12 times. It follows the sales extension
// (nil without it) and draws no random numbers.
func marketExtension(w *World, s Extension) Extension {
	sx, ok := s.(*sales)
	if !ok || sx == nil {
		return nil
	}
	fiscal := 1
	if w.ja() {
		fiscal = 4 // Japanese workspaces start their fiscal year in April
	}
	return &market{w: w, sales: sx, won: map[string]int64{}, ws: crm.Workspace{TimeZone: "Asia/Tokyo", FiscalYearStart: fiscal}}
}

type market struct {
	w     *World
	sales *sales
	t     *store.BulkTable
	won   map[string]int64 // won revenue per fiscal year key
	ws    crm.Workspace
}

// largeCustomersSegment is the id of the segments extension's "large
// customers" segment: the list, then the dynamic segments in order.
const largeCustomersSegment = segmentListID + 1 + 2

func (x *market) Tables(ctx context.Context, b *store.Bulk) (err error) {
	x.t, err = b.Table(ctx, "market_sizes", "id", "segment_id", "period", "amount", "note", "created_by", "created_at", "updated_at")
	return err
}

// Company adds the company's won deals (the sales extension keeps only
// the current company's) to the years' revenue.
func (x *market) Company(context.Context, *Company, []Person) error {
	for _, d := range x.sales.won {
		x.won[x.ws.PeriodOf(crm.PeriodYear, d.at).Key()] += d.amount
	}
	return nil
}

// Done writes a size per fiscal year for the whole market and the large
// customers' market, rounded to ¥10,000,000.
func (x *market) Done(ctx context.Context) error {
	w, ws, won := x.w, x.ws, x.won
	note := "業界団体の市場調査（推計）"
	if !w.ja() {
		note = "Industry association survey (estimate)"
	}
	owner := w.Users[0].ID
	at := w.Now().AddDate(0, 0, -30).UnixMilli()
	round := func(n int64) int64 { return (n + 5_000_000) / 10_000_000 * 10_000_000 }
	// The market is sized from the latest fiscal year's pace (its won
	// revenue scaled to twelve months); earlier years are 5% smaller per
	// year back, as a market that grows, rather than following the
	// company's own ramp-up in the story's first months.
	var years []crm.Period
	for y := ws.PeriodOf(crm.PeriodYear, w.Start()); !y.Start.After(w.Now()); y = y.Next() {
		years = append(years, y)
	}
	if len(years) == 0 {
		return nil
	}
	latest := years[len(years)-1]
	months := int64(0)
	for m := latest.Start; m.Before(latest.End); m = m.AddDate(0, 1, 0) {
		if !m.Before(w.Start()) && !m.After(w.Now()) {
			months++
		}
	}
	if months == 0 || won[latest.Key()] == 0 {
		return nil
	}
	yearly := won[latest.Key()] * 12 / months
	var id int64
	for k := len(years) - 1; k >= 0; k-- {
		size := yearly
		for back := len(years) - 1 - k; back > 0; back-- {
			size = size * 100 / 105
		}
		id++
		if err := x.t.Add(ctx, id, nil, years[k].Key(), round(size*30), note, owner, at, at); err != nil {
			return err
		}
		id++
		if err := x.t.Add(ctx, id, int64(largeCustomersSegment), years[k].Key(), round(size*12), note, owner, at, at); err != nil {
			return err
		}
	}
	return nil
}
