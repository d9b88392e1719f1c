package gen

import (
	"context"
	"testing"

	"renkei/internal/crm"
	"renkei/internal/store/storetest"
)

// TestContractsExtension checks that every won deal of the demo has one
// contract with the deal's amount, starting on the won day, and nothing else
// has one.
func TestContractsExtension(t *testing.T) {
	s := storetest.Open(t)
	ctx := context.Background()
	w := newWorld(t, 7, "N=3000", crm.LangJA)
	sx := salesExtension(w)
	loadWorld(t, s, w, LoadOptions{Extensions: []Extension{sx, contractsExtension(w, sx)}})
	db := s.DB()
	var won, contracts, bad int
	if err := db.QueryRowContext(ctx, "SELECT COUNT(*) FROM deals WHERE won_at IS NOT NULL").Scan(&won); err != nil {
		t.Fatal(err)
	}
	if err := db.QueryRowContext(ctx, "SELECT COUNT(*) FROM contracts").Scan(&contracts); err != nil {
		t.Fatal(err)
	}
	if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM contracts k JOIN deals d ON d.id = k.deal_id
		WHERE d.won_at IS NULL OR k.amount <> d.amount OR k.contact_id <> d.contact_id OR k.end_date <= k.start_date`).Scan(&bad); err != nil {
		t.Fatal(err)
	}
	if won < 10 || contracts != won || bad != 0 {
		t.Errorf("%d won deals, %d contracts, %d that disagree with their deal", won, contracts, bad)
	}
	if contractsExtension(w, nil) != nil {
		t.Errorf("a contracts extension without the sales one")
	}
}
