package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"renkei/internal/app"
	"renkei/internal/crm"
	"renkei/internal/store"
)

// TestContractsBrowser wins a deal, edits its contract in Chromium, opens
// the renewal deal and looks at the playbook settings.
func TestContractsBrowser(t *testing.T) {
	h := start(t)
	ctx := context.Background()
	a := h.srv.App
	_, u, err := a.Setup(ctx, app.SetupInput{WorkspaceName: "株式会社サンプル", Language: "ja", TimeZone: "Asia/Tokyo",
		Name: adminName, Email: adminEmail, Password: adminPassword}, "", "")
	if err != nil {
		t.Fatal(err)
	}
	ac := app.Actor{User: u}
	w := seedPeople(t, a, ac)
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
	d, err := a.CreateDeal(ctx, ac, crm.Deal{Name: "サンプル商事 年間ライセンス", ContactID: w.taro.ID, Amount: 4_800_000,
		OwnerID: u.ID, StageID: won})
	if err != nil {
		t.Fatal(err)
	}
	ks, err := a.Contracts(ctx, ac, store.ContractQuery{DealID: d.ID})
	if err != nil || len(ks) != 1 {
		t.Fatalf("contracts = %v, %v", ks, err)
	}
	path := fmt.Sprintf("/contracts/%d", ks[0].ID)

	tb := h.newTab(t)
	tb.signIn(adminEmail, adminPassword)
	tb.open(fmt.Sprintf("/deals/%d", d.ID))
	tb.wantPage(fmt.Sprintf("/deals/%d", d.ID), "契約")
	tb.shot("contracts-ja-deal")

	tb.open(path)
	tb.wantPage(path, "更新商談を作成")
	tb.fill("f-terms", "<script>alert(1)</script> 自動更新")
	tb.submit(`form[action="` + path + `"] button[type=submit]`)
	tb.wantPage(path, "<script>alert(1)</script> 自動更新")
	tb.shot("contracts-ja-contract")

	tb.submit("#contract-renewal")
	if p := tb.path(); !strings.HasPrefix(p, "/deals/") || p == fmt.Sprintf("/deals/%d", d.ID) {
		t.Fatalf("after the renewal the page is %s", p)
	}
	if body := tb.text("body"); !strings.Contains(body, "更新 / renewal") {
		t.Errorf("renewal deal page: %.500s", body)
	}

	tb.open("/settings/playbook")
	tb.wantPage("/settings/playbook", "アフターフォロー")
	tb.shot("contracts-ja-playbook")
}
