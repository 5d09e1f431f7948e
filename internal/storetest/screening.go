package storetest

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/barter-clearing/barter"
	"github.com/barter-clearing/barter/sanctions"
)

// testScreening loads versions of a sanctions list that names the fixture's Russian
// counterparty (by its name, Volga Foods): its authorizations wait until customs clear
// the hit, parties registered later are screened as they come, and a decision carries
// over to the next version while the names stay the same.
func testScreening(t *testing.T, svc *barter.Service) {
	MustSeed(t, svc)
	app, err := svc.Apply(ctx, &barter.Application{Party: Trader, Counterparty: Russian, Regime: "2025", Lines: []barter.Line{
		{Direction: barter.Import, HSCode: "0713", Description: "chickpeas", Quantity: Dec(t, "1"), Unit: "t", Value: Dec(t, "100"), Currency: "USD"},
		{Direction: barter.Export, HSCode: "1006", Description: "rice", Quantity: Dec(t, "1"), Unit: "t", Value: Dec(t, "100"), Currency: "USD"}}})
	if err != nil {
		t.Fatal(err)
	}
	list := func(day string, entries ...sanctions.Entry) *sanctions.List {
		d, _ := time.Parse(time.DateOnly, day)
		return &sanctions.List{Source: "test list", Generated: d, Entries: entries}
	}
	volga := sanctions.Entry{Ref: "T.1", Kind: sanctions.Entity, Name: "VOLGA FOODS OOO", Aliases: []string{"Volga Food Co"}, ListedOn: "2023-05-01"}
	other := sanctions.Entry{Ref: "T.2", Kind: sanctions.Entity, Name: "HERAT DRIED FRUIT", ListedOn: "2023-05-01"}
	rep, err := svc.LoadSanctions(ctx, list("2024-01-01", volga, other))
	if err != nil || !rep.Loaded || rep.Entries != 2 || rep.Screened != 3 || rep.Hits != 1 || rep.Version != "2024-01-01T00:00:00Z" {
		t.Fatalf("load: %+v, %v; want 1 hit among the 3 parties", rep, err)
	}
	hits, err := svc.ScreeningHits(ctx, barter.HitOpen)
	if err != nil || len(hits) != 1 || hits[0].Party != Russian || hits[0].Ref != "T.1" || hits[0].Score != "1.000" || hits[0].Listed != "VOLGA FOODS OOO" {
		t.Fatalf("open hits: %+v, %v", hits, err)
	}
	if _, err := svc.Approve(ctx, app.ID, barter.MustDate("2024-01-05")); barter.ErrorCode(err) != barter.EConflict || !strings.Contains(err.Error(), "may be on the sanctions list") {
		t.Errorf("approving with an open hit: %v; want a conflict", err)
	}
	// Nor are goods of its authorizations cleared, nor its debts set off.
	if _, err := svc.PostDeclaration(ctx, ptr(GD(t, Auth2025, barter.Import, "2024-01-15", "1"))); barter.ErrorCode(err) != barter.EInvalid || !strings.Contains(err.Error(), "sanctions list") {
		t.Errorf("a declaration for a blocked party: %v; want it refused", err)
	}
	run, err := svc.CreateClearingRun(ctx, "test", []barter.Obligation{
		{ID: "o1", Debtor: Trader, Creditor: Russian, Amount: 100, Currency: "PKR"}, {ID: "o2", Debtor: Russian, Creditor: Trader, Amount: 100, Currency: "PKR"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.CommitClearingRun(ctx, run.ID, barter.MustDate("2024-01-05")); barter.ErrorCode(err) != barter.EConflict {
		t.Errorf("committing a run with a blocked party: %v; want a conflict", err)
	}
	if rep, err := svc.LoadSanctions(ctx, list("2024-01-01", volga, other)); err != nil || rep.Loaded || rep.Hits != 0 {
		t.Errorf("the same version again: %+v, %v; want it screened again, nothing new", rep, err)
	}
	if _, err := svc.LoadSanctions(ctx, list("2023-01-01", volga)); barter.ErrorCode(err) != barter.EConflict {
		t.Errorf("an older version: %v; want a conflict", err)
	}
	// A party registered now is screened as it is registered.
	MustImport(t, svc.ImportParties, barter.Party{ID: "AF7", Name: "Herat Dried-Fruit Ltd", Country: "AF", TaxID: "AF7", Kind: barter.PartyPrivate})
	if hits, _ := svc.ScreeningHits(ctx, barter.HitOpen); len(hits) != 2 || hits[0].Party != "AF7" || hits[0].Ref != "T.2" {
		t.Errorf("after registering a listed name: %+v; want its hit", hits)
	}
	// While the hit is open, matching leaves the Russian party's offer out, and says why.
	MustImport(t, svc.ImportOffers, offer("kinnow", Trader, "PK", "080521", "1001", 50000), offer("wheat", Russian, "RU", "100199", "0805", 60000))
	day := barter.MustDate("2024-01-10")
	propose := func() int {
		t.Helper()
		run, err := svc.Propose(ctx, day, day.AddDays(14), 3, 10*time.Second, barter.MatchGoal{})
		if err != nil {
			t.Fatal(err)
		}
		return len(run.Proposals)
	}
	if n := propose(); n != 0 {
		t.Errorf("matching with an open hit: %d proposals; want none", n)
	}
	if leg, err := svc.ExplainLeg(ctx, "wheat", "kinnow", day); err != nil || leg.Possible || !strings.Contains(strings.Join(leg.Reasons, "; "), "sanctions") {
		t.Errorf("why wheat cannot give to kinnow: %+v, %v; want the screening named", leg, err)
	}
	// Nor does an authorization carried over from the old system come in for it.
	var rowErrs []barter.RowError
	_, err = svc.ImportAuthorizations(ctx, rowsOf(barter.AuthorizationImport{Number: "BT-OLD-1", Party: Trader, Counterparty: Russian, Regime: "2025",
		Issued: barter.MustDate("2024-01-02")}), barter.ImportOptions{OnError: func(e barter.RowError) { rowErrs = append(rowErrs, e) }})
	if !errors.Is(err, barter.ErrRejected) || len(rowErrs) != 1 || rowErrs[0].Field != "counterparty" || !strings.Contains(rowErrs[0].Reason, "sanctions list") {
		t.Errorf("importing an authorization with a blocked counterparty: %v %+v; want the row refused", err, rowErrs)
	}
	for _, tt := range []struct {
		party, ref, reason string
		code               barter.Code
	}{{Russian, "T.1", "", barter.EInvalid}, {Russian, "T.9", "no", barter.ENotFound}} {
		if _, err := svc.DecideHit(ctx, tt.party, tt.ref, false, tt.reason); barter.ErrorCode(err) != tt.code {
			t.Errorf("decide %s %s %q: %v; want %s", tt.party, tt.ref, tt.reason, err, tt.code)
		}
	}
	h, err := svc.DecideHit(ctx, Russian, "T.1", false, "a food wholesaler of Kazan, not the listed Moscow firm")
	if err != nil || h.Status != barter.HitCleared || h.DecidedBy != "barter" || h.Decided.IsZero() {
		t.Fatalf("clear: %+v, %v", h, err)
	}
	if _, err := svc.DecideHit(ctx, Russian, "T.1", true, "again"); barter.ErrorCode(err) != barter.EConflict {
		t.Errorf("deciding twice: %v; want a conflict", err)
	}
	if _, err := svc.DecideHit(ctx, "AF7", "T.2", true, "same registration"); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Approve(ctx, app.ID, barter.MustDate("2024-01-05")); err != nil {
		t.Errorf("approving once the hit is cleared: %v", err)
	}
	if n := propose(); n != 1 {
		t.Errorf("matching once the hit is cleared: %d proposals; want the pair", n)
	}
	if _, err := svc.CommitClearingRun(ctx, run.ID, barter.MustDate("2024-01-05")); err != nil {
		t.Errorf("committing the run once the hit is cleared: %v", err)
	}
	// The next version: the decisions carry over while the names are the same.
	rep, err = svc.LoadSanctions(ctx, list("2024-06-01", volga, other))
	if err != nil || rep.Hits != 2 {
		t.Fatalf("next version: %+v, %v", rep, err)
	}
	all, _ := svc.ScreeningHits(ctx, "")
	if len(all) != 2 || all[0].Status != barter.HitConfirmed || all[1].Status != barter.HitCleared || !strings.HasPrefix(all[1].Reason, "as on the list of 2024-01-01T00:00:00Z: ") {
		t.Errorf("hits on the next version: %+v; want both decisions carried over", all)
	}
	// A version that lists the Russian party under another name reopens it: the pending
	// proposal it is in cannot be accepted.
	// The entry AF7 was confirmed on now reads otherwise, beyond the threshold: the
	// confirmation stays while the entry is listed.
	volga.Name = "VOLGA FOODS LLC"
	other.Name = "HERAT TRADING HOUSE"
	if _, err := svc.LoadSanctions(ctx, list("2024-09-01", volga, other)); err != nil {
		t.Fatal(err)
	}
	confirmed, _ := svc.ScreeningHits(ctx, barter.HitConfirmed)
	if len(confirmed) != 1 || confirmed[0].Party != "AF7" || confirmed[0].Score != "-" || strings.Count(confirmed[0].Reason, "as on the list of") != 1 {
		t.Errorf("confirmed hits on a version that renamed the entry: %+v; want AF7's kept, its reason carried once", confirmed)
	}
	ps, err := svc.Proposals(ctx, barter.ProposalPending, day)
	if err != nil || len(ps) != 1 {
		t.Fatalf("pending proposals: %d, %v", len(ps), err)
	}
	if _, err := svc.Respond(ctx, ps[0].ID, Trader, true, "", day); barter.ErrorCode(err) != barter.EConflict || !strings.Contains(err.Error(), Russian) {
		t.Errorf("accepting a proposal with a party screened since: %v; want a conflict naming it", err)
	}
	// Cleared again, then the entry changes in anything but the name: opened again.
	if _, err := svc.DecideHit(ctx, Russian, "T.1", false, "still the Kazan wholesaler"); err != nil {
		t.Fatal(err)
	}
	volga.Nationalities = []string{"Russian Federation"}
	if _, err := svc.LoadSanctions(ctx, list("2024-10-01", volga, other)); err != nil {
		t.Fatal(err)
	}
	if open, _ := svc.ScreeningHits(ctx, barter.HitOpen); len(open) != 1 || open[0].Party != Russian {
		t.Errorf("open hits after the entry changed: %+v; want the Russian party's", open)
	}
	trader := barter.WithUser(ctx, &barter.User{Name: "t", Role: barter.RoleTrader, Party: Trader})
	if _, err := svc.ScreeningHits(trader, ""); barter.ErrorCode(err) != barter.EForbidden {
		t.Errorf("a trader listing hits: %v; want forbidden", err)
	}
}
