package storetest

import (
	"testing"

	"github.com/barter-clearing/barter"
	"github.com/barter-clearing/barter/internal/sqlstore"
)

// AppendOnly checks, below the Service, that the database itself refuses to change or
// remove ledger entries and postings once written, and postings of no entry.
func AppendOnly(t *testing.T, s *sqlstore.Store) {
	svc := NewService(t, s)
	MustSeed(t, svc)
	MustPost(t, svc, GD(t, Auth2025, barter.Import, "2024-01-15", "100"))
	for _, q := range []string{`UPDATE postings SET amount = amount + 1`, `DELETE FROM postings`, `UPDATE entries SET day = '2024-01-01'`, `DELETE FROM entries`,
		`TRUNCATE postings`, `TRUNCATE entries`} {
		if _, err := s.Writer.Exec(q); err == nil {
			t.Errorf("%s succeeded; the ledger must be append-only", q)
		}
	}
	if _, err := s.Writer.Exec(`INSERT INTO postings (entry_id, seq, account, amount) VALUES (999999, 1, 'X:imports', 1)`); err == nil {
		t.Error("a posting of a missing entry was inserted; every posting must belong to an entry")
	}
}
