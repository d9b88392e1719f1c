package web

import (
	"net/url"
	"strings"
	"testing"
)

// TestEmailDeliverySettings posts each form of Settings → E-mail delivery:
// bad input comes back with a message next to the field and nothing
// written; good input is saved.
func TestEmailDeliverySettings(t *testing.T) {
	e := newEnv(t)
	admin := e.setup()
	post := func(path string, form url.Values) (int, string) {
		w := e.do("POST", path, admin, form, "Origin", "http://"+testHost)
		return w.Code, w.Body.String()
	}
	code, body := post("/settings/email-delivery/topics", url.Values{"key": {"Bad Key"}, "name_en": {"News"}})
	if code != 422 || !strings.Contains(body, "Use lower-case letters") {
		t.Fatalf("bad topic = %d\n%.500s", code, body)
	}
	if code, _ := post("/settings/email-delivery/topics", url.Values{"key": {"newsletter"}, "name_ja": {"ニュースレター"}, "name_en": {"Newsletter"}}); code != 303 {
		t.Fatalf("topic = %d", code)
	}
	if w := e.do("GET", "/settings/email-delivery", admin, nil); !strings.Contains(w.Body.String(), "ニュースレター") {
		t.Errorf("the page does not list the topic")
	}
	code, body = post("/settings/email-delivery/suppressions", url.Values{"emails": {"a@example.jp\nnot-an-address"}})
	if code != 422 || !strings.Contains(body, "Every line must be one valid e-mail address") {
		t.Fatalf("bad paste = %d\n%.500s", code, body)
	}
	if code, _ := post("/settings/email-delivery/suppressions", url.Values{"emails": {"a@example.jp\nb@example.jp, c@example.jp"}}); code != 303 {
		t.Fatalf("paste = %d", code)
	}
	if _, body := post("/settings/email-delivery/suppressions/check", url.Values{"email": {"B@example.jp"}}); !strings.Contains(body, "Listed: Added by hand") {
		t.Errorf("check: %.800s", body)
	}
	if code, _ := post("/settings/email-delivery/suppressions/remove", url.Values{"email": {"b@example.jp"}}); code != 303 {
		t.Errorf("remove = %d", code)
	}
	if _, body := post("/settings/email-delivery/suppressions/check", url.Values{"email": {"b@example.jp"}}); !strings.Contains(body, "not on the suppression list") {
		t.Errorf("after remove: %.800s", body)
	}
	if code, body := post("/settings/email-delivery/check", url.Values{"domain": {"not a domain"}}); code != 422 || !strings.Contains(body, "Enter a domain such as example.jp") {
		t.Errorf("bad domain = %d %.500s", code, body)
	}
	e.app.DNSResolver = "127.0.0.1:9" // nothing answers
	if code, body := post("/settings/email-delivery/check", url.Values{"domain": {"example.jp"}, "selector": {"renkei"}}); code != 200 || strings.Count(body, `data-status="fail"`) != 3 {
		t.Errorf("check with no resolver = %d", code)
	}
	// Marketing users do not see the page.
	mkt := e.user("marketing", "Mika")
	if w := e.do("GET", "/settings/email-delivery", mkt, nil); w.Code != 403 {
		t.Errorf("marketing = %d", w.Code)
	}
}
