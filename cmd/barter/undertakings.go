package main

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/barter-clearing/barter"
)

func (a *app) undertakingsCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "undertakings",
		Short: "File undertakings that foreign parties are not sanctioned (2025 amendment), and list them",
		Long: `Under the 2025 amendment the trader, the consortium or a chamber of commerce undertakes
that the foreign party is not a sanctioned entity (UN and others, as the Ministry of
Foreign Affairs notifies). Customs approve an application under the 2025 rulebook only
with such an undertaking on file for its counterparty, given by the applicant or by a
chamber, signed on or before the day of approval. --document keeps the SHA-256 of the
signed document, so that the paper can be matched to the record later.

  barter undertakings add --counterparty ROSTOV --giver LRM --signatory "A. Khan, director" --day 2025-01-10
  barter undertakings add --counterparty KAZAN --chamber "Lahore Chamber of Commerce" --signatory "Secretary" --day 2025-01-10 --document signed.pdf
  barter undertakings list [--counterparty ROSTOV]`,
	}
	var u barter.Undertaking
	var day, document string
	add := &cobra.Command{
		Use:   "add",
		Short: "File an undertaking",
		Args:  cobra.NoArgs,
		RunE: a.withService(func(cmd *cobra.Command, svc *barter.Service, args []string) error {
			d, err := barter.ParseDate(day)
			if err != nil {
				return barter.Invalid("--day", "%v", err)
			}
			u.Day = d
			if document != "" {
				if u.Document, err = fileDigest(document); err != nil {
					return barter.Invalid("--document", "%v", err)
				}
			}
			out, err := svc.RecordUndertaking(cmd.Context(), &u)
			if err != nil {
				return err
			}
			fmt.Fprintf(a.out, "undertaking %d filed: %s vouches that %s is not a sanctioned entity (signed %s by %s)\n",
				out.ID, out.GivenBy(), out.Counterparty, out.Day, out.Signatory)
			return nil
		}),
	}
	add.Flags().StringVar(&u.Counterparty, "counterparty", "", "the foreign party it vouches for")
	add.Flags().StringVar(&u.Giver, "giver", "", "the home trader or consortium that gives it")
	add.Flags().StringVar(&u.Chamber, "chamber", "", "the chamber that gives it, instead of a party")
	add.Flags().StringVar(&u.Signatory, "signatory", "", "who signed it, and in what capacity")
	add.Flags().StringVar(&day, "day", "", "the day it was signed, YYYY-MM-DD")
	add.Flags().StringVar(&u.Text, "text", "", "its text")
	add.Flags().StringVar(&document, "document", "", "the signed document, to keep its SHA-256")
	add.MarkFlagRequired("counterparty")
	add.MarkFlagRequired("signatory")
	add.MarkFlagRequired("day")
	var counterparty string
	list := &cobra.Command{
		Use:   "list",
		Short: "List the undertakings on file",
		Args:  cobra.NoArgs,
		RunE: a.withService(func(cmd *cobra.Command, svc *barter.Service, args []string) error {
			us, err := svc.Undertakings(cmd.Context(), counterparty)
			if err != nil {
				return err
			}
			if len(us) == 0 {
				fmt.Fprintln(a.out, "no undertakings on file")
				return nil
			}
			tw := tabwriter.NewWriter(a.out, 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tCOUNTERPARTY\tGIVEN BY\tSIGNED\tSIGNATORY\tDOCUMENT")
			for _, u := range us {
				doc := u.Document
				if len(doc) > 12 {
					doc = doc[:12] + "…"
				}
				fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\n", u.ID, u.Counterparty, u.GivenBy(), u.Day, u.Signatory, doc)
			}
			return tw.Flush()
		}),
	}
	list.Flags().StringVar(&counterparty, "counterparty", "", "only those for this foreign party")
	cmd.AddCommand(add, list)
	return cmd
}

// fileDigest returns the SHA-256 of a file, in hex.
func fileDigest(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
