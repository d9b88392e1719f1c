package web

import (
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"renkei/internal/app"
	"renkei/internal/crm"
	"renkei/internal/i18n"
	"renkei/internal/store"
)

// boardCards is how many cards a board column shows; the totals count all.
const boardCards = 50

// dealFilter is the board's and the list's selection, from the query string.
type dealFilter struct {
	Pipeline int64
	Owner    string // "", "me", "none" or a user id
	Month    string // YYYY-MM
	Source   string // "", marketing, outbound
	Status   string // list only: open, won, lost
	Sort     string // list only
	// Drill-down from the targets page (targets area): a team, the won
	// days [WonFrom, WonBefore) and the expected close days [CloseFrom,
	// CloseBefore), YYYY-MM-DD in the workspace's time zone.
	Team                   string
	WonFrom, WonBefore     string
	CloseFrom, CloseBefore string
	// The sales dashboard's drill-down (list only; see drill in
	// routes_dashboard.go).
	Drill drillFilter
}

func parseDealFilter(v url.Values) dealFilter {
	f := dealFilter{Owner: v.Get("owner"), Month: v.Get("month"), Source: v.Get("source"), Status: v.Get("status"), Sort: v.Get("sort")}
	f.Pipeline, _ = strconv.ParseInt(v.Get("pipeline"), 10, 64)
	if _, _, ok := monthRange(f.Month); !ok {
		f.Month = ""
	}
	if f.Source != crm.GroupMarketing && f.Source != crm.GroupOutbound {
		f.Source = ""
	}
	if !slices.Contains([]string{"open", "won", "lost"}, f.Status) {
		f.Status = ""
	}
	if !slices.Contains([]string{"amount", "close_date", "name", "updated"}, f.Sort) {
		f.Sort = ""
	}
	if id, err := strconv.ParseInt(v.Get("team"), 10, 64); err == nil && id > 0 {
		f.Team = v.Get("team")
	}
	for k, dst := range map[string]*string{"won_from": &f.WonFrom, "won_before": &f.WonBefore,
		"close_from": &f.CloseFrom, "close_before": &f.CloseBefore} {
		if x := v.Get(k); crm.ValidDate(x) {
			*dst = x
		}
	}
	f.Drill = parseDrill(v)
	return f
}

// Drilled reports whether the targets page's filters are set.
func (f dealFilter) Drilled() bool {
	return f.Team != "" || f.WonFrom != "" || f.WonBefore != "" || f.CloseFrom != "" || f.CloseBefore != ""
}

// Query encodes the filter for links, leaving out what is empty. It is a
// template.URL so that a template may write it after "?" as it is: the
// values are query-escaped here.
func (f dealFilter) Query() template.URL {
	v := url.Values{}
	if f.Pipeline != 0 {
		v.Set("pipeline", strconv.FormatInt(f.Pipeline, 10))
	}
	for k, x := range map[string]string{"owner": f.Owner, "month": f.Month, "source": f.Source, "status": f.Status, "sort": f.Sort,
		"team": f.Team, "won_from": f.WonFrom, "won_before": f.WonBefore, "close_from": f.CloseFrom, "close_before": f.CloseBefore} {
		if x != "" {
			v.Set(k, x)
		}
	}
	f.Drill.encode(v)
	return template.URL(v.Encode())
}

// WithSort is the query of the list sorted by key.
func (f dealFilter) WithSort(key string) template.URL {
	f.Sort = key
	return f.Query()
}

func monthRange(m string) (from, before string, ok bool) {
	t, err := time.Parse("2006-01", m)
	if err != nil {
		return "", "", false
	}
	return t.Format(time.DateOnly), t.AddDate(0, 1, 0).Format(time.DateOnly), true
}

func (f dealFilter) query(rq *req) store.DealQuery {
	q := store.DealQuery{PipelineID: f.Pipeline, SourceGroup: f.Source, Status: f.Status, Sort: f.Sort}
	switch f.Owner {
	case "":
	case "me":
		q.OwnerID = rq.actor.User.ID
	case "none":
		q.OwnerID = -1
	default:
		q.OwnerID, _ = strconv.ParseInt(f.Owner, 10, 64)
	}
	q.CloseFrom, q.CloseBefore, _ = monthRange(f.Month)
	q.TeamID, _ = strconv.ParseInt(f.Team, 10, 64)
	if f.CloseFrom != "" {
		q.CloseFrom = f.CloseFrom
	}
	if f.CloseBefore != "" {
		q.CloseBefore = f.CloseBefore
	}
	loc := time.UTC
	if rq.ws != nil {
		loc = rq.ws.Location()
	}
	if t, err := time.ParseInLocation(time.DateOnly, f.WonFrom, loc); err == nil {
		q.WonFrom = t
	}
	if t, err := time.ParseInLocation(time.DateOnly, f.WonBefore, loc); err == nil {
		q.WonBefore = t
	}
	f.Drill.apply(rq, &q)
	return q
}

// ---- the board ----

// boardData is the content of the pipeline board.
type boardData struct {
	Pipelines []crm.Pipeline
	Pipeline  crm.Pipeline
	Columns   []store.BoardColumn
	Filter    dealFilter
	Dir       *directory
	CanWrite  bool
	Empty     bool
	// Conflict is set when a move or quick edit lost a race: the deal as
	// it is now.
	Conflict    *crm.Deal
	Competitors []crm.Competitor
	Back        string
	List        bool // false: the board
}

func (s *server) boardPage(w http.ResponseWriter, r *http.Request, rq *req) error {
	return s.renderBoard(w, r, rq, r.URL.Query(), http.StatusOK, nil)
}

// renderBoard shows the board for the filter in v; conflict names a deal
// whose move was refused because someone else changed it first.
func (s *server) renderBoard(w http.ResponseWriter, r *http.Request, rq *req, v url.Values, status int, conflict *crm.Deal) error {
	ctx := r.Context()
	p := s.newPage(w, r, rq, "deals.board")
	p.Section = "sales"
	d := &boardData{Filter: parseDealFilter(v), CanWrite: rq.actor.Can(crm.PermWriteSales), Conflict: conflict}
	p.Data = d
	var err error
	if d.Pipelines, err = s.app.Pipelines(ctx, rq.actor); err != nil {
		return err
	}
	if len(d.Pipelines) == 0 {
		return crm.ErrNotFound
	}
	d.Pipeline = d.Pipelines[0]
	for _, pl := range d.Pipelines {
		if pl.ID == d.Filter.Pipeline || (d.Filter.Pipeline == 0 && pl.IsDefault) {
			d.Pipeline = pl
		}
	}
	d.Filter.Pipeline = d.Pipeline.ID
	if d.Dir, err = s.loadDirectory(ctx, rq); err != nil {
		return err
	}
	if d.Competitors, err = s.app.Competitors(ctx, rq.actor); err != nil {
		return err
	}
	if d.Columns, err = s.app.Board(ctx, rq.actor, d.Pipeline, d.Filter.query(rq), boardCards); err != nil {
		return err
	}
	d.Empty = true
	for _, c := range d.Columns {
		if c.Count > 0 {
			d.Empty = false
		}
	}
	d.Back = "/sales/deals?" + string(d.Filter.Query())
	s.render(w, r, rq, status, "sales_board", p)
	return nil
}

// ---- the list ----

// dealListData is the content of the deal list.
type dealListData struct {
	Pipelines []crm.Pipeline
	Stages    map[int64]crm.Stage
	Deals     []crm.Deal
	Filter    dealFilter
	Dir       *directory
	More      bool
	CanWrite  bool
	NextURL   string
	List      bool
	// Total and Competitors are set for a dashboard drill-down.
	Total       int
	Competitors []crm.Competitor
}

const dealListPageSize = 100

func (s *server) dealListPage(w http.ResponseWriter, r *http.Request, rq *req) error {
	ctx := r.Context()
	p := s.newPage(w, r, rq, "deals.list")
	p.Section = "sales"
	d := &dealListData{Filter: parseDealFilter(r.URL.Query()), Stages: map[int64]crm.Stage{}, CanWrite: rq.actor.Can(crm.PermWriteSales), List: true}
	p.Data = d
	var err error
	if d.Pipelines, err = s.app.Pipelines(ctx, rq.actor); err != nil {
		return err
	}
	for _, pl := range d.Pipelines {
		for _, st := range pl.Stages {
			d.Stages[st.ID] = st
		}
	}
	if d.Dir, err = s.loadDirectory(ctx, rq); err != nil {
		return err
	}
	q := d.Filter.query(rq)
	q.Limit = dealListPageSize
	offset, _ := strconv.Atoi(r.URL.Query().Get("offset"))
	q.Offset = max(0, offset)
	if q.Sort == "" {
		q.AfterID, _ = strconv.ParseInt(r.URL.Query().Get("after"), 10, 64)
	}
	page, err := s.app.ListDeals(ctx, rq.actor, q)
	if err != nil {
		return err
	}
	d.Deals, d.More = page.Deals, page.More
	if d.Filter.Drill.Active() { // dashboard drill-down: how many deals are behind the number
		if d.Total, err = s.app.CountDeals(ctx, rq.actor, q); err != nil {
			return err
		}
		d.Competitors, _ = s.app.Competitors(ctx, rq.actor)
	}
	if d.More && len(d.Deals) > 0 {
		if q.Sort == "" {
			d.NextURL = fmt.Sprintf("/sales/deals/list?%s&after=%d", d.Filter.Query(), d.Deals[len(d.Deals)-1].ID)
		} else {
			d.NextURL = fmt.Sprintf("/sales/deals/list?%s&offset=%d", d.Filter.Query(), q.Offset+len(d.Deals))
		}
	}
	s.render(w, r, rq, http.StatusOK, "sales_list", p)
	return nil
}

// ---- the deal page ----

// historyRow is one stage a deal went through.
type historyRow struct {
	Stage    crm.Stage
	At       time.Time
	Duration time.Duration
	Current  bool
	Actor    string
}

// dealData is the content of a deal's page.
type dealData struct {
	Deal        crm.Deal
	Pipeline    crm.Pipeline
	Stage       crm.Stage
	Contact     *crm.Contact
	History     []historyRow
	Competitors []crm.Competitor
	Dir         *directory
	CanWrite    bool
	Back        string
	// Move is set on the page that asks for what a move needs (lost
	// reason, required fields).
	Move        *moveData
	Conflict    bool
	ContactName string
	// Contracts is the contract of a won deal (contracts area).
	Contracts []crm.Contract
	// Quotes are the deal's quotes, every revision (quotes area).
	Quotes []crm.Quote
	// SurveyLinks are the win / loss and after-follow survey links made
	// for the deal (surveys area).
	SurveyLinks []app.SurveyInviteLink
}

// moveData describes a refused move: the target and what is missing.
type moveData struct {
	Stage   crm.Stage
	Missing []string
	Reason  string
	LostTo  int64
	Error   string
}

func (s *server) loadDeal(w http.ResponseWriter, r *http.Request, rq *req, id int64) (*page, *dealData, error) {
	ctx := r.Context()
	deal, err := s.app.Deal(ctx, rq.actor, id)
	if err != nil {
		return nil, nil, err
	}
	p := s.newPage(w, r, rq, "")
	p.Title = deal.Name
	p.Section = "sales"
	d := &dealData{Deal: deal, CanWrite: rq.actor.Can(crm.PermWriteSales), Back: fmt.Sprintf("/deals/%d", deal.ID)}
	p.Data = d
	if d.Pipeline, err = s.app.Pipeline(ctx, rq.actor, deal.PipelineID); err != nil {
		return nil, nil, err
	}
	d.Stage, _ = d.Pipeline.Stage(deal.StageID)
	p.Pretitle = d.Pipeline.Name(rq.lang)
	if d.Dir, err = s.loadDirectory(ctx, rq); err != nil {
		return nil, nil, err
	}
	if d.Competitors, err = s.app.Competitors(ctx, rq.actor); err != nil {
		return nil, nil, err
	}
	if deal.ContactID != 0 {
		if c, err := s.app.Contact(ctx, rq.actor, deal.ContactID); err == nil {
			d.Contact = &c
			d.ContactName = displayName(rq.lang, c)
		}
	}
	hist, err := s.app.StageHistory(ctx, rq.actor, deal.ID)
	if err != nil {
		return nil, nil, err
	}
	stages := map[int64]crm.Stage{}
	for _, st := range d.Pipeline.Stages {
		stages[st.ID] = st
	}
	for i := len(hist) - 1; i >= 0; i-- { // newest first
		h := hist[i]
		d.History = append(d.History, historyRow{Stage: stages[h.StageID], At: h.At, Duration: h.Duration, Current: h.Current, Actor: h.ActorName})
	}
	d.Contracts = s.contractsOf(ctx, rq, store.ContractQuery{DealID: deal.ID})              // contracts
	d.Quotes, _ = s.app.Quotes(ctx, rq.actor, store.QuoteQuery{DealID: deal.ID, Limit: 50}) // quotes
	d.SurveyLinks, _ = s.app.DealSurveyLinks(ctx, rq.actor, deal.ID)                        // surveys
	return p, d, nil
}

func (s *server) dealPage(w http.ResponseWriter, r *http.Request, rq *req) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	p, _, err := s.loadDeal(w, r, rq, id)
	if err != nil {
		return err
	}
	s.render(w, r, rq, http.StatusOK, "sales_deal", p)
	return nil
}

// backPath is the page a board or deal form returns to: a local path on
// the board, the list or a deal page.
func backPath(r *http.Request, fallback string) string {
	b := localPath(r.PostFormValue("back"), fallback)
	if strings.HasPrefix(b, "/sales/deals") || strings.HasPrefix(b, "/deals/") {
		return b
	}
	return fallback
}

// conflictPage shows the board (or the deal page) again, as it is now,
// with a message that someone else changed the deal first.
func (s *server) conflictPage(w http.ResponseWriter, r *http.Request, rq *req, back string, id int64) error {
	if strings.HasPrefix(back, "/sales/deals") {
		u, _ := url.Parse(back)
		cur, err := s.app.Deal(r.Context(), rq.actor, id)
		if err != nil {
			return err
		}
		return s.renderBoard(w, r, rq, u.Query(), http.StatusConflict, &cur)
	}
	p, d, err := s.loadDeal(w, r, rq, id)
	if err != nil {
		return err
	}
	d.Conflict = true
	s.render(w, r, rq, http.StatusConflict, "sales_deal", p)
	return nil
}

// dealMove moves a deal from the board (drag and drop or the keyboard
// menu) or from its page.
func (s *server) dealMove(w http.ResponseWriter, r *http.Request, rq *req) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	back := backPath(r, fmt.Sprintf("/deals/%d", id))
	version, _ := strconv.ParseInt(r.PostFormValue("version"), 10, 64)
	stageID, _ := strconv.ParseInt(r.PostFormValue("stage_id"), 10, 64)
	in := app.MoveInput{StageID: stageID, LostReason: r.PostFormValue("lost_reason")}
	in.LostToID, _ = strconv.ParseInt(r.PostFormValue("lost_to_id"), 10, 64)
	_, err = s.app.MoveDeal(r.Context(), rq.actor, id, version, in)
	switch {
	case err == nil:
		return s.redirect(w, r, rq, back, "flash.deal_moved")
	case errors.Is(err, crm.ErrStale):
		return s.conflictPage(w, r, rq, back, id)
	}
	v, ok := crm.AsValidation(err)
	if !ok {
		return err
	}
	p, d, lerr := s.loadDeal(w, r, rq, id)
	if lerr != nil {
		return lerr
	}
	st, found := d.Pipeline.Stage(stageID)
	if !found {
		return err
	}
	d.Back = back
	d.Move = &moveData{Stage: st, Missing: d.Deal.Missing(st.Required), Reason: in.LostReason, LostTo: in.LostToID}
	if m := v.Fields["lost_reason"]; m != "" {
		d.Move.Error = i18n.Error(rq.lang, m)
	}
	p.Title = i18n.T(rq.lang, "deals.move.title", d.Deal.Name)
	s.render(w, r, rq, http.StatusUnprocessableEntity, "sales_move", p)
	return nil
}

// dealQuick saves the board's quick edit: amount, close date, next step.
func (s *server) dealQuick(w http.ResponseWriter, r *http.Request, rq *req) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	back := backPath(r, fmt.Sprintf("/deals/%d", id))
	old, err := s.app.Deal(r.Context(), rq.actor, id)
	if err != nil {
		return err
	}
	version, _ := strconv.ParseInt(r.PostFormValue("version"), 10, 64)
	if version != old.Version {
		return s.conflictPage(w, r, rq, back, id)
	}
	d := old
	var verr error
	if d.Amount, verr = parseAmount(r.PostFormValue("amount"), d.Currency); verr == nil {
		d.CloseDate = strings.TrimSpace(r.PostFormValue("close_date"))
		d.NextStep = r.PostFormValue("next_step")
		_, verr = s.app.UpdateDeal(r.Context(), rq.actor, id, version, d)
	}
	switch {
	case verr == nil:
		return s.redirect(w, r, rq, back, "flash.saved")
	case errors.Is(verr, crm.ErrStale):
		return s.conflictPage(w, r, rq, back, id)
	}
	// Show the full form with the messages.
	p, fd, err := s.dealFormPage(w, r, rq, old)
	if err != nil {
		return err
	}
	p.Form = dealForm(old, fd.Dir)
	for _, k := range []string{"amount", "close_date", "next_step"} {
		p.Form.Set(k, r.PostFormValue(k))
	}
	return again(verr, "sales_deal_form", p)
}

func (s *server) dealDelete(w http.ResponseWriter, r *http.Request, rq *req) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.app.DeleteDeal(r.Context(), rq.actor, id); err != nil {
		return err
	}
	return s.redirect(w, r, rq, "/sales/deals", "flash.deal_deleted")
}

// ---- create and edit ----

// dealFormData is the content of the deal form.
type dealFormData struct {
	Deal        crm.Deal
	Edit        bool
	Action      string
	Dir         *directory
	Pipelines   []crm.Pipeline
	Competitors []crm.Competitor
	// People are the contacts that may be on the deal: those of its
	// company and those on it already.
	People []personRole
}

// personRole is a contact with their role on the deal ("" = not on it).
type personRole struct {
	ID   int64
	Name string
	Role string
}

func dealForm(d crm.Deal, dir *directory) *form {
	f := newForm()
	f.Version = d.Version
	for k, v := range map[string]string{"name": d.Name, "currency": d.Currency, "close_date": d.CloseDate,
		"company": d.CompanyName, "next_step": d.NextStep, "next_step_date": d.NextStepDate, "bant_budget": d.Budget,
		"bant_authority": d.Authority, "bant_need": d.Need, "bant_timeline": d.Timeline, "notes": d.Notes,
		"source": string(d.Source), "lost_reason": d.LostReason, "forecast_category": string(d.Forecast)} {
		f.Set(k, v)
	}
	if d.Currency == "" {
		f.Set("currency", "JPY")
	}
	if d.Amount != 0 {
		f.Set("amount", amountInput(d.Amount, d.Currency))
	}
	for k, id := range map[string]int64{"owner_id": d.OwnerID, "team_id": d.TeamID, "pipeline_id": d.PipelineID,
		"contact_id": d.ContactID, "lost_to_id": d.LostToID} {
		if id != 0 {
			f.Set(k, strconv.FormatInt(id, 10))
		}
	}
	for _, c := range d.Contacts {
		f.Set(fmt.Sprintf("role_%d", c.ContactID), c.Role)
	}
	for _, c := range d.Competitors {
		f.Values.Add("competitor", strconv.FormatInt(c, 10))
	}
	return f
}

// amountInput writes minor units as the user types them: 1200000 for JPY,
// 1234.50 for USD.
func amountInput(minor int64, currency string) string {
	if i18n.MinorDigits(currency) == 0 {
		return strconv.FormatInt(minor, 10)
	}
	return fmt.Sprintf("%d.%02d", minor/100, minor%100)
}

// parseAmount reads an amount as typed (¥1,200,000, 1200000, 1,234.50)
// into minor units of currency; JPY has no decimals.
func parseAmount(s, currency string) (int64, error) {
	s = strings.TrimSpace(s)
	for _, cut := range []string{",", "，", "¥", "￥", "$", "€", "£", " ", "円"} {
		s = strings.ReplaceAll(s, cut, "")
	}
	if s == "" {
		return 0, nil
	}
	digits := i18n.MinorDigits(currency)
	whole, frac, hasFrac := strings.Cut(s, ".")
	if hasFrac && digits == 0 {
		return 0, crm.Invalid("amount", "enter whole yen without decimals")
	}
	if len(frac) > digits {
		return 0, crm.Invalid("amount", "has too many decimals")
	}
	n, err := strconv.ParseInt(whole, 10, 64)
	if err != nil || n < 0 {
		return 0, crm.Invalid("amount", "enter an amount such as 1,200,000")
	}
	for range digits {
		n *= 10
	}
	if frac != "" {
		f, err := strconv.ParseInt(frac+strings.Repeat("0", digits-len(frac)), 10, 64)
		if err != nil {
			return 0, crm.Invalid("amount", "enter an amount such as 1,200,000")
		}
		n += f
	}
	return n, nil
}

func (s *server) dealFormPage(w http.ResponseWriter, r *http.Request, rq *req, d crm.Deal) (*page, *dealFormData, error) {
	ctx := r.Context()
	title := "deals.new"
	if d.ID != 0 {
		title = "deals.edit"
	}
	p := s.newPage(w, r, rq, title)
	p.Section = "sales"
	fd := &dealFormData{Deal: d, Edit: d.ID != 0, Action: "/deals"}
	if d.ID != 0 {
		fd.Action = fmt.Sprintf("/deals/%d", d.ID)
	}
	p.Data = fd
	var err error
	if fd.Dir, err = s.loadDirectory(ctx, rq); err != nil {
		return nil, nil, err
	}
	if fd.Pipelines, err = s.app.Pipelines(ctx, rq.actor); err != nil {
		return nil, nil, err
	}
	if fd.Competitors, err = s.app.Competitors(ctx, rq.actor); err != nil {
		return nil, nil, err
	}
	seen := map[int64]bool{}
	for _, c := range d.Contacts {
		fd.People = append(fd.People, personRole{ID: c.ContactID, Name: c.Name, Role: c.Role})
		seen[c.ContactID] = true
	}
	add := func(c crm.Contact) {
		if !seen[c.ID] {
			seen[c.ID] = true
			fd.People = append(fd.People, personRole{ID: c.ID, Name: displayName(rq.lang, c)})
		}
	}
	if d.ContactID != 0 {
		if c, err := s.app.Contact(ctx, rq.actor, d.ContactID); err == nil {
			add(c)
		}
	}
	if d.CompanyID != 0 {
		page, err := s.app.ListContacts(ctx, rq.actor, store.ContactQuery{CompanyID: d.CompanyID, Limit: 50})
		if err == nil {
			for _, c := range page.Contacts {
				add(c)
			}
		}
	}
	return p, fd, nil
}

// dealNew opens the form, prefilled from ?contact= or ?company= (the
// "Create deal" buttons of the contact and company pages).
func (s *server) dealNew(w http.ResponseWriter, r *http.Request, rq *req) error {
	ctx := r.Context()
	d := crm.Deal{OwnerID: rq.actor.User.ID, Currency: "JPY"}
	if id, _ := strconv.ParseInt(r.URL.Query().Get("contact"), 10, 64); id > 0 {
		c, err := s.app.Contact(ctx, rq.actor, id)
		if err != nil {
			return err
		}
		d.ContactID, d.CompanyID, d.Source, d.TeamID = c.ID, c.CompanyID, c.OriginalSource, c.TeamID
		d.Name = displayName(rq.lang, c)
		d.Contacts = []crm.DealContact{{ContactID: c.ID, Role: crm.RoleDecisionMaker, Name: displayName(rq.lang, c)}}
	}
	if id, _ := strconv.ParseInt(r.URL.Query().Get("company"), 10, 64); id > 0 || d.CompanyID != 0 {
		if id == 0 {
			id = d.CompanyID
		}
		co, err := s.app.Company(ctx, rq.actor, id)
		if err != nil {
			return err
		}
		d.CompanyID, d.CompanyName, d.Name = co.ID, co.Name, co.Name
	}
	p, fd, err := s.dealFormPage(w, r, rq, d)
	if err != nil {
		return err
	}
	p.Form = dealForm(d, fd.Dir)
	s.render(w, r, rq, http.StatusOK, "sales_deal_form", p)
	return nil
}

// dealInput reads the submitted deal form over base.
func (s *server) dealInput(r *http.Request, rq *req, f *form, base crm.Deal) (crm.Deal, error) {
	d := base
	v := &crm.ValidationError{}
	d.Name = f.Get("name")
	d.Currency = strings.ToUpper(strings.TrimSpace(f.Get("currency")))
	var err error
	if d.Amount, err = parseAmount(f.Get("amount"), d.Currency); err != nil {
		ve, _ := crm.AsValidation(err)
		v.Add("amount", ve.Fields["amount"])
	}
	d.CloseDate, d.NextStep, d.NextStepDate = f.Get("close_date"), f.Get("next_step"), f.Get("next_step_date")
	d.Budget, d.Authority, d.Need, d.Timeline = f.Get("bant_budget"), f.Get("bant_authority"), f.Get("bant_need"), f.Get("bant_timeline")
	d.Notes, d.LostReason = f.Get("notes"), f.Get("lost_reason")
	d.Forecast = crm.ForecastCategory(f.Get("forecast_category"))
	d.OwnerID, _ = strconv.ParseInt(f.Get("owner_id"), 10, 64)
	d.TeamID, _ = strconv.ParseInt(f.Get("team_id"), 10, 64)
	d.LostToID, _ = strconv.ParseInt(f.Get("lost_to_id"), 10, 64)
	if base.ID == 0 {
		d.PipelineID, _ = strconv.ParseInt(f.Get("pipeline_id"), 10, 64)
		d.ContactID, _ = strconv.ParseInt(f.Get("contact_id"), 10, 64)
		d.StageID = 0
	}
	if d.ContactID == 0 {
		d.Source = crm.Source(f.Get("source"))
	}
	// The company, by name.
	d.CompanyID = 0
	if name := strings.TrimSpace(f.Get("company")); name != "" {
		page, err := s.app.ListCompanies(r.Context(), rq.actor, store.CompanyQuery{Name: name, Limit: 20})
		if err != nil {
			if _, ok := crm.AsValidation(err); !ok {
				return d, err
			}
		}
		for _, co := range page.Companies {
			if co.Name == name {
				d.CompanyID = co.ID
				break
			}
		}
		if d.CompanyID == 0 {
			v.Add("company", "no company has this name; create it first or pick one from the list")
		}
	}
	// The people on the deal and their roles.
	d.Contacts = nil
	for k, vs := range f.Values {
		idText, ok := strings.CutPrefix(k, "role_")
		if !ok || len(vs) == 0 || vs[0] == "" {
			continue
		}
		id, err := strconv.ParseInt(idText, 10, 64)
		if err != nil {
			continue
		}
		d.Contacts = append(d.Contacts, crm.DealContact{ContactID: id, Role: vs[0]})
	}
	slices.SortFunc(d.Contacts, func(a, b crm.DealContact) int { return int(a.ContactID - b.ContactID) })
	d.Competitors = nil
	for _, c := range f.Values["competitor"] {
		if id, err := strconv.ParseInt(c, 10, 64); err == nil && id > 0 {
			d.Competitors = append(d.Competitors, id)
		}
	}
	if len(v.Fields) > 0 { // show the deal's own messages too, all at once
		check := d
		check.Normalize()
		if err := check.Validate(); err != nil {
			ve, _ := crm.AsValidation(err)
			for f, m := range ve.Fields {
				v.Add(f, m)
			}
		}
	}
	return d, v.Err()
}

// addCompetitor creates the competitor named in the form's new_competitor
// field and puts it on the deal.
func (s *server) addCompetitor(r *http.Request, rq *req, f *form, d *crm.Deal) error {
	name := strings.TrimSpace(f.Get("new_competitor"))
	if name == "" {
		return nil
	}
	c, err := s.app.CreateCompetitor(r.Context(), rq.actor, crm.Competitor{Name: name})
	if err != nil {
		if v, ok := crm.AsValidation(err); ok {
			return crm.Invalid("new_competitor", v.Fields["name"])
		}
		return err
	}
	d.Competitors = append(d.Competitors, c.ID)
	return nil
}

func (s *server) dealCreate(w http.ResponseWriter, r *http.Request, rq *req) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	f := submitted(r)
	base := crm.Deal{}
	base.ContactID, _ = strconv.ParseInt(f.Get("contact_id"), 10, 64)
	base.CompanyID, _ = strconv.ParseInt(f.Get("company_id"), 10, 64)
	d, err := s.dealInput(r, rq, f, base)
	if err == nil {
		err = s.addCompetitor(r, rq, f, &d)
	}
	if err == nil {
		d, err = s.app.CreateDeal(r.Context(), rq.actor, d)
	}
	if err != nil {
		p, _, perr := s.dealFormPage(w, r, rq, d)
		if perr != nil {
			return perr
		}
		p.Form = f
		return again(err, "sales_deal_form", p)
	}
	return s.redirect(w, r, rq, fmt.Sprintf("/deals/%d", d.ID), "flash.deal_created")
}

func (s *server) dealEdit(w http.ResponseWriter, r *http.Request, rq *req) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	d, err := s.app.Deal(r.Context(), rq.actor, id)
	if err != nil {
		return err
	}
	p, fd, err := s.dealFormPage(w, r, rq, d)
	if err != nil {
		return err
	}
	p.Form = dealForm(d, fd.Dir)
	s.render(w, r, rq, http.StatusOK, "sales_deal_form", p)
	return nil
}

func (s *server) dealUpdate(w http.ResponseWriter, r *http.Request, rq *req) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	old, err := s.app.Deal(r.Context(), rq.actor, id)
	if err != nil {
		return err
	}
	f := submitted(r)
	d, err := s.dealInput(r, rq, f, old)
	if err == nil {
		err = s.addCompetitor(r, rq, f, &d)
	}
	if err == nil {
		_, err = s.app.UpdateDeal(r.Context(), rq.actor, id, f.Version, d)
	}
	if err != nil {
		p, _, perr := s.dealFormPage(w, r, rq, old)
		if perr != nil {
			return perr
		}
		p.Form = f
		return again(err, "sales_deal_form", p)
	}
	return s.redirect(w, r, rq, fmt.Sprintf("/deals/%d", id), "flash.saved")
}

// ---- pipelines (settings) ----

// pipelinesData is the content of the pipeline settings.
type pipelinesData struct {
	Pipelines []crm.Pipeline
	Fields    []string
}

func (s *server) pipelinesPage(w http.ResponseWriter, r *http.Request, rq *req) error {
	return s.renderPipelines(w, r, rq, http.StatusOK, nil)
}

func (s *server) renderPipelines(w http.ResponseWriter, r *http.Request, rq *req, status int, f *form) error {
	p := s.newPage(w, r, rq, "pipelines.title")
	p.Section, p.Sub = "settings", "pipelines"
	ps, err := s.app.Pipelines(r.Context(), rq.actor)
	if err != nil {
		return err
	}
	p.Data = &pipelinesData{Pipelines: ps, Fields: crm.DealFields}
	p.Form = f
	if p.Form == nil {
		p.Form = newForm()
	}
	s.render(w, r, rq, status, "sales_pipelines", p)
	return nil
}

// pipelinesAgain shows the settings with the error of a refused change.
func (s *server) pipelinesAgain(w http.ResponseWriter, r *http.Request, rq *req, err error) error {
	if v, ok := crm.AsValidation(err); ok {
		f := newForm()
		f.Alert = i18n.T(rq.lang, "form.invalid")
		for field, m := range v.Fields {
			f.Alert += " " + i18n.Error(rq.lang, m)
			f.setError(field, i18n.Error(rq.lang, m))
		}
		return s.renderPipelines(w, r, rq, http.StatusUnprocessableEntity, f)
	}
	return err
}

func (s *server) pipelineCreate(w http.ResponseWriter, r *http.Request, rq *req) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	_, err := s.app.CreatePipeline(r.Context(), rq.actor, crm.Pipeline{NameJA: r.PostFormValue("name_ja"), NameEN: r.PostFormValue("name_en")})
	if err != nil {
		return s.pipelinesAgain(w, r, rq, err)
	}
	return s.redirect(w, r, rq, "/settings/pipelines", "flash.saved")
}

func (s *server) pipelineRename(w http.ResponseWriter, r *http.Request, rq *req) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	version, _ := strconv.ParseInt(r.PostFormValue("version"), 10, 64)
	if _, err := s.app.UpdatePipeline(r.Context(), rq.actor, id, version, r.PostFormValue("name_ja"), r.PostFormValue("name_en")); err != nil {
		return s.pipelinesAgain(w, r, rq, err)
	}
	return s.redirect(w, r, rq, "/settings/pipelines", "flash.saved")
}

// stageSave adds a stage (no stage_id) or changes one.
func (s *server) stageSave(w http.ResponseWriter, r *http.Request, rq *req) error {
	if err := parseForm(w, r); err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	st := crm.Stage{PipelineID: id, NameJA: r.PostFormValue("name_ja"), NameEN: r.PostFormValue("name_en"),
		Kind: crm.StageKind(r.PostFormValue("kind")), Required: r.PostForm["required"]}
	st.ID, _ = strconv.ParseInt(r.PostFormValue("stage_id"), 10, 64)
	var perr error
	if st.Probability, perr = strconv.Atoi(strings.TrimSpace(r.PostFormValue("probability"))); perr != nil {
		return s.pipelinesAgain(w, r, rq, crm.Invalid("probability", "must be a percentage from 0 to 100"))
	}
	st.Position, _ = strconv.Atoi(r.PostFormValue("position"))
	if _, err := s.app.SaveStage(r.Context(), rq.actor, st); err != nil {
		return s.pipelinesAgain(w, r, rq, err)
	}
	return s.redirect(w, r, rq, "/settings/pipelines", "flash.saved")
}

func (s *server) stageDelete(w http.ResponseWriter, r *http.Request, rq *req) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	stage, err := pathID(r, "stage")
	if err != nil {
		return err
	}
	if err := s.app.DeleteStage(r.Context(), rq.actor, id, stage); err != nil {
		return s.pipelinesAgain(w, r, rq, err)
	}
	return s.redirect(w, r, rq, "/settings/pipelines", "flash.saved")
}

// ---- template functions ----

// salesFuncs are the template functions of the sales pages.
func salesFuncs(lang crm.Language) template.FuncMap {
	return template.FuncMap{
		"stageName":    func(st crm.Stage) string { return st.Name(lang) },
		"pipelineName": func(p crm.Pipeline) string { return p.Name(lang) },
		"weighted":     func(amount int64, p int) int64 { return crm.Weighted(amount, p) },
		"duration":     func(d time.Duration) string { return durationText(lang, d) },
		"dealField":    func(f string) string { return i18n.T(lang, "deals.field."+f) },
		"dealFields": func(fs []string) string {
			out := make([]string, len(fs))
			for i, f := range fs {
				out[i] = i18n.T(lang, "deals.field."+f)
			}
			return strings.Join(out, listSep(lang))
		},
		"dealRole":    func(r string) string { return i18n.T(lang, "deals.role."+r) },
		"sourceGroup": func(g string) string { return i18n.T(lang, "deals.group."+g) },
		"stageKind":   func(k crm.StageKind) string { return i18n.T(lang, "deals.kind."+string(k)) },
		"closeDate": func(s string) string {
			t, err := time.Parse(time.DateOnly, s)
			if err != nil {
				return ""
			}
			return i18n.Date(lang, t)
		},
		"competitorName": func(cs []crm.Competitor, id int64) string {
			for _, c := range cs {
				if c.ID == id {
					return c.Name
				}
			}
			return ""
		},
		"dict": func(kv ...any) map[string]any {
			m := map[string]any{}
			for i := 0; i+1 < len(kv); i += 2 {
				m[fmt.Sprint(kv[i])] = kv[i+1]
			}
			return m
		},
		"minus": func(a, b int) int { return a - b },
		"withLabel": func(label string, in inputData) inputData {
			in.Label = label
			return in
		},
		"list3":     func(s ...string) []string { return s },
		"hasString": func(list []string, s string) bool { return slices.Contains(list, s) },
		"amountIn":  amountInput,
		"roleChoices": func() []option {
			out := []option{{"", i18n.T(lang, "deals.role.none")}}
			for _, r := range crm.DealRoles {
				out = append(out, option{r, i18n.T(lang, "deals.role."+r)})
			}
			return out
		},
		"pipelineChoices": func(ps []crm.Pipeline) []option {
			out := make([]option, len(ps))
			for i, p := range ps {
				out[i] = option{strconv.FormatInt(p.ID, 10), p.Name(lang)}
			}
			return out
		},
		"competitorChoices": func(cs []crm.Competitor) []option {
			out := []option{{"", i18n.T(lang, "deals.lost_to.none")}}
			for _, c := range cs {
				out = append(out, option{strconv.FormatInt(c.ID, 10), c.Name})
			}
			return out
		},
		"currencyChoices": func() []option {
			var out []option
			for _, c := range []string{"JPY", "USD", "EUR", "CNY", "KRW", "TWD", "GBP"} {
				out = append(out, option{c, c})
			}
			return out
		},
		"dealSourceChoices": func() []option { return labelled(lang, "source.", "", sources) },
	}
}

// durationText is a time in a stage: "3日" / "3 days", hours under a day.
func durationText(lang crm.Language, d time.Duration) string {
	if d < 24*time.Hour {
		return i18n.T(lang, "deals.hours", int(d/time.Hour))
	}
	return i18n.T(lang, "deals.days", int(d/(24*time.Hour)))
}

// dealTimeline describes a deal event on a contact's or company's timeline.
func dealTimeline(lang crm.Language, it *timelineItem, e store.TimelineEntry) {
	it.Icon, it.Color = "ti-briefcase", "bg-blue-lt"
	switch e.Kind {
	case app.KindDealWon:
		it.Icon, it.Color = "ti-trophy", "bg-green-lt"
	case app.KindDealLost:
		it.Icon, it.Color = "ti-circle-x", "bg-red-lt"
	}
	str := func(k string) string {
		if v, ok := e.Data[k].(string); ok {
			return v
		}
		return ""
	}
	stage := str("stage_ja")
	if lang == crm.LangEN {
		stage = str("stage_en")
	}
	it.Detail = i18n.T(lang, "timeline.deal", str("deal"), stage)
	if r := str("lost_reason"); r != "" {
		it.Detail += " (" + r + ")"
	}
}

// dealPanelData is the deals card of a contact's or company's page.
type dealPanelData struct {
	Deals    []crm.Deal
	Stages   map[int64]crm.Stage
	NewURL   string
	CanWrite bool
}

// dealPanel renders the deals of a contact (?contact=) or a company
// (?company=) as a card, loaded by htmx into their pages.
func (s *server) dealPanel(w http.ResponseWriter, r *http.Request, rq *req) error {
	ctx := r.Context()
	v := r.URL.Query()
	q := store.DealQuery{Limit: 20, Sort: "updated"}
	d := &dealPanelData{Stages: map[int64]crm.Stage{}, CanWrite: rq.actor.Can(crm.PermWriteSales)}
	if id, _ := strconv.ParseInt(v.Get("contact"), 10, 64); id > 0 {
		if _, err := s.app.Contact(ctx, rq.actor, id); err != nil {
			return err
		}
		q.ContactID, d.NewURL = id, fmt.Sprintf("/deals/new?contact=%d", id)
	} else if id, _ := strconv.ParseInt(v.Get("company"), 10, 64); id > 0 {
		if _, err := s.app.Company(ctx, rq.actor, id); err != nil {
			return err
		}
		q.CompanyID, d.NewURL = id, fmt.Sprintf("/deals/new?company=%d", id)
	} else {
		return crm.ErrNotFound
	}
	page, err := s.app.ListDeals(ctx, rq.actor, q)
	if err != nil {
		return err
	}
	d.Deals = page.Deals
	ps, err := s.app.Pipelines(ctx, rq.actor)
	if err != nil {
		return err
	}
	for _, pl := range ps {
		for _, st := range pl.Stages {
			d.Stages[st.ID] = st
		}
	}
	p := s.newPage(nil, r, rq, "")
	p.Data = d
	s.renderTemplate(w, rq, http.StatusOK, "sales_list", "dealpanel", p)
	return nil
}
