package barter

import (
	"fmt"
	"strconv"
	"strings"
)

// Obligation is a debt to be cleared: Debtor owes Creditor Amount minor units (hundredths)
// of Currency.
type Obligation struct {
	ID       string
	Debtor   string
	Creditor string
	Amount   int64
	Currency string
}

// ParseMinor parses a non-negative decimal with at most scale fraction digits ("1234.5")
// into an integer count of 10^-scale units (123450 for scale 2), without going through
// floating point and failing on overflow rather than wrapping.
func ParseMinor(s string, scale int) (int64, error) {
	if s == "" {
		return 0, fmt.Errorf("is empty")
	}
	if s[0] == '-' {
		return 0, fmt.Errorf("%q is negative", s)
	}
	var n int64
	frac, dot, digits := 0, false, 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			if dot {
				frac++
				if frac > scale {
					return 0, fmt.Errorf("%q has more than %d decimal places", s, scale)
				}
			}
			digits++
			d := int64(c - '0')
			if n > (1<<63-1-d)/10 {
				return 0, fmt.Errorf("%q is too large", s)
			}
			n = n*10 + d
		case c == '.' && !dot && i > 0:
			dot = true
		case c == '+' && i == 0:
		default:
			return 0, fmt.Errorf("%q is not a decimal number", s)
		}
	}
	if digits == 0 || s[len(s)-1] == '.' {
		return 0, fmt.Errorf("%q is not a decimal number", s)
	}
	for ; frac < scale; frac++ {
		if n > (1<<63-1)/10 {
			return 0, fmt.Errorf("%q is too large", s)
		}
		n *= 10
	}
	return n, nil
}

// FormatMinor formats n units of 10^-scale as a decimal with exactly scale places.
func FormatMinor(n int64, scale int) string {
	u := uint64(n)
	if n < 0 {
		u = -u
	}
	s := strconv.FormatUint(u, 10)
	if len(s) <= scale {
		s = strings.Repeat("0", scale-len(s)+1) + s
	}
	if scale > 0 {
		s = s[:len(s)-scale] + "." + s[len(s)-scale:]
	}
	if n < 0 {
		s = "-" + s
	}
	return s
}

// Index numbers names from 0 in the order they are first seen, for the algorithms that
// work on integer vertices. Its zero value is ready to use.
type Index struct {
	ids   map[string]int32
	Names []string // Names[i] is the name numbered i
}

// ID returns name's number, giving it the next one if it has none.
func (x *Index) ID(name string) int32 {
	if id, ok := x.ids[name]; ok {
		return id
	}
	if x.ids == nil {
		x.ids = map[string]int32{}
	}
	id := int32(len(x.Names))
	x.ids[name] = id
	x.Names = append(x.Names, name)
	return id
}

// Len returns how many names are numbered.
func (x *Index) Len() int { return len(x.Names) }
