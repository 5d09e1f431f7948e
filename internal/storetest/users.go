package storetest

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/barter-clearing/barter"
	"github.com/barter-clearing/barter/sanctions"
)

// testUsers registers users, signs them in by token and removes them.
func testUsers(t *testing.T, svc *barter.Service) {
	MustSeed(t, svc)
	if has, err := svc.HasUsers(ctx); err != nil || has {
		t.Fatalf("a fresh store has users: %v, %v", has, err)
	}
	u, token, err := svc.AddUser(ctx, "amina", barter.RoleCustoms, "")
	if err != nil || u.Name != "amina" || !strings.HasPrefix(token, "bt_") || len(token) < 40 {
		t.Fatalf("add: %+v %q %v", u, token, err)
	}
	_, token2, err := svc.AddUser(ctx, "desk", barter.RoleTrader, Trader)
	if err != nil || token2 == token {
		t.Fatalf("second user: %q, %v", token2, err)
	}
	for _, tt := range []struct {
		name, party string
		role        barter.Role
		code        barter.Code
		field       string
	}{
		{"amina", "", barter.RoleAnalyst, barter.EConflict, "name"},
		{"two words", "", barter.RoleAnalyst, barter.EInvalid, "name"},
		{"k", "", "king", barter.EInvalid, "role"},
		{"t", "", barter.RoleTrader, barter.EInvalid, "party"},
		{"t", Trader, barter.RoleCustoms, barter.EInvalid, "party"},
		{"t", "ghost", barter.RoleTrader, barter.ENotFound, ""},
	} {
		_, _, err := svc.AddUser(ctx, tt.name, tt.role, tt.party)
		var e *barter.Error
		if barter.ErrorCode(err) != tt.code || tt.field != "" && (!errors.As(err, &e) || e.Field != tt.field) {
			t.Errorf("add %q %s %q: %v; want %s about %q", tt.name, tt.role, tt.party, err, tt.code, tt.field)
		}
	}
	got, err := svc.Authenticate(ctx, token2)
	if err != nil || got.Name != "desk" || got.Role != barter.RoleTrader || got.Party != Trader {
		t.Errorf("authenticate: %+v, %v", got, err)
	}
	if _, err := svc.Authenticate(ctx, token+"x"); barter.ErrorCode(err) != barter.EUnauthenticated {
		t.Errorf("a wrong token: %v; want unauthenticated", err)
	}
	us, err := svc.Users(ctx)
	if err != nil || len(us) != 2 || us[0].Name != "amina" || us[1].Name != "desk" {
		t.Errorf("users: %+v, %v", us, err)
	}
	if err := svc.RemoveUser(ctx, "amina"); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Authenticate(ctx, token); barter.ErrorCode(err) != barter.EUnauthenticated {
		t.Errorf("a removed user's token: %v; want unauthenticated", err)
	}
	if err := svc.RemoveUser(ctx, "amina"); barter.ErrorCode(err) != barter.ENotFound {
		t.Errorf("removing twice: %v; want not found", err)
	}
	if has, err := svc.HasUsers(ctx); err != nil || !has {
		t.Errorf("has users: %v, %v", has, err)
	}

	// Sessions last SessionLength, end on signing out, and with their user.
	now := time.Date(2025, 3, 1, 8, 0, 0, 0, time.UTC)
	clocked := *svc
	clocked.Clock = func() time.Time { return now }
	clocked.Now = func() time.Time { return time.Date(2024, 1, 5, 12, 0, 0, 0, time.UTC) } // a pinned day moves no session
	if _, _, err := clocked.SignIn(ctx, "bt_wrong"); barter.ErrorCode(err) != barter.EUnauthenticated {
		t.Errorf("sign in with a wrong token: %v", err)
	}
	u, id, err := clocked.SignIn(ctx, token2)
	if err != nil || u.Name != "desk" || !strings.HasPrefix(id, "bs_") {
		t.Fatalf("sign in: %+v %q %v", u, id, err)
	}
	_, id2, err := clocked.SignIn(ctx, token2)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := clocked.SessionUser(ctx, id); err != nil || got.Name != "desk" {
		t.Errorf("session user: %+v, %v", got, err)
	}
	now = now.Add(barter.SessionLength + time.Second)
	if _, err := clocked.SessionUser(ctx, id); barter.ErrorCode(err) != barter.EUnauthenticated {
		t.Errorf("an expired session: %v; want unauthenticated", err)
	}
	now = now.Add(-time.Hour)
	if err := clocked.SignOut(ctx, id); err != nil {
		t.Fatal(err)
	}
	if _, err := clocked.SessionUser(ctx, id); barter.ErrorCode(err) != barter.EUnauthenticated {
		t.Errorf("a session signed out of: %v; want unauthenticated", err)
	}
	if _, err := clocked.SessionUser(ctx, id2); err != nil {
		t.Errorf("another session of the user: %v; want it still open", err)
	}
	if err := clocked.RemoveUser(ctx, "desk"); err != nil {
		t.Fatal(err)
	}
	if _, err := clocked.SessionUser(ctx, id2); barter.ErrorCode(err) != barter.EUnauthenticated {
		t.Errorf("a removed user's session: %v; want unauthenticated", err)
	}
	// A user registered again under the name gets none of the old sessions.
	if _, _, err := clocked.AddUser(ctx, "desk", barter.RoleAdmin, ""); err != nil {
		t.Fatal(err)
	}
	if u, err := clocked.SessionUser(ctx, id2); barter.ErrorCode(err) != barter.EUnauthenticated {
		t.Errorf("the removed user's session after the name is taken again: %+v, %v; want unauthenticated", u, err)
	}
}

// testUserScope acts as users of each role through the Service itself: each may do what
// its role may and nothing else, and a trader sees only what concerns its party.
func testUserScope(t *testing.T, svc *barter.Service) {
	MustSeed(t, svc)
	MustImport(t, svc.ImportParties,
		barter.Party{ID: "T9", Name: "Sialkot Sports", Country: "PK", TaxID: "7777777", Kind: barter.PartyPrivate, ActiveTaxpayer: true},
		barter.Party{ID: "AF9", Name: "Herat Dried Fruit", Country: "AF", TaxID: "AF9", Kind: barter.PartyPrivate})
	MustImport(t, svc.ImportAuthorizations, barter.AuthorizationImport{Number: "BT-OTHER", Party: "T9", Counterparty: "AF9", Regime: "2025", Issued: barter.MustDate(IssuedDay)})
	as := func(role barter.Role, party string) context.Context {
		return barter.WithUser(ctx, &barter.User{Name: string(role), Role: role, Party: party})
	}
	trader, customs, operator, analyst := as(barter.RoleTrader, Trader), as(barter.RoleCustoms, ""), as(barter.RoleOperator, ""), as(barter.RoleAnalyst, "")
	day := barter.MustDate("2024-03-01")
	for _, tt := range []struct {
		ctx  context.Context
		want int
	}{{ctx, 3}, {analyst, 3}, {trader, 2}} {
		ps, err := svc.Positions(tt.ctx, day)
		as, err2 := svc.Authorizations(tt.ctx, "")
		if err != nil || err2 != nil || len(ps) != tt.want || len(as) != tt.want {
			t.Errorf("%v sees %d positions and %d authorizations (%v, %v); want %d", barter.UserFrom(tt.ctx), len(ps), len(as), err, err2, tt.want)
		}
	}
	if _, err := svc.StandingOf(trader, "BT-OTHER", day); barter.ErrorCode(err) != barter.ENotFound {
		t.Errorf("a trader looking at another party's authorization: %v; want not found", err)
	}
	if _, err := svc.StandingOf(trader, Auth2025, day); err != nil {
		t.Errorf("a trader looking at its own: %v", err)
	}
	if _, err := svc.DeclarationsOf(trader, "BT-OTHER"); barter.ErrorCode(err) != barter.ENotFound {
		t.Errorf("a trader listing another party's declarations: %v; want not found", err)
	}
	if _, err := svc.DeclarationsOf(trader, Auth2025); err != nil {
		t.Errorf("a trader listing its own declarations: %v", err)
	}
	// By ID the answer names the ID asked for, not the number of what is there.
	other, err := svc.StandingOf(ctx, "BT-OTHER", day)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Standing(trader, other.Authorization.ID, day); barter.ErrorCode(err) != barter.ENotFound || strings.Contains(err.Error(), "BT-OTHER") {
		t.Errorf("a trader asking for another party's authorization by ID: %v; want not found, without its number", err)
	}
	forbidden := func(what string, err error) {
		t.Helper()
		if barter.ErrorCode(err) != barter.EForbidden {
			t.Errorf("%s: %v; want forbidden", what, err)
		}
	}
	app := &barter.Application{Party: "T9", Counterparty: "AF9", Regime: "2025"}
	_, err = svc.Apply(trader, app)
	forbidden("a trader applying for another party", err)
	_, err = svc.Apply(customs, app)
	forbidden("customs applying", err)
	_, err = svc.Approve(trader, 1, day)
	forbidden("a trader approving", err)
	_, err = svc.Approve(operator, 1, day)
	forbidden("an operator approving", err)
	_, err = svc.PostDeclaration(operator, ptr(GD(t, Auth2025, barter.Import, "2024-01-15", "1")))
	forbidden("an operator posting a declaration", err)
	_, err = svc.ImportAuthorizations(operator, rowsOf(barter.AuthorizationImport{Number: "BT-X", Party: "T9", Counterparty: "AF9", Regime: "2025", Issued: day}), barter.ImportOptions{})
	forbidden("an operator importing authorizations", err)
	_, err = svc.Reconcile(analyst, day)
	forbidden("an analyst reconciling", err)
	_, err = svc.CreateClearingRun(customs, "test", []barter.Obligation{{ID: "o", Debtor: "A", Creditor: "B", Amount: 1, Currency: "PKR"}})
	forbidden("customs clearing", err)
	_, err = svc.ClearingRuns(trader)
	forbidden("a trader listing clearing runs", err)
	_, _, err = svc.AddUser(operator, "x", barter.RoleAdmin, "")
	forbidden("an operator registering a user", err)
	if _, err := svc.ClearingRuns(analyst); err != nil {
		t.Errorf("an analyst listing clearing runs: %v", err)
	}
	if _, err := svc.PostDeclaration(customs, ptr(GD(t, Auth2025, barter.Import, "2024-01-15", "1"))); err != nil {
		t.Errorf("customs posting a declaration: %v", err)
	}
	if got := entries(t, svc); got != 1 {
		t.Errorf("%d ledger entries; want only customs' one", got)
	}
}

// testConsortiumMembersSee: a trader whose party is a member of a consortium sees the
// consortium's authorizations, positions and declarations as its own, once signed in;
// a trader of another party does not.
func testConsortiumMembersSee(t *testing.T, svc *barter.Service) {
	MustSeed(t, svc)
	MustImport(t, svc.ImportParties,
		barter.Party{ID: "C9", Name: "Lahore Pulses Consortium", Country: "PK", TaxID: "7100009", Kind: barter.PartyConsortium},
		barter.Party{ID: "M9", Name: "Multan Mills", Country: "PK", TaxID: "7100010", Kind: barter.PartyPrivate, ActiveTaxpayer: true},
		barter.Party{ID: "T8", Name: "Karachi Traders", Country: "PK", TaxID: "7100011", Kind: barter.PartyPrivate, ActiveTaxpayer: true})
	if err := svc.RegisterConsortium(ctx, barter.ConsortiumOf("C9", "RU", "M9", []string{Trader})); err != nil {
		t.Fatal(err)
	}
	MustImport(t, svc.ImportAuthorizations, barter.AuthorizationImport{Number: "BT-C9", Party: "C9", Counterparty: Russian, Regime: "2025", Issued: barter.MustDate(IssuedDay)})
	MustImport(t, svc.ImportLines, barter.LineImport{Authorization: "BT-C9", Line: barter.Line{Direction: barter.Import, HSCode: "0713", Description: "pulses",
		Quantity: Dec(t, "10"), Unit: "t", Value: Dec(t, "7000"), Currency: "USD"}})
	gd := MustPost(t, svc, GD(t, "BT-C9", barter.Import, "2024-01-15", "100"))
	signedIn := func(name, party string) context.Context {
		t.Helper()
		_, token, err := svc.AddUser(ctx, name, barter.RoleTrader, party)
		if err != nil {
			t.Fatal(err)
		}
		u, err := svc.Authenticate(ctx, token)
		if err != nil {
			t.Fatal(err)
		}
		return barter.WithUser(ctx, u)
	}
	if _, err := svc.RecordUndertaking(ctx, &barter.Undertaking{Giver: "C9", Counterparty: Russian, Day: barter.MustDate("2024-01-02"), Signatory: "M9's director"}); err != nil {
		t.Fatal(err)
	}
	member, outsider := signedIn("member", Trader), signedIn("outsider", "T8")
	if u := barter.UserFrom(member); !slices.Equal(u.Consortiums, []string{"C9"}) {
		t.Errorf("the member's consortiums: %v; want C9", u.Consortiums)
	}
	day := barter.MustDate("2024-03-01")
	for _, tt := range []struct {
		who  context.Context
		sees bool
	}{{member, true}, {outsider, false}} {
		ps, err := svc.Positions(tt.who, day)
		if err != nil {
			t.Fatal(err)
		}
		seen := slices.ContainsFunc(ps, func(p barter.Position) bool { return p.Authorization == "BT-C9" })
		_, errStanding := svc.StandingOf(tt.who, "BT-C9", day)
		_, errDecls := svc.DeclarationsOf(tt.who, "BT-C9")
		_, _, errDecl := svc.Declaration(tt.who, gd.Number)
		us, err := svc.Undertakings(tt.who, Russian)
		if err != nil {
			t.Fatal(err)
		}
		if given := slices.ContainsFunc(us, func(u barter.Undertaking) bool { return u.Giver == "C9" }); given != tt.sees {
			t.Errorf("%s: sees the consortium's undertaking %v; want %v", barter.UserFrom(tt.who).Name, given, tt.sees)
		}
		if seen != tt.sees || (errStanding == nil) != tt.sees || (errDecls == nil) != tt.sees || (errDecl == nil) != tt.sees {
			t.Errorf("%s: sees BT-C9 among positions %v, standing %v, declarations %v, its declaration %v; want seen %v",
				barter.UserFrom(tt.who).Name, seen, errStanding, errDecls, errDecl, tt.sees)
		}
	}
}

// testUserRoles calls every Service method that is not for everyone as a user of each
// role, and checks that exactly the roles it is for (and admins) get past its gate.
// What happens past it is other tests'; here the calls may well fail otherwise.
func testUserRoles(t *testing.T, svc *barter.Service) {
	MustSeed(t, svc)
	day := barter.MustDate("2024-03-01")
	customs, operator, trader, analyst := barter.RoleCustoms, barter.RoleOperator, barter.RoleTrader, barter.RoleAnalyst
	none := barter.ImportOptions{}
	type gate struct {
		name  string
		call  func(context.Context) error
		roles []barter.Role
	}
	errOf := func(_ any, err error) error { return err }
	gates := []gate{
		{"Apply", func(c context.Context) error { return errOf(svc.Apply(c, &barter.Application{Party: Trader})) }, []barter.Role{trader}},
		{"Approve", func(c context.Context) error { return errOf(svc.Approve(c, 999, day)) }, []barter.Role{customs}},
		{"Reject", func(c context.Context) error { return errOf(svc.Reject(c, 999, "no")) }, []barter.Role{customs}},
		{"PostDeclaration", func(c context.Context) error { return errOf(svc.PostDeclaration(c, &barter.Declaration{})) }, []barter.Role{customs}},
		{"ImportDeclarations", func(c context.Context) error {
			return errOf(svc.ImportDeclarations(c, rowsOf[barter.Declaration](), none))
		}, []barter.Role{customs}},
		{"Reassess", func(c context.Context) error { return errOf(svc.Reassess(c, "none", Dec(t, "1"), day)) }, []barter.Role{customs}},
		{"ImportParties", func(c context.Context) error { return errOf(svc.ImportParties(c, rowsOf[barter.Party](), none)) }, []barter.Role{customs}},
		{"CreateParty", func(c context.Context) error { return svc.CreateParty(c, &barter.Party{}) }, []barter.Role{customs}},
		{"ImportRates", func(c context.Context) error { return errOf(svc.ImportRates(c, rowsOf[barter.Rate](), none)) }, []barter.Role{customs}},
		{"ImportAuthorizations", func(c context.Context) error {
			return errOf(svc.ImportAuthorizations(c, rowsOf[barter.AuthorizationImport](), none))
		}, []barter.Role{customs}},
		{"ImportLines", func(c context.Context) error { return errOf(svc.ImportLines(c, rowsOf[barter.LineImport](), none)) }, []barter.Role{customs}},
		{"ImportOffers", func(c context.Context) error { return errOf(svc.ImportOffers(c, rowsOf[barter.Offer](), none)) }, []barter.Role{operator}},
		{"CreateOffer", func(c context.Context) error { return errOf(svc.CreateOffer(c, &barter.Offer{Party: Trader})) }, []barter.Role{trader, operator}},
		{"Propose", func(c context.Context) error {
			return errOf(svc.Propose(c, day, day, 3, time.Second, barter.MatchGoal{}))
		}, []barter.Role{operator}},
		{"Respond", func(c context.Context) error { return errOf(svc.Respond(c, 999, Trader, true, "", day)) }, []barter.Role{trader}},
		{"Reconcile", func(c context.Context) error { return errOf(svc.Reconcile(c, barter.MustDate("2024-01-01"))) }, []barter.Role{customs}},
		{"CreateClearingRun", func(c context.Context) error { return errOf(svc.CreateClearingRun(c, "test", nil)) }, []barter.Role{operator}},
		{"CreateClearingRunFromPositions", func(c context.Context) error { return errOf(svc.CreateClearingRunFromPositions(c, day)) }, []barter.Role{operator}},
		{"CommitClearingRun", func(c context.Context) error { return errOf(svc.CommitClearingRun(c, 999, day)) }, []barter.Role{operator}},
		{"ClearingRun", func(c context.Context) error { return errOf(svc.ClearingRun(c, 999)) }, []barter.Role{customs, operator, analyst}},
		{"ClearingRunHead", func(c context.Context) error { return errOf(svc.ClearingRunHead(c, 999)) }, []barter.Role{customs, operator, analyst}},
		{"ClearingObligations", func(c context.Context) error {
			_, _, err := svc.ClearingObligations(c, 999, 0, 1)
			return err
		}, []barter.Role{customs, operator, analyst}},
		{"ClearingRuns", func(c context.Context) error { return errOf(svc.ClearingRuns(c)) }, []barter.Role{customs, operator, analyst}},
		{"ObligationsFromPositions", func(c context.Context) error { return errOf(svc.ObligationsFromPositions(c, day)) }, []barter.Role{customs, operator, analyst}},
		{"VerifyLedger", func(c context.Context) error { return errOf(svc.VerifyLedger(c)) }, []barter.Role{customs, operator, analyst}},
		{"RebuildFlows", func(c context.Context) error { _, _, err := svc.RebuildFlows(c); return err }, []barter.Role{customs}},
		{"Parties", func(c context.Context) error { return errOf(svc.Parties(c)) }, []barter.Role{customs, operator, analyst}},
		{"RegisterConsortium", func(c context.Context) error { return svc.RegisterConsortium(c, &barter.Consortium{}) }, []barter.Role{customs}},
		{"Consortiums", func(c context.Context) error { return errOf(svc.Consortiums(c)) }, []barter.Role{customs, operator, analyst}},
		{"RecordUndertaking", func(c context.Context) error {
			return errOf(svc.RecordUndertaking(c, &barter.Undertaking{Giver: Trader}))
		}, []barter.Role{customs, trader}},
		{"LoadSanctions", func(c context.Context) error { return errOf(svc.LoadSanctions(c, &sanctions.List{})) }, []barter.Role{customs}},
		{"ScreeningHits", func(c context.Context) error { return errOf(svc.ScreeningHits(c, "")) }, []barter.Role{customs, operator, analyst}},
		{"DecideHit", func(c context.Context) error { return errOf(svc.DecideHit(c, "P", "R", false, "")) }, []barter.Role{customs}},
		{"AddUser", func(c context.Context) error {
			_, _, err := svc.AddUser(c, "", barter.RoleAnalyst, "")
			return err
		}, nil},
		{"Users", func(c context.Context) error { return errOf(svc.Users(c)) }, nil},
		{"RemoveUser", func(c context.Context) error { return svc.RemoveUser(c, "nobody") }, nil},
	}
	for _, g := range gates {
		for _, role := range []barter.Role{barter.RoleAdmin, customs, operator, trader, analyst} {
			party := ""
			if role == trader {
				party = Trader
			}
			c := barter.WithUser(ctx, &barter.User{Name: string(role), Role: role, Party: party})
			allowed := role == barter.RoleAdmin || slices.Contains(g.roles, role)
			if forbidden := barter.ErrorCode(g.call(c)) == barter.EForbidden; forbidden == allowed {
				t.Errorf("%s as %s: forbidden %v; want %v", g.name, role, forbidden, !allowed)
			}
		}
	}
}
