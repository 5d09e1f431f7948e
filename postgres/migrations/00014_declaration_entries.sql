-- +goose Up
-- A declaration is its own ledger entry (barter.DeclarationEntry): its row holds the
-- entry's ID, authorization, day, direction and value, all that its two postings would
-- say. Posting a declaration writes one row instead of four. The entries of declarations
-- posted before move into their rows, which hold them already; entries and postings keep
-- the others (reassessments, clearing). IDs still come from the entries' sequence.
CREATE INDEX declarations_authorization ON declarations (auth_number);
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
