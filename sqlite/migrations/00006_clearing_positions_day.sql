-- +goose Up
-- The day of the positions a run was made from, for runs made from positions: what
-- committed runs cleared of those debts is deducted from later runs. It was told by the
-- run's source text alone, which any obligations file could imitate.
ALTER TABLE clearing_runs ADD COLUMN positions_as_of TEXT;
UPDATE clearing_runs SET positions_as_of = substr(source, 17, 10) WHERE source LIKE 'positions as of %';
