package barter

import (
	"context"
	"fmt"
	"iter"
)

// poster posts declarations inside one transaction, remembering what it has read so that
// a long import reads each authorization and the rate table once.
type poster struct {
	s     *Service
	tx    Tx
	rates *RateTable
	auths map[string]*authState
}

type authState struct {
	auth   *Authorization
	rb     Rulebook
	totals Totals
}

func (s *Service) newPoster(tx Tx) *poster {
	return &poster{s: s, tx: tx, auths: map[string]*authState{}}
}

// state returns the authorization's state, reading (and, in a write transaction,
// locking) it on first use; fresh is true then.
func (p *poster) state(ctx context.Context, number string) (st *authState, fresh bool, err error) {
	if st, ok := p.auths[number]; ok {
		return st, false, nil
	}
	a, err := p.s.authorization(ctx, p.tx, number)
	if err != nil {
		return nil, false, err
	}
	rb, err := p.s.Rulebooks.Lookup("authorization", a.Regime)
	if err != nil {
		return nil, false, err
	}
	t, err := p.tx.Totals(ctx, number)
	if err != nil {
		return nil, false, err
	}
	st = &authState{auth: a, rb: rb, totals: t}
	p.auths[number] = st
	return st, true, nil
}

func (p *poster) rate(ctx context.Context, currency string, day Date) (Rate, bool, error) {
	if p.rates == nil {
		rs, err := p.tx.Rates(ctx)
		if err != nil {
			return Rate{}, false, err
		}
		p.rates = NewRateTable(rs)
	}
	r, ok := p.rates.Lookup(currency, day)
	return r, ok, nil
}

// post checks d against its authorization and the rulebook, values it and books it.
// A declaration number already posted returns the first posting, unchanged.
func (p *poster) post(ctx context.Context, d *Declaration) (rowResult, error) {
	if d.Number == "" {
		return 0, Invalid("number", "is required")
	}
	if dup, err := p.duplicate(ctx, d); dup || err != nil {
		return rowDuplicate, err
	}
	if err := d.checkFields(); err != nil {
		return 0, err
	}
	if err := p.s.HS.CheckDeclaration(d.HSCode); err != nil {
		return 0, Invalid("hs_code", "%v", err)
	}
	st, fresh, err := p.state(ctx, d.Authorization)
	if err != nil {
		return 0, err
	}
	if fresh {
		// A concurrent poster may have posted the same number while this one waited for
		// the authorization's lock.
		if dup, err := p.duplicate(ctx, d); dup || err != nil {
			return rowDuplicate, err
		}
	}
	a, rb := st.auth, st.rb
	switch a.Status {
	case StatusApproved:
	case StatusCancelled:
		return 0, Invalid("authorization", "authorization %s was cancelled on %s: %s", a.Number, a.Cancelled, a.Reason)
	default:
		return 0, Invalid("authorization", "authorization %s is %s, not approved", a.Number, a.Status)
	}
	if d.Date.Before(a.Issued) || d.Date.After(a.Deadline) {
		return 0, Invalid("date", "%s is outside authorization %s's window %s to %s", d.Date, a.Number, a.Issued, a.Deadline)
	}
	if !a.CoversHS(d.Direction, d.HSCode) {
		return 0, Invalid("hs_code", "%s is not covered by any %s line of authorization %s", d.HSCode, d.Direction, a.Number)
	}
	if d.Currency == rb.Currency {
		d.Rate, d.RateDate = One, d.Date
	} else {
		r, ok, err := p.rate(ctx, d.Currency, d.Date)
		if err != nil {
			return 0, err
		}
		if !ok {
			return 0, Invalid("currency", "no %s rate is published on or before %s", d.Currency, d.Date)
		}
		d.Rate, d.RateDate = r.Rate, r.Date
	}
	d.Value = RoundHome(d.Assessed.Mul(d.Rate))
	after := st.totals.Add(d.Direction, d.Value)
	if d.Direction == Export && !rb.ExportAllowed(after.Imports, after.Exports) {
		return 0, Invalid("assessed_value", "export of %s %s would bring exports of authorization %s to %s, above imports of %s plus %s%% tolerance (rulebook %s: import followed by export)",
			FormatHome(d.Value), rb.Currency, a.Number, FormatHome(after.Exports), FormatHome(after.Imports), rb.Tolerance.Shift(2), rb.Regime)
	}
	e := valueEntry(EntryDeclaration, d.Number, a.Number, d.Direction, d.Date, d.Value)
	if err := p.tx.AppendEntry(ctx, &e); err != nil {
		return 0, fmt.Errorf("post GD %s: %w", d.Number, err)
	}
	d.Entry = e.ID
	if err := p.tx.CreateDeclaration(ctx, d); err != nil {
		return 0, fmt.Errorf("post GD %s: %w", d.Number, err)
	}
	st.totals = after
	return rowWritten, nil
}

// duplicate loads the declaration already posted under d's number into d.
func (p *poster) duplicate(ctx context.Context, d *Declaration) (bool, error) {
	old, err := p.tx.Declaration(ctx, d.Number)
	switch {
	case err == nil:
		*d = *old
		return true, nil
	case ErrorCode(err) == ENotFound:
		return false, nil
	}
	return false, err
}

// PostDeclaration checks a goods declaration, values it and posts it to the ledger. Posting
// a number already posted is a no-op that returns the first result with duplicate true.
// Errors: EInvalid.
func (s *Service) PostDeclaration(ctx context.Context, d *Declaration) (duplicate bool, err error) {
	err = s.Store.Update(ctx, func(tx Tx) error {
		res, err := s.newPoster(tx).post(ctx, d)
		duplicate = res == rowDuplicate
		return err
	})
	return duplicate, err
}

// ImportDeclarations posts goods declarations from a file, whole or not at all.
func (s *Service) ImportDeclarations(ctx context.Context, rows iter.Seq[Row[Declaration]], o ImportOptions) (ImportReport, error) {
	var p *poster
	return importRows(ctx, s, rows, o, func(ctx context.Context, tx Tx, _ int, d Declaration) (rowResult, error) {
		if p == nil || p.tx != tx {
			p = s.newPoster(tx)
		}
		return p.post(ctx, &d)
	})
}

// Reassess records a new assessed value of a posted declaration as of a day. The change in
// value, at the declaration's original rate, is booked as a new ledger entry. Errors:
// EInvalid, ENotFound.
func (s *Service) Reassess(ctx context.Context, number string, assessed Decimal, day Date) (*Reassessment, error) {
	if !assessed.IsPositive() {
		return nil, Invalid("assessed_value", "must be positive")
	}
	var r *Reassessment
	err := s.Store.Update(ctx, func(tx Tx) error {
		d, err := tx.Declaration(ctx, number)
		if err != nil {
			return err
		}
		p := s.newPoster(tx)
		st, _, err := p.state(ctx, d.Authorization)
		if err != nil {
			return err
		}
		if st.auth.Status != StatusApproved {
			return Invalid("authorization", "authorization %s is %s", st.auth.Number, st.auth.Status)
		}
		if day.Before(d.Date) {
			return Invalid("date", "%s is before the declaration's date %s", day, d.Date)
		}
		prev := d.Value
		earlier, err := tx.Reassessments(ctx, number)
		if err != nil {
			return err
		}
		if n := len(earlier); n > 0 {
			prev = earlier[n-1].Value
		}
		value := RoundHome(assessed.Mul(d.Rate))
		r = &Reassessment{Declaration: number, Date: day, Assessed: assessed, Value: value, Delta: value.Sub(prev)}
		after := st.totals.Add(d.Direction, r.Delta)
		if d.Direction == Export && r.Delta.IsPositive() && !st.rb.ExportAllowed(after.Imports, after.Exports) {
			return Invalid("assessed_value", "reassessed exports of %s would exceed imports of %s plus tolerance", FormatHome(after.Exports), FormatHome(after.Imports))
		}
		e := valueEntry(EntryReassessment, number, d.Authorization, d.Direction, day, r.Delta)
		if err := tx.AppendEntry(ctx, &e); err != nil {
			return err
		}
		r.Entry = e.ID
		return tx.CreateReassessment(ctx, r)
	})
	return r, err
}
