-- +goose Up
CREATE TABLE parties (
	id              TEXT PRIMARY KEY,
	name            TEXT NOT NULL,
	country         TEXT NOT NULL,
	tax_id          TEXT NOT NULL,
	kind            TEXT NOT NULL,
	active_taxpayer INTEGER NOT NULL DEFAULT 0,
	atl_checked     TEXT,
	collectorate    TEXT NOT NULL DEFAULT ''
);

CREATE TABLE rates (
	currency TEXT NOT NULL,
	day      TEXT NOT NULL,
	rate     TEXT NOT NULL,
	source   TEXT NOT NULL DEFAULT '',
	PRIMARY KEY (currency, day)
);

CREATE TABLE authorizations (
	id           INTEGER PRIMARY KEY,
	number       TEXT UNIQUE,
	party        TEXT NOT NULL REFERENCES parties (id),
	counterparty TEXT NOT NULL REFERENCES parties (id),
	regime       TEXT NOT NULL,
	status       TEXT NOT NULL,
	applied      TEXT,
	issued       TEXT,
	deadline     TEXT,
	valid_until  TEXT,
	reason       TEXT NOT NULL DEFAULT '',
	cancelled    TEXT
);

CREATE TABLE lines (
	authorization_id INTEGER NOT NULL REFERENCES authorizations (id),
	seq              INTEGER NOT NULL,
	direction        TEXT NOT NULL,
	hs_code          TEXT NOT NULL,
	description      TEXT NOT NULL,
	quantity         TEXT NOT NULL,
	unit             TEXT NOT NULL,
	value            TEXT NOT NULL,
	currency         TEXT NOT NULL,
	PRIMARY KEY (authorization_id, seq)
);

CREATE TABLE serials (
	name  TEXT PRIMARY KEY,
	value INTEGER NOT NULL
);

-- The ledger: entries and their postings, in minor units of the unit of account.
CREATE TABLE entries (
	id            INTEGER PRIMARY KEY,
	kind          TEXT NOT NULL,
	ref           TEXT NOT NULL,
	auth_number TEXT NOT NULL,
	day           TEXT NOT NULL
);
CREATE INDEX entries_authorization ON entries (auth_number);

CREATE TABLE postings (
	entry_id INTEGER NOT NULL REFERENCES entries (id),
	seq      INTEGER NOT NULL,
	account  TEXT NOT NULL,
	amount   INTEGER NOT NULL,
	PRIMARY KEY (entry_id, seq)
) WITHOUT ROWID;

CREATE TRIGGER entries_append_only_update BEFORE UPDATE ON entries BEGIN SELECT RAISE(ABORT, 'ledger is append-only'); END;
CREATE TRIGGER entries_append_only_delete BEFORE DELETE ON entries BEGIN SELECT RAISE(ABORT, 'ledger is append-only'); END;
CREATE TRIGGER postings_append_only_update BEFORE UPDATE ON postings BEGIN SELECT RAISE(ABORT, 'ledger is append-only'); END;
CREATE TRIGGER postings_append_only_delete BEFORE DELETE ON postings BEGIN SELECT RAISE(ABORT, 'ledger is append-only'); END;

CREATE TABLE declarations (
	number        TEXT PRIMARY KEY,
	auth_number TEXT NOT NULL,
	direction     TEXT NOT NULL,
	day           TEXT NOT NULL,
	hs_code       TEXT NOT NULL,
	quantity      TEXT NOT NULL,
	unit          TEXT NOT NULL,
	currency      TEXT NOT NULL,
	declared      TEXT NOT NULL,
	assessed      TEXT NOT NULL,
	rate          TEXT NOT NULL,
	rate_day      TEXT NOT NULL,
	value         INTEGER NOT NULL,
	entry_id      INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE reassessments (
	entry_id    INTEGER PRIMARY KEY,
	declaration TEXT NOT NULL REFERENCES declarations (number),
	day         TEXT NOT NULL,
	assessed    TEXT NOT NULL,
	value       INTEGER NOT NULL,
	delta       INTEGER NOT NULL
);

CREATE TABLE reconciliations (
	id        INTEGER PRIMARY KEY,
	as_of     TEXT NOT NULL,
	run_at    TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP,
	cancelled INTEGER NOT NULL
);

CREATE TABLE cancellations (
	reconciliation_id INTEGER NOT NULL REFERENCES reconciliations (id),
	auth_number     TEXT NOT NULL,
	reason            TEXT NOT NULL
);
