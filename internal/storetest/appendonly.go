package storetest

import (
	"slices"
	"testing"

	"github.com/barter-clearing/barter"
	"github.com/barter-clearing/barter/internal/sqlstore"
)

// AppendOnly checks, below the Service, that the database itself refuses to change or
// remove ledger entries and postings once written (declarations among them), and
// postings of no entry.
func AppendOnly(t *testing.T, s *sqlstore.Store) {
	svc := NewService(t, s)
	MustSeed(t, svc)
	d := GD(t, Auth2025, barter.Import, "2024-01-15", "100")
	MustPost(t, svc, d)
	// A reassessment is an entry with postings of its own.
	if _, err := svc.Reassess(ctx, d.Number, Dec(t, "90"), barter.MustDate("2024-01-20")); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{`UPDATE postings SET amount = amount + 1`, `DELETE FROM postings`, `UPDATE entries SET day = '2024-01-01'`, `DELETE FROM entries`,
		`TRUNCATE postings`, `TRUNCATE entries`,
		// A declaration's row is its ledger entry.
		`UPDATE declarations SET value = value + 1`, `UPDATE declarations SET direction = 'export'`, `DELETE FROM declarations`, `TRUNCATE declarations`} {
		if _, err := s.Writer.Exec(q); err == nil {
			t.Errorf("%s succeeded; the ledger must be append-only", q)
		}
	}
	if _, err := s.Writer.Exec(`INSERT INTO postings (entry_id, seq, account, amount) VALUES (999999, 1, 'X:imports', 1)`); err == nil {
		t.Error("a posting of a missing entry was inserted; every posting must belong to an entry")
	}
}

// badDeclarations are rows that book to no leg, or a negative value.
var badDeclarations = []string{
	`INSERT INTO declarations (` + declColumns + `) VALUES ('GD-X', '` + Auth2025 + `', 'neither', '2024-01-15', '07132000', 1, 't', 'USD', 1, 1, 1, '2024-01-15', 100, 999998)`,
	`INSERT INTO declarations (` + declColumns + `) VALUES ('GD-Y', '` + Auth2025 + `', 'import', '2024-01-15', '07132000', 1, 't', 'USD', 1, 1, 1, '2024-01-15', -100, 999999)`,
}

const declColumns = `number, auth_number, direction, day, hs_code, quantity, unit, currency, declared, assessed, rate, rate_day, value, entry_id`

// DeclarationLegs checks, on a database that checks rows itself, that it refuses a
// declaration booking to no leg or a negative value.
func DeclarationLegs(t *testing.T, s *sqlstore.Store) {
	svc := NewService(t, s)
	MustSeed(t, svc)
	for _, q := range badDeclarations {
		if _, err := s.Writer.Exec(q); err == nil {
			t.Errorf("%s succeeded; a declaration must book a non-negative value to a leg", q)
		}
	}
}

// VerifyFindsBadLegs checks that ledger verify reports a declaration whose direction
// names no leg, on a database that lets one be written around barter.
func VerifyFindsBadLegs(t *testing.T, s *sqlstore.Store) {
	svc := NewService(t, s)
	MustSeed(t, svc)
	MustPost(t, svc, GD(t, Auth2025, barter.Import, "2024-01-15", "100"))
	if _, err := s.Writer.Exec(badDeclarations[0]); err != nil {
		t.Fatal(err)
	}
	r, err := svc.VerifyLedger(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if r.OK() || len(r.Unbalanced) != 1 || r.Unbalanced[0].Ref != "GD-X" || r.Unbalanced[0].ID != 999998 || !r.Unbalanced[0].Sum.Equal(Dec(t, "1")) {
		t.Errorf("verify reports %+v; want GD-X unbalanced by 1.00", r)
	}
}

// VerifyFindsStaleFlows checks that ledger verify reports an authorization whose flows,
// as kept for posting, no longer match the ledger: one changed around barter, and one
// missing.
func VerifyFindsStaleFlows(t *testing.T, s *sqlstore.Store) {
	svc := NewService(t, s)
	MustSeed(t, svc)
	MustPost(t, svc, GD(t, Auth2025, barter.Import, "2024-01-15", "100"))
	MustPost(t, svc, GD(t, Auth2023, barter.Import, "2024-01-15", "100"))
	if r, err := svc.VerifyLedger(ctx); err != nil || !r.OK() {
		t.Fatalf("verify before: %+v, %v", r, err)
	}
	for _, q := range []string{`UPDATE authorization_flows SET flows = '2024-01-15 2800001 0' WHERE auth_number = '` + Auth2025 + `'`,
		`DELETE FROM authorization_flows WHERE auth_number = '` + Auth2023 + `'`} {
		if _, err := s.Writer.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	r, err := svc.VerifyLedger(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if r.OK() || !slices.Equal(r.StaleFlows, []string{Auth2023, Auth2025}) {
		t.Errorf("verify reports stale flows %v; want %s and %s", r.StaleFlows, Auth2023, Auth2025)
	}
	// Rebuilt from the ledger, they verify again, and posting counts the imports kept.
	if n, stale, err := svc.RebuildFlows(ctx); err != nil || n != 2 || stale != 2 {
		t.Fatalf("rebuild: %d authorizations, %d stale, %v; want 2 and 2", n, stale, err)
	}
	if r, err := svc.VerifyLedger(ctx); err != nil || !r.OK() {
		t.Fatalf("verify after the rebuild: %+v, %v", r, err)
	}
	// 100 USD at 280 imported allows up to 35,000 PKR of exports: 120 USD at 280 (33,600)
	// fits, and would not without the imports the rebuilt flows hold.
	MustPost(t, svc, GD(t, Auth2023, barter.Export, "2024-01-20", "120"))
}
