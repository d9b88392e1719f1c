package app

import (
	"context"

	"renkei/internal/store"
)

// emitWebhook queues the outgoing webhook deliveries of one event (for
// example "form.submitted", "lead.mql", "deal.won") inside tx, so that they
// are sent exactly when the change commits. data is marshalled to JSON as
// the payload's "data" member. When data names a person (a "contact_id"
// member, or "contact" with an "id"), the deliveries are erased with them.
//
// Owned by the webhooks work; this is the agreed signature.
func (a *App) emitWebhook(ctx context.Context, tx *store.Tx, event string, data any) error {
	hooks, err := tx.ActiveWebhooks(ctx)
	if err != nil || len(hooks) == 0 {
		return err
	}
	var body []byte
	var contactID int64
	var eventID string
	for _, h := range hooks {
		if !subscribed(h, event) {
			continue
		}
		if body == nil {
			if body, contactID, eventID, err = a.newPayload(event, data); err != nil {
				return err
			}
		}
		d := store.WebhookDelivery{WebhookID: h.ID, Event: event, EventID: eventID, ContactID: contactID, Payload: string(body)}
		if err := a.queueDelivery(ctx, tx, &d); err != nil {
			return err
		}
	}
	return nil
}
