package gen

import (
	"context"
	"testing"

	"renkei/internal/crm"
	"renkei/internal/store/storetest"
)

// TestMarketExtension: every fiscal year of the story has a whole-market
// size and a large-customer one (30 and 12 times the year's won revenue
// scaled to a full year), and the segment they name exists.
func TestMarketExtension(t *testing.T) {
	s := storetest.Open(t)
	ctx := context.Background()
	w := newWorld(t, 7, "N=3000", crm.LangJA)
	sx := salesExtension(w)
	loadWorld(t, s, w, LoadOptions{Extensions: []Extension{sx, segmentsExtension(w), marketExtension(w, sx)}})
	db := s.DB()
	var whole, seg, badSeg int
	db.QueryRowContext(ctx, `SELECT COUNT(*) FROM market_sizes WHERE segment_id IS NULL AND amount > 0`).Scan(&whole)
	db.QueryRowContext(ctx, `SELECT COUNT(*) FROM market_sizes WHERE segment_id = $1`, largeCustomersSegment).Scan(&seg)
	db.QueryRowContext(ctx, `SELECT COUNT(*) FROM market_sizes m LEFT JOIN segments g ON g.id = m.segment_id
		WHERE m.segment_id IS NOT NULL AND g.id IS NULL`).Scan(&badSeg)
	if whole == 0 || whole != seg || badSeg != 0 {
		t.Errorf("whole-market sizes %d, large-customer sizes %d, sizes of missing segments %d", whole, seg, badSeg)
	}
	var name string
	if err := db.QueryRowContext(ctx, `SELECT name FROM segments WHERE id = $1`, largeCustomersSegment).Scan(&name); err != nil || name != "大口の顧客と商談中の企業" {
		t.Errorf("segment %d = %q, %v; want the large customers", largeCustomersSegment, name, err)
	}
	// Per year, the whole market is 30/12 = 2.5 times the large customers' (± rounding).
	rows, err := db.QueryContext(ctx, `SELECT w.period, w.amount, g.amount FROM market_sizes w JOIN market_sizes g
		ON g.period = w.period AND g.segment_id IS NOT NULL WHERE w.segment_id IS NULL`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var period string
		var all, large int64
		if err := rows.Scan(&period, &all, &large); err != nil {
			t.Fatal(err)
		}
		if r := float64(all) / float64(large); large <= 0 || r < 2.3 || r > 2.7 {
			t.Errorf("%s: whole market %d, large customers %d (ratio %.2f)", period, all, large, r)
		}
	}
}
