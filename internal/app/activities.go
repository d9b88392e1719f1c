package app

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"strings"
	"time"

	"renkei/internal/crm"
	"renkei/internal/ical"
	"renkei/internal/store"
)

// KindActivity is the timeline kind of a logged activity (ref_type
// "activity"). Data: {"kind", "side", "subject", "outcome", "deal"}.
const KindActivity = "activity"

const keyActivitySides = "activity_sides"

// ActivitySides returns the workspace's default side per activity kind.
func (a *App) ActivitySides(ctx context.Context) (crm.ActivitySides, int64, error) {
	sides := crm.DefaultActivitySides()
	stored := map[crm.ActivityKind]string{}
	v, err := a.Store.Setting(ctx, keyActivitySides, &stored)
	if errors.Is(err, crm.ErrNotFound) {
		return sides, 0, nil
	}
	maps.Copy(sides, stored)
	return sides, v, err
}

// UpdateActivitySides stores the default side per kind ("" = as the
// user's role) when version matches.
func (a *App) UpdateActivitySides(ctx context.Context, ac Actor, sides crm.ActivitySides, version int64) (int64, error) {
	if err := ac.require(crm.PermSettings); err != nil {
		return 0, err
	}
	v := &crm.ValidationError{}
	out := crm.ActivitySides{}
	for _, k := range crm.ActivityKinds {
		switch s := sides[k]; s {
		case "", crm.SideMarketing, crm.SideSales:
			out[k] = s
		default:
			v.Add("side_"+string(k), "choose marketing, sales or as the user's role")
		}
	}
	if err := v.Err(); err != nil {
		return 0, err
	}
	var nv int64
	err := a.Store.InTx(ctx, func(tx *store.Tx) error {
		var err error
		if nv, err = tx.PutSetting(ctx, keyActivitySides, out, version, a.now()); err != nil {
			return err
		}
		return tx.Audit(ctx, a.audit(ac, "settings.activity_sides", "", ""))
	})
	return nv, err
}

// canSeeLinks checks that the actor may see every record an activity or
// task links to: a team-private deal hides its activities and tasks.
func (a *App) canSeeLinks(ctx context.Context, ac Actor, contactID, companyID, dealID int64) error {
	if dealID != 0 {
		if _, err := a.Deal(ctx, ac, dealID); err != nil {
			return err
		}
	}
	if contactID != 0 {
		if _, err := a.Contact(ctx, ac, contactID); err != nil {
			return err
		}
	}
	if companyID != 0 {
		if _, err := a.Company(ctx, ac, companyID); err != nil {
			return err
		}
	}
	return nil
}

// mayChange reports whether the actor may edit or delete a record owned by
// ownerID and created by createdBy: its owner, its author or an admin.
func mayChange(ac Actor, ownerID, createdBy int64) error {
	if ac.User.Role == crm.RoleAdmin || ac.User.ID == ownerID || ac.User.ID == createdBy {
		return nil
	}
	return crm.ErrForbidden
}

// Activity returns one activity the actor may see.
func (a *App) Activity(ctx context.Context, ac Actor, id int64) (crm.Activity, error) {
	if err := ac.require(crm.PermReadAll); err != nil {
		return crm.Activity{}, err
	}
	act, err := a.Store.Activity(ctx, id)
	if err != nil {
		return act, err
	}
	return act, a.canSeeLinks(ctx, ac, act.ContactID, act.CompanyID, act.DealID)
}

// ListActivities lists activities, newest first. A list by record checks
// the record; every list hides the activities of deals the actor may not
// see.
func (a *App) ListActivities(ctx context.Context, ac Actor, q store.ActivityQuery) ([]crm.Activity, bool, error) {
	if err := ac.require(crm.PermReadAll); err != nil {
		return nil, false, err
	}
	if err := a.canSeeLinks(ctx, ac, q.ContactID, q.CompanyID, q.DealID); err != nil {
		return nil, false, err
	}
	mode, err := a.visibility(ctx, "deals")
	if err != nil {
		return nil, false, err
	}
	q.Viewer, q.Visibility = ac.User.Viewer(), mode
	return a.Store.Activities(ctx, q)
}

// prepareActivity fills the defaults (owner, side, start, the company and
// contact of a deal, the company of a contact) and checks the links.
func (a *App) prepareActivity(ctx context.Context, tx *store.Tx, ac Actor, in crm.Activity) (crm.Activity, error) {
	in.Normalize()
	if in.OwnerID == 0 {
		in.OwnerID = ac.User.ID
	}
	if in.Side == "" {
		sides, _, err := a.ActivitySides(ctx)
		if err != nil {
			return in, err
		}
		in.Side = sides.SideFor(in.Kind, ac.User.Role)
	}
	if in.StartsAt.IsZero() {
		in.StartsAt = a.now()
	}
	in.StartsAt, in.EndsAt = in.StartsAt.UTC().Truncate(time.Millisecond), in.EndsAt.UTC().Truncate(time.Millisecond)
	v := &crm.ValidationError{}
	if in.DealID != 0 {
		d, err := tx.Deal(ctx, in.DealID)
		if errors.Is(err, crm.ErrNotFound) {
			v.Add("deal_id", "this deal does not exist")
		} else if err != nil {
			return in, err
		} else {
			if in.ContactID == 0 {
				in.ContactID = d.ContactID
			}
			if in.CompanyID == 0 {
				in.CompanyID = d.CompanyID
			}
		}
	}
	if in.ContactID != 0 {
		c, err := tx.Contact(ctx, in.ContactID)
		if errors.Is(err, crm.ErrNotFound) {
			v.Add("contact_id", "this contact does not exist")
		} else if err != nil {
			return in, err
		} else if in.CompanyID == 0 {
			in.CompanyID = c.CompanyID
		}
	}
	if in.CompanyID != 0 {
		if _, err := tx.Company(ctx, in.CompanyID); errors.Is(err, crm.ErrNotFound) {
			v.Add("company_id", "this company does not exist")
		} else if err != nil {
			return in, err
		}
	}
	if in.OwnerID != ac.User.ID {
		if u, err := tx.User(ctx, in.OwnerID); err != nil || u.Status == crm.UserDeactivated {
			v.Add("owner_id", "choose an active user as owner")
		}
	}
	if err := in.Validate(); err != nil {
		ve, _ := crm.AsValidation(err)
		for f, m := range ve.Fields {
			v.Add(f, m)
		}
	}
	return in, v.Err()
}

// CreateActivity logs an activity and puts it on the timelines of its
// contact and company.
func (a *App) CreateActivity(ctx context.Context, ac Actor, in crm.Activity) (crm.Activity, error) {
	if err := ac.require(crm.PermWriteContacts); err != nil {
		return in, err
	}
	if err := a.canSeeLinks(ctx, ac, in.ContactID, in.CompanyID, in.DealID); err != nil {
		return in, err
	}
	err := a.Store.InTx(ctx, func(tx *store.Tx) error {
		var err error
		in, err = a.createActivity(ctx, tx, ac, in)
		return err
	})
	return in, err
}

func (a *App) createActivity(ctx context.Context, tx *store.Tx, ac Actor, in crm.Activity) (crm.Activity, error) {
	act, err := a.prepareActivity(ctx, tx, ac, in)
	if err != nil {
		return act, err
	}
	act.CreatedBy = ac.User.ID
	if err := tx.CreateActivity(ctx, &act, a.now()); err != nil {
		return act, err
	}
	if act.ContactID == 0 && act.CompanyID == 0 {
		return act, nil
	}
	return act, tx.AddTimeline(ctx, &store.TimelineEntry{At: act.StartsAt, ContactID: act.ContactID,
		CompanyID: act.CompanyID, Kind: KindActivity, ActorID: ac.User.ID, Data: activityData(act),
		RefType: "activity", RefID: act.ID})
}

// activityData is what the timeline keeps of an activity: enough to show
// it without reading the activity.
func activityData(act crm.Activity) map[string]any {
	d := map[string]any{"kind": string(act.Kind), "side": act.Side, "subject": act.Subject}
	if act.Outcome != "" {
		d["outcome"] = act.Outcome
	}
	if act.DealID != 0 {
		d["deal_id"] = act.DealID
	}
	if act.EmailTo != "" {
		d["to"] = act.EmailTo
	}
	return d
}

// UpdateActivity changes an activity when version matches (its owner, its
// author or an admin). 1:1 e-mails that went out cannot be rewritten.
func (a *App) UpdateActivity(ctx context.Context, ac Actor, id, version int64, in crm.Activity) (crm.Activity, error) {
	if err := ac.require(crm.PermWriteContacts); err != nil {
		return in, err
	}
	old, err := a.Activity(ctx, ac, id)
	if err != nil {
		return in, err
	}
	if err := mayChange(ac, old.OwnerID, old.CreatedBy); err != nil {
		return in, err
	}
	if err := a.canSeeLinks(ctx, ac, in.ContactID, in.CompanyID, in.DealID); err != nil {
		return in, err
	}
	if old.EmailTo != "" && (in.Subject != old.Subject || in.Body != old.Body || in.Kind != old.Kind) {
		return in, crm.Invalid("body", "a sent e-mail cannot be changed")
	}
	var act crm.Activity
	err = a.Store.InTx(ctx, func(tx *store.Tx) error {
		in.EmailTo = old.EmailTo
		if act, err = a.prepareActivity(ctx, tx, ac, in); err != nil {
			return err
		}
		act.ID, act.Version, act.CreatedBy, act.CreatedAt = id, version, old.CreatedBy, old.CreatedAt
		if err := tx.UpdateActivity(ctx, &act, a.now()); err != nil {
			return err
		}
		if err := tx.DeleteTimelineRef(ctx, "activity", id); err != nil {
			return err
		}
		if act.ContactID == 0 && act.CompanyID == 0 {
			return nil
		}
		return tx.AddTimeline(ctx, &store.TimelineEntry{At: act.StartsAt, ContactID: act.ContactID,
			CompanyID: act.CompanyID, Kind: KindActivity, ActorID: ac.User.ID, Data: activityData(act),
			RefType: "activity", RefID: act.ID})
	})
	return act, err
}

// DeleteActivity removes an activity and its timeline entry.
func (a *App) DeleteActivity(ctx context.Context, ac Actor, id int64) error {
	if err := ac.require(crm.PermWriteContacts); err != nil {
		return err
	}
	old, err := a.Activity(ctx, ac, id)
	if err != nil {
		return err
	}
	if err := mayChange(ac, old.OwnerID, old.CreatedBy); err != nil {
		return err
	}
	return a.Store.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.DeleteActivity(ctx, id); err != nil {
			return err
		}
		return tx.Audit(ctx, a.audit(ac, "activity.delete", fmt.Sprintf("%d %s", id, old.Subject), ""))
	})
}

// ---- the week split ----

// SideDay is what one side did on one day of the week.
type SideDay struct {
	Count   int
	Minutes int // meetings and visits: their length; other kinds count 0
}

// WeekDay is one day of the week view.
type WeekDay struct {
	Day       time.Time // local midnight
	Marketing SideDay
	Sales     SideDay
}

// Week is how one person's week split between marketing and sales.
type Week struct {
	Start      time.Time // Monday, local midnight
	Days       []WeekDay // seven
	Marketing  SideDay
	Sales      SideDay
	Activities []crm.Activity
}

// WeekSplit returns the week (Monday to Sunday, in the workspace's zone)
// that holds day, for the activities owned by ownerID.
func (a *App) WeekSplit(ctx context.Context, ac Actor, ownerID int64, day time.Time) (Week, error) {
	var w Week
	if err := ac.require(crm.PermReadAll); err != nil {
		return w, err
	}
	ws, _, err := a.Workspace(ctx)
	if err != nil {
		return w, err
	}
	loc := ws.Location()
	d := day.In(loc)
	start := time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, loc)
	start = start.AddDate(0, 0, -((int(start.Weekday()) + 6) % 7))
	w.Start = start
	for i := range 7 {
		w.Days = append(w.Days, WeekDay{Day: start.AddDate(0, 0, i)})
	}
	acts, _, err := a.ListActivities(ctx, ac, store.ActivityQuery{OwnerID: ownerID, From: start, Before: start.AddDate(0, 0, 7), Limit: 1000})
	if err != nil {
		return w, err
	}
	w.Activities = acts
	for _, act := range acts {
		s := act.StartsAt.In(loc)
		i := int(time.Date(s.Year(), s.Month(), s.Day(), 0, 0, 0, 0, loc).Sub(start).Hours()+12) / 24
		if i < 0 || i > 6 {
			continue
		}
		mins := int(act.Duration() / time.Minute)
		day, total := &w.Days[i].Sales, &w.Sales
		if act.Side == crm.SideMarketing {
			day, total = &w.Days[i].Marketing, &w.Marketing
		}
		day.Count++
		day.Minutes += mins
		total.Count++
		total.Minutes += mins
	}
	return w, nil
}

// trimLine keeps the first line of s, at most n characters.
func trimLine(s string, n int) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	if r := []rune(s); len(r) > n {
		return string(r[:n]) + "…"
	}
	return s
}

// ActivityICS renders a meeting or visit as an iCalendar file: the owner
// organises, the contact attends.
func (a *App) ActivityICS(ctx context.Context, ac Actor, id int64) ([]byte, crm.Activity, error) {
	act, err := a.Activity(ctx, ac, id)
	if err != nil {
		return nil, act, err
	}
	if !act.Kind.HasEnd() {
		return nil, act, crm.ErrNotFound
	}
	host := strings.TrimPrefix(strings.TrimPrefix(a.BaseURL, "https://"), "http://")
	host, _, _ = strings.Cut(host, "/")
	e := ical.Event{UID: fmt.Sprintf("activity-%d@%s", act.ID, host), Stamp: a.now(), Start: act.StartsAt,
		End: act.EndsAt, Summary: act.Subject, Description: act.Body, Location: act.Location}
	if e.End.IsZero() {
		e.End = e.Start.Add(time.Hour)
	}
	if act.OwnerID != 0 {
		if u, err := a.Store.User(ctx, act.OwnerID); err == nil {
			e.Organizer = ical.Person{Name: u.Name, Email: u.Email}
		}
	}
	if act.ContactID != 0 {
		if c, err := a.Store.Contact(ctx, act.ContactID); err == nil && c.Email != "" {
			e.Attendees = append(e.Attendees, ical.Person{Name: c.Name(crm.LangJA), Email: c.Email})
		}
	}
	return ical.Write(e), act, nil
}
