package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"iter"
	"os"
	"runtime/debug"
	"strings"
	"time"

	"github.com/barter-clearing/barter"
	"github.com/barter-clearing/barter/csvfile"
	"github.com/spf13/cobra"
)

// importKinds maps each KIND of `barter import` to its reader and service call.
func importKinds() map[string]importer {
	return map[string]importer{
		"parties":        importOf(csvfile.PartyColumns, csvfile.Parties, (*barter.Service).ImportParties),
		"rates":          importOf(csvfile.RateColumns, csvfile.Rates, (*barter.Service).ImportRates),
		"authorizations": importOf(csvfile.AuthorizationColumns, csvfile.Authorizations, (*barter.Service).ImportAuthorizations),
		"lines":          importOf(csvfile.LineColumns, csvfile.Lines, (*barter.Service).ImportLines),
		"declarations":   importOf(csvfile.DeclarationColumns, csvfile.Declarations, (*barter.Service).ImportDeclarations),
		"offers":         importOf(csvfile.OfferColumns, csvfile.Offers, (*barter.Service).ImportOffers),
	}
}

var importOrder = []string{"parties", "rates", "authorizations", "lines", "declarations", "offers"}

type importer struct {
	columns []string
	run     func(ctx context.Context, svc *barter.Service, in io.Reader, o barter.ImportOptions) (barter.ImportReport, error)
}

func importOf[T any](cols []string, read func(io.Reader) (iter.Seq[barter.Row[T]], error),
	imp func(*barter.Service, context.Context, iter.Seq[barter.Row[T]], barter.ImportOptions) (barter.ImportReport, error)) importer {
	return importer{columns: cols, run: func(ctx context.Context, svc *barter.Service, in io.Reader, o barter.ImportOptions) (barter.ImportReport, error) {
		rows, err := read(in)
		if err != nil {
			return barter.ImportReport{}, err
		}
		return imp(svc, ctx, rows, o)
	}}
}

func (a *app) importCmd() *cobra.Command {
	var quiet bool
	var help strings.Builder
	kinds := importKinds()
	for _, k := range importOrder {
		fmt.Fprintf(&help, "  %-15s %s\n", k, strings.Join(kinds[k].columns, ","))
	}
	cmd := &cobra.Command{
		Use:   "import KIND FILE",
		Short: "Import a CSV file of parties, rates, authorizations, lines, declarations or offers",
		Long: `Import a CSV file with a header row. KIND and its required columns:

` + help.String() + `
Optional columns:
  parties         active_taxpayer (true or false), atl_checked (the day the Active
                  Taxpayers List was checked), collectorate (of the home country's traders)
  rates           source (who published the rate)
  authorizations  valid_until (the contract's validity)
  declarations    assessed_value may be left empty where customs accepted the declared value
  offers          regime, quantity, unit, origin (the goods' country), ports (ports or
                  border crossings, separated by ";"), valid_until and blocked

A file is imported whole or not at all: when any row is bad, nothing is written, every
bad row is reported as FILE:LINE: field: reason, and the exit status is non-zero.
Rows already imported (same key, same content) are skipped, so a file can be re-run.
Import in the order above: declarations need their authorizations, lines and rates.`,
		Example: "  barter import parties parties.csv\n  barter import declarations gds.csv",
		Args:    cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			imp, ok := kinds[args[0]]
			if !ok {
				return barter.Invalid("KIND", "%q is not one of %s", args[0], strings.Join(importOrder, ", "))
			}
			// A soft limit on the heap keeps a million-row import well within a small
			// machine's memory; the collector works harder as the import nears it, and
			// less often until then (an import allocates much that dies young).
			debug.SetMemoryLimit(240 << 20)
			debug.SetGCPercent(400)
			svc, closeFn, err := a.open(cmd.Context())
			if err != nil {
				return err
			}
			defer closeFn()
			return a.importFile(cmd.Context(), svc, args[0], imp, args[1], quiet)
		},
	}
	cmd.Flags().BoolVarP(&quiet, "quiet", "q", false, "do not show progress")
	return cmd
}

// importAttempts is how many times an import undone by a deadlock is tried in all.
const importAttempts = 3

// importFile imports one file, reporting bad rows and progress on the error stream.
func (a *app) importFile(ctx context.Context, svc *barter.Service, kind string, imp importer, path string, quiet bool) error {
	f, err := os.Open(path)
	if err != nil {
		return barter.Invalid(path, "%v", errors.Unwrap(err))
	}
	defer f.Close()
	start := time.Now()
	last := start
	bad := 0
	o := barter.ImportOptions{
		OnError: func(e barter.RowError) {
			bad++
			fmt.Fprintf(a.errOut, "%s:%d: %s: %s\n", path, e.Line, e.Field, e.Reason)
		},
		ProgressEvery: 10000,
	}
	if !quiet {
		o.OnProgress = func(n int) {
			if now := time.Now(); now.Sub(last) >= 2*time.Second {
				last = now
				fmt.Fprintf(a.errOut, "%s: %d rows read (%.0f rows/s)\n", path, n, float64(n)/now.Sub(start).Seconds())
			}
		}
	}
	rep, err := imp.run(ctx, svc, f, o)
	// An import that met another taking the same keys in the other order was undone
	// whole; it is read again from the start, a few times at most.
	for attempt := 2; errors.Is(err, barter.ErrDeadlock) && bad == 0 && attempt <= importAttempts; attempt++ {
		if _, serr := f.Seek(0, io.SeekStart); serr != nil {
			break
		}
		fmt.Fprintf(a.errOut, "%s: another import held the same records in the other order; nothing was written; importing again (attempt %d of %d)\n",
			path, attempt, importAttempts)
		start, last = time.Now(), time.Now()
		rep, err = imp.run(ctx, svc, f, o)
	}
	var he *csvfile.HeaderError
	switch {
	case errors.As(err, &he):
		fmt.Fprintf(a.errOut, "%s:1: %s\n", path, he)
		return errReported
	case errors.Is(err, barter.ErrRejected):
		fmt.Fprintf(a.errOut, "%s: %d of %d rows rejected; nothing was imported\n", path, rep.Rejected, rep.Rows)
		return errReported
	case err != nil:
		return err
	}
	el := time.Since(start)
	fmt.Fprintf(a.out, "%s: imported %d %s, %d already present, from %d rows in %s (%.0f rows/s)\n",
		path, rep.Written, kind, rep.Duplicates, rep.Rows, el.Round(time.Millisecond), float64(rep.Rows)/el.Seconds())
	return nil
}
