package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"renkei/internal/crm"
)

// ---- pipelines and stages ----

func splitList(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ",")
}

func (s *Store) pipelines(ctx context.Context, q querier, where string, args ...any) ([]crm.Pipeline, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, name_ja, name_en, position, is_default, created_at, updated_at, version
		FROM pipelines `+where+` ORDER BY position, id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []crm.Pipeline
	byID := map[int64]int{}
	for rows.Next() {
		var p crm.Pipeline
		var def int
		var created, updated int64
		if err := rows.Scan(&p.ID, &p.NameJA, &p.NameEN, &p.Position, &def, &created, &updated, &p.Version); err != nil {
			return nil, err
		}
		p.IsDefault, p.CreatedAt, p.UpdatedAt = def == 1, fromMS(created), fromMS(updated)
		byID[p.ID] = len(out)
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows.Close()
	if len(out) == 0 {
		return out, nil
	}
	srows, err := q.QueryContext(ctx, `SELECT id, pipeline_id, name_ja, name_en, kind, probability, position, required_fields, version
		FROM pipeline_stages ORDER BY pipeline_id, position, id`)
	if err != nil {
		return nil, err
	}
	defer srows.Close()
	for srows.Next() {
		var st crm.Stage
		var req string
		if err := srows.Scan(&st.ID, &st.PipelineID, &st.NameJA, &st.NameEN, &st.Kind, &st.Probability, &st.Position, &req, &st.Version); err != nil {
			return nil, err
		}
		st.Required = splitList(req)
		if i, ok := byID[st.PipelineID]; ok {
			out[i].Stages = append(out[i].Stages, st)
		}
	}
	return out, srows.Err()
}

// Pipelines lists every pipeline with its stages, in order.
func (s *Store) Pipelines(ctx context.Context) ([]crm.Pipeline, error) {
	return s.pipelines(ctx, s.r(), "")
}

// Pipeline returns one pipeline with its stages.
func (s *Store) Pipeline(ctx context.Context, id int64) (crm.Pipeline, error) {
	ps, err := s.pipelines(ctx, s.r(), "WHERE id = $1", id)
	if err != nil {
		return crm.Pipeline{}, err
	}
	if len(ps) == 0 {
		return crm.Pipeline{}, crm.ErrNotFound
	}
	return ps[0], nil
}

// Pipeline reads a pipeline inside a write transaction.
func (tx *Tx) Pipeline(ctx context.Context, id int64) (crm.Pipeline, error) {
	ps, err := tx.s.pipelines(ctx, tx.q(), "WHERE id = $1", id)
	if err != nil {
		return crm.Pipeline{}, err
	}
	if len(ps) == 0 {
		return crm.Pipeline{}, crm.ErrNotFound
	}
	return ps[0], nil
}

// DefaultPipeline returns the pipeline new deals go to (the first one when
// none is marked).
func (tx *Tx) DefaultPipeline(ctx context.Context) (crm.Pipeline, error) {
	ps, err := tx.s.pipelines(ctx, tx.q(), "")
	if err != nil {
		return crm.Pipeline{}, err
	}
	for _, p := range ps {
		if p.IsDefault {
			return p, nil
		}
	}
	if len(ps) == 0 {
		return crm.Pipeline{}, crm.ErrNotFound
	}
	return ps[0], nil
}

// CreatePipeline inserts a pipeline (without stages).
func (tx *Tx) CreatePipeline(ctx context.Context, p *crm.Pipeline, now time.Time) error {
	err := tx.q().QueryRowContext(ctx, `INSERT INTO pipelines (name_ja, name_en, position, is_default, created_at, updated_at)
		VALUES ($1, $2, (SELECT COALESCE(MAX(position), -1) + 1 FROM pipelines), 0, $3, $3) RETURNING id, position, version`,
		p.NameJA, p.NameEN, ms(now)).Scan(&p.ID, &p.Position, &p.Version)
	p.CreatedAt, p.UpdatedAt = now, now
	return tx.s.d.mapError(err)
}

// UpdatePipeline renames a pipeline when the version matches.
func (tx *Tx) UpdatePipeline(ctx context.Context, p *crm.Pipeline, now time.Time) error {
	res, err := tx.q().ExecContext(ctx, `UPDATE pipelines SET name_ja = $1, name_en = $2, updated_at = $3, version = version + 1
		WHERE id = $4 AND version = $5`, p.NameJA, p.NameEN, ms(now), p.ID, p.Version)
	if err != nil {
		return err
	}
	if err := staleOrMissing(ctx, tx, res, "pipelines", p.ID); err != nil {
		return err
	}
	p.Version++
	return nil
}

// SaveStage inserts a stage (ID 0) or updates it.
func (tx *Tx) SaveStage(ctx context.Context, st *crm.Stage) error {
	req := strings.Join(st.Required, ",")
	if st.ID == 0 {
		return tx.q().QueryRowContext(ctx, `INSERT INTO pipeline_stages (pipeline_id, name_ja, name_en, kind, probability, position, required_fields)
			VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id, version`,
			st.PipelineID, st.NameJA, st.NameEN, st.Kind, st.Probability, st.Position, req).Scan(&st.ID, &st.Version)
	}
	res, err := tx.q().ExecContext(ctx, `UPDATE pipeline_stages SET name_ja = $1, name_en = $2, kind = $3, probability = $4,
		position = $5, required_fields = $6, version = version + 1 WHERE id = $7 AND pipeline_id = $8`,
		st.NameJA, st.NameEN, st.Kind, st.Probability, st.Position, req, st.ID, st.PipelineID)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return crm.ErrNotFound
	}
	st.Version++
	return nil
}

// StageDealCount counts the deals in a stage (a stage with deals cannot be
// deleted).
func (tx *Tx) StageDealCount(ctx context.Context, stageID int64) (int, error) {
	var n int
	err := tx.q().QueryRowContext(ctx, "SELECT COUNT(*) FROM deals WHERE stage_id = $1", stageID).Scan(&n)
	return n, err
}

// DeleteStage removes a stage and its history rows.
func (tx *Tx) DeleteStage(ctx context.Context, id int64) error {
	if _, err := tx.q().ExecContext(ctx, "DELETE FROM deal_stage_history WHERE stage_id = $1", id); err != nil {
		return err
	}
	res, err := tx.q().ExecContext(ctx, "DELETE FROM pipeline_stages WHERE id = $1", id)
	if err != nil {
		return tx.s.d.mapError(err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return crm.ErrNotFound
	}
	return nil
}

// Stage returns one stage.
func (s *Store) Stage(ctx context.Context, id int64) (crm.Stage, error) {
	var st crm.Stage
	var req string
	err := s.r().QueryRowContext(ctx, `SELECT id, pipeline_id, name_ja, name_en, kind, probability, position, required_fields, version
		FROM pipeline_stages WHERE id = $1`, id).Scan(&st.ID, &st.PipelineID, &st.NameJA, &st.NameEN, &st.Kind, &st.Probability,
		&st.Position, &req, &st.Version)
	if errors.Is(err, sql.ErrNoRows) {
		return st, crm.ErrNotFound
	}
	st.Required = splitList(req)
	return st, err
}

// ---- competitors ----

// Competitors lists the named competitors by name.
func (s *Store) Competitors(ctx context.Context) ([]crm.Competitor, error) {
	rows, err := s.r().QueryContext(ctx, "SELECT "+competitorCols+" FROM competitors ORDER BY name, id")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []crm.Competitor
	for rows.Next() {
		c, err := scanCompetitor(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// CreateCompetitor inserts a competitor; a name in use is ErrConflict.
func (tx *Tx) CreateCompetitor(ctx context.Context, c *crm.Competitor, now time.Time) error {
	err := tx.q().QueryRowContext(ctx, `INSERT INTO competitors (name, website, notes, strengths, weaknesses,
		talk_track, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING id`,
		c.Name, c.Website, c.Notes, c.Strengths, c.Weaknesses, c.TalkTrack, ms(now)).Scan(&c.ID)
	c.CreatedAt, c.UpdatedAt = now, now
	return tx.s.d.mapError(err)
}

// CompetitorExists reports whether a competitor id exists.
func (tx *Tx) CompetitorExists(ctx context.Context, id int64) (bool, error) {
	return competitorExists(ctx, tx.q(), id)
}

// CompetitorExists reports whether a competitor id exists.
func (s *Store) CompetitorExists(ctx context.Context, id int64) (bool, error) {
	return competitorExists(ctx, s.r(), id)
}

func competitorExists(ctx context.Context, q querier, id int64) (bool, error) {
	var one int
	err := q.QueryRowContext(ctx, "SELECT 1 FROM competitors WHERE id = $1", id).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return err == nil, err
}

// ---- deals ----

const dealCols = `d.id, d.name, d.pipeline_id, d.stage_id, d.amount, d.currency, d.close_date, COALESCE(d.owner_id, 0),
	COALESCE(d.team_id, 0), COALESCE(d.company_id, 0), COALESCE(co.name, ''), COALESCE(d.contact_id, 0), d.source,
	d.source_group, d.next_step, d.next_step_date, d.bant_budget, d.bant_authority, d.bant_need, d.bant_timeline,
	d.notes, d.lost_reason, COALESCE(d.lost_to_id, 0), d.won_at, d.closed_at, d.stage_entered_at, d.created_at,
	d.updated_at, d.version, d.forecast_category`

const dealFrom = ` FROM deals d LEFT JOIN companies co ON co.id = d.company_id `

func scanDeal(sc interface{ Scan(...any) error }) (crm.Deal, error) {
	var d crm.Deal
	var won, closed sql.NullInt64
	var entered, created, updated int64
	err := sc.Scan(&d.ID, &d.Name, &d.PipelineID, &d.StageID, &d.Amount, &d.Currency, &d.CloseDate, &d.OwnerID,
		&d.TeamID, &d.CompanyID, &d.CompanyName, &d.ContactID, &d.Source, &d.SourceGroup, &d.NextStep, &d.NextStepDate,
		&d.Budget, &d.Authority, &d.Need, &d.Timeline, &d.Notes, &d.LostReason, &d.LostToID, &won, &closed,
		&entered, &created, &updated, &d.Version, &d.Forecast)
	if errors.Is(err, sql.ErrNoRows) {
		return d, crm.ErrNotFound
	}
	d.WonAt, d.ClosedAt = fromNullMS(won), fromNullMS(closed)
	d.StageEntered, d.CreatedAt, d.UpdatedAt = fromMS(entered), fromMS(created), fromMS(updated)
	return d, err
}

func (s *Store) deal(ctx context.Context, q querier, id int64) (crm.Deal, error) {
	d, err := scanDeal(q.QueryRowContext(ctx, "SELECT "+dealCols+dealFrom+"WHERE d.id = $1", id))
	if err != nil {
		return d, err
	}
	if d.Contacts, err = s.dealContacts(ctx, q, id); err != nil {
		return d, err
	}
	d.Competitors, err = s.dealCompetitors(ctx, q, id)
	return d, err
}

// Deal returns one deal with its contacts and competitors.
func (s *Store) Deal(ctx context.Context, id int64) (crm.Deal, error) { return s.deal(ctx, s.r(), id) }

// Deal reads a deal inside a write transaction.
func (tx *Tx) Deal(ctx context.Context, id int64) (crm.Deal, error) {
	return tx.s.deal(ctx, tx.q(), id)
}

func (s *Store) dealContacts(ctx context.Context, q querier, id int64) ([]crm.DealContact, error) {
	rows, err := q.QueryContext(ctx, `SELECT dc.contact_id, dc.role, c.family_name, c.given_name, COALESCE(c.email, '')
		FROM deal_contacts dc JOIN contacts c ON c.id = dc.contact_id WHERE dc.deal_id = $1 ORDER BY dc.contact_id`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []crm.DealContact
	for rows.Next() {
		var dc crm.DealContact
		var fam, given string
		if err := rows.Scan(&dc.ContactID, &dc.Role, &fam, &given, &dc.Email); err != nil {
			return nil, err
		}
		dc.Name = strings.TrimSpace(fam + " " + given)
		out = append(out, dc)
	}
	return out, rows.Err()
}

func (s *Store) dealCompetitors(ctx context.Context, q querier, id int64) ([]int64, error) {
	rows, err := q.QueryContext(ctx, "SELECT competitor_id FROM deal_competitors WHERE deal_id = $1 ORDER BY competitor_id", id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var c int64
		if err := rows.Scan(&c); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

func dealArgs(d *crm.Deal) []any {
	return []any{d.Name, d.PipelineID, d.StageID, d.Amount, d.Currency, d.CloseDate, nullID(d.OwnerID), nullID(d.TeamID),
		nullID(d.CompanyID), nullID(d.ContactID), string(d.Source), d.SourceGroup, d.NextStep, d.NextStepDate, d.Budget,
		d.Authority, d.Need, d.Timeline, d.Notes, d.LostReason, nullID(d.LostToID), nullMS(d.WonAt), nullMS(d.ClosedAt),
		ms(d.StageEntered), string(d.Forecast)}
}

// CreateDeal inserts a deal with its contacts and competitors.
func (tx *Tx) CreateDeal(ctx context.Context, d *crm.Deal, now time.Time) error {
	err := tx.q().QueryRowContext(ctx, `INSERT INTO deals (name, pipeline_id, stage_id, amount, currency, close_date,
		owner_id, team_id, company_id, contact_id, source, source_group, next_step, next_step_date, bant_budget,
		bant_authority, bant_need, bant_timeline, notes, lost_reason, lost_to_id, won_at, closed_at, stage_entered_at,
		forecast_category, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14,
		$15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25, $26, $26) RETURNING id, version`, append(dealArgs(d), ms(now))...).Scan(&d.ID, &d.Version)
	if err != nil {
		return tx.s.d.mapError(err)
	}
	d.CreatedAt, d.UpdatedAt = now, now
	return tx.setDealLinks(ctx, d)
}

// UpdateDeal writes every field when the version matches.
func (tx *Tx) UpdateDeal(ctx context.Context, d *crm.Deal, now time.Time) error {
	args := append(dealArgs(d), ms(now), d.ID, d.Version)
	res, err := tx.q().ExecContext(ctx, `UPDATE deals SET name = $1, pipeline_id = $2, stage_id = $3, amount = $4,
		currency = $5, close_date = $6, owner_id = $7, team_id = $8, company_id = $9, contact_id = $10, source = $11,
		source_group = $12, next_step = $13, next_step_date = $14, bant_budget = $15, bant_authority = $16,
		bant_need = $17, bant_timeline = $18, notes = $19, lost_reason = $20, lost_to_id = $21, won_at = $22,
		closed_at = $23, stage_entered_at = $24, forecast_category = $25, updated_at = $26, version = version + 1
		WHERE id = $27 AND version = $28`, args...)
	if err != nil {
		return tx.s.d.mapError(err)
	}
	if err := staleOrMissing(ctx, tx, res, "deals", d.ID); err != nil {
		return err
	}
	d.Version++
	d.UpdatedAt = now
	return tx.setDealLinks(ctx, d)
}

// MoveDeal changes only the stage and the closing fields of a deal when the
// version matches: the short write of a drag on the board.
func (tx *Tx) MoveDeal(ctx context.Context, d *crm.Deal, now time.Time) error {
	res, err := tx.q().ExecContext(ctx, `UPDATE deals SET stage_id = $1, stage_entered_at = $2, won_at = $3, closed_at = $4,
		lost_reason = $5, lost_to_id = $6, updated_at = $2, version = version + 1 WHERE id = $7 AND version = $8`,
		d.StageID, ms(d.StageEntered), nullMS(d.WonAt), nullMS(d.ClosedAt), d.LostReason, nullID(d.LostToID), d.ID, d.Version)
	if err != nil {
		return tx.s.d.mapError(err)
	}
	if err := staleOrMissing(ctx, tx, res, "deals", d.ID); err != nil {
		return err
	}
	d.Version++
	d.UpdatedAt = now
	return nil
}

func (tx *Tx) setDealLinks(ctx context.Context, d *crm.Deal) error {
	if _, err := tx.q().ExecContext(ctx, "DELETE FROM deal_contacts WHERE deal_id = $1", d.ID); err != nil {
		return err
	}
	for _, c := range d.Contacts {
		if _, err := tx.q().ExecContext(ctx, "INSERT INTO deal_contacts (deal_id, contact_id, role) VALUES ($1, $2, $3)",
			d.ID, c.ContactID, c.Role); err != nil {
			return tx.s.d.mapError(err)
		}
	}
	if _, err := tx.q().ExecContext(ctx, "DELETE FROM deal_competitors WHERE deal_id = $1", d.ID); err != nil {
		return err
	}
	for _, c := range d.Competitors {
		if _, err := tx.q().ExecContext(ctx, "INSERT INTO deal_competitors (deal_id, competitor_id) VALUES ($1, $2)",
			d.ID, c); err != nil {
			return tx.s.d.mapError(err)
		}
	}
	return nil
}

// DeleteDeal removes a deal; its contacts, competitors and history go with it.
func (tx *Tx) DeleteDeal(ctx context.Context, id int64) error {
	res, err := tx.q().ExecContext(ctx, "DELETE FROM deals WHERE id = $1", id)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return crm.ErrNotFound
	}
	return nil
}

// StageChange is one row of a deal's stage history.
type StageChange struct {
	ID          int64
	DealID      int64
	FromStageID int64
	StageID     int64
	At          time.Time
	EnteredAt   time.Time // when the deal entered FromStageID (zero on a deal's first row)
	ActorID     int64
	ActorName   string
	// Duration is how long the deal stayed (or has stayed so far) in StageID.
	Duration time.Duration
	Current  bool
}

// AddStageChange appends a history row.
func (tx *Tx) AddStageChange(ctx context.Context, c *StageChange) error {
	var entered any
	if c.FromStageID != 0 && !c.EnteredAt.IsZero() {
		entered = ms(c.EnteredAt)
	}
	return tx.q().QueryRowContext(ctx, `INSERT INTO deal_stage_history (deal_id, from_stage_id, stage_id, at, actor_id, entered_at)
		VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`, c.DealID, nullID(c.FromStageID), c.StageID, ms(c.At), nullID(c.ActorID), entered).Scan(&c.ID)
}

// StageHistory lists a deal's stage changes oldest first, each with the
// time spent in the stage it entered (until now for the last one).
func (s *Store) StageHistory(ctx context.Context, dealID int64, now time.Time) ([]StageChange, error) {
	rows, err := s.r().QueryContext(ctx, `SELECT h.id, h.deal_id, COALESCE(h.from_stage_id, 0), h.stage_id, h.at,
		COALESCE(h.actor_id, 0), COALESCE(u.name, '') FROM deal_stage_history h LEFT JOIN users u ON u.id = h.actor_id
		WHERE h.deal_id = $1 ORDER BY h.at, h.id`, dealID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []StageChange
	for rows.Next() {
		var c StageChange
		var at int64
		if err := rows.Scan(&c.ID, &c.DealID, &c.FromStageID, &c.StageID, &at, &c.ActorID, &c.ActorName); err != nil {
			return nil, err
		}
		c.At = fromMS(at)
		out = append(out, c)
	}
	for i := range out {
		if i+1 < len(out) {
			out[i].Duration = out[i+1].At.Sub(out[i].At)
		} else {
			out[i].Duration, out[i].Current = now.Sub(out[i].At), true
		}
	}
	return out, rows.Err()
}

// ---- lists and the board ----

// DealQuery selects deals for the list, the board and the API.
type DealQuery struct {
	PipelineID  int64
	StageIDs    []int64
	OwnerID     int64 // -1 = no owner
	TeamID      int64
	CompanyID   int64
	ContactID   int64 // deals the contact is on
	SourceGroup string
	// CloseFrom and CloseBefore bound the expected close date (YYYY-MM-DD,
	// CloseBefore exclusive): a close month is [first day, first of next).
	CloseFrom   string
	CloseBefore string
	// WonFrom and WonBefore bound the won time ([WonFrom, WonBefore)):
	// the deals won in a period (targets' drill-down).
	WonFrom   time.Time
	WonBefore time.Time
	// The sales dashboard's drill-down: deals closed (won or lost) in
	// [ClosedFrom, ClosedBefore), lost for LostReason or to LostToID, and
	// deals that left LeftStageID in [LeftFrom, LeftBefore) (a zero bound
	// is open).
	ClosedFrom, ClosedBefore time.Time
	LostReason               string
	LostToID                 int64
	// CompetitorID selects the deals that named a competitor: as one they
	// meet (deal_competitors) or as the one a lost deal went to.
	CompetitorID         int64
	LeftStageID          int64
	LeftFrom, LeftBefore time.Time
	Status               string // open, won, lost or "" for all
	Sort                 string // "" (newest first), amount, close_date, name, updated
	AfterID              int64  // keyset cursor for the default order
	Offset               int    // for the other orders
	Limit                int
	Viewer               crm.Viewer
	Visibility           crm.Visibility
}

// visibleDeals is visibleContacts for deals (alias d).
func visibleDeals(args *[]any, v crm.Viewer, mode crm.Visibility) string {
	return strings.ReplaceAll(visibleContacts(args, v, mode), "c.", "d.")
}

func (q DealQuery) where(args *[]any) string {
	add := func(x any) string {
		*args = append(*args, x)
		return fmt.Sprintf("$%d", len(*args))
	}
	var w []string
	if q.PipelineID != 0 {
		w = append(w, "d.pipeline_id = "+add(q.PipelineID))
	}
	if len(q.StageIDs) > 0 {
		ph := make([]string, len(q.StageIDs))
		for i, id := range q.StageIDs {
			ph[i] = add(id)
		}
		w = append(w, "d.stage_id IN ("+strings.Join(ph, ", ")+")")
	}
	switch {
	case q.OwnerID < 0:
		w = append(w, "d.owner_id IS NULL")
	case q.OwnerID > 0:
		w = append(w, "d.owner_id = "+add(q.OwnerID))
	}
	if q.TeamID != 0 {
		w = append(w, "d.team_id = "+add(q.TeamID))
	}
	if q.CompanyID != 0 {
		w = append(w, "d.company_id = "+add(q.CompanyID))
	}
	if q.ContactID != 0 {
		p := add(q.ContactID)
		w = append(w, "(d.contact_id = "+p+" OR d.id IN (SELECT deal_id FROM deal_contacts WHERE contact_id = "+p+"))")
	}
	if q.SourceGroup != "" {
		w = append(w, "d.source_group = "+add(q.SourceGroup))
	}
	if q.CloseFrom != "" {
		w = append(w, "d.close_date >= "+add(q.CloseFrom))
	}
	if q.CloseBefore != "" {
		w = append(w, "d.close_date < "+add(q.CloseBefore)+" AND d.close_date <> ''")
	}
	if !q.WonFrom.IsZero() {
		w = append(w, "d.won_at >= "+add(ms(q.WonFrom)))
	}
	if !q.WonBefore.IsZero() {
		w = append(w, "d.won_at < "+add(ms(q.WonBefore)))
	}
	if !q.ClosedFrom.IsZero() {
		w = append(w, "d.closed_at >= "+add(ms(q.ClosedFrom)))
	}
	if !q.ClosedBefore.IsZero() {
		w = append(w, "d.closed_at < "+add(ms(q.ClosedBefore)))
	}
	if q.LostReason != "" {
		w = append(w, "d.lost_reason = "+add(q.LostReason))
	}
	if q.LostToID != 0 {
		w = append(w, "d.lost_to_id = "+add(q.LostToID))
	}
	if q.CompetitorID != 0 {
		p := add(q.CompetitorID)
		w = append(w, "(d.lost_to_id = "+p+" OR d.id IN (SELECT dc.deal_id FROM deal_competitors dc WHERE dc.competitor_id = "+p+"))")
	}
	if q.LeftStageID != 0 {
		left := "SELECT h.deal_id FROM deal_stage_history h WHERE h.from_stage_id = " + add(q.LeftStageID)
		if !q.LeftFrom.IsZero() {
			left += " AND h.at >= " + add(ms(q.LeftFrom))
		}
		if !q.LeftBefore.IsZero() {
			left += " AND h.at < " + add(ms(q.LeftBefore))
		}
		w = append(w, "d.id IN ("+left+")")
	}
	switch q.Status {
	case "open":
		w = append(w, "d.closed_at IS NULL")
	case "won":
		w = append(w, "d.won_at IS NOT NULL")
	case "lost":
		w = append(w, "d.closed_at IS NOT NULL AND d.won_at IS NULL")
	}
	out := "WHERE 1 = 1"
	if len(w) > 0 {
		out = "WHERE " + strings.Join(w, " AND ")
	}
	return out + visibleDeals(args, q.Viewer, q.Visibility)
}

// DealPage is one page of a deal list.
type DealPage struct {
	Deals []crm.Deal
	More  bool
}

// ListDeals returns one page of deals.
func (s *Store) ListDeals(ctx context.Context, q DealQuery) (DealPage, error) {
	limit := q.Limit
	if limit <= 0 || limit > 500 {
		limit = 50
	}
	var args []any
	where := q.where(&args)
	order := "d.id DESC"
	paging := ""
	switch q.Sort {
	case "amount":
		order = "d.amount DESC, d.id DESC"
	case "close_date":
		order = "CASE WHEN d.close_date = '' THEN 1 ELSE 0 END, d.close_date, d.id"
	case "name":
		order = "d.name, d.id"
	case "updated":
		order = "d.updated_at DESC, d.id DESC"
	default:
		if q.AfterID > 0 {
			args = append(args, q.AfterID)
			where += fmt.Sprintf(" AND d.id < $%d", len(args))
		}
	}
	if q.Sort != "" && q.Offset > 0 {
		paging = fmt.Sprintf(" OFFSET %d", q.Offset)
	}
	rows, err := s.r().QueryContext(ctx, "SELECT "+dealCols+dealFrom+where+" ORDER BY "+order+
		fmt.Sprintf(" LIMIT %d", limit+1)+paging, args...)
	if err != nil {
		return DealPage{}, err
	}
	defer rows.Close()
	var page DealPage
	for rows.Next() {
		d, err := scanDeal(rows)
		if err != nil {
			return page, err
		}
		page.Deals = append(page.Deals, d)
	}
	if len(page.Deals) > limit {
		page.Deals, page.More = page.Deals[:limit], true
	}
	return page, rows.Err()
}

// CountDeals counts the deals that match q (its paging fields aside).
func (s *Store) CountDeals(ctx context.Context, q DealQuery) (int, error) {
	var args []any
	where := q.where(&args)
	var n int
	err := s.r().QueryRowContext(ctx, "SELECT COUNT(*) FROM deals d "+where, args...).Scan(&n)
	return n, err
}

// StageTotal is the sum of one currency's deals in one stage.
type StageTotal struct {
	Currency string
	Amount   int64
	Weighted int64
}

// BoardColumn is one stage of the board with its totals and first cards.
type BoardColumn struct {
	Stage  crm.Stage
	Count  int
	Totals []StageTotal
	Deals  []crm.Deal
}

// Board returns a pipeline's columns: per stage the count, the amount and
// the weighted amount (per currency) of the matching deals, and the first
// perStage of them by close date. q.PipelineID must be set.
func (s *Store) Board(ctx context.Context, p crm.Pipeline, q DealQuery, perStage int) ([]BoardColumn, error) {
	q.PipelineID = p.ID
	cols := make([]BoardColumn, len(p.Stages))
	idx := map[int64]int{}
	for i, st := range p.Stages {
		cols[i].Stage = st
		idx[st.ID] = i
	}
	var args []any
	where := q.where(&args)
	rows, err := s.r().QueryContext(ctx, "SELECT d.stage_id, d.currency, COUNT(*), SUM(d.amount) FROM deals d "+where+
		" GROUP BY d.stage_id, d.currency ORDER BY d.stage_id, d.currency", args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var stage int64
		var t StageTotal
		var n int
		if err := rows.Scan(&stage, &t.Currency, &n, &t.Amount); err != nil {
			return nil, err
		}
		i, ok := idx[stage]
		if !ok {
			continue
		}
		t.Weighted = crm.Weighted(t.Amount, cols[i].Stage.Probability)
		cols[i].Count += n
		cols[i].Totals = append(cols[i].Totals, t)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows.Close()
	args = args[:0]
	where = q.where(&args)
	args = append(args, perStage)
	crows, err := s.r().QueryContext(ctx, `SELECT `+strings.ReplaceAll(dealCols, "d.", "x.")+` FROM (
		SELECT d.*, ROW_NUMBER() OVER (PARTITION BY d.stage_id ORDER BY CASE WHEN d.close_date = '' THEN 1 ELSE 0 END,
			d.close_date, d.id) AS rn FROM deals d `+where+`) x LEFT JOIN companies co ON co.id = x.company_id
		WHERE x.rn <= $`+fmt.Sprint(len(args))+` ORDER BY x.stage_id, x.rn`, args...)
	if err != nil {
		return nil, err
	}
	defer crows.Close()
	for crows.Next() {
		d, err := scanDeal(crows)
		if err != nil {
			return nil, err
		}
		if i, ok := idx[d.StageID]; ok {
			cols[i].Deals = append(cols[i].Deals, d)
		}
	}
	return cols, crows.Err()
}

// DealsOfContact lists the deals a contact is on (primary or with a role),
// for the person's export and the contact page.
func (s *Store) DealsOfContact(ctx context.Context, contactID int64) ([]crm.Deal, error) {
	page, err := s.ListDeals(ctx, DealQuery{ContactID: contactID, Limit: 500})
	return page.Deals, err
}
