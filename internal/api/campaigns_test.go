package api

import (
	"context"
	"fmt"
	"strings"
	"time"

	"renkei/internal/app"
	"renkei/internal/crm"
)

// campaignsSamples are the permission walk's requests for the campaign
// routes: reads of a real campaign, writes that a role holding the
// permission gets through (or that stop on a missing record: 404).
func (e *env) campaignsSamples(role string) map[string]sample {
	ctx := context.Background()
	c, err := e.app.CreateCampaign(ctx, e.admin(), crm.Campaign{Name: "Walk " + role, Kind: crm.CampaignWeb, Tag: "walk-" + role + "-x"})
	if err != nil {
		e.t.Fatal(err)
	}
	cost, err := e.app.AddCampaignCost(ctx, e.admin(), crm.CampaignCost{CampaignID: c.ID, SpentOn: "2026-04-01", Amount: 100})
	if err != nil {
		e.t.Fatal(err)
	}
	return map[string]sample{
		"GET /campaigns":                                  {path: "/campaigns"},
		"POST /campaigns":                                 {path: "/campaigns", body: map[string]any{"name": "Walk new " + role, "kind": "web", "tag": "walk-new-" + role + "-x"}},
		"GET /campaigns/{id}":                             {path: fmt.Sprintf("/campaigns/%d", c.ID)},
		"PATCH /campaigns/{id}":                           {path: fmt.Sprintf("/campaigns/%d", c.ID), body: map[string]any{"goal": "walk"}, headers: []string{"If-Match", `"999"`}},
		"DELETE /campaigns/{id}":                          {path: "/campaigns/999999"},
		"POST /campaigns/{id}/attendees":                  {path: "/campaigns/999999/attendees", body: map[string]any{"emails": []string{"a@example.com"}}},
		"GET /campaigns/{id}/assets":                      {path: fmt.Sprintf("/campaigns/%d/assets", c.ID)},
		"POST /campaigns/{id}/assets":                     {path: fmt.Sprintf("/campaigns/%d/assets", c.ID), body: map[string]any{"type": "form", "id": 999999}},
		"DELETE /campaigns/{id}/assets/{type}/{asset_id}": {path: fmt.Sprintf("/campaigns/%d/assets/form/999999", c.ID)},
		"POST /campaigns/{id}/links":                      {path: "/campaigns/999999/links", body: map[string]any{"landing": "https://example.jp/", "source": "a", "medium": "b"}},
		"GET /campaign-costs":                             {path: fmt.Sprintf("/campaign-costs?campaign_id=%d", c.ID)},
		"POST /campaign-costs":                            {path: "/campaign-costs", body: map[string]any{"campaign_id": c.ID, "spent_on": "2026-04-02", "amount": 1}},
		"GET /campaign-costs/{id}":                        {path: fmt.Sprintf("/campaign-costs/%d", cost.ID)},
		"DELETE /campaign-costs/{id}":                     {path: "/campaign-costs/999999"},
		"GET /reports/attribution":                        {path: "/reports/attribution?model=linear"},
	}
}

// happyCampaigns walks the campaign endpoints (run by TestHappyPaths): bad
// input with per-field errors and nothing written, a campaign with a
// cost, an attendee who wins a deal, its ROI and the attribution report.
func (e *env) happyCampaigns() {
	t := e.t
	ctx := context.Background()

	// Bad input: per-field messages, nothing written.
	for _, bad := range []struct {
		body  map[string]any
		field string
	}{
		{map[string]any{"kind": "web", "tag": "x"}, "name"},
		{map[string]any{"name": "A", "kind": "tv", "tag": "x"}, "kind"},
		{map[string]any{"name": "A", "kind": "web", "tag": "Bad Tag"}, "tag"},
		{map[string]any{"name": "展示会", "kind": "event"}, "tag"}, // no ASCII to make a tag from
		{map[string]any{"name": "A", "kind": "web", "tag": "a", "starts_on": "2026-05-10", "ends_on": "2026-05-01"}, "ends_on"},
		{map[string]any{"name": "A", "kind": "web", "tag": "a", "budget": -5}, "budget"},
		{map[string]any{"name": "A", "kind": "web", "tag": "a", "owner_id": 999999}, "owner_id"},
		{map[string]any{"name": "A", "kind": "web", "tag": "a", "status": "done"}, "status"},
	} {
		res := e.do("marketing", "POST", "/api/v1/campaigns", bad.body).want(t, 422)
		if fe := res.fieldErrors(t); fe[bad.field] == "" {
			t.Errorf("%v: errors %v, want one on %s", bad.body, fe, bad.field)
		}
	}
	e.do("marketing", "POST", "/api/v1/campaigns", map[string]any{"name": "A", "kind": "web", "budget": "lots"}).want(t, 400)
	e.do("marketing", "POST", "/api/v1/campaigns", map[string]any{"name": "A", "kind": "web", "extra": 1}).want(t, 400)
	if l := e.do("viewer", "GET", "/api/v1/campaigns", nil).want(t, 200).obj(t); len(l["data"].([]any)) != 0 {
		t.Fatalf("refused campaigns were written: %v", l)
	}
	// Viewers and salespeople may not create campaigns.
	for _, role := range []string{"viewer", "sales"} {
		e.do(role, "POST", "/api/v1/campaigns", map[string]any{"name": "Expo", "kind": "event", "tag": "expo-x"}).want(t, 403)
	}

	res := e.do("marketing", "POST", "/api/v1/campaigns", map[string]any{"name": "Expo 2026", "kind": "event",
		"budget": 500_000, "starts_on": "2026-05-10", "ends_on": "2026-05-12", "goal_leads": 40}).want(t, 201)
	camp := res.obj(t)
	loc := res.header.Get("Location")
	if camp["tag"] != "expo-2026" || camp["starts_on"] != "2026-05-10" || loc == "" {
		t.Fatalf("created %v at %q", camp, loc)
	}
	n := camp["numbers"].(map[string]any)
	if n["leads"] != float64(0) || n["roi"] != nil || n["cost_per_lead"] != nil {
		t.Errorf("a new campaign's numbers: %v", n)
	}
	id := int64(camp["id"].(float64))
	// The tag is unique.
	res = e.do("marketing", "POST", "/api/v1/campaigns", map[string]any{"name": "Other", "kind": "web", "tag": "expo-2026"}).want(t, 422)
	if fe := res.fieldErrors(t); !strings.Contains(fe["tag"], "another campaign") {
		t.Errorf("duplicate tag: %v", fe)
	}

	// Costs: bad ones refused per field, then ¥200,000.
	for _, bad := range []struct {
		body  map[string]any
		field string
	}{
		{map[string]any{"campaign_id": id, "spent_on": "2026-13-01", "amount": 1}, "spent_on"},
		{map[string]any{"campaign_id": id, "spent_on": "2026-05-10", "amount": 0}, "amount"},
		{map[string]any{"campaign_id": id, "spent_on": "2026-05-10", "amount": 5, "channel": "a\nb"}, "channel"},
		{map[string]any{"campaign_id": 999999, "spent_on": "2026-05-10", "amount": 5}, "campaign_id"},
	} {
		if fe := e.do("marketing", "POST", "/api/v1/campaign-costs", bad.body).want(t, 422).fieldErrors(t); fe[bad.field] == "" {
			t.Errorf("%v: errors %v, want one on %s", bad.body, fe, bad.field)
		}
	}
	e.do("viewer", "POST", "/api/v1/campaign-costs", map[string]any{"campaign_id": id, "spent_on": "2026-05-10", "amount": 5}).want(t, 403)
	cost := e.do("marketing", "POST", "/api/v1/campaign-costs", map[string]any{"campaign_id": id, "spent_on": "2026-05-10",
		"amount": 200_000, "channel": "展示会ブース"}).want(t, 201)
	costLoc := cost.header.Get("Location")
	e.do("viewer", "GET", costLoc, nil).want(t, 200)
	if l := e.do("viewer", "GET", fmt.Sprintf("/api/v1/campaign-costs?campaign_id=%d", id), nil).want(t, 200).obj(t); len(l["data"].([]any)) != 1 {
		t.Errorf("costs %v", l)
	}
	e.do("viewer", "GET", "/api/v1/campaign-costs?campaign_id=abc", nil).want(t, 400)

	// UTM links: hostile landing pages refused, a good one built.
	for _, landing := range []string{"javascript:alert(1)", "/pricing", "https://example.jp/\r\nx", "data:text/html,x"} {
		fe := e.do("marketing", "POST", fmt.Sprintf("/api/v1/campaigns/%d/links", id), map[string]any{"landing": landing,
			"source": "expo", "medium": "qr"}).want(t, 422).fieldErrors(t)
		if fe["landing"] == "" {
			t.Errorf("landing %q: %v", landing, fe)
		}
	}
	link := e.do("marketing", "POST", fmt.Sprintf("/api/v1/campaigns/%d/links", id), map[string]any{"landing": "https://example.jp/lp",
		"source": "expo", "medium": "qr"}).want(t, 201).obj(t)
	if link["url"] != "https://example.jp/lp?utm_campaign=expo-2026&utm_medium=qr&utm_source=expo" {
		t.Errorf("link %v", link)
	}

	// Assets: link a sequence, refuse what does not exist, unlink.
	q, err := e.app.CreateSequence(ctx, e.admin(), crm.Sequence{Name: "展示会フォロー", Steps: []crm.SequenceStep{
		{Kind: crm.StepEmail, Subject: "ご来場ありがとうございました", HTML: "<p>資料です</p>"}}})
	if err != nil {
		t.Fatal(err)
	}
	assets := fmt.Sprintf("/api/v1/campaigns/%d/assets", id)
	for _, bad := range []struct {
		body  map[string]any
		field string
	}{
		{map[string]any{"type": "webinar", "id": q.ID}, "type"},
		{map[string]any{"type": "sequence", "id": q.ID + 1000}, "id"},
	} {
		if fe := e.do("marketing", "POST", assets, bad.body).want(t, 422).fieldErrors(t); fe[bad.field] == "" {
			t.Errorf("asset %v: %v", bad.body, fe)
		}
	}
	e.do("viewer", "POST", assets, map[string]any{"type": "sequence", "id": q.ID}).want(t, 403)
	l := e.do("marketing", "POST", assets, map[string]any{"type": "sequence", "id": q.ID}).want(t, 200).obj(t)
	if as := l["data"].([]any); len(as) != 1 || as[0].(map[string]any)["name"] != "展示会フォロー" || as[0].(map[string]any)["type"] != "sequence" {
		t.Errorf("assets after linking: %v", l)
	}
	if as := e.do("viewer", "GET", assets, nil).want(t, 200).obj(t)["data"].([]any); len(as) != 1 {
		t.Errorf("assets: %v", as)
	}
	e.do("viewer", "GET", "/api/v1/campaigns/999999/assets", nil).want(t, 404)
	e.do("marketing", "DELETE", fmt.Sprintf("%s/sequence/%d", assets, q.ID), nil).want(t, 204)
	e.do("marketing", "DELETE", fmt.Sprintf("%s/sequence/%d", assets, q.ID), nil).want(t, 404)

	// Attendees: an unknown address refuses the whole list.
	ct := e.newContact("visitor@example.jp", "来場")
	res = e.do("marketing", "POST", fmt.Sprintf("/api/v1/campaigns/%d/attendees", id), map[string]any{
		"emails": []string{"visitor@example.jp", "nobody@example.jp"}}).want(t, 422)
	if fe := res.fieldErrors(t); !strings.Contains(fe["emails"], "nobody@example.jp") {
		t.Errorf("unknown attendee: %v", fe)
	}
	if c := e.do("viewer", "GET", loc, nil).want(t, 200).obj(t); c["numbers"].(map[string]any)["leads"] != float64(0) {
		t.Errorf("a refused list was written: %v", c["numbers"])
	}
	r := e.do("marketing", "POST", fmt.Sprintf("/api/v1/campaigns/%d/attendees", id), map[string]any{
		"emails": []string{" Visitor@Example.jp "}, "attended_on": "2026-05-10"}).want(t, 200).obj(t)
	if r["added"] != float64(1) || r["already"] != float64(0) {
		t.Errorf("attendees %v", r)
	}

	// The attendee's deal is won for ¥1,000,000: ROI = (1,000,000 −
	// 200,000) ÷ 200,000 = 4; cost per lead = 200,000 (1 lead).
	var won int64
	for _, st := range e.defaultPipeline().Stages {
		if st.Kind == crm.StageWon {
			won = st.ID
		}
	}
	d := e.newDeal(crm.Deal{Name: "展示会の案件", Amount: 1_000_000, ContactID: ct.ID})
	if _, err := e.app.MoveDeal(ctx, e.admin(), d.ID, d.Version, app.MoveInput{StageID: won}); err != nil {
		t.Fatal(err)
	}
	got := e.do("viewer", "GET", loc, nil).want(t, 200)
	n = got.obj(t)["numbers"].(map[string]any)
	if n["leads"] != float64(1) || n["won_deals"] != float64(1) || n["won_revenue"] != float64(1_000_000) ||
		n["cost"] != float64(200_000) || n["roi"] != float64(4) || n["cost_per_lead"] != float64(200_000) || n["cost_per_mql"] != nil {
		t.Errorf("numbers after the win: %v", n)
	}

	// Attribution: the attendance is the contact's only touch (before the
	// won date), so every model gives the campaign the whole ¥1,000,000.
	// (Other subtests win deals today too: only this campaign's row and the
	// event channel are checked.)
	today := time.Now().UTC()
	from, to := today.AddDate(0, 0, -1).Format(time.DateOnly), today.AddDate(0, 0, 2).Format(time.DateOnly)
	for _, m := range []string{"first_touch", "last_touch", "linear", "w_shaped"} {
		rep := e.do("viewer", "GET", "/api/v1/reports/attribution?model="+m+"&from="+from+"&to="+to, nil).want(t, 200).obj(t)
		var mine, event float64
		for _, r := range rep["by_campaign"].([]any) {
			if r := r.(map[string]any); r["campaign_id"] == float64(id) {
				mine = r["revenue"].(float64)
			}
		}
		for _, r := range rep["by_channel"].([]any) {
			if r := r.(map[string]any); r["channel"] == "event / offline" {
				event = r["revenue"].(float64)
			}
		}
		if mine != 1_000_000 || event != 1_000_000 || rep["revenue"].(float64) < 1_000_000 || rep["model"] != m {
			t.Errorf("%s: campaign %v, event channel %v in %v", m, mine, event, rep)
		}
	}
	for _, q := range []string{"model=u_shaped", "from=2026-13-01", "from=2026-05-01&to=2026-04-01", "period=2026-Q1"} {
		e.do("viewer", "GET", "/api/v1/reports/attribution?"+q, nil).want(t, 400)
	}

	// Change with the version; a stale one is refused.
	et := got.etag(t)
	e.do("marketing", "PATCH", loc, map[string]any{"status": "finished"}, "If-Match", `"999"`).want(t, 412)
	e.do("marketing", "PATCH", loc, map[string]any{"status": "over"}, "If-Match", et).want(t, 422)
	p := e.do("marketing", "PATCH", loc, map[string]any{"status": "finished"}, "If-Match", et).want(t, 200).obj(t)
	if p["status"] != "finished" || p["tag"] != "expo-2026" {
		t.Errorf("patched %v", p)
	}
	e.do("viewer", "DELETE", costLoc, nil).want(t, 403)
	e.do("marketing", "DELETE", costLoc, nil).want(t, 204)
	e.do("viewer", "DELETE", loc, nil).want(t, 403)
	e.do("marketing", "DELETE", loc, nil).want(t, 204)
	e.do("marketing", "GET", loc, nil).want(t, 404)
}
