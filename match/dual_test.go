package match

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"
)

// TestDualLP_Children: along random branches (take a cycle, or drop some), the dual
// simplex method going on from the parent's basis reaches the optimum that the primal
// simplex method reaches from scratch, with a feasible packing of the child's cycles.
func TestDualLP_Children(t *testing.T) {
	for seed := uint64(1); seed <= 20; seed++ {
		rng := rand.New(rand.NewPCG(seed, 7))
		n := 30 + rng.IntN(60)
		var arcs []Arc
		for i := range n {
			for j := range n {
				if i != j && rng.Float64() < 4/float64(n) {
					arcs = append(arcs, Arc{From: int32(i), To: int32(j), Weight: 1 + rng.Int64N(1000)})
				}
			}
		}
		cs, cands := allOf(n, arcs, 3)
		if len(cands) < 5 {
			continue
		}
		deadline := time.Now().Add(time.Minute)
		_, _, optimal, basis := lpSolve(n, cs, cands, nil, deadline)
		if !optimal || basis == nil {
			t.Fatalf("seed %d: the root relaxation was not solved", seed)
		}
		taken := make([]bool, n)
		for depth := 0; len(cands) > 0 && depth < 8; depth++ {
			if rng.IntN(2) == 0 {
				c := cands[rng.IntN(len(cands))]
				for _, v := range cs.nodes(c) {
					taken[v] = true
				}
				cands = compatible(cs, cands, taken)
			} else {
				kept := cands[:0:0]
				for _, c := range cands {
					if rng.IntN(4) != 0 {
						kept = append(kept, c)
					}
				}
				cands = kept
			}
			child := basis.clone()
			if !child.restrict(cands) {
				t.Fatalf("seed %d depth %d: a child's candidates were not among the columns", seed, depth)
			}
			if !child.solve(deadline) {
				t.Fatalf("seed %d depth %d: the dual simplex method did not finish", seed, depth)
			}
			_, x := child.result(n, cands)
			got := value(cs, cands, x)
			_, fresh, ok, _ := lpSolve(n, cs, cands, nil, deadline)
			if !ok {
				t.Fatalf("seed %d depth %d: the fresh relaxation was not solved", seed, depth)
			}
			want := value(cs, cands, fresh)
			if math.Abs(got-want) > 1e-6*max(1, want) {
				t.Errorf("seed %d depth %d: optimum %.6f going on from the parent, want %.6f", seed, depth, got, want)
			}
			cover := make([]float64, n)
			for i, c := range cands {
				for _, v := range cs.nodes(c) {
					cover[v] += x[i]
				}
			}
			for v, f := range cover {
				if f > 1+1e-6 || (taken[v] && f > 1e-6) {
					t.Errorf("seed %d depth %d: participant %d (taken %v) covered %.6f times", seed, depth, v, taken[v], f)
				}
			}
			basis = child
		}
	}
}

// value is the relaxation's objective at x.
func value(cs *cycles, cands []int32, x []float64) float64 {
	var v float64
	for i, c := range cands {
		v += x[i] * float64(cs.w[c])
	}
	return v
}
