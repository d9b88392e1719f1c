package gen

import (
	"context"
	"testing"

	"renkei/internal/crm"
	"renkei/internal/store/storetest"
)

// TestCampaignsExtension: the demo has 4–6 campaigns with budgets and
// costs; the tracked visits and form submissions carry their tags, so
// every search, newsletter and webinar campaign has leads; the trade shows
// and webinars have attendees; each campaign has a UTM link that builds.
func TestCampaignsExtension(t *testing.T) {
	s := storetest.Open(t)
	ctx := context.Background()
	w := newWorld(t, 7, "N=3000", crm.LangJA)
	loadWorld(t, s, w, LoadOptions{Extensions: []Extension{trackingExtension(w), formsExtension(w), campaignsExtension(w)}})
	cs, err := s.Campaigns(ctx)
	if err != nil || len(cs) < 4 || len(cs) > 6 {
		t.Fatalf("%d campaigns, %v", len(cs), err)
	}
	kinds := map[crm.CampaignKind]bool{}
	for _, c := range cs {
		kinds[c.Kind] = true
		if err := c.Validate(); err != nil {
			t.Errorf("%s: %v", c.Name, err)
		}
		ns, err := s.CampaignNumbers(ctx, c)
		if err != nil {
			t.Fatal(err)
		}
		n := ns[0]
		if c.Budget <= 0 || n.Cost <= 0 {
			t.Errorf("%s: budget %d, cost %d", c.Tag, c.Budget, n.Cost)
		}
		if n.Leads == 0 {
			t.Errorf("%s: no leads (%+v)", c.Tag, n)
		}
		if c.Kind == crm.CampaignWeb && n.Visits == 0 {
			t.Errorf("%s: no tracked visits carry the tag", c.Tag)
		}
		links, err := s.CampaignLinks(ctx, c.ID, 10)
		if err != nil || len(links) == 0 {
			t.Errorf("%s: links %v %v", c.Tag, links, err)
		}
	}
	for _, k := range []crm.CampaignKind{crm.CampaignWeb, crm.CampaignEmail, crm.CampaignEvent, crm.CampaignSocial} {
		if !kinds[k] {
			t.Errorf("no %s campaign", k)
		}
	}
	var tagged int
	if err := s.DB().QueryRowContext(ctx, `SELECT COUNT(*) FROM form_submissions WHERE utm_campaign IN (SELECT utm_campaign FROM campaigns)`).Scan(&tagged); err != nil || tagged == 0 {
		t.Errorf("%d form submissions carry a campaign's tag (%v)", tagged, err)
	}
}
