// Command barter runs the barter clearing house: imports, positions, reconciliation and
// the ledger, on an embedded SQLite database or on PostgreSQL.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/signal"
	"runtime/pprof"
	"strings"
	"time"

	"github.com/barter-clearing/barter"
	"github.com/barter-clearing/barter/hs"
	"github.com/barter-clearing/barter/netting"
	"github.com/barter-clearing/barter/postgres"
	"github.com/barter-clearing/barter/sqlite"
	"github.com/spf13/cobra"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	err := newRoot(os.Stdout, os.Stderr).ExecuteContext(ctx)
	stop()
	if err != nil {
		if !errors.Is(err, errReported) {
			fmt.Fprintln(os.Stderr, "barter:", barter.ErrorMessage(err))
			if barter.ErrorCode(err) == barter.EInternal {
				// The cause may hold driver details that are not for users; operators
				// ask for it.
				if os.Getenv("BARTER_DEBUG") != "" {
					fmt.Fprintln(os.Stderr, "  cause:", err)
				} else {
					fmt.Fprintln(os.Stderr, "  (set BARTER_DEBUG=1 to see the cause)")
				}
			}
		}
		os.Exit(1)
	}
}

// errReported is returned by commands that have already told the user what went wrong.
var errReported = errors.New("reported")

// app is what every command needs: where to write and how to reach the store.
type app struct {
	out, errOut io.Writer
	dsn         string
	now         func() time.Time
}

const defaultDSN = "sqlite:barter.db"

func newRoot(out, errOut io.Writer) *cobra.Command {
	a := &app{out: out, errOut: errOut, now: time.Now}
	root := &cobra.Command{
		Use:   "barter",
		Short: "A clearing house for goods-for-goods trade across borders",
		Long: `barter keeps the registry of traders and counterparties, barter authorizations,
goods declarations valued in the unit of account, an append-only double-entry ledger,
and each authorization's net-off position against its rulebook's deadline.

The database is chosen with --db or BARTER_DB: sqlite:PATH (the default, ` + defaultDSN + `)
or a postgres:// URL.`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetOut(out)
	root.SetErr(errOut)
	dsn := os.Getenv("BARTER_DB")
	if dsn == "" {
		dsn = defaultDSN
	}
	root.PersistentFlags().StringVar(&a.dsn, "db", dsn, "database: sqlite:PATH or postgres://URL (env BARTER_DB)")
	var profile string
	var stopProfile func()
	root.PersistentFlags().StringVar(&profile, "cpuprofile", "", "write a CPU profile to this file")
	root.PersistentFlags().MarkHidden("cpuprofile")
	root.PersistentPreRunE = func(cmd *cobra.Command, args []string) error {
		if profile == "" {
			return nil
		}
		f, err := os.Create(profile)
		if err != nil {
			return err
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		stopProfile = func() { pprof.StopCPUProfile(); f.Close() }
		return nil
	}
	root.PersistentPostRun = func(cmd *cobra.Command, args []string) {
		if stopProfile != nil {
			stopProfile()
		}
	}
	root.AddCommand(a.importCmd(), a.positionsCmd(), a.reconcileCmd(), a.ledgerCmd(), a.demoCmd(),
		a.declareCmd(), a.declarationsCmd(), a.reassessCmd(), a.reportCmd(), a.rulebooksCmd(), a.counterpartCmd(), a.authorizationsCmd(), a.netCmd(), a.clearingCmd(), a.matchCmd(),
		a.offersCmd(), a.proposalsCmd(), a.serveCmd(), a.usersCmd(), a.sanctionsCmd(), a.consortiumsCmd(), a.undertakingsCmd())
	usageErrors(root)
	return root
}

// usageErrors makes a mistyped command line an invalid request that points to --help,
// not an internal error: an unknown flag, a wrong count of arguments, an unknown
// command.
func usageErrors(c *cobra.Command) {
	c.SetFlagErrorFunc(func(c *cobra.Command, err error) error { return usageError(c, err) })
	switch args := c.Args; {
	case args != nil:
		c.Args = func(c *cobra.Command, a []string) error {
			if err := args(c, a); err != nil {
				return usageError(c, err)
			}
			return nil
		}
	case c.HasSubCommands() && c.Run == nil && c.RunE == nil:
		// A group of commands shows its help, or says which command it does not know.
		c.Args = cobra.ArbitraryArgs
		c.RunE = func(c *cobra.Command, a []string) error {
			if len(a) > 0 {
				return usageError(c, fmt.Errorf("unknown command %q", a[0]))
			}
			return c.Help()
		}
	}
	for _, sub := range c.Commands() {
		usageErrors(sub)
	}
}

func usageError(c *cobra.Command, err error) error {
	return &barter.Error{Code: barter.EInvalid, Message: fmt.Sprintf("%v (see %s --help)", err, c.CommandPath())}
}

// open connects to the store named by --db and returns a service on it.
func (a *app) open(ctx context.Context) (*barter.Service, func(), error) {
	var store barter.Store
	var err error
	switch {
	case strings.HasPrefix(a.dsn, "postgres://"), strings.HasPrefix(a.dsn, "postgresql://"):
		store, err = postgres.Open(ctx, a.dsn)
	case strings.HasPrefix(a.dsn, "sqlite:"):
		path := strings.TrimPrefix(a.dsn, "sqlite:")
		if path == "" {
			return nil, nil, barter.Invalid("--db", "sqlite: needs a file path, as in sqlite:barter.db")
		}
		store, err = sqlite.Open(ctx, path)
	default:
		return nil, nil, barter.Invalid("--db", "%q is neither sqlite:PATH nor a postgres:// URL", a.dsn)
	}
	if err != nil {
		return nil, nil, err
	}
	nom, err := hs.Load2022()
	if err != nil {
		store.Close()
		return nil, nil, err
	}
	svc := &barter.Service{Store: store, HS: nom, Rulebooks: barter.StandardRulebooks(), SetOff: netting.Solver{}, Now: a.now}
	return svc, func() { store.Close() }, nil
}

// asOfFlag adds --as-of, defaulting to today.
func (a *app) asOfFlag(cmd *cobra.Command, dst *string) {
	cmd.Flags().StringVar(dst, "as-of", "", "the day to report as of, YYYY-MM-DD (default today)")
}

func (a *app) asOf(s string) (barter.Date, error) {
	if s == "" {
		return barter.DateOf(a.now()), nil
	}
	d, err := barter.ParseDate(s)
	if err != nil {
		return d, barter.Invalid("--as-of", "%v", err)
	}
	return d, nil
}

// checkFormat refuses a --format other than table or json.
func checkFormat(format string) error {
	if format != "table" && format != "json" {
		return barter.Invalid("--format", "%q is not table or json", format)
	}
	return nil
}

// redact hides the password of a database URL.
func redact(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil || u.User == nil {
		return dsn
	}
	if _, ok := u.User.Password(); ok {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	return u.String()
}
