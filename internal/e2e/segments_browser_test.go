package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"renkei/internal/app"
	"renkei/internal/crm"
)

// TestSegmentsBrowser builds a segment in the builder in Chromium, in
// Japanese: conditions added with the field picker, the operator and the
// value inputs, the live count following every change, AND switched to OR
// and back; then saves it, saves its contacts as a static list and adds a
// contact to the list by e-mail.
func TestSegmentsBrowser(t *testing.T) {
	h := start(t)
	ctx := context.Background()
	a := h.srv.App
	_, u, err := a.Setup(ctx, app.SetupInput{WorkspaceName: "株式会社サンプル", Language: "ja", TimeZone: "Asia/Tokyo",
		Name: adminName, Email: adminEmail, Password: adminPassword}, "", "")
	if err != nil {
		t.Fatal(err)
	}
	ac := app.Actor{User: u}
	for _, c := range []struct {
		email, family string
		stage         crm.Lifecycle
		tags          []string
	}{
		{"sato@example.jp", "佐藤", crm.StageLead, []string{"セミナー"}},
		{"suzuki@example.jp", "鈴木", crm.StageMQL, []string{"セミナー"}},
		{"takahashi@example.jp", "高橋", crm.StageLead, nil},
		{"tanaka@example.jp", "田中", crm.StageCustomer, []string{"セミナー"}},
		{"ito@example.jp", "伊藤", crm.StageSubscriber, []string{"vip"}},
	} {
		if _, err := a.CreateContact(ctx, ac, app.ContactInput{Contact: crm.Contact{Email: c.email,
			PersonName: crm.PersonName{Family: c.family, Given: "花子"}, Lifecycle: c.stage, Tags: c.tags}}); err != nil {
			t.Fatal(err)
		}
	}

	tb := h.newTab(t)
	tb.signIn(adminEmail, adminPassword)
	tb.open("/marketing")
	tb.wantPage("/marketing", "セグメントとリスト")
	tb.open("/marketing/segments")
	tb.wantPage("/marketing/segments", "セグメントはまだありません")
	tb.shot("segments-empty-ja")

	tb.open("/marketing/segments/new")
	tb.wantPage("/marketing/segments/new", "一致するコンタクト")
	// No condition yet: every contact.
	tb.waitCount("5 件")
	tb.fill("f-name", "セミナー参加のリード")
	// lifecycle stage is any of lead, MQL → 佐藤, 高橋, 鈴木.
	tb.click(`[data-key="filter.add"]`)
	tb.pick(`[data-key="filter.conditions[0].op"]`, "in")
	tb.click(`[data-path="filter.conditions[0]"] input[value="lead"]`)
	tb.click(`[data-path="filter.conditions[0]"] input[value="mql"]`)
	tb.waitCount("3 件")
	// AND tag is セミナー → 佐藤, 鈴木.
	tb.click(`[data-key="filter.add"]`)
	tb.pick(`[data-key="filter.conditions[1].field"]`, "tag")
	tb.typeInto(`[data-key="filter.conditions[1].value"]`, "セミナー")
	tb.waitCount("2 件")
	// OR instead: lead or MQL or セミナー → 佐藤, 鈴木, 高橋, 田中.
	tb.pick(`[data-key="filter.match"]`, "any")
	tb.waitCount("4 件")
	tb.pick(`[data-key="filter.match"]`, "all")
	tb.waitCount("2 件")
	// A group (any of): e-mail starts with sato, or owner is set → 佐藤 only.
	tb.click(`[data-key="filter.addgroup"]`)
	tb.pick(`[data-key="filter.groups[0].conditions[0].field"]`, "email")
	tb.pick(`[data-key="filter.groups[0].conditions[0].op"]`, "prefix")
	tb.typeInto(`[data-key="filter.groups[0].conditions[0].value"]`, "sato")
	tb.waitCount("1 件")
	if first := tb.text("#segment-first"); !strings.Contains(first, "佐藤") {
		t.Errorf("first matches %q lack 佐藤", first)
	}
	// A bad value is marked where it is, and the count waits for it.
	tb.pick(`[data-key="filter.conditions[1].field"]`, "engagement_score")
	tb.pick(`[data-key="filter.conditions[1].op"]`, "gte")
	tb.typeInto(`[data-key="filter.conditions[1].value"]`, "2.5")
	tb.waitFor(`[data-msg="filter.conditions[1]"]:not(:empty)`)
	if msg := tb.text(`[data-msg="filter.conditions[1]"]`); !strings.Contains(msg, "整数") {
		t.Errorf("message %q", msg)
	}
	tb.shot("segments-builder-error-ja")
	tb.pick(`[data-key="filter.conditions[1].field"]`, "tag")
	tb.typeInto(`[data-key="filter.conditions[1].value"]`, "セミナー")
	tb.waitCount("1 件")
	tb.shot("segments-builder-ja")

	tb.submit(`#segment-form button[type=submit]`)
	if p := tb.path(); !strings.HasPrefix(p, "/marketing/segments/") {
		t.Fatalf("after saving: %s", p)
	}
	if got := tb.text("[data-segment-count]"); got != "1" {
		t.Errorf("segment page count %q, want 1", got)
	}
	summary := tb.text("main")
	for _, want := range []string{"ライフサイクルステージ", "タグ", "セミナー", "佐藤"} {
		if !strings.Contains(summary, want) {
			t.Errorf("segment page lacks %q", want)
		}
	}
	tb.shot("segments-segment-ja")

	// Save as a static list, then add 伊藤 by e-mail: 2 members.
	tb.submit(`form[action$="/static"] button[type=submit]`)
	tb.wantPage(tb.path(), "固定リスト")
	tb.fill("emails", "ito@example.jp")
	tb.submit(`form[action$="/members"] button[type=submit]`)
	if got := tb.text("[data-segment-count]"); got != "2" {
		t.Errorf("static list count %q, want 2", got)
	}
	// An unknown address is refused with a message; nothing is added.
	tb.fill("emails", "nobody@example.jp")
	tb.submit(`form[action$="/members"] button[type=submit]`)
	if body := tb.text("main"); !strings.Contains(body, "次のメールアドレスのコンタクトはありません：nobody@example.jp") {
		t.Errorf("refused add shows %.300s", body)
	}
	if got := tb.text("[data-segment-count]"); got != "2" {
		t.Errorf("static list count after a refused add %q, want 2", got)
	}
	tb.shot("segments-static-ja")

	// The contact list, filtered by the list: 伊藤 and 佐藤.
	tb.submit(`a[href^="/contacts?segment="]`)
	contacts := tb.text("main")
	for _, want := range []string{"伊藤", "佐藤"} {
		if !strings.Contains(contacts, want) {
			t.Errorf("contacts in the list lack %s", want)
		}
	}
	if strings.Contains(contacts, "高橋") {
		t.Errorf("contacts in the list show 高橋")
	}

	tb.open("/marketing/segments")
	list := tb.text("main")
	for _, want := range []string{"セミナー参加のリード", "固定リスト", "セグメント"} {
		if !strings.Contains(list, want) {
			t.Errorf("list lacks %q", want)
		}
	}
	tb.shot("segments-list-ja")

	// The builder in English on a phone.
	tb.open("/profile")
	tb.submit(`main form[action="/profile/language"] button[value="en"]`)
	tb.viewport(390, 844, true)
	tb.open("/marketing/segments/new")
	tb.wantPage("/marketing/segments/new", "Add condition")
	tb.waitCount("5 contacts")
	tb.click(`[data-key="filter.add"]`)
	tb.waitCount("1 contact") // the first stage, subscriber: 伊藤
	tb.noSidewaysScroll()
	tb.shot("segments-builder-phone")
}

// waitCount waits until the builder's live count shows text.
func (tb *tab) waitCount(text string) {
	tb.t.Helper()
	deadline := time.Now().Add(stepTimeout)
	var got string
	for time.Now().Before(deadline) {
		got, _ = chromedp.Run(tb.ctx, chromedp.Evaluate[string](`document.getElementById("segment-count").textContent`))
		if strings.Contains(got, text) {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	tb.t.Fatalf("live count shows %q, want %q", got, text)
}

// click clicks an element (its own click(), see submit).
func (tb *tab) click(sel string) {
	tb.t.Helper()
	tb.run("click "+sel, chromedp.WaitVisible(chromedp.CSS(sel)),
		chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`document.querySelector(%q).click()`, sel)))
}

// pick picks an option of a select (CSS selector) and tells the page, as a person
// choosing would.
func (tb *tab) pick(sel, value string) {
	tb.t.Helper()
	tb.run("choose "+value+" in "+sel, chromedp.WaitVisible(chromedp.CSS(sel)),
		chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`(function(){var s=document.querySelector(%q); s.value=%q;
			s.dispatchEvent(new Event("change", {bubbles: true}));})()`, sel, value)))
}

// typeInto replaces an input's text by typing.
func (tb *tab) typeInto(sel, text string) {
	tb.t.Helper()
	tb.run("type into "+sel, chromedp.WaitVisible(chromedp.CSS(sel)),
		chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`document.querySelector(%q).value=""`, sel)),
		chromedp.SendKeys(chromedp.CSS(sel), text))
}
