package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strings"
	"time"

	"github.com/barter-clearing/barter"
	"github.com/barter-clearing/barter/csvfile"
	barterhttp "github.com/barter-clearing/barter/http"
	"github.com/spf13/cobra"
)

func (a *app) serveCmd() *cobra.Command {
	var addr, today, clearingHouse string
	var keepKeys time.Duration
	var behindProxy bool
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Serve the web pages and the JSON API",
		Long: `Serve the clearing house over HTTP until interrupted:

  /                  dashboard: where authorizations stand, deadlines, offers, proposals
  /positions         net-off positions, filtered and paged
  /authorizations    applications and permits; each with its lines, position, a chart of
                     its legs over time, and the form customs approve or reject with
  /offers            the matching pool, a form for new offers, and why one offer can or
                     cannot give to another
  /proposals         exchange proposals, with a picture of each cycle and forms to answer,
                     and a form that runs a matching of the open offers
  /clearing          clearing runs: made from positions or an obligations file, reviewed
                     with a picture of their largest loops of debt, committed, and settled
                     (the payments as CSV, the payouts as ISO 20022 pain.001)
  /screening         sanctions screening: load a version of the UN list, confirm or clear
                     each possible match
  /imports           upload CSV files of any kind barter import takes

  /api/v1/positions?as_of=&status=&party=&offset=&limit=        GET
  /api/v1/authorizations[?status=]                              GET, POST (apply)
  /api/v1/authorizations/{id}[?as_of=]                          GET (lines, day-by-day flows, position)
  /api/v1/authorizations/{id}/approve | reject                  POST
  /api/v1/declarations?authorization=&offset=&limit=           GET (an authorization's, by day and number)
  /api/v1/declarations/{number}                                 GET (one, with its reassessments)
  /api/v1/declarations/{number}/reassessments                   POST {"assessed_value"} (customs, dated today)
  /api/v1/declarations                                          POST (by GD number: posting again is a no-op)
  /api/v1/offers[?status=], /api/v1/offers/{id}                 GET, POST (by offer ID)
  /api/v1/offers/{id}/gives-to/{to}[?as_of=]                    GET (can it, and if not why)
  /api/v1/proposals[?status=&as_of=], /api/v1/proposals/{id}    GET, POST (run matching)
  /api/v1/proposals/{id}/accept | decline                       POST {"party", "reason"}
  /api/v1/imports/{kind}                                        POST a CSV file (Content-Type: text/csv)
  /api/v1/reconciliations                                       POST {"as_of"}
  /api/v1/ledger/verify                                         GET
  /api/v1/report?from=&to=                                      GET (the regulator's report on a period; not for traders)
  /api/v1/rulebooks                                             GET (the rules in force, by regime)
  /api/v1/clearing-runs                                         GET, POST {"obligations"} or {"from_positions", "as_of"}
  /api/v1/clearing-runs/{id}[?cycles=&parties=]                 GET (review: totals, largest cycles, parties)
  /api/v1/clearing-runs/{id}/obligations                        GET (each with what was cleared)
  /api/v1/clearing-runs/{id}/commit                             POST {"as_of"} (book the set-off)
  /api/v1/clearing-runs/{id}/settlement                         GET (the payments that settle a committed run)
  /api/v1/screening/lists                                       POST the UN list's XML (Content-Type: application/xml)
  /api/v1/screening/hits[?status=]                              GET
  /api/v1/screening/hits/{party}/{ref}/confirm | clear          POST {"reason"}
  /api/v1/consortiums, /api/v1/consortiums/{id}                 GET, POST {"id", "partner", "lead", "members"}
  /api/v1/undertakings[?counterparty=]                          GET, POST {"counterparty", "giver" or "chamber", "day", "signatory", "text", "document"}

Answers, approvals and expiries are dated by the server's clock (--today pins it);
idempotency keys and sign-ins age by the real clock all the same.
A write sent with an Idempotency-Key header is carried out once: a retry under the same
key gets the first answer, for as long as --keep-keys keeps it (7 days by default).
Requests and answers are JSON; amounts are decimal strings ("1250.50"), days YYYY-MM-DD.
Errors are {"error": {"code", "field", "message"}} with status 400, 401, 403, 404, 409
or 500.

Until a user is registered (barter users add), anyone who can reach the server may do
anything. Once one is, the API wants "Authorization: Bearer TOKEN" and the pages a
sign-in on /login; everyone signed in may read, and each change is for some roles only
(see barter users --help). GET /api/v1/me says who a token belongs to.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			// A retry comes after a lost answer, and a matching run may take 10
			// minutes: a key must outlive any request.
			if keepKeys != 0 && keepKeys < time.Hour {
				return barter.Invalid("--keep-keys", "must be 0 (for ever) or at least an hour, not %v", keepKeys)
			}
			if today != "" {
				day, err := barter.ParseDate(today)
				if err != nil {
					return barter.Invalid("--today", "%v", err)
				}
				// The whole server lives on that day: answers, approvals and expiries.
				noon := day.Time().Add(12 * time.Hour)
				a.now = func() time.Time { return noon }
			}
			svc, closeFn, err := a.open(cmd.Context())
			if err != nil {
				return err
			}
			defer closeFn()
			svc.Totals = &barter.TotalsCache{}
			logger := slog.New(slog.NewTextHandler(a.errOut, nil))
			srv := barterhttp.NewServer(svc, logger)
			srv.Importers = webImporters()
			srv.ReadObligations = webObligations
			srv.KeepKeys = keepKeys
			srv.BehindProxy = behindProxy
			srv.ClearingHouse = clearingHouse
			closed, err := svc.HasUsers(cmd.Context())
			if err != nil {
				return err
			}
			return srv.ListenAndServe(cmd.Context(), addr, func(l net.Addr) {
				logger.Info("serving barter", "url", "http://"+l.String()+"/", "db", redact(a.dsn))
				if !closed {
					logger.Warn("no users are registered: anyone who can reach this address may do anything; register them with barter users add")
				}
			})
		},
	}
	cmd.Flags().StringVar(&addr, "addr", "127.0.0.1:8080", "address to listen on")
	cmd.Flags().BoolVar(&behindProxy, "behind-proxy", false, "reached through a reverse proxy that appends the client's address to X-Forwarded-For (the sign-in throttle tells clients apart by it)")
	cmd.Flags().DurationVar(&keepKeys, "keep-keys", 7*24*time.Hour, "how long to keep idempotency keys and their answers, an hour at least (0: for ever)")
	cmd.Flags().StringVar(&clearingHouse, "clearing-house", "CLEARING-HOUSE", "name of the clearing house in the payments that settle clearing runs")
	cmd.Flags().StringVar(&today, "today", "", "run as if today were this day, YYYY-MM-DD, for demos and training (default: the real date)")
	return cmd
}

// webImporters are the import kinds of barter import, for the web: a bad header is
// the request's fault there, and says so.
func webImporters() []barterhttp.Importer {
	var out []barterhttp.Importer
	kinds := importKinds()
	for _, kind := range importOrder {
		imp := kinds[kind]
		out = append(out, barterhttp.Importer{Kind: kind, Columns: imp.columns, Run: func(ctx context.Context, svc *barter.Service, in io.Reader, o barter.ImportOptions) (barter.ImportReport, error) {
			rep, err := imp.run(ctx, svc, in, o)
			var he *csvfile.HeaderError
			if errors.As(err, &he) {
				err = barter.Invalid("header", "%s", he.Reason)
			}
			return rep, err
		}})
	}
	return out
}

// webObligations reads an obligations file uploaded to the clearing page. A bad file's
// error lists its bad rows as LINE: field: reason, the first ten of them.
func webObligations(in io.Reader, currency string) ([]barter.Obligation, error) {
	rows, err := csvfile.Obligations(in)
	var he *csvfile.HeaderError
	if errors.As(err, &he) {
		return nil, barter.Invalid("header", "%s", he.Reason)
	}
	if err != nil {
		return nil, err
	}
	unique := uniqueIDs("id", func(o *barter.Obligation) string { return o.ID })
	var obs []barter.Obligation
	var bad []string
	nbad := 0
	for r := range rows {
		if r.Err == nil {
			r.Err = unique(r.Line, &r.Value)
		}
		if r.Err != nil {
			if nbad++; len(bad) < 10 {
				field, msg := "row", r.Err.Error()
				var e *barter.Error
				if errors.As(r.Err, &e) {
					field, msg = e.Field, e.Message
				}
				bad = append(bad, fmt.Sprintf("%d: %s: %s", r.Line, field, msg))
			}
			continue
		}
		r.Value.Currency = cmp.Or(r.Value.Currency, currency)
		obs = append(obs, r.Value)
	}
	if nbad > 0 {
		return nil, barter.Invalid("file", "%d bad rows, so nothing was done; line %s", nbad, strings.Join(bad, "; line "))
	}
	return obs, nil
}
