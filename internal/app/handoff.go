package app

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"renkei/internal/crm"
	"renkei/internal/jobs"
	"renkei/internal/mail"
	"renkei/internal/store"
)

// Timeline kinds and jobs of the hand-off.
const (
	KindAssigned      = "assigned"       // an MQL got its sales owner
	KindLeadAccepted  = "lead_accepted"  // the owner accepted it (→ SQL)
	KindLeadRejected  = "lead_rejected"  // the owner sent it back with a reason
	KindLeadEscalated = "lead_escalated" // the first-touch clock ran out

	// JobHandoffEscalate runs at a hand-off's due time and escalates every
	// overdue MQL that was not escalated yet.
	JobHandoffEscalate = "handoff.escalate"

	keyHandoff = "handoff"
)

// Notification kinds.
const (
	NotifyLeadAssigned  = "lead_assigned"
	NotifyLeadEscalated = "lead_escalated"
)

// ---- settings ----

// HandoffSettings returns the hand-off options (defaults before they are
// saved) and their version.
func (a *App) HandoffSettings(ctx context.Context) (crm.HandoffSettings, int64, error) {
	var s crm.HandoffSettings
	v, err := a.Store.Setting(ctx, keyHandoff, &s)
	if errors.Is(err, crm.ErrNotFound) {
		return crm.HandoffSettings{SLAHours: crm.DefaultSLAHours}, 0, nil
	}
	if s.SLAHours <= 0 {
		s.SLAHours = crm.DefaultSLAHours
	}
	return s, v, err
}

// UpdateHandoffSettings stores the SLA and the fallback owner.
func (a *App) UpdateHandoffSettings(ctx context.Context, ac Actor, s crm.HandoffSettings, version int64) (crm.HandoffSettings, int64, error) {
	if err := ac.require(crm.PermSettings); err != nil {
		return s, 0, err
	}
	if err := s.Validate(); err != nil {
		return s, 0, err
	}
	var nv int64
	err := a.Store.InTx(ctx, func(tx *store.Tx) error {
		if err := checkLeadTarget(ctx, tx, "fallback_user_id", s.FallbackUserID, s.FallbackTeamID); err != nil {
			return err
		}
		var err error
		if nv, err = tx.PutSetting(ctx, keyHandoff, s, version, a.now()); err != nil {
			return err
		}
		return tx.Audit(ctx, a.audit(ac, "settings.handoff", "", fmt.Sprintf("sla_hours=%d", s.SLAHours)))
	})
	return s, nv, err
}

// checkLeadTarget checks that a rule's or the fallback's user may own leads
// and that its team exists.
func checkLeadTarget(ctx context.Context, tx *store.Tx, field string, userID, teamID int64) error {
	if userID != 0 {
		u, err := tx.User(ctx, userID)
		if errors.Is(err, crm.ErrNotFound) || (err == nil && !u.CanOwnLeads()) {
			return crm.Invalid(field, "choose an active user with the admin or sales role")
		}
		if err != nil {
			return err
		}
	}
	if teamID != 0 {
		ok, err := tx.TeamExists(ctx, teamID)
		if err != nil {
			return err
		}
		if !ok {
			return crm.Invalid("team_id", "this team does not exist")
		}
	}
	return nil
}

// ---- assignment rules ----

// AssignmentRules lists the rules in the order they are tried.
func (a *App) AssignmentRules(ctx context.Context, ac Actor) ([]crm.AssignmentRule, error) {
	if err := ac.require(crm.PermReadAll); err != nil {
		return nil, err
	}
	return a.Store.AssignmentRules(ctx)
}

func (a *App) checkRule(ctx context.Context, tx *store.Tx, r *crm.AssignmentRule) error {
	r.Normalize()
	if err := r.Validate(); err != nil {
		return err
	}
	switch r.Kind {
	case crm.RuleRoundRobin, crm.RuleCompanyOwner:
		r.UserID = 0
	case crm.RulePerson:
		r.TeamID = 0
	}
	if r.Kind != crm.RuleTerritory {
		r.Prefectures, r.Countries = nil, nil
	}
	if r.Kind == crm.RuleCompanyOwner {
		r.TeamID = 0
	}
	return checkLeadTarget(ctx, tx, "user_id", r.UserID, r.TeamID)
}

// CreateAssignmentRule adds a rule (last unless a position is given).
func (a *App) CreateAssignmentRule(ctx context.Context, ac Actor, r crm.AssignmentRule) (crm.AssignmentRule, error) {
	if err := ac.require(crm.PermSettings); err != nil {
		return r, err
	}
	err := a.Store.InTx(ctx, func(tx *store.Tx) error {
		if err := a.checkRule(ctx, tx, &r); err != nil {
			return err
		}
		if err := tx.CreateAssignmentRule(ctx, &r, a.now()); err != nil {
			return err
		}
		return tx.Audit(ctx, a.audit(ac, "assignment_rule.create", fmt.Sprintf("rule %d", r.ID), string(r.Kind)))
	})
	return r, err
}

// UpdateAssignmentRule replaces a rule when version matches.
func (a *App) UpdateAssignmentRule(ctx context.Context, ac Actor, id, version int64, r crm.AssignmentRule) (crm.AssignmentRule, error) {
	if err := ac.require(crm.PermSettings); err != nil {
		return r, err
	}
	err := a.Store.InTx(ctx, func(tx *store.Tx) error {
		old, err := tx.AssignmentRule(ctx, id)
		if err != nil {
			return err
		}
		if version != old.Version {
			return crm.ErrStale
		}
		r.ID, r.Version, r.CreatedAt = id, version, old.CreatedAt
		if r.Position == 0 {
			r.Position = old.Position
		}
		if err := a.checkRule(ctx, tx, &r); err != nil {
			return err
		}
		if err := tx.UpdateAssignmentRule(ctx, &r, a.now()); err != nil {
			return err
		}
		return tx.Audit(ctx, a.audit(ac, "assignment_rule.update", fmt.Sprintf("rule %d", r.ID), string(r.Kind)))
	})
	return r, err
}

// DeleteAssignmentRule removes a rule.
func (a *App) DeleteAssignmentRule(ctx context.Context, ac Actor, id int64) error {
	if err := ac.require(crm.PermSettings); err != nil {
		return err
	}
	return a.Store.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.DeleteAssignmentRule(ctx, id); err != nil {
			return err
		}
		return tx.Audit(ctx, a.audit(ac, "assignment_rule.delete", fmt.Sprintf("rule %d", id), ""))
	})
}

// MoveAssignmentRule moves a rule one place up (delta -1) or down (+1),
// renumbering the list so positions stay 1, 2, 3, …
func (a *App) MoveAssignmentRule(ctx context.Context, ac Actor, id int64, delta int) error {
	if err := ac.require(crm.PermSettings); err != nil {
		return err
	}
	return a.Store.InTx(ctx, func(tx *store.Tx) error {
		rules, err := tx.AssignmentRules(ctx)
		if err != nil {
			return err
		}
		i := slices.IndexFunc(rules, func(r crm.AssignmentRule) bool { return r.ID == id })
		if i < 0 {
			return crm.ErrNotFound
		}
		j := i + delta
		if j >= 0 && j < len(rules) {
			rules[i], rules[j] = rules[j], rules[i]
		}
		now := a.now()
		for k := range rules {
			if rules[k].Position != k+1 {
				rules[k].Position = k + 1
				if err := tx.UpdateAssignmentRule(ctx, &rules[k], now); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

// assignment is the outcome of the rules for one lead.
type assignment struct {
	OwnerID, TeamID, RuleID int64
	Why                     string // existing_owner, round_robin, territory, company_owner, person, fallback, everyone, only_user, none
}

// eligible reports whether a user may own leads now.
func eligible(ctx context.Context, tx *store.Tx, id int64) (bool, error) {
	if id == 0 {
		return false, nil
	}
	u, err := tx.User(ctx, id)
	if errors.Is(err, crm.ErrNotFound) {
		return false, nil
	}
	return err == nil && u.CanOwnLeads(), err
}

// inTurn picks the next member of a team (0 = everyone) in turn.
func inTurn(ctx context.Context, tx *store.Tx, teamID int64) (int64, error) {
	cands, err := tx.LeadOwnerCandidates(ctx, teamID)
	if err != nil {
		return 0, err
	}
	return tx.NextInTurn(ctx, teamID, cands)
}

// assignLead runs the rules for a contact: the contact's own owner when
// they may own leads, then the ordered rules, then the fallback, then
// everyone who may own leads in turn (in a one-person workspace: that
// person).
func (a *App) assignLead(ctx context.Context, tx *store.Tx, c crm.Contact, set crm.HandoffSettings) (assignment, error) {
	if ok, err := eligible(ctx, tx, c.OwnerID); err != nil || ok {
		return assignment{OwnerID: c.OwnerID, TeamID: c.TeamID, Why: "existing_owner"}, err
	}
	rules, err := tx.AssignmentRules(ctx)
	if err != nil {
		return assignment{}, err
	}
	var co crm.Company
	if c.CompanyID != 0 {
		if co, err = tx.Company(ctx, c.CompanyID); err != nil && !errors.Is(err, crm.ErrNotFound) {
			return assignment{}, err
		}
	}
	for _, r := range rules {
		if !r.Active || (len(r.Sources) > 0 && !slices.Contains(r.Sources, c.OriginalSource)) {
			continue
		}
		got := assignment{RuleID: r.ID, Why: string(r.Kind)}
		switch r.Kind {
		case crm.RuleRoundRobin:
			got.TeamID = r.TeamID
			got.OwnerID, err = inTurn(ctx, tx, r.TeamID)
		case crm.RuleTerritory:
			if !inTerritory(r, co) {
				continue
			}
			if r.UserID != 0 {
				got.OwnerID = r.UserID
			} else {
				got.TeamID = r.TeamID
				got.OwnerID, err = inTurn(ctx, tx, r.TeamID)
			}
		case crm.RuleCompanyOwner:
			got.OwnerID, got.TeamID = co.OwnerID, co.TeamID
		case crm.RulePerson:
			got.OwnerID = r.UserID
		}
		if err != nil {
			return got, err
		}
		if ok, err := eligible(ctx, tx, got.OwnerID); err != nil || ok {
			return got, err
		}
	}
	if set.FallbackUserID != 0 {
		if ok, err := eligible(ctx, tx, set.FallbackUserID); err != nil || ok {
			return assignment{OwnerID: set.FallbackUserID, Why: "fallback"}, err
		}
	}
	if set.FallbackTeamID != 0 {
		id, err := inTurn(ctx, tx, set.FallbackTeamID)
		if err != nil || id != 0 {
			return assignment{OwnerID: id, TeamID: set.FallbackTeamID, Why: "fallback"}, err
		}
	}
	cands, err := tx.LeadOwnerCandidates(ctx, 0)
	if err != nil {
		return assignment{}, err
	}
	if len(cands) == 1 {
		return assignment{OwnerID: cands[0], Why: "only_user"}, nil
	}
	id, err := tx.NextInTurn(ctx, 0, cands)
	if id == 0 {
		return assignment{Why: "none"}, err
	}
	return assignment{OwnerID: id, Why: "everyone"}, err
}

// inTerritory reports whether the company lies in the rule's territory.
func inTerritory(r crm.AssignmentRule, co crm.Company) bool {
	if co.Prefecture != "" && slices.Contains(r.Prefectures, co.Prefecture) {
		return true
	}
	for _, c := range r.Countries {
		if co.Country != "" && strings.EqualFold(c, co.Country) {
			return true
		}
	}
	return false
}

// ---- the MQL moment ----

// startHandoff is leadBecameMQL's body (hooks_handoff.go keeps the agreed
// signature).
func (a *App) startHandoff(ctx context.Context, tx *store.Tx, contactID int64, reason string) error {
	c, err := tx.Contact(ctx, contactID)
	if err != nil {
		return err
	}
	if h, err := tx.LatestHandoff(ctx, contactID); err == nil && h.Status == crm.HandoffNew {
		return nil // already waiting for sales
	} else if err != nil && !errors.Is(err, crm.ErrNotFound) {
		return err
	}
	set, _, err := a.HandoffSettings(ctx)
	if err != nil {
		return err
	}
	ws, _, err := a.Workspace(ctx)
	if err != nil {
		return err
	}
	as, err := a.assignLead(ctx, tx, c, set)
	if err != nil {
		return err
	}
	if as.TeamID == 0 && as.OwnerID != 0 {
		if u, err := tx.User(ctx, as.OwnerID); err == nil && len(u.Teams) > 0 {
			as.TeamID = u.Teams[0].TeamID
		}
	}
	now := a.now()
	campaign, err := tx.FirstCampaign(ctx, contactID)
	if err != nil {
		return err
	}
	h := crm.Handoff{ContactID: contactID, OwnerID: as.OwnerID, TeamID: as.TeamID, RuleID: as.RuleID,
		AssignedWhy: as.Why, MQLReason: clip(reason, 500), MQLAt: now,
		DueAt:  ws.Calendar().AddBusinessHours(now, time.Duration(set.SLAHours)*time.Hour).UTC(),
		Status: crm.HandoffNew, Source: c.OriginalSource, SourceGroup: crm.DefaultSourceGroups[c.OriginalSource], Campaign: campaign}
	if err := tx.CreateHandoff(ctx, &h); err != nil {
		return err
	}
	if err := tx.SetLeadState(ctx, contactID, as.OwnerID, crm.StageMQL, crm.LeadNew, now); err != nil {
		return err
	}
	ownerName := ""
	var owner crm.User
	if as.OwnerID != 0 {
		if owner, err = tx.User(ctx, as.OwnerID); err != nil {
			return err
		}
		ownerName = owner.Name
	}
	if err := tx.AddTimeline(ctx, &store.TimelineEntry{At: now, ContactID: contactID, Kind: KindAssigned,
		Data: map[string]any{"owner_id": as.OwnerID, "owner_name": ownerName, "why": as.Why, "reason": h.MQLReason,
			"due_at": h.DueAt.Format(time.RFC3339)},
		RefType: "handoff", RefID: h.ID}); err != nil {
		return err
	}
	if as.OwnerID != 0 {
		if err := a.notify(ctx, tx, owner, NotifyLeadAssigned, c, h); err != nil {
			return err
		}
	}
	j := store.Job{Kind: JobHandoffEscalate, RunAt: h.DueAt, CreatedAt: now, MaxAttempts: 5,
		DedupeKey: fmt.Sprintf("%s:%d", JobHandoffEscalate, h.ID)}
	if err := tx.Enqueue(ctx, &j); err != nil {
		return err
	}
	return a.emitWebhook(ctx, tx, "lead.mql", handoffPayload(c, h))
}

func handoffPayload(c crm.Contact, h crm.Handoff) map[string]any {
	p := map[string]any{"contact_id": c.ID, "email": c.Email, "name": c.Name(crm.LangJA), "handoff_id": h.ID,
		"owner_id": h.OwnerID, "status": string(h.Status), "mql_at": h.MQLAt.Format(time.RFC3339),
		"due_at": h.DueAt.Format(time.RFC3339), "source": string(h.Source), "source_group": h.SourceGroup}
	if h.ReasonCode != "" {
		p["reason"], p["note"], p["outcome"] = string(h.ReasonCode), h.ReasonNote, h.Outcome
	}
	if h.DealID != 0 {
		p["deal_id"] = h.DealID
	}
	return p
}

// notify puts a notification in the user's inbox and, when mail is set
// up, queues an e-mail with the same words, in the user's language.
func (a *App) notify(ctx context.Context, tx *store.Tx, u crm.User, kind string, c crm.Contact, h crm.Handoff) error {
	name := c.Name(u.Language)
	if strings.TrimSpace(name) == "" {
		name = c.Email
	}
	ws, _, err := a.Workspace(ctx)
	if err != nil {
		return err
	}
	due := h.DueAt.In(ws.Location()).Format("2006-01-02 15:04")
	var subject, text string
	switch {
	case kind == NotifyLeadAssigned && u.Language == crm.LangJA:
		subject = "新しいリード: " + name
		text = fmt.Sprintf("%s さんがMQLになり、あなたに割り当てられました。初回対応の期限は %s です。", name, due)
	case kind == NotifyLeadAssigned:
		subject = "New lead: " + name
		text = fmt.Sprintf("%s became an MQL and was assigned to you. First touch is due by %s.", name, due)
	case u.Language == crm.LangJA:
		subject = "期限切れのリード: " + name
		text = fmt.Sprintf("%s さんのリードは初回対応の期限（%s）を過ぎています。", name, due)
	default:
		subject = "Overdue lead: " + name
		text = fmt.Sprintf("The lead %s passed its first-touch deadline (%s) without an answer.", name, due)
	}
	link := fmt.Sprintf("/sales/leads?tab=%s#lead-%d", map[string]string{NotifyLeadAssigned: "new", NotifyLeadEscalated: "overdue"}[kind], h.ID)
	n := crm.Notification{UserID: u.ID, Kind: kind, Text: text, Link: link, ContactID: c.ID, CreatedAt: a.now(),
		Data: map[string]any{"contact_id": c.ID, "handoff_id": h.ID, "name": name, "due_at": h.DueAt.Format(time.RFC3339)}}
	if err := tx.AddNotification(ctx, &n); err != nil {
		return err
	}
	srv, _, err := a.smtp(ctx)
	if err != nil || !srv.Configured() || u.Email == "" {
		return err
	}
	m := mail.Message{To: u.Email, ToName: u.Name, Subject: "【Renkei】" + subject,
		Text: greeting(u) + text + "\n\n" + a.BaseURL + link + "\n"}
	if u.Language != crm.LangJA {
		m.Subject = "[Renkei] " + subject
	}
	return a.queueMail(ctx, tx, m)
}

// ---- accept and reject ----

// LeadDecision is the result of accepting or rejecting a lead.
type LeadDecision struct {
	Handoff crm.Handoff
	DealID  int64 // the deal created with "accept and create deal" (0 if none)
}

// openHandoff loads the contact's open hand-off and checks that the actor
// may decide it: its owner, an admin, or a manager of its team. Others get
// crm.ErrForbidden.
func (a *App) openHandoff(ctx context.Context, tx *store.Tx, ac Actor, contactID int64) (crm.Handoff, crm.Contact, error) {
	c, err := tx.Contact(ctx, contactID)
	if err != nil {
		return crm.Handoff{}, c, err
	}
	if err := a.canSeeContact(ctx, ac, c); err != nil {
		return crm.Handoff{}, c, err
	}
	h, err := tx.LatestHandoff(ctx, contactID)
	if errors.Is(err, crm.ErrNotFound) {
		return h, c, crm.Invalid("contact_id", "this contact is not waiting for sales (it has no hand-off)")
	}
	if err != nil {
		return h, c, err
	}
	if !MayDecide(ac, h) {
		return h, c, crm.ErrForbidden
	}
	if h.Status != crm.HandoffNew {
		return h, c, crm.Invalid("contact_id", "this lead was "+string(h.Status)+" already")
	}
	return h, c, nil
}

// MayDecide reports whether the actor may accept or reject a hand-off:
// its owner, an admin, or a manager of the hand-off's team (DESIGN.md §8).
func MayDecide(ac Actor, h crm.Handoff) bool {
	if !ac.Can(crm.PermWriteSales) {
		return false
	}
	return ac.User.ID == h.OwnerID || ac.User.Role == crm.RoleAdmin || (h.TeamID != 0 && ac.User.ManagesTeam(h.TeamID))
}

// AcceptLead accepts a contact's open hand-off: the contact becomes an SQL
// with lead status accepted, the first touch is recorded, and with
// createDeal a deal is opened through the sales work's hook.
func (a *App) AcceptLead(ctx context.Context, ac Actor, contactID int64, createDeal bool) (LeadDecision, error) {
	if err := ac.require(crm.PermWriteSales); err != nil {
		return LeadDecision{}, err
	}
	var d LeadDecision
	err := a.Store.InTx(ctx, func(tx *store.Tx) error {
		h, c, err := a.openHandoff(ctx, tx, ac, contactID)
		if err != nil {
			return err
		}
		now := a.now()
		h.Status, h.AcceptedAt, h.FirstTouchAt, h.DecidedBy = crm.HandoffAccepted, now, now, ac.User.ID
		if h.OwnerID == 0 {
			h.OwnerID = ac.User.ID
		}
		if createDeal {
			if h.DealID, err = a.createDealFromLead(ctx, tx, contactID, h.OwnerID); err != nil {
				return err
			}
		}
		if err := tx.DecideHandoff(ctx, &h); err != nil {
			return err
		}
		if err := tx.SetLeadState(ctx, contactID, h.OwnerID, crm.StageSQL, crm.LeadAccepted, now); err != nil {
			return err
		}
		data := map[string]any{"deal_id": h.DealID}
		if err := tx.AddTimeline(ctx, &store.TimelineEntry{At: now, ContactID: contactID, Kind: KindLeadAccepted,
			ActorID: ac.User.ID, Data: data, RefType: "handoff", RefID: h.ID}); err != nil {
			return err
		}
		d = LeadDecision{Handoff: h, DealID: h.DealID}
		return a.emitWebhook(ctx, tx, "lead.accepted", handoffPayload(c, h))
	})
	return d, err
}

// RejectInput is why a lead goes back.
type RejectInput struct {
	Reason  string
	Note    string
	Outcome string // recycled or disqualified; "" = the reason's default
}

// RejectLead sends a contact's open hand-off back with a reason: recycled
// to nurture (stage lead, status recycled, the time noted for scoring) or
// disqualified.
func (a *App) RejectLead(ctx context.Context, ac Actor, contactID int64, in RejectInput) (LeadDecision, error) {
	if err := ac.require(crm.PermWriteSales); err != nil {
		return LeadDecision{}, err
	}
	in.Reason, in.Note, in.Outcome = strings.TrimSpace(in.Reason), strings.TrimSpace(in.Note), strings.TrimSpace(in.Outcome)
	v := &crm.ValidationError{}
	if !crm.ValidRejectReason(in.Reason) {
		v.Add("reason", "choose not_a_fit, no_budget, bad_timing, duplicate, spam or other")
	} else if in.Outcome == "" {
		in.Outcome = crm.RejectReason(in.Reason).DefaultOutcome()
	}
	if in.Outcome != "" && in.Outcome != crm.OutcomeRecycled && in.Outcome != crm.OutcomeDisqualified {
		v.Add("outcome", "choose recycled or disqualified")
	}
	if utf8.RuneCountInString(in.Note) > 2000 {
		v.Add("note", "must be at most 2,000 characters")
	}
	if in.Reason == string(crm.ReasonOther) && in.Note == "" {
		v.Add("note", "say why in a few words")
	}
	if err := v.Err(); err != nil {
		return LeadDecision{}, err
	}
	var d LeadDecision
	err := a.Store.InTx(ctx, func(tx *store.Tx) error {
		h, c, err := a.openHandoff(ctx, tx, ac, contactID)
		if err != nil {
			return err
		}
		now := a.now()
		h.Status, h.RejectedAt, h.FirstTouchAt, h.DecidedBy = crm.HandoffRejected, now, now, ac.User.ID
		h.ReasonCode, h.ReasonNote, h.Outcome = crm.RejectReason(in.Reason), in.Note, in.Outcome
		stage, status := crm.StageDisqualified, crm.LeadRejected
		if in.Outcome == crm.OutcomeRecycled {
			h.RecycledAt = now
			stage, status = crm.StageLead, crm.LeadRecycled
		}
		if err := tx.DecideHandoff(ctx, &h); err != nil {
			return err
		}
		if err := tx.SetLeadState(ctx, contactID, h.OwnerID, stage, status, now); err != nil {
			return err
		}
		if err := tx.AddTimeline(ctx, &store.TimelineEntry{At: now, ContactID: contactID, Kind: KindLeadRejected,
			ActorID: ac.User.ID, Data: map[string]any{"reason": in.Reason, "note": in.Note, "outcome": in.Outcome},
			RefType: "handoff", RefID: h.ID}); err != nil {
			return err
		}
		d = LeadDecision{Handoff: h}
		return a.emitWebhook(ctx, tx, "lead.rejected", handoffPayload(c, h))
	})
	return d, err
}

// RecycledAt returns when a contact was last sent back to nurture (zero if
// never); scoring waits for new engagement after it before making the
// contact an MQL again.
func (a *App) RecycledAt(ctx context.Context, contactID int64) (time.Time, error) {
	return a.Store.LastRecycledAt(ctx, contactID)
}

// ---- escalation ----

// EscalateOverdue flags every open hand-off whose first-touch clock ran out
// and tells the team's managers (or, without managers, the admins) once,
// in the inbox and by e-mail. It returns how many it escalated.
func (a *App) EscalateOverdue(ctx context.Context) (int, error) {
	n := 0
	err := a.Store.InTx(ctx, func(tx *store.Tx) error {
		now := a.now()
		due, err := tx.OverdueHandoffs(ctx, now, 500)
		if err != nil {
			return err
		}
		for _, h := range due {
			to, err := escalationTargets(ctx, tx, h)
			if err != nil {
				return err
			}
			first := int64(0)
			if len(to) > 0 {
				first = to[0]
			}
			ok, err := tx.MarkEscalated(ctx, h.ID, first, now)
			if err != nil {
				return err
			}
			if !ok {
				continue
			}
			n++
			c, err := tx.Contact(ctx, h.ContactID)
			if err != nil {
				return err
			}
			for _, id := range to {
				u, err := tx.User(ctx, id)
				if err != nil {
					return err
				}
				if err := a.notify(ctx, tx, u, NotifyLeadEscalated, c, h); err != nil {
					return err
				}
			}
			if err := tx.AddTimeline(ctx, &store.TimelineEntry{At: now, ContactID: h.ContactID, Kind: KindLeadEscalated,
				Data: map[string]any{"to": to, "due_at": h.DueAt.Format(time.RFC3339)}, RefType: "handoff", RefID: h.ID}); err != nil {
				return err
			}
		}
		return nil
	})
	return n, err
}

// escalationTargets are the active managers of the hand-off's team other
// than its owner; without any, the active admins other than the owner.
func escalationTargets(ctx context.Context, tx *store.Tx, h crm.Handoff) ([]int64, error) {
	var out []int64
	if h.TeamID != 0 {
		ms, err := tx.TeamManagers(ctx, h.TeamID)
		if err != nil {
			return nil, err
		}
		for _, id := range ms {
			if id != h.OwnerID {
				out = append(out, id)
			}
		}
	}
	if len(out) > 0 {
		return out, nil
	}
	admins, err := tx.LeadOwnerCandidates(ctx, 0)
	if err != nil {
		return nil, err
	}
	for _, id := range admins {
		u, err := tx.User(ctx, id)
		if err != nil {
			return nil, err
		}
		if u.Role == crm.RoleAdmin && id != h.OwnerID {
			out = append(out, id)
		}
	}
	return out, nil
}

func (a *App) handleHandoffEscalate(ctx context.Context, _ store.Job, _ jobs.Progress) error {
	_, err := a.EscalateOverdue(ctx)
	return err
}

// ---- notifications ----

// Notifications lists the actor's own inbox, newest first.
func (a *App) Notifications(ctx context.Context, ac Actor, unreadOnly bool, beforeID int64, limit int) ([]crm.Notification, error) {
	if err := ac.require(crm.PermSignedIn); err != nil {
		return nil, err
	}
	return a.Store.Notifications(ctx, ac.User.ID, unreadOnly, beforeID, limit)
}

// UnreadNotifications counts the actor's unread entries.
func (a *App) UnreadNotifications(ctx context.Context, ac Actor) (int, error) {
	if err := ac.require(crm.PermSignedIn); err != nil {
		return 0, err
	}
	return a.Store.UnreadNotifications(ctx, ac.User.ID)
}

// MarkNotificationsRead marks one of the actor's entries (id > 0) or all
// of them read.
func (a *App) MarkNotificationsRead(ctx context.Context, ac Actor, id int64) error {
	if err := ac.require(crm.PermSignedIn); err != nil {
		return err
	}
	return a.Store.InTx(ctx, func(tx *store.Tx) error {
		return tx.MarkNotificationsRead(ctx, ac.User.ID, id, a.now())
	})
}
