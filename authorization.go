package barter

import (
	"fmt"
	"strings"
)

// Status is where an authorization stands in its life.
type Status string

// Authorization statuses. An application is applied; customs approves or rejects it; an
// approved authorization is cancelled when it misses its net-off deadline.
const (
	StatusApplied   Status = "applied"
	StatusApproved  Status = "approved"
	StatusRejected  Status = "rejected"
	StatusCancelled Status = "cancelled"
)

// CanMoveTo reports whether the state machine allows a move from s to t.
func (s Status) CanMoveTo(t Status) bool {
	switch s {
	case StatusApplied:
		return t == StatusApproved || t == StatusRejected
	case StatusApproved:
		return t == StatusCancelled
	}
	return false
}

// Direction is the way goods cross the border, seen from the home country.
type Direction string

// Directions.
const (
	Import Direction = "import"
	Export Direction = "export"
)

// ParseDirection parses "import" or "export".
func ParseDirection(field, s string) (Direction, error) {
	switch d := Direction(s); d {
	case Import, Export:
		return d, nil
	}
	return "", Invalid(field, "%q is not import or export", s)
}

// Line is one planned import or export of an authorization.
type Line struct {
	Direction   Direction
	HSCode      string // a chapter, heading or subheading, or a longer national code
	Description string
	Quantity    Decimal
	Unit        string
	Value       Decimal
	Currency    string
}

// Authorization is a barter permit: a home trader may import from and export to one
// foreign counterparty, under one rulebook, and must net off by the deadline.
type Authorization struct {
	ID           int64  // internal key; applications have no number until approved
	Number       string // the approval number, linked to the trader's NTN
	Party        string // the home trader
	Counterparty string // the foreign party
	Regime       string // rulebook version
	Status       Status
	Applied      Date
	Issued       Date
	Deadline     Date
	ValidUntil   Date   // contract validity
	Reason       string // why it was rejected or cancelled
	Cancelled    Date   // the as-of day of the reconciliation that cancelled it
	Lines        []Line
}

// Move changes the status, or fails with EConflict when the state machine forbids it.
func (a *Authorization) Move(to Status, reason string) error {
	if !a.Status.CanMoveTo(to) {
		return Errorf(EConflict, "authorization %s is %s; it cannot become %s", a.label(), a.Status, to)
	}
	a.Status, a.Reason = to, reason
	return nil
}

func (a *Authorization) label() string {
	if a.Number != "" {
		return a.Number
	}
	return fmt.Sprintf("application %d", a.ID)
}

// CoversHS reports whether one of the lines of direction d covers code: the line's code
// is a prefix of it.
func (a *Authorization) CoversHS(d Direction, code string) bool {
	for _, l := range a.Lines {
		if l.Direction == d && strings.HasPrefix(code, l.HSCode) {
			return true
		}
	}
	return false
}

// NormalizeHS removes the dots and spaces that people write inside HS codes ("1006.30").
func NormalizeHS(code string) string {
	if !strings.ContainsAny(code, ". ") {
		return code
	}
	return strings.NewReplacer(".", "", " ", "").Replace(code)
}
