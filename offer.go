package barter

import (
	"fmt"
	"strings"
)

// Offer is what a party gives and what it wants in return, for matching. Values are in
// the unit of account, in hundredths.
type Offer struct {
	ID      string
	Party   string
	Country string // ISO 3166-1 alpha-2 of the party
	Regime  string // the rulebook the party trades under

	Gives              string   // HS code of the goods offered
	Origin             string   // ISO 3166-1 alpha-2 country the goods come from, if stated
	Ports              []string // ports or border crossings the goods can leave by, if stated
	Quantity           Decimal
	Unit               string
	ValueMin, ValueMax int64
	From, To           Date // delivery window

	Wants            []string // HS codes or chapters wanted in return
	WantMin, WantMax int64    // value wanted in return
	WantFrom, WantTo Date
	ValidUntil       Date
	Blocked          bool // screening found the party on a sanctions list
	Status           OfferStatus
}

// Validate checks an offer's own fields.
func (o *Offer) Validate() error {
	switch {
	case strings.TrimSpace(o.ID) == "":
		return Invalid("id", "is required")
	case strings.TrimSpace(o.Party) == "":
		return Invalid("party", "is required")
	case !IsCountry(o.Country):
		return Invalid("country", "%q is not an ISO 3166-1 alpha-2 country code", o.Country)
	case o.Gives == "":
		return Invalid("gives", "is required")
	case o.Origin != "" && !IsCountry(o.Origin):
		return Invalid("origin", "%q is not an ISO 3166-1 alpha-2 country code", o.Origin)
	case len(o.Wants) == 0:
		return Invalid("wants", "is required")
	case o.ValueMin <= 0 || o.ValueMax < o.ValueMin:
		return Invalid("value_max", "the value range %s to %s is empty", FormatMinor(o.ValueMin, 2), FormatMinor(o.ValueMax, 2))
	case o.WantMin <= 0 || o.WantMax < o.WantMin:
		return Invalid("want_max", "the wanted value range %s to %s is empty", FormatMinor(o.WantMin, 2), FormatMinor(o.WantMax, 2))
	case o.To.Before(o.From):
		return Invalid("delivery_to", "the delivery window ends before it starts")
	case o.WantTo.Before(o.WantFrom):
		return Invalid("want_to", "the wanted window ends before it starts")
	}
	return nil
}

// CanGive reports whether offer a can give to offer b in an exchange cycle, and why not
// when it cannot: b wants what a gives (a wanted chapter or heading matches every code
// in it), a's value fits what b wants within the rulebook's tolerance, a's delivery
// window overlaps b's wanted window, the country pair may trade (a leg across a border
// must join the home country and one of the rulebook's partners), neither is blocked by
// screening, and both are valid on the day.
func (rbs Rulebooks) CanGive(a, b *Offer, day Date) (bool, []string) {
	var why []string
	if a.Party == b.Party {
		why = append(why, "the same party is on both sides")
	}
	wanted := false
	for _, w := range b.Wants {
		if strings.HasPrefix(a.Gives, w) {
			wanted = true
			break
		}
	}
	if !wanted {
		why = append(why, fmt.Sprintf("%s wants %s, not %s", b.ID, strings.Join(b.Wants, " or "), a.Gives))
	}
	rb, ok := rbs[b.Regime]
	if !ok {
		rb, ok = rbs[a.Regime]
	}
	tol := Zero
	if ok {
		tol = rb.Tolerance
	}
	// Widen b's wanted range by the tolerance and see whether a's range meets it.
	lo := FromMinorUnits(b.WantMin).Mul(One.Sub(tol))
	hi := FromMinorUnits(b.WantMax).Mul(One.Add(tol))
	if FromMinorUnits(a.ValueMax).LessThan(lo) || FromMinorUnits(a.ValueMin).GreaterThan(hi) {
		why = append(why, fmt.Sprintf("%s is worth %s to %s; %s wants %s to %s (with %s%% tolerance)", a.ID,
			FormatMinor(a.ValueMin, 2), FormatMinor(a.ValueMax, 2), b.ID, FormatMinor(b.WantMin, 2), FormatMinor(b.WantMax, 2), tol.Shift(2)))
	}
	if a.To.Before(b.WantFrom) || b.WantTo.Before(a.From) {
		why = append(why, fmt.Sprintf("%s delivers %s to %s; %s wants it %s to %s", a.ID, a.From, a.To, b.ID, b.WantFrom, b.WantTo))
	}
	if a.Country != b.Country && !rbs.mayTrade(a, b) {
		why = append(why, fmt.Sprintf("no rulebook lets %s trade with %s", a.Country, b.Country))
	}
	if a.Blocked || b.Blocked {
		why = append(why, "a party is blocked by sanctions screening")
	}
	for _, o := range []*Offer{a, b} {
		if !o.ValidUntil.IsZero() && o.ValidUntil.Before(day) {
			why = append(why, fmt.Sprintf("%s expired on %s", o.ID, o.ValidUntil))
		}
	}
	return len(why) == 0, why
}

// mayTrade reports whether a cross-border leg between the offers' countries is allowed
// under either party's rulebook.
func (rbs Rulebooks) mayTrade(a, b *Offer) bool {
	for _, regime := range []string{a.Regime, b.Regime} {
		rb, ok := rbs[regime]
		if !ok {
			continue
		}
		if (a.Country == rb.Home && rb.IsPartner(b.Country)) || (b.Country == rb.Home && rb.IsPartner(a.Country)) {
			return true
		}
	}
	return false
}

// SplitList splits a list written with ";" between its items, dropping spaces and empty
// items: "Karachi; Torkham" is Karachi and Torkham, "" is nothing.
func SplitList(s string) []string {
	var out []string
	for _, item := range strings.Split(s, ";") {
		if item = strings.TrimSpace(item); item != "" {
			out = append(out, item)
		}
	}
	return out
}
