-- +goose Up
-- Undertakings that a foreign party is not a sanctioned entity (2025 amendment), given by
-- a home party or a chamber.
CREATE TABLE undertakings (
	id           INTEGER PRIMARY KEY,
	giver        TEXT REFERENCES parties (id),
	chamber      TEXT NOT NULL DEFAULT '',
	counterparty TEXT NOT NULL REFERENCES parties (id),
	day          TEXT NOT NULL,
	signatory    TEXT NOT NULL,
	text         TEXT NOT NULL DEFAULT '',
	document     TEXT NOT NULL DEFAULT '',
	CHECK ((giver IS NULL) <> (chamber = ''))
);
CREATE INDEX undertakings_counterparty ON undertakings (counterparty);
