package match

import (
	"math"
	"time"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/lapack/lapack64"
)

// ipmMaxRows bounds the participants for which the interior-point method runs: each of
// its iterations factors a dense matrix of one row and column per participant.
// Below ipmMinRows the dense simplex method is as fast, and its vertex solutions guide
// branching better than the central ones of the interior-point method.
// (A variable so that tests can run the method on small graphs.)
const ipmMaxRows = 3000

var ipmMinRows = 300

// lpFace is the LP relaxation of the cycle formulation solved by an interior-point
// method:
//
//	maximise sum_c w_c x_c  subject to  A x + s = 1,  x, s >= 0,
//	minimise sum_v y_v      subject to  A^T y - z = w,  y, z >= 0,
//
// where A has a row per participant and a column per candidate cycle. The method ends
// near the centre of the optimal faces, which shows their shape: a cycle with x_c > z_c
// there is in some optimal solution and every optimal dual prices it at exactly its
// weight; a participant with y_v > s_v is covered by every optimal solution. When the
// relaxation is tight, the best packings are exactly the packings of such cycles that
// cover every such participant, which turns the search for them into an exact-cover
// problem far smaller than the original.
type lpFace struct {
	duals   []float64 // y per participant, in weight units
	x       []float64 // per candidate cycle
	support []bool    // per candidate: x_c > z_c
	must    []bool    // per participant: y_v > s_v
}

// ipmSolve runs Mehrotra's predictor-corrector method on the relaxation restricted to
// the candidate cycles. It works in floating point; its duals only guide the bound,
// which is evaluated exactly elsewhere. It returns nil when the problem has too many
// or too few participants, when the deadline passes, or when the iterations fail to converge.
func ipmSolve(n int, cs *cycles, cands []int32, deadline time.Time) *lpFace {
	row := make([]int32, n)
	for i := range row {
		row[i] = -1
	}
	var rows []int32
	cols := make([]int32, 0, 3*len(cands)) // row indices of each column, flat
	colStart := make([]int32, 1, len(cands)+1)
	var wmax float64
	for _, c := range cands {
		for _, v := range cs.nodes(c) {
			if row[v] < 0 {
				row[v] = int32(len(rows))
				rows = append(rows, v)
			}
			cols = append(cols, row[v])
		}
		colStart = append(colStart, int32(len(cols)))
		wmax = max(wmax, float64(cs.w[c]))
	}
	m, nc := len(rows), len(cands)
	if m < ipmMinRows || m > ipmMaxRows {
		return nil
	}
	col := func(j int) []int32 { return cols[colStart[j]:colStart[j+1]] }
	w := make([]float64, nc) // scaled so that the largest weight is 1
	for j, c := range cands {
		w[j] = float64(cs.w[c]) / wmax
	}
	deg := make([]float64, m)
	for _, r := range cols {
		deg[r]++
	}
	var maxDeg float64
	for _, d := range deg {
		maxDeg = max(maxDeg, d)
	}
	// Start inside both orthants: every participant half covered, every dual 1.
	x, z := make([]float64, nc), make([]float64, nc)
	s, y := make([]float64, m), make([]float64, m)
	for j := range x {
		x[j] = 0.5 / maxDeg
		z[j] = max(float64(len(col(j)))-w[j], 0.5)
	}
	for i := range s {
		s[i] = 1 - deg[i]*0.5/maxDeg
		y[i] = 1
	}

	// Work vectors.
	rp, rd := make([]float64, m), make([]float64, nc)
	dx, dz, dxa, dza := make([]float64, nc), make([]float64, nc), make([]float64, nc), make([]float64, nc)
	ds, dy, dsa, dya := make([]float64, m), make([]float64, m), make([]float64, m), make([]float64, m)
	rxz, rsy := make([]float64, nc), make([]float64, m)
	d := make([]float64, nc)
	// The normal matrix, upper triangle, and its Cholesky factor. The factor is computed
	// by LAPACK's routine directly: gonum's mat.Cholesky would also estimate the condition
	// number at each factorisation, which costs a third as much again.
	raw, fac := make([]float64, m*m), make([]float64, m*m)
	var chol blas64.Triangular
	factor := func() bool {
		copy(fac, raw)
		var ok bool
		chol, ok = lapack64.Potrf(blas64.Symmetric{Uplo: blas.Upper, N: m, Stride: m, Data: fac})
		if !ok {
			return false
		}
		// The condition number is at least the squared ratio of the factor's largest and
		// smallest diagonal entries: past 1e16 the solves are noise.
		lo, hi := math.Inf(1), 0.0
		for i := 0; i < m; i++ {
			u := math.Abs(fac[i*m+i])
			lo, hi = min(lo, u), max(hi, u)
		}
		return m == 0 || (lo > 0 && (hi/lo)*(hi/lo) < 1e16)
	}
	r := make([]float64, m)

	// solve computes the Newton direction for the complementarity targets rxz and rsy.
	solve := func(dx, dz, ds, dy []float64) bool {
		for i := range r {
			r[i] = rsy[i]/y[i] - rp[i]
		}
		for j := range x {
			t := rxz[j]/z[j] + d[j]*rd[j]
			for _, i := range col(j) {
				r[i] += t
			}
		}
		lapack64.Potrs(chol, blas64.General{Rows: m, Cols: 1, Stride: 1, Data: r})
		for _, v := range r {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return false
			}
		}
		copy(dy, r)
		for j := range x {
			var at float64
			for _, i := range col(j) {
				at += dy[i]
			}
			dz[j] = at - rd[j]
			dx[j] = rxz[j]/z[j] - d[j]*dz[j]
		}
		for i := range s {
			ds[i] = (rsy[i] - s[i]*dy[i]) / y[i]
		}
		return true
	}
	// steps returns the longest steps in [0, 1] keeping the primal and dual variables
	// nonnegative.
	steps := func(dx, dz, ds, dy []float64) (ap, ad float64) {
		ap, ad = 1, 1
		for j := range x {
			if dx[j] < 0 {
				ap = min(ap, -x[j]/dx[j])
			}
			if dz[j] < 0 {
				ad = min(ad, -z[j]/dz[j])
			}
		}
		for i := range s {
			if ds[i] < 0 {
				ap = min(ap, -s[i]/ds[i])
			}
			if dy[i] < 0 {
				ad = min(ad, -y[i]/dy[i])
			}
		}
		return ap, ad
	}
	total := float64(nc + m)
	converged := false
	// good is the last point close enough to optimal (x, z, s, y), to fall back on.
	good := [4][]float64{make([]float64, nc), make([]float64, nc), make([]float64, m), make([]float64, m)}
	haveGood := false
	bestMerit, stalled := math.Inf(1), 0
	for iter := 0; iter < 200; iter++ {
		if time.Now().After(deadline) {
			return nil
		}
		// Residuals and the measure of complementarity.
		var pinf, dinf, mu, pobj, dobj float64
		for i := range rp {
			rp[i] = 1 - s[i]
			mu += s[i] * y[i]
			dobj += y[i]
		}
		for j := range x {
			var at float64
			for _, i := range col(j) {
				rp[i] -= x[j]
				at += y[i]
			}
			rd[j] = w[j] - at + z[j]
			dinf = max(dinf, math.Abs(rd[j]))
			mu += x[j] * z[j]
			pobj += w[j] * x[j]
		}
		for _, r := range rp {
			pinf = max(pinf, math.Abs(r))
		}
		mu /= total
		// Stop when the relative gap is well below what a bound in whole weight units
		// needs, or, when the factorisation gives out, accept a point close enough.
		feasible := pinf < 1e-9 && dinf < 1e-9
		gap := math.Abs(pobj-dobj) / (1 + math.Abs(dobj))
		if converged = feasible && gap < 1e-12; converged {
			break
		}
		closeEnough := feasible && gap < 1e-9
		// The method gains digits every iteration or two until rounding stops it; when
		// ten iterations in a row gain nothing, it has stalled.
		if merit := max(pinf, dinf, gap); merit < 0.9*bestMerit {
			bestMerit, stalled = merit, 0
		} else if stalled++; stalled >= 10 {
			converged = closeEnough
			break
		}
		if closeEnough {
			copy(good[0], x)
			copy(good[1], z)
			copy(good[2], s)
			copy(good[3], y)
			haveGood = true
		} else if haveGood {
			// Rounding has caught up with the method and the iterates have left a point
			// that was good enough: go back to it.
			break
		}
		// The normal equations: A D A^T + diag(s/y), D = diag(x/z).
		clear(raw)
		for i := range s {
			raw[i*m+i] = s[i] / y[i]
		}
		for j := range x {
			d[j] = x[j] / z[j]
			c := col(j)
			for a, ia := range c {
				for _, ib := range c[a:] {
					lo, hi := min(ia, ib), max(ia, ib)
					raw[int(lo)*m+int(hi)] += d[j]
				}
			}
		}
		// The matrix turns ill-conditioned as the method converges; a touch of
		// regularisation keeps the factorisation going.
		ok := factor()
		for reg := 1e-14; !ok && reg < 1e-4; reg *= 100 {
			for i := 0; i < m; i++ {
				raw[i*m+i] += reg * (1 + raw[i*m+i])
			}
			ok = factor()
		}
		if !ok {
			converged = closeEnough
			break
		}
		// Predictor: the affine-scaling direction.
		for j := range x {
			rxz[j] = -x[j] * z[j]
		}
		for i := range s {
			rsy[i] = -s[i] * y[i]
		}
		if !solve(dxa, dza, dsa, dya) {
			converged = closeEnough
			break
		}
		ap, ad := steps(dxa, dza, dsa, dya)
		var muAff float64
		for j := range x {
			muAff += (x[j] + ap*dxa[j]) * (z[j] + ad*dza[j])
		}
		for i := range s {
			muAff += (s[i] + ap*dsa[i]) * (y[i] + ad*dya[i])
		}
		muAff /= total
		sigma := math.Pow(muAff/mu, 3)
		// Corrector: centring plus the second-order term.
		for j := range x {
			rxz[j] = sigma*mu - x[j]*z[j] - dxa[j]*dza[j]
		}
		for i := range s {
			rsy[i] = sigma*mu - s[i]*y[i] - dsa[i]*dya[i]
		}
		if !solve(dx, dz, ds, dy) {
			converged = closeEnough
			break
		}
		ap, ad = steps(dx, dz, ds, dy)
		ap, ad = min(1, 0.995*ap), min(1, 0.995*ad)
		for j := range x {
			x[j] += ap * dx[j]
			z[j] += ad * dz[j]
		}
		for i := range s {
			s[i] += ap * ds[i]
			y[i] += ad * dy[i]
		}
	}
	if !converged && haveGood {
		x, z, s, y = good[0], good[1], good[2], good[3]
		converged = true
	}
	if !converged {
		return nil
	}
	f := &lpFace{duals: make([]float64, n), x: x, support: make([]bool, nc), must: make([]bool, n)}
	for i, v := range rows {
		f.duals[v] = y[i] * wmax
		f.must[v] = y[i] > s[i]
	}
	for j := range x {
		f.support[j] = x[j] > z[j]
	}
	return f
}
