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
// the fewest cycles left, as in Knuth's Algorithm X. It gives up at the deadline and
// returns nil then, or when no such packing exists.
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

// repairCover completes a partial cover by local search (see tabuSearch), counting for
// each cycle the required participants it covers; it returns nil unless it covers all.
func (s *solver) repairCover(through [][]int32, need, start []int32, attempts int, deadline time.Time) []int32 {
	required := make([]bool, s.n)
	for _, v := range need {
		required[v] = true
	}
	value := func(c int32) int64 {
		var k int64
		for _, v := range s.cs.nodes(c) {
			if required[v] {
				k++
			}
		}
		return k
	}
	// Walks that stall are restarted from the same start with other random choices.
	for attempt := 0; attempt < attempts && (attempt == 0 || time.Now().Before(deadline)); attempt++ {
		set, got := s.tabuSearch(through, required, start, value, int64(len(need)), 100*len(need)+10_000, deadline)
		if got == int64(len(need)) {
			return set
		}
	}
	return nil
}

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
