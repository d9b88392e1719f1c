package gen

import (
	"context"
	"testing"
	"time"

	"renkei/internal/crm"
	"renkei/internal/store/storetest"
)

// TestSurveysExtension: the demo's NPS survey has answers from customers
// over months with a rising score, Japanese comments, and the
// market-research survey has answers from leads and anonymous visitors.
func TestSurveysExtension(t *testing.T) {
	s := storetest.Open(t)
	ctx := context.Background()
	w := newWorld(t, 7, "N=3000", crm.LangJA)
	loadWorld(t, s, w, LoadOptions{Extensions: []Extension{surveysExtension(w)}})
	db := s.DB()
	var surveys, anon, market, timeline, ja int
	db.QueryRowContext(ctx, `SELECT COUNT(*) FROM surveys WHERE status = 'open'`).Scan(&surveys)
	db.QueryRowContext(ctx, `SELECT COUNT(*) FROM survey_responses WHERE contact_id IS NULL`).Scan(&anon)
	db.QueryRowContext(ctx, `SELECT COUNT(*) FROM survey_responses WHERE survey_id = 2 AND contact_id IS NOT NULL`).Scan(&market)
	db.QueryRowContext(ctx, `SELECT COUNT(*) FROM timeline WHERE kind = 'survey'`).Scan(&timeline)
	db.QueryRowContext(ctx, `SELECT COUNT(*) FROM survey_responses WHERE search_text LIKE '%サポート%'`).Scan(&ja)
	if surveys != 2 || anon != 150 || market < 10 || timeline == 0 || ja == 0 {
		t.Errorf("surveys %d, anonymous %d, market answers of contacts %d, timeline %d, Japanese comments on support %d",
			surveys, anon, market, timeline, ja)
	}
	rows, err := db.QueryContext(ctx, `SELECT nps, updated_at FROM survey_responses WHERE survey_id = 1`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var early, late []int
	mid := w.now.AddDate(0, -3, 0).UnixMilli()
	for rows.Next() {
		var v int
		var at int64
		if err := rows.Scan(&v, &at); err != nil {
			t.Fatal(err)
		}
		if at < mid {
			early = append(early, v)
		} else {
			late = append(late, v)
		}
		if at > w.now.UnixMilli() || at < w.now.AddDate(0, -7, 0).UnixMilli() {
			t.Errorf("an answer at %v is outside the six months", time.UnixMilli(at))
		}
	}
	if len(early)+len(late) < 50 {
		t.Fatalf("only %d NPS answers", len(early)+len(late))
	}
	if e, l := crm.NPS(early), crm.NPS(late); l.Score <= e.Score {
		t.Errorf("NPS did not rise: first three months %+v, last three %+v", e, l)
	}
}
