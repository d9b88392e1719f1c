package app

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"

	"renkei/internal/crm"
	"renkei/internal/store"
)

// leadBecameMQL starts the hand-off of a contact that has just become an
// MQL, inside the transaction that moved its stage: assignment to a sales
// owner, lead status new, the first-touch SLA clock, the owner's
// notifications. reason says why it became an MQL (for the timeline).
//
// Owned by the hand-off work; this is the agreed signature.
func (a *App) leadBecameMQL(ctx context.Context, tx *store.Tx, contactID int64, reason string) error {
	if err := a.exitSequences(ctx, tx, contactID, store.ExitRuleMQL, crm.ExitMQL); err != nil {
		return err
	}
	return a.startHandoff(ctx, tx, contactID, reason)
}

// LeadScore is what the Leads inbox shows of a contact's scores: the two
// numbers and the reasons behind them, best first.
type LeadScore struct {
	Known      bool // false while scoring has nothing for the contact
	Fit        int
	Engagement int
	Reasons    []string // "Job title contains 部長 +15", …
}

// leadScore returns the contact's scores for the Leads inbox, with the
// points behind them, largest first (Known is false for a contact that
// was never scored).
func (a *App) leadScore(ctx context.Context, contactID int64) (LeadScore, error) {
	v, err := a.scoreView(ctx, contactID)
	if err != nil || v.ScoredAt.IsZero() {
		return LeadScore{}, err
	}
	ls := LeadScore{Known: true, Fit: v.Fit, Engagement: v.Engagement}
	pts := slices.Clone(v.Points)
	slices.SortStableFunc(pts, func(x, y PointView) int { return cmp.Compare(math.Abs(y.Now), math.Abs(x.Now)) })
	for _, p := range pts {
		if n := int(math.Round(p.Now)); n != 0 {
			ls.Reasons = append(ls.Reasons, fmt.Sprintf("%s %+d", p.RuleName, n))
		}
	}
	return ls, nil
}
