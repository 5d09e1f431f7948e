package sqlstore

import (
	"context"
	"database/sql"

	"github.com/barter-clearing/barter"
)

func (t *Tx) CreateUndertaking(ctx context.Context, u *barter.Undertaking) error {
	row, err := t.queryRow(ctx, `INSERT INTO undertakings (giver, chamber, counterparty, day, signatory, text, document)
		VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`, nullStr(u.Giver), u.Chamber, u.Counterparty, dateStr(u.Day), u.Signatory, u.Text, u.Document)
	if err != nil {
		return err
	}
	return t.mapErr(row.Scan(&u.ID))
}

func (t *Tx) Undertakings(ctx context.Context, counterparty string) ([]barter.Undertaking, error) {
	var us []barter.Undertaking
	err := t.queryEach(ctx, `SELECT id, giver, chamber, counterparty, day, signatory, text, document FROM undertakings
		WHERE ? = '' OR counterparty = ? ORDER BY id`, []any{counterparty, counterparty}, func(rows *sql.Rows) error {
		var u barter.Undertaking
		var giver, day sql.NullString
		if err := rows.Scan(&u.ID, &giver, &u.Chamber, &u.Counterparty, &day, &u.Signatory, &u.Text, &u.Document); err != nil {
			return err
		}
		u.Giver = giver.String
		var err error
		u.Day, err = parseDate(day)
		us = append(us, u)
		return err
	})
	return us, err
}
