package match

import (
	"math"
	"math/rand/v2"
	"time"
)

// simplexMaxRows bounds the participants for which the dense simplex method runs.
const simplexMaxRows = 4000

// lpSolve solves the LP relaxation of the cycle formulation,
//
//	maximise sum_c w_c x_c  subject to  sum_{c through v} x_c <= 1 for every v, x >= 0,
//
// by the revised primal simplex method with an explicit basis inverse, and returns its
// dual values, one per participant, and the primal values of the candidate cycles. It works in floating point: the duals only guide the
// bound, which is then evaluated exactly (see solver.certify), so rounding here can cost
// tightness but never validity. The right-hand sides are perturbed slightly to keep the
// very degenerate packing LP from stalling. It returns nil when the problem is too large
// for a dense basis; when the deadline passes it returns the duals reached and no primal.
//
// start lists positions in cands of disjoint cycles (a packing) that enter the basis
// first: a crash start from a good packing saves many degenerate pivots.
//
// When optimal, it also returns the optimal basis for the dual simplex method to go on
// from, where the problem is small enough for that (see dualLP).
//
// The right-hand sides' perturbation does not reach the basis returned: its values are
// those of the true right-hand sides.
func lpSolve(n int, cs *cycles, cands []int32, start []int, deadline time.Time) (duals, x []float64, optimal bool, basis *dualLP) {
	// Only participants in some cycle are rows.
	row := make([]int32, n)
	for i := range row {
		row[i] = -1
	}
	var rows []int32
	for _, c := range cands {
		for _, v := range cs.nodes(c) {
			if row[v] < 0 {
				row[v] = int32(len(rows))
				rows = append(rows, v)
			}
		}
	}
	m := len(rows)
	if m == 0 {
		return make([]float64, n), make([]float64, len(cands)), true, nil
	}
	if m > simplexMaxRows {
		return nil, nil, false, nil // a dense m x m inverse would be too slow
	}
	ncols := len(cands)
	rng := rand.New(rand.NewPCG(1, 2))
	// Basis: basic[i] is the column basic in row i; columns 0..ncols-1 are cycles and
	// ncols+i is the slack of row i. Start from the all-slack basis.
	basic := make([]int32, m)
	inBasis := make([]bool, ncols+m)
	xB := make([]float64, m)
	binv := make([]float64, m*m)
	for i := 0; i < m; i++ {
		basic[i] = int32(ncols + i)
		inBasis[ncols+i] = true
		xB[i] = 1 + 1e-7*rng.Float64()
		binv[i*m+i] = 1
	}
	y := make([]float64, m) // duals: c_B B^-1; zero for the slack basis
	alpha := make([]float64, m)
	const tol = 1e-9
	for iter := 0; ; iter++ {
		if iter%64 == 0 && time.Now().After(deadline) {
			// Out of time: the duals so far still give a valid (if looser) bound once
			// clamped to zero, and the primal is feasible, so worth rounding.
			duals, x = lpResult(n, ncols, rows, basic, y, xB)
			return duals, x, false, nil
		}
		// Pricing: the column of largest reduced cost; first the crash columns.
		best, enter := tol, int32(-1)
		for len(start) > 0 && enter < 0 {
			c := int32(start[0])
			start = start[1:]
			d := float64(cs.w[cands[c]])
			for _, v := range cs.nodes(cands[c]) {
				d -= y[row[v]]
			}
			if !inBasis[c] && d > tol {
				best, enter = d, c
			}
		}
		crash := enter >= 0
		for c := int32(0); c < int32(ncols) && !crash; c++ {
			if inBasis[c] {
				continue
			}
			d := float64(cs.w[cands[c]])
			for _, v := range cs.nodes(cands[c]) {
				d -= y[row[v]]
			}
			if d > best {
				best, enter = d, c
			}
		}
		for i := 0; i < m && !crash; i++ {
			if j := int32(ncols + i); !inBasis[j] && -y[i] > best {
				best, enter = -y[i], j
			}
		}
		if enter < 0 {
			break // optimal
		}
		// alpha = B^-1 a_enter.
		for i := range alpha {
			alpha[i] = 0
		}
		if int(enter) < ncols {
			for _, v := range cs.nodes(cands[enter]) {
				r := int(row[v])
				for i := 0; i < m; i++ {
					alpha[i] += binv[i*m+r]
				}
			}
		} else {
			r := int(enter) - ncols
			for i := 0; i < m; i++ {
				alpha[i] = binv[i*m+r]
			}
		}
		// Ratio test.
		leave, ratio := -1, math.Inf(1)
		for i := 0; i < m; i++ {
			if alpha[i] > tol {
				if t := xB[i] / alpha[i]; t < ratio {
					ratio, leave = t, i
				}
			}
		}
		if leave < 0 {
			return nil, nil, false, nil // unbounded cannot happen for a packing LP; numerical trouble
		}
		// Pivot.
		for i := 0; i < m; i++ {
			xB[i] -= ratio * alpha[i]
		}
		xB[leave] = ratio
		piv := alpha[leave]
		rowL := binv[leave*m : leave*m+m]
		for k := range rowL {
			rowL[k] /= piv
		}
		for i := 0; i < m; i++ {
			if i == leave || alpha[i] == 0 {
				continue
			}
			f := alpha[i]
			ri := binv[i*m : i*m+m]
			for k, x := range rowL {
				if x != 0 {
					ri[k] -= f * x
				}
			}
		}
		// Duals: y += d_enter * (row leave of the new B^-1).
		for k := range y {
			y[k] += best * rowL[k]
		}
		inBasis[basic[leave]] = false
		basic[leave] = enter
		inBasis[enter] = true
	}
	duals, x = lpResult(n, ncols, rows, basic, y, xB)
	if m <= dualMaxRows {
		basis = newDualLP(n, cs, cands, rows, basic, binv)
	}
	return duals, x, true, basis
}

// lpResult maps the simplex state back to duals per participant (clamped to zero) and
// values per candidate cycle.
func lpResult(n, ncols int, rows, basic []int32, y, xB []float64) (duals, x []float64) {
	duals = make([]float64, n)
	for i, v := range rows {
		duals[v] = math.Max(0, y[i])
	}
	x = make([]float64, ncols)
	for i, j := range basic {
		if int(j) < ncols {
			x[j] = math.Max(0, xB[i])
		}
	}
	return duals, x
}
