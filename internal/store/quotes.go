package store

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"time"

	"renkei/internal/crm"
)

// ---- document numbers ----

// NextDocumentNumber takes the next number of a kind (Q, INV) in a year.
// It runs in the caller's transaction, so a number is used exactly when
// the document is written: no gaps, no duplicates.
func (tx *Tx) NextDocumentNumber(ctx context.Context, kind string, year int) (int64, error) {
	var n int64
	err := tx.q().QueryRowContext(ctx, `INSERT INTO document_numbers (kind, year, last) VALUES ($1, $2, 1)
		ON CONFLICT (kind, year) DO UPDATE SET last = document_numbers.last + 1 RETURNING last`, kind, year).Scan(&n)
	return n, err
}

// ---- quotes ----

const quoteCols = `q.id, q.deal_id, q.number, q.revision, q.status, q.language, q.currency, q.tax_mode, q.rounding,
	q.issue_date, q.valid_until, q.delivery, q.payment_terms, q.subject, q.recipient_company, q.recipient_person,
	q.notes, q.discount_percent, q.discount_value, q.list_total, q.subtotal, q.discount_total, q.tax_total, q.total,
	q.discount_bp, COALESCE(q.owner_id, 0), COALESCE(q.approved_by, 0), q.share_token_hash IS NOT NULL,
	q.share_expires_at, q.sent_at, q.answered_at, q.created_at, q.updated_at, q.version,
	COALESCE(d.name, ''), COALESCE(d.owner_id, 0), COALESCE(d.team_id, 0), COALESCE(u.name, '')`

const quoteFrom = ` FROM quotes q JOIN deals d ON d.id = q.deal_id LEFT JOIN users u ON u.id = q.owner_id `

func scanQuote(sc interface{ Scan(...any) error }) (crm.Quote, error) {
	var q crm.Quote
	var status, lang, mode, rounding string
	var pct, share bool
	var expires, sent, answered, created, updated int64
	err := sc.Scan(&q.ID, &q.DealID, &q.Number, &q.Revision, &status, &lang, &q.Currency, &mode, &rounding,
		&q.IssueDate, &q.ValidUntil, &q.Delivery, &q.PaymentTerms, &q.Subject, &q.RecipientCompany,
		&q.RecipientPerson, &q.Notes, &pct, &q.Discount.Value, &q.ListTotal, &q.Subtotal, &q.DiscountTotal,
		&q.TaxTotal, &q.Total, &q.DiscountBP, &q.OwnerID, &q.ApprovedBy, &share, &expires, &sent, &answered,
		&created, &updated, &q.Version, &q.DealName, &q.DealOwnerID, &q.DealTeamID, &q.OwnerName)
	if errors.Is(err, sql.ErrNoRows) {
		return q, crm.ErrNotFound
	}
	q.Status, q.Language, q.TaxMode, q.Rounding = crm.QuoteStatus(status), crm.Language(lang), crm.TaxMode(mode), crm.Rounding(rounding)
	q.Discount.Percent, q.HasShareLink = pct, share
	q.ShareExpiresAt, q.SentAt, q.AnsweredAt = fromMS(expires), fromMS(sent), fromMS(answered)
	q.CreatedAt, q.UpdatedAt = fromMS(created), fromMS(updated)
	return q, err
}

func quoteLines(ctx context.Context, db querier, q *crm.Quote) error {
	rows, err := db.QueryContext(ctx, `SELECT id, COALESCE(product_id, 0), name, unit, quantity, unit_price,
		list_price, discount_percent, discount_value, tax_category, amount FROM quote_lines
		WHERE quote_id = $1 ORDER BY position`, q.ID)
	if err != nil {
		return err
	}
	defer rows.Close()
	q.Lines = nil
	for rows.Next() {
		var l crm.QuoteLine
		var cat string
		if err := rows.Scan(&l.ID, &l.ProductID, &l.Name, &l.Unit, &l.Quantity, &l.UnitPrice, &l.ListPrice,
			&l.Discount.Percent, &l.Discount.Value, &cat, &l.Amount); err != nil {
			return err
		}
		l.Category = crm.TaxCategory(cat)
		q.Lines = append(q.Lines, l)
	}
	return rows.Err()
}

func readQuote(ctx context.Context, db querier, where string, arg any) (crm.Quote, error) {
	q, err := scanQuote(db.QueryRowContext(ctx, "SELECT "+quoteCols+quoteFrom+"WHERE "+where, arg))
	if err != nil {
		return q, err
	}
	return q, quoteLines(ctx, db, &q)
}

// Quote returns one quote with its lines.
func (s *Store) Quote(ctx context.Context, id int64) (crm.Quote, error) {
	return readQuote(ctx, s.r(), "q.id = $1", id)
}

// Quote reads a quote inside a write transaction.
func (tx *Tx) Quote(ctx context.Context, id int64) (crm.Quote, error) {
	return readQuote(ctx, tx.q(), "q.id = $1", id)
}

// QuoteByShareHash returns the quote whose share token hashes to hash.
func (s *Store) QuoteByShareHash(ctx context.Context, hash string) (crm.Quote, error) {
	return readQuote(ctx, s.r(), "q.share_token_hash = $1", hash)
}

// QuoteQuery selects quotes (0 / "": any), newest first.
type QuoteQuery struct {
	DealID  int64
	Number  string
	Status  string
	OwnerID int64
	Limit   int
}

// Quotes lists quotes without their lines.
func (s *Store) Quotes(ctx context.Context, f QuoteQuery) ([]crm.Quote, error) {
	where, args := "WHERE 1 = 1", []any{}
	add := func(cond string, v any) {
		args = append(args, v)
		where += " AND " + cond + " = $" + strconv.Itoa(len(args))
	}
	if f.DealID != 0 {
		add("q.deal_id", f.DealID)
	}
	if f.Number != "" {
		add("q.number", f.Number)
	}
	if f.Status != "" {
		add("q.status", f.Status)
	}
	if f.OwnerID != 0 {
		add("q.owner_id", f.OwnerID)
	}
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 500
	}
	args = append(args, f.Limit)
	rows, err := s.r().QueryContext(ctx, "SELECT "+quoteCols+quoteFrom+where+
		" ORDER BY q.number DESC, q.revision DESC LIMIT $"+strconv.Itoa(len(args)), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []crm.Quote
	for rows.Next() {
		q, err := scanQuote(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, q)
	}
	return out, rows.Err()
}

func quoteArgs(q *crm.Quote) []any {
	return []any{q.DealID, q.Number, q.Revision, string(q.Status), string(q.Language), q.Currency, string(q.TaxMode),
		string(q.Rounding), q.IssueDate, q.ValidUntil, q.Delivery, q.PaymentTerms, q.Subject, q.RecipientCompany,
		q.RecipientPerson, q.Notes, boolInt(q.Discount.Percent), q.Discount.Value, q.ListTotal, q.Subtotal, q.DiscountTotal,
		q.TaxTotal, q.Total, q.DiscountBP, nullID(q.OwnerID)}
}

// CreateQuote inserts a quote and its lines.
func (tx *Tx) CreateQuote(ctx context.Context, q *crm.Quote, now time.Time) error {
	err := tx.q().QueryRowContext(ctx, `INSERT INTO quotes (deal_id, number, revision, status, language, currency,
		tax_mode, rounding, issue_date, valid_until, delivery, payment_terms, subject, recipient_company,
		recipient_person, notes, discount_percent, discount_value, list_total, subtotal, discount_total, tax_total,
		total, discount_bp, owner_id, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11,
		$12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25, $26, $26) RETURNING id, version`,
		append(quoteArgs(q), ms(now))...).Scan(&q.ID, &q.Version)
	if err != nil {
		return tx.s.d.mapError(err)
	}
	q.CreatedAt, q.UpdatedAt = now, now
	return tx.writeQuoteLines(ctx, q)
}

// UpdateQuote writes a quote's fields and replaces its lines when the
// version matches.
func (tx *Tx) UpdateQuote(ctx context.Context, q *crm.Quote, now time.Time) error {
	args := append(quoteArgs(q), ms(now), q.ID, q.Version)
	res, err := tx.q().ExecContext(ctx, `UPDATE quotes SET deal_id = $1, number = $2, revision = $3, status = $4,
		language = $5, currency = $6, tax_mode = $7, rounding = $8, issue_date = $9, valid_until = $10,
		delivery = $11, payment_terms = $12, subject = $13, recipient_company = $14, recipient_person = $15,
		notes = $16, discount_percent = $17, discount_value = $18, list_total = $19, subtotal = $20,
		discount_total = $21, tax_total = $22, total = $23, discount_bp = $24, owner_id = $25, updated_at = $26,
		version = version + 1 WHERE id = $27 AND version = $28`, args...)
	if err != nil {
		return tx.s.d.mapError(err)
	}
	if err := staleOrMissing(ctx, tx, res, "quotes", q.ID); err != nil {
		return err
	}
	q.Version++
	q.UpdatedAt = now
	if _, err := tx.q().ExecContext(ctx, "DELETE FROM quote_lines WHERE quote_id = $1", q.ID); err != nil {
		return err
	}
	return tx.writeQuoteLines(ctx, q)
}

func (tx *Tx) writeQuoteLines(ctx context.Context, q *crm.Quote) error {
	for i := range q.Lines {
		l := &q.Lines[i]
		err := tx.q().QueryRowContext(ctx, `INSERT INTO quote_lines (quote_id, position, product_id, name, unit,
			quantity, unit_price, list_price, discount_percent, discount_value, tax_category, amount)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id`,
			q.ID, i, nullID(l.ProductID), l.Name, l.Unit, l.Quantity, l.UnitPrice, l.ListPrice, boolInt(l.Discount.Percent),
			l.Discount.Value, string(l.Category), l.Amount).Scan(&l.ID)
		if err != nil {
			return tx.s.d.mapError(err)
		}
	}
	return nil
}

// SetQuoteState writes the status, approver and the sent and answered
// times when the version matches.
func (tx *Tx) SetQuoteState(ctx context.Context, q *crm.Quote, now time.Time) error {
	res, err := tx.q().ExecContext(ctx, `UPDATE quotes SET status = $1, approved_by = $2, sent_at = $3,
		answered_at = $4, updated_at = $5, version = version + 1 WHERE id = $6 AND version = $7`,
		string(q.Status), nullID(q.ApprovedBy), ms(q.SentAt), ms(q.AnsweredAt), ms(now), q.ID, q.Version)
	if err != nil {
		return tx.s.d.mapError(err)
	}
	if err := staleOrMissing(ctx, tx, res, "quotes", q.ID); err != nil {
		return err
	}
	q.Version++
	q.UpdatedAt = now
	return nil
}

// SetQuoteShare stores the hash of a quote's share token and its expiry
// (zero: none); an empty hash removes the link.
func (tx *Tx) SetQuoteShare(ctx context.Context, id int64, hash string, expires time.Time) error {
	h := sql.NullString{String: hash, Valid: hash != ""}
	_, err := tx.q().ExecContext(ctx, "UPDATE quotes SET share_token_hash = $1, share_expires_at = $2 WHERE id = $3",
		h, ms(expires), id)
	return err
}

// RevokeQuoteShares removes the share links of a number's other revisions.
func (tx *Tx) RevokeQuoteShares(ctx context.Context, number string, keepID int64) error {
	_, err := tx.q().ExecContext(ctx, `UPDATE quotes SET share_token_hash = NULL WHERE number = $1 AND id <> $2`,
		number, keepID)
	return err
}

// AddQuoteApproval writes an entry of the guardrail's log.
func (tx *Tx) AddQuoteApproval(ctx context.Context, a *crm.QuoteApproval) error {
	return tx.q().QueryRowContext(ctx, `INSERT INTO quote_approvals (quote_id, action, user_id, discount_bp, limit_bp,
		note, at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`, a.QuoteID, a.Action, nullID(a.UserID),
		a.DiscountBP, a.LimitBP, a.Note, ms(a.At)).Scan(&a.ID)
}

// QuoteApprovals returns the log of the quotes with a number (all
// revisions), oldest first.
func (s *Store) QuoteApprovals(ctx context.Context, number string) ([]crm.QuoteApproval, error) {
	rows, err := s.r().QueryContext(ctx, `SELECT a.id, a.quote_id, a.action, COALESCE(a.user_id, 0),
		COALESCE(u.name, ''), a.discount_bp, a.limit_bp, a.note, a.at FROM quote_approvals a
		JOIN quotes q ON q.id = a.quote_id LEFT JOIN users u ON u.id = a.user_id
		WHERE q.number = $1 ORDER BY a.id`, number)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []crm.QuoteApproval
	for rows.Next() {
		var a crm.QuoteApproval
		var at int64
		if err := rows.Scan(&a.ID, &a.QuoteID, &a.Action, &a.UserID, &a.UserName, &a.DiscountBP, &a.LimitBP,
			&a.Note, &at); err != nil {
			return nil, err
		}
		a.At = fromMS(at)
		out = append(out, a)
	}
	return out, rows.Err()
}

// DiscountRow is one row of the discount report: a product or a person,
// how many quote lines or quotes, and the average discount below list.
type DiscountRow struct {
	ID         int64
	Name       string
	Count      int64
	ListTotal  int64
	Offered    int64
	AvgPercent float64 // mean of each line's / quote's discount, percent
}

// DiscountByProduct averages line discounts below list per product over
// the latest revision of every sent or answered quote in currency.
func (s *Store) DiscountByProduct(ctx context.Context, currency string) ([]DiscountRow, error) {
	return discountRows(ctx, s.r(), `SELECT l.product_id, COALESCE(p.name_ja, ''), COUNT(*),
		CAST(SUM(l.quantity * CASE WHEN l.list_price > 0 THEN l.list_price ELSE l.unit_price END / 100) AS BIGINT),
		CAST(SUM(l.amount) AS BIGINT),
		CAST(AVG(CASE WHEN l.list_price > 0 AND l.quantity * l.list_price >= 100
			THEN 100.0 * (l.quantity * l.list_price / 100 - l.amount) / (l.quantity * l.list_price / 100) ELSE 0 END) AS DOUBLE PRECISION)
		FROM quote_lines l JOIN quotes q ON q.id = l.quote_id LEFT JOIN products p ON p.id = l.product_id
		WHERE l.product_id IS NOT NULL AND q.currency = $1 AND q.status IN ('sent', 'accepted', 'rejected')
		GROUP BY l.product_id, p.name_ja ORDER BY 6 DESC`, currency)
}

// DiscountByOwner averages quote discounts below list per quote owner
// over sent or answered quotes in currency.
func (s *Store) DiscountByOwner(ctx context.Context, currency string) ([]DiscountRow, error) {
	return discountRows(ctx, s.r(), `SELECT COALESCE(q.owner_id, 0), COALESCE(u.name, ''), COUNT(*),
		CAST(SUM(q.list_total) AS BIGINT), CAST(SUM(q.subtotal - q.discount_total) AS BIGINT),
		CAST(AVG(q.discount_bp / 100.0) AS DOUBLE PRECISION)
		FROM quotes q LEFT JOIN users u ON u.id = q.owner_id
		WHERE q.currency = $1 AND q.status IN ('sent', 'accepted', 'rejected')
		GROUP BY q.owner_id, u.name ORDER BY 6 DESC`, currency)
}

func discountRows(ctx context.Context, db querier, query string, args ...any) ([]DiscountRow, error) {
	rows, err := db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []DiscountRow
	for rows.Next() {
		var r DiscountRow
		var avg sql.NullFloat64
		if err := rows.Scan(&r.ID, &r.Name, &r.Count, &r.ListTotal, &r.Offered, &avg); err != nil {
			return nil, err
		}
		r.AvgPercent = avg.Float64
		out = append(out, r)
	}
	return out, rows.Err()
}

// DeleteQuote removes a quote with its lines and log.
func (tx *Tx) DeleteQuote(ctx context.Context, id int64) error {
	_, err := tx.q().ExecContext(ctx, "DELETE FROM quotes WHERE id = $1", id)
	return err
}
