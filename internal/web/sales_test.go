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

// salesEnv is the people workspace with a pipeline's deals.
type salesEnv struct {
	*people
	stages map[string]crm.Stage
	deal   crm.Deal
}

func newSales(t *testing.T) *salesEnv {
	t.Helper()
	p := newPeople(t)
	ctx := context.Background()
	ps, err := p.e.app.Pipelines(ctx, p.adminAc)
	if err != nil {
		t.Fatal(err)
	}
	s := &salesEnv{people: p, stages: map[string]crm.Stage{}}
	for _, st := range ps[0].Stages {
		s.stages[st.NameEN] = st
	}
	comp, err := p.e.app.CreateCompetitor(ctx, p.adminAc, crm.Competitor{Name: xss})
	if err != nil {
		t.Fatal(err)
	}
	s.deal, err = p.e.app.CreateDeal(ctx, p.adminAc, crm.Deal{Name: xss, ContactID: p.evil.ID, Amount: 1_234_567,
		CloseDate: "2026-04-30", Notes: xss + "\n2行目", Budget: xss, NextStep: xss, Competitors: []int64{comp.ID},
		Contacts: []crm.DealContact{{ContactID: p.evil.ID, Role: crm.RoleInfluencer}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.e.app.CreateDeal(ctx, p.adminAc, crm.Deal{Name: "基幹システム刷新", ContactID: p.taro.ID, Amount: 500_000, Currency: "USD"}); err != nil {
		t.Fatal(err)
	}
	return s
}

func TestSalesPagesRender(t *testing.T) {
	s := newSales(t)
	e := s.e
	id := s.deal.ID
	// A move, so the history has two rows and the timeline a deal event.
	w := e.do(http.MethodPost, fmt.Sprintf("/deals/%d/move", id), s.admin, vals("stage_id", strconvI(s.stages["Discovery"].ID),
		"version", strconvI(s.deal.Version), "back", "/sales/deals"))
	wantStatus(t, "move", w, http.StatusSeeOther)
	if loc := w.Header().Get("Location"); loc != "/sales/deals" {
		t.Errorf("move redirects to %q", loc)
	}
	pages := []string{"/sales/deals", "/sales/deals?owner=me&month=2026-04&source=outbound", "/sales/deals?month=1999-01",
		"/sales/deals/list", "/sales/deals/list?sort=amount&status=open", "/sales/deals/list?sort=name",
		"/deals/new", fmt.Sprintf("/deals/new?contact=%d", s.taro.ID), fmt.Sprintf("/deals/new?company=%d", s.co.ID),
		fmt.Sprintf("/deals/%d", id), fmt.Sprintf("/deals/%d/edit", id), "/settings/pipelines",
		fmt.Sprintf("/contacts/%d", s.evil.ID), fmt.Sprintf("/companies/%d", s.co.ID),
		fmt.Sprintf("/sales/deals/panel?contact=%d", s.evil.ID), fmt.Sprintf("/sales/deals/panel?company=%d", s.co.ID)}
	check := pageChecker(t)
	for _, lang := range []string{"ja", "en"} {
		s.setLang(t, lang)
		for _, path := range pages {
			w := e.do(http.MethodGet, path, s.admin, nil)
			if w.Code != http.StatusOK {
				t.Errorf("%s %s: status %d:\n%.1500s", lang, path, w.Code, w.Body.String())
				continue
			}
			body := w.Body.String()
			check(lang+" "+path, body)
			if strings.Contains(body, "<script>alert") {
				t.Errorf("%s %s: a deal's text reached the page as HTML", lang, path)
			}
		}
	}
	// JPY without decimals, USD with cents, on the board.
	w = e.do(http.MethodGet, "/sales/deals", s.admin, nil)
	for _, want := range []string{"¥1,234,567", "$5,000.00", `data-deal-id="` + strconvI(id) + `"`, "sales_board"} {
		if !strings.Contains(w.Body.String(), want) {
			t.Errorf("board lacks %q", want)
		}
	}
	// The deal event is on the contact's timeline.
	w = e.do(http.MethodGet, fmt.Sprintf("/contacts/%d", s.evil.ID), s.admin, nil)
	if !strings.Contains(w.Body.String(), "Deal moved") {
		t.Errorf("contact timeline lacks the deal move")
	}
}

func TestSalesBoardMoves(t *testing.T) {
	s := newSales(t)
	e := s.e
	id := s.deal.ID
	move := func(stage string, version int64, extra ...string) int {
		form := vals(append([]string{"stage_id", strconvI(s.stages[stage].ID), "version", strconvI(version),
			"back", "/sales/deals?owner=me"}, extra...)...)
		return e.do(http.MethodPost, fmt.Sprintf("/deals/%d/move", id), s.admin, form).Code
	}
	get := func() crm.Deal {
		d, err := e.app.Deal(context.Background(), s.adminAc, id)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	v := s.deal.Version
	// Lost without a reason: the page asks for it, nothing changes.
	w := e.do(http.MethodPost, fmt.Sprintf("/deals/%d/move", id), s.admin, vals("stage_id", strconvI(s.stages["Lost"].ID),
		"version", strconvI(v), "back", "/sales/deals"))
	wantStatus(t, "lost without reason", w, http.StatusUnprocessableEntity)
	if !strings.Contains(w.Body.String(), `name="lost_reason"`) || get().Version != v {
		t.Errorf("lost without a reason: no reason field, or the deal changed")
	}
	// Proposal without the need: the message names the missing field.
	w = e.do(http.MethodPost, fmt.Sprintf("/deals/%d/move", id), s.admin, vals("stage_id", strconvI(s.stages["Proposal"].ID),
		"version", strconvI(v), "back", "/sales/deals"))
	wantStatus(t, "proposal without need", w, http.StatusUnprocessableEntity)
	if !strings.Contains(w.Body.String(), "fill in: Need.") {
		t.Errorf("required-fields page does not name the field:\n%.3000s", w.Body.String())
	}
	// Two people move from the same board: the second gets 409 with the
	// board as it is now, and nothing is lost.
	if code := move("Discovery", v); code != http.StatusSeeOther {
		t.Fatalf("first move: %d", code)
	}
	w = e.do(http.MethodPost, fmt.Sprintf("/deals/%d/move", id), s.admin, vals("stage_id", strconvI(s.stages["Negotiation"].ID),
		"version", strconvI(v), "back", "/sales/deals"))
	wantStatus(t, "second move", w, http.StatusConflict)
	if !strings.Contains(w.Body.String(), `id="deal-conflict"`) || !strings.Contains(w.Body.String(), `data-version="`+strconvI(v+1)+`"`) {
		t.Errorf("conflict page lacks the message or the current version")
	}
	if d := get(); d.StageID != s.stages["Discovery"].ID || d.Version != v+1 {
		t.Errorf("after the conflict: stage %d version %d", d.StageID, d.Version)
	}
	// Lost with a reason, from the keyboard form.
	if code := move("Lost", v+1, "lost_reason", "予算凍結"); code != http.StatusSeeOther {
		t.Fatalf("lost with reason: %d", code)
	}
	if d := get(); d.LostReason != "予算凍結" || d.ClosedAt.IsZero() {
		t.Errorf("lost deal = %+v", d)
	}
	// Quick edit: amount with separators, close date, next step; a stale
	// version is a conflict.
	d := get()
	w = e.do(http.MethodPost, fmt.Sprintf("/deals/%d/quick", id), s.admin, vals("amount", "¥2,000,000", "close_date", "2026-05-15",
		"next_step", "見積提出", "version", strconvI(d.Version), "back", "/sales/deals"))
	wantStatus(t, "quick edit", w, http.StatusSeeOther)
	if d2 := get(); d2.Amount != 2_000_000 || d2.CloseDate != "2026-05-15" || d2.NextStep != "見積提出" {
		t.Errorf("quick edit = %+v", d2)
	}
	w = e.do(http.MethodPost, fmt.Sprintf("/deals/%d/quick", id), s.admin, vals("amount", "1", "version", strconvI(d.Version), "back", "/sales/deals"))
	wantStatus(t, "stale quick edit", w, http.StatusConflict)
	w = e.do(http.MethodPost, fmt.Sprintf("/deals/%d/quick", id), s.admin, vals("amount", "12.5", "version", strconvI(d.Version+1), "back", "/sales/deals"))
	wantStatus(t, "yen with decimals", w, http.StatusUnprocessableEntity)
}

func TestSalesViewerAndTeamPrivate(t *testing.T) {
	s := newSales(t)
	e := s.e
	ctx := context.Background()
	id := s.deal.ID
	// Viewers read the board and the deal but cannot move or create.
	wantStatus(t, "viewer board", e.do(http.MethodGet, "/sales/deals", s.viewr, nil), http.StatusOK)
	w := e.do(http.MethodGet, fmt.Sprintf("/deals/%d", id), s.viewr, nil)
	wantStatus(t, "viewer deal", w, http.StatusOK)
	if strings.Contains(w.Body.String(), "/move") {
		t.Error("the viewer sees a move form")
	}
	wantStatus(t, "viewer move", e.do(http.MethodPost, fmt.Sprintf("/deals/%d/move", id), s.viewr,
		vals("stage_id", strconvI(s.stages["Discovery"].ID), "version", strconvI(s.deal.Version))), http.StatusForbidden)
	wantStatus(t, "viewer create", e.do(http.MethodPost, "/deals", s.viewr, vals("name", "x")), http.StatusForbidden)

	// A team-private deal is not found for a salesperson outside the team.
	team, err := e.app.CreateTeam(ctx, s.adminAc, "東京")
	if err != nil {
		t.Fatal(err)
	}
	ws, v, _ := e.app.Workspace(ctx)
	ws.RecordVisibility = map[string]crm.Visibility{"deals": crm.VisibleTeam}
	if _, err := e.app.UpdateWorkspace(ctx, s.adminAc, ws, v); err != nil {
		t.Fatal(err)
	}
	d, err := e.app.CreateDeal(ctx, s.adminAc, crm.Deal{Name: "チーム限定案件", TeamID: team.ID, OwnerID: s.adminAc.User.ID})
	if err != nil {
		t.Fatal(err)
	}
	wantStatus(t, "outsider deal", e.do(http.MethodGet, fmt.Sprintf("/deals/%d", d.ID), s.sales, nil), http.StatusNotFound)
	wantStatus(t, "outsider move", e.do(http.MethodPost, fmt.Sprintf("/deals/%d/move", d.ID), s.sales,
		vals("stage_id", strconvI(s.stages["Discovery"].ID), "version", strconvI(d.Version))), http.StatusNotFound)
	w = e.do(http.MethodGet, "/sales/deals", s.sales, nil)
	if strings.Contains(w.Body.String(), "チーム限定案件") {
		t.Error("the board shows a team-private deal to an outsider")
	}
	got, _ := e.app.Deal(ctx, s.adminAc, d.ID)
	if got.Version != d.Version {
		t.Error("the refused move changed the deal")
	}
}

func TestDealForm(t *testing.T) {
	s := newSales(t)
	e := s.e
	// Per-field messages, nothing written.
	w := e.do(http.MethodPost, "/deals", s.sales, vals("name", "", "amount", "abc", "close_date", "30/04/2026", "currency", "JPY",
		"company", "存在しない会社"))
	wantStatus(t, "invalid deal", w, http.StatusUnprocessableEntity)
	for _, f := range []string{"name", "amount", "close_date", "company"} {
		if fieldError(w.Body.String(), "f-"+f) == "" {
			t.Errorf("no message on %s", f)
		}
	}
	page, _ := e.app.ListDeals(context.Background(), s.adminAc, storeDealQuery())
	if len(page.Deals) != 2 {
		t.Errorf("%d deals after a refused create, want 2", len(page.Deals))
	}
	// From a contact: the source is inherited, the person is on the deal.
	w = e.do(http.MethodPost, "/deals", s.sales, vals("name", "山田様 新規", "amount", "1,200,000", "currency", "JPY",
		"contact_id", strconvI(s.taro.ID), "company", "株式会社サンプル", "role_"+strconvI(s.taro.ID), "decision_maker",
		"new_competitor", "競合B社", "bant_budget", "300万円"))
	wantStatus(t, "create", w, http.StatusSeeOther)
	id := mustID(t, strings.TrimPrefix(w.Header().Get("Location"), "/deals/"))
	d, err := e.app.Deal(context.Background(), s.adminAc, id)
	if err != nil {
		t.Fatal(err)
	}
	if d.Amount != 1_200_000 || d.CompanyID != s.co.ID || d.Source != s.taro.OriginalSource || len(d.Contacts) != 1 ||
		d.Contacts[0].Role != crm.RoleDecisionMaker || len(d.Competitors) != 1 || d.Budget != "300万円" {
		t.Errorf("created deal = %+v", d)
	}
	// Edit with a stale version: 409, the form again.
	w = e.do(http.MethodPost, fmt.Sprintf("/deals/%d", id), s.sales, vals("name", "x", "version", "99", "currency", "JPY"))
	wantStatus(t, "stale edit", w, http.StatusConflict)
	_ = app.MoveInput{}
}

func storeDealQuery() store.DealQuery { return store.DealQuery{Limit: 100} }

func TestPipelineSettings(t *testing.T) {
	s := newSales(t)
	e := s.e
	ctx := context.Background()
	st := s.stages["Discovery"]
	path := fmt.Sprintf("/settings/pipelines/%d/stages", st.PipelineID)
	form := vals("stage_id", strconvI(st.ID), "name_ja", "ヒアリング", "name_en", "Discovery", "kind", "open",
		"probability", "25", "position", "1", "required", "bant_need", "required", "next_step")
	wantStatus(t, "sales edits a stage", e.do(http.MethodPost, path, s.sales, form), http.StatusForbidden)
	wantStatus(t, "save stage", e.do(http.MethodPost, path, s.admin, form), http.StatusSeeOther)
	p, err := e.app.Pipeline(ctx, s.adminAc, st.PipelineID)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := p.Stage(st.ID)
	if got.Probability != 25 || strings.Join(got.Required, ",") != "bant_need,next_step" {
		t.Errorf("stage after save = %+v", got)
	}
	form.Set("probability", "150")
	w := e.do(http.MethodPost, path, s.admin, form)
	wantStatus(t, "bad probability", w, http.StatusUnprocessableEntity)
	// A stage with deals cannot be deleted.
	w = e.do(http.MethodPost, fmt.Sprintf("%s/%d/delete", path, s.stages["Approach"].ID), s.admin, vals())
	wantStatus(t, "delete a stage with deals", w, http.StatusUnprocessableEntity)
	wantStatus(t, "new pipeline", e.do(http.MethodPost, "/settings/pipelines", s.admin, vals("name_ja", "更新", "name_en", "Renewals")), http.StatusSeeOther)
}
