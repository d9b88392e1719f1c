package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"time"

	"renkei/internal/crm"
	"renkei/internal/emailtpl"
	"renkei/internal/jobs"
	"renkei/internal/store"
)

// JobBroadcastQueue walks a broadcast's segments and writes its outbox rows.
const JobBroadcastQueue = "broadcast.queue"

// SourceBroadcast is the source_type of broadcast messages in the outbox.
const SourceBroadcast = "broadcast"

// Broadcasts lists the broadcasts, newest first.
func (a *App) Broadcasts(ctx context.Context, ac Actor) ([]crm.Broadcast, error) {
	if err := ac.require(crm.PermReadAll); err != nil {
		return nil, err
	}
	return a.Store.Broadcasts(ctx)
}

// Broadcast reads one broadcast.
func (a *App) Broadcast(ctx context.Context, ac Actor, id int64) (crm.Broadcast, error) {
	if err := ac.require(crm.PermReadAll); err != nil {
		return crm.Broadcast{}, err
	}
	return a.Store.Broadcast(ctx, id)
}

// checkBroadcast validates the fields, parses the templates and checks
// that the segments exist.
func (a *App) checkBroadcast(ctx context.Context, b *crm.Broadcast) error {
	b.Normalize()
	v := &crm.ValidationError{}
	if err := b.Validate(); err != nil {
		v, _ = crm.AsValidation(err)
	}
	for field, src := range map[string]string{"subject": b.Subject, "subject_b": b.SubjectB, "html": b.HTML} {
		if _, err := emailtpl.Parse(src, crm.IsMergeField); err != nil {
			v.Add(field, err.Error())
		}
	}
	if b.TemplateID != 0 {
		if _, err := a.broadcastTemplate(ctx, b.TemplateID); errors.Is(err, crm.ErrNotFound) {
			v.Add("template_id", "is not an e-mail template")
		} else if err != nil {
			if _, ok := crm.AsValidation(err); !ok {
				return err
			}
			v.Add("template_id", "the template cannot be used: open it and fix what its editor shows")
		}
	}
	for field, ids := range map[string][]int64{"include_ids": b.IncludeIDs, "exclude_ids": b.ExcludeIDs} {
		for _, id := range ids {
			if _, err := a.Store.Segment(ctx, id); errors.Is(err, crm.ErrNotFound) {
				v.Add(field, "is not a segment or list")
			} else if err != nil {
				return err
			}
		}
	}
	if b.Topic != "" { // a key of the preference centre, chosen from its list
		if _, err := a.Store.EmailTopicByKey(ctx, b.Topic); errors.Is(err, crm.ErrNotFound) {
			v.Add("topic", "is not a topic of the preference centre")
		} else if err != nil {
			return err
		}
	}
	return v.Err()
}

// broadcastTemplate reads and compiles the template a broadcast takes its
// content from.
func (a *App) broadcastTemplate(ctx context.Context, id int64) (*crm.EmailRenderer, error) {
	t, err := a.Store.EmailTemplate(ctx, id)
	if err != nil {
		return nil, err
	}
	return crm.CompileEmail(t)
}

// CreateBroadcast saves a new draft.
func (a *App) CreateBroadcast(ctx context.Context, ac Actor, b crm.Broadcast) (crm.Broadcast, error) {
	if err := ac.require(crm.PermWriteMarketing); err != nil {
		return b, err
	}
	b.Status, b.Winner, b.CreatedBy = crm.BroadcastDraft, "", ac.User.ID
	if err := a.checkBroadcast(ctx, &b); err != nil {
		return b, err
	}
	err := a.Store.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.CreateBroadcast(ctx, &b, a.now()); err != nil {
			return err
		}
		return tx.Audit(ctx, a.audit(ac, "broadcast.create", broadcastLabel(b), ""))
	})
	return b, err
}

func broadcastLabel(b crm.Broadcast) string { return fmt.Sprintf("%d %s", b.ID, b.Name) }

// UpdateBroadcast changes a draft or a scheduled broadcast.
func (a *App) UpdateBroadcast(ctx context.Context, ac Actor, b crm.Broadcast) (crm.Broadcast, error) {
	if err := ac.require(crm.PermWriteMarketing); err != nil {
		return b, err
	}
	if err := a.checkBroadcast(ctx, &b); err != nil {
		return b, err
	}
	err := a.Store.InTx(ctx, func(tx *store.Tx) error {
		old, err := tx.Broadcast(ctx, b.ID)
		if err != nil {
			return err
		}
		if !old.Status.Editable() {
			return crm.Invalid("status", "a broadcast that has started cannot be changed")
		}
		if err := tx.UpdateBroadcast(ctx, &b, a.now()); err != nil {
			return err
		}
		b.Status = old.Status
		return tx.Audit(ctx, a.audit(ac, "broadcast.update", broadcastLabel(b), ""))
	})
	return b, err
}

// DeleteBroadcast removes a draft or scheduled broadcast.
func (a *App) DeleteBroadcast(ctx context.Context, ac Actor, id int64) error {
	if err := ac.require(crm.PermWriteMarketing); err != nil {
		return err
	}
	return a.Store.InTx(ctx, func(tx *store.Tx) error {
		b, err := tx.Broadcast(ctx, id)
		if err != nil {
			return err
		}
		if err := tx.DeleteBroadcast(ctx, id); errors.Is(err, crm.ErrConflict) {
			return crm.Invalid("status", "only drafts and scheduled broadcasts can be deleted; cancel it instead")
		} else if err != nil {
			return err
		}
		return tx.Audit(ctx, a.audit(ac, "broadcast.delete", broadcastLabel(b), ""))
	})
}

// CheckSendingReady returns a validation error naming what is missing
// before marketing mail can go out: the compliance block first (no send
// without it), then a server and a sending address.
func (a *App) CheckSendingReady(ctx context.Context) error {
	s, _, err := a.sending(ctx)
	if err != nil {
		return err
	}
	if err := crm.ComplianceError(s.Compliance); err != nil {
		return err
	}
	v := &crm.ValidationError{}
	if len(s.Relays) == 0 {
		v.Add("relays", "add an SMTP server for marketing mail (Settings → E-mail sending)")
	}
	if s.FromAddress == "" || s.Domain == "" {
		v.Add("from_address", "enter the sending domain and address (Settings → E-mail sending)")
	}
	return v.Err()
}

// StartBroadcast sends a draft now or, with a time in the future,
// schedules it. It refuses while the compliance block is incomplete.
func (a *App) StartBroadcast(ctx context.Context, ac Actor, id int64, at time.Time) (crm.Broadcast, error) {
	if err := ac.require(crm.PermWriteMarketing); err != nil {
		return crm.Broadcast{}, err
	}
	if err := a.CheckSendingReady(ctx); err != nil {
		return crm.Broadcast{}, err
	}
	b, err := a.Store.Broadcast(ctx, id)
	if err != nil {
		return b, err
	}
	if err := a.checkBroadcast(ctx, &b); err != nil {
		return b, err
	}
	now := a.now()
	err = a.Store.InTx(ctx, func(tx *store.Tx) error {
		if at.After(now) {
			b.SendAt = at
			if err := tx.UpdateBroadcast(ctx, &b, now); err != nil {
				return err
			}
			if err := tx.SetBroadcastStatus(ctx, id, []crm.BroadcastStatus{crm.BroadcastDraft, crm.BroadcastScheduled}, crm.BroadcastScheduled, now); err != nil {
				return notStartable(err)
			}
			return tx.Audit(ctx, a.audit(ac, "broadcast.schedule", broadcastLabel(b), at.Format(time.RFC3339)))
		}
		if err := a.beginQueueing(ctx, tx, b, []crm.BroadcastStatus{crm.BroadcastDraft, crm.BroadcastScheduled}); err != nil {
			return err
		}
		return tx.Audit(ctx, a.audit(ac, "broadcast.start", broadcastLabel(b), ""))
	})
	if err != nil {
		return b, err
	}
	a.wakeJobs()
	return a.Store.Broadcast(ctx, id)
}

func notStartable(err error) error {
	if errors.Is(err, crm.ErrConflict) {
		return crm.Invalid("status", "the broadcast has already started")
	}
	return err
}

// beginQueueing moves a broadcast to queueing and adds the queueing job.
func (a *App) beginQueueing(ctx context.Context, tx *store.Tx, b crm.Broadcast, from []crm.BroadcastStatus) error {
	now := a.now()
	if err := tx.SetBroadcastStatus(ctx, b.ID, from, crm.BroadcastQueueing, now); err != nil {
		return notStartable(err)
	}
	payload, _ := json.Marshal(map[string]int64{"broadcast_id": b.ID})
	return tx.Enqueue(ctx, &store.Job{Kind: JobBroadcastQueue, Payload: string(payload), RunAt: now, CreatedAt: now,
		MaxAttempts: 10, DedupeKey: fmt.Sprintf("%s:%d", JobBroadcastQueue, b.ID)})
}

// wakeJobs is set by the server so a new job starts at once.
func (a *App) wakeJobs() {
	if a.Wake != nil {
		a.Wake()
	}
}

// PauseBroadcast stops a sending broadcast: messages not yet claimed wait.
func (a *App) PauseBroadcast(ctx context.Context, ac Actor, id int64) error {
	return a.moveBroadcast(ctx, ac, id, "broadcast.pause", []crm.BroadcastStatus{crm.BroadcastSending, crm.BroadcastQueueing},
		crm.BroadcastPaused, store.MsgQueued, store.MsgPaused)
}

// ResumeBroadcast sends the rest of a paused broadcast.
func (a *App) ResumeBroadcast(ctx context.Context, ac Actor, id int64) error {
	return a.moveBroadcast(ctx, ac, id, "broadcast.resume", []crm.BroadcastStatus{crm.BroadcastPaused},
		crm.BroadcastSending, store.MsgPaused, store.MsgQueued)
}

// CancelBroadcast stops a broadcast for good; messages already sent stay sent.
func (a *App) CancelBroadcast(ctx context.Context, ac Actor, id int64) error {
	if err := a.moveBroadcast(ctx, ac, id, "broadcast.cancel", []crm.BroadcastStatus{crm.BroadcastScheduled,
		crm.BroadcastQueueing, crm.BroadcastSending, crm.BroadcastPaused}, crm.BroadcastCancelled, store.MsgQueued, store.MsgCancelled); err != nil {
		return err
	}
	for _, st := range []string{store.MsgPaused, store.MsgHeld} {
		if _, err := a.Store.MoveSourceMessages(ctx, SourceBroadcast, id, st, store.MsgCancelled, nil, a.now()); err != nil {
			return err
		}
	}
	return nil
}

func (a *App) moveBroadcast(ctx context.Context, ac Actor, id int64, action string, from []crm.BroadcastStatus, to crm.BroadcastStatus, msgFrom, msgTo string) error {
	if err := ac.require(crm.PermWriteMarketing); err != nil {
		return err
	}
	b, err := a.Store.Broadcast(ctx, id)
	if err != nil {
		return err
	}
	err = a.Store.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.SetBroadcastStatus(ctx, id, from, to, a.now()); errors.Is(err, crm.ErrConflict) {
			return crm.Invalid("status", "not possible in the broadcast's current state")
		} else if err != nil {
			return err
		}
		return tx.Audit(ctx, a.audit(ac, action, broadcastLabel(b), ""))
	})
	if err != nil {
		return err
	}
	_, err = a.Store.MoveSourceMessages(ctx, SourceBroadcast, id, msgFrom, msgTo, nil, a.now())
	a.wakeSender()
	return err
}

// BroadcastProgress is how far a broadcast is.
type BroadcastProgress struct {
	Status     crm.BroadcastStatus `json:"status"`
	Recipients int                 `json:"recipients"`
	Queued     int                 `json:"queued"` // waiting, in flight, held for the A/B winner or paused
	Sent       int                 `json:"sent"`
	Failed     int                 `json:"failed"`
	Bounced    int                 `json:"bounced"`
	Suppressed int                 `json:"suppressed"`
	Cancelled  int                 `json:"cancelled"`
	Percent    int                 `json:"percent"`
}

// BroadcastProgress counts a broadcast's messages.
func (a *App) BroadcastProgress(ctx context.Context, ac Actor, id int64) (BroadcastProgress, error) {
	b, err := a.Broadcast(ctx, ac, id)
	if err != nil {
		return BroadcastProgress{}, err
	}
	c, err := a.Store.SourceCounts(ctx, SourceBroadcast, id)
	if err != nil {
		return BroadcastProgress{}, err
	}
	p := BroadcastProgress{Status: b.Status, Recipients: b.Recipients,
		Queued: c[store.MsgQueued] + c[store.MsgSending] + c[store.MsgHeld] + c[store.MsgPaused],
		Sent:   c[store.MsgSent], Failed: c[store.MsgFailed], Bounced: c[store.MsgBounced],
		Suppressed: c[store.MsgSuppressed], Cancelled: c[store.MsgCancelled]}
	total := p.Queued + p.Sent + p.Failed + p.Bounced + p.Suppressed + p.Cancelled
	if total > 0 {
		p.Percent = (total - p.Queued) * 100 / total
	}
	return p, nil
}

// BroadcastReport is what became of a broadcast, counted from the outbox
// and the recipients' events.
type BroadcastReport struct {
	BroadcastProgress
	Delivered     int                `json:"delivered"` // sent minus bounces reported later
	UniqueOpens   int                `json:"unique_opens"`
	TotalOpens    int                `json:"total_opens"`
	UniqueClicks  int                `json:"unique_clicks"`
	TotalClicks   int                `json:"total_clicks"`
	Unsubscribes  int                `json:"unsubscribes"`
	Complaints    int                `json:"complaints"`
	Links         []store.LinkClicks `json:"links"`
	VariantOpens  map[string]int     `json:"variant_opens,omitempty"`
	VariantClicks map[string]int     `json:"variant_clicks,omitempty"`
	Winner        string             `json:"winner,omitempty"`
}

// Rate is n as a whole percentage of the messages delivered (0 when none
// were), for the report's bars.
func (r BroadcastReport) Rate(n int) int {
	if r.Delivered <= 0 {
		return 0
	}
	return int(math.Round(100 * float64(n) / float64(r.Delivered)))
}

// BroadcastReport builds the report of one broadcast.
func (a *App) BroadcastReport(ctx context.Context, ac Actor, id int64) (BroadcastReport, error) {
	p, err := a.BroadcastProgress(ctx, ac, id)
	if err != nil {
		return BroadcastReport{}, err
	}
	st, err := a.Store.SourceEventStats(ctx, SourceBroadcast, id)
	if err != nil {
		return BroadcastReport{}, err
	}
	b, err := a.Store.Broadcast(ctx, id)
	if err != nil {
		return BroadcastReport{}, err
	}
	// Bounces found at send time are not in Sent; those reported later
	// (a DSN, a webhook) are events on sent messages.
	later := max(0, st.Bounces-p.Bounced)
	return BroadcastReport{BroadcastProgress: p, Delivered: max(0, p.Sent-later),
		UniqueOpens: st.UniqueOpens, TotalOpens: st.TotalOpens, UniqueClicks: st.UniqueClicks, TotalClicks: st.TotalClicks,
		Unsubscribes: st.Unsubscribes, Complaints: st.Complaints, Links: st.Links,
		VariantOpens: st.VariantOpens, VariantClicks: st.VariantClicks, Winner: b.Winner}, nil
}

// ---- queueing ----

// queuePage is how many contact ids one step of the queueing walks.
const queuePage = 1000

func (a *App) handleBroadcastQueue(ctx context.Context, j store.Job, progress jobs.Progress) error {
	var p struct {
		BroadcastID int64 `json:"broadcast_id"`
	}
	if err := json.Unmarshal([]byte(j.Payload), &p); err != nil {
		return jobs.Permanent{Err: err}
	}
	b, err := a.Store.Broadcast(ctx, p.BroadcastID)
	if errors.Is(err, crm.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if b.Status != crm.BroadcastQueueing && b.Status != crm.BroadcastPaused {
		return nil // cancelled meanwhile
	}
	n, err := a.QueueBroadcast(ctx, b, progress)
	if err != nil {
		return err
	}
	now := a.now()
	if err := a.Store.SetBroadcastRecipients(ctx, b.ID, n, now); err != nil {
		return err
	}
	err = a.Store.InTx(ctx, func(tx *store.Tx) error {
		return tx.SetBroadcastStatus(ctx, b.ID, []crm.BroadcastStatus{crm.BroadcastQueueing}, crm.BroadcastSending, now)
	})
	if errors.Is(err, crm.ErrConflict) {
		// Paused or cancelled while queueing: what was queued follows.
		cur, err := a.Store.Broadcast(ctx, b.ID)
		if err != nil {
			return err
		}
		to := store.MsgPaused
		if cur.Status == crm.BroadcastCancelled {
			to = store.MsgCancelled
		}
		_, err = a.Store.MoveSourceMessages(ctx, SourceBroadcast, b.ID, store.MsgQueued, to, nil, now)
		return err
	}
	return err
}

// QueueBroadcast writes the outbox rows of a broadcast: the contacts of
// its segments and lists, less the excluded ones, those without consent
// and suppressed addresses. It is idempotent (the outbox's unique key),
// so a queueing job that dies is simply run again. It returns the number
// of recipients.
func (a *App) QueueBroadcast(ctx context.Context, b crm.Broadcast, progress jobs.Progress) (int, error) {
	env, err := a.segmentEnv(ctx, nil)
	if err != nil {
		return 0, err
	}
	excluded := map[int64]bool{}
	for _, id := range b.ExcludeIDs {
		if err := a.walkSegment(ctx, env, id, func(ids []int64) error {
			for _, c := range ids {
				excluded[c] = true
			}
			return nil
		}); err != nil {
			return 0, err
		}
	}
	seen := map[int64]bool{}
	total := 0
	for _, id := range b.IncludeIDs {
		err := a.walkSegment(ctx, env, id, func(ids []int64) error {
			keep := ids[:0:0]
			for _, c := range ids {
				if !excluded[c] && !seen[c] {
					seen[c] = true
					keep = append(keep, c)
				}
			}
			n, err := a.queueRecipients(ctx, b, keep)
			total += n
			if err != nil {
				return err
			}
			if progress != nil {
				return progress(len(seen), 0)
			}
			return nil
		})
		if err != nil {
			return total, err
		}
	}
	return total, nil
}

func (a *App) walkSegment(ctx context.Context, env store.SegmentEnv, id int64, fn func([]int64) error) error {
	g, err := a.Store.Segment(ctx, id)
	if errors.Is(err, crm.ErrNotFound) {
		return nil // deleted since: nothing to walk
	}
	if err != nil {
		return err
	}
	after := int64(0)
	for {
		ids, err := a.Store.SegmentContactIDs(ctx, g, env, after, queuePage)
		if err != nil || len(ids) == 0 {
			return err
		}
		if err := fn(ids); err != nil {
			return err
		}
		after = ids[len(ids)-1]
	}
}

// queueRecipients inserts the marketable contacts of ids. In an A/B test
// a share of them is split into a and b; the rest is held for the winner.
func (a *App) queueRecipients(ctx context.Context, b crm.Broadcast, ids []int64) (int, error) {
	rs, err := a.Store.Recipients(ctx, ids)
	if err != nil || len(rs) == 0 {
		return 0, err
	}
	hashes := make([]string, len(rs))
	for i, r := range rs {
		hashes[i] = EmailHash(r.Email)
	}
	sup, err := a.Store.SuppressedHashes(ctx, hashes)
	if err != nil {
		return 0, err
	}
	var optedOut map[int64]bool // the broadcast's topic, in the preference centre
	if b.Topic != "" {
		if optedOut, err = a.Store.TopicOptedOut(ctx, b.Topic, ids); err != nil {
			return 0, err
		}
	}
	now := a.now()
	rows := make([]store.OutboxRow, 0, len(rs))
	for i, r := range rs {
		if r.Consent != crm.ConsentGranted || sup[hashes[i]] != "" || optedOut[r.ID] {
			continue
		}
		row := store.OutboxRow{SourceType: SourceBroadcast, SourceID: b.ID, ContactID: r.ID, Email: r.Email, Status: store.MsgQueued, NextAt: now}
		if b.ABTest() {
			row.Variant, row.Status = abVariant(r.ID, b.ABShare)
		}
		rows = append(rows, row)
	}
	// One multi-row INSERT per page of ids (QueueMessages splits larger
	// slices), with anonymous parameters on SQLite (dialect.values).
	n, err := a.Store.QueueMessages(ctx, rows, now)
	if err != nil {
		return n, err
	}
	a.wakeSender()
	return n, nil
}

// abVariant puts a contact in the test sample (a or b) or holds it for the
// winner, from a hash of its id: the split is stable across re-runs.
func abVariant(contactID int64, share int) (variant, status string) {
	h := uint64(contactID) * 0x9E3779B97F4A7C15
	if int((h>>32)%100) >= share {
		return "", store.MsgHeld
	}
	if (h>>20)&1 == 0 {
		return "a", store.MsgQueued
	}
	return "b", store.MsgQueued
}

// ---- the broadcasts' clock (run by the engine) ----

// tickBroadcasts starts scheduled broadcasts whose time has come, picks
// the winners of A/B tests whose wait is over and marks finished
// broadcasts sent. Every step moves a state with a guard, so several
// processes may tick at once.
func (a *App) tickBroadcasts(ctx context.Context, e *Engine) error {
	now := a.now()
	due, err := a.Store.DueBroadcasts(ctx, now)
	if err != nil {
		return err
	}
	for _, b := range due {
		if a.CheckSendingReady(ctx) != nil {
			break
		}
		err := a.Store.InTx(ctx, func(tx *store.Tx) error {
			return a.beginQueueing(ctx, tx, b, []crm.BroadcastStatus{crm.BroadcastScheduled})
		})
		if err != nil && !isValidation(err) {
			return err
		}
		a.wakeJobs()
	}
	all, err := a.Store.Broadcasts(ctx)
	if err != nil {
		return err
	}
	for _, b := range all {
		if b.Status != crm.BroadcastSending {
			continue
		}
		if err := a.advanceBroadcast(ctx, b, now, e); err != nil {
			return err
		}
	}
	return nil
}

func isValidation(err error) bool { _, ok := crm.AsValidation(err); return ok }

// advanceBroadcast picks an A/B winner when due and marks a broadcast
// sent when nothing is left to send.
func (a *App) advanceBroadcast(ctx context.Context, b crm.Broadcast, now time.Time, e *Engine) error {
	c, err := a.Store.SourceCounts(ctx, SourceBroadcast, b.ID)
	if err != nil {
		return err
	}
	if b.ABTest() && b.Winner == "" && c[store.MsgHeld] > 0 && !b.StartedAt.IsZero() &&
		now.Sub(b.StartedAt) >= time.Duration(b.ABWaitMin)*time.Minute {
		return a.pickWinner(ctx, b, now, e)
	}
	if c[store.MsgQueued]+c[store.MsgSending]+c[store.MsgHeld]+c[store.MsgPaused] == 0 {
		return a.Store.InTx(ctx, func(tx *store.Tx) error {
			err := tx.SetBroadcastStatus(ctx, b.ID, []crm.BroadcastStatus{crm.BroadcastSending}, crm.BroadcastSent, now)
			if errors.Is(err, crm.ErrConflict) {
				return nil
			}
			return err
		})
	}
	return nil
}

// pickWinner compares the variants by unique opens (or clicks) and sends
// the held rest with the winning subject; a tie goes to A.
func (a *App) pickWinner(ctx context.Context, b crm.Broadcast, now time.Time, e *Engine) error {
	st, err := a.Store.SourceEventStats(ctx, SourceBroadcast, b.ID)
	if err != nil {
		return err
	}
	score := st.VariantOpens
	if b.ABMetric == "clicks" {
		score = st.VariantClicks
	}
	winner := "a"
	if score["b"] > score["a"] {
		winner = "b"
	}
	if err := a.Store.InTx(ctx, func(tx *store.Tx) error { return tx.SetBroadcastWinner(ctx, b.ID, winner, now) }); err != nil {
		return err
	}
	if _, err := a.Store.MoveSourceMessages(ctx, SourceBroadcast, b.ID, store.MsgHeld, store.MsgQueued, &winner, now); err != nil {
		return err
	}
	if e != nil {
		e.Wake()
	}
	return nil
}
