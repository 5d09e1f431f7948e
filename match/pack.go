// Package match clears a barter exchange: given who can give to whom (an arc i->j when
// participant j wants what i offers, weighted by the value that would change hands), it
// chooses vertex-disjoint exchange cycles of at most k participants that move the most
// value. Cycles of 3 or more close deals that no bilateral search finds.
//
// For k = 2 the problem is a maximum-weight matching on the pairs that want each other's
// goods, solved exactly in polynomial time (MaxWeightMatching). For k >= 3 it is NP-hard;
// Pack enumerates the cycles, finds a strong packing (greedy, then improving swaps,
// annealing and a neighbourhood search that repacks regions exactly: before branching
// on large pools, and beside the tree on the cores it leaves idle),
// bounds the optimum from above by Lagrangian relaxation of the cycle formulation (the
// bound is evaluated exactly in integers, so it is a proof, whatever rounding the search
// for multipliers used), fixes cycles by reduced cost, and closes the rest by branch and
// bound within a time limit, each node's relaxation re-solved by the dual simplex method
// from its parent's basis; it reports the bound, so the gap is known when time runs out.
//
// The package does no I/O. Weights are integers (hundredths).
package match

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"runtime"
	"slices"
	"sort"
	"time"
)

// Arc says participant From can give to participant To goods of value Weight.
type Arc struct {
	From, To int32
	Weight   int64
}

// Cycle is an exchange: Nodes[i] gives to Nodes[i+1], and the last to the first.
type Cycle struct {
	Nodes  []int32
	Weight int64
}

// Result is a packing of disjoint cycles.
type Result struct {
	Cycles     []Cycle
	Weight     int64 // total weight of the cycles
	Bound      int64 // no packing weighs more than this
	Optimal    bool  // Weight == Bound (with Priority: the order of both goals proven)
	Enumerated int   // cycles of length <= k in the graph
	// With Options.Priority: the priority participants served, and a bound on them.
	// Bound then bounds the weight of the packings that serve at least Served of them.
	Served, ServedBound int
}

// sortCycles puts the heaviest cycles first.
func (r *Result) sortCycles() {
	sort.Slice(r.Cycles, func(i, j int) bool { return r.Cycles[i].Weight > r.Cycles[j].Weight })
}

// Options tune Pack.
type Options struct {
	MaxCycle  int           // k, from 2 to 4
	TimeLimit time.Duration // for the search of a proof; 0 means 60 s
	// MaxCycles bounds the cycles enumerated, so that a dense graph fails clearly
	// instead of exhausting memory; 0 means 50 million.
	MaxCycles int
	// Priority, when not nil, marks participants to serve first: the packing maximises
	// the number of them in its cycles, and then the weight. Marking everyone maximises
	// the participants served.
	Priority []bool
}

// maxWeight bounds an arc's weight so that no sum of weights over a packing, and no
// dual value of the matching, can overflow 64 bits.
const maxWeight = 1 << 44

// Errors.
var (
	ErrInput    = errors.New("match: invalid input")
	ErrTooLarge = errors.New("match: too many cycles")
)

// Pack returns a packing of disjoint cycles of length at most opt.MaxCycle among n
// participants that maximises the total weight, with a bound that proves it optimal or
// measures the gap.
func Pack(n int, arcs []Arc, opt Options) (*Result, error) {
	if opt.MaxCycle < 2 || opt.MaxCycle > 4 {
		return nil, fmt.Errorf("%w: cycle length %d; want 2 to 4", ErrInput, opt.MaxCycle)
	}
	if opt.TimeLimit == 0 {
		opt.TimeLimit = 60 * time.Second
	}
	if opt.MaxCycles == 0 {
		opt.MaxCycles = 50_000_000
	}
	for i, a := range arcs {
		if a.From < 0 || int(a.From) >= n || a.To < 0 || int(a.To) >= n || a.From == a.To {
			return nil, fmt.Errorf("%w: arc %d joins %d and %d of %d participants", ErrInput, i, a.From, a.To, n)
		}
		if a.Weight <= 0 || a.Weight > maxWeight {
			return nil, fmt.Errorf("%w: arc %d has weight %d; want 1 to %d", ErrInput, i, a.Weight, int64(maxWeight))
		}
	}
	if opt.Priority != nil {
		return packPriority(n, arcs, opt)
	}
	deadline := time.Now().Add(opt.TimeLimit) // enumerating counts
	if opt.MaxCycle == 2 {
		// A cover meeting the bound of the heaviest arcs is optimal and often quick to
		// find; otherwise the matching algorithm decides.
		if res := coverPairs(n, arcs, time.Now().Add(opt.TimeLimit/4)); res != nil {
			return res, nil
		}
		return packPairs(n, arcs), nil
	}
	cs, err := enumerate(n, arcs, opt.MaxCycle, opt.MaxCycles)
	if err != nil {
		return nil, err
	}
	res := &Result{Enumerated: cs.len()}
	// Participants that share no cycle, even through others, never compete: each
	// connected group is packed on its own, the smallest first, each with a share of the
	// time left in proportion to its cycles, but never less than half an equal share:
	// small groups usually need far less and hand the rest on, and a proportional share
	// of a few cycles among millions would be too short for any proof.
	parts := components(n, cs)
	maxOut := heaviestOut(n, arcs)
	left := cs.len()
	for i, p := range parts {
		until := time.Until(deadline)
		share := max(time.Duration(float64(until)*float64(p.cs.len())/float64(max(left, 1))), until/time.Duration(2*(len(parts)-i)))
		left -= p.cs.len()
		s := newSolver(len(p.nodes), p.cs, time.Now().Add(max(share, 0)))
		local := make([]int64, len(p.nodes))
		for i, v := range p.nodes {
			local[i] = maxOut[v]
		}
		s.startFrom(local)
		s.run()
		res.Weight += s.best
		res.Bound += max(s.bound, s.best)
		for _, c := range s.bestSet {
			nodes := slices.Clone(p.cs.nodes(c))
			for i, v := range nodes {
				nodes[i] = p.nodes[v]
			}
			res.Cycles = append(res.Cycles, Cycle{Nodes: nodes, Weight: p.cs.w[c]})
		}
	}
	res.Optimal = res.Bound == res.Weight
	res.sortCycles()
	return res, nil
}

// packPriority serves the priority participants first by weighting: every arc into
// one of them gains a bonus larger than the weight of any packing (each participant in
// a cycle has one arc into it), so one more of them served outweighs any weight. The
// result is decoded back into weight and participants served.
func packPriority(n int, arcs []Arc, opt Options) (*Result, error) {
	if len(opt.Priority) != n {
		return nil, fmt.Errorf("%w: priority for %d participants; want %d", ErrInput, len(opt.Priority), n)
	}
	var total int64
	for _, a := range arcs {
		total += a.Weight // no overflow: each is at most maxWeight, checked above
		if total > maxWeight {
			return nil, fmt.Errorf("%w: the weights add up to more than %d, too much to serve priority first", ErrInput, int64(maxWeight))
		}
	}
	bonus := total + 1
	if 2*bonus > maxWeight {
		return nil, fmt.Errorf("%w: the weights add up to more than %d, too much to serve priority first", ErrInput, int64(maxWeight/2))
	}
	boosted := slices.Clone(arcs)
	for i := range boosted {
		if opt.Priority[boosted[i].To] {
			boosted[i].Weight += bonus
		}
	}
	inner := opt
	inner.Priority = nil
	res, err := Pack(n, boosted, inner)
	if err != nil {
		return nil, err
	}
	for i, c := range res.Cycles {
		for _, v := range c.Nodes {
			if opt.Priority[v] {
				res.Cycles[i].Weight -= bonus
				res.Served++
			}
		}
	}
	marked := 0
	for _, p := range opt.Priority {
		if p {
			marked++
		}
	}
	res.ServedBound = min(int(res.Bound/bonus), marked)
	res.Weight -= int64(res.Served) * bonus
	res.Bound -= int64(res.Served) * bonus
	return res, nil
}

// heaviestOut returns the heaviest arc out of each participant. A participant gives
// along one arc at most, so these bound what any packing moves: they are the first
// multipliers, and give a bound that needs no search.
func heaviestOut(n int, arcs []Arc) []int64 {
	out := make([]int64, n)
	for _, a := range arcs {
		out[a.From] = max(out[a.From], a.Weight)
	}
	return out
}

// startFrom sets each participant's multiplier to the heaviest arc out of it
// (maxOut, by the solver's numbering), capped at the heaviest cycle so that sums fit:
// any multipliers give a valid bound.
func (s *solver) startFrom(maxOut []int64) {
	for v, w := range maxOut {
		s.lambda[v] = min(w, s.heaviest) * s.scale
	}
}

// coverPairs tries to prove a packing of pairs optimal by a cover that meets the bound
// of the heaviest arcs (see solver.coverFirst); it returns nil when it finds none.
func coverPairs(n int, arcs []Arc, deadline time.Time) *Result {
	cs, err := enumerate(n, arcs, 2, math.MaxInt32)
	if err != nil || cs.len() == 0 {
		return nil
	}
	s := newSolver(n, cs, deadline)
	maxOut := heaviestOut(n, arcs)
	inPair := make([]bool, n)
	for _, v := range cs.flat {
		inPair[v] = true
	}
	for v := range maxOut {
		if !inPair[v] { // no packing covers it: a multiplier would only loosen the bound
			maxOut[v] = 0
		}
	}
	s.startFrom(maxOut)
	all := make([]int32, cs.len())
	for i := range all {
		all[i] = int32(i)
	}
	if _, done := s.coverFirst(all, deadline); !done {
		return nil
	}
	res := &Result{Weight: s.best, Bound: s.bound, Optimal: true, Enumerated: cs.len()}
	for _, c := range s.bestSet {
		res.Cycles = append(res.Cycles, Cycle{Nodes: slices.Clone(cs.nodes(c)), Weight: cs.w[c]})
	}
	res.sortCycles()
	return res
}

// component is a connected group of participants (nodes, by original number) with its
// cycles, renumbered from 0 in the order of nodes.
type component struct {
	nodes []int32
	cs    *cycles
}

// components splits the cycles into the connected groups of participants they join,
// smallest group (by cycles) first.
func components(n int, cs *cycles) []component {
	parent := make([]int32, n)
	for i := range parent {
		parent[i] = int32(i)
	}
	var find func(int32) int32
	find = func(v int32) int32 {
		for parent[v] != v {
			parent[v] = parent[parent[v]]
			v = parent[v]
		}
		return v
	}
	for c := range int32(cs.len()) {
		nodes := cs.nodes(c)
		for _, v := range nodes[1:] {
			if a, b := find(nodes[0]), find(v); a != b {
				parent[a] = b
			}
		}
	}
	index := make(map[int32]int) // root -> component
	local := make([]int32, n)    // participant -> its number in its component
	assigned := make([]bool, n)
	var parts []component
	for c := range int32(cs.len()) {
		nodes := cs.nodes(c)
		r := find(nodes[0])
		k, ok := index[r]
		if !ok {
			k = len(parts)
			index[r] = k
			parts = append(parts, component{cs: &cycles{start: []int32{0}}})
		}
		p := &parts[k]
		for _, v := range nodes {
			if !assigned[v] {
				assigned[v], local[v] = true, int32(len(p.nodes))
				p.nodes = append(p.nodes, v)
			}
			p.cs.flat = append(p.cs.flat, local[v])
		}
		p.cs.start = append(p.cs.start, int32(len(p.cs.flat)))
		p.cs.w = append(p.cs.w, cs.w[c])
	}
	sort.SliceStable(parts, func(i, j int) bool { return parts[i].cs.len() < parts[j].cs.len() })
	return parts
}

// packPairs solves k = 2 exactly: a 2-cycle is a pair who want each other's goods,
// worth both arcs; the best disjoint set of pairs is a maximum-weight matching.
func packPairs(n int, arcs []Arc) *Result {
	w := make(map[[2]int32]int64, len(arcs))
	for _, a := range arcs {
		w[[2]int32{a.From, a.To}] = max(w[[2]int32{a.From, a.To}], a.Weight)
	}
	var edges []Edge
	for k, x := range w {
		if k[0] < k[1] {
			if y, ok := w[[2]int32{k[1], k[0]}]; ok {
				edges = append(edges, Edge{U: k[0], V: k[1], W: x + y})
			}
		}
	}
	mate, total := MaxWeightMatching(n, edges)
	res := &Result{Weight: total, Bound: total, Optimal: true, Enumerated: len(edges)}
	for v, u := range mate {
		if u > int32(v) {
			res.Cycles = append(res.Cycles, Cycle{Nodes: []int32{int32(v), u}, Weight: w[[2]int32{int32(v), u}] + w[[2]int32{u, int32(v)}]})
		}
	}
	res.sortCycles()
	return res
}

// cycles holds enumerated cycles in flat arrays: cycle c has nodes
// flat[start[c]:start[c+1]] and weight w[c].
type cycles struct {
	start []int32
	flat  []int32
	w     []int64
}

func (cs *cycles) len() int              { return len(cs.w) }
func (cs *cycles) nodes(c int32) []int32 { return cs.flat[cs.start[c]:cs.start[c+1]] }

// Enumerate lists every cycle of length 2 to k among n participants, once each, starting
// from its smallest participant; limit bounds how many (0 means 50 million). It serves
// tools that compare Pack with other solvers on the same cycle formulation.
func Enumerate(n int, arcs []Arc, k, limit int) ([]Cycle, error) {
	if limit == 0 {
		limit = 50_000_000
	}
	cs, err := enumerate(n, arcs, k, limit)
	if err != nil {
		return nil, err
	}
	out := make([]Cycle, cs.len())
	for c := range out {
		out[c] = Cycle{Nodes: cs.nodes(int32(c)), Weight: cs.w[c]}
	}
	return out, nil
}

// enumerate lists every cycle of length 2..k once, from its smallest participant,
// visiting only larger ones. Parallel arcs count once, at the heaviest.
func enumerate(n int, arcs []Arc, k, limit int) (*cycles, error) {
	// Out-arcs by tail, sorted by head, parallel arcs merged.
	first := make([]int32, n+1)
	for _, a := range arcs {
		first[a.From+1]++
	}
	for v := 0; v < n; v++ {
		first[v+1] += first[v]
	}
	to := make([]int32, len(arcs))
	wt := make([]int64, len(arcs))
	fill := slices.Clone(first[:n])
	for _, a := range arcs {
		to[fill[a.From]], wt[fill[a.From]] = a.To, a.Weight
		fill[a.From]++
	}
	type arc struct {
		to int32
		w  int64
	}
	out := make([][]arc, n)
	for v := 0; v < n; v++ {
		lo, hi := first[v], first[v+1]
		as := make([]arc, 0, hi-lo)
		for i := lo; i < hi; i++ {
			as = append(as, arc{to[i], wt[i]})
		}
		slices.SortFunc(as, func(a, b arc) int { return cmp.Or(cmp.Compare(a.to, b.to), cmp.Compare(b.w, a.w)) })
		as = slices.CompactFunc(as, func(a, b arc) bool { return a.to == b.to }) // keeps the heaviest
		out[v] = as
	}
	// back[u] is the weight of the arc from u to the current start s, or 0.
	back := make([]int64, n)
	type inArc struct {
		from int32
		w    int64
	}
	in := make([][]inArc, n) // in-arcs by head
	for v, as := range out {
		for _, a := range as {
			in[a.to] = append(in[a.to], inArc{int32(v), a.w})
		}
	}
	cs := &cycles{start: []int32{0}}
	path := make([]int32, 0, k)
	var err error
	var walk func(s, v int32, w int64)
	walk = func(s, v int32, w int64) {
		if len(path) >= 2 && back[v] > 0 {
			if cs.len() >= limit {
				err = fmt.Errorf("%w: more than %d cycles of length <= %d", ErrTooLarge, limit, k)
				return
			}
			cs.flat = append(cs.flat, path...)
			cs.start = append(cs.start, int32(len(cs.flat)))
			cs.w = append(cs.w, w+back[v])
		}
		if len(path) == k {
			return
		}
		for _, a := range out[v] {
			if a.to <= s || slices.Contains(path, a.to) {
				continue
			}
			path = append(path, a.to)
			walk(s, a.to, w+a.w)
			path = path[:len(path)-1]
			if err != nil {
				return
			}
		}
	}
	for s := int32(0); s < int32(n) && err == nil; s++ {
		for _, a := range in[s] {
			if a.from > s {
				back[a.from] = a.w
			}
		}
		path = append(path[:0], s)
		walk(s, s, 0)
		for _, a := range in[s] {
			back[a.from] = 0
		}
	}
	return cs, err
}

// solver searches for the best packing and a bound that proves it: branch and bound on
// the cycle formulation, with the LP relaxation at every node (its duals give an exact
// bound, its solution guides rounding and branching) and reduced-cost fixing.
type solver struct {
	n        int
	cs       *cycles
	deadline time.Time
	scale    int64 // multipliers are in 1/scale of a weight unit

	best     int64   // weight of the best packing found
	bestSet  []int32 // its cycles
	bound    int64   // proven upper bound
	timedOut bool    // the search stopped at the deadline, so the bound stands unproven

	taken    []bool  // participants covered by the cycles fixed on the current branch
	takenSet []int32 // those cycles
	base     int64   // their weight
	lambda   []int64 // scratch multipliers
	// Scratch space per cycle, for use within one node (not across its children):
	// values set only for the node's candidates, and flags cleared after use.
	scratchF []float64
	scratchB []bool
	walks    uint64 // tabu searches so far, which seed their random choices
	anneals  uint64 // annealing runs so far, likewise
	heaviest int64  // the heaviest cycle's weight
	depth    int    // branches taken from the root to the current node
	// inner marks a solver of a region within a neighbourhood search: it starts from a
	// good packing, so it branches at once instead of searching for packings first.
	inner bool
	// Pseudo-costs: per cycle, and over all cycles, how much bound a branch lost per
	// unit its LP value moved, learnt from strong branching and from the children.
	pseudo    []pseudoCost
	pseudoAll pseudoCost
	// The branch on a cycle whose child is being searched, for the child to report
	// what it lost: the cycle (or -1), the direction, the parent's bound and how far
	// the cycle's LP value moved.
	branchCycle int32
	branchUp    bool
	branchFrom  int64
	branchDist  float64
	// beside is the neighbourhood search running beside the tree, if any.
	beside *besideSearch
}

// newSolver prepares the search. Multipliers are kept as fine as the largest possible
// bound allows in 64 bits, so that LP duals lose next to nothing when rounded up.
func newSolver(n int, cs *cycles, deadline time.Time) *solver {
	var heaviest int64
	for _, w := range cs.w {
		heaviest = max(heaviest, w)
	}
	total := heaviest * int64(max(n, 1))
	scale := int64(1_000_000)
	for scale > 1 && total > math.MaxInt64/4/scale {
		scale /= 10
	}
	return &solver{n: n, cs: cs, deadline: deadline, branchCycle: -1, scale: scale, bound: math.MaxInt64, heaviest: heaviest,
		taken: make([]bool, n), lambda: make([]int64, n),
		scratchF: make([]float64, cs.len()), scratchB: make([]bool, cs.len())}
}

func (s *solver) run() {
	all := make([]int32, s.cs.len())
	for i := range all {
		all[i] = int32(i)
	}
	// The bound at the multipliers given (valid whatever they are) stands if the search
	// runs out of time before it finds a better one.
	first, done := s.coverFirst(all, time.Now().Add(time.Until(s.deadline)/2))
	if done {
		return
	}
	if w, set := s.greedy(all, nil); w > s.best || s.bestSet == nil {
		s.best, s.bestSet = w, set
	}
	defer s.stopBeside()
	root := s.node(all, true, nil, false)
	s.stopBeside()
	if s.timedOut {
		s.bound = max(min(root, first), s.best)
	} else {
		s.bound = s.best // the whole tree was searched
	}
}

// node searches the subproblem of the candidate cycles (all avoiding the taken
// participants) and returns its proven bound, in weight units, including the base.
// It goes on from the basis warm, when given, which it may change when it owns it (the
// last child of a node does: its parent needs the basis no more).
func (s *solver) node(cands []int32, root bool, warm *dualLP, own bool) int64 {
	s.adoptBeside()
	if time.Now().After(s.deadline) {
		s.timedOut = true
		return math.MaxInt64
	}
	if len(cands) == 0 {
		s.improve(nil)
		return s.base
	}
	// The LP may use a third of the time left at the root, less below.
	left := time.Until(s.deadline)
	budget := left / 3
	if !root {
		budget = left / 10
	}
	// The interior-point method solves the relaxation fastest and shows its optimal
	// face; the simplex method, crashed from a greedy packing, takes over where there
	// are too many participants for it. Below a node whose optimal basis is known, the
	// dual simplex method goes on from that basis instead, in a few pivots.
	var y, x []float64
	optimal := false
	started := time.Now()
	var face *lpFace
	var basis *dualLP
	if warm != nil {
		basis = warm
		if !own {
			basis = warm.clone()
		}
		if basis.restrict(cands) {
			optimal = basis.solve(time.Now().Add(budget))
			y, x = basis.result(s.n, cands) // duals feasible even when stopped early
		}
		if !optimal { // stopped by the deadline, or numerical trouble: solve afresh
			basis, y, x = nil, nil, nil
		}
	}
	if y == nil {
		face = ipmSolve(s.n, s.cs, cands, time.Now().Add(budget))
	}
	switch {
	case y != nil:
	case face != nil:
		y, x, optimal = face.duals, face.x, true
	case rows(s.n, s.cs, cands) > simplexMaxRows:
		// Too large for either exact method: first-order iterations get close.
		y, x = pdhgSolve(s.n, s.cs, cands, 1e-5, time.Now().Add(budget))
	default:
		y, x, optimal, basis = s.lpFromGreedy(cands, time.Now().Add(budget))
	}
	lpTook := time.Since(started)
	if s.expired() {
		return math.MaxInt64 // the multipliers so far are not worth evaluating
	}
	for v, d := range y { // none when the LP is too large: the multipliers stay
		s.lambda[v] = s.multiplier(d)
	}
	if !optimal {
		// Too large for the dense simplex, or stopped early: subgradient steps improve
		// the multipliers from where the LP left them.
		s.subgradient(cands, 300)
	}
	bound, rc, exact := s.certifyExact(cands)
	if c := s.branchCycle; c >= 0 {
		s.learn(c, s.branchUp, float64(s.branchFrom-s.base-bound)/s.branchDist)
		s.branchCycle = -1
	}
	if s.base+bound <= s.best || s.expired() {
		return s.base + bound
	}
	// When the relaxation is tight, any packing of its optimal face that covers the
	// participants the face requires is optimal.
	if face != nil && !s.inner {
		if set := s.coverFace(cands, face, 20, time.Now().Add(time.Until(s.deadline)/4)); set != nil {
			s.improve(set)
			if s.base+bound <= s.best {
				return s.base + bound
			}
		}
	}
	// Packings from the relaxation: the LP solution rounded (cycles above one half cannot
	// share a participant), or the Lagrangian one (cycles by reduced cost at the
	// multipliers), and the greedy packing; each improved by swaps.
	order := slices.Clone(cands)
	key := s.scratchF
	for i, c := range cands {
		if x != nil {
			key[c] = x[i]
		} else {
			key[c] = float64(rc[i])
		}
	}
	sort.SliceStable(order, func(i, j int) bool { return key[order[i]] > key[order[j]] })
	lw, local := s.swapPack(order, s.taken)
	if w, set := s.greedy(cands, s.taken); w > lw {
		lw, local = w, set
	}
	if root && !s.inner && len(cands) >= annealMinCycles && s.base+lw < s.base+bound && !s.expired() {
		// Where the relaxation is not tight, annealing near its solution finds heavier
		// packings than rounding it. Longer runs go on while they pay, in a third of the
		// time left at most, or a twentieth where the tree below can keep bases: its
		// search is then fast enough to find such packings and prove them. (Pools of
		// fewer cycles are left to branching alone.)
		share := time.Duration(3)
		if rows(s.n, s.cs, cands) <= dualMaxRows {
			share = 20
		}
		until := time.Now().Add(time.Until(s.deadline) / share)
		for moves := annealMovesPerCycle * len(cands); lw < bound && time.Now().Before(until); moves *= 2 {
			set, w := s.anneal(cands, x, moves, until)
			if w <= lw {
				break
			}
			lw, local = w, set
		}
	}
	if root && !s.inner && s.base+lw < s.base+bound && !s.expired() {
		// Then a tabu search from the best of them, with a quarter of the time left
		// and two hundred moves per participant at most.
		through := make([][]int32, s.n)
		for _, c := range cands {
			for _, v := range s.cs.nodes(c) {
				through[v] = append(through[v], c)
			}
		}
		all := make([]bool, s.n)
		for v := range all {
			all[v] = true
		}
		value := func(c int32) int64 { return s.cs.w[c] }
		local, lw = s.tabuSearch(through, all, local, value, bound, 200*s.n+10_000, time.Now().Add(time.Until(s.deadline)/4))
	}
	if s.base+lw > s.best {
		s.improve(local)
	}
	if s.base+bound <= s.best {
		return s.base + bound
	}
	if root && !s.inner && len(cands) >= annealMinCycles && 20*lpTook > time.Until(s.deadline) {
		// The relaxation took so long that the tree below, whose every node solves one
		// nearly as large, could not be searched in the time left: spend it on annealing
		// and then on the neighbourhood search instead, and let the root's bound stand.
		// (The neighbourhood search needs a pool larger than its regions.)
		search := rows(s.n, s.cs, cands) >= lnsMinPool
		until := s.deadline
		if search {
			until = time.Now().Add(time.Until(s.deadline) / 4)
		}
		for moves := annealMovesPerCycle * len(cands); s.best < s.base+bound && time.Now().Before(until); moves *= 2 {
			if set, w := s.anneal(cands, x, moves, until); s.base+w > s.best {
				s.improve(set)
			}
		}
		if search && s.best < s.base+bound {
			set, w := s.lns(cands, s.bestSet[len(s.takenSet):], 0, s.deadline)
			if s.base+w > s.best {
				s.improve(set)
			}
		}
		s.timedOut = true // the tree was not searched: the root's bound is the proof
		return s.base + bound
	}
	if root && !s.inner && rows(s.n, s.cs, cands) >= lnsMinPool {
		// Before branching, the neighbourhood search improves the packing while it pays,
		// in a tenth of the time left at most: a heavier packing prunes more of the tree.
		set, w := s.lns(cands, s.bestSet[len(s.takenSet):], lnsPatience, time.Now().Add(time.Until(s.deadline)/10))
		if s.base+w > s.best {
			s.improve(set)
		}
		if s.base+bound <= s.best || s.expired() {
			return s.base + bound
		}
	}
	// Then the tree, with the neighbourhood search beside it.
	if root && !s.inner && besideSearchOn && runtime.GOMAXPROCS(0) > 1 {
		if r := rows(s.n, s.cs, cands); r >= besideMinPool && r <= besideMaxPool {
			s.searchBeside(cands)
		}
	}
	// Reduced-cost fixing: a cycle whose inclusion would bring the bound down to the best
	// found cannot be in a better packing.
	live := cands[:0:0]
	for i, c := range cands {
		if rc[i] <= 0 && s.base*s.scale+exact+rc[i] < (s.best+1)*s.scale {
			continue
		}
		live = append(live, c)
	}
	// Where the node's basis is at hand, branch on one fractional cycle chosen by
	// reliability branching (see reliable): one child takes it, the other excludes
	// it. Otherwise branch on a participant whose cover the LP splits most among live
	// cycles: one child takes each of those cycles, heaviest share first, which dives
	// towards good packings, and a last child takes none of them. At most one cycle
	// through a participant is taken, so the children part the packings between them,
	// and each cuts off the split. Without an LP solution, branch on the heaviest live
	// cycle.
	isLive := s.scratchB
	for _, c := range live {
		isLive[c] = true
	}
	var split []int32 // the live cycles through the participant chosen, by share
	if x != nil {
		share := s.scratchF
		for _, c := range cands {
			share[c] = 0
		}
		top := make([]float64, s.n)
		cover := make([]float64, s.n)
		for i, c := range cands {
			if x[i] > 1e-6 && isLive[c] {
				share[c] = x[i]
				for _, v := range s.cs.nodes(c) {
					cover[v] += x[i]
					top[v] = max(top[v], x[i])
				}
			}
		}
		pick, most := -1, 0.0
		for v := range cover {
			// The split: how much of its cover lies outside its largest share.
			if d := cover[v] - top[v]; d > 1e-6 && d > most {
				pick, most = v, d
			}
		}
		if pick >= 0 {
			for _, c := range live {
				if share[c] > 0 && slices.Contains(s.cs.nodes(c), int32(pick)) {
					split = append(split, c)
				}
			}
			sort.SliceStable(split, func(i, j int) bool { return share[split[i]] > share[split[j]] })
		}
	}
	for _, c := range live {
		isLive[c] = false // the children use the scratch space too
	}
	if len(split) == 0 {
		pick := int32(-1)
		for _, c := range live {
			if pick < 0 || s.cs.w[c] > s.cs.w[pick] {
				pick = c
			}
		}
		if pick < 0 {
			return s.base + bound
		}
		split = []int32{pick}
	}
	// The children go on from this node's basis: built here if the relaxation was
	// solved another way, and not passed on where the bases held along the branch would
	// take too much memory.
	if m := rows(s.n, s.cs, live); basis == nil && m <= dualMaxRows && (s.depth+1)*8*m*m <= dualMaxBytes && !s.expired() {
		_, _, _, basis = s.lpFromGreedy(live, time.Now().Add(time.Until(s.deadline)/10))
	}
	if basis != nil && (s.depth+1)*basis.bytes() > dualMaxBytes {
		basis = nil
	}
	// A basis that a trial of strong branching could take past its updates is
	// refactored here, once, so that the trials and the children do not each refactor it.
	if basis != nil && basis.updates+strongPivots > max(refactorEvery, basis.m()) {
		if !basis.refactor() {
			basis = nil
		}
	}
	var branchX float64 // the LP value of the cycle branched on, when a single one
	if basis != nil && !s.expired() {
		// The fractional cycles of the basis's own solution, which strong branching
		// measures from (x may be the interior-point method's, off any vertex).
		_, bx := basis.result(s.n, live)
		var frac []int32
		var fracX []float64
		for i, c := range live {
			if bx[i] > 1e-6 && bx[i] < 1-1e-6 {
				frac, fracX = append(frac, c), append(fracX, bx[i])
			}
		}
		if len(frac) > 0 {
			i := s.reliable(live, frac, fracX, basis)
			split, branchX = []int32{frac[i]}, fracX[i]
		}
	}
	from := s.base + bound
	s.depth++
	defer func() { s.depth-- }()
	best := int64(math.MinInt64)
	for _, c := range split {
		if s.expired() {
			return s.base + bound
		}
		nodes := s.cs.nodes(c)
		for _, v := range nodes {
			s.taken[v] = true
		}
		s.base += s.cs.w[c]
		s.takenSet = append(s.takenSet, c)
		if branchX > 0 {
			s.branchCycle, s.branchUp, s.branchFrom, s.branchDist = c, true, from, 1-branchX
		}
		best = max(best, s.node(compatible(s.cs, live, s.taken), false, basis, false))
		s.branchCycle = -1
		s.takenSet = s.takenSet[:len(s.takenSet)-1]
		s.base -= s.cs.w[c]
		for _, v := range nodes {
			s.taken[v] = false
		}
	}
	rest := excluding(live, split)
	if branchX > 0 {
		s.branchCycle, s.branchUp, s.branchFrom, s.branchDist = split[0], false, from, branchX
	}
	best = max(best, s.node(rest, false, basis, true))
	s.branchCycle = -1
	return min(s.base+bound, best)
}

// pseudoCost sums, per direction (the cycle excluded, or taken), the bound lost per
// unit its LP value moved, over count observations.
type pseudoCost struct {
	sum   [2]float64
	count [2]int32
}

// Reliability branching (Achterberg, Koch & Martin, "Branching rules revisited",
// 2005): a cycle's pseudo-costs predict its children's bounds once they have been
// observed reliably often; until then strong branching measures them, re-solving each
// child's relaxation from the node's basis for a few pivots.
const (
	reliableAfter   = 4   // observations per direction before pseudo-costs are trusted
	strongMax       = 10  // strong-branching trials at most per node
	strongLookahead = 4   // candidates in a row no better than the best before the search stops
	strongPivots    = 100 // dual simplex pivots at most per child in a trial
)

// learn records that branching on cycle c (taking it when up) lost perUnit of bound
// per unit its LP value moved.
func (s *solver) learn(c int32, up bool, perUnit float64) {
	if s.pseudo == nil {
		s.pseudo = make([]pseudoCost, s.cs.len())
	}
	d := 0
	if up {
		d = 1
	}
	perUnit = max(perUnit, 0)
	s.pseudo[c].sum[d] += perUnit
	s.pseudo[c].count[d]++
	s.pseudoAll.sum[d] += perUnit
	s.pseudoAll.count[d]++
}

// predict is the bound per unit that branching on cycle c is expected to lose: its own
// average, else the average over all cycles, else 1.
func (s *solver) predict(c int32, d int) float64 {
	if s.pseudo != nil && s.pseudo[c].count[d] > 0 {
		return s.pseudo[c].sum[d] / float64(s.pseudo[c].count[d])
	}
	if s.pseudoAll.count[d] > 0 {
		return s.pseudoAll.sum[d] / float64(s.pseudoAll.count[d])
	}
	return 1
}

// branchScore rates a branch by the bound its two children lose: the product favours
// branches that lose in both, as a proof must search both.
func branchScore(down, up float64) float64 { return max(down, 1e-3) * max(up, 1e-3) }

// reliable chooses, among the fractional cycles frac (their LP values in fracX), the
// one to branch on, and returns its index: candidates are tried in order of predicted
// score; those without reliable pseudo-costs are measured by strong branching (the
// others' scores are predicted again once trials have taught more), and the search
// stops after strongLookahead candidates in a row no better than the best, or at the
// deadline.
func (s *solver) reliable(live, frac []int32, fracX []float64, basis *dualLP) int {
	if s.pseudo == nil {
		s.pseudo = make([]pseudoCost, s.cs.len())
	}
	parent := float64(s.base) + basis.objective()
	child := new(dualLP)
	loss := func(cands []int32, gain int64) float64 {
		child.copyFrom(basis)
		if !child.restrict(cands) {
			return 0
		}
		child.solveFor(s.deadline, strongPivots) // stopped early, still an upper bound
		return parent - float64(s.base+gain) - child.objective()
	}
	predicted := func(i int) float64 {
		return branchScore(s.predict(frac[i], 0)*fracX[i], s.predict(frac[i], 1)*(1-fracX[i]))
	}
	order := make([]int, len(frac))
	score := make([]float64, len(frac))
	for i := range frac {
		order[i], score[i] = i, predicted(i)
	}
	sort.SliceStable(order, func(a, b int) bool { return score[order[a]] > score[order[b]] })
	best, trials, stale := -1, 0, 0
	for _, i := range order {
		if best >= 0 && s.expired() {
			break
		}
		c := frac[i]
		score[i] = predicted(i)
		if p := s.pseudo[c]; (p.count[0] < reliableAfter || p.count[1] < reliableAfter) && trials < strongMax {
			trials++
			down := loss(excluding(live, []int32{c}), 0)
			for _, v := range s.cs.nodes(c) {
				s.taken[v] = true
			}
			up := loss(compatible(s.cs, live, s.taken), s.cs.w[c])
			for _, v := range s.cs.nodes(c) {
				s.taken[v] = false
			}
			s.learn(c, false, down/fracX[i])
			s.learn(c, true, up/(1-fracX[i]))
			score[i] = branchScore(down, up)
		}
		if best < 0 || score[i] > score[best] {
			best, stale = i, 0
		} else if stale++; stale >= strongLookahead {
			break
		}
	}
	return best
}

// lpFromGreedy solves the relaxation over cands by the simplex method, crashed from a
// greedy packing; see lpSolve.
func (s *solver) lpFromGreedy(cands []int32, deadline time.Time) (y, x []float64, optimal bool, basis *dualLP) {
	_, packed := s.greedy(cands, s.taken)
	pos := s.scratchF
	for i, c := range cands {
		pos[c] = float64(i)
	}
	start := make([]int, 0, len(packed))
	for _, c := range packed {
		start = append(start, int(pos[c]))
	}
	return lpSolve(s.n, s.cs, cands, start, deadline)
}

// rows counts the participants in some candidate cycle.
func rows(n int, cs *cycles, cands []int32) int {
	seen := make([]bool, n)
	m := 0
	for _, c := range cands {
		for _, v := range cs.nodes(c) {
			if !seen[v] {
				seen[v] = true
				m++
			}
		}
	}
	return m
}

// coverFirst evaluates the bound at the multipliers the solver starts from and looks,
// until the deadline, for a packing that meets it: when the cycles priced exactly at
// their weight cover every participant with a multiplier, such a cover does, which is
// often so when weights are the values of the goods each participant gives. It returns
// the bound, and whether a packing meeting it was found (then s.best and s.bound hold
// it).
func (s *solver) coverFirst(all []int32, deadline time.Time) (int64, bool) {
	first, rc := s.certify(all)
	face := &lpFace{support: make([]bool, len(all)), must: make([]bool, s.n)}
	for j, r := range rc {
		face.support[j] = r == 0
	}
	for v, l := range s.lambda {
		face.must[v] = l > 0
	}
	// Few walks: when some participants cannot be covered, the relaxation's face below
	// is the one to search.
	if set := s.coverFace(all, face, 2, deadline); set != nil {
		s.improve(set)
		if s.best >= first {
			s.bound = s.best
			return first, true
		}
	}
	return first, false
}

// expired reports whether the deadline has passed, and if so marks the search as
// stopped by it.
func (s *solver) expired() bool {
	if time.Now().After(s.deadline) {
		s.timedOut = true
	}
	return s.timedOut
}

// improve records the packing of the taken cycles plus set when it beats the best.
func (s *solver) improve(set []int32) {
	w := s.base
	for _, c := range set {
		w += s.cs.w[c]
	}
	if w > s.best {
		s.best = w
		s.bestSet = append(slices.Clone(s.takenSet), set...)
	}
}

// certify evaluates the Lagrangian bound at the current multipliers exactly:
// sum of multipliers over free participants + sum over cycles of max(0, w - multipliers),
// in 1/scale units, rounded down to whole weight units (weights are whole, so no
// packing of the candidates can exceed it). It also returns each cycle's reduced cost.
func (s *solver) certify(cands []int32) (int64, []int64) {
	b, rc, _ := s.certifyExact(cands)
	return b, rc
}

// certifyExact is certify that also returns the bound before rounding, in 1/scale units.
func (s *solver) certifyExact(cands []int32) (int64, []int64, int64) {
	var sum int64
	for v, l := range s.lambda {
		if !s.taken[v] {
			sum += l
		}
	}
	rc := make([]int64, len(cands))
	for i, c := range cands {
		r := s.cs.w[c] * s.scale
		for _, v := range s.cs.nodes(c) {
			r -= s.lambda[v]
		}
		rc[i] = r
		if r > 0 {
			// Many cycles priced below their weight could add up past 64 bits: the
			// bound then says nothing, which is still true.
			if sum > math.MaxInt64-r {
				sum = math.MaxInt64
			} else {
				sum += r
			}
		}
	}
	return floorDiv(sum, s.scale), rc, sum
}

// multiplier converts a dual value to a multiplier in 1/scale units, kept between 0
// and the heaviest cycle's weight (any such multipliers give a valid bound, and these
// keep every sum of them within 64 bits).
func (s *solver) multiplier(d float64) int64 {
	limit := s.heaviest * s.scale
	if !(d > 0) { // also NaN
		return 0
	}
	if x := math.Ceil(d * float64(s.scale)); x < float64(limit) {
		return int64(x)
	}
	return limit
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

// subgradient looks for good multipliers when the LP is too large to solve directly.
func (s *solver) subgradient(cands []int32, iters int) {
	cover := make([]int32, s.n)
	bestBound, bestLambda := int64(math.MaxInt64), slices.Clone(s.lambda)
	theta := 1.0
	stall := 0
	for it := 0; it < iters && time.Now().Before(s.deadline); it++ {
		b, rc := s.certify(cands)
		if b < bestBound {
			bestBound, stall = b, 0
			copy(bestLambda, s.lambda)
		} else if stall++; stall >= 20 {
			theta, stall = theta/2, 0
		}
		gap := float64(s.base+b-s.best) * float64(s.scale)
		if gap <= 0 || theta < 1e-4 {
			break
		}
		clear(cover)
		for i, c := range cands {
			if rc[i] > 0 {
				for _, v := range s.cs.nodes(c) {
					cover[v]++
				}
			}
		}
		var norm float64
		for v := range cover {
			if g := 1 - float64(cover[v]); !s.taken[v] && (g < 0 || s.lambda[v] > 0) {
				norm += g * g
			}
		}
		if norm == 0 {
			break
		}
		step := theta * gap / norm
		for v := range cover {
			if !s.taken[v] {
				s.lambda[v] = min(max(0, s.lambda[v]-int64(step*(1-float64(cover[v])))), s.heaviest*s.scale)
			}
		}
	}
	copy(s.lambda, bestLambda)
}

// greedy packs cycles heaviest per participant first, then improves the packing by
// swaps: a cycle outside it replaces the cycles it conflicts with when it outweighs them.
func (s *solver) greedy(cands []int32, taken []bool) (int64, []int32) {
	order := slices.Clone(cands)
	sort.Slice(order, func(i, j int) bool {
		ci, cj := order[i], order[j]
		li, lj := int64(len(s.cs.nodes(ci))), int64(len(s.cs.nodes(cj)))
		if s.cs.w[ci]*lj != s.cs.w[cj]*li {
			return s.cs.w[ci]*lj > s.cs.w[cj]*li
		}
		return ci < cj
	})
	return s.swapPack(order, taken)
}

// swapPack packs cycles in the order given, then improves the packing by swaps: a cycle
// outside it replaces the cycles it conflicts with when it outweighs them.
//
// It takes a quarter of the time left at most: on millions of cycles a pass is long.
func (s *solver) swapPack(order []int32, taken []bool) (int64, []int32) {
	until := time.Now().Add(time.Until(s.deadline) / 4)
	owner := make([]int32, s.n) // cycle covering each participant, -1 free, -2 fixed above
	for v := range owner {
		owner[v] = -1
		if taken != nil && taken[v] {
			owner[v] = -2
		}
	}
	in := map[int32]bool{}
	set := func(c, o int32) {
		for _, v := range s.cs.nodes(c) {
			owner[v] = o
		}
	}
	for pass, improved := 0, true; improved && (pass == 0 || time.Now().Before(until)); pass++ {
		improved = false
		for _, c := range order {
			if in[c] {
				continue
			}
			var lose int64
			var conflicts []int32
			ok := true
			for _, v := range s.cs.nodes(c) {
				switch o := owner[v]; {
				case o == -2:
					ok = false
				case o >= 0 && !slices.Contains(conflicts, o):
					conflicts = append(conflicts, o)
					lose += s.cs.w[o]
				}
			}
			if !ok || (len(conflicts) > 0 && s.cs.w[c] <= lose) {
				continue
			}
			for _, o := range conflicts {
				set(o, -1)
				delete(in, o)
			}
			set(c, c)
			in[c] = true
			improved = improved || len(conflicts) > 0
		}
	}
	s.swapTwo(order, owner, in, until)
	var total int64
	chosen := make([]int32, 0, len(in))
	for c := range in {
		total += s.cs.w[c]
		chosen = append(chosen, c)
	}
	slices.Sort(chosen)
	return total, chosen
}

// swapTwo improves a packing (owner: the cycle covering each participant, -1 free, -2
// fixed; in: the cycles chosen) by two-for-one swaps: a chosen cycle d leaves, and two
// disjoint cycles enter, each made of participants that are free or were d's, when they
// outweigh d. Swaps of one for one or more are left to the caller.
func (s *solver) swapTwo(order []int32, owner []int32, in map[int32]bool, until time.Time) {
	through := make([][]int32, s.n)
	for _, c := range order {
		for _, v := range s.cs.nodes(c) {
			through[v] = append(through[v], c)
		}
	}
	// fits reports whether cycle c uses only participants that are free or d's, and
	// none of avoid's.
	fits := func(c, d, avoid int32) bool {
		for _, v := range s.cs.nodes(c) {
			if o := owner[v]; o != -1 && o != d {
				return false
			}
			if avoid >= 0 && slices.Contains(s.cs.nodes(avoid), v) {
				return false
			}
		}
		return true
	}
	for pass, improved := 0, true; improved && (pass == 0 || time.Now().Before(until)); pass++ {
		improved = false
		chosen := make([]int32, 0, len(in))
		for d := range in {
			chosen = append(chosen, d)
		}
		slices.Sort(chosen)
	next:
		for _, d := range chosen {
			for _, u := range s.cs.nodes(d) {
				for _, c := range through[u] {
					if in[c] || !fits(c, d, -1) {
						continue
					}
					best, gain := int32(-1), int64(0)
					for _, f := range s.cs.nodes(d) {
						if slices.Contains(s.cs.nodes(c), f) {
							continue
						}
						for _, e := range through[f] {
							if g := s.cs.w[c] + s.cs.w[e] - s.cs.w[d]; g > gain && !in[e] && e != c && fits(e, d, c) {
								best, gain = e, g
							}
						}
					}
					if best < 0 {
						continue
					}
					for _, v := range s.cs.nodes(d) {
						owner[v] = -1
					}
					delete(in, d)
					for _, x := range []int32{c, best} {
						for _, v := range s.cs.nodes(x) {
							owner[v] = x
						}
						in[x] = true
					}
					improved = true
					continue next
				}
			}
		}
	}
}

// compatible returns the candidate cycles that avoid every taken participant.
// excluding returns the candidates other than those dropped, in order: an excluding
// child's.
func excluding(cands, drop []int32) []int32 {
	out := make([]int32, 0, len(cands))
	for _, c := range cands {
		if !slices.Contains(drop, c) {
			out = append(out, c)
		}
	}
	return out
}

func compatible(cs *cycles, cands []int32, taken []bool) []int32 {
	out := make([]int32, 0, len(cands))
next:
	for _, c := range cands {
		for _, v := range cs.nodes(c) {
			if taken[v] {
				continue next
			}
		}
		out = append(out, c)
	}
	return out
}
