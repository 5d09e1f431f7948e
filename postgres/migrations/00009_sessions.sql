-- +goose Up
-- Sign-ins on the pages: a session lasts until it expires or its user signs out, and
-- only a hash of its ID is kept.
CREATE TABLE sessions (
	id_hash   TEXT PRIMARY KEY,
	user_name TEXT NOT NULL,
	expires   TEXT NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_name);
