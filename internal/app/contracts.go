package app

import (
	"context"
	"fmt"
	"time"

	"renkei/internal/crm"
	"renkei/internal/store"
)

// KindContract is the timeline kind of a new contract.
const KindContract = "contract"

// contractTerm is how long a new contract runs unless edited.
const contractTerm = 12 // months

// playbookHour is the local hour the playbook's tasks are due.
const playbookHour = 10

// dealWon makes the contract of a deal that entered a won stage, in the
// caller's transaction: the deal's value from the won day for a year, the
// playbook's tasks, and the primary contact becomes a customer. A deal
// that already has a contract (moved out of won and back) gets nothing new.
func (a *App) dealWon(ctx context.Context, tx *store.Tx, actorID int64, d crm.Deal, ws crm.Workspace) error {
	loc := ws.Location()
	won := d.WonAt
	if won.IsZero() {
		won = a.now()
	}
	day := won.In(loc)
	start := time.Date(day.Year(), day.Month(), day.Day(), 0, 0, 0, 0, loc)
	end := start.AddDate(0, contractTerm, 0)
	owner := d.OwnerID
	if owner == 0 {
		owner = actorID
	}
	k := crm.Contract{DealID: d.ID, CompanyID: d.CompanyID, ContactID: d.ContactID, OwnerID: owner,
		Amount: d.Amount, Currency: d.Currency, StartDate: start.Format(time.DateOnly),
		EndDate: end.Format(time.DateOnly), Status: crm.ContractActive}
	created, err := tx.CreateContract(ctx, &k, a.now())
	if err != nil || !created {
		return err
	}
	if err := a.playbookTasks(ctx, tx, actorID, k, d, start, end, ws.Language); err != nil {
		return err
	}
	if err := a.surveyAfterContract(ctx, tx, actorID, k, d, start, ws.Language); err != nil { // surveys: survey_auto.go
		return err
	}
	if d.ContactID != 0 || d.CompanyID != 0 {
		err := tx.AddTimeline(ctx, &store.TimelineEntry{At: a.now(), ContactID: d.ContactID, CompanyID: d.CompanyID,
			Kind: KindContract, ActorID: actorID, RefType: "contract", RefID: k.ID,
			Data: map[string]any{"deal": d.Name, "amount": k.Amount, "currency": k.Currency,
				"start_date": k.StartDate, "end_date": k.EndDate}})
		if err != nil {
			return err
		}
	}
	return a.becomeCustomer(ctx, tx, actorID, d.ContactID)
}

// playbookTasks creates the after-follow tasks of a new contract, owned by
// the deal's owner and linked to the deal.
func (a *App) playbookTasks(ctx context.Context, tx *store.Tx, actorID int64, k crm.Contract, d crm.Deal,
	start, end time.Time, lang crm.Language) error {
	ps, err := tx.Playbook(ctx)
	if err != nil {
		return err
	}
	for _, p := range ps {
		due := p.Due(start, end)
		title := p.TitleEN
		if lang == crm.LangJA {
			title = p.TitleJA
		}
		t := crm.Task{Title: fmt.Sprintf("%s: %s", title, d.Name), OwnerID: k.OwnerID, DealID: d.ID,
			DueAt:     time.Date(due.Year(), due.Month(), due.Day(), playbookHour, 0, 0, 0, due.Location()).UTC(),
			CreatedBy: actorID, RemindMinutes: 0}
		t.Normalize()
		if len([]rune(t.Title)) > 200 {
			t.Title = string([]rune(t.Title)[:200])
		}
		if err := tx.CreateTask(ctx, &t, a.now()); err != nil {
			return err
		}
		if err := a.scheduleReminder(ctx, tx, t); err != nil {
			return err
		}
	}
	return nil
}

// becomeCustomer moves a contact to the customer stage with a timeline entry.
func (a *App) becomeCustomer(ctx context.Context, tx *store.Tx, actorID, contactID int64) error {
	if contactID == 0 {
		return nil
	}
	c, err := tx.Contact(ctx, contactID)
	if err != nil || c.Lifecycle == crm.StageCustomer {
		return err
	}
	ok, err := tx.MoveContactStage(ctx, c.ID, c.Lifecycle, crm.StageCustomer, a.now())
	if err != nil || !ok {
		return err
	}
	return tx.AddTimeline(ctx, &store.TimelineEntry{At: a.now(), ContactID: c.ID, Kind: KindStage, ActorID: actorID,
		Data: map[string]any{"from": string(c.Lifecycle), "to": string(crm.StageCustomer), "reason": "deal won", "by": "sales"}})
}

func (a *App) canSeeContract(ctx context.Context, ac Actor, k crm.Contract) error {
	return a.canSeeDeal(ctx, ac, crm.Deal{OwnerID: k.DealOwnerID, TeamID: k.DealTeamID})
}

// Contract returns one contract the actor may see (the deal's visibility).
func (a *App) Contract(ctx context.Context, ac Actor, id int64) (crm.Contract, error) {
	if err := ac.require(crm.PermReadAll); err != nil {
		return crm.Contract{}, err
	}
	k, err := a.Store.Contract(ctx, id)
	if err != nil {
		return k, err
	}
	return k, a.canSeeContract(ctx, ac, k)
}

// Contracts lists the contracts the actor may see.
func (a *App) Contracts(ctx context.Context, ac Actor, q store.ContractQuery) ([]crm.Contract, error) {
	if err := ac.require(crm.PermReadAll); err != nil {
		return nil, err
	}
	if q.Status != "" && !validStatus(q.Status) {
		return nil, crm.Invalid("status", "choose active, ended or renewed")
	}
	ks, err := a.Store.Contracts(ctx, q)
	if err != nil {
		return nil, err
	}
	out := ks[:0]
	for _, k := range ks {
		if err := a.canSeeContract(ctx, ac, k); err == nil {
			out = append(out, k)
		}
	}
	return out, nil
}

func validStatus(s string) bool {
	for _, x := range crm.ContractStatuses {
		if string(x) == s {
			return true
		}
	}
	return false
}

// ContractInput is the editable part of a contract.
type ContractInput struct {
	Amount    int64
	Currency  string
	StartDate string
	EndDate   string
	Terms     string
	Status    crm.ContractStatus
}

// UpdateContract changes a contract's value, dates, terms and status when
// version matches.
func (a *App) UpdateContract(ctx context.Context, ac Actor, id, version int64, in ContractInput) (crm.Contract, error) {
	if err := ac.require(crm.PermWriteSales); err != nil {
		return crm.Contract{}, err
	}
	var k crm.Contract
	err := a.Store.InTx(ctx, func(tx *store.Tx) error {
		var err error
		if k, err = tx.Contract(ctx, id); err != nil {
			return err
		}
		if err := a.canSeeContract(ctx, ac, k); err != nil {
			return err
		}
		if version != k.Version {
			return crm.ErrStale
		}
		k.Amount, k.Currency, k.StartDate, k.EndDate = in.Amount, in.Currency, in.StartDate, in.EndDate
		k.Terms, k.Status = in.Terms, in.Status
		k.Normalize()
		if err := k.Validate(); err != nil {
			return err
		}
		return tx.UpdateContract(ctx, &k, a.now())
	})
	return k, err
}

// CreateRenewalDeal opens the renewal deal of a contract: the same
// pipeline's first stage, the contract's value, closing on its end day.
// A contract has one renewal deal; asking again returns it.
func (a *App) CreateRenewalDeal(ctx context.Context, ac Actor, id int64) (crm.Deal, error) {
	if err := ac.require(crm.PermWriteSales); err != nil {
		return crm.Deal{}, err
	}
	var d crm.Deal
	err := a.Store.InTx(ctx, func(tx *store.Tx) error {
		k, err := tx.Contract(ctx, id)
		if err != nil {
			return err
		}
		if err := a.canSeeContract(ctx, ac, k); err != nil {
			return err
		}
		if k.RenewalDealID != 0 {
			d, err = tx.Deal(ctx, k.RenewalDealID)
			return err
		}
		p, err := tx.Pipeline(ctx, k.PipelineID)
		if err != nil {
			return err
		}
		if len(p.Stages) == 0 {
			return crm.Invalid("pipeline_id", "the pipeline has no stages")
		}
		owner := k.DealOwnerID
		if owner == 0 {
			owner = ac.User.ID
		}
		d = crm.Deal{Name: renewalName(k.DealName), PipelineID: p.ID, StageID: p.Stages[0].ID, Amount: k.Amount,
			Currency: k.Currency, CloseDate: k.EndDate, OwnerID: owner, TeamID: k.DealTeamID,
			CompanyID: k.CompanyID, ContactID: k.ContactID}
		if d, err = a.createDeal(ctx, tx, ac.User.ID, d); err != nil {
			return err
		}
		k.RenewalDealID = d.ID
		return tx.UpdateContract(ctx, &k, a.now())
	})
	return d, err
}

// renewalName names a renewal deal in both languages.
func renewalName(name string) string {
	r := []rune(name + " 更新 / renewal")
	if len(r) > 200 {
		r = r[len(r)-200:]
	}
	return string(r)
}

// Playbook returns the after-follow playbook.
func (a *App) Playbook(ctx context.Context, ac Actor) ([]crm.PlaybookTask, error) {
	if err := ac.require(crm.PermReadAll); err != nil {
		return nil, err
	}
	return a.Store.Playbook(ctx)
}

// SetPlaybook replaces the after-follow playbook (settings).
func (a *App) SetPlaybook(ctx context.Context, ac Actor, ps []crm.PlaybookTask) error {
	if err := ac.require(crm.PermSettings); err != nil {
		return err
	}
	if err := crm.ValidatePlaybook(ps); err != nil {
		return err
	}
	return a.Store.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.SetPlaybook(ctx, ps); err != nil {
			return err
		}
		return tx.Audit(ctx, a.audit(ac, "playbook.update", fmt.Sprintf("%d tasks", len(ps)), ""))
	})
}
