package gen

import (
	"context"
	"testing"

	"renkei/internal/crm"
	"renkei/internal/store/storetest"
)

// TestBroadcastsExtension: the demo's broadcasts are sent, have outbox rows
// and opens and clicks (unique below total, clicks below opens), and the
// A/B test's winner got more unique opens than the other subject.
func TestBroadcastsExtension(t *testing.T) {
	s := storetest.Open(t)
	ctx := context.Background()
	w := newWorld(t, 7, "N=3000", crm.LangJA)
	loadWorld(t, s, w, LoadOptions{Extensions: []Extension{segmentsExtension(w), broadcastsExtension(w)}})
	bs, err := s.Broadcasts(ctx)
	if err != nil || len(bs) != len(demoBroadcasts()) {
		t.Fatalf("%d broadcasts, %v", len(bs), err)
	}
	for _, b := range bs {
		c, err := s.SourceCounts(ctx, "broadcast", b.ID)
		if err != nil {
			t.Fatal(err)
		}
		st, err := s.SourceEventStats(ctx, "broadcast", b.ID)
		if err != nil {
			t.Fatal(err)
		}
		if b.Status != crm.BroadcastSent || c["sent"] == 0 || c["sent"] != b.Recipients {
			t.Errorf("%s: %s, counts %v, recipients %d", b.Name, b.Status, c, b.Recipients)
		}
		if st.UniqueOpens == 0 || st.UniqueOpens > st.TotalOpens || st.UniqueClicks == 0 || st.UniqueClicks > st.UniqueOpens ||
			st.UniqueOpens > c["sent"] {
			t.Errorf("%s: implausible events %+v of %d sent", b.Name, st, c["sent"])
		}
		if b.ABTest() && (b.Winner != "b" || st.VariantOpens["b"] <= st.VariantOpens["a"]) {
			t.Errorf("%s: winner %q with opens %v", b.Name, b.Winner, st.VariantOpens)
		}
	}
}
