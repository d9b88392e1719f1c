package app

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"renkei/internal/crm"
	"renkei/internal/mail/mailtest"
)

// TestBroadcastReportLeavesOutScanners: a link scanner's click (a security
// gateway, an HTTP library) is kept as an event but not counted in the
// report, as it is kept off the timeline; a person's click is counted,
// per broadcast and per link.
func TestBroadcastReportLeavesOutScanners(t *testing.T) {
	f := newSendFixture(t, 2, nil)
	f.run(t, nil)
	b := f.broadcast(t, nil)
	if _, err := f.app.StartBroadcast(ctx, f.owner, b.ID, time.Time{}); err != nil {
		t.Fatal(err)
	}
	f.waitStatus(t, b.ID, crm.BroadcastSent, 20*time.Second)
	m := f.smtp.WaitFor(t, f.emails[0], time.Second)
	u, err := url.Parse(strings.ReplaceAll(mailtest.FindLink(m.HTML, testBaseURL+"/e/c/"), "&amp;", "&"))
	if err != nil {
		t.Fatal(err)
	}
	tok, target := strings.TrimPrefix(u.Path, "/e/c/"), u.Query().Get("u")
	for _, ua := range []string{"python-requests/2.31.0", "Mozilla/5.0 (compatible; Barracuda Sentinel scan)"} {
		if _, err := f.app.RecordClick(ctx, tok, target, ua, "192.0.2.7"); err != nil {
			t.Fatal(err)
		}
	}
	rep, err := f.app.BroadcastReport(ctx, f.owner, b.ID)
	if err != nil {
		t.Fatal(err)
	}
	if rep.UniqueClicks != 0 || rep.TotalClicks != 0 || len(rep.Links) != 0 {
		t.Errorf("scanner clicks counted: %d/%d, links %+v", rep.UniqueClicks, rep.TotalClicks, rep.Links)
	}
	if n := count(t, f.app.Store, "SELECT COUNT(*) FROM email_events WHERE kind = 'click' AND detail = 'scanner'"); n != 2 {
		t.Errorf("%d scanner click events kept, want 2", n)
	}
	person := "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36"
	if _, err := f.app.RecordClick(ctx, tok, target, person, "192.0.2.7"); err != nil {
		t.Fatal(err)
	}
	rep, _ = f.app.BroadcastReport(ctx, f.owner, b.ID)
	if rep.UniqueClicks != 1 || rep.TotalClicks != 1 || len(rep.Links) != 1 || rep.Links[0].URL != target || rep.Links[0].Total != 1 {
		t.Errorf("a person's click: %d/%d, links %+v", rep.UniqueClicks, rep.TotalClicks, rep.Links)
	}
}
