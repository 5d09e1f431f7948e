package storetest

import (
	"context"
	"testing"

	"github.com/barter-clearing/barter"
)

// countStore counts the ledger sums its read-only views take.
type countStore struct {
	barter.Store
	sums *int
}

func (s countStore) View(ctx context.Context, fn func(barter.Tx) error) error {
	return s.Store.View(ctx, func(tx barter.Tx) error { return fn(countTx{tx, s.sums}) })
}

type countTx struct {
	barter.Tx
	sums *int
}

func (t countTx) TotalsAsOf(ctx context.Context, asOf barter.Date) (map[string]barter.Totals, error) {
	*t.sums++
	return t.Tx.TotalsAsOf(ctx, asOf)
}

// testTotalsCache reads positions through the cache while the ledger changes: through
// the service itself, through another service on the same store (another process), by
// reassessment and by a clearing run. Every change shows at once; an unchanged ledger is
// not summed again.
func testTotalsCache(t *testing.T, svc *barter.Service) {
	MustSeed(t, svc)
	sums := 0
	cached := *svc
	cached.Store = countStore{svc.Store, &sums}
	cached.Totals = &barter.TotalsCache{}
	imports := func(day string) string {
		t.Helper()
		return position(t, &cached, Auth2025, day).Imports.String()
	}
	d := MustPost(t, &cached, GD(t, Auth2025, barter.Import, "2024-01-15", "100")) // 28000
	if got := imports("2024-01-31"); got != "28000" {
		t.Fatalf("imports %s, want 28000", got)
	}
	imports("2024-01-31")
	imports("2024-01-31")
	if sums != 1 {
		t.Errorf("three reads of an unchanged ledger summed it %d times; want once", sums)
	}
	MustPost(t, svc, GD(t, Auth2025, barter.Import, "2024-01-16", "10")) // another service: 2800
	if got := imports("2024-01-31"); got != "30800" {
		t.Errorf("after a posting by another service: imports %s, want 30800", got)
	}
	if _, err := svc.Reassess(ctx, d.Number, Dec(t, "110"), barter.MustDate("2024-01-20")); err != nil {
		t.Fatal(err)
	}
	if got := imports("2024-01-31"); got != "33600" {
		t.Errorf("after a reassessment: imports %s, want 33600", got)
	}
	// Days are cached apart: an earlier day sees the ledger as it stood then.
	if got := imports("2024-01-15"); got != "28000" {
		t.Errorf("as of 2024-01-15: imports %s, want 28000", got)
	}
	if got := imports("2024-01-31"); got != "33600" {
		t.Errorf("back to 2024-01-31: imports %s, want 33600", got)
	}
	before := sums
	for _, day := range []string{"2024-02-01", "2024-02-02", "2024-02-03", "2024-02-04", "2024-02-05", "2024-01-31"} {
		imports(day)
	}
	if sums != before+6 {
		t.Errorf("%d sums for 6 days read after 5 others; want 6 (only the last %d days are kept)", sums-before, 4)
	}
}
