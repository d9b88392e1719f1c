package api

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"renkei/internal/app"
	"renkei/internal/crm"
	"renkei/internal/store"
)

// campaignsRoutes are the API endpoints of campaigns, their costs,
// attendees and UTM links, and the attribution report (issue 9 §3, §4).
func (s *server) campaignsRoutes() []route {
	dateParam := func(name, desc string) param {
		return param{name: name, desc: desc, schema: pattern(`^\d{4}-\d{2}-\d{2}$`, "")}
	}
	return []route{
		{method: http.MethodGet, path: "/campaigns", perm: crm.PermReadAll, id: "listCampaigns", tag: "campaigns",
			summary: "Every campaign with its numbers (visits, leads, MQLs, deals, won revenue, cost, cost per lead and per MQL, ROI)",
			status:  200, resp: "CampaignList", handle: s.listCampaigns},
		{method: http.MethodPost, path: "/campaigns", perm: crm.PermWriteMarketing, id: "createCampaign", tag: "campaigns",
			summary: "Create a campaign; the tag (utm_campaign) must be unique and is made from the name when left out",
			body:    "CampaignInput", status: 201, resp: "Campaign", location: true, handle: s.createCampaign},
		{method: http.MethodGet, path: "/campaigns/{id}", perm: crm.PermReadAll, id: "getCampaign", tag: "campaigns",
			summary: "One campaign with its numbers", status: 200, resp: "Campaign", handle: s.getCampaign},
		{method: http.MethodPatch, path: "/campaigns/{id}", perm: crm.PermWriteMarketing, id: "updateCampaign", tag: "campaigns",
			summary: "Change a campaign (the fields sent)", body: "CampaignPatch", ifMatch: true, status: 200, resp: "Campaign",
			handle: s.updateCampaign},
		{method: http.MethodDelete, path: "/campaigns/{id}", perm: crm.PermWriteMarketing, id: "deleteCampaign", tag: "campaigns",
			summary: "Delete a campaign with its costs, attendees and links (visits and submissions that carried its tag stay)",
			status:  204, handle: s.deleteCampaign},
		{method: http.MethodPost, path: "/campaigns/{id}/attendees", perm: crm.PermWriteMarketing, id: "addCampaignAttendees", tag: "campaigns",
			summary: "Put contacts on the campaign's event attendee list by e-mail address; an address no contact has is refused (422) and nothing is written",
			body:    "AttendeesInput", status: 200, resp: "AttendeesResult", handle: s.addAttendees},
		{method: http.MethodGet, path: "/campaigns/{id}/assets", perm: crm.PermReadAll, id: "listCampaignAssets", tag: "campaigns",
			summary: "The forms, broadcasts and sequences the campaign groups: their submissions and e-mail clicks count as its leads and touches",
			status:  200, resp: "CampaignAssetList", handle: s.listCampaignAssets},
		{method: http.MethodPost, path: "/campaigns/{id}/assets", perm: crm.PermWriteMarketing, id: "addCampaignAsset", tag: "campaigns",
			summary: "Link a form, a broadcast or a sequence to the campaign (linking one twice changes nothing); returns the campaign's assets",
			body:    "CampaignAssetInput", status: 200, resp: "CampaignAssetList", handle: s.addCampaignAsset},
		{method: http.MethodDelete, path: "/campaigns/{id}/assets/{type}/{asset_id}", perm: crm.PermWriteMarketing, id: "removeCampaignAsset", tag: "campaigns",
			summary: "Unlink an asset (404 when it was not linked)", status: 204, handle: s.removeCampaignAsset},
		{method: http.MethodPost, path: "/campaigns/{id}/links", perm: crm.PermWriteMarketing, id: "createCampaignLink", tag: "campaigns",
			summary: "Build a UTM link for the campaign and keep it (campaign defaults to the campaign's tag); only absolute http(s) landing pages",
			body:    "UTMLinkInput", status: 201, resp: "CampaignLink", handle: s.createLink},
		{method: http.MethodGet, path: "/campaign-costs", perm: crm.PermReadAll, id: "listCampaignCosts", tag: "campaigns",
			summary: "Cost entries, the latest first",
			query:   []param{{name: "campaign_id", desc: "Only this campaign's costs.", schema: idSchema("")}},
			status:  200, resp: "CampaignCostList", handle: s.listCampaignCosts},
		{method: http.MethodPost, path: "/campaign-costs", perm: crm.PermWriteMarketing, id: "createCampaignCost", tag: "campaigns",
			summary: "Record an actual cost of a campaign (an ad bill, a booth, a print run)",
			body:    "CampaignCostInput", status: 201, resp: "CampaignCost", location: true, handle: s.createCampaignCost},
		{method: http.MethodGet, path: "/campaign-costs/{id}", perm: crm.PermReadAll, id: "getCampaignCost", tag: "campaigns",
			summary: "One cost entry", status: 200, resp: "CampaignCost", handle: s.getCampaignCost},
		{method: http.MethodDelete, path: "/campaign-costs/{id}", perm: crm.PermWriteMarketing, id: "deleteCampaignCost", tag: "campaigns",
			summary: "Delete a cost entry", status: 204, handle: s.deleteCampaignCost},
		{method: http.MethodGet, path: "/reports/attribution", perm: crm.PermReadAll, id: "attributionReport", tag: "reports",
			summary: "Revenue of the deals won in [from, to) attributed to campaigns and to channels (source / medium) by one model: the numbers behind the report's chart",
			query: []param{
				{name: "model", desc: "first_touch, last_touch, linear or w_shaped (default).", schema: enumOf("first_touch", "last_touch", "linear", "w_shaped")},
				dateParam("from", "First day (workspace time zone); default: the current fiscal quarter's."),
				dateParam("to", "The day after the last; default: the end of the current fiscal quarter."),
			},
			status: 200, resp: "AttributionReport", handle: s.attributionReport},
	}
}

type campaignNumbersJSON struct {
	Visits      int64    `json:"visits"`
	Leads       int      `json:"leads"`
	MQLs        int      `json:"mqls"`
	Deals       int      `json:"deals"`
	WonDeals    int      `json:"won_deals"`
	WonRevenue  int64    `json:"won_revenue"`
	Cost        int64    `json:"cost"`
	CostPerLead *int64   `json:"cost_per_lead"`
	CostPerMQL  *int64   `json:"cost_per_mql"`
	ROI         *float64 `json:"roi"`
	Currency    string   `json:"currency"`
	LeftOut     int      `json:"left_out"`
}

type campaignJSON struct {
	ID        int64               `json:"id"`
	Name      string              `json:"name"`
	Kind      string              `json:"kind"`
	Status    string              `json:"status"`
	StartsOn  *string             `json:"starts_on"`
	EndsOn    *string             `json:"ends_on"`
	Budget    int64               `json:"budget"`
	Goal      string              `json:"goal"`
	GoalLeads int                 `json:"goal_leads"`
	OwnerID   *int64              `json:"owner_id"`
	Tag       string              `json:"tag"`
	Numbers   campaignNumbersJSON `json:"numbers"`
	CreatedAt time.Time           `json:"created_at"`
	UpdatedAt time.Time           `json:"updated_at"`
	Version   int64               `json:"version"`
}

func (c campaignJSON) etag() int64 { return c.Version }

func optDate(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func (s *server) toCampaign(r *http.Request, ac app.Actor, c crm.Campaign) (campaignJSON, error) {
	n, err := s.app.CampaignNumbers(r.Context(), ac, c)
	if err != nil {
		return campaignJSON{}, err
	}
	return campaignOut(c, n), nil
}

func campaignOut(c crm.Campaign, n app.CampaignNumbers) campaignJSON {
	out := campaignJSON{ID: c.ID, Name: c.Name, Kind: string(c.Kind), Status: string(c.Status), StartsOn: optDate(c.StartsOn),
		EndsOn: optDate(c.EndsOn), Budget: c.Budget, Goal: c.Goal, GoalLeads: c.GoalLeads, OwnerID: optID(c.OwnerID), Tag: c.Tag,
		CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt, Version: c.Version,
		Numbers: campaignNumbersJSON{Visits: n.Visits, Leads: n.Leads, MQLs: n.MQLs, Deals: n.Deals, WonDeals: n.WonDeals,
			WonRevenue: n.WonRevenue, Cost: n.Cost, Currency: n.Base, LeftOut: n.LeftOut}}
	if v, ok := n.CostPerLead(); ok {
		out.Numbers.CostPerLead = &v
	}
	if v, ok := n.CostPerMQL(); ok {
		out.Numbers.CostPerMQL = &v
	}
	if v, ok := n.ROI(); ok {
		out.Numbers.ROI = &v
	}
	return out
}

type campaignInput struct {
	Name      *string `json:"name"`
	Kind      *string `json:"kind"`
	Status    *string `json:"status"`
	StartsOn  *string `json:"starts_on"`
	EndsOn    *string `json:"ends_on"`
	Budget    *int64  `json:"budget"`
	Goal      *string `json:"goal"`
	GoalLeads *int    `json:"goal_leads"`
	OwnerID   *int64  `json:"owner_id"`
	Tag       *string `json:"tag"`
}

// apply writes the fields sent onto c.
func (in campaignInput) apply(c *crm.Campaign) {
	set := func(dst *string, v *string) {
		if v != nil {
			*dst = *v
		}
	}
	set(&c.Name, in.Name)
	set(&c.StartsOn, in.StartsOn)
	set(&c.EndsOn, in.EndsOn)
	set(&c.Goal, in.Goal)
	set(&c.Tag, in.Tag)
	if in.Kind != nil {
		c.Kind = crm.CampaignKind(*in.Kind)
	}
	if in.Status != nil {
		c.Status = crm.CampaignStatus(*in.Status)
	}
	if in.Budget != nil {
		c.Budget = *in.Budget
	}
	if in.GoalLeads != nil {
		c.GoalLeads = *in.GoalLeads
	}
	if in.OwnerID != nil {
		c.OwnerID = *in.OwnerID
	}
}

func (s *server) listCampaigns(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	cs, err := s.app.Campaigns(r.Context(), ac)
	if err != nil {
		return err
	}
	ns, err := s.app.CampaignNumbersOf(r.Context(), ac, cs)
	if err != nil {
		return err
	}
	out := list[campaignJSON]{Data: []campaignJSON{}}
	for i, c := range cs {
		out.Data = append(out.Data, campaignOut(c, ns[i]))
	}
	return writeJSON(w, http.StatusOK, out)
}

func (s *server) createCampaign(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	var in campaignInput
	if err := decodeJSON(r, &in, false); err != nil {
		return err
	}
	var c crm.Campaign
	in.apply(&c)
	if in.Tag == nil {
		c.Tag = crm.SuggestTag(c.Name)
	}
	c, err := s.app.CreateCampaign(r.Context(), ac, c)
	if err != nil {
		return err
	}
	j, err := s.toCampaign(r, ac, c)
	if err != nil {
		return err
	}
	w.Header().Set("Location", fmt.Sprintf("%s/campaigns/%d", Prefix, c.ID))
	return writeJSON(w, http.StatusCreated, j)
}

func (s *server) getCampaign(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	c, err := s.app.Campaign(r.Context(), ac, id)
	if err != nil {
		return err
	}
	j, err := s.toCampaign(r, ac, c)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, j)
}

func (s *server) updateCampaign(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	version, err := ifMatch(r)
	if err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in campaignInput
	if err := decodeJSON(r, &in, false); err != nil {
		return err
	}
	c, err := s.app.Campaign(r.Context(), ac, id)
	if err != nil {
		return err
	}
	in.apply(&c)
	c.Version = version
	if c, err = s.app.UpdateCampaign(r.Context(), ac, c); err != nil {
		return err
	}
	j, err := s.toCampaign(r, ac, c)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, j)
}

func (s *server) deleteCampaign(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.app.DeleteCampaign(r.Context(), ac, id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

type attendeesInput struct {
	Emails     []string `json:"emails"`
	AttendedOn *string  `json:"attended_on"`
}

type attendeesResult struct {
	Added   int `json:"added"`
	Already int `json:"already"`
}

func (s *server) addAttendees(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in attendeesInput
	if err := decodeJSON(r, &in, false); err != nil {
		return err
	}
	var at time.Time
	if in.AttendedOn != nil {
		ws, _, err := s.app.Workspace(r.Context())
		if err != nil {
			return err
		}
		if at, err = time.ParseInLocation(time.DateOnly, *in.AttendedOn, ws.Location()); err != nil {
			return crm.Invalid("attended_on", "use a date such as 2026-04-01")
		}
	}
	emails := make([]string, 0, len(in.Emails))
	for _, e := range in.Emails {
		emails = append(emails, crm.NormalizeEmail(e))
	}
	added, already, err := s.app.AddAttendees(r.Context(), ac, id, emails, at)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, attendeesResult{Added: added, Already: already})
}

type campaignAssetJSON struct {
	Type string `json:"type"`
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

type campaignAssetInput struct {
	Type string `json:"type"`
	ID   int64  `json:"id"`
}

func (s *server) listCampaignAssets(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	return s.writeCampaignAssets(w, r, ac, id)
}

func (s *server) writeCampaignAssets(w http.ResponseWriter, r *http.Request, ac app.Actor, id int64) error {
	as, err := s.app.CampaignAssets(r.Context(), ac, id)
	if err != nil {
		return err
	}
	out := list[campaignAssetJSON]{Data: []campaignAssetJSON{}}
	for _, a := range as {
		out.Data = append(out.Data, campaignAssetJSON{Type: string(a.Type), ID: a.ID, Name: a.Name})
	}
	return writeJSON(w, http.StatusOK, out)
}

func (s *server) addCampaignAsset(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in campaignAssetInput
	if err := decodeJSON(r, &in, false); err != nil {
		return err
	}
	if err := s.app.AddCampaignAsset(r.Context(), ac, id, crm.AssetType(in.Type), in.ID); err != nil {
		if ve, ok := crm.AsValidation(err); ok { // the app names the fields asset_type and asset_id
			out := &crm.ValidationError{}
			for k, msg := range ve.Fields {
				out.Add(strings.TrimPrefix(k, "asset_"), msg)
			}
			return out
		}
		return err
	}
	return s.writeCampaignAssets(w, r, ac, id)
}

func (s *server) removeCampaignAsset(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	assetID, err := pathID(r, "asset_id")
	if err != nil {
		return err
	}
	if err := s.app.RemoveCampaignAsset(r.Context(), ac, id, crm.AssetType(r.PathValue("type")), assetID); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

type linkInput struct {
	Landing  string `json:"landing"`
	Source   string `json:"source"`
	Medium   string `json:"medium"`
	Campaign string `json:"campaign"`
	Term     string `json:"term"`
	Content  string `json:"content"`
}

type linkJSON struct {
	ID         int64     `json:"id"`
	CampaignID int64     `json:"campaign_id"`
	URL        string    `json:"url"`
	Landing    string    `json:"landing"`
	Source     string    `json:"utm_source"`
	Medium     string    `json:"utm_medium"`
	Campaign   string    `json:"utm_campaign"`
	Term       string    `json:"utm_term"`
	Content    string    `json:"utm_content"`
	CreatedAt  time.Time `json:"created_at"`
}

func toLink(l store.CampaignLink) linkJSON {
	return linkJSON{ID: l.ID, CampaignID: l.CampaignID, URL: l.URL, Landing: l.Landing, Source: l.Source, Medium: l.Medium,
		Campaign: l.Campaign, Term: l.Term, Content: l.Content, CreatedAt: l.CreatedAt}
}

func (s *server) createLink(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in linkInput
	if err := decodeJSON(r, &in, false); err != nil {
		return err
	}
	c, err := s.app.Campaign(r.Context(), ac, id)
	if err != nil {
		return err
	}
	l := crm.UTMLink{Landing: in.Landing, Source: in.Source, Medium: in.Medium, Campaign: in.Campaign, Term: in.Term, Content: in.Content}
	if strings.TrimSpace(l.Campaign) == "" {
		l.Campaign = c.Tag
	}
	built, err := s.app.BuildLink(r.Context(), ac, id, l, true)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, toLink(built))
}

type campaignCostJSON struct {
	ID         int64     `json:"id"`
	CampaignID int64     `json:"campaign_id"`
	SpentOn    string    `json:"spent_on"`
	Amount     int64     `json:"amount"`
	Channel    string    `json:"channel"`
	Note       string    `json:"note"`
	CreatedAt  time.Time `json:"created_at"`
}

func toCampaignCost(c crm.CampaignCost) campaignCostJSON {
	return campaignCostJSON{ID: c.ID, CampaignID: c.CampaignID, SpentOn: c.SpentOn, Amount: c.Amount, Channel: c.Channel,
		Note: c.Note, CreatedAt: c.CreatedAt}
}

type campaignCostInput struct {
	CampaignID int64  `json:"campaign_id"`
	SpentOn    string `json:"spent_on"`
	Amount     int64  `json:"amount"`
	Channel    string `json:"channel"`
	Note       string `json:"note"`
}

func (s *server) listCampaignCosts(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	id, err := queryInt64(r, "campaign_id")
	if err != nil {
		return err
	}
	cs, err := s.app.CampaignCosts(r.Context(), ac, id)
	if err != nil {
		return err
	}
	out := list[campaignCostJSON]{Data: []campaignCostJSON{}}
	for _, c := range cs {
		out.Data = append(out.Data, toCampaignCost(c))
	}
	return writeJSON(w, http.StatusOK, out)
}

func (s *server) createCampaignCost(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	var in campaignCostInput
	if err := decodeJSON(r, &in, false); err != nil {
		return err
	}
	c, err := s.app.AddCampaignCost(r.Context(), ac, crm.CampaignCost{CampaignID: in.CampaignID, SpentOn: in.SpentOn,
		Amount: in.Amount, Channel: in.Channel, Note: in.Note})
	if err != nil {
		return err
	}
	w.Header().Set("Location", fmt.Sprintf("%s/campaign-costs/%d", Prefix, c.ID))
	return writeJSON(w, http.StatusCreated, toCampaignCost(c))
}

func (s *server) getCampaignCost(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	c, err := s.app.CampaignCost(r.Context(), ac, id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, toCampaignCost(c))
}

func (s *server) deleteCampaignCost(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.app.DeleteCampaignCost(r.Context(), ac, id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

type attributionRowJSON struct {
	CampaignID *int64 `json:"campaign_id,omitempty"`
	Channel    string `json:"channel,omitempty"`
	Name       string `json:"name"`
	Revenue    int64  `json:"revenue"`
	Deals      int    `json:"deals"`
	Touches    int    `json:"touches"`
}

type attributionJSON struct {
	Model             string               `json:"model"`
	From              string               `json:"from"`
	To                string               `json:"to"`
	Currency          string               `json:"currency"`
	Deals             int                  `json:"deals"`
	Revenue           int64                `json:"revenue"`
	Unattributed      int64                `json:"unattributed"`
	UnattributedDeals int                  `json:"unattributed_deals"`
	LeftOut           leftOutJSON          `json:"left_out"`
	ByCampaign        []attributionRowJSON `json:"by_campaign"`
	ByChannel         []attributionRowJSON `json:"by_channel"`
}

func (s *server) attributionReport(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	q := r.URL.Query()
	v := &crm.ValidationError{}
	for k := range q {
		switch k {
		case "model", "from", "to":
		default:
			v.Add(k, "is not a parameter of this report (use model, from, to)")
		}
	}
	model, ok := crm.ParseAttributionModel(q.Get("model"))
	if !ok {
		v.Add("model", "choose first_touch, last_touch, linear or w_shaped")
	}
	ws, _, err := s.app.Workspace(r.Context())
	if err != nil {
		return err
	}
	per := ws.PeriodOf(crm.PeriodQuarter, s.app.Clock())
	from, to := per.Start, per.End
	for name, dst := range map[string]*time.Time{"from": &from, "to": &to} {
		if x := q.Get(name); x != "" {
			t, err := time.ParseInLocation(time.DateOnly, x, ws.Location())
			if err != nil {
				v.Add(name, "use a date such as 2026-04-01")
				continue
			}
			*dst = t
		}
	}
	if len(v.Fields) == 0 && !from.Before(to) {
		v.Add("to", "must be after from")
	}
	if err := v.Err(); err != nil {
		return asQueryProblem(err, nil)
	}
	rep, err := s.app.AttributionReport(r.Context(), ac, model, from, to)
	if err != nil {
		return err
	}
	out := attributionJSON{Model: string(rep.Model), From: from.Format(time.DateOnly), To: to.Format(time.DateOnly),
		Currency: rep.Base, Deals: rep.Deals, Revenue: rep.Revenue, Unattributed: rep.Unattributed,
		UnattributedDeals: rep.UnattributedDeals, LeftOut: leftOutJSON{Deals: rep.LeftOut, Currencies: rep.Currencies},
		ByCampaign: []attributionRowJSON{}, ByChannel: []attributionRowJSON{}}
	if out.LeftOut.Currencies == nil {
		out.LeftOut.Currencies = []string{}
	}
	for _, row := range rep.ByCampaign {
		j := attributionRowJSON{Name: row.Name, Revenue: row.Revenue, Deals: row.Deals, Touches: row.Touches}
		if row.CampaignID != 0 {
			id := row.CampaignID
			j.CampaignID = &id
		}
		out.ByCampaign = append(out.ByCampaign, j)
	}
	for _, row := range rep.ByChannel {
		out.ByChannel = append(out.ByChannel, attributionRowJSON{Channel: row.Key, Name: row.Name, Revenue: row.Revenue,
			Deals: row.Deals, Touches: row.Touches})
	}
	return writeJSON(w, http.StatusOK, out)
}

// campaignsSchemas are the OpenAPI schemas of campaigns and attribution.
func campaignsSchemas() js {
	money := func(desc string) js { return integer(desc + " Minor units of the workspace's base currency.") }
	kind := withDesc(enumOf("email", "web", "event", "social", "content", "other"), "email, web (web and ads), event (trade shows, seminars), social, content or other.")
	status := enumOf("planned", "active", "finished", "cancelled")
	tag := pattern(`^[a-z0-9][a-z0-9_.-]{0,79}$`, "The utm_campaign value of the campaign's links: unique, lower case.")
	numbers := record(js{
		"visits":        integer("Page views whose utm_campaign is the tag."),
		"leads":         integer("Contacts whose first touch or a form submission carried the tag, who submitted one of its forms, attended its event or clicked one of its e-mails."),
		"mqls":          integer("Leads handed to sales as MQLs."),
		"deals":         integer("Deals whose primary contact is one of the leads."),
		"won_deals":     integer("Of those, won."),
		"won_revenue":   money("Σ amount of the won deals, converted at the won day's rate."),
		"cost":          money("Σ cost entries."),
		"cost_per_lead": nullable(money("cost ÷ leads, rounded; null without leads.")),
		"cost_per_mql":  nullable(money("cost ÷ MQLs, rounded; null without MQLs.")),
		"roi":           nullable(described(js{"type": "number"}, "(won_revenue − cost) ÷ cost (1.5 = 150%); null without costs.")),
		"currency":      str("The base currency of every amount."),
		"left_out":      integer("Won deals left out of won_revenue: their currency has no exchange rate."),
	})
	campaign := record(js{
		"id":         idSchema(""),
		"name":       str(""),
		"kind":       kind,
		"status":     status,
		"starts_on":  nullable(date("")),
		"ends_on":    nullable(date("")),
		"budget":     money(""),
		"goal":       str("What the campaign is for."),
		"goal_leads": integer("Target number of leads; 0 = none."),
		"owner_id":   nullable(idSchema("")),
		"tag":        tag,
		"numbers":    ref("CampaignNumbers"),
		"created_at": dateTime(""),
		"updated_at": dateTime(""),
		"version":    integer("Increases with every change; send it back as If-Match."),
	})
	in := js{
		"name":       str(""),
		"kind":       kind,
		"status":     status,
		"starts_on":  date(""),
		"ends_on":    date(""),
		"budget":     described(js{"type": "integer", "minimum": 0}, "Minor units of the base currency."),
		"goal":       str(""),
		"goal_leads": described(js{"type": "integer", "minimum": 0}, ""),
		"owner_id":   idSchema("An active user."),
		"tag":        tag,
	}
	cost := record(js{
		"id":          idSchema(""),
		"campaign_id": idSchema(""),
		"spent_on":    date(""),
		"amount":      money(""),
		"channel":     str("Where the money went, e.g. google / cpc."),
		"note":        str(""),
		"created_at":  dateTime(""),
	})
	row := js{
		"name":    str("The campaign's name (empty for touches without a campaign) or the channel."),
		"revenue": money("The attributed revenue."),
		"deals":   integer("Deals that gave this row a share above 0."),
		"touches": integer("Touches counted (on or before the won dates)."),
	}
	campaignRow := merge(record(row), js{"campaign_id": idSchema("Left out for touches without a campaign.")})
	channelRow := merge(record(row), js{"channel": str("source / medium, e.g. google / cpc, t.co / referral, email / broadcast, event / offline, sales / call.")}, "channel")
	return js{
		"CampaignNumbers": numbers,
		"Campaign":        campaign,
		"CampaignList":    listOf("Campaign"),
		"CampaignInput":   input([]string{"name", "kind"}, in),
		"CampaignPatch":   input(nil, in),
		"AttendeesInput": input([]string{"emails"}, js{
			"emails":      arrayOf(str("A contact's e-mail address.")),
			"attended_on": date("Default: the campaign's start date (or today)."),
		}),
		"CampaignAsset": record(js{
			"type": enumOf("form", "broadcast", "sequence"),
			"id":   idSchema("The form's, broadcast's or sequence's id."),
			"name": str("Its name (empty when it was deleted)."),
		}),
		"CampaignAssetList": listOf("CampaignAsset"),
		"CampaignAssetInput": input([]string{"type", "id"}, js{
			"type": enumOf("form", "broadcast", "sequence"),
			"id":   idSchema("An existing form, broadcast or sequence."),
		}),
		"AttendeesResult": record(js{"added": integer("Put on the list."), "already": integer("On the list already.")}),
		"UTMLinkInput": input([]string{"landing", "source", "medium"}, js{
			"landing":  str("An absolute http:// or https:// address."),
			"source":   str("utm_source, e.g. google."),
			"medium":   str("utm_medium, e.g. cpc."),
			"campaign": str("utm_campaign; default: the campaign's tag."),
			"term":     str(""),
			"content":  str(""),
		}),
		"CampaignLink": record(js{
			"id": idSchema(""), "campaign_id": idSchema(""), "url": str("The link to use."), "landing": str(""),
			"utm_source": str(""), "utm_medium": str(""), "utm_campaign": str(""), "utm_term": str(""), "utm_content": str(""),
			"created_at": dateTime(""),
		}),
		"CampaignCost":     cost,
		"CampaignCostList": listOf("CampaignCost"),
		"CampaignCostInput": input([]string{"campaign_id", "spent_on", "amount"}, js{
			"campaign_id": idSchema(""),
			"spent_on":    date(""),
			"amount":      described(js{"type": "integer", "minimum": 1}, "Minor units of the base currency."),
			"channel":     str(""),
			"note":        str(""),
		}),
		"AttributionReport": record(js{
			"model":              enumOf("first_touch", "last_touch", "linear", "w_shaped"),
			"from":               date("First day."),
			"to":                 date("The day after the last."),
			"currency":           str("The base currency of every amount."),
			"deals":              integer("Deals won in the period (converted)."),
			"revenue":            money("Their revenue."),
			"unattributed":       money("Revenue of won deals whose contact had no touch before the won date."),
			"unattributed_deals": integer(""),
			"left_out": record(js{"deals": integer("Won deals left out: their currency has no exchange rate."),
				"currencies": arrayOf(str(""))}),
			"by_campaign": arrayOf(campaignRow),
			"by_channel":  arrayOf(channelRow),
		}),
	}
}
