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

// ---- competitors: the battlecard, their products and observed prices (0017) ----

const competitorCols = `id, name, website, notes, strengths, weaknesses, talk_track, created_at, updated_at`

func scanCompetitor(sc interface{ Scan(...any) error }) (crm.Competitor, error) {
	var c crm.Competitor
	var created, updated int64
	err := sc.Scan(&c.ID, &c.Name, &c.Website, &c.Notes, &c.Strengths, &c.Weaknesses, &c.TalkTrack, &created, &updated)
	if errors.Is(err, sql.ErrNoRows) {
		return c, crm.ErrNotFound
	}
	c.CreatedAt, c.UpdatedAt = fromMS(created), fromMS(updated)
	return c, err
}

// Competitor returns one competitor.
func (s *Store) Competitor(ctx context.Context, id int64) (crm.Competitor, error) {
	return scanCompetitor(s.r().QueryRowContext(ctx, "SELECT "+competitorCols+" FROM competitors WHERE id = $1", id))
}

// UpdateCompetitor writes a competitor's fields and battlecard; a name in
// use is crm.ErrConflict, an unknown id crm.ErrNotFound.
func (tx *Tx) UpdateCompetitor(ctx context.Context, c *crm.Competitor, now time.Time) error {
	res, err := tx.q().ExecContext(ctx, `UPDATE competitors SET name = $1, website = $2, notes = $3, strengths = $4,
		weaknesses = $5, talk_track = $6, updated_at = $7 WHERE id = $8`,
		c.Name, c.Website, c.Notes, c.Strengths, c.Weaknesses, c.TalkTrack, ms(now), c.ID)
	if err != nil {
		return tx.s.d.mapError(err)
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return errors.Join(crm.ErrNotFound, err)
	}
	c.UpdatedAt = now
	return nil
}

// ---- competitor products ----

// CompetitorProductQuery selects competitor products: of one competitor,
// mapped to one of our products, or one by id (0: any).
type CompetitorProductQuery struct {
	ID, CompetitorID, ProductID int64
}

// CompetitorProducts lists competitor products by competitor and name, each
// with its latest observed price.
func (s *Store) CompetitorProducts(ctx context.Context, q CompetitorProductQuery) ([]crm.CompetitorProduct, error) {
	return competitorProducts(ctx, s.r(), q)
}

// CompetitorProduct reads one competitor product inside a write transaction.
func (tx *Tx) CompetitorProduct(ctx context.Context, id int64) (crm.CompetitorProduct, error) {
	ps, err := competitorProducts(ctx, tx.q(), CompetitorProductQuery{ID: id})
	if err != nil {
		return crm.CompetitorProduct{}, err
	}
	if len(ps) == 0 {
		return crm.CompetitorProduct{}, crm.ErrNotFound
	}
	return ps[0], nil
}

func competitorProducts(ctx context.Context, q querier, f CompetitorProductQuery) ([]crm.CompetitorProduct, error) {
	var w []string
	var args []any
	for col, v := range map[string]int64{"cp.id": f.ID, "cp.competitor_id": f.CompetitorID, "cp.product_id": f.ProductID} {
		if v != 0 {
			args = append(args, v)
			w = append(w, fmt.Sprintf("%s = $%d", col, len(args)))
		}
	}
	where := ""
	if len(w) > 0 {
		where = "WHERE " + strings.Join(w, " AND ")
	}
	// The latest price: the newest day, then the newest record of that day.
	rows, err := q.QueryContext(ctx, `SELECT cp.id, cp.competitor_id, cp.name, COALESCE(cp.product_id, 0), cp.notes,
		cp.created_at, c.name, COALESCE(p.sku, ''), COALESCE(p.name_ja, ''), COALESCE(p.name_en, ''),
		COALESCE(lp.price, 0), COALESCE(lp.currency, ''), COALESCE(lp.observed_on, '')
		FROM competitor_products cp JOIN competitors c ON c.id = cp.competitor_id
		LEFT JOIN products p ON p.id = cp.product_id
		LEFT JOIN competitor_prices lp ON lp.id = (SELECT x.id FROM competitor_prices x
			WHERE x.competitor_product_id = cp.id ORDER BY x.observed_on DESC, x.id DESC LIMIT 1)
		`+where+` ORDER BY c.name, cp.name, cp.id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []crm.CompetitorProduct
	for rows.Next() {
		var p crm.CompetitorProduct
		var created int64
		if err := rows.Scan(&p.ID, &p.CompetitorID, &p.Name, &p.ProductID, &p.Notes, &created, &p.CompetitorName,
			&p.ProductSKU, &p.ProductNameJA, &p.ProductNameEN, &p.LatestPrice, &p.LatestCurrency, &p.LatestOn); err != nil {
			return nil, err
		}
		p.CreatedAt = fromMS(created)
		out = append(out, p)
	}
	return out, rows.Err()
}

// CreateCompetitorProduct inserts a competitor product; a name the
// competitor uses already is crm.ErrConflict, an unknown competitor or
// product crm.ErrNotFound.
func (tx *Tx) CreateCompetitorProduct(ctx context.Context, p *crm.CompetitorProduct, now time.Time) error {
	err := tx.q().QueryRowContext(ctx, `INSERT INTO competitor_products (competitor_id, name, product_id, notes,
		created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
		p.CompetitorID, p.Name, nullID(p.ProductID), p.Notes, ms(now)).Scan(&p.ID)
	if err != nil {
		return tx.s.d.mapError(err)
	}
	p.CreatedAt = now
	return nil
}

// UpdateCompetitorProduct writes a competitor product's name, mapping and
// notes.
func (tx *Tx) UpdateCompetitorProduct(ctx context.Context, p *crm.CompetitorProduct) error {
	res, err := tx.q().ExecContext(ctx, `UPDATE competitor_products SET name = $1, product_id = $2, notes = $3
		WHERE id = $4`, p.Name, nullID(p.ProductID), p.Notes, p.ID)
	if err != nil {
		return tx.s.d.mapError(err)
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return errors.Join(crm.ErrNotFound, err)
	}
	return nil
}

// DeleteCompetitorProduct removes a competitor product and its prices.
func (tx *Tx) DeleteCompetitorProduct(ctx context.Context, id int64) error {
	res, err := tx.q().ExecContext(ctx, "DELETE FROM competitor_products WHERE id = $1", id)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return errors.Join(crm.ErrNotFound, err)
	}
	return nil
}

// ---- observed prices ----

// CompetitorPriceQuery selects observed prices (0: any).
type CompetitorPriceQuery struct {
	CompetitorID        int64
	CompetitorProductID int64
	ProductID           int64 // our product the competitor products are mapped to
	From, To            string
	// AfterDay and AfterID page on: observations after (day, id) in the
	// list's order.
	AfterDay string
	AfterID  int64
	Limit    int // 1..5000; 0 means 1000
}

// CompetitorPrices lists observed prices, oldest day first.
func (s *Store) CompetitorPrices(ctx context.Context, q CompetitorPriceQuery) ([]crm.CompetitorPrice, error) {
	var w []string
	var args []any
	add := func(cond string, v any) {
		args = append(args, v)
		w = append(w, fmt.Sprintf(cond, len(args)))
	}
	if q.CompetitorID != 0 {
		add("cp.competitor_id = $%d", q.CompetitorID)
	}
	if q.CompetitorProductID != 0 {
		add("x.competitor_product_id = $%d", q.CompetitorProductID)
	}
	if q.ProductID != 0 {
		add("cp.product_id = $%d", q.ProductID)
	}
	if q.From != "" {
		add("x.observed_on >= $%d", q.From)
	}
	if q.To != "" {
		add("x.observed_on <= $%d", q.To)
	}
	if q.AfterDay != "" {
		args = append(args, q.AfterDay, q.AfterID)
		w = append(w, fmt.Sprintf("(x.observed_on > $%d OR (x.observed_on = $%d AND x.id > $%d))",
			len(args)-1, len(args)-1, len(args)))
	}
	where := ""
	if len(w) > 0 {
		where = "WHERE " + strings.Join(w, " AND ")
	}
	limit := q.Limit
	if limit <= 0 || limit > 5000 {
		limit = 1000
	}
	rows, err := s.r().QueryContext(ctx, `SELECT x.id, x.competitor_product_id, x.observed_on, x.price, x.currency,
		x.source_url, x.note, COALESCE(x.created_by, 0), x.created_at, cp.competitor_id, c.name, cp.name,
		COALESCE(cp.product_id, 0)
		FROM competitor_prices x JOIN competitor_products cp ON cp.id = x.competitor_product_id
		JOIN competitors c ON c.id = cp.competitor_id `+where+
		fmt.Sprintf(" ORDER BY x.observed_on, x.id LIMIT %d", limit), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []crm.CompetitorPrice
	for rows.Next() {
		var p crm.CompetitorPrice
		var created int64
		if err := rows.Scan(&p.ID, &p.CompetitorProductID, &p.ObservedOn, &p.Price, &p.Currency, &p.SourceURL,
			&p.Note, &p.CreatedBy, &created, &p.CompetitorID, &p.CompetitorName, &p.CompetitorProductName,
			&p.ProductID); err != nil {
			return nil, err
		}
		p.CreatedAt = fromMS(created)
		out = append(out, p)
	}
	return out, rows.Err()
}

// AddCompetitorPrice records an observed price; an unknown competitor
// product is crm.ErrNotFound.
func (tx *Tx) AddCompetitorPrice(ctx context.Context, p *crm.CompetitorPrice, now time.Time) error {
	err := tx.q().QueryRowContext(ctx, `INSERT INTO competitor_prices (competitor_product_id, observed_on, price,
		currency, source_url, note, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
		p.CompetitorProductID, p.ObservedOn, p.Price, p.Currency, p.SourceURL, p.Note, nullID(p.CreatedBy),
		ms(now)).Scan(&p.ID)
	if err != nil {
		return tx.s.d.mapError(err)
	}
	p.CreatedAt = now
	return nil
}
