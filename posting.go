package barter

import (
	"cmp"
	"context"
	"fmt"
	"iter"
	"maps"
	"runtime/debug"
	"slices"
	"sort"
)

// declarationBatch is how many declarations an import checks and writes together: one
// query finds those already posted, one loads their authorizations, and one statement
// per table writes them, instead of a round trip per row.
const declarationBatch = 256

// defaultImportCache bounds the memory a long import spends remembering authorizations
// where Service.ImportCache is 0; past it the cache starts afresh (the store still holds
// everything).
const defaultImportCache = 100_000

// poster posts declarations inside one transaction, remembering what it has read so that
// a long import reads each authorization and the rate table once.
type poster struct {
	s         *Service
	tx        Tx
	rates     *RateTable
	blocked   map[string]ScreeningHit // parties screening blocks, read with the rates
	auths     map[string]*authState
	rulebooks map[string]*Rulebook // used by read alone
	// inflight holds the numbers the last batch posted, which a pipelined import may
	// not have written yet when it reads which of the next batch's are posted.
	inflight map[string]bool
	// repeats is set when most numbers of the last batch checked were posted already,
	// as when a file is imported again: batches read from then on are checked for
	// posted numbers first, and only the authorizations of the others are read. (A
	// pipelined import reads the next batch before it checks this one, so the batch
	// after next is the first so read.)
	repeats bool
	// dirty are the authorizations posted to whose flows the store has not recorded
	// (Tx.SetFlows): an import records each once, before it forgets them or ends.
	dirty map[string]bool
}

// dirtyFlows returns a copy of the flows of the authorizations posted to since the
// last call, for Tx.SetFlows.
func (p *poster) dirtyFlows() map[string][]Flow {
	fs := make(map[string][]Flow, len(p.dirty))
	for n := range p.dirty {
		if st := p.auths[n]; st != nil {
			fs[n] = slices.Clone(st.flows)
		}
	}
	clear(p.dirty)
	return fs
}

// recordFlows records the flows of the authorizations posted to since the last call.
func (p *poster) recordFlows(ctx context.Context) error {
	if len(p.dirty) == 0 {
		return nil
	}
	return p.tx.SetFlows(ctx, p.dirtyFlows())
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
	// The flows are walked as if value were among them, without a copy.
	extra := Flow{Day: day}
	if d == Import {
		extra.Imports = value
	} else {
		extra.Exports = value
	}
	pending := true
	step := func(f Flow) bool {
		imports += f.Imports
		exports += f.Exports
		return f.Day.Before(day) || exports <= 0 || st.rb.exportAllowedMinor(imports, exports)
	}
	for _, f := range st.flows {
		if pending && !f.Day.Before(day) {
			pending = false
			if f.Day == day {
				f.Imports, f.Exports = f.Imports+extra.Imports, f.Exports+extra.Exports
			} else if !step(extra) {
				return extra.Day, imports, exports, false
			}
		}
		if !step(f) {
			return f.Day, imports, exports, false
		}
	}
	if pending && !step(extra) {
		return extra.Day, imports, exports, false
	}
	return Date{}, 0, 0, true
}

func (s *Service) newPoster(tx Tx) *poster {
	return &poster{s: s, tx: tx, auths: map[string]*authState{}, rulebooks: map[string]*Rulebook{}, dirty: map[string]bool{}}
}

// batchReads is what checking a batch needs from the store.
type batchReads struct {
	loaded map[string]*authState // authorizations not remembered before
	posted map[string]bool       // numbers of the batch already in the store
}

// wants is what a batch needs read from the store.
type wants struct {
	missing []string // authorizations not yet remembered, each once
	numbers []string // declaration numbers
	authOf  []string // the authorization of each of numbers
	// postedFirst checks the numbers before reading authorizations, and reads only
	// those of numbers not posted.
	postedFirst bool
}

// wanted returns what rows need read. Where their authorizations would not fit in the
// cache, it forgets all first.
func (p *poster) wanted(rows []Row[Declaration]) wants {
	if p.full(rows) {
		clear(p.auths)
	}
	w := wants{numbers: make([]string, 0, len(rows)), authOf: make([]string, 0, len(rows)), postedFirst: p.repeats}
	seen := map[string]bool{}
	for _, r := range rows {
		if r.Err != nil {
			continue
		}
		w.numbers, w.authOf = append(w.numbers, r.Value.Number), append(w.authOf, r.Value.Authorization)
		if n := r.Value.Authorization; p.auths[n] == nil && !seen[n] && n != "" {
			seen[n] = true
			w.missing = append(w.missing, n)
		}
	}
	return w
}

// full reports whether remembering the authorizations of rows would overflow the cache
// (Service.ImportCache).
func (p *poster) full(rows []Row[Declaration]) bool {
	limit := cmp.Or(p.s.ImportCache, defaultImportCache)
	if len(p.auths)+len(rows) <= limit {
		return false
	}
	more := map[string]bool{}
	for _, r := range rows {
		if n := r.Value.Authorization; r.Err == nil && p.auths[n] == nil {
			more[n] = true
		}
	}
	return len(p.auths)+len(more) > limit
}

// read reads the authorizations missing, with their lines and flows, and which of the
// declaration numbers are posted. In a write transaction the store holds the
// authorizations until commit, so that concurrent postings to the same authorization
// queue instead of losing updates; they are read first so that a concurrent poster of
// the same number has committed by the time the lock is granted, and the check of
// numbers sees it. With postedFirst, the numbers are checked once before too, and only
// the authorizations of numbers not yet posted are read; where any are read, those
// numbers are checked again after their locks. Read touches only the store and what it
// returns (and the rate table, once), so that it can run while the previous batch is
// checked.
func (p *poster) read(ctx context.Context, w wants) (batchReads, error) {
	var r batchReads
	missing, numbers := w.missing, w.numbers
	if w.postedFirst && len(numbers) > 0 {
		var err error
		if r.posted, err = p.tx.DeclarationsExist(ctx, numbers); err != nil {
			return r, err
		}
		needed := map[string]bool{}
		numbers = numbers[:0:0]
		for i, n := range w.numbers {
			if !r.posted[n] {
				needed[w.authOf[i]] = true
				numbers = append(numbers, n)
			}
		}
		missing = slices.DeleteFunc(slices.Clone(missing), func(a string) bool { return !needed[a] })
	}
	if err := p.readRates(ctx); err != nil {
		return r, err
	}
	if len(missing) > 0 {
		var err error
		if r.loaded, err = p.readAuths(ctx, missing); err != nil {
			return batchReads{}, err
		}
	}
	switch {
	case r.posted == nil:
		var err error
		r.posted, err = p.tx.DeclarationsExist(ctx, numbers)
		return r, err
	case len(missing) > 0 && len(numbers) > 0:
		posted, err := p.tx.DeclarationsExist(ctx, numbers)
		maps.Copy(r.posted, posted)
		return r, err
	}
	return r, nil
}

// readRates reads the rate table and the parties screening blocks, once.
func (p *poster) readRates(ctx context.Context) error {
	if p.rates != nil {
		return nil
	}
	rs, err := p.tx.Rates(ctx)
	if err != nil {
		return err
	}
	if p.blocked, err = p.tx.BlockedParties(ctx); err != nil {
		return err
	}
	p.rates = NewRateTable(rs)
	return nil
}

// readAuths reads the authorizations named, with their lines and flows.
func (p *poster) readAuths(ctx context.Context, numbers []string) (map[string]*authState, error) {
	as, err := p.tx.AuthorizationTerms(ctx, numbers)
	if err != nil {
		return nil, err
	}
	fs, err := p.tx.FlowsOf(ctx, numbers)
	if err != nil {
		return nil, err
	}
	loaded := make(map[string]*authState, len(as))
	for n, a := range as {
		rb := p.rulebooks[a.Regime]
		if rb == nil {
			r, ok := p.s.Rulebooks[a.Regime]
			if !ok {
				return nil, fmt.Errorf("authorization %s has unknown regime %q", n, a.Regime)
			}
			rb = &r
			p.rulebooks[a.Regime] = rb
		}
		loaded[n] = &authState{auth: a, rb: rb, flows: fs[n]}
	}
	return loaded, nil
}

func (p *poster) rate(ctx context.Context, currency string, day Date) (Rate, bool, error) {
	if err := p.readRates(ctx); err != nil {
		return Rate{}, false, err
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
	// Goods of a party the sanctions list may name, or names, are not cleared.
	for _, party := range []string{a.Party, a.Counterparty} {
		if h, ok := p.blocked[party]; ok {
			return nil, 0, Invalid("authorization", "authorization %s: %s", a.Number, screened(party, h))
		}
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
	var value int64
	var err error
	if d.Value, value, err = HomeValue(d.Assessed, d.Rate); err != nil {
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
	r, err := p.read(ctx, p.wanted(rows))
	if err != nil {
		return err
	}
	maps.Copy(p.auths, r.loaded)
	if err := p.write(ctx, p.checkBatch(ctx, rows, r, out)); err != nil {
		return err
	}
	return p.recordFlows(ctx)
}

// load reads the authorizations named into the poster's memory.
func (p *poster) load(ctx context.Context, numbers []string) error {
	r, err := p.read(ctx, wants{missing: numbers})
	maps.Copy(p.auths, r.loaded)
	return err
}

// checkBatch checks rows with what read returned for them (its authorizations already
// remembered) and returns the declarations to post. It reads nothing from the store.
func (p *poster) checkBatch(ctx context.Context, rows []Row[Declaration], r batchReads, out []outcome) (decls []*Declaration) {
	posted := r.posted
	for n := range p.inflight {
		posted[n] = true
	}
	p.inflight = make(map[string]bool, len(rows))
	checked, repeated := 0, 0
	defer func() { p.repeats = 2*repeated > checked }()
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
			checked, repeated = checked+1, repeated+1
			continue
		}
		checked++
		st, value, err := p.check(ctx, d)
		if err != nil {
			out[i] = outcome{err: err}
			continue
		}
		st.add(d.Date, d.Direction, value)
		posted[d.Number], p.inflight[d.Number] = true, true
		p.dirty[st.auth.Number] = true
		decls = append(decls, d)
		out[i] = outcome{res: rowWritten}
	}
	return decls
}

// write posts the declarations checkBatch returned.
func (p *poster) write(ctx context.Context, decls []*Declaration) error {
	return p.prepareWrite(decls)(ctx)
}

// prepareWrite lays out the rows of decls on the calling goroutine and returns what
// posts them, so that the store's goroutine is left only the store's work.
func (p *poster) prepareWrite(decls []*Declaration) func(context.Context) error {
	if len(decls) == 0 {
		return func(context.Context) error { return nil }
	}
	write, err := p.tx.PrepareDeclarations(decls)
	return func(ctx context.Context) error {
		if err == nil {
			err = write(ctx)
		}
		if err != nil {
			return fmt.Errorf("post declarations: %w", err)
		}
		return nil
	}
}

// PostDeclaration checks a goods declaration, values it and posts it to the ledger. Posting
// a number already posted is a no-op that returns the first result with duplicate true.
// Errors: EInvalid.
func (s *Service) PostDeclaration(ctx context.Context, d *Declaration) (duplicate bool, err error) {
	if err := require(ctx, "posting declarations", RoleCustoms); err != nil {
		return false, err
	}
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

// ImportDeclarations posts goods declarations from a file, whole or not at all. The
// store's reads and writes run on a goroutine of their own, in order, while the batch
// between them is checked: a batch is checked while the one before is written and the
// one after is read.
func (s *Service) ImportDeclarations(ctx context.Context, rows iter.Seq[Row[Declaration]], o ImportOptions) (ImportReport, error) {
	if err := require(ctx, "importing declarations", RoleCustoms); err != nil {
		return ImportReport{}, err
	}
	var pl *postPipeline
	apply := func(ctx context.Context, tx Tx, batch, next []Row[Declaration], out []outcome) error {
		if pl == nil {
			pl = &postPipeline{p: s.newPoster(tx), q: newStoreQueue()}
			pl.requestReads(ctx, batch)
		}
		return pl.apply(ctx, batch, next, out)
	}
	// The store's calls still queued finish before the transaction ends, whether it
	// commits or not: none may run on a transaction that is gone.
	drain := func() {
		if pl != nil {
			pl.q.close()
			pl = nil
		}
	}
	return importStaged(ctx, s, rows, o, declarationBatch, apply, drain)
}

// postPipeline posts batches of declarations with a storeQueue: the store reads the
// next batch's authorizations and posted numbers, and writes the last batch, while
// this one is checked. The store's calls run in this order: read 1, read 2, write 1,
// read 3, write 2, ... So a batch's posted numbers are read before the batch just
// before it is written, which the poster's inflight set makes up for.
type postPipeline struct {
	p        *poster
	q        *storeQueue
	reads    *batchReads
	readDone <-chan error
}

// requestReads queues the store reads of batch.
func (pl *postPipeline) requestReads(ctx context.Context, batch []Row[Declaration]) {
	w := pl.p.wanted(batch)
	r := new(batchReads)
	pl.reads = r
	pl.readDone = pl.q.submit(func() (err error) {
		*r, err = pl.p.read(ctx, w)
		return err
	})
}

// apply checks batch, queues its write and the reads of next, and after the last batch
// waits for every write.
func (pl *postPipeline) apply(ctx context.Context, batch, next []Row[Declaration], out []outcome) error {
	if err := <-pl.readDone; err != nil {
		return err
	}
	r := *pl.reads
	maps.Copy(pl.p.auths, r.loaded)
	// Where next would overflow the cache of authorizations, the cache starts afresh
	// and they are read again: after this batch is written, so that their flows count it.
	reload := next != nil && pl.p.full(next)
	if next != nil && !reload {
		pl.requestReads(ctx, next)
	}
	write := pl.p.prepareWrite(pl.p.checkBatch(ctx, batch, r, out))
	written := pl.q.submit(func() error { return write(ctx) })
	if next == nil || reload {
		// The flows of the authorizations posted to are recorded before the import
		// forgets them, and at its end: after the writes queued, before the reads.
		flows := pl.p.dirtyFlows()
		written = pl.q.submit(func() error { return pl.p.tx.SetFlows(ctx, flows) })
	}
	switch {
	case next == nil:
		return <-written
	case reload:
		pl.requestReads(ctx, next)
	}
	return nil
}

// storeQueue runs calls to the store one at a time, in the order submitted, on a
// goroutine of its own. Once a call fails, the calls after it are not run and report
// the same error.
type storeQueue struct {
	calls   chan queuedCall
	stopped chan struct{}
}

type queuedCall struct {
	fn   func() error
	done chan error
}

func newStoreQueue() *storeQueue {
	q := &storeQueue{calls: make(chan queuedCall, 4), stopped: make(chan struct{})}
	go func() {
		defer close(q.stopped)
		var failed error
		for c := range q.calls {
			if failed == nil {
				failed = runCall(c.fn)
			}
			c.done <- failed
		}
	}()
	return q
}

// runCall runs fn, turning a panic into an error: on the queue's goroutine a panic
// would end the whole process, out of reach of any caller's recovery.
func runCall(fn func() error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("store call panicked: %v\n%s", r, debug.Stack())
		}
	}()
	return fn()
}

// submit queues fn and returns where its error (or nil) will be sent.
func (q *storeQueue) submit(fn func() error) <-chan error {
	done := make(chan error, 1)
	q.calls <- queuedCall{fn, done}
	return done
}

// close waits for the calls queued to finish and stops the goroutine.
func (q *storeQueue) close() {
	close(q.calls)
	<-q.stopped
}

// Reassess records a new assessed value of a posted declaration as of a day. The change in
// value, at the declaration's original rate, is booked as a new ledger entry; a value that
// changes nothing books nothing (the result's Entry is 0). Errors: EInvalid, ENotFound.
func (s *Service) Reassess(ctx context.Context, number string, assessed Decimal, day Date) (*Reassessment, error) {
	if err := require(ctx, "reassessing", RoleCustoms); err != nil {
		return nil, err
	}
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
		if r.Delta.IsZero() {
			return nil // nothing changes, so nothing is booked: a form sent twice books once
		}
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
		st.add(day, d.Direction, delta)
		p.dirty[d.Authorization] = true
		if err := p.recordFlows(ctx); err != nil {
			return err
		}
		return tx.CreateReassessment(ctx, r)
	})
	return r, err
}
