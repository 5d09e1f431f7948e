package sqlstore

import (
	"context"
	"time"

	"github.com/barter-clearing/barter"
)

func (t *Tx) CreateUser(ctx context.Context, u *barter.User, tokenHash string) error {
	err := t.exec(ctx, `INSERT INTO users (name, role, party, token_hash, created) VALUES (?, ?, ?, ?, ?)`,
		u.Name, string(u.Role), u.Party, tokenHash, u.Created.UTC().Format(time.RFC3339))
	if barter.ErrorCode(err) == barter.EConflict {
		return &barter.Error{Code: barter.EConflict, Field: "name", Message: "there is a user " + u.Name + " already"}
	}
	return err
}

const userColumns = `name, role, party, created`

func scanUser(r scanner) (*barter.User, error) {
	var u barter.User
	var role, created string
	if err := r.Scan(&u.Name, &role, &u.Party, &created); err != nil {
		return nil, err
	}
	u.Role = barter.Role(role)
	var err error
	u.Created, err = time.Parse(time.RFC3339, created)
	return &u, err
}

func (t *Tx) UserByToken(ctx context.Context, tokenHash string) (*barter.User, error) {
	row, err := t.queryRow(ctx, `SELECT `+userColumns+` FROM users WHERE token_hash = ?`, tokenHash)
	if err != nil {
		return nil, err
	}
	u, err := scanUser(row)
	if err != nil {
		// The hash is no one's business, not even in an error.
		return nil, notFound(err, "user with", "that token")
	}
	return u, nil
}

func (t *Tx) Users(ctx context.Context) ([]barter.User, error) {
	return queryList(ctx, t, scanUser, `SELECT `+userColumns+` FROM users ORDER BY name`)
}

func (t *Tx) DeleteUser(ctx context.Context, name string) error {
	gone, err := t.move(ctx, `DELETE FROM users WHERE name = ?`, name)
	if err == nil && !gone {
		err = barter.Errorf(barter.ENotFound, "no user %q", name)
	}
	if err != nil {
		return err
	}
	return t.exec(ctx, `DELETE FROM sessions WHERE user_name = ?`, name)
}

func (t *Tx) UserCount(ctx context.Context) (int, error) {
	row, err := t.queryRow(ctx, `SELECT COUNT(*) FROM users`)
	if err != nil {
		return 0, err
	}
	var n int
	err = row.Scan(&n)
	return n, err
}

// Session expiry times are RFC 3339 in UTC to the second, so they compare as text.
const sessionTime = "2006-01-02T15:04:05Z"

func (t *Tx) CreateSession(ctx context.Context, idHash, user string, expires, now time.Time) error {
	if err := t.exec(ctx, `DELETE FROM sessions WHERE expires < ?`, now.UTC().Format(sessionTime)); err != nil {
		return err
	}
	return t.exec(ctx, `INSERT INTO sessions (id_hash, user_name, expires) VALUES (?, ?, ?)`, idHash, user, expires.UTC().Format(sessionTime))
}

func (t *Tx) SessionUser(ctx context.Context, idHash string, now time.Time) (*barter.User, error) {
	row, err := t.queryRow(ctx, `SELECT u.name, u.role, u.party, u.created FROM sessions s JOIN users u ON u.name = s.user_name
		WHERE s.id_hash = ? AND s.expires >= ?`, idHash, now.UTC().Format(sessionTime))
	if err != nil {
		return nil, err
	}
	u, err := scanUser(row)
	if err != nil {
		return nil, notFound(err, "session", "of that cookie")
	}
	return u, nil
}

func (t *Tx) DeleteSession(ctx context.Context, idHash string) error {
	return t.exec(ctx, `DELETE FROM sessions WHERE id_hash = ?`, idHash)
}
