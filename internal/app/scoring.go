package app

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"

	"renkei/internal/crm"
	"renkei/internal/jobs"
	"renkei/internal/store"
)

// Scoring: the rule set, the workspace's scoring settings, the score of one
// contact with its explanation, and the rescore-all job. The rescoring
// itself is in hooks_scoring.go.

// JobRescoreAll is the job kind that rescores every contact after a rule
// change.
const JobRescoreAll = "scoring.rescore_all"

// KindStage is the timeline kind of a lifecycle stage move
// ({"from", "to", "reason", "by"}).
const KindStage = "stage"

const scoringSettingsKey = "scoring"

// ScoringSettings returns the workspace's scoring settings (the defaults
// until they are saved) and their version (0 = never saved).
func (a *App) ScoringSettings(ctx context.Context) (crm.ScoringSettings, int64, error) {
	s := crm.DefaultScoringSettings()
	v, err := a.Store.Setting(ctx, scoringSettingsKey, &s)
	if errors.Is(err, crm.ErrNotFound) {
		return crm.DefaultScoringSettings(), 0, nil
	}
	return s, v, err
}

// PutScoringSettings saves the settings when version matches the stored
// one (0 before the first save).
func (a *App) PutScoringSettings(ctx context.Context, ac Actor, s crm.ScoringSettings, version int64) (int64, error) {
	if err := ac.require(crm.PermWriteMarketing); err != nil {
		return 0, err
	}
	if err := s.Validate(); err != nil {
		return 0, err
	}
	var nv int64
	err := a.Store.InTx(ctx, func(tx *store.Tx) (err error) {
		if nv, err = tx.PutSetting(ctx, scoringSettingsKey, s, version, a.now()); err != nil {
			return err
		}
		return tx.Audit(ctx, a.audit(ac, "scoring.settings", "", fmt.Sprintf("half-life %d d, MQL fit ≥ %d, engagement ≥ %d",
			s.HalfLifeDays, s.MQLFitMin, s.MQLEngageMin)))
	})
	return nv, err
}

// ScoringRules lists the rules (every role may read them: the score
// explanations refer to them).
func (a *App) ScoringRules(ctx context.Context, ac Actor) ([]crm.ScoringRule, error) {
	if err := ac.require(crm.PermReadAll); err != nil {
		return nil, err
	}
	return a.Store.ScoringRules(ctx)
}

// ScoringRule returns one rule.
func (a *App) ScoringRule(ctx context.Context, ac Actor, id int64) (crm.ScoringRule, error) {
	if err := ac.require(crm.PermReadAll); err != nil {
		return crm.ScoringRule{}, err
	}
	return a.Store.ScoringRule(ctx, id)
}

// CreateScoringRule adds a rule. It applies at once to contacts scored from
// now on; StartRescoreAll applies it to everyone.
func (a *App) CreateScoringRule(ctx context.Context, ac Actor, r crm.ScoringRule) (crm.ScoringRule, error) {
	if err := ac.require(crm.PermWriteMarketing); err != nil {
		return r, err
	}
	r.Normalize()
	if err := r.Validate(); err != nil {
		return r, err
	}
	err := a.Store.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.CreateScoringRule(ctx, &r, a.now()); err != nil {
			return err
		}
		return tx.Audit(ctx, a.audit(ac, "scoring.rule_create", fmt.Sprint(r.ID), r.Name))
	})
	return r, err
}

// UpdateScoringRule replaces a rule when version matches.
func (a *App) UpdateScoringRule(ctx context.Context, ac Actor, id, version int64, r crm.ScoringRule) (crm.ScoringRule, error) {
	if err := ac.require(crm.PermWriteMarketing); err != nil {
		return r, err
	}
	old, err := a.Store.ScoringRule(ctx, id)
	if err != nil {
		return r, err
	}
	r.ID, r.Version, r.CreatedAt = id, version, old.CreatedAt
	r.Normalize()
	if err := r.Validate(); err != nil {
		return r, err
	}
	err = a.Store.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.UpdateScoringRule(ctx, &r, a.now()); err != nil {
			return err
		}
		return tx.Audit(ctx, a.audit(ac, "scoring.rule_update", fmt.Sprint(r.ID), r.Name))
	})
	return r, err
}

// DeleteScoringRule removes a rule and the points it gave; the contacts'
// totals follow at their next scoring (or at once with StartRescoreAll).
func (a *App) DeleteScoringRule(ctx context.Context, ac Actor, id int64) error {
	if err := ac.require(crm.PermWriteMarketing); err != nil {
		return err
	}
	r, err := a.Store.ScoringRule(ctx, id)
	if err != nil {
		return err
	}
	return a.Store.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.DeleteScoringRule(ctx, id); err != nil {
			return err
		}
		return tx.Audit(ctx, a.audit(ac, "scoring.rule_delete", fmt.Sprint(id), r.Name))
	})
}

// StartRescoreAll queues the job that rescores every contact and returns
// its id; a job already waiting to start is reused.
func (a *App) StartRescoreAll(ctx context.Context, ac Actor) (int64, error) {
	if err := ac.require(crm.PermWriteMarketing); err != nil {
		return 0, err
	}
	return a.queueRescoreAll(ctx, ac)
}

func (a *App) queueRescoreAll(ctx context.Context, ac Actor) (int64, error) {
	if id, err := a.Store.QueuedJob(ctx, JobRescoreAll); err != nil || id != 0 {
		return id, err
	}
	now := a.now()
	j := store.Job{Kind: JobRescoreAll, RunAt: now, CreatedAt: now, MaxAttempts: 5}
	err := a.Store.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.Enqueue(ctx, &j); err != nil {
			return err
		}
		return tx.Audit(ctx, a.audit(ac, "scoring.rescore_all", fmt.Sprint(j.ID), ""))
	})
	return j.ID, err
}

// QueueRescoreAll queues a rescore of everyone as the system (the demo
// loader uses it after writing the generated events).
func (a *App) QueueRescoreAll(ctx context.Context) (int64, error) {
	return a.queueRescoreAll(ctx, Actor{})
}

// LatestRescoreAll returns the newest rescore-all job, for the progress bar
// on the scoring page (crm.ErrNotFound when there was none).
func (a *App) LatestRescoreAll(ctx context.Context, ac Actor) (store.Job, error) {
	if err := ac.require(crm.PermReadAll); err != nil {
		return store.Job{}, err
	}
	j, err := a.Store.LatestJob(ctx, JobRescoreAll)
	j.Payload = ""
	return j, err
}

// rescoreBatchSize is how many contacts one transaction of the rescore-all
// job rescores.
const rescoreBatchSize = 200

// handleRescoreAll walks every contact in id order. Each batch commits on
// its own and progress is reported after it; a retried job starts over,
// which is harmless (rescoring is idempotent).
func (a *App) handleRescoreAll(ctx context.Context, j store.Job, progress jobs.Progress) error {
	return a.RescoreEveryone(ctx, 1, progress)
}

// RescoreEveryone rescores every contact, batch by batch, with workers
// batches in flight at once, reporting progress after each. The job runs
// it with one worker, beside the requests the server serves; the scale
// generator with more, on data nobody uses yet.
func (a *App) RescoreEveryone(ctx context.Context, workers int, progress func(done, total int) error) error {
	total, err := a.Store.ScoringContactCount(ctx)
	if err != nil {
		return err
	}
	if err := progress(0, total); err != nil {
		return err
	}
	batches := make(chan []int64)
	g, gctx := errgroup.WithContext(ctx)
	var mu sync.Mutex
	done := 0
	for range max(1, workers) {
		g.Go(func() error {
			for ids := range batches {
				if _, err := a.rescoreBatch(gctx, ids); err != nil {
					return err
				}
				mu.Lock()
				done += len(ids)
				err := progress(min(done, max(total, done)), max(total, done))
				mu.Unlock()
				if err != nil {
					return err
				}
			}
			return nil
		})
	}
	g.Go(func() error {
		defer close(batches)
		var after int64
		for {
			ids, err := a.Store.ContactIDsAfter(gctx, after, rescoreBatchSize)
			if err != nil || len(ids) == 0 {
				return err
			}
			select {
			case batches <- ids:
			case <-gctx.Done():
				return gctx.Err()
			}
			after = ids[len(ids)-1]
		}
	})
	return g.Wait()
}

// PointView is one line of a score explanation.
type PointView struct {
	RuleID     int64
	RuleName   string
	Kind       crm.RuleKind
	Condition  string // the rule's condition in words
	Points     int    // per match
	Cap        int
	Count      int
	Raw        int     // points before decay
	Now        float64 // worth now, after decay
	CapReached bool
	LastAt     time.Time
}

// ScoreView is a contact's scores as of now with the points behind them.
type ScoreView struct {
	ContactID    int64
	Fit          int
	Engagement   int
	HalfLifeDays int
	ScoredAt     time.Time // zero when the contact was never scored
	Points       []PointView
	Settings     crm.ScoringSettings
}

// ContactScore returns a contact's scores with their explanation, decayed
// to now.
func (a *App) ContactScore(ctx context.Context, ac Actor, id int64) (ScoreView, error) {
	if _, err := a.Contact(ctx, ac, id); err != nil {
		return ScoreView{}, err
	}
	return a.scoreView(ctx, id)
}

// scoreView is ContactScore without the visibility check.
func (a *App) scoreView(ctx context.Context, id int64) (ScoreView, error) {
	set, _, err := a.ScoringSettings(ctx)
	if err != nil {
		return ScoreView{}, err
	}
	v := ScoreView{ContactID: id, HalfLifeDays: set.HalfLifeDays, Settings: set}
	sc, err := a.Store.ContactScore(ctx, id)
	if errors.Is(err, crm.ErrNotFound) {
		return v, nil
	}
	if err != nil {
		return v, err
	}
	rules, err := a.Store.ScoringRules(ctx)
	if err != nil {
		return v, err
	}
	byID := map[int64]crm.ScoringRule{}
	for _, r := range rules {
		byID[r.ID] = r
	}
	pts, err := a.Store.ScorePoints(ctx, id)
	if err != nil {
		return v, err
	}
	now, hl := a.now(), set.HalfLife()
	v.ScoredAt, v.Fit = sc.UpdatedAt, sc.Fit
	v.Engagement = int(math.Round(sc.Engagement * crm.Decay(now.Sub(sc.EngagementAt), hl)))
	for _, p := range pts {
		r := byID[p.RuleID]
		pv := PointView{RuleID: r.ID, RuleName: r.Name, Kind: r.Kind, Condition: r.Condition.Describe(), Points: r.Points,
			Cap: r.Cap, Count: p.Count, Raw: p.Raw, Now: p.Value, CapReached: p.CapReached, LastAt: p.LastAt}
		if r.Kind == crm.RuleEngagement {
			pv.Now = math.Round(p.ValueAt(now, hl)*10) / 10
		}
		v.Points = append(v.Points, pv)
	}
	return v, nil
}

// ScoresOf returns the current (decayed) fit and engagement of several
// contacts, for lists; contacts never scored are missing.
func (a *App) ScoresOf(ctx context.Context, ids []int64) (map[int64][2]int, error) {
	set, _, err := a.ScoringSettings(ctx)
	if err != nil {
		return nil, err
	}
	scores, err := a.Store.ContactScores(ctx, ids)
	if err != nil {
		return nil, err
	}
	now := a.now()
	out := make(map[int64][2]int, len(scores))
	for id, sc := range scores {
		out[id] = [2]int{sc.Fit, int(math.Round(sc.Engagement * crm.Decay(now.Sub(sc.EngagementAt), set.HalfLife())))}
	}
	return out, nil
}

// ScorePreview evaluates an unsaved rule against one contact: what it would
// give now (for the preview on the rule form).
func (a *App) ScorePreview(ctx context.Context, ac Actor, r crm.ScoringRule, contactID int64) (crm.RulePoints, bool, error) {
	if _, err := a.Contact(ctx, ac, contactID); err != nil {
		return crm.RulePoints{}, false, err
	}
	r.Normalize()
	r.Active = true
	if err := r.Validate(); err != nil {
		return crm.RulePoints{}, false, err
	}
	set, _, err := a.ScoringSettings(ctx)
	if err != nil {
		return crm.RulePoints{}, false, err
	}
	now := a.now()
	in, err := a.Store.ReadScoreInputs(ctx, []int64{contactID}, eventsSince(set, now), maxScoredEvents)
	if err != nil {
		return crm.RulePoints{}, false, err
	}
	c := in.Contacts[contactID]
	pts := crm.Score([]crm.ScoringRule{r}, crm.FitSubject{Contact: c, Company: in.Companies[c.CompanyID]}, in.Events[contactID], set.HalfLife(), now)
	if len(pts) == 0 {
		return crm.RulePoints{}, false, nil
	}
	return pts[0], true, nil
}

// rescoreAfterImport queues a rescore of everyone after an import when
// there are rules to apply; one job for the whole file is far cheaper than
// rescoring row by row.
func (a *App) rescoreAfterImport(ctx context.Context) {
	rules, err := a.Store.ScoringRules(ctx)
	if err == nil && len(rules) > 0 {
		_, err = a.QueueRescoreAll(ctx)
	}
	if err != nil {
		a.Log.Warn("queue rescore after import", "err", err)
	}
}
