package gen

import (
	"context"
	"fmt"
	"time"

	"renkei/internal/crm"
	"renkei/internal/store"
)

// campaignsExtension adds the campaigns of the story (issue 9 §3): the
// brand and generic search ads and the newsletter whose UTM tags the
// tracked visits and form submissions carry (genCampaigns, genUTM), the
// webinar promotion with the people its webinars brought in, and the two
// latest trade shows (展示会) with their visitors, each with a budget,
// monthly or one-off costs and a few UTM links. It draws no random
// numbers.
func campaignsExtension(w *World) Extension { return &campaigns{w: w, byEvent: map[int]int64{}} }

type campaigns struct {
	w                              *World
	camps, costs, assets, att, lnk *store.BulkTable
	defs                           []demoCampaign
	byEvent                        map[int]int64 // World.Events index → campaign id
	costID, linkID                 int64
	owner                          int64
	written                        bool // the campaign rows
}

// demoCampaign is one campaign of the story.
type demoCampaign struct {
	id             int64
	ja, en         string
	kind           crm.CampaignKind
	status         crm.CampaignStatus
	tag            string
	start, end     time.Time // end zero = open
	budget         int64
	goalJA, goalEN string
	goalLeads      int
	// costs: one per month from start (monthly > 0) or the one-off items.
	monthly  int64
	channel  string
	oneOff   []demoCost
	assets   [][2]any // asset type, id
	source   [2]string
	landings []string
}

type demoCost struct {
	days            int // after start
	amount          int64
	ja, en, channel string
}

func (x *campaigns) Tables(ctx context.Context, b *store.Bulk) (err error) {
	if x.camps, err = b.Table(ctx, "campaigns", "id", "name", "kind", "status", "starts_on", "ends_on", "budget", "goal",
		"goal_leads", "owner_id", "utm_campaign", "created_by", "created_at", "updated_at"); err != nil {
		return err
	}
	if x.costs, err = b.Table(ctx, "campaign_costs", "id", "campaign_id", "spent_on", "amount", "channel", "note",
		"created_by", "created_at"); err != nil {
		return err
	}
	if x.assets, err = b.Table(ctx, "campaign_assets", "campaign_id", "asset_type", "asset_id", "created_at"); err != nil {
		return err
	}
	if x.att, err = b.Table(ctx, "campaign_attendees", "campaign_id", "contact_id", "attended_at", "created_at"); err != nil {
		return err
	}
	if x.lnk, err = b.Table(ctx, "campaign_links", "id", "campaign_id", "url", "landing", "utm_source", "utm_medium",
		"utm_campaign", "utm_term", "utm_content", "created_by", "created_at"); err != nil {
		return err
	}
	x.plan()
	return nil
}

// plan decides the campaigns from the world's dates and events.
func (x *campaigns) plan() {
	w := x.w
	day := 24 * time.Hour
	start := w.local(w.start).Truncate(day)
	site := "https://www." + w.Domain
	x.defs = []demoCampaign{
		{id: 1, ja: "ブランド検索広告", en: "Brand search ads", kind: crm.CampaignWeb, status: crm.CampaignActive, tag: "brand_search",
			start: start, budget: 2_400_000, goalJA: "社名・製品名で検索した人を資料請求に誘導する", goalEN: "Turn searches for our name into guide downloads",
			goalLeads: 300, monthly: 180_000, channel: "google / cpc", source: [2]string{"google", "cpc"},
			landings: []string{site + "/", site + "/pricing"}},
		{id: 2, ja: "一般キーワード広告（Yahoo!）", en: "Generic search ads (Yahoo!)", kind: crm.CampaignWeb, status: crm.CampaignActive,
			tag: "generic_search", start: w.local(w.now.AddDate(0, -6, 0)).Truncate(day), budget: 600_000,
			goalJA: "営業支援ツールを探している人に知ってもらう", goalEN: "Reach people looking for sales tools", goalLeads: 80,
			monthly: 90_000, channel: "yahoo / cpc", source: [2]string{"yahoo", "cpc"}, landings: []string{site + "/features"}},
		{id: 3, ja: "月刊ニュースレター", en: "Monthly newsletter", kind: crm.CampaignEmail, status: crm.CampaignActive, tag: "monthly_news",
			start: start, budget: 360_000, goalJA: "既存リードの育成（ナーチャリング）", goalEN: "Nurture the leads we have", goalLeads: 0,
			monthly: 25_000, channel: "newsletter / email", assets: [][2]any{{crm.AssetBroadcast, int64(1)}, {crm.AssetForm, int64(4)}},
			source: [2]string{"newsletter", "email"}, landings: []string{site + "/news"}},
		{id: 4, ja: "ウェビナー集客（SNS広告）", en: "Webinar promotion (social ads)", kind: crm.CampaignSocial, status: crm.CampaignActive,
			tag: "spring_webinar", start: start, budget: 900_000,
			goalJA: "SNS広告で月例ウェビナーの参加者を集める", goalEN: "Fill the monthly webinars through social ads", goalLeads: 240,
			monthly: 65_000, channel: "linkedin / social", assets: [][2]any{{crm.AssetForm, int64(3)}, {crm.AssetBroadcast, int64(2)}},
			source: [2]string{"linkedin", "social"}, landings: []string{site + "/webinar"}},
	}
	for i, e := range w.Events {
		if e.Kind == "webinar" {
			x.byEvent[i] = 4
		}
	}
	// The two latest trade shows that have happened.
	var shows []int
	for i := len(w.Events) - 1; i >= 0 && len(shows) < 2; i-- {
		if e := w.Events[i]; e.Kind == "tradeshow" && e.At.Before(w.now) {
			shows = append(shows, i)
		}
	}
	for k := len(shows) - 1; k >= 0; k-- {
		i := shows[k]
		e := w.Events[i]
		id := int64(len(x.defs) + 1)
		at := w.local(e.At).Truncate(day)
		x.byEvent[i] = id
		x.defs = append(x.defs, demoCampaign{id: id, ja: e.Name, en: e.Name, kind: crm.CampaignEvent, status: crm.CampaignFinished,
			tag: fmt.Sprintf("expo-%s", at.Format("2006-01")), start: at, end: at.Add(2 * day), budget: 1_500_000,
			goalJA: "ブースで名刺を集め、商談につなげる", goalEN: "Collect business cards at the booth and turn them into deals", goalLeads: 150,
			oneOff: []demoCost{{-30, 900_000, "出展料（小間代）", "Booth fee", "expo / booth"}, {-10, 180_000, "パンフレット印刷", "Brochure print run", "expo / print"},
				{0, 95_000, "ノベルティ", "Giveaways", "expo / booth"}, {7, 60_000, "お礼メール配信", "Thank-you mail", "newsletter / email"}},
			source: [2]string{"expo", "qr"}, landings: []string{site + "/expo"}})
	}
}

func (x *campaigns) Company(ctx context.Context, co *Company, people []Person) error {
	// The campaigns go first: the attendees refer to them.
	if !x.written {
		if err := x.writeCampaigns(ctx); err != nil {
			return err
		}
	}
	for _, p := range people {
		id, ok := x.byEvent[p.Event]
		if p.Event < 0 || !ok {
			continue
		}
		at := x.w.Events[p.Event].At
		if at.After(x.w.now) {
			continue
		}
		if err := x.att.Add(ctx, id, p.ID, at.UnixMilli(), at.Add(48*time.Hour).UnixMilli()); err != nil {
			return err
		}
	}
	return nil
}

// writeCampaigns writes the campaign rows, owned by the first marketer
// (the users are bound once the companies come).
func (x *campaigns) writeCampaigns(ctx context.Context) error {
	w := x.w
	x.written = true
	for _, u := range w.Users {
		if u.Role == crm.RoleMarketing {
			x.owner = u.ID
			break
		}
	}
	if x.owner == 0 && len(w.Users) > 0 {
		x.owner = w.Users[0].ID
	}
	for _, d := range x.defs {
		name, goal := d.en, d.goalEN
		if w.ja() {
			name, goal = d.ja, d.goalJA
		}
		created := d.start.Add(-14 * 24 * time.Hour)
		end := ""
		if !d.end.IsZero() {
			end = d.end.Format(time.DateOnly)
		}
		if err := x.camps.Add(ctx, d.id, name, string(d.kind), string(d.status), d.start.Format(time.DateOnly), end, d.budget,
			goal, d.goalLeads, x.owner, d.tag, x.owner, created.UnixMilli(), created.UnixMilli()); err != nil {
			return err
		}
	}
	return nil
}

// Done writes the campaigns' costs, assets and links.
func (x *campaigns) Done(ctx context.Context) error {
	w := x.w
	if !x.written {
		if err := x.writeCampaigns(ctx); err != nil {
			return err
		}
	}
	now := w.local(w.now)
	for _, d := range x.defs {
		created := d.start.Add(-14 * 24 * time.Hour)
		if d.monthly > 0 {
			for m := d.start; !m.After(now); m = m.AddDate(0, 1, 0) {
				// A little variation by month, without random numbers.
				amount := d.monthly - d.monthly/10 + d.monthly*int64((m.Month()*7)%5)/20
				note := map[bool]string{true: m.Format("2006年1月") + "分", false: m.Format("January 2006")}[w.ja()]
				if err := x.cost(ctx, d.id, m, amount, d.channel, note); err != nil {
					return err
				}
			}
		}
		for _, c := range d.oneOff {
			note := c.en
			if w.ja() {
				note = c.ja
			}
			if err := x.cost(ctx, d.id, d.start.AddDate(0, 0, c.days), c.amount, c.channel, note); err != nil {
				return err
			}
		}
		for _, a := range d.assets {
			if err := x.assets.Add(ctx, d.id, string(a[0].(crm.AssetType)), a[1].(int64), created.UnixMilli()); err != nil {
				return err
			}
		}
		for i, landing := range d.landings {
			l := crm.UTMLink{Landing: landing, Source: d.source[0], Medium: d.source[1], Campaign: d.tag,
				Content: fmt.Sprintf("link-%d", i+1)}
			u, err := l.Build()
			if err != nil {
				return err
			}
			x.linkID++
			if err := x.lnk.Add(ctx, x.linkID, d.id, u, l.Landing, l.Source, l.Medium, l.Campaign, "", l.Content, x.owner,
				created.Add(time.Hour).UnixMilli()); err != nil {
				return err
			}
		}
	}
	return nil
}

func (x *campaigns) cost(ctx context.Context, campaign int64, on time.Time, amount int64, channel, note string) error {
	if on.After(x.w.local(x.w.now)) {
		return nil
	}
	x.costID++
	return x.costs.Add(ctx, x.costID, campaign, on.Format(time.DateOnly), amount, channel, note, x.owner,
		on.Add(10*time.Hour).UnixMilli())
}
