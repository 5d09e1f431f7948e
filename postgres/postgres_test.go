package postgres_test

import (
	"context"
	"testing"

	"github.com/barter-clearing/barter"
	"github.com/barter-clearing/barter/internal/pgtest"
	"github.com/barter-clearing/barter/internal/storetest"
	"github.com/barter-clearing/barter/postgres"
)

func open(tb testing.TB) barter.Store {
	tb.Helper()
	s, err := postgres.Open(context.Background(), pgtest.DSN(tb))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { s.Close() })
	return s
}

func TestStore(t *testing.T) {
	storetest.Run(t, open)
}

func TestLedgerIsAppendOnly(t *testing.T) {
	s, err := postgres.Open(context.Background(), pgtest.DSN(t))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	storetest.AppendOnly(t, s)
}
