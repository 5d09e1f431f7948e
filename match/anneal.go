package match

import (
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"time"
)

// annealMovesPerCycle sets the length of an annealing run: enough moves for each
// candidate cycle to be drawn a few thousand times. Pools of fewer than annealMinCycles
// cycles are not annealed: branching proves them sooner.
// On sparse pools of 2,000 and 10,000 participants, whose relaxations are far from
// integral, five million moves gain about 1 % over the packings rounded from the
// relaxation, and fifty million 1.3 to 1.9 %.
const (
	annealMovesPerCycle = 2000
	annealMinCycles     = 100
)

// anneal searches for a heavy packing of the candidate cycles (all avoiding the taken
// participants) by simulated annealing, and returns the best packing it kept and its
// weight. A move draws a cycle and takes it, dropping the cycles it meets; a move that
// gains is always made, one that loses with a probability that falls as the temperature
// cools. Cycles are drawn in proportion to their value in the relaxation's solution x
// (when there is one) plus a little, so the search stays near the relaxation's optimum
// and can still leave it. It stops after moves moves or at the deadline.
func (s *solver) anneal(cands []int32, x []float64, moves int, deadline time.Time) ([]int32, int64) {
	if len(cands) == 0 {
		return nil, 0
	}
	cum := make([]float64, len(cands)) // cumulative drawing weights
	var total, mean float64
	for i, c := range cands {
		p := 0.02
		if x != nil {
			p += max(x[i], 0)
		}
		total += p
		cum[i] = total
		mean += float64(s.cs.w[c])
	}
	mean /= float64(len(cands))
	s.anneals++
	rng := rand.New(rand.NewPCG(uint64(s.n), s.anneals))
	draw := func() int {
		u := rng.Float64() * total
		return min(sort.SearchFloat64s(cum, u), len(cands)-1)
	}

	owner := make([]int32, s.n) // position in cands of the cycle covering each participant
	for v := range owner {
		owner[v] = -1
	}
	// The packing is the list chosen; at[i] is the place of cands[i] in it, or -1.
	at := make([]int32, len(cands))
	for i := range at {
		at[i] = -1
	}
	var chosen []int32
	drop := func(i int32) {
		j := at[i]
		last := chosen[len(chosen)-1]
		chosen[j], at[last] = last, j
		chosen, at[i] = chosen[:len(chosen)-1], -1
		for _, v := range s.cs.nodes(cands[i]) {
			owner[v] = -1
		}
	}
	// The temperature falls geometrically from a third of a mean cycle's weight to a
	// two-thousandth of it, in steps every 1,024 moves.
	const hot, cold, step = 0.3, 0.0005, 1024
	temp := hot * mean
	cool := math.Pow(cold/hot, float64(step)/float64(max(moves, step)))
	var cur, best int64
	var bestSet []int32
	var conflicts []int32
	for m := 0; m < moves; m++ {
		if m%step == 0 && m > 0 {
			temp *= cool
			if m%(4*step) == 0 && time.Now().After(deadline) {
				break
			}
		}
		i := int32(draw())
		if at[i] >= 0 {
			continue
		}
		c := cands[i]
		gain := s.cs.w[c]
		conflicts = conflicts[:0]
		for _, v := range s.cs.nodes(c) {
			if o := owner[v]; o >= 0 && !slices.Contains(conflicts, o) {
				conflicts = append(conflicts, o)
				gain -= s.cs.w[cands[o]]
			}
		}
		if gain < 0 && rng.Float64() >= math.Exp(float64(gain)/temp) {
			continue
		}
		for _, o := range conflicts {
			drop(o)
		}
		at[i] = int32(len(chosen))
		chosen = append(chosen, i)
		for _, v := range s.cs.nodes(c) {
			owner[v] = i
		}
		if cur += gain; cur > best {
			best = cur
			bestSet = bestSet[:0]
			for _, j := range chosen {
				bestSet = append(bestSet, cands[j])
			}
		}
	}
	return bestSet, best
}
