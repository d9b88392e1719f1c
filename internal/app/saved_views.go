package app

import (
	"context"
	"net/url"
	"strings"
	"unicode/utf8"

	"renkei/internal/crm"
	"renkei/internal/store"
)

// SavedViews lists the saved list views of an object ("contact" or
// "company") that the actor sees: their own and the shared ones.
func (a *App) SavedViews(ctx context.Context, ac Actor, object string) ([]store.SavedView, error) {
	if err := ac.require(crm.PermReadAll); err != nil {
		return nil, err
	}
	return a.Store.SavedViews(ctx, ac.User.ID, object)
}

// SaveView stores a list view for the actor. query is the list's query
// string; sharing a view with the workspace needs write access to
// contacts.
func (a *App) SaveView(ctx context.Context, ac Actor, object, name, query string, shared bool) (store.SavedView, error) {
	if err := ac.require(crm.PermReadAll); err != nil {
		return store.SavedView{}, err
	}
	if shared && !ac.Can(crm.PermWriteContacts) {
		return store.SavedView{}, crm.ErrForbidden
	}
	v := store.SavedView{UserID: ac.User.ID, Object: object, Name: strings.TrimSpace(name), Query: query, Shared: shared}
	bad := &crm.ValidationError{}
	if object != "contact" && object != "company" {
		bad.Add("object", "choose contact or company")
	}
	switch {
	case v.Name == "":
		bad.Add("view_name", "is required")
	case utf8.RuneCountInString(v.Name) > 100 || strings.ContainsAny(v.Name, "\r\n\x00"):
		bad.Add("view_name", "is too long")
	}
	if _, err := url.ParseQuery(query); err != nil || len(query) > 4000 {
		bad.Add("view_query", "is not a list query")
	}
	if err := bad.Err(); err != nil {
		return v, err
	}
	err := a.Store.InTx(ctx, func(tx *store.Tx) error { return tx.CreateSavedView(ctx, &v, a.now()) })
	return v, err
}

// DeleteSavedView removes one of the actor's views; admins may remove
// shared views of others too.
func (a *App) DeleteSavedView(ctx context.Context, ac Actor, id int64) error {
	if err := ac.require(crm.PermReadAll); err != nil {
		return err
	}
	v, err := a.Store.SavedView(ctx, id)
	if err != nil {
		return err
	}
	if v.UserID != ac.User.ID {
		if !v.Shared {
			return crm.ErrNotFound
		}
		if !ac.Can(crm.PermSettings) {
			return crm.ErrForbidden
		}
	}
	return a.Store.InTx(ctx, func(tx *store.Tx) error { return tx.DeleteSavedView(ctx, id) })
}
