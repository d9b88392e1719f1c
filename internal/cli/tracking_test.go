package cli_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"renkei/internal/crm"
	"renkei/internal/store"
)

// TestBeaconFloodSurvivesKill9 floods a real `renkei serve` with beacons,
// kills it with SIGKILL in the middle, and checks that every event that
// got a 2xx is in the database after a restart, with rollups that agree
// with the events.
func TestBeaconFloodSurvivesKill9(t *testing.T) {
	if testing.Short() {
		t.Skip("floods a server")
	}
	args, o := dbArgs(t)
	s := openStore(t, o)
	site := crm.Site{Name: "Flood", Domain: "flood.example", Key: "rk_flood", Origins: []string{"https://www.flood.example"}}
	if err := s.InTx(context.Background(), func(tx *store.Tx) error { return tx.CreateSite(context.Background(), &site, time.Now()) }); err != nil {
		t.Fatal(err)
	}
	p := startServe(t, append(args, "--track-rate-ip", "0", "--track-rate-site", "0")...)

	const clients = 16
	var (
		mu    sync.Mutex
		acked []string
		sent  atomic.Int64
		wg    sync.WaitGroup
	)
	stop := make(chan struct{})
	client := &http.Client{Timeout: 10 * time.Second}
	for c := 0; c < clients; c++ {
		wg.Add(1)
		go func(c int) {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				path := fmt.Sprintf("/c%d/%d", c, i)
				body := fmt.Sprintf(`{"site":"rk_flood","vid":"visitor-%04d","events":[{"type":"pageview","url":"https://www.flood.example%s","title":"t"}]}`, c, path)
				req, _ := http.NewRequest("POST", p.URL+"/t/e?s=rk_flood", strings.NewReader(body))
				req.Header.Set("Origin", "https://www.flood.example")
				req.Header.Set("User-Agent", "Mozilla/5.0 Firefox/130.0")
				req.Header.Set("Content-Type", "text/plain")
				sent.Add(1)
				res, err := client.Do(req)
				if err != nil {
					return // the server is gone
				}
				res.Body.Close()
				if res.StatusCode/100 == 2 {
					mu.Lock()
					acked = append(acked, path)
					mu.Unlock()
				}
			}
		}(c)
	}
	waitUntil(t, 30*time.Second, "1,000 acknowledged beacons", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(acked) >= 1000
	})
	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	close(stop)
	wg.Wait()
	<-p.exited
	s.Close()

	// Restart: the server opens the database as it was left.
	p2 := startServe(t, args...)
	defer p2.stop(10 * time.Second)
	s = openStore(t, o)
	ctx := context.Background()
	rows, err := s.DB().QueryContext(ctx, "SELECT path FROM events WHERE site_id = $1", site.ID)
	if err != nil {
		t.Fatal(err)
	}
	stored := map[string]bool{}
	for rows.Next() {
		var path string
		rows.Scan(&path)
		stored[path] = true
	}
	rows.Close()
	lost := 0
	for _, path := range acked {
		if !stored[path] {
			lost++
		}
	}
	if lost > 0 {
		t.Errorf("%d of %d acknowledged events are missing after kill -9", lost, len(acked))
	}
	var views int64
	s.DB().QueryRowContext(ctx, "SELECT COALESCE(SUM(pageviews), 0) FROM track_days WHERE site_id = $1", site.ID).Scan(&views)
	if views != int64(len(stored)) {
		t.Errorf("rollups count %d page views, the events table %d", views, len(stored))
	}
	t.Logf("sent %d, acknowledged %d, stored %d", sent.Load(), len(acked), len(stored))
}
