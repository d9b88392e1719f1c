package app

import (
	"context"
	"errors"
	"fmt"

	"renkei/internal/crm"
	"renkei/internal/store"
)

// The product catalogue and price books (issue 7 §1). Everyone signed in
// reads them; admins and team managers change them (crm.CanEditCatalogue).
//
// A change is checked in this order: the role (crm.PermWriteContacts, the
// route's permission), the input, the record's existence, and then whether
// the actor is an admin or a manager (catalogueEditor). So a salesperson
// who manages no team learns about a typo before being told to ask a
// manager, and the route table's walk sees no refusal the table does not
// state.

// CanEditCatalogue reports whether the actor may change the catalogue.
func (ac Actor) CanEditCatalogue() bool {
	return ac.Can(crm.PermWriteContacts) && crm.CanEditCatalogue(ac.User)
}

// catalogueEditor refuses an actor who is neither an admin nor a manager.
func (ac Actor) catalogueEditor() error {
	if !ac.CanEditCatalogue() {
		return crm.ErrForbidden
	}
	return nil
}

// Products lists one page of products.
func (a *App) Products(ctx context.Context, ac Actor, q store.ProductQuery) (store.ProductPage, error) {
	if err := ac.require(crm.PermReadAll); err != nil {
		return store.ProductPage{}, err
	}
	return a.Store.ListProducts(ctx, q)
}

// Product returns one product.
func (a *App) Product(ctx context.Context, ac Actor, id int64) (crm.Product, error) {
	if err := ac.require(crm.PermReadAll); err != nil {
		return crm.Product{}, err
	}
	return a.Store.GetProduct(ctx, id)
}

// skuInUse turns a unique-SKU conflict into a message on the field.
func skuInUse(err error) error {
	if errors.Is(err, crm.ErrConflict) {
		return crm.Invalid("sku", "another product uses this SKU already")
	}
	return err
}

// CreateProduct adds a product to the catalogue.
func (a *App) CreateProduct(ctx context.Context, ac Actor, p crm.Product) (crm.Product, error) {
	if err := ac.require(crm.PermWriteContacts); err != nil {
		return p, err
	}
	p.ID = 0
	p.Normalize()
	if err := p.Validate(); err != nil {
		return p, err
	}
	if err := ac.catalogueEditor(); err != nil {
		return p, err
	}
	err := a.Store.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.CreateProduct(ctx, &p, a.now()); err != nil {
			return skuInUse(err)
		}
		return tx.Audit(ctx, a.audit(ac, "product.create", fmt.Sprintf("%d %s", p.ID, p.SKU), ""))
	})
	return p, err
}

// UpdateProduct writes a product when version is still the stored one.
func (a *App) UpdateProduct(ctx context.Context, ac Actor, id, version int64, p crm.Product) (crm.Product, error) {
	if err := ac.require(crm.PermWriteContacts); err != nil {
		return p, err
	}
	p.ID, p.Version = id, version
	p.Normalize()
	if err := p.Validate(); err != nil {
		return p, err
	}
	err := a.Store.InTx(ctx, func(tx *store.Tx) error {
		old, err := tx.GetProduct(ctx, id)
		if err != nil {
			return err
		}
		if err := ac.catalogueEditor(); err != nil {
			return err
		}
		p.CreatedAt = old.CreatedAt
		if err := tx.UpdateProduct(ctx, &p, a.now()); err != nil {
			return skuInUse(err)
		}
		return tx.Audit(ctx, a.audit(ac, "product.update", fmt.Sprintf("%d %s", p.ID, p.SKU),
			fmt.Sprintf("list price %d → %d", old.ListPrice, p.ListPrice)))
	})
	return p, err
}

// ---- price books ----

// PriceBooks lists the price books.
func (a *App) PriceBooks(ctx context.Context, ac Actor) ([]crm.PriceBook, error) {
	if err := ac.require(crm.PermReadAll); err != nil {
		return nil, err
	}
	return a.Store.PriceBooks(ctx)
}

// PriceBook returns a price book with its entries.
func (a *App) PriceBook(ctx context.Context, ac Actor, id int64) (crm.PriceBook, []crm.PriceBookEntry, error) {
	if err := ac.require(crm.PermReadAll); err != nil {
		return crm.PriceBook{}, nil, err
	}
	b, err := a.Store.GetPriceBook(ctx, id)
	if err != nil {
		return b, nil, err
	}
	es, err := a.Store.PriceBookEntries(ctx, id)
	return b, es, err
}

func bookNameInUse(err error) error {
	if errors.Is(err, crm.ErrConflict) {
		return crm.Invalid("name", "another price book has this name already")
	}
	return err
}

// CreatePriceBook adds a price book.
func (a *App) CreatePriceBook(ctx context.Context, ac Actor, b crm.PriceBook) (crm.PriceBook, error) {
	if err := ac.require(crm.PermWriteContacts); err != nil {
		return b, err
	}
	b.ID = 0
	b.Normalize()
	if err := b.Validate(); err != nil {
		return b, err
	}
	if err := ac.catalogueEditor(); err != nil {
		return b, err
	}
	err := a.Store.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.CreatePriceBook(ctx, &b, a.now()); err != nil {
			return bookNameInUse(err)
		}
		return tx.Audit(ctx, a.audit(ac, "price_book.create", fmt.Sprintf("%d %s", b.ID, b.Name), ""))
	})
	return b, err
}

// UpdatePriceBook writes a price book's name, kind, dates and active flag.
func (a *App) UpdatePriceBook(ctx context.Context, ac Actor, id int64, b crm.PriceBook) (crm.PriceBook, error) {
	if err := ac.require(crm.PermWriteContacts); err != nil {
		return b, err
	}
	b.ID = id
	b.Normalize()
	if err := b.Validate(); err != nil {
		return b, err
	}
	err := a.Store.InTx(ctx, func(tx *store.Tx) error {
		if _, err := tx.GetPriceBook(ctx, id); err != nil {
			return err
		}
		if err := ac.catalogueEditor(); err != nil {
			return err
		}
		if err := tx.UpdatePriceBook(ctx, &b, a.now()); err != nil {
			return bookNameInUse(err)
		}
		return tx.Audit(ctx, a.audit(ac, "price_book.update", fmt.Sprintf("%d %s", b.ID, b.Name), ""))
	})
	return b, err
}

// DeletePriceBook removes a price book and its prices.
func (a *App) DeletePriceBook(ctx context.Context, ac Actor, id int64) error {
	if err := ac.require(crm.PermWriteContacts); err != nil {
		return err
	}
	return a.Store.InTx(ctx, func(tx *store.Tx) error {
		b, err := tx.GetPriceBook(ctx, id)
		if err != nil {
			return err
		}
		if err := ac.catalogueEditor(); err != nil {
			return err
		}
		if err := tx.DeletePriceBook(ctx, id); err != nil {
			return err
		}
		return tx.Audit(ctx, a.audit(ac, "price_book.delete", fmt.Sprintf("%d %s", id, b.Name), ""))
	})
}

// SetPriceBookEntry sets a product's price in a book.
func (a *App) SetPriceBookEntry(ctx context.Context, ac Actor, e crm.PriceBookEntry) error {
	if err := ac.require(crm.PermWriteContacts); err != nil {
		return err
	}
	if err := crm.ValidateEntryPrice(e.Price); err != nil {
		return err
	}
	return a.Store.InTx(ctx, func(tx *store.Tx) error {
		if _, err := tx.GetPriceBook(ctx, e.PriceBookID); err != nil {
			return err
		}
		if _, err := tx.GetProduct(ctx, e.ProductID); errors.Is(err, crm.ErrNotFound) {
			return crm.Invalid("product_id", "choose a product of the catalogue")
		} else if err != nil {
			return err
		}
		if err := ac.catalogueEditor(); err != nil {
			return err
		}
		return tx.SetPriceBookEntry(ctx, e)
	})
}

// DeletePriceBookEntry removes a product from a book.
func (a *App) DeletePriceBookEntry(ctx context.Context, ac Actor, bookID, productID int64) error {
	if err := ac.require(crm.PermWriteContacts); err != nil {
		return err
	}
	return a.Store.InTx(ctx, func(tx *store.Tx) error {
		if _, err := tx.GetPriceBook(ctx, bookID); err != nil {
			return err
		}
		if err := ac.catalogueEditor(); err != nil {
			return err
		}
		ok, err := tx.DeletePriceBookEntry(ctx, bookID, productID)
		if err == nil && !ok {
			return crm.ErrNotFound
		}
		return err
	})
}

// PriceFor is the price of a product on a day under a price book (0: the
// list price); see store.PriceFor.
func (a *App) PriceFor(ctx context.Context, ac Actor, productID, bookID int64, day string) (int64, error) {
	if err := ac.require(crm.PermReadAll); err != nil {
		return 0, err
	}
	if !crm.ValidDate(day) {
		return 0, crm.Invalid("date", "enter a date such as 2026-04-30")
	}
	return a.Store.PriceFor(ctx, productID, bookID, day)
}
