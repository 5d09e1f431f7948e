// Package postgres stores barter's records in PostgreSQL, for production. It holds no
// rules; see package barter.
package postgres

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"

	"github.com/barter-clearing/barter"
	"github.com/barter-clearing/barter/internal/sqlstore"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib" // also registers the "pgx" database/sql driver
	"github.com/pressly/goose/v3"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Open connects to the database at dsn (a postgres:// URL) and brings its schema up to date.
func Open(ctx context.Context, dsn string) (*sqlstore.Store, error) {
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		return nil, fmt.Errorf("open postgres: %w", err)
	}
	db.SetMaxOpenConns(16)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("connect postgres: %w", err)
	}
	sub, err := fs.Sub(migrations, "migrations")
	if err != nil {
		db.Close()
		return nil, err
	}
	p, err := goose.NewProvider(goose.DialectPostgres, db, sub)
	if err == nil {
		_, err = p.Up(ctx)
	}
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("migrate postgres: %w", err)
	}
	return &sqlstore.Store{Writer: db, Reader: db, Dialect: sqlstore.Dialect{
		Numbered: true, ForUpdate: " FOR UPDATE", IsUniqueViolation: isUniqueViolation, IsDeadlock: isDeadlock,
		// Any number, the same everywhere: the lock taken by sanctions screening.
		ScreeningLock: `SELECT pg_advisory_xact_lock(4711)`,
		// A long import adds rows that the planner's statistics cannot know of until it
		// commits; lookups by key must use their indexes all the same. The cost that
		// disables sequential scans would also make every statement that keeps one
		// (a scan of VALUES, of a trigger's new rows) look worth compiling: no JIT.
		BeginWrite: []string{`SET LOCAL enable_seqscan = off`, `SET LOCAL jit = off`},
		// The sequence named outright: looking it up by its table, a call per ID, cost
		// ten times as much as the IDs themselves.
		NextEntryIDs:            `SELECT nextval('entries_id_seq') FROM generate_series(1, ?::int)`,
		DeclarationEntryDefault: true,
		LockAuthorizations:      `LOCK TABLE authorizations IN EXCLUSIVE MODE`,
		// A view reads one snapshot: positions are not a mix of before and after a
		// commit.
		ReadIsolation: sql.LevelRepeatableRead,
		QueryText:     queryText,
	}}, nil
}

var _ barter.Store = (*sqlstore.Store)(nil)

// isUniqueViolation recognises SQLSTATE 23505.
func isUniqueViolation(err error) bool {
	var e *pgconn.PgError
	return errors.As(err, &e) && e.Code == "23505"
}

// isDeadlock recognises deadlock_detected (and serialization_failure, which the server
// raises for the same reason under stricter isolation).
func isDeadlock(err error) bool {
	var e *pgconn.PgError
	return errors.As(err, &e) && (e.Code == "40P01" || e.Code == "40001")
}

// queryText implements sqlstore.Dialect.QueryText on pgx's connection. A named
// statement is prepared once a connection (pgx keeps it by name and text); an unnamed
// one is parsed with its run. Parameters go as they are, in text format.
func queryText(ctx context.Context, driverConn any, name, query string, params [][]byte) (string, error) {
	c, ok := driverConn.(*stdlib.Conn)
	if !ok {
		return "", fmt.Errorf("postgres: connection is a %T, not pgx's", driverConn)
	}
	var rr *pgconn.ResultReader
	if name == "" {
		rr = c.Conn().PgConn().ExecParams(ctx, query, params, nil, nil, nil)
	} else {
		sd, err := c.Conn().Prepare(ctx, name, query)
		if err != nil {
			return "", err
		}
		rr = c.Conn().PgConn().ExecPrepared(ctx, sd.Name, params, nil, nil)
	}
	var first string
	for rr.NextRow() {
		if v := rr.Values(); first == "" && len(v) > 0 {
			first = string(v[0])
		}
	}
	_, err := rr.Close()
	return first, err
}
