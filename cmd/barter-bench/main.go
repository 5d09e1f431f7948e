// Command barter-bench measures barter at national scale: it generates a synthetic book
// of authorizations and goods declarations, imports it with the real `barter import`
// command, inserts the same rows plainly into the same database for comparison, times
// `barter positions`, and prints rows per second, peak memory and the ratios.
//
//	go build -o /tmp/barter ./cmd/barter && go run ./cmd/barter-bench -barter /tmp/barter
//
// Every figure is printed; nothing here asserts a threshold.
package main

import (
	"bufio"
	"context"
	"database/sql"
	"encoding/csv"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib"
	_ "modernc.org/sqlite"
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == "matchgen" {
		if err := matchgenMain(os.Args[2:]); err != nil {
			fmt.Fprintln(os.Stderr, "barter-bench matchgen:", err)
			os.Exit(1)
		}
		return
	}
	if len(os.Args) > 1 && os.Args[1] == "netgen" {
		if err := netgenMain(os.Args[2:]); err != nil {
			fmt.Fprintln(os.Stderr, "barter-bench netgen:", err)
			os.Exit(1)
		}
		return
	}
	if len(os.Args) > 1 && os.Args[1] == "floor" {
		if err := floorMain(os.Args[2:]); err != nil {
			fmt.Fprintln(os.Stderr, "barter-bench floor:", err)
			os.Exit(1)
		}
		return
	}
	if len(os.Args) > 1 && os.Args[1] == "plain" {
		if err := plainMain(os.Args[2:]); err != nil {
			fmt.Fprintln(os.Stderr, "barter-bench plain:", err)
			os.Exit(1)
		}
		return
	}
	if err := benchMain(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "barter-bench:", err)
		os.Exit(1)
	}
}

type config struct {
	barter   string
	decls    int
	auths    int
	dir      string
	postgres string
	stores   string
}

func benchMain(args []string) error {
	var c config
	fs := flag.NewFlagSet("barter-bench", flag.ContinueOnError)
	fs.StringVar(&c.barter, "barter", "barter", "the barter binary to measure")
	fs.IntVar(&c.decls, "declarations", 1_000_000, "goods declarations to import")
	fs.IntVar(&c.auths, "authorizations", 100_000, "authorizations they are spread over")
	fs.StringVar(&c.dir, "dir", "", "working directory (default: a new temporary one, removed after)")
	fs.StringVar(&c.postgres, "postgres", os.Getenv("BARTER_TEST_POSTGRES"), "PostgreSQL URL of a server to measure (a fresh schema is used)")
	fs.StringVar(&c.stores, "stores", "sqlite,postgres", "stores to measure")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if c.dir == "" {
		d, err := os.MkdirTemp("", "barter-bench-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(d)
		c.dir = d
	}
	fmt.Printf("generating %d declarations over %d authorizations in %s\n", c.decls, c.auths, c.dir)
	if err := generate(c.dir, c.auths, c.decls); err != nil {
		return err
	}
	for _, store := range strings.Split(c.stores, ",") {
		var dsn string
		switch store {
		case "sqlite":
			dsn = "sqlite:" + filepath.Join(c.dir, "bench.db")
		case "postgres":
			if c.postgres == "" {
				fmt.Println("postgres: skipped (no -postgres URL and no BARTER_TEST_POSTGRES)")
				continue
			}
			var err error
			if dsn, err = freshSchema(c.postgres); err != nil {
				return err
			}
		default:
			return fmt.Errorf("unknown store %q", store)
		}
		if err := measure(c, store, dsn); err != nil {
			return fmt.Errorf("%s: %w", store, err)
		}
	}
	return nil
}

// measure runs the setup imports, the declarations import, the plain insert and
// positions on one store and prints the figures.
func measure(c config, store, dsn string) error {
	fmt.Printf("\n== %s ==\n", store)
	for _, kind := range []string{"parties", "rates", "authorizations", "lines"} {
		if _, err := run(c.barter, "--db", dsn, "import", "-q", kind, filepath.Join(c.dir, kind+".csv")); err != nil {
			return err
		}
	}
	gds := filepath.Join(c.dir, "declarations.csv")
	full, err := run(c.barter, "--db", dsn, "import", "-q", "declarations", gds)
	if err != nil {
		return err
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	plain, err := run(self, "plain", dsn, gds)
	if err != nil {
		return err
	}
	pos, err := run(c.barter, "--db", dsn, "positions", "--as-of", "2025-12-31", "--format", "json")
	if err != nil {
		return err
	}
	fullRate := float64(c.decls) / full.wall.Seconds()
	plainRate := float64(c.decls) / plain.wall.Seconds()
	fmt.Printf("%-44s %10s %14s %12s\n", "step", "seconds", "rows/s", "peak MiB")
	fmt.Printf("%-44s %10.2f %14.0f %12.1f\n", "barter import declarations (validate+post)", full.wall.Seconds(), fullRate, full.maxRSSMiB)
	fmt.Printf("%-44s %10.2f %14.0f %12.1f\n", "plain bulk insert of the same rows", plain.wall.Seconds(), plainRate, plain.maxRSSMiB)
	fmt.Printf("%-44s %10.2f %14s %12.1f\n", fmt.Sprintf("barter positions (%d authorizations)", c.auths), pos.wall.Seconds(), "", pos.maxRSSMiB)
	fmt.Printf("%s: import %.0f declarations/s, %.2f of the plain insert rate, peak %.0f MiB; positions %.2f s\n",
		store, fullRate, fullRate/plainRate, full.maxRSSMiB, pos.wall.Seconds())
	return nil
}

type result struct {
	wall      time.Duration
	maxRSSMiB float64
}

// run runs a command, returning its wall time and peak resident memory.
func run(name string, args ...string) (result, error) {
	cmd := exec.Command(name, args...)
	cmd.Stdout = io.Discard
	var stderr strings.Builder
	cmd.Stderr = &stderr
	start := time.Now()
	err := cmd.Run()
	r := result{wall: time.Since(start)}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok && ru != nil {
		r.maxRSSMiB = float64(ru.Maxrss) / 1024
	}
	if err != nil {
		return r, fmt.Errorf("%s %s: %w\n%s", name, strings.Join(args, " "), err, tail(stderr.String()))
	}
	return r, nil
}

func tail(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > 20 {
		lines = lines[len(lines)-20:]
	}
	return strings.Join(lines, "\n")
}

func freshSchema(base string) (string, error) {
	db, err := sql.Open("pgx", base)
	if err != nil {
		return "", err
	}
	defer db.Close()
	schema := fmt.Sprintf("bench_%d", time.Now().UnixNano())
	if _, err := db.Exec("CREATE SCHEMA " + schema); err != nil {
		return "", err
	}
	sep := "?"
	if strings.Contains(base, "?") {
		sep = "&"
	}
	return base + sep + "search_path=" + schema, nil
}

// generate writes a consistent synthetic book: Pakistani traders, counterparties in the
// partner countries, monthly USD and CNY rates, authorizations under both rulebooks with
// an import and an export line each, and declarations in which every authorization's
// imports come before its exports, so that all pass the 2023 rule too.
func generate(dir string, auths, decls int) error {
	type file struct {
		name   string
		header string
		rows   func(w *bufio.Writer)
	}
	traders := max(auths/10, 1)
	partners := []string{"RU", "AF", "IR"}
	files := []file{
		{"parties.csv", "id,name,country,tax_id,kind", func(w *bufio.Writer) {
			for i := 0; i < traders; i++ {
				fmt.Fprintf(w, "T%d,Trader %d,PK,%07d,private\n", i, i, 1000000+i)
				fmt.Fprintf(w, "F%d,Foreign %d,%s,R%d,private\n", i, i, partners[i%3], i)
			}
		}},
		{"rates.csv", "date,currency,rate", func(w *bufio.Writer) {
			for m := 0; m < 24; m++ {
				day := time.Date(2024, time.Month(1+m), 1, 0, 0, 0, 0, time.UTC).Format("2006-01-02")
				fmt.Fprintf(w, "%s,USD,%d.%02d\n%s,CNY,38.%02d\n", day, 278+m%3, m, day, m)
			}
		}},
		{"authorizations.csv", "number,party,counterparty,regime,issued", func(w *bufio.Writer) {
			for a := 0; a < auths; a++ {
				regime := []string{"2023", "2025"}[a%2]
				fmt.Fprintf(w, "BT-%07d,T%d,F%d,%s,%s\n", a, a%traders, a%traders, regime, issued(a))
			}
		}},
		{"lines.csv", "authorization,direction,hs_code,description,quantity,unit,value,currency", func(w *bufio.Writer) {
			for a := 0; a < auths; a++ {
				fmt.Fprintf(w, "BT-%07d,import,0713,pulses,100000,t,70400000,USD\nBT-%07d,export,1006,rice,100000,t,66700000,USD\n", a, a)
			}
		}},
		{"declarations.csv", "number,authorization,direction,date,hs_code,quantity,unit,currency,declared_value,assessed_value", func(w *bufio.Writer) {
			per := max(decls/auths, 1)
			for i := 0; i < decls; i++ {
				a, k := i%auths, i/auths
				dir, code, value := "import", "07132000", 704000+(i%1000)*10
				if k%2 == 1 && k < per {
					dir, code, value = "export", "10063010", 560000+(i%1000)*10
				}
				cur := "USD"
				if i%7 == 0 {
					cur = "CNY"
					value *= 7
				}
				day := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, a%200+k+1).Format("2006-01-02")
				assessed := ""
				if i%5 == 0 {
					assessed = strconv.Itoa(value + value/20)
				}
				fmt.Fprintf(w, "GD-%08d,BT-%07d,%s,%s,%s,%d,t,%s,%d.%02d,%s\n", i, a, dir, day, code, 1000+i%500, cur, value, i%100, assessed)
			}
		}},
	}
	for _, f := range files {
		fh, err := os.Create(filepath.Join(dir, f.name))
		if err != nil {
			return err
		}
		w := bufio.NewWriterSize(fh, 1<<20)
		fmt.Fprintln(w, f.header)
		f.rows(w)
		if err := errors.Join(w.Flush(), fh.Close()); err != nil {
			return err
		}
	}
	return nil
}

func issued(a int) string {
	return time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, a%200).Format("2006-01-02")
}

// plainSchema creates the plain insert's table, shaped like barter's declarations table
// (on SQLite, like it, without a rowid).
func plainSchema(store string) string {
	suffix := ""
	if store == "sqlite" {
		suffix = " WITHOUT ROWID"
	}
	return `CREATE TABLE plain_declarations (number TEXT PRIMARY KEY, auth_number TEXT NOT NULL, direction TEXT NOT NULL,
		day TEXT NOT NULL, hs_code TEXT NOT NULL, quantity TEXT NOT NULL, unit TEXT NOT NULL, currency TEXT NOT NULL,
		declared TEXT NOT NULL, assessed TEXT NOT NULL)` + suffix
}

// plainMain inserts the rows of a declarations file as they are into a table shaped like
// barter's declarations table, in one transaction, with no validation and no ledger: the
// floor that a full import is compared against. It uses the same technique as barter's
// import (prepared multi-row INSERTs of 256 rows), so the ratio measures the cost of
// validation and posting, not of a different way of inserting.
func plainMain(args []string) error {
	if len(args) != 2 {
		return errors.New("usage: barter-bench plain DSN FILE")
	}
	dsn, path := args[0], args[1]
	driver, src, store := "pgx", dsn, "postgres"
	if p, ok := strings.CutPrefix(dsn, "sqlite:"); ok {
		driver, src, store = "sqlite", "file:"+p+"?_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)", "sqlite"
	}
	db, err := sql.Open(driver, src)
	if err != nil {
		return err
	}
	defer db.Close()
	ctx := context.Background()
	if _, err := db.ExecContext(ctx, `DROP TABLE IF EXISTS plain_declarations`); err != nil {
		return err
	}
	if _, err := db.ExecContext(ctx, plainSchema(store)); err != nil {
		return err
	}
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	r := csv.NewReader(bufio.NewReaderSize(f, 1<<20))
	r.ReuseRecord = true
	if _, err := r.Read(); err != nil {
		return err
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	const batch = 256
	insert := func(n int) string { return insertStatement(store, "plain_declarations", plainCols, n) }
	full, err := tx.PrepareContext(ctx, insert(batch))
	if err != nil {
		return err
	}
	vals := make([]any, 0, batch*10)
	flush := func() error {
		if len(vals) == 0 {
			return nil
		}
		var err error
		if len(vals) == batch*10 {
			_, err = full.ExecContext(ctx, vals...)
		} else {
			_, err = tx.ExecContext(ctx, insert(len(vals)/10), vals...)
		}
		vals = vals[:0]
		return err
	}
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return err
		}
		for _, f := range rec[:10] {
			vals = append(vals, strings.Clone(f))
		}
		if len(vals) == batch*10 {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	if err := flush(); err != nil {
		return err
	}
	return tx.Commit()
}
