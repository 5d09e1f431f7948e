package barter_test

import (
	"math/rand/v2"
	"testing"

	"github.com/barter-clearing/barter"
)

func dec(tb testing.TB, s string) barter.Decimal {
	tb.Helper()
	d, err := barter.ParseDecimal(s, 8)
	if err != nil {
		tb.Fatal(err)
	}
	return d
}

func TestRulebook_Balanced(t *testing.T) {
	rb := barter.StandardRulebooks()["2025"]
	tests := []struct {
		imports, exports string
		want             bool
	}{
		{"100", "100", true},
		{"100", "80", true}, // 20 <= 0.2*100
		{"100", "79.99", false},
		{"80", "100", true},
		{"100", "125", true}, // 25 <= 0.2*125
		{"100", "125.01", false},
		{"0", "0", false},
		{"100", "0", false},
		{"0", "100", false},
	}
	for _, tt := range tests {
		if got := rb.Balanced(dec(t, tt.imports), dec(t, tt.exports)); got != tt.want {
			t.Errorf("Balanced(%s, %s) = %v, want %v", tt.imports, tt.exports, got, tt.want)
		}
	}
}

func TestRulebook_ExportAllowed(t *testing.T) {
	rbs := barter.StandardRulebooks()
	tests := []struct {
		regime, imports, exports string
		want                     bool
	}{
		{"2023", "100", "125", true}, // 25 <= 0.2 * 125: the same measure as Balanced
		{"2023", "100", "125.01", false},
		{"2023", "0", "1", false},
		{"2025", "0", "1000", true},
	}
	for _, tt := range tests {
		if got := rbs[tt.regime].ExportAllowed(dec(t, tt.imports), dec(t, tt.exports)); got != tt.want {
			t.Errorf("%s ExportAllowed(%s, %s) = %v, want %v", tt.regime, tt.imports, tt.exports, got, tt.want)
		}
	}
}

func TestRulebook_Deadline(t *testing.T) {
	rbs := barter.StandardRulebooks()
	issued := barter.MustDate("2024-01-01")
	if got, want := rbs["2023"].Deadline(issued), barter.MustDate("2024-03-31"); got != want {
		t.Errorf("2023 deadline = %s, want %s", got, want)
	}
	if got, want := rbs["2025"].Deadline(issued), barter.MustDate("2024-04-30"); got != want {
		t.Errorf("2025 deadline = %s, want %s", got, want)
	}
}

func TestStatus_CanMoveTo(t *testing.T) {
	all := []barter.Status{barter.StatusApplied, barter.StatusApproved, barter.StatusRejected, barter.StatusCancelled}
	legal := map[[2]barter.Status]bool{
		{barter.StatusApplied, barter.StatusApproved}:   true,
		{barter.StatusApplied, barter.StatusRejected}:   true,
		{barter.StatusApproved, barter.StatusCancelled}: true,
	}
	for _, from := range all {
		for _, to := range all {
			if got := from.CanMoveTo(to); got != legal[[2]barter.Status{from, to}] {
				t.Errorf("%s -> %s allowed = %v", from, to, got)
			}
		}
	}
}

func TestNewPosition(t *testing.T) {
	rb := barter.StandardRulebooks()["2025"]
	a := &barter.Authorization{Number: "A", Status: barter.StatusApproved, Issued: barter.MustDate("2024-01-01"), Deadline: barter.MustDate("2024-04-30")}
	tot := func(i, e string) barter.Totals { return barter.Totals{Imports: dec(t, i), Exports: dec(t, e)} }
	tests := []struct {
		name string
		t    barter.Totals
		asOf string
		want barter.PositionStatus
		days int
	}{
		{"balanced", tot("100", "90"), "2024-02-01", barter.PositionBalanced, 89},
		{"open", tot("100", "10"), "2024-04-30", barter.PositionOpen, 0},
		{"overdue", tot("100", "10"), "2024-05-01", barter.PositionOverdue, -1},
		{"balanced after deadline", tot("100", "100"), "2024-06-01", barter.PositionBalanced, -32},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := barter.NewPosition(a, rb, tt.t, barter.MustDate(tt.asOf))
			if p.Status != tt.want || p.DaysLeft != tt.days {
				t.Errorf("got %s with %d days left, want %s with %d", p.Status, p.DaysLeft, tt.want, tt.days)
			}
			if want := tt.t.Exports.Sub(tt.t.Imports); !p.Imbalance.Equal(want) {
				t.Errorf("imbalance = %s, want %s", p.Imbalance, want)
			}
		})
	}
	c := *a
	c.Status, c.Cancelled = barter.StatusCancelled, barter.MustDate("2024-05-10")
	if got := barter.NewPosition(&c, rb, tot("1", "0"), barter.MustDate("2024-05-09")).Status; got != barter.PositionOverdue {
		t.Errorf("before its cancellation: %s, want overdue", got)
	}
	if got := barter.NewPosition(&c, rb, tot("1", "0"), barter.MustDate("2024-05-10")).Status; got != barter.PositionCancelled {
		t.Errorf("on its cancellation day: %s, want cancelled", got)
	}
}

func TestRateTable_Lookup(t *testing.T) {
	rt := barter.NewRateTable([]barter.Rate{
		{Date: barter.MustDate("2024-02-01"), Currency: "USD", Rate: dec(t, "280")},
		{Date: barter.MustDate("2024-01-01"), Currency: "USD", Rate: dec(t, "282")},
	})
	for day, want := range map[string]string{"2024-01-01": "282", "2024-01-31": "282", "2024-02-01": "280", "2030-01-01": "280"} {
		r, ok := rt.Lookup("USD", barter.MustDate(day))
		if !ok || r.Rate.String() != want {
			t.Errorf("Lookup(USD, %s) = %s, %v; want %s", day, r.Rate, ok, want)
		}
	}
	if _, ok := rt.Lookup("USD", barter.MustDate("2023-12-31")); ok {
		t.Error("found a rate before the first published one")
	}
	if _, ok := rt.Lookup("EUR", barter.MustDate("2024-03-01")); ok {
		t.Error("found a rate for a currency with none")
	}
}

func TestCodes(t *testing.T) {
	for _, c := range []string{"PK", "RU", "AF", "IR", "CN", "ZW", "AD"} {
		if !barter.IsCountry(c) {
			t.Errorf("IsCountry(%q) = false", c)
		}
	}
	for _, c := range []string{"XX", "pk", "P", "PAK", ""} {
		if barter.IsCountry(c) {
			t.Errorf("IsCountry(%q) = true", c)
		}
	}
	for _, c := range []string{"PKR", "CNY", "RUB", "USD", "AED", "IRR", "AFN", "ZWG"} {
		if !barter.IsCurrency(c) {
			t.Errorf("IsCurrency(%q) = false", c)
		}
	}
	for _, c := range []string{"XXX", "usd", "US", ""} {
		if barter.IsCurrency(c) {
			t.Errorf("IsCurrency(%q) = true", c)
		}
	}
}

// TestRulebook_ToBalance checks, on random legs in hundredths, that adding what
// ToBalance says is due balances an authorization, and a hundredth less does not.
func TestRulebook_ToBalance(t *testing.T) {
	rb := barter.StandardRulebooks()["2025"]
	r := rand.New(rand.NewPCG(3, 4))
	cent := barter.FromMinorUnits(1)
	for _, tt := range []struct{ imports, exports, exportsDue, importsDue string }{
		{"100", "0", "80", "0"}, {"100", "79.99", "0.01", "0"}, {"100", "80", "0", "0"}, {"0", "100", "0", "80"},
		{"0", "0", "0", "0"}, {"0.01", "0", "0.01", "0"}, {"0.03", "0", "0.03", "0"}, // 0.024 rounds up to 0.03
		{"0.01", "-0.30", "0.31", "0"}, // a leg below nothing must end above it
	} {
		e, i := rb.ToBalance(dec(t, tt.imports), dec(t, tt.exports))
		if !e.Equal(dec(t, tt.exportsDue)) || !i.Equal(dec(t, tt.importsDue)) {
			t.Errorf("ToBalance(%s, %s) = %s, %s; want %s, %s", tt.imports, tt.exports, e, i, tt.exportsDue, tt.importsDue)
		}
	}
	for range 20_000 {
		imports, exports := barter.FromMinorUnits(r.Int64N(1_000_000)), barter.FromMinorUnits(r.Int64N(1_000_000))
		if r.IntN(10) == 0 {
			exports = barter.Zero
		}
		e, i := rb.ToBalance(imports, exports)
		if e.IsPositive() && i.IsPositive() || e.IsNegative() || i.IsNegative() {
			t.Fatalf("ToBalance(%s, %s) = %s, %s: both due, or less than nothing", imports, exports, e, i)
		}
		switch {
		case e.IsPositive():
			if !rb.Balanced(imports, exports.Add(e)) || rb.Balanced(imports, exports.Add(e).Sub(cent)) {
				t.Fatalf("ToBalance(%s, %s): exports due %s is not the least that balances", imports, exports, e)
			}
		case i.IsPositive():
			if !rb.Balanced(imports.Add(i), exports) || rb.Balanced(imports.Add(i).Sub(cent), exports) {
				t.Fatalf("ToBalance(%s, %s): imports due %s is not the least that balances", imports, exports, i)
			}
		default:
			if !rb.Balanced(imports, exports) && (imports.IsPositive() || exports.IsPositive()) {
				t.Fatalf("ToBalance(%s, %s): nothing due, yet not balanced", imports, exports)
			}
		}
	}
}
