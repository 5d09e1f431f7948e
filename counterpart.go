package barter

import (
	"cmp"
	"context"
	"slices"
	"strings"

	"github.com/shopspring/decimal"
)

// CounterpartRecord is one shipment as the partner country's customs recorded it, for
// comparing with the goods declarations posted here (as the chambers' barter cells
// shared customs data monthly): the authorization it was traded under, its direction as
// seen from the home country, its date, and its value in its currency.
type CounterpartRecord struct {
	Reference     string // the partner's own document number
	Authorization string
	Direction     Direction
	Date          Date
	Currency      string
	Value         Decimal
}

// CounterpartLine compares one authorization's trade in one direction, month and
// currency as declared here and as the partner recorded it.
type CounterpartLine struct {
	Authorization string
	Direction     Direction
	Month         string // YYYY-MM
	Currency      string
	Ours, Theirs  Decimal // declared values, in the currency
	OurCount      int     // declarations
	TheirCount    int     // records
	Status        CounterpartStatus
}

// CounterpartStatus says how the two sides of a CounterpartLine compare.
type CounterpartStatus string

// Outcomes of a comparison.
const (
	CounterpartAgrees     CounterpartStatus = "agrees"       // within the tolerance
	CounterpartDiffers    CounterpartStatus = "differs"      // both sides, beyond it
	CounterpartOursOnly   CounterpartStatus = "ours only"    // declared here, not recorded there
	CounterpartTheirsOnly CounterpartStatus = "theirs only"  // recorded there, not declared here
	CounterpartUnknown    CounterpartStatus = "unknown here" // recorded against no authorization of this clearing house
)

// maxComparedDays bounds the period of a comparison: a mistyped date in the partner's
// file would otherwise widen it to decades.
const maxComparedDays = 366

// CompareCounterpart compares the partner country's records of a period (a year at
// most) with the goods declarations posted here over the same days against
// authorizations whose counterparty is of that country, or that the records quote: by
// authorization (its letters' case aside), direction, month and currency, values as
// declared. Sides that differ by more than tolerance (a fraction of the larger, below
// 1) are flagged, as is trade recorded on one side only, and records quoting no
// authorization of this clearing house. It stores nothing. Errors: EInvalid,
// EForbidden for traders.
func (s *Service) CompareCounterpart(ctx context.Context, country string, from, to Date, records []CounterpartRecord, tolerance Decimal) ([]CounterpartLine, error) {
	if err := notTraders(ctx, "comparing a partner's records"); err != nil {
		return nil, err
	}
	switch {
	case !IsCountry(country):
		return nil, Invalid("country", "%q is not an ISO 3166-1 alpha-2 country code", country)
	case from.IsZero() || to.IsZero() || to.Before(from):
		return nil, Invalid("from", "the period %s to %s is empty: from must be on or before to", from, to)
	case from.DaysUntil(to) >= maxComparedDays:
		return nil, Invalid("from", "the period %s to %s is longer than a year: compare a year or less at a time (is a record's date mistyped?)", from, to)
	case tolerance.IsNegative() || !tolerance.LessThan(One):
		return nil, Invalid("tolerance", "%s is not a fraction from 0 to less than 1 (0.01 is 1 %%)", tolerance)
	}
	type key struct {
		auth      string
		direction Direction
		month     string
		currency  string
	}
	lines := map[key]*CounterpartLine{}
	line := func(auth string, d Direction, day Date, currency string) *CounterpartLine {
		k := key{auth, d, day.String()[:7], currency}
		l := lines[k]
		if l == nil {
			l = &CounterpartLine{Authorization: auth, Direction: d, Month: k.month, Currency: currency, Ours: Zero, Theirs: Zero}
			lines[k] = l
		}
		return l
	}
	for _, r := range records {
		if r.Date.Before(from) || r.Date.After(to) {
			return nil, Invalid("date", "record %s of %s is outside the period %s to %s", r.Reference, r.Date, from, to)
		}
	}
	unknown := map[string]bool{}
	err := s.Store.View(ctx, func(tx Tx) error {
		parties, err := tx.Parties(ctx)
		if err != nil {
			return err
		}
		inCountry := map[string]bool{}
		for _, p := range parties {
			if p.Country == country {
				inCountry[p.ID] = true
			}
		}
		auths, err := tx.Authorizations(ctx, "")
		if err != nil {
			return err
		}
		// Ours: every authorization with a counterparty of the country, and any other
		// the partner's records quote (its counterparty registered elsewhere, say),
		// matched whatever the case of its letters.
		compared, number := map[string]bool{}, map[string]string{}
		for _, a := range auths {
			if a.Number != "" {
				number[strings.ToUpper(a.Number)] = a.Number
				if inCountry[a.Counterparty] {
					compared[a.Number] = true
				}
			}
		}
		for _, r := range records {
			auth, ok := number[strings.ToUpper(r.Authorization)]
			if !ok {
				auth = r.Authorization
				unknown[auth] = true
			}
			compared[auth] = true
			l := line(auth, r.Direction, r.Date, r.Currency)
			l.Theirs, l.TheirCount = l.Theirs.Add(r.Value), l.TheirCount+1
		}
		return tx.EachDeclarationBetween(ctx, from, to, func(d *Declaration) error {
			if compared[d.Authorization] {
				l := line(d.Authorization, d.Direction, d.Date, d.Currency)
				l.Ours, l.OurCount = l.Ours.Add(d.Declared), l.OurCount+1
			}
			return nil
		})
	})
	if err != nil {
		return nil, err
	}
	out := make([]CounterpartLine, 0, len(lines))
	for _, l := range lines {
		switch {
		case unknown[l.Authorization]:
			l.Status = CounterpartUnknown
		case l.TheirCount == 0:
			l.Status = CounterpartOursOnly
		case l.OurCount == 0:
			l.Status = CounterpartTheirsOnly
		case l.Ours.Sub(l.Theirs).Abs().LessThanOrEqual(tolerance.Mul(decimal.Max(l.Ours, l.Theirs))):
			l.Status = CounterpartAgrees
		default:
			l.Status = CounterpartDiffers
		}
		out = append(out, *l)
	}
	slices.SortFunc(out, func(a, b CounterpartLine) int {
		return cmp.Or(cmp.Compare(a.Authorization, b.Authorization), cmp.Compare(a.Month, b.Month),
			cmp.Compare(a.Direction, b.Direction), cmp.Compare(a.Currency, b.Currency))
	})
	return out, nil
}
