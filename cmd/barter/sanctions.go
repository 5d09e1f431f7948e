package main

import (
	"bufio"
	"encoding/json"
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
		Short: "Screen the registry's parties against a sanctions list",
	}
	var list, format string
	var threshold float64
	screen := &cobra.Command{
		Use:   "screen --list FILE",
		Short: "Screen every registered party's name against the UN consolidated sanctions list",
		Long: `Screen every registered party's name against a version of the United Nations Security
Council Consolidated List, in its published XML format (https://scsanctions.un.org/resources/xml/en/consolidated.xml).

Names are compared as words: in capitals, without accents, punctuation or the legal
forms of companies (LLC, Ltd, OOO, ...), in any order; names and aliases with a word of
three letters or more in common are scored by Jaro-Winkler similarity, 1 for the same
words. Each score at or above --threshold is a possible match for a customs officer to
confirm or clear: screening finds, it does not judge. The exit status is 0 either way.`,
		Example: "  barter sanctions screen --list consolidated.xml\n  barter sanctions screen --list consolidated.xml --threshold 0.95 --format json",
		Args:    cobra.NoArgs,
		RunE: a.withService(func(cmd *cobra.Command, svc *barter.Service, _ []string) error {
			if threshold <= 0 || threshold > 1 {
				return barter.Invalid("--threshold", "%v is not a score above 0 and at most 1", threshold)
			}
			if format != "table" && format != "json" {
				return barter.Invalid("--format", "%q is not table or json", format)
			}
			f, err := os.Open(list)
			if err != nil {
				return barter.Invalid("--list", "%v", errors.Unwrap(err))
			}
			defer f.Close()
			l, err := sanctions.ParseUN(bufio.NewReaderSize(f, 1<<20))
			if err != nil {
				return barter.Invalid("--list", "%s: %v", list, err)
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
				enc := json.NewEncoder(a.out)
				enc.SetIndent("", "  ")
				return enc.Encode(struct {
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
	cmd.AddCommand(screen)
	return cmd
}
