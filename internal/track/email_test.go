package track

import (
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"renkei/internal/app"
	"renkei/internal/crm"
	"renkei/internal/mailtoken"
	"renkei/internal/store"
)

// menv is fenv with one consenting contact and a sent and a queued message.
type menv struct {
	*fenv
	secret        []byte
	contact       crm.Contact
	sent, queued  store.RecipientMessage
	unsub, unsub2 string // the contact's token, and another contact's
}

func newMenv(t *testing.T, props map[string]any) *menv {
	t.Helper()
	e := &menv{fenv: newFenv(t, nil)}
	var err error
	if e.secret, err = e.app.MailSecret(ctx); err != nil {
		t.Fatal(err)
	}
	add := func(email string, props map[string]any) crm.Contact {
		c, err := e.app.CreateContact(ctx, e.owner, app.ContactInput{Contact: crm.Contact{PersonName: crm.PersonName{Family: "山田"},
			Email: email, Consent: crm.ConsentGranted}, Props: props})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	if props != nil {
		if _, err := e.app.CreateProperty(ctx, e.owner, crm.Property{Object: "contact", Key: "language", LabelJA: "言語",
			LabelEN: "Language", Type: crm.PropText}); err != nil {
			t.Fatal(err)
		}
	}
	e.contact = add("hanako@example.jp", props)
	other := add("jiro@example.jp", nil)
	queue := func(c crm.Contact, src int64, status string) store.RecipientMessage {
		m := store.RecipientMessage{SourceType: "broadcast", SourceID: src, ContactID: c.ID, Email: c.Email, Status: status,
			MessageID: "<" + status + "." + c.Email + "@mail.example.jp>"}
		if err := e.st.InTx(ctx, func(tx *store.Tx) error { return tx.QueueTestMessage(ctx, &m, e.formClock.Now()) }); err != nil {
			t.Fatal(err)
		}
		return m
	}
	e.sent, e.queued = queue(e.contact, 1, "sent"), queue(e.contact, 2, "queued")
	om := queue(other, 1, "sent")
	e.unsub = mailtoken.Sign(e.secret, mailtoken.Unsubscribe, e.sent.ID, e.contact.ID, "")
	e.unsub2 = mailtoken.Sign(e.secret, mailtoken.Unsubscribe, om.ID, other.ID, "")
	return e
}

func (e *menv) consent(t *testing.T) crm.Consent {
	t.Helper()
	c, err := e.st.Contact(ctx, e.contact.ID)
	if err != nil {
		t.Fatal(err)
	}
	return c.Consent
}

func TestUnsubscribePageAsksFirst(t *testing.T) {
	e := newMenv(t, nil)
	// A link scanner follows the GET (twice): nothing changes.
	for range 2 {
		w := e.do("GET", "/e/u/"+e.unsub, nil, "User-Agent", "Mozilla/5.0 (compatible; SafeLinks)")
		if w.Code != 200 || !strings.Contains(w.Body.String(), "配信を停止する") || !strings.Contains(w.Body.String(), "ha***@example.jp") {
			t.Fatalf("GET = %d %s", w.Code, w.Body)
		}
		if !strings.Contains(w.Header().Get("Content-Security-Policy"), "form-action 'self'") || w.Header().Get("Cache-Control") != "no-store" {
			t.Errorf("headers = %v", w.Header())
		}
	}
	if got := e.consent(t); got != crm.ConsentGranted {
		t.Fatalf("consent after GETs = %s", got)
	}
	// The confirm button.
	w := e.do("POST", "/e/u/"+e.unsub, strings.NewReader(""), "Content-Type", "application/x-www-form-urlencoded")
	if w.Code != 200 || !strings.Contains(w.Body.String(), "配信を停止しました") {
		t.Fatalf("POST = %d %s", w.Code, w.Body)
	}
	if got := e.consent(t); got != crm.ConsentWithdrawn {
		t.Errorf("consent = %s", got)
	}
	// The page now says so and offers no button.
	w = e.do("GET", "/e/u/"+e.unsub, nil)
	if !strings.Contains(w.Body.String(), "配信停止済み") || strings.Contains(w.Body.String(), "<form") {
		t.Errorf("GET after = %s", w.Body)
	}
}

func TestOneClickUnsubscribe(t *testing.T) {
	e := newMenv(t, nil)
	// RFC 8058 (its example is multipart/form-data): no cookie, no CSRF
	// token, no Origin; 200 and no redirect.
	mp := "--XYZ\r\nContent-Disposition: form-data; name=\"List-Unsubscribe\"\r\n\r\nOne-Click\r\n--XYZ--\r\n"
	w := e.do("POST", "/e/u/"+e.unsub, strings.NewReader(mp), "Content-Type", "multipart/form-data; boundary=XYZ")
	if w.Code != 200 || w.Header().Get("Location") != "" || strings.TrimSpace(w.Body.String()) != "unsubscribed" {
		t.Fatalf("one-click = %d %q %v", w.Code, w.Body, w.Header())
	}
	if got := e.consent(t); got != crm.ConsentWithdrawn {
		t.Errorf("consent = %s", got)
	}
	var m store.RecipientMessage
	e.st.InTx(ctx, func(tx *store.Tx) (err error) { m, err = tx.RecipientMessage(ctx, e.queued.ID); return })
	if m.Status != "cancelled" {
		t.Errorf("queued message = %s, want cancelled", m.Status)
	}
	// Again: still 200 (idempotent).
	if w := e.do("POST", "/e/u/"+e.unsub, strings.NewReader("List-Unsubscribe=One-Click"), "Content-Type", "application/x-www-form-urlencoded"); w.Code != 200 {
		t.Errorf("repeat = %d", w.Code)
	}
	// Forged, swapped and wrong-kind tokens are 404s that change nothing.
	click := mailtoken.Sign(e.secret, mailtoken.Click, e.sent.ID, e.contact.ID, "")
	swapped := mailtoken.Sign(e.secret, mailtoken.Unsubscribe, e.sent.ID+2, e.contact.ID, "")
	for _, tok := range []string{"AAAAAAAAAAAAAAAAAAAAAAAAAA", click, swapped, strings.Repeat("A", 500), "%00", "..%2f..%2fetc"} {
		w := e.do("POST", "/e/u/"+tok, strings.NewReader("List-Unsubscribe=One-Click"), "Content-Type", "application/x-www-form-urlencoded")
		if w.Code != 404 {
			t.Errorf("token %.20q = %d", tok, w.Code)
		}
	}
	other, _ := e.st.ContactByEmail(ctx, "jiro@example.jp")
	if other.Consent != crm.ConsentGranted {
		t.Errorf("the other contact's consent = %s", other.Consent)
	}
	// An oversized body is refused.
	big := "List-Unsubscribe=One-Click&x=" + strings.Repeat("a", 20<<10)
	if w := e.do("POST", "/e/u/"+e.unsub2, strings.NewReader(big), "Content-Type", "application/x-www-form-urlencoded"); w.Code != 400 {
		t.Errorf("oversized body = %d", w.Code)
	}
}

func TestPreferenceCentrePage(t *testing.T) {
	e := newMenv(t, map[string]any{"language": "en"})
	for _, tp := range []store.EmailTopic{{Key: "newsletter", NameJA: "ニュースレター", NameEN: "Newsletter", DescriptionEN: "Once a month"},
		{Key: "seminars", NameJA: "セミナー案内", NameEN: "Seminars"}} {
		if _, err := e.app.CreateEmailTopic(ctx, e.owner, tp); err != nil {
			t.Fatal(err)
		}
	}
	w := e.do("GET", "/e/p/"+e.unsub, nil)
	body := w.Body.String()
	if w.Code != 200 || !strings.Contains(body, "E-mail preferences") || !strings.Contains(body, "Once a month") ||
		strings.Count(body, `name="topic"`) != 2 || strings.Count(body, " checked") != 2 {
		t.Fatalf("preferences (en) = %d %s", w.Code, body)
	}
	w = e.do("POST", "/e/p/"+e.unsub, strings.NewReader("topic=seminars"), "Content-Type", "application/x-www-form-urlencoded")
	if w.Code != 200 || !strings.Contains(w.Body.String(), "Your choices are saved.") || strings.Count(w.Body.String(), " checked") != 1 {
		t.Fatalf("save = %d %s", w.Code, w.Body)
	}
	got, _ := e.app.Marketable(ctx, []int64{e.contact.ID}, "newsletter")
	if got[e.contact.ID] != app.NotMarketableTopic {
		t.Errorf("Marketable newsletter = %v", got)
	}
	w = e.do("POST", "/e/p/"+e.unsub, strings.NewReader("everything=yes"), "Content-Type", "application/x-www-form-urlencoded")
	if w.Code != 200 || !strings.Contains(w.Body.String(), "unsubscribed from all marketing e-mail") {
		t.Fatalf("everything = %d %s", w.Code, w.Body)
	}
	if got := e.consent(t); got != crm.ConsentWithdrawn {
		t.Errorf("consent = %s", got)
	}
}

func TestOpenPixel(t *testing.T) {
	e := newMenv(t, nil)
	open := mailtoken.Sign(e.secret, mailtoken.Open, e.sent.ID, e.contact.ID, "")
	for _, path := range []string{"/e/o/" + open + ".gif", "/e/o/forged.gif", "/e/o/" + open, "/e/o/%3Cscript%3E.gif"} {
		w := e.do("GET", path, nil, "User-Agent", browser)
		if w.Code != 200 || w.Header().Get("Content-Type") != "image/gif" || !strings.HasPrefix(w.Body.String(), "GIF89a") ||
			!strings.Contains(w.Header().Get("Cache-Control"), "no-store") {
			t.Errorf("%s = %d %v", path, w.Code, w.Header())
		}
	}
	es, _ := e.st.EmailEvents(ctx, e.contact.ID)
	if len(es) != 1 || es[0].Kind != "open" {
		t.Errorf("events = %+v, want one open", es)
	}
}

func TestClickRedirect(t *testing.T) {
	e := newMenv(t, nil)
	target := "https://www.example.co.jp/seminar?id=3&utm_source=mail"
	tok := mailtoken.Sign(e.secret, mailtoken.Click, e.sent.ID, e.contact.ID, target)
	w := e.do("GET", "/e/c/"+tok+"?u="+url.QueryEscape(target), nil, "User-Agent", browser)
	if w.Code != http.StatusFound || w.Header().Get("Location") != target {
		t.Fatalf("click = %d %v", w.Code, w.Header())
	}
	// No open redirect: other addresses, schemes and tricks with the same token.
	for _, u := range []string{"https://evil.example/", "//evil.example", "javascript:alert(1)", "https://www.example.co.jp/seminar",
		"https:%2F%2Fevil.example", "https://www.example.co.jp@evil.example/", target + "#x", " " + target, strings.ToUpper(target)} {
		w := e.do("GET", "/e/c/"+tok+"?u="+url.QueryEscape(u), nil, "User-Agent", browser)
		if w.Code != 404 || w.Header().Get("Location") != "" {
			t.Errorf("u=%q: %d %q", u, w.Code, w.Header().Get("Location"))
		}
	}
	for _, q := range []string{"", "?u=", "?u=" + url.QueryEscape(target) + "&u=https://evil.example/", "?x=1"} {
		if w := e.do("GET", "/e/c/"+tok+q, nil); w.Code != 404 || w.Header().Get("Location") != "" {
			t.Errorf("query %q: %d", q, w.Code)
		}
	}
	// A token signed for another URL.
	other := mailtoken.Sign(e.secret, mailtoken.Click, e.sent.ID, e.contact.ID, "https://evil.example/")
	if w := e.do("GET", "/e/c/"+other+"?u="+url.QueryEscape(target), nil); w.Code != 404 {
		t.Errorf("token for another url = %d", w.Code)
	}
	es, _ := e.st.EmailEvents(ctx, e.contact.ID)
	if len(es) != 1 || es[0].Kind != "click" || es[0].URL != target {
		t.Errorf("events = %+v", es)
	}
}

func TestBounceWebhook(t *testing.T) {
	e := newMenv(t, nil)
	key, err := e.app.BounceWebhookKey(ctx, e.owner)
	if err != nil {
		t.Fatal(err)
	}
	post := func(k, body string) (int, string) {
		w := e.do("POST", "/e/bounces/"+k, strings.NewReader(body), "Content-Type", "application/json")
		return w.Code, w.Body.String()
	}
	if code, _ := post("wrong-key", `{"email":"hanako@example.jp","type":"hard"}`); code != 404 {
		t.Errorf("wrong key = %d", code)
	}
	for _, bad := range []string{"", "{", `{"email":"hanako@example.jp","type":"maybe"}`, `{"foo":1}`, `[1,2]`,
		`{"email":"not an address","type":"hard"}`} {
		if code, body := post(key, bad); code != 400 || !strings.Contains(body, "error") {
			t.Errorf("body %q = %d %s", bad, code, body)
		}
	}
	if code, _ := post(key, `{"email":"x@example.jp","type":"hard","reason":"`+strings.Repeat("a", 2<<20)+`"}`); code != 413 {
		t.Errorf("2 MiB body = %d", code)
	}
	if got := e.consent(t); got != crm.ConsentGranted {
		t.Fatal("bad posts changed consent")
	}
	fixtures := map[string]string{}
	for _, name := range []string{"ses_sns_bounce.json", "sendgrid_events.json", "mailgun_failed.json", "postmark_bounce.json", "ses_sns_complaint.json"} {
		b, err := os.ReadFile(filepath.Join("..", "bounce", "testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		fixtures[name] = strings.ReplaceAll(string(b), "recipient@example.com", "hanako@example.jp")
	}
	code, body := post(key, fixtures["sendgrid_events.json"])
	if code != 200 || !strings.Contains(body, `"hard":1`) {
		t.Fatalf("sendgrid = %d %s", code, body)
	}
	got, _ := e.app.Marketable(ctx, []int64{e.contact.ID}, "")
	if got[e.contact.ID] != app.NotMarketableSuppressed {
		t.Errorf("after a hard bounce: %v", got)
	}
	if code, body := post(key, fixtures["ses_sns_complaint.json"]); code != 200 || !strings.Contains(body, `"complaints":1`) {
		t.Fatalf("ses complaint = %d %s", code, body)
	}
	if got := e.consent(t); got != crm.ConsentWithdrawn {
		t.Errorf("after a complaint: consent %s", got)
	}
}
