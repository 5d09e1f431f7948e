// Package sqlite stores barter's records in an embedded SQLite database (pure Go, no cgo),
// so that barter runs with no setup. It holds no rules; see package barter.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"

	"github.com/barter-clearing/barter"
	"github.com/barter-clearing/barter/internal/sqlstore"
	"github.com/pressly/goose/v3"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Open opens (creating if needed) the database file at path and brings its schema up to
// date. Writes go through one connection that takes the write lock at BEGIN, so writers
// queue rather than fail, and an acknowledged commit is on disk (synchronous=FULL in WAL
// mode) before Open's caller hears of it.
func Open(ctx context.Context, path string) (*sqlstore.Store, error) {
	pragmas := "_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)&_pragma=busy_timeout(30000)&_pragma=foreign_keys(ON)"
	base := "file:" + (&url.URL{Path: path}).EscapedPath() + "?" + pragmas
	writer, err := sql.Open("sqlite", base+"&_txlock=immediate")
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	writer.SetMaxOpenConns(1)
	if err := migrate(ctx, writer); err != nil {
		writer.Close()
		return nil, fmt.Errorf("migrate %s: %w", path, err)
	}
	reader, err := sql.Open("sqlite", base+"&_pragma=query_only(ON)")
	if err != nil {
		writer.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	return &sqlstore.Store{Writer: writer, Reader: reader, Dialect: sqlstore.Dialect{
		IsUniqueViolation: isUniqueViolation,
		// A counter of the serials table: one statement reserves a batch's IDs, and the
		// writer holds it to commit anyway.
		NextEntryIDs: `INSERT INTO serials (name, value) VALUES ('` + entrySerial + `', ?) ON CONFLICT (name)
			DO UPDATE SET value = serials.value + excluded.value RETURNING value`,
		LastEntryIDOnly: true,
		SumRows:         true,
		BytewiseText:    true,
	}}, nil
}

// entrySerial names the counter of ledger entry IDs in the serials table.
const entrySerial = "ledger_entry"

var _ barter.Store = (*sqlstore.Store)(nil)

func migrate(ctx context.Context, db *sql.DB) error {
	sub, err := fs.Sub(migrations, "migrations")
	if err != nil {
		return err
	}
	p, err := goose.NewProvider(goose.DialectSQLite3, db, sub)
	if err != nil {
		return err
	}
	_, err = p.Up(ctx)
	return err
}

// isUniqueViolation recognises SQLite's extended result codes for a taken key.
func isUniqueViolation(err error) bool {
	var e *sqlite.Error
	if !errors.As(err, &e) {
		return false
	}
	switch e.Code() {
	case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
		return true
	}
	return false
}
