package barter

import (
	"context"
	"fmt"
	"math"
	"math/big"
	"sort"
	"strings"
	"time"

	"github.com/barter-clearing/barter/iso20022"
	"github.com/shopspring/decimal"
)

// SetOff finds the set-off of obligations among parties (numbered from 0) that clears the
// most debt, and proves it. Package netting implements it; the Service uses it to build
// clearing runs.
type SetOff interface {
	SetOff(parties int, debtors, creditors []int32, amounts []int64) (cleared []int64, err error)
	// Loops splits a set-off into loops of cleared amounts, whose sum it is, and
	// returns the limit largest, largest first, with how many loops there are.
	Loops(debtors, creditors []int32, cleared []int64, limit int) (largest []Loop, count int)
}

// Loop is a closed chain of obligations that a set-off cancels by Amount: each
// obligation's creditor is the debtor of the next, and the last one's is the first's.
type Loop struct {
	Obligations []int // indexes of the obligations, in order around the loop
	Amount      int64
}

// ClearingStatus is where a clearing run stands.
type ClearingStatus string

// Clearing run statuses: a run is reviewed as a draft, then committed to the ledger.
const (
	ClearingDraft     ClearingStatus = "draft"
	ClearingCommitted ClearingStatus = "committed"
)

// ClearingRun is one multilateral set-off: its input obligations, the amount cleared on
// each, and, once committed, the ledger entry that booked it. The stored input makes the
// run reproducible.
type ClearingRun struct {
	ID      int64
	Created time.Time
	Source  string // where the obligations came from
	// PositionsAsOf is the day of the positions the run was made from; zero for a
	// run of obligations given to it.
	PositionsAsOf Date
	Status        ClearingStatus
	Committed     Date  // the day it was booked
	Entry         int64 // the ledger entry, once committed
	Obligations   []ClearedObligation
}

// ClearedObligation is an obligation of a run with the amount set off.
type ClearedObligation struct {
	Obligation
	Cleared int64
}

// PartyEffect is what a run does to one party in one currency: the gross it owes and is
// owed before, the amounts set off, and its net position, which the run leaves unchanged.
type PartyEffect struct {
	Party, Currency string
	Owes, Owed      int64 // before the run
	Cleared         int64 // set off on each side
	Net             int64 // owed minus owes, before and after
}

// Effects returns each party's effect per currency, largest gross first.
func (r *ClearingRun) Effects() []PartyEffect {
	type key struct{ party, currency string }
	m := map[key]*PartyEffect{}
	get := func(p, c string) *PartyEffect {
		k := key{p, c}
		if e := m[k]; e != nil {
			return e
		}
		e := &PartyEffect{Party: p, Currency: c}
		m[k] = e
		return e
	}
	for _, o := range r.Obligations {
		d, c := get(o.Debtor, o.Currency), get(o.Creditor, o.Currency)
		d.Owes += o.Amount
		d.Cleared += o.Cleared
		d.Net -= o.Amount
		c.Owed += o.Amount
		c.Net += o.Amount
	}
	out := make([]PartyEffect, 0, len(m))
	for _, e := range m {
		out = append(out, *e)
	}
	sort.Slice(out, func(i, j int) bool {
		gi, gj := out[i].Owes+out[i].Owed, out[j].Owes+out[j].Owed
		if gi != gj {
			return gi > gj
		}
		return out[i].Party < out[j].Party
	})
	return out
}

// Totals returns the gross, cleared and residual amounts of a run per currency.
func (r *ClearingRun) Totals() map[string][3]int64 {
	t := map[string][3]int64{}
	for _, o := range r.Obligations {
		s := t[o.Currency]
		s[0] += o.Amount
		s[1] += o.Cleared
		s[2] += o.Amount - o.Cleared
		t[o.Currency] = s
	}
	return t
}

// CurrencyReview is what a run does in one currency: its totals, and the largest loops
// of debt it cancels, for an operator to review before committing it.
type CurrencyReview struct {
	Currency                 string
	Gross, Cleared, Residual int64
	Loops                    int // how many loops the set-off splits into
	Cycles                   []ClearedCycle
}

// ClearedCycle is a loop of debts that a run cancels: each party owes the next by
// Amount, and the last owes the first.
type ClearedCycle struct {
	Amount  int64
	Parties []string
}

// ClearedPercent is the share of the gross that the run sets off, in percent, rounded
// half-even to one decimal; zero when there is nothing to clear.
func (c *CurrencyReview) ClearedPercent() Decimal {
	if c.Gross == 0 {
		return Zero
	}
	// Tenths of a percent, with the remainder deciding the rounding: exact at any size.
	gross := big.NewInt(c.Gross)
	q, r := new(big.Int).QuoRem(new(big.Int).Mul(big.NewInt(c.Cleared), big.NewInt(1000)), gross, new(big.Int))
	if half := r.Lsh(r, 1).Cmp(gross); half > 0 || half == 0 && q.Bit(0) == 1 {
		q.Add(q, big.NewInt(1))
	}
	return decimal.NewFromBigInt(q, -1)
}

// Review returns a run's totals and its largest cycles, at most cycles of them, for each
// currency in alphabetical order.
func (s *Service) Review(r *ClearingRun, cycles int) []CurrencyReview {
	byCurrency := map[string][]int{}
	for i, o := range r.Obligations {
		byCurrency[o.Currency] = append(byCurrency[o.Currency], i)
	}
	out := make([]CurrencyReview, 0, len(byCurrency))
	for c, idx := range byCurrency {
		cr := CurrencyReview{Currency: c}
		var party Index
		debtors, creditors, cleared := make([]int32, len(idx)), make([]int32, len(idx)), make([]int64, len(idx))
		for k, i := range idx {
			o := r.Obligations[i]
			cr.Gross, cr.Cleared = cr.Gross+o.Amount, cr.Cleared+o.Cleared
			debtors[k], creditors[k], cleared[k] = party.ID(o.Debtor), party.ID(o.Creditor), o.Cleared
		}
		cr.Residual = cr.Gross - cr.Cleared
		if s.SetOff != nil && cr.Cleared > 0 {
			var loops []Loop
			loops, cr.Loops = s.SetOff.Loops(debtors, creditors, cleared, cycles)
			for _, l := range loops {
				cy := ClearedCycle{Amount: l.Amount}
				for _, k := range l.Obligations {
					cy.Parties = append(cy.Parties, r.Obligations[idx[k]].Debtor)
				}
				cr.Cycles = append(cr.Cycles, cy)
			}
		}
		out = append(out, cr)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Currency < out[j].Currency })
	return out
}

// Payment is one payment that settles a residual position through the clearing house.
type Payment struct {
	Payer, Payee string
	Amount       int64 // minor units
	Currency     string
}

// Settle turns net positions (names[p] is owed net[p], negative when it owes) into
// payments: each net debtor pays the clearing house, and the clearing house pays each net
// creditor, debtors first, each in name order. No scheme with fewer payments settles
// every position when each party may deal only with the central counterparty.
func Settle(names []string, net []int64, currency, clearingHouse string) []Payment {
	var pay, receive []Payment
	for p, n := range net {
		switch {
		case n < 0:
			pay = append(pay, Payment{names[p], clearingHouse, -n, currency})
		case n > 0:
			receive = append(receive, Payment{clearingHouse, names[p], n, currency})
		}
	}
	sort.Slice(pay, func(i, j int) bool { return pay[i].Payer < pay[j].Payer })
	sort.Slice(receive, func(i, j int) bool { return receive[i].Payee < receive[j].Payee })
	return append(pay, receive...)
}

// Payouts is the ISO 20022 pain.001 message of what the clearing house pays out of
// payments, to be executed on a day; its ID is prefix and the time it is created. Nil
// when the clearing house pays nothing.
func Payouts(clearingHouse, prefix string, ps []Payment, created time.Time, execution Date) *iso20022.Initiation {
	var out []iso20022.Payout
	for _, p := range ps {
		if p.Payer == clearingHouse {
			out = append(out, iso20022.Payout{Creditor: p.Payee, Amount: p.Amount, Currency: p.Currency})
		}
	}
	return iso20022.Payouts(clearingHouse, prefix+created.UTC().Format("20060102T150405"), created, execution.Time(), out)
}

// Settlement returns the payments that settle what a run leaves, currency by currency
// in alphabetical order. A set-off leaves every net position as it was, so they settle
// each party's net position.
func (r *ClearingRun) Settlement(clearingHouse string) []Payment {
	byCurrency := map[string][]PartyEffect{}
	for _, e := range r.Effects() {
		byCurrency[e.Currency] = append(byCurrency[e.Currency], e)
	}
	currencies := make([]string, 0, len(byCurrency))
	for c := range byCurrency {
		currencies = append(currencies, c)
	}
	sort.Strings(currencies)
	var out []Payment
	for _, c := range currencies {
		es := byCurrency[c]
		names, net := make([]string, len(es)), make([]int64, len(es))
		for i, e := range es {
			names[i], net[i] = e.Party, e.Net
		}
		out = append(out, Settle(names, net, c, clearingHouse)...)
	}
	return out
}

// Parties counts the parties of a run's obligations.
func (r *ClearingRun) Parties() int {
	seen := map[string]bool{}
	for _, o := range r.Obligations {
		seen[o.Debtor], seen[o.Creditor] = true, true
	}
	return len(seen)
}

// checkObligations validates a run's input: ids unique, parties distinct, amounts not
// negative, currencies known.
func checkObligations(obs []Obligation) error {
	seen := make(map[string]bool, len(obs))
	for i, o := range obs {
		field := func(f string) string { return fmt.Sprintf("obligations[%d].%s", i, f) }
		switch {
		case strings.TrimSpace(o.ID) == "":
			return Invalid(field("id"), "is required")
		case seen[o.ID]:
			return Invalid(field("id"), "%q appears twice", o.ID)
		case o.Debtor == "" || o.Creditor == "":
			return Invalid(field("debtor"), "debtor and creditor are required")
		case o.Debtor == o.Creditor:
			return Invalid(field("creditor"), "%q is also the debtor", o.Creditor)
		case o.Amount < 0:
			return Invalid(field("amount"), "is negative")
		case !IsCurrency(o.Currency):
			return Invalid(field("currency"), "%q is not an ISO 4217 currency code", o.Currency)
		}
		seen[o.ID] = true
	}
	// Every sum a run reports is at most its gross in a currency; keep that in 64 bits.
	gross := map[string]int64{}
	for i, o := range obs {
		if gross[o.Currency] > math.MaxInt64-o.Amount {
			return Invalid(fmt.Sprintf("obligations[%d].amount", i), "the %s obligations of a run sum past what the ledger holds", o.Currency)
		}
		gross[o.Currency] += o.Amount
	}
	return nil
}

// setOff clears obligations, each currency on its own.
func (s *Service) setOff(obs []Obligation) ([]int64, error) {
	if s.SetOff == nil {
		return nil, fmt.Errorf("barter: the service has no set-off solver")
	}
	byCurrency := map[string][]int{}
	for i, o := range obs {
		byCurrency[o.Currency] = append(byCurrency[o.Currency], i)
	}
	cleared := make([]int64, len(obs))
	for _, idx := range byCurrency {
		var party Index
		id := party.ID
		d, c, a := make([]int32, len(idx)), make([]int32, len(idx)), make([]int64, len(idx))
		for k, i := range idx {
			d[k], c[k], a[k] = id(obs[i].Debtor), id(obs[i].Creditor), obs[i].Amount
		}
		cl, err := s.SetOff.SetOff(party.Len(), d, c, a)
		if err != nil {
			return nil, Invalid("obligations", "%v", err)
		}
		for k, i := range idx {
			cleared[i] = cl[k]
		}
	}
	return cleared, nil
}

// CreateClearingRun finds the optimal set-off of obligations and stores it as a draft run
// for review. Errors: EInvalid.
func (s *Service) CreateClearingRun(ctx context.Context, source string, obs []Obligation) (*ClearingRun, error) {
	if err := require(ctx, "clearing", RoleOperator); err != nil {
		return nil, err
	}
	return s.createClearingRun(ctx, &ClearingRun{Source: source}, obs)
}

// CreateClearingRunFromPositions makes a draft run of what the positions as of a day
// owe (see ObligationsFromPositions). Errors: EInvalid when nothing is owed.
func (s *Service) CreateClearingRunFromPositions(ctx context.Context, asOf Date) (*ClearingRun, error) {
	if err := require(ctx, "clearing", RoleOperator); err != nil {
		return nil, err
	}
	obs, err := s.ObligationsFromPositions(ctx, asOf)
	if err != nil {
		return nil, err
	}
	if len(obs) == 0 {
		return nil, Invalid("as_of", "no authorization overdue or cancelled as of %s owes anything", asOf)
	}
	return s.createClearingRun(ctx, &ClearingRun{Source: PositionsSource + asOf.String(), PositionsAsOf: asOf}, obs)
}

func (s *Service) createClearingRun(ctx context.Context, r *ClearingRun, obs []Obligation) (*ClearingRun, error) {
	if err := checkObligations(obs); err != nil {
		return nil, err
	}
	cleared, err := s.setOff(obs)
	if err != nil {
		return nil, err
	}
	r.Created, r.Status, r.Obligations = s.now().UTC(), ClearingDraft, make([]ClearedObligation, len(obs))
	for i, o := range obs {
		r.Obligations[i] = ClearedObligation{Obligation: o, Cleared: cleared[i]}
	}
	if err := s.update(ctx, func(tx Tx) error { return tx.CreateClearingRun(ctx, r) }); err != nil {
		return nil, err
	}
	return r, nil
}

// ObligationsFromPositions turns the positions of authorizations overdue or cancelled as
// of a day into obligations in the unit of account: a trader who imported more than it
// exported owes its counterparty the difference, and the other way round. What committed
// runs from positions already cleared of an authorization's obligation is deducted, so
// the same debt is never set off twice.
func (s *Service) ObligationsFromPositions(ctx context.Context, asOf Date) ([]Obligation, error) {
	if err := notTraders(ctx, "what every party owes"); err != nil {
		return nil, err
	}
	var ps []Position
	var cleared map[string]int64
	err := s.Store.View(ctx, func(tx Tx) error {
		var err error
		if ps, err = s.positions(ctx, tx, asOf, true); err != nil {
			return err
		}
		cleared, err = tx.ClearedFromPositions(ctx)
		return err
	})
	if err != nil {
		return nil, err
	}
	return s.owed(ps, cleared), nil
}

// owed is what positions owe, less what committed runs cleared of it.
func (s *Service) owed(ps []Position, cleared map[string]int64) []Obligation {
	var obs []Obligation
	for _, p := range ps {
		if p.Status != PositionOverdue && p.Status != PositionCancelled {
			continue
		}
		amount, err := MinorUnits(p.Imbalance.Abs())
		if err != nil || amount == 0 {
			continue
		}
		amount -= cleared[p.Authorization]
		if amount <= 0 {
			continue
		}
		o := Obligation{ID: p.Authorization, Debtor: p.Party, Creditor: p.Counterparty, Amount: amount, Currency: s.Rulebooks[p.Regime].Currency}
		if p.Imbalance.IsPositive() { // exports exceed imports: the counterparty owes
			o.Debtor, o.Creditor = p.Counterparty, p.Party
		}
		obs = append(obs, o)
	}
	return obs
}

// checkStillOwed refuses to commit a run made from positions when its authorizations no
// longer owe what it sets off: another run from positions committed meanwhile, or a
// declaration or reassessment dated on or before its day was booked since. It holds the
// authorizations until commit, so that two such runs are committed one after the other.
func (s *Service) checkStillOwed(ctx context.Context, tx Tx, r *ClearingRun) error {
	numbers := make([]string, len(r.Obligations))
	for i, o := range r.Obligations {
		numbers[i] = o.ID
	}
	auths, err := tx.AuthorizationsByNumber(ctx, numbers)
	if err != nil {
		return err
	}
	flows, err := tx.FlowsOf(ctx, numbers)
	if err != nil {
		return err
	}
	cleared, err := tx.ClearedFromPositions(ctx)
	if err != nil {
		return err
	}
	var ps []Position
	for _, n := range numbers {
		a := auths[n]
		if a == nil {
			return Errorf(EConflict, "clearing run %d: authorization %s is gone", r.ID, n)
		}
		var t Totals
		for _, f := range flows[n] {
			if !f.Day.After(r.PositionsAsOf) {
				t = t.Add(Import, FromMinorUnits(f.Imports)).Add(Export, FromMinorUnits(f.Exports))
			}
		}
		ps = append(ps, NewPosition(a, s.Rulebooks[a.Regime], t, r.PositionsAsOf))
	}
	now := map[string]Obligation{}
	for _, o := range s.owed(ps, cleared) {
		now[o.ID] = o
	}
	for _, o := range r.Obligations {
		if now[o.ID] != o.Obligation {
			return Errorf(EConflict, "clearing run %d: what authorization %s owes as of %s has changed since the run was made (another run from positions was committed, or a declaration was booked); make a new run",
				r.ID, o.ID, r.PositionsAsOf)
		}
	}
	return nil
}

// ClearingRun returns a run with its obligations. Errors: ENotFound.
func (s *Service) ClearingRun(ctx context.Context, id int64) (*ClearingRun, error) {
	if err := notTraders(ctx, "a clearing run"); err != nil {
		return nil, err
	}
	var r *ClearingRun
	err := s.Store.View(ctx, func(tx Tx) error {
		var err error
		r, err = tx.ClearingRun(ctx, id)
		return err
	})
	return r, err
}

// ClearingRunHead returns a run without its obligations. Errors: ENotFound.
func (s *Service) ClearingRunHead(ctx context.Context, id int64) (*ClearingRun, error) {
	if err := notTraders(ctx, "a clearing run"); err != nil {
		return nil, err
	}
	var r *ClearingRun
	err := s.Store.View(ctx, func(tx Tx) error {
		var err error
		r, err = tx.ClearingRunHead(ctx, id)
		return err
	})
	return r, err
}

// ClearingObligations returns limit of a run's obligations from the offset-th on, in
// input order, and how many it has. Errors: ENotFound.
func (s *Service) ClearingObligations(ctx context.Context, id int64, offset, limit int) ([]ClearedObligation, int, error) {
	if err := notTraders(ctx, "a clearing run"); err != nil {
		return nil, 0, err
	}
	var obs []ClearedObligation
	var n int
	err := s.Store.View(ctx, func(tx Tx) error {
		if _, err := tx.ClearingRunHead(ctx, id); err != nil {
			return err
		}
		var err error
		if n, err = tx.ClearingObligationCount(ctx, id); err != nil {
			return err
		}
		obs, err = tx.ClearingObligations(ctx, id, offset, limit)
		return err
	})
	return obs, n, err
}

// ClearingRuns lists the runs, without their obligations.
func (s *Service) ClearingRuns(ctx context.Context) ([]ClearingRun, error) {
	if err := notTraders(ctx, "clearing runs"); err != nil {
		return nil, err
	}
	var rs []ClearingRun
	err := s.Store.View(ctx, func(tx Tx) error {
		var err error
		rs, err = tx.ClearingRuns(ctx)
		return err
	})
	return rs, err
}

// CommitClearingRun books a draft run's set-off in the ledger as one entry, in the same
// transaction that marks it committed. For each currency and party the entry debits what
// the party owed and credits what it was owed by the amounts set off; the two are equal
// because a set-off leaves every net position unchanged. Errors: ENotFound, EConflict.
func (s *Service) CommitClearingRun(ctx context.Context, id int64, day Date) (*ClearingRun, error) {
	if err := require(ctx, "committing clearing runs", RoleOperator); err != nil {
		return nil, err
	}
	var r *ClearingRun
	err := s.update(ctx, func(tx Tx) error {
		var err error
		if r, err = tx.ClearingRun(ctx, id); err != nil {
			return err
		}
		if r.Status != ClearingDraft {
			return Errorf(EConflict, "clearing run %d is already %s", id, r.Status)
		}
		if !r.PositionsAsOf.IsZero() {
			if err := s.checkStillOwed(ctx, tx, r); err != nil {
				return err
			}
		}
		if err := checkRunScreening(ctx, tx, r); err != nil {
			return err
		}
		type key struct{ party, currency string }
		payable, receivable := map[key]int64{}, map[key]int64{}
		var keys []key
		for _, o := range r.Obligations {
			if o.Cleared == 0 {
				continue
			}
			for _, k := range []key{{o.Debtor, o.Currency}, {o.Creditor, o.Currency}} {
				if _, ok := payable[k]; !ok {
					payable[k], receivable[k] = 0, 0
					keys = append(keys, k)
				}
			}
			payable[key{o.Debtor, o.Currency}] += o.Cleared
			receivable[key{o.Creditor, o.Currency}] += o.Cleared
		}
		sort.Slice(keys, func(i, j int) bool {
			if keys[i].currency != keys[j].currency {
				return keys[i].currency < keys[j].currency
			}
			return keys[i].party < keys[j].party
		})
		e := Entry{Kind: EntryClearing, Ref: fmt.Sprintf("clearing-%d", id), Date: day}
		for _, k := range keys {
			acct := "clearing/" + k.currency + "/" + k.party
			if v := payable[k]; v != 0 {
				e.Postings = append(e.Postings, Posting{Account: acct + ":payable", Amount: FromMinorUnits(v)})
			}
			if v := receivable[k]; v != 0 {
				e.Postings = append(e.Postings, Posting{Account: acct + ":receivable", Amount: FromMinorUnits(-v)})
			}
		}
		if len(e.Postings) > 0 {
			if !e.Sum().IsZero() {
				return fmt.Errorf("clearing run %d does not balance: %s", id, e.Sum())
			}
			if err := tx.AppendEntry(ctx, &e); err != nil {
				return err
			}
		}
		r.Status, r.Committed, r.Entry = ClearingCommitted, day, e.ID
		return tx.UpdateClearingRun(ctx, r)
	})
	if err != nil {
		return nil, err
	}
	return r, nil
}

// SettleClearingRun returns a committed run with the payments that settle what it
// leaves, through the clearing house of the name given. Errors: ENotFound, EConflict
// (the run is still a draft).
func (s *Service) SettleClearingRun(ctx context.Context, id int64, clearingHouse string) (*ClearingRun, []Payment, error) {
	r, err := s.ClearingRun(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	if r.Status != ClearingCommitted {
		return nil, nil, Errorf(EConflict, "clearing run %d is a draft: what it leaves is settled once it is committed", id)
	}
	// No payment goes to or from a party the sanctions list may name, or names.
	if err := s.Store.View(ctx, func(tx Tx) error { return checkRunScreening(ctx, tx, r) }); err != nil {
		return nil, nil, err
	}
	return r, r.Settlement(clearingHouse), nil
}

// checkRunScreening refuses a run with a debtor or creditor that screening blocks.
func checkRunScreening(ctx context.Context, tx Tx, r *ClearingRun) error {
	parties := map[string]bool{}
	for _, o := range r.Obligations {
		parties[o.Debtor], parties[o.Creditor] = true, true
	}
	names := make([]string, 0, len(parties))
	for p := range parties {
		names = append(names, p)
	}
	sort.Strings(names)
	return checkScreening(ctx, tx, names...)
}

// ReproduceClearingRun solves a stored run's input again and reports whether it clears
// the same total in every currency (the optimum is unique even when the set-off is not).
func (s *Service) ReproduceClearingRun(ctx context.Context, id int64) (bool, error) {
	r, err := s.ClearingRun(ctx, id)
	if err != nil {
		return false, err
	}
	obs := make([]Obligation, len(r.Obligations))
	for i, o := range r.Obligations {
		obs[i] = o.Obligation
	}
	cleared, err := s.setOff(obs)
	if err != nil {
		return false, err
	}
	again := &ClearingRun{Obligations: make([]ClearedObligation, len(obs))}
	for i, o := range obs {
		again.Obligations[i] = ClearedObligation{Obligation: o, Cleared: cleared[i]}
	}
	want, got := r.Totals(), again.Totals()
	for c, t := range want {
		if got[c][1] != t[1] {
			return false, nil
		}
	}
	return true, nil
}
