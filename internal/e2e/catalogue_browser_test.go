package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"renkei/internal/app"
	"renkei/internal/crm"
)

// TestCatalogueBrowser creates a product from its form in Chromium,
// records a competitor's price on the battlecard, reads the battlecard's
// win / loss record and sees the positioning chart drawn, in Japanese,
// then looks at the pages in English.
func TestCatalogueBrowser(t *testing.T) {
	h := start(t)
	ctx := context.Background()
	a := h.srv.App
	_, u, err := a.Setup(ctx, app.SetupInput{WorkspaceName: "株式会社サンプル", Language: "ja", TimeZone: "Asia/Tokyo",
		Name: adminName, Email: adminEmail, Password: adminPassword}, "", "")
	if err != nil {
		t.Fatal(err)
	}
	ac := app.Actor{User: u}
	ps, err := a.Pipelines(ctx, ac)
	if err != nil {
		t.Fatal(err)
	}
	stage := map[string]int64{}
	for _, st := range ps[0].Stages {
		stage[st.NameEN] = st.ID
	}
	rival, err := a.CreateCompetitor(ctx, ac, crm.Competitor{Name: "ライバル社"})
	if err != nil {
		t.Fatal(err)
	}
	// One deal won against the rival, one lost to it: 1 ÷ (1 + 1) = 50.0%.
	if _, err := a.CreateDeal(ctx, ac, crm.Deal{Name: "サンプル商事 CRM導入", Amount: 1_200_000, OwnerID: u.ID,
		StageID: stage["Won"], Competitors: []int64{rival.ID}}); err != nil {
		t.Fatal(err)
	}
	if _, err := a.CreateDeal(ctx, ac, crm.Deal{Name: "山田工業 SFA", Amount: 800_000, OwnerID: u.ID,
		StageID: stage["Lost"], LostReason: "価格", LostToID: rival.ID}); err != nil {
		t.Fatal(err)
	}

	tb := h.newTab(t)
	tb.signIn(adminEmail, adminPassword)
	tb.open("/products")
	tb.wantPage("/products", "商品がまだありません")
	tb.open("/products/new")
	tb.fill("f-sku", "RK-CRM-STD", "f-name_ja", "Renkei CRM スタンダード", "f-name_en", "Renkei CRM Standard",
		"f-unit", "ユーザー/月", "f-list_price", "0", "f-cost", "900")
	// A zero price comes back with its message.
	if st := tb.submit("#product-save"); st != 422 {
		t.Fatalf("a zero price: status %d, want 422", st)
	}
	if msg := tb.text("#f-list_price-error"); msg != "0より大きい値を入力してください。" {
		t.Errorf("zero price message %q", msg)
	}
	tb.fill("f-list_price", "3,000")
	if st := tb.submit("#product-save"); st != 200 {
		t.Fatalf("saving the product: status %d", st)
	}
	productPath := tb.path()
	if !strings.HasPrefix(productPath, "/products/") {
		t.Fatalf("after saving: %s", productPath)
	}
	// (3,000 − 900) ÷ 3,000 = 70.0%
	if m := tb.text("#product-margin"); m != "70.0%" {
		t.Errorf("margin %q; want 70.0%%", m)
	}

	// A partner price book with the product at ¥2,400: (3,000 − 2,400) ÷ 3,000 = 20.0% off.
	tb.open("/price-books")
	tb.wantPage("/price-books", "価格表がまだありません")
	tb.fill("f-name", "パートナー価格")
	tb.choose("f-kind", "partner")
	if st := tb.submit("#book-create"); st != 200 {
		t.Fatalf("creating the price book: status %d", st)
	}
	tb.choose("f-product_id", fmt.Sprint(productIDOf(t, productPath)))
	tb.fill("f-price", "2,400")
	tb.submit("#entry-save")
	tb.waitText("#entry-table", "¥2,400")
	tb.waitText("#entry-table", "20.0%")
	tb.shot("price-book-ja")

	card := fmt.Sprintf("/competitors/%d", rival.ID)
	tb.open(card)
	tb.wantPage(card, "バトルカード")
	tb.fill("f-cp_name", "Rival CRM Pro")
	tb.choose("f-cp_product_id", fmt.Sprint(productIDOf(t, productPath)))
	tb.submit("#cp-add")
	tb.waitText("#their-products", "Rival CRM Pro")
	tb.fill("f-observed_on", "2026-01-10", "f-price", "2,500", "f-note", "展示会で確認")
	tb.submit("#price-save")
	tb.fill("f-observed_on", a.Clock().In(mustTokyo(t)).Format("2006-01-02"), "f-price", "3,300",
		"f-source_url", "https://rival.example.com/pricing")
	tb.submit("#price-save")
	tb.waitText("#price-history", "¥3,300")
	for sel, want := range map[string]string{`[data-record=won]`: "1", `[data-record=lost]`: "1", `[data-record=rate]`: "50.0%"} {
		if got := tb.text(sel); got != want {
			t.Errorf("%s = %q; want %q", sel, got, want)
		}
	}
	tb.shot("battlecard-ja")

	tb.open(productPath + "#positioning")
	tb.waitFor(`canvas[data-positioning][data-drawn="1"]`)
	tb.waitText("#rival-table", "¥3,300")
	tb.waitText("#rival-table", "+10.0%") // (3,300 − 3,000) ÷ 3,000
	tb.shot("product-positioning-ja")

	if _, err := a.UpdateUser(ctx, ac, u.ID, 0, app.UserPatch{Language: ptr("en")}); err != nil {
		t.Fatal(err)
	}
	tb.open("/products")
	tb.wantPage("/products", "Renkei CRM Standard")
	tb.shot("products-en")
	tb.open(card)
	tb.wantPage(card, "Battlecard")
	tb.shot("battlecard-en")
	tb.open("/competitors")
	tb.wantPage("/competitors", "50.0%")
	tb.shot("competitors-en")
	tb.viewport(390, 844, true)
	tb.open(card)
	tb.noSidewaysScroll()
	tb.shot("battlecard-en-phone")
	tb.open(productPath)
	tb.noSidewaysScroll()
}

func productIDOf(t *testing.T, path string) int64 {
	t.Helper()
	var id int64
	if _, err := fmt.Sscanf(path, "/products/%d", &id); err != nil {
		t.Fatalf("not a product page: %s", path)
	}
	return id
}
