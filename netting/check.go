package netting

import (
	"fmt"
	"math/bits"
)

// Check verifies a set-off independently of the solver: every cleared amount is within
// its obligation, every party's net position is unchanged, and the potentials prove that
// no other set-off clears more (they satisfy the complementary-slackness conditions of
// the minimum-cost flow whose optimum is the residual). It returns the first violation.
func Check(parties int, obs []Obligation, r *Result) error {
	if err := validate(parties, obs); err != nil {
		return err
	}
	if len(r.Cleared) != len(obs) {
		return fmt.Errorf("netting: %d cleared amounts for %d obligations", len(r.Cleared), len(obs))
	}
	if len(r.Potential) != parties {
		return fmt.Errorf("netting: %d potentials for %d parties", len(r.Potential), parties)
	}
	// Potentials are compared as p+1; bounding them keeps that from wrapping.
	for v, p := range r.Potential {
		if p > 1<<62 || p < -(1<<62) {
			return fmt.Errorf("netting: potential of party %d (%d) is out of range", v, p)
		}
	}
	// Per party: the cleared amounts it owes and is owed, in 128 bits.
	type sum struct{ hi, lo uint64 }
	add := func(s *sum, v int64) {
		var c uint64
		s.lo, c = bits.Add64(s.lo, uint64(v), 0)
		s.hi += c
	}
	owes := make([]sum, parties)
	owed := make([]sum, parties)
	for i, o := range obs {
		c := r.Cleared[i]
		if c < 0 || c > o.Amount {
			return fmt.Errorf("netting: obligation %d: cleared %d outside [0, %d]", i, c, o.Amount)
		}
		add(&owes[o.Debtor], c)
		add(&owed[o.Creditor], c)
		pd, pc := r.Potential[o.Debtor], r.Potential[o.Creditor]
		if c > 0 && pc > pd+1 {
			return fmt.Errorf("netting: obligation %d is cleared but its potentials (%d -> %d) say clearing it costs", i, pd, pc)
		}
		if c < o.Amount && pc < pd+1 {
			return fmt.Errorf("netting: obligation %d is not fully cleared but its potentials (%d -> %d) say more could be", i, pd, pc)
		}
	}
	for v := range owes {
		if owes[v] != owed[v] {
			return fmt.Errorf("netting: party %d's net position changes: it is cleared of different amounts owed and owing", v)
		}
	}
	return nil
}
