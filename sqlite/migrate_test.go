package sqlite

import (
	"context"
	"database/sql"
	"io/fs"
	"path/filepath"
	"testing"

	"github.com/barter-clearing/barter/internal/sqlstore"
	"github.com/barter-clearing/barter/internal/storetest"
	"github.com/pressly/goose/v3"
)

func TestMigrateDeclarationEntries(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "barter.db")
	raw, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	sub, err := fs.Sub(migrations, "migrations")
	if err != nil {
		t.Fatal(err)
	}
	p, err := goose.NewProvider(goose.DialectSQLite3, raw, sub)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.UpTo(ctx, 12); err != nil {
		t.Fatal(err)
	}
	storetest.DeclarationEntriesMigrate(t, raw, "", func() *sqlstore.Store {
		s, err := Open(ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	})
}
