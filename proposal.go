package barter

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/barter-clearing/barter/match"
)

// OfferStatus is where an offer stands in the matching pool.
type OfferStatus string

// Offer statuses. An open offer is in the pool; a proposed one is in a pending proposal;
// a matched one is in an accepted proposal; a declined one was withdrawn by its party
// declining a proposal.
const (
	OfferOpen     OfferStatus = "open"
	OfferProposed OfferStatus = "proposed"
	OfferMatched  OfferStatus = "matched"
	OfferDeclined OfferStatus = "declined"
)

// ProposalStatus is where a proposal stands.
type ProposalStatus string

// Proposal statuses: pending until every party accepts (accepted), one declines
// (declined) or the deadline passes (expired).
const (
	ProposalPending  ProposalStatus = "pending"
	ProposalAccepted ProposalStatus = "accepted"
	ProposalDeclined ProposalStatus = "declined"
	ProposalExpired  ProposalStatus = "expired"
)

// Responses of a party to a proposal.
const (
	ResponsePending  = "pending"
	ResponseAccepted = "accepted"
	ResponseDeclined = "declined"
)

// Proposal is an exchange cycle put to its parties: the offer of leg i gives to the offer
// of leg i+1, the last to the first.
type Proposal struct {
	ID       int64
	Created  Date
	Deadline Date // the last day to respond
	Status   ProposalStatus
	Value    int64 // total value that changes hands, in hundredths of the unit of account
	Legs     []ProposalLeg
	// Authorizations are created when every party accepts: one per country pair.
	Authorizations []ProposalAuthorization
}

// ProposalLeg is one party's place in a proposal.
type ProposalLeg struct {
	Offer     string
	Party     string
	Country   string
	Value     int64 // what this offer gives to the next, in hundredths
	Response  string
	Responded Date
	Reason    string
}

// ProposalAuthorization links a proposal to the authorization created for the legs
// between the home country and one partner country.
type ProposalAuthorization struct {
	Country       string // the partner country
	Authorization int64  // its ID; its number comes with customs approval
}

// OfferArcs builds the compatibility graph of offers on a day: an arc from i to j when
// offer i can give to offer j (see CanGive), weighted by the value that can move, the
// smaller of what i offers at most and j wants at most.
func (rbs Rulebooks) OfferArcs(offers []Offer, day Date) []match.Arc {
	var arcs []match.Arc
	for i := range offers {
		for j := range offers {
			if i == j {
				continue
			}
			if ok, _ := rbs.CanGive(&offers[i], &offers[j], day); ok {
				arcs = append(arcs, match.Arc{From: int32(i), To: int32(j), Weight: LegValue(&offers[i], &offers[j])})
			}
		}
	}
	return arcs
}

// ImportOffers puts offers in the matching pool. An offer already there with the same
// details is a duplicate; with other details it is an error. Every offer's party must be
// registered in the offer's country.
func (s *Service) ImportOffers(ctx context.Context, rows iter.Seq[Row[Offer]], o ImportOptions) (ImportReport, error) {
	if err := require(ctx, "importing offers", RoleOperator); err != nil {
		return ImportReport{}, err
	}
	return importRows(ctx, s, rows, o, func(ctx context.Context, tx Tx, _ int, of Offer) (rowResult, error) {
		return s.createOffer(ctx, tx, &of)
	})
}

// CreateOffer puts one offer in the matching pool, as ImportOffers does. Offering the same
// details again is a no-op that reports duplicate and returns the offer as it stands.
// Errors: EInvalid, EConflict (an offer with that ID and other details exists).
func (s *Service) CreateOffer(ctx context.Context, of *Offer) (duplicate bool, err error) {
	if err := require(ctx, "offering", RoleTrader, RoleOperator); err != nil {
		return false, err
	}
	if err := UserFrom(ctx).ActFor(of.Party); err != nil {
		return false, err
	}
	err = s.update(ctx, func(tx Tx) error {
		res, err := s.createOffer(ctx, tx, of)
		if err != nil || res != rowDuplicate {
			return err
		}
		duplicate = true
		old, err := tx.Offer(ctx, of.ID)
		if err == nil {
			*of = *old
		}
		return err
	})
	return duplicate, err
}

func (s *Service) createOffer(ctx context.Context, tx Tx, of *Offer) (rowResult, error) {
	if err := of.Validate(); err != nil {
		return 0, err
	}
	if _, err := s.Rulebooks.Lookup("regime", of.Regime); err != nil {
		return 0, err
	}
	p, err := s.party(ctx, tx, "party", of.Party)
	if err != nil {
		return 0, err
	}
	if p.Country != of.Country {
		return 0, Invalid("country", "party %s is registered in %s, not %s", p.ID, p.Country, of.Country)
	}
	of.Status = OfferOpen
	old, err := tx.Offer(ctx, of.ID)
	switch {
	case err == nil && sameOffer(old, of):
		return rowDuplicate, nil
	case err == nil:
		return 0, &Error{Code: EConflict, Field: "id", Message: fmt.Sprintf("offer %s is already in the pool with other details", of.ID)}
	case ErrorCode(err) != ENotFound:
		return 0, err
	}
	return rowWritten, tx.CreateOffer(ctx, of)
}

// Leg says whether the offer from can give to the offer to on a day, as matching sees it:
// the value that would move, or the reasons there is no arc. Errors: ENotFound.
type Leg struct {
	From, To *Offer
	Possible bool
	Value    int64 // hundredths of the unit of account, when possible
	Reasons  []string
}

// LegValue is the value that moves when offer a gives to offer b: as much as a offers, up
// to what b wants.
func LegValue(a, b *Offer) int64 { return min(a.ValueMax, b.WantMax) }

// ExplainLeg says whether, and if not why not, one stored offer can give to another on a
// day. Errors: ENotFound.
func (s *Service) ExplainLeg(ctx context.Context, from, to string, day Date) (*Leg, error) {
	l := &Leg{}
	err := s.Store.View(ctx, func(tx Tx) error {
		var err error
		if l.From, err = tx.Offer(ctx, from); err != nil {
			return err
		}
		if l.To, err = tx.Offer(ctx, to); err != nil {
			return err
		}
		// Screening blocks as matching does (see Propose).
		blocked, err := tx.BlockedParties(ctx)
		for _, o := range []*Offer{l.From, l.To} {
			if _, ok := blocked[o.Party]; ok {
				o.Blocked = true
			}
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	if l.Possible, l.Reasons = s.Rulebooks.CanGive(l.From, l.To, day); l.Possible {
		l.Value = LegValue(l.From, l.To)
	}
	return l, nil
}

// Offer returns one offer of the pool. Errors: ENotFound.
func (s *Service) Offer(ctx context.Context, id string) (*Offer, error) {
	var of *Offer
	err := s.Store.View(ctx, func(tx Tx) error {
		var err error
		of, err = tx.Offer(ctx, id)
		return err
	})
	return of, err
}

// sameOffer compares offers field by field, ignoring their status in the pool.
func sameOffer(a, b *Offer) bool {
	x, y := *a, *b
	if !x.Quantity.Equal(y.Quantity) || !slices.Equal(x.Wants, y.Wants) || !slices.Equal(x.Ports, y.Ports) {
		return false
	}
	x.Status, y.Status, x.Quantity, y.Quantity, x.Wants, y.Wants, x.Ports, y.Ports = "", "", Zero, Zero, nil, nil, nil, nil
	return reflect.DeepEqual(x, y)
}

// Offers lists the offers in the pool, by id; all when status is "".
func (s *Service) Offers(ctx context.Context, status OfferStatus) ([]Offer, error) {
	var out []Offer
	err := s.Store.View(ctx, func(tx Tx) error {
		var err error
		out, err = tx.Offers(ctx, status)
		return err
	})
	return out, err
}

// ProposalRun is the outcome of matching the pool.
type ProposalRun struct {
	Result    *match.Result
	Offers    int // open offers valid on the day
	Arcs      int
	Proposals []Proposal
}

// Propose matches the open offers valid on a day into exchange cycles of at most k
// parties and puts each cycle to its parties as a proposal to answer by deadline. The
// offers in proposals leave the pool until the proposal is declined or expires.
// Proposals past their deadline are expired first, which returns their offers to the
// pool. Errors: EInvalid, EConflict (the pool changed while matching; run again).
func (s *Service) Propose(ctx context.Context, day, deadline Date, k int, limit time.Duration, goal MatchGoal) (*ProposalRun, error) {
	if err := require(ctx, "running a matching", RoleOperator); err != nil {
		return nil, err
	}
	if deadline.Before(day) {
		return nil, Invalid("deadline", "%s is before %s", deadline, day)
	}
	// Expiring first is housekeeping: the run's idempotency key goes with its proposals.
	if err := s.Store.Update(ctx, func(tx Tx) error { return s.expireProposals(ctx, tx, day) }); err != nil {
		return nil, err
	}
	open, err := s.Offers(ctx, OfferOpen)
	if err != nil {
		return nil, err
	}
	// Offers of parties the newest sanctions list may name, or names, trade with no one.
	var blocked map[string]ScreeningHit
	if err := s.Store.View(ctx, func(tx Tx) error {
		var err error
		blocked, err = tx.BlockedParties(ctx)
		return err
	}); err != nil {
		return nil, err
	}
	pool := open[:0]
	for _, o := range open {
		if o.ValidUntil.IsZero() || !o.ValidUntil.Before(day) {
			if _, ok := blocked[o.Party]; ok {
				o.Blocked = true
			}
			pool = append(pool, o)
		}
	}
	arcs := s.Rulebooks.OfferArcs(pool, day)
	prio, err := s.priority(ctx, pool, day, goal)
	if err != nil {
		return nil, err
	}
	res, err := match.Pack(len(pool), arcs, match.Options{MaxCycle: k, TimeLimit: limit, Priority: prio})
	if err != nil {
		field := "max_cycle"
		if errors.Is(err, match.ErrTooLarge) {
			field = "offers"
		} else if prio != nil {
			field = "priority"
		}
		return nil, Invalid(field, "%s", strings.TrimPrefix(err.Error(), "match: "))
	}
	run := &ProposalRun{Result: res, Offers: len(pool), Arcs: len(arcs)}
	weight := make(map[[2]int32]int64, len(arcs))
	for _, a := range arcs {
		weight[[2]int32{a.From, a.To}] = a.Weight
	}
	err = s.update(ctx, func(tx Tx) error {
		run.Proposals = run.Proposals[:0]
		for _, c := range res.Cycles {
			p := Proposal{Created: day, Deadline: deadline, Status: ProposalPending}
			for i, v := range c.Nodes {
				o := &pool[v]
				switch moved, err := tx.MoveOffer(ctx, o.ID, OfferOpen, OfferProposed); {
				case err != nil:
					return err
				case !moved:
					return Errorf(EConflict, "offer %s was taken while matching; run again", o.ID)
				}
				w := weight[[2]int32{v, c.Nodes[(i+1)%len(c.Nodes)]}]
				p.Value += w
				p.Legs = append(p.Legs, ProposalLeg{Offer: o.ID, Party: o.Party, Country: o.Country, Value: w, Response: ResponsePending})
			}
			if err := tx.CreateProposal(ctx, &p); err != nil {
				return err
			}
			run.Proposals = append(run.Proposals, p)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return run, nil
}

// MatchGoal says what a matching run serves first, before the value moved: the most
// parties, or the parties with an authorization still open within PriorityDays of its
// net-off deadline (its trader and counterparty both).
type MatchGoal struct {
	Parties      bool
	PriorityDays int // 0: no priority
}

// priority marks the offers of the parties a goal serves first, or returns nil.
func (s *Service) priority(ctx context.Context, pool []Offer, day Date, goal MatchGoal) ([]bool, error) {
	if !goal.Parties && goal.PriorityDays <= 0 {
		return nil, nil
	}
	prio := make([]bool, len(pool))
	if goal.Parties {
		for i := range prio {
			prio[i] = true
		}
		return prio, nil
	}
	ps, err := s.allPositions(ctx, day)
	if err != nil {
		return nil, err
	}
	urgent := map[string]bool{}
	for _, p := range ps {
		if p.Status == PositionOpen && p.DaysLeft <= goal.PriorityDays {
			urgent[p.Party], urgent[p.Counterparty] = true, true
		}
	}
	for i, o := range pool {
		prio[i] = urgent[o.Party]
	}
	return prio, nil
}

// expireProposals expires the pending proposals whose deadline is before day and returns
// their offers to the pool.
func (s *Service) expireProposals(ctx context.Context, tx Tx, day Date) error {
	due, err := tx.ProposalsDue(ctx, day)
	if err != nil {
		return err
	}
	for _, p := range due {
		// Only a proposal still pending expires: an answer committed meanwhile wins.
		moved, err := tx.MoveProposal(ctx, p.ID, ProposalPending, ProposalExpired)
		if err != nil {
			return err
		}
		if !moved {
			continue
		}
		for _, l := range p.Legs {
			if _, err := tx.MoveOffer(ctx, l.Offer, OfferProposed, OfferOpen); err != nil {
				return err
			}
		}
	}
	return nil
}

// Proposals lists proposals, newest first; all when status is "". Pending proposals
// past their deadline on day are expired first.
func (s *Service) Proposals(ctx context.Context, status ProposalStatus, day Date) ([]Proposal, error) {
	var out []Proposal
	// Most listings find nothing due and stay reads; only when something is due does
	// the listing write, and then its expiries are housekeeping that never spends an
	// idempotency key.
	list := func(tx Tx) error {
		var err error
		out, err = tx.Proposals(ctx, status)
		return err
	}
	var due bool
	err := s.Store.View(ctx, func(tx Tx) error {
		ps, err := tx.ProposalsDue(ctx, day)
		if due = len(ps) > 0; err != nil || due {
			return err
		}
		return list(tx)
	})
	if err != nil || !due {
		return slices.DeleteFunc(out, func(p Proposal) bool { return !s.seesProposal(ctx, &p) }), err
	}
	err = s.Store.Update(ctx, func(tx Tx) error {
		if err := s.expireProposals(ctx, tx, day); err != nil {
			return err
		}
		return list(tx)
	})
	return slices.DeleteFunc(out, func(p Proposal) bool { return !s.seesProposal(ctx, &p) }), err
}

// seesProposal reports whether the context's user may see a proposal: a trader one it
// has a leg in.
func (s *Service) seesProposal(ctx context.Context, p *Proposal) bool {
	if sees(ctx) {
		return true
	}
	for _, l := range p.Legs {
		if sees(ctx, l.Party) {
			return true
		}
	}
	return false
}

// Proposal returns one proposal. Errors: ENotFound.
func (s *Service) Proposal(ctx context.Context, id int64) (*Proposal, error) {
	var p *Proposal
	err := s.Store.View(ctx, func(tx Tx) error {
		var err error
		p, err = tx.Proposal(ctx, id)
		return err
	})
	if err == nil && !s.seesProposal(ctx, p) {
		return nil, Errorf(ENotFound, "no proposal %q", strconv.FormatInt(id, 10))
	}
	return p, err
}

// Respond records a party's answer to a pending proposal on a day. A decline (which
// needs a reason) ends the proposal: the other parties' offers return to the pool and the
// decliner's offer leaves it. When the last party accepts, the proposal is accepted, its
// offers are matched, and an authorization application is filed for each country pair
// of its cross-border legs (see authorizationsFor); customs approves them as any other.
// Errors: EInvalid, ENotFound, EConflict.
func (s *Service) Respond(ctx context.Context, id int64, party string, accept bool, reason string, day Date) (*Proposal, error) {
	if err := require(ctx, "answering proposals", RoleTrader); err != nil {
		return nil, err
	}
	if err := UserFrom(ctx).ActFor(party); err != nil {
		return nil, err
	}
	if !accept && strings.TrimSpace(reason) == "" {
		return nil, Invalid("reason", "is required to decline")
	}
	var p *Proposal
	err := s.update(ctx, func(tx Tx) error {
		if err := s.expireProposals(ctx, tx, day); err != nil {
			return err
		}
		var err error
		if p, err = tx.Proposal(ctx, id); err != nil {
			return err
		}
		if !s.seesProposal(ctx, p) {
			return Errorf(ENotFound, "no proposal %q", strconv.FormatInt(id, 10))
		}
		if accept {
			// A party screened since the proposal was made holds it up.
			parties := make([]string, len(p.Legs))
			for i, l := range p.Legs {
				parties[i] = l.Party
			}
			if err := checkScreening(ctx, tx, parties...); err != nil {
				return err
			}
		}
		if p.Status != ProposalPending {
			return Errorf(EConflict, "proposal %d is %s", id, p.Status)
		}
		// A party with several offers in the cycle answers for all of them at once.
		var legs []int
		for i, l := range p.Legs {
			if l.Party == party {
				legs = append(legs, i)
			}
		}
		if len(legs) == 0 {
			return Invalid("party", "%s is not in proposal %d", party, id)
		}
		if r := p.Legs[legs[0]].Response; r != ResponsePending {
			return Errorf(EConflict, "%s has already %s proposal %d", party, r, id)
		}
		response := ResponseAccepted
		if !accept {
			response = ResponseDeclined
		}
		for _, i := range legs {
			p.Legs[i].Response, p.Legs[i].Responded, p.Legs[i].Reason = response, day, reason
		}
		if !accept {
			p.Status = ProposalDeclined
			for _, o := range p.Legs {
				st := OfferOpen
				if o.Party == party {
					st = OfferDeclined
				}
				if _, err := tx.MoveOffer(ctx, o.Offer, OfferProposed, st); err != nil {
					return err
				}
			}
			return tx.UpdateProposal(ctx, p)
		}
		for _, o := range p.Legs {
			if o.Response != ResponseAccepted {
				return tx.UpdateProposal(ctx, p) // others still to answer
			}
		}
		p.Status = ProposalAccepted
		if err := s.authorizeProposal(ctx, tx, p, day); err != nil {
			return err
		}
		for _, o := range p.Legs {
			if _, err := tx.MoveOffer(ctx, o.Offer, OfferProposed, OfferMatched); err != nil {
				return err
			}
		}
		return tx.UpdateProposal(ctx, p)
	})
	if err != nil {
		return nil, err
	}
	return p, nil
}

// authorizeProposal files the authorization applications of an accepted proposal. A
// barter authorization is between two countries, so the cross-border legs are grouped
// by partner country: the home traders' exports to it and imports from it form one
// authorization, held by the home trader of the first export to that country, with the
// foreign party receiving that export as counterparty. (A rulebook keeps every
// cross-border leg between the home country and a partner, so each group has both
// directions.) Legs within one country need no authorization.
func (s *Service) authorizeProposal(ctx context.Context, tx Tx, p *Proposal, day Date) error {
	offers := make([]*Offer, len(p.Legs))
	for i, l := range p.Legs {
		o, err := tx.Offer(ctx, l.Offer)
		if err != nil {
			return err
		}
		offers[i] = o
	}
	type group struct {
		app      Application
		exporter bool
	}
	var order []string
	groups := map[string]*group{}
	for i := range p.Legs {
		from, to := offers[i], offers[(i+1)%len(offers)]
		if from.Country == to.Country {
			continue
		}
		home, foreign, dir := from, to, Export
		if rb, err := s.Rulebooks.Lookup("regime", from.Regime); err != nil || rb.Home != from.Country {
			home, foreign, dir = to, from, Import
		}
		g := groups[foreign.Country]
		if g == nil {
			g = &group{app: Application{Party: home.Party, Counterparty: foreign.Party, Regime: home.Regime}}
			groups[foreign.Country] = g
			order = append(order, foreign.Country)
		}
		if dir == Export && !g.exporter {
			g.app.Party, g.app.Counterparty, g.app.Regime, g.exporter = home.Party, foreign.Party, home.Regime, true
		}
		g.app.Lines = append(g.app.Lines, Line{Direction: dir, HSCode: from.Gives,
			Description: fmt.Sprintf("proposal %d: %s (%s) to %s (%s)", p.ID, from.Party, from.ID, to.Party, to.ID),
			Quantity:    from.Quantity, Unit: from.Unit, Value: FromMinorUnits(p.Legs[i].Value), Currency: s.homeCurrency(from.Regime)})
	}
	for _, c := range order {
		g := groups[c]
		a, err := s.apply(ctx, tx, &g.app, day)
		if err != nil {
			return fmt.Errorf("authorization for %s: %w", c, err)
		}
		p.Authorizations = append(p.Authorizations, ProposalAuthorization{Country: c, Authorization: a.ID})
	}
	return nil
}

// homeCurrency is the unit of account of a regime's rulebook (offers are valued in it).
func (s *Service) homeCurrency(regime string) string {
	if rb, err := s.Rulebooks.Lookup("regime", regime); err == nil {
		return rb.Currency
	}
	return ""
}
