package crm

import (
	"fmt"
	"math"
	"testing"
)

// TestHLLError checks the estimate against exact counts from a handful of
// values to a million: within 2% everywhere.
func TestHLLError(t *testing.T) {
	for _, n := range []int{0, 1, 10, 100, 1000, 5000, 12000, 30000, 45000, 60000, 80000, 100000, 1000000} {
		var h HLL
		for i := 0; i < n; i++ {
			h.Add(HashString(fmt.Sprintf("visitor-%d", i)))
			h.Add(HashString(fmt.Sprintf("visitor-%d", i/2))) // repeats do not count
		}
		got := h.Estimate()
		if n == 0 {
			if got != 0 {
				t.Errorf("empty sketch estimates %d", got)
			}
			continue
		}
		if e := math.Abs(float64(got)-float64(n)) / float64(n); e > 0.02 {
			t.Errorf("n=%d: estimate %d, error %.2f%%", n, got, e*100)
		}
	}
}

// TestHLLMergeAndEncoding checks that merged sketches estimate the union
// and that both encodings round-trip.
func TestHLLMergeAndEncoding(t *testing.T) {
	var a, b HLL
	for i := 0; i < 40000; i++ {
		a.Add(HashString(fmt.Sprint("v", i)))
		b.Add(HashString(fmt.Sprint("v", i+20000))) // half overlaps
	}
	var u HLL
	for _, s := range []*HLL{&a, &b} {
		raw, _ := s.MarshalBinary()
		var back HLL
		if err := back.UnmarshalBinary(raw); err != nil {
			t.Fatal(err)
		}
		if back != *s {
			t.Fatal("dense sketch changed in a round trip")
		}
		u.Merge(&back)
	}
	if got := u.Estimate(); math.Abs(float64(got)-60000)/60000 > 0.02 {
		t.Errorf("union estimate %d, want about 60000", got)
	}
	var small HLL
	small.Add(HashString("x"))
	raw, _ := small.MarshalBinary()
	if len(raw) != 4 {
		t.Errorf("a one-value sketch takes %d bytes, want 4 (sparse)", len(raw))
	}
	var back HLL
	if err := back.UnmarshalBinary(raw); err != nil || back != small || back.Estimate() != 1 {
		t.Errorf("sparse round trip: %v, estimate %d", err, back.Estimate())
	}
	if err := back.UnmarshalBinary([]byte{9, 1}); err == nil {
		t.Error("a malformed sketch was accepted")
	}
}
