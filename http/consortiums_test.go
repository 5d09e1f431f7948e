package http_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/barter-clearing/barter"
	barterhttp "github.com/barter-clearing/barter/http"
	"github.com/barter-clearing/barter/internal/storetest"
)

func TestServer_Consortiums(t *testing.T) { eachStore(t, testServerConsortiums) }

func testServerConsortiums(t *testing.T, open opener) {
	ts, svc := newServer(t, open)
	storetest.MustImport(t, svc.ImportParties,
		barter.Party{ID: "C1", Name: "Punjab Pulses Consortium", Country: "PK", TaxID: "7000001", Kind: barter.PartyConsortium},
		barter.Party{ID: "M2", Name: "Multan Mills", Country: "PK", TaxID: "7000002", Kind: barter.PartyPrivate})
	var e struct{ Error struct{ Code, Field string } }
	if st := call(t, ts, "POST", "/api/v1/consortiums", map[string]any{"id": "C1", "partner": "RU", "lead": storetest.Trader}, &e); st != http.StatusBadRequest || e.Error.Field != "members" {
		t.Errorf("one member: %d %+v; want 400 on members", st, e)
	}
	var c barterhttp.Consortium
	body := map[string]any{"id": "C1", "partner": "RU", "lead": storetest.Trader, "members": []string{"M2", storetest.Trader}}
	if st := call(t, ts, "POST", "/api/v1/consortiums", body, &c); st != http.StatusCreated || c.Lead != storetest.Trader || len(c.Members) != 2 {
		t.Fatalf("register: %d %+v", st, c)
	}
	var got barterhttp.Consortium
	if st := call(t, ts, "GET", "/api/v1/consortiums/C1", nil, &got); st != http.StatusOK || got.Partner != "RU" ||
		got.Members[0] != (barterhttp.ConsortiumMember{Party: storetest.Trader, Lead: true}) || got.Members[1].Party != "M2" {
		t.Errorf("read back: %d %+v", st, got)
	}
	var list struct {
		Total int
		Items []barterhttp.Consortium
	}
	if st := call(t, ts, "GET", "/api/v1/consortiums", nil, &list); st != http.StatusOK || list.Total != 1 || list.Items[0].ID != "C1" {
		t.Errorf("list: %d %+v", st, list)
	}
	if st := call(t, ts, "GET", "/api/v1/consortiums/M2", nil, &e); st != http.StatusNotFound {
		t.Errorf("a party that is no consortium: %d %+v; want 404", st, e)
	}
	// The authorization's page names the members who answer for the consortium.
	storetest.MustImport(t, svc.ImportAuthorizations, barter.AuthorizationImport{Number: "BT-C-1", Party: "C1", Counterparty: storetest.Russian,
		Regime: "2025", Issued: barter.MustDate(storetest.IssuedDay)})
	status, page := get(t, ts, "/authorizations/number/BT-C-1")
	if want := "members answer for it jointly and severally:\n" + storetest.Trader + " (lead), M2."; status != http.StatusOK || !strings.Contains(page, want) {
		t.Errorf("authorization page: %d, want %q in\n%s", status, want, page)
	}
}
