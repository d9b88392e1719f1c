package app

import (
	"context"

	"renkei/internal/store"
)

// leadBecameMQL starts the hand-off of a contact that has just become an
// MQL, inside the transaction that moved its stage: assignment to a sales
// owner, lead status new, the first-touch SLA clock, the owner's
// notifications. reason says why it became an MQL (for the timeline).
//
// Owned by the hand-off work; this is the agreed signature.
func (a *App) leadBecameMQL(ctx context.Context, tx *store.Tx, contactID int64, reason string) error {
	return nil
}
