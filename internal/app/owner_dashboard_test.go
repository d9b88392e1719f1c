package app

import (
	"fmt"
	"testing"
	"time"

	"renkei/internal/crm"
)

// TestOwnerDashboardFunnel follows a hand-made April cohort through the
// funnel: two web-form MQLs (one accepted with a deal that is won, one
// rejected), two contacts entered by hand (one with an open deal, one
// without), and a March contact that must not count.
func TestOwnerDashboardFunnel(t *testing.T) {
	f := newFixture(t, crm.LangJA)
	a := f.app
	f.clock.Add(time.Date(2026, 3, 20, 10, 0, 0, 0, tokyo).Sub(f.clock.Now()))
	if _, err := a.CreateContact(ctx, f.owner, ContactInput{Contact: crm.Contact{Email: "march@example.jp", OriginalSource: crm.SourceWebForm, Lifecycle: crm.StageMQL}}); err != nil {
		t.Fatal(err)
	}
	f.clock.Add(time.Date(2026, 4, 6, 9, 0, 0, 0, tokyo).Sub(f.clock.Now()))
	var ids []int64
	for i, c := range []crm.Contact{
		{OriginalSource: crm.SourceWebForm, Lifecycle: crm.StageMQL},
		{OriginalSource: crm.SourceWebForm, Lifecycle: crm.StageMQL},
		{OriginalSource: crm.SourceManual},
		{OriginalSource: crm.SourceManual},
	} {
		c.Email = fmt.Sprintf("o%d@example.jp", i)
		got, err := a.CreateContact(ctx, f.owner, ContactInput{Contact: c})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, got.ID)
	}
	f.clock.Add(time.Hour)
	if _, err := a.AcceptLead(ctx, f.owner, ids[0], false); err != nil {
		t.Fatal(err)
	}
	d, err := a.CreateDeal(ctx, f.owner, crm.Deal{Name: "受け入れた商談", ContactID: ids[0], Amount: 300_000})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.RejectLead(ctx, f.owner, ids[1], RejectInput{Reason: "no_budget"}); err != nil {
		t.Fatal(err)
	}
	if _, err := a.CreateDeal(ctx, f.owner, crm.Deal{Name: "手入力の商談", ContactID: ids[2], Amount: 100_000}); err != nil {
		t.Fatal(err)
	}
	pls, err := a.Store.Pipelines(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var won int64
	for _, st := range pls[0].Stages {
		if st.NameEN == "Won" {
			won = st.ID
		}
	}
	f.clock.Add(24 * time.Hour)
	if _, err := a.MoveDeal(ctx, f.owner, d.ID, d.Version, MoveInput{StageID: won}); err != nil {
		t.Fatal(err)
	}

	ws, _, _ := a.Workspace(ctx)
	april, _ := ws.ParsePeriod("2026-04")
	o, err := a.OwnerDashboard(ctx, f.owner, april)
	if err != nil {
		t.Fatal(err)
	}
	check := func(c FunnelCohort, leads, mqls, sqls, opps, won int) {
		t.Helper()
		if c.Leads != leads || c.MQLs != mqls || c.SQLs != sqls || c.Opps != opps || c.Won != won {
			t.Errorf("%s: %d leads %d MQLs %d SQLs %d opportunities %d won; want %d %d %d %d %d",
				c.Key, c.Leads, c.MQLs, c.SQLs, c.Opps, c.Won, leads, mqls, sqls, opps, won)
		}
	}
	check(o.Total, 4, 2, 1, 2, 1)
	if len(o.Groups) != 2 {
		t.Fatalf("%d groups", len(o.Groups))
	}
	check(o.Groups[0], 2, 2, 1, 1, 1) // marketing
	check(o.Groups[1], 2, 0, 0, 1, 0) // outbound
	if o.Total.MQLRate != newRate(2, 4) || o.Total.SQLRate != newRate(1, 2) || o.Total.OppRate != newRate(2, 4) ||
		o.Total.WonRate != newRate(1, 2) || o.Total.LeadToWon != newRate(1, 4) {
		t.Errorf("total rates %+v", o.Total)
	}
	if len(o.BySource) != 2 {
		t.Errorf("%d sources, want 2", len(o.BySource))
	}
	// The deal was won in April: the sales headline agrees.
	if o.Sales.Contracts != 1 || o.Sales.WinRate != newRate(1, 1) {
		t.Errorf("sales: %d contracts, win rate %+v", o.Sales.Contracts, o.Sales.WinRate)
	}
	// March's cohort: the one MQL, not yet anything else.
	check(o.PrevTotal, 1, 1, 0, 0, 0)
	if o.Empty() {
		t.Error("April says it is empty")
	}
	if _, err := a.OwnerDashboard(ctx, f.owner, crm.Period{}); err == nil {
		t.Error("a zero period was accepted")
	}
}
