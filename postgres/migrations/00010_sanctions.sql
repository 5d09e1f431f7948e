-- +goose Up
-- Versions of the sanctions list (each as generated), their entries, and the possible
-- matches of parties on them with customs' decisions.
CREATE TABLE sanctions_lists (
	version TEXT PRIMARY KEY,
	source  TEXT NOT NULL,
	loaded  TEXT NOT NULL,
	entries INTEGER NOT NULL
);
CREATE TABLE sanctions_entries (
	version        TEXT NOT NULL REFERENCES sanctions_lists (version),
	ref            TEXT NOT NULL,
	kind           TEXT NOT NULL,
	name           TEXT NOT NULL,
	aliases        TEXT NOT NULL,
	nationalities  TEXT NOT NULL,
	listed_on      TEXT NOT NULL,
	PRIMARY KEY (version, ref)
);
CREATE TABLE screening_hits (
	party      TEXT NOT NULL,
	version    TEXT NOT NULL,
	ref        TEXT NOT NULL,
	name       TEXT NOT NULL,
	listed     TEXT NOT NULL,
	score      TEXT NOT NULL,
	status     TEXT NOT NULL,
	reason     TEXT NOT NULL DEFAULT '',
	decided_by TEXT NOT NULL DEFAULT '',
	decided    TEXT,
	PRIMARY KEY (party, version, ref)
);
CREATE INDEX screening_hits_version ON screening_hits (version, status);
