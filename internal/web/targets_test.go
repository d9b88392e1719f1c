package web

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"renkei/internal/app"
	"renkei/internal/crm"
)

func TestTargetsPage(t *testing.T) {
	s := newSales(t)
	e := s.e
	ctx := context.Background()
	// The ¥1,234,567 deal is won now: this month's actual.
	d, err := e.app.MoveDeal(ctx, s.adminAc, s.deal.ID, s.deal.Version, app.MoveInput{StageID: s.stages["Won"].ID})
	if err != nil {
		t.Fatal(err)
	}
	tokyo, _ := time.LoadLocation("Asia/Tokyo")
	now := time.Now().In(tokyo)
	month := now.Format("2006-01")
	first := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, tokyo)

	check := pageChecker(t)
	for _, lang := range []string{"ja", "en"} {
		s.setLang(t, lang)
		for _, path := range []string{"/sales/targets", "/sales/targets?kind=quarter", "/sales/targets?period=2026-Q1",
			"/sales/targets?period=bad", "/sales/targets?period=" + month + "&scope=user:1", "/sales"} {
			w := e.do(http.MethodGet, path, s.admin, nil)
			if w.Code != http.StatusOK {
				t.Fatalf("%s %s: %d\n%.2000s", lang, path, w.Code, w.Body.String())
			}
			check(lang+" "+path, w.Body.String())
		}
	}
	// English from here. The empty state, the actual and a link to the
	// deals won this month.
	body := e.do(http.MethodGet, "/sales/targets", s.admin, nil).Body.String()
	for _, want := range []string{`id="targets-empty"`, "No targets yet", "¥1,234,567", "won_from=" + first.Format(time.DateOnly)} {
		if !strings.Contains(body, want) {
			t.Errorf("targets page lacks %q", want)
		}
	}
	if body := e.do(http.MethodGet, "/sales", s.admin, nil).Body.String(); !strings.Contains(body, `href="/sales/targets"`) {
		t.Error("the sales section does not link to the targets page")
	}

	// Bad input: the form comes back with its message, nothing is saved.
	w := e.do(http.MethodPost, "/sales/targets", s.admin, vals("period", month, "scope", "workspace", "mode", "percent", "percent", "abc"))
	wantStatus(t, "bad percent", w, http.StatusUnprocessableEntity)
	if !strings.Contains(w.Body.String(), "percentage from 1 to 1000") || !strings.Contains(w.Body.String(), "rk-target-form show") {
		t.Errorf("bad percent: no message in the open form:\n%.3000s", w.Body.String())
	}
	wantStatus(t, "amount and nothing", e.do(http.MethodPost, "/sales/targets", s.admin,
		vals("period", month, "scope", "workspace", "mode", "amount", "amount", "")), http.StatusUnprocessableEntity)
	// A salesperson who manages no team may not set targets.
	wantStatus(t, "sales sets a target", e.do(http.MethodPost, "/sales/targets", s.sales,
		vals("period", month, "scope", "workspace", "mode", "amount", "amount", "100")), http.StatusForbidden)
	wantStatus(t, "viewer sets a target", e.do(http.MethodPost, "/sales/targets", s.viewr,
		vals("period", month, "scope", "workspace", "mode", "amount", "amount", "100")), http.StatusForbidden)

	// Set ¥2,000,000: attainment 1,234,567 ÷ 2,000,000 = 61.7% → "62%".
	w = e.do(http.MethodPost, "/sales/targets", s.admin, vals("period", month, "scope", "workspace", "mode", "amount", "amount", "¥2,000,000"))
	wantStatus(t, "set target", w, http.StatusSeeOther)
	body = e.do(http.MethodGet, w.Header().Get("Location"), s.admin, nil).Body.String()
	for _, want := range []string{"¥2,000,000", "62%", "Target ¥2,000,000"} {
		if !strings.Contains(body, want) {
			t.Errorf("after setting: page lacks %q", want)
		}
	}
	if strings.Contains(body, `id="targets-empty"`) {
		t.Error("empty state shown with a target")
	}
	ts, err := e.app.Targets(ctx, s.adminAc, month)
	if err != nil || len(ts) != 1 || ts[0].Amount != 2_000_000 {
		t.Fatalf("targets %+v %v", ts, err)
	}
	// Change it to 110% of last month, then again with the old version.
	f := vals("period", month, "scope", "workspace", "id", strconvI(ts[0].ID), "version", strconvI(ts[0].Version),
		"mode", "percent", "percent", "110")
	wantStatus(t, "change to 110%", e.do(http.MethodPost, "/sales/targets", s.admin, f), http.StatusSeeOther)
	wantStatus(t, "stale change", e.do(http.MethodPost, "/sales/targets", s.admin, f), http.StatusConflict)
	body = e.do(http.MethodGet, "/sales/targets", s.admin, nil).Body.String()
	if !strings.Contains(body, "110% of last month") {
		t.Error("the page does not say 110% of last month")
	}
	// Drill-down: the won deals of the month, and none of another month.
	list := fmt.Sprintf("/sales/deals/list?status=won&won_from=%s&won_before=%s", first.Format(time.DateOnly),
		first.AddDate(0, 1, 0).Format(time.DateOnly))
	if body := e.do(http.MethodGet, list, s.admin, nil).Body.String(); !strings.Contains(body, fmt.Sprintf("/deals/%d", d.ID)) ||
		!strings.Contains(body, `id="drilled"`) {
		t.Error("the won drill-down does not list the deal")
	}
	list = "/sales/deals/list?status=won&won_from=2001-01-01&won_before=2001-02-01"
	if body := e.do(http.MethodGet, list, s.admin, nil).Body.String(); strings.Contains(body, fmt.Sprintf("/deals/%d\"", d.ID)) {
		t.Error("the drill-down of 2001 lists this month's deal")
	}
	// Delete.
	ts, _ = e.app.Targets(ctx, s.adminAc, month)
	wantStatus(t, "delete", e.do(http.MethodPost, fmt.Sprintf("/sales/targets/%d/delete", ts[0].ID), s.admin, nil), http.StatusSeeOther)
	if ts, _ = e.app.Targets(ctx, s.adminAc, ""); len(ts) != 0 {
		t.Errorf("after delete: %+v", ts)
	}

	// The deal form has the forecast category; saving it keeps it.
	if body := e.do(http.MethodGet, "/deals/new", s.admin, nil).Body.String(); !strings.Contains(body, `name="forecast_category"`) {
		t.Error("the deal form has no forecast category")
	}
	open, err := e.app.CreateDeal(ctx, s.adminAc, crm.Deal{Name: "見込み案件", Amount: 100, CloseDate: "2026-04-30"})
	if err != nil {
		t.Fatal(err)
	}
	w = e.do(http.MethodPost, fmt.Sprintf("/deals/%d", open.ID), s.admin, vals("version", strconvI(open.Version), "name", open.Name,
		"currency", "JPY", "amount", "100", "close_date", "2026-04-30", "forecast_category", "commit", "source", "manual"))
	wantStatus(t, "deal edit", w, http.StatusSeeOther)
	if got, _ := e.app.Deal(ctx, s.adminAc, open.ID); got.Forecast != crm.ForecastCommit {
		t.Errorf("forecast category after edit = %q", got.Forecast)
	}
	wantStatus(t, "deal edit bad category", e.do(http.MethodPost, fmt.Sprintf("/deals/%d", open.ID), s.admin,
		vals("version", strconvI(open.Version+1), "name", open.Name, "currency", "JPY", "forecast_category", "maybe", "source", "manual")),
		http.StatusUnprocessableEntity)
}
