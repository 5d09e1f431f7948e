package barter

import "strings"

// PartyKind says what sort of legal person a party is.
type PartyKind string

// Party kinds.
const (
	PartyPrivate    PartyKind = "private"
	PartyStateOwned PartyKind = "state-owned"
	PartyIndividual PartyKind = "individual"
	PartyConsortium PartyKind = "consortium"
)

// Valid reports whether k is a known kind.
func (k PartyKind) Valid() bool {
	switch k {
	case PartyPrivate, PartyStateOwned, PartyIndividual, PartyConsortium:
		return true
	}
	return false
}

// Party is a trader of the home country or a foreign counterparty.
type Party struct {
	ID      string
	Name    string
	Country string    // ISO 3166-1 alpha-2
	TaxID   string    // NTN for home traders, registration number for foreign parties
	Kind    PartyKind // private, state-owned, individual or consortium

	// ActiveTaxpayer records the Active Taxpayers List status and the day it was checked.
	ActiveTaxpayer bool
	ATLChecked     Date
	Collectorate   string // the regulatory collectorate of a home trader
}

// Validate checks the fields every party must have. It returns EInvalid naming the field.
func (p *Party) Validate() error {
	switch {
	case strings.TrimSpace(p.ID) == "":
		return Invalid("id", "is required")
	case strings.TrimSpace(p.Name) == "":
		return Invalid("name", "is required")
	case !IsCountry(p.Country):
		return Invalid("country", "%q is not an ISO 3166-1 alpha-2 country code", p.Country)
	case strings.TrimSpace(p.TaxID) == "":
		return Invalid("tax_id", "is required")
	case !p.Kind.Valid():
		return Invalid("kind", "%q is not one of private, state-owned, individual, consortium", p.Kind)
	}
	return nil
}
