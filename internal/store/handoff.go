package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"renkei/internal/crm"
)

// ---- assignment rules ----

const assignRuleCols = `id, position, kind, name, prefectures, countries, sources, COALESCE(user_id, 0), COALESCE(team_id, 0),
	active, created_at, updated_at, version`

func scanAssignRule(sc interface{ Scan(...any) error }) (crm.AssignmentRule, error) {
	var r crm.AssignmentRule
	var kind, prefs, countries, sources string
	var active int
	var created, updated int64
	err := sc.Scan(&r.ID, &r.Position, &kind, &r.Name, &prefs, &countries, &sources, &r.UserID, &r.TeamID,
		&active, &created, &updated, &r.Version)
	if errors.Is(err, sql.ErrNoRows) {
		return r, crm.ErrNotFound
	}
	if err != nil {
		return r, err
	}
	r.Kind, r.Active = crm.AssignKind(kind), active != 0
	r.CreatedAt, r.UpdatedAt = fromMS(created), fromMS(updated)
	if err := json.Unmarshal([]byte(prefs), &r.Prefectures); err != nil {
		return r, err
	}
	if err := json.Unmarshal([]byte(countries), &r.Countries); err != nil {
		return r, err
	}
	return r, json.Unmarshal([]byte(sources), &r.Sources)
}

func jsonList[T any](v []T) string {
	if v == nil {
		return "[]"
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// AssignmentRules lists the rules in the order they are tried.
func (s *Store) AssignmentRules(ctx context.Context) ([]crm.AssignmentRule, error) {
	return assignmentRules(ctx, s.r())
}

// AssignmentRules lists the rules inside the transaction.
func (tx *Tx) AssignmentRules(ctx context.Context) ([]crm.AssignmentRule, error) {
	return assignmentRules(ctx, tx.q())
}

func assignmentRules(ctx context.Context, q querier) ([]crm.AssignmentRule, error) {
	rows, err := q.QueryContext(ctx, "SELECT "+assignRuleCols+" FROM assignment_rules ORDER BY position, id")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []crm.AssignmentRule
	for rows.Next() {
		r, err := scanAssignRule(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// AssignmentRule returns one rule.
func (tx *Tx) AssignmentRule(ctx context.Context, id int64) (crm.AssignmentRule, error) {
	return scanAssignRule(tx.q().QueryRowContext(ctx, "SELECT "+assignRuleCols+" FROM assignment_rules WHERE id = $1", id))
}

// CreateAssignmentRule inserts a rule; a zero position puts it last.
func (tx *Tx) CreateAssignmentRule(ctx context.Context, r *crm.AssignmentRule, now time.Time) error {
	if r.Position == 0 {
		if err := tx.q().QueryRowContext(ctx, "SELECT COALESCE(MAX(position), 0) + 1 FROM assignment_rules").Scan(&r.Position); err != nil {
			return err
		}
	}
	err := tx.q().QueryRowContext(ctx, `INSERT INTO assignment_rules (position, kind, name, prefectures, countries, sources,
		user_id, team_id, active, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10) RETURNING id, version`,
		r.Position, string(r.Kind), r.Name, jsonList(r.Prefectures), jsonList(r.Countries), jsonList(r.Sources),
		nullID(r.UserID), nullID(r.TeamID), boolInt(r.Active), ms(now)).Scan(&r.ID, &r.Version)
	if err != nil {
		return tx.s.d.mapError(err)
	}
	r.CreatedAt, r.UpdatedAt = now, now
	return nil
}

// UpdateAssignmentRule replaces a rule when the version matches.
func (tx *Tx) UpdateAssignmentRule(ctx context.Context, r *crm.AssignmentRule, now time.Time) error {
	res, err := tx.q().ExecContext(ctx, `UPDATE assignment_rules SET position = $1, kind = $2, name = $3, prefectures = $4,
		countries = $5, sources = $6, user_id = $7, team_id = $8, active = $9, updated_at = $10, version = version + 1
		WHERE id = $11 AND version = $12`,
		r.Position, string(r.Kind), r.Name, jsonList(r.Prefectures), jsonList(r.Countries), jsonList(r.Sources),
		nullID(r.UserID), nullID(r.TeamID), boolInt(r.Active), ms(now), r.ID, r.Version)
	if err != nil {
		return tx.s.d.mapError(err)
	}
	if err := staleOrMissing(ctx, tx, res, "assignment_rules", r.ID); err != nil {
		return err
	}
	r.Version++
	r.UpdatedAt = now
	return nil
}

// DeleteAssignmentRule removes a rule.
func (tx *Tx) DeleteAssignmentRule(ctx context.Context, id int64) error {
	res, err := tx.q().ExecContext(ctx, "DELETE FROM assignment_rules WHERE id = $1", id)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return crm.ErrNotFound
	}
	return nil
}

// LeadOwnerCandidates returns the ids of active users with a sales-capable
// role (admin or sales), ascending; with teamID > 0 only that team's
// members.
func (tx *Tx) LeadOwnerCandidates(ctx context.Context, teamID int64) ([]int64, error) {
	q := `SELECT u.id FROM users u WHERE u.status = 'active' AND u.role IN ('admin', 'sales') ORDER BY u.id`
	args := []any{}
	if teamID > 0 {
		q = `SELECT u.id FROM users u JOIN team_members m ON m.user_id = u.id
			WHERE m.team_id = $1 AND u.status = 'active' AND u.role IN ('admin', 'sales') ORDER BY u.id`
		args = append(args, teamID)
	}
	rows, err := tx.q().QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

// NextInTurn picks the next of candidates (ascending user ids) after the
// team's persisted round-robin cursor and moves the cursor to it. The
// cursor row is locked by the UPDATE until the transaction ends, so
// concurrent assignments in several processes take turns fairly. teamID 0
// is the cursor over every sales-capable user. It returns 0 when
// candidates is empty.
func (tx *Tx) NextInTurn(ctx context.Context, teamID int64, candidates []int64) (int64, error) {
	if len(candidates) == 0 {
		return 0, nil
	}
	if _, err := tx.q().ExecContext(ctx, `INSERT INTO assignment_cursors (team_id, last_user_id, turns) VALUES ($1, 0, 0)
		ON CONFLICT (team_id) DO NOTHING`, teamID); err != nil {
		return 0, err
	}
	var last int64
	if err := tx.q().QueryRowContext(ctx, `UPDATE assignment_cursors SET turns = turns + 1 WHERE team_id = $1
		RETURNING last_user_id`, teamID).Scan(&last); err != nil {
		return 0, err
	}
	next := candidates[0]
	for _, id := range candidates {
		if id > last {
			next = id
			break
		}
	}
	_, err := tx.q().ExecContext(ctx, "UPDATE assignment_cursors SET last_user_id = $1 WHERE team_id = $2", next, teamID)
	return next, err
}

// TeamManagers returns the active managers of a team.
func (tx *Tx) TeamManagers(ctx context.Context, teamID int64) ([]int64, error) {
	rows, err := tx.q().QueryContext(ctx, `SELECT u.id FROM team_members m JOIN users u ON u.id = m.user_id
		WHERE m.team_id = $1 AND m.is_manager = $2 AND u.status = 'active' ORDER BY u.id`, teamID, true)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

// ---- hand-offs ----

const handoffCols = `h.id, h.contact_id, COALESCE(h.owner_id, 0), COALESCE(h.team_id, 0), COALESCE(h.rule_id, 0),
	h.assigned_why, h.mql_reason, h.mql_at, h.due_at, h.status, h.accepted_at, h.rejected_at, h.reason_code,
	h.reason_note, h.outcome, h.recycled_at, h.first_touch_at, h.escalated_at, COALESCE(h.escalated_to, 0),
	COALESCE(h.decided_by, 0), COALESCE(h.deal_id, 0), h.source, h.source_group, h.campaign`

func scanHandoff(sc interface{ Scan(...any) error }, extra ...any) (crm.Handoff, error) {
	var h crm.Handoff
	var status, reason, source string
	var mql, due int64
	var acc, rej, rec, touch, esc sql.NullInt64
	dest := []any{&h.ID, &h.ContactID, &h.OwnerID, &h.TeamID, &h.RuleID, &h.AssignedWhy, &h.MQLReason, &mql, &due,
		&status, &acc, &rej, &reason, &h.ReasonNote, &h.Outcome, &rec, &touch, &esc, &h.EscalatedTo, &h.DecidedBy,
		&h.DealID, &source, &h.SourceGroup, &h.Campaign}
	err := sc.Scan(append(dest, extra...)...)
	if errors.Is(err, sql.ErrNoRows) {
		return h, crm.ErrNotFound
	}
	h.Status, h.ReasonCode, h.Source = crm.HandoffStatus(status), crm.RejectReason(reason), crm.Source(source)
	h.MQLAt, h.DueAt = fromMS(mql), fromMS(due)
	h.AcceptedAt, h.RejectedAt, h.RecycledAt = fromNullMS(acc), fromNullMS(rej), fromNullMS(rec)
	h.FirstTouchAt, h.EscalatedAt = fromNullMS(touch), fromNullMS(esc)
	return h, err
}

// CreateHandoff inserts a new hand-off.
func (tx *Tx) CreateHandoff(ctx context.Context, h *crm.Handoff) error {
	if h.Status == "" {
		h.Status = crm.HandoffNew
	}
	return tx.q().QueryRowContext(ctx, `INSERT INTO handoffs (contact_id, owner_id, team_id, rule_id, assigned_why, mql_reason,
		mql_at, due_at, status, source, source_group, campaign) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
		RETURNING id`, h.ContactID, nullID(h.OwnerID), nullID(h.TeamID), nullID(h.RuleID), h.AssignedWhy, h.MQLReason,
		ms(h.MQLAt), ms(h.DueAt), string(h.Status), string(h.Source), h.SourceGroup, h.Campaign).Scan(&h.ID)
}

// LatestHandoff returns the contact's newest hand-off.
func (tx *Tx) LatestHandoff(ctx context.Context, contactID int64) (crm.Handoff, error) {
	return scanHandoff(tx.q().QueryRowContext(ctx, "SELECT "+handoffCols+
		" FROM handoffs h WHERE h.contact_id = $1 ORDER BY h.mql_at DESC, h.id DESC LIMIT 1", contactID))
}

// LatestHandoff reads the contact's newest hand-off outside a transaction.
func (s *Store) LatestHandoff(ctx context.Context, contactID int64) (crm.Handoff, error) {
	return scanHandoff(s.r().QueryRowContext(ctx, "SELECT "+handoffCols+
		" FROM handoffs h WHERE h.contact_id = $1 ORDER BY h.mql_at DESC, h.id DESC LIMIT 1", contactID))
}

// LastRecycledAt returns when the contact was last sent back to nurture
// (zero if never): scoring waits for engagement after it.
func (s *Store) LastRecycledAt(ctx context.Context, contactID int64) (time.Time, error) {
	var v sql.NullInt64
	err := s.r().QueryRowContext(ctx, "SELECT MAX(recycled_at) FROM handoffs WHERE contact_id = $1", contactID).Scan(&v)
	return fromNullMS(v), err
}

// DecideHandoff records an accept or a reject of a hand-off that is still
// new; it returns crm.ErrConflict when someone decided it already.
func (tx *Tx) DecideHandoff(ctx context.Context, h *crm.Handoff) error {
	res, err := tx.q().ExecContext(ctx, `UPDATE handoffs SET status = $1, accepted_at = $2, rejected_at = $3, reason_code = $4,
		reason_note = $5, outcome = $6, recycled_at = $7, first_touch_at = COALESCE(first_touch_at, $8), decided_by = $9,
		deal_id = $10 WHERE id = $11 AND status = 'new'`,
		string(h.Status), nullMS(h.AcceptedAt), nullMS(h.RejectedAt), string(h.ReasonCode), h.ReasonNote, h.Outcome,
		nullMS(h.RecycledAt), nullMS(h.FirstTouchAt), nullID(h.DecidedBy), nullID(h.DealID), h.ID)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return crm.ErrConflict
	}
	return nil
}

// SetHandoffDeal links the deal created from an accepted lead.
func (tx *Tx) SetHandoffDeal(ctx context.Context, id, dealID int64) error {
	_, err := tx.q().ExecContext(ctx, "UPDATE handoffs SET deal_id = $1 WHERE id = $2", nullID(dealID), id)
	return err
}

// SetLeadState writes the fields the hand-off owns on a contact: owner,
// lifecycle stage and lead status.
func (tx *Tx) SetLeadState(ctx context.Context, contactID, ownerID int64, stage crm.Lifecycle, status crm.LeadStatus, now time.Time) error {
	res, err := tx.q().ExecContext(ctx, `UPDATE contacts SET owner_id = $1, lifecycle_stage = $2, lead_status = $3,
		updated_at = $4, version = version + 1 WHERE id = $5`, nullID(ownerID), string(stage), string(status), ms(now), contactID)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return crm.ErrNotFound
	}
	return nil
}

// OverdueHandoffs returns new hand-offs whose clock ran out before now and
// that were not escalated yet, oldest first.
func (tx *Tx) OverdueHandoffs(ctx context.Context, now time.Time, limit int) ([]crm.Handoff, error) {
	rows, err := tx.q().QueryContext(ctx, "SELECT "+handoffCols+` FROM handoffs h
		WHERE h.status = 'new' AND h.due_at < $1 AND h.escalated_at IS NULL ORDER BY h.due_at, h.id LIMIT $2`, ms(now), limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []crm.Handoff
	for rows.Next() {
		h, err := scanHandoff(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, h)
	}
	return out, rows.Err()
}

// MarkEscalated flags a hand-off as escalated once; it reports false when
// another process did it first.
func (tx *Tx) MarkEscalated(ctx context.Context, id, to int64, now time.Time) (bool, error) {
	res, err := tx.q().ExecContext(ctx, `UPDATE handoffs SET escalated_at = $1, escalated_to = $2
		WHERE id = $3 AND escalated_at IS NULL AND status = 'new'`, ms(now), nullID(to), id)
	if err != nil {
		return false, err
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// LeadRow is a hand-off with what the Leads inbox shows of its contact.
type LeadRow struct {
	crm.Handoff
	Contact   crm.Contact
	OwnerName string
}

// LeadFilter selects hand-offs for the inbox and the API.
type LeadFilter struct {
	// Tab: new (open, clock running), overdue (open, clock ran out),
	// open (new and overdue), accepted, rejected; "" = all.
	Tab string
	Now time.Time
	// OwnerIDs / TeamIDs restrict to these owners or teams (either
	// matches); both empty = everybody's.
	OwnerIDs []int64
	TeamIDs  []int64
	AfterID  int64 // keyset cursor: newest first, so ids below this
	Limit    int
}

// Leads lists hand-offs with their contacts, newest first.
func (s *Store) Leads(ctx context.Context, f LeadFilter) ([]LeadRow, error) {
	var where []string
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return fmt.Sprintf("$%d", len(args))
	}
	switch f.Tab {
	case "new":
		where = append(where, "h.status = 'new' AND h.due_at >= "+arg(ms(f.Now)))
	case "overdue":
		where = append(where, "h.status = 'new' AND h.due_at < "+arg(ms(f.Now)))
	case "open":
		where = append(where, "h.status = 'new'")
	case "accepted", "rejected":
		where = append(where, "h.status = "+arg(f.Tab))
	}
	var who []string
	for _, id := range f.OwnerIDs {
		who = append(who, "h.owner_id = "+arg(id))
	}
	for _, id := range f.TeamIDs {
		who = append(who, "h.team_id = "+arg(id))
	}
	if len(who) > 0 {
		where = append(where, "("+strings.Join(who, " OR ")+")")
	}
	if f.AfterID > 0 {
		where = append(where, "h.id < "+arg(f.AfterID))
	}
	limit := f.Limit
	if limit <= 0 || limit > 500 {
		limit = 50
	}
	q := "SELECT " + handoffCols + ", " + contactCols + ", COALESCE(u.name, '') FROM handoffs h JOIN contacts c ON c.id = h.contact_id" +
		" LEFT JOIN companies co ON co.id = c.company_id LEFT JOIN users u ON u.id = h.owner_id"
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	q += fmt.Sprintf(" ORDER BY h.id DESC LIMIT %d", limit)
	rows, err := s.r().QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []LeadRow
	for rows.Next() {
		var l LeadRow
		var c crm.Contact
		var stage, status, source, consent, props string
		var created, updated int64
		h, err := scanHandoff(rows, &c.ID, &c.Email, &c.Family, &c.Given, &c.FamilyReading, &c.GivenReading, &c.Honorific,
			&c.Phone, &c.JobTitle, &c.Department, &c.CompanyID, &c.CompanyName, &c.OwnerID, &c.TeamID, &stage, &status,
			&source, &c.SourceDetail, &consent, &props, &created, &updated, &c.Version, &l.OwnerName)
		if err != nil {
			return nil, err
		}
		c.Lifecycle, c.LeadStatus, c.OriginalSource, c.Consent = crm.Lifecycle(stage), crm.LeadStatus(status), crm.Source(source), crm.Consent(consent)
		c.CreatedAt, c.UpdatedAt = fromMS(created), fromMS(updated)
		l.Handoff, l.Contact = h, c
		out = append(out, l)
	}
	return out, rows.Err()
}

// Visit is one page view of a contact.
type Visit struct {
	At          time.Time
	Host        string
	Path        string
	Title       string
	Referrer    string
	UTMSource   string
	UTMCampaign string
}

// VisitsBefore returns a contact's page views before a time, newest first.
func (s *Store) VisitsBefore(ctx context.Context, contactID int64, before time.Time, limit int) ([]Visit, error) {
	rows, err := s.r().QueryContext(ctx, `SELECT at, host, path, title, referrer_host, utm_source, utm_campaign FROM events
		WHERE contact_id = $1 AND kind = 'pageview' AND at <= $2 ORDER BY at DESC LIMIT $3`, contactID, ms(before), limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Visit
	for rows.Next() {
		var v Visit
		var at int64
		if err := rows.Scan(&at, &v.Host, &v.Path, &v.Title, &v.Referrer, &v.UTMSource, &v.UTMCampaign); err != nil {
			return nil, err
		}
		v.At = fromMS(at)
		out = append(out, v)
	}
	return out, rows.Err()
}

// FirstCampaign returns the UTM campaign of the contact's first tracked
// visit ("" when unknown).
func (tx *Tx) FirstCampaign(ctx context.Context, contactID int64) (string, error) {
	var c string
	err := tx.q().QueryRowContext(ctx, `SELECT first_utm_campaign FROM visitors WHERE contact_id = $1
		ORDER BY first_seen LIMIT 1`, contactID).Scan(&c)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return c, err
}

// ---- notifications ----

const notificationCols = `id, user_id, kind, text, data, link, COALESCE(contact_id, 0), created_at, read_at`

func scanNotification(sc interface{ Scan(...any) error }) (crm.Notification, error) {
	var n crm.Notification
	var data string
	var created int64
	var read sql.NullInt64
	err := sc.Scan(&n.ID, &n.UserID, &n.Kind, &n.Text, &data, &n.Link, &n.ContactID, &created, &read)
	if errors.Is(err, sql.ErrNoRows) {
		return n, crm.ErrNotFound
	}
	if err != nil {
		return n, err
	}
	n.CreatedAt, n.ReadAt = fromMS(created), fromNullMS(read)
	n.Data, err = parseProps(data)
	return n, err
}

// AddNotification puts an entry in a user's inbox.
func (tx *Tx) AddNotification(ctx context.Context, n *crm.Notification) error {
	data, err := propsJSON(n.Data)
	if err != nil {
		return err
	}
	return tx.q().QueryRowContext(ctx, `INSERT INTO notifications (user_id, kind, text, data, link, contact_id, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
		n.UserID, n.Kind, n.Text, data, n.Link, nullID(n.ContactID), ms(n.CreatedAt)).Scan(&n.ID)
}

// Notifications lists a user's inbox, newest first; beforeID pages.
func (s *Store) Notifications(ctx context.Context, userID int64, unreadOnly bool, beforeID int64, limit int) ([]crm.Notification, error) {
	if limit <= 0 || limit > 200 {
		limit = 50
	}
	q := "SELECT " + notificationCols + " FROM notifications WHERE user_id = $1"
	args := []any{userID}
	if beforeID > 0 {
		q += " AND id < $2"
		args = append(args, beforeID)
	}
	if unreadOnly {
		q += " AND read_at IS NULL"
	}
	rows, err := s.r().QueryContext(ctx, q+fmt.Sprintf(" ORDER BY id DESC LIMIT %d", limit), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []crm.Notification
	for rows.Next() {
		n, err := scanNotification(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	return out, rows.Err()
}

// UnreadNotifications counts a user's unread entries (the bell's badge).
func (s *Store) UnreadNotifications(ctx context.Context, userID int64) (int, error) {
	var n int
	err := s.r().QueryRowContext(ctx, "SELECT COUNT(*) FROM notifications WHERE user_id = $1 AND read_at IS NULL", userID).Scan(&n)
	return n, err
}

// MarkNotificationsRead marks one entry (id > 0) or all of a user's
// entries read; another user's entry is not found.
func (tx *Tx) MarkNotificationsRead(ctx context.Context, userID, id int64, now time.Time) error {
	if id == 0 {
		_, err := tx.q().ExecContext(ctx, "UPDATE notifications SET read_at = $1 WHERE user_id = $2 AND read_at IS NULL", ms(now), userID)
		return err
	}
	res, err := tx.q().ExecContext(ctx, "UPDATE notifications SET read_at = COALESCE(read_at, $1) WHERE user_id = $2 AND id = $3",
		ms(now), userID, id)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return crm.ErrNotFound
	}
	return nil
}

// ---- privacy ----

// HandoffsOf returns every hand-off of a contact (privacy export).
func (s *Store) HandoffsOf(ctx context.Context, contactID int64) ([]crm.Handoff, error) {
	rows, err := s.r().QueryContext(ctx, "SELECT "+handoffCols+" FROM handoffs h WHERE h.contact_id = $1 ORDER BY h.mql_at, h.id", contactID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []crm.Handoff
	for rows.Next() {
		h, err := scanHandoff(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, h)
	}
	return out, rows.Err()
}

// handoffMoveStmts move a contact's hand-offs and notifications on a merge
// (see MoveContactRecords).
var handoffMoveStmts = []string{
	"UPDATE handoffs SET contact_id = $2 WHERE contact_id = $1",
	"UPDATE notifications SET contact_id = $2 WHERE contact_id = $1",
}
