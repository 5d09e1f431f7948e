package postgres_test

import (
	"context"
	"testing"

	"github.com/barter-clearing/barter"
	"github.com/barter-clearing/barter/internal/pgtest"
	"github.com/barter-clearing/barter/internal/sqlstore"
	"github.com/barter-clearing/barter/internal/storetest"
	"github.com/barter-clearing/barter/postgres"
)

// openStore opens a fresh store for one test and closes it when the test ends.
func openStore(tb testing.TB) *sqlstore.Store {
	tb.Helper()
	s, err := postgres.Open(context.Background(), pgtest.DSN(tb))
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

func TestViewTotals(t *testing.T) {
	storetest.ViewTotals(t, openStore(t))
}
