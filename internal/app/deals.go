package app

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"renkei/internal/crm"
	"renkei/internal/store"
)

// Timeline kinds of deals, on the timelines of the deal's contact and
// company. Data: {"deal": name, "stage_ja", "stage_en", "lost_reason"}.
const (
	KindDealCreated = "deal_created"
	KindDealStage   = "deal_stage"
	KindDealWon     = "deal_won"
	KindDealLost    = "deal_lost"
)

// ---- pipelines ----

// Pipelines lists the pipelines with their stages.
func (a *App) Pipelines(ctx context.Context, ac Actor) ([]crm.Pipeline, error) {
	if err := ac.require(crm.PermReadAll); err != nil {
		return nil, err
	}
	return a.Store.Pipelines(ctx)
}

// Pipeline returns one pipeline with its stages.
func (a *App) Pipeline(ctx context.Context, ac Actor, id int64) (crm.Pipeline, error) {
	if err := ac.require(crm.PermReadAll); err != nil {
		return crm.Pipeline{}, err
	}
	return a.Store.Pipeline(ctx, id)
}

// defaultStages are the stages a new pipeline starts with (DESIGN.md §1).
func defaultStages() []crm.Stage {
	return []crm.Stage{
		{NameJA: "アプローチ", NameEN: "Approach", Kind: crm.StageOpen, Probability: 10},
		{NameJA: "ヒアリング", NameEN: "Discovery", Kind: crm.StageOpen, Probability: 20},
		{NameJA: "提案", NameEN: "Proposal", Kind: crm.StageOpen, Probability: 40, Required: []string{"bant_budget", "bant_need"}},
		{NameJA: "交渉", NameEN: "Negotiation", Kind: crm.StageOpen, Probability: 60, Required: []string{"amount", "close_date"}},
		{NameJA: "受注", NameEN: "Won", Kind: crm.StageWon, Probability: 100, Required: []string{"amount"}},
		{NameJA: "失注", NameEN: "Lost", Kind: crm.StageLost, Probability: 0},
	}
}

// CreatePipeline adds a pipeline with the default stages.
func (a *App) CreatePipeline(ctx context.Context, ac Actor, p crm.Pipeline) (crm.Pipeline, error) {
	if err := ac.require(crm.PermSettings); err != nil {
		return p, err
	}
	if err := p.Validate(); err != nil {
		return p, err
	}
	err := a.Store.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.CreatePipeline(ctx, &p, a.now()); err != nil {
			return err
		}
		for i, st := range defaultStages() {
			st.PipelineID, st.Position = p.ID, i
			if err := tx.SaveStage(ctx, &st); err != nil {
				return err
			}
		}
		if err := tx.Audit(ctx, a.audit(ac, "pipeline.create", fmt.Sprintf("%d %s", p.ID, p.NameEN), "")); err != nil {
			return err
		}
		p, _ = tx.Pipeline(ctx, p.ID)
		return nil
	})
	return p, err
}

// UpdatePipeline renames a pipeline when version matches.
func (a *App) UpdatePipeline(ctx context.Context, ac Actor, id, version int64, nameJA, nameEN string) (crm.Pipeline, error) {
	if err := ac.require(crm.PermSettings); err != nil {
		return crm.Pipeline{}, err
	}
	p := crm.Pipeline{ID: id, Version: version, NameJA: nameJA, NameEN: nameEN}
	if err := p.Validate(); err != nil {
		return p, err
	}
	err := a.Store.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.UpdatePipeline(ctx, &p, a.now()); err != nil {
			return err
		}
		p, _ = tx.Pipeline(ctx, id)
		return nil
	})
	return p, err
}

// SaveStage adds a stage to a pipeline (st.ID 0, placed last) or changes one.
func (a *App) SaveStage(ctx context.Context, ac Actor, st crm.Stage) (crm.Stage, error) {
	if err := ac.require(crm.PermSettings); err != nil {
		return st, err
	}
	if err := st.Validate(); err != nil {
		return st, err
	}
	err := a.Store.InTx(ctx, func(tx *store.Tx) error {
		p, err := tx.Pipeline(ctx, st.PipelineID)
		if err != nil {
			return err
		}
		if st.ID != 0 {
			if _, ok := p.Stage(st.ID); !ok {
				return crm.ErrNotFound
			}
		} else {
			st.Position = len(p.Stages)
		}
		return tx.SaveStage(ctx, &st)
	})
	return st, err
}

// DeleteStage removes a stage that holds no deals.
func (a *App) DeleteStage(ctx context.Context, ac Actor, pipelineID, stageID int64) error {
	if err := ac.require(crm.PermSettings); err != nil {
		return err
	}
	return a.Store.InTx(ctx, func(tx *store.Tx) error {
		p, err := tx.Pipeline(ctx, pipelineID)
		if err != nil {
			return err
		}
		if _, ok := p.Stage(stageID); !ok {
			return crm.ErrNotFound
		}
		if n, err := tx.StageDealCount(ctx, stageID); err != nil {
			return err
		} else if n > 0 {
			return crm.Invalid("stage_id", "this stage still holds deals; move them first")
		}
		if len(p.Stages) <= 2 {
			return crm.Invalid("stage_id", "a pipeline needs at least two stages")
		}
		return tx.DeleteStage(ctx, stageID)
	})
}

// ---- competitors ----

// Competitors lists the named competitors.
func (a *App) Competitors(ctx context.Context, ac Actor) ([]crm.Competitor, error) {
	if err := ac.require(crm.PermReadAll); err != nil {
		return nil, err
	}
	return a.Store.Competitors(ctx)
}

// CreateCompetitor adds a named competitor.
func (a *App) CreateCompetitor(ctx context.Context, ac Actor, c crm.Competitor) (crm.Competitor, error) {
	if err := ac.require(crm.PermWriteSales); err != nil {
		return c, err
	}
	c.Normalize()
	if err := c.Validate(); err != nil {
		return c, err
	}
	err := a.Store.InTx(ctx, func(tx *store.Tx) error {
		return competitorNameInUse(tx.CreateCompetitor(ctx, &c, a.now()))
	})
	return c, err
}

func competitorNameInUse(err error) error {
	if errors.Is(err, crm.ErrConflict) {
		return crm.Invalid("name", "a competitor with this name exists already")
	}
	return err
}

// ---- deals: reading ----

func (a *App) canSeeDeal(ctx context.Context, ac Actor, d crm.Deal) error {
	mode, err := a.visibility(ctx, "deals")
	if err != nil {
		return err
	}
	if !ac.User.Viewer().CanSee(mode, d.OwnerID, d.TeamID) {
		return crm.ErrNotFound
	}
	return nil
}

// dealSeer returns whether the actor may see a deal of the given owner and
// team, reading the visibility setting once for a whole list.
func (a *App) dealSeer(ctx context.Context, ac Actor) (func(ownerID, teamID int64) bool, error) {
	mode, err := a.visibility(ctx, "deals")
	if err != nil {
		return nil, err
	}
	v := ac.User.Viewer()
	return func(ownerID, teamID int64) bool { return v.CanSee(mode, ownerID, teamID) }, nil
}

// Deal returns one deal the actor may see.
func (a *App) Deal(ctx context.Context, ac Actor, id int64) (crm.Deal, error) {
	if err := ac.require(crm.PermReadAll); err != nil {
		return crm.Deal{}, err
	}
	d, err := a.Store.Deal(ctx, id)
	if err != nil {
		return d, err
	}
	return d, a.canSeeDeal(ctx, ac, d)
}

// ListDeals returns a page of the deals the actor may see.
func (a *App) ListDeals(ctx context.Context, ac Actor, q store.DealQuery) (store.DealPage, error) {
	if err := ac.require(crm.PermReadAll); err != nil {
		return store.DealPage{}, err
	}
	mode, err := a.visibility(ctx, "deals")
	if err != nil {
		return store.DealPage{}, err
	}
	q.Viewer, q.Visibility = ac.User.Viewer(), mode
	return a.Store.ListDeals(ctx, q)
}

// Board returns the board of a pipeline: per stage its totals and first
// perStage cards, for the deals the actor may see that match q.
func (a *App) Board(ctx context.Context, ac Actor, p crm.Pipeline, q store.DealQuery, perStage int) ([]store.BoardColumn, error) {
	if err := ac.require(crm.PermReadAll); err != nil {
		return nil, err
	}
	mode, err := a.visibility(ctx, "deals")
	if err != nil {
		return nil, err
	}
	q.Viewer, q.Visibility = ac.User.Viewer(), mode
	return a.Store.Board(ctx, p, q, perStage)
}

// StageHistory returns a deal's stage changes with the time spent in each.
func (a *App) StageHistory(ctx context.Context, ac Actor, id int64) ([]store.StageChange, error) {
	if _, err := a.Deal(ctx, ac, id); err != nil {
		return nil, err
	}
	return a.Store.StageHistory(ctx, id, a.now())
}

// ---- deals: writing ----

// prepareDeal validates a deal and its references against the database
// and fills what it inherits (source from the primary contact, company
// from the contact when none is given).
func (a *App) prepareDeal(ctx context.Context, tx *store.Tx, d crm.Deal) (crm.Deal, crm.Pipeline, crm.Stage, error) {
	d.Normalize()
	v := &crm.ValidationError{}
	if err := d.Validate(); err != nil {
		ve, _ := crm.AsValidation(err)
		for f, m := range ve.Fields {
			v.Add(f, m)
		}
	}
	var p crm.Pipeline
	var st crm.Stage
	var err error
	if d.PipelineID == 0 {
		p, err = tx.DefaultPipeline(ctx)
	} else {
		p, err = tx.Pipeline(ctx, d.PipelineID)
	}
	if errors.Is(err, crm.ErrNotFound) {
		v.Add("pipeline_id", "this pipeline does not exist")
	} else if err != nil {
		return d, p, st, err
	} else {
		d.PipelineID = p.ID
		var ok bool
		if d.StageID == 0 {
			st, ok = p.FirstOpen()
		} else {
			st, ok = p.Stage(d.StageID)
		}
		if !ok {
			v.Add("stage_id", "choose a stage of the deal's pipeline")
		}
		d.StageID = st.ID
	}
	if d.ContactID != 0 {
		c, err := tx.Contact(ctx, d.ContactID)
		if errors.Is(err, crm.ErrNotFound) {
			v.Add("contact_id", "this contact does not exist")
		} else if err != nil {
			return d, p, st, err
		} else {
			d.Source, d.SourceGroup = c.OriginalSource, crm.DefaultSourceGroups[c.OriginalSource]
			if d.CompanyID == 0 {
				d.CompanyID = c.CompanyID
			}
		}
	}
	for _, dc := range d.Contacts {
		if _, err := tx.Contact(ctx, dc.ContactID); errors.Is(err, crm.ErrNotFound) {
			v.Add("contacts", fmt.Sprintf("contact %d does not exist", dc.ContactID))
		} else if err != nil {
			return d, p, st, err
		}
	}
	if d.CompanyID != 0 {
		if _, err := tx.Company(ctx, d.CompanyID); errors.Is(err, crm.ErrNotFound) {
			v.Add("company_id", "this company does not exist")
		} else if err != nil {
			return d, p, st, err
		}
	}
	if d.OwnerID != 0 {
		if u, err := tx.User(ctx, d.OwnerID); err != nil || u.Status == crm.UserDeactivated {
			v.Add("owner_id", "choose an active user as owner")
		}
	}
	if d.TeamID != 0 {
		if ok, err := tx.TeamExists(ctx, d.TeamID); err != nil {
			return d, p, st, err
		} else if !ok {
			v.Add("team_id", "this team does not exist")
		}
	}
	d.Competitors = slices.Compact(slices.Sorted(slices.Values(d.Competitors)))
	for _, id := range append(slices.Clone(d.Competitors), d.LostToID) {
		if id == 0 {
			continue
		}
		if ok, err := tx.CompetitorExists(ctx, id); err != nil {
			return d, p, st, err
		} else if !ok {
			v.Add("competitors", "this competitor does not exist")
		}
	}
	return d, p, st, v.Err()
}

// requiredError names the fields a stage needs that the deal lacks: one
// message per field and one on stage_id listing them all.
func requiredError(st crm.Stage, missing []string) error {
	v := &crm.ValidationError{}
	v.Add("stage_id", fmt.Sprintf("fill in %s before moving to %s", strings.Join(missing, ", "), st.NameEN))
	for _, f := range missing {
		v.Add(f, "is required before this stage")
	}
	return v
}

// closing fills the fields that entering stage st sets or clears.
func (a *App) closing(d *crm.Deal, st crm.Stage) error {
	now := a.now()
	switch st.Kind {
	case crm.StageWon:
		d.WonAt, d.ClosedAt, d.LostReason, d.LostToID = now, now, "", 0
	case crm.StageLost:
		if d.LostReason == "" {
			return crm.Invalid("lost_reason", "give the reason the deal was lost")
		}
		d.WonAt, d.ClosedAt = timeZero, now
	default:
		d.WonAt, d.ClosedAt, d.LostReason, d.LostToID = timeZero, timeZero, "", 0
	}
	return nil
}

// CreateDeal adds a deal (by default in the default pipeline's first stage).
func (a *App) CreateDeal(ctx context.Context, ac Actor, d crm.Deal) (crm.Deal, error) {
	if err := ac.require(crm.PermWriteSales); err != nil {
		return d, err
	}
	err := a.Store.InTx(ctx, func(tx *store.Tx) error {
		if err := a.checkDealRefs(ctx, tx, ac, d, crm.Deal{}); err != nil {
			return err
		}
		var err error
		d, err = a.createDeal(ctx, tx, ac.User.ID, d)
		return err
	})
	return d, err
}

// checkDealRefs refuses contacts and a company the actor may not see
// (team-private records, DESIGN.md §8) among those in puts on a deal that
// old does not already have: they get the same message as a record that
// does not exist, so that the answer tells nothing about hidden records.
func (a *App) checkDealRefs(ctx context.Context, tx *store.Tx, ac Actor, in, old crm.Deal) error {
	v := &crm.ValidationError{}
	had := map[int64]bool{old.ContactID: true}
	for _, dc := range old.Contacts {
		had[dc.ContactID] = true
	}
	hidden := func(id int64) (bool, error) {
		c, err := tx.Contact(ctx, id)
		if errors.Is(err, crm.ErrNotFound) {
			return false, nil // prepareDeal says so
		}
		if err != nil {
			return false, err
		}
		err = a.canSeeContact(ctx, ac, c)
		if errors.Is(err, crm.ErrNotFound) {
			return true, nil
		}
		return false, err
	}
	if in.ContactID != 0 && !had[in.ContactID] {
		if h, err := hidden(in.ContactID); err != nil {
			return err
		} else if h {
			v.Add("contact_id", "this contact does not exist")
		}
	}
	for _, dc := range in.Contacts {
		if dc.ContactID == 0 || had[dc.ContactID] {
			continue
		}
		if h, err := hidden(dc.ContactID); err != nil {
			return err
		} else if h {
			v.Add("contacts", fmt.Sprintf("contact %d does not exist", dc.ContactID))
		}
	}
	if in.CompanyID != 0 && in.CompanyID != old.CompanyID {
		co, err := tx.Company(ctx, in.CompanyID)
		if err != nil && !errors.Is(err, crm.ErrNotFound) {
			return err
		}
		if err == nil {
			if err := a.canSeeCompany(ctx, ac, co); errors.Is(err, crm.ErrNotFound) {
				v.Add("company_id", "this company does not exist")
			} else if err != nil {
				return err
			}
		}
	}
	return v.Err()
}

func (a *App) createDeal(ctx context.Context, tx *store.Tx, actorID int64, in crm.Deal) (crm.Deal, error) {
	d, _, st, err := a.prepareDeal(ctx, tx, in)
	if err != nil {
		return d, err
	}
	if missing := d.Missing(st.Required); len(missing) > 0 {
		return d, requiredError(st, missing)
	}
	if err := a.closing(&d, st); err != nil {
		return d, err
	}
	now := a.now()
	d.StageEntered = now
	if err := tx.CreateDeal(ctx, &d, now); err != nil {
		return d, err
	}
	if err := tx.AddStageChange(ctx, &store.StageChange{DealID: d.ID, StageID: st.ID, At: now, ActorID: actorID}); err != nil {
		return d, err
	}
	for _, dc := range append([]crm.DealContact{{ContactID: d.ContactID}}, d.Contacts...) { // sequences: exit on a new deal
		if err := a.exitSequences(ctx, tx, dc.ContactID, store.ExitRuleDeal, crm.ExitDeal); err != nil {
			return d, err
		}
	}
	if err := a.dealEvent(ctx, tx, actorID, d, st, KindDealCreated); err != nil {
		return d, err
	}
	if st.Kind == crm.StageWon { // contracts: a deal created won gets its contract
		ws, _, err := a.Workspace(ctx)
		if err != nil {
			return d, err
		}
		if err := a.dealWon(ctx, tx, actorID, d, ws); err != nil {
			return d, err
		}
	}
	if err := a.emitWebhook(ctx, tx, EventDealCreated, dealPayload(d, st)); err != nil {
		return d, err
	}
	return d, nil
}

// UpdateDeal changes a deal's fields (not its stage: see MoveDeal) when
// version matches. The current stage's required fields must stay filled.
func (a *App) UpdateDeal(ctx context.Context, ac Actor, id, version int64, in crm.Deal) (crm.Deal, error) {
	if err := ac.require(crm.PermWriteSales); err != nil {
		return in, err
	}
	var d crm.Deal
	err := a.Store.InTx(ctx, func(tx *store.Tx) error {
		old, err := tx.Deal(ctx, id)
		if err != nil {
			return err
		}
		if err := a.canSeeDeal(ctx, ac, old); err != nil {
			return err
		}
		if version != old.Version {
			return crm.ErrStale
		}
		if err := a.checkDealRefs(ctx, tx, ac, in, old); err != nil {
			return err
		}
		in.ID, in.Version, in.CreatedAt = old.ID, old.Version, old.CreatedAt
		in.PipelineID, in.StageID, in.StageEntered = old.PipelineID, old.StageID, old.StageEntered
		in.WonAt, in.ClosedAt = old.WonAt, old.ClosedAt
		if in.ContactID == old.ContactID {
			in.Source = old.Source // inherited once, at creation
		}
		var st crm.Stage
		if d, _, st, err = a.prepareDeal(ctx, tx, in); err != nil {
			return err
		}
		if old.ContactID != 0 && d.ContactID == old.ContactID {
			d.Source, d.SourceGroup = old.Source, old.SourceGroup
		}
		if missing := d.Missing(st.Required); len(missing) > 0 {
			return requiredError(st, missing)
		}
		if st.Kind == crm.StageLost && d.LostReason == "" {
			return crm.Invalid("lost_reason", "give the reason the deal was lost")
		}
		if st.Kind != crm.StageLost {
			d.LostReason, d.LostToID = "", 0
		}
		return tx.UpdateDeal(ctx, &d, a.now())
	})
	return d, err
}

// MoveInput is a move of a deal to another stage.
type MoveInput struct {
	StageID    int64
	LostReason string // required when the stage is a lost one
	LostToID   int64  // the competitor the deal was lost to, if any
}

// MoveDeal moves a deal to another stage of its pipeline when version
// matches: the stage's required fields must be filled and a lost stage
// needs a reason. The checks read outside the transaction: the write is
// conditional on the version (UPDATE … WHERE version = v), so a change in
// between makes it stale instead of wrong. The transaction is short: the
// deal row, a history row, a timeline entry and the webhooks.
func (a *App) MoveDeal(ctx context.Context, ac Actor, id, version int64, in MoveInput) (crm.Deal, error) {
	if err := ac.require(crm.PermWriteSales); err != nil {
		return crm.Deal{}, err
	}
	ws, _, err := a.Workspace(ctx) // read once: visibility here, contracts on a win
	if err != nil {
		return crm.Deal{}, err
	}
	d, err := a.Store.Deal(ctx, id)
	if err != nil {
		return d, err
	}
	if !ac.User.Viewer().CanSee(visibilityIn(ws, "deals"), d.OwnerID, d.TeamID) {
		return d, crm.ErrNotFound
	}
	if version != d.Version {
		return d, crm.ErrStale
	}
	st, err := a.Store.Stage(ctx, in.StageID)
	if errors.Is(err, crm.ErrNotFound) || (err == nil && st.PipelineID != d.PipelineID) {
		return d, crm.Invalid("stage_id", "choose a stage of the deal's pipeline")
	} else if err != nil {
		return d, err
	}
	if st.ID == d.StageID {
		return d, nil // already there: nothing to do
	}
	if missing := d.Missing(st.Required); len(missing) > 0 {
		return d, requiredError(st, missing)
	}
	d.LostReason = strings.TrimSpace(in.LostReason)
	d.LostToID = in.LostToID
	if st.Kind == crm.StageLost {
		if len([]rune(d.LostReason)) > 500 {
			return d, crm.Invalid("lost_reason", "is too long (500 characters at most)")
		}
		if d.LostToID != 0 {
			if ok, err := a.Store.CompetitorExists(ctx, d.LostToID); err != nil {
				return d, err
			} else if !ok {
				return d, crm.Invalid("lost_to_id", "this competitor does not exist")
			}
		}
	}
	if err := a.closing(&d, st); err != nil {
		return d, err
	}
	err = a.Store.InTx(ctx, func(tx *store.Tx) error {
		return a.moveInTx(ctx, tx, ac.User.ID, &d, st, ws)
	})
	return d, err
}

// moveInTx writes the move of d (its closing fields already set) into
// stage st in the caller's transaction: the deal row, the contract of a
// win, a history row, a timeline entry and the webhooks. Accepting a
// quote moves its deal through here too.
func (a *App) moveInTx(ctx context.Context, tx *store.Tx, actorID int64, d *crm.Deal, st crm.Stage, ws crm.Workspace) error {
	from, entered := d.StageID, d.StageEntered
	now := a.now()
	d.StageID, d.StageEntered = st.ID, now
	kind, event := KindDealStage, EventDealStage
	switch st.Kind {
	case crm.StageWon:
		kind, event = KindDealWon, EventDealWon
	case crm.StageLost:
		kind, event = KindDealLost, EventDealLost
	}
	if err := tx.MoveDeal(ctx, d, now); err != nil {
		return err
	}
	if st.Kind == crm.StageWon { // contracts: the contract and its playbook tasks
		if err := a.dealWon(ctx, tx, actorID, *d, ws); err != nil {
			return err
		}
	}
	if err := tx.AddStageChange(ctx, &store.StageChange{DealID: d.ID, FromStageID: from, StageID: st.ID, At: now,
		EnteredAt: entered, ActorID: actorID}); err != nil {
		return err
	}
	if err := a.dealEvent(ctx, tx, actorID, *d, st, kind); err != nil {
		return err
	}
	if st.Kind == crm.StageWon || st.Kind == crm.StageLost { // surveys: survey_auto.go
		if err := a.surveyDealClosed(ctx, tx, actorID, *d, st.Kind == crm.StageWon, ws.Language); err != nil {
			return err
		}
	}
	payload := dealPayload(*d, st)
	payload["from_stage_id"] = from
	if event != EventDealStage {
		if err := a.emitWebhook(ctx, tx, EventDealStage, payload); err != nil {
			return err
		}
	}
	return a.emitWebhook(ctx, tx, event, payload)
}

// DeleteDeal removes a deal.
func (a *App) DeleteDeal(ctx context.Context, ac Actor, id int64) error {
	if err := ac.require(crm.PermWriteSales); err != nil {
		return err
	}
	return a.Store.InTx(ctx, func(tx *store.Tx) error {
		d, err := tx.Deal(ctx, id)
		if err != nil {
			return err
		}
		if err := a.canSeeDeal(ctx, ac, d); err != nil {
			return err
		}
		if err := tx.DeleteDeal(ctx, id); err != nil {
			return err
		}
		return tx.Audit(ctx, a.audit(ac, "deal.delete", fmt.Sprintf("%d %s", id, d.Name), ""))
	})
}

// dealEvent writes a deal event on the timelines of its primary contact
// and its company.
func (a *App) dealEvent(ctx context.Context, tx *store.Tx, actorID int64, d crm.Deal, st crm.Stage, kind string) error {
	data := map[string]any{"deal": d.Name, "stage_ja": st.NameJA, "stage_en": st.NameEN}
	if kind == KindDealLost {
		data["lost_reason"] = d.LostReason
	}
	if d.ContactID == 0 && d.CompanyID == 0 {
		return nil
	}
	return tx.AddTimeline(ctx, &store.TimelineEntry{At: a.now(), ContactID: d.ContactID, CompanyID: d.CompanyID,
		Kind: kind, ActorID: actorID, Data: data, RefType: "deal", RefID: d.ID})
}

// dealPayload is the data of a deal's webhook events.
func dealPayload(d crm.Deal, st crm.Stage) map[string]any {
	out := map[string]any{"id": d.ID, "name": d.Name, "pipeline_id": d.PipelineID, "stage_id": d.StageID,
		"stage": st.NameEN, "amount": d.Amount, "currency": d.Currency, "close_date": d.CloseDate,
		"owner_id": d.OwnerID, "company_id": d.CompanyID, "contact_id": d.ContactID,
		"source": d.Source, "source_group": d.SourceGroup, "version": d.Version}
	if !d.WonAt.IsZero() {
		out["won_at"] = d.WonAt
	}
	if st.Kind == crm.StageLost {
		out["lost_reason"] = d.LostReason
		out["lost_to_id"] = d.LostToID
	}
	return out
}
