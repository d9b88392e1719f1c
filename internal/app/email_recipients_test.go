package app

import (
	"errors"
	"slices"
	"testing"
	"time"

	"renkei/internal/bounce"
	"renkei/internal/crm"
	"renkei/internal/mailtoken"
	"renkei/internal/store"
)

// recipientFixture: a Japanese workspace with two contacts who consented
// (hanako, taro), each with one sent message (broadcast 7) and one still
// queued (broadcast 8).
type recipientFixture struct {
	*fixture
	secret         []byte
	hanako, taro   crm.Contact
	sent, queued   map[int64]store.RecipientMessage // by contact
	unsubH, unsubT string                           // unsubscribe tokens of the sent messages
}

func newRecipientFixture(t *testing.T) *recipientFixture {
	t.Helper()
	return withRecipients(t, newFixture(t, crm.LangJA))
}

// withRecipients adds the contacts and messages to a workspace.
func withRecipients(t testing.TB, base *fixture) *recipientFixture {
	t.Helper()
	f := &recipientFixture{fixture: base, sent: map[int64]store.RecipientMessage{},
		queued: map[int64]store.RecipientMessage{}}
	var err error
	if f.secret, err = f.app.MailSecret(ctx); err != nil {
		t.Fatal(err)
	}
	add := func(family, email string) crm.Contact {
		c, err := f.app.CreateContact(ctx, f.owner, ContactInput{Contact: crm.Contact{
			PersonName: crm.PersonName{Family: family}, Email: email, Consent: crm.ConsentGranted}})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	f.hanako, f.taro = add("山田", "hanako@example.jp"), add("佐藤", "taro@example.jp")
	for _, c := range []crm.Contact{f.hanako, f.taro} {
		s := f.queue(t, c, 7, "sent")
		q := f.queue(t, c, 8, "queued")
		f.sent[c.ID], f.queued[c.ID] = s, q
	}
	f.unsubH = mailtoken.Sign(f.secret, mailtoken.Unsubscribe, f.sent[f.hanako.ID].ID, f.hanako.ID, "")
	f.unsubT = mailtoken.Sign(f.secret, mailtoken.Unsubscribe, f.sent[f.taro.ID].ID, f.taro.ID, "")
	return f
}

func (f *recipientFixture) queue(t testing.TB, c crm.Contact, source int64, status string) store.RecipientMessage {
	t.Helper()
	m := store.RecipientMessage{SourceType: "broadcast", SourceID: source, ContactID: c.ID, Email: c.Email, Status: status,
		MessageID: "<" + c.Email + "." + status + "@mail.example.jp>"}
	if status == "sent" {
		m.SentAt = f.clock.Now()
	}
	if err := f.app.Store.InTx(ctx, func(tx *store.Tx) error { return tx.QueueTestMessage(ctx, &m, f.clock.Now()) }); err != nil {
		t.Fatal(err)
	}
	return m
}

func (f *recipientFixture) message(t *testing.T, id int64) store.RecipientMessage {
	t.Helper()
	var m store.RecipientMessage
	if err := f.app.Store.InTx(ctx, func(tx *store.Tx) (err error) { m, err = tx.RecipientMessage(ctx, id); return }); err != nil {
		t.Fatal(err)
	}
	return m
}

func (f *recipientFixture) kinds(t *testing.T, contactID int64, prefix string) []string {
	t.Helper()
	es, err := f.app.Store.Timeline(ctx, store.TimelineFilter{ContactID: contactID, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range es {
		if len(e.Kind) >= len(prefix) && e.Kind[:len(prefix)] == prefix {
			out = append(out, e.Kind)
		}
	}
	return out
}

func (f *recipientFixture) events(t *testing.T, contactID int64) []store.EmailEvent {
	t.Helper()
	es, err := f.app.Store.EmailEvents(ctx, contactID)
	if err != nil {
		t.Fatal(err)
	}
	return es
}

func TestUnsubscribe(t *testing.T) {
	f := newRecipientFixture(t)
	r, err := f.app.UnsubscribeRecipient(ctx, f.unsubH)
	if err != nil || r.Contact.ID != f.hanako.ID || r.Unsubscribed || r.Language != crm.LangJA {
		t.Fatalf("UnsubscribeRecipient = %+v, %v", r, err)
	}
	// Looking (the GET page) changes nothing.
	if c, _ := f.app.Store.Contact(ctx, f.hanako.ID); c.Consent != crm.ConsentGranted {
		t.Fatalf("consent after the confirm page = %s", c.Consent)
	}
	if _, err := f.app.Unsubscribe(ctx, f.unsubH, "198.51.100.7", UnsubscribeOneClick); err != nil {
		t.Fatal(err)
	}
	c, _ := f.app.Store.Contact(ctx, f.hanako.ID)
	if c.Consent != crm.ConsentWithdrawn {
		t.Errorf("consent = %s, want withdrawn", c.Consent)
	}
	hist, _ := f.app.Store.ConsentHistory(ctx, f.hanako.ID)
	if len(hist) == 0 || hist[0].Source != "unsubscribe" || hist[0].IP != "198.51.100.7" || hist[0].Status != crm.ConsentWithdrawn {
		t.Errorf("newest consent event = %+v", hist)
	}
	var reason string
	f.app.Store.InTx(ctx, func(tx *store.Tx) error {
		reason, _, _ = tx.IsSuppressed(ctx, EmailHash("Hanako@Example.jp"))
		return nil
	})
	if reason != "unsubscribed" {
		t.Errorf("suppression reason = %q", reason)
	}
	if m := f.message(t, f.queued[f.hanako.ID].ID); m.Status != "cancelled" {
		t.Errorf("queued message status = %s, want cancelled", m.Status)
	}
	if m := f.message(t, f.queued[f.taro.ID].ID); m.Status != "queued" {
		t.Errorf("another recipient's queued message = %s, want queued", m.Status)
	}
	if got := f.kinds(t, f.hanako.ID, "email_"); !slices.Equal(got, []string{KindEmailUnsubscribed}) {
		t.Errorf("timeline = %v", got)
	}
	// Idempotent: again (the page's button after a one-click) adds nothing.
	if _, err := f.app.Unsubscribe(ctx, f.unsubH, "198.51.100.7", UnsubscribeLink); err != nil {
		t.Fatal(err)
	}
	if got := f.kinds(t, f.hanako.ID, "email_"); len(got) != 1 {
		t.Errorf("timeline after a second unsubscribe = %v", got)
	}
	if es := f.events(t, f.hanako.ID); len(es) != 1 || es[0].Kind != "unsubscribe" || es[0].Detail != UnsubscribeOneClick {
		t.Errorf("email events = %+v", es)
	}
	if h2, _ := f.app.Store.ConsentHistory(ctx, f.hanako.ID); len(h2) != len(hist) {
		t.Errorf("consent events %d → %d after a repeat", len(hist), len(h2))
	}
	// Taro is untouched.
	if c, _ := f.app.Store.Contact(ctx, f.taro.ID); c.Consent != crm.ConsentGranted {
		t.Errorf("taro's consent = %s", c.Consent)
	}
}

func TestUnsubscribeTokensCannotBeForgedOrSwapped(t *testing.T) {
	f := newRecipientFixture(t)
	hm := f.sent[f.hanako.ID]
	bad := map[string]string{
		"empty":             "",
		"garbage":           "not-a-token",
		"other secret":      mailtoken.Sign([]byte("another server's secret......."), mailtoken.Unsubscribe, hm.ID, f.hanako.ID, ""),
		"swapped recipient": mailtoken.Sign(f.secret, mailtoken.Unsubscribe, hm.ID, f.taro.ID, ""), // hanako's message, taro's id
		"open token":        mailtoken.Sign(f.secret, mailtoken.Open, hm.ID, f.hanako.ID, ""),
		"click token":       mailtoken.Sign(f.secret, mailtoken.Click, hm.ID, f.hanako.ID, ""),
		"no such message":   mailtoken.Sign(f.secret, mailtoken.Unsubscribe, 99999, f.hanako.ID, ""),
		"truncated":         f.unsubH[:len(f.unsubH)-2],
		"flipped":           f.unsubH[:len(f.unsubH)-1] + string("AB"[0]^f.unsubH[len(f.unsubH)-1]&1),
		"too long":          f.unsubH + string(make([]byte, 80)),
	}
	for name, tok := range bad {
		if tok == f.unsubH {
			continue
		}
		if _, err := f.app.Unsubscribe(ctx, tok, "", UnsubscribeOneClick); !errors.Is(err, crm.ErrNotFound) {
			t.Errorf("%s: err = %v, want not found", name, err)
		}
	}
	for _, c := range []crm.Contact{f.hanako, f.taro} {
		if got, _ := f.app.Store.Contact(ctx, c.ID); got.Consent != crm.ConsentGranted {
			t.Errorf("%s consent = %s after bad tokens", c.Email, got.Consent)
		}
	}
	// Taro's token unsubscribes taro, never hanako.
	if _, err := f.app.Unsubscribe(ctx, f.unsubT, "", UnsubscribeLink); err != nil {
		t.Fatal(err)
	}
	if got, _ := f.app.Store.Contact(ctx, f.hanako.ID); got.Consent != crm.ConsentGranted {
		t.Errorf("hanako unsubscribed by taro's token")
	}
}

func TestPreferencesAndMarketable(t *testing.T) {
	f := newRecipientFixture(t)
	_, err := f.app.CreateEmailTopic(ctx, f.owner, store.EmailTopic{Key: "newsletter", NameJA: "ニュースレター", NameEN: "Newsletter"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.app.CreateEmailTopic(ctx, f.owner, store.EmailTopic{Key: "seminars", NameJA: "セミナー案内", NameEN: "Seminars"}); err != nil {
		t.Fatal(err)
	}
	// Bad input: per field, nothing written.
	_, err = f.app.CreateEmailTopic(ctx, f.owner, store.EmailTopic{Key: "Bad Key!", NameJA: ""})
	v, ok := crm.AsValidation(err)
	if !ok || v.Fields["key"] == "" || v.Fields["name_ja"] == "" {
		t.Fatalf("bad topic: %v", err)
	}
	if _, err := f.app.CreateEmailTopic(ctx, f.owner, store.EmailTopic{Key: "newsletter", NameEN: "Again"}); err == nil {
		t.Error("a taken key was accepted")
	}
	viewer := f.addUser(t, "viewer@example.jp", crm.RoleViewer)
	if _, err := f.app.CreateEmailTopic(ctx, viewer, store.EmailTopic{Key: "x", NameEN: "X"}); !errors.Is(err, crm.ErrForbidden) {
		t.Errorf("viewer creating a topic: %v", err)
	}
	if ts, _ := f.app.Store.EmailTopics(ctx); len(ts) != 2 {
		t.Fatalf("topics = %d, want 2", len(ts))
	}

	ids := []int64{f.hanako.ID, f.taro.ID, 424242}
	got, err := f.app.Marketable(ctx, ids, "newsletter")
	if err != nil {
		t.Fatal(err)
	}
	if got[f.hanako.ID] != "" || got[f.taro.ID] != "" || got[424242] != NotMarketableMissing {
		t.Errorf("Marketable before = %v", got)
	}
	if _, err := f.app.Marketable(ctx, ids, "nope"); err == nil {
		t.Error("an unknown topic was accepted")
	}

	p, err := f.app.SavePreferences(ctx, f.unsubH, []string{"seminars", "made_up"}, false, "")
	if err != nil {
		t.Fatal(err)
	}
	subscribed := map[string]bool{}
	for _, c := range p.Topics {
		subscribed[c.Topic.Key] = c.Subscribed
	}
	if subscribed["newsletter"] || !subscribed["seminars"] || p.Unsubscribed {
		t.Errorf("preferences = %v (unsubscribed %v)", subscribed, p.Unsubscribed)
	}
	got, _ = f.app.Marketable(ctx, ids, "newsletter")
	if got[f.hanako.ID] != NotMarketableTopic || got[f.taro.ID] != "" {
		t.Errorf("after opting out of the newsletter: %v", got)
	}
	if got, _ = f.app.Marketable(ctx, ids, "seminars"); got[f.hanako.ID] != "" {
		t.Errorf("seminars: %v", got)
	}
	// Everything: unsubscribed altogether.
	if p, err = f.app.SavePreferences(ctx, f.unsubH, nil, true, "203.0.113.5"); err != nil || !p.Unsubscribed {
		t.Fatalf("unsubscribe from everything: %+v %v", p.Unsubscribed, err)
	}
	if got, _ = f.app.Marketable(ctx, ids, ""); got[f.hanako.ID] != NotMarketableNoConsent {
		t.Errorf("after everything: %v", got)
	}
	// Suppressed though consent is granted (an address erased or bounced elsewhere).
	f.app.Store.InTx(ctx, func(tx *store.Tx) error { return tx.Suppress(ctx, EmailHash(f.taro.Email), "bounced", f.clock.Now()) })
	if got, _ = f.app.Marketable(ctx, ids, ""); got[f.taro.ID] != NotMarketableSuppressed {
		t.Errorf("suppressed taro: %v", got)
	}
}

func TestOpensAndClicks(t *testing.T) {
	f := newRecipientFixture(t)
	m := f.sent[f.hanako.ID]
	open := mailtoken.Sign(f.secret, mailtoken.Open, m.ID, f.hanako.ID, "")
	const ua = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36"
	for range 3 {
		if err := f.app.RecordOpen(ctx, open, ua, "192.0.2.44"); err != nil {
			t.Fatal(err)
		}
		f.clock.Add(time.Minute)
	}
	if err := f.app.RecordOpen(ctx, mailtoken.Sign(f.secret, mailtoken.Click, m.ID, f.hanako.ID, ""), ua, ""); !errors.Is(err, crm.ErrNotFound) {
		t.Errorf("a click token as an open: %v", err)
	}
	target := "https://example.jp/pricing?utm_source=mail&a=1"
	click := mailtoken.Sign(f.secret, mailtoken.Click, m.ID, f.hanako.ID, target)
	dest, err := f.app.RecordClick(ctx, click, target, ua, "192.0.2.44")
	if err != nil || dest != target {
		t.Fatalf("RecordClick = %q, %v", dest, err)
	}
	for _, other := range []string{"https://evil.example/", "https://example.jp/pricing", "javascript:alert(1)", "//evil.example",
		"https://example.jp/pricing?utm_source=mail&a=1&x", target + "\r\nSet-Cookie: a=b"} {
		if d, err := f.app.RecordClick(ctx, click, other, ua, ""); !errors.Is(err, crm.ErrNotFound) || d != "" {
			t.Errorf("click token for %q = %q, %v", other, d, err)
		}
	}
	// A signed javascript: URL is still refused (it could never be in a sent e-mail).
	js := "javascript:alert(1)"
	if d, err := f.app.RecordClick(ctx, mailtoken.Sign(f.secret, mailtoken.Click, m.ID, f.hanako.ID, js), js, ua, ""); err == nil || d != "" {
		t.Errorf("signed javascript: URL = %q, %v", d, err)
	}
	// A scanner's click is kept but not on the timeline.
	if _, err := f.app.RecordClick(ctx, click, target, "Barracuda Sentinel (EE)", ""); err != nil {
		t.Fatal(err)
	}
	var opens, clicks, scanner int
	for _, e := range f.events(t, f.hanako.ID) {
		switch e.Kind {
		case "open":
			opens++
		case "click":
			clicks++
			if e.URL != target {
				t.Errorf("click url = %q", e.URL)
			}
			if e.Detail == AgentScanner {
				scanner++
			}
		}
	}
	if opens != 3 || clicks != 2 || scanner != 1 {
		t.Errorf("opens %d clicks %d scanner %d, want 3 2 1", opens, clicks, scanner)
	}
	if got := f.kinds(t, f.hanako.ID, "email_"); !slices.Equal(got, []string{KindEmailClicked, KindEmailOpened}) {
		t.Errorf("timeline = %v (newest first), want one click and the first open", got)
	}
}

func TestOpensAndClicksFeedScoring(t *testing.T) {
	f := newRecipientFixture(t)
	if _, err := f.app.CreateScoringRule(ctx, f.owner, crm.ScoringRule{Kind: crm.RuleEngagement, Name: "Opened",
		Points: 3, Active: true, Condition: crm.Condition{Field: "email_open", Op: crm.OpAny}}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.app.CreateScoringRule(ctx, f.owner, crm.ScoringRule{Kind: crm.RuleEngagement, Name: "Clicked",
		Points: 5, Active: true, Condition: crm.Condition{Field: "email_click", Op: crm.OpAny}}); err != nil {
		t.Fatal(err)
	}
	m := f.sent[f.taro.ID]
	const ua = "Mozilla/5.0 (Macintosh) AppleWebKit/605.1.15 Version/17.0 Safari/605.1.15"
	if err := f.app.RecordOpen(ctx, mailtoken.Sign(f.secret, mailtoken.Open, m.ID, f.taro.ID, ""), ua, "192.0.2.1"); err != nil {
		t.Fatal(err)
	}
	u := "https://example.jp/seminar"
	if _, err := f.app.RecordClick(ctx, mailtoken.Sign(f.secret, mailtoken.Click, m.ID, f.taro.ID, u), u, ua, "192.0.2.1"); err != nil {
		t.Fatal(err)
	}
	sc, err := f.app.Store.ContactScores(ctx, []int64{f.taro.ID})
	if err != nil {
		t.Fatal(err)
	}
	if got := sc[f.taro.ID].Engagement; got != 8 {
		t.Errorf("engagement = %v, want 8 (open 3 + click 5)", got)
	}
}

func TestClassifyAgent(t *testing.T) {
	for _, c := range []struct{ ua, ip, want string }{
		{"Mozilla/5.0 (Windows NT 5.1; rv:11.0) Gecko Firefox/11.0 (via ggpht.com GoogleImageProxy)", "66.249.1.1", AgentGoogleProxy},
		{"YahooMailProxy; https://help.yahoo.com/kb/yahoo-mail-proxy-SLN28749.html", "", AgentYahooProxy},
		{"Mozilla/5.0", "17.58.1.2", AgentAppleProxy},
		{"Mozilla/5.0", "192.0.2.1", AgentOtherProxy},
		{"", "192.0.2.1", AgentScanner},
		{"python-requests/2.31", "", AgentScanner},
		{"Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148", "192.0.2.1", AgentPerson},
	} {
		if got := ClassifyAgent(c.ua, c.ip); got != c.want {
			t.Errorf("ClassifyAgent(%q, %q) = %q, want %q", c.ua, c.ip, got, c.want)
		}
	}
}

func TestBounces(t *testing.T) {
	f := newRecipientFixture(t)
	hm, tm := f.sent[f.hanako.ID], f.sent[f.taro.ID]
	// Bad input fails the whole batch.
	_, err := f.app.RecordBounces(ctx, []bounce.Notice{{Email: "hanako@example.jp", Type: bounce.Hard}, {Email: "not an address", Type: "maybe"}})
	v, ok := crm.AsValidation(err)
	if !ok || v.Fields["items.1.email"] == "" || v.Fields["items.1.type"] == "" {
		t.Fatalf("bad batch: %v", err)
	}
	if m := f.message(t, hm.ID); m.Status != "sent" {
		t.Fatalf("a rejected batch wrote: status %s", m.Status)
	}
	res, err := f.app.RecordBounces(ctx, []bounce.Notice{
		{Email: "Hanako@example.jp", Type: bounce.Hard, MessageID: hm.MessageID, Reason: "550 5.1.1 user unknown", Format: "generic"},
		{Email: "taro@example.jp", Type: bounce.Soft, Reason: "452 4.2.2 mailbox full", Format: "generic"},
		{Email: "stranger@example.jp", Type: bounce.Hard, Reason: "550", Format: "generic"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.Hard != 2 || res.Soft != 1 || res.Unknown != 1 {
		t.Errorf("result = %+v", res)
	}
	if m := f.message(t, hm.ID); m.Status != "bounced" {
		t.Errorf("hard-bounced message status = %s", m.Status)
	}
	if m := f.message(t, tm.ID); m.Status != "sent" {
		t.Errorf("soft-bounced message status = %s, want sent", m.Status)
	}
	got, _ := f.app.Marketable(ctx, []int64{f.hanako.ID, f.taro.ID}, "")
	if got[f.hanako.ID] != NotMarketableSuppressed || got[f.taro.ID] != "" {
		t.Errorf("Marketable after bounces = %v", got)
	}
	if c, _ := f.app.Store.Contact(ctx, f.hanako.ID); c.Consent != crm.ConsentGranted {
		t.Errorf("a hard bounce changed consent to %s", c.Consent)
	}
	es := f.events(t, f.taro.ID)
	if len(es) != 1 || es[0].Kind != "bounce" || es[0].Detail[:5] != "soft:" || es[0].MessageID != tm.ID {
		t.Errorf("taro's events = %+v", es)
	}
	sp, err := f.app.CheckSuppression(ctx, f.owner, "stranger@example.jp")
	if err != nil || sp.Reason != "bounced" {
		t.Errorf("stranger: %+v %v", sp, err)
	}
	// A complaint withdraws consent and cancels queued mail.
	if _, err := f.app.RecordBounces(ctx, []bounce.Notice{{Email: "taro@example.jp", Type: bounce.Complaint, Format: "ses"}}); err != nil {
		t.Fatal(err)
	}
	if c, _ := f.app.Store.Contact(ctx, f.taro.ID); c.Consent != crm.ConsentWithdrawn {
		t.Errorf("complaint: consent = %s", c.Consent)
	}
	if m := f.message(t, f.queued[f.taro.ID].ID); m.Status != "cancelled" {
		t.Errorf("complaint: queued message = %s", m.Status)
	}
	if got := f.kinds(t, f.taro.ID, "email_"); !slices.Equal(got, []string{KindEmailComplained}) {
		t.Errorf("taro's timeline = %v", got)
	}
}

func TestSuppressionAdmin(t *testing.T) {
	f := newRecipientFixture(t)
	mkt := f.addUser(t, "mkt@example.jp", crm.RoleMarketing)
	n, err := f.app.AddSuppressions(ctx, mkt, []string{"a@example.jp", "B@example.jp", "a@example.jp"})
	if err != nil || n != 2 {
		t.Fatalf("AddSuppressions = %d, %v", n, err)
	}
	if _, err := f.app.AddSuppressions(ctx, mkt, []string{"ok@example.jp", "bad"}); err == nil {
		t.Error("a bad line was accepted")
	}
	if _, err := f.app.CheckSuppression(ctx, mkt, "ok@example.jp"); !errors.Is(err, crm.ErrNotFound) {
		t.Errorf("a rejected paste wrote: %v", err)
	}
	counts, _ := f.app.SuppressionCounts(ctx, mkt)
	if counts["manual"] != 2 {
		t.Errorf("counts = %v", counts)
	}
	if err := f.app.RemoveSuppression(ctx, mkt, "a@example.jp"); !errors.Is(err, crm.ErrForbidden) {
		t.Errorf("marketing removing: %v", err)
	}
	if err := f.app.RemoveSuppression(ctx, f.owner, "b@example.jp"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.app.CheckSuppression(ctx, mkt, "b@example.jp"); !errors.Is(err, crm.ErrNotFound) {
		t.Errorf("removed address still listed: %v", err)
	}
}

func TestSegmentOpenedOrClicked(t *testing.T) {
	f := newRecipientFixture(t)
	const ua = "Mozilla/5.0 (X11; Linux x86_64) Gecko/20100101 Firefox/130.0"
	hm, tm := f.sent[f.hanako.ID], f.sent[f.taro.ID]
	// Hanako opened 20 days ago; taro clicked today; a scanner "clicked" for hanako today.
	if err := f.app.RecordOpen(ctx, mailtoken.Sign(f.secret, mailtoken.Open, hm.ID, f.hanako.ID, ""), ua, ""); err != nil {
		t.Fatal(err)
	}
	f.clock.Add(20 * 24 * time.Hour)
	u := "https://example.jp/a"
	if _, err := f.app.RecordClick(ctx, mailtoken.Sign(f.secret, mailtoken.Click, tm.ID, f.taro.ID, u), u, ua, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := f.app.RecordClick(ctx, mailtoken.Sign(f.secret, mailtoken.Click, hm.ID, f.hanako.ID, u), u, "python-requests/2.31", ""); err != nil {
		t.Fatal(err)
	}
	names := map[int64]string{f.hanako.ID: "hanako", f.taro.ID: "taro"}
	for _, c := range []struct {
		value string
		days  int
		want  []string
	}{
		{crm.EmailOpened, 30, []string{"hanako"}},
		{crm.EmailOpened, 14, nil},
		{crm.EmailClicked, 14, []string{"taro"}},
		{crm.EmailOpenedOrClicked, 30, []string{"hanako", "taro"}},
		{crm.EmailOpenedOrClicked, 7, []string{"taro"}},
	} {
		filter := crm.SegmentGroup{Match: crm.MatchAll, Conditions: []crm.SegmentCondition{{Field: "email_engagement", Op: crm.SegOpEq, Value: c.value, Days: c.days}}}
		n, cs, err := f.app.SegmentPreview(ctx, f.owner, filter, 10)
		if err != nil {
			t.Fatalf("%s %d: %v", c.value, c.days, err)
		}
		var got []string
		for _, x := range cs {
			got = append(got, names[x.ID])
		}
		slices.Sort(got)
		if n != len(c.want) || !slices.Equal(got, c.want) {
			t.Errorf("%s in %d days = %d %v, want %v", c.value, c.days, n, got, c.want)
		}
	}
	// Days are required, and only the listed values pass.
	for _, cd := range []crm.SegmentCondition{{Field: "email_engagement", Op: crm.SegOpEq, Value: crm.EmailOpened},
		{Field: "email_engagement", Op: crm.SegOpEq, Value: "bounced", Days: 3}} {
		if _, _, err := f.app.SegmentPreview(ctx, f.owner, crm.SegmentGroup{Match: crm.MatchAll, Conditions: []crm.SegmentCondition{cd}}, 1); err == nil {
			t.Errorf("%+v was accepted", cd)
		}
	}
}

func TestMergeKeepsEmailRecords(t *testing.T) {
	f := newRecipientFixture(t)
	if _, err := f.app.CreateEmailTopic(ctx, f.owner, store.EmailTopic{Key: "newsletter", NameEN: "News"}); err != nil {
		t.Fatal(err)
	}
	tm := f.sent[f.taro.ID]
	if err := f.app.RecordOpen(ctx, mailtoken.Sign(f.secret, mailtoken.Open, tm.ID, f.taro.ID, ""), "Mozilla/5.0 (X11) Firefox/130.0", ""); err != nil {
		t.Fatal(err)
	}
	if _, err := f.app.SavePreferences(ctx, f.unsubT, nil, false, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := f.app.MergeContacts(ctx, f.owner, f.hanako.ID, f.taro.ID); err != nil {
		t.Fatal(err)
	}
	if es := f.events(t, f.hanako.ID); len(es) != 1 || es[0].Kind != "open" || es[0].MessageID != f.sent[f.hanako.ID].ID {
		t.Errorf("hanako's events after the merge = %+v", es)
	}
	got, _ := f.app.Marketable(ctx, []int64{f.hanako.ID}, "newsletter")
	if got[f.hanako.ID] != NotMarketableTopic {
		t.Errorf("the merged opt-out was lost: %v", got)
	}
	// Taro's messages of broadcast 7 and 8 collide with hanako's and go with
	// taro; none moved means hanako still has exactly her own two.
	if m := f.message(t, f.sent[f.hanako.ID].ID); m.ContactID != f.hanako.ID {
		t.Errorf("hanako's message moved: %+v", m)
	}
}
