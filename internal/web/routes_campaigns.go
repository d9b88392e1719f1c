package web

import (
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"renkei/internal/app"
	"renkei/internal/crm"
	"renkei/internal/csvio"
	"renkei/internal/i18n"
	"renkei/internal/store"
)

// campaignsRoutes are the UI routes of campaigns, the UTM link builder and
// the attribution report.
func (s *server) campaignsRoutes() []route {
	return []route{
		{"GET", "/marketing/campaigns", crm.PermReadAll, s.campaignsPage, false},
		{"POST", "/marketing/campaigns", crm.PermWriteMarketing, s.campaignCreate, false},
		{"GET", "/marketing/campaigns/new", crm.PermWriteMarketing, s.campaignNew, false},
		{"GET", "/marketing/campaigns/{id}", crm.PermReadAll, s.campaignPage, false},
		{"POST", "/marketing/campaigns/{id}", crm.PermWriteMarketing, s.campaignUpdate, false},
		{"GET", "/marketing/campaigns/{id}/edit", crm.PermWriteMarketing, s.campaignEdit, false},
		{"POST", "/marketing/campaigns/{id}/delete", crm.PermWriteMarketing, s.campaignDelete, false},
		{"POST", "/marketing/campaigns/{id}/assets", crm.PermWriteMarketing, s.campaignAssetAdd, false},
		{"POST", "/marketing/campaigns/{id}/assets/remove", crm.PermWriteMarketing, s.campaignAssetRemove, false},
		{"POST", "/marketing/campaigns/{id}/attendees", crm.PermWriteMarketing, s.campaignAttendeesAdd, false},
		{"POST", "/marketing/campaigns/{id}/attendees/{contact}/remove", crm.PermWriteMarketing, s.campaignAttendeeRemove, false},
		{"POST", "/marketing/campaigns/{id}/costs", crm.PermWriteMarketing, s.campaignCostAdd, false},
		{"POST", "/marketing/campaign-costs/{id}/delete", crm.PermWriteMarketing, s.campaignCostDelete, false},
		{"GET", "/marketing/utm", crm.PermReadAll, s.utmPage, false},
		{"POST", "/marketing/utm", crm.PermWriteMarketing, s.utmBuild, false},
		{"GET", "/reports/attribution", crm.PermReadAll, s.attributionPage, false},
	}
}

// campaignStats are a campaign's numbers, formatted ("—" where a division
// by zero would be).
type campaignStats struct {
	N                       app.CampaignNumbers
	Visits                  string
	Won, Cost, Budget       string
	CPL, CPMQL, ROI         string
	ROIGood                 bool
	BudgetUsed              string // cost ÷ budget, or ""
	BudgetW                 int    // bar width 0..100
	GoalPct                 string // leads ÷ goal, or ""
	LeftOut                 string
	HasROI, HasCPL, HasCPMQ bool
}

const dash = "—"

func (s *server) campaignStats(lang crm.Language, c crm.Campaign, n app.CampaignNumbers) campaignStats {
	money := func(v int64) string { return i18n.Money(lang, v, n.Base) }
	st := campaignStats{N: n, Visits: i18n.Number(n.Visits), Won: money(n.WonRevenue), Cost: money(n.Cost), Budget: money(c.Budget),
		CPL: dash, CPMQL: dash, ROI: dash}
	if v, ok := n.CostPerLead(); ok {
		st.CPL, st.HasCPL = money(v), true
	}
	if v, ok := n.CostPerMQL(); ok {
		st.CPMQL, st.HasCPMQ = money(v), true
	}
	if r, ok := n.ROI(); ok {
		st.ROI, st.HasROI, st.ROIGood = fmt.Sprintf("%.0f%%", r*100), true, r >= 0
	}
	if c.Budget > 0 {
		ratio := float64(n.Cost) / float64(c.Budget)
		st.BudgetUsed = pct(ratio)
		st.BudgetW = int(min(ratio, 1) * 100)
	}
	if c.GoalLeads > 0 {
		st.GoalPct = pct(float64(n.Leads) / float64(c.GoalLeads))
	}
	if n.LeftOut > 0 {
		st.LeftOut = i18n.T(lang, "campaigns.left_out", n.LeftOut)
	}
	return st
}

// campaignRow is one line of the campaign list.
type campaignRow struct {
	crm.Campaign
	Owner string
	Stats campaignStats
}

func (s *server) userNames(r *http.Request, rq *req) (map[int64]string, []option, error) {
	us, err := s.app.ListUsers(r.Context(), rq.actor, store.UserFilter{Limit: 500})
	if err != nil {
		return nil, nil, err
	}
	names := map[int64]string{}
	opts := []option{{"", i18n.T(rq.lang, "campaigns.no_owner")}}
	for _, u := range us {
		names[u.ID] = u.Name
		if u.Status == crm.UserActive {
			opts = append(opts, option{strconv.FormatInt(u.ID, 10), u.Name})
		}
	}
	return names, opts, nil
}

func (s *server) campaignsPage(w http.ResponseWriter, r *http.Request, rq *req) error {
	ctx := r.Context()
	cs, err := s.app.Campaigns(ctx, rq.actor)
	if err != nil {
		return err
	}
	names, _, err := s.userNames(r, rq)
	if err != nil {
		return err
	}
	ns, err := s.app.CampaignNumbersOf(ctx, rq.actor, cs)
	if err != nil {
		return err
	}
	rows := []campaignRow{}
	for i, c := range cs {
		rows = append(rows, campaignRow{Campaign: c, Owner: names[c.OwnerID], Stats: s.campaignStats(rq.lang, c, ns[i])})
	}
	p := s.newPage(w, r, rq, "campaigns.title")
	p.Section, p.Sub = "marketing", "campaigns"
	p.Data = rows
	s.render(w, r, rq, http.StatusOK, "campaigns_list", p)
	return nil
}

// campaignFormData are the choices of the campaign form.
type campaignFormData struct {
	ID       int64
	Kinds    []option
	Statuses []option
	Owners   []option
	Currency string
}

func (s *server) campaignFormPage(w http.ResponseWriter, r *http.Request, rq *req, id int64, f *form) (*page, error) {
	_, owners, err := s.userNames(r, rq)
	if err != nil {
		return nil, err
	}
	ws, err := s.workspace(r.Context(), rq)
	if err != nil {
		return nil, err
	}
	d := campaignFormData{ID: id, Owners: owners, Currency: ws.BaseCurrency}
	for _, k := range crm.CampaignKinds {
		d.Kinds = append(d.Kinds, option{string(k), i18n.T(rq.lang, "campaigns.kind."+string(k))})
	}
	for _, st := range crm.CampaignStatuses {
		d.Statuses = append(d.Statuses, option{string(st), i18n.T(rq.lang, "campaigns.status."+string(st))})
	}
	title := "campaigns.new"
	if id != 0 {
		title = "campaigns.edit"
	}
	p := s.newPage(w, r, rq, title)
	p.Section, p.Sub = "marketing", "campaigns"
	p.Form = f
	p.Data = d
	return p, nil
}

func (s *server) campaignNew(w http.ResponseWriter, r *http.Request, rq *req) error {
	f := newForm()
	f.Set("kind", string(crm.CampaignWeb))
	f.Set("status", string(crm.CampaignPlanned))
	f.Set("owner_id", strconv.FormatInt(rq.actor.User.ID, 10))
	p, err := s.campaignFormPage(w, r, rq, 0, f)
	if err != nil {
		return err
	}
	s.render(w, r, rq, http.StatusOK, "campaigns_form", p)
	return nil
}

func (s *server) campaignEdit(w http.ResponseWriter, r *http.Request, rq *req) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	c, err := s.app.Campaign(r.Context(), rq.actor, id)
	if err != nil {
		return err
	}
	ws, err := s.workspace(r.Context(), rq)
	if err != nil {
		return err
	}
	f := newForm()
	f.Version = c.Version
	for k, v := range map[string]string{"name": c.Name, "kind": string(c.Kind), "status": string(c.Status),
		"starts_on": c.StartsOn, "ends_on": c.EndsOn, "goal": c.Goal, "tag": c.Tag} {
		f.Set(k, v)
	}
	if c.Budget != 0 {
		f.Set("budget", amountInput(c.Budget, ws.BaseCurrency))
	}
	if c.GoalLeads != 0 {
		f.Set("goal_leads", strconv.Itoa(c.GoalLeads))
	}
	if c.OwnerID != 0 {
		f.Set("owner_id", strconv.FormatInt(c.OwnerID, 10))
	}
	p, err := s.campaignFormPage(w, r, rq, id, f)
	if err != nil {
		return err
	}
	s.render(w, r, rq, http.StatusOK, "campaigns_form", p)
	return nil
}

// postedCampaign reads the campaign form; numbers that do not parse are
// reported per field together with the campaign's own messages.
func (s *server) postedCampaign(r *http.Request, rq *req, f *form) (crm.Campaign, error) {
	ws, err := s.workspace(r.Context(), rq)
	if err != nil {
		return crm.Campaign{}, err
	}
	v := &crm.ValidationError{}
	c := crm.Campaign{Name: f.Get("name"), Kind: crm.CampaignKind(f.Get("kind")), Status: crm.CampaignStatus(f.Get("status")),
		StartsOn: f.Get("starts_on"), EndsOn: f.Get("ends_on"), Goal: f.Get("goal"), Tag: f.Get("tag"), Version: f.Version}
	if strings.TrimSpace(c.Tag) == "" {
		c.Tag = crm.SuggestTag(c.Name)
		f.Set("tag", c.Tag)
	}
	c.Budget = parseMoney(v, "budget", f.Get("budget"), ws.BaseCurrency)
	if g := strings.TrimSpace(f.Get("goal_leads")); g != "" {
		n, err := strconv.Atoi(g)
		if err != nil {
			v.Add("goal_leads", "enter a number of leads from 0 to 100000000")
		}
		c.GoalLeads = n
	}
	if o := strings.TrimSpace(f.Get("owner_id")); o != "" {
		n, err := strconv.ParseInt(o, 10, 64)
		if err != nil || n <= 0 {
			v.Add("owner_id", "choose an active user")
		}
		c.OwnerID = n
	}
	if len(v.Fields) > 0 {
		c.Normalize()
		if ve, ok := crm.AsValidation(c.Validate()); ok {
			for k, m := range ve.Fields {
				v.Add(k, m)
			}
		}
	}
	return c, v.Err()
}

func (s *server) campaignCreate(w http.ResponseWriter, r *http.Request, rq *req) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	f := submitted(r)
	c, err := s.postedCampaign(r, rq, f)
	if err == nil {
		c, err = s.app.CreateCampaign(r.Context(), rq.actor, c)
	}
	if err != nil {
		p, perr := s.campaignFormPage(w, r, rq, 0, f)
		if perr != nil {
			return perr
		}
		return again(err, "campaigns_form", p)
	}
	return s.redirect(w, r, rq, fmt.Sprintf("/marketing/campaigns/%d", c.ID), "flash.campaign_saved")
}

func (s *server) campaignUpdate(w http.ResponseWriter, r *http.Request, rq *req) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	f := submitted(r)
	c, err := s.postedCampaign(r, rq, f)
	c.ID = id
	if err == nil {
		_, err = s.app.UpdateCampaign(r.Context(), rq.actor, c)
	}
	if err != nil {
		if errors.Is(err, crm.ErrNotFound) {
			return err
		}
		p, perr := s.campaignFormPage(w, r, rq, id, f)
		if perr != nil {
			return perr
		}
		return again(err, "campaigns_form", p)
	}
	return s.redirect(w, r, rq, fmt.Sprintf("/marketing/campaigns/%d", id), "flash.campaign_saved")
}

func (s *server) campaignDelete(w http.ResponseWriter, r *http.Request, rq *req) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.app.DeleteCampaign(r.Context(), rq.actor, id); err != nil {
		return err
	}
	return s.redirect(w, r, rq, "/marketing/campaigns", "flash.campaign_deleted")
}

// campaignPageData is the content of a campaign's page.
type campaignPageData struct {
	C             crm.Campaign
	Owner         string
	Stats         campaignStats
	Base          string
	Assets        []store.CampaignAsset
	AssetOptions  []option // forms, broadcasts and sequences not linked yet
	Attendees     []store.Attendee
	AttendeeCount int
	Costs         []crm.CampaignCost
	Links         []store.CampaignLink
	Built         *store.CampaignLink // the link just built (?link=)
	Today         string
	KindLabel     string
}

// campaignPageFor builds the campaign page; f is the form to show again
// (nil: a fresh one).
func (s *server) campaignPageFor(w http.ResponseWriter, r *http.Request, rq *req, id int64, f *form) (*page, error) {
	ctx := r.Context()
	c, err := s.app.Campaign(ctx, rq.actor, id)
	if err != nil {
		return nil, err
	}
	ws, err := s.workspace(ctx, rq)
	if err != nil {
		return nil, err
	}
	n, err := s.app.CampaignNumbers(ctx, rq.actor, c)
	if err != nil {
		return nil, err
	}
	names, _, err := s.userNames(r, rq)
	if err != nil {
		return nil, err
	}
	d := &campaignPageData{C: c, Owner: names[c.OwnerID], Stats: s.campaignStats(rq.lang, c, n), Base: n.Base,
		Today: s.app.Clock().In(ws.Location()).Format(time.DateOnly), KindLabel: i18n.T(rq.lang, "campaigns.kind."+string(c.Kind))}
	if d.Assets, err = s.app.CampaignAssets(ctx, rq.actor, id); err != nil {
		return nil, err
	}
	linked := map[string]bool{}
	for _, a := range d.Assets {
		linked[fmt.Sprintf("%s:%d", a.Type, a.ID)] = true
	}
	if rq.actor.Can(crm.PermWriteMarketing) {
		fms, err := s.app.Forms(ctx, rq.actor)
		if err != nil {
			return nil, err
		}
		for _, fm := range fms {
			if k := fmt.Sprintf("form:%d", fm.ID); !linked[k] {
				d.AssetOptions = append(d.AssetOptions, option{k, i18n.T(rq.lang, "campaigns.asset.form") + ": " + fm.Name})
			}
		}
		bs, err := s.app.Broadcasts(ctx, rq.actor)
		if err != nil {
			return nil, err
		}
		for _, b := range bs {
			if k := fmt.Sprintf("broadcast:%d", b.ID); !linked[k] {
				d.AssetOptions = append(d.AssetOptions, option{k, i18n.T(rq.lang, "campaigns.asset.broadcast") + ": " + b.Name})
			}
		}
		qs, err := s.app.Sequences(ctx, rq.actor)
		if err != nil {
			return nil, err
		}
		for _, q := range qs {
			if k := fmt.Sprintf("sequence:%d", q.ID); !linked[k] {
				d.AssetOptions = append(d.AssetOptions, option{k, i18n.T(rq.lang, "campaigns.asset.sequence") + ": " + q.Name})
			}
		}
	}
	if d.Attendees, d.AttendeeCount, err = s.app.CampaignAttendees(ctx, rq.actor, id, 20); err != nil {
		return nil, err
	}
	if d.Costs, err = s.app.CampaignCosts(ctx, rq.actor, id); err != nil {
		return nil, err
	}
	if d.Links, err = s.app.CampaignLinks(ctx, rq.actor, id, 50); err != nil {
		return nil, err
	}
	if lid, err := strconv.ParseInt(r.URL.Query().Get("link"), 10, 64); err == nil {
		for i := range d.Links {
			if d.Links[i].ID == lid {
				d.Built = &d.Links[i]
			}
		}
	}
	if f == nil {
		f = newForm()
		f.Set("campaign", c.Tag)
		f.Set("spent_on", d.Today)
		f.Set("attended_on", c.StartsOn)
	}
	p := s.newPage(w, r, rq, "campaigns.title")
	p.Title = c.Name
	p.Pretitle = d.KindLabel
	p.Section, p.Sub = "marketing", "campaigns"
	p.Form = f
	p.Data = d
	return p, nil
}

func (s *server) campaignPage(w http.ResponseWriter, r *http.Request, rq *req) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	p, err := s.campaignPageFor(w, r, rq, id, nil)
	if err != nil {
		return err
	}
	s.render(w, r, rq, http.StatusOK, "campaigns_campaign", p)
	return nil
}

// campaignAgain shows the campaign page with the posted form and err's
// messages.
func (s *server) campaignAgain(w http.ResponseWriter, r *http.Request, rq *req, id int64, f *form, err error) error {
	if _, ok := crm.AsValidation(err); !ok {
		return err
	}
	p, perr := s.campaignPageFor(w, r, rq, id, f)
	if perr != nil {
		return perr
	}
	return again(err, "campaigns_campaign", p)
}

// assetRef reads "form:3" into its type and id.
func assetRef(s string) (crm.AssetType, int64, error) {
	t, idText, _ := strings.Cut(s, ":")
	id, err := strconv.ParseInt(idText, 10, 64)
	if err != nil || id <= 0 {
		return "", 0, crm.Invalid("asset", "choose a form, a broadcast or a sequence")
	}
	return crm.AssetType(t), id, nil
}

func (s *server) campaignAssetAdd(w http.ResponseWriter, r *http.Request, rq *req) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	f := submitted(r)
	t, aid, err := assetRef(f.Get("asset"))
	if err == nil {
		err = s.app.AddCampaignAsset(r.Context(), rq.actor, id, t, aid)
		if ve, ok := crm.AsValidation(err); ok {
			err = crm.Invalid("asset", ve.Fields["asset_id"]+ve.Fields["asset_type"])
		}
	}
	if err != nil {
		return s.campaignAgain(w, r, rq, id, f, err)
	}
	return s.redirect(w, r, rq, fmt.Sprintf("/marketing/campaigns/%d#assets", id), "flash.saved")
}

func (s *server) campaignAssetRemove(w http.ResponseWriter, r *http.Request, rq *req) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	t, aid, err := assetRef(r.PostFormValue("asset"))
	if err != nil {
		return crm.ErrNotFound
	}
	if err := s.app.RemoveCampaignAsset(r.Context(), rq.actor, id, t, aid); err != nil {
		return err
	}
	return s.redirect(w, r, rq, fmt.Sprintf("/marketing/campaigns/%d#assets", id), "flash.saved")
}

// maxAttendeeFile bounds an uploaded attendee list.
const maxAttendeeFile = 5 << 20

// attendeeEmails reads the addresses typed into "emails" and those in the
// cells of an uploaded CSV file ("file", optional).
func attendeeEmails(w http.ResponseWriter, r *http.Request) (*form, []string, error) {
	r.Body = http.MaxBytesReader(w, r.Body, maxAttendeeFile+1<<20)
	ct := r.Header.Get("Content-Type")
	if !strings.HasPrefix(ct, "multipart/form-data") {
		if err := parseForm(w, r); err != nil {
			return newForm(), nil, err
		}
		f := submitted(r)
		return f, app.ParseAttendeeList(f.Get("emails")), nil
	}
	if err := r.ParseMultipartForm(1 << 20); err != nil {
		return newForm(), nil, crm.Invalid("file", "choose a CSV file of at most 5 MB")
	}
	f := newForm()
	for k, vs := range r.MultipartForm.Value {
		f.Values[k] = vs
	}
	emails := app.ParseAttendeeList(f.Get("emails"))
	file, _, err := r.FormFile("file")
	if errors.Is(err, http.ErrMissingFile) {
		return f, emails, nil
	} else if err != nil {
		return f, nil, crm.Invalid("file", "choose a CSV file of at most 5 MB")
	}
	defer file.Close()
	cr := csv.NewReader(io.LimitReader(file, maxAttendeeFile))
	cr.FieldsPerRecord = -1
	cr.LazyQuotes = true
	var cells []string
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return f, nil, crm.Invalid("file", "the file is not a CSV file")
		}
		cells = append(cells, rec...)
	}
	emails = append(emails, app.ParseAttendeeList(strings.Join(cells, "\n"))...)
	return f, app.ParseAttendeeList(strings.Join(emails, "\n")), nil
}

func (s *server) campaignAttendeesAdd(w http.ResponseWriter, r *http.Request, rq *req) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	f, emails, err := attendeeEmails(w, r)
	if err == nil {
		var at time.Time
		if d := strings.TrimSpace(f.Get("attended_on")); d != "" {
			ws, werr := s.workspace(r.Context(), rq)
			if werr != nil {
				return werr
			}
			if at, err = time.ParseInLocation(time.DateOnly, d, ws.Location()); err != nil {
				err = crm.Invalid("attended_on", "is not a date (use 2026-04-01)")
			}
		}
		if err == nil {
			_, _, err = s.app.AddAttendees(r.Context(), rq.actor, id, emails, at)
		}
	}
	if err != nil {
		return s.campaignAgain(w, r, rq, id, f, err)
	}
	return s.redirect(w, r, rq, fmt.Sprintf("/marketing/campaigns/%d#attendees", id), "flash.attendees_added")
}

func (s *server) campaignAttendeeRemove(w http.ResponseWriter, r *http.Request, rq *req) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	cid, err := pathID(r, "contact")
	if err != nil {
		return err
	}
	if err := s.app.RemoveAttendee(r.Context(), rq.actor, id, cid); err != nil {
		return err
	}
	return s.redirect(w, r, rq, fmt.Sprintf("/marketing/campaigns/%d#attendees", id), "flash.saved")
}

func (s *server) campaignCostAdd(w http.ResponseWriter, r *http.Request, rq *req) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	ws, err := s.workspace(r.Context(), rq)
	if err != nil {
		return err
	}
	f := submitted(r)
	v := &crm.ValidationError{}
	c := crm.CampaignCost{CampaignID: id, SpentOn: f.Get("spent_on"), Channel: f.Get("channel"), Note: f.Get("note")}
	c.Amount = parseMoney(v, "amount", f.Get("amount"), ws.BaseCurrency)
	if len(v.Fields) > 0 {
		c.Normalize()
		if ve, ok := crm.AsValidation(c.Validate()); ok {
			for k, m := range ve.Fields {
				v.Add(k, m)
			}
		}
		err = v.Err()
	} else {
		_, err = s.app.AddCampaignCost(r.Context(), rq.actor, c)
		if ve, ok := crm.AsValidation(err); ok && ve.Fields["campaign_id"] != "" {
			err = crm.ErrNotFound
		}
	}
	if err != nil {
		return s.campaignAgain(w, r, rq, id, f, err)
	}
	return s.redirect(w, r, rq, fmt.Sprintf("/marketing/campaigns/%d#costs", id), "flash.cost_added")
}

func (s *server) campaignCostDelete(w http.ResponseWriter, r *http.Request, rq *req) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	c, err := s.app.CampaignCost(r.Context(), rq.actor, id)
	if err != nil {
		return err
	}
	if err := s.app.DeleteCampaignCost(r.Context(), rq.actor, id); err != nil {
		return err
	}
	return s.redirect(w, r, rq, fmt.Sprintf("/marketing/campaigns/%d#costs", c.CampaignID), "flash.cost_deleted")
}

// utmPageData is the content of the UTM link builder page.
type utmPageData struct {
	Campaigns []option
	Links     []store.CampaignLink
	Built     *store.CampaignLink
	Tags      map[int64]string
	Names     map[int64]string
}

func (s *server) utmPageFor(w http.ResponseWriter, r *http.Request, rq *req, f *form) (*page, error) {
	ctx := r.Context()
	cs, err := s.app.Campaigns(ctx, rq.actor)
	if err != nil {
		return nil, err
	}
	d := &utmPageData{Campaigns: []option{{"", i18n.T(rq.lang, "utm.no_campaign")}}, Names: map[int64]string{}}
	for _, c := range cs {
		d.Campaigns = append(d.Campaigns, option{strconv.FormatInt(c.ID, 10), c.Name + " (" + c.Tag + ")"})
		d.Names[c.ID] = c.Name
	}
	if d.Links, err = s.app.CampaignLinks(ctx, rq.actor, 0, 50); err != nil {
		return nil, err
	}
	if lid, err := strconv.ParseInt(r.URL.Query().Get("link"), 10, 64); err == nil {
		for i := range d.Links {
			if d.Links[i].ID == lid {
				d.Built = &d.Links[i]
			}
		}
	}
	if f == nil {
		f = newForm()
		if id, err := strconv.ParseInt(r.URL.Query().Get("campaign"), 10, 64); err == nil {
			for _, c := range cs {
				if c.ID == id {
					f.Set("campaign_id", strconv.FormatInt(id, 10))
					f.Set("campaign", c.Tag)
				}
			}
		}
	}
	p := s.newPage(w, r, rq, "utm.title")
	p.Section, p.Sub = "marketing", "utm"
	p.Form = f
	p.Data = d
	return p, nil
}

func (s *server) utmPage(w http.ResponseWriter, r *http.Request, rq *req) error {
	p, err := s.utmPageFor(w, r, rq, nil)
	if err != nil {
		return err
	}
	s.render(w, r, rq, http.StatusOK, "campaigns_utm", p)
	return nil
}

// utmBuild builds and keeps a link, from the builder page or a campaign's
// page (back=campaign), and shows it with its copy button.
func (s *server) utmBuild(w http.ResponseWriter, r *http.Request, rq *req) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	f := submitted(r)
	var campaignID int64
	if v := strings.TrimSpace(f.Get("campaign_id")); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n <= 0 {
			return crm.ErrNotFound
		}
		campaignID = n
	}
	l := crm.UTMLink{Landing: f.Get("landing"), Source: f.Get("source"), Medium: f.Get("medium"), Campaign: f.Get("campaign"),
		Term: f.Get("term"), Content: f.Get("content")}
	if strings.TrimSpace(l.Campaign) == "" && campaignID > 0 {
		if c, err := s.app.Campaign(r.Context(), rq.actor, campaignID); err == nil {
			l.Campaign = c.Tag
		}
	}
	built, err := s.app.BuildLink(r.Context(), rq.actor, campaignID, l, true)
	onCampaign := f.Get("back") == "campaign" && campaignID > 0
	if err != nil {
		if ve, ok := crm.AsValidation(err); ok && ve.Fields["campaign_id"] != "" {
			return crm.ErrNotFound
		}
		if onCampaign {
			return s.campaignAgain(w, r, rq, campaignID, f, err)
		}
		if _, ok := crm.AsValidation(err); !ok {
			return err
		}
		p, perr := s.utmPageFor(w, r, rq, f)
		if perr != nil {
			return perr
		}
		return again(err, "campaigns_utm", p)
	}
	if onCampaign {
		return s.redirect(w, r, rq, fmt.Sprintf("/marketing/campaigns/%d?link=%d#utm", campaignID, built.ID), "flash.link_built")
	}
	return s.redirect(w, r, rq, fmt.Sprintf("/marketing/utm?link=%d", built.ID), "flash.link_built")
}

// ---- the attribution report ----

// attributionChart is the bar chart's data (drawn by campaigns.js from
// the same rows as the tables).
type attributionChart struct {
	Title    string   `json:"title"`
	Labels   []string `json:"labels"`
	Values   []int64  `json:"values"`
	Currency string   `json:"currency"`
	Minor    int      `json:"minor"` // digits after the point of the currency
}

// attributionView is one table row, formatted.
type attributionView struct {
	app.AttributionRow
	Label   string
	Href    string
	Revenue string
	Share   string
	ShareW  int
}

// attributionTable is one table of the report with its chart and CSV
// link: by campaign or by channel.
type attributionTable struct {
	By        string // campaign | channel
	Rows      []attributionView
	Chart     attributionChart
	ChartJSON string // Chart as JSON, for campaigns.js
	CSV       string
}

// attributionData is the content of /reports/attribution.
type attributionData struct {
	Rep                   app.AttributionReport
	Model                 string
	Models                []option
	Kind                  crm.PeriodKind
	Key, Label            string
	PrevKey, NextKey      string
	MonthKey, QuarterKey  string
	YearKey, CurrentKey   string
	IsCurrent             bool
	Tables                []attributionTable
	Revenue, Unattributed string
	UnattributedShare     string
	LeftOut               string
}

func (s *server) attributionPage(w http.ResponseWriter, r *http.Request, rq *req) error {
	ctx := r.Context()
	lang := rq.lang
	q := r.URL.Query()
	ws, err := s.workspace(ctx, rq)
	if err != nil {
		return err
	}
	model, ok := crm.ParseAttributionModel(q.Get("model"))
	if !ok {
		model = crm.ModelWShaped
	}
	now := s.app.Clock()
	per := ws.PeriodOf(crm.PeriodQuarter, now)
	if k, ok := crm.ParsePeriodKind(q.Get("kind")); ok {
		per = ws.PeriodOf(k, now)
	}
	if key := q.Get("period"); key != "" {
		if p, err := ws.ParsePeriod(key); err == nil {
			per = p
		}
	}
	rep, err := s.app.AttributionReport(ctx, rq.actor, model, per.Start, per.End)
	if err != nil {
		return err
	}
	if by := q.Get("format"); by == "csv" {
		return s.attributionCSV(w, rq, rep, per, q.Get("by"))
	}
	money := func(v int64) string { return i18n.Money(lang, v, rep.Base) }
	d := &attributionData{Rep: rep, Model: string(model), Kind: per.Kind, Key: per.Key(), Label: periodLabel(lang, per),
		PrevKey: per.Prev().Key(), NextKey: per.Next().Key(), Revenue: money(rep.Revenue), Unattributed: money(rep.Unattributed)}
	d.CurrentKey = ws.PeriodOf(per.Kind, now).Key()
	d.IsCurrent = d.CurrentKey == d.Key
	d.MonthKey = ws.PeriodOf(crm.PeriodMonth, per.Start).Key()
	d.QuarterKey = ws.PeriodOf(crm.PeriodQuarter, per.Start).Key()
	d.YearKey = ws.PeriodOf(crm.PeriodYear, per.Start).Key()
	for _, m := range crm.AttributionModels {
		d.Models = append(d.Models, option{string(m), i18n.T(lang, "attribution.model."+string(m))})
	}
	if rep.Revenue > 0 {
		d.UnattributedShare = pct(float64(rep.Unattributed) / float64(rep.Revenue))
	}
	if rep.LeftOut > 0 {
		d.LeftOut = i18n.T(lang, "targets.left_out", rep.LeftOut, strings.Join(rep.Currencies, ", "))
	}
	view := func(rows []app.AttributionRow, campaigns bool) ([]attributionView, attributionChart) {
		var out []attributionView
		ch := attributionChart{Currency: rep.Base, Minor: i18n.MinorDigits(rep.Base), Labels: []string{}, Values: []int64{}}
		for _, row := range rows {
			v := attributionView{AttributionRow: row, Label: row.Name, Revenue: money(row.Revenue)}
			if campaigns {
				if row.CampaignID == 0 {
					v.Label = i18n.T(lang, "attribution.no_campaign")
				} else {
					v.Href = fmt.Sprintf("/marketing/campaigns/%d", row.CampaignID)
				}
			}
			if rep.Revenue > 0 {
				ratio := float64(row.Revenue) / float64(rep.Revenue)
				v.Share, v.ShareW = pct(ratio), int(max(0, min(ratio, 1))*100)
			}
			out = append(out, v)
			ch.Labels = append(ch.Labels, v.Label)
			ch.Values = append(ch.Values, row.Revenue)
		}
		return out, ch
	}
	for _, by := range []string{"campaign", "channel"} {
		rows := rep.ByCampaign
		if by == "channel" {
			rows = rep.ByChannel
		}
		t := attributionTable{By: by}
		t.Rows, t.Chart = view(rows, by == "campaign")
		t.Chart.Title = i18n.T(lang, "attribution.by_"+by)
		raw, err := json.Marshal(t.Chart)
		if err != nil {
			return err
		}
		t.ChartJSON = string(raw)
		t.CSV = "/reports/attribution?" + url.Values{"model": {string(model)}, "period": {per.Key()}, "format": {"csv"}, "by": {by}}.Encode()
		d.Tables = append(d.Tables, t)
	}
	p := s.newPage(w, r, rq, "attribution.title")
	p.Section, p.Sub = "reports", "attribution"
	p.Data = d
	s.render(w, r, rq, http.StatusOK, "campaigns_attribution", p)
	return nil
}

// attributionCSV writes one table of the report (by campaign or channel),
// the same rows as the page, with cells safe for spreadsheets.
func (s *server) attributionCSV(w http.ResponseWriter, rq *req, rep app.AttributionReport, per crm.Period, by string) error {
	rows, name := rep.ByCampaign, "attribution-campaigns"
	if by == "channel" {
		rows, name = rep.ByChannel, "attribution-channels"
	}
	setDownload(w, csvio.EncodingUTF8, name)
	cw := csv.NewWriter(w)
	lang := rq.lang
	head := i18n.T(lang, "attribution.col.campaign")
	if by == "channel" {
		head = i18n.T(lang, "attribution.col.channel")
	}
	_ = cw.Write([]string{i18n.T(lang, "attribution.col.period"), i18n.T(lang, "attribution.col.model"), head,
		i18n.T(lang, "attribution.col.revenue") + " (" + rep.Base + ")", i18n.T(lang, "attribution.col.deals"),
		i18n.T(lang, "attribution.col.touches")})
	model := i18n.T(lang, "attribution.model."+string(rep.Model))
	for _, row := range rows {
		label := row.Name
		if by != "channel" && row.CampaignID == 0 {
			label = i18n.T(lang, "attribution.no_campaign")
		}
		_ = cw.Write([]string{per.Key(), model, csvio.Neutralize(label), amountInput(row.Revenue, rep.Base),
			strconv.Itoa(row.Deals), strconv.Itoa(row.Touches)})
	}
	if rep.UnattributedDeals > 0 {
		_ = cw.Write([]string{per.Key(), model, i18n.T(lang, "attribution.unattributed"), amountInput(rep.Unattributed, rep.Base),
			strconv.Itoa(rep.UnattributedDeals), "0"})
	}
	cw.Flush()
	return cw.Error()
}
