package barter

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Application is a trader's request for a barter authorization.
type Application struct {
	Party        string
	Counterparty string
	Regime       string
	ValidUntil   Date // the end of the contract's validity
	Lines        []Line
}

// Apply files an application. It returns the authorization in status applied, with an ID
// but no number yet. Errors: EInvalid.
func (s *Service) Apply(ctx context.Context, app *Application) (*Authorization, error) {
	if err := require(ctx, "applying", RoleTrader); err != nil {
		return nil, err
	}
	if err := UserFrom(ctx).ActFor(app.Party); err != nil {
		return nil, err
	}
	var a *Authorization
	err := s.update(ctx, func(tx Tx) error {
		var err error
		a, err = s.apply(ctx, tx, app, s.today())
		return err
	})
	if err != nil {
		return nil, err
	}
	return a, nil
}

// apply files an application on a day within a transaction.
func (s *Service) apply(ctx context.Context, tx Tx, app *Application, day Date) (*Authorization, error) {
	a := &Authorization{Party: app.Party, Counterparty: app.Counterparty, Regime: app.Regime,
		Status: StatusApplied, Applied: day, ValidUntil: app.ValidUntil, Lines: app.Lines}
	dirs := map[Direction]bool{}
	for i := range a.Lines {
		if err := s.checkLine(&a.Lines[i]); err != nil {
			e := err.(*Error)
			return nil, Invalid(fmt.Sprintf("lines[%d].%s", i, e.Field), "%s", e.Message)
		}
		dirs[a.Lines[i].Direction] = true
	}
	if !dirs[Import] || !dirs[Export] {
		return nil, Invalid("lines", "an application needs at least one import and one export line")
	}
	if !a.ValidUntil.IsZero() && a.ValidUntil.Before(a.Applied) {
		return nil, Invalid("valid_until", "the contract expired on %s", a.ValidUntil)
	}
	if _, err := s.checkParties(ctx, tx, a); err != nil {
		return nil, err
	}
	if err := tx.CreateAuthorization(ctx, a); err != nil {
		return nil, err
	}
	return a, nil
}

// Approve issues an applied authorization on a day: it gets a number linked to the
// trader's NTN and a net-off deadline from its rulebook. Errors: ENotFound, EConflict.
func (s *Service) Approve(ctx context.Context, id int64, day Date) (*Authorization, error) {
	if err := require(ctx, "approving", RoleCustoms); err != nil {
		return nil, err
	}
	var a *Authorization
	err := s.update(ctx, func(tx Tx) error {
		var err error
		if a, err = tx.AuthorizationByID(ctx, id); err != nil {
			return err
		}
		if err := a.Move(StatusApproved, ""); err != nil {
			return err
		}
		rb, err := s.checkParties(ctx, tx, a)
		if err != nil {
			return err
		}
		if err := checkScreening(ctx, tx, a.Party, a.Counterparty); err != nil {
			return err
		}
		if err := checkUndertaking(ctx, tx, rb, a, day); err != nil {
			return err
		}
		trader, err := tx.Party(ctx, a.Party)
		if err != nil {
			return err
		}
		// Numbers carried over from the old system may already use the next serial.
		for a.Number == "" {
			n, err := tx.NextSerial(ctx, "authorization:"+trader.TaxID)
			if err != nil {
				return err
			}
			number := fmt.Sprintf("BT-%s-%04d", trader.TaxID, n)
			switch _, err := tx.Authorization(ctx, number); {
			case ErrorCode(err) == ENotFound:
				a.Number = number
			case err != nil:
				return err
			}
		}
		a.Issued, a.Deadline = day, rb.Deadline(day)
		return tx.UpdateAuthorization(ctx, a)
	})
	return a, err
}

// Reject turns down an applied authorization with a reason. Errors: EInvalid, ENotFound,
// EConflict.
func (s *Service) Reject(ctx context.Context, id int64, reason string) (*Authorization, error) {
	if err := require(ctx, "rejecting", RoleCustoms); err != nil {
		return nil, err
	}
	if strings.TrimSpace(reason) == "" {
		return nil, Invalid("reason", "is required")
	}
	var a *Authorization
	err := s.update(ctx, func(tx Tx) error {
		var err error
		if a, err = tx.AuthorizationByID(ctx, id); err != nil {
			return err
		}
		if err := a.Move(StatusRejected, reason); err != nil {
			return err
		}
		return tx.UpdateAuthorization(ctx, a)
	})
	return a, err
}

// Positions returns every issued authorization's position as of a day, by number.
// A trader sees those of its own party and its consortiums.
func (s *Service) Positions(ctx context.Context, asOf Date) ([]Position, error) {
	ps, err := s.allPositions(ctx, asOf)
	if err != nil || sees(ctx) {
		return ps, err
	}
	return slices.DeleteFunc(ps, func(p Position) bool { return !sees(ctx, p.Party, p.Counterparty) }), nil
}

// allPositions returns every issued authorization's position as of a day.
func (s *Service) allPositions(ctx context.Context, asOf Date) ([]Position, error) {
	var ps []Position
	err := s.Store.View(ctx, func(tx Tx) error {
		var err error
		ps, err = s.positions(ctx, tx, asOf, true)
		return err
	})
	return ps, err
}

// positions computes the positions as of a day in tx; view says that tx is a read-only
// view, whose totals may come from and go to the cache.
func (s *Service) positions(ctx context.Context, tx Tx, asOf Date, view bool) ([]Position, error) {
	auths, err := tx.Authorizations(ctx, "")
	if err != nil {
		return nil, err
	}
	var totals map[string]Totals
	if view {
		totals, err = s.cachedTotalsAsOf(ctx, tx, asOf)
	} else {
		totals, err = tx.TotalsAsOf(ctx, asOf)
	}
	if err != nil {
		return nil, err
	}
	return s.positionsOf(auths, totals, asOf)
}

// positionsOf returns the positions as of a day of the issued authorizations among
// auths, given their totals as of that day.
func (s *Service) positionsOf(auths []Authorization, totals map[string]Totals, asOf Date) ([]Position, error) {
	ps := make([]Position, 0, len(auths))
	for i := range auths {
		a := &auths[i]
		if a.Status != StatusApproved && a.Status != StatusCancelled {
			continue
		}
		if a.Issued.After(asOf) {
			continue
		}
		rb, err := s.Rulebooks.Lookup("regime", a.Regime)
		if err != nil {
			return nil, fmt.Errorf("authorization %s: %w", a.Number, err)
		}
		ps = append(ps, NewPosition(a, rb, totals[a.Number], asOf))
	}
	sortPositions(ps)
	return ps, nil
}

// Reconcile cancels every authorization overdue as of a day, recording why, and returns
// the run. Declarations against a cancelled authorization are rejected from then on.
func (s *Service) Reconcile(ctx context.Context, asOf Date) (*Reconciliation, error) {
	if err := require(ctx, "reconciling", RoleCustoms); err != nil {
		return nil, err
	}
	run := &Reconciliation{AsOf: asOf}
	err := s.update(ctx, func(tx Tx) error {
		ps, err := s.positions(ctx, tx, asOf, false)
		if err != nil {
			return err
		}
		for _, p := range ps {
			if p.Status != PositionOverdue {
				continue
			}
			a, err := tx.Authorization(ctx, p.Authorization)
			if err != nil {
				return err
			}
			if a.Status == StatusCancelled {
				continue // cancelled by a run as of a later day
			}
			// Now that the authorization is held, count what was posted to it meanwhile.
			flows, err := tx.FlowsOf(ctx, []string{a.Number})
			if err != nil {
				return err
			}
			var t Totals
			for _, f := range flows[a.Number] {
				if !f.Day.After(asOf) {
					t = t.Add(Import, FromMinorUnits(f.Imports)).Add(Export, FromMinorUnits(f.Exports))
				}
			}
			rb := s.Rulebooks[a.Regime]
			if p = NewPosition(a, rb, t, asOf); p.Status != PositionOverdue {
				continue
			}
			reason := fmt.Sprintf("not netted off by the deadline %s: imports %s, exports %s %s, imbalance %s beyond %s%% tolerance",
				p.Deadline, FormatHome(p.Imports), FormatHome(p.Exports), rb.Currency, FormatHome(p.Imbalance), rb.Tolerance.Shift(2))
			if err := a.Move(StatusCancelled, reason); err != nil {
				return err
			}
			a.Cancelled = asOf
			if err := tx.UpdateAuthorization(ctx, a); err != nil {
				return err
			}
			run.Cancelled = append(run.Cancelled, Cancellation{Authorization: a.Number, Reason: reason})
		}
		return tx.CreateReconciliation(ctx, run)
	})
	if err != nil {
		return nil, err
	}
	return run, nil
}

// VerifyLedger checks that every ledger entry balances and that debits equal credits.
func (s *Service) VerifyLedger(ctx context.Context) (*LedgerReport, error) {
	if err := notTraders(ctx, "the whole ledger"); err != nil {
		return nil, err
	}
	var r *LedgerReport
	err := s.Store.View(ctx, func(tx Tx) error {
		var err error
		r, err = tx.VerifyLedger(ctx)
		return err
	})
	return r, err
}

// RebuildFlows recomputes every authorization's flows, as kept for posting, from the
// ledger, and returns how many authorizations have flows and how many of them differed
// (the stale flows VerifyLedger reports). Errors: EForbidden.
func (s *Service) RebuildFlows(ctx context.Context) (authorizations, stale int, err error) {
	if err := require(ctx, "rebuilding the flows kept for posting", RoleCustoms); err != nil {
		return 0, 0, err
	}
	err = s.update(ctx, func(tx Tx) error {
		var err error
		authorizations, stale, err = tx.RebuildFlows(ctx)
		return err
	})
	return authorizations, stale, err
}

// Authorizations lists authorizations and applications, all when status is "". A trader
// sees those of its own party and its consortiums.
func (s *Service) Authorizations(ctx context.Context, status Status) ([]Authorization, error) {
	var as []Authorization
	err := s.Store.View(ctx, func(tx Tx) error {
		var err error
		as, err = tx.Authorizations(ctx, status)
		return err
	})
	return slices.DeleteFunc(as, func(a Authorization) bool { return !sees(ctx, a.Party, a.Counterparty) }), err
}

// Standing is an authorization with its lines, what was booked to it day by day up to a
// day and, once issued, its position as of that day.
type Standing struct {
	Authorization *Authorization
	Flows         []Flow    // sorted by day
	Position      *Position // nil until the authorization is issued
}

// Standing returns the authorization with an ID as it stands on a day. Errors: ENotFound.
func (s *Service) Standing(ctx context.Context, id int64, asOf Date) (*Standing, error) {
	return s.standing(ctx, asOf, strconv.FormatInt(id, 10), func(tx Tx) (*Authorization, error) { return tx.AuthorizationByID(ctx, id) })
}

// StandingOf is Standing for the authorization with an approval number.
func (s *Service) StandingOf(ctx context.Context, number string, asOf Date) (*Standing, error) {
	return s.standing(ctx, asOf, number, func(tx Tx) (*Authorization, error) { return tx.Authorization(ctx, number) })
}

// Declaration returns a posted goods declaration and its reassessments, in the order
// they were made. A trader sees those of its own party's and its consortiums'
// authorizations alone. Errors: ENotFound.
func (s *Service) Declaration(ctx context.Context, number string) (*Declaration, []Reassessment, error) {
	var d *Declaration
	var rs []Reassessment
	err := s.Store.View(ctx, func(tx Tx) error {
		var err error
		if d, err = tx.Declaration(ctx, number); err != nil {
			return err
		}
		if err := seesAuthorization(ctx, tx, d.Authorization, "declaration", number); err != nil {
			return err
		}
		rs, err = tx.Reassessments(ctx, number)
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	return d, rs, nil
}

// DeclarationsOf lists the goods declarations posted to the authorization with an
// approval number, by day and then number. A trader sees those of its own
// party's and its consortiums' authorizations alone. Errors: ENotFound.
func (s *Service) DeclarationsOf(ctx context.Context, number string) ([]Declaration, error) {
	var ds []Declaration
	err := s.Store.View(ctx, func(tx Tx) error {
		err := seesAuthorization(ctx, tx, number, "authorization", number)
		if err == nil {
			ds, err = tx.DeclarationsOf(ctx, number)
		}
		return err
	})
	return ds, err
}

// seesAuthorization refuses a record of the authorization with a number (a what, by
// key) to a user who may not see the authorization, as if there were none.
func seesAuthorization(ctx context.Context, tx Tx, number, what, key string) error {
	a, err := tx.Authorization(ctx, number)
	if err != nil {
		return err
	}
	if !sees(ctx, a.Party, a.Counterparty) {
		return Errorf(ENotFound, "no %s %q", what, key)
	}
	return nil
}

// standing gets an authorization (asked for by key: its ID or number) and its standing.
func (s *Service) standing(ctx context.Context, asOf Date, key string, get func(Tx) (*Authorization, error)) (*Standing, error) {
	st := &Standing{}
	err := s.Store.View(ctx, func(tx Tx) error {
		a, err := get(tx)
		if err != nil {
			return err
		}
		if !sees(ctx, a.Party, a.Counterparty) {
			// Another party's authorization is not there, for a trader: the answer is
			// the one for a key that names nothing.
			return Errorf(ENotFound, "no authorization %q", key)
		}
		st.Authorization = a
		if a.Number == "" {
			return nil
		}
		fs, err := tx.FlowsOf(ctx, []string{a.Number})
		for _, f := range fs[a.Number] {
			if !f.Day.After(asOf) {
				st.Flows = append(st.Flows, f)
			}
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	a := st.Authorization
	if (a.Status != StatusApproved && a.Status != StatusCancelled) || a.Issued.After(asOf) {
		return st, nil
	}
	rb, err := s.Rulebooks.Lookup("regime", a.Regime)
	if err != nil {
		return nil, fmt.Errorf("authorization %s: %w", a.Number, err)
	}
	var imports, exports int64
	for _, f := range st.Flows {
		imports, exports = imports+f.Imports, exports+f.Exports
	}
	p := NewPosition(a, rb, Totals{Imports: FromMinorUnits(imports), Exports: FromMinorUnits(exports)}, asOf)
	st.Position = &p
	return st, nil
}
