package sqlstore

import (
	"context"
	"database/sql"
	"strconv"
	"strings"

	"github.com/barter-clearing/barter"
)

const offerColumns = `id, party, country, regime, gives, quantity, unit, value_min, value_max, delivery_from, delivery_to,
	wants, want_min, want_max, want_from, want_to, valid_until, blocked, status, origin, ports`

func scanOffer(r scanner) (*barter.Offer, error) {
	var o barter.Offer
	var qty, wants, status, ports string
	var from, to, wantFrom, wantTo, valid sql.NullString
	if err := r.Scan(&o.ID, &o.Party, &o.Country, &o.Regime, &o.Gives, &qty, &o.Unit, &o.ValueMin, &o.ValueMax, &from, &to,
		&wants, &o.WantMin, &o.WantMax, &wantFrom, &wantTo, &valid, &o.Blocked, &status, &o.Origin, &ports); err != nil {
		return nil, err
	}
	o.Wants, o.Status = strings.Split(wants, ";"), barter.OfferStatus(status)
	if ports != "" {
		o.Ports = strings.Split(ports, ";")
	}
	var err error
	if o.Quantity, err = parseDec(qty); err != nil {
		return nil, err
	}
	for _, d := range []struct {
		dst *barter.Date
		src sql.NullString
	}{{&o.From, from}, {&o.To, to}, {&o.WantFrom, wantFrom}, {&o.WantTo, wantTo}, {&o.ValidUntil, valid}} {
		if *d.dst, err = parseDate(d.src); err != nil {
			return nil, err
		}
	}
	return &o, nil
}

func (t *Tx) Offer(ctx context.Context, id string) (*barter.Offer, error) {
	row, err := t.queryRow(ctx, `SELECT `+offerColumns+` FROM offers WHERE id = ?`, id)
	if err != nil {
		return nil, err
	}
	o, err := scanOffer(row)
	return o, notFound(err, "offer", id)
}

func (t *Tx) CreateOffer(ctx context.Context, o *barter.Offer) error {
	return t.exec(ctx, `INSERT INTO offers (`+offerColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		o.ID, o.Party, o.Country, o.Regime, o.Gives, decStr(o.Quantity), o.Unit, o.ValueMin, o.ValueMax, dateStr(o.From), dateStr(o.To),
		strings.Join(o.Wants, ";"), o.WantMin, o.WantMax, dateStr(o.WantFrom), dateStr(o.WantTo), dateStr(o.ValidUntil), o.Blocked, string(o.Status),
		o.Origin, strings.Join(o.Ports, ";"))
}

func (t *Tx) Offers(ctx context.Context, status barter.OfferStatus) ([]barter.Offer, error) {
	return queryList(ctx, t, scanOffer, `SELECT `+offerColumns+` FROM offers WHERE ? = '' OR status = ? ORDER BY id`, string(status), string(status))
}

func (t *Tx) MoveOffer(ctx context.Context, id string, from, to barter.OfferStatus) (bool, error) {
	return t.move(ctx, `UPDATE offers SET status = ? WHERE id = ? AND status = ?`, string(to), id, string(from))
}

func (t *Tx) MoveProposal(ctx context.Context, id int64, from, to barter.ProposalStatus) (bool, error) {
	return t.move(ctx, `UPDATE proposals SET status = ? WHERE id = ? AND status = ?`, string(to), id, string(from))
}

// move runs a conditional update of one row and reports whether it changed it. On
// PostgreSQL a concurrent writer's change is waited for and the condition checked
// again, so of two racing moves from the same status only one succeeds.
func (t *Tx) move(ctx context.Context, q string, args ...any) (bool, error) {
	st, err := t.stmt(ctx, q)
	if err != nil {
		return false, err
	}
	res, err := st.ExecContext(ctx, args...)
	if err != nil {
		return false, t.mapErr(err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

func (t *Tx) CreateProposal(ctx context.Context, p *barter.Proposal) error {
	row, err := t.queryRow(ctx, `INSERT INTO proposals (created, deadline, status, value) VALUES (?, ?, ?, ?) RETURNING id`,
		dateStr(p.Created), dateStr(p.Deadline), string(p.Status), p.Value)
	if err != nil {
		return err
	}
	if err := row.Scan(&p.ID); err != nil {
		return t.mapErr(err)
	}
	values := make([]any, 0, 9*len(p.Legs))
	for i, l := range p.Legs {
		values = append(values, p.ID, i+1, l.Offer, l.Party, l.Country, l.Value, l.Response, dateStr(l.Responded), l.Reason)
	}
	return t.insertRows(ctx, `INSERT INTO proposal_legs (proposal_id, position, offer_id, party, country, value, response, responded, reason) VALUES `, 9, values)
}

func (t *Tx) Proposal(ctx context.Context, id int64) (*barter.Proposal, error) {
	q := `SELECT id, created, deadline, status, value FROM proposals WHERE id = ?`
	if t.write {
		q += t.d.ForUpdate
	}
	ps, err := t.proposals(ctx, q, id)
	if err != nil {
		return nil, err
	}
	if len(ps) == 0 {
		return nil, notFound(sql.ErrNoRows, "proposal", strconv.FormatInt(id, 10))
	}
	return &ps[0], nil
}

func (t *Tx) Proposals(ctx context.Context, status barter.ProposalStatus) ([]barter.Proposal, error) {
	return t.proposals(ctx, `SELECT id, created, deadline, status, value FROM proposals WHERE ? = '' OR status = ? ORDER BY id DESC`, string(status), string(status))
}

func (t *Tx) ProposalsDue(ctx context.Context, day barter.Date) ([]barter.Proposal, error) {
	return t.proposals(ctx, `SELECT id, created, deadline, status, value FROM proposals WHERE status = 'pending' AND deadline < ? ORDER BY id`, dateStr(day))
}

// proposals runs a query of proposals and fills in their legs and authorizations.
func (t *Tx) proposals(ctx context.Context, q string, args ...any) ([]barter.Proposal, error) {
	rows, err := t.query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	var out []barter.Proposal
	for rows.Next() {
		var p barter.Proposal
		var created, deadline sql.NullString
		var status string
		if err := rows.Scan(&p.ID, &created, &deadline, &status, &p.Value); err != nil {
			rows.Close()
			return nil, err
		}
		p.Status = barter.ProposalStatus(status)
		if p.Created, err = parseDate(created); err == nil {
			p.Deadline, err = parseDate(deadline)
		}
		if err != nil {
			rows.Close()
			return nil, err
		}
		out = append(out, p)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for i := range out {
		if err := t.proposalDetails(ctx, &out[i]); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (t *Tx) proposalDetails(ctx context.Context, p *barter.Proposal) error {
	rows, err := t.query(ctx, `SELECT offer_id, party, country, value, response, responded, reason FROM proposal_legs WHERE proposal_id = ? ORDER BY position`, p.ID)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var l barter.ProposalLeg
		var responded sql.NullString
		if err := rows.Scan(&l.Offer, &l.Party, &l.Country, &l.Value, &l.Response, &responded, &l.Reason); err != nil {
			return err
		}
		if l.Responded, err = parseDate(responded); err != nil {
			return err
		}
		p.Legs = append(p.Legs, l)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	links, err := t.query(ctx, `SELECT country, authorization_id FROM proposal_authorizations WHERE proposal_id = ? ORDER BY country`, p.ID)
	if err != nil {
		return err
	}
	defer links.Close()
	for links.Next() {
		var a barter.ProposalAuthorization
		if err := links.Scan(&a.Country, &a.Authorization); err != nil {
			return err
		}
		p.Authorizations = append(p.Authorizations, a)
	}
	return links.Err()
}

func (t *Tx) UpdateProposal(ctx context.Context, p *barter.Proposal) error {
	if err := t.exec(ctx, `UPDATE proposals SET status = ? WHERE id = ?`, string(p.Status), p.ID); err != nil {
		return err
	}
	for i, l := range p.Legs {
		if err := t.exec(ctx, `UPDATE proposal_legs SET response = ?, responded = ?, reason = ? WHERE proposal_id = ? AND position = ?`,
			l.Response, dateStr(l.Responded), l.Reason, p.ID, i+1); err != nil {
			return err
		}
	}
	for _, a := range p.Authorizations {
		if err := t.exec(ctx, `INSERT INTO proposal_authorizations (proposal_id, country, authorization_id) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`,
			p.ID, a.Country, a.Authorization); err != nil {
			return err
		}
	}
	return nil
}
