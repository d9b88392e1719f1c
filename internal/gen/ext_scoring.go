package gen

import (
	"context"
	"encoding/json"

	"renkei/internal/crm"
	"renkei/internal/store"
)

// scoringExtension adds the suggested scoring rule set (in the world's
// language) to the generated workspace. The scores themselves are not
// invented here: the demo command queues a rescore-all job after the load
// (see cli), so every score is what the rules make of the generated visits,
// forms and people — the same numbers a live workspace would show.
func scoringExtension(w *World) Extension { return &scoring{w: w} }

type scoring struct {
	w     *World
	rules *store.BulkTable
}

func (s *scoring) Tables(ctx context.Context, b *store.Bulk) (err error) {
	s.rules, err = b.Table(ctx, "scoring_rules", "id", "kind", "name", "condition", "points", "cap", "active", "position",
		"created_at", "updated_at", "version")
	return err
}

func (s *scoring) Company(ctx context.Context, co *Company, people []Person) error { return nil }

func (s *scoring) Done(ctx context.Context) error {
	at := s.w.Start().UnixMilli()
	for i, r := range crm.SuggestedScoringRules(s.w.cfg.Lang) {
		cond, err := json.Marshal(r.Condition)
		if err != nil {
			return err
		}
		if err := s.rules.Add(ctx, int64(i+1), string(r.Kind), r.Name, string(cond), r.Points, r.Cap, 1, i, at, at, 1); err != nil {
			return err
		}
	}
	return nil
}
