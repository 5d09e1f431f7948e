package storetest

import (
	"strings"
	"testing"

	"github.com/barter-clearing/barter"
)

// testUndertakings files undertakings and checks the rule of the 2025 amendment: customs
// approve an application only with an undertaking on file that its counterparty is not
// a sanctioned entity, given by the applicant or a chamber on or before the day.
func testUndertakings(t *testing.T, svc *barter.Service) {
	MustSeed(t, svc)
	MustImport(t, svc.ImportParties,
		barter.Party{ID: "AF1", Name: "Kabul Dry Fruit", Country: "AF", TaxID: "AF-100", Kind: barter.PartyPrivate},
		barter.Party{ID: "T2", Name: "Sialkot Exports", Country: "PK", TaxID: "7000003", Kind: barter.PartyPrivate},
		barter.Party{ID: "T3", Name: "Quetta Fruit", Country: "PK", TaxID: "7000005", Kind: barter.PartyIndividual})
	day := func(s string) barter.Date { return barter.MustDate(s) }
	for _, bad := range []struct {
		field string
		u     barter.Undertaking
	}{
		{"giver", barter.Undertaking{Counterparty: "AF1", Day: day("2024-01-01"), Signatory: "CEO"}},
		{"chamber", barter.Undertaking{Giver: Trader, Chamber: "LCCI", Counterparty: "AF1", Day: day("2024-01-01"), Signatory: "CEO"}},
		{"counterparty", barter.Undertaking{Giver: Trader, Day: day("2024-01-01"), Signatory: "CEO"}},
		{"counterparty", barter.Undertaking{Giver: Trader, Counterparty: "T2", Day: day("2024-01-01"), Signatory: "CEO"}},
		{"counterparty", barter.Undertaking{Giver: Trader, Counterparty: "ghost", Day: day("2024-01-01"), Signatory: "CEO"}},
		{"counterparty", barter.Undertaking{Chamber: "LCCI", Counterparty: "T2", Day: day("2024-01-01"), Signatory: "CEO"}},
		{"giver", barter.Undertaking{Giver: Russian, Counterparty: "AF1", Day: day("2024-01-01"), Signatory: "CEO"}},
		{"giver", barter.Undertaking{Giver: " ", Chamber: " ", Counterparty: "AF1", Day: day("2024-01-01"), Signatory: "CEO"}},
		{"signatory", barter.Undertaking{Giver: Trader, Counterparty: "AF1", Day: day("2024-01-01"), Signatory: "  "}},
		{"giver", barter.Undertaking{Giver: "ghost", Counterparty: "AF1", Day: day("2024-01-01"), Signatory: "CEO"}},
		{"day", barter.Undertaking{Giver: Trader, Counterparty: "AF1", Signatory: "CEO"}},
		{"signatory", barter.Undertaking{Giver: Trader, Counterparty: "AF1", Day: day("2024-01-01")}},
		{"document", barter.Undertaking{Giver: Trader, Counterparty: "AF1", Day: day("2024-01-01"), Signatory: "CEO", Document: "abc"}},
	} {
		_, err := svc.RecordUndertaking(ctx, &bad.u)
		wantInvalid(t, err, bad.field)
	}
	if us, err := svc.Undertakings(ctx, "AF1"); err != nil || len(us) != 0 {
		t.Fatalf("after refusals: %v, %v; want none", us, err)
	}

	apply := func(party string) int64 {
		a, err := svc.Apply(ctx, &barter.Application{Party: party, Counterparty: "AF1", Regime: "2025", Lines: []barter.Line{
			{Direction: barter.Import, HSCode: "0802", Description: "walnuts", Quantity: Dec(t, "10"), Unit: "t", Value: Dec(t, "1000"), Currency: "USD"},
			{Direction: barter.Export, HSCode: "1006", Description: "rice", Quantity: Dec(t, "10"), Unit: "t", Value: Dec(t, "1000"), Currency: "USD"},
		}})
		if err != nil {
			t.Fatal(err)
		}
		return a.ID
	}
	id := apply(Trader)
	_, err := svc.Approve(ctx, id, day("2024-02-10"))
	wantInvalid(t, err, "undertaking")

	// Another trader's undertaking, and one signed after the day, do not count.
	doc := "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
	if _, err := svc.RecordUndertaking(ctx, &barter.Undertaking{Giver: "T2", Counterparty: "AF1", Day: day("2024-01-15"), Signatory: "CEO"}); err != nil {
		t.Fatal(err)
	}
	u, err := svc.RecordUndertaking(ctx, &barter.Undertaking{Giver: Trader, Counterparty: "AF1", Day: day("2024-02-12"), Signatory: "A. Khan, director",
		Text: "AF1 is not a sanctioned entity", Document: doc})
	if err != nil || u.ID == 0 {
		t.Fatalf("record: %+v, %v", u, err)
	}
	_, err = svc.Approve(ctx, id, day("2024-02-11"))
	wantInvalid(t, err, "undertaking")
	a, err := svc.Approve(ctx, id, day("2024-02-12"))
	if err != nil || a.Status != barter.StatusApproved {
		t.Fatalf("approve with the trader's own undertaking: %+v, %v", a, err)
	}
	// A chamber's undertaking vouches for every applicant: T3 has none of its own.
	id2 := apply("T3")
	if _, err := svc.RecordUndertaking(ctx, &barter.Undertaking{Chamber: "Quetta Chamber", Counterparty: "AF1", Day: day("2024-02-01"), Signatory: "President"}); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Approve(ctx, id2, day("2024-02-02")); err != nil {
		t.Fatalf("approve with a chamber's undertaking: %v", err)
	}

	us, err := svc.Undertakings(ctx, "AF1")
	if err != nil || len(us) != 3 || us[1].Document != doc || us[1].Text == "" || us[1].Day != day("2024-02-12") || us[2].Chamber != "Quetta Chamber" || us[2].Giver != "" {
		t.Fatalf("Undertakings(AF1) = %+v, %v", us, err)
	}
	// A trader records and sees its own party's undertakings and the chambers'.
	asTrader := barter.WithUser(ctx, &barter.User{Name: "t", Role: barter.RoleTrader, Party: Trader})
	for _, u := range []barter.Undertaking{
		{Giver: "T2", Counterparty: "AF1", Day: day("2024-01-01"), Signatory: "x"},
		{Chamber: "A chamber", Counterparty: "AF1", Day: day("2024-01-01"), Signatory: "x"},
	} {
		if _, err := svc.RecordUndertaking(asTrader, &u); barter.ErrorCode(err) != barter.EForbidden {
			t.Errorf("a trader giving %+v: %v; want forbidden", u, err)
		}
	}
	// A blank chamber beside its own party is its own party's undertaking, no chamber's.
	blank, err := svc.RecordUndertaking(asTrader, &barter.Undertaking{Giver: Trader, Chamber: "  ", Counterparty: "AF1", Day: day("2024-01-01"), Signatory: "x",
		Document: strings.ToUpper(doc)})
	if err != nil || blank.Chamber != "" || blank.Document != doc {
		t.Fatalf("a blank chamber: %+v, %v; want the trader's own, the digest in lower case", blank, err)
	}
	mine, err := svc.Undertakings(asTrader, "")
	if err != nil || len(mine) != 4 { // its own two, and the chambers' for AF1 and RU1
		t.Errorf("a trader's view: %+v, %v; want 4", mine, err)
	}
	for _, u := range mine {
		if u.Giver == "T2" {
			t.Errorf("a trader sees another's undertaking: %+v", u)
		}
	}
}
