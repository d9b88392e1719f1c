package gen

import (
	"context"
	"fmt"
	"testing"
	"time"

	"renkei/internal/crm"
	"renkei/internal/store"
	"renkei/internal/store/storetest"
)

// TestTrackingExtension loads a small world with its visits and checks
// that the rollups it computed are those rebuilt from its events, that
// identified visits are on the timelines, and that the story holds: UTM
// campaigns, the pricing page, 90 days.
func TestTrackingExtension(t *testing.T) {
	s := storetest.Open(t)
	ctx := context.Background()
	w := newWorld(t, 3, "N=600", crm.LangJA)
	loadWorld(t, s, w, LoadOptions{Extensions: Extensions(w), Bulk: store.BulkOptions{DropIndexes: true, CommitEvery: 5000}})
	counts, err := s.CountRows(ctx, "sites", "events", "visitors", "track_days")
	if err != nil {
		t.Fatal(err)
	}
	if counts["sites"] != 1 || counts["events"] < 3000 || counts["visitors"] < 600 || counts["track_days"] < 85 {
		t.Fatalf("rows %v", counts)
	}
	var first, last int64
	s.DB().QueryRowContext(ctx, "SELECT MIN(at), MAX(at) FROM events WHERE kind = 'pageview'").Scan(&first, &last)
	if span := time.UnixMilli(last).Sub(time.UnixMilli(first)); span < 80*24*time.Hour || span > TrackingWindow {
		t.Errorf("visits span %v, want about 90 days", span)
	}
	var visits int64
	s.DB().QueryRowContext(ctx, "SELECT COUNT(*) FROM timeline WHERE kind = 'visit'").Scan(&visits)
	var identified int64
	s.DB().QueryRowContext(ctx, "SELECT COUNT(*) FROM events WHERE contact_id IS NOT NULL AND kind = 'pageview'").Scan(&identified)
	if visits == 0 || visits != identified {
		t.Errorf("%d visits on timelines, %d identified page views", visits, identified)
	}
	top := func() string {
		var out string
		for _, dim := range []string{"page", "referrer", "utm_source", "utm_campaign"} {
			cs, err := s.TrackTop(ctx, 1, 0, 99999999, dim, 10)
			if err != nil {
				t.Fatal(err)
			}
			out += fmt.Sprint(dim, cs)
		}
		days, err := s.TrackDays(ctx, 1, 0, 99999999)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range days {
			out += fmt.Sprint(d.Day, d.Pageviews, d.Events, d.Visitors)
		}
		return out
	}
	before := top()
	jst, _ := time.LoadLocation("Asia/Tokyo")
	if err := s.RebuildRollups(ctx, 1, jst); err != nil {
		t.Fatal(err)
	}
	if after := top(); after != before {
		t.Errorf("generated rollups differ from rollups rebuilt from the events:\n%s\n%s", before, after)
	}
	cs, _ := s.TrackTop(ctx, 1, 0, 99999999, "utm_campaign", 10)
	found := map[string]bool{}
	for _, c := range cs {
		found[c.Value] = true
	}
	if !found["spring_webinar"] || !found["monthly_news"] {
		t.Errorf("campaigns %v", cs)
	}
	// Hotter people see the pricing page more often.
	var hot, cold float64
	s.DB().QueryRowContext(ctx, `SELECT AVG(CASE WHEN path = '/pricing' THEN 1.0 ELSE 0 END) FROM events WHERE contact_id IS NOT NULL`).Scan(&hot)
	s.DB().QueryRowContext(ctx, `SELECT AVG(CASE WHEN path = '/pricing' THEN 1.0 ELSE 0 END) FROM events WHERE contact_id IS NULL`).Scan(&cold)
	if hot <= cold {
		t.Errorf("pricing share: known contacts %.3f, anonymous %.3f", hot, cold)
	}
}
