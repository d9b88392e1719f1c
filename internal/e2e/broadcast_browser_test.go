package e2e

import (
	"context"
	"fmt"
	"mime"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"renkei/internal/app"
	"renkei/internal/crm"
	"renkei/internal/mail/mailtest"
	"renkei/internal/store"
)

// TestBroadcastBrowser is issue 8's browser test, end to end in Chromium
// (in Japanese): build a segment in the segment builder, a personalised
// template in the template editor (a merge field with a fallback and a
// tracked button link), a broadcast from that template to the segment
// with a topic of the preference centre; send it through the in-process
// SMTP server and watch the progress reach the end. Then the received
// message: its MIME (subject, both parts, List-Unsubscribe headers,
// footer); its HTML opened in the browser from another web server, where
// the button goes through Renkei's /e/c redirect to the original page;
// the click in the broadcast's report and on the contact's timeline; and
// the unsubscribe link, confirmed on its page, leaving the contact opted
// out and the address suppressed.
func TestBroadcastBrowser(t *testing.T) {
	h := start(t)
	ctx := context.Background()
	a := h.srv.App
	_, u, err := a.Setup(ctx, app.SetupInput{WorkspaceName: "株式会社サンプル", Language: "ja", TimeZone: "Asia/Tokyo",
		Name: adminName, Email: adminEmail, Password: adminPassword}, "", "")
	if err != nil {
		t.Fatal(err)
	}
	ac := app.Actor{User: u}
	contacts := map[string]crm.Contact{}
	for _, c := range []struct{ email, family, company, tag string }{
		{"sato@example.jp", "佐藤", "株式会社サトウ", "秋セミナー"},
		{"suzuki@example.jp", "鈴木", "", "秋セミナー"},      // no company: the fallback
		{"takahashi@example.jp", "高橋", "高橋工業", "展示会"}, // not in the segment
	} {
		in := app.ContactInput{Contact: crm.Contact{Email: c.email, PersonName: crm.PersonName{Family: c.family, Given: "花子"},
			Lifecycle: crm.StageLead, Consent: crm.ConsentGranted, Tags: []string{c.tag}, OwnerID: u.ID}, CompanyName: c.company}
		got, err := a.CreateContact(ctx, ac, in)
		if err != nil {
			t.Fatal(err)
		}
		contacts[c.email] = got
	}
	if _, err := a.CreateEmailTopic(ctx, ac, store.EmailTopic{Key: "seminars", NameJA: "セミナー案内", NameEN: "Seminars"}); err != nil {
		t.Fatal(err)
	}
	// Sending goes to the harness's in-process SMTP server.
	if _, err := a.UpdateSendingSettings(ctx, ac, app.SendingUpdate{Settings: crm.SendingSettings{
		Relays: []crm.SMTPRelay{{Name: "local", Host: "127.0.0.1", Port: h.mail.Server().Port, Security: "none", MaxConns: 2}},
		Domain: "example.jp", FromAddress: "news@example.jp", FromName: "連携ニュース", DKIMSelector: "renkei",
		Compliance: crm.Compliance{SenderName: "株式会社サンプル", PostalAddress: "東京都千代田区丸の内1-1-1", ContactEmail: "info@example.jp"},
	}}); err != nil {
		t.Fatal(err)
	}
	// Another web site: the page the e-mail links to, and a page that
	// shows a received message's HTML (as a webmail would).
	site := &mailSite{}
	web := httptest.NewServer(site)
	t.Cleanup(web.Close)
	landing := web.URL + "/seminar?from=mail"

	tb := h.newTab(t)
	tb.signIn(adminEmail, adminPassword)

	// 1. The segment, in the builder: tag is 秋セミナー → 佐藤, 鈴木.
	tb.open("/marketing/segments/new")
	tb.wantPage("/marketing/segments/new", "一致するコンタクト")
	tb.fill("f-name", "秋セミナーの参加者")
	tb.click(`[data-key="filter.add"]`)
	tb.pick(`[data-key="filter.conditions[0].field"]`, "tag")
	tb.typeInto(`[data-key="filter.conditions[0].value"]`, "秋セミナー")
	tb.waitCount("2 件")
	tb.submit(`#segment-form button[type=submit]`)
	segPath := tb.path()
	var segID int64
	if _, err := fmt.Sscanf(segPath, "/marketing/segments/%d", &segID); err != nil {
		t.Fatalf("after saving the segment: %s", segPath)
	}

	// 2. The template, in the block editor: the company with a fallback,
	// the family name, and a button to the landing page.
	tb.open("/marketing/email/templates/new")
	tb.wantPage("/marketing/email/templates/new", "差し込み項目")
	tb.fill("f-name", "秋のセミナー案内")
	tb.typeInto("#f-subject", "{{family_name}} 様：秋のセミナーのご案内")
	tb.typeInto(`[data-path="blocks[0].text"]`, "秋のセミナー")
	tb.typeInto(`[data-path="blocks[1].text"]`, "{{company | \"御社\"}}\n{{family_name}} 様\n\n秋のセミナーを開きます。")
	tb.pick(`[data-add="blocks"]`, "button")
	tb.typeInto(`[data-path="blocks[2].label"]`, "申し込む")
	tb.typeInto(`[data-path="blocks[2].url"]`, landing)
	tb.submit(`#etpl-form button[type=submit]`)
	tb.wantPage(tb.path(), "テンプレートを保存しました。")
	var tplID int64
	if _, err := fmt.Sscanf(tb.path(), "/marketing/email/templates/%d", &tplID); err != nil {
		t.Fatalf("after saving the template: %s", tb.path())
	}

	// 3. The broadcast: to the segment, content from the template (its
	// subject, as Subject stays empty), on the topic セミナー案内.
	tb.open("/marketing/broadcasts/new")
	tb.wantPage("/marketing/broadcasts/new", "トピック")
	if got := eval[string](tb, `[...document.querySelectorAll('#f-topic option')].map(o => o.value + "=" + o.textContent).join("; ")`); got != "=トピックなし; seminars=セミナー案内" {
		t.Errorf("the topic choices are %q", got)
	}
	tb.fill("f-name", "秋のセミナー 一斉配信")
	tb.run("choose the segment", chromedp.Evaluate[chromedp.Void](fmt.Sprintf(
		`document.querySelector('#f-include_ids option[value="%d"]').selected = true`, segID)))
	tb.pick("#f-template_id", fmt.Sprint(tplID))
	tb.pick("#f-topic", "seminars")
	tb.shot("broadcast-form-ja")
	tb.submit(`form[action="/marketing/broadcasts"] button[type=submit]`)
	tb.wantPage(tb.path(), "一斉配信を保存しました。")
	var bid int64
	if _, err := fmt.Sscanf(tb.path(), "/marketing/broadcasts/%d", &bid); err != nil {
		t.Fatalf("after saving the broadcast: %s", tb.path())
	}
	if b, err := a.Broadcast(ctx, ac, bid); err != nil || b.Topic != "seminars" || b.TemplateID != tplID ||
		len(b.IncludeIDs) != 1 || b.IncludeIDs[0] != segID {
		t.Fatalf("saved broadcast %+v, %v", b, err)
	}

	// 4. Send now; the progress card follows to the end.
	tb.submit(`form[action$="/start"] button[type=submit]`)
	tb.wantPage(fmt.Sprintf("/marketing/broadcasts/%d", bid), "一斉配信を開始しました。")
	tb.waitJS(`document.querySelector('#bc-progress [data-k="sent"]').textContent.trim() === "2" &&
		document.querySelector('#bc-progress').textContent.includes("100%")`, "the progress shows 2 sent, 100%")
	deadline := time.Now().Add(stepTimeout)
	for {
		b, err := a.Broadcast(ctx, ac, bid)
		if err != nil {
			t.Fatal(err)
		}
		if b.Status == crm.BroadcastSent {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the broadcast is %s, not sent", b.Status)
		}
		time.Sleep(100 * time.Millisecond)
	}
	tb.open(fmt.Sprintf("/marketing/broadcasts/%d", bid))
	tb.wantPage(fmt.Sprintf("/marketing/broadcasts/%d", bid), "配信済み")
	// The subject comes from the template, and the topic is shown.
	if side := tb.text("main .col-lg-4"); !strings.Contains(side, "テンプレートの件名") || !strings.Contains(side, "seminars") {
		t.Errorf("the broadcast's details show %q", side)
	}
	tb.shot("broadcast-sent-ja")

	// 5. What arrived: one message each to 佐藤 and 鈴木, none to 高橋.
	sato := h.mail.WaitFor(t, "sato@example.jp", stepTimeout)
	suzuki := h.mail.WaitFor(t, "suzuki@example.jp", stepTimeout)
	if n := len(h.mail.Messages()); n != 2 || h.mail.Count("takahashi@example.jp") != 0 {
		t.Errorf("%d messages delivered (高橋 %d), want 2", n, h.mail.Count("takahashi@example.jp"))
	}
	checkBroadcastMIME(t, h.base, landing, sato, "佐藤 様：秋のセミナーのご案内", "株式会社サトウ", "佐藤 様")
	checkBroadcastMIME(t, h.base, landing, suzuki, "鈴木 様：秋のセミナーのご案内", "御社", "鈴木 様")

	// 6. 佐藤 reads the message in a browser (a person's, not a headless
	// one, which Renkei counts as a link scanner) and presses the button.
	reader := h.newTab(t)
	reader.asPerson()
	site.set(sato.HTML)
	reader.navigate(chromedp.NavigateResponse(web.URL + "/mail"))
	button := fmt.Sprintf(`a[href^="%s/e/c/"]`, h.base)
	if got := eval[string](reader, fmt.Sprintf(`document.querySelector(%q).textContent.trim()`, button)); got != "申し込む" {
		t.Fatalf("the tracked link reads %q", got)
	}
	// A mail client opens links in a new window (target=_blank); here the
	// same tab follows it, so the test can see where it lands.
	reader.run("same tab", chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`document.querySelector(%q).removeAttribute("target")`, button)))
	if st := reader.submit(button); st >= 400 {
		t.Fatalf("the click led to status %d", st)
	}
	loc, err := chromedp.Run(reader.ctx, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	if loc != landing {
		t.Fatalf("the click landed on %s, want %s", loc, landing)
	}
	if body := reader.text("body"); !strings.Contains(body, "秋のセミナー申し込み") {
		t.Fatalf("the landing page shows %q", body)
	}
	if n := site.landings(); n != 1 {
		t.Errorf("the landing page was loaded %d times, want 1", n)
	}
	reader.shot("broadcast-landing")

	// 7. The click in the report and on 佐藤's timeline.
	rep, err := a.BroadcastReport(ctx, ac, bid)
	if err != nil {
		t.Fatal(err)
	}
	if rep.UniqueClicks != 1 || rep.TotalClicks != 1 || len(rep.Links) != 1 || rep.Links[0].URL != landing || rep.UniqueOpens != 1 {
		t.Errorf("report: %d/%d clicks, %d opens, links %+v", rep.UniqueClicks, rep.TotalClicks, rep.UniqueOpens, rep.Links)
	}
	tb.open(fmt.Sprintf("/marketing/broadcasts/%d", bid))
	cards := eval[string](tb, `[...document.querySelectorAll('#bc-progress .h3')].map(e => e.textContent.trim() + "=" + e.nextElementSibling.textContent.trim()).join("; ")`)
	for _, want := range []string{"1 / 1=クリック（ユニーク / 合計）", "1 / 1=開封（ユニーク / 合計）", "2=配信成功"} {
		if !strings.Contains(cards, want) {
			t.Errorf("the report shows %q, not %q", cards, want)
		}
	}
	if links := tb.text("#bc-progress"); !strings.Contains(links, landing) {
		t.Errorf("the report's links lack %s:\n%s", landing, links)
	}
	tb.shot("broadcast-report-ja")
	tb.open(fmt.Sprintf("/contacts/%d", contacts["sato@example.jp"].ID))
	if body := tb.text("main"); !strings.Contains(body, "マーケティングメールのリンクをクリック") {
		t.Errorf("佐藤's timeline lacks the click:\n%.2500s", body)
	}
	tb.shot("broadcast-click-timeline-ja")

	// 8. The unsubscribe link of the footer: a page that asks, then done.
	unsub := mailtest.FindLink(sato.Text, h.base+"/e/u/")
	if unsub == "" {
		t.Fatal("no unsubscribe link in the text part")
	}
	if st := reader.navigate(chromedp.NavigateResponse(unsub)); st != http.StatusOK {
		t.Fatalf("unsubscribe page: %d", st)
	}
	reader.wantPage(strings.TrimPrefix(unsub, h.base), "sa***@example.jp へのマーケティングメールを停止しますか")
	if c, _ := a.Store.Contact(ctx, contacts["sato@example.jp"].ID); c.Consent != crm.ConsentGranted {
		t.Fatalf("opening the page changed consent to %s", c.Consent)
	}
	reader.shot("broadcast-unsubscribe-ja")
	if st := reader.submit("form button[type=submit]"); st != http.StatusOK {
		t.Fatalf("confirm: %d", st)
	}
	reader.wantPage(strings.TrimPrefix(unsub, h.base), "配信を停止しました")
	why, err := a.Marketable(ctx, []int64{contacts["sato@example.jp"].ID, contacts["suzuki@example.jp"].ID}, "seminars")
	if err != nil || why[contacts["sato@example.jp"].ID] != app.NotMarketableNoConsent || why[contacts["suzuki@example.jp"].ID] != "" {
		t.Errorf("marketable after the unsubscribe: %v, %v", why, err)
	}
	sup, err := a.Store.SuppressedHashes(ctx, []string{app.EmailHash("sato@example.jp")})
	if err != nil || sup[app.EmailHash("sato@example.jp")] != "unsubscribed" {
		t.Errorf("suppression of sato@example.jp: %v, %v", sup, err)
	}
	tb.open(fmt.Sprintf("/contacts/%d", contacts["sato@example.jp"].ID))
	body := tb.text("main")
	for _, want := range []string{"撤回", "マーケティングメールの配信停止"} {
		if !strings.Contains(body, want) {
			t.Errorf("佐藤's page lacks %q after the unsubscribe:\n%.2500s", want, body)
		}
	}
	if rep, _ := a.BroadcastReport(ctx, ac, bid); rep.Unsubscribes != 1 {
		t.Errorf("the report counts %d unsubscribes", rep.Unsubscribes)
	}
}

// checkBroadcastMIME checks one received broadcast message: the subject,
// the personalisation in both parts, the tracked link, the unsubscribe
// headers (RFC 2369 and RFC 8058) and the compliance footer.
func checkBroadcastMIME(t *testing.T, base, landing string, m mailtest.Message, subject, company, name string) {
	t.Helper()
	to := strings.Join(m.To, ",")
	if m.Subject != subject {
		t.Errorf("%s: subject %q, want %q", to, m.Subject, subject)
	}
	if raw := m.Header.Get("Subject"); !strings.HasPrefix(raw, "=?UTF-8?") && !strings.HasPrefix(raw, "=?utf-8?") {
		t.Errorf("%s: the Japanese subject is not an encoded word: %q", to, raw)
	}
	if ct, params, err := mime.ParseMediaType(m.Header.Get("Content-Type")); err != nil || ct != "multipart/alternative" || params["boundary"] == "" {
		t.Errorf("%s: Content-Type %q (%v)", to, m.Header.Get("Content-Type"), err)
	}
	if m.Text == "" || m.HTML == "" {
		t.Fatalf("%s: a part is missing (text %d bytes, HTML %d bytes)", to, len(m.Text), len(m.HTML))
	}
	for part, s := range map[string]string{"text": m.Text, "HTML": m.HTML} {
		for _, want := range []string{company, name, "秋のセミナーを開きます。", "株式会社サンプル", "東京都千代田区丸の内1-1-1", "info@example.jp", "配信停止"} {
			if !strings.Contains(s, want) {
				t.Errorf("%s: the %s part lacks %q", to, part, want)
			}
		}
		if strings.Contains(s, "{{") {
			t.Errorf("%s: the %s part has an unfilled merge tag", to, part)
		}
	}
	if !strings.Contains(m.HTML, base+"/e/c/") || !strings.Contains(m.HTML, base+"/e/o/") {
		t.Errorf("%s: the HTML lacks the click link or the open pixel", to)
	}
	if strings.Contains(m.HTML, `href="`+landing) {
		t.Errorf("%s: the button links to the page directly, not through the click redirect", to)
	}
	lu := m.Header.Get("List-Unsubscribe")
	if !strings.Contains(lu, "<"+base+"/e/u/") || !strings.Contains(lu, "<mailto:unsubscribe@example.jp?subject=unsubscribe%20") {
		t.Errorf("%s: List-Unsubscribe %q", to, lu)
	}
	if got := m.Header.Get("List-Unsubscribe-Post"); got != "List-Unsubscribe=One-Click" {
		t.Errorf("%s: List-Unsubscribe-Post %q", to, got)
	}
	if link := mailtest.FindLink(m.Text, base+"/e/u/"); link == "" || !strings.Contains(lu, link) {
		t.Errorf("%s: the footer's unsubscribe link %q is not the header's %q", to, link, lu)
	}
	if mid := m.Header.Get("Message-Id"); !strings.HasSuffix(mid, "@example.jp>") {
		t.Errorf("%s: Message-ID %q", to, mid)
	}
	if from := m.Header.Get("From"); !strings.Contains(from, "<news@example.jp>") {
		t.Errorf("%s: From %q", to, from)
	}
}

// mailSite is a web server outside Renkei: /mail shows a received
// message's HTML (as a webmail would), /seminar is the page its button
// links to, and counts its visits.
type mailSite struct {
	mu    sync.Mutex
	html  string
	visit int
}

func (s *mailSite) set(html string) {
	s.mu.Lock()
	s.html = html
	s.mu.Unlock()
}

func (s *mailSite) landings() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.visit
}

func (s *mailSite) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	switch r.URL.Path {
	case "/mail":
		fmt.Fprint(w, s.html)
	case "/seminar":
		s.visit++
		fmt.Fprint(w, `<!doctype html><html lang="ja"><head><meta charset="utf-8"><title>申し込み</title></head><body><h1>秋のセミナー申し込み</h1></body></html>`)
	default:
		http.NotFound(w, r)
	}
}

// waitJS waits until a JavaScript expression is true in the tab.
func (tb *tab) waitJS(expr, what string) {
	tb.t.Helper()
	deadline := time.Now().Add(stepTimeout)
	for time.Now().Before(deadline) {
		ok, _ := chromedp.Run(tb.ctx, chromedp.Evaluate[bool](`(function(){try{return !!(`+expr+`)}catch(e){return false}})()`))
		if ok {
			return
		}
		time.Sleep(150 * time.Millisecond)
	}
	tb.t.Fatalf("waited in vain for %s (page: %.500s)", what, tb.text("body"))
}
