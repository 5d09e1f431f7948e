package barter_test

import (
	"math"
	"slices"
	"testing"

	"github.com/barter-clearing/barter"
)

func TestParseMinor(t *testing.T) {
	for in, want := range map[string]int64{"0": 0, "1": 100, "1.5": 150, "1.05": 105, "+2.00": 200, "92233720368547758.07": math.MaxInt64, "0.1": 10} {
		got, err := barter.ParseMinor(in, 2)
		if err != nil || got != want {
			t.Errorf("ParseMinor(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "-1", "1.005", "1e3", "1,5", ".5", "5.", "92233720368547758.08", "abc", "1.2.3", "+", " 1"} {
		if got, err := barter.ParseMinor(in, 2); err == nil {
			t.Errorf("ParseMinor(%q) = %d, want an error", in, got)
		}
	}
}

func TestFormatMinor(t *testing.T) {
	for n, want := range map[int64]string{0: "0.00", 5: "0.05", 150: "1.50", -150: "-1.50", 123456789: "1234567.89", math.MaxInt64: "92233720368547758.07"} {
		if got := barter.FormatMinor(n, 2); got != want {
			t.Errorf("FormatMinor(%d) = %q, want %q", n, got, want)
		}
	}
	if got := barter.FormatMinor(42, 0); got != "42" {
		t.Errorf("FormatMinor(42, 0) = %q", got)
	}
}

// FuzzParseMinor checks that what parses formats back to the same value.
func FuzzParseMinor(f *testing.F) {
	for _, s := range []string{"0", "1.5", "12.34", "92233720368547758.07", "1e3", "-1", "00.10"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := barter.ParseMinor(s, 2)
		if err != nil {
			return
		}
		back, err := barter.ParseMinor(barter.FormatMinor(n, 2), 2)
		if err != nil || back != n {
			t.Fatalf("%q -> %d -> %q -> %d, %v", s, n, barter.FormatMinor(n, 2), back, err)
		}
		if n < 0 {
			t.Fatalf("%q parsed negative: %d", s, n)
		}
	})
}

func TestCurrencyReview_ClearedPercent(t *testing.T) {
	for _, tt := range []struct {
		cleared, gross int64
		want           string
	}{
		{1, 400, "0.2"}, // 0.25: half to even, down
		{3, 400, "0.8"}, // 0.75: half to even, up
		{2, 3, "66.7"},
		{15_150, 22_050, "68.7"},
		{5, 5, "100"},
		// Just past a half: a rounding of the quotient first would lose the difference.
		{1_000_000_000_000_001, 400_000_000_000_000_000, "0.3"},
		{20_000_000_000_000_001, 8_000_000_000_000_000_000, "0.3"}, // float64 sees exactly 0.25
		{0, 0, "0"},
	} {
		c := barter.CurrencyReview{Gross: tt.gross, Cleared: tt.cleared}
		if got := c.ClearedPercent().String(); got != tt.want {
			t.Errorf("%d of %d: %s %%, want %s", tt.cleared, tt.gross, got, tt.want)
		}
	}
}

func TestClearingRun_Settlement(t *testing.T) {
	r := &barter.ClearingRun{Obligations: []barter.ClearedObligation{
		{Obligation: barter.Obligation{ID: "a", Debtor: "A", Creditor: "B", Amount: 10000, Currency: "USD"}, Cleared: 5050},
		{Obligation: barter.Obligation{ID: "b", Debtor: "B", Creditor: "C", Amount: 7000, Currency: "USD"}, Cleared: 5050},
		{Obligation: barter.Obligation{ID: "c", Debtor: "C", Creditor: "A", Amount: 5050, Currency: "USD"}, Cleared: 5050},
		{Obligation: barter.Obligation{ID: "d", Debtor: "D", Creditor: "A", Amount: 100, Currency: "CNY"}},
	}}
	got := r.Settlement("CH")
	want := []barter.Payment{
		{Payer: "D", Payee: "CH", Amount: 100, Currency: "CNY"}, {Payer: "CH", Payee: "A", Amount: 100, Currency: "CNY"},
		{Payer: "A", Payee: "CH", Amount: 4950, Currency: "USD"}, {Payer: "CH", Payee: "B", Amount: 3000, Currency: "USD"},
		{Payer: "CH", Payee: "C", Amount: 1950, Currency: "USD"},
	}
	if !slices.Equal(got, want) {
		t.Errorf("settlement\n%+v\nwant\n%+v", got, want)
	}
}
