package match

import (
	"maps"
	"math/rand/v2"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// lnsMinRegion and lnsMaxRegion bound the participants a step of the neighbourhood
// search frees; lnsStepTime bounds the exact search of one region. Pools of fewer than
// lnsMinPool participants are left to branching alone, as a region would be most of the
// pool. Before branching, the search stops after lnsPatience steps in a row gain
// nothing.
const (
	lnsMinPool   = 2 * lnsMaxRegion
	lnsMinRegion = 12
	lnsMaxRegion = 250
	lnsStepTime  = 200 * time.Millisecond
	lnsPatience  = 1000
	// The search runs on this many cores at most.
	lnsMaxWorkers = 4
)

// lns improves a packing of the candidate cycles (all avoiding the taken participants)
// by large-neighbourhood search: each step frees a connected region of participants,
// drops the packing's cycles that touch it, and packs the freed participants again
// exactly, by the branch and bound of a solver of their own started from the cycles it
// dropped, keeping the result when it weighs more. Regions grow while their searches end in proofs and shrink
// when they do not. It stops at the deadline, or after patience steps in a row gain
// nothing (0: never), and returns the packing and its weight.
//
// Sparse pools, whose relaxations are far from integral, are where this pays: their
// best packings differ from good ones by many local exchanges, each too large for
// swaps and too rare for annealing to find.
func (s *solver) lns(cands, set []int32, patience int, deadline time.Time) ([]int32, int64) {
	s.anneals++
	return s.lnsFrom(cands, set, patience, deadline, s.anneals)
}

// lnsFrom is lns with the seed of its random choices given. Run beside the tree (see
// besideSearch), it touches nothing of s that the tree changes, keeps a core free for
// the tree, publishes each heavier packing and stops when told.
func (s *solver) lnsFrom(cands, set []int32, patience int, deadline time.Time, seed uint64) ([]int32, int64) {
	if len(cands) == 0 {
		return set, 0
	}
	through := make(map[int32][]int32) // participant -> candidate cycles through it
	for _, c := range cands {
		for _, v := range s.cs.nodes(c) {
			through[v] = append(through[v], c)
		}
	}
	var open []int32 // participants in some candidate cycle, covered or not
	for v := range through {
		open = append(open, v)
	}
	slices.Sort(open)
	// The packing, shared by the workers, each of which frees and repacks its own
	// regions; a worker's result is applied only if no other worker changed its region
	// meanwhile.
	var (
		mu      sync.Mutex
		owner   = make(map[int32]int32, 3*len(set)) // participant -> packed cycle covering it
		packed  = make(map[int32]bool, len(set))
		weight  int64
		target  = 60 // participants to free per step
		idle    int
		stopped bool
	)
	for _, c := range set {
		weight += s.cs.w[c]
		packed[c] = true
		for _, v := range s.cs.nodes(c) {
			owner[v] = c
		}
	}
	b := s.beside
	worker := func(id uint64) {
		rng := rand.New(rand.NewPCG(uint64(s.n)^0x9e3779b97f4a7c15, seed<<8|id))
		var (
			inRegion = make(map[int32]bool)
			dropped  = make(map[int32]bool)
			local    = make(map[int32]int32)
			seen     = make(map[int32]bool)
			queue    []int32
		)
		for {
			mu.Lock()
			if stopped = stopped || !time.Now().Before(deadline) || (patience > 0 && idle >= patience) || (b != nil && b.quit.Load()); stopped {
				mu.Unlock()
				return
			}
			size := target
			clear(inRegion)
			clear(dropped)
			queue = queue[:0]
			// Grow the region breadth-first from the participants of a cycle, taking whole
			// packed cycles, so that the participants outside stay covered as they were.
			// Seed it mostly where value is lost: at a cycle through a participant that
			// the packing leaves out.
			from := cands[rng.IntN(len(cands))]
			if rng.IntN(4) > 0 {
				for tries := 0; tries < 8; tries++ {
					v := open[rng.IntN(len(open))]
					if _, ok := owner[v]; !ok {
						ts := through[v]
						from = ts[rng.IntN(len(ts))]
						break
					}
				}
			}
			add := func(v int32) {
				if !inRegion[v] {
					inRegion[v] = true
					queue = append(queue, v)
				}
				if c, ok := owner[v]; ok && !dropped[c] {
					dropped[c] = true
					for _, u := range s.cs.nodes(c) {
						if !inRegion[u] {
							inRegion[u] = true
							queue = append(queue, u)
						}
					}
				}
			}
			for _, v := range s.cs.nodes(from) {
				add(v)
			}
			for head := 0; head < len(queue) && len(queue) < size; head++ {
				ts := through[queue[head]]
				for _, k := range rng.Perm(len(ts)) {
					for _, u := range s.cs.nodes(ts[k]) {
						add(u)
					}
					if len(queue) >= size {
						break
					}
				}
			}
			mu.Unlock()

			var old int64
			for c := range dropped {
				old += s.cs.w[c]
			}
			// The region's cycles: candidates all of whose participants it holds.
			clear(local)
			clear(seen)
			for i, v := range queue {
				local[v] = int32(i)
			}
			sub := &cycles{start: []int32{0}}
			var ids []int32
			for _, v := range queue {
				for _, c := range through[v] {
					if seen[c] {
						continue
					}
					seen[c] = true
					nodes := s.cs.nodes(c)
					if !allIn(nodes, inRegion) {
						continue
					}
					for _, u := range nodes {
						sub.flat = append(sub.flat, local[u])
					}
					sub.start = append(sub.start, int32(len(sub.flat)))
					sub.w = append(sub.w, s.cs.w[c])
					ids = append(ids, c)
				}
			}
			until := time.Now().Add(lnsStepTime)
			if until.After(deadline) {
				until = deadline
			}
			r := newSolver(len(queue), sub, until)
			r.inner = true
			for j, c := range ids { // the packing as it stands is the one to beat
				if dropped[c] {
					r.bestSet = append(r.bestSet, int32(j))
				}
			}
			r.best = old
			r.run()

			mu.Lock()
			if r.timedOut {
				target = max(lnsMinRegion, target*4/5)
			} else {
				target = min(lnsMaxRegion, target+target/8+1)
			}
			idle++
			if b != nil {
				b.steps.Add(1)
			}
			if r.best > old && unchanged(queue, dropped, owner, packed) {
				for c := range dropped {
					delete(packed, c)
					for _, v := range s.cs.nodes(c) {
						delete(owner, v)
					}
				}
				for _, j := range r.bestSet {
					c := ids[j]
					packed[c] = true
					for _, v := range s.cs.nodes(c) {
						owner[v] = c
					}
				}
				weight += r.best - old
				idle = 0
				if b != nil {
					b.publish(slices.Collect(maps.Keys(packed)), weight)
				}
			}
			mu.Unlock()
		}
	}
	var wg sync.WaitGroup
	procs := runtime.GOMAXPROCS(0)
	if b != nil {
		procs-- // the tree keeps a core
	}
	for id := range uint64(max(min(procs, lnsMaxWorkers), 1)) {
		wg.Go(func() { worker(id) })
	}
	wg.Wait()
	set = set[:0:0]
	for c := range packed {
		set = append(set, c)
	}
	slices.Sort(set)
	return set, weight
}

// unchanged reports whether a region is still as it was when its packed cycles were
// dropped: those are all still packed, and no other packed cycle has entered it.
func unchanged(region []int32, dropped map[int32]bool, owner map[int32]int32, packed map[int32]bool) bool {
	for c := range dropped {
		if !packed[c] {
			return false
		}
	}
	for _, v := range region {
		if c, ok := owner[v]; ok && !dropped[c] {
			return false
		}
	}
	return true
}

func allIn(nodes []int32, in map[int32]bool) bool {
	for _, v := range nodes {
		if !in[v] {
			return false
		}
	}
	return true
}

// besideMinPool and besideMaxPool bound the participants of a pool searched by
// branching that gets the neighbourhood search beside its tree: smaller trees end too
// soon to gain from it, and larger pools keep no bases, so that their trees go too
// slowly for the packings it finds to prune much.
const (
	besideMinPool = 100
	besideMaxPool = dualMaxRows
)

// besideSearchOn lets tests compare the search with and without it, and
// besideObserved, when set, is told how many regions it searched.
var (
	besideSearchOn = true
	besideObserved func(steps int64)
)

// besideSearch is a neighbourhood search running beside the tree, on the cores the tree
// leaves idle (after the one before branching, where the pool is large enough for
// that). The tree often finds the best packing of a sparse pool late, and proves it
// soon after; a heavier packing from beside prunes its search sooner. The tree takes
// each packing published at its next node.
type besideSearch struct {
	quit    atomic.Bool
	found   atomic.Pointer[packing]
	running sync.WaitGroup
	steps   atomic.Int64 // regions searched, for tests
	adopted *packing     // the last packing the tree looked at (the tree's alone)
}

// packing is a set of cycles and its weight.
type packing struct {
	w   int64
	set []int32
}

// searchBeside starts the neighbourhood search beside the tree, from the best packing
// at the root (whose candidates are all the cycles). run stops it when the tree ends.
func (s *solver) searchBeside(all []int32) {
	s.beside = &besideSearch{}
	start := slices.Clone(s.bestSet)
	s.anneals++ // the search's seed, counted here: the tree goes on meanwhile
	seed := s.anneals
	s.beside.running.Go(func() { s.lnsFrom(all, start, 0, s.deadline, seed) })
}

// adoptBeside takes the packing the search beside has found, when it is heavier. A
// packing is only ever as good as its cycles: their weight is counted again, and a set
// whose cycles share a participant is refused, as the tree's proof would rest on it.
func (s *solver) adoptBeside() {
	if s.beside == nil {
		return
	}
	p := s.beside.found.Load()
	if p == nil || p.w <= s.best || p == s.beside.adopted {
		return
	}
	s.beside.adopted = p
	var w int64
	covered := make(map[int32]bool, 3*len(p.set))
	for _, c := range p.set {
		w += s.cs.w[c]
		for _, v := range s.cs.nodes(c) {
			if covered[v] {
				return
			}
			covered[v] = true
		}
	}
	if w > s.best {
		s.best, s.bestSet = w, slices.Clone(p.set)
	}
}

// stopBeside stops the search beside the tree, if any, waits for it and takes its
// best packing. It may be called again.
func (s *solver) stopBeside() {
	if s.beside == nil || s.beside.quit.Swap(true) {
		return
	}
	s.beside.running.Wait()
	s.adoptBeside()
	if besideObserved != nil {
		besideObserved(s.beside.steps.Load())
	}
}

// publish offers a packing found beside the tree.
func (b *besideSearch) publish(set []int32, w int64) {
	for {
		p := b.found.Load()
		if p != nil && p.w >= w {
			return
		}
		if b.found.CompareAndSwap(p, &packing{w: w, set: set}) {
			return
		}
	}
}
