package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"renkei/internal/crm"
)

// ---- activities ----

const activityCols = `a.id, a.kind, a.side, a.subject, a.body, a.location, a.outcome, a.starts_at, a.ends_at,
	COALESCE(a.contact_id, 0), COALESCE(a.company_id, 0), COALESCE(a.deal_id, 0), COALESCE(a.owner_id, 0),
	COALESCE(a.created_by, 0), a.email_to, a.created_at, a.updated_at, a.version, COALESCE(u.name, ''),
	COALESCE(TRIM(c.family_name || ' ' || c.given_name), ''), COALESCE(co.name, ''), COALESCE(d.name, '')`

const activityFrom = ` FROM activities a LEFT JOIN users u ON u.id = a.owner_id
	LEFT JOIN contacts c ON c.id = a.contact_id LEFT JOIN companies co ON co.id = a.company_id
	LEFT JOIN deals d ON d.id = a.deal_id `

func scanActivity(sc interface{ Scan(...any) error }) (crm.Activity, error) {
	var a crm.Activity
	var kind string
	var starts, created, updated int64
	var ends sql.NullInt64
	err := sc.Scan(&a.ID, &kind, &a.Side, &a.Subject, &a.Body, &a.Location, &a.Outcome, &starts, &ends,
		&a.ContactID, &a.CompanyID, &a.DealID, &a.OwnerID, &a.CreatedBy, &a.EmailTo, &created, &updated, &a.Version,
		&a.OwnerName, &a.ContactName, &a.CompanyName, &a.DealName)
	if errors.Is(err, sql.ErrNoRows) {
		return a, crm.ErrNotFound
	}
	a.Kind = crm.ActivityKind(kind)
	a.StartsAt, a.EndsAt, a.CreatedAt, a.UpdatedAt = fromMS(starts), fromNullMS(ends), fromMS(created), fromMS(updated)
	return a, err
}

func activityArgs(a *crm.Activity) []any {
	return []any{string(a.Kind), a.Side, a.Subject, a.Body, a.Location, a.Outcome, ms(a.StartsAt), nullMS(a.EndsAt),
		nullID(a.ContactID), nullID(a.CompanyID), nullID(a.DealID), nullID(a.OwnerID), a.EmailTo}
}

// Activity returns one activity.
func (s *Store) Activity(ctx context.Context, id int64) (crm.Activity, error) {
	return scanActivity(s.r().QueryRowContext(ctx, "SELECT "+activityCols+activityFrom+"WHERE a.id = $1", id))
}

// Activity reads an activity inside a write transaction.
func (tx *Tx) Activity(ctx context.Context, id int64) (crm.Activity, error) {
	return scanActivity(tx.q().QueryRowContext(ctx, "SELECT "+activityCols+activityFrom+"WHERE a.id = $1", id))
}

// CreateActivity inserts an activity.
func (tx *Tx) CreateActivity(ctx context.Context, a *crm.Activity, now time.Time) error {
	err := tx.q().QueryRowContext(ctx, `INSERT INTO activities (kind, side, subject, body, location, outcome, starts_at,
		ends_at, contact_id, company_id, deal_id, owner_id, email_to, created_by, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $15) RETURNING id, version`,
		append(activityArgs(a), nullID(a.CreatedBy), ms(now))...).Scan(&a.ID, &a.Version)
	if err != nil {
		return tx.s.d.mapError(err)
	}
	a.CreatedAt, a.UpdatedAt = now, now
	return nil
}

// UpdateActivity writes every field when the version matches.
func (tx *Tx) UpdateActivity(ctx context.Context, a *crm.Activity, now time.Time) error {
	res, err := tx.q().ExecContext(ctx, `UPDATE activities SET kind = $1, side = $2, subject = $3, body = $4,
		location = $5, outcome = $6, starts_at = $7, ends_at = $8, contact_id = $9, company_id = $10, deal_id = $11,
		owner_id = $12, email_to = $13, updated_at = $14, version = version + 1 WHERE id = $15 AND version = $16`,
		append(activityArgs(a), ms(now), a.ID, a.Version)...)
	if err != nil {
		return tx.s.d.mapError(err)
	}
	if err := staleOrMissing(ctx, tx, res, "activities", a.ID); err != nil {
		return err
	}
	a.Version++
	a.UpdatedAt = now
	return nil
}

// DeleteActivity removes an activity and its timeline entries.
func (tx *Tx) DeleteActivity(ctx context.Context, id int64) error {
	if _, err := tx.q().ExecContext(ctx, "DELETE FROM timeline WHERE ref_type = 'activity' AND ref_id = $1", id); err != nil {
		return err
	}
	res, err := tx.q().ExecContext(ctx, "DELETE FROM activities WHERE id = $1", id)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return crm.ErrNotFound
	}
	return nil
}

// ActivityQuery selects activities, newest first.
type ActivityQuery struct {
	ContactID int64
	CompanyID int64
	DealID    int64
	OwnerID   int64
	From      time.Time // starts_at >= From (zero: no bound)
	Before    time.Time // starts_at < Before (zero: no bound)
	BeforeID  int64     // keyset cursor: (starts_at, id) below (BeforeAt, BeforeID)
	BeforeAt  time.Time
	Limit     int
	// Viewer and Visibility hide the activities of deals the viewer may
	// not see (team-private deals).
	Viewer     crm.Viewer
	Visibility crm.Visibility
}

func (q ActivityQuery) where(args *[]any) string {
	add := func(x any) string {
		*args = append(*args, x)
		return fmt.Sprintf("$%d", len(*args))
	}
	w := []string{"1 = 1"}
	if q.ContactID != 0 {
		w = append(w, "a.contact_id = "+add(q.ContactID))
	}
	if q.CompanyID != 0 {
		w = append(w, "a.company_id = "+add(q.CompanyID))
	}
	if q.DealID != 0 {
		w = append(w, "a.deal_id = "+add(q.DealID))
	}
	if q.OwnerID != 0 {
		w = append(w, "a.owner_id = "+add(q.OwnerID))
	}
	if !q.From.IsZero() {
		w = append(w, "a.starts_at >= "+add(ms(q.From)))
	}
	if !q.Before.IsZero() {
		w = append(w, "a.starts_at < "+add(ms(q.Before)))
	}
	if q.BeforeID != 0 {
		at, id := add(ms(q.BeforeAt)), add(q.BeforeID)
		w = append(w, "(a.starts_at < "+at+" OR (a.starts_at = "+at+" AND a.id < "+id+"))")
	}
	if vis := visibleDeals(args, q.Viewer, q.Visibility); vis != "" {
		w = append(w, "(a.deal_id IS NULL OR (1 = 1"+vis+"))")
	}
	return " WHERE " + strings.Join(w, " AND ")
}

// Activities lists activities, newest first; more is set when there are
// more than q.Limit.
func (s *Store) Activities(ctx context.Context, q ActivityQuery) (out []crm.Activity, more bool, err error) {
	limit := q.Limit
	if limit <= 0 || limit > 1000 {
		limit = 50
	}
	var args []any
	where := q.where(&args)
	rows, err := s.r().QueryContext(ctx, "SELECT "+activityCols+activityFrom+where+
		fmt.Sprintf(" ORDER BY a.starts_at DESC, a.id DESC LIMIT %d", limit+1), args...)
	if err != nil {
		return nil, false, err
	}
	defer rows.Close()
	for rows.Next() {
		a, err := scanActivity(rows)
		if err != nil {
			return nil, false, err
		}
		out = append(out, a)
	}
	if len(out) > limit {
		out, more = out[:limit], true
	}
	return out, more, rows.Err()
}

// ActivitiesOfContact lists every activity about a contact, for the
// person's export.
func (s *Store) ActivitiesOfContact(ctx context.Context, contactID int64) ([]crm.Activity, error) {
	out, _, err := s.Activities(ctx, ActivityQuery{ContactID: contactID, Limit: 1000})
	return out, err
}

// ---- tasks ----

const taskCols = `t.id, t.title, t.notes, t.due_at, COALESCE(t.owner_id, 0), t.priority, COALESCE(t.remind_minutes, -1),
	t.remind_at, t.reminded_at, COALESCE(t.contact_id, 0), COALESCE(t.company_id, 0), COALESCE(t.deal_id, 0), t.done_at,
	COALESCE(t.created_by, 0), t.created_at, t.updated_at, t.version, COALESCE(u.name, ''),
	COALESCE(d.name, co.name, TRIM(c.family_name || ' ' || c.given_name), '')`

const taskFrom = ` FROM tasks t LEFT JOIN users u ON u.id = t.owner_id
	LEFT JOIN contacts c ON c.id = t.contact_id LEFT JOIN companies co ON co.id = t.company_id
	LEFT JOIN deals d ON d.id = t.deal_id `

func scanTask(sc interface{ Scan(...any) error }) (crm.Task, error) {
	var t crm.Task
	var due, created, updated int64
	var remind, reminded, done sql.NullInt64
	err := sc.Scan(&t.ID, &t.Title, &t.Notes, &due, &t.OwnerID, &t.Priority, &t.RemindMinutes, &remind, &reminded,
		&t.ContactID, &t.CompanyID, &t.DealID, &done, &t.CreatedBy, &created, &updated, &t.Version, &t.OwnerName, &t.Record)
	if errors.Is(err, sql.ErrNoRows) {
		return t, crm.ErrNotFound
	}
	t.DueAt, t.RemindAt, t.RemindedAt, t.DoneAt = fromMS(due), fromNullMS(remind), fromNullMS(reminded), fromNullMS(done)
	t.CreatedAt, t.UpdatedAt = fromMS(created), fromMS(updated)
	return t, err
}

func taskArgs(t *crm.Task) []any {
	remind := sql.NullInt64{Int64: int64(t.RemindMinutes), Valid: t.RemindMinutes >= 0}
	return []any{t.Title, t.Notes, ms(t.DueAt), nullID(t.OwnerID), t.Priority, remind, nullMS(t.RemindAt),
		nullMS(t.RemindedAt), nullID(t.ContactID), nullID(t.CompanyID), nullID(t.DealID), nullMS(t.DoneAt)}
}

// Task returns one task.
func (s *Store) Task(ctx context.Context, id int64) (crm.Task, error) {
	return scanTask(s.r().QueryRowContext(ctx, "SELECT "+taskCols+taskFrom+"WHERE t.id = $1", id))
}

// Task reads a task inside a write transaction.
func (tx *Tx) Task(ctx context.Context, id int64) (crm.Task, error) {
	return scanTask(tx.q().QueryRowContext(ctx, "SELECT "+taskCols+taskFrom+"WHERE t.id = $1", id))
}

// CreateTask inserts a task.
func (tx *Tx) CreateTask(ctx context.Context, t *crm.Task, now time.Time) error {
	err := tx.q().QueryRowContext(ctx, `INSERT INTO tasks (title, notes, due_at, owner_id, priority, remind_minutes,
		remind_at, reminded_at, contact_id, company_id, deal_id, done_at, created_by, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $14) RETURNING id, version`,
		append(taskArgs(t), nullID(t.CreatedBy), ms(now))...).Scan(&t.ID, &t.Version)
	if err != nil {
		return tx.s.d.mapError(err)
	}
	t.CreatedAt, t.UpdatedAt = now, now
	return nil
}

// UpdateTask writes every field when the version matches.
func (tx *Tx) UpdateTask(ctx context.Context, t *crm.Task, now time.Time) error {
	res, err := tx.q().ExecContext(ctx, `UPDATE tasks SET title = $1, notes = $2, due_at = $3, owner_id = $4,
		priority = $5, remind_minutes = $6, remind_at = $7, reminded_at = $8, contact_id = $9, company_id = $10,
		deal_id = $11, done_at = $12, updated_at = $13, version = version + 1 WHERE id = $14 AND version = $15`,
		append(taskArgs(t), ms(now), t.ID, t.Version)...)
	if err != nil {
		return tx.s.d.mapError(err)
	}
	if err := staleOrMissing(ctx, tx, res, "tasks", t.ID); err != nil {
		return err
	}
	t.Version++
	t.UpdatedAt = now
	return nil
}

// DeleteTask removes a task.
func (tx *Tx) DeleteTask(ctx context.Context, id int64) error {
	res, err := tx.q().ExecContext(ctx, "DELETE FROM tasks WHERE id = $1", id)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return crm.ErrNotFound
	}
	return nil
}

// TaskQuery selects tasks, by due time (soonest first).
type TaskQuery struct {
	OwnerID   int64
	ContactID int64
	CompanyID int64
	DealID    int64
	// View: open (not done), overdue (open, due before Now), today (open,
	// due in [Now's day start, DayEnd)), upcoming (open, due from DayEnd),
	// done; "" = all.
	View     string
	Now      time.Time
	DayStart time.Time
	DayEnd   time.Time
	Limit    int
	Offset   int
	// Viewer and Visibility hide the tasks of deals the viewer may not see.
	Viewer     crm.Viewer
	Visibility crm.Visibility
}

// Tasks lists tasks; more is set when there are more than q.Limit.
func (s *Store) Tasks(ctx context.Context, q TaskQuery) (out []crm.Task, more bool, err error) {
	var args []any
	add := func(x any) string {
		args = append(args, x)
		return fmt.Sprintf("$%d", len(args))
	}
	w := []string{"1 = 1"}
	if q.OwnerID != 0 {
		w = append(w, "t.owner_id = "+add(q.OwnerID))
	}
	if q.ContactID != 0 {
		w = append(w, "t.contact_id = "+add(q.ContactID))
	}
	if q.CompanyID != 0 {
		w = append(w, "t.company_id = "+add(q.CompanyID))
	}
	if q.DealID != 0 {
		w = append(w, "t.deal_id = "+add(q.DealID))
	}
	order := "t.due_at, t.id"
	switch q.View {
	case "open":
		w = append(w, "t.done_at IS NULL")
	case "overdue":
		w = append(w, "t.done_at IS NULL AND t.due_at < "+add(ms(q.Now)))
	case "today":
		w = append(w, "t.done_at IS NULL AND t.due_at >= "+add(ms(q.DayStart))+" AND t.due_at < "+add(ms(q.DayEnd)))
	case "upcoming":
		w = append(w, "t.done_at IS NULL AND t.due_at >= "+add(ms(q.DayEnd)))
	case "done":
		w = append(w, "t.done_at IS NOT NULL")
		order = "t.done_at DESC, t.id DESC"
	}
	if vis := visibleDeals(&args, q.Viewer, q.Visibility); vis != "" {
		w = append(w, "(t.deal_id IS NULL OR (1 = 1"+vis+"))")
	}
	limit := q.Limit
	if limit <= 0 || limit > 500 {
		limit = 100
	}
	rows, err := s.r().QueryContext(ctx, "SELECT "+taskCols+taskFrom+" WHERE "+strings.Join(w, " AND ")+
		" ORDER BY "+order+fmt.Sprintf(" LIMIT %d OFFSET %d", limit+1, max(q.Offset, 0)), args...)
	if err != nil {
		return nil, false, err
	}
	defer rows.Close()
	for rows.Next() {
		t, err := scanTask(rows)
		if err != nil {
			return nil, false, err
		}
		out = append(out, t)
	}
	if len(out) > limit {
		out, more = out[:limit], true
	}
	return out, more, rows.Err()
}

// DueReminders returns open tasks whose reminder time has come and that
// were not reminded yet.
func (tx *Tx) DueReminders(ctx context.Context, now time.Time, limit int) ([]crm.Task, error) {
	rows, err := tx.q().QueryContext(ctx, "SELECT "+taskCols+taskFrom+`WHERE t.remind_at <= $1 AND t.reminded_at IS NULL
		AND t.done_at IS NULL ORDER BY t.remind_at, t.id LIMIT $2`, ms(now), limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []crm.Task
	for rows.Next() {
		t, err := scanTask(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// MarkReminded records that a task's reminder went out (once: false when
// another run got there first).
func (tx *Tx) MarkReminded(ctx context.Context, id int64, now time.Time) (bool, error) {
	res, err := tx.q().ExecContext(ctx, "UPDATE tasks SET reminded_at = $1 WHERE id = $2 AND reminded_at IS NULL", ms(now), id)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// TasksOfContact lists the tasks linked to a contact, for the export.
func (s *Store) TasksOfContact(ctx context.Context, contactID int64) ([]crm.Task, error) {
	out, _, err := s.Tasks(ctx, TaskQuery{ContactID: contactID, Limit: 500})
	return out, err
}

// DeleteTimelineRef removes the timeline entries that point at a record.
func (tx *Tx) DeleteTimelineRef(ctx context.Context, refType string, id int64) error {
	_, err := tx.q().ExecContext(ctx, "DELETE FROM timeline WHERE ref_type = $1 AND ref_id = $2", refType, id)
	return err
}
