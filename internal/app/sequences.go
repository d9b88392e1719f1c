package app

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"renkei/internal/crm"
	"renkei/internal/emailtpl"
	"renkei/internal/store"
)

// SourceSequence is the source_type of sequence e-mails in the outbox; the
// source_id is the step.
const SourceSequence = "sequence"

// Enrolment sources.
const (
	EnrolBySegment = "segment"
	EnrolByForm    = "form"
	EnrolByHand    = "manual"
)

// MaxEnrolAtOnce is the most contacts one enrol call takes.
const MaxEnrolAtOnce = 1000

// Sequences lists the sequences, newest first.
func (a *App) Sequences(ctx context.Context, ac Actor) ([]crm.Sequence, error) {
	if err := ac.require(crm.PermReadAll); err != nil {
		return nil, err
	}
	return a.Store.Sequences(ctx, "")
}

// Sequence reads one sequence with its steps.
func (a *App) Sequence(ctx context.Context, ac Actor, id int64) (crm.Sequence, error) {
	if err := ac.require(crm.PermReadAll); err != nil {
		return crm.Sequence{}, err
	}
	return a.Store.Sequence(ctx, id)
}

func sequenceLabel(q crm.Sequence) string { return fmt.Sprintf("%d %s", q.ID, q.Name) }

// checkSequence validates the fields and steps, parses the e-mails and
// checks that the templates, segments, form, topic and properties exist.
func (a *App) checkSequence(ctx context.Context, q *crm.Sequence) error {
	q.Normalize()
	v := &crm.ValidationError{}
	if err := q.Validate(); err != nil {
		v, _ = crm.AsValidation(err)
	}
	exists := func(field string, err error, what string) error {
		if errors.Is(err, crm.ErrNotFound) {
			v.Add(field, what)
			return nil
		}
		return err
	}
	if q.SegmentID != 0 {
		_, err := a.Store.Segment(ctx, q.SegmentID)
		if err := exists("segment_id", err, "is not a segment or list"); err != nil {
			return err
		}
	}
	if q.FormID != 0 {
		_, err := a.Store.Form(ctx, q.FormID)
		if err := exists("form_id", err, "is not a form"); err != nil {
			return err
		}
	}
	var props map[string]crm.Property
	for i, st := range q.Steps {
		p := "steps." + strconv.Itoa(i+1) + "."
		switch st.Kind {
		case crm.StepEmail:
			for field, src := range map[string]string{"subject": st.Subject, "html": st.HTML} {
				if _, err := emailtpl.Parse(src, crm.IsMergeField); err != nil {
					v.Add(p+field, err.Error())
				}
			}
			if st.TemplateID > 0 {
				if _, err := a.broadcastTemplate(ctx, st.TemplateID); errors.Is(err, crm.ErrNotFound) {
					v.Add(p+"template_id", "is not an e-mail template")
				} else if err != nil {
					if _, ok := crm.AsValidation(err); !ok {
						return err
					}
					v.Add(p+"template_id", "the template cannot be used: open it and fix what its editor shows")
				}
			}
		case crm.StepCondition:
			if st.Cond == crm.CondSegment && st.SegmentID > 0 {
				_, err := a.Store.Segment(ctx, st.SegmentID)
				if err := exists(p+"segment_id", err, "is not a segment or list"); err != nil {
					return err
				}
			}
			if (st.Cond == crm.CondOpened || st.Cond == crm.CondClicked) && previousEmail(q.Steps, i+1) == nil {
				v.Add(p+"cond", "needs an e-mail step before it")
			}
		case crm.StepProperty:
			if props == nil {
				defs, err := a.Store.Properties(ctx, "contact")
				if err != nil {
					return err
				}
				props = map[string]crm.Property{}
				for _, d := range defs {
					props[d.Key] = d
				}
			}
			d, ok := props[st.PropKey]
			if !ok {
				if st.PropKey != "" {
					v.Add(p+"prop_key", "is not a custom property; define it in Settings → Properties first")
				}
			} else if _, err := d.ParseValue(st.PropValue); err != nil {
				v.Add(p+"prop_value", err.Error())
			}
		}
	}
	return v.Err()
}

// previousEmail is the nearest e-mail step before position pos (1-based).
func previousEmail(steps []crm.SequenceStep, pos int) *crm.SequenceStep {
	for i := pos - 2; i >= 0; i-- {
		if steps[i].Kind == crm.StepEmail {
			return &steps[i]
		}
	}
	return nil
}

// CreateSequence saves a new draft with its steps.
func (a *App) CreateSequence(ctx context.Context, ac Actor, q crm.Sequence) (crm.Sequence, error) {
	if err := ac.require(crm.PermWriteMarketing); err != nil {
		return q, err
	}
	q.Status, q.CreatedBy = crm.SequenceDraft, ac.User.ID
	for i := range q.Steps {
		q.Steps[i].ID = 0
	}
	if err := a.checkSequence(ctx, &q); err != nil {
		return q, err
	}
	err := a.Store.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.CreateSequence(ctx, &q, a.now()); err != nil {
			return err
		}
		return tx.Audit(ctx, a.audit(ac, "sequence.create", sequenceLabel(q), ""))
	})
	return q, err
}

// UpdateSequence changes a sequence's settings and steps. Steps change
// only while it is a draft or paused; an active sequence keeps its steps
// (the given ones must then be the stored ones, unchanged).
func (a *App) UpdateSequence(ctx context.Context, ac Actor, q crm.Sequence) (crm.Sequence, error) {
	if err := ac.require(crm.PermWriteMarketing); err != nil {
		return q, err
	}
	old, err := a.Store.Sequence(ctx, q.ID)
	if err != nil {
		return q, err
	}
	q.Status = old.Status
	if err := a.checkSequence(ctx, &q); err != nil {
		return q, err
	}
	steps := q.Status.StepsEditable()
	if !steps && !sameSteps(old.Steps, q.Steps) {
		return q, crm.Invalid("steps", "pause the sequence before changing its steps")
	}
	err = a.Store.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.UpdateSequence(ctx, &q, steps, a.now()); err != nil {
			if errors.Is(err, crm.ErrNotFound) {
				return crm.Invalid("steps", "a step belongs to another sequence")
			}
			return err
		}
		return tx.Audit(ctx, a.audit(ac, "sequence.update", sequenceLabel(q), ""))
	})
	if err != nil {
		return q, err
	}
	return a.Store.Sequence(ctx, q.ID)
}

func sameSteps(a, b []crm.SequenceStep) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		x, y := a[i], b[i]
		x.ID, y.ID, x.Position, y.Position = 0, 0, 0, 0
		if x != y {
			return false
		}
	}
	return true
}

// DeleteSequence removes a draft.
func (a *App) DeleteSequence(ctx context.Context, ac Actor, id int64) error {
	if err := ac.require(crm.PermWriteMarketing); err != nil {
		return err
	}
	return a.Store.InTx(ctx, func(tx *store.Tx) error {
		q, err := tx.Sequence(ctx, id)
		if err != nil {
			return err
		}
		if err := tx.DeleteSequence(ctx, id); errors.Is(err, crm.ErrConflict) {
			return crm.Invalid("status", "only drafts can be deleted; archive it instead")
		} else if err != nil {
			return err
		}
		return tx.Audit(ctx, a.audit(ac, "sequence.delete", sequenceLabel(q), ""))
	})
}

// ActivateSequence starts (or resumes) a sequence: it needs at least one
// step, valid steps, and sending set up when it has e-mail steps.
func (a *App) ActivateSequence(ctx context.Context, ac Actor, id int64) (crm.Sequence, error) {
	if err := ac.require(crm.PermWriteMarketing); err != nil {
		return crm.Sequence{}, err
	}
	q, err := a.Store.Sequence(ctx, id)
	if err != nil {
		return q, err
	}
	if err := a.checkSequence(ctx, &q); err != nil {
		return q, err
	}
	if len(q.Steps) == 0 {
		return q, crm.Invalid("steps", "add at least one step")
	}
	for _, st := range q.Steps {
		if st.Kind == crm.StepEmail {
			if err := a.CheckSendingReady(ctx); err != nil {
				return q, err
			}
			break
		}
	}
	err = a.Store.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.SetSequenceStatus(ctx, id, []crm.SequenceStatus{crm.SequenceDraft, crm.SequencePaused}, crm.SequenceActive, a.now()); err != nil {
			if errors.Is(err, crm.ErrConflict) {
				return crm.Invalid("status", "the sequence is already active or archived")
			}
			return err
		}
		return tx.Audit(ctx, a.audit(ac, "sequence.activate", sequenceLabel(q), ""))
	})
	if err != nil {
		return q, err
	}
	a.wakeSender()
	return a.Store.Sequence(ctx, id)
}

// PauseSequence stops advancing a sequence; enrolments wait where they are.
func (a *App) PauseSequence(ctx context.Context, ac Actor, id int64) error {
	return a.moveSequence(ctx, ac, id, "sequence.pause", []crm.SequenceStatus{crm.SequenceActive}, crm.SequencePaused)
}

// ArchiveSequence ends a sequence for good: its active enrolments exit.
func (a *App) ArchiveSequence(ctx context.Context, ac Actor, id int64) error {
	return a.moveSequence(ctx, ac, id, "sequence.archive", []crm.SequenceStatus{crm.SequenceDraft, crm.SequenceActive,
		crm.SequencePaused}, crm.SequenceArchived)
}

func (a *App) moveSequence(ctx context.Context, ac Actor, id int64, action string, from []crm.SequenceStatus, to crm.SequenceStatus) error {
	if err := ac.require(crm.PermWriteMarketing); err != nil {
		return err
	}
	return a.Store.InTx(ctx, func(tx *store.Tx) error {
		q, err := tx.Sequence(ctx, id)
		if err != nil {
			return err
		}
		now := a.now()
		if err := tx.SetSequenceStatus(ctx, id, from, to, now); errors.Is(err, crm.ErrConflict) {
			return crm.Invalid("status", "not possible in the sequence's current state")
		} else if err != nil {
			return err
		}
		if to == crm.SequenceArchived {
			if err := tx.ArchiveEnrolments(ctx, id, now); err != nil {
				return err
			}
		}
		return tx.Audit(ctx, a.audit(ac, action, sequenceLabel(q), ""))
	})
}

// EnrolResult says what became of the contacts given to EnrolContacts.
type EnrolResult struct {
	Enrolled int `json:"enrolled"` // new enrolments (holdout included)
	Holdout  int `json:"holdout"`  // of those, held out
	Already  int `json:"already"`  // were enrolled before (a contact goes through a sequence once)
}

// EnrolContacts enrols contacts by hand in a draft, active or paused
// sequence. Every contact must exist and be visible to the actor.
func (a *App) EnrolContacts(ctx context.Context, ac Actor, sequenceID int64, contactIDs []int64) (EnrolResult, error) {
	var res EnrolResult
	if err := ac.require(crm.PermWriteMarketing); err != nil {
		return res, err
	}
	ids := uniqueIDs(contactIDs)
	switch {
	case len(ids) == 0:
		return res, crm.Invalid("contact_ids", "choose at least one contact")
	case len(ids) > MaxEnrolAtOnce:
		return res, crm.Invalid("contact_ids", fmt.Sprintf("enrol at most %d contacts at once", MaxEnrolAtOnce))
	}
	q, err := a.Store.Sequence(ctx, sequenceID)
	if err != nil {
		return res, err
	}
	if q.Status == crm.SequenceArchived {
		return res, crm.Invalid("status", "an archived sequence takes no new contacts")
	}
	err = a.Store.InTx(ctx, func(tx *store.Tx) error {
		res = EnrolResult{}
		for _, id := range ids {
			c, err := tx.Contact(ctx, id)
			if errors.Is(err, crm.ErrNotFound) {
				return crm.Invalid("contact_ids", "one of the contacts does not exist")
			}
			if err != nil {
				return err
			}
			if err := a.canSeeContact(ctx, ac, c); errors.Is(err, crm.ErrNotFound) || errors.Is(err, crm.ErrForbidden) {
				return crm.Invalid("contact_ids", "one of the contacts does not exist")
			} else if err != nil {
				return err
			}
		}
		added, holdout, err := a.enrolTx(ctx, tx, q, ids, EnrolByHand)
		if err != nil {
			return err
		}
		res.Enrolled, res.Holdout, res.Already = added, holdout, len(ids)-added
		return tx.Audit(ctx, a.audit(ac, "sequence.enrol", sequenceLabel(q), strconv.Itoa(added)+" enrolled"))
	})
	if err == nil && res.Enrolled > 0 {
		a.wakeSender()
	}
	return res, err
}

func uniqueIDs(ids []int64) []int64 {
	out := []int64{}
	seen := map[int64]bool{}
	for _, id := range ids {
		if id > 0 && !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}

// enrolTx enrols contacts, marking the holdout share; it returns how many
// were new and how many of those are held out.
func (a *App) enrolTx(ctx context.Context, tx *store.Tx, q crm.Sequence, ids []int64, source string) (int, int, error) {
	es := make([]store.NewEnrolment, len(ids))
	hold := map[int64]bool{}
	for i, id := range ids {
		h := crm.SequenceHoldout(q.ID, id, q.HoldoutPct)
		es[i] = store.NewEnrolment{ContactID: id, Holdout: h}
		hold[id] = h
	}
	added, err := tx.Enrol(ctx, q.ID, es, source, a.now())
	if err != nil {
		return 0, 0, err
	}
	n := 0
	for _, id := range added {
		if hold[id] {
			n++
		}
	}
	return len(added), n, nil
}

// enrolFromForm enrols a contact who has just submitted a form in the
// active sequences that take that form's submitters. It runs after the
// submission committed; errors are logged, never shown to the visitor.
func (a *App) enrolFromForm(ctx context.Context, formID, contactID int64) {
	if formID == 0 || contactID == 0 {
		return
	}
	ids, err := a.Store.ActiveSequencesForForm(ctx, formID)
	if err != nil || len(ids) == 0 {
		if err != nil {
			a.Log.Error("sequences: enrol after a form", "form", formID, "err", err)
		}
		return
	}
	for _, id := range ids {
		q, err := a.Store.Sequence(ctx, id)
		if err != nil {
			a.Log.Error("sequences: enrol after a form", "sequence", id, "err", err)
			continue
		}
		err = a.Store.InTx(ctx, func(tx *store.Tx) error {
			_, _, err := a.enrolTx(ctx, tx, q, []int64{contactID}, EnrolByForm)
			return err
		})
		if err != nil {
			a.Log.Error("sequences: enrol after a form", "sequence", id, "err", err)
		}
	}
	a.wakeSender()
}

// exitSequences ends a contact's active enrolments in the sequences with
// the exit rule on, inside the transaction of the event (a reply, an MQL,
// an unsubscribe, a new deal), so the exit is as prompt as the event.
func (a *App) exitSequences(ctx context.Context, tx *store.Tx, contactID int64, rule, reason string) error {
	if contactID == 0 {
		return nil
	}
	_, err := tx.ExitEnrolments(ctx, contactID, rule, reason, a.now())
	return err
}

// ExitEnrolment takes a contact out of a sequence by hand.
func (a *App) ExitEnrolment(ctx context.Context, ac Actor, sequenceID, contactID int64) error {
	if err := ac.require(crm.PermWriteMarketing); err != nil {
		return err
	}
	return a.Store.InTx(ctx, func(tx *store.Tx) error {
		q, err := tx.Sequence(ctx, sequenceID)
		if err != nil {
			return err
		}
		if _, err := tx.ExitEnrolmentOf(ctx, sequenceID, contactID, crm.ExitManual, a.now()); err != nil {
			return err
		}
		return tx.Audit(ctx, a.audit(ac, "sequence.exit", sequenceLabel(q), "contact "+strconv.FormatInt(contactID, 10)))
	})
}

// ContactSequences lists a contact's enrolments (the contact page).
func (a *App) ContactSequences(ctx context.Context, ac Actor, contactID int64) ([]crm.Enrolment, error) {
	if _, err := a.Contact(ctx, ac, contactID); err != nil {
		return nil, err
	}
	return a.Store.ContactEnrolments(ctx, contactID)
}

// SequenceEnrolments lists the newest enrolments of a sequence.
func (a *App) SequenceEnrolments(ctx context.Context, ac Actor, id int64) ([]crm.Enrolment, error) {
	if err := ac.require(crm.PermReadAll); err != nil {
		return nil, err
	}
	return a.Store.SequenceEnrolments(ctx, id, 15)
}

// ---- the engine's tick ----

// sequenceLease is how long an engine holds claimed enrolments.
const sequenceLease = 2 * time.Minute

// segmentEnrolEvery is how often an engine walks the enrolment segments.
const segmentEnrolEvery = time.Minute

// TickSequences enrols new segment matches (withSegments) and advances
// every due enrolment, as worker. The engine calls it every couple of
// seconds; tests call it with the clock where they want it. It returns the
// number of enrolments advanced.
func (a *App) TickSequences(ctx context.Context, worker string, withSegments bool) (int, error) {
	if withSegments {
		if err := a.enrolFromSegments(ctx); err != nil {
			return 0, err
		}
	}
	total := 0
	cache := map[int64]*crm.Sequence{}
	var env *store.SegmentEnv
	for round := 0; round < 20 && ctx.Err() == nil; round++ {
		now := a.now()
		es, err := a.Store.ClaimEnrolments(ctx, worker, 100, now, sequenceLease)
		if err != nil {
			return total, err
		}
		if len(es) == 0 {
			break
		}
		if env == nil {
			e, err := a.segmentEnv(ctx, nil)
			if err != nil {
				return total, err
			}
			env = &e
		}
		for _, e := range es {
			q := cache[e.SequenceID]
			if q == nil {
				s, err := a.Store.Sequence(ctx, e.SequenceID)
				if err != nil {
					return total, err
				}
				q = &s
				cache[e.SequenceID] = q
			}
			err := a.advance(ctx, worker, *q, e, *env)
			if errors.Is(err, crm.ErrConflict) {
				continue // the lease ran out and another process took it
			}
			if err != nil {
				a.Log.Warn("sequences: advance", "enrolment", e.ID, "err", err)
				continue
			}
			total++
		}
	}
	if total > 0 {
		a.wakeSender()
	}
	return total, nil
}

// enrolFromSegments enrols the contacts of the active sequences'
// segments who are not enrolled yet.
func (a *App) enrolFromSegments(ctx context.Context) error {
	qs, err := a.Store.Sequences(ctx, crm.SequenceActive)
	if err != nil {
		return err
	}
	var env *store.SegmentEnv
	for _, q := range qs {
		if q.SegmentID == 0 {
			continue
		}
		if env == nil {
			e, err := a.segmentEnv(ctx, nil)
			if err != nil {
				return err
			}
			env = &e
		}
		err := a.walkSegment(ctx, *env, q.SegmentID, func(ids []int64) error {
			have, err := a.Store.EnrolledOf(ctx, q.ID, ids)
			if err != nil {
				return err
			}
			var fresh []int64
			for _, id := range ids {
				if !have[id] {
					fresh = append(fresh, id)
				}
			}
			if len(fresh) == 0 {
				return nil
			}
			return a.Store.InTx(ctx, func(tx *store.Tx) error {
				_, _, err := a.enrolTx(ctx, tx, q, fresh, EnrolBySegment)
				return err
			})
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// exitReasonOf says why an enrolment must end now ("" = it goes on).
func exitReasonOf(q crm.Sequence, f store.ExitFacts) string {
	switch {
	case q.ExitOnReply && f.Replied:
		return crm.ExitReplied
	case q.ExitOnUnsubscribe && f.Unsubscribed:
		return crm.ExitUnsubscribed
	case q.ExitOnMQL && stageRank(f.Lifecycle) >= stageRank(crm.StageMQL) && f.Lifecycle != crm.StageDisqualified:
		return crm.ExitMQL
	case q.ExitOnDeal && f.DealCreated:
		return crm.ExitDeal
	}
	return ""
}

// maxStepsPerAdvance bounds one advance (steps only go forward, so a
// sequence ends within its number of steps anyway).
const maxStepsPerAdvance = crm.MaxSequenceSteps + 1

// advance runs an enrolment's due steps until a wait or the end, in one
// transaction that also releases the claim: if the lease was lost, nothing
// of it is kept (crm.ErrConflict).
func (a *App) advance(ctx context.Context, worker string, q crm.Sequence, e crm.Enrolment, env store.SegmentEnv) error {
	now := a.now()
	facts, err := a.Store.ExitFactsOf(ctx, e.ContactID, e.EnrolledAt)
	if err != nil || !facts.Found {
		return err
	}
	mailable, err := a.mailable(ctx, e.ContactID, facts, q.Topic)
	if err != nil {
		return err
	}
	// The walk decides the path first, reading the conditions outside
	// the write transaction; the transaction then does the steps' writes.
	type plan struct {
		kind string
		st   crm.SequenceStep
	}
	var steps []plan
	pos := e.Position
	status, reason := crm.EnrolActive, exitReasonOf(q, facts)
	next := now
	for i := 0; i < maxStepsPerAdvance && reason == ""; i++ {
		if pos < 1 || pos > len(q.Steps) {
			status = crm.EnrolCompleted
			break
		}
		st := q.Steps[pos-1]
		switch st.Kind {
		case crm.StepWait:
			pos++
			next = now.Add(st.Wait())
			i = maxStepsPerAdvance // stop here
			continue
		case crm.StepCondition:
			ok, err := a.condition(ctx, q, st, e.ContactID, env)
			if err != nil {
				return err
			}
			target := st.Else
			if ok {
				target = st.Then
			}
			switch {
			case target == crm.GoExit:
				reason = crm.ExitCondition
			case target == crm.GoNext || target <= pos:
				pos++
			default:
				pos = target
			}
			continue
		}
		steps = append(steps, plan{kind: st.Kind, st: st})
		pos++
	}
	if reason != "" {
		status = crm.EnrolExited
	}
	if status == crm.EnrolActive && pos > len(q.Steps) && next.Equal(now) {
		status = crm.EnrolCompleted
	}
	return a.Store.InTx(ctx, func(tx *store.Tx) error {
		for _, p := range steps {
			var err error
			switch p.kind {
			case crm.StepEmail:
				err = a.queueStepEmail(ctx, tx, p.st, e.ContactID, facts.Email, mailable, now)
			case crm.StepTask:
				err = a.stepTask(ctx, tx, q, p.st, e.ContactID, facts.OwnerID, now)
			case crm.StepProperty:
				err = a.stepProperty(ctx, tx, p.st, e.ContactID, now)
			}
			if err != nil {
				return err
			}
		}
		e.Position, e.NextAt, e.Status, e.ExitReason = pos, next, status, reason
		if status != crm.EnrolActive {
			e.ExitedAt = now
		}
		return tx.SaveEnrolment(ctx, worker, e)
	})
}

// mailable reports whether a contact may get the sequence's marketing
// mail now: an address, consent, not suppressed, not opted out of the topic.
func (a *App) mailable(ctx context.Context, contactID int64, f store.ExitFacts, topic string) (bool, error) {
	if f.Email == "" || f.Consent != crm.ConsentGranted {
		return false, nil
	}
	h := EmailHash(f.Email)
	sup, err := a.Store.SuppressedHashes(ctx, []string{h})
	if _, suppressed := sup[h]; err != nil || suppressed {
		return false, err
	}
	if topic != "" {
		out, err := a.Store.TopicOptedOut(ctx, topic, []int64{contactID})
		if err != nil || out[contactID] {
			return false, err
		}
	}
	return true, nil
}

// condition evaluates a condition step for one contact now. Segments and
// the behaviour conditions go through the segment SQL for one contact
// (DESIGN.md §7: evaluated when read).
func (a *App) condition(ctx context.Context, q crm.Sequence, st crm.SequenceStep, contactID int64, env store.SegmentEnv) (bool, error) {
	switch st.Cond {
	case crm.CondOpened, crm.CondClicked:
		prev := previousEmail(q.Steps, st.Position)
		if prev == nil {
			return false, nil
		}
		kind := "open"
		if st.Cond == crm.CondClicked {
			kind = "click"
		}
		return a.Store.ContactEmailEvent(ctx, contactID, SourceSequence, prev.ID, kind)
	case crm.CondSegment:
		g, err := a.Store.Segment(ctx, st.SegmentID)
		if errors.Is(err, crm.ErrNotFound) {
			return false, nil // deleted since: nobody is in it
		}
		if err != nil {
			return false, err
		}
		return a.Store.SegmentHas(ctx, g, env, contactID)
	case crm.CondVisited:
		return a.Store.SegmentHas(ctx, oneCondition(crm.SegmentCondition{Field: "visited_path", Op: crm.SegOpPrefix,
			Value: st.CondValue, Days: st.CondDays}), env, contactID)
	case crm.CondScore:
		return a.Store.SegmentHas(ctx, oneCondition(crm.SegmentCondition{Field: "engagement_score", Op: crm.SegOpGte,
			Value: st.CondValue}), env, contactID)
	}
	return false, nil
}

func oneCondition(c crm.SegmentCondition) crm.Segment {
	return crm.Segment{Kind: crm.SegmentDynamic, Filter: crm.SegmentGroup{Match: crm.MatchAll, Conditions: []crm.SegmentCondition{c}}}
}

// queueStepEmail writes the outbox row of an e-mail step: queued for a
// mailable contact, "suppressed" (never sent, counted in the step's
// report) for one who is not; nothing for a contact without an address.
func (a *App) queueStepEmail(ctx context.Context, tx *store.Tx, st crm.SequenceStep, contactID int64, email string, mailable bool, now time.Time) error {
	if email == "" {
		return nil
	}
	status := store.MsgQueued
	if !mailable {
		status = store.MsgSuppressed
	}
	_, err := tx.QueueSequenceMessage(ctx, store.OutboxRow{SourceType: SourceSequence, SourceID: st.ID, ContactID: contactID,
		Email: email, Status: status, NextAt: now}, now)
	return err
}

// stepTask creates the sales task of a step for the contact's owner (the
// sequence's author when the contact has none), due in N business days.
func (a *App) stepTask(ctx context.Context, tx *store.Tx, q crm.Sequence, st crm.SequenceStep, contactID, ownerID int64, now time.Time) error {
	if ownerID == 0 {
		ownerID = q.CreatedBy
	}
	if ownerID == 0 {
		return nil
	}
	ws, _, err := a.Workspace(ctx)
	if err != nil {
		return err
	}
	due := ws.Calendar().AddBusinessDays(now.In(ws.Location()), st.TaskDays).UTC().Truncate(time.Millisecond)
	t := crm.Task{Title: st.TaskTitle, Notes: q.Name, DueAt: due, OwnerID: ownerID, ContactID: contactID, RemindMinutes: -1,
		CreatedBy: q.CreatedBy}
	t.Normalize()
	return tx.CreateTask(ctx, &t, now)
}

// stepProperty sets a custom property of the contact.
func (a *App) stepProperty(ctx context.Context, tx *store.Tx, st crm.SequenceStep, contactID int64, now time.Time) error {
	c, err := tx.Contact(ctx, contactID)
	if err != nil {
		return err
	}
	props, err := a.checkProps(ctx, "contact", c.Props, map[string]any{st.PropKey: st.PropValue})
	if err != nil {
		if _, ok := crm.AsValidation(err); ok {
			return nil // the property changed type since: skip the step
		}
		return err
	}
	old := c
	c.Props = props
	if err := tx.UpdateContact(ctx, &c, now); err != nil {
		return err
	}
	if changes := contactChanges(old, c); len(changes) > 0 {
		return tx.AddTimeline(ctx, &store.TimelineEntry{At: now, ContactID: c.ID, Kind: KindUpdated,
			Data: map[string]any{"changes": changes}})
	}
	return nil
}

// sequenceSource builds the message source of a sequence's e-mail step:
// the step's content with the sequence's sender settings.
func (a *App) sequenceSource(ctx context.Context, stepID int64) (crm.Broadcast, error) {
	q, st, err := a.Store.SequenceStep(ctx, stepID)
	if err != nil {
		return crm.Broadcast{}, err
	}
	if st.Kind != crm.StepEmail {
		return crm.Broadcast{}, fmt.Errorf("step %d is not an e-mail", stepID)
	}
	return crm.Broadcast{Name: q.Name, Subject: st.Subject, HTML: st.HTML, TemplateID: st.TemplateID, FromName: q.FromName,
		AsOwner: q.AsOwner, Topic: q.Topic}, nil
}

// SequenceCounts counts a sequence's enrolments by state (the list page).
func (a *App) SequenceCounts(ctx context.Context, ac Actor, id int64) (store.EnrolmentCounts, error) {
	if err := ac.require(crm.PermReadAll); err != nil {
		return store.EnrolmentCounts{}, err
	}
	return a.Store.SequenceEnrolmentCounts(ctx, id)
}
