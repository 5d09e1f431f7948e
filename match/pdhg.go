package match

import (
	"math"
	"time"
)

// pdhgSolve approximates the LP relaxation of the cycle formulation restricted to the
// candidate cycles when it has too many participants for the interior-point method:
// the primal-dual hybrid gradient method with diagonal preconditioning (Pock and
// Chambolle) and restarts to the running average (as in PDLP). Each iteration costs two
// passes over the cycles, so it scales to large pools; it converges to moderate
// accuracy, which is what a bound within a small gap needs. It runs until the deadline
// or until its primal and dual objectives meet within rel, and returns duals per
// participant (in weight units) and values per candidate cycle. The duals are only
// multipliers: the bound they give is evaluated exactly elsewhere, and is valid however
// rough they are.
func pdhgSolve(n int, cs *cycles, cands []int32, rel float64, deadline time.Time) (duals, x []float64) {
	var wmax float64
	deg := make([]float64, n)
	for _, c := range cands {
		wmax = max(wmax, float64(cs.w[c]))
		for _, v := range cs.nodes(c) {
			deg[v]++
		}
	}
	nc := len(cands)
	w := make([]float64, nc)
	for j, c := range cands {
		w[j] = float64(cs.w[c]) / wmax
	}
	x = make([]float64, nc)
	y := make([]float64, n)
	xAvg, yAvg := make([]float64, nc), make([]float64, n)
	xNew := make([]float64, nc)
	ax := make([]float64, n)   // A x
	aty := make([]float64, nc) // A^T y
	ext := make([]float64, n)  // A (2 x_new - x)
	var avgCount float64

	// objectives returns the primal value of x made feasible by scaling down each cycle
	// to its most loaded participant, and the Lagrangian bound at y.
	objectives := func(x, y []float64) (primal, bound float64) {
		clear(ax)
		for j, c := range cands {
			for _, v := range cs.nodes(c) {
				ax[v] += x[j]
			}
		}
		for j, c := range cands {
			load, r := 1.0, w[j]
			for _, v := range cs.nodes(c) {
				load = max(load, ax[v])
				r -= y[v]
			}
			primal += w[j] * x[j] / load
			bound += max(0, r)
		}
		for v := range y {
			bound += y[v]
		}
		return primal, bound
	}

	const restartEvery = 256
	bestBound := math.Inf(1)
	bestY := make([]float64, n)
	for iter := 1; ; iter++ {
		// Dual step direction A^T y, then the primal step.
		for j, c := range cands {
			var s float64
			for _, v := range cs.nodes(c) {
				s += y[v]
			}
			aty[j] = s
		}
		clear(ext)
		for j, c := range cands {
			nodes := cs.nodes(c)
			tau := 1 / float64(len(nodes))
			xNew[j] = max(0, x[j]+tau*(w[j]-aty[j]))
			e := 2*xNew[j] - x[j]
			for _, v := range nodes {
				ext[v] += e
			}
		}
		x, xNew = xNew, x
		for v := range y {
			if deg[v] > 0 {
				y[v] = max(0, y[v]+(ext[v]-1)/deg[v])
			}
		}
		avgCount++
		for j := range x {
			xAvg[j] += (x[j] - xAvg[j]) / avgCount
		}
		for v := range y {
			yAvg[v] += (y[v] - yAvg[v]) / avgCount
		}
		late := time.Now().After(deadline)
		if iter%restartEvery != 0 && !late {
			continue
		}
		// Restart from whichever of the current and average points has the smaller gap.
		pc, bc := objectives(x, y)
		pa, ba := objectives(xAvg, yAvg)
		if ba-pa < bc-pc {
			copy(x, xAvg)
			copy(y, yAvg)
			pc, bc = pa, ba
		}
		if bc < bestBound {
			bestBound = bc
			copy(bestY, y)
		}
		clear(xAvg)
		clear(yAvg)
		avgCount = 0
		if bestBound-pc <= rel*bestBound || late {
			break
		}
	}
	duals = make([]float64, n)
	for v, d := range bestY {
		duals[v] = d * wmax
	}
	return duals, x
}
