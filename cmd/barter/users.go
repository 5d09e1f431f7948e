package main

import (
	"fmt"
	"text/tabwriter"

	"github.com/barter-clearing/barter"
	"github.com/spf13/cobra"
)

func (a *app) usersCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "users",
		Short: "Register who may sign in to barter serve, and with which role",
		Long: `Until a user is registered, barter serve is open to anyone who can reach it (fine for a
demo or a single desk). Once one is, every request must sign in: the API with the header
"Authorization: Bearer TOKEN", the pages with the same token on /login.

Roles: everyone signed in may read.
  admin     everything
  customs   approve or reject applications, post declarations, reconcile; import parties,
            rates, authorizations, lines and declarations
  operator  run matchings, create and commit clearing runs; enter or import offers for
            any party
  trader    for its own party (--party): apply for authorizations, offer, answer proposals;
            sees only the authorizations, positions, declarations and proposals of that
            party and of the consortiums it is a member of, and no clearing runs
  analyst   read only

A sign-in on the pages lasts 12 hours; signing out or removing the user ends it.

  barter users add amina --role customs
  barter users add lrm-desk --role trader --party LRM
  barter users list
  barter users remove amina`,
	}
	var role, party string
	add := &cobra.Command{
		Use:   "add NAME",
		Short: "Register a user and print the token it signs in with (shown this once)",
		Args:  cobra.ExactArgs(1),
		RunE: a.withService(func(cmd *cobra.Command, svc *barter.Service, args []string) error {
			u, token, err := svc.AddUser(cmd.Context(), args[0], barter.Role(role), party)
			if err != nil {
				return err
			}
			fmt.Fprintf(a.errOut, "registered %s (%s); the token below is shown this once: keep it where a password is kept\n", u.Name, u.Role)
			fmt.Fprintln(a.out, token)
			return nil
		}),
	}
	add.Flags().StringVar(&role, "role", "", "admin, customs, operator, trader or analyst")
	add.Flags().StringVar(&party, "party", "", "the party a trader acts for")
	add.MarkFlagRequired("role")
	list := &cobra.Command{
		Use:   "list",
		Short: "List the users",
		Args:  cobra.NoArgs,
		RunE: a.withService(func(cmd *cobra.Command, svc *barter.Service, args []string) error {
			us, err := svc.Users(cmd.Context())
			if err != nil {
				return err
			}
			if len(us) == 0 {
				fmt.Fprintln(a.out, "no users: barter serve is open to anyone who can reach it")
				return nil
			}
			tw := tabwriter.NewWriter(a.out, 0, 0, 2, ' ', 0)
			fmt.Fprintln(tw, "NAME\tROLE\tPARTY\tREGISTERED")
			for _, u := range us {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", u.Name, u.Role, u.Party, u.Created.Format("2006-01-02 15:04"))
			}
			return tw.Flush()
		}),
	}
	remove := &cobra.Command{
		Use:   "remove NAME",
		Short: "Remove a user: its token no longer signs in",
		Args:  cobra.ExactArgs(1),
		RunE: a.withService(func(cmd *cobra.Command, svc *barter.Service, args []string) error {
			if err := svc.RemoveUser(cmd.Context(), args[0]); err != nil {
				return err
			}
			fmt.Fprintf(a.out, "removed %s\n", args[0])
			return nil
		}),
	}
	cmd.AddCommand(add, list, remove)
	return cmd
}
