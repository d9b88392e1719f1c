package app

import (
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"renkei/internal/crm"
	"renkei/internal/store"
	"renkei/internal/store/storetest"
)

// BenchmarkRecordEvents sends one page view per call from 50 goroutines
// through the group-commit writer (the app side of bench row C1), each
// from a new visitor.
func BenchmarkRecordEvents(b *testing.B) { benchRecord(b, New(Config{Store: storetest.Open(b)})) }

func benchRecord(b *testing.B, a *App) {
	site := crm.Site{Name: "Bench", Domain: "bench.example", Key: newSiteKey()}
	if err := a.Store.InTx(ctx, func(tx *store.Tx) error { return tx.CreateSite(ctx, &site, time.Now()) }); err != nil {
		b.Fatal(err)
	}
	const clients = 50
	var n atomic.Int64
	var wg sync.WaitGroup
	b.ResetTimer()
	for c := 0; c < clients; c++ {
		wg.Add(1)
		go func(c int) {
			defer wg.Done()
			for i := 0; i < b.N/clients+1; i++ {
				e, _ := BuildEvent(RawEvent{URL: fmt.Sprintf("https://bench.example/p%d?utm_source=x", i%20), Title: "T",
					Referrer: "https://www.google.com/"}, site.ID, fmt.Sprintf("bench-%d-%d", c, i), time.Now(), "")
				if err := a.RecordEvents(ctx, []store.Event{e}); err != nil {
					b.Error(err)
					return
				}
				n.Add(1)
			}
		}(c)
	}
	wg.Wait()
	b.ReportMetric(float64(n.Load())/b.Elapsed().Seconds(), "events/s")
}
