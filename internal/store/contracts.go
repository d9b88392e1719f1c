package store

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"time"

	"renkei/internal/crm"
)

// ---- contracts ----

const contractCols = `k.id, k.deal_id, COALESCE(k.company_id, 0), COALESCE(k.contact_id, 0), COALESCE(k.owner_id, 0),
	k.amount, k.currency, k.start_date, k.end_date, k.terms, k.status, COALESCE(k.renewal_deal_id, 0),
	k.created_at, k.updated_at, k.version, COALESCE(d.name, ''), COALESCE(co.name, ''),
	COALESCE(TRIM(c.family_name || ' ' || c.given_name), ''), COALESCE(d.pipeline_id, 0),
	COALESCE(d.owner_id, 0), COALESCE(d.team_id, 0)`

const contractFrom = ` FROM contracts k LEFT JOIN deals d ON d.id = k.deal_id
	LEFT JOIN companies co ON co.id = k.company_id LEFT JOIN contacts c ON c.id = k.contact_id `

func scanContract(sc interface{ Scan(...any) error }) (crm.Contract, error) {
	var k crm.Contract
	var status string
	var created, updated int64
	err := sc.Scan(&k.ID, &k.DealID, &k.CompanyID, &k.ContactID, &k.OwnerID, &k.Amount, &k.Currency, &k.StartDate,
		&k.EndDate, &k.Terms, &status, &k.RenewalDealID, &created, &updated, &k.Version, &k.DealName, &k.CompanyName,
		&k.ContactName, &k.PipelineID, &k.DealOwnerID, &k.DealTeamID)
	if errors.Is(err, sql.ErrNoRows) {
		return k, crm.ErrNotFound
	}
	k.Status = crm.ContractStatus(status)
	k.CreatedAt, k.UpdatedAt = fromMS(created), fromMS(updated)
	return k, err
}

// Contract returns one contract.
func (s *Store) Contract(ctx context.Context, id int64) (crm.Contract, error) {
	return scanContract(s.r().QueryRowContext(ctx, "SELECT "+contractCols+contractFrom+"WHERE k.id = $1", id))
}

// Contract reads a contract inside a write transaction.
func (tx *Tx) Contract(ctx context.Context, id int64) (crm.Contract, error) {
	return scanContract(tx.q().QueryRowContext(ctx, "SELECT "+contractCols+contractFrom+"WHERE k.id = $1", id))
}

// ContractQuery selects contracts: by deal, company or contact (0: any),
// newest first, after an id for paging.
type ContractQuery struct {
	DealID, CompanyID, ContactID int64
	Status                       string
	Before                       int64 // id < Before when > 0
	Limit                        int
}

// Contracts lists contracts.
func (s *Store) Contracts(ctx context.Context, q ContractQuery) ([]crm.Contract, error) {
	where, args := "WHERE 1 = 1", []any{}
	add := func(cond string, v any) {
		args = append(args, v)
		where += " AND " + cond + " = $" + strconv.Itoa(len(args))
	}
	if q.DealID != 0 {
		add("k.deal_id", q.DealID)
	}
	if q.CompanyID != 0 {
		add("k.company_id", q.CompanyID)
	}
	if q.ContactID != 0 {
		add("k.contact_id", q.ContactID)
	}
	if q.Status != "" {
		add("k.status", q.Status)
	}
	if q.Before > 0 {
		args = append(args, q.Before)
		where += " AND k.id < $" + strconv.Itoa(len(args))
	}
	if q.Limit <= 0 || q.Limit > 500 {
		q.Limit = 500
	}
	args = append(args, q.Limit)
	rows, err := s.r().QueryContext(ctx, "SELECT "+contractCols+contractFrom+where+
		" ORDER BY k.id DESC LIMIT $"+strconv.Itoa(len(args)), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []crm.Contract
	for rows.Next() {
		k, err := scanContract(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, k)
	}
	return out, rows.Err()
}

// CreateContract inserts the contract of a deal unless the deal already
// has one; it reports whether it did.
func (tx *Tx) CreateContract(ctx context.Context, k *crm.Contract, now time.Time) (bool, error) {
	err := tx.q().QueryRowContext(ctx, `INSERT INTO contracts (deal_id, company_id, contact_id, owner_id, amount,
		currency, start_date, end_date, terms, status, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11)
		ON CONFLICT (deal_id) DO NOTHING RETURNING id, version`,
		k.DealID, nullID(k.CompanyID), nullID(k.ContactID), nullID(k.OwnerID), k.Amount, k.Currency, k.StartDate,
		k.EndDate, k.Terms, string(k.Status), ms(now)).Scan(&k.ID, &k.Version)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, tx.s.d.mapError(err)
	}
	k.CreatedAt, k.UpdatedAt = now, now
	return true, nil
}

// UpdateContract writes the editable fields when the version matches.
func (tx *Tx) UpdateContract(ctx context.Context, k *crm.Contract, now time.Time) error {
	res, err := tx.q().ExecContext(ctx, `UPDATE contracts SET amount = $1, currency = $2, start_date = $3,
		end_date = $4, terms = $5, status = $6, renewal_deal_id = $7, updated_at = $8, version = version + 1
		WHERE id = $9 AND version = $10`,
		k.Amount, k.Currency, k.StartDate, k.EndDate, k.Terms, string(k.Status), nullID(k.RenewalDealID), ms(now),
		k.ID, k.Version)
	if err != nil {
		return tx.s.d.mapError(err)
	}
	if err := staleOrMissing(ctx, tx, res, "contracts", k.ID); err != nil {
		return err
	}
	k.Version++
	k.UpdatedAt = now
	return nil
}

// ---- the after-follow playbook ----

// Playbook returns the playbook's task templates in order.
func (s *Store) Playbook(ctx context.Context) ([]crm.PlaybookTask, error) {
	return playbook(ctx, s.r())
}

// Playbook reads the playbook inside a write transaction.
func (tx *Tx) Playbook(ctx context.Context) ([]crm.PlaybookTask, error) { return playbook(ctx, tx.q()) }

func playbook(ctx context.Context, q querier) ([]crm.PlaybookTask, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, title_ja, title_en, anchor, days FROM playbook_tasks
		ORDER BY position, id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []crm.PlaybookTask
	for rows.Next() {
		var p crm.PlaybookTask
		if err := rows.Scan(&p.ID, &p.TitleJA, &p.TitleEN, &p.Anchor, &p.Days); err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// SetPlaybook replaces the playbook.
func (tx *Tx) SetPlaybook(ctx context.Context, ps []crm.PlaybookTask) error {
	if _, err := tx.q().ExecContext(ctx, "DELETE FROM playbook_tasks"); err != nil {
		return err
	}
	for i, p := range ps {
		if _, err := tx.q().ExecContext(ctx, `INSERT INTO playbook_tasks (title_ja, title_en, anchor, days, position)
			VALUES ($1, $2, $3, $4, $5)`, p.TitleJA, p.TitleEN, p.Anchor, p.Days, i); err != nil {
			return err
		}
	}
	return nil
}
