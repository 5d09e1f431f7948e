package main

import (
	"fmt"
	"io"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"text/tabwriter"
	"time"

	"github.com/barter-clearing/barter"
	barterhttp "github.com/barter-clearing/barter/http"
	"github.com/spf13/cobra"
)

func (a *app) reportCmd() *cobra.Command {
	var from, to, quarter, format string
	cmd := &cobra.Command{
		Use:   "report",
		Short: "Report on a period to the regulator: trade by partner and HS chapter, issues, cancellations",
		Long: `Report on a period (both days included), as customs and the revenue board report on the
mechanism every quarter:

  - the trade booked in the period with each partner country (imports, exports, net;
    reassessments counted on the day they were booked);
  - the goods declarations posted in the period by HS chapter and direction, as posted;
  - the authorizations issued in the period by rulebook, and those cancelled, with why;
  - where every authorization stands at the period's end, and those overdue then, the
    largest imbalance first: what the next reconciliation would cancel.

Amounts are in the unit of account. Give --quarter (2025Q1) or --from and --to.`,
		Example: "  barter report --quarter 2024Q4\n  barter report --from 2025-01-01 --to 2025-01-31 --format json",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			start, end, err := reportPeriod(from, to, quarter)
			if err != nil {
				return err
			}
			if err := checkFormat(format); err != nil {
				return err
			}
			svc, closeFn, err := a.open(cmd.Context())
			if err != nil {
				return err
			}
			defer closeFn()
			r, err := svc.Report(cmd.Context(), start, end)
			if err != nil {
				return err
			}
			if format == "json" {
				return a.writeJSON(barterhttp.NewReport(r))
			}
			return writeReport(a.out, r)
		},
	}
	cmd.Flags().StringVar(&quarter, "quarter", "", "the calendar quarter to report on, as 2025Q1")
	cmd.Flags().StringVar(&from, "from", "", "the period's first day (YYYY-MM-DD)")
	cmd.Flags().StringVar(&to, "to", "", "the period's last day (YYYY-MM-DD)")
	cmd.Flags().StringVar(&format, "format", "table", "output format: table or json")
	return cmd
}

var quarterPattern = regexp.MustCompile(`^(\d{4})[Qq]([1-4])$`)

// reportPeriod reads the period of report's flags: a quarter, or two days.
func reportPeriod(from, to, quarter string) (barter.Date, barter.Date, error) {
	if quarter != "" {
		if from != "" || to != "" {
			return barter.Date{}, barter.Date{}, barter.Invalid("--quarter", "give a quarter or --from and --to, not both")
		}
		m := quarterPattern.FindStringSubmatch(quarter)
		if m == nil {
			return barter.Date{}, barter.Date{}, barter.Invalid("--quarter", "%q is not a quarter such as 2025Q1", quarter)
		}
		y, _ := strconv.Atoi(m[1])
		q, _ := strconv.Atoi(m[2])
		first := time.Date(y, time.Month(3*q-2), 1, 0, 0, 0, 0, time.UTC)
		return barter.DateOf(first), barter.DateOf(first.AddDate(0, 3, -1)), nil
	}
	if from == "" || to == "" {
		return barter.Date{}, barter.Date{}, barter.Invalid("--from", "give --quarter, or both --from and --to")
	}
	start, err := barter.ParseDate(from)
	if err != nil {
		return barter.Date{}, barter.Date{}, barter.Invalid("--from", "%v", err)
	}
	end, err := barter.ParseDate(to)
	if err != nil {
		return barter.Date{}, barter.Date{}, barter.Invalid("--to", "%v", err)
	}
	return start, end, nil
}

// writeReport writes a report as tables, section by section.
func writeReport(w io.Writer, r *barter.Report) error {
	fmt.Fprintf(w, "Report on %s to %s (amounts in PKR)\n\nTrade booked by partner country\n", r.From, r.To)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "COUNTRY\tAUTHORIZATIONS\tIMPORTS\tEXPORTS\tNET\t")
	var imports, exports barter.Decimal
	for _, p := range r.Partners {
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t\n", p.Country, p.Authorizations, grouped(p.Imports), grouped(p.Exports), grouped(p.Exports.Sub(p.Imports)))
		imports, exports = imports.Add(p.Imports), exports.Add(p.Exports)
	}
	fmt.Fprintf(tw, "all\t\t%s\t%s\t%s\t\n", grouped(imports), grouped(exports), grouped(exports.Sub(imports)))
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(w, "\nGoods declarations posted by HS chapter (values as posted)")
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "CHAPTER\tDIRECTION\tDECLARATIONS\tVALUE\t")
	for _, c := range r.Chapters {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t\n", c.Chapter, c.Direction, c.Declarations, grouped(c.Value))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	regimes := slices.Sorted(maps.Keys(r.Issued))
	issued := 0
	for _, n := range r.Issued {
		issued += n
	}
	fmt.Fprintf(w, "\nAuthorizations issued: %d\n", issued)
	for _, regime := range regimes {
		fmt.Fprintf(w, "  %d under rulebook %s\n", r.Issued[regime], regime)
	}
	fmt.Fprintf(w, "Authorizations cancelled: %d\n", len(r.Cancelled))
	for _, a := range r.Cancelled {
		fmt.Fprintf(w, "  %s (%s with %s) on %s: %s\n", a.Number, a.Party, a.Counterparty, a.Cancelled, a.Reason)
	}
	fmt.Fprintf(w, "\nWhere authorizations stand on %s\n", r.To)
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "STATUS\tAUTHORIZATIONS\tEXPORTS DUE\tIMPORTS DUE\t")
	for _, s := range []barter.PositionStatus{barter.PositionBalanced, barter.PositionOpen, barter.PositionOverdue, barter.PositionCancelled} {
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t\n", s, r.Standing[s].Count, grouped(r.Standing[s].ExportsDue), grouped(r.Standing[s].ImportsDue))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if len(r.Overdue) > 0 {
		fmt.Fprintln(w, "\nOverdue, the largest imbalance first (the next reconciliation cancels them)")
		return writePositionsTable(w, r.Overdue, r.To)
	}
	return nil
}
