package app

import (
	"context"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"

	"renkei/internal/bounce"
	"renkei/internal/crm"
	"renkei/internal/store"
)

// Bounces and complaints (issue 8 §6): from the webhook of an e-mail
// service or from DSN and ARF reports received by the inbound listener.

const bounceKeySetting = "email.bounce_webhook_key"

// BounceWebhookKey returns the secret path element of the workspace's
// bounce webhook (POST /e/bounces/{key}); admins only.
func (a *App) BounceWebhookKey(ctx context.Context, ac Actor) (string, error) {
	if err := ac.require(crm.PermSettings); err != nil {
		return "", err
	}
	return a.bounceKey(ctx)
}

func (a *App) bounceKey(ctx context.Context) (string, error) {
	b, err := a.secret(ctx, bounceKeySetting)
	if err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b[:24]), nil
}

// CheckBounceKey reports whether key is the bounce webhook's key (in
// constant time).
func (a *App) CheckBounceKey(ctx context.Context, key string) (bool, error) {
	want, err := a.bounceKey(ctx)
	if err != nil {
		return false, err
	}
	return len(key) == len(want) && subtle.ConstantTimeCompare([]byte(key), []byte(want)) == 1, nil
}

// BounceResult counts what a batch of notices did.
type BounceResult struct {
	Hard, Soft, Complaints int
	Unknown                int // the address matched no message or contact (still suppressed when hard)
}

// RecordBounces applies notices in one transaction: a hard bounce
// suppresses the address (reason bounced) and marks the message bounced;
// a complaint suppresses it (complained), withdraws consent and cancels
// queued mail; a soft bounce is only recorded. Each writes an email_events
// row and a timeline entry when the contact is known. A notice with a bad
// address fails the whole batch, naming the item.
func (a *App) RecordBounces(ctx context.Context, notices []bounce.Notice) (BounceResult, error) {
	var res BounceResult
	v := &crm.ValidationError{}
	for i := range notices {
		n := &notices[i]
		n.Email = crm.NormalizeEmail(n.Email)
		if !crm.ValidEmail(n.Email) {
			v.Add(fmt.Sprintf("items.%d.email", i), "enter a valid e-mail address")
		}
		switch n.Type {
		case bounce.Hard, bounce.Soft, bounce.Complaint:
		default:
			v.Add(fmt.Sprintf("items.%d.type", i), "choose hard, soft or complaint")
		}
		if len(n.Reason) > 1000 {
			n.Reason = n.Reason[:1000]
		}
	}
	if err := v.Err(); err != nil {
		return res, err
	}
	err := a.Store.InTx(ctx, func(tx *store.Tx) error {
		res = BounceResult{}
		for _, n := range notices {
			if err := a.applyBounce(ctx, tx, n, &res); err != nil {
				return err
			}
		}
		return nil
	})
	return res, err
}

func (a *App) applyBounce(ctx context.Context, tx *store.Tx, n bounce.Notice, res *BounceResult) error {
	now := a.now()
	m, err := a.bouncedMessage(ctx, tx, n)
	if err != nil {
		return err
	}
	contactID := m.ContactID
	if contactID == 0 {
		if c, err := tx.ContactByEmail(ctx, n.Email); err == nil {
			contactID = c.ID
		} else if !errors.Is(err, crm.ErrNotFound) {
			return err
		}
	}
	if contactID == 0 && m.ID == 0 {
		res.Unknown++
	}
	kind, detail := "bounce", n.Type+": "+n.Reason
	switch n.Type {
	case bounce.Hard:
		res.Hard++
		if err := tx.Suppress(ctx, EmailHash(n.Email), "bounced", now); err != nil {
			return err
		}
		if m.ID != 0 {
			if err := tx.MarkBounced(ctx, m.ID, detail); err != nil {
				return err
			}
		}
	case bounce.Soft:
		res.Soft++
	case bounce.Complaint:
		res.Complaints++
		kind = "complaint"
		if err := tx.Suppress(ctx, EmailHash(n.Email), "complained", now); err != nil {
			return err
		}
		if contactID != 0 {
			if err := a.withdrawForComplaint(ctx, tx, contactID, m.ID); err != nil {
				return err
			}
		}
	}
	if m.ID == 0 && contactID == 0 {
		return nil // nothing to hang an event on; the suppression stands
	}
	if err := tx.AddEmailEvent(ctx, &store.EmailEvent{MessageID: m.ID, ContactID: contactID, SourceType: m.SourceType,
		SourceID: m.SourceID, Kind: kind, Detail: detail, At: now}); err != nil {
		return err
	}
	if contactID == 0 || n.Type == bounce.Soft {
		return nil
	}
	tk := KindEmailBounced
	if n.Type == bounce.Complaint {
		tk = KindEmailComplained
	}
	return tx.AddTimeline(ctx, &store.TimelineEntry{At: now, ContactID: contactID, Kind: tk,
		Data: map[string]any{"type": n.Type, "reason": n.Reason, "via": n.Format}, RefType: "email_message", RefID: m.ID})
}

// bouncedMessage finds the message a notice is about: by its Message-ID
// header, else the newest message sent to the address; zero when none.
func (a *App) bouncedMessage(ctx context.Context, tx *store.Tx, n bounce.Notice) (store.RecipientMessage, error) {
	if n.MessageID != "" {
		m, err := tx.MessageByHeaderID(ctx, n.MessageID)
		if err == nil && crm.NormalizeEmail(m.Email) == n.Email {
			return m, nil
		}
		if err != nil && !errors.Is(err, crm.ErrNotFound) {
			return m, err
		}
	}
	m, err := tx.LatestMessageTo(ctx, n.Email)
	if errors.Is(err, crm.ErrNotFound) {
		return store.RecipientMessage{}, nil
	}
	return m, err
}

// withdrawForComplaint withdraws the consent of a contact who marked a
// message as spam and cancels what is still queued for them.
func (a *App) withdrawForComplaint(ctx context.Context, tx *store.Tx, contactID, messageID int64) error {
	now := a.now()
	c, err := tx.Contact(ctx, contactID)
	if err != nil {
		return err
	}
	if c.Consent != crm.ConsentWithdrawn {
		if err := tx.SetContactConsent(ctx, c.ID, crm.ConsentWithdrawn, now); err != nil {
			return err
		}
		if err := tx.AddConsentEvent(ctx, &store.ConsentEvent{ContactID: c.ID, At: now, Status: crm.ConsentWithdrawn,
			Source: "complaint", Wording: "spam complaint about message " + strconv.FormatInt(messageID, 10)}); err != nil {
			return err
		}
	}
	_, err = tx.CancelQueued(ctx, c.ID)
	return err
}

// ---- suppression list (Settings → E-mail → Suppressions) ----

// SuppressionCounts counts the list by reason.
func (a *App) SuppressionCounts(ctx context.Context, ac Actor) (map[string]int64, error) {
	if err := ac.require(crm.PermReadAll); err != nil {
		return nil, err
	}
	return a.Store.SuppressionCounts(ctx)
}

// CheckSuppression looks an address up; ErrNotFound when it is not listed.
func (a *App) CheckSuppression(ctx context.Context, ac Actor, email string) (store.Suppression, error) {
	var sp store.Suppression
	if err := ac.require(crm.PermReadAll); err != nil {
		return sp, err
	}
	email = crm.NormalizeEmail(email)
	if !crm.ValidEmail(email) {
		return sp, crm.Invalid("email", "enter a valid e-mail address")
	}
	err := a.Store.InTx(ctx, func(tx *store.Tx) error {
		var err error
		sp, err = tx.SuppressionOf(ctx, EmailHash(email))
		return err
	})
	return sp, err
}

// MaxSuppressBatch bounds one bulk paste.
const MaxSuppressBatch = 10000

// AddSuppressions puts addresses on the list by hand (reason manual) and
// returns how many were new. Any bad address fails the whole paste.
func (a *App) AddSuppressions(ctx context.Context, ac Actor, emails []string) (int, error) {
	if err := ac.require(crm.PermWriteMarketing); err != nil {
		return 0, err
	}
	if len(emails) == 0 {
		return 0, crm.Invalid("emails", "paste at least one address")
	}
	if len(emails) > MaxSuppressBatch {
		return 0, crm.Invalid("emails", "paste at most 10000 addresses at a time")
	}
	var hashes []string
	for _, e := range emails {
		e = crm.NormalizeEmail(e)
		if !crm.ValidEmail(e) {
			return 0, crm.Invalid("emails", "every line must be one valid e-mail address")
		}
		hashes = append(hashes, EmailHash(e))
	}
	added := 0
	err := a.Store.InTx(ctx, func(tx *store.Tx) error {
		added = 0
		have, err := a.Store.SuppressedHashes(ctx, hashes)
		if err != nil {
			return err
		}
		for _, h := range hashes {
			if have[h] != "" {
				continue
			}
			if err := tx.Suppress(ctx, h, "manual", a.now()); err != nil {
				return err
			}
			have[h] = "manual"
			added++
		}
		return tx.Audit(ctx, a.audit(ac, "suppression.add", "suppressions", strconv.Itoa(added)+" added"))
	})
	return added, err
}

// RemoveSuppression takes an address off the list (admins; audited).
func (a *App) RemoveSuppression(ctx context.Context, ac Actor, email string) error {
	if err := ac.require(crm.PermSettings); err != nil {
		return err
	}
	email = crm.NormalizeEmail(email)
	if !crm.ValidEmail(email) {
		return crm.Invalid("email", "enter a valid e-mail address")
	}
	return a.Store.InTx(ctx, func(tx *store.Tx) error {
		sp, err := tx.SuppressionOf(ctx, EmailHash(email))
		if err != nil {
			return err
		}
		if err := tx.Unsuppress(ctx, EmailHash(email)); err != nil {
			return err
		}
		return tx.Audit(ctx, a.audit(ac, "suppression.remove", "suppressions", "reason was "+sp.Reason))
	})
}

// RecordReply logs a reply to a message we sent: refs are the Message-IDs
// of In-Reply-To and References, newest first; the first one that names a
// message of ours wins: a marketing message of the outbox, or a
// salesperson's e-mail (sales_replies.go). It reports whether one did. The
// reply itself is not stored, only who wrote and the subject.
func (a *App) RecordReply(ctx context.Context, refs []string, from, subject string) (bool, error) {
	if len([]rune(subject)) > 200 {
		subject = string([]rune(subject)[:200])
	}
	secret, err := a.MailSecret(ctx)
	if err != nil {
		return false, err
	}
	found := false
	err = a.Store.InTx(ctx, func(tx *store.Tx) error {
		found = false
		for _, ref := range refs {
			m, err := tx.MessageByHeaderID(ctx, ref)
			if errors.Is(err, crm.ErrNotFound) {
				id := salesActivityOf(secret, ref)
				if id == 0 {
					continue
				}
				act, err := tx.Activity(ctx, id)
				if errors.Is(err, crm.ErrNotFound) {
					continue // deleted since
				}
				if err != nil {
					return err
				}
				if act.ContactID == 0 {
					return nil
				}
				found = true
				return tx.AddTimeline(ctx, &store.TimelineEntry{At: a.now(), ContactID: act.ContactID,
					Kind: KindEmailReplied, Data: map[string]any{"from": crm.NormalizeEmail(from), "subject": subject,
						"activity_id": act.ID, "deal_id": act.DealID}, RefType: "activity", RefID: act.ID})
			}
			if err != nil {
				return err
			}
			if m.ContactID == 0 {
				return nil
			}
			found = true
			now := a.now()
			if err := tx.AddEmailEvent(ctx, &store.EmailEvent{MessageID: m.ID, ContactID: m.ContactID, SourceType: m.SourceType,
				SourceID: m.SourceID, Kind: "reply", Detail: crm.NormalizeEmail(from), At: now}); err != nil {
				return err
			}
			if err := a.exitSequences(ctx, tx, m.ContactID, store.ExitRuleReply, crm.ExitReplied); err != nil {
				return err
			}
			return tx.AddTimeline(ctx, &store.TimelineEntry{At: now, ContactID: m.ContactID, Kind: KindEmailReplied,
				Data: map[string]any{"from": crm.NormalizeEmail(from), "subject": subject, "source_type": m.SourceType,
					"source_id": m.SourceID}, RefType: "email_message", RefID: m.ID})
		}
		return nil
	})
	return found, err
}
