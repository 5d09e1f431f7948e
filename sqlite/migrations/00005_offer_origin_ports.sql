-- +goose Up
-- Where offered goods come from, and the ports or border crossings they can leave by.
ALTER TABLE offers ADD COLUMN origin TEXT NOT NULL DEFAULT '';
ALTER TABLE offers ADD COLUMN ports TEXT NOT NULL DEFAULT '';
