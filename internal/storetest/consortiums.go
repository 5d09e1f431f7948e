package storetest

import (
	"slices"
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
	authorize := func(number, counterparty, regime string) error {
		_, err := svc.ImportAuthorizations(ctx, rowsOf(barter.AuthorizationImport{Number: number, Party: cons, Counterparty: counterparty,
			Regime: regime, Issued: barter.MustDate(IssuedDay)}), barter.ImportOptions{OnError: func(e barter.RowError) {
			t.Logf("%s: %s: %s", number, e.Field, e.Reason)
		}})
		return err
	}
	if err := authorize("BT-C-0", Russian, "2025"); err == nil {
		t.Fatal("a consortium without members recorded was authorized")
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
	if err := authorize("BT-C-1", Russian, "2025"); err != nil {
		t.Fatalf("authorization with the partner country: %v", err)
	}
	if err := authorize("BT-C-2", "IR1", "2025"); err == nil {
		t.Error("a consortium was authorized with a counterparty outside its partner country")
	}
	if err := authorize("BT-C-3", Russian, "2023"); err == nil {
		t.Error("a consortium was authorized under the 2023 rulebook")
	}
	// Its partner cannot change away from the counterparties it holds authorizations with.
	moved := c
	moved.Partner = "IR"
	wantInvalid(t, svc.RegisterConsortium(ctx, &moved), "partner")

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
