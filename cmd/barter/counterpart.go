package main

import (
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/barter-clearing/barter"
	"github.com/barter-clearing/barter/csvfile"
	"github.com/spf13/cobra"
)

// counterpartLine is a CounterpartLine as JSON, amounts as decimal strings.
type counterpartLine struct {
	Authorization string `json:"authorization"`
	Direction     string `json:"direction"`
	Month         string `json:"month"`
	Currency      string `json:"currency"`
	Ours          string `json:"ours"`
	Theirs        string `json:"theirs"`
	OurCount      int    `json:"declarations"`
	TheirCount    int    `json:"records"`
	Status        string `json:"status"`
}

func (a *app) counterpartCmd() *cobra.Command {
	var country, from, to, tolerance, format string
	cmd := &cobra.Command{
		Use:   "counterpart FILE",
		Short: "Compare a partner country's records of shipments with the declarations posted here",
		Long: `Compare a partner country's customs records of shipments (a CSV file with the columns
reference,authorization,direction,date,currency,value; direction as seen from here) with
the goods declarations posted here over the same days against authorizations whose
counterparty is of that country. Each authorization, direction, month and currency is
one line: the values declared here and recorded there, and whether they agree within
the tolerance, differ, stand on one side only, or quote no authorization of this
clearing house. An authorization the records quote is compared whatever the country of
its counterparty. Nothing is stored.

The period is the whole months the records span, unless --from and --to say otherwise.
Trade that one side records and the other does not is what the mechanism must not let
pass unseen.`,
		Example: "  barter counterpart iran-2024-10.csv --country IR\n  barter counterpart russia-q4.csv --country RU --tolerance 0.02 --format json",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkFormat(format); err != nil {
				return err
			}
			if country = strings.ToUpper(strings.TrimSpace(country)); country == "" {
				return barter.Invalid("--country", "is required: the partner country whose records these are")
			}
			if !barter.IsCountry(country) {
				return barter.Invalid("--country", "%q is not an ISO 3166-1 alpha-2 country code", country)
			}
			tol, err := barter.ParseDecimal(tolerance, 4)
			if err != nil {
				return barter.Invalid("--tolerance", "%v", err)
			}
			records, err := readCSV(a, args[0], csvfile.CounterpartRecords, uniqueIDs("reference", func(r *barter.CounterpartRecord) string { return r.Reference }))
			if err != nil {
				return err
			}
			if len(records) == 0 {
				return barter.Invalid(args[0], "holds no records")
			}
			start, end, err := counterpartPeriod(records, from, to)
			if err != nil {
				return err
			}
			svc, closeFn, err := a.open(cmd.Context())
			if err != nil {
				return err
			}
			defer closeFn()
			lines, err := svc.CompareCounterpart(cmd.Context(), country, start, end, records, tol)
			if err != nil {
				return err
			}
			counts := map[barter.CounterpartStatus]int{}
			out := make([]counterpartLine, len(lines))
			for i, l := range lines {
				counts[l.Status]++
				out[i] = counterpartLine{l.Authorization, string(l.Direction), l.Month, l.Currency, l.Ours.String(), l.Theirs.String(), l.OurCount, l.TheirCount, string(l.Status)}
			}
			if format == "json" {
				return a.writeJSON(out)
			}
			fmt.Fprintf(a.out, "%s's records against the declarations here, %s to %s (values as declared, in their currency)\n", country, start, end)
			tw := tabwriter.NewWriter(a.out, 0, 0, 2, ' ', tabwriter.AlignRight)
			fmt.Fprintln(tw, "AUTHORIZATION\tDIRECTION\tMONTH\tCURRENCY\tHERE\tTHERE\tDECLARATIONS\tRECORDS\tSTATUS\t")
			for _, l := range out {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%d\t%d\t%s\t\n", l.Authorization, l.Direction, l.Month, l.Currency, l.Ours, l.Theirs, l.OurCount, l.TheirCount, l.Status)
			}
			if err := tw.Flush(); err != nil {
				return err
			}
			fmt.Fprintf(a.out, "%d lines: %d agree, %d differ, %d declared here only, %d recorded there only, %d against no authorization here\n", len(out),
				counts[barter.CounterpartAgrees], counts[barter.CounterpartDiffers], counts[barter.CounterpartOursOnly], counts[barter.CounterpartTheirsOnly],
				counts[barter.CounterpartUnknown])
			return nil
		},
	}
	cmd.Flags().StringVar(&country, "country", "", "the partner country whose records these are (ISO 3166-1 alpha-2; required)")
	cmd.Flags().StringVar(&from, "from", "", "the period's first day (default: the first day of the earliest record's month)")
	cmd.Flags().StringVar(&to, "to", "", "the period's last day (default: the last day of the latest record's month)")
	cmd.Flags().StringVar(&tolerance, "tolerance", "0.01", "how far the two sides may differ and still agree, as a fraction of the larger")
	cmd.Flags().StringVar(&format, "format", "table", "output format: table or json")
	return cmd
}

// counterpartPeriod is the period of a comparison: the flags' days, or else the whole
// months the records span.
func counterpartPeriod(records []barter.CounterpartRecord, from, to string) (barter.Date, barter.Date, error) {
	first, last := records[0].Date, records[0].Date
	for _, r := range records[1:] {
		if r.Date.Before(first) {
			first = r.Date
		}
		if r.Date.After(last) {
			last = r.Date
		}
	}
	f, l := first.Time(), last.Time()
	start := barter.DateOf(time.Date(f.Year(), f.Month(), 1, 0, 0, 0, 0, time.UTC))
	end := barter.DateOf(time.Date(l.Year(), l.Month()+1, 0, 0, 0, 0, 0, time.UTC))
	var err error
	if from != "" {
		if start, err = barter.ParseDate(from); err != nil {
			return start, end, barter.Invalid("--from", "%v", err)
		}
	}
	if to != "" {
		if end, err = barter.ParseDate(to); err != nil {
			return start, end, barter.Invalid("--to", "%v", err)
		}
	}
	return start, end, nil
}
