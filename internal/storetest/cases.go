package storetest

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/barter-clearing/barter"
)

var ctx = context.Background()

func testParties(t *testing.T, svc *barter.Service) {
	p := barter.Party{ID: "P1", Name: "Karachi Rice", Country: "PK", TaxID: "7654321", Kind: barter.PartyPrivate,
		ActiveTaxpayer: true, ATLChecked: barter.MustDate("2024-03-01"), Collectorate: "Karachi"}
	if rep := MustImport(t, svc.ImportParties, p); rep.Written != 1 {
		t.Fatalf("written = %d, want 1", rep.Written)
	}
	var got *barter.Party
	err := svc.Store.View(ctx, func(tx barter.Tx) error {
		var err error
		got, err = tx.Party(ctx, "P1")
		return err
	})
	if err != nil || *got != p {
		t.Fatalf("Party = %+v, %v; want %+v", got, err, p)
	}
	if rep := MustImport(t, svc.ImportParties, p); rep.Duplicates != 1 || rep.Written != 0 {
		t.Errorf("re-import: %+v, want 1 duplicate", rep)
	}
	changed := p
	changed.Name = "Other"
	wantInvalid(t, svc.CreateParty(ctx, &changed), "id")
	err = svc.Store.View(ctx, func(tx barter.Tx) error {
		_, err := tx.Party(ctx, "nobody")
		return err
	})
	if barter.ErrorCode(err) != barter.ENotFound {
		t.Errorf("missing party: %v, want not found", err)
	}
	bad := p
	bad.ID, bad.Country = "P2", "XX"
	wantInvalid(t, svc.CreateParty(ctx, &bad), "country")

	// A file of more than one batch: rows repeating a row of the same batch, of the batch
	// before and of an earlier import are duplicates; one with other details is an error.
	ps := make([]barter.Party, 300)
	for i := range ps {
		ps[i] = barter.Party{ID: fmt.Sprintf("B%03d", i), Name: fmt.Sprintf("Trader %d", i), Country: "PK", TaxID: fmt.Sprintf("%07d", 1000000+i), Kind: barter.PartyPrivate}
	}
	ps[7], ps[290], ps[299] = ps[6], ps[1], p
	if rep := MustImport(t, svc.ImportParties, ps...); rep.Written != 297 || rep.Duplicates != 3 {
		t.Errorf("import of 300 rows: %+v, want 297 written and 3 duplicates", rep)
	}
	clash := []barter.Party{ps[0], ps[0]}
	clash[0].ID, clash[1].ID, clash[1].Name = "C1", "C1", "Other"
	var errs []barter.RowError
	_, err = svc.ImportParties(ctx, rowsOf(clash...), barter.ImportOptions{OnError: func(e barter.RowError) { errs = append(errs, e) }})
	if !errors.Is(err, barter.ErrRejected) || len(errs) != 1 || errs[0].Line != 3 || errs[0].Field != "id" {
		t.Errorf("one id with two names in a file: %v %+v; want line 3 rejected (id)", err, errs)
	}
}

func testRates(t *testing.T, svc *barter.Service) {
	r := barter.Rate{Date: barter.MustDate("2024-01-01"), Currency: "CNY", Rate: Dec(t, "38.12345678"), Source: "NBP"}
	MustImport(t, svc.ImportRates, r)
	if rep := MustImport(t, svc.ImportRates, r); rep.Duplicates != 1 {
		t.Errorf("re-import: %+v, want 1 duplicate", rep)
	}
	r2 := r
	r2.Rate = Dec(t, "39")
	_, err := svc.ImportRates(ctx, rowsOf(r2), barter.ImportOptions{})
	if !errors.Is(err, barter.ErrRejected) {
		t.Errorf("a different rate for the same day: %v, want rejected", err)
	}
	var rates []barter.Rate
	svc.Store.View(ctx, func(tx barter.Tx) error {
		var err error
		rates, err = tx.Rates(ctx)
		return err
	})
	if len(rates) != 1 || !rates[0].Rate.Equal(r.Rate) || rates[0].Source != "NBP" {
		t.Errorf("rates = %+v, want the one first imported, exactly", rates)
	}
}

func testAuthorizationImport(t *testing.T, svc *barter.Service) {
	MustSeed(t, svc)
	var a *barter.Authorization
	err := svc.Store.View(ctx, func(tx barter.Tx) error {
		var err error
		a, err = tx.Authorization(ctx, Auth2023)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if a.Status != barter.StatusApproved || a.Deadline != barter.MustDate("2024-04-09") || len(a.Lines) != 3 {
		t.Errorf("imported authorization = %+v; want approved, deadline 2024-04-09, 3 lines", a)
	}
	for _, tt := range []struct {
		in    barter.AuthorizationImport
		field string
	}{
		{barter.AuthorizationImport{Number: "X1", Party: Trader, Counterparty: Chinese, Regime: "2025", Issued: barter.MustDate(IssuedDay)}, "counterparty"},
		{barter.AuthorizationImport{Number: "X2", Party: Russian, Counterparty: Russian, Regime: "2025", Issued: barter.MustDate(IssuedDay)}, "party"},
		{barter.AuthorizationImport{Number: "X3", Party: Trader, Counterparty: Russian, Regime: "1999", Issued: barter.MustDate(IssuedDay)}, "regime"},
		{barter.AuthorizationImport{Number: "X4", Party: "ghost", Counterparty: Russian, Regime: "2025", Issued: barter.MustDate(IssuedDay)}, "party"},
		{barter.AuthorizationImport{Number: Auth2023, Party: Trader, Counterparty: Russian, Regime: "2025", Issued: barter.MustDate(IssuedDay)}, "number"},
	} {
		var got []barter.RowError
		_, err := svc.ImportAuthorizations(ctx, rowsOf(tt.in), barter.ImportOptions{OnError: func(e barter.RowError) { got = append(got, e) }})
		if !errors.Is(err, barter.ErrRejected) || len(got) != 1 || got[0].Field != tt.field {
			t.Errorf("import %+v: %v %+v; want one error on %s", tt.in, err, got, tt.field)
		}
	}
	testBulkAuthorizationImport(t, svc)
}

// testBulkAuthorizationImport imports files of more than one batch in which rows repeat
// rows of the same batch and of the batch before.
func testBulkAuthorizationImport(t *testing.T, svc *barter.Service) {
	issued := barter.MustDate(IssuedDay)
	as := make([]barter.AuthorizationImport, 300)
	for i := range as {
		as[i] = barter.AuthorizationImport{Number: fmt.Sprintf("M%03d", i), Party: Trader, Counterparty: Russian, Regime: "2025", Issued: issued}
	}
	as[5], as[299] = as[4], as[0]
	if rep := MustImport(t, svc.ImportAuthorizations, as...); rep.Written != 298 || rep.Duplicates != 2 {
		t.Errorf("authorizations: %+v, want 298 written and 2 duplicates", rep)
	}
	ls := make([]barter.LineImport, 300)
	for i := range ls {
		ls[i] = barter.LineImport{Authorization: fmt.Sprintf("M%03d", i%3), Line: barter.Line{Direction: barter.Import, HSCode: "0713",
			Description: fmt.Sprintf("pulses, lot %d", i), Quantity: Dec(t, "10"), Unit: "t", Value: Dec(t, "7040"), Currency: "USD"}}
	}
	ls[10], ls[290] = ls[1], ls[0]
	if rep := MustImport(t, svc.ImportLines, ls...); rep.Written != 298 || rep.Duplicates != 2 {
		t.Errorf("lines: %+v, want 298 written and 2 duplicates", rep)
	}
	err := svc.Store.View(ctx, func(tx barter.Tx) error {
		a, err := tx.Authorization(ctx, "M000")
		if err != nil {
			return err
		}
		// Rows 0, 3, ..., 297; row 290, which repeats row 0, adds none.
		if len(a.Lines) != 100 || a.Lines[0].Description != "pulses, lot 0" || a.Lines[99].Description != "pulses, lot 297" {
			t.Errorf("M000 has %d lines, first %+v; want 100 in file order", len(a.Lines), a.Lines[0])
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var got []barter.RowError
	twice := []barter.AuthorizationImport{{Number: "X5", Party: Trader, Counterparty: Russian, Regime: "2025", Issued: issued}}
	twice = append(twice, twice[0])
	twice[1].Regime = "2023"
	_, err = svc.ImportAuthorizations(ctx, rowsOf(twice...), barter.ImportOptions{OnError: func(e barter.RowError) { got = append(got, e) }})
	if !errors.Is(err, barter.ErrRejected) || len(got) != 1 || got[0].Line != 3 || got[0].Field != "number" {
		t.Errorf("one number with two regimes in a file: %v %+v; want line 3 rejected (number)", err, got)
	}
}

func testWorkflow(t *testing.T, svc *barter.Service) {
	MustSeed(t, svc)
	app := &barter.Application{Party: Trader, Counterparty: Russian, Regime: "2025", ValidUntil: barter.MustDate("2024-12-31"),
		Lines: []barter.Line{
			{Direction: barter.Import, HSCode: "071320", Description: "chickpeas", Quantity: Dec(t, "100"), Unit: "t", Value: Dec(t, "70400"), Currency: "USD"},
			{Direction: barter.Export, HSCode: "100630", Description: "rice", Quantity: Dec(t, "100"), Unit: "t", Value: Dec(t, "66700"), Currency: "USD"},
		}}
	a, err := svc.Apply(ctx, app)
	if err != nil {
		t.Fatal(err)
	}
	if a.Status != barter.StatusApplied || a.Number != "" {
		t.Fatalf("applied = %+v", a)
	}
	approved, err := svc.Approve(ctx, a.ID, barter.MustDate("2024-02-01"))
	if err != nil {
		t.Fatal(err)
	}
	if approved.Number != "BT-1234567-0001" || approved.Deadline != barter.MustDate("2024-05-31") {
		t.Errorf("approved = %s deadline %s; want BT-1234567-0001, 2024-05-31", approved.Number, approved.Deadline)
	}
	if _, err := svc.Approve(ctx, a.ID, barter.MustDate("2024-02-01")); barter.ErrorCode(err) != barter.EConflict {
		t.Errorf("approving twice: %v, want conflict", err)
	}
	if _, err := svc.Reject(ctx, a.ID, "late"); barter.ErrorCode(err) != barter.EConflict {
		t.Errorf("rejecting an approved authorization: %v, want conflict", err)
	}
	d := GD(t, approved.Number, barter.Import, "2024-02-05", "1000")
	MustPost(t, svc, d)
	// Posting reads an authorization's terms: all of it but its lines' details.
	err = svc.Store.View(ctx, func(tx barter.Tx) error {
		whole, err := tx.AuthorizationsByNumber(ctx, []string{approved.Number, "BT-NONE"})
		if err != nil {
			return err
		}
		terms, err := tx.AuthorizationTerms(ctx, []string{approved.Number, "BT-NONE"})
		if err != nil {
			return err
		}
		w, tm := whole[approved.Number], terms[approved.Number]
		if len(whole) != 1 || len(terms) != 1 || w == nil || tm == nil || len(w.Lines) != 2 || len(tm.Lines) != 2 {
			return fmt.Errorf("whole %v, terms %v; want the one authorization, two lines each", whole, terms)
		}
		for i, l := range w.Lines {
			if want := (barter.Line{Direction: l.Direction, HSCode: l.HSCode}); !reflect.DeepEqual(tm.Lines[i], want) {
				return fmt.Errorf("line %d of the terms: %+v; want %+v", i, tm.Lines[i], want)
			}
		}
		tw, tt := *w, *tm
		tw.Lines, tt.Lines = nil, nil
		if !reflect.DeepEqual(tw, tt) {
			return fmt.Errorf("terms %+v; want %+v", tt, tw)
		}
		return nil
	})
	if err != nil {
		t.Error(err)
	}

	b, err := svc.Apply(ctx, app)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Reject(ctx, b.ID, ""); barter.ErrorCode(err) != barter.EInvalid {
		t.Errorf("reject without reason: %v, want invalid", err)
	}
	rejected, err := svc.Reject(ctx, b.ID, "counterparty not screened")
	if err != nil || rejected.Status != barter.StatusRejected || rejected.Reason != "counterparty not screened" {
		t.Fatalf("reject: %+v, %v", rejected, err)
	}
	if _, err := svc.Approve(ctx, b.ID, barter.MustDate("2024-02-01")); barter.ErrorCode(err) != barter.EConflict {
		t.Errorf("approving a rejected application: %v, want conflict", err)
	}
	noExport := *app
	noExport.Lines = app.Lines[:1]
	if _, err := svc.Apply(ctx, &noExport); barter.ErrorCode(err) != barter.EInvalid {
		t.Errorf("application without export line: %v, want invalid", err)
	}
}

func testValuation(t *testing.T, svc *barter.Service) {
	MustSeed(t, svc)
	for _, tt := range []struct {
		day, currency, assessed, rate, value string
	}{
		{"2024-01-31", "USD", "10.0005", "280", "2800.14"},   // 2800.14 exactly
		{"2024-02-01", "USD", "10.0005", "282.5", "2825.14"}, // 2825.14125 -> .14
		{"2024-01-20", "PKR", "100.125", "1", "100.12"},      // tie, half to even
		{"2024-01-21", "PKR", "100.135", "1", "100.14"},      // tie, half to even
	} {
		d := GD(t, Auth2025, barter.Import, tt.day, tt.assessed)
		d.Currency = tt.currency
		d = MustPost(t, svc, d)
		if d.Value.String() != Dec(t, tt.value).String() || !d.Rate.Equal(Dec(t, tt.rate)) {
			t.Errorf("%s %s on %s: value %s at %s; want %s at %s", tt.assessed, tt.currency, tt.day, d.Value, d.Rate, tt.value, tt.rate)
		}
	}
	assessed := GD(t, Auth2025, barter.Import, "2024-01-15", "100")
	assessed.Assessed = Dec(t, "120")
	if got := MustPost(t, svc, assessed); got.Value.String() != "33600" {
		t.Errorf("value of assessed 120 USD = %s, want 33600 (assessed, not declared)", got.Value)
	}
	var stored *barter.Declaration
	svc.Store.View(ctx, func(tx barter.Tx) error {
		var err error
		stored, err = tx.Declaration(ctx, assessed.Number)
		return err
	})
	if stored == nil || !stored.Declared.Equal(Dec(t, "100")) || !stored.Assessed.Equal(Dec(t, "120")) || stored.RateDate != barter.MustDate("2024-01-01") {
		t.Errorf("stored declaration = %+v", stored)
	}
	early := GD(t, Auth2025, barter.Import, "2024-01-12", "1")
	early.Currency = "EUR"
	_, err := svc.PostDeclaration(ctx, &early)
	wantInvalid(t, err, "currency")
}

// testDeclarationsOf lists an authorization's declarations by day, then number, as they
// were posted, and none of another authorization's.
func testDeclarationsOf(t *testing.T, svc *barter.Service) {
	MustSeed(t, svc)
	var posted []barter.Declaration
	for _, day := range []string{"2024-01-20", "2024-01-15", "2024-01-20", "2024-01-16"} {
		posted = append(posted, MustPost(t, svc, GD(t, Auth2025, barter.Import, day, "100")))
	}
	assessed := GD(t, Auth2025, barter.Import, "2024-01-16", "100")
	assessed.Assessed = Dec(t, "120.50")
	posted = append(posted, MustPost(t, svc, assessed))
	MustPost(t, svc, GD(t, Auth2023, barter.Import, "2024-01-15", "100"))
	got, err := svc.DeclarationsOf(ctx, Auth2025)
	if err != nil {
		t.Fatal(err)
	}
	want := slices.Clone(posted)
	slices.SortStableFunc(want, func(a, b barter.Declaration) int {
		return cmp.Or(a.Date.DaysUntil(b.Date)*-1, strings.Compare(a.Number, b.Number))
	})
	if len(got) != len(want) {
		t.Fatalf("%d declarations of %s; want %d", len(got), Auth2025, len(want))
	}
	for i := range want {
		g, w := got[i], want[i]
		if g.Number != w.Number || g.Date != w.Date || !g.Assessed.Equal(w.Assessed) || !g.Declared.Equal(w.Declared) || !g.Value.Equal(w.Value) ||
			!g.Rate.Equal(w.Rate) || g.RateDate != w.RateDate || g.Entry != w.Entry || g.Authorization != Auth2025 || g.HSCode != w.HSCode {
			t.Errorf("declaration %d: %+v; want %+v", i, g, w)
		}
	}
	MustImport(t, svc.ImportAuthorizations, barter.AuthorizationImport{Number: "BT-EMPTY", Party: Trader, Counterparty: Russian, Regime: "2025", Issued: barter.MustDate(IssuedDay)})
	if none, err := svc.DeclarationsOf(ctx, "BT-EMPTY"); err != nil || len(none) != 0 {
		t.Errorf("an authorization with nothing posted: %v, %v; want none", none, err)
	}
	if _, err := svc.DeclarationsOf(ctx, "BT-NONE"); barter.ErrorCode(err) != barter.ENotFound {
		t.Errorf("declarations of no authorization: %v; want not found", err)
	}
	// One declaration, with the reassessments booked to it in order.
	for _, v := range []string{"130", "125"} {
		if _, err := svc.Reassess(ctx, assessed.Number, Dec(t, v), barter.MustDate("2024-01-25")); err != nil {
			t.Fatal(err)
		}
	}
	n := entries(t, svc)
	if again, err := svc.Reassess(ctx, assessed.Number, Dec(t, "125.00"), barter.MustDate("2024-01-26")); err != nil || again.Entry != 0 || !again.Delta.IsZero() || entries(t, svc) != n {
		t.Errorf("reassessing at 125 again: %+v, %v, %d entries after %d; want nothing booked", again, err, entries(t, svc), n)
	}
	d, rs, err := svc.Declaration(ctx, assessed.Number)
	if err != nil || d.Number != assessed.Number || !d.Assessed.Equal(Dec(t, "120.50")) || len(rs) != 2 ||
		!rs[0].Assessed.Equal(Dec(t, "130")) || !rs[1].Assessed.Equal(Dec(t, "125")) || !rs[1].Delta.Equal(Dec(t, "-1400")) || rs[1].Entry <= rs[0].Entry {
		t.Errorf("declaration %s: %+v, reassessments %+v, %v; want assessed 120.50, then 130 and 125 (-5 x 280)", assessed.Number, d, rs, err)
	}
	if _, _, err := svc.Declaration(ctx, "GD-NONE"); barter.ErrorCode(err) != barter.ENotFound {
		t.Errorf("no such declaration: %v; want not found", err)
	}
}

func testDuplicateDeclaration(t *testing.T, svc *barter.Service) {
	MustSeed(t, svc)
	d := MustPost(t, svc, GD(t, Auth2025, barter.Import, "2024-01-15", "100"))
	n := entries(t, svc)
	again := d
	again.Declared, again.Assessed, again.Value = Dec(t, "999"), barter.Zero, barter.Zero
	dup, err := svc.PostDeclaration(ctx, &again)
	if err != nil || !dup {
		t.Fatalf("second post: dup=%v err=%v; want a no-op", dup, err)
	}
	if !again.Value.Equal(d.Value) || again.Entry != d.Entry {
		t.Errorf("second post returned value %s entry %d; want the first: %s entry %d", again.Value, again.Entry, d.Value, d.Entry)
	}
	if got := entries(t, svc); got != n {
		t.Errorf("ledger entries = %d after the repeat, want %d", got, n)
	}
	if p := position(t, svc, Auth2025, "2024-02-01"); !p.Imports.Equal(d.Value) {
		t.Errorf("imports = %s, want %s (posted once)", p.Imports, d.Value)
	}
}

func testDeclarationChecks(t *testing.T, svc *barter.Service) {
	MustSeed(t, svc)
	mod := func(f func(*barter.Declaration)) barter.Declaration {
		d := GD(t, Auth2025, barter.Import, "2024-01-15", "100")
		f(&d)
		return d
	}
	for _, tt := range []struct {
		name  string
		d     barter.Declaration
		field string
	}{
		{"unknown authorization", mod(func(d *barter.Declaration) { d.Authorization = "nope" }), "authorization"},
		{"before issue", mod(func(d *barter.Declaration) { d.Date = barter.MustDate("2024-01-09") }), "date"},
		{"after deadline", mod(func(d *barter.Declaration) { d.Date = barter.MustDate("2024-05-10") }), "date"},
		{"not a subheading", mod(func(d *barter.Declaration) { d.HSCode = "071399" }), "hs_code"},
		{"too short", mod(func(d *barter.Declaration) { d.HSCode = "0713" }), "hs_code"},
		{"other direction's line", mod(func(d *barter.Declaration) { d.HSCode = "100630" }), "hs_code"},
		{"no line", mod(func(d *barter.Declaration) { d.HSCode = "270900" }), "hs_code"},
		{"zero quantity", mod(func(d *barter.Declaration) { d.Quantity = barter.Zero }), "quantity"},
		{"bad currency", mod(func(d *barter.Declaration) { d.Currency = "XYZ" }), "currency"},
		{"negative value", mod(func(d *barter.Declaration) { d.Declared = Dec(t, "-1") }), "declared_value"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := svc.PostDeclaration(ctx, &tt.d)
			wantInvalid(t, err, tt.field)
		})
	}
	ok := MustPost(t, svc, mod(func(d *barter.Declaration) { d.HSCode = "0713200010"; d.Date = barter.MustDate("2024-05-09") }))
	if ok.Value.IsZero() {
		t.Error("a 10-digit code under a heading line on the deadline was not valued")
	}
	if got := entries(t, svc); got != 1 {
		t.Errorf("ledger has %d entries, want 1: rejected declarations must not post", got)
	}
}

func testImportFirst(t *testing.T, svc *barter.Service) {
	MustSeed(t, svc)
	_, err := svc.PostDeclaration(ctx, ptr(GD(t, Auth2023, barter.Export, "2024-01-15", "1")))
	wantInvalid(t, err, "assessed_value")
	MustPost(t, svc, GD(t, Auth2025, barter.Export, "2024-01-15", "50")) // 2025: either order
	imp := MustPost(t, svc, GD(t, Auth2023, barter.Import, "2024-01-15", "100"))
	// Dated before any import, an export breaks the rule even when posted after one.
	_, err = svc.PostDeclaration(ctx, ptr(GD(t, Auth2023, barter.Export, "2024-01-14", "1")))
	wantInvalid(t, err, "assessed_value")
	MustPost(t, svc, GD(t, Auth2023, barter.Export, "2024-01-16", "100"))
	MustPost(t, svc, GD(t, Auth2023, barter.Export, "2024-01-17", "25")) // exports - imports = 20 % of exports
	_, err = svc.PostDeclaration(ctx, ptr(GD(t, Auth2023, barter.Export, "2024-01-18", "0.01")))
	wantInvalid(t, err, "assessed_value")
	if p := position(t, svc, Auth2023, "2024-01-31"); p.Status != barter.PositionBalanced || p.Imbalance.String() != "7000" {
		t.Errorf("position = %+v; want balanced, imbalance 7000", p)
	}
	// Reassessing the import down would leave the exports ahead of it.
	if _, err := svc.Reassess(ctx, imp.Number, Dec(t, "90"), barter.MustDate("2024-01-20")); barter.ErrorCode(err) != barter.EInvalid {
		t.Errorf("reassessing the import down: %v, want invalid", err)
	}
	if _, err := svc.Reassess(ctx, imp.Number, Dec(t, "110"), barter.MustDate("2024-01-20")); err != nil {
		t.Errorf("reassessing the import up: %v", err)
	}
	// A later import does not excuse an earlier export, but covers later ones.
	MustPost(t, svc, GD(t, Auth2023, barter.Import, "2024-02-10", "50"))
	_, err = svc.PostDeclaration(ctx, ptr(GD(t, Auth2023, barter.Export, "2024-02-01", "30")))
	wantInvalid(t, err, "assessed_value")
	MustPost(t, svc, GD(t, Auth2023, barter.Export, "2024-02-11", "10"))
}

func ptr[T any](v T) *T { return &v }

func testWholeOrNothing(t *testing.T, svc *barter.Service) {
	MustSeed(t, svc)
	good := GD(t, Auth2025, barter.Import, "2024-01-15", "100")
	bad1 := GD(t, Auth2025, barter.Import, "2024-01-15", "100")
	bad1.HSCode = "999999"
	bad2 := GD(t, "missing", barter.Import, "2024-01-15", "100")
	var errs []barter.RowError
	rep, err := svc.ImportDeclarations(ctx, rowsOf(good, bad1, bad2), barter.ImportOptions{OnError: func(e barter.RowError) { errs = append(errs, e) }})
	if !errors.Is(err, barter.ErrRejected) {
		t.Fatalf("import with bad rows: %v, want rejected", err)
	}
	if rep.Rejected != 2 || len(errs) != 2 || errs[0].Line != 3 || errs[0].Field != "hs_code" || errs[1].Line != 4 || errs[1].Field != "authorization" {
		t.Errorf("report %+v errors %+v; want lines 3 (hs_code) and 4 (authorization)", rep, errs)
	}
	if got := entries(t, svc); got != 0 {
		t.Errorf("ledger has %d entries after a rejected file, want 0", got)
	}
	err = svc.Store.View(ctx, func(tx barter.Tx) error {
		_, err := tx.Declaration(ctx, good.Number)
		return err
	})
	if barter.ErrorCode(err) != barter.ENotFound {
		t.Errorf("the good row of a rejected file was stored: %v", err)
	}
	rep = MustImport(t, svc.ImportDeclarations, good)
	if rep.Written != 1 {
		t.Errorf("good file: %+v", rep)
	}
	if rep = MustImport(t, svc.ImportDeclarations, good); rep.Duplicates != 1 || rep.Written != 0 {
		t.Errorf("re-import: %+v, want 1 duplicate", rep)
	}
}

func testReassessment(t *testing.T, svc *barter.Service) {
	MustSeed(t, svc)
	d := MustPost(t, svc, GD(t, Auth2025, barter.Import, "2024-01-15", "100")) // 28000
	r, err := svc.Reassess(ctx, d.Number, Dec(t, "110"), barter.MustDate("2024-01-20"))
	if err != nil {
		t.Fatal(err)
	}
	if r.Value.String() != "30800" || r.Delta.String() != "2800" || r.Entry == d.Entry {
		t.Errorf("reassessment = %+v; want value 30800, delta 2800, a new entry", r)
	}
	r2, err := svc.Reassess(ctx, d.Number, Dec(t, "90"), barter.MustDate("2024-01-25"))
	if err != nil || r2.Delta.String() != "-5600" {
		t.Fatalf("second reassessment = %+v, %v; want delta -5600", r2, err)
	}
	if p := position(t, svc, Auth2025, "2024-01-22"); p.Imports.String() != "30800" {
		t.Errorf("imports as of 2024-01-22 = %s, want 30800", p.Imports)
	}
	if p := position(t, svc, Auth2025, "2024-01-31"); p.Imports.String() != "25200" {
		t.Errorf("imports as of 2024-01-31 = %s, want 25200", p.Imports)
	}
	if got := entries(t, svc); got != 3 {
		t.Errorf("entries = %d, want 3", got)
	}
	var stored *barter.Declaration
	svc.Store.View(ctx, func(tx barter.Tx) error {
		var err error
		stored, err = tx.Declaration(ctx, d.Number)
		return err
	})
	if stored == nil || !stored.Assessed.Equal(Dec(t, "100")) {
		t.Errorf("declaration was edited: %+v", stored)
	}
	if _, err := svc.Reassess(ctx, "nope", Dec(t, "1"), barter.MustDate("2024-01-20")); barter.ErrorCode(err) != barter.ENotFound {
		t.Errorf("reassess unknown: %v, want not found", err)
	}
}

func testPositionsAndReconcile(t *testing.T, svc *barter.Service) {
	MustSeed(t, svc)
	MustPost(t, svc, GD(t, Auth2025, barter.Import, "2024-01-15", "100"))
	MustPost(t, svc, GD(t, Auth2025, barter.Export, "2024-02-15", "90"))
	MustPost(t, svc, GD(t, Auth2023, barter.Import, "2024-01-15", "100"))

	p := position(t, svc, Auth2025, "2024-01-31")
	if p.Status != barter.PositionOpen || p.Imports.String() != "28000" || !p.Exports.IsZero() || p.DaysLeft != 99 {
		t.Errorf("2025 as of 2024-01-31 = %+v; want open, imports 28000, 99 days left", p)
	}
	if p := position(t, svc, Auth2025, "2024-02-15"); p.Status != barter.PositionBalanced || p.Exports.String() != "25425" {
		t.Errorf("2025 as of 2024-02-15 = %+v; want balanced, exports 25425", p)
	}
	if p := position(t, svc, Auth2023, "2024-04-10"); p.Status != barter.PositionOverdue || p.Party != Trader || p.Counterparty != Russian || p.Regime != "2023" {
		t.Errorf("2023 as of 2024-04-10 = %+v; want overdue", p)
	}
	ps, _ := svc.Positions(ctx, barter.MustDate("2024-01-09"))
	if len(ps) != 0 {
		t.Errorf("positions before any issue = %d, want 0", len(ps))
	}

	run, err := svc.Reconcile(ctx, barter.MustDate("2024-04-10"))
	if err != nil {
		t.Fatal(err)
	}
	if len(run.Cancelled) != 1 || run.Cancelled[0].Authorization != Auth2023 || run.Cancelled[0].Reason == "" {
		t.Fatalf("reconcile cancelled %+v; want %s with a reason", run.Cancelled, Auth2023)
	}
	if p := position(t, svc, Auth2023, "2024-04-10"); p.Status != barter.PositionCancelled {
		t.Errorf("after reconcile: %s, want cancelled", p.Status)
	}
	if p := position(t, svc, Auth2025, "2024-04-10"); p.Status != barter.PositionBalanced {
		t.Errorf("balanced authorization after reconcile: %s", p.Status)
	}
	_, err = svc.PostDeclaration(ctx, ptr(GD(t, Auth2023, barter.Import, "2024-04-01", "1")))
	wantInvalid(t, err, "authorization")
	again, err := svc.Reconcile(ctx, barter.MustDate("2024-04-10"))
	if err != nil || len(again.Cancelled) != 0 {
		t.Errorf("second reconcile: %+v, %v; want nothing more cancelled", again, err)
	}
	// A run as of an earlier day, after a later one, leaves what was cancelled alone.
	earlier, err := svc.Reconcile(ctx, barter.MustDate("2024-04-09"))
	if err != nil || len(earlier.Cancelled) != 0 {
		t.Errorf("reconcile as of an earlier day: %+v, %v", earlier, err)
	}
}

// testConcurrentPosting races exporters against the import-first limit: with lost
// updates more exports than the limit allows would get through.
func testConcurrentPosting(t *testing.T, svc *barter.Service) {
	MustSeed(t, svc)
	MustPost(t, svc, GD(t, Auth2023, barter.Import, "2024-01-15", "100"))
	const workers, each = 8, 5
	var wg sync.WaitGroup
	var mu sync.Mutex
	accepted, rejected := 0, 0
	var failure error
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < each; i++ {
				d := GD(t, Auth2023, barter.Export, "2024-01-20", "10")
				_, err := svc.PostDeclaration(ctx, &d)
				mu.Lock()
				switch barter.ErrorCode(err) {
				case "":
					accepted++
				case barter.EInvalid:
					rejected++
				default:
					failure = err
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if failure != nil {
		t.Fatal(failure)
	}
	if accepted != 12 || rejected != workers*each-12 {
		t.Errorf("accepted %d, rejected %d; want exactly 12 exports of 10 against imports of 100", accepted, rejected)
	}
	if p := position(t, svc, Auth2023, "2024-01-31"); p.Exports.String() != "33600" {
		t.Errorf("exports = %s, want 33600 (12 x 2800)", p.Exports)
	}
}

func testClearingRun(t *testing.T, svc *barter.Service) {
	MustSeed(t, svc)
	obs := []barter.Obligation{
		{ID: "o1", Debtor: "S", Creditor: "X", Amount: 1000, Currency: "PKR"},
		{ID: "o2", Debtor: "X", Creditor: "T", Amount: 1000, Currency: "PKR"},
		{ID: "o3", Debtor: "T", Creditor: "S", Amount: 1000, Currency: "PKR"},
		{ID: "o4", Debtor: "S", Creditor: "T", Amount: 1000, Currency: "PKR"},
		{ID: "o5", Debtor: "X", Creditor: "S", Amount: 400, Currency: "PKR"},
		{ID: "y1", Debtor: "S", Creditor: "X", Amount: 700, Currency: "CNY"},
		{ID: "y2", Debtor: "X", Creditor: "S", Amount: 500, Currency: "CNY"},
	}
	run, err := svc.CreateClearingRun(ctx, "test", obs)
	if err != nil {
		t.Fatal(err)
	}
	got, err := svc.ClearingRun(ctx, run.ID)
	if err != nil {
		t.Fatal(err)
	}
	tot := got.Totals()
	if got.Status != barter.ClearingDraft || len(got.Obligations) != 7 || tot["PKR"] != [3]int64{4400, 3400, 1000} || tot["CNY"] != [3]int64{1200, 1000, 200} {
		t.Fatalf("run = %+v totals %v; want a draft clearing 3400 PKR and 1000 CNY", got, tot)
	}
	for _, e := range got.Effects() {
		if e.Currency == "PKR" && e.Party == "S" && (e.Owes != 2000 || e.Owed != 1400 || e.Net != -600) {
			t.Errorf("effect on S = %+v", e)
		}
	}
	if _, err := svc.CreateClearingRun(ctx, "bad", []barter.Obligation{obs[0], obs[0]}); barter.ErrorCode(err) != barter.EInvalid {
		t.Errorf("duplicate ids: %v, want invalid", err)
	}
	before := entries(t, svc)
	committed, err := svc.CommitClearingRun(ctx, run.ID, barter.MustDate("2024-03-01"))
	if err != nil {
		t.Fatal(err)
	}
	if committed.Status != barter.ClearingCommitted || committed.Entry == 0 {
		t.Errorf("committed = %+v", committed)
	}
	if got := entries(t, svc); got != before+1 {
		t.Errorf("entries = %d, want %d (one entry for the run)", got, before+1)
	}
	if _, err := svc.CommitClearingRun(ctx, run.ID, barter.MustDate("2024-03-01")); barter.ErrorCode(err) != barter.EConflict {
		t.Errorf("second commit: %v, want conflict", err)
	}
	if ok, err := svc.ReproduceClearingRun(ctx, run.ID); err != nil || !ok {
		t.Errorf("reproduce: %v, %v", ok, err)
	}
	runs, err := svc.ClearingRuns(ctx)
	if err != nil || len(runs) != 1 || runs[0].Status != barter.ClearingCommitted {
		t.Errorf("runs = %+v, %v", runs, err)
	}
	// Positions turn into obligations: an overdue authorization that imported more than
	// it exported makes its trader owe the counterparty the difference.
	MustPost(t, svc, GD(t, Auth2025, barter.Import, "2024-01-15", "100"))
	fromPos, err := svc.ObligationsFromPositions(ctx, barter.MustDate("2024-06-01"))
	if err != nil {
		t.Fatal(err)
	}
	if len(fromPos) != 1 || fromPos[0].Debtor != Trader || fromPos[0].Creditor != Russian || fromPos[0].Amount != 2800000 || fromPos[0].Currency != "PKR" {
		t.Fatalf("obligations from positions = %+v", fromPos)
	}
	// An authorization on which the trader exported for 10,000.00 PKR and imported
	// nothing makes the counterparty owe it: the two debts form a loop.
	MustImport(t, svc.ImportAuthorizations, barter.AuthorizationImport{Number: "BT-BACK", Party: Trader, Counterparty: Russian, Regime: "2025", Issued: barter.MustDate(IssuedDay)})
	MustImport(t, svc.ImportLines, barter.LineImport{Authorization: "BT-BACK", Line: barter.Line{Direction: barter.Export, HSCode: "1006",
		Description: "rice", Quantity: Dec(t, "10"), Unit: "t", Value: Dec(t, "10000"), Currency: "PKR"}})
	back := GD(t, "BT-BACK", barter.Export, "2024-01-20", "10000")
	back.Currency = "PKR"
	MustPost(t, svc, back)
	day := barter.MustDate("2024-06-01")
	owed := func() []barter.Obligation {
		t.Helper()
		obs, err := svc.ObligationsFromPositions(ctx, day)
		if err != nil {
			t.Fatal(err)
		}
		return obs
	}
	// A run whose source only reads like one from positions clears nothing of theirs.
	spoof, err := svc.CreateClearingRun(ctx, barter.PositionsSource+"2024-06-01", []barter.Obligation{
		{ID: Auth2025, Debtor: "X", Creditor: "Y", Amount: 2800000, Currency: "PKR"}, {ID: "BT-BACK", Debtor: "Y", Creditor: "X", Amount: 2800000, Currency: "PKR"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.CommitClearingRun(ctx, spoof.ID, day); err != nil {
		t.Fatal(err)
	}
	if obs := owed(); len(obs) != 2 || obs[0].Amount != 2800000 || obs[1].Amount != 1000000 || obs[1].Debtor != Russian {
		t.Fatalf("after a run of obligations named like positions: %+v; want both debts whole", obs)
	}
	// Two runs from the same positions: the first to commit clears 10,000.00 of each
	// debt; the second no longer matches what is owed and is refused.
	pr, err := svc.CreateClearingRunFromPositions(ctx, day)
	if err != nil {
		t.Fatal(err)
	}
	pr2, err := svc.CreateClearingRunFromPositions(ctx, day)
	if err != nil {
		t.Fatal(err)
	}
	if pr.PositionsAsOf != day || pr.Source != barter.PositionsSource+"2024-06-01" || pr.Obligations[0].Cleared != 1000000 {
		t.Fatalf("run from positions = %+v", pr)
	}
	if _, err := svc.CommitClearingRun(ctx, pr.ID, day); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.CommitClearingRun(ctx, pr2.ID, day); barter.ErrorCode(err) != barter.EConflict {
		t.Errorf("second run from the same positions: %v; want conflict", err)
	}
	if obs := owed(); len(obs) != 1 || obs[0].ID != Auth2025 || obs[0].Amount != 1800000 {
		t.Errorf("after clearing 1,000,000 of it: %+v; want 1,800,000 left", obs)
	}
	// A declaration booked on a day before the run's changes what is owed: refused too.
	pr3, err := svc.CreateClearingRunFromPositions(ctx, day)
	if err != nil {
		t.Fatal(err)
	}
	MustPost(t, svc, GD(t, Auth2025, barter.Import, "2024-02-01", "1"))
	if _, err := svc.CommitClearingRun(ctx, pr3.ID, day); barter.ErrorCode(err) != barter.EConflict {
		t.Errorf("run made before a declaration of an earlier day: %v; want conflict", err)
	}
	if _, err := svc.CreateClearingRunFromPositions(ctx, barter.MustDate("2024-01-01")); barter.ErrorCode(err) != barter.EInvalid {
		t.Errorf("a run from positions that owe nothing: %v; want invalid", err)
	}
}

// testLongImport imports files of several batches, so that one batch is checked while
// the one before is still being written: duplicates of a row in the same batch, the
// batch before and two batches back are no-ops, and the import-first rule counts exports
// of earlier batches of the same file. With cache 1, the import forgets the fixture's
// two authorizations at every batch and reads them again.
func testLongImport(t *testing.T, svc *barter.Service, cache int) {
	MustSeed(t, svc)
	svc.ImportCache = cache
	rows := make([]barter.Declaration, 700)
	for i := range rows {
		auth, dir, day := []string{Auth2023, Auth2025}[i%2], barter.Import, "2024-01-15"
		if i >= 600 {
			dir, day = barter.Export, "2024-02-15"
		}
		rows[i] = GD(t, auth, dir, day, "100")
	}
	// Batches of 256 rows: 260 repeats 250 (the batch before), 270 repeats 265 (its own
	// batch), 600 repeats 10 (two batches back). All three are rows of BT-2023-1.
	rows[260], rows[270], rows[600] = rows[250], rows[265], rows[10]
	rep := MustImport(t, svc.ImportDeclarations, rows...)
	if rep.Written != 697 || rep.Duplicates != 3 {
		t.Fatalf("import: %+v, want 697 written and 3 duplicates", rep)
	}
	// BT-2023-1: 300 imports less 2 at 100 USD x 280; 50 exports less 1 at 100 x 282.5.
	// BT-2025-1: 300 imports and 50 exports.
	for _, want := range []struct{ auth, imports, exports string }{{Auth2023, "8344000", "1384250"}, {Auth2025, "8400000", "1412500"}} {
		if p := position(t, svc, want.auth, "2024-03-01"); p.Imports.String() != want.imports || p.Exports.String() != want.exports {
			t.Errorf("%s: imports %s, exports %s; want %s and %s", want.auth, p.Imports, p.Exports, want.imports, want.exports)
		}
	}
	// BT-2023-1 may export up to 1.25 x 8,344,000 = 10,430,000: 9,045,750 more. The first
	// batch of this file exports 128 x 10 USD x 282.5 = 361,600 of it; then 31,000 USD
	// (8,757,500) no longer fits, though it would alone.
	more := make([]barter.Declaration, 260)
	for i := range more {
		more[i] = GD(t, Auth2023, barter.Export, "2024-02-20", "10")
		if i%2 == 1 {
			more[i] = GD(t, Auth2025, barter.Import, "2024-02-20", "10")
		}
	}
	more[256].Declared = Dec(t, "31000")
	var errs []barter.RowError
	_, err := svc.ImportDeclarations(ctx, rowsOf(more...), barter.ImportOptions{OnError: func(e barter.RowError) { errs = append(errs, e) }})
	if !errors.Is(err, barter.ErrRejected) || len(errs) != 1 || errs[0].Line != 258 || errs[0].Field != "assessed_value" {
		t.Errorf("export past the rule after a batch of exports: %v %+v; want line 258 rejected (assessed_value)", err, errs)
	}
	if p := position(t, svc, Auth2023, "2024-03-01"); p.Exports.String() != "1384250" {
		t.Errorf("a rejected file changed BT-2023-1's exports to %s", p.Exports)
	}
	more[256].Declared = Dec(t, "10")
	if rep := MustImport(t, svc.ImportDeclarations, more...); rep.Written != 260 {
		t.Errorf("import: %+v, want 260 written", rep)
	}
	// Both files imported again, with new rows after them: the repeated rows are no-ops,
	// and once a batch is mostly repeats, the import checks numbers before reading
	// authorizations, and reads only those of new rows. (With a cache of one
	// authorization every batch reads them again, and the test fails if those of new
	// rows are not read.) The new rows are exports of BT-2023-1, which has exported
	// 1,384,250 + 130 x 2,825 = 1,751,500 of 10,430,000: 307 more at 100 USD x 282.5
	// fit, and the 308th does not (line 1269).
	again := append(slices.Clone(rows), more...)
	for range 330 {
		again = append(again, GD(t, Auth2023, barter.Export, "2024-02-20", "100"))
	}
	errs = nil
	_, err = svc.ImportDeclarations(ctx, rowsOf(again...), barter.ImportOptions{OnError: func(e barter.RowError) { errs = append(errs, e) }})
	if !errors.Is(err, barter.ErrRejected) || len(errs) != 23 || errs[0].Line != 1269 || errs[0].Field != "assessed_value" {
		t.Fatalf("files imported again with 330 exports: %v, %d rows rejected (%+v first); want lines 1269 to 1291 rejected (assessed_value)", err, len(errs), errs[:min(1, len(errs))])
	}
	rep = MustImport(t, svc.ImportDeclarations, again[:1267]...)
	if rep.Written != 307 || rep.Duplicates != 960 {
		t.Fatalf("files imported again with 307 exports: %+v, want 307 written and 960 duplicates", rep)
	}
	if p := position(t, svc, Auth2023, "2024-03-01"); p.Exports.String() != "10424250" {
		t.Errorf("%s: exports %s after the files imported again, want 10424250", Auth2023, p.Exports)
	}
}

// testImportForgets imports a file whose authorizations overflow a cache of two: the
// import forgets the one it has posted to and reads it again, with what the import
// posted to it, before an export that only those imports allow. (Where the store reads
// authorizations from a view of what was committed before, the export is refused if
// that view is read after the import has forgotten any.)
func testImportForgets(t *testing.T, svc *barter.Service) {
	MustSeed(t, svc)
	const third = "BT-2023-2"
	MustImport(t, svc.ImportAuthorizations, barter.AuthorizationImport{Number: third, Party: Trader, Counterparty: Russian, Regime: "2023", Issued: barter.MustDate(IssuedDay)})
	MustImport(t, svc.ImportLines, barter.LineImport{Authorization: third, Line: barter.Line{Direction: barter.Import, HSCode: "0713", Description: "pulses",
		Quantity: Dec(t, "1000"), Unit: "t", Value: Dec(t, "1000000"), Currency: "USD"}})
	svc.ImportCache = 2
	var rows []barter.Declaration
	for range 256 { // the first batch: BT-2023-1 alone
		rows = append(rows, GD(t, Auth2023, barter.Import, "2024-01-15", "100"))
	}
	for i := range 256 { // the second: two others, which overflow the cache
		rows = append(rows, GD(t, []string{Auth2025, third}[i%2], barter.Import, "2024-01-15", "100"))
	}
	// 256 x 100 USD x 280 = 7,168,000 imported allows 8,601,600 exported: 30,000 USD
	// at 282.5 (8,475,000) fits, and would not without the first batch.
	rows = append(rows, GD(t, Auth2023, barter.Export, "2024-02-15", "30000"))
	if rep := MustImport(t, svc.ImportDeclarations, rows...); rep.Written != len(rows) {
		t.Fatalf("import: %+v; want all %d written", rep, len(rows))
	}
	if p := position(t, svc, Auth2023, "2024-03-01"); p.Imports.String() != "7168000" || p.Exports.String() != "8475000" {
		t.Errorf("%s: imports %s, exports %s; want 7168000 and 8475000", Auth2023, p.Imports, p.Exports)
	}
}

// testDeclarationsExist looks up posted numbers in ranges that hold few posted numbers
// and in one that holds more than a statement reads, in and out of order, in several
// chunks.
func testDeclarationsExist(t *testing.T, svc *barter.Service) {
	MustSeed(t, svc)
	num := func(i int) string { return fmt.Sprintf("GD-R-%04d", i) }
	var rows []barter.Declaration
	for i := 0; i < 1200; i += 2 { // the even numbers are posted
		d := GD(t, Auth2025, barter.Import, "2024-01-15", "1")
		d.Number = num(i)
		rows = append(rows, d)
	}
	MustImport(t, svc.ImportDeclarations, rows...)
	r := rand.New(rand.NewPCG(9, 10))
	for _, keys := range [][]int{
		{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, // few posted between the least and the greatest
		{10, 0, 5},                         // posted numbers between them that are not asked for
		{0, 1199, 3, 1198, 601},            // 600 posted between them: each looked up
		r.Perm(1300)[:700],                 // three chunks, out of order, some never posted
		{1201, 1250, 1299},                 // none posted, none between
	} {
		numbers := make([]string, len(keys))
		want := map[string]bool{}
		for i, k := range keys {
			numbers[i] = num(k)
			if k%2 == 0 && k < 1200 {
				want[num(k)] = true
			}
		}
		err := svc.Store.View(ctx, func(tx barter.Tx) error {
			got, err := tx.DeclarationsExist(ctx, numbers)
			if err == nil && !maps.Equal(got, want) {
				t.Errorf("posted among %d numbers: %d found, want %d (%v)", len(numbers), len(got), len(want), keys[:min(len(keys), 5)])
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}

// testCancelledImport cancels a long import between batches, while the store may still
// be writing one: the import reports the cancellation and the store keeps nothing of it.
func testCancelledImport(t *testing.T, svc *barter.Service) {
	MustSeed(t, svc)
	rows := make([]barter.Declaration, 2000)
	for i := range rows {
		rows[i] = GD(t, []string{Auth2023, Auth2025}[i%2], barter.Import, "2024-01-15", "100")
	}
	cctx, cancel := context.WithCancel(ctx)
	defer cancel()
	rep, err := svc.ImportDeclarations(cctx, rowsOf(rows...), barter.ImportOptions{ProgressEvery: 512, OnProgress: func(int) { cancel() }})
	if !errors.Is(err, context.Canceled) || rep.Written != 0 {
		t.Errorf("cancelled import: %+v, %v; want nothing written and the cancellation", rep, err)
	}
	if got := entries(t, svc); got != 0 {
		t.Errorf("ledger has %d entries after a cancelled import, want 0", got)
	}
}

// testReImportRace imports a file again while another transaction posts the file's one
// new number: the import checks that number first, finds it not yet posted, and waits
// for the authorization the other transaction holds; once the other commits, the
// import checks the number again and counts it a duplicate instead of failing on the
// store's unique key. (SQLite takes the write lock when the transaction begins, so
// there the import waits at its start.)
func testReImportRace(t *testing.T, svc *barter.Service) {
	MustSeed(t, svc)
	old := make([]barter.Declaration, 512) // two batches, all repeats when imported again
	for i := range old {
		old[i] = GD(t, Auth2025, barter.Import, "2024-01-15", "100")
	}
	MustImport(t, svc.ImportDeclarations, old...)
	MustPost(t, svc, GD(t, Auth2023, barter.Import, "2024-01-15", "100"))
	late := GD(t, Auth2023, barter.Export, "2024-01-20", "10")

	wrote, release := make(chan struct{}), make(chan struct{})
	other := *svc
	other.Store = wrapStore{svc.Store, func(tx barter.Tx) barter.Tx { return holdTx{tx, wrote, release} }}
	reading := make(chan struct{})
	imp := *svc
	imp.Store = wrapStore{svc.Store, func(tx barter.Tx) barter.Tx { return signalTx{tx, &sync.Once{}, reading, Auth2023} }}

	posted := make(chan error, 1)
	go func() {
		d := late
		_, err := other.PostDeclaration(ctx, &d)
		posted <- err
	}()
	<-wrote // the other transaction holds BT-2023-1 and has written the number
	type result struct {
		rep barter.ImportReport
		err error
	}
	imported := make(chan result, 1)
	go func() {
		rep, err := imp.ImportDeclarations(ctx, rowsOf(append(old, late)...), barter.ImportOptions{})
		imported <- result{rep, err}
	}()
	select {
	case <-reading: // the import asks for BT-2023-1, and waits for it
	case <-time.After(500 * time.Millisecond): // SQLite: the import waits to begin
	}
	time.Sleep(300 * time.Millisecond)
	close(release)
	if err := <-posted; err != nil {
		t.Fatal(err)
	}
	if r := <-imported; r.err != nil || r.rep.Duplicates != 513 || r.rep.Written != 0 {
		t.Fatalf("file imported again while its new number is posted: %+v, %v; want 513 duplicates", r.rep, r.err)
	}
}

// wrapStore hands every write transaction through wrap.
type wrapStore struct {
	barter.Store
	wrap func(barter.Tx) barter.Tx
}

func (s wrapStore) Update(ctx context.Context, fn func(barter.Tx) error) error {
	return s.Store.Update(ctx, func(tx barter.Tx) error { return fn(s.wrap(tx)) })
}

// holdTx writes declarations, says so, and waits for release before its transaction
// may commit.
type holdTx struct {
	barter.Tx
	wrote, release chan struct{}
}

func (t holdTx) PrepareDeclarations(d []*barter.Declaration) (func(context.Context) error, error) {
	write, err := t.Tx.PrepareDeclarations(d)
	return func(ctx context.Context) error {
		if err == nil {
			err = write(ctx)
		}
		close(t.wrote)
		<-t.release
		return err
	}, nil
}

// signalTx closes reading when authorization want is first asked for.
type signalTx struct {
	barter.Tx
	once    *sync.Once
	reading chan struct{}
	want    string
}

func (t signalTx) AuthorizationTerms(ctx context.Context, numbers []string) (map[string]*barter.Authorization, error) {
	if slices.Contains(numbers, t.want) {
		t.once.Do(func() { close(t.reading) })
	}
	return t.Tx.AuthorizationTerms(ctx, numbers)
}

// testRegistryImportRace imports parties and authorizations while another transaction
// has registered some of the same IDs and numbers but not yet committed: once it
// commits, every row of the import is judged against what it registered, as if the
// import had come after (duplicates where the details agree, bad rows where they
// differ), and the import does not fail on the store's unique key. Where the import
// looked its rows up before the other committed, it must have met the taken keys.
// (SQLite takes the write lock when the transaction begins, so there the import waits
// at its start and takes the ordinary path.)
func testRegistryImportRace(t *testing.T, svc *barter.Service) {
	MustSeed(t, svc)
	party := func(id, name string) barter.Party {
		return barter.Party{ID: id, Name: name, Country: "AF", TaxID: "100200", Kind: barter.PartyPrivate}
	}
	auth := func(number, regime string) barter.AuthorizationImport {
		return barter.AuthorizationImport{Number: number, Party: Trader, Counterparty: Russian, Regime: regime, Issued: barter.MustDate(IssuedDay)}
	}
	parties := func(ps ...barter.Party) func(context.Context, *barter.Service, barter.ImportOptions) (barter.ImportReport, error) {
		return func(ctx context.Context, s *barter.Service, o barter.ImportOptions) (barter.ImportReport, error) {
			return s.ImportParties(ctx, rowsOf(ps...), o)
		}
	}
	auths := func(as ...barter.AuthorizationImport) func(context.Context, *barter.Service, barter.ImportOptions) (barter.ImportReport, error) {
		return func(ctx context.Context, s *barter.Service, o barter.ImportOptions) (barter.ImportReport, error) {
			return s.ImportAuthorizations(ctx, rowsOf(as...), o)
		}
	}
	for _, tt := range []struct {
		name        string
		first, then func(context.Context, *barter.Service, barter.ImportOptions) (barter.ImportReport, error)
		duplicates  int
		rejected    []int // lines
	}{
		{"party again", parties(party("P1", "Kabul Coal")), parties(party("P1", "Kabul Coal")), 1, nil},
		{"party changed", parties(party("P2", "Kabul Coal")), parties(party("P2", "Kabul Coal and Minerals")), 0, []int{2}},
		{"party changed, then again", parties(party("P3", "Kabul Coal")), parties(party("P3", "Herat Coal"), party("P3", "Kabul Coal")), 0, []int{2}},
		{"party changed twice", parties(party("P4", "Kabul Coal")), parties(party("P4", "Herat Coal"), party("P4", "Herat Coal")), 0, []int{2, 3}},
		{"authorization again", auths(auth("BT-R1", "2025")), auths(auth("BT-R1", "2025")), 1, nil},
		{"authorization changed, then again", auths(auth("BT-R2", "2025")), auths(auth("BT-R2", "2023"), auth("BT-R2", "2025")), 0, []int{2}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			wrote, release := make(chan struct{}), make(chan struct{})
			held := *svc
			held.Store = wrapStore{svc.Store, func(tx barter.Tx) barter.Tx { return holdRegistryTx{tx, wrote, release} }}
			done := make(chan error, 1)
			go func() {
				_, err := tt.first(ctx, &held, barter.ImportOptions{})
				done <- err
			}()
			<-wrote // the first import has written its rows and waits to commit
			w := &watch{creating: make(chan struct{})}
			then := *svc
			then.Store = wrapStore{svc.Store, func(tx barter.Tx) barter.Tx { return watchRegistryTx{tx, w} }}
			var errs []barter.RowError
			var rep barter.ImportReport
			var err error
			got := make(chan struct{})
			go func() {
				rep, err = tt.then(ctx, &then, barter.ImportOptions{OnError: func(e barter.RowError) { errs = append(errs, e) }})
				close(got)
			}()
			select {
			case <-w.creating: // the second import inserts the rows the first holds
				time.Sleep(100 * time.Millisecond)
			case <-time.After(500 * time.Millisecond): // SQLite: it waits to begin
			}
			w.released.Store(true)
			close(release)
			if err := <-done; err != nil {
				t.Fatal(err)
			}
			<-got
			var lines []int
			for _, e := range errs {
				lines = append(lines, e.Line)
			}
			wantErr := tt.rejected != nil
			if (err != nil) != wantErr || barter.ErrorCode(err) == barter.EConflict || rep.Duplicates != tt.duplicates || rep.Written != 0 || !slices.Equal(lines, tt.rejected) {
				t.Errorf("imported while the first is held: %+v, %v, %v; want %d duplicates and lines %v rejected", rep, errs, err, tt.duplicates, tt.rejected)
			}
			if w.early.Load() && w.taken.Load() == 0 {
				t.Errorf("the import looked its rows up before the other committed, but met no taken key")
			}
		})
	}
	var p *barter.Party
	err := svc.Store.View(ctx, func(tx barter.Tx) (err error) {
		p, err = tx.Party(ctx, "P2")
		return err
	})
	if err != nil || p.Name != "Kabul Coal" {
		t.Errorf("party P2 after the race: %+v, %v; want the first import's name kept", p, err)
	}
}

// holdRegistryTx registers parties or authorizations, says so, and waits for release
// before its transaction may commit.
type holdRegistryTx struct {
	barter.Tx
	wrote, release chan struct{}
}

func (t holdRegistryTx) CreateParties(ctx context.Context, ps []*barter.Party) ([]*barter.Party, error) {
	taken, err := t.Tx.CreateParties(ctx, ps)
	close(t.wrote)
	<-t.release
	return taken, err
}

func (t holdRegistryTx) CreateAuthorizations(ctx context.Context, as []*barter.Authorization) ([]*barter.Authorization, error) {
	taken, err := t.Tx.CreateAuthorizations(ctx, as)
	close(t.wrote)
	<-t.release
	return taken, err
}

// watch records what an import racing a held one did: whether it looked its rows up
// before the held one was released, and how many keys it found taken when inserting.
type watch struct {
	creating chan struct{} // closed when it first inserts
	once     sync.Once
	released atomic.Bool
	early    atomic.Bool
	looked   atomic.Bool
	taken    atomic.Int64
}

type watchRegistryTx struct {
	barter.Tx
	w *watch
}

func (t watchRegistryTx) lookup() {
	if !t.w.looked.Swap(true) {
		t.w.early.Store(!t.w.released.Load())
	}
}

func (t watchRegistryTx) PartiesByID(ctx context.Context, ids []string) (map[string]*barter.Party, error) {
	t.lookup()
	return t.Tx.PartiesByID(ctx, ids)
}

func (t watchRegistryTx) AuthorizationsByNumber(ctx context.Context, numbers []string) (map[string]*barter.Authorization, error) {
	t.lookup()
	return t.Tx.AuthorizationsByNumber(ctx, numbers)
}

func (t watchRegistryTx) CreateParties(ctx context.Context, ps []*barter.Party) ([]*barter.Party, error) {
	t.w.once.Do(func() { close(t.w.creating) })
	taken, err := t.Tx.CreateParties(ctx, ps)
	t.w.taken.Add(int64(len(taken)))
	return taken, err
}

func (t watchRegistryTx) CreateAuthorizations(ctx context.Context, as []*barter.Authorization) ([]*barter.Authorization, error) {
	t.w.once.Do(func() { close(t.w.creating) })
	taken, err := t.Tx.CreateAuthorizations(ctx, as)
	t.w.taken.Add(int64(len(taken)))
	return taken, err
}

// testReport reports on a month: the trade booked in it by partner and by HS chapter,
// what was issued and cancelled in it, and where every authorization stands at its end.
func testReport(t *testing.T, svc *barter.Service) {
	MustSeed(t, svc)
	// A third authorization that exports first (rulebook 2025), in March.
	const exporter = "BT-2025-X"
	MustImport(t, svc.ImportAuthorizations, barter.AuthorizationImport{Number: exporter, Party: Trader, Counterparty: Russian, Regime: "2025", Issued: barter.MustDate(IssuedDay)})
	MustImport(t, svc.ImportLines, barter.LineImport{Authorization: exporter, Line: barter.Line{Direction: barter.Export, HSCode: "1006", Description: "rice",
		Quantity: Dec(t, "10"), Unit: "t", Value: Dec(t, "1000"), Currency: "USD"}})
	MustPost(t, svc, GD(t, exporter, barter.Export, "2024-03-05", "100"))                                  // 28,250.00
	jan := MustPost(t, svc, GD(t, Auth2023, barter.Import, "2024-01-15", "100"))                           // 28,000.00 PKR
	MustPost(t, svc, GD(t, Auth2023, barter.Export, "2024-01-20", "50"))                                   // 14,000.00
	MustPost(t, svc, GD(t, Auth2025, barter.Import, "2024-02-05", "200"))                                  // 56,500.00 at 282.5
	MustPost(t, svc, GD(t, Auth2025, barter.Export, "2024-02-29", "100"))                                  // 28,250.00
	if _, err := svc.Reassess(ctx, jan.Number, Dec(t, "110"), barter.MustDate("2024-02-10")); err != nil { // +2,800.00 on Feb 10
		t.Fatal(err)
	}
	r, err := svc.Report(ctx, barter.MustDate("2024-02-01"), barter.MustDate("2024-02-29"))
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Partners) != 1 || r.Partners[0].Country != "RU" || r.Partners[0].Authorizations != 2 ||
		r.Partners[0].Imports.String() != "59300" || r.Partners[0].Exports.String() != "28250" {
		t.Errorf("February by partner: %+v; want RU, 2 authorizations, imports 56500 + 2800, exports 28250", r.Partners)
	}
	want := []barter.ChapterTotal{{Chapter: "07", Direction: barter.Import, Declarations: 1, Value: Dec(t, "56500")},
		{Chapter: "10", Direction: barter.Export, Declarations: 1, Value: Dec(t, "28250")}}
	if len(r.Chapters) != len(want) {
		t.Fatalf("February by chapter: %+v; want %+v", r.Chapters, want)
	}
	for i, c := range r.Chapters {
		if c.Chapter != want[i].Chapter || c.Direction != want[i].Direction || c.Declarations != want[i].Declarations || !c.Value.Equal(want[i].Value) {
			t.Errorf("February by chapter: %+v; want %+v", r.Chapters, want)
		}
	}
	if len(r.Issued) != 0 || len(r.Cancelled) != 0 || len(r.Overdue) != 0 || r.Standing[barter.PositionOpen].Count+r.Standing[barter.PositionBalanced].Count != 3 {
		t.Errorf("February: issued %v, cancelled %v, overdue %v, standing %v; want the three authorizations open or balanced", r.Issued, r.Cancelled, r.Overdue, r.Standing)
	}
	jr, err := svc.Report(ctx, barter.MustDate("2024-01-01"), barter.MustDate("2024-01-31"))
	if err != nil || jr.Issued["2023"] != 1 || jr.Issued["2025"] != 2 || len(jr.Chapters) != 2 || !jr.Partners[0].Imports.Equal(Dec(t, "28000")) {
		t.Errorf("January: %+v, %v; want both issued, 28000 imported", jr, err)
	}
	// Past every deadline, imbalanced: overdue, the larger imbalance first, what is
	// owed each way summed apart (the exporter's surplus does not hide the others'
	// shortfalls); a reconciliation cancels them, and the next report lists them.
	mr, err := svc.Report(ctx, barter.MustDate("2024-05-01"), barter.MustDate("2024-05-31"))
	if over := mr.Standing[barter.PositionOverdue]; err != nil || len(mr.Partners) != 0 || len(mr.Overdue) != 3 || mr.Overdue[2].Authorization != Auth2023 ||
		over.Count != 3 || over.ExportsDue.String() != "45050" || over.ImportsDue.String() != "28250" {
		t.Errorf("May: %+v, %v; want nothing booked, 3 overdue, %s's -16800 last, exports due 28250 + 16800, imports due 28250", mr, err, Auth2023)
	}
	if _, err := svc.Reconcile(ctx, barter.MustDate("2024-05-31")); err != nil {
		t.Fatal(err)
	}
	if jr, err := svc.Report(ctx, barter.MustDate("2024-05-01"), barter.MustDate("2024-06-30")); err != nil || len(jr.Cancelled) != 3 || jr.Cancelled[0].Number != Auth2023 ||
		jr.Standing[barter.PositionCancelled].Count != 3 || len(jr.Overdue) != 0 {
		t.Errorf("after reconciling: %+v, %v; want the three cancelled in the period", jr, err)
	}
	if _, err := svc.Report(ctx, barter.MustDate("2024-02-01"), barter.MustDate("2024-01-31")); barter.ErrorCode(err) != barter.EInvalid {
		t.Errorf("a period ending before it begins: %v; want invalid", err)
	}
	trader := barter.WithUser(ctx, &barter.User{Name: "t", Role: barter.RoleTrader, Party: Trader})
	if _, err := svc.Report(trader, barter.MustDate("2024-02-01"), barter.MustDate("2024-02-29")); barter.ErrorCode(err) != barter.EForbidden {
		t.Errorf("a trader asking for the report: %v; want forbidden", err)
	}
}

// testCompareCounterpart compares a partner's records with the declarations posted
// here: by authorization, direction, month and currency, within a tolerance.
func testCompareCounterpart(t *testing.T, svc *barter.Service) {
	MustSeed(t, svc)
	MustPost(t, svc, GD(t, Auth2025, barter.Import, "2024-01-15", "1000"))
	MustPost(t, svc, GD(t, Auth2025, barter.Import, "2024-01-20", "500"))  // 1500 in January
	MustPost(t, svc, GD(t, Auth2025, barter.Export, "2024-01-25", "700"))  // none recorded there
	MustPost(t, svc, GD(t, Auth2023, barter.Import, "2024-01-16", "2000")) // recorded as 2100
	MustPost(t, svc, GD(t, Auth2023, barter.Import, "2024-02-16", "100"))  // outside the period
	rec := func(ref, auth string, d barter.Direction, day, value string) barter.CounterpartRecord {
		return barter.CounterpartRecord{Reference: ref, Authorization: auth, Direction: d, Date: barter.MustDate(day), Currency: "USD", Value: Dec(t, value)}
	}
	records := []barter.CounterpartRecord{
		rec("R1", strings.ToLower(Auth2025), barter.Import, "2024-01-14", "1495"), // within 1 % of 1500, the number in small letters
		rec("R2", Auth2023, barter.Import, "2024-01-16", "2100"),
		rec("R3", "BT-ELSEWHERE", barter.Export, "2024-01-30", "900"),
	}
	from, to := barter.MustDate("2024-01-01"), barter.MustDate("2024-01-31")
	lines, err := svc.CompareCounterpart(ctx, "RU", from, to, records, Dec(t, "0.01"))
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		auth   string
		dir    barter.Direction
		ours   string
		theirs string
		status barter.CounterpartStatus
	}{
		{Auth2023, barter.Import, "2000", "2100", barter.CounterpartDiffers},
		{Auth2025, barter.Export, "700", "0", barter.CounterpartOursOnly},
		{Auth2025, barter.Import, "1500", "1495", barter.CounterpartAgrees},
		{"BT-ELSEWHERE", barter.Export, "0", "900", barter.CounterpartUnknown},
	}
	if len(lines) != len(want) {
		t.Fatalf("lines: %+v; want %d", lines, len(want))
	}
	for i, w := range want {
		l := lines[i]
		if l.Authorization != w.auth || l.Direction != w.dir || l.Month != "2024-01" || l.Currency != "USD" || l.Ours.String() != w.ours || l.Theirs.String() != w.theirs || l.Status != w.status {
			t.Errorf("line %d: %+v; want %s %s here %s there %s, %s", i, l, w.auth, w.dir, w.ours, w.theirs, w.status)
		}
	}
	// Records of another country quoting authorizations with Russian counterparties:
	// those are compared all the same, and nothing else of Russia's.
	if ir, err := svc.CompareCounterpart(ctx, "IR", from, to, records[1:], Dec(t, "0.01")); err != nil || len(ir) != 2 ||
		ir[0].Authorization != Auth2023 || ir[0].Status != barter.CounterpartDiffers || ir[1].Status != barter.CounterpartUnknown {
		t.Errorf("against IR: %+v, %v; want %s compared (it differs) and BT-ELSEWHERE unknown here", ir, err, Auth2023)
	}
	if _, err := svc.CompareCounterpart(ctx, "RU", from, to, records, Dec(t, "1")); barter.ErrorCode(err) != barter.EInvalid {
		t.Errorf("a tolerance of 1: %v; want invalid", err)
	}
	if _, err := svc.CompareCounterpart(ctx, "RU", barter.MustDate("1924-01-01"), to, records, Dec(t, "0.01")); barter.ErrorCode(err) != barter.EInvalid {
		t.Errorf("a century: %v; want invalid", err)
	}
	if _, err := svc.CompareCounterpart(ctx, "RU", from, to, append(records, rec("R4", Auth2025, barter.Import, "2024-02-01", "1")), Dec(t, "0.01")); barter.ErrorCode(err) != barter.EInvalid {
		t.Errorf("a record outside the period: %v; want invalid", err)
	}
	if _, err := svc.CompareCounterpart(ctx, "XX", from, to, records, Dec(t, "0.01")); barter.ErrorCode(err) != barter.EInvalid {
		t.Errorf("country XX: %v; want invalid", err)
	}
	trader := barter.WithUser(ctx, &barter.User{Name: "t", Role: barter.RoleTrader, Party: Trader})
	if _, err := svc.CompareCounterpart(trader, "RU", from, to, records, Dec(t, "0.01")); barter.ErrorCode(err) != barter.EForbidden {
		t.Errorf("a trader comparing: %v; want forbidden", err)
	}
}
