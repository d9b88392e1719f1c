package track

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"renkei/internal/app"
	"renkei/internal/crm"
	"renkei/internal/jobs"
	"renkei/internal/mail/mailtest"
	"renkei/internal/store"
	"renkei/internal/store/storetest"
)

const (
	testBase   = "https://crm.example.jp"
	siteOrigin = "https://www.example.co.jp"
	wording    = "お知らせやご案内をメールで受け取ることに同意します。<b>太字</b> & \"引用\""
)

type formClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *formClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *formClock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// fenv is a workspace with a registered site, a form and the public
// handler in front of it.
type fenv struct {
	t         *testing.T
	app       *app.App
	st        *store.Store
	formClock *formClock
	h         *Server
	owner     app.Actor
	form      crm.Form
	siteID    int64
}

func newFenv(t *testing.T, mutate func(*crm.Form)) *fenv {
	t.Helper()
	c := &formClock{t: time.Date(2026, 4, 1, 1, 0, 0, 0, time.UTC)}
	st := storetest.Open(t)
	a := app.New(app.Config{Store: st, Clock: c.Now, BaseURL: testBase, Log: slog.New(slog.DiscardHandler)})
	tok, _, err := a.Setup(ctx, app.SetupInput{WorkspaceName: "株式会社サンプル", Language: "ja", Name: "Owner",
		Email: "owner@example.jp", Password: "correct horse battery"}, "192.0.2.1", "test")
	if err != nil {
		t.Fatal(err)
	}
	owner, err := a.Authenticate(ctx, tok, "192.0.2.1")
	if err != nil {
		t.Fatal(err)
	}
	e := &fenv{t: t, app: a, st: st, formClock: c, h: New(Config{App: a}), owner: owner}
	if err := st.DB().QueryRowContext(ctx, `INSERT INTO sites (name, domain, site_key, origins, created_at, updated_at)
		VALUES ('Corporate', 'example.co.jp', 'site-key-1', $1, 0, 0) RETURNING id`, `["`+siteOrigin+`"]`).Scan(&e.siteID); err != nil {
		t.Fatal(err)
	}
	fm := crm.Form{Name: "資料請求", TitleJA: "資料請求", TitleEN: "Download the guide", Fields: []crm.FormField{
		{Key: "email", LabelJA: "メールアドレス", LabelEN: "E-mail"},
		{Key: "family_name", LabelJA: "姓", LabelEN: "Last name", Required: true},
		{Key: "given_name", LabelJA: "名", LabelEN: "First name"},
		{Key: "company", LabelJA: "会社名", LabelEN: "Company"},
		{Key: "phone", LabelJA: "電話番号", LabelEN: "Phone", Format: crm.FormatPhone},
		{Key: "consent", LabelJA: wording, LabelEN: "I agree to receive e-mails."},
	}}
	if mutate != nil {
		mutate(&fm)
	}
	if e.form, err = a.CreateForm(ctx, owner, fm); err != nil {
		t.Fatal(err)
	}
	return e
}

func (e *fenv) do(method, path string, body io.Reader, headers ...string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(method, path, body)
	r.Host = "crm.example.jp"
	r.RemoteAddr = "198.51.100.7:5555"
	for i := 0; i+1 < len(headers); i += 2 {
		r.Header.Set(headers[i], headers[i+1])
	}
	w := httptest.NewRecorder()
	e.h.ServeHTTP(w, r)
	return w
}

// token renders the hosted page and returns its signed token.
func (e *fenv) token() string {
	e.t.Helper()
	w := e.do("GET", "/f/"+e.form.Key+"?lang=ja&utm_source=news", nil)
	if w.Code != 200 {
		e.t.Fatalf("GET hosted page: %d %s", w.Code, w.Body)
	}
	m := regexp.MustCompile(`name="_t" value="([^"]+)"`).FindStringSubmatch(w.Body.String())
	if m == nil {
		e.t.Fatalf("no _t in the page:\n%s", w.Body)
	}
	return m[1]
}

func (e *fenv) postForm(vals url.Values, headers ...string) *httptest.ResponseRecorder {
	return e.do("POST", "/f/"+e.form.Key, strings.NewReader(vals.Encode()),
		append([]string{"Content-Type", "application/x-www-form-urlencoded"}, headers...)...)
}

func (e *fenv) count(q string, args ...any) int {
	e.t.Helper()
	var n int
	if err := e.st.DB().QueryRowContext(ctx, q, args...).Scan(&n); err != nil {
		e.t.Fatalf("%s: %v", q, err)
	}
	return n
}

func (e *fenv) spam() int {
	return e.count("SELECT COALESCE(SUM(spam), 0) FROM form_stats WHERE form_id = $1", e.form.ID)
}

func person(email string) url.Values {
	return url.Values{"email": {email}, "family_name": {"山田"}, "given_name": {"花子"}, "company": {"株式会社テスト"},
		"phone": {"03-1234-5678"}, "consent": {"yes"}}
}

func TestFormPostFromForeignOriginRefused(t *testing.T) {
	e := newFenv(t, nil)
	tok := e.token()
	e.formClock.Add(10 * time.Second)
	v := person("evil@example.jp")
	v.Set("_t", tok)
	for _, origin := range []string{"https://evil.example.net", "null", "https://www.example.co.jp.evil.net"} {
		if w := e.postForm(v, "Origin", origin); w.Code != http.StatusForbidden {
			t.Errorf("post from %s: %d, want 403", origin, w.Code)
		}
		w := e.do("OPTIONS", "/f/"+e.form.Key, nil, "Origin", origin, "Access-Control-Request-Method", "POST")
		if w.Code != http.StatusForbidden || w.Header().Get("Access-Control-Allow-Origin") != "" {
			t.Errorf("preflight from %s: %d, ACAO %q", origin, w.Code, w.Header().Get("Access-Control-Allow-Origin"))
		}
	}
	if n := e.count("SELECT COUNT(*) FROM contacts"); n != 0 {
		t.Errorf("%d contacts stored after foreign posts", n)
	}
	w := e.do("OPTIONS", "/f/"+e.form.Key, nil, "Origin", siteOrigin, "Access-Control-Request-Method", "POST")
	if w.Code != http.StatusNoContent || w.Header().Get("Access-Control-Allow-Origin") != siteOrigin {
		t.Errorf("preflight from the site: %d, ACAO %q", w.Code, w.Header().Get("Access-Control-Allow-Origin"))
	}
}

func TestFormSpamNotStoredButCounted(t *testing.T) {
	e := newFenv(t, nil)
	tok := e.token()

	// Honeypot: answered like a success, stored nowhere, counted.
	e.formClock.Add(10 * time.Second)
	v := person("bot1@example.jp")
	v.Set("_t", tok)
	v.Set("website_url", "http://spam.example")
	if w := e.postForm(v); w.Code != 200 {
		t.Errorf("honeypot post: %d", w.Code)
	}
	// Too fast: a token rendered one second ago.
	tok = e.token()
	e.formClock.Add(time.Second)
	v = person("bot2@example.jp")
	v.Set("_t", tok)
	if w := e.postForm(v); w.Code != http.StatusUnprocessableEntity {
		t.Errorf("too fast: %d", w.Code)
	}
	// A forged token and no token at all (not from a registered site).
	v.Set("_t", "1775000000000.forged")
	e.postForm(v)
	v.Del("_t")
	e.postForm(v)
	if n := e.count("SELECT COUNT(*) FROM contacts"); n != 0 {
		t.Errorf("%d contacts stored from spam", n)
	}
	if n := e.count("SELECT COUNT(*) FROM form_submissions"); n != 0 {
		t.Errorf("%d submissions stored from spam", n)
	}
	if n := e.spam(); n != 4 {
		t.Errorf("spam counted %d, want 4", n)
	}
	// A plain HTML form on the registered site has no token: accepted.
	v = person("plain@example.jp")
	if w := e.postForm(v, "Origin", siteOrigin, "Referer", siteOrigin+"/contact?utm_source=ads"); w.Code != 200 {
		t.Fatalf("plain post from the site: %d %s", w.Code, w.Body)
	}
	if n := e.count("SELECT COUNT(*) FROM form_submissions WHERE page_url = $1", siteOrigin+"/contact?utm_source=ads"); n != 1 {
		t.Errorf("plain post: %d submissions with the page URL", n)
	}
}

func TestFormHostedSubmissionUpserts(t *testing.T) {
	e := newFenv(t, nil)
	tok := e.token()
	e.formClock.Add(5 * time.Second)
	v := person("Hanako@Example.JP")
	v.Set("_t", tok)
	v.Set("page_url", testBase+"/f/"+e.form.Key+"?utm_source=news&utm_medium=email&utm_campaign=spring")
	w := e.postForm(v)
	if w.Code != 200 || !strings.Contains(w.Body.String(), "送信ありがとうございました") {
		t.Fatalf("post: %d %s", w.Code, w.Body)
	}
	var id int64
	var source, detail, consent string
	if err := e.st.DB().QueryRowContext(ctx, "SELECT id, original_source, source_detail, consent FROM contacts WHERE email = 'hanako@example.jp'").
		Scan(&id, &source, &detail, &consent); err != nil {
		t.Fatal(err)
	}
	if source != "web_form" || !strings.Contains(detail, "utm_source=news") || consent != "granted" {
		t.Errorf("contact: source %q, detail %q, consent %q", source, detail, consent)
	}
	// The consent ledger holds the exact wording, the page and the IP.
	hist, err := e.st.ConsentHistory(ctx, id)
	if err != nil || len(hist) != 1 {
		t.Fatalf("consent history %+v, %v", hist, err)
	}
	if h := hist[0]; h.Wording != wording || h.Source != "form" || h.IP != "198.51.100.7" || !strings.Contains(h.PageURL, "utm_campaign=spring") {
		t.Errorf("consent entry %+v", h)
	}
	if n := e.count("SELECT COUNT(*) FROM events WHERE kind = 'form' AND name = $1 AND contact_id = $2", e.form.Key, id); n != 1 {
		t.Errorf("form events: %d", n)
	}
	if n := e.count("SELECT COUNT(*) FROM timeline WHERE kind = 'form' AND contact_id = $1", id); n != 1 {
		t.Errorf("timeline form entries: %d", n)
	}

	// The same address again: the contact is found, not duplicated; an
	// anonymous post fills empty fields only and cannot
	// rewrite the known name, which stays as it was (the submission keeps
	// what was sent).
	tok = e.token()
	e.formClock.Add(5 * time.Second)
	v = url.Values{"email": {"hanako@example.jp"}, "family_name": {"佐藤"}, "_t": {tok}}
	if w := e.postForm(v); w.Code != 200 {
		t.Fatalf("second post: %d %s", w.Code, w.Body)
	}
	if n := e.count("SELECT COUNT(*) FROM contacts"); n != 1 {
		t.Errorf("%d contacts after a second submission, want 1", n)
	}
	c, err := e.st.Contact(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if c.Family != "山田" || c.Given != "花子" || c.CompanyName != "株式会社テスト" || c.Consent != crm.ConsentGranted {
		t.Errorf("updated contact %+v", c)
	}
	if n := e.count("SELECT COUNT(*) FROM form_submissions WHERE contact_id = $1", id); n != 2 {
		t.Errorf("submissions: %d", n)
	}

	// Bad values: per-field errors, inline, nothing written.
	tok = e.token()
	e.formClock.Add(5 * time.Second)
	w = e.postForm(url.Values{"email": {"not-an-address"}, "phone": {"abc"}, "_t": {tok}})
	if w.Code != http.StatusUnprocessableEntity || !strings.Contains(w.Body.String(), `id="f-email-error"`) ||
		!strings.Contains(w.Body.String(), `id="f-family_name-error"`) || !strings.Contains(w.Body.String(), `id="f-phone-error"`) {
		t.Errorf("invalid post: %d\n%s", w.Code, w.Body)
	}
	if n := e.count("SELECT COUNT(*) FROM form_submissions"); n != 2 {
		t.Errorf("an invalid post stored something: %d submissions", n)
	}
}

func TestFormEmbedJoinsVisitor(t *testing.T) {
	e := newFenv(t, nil)
	if _, err := e.st.DB().ExecContext(ctx, `INSERT INTO visitors (site_id, visitor_id, first_seen, last_seen, first_path,
		first_referrer, first_utm_source, first_utm_medium, first_utm_campaign) VALUES ($1, 'v-123', 0, 0, '/', 'https://www.google.com/', 'google', 'cpc', 'brand')`,
		e.siteID); err != nil {
		t.Fatal(err)
	}
	w := e.do("GET", "/f/embed/"+e.form.Key+"?lang=en", nil, "Origin", siteOrigin)
	if w.Code != 200 || w.Header().Get("Access-Control-Allow-Origin") != siteOrigin {
		t.Fatalf("definition: %d ACAO %q", w.Code, w.Header().Get("Access-Control-Allow-Origin"))
	}
	var def embedDef
	if err := json.Unmarshal(w.Body.Bytes(), &def); err != nil || def.Token == "" || len(def.Fields) != 6 || def.Fields[0].Label != "E-mail" {
		t.Fatalf("definition %+v, %v", def, err)
	}
	e.formClock.Add(4 * time.Second)
	body, _ := json.Marshal(map[string]any{"values": map[string]string{"email": "taro@example.jp", "family_name": "Yamada", "consent": "yes"},
		"_t": def.Token, "website_url": "", "page_url": siteOrigin + "/pricing?utm_source=newsletter", "referrer": "",
		"visitor_id": "v-123", "lang": "en"})
	w = e.do("POST", "/f/"+e.form.Key, bytes.NewReader(body), "Content-Type", "application/json", "Origin", siteOrigin)
	if w.Code != 200 || w.Header().Get("Access-Control-Allow-Origin") != siteOrigin {
		t.Fatalf("embed post: %d %s", w.Code, w.Body)
	}
	var sub store.FormSubmission
	subs, err := e.st.FormSubmissions(ctx, store.SubmissionFilter{FormID: e.form.ID})
	if err != nil || len(subs) != 1 {
		t.Fatalf("submissions %v %v", subs, err)
	}
	sub = subs[0]
	if sub.SiteID != e.siteID || sub.VisitorID != "v-123" || sub.FirstUTMSource != "google" || sub.UTMSource != "newsletter" {
		t.Errorf("submission %+v", sub)
	}
	var wordingEN string
	e.st.DB().QueryRowContext(ctx, "SELECT wording FROM consent_events").Scan(&wordingEN)
	if wordingEN != "I agree to receive e-mails." {
		t.Errorf("wording in English = %q", wordingEN)
	}
	// JSON errors name the fields.
	body, _ = json.Marshal(map[string]any{"values": map[string]string{"email": "x"}, "_t": def.Token, "lang": "en"})
	w = e.do("POST", "/f/"+e.form.Key, bytes.NewReader(body), "Content-Type", "application/json", "Origin", siteOrigin)
	var out struct {
		OK     bool              `json:"ok"`
		Errors map[string]string `json:"errors"`
	}
	json.Unmarshal(w.Body.Bytes(), &out)
	if w.Code != 422 || out.OK || out.Errors["email"] == "" || out.Errors["family_name"] == "" {
		t.Errorf("invalid embed post: %d %s", w.Code, w.Body)
	}
}

func TestFormRedirect(t *testing.T) {
	e := newFenv(t, func(f *crm.Form) { f.RedirectURL = "https://www.example.co.jp/thanks" })
	tok := e.token()
	e.formClock.Add(5 * time.Second)
	v := person("r@example.jp")
	v.Set("_t", tok)
	w := e.postForm(v)
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "https://www.example.co.jp/thanks" {
		t.Errorf("redirect: %d %q", w.Code, w.Header().Get("Location"))
	}
	// A foreign domain is refused when the form is saved.
	f := e.form
	f.RedirectURL = "https://evil.example.net/thanks"
	_, err := e.app.UpdateForm(ctx, e.owner, f.ID, f.Version, f)
	if v, ok := crm.AsValidation(err); !ok || v.Fields["redirect_url"] == "" {
		t.Errorf("redirect to a foreign domain saved: %v", err)
	}
}

func TestDoubleOptInOverSMTP(t *testing.T) {
	e := newFenv(t, func(f *crm.Form) { f.DoubleOptIn = true })
	srv := mailtest.Start(t)
	if _, err := e.app.UpdateSMTP(ctx, e.owner, srv.Server(), 0); err != nil {
		t.Fatal(err)
	}
	r := jobs.NewRunner(e.st, e.app.JobHandlers(), e.formClock.Now, slog.New(slog.DiscardHandler))
	r.Poll = 5 * time.Millisecond
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { r.Run(runCtx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })

	tok := e.token()
	e.formClock.Add(5 * time.Second)
	v := person("optin@example.jp")
	v.Set("_t", tok)
	if w := e.postForm(v); w.Code != 200 {
		t.Fatalf("post: %d", w.Code)
	}
	c := contactByEmail(t, e, "optin@example.jp")
	if c.Consent != crm.ConsentPending {
		t.Fatalf("consent before confirming = %s, want pending", c.Consent)
	}
	msg := srv.WaitFor(t, "optin@example.jp", 10*time.Second)
	link := mailtest.FindLink(msg.Text, testBase+"/f/confirm/")
	if link == "" {
		t.Fatalf("no confirmation link in %q", msg.Text)
	}
	path := strings.TrimPrefix(link, testBase)
	if w := e.do("GET", path, nil); w.Code != 200 || !strings.Contains(w.Body.String(), "<form method=\"post\"") {
		t.Fatalf("confirm page: %d", w.Code)
	}
	if c := contactByEmail(t, e, "optin@example.jp"); c.Consent != crm.ConsentPending {
		t.Errorf("opening the link (a mail scanner) confirmed already: %s", c.Consent)
	}
	if w := e.do("POST", path, nil); w.Code != 200 {
		t.Fatalf("confirm: %d %s", w.Code, w.Body)
	}
	c = contactByEmail(t, e, "optin@example.jp")
	if c.Consent != crm.ConsentGranted {
		t.Errorf("consent after confirming = %s", c.Consent)
	}
	hist, _ := e.st.ConsentHistory(ctx, c.ID)
	if len(hist) != 2 || hist[0].Status != crm.ConsentGranted || hist[0].Source != "double_opt_in" || hist[0].Wording != wording {
		t.Errorf("ledger %+v", hist)
	}
	// An unknown or expired link is refused.
	if w := e.do("POST", "/f/confirm/oi_nonsense", nil); w.Code != 404 {
		t.Errorf("unknown link: %d", w.Code)
	}
	tok = e.token()
	e.formClock.Add(5 * time.Second)
	v = person("late@example.jp")
	v.Set("_t", tok)
	e.postForm(v)
	late := srv.WaitFor(t, "late@example.jp", 10*time.Second)
	e.formClock.Add(app.OptInValidity + time.Hour)
	if w := e.do("POST", strings.TrimPrefix(mailtest.FindLink(late.Text, testBase+"/f/confirm/"), testBase), nil); w.Code != 404 {
		t.Errorf("expired link: %d", w.Code)
	}

	// Erasing the person removes their submissions and opt-ins too.
	if err := e.app.ErasePerson(ctx, e.owner, c.ID); err != nil {
		t.Fatal(err)
	}
	if n := e.count("SELECT COUNT(*) FROM form_submissions WHERE contact_id = $1", c.ID); n != 0 {
		t.Errorf("%d submissions left after erasure", n)
	}
	if n := e.count("SELECT COUNT(*) FROM form_submissions WHERE vals LIKE '%optin@example.jp%'"); n != 0 {
		t.Errorf("%d submissions still hold the erased address", n)
	}
	if n := e.count("SELECT COUNT(*) FROM form_optins WHERE contact_id = $1", c.ID); n != 0 {
		t.Errorf("%d opt-ins left after erasure", n)
	}
}

func contactByEmail(t *testing.T, e *fenv, email string) crm.Contact {
	t.Helper()
	var id int64
	if err := e.st.DB().QueryRowContext(ctx, "SELECT id FROM contacts WHERE email = $1", email).Scan(&id); err != nil {
		t.Fatalf("contact %s: %v", email, err)
	}
	c, err := e.st.Contact(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// Every form endpoint that reaches the database is limited per client
// address, and posts (which create contacts and send e-mail) far more
// tightly than beacons: a script with a registered site's Origin needs no
// token, so the limit is what bounds it.
func TestFormEndpointsRateLimited(t *testing.T) {
	e := newFenv(t, nil)
	e.h = New(Config{App: e.app, Limits: Limits{PerIP: 3, PerSite: 1000}})
	for i := 0; i < 3; i++ {
		if w := e.do("GET", "/f/"+e.form.Key, nil); w.Code != 200 {
			t.Fatalf("view %d: %d", i, w.Code)
		}
	}
	views := e.count("SELECT COALESCE(SUM(views), 0) FROM form_stats WHERE form_id = $1", e.form.ID)
	for _, path := range []string{"/f/" + e.form.Key, "/f/embed/" + e.form.Key, "/f/no-such-form", "/f/confirm/oi_nothing"} {
		if w := e.do("GET", path, nil); w.Code != http.StatusTooManyRequests || w.Header().Get("Retry-After") == "" {
			t.Errorf("GET %s over the limit: %d, Retry-After %q", path, w.Code, w.Header().Get("Retry-After"))
		}
	}
	if n := e.count("SELECT COALESCE(SUM(views), 0) FROM form_stats WHERE form_id = $1", e.form.ID); n != views {
		t.Errorf("views counted over the limit: %d, want %d", n, views)
	}

	e.h = New(Config{App: e.app, Limits: DefaultLimits})
	accepted := 0
	for i := 0; i < 40; i++ {
		w := e.postForm(person(fmt.Sprintf("p%d@example.jp", i)), "Origin", siteOrigin)
		if w.Code == 200 {
			accepted++
		} else if w.Code != http.StatusTooManyRequests {
			t.Fatalf("post %d: %d %s", i, w.Code, w.Body)
		}
	}
	if accepted != formPostsPerMinute {
		t.Errorf("%d posts accepted in a burst from one address, want %d", accepted, formPostsPerMinute)
	}
	if n := e.count("SELECT COUNT(*) FROM contacts"); n != formPostsPerMinute {
		t.Errorf("%d contacts stored, want %d", n, formPostsPerMinute)
	}
}

// A JSON post is read strictly: unknown fields, trailing data and values
// that are not strings are a 400 and store nothing.
func TestFormJSONPostStrict(t *testing.T) {
	e := newFenv(t, nil)
	for _, body := range []string{
		`{"values":{"email":"a@example.jp","family_name":"A"},"extra":1}`,
		`{"values":{"email":"a@example.jp","family_name":"A"}} {"values":{}}`,
		`{"values":{"email":"a@example.jp","family_name":["A"]}}`,
		`[]`,
	} {
		w := e.do("POST", "/f/"+e.form.Key, strings.NewReader(body), "Content-Type", "application/json", "Origin", siteOrigin)
		if w.Code != http.StatusBadRequest {
			t.Errorf("%s: %d, want 400", body, w.Code)
		}
	}
	if n := e.count("SELECT COUNT(*) FROM contacts"); n != 0 {
		t.Errorf("%d contacts stored", n)
	}
}

// Posting someone's address again and again does not mail them a
// confirmation link each time: one per OptInResendAfter.
func TestDoubleOptInMailNotRepeated(t *testing.T) {
	e := newFenv(t, func(f *crm.Form) { f.DoubleOptIn = true })
	optins := func() int { return e.count("SELECT COUNT(*) FROM form_optins") }
	mails := func() int { return e.count("SELECT COUNT(*) FROM jobs WHERE payload LIKE '%victim@example.jp%'") }
	for i := 0; i < 3; i++ {
		if w := e.postForm(person("victim@example.jp"), "Origin", siteOrigin); w.Code != 200 {
			t.Fatalf("post %d: %d %s", i, w.Code, w.Body)
		}
		e.formClock.Add(time.Minute)
	}
	if optins() != 1 || mails() != 1 {
		t.Errorf("after 3 posts in 3 minutes: %d opt-ins, %d mails; want 1, 1", optins(), mails())
	}
	e.formClock.Add(app.OptInResendAfter)
	if w := e.postForm(person("victim@example.jp"), "Origin", siteOrigin); w.Code != 200 {
		t.Fatalf("later post: %d", w.Code)
	}
	if optins() != 2 || mails() != 2 {
		t.Errorf("a post after the pause: %d opt-ins, %d mails; want 2, 2", optins(), mails())
	}
}
