// Package netgen generates reproducible obligation networks for tests and benchmarks:
// a heavy-tailed core where a few parties owe and are owed most (endpoints drawn with
// weight 1/(rank+1)^0.8, which makes a giant strongly connected component), plus many
// small separate groups, with lognormal amounts in minor units.
package netgen

import (
	"math"
	"math/rand/v2"

	"github.com/barter-clearing/barter/netting"
)

// Generate returns obligations among parties from seed. About a tenth of the parties
// form small groups of 3 to 6 that trade only among themselves.
func Generate(seed uint64, parties, obligations int) []netting.Obligation {
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	core := parties - parties/10
	if core < 2 {
		core = parties
	}
	// Cumulative weights of the core's parties.
	cum := make([]float64, core)
	s := 0.0
	for i := range cum {
		s += 1 / math.Pow(float64(i+1), 0.8)
		cum[i] = s
	}
	perm := rng.Perm(core) // ranks are not party numbers
	pick := func() int32 {
		x := rng.Float64() * s
		lo, hi := 0, core-1
		for lo < hi {
			mid := (lo + hi) / 2
			if cum[mid] < x {
				lo = mid + 1
			} else {
				hi = mid
			}
		}
		return int32(perm[lo])
	}
	amount := func() int64 {
		v := math.Exp(8 + 1.5*rng.NormFloat64())
		return max(1, min(int64(v), 1e13))
	}
	obs := make([]netting.Obligation, 0, obligations)
	smallShare := obligations / 20
	for len(obs) < obligations-smallShare {
		d, c := pick(), pick()
		if d != c {
			obs = append(obs, netting.Obligation{Debtor: d, Creditor: c, Amount: amount()})
		}
	}
	for len(obs) < obligations && parties-core >= 6 {
		size := 3 + rng.IntN(4)
		start := core + rng.IntN(parties-core-size+1)
		for k := 0; k < size && len(obs) < obligations; k++ {
			d := int32(start + rng.IntN(size))
			c := int32(start + rng.IntN(size))
			if d != c && int(d) < parties && int(c) < parties {
				obs = append(obs, netting.Obligation{Debtor: d, Creditor: c, Amount: amount()})
			}
		}
	}
	for len(obs) < obligations { // tiny networks with no room for groups
		d, c := pick(), pick()
		if d != c {
			obs = append(obs, netting.Obligation{Debtor: d, Creditor: c, Amount: amount()})
		}
	}
	return obs
}
