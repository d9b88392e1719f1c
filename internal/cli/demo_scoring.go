package cli

import (
	"context"
	"fmt"
	"io"
	"time"

	"renkei/internal/app"
	"renkei/internal/store"
)

// scoreGenerated scores every generated contact by the generated rule set,
// in this process, before the command returns: the data is complete when
// the server starts, and no rescore job competes with its first requests
// (or with a benchmark's). Progress is printed every tenth; on PostgreSQL
// the score tables' statistics are refreshed as they grow from nothing.
func scoreGenerated(ctx context.Context, s *store.Store, a *app.App, workers int, out io.Writer) error {
	began := time.Now()
	last := -1
	tables := []string{"contact_scores", "score_points"}
	err := a.RescoreEveryone(ctx, workers, func(done, total int) error {
		pct := 100 * done / max(1, total)
		if pct/10 == last/10 && !(done == total && pct != last) {
			return nil
		}
		last = pct
		fmt.Fprintf(out, "  scores                 %3d%%  %s / %s contacts  %.1f s\n", pct, thousands(int64(done)), thousands(int64(total)), time.Since(began).Seconds())
		if pct < 50 {
			return s.Analyze(ctx, tables...)
		}
		return nil
	})
	if err != nil {
		return err
	}
	return s.Analyze(ctx, append(tables, "contacts")...)
}
