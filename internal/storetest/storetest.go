// Package storetest is the contract every barter.Store must meet. Each store's tests call
// Run with a function that opens a fresh, empty store; the suite drives it through the
// Service, so it checks the rules and the storage together, as users meet them.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/barter-clearing/barter"
	"github.com/barter-clearing/barter/hs"
	"github.com/barter-clearing/barter/netting"
)

// Opener opens a fresh, empty store for one test and closes it when the test ends.
type Opener func(tb testing.TB) barter.Store

// Run runs the contract suite against the stores open makes.
func Run(t *testing.T, open Opener) {
	tests := []struct {
		name string
		fn   func(*testing.T, *barter.Service)
	}{
		{"Parties", testParties},
		{"Consortiums", testConsortiums},
		{"Undertakings", testUndertakings},
		{"ConcurrentConsortiums", testConcurrentConsortiums},
		{"Rates", testRates},
		{"AuthorizationImport", testAuthorizationImport},
		{"Workflow", testWorkflow},
		{"Valuation", testValuation},
		{"DeclarationsOf", testDeclarationsOf},
		{"Report", testReport},
		{"CompareCounterpart", testCompareCounterpart},
		{"DuplicateDeclaration", testDuplicateDeclaration},
		{"DeclarationChecks", testDeclarationChecks},
		{"ImportFirst", testImportFirst},
		{"WholeOrNothing", testWholeOrNothing},
		{"LongImport", func(t *testing.T, svc *barter.Service) { testLongImport(t, svc, 0) }},
		{"LongImportSmallCache", func(t *testing.T, svc *barter.Service) { testLongImport(t, svc, 1) }},
		{"ImportForgets", testImportForgets},
		{"DeclarationsExist", testDeclarationsExist},
		{"CancelledImport", testCancelledImport},
		{"Reassessment", testReassessment},
		{"PositionsAndReconcile", testPositionsAndReconcile},
		{"TotalsCache", testTotalsCache},
		{"Users", testUsers},
		{"UserScope", testUserScope},
		{"ConsortiumMembersSee", testConsortiumMembersSee},
		{"UserRoles", testUserRoles},
		{"Screening", testScreening},
		{"ConcurrentPosting", testConcurrentPosting},
		{"ClearingRun", testClearingRun},
		{"Proposals", testProposals},
		{"ConcurrentProposals", testConcurrentProposals},
		{"IdempotencyKeys", testIdempotencyKeys},
		{"KeyExpiry", testKeyExpiry},
		{"ReImportRace", testReImportRace},
		{"RegistryImportRace", testRegistryImportRace},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			svc := NewService(t, open(t))
			tt.fn(t, svc)
			r, err := svc.VerifyLedger(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if !r.OK() {
				t.Errorf("ledger does not verify after the test: %+v", r)
			}
		})
	}
}

// NewService returns a service with the standard rulebooks and HS 2022 on store.
func NewService(tb testing.TB, store barter.Store) *barter.Service {
	tb.Helper()
	nom, err := hs.Load2022()
	if err != nil {
		tb.Fatal(err)
	}
	return &barter.Service{Store: store, HS: nom, Rulebooks: barter.StandardRulebooks(), SetOff: netting.Solver{},
		Now: func() time.Time { return time.Date(2024, 1, 5, 9, 0, 0, 0, time.UTC) }}
}

// Dec parses a decimal or fails the test.
func Dec(tb testing.TB, s string) barter.Decimal {
	tb.Helper()
	d, err := barter.ParseDecimal(s, 8)
	if err != nil {
		tb.Fatal(err)
	}
	return d
}

func rowsOf[T any](vs ...T) iter.Seq[barter.Row[T]] {
	return func(yield func(barter.Row[T]) bool) {
		for i, v := range vs {
			if !yield(barter.Row[T]{Line: i + 2, Value: v}) {
				return
			}
		}
	}
}

// MustImport imports values or fails the test.
func MustImport[T any](tb testing.TB, imp func(context.Context, iter.Seq[barter.Row[T]], barter.ImportOptions) (barter.ImportReport, error), vs ...T) barter.ImportReport {
	tb.Helper()
	var errs []barter.RowError
	rep, err := imp(context.Background(), rowsOf(vs...), barter.ImportOptions{OnError: func(e barter.RowError) { errs = append(errs, e) }})
	if err != nil {
		tb.Fatalf("import: %v %v", err, errs)
	}
	return rep
}

// Fixture names.
const (
	Trader    = "T1" // a Pakistani private trader, NTN 1234567
	Russian   = "RU1"
	Chinese   = "CN1" // not a partner country under either rulebook
	Auth2023  = "BT-2023-1"
	Auth2025  = "BT-2025-1"
	IssuedDay = "2024-01-10"
)

// MustSeed registers the fixture: parties, USD rates, and one authorization under each
// rulebook, issued on IssuedDay, with an import line for pulses (0713) and an export line
// for rice (1006) and citrus (080521).
func MustSeed(tb testing.TB, svc *barter.Service) {
	tb.Helper()
	MustImport(tb, svc.ImportParties,
		barter.Party{ID: Trader, Name: "Lahore Traders", Country: "PK", TaxID: "1234567", Kind: barter.PartyPrivate, ActiveTaxpayer: true},
		barter.Party{ID: Russian, Name: "Volga Foods", Country: "RU", TaxID: "1027700", Kind: barter.PartyPrivate},
		barter.Party{ID: Chinese, Name: "Shanghai Trading", Country: "CN", TaxID: "9131000", Kind: barter.PartyPrivate},
	)
	// Under the 2025 rulebook customs approve only with an undertaking on file that the
	// counterparty is not sanctioned: a chamber's vouches for RU1 to every applicant.
	if _, err := svc.RecordUndertaking(context.Background(), &barter.Undertaking{Chamber: "Lahore Chamber of Commerce and Industry",
		Counterparty: Russian, Day: barter.MustDate("2024-01-01"), Signatory: "Secretary General"}); err != nil {
		tb.Fatal(err)
	}
	MustImport(tb, svc.ImportRates,
		barter.Rate{Date: barter.MustDate("2024-01-01"), Currency: "USD", Rate: Dec(tb, "280")},
		barter.Rate{Date: barter.MustDate("2024-02-01"), Currency: "USD", Rate: Dec(tb, "282.5")},
	)
	for _, a := range []struct{ number, regime string }{{Auth2023, "2023"}, {Auth2025, "2025"}} {
		MustImport(tb, svc.ImportAuthorizations, barter.AuthorizationImport{Number: a.number, Party: Trader, Counterparty: Russian, Regime: a.regime, Issued: barter.MustDate(IssuedDay)})
		line := func(d barter.Direction, code string) barter.LineImport {
			return barter.LineImport{Authorization: a.number, Line: barter.Line{Direction: d, HSCode: code, Description: code, Quantity: Dec(tb, "1000"), Unit: "t", Value: Dec(tb, "1000000"), Currency: "USD"}}
		}
		MustImport(tb, svc.ImportLines, line(barter.Import, "0713"), line(barter.Export, "1006"), line(barter.Export, "080521"))
	}
}

var gdSerial = struct {
	sync.Mutex
	n int
}{}

// GD returns a declaration against auth with a fresh number.
func GD(tb testing.TB, auth string, d barter.Direction, day, value string) barter.Declaration {
	gdSerial.Lock()
	gdSerial.n++
	n := gdSerial.n
	gdSerial.Unlock()
	code := "071320"
	if d == barter.Export {
		code = "100630"
	}
	return barter.Declaration{Number: fmt.Sprintf("GD-%06d", n), Authorization: auth, Direction: d, Date: barter.MustDate(day),
		HSCode: code, Quantity: Dec(tb, "10"), Unit: "t", Currency: "USD", Declared: Dec(tb, value)}
}

// MustPost posts d or fails the test.
func MustPost(tb testing.TB, svc *barter.Service, d barter.Declaration) barter.Declaration {
	tb.Helper()
	if _, err := svc.PostDeclaration(context.Background(), &d); err != nil {
		tb.Fatalf("post %s: %v", d.Number, err)
	}
	return d
}

// wantInvalid checks that err is an EInvalid error about field.
func wantInvalid(tb testing.TB, err error, field string) {
	tb.Helper()
	var e *barter.Error
	if !errors.As(err, &e) || e.Code != barter.EInvalid || e.Field != field {
		tb.Fatalf("got error %v, want an invalid %s", err, field)
	}
}

// position returns the position of auth as of day.
func position(tb testing.TB, svc *barter.Service, auth, day string) barter.Position {
	tb.Helper()
	ps, err := svc.Positions(context.Background(), barter.MustDate(day))
	if err != nil {
		tb.Fatal(err)
	}
	i := slices.IndexFunc(ps, func(p barter.Position) bool { return p.Authorization == auth })
	if i < 0 {
		tb.Fatalf("no position for %s in %v", auth, ps)
	}
	return ps[i]
}

func entries(tb testing.TB, svc *barter.Service) int64 {
	tb.Helper()
	r, err := svc.VerifyLedger(context.Background())
	if err != nil {
		tb.Fatal(err)
	}
	return r.Entries
}
