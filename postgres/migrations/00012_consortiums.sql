-- +goose Up
-- The members and partner country of consortium parties (2025 amendment).
CREATE TABLE consortiums (
	party   TEXT PRIMARY KEY REFERENCES parties (id),
	partner TEXT NOT NULL
);
CREATE TABLE consortium_members (
	consortium TEXT NOT NULL REFERENCES consortiums (party),
	member     TEXT NOT NULL REFERENCES parties (id),
	lead       BOOLEAN NOT NULL,
	PRIMARY KEY (consortium, member)
);
CREATE UNIQUE INDEX consortium_members_lead ON consortium_members (consortium) WHERE lead;
CREATE INDEX authorizations_party ON authorizations (party);
