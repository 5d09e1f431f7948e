package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/barter-clearing/barter"
)

func (t *Tx) ClaimKey(ctx context.Context, r *barter.StoredResponse) (bool, error) {
	return t.move(ctx, `INSERT INTO idempotency_keys (key, fingerprint, created) VALUES (?, ?, ?) ON CONFLICT (key) DO NOTHING`,
		r.Key, r.Fingerprint, r.Created.UTC().Format(time.RFC3339Nano))
}

func (t *Tx) SaveResponse(ctx context.Context, key string, status int, body []byte) error {
	saved, err := t.move(ctx, `UPDATE idempotency_keys SET status = ?, body = ? WHERE key = ?`, status, string(body), key)
	if err == nil && !saved {
		err = barter.Errorf(barter.ENotFound, "no idempotency key %q", key)
	}
	return err
}

func (t *Tx) StoredResponse(ctx context.Context, key string) (*barter.StoredResponse, error) {
	row, err := t.queryRow(ctx, `SELECT fingerprint, created, status, body FROM idempotency_keys WHERE key = ?`, key)
	if err != nil {
		return nil, err
	}
	r := &barter.StoredResponse{Key: key}
	var created, body string
	if err := row.Scan(&r.Fingerprint, &created, &r.Status, &body); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, barter.Errorf(barter.ENotFound, "no idempotency key %q", key)
		}
		return nil, err
	}
	if r.Created, err = time.Parse(time.RFC3339Nano, created); err != nil {
		return nil, err
	}
	r.Body = []byte(body)
	return r, nil
}
