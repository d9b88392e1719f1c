package gen

import (
	"context"
	"encoding/json"
	"time"

	"renkei/internal/crm"
	"renkei/internal/store"
)

// contracts adds the contract of every won deal of the sales extension:
// the deal's amount from the won day for a year (ended once that year is
// over), with its timeline entry. It draws no random numbers.
type contracts struct {
	w         *World
	sales     *sales
	contracts *store.BulkTable
	tl        *store.BulkTable
	next      int64
}

// contractsExtension follows the sales extension s (nil without it).
func contractsExtension(w *World, s Extension) Extension {
	sx, ok := s.(*sales)
	if !ok || sx == nil {
		return nil
	}
	return &contracts{w: w, sales: sx}
}

func (c *contracts) Tables(ctx context.Context, b *store.Bulk) (err error) {
	if c.contracts, err = b.Table(ctx, "contracts", "id", "deal_id", "company_id", "contact_id", "owner_id", "amount",
		"currency", "start_date", "end_date", "terms", "status", "renewal_deal_id", "created_at", "updated_at",
		"version"); err != nil {
		return err
	}
	c.tl, err = b.Table(ctx, "timeline", "at", "contact_id", "company_id", "kind", "actor_id", "data", "ref_type", "ref_id")
	return err
}

// demoTerms are the contracts' terms, by deal number.
var demoTerms = []string{
	"年間ライセンス。自動更新、解約は終了日の60日前までに書面で通知。",
	"初期導入支援を含む。月額払い、1年契約。",
	"ユーザー数に応じた従量課金。年1回の見直し。",
}

func (c *contracts) Company(ctx context.Context, co *Company, people []Person) error {
	now := c.w.Now()
	for _, d := range c.sales.won {
		c.next++
		start := d.at.In(c.w.jst)
		start = time.Date(start.Year(), start.Month(), start.Day(), 0, 0, 0, 0, c.w.jst)
		end := start.AddDate(1, 0, 0)
		status := crm.ContractActive
		if !end.After(now) {
			status = crm.ContractEnded
		}
		p := d.person
		if err := c.contracts.Add(ctx, c.next, d.id, int64(co.ID), int64(p.ID), nullID(p.OwnerID), d.amount, "JPY",
			start.Format(time.DateOnly), end.Format(time.DateOnly), demoTerms[d.id%int64(len(demoTerms))],
			string(status), nil, ms(d.at), ms(d.at), 1); err != nil {
			return err
		}
		data, _ := json.Marshal(map[string]any{"amount": d.amount, "currency": "JPY",
			"start_date": start.Format(time.DateOnly), "end_date": end.Format(time.DateOnly)})
		if err := c.tl.Add(ctx, ms(d.at), int64(p.ID), int64(co.ID), "contract", nullID(p.OwnerID), string(data),
			"contract", c.next); err != nil {
			return err
		}
	}
	return nil
}

func (c *contracts) Done(ctx context.Context) error { return nil }
