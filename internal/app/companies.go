package app

import (
	"context"
	"errors"
	"fmt"

	"renkei/internal/crm"
	"renkei/internal/store"
)

// Company returns one company the actor may see.
func (a *App) Company(ctx context.Context, ac Actor, id int64) (crm.Company, error) {
	if err := ac.require(crm.PermReadAll); err != nil {
		return crm.Company{}, err
	}
	co, err := a.Store.Company(ctx, id)
	if err != nil {
		return co, err
	}
	return co, a.canSeeCompany(ctx, ac, co)
}

func (a *App) canSeeCompany(ctx context.Context, ac Actor, co crm.Company) error {
	mode, err := a.visibility(ctx, "companies")
	if err != nil {
		return err
	}
	if !ac.User.Viewer().CanSee(mode, co.OwnerID, co.TeamID) {
		return crm.ErrNotFound
	}
	return nil
}

// CompanyInput is a company with custom property values as typed.
type CompanyInput struct {
	Company crm.Company
	Props   map[string]any
}

func (a *App) prepareCompany(ctx context.Context, tx *store.Tx, in CompanyInput, base map[string]any) (crm.Company, error) {
	co := in.Company
	co.Normalize()
	v := &crm.ValidationError{}
	if err := co.Validate(); err != nil {
		ve, _ := crm.AsValidation(err)
		for f, m := range ve.Fields {
			v.Add(f, m)
		}
	}
	props, err := a.checkProps(ctx, "company", base, in.Props)
	if err != nil {
		ve, _ := crm.AsValidation(err)
		for f, m := range ve.Fields {
			v.Add(f, m)
		}
	}
	co.Props = props
	if co.OwnerID != 0 {
		if u, err := tx.User(ctx, co.OwnerID); err != nil || u.Status == crm.UserDeactivated {
			v.Add("owner_id", "choose an active user as owner")
		}
	}
	if co.TeamID != 0 {
		if ok, err := tx.TeamExists(ctx, co.TeamID); err != nil {
			return co, err
		} else if !ok {
			v.Add("team_id", "this team does not exist")
		}
	}
	return co, v.Err()
}

// CreateCompany adds a company. A company whose name has the same duplicate
// key exists already → a validation error naming it, unless force is set.
func (a *App) CreateCompany(ctx context.Context, ac Actor, in CompanyInput, force bool) (crm.Company, error) {
	if err := ac.require(crm.PermWriteContacts); err != nil {
		return crm.Company{}, err
	}
	var co crm.Company
	err := a.Store.InTx(ctx, func(tx *store.Tx) error {
		var err error
		if co, err = a.prepareCompany(ctx, tx, in, nil); err != nil {
			return err
		}
		if !force {
			same, err := tx.CompaniesByKey(ctx, co.Key())
			if err != nil {
				return err
			}
			if len(same) > 0 {
				return crm.Invalid("name", fmt.Sprintf("looks like %q, which exists already (id %d)", same[0].Name, same[0].ID))
			}
		}
		now := a.now()
		if err := tx.CreateCompany(ctx, &co, now); err != nil {
			return err
		}
		return tx.AddTimeline(ctx, &store.TimelineEntry{At: now, CompanyID: co.ID, Kind: KindCreated, ActorID: ac.User.ID})
	})
	return co, err
}

// UpdateCompany replaces a company's fields when version matches.
func (a *App) UpdateCompany(ctx context.Context, ac Actor, id, version int64, in CompanyInput) (crm.Company, error) {
	if err := ac.require(crm.PermWriteContacts); err != nil {
		return crm.Company{}, err
	}
	var co crm.Company
	err := a.Store.InTx(ctx, func(tx *store.Tx) error {
		old, err := tx.Company(ctx, id)
		if err != nil {
			return err
		}
		if err := a.canSeeCompany(ctx, ac, old); err != nil {
			return err
		}
		if version != old.Version {
			return crm.ErrStale
		}
		in.Company.ID, in.Company.Version, in.Company.CreatedAt = old.ID, old.Version, old.CreatedAt
		if co, err = a.prepareCompany(ctx, tx, in, old.Props); err != nil {
			return err
		}
		now := a.now()
		if err := tx.UpdateCompany(ctx, &co, now); err != nil {
			return err
		}
		if ch := companyChanges(old, co); len(ch) > 0 {
			return tx.AddTimeline(ctx, &store.TimelineEntry{At: now, CompanyID: co.ID, Kind: KindUpdated, ActorID: ac.User.ID,
				Data: map[string]any{"changes": ch}})
		}
		return nil
	})
	return co, err
}

func companyChanges(a, b crm.Company) map[string]any {
	out := map[string]any{}
	add := func(f string, x, y any) {
		if fmt.Sprint(x) != fmt.Sprint(y) {
			out[f] = []any{x, y}
		}
	}
	add("name", a.Name, b.Name)
	add("reading", a.Reading, b.Reading)
	add("domain", a.Domain, b.Domain)
	add("industry", a.Industry, b.Industry)
	add("employees", a.Employees, b.Employees)
	add("postal_code", a.PostalCode, b.PostalCode)
	add("prefecture", a.Prefecture, b.Prefecture)
	add("city", a.City, b.City)
	add("street", a.Street, b.Street)
	add("phone", a.Phone, b.Phone)
	add("owner_id", a.OwnerID, b.OwnerID)
	add("team_id", a.TeamID, b.TeamID)
	for k := range union(a.Props, b.Props) {
		add("props."+k, a.Props[k], b.Props[k])
	}
	return out
}

// DeleteCompany removes a company; its contacts stay, without a company.
func (a *App) DeleteCompany(ctx context.Context, ac Actor, id int64) error {
	if err := ac.require(crm.PermWriteContacts); err != nil {
		return err
	}
	return a.Store.InTx(ctx, func(tx *store.Tx) error {
		co, err := tx.Company(ctx, id)
		if err != nil {
			return err
		}
		if err := a.canSeeCompany(ctx, ac, co); err != nil {
			return err
		}
		if err := tx.DeleteCompany(ctx, id); err != nil {
			return err
		}
		return tx.Audit(ctx, a.audit(ac, "company.delete", fmt.Sprintf("%d %s", id, co.Name), ""))
	})
}

// MergeCompanies moves the contacts and timeline of dropID to keepID, fills
// keepID's empty fields, and deletes dropID.
func (a *App) MergeCompanies(ctx context.Context, ac Actor, keepID, dropID int64) (crm.Company, error) {
	if err := ac.require(crm.PermWriteContacts); err != nil {
		return crm.Company{}, err
	}
	if keepID == dropID {
		return crm.Company{}, crm.Invalid("merge_id", "choose two different companies")
	}
	var keep crm.Company
	err := a.Store.InTx(ctx, func(tx *store.Tx) error {
		var err error
		if keep, err = tx.Company(ctx, keepID); err != nil {
			return err
		}
		drop, err := tx.Company(ctx, dropID)
		if errors.Is(err, crm.ErrNotFound) {
			return crm.Invalid("merge_id", "this company does not exist")
		}
		if err != nil {
			return err
		}
		for _, co := range []crm.Company{keep, drop} {
			if err := a.canSeeCompany(ctx, ac, co); err != nil {
				return err
			}
		}
		fill := func(dst *string, src string) {
			if *dst == "" {
				*dst = src
			}
		}
		fill(&keep.Reading, drop.Reading)
		fill(&keep.Domain, drop.Domain)
		fill(&keep.Industry, drop.Industry)
		fill(&keep.PostalCode, drop.PostalCode)
		fill(&keep.Prefecture, drop.Prefecture)
		fill(&keep.City, drop.City)
		fill(&keep.Street, drop.Street)
		fill(&keep.Country, drop.Country)
		fill(&keep.Phone, drop.Phone)
		if keep.Employees == 0 {
			keep.Employees = drop.Employees
		}
		if keep.OwnerID == 0 {
			keep.OwnerID = drop.OwnerID
		}
		if keep.TeamID == 0 {
			keep.TeamID = drop.TeamID
		}
		if keep.Props == nil {
			keep.Props = map[string]any{}
		}
		for k, v := range drop.Props {
			if _, ok := keep.Props[k]; !ok {
				keep.Props[k] = v
			}
		}
		if err := tx.MoveCompanyRecords(ctx, drop.ID, keep.ID); err != nil {
			return err
		}
		if err := tx.DeleteCompany(ctx, drop.ID); err != nil {
			return err
		}
		now := a.now()
		if err := tx.UpdateCompany(ctx, &keep, now); err != nil {
			return err
		}
		if err := tx.AddTimeline(ctx, &store.TimelineEntry{At: now, CompanyID: keep.ID, Kind: KindMerged, ActorID: ac.User.ID,
			Data: map[string]any{"merged_id": drop.ID, "merged_name": drop.Name}}); err != nil {
			return err
		}
		return tx.Audit(ctx, a.audit(ac, "company.merge", fmt.Sprintf("%d ← %d", keep.ID, drop.ID), drop.Name))
	})
	return keep, err
}

// Timeline lists a contact's or company's timeline after checking the actor
// may see the record.
func (a *App) Timeline(ctx context.Context, ac Actor, f store.TimelineFilter) ([]store.TimelineEntry, error) {
	switch {
	case f.ContactID != 0:
		if _, err := a.Contact(ctx, ac, f.ContactID); err != nil {
			return nil, err
		}
	case f.CompanyID != 0:
		if _, err := a.Company(ctx, ac, f.CompanyID); err != nil {
			return nil, err
		}
		// The company's timeline shows its contacts' entries too: only
		// those of contacts the actor may see.
		var err error
		if f.Viewer, f.Visibility, err = a.ContactVisibility(ctx, ac); err != nil {
			return nil, err
		}
	default:
		return nil, crm.Invalid("record", "name a contact or a company")
	}
	return a.Store.Timeline(ctx, f)
}
