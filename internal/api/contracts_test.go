package api

import (
	"context"
	"fmt"

	"renkei/internal/crm"
	"renkei/internal/store"
)

// wonContract makes a deal in the won stage and returns its contract.
func (e *env) wonContract(d crm.Deal) crm.Contract {
	e.t.Helper()
	for _, st := range e.defaultPipeline().Stages {
		if st.Kind == crm.StageWon {
			d.StageID = st.ID
		}
	}
	if d.Amount == 0 {
		d.Amount = 100_000
	}
	d = e.newDeal(d)
	ks, err := e.app.Contracts(context.Background(), e.admin(), store.ContractQuery{DealID: d.ID})
	if err != nil || len(ks) != 1 {
		e.t.Fatalf("contracts of won deal %d = %v, %v", d.ID, ks, err)
	}
	return ks[0]
}

// contractsSamples are the permission walk's requests for the contract routes.
func (e *env) contractsSamples(role string) map[string]sample {
	k := e.wonContract(crm.Deal{Name: "Contract " + role})
	stale := []string{"If-Match", `"999"`}
	return map[string]sample{
		"GET /contracts":               {path: "/contracts?status=active"},
		"GET /contracts/{id}":          {path: fmt.Sprintf("/contracts/%d", k.ID)},
		"PATCH /contracts/{id}":        {path: fmt.Sprintf("/contracts/%d", k.ID), body: map[string]any{"terms": "x"}, headers: stale},
		"POST /contracts/{id}/renewal": {path: fmt.Sprintf("/contracts/%d/renewal", k.ID)},
	}
}

// happyContracts walks the contract endpoints (run by TestHappyPaths).
func (e *env) happyContracts() {
	t := e.t
	c := e.newContact("keiyaku@example.jp", "木村")
	k := e.wonContract(crm.Deal{Name: "年間契約", Amount: 600_000, ContactID: c.ID, OwnerID: e.users["sales"].ID})
	loc := fmt.Sprintf("/api/v1/contracts/%d", k.ID)
	res := e.do("viewer", "GET", loc, nil).want(t, 200)
	got := res.obj(t)
	if got["amount"] != float64(600_000) || got["status"] != "active" || got["contact_id"] != float64(c.ID) ||
		got["deal_name"] != "年間契約" {
		t.Errorf("contract = %v", got)
	}
	et := res.etag(t)
	e.do("viewer", "PATCH", loc, map[string]any{"terms": "x"}, "If-Match", et).want(t, 403)
	e.do("sales", "PATCH", loc, map[string]any{"terms": "x"}, "If-Match", `"999"`).want(t, 412)
	res = e.do("sales", "PATCH", loc, map[string]any{"end_date": "2000-01-01", "status": "paused"}, "If-Match", et).want(t, 422)
	if fe := res.fieldErrors(t); fe["end_date"] == "" {
		t.Errorf("contract errors = %v", fe)
	}
	res = e.do("sales", "PATCH", loc, map[string]any{"terms": "<b>自動更新</b>", "amount": 700_000}, "If-Match", et).want(t, 200)
	if p := res.obj(t); p["terms"] != "<b>自動更新</b>" || p["amount"] != float64(700_000) {
		t.Errorf("patched = %v", p)
	}
	list := e.do("viewer", "GET", fmt.Sprintf("/api/v1/contracts?contact_id=%d", c.ID), nil).want(t, 200).obj(t)
	if data, _ := list["data"].([]any); len(data) != 1 {
		t.Errorf("list = %v", list)
	}
	e.do("viewer", "POST", loc+"/renewal", nil).want(t, 403)
	r := e.do("sales", "POST", loc+"/renewal", nil).want(t, 201).obj(t)
	if r["amount"] != float64(700_000) || r["close_date"] != k.EndDate {
		t.Errorf("renewal deal = %v", r)
	}
	after := e.do("sales", "GET", loc, nil).want(t, 200).obj(t)
	if after["renewal_deal_id"] != r["id"] {
		t.Errorf("contract after renewal = %v", after)
	}
	e.do("sales", "GET", "/api/v1/contracts/999999", nil).want(t, 404)
}
