-- +goose Up
-- A declaration is its own ledger entry (barter.DeclarationEntry): its row holds the
-- entry's ID, authorization, day, direction and value, all that its two postings would
-- say. Posting a declaration writes one row instead of four. The entries of declarations
-- posted before move into their rows, which hold them already; entries and postings keep
-- the others (reassessments, clearing). IDs still come from the entries' sequence.

-- What each authorization has booked to its legs, day by day, kept for posting: the
-- import-first rule checks a new declaration against it. Posting keeps it up to date
-- under the authorization's lock, once an import for each authorization it posted to,
-- instead of an index on the declarations that every row would have to update; `barter
-- ledger verify` checks it against the ledger. Flows are "DAY IMPORTS EXPORTS" in
-- hundredths, separated by ';', in order of day.
CREATE TABLE authorization_flows (
	auth_number TEXT PRIMARY KEY,
	flows       TEXT NOT NULL
);
INSERT INTO authorization_flows (auth_number, flows)
	SELECT auth_number, string_agg(day || ' ' || imports || ' ' || exports, ';' ORDER BY day) FROM (
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
ALTER TABLE declarations ADD CONSTRAINT declarations_leg CHECK (direction IN ('import', 'export') AND value >= 0);
-- A batch's INSERT numbers its entries itself and returns their IDs.
ALTER TABLE declarations ALTER COLUMN entry_id SET DEFAULT nextval('entries_id_seq');

ALTER TABLE entries DISABLE TRIGGER entries_append_only;
ALTER TABLE postings DISABLE TRIGGER postings_append_only;
DELETE FROM postings WHERE entry_id IN (SELECT id FROM entries WHERE kind = 'declaration');
DELETE FROM entries WHERE kind = 'declaration';
ALTER TABLE entries ENABLE TRIGGER entries_append_only;
ALTER TABLE postings ENABLE TRIGGER postings_append_only;

-- Declarations are now the ledger too: append-only.
CREATE TRIGGER declarations_append_only BEFORE UPDATE OR DELETE ON declarations FOR EACH ROW EXECUTE FUNCTION ledger_append_only();
CREATE TRIGGER declarations_not_truncated BEFORE TRUNCATE ON declarations FOR EACH STATEMENT EXECUTE FUNCTION ledger_append_only();
