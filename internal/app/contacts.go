package app

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"

	"renkei/internal/crm"
	"renkei/internal/store"
)

// Timeline kinds written by this file.
const (
	KindCreated  = "created"
	KindUpdated  = "updated"
	KindMerged   = "merged"
	KindConsent  = "consent"
	KindImported = "imported"
	// KindNote is a free-text note about a person ({"text": …}); the
	// activities of the sales work add calls, visits and meetings beside it.
	KindNote = "note"
)

// ContactInput is a contact as a form, the API or an import gives it.
// Company links an existing company by id; CompanyName finds the company by
// its duplicate key or creates it.
type ContactInput struct {
	Contact     crm.Contact
	CompanyName string
	// Props holds custom property values as typed (strings, numbers,
	// lists); they are checked against the definitions.
	Props map[string]any
}

// visibility returns the workspace's visibility mode for a record type.
func (a *App) visibility(ctx context.Context, recordType string) (crm.Visibility, error) {
	ws, _, err := a.Workspace(ctx)
	if err != nil {
		return "", err
	}
	return visibilityIn(ws, recordType), nil
}

// visibilityIn is a record type's visibility mode in workspace settings
// already read.
func visibilityIn(ws crm.Workspace, recordType string) crm.Visibility {
	if m := ws.RecordVisibility[recordType]; m != "" {
		return m
	}
	return crm.VisibleWorkspace
}

// ContactVisibility returns the viewer and mode lists and searches use.
func (a *App) ContactVisibility(ctx context.Context, ac Actor) (crm.Viewer, crm.Visibility, error) {
	mode, err := a.visibility(ctx, "contacts")
	return ac.User.Viewer(), mode, err
}

// canSeeContact checks per-record visibility; a hidden record is reported
// as not found so its existence does not leak.
func (a *App) canSeeContact(ctx context.Context, ac Actor, c crm.Contact) error {
	mode, err := a.visibility(ctx, "contacts")
	if err != nil {
		return err
	}
	if !ac.User.Viewer().CanSee(mode, c.OwnerID, c.TeamID) {
		return crm.ErrNotFound
	}
	return nil
}

// Contact returns one contact the actor may see.
func (a *App) Contact(ctx context.Context, ac Actor, id int64) (crm.Contact, error) {
	if err := ac.require(crm.PermReadAll); err != nil {
		return crm.Contact{}, err
	}
	c, err := a.Store.Contact(ctx, id)
	if err != nil {
		return c, err
	}
	return c, a.canSeeContact(ctx, ac, c)
}

// EmailHash is how the suppression list stores an address.
func EmailHash(email string) string {
	h := sha256.Sum256([]byte(crm.NormalizeEmail(email)))
	return hex.EncodeToString(h[:])
}

// prepareContact normalises and validates the input, checks custom
// properties and references, and resolves the company. It writes only the
// company (when a new one must be created).
func (a *App) prepareContact(ctx context.Context, tx *store.Tx, ac Actor, in ContactInput, base map[string]any) (crm.Contact, error) {
	c := in.Contact
	c.Normalize()
	v := &crm.ValidationError{}
	name := strings.TrimSpace(in.CompanyName)
	if err := c.Validate(c.CompanyID != 0 || name != ""); err != nil {
		ve, _ := crm.AsValidation(err)
		for f, m := range ve.Fields {
			v.Add(f, m)
		}
	}
	props, err := a.checkProps(ctx, "contact", base, in.Props)
	if err != nil {
		ve, _ := crm.AsValidation(err)
		for f, m := range ve.Fields {
			v.Add(f, m)
		}
	}
	c.Props = props
	if c.CompanyID == 0 && name != "" {
		co := crm.Company{Name: name}
		co.Normalize()
		if err := co.Validate(); err != nil {
			ve, _ := crm.AsValidation(err)
			v.Add("company", ve.Fields["name"])
		}
	}
	if c.OwnerID != 0 {
		if u, err := tx.User(ctx, c.OwnerID); err != nil || u.Status == crm.UserDeactivated {
			v.Add("owner_id", "choose an active user as owner")
		}
	}
	if c.TeamID != 0 {
		if ok, err := tx.TeamExists(ctx, c.TeamID); err != nil {
			return c, err
		} else if !ok {
			v.Add("team_id", "this team does not exist")
		}
	}
	if c.Email != "" {
		// A contact that keeps its address is not refused for it: only an
		// address being added is checked against the suppression list.
		stored := ""
		if c.ID != 0 {
			old, err := tx.Contact(ctx, c.ID)
			if err != nil && !errors.Is(err, crm.ErrNotFound) {
				return c, err
			}
			stored = old.Email
		}
		if c.Email != stored {
			if reason, ok, err := tx.IsSuppressed(ctx, EmailHash(c.Email)); err != nil {
				return c, err
			} else if ok {
				v.Add("email", "this address is on the suppression list ("+reason+") and cannot be added again")
			}
		}
	}
	if err := v.Err(); err != nil {
		return c, err
	}
	if c.CompanyID != 0 {
		co, err := tx.Company(ctx, c.CompanyID)
		if errors.Is(err, crm.ErrNotFound) {
			return c, crm.Invalid("company_id", "this company does not exist")
		}
		if err != nil {
			return c, err
		}
		c.CompanyName = co.Name
	} else if name != "" {
		co, err := a.findOrCreateCompany(ctx, tx, ac, name, c.OwnerID, c.TeamID)
		if err != nil {
			return c, err
		}
		c.CompanyID, c.CompanyName = co.ID, co.Name
	}
	return c, nil
}

// findOrCreateCompany links to the company whose name has the same
// duplicate key (株式会社○○ = ○○ Co., Ltd.) or creates it.
func (a *App) findOrCreateCompany(ctx context.Context, tx *store.Tx, ac Actor, name string, ownerID, teamID int64) (crm.Company, error) {
	co := crm.Company{Name: name, OwnerID: ownerID, TeamID: teamID}
	co.Normalize()
	if err := co.Validate(); err != nil {
		ve, _ := crm.AsValidation(err)
		return co, crm.Invalid("company", ve.Fields["name"])
	}
	same, err := tx.CompaniesByKey(ctx, co.Key())
	if err != nil {
		return co, err
	}
	if len(same) > 0 {
		return same[0], nil
	}
	now := a.now()
	if err := tx.CreateCompany(ctx, &co, now); err != nil {
		return co, err
	}
	err = tx.AddTimeline(ctx, &store.TimelineEntry{At: now, CompanyID: co.ID, Kind: KindCreated, ActorID: ac.User.ID})
	return co, err
}

// checkProps validates custom property values against their definitions
// and merges them over base (the stored values). A nil value clears.
func (a *App) checkProps(ctx context.Context, object string, base map[string]any, in map[string]any) (map[string]any, error) {
	out := map[string]any{}
	for k, val := range base {
		out[k] = val
	}
	if len(in) == 0 {
		return out, nil
	}
	defs, err := a.Store.Properties(ctx, object)
	if err != nil {
		return nil, err
	}
	byKey := map[string]crm.Property{}
	for _, d := range defs {
		byKey[d.Key] = d
	}
	v := &crm.ValidationError{}
	for k, raw := range in {
		d, ok := byKey[k]
		if !ok {
			v.Add("props."+k, "is not a custom property; define it in Settings → Properties first")
			continue
		}
		val, err := d.ParseValue(raw)
		if err != nil {
			v.Add("props."+k, err.Error())
			continue
		}
		if val == nil {
			delete(out, k)
		} else {
			out[k] = val
		}
	}
	if err := v.Err(); err != nil {
		return out, err
	}
	return storedForm(out)
}

// storedForm returns props as they read back from the database (numbers as
// float64, lists as []any), so that comparing old and new values finds only
// real changes and callers get what a later read returns.
func storedForm(props map[string]any) (map[string]any, error) {
	b, err := json.Marshal(props)
	if err != nil {
		return nil, err
	}
	var out map[string]any
	err = json.Unmarshal(b, &out)
	return out, err
}

// CreateContact adds a contact, links or creates its company, writes the
// timeline and, when consent is given, the consent ledger.
func (a *App) CreateContact(ctx context.Context, ac Actor, in ContactInput) (crm.Contact, error) {
	if err := ac.require(crm.PermWriteContacts); err != nil {
		return crm.Contact{}, err
	}
	if in.Contact.OriginalSource == "" {
		in.Contact.OriginalSource = crm.SourceManual
	}
	rules, err := a.Store.ScoringRules(ctx)
	if err != nil {
		return crm.Contact{}, err
	}
	set, _, err := a.ScoringSettings(ctx)
	if err != nil {
		return crm.Contact{}, err
	}
	var c crm.Contact
	err = a.Store.InTx(ctx, func(tx *store.Tx) error {
		var err error
		if c, err = a.prepareContact(ctx, tx, ac, in, nil); err != nil {
			return err
		}
		now := a.now()
		if err := tx.CreateContact(ctx, &c, now); err != nil {
			if errors.Is(err, crm.ErrConflict) {
				return crm.Invalid("email", "a contact with this e-mail address exists already")
			}
			return err
		}
		if err := tx.AddTimeline(ctx, &store.TimelineEntry{At: now, ContactID: c.ID, Kind: KindCreated, ActorID: ac.User.ID,
			Data: map[string]any{"source": string(c.OriginalSource)}}); err != nil {
			return err
		}
		if err := a.emitWebhook(ctx, tx, EventContactCreated, map[string]any{"contact": ContactPayload(c), "via": ac.via()}); err != nil {
			return err
		}
		if c.Consent != crm.ConsentUnknown {
			if err := tx.AddConsentEvent(ctx, &store.ConsentEvent{ContactID: c.ID, At: now, Status: c.Consent, Source: "manual", IP: ac.IP, ActorID: ac.User.ID}); err != nil {
				return err
			}
		}
		// hand-off: a contact created as an MQL is handed to sales at once.
		if c.Lifecycle == crm.StageMQL {
			if err := a.leadBecameMQL(ctx, tx, c.ID, "created as MQL by "+ac.label()); err != nil {
				return err
			}
		}
		if len(rules) > 0 || c.Lifecycle == crm.StageMQL {
			c, err = a.scoreNewContact(ctx, tx, rules, set, c.ID)
		}
		return err
	})
	return c, err
}

// UpdateContact replaces a contact's fields when version matches and puts
// what changed on the timeline.
func (a *App) UpdateContact(ctx context.Context, ac Actor, id, version int64, in ContactInput) (crm.Contact, error) {
	if err := ac.require(crm.PermWriteContacts); err != nil {
		return crm.Contact{}, err
	}
	var c crm.Contact
	err := a.Store.InTx(ctx, func(tx *store.Tx) error {
		old, err := tx.Contact(ctx, id)
		if err != nil {
			return err
		}
		if err := a.canSeeContact(ctx, ac, old); err != nil {
			return err
		}
		if version != old.Version {
			return crm.ErrStale
		}
		in.Contact.ID, in.Contact.Version, in.Contact.CreatedAt = old.ID, old.Version, old.CreatedAt
		if in.Contact.OriginalSource == "" {
			in.Contact.OriginalSource = old.OriginalSource
		}
		if c, err = a.prepareContact(ctx, tx, ac, in, old.Props); err != nil {
			return err
		}
		now := a.now()
		if err := tx.UpdateContact(ctx, &c, now); err != nil {
			if errors.Is(err, crm.ErrConflict) {
				return crm.Invalid("email", "another contact has this e-mail address")
			}
			return err
		}
		changes := contactChanges(old, c)
		if len(changes) > 0 {
			if err := tx.AddTimeline(ctx, &store.TimelineEntry{At: now, ContactID: c.ID, Kind: KindUpdated, ActorID: ac.User.ID,
				Data: map[string]any{"changes": changes}}); err != nil {
				return err
			}
		}
		if c.Consent != old.Consent {
			if err := tx.AddConsentEvent(ctx, &store.ConsentEvent{ContactID: c.ID, At: now, Status: c.Consent, Source: "manual", IP: ac.IP, ActorID: ac.User.ID}); err != nil {
				return err
			}
		}
		// hand-off: a stage set to MQL by hand starts the hand-off to sales.
		if c.Lifecycle == crm.StageMQL && old.Lifecycle != crm.StageMQL {
			if err := a.leadBecameMQL(ctx, tx, c.ID, "set by "+ac.label()); err != nil {
				return err
			}
			c, err = tx.Contact(ctx, c.ID)
			return err
		}
		return nil
	})
	if err == nil {
		a.rescoreAfter(ctx, c.ID) // scoring: properties changed
	}
	return c, err
}

// contactChanges lists field → [old, new] for the timeline.
func contactChanges(a, b crm.Contact) map[string]any {
	out := map[string]any{}
	add := func(field string, x, y any) {
		if !reflect.DeepEqual(x, y) {
			out[field] = []any{x, y}
		}
	}
	add("email", a.Email, b.Email)
	add("family_name", a.Family, b.Family)
	add("given_name", a.Given, b.Given)
	add("family_reading", a.FamilyReading, b.FamilyReading)
	add("given_reading", a.GivenReading, b.GivenReading)
	add("honorific", a.Honorific, b.Honorific)
	add("phone", a.Phone, b.Phone)
	add("job_title", a.JobTitle, b.JobTitle)
	add("department", a.Department, b.Department)
	add("company", a.CompanyName, b.CompanyName)
	add("owner_id", a.OwnerID, b.OwnerID)
	add("team_id", a.TeamID, b.TeamID)
	add("lifecycle_stage", string(a.Lifecycle), string(b.Lifecycle))
	add("lead_status", string(a.LeadStatus), string(b.LeadStatus))
	add("consent", string(a.Consent), string(b.Consent))
	add("tags", strings.Join(slices.Sorted(slices.Values(a.Tags)), ", "), strings.Join(slices.Sorted(slices.Values(b.Tags)), ", "))
	for k := range union(a.Props, b.Props) {
		add("props."+k, a.Props[k], b.Props[k])
	}
	return out
}

func union(a, b map[string]any) map[string]bool {
	out := map[string]bool{}
	for k := range a {
		out[k] = true
	}
	for k := range b {
		out[k] = true
	}
	return out
}

// DeleteContact removes a contact and what hangs off it.
func (a *App) DeleteContact(ctx context.Context, ac Actor, id int64) error {
	if err := ac.require(crm.PermWriteContacts); err != nil {
		return err
	}
	return a.Store.InTx(ctx, func(tx *store.Tx) error {
		c, err := tx.Contact(ctx, id)
		if err != nil {
			return err
		}
		if err := a.canSeeContact(ctx, ac, c); err != nil {
			return err
		}
		if err := tx.DeleteContact(ctx, id); err != nil {
			return err
		}
		// Audit entries name the record, not the person: an erasure request
		// later cannot reach the audit log.
		return tx.Audit(ctx, a.audit(ac, "contact.delete", fmt.Sprintf("contact %d", id), ""))
	})
}

// MergeContacts merges contact dropID into keepID: every timeline entry,
// consent event and tag moves over, empty fields of the kept contact are
// filled from the other, custom properties are united (the kept values win),
// and the other contact is deleted. The merge is on the timeline.
func (a *App) MergeContacts(ctx context.Context, ac Actor, keepID, dropID int64) (crm.Contact, error) {
	if err := ac.require(crm.PermWriteContacts); err != nil {
		return crm.Contact{}, err
	}
	if keepID == dropID {
		return crm.Contact{}, crm.Invalid("merge_id", "choose two different contacts")
	}
	var keep crm.Contact
	err := a.Store.InTx(ctx, func(tx *store.Tx) error {
		var err error
		if keep, err = tx.Contact(ctx, keepID); err != nil {
			return err
		}
		drop, err := tx.Contact(ctx, dropID)
		if err != nil {
			return err
		}
		for _, c := range []crm.Contact{keep, drop} {
			if err := a.canSeeContact(ctx, ac, c); err != nil {
				return err
			}
		}
		before := keep
		fillContact(&keep, drop)
		now := a.now()
		if err := tx.MoveContactRecords(ctx, drop.ID, keep.ID); err != nil {
			return err
		}
		// The consent status follows the newest entry of the united ledger,
		// so a withdrawal recorded on the dropped contact is not lost.
		if e, ok, err := tx.LatestConsent(ctx, keep.ID); err != nil {
			return err
		} else if ok {
			keep.Consent = e.Status
		} else if keep.Consent == crm.ConsentUnknown {
			keep.Consent = drop.Consent
		}
		// Free the e-mail before the kept contact takes it over.
		if err := tx.DeleteContact(ctx, drop.ID); err != nil {
			return err
		}
		keep.Tags = crm.NormalizeTags(mergeTags(keep.Tags, drop.Tags))
		if err := tx.UpdateContact(ctx, &keep, now); err != nil {
			return err
		}
		data := map[string]any{"merged_id": drop.ID, "merged_email": drop.Email, "merged_name": drop.Name(crm.LangJA)}
		if ch := contactChanges(before, keep); len(ch) > 0 {
			data["changes"] = ch
		}
		if err := tx.AddTimeline(ctx, &store.TimelineEntry{At: now, ContactID: keep.ID, Kind: KindMerged, ActorID: ac.User.ID, Data: data}); err != nil {
			return err
		}
		return tx.Audit(ctx, a.audit(ac, "contact.merge", fmt.Sprintf("contact %d ← %d", keep.ID, drop.ID), ""))
	})
	if err == nil {
		a.rescoreAfter(ctx, keep.ID) // scoring: properties changed
	}
	return keep, err
}

// fillContact copies fields that keep lacks from drop.
func fillContact(keep *crm.Contact, drop crm.Contact) {
	fill := func(dst *string, src string) {
		if *dst == "" {
			*dst = src
		}
	}
	fill(&keep.Email, drop.Email)
	fill(&keep.Family, drop.Family)
	fill(&keep.Given, drop.Given)
	fill(&keep.FamilyReading, drop.FamilyReading)
	fill(&keep.GivenReading, drop.GivenReading)
	fill(&keep.Phone, drop.Phone)
	fill(&keep.JobTitle, drop.JobTitle)
	fill(&keep.Department, drop.Department)
	if keep.CompanyID == 0 {
		keep.CompanyID, keep.CompanyName = drop.CompanyID, drop.CompanyName
	}
	if keep.OwnerID == 0 {
		keep.OwnerID = drop.OwnerID
	}
	if keep.TeamID == 0 {
		keep.TeamID = drop.TeamID
	}
	// A new map: the caller keeps the old one to list the changes.
	props := make(map[string]any, len(keep.Props)+len(drop.Props))
	for k, v := range drop.Props {
		props[k] = v
	}
	for k, v := range keep.Props {
		props[k] = v
	}
	keep.Props = props
	// The further-along lifecycle stage wins; an earlier first touch wins
	// the original source.
	if stageRank(drop.Lifecycle) > stageRank(keep.Lifecycle) {
		keep.Lifecycle = drop.Lifecycle
	}
	if drop.CreatedAt.Before(keep.CreatedAt) {
		keep.OriginalSource, keep.SourceDetail = drop.OriginalSource, drop.SourceDetail
	}
}

func stageRank(l crm.Lifecycle) int {
	for i, x := range crm.Lifecycles {
		if x == l && l != crm.StageDisqualified {
			return i
		}
	}
	return -1
}

func mergeTags(a, b []string) []string {
	out := append([]string(nil), a...)
	for _, t := range b {
		found := false
		for _, x := range out {
			found = found || x == t
		}
		if !found {
			out = append(out, t)
		}
	}
	return out
}

// SetConsent records a consent change with what the person agreed to.
func (a *App) SetConsent(ctx context.Context, ac Actor, id int64, status crm.Consent, source, wording string) error {
	if err := ac.require(crm.PermWriteContacts); err != nil {
		return err
	}
	switch status {
	case crm.ConsentGranted, crm.ConsentWithdrawn, crm.ConsentPending, crm.ConsentUnknown:
	default:
		return crm.Invalid("consent", "choose granted, withdrawn, pending or unknown")
	}
	return a.Store.InTx(ctx, func(tx *store.Tx) error {
		c, err := tx.Contact(ctx, id)
		if err != nil {
			return err
		}
		if err := a.canSeeContact(ctx, ac, c); err != nil {
			return err
		}
		old := c.Consent
		c.Consent = status
		now := a.now()
		if err := tx.UpdateContact(ctx, &c, now); err != nil {
			return err
		}
		if err := tx.AddConsentEvent(ctx, &store.ConsentEvent{ContactID: id, At: now, Status: status, Source: source, Wording: wording, IP: ac.IP, ActorID: ac.User.ID}); err != nil {
			return err
		}
		return tx.AddTimeline(ctx, &store.TimelineEntry{At: now, ContactID: id, Kind: KindConsent, ActorID: ac.User.ID,
			Data: map[string]any{"from": string(old), "to": string(status), "source": source}})
	})
}

// PersonData is everything held about one person (a privacy export).
type PersonData struct {
	Contact  crm.Contact
	Company  *crm.Company
	Timeline []store.TimelineEntry
	Consent  []store.ConsentEvent
	Visits   []store.PersonVisit // visitor ids that identified as the person
	Events   []store.PersonEvent // their tracked events, oldest first
	Score    *ScoreView          // scoring: the scores and the points behind them
	Deals    []crm.Deal          // sales: the deals the person is on
	// Activities and Tasks are the calls, meetings, e-mails, notes and
	// tasks about the person (activities.go).
	Activities []crm.Activity
	Tasks      []crm.Task
	Contracts  []crm.Contract // contracts: those the person is the contact of
}

// maxExportEvents bounds the tracked events of one person export.
const maxExportEvents = 100000

// ExportPerson gathers everything held about one contact (APPI / GDPR
// access request). The export itself is audited.
func (a *App) ExportPerson(ctx context.Context, ac Actor, id int64) (PersonData, error) {
	var d PersonData
	c, err := a.Contact(ctx, ac, id)
	if err != nil {
		return d, err
	}
	d.Contact = c
	if c.CompanyID != 0 {
		co, err := a.Store.Company(ctx, c.CompanyID)
		if err != nil {
			return d, err
		}
		d.Company = &co
	}
	f := store.TimelineFilter{ContactID: id, Limit: 500}
	for {
		page, err := a.Store.Timeline(ctx, f)
		if err != nil {
			return d, err
		}
		d.Timeline = append(d.Timeline, page...)
		if len(page) < f.Limit {
			break
		}
		f.BeforeAt, f.BeforeID = page[len(page)-1].At, page[len(page)-1].ID
	}
	if d.Consent, err = a.Store.ConsentHistory(ctx, id); err != nil {
		return d, err
	}
	if d.Visits, err = a.Store.PersonVisits(ctx, id); err != nil {
		return d, err
	}
	if d.Events, err = a.Store.PersonEvents(ctx, id, maxExportEvents); err != nil {
		return d, err
	}
	if sv, err := a.ContactScore(ctx, ac, id); err != nil {
		return d, err
	} else if !sv.ScoredAt.IsZero() {
		d.Score = &sv
	}
	if d.Deals, err = a.Store.DealsOfContact(ctx, id); err != nil { // sales
		return d, err
	}
	if d.Activities, err = a.Store.ActivitiesOfContact(ctx, id); err != nil { // activities
		return d, err
	}
	if d.Tasks, err = a.Store.TasksOfContact(ctx, id); err != nil {
		return d, err
	}
	if d.Contracts, err = a.Store.Contracts(ctx, store.ContractQuery{ContactID: id}); err != nil { // contracts
		return d, err
	}
	err = a.Store.Audit(ctx, a.audit(ac, "person.export", fmt.Sprintf("contact %d", id), ""))
	return d, err
}

// ErasePerson deletes a contact with its timeline, consent history,
// tracked events and visits, and webhook deliveries about them, and keeps
// only a hash of the e-mail on the suppression list, so the person is
// neither re-imported nor mailed (APPI / GDPR erasure). Admins only.
func (a *App) ErasePerson(ctx context.Context, ac Actor, id int64) error {
	if err := ac.require(crm.PermSettings); err != nil {
		return err
	}
	return a.Store.InTx(ctx, func(tx *store.Tx) error {
		c, err := tx.Contact(ctx, id)
		if err != nil {
			return err
		}
		if err := tx.ErasePersonTracking(ctx, id); err != nil { // events, visitor ids, webhook deliveries
			return err
		}
		if err := tx.DeleteContact(ctx, id); err != nil {
			return err
		}
		if c.Email != "" {
			if err := tx.Suppress(ctx, EmailHash(c.Email), "erased", a.now()); err != nil {
				return err
			}
		}
		// The audit entry names the record, not the person.
		return tx.Audit(ctx, a.audit(ac, "person.erase", fmt.Sprintf("contact %d", id), ""))
	})
}
