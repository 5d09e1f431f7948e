package storetest

import (
	"context"
	"maps"
	"testing"

	"github.com/barter-clearing/barter"
	"github.com/barter-clearing/barter/internal/sqlstore"
)

// ViewTotals checks that a view's ledger totals read the view's snapshot: a
// declaration committed after the view began is not counted.
func ViewTotals(t *testing.T, s *sqlstore.Store) {
	ctx := context.Background()
	svc := NewService(t, s)
	MustSeed(t, svc)
	for _, day := range []string{"2024-01-11", "2024-01-12", "2024-01-15", "2024-01-20"} {
		MustPost(t, svc, GD(t, Auth2025, barter.Import, day, "100"))
		MustPost(t, svc, GD(t, Auth2023, barter.Import, day, "50"))
	}
	MustPost(t, svc, GD(t, Auth2025, barter.Export, "2024-01-25", "30"))
	asOf := barter.MustDate("2024-12-31")
	totals := func(asOf barter.Date) map[string]barter.Totals {
		t.Helper()
		return totalsAround(t, s, asOf, func() error { return nil })
	}
	whole := totals(asOf)
	// USD at 280. As of a day after every entry, all of them count; as of a day with
	// entries after it, two imports of each.
	for day, want := range map[string]map[string]barter.Totals{
		"2024-12-31": {Auth2025: {Imports: Dec(t, "112000"), Exports: Dec(t, "8400")}, Auth2023: {Imports: Dec(t, "56000"), Exports: barter.Zero}},
		"2024-01-13": {Auth2025: {Imports: Dec(t, "56000"), Exports: barter.Zero}, Auth2023: {Imports: Dec(t, "28000"), Exports: barter.Zero}},
	} {
		if got := totals(barter.MustDate(day)); !sameTotals(got, want) {
			t.Errorf("totals as of %s %v; want %v", day, got, want)
		}
	}

	got := totalsAround(t, s, asOf, func() error {
		d := GD(t, Auth2025, barter.Export, "2024-01-26", "40")
		_, err := svc.PostDeclaration(ctx, &d)
		return err
	})
	if !sameTotals(got, whole) {
		t.Errorf("a view begun before a declaration was posted sums %v; want %v", got, whole)
	}
	if after := totals(asOf); sameTotals(after, whole) {
		t.Errorf("totals after the declaration %v; want it counted", after)
	}
	if s.Dialect.ForUpdate == "" {
		return // a single writer: entries are numbered in commit order
	}
	// Where writers run concurrently, an entry can be numbered before the last one a
	// view sees and commit after the view began: the view must not count it.
	held, release, errc := make(chan struct{}), make(chan struct{}), make(chan error, 1)
	go func() {
		errc <- s.Update(ctx, func(tx barter.Tx) error {
			e := barter.Entry{Kind: barter.EntryDeclaration, Ref: "GD-HELD", Authorization: Auth2025, Date: barter.MustDate("2024-01-27"),
				Postings: []barter.Posting{{Account: barter.ImportsAccount(Auth2025), Amount: Dec(t, "7")}, {Account: barter.NetOffAccount(Auth2025), Amount: Dec(t, "-7")}}}
			if err := tx.AppendEntry(ctx, &e); err != nil {
				return err
			}
			close(held)
			<-release
			return nil
		})
	}()
	select {
	case <-held:
	case err := <-errc:
		t.Fatal(err)
	}
	MustPost(t, svc, GD(t, Auth2025, barter.Export, "2024-01-27", "10")) // numbered after the held entry
	before := totals(asOf)
	got = totalsAround(t, s, asOf, func() error {
		close(release)
		return <-errc
	})
	if !sameTotals(got, before) {
		t.Errorf("a view counts an entry committed after it began: %v; want %v", got, before)
	}
}

// totalsAround begins a view, reads from it, runs meanwhile, and then returns the
// view's ledger totals as of a day.
func totalsAround(t *testing.T, s *sqlstore.Store, asOf barter.Date, meanwhile func() error) map[string]barter.Totals {
	t.Helper()
	ctx := context.Background()
	var m map[string]barter.Totals
	err := s.View(ctx, func(tx barter.Tx) error {
		if _, err := tx.Authorizations(ctx, ""); err != nil { // the view's snapshot is taken
			return err
		}
		if err := meanwhile(); err != nil {
			return err
		}
		var err error
		m, err = tx.TotalsAsOf(ctx, asOf)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func sameTotals(a, b map[string]barter.Totals) bool {
	return maps.EqualFunc(a, b, func(x, y barter.Totals) bool { return x.Imports.Equal(y.Imports) && x.Exports.Equal(y.Exports) })
}
