package match

import (
	"cmp"
	"math"
	"math/rand/v2"
	"slices"
	"time"
)

// coverFace looks for a packing of the cycles in the optimal face of the relaxation
// (cands[j] with face.support[j]) that covers every participant the face requires
// (face.must), beside the participants already taken. When the relaxation is tight,
// every such packing is optimal, so this is a search for any exact cover, not for the
// best one: depth first, always extending the cover at the required participant with
// the fewest cycles left, as in Knuth's Algorithm X, and where that runs into a dead
// end, a local search from its deepest partial cover (see coverSearch.run). When it
// finds no exact cover by the deadline it returns the packing that leaves the fewest
// required participants uncovered, or nil if it found none: where the relaxation is
// nearly tight, such a packing is often close to the best, and the caller keeps it
// if it is the heaviest so far.
func (s *solver) coverFace(cands []int32, face *lpFace, attempts int, deadline time.Time) []int32 {
	n := s.n
	through := make([][]int32, n) // the face's cycles through each participant
	var face0 []int32
	for j, c := range cands {
		if face.support[j] {
			face0 = append(face0, c)
			for _, v := range s.cs.nodes(c) {
				through[v] = append(through[v], c)
			}
		}
	}
	need := make([]int32, 0, n) // participants still to cover
	for v := range n {
		if face.must[v] && !s.taken[v] {
			need = append(need, int32(v))
		}
	}
	alive := make([]bool, s.cs.len()) // by cycle
	for _, c := range face0 {
		alive[c] = true
	}
	left := make([]int32, n) // live cycles through each participant
	for _, c := range face0 {
		for _, v := range s.cs.nodes(c) {
			left[v]++
		}
	}
	covered := slices.Clone(s.taken)
	var chosen, killed []int32
	// take adds cycle c to the cover and kills every cycle sharing a participant with it,
	// recording them so that drop can undo it.
	take := func(c int32) {
		chosen = append(chosen, c)
		for _, v := range s.cs.nodes(c) {
			covered[v] = true
			for _, o := range through[v] {
				if alive[o] {
					alive[o] = false
					killed = append(killed, o)
					for _, u := range s.cs.nodes(o) {
						left[u]--
					}
				}
			}
		}
	}
	drop := func(mark int) {
		c := chosen[len(chosen)-1]
		chosen = chosen[:len(chosen)-1]
		for _, v := range s.cs.nodes(c) {
			covered[v] = false
		}
		for _, o := range killed[mark:] {
			alive[o] = true
			for _, u := range s.cs.nodes(o) {
				left[u]++
			}
		}
		killed = killed[:mark]
	}
	steps := 0
	var deepest []int32
	var search func() bool
	search = func() bool {
		if steps++; steps > dfsSteps || steps%256 == 0 && time.Now().After(deadline) {
			return false
		}
		pick, fewest := int32(-1), int32(1<<30)
		for _, v := range need {
			if !covered[v] && left[v] < fewest {
				pick, fewest = v, left[v]
			}
		}
		if len(chosen) > len(deepest) {
			deepest = append(deepest[:0], chosen...)
		}
		if pick < 0 {
			return true // every required participant is covered
		}
		if fewest == 0 {
			return false
		}
		// Try the shortest cycles first, which leave the most room to cover the rest,
		// and among them the heaviest: with a loose relaxation they pack better.
		options := make([]int32, 0, fewest)
		for _, c := range through[pick] {
			if alive[c] {
				options = append(options, c)
			}
		}
		better := func(a, b int32) bool {
			return cmp.Or(cmp.Compare(len(s.cs.nodes(a)), len(s.cs.nodes(b))), cmp.Compare(s.cs.w[b], s.cs.w[a])) < 0
		}
		// The best option first, found by a scan: most steps never try a second one,
		// so sorting them all would be wasted on large pools.
		for len(options) > 0 {
			i := 0
			for j := range options {
				if better(options[j], options[i]) {
					i = j
				}
			}
			c := options[i]
			options[i] = options[len(options)-1]
			options = options[:len(options)-1]
			mark := len(killed)
			take(c)
			if search() {
				return true
			}
			drop(mark)
			if steps > dfsSteps || time.Now().After(deadline) {
				return false
			}
		}
		return false
	}
	if search() {
		return chosen
	}
	return s.repairCover(through, need, deepest, attempts, deadline)
}

// dfsSteps bounds the depth-first search for a cover. Its early choices are rarely
// undone once it runs deep, so past this it hands its deepest partial cover to
// repairCover.
const dfsSteps = 20_000

// repairCover completes a partial cover by annealing (see coverSearch.run), and returns
// the best packing found: an exact cover, if any.
func (s *solver) repairCover(through [][]int32, need, start []int32, attempts int, deadline time.Time) []int32 {
	required := make([]bool, s.n)
	for _, v := range need {
		required[v] = true
	}
	search := newCoverSearch(s, through, required)
	best, left := start, math.MaxInt
	// Walks that stall are restarted from the same start with other random choices,
	// and at other temperatures: first the one that did best on random pools.
	temps := [...]float64{0.3, 0.5, 0.2}
	for attempt := 0; attempt < attempts && (attempt == 0 || time.Now().Before(deadline)); attempt++ {
		set, l := search.run(start, temps[attempt%len(temps)], 400*len(need)+10_000, deadline)
		if l < left {
			best, left = set, l
		}
		if left == 0 {
			break
		}
	}
	return best
}

// annealMaxIncidences bounds the cycles through required participants (counted once
// per participant) that coverSearch copies for speed; beyond it, it reads them in place.
const annealMaxIncidences = 16_000_000

// coverSearch looks for a packing that covers every required participant: see run.
type coverSearch struct {
	s        *solver
	through  [][]int32     // the cycles that may be used, through each participant
	inc      [][]incidence // the same with their other participants, if copied (for required participants only)
	required []bool
	// tabu holds, per cycle, the move until which it may not come back, on a clock
	// that runs on across runs, so that the array is made once.
	tabu  []int32
	clock int32
}

// incidence is a cycle through a participant, and its other participants (-1 pads).
// Copying them next to each other makes a move read memory in a few places, not
// in as many as the cycles it weighs.
type incidence struct {
	c      int32
	others [3]int32
}

func newCoverSearch(s *solver, through [][]int32, required []bool) *coverSearch {
	cs := &coverSearch{s: s, through: through, required: required}
	total := 0
	for v, r := range required {
		if r {
			total += len(through[v])
		}
	}
	if total <= annealMaxIncidences {
		cs.inc = make([][]incidence, s.n)
		for v := range cs.inc {
			if required[v] {
				cs.inc[v] = cs.incidences(int32(v), make([]incidence, 0, len(through[v])))
			}
		}
	}
	return cs
}

// incidences appends to list the usable cycles through v (those avoiding the
// participants taken) with their other participants.
func (cs *coverSearch) incidences(v int32, list []incidence) []incidence {
cycles:
	for _, c := range cs.through[v] {
		e := incidence{c: c, others: [3]int32{-1, -1, -1}}
		k := 0
		for _, x := range cs.s.cs.nodes(c) {
			if cs.s.taken[x] {
				continue cycles
			}
			if x != v {
				e.others[k] = x
				k++
			}
		}
		list = append(list, e)
	}
	return list
}

// run anneals from the packing start: it takes an uncovered required participant at
// random, counts for each usable cycle through it the required participants it would
// leave uncovered net of those it covers (the cycles it overlaps leave the packing),
// and puts in the cycle that loses least (ties broken at random). A loss d is taken
// with probability exp(-d/temp); otherwise the participant stays uncovered for now.
// Cycles that left may not come back for a few moves. Taking every best move, as a
// min-conflicts search does, keeps tens of participants uncovered on random pools;
// declining most losses lets the cover close. (Weighing participants by their
// multipliers instead of counting them did worse, even for the value left uncovered.)
// It stops at an exact cover, after limit moves, or at the deadline, and returns the
// packing that left the fewest required participants uncovered, and how many (not
// counting those that no cycle in through can cover).
func (cs *coverSearch) run(start []int32, temp float64, limit int, deadline time.Time) ([]int32, int) {
	s, n := cs.s, cs.s.n
	owner := make([]int32, n)   // the chosen cycle covering each participant, or -1
	mate := make([][3]int32, n) // the other participants of that cycle, -1 padded
	at := make([]int32, n)      // an uncovered required participant's place in holes
	var holes []int32
	usable := func(v int32) bool { return cs.required[v] && len(cs.through[v]) > 0 }
	uncover := func(v int32) {
		owner[v] = -1
		if usable(v) {
			at[v] = int32(len(holes))
			holes = append(holes, v)
		}
	}
	take := func(c int32) {
		nodes := s.cs.nodes(c)
		for _, v := range nodes {
			if owner[v] < 0 && usable(v) {
				i, last := at[v], holes[len(holes)-1]
				holes[i], at[last] = last, i
				holes = holes[:len(holes)-1]
			}
			owner[v] = c
			m, k := [3]int32{-1, -1, -1}, 0
			for _, x := range nodes {
				if x != v {
					m[k] = x
					k++
				}
			}
			mate[v] = m
		}
	}
	for v := range int32(n) {
		owner[v] = -1
		if !s.taken[v] {
			uncover(v)
		}
	}
	for _, c := range start {
		take(c)
	}
	// The best packing so far, by participant, is brought up to date at each new best
	// by replaying the cycles that entered (c) and left (^c) since the last one, so
	// that a walk setting a new best at most of its moves is not quadratic. A journal
	// longer than the pool is dropped, and the packing copied whole at the next best.
	best, bestOwner := len(holes), slices.Clone(owner)
	var journal []int32
	stale := false
	s.walks++ // each walk makes its own random choices
	rng := rand.New(rand.NewPCG(uint64(n), s.walks))
	limit = min(limit, math.MaxInt32/2)
	if cs.tabu == nil || cs.clock > math.MaxInt32-int32(limit)-tabuTenure {
		cs.tabu, cs.clock = make([]int32, s.cs.len()), 0
	}
	var scratch []incidence
	var ties []int32
	var gone [4]int32
	for step := 0; len(holes) > 0 && step < limit; step++ {
		if step%1024 == 0 && time.Now().After(deadline) {
			break
		}
		cs.clock++
		u := holes[rng.IntN(len(holes))]
		inc := scratch
		if cs.inc != nil {
			inc = cs.inc[u]
		} else {
			inc = cs.incidences(u, scratch[:0])
			scratch = inc
		}
		loss := math.MaxInt
		ties = ties[:0]
		for i := range inc {
			e := &inc[i]
			if cs.tabu[e.c] > cs.clock {
				continue
			}
			d := -1
			var seen [3]int32
			ns := 0
			for _, x := range e.others {
				if x < 0 {
					break
				}
				o := owner[x]
				if o < 0 {
					if cs.required[x] {
						d--
					}
					continue
				}
				if slices.Contains(seen[:ns], o) {
					continue
				}
				seen[ns] = o
				ns++
				for _, y := range mate[x] { // o leaves: its participants outside e are uncovered
					if y >= 0 && cs.required[y] && y != e.others[0] && y != e.others[1] && y != e.others[2] {
						d++
					}
				}
			}
			switch {
			case d < loss:
				loss, ties = d, append(ties[:0], int32(i))
			case d == loss:
				ties = append(ties, int32(i))
			}
		}
		if len(ties) == 0 || loss > 0 && rng.Float64() >= math.Exp(-float64(loss)/temp) {
			continue
		}
		e := &inc[ties[rng.IntN(len(ties))]]
		ng := 0
		for _, x := range e.others {
			if x < 0 {
				break
			}
			if o := owner[x]; o >= 0 && !slices.Contains(gone[:ng], o) {
				gone[ng] = o
				ng++
			}
		}
		for _, o := range gone[:ng] {
			for _, x := range s.cs.nodes(o) {
				uncover(x)
			}
			cs.tabu[o] = cs.clock + tabuTenure
			journal = append(journal, ^o)
		}
		take(e.c)
		journal = append(journal, e.c)
		if len(journal) > n {
			journal, stale = journal[:0], true
		}
		if len(holes) < best {
			best = len(holes)
			if stale {
				copy(bestOwner, owner)
			} else {
				for _, c := range journal {
					if c < 0 {
						for _, x := range s.cs.nodes(^c) {
							if bestOwner[x] == ^c {
								bestOwner[x] = -1
							}
						}
					} else {
						for _, x := range s.cs.nodes(c) {
							bestOwner[x] = c
						}
					}
				}
			}
			journal, stale = journal[:0], false
		}
	}
	var set []int32
	for v, o := range bestOwner {
		if o >= 0 && s.cs.nodes(o)[0] == int32(v) {
			set = append(set, o)
		}
	}
	return set, best
}

// tabuTenure is how many moves a cycle that left a cover may not come back for.
const tabuTenure = 10

// tabuSearch improves a packing of the cycles in through (the cycles through each
// participant) for the total value of its cycles, by min-conflicts moves: it takes a
// free participant among those open to moves (open) at random and puts in the cycle
// through it that gains the most value net of the cycles it overlaps, which leave, even
// when that is a loss; cycles that left may not come back for a few moves. It keeps the
// best packing seen and stops when its value reaches target, after limit moves, or at
// the deadline. It returns that packing and its value.
func (s *solver) tabuSearch(through [][]int32, open []bool, start []int32, value func(int32) int64, target int64, limit int, deadline time.Time) ([]int32, int64) {
	n := s.n
	owner := make([]int32, n) // the chosen cycle covering each participant, or -1
	for v := range owner {
		owner[v] = -1
	}
	// free lists the participants open to moves and not covered; at[v] is v's place.
	at := make([]int32, n)
	var free []int32
	release := func(v int32) {
		owner[v] = -1
		if open[v] && len(through[v]) > 0 {
			at[v] = int32(len(free))
			free = append(free, v)
		}
	}
	cover := func(v, c int32) {
		if owner[v] < 0 && open[v] && len(through[v]) > 0 {
			i := at[v]
			last := free[len(free)-1]
			free[i], at[last] = last, i
			free = free[:len(free)-1]
		}
		owner[v] = c
	}
	for v := range n {
		if !s.taken[v] {
			release(int32(v))
		}
	}
	var cur int64
	for _, c := range start {
		for _, v := range s.cs.nodes(c) {
			cover(v, c)
		}
		cur += value(c)
	}
	best, bestSet := cur, slices.Clone(start)
	s.walks++ // each walk makes its own random choices
	rng := rand.New(rand.NewPCG(uint64(n), s.walks))
	tabu := make(map[int32]int, 64) // cycle -> move until which it may not come back
	var ties, conflicts []int32
	for step := 0; len(free) > 0 && best < target && step < limit; step++ {
		if step%1024 == 0 && time.Now().After(deadline) {
			break
		}
		u := free[rng.IntN(len(free))]
		gain := int64(math.MinInt64)
		ties = ties[:0]
		for _, c := range through[u] {
			if tabu[c] > step {
				continue
			}
			g := value(c)
			conflicts = conflicts[:0]
			for _, v := range s.cs.nodes(c) {
				if s.taken[v] {
					g = math.MinInt64 / 2
					break
				}
				if o := owner[v]; o >= 0 && !slices.Contains(conflicts, o) {
					conflicts = append(conflicts, o)
					g -= value(o)
				}
			}
			switch {
			case g > gain:
				gain, ties = g, append(ties[:0], c)
			case g == gain:
				ties = append(ties, c)
			}
		}
		if len(ties) == 0 || gain < math.MinInt64/4 {
			continue
		}
		c := ties[rng.IntN(len(ties))]
		conflicts = conflicts[:0]
		for _, v := range s.cs.nodes(c) {
			if o := owner[v]; o >= 0 && !slices.Contains(conflicts, o) {
				conflicts = append(conflicts, o)
			}
		}
		for _, o := range conflicts {
			for _, x := range s.cs.nodes(o) {
				release(x)
			}
			tabu[o] = step + 10
			cur -= value(o)
		}
		for _, v := range s.cs.nodes(c) {
			cover(v, c)
		}
		if cur += value(c); cur > best {
			best = cur
			bestSet = bestSet[:0]
			for v, o := range owner {
				if o >= 0 && s.cs.nodes(o)[0] == int32(v) {
					bestSet = append(bestSet, o)
				}
			}
		}
	}
	return bestSet, best
}
