package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"renkei/internal/crm"
)

// ---- surveys ----

const surveyCols = `id, name, survey_key, title_ja, title_en, intro_ja, intro_en, thanks_ja, thanks_en, status,
	trigger_kind, trigger_days, questions, created_at, updated_at, version`

func scanSurvey(sc interface{ Scan(...any) error }) (crm.Survey, error) {
	var s crm.Survey
	var qs, status, trig string
	var created, updated int64
	err := sc.Scan(&s.ID, &s.Name, &s.Key, &s.TitleJA, &s.TitleEN, &s.IntroJA, &s.IntroEN, &s.ThanksJA, &s.ThanksEN,
		&status, &trig, &s.TriggerDays, &qs, &created, &updated, &s.Version)
	if errors.Is(err, sql.ErrNoRows) {
		return s, crm.ErrNotFound
	}
	if err != nil {
		return s, err
	}
	s.Status, s.Trigger = crm.SurveyStatus(status), crm.SurveyTrigger(trig)
	s.CreatedAt, s.UpdatedAt = fromMS(created), fromMS(updated)
	if err := json.Unmarshal([]byte(qs), &s.Questions); err != nil {
		return s, fmt.Errorf("survey %d questions: %w", s.ID, err)
	}
	return s, nil
}

// CreateSurvey inserts a survey; a taken key returns crm.ErrConflict.
func (tx *Tx) CreateSurvey(ctx context.Context, s *crm.Survey, now time.Time) error {
	qs, err := json.Marshal(nonNilSlice(s.Questions))
	if err != nil {
		return err
	}
	err = tx.q().QueryRowContext(ctx, `INSERT INTO surveys (name, survey_key, title_ja, title_en, intro_ja, intro_en,
		thanks_ja, thanks_en, status, trigger_kind, trigger_days, questions, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13) RETURNING id, version`,
		s.Name, s.Key, s.TitleJA, s.TitleEN, s.IntroJA, s.IntroEN, s.ThanksJA, s.ThanksEN, string(s.Status),
		string(s.Trigger), s.TriggerDays, string(qs), ms(now)).Scan(&s.ID, &s.Version)
	if err != nil {
		return tx.s.d.mapError(err)
	}
	s.CreatedAt, s.UpdatedAt = now, now
	return nil
}

// UpdateSurvey writes every field but the key when the version matches.
func (tx *Tx) UpdateSurvey(ctx context.Context, s *crm.Survey, now time.Time) error {
	qs, err := json.Marshal(nonNilSlice(s.Questions))
	if err != nil {
		return err
	}
	res, err := tx.q().ExecContext(ctx, `UPDATE surveys SET name = $1, title_ja = $2, title_en = $3, intro_ja = $4,
		intro_en = $5, thanks_ja = $6, thanks_en = $7, status = $8, trigger_kind = $9, trigger_days = $10, questions = $11,
		updated_at = $12, version = version + 1 WHERE id = $13 AND version = $14`,
		s.Name, s.TitleJA, s.TitleEN, s.IntroJA, s.IntroEN, s.ThanksJA, s.ThanksEN, string(s.Status), string(s.Trigger),
		s.TriggerDays, string(qs), ms(now), s.ID, s.Version)
	if err != nil {
		return err
	}
	if err := staleOrMissing(ctx, tx, res, "surveys", s.ID); err != nil {
		return err
	}
	s.Version++
	s.UpdatedAt = now
	return nil
}

// DeleteSurvey removes a survey with its responses.
func (tx *Tx) DeleteSurvey(ctx context.Context, id int64) error {
	res, err := tx.q().ExecContext(ctx, "DELETE FROM surveys WHERE id = $1", id)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return crm.ErrNotFound
	}
	return nil
}

// Survey reads one survey.
func (s *Store) Survey(ctx context.Context, id int64) (crm.Survey, error) {
	return scanSurvey(s.r().QueryRowContext(ctx, "SELECT "+surveyCols+" FROM surveys WHERE id = $1", id))
}

// Survey reads one survey inside a write transaction.
func (tx *Tx) Survey(ctx context.Context, id int64) (crm.Survey, error) {
	return scanSurvey(tx.q().QueryRowContext(ctx, "SELECT "+surveyCols+" FROM surveys WHERE id = $1", id))
}

// SurveyByKey finds a survey by its public key.
func (s *Store) SurveyByKey(ctx context.Context, key string) (crm.Survey, error) {
	return scanSurvey(s.r().QueryRowContext(ctx, "SELECT "+surveyCols+" FROM surveys WHERE survey_key = $1", key))
}

// SurveysWithTrigger lists the open surveys with a trigger.
func (tx *Tx) SurveysWithTrigger(ctx context.Context, t crm.SurveyTrigger) ([]crm.Survey, error) {
	rows, err := tx.q().QueryContext(ctx, "SELECT "+surveyCols+" FROM surveys WHERE trigger_kind = $1 AND status = 'open' ORDER BY id",
		string(t))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []crm.Survey
	for rows.Next() {
		s, err := scanSurvey(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// SurveySummary is a survey with its counts, for the list.
type SurveySummary struct {
	crm.Survey
	Responses int64
	Last      time.Time
}

// Surveys lists every survey by name with its counts.
func (s *Store) Surveys(ctx context.Context) ([]SurveySummary, error) {
	rows, err := s.r().QueryContext(ctx, `SELECT `+surveyCols+`,
		(SELECT COUNT(*) FROM survey_responses r WHERE r.survey_id = surveys.id),
		(SELECT COALESCE(MAX(r.updated_at), 0) FROM survey_responses r WHERE r.survey_id = surveys.id)
		FROM surveys ORDER BY name, id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []SurveySummary
	for rows.Next() {
		var x SurveySummary
		var last int64
		sv, err := scanSurvey(scanFunc(func(dst ...any) error {
			return rows.Scan(append(dst, &x.Responses, &last)...)
		}))
		if err != nil {
			return nil, err
		}
		x.Survey = sv
		if last > 0 {
			x.Last = fromMS(last)
		}
		out = append(out, x)
	}
	return out, rows.Err()
}

// ---- responses ----

// SurveyResponse is one response. The contact's fields are read only, for
// results and cross-tabs.
type SurveyResponse struct {
	ID         int64
	SurveyID   int64
	SurveyName string // read only
	ContactID  int64
	DealID     int64
	ContractID int64
	At         time.Time
	UpdatedAt  time.Time
	Answers    crm.SurveyAnswers
	NPS        *int
	SearchText string
	Lang       string
	IP         string
	UserAgent  string
	// Read only: the contact and its company.
	ContactEmail string
	ContactName  string
	Lifecycle    string
	Industry     string
	OwnerID      int64
	TeamID       int64
}

// SaveSurveyResponse stores a response. A response tied to a contact
// replaces the contact's earlier one (keeping its id and first time);
// replaced reports that.
func (tx *Tx) SaveSurveyResponse(ctx context.Context, r *SurveyResponse) (replaced bool, err error) {
	ans, err := json.Marshal(r.Answers)
	if err != nil {
		return false, err
	}
	var nps sql.NullInt64
	if r.NPS != nil {
		nps = sql.NullInt64{Int64: int64(*r.NPS), Valid: true}
	}
	if r.ContactID != 0 {
		var id, at int64
		err := tx.q().QueryRowContext(ctx, "SELECT id, at FROM survey_responses WHERE survey_id = $1 AND contact_id = $2",
			r.SurveyID, r.ContactID).Scan(&id, &at)
		switch {
		case err == nil:
			_, err = tx.q().ExecContext(ctx, `UPDATE survey_responses SET updated_at = $1, answers = $2, nps = $3,
				search_text = $4, lang = $5, ip = $6, user_agent = $7, deal_id = COALESCE($8, deal_id),
				contract_id = COALESCE($9, contract_id) WHERE id = $10`,
				ms(r.UpdatedAt), string(ans), nps, r.SearchText, r.Lang, r.IP, r.UserAgent, nullID(r.DealID),
				nullID(r.ContractID), id)
			r.ID, r.At = id, fromMS(at)
			return true, err
		case !errors.Is(err, sql.ErrNoRows):
			return false, err
		}
	}
	err = tx.q().QueryRowContext(ctx, `INSERT INTO survey_responses (survey_id, contact_id, deal_id, contract_id, at,
		updated_at, answers, nps, search_text, lang, ip, user_agent)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id`,
		r.SurveyID, nullID(r.ContactID), nullID(r.DealID), nullID(r.ContractID), ms(r.At), ms(r.UpdatedAt), string(ans),
		nps, r.SearchText, r.Lang, r.IP, r.UserAgent).Scan(&r.ID)
	return false, tx.s.d.mapError(err)
}

// SurveyResponseFilter selects responses, newest first.
type SurveyResponseFilter struct {
	SurveyID  int64
	ContactID int64
	Query     string // folded (crm.FoldSearch) text the free-text answers contain
	From, To  time.Time
	BeforeID  int64
	Limit     int // 0 = all (results, exports)
}

// NPSValues lists the scores (0–10) given to the first NPS question of a
// survey by the responses of [from, to).
func (s *Store) NPSValues(ctx context.Context, surveyID int64, from, to time.Time) ([]int, error) {
	ids, err := s.int64s(ctx, `SELECT nps FROM survey_responses WHERE survey_id = $1 AND at >= $2 AND at < $3 AND nps IS NOT NULL`,
		surveyID, ms(from), ms(to))
	out := make([]int, len(ids))
	for i, v := range ids {
		out[i] = int(v)
	}
	return out, err
}

// SurveyResponses lists responses with their contacts' stage and industry.
func (s *Store) SurveyResponses(ctx context.Context, f SurveyResponseFilter) ([]SurveyResponse, error) {
	a := &sqlArgs{}
	where := "1 = 1"
	if f.SurveyID != 0 {
		where += " AND r.survey_id = " + a.add(f.SurveyID)
	}
	if f.ContactID != 0 {
		where += " AND r.contact_id = " + a.add(f.ContactID)
	}
	if f.Query != "" {
		where += " AND " + s.d.containsFold("r.search_text", a.add(f.Query))
	}
	if !f.From.IsZero() {
		where += " AND r.at >= " + a.add(ms(f.From))
	}
	if !f.To.IsZero() {
		where += " AND r.at < " + a.add(ms(f.To))
	}
	if f.BeforeID > 0 {
		where += " AND r.id < " + a.add(f.BeforeID)
	}
	limit := ""
	if f.Limit > 0 {
		limit = fmt.Sprintf(" LIMIT %d", f.Limit)
	}
	rows, err := s.r().QueryContext(ctx, `SELECT r.id, r.survey_id, sv.name, COALESCE(r.contact_id, 0), COALESCE(r.deal_id, 0),
		COALESCE(r.contract_id, 0), r.at, r.updated_at, r.answers, r.nps, r.search_text, r.lang, r.ip, r.user_agent,
		COALESCE(c.email, ''), COALESCE(c.family_name, ''), COALESCE(c.given_name, ''), COALESCE(c.lifecycle_stage, ''),
		COALESCE(co.industry, ''), COALESCE(c.owner_id, 0), COALESCE(c.team_id, 0)
		FROM survey_responses r JOIN surveys sv ON sv.id = r.survey_id
		LEFT JOIN contacts c ON c.id = r.contact_id LEFT JOIN companies co ON co.id = c.company_id
		WHERE `+where+` ORDER BY r.id DESC`+limit, a.vals...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []SurveyResponse
	for rows.Next() {
		var x SurveyResponse
		var at, upd int64
		var ans, family, given string
		var nps sql.NullInt64
		if err := rows.Scan(&x.ID, &x.SurveyID, &x.SurveyName, &x.ContactID, &x.DealID, &x.ContractID, &at, &upd, &ans,
			&nps, &x.SearchText, &x.Lang, &x.IP, &x.UserAgent, &x.ContactEmail, &family, &given, &x.Lifecycle,
			&x.Industry, &x.OwnerID, &x.TeamID); err != nil {
			return nil, err
		}
		x.At, x.UpdatedAt = fromMS(at), fromMS(upd)
		if nps.Valid {
			n := int(nps.Int64)
			x.NPS = &n
		}
		x.ContactName = family + " " + given
		if family == "" || given == "" {
			x.ContactName = family + given
		}
		if err := json.Unmarshal([]byte(ans), &x.Answers); err != nil {
			return nil, fmt.Errorf("survey response %d answers: %w", x.ID, err)
		}
		out = append(out, x)
	}
	return out, rows.Err()
}

// ---- automatic invitations ----

// SurveyInvite is a personal link made by a trigger (a contract's
// after-follow, a closed deal), kept so each gets its survey once.
type SurveyInvite struct {
	ID        int64
	SurveyID  int64
	ContactID int64
	RefType   string // contract, deal
	RefID     int64
	DueAt     time.Time
	TaskID    int64
	CreatedAt time.Time
}

// AddSurveyInvite records an invitation; false when the survey already
// has one for the same record.
func (tx *Tx) AddSurveyInvite(ctx context.Context, in *SurveyInvite) (bool, error) {
	err := tx.q().QueryRowContext(ctx, `INSERT INTO survey_invites (survey_id, contact_id, ref_type, ref_id, due_at, task_id, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (survey_id, ref_type, ref_id) DO NOTHING RETURNING id`,
		in.SurveyID, in.ContactID, in.RefType, in.RefID, ms(in.DueAt), nullID(in.TaskID), ms(in.CreatedAt)).Scan(&in.ID)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return err == nil, err
}

// SetSurveyInviteTask links an invitation to the task made for it.
func (tx *Tx) SetSurveyInviteTask(ctx context.Context, id, taskID int64) error {
	_, err := tx.q().ExecContext(ctx, "UPDATE survey_invites SET task_id = $1 WHERE id = $2", taskID, id)
	return err
}

// SurveyInvites lists the invitations of a record (ref_type, ref_id).
func (s *Store) SurveyInvites(ctx context.Context, refType string, refID int64) ([]SurveyInvite, error) {
	rows, err := s.r().QueryContext(ctx, `SELECT id, survey_id, contact_id, ref_type, ref_id, due_at, COALESCE(task_id, 0),
		created_at FROM survey_invites WHERE ref_type = $1 AND ref_id = $2 ORDER BY id`, refType, refID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []SurveyInvite
	for rows.Next() {
		var x SurveyInvite
		var due, created int64
		if err := rows.Scan(&x.ID, &x.SurveyID, &x.ContactID, &x.RefType, &x.RefID, &due, &x.TaskID, &created); err != nil {
			return nil, err
		}
		x.DueAt, x.CreatedAt = fromMS(due), fromMS(created)
		out = append(out, x)
	}
	return out, rows.Err()
}

// AddSurveyEvent appends the event of a contact's survey response (kind
// survey, name = the survey key), which engagement scoring reads.
func (tx *Tx) AddSurveyEvent(ctx context.Context, contactID int64, at time.Time, surveyKey string, props map[string]any) error {
	p, err := propsJSON(props)
	if err != nil {
		return err
	}
	_, err = tx.q().ExecContext(ctx, `INSERT INTO events (contact_id, at, kind, name, props) VALUES ($1, $2, 'survey', $3, $4)`,
		contactID, ms(at), surveyKey, p)
	return err
}

// surveyMoveStmts move a merged contact's survey responses and
// invitations to the kept contact ($1 → $2). One response per contact and
// survey: where both answered a survey, the kept contact's newer answer
// stays (the other's is deleted).
var surveyMoveStmts = []string{
	`DELETE FROM survey_responses WHERE contact_id = $1 AND survey_id IN
		(SELECT k.survey_id FROM survey_responses k WHERE k.contact_id = $2 AND k.updated_at >= survey_responses.updated_at)`,
	`DELETE FROM survey_responses WHERE contact_id = $2 AND survey_id IN
		(SELECT m.survey_id FROM survey_responses m WHERE m.contact_id = $1)`,
	"UPDATE survey_responses SET contact_id = $2 WHERE contact_id = $1",
	"UPDATE survey_invites SET contact_id = $2 WHERE contact_id = $1",
}

// ReadSetting is Store.Setting inside a write transaction: it sees what
// the transaction wrote (surveys read the link secret this way while
// making invitations).
func (tx *Tx) ReadSetting(ctx context.Context, key string, v any) (version int64, err error) {
	var raw string
	err = tx.q().QueryRowContext(ctx, "SELECT value, version FROM settings WHERE key = $1", key).Scan(&raw, &version)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, crm.ErrNotFound
	}
	if err != nil {
		return 0, err
	}
	if err := json.Unmarshal([]byte(raw), v); err != nil {
		return 0, fmt.Errorf("settings %s: %w", key, err)
	}
	return version, nil
}
