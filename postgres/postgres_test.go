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
	storetest.AppendOnly(t, s)
}
