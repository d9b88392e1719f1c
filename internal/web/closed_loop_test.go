package web

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"renkei/internal/app"
	"renkei/internal/crm"
)

// TestClosedLoopPage renders the closed-loop report in both languages and
// follows the marketing-vs-outbound table's links to the deal list: each
// list holds the deals its number counts.
func TestClosedLoopPage(t *testing.T) {
	s := newSales(t)
	e := s.e
	ctx := context.Background()
	ac := s.adminAc
	mk := func(name string, src crm.Source, stage string) {
		d, err := e.app.CreateDeal(ctx, ac, crm.Deal{Name: name, Amount: 100_000, Source: src, CloseDate: "2026-04-30"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.app.MoveDeal(ctx, ac, d.ID, d.Version, app.MoveInput{StageID: s.stages[stage].ID, LostReason: "価格"}); err != nil {
			t.Fatalf("%s → %s: %v", name, stage, err)
		}
	}
	// Marketing 2 won of 3 closed; outbound 1 won of 2.
	mk("A", crm.SourceWebForm, "Won")
	mk("B", crm.SourceEmail, "Won")
	mk("C", crm.SourceWebForm, "Lost")
	mk("D", crm.SourceManual, "Won")
	mk("E", crm.SourceManual, "Lost")

	check := pageChecker(t)
	cell := regexp.MustCompile(`(?s)<tr data-metric="winrate">.*?data-group="marketing"><div class="fw-bold"><a href="([^"]+)">([^<]+)</a>.*?data-group="outbound"><div class="fw-bold"><a href="([^"]+)">([^<]+)</a>`)
	row := regexp.MustCompile(`<a href="/deals/[0-9]+" class="fw-medium">`)
	for _, lang := range []string{"ja", "en"} {
		s.setLang(t, lang)
		w := e.do(http.MethodGet, "/reports/closed-loop?kind=month", s.admin, nil)
		wantStatus(t, lang+" closed loop", w, http.StatusOK)
		body := w.Body.String()
		check(lang+" /reports/closed-loop", body)
		for _, want := range []string{`data-charts="{`, `id="loop-versus"`, `id="loop-bands"`, `id="loop-handoff"`, "&#43;16.7 pt"} {
			if !strings.Contains(body, want) {
				t.Errorf("%s: the report lacks %q", lang, want)
			}
		}
		m := cell.FindStringSubmatch(body)
		if m == nil {
			t.Fatalf("%s: no win-rate cells with links", lang)
		}
		if m[2] != "66.7%" || m[4] != "50.0%" {
			t.Errorf("%s: win rates %s / %s, want 66.7%% / 50.0%%", lang, m[2], m[4])
		}
		for i, want := range map[int]int{1: 3, 3: 2} {
			href := html.UnescapeString(m[i])
			lw := e.do(http.MethodGet, href, s.admin, nil)
			wantStatus(t, href, lw, http.StatusOK)
			if n := len(row.FindAllString(lw.Body.String(), -1)); n != want {
				t.Errorf("%s: %s lists %d deals, want %d", lang, href, n, want)
			}
		}
	}
	for _, path := range []string{"/reports/closed-loop", "/reports/closed-loop?kind=year", "/reports/closed-loop?period=2020-Q1"} {
		w := e.do(http.MethodGet, path, s.admin, nil)
		wantStatus(t, path, w, http.StatusOK)
		check(path, w.Body.String())
	}
	if w := e.do(http.MethodGet, "/reports/closed-loop?period=2020-Q1", s.admin, nil); !strings.Contains(w.Body.String(), "empty-title") {
		t.Error("an empty period shows no empty state")
	}
	if w := e.do(http.MethodGet, "/reports/closed-loop?period=nonsense", s.admin, nil); w.Code >= 500 || w.Code == http.StatusOK {
		t.Errorf("bad period: status %d", w.Code)
	}
	for _, who := range []string{s.sales, s.viewr} {
		wantStatus(t, "role", e.do(http.MethodGet, "/reports/closed-loop", who, nil), http.StatusOK)
	}
}

// TestOwnerPage renders the owner dashboard in both languages with a
// small cohort, its empty state, and its CSV download.
func TestOwnerPage(t *testing.T) {
	s := newSales(t)
	e := s.e
	ctx := context.Background()
	for i, src := range []crm.Source{crm.SourceWebForm, crm.SourceWebForm, crm.SourceManual} {
		c, err := e.app.CreateContact(ctx, s.adminAc, app.ContactInput{Contact: crm.Contact{Email: "funnel" + string(rune('a'+i)) + "@example.jp", OriginalSource: src}})
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			d, err := e.app.CreateDeal(ctx, s.adminAc, crm.Deal{Name: "Funnel deal", ContactID: c.ID, Amount: 50_000})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := e.app.MoveDeal(ctx, s.adminAc, d.ID, d.Version, app.MoveInput{StageID: s.stages["Won"].ID}); err != nil {
				t.Fatal(err)
			}
		}
	}
	check := pageChecker(t)
	for _, lang := range []string{"ja", "en"} {
		s.setLang(t, lang)
		w := e.do(http.MethodGet, "/reports/owner?kind=month", s.admin, nil)
		wantStatus(t, lang+" owner", w, http.StatusOK)
		body := w.Body.String()
		check(lang+" /reports/owner", body)
		for _, want := range []string{`data-charts="{`, `id="owner-steps"`, `data-source="marketing"`, `data-source="web_form"`, `data-kpi="leads"`} {
			if !strings.Contains(body, want) {
				t.Errorf("%s: the owner dashboard lacks %q", lang, want)
			}
		}
	}
	w := e.do(http.MethodGet, "/reports/owner?kind=month&format=csv", s.admin, nil)
	wantStatus(t, "owner csv", w, http.StatusOK)
	if ct := w.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/csv") {
		t.Errorf("CSV content type %q", ct)
	}
	lines := strings.Split(strings.TrimSpace(strings.TrimPrefix(w.Body.String(), "\ufeff")), "\n")
	if len(lines) < 5 || !strings.HasPrefix(lines[0], "source,leads,mqls") {
		t.Fatalf("CSV:\n%s", w.Body.String())
	}
	// The total row carries the dashboard's own numbers.
	ws, _, _ := e.app.Workspace(ctx)
	d, err := e.app.OwnerDashboard(ctx, s.adminAc, ws.PeriodOf(crm.PeriodMonth, e.app.Clock()))
	if err != nil {
		t.Fatal(err)
	}
	tot := d.Total
	if tot.Leads < 3 || tot.Opps < 1 || tot.Won < 1 {
		t.Errorf("total %+v: the three contacts, their deal and its win are missing", tot)
	}
	if want := fmt.Sprintf(",%d,%d,", tot.Leads, tot.MQLs); !strings.Contains(lines[1], want) || len(lines) != 1+3+len(d.BySource) {
		t.Errorf("CSV total row %q lacks %q, or %d lines for %d sources", lines[1], want, len(lines), len(d.BySource))
	}
	if w := e.do(http.MethodGet, "/reports/owner?period=2019-Q1", s.admin, nil); !strings.Contains(w.Body.String(), "empty-title") {
		t.Error("an empty period shows no empty state")
	}
	if w := e.do(http.MethodGet, "/reports/owner?period=nonsense", s.admin, nil); w.Code >= 500 || w.Code == http.StatusOK {
		t.Errorf("bad period: status %d", w.Code)
	}
	for _, who := range []string{s.sales, s.viewr} {
		wantStatus(t, "role", e.do(http.MethodGet, "/reports/owner", who, nil), http.StatusOK)
	}
}

// TestMarketSharePage enters market sizes through the form: bad input
// gets a message per field and writes nothing; a good size shows the share.
func TestMarketSharePage(t *testing.T) {
	s := newSales(t)
	e := s.e
	s.setLang(t, "en")
	w := e.do(http.MethodGet, "/marketing/market-share", s.admin, nil)
	wantStatus(t, "empty page", w, http.StatusOK)
	check := pageChecker(t)
	check("/marketing/market-share", w.Body.String())
	if !strings.Contains(w.Body.String(), "empty-title") {
		t.Error("no empty state without market sizes")
	}
	w = e.do(http.MethodPost, "/marketing/market-share", s.admin, vals("segment_id", "77777", "period", "2026-13", "amount", "1.5.0"))
	wantStatus(t, "bad size", w, http.StatusUnprocessableEntity)
	for id, want := range map[string]string{"f-amount": "whole yen", "f-period": "fiscal year", "f-segment_id": "segment"} {
		if got := fieldError(w.Body.String(), id); !strings.Contains(got, want) {
			t.Errorf("message under %s = %q, want %q", id, got, want)
		}
	}
	if sizes, _ := e.app.MarketSizes(context.Background(), s.adminAc); len(sizes) != 0 {
		t.Fatalf("a refused size was stored: %v", sizes)
	}
	ws, _, _ := e.app.Workspace(context.Background())
	key := ws.PeriodOf(crm.PeriodYear, e.app.Clock()).Key()
	w = e.do(http.MethodPost, "/marketing/market-share", s.admin, vals("segment_id", "0", "period", key, "amount", "¥1,000,000,000", "note", "=HYPERLINK(\"x\")"))
	wantStatus(t, "size", w, http.StatusSeeOther)
	w = e.do(http.MethodGet, "/marketing/market-share?kind=year", s.admin, nil)
	body := w.Body.String()
	check("/marketing/market-share?kind=year", body)
	if !strings.Contains(body, `id="market-shares"`) || !strings.Contains(body, "1,000,000,000") {
		t.Errorf("the share table is missing after entering a size")
	}
	// Sales and viewers read; they may not enter.
	wantStatus(t, "viewer reads", e.do(http.MethodGet, "/marketing/market-share", s.viewr, nil), http.StatusOK)
	if w := e.do(http.MethodPost, "/marketing/market-share", s.viewr, vals("segment_id", "0", "period", key, "amount", "5")); w.Code != http.StatusForbidden {
		t.Errorf("viewer entering a size: %d", w.Code)
	}
}

// TestMarketingDashboardPage renders the marketing dashboard empty, then
// with leads, an MQL and a market size, in both languages.
func TestMarketingDashboardPage(t *testing.T) {
	s := newSales(t)
	e := s.e
	ctx := context.Background()
	check := pageChecker(t)
	if w := e.do(http.MethodGet, "/reports/marketing?period=2019-Q1", s.admin, nil); !strings.Contains(w.Body.String(), "empty-title") {
		t.Error("an empty period shows no empty state")
	}
	if _, err := e.app.CreateContact(ctx, s.adminAc, app.ContactInput{Contact: crm.Contact{Email: "mql@example.jp",
		OriginalSource: crm.SourceWebForm, Lifecycle: crm.StageMQL}}); err != nil {
		t.Fatal(err)
	}
	ws, _, _ := e.app.Workspace(ctx)
	q := ws.PeriodOf(crm.PeriodQuarter, e.app.Clock())
	if _, err := e.app.PutMarketSize(ctx, s.adminAc, crm.MarketSize{Period: q.Key(), Amount: 10_000_000}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.app.CreateCampaign(ctx, s.adminAc, crm.Campaign{Name: "秋のウェビナー", Kind: crm.CampaignEvent, Tag: "autumn-webinar"}); err != nil {
		t.Fatal(err)
	}
	for _, lang := range []string{"ja", "en"} {
		s.setLang(t, lang)
		w := e.do(http.MethodGet, "/reports/marketing", s.admin, nil)
		wantStatus(t, lang+" marketing dashboard", w, http.StatusOK)
		body := w.Body.String()
		check(lang+" /reports/marketing", body)
		for _, want := range []string{`data-kpi="mqls"`, `id="mdash-market"`, `id="mdash-leadsources"`, `data-charts="{`,
			`id="mdash-campaigns"`, "秋のウェビナー", `href="/marketing/social/import"`, `href="/marketing/surveys/new"`} {
			if !strings.Contains(body, want) {
				t.Errorf("%s: the marketing dashboard lacks %q", lang, want)
			}
		}
	}
	for _, path := range []string{"/reports/marketing?kind=year", "/reports/marketing?kind=month"} {
		w := e.do(http.MethodGet, path, s.viewr, nil)
		wantStatus(t, path, w, http.StatusOK)
		check(path, w.Body.String())
	}
}

// TestReportCSV follows every CSV link of the closed-loop report and the
// marketing dashboard: each is a CSV file with a header and the rows of
// its table; an unknown table is refused with the names of the real ones.
func TestReportCSV(t *testing.T) {
	s := newSales(t)
	e := s.e
	ctx := context.Background()
	d, err := e.app.CreateDeal(ctx, s.adminAc, crm.Deal{Name: "CSV", Amount: 100_000, Source: crm.SourceWebForm})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.app.MoveDeal(ctx, s.adminAc, d.ID, d.Version, app.MoveInput{StageID: s.stages["Won"].ID}); err != nil {
		t.Fatal(err)
	}
	link := regexp.MustCompile(`href="([^"]*format=csv[^"]*)" class="small ms-2" data-csv="([a-z]+)"`)
	for page, want := range map[string]int{"/reports/closed-loop": 4, "/reports/marketing": 8, "/sales/dashboard": 6} {
		w := e.do(http.MethodGet, page, s.admin, nil)
		wantStatus(t, page, w, http.StatusOK)
		links := link.FindAllStringSubmatch(w.Body.String(), -1)
		if len(links) != want {
			t.Fatalf("%s: %d CSV links, want %d", page, len(links), want)
		}
		for _, m := range links {
			href := html.UnescapeString(m[1])
			cw := e.do(http.MethodGet, href, s.admin, nil)
			wantStatus(t, href, cw, http.StatusOK)
			if ct := cw.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/csv") {
				t.Errorf("%s: content type %q", href, ct)
			}
			body := strings.TrimPrefix(cw.Body.String(), "\ufeff")
			if first, _, _ := strings.Cut(body, "\n"); !strings.Contains(first, ",") {
				t.Errorf("%s: no header line: %q", href, body)
			}
		}
		bad := e.do(http.MethodGet, page+"?format=csv&table=nope", s.admin, nil)
		if bad.Code == http.StatusOK || bad.Code >= 500 || !strings.Contains(bad.Body.String(), "table") {
			t.Errorf("%s unknown table: %d", page, bad.Code)
		}
	}
	// The sales dashboard's win rates and headline numbers have it too.
	w := e.do(http.MethodGet, "/sales/dashboard?kind=month&format=csv&table=rates", s.admin, nil)
	if !strings.Contains(w.Body.String(), "\nmarketing,1,1,1.0000,") {
		t.Errorf("sales rates CSV lacks the 1/1 marketing win rate:\n%s", w.Body.String())
	}
	w = e.do(http.MethodGet, "/sales/dashboard?kind=month&format=csv&table=kpis", s.admin, nil)
	if !strings.Contains(w.Body.String(), ",current,1,1,1.0000,") {
		t.Errorf("sales KPIs CSV lacks the current month's won deal:\n%s", w.Body.String())
	}
	// The closed loop's period table has the won marketing deal.
	w = e.do(http.MethodGet, "/reports/closed-loop?kind=month&format=csv&table=periods", s.admin, nil)
	if !strings.Contains(w.Body.String(), ",current,1,1,1.0000,") {
		t.Errorf("periods CSV lacks the current month's 1/1 marketing win rate:\n%s", w.Body.String())
	}
}
