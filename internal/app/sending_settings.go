package app

import (
	"context"
	"errors"
	"fmt"

	"renkei/internal/crm"
	"renkei/internal/sender"
	"renkei/internal/store"
)

// SendingSettingsKey is the settings document of marketing mail
// (crm.SendingSettings); the benchmark writes it directly.
const SendingSettingsKey = "email.sending"

const keySending = SendingSettingsKey

// SendingView is the sending settings as shown to an admin: secrets are
// left out, the DKIM public record is worked out.
type SendingView struct {
	Settings   crm.SendingSettings
	Version    int64
	HasKey     bool   // a DKIM private key is stored
	DKIMRecord string // the TXT value to publish
	DKIMName   string // where to publish it: selector._domainkey.domain
}

// SendingSettings returns the settings for the settings page and API, with
// the passwords and the private key removed.
func (a *App) SendingSettings(ctx context.Context, ac Actor) (SendingView, error) {
	if err := ac.require(crm.PermSettings); err != nil {
		return SendingView{}, err
	}
	s, v, err := a.sending(ctx)
	if err != nil {
		return SendingView{}, err
	}
	view := SendingView{Version: v, HasKey: s.DKIMKey != ""}
	if view.HasKey {
		if rec, err := sender.DNSRecord(s.DKIMKey); err == nil {
			view.DKIMRecord = rec
			view.DKIMName = s.DKIMSelector + "._domainkey." + s.Domain
		}
	}
	s.DKIMKey = ""
	for i := range s.Relays {
		s.Relays[i].Password = ""
	}
	view.Settings = s
	return view, nil
}

// sending reads the stored settings with their secrets.
func (a *App) sending(ctx context.Context) (crm.SendingSettings, int64, error) {
	var s crm.SendingSettings
	v, err := a.Store.Setting(ctx, keySending, &s)
	if errors.Is(err, crm.ErrNotFound) {
		return crm.SendingSettings{DKIMSelector: "renkei"}, 0, nil
	}
	return s, v, err
}

// SendingUpdate says what to do with the secrets the form does not echo.
type SendingUpdate struct {
	Settings     crm.SendingSettings
	Version      int64
	GenerateDKIM bool // make a new RSA-2048 key (replaces the stored one)
	RemoveDKIM   bool // sign no more (the relay signs)
}

// UpdateSendingSettings validates and stores the settings. An empty relay
// password keeps the stored one of the relay with the same host and user;
// an empty DKIM key keeps the stored key unless RemoveDKIM is set.
func (a *App) UpdateSendingSettings(ctx context.Context, ac Actor, u SendingUpdate) (int64, error) {
	if err := ac.require(crm.PermSettings); err != nil {
		return 0, err
	}
	s := u.Settings
	s.Normalize()
	old, _, err := a.sending(ctx)
	if err != nil {
		return 0, err
	}
	keepSecrets(&s, old, u.RemoveDKIM)
	if u.GenerateDKIM {
		if s.DKIMKey, err = sender.GenerateKey(); err != nil {
			return 0, err
		}
	}
	if err := s.Validate(); err != nil {
		return 0, err
	}
	if s.DKIMKey != "" {
		if _, err := sender.ParseKey(s.DKIMKey); err != nil {
			return 0, crm.Invalid("dkim_key", err.Error())
		}
	}
	var nv int64
	err = a.Store.InTx(ctx, func(tx *store.Tx) error {
		var err error
		if nv, err = tx.PutSetting(ctx, keySending, s, u.Version, a.now()); err != nil {
			return err
		}
		return tx.Audit(ctx, a.audit(ac, "settings.sending", s.Domain,
			fmt.Sprintf("relays=%d dkim=%t compliance=%t", len(s.Relays), s.DKIMKey != "", s.Compliance.Complete())))
	})
	if err == nil {
		a.senderReload()
	}
	return nv, err
}

func keepSecrets(s *crm.SendingSettings, old crm.SendingSettings, removeKey bool) {
	for i := range s.Relays {
		r := &s.Relays[i]
		if r.Password != "" || r.Username == "" {
			continue
		}
		for _, o := range old.Relays {
			if o.Host == r.Host && o.Username == r.Username {
				r.Password = o.Password
			}
		}
	}
	if s.DKIMKey == "" && !removeKey {
		s.DKIMKey = old.DKIMKey
	}
	if removeKey {
		s.DKIMKey = ""
	}
}
