package main

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"strconv"
	"text/tabwriter"

	"github.com/barter-clearing/barter"
	"github.com/barter-clearing/barter/sanctions"
	"github.com/spf13/cobra"
)

func (a *app) sanctionsCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "sanctions",
		Short: "Screen parties against the UN sanctions list; confirm or clear possible matches",
		Long: `Load versions of the United Nations Security Council Consolidated List (its published
XML) and screen every party against the newest: when a list is loaded, and when a party
is registered. Each possible match is a hit, open until customs confirm it (the party
is the one listed) or clear it (a namesake). While a party has an open or confirmed hit,
no authorization of it is approved and its offers are left out of matching.

  barter sanctions load consolidated.xml
  barter sanctions hits --status open
  barter sanctions clear ASG QDe.001 --reason "a sports club in Sialkot, registered 1998"
  barter sanctions confirm XYZ QDe.144 --reason "same registration number"
  barter sanctions screen --list consolidated.xml     # a dry run: nothing is stored`,
	}
	var list, format string
	var threshold float64
	screen := &cobra.Command{
		Use:   "screen --list FILE",
		Short: "Screen every registered party's name against the UN consolidated sanctions list",
		Long: `Screen every registered party's name against a version of the United Nations Security
Council Consolidated List, in its published XML format (https://scsanctions.un.org/resources/xml/en/consolidated.xml).

Names are compared word by word: in capitals, without accents, punctuation, the legal
forms of companies (LLC, Ltd, OOO, ...) or honorifics (Haji, Mullah, ...), common
transliterations made one (Mohammed, Muhammad), words run together matched to their
parts; each pair of words is scored by Jaro-Winkler similarity and weighted by how rare
the word is on the list. Each score at or above --threshold is a possible match for a
customs officer to confirm or clear: screening finds, it does not judge. The exit status
is 0 either way.`,
		Example: "  barter sanctions screen --list consolidated.xml\n  barter sanctions screen --list consolidated.xml --threshold 0.95 --format json",
		Args:    cobra.NoArgs,
		RunE: a.withService(func(cmd *cobra.Command, svc *barter.Service, _ []string) error {
			if threshold <= 0 || threshold > 1 {
				return barter.Invalid("--threshold", "%v is not a score above 0 and at most 1", threshold)
			}
			if err := checkFormat(format); err != nil {
				return err
			}
			l, err := readUNList(list)
			if err != nil {
				return err
			}
			parties, err := svc.Parties(cmd.Context())
			if err != nil {
				return err
			}
			s := sanctions.NewScreener(l)
			type hit struct {
				Party    string `json:"party"`
				Name     string `json:"name"`
				Country  string `json:"country"`
				Ref      string `json:"ref"`
				Kind     string `json:"kind"`
				Listed   string `json:"listed"`
				ListedOn string `json:"listed_on"`
				Score    string `json:"score"`
			}
			hits := []hit{}
			flagged := 0
			for _, p := range parties {
				hs := s.Screen(p.Name, float32(threshold))
				if len(hs) > 0 {
					flagged++
				}
				for _, h := range hs {
					hits = append(hits, hit{p.ID, p.Name, p.Country, h.Entry.Ref, string(h.Entry.Kind), h.Listed, h.Entry.ListedOn,
						strconv.FormatFloat(float64(h.Score), 'f', 3, 32)})
				}
			}
			version := l.Generated.UTC().Format("2006-01-02 15:04 UTC")
			if format == "json" {
				return a.writeJSON(struct {
					List     string `json:"list"`
					Version  string `json:"version"`
					Entries  int    `json:"entries"`
					Screened int    `json:"screened"`
					Flagged  int    `json:"flagged"`
					Hits     []hit  `json:"hits"`
				}{l.Source, l.Generated.UTC().Format("2006-01-02T15:04:05Z"), len(l.Entries), len(parties), flagged, hits})
			}
			fmt.Fprintf(a.out, "Screened %d parties against the %s of %s (%d entries): %d with possible matches.\n",
				len(parties), l.Source, version, len(l.Entries), flagged)
			if len(hits) == 0 {
				return nil
			}
			fmt.Fprintln(a.out)
			tw := tabwriter.NewWriter(a.out, 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "PARTY\tNAME\tCOUNTRY\tSCORE\tLIST REF\tLISTED AS\tLISTED ON")
			for _, h := range hits {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", h.Party, h.Name, h.Country, h.Score, h.Ref, h.Listed, h.ListedOn)
			}
			if err := tw.Flush(); err != nil {
				return err
			}
			fmt.Fprintln(a.out, "\nEach is a possible match for a customs officer to confirm or clear.")
			return nil
		}),
	}
	screen.Flags().StringVar(&list, "list", "", "the UN consolidated list, XML")
	screen.Flags().Float64Var(&threshold, "threshold", 0.9, "the least score (0 to 1] reported as a possible match")
	screen.Flags().StringVar(&format, "format", "table", "table or json")
	screen.MarkFlagRequired("list")
	load := &cobra.Command{
		Use:   "load FILE",
		Short: "Load a version of the UN consolidated list and screen every party against it",
		Args:  cobra.ExactArgs(1),
		RunE: a.withService(func(cmd *cobra.Command, svc *barter.Service, args []string) error {
			l, err := readUNList(args[0])
			if err != nil {
				return err
			}
			rep, err := svc.LoadSanctions(cmd.Context(), l)
			if err != nil {
				return err
			}
			what := "loaded"
			if !rep.Loaded {
				what = "already loaded"
			}
			fmt.Fprintf(a.out, "%s: the list of %s (%d entries), %s; screened %d parties: %d new possible matches\n",
				args[0], rep.Version, rep.Entries, what, rep.Screened, rep.Hits)
			if rep.Hits > 0 {
				fmt.Fprintln(a.out, "See them with: barter sanctions hits --status open")
			}
			return nil
		}),
	}
	var status string
	hits := &cobra.Command{
		Use:   "hits",
		Short: "List the possible matches on the newest list",
		Args:  cobra.NoArgs,
		RunE: a.withService(func(cmd *cobra.Command, svc *barter.Service, _ []string) error {
			hs, err := svc.ScreeningHits(cmd.Context(), barter.HitStatus(status))
			if err != nil {
				return err
			}
			if len(hs) == 0 {
				fmt.Fprintln(a.out, "no hits")
				return nil
			}
			tw := tabwriter.NewWriter(a.out, 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "PARTY\tNAME\tSCORE\tLIST REF\tLISTED AS\tSTATUS\tDECIDED BY\tREASON")
			for _, h := range hs {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", h.Party, h.Name, h.Score, h.Ref, h.Listed, h.Status, h.DecidedBy, h.Reason)
			}
			return tw.Flush()
		}),
	}
	hits.Flags().StringVar(&status, "status", "", "only open, confirmed or cleared hits")
	decide := func(use, short string, confirm bool) *cobra.Command {
		var reason string
		c := &cobra.Command{
			Use:   use + " PARTY REF --reason TEXT",
			Short: short,
			Args:  cobra.ExactArgs(2),
			RunE: a.withService(func(cmd *cobra.Command, svc *barter.Service, args []string) error {
				h, err := svc.DecideHit(cmd.Context(), args[0], args[1], confirm, reason)
				if err != nil {
					return err
				}
				fmt.Fprintf(a.out, "%s on %s: %s\n", h.Party, h.Ref, h.Status)
				return nil
			}),
		}
		c.Flags().StringVar(&reason, "reason", "", "why (required)")
		return c
	}
	cmd.AddCommand(screen, load, hits, decide("confirm", "Confirm a hit: the party is the one listed, and stays blocked", true),
		decide("clear", "Clear a hit: the party is a namesake, not the one listed", false))
	return cmd
}

// readUNList reads a version of the UN consolidated list from a file.
func readUNList(path string) (*sanctions.List, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, barter.Invalid(path, "%v", errors.Unwrap(err))
	}
	defer f.Close()
	l, err := sanctions.ParseUN(bufio.NewReaderSize(f, 1<<20))
	if err != nil {
		return nil, barter.Invalid(path, "%v", err)
	}
	return l, nil
}
