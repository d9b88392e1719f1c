package gen

import (
	"context"
	"testing"

	"renkei/internal/crm"
	"renkei/internal/store"
	"renkei/internal/store/storetest"
)

// TestSegmentsExtension: the demo's segments are stored valid and evaluate;
// the static list has members; and the generated visits give the E3
// segment's behaviour condition (leads and MQLs who viewed /pricing in the
// last 14 days) contacts, so the benchmark's count is not trivially zero.
func TestSegmentsExtension(t *testing.T) {
	s := storetest.Open(t)
	ctx := context.Background()
	w := newWorld(t, 7, "N=3000", crm.LangJA)
	sx := salesExtension(w)
	loadWorld(t, s, w, LoadOptions{Extensions: []Extension{trackingExtension(w), formsExtension(w), sx, segmentsExtension(w)}})
	gs, err := s.Segments(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(gs) != 1+len(demoSegments()) {
		t.Fatalf("%d segments, want %d", len(gs), 1+len(demoSegments()))
	}
	env := store.SegmentEnv{Now: w.Now(), Loc: w.jst}
	for _, g := range gs {
		if err := g.Validate(crm.SegmentSchema{}); err != nil {
			t.Errorf("%s: %v", g.Name, err)
		}
		n, err := s.CountSegment(ctx, g, env)
		if err != nil {
			t.Errorf("%s: %v", g.Name, err)
		}
		if g.Kind == crm.SegmentStatic && (n == 0 || n > 40) {
			t.Errorf("static list %s has %d members", g.Name, n)
		}
	}
	pricing := crm.Segment{Kind: crm.SegmentDynamic, Filter: crm.SegmentGroup{Match: crm.MatchAll, Conditions: []crm.SegmentCondition{
		{Field: "lifecycle_stage", Op: crm.SegOpIn, Values: []string{"lead", "mql"}},
		{Field: "visited_path", Op: crm.SegOpPrefix, Value: "/pricing", Days: 14}}}}
	if n, err := s.CountSegment(ctx, pricing, env); err != nil || n == 0 {
		t.Errorf("leads and MQLs on /pricing in 14 days: %d, %v", n, err)
	}
	forms := crm.Segment{Kind: crm.SegmentDynamic, Filter: crm.SegmentGroup{Match: crm.MatchAll, Conditions: []crm.SegmentCondition{
		{Field: "submitted_form", Op: crm.SegOpIsSet, Days: 90}}}}
	if n, err := s.CountSegment(ctx, forms, env); err != nil || n == 0 {
		t.Errorf("form submitters in 90 days: %d, %v", n, err)
	}
}
