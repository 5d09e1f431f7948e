package http_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/barter-clearing/barter"
	barterhttp "github.com/barter-clearing/barter/http"
	"github.com/barter-clearing/barter/internal/storetest"
)

func TestServer_Undertakings(t *testing.T) { eachStore(t, testServerUndertakings) }

func testServerUndertakings(t *testing.T, open opener) {
	ts, svc := newServer(t, open)
	var e struct{ Error struct{ Code, Field string } }
	if st := call(t, ts, "POST", "/api/v1/undertakings", map[string]any{"counterparty": storetest.Russian, "giver": storetest.Trader, "day": "2024-01-03"}, &e); st != http.StatusBadRequest || e.Error.Field != "signatory" {
		t.Errorf("no signatory: %d %+v; want 400 on signatory", st, e)
	}
	var u barterhttp.Undertaking
	body := map[string]any{"counterparty": storetest.Russian, "giver": storetest.Trader, "day": "2024-01-03", "signatory": "A. Khan"}
	if st := call(t, ts, "POST", "/api/v1/undertakings", body, &u); st != http.StatusCreated || u.ID == 0 || u.Day != "2024-01-03" {
		t.Fatalf("record: %d %+v", st, u)
	}
	var list struct {
		Total int
		Items []barterhttp.Undertaking
	}
	// The fixture's chamber undertaking for RU1, then this one.
	if st := call(t, ts, "GET", "/api/v1/undertakings?counterparty="+storetest.Russian, nil, &list); st != http.StatusOK || list.Total != 2 || list.Items[1] != u {
		t.Errorf("list: %d %+v; want 2, the last %+v", st, list, u)
	}
	// An application's page says what customs will find when they approve.
	storetest.MustImport(t, svc.ImportParties, barter.Party{ID: "AF1", Name: "Kabul Dry Fruit", Country: "AF", TaxID: "AF-100", Kind: barter.PartyPrivate})
	for _, tt := range []struct{ counterparty, want string }{
		{storetest.Russian, "Lahore Chamber of Commerce and Industry (chamber), signed 2024-01-01 by Secretary General; " + storetest.Trader + ", signed 2024-01-03 by A. Khan."},
		{"AF1", "No undertaking that AF1 is not a sanctioned entity is on file"},
	} {
		app := barterhttp.Application{Party: storetest.Trader, Counterparty: tt.counterparty, Regime: "2025", Lines: []barterhttp.Line{
			{Direction: "import", HSCode: "0713", Description: "chickpeas", Quantity: "500", Unit: "t", Value: "350000", Currency: "USD"},
			{Direction: "export", HSCode: "1006", Description: "rice", Quantity: "520", Unit: "t", Value: "346840", Currency: "USD"}}}
		var a barterhttp.Authorization
		if st := call(t, ts, "POST", "/api/v1/authorizations", app, &a); st != http.StatusCreated {
			t.Fatalf("apply with %s: %d", tt.counterparty, st)
		}
		if status, page := get(t, ts, fmt.Sprintf("/authorizations/%d", a.ID)); status != http.StatusOK || !strings.Contains(page, tt.want) {
			t.Errorf("page of the application with %s: %d, want %q in\n%s", tt.counterparty, status, tt.want, page)
		}
	}
}

func TestServer_RegistryPage(t *testing.T) { eachStore(t, testServerRegistryPage) }

func testServerRegistryPage(t *testing.T, open opener) {
	ts, svc := newServer(t, open)
	storetest.MustImport(t, svc.ImportParties,
		barter.Party{ID: "C1", Name: "Punjab Pulses Consortium", Country: "PK", TaxID: "7000001", Kind: barter.PartyConsortium},
		barter.Party{ID: "M2", Name: "Multan Mills", Country: "PK", TaxID: "7000002", Kind: barter.PartyPrivate})
	if err := svc.RegisterConsortium(t.Context(), barter.ConsortiumOf("C1", "RU", storetest.Trader, []string{"M2"})); err != nil {
		t.Fatal(err)
	}
	status, page := get(t, ts, "/registry")
	for _, want := range []string{"<td>C1</td><td>RU</td><td>" + storetest.Trader + " (lead), M2</td>", "<td>Lahore Chamber of Commerce and Industry (chamber)</td><td>2024-01-01</td>"} {
		if status != http.StatusOK || !strings.Contains(page, want) {
			t.Errorf("registry page: %d, want %q in\n%s", status, want, page)
		}
	}
	noRedirect := *ts.Client()
	noRedirect.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	form := url.Values{"counterparty": {storetest.Russian}, "giver": {storetest.Trader}, "day": {"2024-01-04"}, "signatory": {"A. Khan"}}
	resp, err := noRedirect.PostForm(ts.URL+"/registry/undertakings", form)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/registry?counterparty="+storetest.Russian) {
		t.Fatalf("file: %d to %q; want 303 back to the registry", resp.StatusCode, loc)
	}
	if _, page := get(t, ts, "/registry?counterparty="+storetest.Russian); !strings.Contains(page, "<td>"+storetest.Trader+"</td><td>2024-01-04</td><td>A. Khan</td>") {
		t.Errorf("the undertaking filed is not listed:\n%s", page)
	}
	form.Del("signatory")
	resp, err = noRedirect.PostForm(ts.URL+"/registry/undertakings", form)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("without a signatory: %d; want 400", resp.StatusCode)
	}
}
