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

// TestPack_TimeLimit stops the search at various points on a pool whose relaxation is
// not tight: whatever the point, the packing is valid, the bound is at least the
// optimum (147550.88, cbc agrees) and, once the root is solved, at most the
// relaxation's bound (147851.31), and the time limit holds.
func TestPack_TimeLimit(t *testing.T) {
	if testing.Short() {
		t.Skip("several seconds")
	}
	const n = 300
	arcs := matchgen.Generate(1, n, 50, 2)
	for _, limit := range []time.Duration{50 * time.Millisecond, 300 * time.Millisecond, time.Second, 3 * time.Second} {
		start := time.Now()
		r, err := match.Pack(n, arcs, match.Options{MaxCycle: 3, TimeLimit: limit})
		if err != nil {
			t.Fatal(err)
		}
		took := time.Since(start)
		checkPacking(t, n, arcs, 3, r)
		if r.Weight > 14755088 || r.Bound < 14755088 {
			t.Errorf("limit %v: weight %d bound %d; want weight <= 14755088 <= bound", limit, r.Weight, r.Bound)
		}
		// Past the first few milliseconds the relaxation at the root is solved, and
		// stopping in the middle of branching must not lose its bound.
		if limit >= solvedAfter && r.Bound > 14785131 {
			t.Errorf("limit %v: bound %d above the relaxation's 14785131", limit, r.Bound)
		}
		if took > limit+limit/2+100*time.Millisecond {
			t.Errorf("limit %v: took %v", limit, took)
		}
	}
}

// TestPack_PairsByCover checks the quick proof for pairs (a cover meeting the bound of
// the heaviest arcs) against the matching algorithm on the same pools.
func TestPack_PairsByCover(t *testing.T) {
	for seed := uint64(1); seed <= 3; seed++ {
		const n = 1000
		arcs := matchgen.Generate(seed, n, 50, 2)
		r, err := match.Pack(n, arcs, match.Options{MaxCycle: 2, TimeLimit: time.Minute})
		if err != nil {
			t.Fatal(err)
		}
		checkPacking(t, n, arcs, 2, r)
		w := map[[2]int32]int64{}
		for _, a := range arcs {
			w[[2]int32{a.From, a.To}] = a.Weight
		}
		var edges []match.Edge
		for k, x := range w {
			if y, ok := w[[2]int32{k[1], k[0]}]; ok && k[0] < k[1] {
				edges = append(edges, match.Edge{U: k[0], V: k[1], W: x + y})
			}
		}
		_, want := match.MaxWeightMatching(n, edges)
		if r.Weight != want || !r.Optimal {
			t.Errorf("seed %d: weight %d optimal %v; the matching weighs %d", seed, r.Weight, r.Optimal, want)
		}
	}
}

// BenchmarkRelaxation solves the root relaxation of pools by the interior-point method,
// whose dense factorisations dominate the proof of a pool of up to 3,000 participants.
func BenchmarkRelaxation(b *testing.B) {
	for _, tt := range []struct {
		name          string
		n, categories int
	}{{"n1000", 1000, 50}, {"n2000-sparse", 2000, 200}} {
		arcs := matchgen.Generate(1, tt.n, tt.categories, 2)
		b.Run(tt.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if v := match.SolveRelaxation(tt.n, arcs, 3); v != v {
					b.Fatal("no solution")
				}
			}
		})
	}
}
