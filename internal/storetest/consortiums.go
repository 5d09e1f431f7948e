package storetest

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/barter-clearing/barter"
)

// testConsortiums records consortiums and checks the rules of the 2025 amendment: two or
// more private members of the home country, one lead, one partner country; authorizations
// only once members are recorded, and only with counterparties in the partner country.
func testConsortiums(t *testing.T, svc *barter.Service) {
	MustSeed(t, svc)
	const cons = "C1"
	MustImport(t, svc.ImportParties,
		barter.Party{ID: cons, Name: "Punjab Pulses Consortium", Country: "PK", TaxID: "7000001", Kind: barter.PartyConsortium},
		barter.Party{ID: "M2", Name: "Multan Mills", Country: "PK", TaxID: "7000002", Kind: barter.PartyPrivate},
		barter.Party{ID: "M3", Name: "Sialkot Exports", Country: "PK", TaxID: "7000003", Kind: barter.PartyPrivate},
		barter.Party{ID: "SOE", Name: "State Grain", Country: "PK", TaxID: "7000004", Kind: barter.PartyStateOwned},
		barter.Party{ID: "IR1", Name: "Zahedan Trading", Country: "IR", TaxID: "4400001", Kind: barter.PartyPrivate},
	)
	// authorize imports an authorization of the consortium and returns the field its
	// row was refused on, or "".
	authorize := func(number, counterparty, regime string) string {
		field := ""
		_, err := svc.ImportAuthorizations(ctx, rowsOf(barter.AuthorizationImport{Number: number, Party: cons, Counterparty: counterparty,
			Regime: regime, Issued: barter.MustDate(IssuedDay)}), barter.ImportOptions{OnError: func(e barter.RowError) {
			field = e.Field
		}})
		if err != nil && field == "" {
			t.Fatalf("%s: %v", number, err)
		}
		return field
	}
	if f := authorize("BT-C-0", Russian, "2025"); f != "party" {
		t.Fatalf("a consortium without members recorded: refused on %q; want party", f)
	}
	lead := func(id string) barter.ConsortiumMember { return barter.ConsortiumMember{Party: id, Lead: true} }
	member := func(id string) barter.ConsortiumMember { return barter.ConsortiumMember{Party: id} }
	for _, bad := range []struct {
		field string
		c     barter.Consortium
	}{
		{"members", barter.Consortium{ID: cons, Partner: "RU", Members: []barter.ConsortiumMember{lead(Trader)}}},
		{"members", barter.Consortium{ID: cons, Partner: "RU", Members: []barter.ConsortiumMember{lead(Trader), member(Trader)}}},
		{"lead", barter.Consortium{ID: cons, Partner: "RU", Members: []barter.ConsortiumMember{member(Trader), member("M2")}}},
		{"lead", barter.Consortium{ID: cons, Partner: "RU", Members: []barter.ConsortiumMember{lead(Trader), lead("M2")}}},
		{"partner", barter.Consortium{ID: cons, Partner: "XX", Members: []barter.ConsortiumMember{lead(Trader), member("M2")}}},
		{"partner", barter.Consortium{ID: cons, Partner: "PK", Members: []barter.ConsortiumMember{lead(Trader), member("M2")}}},
		{"members", barter.Consortium{ID: cons, Partner: "RU", Members: []barter.ConsortiumMember{lead(Trader), member("SOE")}}},
		{"members", barter.Consortium{ID: cons, Partner: "RU", Members: []barter.ConsortiumMember{lead(Trader), member(Russian)}}},
		{"members", barter.Consortium{ID: cons, Partner: "RU", Members: []barter.ConsortiumMember{lead(Trader), member("ghost")}}},
		{"id", barter.Consortium{ID: Trader, Partner: "RU", Members: []barter.ConsortiumMember{lead("M2"), member("M3")}}},
		{"id", barter.Consortium{ID: "ghost", Partner: "RU", Members: []barter.ConsortiumMember{lead("M2"), member("M3")}}},
	} {
		wantInvalid(t, svc.RegisterConsortium(ctx, &bad.c), bad.field)
	}
	if _, err := svc.Consortium(ctx, cons); barter.ErrorCode(err) != barter.ENotFound {
		t.Fatalf("after refusals: %v; want nothing recorded", err)
	}

	c := barter.Consortium{ID: cons, Partner: "RU", Members: []barter.ConsortiumMember{member("M2"), lead(Trader)}}
	if err := svc.RegisterConsortium(ctx, &c); err != nil {
		t.Fatal(err)
	}
	got, err := svc.Consortium(ctx, cons)
	if want := []barter.ConsortiumMember{lead(Trader), member("M2")}; err != nil || got.Partner != "RU" || !slices.Equal(got.Members, want) {
		t.Fatalf("Consortium = %+v, %v; want partner RU and members %v", got, err, want)
	}
	if f := authorize("BT-C-1", Russian, "2025"); f != "" {
		t.Fatalf("authorization with the partner country: refused on %s", f)
	}
	if f := authorize("BT-C-2", "IR1", "2025"); f != "counterparty" {
		t.Errorf("a counterparty outside the partner country: refused on %q; want counterparty", f)
	}
	// Its partner cannot change away from the counterparties it holds authorizations
	// with, and the refusal leaves it as it was (the consortium is written first).
	moved := barter.Consortium{ID: cons, Partner: "IR", Members: []barter.ConsortiumMember{lead("M3"), member("M2")}}
	wantInvalid(t, svc.RegisterConsortium(ctx, &moved), "partner")
	if got, err := svc.Consortium(ctx, cons); err != nil || got.Partner != "RU" || got.Lead() != Trader {
		t.Fatalf("after a refused change: %+v, %v; want it unchanged", got, err)
	}

	// Members are replaced whole; a trader sees only consortiums its party is in.
	c.Members = []barter.ConsortiumMember{lead("M3"), member(Trader)}
	if err := svc.RegisterConsortium(ctx, &c); err != nil {
		t.Fatal(err)
	}
	all, err := svc.Consortiums(ctx)
	if err != nil || len(all) != 1 || all[0].Lead() != "M3" || len(all[0].Members) != 2 {
		t.Fatalf("Consortiums = %+v, %v; want C1 led by M3 with 2 members", all, err)
	}
	asTrader := func(party string) error {
		_, err := svc.Consortium(barter.WithUser(ctx, &barter.User{Name: party, Role: barter.RoleTrader, Party: party}), cons)
		return err
	}
	if err := asTrader("M2"); barter.ErrorCode(err) != barter.ENotFound {
		t.Errorf("a former member read the consortium: %v", err)
	}
	if err := asTrader(Trader); err != nil {
		t.Errorf("a member could not read its consortium: %v", err)
	}
}

// testConcurrentConsortiums registers the same consortium with different members from
// many goroutines at once: each registration replaces the last whole, so every one
// succeeds and the members recorded are exactly one of the sets sent, with one lead.
func testConcurrentConsortiums(t *testing.T, svc *barter.Service) {
	const cons, n = "C1", 6
	parties := []barter.Party{{ID: cons, Name: "Consortium", Country: "PK", TaxID: "7000001", Kind: barter.PartyConsortium}}
	for i := range 2 * n {
		parties = append(parties, barter.Party{ID: fmt.Sprintf("M%02d", i), Name: "Member", Country: "PK", TaxID: fmt.Sprintf("71%05d", i), Kind: barter.PartyPrivate})
	}
	MustImport(t, svc.ImportParties, parties...)
	sets := make([][]barter.ConsortiumMember, n)
	for i := range sets {
		sets[i] = []barter.ConsortiumMember{{Party: fmt.Sprintf("M%02d", 2*i), Lead: true}, {Party: fmt.Sprintf("M%02d", 2*i+1)}}
	}
	for round := range 5 {
		var wg sync.WaitGroup
		errs := make([]error, n)
		for i := range n {
			wg.Go(func() {
				errs[i] = svc.RegisterConsortium(ctx, &barter.Consortium{ID: cons, Partner: "RU", Members: slices.Clone(sets[i])})
			})
		}
		wg.Wait()
		for i, err := range errs {
			if err != nil && !errors.Is(err, barter.ErrDeadlock) {
				t.Fatalf("round %d, registration %d: %v", round, i, err)
			}
		}
		got, err := svc.Consortium(ctx, cons)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.ContainsFunc(sets, func(s []barter.ConsortiumMember) bool { return slices.Equal(s, got.Members) }) {
			t.Fatalf("round %d: members %v are none of the sets sent", round, got.Members)
		}
	}
}
