package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"renkei/internal/app"
	"renkei/internal/crm"
)

// TestBroadcastPages: the sending settings page saves, generates a DKIM
// key and shows its record; a broadcast is written through the form (bad
// input shown per field), refused to start without the sender details,
// started with them, and its page shows the progress.
func TestBroadcastPages(t *testing.T) {
	e := newEnv(t)
	admin := e.setup()
	ctx := context.Background()
	check := pageChecker(t)
	for _, p := range []string{"/marketing/broadcasts", "/settings/sending", "/marketing/broadcasts/new"} {
		w := e.do(http.MethodGet, p, admin, nil)
		wantStatus(t, p, w, http.StatusOK)
		check(p, w.Body.String())
	}
	if w := e.do(http.MethodGet, "/marketing/broadcasts", admin, nil); !strings.Contains(w.Body.String(), "No broadcasts yet") {
		t.Error("no empty state")
	}
	g, err := e.app.CreateSegment(ctx, actorOf(t, e, "admin@example.com"), crm.Segment{Name: "読者", Kind: crm.SegmentStatic})
	if err != nil {
		t.Fatal(err)
	}
	// Bad form: messages per field, nothing saved.
	w := e.do(http.MethodPost, "/marketing/broadcasts", admin, url.Values{"name": {""}, "subject": {"x"}, "html": {"{{nope}}"}, "per_second": {"abc"}})
	wantStatus(t, "bad broadcast", w, http.StatusUnprocessableEntity)
	for _, want := range []string{"is-invalid", "Choose at least one segment or list"} {
		if !strings.Contains(w.Body.String(), want) {
			t.Errorf("bad form lacks %q", want)
		}
	}
	form := url.Values{"name": {"4月のご案内"}, "subject": {"{{family_name}}様"}, "html": {"<p>{{company | \"御社\"}}</p>"},
		"include_ids": {strconvI(g.ID)}}
	w = e.do(http.MethodPost, "/marketing/broadcasts", admin, form)
	wantStatus(t, "create", w, http.StatusSeeOther)
	loc := w.Header().Get("Location")
	w = e.do(http.MethodGet, loc, admin, nil)
	wantStatus(t, loc, w, http.StatusOK)
	check(loc, w.Body.String())
	if !strings.Contains(w.Body.String(), "Sending is not set up yet") {
		t.Error("the page does not say sending is not set up")
	}
	w = e.do(http.MethodPost, loc+"/start", admin, url.Values{})
	wantStatus(t, "start without compliance", w, http.StatusUnprocessableEntity)
	if !strings.Contains(w.Body.String(), "sender name that every marketing e-mail must show") {
		t.Errorf("no compliance message:\n%.3000s", w.Body.String())
	}
	// The settings page: a relay, the sender details and a new DKIM key.
	set := url.Values{"version": {"0"}, "domain": {"example.jp"}, "from_address": {"news@example.jp"}, "dkim_selector": {"renkei"},
		"generate_dkim": {"1"}, "compliance.sender_name": {"株式会社サンプル"}, "compliance.postal_address": {"東京都千代田区1-1"},
		"compliance.contact_email": {"info@example.jp"}, "relays.0.host": {"127.0.0.1"}, "relays.0.port": {"2525"}, "relays.0.security": {"none"}}
	w = e.do(http.MethodPost, "/settings/sending", admin, set)
	wantStatus(t, "save sending", w, http.StatusSeeOther)
	w = e.do(http.MethodGet, "/settings/sending", admin, nil)
	if !strings.Contains(w.Body.String(), "v=DKIM1; k=rsa; p=") || !strings.Contains(w.Body.String(), "renkei._domainkey.example.jp") {
		t.Error("no DKIM record on the page")
	}
	if strings.Contains(w.Body.String(), "PRIVATE KEY") {
		t.Error("the private key is shown")
	}
	set.Set("relays.0.port", "99999")
	set.Set("version", "1")
	w = e.do(http.MethodPost, "/settings/sending", admin, set)
	wantStatus(t, "bad port", w, http.StatusUnprocessableEntity)
	w = e.do(http.MethodPost, loc+"/start", admin, url.Values{})
	wantStatus(t, "start", w, http.StatusSeeOther)
	w = e.do(http.MethodGet, loc+"/progress", admin, nil)
	wantStatus(t, "progress", w, http.StatusOK)
	if !strings.Contains(w.Body.String(), `hx-trigger="every 2s"`) {
		t.Error("the progress does not poll while queueing")
	}
	bs, _ := e.app.Broadcasts(ctx, actorOf(t, e, "admin@example.com"))
	if len(bs) != 1 || bs[0].Status != crm.BroadcastQueueing {
		t.Errorf("broadcasts = %+v", bs)
	}
	_ = app.SendingSettingsKey
}
