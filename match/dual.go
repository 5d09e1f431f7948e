package match

import (
	"math"
	"slices"
	"time"

	"gonum.org/v1/gonum/blas/blas64"
)

// dualLP is the LP relaxation of a branch-and-bound node kept with its optimal basis,
// so that each child re-solves from its parent's basis by the dual simplex method
// instead of from scratch. A child's candidates are some of its parent's: the others
// (they conflict with a cycle taken on the branch, or were fixed by reduced cost) get
// upper bound 0, which leaves the reduced costs as they were, so the parent's basis
// stays dual feasible. (A participant covered on the branch needs nothing more: every
// cycle through it is among those bounded.)
//
// Rows and columns stay those of the node where the basis was first built; the basis
// inverse is dense and explicit, as in lpSolve, and refactored from time to time to
// shed rounding. Like lpSolve it only guides: its duals are evaluated exactly by
// solver.certify, so rounding here costs tightness, never validity.
type dualLP struct {
	cs    *cycles
	rows  []int32         // participant of each row
	rowOf []int32         // row of each participant, or -1 (shared by copies)
	cols  []int32         // cycle of each column; column ncols+i is the slack of row i
	colOf map[int32]int32 // column of each cycle (shared by copies)

	out     []bool    // per column: upper bound 0
	basic   []int32   // column basic in each row
	pos     []int32   // row in which each column (cycles, then slacks) is basic, or -1
	binv    []float64 // basis inverse, m x m, row major
	xB      []float64 // values of the basic columns
	y       []float64 // duals, per row
	updates int       // pivots since the inverse was last computed afresh
}

// dualMaxRows bounds the rows for which branch and bound keeps bases: each level of the
// search holds a dense inverse of m x m.
const dualMaxRows = 1500

// dualMaxBytes bounds the inverses held along one branch of the search at once.
const dualMaxBytes = 1 << 30

// refactorEvery is how many pivots may update an inverse before it is computed afresh
// (or as many as it has rows, when more: a refactoring costs m³, a pivot m²).
const refactorEvery = 200

// m is the number of rows.
func (d *dualLP) m() int { return len(d.rows) }

// bytes is the memory an inverse of this size takes.
func (d *dualLP) bytes() int { return 8 * d.m() * d.m() }

// clone copies the parts a child changes.
func (d *dualLP) clone() *dualLP {
	c := new(dualLP)
	c.copyFrom(d)
	return c
}

// copyFrom makes d a copy of src, as clone does, in the memory d already has.
func (d *dualLP) copyFrom(src *dualLP) {
	out, basic, pos, binv, xB, y := d.out, d.basic, d.pos, d.binv, d.xB, d.y
	*d = *src
	d.out = append(out[:0], src.out...)
	d.basic = append(basic[:0], src.basic...)
	d.pos = append(pos[:0], src.pos...)
	d.binv = append(binv[:0], src.binv...)
	d.xB = append(xB[:0], src.xB...)
	d.y = append(y[:0], src.y...)
}

// newDualLP builds the state from an optimal basis found by lpSolve on cands: basic
// lists the column basic in each of its rows, in lpSolve's numbering, which this one
// shares, and binv is its inverse, which it takes over.
func newDualLP(n int, cs *cycles, cands []int32, rows []int32, basic []int32, binv []float64) *dualLP {
	d := &dualLP{cs: cs, rows: rows, rowOf: make([]int32, n), cols: slices.Clone(cands),
		colOf: make(map[int32]int32, len(cands))}
	for i := range d.rowOf {
		d.rowOf[i] = -1
	}
	for i, v := range rows {
		d.rowOf[v] = int32(i)
	}
	for j, c := range cands {
		d.colOf[c] = int32(j)
	}
	m, nc := len(rows), len(cands)
	d.out = make([]bool, nc+m)
	d.basic = slices.Clone(basic)
	d.pos = make([]int32, nc+m)
	for j := range d.pos {
		d.pos[j] = -1
	}
	for i, j := range basic {
		d.pos[j] = int32(i)
	}
	d.binv = binv
	d.xB = make([]float64, m)
	d.y = make([]float64, m)
	d.recompute()
	return d
}

// cost is the weight of column j (slacks weigh nothing).
func (d *dualLP) cost(j int32) float64 {
	if j >= int32(len(d.cols)) {
		return 0
	}
	return float64(d.cs.w[d.cols[j]])
}

// refactor computes the inverse of the basis afresh by Gauss-Jordan elimination with
// partial pivoting, and from it the basic values and the duals. It reports false when
// the basis is singular.
func (d *dualLP) refactor() bool {
	m := d.m()
	a := make([]float64, m*m) // the basis, row major
	for i, j := range d.basic {
		if nc := int32(len(d.cols)); j >= nc {
			a[int(j-nc)*m+i] = 1
			continue
		}
		for _, v := range d.cs.nodes(d.cols[j]) {
			a[int(d.rowOf[v])*m+i] = 1
		}
	}
	inv := d.binv
	clear(inv)
	for i := 0; i < m; i++ {
		inv[i*m+i] = 1
	}
	nzA, nzI := make([]int32, 0, m), make([]int32, 0, m)
	for k := 0; k < m; k++ {
		p, big := -1, 1e-9
		for r := k; r < m; r++ {
			if v := math.Abs(a[r*m+k]); v > big {
				p, big = r, v
			}
		}
		if p < 0 {
			return false
		}
		if p != k {
			for c := 0; c < m; c++ {
				a[p*m+c], a[k*m+c] = a[k*m+c], a[p*m+c]
				inv[p*m+c], inv[k*m+c] = inv[k*m+c], inv[p*m+c]
			}
		}
		// The pivot row is sparse, as the basis is: elimination runs over its nonzeros.
		piv := a[k*m+k]
		ak, ik := a[k*m:k*m+m], inv[k*m:k*m+m]
		nzA, nzI = nzA[:0], nzI[:0]
		for c := range ak {
			if ak[c] != 0 {
				ak[c] /= piv
				nzA = append(nzA, int32(c))
			}
			if ik[c] != 0 {
				ik[c] /= piv
				nzI = append(nzI, int32(c))
			}
		}
		for r := 0; r < m; r++ {
			if f := a[r*m+k]; r != k && f != 0 {
				ar, ir := a[r*m:r*m+m], inv[r*m:r*m+m]
				for _, c := range nzA {
					ar[c] -= f * ak[c]
				}
				for _, c := range nzI {
					ir[c] -= f * ik[c]
				}
			}
		}
	}
	// The rows of the inverse now follow the basis order: row i gives basic[i].
	d.recompute()
	d.updates = 0
	return true
}

// recompute derives the basic values and the duals from the inverse.
func (d *dualLP) recompute() {
	m, inv := d.m(), d.binv
	for i := range d.xB {
		var x float64
		for _, v := range inv[i*m : i*m+m] {
			x += v // the right-hand side is all ones
		}
		d.xB[i] = x
	}
	clear(d.y)
	for i, j := range d.basic {
		if c := d.cost(j); c != 0 {
			for r, v := range inv[i*m : i*m+m] {
				d.y[r] += c * v
			}
		}
	}
}

// restrict turns the parent's problem into the child's, whose candidate cycles are
// cands. It reports false, leaving the state unusable, when a candidate is not among
// the columns, which a child of this node never has.
func (d *dualLP) restrict(cands []int32) bool {
	nc := len(d.cols)
	for j := 0; j < nc; j++ {
		d.out[j] = true
	}
	for _, c := range cands {
		j, ok := d.colOf[c]
		if !ok {
			return false
		}
		d.out[j] = false
	}
	return true
}

// solve runs the dual simplex method from the current basis until it is optimal, the
// deadline passes or the iterations fail; it reports whether the basis is optimal.
func (d *dualLP) solve(deadline time.Time) bool {
	return d.solveFor(deadline, 50*d.m()+1000)
}

// solveFor is solve stopped after at most pivots pivots.
func (d *dualLP) solveFor(deadline time.Time, pivots int) bool {
	const tol, dtol, ptol = 1e-9, 1e-9, 1e-7
	m, nc := d.m(), int32(len(d.cols))
	alphaRow := make([]float64, int(nc)+m)
	alpha := make([]float64, m)
	nz := make([]int32, 0, m)
	blas := blas64.Implementation()
	// The squared length of each row of the inverse, kept while the row is unchanged.
	norms, fresh := make([]float64, m), make([]bool, m)
	for iter := 0; iter < pivots; iter++ {
		if iter%32 == 31 && time.Now().After(deadline) {
			return false
		}
		// Leaving row: the basic value furthest outside its bounds, measured against
		// the length of its row of the inverse (dual steepest edge, exactly, as the
		// inverse is at hand): it takes far fewer pivots than the plain largest.
		r, worst := -1, 0.0
		for i, x := range d.xB {
			v := -x
			if d.out[d.basic[i]] {
				v = math.Abs(x)
			}
			if v > ptol {
				if !fresh[i] {
					row := d.binv[i*m : i*m+m]
					norms[i], fresh[i] = blas.Ddot(m, row, 1, row, 1), true
				}
				if norm := norms[i]; v*v > worst*norm {
					r, worst = i, v*v/norm
				}
			}
		}
		if r < 0 {
			return true
		}
		down := d.xB[r] > 0 // a column out of bounds above must come down to 0
		rowR := d.binv[r*m : r*m+m]
		// The pivot row over the nonbasic columns, and the ratio test (Harris's two
		// passes: the largest step within a tolerance, then the steadiest pivot).
		theta := math.Inf(1)
		for j := int32(0); j < nc+int32(m); j++ {
			alphaRow[j] = 0
			if d.pos[j] >= 0 || d.out[j] {
				continue
			}
			var a float64
			if j >= nc {
				a = rowR[j-nc]
			} else {
				for _, v := range d.cs.nodes(d.cols[j]) {
					a += rowR[d.rowOf[v]]
				}
			}
			if !down {
				a = -a
			}
			alphaRow[j] = a
			if a > tol {
				theta = min(theta, (d.reduced(j)+dtol)/a)
			}
		}
		if math.IsInf(theta, 1) {
			return false // infeasible, which a packing cannot be: numerical trouble
		}
		q, big := int32(-1), 0.0
		for j, a := range alphaRow {
			if a > tol && a > big && d.reduced(int32(j))/a <= theta {
				q, big = int32(j), a
			}
		}
		// Entering column q: alpha = B^-1 a_q.
		clear(alpha)
		if q >= nc {
			for i := 0; i < m; i++ {
				alpha[i] = d.binv[i*m+int(q-nc)]
			}
		} else {
			for _, v := range d.cs.nodes(d.cols[q]) {
				rv := int(d.rowOf[v])
				for i := 0; i < m; i++ {
					alpha[i] += d.binv[i*m+rv]
				}
			}
		}
		piv := alpha[r]
		if math.Abs(piv) < 1e-11 {
			return false
		}
		step := d.xB[r] / piv
		for i := range d.xB {
			d.xB[i] -= step * alpha[i]
		}
		d.xB[r] = step
		rc := -d.reduced(q) // the entering column's, before the pivot, maximising
		// Rows of a packing's basis inverse are sparse: the update runs over the
		// nonzeros of the pivot row only.
		nz = nz[:0]
		for k := range rowR {
			if rowR[k] != 0 {
				rowR[k] /= piv
				nz = append(nz, int32(k))
			}
		}
		dense := 4*len(nz) > m // then vector instructions beat skipping zeros
		for i := 0; i < m; i++ {
			if f := alpha[i]; i != r && f != 0 {
				fresh[i] = false
				ri := d.binv[i*m : i*m+m]
				if dense {
					blas.Daxpy(m, -f, rowR, 1, ri, 1)
					continue
				}
				for _, k := range nz {
					ri[k] -= f * rowR[k]
				}
			}
		}
		for _, k := range nz {
			d.y[k] += rc * rowR[k]
		}
		fresh[r] = false
		d.pos[d.basic[r]] = -1
		d.basic[r], d.pos[q] = q, int32(r)
		if d.updates++; d.updates >= max(refactorEvery, m) {
			if !d.refactor() {
				return false
			}
			clear(fresh)
		}
	}
	return false
}

// objective is the value of the dual solution at hand: while the basis is dual
// feasible, at least the optimum of the relaxation.
func (d *dualLP) objective() float64 {
	var sum float64
	for _, y := range d.y {
		sum += max(y, 0)
	}
	return sum
}

// reduced is column j's reduced cost in the minimising sense, y a_j - w_j: at most
// slightly negative for every column while the basis is dual feasible.
func (d *dualLP) reduced(j int32) float64 {
	if nc := int32(len(d.cols)); j >= nc {
		return d.y[j-nc]
	}
	r := -float64(d.cs.w[d.cols[j]])
	for _, v := range d.cs.nodes(d.cols[j]) {
		r += d.y[d.rowOf[v]]
	}
	return r
}

// result maps the state to duals per participant (clamped to zero) and values per
// candidate, in the order of cands.
func (d *dualLP) result(n int, cands []int32) (duals, x []float64) {
	duals = make([]float64, n)
	for r, v := range d.rows {
		duals[v] = math.Max(0, d.y[r])
	}
	x = make([]float64, len(cands))
	for i, c := range cands {
		if p := d.pos[d.colOf[c]]; p >= 0 {
			x[i] = math.Max(0, d.xB[p])
		}
	}
	return duals, x
}
