package app

import (
	"errors"
	"strings"
	"testing"
	"time"

	"renkei/internal/crm"
	"renkei/internal/store"
)

// wonDeal makes a company, a lead and a deal in Negotiation for them.
func (f *salesFixture) negotiating(t *testing.T) (crm.Deal, crm.Contact) {
	t.Helper()
	co, err := f.app.CreateCompany(ctx, f.owner, CompanyInput{Company: crm.Company{Name: "株式会社ケイヤク"}}, false)
	if err != nil {
		t.Fatal(err)
	}
	c, err := f.app.CreateContact(ctx, f.owner, ContactInput{Contact: crm.Contact{Email: "buyer@example.jp",
		PersonName: crm.PersonName{Family: "佐藤", Given: "花子"}, CompanyID: co.ID, Lifecycle: crm.StageOpportunity}})
	if err != nil {
		t.Fatal(err)
	}
	d := f.deal(t, crm.Deal{Name: "年間ライセンス", Amount: 1_200_000, Currency: "JPY", CloseDate: "2026-04-30",
		CompanyID: co.ID, ContactID: c.ID, StageID: f.stages["Negotiation"].ID})
	return d, c
}

func (f *salesFixture) move(t *testing.T, d crm.Deal, stage string) crm.Deal {
	t.Helper()
	d, err := f.app.MoveDeal(ctx, f.sales, d.ID, d.Version, MoveInput{StageID: f.stages[stage].ID, LostReason: "予算"})
	if err != nil {
		t.Fatalf("MoveDeal to %s: %v", stage, err)
	}
	return d
}

func TestWinningMakesOneContractWithPlaybookTasks(t *testing.T) {
	f := newSalesFixture(t)
	d, c := f.negotiating(t)
	if ks, _ := f.app.Contracts(ctx, f.sales, store.ContractQuery{DealID: d.ID}); len(ks) != 0 {
		t.Fatalf("an open deal has contracts: %v", ks)
	}
	d = f.move(t, d, "Won")
	ks, err := f.app.Contracts(ctx, f.sales, store.ContractQuery{DealID: d.ID})
	if err != nil || len(ks) != 1 {
		t.Fatalf("Contracts after win = %v, %v; want one", ks, err)
	}
	k := ks[0]
	// The clock is 2026-04-01 00:30 UTC, 09:30 in the workspace's Tokyo.
	if k.StartDate != "2026-04-01" || k.EndDate != "2027-04-01" || k.Amount != 1_200_000 || k.Currency != "JPY" ||
		k.Status != crm.ContractActive || k.ContactID != c.ID || k.CompanyID != d.CompanyID || k.OwnerID != f.sales.User.ID {
		t.Fatalf("contract = %+v", k)
	}
	tasks, _, err := f.app.ListTasks(ctx, f.sales, store.TaskQuery{DealID: d.ID, View: string(TasksOpen)})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]time.Time{
		"オンボーディング電話": time.Date(2026, 4, 8, 1, 0, 0, 0, time.UTC),  // +7 days, 10:00 JST
		"満足度確認":      time.Date(2026, 5, 1, 1, 0, 0, 0, time.UTC),  // +30 days
		"更新の打ち合わせ":   time.Date(2027, 1, 31, 1, 0, 0, 0, time.UTC), // 60 days before the end
	}
	if len(tasks) != len(want) {
		t.Fatalf("playbook tasks = %d, want %d: %+v", len(tasks), len(want), tasks)
	}
	for _, tk := range tasks {
		title, _, _ := strings.Cut(tk.Title, ":")
		due, ok := want[title]
		if !ok || !tk.DueAt.Equal(due) || tk.OwnerID != f.sales.User.ID || tk.DealID != d.ID {
			t.Errorf("task %q due %v owner %d deal %d; want due %v, owner %d", tk.Title, tk.DueAt, tk.OwnerID,
				tk.DealID, due, f.sales.User.ID)
		}
	}
	got, err := f.app.Contact(ctx, f.owner, c.ID)
	if err != nil || got.Lifecycle != crm.StageCustomer {
		t.Fatalf("contact after win = %v, %v; want a customer", got.Lifecycle, err)
	}
	tl, err := f.app.Timeline(ctx, f.owner, store.TimelineFilter{ContactID: c.ID})
	if err != nil {
		t.Fatal(err)
	}
	var stage, contract bool
	for _, e := range tl {
		stage = stage || (e.Kind == KindStage && e.Data["to"] == string(crm.StageCustomer))
		contract = contract || (e.Kind == KindContract && e.RefID == k.ID)
	}
	if !stage || !contract {
		t.Fatalf("timeline has customer stage %v, contract %v: %+v", stage, contract, tl)
	}

	if pd, err := f.app.ExportPerson(ctx, f.owner, c.ID); err != nil || len(pd.Contracts) != 1 || pd.Contracts[0].ID != k.ID {
		t.Fatalf("privacy export contracts = %+v, %v", pd.Contracts, err)
	}

	// Out of won and in again: still one contract and three tasks.
	f.clock.Add(48 * time.Hour)
	d = f.move(t, d, "Negotiation")
	d = f.move(t, d, "Won")
	if ks, _ := f.app.Contracts(ctx, f.sales, store.ContractQuery{DealID: d.ID}); len(ks) != 1 || ks[0].ID != k.ID {
		t.Fatalf("contracts after winning twice = %+v", ks)
	}
	if tasks, _, _ := f.app.ListTasks(ctx, f.sales, store.TaskQuery{DealID: d.ID}); len(tasks) != 3 {
		t.Fatalf("tasks after winning twice = %d, want 3", len(tasks))
	}
}

func TestDealCreatedWonGetsContract(t *testing.T) {
	f := newSalesFixture(t)
	d := f.deal(t, crm.Deal{Name: "即決", Amount: 5000, StageID: f.stages["Won"].ID})
	if ks, err := f.app.Contracts(ctx, f.sales, store.ContractQuery{DealID: d.ID}); err != nil || len(ks) != 1 {
		t.Fatalf("contracts of a deal created won = %v, %v", ks, err)
	}
}

func TestUpdateContract(t *testing.T) {
	f := newSalesFixture(t)
	d, _ := f.negotiating(t)
	f.move(t, d, "Won")
	ks, _ := f.app.Contracts(ctx, f.sales, store.ContractQuery{DealID: d.ID})
	k := ks[0]
	in := ContractInput{Amount: 1_500_000, Currency: "jpy", StartDate: "2026-04-01", EndDate: "2028-03-31",
		Terms: "  <script>alert(1)</script> 自動更新  ", Status: crm.ContractActive}
	viewer := f.addUser(t, "viewer@example.jp", crm.RoleViewer)
	if _, err := f.app.UpdateContract(ctx, viewer, k.ID, k.Version, in); !errors.Is(err, crm.ErrForbidden) {
		t.Fatalf("viewer UpdateContract = %v, want forbidden", err)
	}
	bad := in
	bad.EndDate, bad.Status, bad.Amount = "2026-03-01", "paused", -1
	_, err := f.app.UpdateContract(ctx, f.sales, k.ID, k.Version, bad)
	ve, ok := crm.AsValidation(err)
	if !ok || ve.Fields["end_date"] == "" || ve.Fields["status"] == "" || ve.Fields["amount"] == "" {
		t.Fatalf("bad UpdateContract = %v; want end_date, status and amount errors", err)
	}
	got, err := f.app.UpdateContract(ctx, f.sales, k.ID, k.Version, in)
	if err != nil || got.Amount != 1_500_000 || got.Currency != "JPY" || got.EndDate != "2028-03-31" ||
		got.Terms != "<script>alert(1)</script> 自動更新" || got.Version != k.Version+1 {
		t.Fatalf("UpdateContract = %+v, %v", got, err)
	}
	if _, err := f.app.UpdateContract(ctx, f.sales, k.ID, k.Version, in); !errors.Is(err, crm.ErrStale) {
		t.Fatalf("stale UpdateContract = %v, want stale", err)
	}
}

func TestRenewalDeal(t *testing.T) {
	f := newSalesFixture(t)
	d, c := f.negotiating(t)
	f.move(t, d, "Won")
	ks, _ := f.app.Contracts(ctx, f.sales, store.ContractQuery{DealID: d.ID})
	k := ks[0]
	viewer := f.addUser(t, "viewer@example.jp", crm.RoleViewer)
	if _, err := f.app.CreateRenewalDeal(ctx, viewer, k.ID); !errors.Is(err, crm.ErrForbidden) {
		t.Fatalf("viewer CreateRenewalDeal = %v, want forbidden", err)
	}
	r, err := f.app.CreateRenewalDeal(ctx, f.sales, k.ID)
	if err != nil {
		t.Fatal(err)
	}
	if r.Name != "年間ライセンス 更新 / renewal" || r.PipelineID != d.PipelineID || r.StageID != f.stages["Approach"].ID ||
		r.Amount != k.Amount || r.CloseDate != k.EndDate || r.ContactID != c.ID || r.CompanyID != d.CompanyID ||
		r.OwnerID != f.sales.User.ID {
		t.Fatalf("renewal deal = %+v", r)
	}
	k, _ = f.app.Contract(ctx, f.sales, k.ID)
	if k.RenewalDealID != r.ID {
		t.Fatalf("contract's renewal deal = %d, want %d", k.RenewalDealID, r.ID)
	}
	again, err := f.app.CreateRenewalDeal(ctx, f.sales, k.ID)
	if err != nil || again.ID != r.ID {
		t.Fatalf("second CreateRenewalDeal = %d, %v; want the same deal %d", again.ID, err, r.ID)
	}
}

func TestPlaybookSettings(t *testing.T) {
	f := newSalesFixture(t)
	ps, err := f.app.Playbook(ctx, f.sales)
	if err != nil || len(ps) != 3 || ps[2].Anchor != crm.AnchorEnd || ps[2].Days != 60 {
		t.Fatalf("default playbook = %+v, %v", ps, err)
	}
	if err := f.app.SetPlaybook(ctx, f.sales, ps[:1]); !errors.Is(err, crm.ErrForbidden) {
		t.Fatalf("sales SetPlaybook = %v, want forbidden", err)
	}
	err = f.app.SetPlaybook(ctx, f.owner, []crm.PlaybookTask{{TitleJA: "", TitleEN: "x", Anchor: "middle", Days: -1}})
	if ve, ok := crm.AsValidation(err); !ok || ve.Fields["tasks.0.title_ja"] == "" || ve.Fields["tasks.0.anchor"] == "" ||
		ve.Fields["tasks.0.days"] == "" {
		t.Fatalf("bad SetPlaybook = %v", err)
	}
	if err := f.app.SetPlaybook(ctx, f.owner, []crm.PlaybookTask{{TitleJA: "御礼", TitleEN: "Thanks", Anchor: "start", Days: 1}}); err != nil {
		t.Fatal(err)
	}
	d, _ := f.negotiating(t)
	f.move(t, d, "Won")
	tasks, _, _ := f.app.ListTasks(ctx, f.sales, store.TaskQuery{DealID: d.ID})
	if len(tasks) != 1 || !strings.HasPrefix(tasks[0].Title, "御礼") {
		t.Fatalf("tasks with the new playbook = %+v", tasks)
	}
}
