package app

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"renkei/internal/crm"
	"renkei/internal/store"
)

// Segments (issue 8 §1). A dynamic segment is evaluated on every read
// against the current data and clock; a static list stores its members.
// Reading needs PermReadAll and sees the contacts the actor may see;
// changing segments is marketing work (PermWriteMarketing). Later features
// (broadcasts, sequences, scoring and assignment rules) use
// SegmentContactIDs to walk a segment in pages and SegmentHas to test one
// contact.

// MaxListChange is the most contacts one call adds to or removes from a
// static list.
const MaxListChange = 1000

// SegmentSchema returns the custom contact properties segments can test.
func (a *App) SegmentSchema(ctx context.Context) (crm.SegmentSchema, error) {
	defs, err := a.Store.Properties(ctx, "contact")
	if err != nil {
		return crm.SegmentSchema{}, err
	}
	sc := crm.SegmentSchema{Props: map[string]crm.PropertyType{}}
	for _, d := range defs {
		sc.Props[d.Key] = d.Type
	}
	return sc, nil
}

// SegmentFields lists the fields a filter may use, for the builder and the API.
func (a *App) SegmentFields(ctx context.Context, ac Actor) ([]crm.SegmentField, error) {
	if err := ac.require(crm.PermReadAll); err != nil {
		return nil, err
	}
	sc, err := a.SegmentSchema(ctx)
	if err != nil {
		return nil, err
	}
	return crm.SegmentFields(sc), nil
}

// segmentEnv is the evaluation context now: the clock, the workspace's
// zone, the scoring half-life, the custom properties, and (with an actor)
// the actor's visibility; without one, every contact.
func (a *App) segmentEnv(ctx context.Context, ac *Actor) (store.SegmentEnv, error) {
	ws, _, err := a.Workspace(ctx)
	if err != nil {
		return store.SegmentEnv{}, err
	}
	set, _, err := a.ScoringSettings(ctx)
	if err != nil {
		return store.SegmentEnv{}, err
	}
	sc, err := a.SegmentSchema(ctx)
	if err != nil {
		return store.SegmentEnv{}, err
	}
	env := store.SegmentEnv{Now: a.now(), Loc: ws.Location(), HalfLife: set.HalfLife(), Schema: sc}
	if ac != nil {
		env.Viewer, env.Visibility = ac.User.Viewer(), visibilityIn(ws, "contacts")
	}
	return env, nil
}

// Segments lists the segments by name.
func (a *App) Segments(ctx context.Context, ac Actor) ([]crm.Segment, error) {
	if err := ac.require(crm.PermReadAll); err != nil {
		return nil, err
	}
	return a.Store.Segments(ctx)
}

// Segment returns one segment.
func (a *App) Segment(ctx context.Context, ac Actor, id int64) (crm.Segment, error) {
	if err := ac.require(crm.PermReadAll); err != nil {
		return crm.Segment{}, err
	}
	return a.Store.Segment(ctx, id)
}

// checkSegment normalises and validates a segment, including that the
// static lists its filter names exist.
func (a *App) checkSegment(ctx context.Context, g *crm.Segment) error {
	g.Normalize()
	sc, err := a.SegmentSchema(ctx)
	if err != nil {
		return err
	}
	if err := g.Validate(sc); err != nil {
		return err
	}
	return a.checkListRefs(ctx, g.ID, g.Filter, "filter")
}

// checkListRefs refuses a list condition that names no static list (or
// the segment itself).
func (a *App) checkListRefs(ctx context.Context, self int64, f crm.SegmentGroup, path string) error {
	for i, c := range f.Conditions {
		if c.Field != "list" {
			continue
		}
		at := fmt.Sprintf("%s.conditions[%d].value", path, i)
		id, _ := strconv.ParseInt(c.Value, 10, 64)
		l, err := a.Store.Segment(ctx, id)
		if err != nil || l.Kind != crm.SegmentStatic || id == self {
			return crm.Invalid(at, "choose one of the static lists")
		}
	}
	for i, sub := range f.Groups {
		if err := a.checkListRefs(ctx, self, sub, fmt.Sprintf("%s.groups[%d]", path, i)); err != nil {
			return err
		}
	}
	return nil
}

// CreateSegment saves a new segment (a dynamic filter or an empty static list).
func (a *App) CreateSegment(ctx context.Context, ac Actor, g crm.Segment) (crm.Segment, error) {
	if err := ac.require(crm.PermWriteMarketing); err != nil {
		return g, err
	}
	g.ID = 0
	if err := a.checkSegment(ctx, &g); err != nil {
		return g, err
	}
	g.OwnerID = ac.User.ID
	err := a.Store.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.CreateSegment(ctx, &g, a.now()); err != nil {
			return err
		}
		return tx.Audit(ctx, a.audit(ac, "segment.create", segmentLabel(g), string(g.Kind)))
	})
	return g, err
}

func segmentLabel(g crm.Segment) string { return fmt.Sprintf("%d %s", g.ID, g.Name) }

// UpdateSegment changes a segment's name, description and (dynamic) filter
// when version is the stored one.
func (a *App) UpdateSegment(ctx context.Context, ac Actor, id, version int64, name, description string, filter crm.SegmentGroup) (crm.Segment, error) {
	if err := ac.require(crm.PermWriteMarketing); err != nil {
		return crm.Segment{}, err
	}
	var g crm.Segment
	err := a.Store.InTx(ctx, func(tx *store.Tx) error {
		var err error
		if g, err = tx.Segment(ctx, id); err != nil {
			return err
		}
		g.Name, g.Description, g.Version = name, description, version
		if g.Kind == crm.SegmentDynamic {
			g.Filter = filter
		}
		if err := a.checkSegment(ctx, &g); err != nil {
			return err
		}
		if err := tx.UpdateSegment(ctx, &g, a.now()); err != nil {
			return err
		}
		return tx.Audit(ctx, a.audit(ac, "segment.update", segmentLabel(g), ""))
	})
	return g, err
}

// DeleteSegment removes a segment (a static list with its members). A
// segment that another one names in a list condition stays until that
// condition is gone.
func (a *App) DeleteSegment(ctx context.Context, ac Actor, id int64) error {
	if err := ac.require(crm.PermWriteMarketing); err != nil {
		return err
	}
	all, err := a.Store.Segments(ctx)
	if err != nil {
		return err
	}
	for _, other := range all {
		if other.ID != id && usesList(other.Filter, id) {
			return crm.Invalid("segment", fmt.Sprintf("the segment %q uses this list; change it first", other.Name))
		}
	}
	return a.Store.InTx(ctx, func(tx *store.Tx) error {
		g, err := tx.Segment(ctx, id)
		if err != nil {
			return err
		}
		if err := tx.DeleteSegment(ctx, id); err != nil {
			return err
		}
		return tx.Audit(ctx, a.audit(ac, "segment.delete", segmentLabel(g), ""))
	})
}

func usesList(f crm.SegmentGroup, id int64) bool {
	want := strconv.FormatInt(id, 10)
	for _, c := range f.Conditions {
		if c.Field == "list" && c.Value == want {
			return true
		}
	}
	return slices.ContainsFunc(f.Groups, func(g crm.SegmentGroup) bool { return usesList(g, id) })
}

// SegmentCount is the number of contacts in a segment that the actor may see.
func (a *App) SegmentCount(ctx context.Context, ac Actor, id int64) (int, error) {
	g, err := a.Segment(ctx, ac, id)
	if err != nil {
		return 0, err
	}
	env, err := a.segmentEnv(ctx, &ac)
	if err != nil {
		return 0, err
	}
	return a.Store.CountSegment(ctx, g, env)
}

// SegmentContacts returns a page of a segment's contacts, newest first
// (those with an id below before; 0 = the first page), and the before of
// the next page (0 on the last).
func (a *App) SegmentContacts(ctx context.Context, ac Actor, id, before int64, limit int) ([]crm.Contact, int64, error) {
	g, err := a.Segment(ctx, ac, id)
	if err != nil {
		return nil, 0, err
	}
	return a.segmentPage(ctx, ac, g, before, limit)
}

func (a *App) segmentPage(ctx context.Context, ac Actor, g crm.Segment, before int64, limit int) ([]crm.Contact, int64, error) {
	env, err := a.segmentEnv(ctx, &ac)
	if err != nil {
		return nil, 0, err
	}
	if limit < 1 || limit >= store.MaxSegmentPage {
		return nil, 0, crm.Invalid("limit", fmt.Sprintf("must be a whole number from 1 to %d", store.MaxSegmentPage-1))
	}
	cs, err := a.Store.SegmentContacts(ctx, g, env, before, limit+1)
	if err != nil {
		return nil, 0, err
	}
	var next int64
	if len(cs) > limit {
		cs = cs[:limit]
		next = cs[limit-1].ID
	}
	return cs, next, nil
}

// SegmentPreview evaluates an unsaved filter (the builder's live count):
// the number of matching contacts the actor may see and the newest few.
func (a *App) SegmentPreview(ctx context.Context, ac Actor, filter crm.SegmentGroup, first int) (int, []crm.Contact, error) {
	if err := ac.require(crm.PermReadAll); err != nil {
		return 0, nil, err
	}
	g := crm.Segment{Kind: crm.SegmentDynamic, Filter: filter}
	g.Filter.Normalize()
	sc, err := a.SegmentSchema(ctx)
	if err != nil {
		return 0, nil, err
	}
	if err := g.Filter.Validate(sc); err != nil {
		return 0, nil, err
	}
	if err := a.checkListRefs(ctx, 0, g.Filter, "filter"); err != nil {
		return 0, nil, err
	}
	env, err := a.segmentEnv(ctx, &ac)
	if err != nil {
		return 0, nil, err
	}
	n, err := a.Store.CountSegment(ctx, g, env)
	if err != nil || n == 0 || first <= 0 {
		return n, nil, err
	}
	cs, err := a.Store.SegmentContacts(ctx, g, env, 0, min(first, 100))
	return n, cs, err
}

// SegmentContactIDs walks a segment for a send: up to limit contact ids
// above after, ascending; the actor's visibility applies.
func (a *App) SegmentContactIDs(ctx context.Context, ac Actor, id, after int64, limit int) ([]int64, error) {
	g, err := a.Segment(ctx, ac, id)
	if err != nil {
		return nil, err
	}
	env, err := a.segmentEnv(ctx, &ac)
	if err != nil {
		return nil, err
	}
	return a.Store.SegmentContactIDs(ctx, g, env, after, limit)
}

// SegmentHas reports whether a contact is in a segment now, over the whole
// workspace (for rules that run without a user: sequences, scoring,
// assignment).
func (a *App) SegmentHas(ctx context.Context, segmentID, contactID int64) (bool, error) {
	g, err := a.Store.Segment(ctx, segmentID)
	if err != nil {
		return false, err
	}
	env, err := a.segmentEnv(ctx, nil)
	if err != nil {
		return false, err
	}
	return a.Store.SegmentHas(ctx, g, env, contactID)
}

// staticList reads a segment and checks that it is a static list.
func staticList(ctx context.Context, tx *store.Tx, id int64) (crm.Segment, error) {
	g, err := tx.Segment(ctx, id)
	if err != nil {
		return g, err
	}
	if g.Kind != crm.SegmentStatic {
		return g, crm.Invalid("segment", "is a dynamic segment: its contacts follow its filter; add contacts to a static list")
	}
	return g, nil
}

// checkContactIDs refuses an empty or too long list, and ids of contacts
// that do not exist or that the actor may not see.
func (a *App) checkContactIDs(ctx context.Context, ac Actor, ids []int64) ([]int64, error) {
	if len(ids) == 0 {
		return nil, crm.Invalid("contact_ids", "choose at least one contact")
	}
	if len(ids) > MaxListChange {
		return nil, crm.Invalid("contact_ids", fmt.Sprintf("change at most %d contacts at a time", MaxListChange))
	}
	ids = slices.Clone(ids)
	slices.Sort(ids)
	ids = slices.Compact(ids)
	viewer, mode, err := a.ContactVisibility(ctx, ac)
	if err != nil {
		return nil, err
	}
	seen, err := a.Store.VisibleContactIDs(ctx, ids, viewer, mode)
	if err != nil {
		return nil, err
	}
	var missing []string
	for _, id := range ids {
		if !seen[id] {
			missing = append(missing, strconv.FormatInt(id, 10))
		}
	}
	if len(missing) > 0 {
		if len(missing) > 10 {
			missing = append(missing[:10], "…")
		}
		return nil, crm.Invalid("contact_ids", "no such contact: "+strings.Join(missing, ", "))
	}
	return ids, nil
}

// AddToList adds contacts to a static list; it returns how many were new.
func (a *App) AddToList(ctx context.Context, ac Actor, id int64, contactIDs []int64) (int, error) {
	if err := ac.require(crm.PermWriteMarketing); err != nil {
		return 0, err
	}
	ids, err := a.checkContactIDs(ctx, ac, contactIDs)
	if err != nil {
		return 0, err
	}
	var n int
	err = a.Store.InTx(ctx, func(tx *store.Tx) error {
		g, err := staticList(ctx, tx, id)
		if err != nil {
			return err
		}
		if n, err = tx.AddSegmentMembers(ctx, id, ids, a.now()); err != nil {
			return err
		}
		return tx.Audit(ctx, a.audit(ac, "segment.add", segmentLabel(g), fmt.Sprintf("%d added", n)))
	})
	return n, err
}

// RemoveFromList takes contacts off a static list; it returns how many
// were members.
func (a *App) RemoveFromList(ctx context.Context, ac Actor, id int64, contactIDs []int64) (int, error) {
	if err := ac.require(crm.PermWriteMarketing); err != nil {
		return 0, err
	}
	if len(contactIDs) == 0 || len(contactIDs) > MaxListChange {
		return 0, crm.Invalid("contact_ids", fmt.Sprintf("choose 1 to %d contacts", MaxListChange))
	}
	var n int
	err := a.Store.InTx(ctx, func(tx *store.Tx) error {
		g, err := staticList(ctx, tx, id)
		if err != nil {
			return err
		}
		if n, err = tx.RemoveSegmentMembers(ctx, id, contactIDs); err != nil {
			return err
		}
		return tx.Audit(ctx, a.audit(ac, "segment.remove", segmentLabel(g), fmt.Sprintf("%d removed", n)))
	})
	return n, err
}

// SaveAsStaticList stores the contacts a filter matches now (as the actor
// sees them) as a new static list, in one transaction, and returns the
// list and its number of members.
func (a *App) SaveAsStaticList(ctx context.Context, ac Actor, name, description string, filter crm.SegmentGroup) (crm.Segment, int, error) {
	if err := ac.require(crm.PermWriteMarketing); err != nil {
		return crm.Segment{}, 0, err
	}
	g := crm.Segment{Name: name, Description: description, Kind: crm.SegmentDynamic, Filter: filter}
	if err := a.checkSegment(ctx, &g); err != nil { // validates the filter as a dynamic segment would
		return g, 0, err
	}
	g.Kind, g.OwnerID = crm.SegmentStatic, ac.User.ID
	env, err := a.segmentEnv(ctx, &ac)
	if err != nil {
		return g, 0, err
	}
	var n int
	err = a.Store.InTx(ctx, func(tx *store.Tx) error {
		now := a.now()
		if err := tx.CreateSegment(ctx, &g, now); err != nil {
			return err
		}
		if n, err = tx.FillStaticList(ctx, g.ID, g.Filter, env, now); err != nil {
			return err
		}
		return tx.Audit(ctx, a.audit(ac, "segment.create", segmentLabel(g), fmt.Sprintf("static, %d contacts", n)))
	})
	return g, n, err
}

// UnknownEmailsPrefix starts the message of AddToListByEmail about
// addresses no contact has; the addresses follow.
const UnknownEmailsPrefix = "no contact has the e-mail address "

// AddToListByEmail adds the contacts with these e-mail addresses to a
// static list; an address no contact has is refused (field emails) and
// nothing is added.
func (a *App) AddToListByEmail(ctx context.Context, ac Actor, id int64, emails []string) (int, error) {
	if err := ac.require(crm.PermWriteMarketing); err != nil {
		return 0, err
	}
	if len(emails) == 0 {
		return 0, crm.Invalid("emails", "enter at least one e-mail address")
	}
	if len(emails) > MaxListChange {
		return 0, crm.Invalid("emails", fmt.Sprintf("change at most %d contacts at a time", MaxListChange))
	}
	var ids []int64
	var unknown []string
	for _, e := range emails {
		c, err := a.Store.ContactByEmail(ctx, crm.NormalizeEmail(e))
		if errors.Is(err, crm.ErrNotFound) {
			unknown = append(unknown, e)
			continue
		}
		if err != nil {
			return 0, err
		}
		ids = append(ids, c.ID)
	}
	if len(unknown) > 0 {
		if len(unknown) > 5 {
			unknown = append(unknown[:5], "…")
		}
		return 0, crm.Invalid("emails", UnknownEmailsPrefix+strings.Join(unknown, ", "))
	}
	return a.AddToList(ctx, ac, id, ids)
}
