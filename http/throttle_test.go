package http_test

import (
	"fmt"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/barter-clearing/barter"
	barterhttp "github.com/barter-clearing/barter/http"
)

// TestServer_SignInThrottle: after five wrong tokens a client waits, a second, then
// twice as long at each further failure, even with the right token; the API answers
// 429 with Retry-After, the sign-in page says to wait; a right token after the wait
// forgets the failures.
func TestServer_SignInThrottle(t *testing.T) {
	now := time.Date(2025, 1, 31, 9, 0, 0, 0, time.UTC)
	ts, svc := newServerWith(t, openSQLite, func(s *barterhttp.Server) { barterhttp.SetSignInClock(s, func() time.Time { return now }) })
	_, token, err := svc.AddUser(t.Context(), "amina", barter.RoleCustoms, "")
	if err != nil {
		t.Fatal(err)
	}
	api := func(tok string) (int, string) {
		status, h, _ := send(t, ts, "GET", "/api/v1/me", nil, http.Header{"Authorization": {"Bearer " + tok}})
		return status, h.Get("Retry-After")
	}
	for i := range 6 {
		if st, _ := api("bt_wrong"); st != http.StatusUnauthorized {
			t.Fatalf("wrong token %d: %d; want 401", i+1, st)
		}
	}
	if st, retry := api(token); st != http.StatusTooManyRequests || retry != "1" {
		t.Fatalf("the right token after six wrong: %d, Retry-After %q; want 429 and 1", st, retry)
	}
	// The sign-in page is held back too.
	resp, err := ts.Client().PostForm(ts.URL+"/login", url.Values{"token": {token}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusTooManyRequests {
		t.Errorf("sign-in page while waiting: %d; want 429", resp.StatusCode)
	}
	now = now.Add(time.Second)
	if st, _ := api("bt_wrong"); st != http.StatusUnauthorized {
		t.Fatalf("a seventh wrong token after the wait: %d; want 401", st)
	}
	if st, retry := api(token); st != http.StatusTooManyRequests || retry != "2" {
		t.Fatalf("after the seventh: %d, Retry-After %q; want 429 and 2", st, retry)
	}
	now = now.Add(2 * time.Second)
	if st, _ := api(token); st != http.StatusOK {
		t.Fatalf("the right token after the wait: %d; want 200", st)
	}
	// The failures are forgotten: five more are free again.
	for i := range 5 {
		if st, _ := api("bt_wrong"); st != http.StatusUnauthorized {
			t.Fatalf("wrong token %d after a success: %d; want 401", i+1, st)
		}
	}
	if st, _ := api(token); st != http.StatusOK {
		t.Errorf("the right token after five wrong: %d; want 200", st)
	}
}

// TestServer_SignInThrottleBehindProxy: behind a proxy, clients are told apart by the
// address the proxy appended last to X-Forwarded-For; addresses the client wrote before
// it do not matter. Without BehindProxy the header is ignored.
func TestServer_SignInThrottleBehindProxy(t *testing.T) {
	for _, behind := range []bool{true, false} {
		ts, svc := newServerWith(t, openSQLite, func(s *barterhttp.Server) { s.BehindProxy = behind })
		_, token, err := svc.AddUser(t.Context(), "amina", barter.RoleCustoms, "")
		if err != nil {
			t.Fatal(err)
		}
		api := func(tok string, forwarded ...string) int {
			status, _, _ := send(t, ts, "GET", "/api/v1/me", nil, http.Header{"Authorization": {"Bearer " + tok}, "X-Forwarded-For": forwarded})
			return status
		}
		for i := range 6 { // the client forges a different first hop each time
			api("bt_wrong", fmt.Sprintf("10.9.9.%d, 203.0.113.7", i))
		}
		if st := api(token, "10.1.1.1", "203.0.113.7"); st != http.StatusTooManyRequests {
			t.Errorf("behind a proxy %v: the failing client: %d; want 429", behind, st)
		}
		want := http.StatusOK // another client behind the proxy
		if !behind {
			want = http.StatusTooManyRequests // without the header, all are the proxy
		}
		if st := api(token, "198.51.100.4"); st != want {
			t.Errorf("behind a proxy %v: another client: %d; want %d", behind, st, want)
		}
	}
}
