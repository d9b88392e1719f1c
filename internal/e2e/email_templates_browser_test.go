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

// TestEmailTemplatesBrowser builds a template in the block editor in
// Chromium, in Japanese: a heading, a text with {{family_name}} 様, a
// button and two columns; previews it as a contact (their name shows in
// the sandboxed frame), saves it, and checks that an HTML-source template
// with a script cannot run it in the preview. Then the pages in English.
func TestEmailTemplatesBrowser(t *testing.T) {
	h := start(t)
	ctx := context.Background()
	a := h.srv.App
	_, u, err := a.Setup(ctx, app.SetupInput{WorkspaceName: "株式会社サンプル", Language: "ja", TimeZone: "Asia/Tokyo",
		Name: adminName, Email: adminEmail, Password: adminPassword}, "", "")
	if err != nil {
		t.Fatal(err)
	}
	ac := app.Actor{User: u}
	if _, err := a.CreateContact(ctx, ac, app.ContactInput{Contact: crm.Contact{Email: "sato@example.jp",
		PersonName: crm.PersonName{Family: "佐藤", Given: "花子"}, Lifecycle: crm.StageLead, OwnerID: u.ID}}); err != nil {
		t.Fatal(err)
	}
	if err := a.SetSignature(ctx, ac, "連携 太郎\n株式会社サンプル 営業部"); err != nil {
		t.Fatal(err)
	}

	tb := h.newTab(t)
	tb.signIn(adminEmail, adminPassword)
	tb.open("/marketing")
	tb.wantPage("/marketing", "メールテンプレート")
	tb.open("/marketing/email/templates")
	tb.wantPage("/marketing/email/templates", "テンプレートはまだありません")
	tb.shot("email-templates-empty-ja")

	tb.open("/marketing/email/templates/new")
	tb.wantPage("/marketing/email/templates/new", "差し込み項目")
	tb.fill("f-name", "セミナーのご案内")
	tb.typeInto("#f-subject", "{{family_name}} 様へ：秋のセミナー")
	tb.typeInto(`[data-path="blocks[0].text"]`, "秋のセミナーのご案内")
	tb.typeInto(`[data-path="blocks[1].text"]`, "{{family_name}} 様\n\nいつもお世話になっております。")
	tb.pick(`[data-add="blocks"]`, "button")
	tb.typeInto(`[data-path="blocks[2].label"]`, "申し込む")
	tb.typeInto(`[data-path="blocks[2].url"]`, "https://example.jp/apply?e={{email}}")
	tb.pick(`[data-add="blocks"]`, "columns")
	tb.typeInto(`[data-path="blocks[3].columns[0][0].text"]`, "東京会場")
	tb.typeInto(`[data-path="blocks[3].columns[1][0].text"]`, "大阪会場")
	tb.typeInto("#etpl-contact-q", "佐藤")
	body := tb.frameText("佐藤 様")
	for _, want := range []string{"秋のセミナーのご案内", "いつもお世話になっております。", "申し込む", "東京会場", "大阪会場"} {
		if !strings.Contains(body, want) {
			t.Errorf("preview lacks %q: %s", want, body)
		}
	}
	if got := tb.text("#etpl-preview-subject"); got != "佐藤 様へ：秋のセミナー" {
		t.Errorf("preview subject %q", got)
	}
	if sb, _ := chromedp.Run(tb.ctx, chromedp.Evaluate[string](`document.getElementById("etpl-preview").getAttribute("sandbox")`)); sb != "" {
		t.Errorf("the preview frame's sandbox is %q, want empty (nothing allowed)", sb)
	}
	tb.shot("email-templates-editor-ja")

	// A bad button address is marked at its block and not saved.
	tb.typeInto(`[data-path="blocks[2].url"]`, "javascript:alert(1)")
	tb.waitFor(`[data-path="blocks[2].url"].is-invalid`)
	tb.typeInto(`[data-path="blocks[2].url"]`, "https://example.jp/apply?e={{email}}")
	tb.waitGone(`[data-path="blocks[2].url"].is-invalid`)
	tb.submit(`#etpl-form button[type=submit]`)
	if p := tb.path(); !strings.HasPrefix(p, "/marketing/email/templates/") || strings.HasSuffix(p, "/new") {
		t.Fatalf("after saving: %s", p)
	}
	tb.wantPage(tb.path(), "テンプレートを保存しました。")
	saved, err := a.EmailTemplates(ctx, ac)
	if err != nil || len(saved) != 1 || len(saved[0].Blocks) != 4 || saved[0].Blocks[3].Type != crm.BlockColumns {
		t.Fatalf("saved %+v, %v", saved, err)
	}

	// HTML source with a script: the sandbox keeps it from running.
	tb.click("#editor-html")
	tb.typeInto("#html", `<html><body><p id="who">{{family_name}} 様</p><script>document.body.setAttribute("data-ran", "1")</script></body></html>`)
	tb.typeInto("#etpl-contact-q", "佐藤")
	tb.frameText("佐藤 様")
	if ran := tb.frameAttr("body", "data-ran"); ran != "" {
		t.Errorf("a script in the template ran in the preview (data-ran=%q)", ran)
	}
	tb.mu.Lock()
	var kept []string
	for _, e := range tb.errors { // Chromium reports the blocked script
		if !strings.Contains(e, "sandboxed") && !strings.Contains(e, "allow-scripts") {
			kept = append(kept, e)
		}
	}
	tb.errors = kept
	tb.mu.Unlock()

	tb.open("/marketing/email/templates")
	tb.wantPage("/marketing/email/templates", "セミナーのご案内")
	tb.shot("email-templates-list-ja")

	tb.open("/profile")
	tb.submit(`main form[action="/profile/language"] button[value="en"]`)
	tb.open("/marketing/email/templates")
	tb.wantPage("/marketing/email/templates", "E-mail templates")
	tb.shot("email-templates-list-en")
	tb.open(fmt.Sprintf("/marketing/email/templates/%d", saved[0].ID))
	tb.wantPage(fmt.Sprintf("/marketing/email/templates/%d", saved[0].ID), "Merge fields")
	tb.typeInto("#etpl-contact-q", "佐藤")
	tb.frameText("佐藤 様")
	tb.shot("email-templates-editor-en")
}

// frameText waits until the preview frame's text holds want and returns it.
func (tb *tab) frameText(want string) string {
	tb.t.Helper()
	deadline := time.Now().Add(stepTimeout)
	var got string
	for time.Now().Before(deadline) {
		got = tb.inFrame(func(ctx context.Context, f *chromedp.Node) (string, error) {
			return chromedp.Run(ctx, chromedp.TextContent(chromedp.CSS("body"), chromedp.FromNode(f)))
		})
		if strings.Contains(got, want) {
			return got
		}
		time.Sleep(150 * time.Millisecond)
	}
	dbg, _ := chromedp.Run(tb.ctx, chromedp.Evaluate[string](`(function(){var f=document.getElementById("etpl-preview");
		return "srcdoc " + f.srcdoc.length + " subject " + document.getElementById("etpl-preview-subject").textContent +
			" errors " + document.getElementById("etpl-preview-errors").textContent + " contact " + document.getElementById("etpl-contact").value})()`))
	tb.t.Fatalf("the preview shows %q, want %q (%s)", got, want, dbg)
	return ""
}

// frameAttr returns an attribute of an element in the preview frame.
func (tb *tab) frameAttr(sel, name string) string {
	return tb.inFrame(func(ctx context.Context, f *chromedp.Node) (string, error) {
		r, err := chromedp.Run(ctx, chromedp.AttributeValue(chromedp.CSS(sel), name, chromedp.FromNode(f)))
		return r.Value, err
	})
}

// inFrame runs a query in the preview frame's document ("" on failure).
// Chromium runs a sandboxed frame in a process of its own (a separate
// target) unless it keeps it in the page's; both are tried.
func (tb *tab) inFrame(q func(context.Context, *chromedp.Node) (string, error)) string {
	ctx, cancel := context.WithTimeout(tb.ctx, 2*time.Second)
	defer cancel()
	nodes, err := chromedp.Run(ctx, chromedp.Nodes(chromedp.CSS("#etpl-preview")))
	if err != nil || len(nodes) == 0 {
		return ""
	}
	if nodes[0].ContentDocument != nil {
		s, _ := q(ctx, nodes[0])
		return s
	}
	infos, err := chromedp.Targets(tb.ctx)
	if err != nil {
		return ""
	}
	for _, info := range infos {
		if info.Type != "iframe" {
			continue
		}
		// The frame's context is not cancelled here: cancelling it would
		// close the tab's connection; it ends with the tab.
		fctx, _ := chromedp.NewContext(tb.ctx, chromedp.WithTargetID(info.TargetID))
		tctx, tcancel := context.WithTimeout(fctx, 2*time.Second)
		s, _ := q(tctx, nil)
		tcancel()
		if s != "" {
			return s
		}
	}
	return ""
}

// waitGone waits until no element matches sel.
func (tb *tab) waitGone(sel string) {
	tb.t.Helper()
	tb.run("wait for "+sel+" to go", chromedp.WaitNotPresent(chromedp.CSS(sel)))
}
