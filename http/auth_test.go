package http_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"reflect"
	"slices"
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
		!reflect.DeepEqual(me, barterhttp.Me{Name: "tr", Role: "trader", Party: storetest.Trader}) {
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
	// Each user's idempotency keys are its own: another's request under the same key is
	// neither answered with the first answer nor refused.
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
	if status, h, raw := send(t, ts, "POST", "/api/v1/reconciliations", req, key("cu2")); status != http.StatusCreated || h.Get("Idempotent-Replayed") != "" {
		t.Errorf("another user's request under the same key: %d %v %s; want it carried out", status, h, raw)
	}
	if status, h, _ := send(t, ts, "POST", "/api/v1/reconciliations", req, key("cu")); status != http.StatusCreated || h.Get("Idempotent-Replayed") != "true" {
		t.Errorf("the first user's retry: %d %v; want its first answer", status, h)
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
	// The page to go to after signing in is on this site, however another is written.
	for _, next := range []string{"//elsewhere.example/x", "/\t/elsewhere.example", "/\\elsewhere.example", "https://elsewhere.example/", "positions"} {
		resp, _ := do("POST", "/login", url.Values{"token": {token}, "next": {next}})
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/" {
			t.Errorf("sign in with next %q: %d to %q; want this site's dashboard", next, resp.StatusCode, resp.Header.Get("Location"))
		}
	}
	resp, _ := do("POST", "/login", url.Values{"token": {token}, "next": {"/positions?status=open"}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/positions?status=open" {
		t.Errorf("sign in: %d to %q; want the page asked for", resp.StatusCode, resp.Header.Get("Location"))
	}
	var session *http.Cookie
	for _, c := range resp.Cookies() {
		if c.Name == "barter_session" {
			session = c
		}
	}
	if session == nil || !session.HttpOnly || session.SameSite != http.SameSiteLaxMode || session.Value == token || !strings.HasPrefix(session.Value, "bs_") {
		t.Fatalf("session cookie %+v; want an HttpOnly, SameSite=Lax session ID that is not the token", session)
	}
	if resp, body := do("GET", "/positions", nil); resp.StatusCode != 200 || !strings.Contains(body, "tr · trader for "+storetest.Trader) || strings.Contains(body, `href="/clearing"`) {
		t.Errorf("signed in: %d; want the page with who is signed in, and no clearing for a trader", resp.StatusCode)
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
	// Signing out ends the session on the server: a copy of the cookie no longer works.
	req, _ := http.NewRequest("GET", ts.URL+"/positions", nil)
	req.AddCookie(&http.Cookie{Name: "barter_session", Value: session.Value})
	if resp, err := (&http.Client{CheckRedirect: client.CheckRedirect}).Do(req); err != nil || resp.StatusCode != http.StatusSeeOther {
		t.Errorf("the session's cookie after signing out: %v, %v; want the sign-in page", resp, err)
	} else {
		resp.Body.Close()
	}
	if resp, body := do("GET", "/login", nil); resp.StatusCode != 200 || !strings.Contains(body, `name="token"`) {
		t.Errorf("sign-in page: %d", resp.StatusCode)
	}
}

func TestServer_Roles(t *testing.T) { eachStore(t, testServerRoles) }

// testServerRoles sends every request that changes something, API and form, as a user of
// each role, and checks that exactly the roles it is for (and admins) get past the gate.
// What happens past it (the request may be bad or its record missing) is other tests'.
func testServerRoles(t *testing.T, open opener) {
	kinds := []string{"parties", "rates", "authorizations", "lines", "declarations", "offers"}
	ts, svc := newServerWith(t, open, func(srv *barterhttp.Server) {
		for _, k := range kinds {
			srv.Importers = append(srv.Importers, barterhttp.Importer{Kind: k, Columns: []string{"id"},
				Run: func(context.Context, *barter.Service, io.Reader, barter.ImportOptions) (barter.ImportReport, error) {
					return barter.ImportReport{}, barter.Invalid("header", "not read here")
				}})
		}
	})
	tokens := map[barter.Role]string{}
	for _, role := range []barter.Role{barter.RoleAdmin, barter.RoleCustoms, barter.RoleOperator, barter.RoleTrader, barter.RoleAnalyst} {
		party := ""
		if role == barter.RoleTrader {
			party = storetest.Trader
		}
		_, token, err := svc.AddUser(t.Context(), string(role), role, party)
		if err != nil {
			t.Fatal(err)
		}
		tokens[role] = token
	}
	own := storetest.Trader // the trader's party, so that only the role decides
	customs, operator, trader := barter.RoleCustoms, barter.RoleOperator, barter.RoleTrader
	type req struct {
		path, body, contentType string
		roles                   []barter.Role
	}
	jsonReq := func(path, body string, roles ...barter.Role) req { return req{path, body, "application/json", roles} }
	formReq := func(path string, form url.Values, roles ...barter.Role) req {
		return req{path, form.Encode(), "application/x-www-form-urlencoded", roles}
	}
	reqs := []req{
		jsonReq("/api/v1/authorizations", `{"party": "`+own+`"}`, trader),
		jsonReq("/api/v1/authorizations/1/approve", `{}`, customs),
		jsonReq("/api/v1/authorizations/1/reject", `{"reason": "no"}`, customs),
		jsonReq("/api/v1/declarations", `{}`, customs),
		jsonReq("/api/v1/declarations/GD-NONE/reassessments", `{}`, customs),
		formReq("/declarations/GD-NONE/reassess", url.Values{"assessed_value": {"x"}}, customs),
		jsonReq("/api/v1/offers", `{"party": "`+own+`"}`, trader, operator),
		jsonReq("/api/v1/proposals", `{"max_cycle": 9}`, operator),
		jsonReq("/api/v1/proposals/1/accept", `{"party": "`+own+`"}`, trader),
		jsonReq("/api/v1/proposals/1/decline", `{"party": "`+own+`"}`, trader),
		jsonReq("/api/v1/reconciliations", `{}`, customs),
		jsonReq("/api/v1/clearing-runs", `{}`, operator),
		jsonReq("/api/v1/clearing-runs/1/commit", `{}`, operator),
		formReq("/authorizations/1/decide", url.Values{"decision": {"maybe"}}, customs),
		formReq("/offers", url.Values{"party": {own}}, trader, operator),
		formReq("/proposals", url.Values{"max_cycle": {"9"}}, operator),
		formReq("/proposals/1/respond", url.Values{"party": {own}, "answer": {"maybe"}}, trader),
		formReq("/clearing", url.Values{"from": {"positions"}, "as_of": {"bad"}}, operator),
		formReq("/clearing/1/commit", url.Values{"as_of": {"bad"}}, operator),
		formReq("/screening", url.Values{"decision": {"maybe"}}, customs),
		formReq("/registry/undertakings", url.Values{"giver": {own}, "day": {"2024-01-01"}}, customs, trader),
		jsonReq("/api/v1/screening/hits/P/R/confirm", `{}`, customs),
		jsonReq("/api/v1/screening/hits/P/R/clear", `{}`, customs),
		jsonReq("/api/v1/consortiums", `{}`, customs),
		jsonReq("/api/v1/undertakings", `{"giver": "`+own+`", "day": "2024-01-01"}`, customs, trader),
		{"/api/v1/screening/lists", "<x/>", "application/xml", []barter.Role{customs}},
	}
	for _, k := range kinds {
		r := req{"/api/v1/imports/" + k, "id\n", "text/csv", nil}
		if k == "offers" {
			r.roles = []barter.Role{operator}
		} else {
			r.roles = []barter.Role{customs}
		}
		reqs = append(reqs, r)
	}
	for _, rq := range reqs {
		for role, token := range tokens {
			hr, _ := http.NewRequest("POST", ts.URL+rq.path, strings.NewReader(rq.body))
			hr.Header.Set("Content-Type", rq.contentType)
			hr.Header.Set("Authorization", "Bearer "+token)
			resp, err := ts.Client().Do(hr)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			allowed := role == barter.RoleAdmin || slices.Contains(rq.roles, role)
			if forbidden := resp.StatusCode == http.StatusForbidden; forbidden == allowed {
				t.Errorf("POST %s as %s: %d %s; want it %s", rq.path, role, resp.StatusCode, body, map[bool]string{true: "let through", false: "forbidden"}[allowed])
			}
		}
	}
	// A trader acts for its own party only, through the API and the forms.
	other := storetest.Russian
	for _, rq := range []req{
		jsonReq("/api/v1/authorizations", `{"party": "`+other+`", "counterparty": "`+own+`", "regime": "2025", "lines": []}`),
		jsonReq("/api/v1/offers", `{"id": "o-x", "party": "`+other+`", "country": "RU", "regime": "2025", "gives": "100199", "quantity": "1", "unit": "t",
			"value_min": "1", "value_max": "2", "delivery_from": "2024-01-01", "delivery_to": "2024-02-01", "wants": ["1006"], "want_min": "1", "want_max": "2",
			"want_from": "2024-01-01", "want_to": "2024-02-01"}`),
		jsonReq("/api/v1/proposals/1/accept", `{"party": "`+other+`"}`),
		formReq("/offers", url.Values{"id": {"o-y"}, "party": {other}, "country": {"RU"}, "regime": {"2025"}, "gives": {"100199"}, "value_min": {"1"},
			"value_max": {"2"}, "delivery_from": {"2024-01-01"}, "delivery_to": {"2024-02-01"}, "wants": {"1006"}, "want_min": {"1"}, "want_max": {"2"},
			"want_from": {"2024-01-01"}, "want_to": {"2024-02-01"}}),
		formReq("/proposals/1/respond", url.Values{"party": {other}, "answer": {"accept"}}),
	} {
		hr, _ := http.NewRequest("POST", ts.URL+rq.path, strings.NewReader(rq.body))
		hr.Header.Set("Content-Type", rq.contentType)
		hr.Header.Set("Authorization", "Bearer "+tokens[trader])
		resp, err := ts.Client().Do(hr)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusForbidden || !strings.Contains(string(body), "you act for "+own+", not "+other) {
			t.Errorf("POST %s as a trader for another party: %d %s; want 403", rq.path, resp.StatusCode, body)
		}
	}
}

// TestServer_TraderSees checks that a trader is shown what concerns its party only.
func TestServer_TraderSees(t *testing.T) {
	ts, svc := newServer(t, openSQLite)
	mustOffers(t, ts, svc)
	var run barterhttp.ProposalRun
	if status := call(t, ts, "POST", "/api/v1/proposals", barterhttp.ProposalRequest{}, &run); status != http.StatusCreated || len(run.Proposals) != 2 {
		t.Fatalf("propose: %d %+v", status, run)
	}
	_, kazan, err := svc.AddUser(t.Context(), "kazan", barter.RoleTrader, "RU2")
	if err != nil {
		t.Fatal(err)
	}
	_, analyst, err := svc.AddUser(t.Context(), "an", barter.RoleAnalyst, "")
	if err != nil {
		t.Fatal(err)
	}
	bearer := func(token string) http.Header { return http.Header{"Authorization": {"Bearer " + token}} }
	var list struct {
		Total int
		Items []barterhttp.Proposal
	}
	if status, _, raw := send(t, ts, "GET", "/api/v1/proposals", nil, bearer(analyst)); status != 200 || json.Unmarshal(raw, &list) != nil || list.Total != 2 {
		t.Errorf("an analyst's proposals: %d %s; want both", status, raw)
	}
	if status, _, raw := send(t, ts, "GET", "/api/v1/proposals", nil, bearer(kazan)); status != 200 || json.Unmarshal(raw, &list) != nil || list.Total != 1 ||
		!slices.ContainsFunc(list.Items[0].Legs, func(l barterhttp.ProposalLeg) bool { return l.Party == "RU2" }) {
		t.Errorf("a trader's proposals: %d %s; want only the one it is in", status, raw)
	}
	for _, p := range run.Proposals {
		in := slices.ContainsFunc(p.Legs, func(l barterhttp.ProposalLeg) bool { return l.Party == "RU2" })
		status, _, _ := send(t, ts, "GET", fmt.Sprintf("/api/v1/proposals/%d", p.ID), nil, bearer(kazan))
		if want := map[bool]int{true: 200, false: 404}[in]; status != want {
			t.Errorf("proposal %d (trader in it: %v): %d; want %d", p.ID, in, status, want)
		}
		if !in {
			// Answering one it is not in says no more than for one that does not exist.
			status, _, raw := send(t, ts, "POST", fmt.Sprintf("/api/v1/proposals/%d/accept", p.ID), `{"party": "RU2"}`, bearer(kazan))
			if status != http.StatusNotFound {
				t.Errorf("answering proposal %d it is not in: %d %s; want 404", p.ID, status, raw)
			}
		}
	}
	if status, _, _ := send(t, ts, "GET", "/api/v1/clearing-runs", nil, bearer(kazan)); status != http.StatusForbidden {
		t.Errorf("a trader listing clearing runs: %d; want 403", status)
	}
	// The regulator's report covers every party: not a trader's to read.
	if status, _, _ := send(t, ts, "GET", "/api/v1/report?from=2024-01-01&to=2024-03-31", nil, bearer(kazan)); status != http.StatusForbidden {
		t.Errorf("a trader asking for the report: %d; want 403", status)
	}
	if status, _, _ := send(t, ts, "GET", "/api/v1/report?from=2024-01-01&to=2024-03-31", nil, bearer(analyst)); status != http.StatusOK {
		t.Errorf("an analyst asking for the report: %d; want 200", status)
	}
}
