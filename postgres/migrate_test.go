package postgres

import (
	"context"
	"database/sql"
	"io/fs"
	"testing"

	"github.com/barter-clearing/barter/internal/pgtest"
	"github.com/barter-clearing/barter/internal/sqlstore"
	"github.com/barter-clearing/barter/internal/storetest"
	"github.com/pressly/goose/v3"
)

func TestMigrateDeclarationEntries(t *testing.T) {
	ctx := context.Background()
	dsn := pgtest.DSN(t)
	raw, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	sub, err := fs.Sub(migrations, "migrations")
	if err != nil {
		t.Fatal(err)
	}
	p, err := goose.NewProvider(goose.DialectPostgres, raw, sub)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.UpTo(ctx, 13); err != nil {
		t.Fatal(err)
	}
	// The old entries took their IDs from the sequence.
	storetest.DeclarationEntriesMigrate(t, raw, `SELECT setval('entries_id_seq', 3)`, func() *sqlstore.Store {
		s, err := Open(ctx, dsn)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	})
}
