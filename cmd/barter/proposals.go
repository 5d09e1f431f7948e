package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/barter-clearing/barter"
	"github.com/spf13/cobra"
)

func (a *app) offersCmd() *cobra.Command {
	var status, format, explain, asOf string
	cmd := &cobra.Command{
		Use:   "offers",
		Short: "List the offers in the matching pool",
		Long: `List the offers in the matching pool (load them with barter import offers FILE), with
their status: open (in the pool), proposed (in a pending proposal), matched (in an
accepted proposal) or declined (its party declined a proposal).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			svc, closeFn, err := a.open(cmd.Context())
			if err != nil {
				return err
			}
			defer closeFn()
			if explain != "" {
				return a.explainLeg(cmd.Context(), svc, explain, asOf)
			}
			offers, err := svc.Offers(cmd.Context(), barter.OfferStatus(status))
			if err != nil {
				return err
			}
			if format == "json" {
				return a.writeJSON(offers)
			}
			tw := tabwriter.NewWriter(a.out, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "OFFER\tPARTY\tCOUNTRY\tGIVES\tFROM\tVALUE\tWANTS\tVALID UNTIL\tSTATUS")
			for _, o := range offers {
				from := o.Origin
				if len(o.Ports) > 0 {
					from += " via " + strings.Join(o.Ports, ", ")
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s-%s\t%s\t%s\t%s\n", o.ID, o.Party, o.Country, o.Gives, strings.TrimSpace(from),
					barter.FormatMinor(o.ValueMin, 2), barter.FormatMinor(o.ValueMax, 2), strings.Join(o.Wants, ";"), o.ValidUntil, o.Status)
			}
			return tw.Flush()
		},
	}
	cmd.Flags().StringVar(&status, "status", "", "only offers in this status")
	cmd.Flags().StringVar(&format, "format", "table", "table or json")
	cmd.Flags().StringVar(&explain, "explain", "", "FROM,TO: say whether offer FROM can give to offer TO, and why not")
	a.asOfFlag(cmd, &asOf)
	return cmd
}

// explainLeg says whether one stored offer can give to another on a day, and why not.
func (a *app) explainLeg(ctx context.Context, svc *barter.Service, pair, asOf string) error {
	from, to, ok := strings.Cut(pair, ",")
	if !ok {
		return barter.Invalid("--explain", "want FROM,TO with two offer ids")
	}
	day, err := a.asOf(asOf)
	if err != nil {
		return err
	}
	l, err := svc.ExplainLeg(ctx, from, to, day)
	if err != nil {
		return err
	}
	if l.Possible {
		fmt.Fprintf(a.out, "%s can give to %s on %s: worth %s\n", from, to, day, barter.FormatMinor(l.Value, 2))
		return nil
	}
	fmt.Fprintf(a.out, "%s cannot give to %s on %s:\n", from, to, day)
	for _, w := range l.Reasons {
		fmt.Fprintf(a.out, "  - %s\n", w)
	}
	return nil
}

func (a *app) proposalsCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "proposals",
		Short: "Match the offer pool into exchange cycles and take the parties' answers",
		Long: `Match the open offers into exchange cycles (see barter match) and put each cycle to its
parties as a proposal. Every party accepts or declines by the deadline. When all accept,
an authorization application is filed for each country pair of the cycle's cross-border
legs, for customs to approve; a decline returns the other offers to the pool for the
next run; a proposal not answered by its deadline expires and returns all its offers.

  barter import offers offers.csv
  barter proposals create --as-of 2025-02-10 --deadline 2025-02-24
  barter proposals show 1
  barter proposals accept 1 --party LRM
  barter proposals decline 1 --party ROSTOV --reason "price moved"`,
	}
	var asOf, deadline string
	var k, priorityDays int
	var limit time.Duration
	var objective string
	create := &cobra.Command{
		Use:   "create",
		Short: "Match the open offers and propose every cycle found",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			day, err := a.asOf(asOf)
			if err != nil {
				return err
			}
			due := day.AddDays(14)
			if deadline != "" {
				if due, err = barter.ParseDate(deadline); err != nil {
					return barter.Invalid("--deadline", "%v", err)
				}
			}
			svc, closeFn, err := a.open(cmd.Context())
			if err != nil {
				return err
			}
			defer closeFn()
			goal := barter.MatchGoal{PriorityDays: priorityDays}
			switch objective {
			case "value":
			case "parties":
				if priorityDays > 0 {
					return barter.Invalid("--priority-days", "does not go with --objective parties")
				}
				goal.Parties = true
			default:
				return barter.Invalid("--objective", "%q is not value or parties", objective)
			}
			run, err := svc.Propose(cmd.Context(), day, due, k, limit, goal)
			if err != nil {
				return err
			}
			r := run.Result
			opt := "proven optimal"
			if !r.Optimal {
				opt = "bound " + barter.FormatMinor(r.Bound, 2)
			}
			fmt.Fprintf(a.out, "%d open offers, %d possible legs: %d proposals moving %s (%s)\n",
				run.Offers, run.Arcs, len(run.Proposals), barter.FormatMinor(r.Weight, 2), opt)
			if goal.Parties || goal.PriorityDays > 0 {
				fmt.Fprintf(a.out, "served first: %d offers (at most %d possible)\n", r.Served, r.ServedBound)
			}
			for _, p := range run.Proposals {
				a.showProposal(&p)
			}
			return nil
		},
	}
	a.asOfFlag(create, &asOf)
	create.Flags().StringVar(&deadline, "deadline", "", "last day for the parties to answer, YYYY-MM-DD (default 14 days on)")
	create.Flags().IntVar(&k, "max-cycle", 3, "most parties in a cycle, 2 to 4")
	create.Flags().DurationVar(&limit, "time-limit", time.Minute, "stop searching for a proof of optimality after this long")
	create.Flags().StringVar(&objective, "objective", "value", "what to maximise: value, or parties (the parties served, then value)")
	create.Flags().IntVar(&priorityDays, "priority-days", 0, "serve first the parties with an authorization open within this many days of its net-off deadline")

	var status, format, listDay string
	list := &cobra.Command{
		Use:   "list",
		Short: "List proposals, newest first",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			day, err := a.asOf(listDay)
			if err != nil {
				return err
			}
			svc, closeFn, err := a.open(cmd.Context())
			if err != nil {
				return err
			}
			defer closeFn()
			ps, err := svc.Proposals(cmd.Context(), barter.ProposalStatus(status), day)
			if err != nil {
				return err
			}
			if format == "json" {
				return a.writeJSON(ps)
			}
			tw := tabwriter.NewWriter(a.out, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "PROPOSAL\tSTATUS\tDEADLINE\tVALUE\tCYCLE\tANSWERS")
			for _, p := range ps {
				var cycle, answers []string
				for _, l := range p.Legs {
					cycle = append(cycle, l.Party)
					answers = append(answers, l.Party+" "+l.Response)
				}
				fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\n", p.ID, p.Status, p.Deadline, barter.FormatMinor(p.Value, 2),
					strings.Join(cycle, " -> ")+" -> "+cycle[0], strings.Join(answers, ", "))
			}
			return tw.Flush()
		},
	}
	list.Flags().StringVar(&status, "status", "", "only proposals in this status: pending, accepted, declined, expired")
	list.Flags().StringVar(&format, "format", "table", "table or json")
	a.asOfFlag(list, &listDay)

	show := &cobra.Command{
		Use:   "show ID",
		Short: "Show a proposal: its legs, answers and authorizations",
		Args:  cobra.ExactArgs(1),
		RunE: a.withID("proposal", func(cmd *cobra.Command, svc *barter.Service, id int64) error {
			p, err := svc.Proposal(cmd.Context(), id)
			if err != nil {
				return err
			}
			a.showProposal(p)
			return nil
		}),
	}
	cmd.AddCommand(create, list, show, a.respondCmd(true), a.respondCmd(false))
	return cmd
}

// respondCmd is proposals accept or proposals decline.
func (a *app) respondCmd(accept bool) *cobra.Command {
	var party, reason, day string
	use, short := "accept ID --party PARTY", "Accept a proposal on behalf of one of its parties"
	if !accept {
		use, short = "decline ID --party PARTY --reason TEXT", "Decline a proposal on behalf of one of its parties"
	}
	cmd := &cobra.Command{
		Use:   use,
		Short: short,
		Args:  cobra.ExactArgs(1),
		RunE: a.withID("proposal", func(cmd *cobra.Command, svc *barter.Service, id int64) error {
			if party == "" {
				return barter.Invalid("--party", "is required")
			}
			d, err := a.asOf(day)
			if err != nil {
				return err
			}
			p, err := svc.Respond(cmd.Context(), id, party, accept, reason, d)
			if err != nil {
				return err
			}
			a.showProposal(p)
			return nil
		}),
	}
	cmd.Flags().StringVar(&party, "party", "", "the party answering")
	if !accept {
		cmd.Flags().StringVar(&reason, "reason", "", "why the party declines (required)")
	}
	a.asOfFlag(cmd, &day)
	return cmd
}

// showProposal prints a proposal's cycle, answers and authorizations.
func (a *app) showProposal(p *barter.Proposal) {
	fmt.Fprintf(a.out, "\nProposal %d, %s: %d parties, %s changes hands; answer by %s\n",
		p.ID, p.Status, len(p.Legs), barter.FormatMinor(p.Value, 2), p.Deadline)
	tw := tabwriter.NewWriter(a.out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "  OFFER\tPARTY\tCOUNTRY\tGIVES TO\tVALUE\tANSWER")
	for i, l := range p.Legs {
		next := p.Legs[(i+1)%len(p.Legs)]
		answer := l.Response
		if !l.Responded.IsZero() {
			answer += " on " + l.Responded.String()
		}
		if l.Reason != "" {
			answer += ": " + l.Reason
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\t%s (%s)\t%s\t%s\n", l.Offer, l.Party, l.Country, next.Party, next.Country, barter.FormatMinor(l.Value, 2), answer)
	}
	tw.Flush()
	for _, au := range p.Authorizations {
		fmt.Fprintf(a.out, "  authorization application %d filed for the legs with %s (approve with: barter authorizations approve %d)\n",
			au.Authorization, au.Country, au.Authorization)
	}
}

// writeJSON prints v as indented JSON.
func (a *app) writeJSON(v any) error {
	enc := json.NewEncoder(a.out)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
