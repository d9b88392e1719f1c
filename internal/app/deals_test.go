package app

import (
	"errors"
	"sync"
	"testing"
	"time"

	"renkei/internal/crm"
	"renkei/internal/store"
)

// salesFixture is a workspace with a salesperson and the default pipeline.
type salesFixture struct {
	*fixture
	sales    Actor
	pipeline crm.Pipeline
	stages   map[string]crm.Stage // by English name
}

func newSalesFixture(t *testing.T) *salesFixture {
	t.Helper()
	f := &salesFixture{fixture: newFixture(t, crm.LangJA)}
	f.sales = f.addUser(t, "eigyo@example.jp", crm.RoleSales)
	ps, err := f.app.Pipelines(ctx, f.sales)
	if err != nil || len(ps) != 1 {
		t.Fatalf("Pipelines = %v, %v; want the default one", ps, err)
	}
	f.pipeline = ps[0]
	f.stages = map[string]crm.Stage{}
	for _, st := range f.pipeline.Stages {
		f.stages[st.NameEN] = st
	}
	return f
}

func (f *salesFixture) deal(t *testing.T, d crm.Deal) crm.Deal {
	t.Helper()
	if d.OwnerID == 0 {
		d.OwnerID = f.sales.User.ID
	}
	d, err := f.app.CreateDeal(ctx, f.sales, d)
	if err != nil {
		t.Fatalf("CreateDeal: %v", err)
	}
	return d
}

func TestDefaultPipeline(t *testing.T) {
	f := newSalesFixture(t)
	want := []struct {
		ja, en string
		kind   crm.StageKind
		prob   int
	}{
		{"アプローチ", "Approach", crm.StageOpen, 10}, {"ヒアリング", "Discovery", crm.StageOpen, 20},
		{"提案", "Proposal", crm.StageOpen, 40}, {"交渉", "Negotiation", crm.StageOpen, 60},
		{"受注", "Won", crm.StageWon, 100}, {"失注", "Lost", crm.StageLost, 0},
	}
	if len(f.pipeline.Stages) != len(want) || !f.pipeline.IsDefault {
		t.Fatalf("default pipeline = %+v", f.pipeline)
	}
	for i, w := range want {
		st := f.pipeline.Stages[i]
		if st.NameJA != w.ja || st.NameEN != w.en || st.Kind != w.kind || st.Probability != w.prob {
			t.Errorf("stage %d = %+v, want %+v", i, st, w)
		}
	}
	// A new pipeline gets the same stages.
	p, err := f.app.CreatePipeline(ctx, f.owner, crm.Pipeline{NameJA: "更新", NameEN: "Renewals"})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Stages) != 6 || p.Stages[2].NameJA != "提案" || p.IsDefault {
		t.Errorf("new pipeline = %+v", p)
	}
	if _, err := f.app.CreatePipeline(ctx, f.sales, crm.Pipeline{NameEN: "Mine"}); !errors.Is(err, crm.ErrForbidden) {
		t.Errorf("sales creating a pipeline: %v, want forbidden", err)
	}
}

func TestDealRequiredFieldsAndLostReason(t *testing.T) {
	f := newSalesFixture(t)
	d := f.deal(t, crm.Deal{Name: "基幹システム刷新"})
	if d.StageID != f.stages["Approach"].ID || d.Currency != "JPY" {
		t.Fatalf("new deal in stage %d currency %q", d.StageID, d.Currency)
	}
	// Proposal needs the hearing notes (budget, need).
	_, err := f.app.MoveDeal(ctx, f.sales, d.ID, d.Version, MoveInput{StageID: f.stages["Proposal"].ID})
	v, ok := crm.AsValidation(err)
	if !ok || v.Fields["stage_id"] != "fill in bant_budget, bant_need before moving to Proposal" ||
		v.Fields["bant_budget"] == "" || v.Fields["bant_need"] == "" {
		t.Fatalf("move to Proposal without hearing notes: %v", err)
	}
	got, _ := f.app.Deal(ctx, f.sales, d.ID)
	if got.StageID != d.StageID || got.Version != d.Version {
		t.Fatalf("refused move changed the deal: %+v", got)
	}
	d.Budget, d.Need = "300万円", "営業管理の一元化"
	if d, err = f.app.UpdateDeal(ctx, f.sales, d.ID, d.Version, d); err != nil {
		t.Fatal(err)
	}
	if d, err = f.app.MoveDeal(ctx, f.sales, d.ID, d.Version, MoveInput{StageID: f.stages["Proposal"].ID}); err != nil {
		t.Fatal(err)
	}
	// Clearing a required field of the current stage is refused.
	clear := d
	clear.Budget = ""
	if _, err := f.app.UpdateDeal(ctx, f.sales, d.ID, d.Version, clear); err == nil {
		t.Error("clearing the budget in Proposal was accepted")
	}
	// Lost needs a reason.
	_, err = f.app.MoveDeal(ctx, f.sales, d.ID, d.Version, MoveInput{StageID: f.stages["Lost"].ID})
	if v, ok := crm.AsValidation(err); !ok || v.Fields["lost_reason"] == "" {
		t.Fatalf("lost without a reason: %v", err)
	}
	comp, err := f.app.CreateCompetitor(ctx, f.sales, crm.Competitor{Name: "競合A社"})
	if err != nil {
		t.Fatal(err)
	}
	d, err = f.app.MoveDeal(ctx, f.sales, d.ID, d.Version, MoveInput{StageID: f.stages["Lost"].ID, LostReason: "価格", LostToID: comp.ID})
	if err != nil {
		t.Fatal(err)
	}
	if d.ClosedAt.IsZero() || !d.WonAt.IsZero() || d.LostReason != "価格" || d.LostToID != comp.ID {
		t.Errorf("lost deal = %+v", d)
	}
}

func TestDealStageHistoryAndCycle(t *testing.T) {
	f := newSalesFixture(t)
	start := f.clock.Now()
	d := f.deal(t, crm.Deal{Name: "History", Amount: 1_200_000, CloseDate: "2026-05-31", Budget: "b", Need: "n"})
	f.clock.Add(48 * time.Hour)
	d, err := f.app.MoveDeal(ctx, f.sales, d.ID, d.Version, MoveInput{StageID: f.stages["Proposal"].ID})
	if err != nil {
		t.Fatal(err)
	}
	f.clock.Add(72 * time.Hour)
	d, err = f.app.MoveDeal(ctx, f.sales, d.ID, d.Version, MoveInput{StageID: f.stages["Won"].ID})
	if err != nil {
		t.Fatal(err)
	}
	f.clock.Add(5 * time.Hour)
	h, err := f.app.StageHistory(ctx, f.sales, d.ID)
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		stage int64
		dur   time.Duration
	}{{f.stages["Approach"].ID, 48 * time.Hour}, {f.stages["Proposal"].ID, 72 * time.Hour}, {f.stages["Won"].ID, 5 * time.Hour}}
	if len(h) != len(want) {
		t.Fatalf("history = %+v", h)
	}
	for i, w := range want {
		if h[i].StageID != w.stage || h[i].Duration != w.dur {
			t.Errorf("history[%d] = stage %d for %v, want %d for %v", i, h[i].StageID, h[i].Duration, w.stage, w.dur)
		}
	}
	if !h[2].Current || h[1].FromStageID != f.stages["Approach"].ID {
		t.Errorf("history = %+v", h)
	}
	if cycle := d.WonAt.Sub(d.CreatedAt); cycle != 120*time.Hour || !d.CreatedAt.Equal(start) {
		t.Errorf("cycle = %v, want 120h", cycle)
	}
	// Moving back to an open stage reopens the deal.
	d, err = f.app.MoveDeal(ctx, f.sales, d.ID, d.Version, MoveInput{StageID: f.stages["Negotiation"].ID})
	if err != nil || d.Closed() || !d.WonAt.IsZero() {
		t.Errorf("reopened deal = %+v, %v", d, err)
	}
}

func TestDealConcurrentMoves(t *testing.T) {
	f := newSalesFixture(t)
	other := f.addUser(t, "eigyo2@example.jp", crm.RoleSales)
	d := f.deal(t, crm.Deal{Name: "取り合い", Amount: 500_000, CloseDate: "2026-06-30"})
	targets := []int64{f.stages["Discovery"].ID, f.stages["Negotiation"].ID}
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i, ac := range []Actor{f.sales, other} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = f.app.MoveDeal(ctx, ac, d.ID, d.Version, MoveInput{StageID: targets[i]})
		}()
	}
	wg.Wait()
	var ok, stale int
	winner := -1
	for i, err := range errs {
		switch {
		case err == nil:
			ok++
			winner = i
		case errors.Is(err, crm.ErrStale):
			stale++
		default:
			t.Errorf("move %d: %v", i, err)
		}
	}
	if ok != 1 || stale != 1 {
		t.Fatalf("moves: %d succeeded, %d conflicts; want 1 and 1 (%v)", ok, stale, errs)
	}
	got, _ := f.app.Deal(ctx, f.sales, d.ID)
	if got.StageID != targets[winner] || got.Version != d.Version+1 {
		t.Errorf("deal after the race: stage %d version %d", got.StageID, got.Version)
	}
	h, _ := f.app.StageHistory(ctx, f.sales, d.ID)
	if len(h) != 2 {
		t.Errorf("history has %d rows, want 2", len(h))
	}
	// The loser retries with the current version and wins too: nothing lost.
	loser := []Actor{f.sales, other}[1-winner]
	if _, err := f.app.MoveDeal(ctx, loser, d.ID, got.Version, MoveInput{StageID: targets[1-winner]}); err != nil {
		t.Errorf("retry: %v", err)
	}
}

func TestDealVisibilityAndRoles(t *testing.T) {
	f := newSalesFixture(t)
	a := f.app
	team, _ := a.CreateTeam(ctx, f.owner, "東京営業")
	other, _ := a.CreateTeam(ctx, f.owner, "大阪営業")
	join := func(ac Actor, teamID int64) Actor {
		if err := a.SetTeamMember(ctx, f.owner, teamID, ac.User.ID, false); err != nil {
			t.Fatal(err)
		}
		ac.User, _ = a.Store.User(ctx, ac.User.ID)
		return ac
	}
	f.sales = join(f.sales, team.ID)
	outsider := join(f.addUser(t, "osaka@example.jp", crm.RoleSales), other.ID)
	viewer := f.addUser(t, "viewer@example.jp", crm.RoleViewer)
	marketing := f.addUser(t, "mkt@example.jp", crm.RoleMarketing)
	ws, v, _ := a.Workspace(ctx)
	ws.RecordVisibility = map[string]crm.Visibility{"deals": crm.VisibleTeam}
	if _, err := a.UpdateWorkspace(ctx, f.owner, ws, v); err != nil {
		t.Fatal(err)
	}
	d := f.deal(t, crm.Deal{Name: "非公開案件", TeamID: team.ID, Amount: 100})

	if _, err := a.Deal(ctx, outsider, d.ID); !errors.Is(err, crm.ErrNotFound) {
		t.Errorf("outsider reads a team-private deal: %v", err)
	}
	if _, err := a.MoveDeal(ctx, outsider, d.ID, d.Version, MoveInput{StageID: f.stages["Discovery"].ID}); !errors.Is(err, crm.ErrNotFound) {
		t.Errorf("outsider moves a team-private deal: %v", err)
	}
	page, _ := a.ListDeals(ctx, outsider, store.DealQuery{})
	cols, _ := a.Board(ctx, outsider, f.pipeline, store.DealQuery{}, 50)
	if len(page.Deals) != 0 || cols[0].Count != 0 {
		t.Errorf("outsider lists %d deals, board count %d", len(page.Deals), cols[0].Count)
	}
	for _, ac := range []Actor{f.sales, f.owner} {
		if _, err := a.Deal(ctx, ac, d.ID); err != nil {
			t.Errorf("%s cannot read the deal: %v", ac.User.Email, err)
		}
	}
	got, _ := a.Deal(ctx, f.owner, d.ID)
	if got.Version != d.Version || got.StageID != d.StageID {
		t.Errorf("refused moves changed the deal")
	}
	// Viewers and marketing read but do not write deals.
	for _, ac := range []Actor{viewer, marketing} {
		if _, err := a.CreateDeal(ctx, ac, crm.Deal{Name: "x"}); !errors.Is(err, crm.ErrForbidden) {
			t.Errorf("%s creates a deal: %v", ac.User.Role, err)
		}
		if _, err := a.MoveDeal(ctx, ac, d.ID, d.Version, MoveInput{StageID: f.stages["Discovery"].ID}); !errors.Is(err, crm.ErrForbidden) {
			t.Errorf("%s moves a deal: %v", ac.User.Role, err)
		}
		if err := a.DeleteDeal(ctx, ac, d.ID); !errors.Is(err, crm.ErrForbidden) {
			t.Errorf("%s deletes a deal: %v", ac.User.Role, err)
		}
	}
}

func TestDealFromLeadAndTimeline(t *testing.T) {
	f := newSalesFixture(t)
	a := f.app
	co, err := a.CreateCompany(ctx, f.owner, CompanyInput{Company: crm.Company{Name: "株式会社リード"}}, false)
	if err != nil {
		t.Fatal(err)
	}
	c, err := a.CreateContact(ctx, f.owner, ContactInput{Contact: crm.Contact{Email: "lead@example.jp",
		PersonName: crm.PersonName{Family: "山田", Given: "太郎"}, CompanyID: co.ID, OriginalSource: crm.SourceWebForm}})
	if err != nil {
		t.Fatal(err)
	}
	var id int64
	err = a.Store.InTx(ctx, func(tx *store.Tx) error {
		id, err = a.createDealFromLead(ctx, tx, c.ID, f.sales.User.ID)
		return err
	})
	if err != nil || id == 0 {
		t.Fatalf("createDealFromLead = %d, %v", id, err)
	}
	d, err := a.Deal(ctx, f.sales, id)
	if err != nil {
		t.Fatal(err)
	}
	if d.Name != "株式会社リード" || d.Source != crm.SourceWebForm || d.SourceGroup != crm.GroupMarketing ||
		d.CompanyID != co.ID || d.OwnerID != f.sales.User.ID || d.StageID != f.stages["Approach"].ID ||
		len(d.Contacts) != 1 || d.Contacts[0].Role != crm.RoleDecisionMaker {
		t.Errorf("deal from lead = %+v", d)
	}
	d.Amount, d.Budget, d.Need = 800_000, "b", "n"
	if d, err = a.UpdateDeal(ctx, f.sales, d.ID, d.Version, d); err != nil {
		t.Fatal(err)
	}
	if _, err = a.MoveDeal(ctx, f.sales, d.ID, d.Version, MoveInput{StageID: f.stages["Won"].ID}); err != nil {
		t.Fatal(err)
	}
	for _, flt := range []store.TimelineFilter{{ContactID: c.ID}, {CompanyID: co.ID}} {
		tl, err := a.Timeline(ctx, f.owner, flt)
		if err != nil {
			t.Fatal(err)
		}
		kinds := map[string]bool{}
		for _, e := range tl {
			kinds[e.Kind] = true
		}
		if !kinds[KindDealCreated] || !kinds[KindDealWon] {
			t.Errorf("timeline %+v has kinds %v", flt, kinds)
		}
	}
}

func TestBoardTotals(t *testing.T) {
	f := newSalesFixture(t)
	f.deal(t, crm.Deal{Name: "A", Amount: 1_000_000, CloseDate: "2026-04-10"})
	f.deal(t, crm.Deal{Name: "B", Amount: 500_000, CloseDate: "2026-05-10"})
	f.deal(t, crm.Deal{Name: "C", Amount: 2_000, Currency: "USD", CloseDate: "2026-04-20"})
	cols, err := f.app.Board(ctx, f.sales, f.pipeline, store.DealQuery{}, 50)
	if err != nil {
		t.Fatal(err)
	}
	first := cols[0]
	if first.Count != 3 || len(first.Deals) != 3 || first.Deals[0].Name != "A" {
		t.Fatalf("first column = %+v", first)
	}
	want := []store.StageTotal{{Currency: "JPY", Amount: 1_500_000, Weighted: 150_000}, {Currency: "USD", Amount: 2_000, Weighted: 200}}
	if len(first.Totals) != 2 || first.Totals[0] != want[0] || first.Totals[1] != want[1] {
		t.Errorf("totals = %+v, want %+v", first.Totals, want)
	}
	// The close-month filter.
	cols, _ = f.app.Board(ctx, f.sales, f.pipeline, store.DealQuery{CloseFrom: "2026-04-01", CloseBefore: "2026-05-01"}, 50)
	if cols[0].Count != 2 {
		t.Errorf("April deals = %d, want 2", cols[0].Count)
	}
	cols, _ = f.app.Board(ctx, f.sales, f.pipeline, store.DealQuery{OwnerID: f.owner.User.ID}, 50)
	if cols[0].Count != 0 {
		t.Errorf("owner filter: %d deals, want 0", cols[0].Count)
	}
}

func TestDealsFollowMergeAndErasure(t *testing.T) {
	f := newSalesFixture(t)
	a := f.app
	keep, err := a.CreateContact(ctx, f.owner, ContactInput{Contact: crm.Contact{Email: "keep@example.jp"}})
	if err != nil {
		t.Fatal(err)
	}
	drop, err := a.CreateContact(ctx, f.owner, ContactInput{Contact: crm.Contact{Email: "drop@example.jp"}})
	if err != nil {
		t.Fatal(err)
	}
	d := f.deal(t, crm.Deal{Name: "Merged", ContactID: drop.ID, Contacts: []crm.DealContact{{ContactID: drop.ID, Role: crm.RoleInfluencer}}})
	if _, err := a.MergeContacts(ctx, f.owner, keep.ID, drop.ID); err != nil {
		t.Fatal(err)
	}
	data, err := a.ExportPerson(ctx, f.owner, keep.ID)
	if err != nil || len(data.Deals) != 1 || data.Deals[0].ID != d.ID {
		t.Errorf("export has deals %+v, %v; want the merged deal", data.Deals, err)
	}
	got, _ := a.Deal(ctx, f.owner, d.ID)
	if got.ContactID != keep.ID || len(got.Contacts) != 1 || got.Contacts[0].ContactID != keep.ID || got.Contacts[0].Role != crm.RoleInfluencer {
		t.Errorf("deal after merge = %+v", got)
	}
	if err := a.ErasePerson(ctx, f.owner, keep.ID); err != nil {
		t.Fatal(err)
	}
	got, err = a.Deal(ctx, f.owner, d.ID)
	if err != nil || got.ContactID != 0 || len(got.Contacts) != 0 {
		t.Errorf("deal after erasure = %+v, %v; want it without the person", got, err)
	}
}

func TestDealWebhooks(t *testing.T) {
	f := newSalesFixture(t)
	a := f.app
	h, err := a.CreateWebhook(ctx, f.owner, WebhookInput{Name: "CRM sync", URL: "https://hooks.example.com/renkei",
		Events: []string{EventDealCreated, EventDealStage, EventDealWon, EventDealLost}, Active: true})
	if err != nil {
		t.Fatal(err)
	}
	d := f.deal(t, crm.Deal{Name: "Webhook", Amount: 100})
	d, err = a.MoveDeal(ctx, f.sales, d.ID, d.Version, MoveInput{StageID: f.stages["Discovery"].ID})
	if err != nil {
		t.Fatal(err)
	}
	if _, err = a.MoveDeal(ctx, f.sales, d.ID, d.Version, MoveInput{StageID: f.stages["Won"].ID}); err != nil {
		t.Fatal(err)
	}
	ds, err := a.WebhookDeliveries(ctx, f.owner, h.ID, 0, 50)
	if err != nil {
		t.Fatal(err)
	}
	count := map[string]int{}
	for _, x := range ds {
		count[x.Event]++
	}
	if count[EventDealCreated] != 1 || count[EventDealStage] != 2 || count[EventDealWon] != 1 || count[EventDealLost] != 0 {
		t.Errorf("deliveries by event = %v", count)
	}
}

// A salesperson cannot put a team-private contact or company they cannot
// see on a deal (that would show its name on the deal and write on its
// timeline): the reference is refused as if the record did not exist.
// References already on a deal may stay when someone else edits it.
func TestDealReferencesRespectVisibility(t *testing.T) {
	f := newSalesFixture(t)
	a := f.app
	tokyo, _ := a.CreateTeam(ctx, f.owner, "東京営業")
	osaka, _ := a.CreateTeam(ctx, f.owner, "大阪営業")
	if err := a.SetTeamMember(ctx, f.owner, tokyo.ID, f.sales.User.ID, false); err != nil {
		t.Fatal(err)
	}
	f.sales.User, _ = a.Store.User(ctx, f.sales.User.ID)
	ws, v, _ := a.Workspace(ctx)
	ws.RecordVisibility = map[string]crm.Visibility{"contacts": crm.VisibleTeam, "companies": crm.VisibleTeam}
	if _, err := a.UpdateWorkspace(ctx, f.owner, ws, v); err != nil {
		t.Fatal(err)
	}
	hidden, err := a.CreateContact(ctx, f.owner, ContactInput{Contact: crm.Contact{Email: "himitsu@example.jp", TeamID: osaka.ID}})
	if err != nil {
		t.Fatal(err)
	}
	hiddenCo, err := a.CreateCompany(ctx, f.owner, CompanyInput{Company: crm.Company{Name: "大阪商事", TeamID: osaka.ID}}, false)
	if err != nil {
		t.Fatal(err)
	}
	mine, err := a.CreateContact(ctx, f.owner, ContactInput{Contact: crm.Contact{Email: "mine@example.jp", TeamID: tokyo.ID}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Contact(ctx, f.sales, hidden.ID); !errors.Is(err, crm.ErrNotFound) {
		t.Fatalf("the fixture's contact is visible: %v", err)
	}
	before := snapshot(t, a.Store)
	for name, d := range map[string]crm.Deal{
		"contact_id": {Name: "覗き見", ContactID: hidden.ID},
		"contacts":   {Name: "覗き見", Contacts: []crm.DealContact{{ContactID: hidden.ID, Role: crm.RoleDecisionMaker}}},
		"company_id": {Name: "覗き見", CompanyID: hiddenCo.ID},
	} {
		_, err := a.CreateDeal(ctx, f.sales, d)
		if ve, ok := crm.AsValidation(err); !ok || ve.Fields[name] == "" {
			t.Errorf("CreateDeal with a hidden %s: %v; want a validation error on %s", name, err, name)
		}
	}
	if diff := diffSnapshots(before, snapshot(t, a.Store)); diff != "" {
		t.Errorf("refused deals wrote:\n%s", diff)
	}
	// Updating a visible deal to point at the hidden contact is refused too.
	d := f.deal(t, crm.Deal{Name: "普通の案件", ContactID: mine.ID, TeamID: tokyo.ID})
	up := d
	up.ContactID = hidden.ID
	if _, err := a.UpdateDeal(ctx, f.sales, d.ID, d.Version, up); err == nil {
		t.Errorf("UpdateDeal put a hidden contact on a deal")
	}
	// An admin may link the hidden contact; a salesperson editing the deal
	// afterwards keeps the link.
	up.Version = d.Version
	d, err = a.UpdateDeal(ctx, f.owner, d.ID, d.Version, up)
	if err != nil {
		t.Fatalf("admin links a contact: %v", err)
	}
	d.Name = "改名"
	if _, err := a.UpdateDeal(ctx, f.sales, d.ID, d.Version, d); err != nil {
		t.Errorf("editing a deal with an existing hidden link: %v", err)
	}
}
