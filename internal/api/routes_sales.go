package api

import (
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"renkei/internal/app"
	"renkei/internal/crm"
	"renkei/internal/i18n"
	"renkei/internal/store"
)

// salesRoutes are the API endpoints of pipelines and deals (later: activities, tasks, contracts, targets).
func (s *server) salesRoutes() []route {
	return []route{
		{method: http.MethodGet, path: "/pipelines", perm: crm.PermReadAll, id: "listPipelines", tag: "pipelines",
			summary: "Every pipeline with its stages, in order", status: 200, resp: "PipelineList", handle: s.listPipelines},
		{method: http.MethodPost, path: "/pipelines", perm: crm.PermSettings, id: "createPipeline", tag: "pipelines",
			summary: "Add a pipeline; it starts with the default stages (Approach … Won, Lost)", body: "PipelineInput",
			status: 201, resp: "Pipeline", location: true, handle: s.createPipeline},
		{method: http.MethodGet, path: "/pipelines/{id}", perm: crm.PermReadAll, id: "getPipeline", tag: "pipelines",
			summary: "One pipeline with its stages", status: 200, resp: "Pipeline", handle: s.getPipeline},
		{method: http.MethodPatch, path: "/pipelines/{id}", perm: crm.PermSettings, id: "updatePipeline", tag: "pipelines",
			summary: "Rename a pipeline", body: "PipelineInput", ifMatch: true, status: 200, resp: "Pipeline", handle: s.updatePipeline},
		{method: http.MethodGet, path: "/pipelines/{id}/board", perm: crm.PermReadAll, id: "pipelineBoard", tag: "pipelines",
			summary: "The board: per stage the number, amount and weighted amount of the matching deals and the first 50 by close date",
			query:   boardQuery(), status: 200, resp: "Board", handle: s.pipelineBoard},
		{method: http.MethodPost, path: "/pipelines/{id}/stages", perm: crm.PermSettings, id: "createStage", tag: "pipelines",
			summary: "Add a stage at the end of a pipeline", body: "StageInput", status: 201, resp: "Stage", handle: s.createStage},
		{method: http.MethodPatch, path: "/pipelines/{id}/stages/{stage_id}", perm: crm.PermSettings, id: "updateStage", tag: "pipelines",
			summary: "Change a stage: names, kind, probability, position, required fields", body: "StageInput",
			status: 200, resp: "Stage", handle: s.updateStage},
		{method: http.MethodDelete, path: "/pipelines/{id}/stages/{stage_id}", perm: crm.PermSettings, id: "deleteStage", tag: "pipelines",
			summary: "Delete a stage that holds no deals", status: 204, handle: s.deleteStage},

		{method: http.MethodGet, path: "/deals", perm: crm.PermReadAll, id: "listDeals", tag: "deals",
			summary: "List deals, newest first, with the board's filters", query: dealListQuery(),
			status: 200, resp: "DealList", handle: s.listDeals},
		{method: http.MethodPost, path: "/deals", perm: crm.PermWriteSales, id: "createDeal", tag: "deals",
			summary: "Create a deal (default pipeline, first stage unless given); the source is inherited from contact_id",
			body:    "DealInput", status: 201, resp: "Deal", location: true, handle: s.createDeal},
		{method: http.MethodGet, path: "/deals/{id}", perm: crm.PermReadAll, id: "getDeal", tag: "deals",
			summary: "One deal", status: 200, resp: "Deal", handle: s.getDeal},
		{method: http.MethodPatch, path: "/deals/{id}", perm: crm.PermWriteSales, id: "updateDeal", tag: "deals",
			summary: "Change the fields sent (the stage changes only through move)", body: "DealPatch", ifMatch: true,
			status: 200, resp: "Deal", handle: s.updateDeal},
		{method: http.MethodDelete, path: "/deals/{id}", perm: crm.PermWriteSales, id: "deleteDeal", tag: "deals",
			summary: "Delete a deal with its history", status: 204, handle: s.deleteDeal},
		{method: http.MethodPost, path: "/deals/{id}/move", perm: crm.PermWriteSales, id: "moveDeal", tag: "deals",
			summary: "Move a deal to another stage of its pipeline; 412 when someone moved or changed it since your read, 422 naming the fields the stage requires",
			body:    "DealMove", ifMatch: true, status: 200, resp: "Deal", handle: s.moveDeal},
		{method: http.MethodGet, path: "/deals/{id}/history", perm: crm.PermReadAll, id: "dealHistory", tag: "deals",
			summary: "The stages a deal went through, oldest first, with the time spent in each", status: 200,
			resp: "StageHistory", handle: s.dealHistory},

		{method: http.MethodGet, path: "/competitors", perm: crm.PermReadAll, id: "listCompetitors", tag: "deals",
			summary: "Named competitors, by name", status: 200, resp: "CompetitorList", handle: s.listCompetitors},
		{method: http.MethodPost, path: "/competitors", perm: crm.PermWriteSales, id: "createCompetitor", tag: "deals",
			summary: "Add a named competitor", body: "CompetitorInput", status: 201, resp: "Competitor", handle: s.createCompetitor},
	}
}

func boardQuery() []param {
	return []param{
		{name: "owner_id", desc: "Owned by this user; me for yourself, none for no owner.", schema: js{"type": "string", "pattern": "^([1-9][0-9]*|me|none)$"}},
		{name: "close_month", desc: "Expected to close in this month, YYYY-MM.", schema: js{"type": "string", "pattern": `^\d{4}-(0[1-9]|1[0-2])$`}},
		{name: "source_group", desc: "Deals whose lead came from marketing or outbound.", schema: enumOf(crm.GroupMarketing, crm.GroupOutbound)},
	}
}

func dealListQuery() []param {
	return pageParams(
		param{name: "pipeline_id", desc: "In this pipeline.", schema: idSchema("")},
		param{name: "stage_id", desc: "In this stage.", schema: idSchema("")},
		param{name: "owner_id", desc: "Owned by this user; me for yourself, none for no owner.", schema: js{"type": "string", "pattern": "^([1-9][0-9]*|me|none)$"}},
		param{name: "team_id", desc: "Of this team.", schema: idSchema("")},
		param{name: "company_id", desc: "With this company.", schema: idSchema("")},
		param{name: "contact_id", desc: "With this contact (primary or with a role).", schema: idSchema("")},
		param{name: "source_group", desc: "Deals whose lead came from marketing or outbound.", schema: enumOf(crm.GroupMarketing, crm.GroupOutbound)},
		param{name: "close_month", desc: "Expected to close in this month, YYYY-MM.", schema: js{"type": "string", "pattern": `^\d{4}-(0[1-9]|1[0-2])$`}},
		param{name: "status", desc: "open, won or lost.", schema: enumOf("open", "won", "lost")},
	)
}

// ---- JSON shapes ----

type stageJSON struct {
	ID             int64    `json:"id"`
	PipelineID     int64    `json:"pipeline_id"`
	NameJA         string   `json:"name_ja"`
	NameEN         string   `json:"name_en"`
	Kind           string   `json:"kind"`
	Probability    int      `json:"probability"`
	Position       int      `json:"position"`
	RequiredFields []string `json:"required_fields"`
	Version        int64    `json:"version"`
}

func (s stageJSON) etag() int64 { return s.Version }

func toStage(st crm.Stage) stageJSON {
	req := st.Required
	if req == nil {
		req = []string{}
	}
	return stageJSON{ID: st.ID, PipelineID: st.PipelineID, NameJA: st.NameJA, NameEN: st.NameEN, Kind: string(st.Kind),
		Probability: st.Probability, Position: st.Position, RequiredFields: req, Version: st.Version}
}

type pipelineJSON struct {
	ID        int64       `json:"id"`
	NameJA    string      `json:"name_ja"`
	NameEN    string      `json:"name_en"`
	Position  int         `json:"position"`
	IsDefault bool        `json:"is_default"`
	Stages    []stageJSON `json:"stages"`
	Version   int64       `json:"version"`
}

func (p pipelineJSON) etag() int64 { return p.Version }

func toPipeline(p crm.Pipeline) pipelineJSON {
	out := pipelineJSON{ID: p.ID, NameJA: p.NameJA, NameEN: p.NameEN, Position: p.Position, IsDefault: p.IsDefault,
		Stages: []stageJSON{}, Version: p.Version}
	for _, st := range p.Stages {
		out.Stages = append(out.Stages, toStage(st))
	}
	return out
}

type dealContactJSON struct {
	ContactID int64  `json:"contact_id"`
	Role      string `json:"role"`
	Name      string `json:"name"`
}

type dealJSON struct {
	ID               int64             `json:"id"`
	Name             string            `json:"name"`
	PipelineID       int64             `json:"pipeline_id"`
	StageID          int64             `json:"stage_id"`
	Amount           int64             `json:"amount"`
	Currency         string            `json:"currency"`
	AmountFormatted  string            `json:"amount_formatted"`
	CloseDate        *string           `json:"close_date"`
	OwnerID          *int64            `json:"owner_id"`
	TeamID           *int64            `json:"team_id"`
	CompanyID        *int64            `json:"company_id"`
	ContactID        *int64            `json:"contact_id"`
	Source           string            `json:"source"`
	SourceGroup      string            `json:"source_group"`
	NextStep         string            `json:"next_step"`
	NextStepDate     *string           `json:"next_step_date"`
	Budget           string            `json:"bant_budget"`
	Authority        string            `json:"bant_authority"`
	Need             string            `json:"bant_need"`
	Timeline         string            `json:"bant_timeline"`
	Notes            string            `json:"notes"`
	LostReason       string            `json:"lost_reason"`
	LostToID         *int64            `json:"lost_to_id"`
	ForecastCategory string            `json:"forecast_category"`
	Contacts         []dealContactJSON `json:"contacts"`
	CompetitorIDs    []int64           `json:"competitor_ids"`
	WonAt            *time.Time        `json:"won_at"`
	ClosedAt         *time.Time        `json:"closed_at"`
	StageEnteredAt   time.Time         `json:"stage_entered_at"`
	CreatedAt        time.Time         `json:"created_at"`
	UpdatedAt        time.Time         `json:"updated_at"`
	Version          int64             `json:"version"`
}

func (d dealJSON) etag() int64 { return d.Version }

func optText(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func toDeal(d crm.Deal, lang crm.Language) dealJSON {
	out := dealJSON{ID: d.ID, Name: d.Name, PipelineID: d.PipelineID, StageID: d.StageID, Amount: d.Amount,
		Currency: d.Currency, AmountFormatted: i18n.Money(lang, d.Amount, d.Currency), CloseDate: optText(d.CloseDate),
		OwnerID: optID(d.OwnerID), TeamID: optID(d.TeamID), CompanyID: optID(d.CompanyID), ContactID: optID(d.ContactID),
		Source: string(d.Source), SourceGroup: d.SourceGroup, NextStep: d.NextStep, NextStepDate: optText(d.NextStepDate),
		Budget: d.Budget, Authority: d.Authority, Need: d.Need, Timeline: d.Timeline, Notes: d.Notes,
		LostReason: d.LostReason, LostToID: optID(d.LostToID), ForecastCategory: string(d.Forecast),
		Contacts: []dealContactJSON{}, CompetitorIDs: []int64{},
		WonAt: optTime(d.WonAt), ClosedAt: optTime(d.ClosedAt), StageEnteredAt: d.StageEntered,
		CreatedAt: d.CreatedAt, UpdatedAt: d.UpdatedAt, Version: d.Version}
	for _, c := range d.Contacts {
		out.Contacts = append(out.Contacts, dealContactJSON{ContactID: c.ContactID, Role: c.Role, Name: c.Name})
	}
	out.CompetitorIDs = append(out.CompetitorIDs, d.Competitors...)
	return out
}

// dealFields are the writable fields of a deal, for POST and PATCH.
type dealFields struct {
	Name          *string            `json:"name"`
	PipelineID    optional[int64]    `json:"pipeline_id"`
	StageID       optional[int64]    `json:"stage_id"`
	Amount        *int64             `json:"amount"`
	Currency      *string            `json:"currency"`
	CloseDate     optional[string]   `json:"close_date"`
	OwnerID       optional[int64]    `json:"owner_id"`
	TeamID        optional[int64]    `json:"team_id"`
	CompanyID     optional[int64]    `json:"company_id"`
	ContactID     optional[int64]    `json:"contact_id"`
	Source        *string            `json:"source"`
	NextStep      *string            `json:"next_step"`
	NextStepDate  optional[string]   `json:"next_step_date"`
	Budget        *string            `json:"bant_budget"`
	Authority     *string            `json:"bant_authority"`
	Need          *string            `json:"bant_need"`
	Timeline      *string            `json:"bant_timeline"`
	Notes         *string            `json:"notes"`
	LostReason    *string            `json:"lost_reason"`
	LostToID      optional[int64]    `json:"lost_to_id"`
	Forecast      *string            `json:"forecast_category"`
	Contacts      *[]dealContactJSON `json:"contacts"`
	CompetitorIDs *[]int64           `json:"competitor_ids"`
}

func (f dealFields) apply(d crm.Deal) crm.Deal {
	set := func(dst *string, src *string) {
		if src != nil {
			*dst = *src
		}
	}
	set(&d.Name, f.Name)
	d.PipelineID = f.PipelineID.or(d.PipelineID)
	d.StageID = f.StageID.or(d.StageID)
	if f.Amount != nil {
		d.Amount = *f.Amount
	}
	set(&d.Currency, f.Currency)
	d.CloseDate = f.CloseDate.or(d.CloseDate)
	d.OwnerID = f.OwnerID.or(d.OwnerID)
	d.TeamID = f.TeamID.or(d.TeamID)
	d.CompanyID = f.CompanyID.or(d.CompanyID)
	d.ContactID = f.ContactID.or(d.ContactID)
	if f.Source != nil {
		d.Source = crm.Source(*f.Source)
	}
	set(&d.NextStep, f.NextStep)
	d.NextStepDate = f.NextStepDate.or(d.NextStepDate)
	set(&d.Budget, f.Budget)
	set(&d.Authority, f.Authority)
	set(&d.Need, f.Need)
	set(&d.Timeline, f.Timeline)
	set(&d.Notes, f.Notes)
	set(&d.LostReason, f.LostReason)
	d.LostToID = f.LostToID.or(d.LostToID)
	if f.Forecast != nil {
		d.Forecast = crm.ForecastCategory(*f.Forecast)
	}
	if f.Contacts != nil {
		d.Contacts = nil
		for _, c := range *f.Contacts {
			d.Contacts = append(d.Contacts, crm.DealContact{ContactID: c.ContactID, Role: c.Role})
		}
	}
	if f.CompetitorIDs != nil {
		d.Competitors = *f.CompetitorIDs
	}
	return d
}

type dealListJSON struct {
	Data       []dealJSON `json:"data"`
	NextCursor *string    `json:"next_cursor"`
}

type stageChangeJSON struct {
	StageID     int64     `json:"stage_id"`
	FromStageID *int64    `json:"from_stage_id"`
	At          time.Time `json:"at"`
	ActorID     *int64    `json:"actor_id"`
	Seconds     int64     `json:"seconds_in_stage"`
	Current     bool      `json:"current"`
}

type competitorJSON struct {
	ID         int64     `json:"id"`
	Name       string    `json:"name"`
	Website    string    `json:"website"`
	Notes      string    `json:"notes"`
	Strengths  string    `json:"strengths"`
	Weaknesses string    `json:"weaknesses"`
	TalkTrack  string    `json:"talk_track"`
	CreatedAt  time.Time `json:"created_at"`
}

func toCompetitor(c crm.Competitor) competitorJSON {
	return competitorJSON{ID: c.ID, Name: c.Name, Website: c.Website, Notes: c.Notes, Strengths: c.Strengths,
		Weaknesses: c.Weaknesses, TalkTrack: c.TalkTrack, CreatedAt: c.CreatedAt}
}

// ---- handlers: pipelines ----

func (s *server) listPipelines(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	ps, err := s.app.Pipelines(r.Context(), ac)
	if err != nil {
		return err
	}
	out := list[pipelineJSON]{Data: []pipelineJSON{}}
	for _, p := range ps {
		out.Data = append(out.Data, toPipeline(p))
	}
	return writeJSON(w, http.StatusOK, out)
}

type pipelineInput struct {
	NameJA *string `json:"name_ja"`
	NameEN *string `json:"name_en"`
}

func (s *server) createPipeline(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	var in pipelineInput
	if err := decodeJSON(r, &in, false); err != nil {
		return err
	}
	p := crm.Pipeline{}
	if in.NameJA != nil {
		p.NameJA = *in.NameJA
	}
	if in.NameEN != nil {
		p.NameEN = *in.NameEN
	}
	p, err := s.app.CreatePipeline(r.Context(), ac, p)
	if err != nil {
		return err
	}
	w.Header().Set("Location", fmt.Sprintf("%s/pipelines/%d", Prefix, p.ID))
	return writeJSON(w, http.StatusCreated, toPipeline(p))
}

func (s *server) getPipeline(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	p, err := s.app.Pipeline(r.Context(), ac, id)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, toPipeline(p))
}

func (s *server) updatePipeline(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	version, err := ifMatch(r)
	if err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in pipelineInput
	if err := decodeJSON(r, &in, false); err != nil {
		return err
	}
	old, err := s.app.Pipeline(r.Context(), ac, id)
	if err != nil {
		return err
	}
	ja, en := old.NameJA, old.NameEN
	if in.NameJA != nil {
		ja = *in.NameJA
	}
	if in.NameEN != nil {
		en = *in.NameEN
	}
	p, err := s.app.UpdatePipeline(r.Context(), ac, id, version, ja, en)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, toPipeline(p))
}

type stageInput struct {
	NameJA         *string   `json:"name_ja"`
	NameEN         *string   `json:"name_en"`
	Kind           *string   `json:"kind"`
	Probability    *int      `json:"probability"`
	Position       *int      `json:"position"`
	RequiredFields *[]string `json:"required_fields"`
}

func (in stageInput) apply(st crm.Stage) crm.Stage {
	if in.NameJA != nil {
		st.NameJA = *in.NameJA
	}
	if in.NameEN != nil {
		st.NameEN = *in.NameEN
	}
	if in.Kind != nil {
		st.Kind = crm.StageKind(*in.Kind)
	}
	if in.Probability != nil {
		st.Probability = *in.Probability
	}
	if in.Position != nil {
		st.Position = *in.Position
	}
	if in.RequiredFields != nil {
		st.Required = *in.RequiredFields
	}
	return st
}

func (s *server) createStage(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in stageInput
	if err := decodeJSON(r, &in, false); err != nil {
		return err
	}
	st, err := s.app.SaveStage(r.Context(), ac, in.apply(crm.Stage{PipelineID: id, Kind: crm.StageOpen}))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, toStage(st))
}

func (s *server) pipelineStage(r *http.Request, ac app.Actor) (crm.Stage, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return crm.Stage{}, err
	}
	stageID, err := pathID(r, "stage_id")
	if err != nil {
		return crm.Stage{}, err
	}
	p, err := s.app.Pipeline(r.Context(), ac, id)
	if err != nil {
		return crm.Stage{}, err
	}
	st, ok := p.Stage(stageID)
	if !ok {
		return st, crm.ErrNotFound
	}
	return st, nil
}

func (s *server) updateStage(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	st, err := s.pipelineStage(r, ac)
	if err != nil {
		return err
	}
	var in stageInput
	if err := decodeJSON(r, &in, false); err != nil {
		return err
	}
	st, err = s.app.SaveStage(r.Context(), ac, in.apply(st))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, toStage(st))
}

func (s *server) deleteStage(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	st, err := s.pipelineStage(r, ac)
	if err != nil {
		return err
	}
	if err := s.app.DeleteStage(r.Context(), ac, st.PipelineID, st.ID); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// ---- handlers: deals ----

var closeMonthRe = regexp.MustCompile(`^(\d{4})-(0[1-9]|1[0-2])$`)

// CloseMonthRange turns YYYY-MM into the [from, before) dates of the month.
func CloseMonthRange(month string) (from, before string, ok bool) {
	m := closeMonthRe.FindStringSubmatch(month)
	if m == nil {
		return "", "", false
	}
	y, _ := strconv.Atoi(m[1])
	mo, _ := strconv.Atoi(m[2])
	start := time.Date(y, time.Month(mo), 1, 0, 0, 0, 0, time.UTC)
	return start.Format(time.DateOnly), start.AddDate(0, 1, 0).Format(time.DateOnly), true
}

type boardTotalJSON struct {
	Currency string `json:"currency"`
	Amount   int64  `json:"amount"`
	Weighted int64  `json:"weighted"`
}

type boardColumnJSON struct {
	Stage  stageJSON        `json:"stage"`
	Count  int              `json:"count"`
	Totals []boardTotalJSON `json:"totals"`
	Deals  []dealJSON       `json:"deals"`
}

type boardJSON struct {
	PipelineID int64             `json:"pipeline_id"`
	Columns    []boardColumnJSON `json:"columns"`
}

// filterQuery reads owner_id, close_month and source_group.
func filterQuery(r *http.Request, ac app.Actor, q *store.DealQuery) error {
	var err error
	switch o := r.URL.Query().Get("owner_id"); o {
	case "":
	case "me":
		q.OwnerID = ac.User.ID
	case "none":
		q.OwnerID = -1
	default:
		if q.OwnerID, err = queryInt64(r, "owner_id"); err != nil {
			return badField("owner_id", "must be a user id, me or none")
		}
	}
	switch g := r.URL.Query().Get("source_group"); g {
	case "", crm.GroupMarketing, crm.GroupOutbound:
		q.SourceGroup = g
	default:
		return badField("source_group", "must be marketing or outbound")
	}
	if m := r.URL.Query().Get("close_month"); m != "" {
		var ok bool
		if q.CloseFrom, q.CloseBefore, ok = CloseMonthRange(m); !ok {
			return badField("close_month", "must be a month such as 2026-04")
		}
	}
	return nil
}

func (s *server) pipelineBoard(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var q store.DealQuery
	if err := filterQuery(r, ac, &q); err != nil {
		return err
	}
	p, err := s.app.Pipeline(r.Context(), ac, id)
	if err != nil {
		return err
	}
	cols, err := s.app.Board(r.Context(), ac, p, q, 50)
	if err != nil {
		return err
	}
	lang := displayLanguage(r, ac)
	setLanguage(w, lang)
	out := boardJSON{PipelineID: p.ID, Columns: []boardColumnJSON{}}
	for _, c := range cols {
		col := boardColumnJSON{Stage: toStage(c.Stage), Count: c.Count, Totals: []boardTotalJSON{}, Deals: []dealJSON{}}
		for _, t := range c.Totals {
			col.Totals = append(col.Totals, boardTotalJSON{Currency: t.Currency, Amount: t.Amount, Weighted: t.Weighted})
		}
		for _, d := range c.Deals {
			col.Deals = append(col.Deals, toDeal(d, lang))
		}
		out.Columns = append(out.Columns, col)
	}
	return writeJSON(w, http.StatusOK, out)
}

func (s *server) listDeals(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	p, err := parsePage(r)
	if err != nil {
		return err
	}
	q := store.DealQuery{AfterID: p.after, Limit: p.limit}
	if q.PipelineID, err = queryInt64(r, "pipeline_id"); err != nil {
		return err
	}
	stage, err := queryInt64(r, "stage_id")
	if err != nil {
		return err
	}
	if stage != 0 {
		q.StageIDs = []int64{stage}
	}
	if err := filterQuery(r, ac, &q); err != nil {
		return err
	}
	if q.TeamID, err = queryInt64(r, "team_id"); err != nil {
		return err
	}
	if q.CompanyID, err = queryInt64(r, "company_id"); err != nil {
		return err
	}
	if q.ContactID, err = queryInt64(r, "contact_id"); err != nil {
		return err
	}
	switch st := r.URL.Query().Get("status"); st {
	case "", "open", "won", "lost":
		q.Status = st
	default:
		return badField("status", "must be open, won or lost")
	}
	page, err := s.app.ListDeals(r.Context(), ac, q)
	if err != nil {
		return err
	}
	lang := displayLanguage(r, ac)
	setLanguage(w, lang)
	out := dealListJSON{Data: []dealJSON{}}
	for _, d := range page.Deals {
		out.Data = append(out.Data, toDeal(d, lang))
	}
	if page.More && len(page.Deals) > 0 {
		c := encodeCursor(page.Deals[len(page.Deals)-1].ID)
		out.NextCursor = &c
	}
	return writeJSON(w, http.StatusOK, out)
}

func (s *server) writeDeal(w http.ResponseWriter, r *http.Request, ac app.Actor, status int, d crm.Deal) error {
	if got, err := s.app.Deal(r.Context(), ac, d.ID); err == nil {
		d = got // as stored, with the contacts' names
	}
	lang := displayLanguage(r, ac)
	setLanguage(w, lang)
	return writeJSON(w, status, toDeal(d, lang))
}

func (s *server) createDeal(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	var f dealFields
	if err := decodeJSON(r, &f, false); err != nil {
		return err
	}
	d, err := s.app.CreateDeal(r.Context(), ac, f.apply(crm.Deal{}))
	if err != nil {
		return err
	}
	w.Header().Set("Location", fmt.Sprintf("%s/deals/%d", Prefix, d.ID))
	return s.writeDeal(w, r, ac, http.StatusCreated, d)
}

func (s *server) getDeal(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	d, err := s.app.Deal(r.Context(), ac, id)
	if err != nil {
		return err
	}
	return s.writeDeal(w, r, ac, http.StatusOK, d)
}

func (s *server) updateDeal(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	version, err := ifMatch(r)
	if err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var f dealFields
	if err := decodeJSON(r, &f, false); err != nil {
		return err
	}
	old, err := s.app.Deal(r.Context(), ac, id)
	if err != nil {
		return err
	}
	if version != old.Version {
		return crm.ErrStale
	}
	d, err := s.app.UpdateDeal(r.Context(), ac, id, version, f.apply(old))
	if err != nil {
		return err
	}
	return s.writeDeal(w, r, ac, http.StatusOK, d)
}

func (s *server) deleteDeal(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.app.DeleteDeal(r.Context(), ac, id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

type dealMoveInput struct {
	StageID    int64  `json:"stage_id"`
	LostReason string `json:"lost_reason"`
	LostToID   int64  `json:"lost_to_id"`
}

func (s *server) moveDeal(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	version, err := ifMatch(r)
	if err != nil {
		return err
	}
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in dealMoveInput
	if err := decodeJSON(r, &in, false); err != nil {
		return err
	}
	d, err := s.app.MoveDeal(r.Context(), ac, id, version, app.MoveInput{StageID: in.StageID,
		LostReason: strings.TrimSpace(in.LostReason), LostToID: in.LostToID})
	if err != nil {
		return err
	}
	lang := displayLanguage(r, ac)
	setLanguage(w, lang)
	return writeJSON(w, http.StatusOK, toDeal(d, lang)) // as moved: no second read on the hot path
}

func (s *server) dealHistory(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	h, err := s.app.StageHistory(r.Context(), ac, id)
	if err != nil {
		return err
	}
	out := list[stageChangeJSON]{Data: []stageChangeJSON{}}
	for _, c := range h {
		out.Data = append(out.Data, stageChangeJSON{StageID: c.StageID, FromStageID: optID(c.FromStageID), At: c.At,
			ActorID: optID(c.ActorID), Seconds: int64(c.Duration / time.Second), Current: c.Current})
	}
	return writeJSON(w, http.StatusOK, out)
}

func (s *server) listCompetitors(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	cs, err := s.app.Competitors(r.Context(), ac)
	if err != nil {
		return err
	}
	out := list[competitorJSON]{Data: []competitorJSON{}}
	for _, c := range cs {
		out.Data = append(out.Data, toCompetitor(c))
	}
	return writeJSON(w, http.StatusOK, out)
}

type competitorInput struct {
	Name       string `json:"name"`
	Website    string `json:"website"`
	Notes      string `json:"notes"`
	Strengths  string `json:"strengths"`
	Weaknesses string `json:"weaknesses"`
	TalkTrack  string `json:"talk_track"`
}

func (s *server) createCompetitor(w http.ResponseWriter, r *http.Request, ac app.Actor) error {
	var in competitorInput
	if err := decodeJSON(r, &in, false); err != nil {
		return err
	}
	c, err := s.app.CreateCompetitor(r.Context(), ac, crm.Competitor{Name: in.Name, Website: in.Website, Notes: in.Notes,
		Strengths: in.Strengths, Weaknesses: in.Weaknesses, TalkTrack: in.TalkTrack})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, toCompetitor(c))
}

// ---- OpenAPI ----

// salesSchemas are the OpenAPI schemas those endpoints use.
func salesSchemas() js {
	optRef := func(desc string) js { return nullable(idSchema(desc)) }
	version := idSchema("Version for If-Match; also the ETag.")
	fields := js{
		"type": "array", "items": enumOf(crm.DealFields...),
		"description": "Deal fields that must be filled in before a deal may enter the stage.",
	}
	stage := js{
		"id":              idSchema(""),
		"pipeline_id":     idSchema(""),
		"name_ja":         str("Name in Japanese (アプローチ)."),
		"name_en":         str("Name in English (Approach)."),
		"kind":            withDesc(enumOf("open", "won", "lost"), "won and lost stages close the deal; lost needs a reason."),
		"probability":     described(js{"type": "integer", "minimum": 0, "maximum": 100}, "Win probability in percent, for weighted amounts."),
		"position":        integer("Order in the pipeline."),
		"required_fields": fields,
		"version":         version,
	}
	stageIn := input(nil, js{
		"name_ja":         str(""),
		"name_en":         str(""),
		"kind":            enumOf("open", "won", "lost"),
		"probability":     js{"type": "integer", "minimum": 0, "maximum": 100},
		"position":        integer(""),
		"required_fields": fields,
	})
	dealText := js{
		"name":           str("e.g. 基幹システム刷新 or the customer's name."),
		"amount":         described(js{"type": "integer", "minimum": 0}, "In minor units of the currency: yen for JPY (no decimals), cents for USD."),
		"currency":       pattern("^[A-Z]{3}$", "ISO 4217; JPY by default."),
		"source":         str("Where the lead came from; set from contact_id's original source when that is given."),
		"next_step":      str(""),
		"bant_budget":    str("Hearing notes: budget."),
		"bant_authority": str("Hearing notes: who decides."),
		"bant_need":      str("Hearing notes: the need."),
		"bant_timeline":  str("Hearing notes: timeline."),
		"notes":          str("Hearing notes, free text."),
		"lost_reason":    str("Why the deal was lost (required in a lost stage)."),
		"forecast_category": withDesc(enumOf(forecastCategories()...),
			"The owner's forecast of an open deal: commit and best_case count in the forecast's commit and best case, pipeline only weighted, omitted not at all. pipeline by default."),
	}
	dealContact := record(js{"contact_id": idSchema(""), "role": enumOf(crm.DealRoles...), "name": str("Read only.")})
	deal := js{
		"id":               idSchema("Deal id."),
		"pipeline_id":      idSchema(""),
		"stage_id":         idSchema(""),
		"amount_formatted": str("The amount for people: ¥1,200,000, $1,234.50."),
		"close_date":       nullable(date("Expected close date.")),
		"next_step_date":   nullable(date("")),
		"owner_id":         optRef("Owning user."),
		"team_id":          optRef("Owning team (team-private deals are visible to it only)."),
		"company_id":       optRef(""),
		"contact_id":       optRef("Primary contact: the lead the deal came from."),
		"source_group":     enumOf(crm.GroupMarketing, crm.GroupOutbound),
		"lost_to_id":       optRef("The competitor a lost deal went to."),
		"contacts":         arrayOf(dealContact),
		"competitor_ids":   arrayOf(idSchema("")),
		"won_at":           nullable(dateTime("")),
		"closed_at":        nullable(dateTime("Won or lost at.")),
		"stage_entered_at": dateTime("Since when the deal is in its stage."),
		"created_at":       dateTime(""),
		"updated_at":       dateTime(""),
		"version":          version,
	}
	for k, v := range dealText {
		deal[k] = v
	}
	dealIn := js{
		"pipeline_id":    optRef("Default pipeline when left out."),
		"stage_id":       optRef("On create: the starting stage (first open stage when left out). Ignored by PATCH: use move."),
		"close_date":     nullable(date("")),
		"next_step_date": nullable(date("")),
		"owner_id":       optRef(""),
		"team_id":        optRef(""),
		"company_id":     optRef("The contact's company when left out."),
		"contact_id":     optRef("Primary contact; the deal inherits its source."),
		"lost_to_id":     optRef(""),
		"contacts": arrayOf(input([]string{"contact_id"}, js{"contact_id": idSchema(""),
			"role": enumOf(crm.DealRoles...), "name": str("Ignored.")})),
		"competitor_ids": arrayOf(idSchema("")),
	}
	for k, v := range dealText {
		dealIn[k] = v
	}
	competitor := record(js{"id": idSchema(""), "name": str(""), "website": str("An http(s) address or empty."),
		"notes": str(""), "strengths": str("Battlecard: plain text."), "weaknesses": str("Battlecard: plain text."),
		"talk_track": str("Battlecard: what to say when a customer names them."), "created_at": dateTime("")})
	competitorIn := js{"name": str(""), "website": str("An http(s) address."), "notes": str(""),
		"strengths": str("10,000 characters at most."), "weaknesses": str("10,000 characters at most."),
		"talk_track": str("10,000 characters at most.")}
	return js{
		"Stage":         record(stage),
		"StageInput":    stageIn,
		"Pipeline":      record(js{"id": idSchema(""), "name_ja": str(""), "name_en": str(""), "position": integer(""), "is_default": boolean("New deals and accepted leads go here."), "stages": arrayOf(ref("Stage")), "version": version}),
		"PipelineInput": input(nil, js{"name_ja": str("Name in Japanese."), "name_en": str("Name in English.")}),
		"PipelineList":  listOf("Pipeline"),
		"Deal":          record(deal),
		"DealInput":     input([]string{"name"}, dealIn),
		"DealPatch":     input(nil, dealIn),
		"DealList":      listOf("Deal"),
		"DealMove": input([]string{"stage_id"}, js{
			"stage_id":    idSchema("A stage of the deal's pipeline."),
			"lost_reason": str("Required when the stage is a lost one."),
			"lost_to_id":  idSchema("The competitor the deal was lost to."),
		}),
		"StageHistory": listOf("StageChange"),
		"Board": record(js{"pipeline_id": idSchema(""), "columns": arrayOf(record(js{
			"stage": ref("Stage"),
			"count": integer("Number of matching deals in the stage."),
			"totals": withDesc(arrayOf(record(js{"currency": str(""), "amount": integer("Sum of amounts, minor units."),
				"weighted": integer("Sum times the stage's probability.")})), "One per currency."),
			"deals": withDesc(arrayOf(ref("Deal")), "The first 50 by expected close date."),
		}))}),
		"StageChange": record(js{"stage_id": idSchema(""), "from_stage_id": optRef(""), "at": dateTime("Entered the stage."),
			"actor_id": optRef(""), "seconds_in_stage": integer("Time in the stage, until the next change or now."),
			"current": boolean("The deal is still in this stage.")}),
		"Competitor":      competitor,
		"CompetitorList":  listOf("Competitor"),
		"CompetitorInput": input([]string{"name"}, competitorIn),
	}
}

// forecastCategories are the forecast categories' names.
func forecastCategories() []string {
	out := make([]string, len(crm.ForecastCategories))
	for i, c := range crm.ForecastCategories {
		out[i] = string(c)
	}
	return out
}
