package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"renkei/internal/crm"
	"renkei/internal/jobs"
	"renkei/internal/mail"
	"renkei/internal/store"
)

// JobMailSend is the job kind that sends one transactional e-mail.
const JobMailSend = "mail.send"

func (a *App) mailJob(m mail.Message, maxAttempts int) (store.Job, error) {
	b, err := json.Marshal(m)
	if err != nil {
		return store.Job{}, err
	}
	now := a.now()
	return store.Job{Kind: JobMailSend, Payload: string(b), RunAt: now, CreatedAt: now, MaxAttempts: maxAttempts}, nil
}

// queueMail adds a mail job to the transaction that caused it: the mail
// goes out exactly when the change is committed, retried with backoff.
func (a *App) queueMail(ctx context.Context, tx *store.Tx, m mail.Message) error {
	j, err := a.mailJob(m, 8)
	if err != nil {
		return err
	}
	return tx.Enqueue(ctx, &j)
}

// JobHandlers returns the background work this application knows.
func (a *App) JobHandlers() map[string]jobs.Handler {
	return map[string]jobs.Handler{
		JobMailSend:  a.handleMailSend,
		JobImportRun: a.handleImportRun,
		// Social listening: post imports (social_import.go).
		JobSocialImport: a.handleSocialImport,
		// Webhooks and privacy (webhooks.go, privacy.go).
		JobWebhookDeliver: a.handleWebhookDeliver,
		JobRetention:      a.handleRetention,
		// Scoring (scoring.go).
		JobRescoreAll: a.handleRescoreAll,
		// Hand-off: overdue MQLs (handoff.go).
		JobHandoffEscalate: a.handleHandoffEscalate,
		// Activities: task reminders (tasks.go).
		JobTaskRemind: a.handleTaskRemind,
		// Broadcasts: walk the segments into the outbox (broadcasts.go).
		JobBroadcastQueue: a.handleBroadcastQueue,
	}
}

func (a *App) handleMailSend(ctx context.Context, j store.Job, _ jobs.Progress) error {
	var m mail.Message
	if err := json.Unmarshal([]byte(j.Payload), &m); err != nil {
		return jobs.Permanent{Err: fmt.Errorf("bad mail payload: %w", err)}
	}
	srv, _, err := a.smtp(ctx)
	if err != nil {
		return err
	}
	if !srv.Configured() {
		// Retried with backoff: the admin may set mail up meanwhile.
		return errors.New("mail is not set up: enter the SMTP server in Settings → Mail")
	}
	err = mail.Send(ctx, srv, m)
	var perm mail.PermanentError
	if errors.As(err, &perm) {
		return jobs.Permanent{Err: err}
	}
	return err
}

func greeting(u crm.User) string {
	if u.Language == crm.LangJA {
		return u.Name + " 様\n\n"
	}
	return "Hello " + u.Name + ",\n\n"
}

func inviteMail(u crm.User, inviter, workspace, link string) mail.Message {
	m := mail.Message{To: u.Email, ToName: u.Name}
	if u.Language == crm.LangJA {
		m.Subject = "【Renkei】" + workspace + " への招待"
		m.Text = greeting(u) + inviter + " さんから Renkei のワークスペース「" + workspace + "」に招待されました。\n" +
			"次のリンクからパスワードを設定して参加してください（7日間有効）。\n\n" + link + "\n"
		return m
	}
	m.Subject = "You're invited to " + workspace + " on Renkei"
	m.Text = greeting(u) + inviter + " invited you to the Renkei workspace \"" + workspace + "\".\n" +
		"Set your password and join with this link (valid for 7 days):\n\n" + link + "\n"
	return m
}

func resetMail(u crm.User, link string) mail.Message {
	m := mail.Message{To: u.Email, ToName: u.Name}
	if u.Language == crm.LangJA {
		m.Subject = "【Renkei】パスワードの再設定"
		m.Text = greeting(u) + "パスワード再設定のご依頼を受け付けました。次のリンクから新しいパスワードを設定してください（1時間有効）。\n\n" +
			link + "\n\nお心当たりがない場合は、このメールを破棄してください。\n"
		return m
	}
	m.Subject = "Reset your Renkei password"
	m.Text = greeting(u) + "Someone asked to reset your password. Set a new one with this link (valid for 1 hour):\n\n" +
		link + "\n\nIf it wasn't you, ignore this e-mail.\n"
	return m
}

func testMail(u crm.User, to string) mail.Message {
	m := mail.Message{To: to}
	if u.Language == crm.LangJA {
		m.Subject = "【Renkei】テストメール"
		m.Text = "Renkei のメール設定は正しく動作しています。\n"
		return m
	}
	m.Subject = "Renkei test e-mail"
	m.Text = "Your Renkei mail settings work.\n"
	return m
}
