package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"renkei/internal/app"
	"renkei/internal/crm"
)

// TestTargetsBrowser sets this month's target from the targets page's
// inline form (a Bootstrap dropdown) in Chromium and reads the attainment,
// in Japanese, then looks at the page in English and on a phone.
func TestTargetsBrowser(t *testing.T) {
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
	// ¥1,500,000 won now; ¥2,000,000 in Negotiation (60%) committed for
	// today, so that it closes this month.
	if _, err := a.CreateDeal(ctx, ac, crm.Deal{Name: "サンプル商事 年間ライセンス", Amount: 1_500_000, OwnerID: u.ID,
		StageID: stage["Won"]}); err != nil {
		t.Fatal(err)
	}
	today := a.Clock().In(mustTokyo(t)).Format("2006-01-02")
	if _, err := a.CreateDeal(ctx, ac, crm.Deal{Name: "山田工業 SFA導入", Amount: 2_000_000, OwnerID: u.ID, StageID: stage["Negotiation"],
		CloseDate: today, Forecast: crm.ForecastCommit}); err != nil {
		t.Fatal(err)
	}

	tb := h.newTab(t)
	tb.signIn(adminEmail, adminPassword)
	tb.open("/sales")
	tb.wantPage("/sales", "目標と予測")
	tb.open("/sales/targets")
	tb.wantPage("/sales/targets", "目標はまだ設定されていません")
	// Open the workspace row's form, type ¥3,000,000 and save:
	// attainment 1,500,000 ÷ 3,000,000 = 50%.
	tb.run("open the form", chromedp.Click(chromedp.CSS(`#row-workspace [data-bs-toggle=dropdown]`), chromedp.NodeVisible))
	tb.waitFor(`#row-workspace .rk-target-form.show`)
	tb.fill("amount-workspace", "3,000,000")
	tb.submit(`#row-workspace .rk-target-form button[type=submit]`)
	if p := tb.path(); !strings.HasPrefix(p, "/sales/targets?period=") {
		t.Fatalf("after saving: %s", p)
	}
	row := tb.text("#row-workspace")
	for _, want := range []string{"¥3,000,000", "50%", "¥1,500,000"} {
		if !strings.Contains(row, want) {
			t.Errorf("workspace row %q lacks %q", row, want)
		}
	}
	// Commit = 1,500,000 + 2,000,000; weighted = 1,500,000 + 1,200,000.
	fc := tb.text("#forecast")
	for _, want := range []string{"¥3,500,000", "¥2,700,000"} {
		if !strings.Contains(fc, want) {
			t.Errorf("forecast %q lacks %q", fc, want)
		}
	}
	tb.shot("targets-ja")

	// A bad percentage comes back in the open form.
	tb.run("open the form", chromedp.Click(chromedp.CSS(`#row-workspace [data-bs-toggle=dropdown]`), chromedp.NodeVisible))
	tb.waitFor(`#row-workspace .rk-target-form.show`)
	tb.run("choose percent", chromedp.Click(chromedp.CSS(`#row-workspace input[name=mode][value=percent]`), chromedp.NodeVisible))
	tb.fill("percent-workspace", "abc")
	if st := tb.submit(`#row-workspace .rk-target-form button[type=submit]`); st != 422 {
		t.Errorf("bad percent: status %d", st)
	}
	tb.waitFor(`#row-workspace .rk-target-form.show .invalid-feedback`)

	if _, err := a.UpdateUser(ctx, ac, u.ID, 0, app.UserPatch{Language: ptr("en")}); err != nil {
		t.Fatal(err)
	}
	tb.open("/sales/targets")
	tb.wantPage("/sales/targets", "Targets and forecast")
	tb.shot("targets-en")
	tb.viewport(390, 844, true)
	tb.open("/sales/targets")
	tb.noSidewaysScroll()
	tb.shot("targets-en-phone")
}

func mustTokyo(t *testing.T) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("Asia/Tokyo")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func ptr[T any](v T) *T { return &v }
