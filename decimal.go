package barter

import (
	"fmt"

	"github.com/shopspring/decimal"
)

// Decimal is an exact decimal number. Values, quantities and rates are never float64.
type Decimal = decimal.Decimal

// Zero is the decimal 0.
var Zero = decimal.Zero

// One is the decimal 1, the rate of the unit of account to itself.
var One = decimal.NewFromInt(1)

// Scales for parsing: the most fraction digits accepted for each kind of number.
const (
	ValueScale    = 4 // money in any currency as declared
	QuantityScale = 6
	RateScale     = 8
	HomeScale     = 2 // money in the unit of account after valuation
)

// ParseDecimal parses a plain decimal such as "1234.50" or "-7": an optional sign, digits,
// and at most maxScale fraction digits. Exponents, spaces, thousands separators, "NaN"
// and empty strings are rejected, so that what a user typed is exactly what is stored.
func ParseDecimal(s string, maxScale int) (Decimal, error) {
	i := 0
	if i < len(s) && (s[i] == '-' || s[i] == '+') {
		i++
	}
	intDigits, fracDigits, dot := 0, 0, false
	for ; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			if dot {
				fracDigits++
			} else {
				intDigits++
			}
		case c == '.' && !dot:
			dot = true
		default:
			return Zero, fmt.Errorf("%q is not a decimal number", s)
		}
	}
	if intDigits == 0 || (dot && fracDigits == 0) {
		return Zero, fmt.Errorf("%q is not a decimal number", s)
	}
	if intDigits > 20 {
		return Zero, fmt.Errorf("%q is too large", s)
	}
	if fracDigits > maxScale {
		return Zero, fmt.Errorf("%q has %d decimal places; at most %d allowed", s, fracDigits, maxScale)
	}
	return decimal.RequireFromString(s), nil
}

// RoundHome rounds a value in the unit of account to its 2 decimals, half to even.
func RoundHome(d Decimal) Decimal { return d.RoundBank(HomeScale) }

// MinorUnits converts an amount of the unit of account, rounded to 2 decimals, to an
// integer count of hundredths, which is how the ledger stores it. It fails rather than
// wrap when the amount does not fit in 64 bits.
func MinorUnits(d Decimal) (int64, error) {
	m := d.Shift(HomeScale)
	if !m.IsInteger() {
		return 0, fmt.Errorf("%s has more than %d decimal places", d, HomeScale)
	}
	if !m.BigInt().IsInt64() {
		return 0, fmt.Errorf("%s is too large for the ledger", d)
	}
	return m.IntPart(), nil
}

// FromMinorUnits is the inverse of MinorUnits.
func FromMinorUnits(n int64) Decimal { return decimal.New(n, -HomeScale) }

// FormatHome formats an amount of the unit of account with exactly 2 decimals.
func FormatHome(d Decimal) string { return d.StringFixedBank(HomeScale) }
