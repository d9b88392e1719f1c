package app

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"time"

	"renkei/internal/crm"
	"renkei/internal/mailtoken"
	"renkei/internal/store"
)

// Automatic surveys. An open survey with a trigger is sent by itself:
//   - TriggerContract: the after-follow NPS survey, TriggerDays after a
//     contract starts;
//   - TriggerDealClosed: the win / loss survey, when a deal is won or lost.
//
// "Sent" means: a personal link is made for the deal's primary contact and
// a task for the deal's owner carries it (due on the day), linked to the
// deal, so it shows on the deal and in the owner's task list. The owner
// sends it in their own words (a thank-you after a win, a short note after
// a loss), which suits a sales relationship better than an automatic mail;
// nothing goes through the outbox. A survey_invites row keeps each
// contract or deal from getting the same survey twice.

// mailSecretTx is MailSecret inside a write transaction (on SQLite the
// one writer is taken, so the secret cannot be created in another one).
func (a *App) mailSecretTx(ctx context.Context, tx *store.Tx) ([]byte, error) {
	var doc struct {
		Key string `json:"key"`
	}
	if _, err := tx.ReadSetting(ctx, mailSecretKey, &doc); err == nil {
		return base64.RawURLEncoding.DecodeString(doc.Key)
	} else if !errors.Is(err, crm.ErrNotFound) {
		return nil, err
	}
	b := make([]byte, 32)
	rand.Read(b)
	doc.Key = base64.RawURLEncoding.EncodeToString(b)
	if _, err := tx.PutSetting(ctx, mailSecretKey, doc, 0, a.now()); err != nil {
		return nil, err
	}
	return b, nil
}

// inviteToSurveys makes the invitations of every open survey with the
// trigger for one record.
func (a *App) inviteToSurveys(ctx context.Context, tx *store.Tx, actorID int64, trig crm.SurveyTrigger, refType string,
	refID int64, d crm.Deal, ownerID int64, base time.Time, lang crm.Language, won bool) error {
	if d.ContactID == 0 {
		return nil
	}
	surveys, err := tx.SurveysWithTrigger(ctx, trig)
	if err != nil || len(surveys) == 0 {
		return err
	}
	if ownerID == 0 {
		ownerID = actorID
	}
	sec, err := a.mailSecretTx(ctx, tx)
	if err != nil {
		return err
	}
	for _, s := range surveys {
		due := base
		if trig == crm.TriggerContract {
			due = base.AddDate(0, 0, s.TriggerDays)
			due = time.Date(due.Year(), due.Month(), due.Day(), playbookHour, 0, 0, 0, due.Location())
		}
		inv := store.SurveyInvite{SurveyID: s.ID, ContactID: d.ContactID, RefType: refType, RefID: refID, DueAt: due.UTC(),
			CreatedAt: a.now()}
		added, err := tx.AddSurveyInvite(ctx, &inv)
		if err != nil {
			return err
		}
		if !added {
			continue
		}
		tok := mailtoken.Sign(sec, mailtoken.Survey, s.ID, d.ContactID, "")
		link := fmt.Sprintf("%s/s/%s?c=%d&t=%s", a.BaseURL, s.Key, d.ContactID, tok)
		title, notes := surveyTaskText(lang, trig, won, s, d, link)
		if ownerID == 0 {
			continue // no one to give the task to; the invitation row still holds the link's record
		}
		t := crm.Task{Title: title, Notes: notes, OwnerID: ownerID, DealID: d.ID, ContactID: d.ContactID,
			DueAt: due.UTC(), CreatedBy: actorID, RemindMinutes: 0}
		t.Normalize()
		if len([]rune(t.Title)) > 200 {
			t.Title = string([]rune(t.Title)[:200])
		}
		if err := tx.CreateTask(ctx, &t, a.now()); err != nil {
			return err
		}
		if err := a.scheduleReminder(ctx, tx, t); err != nil {
			return err
		}
		if err := tx.SetSurveyInviteTask(ctx, inv.ID, t.ID); err != nil {
			return err
		}
	}
	return nil
}

// surveyTaskText is the task of an automatic survey.
func surveyTaskText(lang crm.Language, trig crm.SurveyTrigger, won bool, s crm.Survey, d crm.Deal, link string) (title, notes string) {
	if lang == crm.LangJA {
		what := "アフターフォローのアンケートを送る"
		if trig == crm.TriggerDealClosed {
			what = "受注アンケートを送る"
			if !won {
				what = "失注アンケートを送る"
			}
		}
		return fmt.Sprintf("%s: %s", what, d.Name),
			fmt.Sprintf("「%s」をお客様にお送りください。この方専用のリンクです（回答は連絡先に記録されます）:\n%s", s.Title(lang), link)
	}
	what := "Send the after-follow survey"
	if trig == crm.TriggerDealClosed {
		what = "Send the win survey"
		if !won {
			what = "Send the loss survey"
		}
	}
	return fmt.Sprintf("%s: %s", what, d.Name),
		fmt.Sprintf("Send “%s” to the customer. The link is personal (answers are recorded on the contact):\n%s", s.Title(lang), link)
}

// surveyAfterContract invites the contract's contact to the after-follow
// surveys (dealWon calls it for a new contract).
func (a *App) surveyAfterContract(ctx context.Context, tx *store.Tx, actorID int64, k crm.Contract, d crm.Deal, start time.Time, lang crm.Language) error {
	return a.inviteToSurveys(ctx, tx, actorID, crm.TriggerContract, "contract", k.ID, d, k.OwnerID, start, lang, true)
}

// surveyDealClosed invites a closed deal's contact to the win / loss
// surveys (a deal moved into a won or lost stage).
func (a *App) surveyDealClosed(ctx context.Context, tx *store.Tx, actorID int64, d crm.Deal, won bool, lang crm.Language) error {
	return a.inviteToSurveys(ctx, tx, actorID, crm.TriggerDealClosed, "deal", d.ID, d, d.OwnerID, a.now(), lang, won)
}

// DealSurveyLinks returns the survey links made for a deal (win / loss)
// and its contract (after-follow), for the deal page.
func (a *App) DealSurveyLinks(ctx context.Context, ac Actor, dealID int64) ([]SurveyInviteLink, error) {
	if err := ac.require(crm.PermReadAll); err != nil {
		return nil, err
	}
	var out []SurveyInviteLink
	invs, err := a.Store.SurveyInvites(ctx, "deal", dealID)
	if err != nil {
		return nil, err
	}
	ks, err := a.Store.Contracts(ctx, store.ContractQuery{DealID: dealID, Limit: 1})
	if err != nil {
		return nil, err
	}
	for _, k := range ks {
		more, err := a.Store.SurveyInvites(ctx, "contract", k.ID)
		if err != nil {
			return nil, err
		}
		invs = append(invs, more...)
	}
	for _, in := range invs {
		s, err := a.Store.Survey(ctx, in.SurveyID)
		if err != nil {
			continue
		}
		link, err := a.surveyURL(ctx, s, in.ContactID)
		if err != nil {
			return nil, err
		}
		out = append(out, SurveyInviteLink{SurveyInvite: in, Survey: s, URL: link})
	}
	return out, nil
}

// SurveyInviteLink is an invitation with its survey and link.
type SurveyInviteLink struct {
	store.SurveyInvite
	Survey crm.Survey
	URL    string
}
