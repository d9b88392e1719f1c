package web

import (
	"bytes"
	"context"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"

	"renkei/internal/app"
	"renkei/internal/crm"
)

// TestCampaignPages: the campaign list, form, page, UTM builder and the
// attribution report in both languages; bad input comes back with its
// message and writes nothing; a viewer reads but cannot change.
func TestCampaignPages(t *testing.T) {
	s := newSales(t)
	e := s.e
	ctx := context.Background()
	check := pageChecker(t)

	// Empty states first.
	for _, lang := range []string{"ja", "en"} {
		s.setLang(t, lang)
		for _, path := range []string{"/marketing/campaigns", "/marketing/utm", "/reports/attribution", "/marketing/campaigns/new",
			"/reports/attribution?model=linear&period=2026-04", "/reports/attribution?model=bogus&period=bad", "/marketing"} {
			w := e.do(http.MethodGet, path, s.admin, nil)
			if w.Code != http.StatusOK {
				t.Fatalf("%s %s: %d\n%.2000s", lang, path, w.Code, w.Body.String())
			}
			check(lang+" "+path, w.Body.String())
		}
	}
	body := e.do(http.MethodGet, "/marketing/campaigns", s.admin, nil).Body.String()
	if !strings.Contains(body, `id="campaigns-empty"`) || !strings.Contains(body, "No campaigns yet") {
		t.Errorf("no empty state:\n%.3000s", body)
	}
	if !strings.Contains(e.do(http.MethodGet, "/marketing", s.admin, nil).Body.String(), `href="/marketing/campaigns"`) {
		t.Error("the marketing section does not link to campaigns")
	}
	if !strings.Contains(e.do(http.MethodGet, "/reports", s.admin, nil).Body.String(), `href="/reports/attribution"`) {
		t.Error("the reports section does not link to the attribution report")
	}

	// Bad input: the form again with its messages, nothing written.
	w := e.do(http.MethodPost, "/marketing/campaigns", s.admin, vals("name", "展示会", "kind", "event", "status", "planned",
		"budget", "lots", "starts_on", "2026-05-10", "ends_on", "2026-05-01"))
	wantStatus(t, "bad campaign", w, http.StatusUnprocessableEntity)
	for _, want := range []string{"Enter an amount such as 1,200,000", "Must not be before the start", "Please fill this in"} {
		if !strings.Contains(w.Body.String(), want) {
			t.Errorf("bad campaign: no %q in\n%.3000s", want, w.Body.String())
		}
	}
	if cs, _ := e.app.Campaigns(ctx, s.adminAc); len(cs) != 0 {
		t.Fatalf("a refused campaign was written: %+v", cs)
	}
	// A viewer may not create one.
	wantStatus(t, "viewer create", e.do(http.MethodPost, "/marketing/campaigns", s.viewr, vals("name", "Expo", "kind", "event", "tag", "expo")), http.StatusForbidden)

	// Created; the tag comes from the name.
	w = e.do(http.MethodPost, "/marketing/campaigns", s.admin, vals("name", "Expo 2026", "kind", "event", "status", "active",
		"budget", "¥500,000", "starts_on", "2026-05-10", "goal_leads", "40", "goal", xss))
	wantStatus(t, "create", w, http.StatusSeeOther)
	cs, err := e.app.Campaigns(ctx, s.adminAc)
	if err != nil || len(cs) != 1 || cs[0].Tag != "expo-2026" || cs[0].Budget != 500_000 {
		t.Fatalf("created %+v %v", cs, err)
	}
	c := cs[0]
	page := "/marketing/campaigns/" + strconvI(c.ID)
	if loc := w.Header().Get("Location"); loc != page {
		t.Errorf("redirect to %q", loc)
	}

	// The UTM block refuses hostile links with a message and keeps a good one.
	for _, landing := range []string{"javascript:alert(1)", "/pricing", "https://example.jp/\r\nSet-Cookie: a=b"} {
		w = e.do(http.MethodPost, "/marketing/utm", s.admin, vals("campaign_id", strconvI(c.ID), "back", "campaign",
			"landing", landing, "source", "expo", "medium", "qr", "campaign", ""))
		wantStatus(t, "link "+landing, w, http.StatusUnprocessableEntity)
		if !strings.Contains(w.Body.String(), "is-invalid") || strings.Contains(w.Body.String(), `href="javascript:`) {
			t.Errorf("link %q: no message, or the link is shown", landing)
		}
	}
	w = e.do(http.MethodPost, "/marketing/utm", s.admin, vals("campaign_id", strconvI(c.ID), "back", "campaign",
		"landing", "https://www.example.jp/lp", "source", "expo", "medium", "qr", "campaign", ""))
	wantStatus(t, "link", w, http.StatusSeeOther)
	loc := w.Header().Get("Location")
	if !strings.HasPrefix(loc, page+"?link=") {
		t.Fatalf("link redirect %q", loc)
	}
	loc, _, _ = strings.Cut(loc, "#")
	body = e.do(http.MethodGet, loc, s.admin, nil).Body.String()
	if !strings.Contains(body, `id="built-url" value="https://www.example.jp/lp?utm_campaign=expo-2026&amp;utm_medium=qr&amp;utm_source=expo"`) ||
		!strings.Contains(body, `data-copy="#built-url"`) {
		t.Errorf("the built link is not shown with its copy button:\n%.5000s", body)
	}
	// From the builder page, without a campaign.
	w = e.do(http.MethodPost, "/marketing/utm", s.admin, vals("landing", "https://www.example.jp/", "source", "x.com",
		"medium", "social", "campaign", "spring"))
	wantStatus(t, "builder link", w, http.StatusSeeOther)
	if body := e.do(http.MethodGet, w.Header().Get("Location"), s.admin, nil).Body.String(); !strings.Contains(body, "utm_source=x.com") {
		t.Errorf("builder page does not show the link")
	}

	// Costs: a bad amount is refused per field; ¥200,000 is added.
	w = e.do(http.MethodPost, page+"/costs", s.admin, vals("spent_on", "2026-05-10", "amount", "abc", "channel", "ブース"))
	wantStatus(t, "bad cost", w, http.StatusUnprocessableEntity)
	if !strings.Contains(w.Body.String(), "Enter an amount such as 1,200,000") {
		t.Errorf("bad cost: no message")
	}
	wantStatus(t, "cost", e.do(http.MethodPost, page+"/costs", s.admin, vals("spent_on", "2026-05-10", "amount", "200,000",
		"channel", "ブース", "note", xss)), http.StatusSeeOther)
	wantStatus(t, "viewer cost", e.do(http.MethodPost, page+"/costs", s.viewr, vals("spent_on", "2026-05-10", "amount", "1")), http.StatusForbidden)

	// Attendees from a CSV file: taro attended; an unknown address refuses the file.
	upload := func(csv string) int {
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		_ = mw.WriteField("attended_on", "2026-05-10")
		fw, _ := mw.CreateFormFile("file", "scans.csv")
		_, _ = fw.Write([]byte(csv))
		mw.Close()
		return e.upload(page+"/attendees", s.admin, mw.FormDataContentType(), &buf).Code
	}
	if code := upload("name,email\n山田,taro@example.jp\n誰か,nobody@example.jp\n"); code != http.StatusUnprocessableEntity {
		t.Errorf("unknown attendee: %d", code)
	}
	if code := upload("name,email\n山田,TARO@example.jp\n"); code != http.StatusSeeOther {
		t.Errorf("attendee upload: %d", code)
	}

	// The deal of the attendee is won: the page shows revenue and ROI =
	// (1,000,000 − 200,000) ÷ 200,000 = 400%.
	d, err := e.app.CreateDeal(ctx, s.adminAc, crm.Deal{Name: "展示会の案件", ContactID: s.taro.ID, Amount: 1_000_000})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.app.MoveDeal(ctx, s.adminAc, d.ID, d.Version, app.MoveInput{StageID: s.stages["Won"].ID}); err != nil {
		t.Fatal(err)
	}
	for _, lang := range []string{"ja", "en"} {
		s.setLang(t, lang)
		for _, path := range []string{page, "/marketing/campaigns", "/marketing/campaigns/" + strconvI(c.ID) + "/edit", "/reports/attribution",
			"/reports/attribution?model=first_touch", "/marketing/utm"} {
			w := e.do(http.MethodGet, path, s.admin, nil)
			if w.Code != http.StatusOK {
				t.Fatalf("%s %s: %d\n%.2000s", lang, path, w.Code, w.Body.String())
			}
			check(lang+" "+path, w.Body.String())
		}
	}
	body = e.do(http.MethodGet, page, s.admin, nil).Body.String()
	for _, want := range []string{`id="n-roi">400%`, `id="n-won">¥1,000,000`, `id="n-cpl">¥200,000`, `id="n-cpmql">—`, "山田 太郎", "&lt;script&gt;"} {
		if !strings.Contains(body, want) {
			t.Errorf("campaign page lacks %q", want)
		}
	}
	rep := e.do(http.MethodGet, "/reports/attribution", s.admin, nil).Body.String()
	if !strings.Contains(rep, `data-attribution-chart="campaign"`) || !strings.Contains(rep, "Expo 2026") || !strings.Contains(rep, "event / offline") {
		t.Errorf("attribution report:\n%.4000s", rep)
	}
	w = e.do(http.MethodGet, "/reports/attribution?format=csv&by=campaign&model=linear", s.admin, nil)
	if ct := w.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/csv") || !strings.Contains(w.Body.String(), "Expo 2026,1000000,1,1") {
		t.Errorf("CSV %q:\n%s", ct, w.Body.String())
	}

	// A viewer reads the page without the forms.
	body = e.do(http.MethodGet, page, s.viewr, nil).Body.String()
	if strings.Contains(body, `action="`+page+`/costs"`) || strings.Contains(body, `href="`+page+`/edit"`) {
		t.Error("a viewer sees the edit forms")
	}
	wantStatus(t, "viewer delete", e.do(http.MethodPost, page+"/delete", s.viewr, nil), http.StatusForbidden)
	wantStatus(t, "delete", e.do(http.MethodPost, page+"/delete", s.admin, nil), http.StatusSeeOther)
	wantStatus(t, "gone", e.do(http.MethodGet, page, s.admin, nil), http.StatusNotFound)
}
