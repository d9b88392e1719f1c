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

// ---- the product catalogue (migration 0014) ----

// Product is a product or service of the catalogue (crm.Product).
type Product = crm.Product

// PriceBook is a price book (crm.PriceBook).
type PriceBook = crm.PriceBook

const productCols = `id, sku, name_ja, name_en, unit, list_price, cost, currency, tax_category, active,
	description, created_at, updated_at, version`

func scanProduct(sc interface{ Scan(...any) error }) (Product, error) {
	var p Product
	var tax string
	var active int
	var created, updated int64
	err := sc.Scan(&p.ID, &p.SKU, &p.NameJA, &p.NameEN, &p.Unit, &p.ListPrice, &p.Cost, &p.Currency, &tax,
		&active, &p.Description, &created, &updated, &p.Version)
	if errors.Is(err, sql.ErrNoRows) {
		return p, crm.ErrNotFound
	}
	p.TaxCategory = crm.TaxCategory(tax)
	p.Active = active == 1
	p.CreatedAt, p.UpdatedAt = fromMS(created), fromMS(updated)
	return p, err
}

// GetProduct returns one product; an unknown id is crm.ErrNotFound.
func (s *Store) GetProduct(ctx context.Context, id int64) (Product, error) {
	return scanProduct(s.r().QueryRowContext(ctx, "SELECT "+productCols+" FROM products WHERE id = $1", id))
}

// GetProduct reads a product inside a write transaction.
func (tx *Tx) GetProduct(ctx context.Context, id int64) (Product, error) {
	return scanProduct(tx.q().QueryRowContext(ctx, "SELECT "+productCols+" FROM products WHERE id = $1", id))
}

// CreateProduct inserts a product; a SKU in use is crm.ErrConflict.
func (tx *Tx) CreateProduct(ctx context.Context, p *Product, now time.Time) error {
	err := tx.q().QueryRowContext(ctx, `INSERT INTO products (sku, name_ja, name_en, unit, list_price, cost,
		currency, tax_category, active, description, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11) RETURNING id, version`,
		p.SKU, p.NameJA, p.NameEN, p.Unit, p.ListPrice, p.Cost, p.Currency, string(p.TaxCategory),
		boolInt(p.Active), p.Description, ms(now)).Scan(&p.ID, &p.Version)
	if err != nil {
		return tx.s.d.mapError(err)
	}
	p.CreatedAt, p.UpdatedAt = now, now
	return nil
}

// UpdateProduct writes every field when p.Version is the stored version
// (crm.ErrStale otherwise); a SKU in use is crm.ErrConflict.
func (tx *Tx) UpdateProduct(ctx context.Context, p *Product, now time.Time) error {
	res, err := tx.q().ExecContext(ctx, `UPDATE products SET sku = $1, name_ja = $2, name_en = $3, unit = $4,
		list_price = $5, cost = $6, currency = $7, tax_category = $8, active = $9, description = $10,
		updated_at = $11, version = version + 1 WHERE id = $12 AND version = $13`,
		p.SKU, p.NameJA, p.NameEN, p.Unit, p.ListPrice, p.Cost, p.Currency, string(p.TaxCategory),
		boolInt(p.Active), p.Description, ms(now), p.ID, p.Version)
	if err != nil {
		return tx.s.d.mapError(err)
	}
	if err := staleOrMissing(ctx, tx, res, "products", p.ID); err != nil {
		return err
	}
	p.Version++
	p.UpdatedAt = now
	return nil
}

// ProductQuery selects products for the list and the API.
type ProductQuery struct {
	ActiveOnly bool
	// Q matches part of the SKU or of either name, ignoring ASCII case.
	Q      string
	Offset int
	Limit  int // 1..500; 0 means 50
}

// ProductPage is one page of products, ordered by SKU.
type ProductPage struct {
	Products []Product
	Total    int // products matching the query, all pages
}

// ListProducts returns one page of the products matching q.
func (s *Store) ListProducts(ctx context.Context, q ProductQuery) (ProductPage, error) {
	var w []string
	var args []any
	if q.ActiveOnly {
		w = append(w, "active = 1")
	}
	if term := strings.ToLower(strings.TrimSpace(q.Q)); term != "" {
		args = append(args, term)
		var any []string
		for _, col := range []string{"sku", "name_ja", "name_en"} {
			any = append(any, s.d.containsFold(col, "$1"))
		}
		w = append(w, "("+strings.Join(any, " OR ")+")")
	}
	where := ""
	if len(w) > 0 {
		where = " WHERE " + strings.Join(w, " AND ")
	}
	var page ProductPage
	if err := s.r().QueryRowContext(ctx, "SELECT COUNT(*) FROM products"+where, args...).Scan(&page.Total); err != nil {
		return page, err
	}
	limit := q.Limit
	if limit <= 0 || limit > 500 {
		limit = 50
	}
	rows, err := s.r().QueryContext(ctx, "SELECT "+productCols+" FROM products"+where+
		fmt.Sprintf(" ORDER BY sku, id LIMIT %d OFFSET %d", limit, max(q.Offset, 0)), args...)
	if err != nil {
		return page, err
	}
	defer rows.Close()
	for rows.Next() {
		p, err := scanProduct(rows)
		if err != nil {
			return page, err
		}
		page.Products = append(page.Products, p)
	}
	return page, rows.Err()
}

// PriceFor returns the price of a product on a day (YYYY-MM-DD): the price
// book's price when the book is active, valid that day and prices the
// product, and the product's list price otherwise (also for priceBookID 0).
// An unknown product is crm.ErrNotFound.
func (s *Store) PriceFor(ctx context.Context, productID, priceBookID int64, date string) (int64, error) {
	return priceFor(ctx, s.r(), productID, priceBookID, date)
}

// PriceFor is Store.PriceFor inside a write transaction.
func (tx *Tx) PriceFor(ctx context.Context, productID, priceBookID int64, date string) (int64, error) {
	return priceFor(ctx, tx.q(), productID, priceBookID, date)
}

func priceFor(ctx context.Context, q querier, productID, priceBookID int64, date string) (int64, error) {
	var list int64
	var book sql.NullInt64
	err := q.QueryRowContext(ctx, `SELECT p.list_price, e.price FROM products p
		LEFT JOIN price_books b ON b.id = $2 AND b.active = 1
			AND (b.valid_from = '' OR b.valid_from <= $3) AND (b.valid_to = '' OR b.valid_to >= $3)
		LEFT JOIN price_book_entries e ON e.price_book_id = b.id AND e.product_id = p.id
		WHERE p.id = $1`, productID, priceBookID, date).Scan(&list, &book)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, crm.ErrNotFound
	}
	if err != nil {
		return 0, err
	}
	if book.Valid {
		return book.Int64, nil
	}
	return list, nil
}

// ---- price books ----

const priceBookCols = `b.id, b.name, b.kind, b.valid_from, b.valid_to, b.active, b.created_at, b.updated_at,
	(SELECT COUNT(*) FROM price_book_entries e WHERE e.price_book_id = b.id)`

func scanPriceBook(sc interface{ Scan(...any) error }) (PriceBook, error) {
	var b PriceBook
	var kind string
	var active int
	var created, updated int64
	err := sc.Scan(&b.ID, &b.Name, &kind, &b.ValidFrom, &b.ValidTo, &active, &created, &updated, &b.EntryCount)
	if errors.Is(err, sql.ErrNoRows) {
		return b, crm.ErrNotFound
	}
	b.Kind = crm.PriceBookKind(kind)
	b.Active = active == 1
	b.CreatedAt, b.UpdatedAt = fromMS(created), fromMS(updated)
	return b, err
}

// PriceBooks lists every price book by name.
func (s *Store) PriceBooks(ctx context.Context) ([]PriceBook, error) {
	rows, err := s.r().QueryContext(ctx, "SELECT "+priceBookCols+" FROM price_books b ORDER BY b.name, b.id")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []PriceBook
	for rows.Next() {
		b, err := scanPriceBook(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, b)
	}
	return out, rows.Err()
}

// GetPriceBook returns one price book.
func (s *Store) GetPriceBook(ctx context.Context, id int64) (PriceBook, error) {
	return scanPriceBook(s.r().QueryRowContext(ctx, "SELECT "+priceBookCols+" FROM price_books b WHERE b.id = $1", id))
}

// GetPriceBook reads a price book inside a write transaction.
func (tx *Tx) GetPriceBook(ctx context.Context, id int64) (PriceBook, error) {
	return scanPriceBook(tx.q().QueryRowContext(ctx, "SELECT "+priceBookCols+" FROM price_books b WHERE b.id = $1", id))
}

// CreatePriceBook inserts a price book; a name in use is crm.ErrConflict.
func (tx *Tx) CreatePriceBook(ctx context.Context, b *PriceBook, now time.Time) error {
	err := tx.q().QueryRowContext(ctx, `INSERT INTO price_books (name, kind, valid_from, valid_to, active,
		created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING id`,
		b.Name, string(b.Kind), b.ValidFrom, b.ValidTo, boolInt(b.Active), ms(now)).Scan(&b.ID)
	if err != nil {
		return tx.s.d.mapError(err)
	}
	b.CreatedAt, b.UpdatedAt = now, now
	return nil
}

// UpdatePriceBook writes a price book's fields; a name in use is
// crm.ErrConflict, an unknown id crm.ErrNotFound.
func (tx *Tx) UpdatePriceBook(ctx context.Context, b *PriceBook, now time.Time) error {
	res, err := tx.q().ExecContext(ctx, `UPDATE price_books SET name = $1, kind = $2, valid_from = $3,
		valid_to = $4, active = $5, updated_at = $6 WHERE id = $7`,
		b.Name, string(b.Kind), b.ValidFrom, b.ValidTo, boolInt(b.Active), ms(now), b.ID)
	if err != nil {
		return tx.s.d.mapError(err)
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return errors.Join(crm.ErrNotFound, err)
	}
	b.UpdatedAt = now
	return nil
}

// DeletePriceBook removes a price book and its entries.
func (tx *Tx) DeletePriceBook(ctx context.Context, id int64) error {
	res, err := tx.q().ExecContext(ctx, "DELETE FROM price_books WHERE id = $1", id)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return errors.Join(crm.ErrNotFound, err)
	}
	return nil
}

// PriceBookEntries lists a book's prices by SKU, with the products' names.
func (s *Store) PriceBookEntries(ctx context.Context, bookID int64) ([]crm.PriceBookEntry, error) {
	rows, err := s.r().QueryContext(ctx, `SELECT e.price_book_id, e.product_id, e.price, p.sku, p.name_ja,
		p.name_en, p.list_price, p.currency FROM price_book_entries e JOIN products p ON p.id = e.product_id
		WHERE e.price_book_id = $1 ORDER BY p.sku, p.id`, bookID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []crm.PriceBookEntry
	for rows.Next() {
		var e crm.PriceBookEntry
		if err := rows.Scan(&e.PriceBookID, &e.ProductID, &e.Price, &e.SKU, &e.NameJA, &e.NameEN, &e.ListPrice,
			&e.Currency); err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// SetPriceBookEntry sets (inserts or replaces) a product's price in a book;
// an unknown book or product is crm.ErrNotFound.
func (tx *Tx) SetPriceBookEntry(ctx context.Context, e crm.PriceBookEntry) error {
	_, err := tx.q().ExecContext(ctx, `INSERT INTO price_book_entries (price_book_id, product_id, price)
		VALUES ($1, $2, $3) ON CONFLICT (price_book_id, product_id) DO UPDATE SET price = excluded.price`,
		e.PriceBookID, e.ProductID, e.Price)
	return tx.s.d.mapError(err)
}

// DeletePriceBookEntry removes a product from a book; it reports whether
// there was an entry.
func (tx *Tx) DeletePriceBookEntry(ctx context.Context, bookID, productID int64) (bool, error) {
	res, err := tx.q().ExecContext(ctx, "DELETE FROM price_book_entries WHERE price_book_id = $1 AND product_id = $2",
		bookID, productID)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n > 0, err
}
