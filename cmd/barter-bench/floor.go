package main

import (
	"context"
	"database/sql"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/barter-clearing/barter/internal/sqlstore"
	"github.com/barter-clearing/barter/postgres"
	"github.com/barter-clearing/barter/sqlite"
)

// floorMain measures how fast the rows an import writes can be inserted at all, with
// nothing read, checked or computed: the ceiling of the import's rate against the plain
// insert, for barter's schema and for leaner ledger layouts. Each layout is written into
// a fresh database migrated to barter's schema, with the import's technique (prepared
// multi-row INSERTs of 256 rows, one transaction).
//
//	barter-bench floor [-rows 1000000] [-postgres URL]
func floorMain(args []string) error {
	fs := flag.NewFlagSet("floor", flag.ContinueOnError)
	rows := fs.Int("rows", 1_000_000, "declarations to write in each layout")
	pg := fs.String("postgres", "", "also measure this PostgreSQL server (a fresh schema per layout)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "barter-floor-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	stores := []string{"sqlite"}
	if *pg != "" {
		stores = append(stores, "postgres")
	}
	for _, store := range stores {
		fmt.Printf("\n== %s: %d declarations ==\n%-58s %8s %10s %9s\n", store, *rows, "layout", "seconds", "rows/s", "vs plain")
		var plain time.Duration
		for i, l := range floorLayouts {
			open := func(ctx context.Context) (*sqlstore.Store, error) {
				return sqlite.Open(ctx, filepath.Join(dir, fmt.Sprintf("floor%d.db", i)))
			}
			if store == "postgres" {
				dsn, err := freshSchema(*pg)
				if err != nil {
					return err
				}
				open = func(ctx context.Context) (*sqlstore.Store, error) { return postgres.Open(ctx, dsn) }
			}
			took, err := l.measure(open, store, *rows)
			if err != nil {
				return fmt.Errorf("%s, %s: %w", store, l.name, err)
			}
			if i == 0 {
				plain = took
			}
			fmt.Printf("%-58s %8.2f %10.0f %9.2f\n", l.name, took.Seconds(), float64(*rows)/took.Seconds(), plain.Seconds()/took.Seconds())
		}
	}
	return nil
}

// floorLayout is one way of storing the rows of an import: extra tables created first,
// and the rows (table, columns, values) written for declaration i.
type floorLayout struct {
	name   string
	schema func(store string) string
	rows   func(i int) []floorRow
}

type floorRow struct {
	table string
	cols  []string
	vals  []any
}

func declRow(i int) []any {
	value := int64(19_712_000_000 + i)
	return []any{fmt.Sprintf("GD-%08d", i), fmt.Sprintf("BT-%07d", i%100_000), "import", "2024-03-01", "07132000", "1234", "t", "USD",
		"704000.12", "704000.12", "280.01", "2024-03-01", value, int64(i + 1)}
}

var (
	declCols  = strings.Split(declColumnsList, ", ")
	plainCols = declCols[:10]
)

const declColumnsList = "number, auth_number, direction, day, hs_code, quantity, unit, currency, declared, assessed, rate, rate_day, value, entry_id"

var floorLayouts = []floorLayout{
	{
		name:   "plain rows of the file (10 columns, as the plain insert)",
		schema: plainSchema,
		rows: func(i int) []floorRow {
			return []floorRow{{"plain_declarations", plainCols, declRow(i)[:10]}}
		},
	},
	{
		// A declaration's row is its ledger entry, indexed by authorization.
		name: "barter's declarations table (barter's ledger)",
		rows: func(i int) []floorRow { return []floorRow{{"declarations", declCols, declRow(i)}} },
	},
	{
		name: "declarations + entries + 2 postings (the ledger of old)",
		rows: func(i int) []floorRow {
			auth, id := fmt.Sprintf("BT-%07d", i%100_000), int64(i+1)
			return []floorRow{
				{"entries", []string{"id", "kind", "ref", "auth_number", "day"}, []any{id, "declaration", fmt.Sprintf("GD-%08d", i), auth, "2024-03-01"}},
				{"postings", []string{"entry_id", "seq", "account", "amount"}, []any{id, 1, auth + ":imports", int64(19_712_000_000 + i)}},
				{"postings", []string{"entry_id", "seq", "account", "amount"}, []any{id, 2, auth + ":netoff", -int64(19_712_000_000 + i)}},
				{"declarations", declCols, declRow(i)},
			}
		},
	},
	{
		name: "declarations + one transfer row a declaration (lean ledger)",
		schema: func(string) string {
			return `CREATE TABLE transfers (id BIGINT PRIMARY KEY, kind TEXT NOT NULL, ref TEXT NOT NULL, auth_number TEXT NOT NULL, day TEXT NOT NULL,
				debit TEXT NOT NULL, credit TEXT NOT NULL, amount BIGINT NOT NULL);
				CREATE INDEX transfers_authorization ON transfers (auth_number)`
		},
		rows: func(i int) []floorRow {
			auth := fmt.Sprintf("BT-%07d", i%100_000)
			return []floorRow{
				{"transfers", []string{"id", "kind", "ref", "auth_number", "day", "debit", "credit", "amount"},
					[]any{int64(i + 1), "declaration", fmt.Sprintf("GD-%08d", i), auth, "2024-03-01", auth + ":imports", auth + ":netoff", int64(19_712_000_000 + i)}},
				{"declarations", declCols, declRow(i)},
			}
		},
	},
	intTransfers("declarations + one integer transfer, unindexed", ""),
	// Posting checks an authorization's earlier flows, which must be found by account.
	intTransfers("declarations + one integer transfer, indexed by account", "; CREATE INDEX transfers_debit ON transfers (debit)"),
	journal("declaration rows that are their own transfers, unindexed", ""),
	journal("declaration rows that are their own transfers, by account", "CREATE INDEX journal_debit ON journal (debit)"),
}

// intTransfers is the leanest ledger layout: a transfer of integers alone (accounts by
// number, the day as a day number) that the declaration refers to, with extra DDL.
func intTransfers(name, ddl string) floorLayout {
	return floorLayout{
		name: name,
		schema: func(string) string {
			// INTEGER PRIMARY KEY: on SQLite the row ID itself, with no index of its own.
			return `CREATE TABLE transfers (id INTEGER PRIMARY KEY, kind INTEGER NOT NULL, day INTEGER NOT NULL,
				debit BIGINT NOT NULL, credit BIGINT NOT NULL, amount BIGINT NOT NULL)` + ddl
		},
		rows: func(i int) []floorRow {
			account := int64(i%100_000) * 3
			return []floorRow{
				{"transfers", []string{"id", "kind", "day", "debit", "credit", "amount"},
					[]any{int64(i + 1), 1, 19_783, account + 1, account + 2, int64(19_712_000_000 + i)}},
				{"declarations", declCols, declRow(i)},
			}
		},
	}
}

// measure opens a fresh store, creates the layout's tables, and times writing n
// declarations' rows in one transaction, batch by batch.
func (l floorLayout) measure(open func(context.Context) (*sqlstore.Store, error), store string, n int) (time.Duration, error) {
	ctx := context.Background()
	s, err := open(ctx)
	if err != nil {
		return 0, err
	}
	defer s.Close()
	db := s.Writer
	if l.schema != nil {
		for _, q := range strings.Split(l.schema(store), ";") {
			if _, err := db.ExecContext(ctx, q); err != nil {
				return 0, err
			}
		}
	}
	start := time.Now()
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	stmts := map[string]*sql.Stmt{}
	pending := map[string][]any{} // table: values of rows not yet written
	var order []string
	cols := map[string][]string{}
	flush := func(table string) error {
		vals := pending[table]
		if len(vals) == 0 {
			return nil
		}
		ncols := len(cols[table])
		q := insertStatement(store, table, cols[table], len(vals)/ncols)
		st := stmts[q]
		if st == nil {
			if st, err = tx.PrepareContext(ctx, q); err != nil {
				return err
			}
			stmts[q] = st
		}
		_, err := st.ExecContext(ctx, vals...)
		pending[table] = vals[:0]
		return err
	}
	for i := 0; i < n; i++ {
		for _, r := range l.rows(i) {
			if _, ok := cols[r.table]; !ok {
				cols[r.table] = r.cols
				order = append(order, r.table)
			}
			pending[r.table] = append(pending[r.table], r.vals...)
		}
		if (i+1)%256 == 0 {
			for _, t := range order {
				if err := flush(t); err != nil {
					return 0, err
				}
			}
		}
	}
	for _, t := range order {
		if err := flush(t); err != nil {
			return 0, err
		}
	}
	if err := tx.Commit(); err != nil {
		return 0, err
	}
	return time.Since(start), nil
}

// insertStatement is a multi-row INSERT of rows rows, with the store's placeholders.
func insertStatement(store, table string, cols []string, rows int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "INSERT INTO %s (%s) VALUES ", table, strings.Join(cols, ", "))
	n := 0
	for r := 0; r < rows; r++ {
		if r > 0 {
			b.WriteString(", ")
		}
		b.WriteByte('(')
		for c := range cols {
			if c > 0 {
				b.WriteString(", ")
			}
			n++
			if store == "postgres" {
				b.WriteString("$" + strconv.Itoa(n))
			} else {
				b.WriteByte('?')
			}
		}
		b.WriteByte(')')
	}
	return b.String()
}

// journal merges the ledger into the declarations: each declaration row carries the
// accounts it debits and credits (the value is its amount), with extra DDL. No table is
// leaner for a ledger that is still double-entry.
func journal(name, idx string) floorLayout {
	return floorLayout{
		name: name,
		schema: func(store string) string {
			suffix := ""
			if store == "sqlite" {
				suffix = " WITHOUT ROWID"
			}
			q := `CREATE TABLE journal (number TEXT PRIMARY KEY, auth_number TEXT NOT NULL, direction TEXT NOT NULL,
				day TEXT NOT NULL, hs_code TEXT NOT NULL, quantity TEXT NOT NULL, unit TEXT NOT NULL, currency TEXT NOT NULL,
				declared TEXT NOT NULL, assessed TEXT NOT NULL, rate TEXT NOT NULL, rate_day TEXT NOT NULL, value BIGINT NOT NULL,
				debit BIGINT NOT NULL, credit BIGINT NOT NULL)` + suffix
			if idx != "" {
				q += "; " + idx
			}
			return q
		},
		rows: func(i int) []floorRow {
			account := int64(i%100_000) * 3
			cols := append(declCols[:13:13], "debit", "credit")
			return []floorRow{{"journal", cols, append(declRow(i)[:13], account+1, account+2)}}
		},
	}
}
