package gen

import (
	"context"
	"sort"
	"testing"
	"time"

	"renkei/internal/crm"
	"renkei/internal/store/storetest"
)

// TestTargetsExtension: the demo's targets cover every month of the
// history (once a month of it is over) and the next one, some as "110% of last month", quarters too,
// and are plausible against the won deals (the median person-month's
// attainment is between 30% and 300%); open deals have forecast
// categories, closed ones the default.
func TestTargetsExtension(t *testing.T) {
	s := storetest.Open(t)
	ctx := context.Background()
	w := newWorld(t, 7, "N=3000", crm.LangJA)
	sx := salesExtension(w)
	loadWorld(t, s, w, LoadOptions{Extensions: []Extension{sx, targetsExtension(w, sx)}})
	db := s.DB()
	var months, pct, quarters, users int
	if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM sales_targets WHERE period_kind = 'month' AND scope = 'workspace'`).Scan(&months); err != nil {
		t.Fatal(err)
	}
	db.QueryRowContext(ctx, `SELECT COUNT(*) FROM sales_targets WHERE percent = 110`).Scan(&pct)
	db.QueryRowContext(ctx, `SELECT COUNT(*) FROM sales_targets WHERE period_kind = 'quarter'`).Scan(&quarters)
	db.QueryRowContext(ctx, `SELECT COUNT(DISTINCT scope_id) FROM sales_targets WHERE scope = 'user'`).Scan(&users)
	if months < 10 || pct == 0 || quarters < 4 || users < 3 {
		t.Errorf("workspace months %d, 110%% targets %d, quarter targets %d, people with targets %d", months, pct, quarters, users)
	}
	var next int
	nextKey := time.Date(storyEnd.Year(), storyEnd.Month()+1, 1, 0, 0, 0, 0, w.jst).Format("2006-01")
	if storyEnd.In(w.jst).Month() != storyEnd.Month() {
		nextKey = time.Date(storyEnd.In(w.jst).Year(), storyEnd.In(w.jst).Month()+1, 1, 0, 0, 0, 0, w.jst).Format("2006-01")
	}
	db.QueryRowContext(ctx, `SELECT COUNT(*) FROM sales_targets WHERE period_key = $1`, nextKey).Scan(&next)
	if next == 0 {
		t.Errorf("no targets for next month %s", nextKey)
	}

	// Person-months: actual ÷ amount target, over past months.
	rows, err := db.QueryContext(ctx, `SELECT scope_id, period_key, amount FROM sales_targets
		WHERE scope = 'user' AND period_kind = 'month' AND percent = 0`)
	if err != nil {
		t.Fatal(err)
	}
	type pm struct {
		user   int64
		key    string
		amount int64
	}
	var pms []pm
	for rows.Next() {
		var x pm
		if err := rows.Scan(&x.user, &x.key, &x.amount); err != nil {
			t.Fatal(err)
		}
		pms = append(pms, x)
	}
	rows.Close()
	won, err := db.QueryContext(ctx, `SELECT owner_id, won_at, amount FROM deals WHERE won_at IS NOT NULL AND owner_id IS NOT NULL`)
	if err != nil {
		t.Fatal(err)
	}
	actual := map[int64]map[string]int64{}
	for won.Next() {
		var u, at, a int64
		if err := won.Scan(&u, &at, &a); err != nil {
			t.Fatal(err)
		}
		if actual[u] == nil {
			actual[u] = map[string]int64{}
		}
		actual[u][time.UnixMilli(at).In(w.jst).Format("2006-01")] += a
	}
	won.Close()
	var ratios []float64
	current := storyEnd.In(w.jst).Format("2006-01")
	for _, x := range pms {
		if x.key < current && x.amount > 0 {
			ratios = append(ratios, float64(actual[x.user][x.key])/float64(x.amount))
		}
	}
	sort.Float64s(ratios)
	if len(ratios) < 10 {
		t.Fatalf("only %d person-months with a target", len(ratios))
	}
	if m := ratios[len(ratios)/2]; m < 0.3 || m > 3 {
		t.Errorf("median attainment of person-months %.2f, want a plausible one", m)
	}
	t.Logf("%d person-months, median attainment %.2f", len(ratios), ratios[len(ratios)/2])

	var cats, closedOdd int
	db.QueryRowContext(ctx, `SELECT COUNT(DISTINCT forecast_category) FROM deals WHERE closed_at IS NULL`).Scan(&cats)
	db.QueryRowContext(ctx, `SELECT COUNT(*) FROM deals WHERE closed_at IS NOT NULL AND forecast_category <> 'pipeline'`).Scan(&closedOdd)
	if cats < 3 || closedOdd != 0 {
		t.Errorf("open deals in %d forecast categories, closed deals not in pipeline: %d", cats, closedOdd)
	}
	if targetsExtension(w, nil) != nil {
		t.Error("a targets extension without the sales one")
	}
}
