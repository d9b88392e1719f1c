package web

import (
	"net/http"
	"strconv"
	"strings"

	"renkei/internal/app"
	"renkei/internal/crm"
	"renkei/internal/store"
)

// webhooksRoutes are the UI routes of outgoing webhooks and their delivery
// log, and of the privacy (retention) settings.
func (s *server) webhooksRoutes() []route {
	return []route{
		{"GET", "/settings/webhooks", crm.PermSettings, s.webhooksPage, false},
		{"POST", "/settings/webhooks", crm.PermSettings, s.webhookCreate, false},
		{"POST", "/settings/webhooks/network", crm.PermSettings, s.webhookNetworkPost, false},
		{"GET", "/settings/webhooks/{id}", crm.PermSettings, s.webhookPage, false},
		{"POST", "/settings/webhooks/{id}", crm.PermSettings, s.webhookUpdate, false},
		{"POST", "/settings/webhooks/{id}/delete", crm.PermSettings, s.webhookDelete, false},
		{"POST", "/settings/webhooks/{id}/secret", crm.PermSettings, s.webhookSecret, false},
		{"POST", "/settings/webhooks/{id}/test", crm.PermSettings, s.webhookTest, false},
		{"POST", "/settings/webhooks/{id}/deliveries/{delivery}/resend", crm.PermSettings, s.webhookResend, false},
		{"GET", "/settings/privacy", crm.PermSettings, s.privacyPage, false},
		{"POST", "/settings/privacy", crm.PermSettings, s.privacyPost, false},
	}
}

// webhooksData is the content of the webhooks page.
type webhooksData struct {
	Hooks        []store.Webhook
	Last         map[int64]store.WebhookDelivery // each webhook's newest delivery
	Events       []string                        // the events one can subscribe to
	AllowPrivate bool
	Network      *form // the network settings form
	Posted       string
}

func (s *server) webhooksPageData(w http.ResponseWriter, r *http.Request, rq *req) (*page, *webhooksData, error) {
	hooks, err := s.app.Webhooks(r.Context(), rq.actor)
	if err != nil {
		return nil, nil, err
	}
	st, err := s.app.WebhookSettings(r.Context(), rq.actor)
	if err != nil {
		return nil, nil, err
	}
	p := s.newPage(w, r, rq, "webhooks.title")
	p.Section, p.Sub = "settings", "webhooks"
	p.Form = newForm()
	p.Form.Set("active", "on")
	d := &webhooksData{Hooks: hooks, Events: app.WebhookEvents(), AllowPrivate: st.AllowPrivate, Network: newForm(),
		Last: map[int64]store.WebhookDelivery{}}
	for _, h := range hooks {
		last, err := s.app.WebhookDeliveries(r.Context(), rq.actor, h.ID, 0, 1)
		if err != nil {
			return nil, nil, err
		}
		if len(last) > 0 {
			d.Last[h.ID] = last[0]
		}
	}
	d.Network.Version = st.Version
	if st.AllowPrivate {
		d.Network.Set("allow_private", "on")
	}
	p.Data = d
	return p, d, nil
}

func (s *server) webhooksPage(w http.ResponseWriter, r *http.Request, rq *req) error {
	p, _, err := s.webhooksPageData(w, r, rq)
	if err != nil {
		return err
	}
	s.render(w, r, rq, http.StatusOK, "webhooks", p)
	return nil
}

// webhookInput reads the webhook form.
func webhookInput(f *form) app.WebhookInput {
	return app.WebhookInput{Name: f.Get("name"), URL: f.Get("url"), Events: f.Values["events"], Active: f.Get("active") == "on"}
}

func (s *server) webhookCreate(w http.ResponseWriter, r *http.Request, rq *req) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	p, d, err := s.webhooksPageData(w, r, rq)
	if err != nil {
		return err
	}
	d.Posted = "create"
	p.Form = submitted(r)
	h, err := s.app.CreateWebhook(r.Context(), rq.actor, webhookInput(p.Form))
	if err != nil {
		return again(err, "webhooks", p)
	}
	// The secret is shown on the webhook's page, this once.
	return s.renderWebhook(w, r, rq, h.ID, h.Secret)
}

func (s *server) webhookNetworkPost(w http.ResponseWriter, r *http.Request, rq *req) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	p, d, err := s.webhooksPageData(w, r, rq)
	if err != nil {
		return err
	}
	d.Posted = "network"
	d.Network = submitted(r)
	st := app.WebhookSettings{AllowPrivate: r.PostFormValue("allow_private") == "on", Version: d.Network.Version}
	if _, err := s.app.UpdateWebhookSettings(r.Context(), rq.actor, st); err != nil {
		p.Form = d.Network
		return again(err, "webhooks", p)
	}
	return s.redirect(w, r, rq, "/settings/webhooks", "flash.saved")
}

// webhookData is the content of one webhook's page.
type webhookData struct {
	Hook       store.Webhook
	Events     []string
	Secret     string // set right after creation or regeneration
	Deliveries []store.WebhookDelivery
	Before     int64 // the cursor of this page of the log (0 = newest)
	Next       int64 // the cursor of the next (older) page, 0 = none
	Counts     map[string]int
	Posted     string
}

// deliveryPageSize is how many deliveries one page of the log shows.
const deliveryPageSize = 25

func (s *server) webhookPageData(w http.ResponseWriter, r *http.Request, rq *req, id int64) (*page, *webhookData, error) {
	h, err := s.app.Webhook(r.Context(), rq.actor, id)
	if err != nil {
		return nil, nil, err
	}
	d := &webhookData{Hook: h, Events: app.WebhookEvents(), Counts: map[string]int{}}
	d.Before, _ = strconv.ParseInt(r.URL.Query().Get("before"), 10, 64)
	ds, err := s.app.WebhookDeliveries(r.Context(), rq.actor, id, d.Before, deliveryPageSize+1)
	if err != nil {
		return nil, nil, err
	}
	if len(ds) > deliveryPageSize {
		ds = ds[:deliveryPageSize]
		d.Next = ds[len(ds)-1].ID
	}
	d.Deliveries = ds
	for _, x := range ds {
		d.Counts[x.Status]++
	}
	p := s.newPage(w, r, rq, "")
	p.Title = h.Name
	p.Section, p.Sub = "settings", "webhooks"
	p.Form = newForm()
	p.Form.Version = h.Version
	p.Form.Set("name", h.Name)
	p.Form.Set("url", h.URL)
	p.Form.Values["events"] = h.Events
	if h.Active {
		p.Form.Set("active", "on")
	}
	p.Data = d
	return p, d, nil
}

// renderWebhook shows a webhook's page with its secret, shown this once.
func (s *server) renderWebhook(w http.ResponseWriter, r *http.Request, rq *req, id int64, secret string) error {
	p, d, err := s.webhookPageData(w, r, rq, id)
	if err != nil {
		return err
	}
	d.Secret = secret
	s.render(w, r, rq, http.StatusOK, "webhook", p)
	return nil
}

func (s *server) webhookPage(w http.ResponseWriter, r *http.Request, rq *req) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	p, _, err := s.webhookPageData(w, r, rq, id)
	if err != nil {
		return err
	}
	s.render(w, r, rq, http.StatusOK, "webhook", p)
	return nil
}

func (s *server) webhookUpdate(w http.ResponseWriter, r *http.Request, rq *req) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := parseForm(w, r); err != nil {
		return err
	}
	p, d, err := s.webhookPageData(w, r, rq, id)
	if err != nil {
		return err
	}
	d.Posted = "edit"
	p.Form = submitted(r)
	if _, err := s.app.UpdateWebhook(r.Context(), rq.actor, id, p.Form.Version, webhookInput(p.Form)); err != nil {
		return again(err, "webhook", p)
	}
	return s.redirect(w, r, rq, "/settings/webhooks/"+strconv.FormatInt(id, 10), "flash.saved")
}

func (s *server) webhookDelete(w http.ResponseWriter, r *http.Request, rq *req) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.app.DeleteWebhook(r.Context(), rq.actor, id); err != nil {
		return err
	}
	return s.redirect(w, r, rq, "/settings/webhooks", "flash.webhook_deleted")
}

func (s *server) webhookSecret(w http.ResponseWriter, r *http.Request, rq *req) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	h, err := s.app.RegenerateWebhookSecret(r.Context(), rq.actor, id)
	if err != nil {
		return err
	}
	return s.renderWebhook(w, r, rq, id, h.Secret)
}

func (s *server) webhookTest(w http.ResponseWriter, r *http.Request, rq *req) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if _, err := s.app.SendTestWebhook(r.Context(), rq.actor, id); err != nil {
		return err
	}
	s.wake()
	return s.redirect(w, r, rq, "/settings/webhooks/"+strconv.FormatInt(id, 10), "flash.webhook_test_queued")
}

func (s *server) webhookResend(w http.ResponseWriter, r *http.Request, rq *req) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	did, err := pathID(r, "delivery")
	if err != nil {
		return err
	}
	if _, err := s.app.RedeliverWebhook(r.Context(), rq.actor, id, did); err != nil {
		return err
	}
	s.wake()
	return s.redirect(w, r, rq, "/settings/webhooks/"+strconv.FormatInt(id, 10), "flash.webhook_resend_queued")
}

// privacyData is the content of the privacy settings page.
type privacyData struct {
	DeliveryLogDays int
}

func (s *server) privacyPageData(w http.ResponseWriter, r *http.Request, rq *req) (*page, error) {
	ps, err := s.app.PrivacySettings(r.Context(), rq.actor)
	if err != nil {
		return nil, err
	}
	p := s.newPage(w, r, rq, "privacy.title")
	p.Section, p.Sub = "settings", "privacy"
	p.Form = newForm()
	p.Form.Version = ps.Version
	p.Form.Set("tracking_days", strconv.Itoa(ps.TrackingDays))
	p.Form.Set("ip_days", strconv.Itoa(ps.IPDays))
	p.Data = privacyData{DeliveryLogDays: app.DeliveryLogDays}
	return p, nil
}

func (s *server) privacyPage(w http.ResponseWriter, r *http.Request, rq *req) error {
	p, err := s.privacyPageData(w, r, rq)
	if err != nil {
		return err
	}
	s.render(w, r, rq, http.StatusOK, "privacy", p)
	return nil
}

func (s *server) privacyPost(w http.ResponseWriter, r *http.Request, rq *req) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	p, err := s.privacyPageData(w, r, rq)
	if err != nil {
		return err
	}
	p.Form = submitted(r)
	v := &crm.ValidationError{}
	days := func(name string) int {
		n, err := strconv.Atoi(strings.TrimSpace(p.Form.Get(name)))
		if err != nil {
			v.Add(name, "enter a number of days from 0 (keep forever) to 36500")
		}
		return n
	}
	ps := app.PrivacySettings{TrackingDays: days("tracking_days"), IPDays: days("ip_days"), Version: p.Form.Version}
	if err := v.Err(); err != nil {
		return again(err, "privacy", p)
	}
	if _, err := s.app.UpdatePrivacySettings(r.Context(), rq.actor, ps); err != nil {
		return again(err, "privacy", p)
	}
	return s.redirect(w, r, rq, "/settings/privacy", "flash.saved")
}
