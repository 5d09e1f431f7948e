package storetest

import (
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/barter-clearing/barter"
)

// offer returns an offer under the 2025 rulebook, valid through January 2024, delivering
// and wanting goods in the first quarter; values are in hundredths.
func offer(id, party, country, gives, wants string, value int64) barter.Offer {
	q1, q2 := barter.MustDate("2024-01-01"), barter.MustDate("2024-03-31")
	return barter.Offer{ID: id, Party: party, Country: country, Regime: "2025", Gives: gives, Quantity: barter.One, Unit: "t",
		ValueMin: value, ValueMax: value, From: q1, To: q2, Wants: []string{wants}, WantMin: value / 2, WantMax: value * 2,
		WantFrom: q1, WantTo: q2, ValidUntil: barter.MustDate("2024-01-31")}
}

func offerStatuses(t *testing.T, svc *barter.Service) map[string]barter.OfferStatus {
	t.Helper()
	offers, err := svc.Offers(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]barter.OfferStatus{}
	for _, o := range offers {
		out[o.ID] = o.Status
	}
	return out
}

func testProposals(t *testing.T, svc *barter.Service) {
	MustSeed(t, svc)
	MustImport(t, svc.ImportParties,
		barter.Party{ID: "T2", Name: "Karachi Cement", Country: "PK", TaxID: "7654321", Kind: barter.PartyPrivate, ActiveTaxpayer: true},
		barter.Party{ID: "RU2", Name: "Kazan Pulses", Country: "RU", TaxID: "1027701", Kind: barter.PartyPrivate},
	)
	// T1's rice goes to T2, T2's cement to RU1, RU1's wheat to T1: a cycle no pair closes.
	// T1's kinnow and RU2's pulses close a pair.
	MustImport(t, svc.ImportOffers,
		offer("rice", Trader, "PK", "100630", "1001", 100000),
		offer("cement", "T2", "PK", "252329", "1006", 110000),
		offer("wheat", Russian, "RU", "100199", "2523", 120000),
		offer("kinnow", Trader, "PK", "080521", "0713", 50000),
		offer("pulses", "RU2", "RU", "071320", "0805", 60000),
	)
	for _, tt := range []struct {
		o     barter.Offer
		field string
	}{
		{offer("x1", "ghost", "PK", "100630", "1001", 100), "party"},
		{offer("x2", "T2", "RU", "100630", "1001", 100), "country"},
		{offer("rice", Trader, "PK", "100630", "1001", 999), "id"},
	} {
		var got []barter.RowError
		_, err := svc.ImportOffers(ctx, rowsOf(tt.o), barter.ImportOptions{OnError: func(e barter.RowError) { got = append(got, e) }})
		if !errors.Is(err, barter.ErrRejected) || len(got) != 1 || got[0].Field != tt.field {
			t.Errorf("import offer %s: %v %+v; want one error on %s", tt.o.ID, err, got, tt.field)
		}
	}

	day, due := barter.MustDate("2024-01-10"), barter.MustDate("2024-01-20")
	run, err := svc.Propose(ctx, day, due, 3, 10*time.Second, barter.MatchGoal{})
	if err != nil {
		t.Fatal(err)
	}
	if len(run.Proposals) != 2 || !run.Result.Optimal || run.Offers != 5 {
		t.Fatalf("proposals = %+v, result %+v; want 2, proven optimal, from 5 offers", run.Proposals, run.Result)
	}
	var cycle, pair barter.Proposal
	for _, p := range run.Proposals {
		if len(p.Legs) == 3 {
			cycle = p
		} else {
			pair = p
		}
	}
	if cycle.Value != 100000+110000+120000 || pair.Value != 50000+60000 {
		t.Errorf("values %d and %d; want 330000 and 110000", cycle.Value, pair.Value)
	}
	for id, st := range offerStatuses(t, svc) {
		if st != barter.OfferProposed {
			t.Errorf("offer %s is %s after proposing; want proposed", id, st)
		}
	}
	if _, err := svc.Respond(ctx, cycle.ID, "RU2", true, "", day); barter.ErrorCode(err) != barter.EInvalid {
		t.Errorf("a party outside the cycle answered: %v; want invalid", err)
	}
	if _, err := svc.Respond(ctx, cycle.ID, "T2", false, " ", day); barter.ErrorCode(err) != barter.EInvalid {
		t.Errorf("declined without a reason: %v; want invalid", err)
	}

	// Everyone accepts the cycle: one authorization for the PK-RU legs.
	var p *barter.Proposal
	for _, party := range []string{Trader, Russian, "T2"} {
		if p, err = svc.Respond(ctx, cycle.ID, party, true, "", day); err != nil {
			t.Fatal(err)
		}
		if last := party == "T2"; (p.Status == barter.ProposalAccepted) != last {
			t.Fatalf("after %s accepted the proposal is %s", party, p.Status)
		}
	}
	if _, err := svc.Respond(ctx, cycle.ID, Trader, true, "", day); barter.ErrorCode(err) != barter.EConflict {
		t.Errorf("answering an accepted proposal: %v; want conflict", err)
	}
	if len(p.Authorizations) != 1 || p.Authorizations[0].Country != "RU" {
		t.Fatalf("authorizations %+v; want one with RU", p.Authorizations)
	}
	stored, err := svc.Proposal(ctx, cycle.ID)
	if err != nil || len(stored.Authorizations) != 1 || stored.Legs[0].Response != barter.ResponseAccepted {
		t.Fatalf("stored proposal %+v, %v", stored, err)
	}
	var a *barter.Authorization
	err = svc.Store.View(ctx, func(tx barter.Tx) error {
		a, err = tx.AuthorizationByID(ctx, p.Authorizations[0].Authorization)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if a.Party != "T2" || a.Counterparty != Russian || a.Status != barter.StatusApplied || len(a.Lines) != 2 {
		t.Fatalf("authorization %+v; want T2 with RU1, applied, 2 lines", a)
	}
	lines := map[barter.Direction]barter.Line{}
	for _, l := range a.Lines {
		lines[l.Direction] = l
	}
	if lines[barter.Export].HSCode != "252329" || !lines[barter.Export].Value.Equal(barter.FromMinorUnits(110000)) ||
		lines[barter.Import].HSCode != "100199" || lines[barter.Import].Currency != "PKR" {
		t.Errorf("lines %+v; want cement out at 1100.00 and wheat in, in PKR", a.Lines)
	}
	if approved, err := svc.Approve(ctx, a.ID, day); err != nil || approved.Number == "" {
		t.Errorf("approving the authorization of the proposal: %+v, %v", approved, err)
	}

	// RU2 declines the pair: T1's kinnow returns to the pool, RU2's pulses leave it.
	if p, err = svc.Respond(ctx, pair.ID, "RU2", false, "sold elsewhere", day); err != nil || p.Status != barter.ProposalDeclined {
		t.Fatalf("decline: %+v, %v", p, err)
	}
	st := offerStatuses(t, svc)
	want := map[string]barter.OfferStatus{"rice": barter.OfferMatched, "cement": barter.OfferMatched, "wheat": barter.OfferMatched,
		"kinnow": barter.OfferOpen, "pulses": barter.OfferDeclined}
	for id, w := range want {
		if st[id] != w {
			t.Errorf("offer %s is %s; want %s", id, st[id], w)
		}
	}

	// A new offer of pulses pairs with the kinnow again; unanswered, it expires.
	MustImport(t, svc.ImportOffers, offer("pulses2", "RU2", "RU", "071320", "0805", 60000))
	// T1 holds authorizations open until May: within 200 days of their deadline, its
	// kinnow is served first.
	run, err = svc.Propose(ctx, day.AddDays(1), day.AddDays(2), 3, 10*time.Second, barter.MatchGoal{PriorityDays: 200})
	if err != nil || len(run.Proposals) != 1 || run.Offers != 2 {
		t.Fatalf("second run: %+v, %v; want one proposal from 2 offers", run, err)
	}
	if run.Result.Served != 1 || run.Result.ServedBound != 1 {
		t.Errorf("second run served %d priority offers (bound %d); want T1's kinnow", run.Result.Served, run.Result.ServedBound)
	}
	ps, err := svc.Proposals(ctx, barter.ProposalExpired, day.AddDays(3))
	if err != nil || len(ps) != 1 || ps[0].ID != run.Proposals[0].ID {
		t.Fatalf("expired proposals %+v, %v; want the second run's", ps, err)
	}
	if st := offerStatuses(t, svc); st["kinnow"] != barter.OfferOpen || st["pulses2"] != barter.OfferOpen {
		t.Errorf("offers after expiry: %v; want kinnow and pulses2 open", st)
	}
	if _, err := svc.Respond(ctx, ps[0].ID, "RU2", true, "", day.AddDays(3)); barter.ErrorCode(err) != barter.EConflict {
		t.Errorf("accepting an expired proposal: %v; want conflict", err)
	}
}

// testConcurrentProposals runs two matching runs at once over a pool with one pair:
// however they interleave, no offer ends up in two pending proposals.
func testConcurrentProposals(t *testing.T, svc *barter.Service) {
	MustSeed(t, svc)
	MustImport(t, svc.ImportParties, barter.Party{ID: "RU2", Name: "Kazan Pulses", Country: "RU", TaxID: "1027701", Kind: barter.PartyPrivate})
	MustImport(t, svc.ImportOffers,
		offer("kinnow", Trader, "PK", "080521", "0713", 50000),
		offer("pulses", "RU2", "RU", "071320", "0805", 60000),
	)
	day := barter.MustDate("2024-01-10")
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = svc.Propose(ctx, day, day.AddDays(5), 2, 5*time.Second, barter.MatchGoal{})
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil && barter.ErrorCode(err) != barter.EConflict {
			t.Fatalf("concurrent run: %v", err)
		}
	}
	ps, err := svc.Proposals(ctx, barter.ProposalPending, day)
	if err != nil {
		t.Fatal(err)
	}
	if len(ps) != 1 {
		t.Errorf("%d pending proposals for one pair; want 1", len(ps))
	}
}
