package match_test

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/barter-clearing/barter/match"
)

// mwm builds an edge list from (u, v, w) triples.
func mwm(triples ...[3]int64) []match.Edge {
	es := make([]match.Edge, len(triples))
	for i, t := range triples {
		es[i] = match.Edge{U: int32(t[0]), V: int32(t[1]), W: t[2]}
	}
	return es
}

// TestMaxWeightMatching_Known checks small graphs with a unique optimum. Most cases are
// ported from the test suite of Joris van Rantwijk's mwmatching.py (the names in
// brackets); each exercises one path of the blossom algorithm. Vertex 0 is unused in
// those, as in the original.
func TestMaxWeightMatching_Known(t *testing.T) {
	tests := []struct {
		name  string
		edges []match.Edge
		mate  []int32
		total int64
	}{
		{"empty graph", nil, []int32{-1, -1, -1}, 0},
		{"[test11] single edge", mwm([3]int64{0, 1, 1}), []int32{1, 0}, 1},
		{"[test12] path of two", mwm([3]int64{1, 2, 10}, [3]int64{2, 3, 11}), []int32{-1, -1, 3, 2}, 11},
		{"[test13] weight beats cardinality", mwm([3]int64{1, 2, 5}, [3]int64{2, 3, 11}, [3]int64{3, 4, 5}),
			[]int32{-1, -1, 3, 2, -1}, 11},
		{"[test15] scaled float weights", mwm([3]int64{1, 2, 3141593}, [3]int64{2, 3, 2718282}, [3]int64{1, 3, 3000000}, [3]int64{1, 4, 1414214}),
			[]int32{-1, 4, 3, 2, 1}, 4132496},
		{"[test16] non-positive weights ignored", mwm([3]int64{1, 2, 2}, [3]int64{1, 3, -2}, [3]int64{2, 3, 1}, [3]int64{2, 4, -1}, [3]int64{3, 4, -6}),
			[]int32{-1, 2, 1, -1, -1}, 2},
		{"triangle", mwm([3]int64{0, 1, 4}, [3]int64{1, 2, 5}, [3]int64{0, 2, 3}), []int32{-1, 2, 1}, 5},
		{"path: max weight is not max cardinality", mwm([3]int64{0, 1, 3}, [3]int64{1, 2, 7}, [3]int64{2, 3, 3}),
			[]int32{-1, 2, 1, -1}, 7},
		{"path: max weight is max cardinality", mwm([3]int64{0, 1, 4}, [3]int64{1, 2, 7}, [3]int64{2, 3, 4}),
			[]int32{1, 0, 3, 2}, 8},
		// The 5-cycle 0..4 (weight 10 each) with pendant 5 at 0 (weight 1): the odd
		// cycle shrinks to a blossom, and the pendant edge augments through it.
		{"5-cycle with a pendant", mwm([3]int64{0, 1, 10}, [3]int64{1, 2, 10}, [3]int64{2, 3, 10}, [3]int64{3, 4, 10}, [3]int64{4, 0, 10}, [3]int64{0, 5, 1}),
			[]int32{5, 2, 1, 4, 3, 0}, 21},
		{"parallel edges keep the heaviest, self-loops ignored",
			mwm([3]int64{0, 1, 2}, [3]int64{1, 0, 9}, [3]int64{0, 1, 5}, [3]int64{1, 2, 8}, [3]int64{2, 2, 100}, [3]int64{2, 3, 1}),
			[]int32{1, 0, 3, 2}, 10},
		{"[test20] S-blossom, augment", mwm([3]int64{1, 2, 8}, [3]int64{1, 3, 9}, [3]int64{2, 3, 10}, [3]int64{3, 4, 7}),
			[]int32{-1, 2, 1, 4, 3}, 15},
		{"[test20] S-blossom, augment 2", mwm([3]int64{1, 2, 8}, [3]int64{1, 3, 9}, [3]int64{2, 3, 10}, [3]int64{3, 4, 7}, [3]int64{1, 6, 5}, [3]int64{4, 5, 6}),
			[]int32{-1, 6, 3, 2, 5, 4, 1}, 21},
		{"[test21] S-blossom relabelled T", mwm([3]int64{1, 2, 9}, [3]int64{1, 3, 8}, [3]int64{2, 3, 10}, [3]int64{1, 4, 5}, [3]int64{4, 5, 4}, [3]int64{1, 6, 3}),
			[]int32{-1, 6, 3, 2, 5, 4, 1}, 17},
		{"[test21] S-blossom relabelled T 2", mwm([3]int64{1, 2, 9}, [3]int64{1, 3, 8}, [3]int64{2, 3, 10}, [3]int64{1, 4, 5}, [3]int64{4, 5, 3}, [3]int64{1, 6, 4}),
			[]int32{-1, 6, 3, 2, 5, 4, 1}, 17},
		{"[test21] S-blossom relabelled T 3", mwm([3]int64{1, 2, 9}, [3]int64{1, 3, 8}, [3]int64{2, 3, 10}, [3]int64{1, 4, 5}, [3]int64{4, 5, 3}, [3]int64{3, 6, 4}),
			[]int32{-1, 2, 1, 6, 5, 4, 3}, 16},
		{"[test22] nested S-blossom", mwm([3]int64{1, 2, 9}, [3]int64{1, 3, 9}, [3]int64{2, 3, 10}, [3]int64{2, 4, 8}, [3]int64{3, 5, 8}, [3]int64{4, 5, 10}, [3]int64{5, 6, 6}),
			[]int32{-1, 3, 4, 1, 2, 6, 5}, 23},
		{"[test23] S-blossom relabelled S, nested", mwm([3]int64{1, 2, 10}, [3]int64{1, 7, 10}, [3]int64{2, 3, 12}, [3]int64{3, 4, 20}, [3]int64{3, 5, 20}, [3]int64{4, 5, 25}, [3]int64{5, 6, 10}, [3]int64{6, 7, 10}, [3]int64{7, 8, 8}),
			[]int32{-1, 2, 1, 4, 3, 6, 5, 8, 7}, 48},
		{"[test24] nested S-blossom, expand recursively", mwm([3]int64{1, 2, 8}, [3]int64{1, 3, 8}, [3]int64{2, 3, 10}, [3]int64{2, 4, 12}, [3]int64{3, 5, 12}, [3]int64{4, 5, 14}, [3]int64{4, 6, 12}, [3]int64{5, 7, 12}, [3]int64{6, 7, 14}, [3]int64{7, 8, 12}),
			[]int32{-1, 2, 1, 5, 6, 3, 4, 8, 7}, 44},
		{"[test25] S-blossom relabelled T, expand", mwm([3]int64{1, 2, 23}, [3]int64{1, 5, 22}, [3]int64{1, 6, 15}, [3]int64{2, 3, 25}, [3]int64{3, 4, 22}, [3]int64{4, 5, 25}, [3]int64{4, 8, 14}, [3]int64{5, 7, 13}),
			[]int32{-1, 6, 3, 2, 8, 7, 1, 5, 4}, 67},
		{"[test26] nested S-blossom relabelled T, expand", mwm([3]int64{1, 2, 19}, [3]int64{1, 3, 20}, [3]int64{1, 8, 8}, [3]int64{2, 3, 25}, [3]int64{2, 4, 18}, [3]int64{3, 5, 18}, [3]int64{4, 5, 13}, [3]int64{4, 7, 7}, [3]int64{5, 6, 7}),
			[]int32{-1, 8, 3, 2, 7, 6, 5, 4, 1}, 47},
		{"[test30] T-blossom reached several ways, expand", mwm([3]int64{1, 2, 45}, [3]int64{1, 5, 45}, [3]int64{2, 3, 50}, [3]int64{3, 4, 45}, [3]int64{4, 5, 50}, [3]int64{1, 6, 30}, [3]int64{3, 9, 35}, [3]int64{4, 8, 35}, [3]int64{5, 7, 26}, [3]int64{9, 10, 5}),
			[]int32{-1, 6, 3, 2, 8, 7, 1, 5, 4, 10, 9}, 146},
		{"[test31] T-blossom reached several ways, expand 2", mwm([3]int64{1, 2, 45}, [3]int64{1, 5, 45}, [3]int64{2, 3, 50}, [3]int64{3, 4, 45}, [3]int64{4, 5, 50}, [3]int64{1, 6, 30}, [3]int64{3, 9, 35}, [3]int64{4, 8, 26}, [3]int64{5, 7, 40}, [3]int64{9, 10, 5}),
			[]int32{-1, 6, 3, 2, 8, 7, 1, 5, 4, 10, 9}, 151},
		{"[test32] T-blossom expanded to a new least-slack edge", mwm([3]int64{1, 2, 45}, [3]int64{1, 5, 45}, [3]int64{2, 3, 50}, [3]int64{3, 4, 45}, [3]int64{4, 5, 50}, [3]int64{1, 6, 30}, [3]int64{3, 9, 35}, [3]int64{4, 8, 28}, [3]int64{5, 7, 26}, [3]int64{9, 10, 5}),
			[]int32{-1, 6, 3, 2, 8, 7, 1, 5, 4, 10, 9}, 139},
		{"[test33] nested T-blossom, inner ends on the augmenting path", mwm([3]int64{1, 2, 45}, [3]int64{1, 7, 45}, [3]int64{2, 3, 50}, [3]int64{3, 4, 45}, [3]int64{4, 5, 95}, [3]int64{4, 6, 94}, [3]int64{5, 6, 94}, [3]int64{6, 7, 50}, [3]int64{1, 8, 30}, [3]int64{3, 11, 35}, [3]int64{5, 9, 36}, [3]int64{7, 10, 26}, [3]int64{11, 12, 5}),
			[]int32{-1, 8, 3, 2, 6, 9, 4, 10, 1, 5, 7, 12, 11}, 241},
		{"[test34] nested S-blossom relabelled S, expand recursively", mwm([3]int64{1, 2, 40}, [3]int64{1, 3, 40}, [3]int64{2, 3, 60}, [3]int64{2, 4, 55}, [3]int64{3, 5, 55}, [3]int64{4, 5, 50}, [3]int64{1, 8, 15}, [3]int64{5, 7, 30}, [3]int64{7, 6, 10}, [3]int64{8, 10, 10}, [3]int64{4, 9, 30}),
			[]int32{-1, 2, 1, 5, 9, 3, 7, 6, 10, 4, 8}, 145},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mate, total := match.MaxWeightMatching(len(tt.mate), tt.edges)
			if !slices.Equal(mate, tt.mate) || total != tt.total {
				t.Errorf("got mate %v total %d, want %v total %d", mate, total, tt.mate, tt.total)
			}
			checkMatching(t, len(tt.mate), tt.edges, mate, total)
		})
	}
}

// TestMaxWeightMatching_EdgeOrder checks that the result does not depend on the order
// in which the edges are given, nor on their orientation.
func TestMaxWeightMatching_EdgeOrder(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for range 50 {
		n := 2 + rng.IntN(40)
		edges := randomGraph(rng, n, 3*n, 4)
		mate, total := match.MaxWeightMatching(n, edges)
		shuffled := slices.Clone(edges)
		rng.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
		for i := range shuffled {
			if rng.IntN(2) == 0 {
				shuffled[i].U, shuffled[i].V = shuffled[i].V, shuffled[i].U
			}
		}
		mate2, total2 := match.MaxWeightMatching(n, shuffled)
		if !slices.Equal(mate, mate2) || total != total2 {
			t.Fatalf("n=%d: order changed the result: %v %d vs %v %d", n, mate, total, mate2, total2)
		}
	}
}

func TestMaxWeightMatching_Invalid(t *testing.T) {
	for _, tt := range []struct {
		name  string
		n     int
		edges []match.Edge
	}{
		{"vertex too large", 2, mwm([3]int64{0, 2, 1})},
		{"negative vertex", 2, mwm([3]int64{-1, 1, 1})},
		{"weight too large", 2, mwm([3]int64{0, 1, 1<<60 + 1})},
		{"negative n", -1, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Errorf("no panic")
				}
			}()
			match.MaxWeightMatching(tt.n, tt.edges)
		})
	}
}

// TestMaxWeightMatching_LargeWeights checks exact arithmetic near the weight limit,
// where a float64 implementation would round.
func TestMaxWeightMatching_LargeWeights(t *testing.T) {
	const big = 1 << 60
	// A 5-cycle (a blossom) plus a pendant, all weights distinct and close together.
	edges := mwm([3]int64{0, 1, big}, [3]int64{1, 2, big - 1}, [3]int64{2, 3, big - 2}, [3]int64{3, 4, big - 3},
		[3]int64{4, 0, big - 4}, [3]int64{0, 5, 3})
	mate, total := match.MaxWeightMatching(6, edges)
	checkMatching(t, 6, edges, mate, total)
	if want := bruteMatching(6, edges); total != want {
		t.Fatalf("total %d, want %d (mate %v)", total, want, mate)
	}
	// Weights of the size the clearing uses: up to 1e11 hundredths.
	rng := rand.New(rand.NewPCG(3, 4))
	for range 200 {
		n := 1 + rng.IntN(9)
		edges := randomGraph(rng, n, rng.IntN(20), 100_000_000_000)
		mate, total := match.MaxWeightMatching(n, edges)
		checkMatching(t, n, edges, mate, total)
		if want := bruteMatching(n, edges); total != want {
			t.Fatalf("n=%d edges=%v: total %d, want %d", n, edges, total, want)
		}
	}
}

// TestMaxWeightMatching_BruteForce compares the total weight with exhaustive search on
// many small random graphs. Small weight ranges create many ties (several optimal
// matchings, several least-slack edges); parallel edges, self-loops and non-positive
// weights are mixed in.
func TestMaxWeightMatching_BruteForce(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	count := 3000
	if testing.Short() {
		count = 600
	}
	for i := range count {
		n := 1 + rng.IntN(9)
		maxW := []int64{1, 3, 10, 1000}[i%4]
		edges := randomGraph(rng, n, rng.IntN(n*(n-1)/2+4), maxW)
		mate, total := match.MaxWeightMatching(n, edges)
		checkMatching(t, n, edges, mate, total)
		if want := bruteMatching(n, edges); total != want {
			t.Fatalf("graph %d: n=%d edges=%v: got mate %v total %d, want total %d", i, n, edges, mate, total, want)
		}
	}
}

// TestMaxWeightMatching_Medium compares with an exact dynamic program over vertex
// subsets on graphs of 10 to 16 vertices: large enough for nested blossoms, T-blossom
// expansions, and augmentations that leave other alternating trees in place.
func TestMaxWeightMatching_Medium(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 14))
	count := 1000
	if testing.Short() {
		count = 200
	}
	for i := range count {
		n := 10 + rng.IntN(7)
		maxW := []int64{2, 5, 30, 100_000}[i%4]
		edges := randomGraph(rng, n, n+rng.IntN(3*n), maxW)
		mate, total := match.MaxWeightMatching(n, edges)
		checkMatching(t, n, edges, mate, total)
		if want := subsetMatching(n, edges); total != want {
			t.Fatalf("graph %d: n=%d edges=%v: got mate %v total %d, want total %d", i, n, edges, mate, total, want)
		}
	}
}

// TestMaxWeightMatching_Dense does the same on complete graphs, where blossoms nest.
func TestMaxWeightMatching_Dense(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for range 300 {
		n := 4 + rng.IntN(7)
		var edges []match.Edge
		for u := range n {
			for v := u + 1; v < n; v++ {
				edges = append(edges, match.Edge{U: int32(u), V: int32(v), W: 1 + rng.Int64N(20)})
			}
		}
		mate, total := match.MaxWeightMatching(n, edges)
		checkMatching(t, n, edges, mate, total)
		if want := bruteMatching(n, edges); total != want {
			t.Fatalf("n=%d edges=%v: got mate %v total %d, want total %d", n, edges, mate, total, want)
		}
	}
}

// TestMaxWeightMatching_Relabel checks on graphs too large for exhaustive search that
// renumbering the vertices, which changes the order in which the algorithm explores
// the graph, does not change the total weight.
func TestMaxWeightMatching_Relabel(t *testing.T) {
	rng := rand.New(rand.NewPCG(15, 16))
	count := 400
	if testing.Short() {
		count = 100
	}
	for i := range count {
		n := 20 + rng.IntN(200)
		maxW := []int64{2, 5, 30, 100_000}[i%4]
		edges := randomGraph(rng, n, n+rng.IntN(4*n), maxW)
		mate, total := match.MaxWeightMatching(n, edges)
		checkMatching(t, n, edges, mate, total)
		perm := rng.Perm(n)
		renamed := make([]match.Edge, len(edges))
		for j, e := range edges {
			renamed[j] = match.Edge{U: int32(perm[e.U]), V: int32(perm[e.V]), W: e.W}
		}
		mate2, total2 := match.MaxWeightMatching(n, renamed)
		checkMatching(t, n, renamed, mate2, total2)
		if total != total2 {
			t.Fatalf("graph %d: n=%d: total %d, but %d after renumbering", i, n, total, total2)
		}
	}
}

// TestMaxWeightMatching_LargeValid checks the structural properties on larger graphs
// that brute force cannot solve.
func TestMaxWeightMatching_LargeValid(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	for _, n := range []int{50, 300, 2000} {
		edges := randomGraph(rng, n, 5*n, 100_000)
		mate, total := match.MaxWeightMatching(n, edges)
		checkMatching(t, n, edges, mate, total)
		if total <= 0 {
			t.Errorf("n=%d: total %d", n, total)
		}
	}
}

// randomGraph returns m random edges on n vertices with weights in 1..maxW, plus a few
// self-loops, non-positive weights and parallel edges.
func randomGraph(rng *rand.Rand, n, m int, maxW int64) []match.Edge {
	edges := make([]match.Edge, 0, m)
	for range m {
		e := match.Edge{U: int32(rng.IntN(n)), V: int32(rng.IntN(n)), W: 1 + rng.Int64N(maxW)}
		switch rng.IntN(20) {
		case 0:
			e.W = -rng.Int64N(3) // zero or negative: ignored
		case 1:
			e.V = e.U // self-loop: ignored
		case 2:
			if len(edges) > 0 { // parallel to an earlier edge
				p := edges[rng.IntN(len(edges))]
				e.U, e.V = p.V, p.U
			}
		}
		edges = append(edges, e)
	}
	return edges
}

// pairWeights returns the weight of the heaviest usable edge between each pair, or 0.
func pairWeights(n int, edges []match.Edge) [][]int64 {
	w := make([][]int64, n)
	for i := range w {
		w[i] = make([]int64, n)
	}
	for _, e := range edges {
		if e.U != e.V && e.W > 0 {
			w[e.U][e.V] = max(w[e.U][e.V], e.W)
			w[e.V][e.U] = w[e.U][e.V]
		}
	}
	return w
}

// bruteMatching returns the weight of a maximum-weight matching by enumerating all
// matchings: the lowest unmatched vertex is either left single or matched to each of
// its neighbours in turn.
func bruteMatching(n int, edges []match.Edge) int64 {
	w := pairWeights(n, edges)
	used := make([]bool, n)
	var rec func(v int) int64
	rec = func(v int) int64 {
		for v < n && used[v] {
			v++
		}
		if v == n {
			return 0
		}
		used[v] = true
		best := rec(v + 1)
		for u := v + 1; u < n; u++ {
			if !used[u] && w[v][u] > 0 {
				used[u] = true
				best = max(best, w[v][u]+rec(v+1))
				used[u] = false
			}
		}
		used[v] = false
		return best
	}
	return rec(0)
}

// subsetMatching returns the weight of a maximum-weight matching by dynamic
// programming over vertex subsets: best[s] is the best matching within subset s, in
// which the lowest vertex of s is either single or matched to another vertex of s.
func subsetMatching(n int, edges []match.Edge) int64 {
	w := pairWeights(n, edges)
	best := make([]int64, 1<<n)
	for s := 1; s < 1<<n; s++ {
		v := 0
		for s&(1<<v) == 0 {
			v++
		}
		rest := s &^ (1 << v)
		b := best[rest]
		for u := v + 1; u < n; u++ {
			if rest&(1<<u) != 0 && w[v][u] > 0 {
				b = max(b, w[v][u]+best[rest&^(1<<u)])
			}
		}
		best[s] = b
	}
	return best[1<<n-1]
}

// checkMatching checks that mate is a symmetric matching over usable edges of the graph
// and that total is the sum of the weights of its edges (the heaviest edge of each pair).
func checkMatching(tb testing.TB, n int, edges []match.Edge, mate []int32, total int64) {
	tb.Helper()
	if len(mate) != n {
		tb.Fatalf("len(mate) = %d, want %d", len(mate), n)
	}
	best := make(map[[2]int32]int64)
	for _, e := range edges {
		if e.U != e.V && e.W > 0 {
			k := [2]int32{min(e.U, e.V), max(e.U, e.V)}
			best[k] = max(best[k], e.W)
		}
	}
	var sum int64
	for v, u := range mate {
		if u == -1 {
			continue
		}
		if u < 0 || int(u) >= n || mate[u] != int32(v) {
			tb.Fatalf("mate not symmetric at %d: mate[%d]=%d: %v", v, v, u, mate)
		}
		w, ok := best[[2]int32{min(int32(v), u), max(int32(v), u)}]
		if !ok {
			tb.Fatalf("%d and %d matched without a usable edge", v, u)
		}
		if int32(v) < u {
			sum += w
		}
	}
	if sum != total {
		tb.Fatalf("total %d, but the matched edges weigh %d", total, sum)
	}
}

// BenchmarkMaxWeightMatching solves random sparse graphs with 5 edges per vertex and
// weights 1..100000.
func BenchmarkMaxWeightMatching(b *testing.B) {
	for _, n := range []int{1000, 10000} {
		rng := rand.New(rand.NewPCG(uint64(n), 42))
		edges := make([]match.Edge, 0, 5*n)
		for len(edges) < 5*n {
			u, v := rng.IntN(n), rng.IntN(n)
			if u != v {
				edges = append(edges, match.Edge{U: int32(u), V: int32(v), W: 1 + rng.Int64N(100_000)})
			}
		}
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				match.MaxWeightMatching(n, edges)
			}
		})
	}
}
