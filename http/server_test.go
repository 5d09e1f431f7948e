package http_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/barter-clearing/barter"
	"github.com/barter-clearing/barter/csvfile"
	barterhttp "github.com/barter-clearing/barter/http"
	"github.com/barter-clearing/barter/internal/pgtest"
	"github.com/barter-clearing/barter/internal/sqlstore"
	"github.com/barter-clearing/barter/internal/storetest"
	"github.com/barter-clearing/barter/postgres"
	"github.com/barter-clearing/barter/sqlite"
)

// opener opens a fresh, empty store for a test.
type opener func(t *testing.T) barter.Store

// eachStore runs a test of the server on SQLite and on PostgreSQL (skipped without a
// server; scripts/test.sh starts one).
func eachStore(t *testing.T, test func(*testing.T, opener)) {
	t.Run("sqlite", func(t *testing.T) { test(t, openSQLite) })
	t.Run("postgres", func(t *testing.T) { test(t, openPostgres) })
}

func openSQLite(t *testing.T) barter.Store {
	return mustOpen(t, sqlite.Open, filepath.Join(t.TempDir(), "barter.db"))
}

func openPostgres(t *testing.T) barter.Store { return mustOpen(t, postgres.Open, pgtest.DSN(t)) }

func mustOpen(t *testing.T, open func(context.Context, string) (*sqlstore.Store, error), dsn string) barter.Store {
	t.Helper()
	store, err := open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	return store
}

// newServer serves a service on a fresh store seeded with the storetest fixture.
func newServer(t *testing.T, open opener) (*httptest.Server, *barter.Service) {
	t.Helper()
	return newServerWith(t, open, func(*barterhttp.Server) {})
}

// newServerWith is newServer with the server configured by set before it starts.
func newServerWith(t *testing.T, open opener, set func(*barterhttp.Server)) (*httptest.Server, *barter.Service) {
	t.Helper()
	svc := storetest.NewService(t, open(t))
	// As barter serve runs it: positions are read through the cache.
	svc.Totals = &barter.TotalsCache{}
	storetest.MustSeed(t, svc)
	srv := barterhttp.NewServer(svc, slog.New(slog.NewTextHandler(io.Discard, nil)))
	set(srv)
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	return ts, svc
}

// call sends a request with a JSON (or raw string) body and decodes the JSON answer into
// out, returning the status.
func call(t *testing.T, ts *httptest.Server, method, path string, body any, out any) int {
	t.Helper()
	status, _, raw := send(t, ts, method, path, body, nil)
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			t.Fatalf("%s %s: %v in %s", method, path, err, raw)
		}
	}
	return status
}

// send sends a request with headers and returns the answer's status, headers and body.
func send(t *testing.T, ts *httptest.Server, method, path string, body any, header http.Header) (int, http.Header, []byte) {
	t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		buf, err := json.Marshal(b)
		if err != nil {
			t.Error(err)
			return 0, nil, nil
		}
		rd = bytes.NewReader(buf)
	}
	req, err := http.NewRequest(method, ts.URL+path, rd)
	if err != nil {
		t.Error(err)
		return 0, nil, nil
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := ts.Client().Do(req)
	if err != nil {
		t.Error(err)
		return 0, nil, nil
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Error(err)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("%s %s: content type %q, want JSON", method, path, ct)
	}
	return resp.StatusCode, resp.Header, raw
}

type apiError struct {
	Error struct {
		Code, Field, Message string
	}
}

// wantError checks an error answer's status and field.
func wantError(t *testing.T, ts *httptest.Server, method, path string, body any, status int, field string) {
	t.Helper()
	var e apiError
	if got := call(t, ts, method, path, body, &e); got != status || e.Error.Field != field || e.Error.Message == "" {
		t.Errorf("%s %s: %d %+v; want %d about %q", method, path, got, e, status, field)
	}
}

func entries(t *testing.T, ts *httptest.Server) int64 {
	t.Helper()
	var rep barterhttp.LedgerReport
	if got := call(t, ts, "GET", "/api/v1/ledger/verify", nil, &rep); got != 200 || !rep.OK {
		t.Fatalf("ledger verify: %d %+v", got, rep)
	}
	return rep.Entries
}

func TestServer_Declarations(t *testing.T) { eachStore(t, testServerDeclarations) }

func testServerDeclarations(t *testing.T, open opener) {
	ts, _ := newServer(t, open)
	gd := barterhttp.Declaration{Number: "GD-API-1", Authorization: storetest.Auth2025, Direction: "import", Date: "2024-01-15",
		HSCode: "0713.20", Quantity: "10", Unit: "t", Currency: "usd", Declared: "1000.50"}
	var first barterhttp.Declaration
	if got := call(t, ts, "POST", "/api/v1/declarations", gd, &first); got != http.StatusCreated {
		t.Fatalf("post: status %d, want 201", got)
	}
	// 1000.50 USD at 280 PKR, the rate of 2024-01-01.
	if first.Value != "280140.00" || first.Rate != "280" || first.RateDate != "2024-01-01" || first.Entry == 0 || first.HSCode != "071320" {
		t.Errorf("posted %+v; want value 280140.00 at 280 of 2024-01-01, HS 071320, an entry", first)
	}
	var again barterhttp.Declaration
	if got := call(t, ts, "POST", "/api/v1/declarations", gd, &again); got != http.StatusOK || again != first {
		t.Errorf("posting again: %d %+v; want 200 and the first result %+v", got, again, first)
	}
	if n := entries(t, ts); n != 1 {
		t.Errorf("ledger has %d entries after posting one GD twice; want 1", n)
	}

	t.Run("bad input", func(t *testing.T) {
		for _, tt := range []struct {
			name, body, field string
		}{
			{"amount as a number", `{"number": "GD-X", "declared_value": 1000.5}`, "declared_value"},
			{"unknown field", `{"number": "GD-X", "colour": "red"}`, "body"},
			{"not JSON", `{"number": `, "body"},
			{"empty", ``, "body"},
			{"two objects", `{"number": "GD-X"} {}`, "body"},
			{"a list for an object", `[]`, "body"},
			{"bad date", `{"number": "GD-X", "authorization": "BT-2025-1", "direction": "import", "date": "2024-02-30"}`, "date"},
			{"bad direction", `{"number": "GD-X", "direction": "sideways"}`, "direction"},
			{"too many decimals", `{"number": "GD-X", "authorization": "BT-2025-1", "direction": "import", "date": "2024-01-15", "quantity": "1", "declared_value": "1.00001"}`, "declared_value"},
			{"HS code not covered", `{"number": "GD-X", "authorization": "BT-2025-1", "direction": "import", "date": "2024-01-15", "hs_code": "100630", "quantity": "1", "unit": "t", "currency": "USD", "declared_value": "10"}`, "hs_code"},
		} {
			t.Run(tt.name, func(t *testing.T) {
				wantError(t, ts, "POST", "/api/v1/declarations", tt.body, http.StatusBadRequest, tt.field)
			})
		}
		// A form a browser sends cross-site is not JSON, and is refused before it is read.
		resp, err := ts.Client().Post(ts.URL+"/api/v1/declarations", "text/plain", strings.NewReader(`{"number": "GD-X"}`))
		if err != nil {
			t.Fatal(err)
		}
		var e apiError
		json.NewDecoder(resp.Body).Decode(&e)
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest || e.Error.Field != "Content-Type" {
			t.Errorf("text/plain body: %d %+v; want 400 about Content-Type", resp.StatusCode, e)
		}
		if n := entries(t, ts); n != 1 {
			t.Errorf("ledger has %d entries after rejected requests; want 1", n)
		}
	})
}

func TestServer_Positions(t *testing.T) { eachStore(t, testServerPositions) }

func testServerPositions(t *testing.T, open opener) {
	ts, svc := newServer(t, open)
	storetest.MustPost(t, svc, storetest.GD(t, storetest.Auth2025, barter.Import, "2024-01-15", "1000"))
	var p struct {
		Total, Offset, Limit int
		Items                []barterhttp.Position
	}
	if got := call(t, ts, "GET", "/api/v1/positions?as_of=2024-02-01", nil, &p); got != 200 || p.Total != 2 || len(p.Items) != 2 {
		t.Fatalf("positions: %d %+v; want both authorizations", got, p)
	}
	if got := call(t, ts, "GET", "/api/v1/positions?as_of=2024-02-01&limit=1&offset=1", nil, &p); got != 200 || p.Total != 2 || len(p.Items) != 1 || p.Items[0].Authorization != storetest.Auth2025 {
		t.Errorf("second page: %d %+v; want the 2025 authorization alone", got, p)
	}
	if p.Items[0].Imports != "280000.00" || p.Items[0].Status != "open" || p.Items[0].DaysLeft != 98 {
		t.Errorf("position %+v; want imports 280000.00, open, 98 days left", p.Items[0])
	}
	if got := call(t, ts, "GET", "/api/v1/positions?as_of=2024-12-31&status=overdue&party="+storetest.Trader, nil, &p); got != 200 || p.Total != 2 {
		t.Errorf("overdue at year end: %d %+v; want both", got, p)
	}
	wantError(t, ts, "GET", "/api/v1/positions?as_of=yesterday", nil, http.StatusBadRequest, "as_of")
	wantError(t, ts, "GET", "/api/v1/positions?limit=0", nil, http.StatusBadRequest, "limit")
	wantError(t, ts, "GET", "/api/v1/nothing", nil, http.StatusNotFound, "")
}

func TestServer_Authorizations(t *testing.T) { eachStore(t, testServerAuthorizations) }

func testServerAuthorizations(t *testing.T, open opener) {
	ts, _ := newServer(t, open)
	app := barterhttp.Application{Party: storetest.Trader, Counterparty: storetest.Russian, Regime: "2025", Lines: []barterhttp.Line{
		{Direction: "import", HSCode: "0713", Description: "chickpeas", Quantity: "500", Unit: "t", Value: "350000", Currency: "USD"},
		{Direction: "export", HSCode: "1006", Description: "rice", Quantity: "520", Unit: "t", Value: "346840", Currency: "USD"},
	}}
	var a barterhttp.Authorization
	if got := call(t, ts, "POST", "/api/v1/authorizations", app, &a); got != http.StatusCreated || a.Status != "applied" || a.ID == 0 || len(a.Lines) != 2 {
		t.Fatalf("apply: %d %+v; want 201 applied with 2 lines", got, a)
	}
	if got := call(t, ts, "POST", fmt.Sprintf("/api/v1/authorizations/%d/approve", a.ID), `{}`, &a); got != 200 || a.Status != "approved" || a.Number == "" || a.Issued != "2024-01-05" || a.Deadline != "2024-05-04" {
		t.Errorf("approve: %d %+v; want approved today with a number and deadline 2024-05-04", got, a)
	}
	wantError(t, ts, "POST", fmt.Sprintf("/api/v1/authorizations/%d/reject", a.ID), `{"reason": "late"}`, http.StatusConflict, "")
	bad := app
	bad.Lines = append([]barterhttp.Line{}, app.Lines...)
	bad.Lines[1].Quantity = "lots"
	wantError(t, ts, "POST", "/api/v1/authorizations", bad, http.StatusBadRequest, "lines[1].quantity")
	wantError(t, ts, "POST", "/api/v1/authorizations/abc/approve", `{}`, http.StatusBadRequest, "id")
	var list struct{ Total int }
	if got := call(t, ts, "GET", "/api/v1/authorizations?status=approved", nil, &list); got != 200 || list.Total != 3 {
		t.Errorf("approved authorizations: %d %+v; want 3", got, list)
	}
}

func offer(id, party, country, gives, wants, value string) barterhttp.Offer {
	return barterhttp.Offer{ID: id, Party: party, Country: country, Regime: "2025", Gives: gives, Quantity: "1", Unit: "t",
		ValueMin: value, ValueMax: value, DeliveryFrom: "2024-01-01", DeliveryTo: "2024-03-31", Wants: []string{wants},
		WantMin: "1.00", WantMax: "99999999.00", WantFrom: "2024-01-01", WantTo: "2024-03-31", ValidUntil: "2024-01-31"}
}

// mustOffers puts a cycle of three (rice, cement, wheat) and a pair (kinnow, pulses) in
// the pool through the API.
func mustOffers(t *testing.T, ts *httptest.Server, svc *barter.Service) {
	t.Helper()
	storetest.MustImport(t, svc.ImportParties,
		barter.Party{ID: "T2", Name: "Karachi Cement", Country: "PK", TaxID: "7654321", Kind: barter.PartyPrivate, ActiveTaxpayer: true},
		barter.Party{ID: "RU2", Name: "Kazan Pulses", Country: "RU", TaxID: "1027701", Kind: barter.PartyPrivate},
	)
	for _, o := range []barterhttp.Offer{
		offer("rice", storetest.Trader, "PK", "1006.30", "1001", "1000.00"),
		offer("cement", "T2", "PK", "252329", "1006", "1100.00"),
		offer("wheat", storetest.Russian, "ru", "100199", "2523", "1200.00"),
		offer("kinnow", storetest.Trader, "PK", "080521", "0713", "500.00"),
		offer("pulses", "RU2", "RU", "071320", "0805", "600.00"),
	} {
		var got barterhttp.Offer
		if status := call(t, ts, "POST", "/api/v1/offers", o, &got); status != http.StatusCreated || got.Status != "open" {
			t.Fatalf("offer %s: %d %+v; want 201 open", o.ID, status, got)
		}
	}
}

func TestServer_Offers(t *testing.T) { eachStore(t, testServerOffers) }

func testServerOffers(t *testing.T, open opener) {
	ts, svc := newServer(t, open)
	mustOffers(t, ts, svc)
	rice := offer("rice", storetest.Trader, "PK", "1006.30", "1001", "1000.00")
	var got barterhttp.Offer
	if status := call(t, ts, "POST", "/api/v1/offers", rice, &got); status != http.StatusOK || got.Gives != "100630" || got.Country != "PK" {
		t.Errorf("offering again: %d %+v; want 200 and the offer", status, got)
	}
	other := rice
	other.ValueMax = "2000.00"
	wantError(t, ts, "POST", "/api/v1/offers", other, http.StatusConflict, "id")
	nobody := offer("x", "ghost", "PK", "1006", "1001", "10.00")
	wantError(t, ts, "POST", "/api/v1/offers", nobody, http.StatusBadRequest, "party")
	noValue := offer("y", storetest.Trader, "PK", "1006", "1001", "10.00")
	noValue.WantMin = ""
	wantError(t, ts, "POST", "/api/v1/offers", noValue, http.StatusBadRequest, "want_min")
	withStatus := offer("z", storetest.Trader, "PK", "1006", "1001", "10.00")
	withStatus.Status = "matched"
	wantError(t, ts, "POST", "/api/v1/offers", withStatus, http.StatusBadRequest, "status")
	badOrigin := offer("w", storetest.Trader, "PK", "1006", "1001", "10.00")
	badOrigin.Origin = "XX"
	wantError(t, ts, "POST", "/api/v1/offers", badOrigin, http.StatusBadRequest, "origin")

	// Where the goods come from and leave by are kept, and are part of the offer.
	oats := offer("oats", storetest.Russian, "RU", "100490", "1006", "300.00")
	oats.Origin, oats.Ports = "kz", []string{" Astrakhan", "", "Makhachkala "}
	if status := call(t, ts, "POST", "/api/v1/offers", oats, &got); status != http.StatusCreated || got.Origin != "KZ" || !slices.Equal(got.Ports, []string{"Astrakhan", "Makhachkala"}) {
		t.Errorf("oats: %d %+v; want origin KZ by Astrakhan and Makhachkala", status, got)
	}
	if status := call(t, ts, "GET", "/api/v1/offers/oats", nil, &got); status != 200 || got.Origin != "KZ" || len(got.Ports) != 2 {
		t.Errorf("oats read back: %d %+v", status, got)
	}
	if status := call(t, ts, "POST", "/api/v1/offers", oats, nil); status != http.StatusOK {
		t.Errorf("oats again: %d; want 200", status)
	}
	oats.Ports = []string{"Astrakhan"}
	wantError(t, ts, "POST", "/api/v1/offers", oats, http.StatusConflict, "id")

	if status := call(t, ts, "GET", "/api/v1/offers/wheat", nil, &got); status != 200 || got.Party != storetest.Russian || got.ValueMin != "1200.00" {
		t.Errorf("get wheat: %d %+v", status, got)
	}
	wantError(t, ts, "GET", "/api/v1/offers/nothing", nil, http.StatusNotFound, "")
	var leg barterhttp.Leg
	if status := call(t, ts, "GET", "/api/v1/offers/rice/gives-to/cement?as_of=2024-01-10", nil, &leg); status != 200 || !leg.Possible || leg.Value != "1000.00" {
		t.Errorf("rice to cement: %d %+v; want possible, 1000.00", status, leg)
	}
	if status := call(t, ts, "GET", "/api/v1/offers/rice/gives-to/wheat?as_of=2024-02-10", nil, &leg); status != 200 || leg.Possible ||
		len(leg.Reasons) != 3 || leg.Reasons[0] != "wheat wants 2523, not 100630" || !strings.Contains(leg.Reasons[2], "expired on 2024-01-31") {
		t.Errorf("rice to wheat after the offers expired: %d %+v; want three reasons", status, leg)
	}
	wantError(t, ts, "GET", "/api/v1/offers/rice/gives-to/nothing", nil, http.StatusNotFound, "")
	var list struct {
		Total int
		Items []barterhttp.Offer
	}
	if status := call(t, ts, "GET", "/api/v1/offers?status=open", nil, &list); status != 200 || list.Total != 6 {
		t.Errorf("open offers: %d %+v; want the five and oats", status, list)
	}
}

func TestServer_Proposals(t *testing.T) { eachStore(t, testServerProposals) }

func testServerProposals(t *testing.T, open opener) {
	ts, svc := newServer(t, open)
	mustOffers(t, ts, svc)
	var run barterhttp.ProposalRun
	req := barterhttp.ProposalRequest{Deadline: "2024-01-20", MaxCycle: 3, TimeLimit: "10s"}
	if status := call(t, ts, "POST", "/api/v1/proposals", req, &run); status != http.StatusCreated || len(run.Proposals) != 2 || !run.Optimal || run.Weight != "4400.00" {
		t.Fatalf("propose: %d %+v; want 2 proposals moving 4400.00, proven", status, run)
	}
	var cycle, pair barterhttp.Proposal
	for _, p := range run.Proposals {
		if len(p.Legs) == 3 {
			cycle = p
		} else {
			pair = p
		}
	}
	if cycle.Legs[0].GivesTo != cycle.Legs[1].Party || cycle.Value != "3300.00" {
		t.Errorf("cycle %+v; each leg gives to the next, 3300.00 in all", cycle)
	}
	answer := func(p barterhttp.Proposal, party, verb, reason string) (int, barterhttp.Proposal) {
		var out barterhttp.Proposal
		status := call(t, ts, "POST", fmt.Sprintf("/api/v1/proposals/%d/%s", p.ID, verb), barterhttp.Response{Party: party, Reason: reason}, &out)
		return status, out
	}
	for _, l := range pair.Legs {
		if status, p := answer(pair, l.Party, "accept", ""); status != 200 {
			t.Fatalf("%s accepts: %d %+v", l.Party, status, p)
		}
	}
	var got barterhttp.Proposal
	if status := call(t, ts, "GET", fmt.Sprintf("/api/v1/proposals/%d", pair.ID), nil, &got); status != 200 || got.Status != "accepted" || len(got.Authorizations) != 1 || got.Authorizations[0].Country != "RU" {
		t.Errorf("pair after both accepted: %d %+v; want accepted with one application for RU", status, got)
	}
	wantError(t, ts, "POST", fmt.Sprintf("/api/v1/proposals/%d/decline", cycle.ID), barterhttp.Response{Party: "T2"}, http.StatusBadRequest, "reason")
	wantError(t, ts, "POST", fmt.Sprintf("/api/v1/proposals/%d/accept", cycle.ID), barterhttp.Response{Party: "RU2"}, http.StatusBadRequest, "party")
	wantError(t, ts, "GET", "/api/v1/proposals/999", nil, http.StatusNotFound, "")
	wantError(t, ts, "POST", "/api/v1/proposals", `{"objective": "speed"}`, http.StatusBadRequest, "objective")
	wantError(t, ts, "POST", "/api/v1/proposals", `{"time_limit": "forever"}`, http.StatusBadRequest, "time_limit")
	wantError(t, ts, "POST", "/api/v1/proposals", `{"time_limit": "1ns"}`, http.StatusBadRequest, "time_limit")
	wantError(t, ts, "POST", "/api/v1/proposals", `{"max_cycle": 5}`, http.StatusBadRequest, "max_cycle")
	// Answers are dated by the clearing house: a client cannot backdate one.
	wantError(t, ts, "POST", fmt.Sprintf("/api/v1/proposals/%d/accept", cycle.ID), `{"party": "T2", "date": "2023-12-31"}`, http.StatusBadRequest, "body")
	// Looking at a later day expires nothing.
	if status, _ := get(t, ts, "/?as_of=2024-06-30"); status != 200 {
		t.Errorf("dashboard as of a later day: %d", status)
	}
	if status := call(t, ts, "GET", fmt.Sprintf("/api/v1/proposals/%d", cycle.ID), nil, &got); status != 200 || got.Status != "pending" {
		t.Errorf("cycle after a look at a later day: %d %+v; want still pending", status, got)
	}

	// A trader answers on the proposal page: the form posts, and the browser is sent back.
	noRedirect := *ts.Client()
	noRedirect.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	form := url.Values{"party": {"T2"}, "answer": {"decline"}, "reason": {"price moved"}}
	resp, err := noRedirect.PostForm(fmt.Sprintf("%s/proposals/%d/respond", ts.URL, cycle.ID), form)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != fmt.Sprintf("/proposals/%d?answered=T2", cycle.ID) {
		t.Errorf("form: %d to %q; want 303 back to the proposal", resp.StatusCode, resp.Header.Get("Location"))
	}
	if status := call(t, ts, "GET", fmt.Sprintf("/api/v1/proposals/%d", cycle.ID), nil, &got); status != 200 || got.Status != "declined" {
		t.Errorf("cycle after T2 declined on the page: %d %+v; want declined", status, got)
	}
	var list struct{ Total int }
	if status := call(t, ts, "GET", "/api/v1/offers?status=open", nil, &list); status != 200 || list.Total != 2 {
		t.Errorf("open offers after the decline: %d %+v; want rice and wheat back in the pool", status, list)
	}
}

func TestServer_Reconciliations(t *testing.T) { eachStore(t, testServerReconciliations) }

func testServerReconciliations(t *testing.T, open opener) {
	ts, _ := newServer(t, open)
	var rec barterhttp.Reconciliation
	if status := call(t, ts, "POST", "/api/v1/reconciliations", `{"as_of": "2024-12-31"}`, &rec); status != http.StatusCreated || len(rec.Cancelled) != 2 {
		t.Errorf("reconcile: %d %+v; want both authorizations cancelled", status, rec)
	}
	wantError(t, ts, "POST", "/api/v1/reconciliations", `{}`, http.StatusBadRequest, "as_of")
}

func TestServer_OfferPages(t *testing.T) { eachStore(t, testServerOfferPages) }

func testServerOfferPages(t *testing.T, open opener) {
	ts, svc := newServer(t, open)
	mustOffers(t, ts, svc)
	noRedirect := *ts.Client()
	noRedirect.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	form := url.Values{"id": {"dates"}, "party": {storetest.Trader}, "country": {"pk"}, "regime": {"2025"}, "gives": {"0804.10"},
		"value_min": {"700.00"}, "value_max": {"800.00"}, "delivery_from": {"2024-01-01"}, "delivery_to": {"2024-02-28"},
		"wants": {"1001; 0713"}, "want_min": {"600"}, "want_max": {"900"}, "want_from": {"2024-01-01"}, "want_to": {"2024-03-31"}}
	resp, err := noRedirect.PostForm(ts.URL+"/offers", form)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/offers?created=dates" {
		t.Fatalf("new offer: %d to %q; want 303 to the pool", resp.StatusCode, resp.Header.Get("Location"))
	}
	o, err := svc.Offer(context.Background(), "dates")
	if err != nil || o.Country != "PK" || len(o.Wants) != 2 || o.Wants[1] != "0713" || o.Gives != "080410" || o.ValueMax != 80000 {
		t.Errorf("stored offer %+v, %v", o, err)
	}
	form.Set("id", "figs")
	form.Set("want_max", "lots")
	resp, err = noRedirect.PostForm(ts.URL+"/offers", form)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(body), "<b>want_max</b>") || !strings.Contains(string(body), `value="figs"`) {
		t.Errorf("refused offer: %d\n%s\nwant 400 naming want_max, with what was typed", resp.StatusCode, body)
	}
	if _, err := svc.Offer(context.Background(), "figs"); barter.ErrorCode(err) != barter.ENotFound {
		t.Errorf("a refused offer was stored: %v", err)
	}
	for _, tt := range []struct {
		path   string
		status int
		want   string
	}{
		{"/offers?created=dates", 200, "Offer dates is in the pool."},
		{"/offers?from=rice&to=cement&as_of=2024-01-10", 200, "rice (T1) can give to cement (T2): 1,000.00 PKR would move."},
		{"/offers?from=cement&to=rice&as_of=2024-01-10", 200, "<li>rice wants 1001, not 252329</li>"},
		{"/offers?from=rice&to=ghost", 404, "no offer &#34;ghost&#34;"},
		{"/offers/new", 200, `name="want_from"`},
	} {
		status, body := get(t, ts, tt.path)
		if status != tt.status || !strings.Contains(body, tt.want) {
			t.Errorf("%s: %d, want %d with %q", tt.path, status, tt.status, tt.want)
		}
	}
}

func TestServer_AuthorizationPages(t *testing.T) { eachStore(t, testServerAuthorizationPages) }

func testServerAuthorizationPages(t *testing.T, open opener) {
	ts, svc := newServer(t, open)
	early := storetest.MustPost(t, svc, storetest.GD(t, storetest.Auth2025, barter.Import, "2024-01-11", "1000"))
	late := storetest.MustPost(t, svc, storetest.GD(t, storetest.Auth2025, barter.Import, "2024-03-01", "50000"))
	// The declarations of an authorization, a page at a time, by day.
	var ds struct {
		Total int
		Items []barterhttp.Declaration
	}
	if status := call(t, ts, "GET", "/api/v1/declarations?authorization="+storetest.Auth2025+"&limit=1", nil, &ds); status != 200 || ds.Total != 2 ||
		len(ds.Items) != 1 || ds.Items[0].Number != early.Number || ds.Items[0].Value != "280000.00" || ds.Items[0].Entry != early.Entry {
		t.Errorf("declarations of %s: %d %+v; want 2, the first %s worth 280000.00", storetest.Auth2025, status, ds, early.Number)
	}
	wantError(t, ts, "GET", "/api/v1/declarations", nil, http.StatusBadRequest, "authorization")
	// One declaration with its reassessments.
	if _, err := svc.Reassess(context.Background(), early.Number, storetest.Dec(t, "1100"), barter.MustDate("2024-01-20")); err != nil {
		t.Fatal(err)
	}
	var rec barterhttp.DeclarationRecord
	if status := call(t, ts, "GET", "/api/v1/declarations/"+early.Number, nil, &rec); status != 200 || rec.Number != early.Number ||
		len(rec.Reassessments) != 1 || rec.Reassessments[0].Value != "308000.00" || rec.Reassessments[0].Delta != "28000.00" {
		t.Errorf("declaration %s: %d %+v; want it, reassessed to 308000.00 (+28000.00)", early.Number, status, rec)
	}
	wantError(t, ts, "GET", "/api/v1/declarations/GD-NONE", nil, http.StatusNotFound, "")
	// The regulator's report on January: the early declaration alone, booked with its
	// reassessment of January 20 by partner, and as posted by chapter.
	var report barterhttp.Report
	if status := call(t, ts, "GET", "/api/v1/report?from=2024-01-01&to=2024-01-31", nil, &report); status != 200 || len(report.Partners) != 1 ||
		report.Partners[0].Imports != "308000.00" || len(report.Chapters) != 1 || report.Chapters[0].Chapter != "07" || report.Chapters[0].Value != "280000.00" {
		t.Errorf("report on January: %d %+v; want RU's 308000.00, of which 280000.00 posted under chapter 07", status, report)
	}
	wantError(t, ts, "GET", "/api/v1/report?from=2024-01-01", nil, http.StatusBadRequest, "to")
	if status, body := get(t, ts, "/report?from=2024-01-01&to=2024-01-31"); status != 200 || !strings.Contains(body, `<td>RU</td><td class="num">1</td><td class="num">308,000.00</td>`) {
		t.Errorf("the report page on January: %d; want RU's 308,000.00", status)
	}
	if status, body := get(t, ts, "/report"); status != 200 || !strings.Contains(body, "Report on 2024-01-01 to 2024-01-05") {
		t.Errorf("the report page by default: %d; want the quarter to the server's day", status)
	}
	// The rules in force, as published.
	var rbs []barterhttp.Rulebook
	if status := call(t, ts, "GET", "/api/v1/rulebooks", nil, &rbs); status != 200 || len(rbs) != 2 || rbs[0].Regime != "2023" || !rbs[0].ImportFirst ||
		rbs[1].NetOffDays != 120 || !rbs[1].Undertaking || rbs[1].Tolerance != "0.2" {
		t.Errorf("rulebooks: %d %+v; want 2023 import first, then 2025 with 120 days and undertakings", status, rbs)
	}
	// The authorizations page finds a declaration by its number.
	if status, body := get(t, ts, "/declarations?number=+"+early.Number+"+"); status != 200 || !strings.Contains(body, "Goods declaration "+early.Number) {
		t.Errorf("finding %s: %d", early.Number, status)
	}
	if status, _ := get(t, ts, "/declarations?number="); status != http.StatusBadRequest {
		t.Errorf("finding no number: %d; want 400", status)
	}
	// Customs reassess over the API, dated by the server's clock (2024-01-05 here, before
	// the declaration: refused), and on the declaration's page.
	wantError(t, ts, "POST", "/api/v1/declarations/"+early.Number+"/reassessments", `{"assessed_value": "1200"}`, http.StatusBadRequest, "date")
	wantError(t, ts, "POST", "/api/v1/declarations/"+early.Number+"/reassessments", `{}`, http.StatusBadRequest, "assessed_value")
	wantError(t, ts, "POST", "/api/v1/declarations/GD-NONE/reassessments", `{"assessed_value": "1200"}`, http.StatusNotFound, "")
	now := svc.Now
	svc.Now = func() time.Time { return time.Date(2024, 1, 25, 9, 0, 0, 0, time.UTC) }
	var re barterhttp.Reassessment
	if status := call(t, ts, "POST", "/api/v1/declarations/"+early.Number+"/reassessments", `{"assessed_value": "1200"}`, &re); status != http.StatusCreated ||
		re.Date != "2024-01-25" || re.Value != "336000.00" || re.Delta != "28000.00" {
		t.Errorf("reassess over the API: %d %+v; want 336000.00 (+28000.00) on 2024-01-25", status, re)
	}
	if formResp, err := ts.Client().PostForm(ts.URL+"/declarations/"+early.Number+"/reassess", url.Values{"assessed_value": {"1250"}}); err != nil {
		t.Fatal(err)
	} else {
		formResp.Body.Close()
	}
	var same barterhttp.Reassessment
	if status := call(t, ts, "POST", "/api/v1/declarations/"+early.Number+"/reassessments", `{"assessed_value": "1250"}`, &same); status != http.StatusOK || same.Entry != 0 {
		t.Errorf("reassessing at the value it has: %d %+v; want 200 and nothing booked", status, same)
	}
	svc.Now = now
	if status, body := get(t, ts, "/declarations/"+early.Number); status != 200 || !strings.Contains(body, "350,000.00") || !strings.Contains(body, "Reassessments") ||
		!strings.Contains(body, `action="/declarations/`+early.Number+`/reassess"`) {
		t.Errorf("the declaration's page after the form: %d; want its third reassessment at 350,000.00 and the form", status)
	}
	wantError(t, ts, "GET", "/api/v1/declarations?authorization=BT-NONE", nil, http.StatusNotFound, "")
	app := barterhttp.Application{Party: storetest.Trader, Counterparty: storetest.Russian, Regime: "2025", Lines: []barterhttp.Line{
		{Direction: "import", HSCode: "0713", Description: "chickpeas", Quantity: "500", Unit: "t", Value: "350000", Currency: "USD"},
		{Direction: "export", HSCode: "1006", Description: "rice", Quantity: "520", Unit: "t", Value: "346840", Currency: "USD"},
	}}
	var a barterhttp.Authorization
	if status := call(t, ts, "POST", "/api/v1/authorizations", app, &a); status != http.StatusCreated {
		t.Fatalf("apply: %d", status)
	}
	var st barterhttp.Standing
	if status := call(t, ts, "GET", "/api/v1/authorizations/2?as_of=2024-01-12", nil, &st); status != 200 || st.Authorization.Number != storetest.Auth2025 ||
		len(st.Flows) != 1 || st.Flows[0].Imports != "280000.00" || st.Position == nil || st.Position.Status != "open" {
		t.Errorf("standing of %s: %d %+v", storetest.Auth2025, status, st)
	}
	var applied barterhttp.Standing
	if status := call(t, ts, "GET", fmt.Sprintf("/api/v1/authorizations/%d", a.ID), nil, &applied); status != 200 || applied.Position != nil || applied.Authorization.Status != "applied" {
		t.Errorf("standing of the application: %d %+v; want no position", status, applied)
	}
	for _, tt := range []struct {
		path   string
		status int
		want   string
	}{
		{"/authorizations?status=applied", 200, fmt.Sprintf(`<a href="/authorizations/%d">`, a.ID)},
		{fmt.Sprintf("/authorizations/%d", a.ID), 200, "Approve and issue a number"},
		{"/authorizations/number/" + storetest.Auth2025 + "?as_of=2024-01-12", 200, `<polyline points="10,190 `},
		{"/authorizations/number/" + storetest.Auth2025 + "?as_of=2024-01-12", 200, "To balance: export 224,000.00 PKR more by 2024-05-09."},
		{"/positions?as_of=2024-01-12", 200, `<small class="due">export 224,000.00</small>`},
		{"/authorizations/number/" + storetest.Auth2025 + "?as_of=2024-01-12", 200, `<td><a href="/declarations/` + early.Number + `">` + early.Number + "</a></td><td>2024-01-11</td><td>import</td>"},
		{"/authorizations/number/" + storetest.Auth2025 + "?as_of=2024-03-01", 200, late.Number + "</a></td><td>2024-03-01</td>"},
		{"/authorizations/number/nothing", 404, "Not found"},
		{"/rulebooks", 200, `<h2 id="rulebook-2025">Rulebook 2025</h2>`},
		{"/authorizations/number/" + storetest.Auth2025, 200, `<a href="/rulebooks#rulebook-2025">rulebook 2025</a>`},
		{"/positions?as_of=2024-01-12", 200, `href="/authorizations/number/BT-2025-1?as_of=2024-01-12"`},
		{"/?as_of=2024-01-12", 200, ">1</a></b>applications awaiting customs"},
	} {
		status, body := get(t, ts, tt.path)
		if status != tt.status || !strings.Contains(body, tt.want) {
			t.Errorf("%s: %d, want %d with %q", tt.path, status, tt.status, tt.want)
		}
	}
	if _, body := get(t, ts, "/authorizations/number/"+storetest.Auth2025+"?as_of=2024-01-12"); strings.Contains(body, late.Number) {
		t.Errorf("the page as of 2024-01-12 lists %s, posted on 2024-03-01", late.Number)
	}
	noRedirect := *ts.Client()
	noRedirect.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	decide := func(form url.Values) *http.Response {
		resp, err := noRedirect.PostForm(fmt.Sprintf("%s/authorizations/%d/decide", ts.URL, a.ID), form)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	if resp := decide(url.Values{"decision": {"reject"}}); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("rejected without a reason: %d; want 400", resp.StatusCode)
	}
	// A form posted from another site is refused before it is read.
	req, _ := http.NewRequest("POST", fmt.Sprintf("%s/authorizations/%d/decide", ts.URL, a.ID), strings.NewReader("decision=approve"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	if resp, err := noRedirect.Do(req); err != nil || resp.StatusCode != http.StatusForbidden {
		t.Errorf("a form from another site: %v %v; want 403", resp, err)
	}
	if st, err := svc.Standing(context.Background(), a.ID, barter.MustDate("2024-01-12")); err != nil || st.Authorization.Status != barter.StatusApplied {
		t.Errorf("after a form from another site: %+v %v; want still applied", st, err)
	}
	resp := decide(url.Values{"decision": {"approve"}})
	if want := fmt.Sprintf("/authorizations/%d?decided=approved", a.ID); resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != want {
		t.Fatalf("approve: %d to %q; want 303 to %s", resp.StatusCode, resp.Header.Get("Location"), want)
	}
	if status, body := get(t, ts, resp.Header.Get("Location")); status != 200 || !strings.Contains(body, "issued on 2024-01-05, net-off deadline 2024-05-04") {
		t.Errorf("after approval: %d\n%s", status, body)
	}
	if resp := decide(url.Values{"decision": {"approve"}}); resp.StatusCode != http.StatusConflict {
		t.Errorf("approving twice: %d; want 409", resp.StatusCode)
	}
}

// get fetches a page and returns its status and HTML.
func get(t *testing.T, ts *httptest.Server, path string) (int, string) {
	t.Helper()
	resp, err := ts.Client().Get(ts.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
		t.Errorf("%s: content type %q", path, ct)
	}
	return resp.StatusCode, string(b)
}

func TestServer_DeclarationPages(t *testing.T) { eachStore(t, testServerDeclarationPages) }

// testServerDeclarationPages: an authorization's page lists its declarations a page at
// a time.
func testServerDeclarationPages(t *testing.T, open opener) {
	ts, svc := newServer(t, open)
	var last barter.Declaration
	for range 52 {
		last = storetest.MustPost(t, svc, storetest.GD(t, storetest.Auth2025, barter.Import, "2024-01-15", "10"))
	}
	path := "/authorizations/number/" + storetest.Auth2025 + "?as_of=2024-01-31"
	_, first := get(t, ts, path)
	_, second := get(t, ts, path+"&page=2")
	if strings.Count(first, `<tr><td><a href="/declarations/GD-`) != 50 || !strings.Contains(first, "1–50 of 52") || !strings.Contains(first, `rel="next"`) || strings.Contains(first, last.Number) {
		t.Errorf("page 1 of the declarations: want 50 rows of 52 and a link to the next")
	}
	if strings.Count(second, `<tr><td><a href="/declarations/GD-`) != 2 || !strings.Contains(second, "51–52 of 52") || !strings.Contains(second, last.Number) {
		t.Errorf("page 2 of the declarations: want the last 2 of 52")
	}
}

func TestServer_Pages(t *testing.T) { eachStore(t, testServerPages) }

func testServerPages(t *testing.T, open opener) {
	ts, svc := newServer(t, open)
	storetest.MustPost(t, svc, storetest.GD(t, storetest.Auth2025, barter.Import, "2024-01-11", "1000"))
	mustOffers(t, ts, svc)
	if status := call(t, ts, "POST", "/api/v1/proposals", barterhttp.ProposalRequest{}, nil); status != http.StatusCreated {
		t.Fatalf("propose: %d", status)
	}
	checkPages(t, ts, []pageWant{
		{"/?as_of=2024-01-12", 200, []string{"Clearing house as of 2024-01-12", "280,000.00", ">2</a></b>proposals awaiting", "more than 90 days"}},
		{"/positions?as_of=2024-02-01&status=open", 200, []string{storetest.Auth2025, "280,000.00", "1–2 of 2"}},
		{"/positions?as_of=2024-02-01&page=2", 200, []string{"Nothing on this page; 2 in all", `rel="prev"`}},
		{"/offers?status=proposed", 200, []string{"kinnow", "1–5 of 5"}},
		{"/proposals", 200, []string{"Proposal 1", "<svg", "1,200.00"}},
		{"/proposals/1", 200, []string{"Accept", `name="reason"`, "<svg"}},
		{"/proposals/99", 404, []string{"Not found", "no proposal &#34;99&#34;"}},
		{"/positions?page=0", 400, []string{"Please check the request", "<b>page</b>"}},
		{"/nowhere", 404, []string{"there is no page /nowhere"}},
	})
}

// pageWant is a page to fetch, the status it answers with and what it must say.
type pageWant struct {
	path   string
	status int
	want   []string
}

func checkPages(t *testing.T, ts *httptest.Server, pages []pageWant) {
	t.Helper()
	for _, tt := range pages {
		status, body := get(t, ts, tt.path)
		if status != tt.status {
			t.Errorf("%s: status %d, want %d", tt.path, status, tt.status)
		}
		for _, w := range tt.want {
			if !strings.Contains(body, w) {
				t.Errorf("%s: page lacks %q", tt.path, w)
			}
		}
	}
}

func TestServer_IdempotencyKey(t *testing.T) { eachStore(t, testServerIdempotencyKey) }

func testServerIdempotencyKey(t *testing.T, open opener) {
	ts, svc := newServer(t, open)
	key := func(k string) http.Header { return http.Header{"Idempotency-Key": {k}} }
	app := barterhttp.Application{Party: storetest.Trader, Counterparty: storetest.Russian, Regime: "2025", Lines: []barterhttp.Line{
		{Direction: "import", HSCode: "0713", Description: "chickpeas", Quantity: "500", Unit: "t", Value: "350000", Currency: "USD"},
		{Direction: "export", HSCode: "1006", Description: "rice", Quantity: "520", Unit: "t", Value: "346840", Currency: "USD"},
	}}
	status, h, first := send(t, ts, "POST", "/api/v1/authorizations", app, key("apply-1"))
	if status != http.StatusCreated || h.Get("Idempotent-Replayed") != "" {
		t.Fatalf("apply: %d %v %s", status, h, first)
	}
	status, h, again := send(t, ts, "POST", "/api/v1/authorizations", app, key("apply-1"))
	if status != http.StatusCreated || h.Get("Idempotent-Replayed") != "true" || !bytes.Equal(again, first) {
		t.Errorf("retry: %d %v %s; want the first answer replayed: %s", status, h, again, first)
	}
	applied := func() int {
		var list struct{ Total int }
		call(t, ts, "GET", "/api/v1/authorizations?status=applied", nil, &list)
		return list.Total
	}
	if n := applied(); n != 1 {
		t.Errorf("%d applications after a retry; want 1", n)
	}
	other := app
	other.Regime = "2023"
	var e apiError
	status, _, raw := send(t, ts, "POST", "/api/v1/authorizations", other, key("apply-1"))
	if json.Unmarshal(raw, &e); status != http.StatusBadRequest || e.Error.Field != "Idempotency-Key" {
		t.Errorf("key reused for another request: %d %s; want 400 about the key", status, raw)
	}
	// A request that failed kept nothing: the corrected request may use the same key.
	bad := app
	bad.Party = "ghost"
	if status, _, raw := send(t, ts, "POST", "/api/v1/authorizations", bad, key("apply-2")); status != http.StatusBadRequest {
		t.Errorf("bad application: %d %s", status, raw)
	}
	if status, _, raw := send(t, ts, "POST", "/api/v1/authorizations", app, key("apply-2")); status != http.StatusCreated {
		t.Errorf("corrected application under the failed request's key: %d %s", status, raw)
	}
	if n := applied(); n != 2 {
		t.Errorf("%d applications; want 2", n)
	}

	// Retries of a matching run racing each other: one run, and every answer is either
	// its answer or "in progress".
	mustOffers(t, ts, svc)
	req := barterhttp.ProposalRequest{Deadline: "2024-01-20"}
	const racers = 6
	var wg sync.WaitGroup
	answers := make([][]byte, racers)
	statuses := make([]int, racers)
	for i := range racers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			statuses[i], _, answers[i] = send(t, ts, "POST", "/api/v1/proposals", req, key("run-1"))
		}()
	}
	wg.Wait()
	var created []byte
	for i, st := range statuses {
		switch {
		case st == http.StatusCreated && created == nil:
			created = answers[i]
		case st == http.StatusCreated && !bytes.Equal(answers[i], created):
			t.Errorf("two different answers under one key:\n%s\n%s", created, answers[i])
		case st != http.StatusCreated && st != http.StatusConflict:
			t.Errorf("racing retry: %d %s", st, answers[i])
		}
	}
	var list struct{ Total int }
	if call(t, ts, "GET", "/api/v1/proposals", nil, &list); created == nil || list.Total != 2 {
		t.Errorf("after %d racing retries: %d proposals, first answer %s; want the 2 of one run", racers, list.Total, created)
	}
}

// hangUp is a store on which the request's client hangs up just after the first write
// commits, before the answer is sent.
type hangUp struct {
	barter.Store
	cancel func()
}

func (h *hangUp) Update(ctx context.Context, fn func(barter.Tx) error) error {
	err := h.Store.Update(ctx, fn)
	if err == nil && h.cancel != nil {
		h.cancel()
		h.cancel = nil
	}
	return err
}

// TestServer_IdempotencyKeyClientGone retries a request whose client hung up after the
// work committed: the retry gets the first answer, not a second application.
func TestServer_IdempotencyKeyClientGone(t *testing.T) {
	store, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "barter.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	h := &hangUp{Store: store}
	svc := storetest.NewService(t, h)
	storetest.MustSeed(t, svc)
	srv := barterhttp.NewServer(svc, slog.New(slog.NewTextHandler(io.Discard, nil)))
	body := `{"party": "T1", "counterparty": "RU1", "regime": "2025", "lines": [
		{"direction": "import", "hs_code": "0713", "description": "c", "quantity": "1", "unit": "t", "value": "100", "currency": "USD"},
		{"direction": "export", "hs_code": "1006", "description": "r", "quantity": "1", "unit": "t", "value": "100", "currency": "USD"}]}`
	post := func(ctx context.Context) *httptest.ResponseRecorder {
		req := httptest.NewRequest("POST", "/api/v1/authorizations", strings.NewReader(body)).WithContext(ctx)
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Idempotency-Key", "apply-9")
		w := httptest.NewRecorder()
		srv.ServeHTTP(w, req)
		return w
	}
	ctx, cancel := context.WithCancel(context.Background())
	h.cancel = cancel
	first := post(ctx)
	if first.Code != http.StatusCreated {
		t.Fatalf("first: %d %s", first.Code, first.Body)
	}
	retry := post(context.Background())
	if retry.Code != http.StatusCreated || retry.Header().Get("Idempotent-Replayed") != "true" || retry.Body.String() != first.Body.String() {
		t.Errorf("retry after the client hung up: %d %s; want the first answer %s", retry.Code, retry.Body, first.Body)
	}
	as, err := svc.Authorizations(context.Background(), barter.StatusApplied)
	if err != nil || len(as) != 1 {
		t.Errorf("%d applications, %v; want 1", len(as), err)
	}
}

// withImports wires the declarations importer, as the command does.
func withImports(t *testing.T, open opener) (*httptest.Server, *barter.Service) {
	t.Helper()
	return newServerWith(t, open, func(srv *barterhttp.Server) {
		srv.Importers = []barterhttp.Importer{{Kind: "declarations", Columns: csvfile.DeclarationColumns,
			Run: func(ctx context.Context, svc *barter.Service, in io.Reader, o barter.ImportOptions) (barter.ImportReport, error) {
				rows, err := csvfile.Declarations(in)
				if err != nil {
					return barter.ImportReport{}, err
				}
				return svc.ImportDeclarations(ctx, rows, o)
			}}}
	})
}

const (
	gdHeader = "number,authorization,direction,date,hs_code,quantity,unit,currency,declared_value,assessed_value\n"
	gdGood   = gdHeader + "GD-I-1,BT-2025-1,import,2024-01-15,071320,10,t,USD,1000,\nGD-E-1,BT-2025-1,export,2024-01-16,100630,10,t,USD,900,\n"
	gdBad    = gdHeader + "GD-I-2,BT-2025-1,import,2024-01-15,071320,10,t,USD,1000,\nGD-E-2,BT-2025-1,export,2024-01-16,100630,10,t,USD,lots,\nGD-E-3,BT-9,export,2024-01-16,100630,10,t,USD,5,\n"
)

func postCSV(t *testing.T, ts *httptest.Server, path, body string) (int, barterhttp.ImportReport) {
	t.Helper()
	resp, err := ts.Client().Post(ts.URL+path, "text/csv", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var rep barterhttp.ImportReport
	if err := json.NewDecoder(resp.Body).Decode(&rep); err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, rep
}

func TestServer_Imports(t *testing.T) { eachStore(t, testServerImports) }

func testServerImports(t *testing.T, open opener) {
	ts, _ := withImports(t, open)
	if status, rep := postCSV(t, ts, "/api/v1/imports/declarations", gdGood); status != http.StatusCreated || rep.Written != 2 {
		t.Fatalf("import: %d %+v; want 2 written", status, rep)
	}
	if status, rep := postCSV(t, ts, "/api/v1/imports/declarations", gdGood); status != http.StatusOK || rep.Duplicates != 2 || rep.Written != 0 {
		t.Errorf("the same file again: %d %+v; want 2 already present", status, rep)
	}
	status, rep := postCSV(t, ts, "/api/v1/imports/declarations", gdBad)
	if status != http.StatusBadRequest || rep.Rejected != 2 || rep.Written != 0 || len(rep.Errors) != 2 ||
		rep.Errors[0] != (barterhttp.RowError{Line: 3, Field: "declared_value", Reason: rep.Errors[0].Reason}) || rep.Errors[1].Line != 4 || rep.Errors[1].Field != "authorization" {
		t.Errorf("bad file: %d %+v; want 400 naming lines 3 and 4", status, rep)
	}
	if n := entries(t, ts); n != 2 {
		t.Errorf("ledger has %d entries after a refused file; want the first file's 2", n)
	}
	if status, rep := postCSV(t, ts, "/api/v1/imports/whales", gdGood); status != http.StatusNotFound || rep.Error == nil || rep.Error.Field != "kind" {
		t.Errorf("unknown kind: %d %+v", status, rep)
	}
	wantError(t, ts, "POST", "/api/v1/imports/declarations", `{"number": "x"}`, http.StatusBadRequest, "Content-Type")

	// The same from the page: a file uploaded with a form.
	upload := func(kind, name, content string) (int, string) {
		var b bytes.Buffer
		mw := multipart.NewWriter(&b)
		mw.WriteField("kind", kind)
		fw, _ := mw.CreateFormFile("file", name)
		io.WriteString(fw, content)
		mw.Close()
		resp, err := ts.Client().Post(ts.URL+"/imports", mw.FormDataContentType(), &b)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body)
	}
	if status, body := upload("declarations", "gds.csv", gdBad); status != http.StatusBadRequest ||
		!strings.Contains(body, "gds.csv: 2 of 3 rows rejected; nothing was imported.") || !strings.Contains(body, "<code>gds.csv:3: declared_value: ") {
		t.Errorf("bad upload: %d\n%s", status, body)
	}
	if status, body := upload("declarations", "more.csv", strings.NewReplacer("GD-I-1", "GD-I-5", "GD-E-1", "GD-E-5").Replace(gdGood)); status != http.StatusCreated ||
		!strings.Contains(body, "more.csv: imported 2 declarations, 0 already present, from 2 rows.") {
		t.Errorf("good upload: %d\n%s", status, body)
	}
	if status, body := get(t, ts, "/imports"); status != 200 || !strings.Contains(body, `name="kind" value="declarations"`) {
		t.Errorf("imports page: %d", status)
	}
}

// TestServer_ForgetsOldKeys serves with KeepKeys set: a key claimed longer ago than that
// is forgotten when the server starts, and a recent one is kept.
func TestServer_ForgetsOldKeys(t *testing.T) {
	store, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "barter.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	svc := storetest.NewService(t, store)
	now := time.Now() // keys age by the real clock, whatever day the service is pinned to
	for i, ago := range []time.Duration{8 * 24 * time.Hour, time.Hour} {
		at := *svc
		at.Clock = func() time.Time { return now.Add(-ago) }
		p := &barter.Party{ID: fmt.Sprintf("K%d", i), Name: "Keyed", Country: "RU", TaxID: fmt.Sprint(1000 + i), Kind: barter.PartyPrivate}
		if err := at.CreateParty(barter.WithIdempotencyKey(context.Background(), p.ID, "POST /parties"), p); err != nil {
			t.Fatal(err)
		}
	}
	srv := barterhttp.NewServer(svc, slog.New(slog.NewTextHandler(io.Discard, nil)))
	srv.KeepKeys = 7 * 24 * time.Hour
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.ListenAndServe(ctx, "127.0.0.1:0", nil) }()
	kept := func(key string) bool {
		_, err := svc.StoredResponse(context.Background(), key)
		return err == nil
	}
	for deadline := time.Now().Add(10 * time.Second); kept("K0") && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
	}
	stop()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if kept("K0") || !kept("K1") {
		t.Errorf("keys kept: 8 days old %v, an hour old %v; want only the recent one", kept("K0"), kept("K1"))
	}
}

func TestServer_MatchingForm(t *testing.T) { eachStore(t, testServerMatchingForm) }

// testServerMatchingForm runs a matching from the proposals page, as a clearing operator
// would without the command line.
func testServerMatchingForm(t *testing.T, open opener) {
	ts, svc := newServer(t, open)
	mustOffers(t, ts, svc)
	post := func(form url.Values) (int, string) {
		t.Helper()
		resp, err := ts.Client().PostForm(ts.URL+"/proposals", form)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body)
	}
	for _, tt := range []struct {
		form  url.Values
		field string
	}{
		{url.Values{"max_cycle": {"5"}}, "max_cycle"},
		{url.Values{"max_cycle": {"three"}}, "max_cycle"},
		{url.Values{"time_limit": {"0"}}, "time_limit"},
		{url.Values{"deadline": {"2023-12-31"}}, "deadline"},
		{url.Values{"objective": {"parties"}, "priority_days": {"30"}}, "priority_days"},
	} {
		if status, body := post(tt.form); status != http.StatusBadRequest || !strings.Contains(body, "<b>"+tt.field+"</b>") {
			t.Errorf("%v: %d; want 400 naming %s", tt.form, status, tt.field)
		}
	}
	if ps, err := svc.Proposals(t.Context(), "", barter.MustDate("2024-01-05")); err != nil || len(ps) != 0 {
		t.Fatalf("refused runs made %d proposals, %v", len(ps), err)
	}
	status, body := post(url.Values{"max_cycle": {"3"}, "deadline": {"2024-01-20"}, "time_limit": {"10"}, "objective": {"value"}})
	for _, want := range []string{"Matched 5 open offers", "2 new proposals moving 4,400.00 PKR; proven the most possible.", "Proposal 1", "Proposal 2", "answer by 2024-01-20"} {
		if status != http.StatusCreated || !strings.Contains(body, want) {
			t.Errorf("run: %d; want 201 with %q in\n%s", status, want, body)
		}
	}
}
