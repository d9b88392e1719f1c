package app

import (
	"context"
	"strings"

	"renkei/internal/store"
)

// identifyVisitor ties a site's visitor to a contact inside tx: the
// visitor row gets the contact, and the visitor's earlier events join the
// contact's timeline. Forms call it on submission; e-mail clicks and the
// API identify call later. siteID 0 or an empty visitorID do nothing;
// cookieless visitor ids never identify (aggregate numbers only).
//
// Later events of the visitor get the contact when they are written (the
// group-commit writer looks the visitor up in the same transaction).
func (a *App) identifyVisitor(ctx context.Context, tx *store.Tx, siteID int64, visitorID string, contactID int64) error {
	if siteID == 0 || visitorID == "" || contactID == 0 || strings.HasPrefix(visitorID, store.CookielessPrefix) || len(visitorID) > maxVisitorID {
		return nil
	}
	evs, err := tx.TieVisitor(ctx, siteID, visitorID, contactID, a.now())
	if err != nil {
		return err
	}
	var tl []store.TimelineEntry
	for i := range evs {
		if te, ok := visitEntry(&evs[i]); ok {
			tl = append(tl, te)
		}
	}
	return tx.AddTimelineBatch(ctx, tl)
}

// maxVisitorID bounds a visitor id.
const maxVisitorID = 64
