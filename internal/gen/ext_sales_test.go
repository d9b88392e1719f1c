package gen

import (
	"context"
	"testing"

	"renkei/internal/crm"
	"renkei/internal/store/storetest"
)

// TestSalesExtension loads a small world with its deals and checks the
// story they tell: stages and closing fields agree, every deal has its
// history, and marketing-sourced deals close better than outbound ones.
func TestSalesExtension(t *testing.T) {
	s := storetest.Open(t)
	ctx := context.Background()
	w := newWorld(t, 7, "N=3000", crm.LangJA)
	loadWorld(t, s, w, LoadOptions{Extensions: []Extension{salesExtension(w)}})
	db := s.DB()
	var deals, bad, noHist int
	if err := db.QueryRowContext(ctx, "SELECT COUNT(*) FROM deals").Scan(&deals); err != nil {
		t.Fatal(err)
	}
	if deals < 50 {
		t.Fatalf("%d deals, want a few hundred", deals)
	}
	// Won deals are in the won stage with a won date; lost ones in lost with a reason.
	if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM deals d JOIN pipeline_stages s ON s.id = d.stage_id
		WHERE (s.kind = 'won' AND d.won_at IS NULL) OR (s.kind = 'lost' AND (d.lost_reason = '' OR d.closed_at IS NULL))
		OR (s.kind = 'open' AND d.closed_at IS NOT NULL) OR d.pipeline_id <> s.pipeline_id`).Scan(&bad); err != nil {
		t.Fatal(err)
	}
	if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM deals d WHERE NOT EXISTS
		(SELECT 1 FROM deal_stage_history h WHERE h.deal_id = d.id AND h.stage_id = d.stage_id)`).Scan(&noHist); err != nil {
		t.Fatal(err)
	}
	if bad != 0 || noHist != 0 {
		t.Errorf("%d deals whose stage and closing fields disagree, %d without their current stage in the history", bad, noHist)
	}
	rate := func(group string) (float64, int) {
		var won, closed int
		err := db.QueryRowContext(ctx, `SELECT COUNT(won_at), COUNT(closed_at) FROM deals WHERE source_group = $1`, group).Scan(&won, &closed)
		if err != nil {
			t.Fatal(err)
		}
		if closed == 0 {
			return 0, 0
		}
		return float64(won) / float64(closed), closed
	}
	mkt, nm := rate(crm.GroupMarketing)
	out, no := rate(crm.GroupOutbound)
	t.Logf("win rate: marketing %.2f (n=%d), outbound %.2f (n=%d) of %d deals", mkt, nm, out, no, deals)
	if nm < 10 || no < 10 || mkt <= out {
		t.Errorf("win rate marketing %.2f (n=%d) should beat outbound %.2f (n=%d)", mkt, nm, out, no)
	}
	var lostTo int
	if err := db.QueryRowContext(ctx, "SELECT COUNT(*) FROM deals WHERE lost_to_id IS NOT NULL").Scan(&lostTo); err != nil {
		t.Fatal(err)
	}
	if lostTo == 0 {
		t.Error("no deal was lost to a named competitor")
	}
}
