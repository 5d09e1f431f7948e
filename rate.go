package barter

import (
	"sort"
	"strings"
)

// Rate is a published exchange rate: one unit of Currency is worth Rate units of the unit
// of account, from Date until the next published rate.
type Rate struct {
	Date     Date
	Currency string
	Rate     Decimal
	Source   string
}

// Validate checks a rate's fields.
func (r *Rate) Validate() error {
	switch {
	case r.Date.IsZero():
		return Invalid("date", "is required")
	case !IsCurrency(r.Currency):
		return Invalid("currency", "%q is not an ISO 4217 currency code", r.Currency)
	case !r.Rate.IsPositive():
		return Invalid("rate", "must be positive")
	}
	return nil
}

// RateTable finds the rate in force for a currency on a day.
type RateTable struct {
	byCurrency map[string][]Rate // each sorted by date
}

// NewRateTable indexes rates.
func NewRateTable(rates []Rate) *RateTable {
	t := &RateTable{byCurrency: map[string][]Rate{}}
	for _, r := range rates {
		t.Add(r)
	}
	return t
}

// Add puts a rate into the table, replacing one of the same currency and day.
func (t *RateTable) Add(r Rate) {
	rs := t.byCurrency[r.Currency]
	i := sort.Search(len(rs), func(i int) bool { return !rs[i].Date.Before(r.Date) })
	if i < len(rs) && rs[i].Date == r.Date {
		rs[i] = r
		return
	}
	rs = append(rs, Rate{})
	copy(rs[i+1:], rs[i:])
	rs[i] = r
	t.byCurrency[r.Currency] = rs
}

// Lookup returns the latest rate of currency published on or before day.
func (t *RateTable) Lookup(currency string, day Date) (Rate, bool) {
	rs := t.byCurrency[currency]
	i := sort.Search(len(rs), func(i int) bool { return rs[i].Date.After(day) })
	if i == 0 {
		return Rate{}, false
	}
	return rs[i-1], true
}

// Currencies lists the currencies that have rates.
func (t *RateTable) Currencies() string {
	var cs []string
	for c := range t.byCurrency {
		cs = append(cs, c)
	}
	sort.Strings(cs)
	return strings.Join(cs, ", ")
}
