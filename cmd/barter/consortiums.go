package main

import (
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/barter-clearing/barter"
)

func (a *app) consortiumsCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "consortiums",
		Short: "Record the members of consortiums (2025 amendment) and list them",
		Long: `Under the 2025 amendment, two or more private entities may trade together as a
consortium, jointly and severally responsible, with entities of a single trading partner.
The consortium is registered as a party of kind consortium (barter import parties); its
members and partner country are recorded here. A consortium may hold authorizations only
once its members are recorded, and only with counterparties in its partner country.

  barter consortiums add KPCONS --partner RU --lead LRM --members LRM,LHRCEMENT
  barter consortiums list`,
	}
	var partner, lead string
	var members []string
	add := &cobra.Command{
		Use:   "add ID",
		Short: "Record (or replace) the members and partner country of a consortium party",
		Args:  cobra.ExactArgs(1),
		RunE: a.withService(func(cmd *cobra.Command, svc *barter.Service, args []string) error {
			c := barter.ConsortiumOf(args[0], partner, lead, members)
			if err := svc.RegisterConsortium(cmd.Context(), c); err != nil {
				return err
			}
			fmt.Fprintf(a.out, "consortium %s: %d members, led by %s, trading with %s\n", c.ID, len(c.Members), c.Lead(), c.Partner)
			return nil
		}),
	}
	add.Flags().StringVar(&partner, "partner", "", "the one country its counterparties are in (ISO 3166-1 alpha-2)")
	add.Flags().StringVar(&lead, "lead", "", "the lead member's party ID")
	add.Flags().StringSliceVar(&members, "members", nil, "the members' party IDs, comma-separated (the lead may be left out)")
	add.MarkFlagRequired("partner")
	add.MarkFlagRequired("lead")
	list := &cobra.Command{
		Use:   "list",
		Short: "List the consortiums with their members, the lead first",
		Args:  cobra.NoArgs,
		RunE: a.withService(func(cmd *cobra.Command, svc *barter.Service, args []string) error {
			cs, err := svc.Consortiums(cmd.Context())
			if err != nil {
				return err
			}
			if len(cs) == 0 {
				fmt.Fprintln(a.out, "no consortiums recorded")
				return nil
			}
			tw := tabwriter.NewWriter(a.out, 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "CONSORTIUM\tPARTNER\tLEAD\tMEMBERS")
			for _, c := range cs {
				ids := make([]string, len(c.Members))
				for i, m := range c.Members {
					ids[i] = m.Party
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", c.ID, c.Partner, c.Lead(), strings.Join(ids, ", "))
			}
			return tw.Flush()
		}),
	}
	cmd.AddCommand(add, list)
	return cmd
}
