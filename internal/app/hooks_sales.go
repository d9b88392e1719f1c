package app

import (
	"context"
	"strings"
	"time"

	"renkei/internal/crm"
	"renkei/internal/store"
)

// timeZero clears a time field.
var timeZero time.Time

// createDealFromLead opens a deal for a contact whose owner has just
// accepted it as a lead (the one step from SQL to a deal), inside tx, in
// the default pipeline's first stage, owned by ownerID, with the contact's
// source and company. It returns the new deal's id.
//
// The deal is named after the company (or the person when there is none)
// and takes the contact's team; the contact is on it as decision maker.
func (a *App) createDealFromLead(ctx context.Context, tx *store.Tx, contactID, ownerID int64) (int64, error) {
	c, err := tx.Contact(ctx, contactID)
	if err != nil {
		return 0, err
	}
	name := c.Name(crm.LangJA)
	if c.CompanyID != 0 {
		if co, err := tx.Company(ctx, c.CompanyID); err == nil {
			name = co.Name
		}
	}
	if strings.TrimSpace(name) == "" {
		name = c.Email
	}
	d := crm.Deal{Name: name, ContactID: c.ID, CompanyID: c.CompanyID, OwnerID: ownerID, TeamID: c.TeamID,
		Contacts: []crm.DealContact{{ContactID: c.ID, Role: crm.RoleDecisionMaker}}}
	d, err = a.createDeal(ctx, tx, ownerID, d)
	return d.ID, err
}
