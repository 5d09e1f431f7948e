package match_test

import (
	"testing"
	"time"

	"github.com/barter-clearing/barter/match"
	"github.com/barter-clearing/barter/match/matchgen"
)

func TestPack_Generated(t *testing.T) {
	for _, tt := range []struct{ n, k int }{{100, 3}, {300, 3}, {200, 2}} {
		arcs := matchgen.Generate(3, tt.n, 50, 2)
		r, err := match.Pack(tt.n, arcs, match.Options{MaxCycle: tt.k, TimeLimit: 3 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		checkPacking(t, tt.n, arcs, tt.k, r)
		t.Logf("n=%d k=%d: %d arcs, %d cycles, weight %d bound %d optimal %v", tt.n, tt.k, len(arcs), r.Enumerated, r.Weight, r.Bound, r.Optimal)
	}
}

// TestPack_TightProven checks the path that proves large pools optimal quickly: the
// interior-point method shows the optimal face of a tight relaxation, a packing of that
// face covering the participants it requires meets the bound.
func TestPack_TightProven(t *testing.T) {
	if testing.Short() {
		t.Skip("a pool of 1,000 participants")
	}
	const n = 1000
	arcs := matchgen.Generate(1, n, 50, 2)
	r, err := match.Pack(n, arcs, match.Options{MaxCycle: 3, TimeLimit: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	checkPacking(t, n, arcs, 3, r)
	// The bound of the relaxation (cbc and clp agree on it).
	if r.Bound != 49843182 || !r.Optimal {
		t.Fatalf("weight %d bound %d optimal %v; want 49843182 proven", r.Weight, r.Bound, r.Optimal)
	}
}

func BenchmarkPack(b *testing.B) {
	for _, tt := range []struct {
		name string
		n, k int
	}{{"k3-n300", 300, 3}, {"k3-n1000", 1000, 3}} {
		arcs := matchgen.Generate(1, tt.n, 50, 2)
		b.Run(tt.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				r, err := match.Pack(tt.n, arcs, match.Options{MaxCycle: tt.k, TimeLimit: time.Minute})
				if err != nil {
					b.Fatal(err)
				}
				b.ReportMetric(float64(r.Bound-r.Weight), "gap")
				b.ReportMetric(float64(r.Enumerated), "cycles")
			}
		})
	}
}
