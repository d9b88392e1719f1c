package app

import (
	"context"

	"renkei/internal/store"
)

// emitWebhook queues the outgoing webhook deliveries of one event (for
// example "form.submitted", "lead.mql", "deal.won") inside tx, so that they
// are sent exactly when the change commits. data is marshalled to JSON as
// the payload's "data" member.
//
// Owned by the webhooks work; this is the agreed signature.
func (a *App) emitWebhook(ctx context.Context, tx *store.Tx, event string, data any) error {
	return nil
}
