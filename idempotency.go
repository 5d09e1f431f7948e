package barter

import (
	"context"
	"time"
)

// StoredResponse is the answer to a request carried out under an idempotency key, kept so
// that a client retrying after a lost answer gets the same answer instead of having the
// work done twice.
type StoredResponse struct {
	Key string
	// Fingerprint identifies what the request asked (method, path, body), so that a key
	// reused for another request is refused rather than answered with the wrong result.
	Fingerprint string
	Created     time.Time
	// Status and Body are the answer; Status is 0 while the answer is not yet kept.
	Status int
	Body   []byte
}

// ErrKeyUsed is returned by a write under an idempotency key that a committed write has
// already used.
var ErrKeyUsed = &Error{Code: EConflict, Field: "Idempotency-Key", Message: "a request with this idempotency key has already been carried out"}

type idempotencyKey struct{}

// keyClaim is an idempotency key travelling with a request's context.
type keyClaim struct {
	key, fingerprint string
	claimed          bool
}

// WithIdempotencyKey returns a context under which the Service's first write records key
// in the same transaction as its changes: either both are committed or neither is, so a
// retry under the same key finds the key and never does the work twice.
func WithIdempotencyKey(ctx context.Context, key, fingerprint string) context.Context {
	return context.WithValue(ctx, idempotencyKey{}, &keyClaim{key: key, fingerprint: fingerprint})
}

// update runs fn in a read-write transaction, claiming the context's idempotency key in
// it when there is one not yet claimed. Errors: ErrKeyUsed, and those of fn.
func (s *Service) update(ctx context.Context, fn func(Tx) error) error {
	c, _ := ctx.Value(idempotencyKey{}).(*keyClaim)
	if c == nil || c.claimed {
		return s.Store.Update(ctx, fn)
	}
	err := s.Store.Update(ctx, func(tx Tx) error {
		fresh, err := tx.ClaimKey(ctx, &StoredResponse{Key: c.key, Fingerprint: c.fingerprint, Created: s.clock()})
		if err != nil {
			return err
		}
		if !fresh {
			return ErrKeyUsed
		}
		return fn(tx)
	})
	if err == nil {
		c.claimed = true
	}
	return err
}

// StoredResponse returns what was kept under an idempotency key. Errors: ENotFound.
func (s *Service) StoredResponse(ctx context.Context, key string) (*StoredResponse, error) {
	var r *StoredResponse
	err := s.Store.View(ctx, func(tx Tx) error {
		var err error
		r, err = tx.StoredResponse(ctx, key)
		return err
	})
	return r, err
}

// SaveResponse keeps the answer to the request that claimed key.
func (s *Service) SaveResponse(ctx context.Context, key string, status int, body []byte) error {
	return s.Store.Update(ctx, func(tx Tx) error { return tx.SaveResponse(ctx, key, status, body) })
}

// ForgetKeys deletes the idempotency keys claimed longer than keep ago, with their
// answers, and returns how many: a retry under one of them is carried out afresh. Keys
// are for retries after a lost answer, which come within minutes; kept for ever, they
// would grow with every write.
func (s *Service) ForgetKeys(ctx context.Context, keep time.Duration) (int64, error) {
	if keep <= 0 {
		return 0, Invalid("keep", "must be positive, not %v", keep)
	}
	var n int64
	err := s.Store.Update(ctx, func(tx Tx) error {
		var err error
		n, err = tx.ForgetKeys(ctx, s.clock().Add(-keep))
		return err
	})
	return n, err
}
