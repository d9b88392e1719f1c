package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"sync/atomic"
	"time"

	"renkei/internal/crm"
	"renkei/internal/store"
)

// maxScoredEvents bounds the history read per contact: the newest events
// count; older ones beyond this many have decayed away in any realistic
// rule set.
const maxScoredEvents = 2000

// eventsSince is the oldest event time worth reading: after 20 half-lives
// an event's points are less than a millionth of what they were.
func eventsSince(s crm.ScoringSettings, now time.Time) time.Time {
	if s.HalfLifeDays <= 0 {
		return time.Time{}
	}
	return now.Add(-20 * s.HalfLife())
}

// rescoreContacts recomputes the fit and engagement scores of contacts
// after something about them changed (new events committed, a form
// submitted, properties edited) and applies the lifecycle stage rules
// (which may make a contact an MQL, and then call leadBecameMQL). It runs
// after the triggering transaction has committed; errors are logged by
// the caller, never shown to a public visitor.
//
// Each contact is recomputed from its stored history (bounded by
// eventsSince and maxScoredEvents) rather than patched with the newest
// events: visitors that identify late bring older events along, and a rule
// change must give the same answer as a fresh scoring.
func (a *App) rescoreContacts(ctx context.Context, contactIDs []int64) error {
	ids := make([]int64, 0, len(contactIDs))
	for _, id := range contactIDs {
		if id > 0 && !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	for len(ids) > 0 {
		n := min(len(ids), rescoreBatchSize)
		if _, err := a.RescoreTimed(ctx, ids[:n]); err != nil {
			return err
		}
		ids = ids[n:]
	}
	return nil
}

// RescoreTiming splits one rescoring into its parts: reading the rules,
// contacts and events and computing (Compute), and the write transaction
// with its commit (Commit).
type RescoreTiming struct {
	Compute, Commit time.Duration
	Moved           int // contacts whose stage moved
}

// RescoreTimed rescores a batch of contacts (the rescore hook and the
// benchmark use it) and says where the time went. It records the total in
// the renkei_scoring_rescore_seconds histogram.
func (a *App) RescoreTimed(ctx context.Context, ids []int64) (RescoreTiming, error) {
	start := time.Now()
	t, err := a.rescoreBatch(ctx, ids)
	if err == nil {
		a.scoringHist.observe(time.Since(start))
	}
	return t, err
}

// rescoreBatch scores contacts in one short write transaction.
func (a *App) rescoreBatch(ctx context.Context, ids []int64) (RescoreTiming, error) {
	var t RescoreTiming
	start := time.Now()
	rules, err := a.Store.ScoringRules(ctx)
	if err != nil {
		return t, err
	}
	set, _, err := a.ScoringSettings(ctx)
	if err != nil {
		return t, err
	}
	now := a.now()
	in, err := a.Store.ReadScoreInputs(ctx, ids, eventsSince(set, now), maxScoredEvents)
	if err != nil {
		return t, err
	}
	type move struct {
		id       int64
		from, to crm.Lifecycle
		reason   string
	}
	var writes []store.ScoreWrite
	var moves []move
	for _, id := range ids {
		c, ok := in.Contacts[id]
		if !ok {
			continue // erased meanwhile
		}
		w, to, reason := scoreOne(rules, set, c, in.Companies[c.CompanyID], in.Events[id], in.Scores[id], now)
		old, scored := in.Scores[id]
		w.New = !scored
		if len(w.Points) > 0 || scored || to != "" || old.RecycledAt != w.Score.RecycledAt {
			writes = append(writes, w)
		}
		if to != "" {
			moves = append(moves, move{id, c.Lifecycle, to, reason})
		}
	}
	t.Compute = time.Since(start)
	if len(writes) == 0 {
		return t, nil
	}
	start = time.Now()
	err = a.Store.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.PutScores(ctx, writes); err != nil {
			return err
		}
		for _, m := range moves {
			moved, err := a.applyScoringMove(ctx, tx, m.id, m.from, m.to, m.reason, now)
			if err != nil {
				return err
			}
			if moved {
				t.Moved++
			}
		}
		return nil
	})
	t.Commit = time.Since(start)
	return t, err
}

// applyScoringMove moves a contact to the lifecycle stage its scores call
// for, puts the move on its timeline and hands a new MQL to sales. It
// reports false when the stage changed meanwhile (that change wins).
func (a *App) applyScoringMove(ctx context.Context, tx *store.Tx, id int64, from, to crm.Lifecycle, reason string, now time.Time) (bool, error) {
	ok, err := tx.MoveContactStage(ctx, id, from, to, now)
	if err != nil || !ok {
		return false, err
	}
	err = tx.AddTimeline(ctx, &store.TimelineEntry{At: now, ContactID: id, Kind: KindStage,
		Data: map[string]any{"from": string(from), "to": string(to), "reason": reason, "by": "scoring"}})
	if err != nil {
		return false, err
	}
	if to == crm.StageMQL {
		if err := a.leadBecameMQL(ctx, tx, id, reason); err != nil {
			return false, fmt.Errorf("hand-off of contact %d: %w", id, err)
		}
	}
	return true, nil
}

// scoreNewContact scores a contact inside the transaction that creates
// it. A new contact has no events and no earlier score, so its fit comes
// from its own and its company's properties alone; scoring here saves
// the reads and the second commit of a rescore after the fact. It returns
// the contact as it stands afterwards (its stage may have moved).
func (a *App) scoreNewContact(ctx context.Context, tx *store.Tx, rules []crm.ScoringRule, set crm.ScoringSettings, id int64) (crm.Contact, error) {
	c, err := tx.Contact(ctx, id)
	if err != nil || len(rules) == 0 {
		return c, err
	}
	var co crm.Company
	if c.CompanyID != 0 {
		if co, err = tx.Company(ctx, c.CompanyID); err != nil && !errors.Is(err, crm.ErrNotFound) {
			return c, err
		}
	}
	now := a.now()
	w, to, reason := scoreOne(rules, set, c, co, nil, store.ContactScore{}, now)
	if len(w.Points) > 0 || to != "" {
		if err := tx.PutScore(ctx, w); err != nil {
			return c, err
		}
	}
	if to == "" {
		return c, nil
	}
	if moved, err := a.applyScoringMove(ctx, tx, id, c.Lifecycle, to, reason, now); err != nil || !moved {
		return c, err
	}
	return tx.Contact(ctx, id)
}

// scoreOne computes one contact's scores and the stage move they call for.
func scoreOne(rules []crm.ScoringRule, set crm.ScoringSettings, c crm.Contact, co crm.Company, events []crm.ScoreEvent,
	old store.ContactScore, now time.Time) (store.ScoreWrite, crm.Lifecycle, string) {
	hl := set.HalfLife()
	pts := crm.Score(rules, crm.FitSubject{Contact: c, Company: co}, events, hl, now)
	fit, eng := crm.Totals(rules, pts, hl, now)
	var engValue float64
	kind := map[int64]crm.RuleKind{}
	for _, r := range rules {
		kind[r.ID] = r.Kind
	}
	for _, p := range pts {
		if kind[p.RuleID] == crm.RuleEngagement {
			engValue += p.ValueAt(now, hl)
		}
	}
	sc := store.ContactScore{ContactID: c.ID, Fit: fit, Engagement: engValue, EngagementAt: now, EventsN: len(events), UpdatedAt: now}
	formSubmitted := false
	for _, e := range events {
		sc.LastEventAt = maxTime(sc.LastEventAt, e.At)
		formSubmitted = formSubmitted || e.Kind == "form"
	}
	// A recycled lead is noted the first time scoring sees it; only
	// engagement after that moment may make it an MQL again.
	engagedAfter := false
	if c.LeadStatus == crm.LeadRecycled {
		sc.RecycledAt = old.RecycledAt
		if sc.RecycledAt.IsZero() {
			sc.RecycledAt = c.UpdatedAt
		}
		engagedAfter = engagedSince(rules, events, sc.RecycledAt)
	}
	to, reason, ok := set.NextStage(crm.StageInput{Stage: c.Lifecycle, LeadStatus: c.LeadStatus, Fit: fit, Engagement: eng,
		FormSubmitted: formSubmitted, EngagedAfterRecycle: engagedAfter})
	if !ok {
		to = ""
	}
	return store.ScoreWrite{Score: sc, Points: pts}, to, reason
}

// engagedSince reports whether an event after t earns positive engagement
// points.
func engagedSince(rules []crm.ScoringRule, events []crm.ScoreEvent, t time.Time) bool {
	for _, e := range events {
		if !e.At.After(t) {
			continue
		}
		for _, r := range rules {
			if r.Active && r.Kind == crm.RuleEngagement && r.Points > 0 && r.Condition.MatchEvent(e) {
				return true
			}
		}
	}
	return false
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// rescoreAfter rescores contacts after a change committed, logging rather
// than returning a failure: the change itself stands, and the next event or
// a rescore-all puts the score right.
func (a *App) rescoreAfter(ctx context.Context, ids ...int64) {
	if err := a.rescoreContacts(background(ctx), ids); err != nil {
		a.Log.Warn("rescore contacts", "ids", ids, "err", err)
	}
}

// ---- the renkei_scoring_rescore_seconds histogram ----

// rescoreBuckets are the histogram's upper bounds in seconds.
var rescoreBuckets = [...]float64{0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1}

// latencyHist is a fixed-bucket histogram safe for concurrent use.
type latencyHist struct {
	counts [len(rescoreBuckets) + 1]atomic.Int64
	sumNS  atomic.Int64
}

func (h *latencyHist) observe(d time.Duration) {
	s := d.Seconds()
	i := 0
	for i < len(rescoreBuckets) && s > rescoreBuckets[i] {
		i++
	}
	h.counts[i].Add(1)
	h.sumNS.Add(int64(d))
}

// WriteScoringMetrics writes the rescoring latency histogram in the
// Prometheus text format (for /metrics).
func (a *App) WriteScoringMetrics(w io.Writer) {
	h := &a.scoringHist
	fmt.Fprintln(w, "# HELP renkei_scoring_rescore_seconds Time to rescore a batch of contacts (usually one) after a change, commit included.")
	fmt.Fprintln(w, "# TYPE renkei_scoring_rescore_seconds histogram")
	var cum int64
	for i, b := range rescoreBuckets {
		cum += h.counts[i].Load()
		fmt.Fprintf(w, "renkei_scoring_rescore_seconds_bucket{le=\"%g\"} %d\n", b, cum)
	}
	cum += h.counts[len(rescoreBuckets)].Load()
	fmt.Fprintf(w, "renkei_scoring_rescore_seconds_bucket{le=\"+Inf\"} %d\n", cum)
	fmt.Fprintf(w, "renkei_scoring_rescore_seconds_sum %g\n", float64(h.sumNS.Load())/1e9)
	fmt.Fprintf(w, "renkei_scoring_rescore_seconds_count %d\n", cum)
}
