-- +goose Up
CREATE TABLE clearing_runs (
	id        INTEGER PRIMARY KEY,
	created   TEXT NOT NULL,
	source    TEXT NOT NULL,
	status    TEXT NOT NULL,
	committed TEXT,
	entry_id  INTEGER
);

CREATE TABLE clearing_obligations (
	run_id   INTEGER NOT NULL REFERENCES clearing_runs (id),
	seq      INTEGER NOT NULL,
	id       TEXT NOT NULL,
	debtor   TEXT NOT NULL,
	creditor TEXT NOT NULL,
	amount   INTEGER NOT NULL,
	currency TEXT NOT NULL,
	cleared  INTEGER NOT NULL,
	PRIMARY KEY (run_id, seq)
) WITHOUT ROWID;
