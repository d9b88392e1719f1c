package gen

import (
	"context"
	"testing"

	"renkei/internal/crm"
	"renkei/internal/store/storetest"
)

// TestWebhooksExtension: the demo has two inactive webhooks and a month of
// delivery log, mostly delivered, some failed, all about existing people,
// the same for the same seed.
func TestWebhooksExtension(t *testing.T) {
	ctx := context.Background()
	counts := func() map[string]int {
		s := storetest.Open(t)
		w := newWorld(t, 7, "N=2000", crm.LangJA)
		loadWorld(t, s, w, LoadOptions{Extensions: []Extension{webhooksExtension(w)}})
		out := map[string]int{}
		rows, err := s.DB().QueryContext(ctx, "SELECT status, COUNT(*) FROM webhook_deliveries GROUP BY status")
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		for rows.Next() {
			var st string
			var n int
			rows.Scan(&st, &n)
			out[st] = n
		}
		var active, orphans, old int
		s.DB().QueryRowContext(ctx, "SELECT COUNT(*) FROM webhooks WHERE active <> 0").Scan(&active)
		s.DB().QueryRowContext(ctx, "SELECT COUNT(*) FROM webhook_deliveries d LEFT JOIN contacts c ON c.id = d.contact_id WHERE c.id IS NULL").Scan(&orphans)
		s.DB().QueryRowContext(ctx, "SELECT COUNT(*) FROM webhook_deliveries WHERE created_at < $1", w.Now().AddDate(0, 0, -30).UnixMilli()).Scan(&old)
		if active != 0 || orphans != 0 || old != 0 {
			t.Errorf("%d active webhooks, %d deliveries about nobody, %d older than 30 days", active, orphans, old)
		}
		return out
	}
	a := counts()
	if a["delivered"] < 10 || a["failed"] == 0 {
		t.Errorf("delivery log %v: want many delivered and some failed", a)
	}
	if b := counts(); a["delivered"] != b["delivered"] || a["failed"] != b["failed"] {
		t.Errorf("same seed, different logs: %v and %v", a, b)
	}
}
