package barter

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/shopspring/decimal"
)

// randDecimal returns decimals of up to 20 digits with 0 to 20 decimals, positive and
// negative, ties for rounding among them.
func randDecimal(r *rand.Rand) Decimal {
	c := r.Int64N(1 << uint(r.IntN(62)+1))
	switch r.IntN(4) {
	case 0:
		c = c - c%1000 + 500 // ends in 5: ties when rounded off
	case 1:
		c = -c
	}
	d := decimal.New(c, -int32(r.IntN(8)))
	if r.IntN(10) == 0 {
		d = d.Mul(decimal.New(r.Int64N(1<<40), -int32(r.IntN(14)))) // past 64 bits
	}
	return d
}

// TestHomeValue compares the integer path with rounding the decimal product.
func TestHomeValue(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	fast := 0
	for i := 0; i < 300_000; i++ {
		a, rate := randDecimal(r), randDecimal(r)
		want := RoundHome(a.Mul(rate))
		wantMinor, wantErr := MinorUnits(want)
		got, minor, err := HomeValue(a, rate)
		if (err != nil) != (wantErr != nil) || !got.Equal(want) || minor != wantMinor {
			t.Fatalf("HomeValue(%s, %s) = %s, %d, %v; want %s, %d, %v", a, rate, got, minor, err, want, wantMinor, wantErr)
		}
		if _, ok := homeValueSmall(a, rate); ok {
			fast++
		}
	}
	if fast < 100_000 {
		t.Errorf("the integer path took %d of 300,000 products; the test does not exercise it", fast)
	}
}

// TestHomeValueBounds checks products at the edge of 64 bits, where rounding up the
// quotient would wrap: a value too large for the ledger is refused, never booked as 0.
func TestHomeValueBounds(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	check := func(a, rate Decimal) {
		t.Helper()
		want := RoundHome(a.Mul(rate))
		wantMinor, wantErr := MinorUnits(want)
		got, minor, err := HomeValue(a, rate)
		if (err != nil) != (wantErr != nil) || (err == nil && (!got.Equal(want) || minor != wantMinor)) {
			t.Fatalf("HomeValue(%s, %s) = %s, %d, %v; want %s, %d, %v", a, rate, got, minor, err, want, wantMinor, wantErr)
		}
	}
	check(decimal.RequireFromString("99999999984872.9490"), decimal.RequireFromString("1844.67440765"))
	// Products whose quotient lies next to 2^63 or 2^64 - 1, with remainders either side
	// of a half.
	for _, target := range []uint64{1<<63 - 1, 1 << 63, 1<<64 - 1} {
		for i := 0; i < 20_000; i++ {
			scale := int32(r.IntN(10) + 1) // the rate's decimals
			// amount x rate x 10^(2 - 4 - scale) near target: pick the rate, then the amount.
			rate := decimal.New(r.Int64N(1<<40)+1, -scale)
			want := decimal.NewFromUint64(target).Shift(2 + scale).Add(decimal.New(r.Int64N(2001)-1000, 0))
			amount := want.Div(rate.Shift(scale)).Round(4)
			check(amount, rate)
		}
	}
}

// TestExportAllowedMinor compares the integer rule with the decimal one.
func TestExportAllowedMinor(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for _, tol := range []string{"0.2", "0", "1", "0.15", "0.333333333333333333", "0.1234567890123456789", "2.5"} {
		rb := Rulebook{ImportFirst: true, Tolerance: decimal.RequireFromString(tol)}
		for i := 0; i < 50_000; i++ {
			exports := r.Int64N(1 << uint(r.IntN(60)+1))
			imports := exports - r.Int64N(exports/2+1) // near the limit
			if r.IntN(5) == 0 {
				imports = r.Int64N(1<<61) - 1<<60
			}
			want := rb.ExportAllowed(FromMinorUnits(imports), FromMinorUnits(exports))
			if got := rb.exportAllowedMinor(imports, exports); got != want {
				t.Fatalf("tolerance %s, imports %d, exports %d: %v; want %v", tol, imports, exports, got, want)
			}
		}
	}
}

// TestToBalanceMinor compares the integer ToBalance with the decimal one, on legs near
// balance and far from it, small and near the limits, under tolerances of every kind.
func TestToBalanceMinor(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	for _, tol := range []string{"0.2", "0", "1", "0.15", "0.333333333333333333", "0.1234567890123456789", "2.5"} {
		rb := Rulebook{Tolerance: decimal.RequireFromString(tol)}
		for i := 0; i < 50_000; i++ {
			larger := r.Int64N(1 << uint(r.IntN(61)+1))
			other := larger - r.Int64N(larger/3+1)
			switch r.IntN(6) {
			case 0:
				other = 0
			case 1:
				other = r.Int64N(1 << 61)
			}
			imports, exports := larger, other
			if r.IntN(2) == 0 {
				imports, exports = other, larger
			}
			we, wi := rb.toBalanceDecimal(FromMinorUnits(imports), FromMinorUnits(exports))
			ge, gi := rb.ToBalance(FromMinorUnits(imports), FromMinorUnits(exports))
			if !ge.Equal(we) || !gi.Equal(wi) {
				t.Fatalf("tolerance %s, imports %d, exports %d: %s, %s; want %s, %s", tol, imports, exports, ge, gi, we, wi)
			}
		}
	}
}

// TestSequenceError compares the walk over the flows with booking the value into a
// copy of them and checking every day from then on.
func TestSequenceError(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	rb := Rulebook{ImportFirst: true, Tolerance: decimal.RequireFromString("0.2")}
	base := MustDate("2024-01-01")
	for i := 0; i < 100_000; i++ {
		st := &authState{rb: &rb}
		for range r.IntN(8) {
			st.add(base.AddDays(r.IntN(10)), []Direction{Import, Export}[r.IntN(2)], r.Int64N(1000))
		}
		day, d, value := base.AddDays(r.IntN(12)), []Direction{Import, Export}[r.IntN(2)], r.Int64N(1000)-200
		trial := authState{flows: slices.Clone(st.flows)}
		trial.add(day, d, value)
		var want Date
		var wi, we int64
		wantOK := true
		var imp, exp int64
		for _, f := range trial.flows {
			imp, exp = imp+f.Imports, exp+f.Exports
			if !f.Day.Before(day) && exp > 0 && !rb.ExportAllowed(FromMinorUnits(imp), FromMinorUnits(exp)) {
				want, wi, we, wantOK = f.Day, imp, exp, false
				break
			}
		}
		got, gi, ge, ok := st.sequenceError(day, d, value)
		if ok != wantOK || (!ok && (got != want || gi != wi || ge != we)) {
			t.Fatalf("flows %v, %s %s %d: %s %d %d %v; want %s %d %d %v", st.flows, day, d, value, got, gi, ge, ok, want, wi, we, wantOK)
		}
	}
}
