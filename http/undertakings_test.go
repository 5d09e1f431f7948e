package http_test

import (
	"fmt"
	"net/http"
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
