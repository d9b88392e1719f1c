package app

import (
	"context"
	"errors"

	"renkei/internal/crm"
	"renkei/internal/store"
)

// Properties lists custom property definitions of one object ("" = all).
func (a *App) Properties(ctx context.Context, ac Actor, object string) ([]crm.Property, error) {
	if err := ac.require(crm.PermReadAll); err != nil {
		return nil, err
	}
	return a.Store.Properties(ctx, object)
}

// CreateProperty defines a custom property (admins).
func (a *App) CreateProperty(ctx context.Context, ac Actor, p crm.Property) (crm.Property, error) {
	if err := ac.require(crm.PermSettings); err != nil {
		return p, err
	}
	if err := p.Validate(); err != nil {
		return p, err
	}
	err := a.Store.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.CreateProperty(ctx, &p, a.now()); err != nil {
			if errors.Is(err, crm.ErrConflict) {
				return crm.Invalid("key", "a property with this key exists already")
			}
			return err
		}
		return tx.Audit(ctx, a.audit(ac, "property.create", p.Object+"."+p.Key, string(p.Type)))
	})
	return p, err
}

// UpdateProperty changes a definition's labels, choices and position; its
// object, key and type stay as they were.
func (a *App) UpdateProperty(ctx context.Context, ac Actor, id, version int64, p crm.Property) (crm.Property, error) {
	if err := ac.require(crm.PermSettings); err != nil {
		return p, err
	}
	old, err := a.Store.Property(ctx, id)
	if err != nil {
		return p, err
	}
	p.ID, p.Version, p.Object, p.Key, p.Type, p.CreatedAt = id, version, old.Object, old.Key, old.Type, old.CreatedAt
	if err := p.Validate(); err != nil {
		return p, err
	}
	err = a.Store.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.UpdateProperty(ctx, &p); err != nil {
			return err
		}
		return tx.Audit(ctx, a.audit(ac, "property.update", p.Object+"."+p.Key, ""))
	})
	return p, err
}

// DeleteProperty removes a definition.
func (a *App) DeleteProperty(ctx context.Context, ac Actor, id int64) error {
	if err := ac.require(crm.PermSettings); err != nil {
		return err
	}
	p, err := a.Store.Property(ctx, id)
	if err != nil {
		return err
	}
	return a.Store.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.DeleteProperty(ctx, id); err != nil {
			return err
		}
		return tx.Audit(ctx, a.audit(ac, "property.delete", p.Object+"."+p.Key, ""))
	})
}
