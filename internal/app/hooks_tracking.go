package app

import (
	"context"

	"renkei/internal/store"
)

// identifyVisitor ties a site's visitor to a contact inside tx: the
// visitor row gets the contact, and the visitor's earlier events join the
// contact's timeline. Forms call it on submission; e-mail clicks and the
// API identify call later. siteID 0 or an empty visitorID do nothing.
//
// Owned by the web-tracking work; this is the agreed signature.
func (a *App) identifyVisitor(ctx context.Context, tx *store.Tx, siteID int64, visitorID string, contactID int64) error {
	return nil
}
