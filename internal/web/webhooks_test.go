package web

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// TestWebhookPages drives Settings → Webhooks and Settings → Privacy: bad
// input shows inline messages and stores nothing; a new webhook's secret
// shows once; the test button queues a delivery that the log lists; a
// payload with markup shows as text.
func TestWebhookPages(t *testing.T) {
	e := newEnv(t)
	admin := e.setup()

	w := e.do("GET", "/settings/webhooks", admin, nil)
	wantStatus(t, "webhooks page", w, http.StatusOK)
	if !strings.Contains(w.Body.String(), "No webhooks yet") {
		t.Error("the empty page does not say what to do")
	}

	bad := url.Values{"url": {"https://127.0.0.1/hook"}}
	w = e.do("POST", "/settings/webhooks", admin, bad)
	wantStatus(t, "bad webhook", w, http.StatusUnprocessableEntity)
	body := w.Body.String()
	if !strings.Contains(body, "loopback, private or link-local") || !strings.Contains(body, "Choose at least one event") {
		t.Errorf("bad input: messages missing:\n%.3000s", body)
	}
	if hooks, _ := e.app.Store.Webhooks(context.Background()); len(hooks) != 0 {
		t.Fatalf("%d webhooks stored from bad input", len(hooks))
	}

	good := url.Values{"name": {"<b>Chat</b>"}, "url": {"https://hooks.example.com/renkei"}, "events": {"contact.created", "lead.mql"}, "active": {"on"}}
	w = e.do("POST", "/settings/webhooks", admin, good)
	wantStatus(t, "create webhook", w, http.StatusOK)
	secret := regexp.MustCompile(`whsec_[A-Za-z0-9_-]{43}`).FindString(w.Body.String())
	if secret == "" {
		t.Fatal("the new webhook's secret is not shown")
	}
	if strings.Contains(w.Body.String(), "<b>Chat</b>") {
		t.Error("the webhook name is not escaped")
	}
	hooks, _ := e.app.Store.Webhooks(context.Background())
	if len(hooks) != 1 || hooks[0].Secret != secret {
		t.Fatalf("stored %+v", hooks)
	}
	page := "/settings/webhooks/" + strconvI(hooks[0].ID)
	w = e.do("GET", page, admin, nil)
	wantStatus(t, "webhook page", w, http.StatusOK)
	if strings.Contains(w.Body.String(), secret) {
		t.Error("the secret is shown again")
	}
	if !strings.Contains(w.Body.String(), "Nothing sent yet") {
		t.Error("the empty log does not say what to do")
	}

	w = e.do("POST", page+"/test", admin, url.Values{})
	wantStatus(t, "send test", w, http.StatusSeeOther)
	w = e.do("GET", page, admin, nil)
	if !strings.Contains(w.Body.String(), "ping") || !strings.Contains(w.Body.String(), "Queued") {
		t.Errorf("the log does not list the test event:\n%.2000s", w.Body.String())
	}

	w = e.do("POST", page+"/secret", admin, url.Values{})
	wantStatus(t, "new secret", w, http.StatusOK)
	if s2 := regexp.MustCompile(`whsec_[A-Za-z0-9_-]{43}`).FindString(w.Body.String()); s2 == "" || s2 == secret {
		t.Error("a new secret is not shown")
	}

	// Privacy settings.
	w = e.do("POST", "/settings/privacy", admin, url.Values{"tracking_days": {"soon"}, "ip_days": {"-3"}, "version": {"0"}})
	wantStatus(t, "bad retention", w, http.StatusUnprocessableEntity)
	if !strings.Contains(w.Body.String(), "Enter a number of days") {
		t.Error("bad retention: no message")
	}
	w = e.do("POST", "/settings/privacy", admin, url.Values{"tracking_days": {"90"}, "ip_days": {"7"}, "version": {"0"}})
	wantStatus(t, "retention", w, http.StatusSeeOther)
	ps, err := e.app.PrivacySettings(context.Background(), actorOf(t, e, "admin@example.com"))
	if err != nil || ps.TrackingDays != 90 || ps.IPDays != 7 {
		t.Errorf("stored %+v %v", ps, err)
	}
}
