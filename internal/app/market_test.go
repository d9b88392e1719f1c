package app

import (
	"errors"
	"math"
	"testing"

	"renkei/internal/crm"
)

// TestMarketShare checks market share on the sales dashboard's
// hand-computed world: Q1 revenue as f.sales sees it is 5,100,000 (M1
// 2,000,000 + M2 1,000,000 + M4 $10,000 × 150 + O1 600,000; O5 has no
// rate), plus a 100,000 win on a contact of a segment.
func TestMarketShare(t *testing.T) {
	f := newDashFixture(t)
	a := f.app
	hi := f.contact(t, "hi@example.jp", "高橋")
	f.story(t, "S1", f.sales, crm.Deal{Amount: 100_000, ContactID: hi.ID}, jst(4, 20), step{at: jst(6, 2), stage: "Won"})
	f.clock.set(jst(6, 20))
	seg, err := a.CreateSegment(ctx, f.owner, crm.Segment{Name: "高橋さん", Kind: crm.SegmentDynamic,
		Filter: all(cond("email", crm.SegOpEq, "hi@example.jp"))})
	if err != nil {
		t.Fatal(err)
	}
	ws, _, _ := a.Workspace(ctx)
	q1, _ := ws.ParsePeriod("2026-Q1")

	// Nothing entered: no rows.
	if rows, err := a.MarketShare(ctx, f.sales, q1); err != nil || len(rows) != 0 {
		t.Fatalf("no sizes: %v, %v", rows, err)
	}
	// A yearly size serves the quarter pro rata: 120,000,000 × 3/12.
	if _, err := a.PutMarketSize(ctx, f.owner, crm.MarketSize{Period: "2026", Amount: 120_000_000}); err != nil {
		t.Fatal(err)
	}
	if _, err := a.PutMarketSize(ctx, f.owner, crm.MarketSize{Period: "2026-Q1", SegmentID: seg.ID, Amount: 1_000_000, Note: "業界レポート"}); err != nil {
		t.Fatal(err)
	}
	rows, err := a.MarketShare(ctx, f.sales, q1)
	if err != nil || len(rows) != 2 {
		t.Fatalf("shares: %+v, %v", rows, err)
	}
	whole, part := rows[0], rows[1]
	if whole.SegmentID != 0 || !whole.ProRata || whole.Size != 30_000_000 || whole.Revenue != 5_200_000 || whole.Deals != 5 ||
		whole.Unconverted != 1 || math.Abs(whole.Share-5_200_000.0/30_000_000) > 1e-9 {
		t.Errorf("whole market: %+v", whole)
	}
	if part.SegmentID != seg.ID || part.ProRata || part.Size != 1_000_000 || part.Revenue != 100_000 || part.Deals != 1 || part.Share != 0.1 {
		t.Errorf("segment: %+v", part)
	}
	// A quarter's own figure replaces the pro-rata one; entering it again
	// replaces the figure rather than adding a second.
	for _, amount := range []int64{50_000_000, 52_000_000} {
		if _, err := a.PutMarketSize(ctx, f.owner, crm.MarketSize{Period: "2026-Q1", Amount: amount}); err != nil {
			t.Fatal(err)
		}
	}
	rows, _ = a.MarketShare(ctx, f.sales, q1)
	if rows[0].ProRata || rows[0].Size != 52_000_000 || rows[0].Share != 0.1 {
		t.Errorf("whole market with its own Q1 figure: %+v", rows[0])
	}
	sizes, _ := a.MarketSizes(ctx, f.sales)
	if len(sizes) != 3 {
		t.Errorf("%d sizes stored, want 3", len(sizes))
	}

	// Bad input: a message per field, nothing written.
	_, err = a.PutMarketSize(ctx, f.owner, crm.MarketSize{Period: "2026-Q7", Amount: -5, SegmentID: 9999})
	v, ok := crm.AsValidation(err)
	if !ok || v.Fields["period"] == "" || v.Fields["amount"] == "" || v.Fields["segment_id"] == "" {
		t.Errorf("bad size: %v", err)
	}
	if after, _ := a.MarketSizes(ctx, f.sales); len(after) != 3 {
		t.Errorf("a refused size was written: %d sizes", len(after))
	}
	// Sales may read but not enter; deleting works once.
	if _, err := a.PutMarketSize(ctx, f.sales, crm.MarketSize{Period: "2026", Amount: 1}); !errors.Is(err, crm.ErrForbidden) {
		t.Errorf("sales entered a market size: %v", err)
	}
	if err := a.DeleteMarketSize(ctx, f.owner, sizes[0].ID); err != nil {
		t.Fatal(err)
	}
	if err := a.DeleteMarketSize(ctx, f.owner, sizes[0].ID); !errors.Is(err, crm.ErrNotFound) {
		t.Errorf("second delete: %v", err)
	}
	// Deleting the segment deletes its market size.
	if err := a.DeleteSegment(ctx, f.owner, seg.ID); err != nil {
		t.Fatal(err)
	}
	for _, m := range mustSizes(t, f) {
		if m.SegmentID == seg.ID {
			t.Error("the deleted segment's market size is still there")
		}
	}
}

func mustSizes(t *testing.T, f *dashFixture) []crm.MarketSize {
	t.Helper()
	s, err := f.app.MarketSizes(ctx, f.owner)
	if err != nil {
		t.Fatal(err)
	}
	return s
}
