package app

import (
	"context"
	"errors"

	"renkei/internal/crm"
	"renkei/internal/store"
)

// ListContacts returns a page of the contacts that match q and that the
// actor may see: the visibility rules of the workspace are applied, and
// custom property conditions take their type from the property's
// definition (an unknown key is a validation error naming props.<key>).
func (a *App) ListContacts(ctx context.Context, ac Actor, q store.ContactQuery) (store.ContactPage, error) {
	if err := ac.require(crm.PermReadAll); err != nil {
		return store.ContactPage{}, err
	}
	viewer, mode, err := a.ContactVisibility(ctx, ac)
	if err != nil {
		return store.ContactPage{}, err
	}
	q.Viewer, q.Visibility = viewer, mode
	if q.SegmentID != 0 {
		g, err := a.Store.Segment(ctx, q.SegmentID)
		if errors.Is(err, crm.ErrNotFound) {
			return store.ContactPage{}, crm.Invalid("segment", "is not a segment or list")
		} else if err != nil {
			return store.ContactPage{}, err
		}
		if q.SegmentEnv, err = a.segmentEnv(ctx, nil); err != nil {
			return store.ContactPage{}, err
		}
		q.InSegment = &g
	}
	if len(q.Props) > 0 {
		defs, err := a.Store.Properties(ctx, "contact")
		if err != nil {
			return store.ContactPage{}, err
		}
		types := map[string]crm.PropertyType{}
		for _, d := range defs {
			types[d.Key] = d.Type
		}
		v := &crm.ValidationError{}
		props := make([]store.PropCondition, len(q.Props))
		for i, pc := range q.Props {
			t, ok := types[pc.Key]
			if !ok {
				v.Add("props."+pc.Key, "is not a custom property of contacts")
			}
			pc.Type = store.PropType(t)
			props[i] = pc
		}
		if err := v.Err(); err != nil {
			return store.ContactPage{}, err
		}
		q.Props = props
	}
	return a.Store.ListContacts(ctx, q)
}

// ListCompanies returns a page of the companies that match q and that the
// actor may see.
func (a *App) ListCompanies(ctx context.Context, ac Actor, q store.CompanyQuery) (store.CompanyPage, error) {
	if err := ac.require(crm.PermReadAll); err != nil {
		return store.CompanyPage{}, err
	}
	mode, err := a.visibility(ctx, "companies")
	if err != nil {
		return store.CompanyPage{}, err
	}
	q.Viewer, q.Visibility = ac.User.Viewer(), mode
	return a.Store.ListCompanies(ctx, q)
}
