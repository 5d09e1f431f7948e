package barter

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"iter"
	"maps"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"
)

// HSChecker validates goods codes against a nomenclature.
type HSChecker interface {
	CheckLine(code string) error
	CheckDeclaration(code string) error
}

// Service applies the barter rules on top of a Store. It is the one place where rules are
// checked, so every store and every interface (CLI, HTTP) gets the same behaviour.
type Service struct {
	Store     Store
	HS        HSChecker
	Rulebooks Rulebooks
	SetOff    SetOff           // finds optimal set-offs for clearing runs
	Now       func() time.Time // the business day's clock, which serve --today pins
	// Clock is the real time, by which sign-ins expire (default time.Now).
	Clock func() time.Time
	// ImportCache is how many authorizations an import of declarations remembers at
	// most (0 means 100,000); past it, it forgets them all and reads them again.
	ImportCache int
	// Totals, when set, remembers the ledger's totals as of the last few days asked
	// for while the ledger is unchanged: for servers, where people page through
	// positions. Share one only among services of the same store.
	Totals *TotalsCache
	// ScreeningThreshold is the least similarity (0 to 1] of a party's name to a listed
	// one reported as a possible match (0 means DefaultScreeningThreshold).
	ScreeningThreshold float32
}

// clock is the real time, which sessions run by even when Now is pinned to a day.
func (s *Service) clock() time.Time {
	if s.Clock == nil {
		return time.Now()
	}
	return s.Clock()
}

func (s *Service) now() time.Time {
	if s.Now == nil {
		return time.Now()
	}
	return s.Now()
}

func (s *Service) today() Date { return DateOf(s.now()) }

// Row is one record read from an import file: a value, or the error that kept it from
// being read. Line is the line number in the file.
type Row[T any] struct {
	Line  int
	Value T
	Err   error
}

// RowError reports a rejected row: its line, the field at fault and why.
type RowError struct {
	Line   int
	Field  string
	Reason string
}

func (e RowError) Error() string { return fmt.Sprintf("%d: %s: %s", e.Line, e.Field, e.Reason) }

// ImportOptions tune an import.
type ImportOptions struct {
	// OnError receives each rejected row as it is found, so that a file with many bad rows
	// needs no memory to report them.
	OnError func(RowError)
	// OnProgress, when set, is called every ProgressEvery rows with the count so far.
	OnProgress    func(rows int)
	ProgressEvery int
}

// ImportReport counts what an import did.
type ImportReport struct {
	Rows       int // rows read
	Written    int // rows that created records
	Duplicates int // rows that repeated a record already there (idempotent no-ops)
	Rejected   int // rows with errors; when non-zero nothing was written
}

// ErrRejected is returned by imports that found bad rows and so wrote nothing.
var ErrRejected = &Error{Code: EInvalid, Message: "barter: import rejected; nothing was written"}

// rowResult tells the import loop what a row did.
type rowResult int

const (
	rowWritten rowResult = iota
	rowDuplicate
)

// outcome is what became of one row: a result, or the error that rejected it.
type outcome struct {
	res rowResult
	err error
}

// importBatch is how many rows an import hands to apply at a time.
const importBatch = 256

// importRows imports rows one at a time with apply; see importBatches.
func importRows[T any](ctx context.Context, s *Service, rows iter.Seq[Row[T]], o ImportOptions,
	apply func(ctx context.Context, tx Tx, line int, v T) (rowResult, error)) (ImportReport, error) {
	return importBatches(ctx, s, rows, o, importBatch, func(ctx context.Context, tx Tx, batch, _ []Row[T], out []outcome) error {
		for i, r := range batch {
			if r.Err != nil {
				out[i] = outcome{err: r.Err}
				continue
			}
			res, err := apply(ctx, tx, r.Line, r.Value)
			if ErrorCode(err) == EInternal {
				return fmt.Errorf("line %d: %w", r.Line, err)
			}
			out[i] = outcome{res: res, err: err}
		}
		return nil
	})
}

// importBatches runs apply on batches of rows inside one transaction. Rows that break a
// rule are reported and the transaction is rolled back at the end, so a file is taken
// whole or not at all; every bad row is reported, not just the first. Memory is bounded
// by the batch size, whatever the length of the file. Apply is shown the batch after the
// one it handles (nil after the last), so that it can start on it; it writes each row's
// outcome into out.
func importBatches[T any](ctx context.Context, s *Service, rows iter.Seq[Row[T]], o ImportOptions, size int,
	apply func(ctx context.Context, tx Tx, batch, next []Row[T], out []outcome) error) (ImportReport, error) {
	return importStaged(ctx, s, rows, o, size, apply, nil)
}

// importStaged is importBatches for an apply that leaves work on the transaction running
// when it returns: drain, unless nil, waits for that work before the transaction ends,
// however it ends.
func importStaged[T any](ctx context.Context, s *Service, rows iter.Seq[Row[T]], o ImportOptions, size int,
	apply func(ctx context.Context, tx Tx, batch, next []Row[T], out []outcome) error, drain func()) (ImportReport, error) {
	var rep ImportReport
	reject := func(line int, err error) {
		rep.Rejected++
		if o.OnError == nil {
			return
		}
		re := RowError{Line: line, Field: "row", Reason: ErrorMessage(err)}
		var e *Error
		if errors.As(err, &e) {
			re.Reason = e.Message
			if e.Field != "" {
				re.Field = e.Field
			}
		}
		o.OnError(re)
	}
	out := make([]outcome, size)
	err := s.update(ctx, func(tx Tx) error {
		if drain != nil {
			defer drain()
		}
		// Reading and parsing the next batch overlaps with checking and writing this one.
		batches, stop := readBatches(rows, size)
		defer stop()
		for batch, ok := <-batches; ok; {
			next, more := <-batches
			for range batch {
				rep.Rows++
				if o.OnProgress != nil && o.ProgressEvery > 0 && rep.Rows%o.ProgressEvery == 0 {
					o.OnProgress(rep.Rows)
				}
			}
			clear(out)
			if err := apply(ctx, tx, batch, next, out[:len(batch)]); err != nil {
				// A cancelled context also ends the transaction under the store's
				// feet; the cancellation, not what it broke, is the cause.
				return cmp.Or(ctx.Err(), err)
			}
			for i, oc := range out[:len(batch)] {
				switch {
				case oc.err != nil && ErrorCode(oc.err) == EInternal:
					return fmt.Errorf("line %d: %w", batch[i].Line, oc.err)
				case oc.err != nil:
					reject(batch[i].Line, oc.err)
				case oc.res == rowDuplicate:
					rep.Duplicates++
				default:
					rep.Written++
				}
			}
			if err := ctx.Err(); err != nil {
				return err
			}
			batch, ok = next, more
		}
		if rep.Rejected > 0 {
			return ErrRejected
		}
		return nil
	})
	if err != nil {
		rep.Written, rep.Duplicates = 0, 0 // rolled back
	}
	return rep, err
}

// readBatches reads rows in a goroutine of its own and hands them over in batches of
// size. stop ends the reading early; it must be called.
func readBatches[T any](rows iter.Seq[Row[T]], size int) (batches <-chan []Row[T], stop func()) {
	ch := make(chan []Row[T], 2)
	done := make(chan struct{})
	go func() {
		defer close(ch)
		batch := make([]Row[T], 0, size)
		for r := range rows {
			if batch = append(batch, r); len(batch) == size {
				select {
				case ch <- batch:
				case <-done:
					return
				}
				batch = make([]Row[T], 0, size)
			}
		}
		if len(batch) > 0 {
			select {
			case ch <- batch:
			case <-done:
			}
		}
	}()
	var once sync.Once
	return ch, func() {
		once.Do(func() { close(done) })
		for range ch {
		}
	}
}

// ImportParties registers parties. A party already registered under the same id with the
// same details is a duplicate; with other details it is an error.
func (s *Service) ImportParties(ctx context.Context, rows iter.Seq[Row[Party]], o ImportOptions) (ImportReport, error) {
	if err := require(ctx, "importing parties", RoleCustoms); err != nil {
		return ImportReport{}, err
	}
	var listed *listScreener // built once for the whole import
	return importBatches(ctx, s, rows, o, importBatch, func(ctx context.Context, tx Tx, batch, _ []Row[Party], out []outcome) error {
		ids := make([]string, 0, len(batch))
		for _, r := range batch {
			if r.Err == nil {
				ids = append(ids, r.Value.ID)
			}
		}
		first, err := tx.PartiesByID(ctx, ids)
		if err != nil {
			return err
		}
		// judge sets each row's outcome against the parties registered before, and
		// returns those to create.
		judge := func(old map[string]*Party) (create []*Party) {
			old = maps.Clone(old)
			for i := range batch {
				p := &batch[i].Value
				if err := batch[i].Err; err != nil {
					out[i] = outcome{err: err}
					continue
				}
				res, err := registered(old[p.ID], p)
				if err == nil && res == rowWritten {
					old[p.ID] = p // later rows of the batch find it
					create = append(create, p)
				}
				out[i] = outcome{res: res, err: err}
			}
			return create
		}
		// Parties are screened against the newest sanctions list as they are registered.
		create := func(ctx context.Context, ps []*Party) ([]*Party, error) {
			taken, err := tx.CreateParties(ctx, ps)
			if err != nil {
				return nil, err
			}
			added := make([]Party, 0, len(ps))
			for _, p := range ps {
				if !slices.ContainsFunc(taken, func(t *Party) bool { return t.ID == p.ID }) {
					added = append(added, *p)
				}
			}
			return taken, s.screenNew(ctx, tx, added, &listed)
		}
		return registerNew(ctx, first, judge, func(p *Party) string { return p.ID }, create, tx.PartiesByID)
	})
}

// registerNew creates the records judge finds new in a batch, given those registered
// before (first, by key), and sets each row's outcome. Where another transaction took
// some keys first (create returns those it skipped), what it registered is read back
// and the batch judged again with it, as if this import had come after.
func registerNew[V any](ctx context.Context, first map[string]*V, judge func(map[string]*V) []*V, key func(*V) string,
	create func(context.Context, []*V) ([]*V, error), read func(context.Context, []string) (map[string]*V, error)) error {
	fresh := judge(first)
	taken, err := create(ctx, fresh)
	if err != nil || len(taken) == 0 {
		return err
	}
	keys := make([]string, len(taken))
	for i, v := range taken {
		keys[i] = key(v)
	}
	now, err := read(ctx, keys)
	if err != nil {
		return err
	}
	for _, k := range keys {
		if now[k] == nil {
			return fmt.Errorf("%s: neither inserted nor found", k)
		}
		first[k] = now[k]
	}
	if n := len(judge(first)); n != len(fresh)-len(taken) {
		return fmt.Errorf("batch judged again: %d to create, want the %d inserted", n, len(fresh)-len(taken))
	}
	return nil
}

// registered checks a party to register against the one registered under its id, if
// any: the same again is a duplicate; other details are an error.
func registered(old, p *Party) (rowResult, error) {
	if err := p.Validate(); err != nil {
		return 0, err
	}
	switch {
	case old == nil:
		return rowWritten, nil
	case *old == *p:
		return rowDuplicate, nil
	}
	return 0, Invalid("id", "party %s is already registered with other details", p.ID)
}

// Parties lists the registry, by ID. Errors: EForbidden for traders.
func (s *Service) Parties(ctx context.Context) ([]Party, error) {
	if err := notTraders(ctx, "the registry"); err != nil {
		return nil, err
	}
	var ps []Party
	err := s.Store.View(ctx, func(tx Tx) error {
		var err error
		ps, err = tx.Parties(ctx)
		return err
	})
	return ps, err
}

// CreateParty registers one party, and screens it against the newest sanctions list.
// Errors: EInvalid, EConflict.
func (s *Service) CreateParty(ctx context.Context, p *Party) error {
	if err := require(ctx, "registering parties", RoleCustoms); err != nil {
		return err
	}
	return s.update(ctx, func(tx Tx) error {
		_, err := s.createParty(ctx, tx, p)
		return err
	})
}

func (s *Service) createParty(ctx context.Context, tx Tx, p *Party) (rowResult, error) {
	old, err := tx.Party(ctx, p.ID)
	if err != nil && ErrorCode(err) != ENotFound {
		return 0, err
	}
	res, err := registered(old, p)
	if err != nil || res == rowDuplicate {
		return res, err
	}
	if err := tx.CreateParty(ctx, p); err != nil {
		return 0, err
	}
	return rowWritten, s.screenNew(ctx, tx, []Party{*p}, nil)
}

// ImportRates loads published exchange rates. A rate for the same day and currency is a
// duplicate when equal and an error otherwise: published rates are not rewritten.
func (s *Service) ImportRates(ctx context.Context, rows iter.Seq[Row[Rate]], o ImportOptions) (ImportReport, error) {
	if err := require(ctx, "importing rates", RoleCustoms); err != nil {
		return ImportReport{}, err
	}
	var table *RateTable
	return importRows(ctx, s, rows, o, func(ctx context.Context, tx Tx, _ int, r Rate) (rowResult, error) {
		if err := r.Validate(); err != nil {
			return 0, err
		}
		if table == nil {
			rates, err := tx.Rates(ctx)
			if err != nil {
				return 0, err
			}
			table = NewRateTable(rates)
		}
		if old, ok := table.Lookup(r.Currency, r.Date); ok && old.Date == r.Date {
			if old.Rate.Equal(r.Rate) {
				return rowDuplicate, nil
			}
			return 0, Invalid("rate", "%s rate for %s is already %s", r.Currency, r.Date, old.Rate)
		}
		table.Add(r)
		return rowWritten, tx.CreateRate(ctx, &r)
	})
}

// AuthorizationImport is an authorization carried over from another system with its
// number, already approved.
type AuthorizationImport struct {
	Number       string
	Party        string
	Counterparty string
	Regime       string
	Issued       Date
	ValidUntil   Date
}

// ImportAuthorizations carries over approved authorizations with their numbers. A batch
// of rows is looked up and written in a few statements; parties are read once an import.
func (s *Service) ImportAuthorizations(ctx context.Context, rows iter.Seq[Row[AuthorizationImport]], o ImportOptions) (ImportReport, error) {
	if err := require(ctx, "importing authorizations", RoleCustoms); err != nil {
		return ImportReport{}, err
	}
	var parties *partyCache
	return importBatches(ctx, s, rows, o, importBatch, func(ctx context.Context, tx Tx, batch, _ []Row[AuthorizationImport], out []outcome) error {
		if parties == nil || parties.tx != tx {
			parties = &partyCache{tx: tx, m: map[string]*Party{}}
		}
		first, err := authorizationsOf(ctx, tx, batch, func(in AuthorizationImport) string { return in.Number })
		if err != nil {
			return err
		}
		// Authorizations come in approved: none for a party screening blocks.
		blocked, err := tx.BlockedParties(ctx)
		if err != nil {
			return err
		}
		// judge sets each row's outcome against the authorizations registered before,
		// and returns those to create.
		judge := func(old map[string]*Authorization) (create []*Authorization) {
			old = maps.Clone(old)
			for i, r := range batch {
				if r.Err != nil {
					out[i] = outcome{err: r.Err}
					continue
				}
				a, err := s.importedAuthorization(ctx, parties, r.Value)
				if err != nil {
					out[i] = outcome{err: err}
					continue
				}
				if prev := old[a.Number]; prev != nil {
					out[i] = importedAgain(prev, a)
					continue
				}
				if h, ok := blocked[a.Party]; ok {
					out[i] = outcome{err: Invalid("party", "%s", screened(a.Party, h))}
					continue
				}
				if h, ok := blocked[a.Counterparty]; ok {
					out[i] = outcome{err: Invalid("counterparty", "%s", screened(a.Counterparty, h))}
					continue
				}
				old[a.Number] = a // later rows of the batch find it
				create = append(create, a)
				out[i] = outcome{res: rowWritten}
			}
			return create
		}
		return registerNew(ctx, first, judge, func(a *Authorization) string { return a.Number }, tx.CreateAuthorizations, tx.AuthorizationsByNumber)
	})
}

// importedAgain judges an authorization imported under a number already registered: a
// duplicate when the details agree, a bad row when they differ.
func importedAgain(prev, a *Authorization) outcome {
	if prev.Party == a.Party && prev.Counterparty == a.Counterparty && prev.Regime == a.Regime && prev.Issued == a.Issued {
		return outcome{res: rowDuplicate}
	}
	return outcome{err: Invalid("number", "authorization %s already exists with other details", a.Number)}
}

// authorizationsOf reads, by number, the authorizations the rows of a batch name.
func authorizationsOf[T any](ctx context.Context, tx Tx, batch []Row[T], number func(T) string) (map[string]*Authorization, error) {
	numbers := make([]string, 0, len(batch))
	for _, r := range batch {
		if n := number(r.Value); r.Err == nil && strings.TrimSpace(n) != "" {
			numbers = append(numbers, n)
		}
	}
	return tx.AuthorizationsByNumber(ctx, numbers)
}

// importedAuthorization checks one row of an authorization import and returns the
// authorization it describes.
func (s *Service) importedAuthorization(ctx context.Context, parties partyReader, in AuthorizationImport) (*Authorization, error) {
	if strings.TrimSpace(in.Number) == "" {
		return nil, Invalid("number", "is required")
	}
	if in.Issued.IsZero() {
		return nil, Invalid("issued", "is required")
	}
	a := &Authorization{Number: in.Number, Party: in.Party, Counterparty: in.Counterparty,
		Regime: in.Regime, Status: StatusApproved, Applied: in.Issued, Issued: in.Issued, ValidUntil: in.ValidUntil}
	rb, err := s.checkParties(ctx, parties, a)
	if err != nil {
		return nil, err
	}
	a.Deadline = rb.Deadline(a.Issued)
	return a, nil
}

// partyReader looks parties up by id: a Tx, or a partyCache in front of one.
type partyReader interface {
	Party(ctx context.Context, id string) (*Party, error)
	Consortium(ctx context.Context, id string) (*Consortium, error)
}

// partyCache remembers the parties an import has read, up to a bound.
type partyCache struct {
	tx Tx
	m  map[string]*Party
}

// Consortium reads through: consortiums are few, and an import meets them seldom.
func (c *partyCache) Consortium(ctx context.Context, id string) (*Consortium, error) {
	return c.tx.Consortium(ctx, id)
}

func (c *partyCache) Party(ctx context.Context, id string) (*Party, error) {
	if p, ok := c.m[id]; ok {
		return p, nil
	}
	p, err := c.tx.Party(ctx, id)
	if err != nil {
		return nil, err
	}
	if len(c.m) >= defaultImportCache {
		clear(c.m)
	}
	c.m[id] = p
	return p, nil
}

// checkParties checks the parties and regime of an authorization and returns its rulebook.
func (s *Service) checkParties(ctx context.Context, tx partyReader, a *Authorization) (Rulebook, error) {
	rb, err := s.Rulebooks.Lookup("regime", a.Regime)
	if err != nil {
		return rb, err
	}
	trader, err := s.party(ctx, tx, "party", a.Party)
	if err != nil {
		return rb, err
	}
	if trader.Country != rb.Home {
		return rb, Invalid("party", "%s is in %s; the trader must be in %s", trader.ID, trader.Country, rb.Home)
	}
	if trader.Kind == PartyConsortium && !rb.Consortiums {
		return rb, Invalid("party", "%s is a consortium; rulebook %s does not allow consortiums", trader.ID, rb.Regime)
	}
	foreign, err := s.party(ctx, tx, "counterparty", a.Counterparty)
	if err != nil {
		return rb, err
	}
	if !rb.IsPartner(foreign.Country) {
		return rb, Invalid("counterparty", "%s is in %s; rulebook %s allows only %s", foreign.ID, foreign.Country, rb.Regime, strings.Join(rb.Partners, ", "))
	}
	if trader.Kind == PartyConsortium {
		return rb, checkConsortium(ctx, tx, trader, foreign)
	}
	return rb, nil
}

func (s *Service) party(ctx context.Context, tx partyReader, field, id string) (*Party, error) {
	if strings.TrimSpace(id) == "" {
		return nil, Invalid(field, "is required")
	}
	p, err := tx.Party(ctx, id)
	if ErrorCode(err) == ENotFound {
		return nil, Invalid(field, "no party %q is registered", id)
	}
	return p, err
}

// LineImport is a planned line of an existing authorization.
type LineImport struct {
	Authorization string
	Line          Line
}

// ImportLines adds planned import and export lines to authorizations. A batch of rows
// reads its authorizations, with their lines, in one lookup and adds its lines in one
// statement; a line equal to one the authorization has is a duplicate.
func (s *Service) ImportLines(ctx context.Context, rows iter.Seq[Row[LineImport]], o ImportOptions) (ImportReport, error) {
	if err := require(ctx, "importing lines", RoleCustoms); err != nil {
		return ImportReport{}, err
	}
	return importBatches(ctx, s, rows, o, importBatch, func(ctx context.Context, tx Tx, batch, _ []Row[LineImport], out []outcome) error {
		as, err := authorizationsOf(ctx, tx, batch, func(in LineImport) string { return in.Authorization })
		if err != nil {
			return err
		}
		var add []NewLine
		for i, r := range batch {
			in := r.Value
			a := as[in.Authorization]
			switch {
			case r.Err != nil:
				out[i] = outcome{err: r.Err}
				continue
			case strings.TrimSpace(in.Authorization) == "":
				out[i] = outcome{err: Invalid("authorization", "is required")}
				continue
			case a == nil:
				out[i] = outcome{err: Invalid("authorization", "no authorization %q exists", in.Authorization)}
				continue
			}
			if err := s.checkLine(&in.Line); err != nil {
				out[i] = outcome{err: err}
				continue
			}
			if slices.ContainsFunc(a.Lines, func(l Line) bool { return sameLine(l, in.Line) }) {
				out[i] = outcome{res: rowDuplicate}
				continue
			}
			a.Lines = append(a.Lines, in.Line)
			add = append(add, NewLine{AuthorizationID: a.ID, Seq: len(a.Lines), Line: in.Line})
			out[i] = outcome{res: rowWritten}
		}
		return tx.AddLines(ctx, add)
	})
}

func sameLine(a, b Line) bool {
	return a.Direction == b.Direction && a.HSCode == b.HSCode && a.Description == b.Description &&
		a.Quantity.Equal(b.Quantity) && a.Unit == b.Unit && a.Value.Equal(b.Value) && a.Currency == b.Currency
}

func (s *Service) checkLine(l *Line) error {
	switch {
	case l.Direction != Import && l.Direction != Export:
		return Invalid("direction", "%q is not import or export", l.Direction)
	case !l.Quantity.IsPositive():
		return Invalid("quantity", "must be positive")
	case strings.TrimSpace(l.Unit) == "":
		return Invalid("unit", "is required")
	case !l.Value.IsPositive():
		return Invalid("value", "must be positive")
	case !IsCurrency(l.Currency):
		return Invalid("currency", "%q is not an ISO 4217 currency code", l.Currency)
	}
	if err := s.HS.CheckLine(l.HSCode); err != nil {
		return Invalid("hs_code", "%v", err)
	}
	return nil
}

// sortPositions orders positions by authorization number.
func sortPositions(ps []Position) {
	sort.Slice(ps, func(i, j int) bool { return ps[i].Authorization < ps[j].Authorization })
}
