-- +goose Up
-- What the listed entry said when a hit was found (a digest of its names, nationalities
-- and listing): a decision carries over to a later version of the list only while the
-- entry stays the same.
ALTER TABLE screening_hits ADD COLUMN entry TEXT NOT NULL DEFAULT '';
