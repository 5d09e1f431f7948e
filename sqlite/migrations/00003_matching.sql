-- +goose Up
CREATE TABLE offers (
	id            TEXT PRIMARY KEY,
	party         TEXT NOT NULL REFERENCES parties (id),
	country       TEXT NOT NULL,
	regime        TEXT NOT NULL,
	gives         TEXT NOT NULL,
	quantity      TEXT NOT NULL,
	unit          TEXT NOT NULL,
	value_min     INTEGER NOT NULL,
	value_max     INTEGER NOT NULL,
	delivery_from TEXT,
	delivery_to   TEXT,
	wants         TEXT NOT NULL,
	want_min      INTEGER NOT NULL,
	want_max      INTEGER NOT NULL,
	want_from     TEXT,
	want_to       TEXT,
	valid_until   TEXT,
	blocked       INTEGER NOT NULL,
	status        TEXT NOT NULL
);

CREATE TABLE proposals (
	id       INTEGER PRIMARY KEY,
	created  TEXT NOT NULL,
	deadline TEXT NOT NULL,
	status   TEXT NOT NULL,
	value    INTEGER NOT NULL
);

CREATE TABLE proposal_legs (
	proposal_id INTEGER NOT NULL REFERENCES proposals (id),
	position    INTEGER NOT NULL,
	offer_id    TEXT NOT NULL REFERENCES offers (id),
	party       TEXT NOT NULL,
	country     TEXT NOT NULL,
	value       INTEGER NOT NULL,
	response    TEXT NOT NULL,
	responded   TEXT,
	reason      TEXT NOT NULL,
	PRIMARY KEY (proposal_id, position)
) WITHOUT ROWID;

CREATE TABLE proposal_authorizations (
	proposal_id      INTEGER NOT NULL REFERENCES proposals (id),
	country          TEXT NOT NULL,
	authorization_id INTEGER NOT NULL REFERENCES authorizations (id),
	PRIMARY KEY (proposal_id, country)
) WITHOUT ROWID;
