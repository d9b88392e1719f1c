package app

import (
	"context"
	"math"
	"time"

	"renkei/internal/crm"
	"renkei/internal/store"
)

// "What followed" (issue 8 §8): for a cohort of contacts, each with a
// start (enrolled in a sequence, sent a broadcast), the share who within N
// days submitted a form, became an MQL, became the primary contact of a
// new deal, or of a won deal, and the won revenue. A sequence compares its
// enrolled contacts with its holdout: the lift is the difference of the
// two rates with a 95% interval (Newcombe's hybrid score interval, built
// from the two Wilson intervals; DESIGN.md §7).

// DefaultFollowDays is the window of "what followed" when none is chosen.
const DefaultFollowDays = 30

// MaxFollowDays is the longest window.
const MaxFollowDays = 365

// GroupOutcome is what followed for one group.
type GroupOutcome struct {
	N       int   `json:"n"`
	Forms   Rate  `json:"forms"`
	MQLs    Rate  `json:"mqls"`
	Deals   Rate  `json:"deals"`
	Won     Rate  `json:"won"`
	Revenue int64 `json:"revenue"` // won amounts in the base currency (minor units)
	// Unconverted is the number of won deals left out of Revenue: their
	// currency has no exchange rate.
	Unconverted int `json:"unconverted"`
}

// Lift is a difference of two rates (enrolled − holdout) with its 95% interval.
type Lift struct {
	Value float64 `json:"value"`
	Low   float64 `json:"low"`
	High  float64 `json:"high"`
	Known bool    `json:"known"` // false when a group is empty
}

// newLift computes p1 − p2 with Newcombe's hybrid score interval (method
// 10): the Wilson intervals of both rates combined.
func newLift(r1, r2 Rate) Lift {
	if r1.Den == 0 || r2.Den == 0 {
		return Lift{}
	}
	d := r1.Value - r2.Value
	return Lift{Value: d, Known: true,
		Low:  d - math.Sqrt(math.Pow(r1.Value-r1.Low, 2)+math.Pow(r2.High-r2.Value, 2)),
		High: d + math.Sqrt(math.Pow(r1.High-r1.Value, 2)+math.Pow(r2.Value-r2.Low, 2))}
}

// OutcomeRow is one outcome for both groups and the lift.
type OutcomeRow struct {
	Key      string `json:"key"` // forms | mqls | deals | won
	Enrolled Rate   `json:"enrolled"`
	Holdout  Rate   `json:"holdout"`
	Lift     Lift   `json:"lift"`
}

// Followed is the "what followed" section of a report.
type Followed struct {
	Days     int          `json:"days"`
	Currency string       `json:"currency"`
	Enrolled GroupOutcome `json:"enrolled"` // broadcasts: the recipients
	Holdout  GroupOutcome `json:"holdout"`
	Rows     []OutcomeRow `json:"rows"`
}

func (a *App) groupOutcome(ctx context.Context, c store.Cohort, days int, conv Converter) (GroupOutcome, error) {
	o, err := a.Store.CohortOutcomes(ctx, c, time.Duration(days)*24*time.Hour)
	if err != nil {
		return GroupOutcome{}, err
	}
	g := GroupOutcome{N: o.N, Forms: newRate(o.Forms, o.N), MQLs: newRate(o.MQLs, o.N), Deals: newRate(o.Deals, o.N),
		Won: newRate(o.Won, o.N)}
	for _, w := range o.WonDeals {
		if v, ok := conv.ToBase(w.Amount, w.Currency, w.WonAt); ok {
			g.Revenue += v
		} else {
			g.Unconverted++
		}
	}
	return g, nil
}

// followed builds the section for a cohort and, when holdout is not nil,
// its holdout.
func (a *App) followed(ctx context.Context, enrolled store.Cohort, holdout *store.Cohort, days int) (Followed, error) {
	if days < 1 || days > MaxFollowDays {
		return Followed{}, crm.Invalid("days", "enter 1 to 365 days")
	}
	conv, err := a.Converter(ctx)
	if err != nil {
		return Followed{}, err
	}
	f := Followed{Days: days, Currency: conv.Base}
	if f.Enrolled, err = a.groupOutcome(ctx, enrolled, days, conv); err != nil {
		return f, err
	}
	if holdout != nil {
		if f.Holdout, err = a.groupOutcome(ctx, *holdout, days, conv); err != nil {
			return f, err
		}
	}
	e, h := f.Enrolled, f.Holdout
	for _, r := range []struct {
		key  string
		x, y Rate
	}{{"forms", e.Forms, h.Forms}, {"mqls", e.MQLs, h.MQLs}, {"deals", e.Deals, h.Deals}, {"won", e.Won, h.Won}} {
		f.Rows = append(f.Rows, OutcomeRow{Key: r.key, Enrolled: r.x, Holdout: r.y, Lift: newLift(r.x, r.y)})
	}
	return f, nil
}

// BroadcastFollowed is what followed a broadcast for its recipients (a
// sent message), from the time each was sent.
func (a *App) BroadcastFollowed(ctx context.Context, ac Actor, id int64, days int) (Followed, error) {
	if _, err := a.Broadcast(ctx, ac, id); err != nil {
		return Followed{}, err
	}
	return a.followed(ctx, store.BroadcastCohort(id), nil, days)
}

// StepReport is what became of one e-mail step's messages.
type StepReport struct {
	Step         crm.SequenceStep `json:"-"`
	StepID       int64            `json:"step_id"`
	Position     int              `json:"position"`
	Subject      string           `json:"subject"`
	Queued       int              `json:"queued"`
	Sent         int              `json:"sent"`
	Delivered    int              `json:"delivered"`
	Bounced      int              `json:"bounced"`
	Suppressed   int              `json:"suppressed"` // not mailable when the step ran (no consent, suppressed, opted out)
	UniqueOpens  int              `json:"unique_opens"`
	UniqueClicks int              `json:"unique_clicks"`
	Unsubscribes int              `json:"unsubscribes"`
}

// SequenceReport is the report of one sequence.
type SequenceReport struct {
	Enrolled  int            `json:"enrolled"` // not held out
	Holdout   int            `json:"holdout"`
	Active    int            `json:"active"`
	Completed int            `json:"completed"`
	Exited    int            `json:"exited"`
	ByReason  map[string]int `json:"exited_by_reason"`
	Steps     []StepReport   `json:"email_steps"`
	Followed  Followed       `json:"followed"`
}

// SequenceReport builds the report of a sequence with "what followed"
// within days.
func (a *App) SequenceReport(ctx context.Context, ac Actor, id int64, days int) (SequenceReport, error) {
	q, err := a.Sequence(ctx, ac, id)
	if err != nil {
		return SequenceReport{}, err
	}
	c, err := a.Store.SequenceEnrolmentCounts(ctx, id)
	if err != nil {
		return SequenceReport{}, err
	}
	r := SequenceReport{Enrolled: c.Enrolled, Holdout: c.Holdout, Active: c.Active, Completed: c.Completed, Exited: c.Exited,
		ByReason: c.ByReason, Steps: []StepReport{}}
	for _, st := range q.Steps {
		if st.Kind != crm.StepEmail {
			continue
		}
		n, err := a.Store.SourceCounts(ctx, SourceSequence, st.ID)
		if err != nil {
			return r, err
		}
		ev, err := a.Store.SourceEventStats(ctx, SourceSequence, st.ID)
		if err != nil {
			return r, err
		}
		later := max(0, ev.Bounces-n[store.MsgBounced])
		r.Steps = append(r.Steps, StepReport{Step: st, StepID: st.ID, Position: st.Position, Subject: st.Subject,
			Queued: n[store.MsgQueued] + n[store.MsgSending], Sent: n[store.MsgSent], Delivered: max(0, n[store.MsgSent]-later),
			Bounced: n[store.MsgBounced] + later, Suppressed: n[store.MsgSuppressed],
			UniqueOpens: ev.UniqueOpens, UniqueClicks: ev.UniqueClicks, Unsubscribes: ev.Unsubscribes})
	}
	hold := store.SequenceCohort(id, true)
	r.Followed, err = a.followed(ctx, store.SequenceCohort(id, false), &hold, days)
	return r, err
}
