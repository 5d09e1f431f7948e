// Package pgtest gives tests a fresh PostgreSQL schema on the server that the test
// script starts (scripts/test.sh sets BARTER_TEST_POSTGRES).
package pgtest

import (
	"crypto/rand"
	"database/sql"
	"net/url"
	"os"
	"strings"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // the driver DSN's connections use
)

// DSN returns a connection string to a fresh schema of the test server named by
// BARTER_TEST_POSTGRES, dropped when the test ends. Without a server the test is skipped.
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
