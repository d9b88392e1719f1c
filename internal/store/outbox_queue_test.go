package store_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"renkei/internal/store"
	"renkei/internal/store/storetest"
)

// TestQueueMessagesMultiRow: QueueMessages writes more rows than one
// statement takes (it splits them), keeps every column, skips recipients
// already queued for the same source and counts only the new rows.
func TestQueueMessagesMultiRow(t *testing.T) {
	s := storetest.Open(t)
	now := time.Date(2026, 4, 1, 9, 0, 0, 0, time.UTC)
	const n = 2300
	for start := 0; start < n; start += 500 {
		var b strings.Builder
		b.WriteString("INSERT INTO contacts (email, family_name, given_name, consent, created_at, updated_at) VALUES ")
		for i := start; i < min(n, start+500); i++ {
			if i > start {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "('q%05d@example.com', '山田', '花子', 'granted', %d, %d)", i, now.UnixMilli(), now.UnixMilli())
		}
		if _, err := s.DB().ExecContext(ctx, b.String()); err != nil {
			t.Fatal(err)
		}
	}
	ids := make([]int64, 0, n)
	rs, err := s.DB().QueryContext(ctx, "SELECT id FROM contacts ORDER BY email")
	if err != nil {
		t.Fatal(err)
	}
	for rs.Next() {
		var id int64
		if err := rs.Scan(&id); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	rs.Close()
	if len(ids) != n {
		t.Fatalf("%d contacts", len(ids))
	}
	rows := func(from, to int) []store.OutboxRow {
		var out []store.OutboxRow
		for i := from; i < to; i++ {
			r := store.OutboxRow{SourceType: "broadcast", SourceID: 7, ContactID: ids[i], Email: fmt.Sprintf("q%05d@example.com", i),
				NextAt: now.Add(time.Duration(i) * time.Second)}
			if i%10 == 0 {
				r.Variant, r.Status = "b", store.MsgHeld
			}
			out = append(out, r)
		}
		return out
	}
	if got, err := s.QueueMessages(ctx, rows(0, 2000), now); err != nil || got != 2000 {
		t.Fatalf("first QueueMessages = %d, %v; want 2000", got, err)
	}
	// 1,800 of these are queued already: only 300 are new.
	if got, err := s.QueueMessages(ctx, rows(200, n), now); err != nil || got != 300 {
		t.Fatalf("second QueueMessages = %d, %v; want 300", got, err)
	}
	if got, err := s.QueueMessages(ctx, nil, now); err != nil || got != 0 {
		t.Fatalf("no rows = %d, %v", got, err)
	}
	var total, held, queued int
	if err := s.DB().QueryRowContext(ctx, `SELECT COUNT(*), SUM(CASE WHEN status = 'held' AND variant = 'b' THEN 1 ELSE 0 END),
		SUM(CASE WHEN status = 'queued' AND variant = '' THEN 1 ELSE 0 END) FROM email_messages WHERE source_id = 7`).Scan(&total, &held, &queued); err != nil {
		t.Fatal(err)
	}
	if total != n || held != n/10 || queued != n-n/10 {
		t.Errorf("rows %d, held b %d, queued %d; want %d, %d, %d", total, held, queued, n, n/10, n-n/10)
	}
	var email string
	var next, at int64
	if err := s.DB().QueryRowContext(ctx, "SELECT email, next_at, queued_at FROM email_messages WHERE contact_id = $1", ids[2221]).Scan(&email, &next, &at); err != nil {
		t.Fatal(err)
	}
	if email != "q02221@example.com" || next != now.Add(2221*time.Second).UnixMilli() || at != now.UnixMilli() {
		t.Errorf("row of q02221: %s next %d queued %d", email, next, at)
	}
}
