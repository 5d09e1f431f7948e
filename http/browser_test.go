package http_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	barterhttp "github.com/barter-clearing/barter/http"
	"github.com/chromedp/chromedp"
)

// browser starts a headless Chromium for a test. Without one the test is skipped, loudly,
// unless BARTER_REQUIRE_BROWSER is set (as the test script sets it in CI), when it fails.
func browser(t *testing.T) context.Context {
	t.Helper()
	path := os.Getenv("BARTER_CHROMIUM")
	if path == "" {
		for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
			if p, err := exec.LookPath(name); err == nil {
				path = p
				break
			}
		}
	}
	if path == "" {
		if os.Getenv("BARTER_REQUIRE_BROWSER") != "" {
			t.Fatal("no Chromium found (install Debian's chromium package, or set BARTER_CHROMIUM)")
		}
		t.Skip("SKIPPED: no Chromium found; the pages were not tested in a browser (install Debian's chromium package)")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path), chromedp.NoSandbox, chromedp.DisableGPU, chromedp.UserDataDir(t.TempDir()),
		chromedp.Flag("disable-quic", true), chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-sync", true))
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(alloc)
	ctx, cancelTimeout := context.WithTimeout(ctx, 60*time.Second)
	t.Cleanup(func() { cancelTimeout(); cancel(); cancelAlloc() })
	return ctx
}

// TestPages_Browser answers a proposal as traders would: in a browser, on its page.
func TestPages_Browser(t *testing.T) {
	ctx := browser(t)
	ts, svc := newServer(t, openSQLite)
	mustOffers(t, ts, svc)
	var run barterhttp.ProposalRun
	if status := call(t, ts, "POST", "/api/v1/proposals", barterhttp.ProposalRequest{}, &run); status != 201 || len(run.Proposals) != 2 {
		t.Fatalf("propose: %d %+v", status, run)
	}
	var cycle barterhttp.Proposal
	for _, p := range run.Proposals {
		if len(p.Legs) == 3 {
			cycle = p
		}
	}
	button := func(party, answer string) chromedp.Search {
		return chromedp.Search(fmt.Sprintf(`//form[input[@name="party" and @value=%q]]//button[@value=%q]`, party, answer))
	}
	run1 := func(a chromedp.Action[string]) string {
		t.Helper()
		v, err := chromedp.Run(ctx, a)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	count := func(selector string) int {
		t.Helper()
		n, err := chromedp.Run(ctx, chromedp.Evaluate[int](fmt.Sprintf("document.querySelectorAll(%q).length", selector)))
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	do := func(steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, steps...); err != nil {
			t.Fatal(err)
		}
	}
	do(chromedp.Navigate(fmt.Sprintf("%s/proposals/%d", ts.URL, cycle.ID)))
	arrows := count("svg line")
	do(chromedp.Click(button(cycle.Legs[0].Party, "accept")), chromedp.WaitVisible(chromedp.CSS(`[role=status]`)))
	notice := run1(chromedp.Text(chromedp.CSS(`[role=status]`)))
	reason := fmt.Sprintf(`//form[input[@name="party" and @value=%q]]//input[@name="reason"]`, cycle.Legs[1].Party)
	do(chromedp.SendKeys(chromedp.Search(reason), "price moved"), chromedp.Click(button(cycle.Legs[1].Party, "decline")),
		chromedp.WaitVisible(chromedp.Search(`//h1/span[contains(@class, "declined")]`)))
	answers := run1(chromedp.Text(chromedp.CSS(`table`)))
	status := run1(chromedp.Text(chromedp.CSS(`h1 .status`)))
	do(chromedp.Navigate(ts.URL + "/?as_of=2024-01-05"))
	bars := count(".chart .bar")

	// Customs rejects an application, typing the reason and pressing Enter.
	var app barterhttp.Authorization
	if status := call(t, ts, "POST", "/api/v1/authorizations", barterhttp.Application{Party: "T1", Counterparty: "RU1", Regime: "2025", Lines: []barterhttp.Line{
		{Direction: "import", HSCode: "0713", Description: "chickpeas", Quantity: "1", Unit: "t", Value: "100", Currency: "USD"},
		{Direction: "export", HSCode: "1006", Description: "rice", Quantity: "1", Unit: "t", Value: "100", Currency: "USD"},
	}}, &app); status != 201 {
		t.Fatalf("apply: %d", status)
	}
	do(chromedp.Navigate(fmt.Sprintf("%s/authorizations/%d", ts.URL, app.ID)),
		chromedp.SendKeys(chromedp.CSS(`input[name=reason]`), "documents incomplete\r"),
		chromedp.WaitVisible(chromedp.CSS(`[role=status]`)))
	decided := run1(chromedp.Text(chromedp.CSS(`[role=status]`)))
	if decided != "Rejected: documents incomplete" {
		t.Errorf("after Enter in the reason: %q; want the application rejected with the reason", decided)
	}
	if arrows != 3 {
		t.Errorf("the cycle's picture has %d arrows; want 3", arrows)
	}
	if want := cycle.Legs[0].Party + " accepted on 2024-01-05."; notice != want {
		t.Errorf("notice %q; want %q", notice, want)
	}
	if status != "declined" || !strings.Contains(answers, "accepted on 2024-01-05") || !strings.Contains(answers, "declined on 2024-01-05: price moved") {
		t.Errorf("after the answers: status %q, table %q", status, answers)
	}
	if bars != 9 {
		t.Errorf("dashboard has %d bars; want 4 statuses and 5 deadline ranges", bars)
	}
}

// TestClearingPages_Browser reviews a clearing run and commits it as an operator would: in
// a browser, from the list of runs.
func TestClearingPages_Browser(t *testing.T) {
	ctx := browser(t)
	ts, _ := newServer(t, openSQLite)
	var run barterhttp.ClearingReview
	if status := call(t, ts, "POST", "/api/v1/clearing-runs", barterhttp.ClearingRequest{Obligations: loop}, &run); status != 201 {
		t.Fatalf("create: %d", status)
	}
	var arrows int
	var heading, notice string
	err := chromedp.Do(ctx, chromedp.Navigate(ts.URL+"/clearing"),
		chromedp.Click(chromedp.Search(fmt.Sprintf(`//a[text()="Run %d"]`, run.ID))),
		chromedp.WaitVisible(chromedp.Search(`//button[starts-with(text(), "Commit")]`)))
	if err == nil {
		arrows, err = chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll(".proposals svg line").length`))
	}
	if err == nil {
		heading, err = chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`main h2`)))
	}
	if err == nil {
		err = chromedp.Do(ctx, chromedp.Click(chromedp.Search(`//button[starts-with(text(), "Commit")]`)), chromedp.WaitVisible(chromedp.CSS(`[role=status]`)))
	}
	if err == nil {
		notice, err = chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`[role=status]`)))
	}
	if err != nil {
		t.Fatal(err)
	}
	if arrows != 3 {
		t.Errorf("the loop's picture has %d arrows; want 3", arrows)
	}
	if heading != "PKR: 68.7 % of the gross set off" {
		t.Errorf("first heading %q", heading)
	}
	if !strings.HasPrefix(notice, "Committed: the set-off is booked on 2024-01-05 as ledger entry ") {
		t.Errorf("after commit: %q", notice)
	}
}
