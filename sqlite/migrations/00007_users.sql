-- +goose Up
-- People who sign in, each with a role; only a hash of each token is kept.
CREATE TABLE users (
	name       TEXT PRIMARY KEY,
	role       TEXT NOT NULL,
	party      TEXT NOT NULL DEFAULT '',
	token_hash TEXT NOT NULL UNIQUE,
	created    TEXT NOT NULL
);
