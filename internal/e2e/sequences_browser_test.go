package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"renkei/internal/app"
	"renkei/internal/crm"
)

// setField sets an input, textarea or select by its name attribute (the
// editor's names have dots, which an #id selector cannot take).
func (tb *tab) setField(name, value string) {
	tb.t.Helper()
	tb.run("set "+name, chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`(function(){var e=document.querySelector('[name=%q]');
		e.value=%q; e.dispatchEvent(new Event("change", {bubbles: true}));})()`, name, value)))
}

// TestSequencesBrowser builds a sequence in the editor in Chromium, in
// Japanese: an e-mail, a wait, a condition on its opens and a task for
// sales, added one by one with the add button; the condition's branch set
// to skip the task; the wait moved; then saves it, activates it, enrols a
// contact from the contact page and sees the enrolment in the report.
func TestSequencesBrowser(t *testing.T) {
	h := start(t)
	ctx := context.Background()
	a := h.srv.App
	_, u, err := a.Setup(ctx, app.SetupInput{WorkspaceName: "株式会社サンプル", Language: "ja", TimeZone: "Asia/Tokyo",
		Name: adminName, Email: adminEmail, Password: adminPassword}, "", "")
	if err != nil {
		t.Fatal(err)
	}
	ac := app.Actor{User: u}
	if _, err := a.UpdateSendingSettings(ctx, ac, app.SendingUpdate{Settings: crm.SendingSettings{
		Relays: []crm.SMTPRelay{{Name: "local", Host: "127.0.0.1", Port: 2525, Security: "none", MaxConns: 1}},
		Domain: "example.jp", FromAddress: "news@example.jp",
		Compliance: crm.Compliance{SenderName: "株式会社サンプル", PostalAddress: "東京都千代田区丸の内1-1-1", ContactEmail: "info@example.jp"},
	}}); err != nil {
		t.Fatal(err)
	}
	c, err := a.CreateContact(ctx, ac, app.ContactInput{Contact: crm.Contact{Email: "sato@example.jp",
		PersonName: crm.PersonName{Family: "佐藤", Given: "花子"}, OwnerID: u.ID}})
	if err != nil {
		t.Fatal(err)
	}

	tb := h.newTab(t)
	tb.signIn(adminEmail, adminPassword)
	tb.open("/marketing")
	tb.wantPage("/marketing", "育成シナリオ")
	tb.open("/marketing/sequences")
	tb.wantPage("/marketing/sequences", "育成シナリオはまだありません")
	tb.shot("sequences-empty-ja")

	tb.open("/marketing/sequences/new")
	tb.wantPage("/marketing/sequences/new", "ステップを追加")
	tb.fill("f-name", "資料請求後の育成")
	tb.setField("steps.1.subject", "{{family_name}}様、資料のご案内")
	tb.setField("steps.1.html", "<p>{{family_name}} 様</p><p><a href=\"https://example.jp/guide\">資料</a></p>")
	for _, kind := range []string{"wait", "condition", "task"} {
		tb.pick("#f-new_kind", kind)
		tb.submit(`button[name="op"][value="add"]`)
	}
	tb.waitFor(`[data-step="4"][data-kind="task"]`)
	tb.setField("steps.2.wait_days", "3")
	tb.setField("steps.3.cond", "opened")
	tb.setField("steps.3.then", "-1")
	tb.setField("steps.4.task_title", "電話でフォロー")
	tb.setField("steps.4.task_days", "2")
	// A loop is refused where it is: the condition cannot go back.
	tb.run("a backward target", chromedp.Evaluate[chromedp.Void](`(function(){var s=document.querySelector('[name="steps.3.else"]');
		var o=document.createElement("option"); o.value="1"; s.appendChild(o); s.value="1";})()`))
	if st := tb.submit(`button[name="op"][value="save"].btn-primary`); st != 422 {
		t.Fatalf("save with a loop: status %d", st)
	}
	tb.waitFor(`[name="steps.3.else"].is-invalid`)
	tb.setField("steps.3.else", "0")
	// Move the task above the condition and back.
	tb.submit(`button[name="op"][value="up:4"]`)
	tb.waitFor(`[data-step="3"][data-kind="task"]`)
	tb.submit(`button[name="op"][value="down:3"]`)
	tb.waitFor(`[data-step="4"][data-kind="task"]`)
	tb.shot("sequences-editor-ja")
	if st := tb.submit(`button[name="op"][value="save"].btn-primary`); st != 200 {
		t.Fatalf("save: status %d", st)
	}
	if !strings.HasPrefix(tb.path(), "/marketing/sequences/") {
		t.Fatalf("after saving: %s", tb.path())
	}
	seqPath := tb.path()
	tb.submit(`form[action$="/activate"] button`)
	tb.wantPage(seqPath, "稼働中")

	qs, err := a.Sequences(ctx, ac)
	if err != nil || len(qs) != 1 {
		t.Fatalf("sequences: %v %v", qs, err)
	}
	q, err := a.Sequence(ctx, ac, qs[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(q.Steps) != 4 || q.Steps[2].Then != crm.GoExit || q.Steps[3].TaskTitle != "電話でフォロー" || q.Steps[1].WaitDays != 3 {
		t.Errorf("saved steps: %+v", q.Steps)
	}

	contact := fmt.Sprintf("/contacts/%d", c.ID)
	tb.open(contact)
	tb.waitFor(`#sequences select[name="sequence_id"]`)
	tb.submit(`#sequences form button`)
	tb.waitFor(`#sequences a[href="` + seqPath + `"]`)
	tb.open(seqPath)
	tb.wantPage(seqPath, "佐藤")
	tb.shot("sequences-report-ja")
}
