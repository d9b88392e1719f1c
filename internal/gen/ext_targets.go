package gen

import (
	"context"
	"sort"
	"strconv"
	"time"

	"renkei/internal/crm"
	"renkei/internal/store"
)

// forecastOf is the forecast category of an open demo deal: most deals in
// Negotiation are commits, Proposal deals are best cases, the earlier
// stages pipeline, and one in twenty is omitted. It draws no random
// numbers (the deal's id decides), so the sales stream stays as it was.
func forecastOf(stage, id int64) crm.ForecastCategory {
	if stage == stWon || stage == stLost {
		return crm.ForecastPipeline // closed: the category no longer matters
	}
	h := uint64(id)*0x9E3779B97F4A7C15 + uint64(stage)
	h ^= h >> 31
	switch n := h % 100; {
	case n < 5:
		return crm.ForecastOmitted
	case stage == stNegotiation && n < 75:
		return crm.ForecastCommit
	case stage == stNegotiation, stage == stProposal && n < 60:
		return crm.ForecastBestCase
	}
	return crm.ForecastPipeline
}

// targets adds the sales targets of the story: for every month of the
// history (and the next one), a workspace target, one per sales team and
// one per salesperson, each about 110% of the scope's average monthly won
// revenue over the three months before (rounded to ¥100,000 or ¥10,000);
// some are written as "110% of last month" instead of an amount. Each
// fiscal quarter gets a workspace and team target the same way. It reads
// the won deals of the sales extension and draws no random numbers.
type targets struct {
	w     *World
	sales *sales
	t     *store.BulkTable
	// won per scope key (workspace, team:<id>, user:<id>) and month key.
	won map[string]map[string]int64
}

// targetsExtension follows the sales extension s (nil without it).
func targetsExtension(w *World, s Extension) Extension {
	sx, ok := s.(*sales)
	if !ok || sx == nil {
		return nil
	}
	return &targets{w: w, sales: sx, won: map[string]map[string]int64{}}
}

func (x *targets) Tables(ctx context.Context, b *store.Bulk) (err error) {
	x.t, err = b.Table(ctx, "sales_targets", "id", "period_kind", "period_key", "scope", "scope_id", "amount",
		"percent", "created_by", "created_at", "updated_at", "version")
	return err
}

func (x *targets) add(scope string, month string, amount int64) {
	if x.won[scope] == nil {
		x.won[scope] = map[string]int64{}
	}
	x.won[scope][month] += amount
}

// Company remembers the company's won deals per month (JST) and scope.
func (x *targets) Company(ctx context.Context, co *Company, people []Person) error {
	for _, d := range x.sales.won {
		m := d.at.In(x.w.jst).Format("2006-01")
		x.add("workspace", m, d.amount)
		if p := d.person; p != nil {
			if p.TeamID != 0 {
				x.add("team:"+itoa(p.TeamID), m, d.amount)
			}
			if p.OwnerID != 0 {
				x.add("user:"+itoa(p.OwnerID), m, d.amount)
			}
		}
	}
	return nil
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func parseInt(s string) int64 {
	n, _ := strconv.ParseInt(s, 10, 64)
	return n
}

// Done writes the targets.
func (x *targets) Done(ctx context.Context) error {
	w := x.w
	fiscal := 1
	if w.ja() {
		fiscal = 4 // Japanese workspaces start their fiscal year in April
	}
	ws := crm.Workspace{TimeZone: "Asia/Tokyo", FiscalYearStart: fiscal}
	if _, err := time.LoadLocation(ws.TimeZone); err != nil {
		ws.TimeZone = "UTC"
	}
	now := w.Now()
	first := ws.PeriodOf(crm.PeriodMonth, w.Start()).Next() // the first full month
	last := ws.PeriodOf(crm.PeriodMonth, now).Next()        // next month is planned already
	var scopes []string
	for k := range x.won {
		scopes = append(scopes, k)
	}
	sort.Strings(scopes)
	owner := w.Users[0].ID
	var id int64
	write := func(p crm.Period, scope string, amount int64, percent int) error {
		id++
		kind, sid := crm.ScopeWorkspace, int64(0)
		switch {
		case len(scope) > 5 && scope[:5] == "team:":
			kind, sid = crm.ScopeTeam, parseInt(scope[5:])
		case len(scope) > 5 && scope[:5] == "user:":
			kind, sid = crm.ScopeUser, parseInt(scope[5:])
		}
		set := ms(p.Start.AddDate(0, 0, -7))
		if p.Start.AddDate(0, 0, -7).After(now) {
			set = ms(now)
		}
		return x.t.Add(ctx, id, string(p.Kind), p.Key(), string(kind), sid, amount, percent, owner, set, set, int64(1))
	}
	// The average month over (up to) the three full months of the story
	// before p, × 110%, rounded.
	plan := func(scope string, p crm.Period, unit int64) int64 {
		var sum, n int64
		for q := p.Prev(); n < 3 && !q.Start.Before(first.Start); q = q.Prev() {
			if q.End.After(now) {
				continue // not over yet
			}
			sum += x.won[scope][q.Key()]
			n++
		}
		if n == 0 {
			return 0
		}
		return (sum*110/(100*n) + unit/2) / unit * unit
	}
	for p := first; !p.Start.After(last.Start); p = p.Next() {
		for _, scope := range scopes {
			unit := int64(10_000)
			if scope == "workspace" || scope[:5] == "team:" {
				unit = 100_000
			}
			prev := x.won[scope][p.Prev().Key()]
			switch {
			case (scope == "workspace" && p.Start.Month()%3 == 0) || (scope[:5] == "team:" && p.Start.Month()%4 == 0):
				if prev > 0 && !p.Start.After(now) { // last month is over // "this month's target is 110% of last month"
					if err := write(p, scope, 0, 110); err != nil {
						return err
					}
					continue
				}
				fallthrough
			default:
				if a := plan(scope, p, unit); a > 0 {
					if err := write(p, scope, a, 0); err != nil {
						return err
					}
				}
			}
		}
	}
	// Fiscal quarters: the workspace and the teams, 110% of the quarter before.
	for p := ws.PeriodOf(crm.PeriodQuarter, first.Start).Next(); !p.Start.After(now); p = p.Next() {
		for _, scope := range scopes {
			if scope[:5] == "user:" {
				continue
			}
			var sum int64
			for m := ws.PeriodOf(crm.PeriodMonth, p.Prev().Start); m.Start.Before(p.Start); m = m.Next() {
				sum += x.won[scope][m.Key()]
			}
			if a := (sum*110/100 + 50_000) / 100_000 * 100_000; a > 0 {
				if err := write(p, scope, a, 0); err != nil {
					return err
				}
			}
		}
	}
	return nil
}
