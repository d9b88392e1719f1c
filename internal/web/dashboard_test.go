package web

import (
	"context"
	"html"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"renkei/internal/app"
	"renkei/internal/crm"
)

// TestSalesDashboardPage renders the dashboard in both languages and
// follows every number that links to the deal list: the list must hold as
// many deals as the number says.
func TestSalesDashboardPage(t *testing.T) {
	s := newSales(t) // two open deals (one in USD without a rate)
	e := s.e
	ctx := context.Background()
	ac := s.adminAc
	comp, err := e.app.CreateCompetitor(ctx, ac, crm.Competitor{Name: "競合ライバル社"})
	if err != nil {
		t.Fatal(err)
	}
	mk := func(name string, amount int64, src crm.Source, stage string, reason string, lostTo int64) {
		d, err := e.app.CreateDeal(ctx, ac, crm.Deal{Name: name, Amount: amount, Source: src, CloseDate: "2026-04-30"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.app.MoveDeal(ctx, ac, d.ID, d.Version, app.MoveInput{StageID: s.stages[stage].ID, LostReason: reason, LostToID: lostTo}); err != nil {
			t.Fatalf("%s → %s: %v", name, stage, err)
		}
	}
	// Won now: 2 marketing (300,000 + 200,000), 1 outbound (100,000) →
	// revenue 600,000, 3 contracts; lost: 1 marketing to the competitor,
	// 1 outbound for budget → win rate 3/5, marketing 2/3, outbound 1/2.
	mk("A", 300_000, crm.SourceWebForm, "Won", "", 0)
	mk("B", 200_000, crm.SourceEmail, "Won", "", 0)
	mk("C", 100_000, crm.SourceManual, "Won", "", 0)
	mk("D", 50_000, crm.SourceWebForm, "Lost", "価格", comp.ID)
	mk("E", 70_000, crm.SourceManual, "Lost", "予算凍結", 0)

	link := regexp.MustCompile(`<a href="(/sales/deals/list\?[^"]*)"[^>]*>\s*([0-9]+)\s*</a>`)
	total := regexp.MustCompile(`data-total="([0-9]+)"`)
	row := regexp.MustCompile(`<a href="/deals/[0-9]+" class="fw-medium">`)
	check := pageChecker(t)
	for _, lang := range []string{"ja", "en"} {
		s.setLang(t, lang)
		w := e.do(http.MethodGet, "/sales/dashboard", s.admin, nil)
		wantStatus(t, lang+" dashboard", w, http.StatusOK)
		body := w.Body.String()
		check(lang+" /sales/dashboard", body)
		for _, want := range []string{`data-kpi="revenue"`, "600,000", `data-charts="{`, "sales_dashboard", "60.0%", "66.7%", "50.0%", "競合ライバル社", "予算凍結"} {
			if !strings.Contains(body, want) {
				t.Errorf("%s: the dashboard lacks %q", lang, want)
			}
		}
		links := link.FindAllStringSubmatch(body, -1)
		if len(links) < 8 {
			t.Fatalf("%s: only %d drill-down links with a count", lang, len(links))
		}
		for _, m := range links {
			href, want := html.UnescapeString(m[1]), m[2]
			lw := e.do(http.MethodGet, href, s.admin, nil)
			wantStatus(t, href, lw, http.StatusOK)
			lb := lw.Body.String()
			got := total.FindStringSubmatch(lb)
			if got == nil || got[1] != want {
				t.Errorf("%s: %s says %s deals, the list's total is %v", lang, href, want, got)
			}
			if n := len(row.FindAllString(lb, -1)); strconv.Itoa(n) != want {
				t.Errorf("%s: %s says %s deals, the list shows %d", lang, href, want, n)
			}
		}
	}
	// Other periods, kinds and filters render; a bad period is a 400-ish
	// error page, not a 500.
	for _, path := range []string{"/sales/dashboard?period=2026-04", "/sales/dashboard?kind=year", "/sales/dashboard?period=2020-Q1",
		"/sales/dashboard?period=2026-Q1&kind=month&owner=1&team=99&pipeline=1"} {
		w := e.do(http.MethodGet, path, s.admin, nil)
		wantStatus(t, path, w, http.StatusOK)
		check(path, w.Body.String())
	}
	if w := e.do(http.MethodGet, "/sales/dashboard?period=nonsense", s.admin, nil); w.Code >= 500 || w.Code == http.StatusOK {
		t.Errorf("bad period: status %d", w.Code)
	}
	// Every role may read it.
	for _, who := range []string{s.sales, s.viewr} {
		wantStatus(t, "role", e.do(http.MethodGet, "/sales/dashboard", who, nil), http.StatusOK)
	}
}
