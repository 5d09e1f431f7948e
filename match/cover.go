package match

import (
	"cmp"
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
func (s *solver) coverFace(cands []int32, face *lpFace, deadline time.Time) []int32 {
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
	alive := make(map[int32]bool, len(face0))
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
		// Try the heaviest cycles first: with a loose relaxation they make the better
		// packings.
		options := make([]int32, 0, fewest)
		for _, c := range through[pick] {
			if alive[c] {
				options = append(options, c)
			}
		}
		slices.SortFunc(options, func(a, b int32) int { return cmp.Compare(s.cs.w[b], s.cs.w[a]) })
		for _, c := range options {
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
	return s.repairCover(through, need, deepest, deadline)
}

// dfsSteps bounds the depth-first search for a cover. Its early choices are rarely
// undone once it runs deep, so past this it hands its deepest partial cover to
// repairCover.
const dfsSteps = 20_000

// repairCover completes a partial cover by min-conflicts local search: it takes an
// uncovered required participant at random and puts in the face cycle through it that
// uncovers the fewest other required participants (the cycles it overlaps leave),
// avoiding cycles it removed recently. Such searches finish quickly when covers are
// plentiful, as they are when the relaxation is tight; it gives up (returning nil) after
// a hundred moves per required participant, or at the deadline.
func (s *solver) repairCover(through [][]int32, need, start []int32, deadline time.Time) []int32 {
	n := s.n
	required := make([]bool, n)
	for _, v := range need {
		required[v] = true
	}
	owner := make([]int32, n) // the chosen cycle covering each participant, or -1
	for v := range owner {
		owner[v] = -1
	}
	// open lists the uncovered required participants; at[v] is v's place in it.
	at := make([]int32, n)
	var open []int32
	uncover := func(v int32) {
		owner[v] = -1
		if required[v] {
			at[v] = int32(len(open))
			open = append(open, v)
		}
	}
	cover := func(v, c int32) {
		if owner[v] < 0 && required[v] {
			i := at[v]
			last := open[len(open)-1]
			open[i], at[last] = last, i
			open = open[:len(open)-1]
		}
		owner[v] = c
	}
	for v := range n {
		if required[v] {
			uncover(int32(v))
		}
	}
	for _, c := range start {
		for _, v := range s.cs.nodes(c) {
			cover(v, c)
		}
	}
	rng := rand.New(rand.NewPCG(uint64(len(need)), 7))
	tabu := make(map[int32]int, 64) // cycle -> step until which it may not come back
	var ties, conflicts []int32
	limit := 100*len(need) + 10_000
	for step := 0; len(open) > 0; step++ {
		if step > limit || step%1024 == 0 && time.Now().After(deadline) {
			return nil
		}
		u := open[rng.IntN(len(open))]
		best := int(1 << 30)
		ties = ties[:0]
		for _, c := range through[u] {
			if tabu[c] > step {
				continue
			}
			lost := 0
			for _, v := range s.cs.nodes(c) {
				if s.taken[v] {
					lost = 1 << 20
					break
				}
				if o := owner[v]; o >= 0 {
					for _, x := range s.cs.nodes(o) {
						if required[x] && !slices.Contains(s.cs.nodes(c), x) {
							lost++
						}
					}
				} else if required[v] {
					lost--
				}
			}
			switch {
			case lost < best:
				best, ties = lost, append(ties[:0], c)
			case lost == best:
				ties = append(ties, c)
			}
		}
		if len(ties) == 0 {
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
				uncover(x)
			}
			tabu[o] = step + 10
		}
		for _, v := range s.cs.nodes(c) {
			cover(v, c)
		}
	}
	var set []int32
	for v, c := range owner {
		if c >= 0 && s.cs.nodes(c)[0] == int32(v) {
			set = append(set, c)
		}
	}
	return set
}
