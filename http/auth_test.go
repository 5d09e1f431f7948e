package http_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"

	"github.com/barter-clearing/barter"
	barterhttp "github.com/barter-clearing/barter/http"
	"github.com/barter-clearing/barter/internal/storetest"
)

func TestServer_Auth(t *testing.T) { eachStore(t, testServerAuth) }

// testServerAuth signs users of each role in and checks what each may do, over the API.
func testServerAuth(t *testing.T, open opener) {
	ts, svc := newServer(t, open)
	var me barterhttp.Me
	if call(t, ts, "GET", "/api/v1/me", nil, &me); !me.Open {
		t.Fatalf("no users yet: %+v; want the clearing house open", me)
	}
	tokens := map[string]string{}
	for _, u := range []struct {
		name  string
		role  barter.Role
		party string
	}{{"cu", barter.RoleCustoms, ""}, {"tr", barter.RoleTrader, storetest.Trader}, {"an", barter.RoleAnalyst, ""}, {"op", barter.RoleOperator, ""}} {
		_, token, err := svc.AddUser(t.Context(), u.name, u.role, u.party)
		if err != nil {
			t.Fatal(err)
		}
		tokens[u.name] = token
	}
	as := func(name string) http.Header {
		return http.Header{"Authorization": {"Bearer " + tokens[name]}}
	}
	wantStatus := func(name, method, path string, body any, want int) []byte {
		t.Helper()
		status, h, raw := send(t, ts, method, path, body, as(name))
		if status != want {
			t.Errorf("%s: %s %s: %d %s; want %d", name, method, path, status, raw, want)
		}
		if want == http.StatusUnauthorized && h.Get("WWW-Authenticate") == "" {
			t.Errorf("%s %s: 401 without WWW-Authenticate", method, path)
		}
		return raw
	}
	wantStatus("nobody", "GET", "/api/v1/positions", nil, http.StatusUnauthorized)
	tokens["forged"] = "bt_forged"
	wantStatus("forged", "GET", "/api/v1/positions", nil, http.StatusUnauthorized)
	if status, _, _ := send(t, ts, "GET", "/api/v1/positions", nil, http.Header{"Authorization": {"Basic dTpw"}}); status != http.StatusUnauthorized {
		t.Errorf("basic authentication: %d; want 401", status)
	}
	if status, _, raw := send(t, ts, "GET", "/api/v1/me", nil, as("tr")); status != 200 || json.Unmarshal(raw, &me) != nil ||
		me != (barterhttp.Me{Name: "tr", Role: "trader", Party: storetest.Trader}) {
		t.Errorf("me as tr: %d %s", status, raw)
	}
	wantStatus("an", "GET", "/api/v1/positions", nil, http.StatusOK)
	wantStatus("an", "POST", "/api/v1/reconciliations", `{"as_of": "2024-12-31"}`, http.StatusForbidden)
	app := barterhttp.Application{Party: storetest.Russian, Counterparty: storetest.Trader, Regime: "2025", Lines: []barterhttp.Line{
		{Direction: "import", HSCode: "0713", Description: "chickpeas", Quantity: "1", Unit: "t", Value: "100", Currency: "USD"},
		{Direction: "export", HSCode: "1006", Description: "rice", Quantity: "1", Unit: "t", Value: "100", Currency: "USD"}}}
	var e apiError
	if json.Unmarshal(wantStatus("tr", "POST", "/api/v1/authorizations", app, http.StatusForbidden), &e); e.Error.Field != "party" {
		t.Errorf("a trader applying for another party: %+v; want the party named", e)
	}
	app.Party, app.Counterparty = storetest.Trader, storetest.Russian
	var applied barterhttp.Authorization
	json.Unmarshal(wantStatus("tr", "POST", "/api/v1/authorizations", app, http.StatusCreated), &applied)
	approve := fmt.Sprintf("/api/v1/authorizations/%d/approve", applied.ID)
	wantStatus("tr", "POST", approve, `{}`, http.StatusForbidden)
	wantStatus("op", "POST", approve, `{}`, http.StatusForbidden)
	wantStatus("cu", "POST", approve, `{}`, http.StatusOK)
	wantStatus("cu", "POST", "/api/v1/clearing-runs", barterhttp.ClearingRequest{Obligations: loop}, http.StatusForbidden)
	wantStatus("op", "POST", "/api/v1/clearing-runs", barterhttp.ClearingRequest{Obligations: loop}, http.StatusCreated)
	if status, _, _ := send(t, ts, "POST", "/api/v1/imports/rates", nil, http.Header{"Authorization": {"Bearer " + tokens["an"]}, "Content-Type": {"text/csv"}}); status != http.StatusForbidden {
		t.Errorf("an analyst importing: %d; want 403", status)
	}
	// An idempotency key belongs to its user: another's request under it is not answered
	// with the first user's answer.
	key := func(name string) http.Header {
		h := as(name)
		h.Set("Idempotency-Key", "shared-1")
		return h
	}
	req := `{"as_of": "2024-06-30"}`
	if status, _, raw := send(t, ts, "POST", "/api/v1/reconciliations", req, key("cu")); status != http.StatusCreated {
		t.Fatalf("reconcile: %d %s", status, raw)
	}
	_, token2, err := svc.AddUser(t.Context(), "cu2", barter.RoleCustoms, "")
	if err != nil {
		t.Fatal(err)
	}
	tokens["cu2"] = token2
	if status, h, raw := send(t, ts, "POST", "/api/v1/reconciliations", req, key("cu2")); status != http.StatusBadRequest || h.Get("Idempotent-Replayed") != "" {
		t.Errorf("another user's request under the same key: %d %v %s; want 400, not the first answer", status, h, raw)
	}
	if err := svc.RemoveUser(t.Context(), "an"); err != nil {
		t.Fatal(err)
	}
	wantStatus("an", "GET", "/api/v1/positions", nil, http.StatusUnauthorized)
}

// TestServer_SignIn signs in on the pages, as people do.
func TestServer_SignIn(t *testing.T) {
	ts, svc := newServer(t, openSQLite)
	if _, _, err := svc.AddUser(context.Background(), "cu", barter.RoleCustoms, ""); err != nil {
		t.Fatal(err)
	}
	_, token, err := svc.AddUser(context.Background(), "tr", barter.RoleTrader, storetest.Trader)
	if err != nil {
		t.Fatal(err)
	}
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	do := func(method, path string, form url.Values) (*http.Response, string) {
		t.Helper()
		var body io.Reader
		if form != nil {
			body = strings.NewReader(form.Encode())
		}
		req, _ := http.NewRequest(method, ts.URL+path, body)
		if form != nil {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, string(b)
	}
	if resp, _ := do("GET", "/positions?status=open", nil); resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/login?next=%2Fpositions%3Fstatus%3Dopen" {
		t.Fatalf("a page before signing in: %d to %q; want the sign-in page", resp.StatusCode, resp.Header.Get("Location"))
	}
	if resp, body := do("POST", "/proposals", url.Values{}); resp.StatusCode != http.StatusUnauthorized || !strings.Contains(body, "Please sign in") {
		t.Errorf("a form before signing in: %d", resp.StatusCode)
	}
	if resp, body := do("POST", "/login", url.Values{"token": {"bt_wrong"}, "next": {"/positions"}}); resp.StatusCode != http.StatusUnauthorized || !strings.Contains(body, "The token was not accepted") {
		t.Errorf("a wrong token: %d", resp.StatusCode)
	}
	resp, _ := do("POST", "/login", url.Values{"token": {token}, "next": {"//elsewhere.example/x"}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/" {
		t.Errorf("sign in with a next page on another site: %d to %q; want this site's dashboard", resp.StatusCode, resp.Header.Get("Location"))
	}
	if resp, body := do("GET", "/positions", nil); resp.StatusCode != 200 || !strings.Contains(body, "tr · trader for "+storetest.Trader) {
		t.Errorf("signed in: %d; want the page with who is signed in", resp.StatusCode)
	}
	if resp, body := do("POST", "/authorizations/1/decide", url.Values{"decision": {"approve"}}); resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "Not allowed") {
		t.Errorf("a trader deciding an application: %d; want 403", resp.StatusCode)
	}
	if resp, _ := do("POST", "/logout", url.Values{}); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("sign out: %d", resp.StatusCode)
	}
	if resp, _ := do("GET", "/positions", nil); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("after signing out: %d; want the sign-in page", resp.StatusCode)
	}
	if resp, body := do("GET", "/login", nil); resp.StatusCode != 200 || !strings.Contains(body, `name="token"`) {
		t.Errorf("sign-in page: %d", resp.StatusCode)
	}
}
