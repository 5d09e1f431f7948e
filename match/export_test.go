package match

import (
	"math"
	"time"
)

// UseInteriorPoint makes Pack solve every relaxation with at least rows participants by
// the interior-point method, and returns a function that restores the default.
func UseInteriorPoint(rows int) (restore func()) {
	old := ipmMinRows
	ipmMinRows = rows
	return func() { ipmMinRows = old }
}

// SolveRelaxation solves the relaxation of the cycle formulation of a pool by the
// interior-point method and returns its value, for benchmarks.
func SolveRelaxation(n int, arcs []Arc, k int) float64 {
	cs, all := allOf(n, arcs, k)
	face := ipmSolve(n, cs, all, time.Now().Add(time.Minute))
	if face == nil {
		return math.NaN()
	}
	var v float64
	for i, c := range all {
		v += face.x[i] * float64(cs.w[c])
	}
	return v
}

// Anneal runs the annealing search alone on all cycles of a pool, without the guidance
// of a relaxation, and returns the packing it keeps and its weight.
func Anneal(n int, arcs []Arc, k, moves int) ([]Cycle, int64) {
	cs, all := allOf(n, arcs, k)
	s := newSolver(n, cs, time.Now().Add(time.Minute))
	set, w := s.anneal(all, nil, moves, s.deadline)
	out := make([]Cycle, len(set))
	for i, c := range set {
		out[i] = Cycle{Nodes: cs.nodes(c), Weight: cs.w[c]}
	}
	return out, w
}

// allOf enumerates the cycles of a pool and lists them all as candidates.
func allOf(n int, arcs []Arc, k int) (*cycles, []int32) {
	cs, err := enumerate(n, arcs, k, 50_000_000)
	if err != nil {
		panic(err)
	}
	all := make([]int32, cs.len())
	for i := range all {
		all[i] = int32(i)
	}
	return cs, all
}

// Neighbourhood runs the neighbourhood search alone on all cycles of a pool, from the
// greedy packing, for the time given or until patience steps in a row gain nothing,
// and returns the greedy packing's weight and the packing the search keeps, with its
// weight.
func Neighbourhood(n int, arcs []Arc, k, patience int, d time.Duration) (greedy int64, set []Cycle, w int64) {
	cs, all := allOf(n, arcs, k)
	s := newSolver(n, cs, time.Now().Add(d))
	greedy, start := s.greedy(all, nil)
	packed, w := s.lns(all, start, patience, s.deadline)
	for _, c := range packed {
		set = append(set, Cycle{Nodes: cs.nodes(c), Weight: cs.w[c]})
	}
	return greedy, set, w
}

// SearchBeside turns the neighbourhood search beside the tree on or off, and has
// observe told how many regions each such search covered; restore undoes both.
func SearchBeside(on bool, observe func(steps int64)) (restore func()) {
	oldOn, oldObserve := besideSearchOn, besideObserved
	besideSearchOn, besideObserved = on, observe
	return func() { besideSearchOn, besideObserved = oldOn, oldObserve }
}
