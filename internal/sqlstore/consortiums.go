package sqlstore

import (
	"context"
	"database/sql"

	"github.com/barter-clearing/barter"
)

// consortiumQuery reads consortiums with their members, one row a member, lead first.
const consortiumQuery = `SELECT c.party, c.partner, m.member, m.lead FROM consortiums c
	JOIN consortium_members m ON m.consortium = c.party`

// Consortium reads a consortium; a write transaction locks it until it ends, so that an
// authorization checked against its partner cannot pass alongside a change of partner
// (see PutConsortium).
func (t *Tx) Consortium(ctx context.Context, id string) (*barter.Consortium, error) {
	q := consortiumQuery + ` WHERE c.party = ? ORDER BY m.lead DESC, m.member`
	if t.write {
		q += t.d.ForUpdate
	}
	cs, err := t.consortiums(ctx, q, id)
	if err != nil {
		return nil, err
	}
	if len(cs) == 0 {
		return nil, &barter.Error{Code: barter.ENotFound, Message: "no consortium " + id + " is registered"}
	}
	return &cs[0], nil
}

func (t *Tx) Consortiums(ctx context.Context) ([]barter.Consortium, error) {
	return t.consortiums(ctx, consortiumQuery+` ORDER BY c.party, m.lead DESC, m.member`)
}

// consortiums reads the rows of q (see consortiumQuery), grouped by consortium.
func (t *Tx) consortiums(ctx context.Context, q string, args ...any) ([]barter.Consortium, error) {
	var cs []barter.Consortium
	err := t.queryEach(ctx, q, args, func(rows *sql.Rows) error {
		var id, partner string
		var m barter.ConsortiumMember
		if err := rows.Scan(&id, &partner, &m.Party, &m.Lead); err != nil {
			return err
		}
		if len(cs) == 0 || cs[len(cs)-1].ID != id {
			cs = append(cs, barter.Consortium{ID: id, Partner: partner})
		}
		c := &cs[len(cs)-1]
		c.Members = append(c.Members, m)
		return nil
	})
	return cs, err
}

// PutConsortium writes the consortium's row first, which holds it (on PostgreSQL) until
// the transaction ends: a concurrent registration of the same consortium then waits,
// and deletes the members this one recorded instead of missing them, and an
// authorization being checked against it waits to read its new partner.
func (t *Tx) PutConsortium(ctx context.Context, c *barter.Consortium) error {
	if err := t.exec(ctx, `INSERT INTO consortiums (party, partner) VALUES (?, ?)
		ON CONFLICT (party) DO UPDATE SET partner = excluded.partner`, c.ID, c.Partner); err != nil {
		return err
	}
	if err := t.exec(ctx, `DELETE FROM consortium_members WHERE consortium = ?`, c.ID); err != nil {
		return err
	}
	values := make([]any, 0, 3*len(c.Members))
	for _, m := range c.Members {
		values = append(values, c.ID, m.Party, m.Lead)
	}
	return t.insertRows(ctx, `INSERT INTO consortium_members (consortium, member, lead) VALUES `, 3, values)
}

func (t *Tx) CounterpartyCountries(ctx context.Context, party string) (map[string]string, error) {
	out := map[string]string{}
	err := t.queryEach(ctx, `SELECT DISTINCT p.id, p.country FROM authorizations a JOIN parties p ON p.id = a.counterparty
		WHERE a.party = ? AND a.status IN ('applied', 'approved')`, []any{party}, func(rows *sql.Rows) error {
		var id, country string
		if err := rows.Scan(&id, &country); err != nil {
			return err
		}
		out[id] = country
		return nil
	})
	return out, err
}
