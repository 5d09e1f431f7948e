package http_test

import (
	"bytes"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/barter-clearing/barter"
	barterhttp "github.com/barter-clearing/barter/http"
	"github.com/barter-clearing/barter/internal/storetest"
)

func TestServer_Screening(t *testing.T) { eachStore(t, testServerScreening) }

// testServerScreening loads the UN list of 2017-07-03 over the API, registers a party
// under a listed name, and clears its hit on the page.
func testServerScreening(t *testing.T, open opener) {
	ts, svc := newServer(t, open)
	list, err := os.ReadFile("../sanctions/testdata/un-sc-consolidated-2017-07-03.xml")
	if err != nil {
		t.Fatal(err)
	}
	load := func() (int, barterhttp.ScreeningReport) {
		t.Helper()
		resp, err := ts.Client().Post(ts.URL+"/api/v1/screening/lists", "application/xml", bytes.NewReader(list))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var rep barterhttp.ScreeningReport
		json.NewDecoder(resp.Body).Decode(&rep)
		return resp.StatusCode, rep
	}
	if status, rep := load(); status != http.StatusCreated || rep.Entries != 1021 || !rep.Loaded || rep.Hits != 0 {
		t.Fatalf("load: %d %+v", status, rep)
	}
	if status, rep := load(); status != http.StatusOK || rep.Loaded {
		t.Errorf("the same version again: %d %+v; want 200, screened again", status, rep)
	}
	wantError(t, ts, "POST", "/api/v1/screening/lists", `{"list": "no"}`, http.StatusBadRequest, "Content-Type")
	storetest.MustImport(t, svc.ImportParties, barter.Party{ID: "ASG", Name: "Abu Sayaf Group Ltd", Country: "AF", TaxID: "AF-1", Kind: barter.PartyPrivate})
	var hits struct {
		Total int
		Items []barterhttp.ScreeningHit
	}
	if call(t, ts, "GET", "/api/v1/screening/hits?status=open", nil, &hits); hits.Total != 1 || hits.Items[0].Party != "ASG" || hits.Items[0].Ref != "QDe.001" {
		t.Fatalf("open hits: %+v", hits)
	}
	if status, body := get(t, ts, "/screening?status=open"); status != 200 || !strings.Contains(body, "ABU SAYYAF GROUP") || !strings.Contains(body, `value="confirm"`) {
		t.Errorf("screening page: %d", status)
	}
	noRedirect := *ts.Client()
	noRedirect.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := noRedirect.PostForm(ts.URL+"/screening", url.Values{"party": {"ASG"}, "ref": {"QDe.001"}, "decision": {"clear"}, "reason": {"a sports club in Sialkot"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther || !strings.Contains(resp.Header.Get("Location"), "cleared") {
		t.Errorf("clear on the page: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	if status, body := get(t, ts, resp.Header.Get("Location")); status != 200 || !strings.Contains(body, "ASG on QDe.001: cleared.") {
		t.Errorf("after clearing: %d", status)
	}
	wantError(t, ts, "POST", "/api/v1/screening/hits/ASG/QDe.001/confirm", `{"reason": "again"}`, http.StatusConflict, "")
	wantError(t, ts, "POST", "/api/v1/screening/hits/ASG/QDe.999/clear", `{"reason": "x"}`, http.StatusNotFound, "")
	// A list uploaded on the page.
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, _ := mw.CreateFormFile("list", "consolidated.xml")
	io.Copy(fw, bytes.NewReader(list))
	mw.Close()
	resp, err = noRedirect.Post(ts.URL+"/screening", mw.FormDataContentType(), &body)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther || !strings.Contains(resp.Header.Get("Location"), "Screened+again") {
		t.Errorf("upload on the page: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
}
