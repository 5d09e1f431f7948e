package match

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// TestDualLP_Children: along random branches (take a cycle, or drop some), the dual
// simplex method going on from the parent's basis reaches the optimum that the primal
// simplex method reaches from scratch, with a feasible packing of the child's cycles
// and duals that prove it, whose sum is the objective; stopped after a pivot or two, it
// has made no more pivots and its objective is still at least the optimum; computing
// the inverse afresh changes nothing. Sparse random pools keep the inverse sparse;
// pools of a few categories of goods make it dense.
func TestDualLP_Children(t *testing.T) {
	for seed := uint64(1); seed <= 24; seed++ {
		rng := rand.New(rand.NewPCG(seed, 7))
		var n int
		var arcs []Arc
		if seed%4 == 0 {
			// Each participant offers one of 20 kinds of goods and wants two.
			n = 150
			offer, value := make([]int, n), make([]int64, n)
			wants := make([][2]int, n)
			for i := range n {
				offer[i], value[i] = rng.IntN(20), 1+rng.Int64N(1000)
				wants[i] = [2]int{rng.IntN(20), rng.IntN(20)}
			}
			for i := range n {
				for j := range n {
					if i != j && (wants[j][0] == offer[i] || wants[j][1] == offer[i]) {
						arcs = append(arcs, Arc{From: int32(i), To: int32(j), Weight: value[i]})
					}
				}
			}
		} else {
			n = 30 + rng.IntN(60)
			arcs = randomPool(rng, n, 4)
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
			trial := child.clone() // as strong branching stops it: after a pivot or two
			pivots := 1 + rng.IntN(2)
			trial.solveFor(deadline, pivots)
			if trial.updates > child.updates+pivots {
				t.Errorf("seed %d depth %d: %d updates after at most %d pivots from %d", seed, depth, trial.updates, pivots, child.updates)
			}
			if !child.solve(deadline) {
				t.Fatalf("seed %d depth %d: the dual simplex method did not finish", seed, depth)
			}
			duals, x := child.result(n, cands)
			got := value(cs, cands, x)
			_, fresh, ok, _ := lpSolve(n, cs, cands, nil, deadline)
			if !ok {
				t.Fatalf("seed %d depth %d: the fresh relaxation was not solved", seed, depth)
			}
			want := value(cs, cands, fresh)
			if math.Abs(got-want) > 1e-6*max(1, want) {
				t.Errorf("seed %d depth %d: optimum %.6f going on from the parent, want %.6f", seed, depth, got, want)
			}
			if o := child.objective(); math.Abs(o-want) > 1e-6*max(1, want) {
				t.Errorf("seed %d depth %d: objective %.6f at the optimal basis, want %.6f", seed, depth, o, want)
			}
			if o := trial.objective(); o < want-1e-6*max(1, want) {
				t.Errorf("seed %d depth %d: objective %.6f stopped early, below the optimum %.6f", seed, depth, o, want)
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
			// The duals prove the optimum: every candidate priced at its weight at
			// least, and no more in all than the packing's value.
			var dualValue float64
			for _, v := range rowList(cs, cands) {
				dualValue += duals[v]
			}
			if math.Abs(dualValue-want) > 1e-6*max(1, want) {
				t.Errorf("seed %d depth %d: duals add up to %.6f, want the optimum %.6f", seed, depth, dualValue, want)
			}
			for _, c := range cands {
				price := -float64(cs.w[c])
				for _, v := range cs.nodes(c) {
					price += duals[v]
				}
				if price < -1e-6*float64(cs.w[c]) {
					t.Errorf("seed %d depth %d: cycle %d of weight %d priced %.6f below it", seed, depth, c, cs.w[c], -price)
				}
			}
			// Computing the inverse afresh leaves the solution as it was.
			fresh2 := child.clone()
			if !fresh2.refactor() {
				t.Fatalf("seed %d depth %d: the optimal basis is singular", seed, depth)
			}
			for i := range child.xB {
				if math.Abs(fresh2.xB[i]-child.xB[i]) > 1e-6 {
					t.Errorf("seed %d depth %d: basic value %d is %.9f after refactoring, %.9f before", seed, depth, i, fresh2.xB[i], child.xB[i])
				}
			}
			for i := range child.y {
				if math.Abs(fresh2.y[i]-child.y[i]) > 1e-6*max(1, math.Abs(child.y[i])) {
					t.Errorf("seed %d depth %d: dual %d is %.9f after refactoring, %.9f before", seed, depth, i, fresh2.y[i], child.y[i])
				}
			}
			basis = child
		}
	}
}

// randomPool draws arcs among n participants, each ordered pair with probability
// degree/n, weighing 1 to 1,000.
func randomPool(rng *rand.Rand, n int, degree float64) []Arc {
	var arcs []Arc
	for i := range n {
		for j := range n {
			if i != j && rng.Float64() < degree/float64(n) {
				arcs = append(arcs, Arc{From: int32(i), To: int32(j), Weight: 1 + rng.Int64N(1000)})
			}
		}
	}
	return arcs
}

// solvedPool draws a pool of 30 to 30+spread-1 participants of degree 6 (see
// randomPool) from a seed and stream, and solves its relaxation over all its cycles.
func solvedPool(t *testing.T, seed, stream uint64, spread int) (n int, cs *cycles, all []int32, x []float64, basis *dualLP) {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, stream))
	n = 30 + rng.IntN(spread)
	cs, all = allOf(n, randomPool(rng, n, 6), 3)
	_, x, optimal, basis := lpSolve(n, cs, all, nil, time.Now().Add(time.Minute))
	if !optimal || basis == nil {
		t.Fatalf("seed %d: the relaxation was not solved", seed)
	}
	return n, cs, all, x, basis
}

// rowList lists the participants in some candidate cycle.
func rowList(cs *cycles, cands []int32) []int32 {
	seen := map[int32]bool{}
	var out []int32
	for _, c := range cands {
		for _, v := range cs.nodes(c) {
			if !seen[v] {
				seen[v] = true
				out = append(out, v)
			}
		}
	}
	return out
}

// value is the relaxation's objective at x.
func value(cs *cycles, cands []int32, x []float64) float64 {
	var v float64
	for i, c := range cands {
		v += x[i] * float64(cs.w[c])
	}
	return v
}

// TestSolver_Reliable: on pools whose relaxation is fractional, reliability branching
// picks a fractional cycle, and what strong branching learns of each cycle it tries is
// the relaxation's true loss when the cycle is excluded and when it is taken, per unit
// of its LP value moved.
func TestSolver_Reliable(t *testing.T) {
	tried := 0
	for seed := uint64(1); seed <= 40; seed++ {
		n, cs, all, x, basis := solvedPool(t, seed, 11, 40)
		deadline := time.Now().Add(time.Minute)
		var frac []int32
		var fracX []float64
		for i, c := range all {
			if x[i] > 1e-6 && x[i] < 1-1e-6 {
				frac, fracX = append(frac, c), append(fracX, x[i])
			}
		}
		if len(frac) == 0 {
			continue
		}
		parent := value(cs, all, x)
		s := newSolver(n, cs, deadline)
		i := s.reliable(all, frac, fracX, basis)
		if i < 0 || i >= len(frac) {
			t.Fatalf("seed %d: chose %d of %d fractional cycles", seed, i, len(frac))
		}
		// With no more candidates than trials, every one is tried until the lookahead
		// stops the search, and the one chosen is among them.
		if p := s.pseudo[frac[i]]; len(frac) <= strongMax && (p.count[0] == 0 || p.count[1] == 0) {
			t.Errorf("seed %d: chose cycle %d of %d without trying it", seed, frac[i], len(frac))
		}
		for j, c := range frac {
			p := s.pseudo[c]
			if p.count[0] == 0 {
				continue
			}
			tried++
			rest := slices.DeleteFunc(slices.Clone(all), func(d int32) bool { return d == c })
			taken := make([]bool, n)
			for _, v := range cs.nodes(c) {
				taken[v] = true
			}
			up := compatible(cs, all, taken)
			for d, cands := range [][]int32{rest, up} {
				want := parent
				if len(cands) > 0 {
					_, cx, ok, _ := lpSolve(n, cs, cands, nil, deadline)
					if !ok {
						t.Fatalf("seed %d: a child's relaxation was not solved", seed)
					}
					want -= value(cs, cands, cx)
				}
				moved := fracX[j]
				if d == 1 {
					want -= float64(cs.w[c])
					moved = 1 - fracX[j]
				}
				if got := p.sum[d] * moved; math.Abs(got-max(want, 0)) > 1e-6*max(1, parent) {
					t.Errorf("seed %d cycle %d direction %d: learnt a loss of %.6f, want %.6f", seed, c, d, got, max(want, 0))
				}
			}
		}
	}
	if tried < 20 {
		t.Fatalf("only %d cycles tried by strong branching over all pools", tried)
	}
}

// TestSolver_LearnFromChild: a child searched after a branch on a cycle reports to the
// cycle's pseudo-costs, in the branch's direction, the bound it lost per unit moved,
// and clears the branch. Children that take a fractional cycle are searched here as
// node would search them.
func TestSolver_LearnFromChild(t *testing.T) {
	learnt := 0
	for seed := uint64(1); seed <= 20; seed++ {
		n, cs, all, x, _ := solvedPool(t, seed, 13, 30)
		deadline := time.Now().Add(time.Minute)
		for i, c := range all {
			if x[i] <= 1e-6 || x[i] >= 1-1e-6 {
				continue
			}
			for _, up := range []bool{false, true} {
				s := newSolver(n, cs, deadline)
				s.inner = true // no packing heuristics at the child: only its bound matters
				cands := slices.DeleteFunc(slices.Clone(all), func(d int32) bool { return d == c })
				dist := x[i]
				if up {
					for _, v := range cs.nodes(c) {
						s.taken[v] = true
					}
					s.base, s.takenSet = cs.w[c], []int32{c}
					cands, dist = compatible(cs, all, s.taken), 1-x[i]
				}
				const from = 1 << 40 // any parent's bound: the loss is measured from it
				s.branchCycle, s.branchUp, s.branchFrom, s.branchDist = c, up, from, dist
				s.node(cands, false, nil, false)
				if s.branchCycle != -1 {
					t.Fatalf("seed %d cycle %d up %v: the branch is still set after the child", seed, c, up)
				}
				// The child's certified bound is its relaxation's value rounded down,
				// from duals rounded up: within a unit of it.
				child := float64(s.base)
				if len(cands) > 0 {
					_, cx, ok, _ := lpSolve(n, cs, cands, nil, deadline)
					if !ok {
						t.Fatalf("seed %d: a child's relaxation was not solved", seed)
					}
					child += value(cs, cands, cx)
				}
				d := 0
				if up {
					d = 1
				}
				p := s.pseudo[c]
				if p.count[d] != 1 || p.count[1-d] != 0 {
					t.Fatalf("seed %d cycle %d up %v: counts %v, want one observation in direction %d", seed, c, up, p.count, d)
				}
				if got, want := p.sum[d]*dist, from-child; math.Abs(got-want) > 1.5 {
					t.Errorf("seed %d cycle %d up %v: learnt a loss of %.3f, want %.3f", seed, c, up, got, want)
				}
				learnt++
			}
			break // one fractional cycle per pool
		}
	}
	if learnt < 10 {
		t.Fatalf("only %d children learnt from", learnt)
	}
}
