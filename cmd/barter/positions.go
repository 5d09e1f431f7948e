package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"runtime/debug"
	"strings"
	"text/tabwriter"

	"github.com/barter-clearing/barter"
	barterhttp "github.com/barter-clearing/barter/http"
	"github.com/spf13/cobra"
)

func (a *app) positionsCmd() *cobra.Command {
	var asOf, format, status, party string
	cmd := &cobra.Command{
		Use:   "positions",
		Short: "Show each authorization's net-off position as of a day",
		Long: `Show, for every issued authorization, the imports and exports booked up to the day,
the imbalance (exports - imports, in the unit of account), the net-off deadline, the days
left, and the status: balanced, open (before the deadline), overdue, or cancelled.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			day, err := a.asOf(asOf)
			if err != nil {
				return err
			}
			if err := checkFormat(format); err != nil {
				return err
			}
			// Positions of a whole book are built and dropped at once; collecting less
			// often is faster and the memory is there.
			debug.SetGCPercent(400)
			svc, closeFn, err := a.open(cmd.Context())
			if err != nil {
				return err
			}
			defer closeFn()
			ps, err := svc.Positions(cmd.Context(), day)
			if err != nil {
				return err
			}
			if status != "" || party != "" {
				kept := ps[:0]
				for _, p := range ps {
					if (status == "" || string(p.Status) == status) && (party == "" || p.Party == party || p.Counterparty == party) {
						kept = append(kept, p)
					}
				}
				ps = kept
			}
			if format == "json" {
				return writePositionsJSON(a.out, ps)
			}
			return writePositionsTable(a.out, ps, day)
		},
	}
	a.asOfFlag(cmd, &asOf)
	cmd.Flags().StringVar(&format, "format", "table", "output format: table or json")
	cmd.Flags().StringVar(&status, "status", "", "show only positions with this status (balanced, open, overdue, cancelled)")
	cmd.Flags().StringVar(&party, "party", "", "show only the authorizations of this party, as trader or counterparty")
	return cmd
}

func writePositionsJSON(w io.Writer, ps []barter.Position) error {
	out := make([]barterhttp.Position, len(ps))
	for i := range ps {
		out[i] = barterhttp.NewPosition(&ps[i])
	}
	// One object a line: readable, and compact enough for a hundred thousand positions.
	bw := bufio.NewWriterSize(w, 1<<16)
	bw.WriteString("[")
	for i := range out {
		if i > 0 {
			bw.WriteString(",")
		}
		b, err := json.Marshal(&out[i])
		if err != nil {
			return err
		}
		bw.WriteString("\n  ")
		bw.Write(b)
	}
	bw.WriteString("\n]\n")
	return bw.Flush()
}

func writePositionsTable(w io.Writer, ps []barter.Position, day barter.Date) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "AUTHORIZATION\tPARTY\tCOUNTERPARTY\tREGIME\tIMPORTS\tEXPORTS\tIMBALANCE\tDEADLINE\tDAYS LEFT\tSTATUS\tTO BALANCE\t\n")
	counts := map[barter.PositionStatus]int{}
	for _, p := range ps {
		counts[p.Status]++
		due := ""
		if p.ExportsDue.IsPositive() {
			due = "export " + grouped(p.ExportsDue)
		} else if p.ImportsDue.IsPositive() {
			due = "import " + grouped(p.ImportsDue)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%d\t%s\t%s\t\n", p.Authorization, p.Party, p.Counterparty, p.Regime,
			grouped(p.Imports), grouped(p.Exports), grouped(p.Imbalance), p.Deadline, p.DaysLeft, p.Status, due)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(w, "%d authorizations as of %s: %d balanced, %d open, %d overdue, %d cancelled (amounts in PKR; to balance: what more of which leg would)\n", len(ps), day,
		counts[barter.PositionBalanced], counts[barter.PositionOpen], counts[barter.PositionOverdue], counts[barter.PositionCancelled])
	return nil
}

// grouped formats an amount with 2 decimals and thousands separators for reading.
func grouped(d barter.Decimal) string {
	s := barter.FormatHome(d)
	sign := ""
	if strings.HasPrefix(s, "-") {
		sign, s = "-", s[1:]
	}
	intPart, frac, _ := strings.Cut(s, ".")
	var b strings.Builder
	for i, c := range intPart {
		if i > 0 && (len(intPart)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return sign + b.String() + "." + frac
}
