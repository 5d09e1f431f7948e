package postgres_test

import (
	"context"
	"crypto/rand"
	"database/sql"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/barter-clearing/barter"
	"github.com/barter-clearing/barter/internal/storetest"
	"github.com/barter-clearing/barter/postgres"
	_ "github.com/jackc/pgx/v5/stdlib"
)

// DSN returns a connection string to a fresh schema of the test server named by
// BARTER_TEST_POSTGRES (scripts/test.sh starts one), dropped when the test ends.
func DSN(tb testing.TB) string {
	tb.Helper()
	base := os.Getenv("BARTER_TEST_POSTGRES")
	if base == "" {
		tb.Skip("BARTER_TEST_POSTGRES is not set: PostgreSQL tests skipped (scripts/test.sh starts a server and sets it)")
	}
	admin, err := sql.Open("pgx", base)
	if err != nil {
		tb.Fatal(err)
	}
	defer admin.Close()
	schema := "test_" + strings.ToLower(rand.Text()[:12])
	if _, err := admin.Exec(`CREATE SCHEMA ` + schema); err != nil {
		tb.Fatalf("create schema: %v", err)
	}
	tb.Cleanup(func() {
		db, err := sql.Open("pgx", base)
		if err != nil {
			return
		}
		defer db.Close()
		db.Exec(`DROP SCHEMA ` + schema + ` CASCADE`)
	})
	u, err := url.Parse(base)
	if err != nil {
		tb.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

func open(tb testing.TB) barter.Store {
	tb.Helper()
	s, err := postgres.Open(context.Background(), DSN(tb))
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
	s, err := postgres.Open(context.Background(), DSN(t))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	svc := storetest.NewService(t, s)
	storetest.MustSeed(t, svc)
	storetest.MustPost(t, svc, storetest.GD(t, storetest.Auth2025, barter.Import, "2024-01-15", "100"))
	for _, q := range []string{`UPDATE postings SET amount = amount + 1`, `DELETE FROM postings`, `UPDATE entries SET day = '2024-01-01'`, `DELETE FROM entries`} {
		if _, err := s.Writer.Exec(q); err == nil {
			t.Errorf("%s succeeded; the ledger must be append-only", q)
		}
	}
}
