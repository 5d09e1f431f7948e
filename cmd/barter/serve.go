package main

import (
	"log/slog"
	"net"

	barterhttp "github.com/barter-clearing/barter/http"
	"github.com/spf13/cobra"
)

func (a *app) serveCmd() *cobra.Command {
	var addr string
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Serve the web pages and the JSON API",
		Long: `Serve the clearing house over HTTP until interrupted:

  /                  dashboard: where authorizations stand, deadlines, offers, proposals
  /positions         net-off positions, filtered and paged
  /offers            the matching pool
  /proposals         exchange proposals, with a picture of each cycle and forms to answer

  /api/v1/positions?as_of=&status=&party=&offset=&limit=        GET
  /api/v1/authorizations[?status=]                              GET, POST (apply)
  /api/v1/authorizations/{id}/approve | reject                  POST
  /api/v1/declarations                                          POST (by GD number: posting again is a no-op)
  /api/v1/offers[?status=], /api/v1/offers/{id}                 GET, POST (by offer ID)
  /api/v1/proposals[?status=&as_of=], /api/v1/proposals/{id}    GET, POST (run matching)
  /api/v1/proposals/{id}/accept | decline                       POST {"party", "reason"}
  /api/v1/reconciliations                                       POST {"as_of"}
  /api/v1/ledger/verify                                         GET

Requests and answers are JSON; amounts are decimal strings ("1250.50"), days YYYY-MM-DD.
Errors are {"error": {"code", "field", "message"}} with status 400, 404, 409 or 500.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			svc, closeFn, err := a.open(cmd.Context())
			if err != nil {
				return err
			}
			defer closeFn()
			logger := slog.New(slog.NewTextHandler(a.errOut, nil))
			srv := barterhttp.NewServer(svc, logger)
			return srv.ListenAndServe(cmd.Context(), addr, func(l net.Addr) {
				logger.Info("serving barter", "url", "http://"+l.String()+"/", "db", redact(a.dsn))
			})
		},
	}
	cmd.Flags().StringVar(&addr, "addr", "127.0.0.1:8080", "address to listen on")
	return cmd
}
