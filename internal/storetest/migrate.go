package storetest

import (
	"database/sql"
	"reflect"
	"testing"

	"github.com/barter-clearing/barter"
	"github.com/barter-clearing/barter/internal/sqlstore"
)

// DeclarationEntriesMigrate checks the migration that moved declarations' ledger
// entries into their rows. raw is a database migrated to the version before it; the
// ledger of the old layout is written into it, two declarations, their entries and a
// reassessment; open then migrates it to the latest version. The ledger must read as
// it did: the same entries, postings, totals and flows, and new entries numbered after
// the old.
func DeclarationEntriesMigrate(t *testing.T, raw *sql.DB, afterIDs string, open func() *sqlstore.Store) {
	for _, q := range []string{
		`INSERT INTO declarations (` + declColumns + `) VALUES ('GD-1', 'A-1', 'import', '2024-01-10', '07132000', 10, 't', 'USD', 1, 1, 100, '2024-01-10', 10000, 1)`,
		`INSERT INTO declarations (` + declColumns + `) VALUES ('GD-2', 'A-1', 'export', '2024-01-20', '10063000', 10, 't', 'USD', 1, 1, 40, '2024-01-20', 4000, 2)`,
		`INSERT INTO entries (id, kind, ref, auth_number, day) VALUES (1, 'declaration', 'GD-1', 'A-1', '2024-01-10'), (2, 'declaration', 'GD-2', 'A-1', '2024-01-20'),
			(3, 'reassessment', 'GD-1', 'A-1', '2024-02-01')`,
		`INSERT INTO postings (entry_id, seq, account, amount) VALUES (1, 1, 'A-1:imports', 10000), (1, 2, 'A-1:netoff', -10000),
			(2, 1, 'A-1:exports', -4000), (2, 2, 'A-1:netoff', 4000), (3, 1, 'A-1:imports', -1000), (3, 2, 'A-1:netoff', 1000)`,
		`INSERT INTO reassessments (entry_id, declaration, day, assessed, value, delta) VALUES (3, 'GD-1', '2024-02-01', 0.9, 9000, -1000)`,
		afterIDs,
	} {
		if q == "" {
			continue
		}
		if _, err := raw.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	raw.Close()
	s := open()
	var stored [2]int64
	if err := s.Writer.QueryRow(`SELECT (SELECT COUNT(*) FROM entries), (SELECT COUNT(*) FROM postings)`).Scan(&stored[0], &stored[1]); err != nil {
		t.Fatal(err)
	}
	if stored != [2]int64{1, 2} {
		t.Errorf("after the migration entries and postings hold %v rows; want the reassessment's 1 and 2", stored)
	}
	err := s.Update(ctx, func(tx barter.Tx) error {
		r, err := tx.VerifyLedger(ctx)
		if err != nil {
			return err
		}
		if !r.OK() || r.Entries != 3 || r.Postings != 6 || !r.Debits.Equal(Dec(t, "150")) || !r.Credits.Equal(Dec(t, "-150")) {
			t.Errorf("verify after the migration: %+v; want 3 balanced entries, 6 postings, 150.00 each way", r)
		}
		totals, err := tx.TotalsAsOf(ctx, barter.MustDate("2024-12-31"))
		if err != nil {
			return err
		}
		if got := totals["A-1"]; len(totals) != 1 || !got.Imports.Equal(Dec(t, "90")) || !got.Exports.Equal(Dec(t, "40")) {
			t.Errorf("totals after the migration %v; want A-1 imports 90.00, exports 40.00", totals)
		}
		flows, err := tx.FlowsOf(ctx, []string{"A-1"})
		if err != nil {
			return err
		}
		want := []barter.Flow{{Day: barter.MustDate("2024-01-10"), Imports: 10000}, {Day: barter.MustDate("2024-01-20"), Exports: 4000}, {Day: barter.MustDate("2024-02-01"), Imports: -1000}}
		if !reflect.DeepEqual(flows["A-1"], want) {
			t.Errorf("flows after the migration %v; want %v", flows["A-1"], want)
		}
		e := barter.Entry{Kind: barter.EntryReassessment, Ref: "GD-2", Authorization: "A-1", Date: barter.MustDate("2024-02-02"),
			Postings: []barter.Posting{{Account: barter.ExportsAccount("A-1"), Amount: Dec(t, "-1")}, {Account: barter.NetOffAccount("A-1"), Amount: Dec(t, "1")}}}
		if err := tx.AppendEntry(ctx, &e); err != nil {
			return err
		}
		if e.ID <= 3 {
			t.Errorf("a new entry after the migration is numbered %d; want after the old ones' 3", e.ID)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
