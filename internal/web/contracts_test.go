package web

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"renkei/internal/app"
	"renkei/internal/crm"
	"renkei/internal/store"
)

// wonContract wins the sales env's deal and returns its contract.
func (s *salesEnv) wonContract(t *testing.T) crm.Contract {
	t.Helper()
	ctx := context.Background()
	d, err := s.e.app.MoveDeal(ctx, s.adminAc, s.deal.ID, s.deal.Version, app.MoveInput{StageID: s.stages["Won"].ID})
	if err != nil {
		t.Fatal(err)
	}
	ks, err := s.e.app.Contracts(ctx, s.adminAc, store.ContractQuery{DealID: d.ID})
	if err != nil || len(ks) != 1 {
		t.Fatalf("contracts = %v, %v", ks, err)
	}
	return ks[0]
}

func TestContractPages(t *testing.T) {
	s := newSales(t)
	e := s.e
	k := s.wonContract(t)
	if k.CompanyID == 0 {
		t.Fatalf("contract %+v has no company: the deal's contact works at %d", k, s.evil.CompanyID)
	}
	path := fmt.Sprintf("/contracts/%d", k.ID)

	// The viewer may look but not change.
	wantStatus(t, "viewer edit", e.do(http.MethodPost, path, s.viewr, vals("terms", "x", "version", strconvI(k.Version))), http.StatusForbidden)
	wantStatus(t, "viewer renewal", e.do(http.MethodPost, path+"/renewal", s.viewr, vals()), http.StatusForbidden)

	// Bad input: per-field messages, nothing written.
	w := e.do(http.MethodPost, path, s.sales, vals("amount", "abc", "currency", "JPY", "start_date", k.StartDate,
		"end_date", "2000-01-01", "status", "active", "terms", "x", "version", strconvI(k.Version)))
	if w.Code != http.StatusUnprocessableEntity || !strings.Contains(w.Body.String(), "is-invalid") {
		t.Fatalf("bad edit: status %d", w.Code)
	}
	w = e.do(http.MethodPost, path, s.sales, vals("amount", "1,500,000", "currency", "JPY", "start_date", k.StartDate,
		"end_date", "2000-01-01", "status", "active", "terms", "x", "version", strconvI(k.Version)))
	if w.Code != http.StatusUnprocessableEntity || !strings.Contains(w.Body.String(), "is-invalid") {
		t.Fatalf("bad end date: status %d", w.Code)
	}
	// Terms with markup are saved and shown as text.
	w = e.do(http.MethodPost, path, s.sales, vals("amount", "1,500,000", "currency", "JPY", "start_date", k.StartDate,
		"end_date", k.EndDate, "status", "active", "terms", xss+"\n自動更新", "version", strconvI(k.Version)))
	wantStatus(t, "edit", w, http.StatusSeeOther)
	// The old version is stale now.
	w = e.do(http.MethodPost, path, s.sales, vals("amount", "1", "currency", "JPY", "start_date", k.StartDate,
		"end_date", k.EndDate, "status", "active", "version", strconvI(k.Version)))
	if w.Code != http.StatusConflict && w.Code != http.StatusPreconditionFailed && w.Code != http.StatusUnprocessableEntity {
		t.Errorf("stale edit: status %d", w.Code)
	}

	check := pageChecker(t)
	for _, lang := range []string{"ja", "en"} {
		s.setLang(t, lang)
		pages := []string{path, fmt.Sprintf("/deals/%d", k.DealID), "/settings/playbook"}
		if k.CompanyID != 0 {
			pages = append(pages, fmt.Sprintf("/companies/%d", k.CompanyID))
		}
		for _, p := range pages {
			w := e.do(http.MethodGet, p, s.admin, nil)
			if w.Code != http.StatusOK {
				t.Fatalf("%s %s: status %d:\n%.1500s", lang, p, w.Code, w.Body.String())
			}
			body := w.Body.String()
			check(lang+" "+p, body)
			if strings.Contains(body, "<script>alert") {
				t.Errorf("%s %s: text reached the page as HTML", lang, p)
			}
			if p != "/settings/playbook" && !strings.Contains(body, path) {
				t.Errorf("%s %s: no link to the contract", lang, p)
			}
		}
	}
	body := e.do(http.MethodGet, path, s.admin, nil).Body.String()
	if !strings.Contains(body, "&lt;script&gt;alert(1)&lt;/script&gt;") {
		t.Errorf("contract page does not show the terms as text")
	}

	// Renewal: a new deal, then the page links it and offers no second one.
	w = e.do(http.MethodPost, path+"/renewal", s.sales, vals())
	wantStatus(t, "renewal", w, http.StatusSeeOther)
	if !strings.HasPrefix(w.Header().Get("Location"), "/deals/") {
		t.Errorf("renewal redirects to %q", w.Header().Get("Location"))
	}
	body = e.do(http.MethodGet, path, s.admin, nil).Body.String()
	if !strings.Contains(body, `id="contract-renewal-deal"`) || strings.Contains(body, `id="contract-renewal"`) {
		t.Errorf("contract page after renewal lacks the link or still offers the button")
	}
}

func TestPlaybookSettingsPage(t *testing.T) {
	s := newSales(t)
	e := s.e
	wantStatus(t, "sales", e.do(http.MethodGet, "/settings/playbook", s.sales, nil), http.StatusForbidden)
	w := e.do(http.MethodPost, "/settings/playbook", s.admin, vals("tasks.0.title_ja", "", "tasks.0.title_en", "Call",
		"tasks.0.days", "x", "tasks.0.anchor", "start"))
	if w.Code != http.StatusUnprocessableEntity || !strings.Contains(w.Body.String(), "is-invalid") {
		t.Fatalf("bad playbook: status %d", w.Code)
	}
	w = e.do(http.MethodPost, "/settings/playbook", s.admin, vals("tasks.2.title_ja", "御礼", "tasks.2.title_en", "Thanks",
		"tasks.2.days", "1", "tasks.2.anchor", "start"))
	wantStatus(t, "playbook", w, http.StatusSeeOther)
	ps, err := e.app.Playbook(context.Background(), s.adminAc)
	if err != nil || len(ps) != 1 || ps[0].TitleJA != "御礼" {
		t.Fatalf("playbook = %+v, %v", ps, err)
	}
}
