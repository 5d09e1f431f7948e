package barter

import (
	"fmt"
	"math"
	"math/bits"

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
func FormatHome(d Decimal) string {
	if d.IsZero() {
		return "0.00" // most positions have a leg with nothing due: no arithmetic for it
	}
	return d.StringFixedBank(HomeScale)
}

// small returns d's coefficient and exponent where the coefficient fits 63 bits and
// the exponent is between -18 and 0: the range of the fast paths below.
func small(d Decimal) (coef int64, exp int32, ok bool) {
	exp = d.Exponent()
	if exp > 0 || exp < -18 || d.NumDigits() > 18 {
		return 0, 0, false
	}
	return d.CoefficientInt64(), exp, true
}

// pow10 are the powers of ten that fit 64 bits.
var pow10 = func() (p [20]uint64) {
	p[0] = 1
	for i := 1; i < len(p); i++ {
		p[i] = p[i-1] * 10
	}
	return p
}()

// HomeValue returns amount x rate rounded half to even to 2 decimals
// (RoundHome(amount.Mul(rate))) and the same in hundredths, as MinorUnits does. Where
// both fit 64 bits it works in integers, which a long import does a million times.
func HomeValue(amount, rate Decimal) (Decimal, int64, error) {
	if v, ok := homeValueSmall(amount, rate); ok {
		return FromMinorUnits(v), v, nil
	}
	d := RoundHome(amount.Mul(rate))
	v, err := MinorUnits(d)
	return d, v, err
}

func homeValueSmall(amount, rate Decimal) (int64, bool) {
	ca, ea, ok1 := small(amount)
	cr, er, ok2 := small(rate)
	if !ok1 || !ok2 {
		return 0, false
	}
	neg := (ca < 0) != (cr < 0)
	hi, lo := bits.Mul64(uint64(abs64(ca)), uint64(abs64(cr)))
	var q uint64
	switch shift := -int(ea+er) - HomeScale; {
	case shift <= 0: // multiply up to hundredths
		if hi != 0 || -shift >= len(pow10) {
			return 0, false
		}
		h, l := bits.Mul64(lo, pow10[-shift])
		if h != 0 {
			return 0, false
		}
		q = l
	case shift < len(pow10):
		div := pow10[shift]
		if hi >= div {
			return 0, false
		}
		var r uint64
		q, r = bits.Div64(hi, lo, div)
		if q >= math.MaxInt64 { // too large once rounded, or it would wrap
			return 0, false
		}
		if r > div-r || (r == div-r && q&1 == 1) { // half to even
			q++
		}
	default:
		return 0, false
	}
	if q > math.MaxInt64 {
		return 0, false
	}
	if neg {
		return -int64(q), true
	}
	return int64(q), true
}

func abs64(n int64) int64 {
	if n < 0 {
		return -n
	}
	return n
}
