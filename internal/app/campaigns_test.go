package app

import (
	"errors"
	"math"
	"testing"
	"time"

	"renkei/internal/crm"
	"renkei/internal/store"
)

// campaignFixture is the hand-computed fixture of docs/campaigns.md's
// worked example, in a Japanese workspace (Asia/Tokyo, JPY). Day n is
// 2026-04-01 00:30 UTC + n days; every deal is won in April 2026.
//
// Campaigns: A "brand-search" (web ads, cost ¥150,000), B "expo-2026"
// (trade show, cost ¥100,000), C "monthly-news" (newsletter; its broadcast
// is #77; no cost), D "empty".
//
// P1: visit with brand-search (google / cpc) day 0; form submission with
// monthly-news (newsletter / email) day 1, which creates the contact; a
// sales call day 3; a note day 4 (not a touch); deal D1 ¥1,000,000 created day 5; attends the expo
// day 8; won day 10; another brand-search visit day 12 (after the win).
// P2: contact day 2; attends the expo day 8; deal D2 ¥500,000 created day
// 9, won day 11.
// P3: contact day 2, no touches; deal D3 ¥200,000 won day 11.
// P4: contact day 2; clicks broadcast #77 day 4; deal D4 ¥300,000 created
// day 6, won day 12.
type campaignFixture struct {
	*salesFixture
	a, b, c, d     crm.Campaign
	p1, p2, p3, p4 int64
}

func day(n int) time.Time { return time.Date(2026, 4, 1, 0, 30, 0, 0, time.UTC).AddDate(0, 0, n) }

func newCampaignFixture(t *testing.T) *campaignFixture {
	t.Helper()
	f := &campaignFixture{salesFixture: newSalesFixture(t)}
	a := f.app
	mk := func(c crm.Campaign) crm.Campaign {
		c, err := a.CreateCampaign(ctx, f.owner, c)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	f.a = mk(crm.Campaign{Name: "Brand search", Kind: crm.CampaignWeb, Tag: "brand-search", Budget: 300_000})
	f.b = mk(crm.Campaign{Name: "展示会 2026", Kind: crm.CampaignEvent, Tag: "expo-2026", StartsOn: "2026-04-09"})
	f.c = mk(crm.Campaign{Name: "Newsletter", Kind: crm.CampaignEmail, Tag: "monthly-news"})
	f.d = mk(crm.Campaign{Name: "Empty", Kind: crm.CampaignOther, Tag: "empty"})
	for _, c := range []crm.CampaignCost{{CampaignID: f.a.ID, SpentOn: "2026-04-01", Amount: 100_000, Channel: "google / cpc"},
		{CampaignID: f.a.ID, SpentOn: "2026-04-15", Amount: 50_000, Channel: "google / cpc"},
		{CampaignID: f.b.ID, SpentOn: "2026-04-09", Amount: 100_000, Channel: "booth"}} {
		if _, err := a.AddCampaignCost(ctx, f.owner, c); err != nil {
			t.Fatal(err)
		}
	}
	// Broadcast #77 belongs to the newsletter campaign (linked in the
	// store: the fixture has no broadcast of its own).
	if err := a.Store.InTx(ctx, func(tx *store.Tx) error {
		return tx.AddCampaignAsset(ctx, f.c.ID, crm.AssetBroadcast, 77, day(0))
	}); err != nil {
		t.Fatal(err)
	}
	site, err := a.CreateSite(ctx, f.owner, SiteInput{Name: "Acme", Domain: "acme.example"})
	if err != nil {
		t.Fatal(err)
	}
	visit := func(at time.Time) {
		e, err := BuildEvent(RawEvent{URL: "https://www.acme.example/?utm_source=google&utm_medium=cpc&utm_campaign=brand-search",
			Referrer: "https://www.google.com/"}, site.ID, "visitor-p1xyz", at, "")
		if err != nil {
			t.Fatal(err)
		}
		if err := a.RecordEvents(ctx, []store.Event{e}); err != nil {
			t.Fatal(err)
		}
	}
	won := func(d crm.Deal, at time.Time) {
		f.clock.t = at
		if _, err := a.MoveDeal(ctx, f.owner, d.ID, d.Version, MoveInput{StageID: f.stages["Won"].ID}); err != nil {
			t.Fatal(err)
		}
	}
	contact := func(email string, at time.Time) int64 {
		f.clock.t = at
		c, err := a.CreateContact(ctx, f.owner, ContactInput{Contact: crm.Contact{Email: email}})
		if err != nil {
			t.Fatal(err)
		}
		return c.ID
	}
	deal := func(contactID, amount int64, at time.Time) crm.Deal {
		f.clock.t = at
		return f.deal(t, crm.Deal{Name: "deal", Amount: amount, ContactID: contactID})
	}

	// P1.
	visit(day(0))
	form, err := a.CreateForm(ctx, f.owner, crm.Form{Name: "資料請求", TitleJA: "資料請求",
		Fields: []crm.FormField{{Key: crm.FieldEmail, LabelJA: "メール", LabelEN: "E-mail", Required: true, Format: "email"}}})
	if err != nil {
		t.Fatal(err)
	}
	f.clock.t = day(1)
	out, err := a.SubmitForm(ctx, FormPost{Form: form, Values: map[string]string{crm.FieldEmail: "p1@example.jp"}, Lang: crm.LangJA,
		PageURL: "https://www.acme.example/lp?utm_source=newsletter&utm_medium=email&utm_campaign=monthly-news",
		SiteID:  site.ID, VisitorID: "visitor-p1xyz", IP: "192.0.2.1", UserAgent: "test"})
	if err != nil || !out.Created {
		t.Fatalf("SubmitForm: %+v %v", out, err)
	}
	f.p1 = out.ContactID
	if _, err := a.IdentifyVisitor(ctx, f.owner, IdentifyInput{SiteID: site.ID, VisitorID: "visitor-p1xyz", ContactID: f.p1}); err != nil {
		t.Fatal(err)
	}
	if count(t, a.Store, "SELECT COUNT(*) FROM handoffs WHERE contact_id = $1", f.p1) == 0 {
		if err := a.Store.InTx(ctx, func(tx *store.Tx) error { return a.leadBecameMQL(ctx, tx, f.p1, "test") }); err != nil {
			t.Fatal(err)
		}
	}
	f.clock.t = day(3)
	if _, err := a.CreateActivity(ctx, f.owner, crm.Activity{Kind: crm.ActCall, Side: crm.SideSales, Subject: "電話",
		StartsAt: day(3), ContactID: f.p1}); err != nil {
		t.Fatal(err)
	}
	// A note is not a touch: it changes no share below.
	f.clock.t = day(4)
	if _, err := a.CreateActivity(ctx, f.owner, crm.Activity{Kind: crm.ActNote, Side: crm.SideSales, Subject: "メモ", Body: "予算あり",
		StartsAt: day(4), ContactID: f.p1}); err != nil {
		t.Fatal(err)
	}
	d1 := deal(f.p1, 1_000_000, day(5))
	// P2, P3, P4.
	f.p2 = contact("p2@example.jp", day(2))
	f.p3 = contact("p3@example.jp", day(2))
	f.p4 = contact("p4@example.jp", day(2))
	f.clock.t = day(8)
	if added, already, err := a.AddAttendees(ctx, f.owner, f.b.ID, []string{"P1@example.jp", "p2@example.jp"}, day(8)); err != nil || added != 2 || already != 0 {
		t.Fatalf("AddAttendees: %d %d %v", added, already, err)
	}
	if _, err := a.Store.DB().Exec(`INSERT INTO email_events (contact_id, source_type, source_id, kind, url, at)
		VALUES ($1, 'broadcast', 77, 'click', 'https://www.acme.example/', $2)`, f.p4, day(4).UnixMilli()); err != nil {
		t.Fatal(err)
	}
	d2 := deal(f.p2, 500_000, day(9))
	d3 := deal(f.p3, 200_000, day(9))
	d4 := deal(f.p4, 300_000, day(6))
	won(d1, day(10))
	won(d2, day(11))
	won(d3, day(11))
	won(d4, day(12))
	visit(day(12))
	f.clock.t = day(20)
	return f
}

func TestCampaignNumbers(t *testing.T) {
	f := newCampaignFixture(t)
	viewer := f.addUser(t, "viewer@example.jp", crm.RoleViewer)
	for _, tc := range []struct {
		c                       crm.Campaign
		visits                  int64
		leads, mqls, deals, won int
		revenue, cost           int64
		cpl, cpmql              int64 // -1 = none
		roi                     float64
		hasROI                  bool
	}{
		// A: P1 (first touch brand-search); ROI = (1,000,000 − 150,000) ÷ 150,000.
		{f.a, 2, 1, 1, 1, 1, 1_000_000, 150_000, 150_000, 150_000, 850_000.0 / 150_000, true},
		// B: P1 and P2 attended; ROI = (1,500,000 − 100,000) ÷ 100,000 = 14.
		{f.b, 0, 2, 1, 2, 2, 1_500_000, 100_000, 50_000, 100_000, 14, true},
		// C: P1's submission carried the tag; P4 clicked its broadcast. No cost.
		{f.c, -1, 2, 1, 2, 2, 1_300_000, 0, 0, 0, 0, false},
		{f.d, 0, 0, 0, 0, 0, 0, 0, -1, -1, 0, false},
	} {
		n, err := f.app.CampaignNumbers(ctx, viewer, tc.c)
		if err != nil {
			t.Fatal(err)
		}
		if (tc.visits >= 0 && n.Visits != tc.visits) || n.Leads != tc.leads || n.MQLs != tc.mqls || n.Deals != tc.deals ||
			n.WonDeals != tc.won || n.WonRevenue != tc.revenue || n.Cost != tc.cost || n.Base != "JPY" {
			t.Errorf("%s: %+v", tc.c.Tag, n)
		}
		if v, ok := n.CostPerLead(); (tc.cpl < 0 && ok) || (tc.cpl >= 0 && (!ok || v != tc.cpl)) {
			t.Errorf("%s: cost per lead %d %v, want %d", tc.c.Tag, v, ok, tc.cpl)
		}
		if v, ok := n.CostPerMQL(); (tc.cpmql < 0 && ok) || (tc.cpmql >= 0 && (!ok || v != tc.cpmql)) {
			t.Errorf("%s: cost per MQL %d %v, want %d", tc.c.Tag, v, ok, tc.cpmql)
		}
		if r, ok := n.ROI(); ok != tc.hasROI || math.Abs(r-tc.roi) > 1e-9 {
			t.Errorf("%s: ROI %v %v, want %v %v", tc.c.Tag, r, ok, tc.roi, tc.hasROI)
		}
	}
}

func TestAttributionReport(t *testing.T) {
	f := newCampaignFixture(t)
	viewer := f.addUser(t, "viewer@example.jp", crm.RoleViewer)
	ws, _, err := f.app.Workspace(ctx)
	if err != nil {
		t.Fatal(err)
	}
	april, _ := ws.ParsePeriod("2026-04")
	byCampaign := func(rep AttributionReport) map[int64]int64 {
		out := map[int64]int64{}
		for _, r := range rep.ByCampaign {
			out[r.CampaignID] = r.Revenue
		}
		return out
	}
	byChannel := func(rep AttributionReport) map[string]int64 {
		out := map[string]int64{}
		for _, r := range rep.ByChannel {
			out[r.Key] = r.Revenue
		}
		return out
	}
	a, b, c := f.a.ID, f.b.ID, f.c.ID
	for _, tc := range []struct {
		model     crm.AttributionModel
		campaigns map[int64]int64
		channels  map[string]int64
	}{
		// P1's eligible touches: visit A (day 0), form C (day 1, the lead
		// creation), sales call (day 3), expo B (day 8); the day-12 visit
		// is after the win. Opportunity day 5.
		{crm.ModelFirstTouch, map[int64]int64{a: 1_000_000, b: 500_000, c: 300_000, 0: 0},
			map[string]int64{"google / cpc": 1_000_000, "newsletter / email": 0, "sales / call": 0, "event / offline": 500_000, "email / broadcast": 300_000}},
		{crm.ModelLastTouch, map[int64]int64{a: 0, b: 500_000, c: 300_000, 0: 1_000_000},
			map[string]int64{"google / cpc": 0, "newsletter / email": 0, "sales / call": 1_000_000, "event / offline": 500_000, "email / broadcast": 300_000}},
		{crm.ModelLinear, map[int64]int64{a: 250_000, b: 750_000, c: 550_000, 0: 250_000},
			map[string]int64{"google / cpc": 250_000, "newsletter / email": 250_000, "sales / call": 250_000, "event / offline": 750_000, "email / broadcast": 300_000}},
		// W: F = visit, L = form, O = call (30% each), the expo 10%.
		{crm.ModelWShaped, map[int64]int64{a: 300_000, b: 600_000, c: 600_000, 0: 300_000},
			map[string]int64{"google / cpc": 300_000, "newsletter / email": 300_000, "sales / call": 300_000, "event / offline": 600_000, "email / broadcast": 300_000}},
	} {
		rep, err := f.app.AttributionReport(ctx, viewer, tc.model, april.Start, april.End)
		if err != nil {
			t.Fatal(err)
		}
		if rep.Deals != 4 || rep.Revenue != 2_000_000 || rep.Unattributed != 200_000 || rep.UnattributedDeals != 1 {
			t.Errorf("%s: totals %+v", tc.model, rep)
		}
		if got := byCampaign(rep); len(got) != len(tc.campaigns) {
			t.Errorf("%s: by campaign %v, want %v", tc.model, got, tc.campaigns)
		} else {
			for k, v := range tc.campaigns {
				if got[k] != v {
					t.Errorf("%s: campaign %d got %d, want %d (all: %v)", tc.model, k, got[k], v, got)
				}
			}
		}
		got := byChannel(rep)
		for k, v := range tc.channels {
			if got[k] != v {
				t.Errorf("%s: channel %q got %d, want %d (all: %v)", tc.model, k, got[k], v, got)
			}
		}
		var sum int64
		for _, r := range rep.ByCampaign {
			sum += r.Revenue
		}
		if sum+rep.Unattributed != rep.Revenue {
			t.Errorf("%s: rows add up to %d + %d, want %d", tc.model, sum, rep.Unattributed, rep.Revenue)
		}
	}
	// March has no won deals; bad input is refused.
	mar, _ := ws.ParsePeriod("2026-03")
	if rep, err := f.app.AttributionReport(ctx, viewer, crm.ModelLinear, mar.Start, mar.End); err != nil || rep.Deals != 0 || len(rep.ByCampaign) != 0 {
		t.Errorf("March: %+v %v", rep, err)
	}
	if _, err := f.app.AttributionReport(ctx, viewer, "u_shaped", april.Start, april.End); err == nil {
		t.Error("an unknown model was accepted")
	}
	if _, err := f.app.AttributionReport(ctx, viewer, crm.ModelLinear, april.End, april.Start); err == nil {
		t.Error("to before from was accepted")
	}
	// With team-private deals the report counts the deals the viewer may
	// see, as the closed-loop report does: the viewer (in no team) sees
	// none of the four; their owner sees them all.
	ws, v, err := f.app.Workspace(ctx)
	if err != nil {
		t.Fatal(err)
	}
	ws.RecordVisibility = map[string]crm.Visibility{"deals": crm.VisibleTeam}
	if _, err := f.app.UpdateWorkspace(ctx, f.owner, ws, v); err != nil {
		t.Fatal(err)
	}
	if rep, err := f.app.AttributionReport(ctx, viewer, crm.ModelLinear, april.Start, april.End); err != nil || rep.Deals != 0 || rep.Revenue != 0 || len(rep.ByCampaign) != 0 {
		t.Errorf("viewer with team-private deals: %+v %v", rep, err)
	}
	if rep, err := f.app.AttributionReport(ctx, f.sales, crm.ModelLinear, april.Start, april.End); err != nil || rep.Deals != 4 || rep.Revenue != 2_000_000 {
		t.Errorf("the deals' owner with team-private deals: %+v %v", rep, err)
	}
}

// A sequence linked to a campaign brings the clicks in any of its e-mails:
// P3 (no touches in the fixture) clicks the sequence's first e-mail on day
// 4, before D3 (¥200,000) is won on day 11.
func TestCampaignSequenceAsset(t *testing.T) {
	f := newCampaignFixture(t)
	viewer := f.addUser(t, "viewer@example.jp", crm.RoleViewer)
	q, err := f.app.CreateSequence(ctx, f.owner, nurture(nil))
	if err != nil {
		t.Fatal(err)
	}
	if err := f.app.AddCampaignAsset(ctx, viewer, f.d.ID, crm.AssetSequence, q.ID); !errors.Is(err, crm.ErrForbidden) {
		t.Errorf("a viewer linked a sequence: %v", err)
	}
	if err := f.app.AddCampaignAsset(ctx, f.owner, f.d.ID, crm.AssetSequence, q.ID+1000); err == nil {
		t.Error("a sequence that does not exist was linked")
	}
	if err := f.app.AddCampaignAsset(ctx, f.owner, f.d.ID, crm.AssetSequence, q.ID); err != nil {
		t.Fatal(err)
	}
	as, err := f.app.CampaignAssets(ctx, viewer, f.d.ID)
	if err != nil || len(as) != 1 || as[0].Type != crm.AssetSequence || as[0].Name != q.Name {
		t.Fatalf("assets: %+v %v", as, err)
	}
	step := q.Steps[4].ID // the second e-mail: any step counts
	if _, err := f.app.Store.DB().Exec(`INSERT INTO email_events (contact_id, source_type, source_id, kind, url, at)
		VALUES ($1, 'sequence', $2, 'click', 'https://example.jp/guide', $3)`, f.p3, step, day(4).UnixMilli()); err != nil {
		t.Fatal(err)
	}
	n, err := f.app.CampaignNumbers(ctx, viewer, f.d)
	if err != nil {
		t.Fatal(err)
	}
	if n.Leads != 1 || n.Deals != 1 || n.WonDeals != 1 || n.WonRevenue != 200_000 {
		t.Errorf("numbers with the sequence: %+v", n)
	}
	ws, _, err := f.app.Workspace(ctx)
	if err != nil {
		t.Fatal(err)
	}
	april, _ := ws.ParsePeriod("2026-04")
	rep, err := f.app.AttributionReport(ctx, viewer, crm.ModelFirstTouch, april.Start, april.End)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Unattributed != 0 || rep.UnattributedDeals != 0 {
		t.Errorf("D3 is still unattributed: %+v", rep)
	}
	got := map[int64]int64{}
	for _, r := range rep.ByCampaign {
		got[r.CampaignID] = r.Revenue
	}
	chans := map[string]int64{}
	for _, r := range rep.ByChannel {
		chans[r.Key] = r.Revenue
	}
	if got[f.d.ID] != 200_000 || chans["email / sequence"] != 200_000 {
		t.Errorf("first touch: campaigns %v, channels %v", got, chans)
	}
	if err := f.app.RemoveCampaignAsset(ctx, f.owner, f.d.ID, crm.AssetSequence, q.ID); err != nil {
		t.Fatal(err)
	}
	if n, _ := f.app.CampaignNumbers(ctx, viewer, f.d); n.Leads != 0 {
		t.Errorf("leads after the sequence was unlinked: %d", n.Leads)
	}
}

func TestCampaignPermissionsAndValidation(t *testing.T) {
	f := newSalesFixture(t)
	viewer := f.addUser(t, "viewer@example.jp", crm.RoleViewer)
	mkt := f.addUser(t, "mkt@example.jp", crm.RoleMarketing)
	c, err := f.app.CreateCampaign(ctx, mkt, crm.Campaign{Name: "Webinar", Kind: crm.CampaignEvent, Tag: "webinar"})
	if err != nil {
		t.Fatal(err)
	}
	before := count(t, f.app.Store, "SELECT COUNT(*) FROM campaigns")
	for name, err := range map[string]error{
		"create viewer": func() error {
			_, err := f.app.CreateCampaign(ctx, viewer, crm.Campaign{Name: "X", Kind: crm.CampaignWeb, Tag: "x"})
			return err
		}(),
		"create sales": func() error {
			_, err := f.app.CreateCampaign(ctx, f.sales, crm.Campaign{Name: "X", Kind: crm.CampaignWeb, Tag: "x"})
			return err
		}(),
		"update viewer": func() error { c2 := c; c2.Name = "Y"; _, err := f.app.UpdateCampaign(ctx, viewer, c2); return err }(),
		"delete viewer": f.app.DeleteCampaign(ctx, viewer, c.ID),
		"cost viewer": func() error {
			_, err := f.app.AddCampaignCost(ctx, viewer, crm.CampaignCost{CampaignID: c.ID, SpentOn: "2026-04-01", Amount: 1})
			return err
		}(),
		"link viewer": func() error {
			_, err := f.app.BuildLink(ctx, viewer, c.ID, crm.UTMLink{Landing: "https://a.example/", Source: "a", Medium: "b", Campaign: "webinar"}, true)
			return err
		}(),
		"attendee viewer": func() error {
			_, _, err := f.app.AddAttendees(ctx, viewer, c.ID, []string{"a@example.jp"}, time.Time{})
			return err
		}(),
	} {
		if !errors.Is(err, crm.ErrForbidden) {
			t.Errorf("%s: %v, want forbidden", name, err)
		}
	}
	// A viewer may preview a link (nothing kept) and read.
	if l, err := f.app.BuildLink(ctx, viewer, 0, crm.UTMLink{Landing: "https://a.example/", Source: "a", Medium: "b", Campaign: "webinar"}, false); err != nil || l.ID != 0 {
		t.Errorf("preview: %+v %v", l, err)
	}
	// Duplicate tag, bad owner: per-field, nothing written.
	for field, in := range map[string]crm.Campaign{
		"tag":      {Name: "Again", Kind: crm.CampaignWeb, Tag: "WEBINAR"},
		"owner_id": {Name: "Owner", Kind: crm.CampaignWeb, Tag: "owner-x", OwnerID: 999999},
	} {
		_, err := f.app.CreateCampaign(ctx, mkt, in)
		if v, ok := crm.AsValidation(err); !ok || v.Fields[field] == "" {
			t.Errorf("%s: %v", field, err)
		}
	}
	if n := count(t, f.app.Store, "SELECT COUNT(*) FROM campaigns"); n != before {
		t.Errorf("%d campaigns after refused calls, want %d", n, before)
	}
	// Attendees: a bad address or an unknown one writes nothing.
	if _, err := f.app.CreateContact(ctx, f.owner, ContactInput{Contact: crm.Contact{Email: "known@example.jp"}}); err != nil {
		t.Fatal(err)
	}
	for _, list := range [][]string{{"known@example.jp", "not-an-address"}, {"known@example.jp", "unknown@example.jp"}, {}} {
		_, _, err := f.app.AddAttendees(ctx, mkt, c.ID, list, time.Time{})
		if v, ok := crm.AsValidation(err); !ok || v.Fields["emails"] == "" {
			t.Errorf("%v: %v", list, err)
		}
	}
	if n := count(t, f.app.Store, "SELECT COUNT(*) FROM campaign_attendees"); n != 0 {
		t.Errorf("%d attendees after refused lists", n)
	}
	if got := ParseAttendeeList("a@example.jp, B@Example.jp;\n\"c@example.jp\"\tname,a@example.jp"); len(got) != 3 || got[1] != "b@example.jp" {
		t.Errorf("ParseAttendeeList = %q", got)
	}
	// Stale version.
	c.Name = "Webinar 2"
	if _, err := f.app.UpdateCampaign(ctx, mkt, c); err != nil {
		t.Fatal(err)
	}
	if _, err := f.app.UpdateCampaign(ctx, mkt, c); !errors.Is(err, crm.ErrStale) {
		t.Errorf("stale update: %v", err)
	}
}
