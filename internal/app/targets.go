package app

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"time"

	"renkei/internal/crm"
	"renkei/internal/store"
)

// Sales targets (目標), attainment and the forecast (issue 6 §4).
//
// Definitions (docs/sales-targets.md says the same for people):
//   - actual: Σ amount of the scope's deals won in the period (won_at in
//     [Start, End) in the workspace's time zone), converted to the base
//     currency with the rate valid on the won day;
//   - attainment = actual ÷ target; no target (or a target of 0): none;
//   - previous: the actual of Period.Prev(); vs previous = actual ÷ previous;
//   - a percentage target's amount = previous × percent ÷ 100 (rounded down);
//   - forecast, over the open deals whose expected close date is in the
//     period (deals without one count in no period), converted at today's
//     rate: commit = won + open commit deals; best case = commit + open
//     best-case deals; weighted = won + Σ amount × stage probability of the
//     open deals not omitted (each rounded down); pipeline = Σ amount of
//     the open deals not omitted.
//
// Scopes: a user's deals are those they own; a team's those whose team is
// the team; the workspace's all of them. A target's actual and attainment
// count every deal of its scope, for anyone who may see the target; the
// forecast counts only the deals the viewer may see.

// Forecast is the forecast of one scope for a period, in minor units of
// the base currency.
type Forecast struct {
	Won      int64 // closed won in the period (the deals the viewer may see)
	Commit   int64 // Won + open commit deals
	BestCase int64 // Commit + open best-case deals
	Weighted int64 // Won + Σ amount × probability of open deals not omitted
	Pipeline int64 // Σ amount of open deals not omitted
	Open     int   // number of open deals not omitted
}

// TargetRow is one scope's numbers for a period.
type TargetRow struct {
	Scope   crm.TargetScope
	ScopeID int64
	Name    string
	// Target is the scope's target for the period, nil when none is set.
	Target *crm.Target
	// TargetAmount is the target in minor units of the base currency (a
	// percentage target's computed amount); 0 without a target.
	TargetAmount int64
	Actual       int64
	Previous     int64
	Won          int // number of deals won in the period
	Forecast     Forecast
	// CanSet says whether the viewer may set or change this target.
	CanSet bool
}

// HasTarget reports whether a target is set.
func (r TargetRow) HasTarget() bool { return r.Target != nil }

// Attainment is actual ÷ target; ok is false without a target (or with a
// target of 0, such as 110% of a month without revenue).
func (r TargetRow) Attainment() (ratio float64, ok bool) {
	if r.Target == nil || r.TargetAmount <= 0 {
		return 0, false
	}
	return float64(r.Actual) / float64(r.TargetAmount), true
}

// VsPrevious is actual ÷ previous; ok is false when the previous period
// had no revenue.
func (r TargetRow) VsPrevious() (ratio float64, ok bool) {
	if r.Previous <= 0 {
		return 0, false
	}
	return float64(r.Actual) / float64(r.Previous), true
}

// Key names the row's scope: workspace, team:3, user:7.
func (r TargetRow) Key() string { return ScopeKey(r.Scope, r.ScopeID) }

// ScopeKey names a scope: workspace, team:3, user:7.
func ScopeKey(scope crm.TargetScope, id int64) string {
	if scope == crm.ScopeWorkspace {
		return string(scope)
	}
	return string(scope) + ":" + strconv.FormatInt(id, 10)
}

// TargetReport is attainment and forecast of every scope the viewer may
// see, for one period.
type TargetReport struct {
	Period crm.Period
	Prev   crm.Period
	Base   string // base currency
	// Rows: the workspace first, then teams and people by name.
	Rows []TargetRow
	// LeftOut counts the deals (that the viewer may see) left out of the
	// sums because their currency has no exchange rate; Currencies names
	// those currencies.
	LeftOut    int
	Currencies []string
	// AnyTarget says whether any target exists in the workspace (for the
	// empty state).
	AnyTarget bool
	// CanSetAny says whether the viewer may set any target at all.
	CanSetAny bool
}

// Row returns the row of a scope.
func (r TargetReport) Row(scope crm.TargetScope, id int64) (TargetRow, bool) {
	for _, row := range r.Rows {
		if row.Scope == scope && row.ScopeID == id {
			return row, true
		}
	}
	return TargetRow{}, false
}

// targetAccess is what deciding who sees and sets targets needs: the
// actor and the teams with their members.
type targetAccess struct {
	u       crm.User
	teamsOf map[int64][]int64 // user → teams they are in
	names   map[string]string // scope key → name
	teams   []crm.Team
}

func (a *App) targetAccess(ctx context.Context, ac Actor) (*targetAccess, error) {
	teams, err := a.Store.ListTeams(ctx)
	if err != nil {
		return nil, err
	}
	x := &targetAccess{u: ac.User, teamsOf: map[int64][]int64{}, names: map[string]string{}, teams: teams}
	for _, t := range teams {
		x.names[ScopeKey(crm.ScopeTeam, t.ID)] = t.Name
		for _, m := range t.Members {
			x.teamsOf[m.UserID] = append(x.teamsOf[m.UserID], t.ID)
		}
	}
	return x, nil
}

func (x *targetAccess) admin() bool { return x.u.Role == crm.RoleAdmin }

// manages reports whether the actor manages any team.
func (x *targetAccess) managesAny() bool {
	for _, m := range x.u.Teams {
		if m.IsManager {
			return true
		}
	}
	return false
}

// canSee: admins see every target; everyone the workspace's, their own and
// their teams'; managers also those of their teams' members.
func (x *targetAccess) canSee(scope crm.TargetScope, id int64) bool {
	if x.admin() || scope == crm.ScopeWorkspace {
		return true
	}
	switch scope {
	case crm.ScopeTeam:
		return slices.Contains(x.teamsOf[x.u.ID], id)
	case crm.ScopeUser:
		if id == x.u.ID {
			return true
		}
		for _, t := range x.teamsOf[id] {
			if x.u.ManagesTeam(t) {
				return true
			}
		}
	}
	return false
}

// canSet: admins set every target; managers (who may write sales records)
// those of the teams they manage and of those teams' members.
func (x *targetAccess) canSet(scope crm.TargetScope, id int64) bool {
	if x.admin() {
		return true
	}
	if !x.u.Role.Can(crm.PermWriteSales) {
		return false
	}
	switch scope {
	case crm.ScopeTeam:
		return x.u.ManagesTeam(id)
	case crm.ScopeUser:
		for _, t := range x.teamsOf[id] {
			if x.u.ManagesTeam(t) {
				return true
			}
		}
	}
	return false
}

// TargetPeriod reads a period key (2026-04, 2026-Q1, 2026) in the
// workspace; "" is the current month.
func (a *App) TargetPeriod(ctx context.Context, key string) (crm.Period, error) {
	ws, _, err := a.Workspace(ctx)
	if err != nil {
		return crm.Period{}, err
	}
	if key == "" {
		return ws.PeriodOf(crm.PeriodMonth, a.now()), nil
	}
	return ws.ParsePeriod(key)
}

// Targets lists the targets the actor may see, of one period (key; "" =
// every period).
func (a *App) Targets(ctx context.Context, ac Actor, key string) ([]crm.Target, error) {
	if err := ac.require(crm.PermReadAll); err != nil {
		return nil, err
	}
	q := store.TargetQuery{}
	if key != "" {
		p, err := a.TargetPeriod(ctx, key)
		if err != nil {
			return nil, err
		}
		q.Keys = []string{p.Key()}
	}
	x, err := a.targetAccess(ctx, ac)
	if err != nil {
		return nil, err
	}
	ts, err := a.Store.Targets(ctx, q)
	if err != nil {
		return nil, err
	}
	out := ts[:0]
	for _, t := range ts {
		if x.canSee(t.Scope, t.ScopeID) {
			out = append(out, t)
		}
	}
	return out, nil
}

// Target returns one target the actor may see.
func (a *App) Target(ctx context.Context, ac Actor, id int64) (crm.Target, error) {
	if err := ac.require(crm.PermReadAll); err != nil {
		return crm.Target{}, err
	}
	t, err := a.Store.Target(ctx, id)
	if err != nil {
		return t, err
	}
	x, err := a.targetAccess(ctx, ac)
	if err != nil {
		return t, err
	}
	if !x.canSee(t.Scope, t.ScopeID) {
		return crm.Target{}, crm.ErrNotFound
	}
	return t, nil
}

// checkScope refuses a team or user that does not exist (or a deactivated
// user).
func checkScope(ctx context.Context, tx *store.Tx, t crm.Target) error {
	switch t.Scope {
	case crm.ScopeTeam:
		ok, err := tx.TeamExists(ctx, t.ScopeID)
		if err != nil {
			return err
		}
		if !ok {
			return crm.Invalid("scope_id", "this team does not exist")
		}
	case crm.ScopeUser:
		u, err := tx.User(ctx, t.ScopeID)
		if errors.Is(err, crm.ErrNotFound) || (err == nil && u.Status == crm.UserDeactivated) {
			return crm.Invalid("scope_id", "choose an active user")
		}
		return err
	}
	return nil
}

// CreateTarget sets the target of a period and scope. Admins may set any;
// managers those of their teams and their teams' members; others get
// crm.ErrForbidden.
func (a *App) CreateTarget(ctx context.Context, ac Actor, t crm.Target) (crm.Target, error) {
	if err := ac.require(crm.PermWriteSales); err != nil {
		return t, err
	}
	x, err := a.targetAccess(ctx, ac)
	if err != nil {
		return t, err
	}
	if !x.admin() && !x.managesAny() {
		return t, crm.ErrForbidden
	}
	ws, _, err := a.Workspace(ctx)
	if err != nil {
		return t, err
	}
	if err := t.Validate(ws); err != nil {
		return t, err
	}
	if !x.canSet(t.Scope, t.ScopeID) {
		return t, crm.ErrForbidden
	}
	p, _ := ws.ParsePeriod(t.PeriodKey)
	t.PeriodKey = p.Key() // canonical
	t.CreatedBy = ac.User.ID
	err = a.Store.InTx(ctx, func(tx *store.Tx) error {
		if err := checkScope(ctx, tx, t); err != nil {
			return err
		}
		if err := tx.CreateTarget(ctx, &t, a.now()); errors.Is(err, crm.ErrConflict) {
			return crm.Invalid("period", "a target for this period and scope exists already; change that one")
		} else if err != nil {
			return err
		}
		return tx.Audit(ctx, a.audit(ac, "target.create", targetLabel(t), targetValue(t)))
	})
	return t, err
}

func targetLabel(t crm.Target) string {
	return fmt.Sprintf("%d %s %s", t.ID, t.PeriodKey, ScopeKey(t.Scope, t.ScopeID))
}

func targetValue(t crm.Target) string {
	if t.Percent > 0 {
		return fmt.Sprintf("%d%% of the previous period", t.Percent)
	}
	return fmt.Sprintf("amount %d", t.Amount)
}

// UpdateTarget changes a target's amount or percentage when version
// matches (exactly one of amount and percent is given).
func (a *App) UpdateTarget(ctx context.Context, ac Actor, id, version int64, amount int64, percent int) (crm.Target, error) {
	if err := ac.require(crm.PermWriteSales); err != nil {
		return crm.Target{}, err
	}
	x, err := a.targetAccess(ctx, ac)
	if err != nil {
		return crm.Target{}, err
	}
	ws, _, err := a.Workspace(ctx)
	if err != nil {
		return crm.Target{}, err
	}
	var t crm.Target
	err = a.Store.InTx(ctx, func(tx *store.Tx) error {
		old, err := tx.Target(ctx, id)
		if err != nil {
			return err
		}
		if !x.canSee(old.Scope, old.ScopeID) {
			return crm.ErrNotFound
		}
		if !x.canSet(old.Scope, old.ScopeID) {
			return crm.ErrForbidden
		}
		if version != old.Version {
			return crm.ErrStale
		}
		t = old
		t.Amount, t.Percent = amount, percent
		if err := t.Validate(ws); err != nil {
			return err
		}
		if err := tx.UpdateTarget(ctx, &t, a.now()); err != nil {
			return err
		}
		return tx.Audit(ctx, a.audit(ac, "target.update", targetLabel(t), targetValue(t)))
	})
	return t, err
}

// DeleteTarget removes a target.
func (a *App) DeleteTarget(ctx context.Context, ac Actor, id int64) error {
	if err := ac.require(crm.PermWriteSales); err != nil {
		return err
	}
	x, err := a.targetAccess(ctx, ac)
	if err != nil {
		return err
	}
	return a.Store.InTx(ctx, func(tx *store.Tx) error {
		t, err := tx.Target(ctx, id)
		if err != nil {
			return err
		}
		if !x.canSee(t.Scope, t.ScopeID) {
			return crm.ErrNotFound
		}
		if !x.canSet(t.Scope, t.ScopeID) {
			return crm.ErrForbidden
		}
		if err := tx.DeleteTarget(ctx, id); err != nil {
			return err
		}
		return tx.Audit(ctx, a.audit(ac, "target.delete", targetLabel(t), targetValue(t)))
	})
}

// TargetReport computes attainment and forecast for the period named by
// key ("" = the current month) for every scope the actor may see: the
// workspace, the teams and the people who sell (or have a target or
// deals).
func (a *App) TargetReport(ctx context.Context, ac Actor, key string) (TargetReport, error) {
	var rep TargetReport
	if err := ac.require(crm.PermReadAll); err != nil {
		return rep, err
	}
	ws, _, err := a.Workspace(ctx)
	if err != nil {
		return rep, err
	}
	p, err := a.TargetPeriod(ctx, key)
	if err != nil {
		return rep, err
	}
	rep.Period, rep.Prev, rep.Base = p, p.Prev(), ws.BaseCurrency
	x, err := a.targetAccess(ctx, ac)
	if err != nil {
		return rep, err
	}
	mode, err := a.visibility(ctx, "deals")
	if err != nil {
		return rep, err
	}
	conv, err := a.Converter(ctx)
	if err != nil {
		return rep, err
	}
	targets, err := a.Store.Targets(ctx, store.TargetQuery{Keys: []string{p.Key()}})
	if err != nil {
		return rep, err
	}
	if len(targets) > 0 {
		rep.AnyTarget = true
	} else if all, err := a.Store.Targets(ctx, store.TargetQuery{}); err != nil {
		return rep, err
	} else {
		rep.AnyTarget = len(all) > 0
	}
	deals, err := a.Store.TargetDeals(ctx, rep.Prev.Start, p.End, p.Start.Format(time.DateOnly), p.End.Format(time.DateOnly))
	if err != nil {
		return rep, err
	}
	users, err := a.Store.ListUsers(ctx, store.UserFilter{Limit: 1000})
	if err != nil {
		return rep, err
	}

	// The sums, per scope key.
	type sums struct {
		actual, prev int64
		won          int
		f            Forecast
		hasDeals     bool
	}
	by := map[string]*sums{}
	get := func(k string) *sums {
		if by[k] == nil {
			by[k] = &sums{}
		}
		return by[k]
	}
	viewer := ac.User.Viewer()
	now := a.now()
	left := map[string]bool{}
	for _, d := range deals {
		visible := viewer.CanSee(mode, d.OwnerID, d.TeamID)
		at := now
		if !d.WonAt.IsZero() {
			at = d.WonAt
		}
		amt, ok := conv.ToBase(d.Amount, d.Currency, at)
		if !ok {
			if visible {
				rep.LeftOut++
				left[d.Currency] = true
			}
			continue
		}
		keys := []string{ScopeKey(crm.ScopeWorkspace, 0)}
		if d.TeamID != 0 {
			keys = append(keys, ScopeKey(crm.ScopeTeam, d.TeamID))
		}
		if d.OwnerID != 0 {
			keys = append(keys, ScopeKey(crm.ScopeUser, d.OwnerID))
		}
		for _, k := range keys {
			s := get(k)
			s.hasDeals = true
			switch {
			case !d.WonAt.IsZero() && p.Contains(d.WonAt):
				s.actual += amt
				s.won++
				if visible {
					s.f.Won += amt
				}
			case !d.WonAt.IsZero():
				s.prev += amt // won in the previous period
			case visible && d.Forecast != crm.ForecastOmitted:
				s.f.Open++
				s.f.Pipeline += amt
				s.f.Weighted += crm.Weighted(amt, d.Probability)
				switch d.Forecast {
				case crm.ForecastCommit:
					s.f.Commit += amt
				case crm.ForecastBestCase:
					s.f.BestCase += amt
				}
			}
		}
	}
	for c := range left {
		rep.Currencies = append(rep.Currencies, c)
	}
	sort.Strings(rep.Currencies)

	byScope := map[string]*crm.Target{}
	for i := range targets {
		byScope[ScopeKey(targets[i].Scope, targets[i].ScopeID)] = &targets[i]
	}
	row := func(scope crm.TargetScope, id int64, name string) TargetRow {
		k := ScopeKey(scope, id)
		r := TargetRow{Scope: scope, ScopeID: id, Name: name, Target: byScope[k], CanSet: x.canSet(scope, id)}
		if s := by[k]; s != nil {
			r.Actual, r.Previous, r.Won, r.Forecast = s.actual, s.prev, s.won, s.f
		}
		r.Forecast.Commit += r.Forecast.Won
		r.Forecast.BestCase += r.Forecast.Commit
		r.Forecast.Weighted += r.Forecast.Won
		if r.Target != nil {
			r.TargetAmount = r.Target.AmountFor(r.Previous)
		}
		rep.CanSetAny = rep.CanSetAny || r.CanSet
		return r
	}
	rep.Rows = append(rep.Rows, row(crm.ScopeWorkspace, 0, ws.Name))
	sellers := map[int64]bool{}
	for _, u := range users {
		sellers[u.ID] = u.Role == crm.RoleSales && u.Status == crm.UserActive
	}
	for _, t := range x.teams { // ListTeams orders by name
		if !x.canSee(crm.ScopeTeam, t.ID) {
			continue
		}
		// Teams that sell: a salesperson in it, a target or deals.
		k := ScopeKey(crm.ScopeTeam, t.ID)
		sells := byScope[k] != nil || (by[k] != nil && by[k].hasDeals)
		for _, m := range t.Members {
			sells = sells || sellers[m.UserID]
		}
		if sells {
			rep.Rows = append(rep.Rows, row(crm.ScopeTeam, t.ID, t.Name))
		}
	}
	var people []TargetRow
	for _, u := range users {
		k := ScopeKey(crm.ScopeUser, u.ID)
		if !x.canSee(crm.ScopeUser, u.ID) {
			continue
		}
		sells := u.Role == crm.RoleSales && u.Status == crm.UserActive
		if !sells && byScope[k] == nil && (by[k] == nil || !by[k].hasDeals) {
			continue
		}
		people = append(people, row(crm.ScopeUser, u.ID, u.Name))
	}
	sort.SliceStable(people, func(i, j int) bool { return people[i].Name < people[j].Name })
	rep.Rows = append(rep.Rows, people...)
	return rep, nil
}
