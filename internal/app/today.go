package app

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"renkei/internal/crm"
	"renkei/internal/mail"
	"renkei/internal/store"
)

// Today is one person's day: what is due, the leads waiting for a first
// touch and the deals that lack a next step.
type Today struct {
	Overdue []crm.Task
	Due     []crm.Task  // due today, not overdue yet
	Leads   []LeadView  // new MQLs assigned to the person, SLA clock running or run out
	Stalled []crm.Deal  // open deals of the person without a next step
	Quotes  []crm.Quote // the person's sent quotes waiting for an answer
}

// Today gathers the Today page of the actor.
func (a *App) Today(ctx context.Context, ac Actor) (Today, error) {
	var t Today
	if err := ac.require(crm.PermSignedIn); err != nil {
		return t, err
	}
	if !ac.Can(crm.PermReadAll) {
		return t, nil
	}
	var err error
	if t.Overdue, _, err = a.ListTasks(ctx, ac, store.TaskQuery{OwnerID: ac.User.ID, View: string(TasksOverdue), Limit: 100}); err != nil {
		return t, err
	}
	if t.Due, _, err = a.ListTasks(ctx, ac, store.TaskQuery{OwnerID: ac.User.ID, View: string(TasksToday), Limit: 100}); err != nil {
		return t, err
	}
	now := a.now()
	due := t.Due[:0]
	for _, x := range t.Due {
		if !x.Overdue(now) { // overdue ones are listed above
			due = append(due, x)
		}
	}
	t.Due = due
	if t.Leads, err = a.Leads(ctx, ac, LeadQuery{Tab: "open", Limit: 50}); err != nil {
		return t, err
	}
	if t.Quotes, err = a.WaitingQuotes(ctx, ac); err != nil {
		return t, err
	}
	page, err := a.ListDeals(ctx, ac, store.DealQuery{OwnerID: ac.User.ID, Status: "open", Sort: "close_date", Limit: 200})
	if err != nil {
		return t, err
	}
	for _, d := range page.Deals {
		if strings.TrimSpace(d.NextStep) == "" {
			t.Stalled = append(t.Stalled, d)
		}
	}
	return t, nil
}

// ---- 1:1 e-mail ----

// EmailInput is a 1:1 e-mail from a salesperson to a contact.
type EmailInput struct {
	ContactID int64
	DealID    int64 // optional: the deal it is about
	Subject   string
	Body      string
}

// SendEmail sends a plain-text e-mail to a contact from the actor's own
// address through the workspace's SMTP server (the workspace address is
// the Sender, the actor's the From and Reply-To) and logs it as an e-mail
// activity on the timeline. It is a personal message, not marketing: it is
// allowed whatever the contact's marketing consent, but refused when the
// address is on the suppression list (erased or unsubscribed people asked
// to hear nothing more).
func (a *App) SendEmail(ctx context.Context, ac Actor, in EmailInput) (crm.Activity, error) {
	var act crm.Activity
	if err := ac.require(crm.PermWriteContacts); err != nil {
		return act, err
	}
	c, err := a.Contact(ctx, ac, in.ContactID)
	if err != nil {
		if errors.Is(err, crm.ErrNotFound) && in.ContactID == 0 {
			return act, crm.Invalid("contact_id", "choose the contact to write to")
		}
		return act, err
	}
	if in.DealID != 0 {
		if _, err := a.Deal(ctx, ac, in.DealID); err != nil {
			return act, err
		}
	}
	in.Subject, in.Body = strings.TrimSpace(in.Subject), strings.TrimSpace(in.Body)
	v := &crm.ValidationError{}
	if in.Subject == "" {
		v.Add("subject", "is required")
	} else if strings.ContainsAny(in.Subject, "\r\n") || len([]rune(in.Subject)) > 200 {
		v.Add("subject", "must be one line of at most 200 characters")
	}
	if in.Body == "" {
		v.Add("body", "write the message")
	} else if len([]rune(in.Body)) > 20000 {
		v.Add("body", "is too long (20,000 characters at most)")
	}
	if c.Email == "" {
		v.Add("to", "this contact has no e-mail address")
	}
	srv, _, err := a.smtp(ctx)
	if err != nil {
		return act, err
	}
	if !srv.Configured() {
		v.Add("to", "mail is not set up: an admin enters the SMTP server in Settings → Mail")
	}
	if ac.User.Email == "" {
		v.Add("from", "your profile has no e-mail address")
	}
	if err := v.Err(); err != nil {
		return act, err
	}
	secret, err := a.MailSecret(ctx) // signs the Message-ID a reply will quote (sales_replies.go)
	if err != nil {
		return act, err
	}
	err = a.Store.InTx(ctx, func(tx *store.Tx) error {
		if _, sup, err := tx.IsSuppressed(ctx, EmailHash(c.Email)); err != nil {
			return err
		} else if sup {
			return crm.Invalid("to", "this address is on the suppression list: the person asked not to be contacted")
		}
		act, err = a.createActivity(ctx, tx, ac, crm.Activity{Kind: crm.ActEmail, Subject: in.Subject, Body: in.Body,
			ContactID: c.ID, DealID: in.DealID, EmailTo: c.Email, StartsAt: a.now()})
		if err != nil {
			return err
		}
		m := mail.Message{To: c.Email, ToName: c.Name(crm.LangJA), Subject: in.Subject, Text: in.Body + "\n",
			FromName: ac.User.Name, FromAddress: ac.User.Email, ReplyTo: ac.User.Email,
			Headers:   map[string]string{"X-Renkei-Activity": fmt.Sprint(act.ID)},
			MessageID: salesMessageID(secret, act.ID, mailDomain(srv.FromAddress))}
		return a.queueMail(ctx, tx, m)
	})
	return act, err
}
