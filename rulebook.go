package barter

import (
	"math/bits"

	"github.com/shopspring/decimal"
)

// Rulebook is one version of the barter rules. An authorization names its rulebook, so a
// change of rules applies to new authorizations without rewriting old ones. Everything
// that differs between versions is a field here, never an if on the version name.
type Rulebook struct {
	Regime       string   // version name, such as "2023"
	Partners     []string // countries a counterparty may be in (ISO 3166-1 alpha-2)
	Home         string   // the home country of traders
	Currency     string   // the unit of account (ISO 4217)
	ImportFirst  bool     // exports may not run ahead of imports beyond the tolerance
	NetOffDays   int      // days from issue to the net-off deadline
	Tolerance    Decimal  // allowed imbalance, as a fraction of the larger leg
	Consortiums  bool     // consortiums may hold authorizations
	Undertaking  bool     // approval needs an undertaking that the counterparty is not sanctioned
	Descriptions string
}

// Rulebooks are the rulebook versions in force, by regime name.
type Rulebooks map[string]Rulebook

// StandardRulebooks returns Pakistan's B2B barter rulebooks: the 2023 order (import
// followed by export, 90 days) and its 2025 amendment (either order, 120 days,
// consortiums).
func StandardRulebooks() Rulebooks {
	tol := decimal.RequireFromString("0.20")
	return Rulebooks{
		"2023": {
			Regime: "2023", Partners: []string{"AF", "IR", "RU"}, Home: "PK", Currency: "PKR",
			ImportFirst: true, NetOffDays: 90, Tolerance: tol,
			Descriptions: "SRO 642(I)/2023: import followed by export, net-off within 90 days of issue",
		},
		"2025": {
			Regime: "2025", Partners: []string{"AF", "IR", "RU"}, Home: "PK", Currency: "PKR",
			ImportFirst: false, NetOffDays: 120, Tolerance: tol, Consortiums: true, Undertaking: true,
			Descriptions: "2025 amendment: imports and exports in any order, net-off within 120 days, consortiums, sanctions undertakings",
		},
	}
}

// Lookup returns the rulebook of a regime, or an EInvalid error naming field.
func (r Rulebooks) Lookup(field, regime string) (Rulebook, error) {
	rb, ok := r[regime]
	if !ok {
		return Rulebook{}, Invalid(field, "unknown regime %q", regime)
	}
	return rb, nil
}

// IsPartner reports whether country may trade under the rulebook.
func (rb Rulebook) IsPartner(country string) bool {
	for _, p := range rb.Partners {
		if p == country {
			return true
		}
	}
	return false
}

// Deadline returns the net-off deadline of an authorization issued on the given day.
func (rb Rulebook) Deadline(issued Date) Date { return issued.AddDays(rb.NetOffDays) }

// Balanced reports whether imports and exports net off: both legs have moved and
// |exports - imports| <= tolerance * max(imports, exports).
func (rb Rulebook) Balanced(imports, exports Decimal) bool {
	if !imports.IsPositive() || !exports.IsPositive() {
		return false
	}
	return exports.Sub(imports).Abs().LessThanOrEqual(rb.Tolerance.Mul(decimal.Max(imports, exports)))
}

// ToBalance returns what more would balance an authorization that is not balanced: the
// least exports (or imports) to add, in hundredths rounded up, so that the other leg is
// within the tolerance of it and both have moved. Both are zero when it is balanced or
// nothing is booked; at most one is not.
func (rb Rulebook) ToBalance(imports, exports Decimal) (exportsDue, importsDue Decimal) {
	if i, ok := hundredths(imports); ok {
		if e, ok := hundredths(exports); ok {
			if ed, id, ok := rb.toBalanceMinor(i, e); ok {
				return FromMinorUnits(ed), FromMinorUnits(id)
			}
		}
	}
	return rb.toBalanceDecimal(imports, exports)
}

// toBalanceDecimal is ToBalance in decimals, for any amounts.
func (rb Rulebook) toBalanceDecimal(imports, exports Decimal) (exportsDue, importsDue Decimal) {
	if rb.Balanced(imports, exports) || (!imports.IsPositive() && !exports.IsPositive()) {
		return Zero, Zero
	}
	// The larger leg L stays the larger: the other must reach L x (1 - tolerance), and
	// more than nothing.
	due := func(larger, other Decimal) Decimal {
		need := larger.Mul(One.Sub(rb.Tolerance)).RoundCeil(HomeScale).Sub(other)
		if !other.IsPositive() {
			// The other leg must end above nothing: a hundredth more than its deficit.
			need = decimal.Max(need, decimal.New(1, -HomeScale).Sub(other))
		}
		return decimal.Max(need, Zero)
	}
	if imports.GreaterThanOrEqual(exports) {
		return due(imports, exports), Zero
	}
	return Zero, due(exports, imports)
}

// hundredths returns d in hundredths where it is a whole number of them, as totals are,
// and small enough for toBalanceMinor.
func hundredths(d Decimal) (int64, bool) {
	c, e, ok := small(d)
	if !ok || e != -HomeScale || c < 0 || c >= 1<<62 {
		return 0, false
	}
	return c, true
}

// toBalanceMinor is ToBalance on amounts in hundredths, in integers where the tolerance
// t x 10^-k is at most 1 with k at most 18; ok is false where it cannot say.
func (rb Rulebook) toBalanceMinor(imports, exports int64) (exportsDue, importsDue int64, ok bool) {
	t, e, ok := small(rb.Tolerance)
	if !ok || t < 0 || uint64(t) > pow10[-e] {
		return 0, 0, false
	}
	if imports == 0 && exports == 0 {
		return 0, 0, true
	}
	larger, other := imports, exports
	if exports > imports {
		larger, other = exports, imports
	}
	// The other leg must reach ceil(larger x (10^k - t) / 10^k), and more than nothing.
	// larger < 2^62 (hundredths) and 10^k - t <= 10^k, so the product's high word is
	// below 10^k / 4 and the division cannot overflow.
	hi, lo := bits.Mul64(uint64(larger), pow10[-e]-uint64(t))
	q, r := bits.Div64(hi, lo, pow10[-e])
	if r > 0 {
		q++
	}
	need := int64(q) - other
	if other == 0 {
		need = max(need, 1)
	}
	need = max(need, 0)
	if exports > imports {
		return 0, need, true
	}
	return need, 0, true
}

// ExportAllowed reports whether cumulative exports may reach exports given cumulative
// imports: always when the rulebook lets either leg go first, otherwise only while
// exports do not run ahead of imports by more than the tolerance. The tolerance is
// measured as in Balanced (on the larger leg, here the exports), so that every balanced
// position can be reached: exports - imports <= tolerance * exports.
func (rb Rulebook) ExportAllowed(imports, exports Decimal) bool {
	if !rb.ImportFirst || exports.LessThanOrEqual(imports) {
		return true
	}
	return exports.Sub(imports).LessThanOrEqual(rb.Tolerance.Mul(exports))
}

// exportAllowedMinor is ExportAllowed on amounts in hundredths, in integers where the
// tolerance has at most 18 decimals: (exports - imports) x 10^k <= t x exports, for a
// tolerance of t x 10^-k, compared in 128 bits.
func (rb Rulebook) exportAllowedMinor(imports, exports int64) bool {
	if !rb.ImportFirst || exports <= imports {
		return true
	}
	t, e, ok := small(rb.Tolerance)
	if !ok || t < 0 || exports < 0 || imports < -(1<<62) {
		return rb.ExportAllowed(FromMinorUnits(imports), FromMinorUnits(exports))
	}
	lh, ll := bits.Mul64(uint64(exports-imports), pow10[-e])
	rh, rl := bits.Mul64(uint64(t), uint64(exports))
	return lh < rh || (lh == rh && ll <= rl)
}
