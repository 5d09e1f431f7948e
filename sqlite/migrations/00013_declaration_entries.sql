-- +goose Up
-- A declaration is its own ledger entry (barter.DeclarationEntry): its row holds the
-- entry's ID, authorization, day, direction and value, all that its two postings would
-- say. Posting a declaration writes one row instead of four. The entries of declarations
-- posted before move into their rows, which hold them already; entries and postings keep
-- the others (reassessments, clearing).
CREATE INDEX declarations_authorization ON declarations (auth_number);

-- Entry IDs come from a counter, shared by both kinds of entry.
INSERT INTO serials (name, value)
	SELECT 'ledger_entry', COALESCE(MAX(id), 0) FROM (SELECT MAX(id) AS id FROM entries UNION ALL SELECT MAX(entry_id) FROM declarations);

DROP TRIGGER entries_append_only_delete;
DROP TRIGGER postings_append_only_delete;
DELETE FROM postings WHERE entry_id IN (SELECT id FROM entries WHERE kind = 'declaration');
DELETE FROM entries WHERE kind = 'declaration';
CREATE TRIGGER entries_append_only_delete BEFORE DELETE ON entries BEGIN SELECT RAISE(ABORT, 'ledger is append-only'); END;
CREATE TRIGGER postings_append_only_delete BEFORE DELETE ON postings BEGIN SELECT RAISE(ABORT, 'ledger is append-only'); END;

-- Declarations are now the ledger too: append-only. (Their direction and value are
-- checked before they are written; a trigger to check them again on insert would cost
-- a tenth of an import, and SQLite adds no CHECK to a table. `barter ledger verify`
-- reports any declaration whose direction names no leg.)
CREATE TRIGGER declarations_append_only_update BEFORE UPDATE ON declarations BEGIN SELECT RAISE(ABORT, 'ledger is append-only'); END;
CREATE TRIGGER declarations_append_only_delete BEFORE DELETE ON declarations BEGIN SELECT RAISE(ABORT, 'ledger is append-only'); END;
