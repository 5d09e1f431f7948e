package match_test

import (
	"math/rand/v2"
	"runtime"
	"slices"
	"testing"
	"time"

	"github.com/barter-clearing/barter/match"
	"github.com/barter-clearing/barter/match/matchgen"
)

// allCycles lists every simple cycle of length 2..k (brute force, for small graphs).
func allCycles(n int, arcs []match.Arc, k int) []match.Cycle {
	w := map[[2]int32]int64{}
	for _, a := range arcs {
		w[[2]int32{a.From, a.To}] = max(w[[2]int32{a.From, a.To}], a.Weight)
	}
	var out []match.Cycle
	var path []int32
	var rec func(s int32)
	rec = func(s int32) {
		last := path[len(path)-1]
		if len(path) >= 2 {
			if x, ok := w[[2]int32{last, s}]; ok {
				var total int64
				for i := range path {
					total += w[[2]int32{path[i], path[(i+1)%len(path)]}]
				}
				_ = x
				out = append(out, match.Cycle{Nodes: slices.Clone(path), Weight: total})
			}
		}
		if len(path) == k {
			return
		}
		for v := s + 1; v < int32(n); v++ {
			if _, ok := w[[2]int32{last, v}]; ok && !slices.Contains(path, v) {
				path = append(path, v)
				rec(s)
				path = path[:len(path)-1]
			}
		}
	}
	for s := int32(0); s < int32(n); s++ {
		path = []int32{s}
		rec(s)
	}
	return out
}

// bruteForce returns the heaviest packing of disjoint cycles.
func bruteForce(n int, cs []match.Cycle) int64 {
	used := make([]bool, n)
	var best int64
	var rec func(i int, w int64)
	rec = func(i int, w int64) {
		if i == len(cs) {
			best = max(best, w)
			return
		}
		rec(i+1, w)
		for _, v := range cs[i].Nodes {
			if used[v] {
				return
			}
		}
		for _, v := range cs[i].Nodes {
			used[v] = true
		}
		rec(i+1, w+cs[i].Weight)
		for _, v := range cs[i].Nodes {
			used[v] = false
		}
	}
	rec(0, 0)
	return best
}

func randomArcs(rng *rand.Rand, n int, p float64, maxW int64) []match.Arc {
	var arcs []match.Arc
	for u := 0; u < n; u++ {
		for v := 0; v < n; v++ {
			if u != v && rng.Float64() < p {
				arcs = append(arcs, match.Arc{From: int32(u), To: int32(v), Weight: 1 + rng.Int64N(maxW)})
			}
		}
	}
	return arcs
}

// eachSmallPool calls fn with count random pools, the i-th of n participants (from
// minN to minN+span-1) and cycles of at most k (2 to 4), drawn from the seed.
func eachSmallPool(seed uint64, count, minN, span int, fn func(i, n, k int, arcs []match.Arc)) {
	rng := rand.New(rand.NewPCG(seed, seed+1))
	for i := 0; i < count; i++ {
		n := minN + rng.IntN(span)
		k := 2 + rng.IntN(3)
		fn(i, n, k, randomArcs(rng, n, 0.2+rng.Float64()*0.5, 20))
	}
}

// checkPacking verifies that a result is a packing of real cycles of the graph.
func checkPacking(tb testing.TB, n int, arcs []match.Arc, k int, r *match.Result) {
	tb.Helper()
	w := map[[2]int32]int64{}
	for _, a := range arcs {
		w[[2]int32{a.From, a.To}] = max(w[[2]int32{a.From, a.To}], a.Weight)
	}
	used := make([]bool, n)
	var total int64
	for _, c := range r.Cycles {
		if len(c.Nodes) < 2 || len(c.Nodes) > k {
			tb.Fatalf("cycle %v has length %d; k = %d", c.Nodes, len(c.Nodes), k)
		}
		var cw int64
		for i, v := range c.Nodes {
			if used[v] {
				tb.Fatalf("participant %d is in two cycles", v)
			}
			used[v] = true
			x, ok := w[[2]int32{v, c.Nodes[(i+1)%len(c.Nodes)]}]
			if !ok {
				tb.Fatalf("cycle %v uses a missing arc", c.Nodes)
			}
			cw += x
		}
		if cw != c.Weight {
			tb.Fatalf("cycle %v weighs %d, says %d", c.Nodes, cw, c.Weight)
		}
		total += cw
	}
	if total != r.Weight {
		tb.Fatalf("cycles weigh %d, result says %d", total, r.Weight)
	}
	if r.Bound < r.Weight || r.Optimal != (r.Bound == r.Weight) {
		tb.Fatalf("bound %d, weight %d, optimal %v", r.Bound, r.Weight, r.Optimal)
	}
}

func TestPack_BruteForce(t *testing.T) {
	t.Run("simplex", testPackBruteForce)
	t.Run("interior-point", func(t *testing.T) {
		defer match.UseInteriorPoint(1)()
		testPackBruteForce(t)
	})
}

func testPackBruteForce(t *testing.T) {
	eachSmallPool(5, 500, 3, 7, func(i, n, k int, arcs []match.Arc) {
		r, err := match.Pack(n, arcs, match.Options{MaxCycle: k, TimeLimit: 10 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		checkPacking(t, n, arcs, k, r)
		want := bruteForce(n, allCycles(n, arcs, k))
		if r.Weight != want || !r.Optimal {
			t.Fatalf("instance %d (n=%d k=%d %v): weight %d bound %d optimal %v; brute force %d", i, n, k, arcs, r.Weight, r.Bound, r.Optimal, want)
		}
	})
}

// TestAnneal_BruteForce checks that annealing alone keeps valid packings, weighs them
// right, and on small pools finds the optimum.
func TestAnneal_BruteForce(t *testing.T) {
	optimal := 0
	eachSmallPool(7, 200, 4, 8, func(i, n, k int, arcs []match.Arc) {
		set, w := match.Anneal(n, arcs, k, 20_000)
		checkDisjoint(t, n, set, w)
		if want := bruteForce(n, allCycles(n, arcs, k)); w == want {
			optimal++
		} else if w > want {
			t.Fatalf("instance %d: annealing kept %d, above the optimum %d", i, w, want)
		}
	})
	// A heuristic may miss now and then; a broken one misses often.
	if optimal < 180 {
		t.Errorf("annealing found the optimum of %d pools of 200; want 180 at least", optimal)
	}
}

func TestPack_Invalid(t *testing.T) {
	for name, tt := range map[string]struct {
		arcs []match.Arc
		k    int
	}{
		"loop":   {[]match.Arc{{0, 0, 1}}, 3},
		"range":  {[]match.Arc{{0, 9, 1}}, 3},
		"weight": {[]match.Arc{{0, 1, 0}}, 3},
		"k":      {nil, 5},
	} {
		if _, err := match.Pack(2, tt.arcs, match.Options{MaxCycle: tt.k}); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// TestPack_Priority checks, against brute force, that priority participants are served
// first and weight decides among packings serving as many of them.
func TestPack_Priority(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for i := 0; i < 300; i++ {
		n := 3 + rng.IntN(6)
		k := 2 + rng.IntN(3)
		arcs := randomArcs(rng, n, 0.3+rng.Float64()*0.4, 50)
		prio := make([]bool, n)
		for v := range prio {
			prio[v] = rng.IntN(3) == 0
		}
		r, err := match.Pack(n, arcs, match.Options{MaxCycle: k, TimeLimit: 10 * time.Second, Priority: prio})
		if err != nil {
			t.Fatal(err)
		}
		checkPacking(t, n, arcs, k, r)
		// Brute force with the score served*(big) + weight.
		const big = 1 << 30
		cs := allCycles(n, arcs, k)
		for j := range cs {
			for _, v := range cs[j].Nodes {
				if prio[v] {
					cs[j].Weight += big
				}
			}
		}
		want := bruteForce(n, cs)
		served := 0
		for _, c := range r.Cycles {
			for _, v := range c.Nodes {
				if prio[v] {
					served++
				}
			}
		}
		if served != r.Served || int64(served)*big+r.Weight != want || !r.Optimal || r.ServedBound != served {
			t.Fatalf("instance %d (n=%d k=%d prio %v %v): served %d (says %d, bound %d) weight %d optimal %v; brute force %d served, weight %d",
				i, n, k, prio, arcs, served, r.Served, r.ServedBound, r.Weight, r.Optimal, want/big, want%big)
		}
	}
}

// TestPack_SmallComponentsProven packs a pool of one large component that is easy and
// twenty small ones whose relaxation is not tight (five pairs in a ring: the relaxation
// gives 500, a packing at most 400). Each small component gets a small share of the
// time, which must still be enough to prove it, whatever the limit.
func TestPack_SmallComponentsProven(t *testing.T) {
	var arcs []match.Arc
	const big = 40
	for i := range int32(big) {
		for j := range int32(big) {
			if i != j {
				arcs = append(arcs, match.Arc{From: i, To: j, Weight: 100})
			}
		}
	}
	n := int32(big)
	for range 20 {
		for i := range int32(5) {
			a, b := n+i, n+(i+1)%5
			arcs = append(arcs, match.Arc{From: a, To: b, Weight: 100}, match.Arc{From: b, To: a, Weight: 100})
		}
		n += 5
	}
	for _, limit := range []time.Duration{2 * time.Second, 10 * time.Second} {
		start := time.Now()
		r, err := match.Pack(int(n), arcs, match.Options{MaxCycle: 3, TimeLimit: limit})
		if err != nil {
			t.Fatal(err)
		}
		checkPacking(t, int(n), arcs, 3, r)
		if r.Weight != 12000 || !r.Optimal {
			t.Errorf("limit %v: weight %d bound %d optimal %v after %v; want 12000 proven", limit, r.Weight, r.Bound, r.Optimal, time.Since(start))
		}
	}
}

// TestPack_ExactCoverSparse: on uniform pools of moderate density, every participant
// can be served at the value of its goods, which the first bound says, but the
// depth-first search for such a cover runs into dead ends and a min-conflicts search
// stays tens of participants short. The annealing repair closes the cover, so the
// packing is proven optimal long before the time limit.
func TestPack_ExactCoverSparse(t *testing.T) {
	if testing.Short() {
		t.Skip("pools of 3,000 participants")
	}
	for seed := uint64(1); seed <= 3; seed++ {
		const n = 3000
		arcs := matchgen.Uniform(seed, n, 50)
		start := time.Now()
		r, err := match.Pack(n, arcs, match.Options{MaxCycle: 3, TimeLimit: 30 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		checkPacking(t, n, arcs, 3, r)
		if !r.Optimal {
			t.Errorf("seed %d: weight %d, bound %d after %v; want it proven", seed, r.Weight, r.Bound, time.Since(start))
		}
	}
}

// checkDisjoint verifies that a set of cycles shares no participant and weighs w.
func checkDisjoint(tb testing.TB, n int, set []match.Cycle, w int64) {
	tb.Helper()
	seen := make([]bool, n)
	var sum int64
	for _, c := range set {
		sum += c.Weight
		for _, v := range c.Nodes {
			if seen[v] {
				tb.Fatalf("participant %d in two cycles of %v", v, set)
			}
			seen[v] = true
		}
	}
	if sum != w {
		tb.Fatalf("cycles %v weigh %d; said %d", set, sum, w)
	}
}

// TestNeighbourhood_BruteForce: on small pools every region the search frees is a
// whole connected group, which it packs exactly, so it must reach the optimum.
func TestNeighbourhood_BruteForce(t *testing.T) {
	eachSmallPool(9, 100, 4, 8, func(i, n, k int, arcs []match.Arc) {
		if cs, err := match.Enumerate(n, arcs, k, 0); err != nil || len(cs) == 0 {
			return
		}
		// Stopped by steps rather than by the clock, so that a loaded machine gives
		// each pool as many steps as an idle one.
		greedy, set, w := match.Neighbourhood(n, arcs, k, 200, time.Minute)
		checkDisjoint(t, n, set, w)
		if want := bruteForce(n, allCycles(n, arcs, k)); w != want || w < greedy {
			t.Fatalf("instance %d (n=%d k=%d %v): search kept %d from greedy %d; optimum %d", i, n, k, arcs, w, greedy, want)
		}
	})
}

// TestNeighbourhood_Sparse: on a sparse pool, whose relaxation is far from integral,
// the search improves on the greedy packing and keeps it a packing, with its workers
// running concurrently.
func TestNeighbourhood_Sparse(t *testing.T) {
	const n = 2000
	arcs := matchgen.Uniform(1, n, 16)
	greedy, set, w := match.Neighbourhood(n, arcs, 3, 0, time.Second)
	checkDisjoint(t, n, set, w)
	r, err := match.Pack(n, arcs, match.Options{MaxCycle: 3, TimeLimit: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if w <= greedy || w > r.Bound {
		t.Fatalf("search kept %d from greedy %d; bound %d", w, greedy, r.Bound)
	}
	t.Logf("greedy %d, after a second of search %d, bound %d", greedy, w, r.Bound)
}

// TestPack_BesideSearch: on a sparse pool searched by branching, the neighbourhood
// search beside the tree runs, and the proven optimum is the one the tree proves alone.
func TestPack_BesideSearch(t *testing.T) {
	if runtime.GOMAXPROCS(0) < 2 {
		t.Skip("the search beside the tree needs a second core")
	}
	const n = 200
	arcs := matchgen.Uniform(2, n, 11)
	opt := match.Options{MaxCycle: 3, TimeLimit: time.Minute}
	var steps int64
	restore := match.SearchBeside(true, func(s int64) { steps += s })
	with, err := match.Pack(n, arcs, opt)
	restore()
	if err != nil {
		t.Fatal(err)
	}
	checkPacking(t, n, arcs, 3, with)
	restore = match.SearchBeside(false, func(s int64) { t.Error("the search beside ran while turned off") })
	alone, err := match.Pack(n, arcs, opt)
	restore()
	if err != nil {
		t.Fatal(err)
	}
	if !with.Optimal || !alone.Optimal || with.Weight != alone.Weight {
		t.Fatalf("with the search beside: %d (proven %v); alone: %d (proven %v)", with.Weight, with.Optimal, alone.Weight, alone.Optimal)
	}
	if steps == 0 {
		t.Error("the search beside the tree searched no region")
	}
	t.Logf("optimum %d; the search beside covered %d regions", with.Weight, steps)
}
