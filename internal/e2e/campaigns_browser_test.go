package e2e

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"renkei/internal/app"
	"renkei/internal/crm"
	"renkei/internal/track"
)

// campaignSite is a landing page on another port with the tracker and the
// embedded form (copied from Renkei's pages once they exist).
type campaignSite struct {
	mu            sync.Mutex
	tracker, form string
}

func (d *campaignSite) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	d.mu.Lock()
	tracker, form := d.tracker, d.form
	d.mu.Unlock()
	if r.URL.Path != "/expo" {
		http.NotFound(w, r)
		return
	}
	fmt.Fprintf(w, `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Expo</title>%s</head><body><h1>Meet us at the expo</h1>%s</body></html>`,
		tracker, form)
}

// TestCampaignBrowser is issue 9's campaign "must show": a marketer
// creates a campaign with a budget, records a cost and builds a UTM link
// on its page; a visitor comes through the link to a page with the tracker
// and submits the form; the resulting deal is won; the campaign's ROI and
// the attribution report change.
func TestCampaignBrowser(t *testing.T) {
	h := start(t)
	ctx := context.Background()
	a := h.srv.App
	_, u, err := a.Setup(ctx, app.SetupInput{WorkspaceName: "Sample Inc.", Language: "en", TimeZone: "Asia/Tokyo",
		Name: adminName, Email: adminEmail, Password: adminPassword}, "", "")
	if err != nil {
		t.Fatal(err)
	}
	ac := app.Actor{User: u}
	demo := &campaignSite{}
	ds := httptest.NewServer(demo)
	t.Cleanup(ds.Close)
	site, err := a.CreateSite(ctx, ac, app.SiteInput{Name: "Sample Cloud", Domain: "cloud.example.jp", Origins: []string{ds.URL}})
	if err != nil {
		t.Fatal(err)
	}
	form, err := a.CreateForm(ctx, ac, crm.Form{Name: "Expo sign-up", TitleEN: "Book a meeting", TitleJA: "商談予約",
		Fields: []crm.FormField{
			{Key: crm.FieldEmail, LabelEN: "E-mail", LabelJA: "メールアドレス", Required: true, Format: crm.FormatEmail},
			{Key: crm.FieldFamilyName, LabelEN: "Last name", LabelJA: "姓", Required: true},
			{Key: crm.FieldCompany, LabelEN: "Company", LabelJA: "会社名", Required: true},
		}})
	if err != nil {
		t.Fatal(err)
	}

	admin := h.newTab(t)
	admin.signIn(adminEmail, adminPassword)
	admin.open("/marketing/campaigns")
	admin.wantPage("/marketing/campaigns", "No campaigns yet")
	admin.shot("campaigns-en-empty")

	// The campaign, with a budget of ¥300,000.
	admin.open("/marketing/campaigns/new")
	admin.fill("f-name", "Spring Expo 2026", "f-kind", "event", "f-budget", "300,000", "f-starts_on", "2026-04-01")
	if code := admin.submit(`form[action="/marketing/campaigns"] button[type=submit]`); code != http.StatusOK {
		t.Fatalf("create campaign: %d", code)
	}
	cs, err := a.Campaigns(ctx, ac)
	if err != nil || len(cs) != 1 || cs[0].Tag != "spring-expo-2026" || cs[0].Budget != 300_000 {
		t.Fatalf("campaigns %+v %v", cs, err)
	}
	camp := cs[0]
	page := fmt.Sprintf("/marketing/campaigns/%d", camp.ID)
	admin.wantPage(page, "Spring Expo 2026")

	// A cost of ¥100,000: ROI is −100% until something is won.
	admin.fill("f-spent_on", "2026-04-01", "f-amount", "100,000", "f-channel", "expo / booth")
	admin.submit(`#costs .card-footer button[type=submit]`)
	admin.waitFor("#n-roi")
	if roi := admin.text("#n-roi"); roi != "-100%" {
		t.Errorf("ROI before the win = %q, want -100%%", roi)
	}

	// A hostile landing page is refused; then the UTM link to the landing page.
	admin.fill("f-landing", "javascript:alert(1)", "f-source", "expo", "f-medium", "qr")
	if code := admin.submit(`#utm form button[type=submit]`); code != http.StatusUnprocessableEntity {
		t.Errorf("javascript: landing page: %d", code)
	}
	admin.waitFor("#f-landing.is-invalid")
	admin.fill("f-landing", ds.URL+"/expo", "f-source", "expo", "f-medium", "qr")
	admin.submit(`#utm form button[type=submit]`)
	admin.waitFor("#built-url")
	link := eval[string](admin, `document.getElementById("built-url").value`)
	if !strings.HasPrefix(link, ds.URL+"/expo?") || !strings.Contains(link, "utm_campaign=spring-expo-2026") || !strings.Contains(link, "utm_source=expo") {
		t.Fatalf("built link %q", link)
	}
	admin.shot("campaigns-en-campaign-link")

	// The snippets from Renkei's own pages.
	admin.open(fmt.Sprintf("/settings/sites/%d", site.ID))
	tracker := eval[string](admin, `document.getElementById("site-snippet").value`)
	admin.open(fmt.Sprintf("/marketing/forms/%d", form.ID))
	embed := admin.text("#snip-embed")
	demo.mu.Lock()
	demo.tracker, demo.form = tracker, embed
	demo.mu.Unlock()

	// The attribution report has nothing yet.
	admin.open("/reports/attribution")
	admin.wantPage("/reports/attribution", "No deals won in this period")

	// The visitor comes through the link and submits the form.
	visitor := h.newTab(t)
	visitor.asPerson()
	visitor.navigate(chromedp.NavigateResponse(link))
	evs := waitEvents(t, a, site.ID, 1)
	if evs[0].UTMCampaign != "spring-expo-2026" || evs[0].UTMSource != "expo" {
		t.Errorf("the visit carries %+v", evs[0])
	}
	visitor.run("wait for the visitor id", chromedp.Poll[chromedp.Void](`localStorage.getItem("rk_vid")`, chromedp.WithPollingTimeout(10*time.Second)))
	field := func(key string) string { return fmt.Sprintf("#rk-%s-%s", form.Key, key) }
	visitor.waitFor(field(crm.FieldEmail))
	time.Sleep(track.MinFillTime + 200*time.Millisecond)
	visitor.run("fill the form",
		chromedp.SendKeys(chromedp.CSS(field(crm.FieldEmail)), "ken.tanaka@expo-visitor.co.jp"),
		chromedp.SendKeys(chromedp.CSS(field(crm.FieldFamilyName)), "田中"),
		chromedp.SendKeys(chromedp.CSS(field(crm.FieldCompany)), "展示商事株式会社"),
		chromedp.Click(chromedp.CSS(".rk-form button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS(".rk-thanks")))
	c, err := a.Store.ContactByEmail(ctx, "ken.tanaka@expo-visitor.co.jp")
	if err != nil {
		t.Fatalf("no contact after the form: %v", err)
	}

	// The campaign has its lead; the deal is won for ¥1,000,000.
	admin.open(page)
	if leads := admin.text("#n-leads"); leads != "1" {
		t.Errorf("leads = %q, want 1", leads)
	}
	ps, err := a.Pipelines(ctx, ac)
	if err != nil {
		t.Fatal(err)
	}
	var won int64
	for _, st := range ps[0].Stages {
		if st.Kind == crm.StageWon {
			won = st.ID
		}
	}
	d, err := a.CreateDeal(ctx, ac, crm.Deal{Name: "展示商事 年間ライセンス", Amount: 1_000_000, ContactID: c.ID, OwnerID: u.ID})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.MoveDeal(ctx, ac, d.ID, d.Version, app.MoveInput{StageID: won}); err != nil {
		t.Fatal(err)
	}

	// ROI = (1,000,000 − 100,000) ÷ 100,000 = 900%; cost per lead ¥100,000.
	admin.open(page)
	for sel, want := range map[string]string{"#n-roi": "900%", "#n-won": "¥1,000,000", "#n-cpl": "¥100,000", "#n-cpmql": "—"} {
		if got := admin.text(sel); got != want {
			t.Errorf("%s = %q, want %q", sel, got, want)
		}
	}
	admin.shot("campaigns-en-campaign")
	admin.open("/marketing/campaigns")
	admin.wantPage("/marketing/campaigns", "900%")
	admin.shot("campaigns-en-list")

	// The attribution report: the campaign earned the whole deal in every
	// model (the visit and the form both carried its tag).
	for _, m := range []string{"w_shaped", "first_touch", "linear"} {
		admin.open("/reports/attribution?model=" + m)
		admin.waitFor("#by-campaign")
		got := admin.text("#by-campaign")
		if !strings.Contains(got, "Spring Expo 2026") || !strings.Contains(got, "¥1,000,000") || !strings.Contains(got, "100%") {
			t.Errorf("%s: by campaign:\n%s", m, got)
		}
		if ch := admin.text("#by-channel"); !strings.Contains(ch, "expo / qr") {
			t.Errorf("%s: by channel:\n%s", m, ch)
		}
	}
	admin.run("wait for the chart", chromedp.Poll[chromedp.Void](`!!(window.Chart && Chart.getChart(document.querySelector("canvas[data-attribution-chart=campaign]")))`,
		chromedp.WithPollingTimeout(10*time.Second)))
	admin.shot("campaigns-en-attribution")
}
