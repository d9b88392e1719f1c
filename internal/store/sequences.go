package store

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"strings"
	"time"

	"renkei/internal/crm"
)

// Sequences (migration 0023): the sequences with their steps, and the
// enrolments the engine advances.

const sequenceCols = `id, name, status, topic, from_name, as_owner, holdout_pct, exit_reply, exit_mql, exit_unsub, exit_deal,
	COALESCE(segment_id, 0), COALESCE(form_id, 0), COALESCE(created_by, 0), created_at, updated_at, activated_at, version`

func scanSequence(sc interface{ Scan(...any) error }) (crm.Sequence, error) {
	var q crm.Sequence
	var status string
	var asOwner, reply, mql, unsub, deal int
	var created, updated int64
	var activated sql.NullInt64
	err := sc.Scan(&q.ID, &q.Name, &status, &q.Topic, &q.FromName, &asOwner, &q.HoldoutPct, &reply, &mql, &unsub, &deal,
		&q.SegmentID, &q.FormID, &q.CreatedBy, &created, &updated, &activated, &q.Version)
	if errors.Is(err, sql.ErrNoRows) {
		return q, crm.ErrNotFound
	}
	q.Status = crm.SequenceStatus(status)
	q.AsOwner, q.ExitOnReply, q.ExitOnMQL, q.ExitOnUnsubscribe, q.ExitOnDeal = asOwner == 1, reply == 1, mql == 1, unsub == 1, deal == 1
	q.CreatedAt, q.UpdatedAt, q.ActivatedAt = fromMS(created), fromMS(updated), fromNullMS(activated)
	return q, err
}

const stepCols = `id, position, kind, subject, html, COALESCE(template_id, 0), wait_days, wait_hours, cond, cond_value, cond_days,
	COALESCE(segment_id, 0), then_step, else_step, task_title, task_days, prop_key, prop_value`

func scanStep(sc interface{ Scan(...any) error }) (crm.SequenceStep, error) {
	var st crm.SequenceStep
	err := sc.Scan(&st.ID, &st.Position, &st.Kind, &st.Subject, &st.HTML, &st.TemplateID, &st.WaitDays, &st.WaitHours,
		&st.Cond, &st.CondValue, &st.CondDays, &st.SegmentID, &st.Then, &st.Else, &st.TaskTitle, &st.TaskDays, &st.PropKey, &st.PropValue)
	return st, err
}

// CreateSequence inserts a sequence with its steps and sets the ids.
func (tx *Tx) CreateSequence(ctx context.Context, q *crm.Sequence, now time.Time) error {
	q.CreatedAt, q.UpdatedAt, q.Version = now, now, 1
	err := tx.q().QueryRowContext(ctx, `INSERT INTO sequences (name, status, topic, from_name, as_owner, holdout_pct,
		exit_reply, exit_mql, exit_unsub, exit_deal, segment_id, form_id, created_by, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $14) RETURNING id`,
		q.Name, string(q.Status), q.Topic, q.FromName, boolInt(q.AsOwner), q.HoldoutPct, boolInt(q.ExitOnReply),
		boolInt(q.ExitOnMQL), boolInt(q.ExitOnUnsubscribe), boolInt(q.ExitOnDeal), nullID(q.SegmentID), nullID(q.FormID),
		nullID(q.CreatedBy), ms(now)).Scan(&q.ID)
	if err != nil {
		return err
	}
	return tx.replaceSteps(ctx, q)
}

// UpdateSequence writes a sequence's settings and, when steps is true, its
// steps, if its version matches (crm.ErrStale otherwise).
func (tx *Tx) UpdateSequence(ctx context.Context, q *crm.Sequence, steps bool, now time.Time) error {
	res, err := tx.q().ExecContext(ctx, `UPDATE sequences SET name = $1, topic = $2, from_name = $3, as_owner = $4,
		holdout_pct = $5, exit_reply = $6, exit_mql = $7, exit_unsub = $8, exit_deal = $9, segment_id = $10, form_id = $11,
		updated_at = $12, version = version + 1 WHERE id = $13 AND version = $14`,
		q.Name, q.Topic, q.FromName, boolInt(q.AsOwner), q.HoldoutPct, boolInt(q.ExitOnReply), boolInt(q.ExitOnMQL),
		boolInt(q.ExitOnUnsubscribe), boolInt(q.ExitOnDeal), nullID(q.SegmentID), nullID(q.FormID), ms(now), q.ID, q.Version)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return crm.ErrStale
	}
	q.Version++
	q.UpdatedAt = now
	if !steps {
		return nil
	}
	return tx.replaceSteps(ctx, q)
}

// replaceSteps writes the steps in order: a step with an id of this
// sequence is updated in place (so its outbox rows and report stay with
// it), one without is inserted, and stored steps not in the list are
// deleted. An id of another sequence is crm.ErrNotFound.
func (tx *Tx) replaceSteps(ctx context.Context, q *crm.Sequence) error {
	rows, err := tx.q().QueryContext(ctx, "SELECT id FROM sequence_steps WHERE sequence_id = $1", q.ID)
	if err != nil {
		return err
	}
	have := map[int64]bool{}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return err
		}
		have[id] = true
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	keep := map[int64]bool{}
	for i := range q.Steps {
		st := &q.Steps[i]
		st.Position = i + 1
		args := []any{st.Position, st.Kind, st.Subject, st.HTML, nullID(st.TemplateID), st.WaitDays, st.WaitHours, st.Cond,
			st.CondValue, st.CondDays, nullID(st.SegmentID), st.Then, st.Else, st.TaskTitle, st.TaskDays, st.PropKey, st.PropValue, q.ID}
		if st.ID != 0 {
			if !have[st.ID] {
				return crm.ErrNotFound
			}
			keep[st.ID] = true
			_, err := tx.q().ExecContext(ctx, `UPDATE sequence_steps SET position = $1, kind = $2, subject = $3, html = $4,
				template_id = $5, wait_days = $6, wait_hours = $7, cond = $8, cond_value = $9, cond_days = $10, segment_id = $11,
				then_step = $12, else_step = $13, task_title = $14, task_days = $15, prop_key = $16, prop_value = $17
				WHERE sequence_id = $18 AND id = $19`, append(args, st.ID)...)
			if err != nil {
				return err
			}
			continue
		}
		if err := tx.q().QueryRowContext(ctx, `INSERT INTO sequence_steps (position, kind, subject, html, template_id, wait_days,
			wait_hours, cond, cond_value, cond_days, segment_id, then_step, else_step, task_title, task_days, prop_key, prop_value,
			sequence_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18) RETURNING id`,
			args...).Scan(&st.ID); err != nil {
			return err
		}
		keep[st.ID] = true
	}
	for id := range have {
		if !keep[id] {
			if _, err := tx.q().ExecContext(ctx, "DELETE FROM sequence_steps WHERE id = $1", id); err != nil {
				return err
			}
		}
	}
	return nil
}

// SetSequenceStatus moves a sequence from one of the states in from to to
// (crm.ErrConflict when it is in another state).
func (tx *Tx) SetSequenceStatus(ctx context.Context, id int64, from []crm.SequenceStatus, to crm.SequenceStatus, now time.Time) error {
	args := []any{string(to), ms(now), id}
	ph := make([]string, len(from))
	for i, s := range from {
		args = append(args, string(s))
		ph[i] = "$" + strconv.Itoa(len(args))
	}
	res, err := tx.q().ExecContext(ctx, `UPDATE sequences SET status = $1, updated_at = $2, version = version + 1,
		activated_at = CASE WHEN $1 = 'active' AND activated_at IS NULL THEN $2 ELSE activated_at END
		WHERE id = $3 AND status IN (`+strings.Join(ph, ", ")+`)`, args...)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return crm.ErrConflict
	}
	return nil
}

// DeleteSequence removes a draft sequence.
func (tx *Tx) DeleteSequence(ctx context.Context, id int64) error {
	res, err := tx.q().ExecContext(ctx, "DELETE FROM sequences WHERE id = $1 AND status = 'draft'", id)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return crm.ErrConflict
	}
	return nil
}

// Sequence reads one sequence with its steps.
func (s *Store) Sequence(ctx context.Context, id int64) (crm.Sequence, error) {
	return readSequence(ctx, s.r(), id)
}

// Sequence reads one sequence with its steps inside a transaction.
func (tx *Tx) Sequence(ctx context.Context, id int64) (crm.Sequence, error) {
	return readSequence(ctx, tx.q(), id)
}

func readSequence(ctx context.Context, q querier, id int64) (crm.Sequence, error) {
	seq, err := scanSequence(q.QueryRowContext(ctx, "SELECT "+sequenceCols+" FROM sequences WHERE id = $1", id))
	if err != nil {
		return seq, err
	}
	rows, err := q.QueryContext(ctx, "SELECT "+stepCols+" FROM sequence_steps WHERE sequence_id = $1 ORDER BY position, id", id)
	if err != nil {
		return seq, err
	}
	defer rows.Close()
	seq.Steps = []crm.SequenceStep{}
	for rows.Next() {
		st, err := scanStep(rows)
		if err != nil {
			return seq, err
		}
		seq.Steps = append(seq.Steps, st)
	}
	return seq, rows.Err()
}

// SequenceStep reads one step and the sequence it belongs to (for the
// sender's message source).
func (s *Store) SequenceStep(ctx context.Context, stepID int64) (crm.Sequence, crm.SequenceStep, error) {
	var seqID int64
	err := s.r().QueryRowContext(ctx, "SELECT sequence_id FROM sequence_steps WHERE id = $1", stepID).Scan(&seqID)
	if errors.Is(err, sql.ErrNoRows) {
		return crm.Sequence{}, crm.SequenceStep{}, crm.ErrNotFound
	}
	if err != nil {
		return crm.Sequence{}, crm.SequenceStep{}, err
	}
	seq, err := s.Sequence(ctx, seqID)
	if err != nil {
		return seq, crm.SequenceStep{}, err
	}
	for _, st := range seq.Steps {
		if st.ID == stepID {
			return seq, st, nil
		}
	}
	return seq, crm.SequenceStep{}, crm.ErrNotFound
}

// Sequences lists the sequences (without steps), newest first, at most 500;
// with status set, only those in that state.
func (s *Store) Sequences(ctx context.Context, status crm.SequenceStatus) ([]crm.Sequence, error) {
	q := "SELECT " + sequenceCols + " FROM sequences ORDER BY id DESC LIMIT 500"
	var args []any
	if status != "" {
		q = "SELECT " + sequenceCols + " FROM sequences WHERE status = $1 ORDER BY id DESC LIMIT 500"
		args = append(args, string(status))
	}
	rows, err := s.r().QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []crm.Sequence{}
	for rows.Next() {
		seq, err := scanSequence(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, seq)
	}
	return out, rows.Err()
}

// ActiveSequencesForForm lists the active sequences that enrol the
// submitters of a form.
func (s *Store) ActiveSequencesForForm(ctx context.Context, formID int64) ([]int64, error) {
	rows, err := s.r().QueryContext(ctx, "SELECT id FROM sequences WHERE status = 'active' AND form_id = $1 ORDER BY id", formID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

// NewEnrolment is a contact to enrol.
type NewEnrolment struct {
	ContactID int64
	Holdout   bool
}

// Enrol inserts enrolments of contacts in a sequence, skipping those
// already enrolled (the unique key: a contact goes through a sequence
// once), and returns the contact ids that were new. Holdout rows are
// completed at once: they get nothing.
func (tx *Tx) Enrol(ctx context.Context, sequenceID int64, es []NewEnrolment, source string, now time.Time) ([]int64, error) {
	var added []int64
	for _, e := range es {
		status, exited := crm.EnrolActive, sql.NullInt64{}
		if e.Holdout {
			status = crm.EnrolCompleted
		}
		res, err := tx.q().ExecContext(ctx, `INSERT INTO sequence_enrolments (sequence_id, contact_id, holdout, position, next_at,
			status, source, enrolled_at, exited_at) VALUES ($1, $2, $3, 1, $4, $5, $6, $4, $7)
			ON CONFLICT (sequence_id, contact_id) DO NOTHING`,
			sequenceID, e.ContactID, boolInt(e.Holdout), ms(now), status, source, exited)
		if err != nil {
			return added, err
		}
		if n, _ := res.RowsAffected(); n > 0 {
			added = append(added, e.ContactID)
		}
	}
	return added, nil
}

// EnrolledOf returns which of the contacts are already enrolled in the sequence.
func (s *Store) EnrolledOf(ctx context.Context, sequenceID int64, ids []int64) (map[int64]bool, error) {
	out := map[int64]bool{}
	if len(ids) == 0 {
		return out, nil
	}
	rows, err := s.r().QueryContext(ctx, "SELECT contact_id FROM sequence_enrolments WHERE sequence_id = $1 AND contact_id IN ("+
		idList(ids)+")", sequenceID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out[id] = true
	}
	return out, rows.Err()
}

const enrolmentCols = `e.id, e.sequence_id, e.contact_id, e.holdout, e.position, e.next_at, e.status, e.exit_reason, e.source,
	e.enrolled_at, e.exited_at`

func scanEnrolment(sc interface{ Scan(...any) error }, extra ...any) (crm.Enrolment, error) {
	var e crm.Enrolment
	var holdout int
	var next, enrolled int64
	var exited sql.NullInt64
	err := sc.Scan(append([]any{&e.ID, &e.SequenceID, &e.ContactID, &holdout, &e.Position, &next, &e.Status, &e.ExitReason,
		&e.Source, &enrolled, &exited}, extra...)...)
	if errors.Is(err, sql.ErrNoRows) {
		return e, crm.ErrNotFound
	}
	e.Holdout, e.NextAt, e.EnrolledAt, e.ExitedAt = holdout == 1, fromMS(next), fromMS(enrolled), fromNullMS(exited)
	return e, err
}

// ClaimEnrolments leases up to n due active enrolments of active sequences
// to worker until now+lease. PostgreSQL skips rows another process is
// claiming; SQLite's single writer serialises claims.
func (s *Store) ClaimEnrolments(ctx context.Context, worker string, n int, now time.Time, lease time.Duration) ([]crm.Enrolment, error) {
	q := `UPDATE sequence_enrolments SET claimed_by = $1, claimed_until = $2
		WHERE id IN (
			SELECT id FROM sequence_enrolments
			WHERE status = 'active' AND next_at <= $3 AND claimed_until < $3
				AND sequence_id IN (SELECT id FROM sequences WHERE status = 'active')
			ORDER BY next_at, id LIMIT ` + strconv.Itoa(n) + s.d.skipLocked() + `)
		RETURNING id, sequence_id, contact_id, holdout, position, next_at, status, exit_reason, source, enrolled_at, exited_at`
	rows, err := s.w().QueryContext(ctx, q, worker, ms(now.Add(lease)), ms(now))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []crm.Enrolment
	for rows.Next() {
		e, err := scanEnrolment(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// SaveEnrolment writes where an enrolment is and releases its lease, if
// worker still holds it (crm.ErrConflict otherwise: its lease ran out and
// another process took it over).
func (tx *Tx) SaveEnrolment(ctx context.Context, worker string, e crm.Enrolment) error {
	res, err := tx.q().ExecContext(ctx, `UPDATE sequence_enrolments SET position = $1, next_at = $2, status = $3, exit_reason = $4,
		exited_at = $5, claimed_by = '', claimed_until = 0
		WHERE id = $6 AND claimed_by = $7 AND status = 'active'`,
		e.Position, ms(e.NextAt), e.Status, e.ExitReason, nullMS(e.ExitedAt), e.ID, worker)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return crm.ErrConflict
	}
	return nil
}

// Exit rule columns of sequences, for ExitEnrolments.
const (
	ExitRuleReply = "exit_reply"
	ExitRuleMQL   = "exit_mql"
	ExitRuleUnsub = "exit_unsub"
	ExitRuleDeal  = "exit_deal"
)

// ExitEnrolments ends a contact's active enrolments in the sequences whose
// exit rule (one of the ExitRule columns; "" = every sequence) is on, and
// cancels the e-mails of those sequences still queued for the contact. It
// returns how many enrolments ended.
func (tx *Tx) ExitEnrolments(ctx context.Context, contactID int64, rule, reason string, now time.Time) (int, error) {
	seqs := "SELECT id FROM sequences"
	switch rule {
	case ExitRuleReply, ExitRuleMQL, ExitRuleUnsub, ExitRuleDeal:
		seqs += " WHERE " + rule + " = 1"
	case "":
	default:
		return 0, errors.New("store: unknown exit rule " + rule)
	}
	res, err := tx.q().ExecContext(ctx, `UPDATE sequence_enrolments SET status = 'exited', exit_reason = $1, exited_at = $2,
		claimed_by = '', claimed_until = 0
		WHERE contact_id = $3 AND status = 'active' AND sequence_id IN (`+seqs+`)`, reason, ms(now), contactID)
	if err != nil {
		return 0, err
	}
	n, _ := res.RowsAffected()
	if n == 0 {
		return 0, nil
	}
	_, err = tx.q().ExecContext(ctx, `UPDATE email_messages SET status = 'cancelled'
		WHERE contact_id = $1 AND source_type = 'sequence' AND status = 'queued' AND source_id IN (
			SELECT st.id FROM sequence_steps st JOIN sequence_enrolments e ON e.sequence_id = st.sequence_id
			WHERE e.contact_id = $1 AND e.status = 'exited')`, contactID)
	return int(n), err
}

// ArchiveEnrolments ends every active enrolment of a sequence.
func (tx *Tx) ArchiveEnrolments(ctx context.Context, sequenceID int64, now time.Time) error {
	_, err := tx.q().ExecContext(ctx, `UPDATE sequence_enrolments SET status = 'exited', exit_reason = $1, exited_at = $2
		WHERE sequence_id = $3 AND status = 'active'`, crm.ExitArchived, ms(now), sequenceID)
	return err
}

// QueueSequenceMessage inserts the outbox row of one e-mail step for one
// contact in the transaction that advances the enrolment; a row already
// there (the step ran before) is kept. It reports whether it was new.
func (tx *Tx) QueueSequenceMessage(ctx context.Context, r OutboxRow, now time.Time) (bool, error) {
	st := r.Status
	if st == "" {
		st = MsgQueued
	}
	res, err := tx.q().ExecContext(ctx, `INSERT INTO email_messages (source_type, source_id, variant, contact_id, email, status,
		next_at, queued_at) VALUES ($1, $2, '', $3, $4, $5, $6, $7) ON CONFLICT (source_type, source_id, contact_id) DO NOTHING`,
		r.SourceType, r.SourceID, r.ContactID, r.Email, st, ms(r.NextAt), ms(now))
	if err != nil {
		return false, err
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}

// ContactEmailEvent reports whether a contact has an email_events row of a
// kind for a source (opened or clicked a sequence step's e-mail); scanner
// clicks do not count.
func (s *Store) ContactEmailEvent(ctx context.Context, contactID int64, sourceType string, sourceID int64, kind string) (bool, error) {
	var one int
	err := s.r().QueryRowContext(ctx, `SELECT 1 FROM email_events WHERE contact_id = $1 AND source_type = $2 AND source_id = $3
		AND kind = $4 AND detail <> 'scanner' LIMIT 1`, contactID, sourceType, sourceID, kind).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return err == nil, err
}

// ExitFacts are what the exit rules look at for one contact since it was
// enrolled.
type ExitFacts struct {
	Replied      bool // a reply to any of our e-mails
	DealCreated  bool // a deal with the contact as primary contact or on it
	Unsubscribed bool // consent withdrawn or the address suppressed
	Lifecycle    crm.Lifecycle
	Email        string
	Consent      crm.Consent
	OwnerID      int64
	Found        bool
}

// ExitFactsOf reads the exit facts of a contact since a time.
func (s *Store) ExitFactsOf(ctx context.Context, contactID int64, since time.Time) (ExitFacts, error) {
	var f ExitFacts
	var email sql.NullString
	var stage, consent string
	var owner sql.NullInt64
	err := s.r().QueryRowContext(ctx, "SELECT email, lifecycle_stage, consent, owner_id FROM contacts WHERE id = $1", contactID).
		Scan(&email, &stage, &consent, &owner)
	if errors.Is(err, sql.ErrNoRows) {
		return f, nil
	}
	if err != nil {
		return f, err
	}
	f.Found, f.Email, f.Lifecycle, f.Consent, f.OwnerID = true, email.String, crm.Lifecycle(stage), crm.Consent(consent), owner.Int64
	var n int
	if err := s.r().QueryRowContext(ctx, `SELECT COUNT(*) FROM email_events WHERE contact_id = $1 AND kind = 'reply' AND at >= $2`,
		contactID, ms(since)).Scan(&n); err != nil {
		return f, err
	}
	f.Replied = n > 0
	if err := s.r().QueryRowContext(ctx, `SELECT COUNT(*) FROM deals d WHERE d.created_at >= $2 AND (d.contact_id = $1
		OR d.id IN (SELECT deal_id FROM deal_contacts WHERE contact_id = $1))`, contactID, ms(since)).Scan(&n); err != nil {
		return f, err
	}
	f.DealCreated = n > 0
	f.Unsubscribed = f.Consent == crm.ConsentWithdrawn
	return f, nil
}

// EnrolmentCounts are the enrolments of a sequence by state.
type EnrolmentCounts struct {
	Enrolled  int // not held out
	Holdout   int
	Active    int
	Completed int
	Exited    int
	ByReason  map[string]int
}

// SequenceEnrolmentCounts counts a sequence's enrolments.
func (s *Store) SequenceEnrolmentCounts(ctx context.Context, sequenceID int64) (EnrolmentCounts, error) {
	c := EnrolmentCounts{ByReason: map[string]int{}}
	rows, err := s.r().QueryContext(ctx, `SELECT holdout, status, exit_reason, COUNT(*) FROM sequence_enrolments
		WHERE sequence_id = $1 GROUP BY holdout, status, exit_reason`, sequenceID)
	if err != nil {
		return c, err
	}
	defer rows.Close()
	for rows.Next() {
		var holdout, n int
		var status, reason string
		if err := rows.Scan(&holdout, &status, &reason, &n); err != nil {
			return c, err
		}
		if holdout == 1 {
			c.Holdout += n
			continue
		}
		c.Enrolled += n
		switch status {
		case crm.EnrolActive:
			c.Active += n
		case crm.EnrolCompleted:
			c.Completed += n
		case crm.EnrolExited:
			c.Exited += n
			c.ByReason[reason] += n
		}
	}
	return c, rows.Err()
}

// ContactEnrolments lists a contact's enrolments with the sequences' names.
func (s *Store) ContactEnrolments(ctx context.Context, contactID int64) ([]crm.Enrolment, error) {
	rows, err := s.r().QueryContext(ctx, "SELECT "+enrolmentCols+", q.name FROM sequence_enrolments e "+
		"JOIN sequences q ON q.id = e.sequence_id WHERE e.contact_id = $1 ORDER BY e.enrolled_at DESC, e.id DESC LIMIT 100", contactID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []crm.Enrolment{}
	for rows.Next() {
		var name string
		e, err := scanEnrolment(rows, &name)
		if err != nil {
			return nil, err
		}
		e.SequenceName = name
		out = append(out, e)
	}
	return out, rows.Err()
}

// SequenceEnrolments lists the newest enrolments of a sequence (at most limit).
func (s *Store) SequenceEnrolments(ctx context.Context, sequenceID int64, limit int) ([]crm.Enrolment, error) {
	rows, err := s.r().QueryContext(ctx, "SELECT "+enrolmentCols+`, COALESCE(c.family_name, ''), COALESCE(c.given_name, ''),
		COALESCE(c.email, '') FROM sequence_enrolments e JOIN contacts c ON c.id = e.contact_id
		WHERE e.sequence_id = $1 ORDER BY e.enrolled_at DESC, e.id DESC LIMIT `+strconv.Itoa(limit), sequenceID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []crm.Enrolment{}
	for rows.Next() {
		var fam, giv, email string
		e, err := scanEnrolment(rows, &fam, &giv, &email)
		if err != nil {
			return nil, err
		}
		e.ContactEmail = email
		e.ContactName = strings.TrimSpace(fam + " " + giv)
		out = append(out, e)
	}
	return out, rows.Err()
}

// ExitEnrolmentOf ends one active enrolment (by hand) and cancels its
// queued e-mails; it reports whether there was one.
func (tx *Tx) ExitEnrolmentOf(ctx context.Context, sequenceID, contactID int64, reason string, now time.Time) (bool, error) {
	res, err := tx.q().ExecContext(ctx, `UPDATE sequence_enrolments SET status = 'exited', exit_reason = $1, exited_at = $2,
		claimed_by = '', claimed_until = 0 WHERE sequence_id = $3 AND contact_id = $4 AND status = 'active'`,
		reason, ms(now), sequenceID, contactID)
	if err != nil {
		return false, err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return false, nil
	}
	_, err = tx.q().ExecContext(ctx, `UPDATE email_messages SET status = 'cancelled' WHERE contact_id = $1
		AND source_type = 'sequence' AND status = 'queued'
		AND source_id IN (SELECT id FROM sequence_steps WHERE sequence_id = $2)`, contactID, sequenceID)
	return true, err
}

// sequenceMoveStmts move a merged-away contact's enrolments to the contact
// kept (MoveContactRecords), except in sequences the kept contact is
// already in: those go with the merged contact.
var sequenceMoveStmts = []string{
	`UPDATE sequence_enrolments SET contact_id = $2 WHERE contact_id = $1 AND NOT EXISTS
		(SELECT 1 FROM sequence_enrolments k WHERE k.contact_id = $2 AND k.sequence_id = sequence_enrolments.sequence_id)`,
}
