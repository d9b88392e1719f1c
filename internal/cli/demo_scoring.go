package cli

import (
	"context"
	"time"

	"renkei/internal/app"
	"renkei/internal/store"
)

// queueDemoRescore queues the job that scores every generated contact by
// the demo's rule set; the server runs it (renkei serve, or serve --demo
// right away), and its progress shows on Settings → Scoring.
func queueDemoRescore(ctx context.Context, s *store.Store) error {
	now := time.Now().UTC()
	return s.Enqueue(ctx, &store.Job{Kind: app.JobRescoreAll, RunAt: now, CreatedAt: now, MaxAttempts: 5})
}
