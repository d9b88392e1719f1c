package app

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"sort"
	"strings"
	"time"

	"renkei/internal/crm"
	"renkei/internal/store"
)

// Campaigns (広告宣伝, ブランディング), the UTM link builder, per-campaign
// numbers and attribution (issue 9 §3, §4). docs/campaigns.md says the
// same for people.
//
// Per campaign (lifetime, not a period):
//   - visits: page views whose utm_campaign is the campaign's tag (the
//     awareness rollups);
//   - leads: contacts whose first touch or a form submission carried the
//     tag, who submitted one of its forms, attended its event or clicked one
//     of its e-mails;
//   - MQLs: those leads that were handed to sales (a hand-off exists);
//   - deals: deals whose primary contact is one of the leads; won revenue:
//     Σ amount of those won, converted at the won day's rate;
//   - cost: Σ cost entries; cost per lead = cost ÷ leads; cost per MQL =
//     cost ÷ MQLs; ROI = (won revenue − cost) ÷ cost. A division by zero has
//     no value (the page shows —).

// Campaigns lists every campaign.
func (a *App) Campaigns(ctx context.Context, ac Actor) ([]crm.Campaign, error) {
	if err := ac.require(crm.PermReadAll); err != nil {
		return nil, err
	}
	return a.Store.Campaigns(ctx)
}

// Campaign reads one campaign.
func (a *App) Campaign(ctx context.Context, ac Actor, id int64) (crm.Campaign, error) {
	if err := ac.require(crm.PermReadAll); err != nil {
		return crm.Campaign{}, err
	}
	return a.Store.Campaign(ctx, id)
}

// checkCampaign validates a campaign's fields and its owner.
func (a *App) checkCampaign(ctx context.Context, c *crm.Campaign) error {
	c.Normalize()
	v := &crm.ValidationError{}
	if err := c.Validate(); err != nil {
		v, _ = crm.AsValidation(err)
	}
	if c.OwnerID != 0 {
		u, err := a.Store.User(ctx, c.OwnerID)
		if errors.Is(err, crm.ErrNotFound) || (err == nil && u.Status != crm.UserActive) {
			v.Add("owner_id", "choose an active user")
		} else if err != nil {
			return err
		}
	}
	return v.Err()
}

func campaignLabel(c crm.Campaign) string { return fmt.Sprintf("%d %s", c.ID, c.Name) }

// tagTaken turns a unique violation on the tag into a field message.
func tagTaken(err error) error {
	if errors.Is(err, crm.ErrConflict) {
		return crm.Invalid("tag", "another campaign uses this tag")
	}
	return err
}

// CreateCampaign saves a new campaign.
func (a *App) CreateCampaign(ctx context.Context, ac Actor, c crm.Campaign) (crm.Campaign, error) {
	if err := ac.require(crm.PermWriteMarketing); err != nil {
		return c, err
	}
	c.CreatedBy = ac.User.ID
	if err := a.checkCampaign(ctx, &c); err != nil {
		return c, err
	}
	err := a.Store.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.CreateCampaign(ctx, &c, a.now()); err != nil {
			return tagTaken(err)
		}
		return tx.Audit(ctx, a.audit(ac, "campaign.create", campaignLabel(c), c.Tag))
	})
	return c, err
}

// UpdateCampaign changes a campaign when c.Version is current.
func (a *App) UpdateCampaign(ctx context.Context, ac Actor, c crm.Campaign) (crm.Campaign, error) {
	if err := ac.require(crm.PermWriteMarketing); err != nil {
		return c, err
	}
	if err := a.checkCampaign(ctx, &c); err != nil {
		return c, err
	}
	err := a.Store.InTx(ctx, func(tx *store.Tx) error {
		old, err := tx.Campaign(ctx, c.ID)
		if err != nil {
			return err
		}
		c.CreatedBy, c.CreatedAt = old.CreatedBy, old.CreatedAt
		if err := tx.UpdateCampaign(ctx, &c, a.now()); err != nil {
			return tagTaken(err)
		}
		return tx.Audit(ctx, a.audit(ac, "campaign.update", campaignLabel(c), ""))
	})
	return c, err
}

// DeleteCampaign removes a campaign, its asset links, attendees, costs and
// links.
func (a *App) DeleteCampaign(ctx context.Context, ac Actor, id int64) error {
	if err := ac.require(crm.PermWriteMarketing); err != nil {
		return err
	}
	return a.Store.InTx(ctx, func(tx *store.Tx) error {
		c, err := tx.Campaign(ctx, id)
		if err != nil {
			return err
		}
		if err := tx.DeleteCampaign(ctx, id); err != nil {
			return err
		}
		return tx.Audit(ctx, a.audit(ac, "campaign.delete", campaignLabel(c), ""))
	})
}

// CampaignAssets lists a campaign's forms, broadcasts and sequences.
func (a *App) CampaignAssets(ctx context.Context, ac Actor, id int64) ([]store.CampaignAsset, error) {
	if err := ac.require(crm.PermReadAll); err != nil {
		return nil, err
	}
	if _, err := a.Store.Campaign(ctx, id); err != nil {
		return nil, err
	}
	return a.Store.CampaignAssets(ctx, id)
}

// AddCampaignAsset links a form, a broadcast or a sequence to a campaign.
func (a *App) AddCampaignAsset(ctx context.Context, ac Actor, id int64, t crm.AssetType, assetID int64) error {
	if err := ac.require(crm.PermWriteMarketing); err != nil {
		return err
	}
	v := &crm.ValidationError{}
	switch t {
	case crm.AssetForm:
		if _, err := a.Store.Form(ctx, assetID); errors.Is(err, crm.ErrNotFound) {
			v.Add("asset_id", "is not a form")
		} else if err != nil {
			return err
		}
	case crm.AssetBroadcast:
		if _, err := a.Store.Broadcast(ctx, assetID); errors.Is(err, crm.ErrNotFound) {
			v.Add("asset_id", "is not a broadcast")
		} else if err != nil {
			return err
		}
	case crm.AssetSequence:
		if _, err := a.Store.Sequence(ctx, assetID); errors.Is(err, crm.ErrNotFound) {
			v.Add("asset_id", "is not a sequence")
		} else if err != nil {
			return err
		}
	default:
		v.Add("asset_type", "choose form, broadcast or sequence")
	}
	if err := v.Err(); err != nil {
		return err
	}
	return a.Store.InTx(ctx, func(tx *store.Tx) error {
		c, err := tx.Campaign(ctx, id)
		if err != nil {
			return err
		}
		if err := tx.AddCampaignAsset(ctx, id, t, assetID, a.now()); err != nil {
			return err
		}
		return tx.Audit(ctx, a.audit(ac, "campaign.asset_add", campaignLabel(c), fmt.Sprintf("%s %d", t, assetID)))
	})
}

// RemoveCampaignAsset unlinks an asset.
func (a *App) RemoveCampaignAsset(ctx context.Context, ac Actor, id int64, t crm.AssetType, assetID int64) error {
	if err := ac.require(crm.PermWriteMarketing); err != nil {
		return err
	}
	return a.Store.InTx(ctx, func(tx *store.Tx) error {
		c, err := tx.Campaign(ctx, id)
		if err != nil {
			return err
		}
		if err := tx.RemoveCampaignAsset(ctx, id, t, assetID); err != nil {
			return err
		}
		return tx.Audit(ctx, a.audit(ac, "campaign.asset_remove", campaignLabel(c), fmt.Sprintf("%s %d", t, assetID)))
	})
}

// CampaignAttendees returns up to limit attendees of a campaign's event and
// their number.
func (a *App) CampaignAttendees(ctx context.Context, ac Actor, id int64, limit int) ([]store.Attendee, int, error) {
	if err := ac.require(crm.PermReadAll); err != nil {
		return nil, 0, err
	}
	return a.Store.CampaignAttendees(ctx, id, limit)
}

// MaxAttendeesAtOnce bounds one list of attendees (a trade show's scans).
const MaxAttendeesAtOnce = 10000

// ParseAttendeeList reads e-mail addresses from text typed by hand (one
// per line, or separated by commas, semicolons or spaces) or from a CSV
// file's cells: every cell with an @ is an address. Duplicates are dropped.
func ParseAttendeeList(text string) []string {
	var out []string
	seen := map[string]bool{}
	for _, f := range strings.FieldsFunc(text, func(r rune) bool {
		return r == '\n' || r == '\r' || r == ',' || r == ';' || r == '\t' || r == ' ' || r == '"' || r == '\uFEFF'
	}) {
		if !strings.Contains(f, "@") {
			continue
		}
		e := crm.NormalizeEmail(f)
		if !seen[e] {
			seen[e] = true
			out = append(out, e)
		}
	}
	return out
}

// AddAttendees puts the contacts with the given e-mail addresses on a
// campaign's attendee list, as attending at `at` (zero: the campaign's
// start date, or now). Bad input writes nothing: an address that is not
// an address, or that no contact (you may see) has, is reported in the
// field "emails". It returns how many were added and how many were on the
// list already.
func (a *App) AddAttendees(ctx context.Context, ac Actor, id int64, emails []string, at time.Time) (added, already int, err error) {
	if err := ac.require(crm.PermWriteMarketing); err != nil {
		return 0, 0, err
	}
	c, err := a.Store.Campaign(ctx, id)
	if err != nil {
		return 0, 0, err
	}
	if len(emails) == 0 {
		return 0, 0, crm.Invalid("emails", "enter at least one e-mail address of a contact")
	}
	if len(emails) > MaxAttendeesAtOnce {
		return 0, 0, crm.Invalid("emails", "add at most 10000 attendees at once")
	}
	var bad, unknown []string
	ids := make([]int64, 0, len(emails))
	for _, e := range emails {
		if !crm.ValidEmail(e) {
			bad = append(bad, e)
			continue
		}
		ct, err := a.Store.ContactByEmail(ctx, e)
		if errors.Is(err, crm.ErrNotFound) {
			unknown = append(unknown, e)
			continue
		} else if err != nil {
			return 0, 0, err
		}
		if err := a.canSeeContact(ctx, ac, ct); errors.Is(err, crm.ErrNotFound) {
			unknown = append(unknown, e)
			continue
		} else if err != nil {
			return 0, 0, err
		}
		ids = append(ids, ct.ID)
	}
	short := func(xs []string) string {
		if len(xs) > 5 {
			return strings.Join(xs[:5], ", ") + fmt.Sprintf(" (+%d)", len(xs)-5)
		}
		return strings.Join(xs, ", ")
	}
	switch {
	case len(bad) > 0:
		return 0, 0, crm.Invalid("emails", "these are not e-mail addresses: "+short(bad))
	case len(unknown) > 0:
		return 0, 0, crm.Invalid("emails", "no contact has these addresses (import them as contacts first): "+short(unknown))
	}
	if at.IsZero() {
		at = a.now()
		if c.StartsOn != "" {
			ws, _, err := a.Workspace(ctx)
			if err != nil {
				return 0, 0, err
			}
			if t, err := time.ParseInLocation(time.DateOnly, c.StartsOn, ws.Location()); err == nil && t.Before(at) {
				at = t.UTC()
			}
		}
	}
	err = a.Store.InTx(ctx, func(tx *store.Tx) error {
		for _, cid := range ids {
			ok, err := tx.AddCampaignAttendee(ctx, id, cid, at, a.now())
			if err != nil {
				return err
			}
			if ok {
				added++
			} else {
				already++
			}
		}
		return tx.Audit(ctx, a.audit(ac, "campaign.attendees_add", campaignLabel(c), fmt.Sprintf("%d added", added)))
	})
	if err != nil {
		return 0, 0, err
	}
	return added, already, nil
}

// RemoveAttendee takes a contact off a campaign's attendee list.
func (a *App) RemoveAttendee(ctx context.Context, ac Actor, id, contactID int64) error {
	if err := ac.require(crm.PermWriteMarketing); err != nil {
		return err
	}
	return a.Store.InTx(ctx, func(tx *store.Tx) error {
		c, err := tx.Campaign(ctx, id)
		if err != nil {
			return err
		}
		if err := tx.RemoveCampaignAttendee(ctx, id, contactID); err != nil {
			return err
		}
		return tx.Audit(ctx, a.audit(ac, "campaign.attendee_remove", campaignLabel(c), fmt.Sprint(contactID)))
	})
}

// CampaignCosts lists the cost entries of a campaign (0: of all).
func (a *App) CampaignCosts(ctx context.Context, ac Actor, campaignID int64) ([]crm.CampaignCost, error) {
	if err := ac.require(crm.PermReadAll); err != nil {
		return nil, err
	}
	return a.Store.CampaignCosts(ctx, campaignID)
}

// CampaignCost reads one cost entry.
func (a *App) CampaignCost(ctx context.Context, ac Actor, id int64) (crm.CampaignCost, error) {
	if err := ac.require(crm.PermReadAll); err != nil {
		return crm.CampaignCost{}, err
	}
	return a.Store.CampaignCost(ctx, id)
}

// AddCampaignCost records an actual cost of a campaign.
func (a *App) AddCampaignCost(ctx context.Context, ac Actor, c crm.CampaignCost) (crm.CampaignCost, error) {
	if err := ac.require(crm.PermWriteMarketing); err != nil {
		return c, err
	}
	c.Normalize()
	c.CreatedBy = ac.User.ID
	v := &crm.ValidationError{}
	if err := c.Validate(); err != nil {
		v, _ = crm.AsValidation(err)
	}
	if c.CampaignID <= 0 {
		v.Add("campaign_id", "choose a campaign")
	}
	if err := v.Err(); err != nil {
		return c, err
	}
	err := a.Store.InTx(ctx, func(tx *store.Tx) error {
		camp, err := tx.Campaign(ctx, c.CampaignID)
		if errors.Is(err, crm.ErrNotFound) {
			return crm.Invalid("campaign_id", "is not a campaign")
		} else if err != nil {
			return err
		}
		if err := tx.CreateCampaignCost(ctx, &c, a.now()); err != nil {
			return err
		}
		return tx.Audit(ctx, a.audit(ac, "campaign.cost_add", campaignLabel(camp), fmt.Sprintf("%s %d", c.SpentOn, c.Amount)))
	})
	return c, err
}

// DeleteCampaignCost removes a cost entry.
func (a *App) DeleteCampaignCost(ctx context.Context, ac Actor, id int64) error {
	if err := ac.require(crm.PermWriteMarketing); err != nil {
		return err
	}
	c, err := a.Store.CampaignCost(ctx, id)
	if err != nil {
		return err
	}
	return a.Store.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.DeleteCampaignCost(ctx, id); err != nil {
			return err
		}
		return tx.Audit(ctx, a.audit(ac, "campaign.cost_delete", fmt.Sprint(c.CampaignID), fmt.Sprintf("%s %d", c.SpentOn, c.Amount)))
	})
}

// BuildLink builds a UTM link (crm.UTMLink.Build). With keep, the link is
// saved (with the campaign when campaignID > 0), which needs the right to
// write marketing objects; without, anyone signed in may preview.
func (a *App) BuildLink(ctx context.Context, ac Actor, campaignID int64, l crm.UTMLink, keep bool) (store.CampaignLink, error) {
	perm := crm.PermReadAll
	if keep {
		perm = crm.PermWriteMarketing
	}
	if err := ac.require(perm); err != nil {
		return store.CampaignLink{}, err
	}
	l.Normalize()
	out := store.CampaignLink{CampaignID: campaignID, UTMLink: l, CreatedBy: ac.User.ID}
	if campaignID > 0 {
		if _, err := a.Store.Campaign(ctx, campaignID); errors.Is(err, crm.ErrNotFound) {
			return out, crm.Invalid("campaign_id", "is not a campaign")
		} else if err != nil {
			return out, err
		}
	}
	u, err := l.Build()
	if err != nil {
		return out, err
	}
	out.URL = u
	if !keep {
		return out, nil
	}
	err = a.Store.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.CreateCampaignLink(ctx, &out, a.now()); err != nil {
			return err
		}
		return tx.Audit(ctx, a.audit(ac, "campaign.link_create", fmt.Sprint(campaignID), u))
	})
	return out, err
}

// CampaignLinks lists the links built for a campaign (0: the latest of all).
func (a *App) CampaignLinks(ctx context.Context, ac Actor, campaignID int64, limit int) ([]store.CampaignLink, error) {
	if err := ac.require(crm.PermReadAll); err != nil {
		return nil, err
	}
	return a.Store.CampaignLinks(ctx, campaignID, limit)
}

// CampaignNumbers are a campaign's results (see the definitions above).
// Amounts are minor units of Base.
type CampaignNumbers struct {
	Visits     int64
	Leads      int
	MQLs       int
	Deals      int
	WonDeals   int
	WonRevenue int64
	Cost       int64
	Budget     int64
	Base       string
	// LeftOut counts won deals left out of WonRevenue: their currency has
	// no exchange rate.
	LeftOut int
}

// perHead is cost ÷ n rounded to the nearest minor unit; ok is false when
// n is 0.
func perHead(cost int64, n int) (int64, bool) {
	if n <= 0 {
		return 0, false
	}
	return (cost + int64(n)/2) / int64(n), true
}

// CostPerLead is cost ÷ leads.
func (n CampaignNumbers) CostPerLead() (int64, bool) { return perHead(n.Cost, n.Leads) }

// CostPerMQL is cost ÷ MQLs.
func (n CampaignNumbers) CostPerMQL() (int64, bool) { return perHead(n.Cost, n.MQLs) }

// ROI is (won revenue − cost) ÷ cost; ok is false without costs.
func (n CampaignNumbers) ROI() (float64, bool) {
	if n.Cost <= 0 {
		return 0, false
	}
	return float64(n.WonRevenue-n.Cost) / float64(n.Cost), true
}

// CampaignNumbers computes a campaign's numbers.
func (a *App) CampaignNumbers(ctx context.Context, ac Actor, c crm.Campaign) (CampaignNumbers, error) {
	ns, err := a.CampaignNumbersOf(ctx, ac, []crm.Campaign{c})
	if err != nil {
		return CampaignNumbers{}, err
	}
	return ns[0], nil
}

// CampaignNumbersOf computes the numbers of several campaigns at once (a
// list, a dashboard), in their order.
func (a *App) CampaignNumbersOf(ctx context.Context, ac Actor, cs []crm.Campaign) ([]CampaignNumbers, error) {
	if err := ac.require(crm.PermReadAll); err != nil {
		return nil, err
	}
	conv, err := a.Converter(ctx)
	if err != nil {
		return nil, err
	}
	raws, err := a.Store.CampaignNumbers(ctx, cs...)
	if err != nil {
		return nil, err
	}
	out := make([]CampaignNumbers, len(cs))
	for i, raw := range raws {
		n := CampaignNumbers{Visits: raw.Visits, Leads: raw.Leads, MQLs: raw.MQLs, Deals: raw.Deals, Cost: raw.Cost,
			Budget: cs[i].Budget, Base: conv.Base, WonDeals: len(raw.Won)}
		for _, w := range raw.Won {
			v, ok := conv.ToBase(w.Amount, w.Currency, w.WonAt)
			if !ok {
				n.LeftOut++
				continue
			}
			n.WonRevenue += v
		}
		out[i] = n
	}
	return out, nil
}

// ---- attribution ----

// AttributionRow is the revenue one campaign or channel earned.
type AttributionRow struct {
	Key        string // campaign id ("0" = touches without a campaign) or the channel
	CampaignID int64
	Name       string // the campaign's name or the channel
	Revenue    int64
	Deals      int // deals that gave this row a share above 0
	Touches    int // touches credited (share above 0 or not) before the won dates
}

// AttributionReport shares the revenue of the deals won in [From, To)
// among campaigns and channels by one model (DESIGN.md §7).
type AttributionReport struct {
	Model    crm.AttributionModel
	From, To time.Time
	Base     string
	Deals    int   // won deals counted
	Revenue  int64 // their revenue in the base currency
	// Unattributed is the revenue of won deals whose primary contact had no
	// touch before the won date (or that have no primary contact).
	Unattributed      int64
	UnattributedDeals int
	ByCampaign        []AttributionRow // revenue first
	ByChannel         []AttributionRow
	// LeftOut counts won deals left out: their currency has no rate.
	LeftOut    int
	Currencies []string
}

// channelOf groups a touch by source / medium, as web analytics does:
// "google / cpc"; without UTM parameters the referring host ("t.co /
// referral"); without either "(direct) / (none)".
func channelOf(source, medium, refHost string) string {
	source, medium = strings.ToLower(strings.TrimSpace(source)), strings.ToLower(strings.TrimSpace(medium))
	switch {
	case source != "" || medium != "":
		if source == "" {
			source = "(none)"
		}
		if medium == "" {
			medium = "(none)"
		}
		return source + " / " + medium
	case refHost != "":
		return strings.ToLower(refHost) + " / referral"
	}
	return "(direct) / (none)"
}

// touchMapper gives raw touches their campaign and channel.
type touchMapper struct {
	byTag       map[string]int64
	byForm      map[int64]int64
	byBroadcast map[int64]int64
	bySequence  map[int64]int64
}

func (a *App) touchMapper(ctx context.Context) (*touchMapper, map[int64]string, error) {
	cs, err := a.Store.Campaigns(ctx)
	if err != nil {
		return nil, nil, err
	}
	m := &touchMapper{byTag: map[string]int64{}, byForm: map[int64]int64{}, byBroadcast: map[int64]int64{}, bySequence: map[int64]int64{}}
	names := map[int64]string{}
	for _, c := range cs {
		m.byTag[c.Tag] = c.ID
		names[c.ID] = c.Name
	}
	as, err := a.Store.CampaignAssets(ctx, 0)
	if err != nil {
		return nil, nil, err
	}
	for _, x := range as { // ordered by type and id; the first campaign wins
		switch x.Type {
		case crm.AssetForm:
			if _, ok := m.byForm[x.ID]; !ok {
				m.byForm[x.ID] = x.CampaignID
			}
		case crm.AssetBroadcast:
			if _, ok := m.byBroadcast[x.ID]; !ok {
				m.byBroadcast[x.ID] = x.CampaignID
			}
		case crm.AssetSequence:
			if _, ok := m.bySequence[x.ID]; !ok {
				m.bySequence[x.ID] = x.CampaignID
			}
		}
	}
	return m, names, nil
}

// touch maps a raw touch: a visit's or submission's campaign is the one
// whose tag it carried (a submission without a tag: the campaign its form
// belongs to); an e-mail click's the campaign of its broadcast or sequence; an
// attendance's its campaign; sales activities belong to none.
func (m *touchMapper) touch(r store.RawTouch) crm.Touch {
	t := crm.Touch{At: r.At, Kind: r.Kind}
	switch r.Kind {
	case crm.TouchVisit:
		t.CampaignID = m.byTag[crm.NormalizeTag(r.Campaign)]
		ref := r.ReferrerHost
		if strings.EqualFold(ref, r.Host) {
			ref = ""
		}
		t.Channel = channelOf(r.Source, r.Medium, ref)
	case crm.TouchForm:
		t.CampaignID = m.byTag[crm.NormalizeTag(r.Campaign)]
		if t.CampaignID == 0 {
			t.CampaignID = m.byForm[r.FormID]
		}
		host := ""
		if u, err := url.Parse(r.ReferrerHost); err == nil { // form submissions keep the full referrer
			host = u.Hostname()
		}
		t.Channel = channelOf(r.Source, r.Medium, host)
	case crm.TouchEmail:
		switch r.SourceType {
		case SourceBroadcast:
			t.CampaignID = m.byBroadcast[r.EmailSource]
		case SourceSequence:
			t.CampaignID = m.bySequence[r.EmailSource]
		}
		t.Channel = "email / " + r.SourceType
	case crm.TouchEvent:
		t.CampaignID = r.CampaignID
		t.Channel = "event / offline"
	case crm.TouchActivity:
		t.Channel = "sales / " + r.ActivityKind
	}
	return t
}

// journeys builds the journey of each won deal the actor may see (its
// amount in the base currency). Deals whose currency has no rate are counted
// in leftOut.
func (a *App) journeys(ctx context.Context, ac Actor, from, to time.Time) (deals []store.JourneyDeal, js []crm.Journey, m *touchMapper,
	names map[int64]string, base string, leftOut []string, err error) {
	conv, err := a.Converter(ctx)
	if err != nil {
		return
	}
	base = conv.Base
	mode, err := a.visibility(ctx, "deals")
	if err != nil {
		return
	}
	viewer := ac.User.Viewer()
	all, err := a.Store.WonDealsBetween(ctx, from, to)
	if err != nil {
		return
	}
	var ids []int64
	for _, d := range all {
		if !viewer.CanSee(mode, d.OwnerID, d.TeamID) {
			continue
		}
		v, ok := conv.ToBase(d.Amount, d.Currency, d.WonAt)
		if !ok {
			leftOut = append(leftOut, d.Currency)
			continue
		}
		d.Amount = v
		deals = append(deals, d)
		if d.ContactID != 0 {
			ids = append(ids, d.ContactID)
		}
	}
	slices.Sort(ids)
	ids = slices.Compact(ids)
	touches, err := a.Store.Touches(ctx, ids)
	if err != nil {
		return
	}
	m, names, err = a.touchMapper(ctx)
	if err != nil {
		return
	}
	for _, d := range deals {
		j := crm.Journey{LeadAt: d.ContactCreatedAt, OpportunityAt: d.CreatedAt, WonAt: d.WonAt, Amount: d.Amount}
		for _, r := range touches[d.ContactID] {
			// The submission that created the contact is the lead creation,
			// even when it was written a moment after the contact.
			if r.Kind == crm.TouchForm && r.NewContact && r.At.After(j.LeadAt) && r.At.Sub(j.LeadAt) < time.Minute {
				j.LeadAt = r.At
			}
			j.Touches = append(j.Touches, m.touch(r))
		}
		js = append(js, j)
	}
	return
}

// AttributionReport attributes the revenue of the deals won in [from, to)
// by model. It counts the won deals the actor may see, as the closed-loop
// report and the owner dashboard do.
func (a *App) AttributionReport(ctx context.Context, ac Actor, model crm.AttributionModel, from, to time.Time) (AttributionReport, error) {
	if err := ac.require(crm.PermReadAll); err != nil {
		return AttributionReport{}, err
	}
	if !slices.Contains(crm.AttributionModels, model) {
		return AttributionReport{}, crm.Invalid("model", "choose first_touch, last_touch, linear or w_shaped")
	}
	if !from.Before(to) {
		return AttributionReport{}, crm.Invalid("to", "must be after from")
	}
	deals, js, _, names, base, leftOut, err := a.journeys(ctx, ac, from, to)
	if err != nil {
		return AttributionReport{}, err
	}
	rep := AttributionReport{Model: model, From: from, To: to, Base: base, Deals: len(deals), LeftOut: len(leftOut)}
	slices.Sort(leftOut)
	rep.Currencies = slices.Compact(leftOut)
	byCamp := map[int64]*AttributionRow{}
	byChan := map[string]*AttributionRow{}
	for _, j := range js {
		rep.Revenue += j.Amount
		credits := crm.Attribute(model, j)
		if len(credits) == 0 {
			rep.Unattributed += j.Amount
			rep.UnattributedDeals++
			continue
		}
		campDeal, chanDeal := map[int64]bool{}, map[string]bool{}
		for _, c := range credits {
			cr := byCamp[c.Touch.CampaignID]
			if cr == nil {
				cr = &AttributionRow{CampaignID: c.Touch.CampaignID, Key: fmt.Sprint(c.Touch.CampaignID), Name: names[c.Touch.CampaignID]}
				byCamp[c.Touch.CampaignID] = cr
			}
			ch := byChan[c.Touch.Channel]
			if ch == nil {
				ch = &AttributionRow{Key: c.Touch.Channel, Name: c.Touch.Channel}
				byChan[c.Touch.Channel] = ch
			}
			cr.Revenue += c.Amount
			ch.Revenue += c.Amount
			cr.Touches++
			ch.Touches++
			if c.Amount != 0 {
				campDeal[c.Touch.CampaignID] = true
				chanDeal[c.Touch.Channel] = true
			}
		}
		for id := range campDeal {
			byCamp[id].Deals++
		}
		for k := range chanDeal {
			byChan[k].Deals++
		}
	}
	for _, r := range byCamp {
		rep.ByCampaign = append(rep.ByCampaign, *r)
	}
	for _, r := range byChan {
		rep.ByChannel = append(rep.ByChannel, *r)
	}
	order := func(rs []AttributionRow) {
		sort.Slice(rs, func(i, j int) bool {
			if rs[i].Revenue != rs[j].Revenue {
				return rs[i].Revenue > rs[j].Revenue
			}
			return rs[i].Key < rs[j].Key
		})
	}
	order(rep.ByCampaign)
	order(rep.ByChannel)
	return rep, nil
}
