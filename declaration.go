package barter

import "strings"

// Declaration is a goods declaration (GD) filed against an authorization. Its value in the
// unit of account is the assessed value times the rate in force on its date, rounded
// half to even to 2 decimals.
type Declaration struct {
	Number        string
	Authorization string
	Direction     Direction
	Date          Date
	HSCode        string
	Quantity      Decimal
	Unit          string
	Currency      string
	Declared      Decimal
	Assessed      Decimal // defaults to Declared
	Rate          Decimal // rate applied; 1 for the unit of account itself
	RateDate      Date    // the day the applied rate was published
	Value         Decimal // assessed value in the unit of account
	Entry         int64   // the ledger entry that posted it
}

// checkFields validates what a declaration says of itself, before it meets its
// authorization.
func (d *Declaration) checkFields() error {
	switch {
	case strings.TrimSpace(d.Number) == "":
		return Invalid("number", "is required")
	case strings.TrimSpace(d.Authorization) == "":
		return Invalid("authorization", "is required")
	case d.Direction != Import && d.Direction != Export:
		return Invalid("direction", "%q is not import or export", d.Direction)
	case d.Date.IsZero():
		return Invalid("date", "is required")
	case !d.Quantity.IsPositive():
		return Invalid("quantity", "must be positive")
	case strings.TrimSpace(d.Unit) == "":
		return Invalid("unit", "is required")
	case !IsCurrency(d.Currency):
		return Invalid("currency", "%q is not an ISO 4217 currency code", d.Currency)
	case !d.Declared.IsPositive():
		return Invalid("declared_value", "must be positive")
	}
	if d.Assessed.IsZero() {
		d.Assessed = d.Declared
	}
	if !d.Assessed.IsPositive() {
		return Invalid("assessed_value", "must be positive")
	}
	return nil
}

// Reassessment changes the assessed value of a posted declaration. It is booked as a new
// ledger entry for the difference; the declaration itself is never edited.
type Reassessment struct {
	Declaration string
	Date        Date
	Assessed    Decimal // the new assessed value, in the declaration's currency
	Value       Decimal // the new value in the unit of account, at the declaration's rate
	Delta       Decimal // Value minus the value before
	Entry       int64
}
