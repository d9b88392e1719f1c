package web

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"renkei/internal/crm"
	"renkei/internal/store"
)

// TestBroadcastTopicSelect: the broadcast form's topic is a select of the
// preference centre's topics with "No topic" first (and a hint where to
// add topics while there are none); a key that is not a topic is refused
// with a message at the field and nothing is saved; a chosen topic is
// saved and selected again on the edit page.
func TestBroadcastTopicSelect(t *testing.T) {
	e := newEnv(t)
	admin := e.setup()
	ctx := context.Background()
	ac := actorOf(t, e, "admin@example.com")
	w := e.do(http.MethodGet, "/marketing/broadcasts/new", admin, nil)
	wantStatus(t, "new", w, http.StatusOK)
	body := w.Body.String()
	for _, want := range []string{`<select id="f-topic" name="topic"`, `<option value="">No topic</option>`, "No topics yet.", `href="/settings/email-delivery"`} {
		if !strings.Contains(body, want) {
			t.Errorf("form without topics lacks %q", want)
		}
	}
	if strings.Contains(body, `<input id="f-topic"`) {
		t.Error("the topic is still a text field")
	}
	for _, tp := range []store.EmailTopic{{Key: "newsletter", NameJA: "ニュースレター", NameEN: "Newsletter"}, {Key: "seminars", NameJA: "セミナー案内"}} {
		if _, err := e.app.CreateEmailTopic(ctx, ac, tp); err != nil {
			t.Fatal(err)
		}
	}
	g, err := e.app.CreateSegment(ctx, ac, crm.Segment{Name: "読者", Kind: crm.SegmentStatic})
	if err != nil {
		t.Fatal(err)
	}
	w = e.do(http.MethodGet, "/marketing/broadcasts/new", admin, nil)
	body = w.Body.String()
	for _, want := range []string{`<option value="newsletter">Newsletter</option>`, `<option value="seminars">セミナー案内</option>`,
		"Contacts who opted out of the topic"} {
		if !strings.Contains(body, want) {
			t.Errorf("form with topics lacks %q", want)
		}
	}
	form := url.Values{"name": {"セミナーのご案内"}, "subject": {"ご案内"}, "html": {"<p>x</p>"}, "include_ids": {strconvI(g.ID)}, "topic": {"webinars"}}
	w = e.do(http.MethodPost, "/marketing/broadcasts", admin, form)
	wantStatus(t, "unknown topic", w, http.StatusUnprocessableEntity)
	body = w.Body.String()
	if !strings.Contains(body, "Is not a topic of the preference centre") && !strings.Contains(body, "is not a topic of the preference centre") {
		t.Errorf("no message for the topic:\n%.2000s", body)
	}
	if !strings.Contains(body, `<option value="webinars" selected>webinars</option>`) {
		t.Error("the refused value is not shown")
	}
	if bs, _ := e.app.Broadcasts(ctx, ac); len(bs) != 0 {
		t.Fatalf("%d broadcasts saved", len(bs))
	}
	form.Set("topic", "seminars")
	w = e.do(http.MethodPost, "/marketing/broadcasts", admin, form)
	wantStatus(t, "create", w, http.StatusSeeOther)
	bs, err := e.app.Broadcasts(ctx, ac)
	if err != nil || len(bs) != 1 || bs[0].Topic != "seminars" {
		t.Fatalf("saved %+v, %v", bs, err)
	}
	w = e.do(http.MethodGet, "/marketing/broadcasts/"+strconvI(bs[0].ID)+"/edit", admin, nil)
	wantStatus(t, "edit", w, http.StatusOK)
	if !strings.Contains(w.Body.String(), `<option value="seminars" selected>セミナー案内</option>`) {
		t.Error("the edit page does not select the saved topic")
	}
}
