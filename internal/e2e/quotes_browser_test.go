package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"renkei/internal/app"
	"renkei/internal/crm"
)

// TestQuotesBrowser builds a quote on a deal in Chromium, goes above the
// discount limit, has a manager approve it, opens the share link in a
// logged-out browser, accepts it there and sees the deal won.
func TestQuotesBrowser(t *testing.T) {
	h := start(t)
	ctx := context.Background()
	a := h.srv.App
	_, u, err := a.Setup(ctx, app.SetupInput{WorkspaceName: "株式会社サンプル", Language: "ja", TimeZone: "Asia/Tokyo",
		Name: adminName, Email: adminEmail, Password: adminPassword}, "", "")
	if err != nil {
		t.Fatal(err)
	}
	admin := app.Actor{User: u}
	w := seedPeople(t, a, admin)
	user := func(email, name string) crm.User {
		_, tok, err := a.InviteUser(ctx, admin, app.InviteInput{Email: email, Name: name, Role: "sales", Language: "ja"})
		if err != nil {
			t.Fatal(err)
		}
		_, nu, err := a.AcceptInvite(ctx, tok[strings.LastIndex(tok, "/")+1:], adminPassword, "", "")
		if err != nil {
			t.Fatal(err)
		}
		return nu
	}
	seller, boss := user("eigyo@example.jp", "営業 一郎"), user("bucho@example.jp", "部長 花子")
	team, err := a.CreateTeam(ctx, admin, "東京営業部")
	if err != nil {
		t.Fatal(err)
	}
	if err := a.SetTeamMember(ctx, admin, team.ID, seller.ID, false); err != nil {
		t.Fatal(err)
	}
	if err := a.SetTeamMember(ctx, admin, team.ID, boss.ID, true); err != nil {
		t.Fatal(err)
	}
	d, err := a.CreateDeal(ctx, admin, crm.Deal{Name: "サンプル商事 クラウド導入", ContactID: w.taro.ID, Amount: 300_000,
		OwnerID: seller.ID, TeamID: team.ID, CloseDate: "2026-12-25"})
	if err != nil {
		t.Fatal(err)
	}
	dealPath := fmt.Sprintf("/deals/%d", d.ID)

	// The salesperson writes the quote: 3 × ¥100,000 with 20% off.
	tb := h.newTab(t)
	tb.signIn("eigyo@example.jp", adminPassword)
	tb.open(dealPath)
	tb.wantPage(dealPath, "見積書")
	tb.submit("#quote-new")
	tb.wantPage(dealPath+"/quotes/new", "明細")
	tb.setInput("f-lines.0.name", "クラウド会計 年間ライセンス <b>特別</b>")
	tb.setInput("f-lines.0.quantity", "3")
	tb.setInput("f-lines.0.unit_price", "100,000")
	tb.setInput("f-lines.0.discount", "20")
	eval[bool](tb, `(() => { const s = document.querySelector("[name='lines.0.discount_kind']"); s.value = "percent";
		s.dispatchEvent(new Event("change", {bubbles: true})); return true })()`)
	// Live totals: 300,000 − 20% = 240,000; tax 24,000; total 264,000; 20% below list.
	tb.waitText("#quote-preview-total", "¥264,000")
	tb.waitText("#quote-needs-approval", "10%")
	tb.shot("quotes-ja-editor")
	tb.submit("#quote-save")
	quotePath := tb.path()
	if !strings.HasPrefix(quotePath, "/quotes/") {
		t.Fatalf("after saving the page is %s", quotePath)
	}
	tb.wantPage(quotePath, "¥264,000")
	tb.submit("#quote-request-approval")
	tb.wantPage(quotePath, "承認待ち")

	// The manager approves.
	boss1 := h.newTab(t)
	boss1.signIn("bucho@example.jp", adminPassword)
	boss1.open(quotePath)
	boss1.wantPage(quotePath, "承認待ち")
	boss1.submit("#quote-approve")
	boss1.wantPage(quotePath, "承認済み")

	// The salesperson sends it and copies the share link.
	tb.open(quotePath)
	tb.submit("#quote-send")
	link := eval[string](tb, `document.getElementById("quote-share-link").value`)
	if !strings.HasPrefix(link, h.base+"/q/q_") {
		t.Fatalf("share link = %q", link)
	}
	tb.shot("quotes-ja-sent")

	// The customer, not signed in, opens the link and accepts.
	cust := h.newTab(t)
	cust.open(strings.TrimPrefix(link, h.base))
	if body := cust.text("body"); !strings.Contains(body, "¥264,000") || !strings.Contains(body, "<b>特別</b>") {
		t.Fatalf("shared page: %.800s", body)
	}
	if st := cust.open(strings.TrimPrefix(link, h.base) + "x"); st != 404 {
		t.Errorf("a wrong token answered %d", st)
	}
	cust.open(strings.TrimPrefix(link, h.base))
	cust.shot("quotes-ja-shared")
	cust.submit("#shared-accept")
	if body := cust.text("#shared-thanks"); !strings.Contains(body, "受諾") {
		t.Errorf("after accepting: %s", body)
	}

	// The deal is won, with the quote's value.
	tb.open(dealPath)
	tb.wantPage(dealPath, "受注")
	tb.shot("quotes-ja-deal")
	got, err := a.Deal(ctx, admin, d.ID)
	if err != nil || got.WonAt.IsZero() || got.Amount != 240_000 {
		t.Fatalf("deal = won %v amount %d, %v", got.WonAt, got.Amount, err)
	}
}

// setInput sets a field's value and fires input, as typing does.
func (tb *tab) setInput(id, value string) {
	tb.t.Helper()
	eval[bool](tb, fmt.Sprintf(`(() => { const el = document.getElementById(%q); el.value = %q;
		el.dispatchEvent(new Event("input", {bubbles: true})); return true })()`, id, value))
}
