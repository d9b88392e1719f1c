package crm

import (
	"slices"
	"time"
)

// ForecastCategory is what the owner expects of an open deal in the
// forecast (issue 6 §4): commit deals are expected to close in their
// period, best-case deals may, pipeline deals are counted only weighted,
// omitted deals not at all.
type ForecastCategory string

// Forecast categories.
const (
	ForecastPipeline ForecastCategory = "pipeline"
	ForecastBestCase ForecastCategory = "best_case"
	ForecastCommit   ForecastCategory = "commit"
	ForecastOmitted  ForecastCategory = "omitted"
)

// ForecastCategories lists the categories in form order.
var ForecastCategories = []ForecastCategory{ForecastPipeline, ForecastBestCase, ForecastCommit, ForecastOmitted}

// ValidForecastCategory reports whether c is one of ForecastCategories.
func ValidForecastCategory(c ForecastCategory) bool { return slices.Contains(ForecastCategories, c) }

// TargetScope says whose revenue a target is for.
type TargetScope string

// Target scopes.
const (
	ScopeWorkspace TargetScope = "workspace" // every deal
	ScopeTeam      TargetScope = "team"      // deals whose team is the team
	ScopeUser      TargetScope = "user"      // deals the user owns
)

// TargetScopes lists the scopes, widest first.
var TargetScopes = []TargetScope{ScopeWorkspace, ScopeTeam, ScopeUser}

// MaxTargetPercent is the largest "% of the previous period" accepted.
const MaxTargetPercent = 1000

// Target is a revenue target (目標) for one period and one scope: either
// an amount in the base currency's minor units, or a percentage of the
// scope's won revenue in the previous period ("110% of last month"), whose
// amount is computed when read.
type Target struct {
	ID        int64
	Kind      PeriodKind
	PeriodKey string // Period.Key(): 2026-04, 2026-Q1, 2026
	Scope     TargetScope
	ScopeID   int64 // team or user id; 0 for the workspace
	Amount    int64 // when Percent is 0
	Percent   int   // % of the previous period's actual; 0 = Amount
	CreatedBy int64
	CreatedAt time.Time
	UpdatedAt time.Time
	Version   int64
}

// Relative reports whether the target is a percentage of the previous
// period.
func (t Target) Relative() bool { return t.Percent > 0 }

// AmountFor is the target's amount given the scope's actual of the
// previous period (used only by a percentage target): prev × percent / 100,
// rounded down to a whole minor unit.
func (t Target) AmountFor(prev int64) int64 {
	if t.Percent > 0 {
		return prev * int64(t.Percent) / 100
	}
	return t.Amount
}

// Validate checks the target's own fields against the workspace (the
// period key must name a period of the kind in its fiscal year). The
// existence of the team or user is checked by the application.
func (t *Target) Validate(ws Workspace) error {
	v := &ValidationError{}
	if _, ok := ParsePeriodKind(string(t.Kind)); !ok {
		v.Add("period_kind", "choose month, quarter or year")
	} else if p, err := ws.ParsePeriod(t.PeriodKey); err != nil || p.Kind != t.Kind {
		switch t.Kind {
		case PeriodMonth:
			v.Add("period", "use a month such as 2026-04")
		case PeriodQuarter:
			v.Add("period", "use a fiscal quarter such as 2026-Q1")
		default:
			v.Add("period", "use a fiscal year such as 2026")
		}
	}
	switch t.Scope {
	case ScopeWorkspace:
		if t.ScopeID != 0 {
			v.Add("scope_id", "leave it out for the workspace")
		}
	case ScopeTeam, ScopeUser:
		if t.ScopeID <= 0 {
			v.Add("scope_id", "is required for a team or a user")
		}
	default:
		v.Add("scope", "choose workspace, team or user")
	}
	switch {
	case t.Percent < 0 || t.Percent > MaxTargetPercent:
		v.Add("percent", "must be a percentage from 1 to 1000")
	case t.Percent > 0 && t.Amount != 0:
		v.Add("amount", "give an amount or a percentage, not both")
	case t.Percent == 0 && t.Amount <= 0:
		v.Add("amount", "enter an amount above zero or a percentage of the previous period")
	case t.Amount > 1e15:
		v.Add("amount", "is too large")
	}
	return v.Err()
}
