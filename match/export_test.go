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
	cs, err := enumerate(n, arcs, k, 50_000_000)
	if err != nil {
		panic(err)
	}
	all := make([]int32, cs.len())
	for i := range all {
		all[i] = int32(i)
	}
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
