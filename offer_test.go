package barter_test

import (
	"strings"
	"testing"

	"github.com/barter-clearing/barter"
)

func TestRulebooks_CanGive(t *testing.T) {
	rbs := barter.StandardRulebooks()
	day := barter.MustDate("2025-01-15")
	give := func() *barter.Offer {
		return &barter.Offer{ID: "A", Party: "P1", Country: "PK", Regime: "2025", Gives: "100630", ValueMin: 10000, ValueMax: 12000,
			From: barter.MustDate("2025-01-01"), To: barter.MustDate("2025-02-01")}
	}
	want := func() *barter.Offer {
		return &barter.Offer{ID: "B", Party: "P2", Country: "RU", Regime: "2025", Wants: []string{"10"}, WantMin: 14000, WantMax: 15000,
			WantFrom: barter.MustDate("2025-01-20"), WantTo: barter.MustDate("2025-03-01")}
	}
	// 12,000 reaches 14,000 less 20 % (11,200).
	if ok, why := rbs.CanGive(give(), want(), day); !ok {
		t.Fatalf("CanGive = false: %v", why)
	}
	for name, tt := range map[string]struct {
		change func(a, b *barter.Offer)
		reason string
	}{
		"not wanted":  {func(a, b *barter.Offer) { b.Wants = []string{"27"} }, "wants 27"},
		"too cheap":   {func(a, b *barter.Offer) { a.ValueMax = 11000 }, "is worth"},
		"too late":    {func(a, b *barter.Offer) { a.To = barter.MustDate("2025-01-19") }, "delivers"},
		"not partner": {func(a, b *barter.Offer) { b.Country = "CN" }, "no rulebook lets PK trade with CN"},
		"blocked":     {func(a, b *barter.Offer) { b.Blocked = true }, "screening"},
		"expired":     {func(a, b *barter.Offer) { a.ValidUntil = barter.MustDate("2025-01-14") }, "expired"},
		"same party":  {func(a, b *barter.Offer) { b.Party = a.Party }, "same party"},
	} {
		a, b := give(), want()
		tt.change(a, b)
		ok, why := rbs.CanGive(a, b, day)
		if ok || !strings.Contains(strings.Join(why, "; "), tt.reason) {
			t.Errorf("%s: CanGive = %v, %v; want a reason with %q", name, ok, why, tt.reason)
		}
	}
}
