package main

import (
	"bytes"
	"embed"
	"fmt"

	"github.com/barter-clearing/barter"
	"github.com/barter-clearing/barter/csvfile"
	"github.com/spf13/cobra"
)

// demoFiles is a demo built from published figures of Pakistan's barter trade with
// Russia, Afghanistan and Iran: Pakistan-Russia trade of about $920M in FY23 ($846M of it
// imports), Russian wheat at about $355/t, a 100,000 t crude cargo paid in yuan, pulses at
// about $704/t, rice at about $667/t and kinnow at about $500/t, the October 2024 deal of
// chickpeas and lentils against rice, mandarins and potatoes, Afghan coal and Iranian LPG.
// rejected.csv holds declarations that the rules turn down.
//
// demo/consortium holds the consortium's authorization, loaded once its members and its
// counterparty's undertaking are on file: wheat from Russia against the lead's rice and
// a member's kinnow, pooled.
//
//go:embed demo/*.csv demo/consortium/*.csv
var demoFiles embed.FS

const demoAsOf = "2025-01-31"

func (a *app) demoCmd() *cobra.Command {
	var asOf string
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Load the demo clearing house and show its positions",
		Long: `Load a demo built from published trade figures (Pakistan with Russia, Afghanistan and
Iran): traders and counterparties, exchange rates, authorizations under the 2023 and 2025
rulebooks, goods declarations, offers for matching, and a consortium of two traders whose
authorization pools their exports. Then try some declarations that the rules reject
(import-first violations among them) and show the positions: balanced, open and overdue.
Loading again is harmless: rows already present are skipped.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			day, err := barter.ParseDate(asOf)
			if err != nil {
				return barter.Invalid("--as-of", "%v", err)
			}
			svc, closeFn, err := a.open(ctx)
			if err != nil {
				return err
			}
			defer closeFn()
			fmt.Fprintf(a.out, "Loading the demo into %s\n", redact(a.dsn))
			kinds := importKinds()
			for _, k := range importOrder {
				if err := a.importData(cmd, svc, "demo/"+k+".csv", k, kinds[k]); err != nil {
					return err
				}
			}
			// A consortium under the 2025 amendment: the rice mill leads, the kinnow
			// exporter joins, and they trade with Russia.
			demoConsortium := barter.ConsortiumOf("PKAGRI", "RU", "LRM", []string{"SKINNOW"})
			if err := svc.RegisterConsortium(ctx, demoConsortium); err != nil {
				return err
			}
			fmt.Fprintf(a.out, "consortium %s: members %s (lead) and SKINNOW, trading with %s\n", demoConsortium.ID, demoConsortium.Lead(), demoConsortium.Partner)
			// Customs approve under the 2025 rulebook only with an undertaking on file that
			// the counterparty is not sanctioned: the chambers' federation vouches for the
			// demo's foreign parties (once: loading again finds them on file).
			const chamber = "Federation of Pakistan Chambers of Commerce and Industry"
			filed := 0
			for _, f := range []string{"ASTARTA", "KABULCOAL", "KAZAN", "ROSTOV", "VOLGAOIL", "ZAHEDAN"} {
				have, err := svc.Undertakings(ctx, f)
				if err != nil {
					return err
				}
				if len(have) > 0 {
					continue
				}
				if _, err := svc.RecordUndertaking(ctx, &barter.Undertaking{Chamber: chamber, Counterparty: f, Day: barter.MustDate("2023-06-01"),
					Signatory: "Secretary General", Text: f + " is not a sanctioned entity as notified by the Ministry of Foreign Affairs"}); err != nil {
					return err
				}
				filed++
			}
			fmt.Fprintf(a.out, "undertakings: %d filed by the %s\n", filed, chamber)
			fmt.Fprintf(a.out, "consortium %s's trade, pooled:\n", demoConsortium.ID)
			for _, k := range []string{"authorizations", "lines", "declarations"} {
				if err := a.importData(cmd, svc, "demo/consortium/"+k+".csv", k, kinds[k]); err != nil {
					return err
				}
			}
			fmt.Fprintln(a.out, "\nDeclarations the rules reject:")
			b, err := demoFiles.ReadFile("demo/rejected.csv")
			if err != nil {
				return err
			}
			rows, err := csvfile.Declarations(bytes.NewReader(b))
			if err != nil {
				return err
			}
			for r := range rows {
				d := r.Value
				if r.Err != nil {
					return r.Err
				}
				if _, err := svc.PostDeclaration(ctx, &d); err == nil {
					return fmt.Errorf("demo: declaration %s was accepted; the demo expects the rules to reject it", d.Number)
				} else if barter.ErrorCode(err) == barter.EInternal {
					return err
				} else {
					fmt.Fprintf(a.out, "  %s (%s %s, %s %s): %s\n", d.Number, d.Direction, d.Authorization, d.Declared, d.Currency, barter.ErrorMessage(err))
				}
			}
			ps, err := svc.Positions(ctx, day)
			if err != nil {
				return err
			}
			fmt.Fprintf(a.out, "\nPositions as of %s:\n", day)
			if err := writePositionsTable(a.out, ps, day); err != nil {
				return err
			}
			fmt.Fprintf(a.out, "\nNext: barter positions --as-of %s --format json; barter reconcile --as-of %s; barter ledger verify\n", day, day)
			fmt.Fprintln(a.out, "Clearing: barter clearing create --in cmd/barter/demo/obligations.csv (or --from-positions)")
			fmt.Fprintf(a.out, "Matching: barter proposals create --as-of %s (the offers are loaded; see barter offers);\n", day)
			fmt.Fprintf(a.out, "  answer and list with --as-of %s too: the demo lives on that day, and by today its proposals would have expired\n", day)
			fmt.Fprintf(a.out, "Web pages and JSON API: barter serve --today %s, then open http://127.0.0.1:8080/\n", day)
			return nil
		},
	}
	cmd.Flags().StringVar(&asOf, "as-of", demoAsOf, "the day to show positions as of")
	return cmd
}

// importData imports one embedded file (a path in demoFiles) through the same path as
// `barter import`.
func (a *app) importData(cmd *cobra.Command, svc *barter.Service, file, kind string, imp importer) error {
	data, err := demoFiles.ReadFile(file)
	if err != nil {
		return err
	}
	rep, err := imp.run(cmd.Context(), svc, bytes.NewReader(data), barter.ImportOptions{
		OnError: func(e barter.RowError) {
			fmt.Fprintf(a.errOut, "%s:%d: %s: %s\n", file, e.Line, e.Field, e.Reason)
		},
	})
	if err != nil {
		return fmt.Errorf("demo %s: %w", kind, err)
	}
	fmt.Fprintf(a.out, "  %-15s %3d new, %3d already present\n", kind, rep.Written, rep.Duplicates)
	return nil
}
