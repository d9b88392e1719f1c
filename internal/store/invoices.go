package store

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"time"

	"renkei/internal/crm"
)

// ---- invoices ----

const invoiceCols = `i.id, i.quote_id, i.number, i.issue_date, i.due_date, i.bank_details, i.status, i.paid_at,
	i.share_token_hash IS NOT NULL, i.share_expires_at, COALESCE(i.created_by, 0), i.created_at, i.updated_at, i.version, q.number, q.deal_id, COALESCE(d.name, ''),
	q.total, q.currency, TRIM(q.recipient_company || ' ' || q.recipient_person), COALESCE(d.owner_id, 0),
	COALESCE(d.team_id, 0)`

const invoiceFrom = ` FROM invoices i JOIN quotes q ON q.id = i.quote_id JOIN deals d ON d.id = q.deal_id `

func scanInvoice(sc interface{ Scan(...any) error }) (crm.Invoice, error) {
	var in crm.Invoice
	var status string
	var paid, expires, created, updated int64
	err := sc.Scan(&in.ID, &in.QuoteID, &in.Number, &in.IssueDate, &in.DueDate, &in.BankDetails, &status, &paid,
		&in.HasShareLink, &expires, &in.CreatedBy, &created, &updated, &in.Version, &in.QuoteNumber, &in.DealID, &in.DealName, &in.Total,
		&in.Currency, &in.Recipient, &in.DealOwnerID, &in.DealTeamID)
	if errors.Is(err, sql.ErrNoRows) {
		return in, crm.ErrNotFound
	}
	in.Status = crm.InvoiceStatus(status)
	in.PaidAt, in.CreatedAt, in.UpdatedAt = fromMS(paid), fromMS(created), fromMS(updated)
	in.ShareExpiresAt = fromMS(expires)
	return in, err
}

// Invoice returns one invoice.
func (s *Store) Invoice(ctx context.Context, id int64) (crm.Invoice, error) {
	return scanInvoice(s.r().QueryRowContext(ctx, "SELECT "+invoiceCols+invoiceFrom+"WHERE i.id = $1", id))
}

// Invoice reads an invoice inside a write transaction.
func (tx *Tx) Invoice(ctx context.Context, id int64) (crm.Invoice, error) {
	return scanInvoice(tx.q().QueryRowContext(ctx, "SELECT "+invoiceCols+invoiceFrom+"WHERE i.id = $1", id))
}

// InvoiceQuery selects invoices (0 / "": any), newest first.
type InvoiceQuery struct {
	QuoteID int64
	DealID  int64
	Status  string
	Limit   int
}

// Invoices lists invoices.
func (s *Store) Invoices(ctx context.Context, f InvoiceQuery) ([]crm.Invoice, error) {
	where, args := "WHERE 1 = 1", []any{}
	add := func(cond string, v any) {
		args = append(args, v)
		where += " AND " + cond + " = $" + strconv.Itoa(len(args))
	}
	if f.QuoteID != 0 {
		add("i.quote_id", f.QuoteID)
	}
	if f.DealID != 0 {
		add("q.deal_id", f.DealID)
	}
	if f.Status != "" {
		add("i.status", f.Status)
	}
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 500
	}
	args = append(args, f.Limit)
	rows, err := s.r().QueryContext(ctx, "SELECT "+invoiceCols+invoiceFrom+where+
		" ORDER BY i.id DESC LIMIT $"+strconv.Itoa(len(args)), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []crm.Invoice
	for rows.Next() {
		in, err := scanInvoice(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, in)
	}
	return out, rows.Err()
}

// CreateInvoice inserts the invoice of a quote; a quote that has one
// already is crm.ErrConflict.
func (tx *Tx) CreateInvoice(ctx context.Context, in *crm.Invoice, now time.Time) error {
	err := tx.q().QueryRowContext(ctx, `INSERT INTO invoices (quote_id, number, issue_date, due_date, bank_details,
		status, created_by, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)
		ON CONFLICT (quote_id) DO NOTHING RETURNING id, version`, in.QuoteID, in.Number, in.IssueDate, in.DueDate,
		in.BankDetails, string(in.Status), nullID(in.CreatedBy), ms(now)).Scan(&in.ID, &in.Version)
	if errors.Is(err, sql.ErrNoRows) {
		return crm.ErrConflict
	}
	if err != nil {
		return tx.s.d.mapError(err)
	}
	in.CreatedAt, in.UpdatedAt = now, now
	return nil
}

// SetInvoiceStatus writes paid or unpaid when the version matches.
func (tx *Tx) SetInvoiceStatus(ctx context.Context, in *crm.Invoice, now time.Time) error {
	res, err := tx.q().ExecContext(ctx, `UPDATE invoices SET status = $1, paid_at = $2, updated_at = $3,
		version = version + 1 WHERE id = $4 AND version = $5`, string(in.Status), ms(in.PaidAt), ms(now), in.ID, in.Version)
	if err != nil {
		return tx.s.d.mapError(err)
	}
	if err := staleOrMissing(ctx, tx, res, "invoices", in.ID); err != nil {
		return err
	}
	in.Version++
	in.UpdatedAt = now
	return nil
}

// InvoiceByShareHash returns the invoice whose share token hashes to hash.
func (s *Store) InvoiceByShareHash(ctx context.Context, hash string) (crm.Invoice, error) {
	return scanInvoice(s.r().QueryRowContext(ctx, "SELECT "+invoiceCols+invoiceFrom+"WHERE i.share_token_hash = $1", hash))
}

// SetInvoiceShare stores the hash of an invoice's share token and its
// expiry (zero: none), replacing the previous link; an empty hash removes it.
func (tx *Tx) SetInvoiceShare(ctx context.Context, id int64, hash string, expires time.Time) error {
	h := sql.NullString{String: hash, Valid: hash != ""}
	res, err := tx.q().ExecContext(ctx, "UPDATE invoices SET share_token_hash = $1, share_expires_at = $2 WHERE id = $3",
		h, ms(expires), id)
	if err != nil {
		return tx.s.d.mapError(err)
	}
	if n, err := res.RowsAffected(); err == nil && n == 0 {
		return crm.ErrNotFound
	}
	return nil
}
