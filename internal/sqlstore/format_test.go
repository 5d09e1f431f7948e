package sqlstore

import (
	"math/rand/v2"
	"testing"

	"github.com/shopspring/decimal"
)

// TestDecStr checks the fast formatting against the decimal's own String, on values
// with coefficients up to and past 64 bits and exponents either side of the point, and
// appended after text already in the buffer.
func TestDecStr(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	check := func(d decimal.Decimal) {
		t.Helper()
		if got, want := decStr(d), d.String(); got != want {
			t.Fatalf("decStr(%s, coefficient %s, exponent %d) = %q; want %q", d, d.Coefficient(), d.Exponent(), got, want)
		}
		if got, want := string(appendDec([]byte("-0|"), d)), "-0|"+d.String(); got != want {
			t.Fatalf("appendDec after a prefix (%s) = %q; want %q", d, got, want)
		}
	}
	for _, s := range []string{"0", "0.00", "-0.00", "1", "-1", "10", "100.00", "0.5", "-0.5", "0.05", "-0.050", "704000.12",
		"123456789012345678", "1234567890123456789", "0.000000000000000001", "-9223372036854775808", "9223372036854775807", "1e5", "1e-20"} {
		check(decimal.RequireFromString(s))
	}
	for i := 0; i < 200_000; i++ {
		c := r.Int64N(1 << uint(r.IntN(62)+1))
		if r.IntN(2) == 0 {
			c = -c
		}
		if r.IntN(4) == 0 {
			c -= c % 1000 // trailing zeros
		}
		check(decimal.New(c, int32(r.IntN(25)-21)))
	}
}
