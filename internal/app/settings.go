package app

import (
	"context"
	"errors"
	"fmt"
	"time"

	"renkei/internal/crm"
	"renkei/internal/mail"
	"renkei/internal/store"
)

const (
	keyWorkspace = "workspace"
	keySMTP      = "smtp"
)

// Workspace returns the workspace settings and their version. Before setup
// it returns defaults with version 0.
func (a *App) Workspace(ctx context.Context) (crm.Workspace, int64, error) {
	var ws crm.Workspace
	v, err := a.Store.Setting(ctx, keyWorkspace, &ws)
	if errors.Is(err, crm.ErrNotFound) {
		return crm.DefaultWorkspace("Renkei", crm.LangEN, a.ServerTZ), 0, nil
	}
	ws.Version = v
	return ws, v, err
}

// UpdateWorkspace replaces the workspace settings; version must match.
func (a *App) UpdateWorkspace(ctx context.Context, ac Actor, ws crm.Workspace, version int64) (crm.Workspace, error) {
	if err := ac.require(crm.PermSettings); err != nil {
		return ws, err
	}
	if err := ws.Validate(); err != nil {
		return ws, err
	}
	err := a.Store.InTx(ctx, func(tx *store.Tx) error {
		v, err := tx.PutSetting(ctx, keyWorkspace, ws, version, a.now())
		if err != nil {
			return err
		}
		ws.Version = v
		return tx.Audit(ctx, a.audit(ac, "settings.workspace", ws.Name, ""))
	})
	return ws, err
}

// SMTPSettings returns the mail server settings (admins only).
func (a *App) SMTPSettings(ctx context.Context, ac Actor) (mail.Server, int64, error) {
	if err := ac.require(crm.PermSettings); err != nil {
		return mail.Server{}, 0, err
	}
	return a.smtp(ctx)
}

func (a *App) smtp(ctx context.Context) (mail.Server, int64, error) {
	var srv mail.Server
	v, err := a.Store.Setting(ctx, keySMTP, &srv)
	if errors.Is(err, crm.ErrNotFound) {
		return mail.Server{Port: 587, Security: mail.SecurityStartTLS}, 0, nil
	}
	return srv, v, err
}

// UpdateSMTP stores the mail server settings. An empty password keeps the
// stored one, so forms need not echo it back.
func (a *App) UpdateSMTP(ctx context.Context, ac Actor, srv mail.Server, version int64) (int64, error) {
	if err := ac.require(crm.PermSettings); err != nil {
		return 0, err
	}
	if bad := srv.Validate(); len(bad) > 0 {
		v := &crm.ValidationError{Fields: bad}
		return 0, v
	}
	old, _, err := a.smtp(ctx)
	if err != nil {
		return 0, err
	}
	if srv.Password == "" && srv.Username != "" {
		srv.Password = old.Password
	}
	var nv int64
	err = a.Store.InTx(ctx, func(tx *store.Tx) error {
		var err error
		if nv, err = tx.PutSetting(ctx, keySMTP, srv, version, a.now()); err != nil {
			return err
		}
		return tx.Audit(ctx, a.audit(ac, "settings.mail", srv.Host, fmt.Sprintf("port=%d security=%s", srv.Port, srv.Security)))
	})
	return nv, err
}

// SendTestMail queues a test message to the given address (default: the
// actor's own) and returns the job id, so the UI can show whether it went.
func (a *App) SendTestMail(ctx context.Context, ac Actor, to string) (int64, error) {
	if err := ac.require(crm.PermSettings); err != nil {
		return 0, err
	}
	if to == "" {
		to = ac.User.Email
	}
	to = crm.NormalizeEmail(to)
	if !crm.ValidEmail(to) {
		return 0, crm.Invalid("to", "enter an e-mail address")
	}
	srv, _, err := a.smtp(ctx)
	if err != nil {
		return 0, err
	}
	if !srv.Configured() {
		return 0, crm.Invalid("host", "save the SMTP settings first")
	}
	msg := testMail(ac.User, to)
	var id int64
	err = a.Store.InTx(ctx, func(tx *store.Tx) error {
		j, err := a.mailJob(msg, 1)
		if err != nil {
			return err
		}
		if err := tx.Enqueue(ctx, &j); err != nil {
			return err
		}
		id = j.ID
		return tx.Audit(ctx, a.audit(ac, "settings.mail_test", to, ""))
	})
	return id, err
}

// JobStatus returns a queued job for progress displays.
func (a *App) JobStatus(ctx context.Context, ac Actor, id int64) (store.Job, error) {
	if err := ac.require(crm.PermSignedIn); err != nil {
		return store.Job{}, err
	}
	j, err := a.Store.Job(ctx, id)
	// The payload may hold one-time links; errors may name mail servers.
	j.Payload = ""
	if !ac.Can(crm.PermSettings) {
		j.LastError = ""
	}
	return j, err
}

// ExchangeRates lists the entered rates.
func (a *App) ExchangeRates(ctx context.Context, ac Actor) ([]crm.ExchangeRate, error) {
	if err := ac.require(crm.PermReadAll); err != nil {
		return nil, err
	}
	return a.Store.ExchangeRates(ctx)
}

// PutExchangeRate adds or replaces a rate.
func (a *App) PutExchangeRate(ctx context.Context, ac Actor, r crm.ExchangeRate) (crm.ExchangeRate, error) {
	if err := ac.require(crm.PermSettings); err != nil {
		return r, err
	}
	ws, _, err := a.Workspace(ctx)
	if err != nil {
		return r, err
	}
	if err := r.Validate(ws.BaseCurrency); err != nil {
		return r, err
	}
	r.ValidFrom = time.Date(r.ValidFrom.Year(), r.ValidFrom.Month(), r.ValidFrom.Day(), 0, 0, 0, 0, time.UTC)
	err = a.Store.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.PutExchangeRate(ctx, &r); err != nil {
			return err
		}
		return tx.Audit(ctx, a.audit(ac, "settings.exchange_rate", r.Currency, fmt.Sprintf("%g from %s", r.Rate, r.ValidFrom.Format("2006-01-02"))))
	})
	return r, err
}

// DeleteExchangeRate removes a rate.
func (a *App) DeleteExchangeRate(ctx context.Context, ac Actor, id int64) error {
	if err := ac.require(crm.PermSettings); err != nil {
		return err
	}
	return a.Store.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.DeleteExchangeRate(ctx, id); err != nil {
			return err
		}
		return tx.Audit(ctx, a.audit(ac, "settings.exchange_rate_delete", fmt.Sprint(id), ""))
	})
}

// AuditLog lists audit entries (admins only).
func (a *App) AuditLog(ctx context.Context, ac Actor, f store.AuditFilter) ([]store.AuditEntry, error) {
	if err := ac.require(crm.PermAudit); err != nil {
		return nil, err
	}
	return a.Store.ListAudit(ctx, f)
}
