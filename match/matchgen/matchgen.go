// Package matchgen generates reproducible barter-exchange graphs for tests and
// benchmarks: each participant offers goods of one of G categories and wants W of them;
// participant i can give to j when j wants i's category, worth i's offer value (10.00 to
// 1000.00). Such pools have many interchangeable participants, which is what makes
// proving optimality hard.
package matchgen

import (
	"math"
	"math/rand/v2"

	"github.com/barter-clearing/barter/match"
)

// Generate returns the arcs of a pool of n participants.
func Generate(seed uint64, n, categories, wants int) []match.Arc {
	rng := rand.New(rand.NewPCG(seed, seed^0x2545f4914f6cdd1d))
	offer := make([]int, n)
	value := make([]int64, n)
	wanted := make([][]bool, n)
	for i := range offer {
		offer[i] = rng.IntN(categories)
		value[i] = 1000 + rng.Int64N(99001)
		wanted[i] = make([]bool, categories)
		for _, c := range rng.Perm(categories)[:wants] {
			wanted[i][c] = true
		}
	}
	var arcs []match.Arc
	for i := 0; i < n; i++ {
		for j := 0; j < n; j++ {
			if i != j && wanted[j][offer[i]] {
				arcs = append(arcs, match.Arc{From: int32(i), To: int32(j), Weight: value[i]})
			}
		}
	}
	return arcs
}

// Uniform returns the arcs of a pool of n participants in which each ordered pair is an
// arc with probability degree/(n-1), independently, worth the giver's offer value (10.00
// to 1000.00): a pool without the categories' interchangeable participants.
func Uniform(seed uint64, n int, degree float64) []match.Arc {
	rng := rand.New(rand.NewPCG(seed, seed^0x2545f4914f6cdd1d))
	value := make([]int64, n)
	for i := range value {
		value[i] = 1000 + rng.Int64N(99001)
	}
	p := min(degree/float64(max(n-1, 1)), 1)
	if !(p > 0) {
		return nil
	}
	var arcs []match.Arc
	for i := 0; i < n; i++ {
		// Geometric skips between arcs, so that sparse pools cost their arcs, not n².
		for j := -1; ; {
			j += 1 + int(math.Floor(math.Log(1-rng.Float64())/math.Log1p(-p)))
			if j >= n {
				break
			}
			if j != i {
				arcs = append(arcs, match.Arc{From: int32(i), To: int32(j), Weight: value[i]})
			}
		}
	}
	return arcs
}
