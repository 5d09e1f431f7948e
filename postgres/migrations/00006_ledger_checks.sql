-- +goose Up
-- Every posting belongs to an entry, checked once per INSERT statement rather than by a
-- foreign key's trigger on each row, which cost more than the insert itself. Entries can
-- be neither updated nor deleted, so the check at insert time holds for good.
ALTER TABLE postings DROP CONSTRAINT postings_entry_id_fkey;
-- +goose StatementBegin
CREATE FUNCTION postings_have_entries() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
	orphan BIGINT;
BEGIN
	-- A lookup by key for each posting, whatever the planner believes of the size of
	-- entries (statistics taken during a long import see none of its rows): a merge or
	-- hash join would read all of entries at every statement.
	SELECT p.entry_id INTO orphan FROM new_postings p
	LEFT JOIN LATERAL (SELECT e.id FROM entries e WHERE e.id = p.entry_id LIMIT 1) e ON true
	WHERE e.id IS NULL LIMIT 1;
	IF FOUND THEN
		RAISE EXCEPTION 'posting of entry % has no entry', orphan USING ERRCODE = 'foreign_key_violation';
	END IF;
	RETURN NULL;
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER postings_have_entries AFTER INSERT ON postings
	REFERENCING NEW TABLE AS new_postings FOR EACH STATEMENT EXECUTE FUNCTION postings_have_entries();
-- Nor may either table be emptied wholesale: row triggers do not see TRUNCATE, and the
-- foreign key that refused it on entries is gone.
CREATE TRIGGER entries_not_truncated BEFORE TRUNCATE ON entries FOR EACH STATEMENT EXECUTE FUNCTION ledger_append_only();
CREATE TRIGGER postings_not_truncated BEFORE TRUNCATE ON postings FOR EACH STATEMENT EXECUTE FUNCTION ledger_append_only();
