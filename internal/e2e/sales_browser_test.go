package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"renkei/internal/app"
	"renkei/internal/crm"
	"renkei/internal/store"
)

// center returns the middle of the element matching sel, in page pixels.
func (tb *tab) center(sel string) (float64, float64) {
	tb.t.Helper()
	r := eval[[]float64](tb, `(function(){var b=document.querySelector(`+jsString(sel)+`).getBoundingClientRect();`+
		`return [b.left+b.width/2, b.top+Math.min(b.height/2, 40)];})()`)
	return r[0], r[1]
}

// drag presses the mouse on from, moves it in steps to to and releases it:
// a real drag, as SortableJS sees one.
func (tb *tab) drag(from, to string) {
	tb.t.Helper()
	x0, y0 := tb.center(from)
	x1, y1 := tb.center(to)
	held := func(p *input.DispatchMouseEventParams) { p.Buttons = 1 }
	steps := []chromedp.Action[chromedp.Void]{
		chromedp.MouseEvent(chromedp.MouseMoved, x0, y0),
		chromedp.MouseEvent(chromedp.MousePressed, x0, y0, chromedp.ButtonLeft, held, func(p *input.DispatchMouseEventParams) { p.ClickCount = 1 }),
	}
	for i := 1; i <= 20; i++ {
		f := float64(i) / 20
		steps = append(steps, chromedp.MouseEvent(chromedp.MouseMoved, x0+(x1-x0)*f, y0+(y1-y0)*f, chromedp.ButtonLeft, held),
			chromedp.Sleep(15*time.Millisecond))
	}
	steps = append(steps, chromedp.MouseEvent(chromedp.MouseReleased, x1, y1, chromedp.ButtonLeft, func(p *input.DispatchMouseEventParams) { p.ClickCount = 1 }))
	tb.run("drag "+from+" to "+to, steps...)
}

// waitText waits until the element matching sel shows text.
func (tb *tab) waitText(sel, text string) {
	tb.t.Helper()
	js := `(function(){var e=document.querySelector(` + jsString(sel) + `);return !!e && e.textContent.indexOf(` + jsString(text) + `) >= 0;})()`
	for i := 0; i < 100; i++ {
		if eval[bool](tb, js) {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	tb.t.Fatalf("%s never showed %q", sel, text)
}

// waitDeal waits until the deal's stored row satisfies ok: a drop moves
// the card in the page at once, while the move itself is a form post that
// commits a moment later (longer on a loaded machine).
func waitDeal(t *testing.T, a *app.App, ac app.Actor, id int64, ok func(crm.Deal) bool) crm.Deal {
	t.Helper()
	var d crm.Deal
	for i := 0; i < 150; i++ {
		var err error
		if d, err = a.Deal(context.Background(), ac, id); err == nil && ok(d) {
			return d
		}
		time.Sleep(100 * time.Millisecond)
	}
	return d
}

// waitFor waits until the element matching sel is in the page.
func (tb *tab) waitFor(sel string) {
	tb.t.Helper()
	tb.run("wait for "+sel, chromedp.WaitVisible(chromedp.CSS(sel)))
}

// TestSalesBrowser drags a deal across the board in Chromium, moves one
// with the keyboard, loses one with a reason, and shows a second person
// moving the same deal the conflict message.
func TestSalesBrowser(t *testing.T) {
	h := start(t)
	ctx := context.Background()
	a := h.srv.App
	_, u, err := a.Setup(ctx, app.SetupInput{WorkspaceName: "株式会社サンプル", Language: "ja", TimeZone: "Asia/Tokyo",
		Name: adminName, Email: adminEmail, Password: adminPassword}, "", "")
	if err != nil {
		t.Fatal(err)
	}
	ac := app.Actor{User: u}
	if _, err := a.CreateUserCLI(ctx, "sato@example.jp", "佐藤 花子", "sales", adminPassword); err != nil {
		t.Fatal(err)
	}
	admin := h.newTab(t)
	admin.signIn(adminEmail, adminPassword)

	// Before there are deals: the board says what to do next.
	admin.open("/sales/deals")
	admin.wantPage("/sales/deals", "まだ案件がありません")
	admin.shot("sales-ja-board-empty")

	w := seedPeople(t, a, ac)
	ps, err := a.Pipelines(ctx, ac)
	if err != nil {
		t.Fatal(err)
	}
	stage := map[string]crm.Stage{}
	for _, st := range ps[0].Stages {
		stage[st.NameEN] = st
	}
	mk := func(d crm.Deal) crm.Deal {
		d.OwnerID = u.ID
		d, err := a.CreateDeal(ctx, ac, d)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	drag := mk(crm.Deal{Name: "サンプル商事 基幹システム刷新", ContactID: w.taro.ID, Amount: 4_800_000, CloseDate: "2026-06-30",
		NextStep: "要件ヒアリング", Contacts: []crm.DealContact{{ContactID: w.taro.ID, Role: crm.RoleDecisionMaker}}})
	keyb := mk(crm.Deal{Name: "テスト合同会社 MA導入", ContactID: w.other.ID, Amount: 1_200_000, CloseDate: "2026-05-31"})
	lost := mk(crm.Deal{Name: "Example Co. SFA", Amount: 900_000, Currency: "JPY", CloseDate: "2026-05-15", Budget: "100万円", Need: "営業管理",
		StageID: stage["Proposal"].ID})
	mk(crm.Deal{Name: "Anna Smith CRM", Amount: 12_500_00, Currency: "USD", CloseDate: "2026-07-31", Budget: "$15k", Need: "CRM",
		StageID: stage["Negotiation"].ID})

	// A second person opens the board now, before the moves below.
	other := h.newTab(t)
	other.signIn("sato@example.jp", adminPassword)
	other.open("/sales/deals")

	t.Run("drag a card to another column", func(t *testing.T) {
		admin.t = t
		admin.open("/sales/deals")
		admin.shot("sales-ja-board")
		card := fmt.Sprintf("#deal-%d", drag.ID)
		target := fmt.Sprintf(`ul[data-stage-id="%d"]`, stage["Discovery"].ID)
		admin.drag(card+" .rk-deal-name", target)
		admin.waitFor(target + " " + card)
		got := waitDeal(t, a, ac, drag.ID, func(d crm.Deal) bool { return d.StageID == stage["Discovery"].ID })
		if got.StageID != stage["Discovery"].ID {
			t.Fatalf("after the drag the deal is in stage %d, want Discovery", got.StageID)
		}
		admin.waitText("body", "案件を移動しました")
	})

	t.Run("move with the keyboard", func(t *testing.T) {
		admin.t = t
		card := fmt.Sprintf("#deal-%d", keyb.ID)
		admin.run("open the move menu", chromedp.Focus(chromedp.CSS(card+" summary")), chromedp.KeyEvent(kb.Enter))
		admin.waitFor(fmt.Sprintf("#move-%d", keyb.ID))
		admin.run("choose the stage", chromedp.Focus(chromedp.ID(fmt.Sprintf("move-%d", keyb.ID))),
			chromedp.SetValue(chromedp.ID(fmt.Sprintf("move-%d", keyb.ID)), fmt.Sprint(stage["Discovery"].ID)))
		admin.run("press Move", chromedp.Focus(chromedp.CSS(card+" .rk-move-form button[type=submit]")), chromedp.KeyEvent(kb.Enter))
		admin.run("wait for the board", chromedp.Sleep(300*time.Millisecond))
		admin.waitFor(fmt.Sprintf(`ul[data-stage-id="%d"] %s`, stage["Discovery"].ID, card))
		got, _ := a.Deal(ctx, ac, keyb.ID)
		if got.StageID != stage["Discovery"].ID {
			t.Fatalf("after the keyboard move the deal is in stage %d", got.StageID)
		}
	})

	t.Run("the second mover gets the conflict message", func(t *testing.T) {
		other.t = t
		// The other tab still shows the deal where it was, with the old version.
		card := fmt.Sprintf("#deal-%d", drag.ID)
		other.drag(card+" .rk-deal-name", fmt.Sprintf(`ul[data-stage-id="%d"]`, stage["Negotiation"].ID))
		other.waitFor("#deal-conflict")
		other.shot("sales-ja-board-conflict")
		got, _ := a.Deal(ctx, ac, drag.ID)
		if got.StageID != stage["Discovery"].ID {
			t.Errorf("the conflicting move changed the deal: stage %d", got.StageID)
		}
		// The board now shows the current state: the card is in Discovery.
		other.waitFor(fmt.Sprintf(`ul[data-stage-id="%d"] %s`, stage["Discovery"].ID, card))
	})

	t.Run("losing a deal asks for the reason", func(t *testing.T) {
		admin.t = t
		admin.open("/sales/deals")
		card := fmt.Sprintf("#deal-%d", lost.ID)
		admin.drag(card+" .rk-deal-name", fmt.Sprintf(`ul[data-stage-id="%d"]`, stage["Lost"].ID))
		admin.waitFor("#f-lost_reason")
		admin.shot("sales-ja-lost-reason")
		admin.fill("f-lost_reason", "予算が確保できなかった")
		if code := admin.submit(`form[action$="/move"] button[type=submit]`); code != 200 {
			t.Errorf("lost with a reason: status %d", code)
		}
		got, _ := a.Deal(ctx, ac, lost.ID)
		if got.StageID != stage["Lost"].ID || got.LostReason != "予算が確保できなかった" {
			t.Errorf("lost deal = stage %d reason %q", got.StageID, got.LostReason)
		}
	})

	t.Run("accept an MQL with a deal and win it", func(t *testing.T) {
		admin.t = t
		var kenta crm.Contact
		if err := a.Store.InTx(ctx, func(tx *store.Tx) error {
			var err error
			kenta, err = tx.ContactByEmail(ctx, "kenta@example.com")
			return err
		}); err != nil {
			t.Fatal(err)
		}
		admin.open("/sales/leads")
		if code := admin.submit(fmt.Sprintf(`form[action="/sales/leads/%d/accept"] input[name=create_deal] ~ button`, kenta.ID)); code != 200 {
			t.Fatalf("accept and create deal: status %d", code)
		}
		var dealID int64
		if _, err := fmt.Sscanf(admin.path(), "/deals/%d", &dealID); err != nil {
			t.Fatalf("after accepting, the page is %s, not the new deal", admin.path())
		}
		d, err := a.Deal(ctx, ac, dealID)
		if err != nil || d.ContactID != kenta.ID || d.SourceGroup != crm.GroupMarketing && d.SourceGroup != crm.GroupOutbound {
			t.Fatalf("deal from the lead = %+v, %v", d, err)
		}
		// Won needs an amount: the drag is refused with the field named.
		admin.open("/sales/deals")
		card := fmt.Sprintf("#deal-%d", dealID)
		won := fmt.Sprintf(`ul[data-stage-id="%d"]`, stage["Won"].ID)
		admin.drag(card+" .rk-deal-name", won)
		admin.waitFor("#move-alert")
		if got := admin.text("#move-alert"); !strings.Contains(got, "金額") {
			t.Errorf("required-fields message = %q, want it to name 金額 (amount)", got)
		}
		admin.shot("sales-ja-required-fields")
		// Fill the amount with the card's quick edit, then drag again.
		admin.open("/sales/deals")
		admin.run("open the card's menu", chromedp.Click(chromedp.CSS(card+" summary")))
		admin.fill(fmt.Sprintf("amount-%d", dealID), "2,400,000")
		admin.run("save the quick edit", chromedp.Click(chromedp.CSS(card+` form[action$="/quick"] button[type=submit]`)))
		admin.waitText(card, "¥2,400,000") // the board again, with the new amount
		// The dashboard before the win (dashboard_browser_test.go).
		contracts0, revenue0 := admin.dashboardNumbers()
		admin.open("/sales/deals")
		admin.drag(card+" .rk-deal-name", won)
		admin.waitFor(won + " " + card)
		d = waitDeal(t, a, ac, dealID, func(d crm.Deal) bool { return !d.WonAt.IsZero() })
		if d.StageID != stage["Won"].ID || d.WonAt.IsZero() || d.Amount != 2_400_000 {
			t.Errorf("won deal = stage %d won %v amount %d", d.StageID, d.WonAt, d.Amount)
		}
		admin.afterWin(dealID, contracts0, revenue0, 2_400_000)
	})

	t.Run("pages in both languages", func(t *testing.T) {
		admin.t = t
		for _, lang := range []string{"ja", "en"} {
			l := lang
			if _, err := a.UpdateUser(ctx, ac, u.ID, 0, app.UserPatch{Language: &l}); err != nil {
				t.Fatal(err)
			}
			admin.open("/sales/deals")
			admin.shot("sales-" + lang + "-board-after")
			admin.open("/sales/deals/list?sort=amount")
			admin.shot("sales-" + lang + "-list")
			admin.open(fmt.Sprintf("/deals/%d", drag.ID))
			admin.shot("sales-" + lang + "-deal")
			admin.open(fmt.Sprintf("/deals/%d/edit", drag.ID))
			admin.shot("sales-" + lang + "-deal-form")
			admin.open("/settings/pipelines")
			admin.shot("sales-" + lang + "-pipelines")
			admin.dashboardShots(lang)
			admin.open(fmt.Sprintf("/contacts/%d", w.taro.ID))
			admin.waitFor(fmt.Sprintf(`#deals a[href="/deals/%d"]`, drag.ID))
			admin.shot("sales-" + lang + "-contact")
		}
	})
}
