package web

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"renkei/internal/app"
	"renkei/internal/crm"
	"renkei/internal/i18n"
	"renkei/internal/store"
)

// emailRecipientsRoutes are the UI routes of Settings → E-mail delivery:
// the topics of the preference centre, the suppression list, the bounce
// webhook and the sending-domain check.
func (s *server) emailRecipientsRoutes() []route {
	return []route{
		{"GET", "/settings/email-delivery", crm.PermSettings, s.emailDeliveryPage, false},
		{"POST", "/settings/email-delivery/topics", crm.PermSettings, s.emailTopicCreate, false},
		{"POST", "/settings/email-delivery/topics/{id}/delete", crm.PermSettings, s.emailTopicDelete, false},
		{"POST", "/settings/email-delivery/suppressions", crm.PermSettings, s.suppressionsAdd, false},
		{"POST", "/settings/email-delivery/suppressions/check", crm.PermSettings, s.suppressionCheck, false},
		{"POST", "/settings/email-delivery/suppressions/remove", crm.PermSettings, s.suppressionRemove, false},
		{"POST", "/settings/email-delivery/check", crm.PermSettings, s.domainCheck, false},
	}
}

// checkRow is one line of the domain check.
type checkRow struct {
	Name, Status, Text string
	Records            []string
}

// emailDeliveryData is the content of the page.
type emailDeliveryData struct {
	Topics     []store.EmailTopic
	Counts     []countRow
	Total      int64
	WebhookURL string
	Posted     string // which form was posted: topic, suppress, check, remove, domain
	Lookup     string // the result of a check of one address
	Checks     []checkRow
	Topic      *form
	Suppress   *form
	Address    *form
	Domain     *form
}

type countRow struct {
	Reason string
	N      int64
}

func (s *server) emailDeliveryData(w http.ResponseWriter, r *http.Request, rq *req) (*page, *emailDeliveryData, error) {
	ctx := r.Context()
	topics, err := s.app.EmailTopics(ctx, rq.actor)
	if err != nil {
		return nil, nil, err
	}
	counts, err := s.app.SuppressionCounts(ctx, rq.actor)
	if err != nil {
		return nil, nil, err
	}
	key, err := s.app.BounceWebhookKey(ctx, rq.actor)
	if err != nil {
		return nil, nil, err
	}
	d := &emailDeliveryData{Topics: topics, WebhookURL: s.app.BaseURL + "/e/bounces/" + key,
		Topic: newForm(), Suppress: newForm(), Address: newForm(), Domain: newForm()}
	for _, reason := range []string{"unsubscribed", "bounced", "complained", "manual", "erased"} {
		d.Counts = append(d.Counts, countRow{reason, counts[reason]})
		d.Total += counts[reason]
	}
	p := s.newPage(w, r, rq, "emaildelivery.title")
	p.Section, p.Sub = "settings", "emaildelivery"
	p.Form = newForm()
	p.Data = d
	return p, d, nil
}

func (s *server) emailDeliveryPage(w http.ResponseWriter, r *http.Request, rq *req) error {
	p, _, err := s.emailDeliveryData(w, r, rq)
	if err != nil {
		return err
	}
	s.render(w, r, rq, http.StatusOK, "email_delivery", p)
	return nil
}

// emailDeliveryPost reads the form and the page, and points p.Form at the
// posted form so that messages land next to its fields.
func (s *server) emailDeliveryPost(w http.ResponseWriter, r *http.Request, rq *req, posted string) (*page, *emailDeliveryData, error) {
	if err := parseForm(w, r); err != nil {
		return nil, nil, err
	}
	p, d, err := s.emailDeliveryData(w, r, rq)
	if err != nil {
		return nil, nil, err
	}
	d.Posted = posted
	f := submitted(r)
	switch posted {
	case "topic":
		d.Topic = f
	case "suppress":
		d.Suppress = f
	case "check", "remove":
		d.Address = f
	case "domain":
		d.Domain = f
	}
	p.Form = f
	return p, d, nil
}

func (s *server) emailTopicCreate(w http.ResponseWriter, r *http.Request, rq *req) error {
	p, d, err := s.emailDeliveryPost(w, r, rq, "topic")
	if err != nil {
		return err
	}
	f := d.Topic
	pos, _ := strconv.Atoi(f.Get("position"))
	_, err = s.app.CreateEmailTopic(r.Context(), rq.actor, store.EmailTopic{Key: f.Get("key"), NameJA: f.Get("name_ja"),
		NameEN: f.Get("name_en"), DescriptionJA: f.Get("description_ja"), DescriptionEN: f.Get("description_en"), Position: pos})
	if err != nil {
		return again(err, "email_delivery", p)
	}
	return s.redirect(w, r, rq, "/settings/email-delivery", "flash.saved")
}

func (s *server) emailTopicDelete(w http.ResponseWriter, r *http.Request, rq *req) error {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return crm.ErrNotFound
	}
	if err := s.app.DeleteEmailTopic(r.Context(), rq.actor, id); err != nil {
		return err
	}
	return s.redirect(w, r, rq, "/settings/email-delivery", "flash.emaildelivery.topic_deleted")
}

func (s *server) suppressionsAdd(w http.ResponseWriter, r *http.Request, rq *req) error {
	p, d, err := s.emailDeliveryPost(w, r, rq, "suppress")
	if err != nil {
		return err
	}
	var emails []string
	for _, line := range strings.FieldsFunc(d.Suppress.Get("emails"), func(r rune) bool { return r == '\n' || r == ',' || r == ';' }) {
		if line = strings.TrimSpace(line); line != "" {
			emails = append(emails, line)
		}
	}
	if _, err := s.app.AddSuppressions(r.Context(), rq.actor, emails); err != nil {
		return again(err, "email_delivery", p)
	}
	return s.redirect(w, r, rq, "/settings/email-delivery", "flash.saved")
}

func (s *server) suppressionCheck(w http.ResponseWriter, r *http.Request, rq *req) error {
	p, d, err := s.emailDeliveryPost(w, r, rq, "check")
	if err != nil {
		return err
	}
	sp, err := s.app.CheckSuppression(r.Context(), rq.actor, d.Address.Get("email"))
	switch {
	case errors.Is(err, crm.ErrNotFound):
		d.Lookup = i18n.T(rq.lang, "emaildelivery.not_listed")
	case err != nil:
		return again(err, "email_delivery", p)
	default:
		d.Lookup = i18n.T(rq.lang, "emaildelivery.listed", i18n.T(rq.lang, "emaildelivery.reason."+sp.Reason), i18n.Date(rq.lang, sp.CreatedAt))
	}
	s.render(w, r, rq, http.StatusOK, "email_delivery", p)
	return nil
}

func (s *server) suppressionRemove(w http.ResponseWriter, r *http.Request, rq *req) error {
	p, d, err := s.emailDeliveryPost(w, r, rq, "remove")
	if err != nil {
		return err
	}
	err = s.app.RemoveSuppression(r.Context(), rq.actor, d.Address.Get("email"))
	if errors.Is(err, crm.ErrNotFound) {
		err = crm.Invalid("email", "this address is not on the suppression list")
	}
	if err != nil {
		return again(err, "email_delivery", p)
	}
	return s.redirect(w, r, rq, "/settings/email-delivery", "flash.emaildelivery.removed")
}

func (s *server) domainCheck(w http.ResponseWriter, r *http.Request, rq *req) error {
	p, d, err := s.emailDeliveryPost(w, r, rq, "domain")
	if err != nil {
		return err
	}
	cs, err := s.app.CheckSendingDomain(r.Context(), rq.actor, app.DomainCheckInput{Domain: d.Domain.Get("domain"),
		Selector: d.Domain.Get("selector"), PublicKey: d.Domain.Get("public_key")})
	if err != nil {
		return again(err, "email_delivery", p)
	}
	for _, c := range cs {
		args := make([]any, len(c.Args))
		for i, a := range c.Args {
			args[i] = a
		}
		d.Checks = append(d.Checks, checkRow{Name: strings.ToUpper(c.Name), Status: c.Status, Text: i18n.T(rq.lang, c.Key, args...), Records: c.Records})
	}
	s.render(w, r, rq, http.StatusOK, "email_delivery", p)
	return nil
}

// emailTimeline describes the timeline entries of marketing e-mail
// recipients: unsubscribes, preferences, opens, clicks, bounces, replies.
func emailTimeline(lang crm.Language, e store.TimelineEntry, it *timelineItem) {
	str := func(k string) string {
		if v, ok := e.Data[k].(string); ok {
			return v
		}
		return ""
	}
	switch e.Kind {
	case app.KindEmailUnsubscribed:
		it.Icon, it.Color = "ti-mail-off", "bg-red-lt"
		it.Detail = i18n.T(lang, "timeline.email.via", str("via"))
	case app.KindEmailPreferences:
		it.Icon, it.Color = "ti-adjustments", "bg-yellow-lt"
		if out, ok := e.Data["opted_out"].([]any); ok && len(out) > 0 {
			var keys []string
			for _, k := range out {
				if s, ok := k.(string); ok {
					keys = append(keys, s)
				}
			}
			it.Detail = i18n.T(lang, "timeline.email.opted_out", strings.Join(keys, ", "))
		}
	case app.KindEmailOpened:
		it.Icon, it.Color = "ti-mail-opened", "bg-cyan-lt"
	case app.KindEmailClicked:
		it.Icon, it.Color = "ti-click", "bg-cyan-lt"
		it.Detail = str("url")
	case app.KindEmailBounced, app.KindEmailComplained:
		it.Icon, it.Color = "ti-mail-x", "bg-red-lt"
		it.Detail = str("reason")
	case app.KindEmailReplied:
		it.Icon, it.Color = "ti-mail-forward", "bg-green-lt"
		it.Detail = str("subject")
	}
}
