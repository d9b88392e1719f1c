package app

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"renkei/internal/crm"
	"renkei/internal/store"
)

// Bulk operations on contacts.
const (
	BulkAddTag    = "add_tag"
	BulkRemoveTag = "remove_tag"
	BulkSetOwner  = "set_owner"
	BulkSetStage  = "set_stage"
	BulkDelete    = "delete"
)

// MaxBulk is the most contacts one bulk action changes.
const MaxBulk = 500

// BulkAction is one change applied to many contacts.
type BulkAction struct {
	Op      string        // one of the Bulk* constants
	Tag     string        // add_tag, remove_tag
	OwnerID int64         // set_owner (0 = no owner)
	Stage   crm.Lifecycle // set_stage
}

// BulkUpdateContacts applies one action to the contacts ids in one
// transaction: every contact must exist and be visible to the actor, or
// nothing changes. Changed contacts get a timeline entry as an edit does;
// deletions are audited. It returns how many contacts changed.
func (a *App) BulkUpdateContacts(ctx context.Context, ac Actor, ids []int64, act BulkAction) (int, error) {
	if err := ac.require(crm.PermWriteContacts); err != nil {
		return 0, err
	}
	ids = slices.Compact(slices.Sorted(slices.Values(ids)))
	v := &crm.ValidationError{}
	switch {
	case len(ids) == 0:
		v.Add("ids", "select at least one contact")
	case len(ids) > MaxBulk:
		v.Add("ids", fmt.Sprintf("select %d contacts at most", MaxBulk))
	}
	act.Tag = strings.TrimSpace(act.Tag)
	switch act.Op {
	case BulkAddTag, BulkRemoveTag:
		if act.Tag == "" || utf8.RuneCountInString(act.Tag) > 50 {
			v.Add("tag", "tags must be 1 to 50 characters")
		}
	case BulkSetStage:
		if !slices.Contains(crm.Lifecycles, act.Stage) {
			v.Add("stage", "choose subscriber, lead, mql, sql, opportunity, customer or disqualified")
		}
	case BulkSetOwner, BulkDelete:
	default:
		v.Add("op", "choose an action")
	}
	if err := v.Err(); err != nil {
		return 0, err
	}
	changed := 0
	err := a.Store.InTx(ctx, func(tx *store.Tx) error {
		if act.Op == BulkSetOwner && act.OwnerID != 0 {
			if u, err := tx.User(ctx, act.OwnerID); err != nil || u.Status == crm.UserDeactivated {
				return crm.Invalid("owner_id", "choose an active user as owner")
			}
		}
		now := a.now()
		for _, id := range ids {
			c, err := tx.Contact(ctx, id)
			if err != nil {
				return err
			}
			if err := a.canSeeContact(ctx, ac, c); err != nil {
				return err
			}
			if act.Op == BulkDelete {
				if err := tx.DeleteContact(ctx, id); err != nil {
					return err
				}
				if err := tx.Audit(ctx, a.audit(ac, "contact.delete", fmt.Sprintf("contact %d", id), "bulk")); err != nil {
					return err
				}
				changed++
				continue
			}
			old := c
			old.Tags = slices.Clone(c.Tags)
			switch act.Op {
			case BulkAddTag:
				c.Tags = crm.NormalizeTags(append(c.Tags, act.Tag))
			case BulkRemoveTag:
				c.Tags = slices.DeleteFunc(c.Tags, func(t string) bool { return t == act.Tag })
			case BulkSetOwner:
				c.OwnerID = act.OwnerID
			case BulkSetStage:
				c.Lifecycle = act.Stage
			}
			changes := contactChanges(old, c)
			if len(changes) == 0 {
				continue
			}
			if err := tx.UpdateContact(ctx, &c, now); err != nil {
				return err
			}
			if err := tx.AddTimeline(ctx, &store.TimelineEntry{At: now, ContactID: c.ID, Kind: KindUpdated, ActorID: ac.User.ID,
				Data: map[string]any{"changes": changes, "bulk": true}}); err != nil {
				return err
			}
			changed++
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	if act.Op != BulkDelete {
		a.rescoreAfter(ctx, ids...) // scoring: tags, stage or owner changed
	}
	return changed, nil
}
