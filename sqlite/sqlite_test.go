package sqlite_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/barter-clearing/barter"
	"github.com/barter-clearing/barter/internal/sqlstore"
	"github.com/barter-clearing/barter/internal/storetest"
	"github.com/barter-clearing/barter/sqlite"
)

// openStore opens a fresh store for one test and closes it when the test ends.
func openStore(tb testing.TB) *sqlstore.Store {
	tb.Helper()
	s, err := sqlite.Open(context.Background(), filepath.Join(tb.TempDir(), "barter.db"))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { s.Close() })
	return s
}

func open(tb testing.TB) barter.Store { return openStore(tb) }

func TestStore(t *testing.T) {
	storetest.Run(t, open)
}

func TestLedgerIsAppendOnly(t *testing.T) {
	storetest.AppendOnly(t, openStore(t))
}

func TestReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "barter.db")
	s, err := sqlite.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	svc := storetest.NewService(t, s)
	storetest.MustSeed(t, svc)
	d := storetest.MustPost(t, svc, storetest.GD(t, storetest.Auth2025, barter.Import, "2024-01-15", "100"))
	s.Close()
	s, err = sqlite.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	svc = storetest.NewService(t, s)
	again := d
	dup, err := svc.PostDeclaration(context.Background(), &again)
	if err != nil || !dup || again.Entry != d.Entry {
		t.Errorf("after reopening, repost = %v, %v, entry %d; want the first posting (entry %d)", dup, err, again.Entry, d.Entry)
	}
}

func TestViewTotals(t *testing.T) {
	storetest.ViewTotals(t, openStore(t))
}

func TestVerifyFindsBadLegs(t *testing.T) {
	storetest.VerifyFindsBadLegs(t, openStore(t))
}

func TestVerifyFindsStaleFlows(t *testing.T) {
	storetest.VerifyFindsStaleFlows(t, openStore(t))
}
