package store

import (
	"context"
	"fmt"
	"sort"
	"time"

	"renkei/internal/crm"
)

// Day is a calendar date as yyyymmdd, the key of the rollup tables.
func Day(t time.Time, loc *time.Location) int {
	y, m, d := t.In(loc).Date()
	return y*10000 + int(m)*100 + d
}

// DayTime is the start of a yyyymmdd day in loc.
func DayTime(day int, loc *time.Location) time.Time {
	return time.Date(day/10000, time.Month(day/100%100), day%100, 0, 0, 0, 0, loc)
}

// SiteDay names one site's day.
type SiteDay struct {
	SiteID int64
	Day    int
}

// DayRollup is what a batch of events adds to one site's day.
type DayRollup struct {
	Pageviews int64
	Events    int64
	Bots      int64
	Visitors  crm.HLL
	Pages     map[string]int64
	Referrers map[string]int64
	UTM       map[[2]string]int64 // {dim, value}
}

// Rollups accumulates events into per-site, per-day counts, in the
// workspace's time zone. The tracker fills one per batch, the generator
// and RebuildRollups one per run; ApplyRollups adds it to the tables.
type Rollups struct {
	Loc  *time.Location
	Days map[SiteDay]*DayRollup
}

// NewRollups returns an empty accumulator for days in loc.
func NewRollups(loc *time.Location) *Rollups {
	return &Rollups{Loc: loc, Days: map[SiteDay]*DayRollup{}}
}

func (r *Rollups) day(siteID int64, at time.Time) *DayRollup {
	k := SiteDay{siteID, Day(at, r.Loc)}
	d := r.Days[k]
	if d == nil {
		d = &DayRollup{Pages: map[string]int64{}, Referrers: map[string]int64{}, UTM: map[[2]string]int64{}}
		r.Days[k] = d
	}
	return d
}

// Add counts one event of a site.
func (r *Rollups) Add(e *Event) {
	if e.SiteID == 0 || (e.Kind != EventPageview && e.Kind != EventCustom) {
		return
	}
	d := r.day(e.SiteID, e.At)
	if e.VisitorID != "" {
		d.Visitors.Add(crm.HashString(e.VisitorID))
	}
	if e.Kind == EventCustom {
		d.Events++
		return
	}
	d.Pageviews++
	d.Pages[e.Path]++
	if e.ReferrerHost != "" && e.ReferrerHost != e.Host {
		d.Referrers[e.ReferrerHost]++
	}
	for _, u := range [][2]string{{"source", e.UTMSource}, {"medium", e.UTMMedium}, {"campaign", e.UTMCampaign}} {
		if u[1] != "" {
			d.UTM[u]++
		}
	}
}

// AddBots counts requests dropped as bots.
func (r *Rollups) AddBots(siteID int64, at time.Time, n int64) {
	r.day(siteID, at).Bots += n
}

// ApplyRollups adds the accumulated counts to the rollup tables. Days are
// locked in a fixed order (on PostgreSQL, row locks), so concurrent
// writers merge their visitor sketches without losing any.
func (tx *Tx) ApplyRollups(ctx context.Context, r *Rollups) error {
	return tx.ApplyRollupsCached(ctx, nil, r)
}

// ApplyRollupsCached is ApplyRollups through a statement cache.
func (tx *Tx) ApplyRollupsCached(ctx context.Context, c *StmtCache, r *Rollups) error {
	keys := make([]SiteDay, 0, len(r.Days))
	for k := range r.Days {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].SiteID != keys[j].SiteID {
			return keys[i].SiteID < keys[j].SiteID
		}
		return keys[i].Day < keys[j].Day
	})
	for _, k := range keys {
		if err := tx.applyDay(ctx, c, k, r.Days[k]); err != nil {
			return err
		}
	}
	return nil
}

func (tx *Tx) applyDay(ctx context.Context, c *StmtCache, k SiteDay, d *DayRollup) error {
	q := tx.q()
	if _, err := q.ExecContext(ctx, "INSERT INTO track_days (site_id, day) VALUES ($1, $2) ON CONFLICT (site_id, day) DO NOTHING", k.SiteID, k.Day); err != nil {
		return tx.s.d.mapError(err)
	}
	if !d.Visitors.Empty() {
		var raw []byte
		if err := q.QueryRowContext(ctx, "SELECT hll FROM track_days WHERE site_id = $1 AND day = $2"+tx.s.d.forUpdate("track_days"), k.SiteID, k.Day).Scan(&raw); err != nil {
			return err
		}
		var h crm.HLL
		if err := h.UnmarshalBinary(raw); err != nil {
			return err
		}
		h.Merge(&d.Visitors)
		raw, _ = h.MarshalBinary()
		if _, err := q.ExecContext(ctx, `UPDATE track_days SET hll = $3, visitors = $4, pageviews = pageviews + $5, events = events + $6, bots = bots + $7
			WHERE site_id = $1 AND day = $2`, k.SiteID, k.Day, raw, h.Estimate(), d.Pageviews, d.Events, d.Bots); err != nil {
			return err
		}
	} else if d.Pageviews != 0 || d.Events != 0 || d.Bots != 0 {
		if _, err := q.ExecContext(ctx, `UPDATE track_days SET pageviews = pageviews + $3, events = events + $4, bots = bots + $5
			WHERE site_id = $1 AND day = $2`, k.SiteID, k.Day, d.Pageviews, d.Events, d.Bots); err != nil {
			return err
		}
	}
	if err := tx.addCounts(ctx, c, "track_pages", "path", k, d.Pages); err != nil {
		return err
	}
	if err := tx.addCounts(ctx, c, "track_referrers", "host", k, d.Referrers); err != nil {
		return err
	}
	if len(d.UTM) > 0 {
		keys := make([][2]string, 0, len(d.UTM))
		for u := range d.UTM {
			keys = append(keys, u)
		}
		sort.Slice(keys, func(i, j int) bool { return keys[i][0]+"\x00"+keys[i][1] < keys[j][0]+"\x00"+keys[j][1] })
		args := make([]any, 0, 5*len(keys))
		for _, u := range keys {
			args = append(args, k.SiteID, k.Day, u[0], u[1], d.UTM[u])
		}
		if err := tx.upsertCounts(ctx, c, "track_utm (site_id, day, dim, value, views)", "site_id, day, dim, value", "track_utm", 5, args); err != nil {
			return err
		}
	}
	return nil
}

func (tx *Tx) addCounts(ctx context.Context, c *StmtCache, table, col string, k SiteDay, m map[string]int64) error {
	if len(m) == 0 {
		return nil
	}
	keys := make([]string, 0, len(m))
	for s := range m {
		keys = append(keys, s)
	}
	sort.Strings(keys)
	args := make([]any, 0, 4*len(keys))
	for _, s := range keys {
		args = append(args, k.SiteID, k.Day, s, m[s])
	}
	return tx.upsertCounts(ctx, c, table+" (site_id, day, "+col+", views)", "site_id, day, "+col, table, 4, args)
}

// upsertCounts inserts rows of width values, adding views to existing rows.
func (tx *Tx) upsertCounts(ctx context.Context, c *StmtCache, into, conflict, table string, width int, args []any) error {
	start := 0
	for _, size := range chunks(len(args) / width) {
		part := args[start : start+size*width]
		start += size * width
		if err := tx.execCached(ctx, c, "INSERT INTO "+into+" VALUES "+tx.s.d.valuesList(size, width, 0)+
			" ON CONFLICT ("+conflict+") DO UPDATE SET views = "+table+".views + excluded.views", part...); err != nil {
			return err
		}
	}
	return nil
}

// ---- reading the rollups ----

// TrackDay is one site's day in the rollups.
type TrackDay struct {
	Day       int
	Pageviews int64
	Events    int64
	Visitors  int64
	Bots      int64
	Sketch    crm.HLL
}

// TrackDays returns the days of a site from..to (yyyymmdd, inclusive) that
// have data, in order.
func (s *Store) TrackDays(ctx context.Context, siteID int64, from, to int) ([]TrackDay, error) {
	rows, err := s.r().QueryContext(ctx, `SELECT day, pageviews, events, visitors, bots, hll FROM track_days
		WHERE site_id = $1 AND day >= $2 AND day <= $3 ORDER BY day`, siteID, from, to)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []TrackDay
	for rows.Next() {
		var d TrackDay
		var raw []byte
		if err := rows.Scan(&d.Day, &d.Pageviews, &d.Events, &d.Visitors, &d.Bots, &raw); err != nil {
			return nil, err
		}
		if err := d.Sketch.UnmarshalBinary(raw); err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// Count is a value with its number of page views.
type Count struct {
	Value string
	Views int64
}

// TrackTop returns the most viewed values of one dimension of a site over
// from..to: dim is "page", "referrer", or "utm_source", "utm_medium",
// "utm_campaign".
func (s *Store) TrackTop(ctx context.Context, siteID int64, from, to int, dim string, limit int) ([]Count, error) {
	var q string
	args := []any{siteID, from, to}
	switch dim {
	case "page":
		q = "SELECT path, SUM(views) FROM track_pages WHERE site_id = $1 AND day >= $2 AND day <= $3 GROUP BY path"
	case "referrer":
		q = "SELECT host, SUM(views) FROM track_referrers WHERE site_id = $1 AND day >= $2 AND day <= $3 GROUP BY host"
	case "utm_source", "utm_medium", "utm_campaign":
		args = append(args, dim[4:])
		q = "SELECT value, SUM(views) FROM track_utm WHERE site_id = $1 AND day >= $2 AND day <= $3 AND dim = $4 GROUP BY value"
	default:
		return nil, fmt.Errorf("track: unknown dimension %q", dim)
	}
	rows, err := s.r().QueryContext(ctx, q+fmt.Sprintf(" ORDER BY 2 DESC, 1 LIMIT %d", max(1, min(limit, 1000))), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Count
	for rows.Next() {
		var c Count
		if err := rows.Scan(&c.Value, &c.Views); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// RebuildRollups recomputes a site's rollups from its events (after a
// bulk load, or to check the rollups in a test). Days whose events were
// deleted by retention keep their rollups.
func (s *Store) RebuildRollups(ctx context.Context, siteID int64, loc *time.Location) error {
	r := NewRollups(loc)
	rows, err := s.r().QueryContext(ctx, `SELECT `+eventCols+` FROM events WHERE site_id = $1 ORDER BY at`, siteID)
	if err != nil {
		return err
	}
	evs, err := scanEvents(rows)
	if err != nil {
		return err
	}
	for i := range evs {
		r.Add(&evs[i])
	}
	return s.InTx(ctx, func(tx *Tx) error {
		var keep []SiteDay
		for k := range r.Days {
			keep = append(keep, k)
		}
		for _, t := range []string{"track_pages", "track_referrers", "track_utm"} {
			for _, k := range keep {
				if _, err := tx.q().ExecContext(ctx, "DELETE FROM "+t+" WHERE site_id = $1 AND day = $2", k.SiteID, k.Day); err != nil {
					return err
				}
			}
		}
		for _, k := range keep {
			if _, err := tx.q().ExecContext(ctx, "UPDATE track_days SET pageviews = 0, events = 0, visitors = 0, hll = NULL WHERE site_id = $1 AND day = $2",
				k.SiteID, k.Day); err != nil {
				return err
			}
		}
		return tx.ApplyRollups(ctx, r)
	})
}
