package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/barter-clearing/barter"
)

// testIdempotencyKeys checks that a write under an idempotency key happens at most once,
// even when retries race, and that a failed write leaves its key free.
func testIdempotencyKeys(t *testing.T, svc *barter.Service) {
	MustSeed(t, svc)
	app := func() *barter.Application {
		return &barter.Application{Party: Trader, Counterparty: Russian, Regime: "2025", Lines: []barter.Line{
			{Direction: barter.Import, HSCode: "0713", Description: "chickpeas", Quantity: Dec(t, "10"), Unit: "t", Value: Dec(t, "1000"), Currency: "USD"},
			{Direction: barter.Export, HSCode: "1006", Description: "rice", Quantity: Dec(t, "10"), Unit: "t", Value: Dec(t, "1000"), Currency: "USD"},
		}}
	}
	applied := func() int {
		t.Helper()
		as, err := svc.Authorizations(ctx, barter.StatusApplied)
		if err != nil {
			t.Fatal(err)
		}
		return len(as)
	}

	k1 := barter.WithIdempotencyKey(ctx, "k1", "POST /apply a")
	if _, err := svc.Apply(k1, app()); err != nil {
		t.Fatal(err)
	}
	r, err := svc.StoredResponse(ctx, "k1")
	if err != nil || r.Fingerprint != "POST /apply a" || r.Status != 0 || r.Created.IsZero() {
		t.Fatalf("stored k1 = %+v, %v; want its fingerprint and no answer yet", r, err)
	}
	if err := svc.SaveResponse(ctx, "k1", 201, []byte(`{"id": 3}`)); err != nil {
		t.Fatal(err)
	}
	if r, err = svc.StoredResponse(ctx, "k1"); err != nil || r.Status != 201 || string(r.Body) != `{"id": 3}` {
		t.Errorf("stored k1 = %+v, %v; want the saved answer", r, err)
	}
	again := barter.WithIdempotencyKey(ctx, "k1", "POST /apply a")
	if _, err := svc.Apply(again, app()); !errors.Is(err, barter.ErrKeyUsed) {
		t.Errorf("applying again under k1: %v; want ErrKeyUsed", err)
	}
	if n := applied(); n != 1 {
		t.Errorf("%d applications after a retry; want 1", n)
	}

	bad := app()
	bad.Lines = bad.Lines[:1]
	if _, err := svc.Apply(barter.WithIdempotencyKey(ctx, "k2", "x"), bad); barter.ErrorCode(err) != barter.EInvalid {
		t.Fatalf("bad application: %v; want invalid", err)
	}
	if _, err := svc.StoredResponse(ctx, "k2"); barter.ErrorCode(err) != barter.ENotFound {
		t.Errorf("the key of a rejected write was kept: %v", err)
	}
	if _, err := svc.Apply(barter.WithIdempotencyKey(ctx, "k2", "x"), app()); err != nil {
		t.Errorf("the key of a rejected write cannot be used again: %v", err)
	}

	// Retries racing each other: one does the work, the others are told it is done.
	const racers = 6
	var wg sync.WaitGroup
	errs := make([]error, racers)
	for i := range racers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = svc.Apply(barter.WithIdempotencyKey(context.Background(), "k3", "x"), app())
		}()
	}
	wg.Wait()
	done := 0
	for _, err := range errs {
		switch {
		case err == nil:
			done++
		case !errors.Is(err, barter.ErrKeyUsed):
			t.Errorf("racing retry: %v; want success or ErrKeyUsed", err)
		}
	}
	if done != 1 || applied() != 3 {
		t.Errorf("%d racing retries succeeded, %d applications in all; want 1 and 3", done, applied())
	}
}

// testKeyExpiry checks that ForgetKeys deletes exactly the keys claimed before the
// time kept, to the second, whatever the fraction of a second they were claimed at.
func testKeyExpiry(t *testing.T, svc *barter.Service) {
	// Keys age by the real clock, not by a day the business is pinned to.
	now := time.Date(2025, 3, 1, 8, 0, 0, 250_000_000, time.UTC)
	svc.Clock = func() time.Time { return now }
	const keep = 7 * 24 * time.Hour
	claims := []struct {
		key  string
		ago  time.Duration
		kept bool
	}{
		{"old", 8 * 24 * time.Hour, false},
		{"just-old", keep + 1500*time.Millisecond, false},
		{"same-second", keep - 500*time.Millisecond, true}, // its second is the cutoff's
		{"recent", time.Hour, true},
	}
	for i, c := range claims {
		at := *svc
		at.Clock = func() time.Time { return now.Add(-c.ago) }
		p := &barter.Party{ID: fmt.Sprintf("K%d", i), Name: "Keyed", Country: "RU", TaxID: fmt.Sprint(1000 + i), Kind: barter.PartyPrivate}
		if err := at.CreateParty(barter.WithIdempotencyKey(ctx, c.key, "POST /parties"), p); err != nil {
			t.Fatal(err)
		}
	}
	n, err := svc.ForgetKeys(ctx, keep)
	if err != nil || n != 2 {
		t.Errorf("ForgetKeys(%v) = %d, %v; want 2 forgotten", keep, n, err)
	}
	for _, c := range claims {
		_, err := svc.StoredResponse(ctx, c.key)
		if kept := err == nil; kept != c.kept || (err != nil && barter.ErrorCode(err) != barter.ENotFound) {
			t.Errorf("key %q claimed %v ago: kept %v (%v); want kept %v", c.key, c.ago, kept, err, c.kept)
		}
	}
	if _, err := svc.ForgetKeys(ctx, 0); barter.ErrorCode(err) != barter.EInvalid {
		t.Errorf("ForgetKeys(0): %v; want invalid", err)
	}
}
