package http_test

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/barter-clearing/barter"
	"github.com/barter-clearing/barter/csvfile"
	barterhttp "github.com/barter-clearing/barter/http"
	"github.com/barter-clearing/barter/internal/storetest"
)

// loop is A owes B 100, B owes C 70, C owes A 50.50 in PKR: 50.50 can be set off around
// the loop. D owes A 10 USD, which nothing offsets.
var loop = []barterhttp.Obligation{
	{ID: "a", Debtor: "A", Creditor: "B", Amount: "100"},
	{ID: "b", Debtor: "B", Creditor: "C", Amount: "70.00"},
	{ID: "c", Debtor: "C", Creditor: "A", Amount: "50.50", Currency: "PKR"},
	{ID: "d", Debtor: "D", Creditor: "A", Amount: "10", Currency: "USD"},
}

func TestServer_Clearing(t *testing.T) { eachStore(t, testServerClearing) }

func testServerClearing(t *testing.T, open opener) {
	ts, _ := newServer(t, open)
	before := entries(t, ts)
	var run barterhttp.ClearingReview
	status := call(t, ts, "POST", "/api/v1/clearing-runs?parties=2", barterhttp.ClearingRequest{Obligations: loop, Source: "test"}, &run)
	if status != http.StatusCreated || run.ID == 0 || run.Status != "draft" || run.Source != "test" || run.Obligations != 4 || run.Parties != 4 {
		t.Fatalf("create: %d %+v", status, run)
	}
	if len(run.Currencies) != 2 || len(run.Effects) != 2 {
		t.Fatalf("review: %+v; want PKR and USD, and the 2 parties asked for", run)
	}
	pkr, usd := run.Currencies[0], run.Currencies[1]
	if pkr.Currency != "PKR" || pkr.Gross != "220.50" || pkr.Cleared != "151.50" || pkr.Residual != "69.00" || pkr.ClearedPercent != "68.7" || pkr.Loops != 1 {
		t.Errorf("PKR: %+v; want 151.50 of 220.50 (68.7 %%) set off in one loop", pkr)
	}
	if len(pkr.Cycles) != 1 || pkr.Cycles[0].Amount != "50.50" || !sameLoop(pkr.Cycles[0].Parties, []string{"A", "B", "C"}) {
		t.Errorf("PKR cycles: %+v; want A -> B -> C by 50.50", pkr.Cycles)
	}
	if usd.Currency != "USD" || usd.Cleared != "0.00" || usd.Residual != "10.00" || usd.ClearedPercent != "0.0" || len(usd.Cycles) != 0 {
		t.Errorf("USD: %+v; want nothing set off", usd)
	}
	// The largest gross in a currency first: B owes 70 and is owed 100 in PKR.
	if e := run.Effects[0]; e.Party != "B" || e.Currency != "PKR" || e.Owes != "70.00" || e.Owed != "100.00" || e.Cleared != "50.50" || e.Net != "30.00" {
		t.Errorf("first effect %+v; want B's in PKR", e)
	}
	path := fmt.Sprintf("/api/v1/clearing-runs/%d", run.ID)
	var obs struct {
		Total int
		Items []barterhttp.Obligation
	}
	if call(t, ts, "GET", path+"/obligations?offset=1&limit=1", nil, &obs); obs.Total != 4 || len(obs.Items) != 1 ||
		obs.Items[0] != (barterhttp.Obligation{ID: "b", Debtor: "B", Creditor: "C", Amount: "70.00", Currency: "PKR", Cleared: "50.50", Remaining: "19.50"}) {
		t.Errorf("obligations page: %+v", obs)
	}
	if n := entries(t, ts); n != before {
		t.Errorf("a draft booked %d entries", n-before)
	}
	var done barterhttp.ClearingReview
	if status := call(t, ts, "POST", path+"/commit", `{"as_of": "2024-06-30"}`, &done); status != http.StatusOK ||
		done.Status != "committed" || done.Committed != "2024-06-30" || done.Entry == 0 {
		t.Errorf("commit: %d %+v", status, done)
	}
	if n := entries(t, ts); n != before+1 {
		t.Errorf("commit booked %d entries; want 1", n-before)
	}
	wantError(t, ts, "POST", path+"/commit", `{}`, http.StatusConflict, "")
	var list struct {
		Total int
		Items []barterhttp.ClearingRun
	}
	if call(t, ts, "GET", "/api/v1/clearing-runs", nil, &list); list.Total != 1 || list.Items[0].Status != "committed" || list.Items[0].Entry != done.Entry {
		t.Errorf("runs: %+v", list)
	}

	for _, tt := range []struct {
		body  any
		field string
	}{
		{barterhttp.ClearingRequest{Obligations: []barterhttp.Obligation{{ID: "x", Debtor: "A", Creditor: "B", Amount: "-1"}}}, "obligations[0].amount"},
		{barterhttp.ClearingRequest{Obligations: []barterhttp.Obligation{{ID: "x", Debtor: "A", Creditor: "A", Amount: "1"}}}, "obligations[0].creditor"},
		{barterhttp.ClearingRequest{Obligations: []barterhttp.Obligation{{ID: "x", Debtor: "A", Creditor: "B", Amount: "1", Currency: "XYZ"}}}, "obligations[0].currency"},
		{barterhttp.ClearingRequest{Obligations: []barterhttp.Obligation{{ID: "x", Debtor: "A", Creditor: "B", Amount: "1.001"}}}, "obligations[0].amount"},
		{barterhttp.ClearingRequest{Obligations: loop, FromPositions: true}, "obligations"},
		{barterhttp.ClearingRequest{}, "obligations"},
		{`{"from_positions": true, "as_of": "31/12/2024"}`, "as_of"},
		{`{"from_positions": true, "as_of": "2024-12-31"}`, "as_of"}, // nothing is owed
	} {
		wantError(t, ts, "POST", "/api/v1/clearing-runs", tt.body, http.StatusBadRequest, tt.field)
	}
	// What the answer shows is checked before anything is done.
	wantError(t, ts, "POST", "/api/v1/clearing-runs?cycles=5000", barterhttp.ClearingRequest{Obligations: loop}, http.StatusBadRequest, "cycles")
	var draft barterhttp.ClearingReview
	if status := call(t, ts, "POST", "/api/v1/clearing-runs", barterhttp.ClearingRequest{Obligations: loop}, &draft); status != http.StatusCreated {
		t.Fatalf("second run: %d", status)
	}
	draftPath := fmt.Sprintf("/api/v1/clearing-runs/%d", draft.ID)
	wantError(t, ts, "POST", draftPath+"/commit?parties=-1", `{}`, http.StatusBadRequest, "parties")
	if call(t, ts, "GET", draftPath, nil, &draft); draft.Status != "draft" {
		t.Errorf("a refused commit committed: %+v", draft.ClearingRun)
	}
	if call(t, ts, "GET", "/api/v1/clearing-runs", nil, &list); list.Total != 2 {
		t.Errorf("refused requests made runs: %d in all; want the 2 accepted", list.Total)
	}
	wantError(t, ts, "GET", "/api/v1/clearing-runs/99", nil, http.StatusNotFound, "")
	wantError(t, ts, "GET", "/api/v1/clearing-runs/x", nil, http.StatusBadRequest, "id")
	wantError(t, ts, "GET", path+"?cycles=-1", nil, http.StatusBadRequest, "cycles")
}

// sameLoop reports whether two loops are the same up to where they start.
func sameLoop(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for k := range a {
		if slices.Equal(append(a[k:len(a):len(a)], a[:k]...), b) {
			return true
		}
	}
	return false
}

func TestServer_ClearingFromPositions(t *testing.T) { eachStore(t, testServerClearingFromPositions) }

func testServerClearingFromPositions(t *testing.T, open opener) {
	ts, svc := newServer(t, open)
	// 1,000 USD imported at 280 and nothing exported: overdue by the end of the year, the
	// trader owes its counterparty 280,000.00 PKR.
	storetest.MustPost(t, svc, storetest.GD(t, storetest.Auth2025, barter.Import, "2024-01-11", "1000"))
	var run barterhttp.ClearingReview
	status := call(t, ts, "POST", "/api/v1/clearing-runs", `{"from_positions": true, "as_of": "2024-12-31"}`, &run)
	if status != http.StatusCreated || run.Source != barter.PositionsSource+"2024-12-31" || run.Obligations != 1 ||
		len(run.Currencies) != 1 || run.Currencies[0].Gross != "280000.00" || run.Currencies[0].Cleared != "0.00" {
		t.Errorf("from positions: %d %+v", status, run)
	}
	key := http.Header{"Idempotency-Key": {"run-1"}}
	status, h, first := send(t, ts, "POST", "/api/v1/clearing-runs", barterhttp.ClearingRequest{Obligations: loop}, key)
	status2, h2, again := send(t, ts, "POST", "/api/v1/clearing-runs", barterhttp.ClearingRequest{Obligations: loop}, key)
	if status != http.StatusCreated || status2 != http.StatusCreated || h.Get("Idempotent-Replayed") != "" || h2.Get("Idempotent-Replayed") != "true" || !bytes.Equal(first, again) {
		t.Errorf("retried create: %d %d %v\n%s\n%s", status, status2, h2, first, again)
	}
	var list struct{ Total int }
	if call(t, ts, "GET", "/api/v1/clearing-runs", nil, &list); list.Total != 2 {
		t.Errorf("%d runs after a retried create; want 2", list.Total)
	}
}

// readObligations reads an uploaded obligations file for the tests, as the command does.
func readObligations(in io.Reader, currency string) ([]barter.Obligation, error) {
	rows, err := csvfile.Obligations(in)
	if err != nil {
		return nil, barter.Invalid("header", "%v", err)
	}
	var obs []barter.Obligation
	var bad []error
	for r := range rows {
		if r.Err != nil {
			bad = append(bad, fmt.Errorf("line %d: %w", r.Line, r.Err))
			continue
		}
		r.Value.Currency = cmp.Or(r.Value.Currency, currency)
		obs = append(obs, r.Value)
	}
	if bad != nil {
		return nil, barter.Invalid("file", "%v", errors.Join(bad...))
	}
	return obs, nil
}

func TestServer_ClearingPages(t *testing.T) { eachStore(t, testServerClearingPages) }

func testServerClearingPages(t *testing.T, open opener) {
	ts, svc := newServerWith(t, open, func(s *barterhttp.Server) { s.ReadObligations = readObligations })
	storetest.MustPost(t, svc, storetest.GD(t, storetest.Auth2025, barter.Import, "2024-01-11", "1000"))
	noRedirect := *ts.Client()
	noRedirect.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	upload := func(name, content string) *http.Response {
		t.Helper()
		var body bytes.Buffer
		mw := multipart.NewWriter(&body)
		mw.WriteField("currency", "usd")
		fw, _ := mw.CreateFormFile("file", name)
		io.WriteString(fw, content)
		mw.Close()
		resp, err := noRedirect.Post(ts.URL+"/clearing", mw.FormDataContentType(), &body)
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}
	resp := upload("loop.csv", "id,debtor,creditor,amount\na,A,B,100\nb,B,C,70\nc,C,A,50.50\n")
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/clearing/1" {
		t.Fatalf("upload: %d to %q; want 303 to the run", resp.StatusCode, resp.Header.Get("Location"))
	}
	r, err := svc.ClearingRun(t.Context(), 1)
	if err != nil || r.Source != "loop.csv" || len(r.Obligations) != 3 || r.Obligations[0].Currency != "USD" || r.Obligations[2].Cleared != 5050 {
		t.Fatalf("stored run %+v, %v", r, err)
	}
	resp = upload("bad.csv", "id,debtor,creditor,amount\na,A,A,100\nb,B,C,lots\n")
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(body), "<b>file</b>") || !strings.Contains(string(body), "line 3") {
		t.Errorf("bad file: %d\n%s\nwant 400 naming the bad lines", resp.StatusCode, body)
	}
	resp, err = noRedirect.PostForm(ts.URL+"/clearing", url.Values{"from": {"positions"}, "as_of": {"2024-12-31"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/clearing/2" {
		t.Errorf("from positions: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	checkPages(t, ts, []pageWant{
		{"/clearing", 200, []string{"Run 2", "Run 1", "loop.csv", "positions as of 2024-12-31", "1–2 of 2"}},
		{"/clearing/1", 200, []string{"USD: 68.7 % of the gross set off", "151.50", "69.00", "(1 of 1)", "<svg", "Commit"}},
		{"/clearing/9", 404, []string{"Not found"}},
	})
	commit := func() *http.Response {
		resp, err := noRedirect.PostForm(ts.URL+"/clearing/1/commit", url.Values{"as_of": {"2024-07-01"}})
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	if resp := commit(); resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/clearing/1?committed=1" {
		t.Fatalf("commit: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	if status, body := get(t, ts, "/clearing/1?committed=1"); status != 200 || !strings.Contains(body, "booked on 2024-07-01 as ledger entry") || strings.Contains(body, "Commit:") {
		t.Errorf("after commit: %d\n%s", status, body)
	}
	if resp := commit(); resp.StatusCode != http.StatusConflict {
		t.Errorf("committing twice: %d; want 409", resp.StatusCode)
	}
	// What the run leaves is settled through the clearing house: A owes 49.50 net, and
	// B and C are owed 30.00 and 19.50.
	file := func(path string) (int, string, string) {
		t.Helper()
		resp, err := ts.Client().Get(ts.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, resp.Header.Get("Content-Disposition"), string(b)
	}
	const want = "payer,payee,amount,currency\nA,CLEARING-HOUSE,49.50,USD\nCLEARING-HOUSE,B,30.00,USD\nCLEARING-HOUSE,C,19.50,USD\n"
	if status, disp, body := file("/clearing/1/settlement.csv"); status != 200 || body != want || !strings.Contains(disp, "clearing-run-1-settlement.csv") {
		t.Errorf("settlement: %d %q\n%s\nwant\n%s", status, disp, body, want)
	}
	if status, _, body := file("/clearing/1/payouts.xml"); status != 200 || !strings.Contains(body, "pain.001.001.09") ||
		!strings.Contains(body, "<CtrlSum>49.50</CtrlSum>") || !strings.Contains(body, "<NbOfTxs>2</NbOfTxs>") {
		t.Errorf("payouts: %d\n%s", status, body)
	}
	if status, _, _ := file("/clearing/2/settlement.csv"); status != http.StatusConflict {
		t.Errorf("settlement of a draft: %d; want 409", status)
	}
	var set barterhttp.Settlement
	if status := call(t, ts, "GET", "/api/v1/clearing-runs/1/settlement", nil, &set); status != 200 || len(set.Payments) != 3 ||
		set.Payments[0] != (barterhttp.Payment{Payer: "A", Payee: "CLEARING-HOUSE", Amount: "49.50", Currency: "USD"}) {
		t.Errorf("settlement over the API: %d %+v", status, set)
	}
}
