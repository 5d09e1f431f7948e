package netting_test

import (
	"fmt"
	"testing"

	"github.com/barter-clearing/barter/netting"
	"github.com/barter-clearing/barter/netting/netgen"
)

func BenchmarkSolve(b *testing.B) {
	for _, size := range []struct{ parties, obligations int }{{1_000, 10_000}, {10_000, 100_000}, {100_000, 1_000_000}} {
		obs := netgen.Generate(1, size.parties, size.obligations)
		b.Run(fmt.Sprintf("%d", size.obligations), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := netting.Solve(size.parties, obs); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func TestSolve_Generated(t *testing.T) {
	for _, size := range []struct{ parties, obligations int }{{10, 40}, {300, 2_000}, {2_000, 10_000}} {
		obs := netgen.Generate(7, size.parties, size.obligations)
		r := mustSolve(t, size.parties, obs)
		s := netting.Sum(obs, r.Cleared)
		if s.Cleared.Sign() <= 0 {
			t.Errorf("%d obligations: nothing cleared", size.obligations)
		}
	}
}
