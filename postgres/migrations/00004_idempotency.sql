-- +goose Up
-- Requests carried out under an idempotency key, with their answers: the key is written
-- in the same transaction as the request's changes, the answer just after.
CREATE TABLE idempotency_keys (
	key         TEXT PRIMARY KEY,
	fingerprint TEXT NOT NULL,
	created     TEXT NOT NULL,
	status      INTEGER NOT NULL DEFAULT 0,
	body        TEXT NOT NULL DEFAULT ''
);
