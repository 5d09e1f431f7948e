package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
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

func (t *Tx) ForgetKeys(ctx context.Context, before time.Time) (int64, error) {
	// created is RFC 3339 in UTC with a variable fraction, so only its first 19
	// characters, to the second, compare as text.
	st, err := t.stmt(ctx, `DELETE FROM idempotency_keys WHERE substr(created, 1, 19) < ?`)
	if err != nil {
		return 0, fmt.Errorf("forget keys: %w", err)
	}
	res, err := st.ExecContext(ctx, before.UTC().Format("2006-01-02T15:04:05"))
	if err != nil {
		return 0, fmt.Errorf("forget keys: %w", err)
	}
	return res.RowsAffected()
}
