package app

import (
	"context"

	"renkei/internal/crm"
	"renkei/internal/store"
)

// Reads that the contact pages of the UI need besides the verbs in
// contacts.go.

// DuplicatesOf returns the contacts that may be the same person as contact
// id (same e-mail, name and company, or phone), leaving out those the actor
// may not see.
func (a *App) DuplicatesOf(ctx context.Context, ac Actor, id int64) ([]store.DuplicateMatch, error) {
	if _, err := a.Contact(ctx, ac, id); err != nil {
		return nil, err
	}
	all, err := a.Store.FindDuplicates(ctx, id)
	if err != nil {
		return nil, err
	}
	viewer, mode, err := a.ContactVisibility(ctx, ac)
	if err != nil {
		return nil, err
	}
	out := all[:0]
	for _, m := range all {
		if viewer.CanSee(mode, m.Contact.OwnerID, m.Contact.TeamID) {
			out = append(out, m)
		}
	}
	return out, nil
}

// ConsentHistory lists the consent events of a contact the actor may see,
// newest first.
func (a *App) ConsentHistory(ctx context.Context, ac Actor, id int64) ([]store.ConsentEvent, error) {
	if _, err := a.Contact(ctx, ac, id); err != nil {
		return nil, err
	}
	return a.Store.ConsentHistory(ctx, id)
}

// MergePreview returns the contact that MergeContacts(keep, drop) would
// leave, for a merge screen to show which values win. The consent status
// shown is keep's unless it is unknown (the merge itself follows the newest
// entry of the united consent ledger).
func MergePreview(keep, drop crm.Contact) crm.Contact {
	keep.Tags = append([]string(nil), keep.Tags...)
	fillContact(&keep, drop)
	keep.Tags = crm.NormalizeTags(mergeTags(keep.Tags, drop.Tags))
	if keep.Consent == crm.ConsentUnknown {
		keep.Consent = drop.Consent
	}
	return keep
}
