package netting_test

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/barter-clearing/barter/netting"
)

func mustSolve(tb testing.TB, parties int, obs []netting.Obligation) *netting.Result {
	tb.Helper()
	r, err := netting.Solve(parties, obs)
	if err != nil {
		tb.Fatal(err)
	}
	if err := netting.Check(parties, obs, r); err != nil {
		tb.Fatalf("Check: %v", err)
	}
	return r
}

func total(xs []int64) int64 {
	var s int64
	for _, x := range xs {
		s += x
	}
	return s
}

// TestSolve_GreedyCounterexample: subtracting the smallest edge of cycles as they are
// found, or netting pairs first, clears less than the optimum of 34.
func TestSolve_GreedyCounterexample(t *testing.T) {
	const S, X, T = 0, 1, 2
	obs := []netting.Obligation{{S, X, 10}, {X, T, 10}, {T, S, 10}, {S, T, 10}, {X, S, 4}}
	r := mustSolve(t, 3, obs)
	if got := total(r.Cleared); got != 34 {
		t.Errorf("cleared %d, want 34 (%v)", got, r.Cleared)
	}
	if r.Cleared[3] != 4 {
		t.Errorf("S->T cleared %d, want 4", r.Cleared[3])
	}
}

func TestSolve_Simple(t *testing.T) {
	tests := []struct {
		name    string
		parties int
		obs     []netting.Obligation
		want    int64
	}{
		{"empty", 0, nil, 0},
		{"chain", 3, []netting.Obligation{{0, 1, 5}, {1, 2, 5}}, 0},
		{"triangle", 3, []netting.Obligation{{0, 1, 5}, {1, 2, 7}, {2, 0, 3}}, 9},
		{"pair", 2, []netting.Obligation{{0, 1, 5}, {1, 0, 8}}, 10},
		{"parallel", 2, []netting.Obligation{{0, 1, 2}, {0, 1, 3}, {1, 0, 4}}, 8},
		{"zero", 2, []netting.Obligation{{0, 1, 0}, {1, 0, 4}}, 0},
		{"two components", 6, []netting.Obligation{{0, 1, 5}, {1, 0, 5}, {2, 3, 1}, {3, 4, 1}, {4, 2, 2}, {1, 2, 9}, {5, 0, 3}}, 13},
		{"huge", 3, []netting.Obligation{{0, 1, 1e13}, {1, 2, 1e13}, {2, 0, 1e13}}, 3e13},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := mustSolve(t, tt.parties, tt.obs)
			if got := total(r.Cleared); got != tt.want {
				t.Errorf("cleared %d, want %d (%v)", got, tt.want, r.Cleared)
			}
		})
	}
}

// bruteForce tries every integer set-off and returns the largest total that keeps every
// party's net position.
func bruteForce(parties int, obs []netting.Obligation) int64 {
	best := int64(0)
	c := make([]int64, len(obs))
	var rec func(i int)
	rec = func(i int) {
		if i == len(obs) {
			bal := make([]int64, parties)
			var s int64
			for k, o := range obs {
				bal[o.Debtor] -= c[k]
				bal[o.Creditor] += c[k]
				s += c[k]
			}
			for _, b := range bal {
				if b != 0 {
					return
				}
			}
			best = max(best, s)
			return
		}
		for v := int64(0); v <= obs[i].Amount; v++ {
			c[i] = v
			rec(i + 1)
		}
	}
	rec(0)
	return best
}

func randomObligations(rng *rand.Rand, parties, n int, maxAmount int64) []netting.Obligation {
	obs := make([]netting.Obligation, 0, n)
	for len(obs) < n {
		d, c := int32(rng.IntN(parties)), int32(rng.IntN(parties))
		if d == c {
			continue
		}
		obs = append(obs, netting.Obligation{Debtor: d, Creditor: c, Amount: rng.Int64N(maxAmount + 1)})
	}
	return obs
}

func TestSolve_BruteForce(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 400; i++ {
		parties := 2 + rng.IntN(4)
		obs := randomObligations(rng, parties, 1+rng.IntN(6), 3)
		r := mustSolve(t, parties, obs)
		if got, want := total(r.Cleared), bruteForce(parties, obs); got != want {
			t.Fatalf("instance %d %v: cleared %d, brute force %d", i, obs, got, want)
		}
	}
}

func TestCheck_RejectsTampering(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	parties := 30
	obs := randomObligations(rng, parties, 200, 1000)
	r := mustSolve(t, parties, obs)
	tamper := func(name string, f func(r *netting.Result)) {
		t.Run(name, func(t *testing.T) {
			bad := &netting.Result{Cleared: append([]int64(nil), r.Cleared...), Potential: append([]int64(nil), r.Potential...)}
			f(bad)
			if err := netting.Check(parties, obs, bad); err == nil {
				t.Error("Check accepted a tampered result")
			}
		})
	}
	first := func(pred func(i int) bool) int {
		for i := range obs {
			if pred(i) {
				return i
			}
		}
		t.Fatal("no obligation fits")
		return -1
	}
	tamper("over amount", func(b *netting.Result) {
		i := first(func(i int) bool { return true })
		b.Cleared[i] = obs[i].Amount + 1
	})
	tamper("negative", func(b *netting.Result) { b.Cleared[first(func(i int) bool { return r.Cleared[i] == 0 })] = -1 })
	tamper("unbalanced", func(b *netting.Result) { b.Cleared[first(func(i int) bool { return r.Cleared[i] > 0 })]-- })
	tamper("suboptimal", func(b *netting.Result) {
		// Remove a whole cycle of set-off: positions stay, the total drops, and the
		// potentials no longer fit.
		for i := range b.Cleared {
			b.Cleared[i] = 0
		}
	})
	tamper("potentials", func(b *netting.Result) {
		for v := range b.Potential {
			b.Potential[v] = int64(v % 3)
		}
	})
	tamper("short", func(b *netting.Result) { b.Cleared = b.Cleared[1:] })
	tamper("huge potentials", func(b *netting.Result) {
		for i := range b.Cleared {
			b.Cleared[i] = 0
		}
		for v := range b.Potential {
			b.Potential[v] = 1<<63 - 1
		}
	})
}

func TestSolve_Invalid(t *testing.T) {
	for name, obs := range map[string][]netting.Obligation{
		"self":     {{0, 0, 1}},
		"negative": {{0, 1, -1}},
		"range":    {{0, 5, 1}},
	} {
		if _, err := netting.Solve(2, obs); err == nil {
			t.Errorf("%s: Solve accepted %v", name, obs)
		}
	}
	if _, err := netting.Solve(2, []netting.Obligation{{0, 1, 1 << 62}, {0, 1, 1 << 62}}); err == nil {
		t.Error("Solve summed past 64 bits without an error")
	}
}

func TestNetPositions(t *testing.T) {
	obs := []netting.Obligation{{0, 1, 10}, {1, 2, 10}, {2, 0, 10}, {0, 2, 10}, {1, 0, 4}}
	r := mustSolve(t, 3, obs)
	net, err := netting.NetPositions(3, obs, r.Cleared)
	if err != nil {
		t.Fatal(err)
	}
	// Before: party 0 owes 20, is owed 14: -6. Party 1: owes 14, owed 10: -4. Party 2: +10.
	if net[0] != -6 || net[1] != -4 || net[2] != 10 {
		t.Errorf("net = %v, want [-6 -4 10]", net)
	}
}

func TestCycles(t *testing.T) {
	obs := []netting.Obligation{{0, 1, 10}, {1, 2, 10}, {2, 0, 10}, {0, 2, 10}, {1, 0, 4}}
	r := mustSolve(t, 3, obs)
	cs, n := netting.Cycles(obs, r.Cleared, 100)
	if n != len(cs) {
		t.Errorf("%d cycles counted, %d returned; want all under the limit", n, len(cs))
	}
	sum := make([]int64, len(obs))
	for _, c := range cs {
		for k, e := range c.Obligations {
			next := c.Obligations[(k+1)%len(c.Obligations)]
			if obs[e].Creditor != obs[next].Debtor {
				t.Fatalf("cycle %v is not a loop", c)
			}
			sum[e] += c.Amount
		}
	}
	for i := range obs {
		if sum[i] != r.Cleared[i] {
			t.Errorf("cycles clear %v, the set-off %v", sum, r.Cleared)
			break
		}
	}
	if len(cs) < 2 || cs[0].Amount < cs[len(cs)-1].Amount {
		t.Errorf("cycles = %+v; want several, largest first", cs)
	}
}

// TestCycles_Random splits random set-offs: the cycles are loops, they sum to the
// set-off, and a limit keeps the largest of them.
func TestCycles_Random(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for trial := range 200 {
		parties := 2 + rng.IntN(30)
		obs := randomObligations(rng, parties, 1+rng.IntN(120), 1+rng.Int64N(1000))
		r := mustSolve(t, parties, obs)
		all, n := netting.Cycles(obs, r.Cleared, len(obs)+1)
		if len(all) != n {
			t.Fatalf("trial %d: %d cycles returned of %d", trial, len(all), n)
		}
		sum := make([]int64, len(obs))
		for _, c := range all {
			for k, e := range c.Obligations {
				if next := c.Obligations[(k+1)%len(c.Obligations)]; obs[e].Creditor != obs[next].Debtor {
					t.Fatalf("trial %d: cycle %v is not a loop", trial, c)
				}
				sum[e] += c.Amount
			}
			if c.Amount <= 0 {
				t.Fatalf("trial %d: cycle %v of nothing", trial, c)
			}
		}
		if !slices.Equal(sum, r.Cleared) {
			t.Fatalf("trial %d: the cycles clear %v, the set-off %v", trial, sum, r.Cleared)
		}
		limit := 1 + rng.IntN(4)
		top, m := netting.Cycles(obs, r.Cleared, limit)
		if m != n || len(top) != min(limit, n) {
			t.Fatalf("trial %d: limit %d gave %d of %d cycles; want %d of %d", trial, limit, len(top), m, min(limit, n), n)
		}
		for i, c := range top {
			if c.Amount != all[i].Amount {
				t.Fatalf("trial %d: the %d largest are %v; all are %v", trial, limit, top, all)
			}
		}
	}
}
