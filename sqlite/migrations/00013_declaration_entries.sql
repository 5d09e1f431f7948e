-- +goose Up
-- A declaration is its own ledger entry (barter.DeclarationEntry): its row holds the
-- entry's ID, authorization, day, direction and value, all that its two postings would
-- say. Posting a declaration writes one row instead of four. The entries of declarations
-- posted before move into their rows, which hold them already; entries and postings keep
-- the others (reassessments, clearing).

-- What each authorization has booked to its legs, day by day, kept for posting: the
-- import-first rule checks a new declaration against it. Posting keeps it up to date
-- under the authorization's lock, once an import for each authorization it posted to,
-- instead of an index on the declarations that every row would have to update; `barter
-- ledger verify` checks it against the ledger. Flows are "DAY IMPORTS EXPORTS" in
-- hundredths, separated by ';', in order of day.
CREATE TABLE authorization_flows (
	auth_number TEXT PRIMARY KEY,
	flows       TEXT NOT NULL
) WITHOUT ROWID;
INSERT INTO authorization_flows (auth_number, flows)
	SELECT auth_number, group_concat(day || ' ' || imports || ' ' || exports, ';' ORDER BY day) FROM (
		SELECT auth_number, day, SUM(imports) AS imports, SUM(exports) AS exports FROM (
			SELECT auth_number, day, CASE WHEN direction = 'import' THEN value ELSE 0 END AS imports,
				CASE WHEN direction = 'export' THEN value ELSE 0 END AS exports FROM declarations
			UNION ALL
			SELECT e.auth_number, e.day, CASE WHEN p.account LIKE '%:imports' THEN p.amount ELSE 0 END,
				CASE WHEN p.account LIKE '%:exports' THEN -p.amount ELSE 0 END
			FROM entries e JOIN postings p ON p.entry_id = e.id
			WHERE e.kind <> 'declaration' AND (p.account LIKE '%:imports' OR p.account LIKE '%:exports')
		) AS booked GROUP BY auth_number, day
	) AS daily GROUP BY auth_number;

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
