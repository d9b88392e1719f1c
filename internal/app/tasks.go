package app

import (
	"context"
	"errors"
	"fmt"
	"time"

	"renkei/internal/crm"
	"renkei/internal/jobs"
	"renkei/internal/mail"
	"renkei/internal/store"
)

// JobTaskRemind runs at a task's reminder time and sends every reminder
// that is due (a sweep, so a lost or early job only delays, never loses).
const JobTaskRemind = "task.remind"

// NotifyTaskDue is the notification kind of a task reminder.
const NotifyTaskDue = "task_due"

// Task returns one task the actor may see.
func (a *App) Task(ctx context.Context, ac Actor, id int64) (crm.Task, error) {
	if err := ac.require(crm.PermReadAll); err != nil {
		return crm.Task{}, err
	}
	t, err := a.Store.Task(ctx, id)
	if err != nil {
		return t, err
	}
	return t, a.canSeeLinks(ctx, ac, t.ContactID, t.CompanyID, t.DealID)
}

// TaskView names a list of tasks.
type TaskView string

// Task lists.
const (
	TasksOpen     TaskView = "open"
	TasksOverdue  TaskView = "overdue"
	TasksToday    TaskView = "today"
	TasksUpcoming TaskView = "upcoming"
	TasksDone     TaskView = "done"
	TasksAll      TaskView = ""
)

// TaskViews lists the views of the task lists.
var TaskViews = []TaskView{TasksOpen, TasksOverdue, TasksToday, TasksUpcoming, TasksDone}

// ListTasks lists tasks of a view; the day of "today" and "upcoming" is
// the workspace's. A list by record checks the record; every list hides
// the tasks of deals the actor may not see.
func (a *App) ListTasks(ctx context.Context, ac Actor, q store.TaskQuery) ([]crm.Task, bool, error) {
	if err := ac.require(crm.PermReadAll); err != nil {
		return nil, false, err
	}
	switch TaskView(q.View) {
	case TasksOpen, TasksOverdue, TasksToday, TasksUpcoming, TasksDone, TasksAll:
	default:
		return nil, false, crm.Invalid("view", "choose open, overdue, today, upcoming or done")
	}
	if err := a.canSeeLinks(ctx, ac, q.ContactID, q.CompanyID, q.DealID); err != nil {
		return nil, false, err
	}
	ws, _, err := a.Workspace(ctx)
	if err != nil {
		return nil, false, err
	}
	q.Now = a.now()
	q.DayStart, q.DayEnd = dayBounds(q.Now, ws.Location())
	mode, err := a.visibility(ctx, "deals")
	if err != nil {
		return nil, false, err
	}
	q.Viewer, q.Visibility = ac.User.Viewer(), mode
	return a.Store.Tasks(ctx, q)
}

// dayBounds returns the local day that holds t as [start, end).
func dayBounds(t time.Time, loc *time.Location) (time.Time, time.Time) {
	d := t.In(loc)
	start := time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, loc)
	return start, start.AddDate(0, 0, 1)
}

// prepareTask normalises a task, fills the owner and checks the links.
func (a *App) prepareTask(ctx context.Context, tx *store.Tx, ac Actor, t crm.Task) (crm.Task, error) {
	if t.OwnerID == 0 {
		t.OwnerID = ac.User.ID
	}
	t.DueAt = t.DueAt.UTC().Truncate(time.Millisecond)
	t.Normalize()
	v := &crm.ValidationError{}
	if err := t.Validate(); err != nil {
		ve, _ := crm.AsValidation(err)
		for f, m := range ve.Fields {
			v.Add(f, m)
		}
	}
	if t.OwnerID != ac.User.ID {
		if u, err := tx.User(ctx, t.OwnerID); err != nil || u.Status == crm.UserDeactivated {
			v.Add("owner_id", "choose an active user as owner")
		}
	}
	check := func(field string, id int64, get func() error) error {
		if id == 0 {
			return nil
		}
		err := get()
		if errors.Is(err, crm.ErrNotFound) {
			v.Add(field, "this record does not exist")
			return nil
		}
		return err
	}
	if err := check("contact_id", t.ContactID, func() error { _, err := tx.Contact(ctx, t.ContactID); return err }); err != nil {
		return t, err
	}
	if err := check("company_id", t.CompanyID, func() error { _, err := tx.Company(ctx, t.CompanyID); return err }); err != nil {
		return t, err
	}
	if err := check("deal_id", t.DealID, func() error { _, err := tx.Deal(ctx, t.DealID); return err }); err != nil {
		return t, err
	}
	return t, v.Err()
}

// scheduleReminder queues the reminder sweep at the task's reminder time.
func (a *App) scheduleReminder(ctx context.Context, tx *store.Tx, t crm.Task) error {
	if t.RemindAt.IsZero() || t.Done() || !t.RemindedAt.IsZero() {
		return nil
	}
	j := store.Job{Kind: JobTaskRemind, RunAt: t.RemindAt, CreatedAt: a.now(), MaxAttempts: 5,
		DedupeKey: fmt.Sprintf("%s:%d:%d", JobTaskRemind, t.ID, t.RemindAt.UnixMilli())}
	return tx.Enqueue(ctx, &j)
}

// CreateTask adds a task (owned by the actor unless another owner is given).
func (a *App) CreateTask(ctx context.Context, ac Actor, in crm.Task) (crm.Task, error) {
	if err := ac.require(crm.PermWriteContacts); err != nil {
		return in, err
	}
	if err := a.canSeeLinks(ctx, ac, in.ContactID, in.CompanyID, in.DealID); err != nil {
		return in, err
	}
	err := a.Store.InTx(ctx, func(tx *store.Tx) error {
		var err error
		if in, err = a.prepareTask(ctx, tx, ac, in); err != nil {
			return err
		}
		in.CreatedBy, in.DoneAt, in.RemindedAt = ac.User.ID, time.Time{}, time.Time{}
		if err := tx.CreateTask(ctx, &in, a.now()); err != nil {
			return err
		}
		return a.scheduleReminder(ctx, tx, in)
	})
	return in, err
}

// UpdateTask changes a task when version matches (its owner, its author or
// an admin). A new due or reminder time re-arms the reminder.
func (a *App) UpdateTask(ctx context.Context, ac Actor, id, version int64, in crm.Task) (crm.Task, error) {
	if err := ac.require(crm.PermWriteContacts); err != nil {
		return in, err
	}
	old, err := a.Task(ctx, ac, id)
	if err != nil {
		return in, err
	}
	if err := mayChange(ac, old.OwnerID, old.CreatedBy); err != nil {
		return in, err
	}
	if err := a.canSeeLinks(ctx, ac, in.ContactID, in.CompanyID, in.DealID); err != nil {
		return in, err
	}
	var t crm.Task
	err = a.Store.InTx(ctx, func(tx *store.Tx) error {
		if t, err = a.prepareTask(ctx, tx, ac, in); err != nil {
			return err
		}
		t.ID, t.Version, t.CreatedBy, t.CreatedAt, t.DoneAt = id, version, old.CreatedBy, old.CreatedAt, old.DoneAt
		t.RemindedAt = old.RemindedAt
		if !t.RemindAt.Equal(old.RemindAt) {
			t.RemindedAt = time.Time{}
		}
		if err := tx.UpdateTask(ctx, &t, a.now()); err != nil {
			return err
		}
		return a.scheduleReminder(ctx, tx, t)
	})
	return t, err
}

// CompleteTask marks a task done (or open again) when version matches;
// version 0 skips the check (a click on a list's checkbox).
func (a *App) CompleteTask(ctx context.Context, ac Actor, id, version int64, done bool) (crm.Task, error) {
	if err := ac.require(crm.PermWriteContacts); err != nil {
		return crm.Task{}, err
	}
	t, err := a.Task(ctx, ac, id)
	if err != nil {
		return t, err
	}
	if err := mayChange(ac, t.OwnerID, t.CreatedBy); err != nil {
		return t, err
	}
	if version != 0 && version != t.Version {
		return t, crm.ErrStale
	}
	if done == t.Done() {
		return t, nil
	}
	t.DoneAt = time.Time{}
	if done {
		t.DoneAt = a.now()
	}
	err = a.Store.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.UpdateTask(ctx, &t, a.now()); err != nil {
			return err
		}
		return a.scheduleReminder(ctx, tx, t)
	})
	return t, err
}

// DeleteTask removes a task.
func (a *App) DeleteTask(ctx context.Context, ac Actor, id int64) error {
	if err := ac.require(crm.PermWriteContacts); err != nil {
		return err
	}
	t, err := a.Task(ctx, ac, id)
	if err != nil {
		return err
	}
	if err := mayChange(ac, t.OwnerID, t.CreatedBy); err != nil {
		return err
	}
	return a.Store.InTx(ctx, func(tx *store.Tx) error { return tx.DeleteTask(ctx, id) })
}

// SendDueReminders sends the reminders whose time has come: an in-app
// notification to the task's owner and, when mail is set up, an e-mail.
// Each goes out once. It returns how many were sent.
func (a *App) SendDueReminders(ctx context.Context) (int, error) {
	sent := 0
	err := a.Store.InTx(ctx, func(tx *store.Tx) error {
		now := a.now()
		due, err := tx.DueReminders(ctx, now, 200)
		if err != nil {
			return err
		}
		for _, t := range due {
			ok, err := tx.MarkReminded(ctx, t.ID, now)
			if err != nil {
				return err
			}
			if !ok || t.OwnerID == 0 {
				continue
			}
			u, err := tx.User(ctx, t.OwnerID)
			if err != nil {
				return err
			}
			if u.Status == crm.UserDeactivated {
				continue
			}
			if err := a.remind(ctx, tx, u, t); err != nil {
				return err
			}
			sent++
		}
		return nil
	})
	return sent, err
}

// remind writes a task's notification and queues its e-mail.
func (a *App) remind(ctx context.Context, tx *store.Tx, u crm.User, t crm.Task) error {
	ws, _, err := a.Workspace(ctx)
	if err != nil {
		return err
	}
	due := t.DueAt.In(ws.Location()).Format("2006-01-02 15:04")
	subject, text := "Task due: "+t.Title, fmt.Sprintf("Your task \"%s\" is due at %s.", t.Title, due)
	if u.Language == crm.LangJA {
		subject, text = "タスクの期限: "+t.Title, fmt.Sprintf("タスク「%s」の期限は %s です。", t.Title, due)
	}
	if t.Record != "" {
		text += " (" + t.Record + ")"
	}
	link := "/today"
	n := crm.Notification{UserID: u.ID, Kind: NotifyTaskDue, Text: text, Link: link, ContactID: t.ContactID,
		CreatedAt: a.now(), Data: map[string]any{"task_id": t.ID, "title": t.Title, "due_at": t.DueAt.Format(time.RFC3339)}}
	if err := tx.AddNotification(ctx, &n); err != nil {
		return err
	}
	srv, _, err := a.smtp(ctx)
	if err != nil || !srv.Configured() || u.Email == "" {
		return err
	}
	m := mail.Message{To: u.Email, ToName: u.Name, Subject: "[Renkei] " + subject,
		Text: greeting(u) + text + "\n\n" + a.BaseURL + link + "\n"}
	if u.Language == crm.LangJA {
		m.Subject = "【Renkei】" + subject
	}
	return a.queueMail(ctx, tx, m)
}

func (a *App) handleTaskRemind(ctx context.Context, _ store.Job, _ jobs.Progress) error {
	_, err := a.SendDueReminders(ctx)
	return err
}
