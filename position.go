package barter

// PositionStatus summarises where an authorization stands against its deadline.
type PositionStatus string

// Position statuses.
const (
	PositionBalanced  PositionStatus = "balanced"
	PositionOpen      PositionStatus = "open"
	PositionOverdue   PositionStatus = "overdue"
	PositionCancelled PositionStatus = "cancelled"
)

// Position is an authorization's net-off standing as of a day.
type Position struct {
	Authorization string         `json:"authorization"`
	Party         string         `json:"party"`
	Counterparty  string         `json:"counterparty"`
	Regime        string         `json:"regime"`
	Issued        Date           `json:"issued"`
	Imports       Decimal        `json:"imports"`
	Exports       Decimal        `json:"exports"`
	Imbalance     Decimal        `json:"imbalance"` // exports minus imports
	Deadline      Date           `json:"deadline"`
	DaysLeft      int            `json:"days_left"`
	Status        PositionStatus `json:"status"`
	// ExportsDue and ImportsDue are what more would balance it, while it is open or
	// overdue (Rulebook.ToBalance): at most one is not zero.
	ExportsDue Decimal `json:"exports_due"`
	ImportsDue Decimal `json:"imports_due"`
}

// NewPosition computes the position of a as of a day from its totals up to that day.
func NewPosition(a *Authorization, rb Rulebook, t Totals, asOf Date) Position {
	p := Position{
		Authorization: a.Number, Party: a.Party, Counterparty: a.Counterparty, Regime: a.Regime,
		Issued: a.Issued, Imports: t.Imports, Exports: t.Exports, Imbalance: t.Exports.Sub(t.Imports),
		Deadline: a.Deadline, DaysLeft: asOf.DaysUntil(a.Deadline),
	}
	switch {
	case a.Status == StatusCancelled && !a.Cancelled.After(asOf):
		p.Status = PositionCancelled
	case rb.Balanced(t.Imports, t.Exports):
		p.Status = PositionBalanced
	case !asOf.After(a.Deadline):
		p.Status = PositionOpen
	default:
		p.Status = PositionOverdue
	}
	if p.Status == PositionOpen || p.Status == PositionOverdue {
		p.ExportsDue, p.ImportsDue = rb.ToBalance(t.Imports, t.Exports)
	}
	return p
}
