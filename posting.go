package barter

import (
	"context"
	"fmt"
	"iter"
	"slices"
	"sort"
)

// declarationBatch is how many declarations an import checks and writes together: one
// query finds those already posted, one loads their authorizations, and one statement
// per table writes them, instead of a round trip per row.
const declarationBatch = 256

// maxCachedAuthorizations bounds the memory a long import spends remembering
// authorizations; past it the cache starts afresh (the store still holds everything).
const maxCachedAuthorizations = 100_000

// poster posts declarations inside one transaction, remembering what it has read so that
// a long import reads each authorization and the rate table once.
type poster struct {
	s         *Service
	tx        Tx
	rates     *RateTable
	auths     map[string]*authState
	rulebooks map[string]*Rulebook
}

// authState is what posting needs to know of an authorization. Its lines keep only their
// direction and HS code: a long import remembers many authorizations. Its flows are what
// was booked to it day by day, so that the import-first rule can be checked at the
// dates that matter, whatever the order declarations are posted in.
type authState struct {
	auth  *Authorization
	rb    *Rulebook
	flows []Flow // sorted by day
}

// add books value (hundredths) on a day.
func (st *authState) add(day Date, d Direction, value int64) {
	i := sort.Search(len(st.flows), func(i int) bool { return !st.flows[i].Day.Before(day) })
	if i == len(st.flows) || st.flows[i].Day != day {
		st.flows = slices.Insert(st.flows, i, Flow{Day: day})
	}
	if d == Import {
		st.flows[i].Imports += value
	} else {
		st.flows[i].Exports += value
	}
}

// sequenceError checks the rulebook's sequencing as if value were booked on day in
// direction d: on every day from then on on which exports stand, cumulative exports may
// not exceed what cumulative imports allow. It returns the first day that breaks.
func (st *authState) sequenceError(day Date, d Direction, value int64) (bad Date, imports, exports int64, ok bool) {
	if !st.rb.ImportFirst {
		return Date{}, 0, 0, true
	}
	trial := authState{flows: slices.Clone(st.flows)}
	trial.add(day, d, value)
	for _, f := range trial.flows {
		imports += f.Imports
		exports += f.Exports
		if !f.Day.Before(day) && exports > 0 && !st.rb.ExportAllowed(FromMinorUnits(imports), FromMinorUnits(exports)) {
			return f.Day, imports, exports, false
		}
	}
	return Date{}, 0, 0, true
}

func (s *Service) newPoster(tx Tx) *poster {
	return &poster{s: s, tx: tx, auths: map[string]*authState{}, rulebooks: map[string]*Rulebook{}}
}

// load reads the authorizations named that are not yet remembered, with their lines and
// totals. In a write transaction the store holds them until commit, so that concurrent
// postings to the same authorization queue instead of losing updates.
func (p *poster) load(ctx context.Context, numbers []string) error {
	missing := p.missing(numbers)
	if len(missing) == 0 {
		return nil
	}
	if len(p.auths)+len(missing) > maxCachedAuthorizations {
		clear(p.auths)
		missing = p.missing(numbers)
	}
	as, err := p.tx.AuthorizationsByNumber(ctx, missing)
	if err != nil {
		return err
	}
	fs, err := p.tx.FlowsOf(ctx, missing)
	if err != nil {
		return err
	}
	for n, a := range as {
		rb := p.rulebooks[a.Regime]
		if rb == nil {
			r, ok := p.s.Rulebooks[a.Regime]
			if !ok {
				return fmt.Errorf("authorization %s has unknown regime %q", n, a.Regime)
			}
			rb = &r
			p.rulebooks[a.Regime] = rb
		}
		lines := make([]Line, len(a.Lines))
		for i, l := range a.Lines {
			lines[i] = Line{Direction: l.Direction, HSCode: l.HSCode}
		}
		p.auths[n] = &authState{auth: &Authorization{Number: a.Number, Status: a.Status, Issued: a.Issued,
			Deadline: a.Deadline, Cancelled: a.Cancelled, Reason: a.Reason, Regime: a.Regime, Lines: lines}, rb: rb, flows: fs[n]}
	}
	return nil
}

// missing returns the distinct numbers not remembered.
func (p *poster) missing(numbers []string) []string {
	var missing []string
	seen := map[string]bool{}
	for _, n := range numbers {
		if _, ok := p.auths[n]; !ok && !seen[n] && n != "" {
			seen[n] = true
			missing = append(missing, n)
		}
	}
	return missing
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

// check validates d against its (loaded) authorization and the rulebook and values it.
// It writes nothing; it returns the value in hundredths.
func (p *poster) check(ctx context.Context, d *Declaration) (*authState, int64, error) {
	if err := d.checkFields(); err != nil {
		return nil, 0, err
	}
	if err := p.s.HS.CheckDeclaration(d.HSCode); err != nil {
		return nil, 0, Invalid("hs_code", "%v", err)
	}
	st, ok := p.auths[d.Authorization]
	if !ok {
		return nil, 0, Invalid("authorization", "no authorization %q exists", d.Authorization)
	}
	a, rb := st.auth, st.rb
	switch a.Status {
	case StatusApproved:
	case StatusCancelled:
		return nil, 0, Invalid("authorization", "authorization %s was cancelled on %s: %s", a.Number, a.Cancelled, a.Reason)
	default:
		return nil, 0, Invalid("authorization", "authorization %s is %s, not approved", a.Number, a.Status)
	}
	if d.Date.Before(a.Issued) || d.Date.After(a.Deadline) {
		return nil, 0, Invalid("date", "%s is outside authorization %s's window %s to %s", d.Date, a.Number, a.Issued, a.Deadline)
	}
	if !a.CoversHS(d.Direction, d.HSCode) {
		return nil, 0, Invalid("hs_code", "%s is not covered by any %s line of authorization %s", d.HSCode, d.Direction, a.Number)
	}
	if d.Currency == rb.Currency {
		d.Rate, d.RateDate = One, d.Date
	} else {
		r, ok, err := p.rate(ctx, d.Currency, d.Date)
		if err != nil {
			return nil, 0, err
		}
		if !ok {
			return nil, 0, Invalid("currency", "no %s rate is published on or before %s", d.Currency, d.Date)
		}
		d.Rate, d.RateDate = r.Rate, r.Date
	}
	d.Value = RoundHome(d.Assessed.Mul(d.Rate))
	value, err := MinorUnits(d.Value)
	if err != nil {
		return nil, 0, Invalid("assessed_value", "%v", err)
	}
	if imp, exp := st.totals(); imp > maxBooked-value || exp > maxBooked-value {
		return nil, 0, Invalid("assessed_value", "%s %s would take authorization %s's totals past what the ledger holds", FormatHome(d.Value), rb.Currency, a.Number)
	}
	if d.Direction == Export {
		if day, imp, exp, ok := st.sequenceError(d.Date, Export, value); !ok {
			return nil, 0, Invalid("assessed_value", "export of %s %s would bring exports of authorization %s to %s by %s, above imports of %s by then plus %s%% tolerance (rulebook %s: import followed by export)",
				FormatHome(d.Value), rb.Currency, a.Number, FormatHome(FromMinorUnits(exp)), day, FormatHome(FromMinorUnits(imp)), rb.Tolerance.Shift(2), rb.Regime)
		}
	}
	return st, value, nil
}

// maxBooked bounds an authorization's cumulative legs, in hundredths, so that sums of
// them never overflow 64 bits.
const maxBooked = 1 << 60

// totals returns the cumulative imports and exports in hundredths.
func (st *authState) totals() (imports, exports int64) {
	for _, f := range st.flows {
		imports += f.Imports
		exports += f.Exports
	}
	return imports, exports
}

// postBatch checks and posts a batch of rows; each row's outcome goes into out. A
// declaration number already posted, or earlier in the batch, is a duplicate: a no-op.
// Only faults of the system are returned as the error.
func (p *poster) postBatch(ctx context.Context, rows []Row[Declaration], out []outcome) error {
	numbers := make([]string, 0, len(rows))
	auths := make([]string, 0, len(rows))
	for _, r := range rows {
		if r.Err == nil {
			numbers = append(numbers, r.Value.Number)
			auths = append(auths, r.Value.Authorization)
		}
	}
	// Authorizations first: in a store that locks rows, a concurrent poster of the same
	// number has committed by the time the lock is granted, so the check below sees it.
	if err := p.load(ctx, auths); err != nil {
		return err
	}
	posted, err := p.tx.DeclarationsExist(ctx, numbers)
	if err != nil {
		return err
	}
	var decls []*Declaration
	var entries []*Entry
	for i := range rows {
		d := &rows[i].Value
		switch {
		case rows[i].Err != nil:
			out[i] = outcome{err: rows[i].Err}
			continue
		case d.Number == "":
			out[i] = outcome{err: Invalid("number", "is required")}
			continue
		case posted[d.Number]:
			out[i] = outcome{res: rowDuplicate}
			continue
		}
		st, value, err := p.check(ctx, d)
		if err != nil {
			out[i] = outcome{err: err}
			continue
		}
		st.add(d.Date, d.Direction, value)
		posted[d.Number] = true
		e := valueEntry(EntryDeclaration, d.Number, st.auth.Number, d.Direction, d.Date, d.Value)
		decls, entries = append(decls, d), append(entries, &e)
		out[i] = outcome{res: rowWritten}
	}
	if len(decls) == 0 {
		return nil
	}
	if err := p.tx.AppendDeclarations(ctx, decls, entries); err != nil {
		return fmt.Errorf("post declarations: %w", err)
	}
	return nil
}

// PostDeclaration checks a goods declaration, values it and posts it to the ledger. Posting
// a number already posted is a no-op that returns the first result with duplicate true.
// Errors: EInvalid.
func (s *Service) PostDeclaration(ctx context.Context, d *Declaration) (duplicate bool, err error) {
	in := *d
	duplicate, err = s.postDeclaration(ctx, d)
	if ErrorCode(err) == EConflict {
		// The same number was posted concurrently against another authorization and
		// committed first; posting again finds it and returns it.
		*d = in
		duplicate, err = s.postDeclaration(ctx, d)
	}
	return duplicate, err
}

func (s *Service) postDeclaration(ctx context.Context, d *Declaration) (duplicate bool, err error) {
	err = s.update(ctx, func(tx Tx) error {
		rows, out := []Row[Declaration]{{Value: *d}}, make([]outcome, 1)
		if err := s.newPoster(tx).postBatch(ctx, rows, out); err != nil {
			return err
		}
		if out[0].err != nil {
			return out[0].err
		}
		if out[0].res == rowDuplicate {
			duplicate = true
			first, err := tx.Declaration(ctx, d.Number)
			if err != nil {
				return err
			}
			*d = *first
			return nil
		}
		*d = rows[0].Value
		return nil
	})
	return duplicate, err
}

// ImportDeclarations posts goods declarations from a file, whole or not at all.
func (s *Service) ImportDeclarations(ctx context.Context, rows iter.Seq[Row[Declaration]], o ImportOptions) (ImportReport, error) {
	var p *poster
	return importBatches(ctx, s, rows, o, declarationBatch, func(ctx context.Context, tx Tx, batch []Row[Declaration], out []outcome) error {
		if p == nil || p.tx != tx {
			p = s.newPoster(tx)
		}
		return p.postBatch(ctx, batch, out)
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
	err := s.update(ctx, func(tx Tx) error {
		d, err := tx.Declaration(ctx, number)
		if err != nil {
			return err
		}
		p := s.newPoster(tx)
		if err := p.load(ctx, []string{d.Authorization}); err != nil {
			return err
		}
		st := p.auths[d.Authorization]
		if st == nil {
			return fmt.Errorf("declaration %s: authorization %s is missing", number, d.Authorization)
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
		delta, err := MinorUnits(r.Delta)
		if err != nil {
			return Invalid("assessed_value", "%v", err)
		}
		// Less imported or more exported can break the import-first rule from this day on.
		if (d.Direction == Import && delta < 0) || (d.Direction == Export && delta > 0) {
			if bad, imp, exp, ok := st.sequenceError(day, d.Direction, delta); !ok {
				return Invalid("assessed_value", "the reassessment would leave exports of %s above imports of %s plus tolerance on %s (rulebook %s: import followed by export)",
					FormatHome(FromMinorUnits(exp)), FormatHome(FromMinorUnits(imp)), bad, st.rb.Regime)
			}
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
