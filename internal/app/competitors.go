package app

import (
	"context"
	"errors"
	"fmt"
	"time"

	"renkei/internal/crm"
	"renkei/internal/store"
)

// Competitors grow (issue 7 §2): the battlecard, their products mapped to
// ours, observed prices kept as history, the win / loss record and the
// positioning of one of our products against theirs.
//
// Sales (and admins) write competitors, battlecards and competitor
// products; observed prices may also be recorded by marketing, who watch
// the market. Everyone signed in reads them.

// Competitor returns one competitor.
func (a *App) Competitor(ctx context.Context, ac Actor, id int64) (crm.Competitor, error) {
	if err := ac.require(crm.PermReadAll); err != nil {
		return crm.Competitor{}, err
	}
	return a.Store.Competitor(ctx, id)
}

// UpdateCompetitor writes a competitor's fields and battlecard.
func (a *App) UpdateCompetitor(ctx context.Context, ac Actor, id int64, c crm.Competitor) (crm.Competitor, error) {
	if err := ac.require(crm.PermWriteSales); err != nil {
		return c, err
	}
	c.ID = id
	c.Normalize()
	if err := c.Validate(); err != nil {
		return c, err
	}
	err := a.Store.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.UpdateCompetitor(ctx, &c, a.now()); err != nil {
			return competitorNameInUse(err)
		}
		return tx.Audit(ctx, a.audit(ac, "competitor.update", fmt.Sprintf("%d %s", c.ID, c.Name), ""))
	})
	return c, err
}

// CompetitorWinLoss counts the deals the actor may see that named the
// competitor (on the deal, or as the one a lost deal went to): won, lost
// and still open, by the deal list's own definitions.
func (a *App) CompetitorWinLoss(ctx context.Context, ac Actor, id int64) (crm.WinLoss, error) {
	var wl crm.WinLoss
	for _, c := range []struct {
		status string
		n      *int
	}{{"won", &wl.Won}, {"lost", &wl.Lost}, {"open", &wl.Open}} {
		n, err := a.CountDeals(ctx, ac, store.DealQuery{CompetitorID: id, Status: c.status})
		if err != nil {
			return wl, err
		}
		*c.n = n
	}
	return wl, nil
}

// Battlecard is what the battlecard page shows of one competitor.
type Battlecard struct {
	Competitor crm.Competitor
	Record     crm.WinLoss
	Products   []crm.CompetitorProduct
	Deals      []crm.Deal // the latest deals that named it
	MoreDeals  bool
}

// Battlecard gathers a competitor's battlecard.
func (a *App) Battlecard(ctx context.Context, ac Actor, id int64) (Battlecard, error) {
	var b Battlecard
	c, err := a.Competitor(ctx, ac, id)
	if err != nil {
		return b, err
	}
	b.Competitor = c
	if b.Record, err = a.CompetitorWinLoss(ctx, ac, id); err != nil {
		return b, err
	}
	if b.Products, err = a.Store.CompetitorProducts(ctx, store.CompetitorProductQuery{CompetitorID: id}); err != nil {
		return b, err
	}
	page, err := a.ListDeals(ctx, ac, store.DealQuery{CompetitorID: id, Sort: "updated", Limit: 10})
	b.Deals, b.MoreDeals = page.Deals, page.More
	return b, err
}

// CompetitorProducts lists competitor products (of one competitor or
// mapped to one of our products).
func (a *App) CompetitorProducts(ctx context.Context, ac Actor, q store.CompetitorProductQuery) ([]crm.CompetitorProduct, error) {
	if err := ac.require(crm.PermReadAll); err != nil {
		return nil, err
	}
	return a.Store.CompetitorProducts(ctx, q)
}

// checkMapping refuses a mapping to a product that does not exist.
func checkMapping(ctx context.Context, tx *store.Tx, productID int64) error {
	if productID == 0 {
		return nil
	}
	if _, err := tx.GetProduct(ctx, productID); errors.Is(err, crm.ErrNotFound) {
		return crm.Invalid("product_id", "choose a product of the catalogue")
	} else if err != nil {
		return err
	}
	return nil
}

func competitorProductInUse(err error) error {
	if errors.Is(err, crm.ErrConflict) {
		return crm.Invalid("name", "this competitor has a product with this name already")
	}
	return err
}

// CreateCompetitorProduct adds a product to a competitor.
func (a *App) CreateCompetitorProduct(ctx context.Context, ac Actor, p crm.CompetitorProduct) (crm.CompetitorProduct, error) {
	if err := ac.require(crm.PermWriteSales); err != nil {
		return p, err
	}
	p.ID = 0
	p.Normalize()
	if err := p.Validate(); err != nil {
		return p, err
	}
	err := a.Store.InTx(ctx, func(tx *store.Tx) error {
		if ok, err := tx.CompetitorExists(ctx, p.CompetitorID); err != nil || !ok {
			return errors.Join(crm.ErrNotFound, err)
		}
		if err := checkMapping(ctx, tx, p.ProductID); err != nil {
			return err
		}
		if err := tx.CreateCompetitorProduct(ctx, &p, a.now()); err != nil {
			return competitorProductInUse(err)
		}
		got, err := tx.CompetitorProduct(ctx, p.ID)
		p = got
		return err
	})
	return p, err
}

// UpdateCompetitorProduct renames, re-maps or annotates a competitor product.
func (a *App) UpdateCompetitorProduct(ctx context.Context, ac Actor, id int64, p crm.CompetitorProduct) (crm.CompetitorProduct, error) {
	if err := ac.require(crm.PermWriteSales); err != nil {
		return p, err
	}
	p.ID = id
	p.Normalize()
	if err := p.Validate(); err != nil {
		return p, err
	}
	err := a.Store.InTx(ctx, func(tx *store.Tx) error {
		if err := checkMapping(ctx, tx, p.ProductID); err != nil {
			return err
		}
		if err := tx.UpdateCompetitorProduct(ctx, &p); err != nil {
			return competitorProductInUse(err)
		}
		got, err := tx.CompetitorProduct(ctx, id)
		p = got
		return err
	})
	return p, err
}

// DeleteCompetitorProduct removes a competitor product and its price history.
func (a *App) DeleteCompetitorProduct(ctx context.Context, ac Actor, id int64) error {
	if err := ac.require(crm.PermWriteSales); err != nil {
		return err
	}
	return a.Store.InTx(ctx, func(tx *store.Tx) error {
		p, err := tx.CompetitorProduct(ctx, id)
		if err != nil {
			return err
		}
		if err := tx.DeleteCompetitorProduct(ctx, id); err != nil {
			return err
		}
		return tx.Audit(ctx, a.audit(ac, "competitor_product.delete",
			fmt.Sprintf("%d %s / %s", id, p.CompetitorName, p.Name), ""))
	})
}

// CompetitorPrices lists observed prices, oldest first.
func (a *App) CompetitorPrices(ctx context.Context, ac Actor, q store.CompetitorPriceQuery) ([]crm.CompetitorPrice, error) {
	if err := ac.require(crm.PermReadAll); err != nil {
		return nil, err
	}
	v := &crm.ValidationError{}
	if q.From != "" && !crm.ValidDate(q.From) {
		v.Add("from", "enter a date such as 2026-04-30")
	}
	if q.To != "" && !crm.ValidDate(q.To) {
		v.Add("to", "enter a date such as 2026-04-30")
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	return a.Store.CompetitorPrices(ctx, q)
}

// AddCompetitorPrice records a price observed on a day; the history keeps
// every observation.
func (a *App) AddCompetitorPrice(ctx context.Context, ac Actor, p crm.CompetitorPrice) (crm.CompetitorPrice, error) {
	if err := ac.require(crm.PermWriteContacts); err != nil {
		return p, err
	}
	p.ID, p.CreatedBy = 0, ac.User.ID
	p.Normalize()
	if err := p.Validate(a.today(ctx).Format(time.DateOnly)); err != nil {
		return p, err
	}
	err := a.Store.InTx(ctx, func(tx *store.Tx) error {
		cp, err := tx.CompetitorProduct(ctx, p.CompetitorProductID)
		if errors.Is(err, crm.ErrNotFound) {
			return crm.Invalid("competitor_product_id", "choose the competitor's product")
		} else if err != nil {
			return err
		}
		p.CompetitorID, p.CompetitorName, p.CompetitorProductName, p.ProductID = cp.CompetitorID, cp.CompetitorName, cp.Name, cp.ProductID
		return tx.AddCompetitorPrice(ctx, &p, a.now())
	})
	return p, err
}

// Positioning is one of our products against the competitor products
// mapped to it: our list price and every observed price over time.
type Positioning struct {
	Product  crm.Product
	Rivals   []crm.CompetitorProduct
	Prices   []crm.CompetitorPrice // oldest first
	Currency string                // our product's; prices in others are listed but not charted
}

// Positioning gathers the positioning view of a product.
func (a *App) Positioning(ctx context.Context, ac Actor, productID int64) (Positioning, error) {
	var pos Positioning
	p, err := a.Product(ctx, ac, productID)
	if err != nil {
		return pos, err
	}
	pos.Product, pos.Currency = p, p.Currency
	if pos.Rivals, err = a.Store.CompetitorProducts(ctx, store.CompetitorProductQuery{ProductID: productID}); err != nil {
		return pos, err
	}
	pos.Prices, err = a.Store.CompetitorPrices(ctx, store.CompetitorPriceQuery{ProductID: productID, Limit: 5000})
	return pos, err
}
