package main

import (
	"fmt"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/barter-clearing/barter"
	"github.com/barter-clearing/barter/csvfile"
	"github.com/spf13/cobra"
)

func (a *app) clearingCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "clearing",
		Short: "Create, review and commit multilateral clearing runs",
		Long: `A clearing run sets off obligations among many parties optimally (see barter net) and,
once an operator has reviewed it, books the set-off in the ledger in one entry. The run's
input is stored, so it can be reproduced.

  barter clearing create --in obligations.csv     # or --from-positions --as-of DAY
  barter clearing show 1                          # totals, per-party effect, largest cycles
  barter clearing commit 1
  barter clearing verify 1                        # solve the stored input again
  barter clearing settle 1 --settlement pay.csv --pain001 payouts.xml`,
	}
	var in, currency, asOf, unit, rates string
	var fromPositions bool
	create := &cobra.Command{
		Use:   "create",
		Short: "Create a draft run from an obligations CSV or from overdue and cancelled positions",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if (in == "") == !fromPositions {
				return barter.Invalid("--in", "give either --in FILE or --from-positions")
			}
			svc, closeFn, err := a.open(cmd.Context())
			if err != nil {
				return err
			}
			defer closeFn()
			var r *barter.ClearingRun
			if fromPositions {
				if unit != "" || rates != "" {
					return barter.Invalid("--unit", "positions owe in the unit of account already; --unit and --rates go with --in")
				}
				day, err := a.asOf(asOf)
				if err != nil {
					return err
				}
				if r, err = svc.CreateClearingRunFromPositions(cmd.Context(), day); err != nil {
					return err
				}
			} else {
				obs, err := a.readObligations(in, currency)
				if err != nil {
					return err
				}
				source := in
				if unit != "" || rates != "" {
					day, err := a.asOf(asOf)
					if err != nil {
						return err
					}
					if err := a.convertToUnit(obs, settleOptions{unit: unit, rates: rates}, day); err != nil {
						return err
					}
					source += " in " + unit
				}
				if r, err = svc.CreateClearingRun(cmd.Context(), source, obs); err != nil {
					return err
				}
			}
			fmt.Fprintf(a.out, "created clearing run %d (draft) from %s\n\n", r.ID, r.Source)
			a.review(svc, r, 10, 5)
			fmt.Fprintf(a.out, "\nReview it, then: barter clearing commit %d\n", r.ID)
			return nil
		},
	}
	create.Flags().StringVar(&in, "in", "", "obligations CSV: id,debtor,creditor,amount[,currency]")
	create.Flags().StringVar(&currency, "currency", "PKR", "currency of rows without one")
	create.Flags().BoolVar(&fromPositions, "from-positions", false, "take obligations from overdue and cancelled authorizations")
	create.Flags().StringVar(&unit, "unit", "", "clear all currencies together in this unit of account (needs --rates)")
	create.Flags().StringVar(&rates, "rates", "", "rates CSV (date,currency,rate) for --unit; the latest on or before --as-of applies")
	a.asOfFlag(create, &asOf)

	var parties, cycles int
	show := &cobra.Command{
		Use:   "show RUN",
		Short: "Review a run: totals, per-party effect and the largest cycles set off",
		Args:  cobra.ExactArgs(1),
		RunE: a.withID("run", func(cmd *cobra.Command, svc *barter.Service, id int64) error {
			r, err := svc.ClearingRun(cmd.Context(), id)
			if err != nil {
				return err
			}
			a.review(svc, r, parties, cycles)
			return nil
		}),
	}
	show.Flags().IntVar(&parties, "parties", 20, "how many parties to show, largest first")
	show.Flags().IntVar(&cycles, "cycles", 10, "how many of the largest cycles to show")

	var day string
	commit := &cobra.Command{
		Use:   "commit RUN",
		Short: "Book a reviewed run's set-off in the ledger",
		Args:  cobra.ExactArgs(1),
		RunE: a.withID("run", func(cmd *cobra.Command, svc *barter.Service, id int64) error {
			d, err := a.asOf(day)
			if err != nil {
				return err
			}
			r, err := svc.CommitClearingRun(cmd.Context(), id, d)
			if err != nil {
				return err
			}
			fmt.Fprintf(a.out, "committed clearing run %d on %s as ledger entry %d\n", r.ID, r.Committed, r.Entry)
			return nil
		}),
	}
	commit.Flags().StringVar(&day, "as-of", "", "booking day (default today)")

	verify := &cobra.Command{
		Use:   "verify RUN",
		Short: "Solve a run's stored input again and check that it clears the same",
		Args:  cobra.ExactArgs(1),
		RunE: a.withID("run", func(cmd *cobra.Command, svc *barter.Service, id int64) error {
			ok, err := svc.ReproduceClearingRun(cmd.Context(), id)
			if err != nil {
				return err
			}
			if !ok {
				fmt.Fprintf(a.out, "clearing run %d: NOT reproduced: the stored input clears a different total\n", id)
				return errReported
			}
			fmt.Fprintf(a.out, "clearing run %d: reproduced; the stored input clears the same totals\n", id)
			return nil
		}),
	}
	list := &cobra.Command{
		Use:   "list",
		Short: "List clearing runs",
		Args:  cobra.NoArgs,
		RunE: a.withService(func(cmd *cobra.Command, svc *barter.Service, args []string) error {
			rs, err := svc.ClearingRuns(cmd.Context())
			if err != nil {
				return err
			}
			tw := tabwriter.NewWriter(a.out, 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "RUN\tCREATED\tSTATUS\tCOMMITTED\tENTRY\tSOURCE")
			for _, r := range rs {
				fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%d\t%s\n", r.ID, r.Created.Format("2006-01-02 15:04"), r.Status, r.Committed, r.Entry, r.Source)
			}
			return tw.Flush()
		}),
	}
	var so settleOptions
	settle := &cobra.Command{
		Use:   "settle RUN",
		Short: "Write the payments that settle what a committed run leaves, as CSV and pain.001",
		Long: `Write the payments that settle what a committed run leaves: each net debtor pays the
clearing house, and the clearing house pays each net creditor. --settlement writes them
all as CSV (payer,payee,amount,currency); --pain001 writes the clearing house's payouts as
an ISO 20022 pain.001 credit-transfer message. Without either, the payments are listed.`,
		Args: cobra.ExactArgs(1),
		RunE: a.withID("run", func(cmd *cobra.Command, svc *barter.Service, id int64) error {
			execution, err := a.executionDate(so)
			if err != nil {
				return err
			}
			_, ps, err := svc.SettleClearingRun(cmd.Context(), id, so.clearingHouse)
			if err != nil {
				return err
			}
			if so.csv == "" && so.pain001 == "" {
				tw := tabwriter.NewWriter(a.out, 0, 0, 2, ' ', tabwriter.AlignRight)
				fmt.Fprintln(tw, "PAYER\tPAYEE\tAMOUNT\tCURRENCY\t")
				for _, p := range ps {
					fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t\n", p.Payer, p.Payee, groupedMinor(p.Amount), p.Currency)
				}
				return tw.Flush()
			}
			if err := writeSettlement(so, ps, a.now(), execution, a.errOut); err != nil {
				return err
			}
			fmt.Fprintf(a.out, "clearing run %d: %d payments settle what it leaves\n", id, len(ps))
			return nil
		}),
	}
	settle.Flags().StringVar(&so.csv, "settlement", "", "write the payments (payer,payee,amount,currency) here")
	settle.Flags().StringVar(&so.pain001, "pain001", "", "write the clearing house's payouts as ISO 20022 pain.001 XML here")
	settle.Flags().StringVar(&so.clearingHouse, "clearing-house", "CLEARING-HOUSE", "name of the clearing house in the payments")
	settle.Flags().StringVar(&so.execution, "execution-date", "", "day the payouts are to be executed (default today)")
	cmd.AddCommand(create, show, commit, verify, list, settle)
	return cmd
}

// withID parses the ID argument, a number of the noun given (for messages), and opens
// the service.
func (a *app) withID(noun string, fn func(cmd *cobra.Command, svc *barter.Service, id int64) error) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, args []string) error {
		id, err := strconv.ParseInt(args[0], 10, 64)
		if err != nil {
			return barter.Invalid("ID", "%q is not a %s number", args[0], noun)
		}
		return a.withService(func(cmd *cobra.Command, svc *barter.Service, _ []string) error { return fn(cmd, svc, id) })(cmd, args)
	}
}

// withService opens the service for a command and closes it after.
func (a *app) withService(fn func(cmd *cobra.Command, svc *barter.Service, args []string) error) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, args []string) error {
		svc, closeFn, err := a.open(cmd.Context())
		if err != nil {
			return err
		}
		defer closeFn()
		return fn(cmd, svc, args)
	}
}

// readObligations reads an obligations CSV, reporting every bad row.
func (a *app) readObligations(path, currency string) ([]barter.Obligation, error) {
	obs, err := readCSV(a, path, csvfile.Obligations, uniqueIDs("id", func(o *barter.Obligation) string { return o.ID }))
	for i := range obs {
		if obs[i].Currency == "" {
			obs[i].Currency = currency
		}
	}
	return obs, err
}

// review prints a run's totals, the parties it affects most and its largest cycles.
func (a *app) review(svc *barter.Service, r *barter.ClearingRun, parties, cycles int) {
	fmt.Fprintf(a.out, "Clearing run %d, %s, from %s: %d obligations\n", r.ID, r.Status, r.Source, len(r.Obligations))
	currencies := svc.Review(r, cycles)
	tw := tabwriter.NewWriter(a.out, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "CURRENCY\tGROSS\tCLEARED\tRESIDUAL\tCLEARED %\t")
	for _, c := range currencies {
		pct := "-"
		if c.Gross > 0 {
			pct = c.ClearedPercent().StringFixed(1)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t\n", c.Currency, groupedMinor(c.Gross), groupedMinor(c.Cleared), groupedMinor(c.Residual), pct)
	}
	tw.Flush()
	effects := r.Effects()
	fmt.Fprintf(a.out, "\nParties (%d, largest first): the run sets off what each owes against what it is owed; net positions do not change\n", len(effects))
	tw = tabwriter.NewWriter(a.out, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "PARTY\tCURRENCY\tOWES\tOWED\tSET OFF\tOWES AFTER\tOWED AFTER\tNET\t")
	for i, e := range effects {
		if i == parties {
			break
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t\n", e.Party, e.Currency, groupedMinor(e.Owes), groupedMinor(e.Owed),
			groupedMinor(e.Cleared), groupedMinor(e.Owes-e.Cleared), groupedMinor(e.Owed-e.Cleared), groupedMinor(e.Net))
	}
	tw.Flush()
	for _, c := range currencies {
		if len(c.Cycles) == 0 {
			continue
		}
		fmt.Fprintf(a.out, "\nLargest cycles set off in %s (%d found):\n", c.Currency, c.Loops)
		for _, cy := range c.Cycles {
			fmt.Fprintf(a.out, "  %s %s: %s -> %s\n", groupedMinor(cy.Amount), c.Currency, strings.Join(cy.Parties, " -> "), cy.Parties[0])
		}
	}
}

func groupedMinor(n int64) string { return grouped(barter.FromMinorUnits(n)) }
