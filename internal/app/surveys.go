package app

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"renkei/internal/crm"
	"renkei/internal/mailtoken"
	"renkei/internal/store"
)

// KindSurvey is the timeline kind of a survey response ({"survey": name,
// "survey_id", "nps", "answers": [[question, answer], …], "replaced"}).
const KindSurvey = "survey"

// ErrSurveyClosed is returned for answers to a survey that is not open.
var ErrSurveyClosed = errors.New("the survey is not open")

// ---- the builder (staff) ----

// Surveys lists the surveys with their counts.
func (a *App) Surveys(ctx context.Context, ac Actor) ([]store.SurveySummary, error) {
	if err := ac.require(crm.PermReadAll); err != nil {
		return nil, err
	}
	return a.Store.Surveys(ctx)
}

// Survey returns one survey.
func (a *App) Survey(ctx context.Context, ac Actor, id int64) (crm.Survey, error) {
	if err := ac.require(crm.PermReadAll); err != nil {
		return crm.Survey{}, err
	}
	return a.Store.Survey(ctx, id)
}

func (a *App) checkSurvey(ctx context.Context, s *crm.Survey) error {
	defs, err := a.Store.Properties(ctx, "contact")
	if err != nil {
		return err
	}
	props := map[string]crm.Property{}
	for _, d := range defs {
		props[d.Key] = d
	}
	s.Normalize()
	return s.Validate(props)
}

// CreateSurvey adds a survey with a new public key.
func (a *App) CreateSurvey(ctx context.Context, ac Actor, s crm.Survey) (crm.Survey, error) {
	if err := ac.require(crm.PermWriteMarketing); err != nil {
		return s, err
	}
	if err := a.checkSurvey(ctx, &s); err != nil {
		return s, err
	}
	s.Key = newFormKey()
	err := a.Store.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.CreateSurvey(ctx, &s, a.now()); err != nil {
			return err
		}
		return tx.Audit(ctx, a.audit(ac, "survey.create", fmt.Sprintf("survey %d", s.ID), s.Name))
	})
	return s, err
}

// UpdateSurvey replaces a survey's definition (not its key) when version
// matches. Stored responses keep their answers; results read them against
// the current questions (answers to removed questions or choices are left
// out).
func (a *App) UpdateSurvey(ctx context.Context, ac Actor, id, version int64, s crm.Survey) (crm.Survey, error) {
	if err := ac.require(crm.PermWriteMarketing); err != nil {
		return s, err
	}
	if err := a.checkSurvey(ctx, &s); err != nil {
		return s, err
	}
	err := a.Store.InTx(ctx, func(tx *store.Tx) error {
		old, err := tx.Survey(ctx, id)
		if err != nil {
			return err
		}
		if version != old.Version {
			return crm.ErrStale
		}
		s.ID, s.Key, s.Version, s.CreatedAt = old.ID, old.Key, old.Version, old.CreatedAt
		if err := tx.UpdateSurvey(ctx, &s, a.now()); err != nil {
			return err
		}
		return tx.Audit(ctx, a.audit(ac, "survey.update", fmt.Sprintf("survey %d", s.ID), s.Name))
	})
	return s, err
}

// DeleteSurvey removes a survey with its responses (timeline entries and
// properties filled from them stay).
func (a *App) DeleteSurvey(ctx context.Context, ac Actor, id int64) error {
	if err := ac.require(crm.PermWriteMarketing); err != nil {
		return err
	}
	return a.Store.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.DeleteSurvey(ctx, id); err != nil {
			return err
		}
		return tx.Audit(ctx, a.audit(ac, "survey.delete", fmt.Sprintf("survey %d", id), ""))
	})
}

// ---- personal links ----

// surveyToken signs a personal link: the survey and the contact.
func (a *App) surveyToken(ctx context.Context, surveyID, contactID int64) (string, error) {
	sec, err := a.MailSecret(ctx)
	if err != nil {
		return "", err
	}
	return mailtoken.Sign(sec, mailtoken.Survey, surveyID, contactID, ""), nil
}

// surveyURL is the personal link of a contact to a survey.
func (a *App) surveyURL(ctx context.Context, s crm.Survey, contactID int64) (string, error) {
	tok, err := a.surveyToken(ctx, s.ID, contactID)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("%s/s/%s?c=%d&t=%s", a.BaseURL, s.Key, contactID, url.QueryEscape(tok)), nil
}

// SurveyLink returns a contact's personal link to a survey: answers sent
// through it are tied to the contact. The actor must be able to see the
// contact.
func (a *App) SurveyLink(ctx context.Context, ac Actor, surveyID, contactID int64) (string, error) {
	if err := ac.require(crm.PermReadAll); err != nil {
		return "", err
	}
	s, err := a.Store.Survey(ctx, surveyID)
	if err != nil {
		return "", err
	}
	if _, err := a.Contact(ctx, ac, contactID); err != nil {
		return "", err
	}
	return a.surveyURL(ctx, s, contactID)
}

// SurveyContact checks a personal link's contact id and token for a
// survey and returns the contact id; a bad pair is a ValidationError on
// "token" (and nothing else is looked at).
func (a *App) SurveyContact(ctx context.Context, s crm.Survey, contact, token string) (int64, error) {
	if contact == "" && token == "" {
		return 0, nil
	}
	bad := crm.Invalid("token", "this personal link is not valid; open the link from your e-mail again")
	cid, err := strconv.ParseInt(contact, 10, 64)
	if err != nil || cid <= 0 || token == "" {
		return 0, bad
	}
	sec, err := a.MailSecret(ctx)
	if err != nil {
		return 0, err
	}
	sid, tc, ok := mailtoken.Verify(sec, mailtoken.Survey, token, "")
	if !ok || sid != s.ID || tc != cid {
		return 0, bad
	}
	if _, err := a.Store.Contact(ctx, cid); errors.Is(err, crm.ErrNotFound) {
		return 0, bad
	} else if err != nil {
		return 0, err
	}
	return cid, nil
}

// ---- answering ----

// PublicSurvey returns a survey by its public key (any status: the page
// says when it is not open).
func (a *App) PublicSurvey(ctx context.Context, key string) (crm.Survey, error) {
	if key == "" || len(key) > 64 {
		return crm.Survey{}, crm.ErrNotFound
	}
	return a.Store.SurveyByKey(ctx, key)
}

// SurveyPost is one set of answers as received.
type SurveyPost struct {
	Survey     crm.Survey
	Values     map[string][]string // by question id; matrix rows as "<question>.<row>"
	ContactID  int64               // from a checked personal link or a staff member; 0 = anonymous
	DealID     int64
	ContractID int64
	Lang       crm.Language
	IP         string
	UserAgent  string
}

// SurveyOutcome is what a response did.
type SurveyOutcome struct {
	ResponseID int64
	ContactID  int64
	Replaced   bool // the contact's earlier response was replaced
}

// SubmitSurvey stores one response after checking every answer (known
// questions, offered choices, scale ranges, sizes, required questions on
// the branch taken). A response tied to a contact replaces the contact's
// earlier one, fills the mapped properties, goes on the timeline and adds
// a "survey" event for scoring, all in one transaction. Bad answers return
// a ValidationError keyed by question id and write nothing.
func (a *App) SubmitSurvey(ctx context.Context, p SurveyPost) (SurveyOutcome, error) {
	var out SurveyOutcome
	s := p.Survey
	if s.Status != crm.SurveyOpen {
		return out, ErrSurveyClosed
	}
	ans, err := s.ParseSurveyAnswers(p.Values)
	if err != nil {
		return out, err
	}
	props := map[string]any{}
	if p.ContactID != 0 {
		for _, q := range s.Questions {
			if an, ok := ans[q.ID]; ok && q.Property != "" {
				props[q.Property] = propertyValue(q, an)
			}
		}
	}
	now := a.now()
	r := store.SurveyResponse{SurveyID: s.ID, ContactID: p.ContactID, DealID: p.DealID, ContractID: p.ContractID,
		At: now, UpdatedAt: now, Answers: ans, SearchText: s.SearchText(ans), Lang: string(p.Lang),
		IP: clip(p.IP, 100), UserAgent: clip(p.UserAgent, 500)}
	if n, ok := s.NPSOf(ans); ok {
		r.NPS = &n
	}
	err = a.Store.InTx(ctx, func(tx *store.Tx) error {
		if p.ContactID != 0 {
			c, err := tx.Contact(ctx, p.ContactID)
			if err != nil {
				return err
			}
			if len(props) > 0 {
				merged, err := a.checkProps(ctx, "contact", c.Props, props)
				if err != nil {
					return surveyPropError(s, err)
				}
				before := c
				c.Props = merged
				if changes := contactChanges(before, c); len(changes) > 0 {
					if err := tx.UpdateContact(ctx, &c, now); err != nil {
						return err
					}
				}
			}
		}
		replaced, err := tx.SaveSurveyResponse(ctx, &r)
		if err != nil {
			return err
		}
		out = SurveyOutcome{ResponseID: r.ID, ContactID: p.ContactID, Replaced: replaced}
		if p.ContactID == 0 {
			return nil
		}
		data := map[string]any{"survey": s.Name, "survey_id": s.ID, "answers": timelineAnswers(s, ans), "replaced": replaced}
		if r.NPS != nil {
			data["nps"] = *r.NPS
		}
		if err := tx.AddTimeline(ctx, &store.TimelineEntry{At: now, ContactID: p.ContactID, Kind: KindSurvey, Data: data,
			RefType: "survey_response", RefID: r.ID}); err != nil {
			return err
		}
		return tx.AddSurveyEvent(ctx, p.ContactID, now, s.Key, map[string]any{"survey_id": s.ID, "response_id": r.ID})
	})
	if err != nil {
		return SurveyOutcome{}, err
	}
	if p.ContactID != 0 {
		if err := a.rescoreContacts(ctx, []int64{p.ContactID}); err != nil {
			a.Log.Error("surveys: rescore after a response", "contact", p.ContactID, "err", err)
		}
	}
	return out, nil
}

// SubmitSurveyFor stores a response for a contact on a staff member's
// behalf (the API; a telephone interview typed in).
func (a *App) SubmitSurveyFor(ctx context.Context, ac Actor, surveyID, contactID int64, values map[string][]string) (SurveyOutcome, error) {
	if err := ac.require(crm.PermWriteContacts); err != nil {
		return SurveyOutcome{}, err
	}
	s, err := a.Store.Survey(ctx, surveyID)
	if err != nil {
		return SurveyOutcome{}, err
	}
	if contactID != 0 {
		if _, err := a.Contact(ctx, ac, contactID); errors.Is(err, crm.ErrNotFound) {
			return SurveyOutcome{}, crm.Invalid("contact_id", "is not a contact you can see")
		} else if err != nil {
			return SurveyOutcome{}, err
		}
	}
	if s.Status != crm.SurveyOpen {
		return SurveyOutcome{}, crm.Invalid("survey_id", "the survey is not open; set its status to open to take answers")
	}
	return a.SubmitSurvey(ctx, SurveyPost{Survey: s, Values: values, ContactID: contactID, Lang: ac.User.Language})
}

// propertyValue is the value an answer writes to its mapped property.
func propertyValue(q crm.SurveyQuestion, a crm.SurveyAnswer) any {
	switch {
	case a.Choice != "":
		return a.Choice
	case len(a.Choices) > 0:
		return a.Choices
	case a.Value != nil:
		return float64(*a.Value)
	}
	return a.Text
}

// surveyPropError moves property errors (props.<key>) to the question
// that fills the property.
func surveyPropError(s crm.Survey, err error) error {
	v, ok := crm.AsValidation(err)
	if !ok {
		return err
	}
	out := &crm.ValidationError{}
	for f, m := range v.Fields {
		key := strings.TrimPrefix(f, "props.")
		at := f
		for _, q := range s.Questions {
			if q.Property == key {
				at = q.ID
			}
		}
		out.Add(at, m)
	}
	return out
}

// timelineAnswers lists answers as [question, answer] pairs in the
// survey's order, in Japanese where given (the timeline shows them as
// written down at the time).
func timelineAnswers(s crm.Survey, ans crm.SurveyAnswers) [][2]string {
	var out [][2]string
	for _, q := range s.Questions {
		a, ok := ans[q.ID]
		if !ok {
			continue
		}
		out = append(out, [2]string{q.Text(crm.LangJA), AnswerText(q, a, crm.LangJA)})
	}
	return out
}

// AnswerText renders one answer as text in lang.
func AnswerText(q crm.SurveyQuestion, a crm.SurveyAnswer, lang crm.Language) string {
	switch q.Kind {
	case crm.QSingle:
		if c, ok := q.Choice(a.Choice); ok {
			return c.Label(lang)
		}
		return a.Choice
	case crm.QMultiple:
		parts := make([]string, 0, len(a.Choices))
		for _, id := range a.Choices {
			if c, ok := q.Choice(id); ok {
				parts = append(parts, c.Label(lang))
			} else {
				parts = append(parts, id)
			}
		}
		return strings.Join(parts, "; ")
	case crm.QScale, crm.QNPS:
		if a.Value != nil {
			return strconv.Itoa(*a.Value)
		}
	case crm.QText:
		return a.Text
	case crm.QMatrix:
		var parts []string
		for _, r := range q.Rows {
			if n, ok := a.Rows[r.ID]; ok {
				parts = append(parts, fmt.Sprintf("%s: %d", r.Label(lang), n))
			}
		}
		return strings.Join(parts, "; ")
	}
	return ""
}

// ---- responses ----

// SurveyResponses lists responses newest first: of a survey (optionally
// those whose free text contains q) or of a contact. Anonymous responses
// are listed; responses of contacts the actor may not see are left out.
func (a *App) SurveyResponses(ctx context.Context, ac Actor, f store.SurveyResponseFilter) ([]store.SurveyResponse, error) {
	if err := ac.require(crm.PermReadAll); err != nil {
		return nil, err
	}
	if f.ContactID != 0 {
		if _, err := a.Contact(ctx, ac, f.ContactID); err != nil {
			return nil, err
		}
	} else if _, err := a.Store.Survey(ctx, f.SurveyID); err != nil {
		return nil, err
	}
	f.Query = crm.FoldSearch(strings.TrimSpace(f.Query))
	if len(f.Query) > 200 {
		return nil, crm.Invalid("q", "search for at most 200 characters")
	}
	rs, err := a.Store.SurveyResponses(ctx, f)
	if err != nil {
		return nil, err
	}
	return a.visibleResponses(ctx, ac, rs)
}

func (a *App) visibleResponses(ctx context.Context, ac Actor, rs []store.SurveyResponse) ([]store.SurveyResponse, error) {
	mode, err := a.visibility(ctx, "contacts")
	if err != nil || mode != crm.VisibleTeam || ac.User.Role == crm.RoleAdmin {
		return rs, err
	}
	v := ac.User.Viewer()
	out := rs[:0]
	for _, r := range rs {
		if r.ContactID == 0 || v.CanSee(mode, r.OwnerID, r.TeamID) {
			out = append(out, r)
		}
	}
	return out, nil
}
