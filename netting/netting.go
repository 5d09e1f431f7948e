// Package netting finds the multilateral set-off of obligations that clears the most
// debt: given who owes whom how much, it returns how much of each obligation is cleared
// so that every party's net position is unchanged and the total cleared is the maximum
// possible. Only the residual then needs money to settle.
//
// The problem is a minimum-cost flow: the residual r_e = a_e - c_e must still carry every
// party's net position, and the total residual is minimised, each unit of residual costing
// 1. The package solves it exactly with a primal-dual method (shortest paths by bucketed
// Dijkstra on reduced costs, then maximum flow on the zero-reduced-cost arcs by Dinic's
// method), after two safe reductions: parallel obligations of one pair are merged, and
// obligations between different strongly connected components, which no cycle can carry,
// are left alone. It returns node potentials that prove the result optimal; Check verifies
// them independently.
//
// The package does no I/O. Amounts are integers (minor units).
package netting

import (
	"container/heap"
	"errors"
	"fmt"
	"math"
	"math/big"
	"sort"

	"github.com/barter-clearing/barter"
)

// Obligation is a debt of Amount minor units owed by Debtor to Creditor. Debtor and
// Creditor are party indexes in [0, parties).
type Obligation struct {
	Debtor, Creditor int32
	Amount           int64
}

// Result is an optimal set-off.
type Result struct {
	// Cleared[i] is the amount of obligation i that is set off.
	Cleared []int64
	// Potential is the optimality certificate: one integer per party such that for every
	// obligation d->c, Cleared > 0 implies p[c] <= p[d]+1 and Cleared < Amount implies
	// p[c] >= p[d]+1. Any set-off with such potentials clears the maximum.
	Potential []int64
}

// Errors.
var (
	ErrInput    = errors.New("netting: invalid input")
	ErrOverflow = errors.New("netting: amounts too large to sum in 64 bits")
)

// Solve returns a set-off of obligations among parties that clears the maximum total.
func Solve(parties int, obs []Obligation) (*Result, error) {
	if err := validate(parties, obs); err != nil {
		return nil, err
	}
	g, pairOf, err := build(parties, obs)
	if err != nil {
		return nil, err
	}
	g.solve()
	res := &Result{Cleared: make([]int64, len(obs)), Potential: make([]int64, parties)}
	copy(res.Potential, g.pot[:parties])
	// Split each pair's set-off over its obligations in input order (oldest first).
	left := make([]int64, g.pairs)
	for p := 0; p < g.pairs; p++ {
		left[p] = g.pairAmount[p] - g.residualOf(p)
	}
	for i, o := range obs {
		p := pairOf[i]
		c := min(left[p], o.Amount)
		res.Cleared[i] = c
		left[p] -= c
	}
	return res, nil
}

func validate(parties int, obs []Obligation) error {
	if parties < 0 || parties > math.MaxInt32-2 {
		return fmt.Errorf("%w: %d parties", ErrInput, parties)
	}
	for i, o := range obs {
		switch {
		case o.Debtor < 0 || int(o.Debtor) >= parties || o.Creditor < 0 || int(o.Creditor) >= parties:
			return fmt.Errorf("%w: obligation %d names a party outside [0, %d)", ErrInput, i, parties)
		case o.Debtor == o.Creditor:
			return fmt.Errorf("%w: obligation %d has the same debtor and creditor", ErrInput, i)
		case o.Amount < 0:
			return fmt.Errorf("%w: obligation %d has a negative amount", ErrInput, i)
		}
	}
	return nil
}

// Totals are the sums of a set-off, computed without overflow.
type Totals struct {
	Gross, Cleared, Residual *big.Int
}

// Sum returns the gross amount of obligations, the amount cleared and the residual.
func Sum(obs []Obligation, cleared []int64) Totals {
	var g, c acc
	for i, o := range obs {
		g.add(o.Amount)
		c.add(cleared[i])
	}
	gross, cl := g.big(), c.big()
	return Totals{Gross: gross, Cleared: cl, Residual: new(big.Int).Sub(gross, cl)}
}

// acc is a 128-bit accumulator of non-negative int64s.
type acc struct{ hi, lo uint64 }

func (a *acc) add(v int64) {
	lo := a.lo + uint64(v)
	if lo < a.lo {
		a.hi++
	}
	a.lo = lo
}

func (a *acc) big() *big.Int {
	b := new(big.Int).SetUint64(a.hi)
	b.Lsh(b, 64)
	return b.Or(b, new(big.Int).SetUint64(a.lo))
}

// NetPositions returns each party's net position after the set-off: what it is still
// owed minus what it still owes. The positions sum to zero; they are the same as before
// the set-off, which only removed debts that cancel.
func NetPositions(parties int, obs []Obligation, cleared []int64) ([]int64, error) {
	net := make([]int64, parties)
	for i, o := range obs {
		r := o.Amount - cleared[i]
		d, c := net[o.Debtor]-r, net[o.Creditor]+r
		if d > net[o.Debtor] || c < net[o.Creditor] {
			return nil, fmt.Errorf("%w: net position of party %d or %d", ErrOverflow, o.Debtor, o.Creditor)
		}
		net[o.Debtor], net[o.Creditor] = d, c
	}
	return net, nil
}

// Solver adapts Solve to callers that hold obligations as parallel slices; every result
// it returns has passed Check.
type Solver struct{}

// SetOff returns the amount cleared on each obligation debtors[i] -> creditors[i].
func (Solver) SetOff(parties int, debtors, creditors []int32, amounts []int64) ([]int64, error) {
	obs := make([]Obligation, len(amounts))
	for i := range obs {
		obs[i] = Obligation{Debtor: debtors[i], Creditor: creditors[i], Amount: amounts[i]}
	}
	r, err := Solve(parties, obs)
	if err != nil {
		return nil, err
	}
	if err := Check(parties, obs, r); err != nil {
		return nil, fmt.Errorf("netting: the set-off failed its own check: %w", err)
	}
	return r.Cleared, nil
}

// Loops splits a set-off (the amount cleared on each obligation debtors[i] ->
// creditors[i]) into loops and returns the limit largest, largest first, with how many
// there are.
func (Solver) Loops(debtors, creditors []int32, cleared []int64, limit int) ([]barter.Loop, int) {
	obs := make([]Obligation, len(cleared))
	for i := range obs {
		obs[i] = Obligation{Debtor: debtors[i], Creditor: creditors[i], Amount: cleared[i]}
	}
	cs, n := Cycles(obs, cleared, limit)
	out := make([]barter.Loop, len(cs))
	for i, c := range cs {
		out[i] = barter.Loop{Obligations: c.Obligations, Amount: c.Amount}
	}
	return out, n
}

// Cycle is a loop of obligations that a set-off cancels: each owes the next by Amount.
type Cycle struct {
	Obligations []int // indexes into the obligations, in order around the loop
	Amount      int64
}

// Cycles decomposes a set-off into cycles of cleared amounts, whose sum it is, and
// returns the limit largest, largest first, with how many cycles there are in all.
//
// The walk keeps its path between cycles: once a cycle is cancelled it goes on from the
// party where the cycle began, so that each obligation is stepped over a bounded number
// of times besides the cycles it lies on.
func Cycles(obs []Obligation, cleared []int64, limit int) ([]Cycle, int) {
	parties := int32(0)
	for _, o := range obs {
		parties = max(parties, o.Debtor+1, o.Creditor+1)
	}
	left := append([]int64(nil), cleared...)
	// Obligations with something left, grouped by debtor; next[v] is where party v's
	// search for one goes on.
	first := make([]int, parties+1)
	for i, o := range obs {
		if left[i] > 0 {
			first[o.Debtor+1]++
		}
	}
	for v := int32(0); v < parties; v++ {
		first[v+1] += first[v]
	}
	arcs := make([]int, first[parties])
	next := append([]int(nil), first[:parties]...)
	for i, o := range obs {
		if left[i] > 0 {
			arcs[next[o.Debtor]] = i
			next[o.Debtor]++
		}
	}
	copy(next, first[:parties])
	out := func(v int32) int {
		for next[v] < first[v+1] && left[arcs[next[v]]] == 0 {
			next[v]++
		}
		if next[v] == first[v+1] {
			return -1
		}
		return arcs[next[v]]
	}
	at := make([]int32, parties) // where on the path a party's obligation is, or -1
	for v := range at {
		at[v] = -1
	}
	top := &cycleHeap{}
	count := 0
	var path []int
	for start := range obs {
		if left[start] == 0 {
			continue
		}
		path = append(path[:0], start)
		at[obs[start].Debtor] = 0
		v := obs[start].Creditor
		for len(path) > 0 {
			if k := at[v]; k >= 0 {
				cyc := path[k:]
				amount := left[cyc[0]]
				for _, e := range cyc {
					amount = min(amount, left[e])
				}
				for _, e := range cyc {
					left[e] -= amount
					at[obs[e].Debtor] = -1
				}
				count++
				if top.Len() < limit || amount > (*top)[0].Amount {
					heap.Push(top, Cycle{Obligations: append([]int(nil), cyc...), Amount: amount})
					if top.Len() > limit {
						heap.Pop(top)
					}
				}
				path = path[:k] // on from v, where the cycle began
			}
			e := out(v)
			if e < 0 {
				// The start's debtor has nothing left to pass on; or, midway, the input
				// is not a circulation, and the walk stops rather than loop.
				break
			}
			at[v] = int32(len(path))
			path = append(path, e)
			v = obs[e].Creditor
		}
		for _, e := range path {
			at[obs[e].Debtor] = -1
		}
	}
	cs := []Cycle(*top)
	sort.Slice(cs, func(i, j int) bool { return cs[i].Amount > cs[j].Amount })
	return cs, count
}

// cycleHeap keeps the largest cycles found: the smallest of them on top.
type cycleHeap []Cycle

func (h cycleHeap) Len() int           { return len(h) }
func (h cycleHeap) Less(i, j int) bool { return h[i].Amount < h[j].Amount }
func (h cycleHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *cycleHeap) Push(x any)        { *h = append(*h, x.(Cycle)) }
func (h *cycleHeap) Pop() any {
	old := *h
	c := old[len(old)-1]
	*h = old[:len(old)-1]
	return c
}
