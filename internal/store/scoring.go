package store

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"renkei/internal/crm"
)

// ---- scoring rules ----

const ruleCols = `id, kind, name, condition, points, cap, active, position, created_at, updated_at, version`

func scanRule(sc interface{ Scan(...any) error }) (crm.ScoringRule, error) {
	var r crm.ScoringRule
	var kind, cond string
	var active int
	var created, updated int64
	err := sc.Scan(&r.ID, &kind, &r.Name, &cond, &r.Points, &r.Cap, &active, &r.Position, &created, &updated, &r.Version)
	if errors.Is(err, sql.ErrNoRows) {
		return r, crm.ErrNotFound
	}
	if err != nil {
		return r, err
	}
	r.Kind, r.Active = crm.RuleKind(kind), active != 0
	r.CreatedAt, r.UpdatedAt = fromMS(created), fromMS(updated)
	if err := json.Unmarshal([]byte(cond), &r.Condition); err != nil {
		return r, fmt.Errorf("scoring rule %d: %w", r.ID, err)
	}
	return r, nil
}

// ScoringRules lists the rules in display order (fit first).
func (s *Store) ScoringRules(ctx context.Context) ([]crm.ScoringRule, error) {
	return scoringRules(ctx, s.r())
}

// ScoringRules reads the rules inside a write transaction.
func (tx *Tx) ScoringRules(ctx context.Context) ([]crm.ScoringRule, error) {
	return scoringRules(ctx, tx.q())
}

func scoringRules(ctx context.Context, q querier) ([]crm.ScoringRule, error) {
	rows, err := q.QueryContext(ctx, "SELECT "+ruleCols+" FROM scoring_rules ORDER BY kind DESC, position, id")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []crm.ScoringRule
	for rows.Next() {
		r, err := scanRule(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// ScoringRule returns one rule.
func (s *Store) ScoringRule(ctx context.Context, id int64) (crm.ScoringRule, error) {
	return scanRule(s.r().QueryRowContext(ctx, "SELECT "+ruleCols+" FROM scoring_rules WHERE id = $1", id))
}

// CreateScoringRule inserts a validated rule.
func (tx *Tx) CreateScoringRule(ctx context.Context, r *crm.ScoringRule, now time.Time) error {
	cond, err := json.Marshal(r.Condition)
	if err != nil {
		return err
	}
	err = tx.q().QueryRowContext(ctx, `INSERT INTO scoring_rules (kind, name, condition, points, cap, active, position, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) RETURNING id, version`,
		string(r.Kind), r.Name, string(cond), r.Points, r.Cap, boolInt(r.Active), r.Position, ms(now)).Scan(&r.ID, &r.Version)
	if err != nil {
		return tx.s.d.mapError(err)
	}
	r.CreatedAt, r.UpdatedAt = now, now
	return nil
}

// UpdateScoringRule writes every field when the version matches.
func (tx *Tx) UpdateScoringRule(ctx context.Context, r *crm.ScoringRule, now time.Time) error {
	cond, err := json.Marshal(r.Condition)
	if err != nil {
		return err
	}
	res, err := tx.q().ExecContext(ctx, `UPDATE scoring_rules SET kind = $1, name = $2, condition = $3, points = $4, cap = $5,
		active = $6, position = $7, updated_at = $8, version = version + 1 WHERE id = $9 AND version = $10`,
		string(r.Kind), r.Name, string(cond), r.Points, r.Cap, boolInt(r.Active), r.Position, ms(now), r.ID, r.Version)
	if err != nil {
		return tx.s.d.mapError(err)
	}
	if err := staleOrMissing(ctx, tx, res, "scoring_rules", r.ID); err != nil {
		return err
	}
	r.Version++
	r.UpdatedAt = now
	return nil
}

// DeleteScoringRule removes a rule and the points it gave.
func (tx *Tx) DeleteScoringRule(ctx context.Context, id int64) error {
	res, err := tx.q().ExecContext(ctx, "DELETE FROM scoring_rules WHERE id = $1", id)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return crm.ErrNotFound
	}
	return nil
}

// ---- scores ----

// ContactScore is a contact's stored scores. Engagement is the worth at
// EngagementAt; decay it to the reading time (crm.Decay).
type ContactScore struct {
	ContactID    int64
	Fit          int
	Engagement   float64
	EngagementAt time.Time
	EventsN      int
	LastEventAt  time.Time
	RecycledAt   time.Time
	UpdatedAt    time.Time
}

// ScorePoint is one rule's points for one contact.
type ScorePoint struct {
	crm.RulePoints
	ContactID int64
}

const scoreCols = `contact_id, fit, engagement, engagement_at, events_n, last_event_at, recycled_at, updated_at`

func scanScore(sc interface{ Scan(...any) error }) (ContactScore, error) {
	var c ContactScore
	var eat, last, rec, upd int64
	err := sc.Scan(&c.ContactID, &c.Fit, &c.Engagement, &eat, &c.EventsN, &last, &rec, &upd)
	if errors.Is(err, sql.ErrNoRows) {
		return c, crm.ErrNotFound
	}
	c.EngagementAt, c.LastEventAt, c.RecycledAt, c.UpdatedAt = fromMS(eat), fromMS(last), fromMS(rec), fromMS(upd)
	return c, err
}

// ContactScore returns a contact's stored scores (crm.ErrNotFound when it
// was never scored).
func (s *Store) ContactScore(ctx context.Context, contactID int64) (ContactScore, error) {
	return scanScore(s.r().QueryRowContext(ctx, "SELECT "+scoreCols+" FROM contact_scores WHERE contact_id = $1", contactID))
}

// ContactScores returns the stored scores of several contacts by id.
func (s *Store) ContactScores(ctx context.Context, ids []int64) (map[int64]ContactScore, error) {
	out := map[int64]ContactScore{}
	if len(ids) == 0 {
		return out, nil
	}
	rows, err := s.r().QueryContext(ctx, "SELECT "+scoreCols+" FROM contact_scores WHERE contact_id IN ("+idList(ids)+")")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		c, err := scanScore(rows)
		if err != nil {
			return nil, err
		}
		out[c.ContactID] = c
	}
	return out, rows.Err()
}

// ScorePoints lists a contact's points, rule by rule.
func (s *Store) ScorePoints(ctx context.Context, contactID int64) ([]ScorePoint, error) {
	rows, err := s.r().QueryContext(ctx, `SELECT contact_id, rule_id, value, raw, count, cap_reached, last_at
		FROM score_points WHERE contact_id = $1 ORDER BY rule_id`, contactID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []ScorePoint
	for rows.Next() {
		var p ScorePoint
		var capped int
		var last int64
		if err := rows.Scan(&p.ContactID, &p.RuleID, &p.Value, &p.Raw, &p.Count, &capped, &last); err != nil {
			return nil, err
		}
		p.CapReached, p.LastAt = capped != 0, fromMS(last)
		out = append(out, p)
	}
	return out, rows.Err()
}

// ScoreInputs is everything scoring reads about a batch of contacts.
type ScoreInputs struct {
	Contacts  map[int64]crm.Contact
	Companies map[int64]crm.Company
	Events    map[int64][]crm.ScoreEvent // by contact, in time order
	Scores    map[int64]ContactScore
}

// scoredKinds are the event kinds engagement rules can match.
const scoredKinds = `'pageview', 'event', 'form', 'email_open', 'email_click', 'survey'`

// ReadScoreInputs reads contacts with their tags, companies, stored scores
// and engagement events at or after since (the newest maxEvents per contact
// at most), in a few queries for the whole batch.
func (s *Store) ReadScoreInputs(ctx context.Context, ids []int64, since time.Time, maxEvents int) (ScoreInputs, error) {
	in := ScoreInputs{Contacts: map[int64]crm.Contact{}, Companies: map[int64]crm.Company{},
		Events: map[int64][]crm.ScoreEvent{}, Scores: map[int64]ContactScore{}}
	if len(ids) == 0 {
		return in, nil
	}
	list := idList(ids)
	rows, err := s.r().QueryContext(ctx, "SELECT "+contactCols+contactFrom+" WHERE c.id IN ("+list+")")
	if err != nil {
		return in, err
	}
	var companyIDs []int64
	for rows.Next() {
		c, err := scanContact(rows)
		if err != nil {
			rows.Close()
			return in, err
		}
		in.Contacts[c.ID] = c
		if c.CompanyID != 0 {
			companyIDs = append(companyIDs, c.CompanyID)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return in, err
	}
	tags, err := s.tagsOf(ctx, s.r(), ids)
	if err != nil {
		return in, err
	}
	for id, t := range tags {
		c := in.Contacts[id]
		c.Tags = t
		in.Contacts[id] = c
	}
	if len(companyIDs) > 0 {
		rows, err := s.r().QueryContext(ctx, "SELECT "+companyCols+" FROM companies WHERE id IN ("+idList(companyIDs)+")")
		if err != nil {
			return in, err
		}
		for rows.Next() {
			co, err := scanCompany(rows)
			if err != nil {
				rows.Close()
				return in, err
			}
			in.Companies[co.ID] = co
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return in, err
		}
	}
	if in.Scores, err = s.ContactScores(ctx, ids); err != nil {
		return in, err
	}
	return in, s.readScoreEvents(ctx, ids, since, maxEvents, in.Events)
}

func (s *Store) readScoreEvents(ctx context.Context, ids []int64, since time.Time, maxEvents int, out map[int64][]crm.ScoreEvent) error {
	// One query for the batch; the window bounds every contact's history
	// on its own (the newest maxEvents), as one query per contact on the
	// (contact_id, at) index would, without a round trip per contact.
	rows, err := s.r().QueryContext(ctx, `SELECT contact_id, at, kind, name, path FROM (
			SELECT contact_id, at, kind, name, path,
				ROW_NUMBER() OVER (PARTITION BY contact_id ORDER BY at DESC) AS rn
			FROM events WHERE contact_id IN (`+idList(ids)+`) AND at >= $1 AND kind IN (`+scoredKinds+`)
		) e WHERE rn <= `+fmt.Sprint(maxEvents)+` ORDER BY contact_id, at`, ms(since))
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var e crm.ScoreEvent
		var id, at int64
		if err := rows.Scan(&id, &at, &e.Kind, &e.Name, &e.Path); err != nil {
			return err
		}
		e.At = fromMS(at)
		out[id] = append(out[id], e)
	}
	return rows.Err()
}

// ScoreWrite is one contact's new scores and points.
type ScoreWrite struct {
	Score  ContactScore
	Points []crm.RulePoints
	// New says the contact had no stored score, so it has no points to
	// delete either (the score row is always written with them).
	New bool
}

// Analyze refreshes PostgreSQL's statistics of tables that grew from
// nothing, such as the scores of freshly generated data: until autovacuum
// gets to them, the planner takes a lookup of 200 contacts' points for
// most of the table and scans it. SQLite's plans here do not use
// statistics; it does nothing there.
func (s *Store) Analyze(ctx context.Context, tables ...string) error {
	if s.d != postgres {
		return nil
	}
	for _, t := range tables {
		if _, err := s.write.ExecContext(ctx, "ANALYZE "+t); err != nil {
			return fmt.Errorf("analyze %s: %w", t, err)
		}
	}
	return nil
}

// PutScore replaces a contact's scores and points.
func (tx *Tx) PutScore(ctx context.Context, w ScoreWrite) error {
	return tx.PutScores(ctx, []ScoreWrite{w})
}

// scoreRowsPerStatement bounds the rows of one multi-row statement (8 or 7
// parameters each: well within both databases' limits).
const scoreRowsPerStatement = 500

// PutScores replaces the scores and points of several contacts with a few
// statements rather than three per contact. The score rows are upserted
// first and in contact order, so that on PostgreSQL two rescorings of the
// same contacts queue behind the same row locks in the same order rather
// than trip over each other's points (or deadlock).
func (tx *Tx) PutScores(ctx context.Context, ws []ScoreWrite) error {
	if len(ws) == 0 {
		return nil
	}
	ws = slices.Clone(ws)
	slices.SortFunc(ws, func(a, b ScoreWrite) int { return cmp.Compare(a.Score.ContactID, b.Score.ContactID) })
	var ids []int64 // contacts whose old points go
	for _, w := range ws {
		if !w.New {
			ids = append(ids, w.Score.ContactID)
		}
	}
	for chunk := range slices.Chunk(ws, scoreRowsPerStatement) {
		args := make([]any, 0, 8*len(chunk))
		for _, w := range chunk {
			sc := w.Score
			args = append(args, sc.ContactID, sc.Fit, sc.Engagement, ms(sc.EngagementAt), sc.EventsN, ms(sc.LastEventAt), ms(sc.RecycledAt), ms(sc.UpdatedAt))
		}
		_, err := tx.q().ExecContext(ctx, `INSERT INTO contact_scores (contact_id, fit, engagement, engagement_at, events_n,
			last_event_at, recycled_at, updated_at) VALUES `+tx.s.d.values(len(chunk), 8)+`
			ON CONFLICT (contact_id) DO UPDATE SET fit = excluded.fit, engagement = excluded.engagement,
			engagement_at = excluded.engagement_at, events_n = excluded.events_n, last_event_at = excluded.last_event_at,
			recycled_at = excluded.recycled_at, updated_at = excluded.updated_at`, args...)
		if err != nil {
			return tx.s.d.mapError(err)
		}
	}
	if len(ids) > 0 {
		if _, err := tx.q().ExecContext(ctx, "DELETE FROM score_points WHERE contact_id IN ("+idList(ids)+")"); err != nil {
			return err
		}
	}
	var args []any
	flush := func() error {
		if len(args) == 0 {
			return nil
		}
		// A contact first scored by two transactions at once (New in
		// both): the second finds the first's points and replaces them.
		_, err := tx.q().ExecContext(ctx, `INSERT INTO score_points (contact_id, rule_id, value, raw, count, cap_reached, last_at)
			VALUES `+tx.s.d.values(len(args)/7, 7)+`
			ON CONFLICT (contact_id, rule_id) DO UPDATE SET value = excluded.value, raw = excluded.raw,
			count = excluded.count, cap_reached = excluded.cap_reached, last_at = excluded.last_at`, args...)
		args = args[:0]
		return tx.s.d.mapError(err)
	}
	for _, w := range ws {
		for _, p := range w.Points {
			args = append(args, w.Score.ContactID, p.RuleID, p.Value, p.Raw, p.Count, boolInt(p.CapReached), ms(p.LastAt))
			if len(args) == 7*scoreRowsPerStatement {
				if err := flush(); err != nil {
					return err
				}
			}
		}
	}
	return flush()
}

// MoveContactStage moves a contact from one lifecycle stage to another,
// only if it is still in from (a concurrent change wins). ok reports
// whether it moved.
func (tx *Tx) MoveContactStage(ctx context.Context, id int64, from, to crm.Lifecycle, now time.Time) (bool, error) {
	res, err := tx.q().ExecContext(ctx, `UPDATE contacts SET lifecycle_stage = $1, updated_at = $2, version = version + 1
		WHERE id = $3 AND lifecycle_stage = $4`, string(to), ms(now), id, string(from))
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// ContactIDsAfter returns up to n contact ids greater than after, in order:
// the rescore-all job walks the contacts with it.
func (s *Store) ContactIDsAfter(ctx context.Context, after int64, n int) ([]int64, error) {
	rows, err := s.r().QueryContext(ctx, "SELECT id FROM contacts WHERE id > $1 ORDER BY id LIMIT "+fmt.Sprint(n), after)
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

// ScoringContactCount returns the number of contacts.
func (s *Store) ScoringContactCount(ctx context.Context) (int, error) {
	var n int
	err := s.r().QueryRowContext(ctx, "SELECT COUNT(*) FROM contacts").Scan(&n)
	return n, err
}

// QueuedJob returns the id of a queued (not yet running) job of a kind, or
// 0 when there is none.
func (s *Store) QueuedJob(ctx context.Context, kind string) (int64, error) {
	var id int64
	err := s.r().QueryRowContext(ctx, "SELECT id FROM jobs WHERE kind = $1 AND status = 'queued' ORDER BY id LIMIT 1", kind).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	return id, err
}

// LatestJob returns the newest job of a kind (crm.ErrNotFound when none).
func (s *Store) LatestJob(ctx context.Context, kind string) (Job, error) {
	return scanJob(s.r().QueryRowContext(ctx, "SELECT "+jobCols+" FROM jobs WHERE kind = $1 ORDER BY id DESC LIMIT 1", kind))
}
