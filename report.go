package barter

import (
	"cmp"
	"context"
	"slices"
)

// Report is what the clearing house tells the regulator of a period (customs monitor the
// mechanism quarterly, and the revenue board reports to the ministry quarterly): the
// trade booked in it by partner country and by HS chapter, the authorizations issued and
// cancelled in it, and where every authorization stands at its end. Amounts are in the
// unit of account.
type Report struct {
	From, To Date
	// Partners is the trade booked in the period (reassessments included, on the day
	// they were booked) by the counterparty's country, by country.
	Partners []PartnerTrade
	// Chapters is the goods declarations posted in the period by HS chapter and
	// direction, valued as posted, by chapter.
	Chapters []ChapterTotal
	// Issued counts the authorizations issued in the period by rulebook.
	Issued map[string]int
	// Cancelled are the authorizations cancelled in the period, by number.
	Cancelled []Authorization
	// Standing counts the positions at the period's end by status, with what they
	// still owe each way.
	Standing map[PositionStatus]StatusTotal
	// Overdue are the positions overdue at the period's end, the largest imbalance
	// first: the cancellations the next reconciliation would make.
	Overdue []Position
}

// PartnerTrade is a partner country's trade in a period.
type PartnerTrade struct {
	Country          string
	Authorizations   int // with anything booked in the period
	Imports, Exports Decimal
}

// ChapterTotal is what was declared under one HS chapter in one direction.
type ChapterTotal struct {
	Chapter      string // the HS code's first two digits
	Direction    Direction
	Declarations int64
	Value        Decimal
}

// StatusTotal counts positions of one status and sums their imbalances each way apart,
// so that one authorization's surplus never hides another's shortfall.
type StatusTotal struct {
	Count int
	// ExportsDue sums the imbalances of those that imported more than they exported;
	// ImportsDue, of those that exported more.
	ExportsDue, ImportsDue Decimal
}

// Report reports on the period from one day to another, both included. Errors:
// EInvalid, EForbidden for traders.
func (s *Service) Report(ctx context.Context, from, to Date) (*Report, error) {
	if err := notTraders(ctx, "reports on every party"); err != nil {
		return nil, err
	}
	if from.IsZero() || to.IsZero() || to.Before(from) {
		return nil, Invalid("from", "the period %s to %s is empty: from must be on or before to", from, to)
	}
	r := &Report{From: from, To: to, Issued: map[string]int{}, Standing: map[PositionStatus]StatusTotal{}}
	err := s.Store.View(ctx, func(tx Tx) error {
		parties, err := tx.Parties(ctx)
		if err != nil {
			return err
		}
		country := make(map[string]string, len(parties))
		for _, p := range parties {
			country[p.ID] = p.Country
		}
		auths, err := tx.Authorizations(ctx, "")
		if err != nil {
			return err
		}
		before, err := tx.TotalsAsOf(ctx, from.AddDays(-1))
		if err != nil {
			return err
		}
		after, err := tx.TotalsAsOf(ctx, to)
		if err != nil {
			return err
		}
		partners := map[string]*PartnerTrade{}
		for i := range auths {
			a := &auths[i]
			if a.Number == "" {
				continue
			}
			if !a.Issued.IsZero() && !a.Issued.Before(from) && !a.Issued.After(to) {
				r.Issued[a.Regime]++
			}
			if a.Status == StatusCancelled && !a.Cancelled.Before(from) && !a.Cancelled.After(to) {
				r.Cancelled = append(r.Cancelled, *a)
			}
			t0, t1 := before[a.Number], after[a.Number]
			imports, exports := t1.Imports.Sub(t0.Imports), t1.Exports.Sub(t0.Exports)
			if imports.IsZero() && exports.IsZero() {
				continue
			}
			c := cmp.Or(country[a.Counterparty], "unknown")
			pt := partners[c]
			if pt == nil {
				pt = &PartnerTrade{Country: c}
				partners[c] = pt
			}
			pt.Authorizations++
			pt.Imports, pt.Exports = pt.Imports.Add(imports), pt.Exports.Add(exports)
		}
		for _, pt := range partners {
			r.Partners = append(r.Partners, *pt)
		}
		slices.SortFunc(r.Partners, func(a, b PartnerTrade) int { return cmp.Compare(a.Country, b.Country) })
		slices.SortFunc(r.Cancelled, func(a, b Authorization) int { return cmp.Compare(a.Number, b.Number) })
		if r.Chapters, err = tx.PostedByChapter(ctx, from, to); err != nil {
			return err
		}
		ps, err := s.positionsOf(auths, after, to)
		if err != nil {
			return err
		}
		for _, p := range ps {
			st := r.Standing[p.Status]
			st.Count++
			if p.Imbalance.IsNegative() {
				st.ExportsDue = st.ExportsDue.Sub(p.Imbalance)
			} else {
				st.ImportsDue = st.ImportsDue.Add(p.Imbalance)
			}
			r.Standing[p.Status] = st
			if p.Status == PositionOverdue {
				r.Overdue = append(r.Overdue, p)
			}
		}
		slices.SortStableFunc(r.Overdue, func(a, b Position) int { return a.Imbalance.Abs().Cmp(b.Imbalance.Abs()) * -1 })
		return nil
	})
	if err != nil {
		return nil, err
	}
	return r, nil
}
