package app

import "context"

// rescoreContacts recomputes the fit and engagement scores of contacts
// after something about them changed (new events committed, a form
// submitted, properties edited) and applies the lifecycle stage rules
// (which may make a contact an MQL, and then call leadBecameMQL). It runs
// after the triggering transaction has committed; errors are logged by
// the caller, never shown to a public visitor.
//
// Owned by the scoring work; this is the agreed signature.
func (a *App) rescoreContacts(ctx context.Context, contactIDs []int64) error {
	return nil
}
