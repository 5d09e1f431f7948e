package postgres_test

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"testing"
	"time"

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

// TestReassessmentsAcrossConnections reassesses one declaration from two connections
// in turn. Entry IDs must follow the order the entries are made in, whichever
// connection makes them: a reassessment's change is taken against the one before.
func TestReassessmentsAcrossConnections(t *testing.T) {
	ctx := context.Background()
	dsn := pgtest.DSN(t)
	var svcs []*barter.Service
	for range 2 {
		s, err := postgres.Open(ctx, dsn)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		s.Writer.SetMaxOpenConns(1)
		svcs = append(svcs, storetest.NewService(t, s))
	}
	storetest.MustSeed(t, svcs[0])
	d := storetest.MustPost(t, svcs[0], storetest.GD(t, storetest.Auth2025, barter.Import, "2024-01-15", "100"))
	storetest.MustPost(t, svcs[1], storetest.GD(t, storetest.Auth2025, barter.Import, "2024-01-15", "100"))
	day := barter.MustDate("2024-01-20")
	var last *barter.Reassessment
	for _, step := range []struct {
		svc   *barter.Service
		value string
	}{{svcs[1], "200"}, {svcs[0], "300"}, {svcs[0], "300"}} {
		r, err := step.svc.Reassess(ctx, d.Number, storetest.Dec(t, step.value), day)
		if err != nil {
			t.Fatal(err)
		}
		last = r
	}
	if !last.Delta.IsZero() {
		t.Errorf("reassessing at 300 again booked %s; want nothing", last.Delta)
	}
	ps, err := svcs[0].Positions(ctx, barter.MustDate("2024-03-01"))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range ps {
		if p.Authorization == storetest.Auth2025 && p.Imports.String() != "112000" {
			t.Errorf("imports of %s: %s; want 300 x 280 + 100 x 280 = 112000", p.Authorization, p.Imports)
		}
	}
}

// TestDeadlock registers two parties in two transactions in opposite orders, so that
// each waits for the other: the server undoes one, which reports barter.ErrDeadlock,
// and the other commits.
func TestDeadlock(t *testing.T) {
	s := openStore(t)
	ctx := context.Background()
	party := func(id string) *barter.Party {
		return &barter.Party{ID: id, Name: id, Country: "RU", TaxID: id, Kind: barter.PartyPrivate}
	}
	first := make([]chan struct{}, 2)
	for i := range first {
		first[i] = make(chan struct{})
	}
	errs := make(chan error, 2)
	for i, ids := range [][2]string{{"D1", "D2"}, {"D2", "D1"}} {
		go func() {
			errs <- s.Update(ctx, func(tx barter.Tx) error {
				if err := tx.CreateParty(ctx, party(ids[0])); err != nil {
					return err
				}
				close(first[i])
				<-first[1-i] // both hold their first key before asking for the other's
				return tx.CreateParty(ctx, party(ids[1]))
			})
		}()
	}
	var deadlocks, ok int
	for range 2 {
		switch err := <-errs; {
		case err == nil:
			ok++
		case errors.Is(err, barter.ErrDeadlock) && barter.ErrorCode(err) == barter.EConflict:
			deadlocks++
		default:
			t.Errorf("unexpected error: %v", err)
		}
	}
	if deadlocks != 1 || ok != 1 {
		t.Errorf("%d deadlocks and %d commits; want one of each", deadlocks, ok)
	}
}

func TestDeclarationLegs(t *testing.T) {
	storetest.DeclarationLegs(t, openStore(t))
}

func TestVerifyFindsStaleFlows(t *testing.T) {
	storetest.VerifyFindsStaleFlows(t, openStore(t))
}

// rawDeclarations are n declarations ready to write (checked and valued), numbered
// from prefix, for tests of the store's writes alone.
func rawDeclarations(tb testing.TB, prefix string, n int) []*barter.Declaration {
	ds := make([]*barter.Declaration, n)
	for i := range ds {
		d := storetest.GD(tb, storetest.Auth2025, barter.Import, "2024-01-15", "10.5")
		d.Number = fmt.Sprintf("%s-%04d", prefix, i)
		d.Assessed, d.Rate, d.RateDate, d.Value = d.Declared, storetest.Dec(tb, "1"), d.Date, d.Declared
		ds[i] = &d
	}
	return ds
}

// TestTextInsertFailsCleanly: where the driver panics, or reports its connection
// broken, while writing declarations, the transaction ends with an error instead of
// waiting forever for its own connection.
func TestTextInsertFailsCleanly(t *testing.T) {
	ctx := context.Background()
	for name, fail := range map[string]func() (string, error){
		"panic":       func() (string, error) { panic("driver bug") },
		"broken conn": func() (string, error) { return "", fmt.Errorf("reading: %w", driver.ErrBadConn) },
	} {
		t.Run(name, func(t *testing.T) {
			s := openStore(t)
			s.Dialect.QueryText = func(context.Context, any, string, string, [][]byte) (string, error) { return fail() }
			done := make(chan error, 1)
			go func() {
				done <- s.Update(ctx, func(tx barter.Tx) error {
					write, err := tx.PrepareDeclarations(rawDeclarations(t, "P", 3))
					if err != nil {
						return err
					}
					return write(ctx)
				})
			}()
			select {
			case err := <-done:
				if err == nil {
					t.Error("the write succeeded; want the driver's failure")
				}
			case <-time.After(20 * time.Second):
				t.Fatal("the transaction never ended")
			}
		})
	}
}

// TestInsertStatementsKept: writing declarations in chunks of every size leaves one
// statement prepared on the connection, the full chunk's, not one for each size.
func TestInsertStatementsKept(t *testing.T) {
	ctx := context.Background()
	s := openStore(t)
	s.Writer.SetMaxOpenConns(1) // one connection, whose statements are counted
	for i, n := range []int{1, 2, 3, 255, 256, 257, 300, 513} {
		err := s.Update(ctx, func(tx barter.Tx) error {
			ds := rawDeclarations(t, fmt.Sprintf("K%d", i), n)
			write, err := tx.PrepareDeclarations(ds)
			if err != nil {
				return err
			}
			if err := write(ctx); err != nil {
				return err
			}
			for j, d := range ds[1:] {
				if d.Entry <= ds[j].Entry {
					return fmt.Errorf("declaration %d of %d has entry %d after %d", j+1, n, d.Entry, ds[j].Entry)
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	var kept int
	if err := s.Writer.QueryRowContext(ctx, `SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE 'WITH ins AS (INSERT INTO declarations%'`).Scan(&kept); err != nil {
		t.Fatal(err)
	}
	if kept != 1 {
		t.Errorf("%d statements inserting declarations prepared on the connection; want 1", kept)
	}
}
