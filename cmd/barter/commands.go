package main

import (
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/barter-clearing/barter"
	barterhttp "github.com/barter-clearing/barter/http"
	"github.com/shopspring/decimal"
	"github.com/spf13/cobra"
)

func (a *app) reconcileCmd() *cobra.Command {
	var asOf string
	cmd := &cobra.Command{
		Use:   "reconcile",
		Short: "Cancel every authorization that is overdue as of a day",
		Long: `Run the net-off check as of a day: every approved authorization past its deadline and
not balanced within its rulebook's tolerance is cancelled, with the reason recorded.
Declarations against a cancelled authorization are rejected from then on.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			day, err := a.asOf(asOf)
			if err != nil {
				return err
			}
			svc, closeFn, err := a.open(cmd.Context())
			if err != nil {
				return err
			}
			defer closeFn()
			run, err := svc.Reconcile(cmd.Context(), day)
			if err != nil {
				return err
			}
			for _, c := range run.Cancelled {
				fmt.Fprintf(a.out, "cancelled %s: %s\n", c.Authorization, c.Reason)
			}
			fmt.Fprintf(a.out, "reconciliation %d as of %s: %d authorizations cancelled\n", run.ID, run.AsOf, len(run.Cancelled))
			return nil
		},
	}
	a.asOfFlag(cmd, &asOf)
	return cmd
}

func (a *app) ledgerCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "ledger", Short: "Inspect the ledger"}
	cmd.AddCommand(&cobra.Command{
		Use:   "rebuild-flows",
		Short: "Recompute from the ledger what each authorization has booked, as kept for posting",
		Long: `Posting checks each declaration against what its authorization has booked so far,
day by day, which barter keeps as it posts. ledger verify reports any authorization whose
kept flows differ from the ledger (changed by hand, say); rebuild-flows recomputes them
all from the ledger. Postings wait while it runs.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			svc, closeFn, err := a.open(cmd.Context())
			if err != nil {
				return err
			}
			defer closeFn()
			n, stale, err := svc.RebuildFlows(cmd.Context())
			if err != nil {
				return err
			}
			fmt.Fprintf(a.out, "rebuilt the flows of %d authorizations; %d had differed from the ledger\n", n, stale)
			return nil
		},
	})
	cmd.AddCommand(&cobra.Command{
		Use:   "verify",
		Short: "Check that every ledger entry balances; exit non-zero if any does not",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			svc, closeFn, err := a.open(cmd.Context())
			if err != nil {
				return err
			}
			defer closeFn()
			r, err := svc.VerifyLedger(cmd.Context())
			if err != nil {
				return err
			}
			for _, u := range r.Unbalanced {
				fmt.Fprintf(a.out, "entry %d (%s) does not balance: postings sum to %s\n", u.ID, u.Ref, barter.FormatHome(u.Sum))
			}
			fmt.Fprintf(a.out, "%d entries, %d postings; debits %s, credits %s\n", r.Entries, r.Postings,
				grouped(r.Debits), grouped(r.Credits.Neg()))
			for _, auth := range r.StaleFlows {
				fmt.Fprintf(a.out, "authorization %s: the flows kept for posting differ from the ledger's\n", auth)
			}
			if !r.OK() {
				fmt.Fprintf(a.out, "ledger verify: FAILED: %d unbalanced entries, %d authorizations with stale flows\n", len(r.Unbalanced), len(r.StaleFlows))
				return errReported
			}
			fmt.Fprintln(a.out, "ledger verify: ok, every entry balances")
			return nil
		},
	})
	return cmd
}

func (a *app) rulebooksCmd() *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   "rulebooks",
		Short: "Show the rulebooks in force: partners, order of the legs, deadline, tolerance",
		Long: `Show the rulebooks in force, one version a regime. Each authorization names its
rulebook, so a change of rules applies to new authorizations and never rewrites old ones.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkFormat(format); err != nil {
				return err
			}
			rbs := barterhttp.NewRulebooks(barter.StandardRulebooks())
			if format == "json" {
				return a.writeJSON(rbs)
			}
			tw := tabwriter.NewWriter(a.out, 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "REGIME\tPARTNERS\tORDER\tNET-OFF DAYS\tTOLERANCE\tCONSORTIUMS\tUNDERTAKING\tDESCRIPTION")
			for _, rb := range rbs {
				order := "any"
				if rb.ImportFirst {
					order = "import first"
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s %%\t%s\t%s\t%s\n", rb.Regime, strings.Join(rb.Partners, ","), order, rb.NetOffDays, decimal.RequireFromString(rb.Tolerance).Shift(2),
					yesNo(rb.Consortiums), yesNo(rb.Undertaking), rb.Description)
			}
			return tw.Flush()
		},
	}
	cmd.Flags().StringVar(&format, "format", "table", "output format: table or json")
	return cmd
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func (a *app) declarationsCmd() *cobra.Command {
	var auth, number, format string
	cmd := &cobra.Command{
		Use:   "declarations",
		Short: "List the goods declarations posted to an authorization, or show one",
		Long: `List the goods declarations posted to one authorization (--authorization), by day and
number: what each declared and customs assessed, the rate applied and its day, its value
in the unit of account and its ledger entry. Values are as first posted; reassessments
are ledger entries of their own, counted in positions.

With --number, show one declaration and each reassessment customs booked to it.`,
		Example: "  barter declarations --authorization BT-4271381-0001\n  barter declarations --authorization BT-4271381-0001 --format json\n  barter declarations --number KPAF-I-2024-103",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if (auth == "") == (number == "") {
				return barter.Invalid("--authorization", "give either --authorization (the declarations of an authorization) or --number (one declaration)")
			}
			if err := checkFormat(format); err != nil {
				return err
			}
			svc, closeFn, err := a.open(cmd.Context())
			if err != nil {
				return err
			}
			defer closeFn()
			var ds []barter.Declaration
			var rs []barter.Reassessment
			if number != "" {
				d, r, err := svc.Declaration(cmd.Context(), number)
				if err != nil {
					return err
				}
				ds, rs = []barter.Declaration{*d}, r
			} else if ds, err = svc.DeclarationsOf(cmd.Context(), auth); err != nil {
				return err
			}
			if format == "json" {
				var out any
				if number != "" {
					out = barterhttp.NewDeclarationRecord(&ds[0], rs)
				} else {
					list := make([]barterhttp.Declaration, len(ds))
					for i := range ds {
						list[i] = barterhttp.NewDeclaration(&ds[i])
					}
					out = list
				}
				return a.writeJSON(out)
			}
			tw := tabwriter.NewWriter(a.out, 0, 0, 2, ' ', tabwriter.AlignRight)
			fmt.Fprintln(tw, "NUMBER\tAUTHORIZATION\tDATE\tDIRECTION\tHS CODE\tQUANTITY\tASSESSED\tRATE\tRATE OF\tVALUE (PKR)\tENTRY\t")
			for _, d := range ds {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s %s\t%s %s\t%s\t%s\t%s\t%d\t\n", d.Number, d.Authorization, d.Date, d.Direction, d.HSCode, d.Quantity, d.Unit,
					d.Assessed, d.Currency, d.Rate, d.RateDate, barter.FormatHome(d.Value), d.Entry)
			}
			if err := tw.Flush(); err != nil {
				return err
			}
			if number == "" {
				fmt.Fprintf(a.out, "%d declarations posted to %s\n", len(ds), auth)
				return nil
			}
			if len(rs) == 0 {
				fmt.Fprintln(a.out, "not reassessed")
				return nil
			}
			fmt.Fprintln(a.out, "\nReassessed:")
			tw = tabwriter.NewWriter(a.out, 0, 0, 2, ' ', tabwriter.AlignRight)
			fmt.Fprintln(tw, "DATE\tASSESSED\tVALUE (PKR)\tCHANGE (PKR)\tENTRY\t")
			for _, r := range rs {
				fmt.Fprintf(tw, "%s\t%s %s\t%s\t%s\t%d\t\n", r.Date, r.Assessed, ds[0].Currency, barter.FormatHome(r.Value), barter.FormatHome(r.Delta), r.Entry)
			}
			return tw.Flush()
		},
	}
	cmd.Flags().StringVar(&auth, "authorization", "", "list the declarations of the authorization with this number")
	cmd.Flags().StringVar(&number, "number", "", "show the declaration with this number and its reassessments")
	cmd.Flags().StringVar(&format, "format", "table", "output format: table or json")
	return cmd
}

func (a *app) declareCmd() *cobra.Command {
	var d barter.Declaration
	var direction, date, qty, declared, assessed string
	cmd := &cobra.Command{
		Use:   "declare",
		Short: "Post one goods declaration against its authorization",
		Long: `Check one goods declaration against its authorization and rulebook, value it at the
rate in force on its date and post it to the ledger. Posting a number again is a no-op
that shows the first posting.`,
		Example: "  barter declare --number GD-1 --authorization BT-1 --direction import --date 2024-10-20 \\\n    --hs-code 071320 --quantity 1000 --unit t --currency USD --declared-value 704000",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			var err error
			if d.Direction, err = barter.ParseDirection("--direction", direction); err != nil {
				return err
			}
			if d.Date, err = barter.ParseDate(date); err != nil {
				return barter.Invalid("--date", "%v", err)
			}
			for _, f := range []struct {
				name, v string
				dst     *barter.Decimal
				scale   int
			}{{"--quantity", qty, &d.Quantity, barter.QuantityScale}, {"--declared-value", declared, &d.Declared, barter.ValueScale}, {"--assessed-value", assessed, &d.Assessed, barter.ValueScale}} {
				if f.v == "" {
					continue
				}
				if *f.dst, err = barter.ParseDecimal(f.v, f.scale); err != nil {
					return barter.Invalid(f.name, "%v", err)
				}
			}
			d.HSCode = barter.NormalizeHS(d.HSCode)
			svc, closeFn, err := a.open(cmd.Context())
			if err != nil {
				return err
			}
			defer closeFn()
			dup, err := svc.PostDeclaration(cmd.Context(), &d)
			if err != nil {
				return err
			}
			verb := "posted"
			if dup {
				verb = "already posted"
			}
			fmt.Fprintf(a.out, "%s %s: %s %s %s at %s = %s PKR (ledger entry %d)\n", verb, d.Number, d.Direction,
				d.Assessed, d.Currency, d.Rate, barter.FormatHome(d.Value), d.Entry)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&d.Number, "number", "", "GD number (required)")
	f.StringVar(&d.Authorization, "authorization", "", "authorization number (required)")
	f.StringVar(&direction, "direction", "", "import or export (required)")
	f.StringVar(&date, "date", "", "declaration date, YYYY-MM-DD (required)")
	f.StringVar(&d.HSCode, "hs-code", "", "HS code, 6 to 10 digits (required)")
	f.StringVar(&qty, "quantity", "", "quantity (required)")
	f.StringVar(&d.Unit, "unit", "", "unit of quantity (required)")
	f.StringVar(&d.Currency, "currency", "", "currency of the values, ISO 4217 (required)")
	f.StringVar(&declared, "declared-value", "", "declared value (required)")
	f.StringVar(&assessed, "assessed-value", "", "assessed value (default: the declared value)")
	return cmd
}

func (a *app) reassessCmd() *cobra.Command {
	var date, value string
	cmd := &cobra.Command{
		Use:   "reassess GD",
		Short: "Record customs' reassessment of a posted declaration as a new ledger entry",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			day, err := a.asOf(date)
			if err != nil {
				return err
			}
			v, err := barter.ParseDecimal(value, barter.ValueScale)
			if err != nil {
				return barter.Invalid("--assessed-value", "%v", err)
			}
			svc, closeFn, err := a.open(cmd.Context())
			if err != nil {
				return err
			}
			defer closeFn()
			r, err := svc.Reassess(cmd.Context(), args[0], v, day)
			if err != nil {
				return err
			}
			if r.Entry == 0 {
				fmt.Fprintf(a.out, "%s is assessed at %s already: value %s PKR, nothing booked\n", r.Declaration, r.Assessed, barter.FormatHome(r.Value))
				return nil
			}
			fmt.Fprintf(a.out, "reassessed %s to %s: value %s PKR (change %s, ledger entry %d)\n", r.Declaration, r.Assessed,
				barter.FormatHome(r.Value), barter.FormatHome(r.Delta), r.Entry)
			return nil
		},
	}
	cmd.Flags().StringVar(&date, "as-of", "", "reassessment date (default today)")
	cmd.Flags().StringVar(&value, "assessed-value", "", "the new assessed value in the declaration's currency (required)")
	return cmd
}

func (a *app) authorizationsCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "authorizations", Aliases: []string{"auth"}, Short: "Apply for, approve, reject and list authorizations"}
	cmd.AddCommand(&cobra.Command{
		Use:   "apply FILE.json",
		Short: "File an application from a JSON file",
		Long: `File an application for a barter authorization. The JSON file holds:
  {"Party": "...", "Counterparty": "...", "Regime": "2025", "ValidUntil": "2025-12-31",
   "Lines": [{"Direction": "import", "HSCode": "071320", "Description": "chickpeas",
              "Quantity": "1000", "Unit": "t", "Value": "704000", "Currency": "USD"}, ...]}`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			b, err := os.ReadFile(args[0])
			if err != nil {
				return barter.Invalid(args[0], "%v", err)
			}
			var app barter.Application
			if err := json.Unmarshal(b, &app); err != nil {
				return barter.Invalid(args[0], "%v", err)
			}
			svc, closeFn, err := a.open(cmd.Context())
			if err != nil {
				return err
			}
			defer closeFn()
			au, err := svc.Apply(cmd.Context(), &app)
			if err != nil {
				return err
			}
			fmt.Fprintf(a.out, "application %d filed for %s with %s (rulebook %s); awaiting customs\n", au.ID, au.Party, au.Counterparty, au.Regime)
			return nil
		},
	})
	var day string
	approve := &cobra.Command{
		Use:   "approve ID",
		Short: "Approve an application: issue its number and start its net-off clock",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := strconv.ParseInt(args[0], 10, 64)
			if err != nil {
				return barter.Invalid("ID", "%q is not an application number", args[0])
			}
			d, err := a.asOf(day)
			if err != nil {
				return err
			}
			svc, closeFn, err := a.open(cmd.Context())
			if err != nil {
				return err
			}
			defer closeFn()
			au, err := svc.Approve(cmd.Context(), id, d)
			if err != nil {
				return err
			}
			fmt.Fprintf(a.out, "approved application %d as %s, issued %s, net-off deadline %s\n", au.ID, au.Number, au.Issued, au.Deadline)
			return nil
		},
	}
	approve.Flags().StringVar(&day, "as-of", "", "issue date (default today)")
	cmd.AddCommand(approve)
	cmd.AddCommand(&cobra.Command{
		Use:   "reject ID REASON",
		Short: "Reject an application with a reason",
		Args:  cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := strconv.ParseInt(args[0], 10, 64)
			if err != nil {
				return barter.Invalid("ID", "%q is not an application number", args[0])
			}
			svc, closeFn, err := a.open(cmd.Context())
			if err != nil {
				return err
			}
			defer closeFn()
			au, err := svc.Reject(cmd.Context(), id, args[1])
			if err != nil {
				return err
			}
			fmt.Fprintf(a.out, "rejected application %d: %s\n", au.ID, au.Reason)
			return nil
		},
	})
	var status string
	list := &cobra.Command{
		Use:   "list",
		Short: "List authorizations and applications",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			svc, closeFn, err := a.open(cmd.Context())
			if err != nil {
				return err
			}
			defer closeFn()
			as, err := svc.Authorizations(cmd.Context(), barter.Status(status))
			if err != nil {
				return err
			}
			tw := tabwriter.NewWriter(a.out, 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tNUMBER\tPARTY\tCOUNTERPARTY\tREGIME\tSTATUS\tISSUED\tDEADLINE\tREASON")
			for _, x := range as {
				fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", x.ID, x.Number, x.Party, x.Counterparty, x.Regime, x.Status, x.Issued, x.Deadline, x.Reason)
			}
			return tw.Flush()
		},
	}
	list.Flags().StringVar(&status, "status", "", "only this status: applied, approved, rejected, cancelled")
	cmd.AddCommand(list)
	return cmd
}
