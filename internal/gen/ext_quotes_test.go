package gen

import (
	"context"
	"testing"

	"renkei/internal/crm"
	"renkei/internal/store"
	"renkei/internal/store/storetest"
)

// TestQuotesExtension checks that every won deal of the demo has two
// revisions of one quote, the second accepted, with totals that the app
// reads back the same, and that the next quote made in the app takes the
// number after the demo's.
func TestQuotesExtension(t *testing.T) {
	s := storetest.Open(t)
	ctx := context.Background()
	w := newWorld(t, 7, "N=3000", crm.LangJA)
	sx := salesExtension(w)
	loadWorld(t, s, w, LoadOptions{Extensions: []Extension{sx, quotesExtension(w, sx)}})
	db := s.DB()
	var won, quotes, accepted, numbers, invoices int
	for q, dst := range map[string]*int{
		"SELECT COUNT(*) FROM deals WHERE won_at IS NOT NULL":                                            &won,
		"SELECT COUNT(*) FROM quotes":                                                                    &quotes,
		"SELECT COUNT(*) FROM quotes WHERE status = 'accepted' AND revision = 2":                         &accepted,
		"SELECT COUNT(DISTINCT number) FROM quotes WHERE number LIKE 'Q-%-%'":                            &numbers,
		"SELECT COUNT(*) FROM invoices i JOIN quotes q ON q.id = i.quote_id WHERE q.status = 'accepted'": &invoices,
	} {
		if err := db.QueryRowContext(ctx, q).Scan(dst); err != nil {
			t.Fatal(err)
		}
	}
	if won < 10 || quotes != 2*won || accepted != won || numbers != won || invoices != won {
		t.Fatalf("%d won deals, %d quotes, %d accepted, %d numbers, %d invoices", won, quotes, accepted, numbers, invoices)
	}
	qs, err := s.Quotes(ctx, store.QuoteQuery{Status: "accepted", Limit: 5})
	if err != nil || len(qs) == 0 {
		t.Fatal(qs, err)
	}
	for _, q := range qs {
		full, err := s.Quote(ctx, q.ID)
		if err != nil {
			t.Fatal(err)
		}
		before := full.Total
		if err := full.Compute(); err != nil || full.Total != before || full.DiscountBP == 0 && full.ListTotal != full.Subtotal {
			t.Errorf("quote %s: stored total %d, recomputed %d (%v)", q.Number, before, full.Total, err)
		}
	}
	// The counter continues after the demo's numbers.
	var year, last int
	if err := db.QueryRowContext(ctx, "SELECT year, last FROM document_numbers WHERE kind = 'Q' ORDER BY year DESC LIMIT 1").Scan(&year, &last); err != nil {
		t.Fatal(err)
	}
	err = s.InTx(ctx, func(tx *store.Tx) error {
		n, err := tx.NextDocumentNumber(ctx, "Q", year)
		if err == nil && n != int64(last)+1 {
			t.Errorf("next number %d after %d", n, last)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}
